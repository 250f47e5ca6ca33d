# The stage 5 rate-limiting reverse proxy as a container image:
#
#   docker build -t rate-limit-proxy .
#   docker run --rm -p 8080:8080 -p 127.0.0.1:9090:9090 rate-limit-proxy
#
# Two stages: the Swift toolchain (about 1.5 GB) builds one static binary; the image that runs is
# a slim Debian with that binary and nothing of Swift. docs/deployment.md explains the probes,
# preStop and grace period; deploy/check.sh checks this file and the Kubernetes manifests.

# The build image matches the toolchain the project is developed and tested with
# (`swift --version`: 6.3.1) and the runtime image's C library: both are Debian 12 "bookworm".
# A binary built on a newer glibc (Ubuntu 24.04's 2.39) may call symbols bookworm's 2.36 lacks
# and fail at start with "GLIBC_2.38 not found".
ARG SWIFT_IMAGE=swift:6.3.1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
WORKDIR /src
# The package has no dependencies, so there is no resolve step worth caching in its own layer.
# Every directory Package.swift names a target in must be present (SwiftPM checks all targets'
# folders even when building one product), hence Tests, Benchmarks and Tools; .dockerignore
# keeps build folders and the git history out.
COPY Package.swift ./
COPY Sources Sources
COPY Tests Tests
COPY Benchmarks Benchmarks
COPY Tools Tools
# --static-swift-stdlib links the Swift runtime, Foundation (with its ICU data), Dispatch and
# Synchronization into the binary, so the runtime image needs no Swift libraries.
# The symbols are stripped (77 MB → 59 MB here, 34 MB of it Foundation's ICU data): the image has
# no debugger to read them.
RUN swift build -c release --static-swift-stdlib --product V5RateLimitProxy \
    && install -D -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/V5RateLimitProxy" /out/V5RateLimitProxy \
    && strip /out/V5RateLimitProxy \
    && /out/V5RateLimitProxy --help >/dev/null

# Why not `scratch`: a static Swift stdlib is not a static executable. The binary still loads
# glibc (libc, libm, the dynamic loader) and the C++ runtime (libstdc++, libgcc_s) that the
# Swift runtime is built on; `ldd` on it lists exactly those. Swift's fully static alternative
# (the Static Linux SDK, musl) is a separate SDK install and a different libc to test against.
# Why not distroless/cc: it would do (it carries those same libraries), but bookworm-slim has
# /bin/sleep and a shell, so a preStop `exec: sleep` works on clusters older than Kubernetes
# 1.30's built-in `sleep` handler, and an operator can `kubectl exec` into a pod to look around.
FROM ${RUNTIME_IMAGE}
# A fixed numeric user: Kubernetes' runAsNonRoot can only verify a numeric USER.
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin proxy
COPY --from=build /out/V5RateLimitProxy /usr/local/bin/V5RateLimitProxy
USER 10001:10001
# 8080: the proxy, for clients. 9090: the admin listener (/metrics, /healthz, /readyz, /explain).
EXPOSE 8080 9090
# The kubelet's probes and Prometheus reach a pod through its pod IP, so the admin listener binds
# every interface, not the binary's default loopback (probes against 127.0.0.1 would fail and the
# pod would never become ready). It must never be exposed publicly: /explain tells anyone which
# limits hold a client and /metrics describes the traffic. Publish only 8080 (Service, Ingress,
# `docker run -p`), and keep 9090 inside the cluster (a NetworkPolicy can restrict it further).
ENTRYPOINT ["/usr/local/bin/V5RateLimitProxy", "--listen", "0.0.0.0:8080", "--admin", "0.0.0.0:9090"]
# SIGTERM starts the drain: /readyz turns 503, the listener closes, requests in flight finish
# within GRACEFUL_SHUTDOWN_TIMEOUT (default 10s), exit 0. It is Docker's default; stated because
# the Kubernetes grace period in deploy/kubernetes is computed from it.
STOPSIGNAL SIGTERM
