import Foundation

/// Looks host names up on a thread of their own, never on the loop, and remembers
/// the answers for one loop's pools: successes for `nameCacheDuration`, failures
/// for `failedNameCacheDuration`. Concurrent requests for one name share a lookup.
///
/// `@unchecked Sendable`: `entries` and `lookupCount` are touched only on `loop`'s thread.
final class HostResolver: @unchecked Sendable {
    typealias Answer = Result<[SocketAddress], HTTPEngineError>

    enum Entry {
        case pending([(Answer) -> Void])
        case answered(Answer, expiresAt: UInt64)
    }

    let loop: EventLoop
    let configuration: HTTPClientConfiguration
    var entries: [Upstream: Entry] = [:]
    /// Lookups started so far.
    var lookupCount = 0

    init(loop: EventLoop, configuration: HTTPClientConfiguration) {
        self.loop = loop
        self.configuration = configuration
    }

    /// Calls `completion` on the loop with `upstream`'s addresses: at once for numeric
    /// hosts and cached answers, else after a lookup (loop thread only).
    func addresses(for upstream: Upstream, _ completion: @escaping (Answer) -> Void) {
        loop.assertInEventLoop()
        if let address = upstream.numericAddress {
            completion(.success([address]))
            return
        }
        let now = EventLoop.monotonicNanoseconds()
        switch entries[upstream] {
        case .pending(let waiting)?:
            entries[upstream] = .pending(waiting + [completion])
            return
        case .answered(let answer, let expiresAt)? where expiresAt > now:
            completion(answer)
            return
        default:
            break
        }
        // Expired answers go when a lookup starts, so the cache never outgrows the names in use.
        entries = entries.filter { if case .answered(_, let expiresAt) = $0.value { expiresAt > now } else { true } }
        entries[upstream] = .pending([completion])
        lookupCount += 1
        let lookup = configuration.lookup
        let loop = loop
        // getaddrinfo blocks as long as DNS takes: a loop would stall every connection on
        // it, and a cooperative thread is one of only a few.
        Thread { [self] in
            let answer = lookup(upstream)
            Task(executorPreference: loop) { [self] in
                guard loop.inEventLoop else { return }
                finish(upstream, answer)
            }
        }.start()
    }

    func finish(_ upstream: Upstream, _ answer: Answer) {
        guard case .pending(let waiting)? = entries[upstream] else { return }
        let duration: Duration
        if case .success = answer { duration = configuration.nameCacheDuration } else { duration = configuration.failedNameCacheDuration }
        entries[upstream] = .answered(answer, expiresAt: EventLoop.monotonicNanoseconds() &+ duration.nanoseconds)
        for completion in waiting { completion(answer) }
    }
}
