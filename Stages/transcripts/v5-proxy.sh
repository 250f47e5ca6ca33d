# The stage 5 binary with no options but a slow refill (so the output does not depend on timing).
# mask: "time":"[^"]*"
# mask: Retry-After: \d+
# mask: Content-Length: \d+
# mask: "retry_after":\d+
# mask: "retry_after_seconds":[0-9.e+-]+
# mask: X-RateLimit-Reset: \d+
# mask: ;t=\d+
# mask: "request_id":"[0-9a-f]+"
serve 'swift run V5RateLimitProxy --rps 0.01 --access-log off'
shown 'for i in $(seq 8); do curl -s -o /dev/null -w "%{http_code} " http://127.0.0.1:8080/; done; echo'
next_block
shown 'curl -s -i http://127.0.0.1:8080/ | grep -v -i "^date"'
next_block
shown "curl -s 'http://127.0.0.1:9090/explain?address=127.0.0.1&path=/'"
