import HTTPEngine

/// Runs the active health checks of every pool that configures them, each backend on its
/// own schedule, until the task running `run()` is cancelled.
///
/// Checks run on the proxy's loops (its `HTTPClient`'s group) but over connections of their
/// own, and time comes from each pool's `ProxyClock`, so a test with `ManualProxyClock` steps
/// the schedule without sleeping.
public final class HealthChecker: Sendable {
    public let pools: [BackendPool]
    /// The probes' client: the traffic client's loops and parser limits, pools of its own.
    ///
    /// Why not the traffic client itself (the first edition): a probe then waited for a pooled
    /// connection behind the requests. A backend busy enough to fill its pool had its probes
    /// time out in the queue and was taken out for being busy, and with every backend busy all
    /// traffic was answered 503; a probe must see whether the backend answers, not whether the
    /// proxy's own queue is short. (HAProxy's and nginx's checks open their own connections too.)
    let client: HTTPClient

    /// Checks the backends of `pools`, on the loops of `client` (the proxy's traffic client).
    public init(pools: [BackendPool], client trafficClient: HTTPClient) {
        self.pools = pools
        // A few connections per backend and loop: a backend in several pools gets a probe from
        // each, and each probe holds its connection at most its time-out.
        var configuration = HTTPClientConfiguration(maxConnectionsPerUpstream: 4, maxIdleConnectionsPerUpstream: 1)
        configuration.parserLimits = trafficClient.configuration.parserLimits
        client = HTTPClient(eventLoopGroup: trafficClient.eventLoopGroup, configuration: configuration)
    }

    /// Checks every backend concurrently, each every `interval` plus up to `jitter`, until
    /// cancelled (then closes the probes' connections); returns at once when no pool
    /// configures checks.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for pool in pools {
                guard let configuration = pool.healthCheck else { continue }
                for index in pool.backends.indices {
                    group.addTask { await self.checkRepeatedly(backend: index, of: pool, configuration: configuration) }
                }
            }
        }
        await client.shutdown(gracePeriod: .zero)
    }

    /// One backend's schedule: a jittered first delay, then check, record, wait, repeat.
    func checkRepeatedly(backend index: Int, of pool: BackendPool, configuration: HealthCheckConfiguration) async {
        var next = pool.clock.now + Self.randomDelay(upTo: configuration.jitter)
        while true {
            do {
                try await pool.clock.sleep(until: next)
            } catch {
                return
            }
            let failure = await check(pool.backends[index], configuration: configuration)
            // Re-checked after the probe: a result that arrives after cancellation is not recorded.
            guard !Task.isCancelled else { return }
            pool.recordCheck(at: index, passed: failure == nil, failure: failure)
            next = pool.clock.now + configuration.interval + Self.randomDelay(upTo: configuration.jitter)
        }
    }

    /// One probe: `GET path`; nil when it passed (status 200...399 and the body read, all within
    /// `timeout`), else why it failed.
    ///
    /// The whole probe races the time-out. The client's request time-out ends at the response
    /// head, and the body's waits are bounded only by the client's `responseTimeout` (30 s by
    /// default) each: a backend that sent a head and then held or trickled its body kept the
    /// check, and so its own health state, as long as it liked.
    public func check(_ backend: Backend, configuration: HealthCheckConfiguration) async -> String? {
        await withTaskGroup(of: String?.self) { group in
            group.addTask { await self.probe(backend, configuration: configuration) }
            group.addTask {
                // Cancelled when the probe finishes first; what it returns then is not read.
                guard (try? await Task.sleep(for: configuration.timeout)) != nil else { return nil }
                return "health check \(configuration.path) timed out: no complete answer within \(configuration.timeout)"
            }
            // Whichever finishes first decides; cancelling the probe drops its response body,
            // which closes the connection.
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// The probe without the overall time-out: the request, its head's time-out, the body read.
    private func probe(_ backend: Backend, configuration: HealthCheckConfiguration) async -> String? {
        var request = HTTPClientRequest(method: .get, host: backend.host, port: backend.port, target: configuration.path)
        request.headers["Host"] = backend.description
        request.headers["User-Agent"] = "ReverseProxy-health-check"
        request.timeout = configuration.timeout
        do {
            let response = try await client.execute(request)
            // Up to 64 KiB is read so a small body keeps the connection reusable; the rest is
            // dropped with the body, which closes the connection instead of reading on.
            var remaining = 64 * 1024
            for try await chunk in response.body {
                remaining -= chunk.count
                if remaining <= 0 { break }
            }
            guard (200..<400).contains(response.status.code) else {
                return "health check \(configuration.path) answered \(response.status.code)"
            }
            return nil
        } catch {
            return "health check \(configuration.path) failed: \(error)"
        }
    }

    static func randomDelay(upTo limit: Duration) -> Duration {
        let nanoseconds = limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000
        guard nanoseconds > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...nanoseconds))
    }
}
