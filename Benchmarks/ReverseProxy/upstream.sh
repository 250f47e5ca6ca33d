# Shared by the proxy benchmark scripts (sourced): the nginx `return 200` upstream they forward
# to, and waiting for a server to answer.

# Writes the upstream's nginx configuration: 2 workers of its own, so it is not the bottleneck.
write_upstream_conf() { # file, work directory, port
    cat >"$1" <<CONF
worker_processes 2;
daemon off;
pid $2/upstream.pid;
error_log $2/upstream-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000000;
    client_body_temp_path $2; proxy_temp_path $2; fastcgi_temp_path $2; uwsgi_temp_path $2; scgi_temp_path $2;
    server {
        listen 127.0.0.1:$3;
        location / { default_type text/plain; return 200 "Hello, world!"; }
    }
}
CONF
}

wait_for_port() {
    for _ in $(seq 1 100); do
        if curl -s -o /dev/null "http://127.0.0.1:$1/"; then return 0; fi
        sleep 0.1
    done
    echo "server on port $1 did not come up" >&2
    exit 1
}
