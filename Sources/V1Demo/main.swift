// Replays a burst of requests against one bucket on a simulated clock, so the output is the
// same on every run: five tokens, one more per second.
import Foundation
import V1TokenBucket

let limit = try BucketLimit(capacity: 5, refillRatePerSecond: 1)
let start = MonotonicInstant(nanoseconds: 0)
var bucket = TokenBucket(limit: limit, now: start)

// (milliseconds since start, requests at that instant)
let schedule: [(milliseconds: Int64, requests: Int)] = [(0, 7), (500, 1), (1_000, 2), (3_500, 4), (10_000, 6)]

print("capacity \(limit.capacity), refill \(limit.refillRatePerSecond) token/s")
print("time      result   remaining  retry after")
for (milliseconds, requests) in schedule {
    let now = start + .milliseconds(milliseconds)
    for _ in 0..<requests {
        let decision = bucket.consume(at: now)
        let time = "t=\(Double(milliseconds) / 1000)s".padding(toLength: 10, withPad: " ", startingAt: 0)
        let result = (decision.isAllowed ? "allow" : "deny").padding(toLength: 9, withPad: " ", startingAt: 0)
        let remaining = String(decision.remainingTokens).padding(toLength: 11, withPad: " ", startingAt: 0)
        print(time + result + remaining + (decision.isAllowed ? "-" : "\(decision.retryAfter)"))
    }
}
