import HTTPEngine

/// The numbers a response reports about one decision, each in whole seconds or tokens a client can act on.
///
/// Two clocks are reported, and they differ on purpose:
/// - `nextQuotaSeconds`, the IETF `t`: seconds until one more whole token is back. The draft
///   defines `t` as "the number of seconds until additional quota associated with the quota
///   policy is made available" (draft-ietf-httpapi-ratelimit-headers, Section 4.1.2); for a
///   token bucket that is the next token, not the full bucket.
/// - `resetSeconds`, the legacy `X-RateLimit-Reset`: seconds until the bucket is full again.
///   That header has no standard (GitHub sends a Unix timestamp); we send a delta, which needs no
///   synchronized clocks, and "full again" is the one instant after which the whole burst is back.
/// All values are rounded up, so a client that waits as long as told is never early.
public struct RateLimitFields: Hashable, Sendable {
    /// The bucket's capacity: the most requests a burst may contain.
    public let limit: Int
    /// Whole requests left right after this one.
    public let remaining: Int
    /// Seconds until the bucket is full again (0 when it already is); `X-RateLimit-Reset`.
    public let resetSeconds: Int64
    /// Seconds until one more whole request fits; `nil` when the bucket is full. The IETF `t`.
    ///
    /// `nil` omits `t`, which the draft makes optional: a full bucket gets no additional
    /// quota at any time, and `t=0` would claim that more is available right now.
    public let nextQuotaSeconds: Int64?
    /// Seconds until this request would be admitted; at least 1 and at least `t` when it was refused, else 0.
    public let retryAfterSeconds: Int64
    /// The window of the IETF policy: seconds to refill an empty bucket, rounded up.
    ///
    /// `q` requests per `w` seconds then never overstates the sustained rate (capacity 10 at
    /// 3 per second advertises 10 per 4 s, not 10 per 3.33 s).
    public let windowSeconds: Int64

    /// The fields describing `decision`, which reports its most restrictive limit.
    public init(_ decision: StoreDecision) {
        limit = decision.limit.capacity
        remaining = decision.remaining
        // From the decision's nanoseconds: through `Duration` each took 128-bit arithmetic twice
        // (1 % of stage 5's user time for the three, with the window below).
        resetSeconds = Self.wholeSeconds(nanoseconds: decision.resetAfterNanoseconds)
        let nextQuota = remaining >= limit ? nil : Self.wholeSeconds(nanoseconds: decision.nextUnitAfterNanoseconds)
        nextQuotaSeconds = nextQuota
        // A refused request always waits at least a second: `Retry-After: 0` invites an instant,
        // equally refused retry, and the wait itself may be a few nanoseconds. It is never below
        // `t` either: "the Retry-After field value SHOULD NOT reference a point in time earlier
        // than the reset parameter" (Section 6). For a request costing one token the two are
        // the same number, both rounded up from the same nanosecond wait.
        retryAfterSeconds = decision.isAllowed ? 0 : max(1, Self.wholeSeconds(nanoseconds: decision.retryAfterNanoseconds), nextQuota ?? 0)
        windowSeconds = decision.limit.refillSeconds
    }

    /// Adds the fields of `style` to `headers`, replacing any of the same name set by the handler.
    ///
    /// The IETF fields follow draft-ietf-httpapi-ratelimit-headers (editor's copy after -10,
    /// September 2025). Each is a Structured Field List (RFC 9651) of one Item whose value is the
    /// policy name as a String, with Integer parameters: `RateLimit-Policy: "default";q=10;w=5`
    /// (quota `q` per window `w` seconds) and `RateLimit: "default";r=3;t=2` (`r` remaining,
    /// `t` seconds until the next unit of quota). `qu` is left out because its default,
    /// "requests", is what we count; `pk` is left out because our partition keys are client
    /// addresses and API keys, and the draft says to "avoid returning partition keys that
    /// contain sensitive information" (Section 6.1).
    public func apply(to headers: inout HTTPHeaders, style: RateLimitHeaderStyle, policyName: String) {
        // One pass removes whatever the handler set; then the values are added in order.
        headers.remove(names: style.fieldNames)
        guard style != .omitted else { return }
        // Every value is digits, literals and a quoted name with nothing a String cannot hold
        // (`FieldValueWriter`), every name a literal: added as checked, not checked again when sent.
        // Room for the longest value: the policy name quoted (each byte may take an escape), two
        // numbers of up to 20 digits, 11 more bytes.
        withUnsafeTemporaryAllocation(byteCount: 2 * policyName.utf8.count + 64, alignment: 1) { buffer in
            var value = FieldValueWriter(buffer)
            func add(_ name: String, _ write: (inout FieldValueWriter) -> Void) {
                value.clear()
                write(&value)
                headers.add(checkedName: name, checkedValueBytes: value.bytes)
            }
            if style.includesLegacy {
                add("X-RateLimit-Limit") { $0.write(limit) }
                add("X-RateLimit-Remaining") { $0.write(remaining) }
                add("X-RateLimit-Reset") { $0.write(resetSeconds) }
            }
            if style.includesIETF {
                // Quoted and escaped: a policy's name comes from configuration (a route's path
                // prefix), and a `"` there would end the String early. Both values start with it,
                // so it is written once.
                value.clear()
                value.writeQuoted(policyName)
                let quotedName = value.count
                value.write(";q=")
                value.write(limit)
                value.write(";w=")
                value.write(windowSeconds)
                headers.add(checkedName: "RateLimit-Policy", checkedValueBytes: value.bytes)
                value.truncate(to: quotedName)
                value.write(";r=")
                value.write(remaining)
                if let nextQuotaSeconds {
                    value.write(";t=")
                    value.write(nextQuotaSeconds)
                }
                headers.add(checkedName: "RateLimit", checkedValueBytes: value.bytes)
            }
        }
    }

    /// `nanoseconds` in whole seconds, rounded up; negative spans count as zero.
    static func wholeSeconds(nanoseconds: Int64) -> Int64 {
        guard nanoseconds > 0 else { return 0 }
        let (seconds, remainder) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        return remainder > 0 ? seconds + 1 : seconds
    }

    /// `duration` in whole seconds, rounded up; negative durations count as zero.
    public static func wholeSeconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return attoseconds > 0 ? seconds + 1 : seconds
    }
}
