import HTTPEngine

/// The numbers a response reports about one decision, each in whole units a client can act on.
///
/// Reset means "seconds until the bucket is full again", a delta rather than a timestamp: a
/// delta needs no synchronized clocks between server and client, it is what the IETF draft's
/// `t` parameter means, and a token bucket has no fixed window whose end could be announced.
/// All values are rounded up, so a client that waits as long as told is never early.
public struct RateLimitFields: Hashable, Sendable {
    /// The bucket's capacity: the most requests a burst may contain.
    public let limit: Int
    /// Whole requests left right after this one.
    public let remaining: Int
    /// Seconds until the bucket is full again (0 when it already is).
    public let resetSeconds: Int64
    /// Seconds until this request would be admitted; at least 1 when it was refused, else 0.
    public let retryAfterSeconds: Int64
    /// The window of the IETF policy: seconds to refill an empty bucket, rounded up.
    ///
    /// `q` requests per `w` seconds then never overstates the sustained rate (capacity 10 at
    /// 3 per second advertises 10 per 4 s, not 10 per 3.33 s).
    public let windowSeconds: Int64

    /// The fields describing `decision`.
    public init(_ decision: RateLimitDecision) {
        limit = decision.limit.capacity
        remaining = decision.remainingTokens
        resetSeconds = Self.wholeSeconds(decision.resetAfter)
        // A refused request always waits at least a second: `Retry-After: 0` invites an instant,
        // equally refused retry, and the wait itself may be a few nanoseconds.
        retryAfterSeconds = decision.isAllowed ? 0 : max(1, Self.wholeSeconds(decision.retryAfter))
        let window = Double(decision.limit.capacity) / decision.limit.refillRatePerSecond
        // BucketLimit keeps capacity / rate below ~146 years, so the window fits in Int64.
        windowSeconds = max(1, Int64(window.rounded(.up)))
    }

    /// Adds the fields of `style` to `headers`, replacing any of the same name set by the handler.
    ///
    /// The IETF fields follow draft-ietf-httpapi-ratelimit-headers-11 (May 2026): both are
    /// structured-field lists of items named by policy, `RateLimit-Policy: "default";q=10;w=5`
    /// (quota `q` per window `w` seconds) and `RateLimit: "default";r=3;t=4` (`r` remaining,
    /// `t` seconds until the quota is fully available again).
    public func apply(to headers: inout HTTPHeaders, style: RateLimitHeaderStyle, policyName: String) {
        if style.includesLegacy {
            headers.replaceOrAdd(name: "X-RateLimit-Limit", value: String(limit))
            headers.replaceOrAdd(name: "X-RateLimit-Remaining", value: String(remaining))
            headers.replaceOrAdd(name: "X-RateLimit-Reset", value: String(resetSeconds))
        }
        if style.includesIETF {
            headers.replaceOrAdd(name: "RateLimit-Policy", value: "\"\(policyName)\";q=\(limit);w=\(windowSeconds)")
            headers.replaceOrAdd(name: "RateLimit", value: "\"\(policyName)\";r=\(remaining);t=\(resetSeconds)")
        }
    }

    /// `duration` in whole seconds, rounded up; negative durations count as zero.
    public static func wholeSeconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return attoseconds > 0 ? seconds + 1 : seconds
    }
}
