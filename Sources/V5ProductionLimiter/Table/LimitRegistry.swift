import Synchronization
import ThreadSanitizerAnnotations

/// The distinct limits a limiter has handed out, numbered 1...255 so a slot can name its
/// bucket's limit in the low byte of its identity word.
///
/// A slot cannot hold a `BucketLimit` (two words, and it would have to be read atomically with
/// the arrival), and looking the limit up by key on every decision would call the user's
/// closure on the hot path. Limits are few (a tier, a route class), so a byte is plenty.
final class LimitRegistry: @unchecked Sendable {
    // @unchecked: `limits[i]` is written once, before any identity word carrying `i` is
    // published with a releasing store, and read only after such a word was loaded with an
    // acquiring one; `indices` is behind its own lock.

    /// The most distinct limits one limiter can give out.
    static let maximumCount = 255

    private let limits: UnsafeMutablePointer<BucketLimit>
    private let indices = Mutex<[BucketLimit: UInt8]>([:])

    /// An empty registry; the first limit registered is number 1.
    init() {
        limits = .allocate(capacity: Self.maximumCount + 1)
    }

    deinit {
        let count = withLockedIndices { $0.count }
        (limits + 1).deinitialize(count: count)
        limits.deallocate()
    }

    /// The limit numbered `index`, which a published identity word carried.
    @inline(__always)
    subscript(index: UInt8) -> BucketLimit {
        limits[Int(index)]
    }

    /// The number of `limit`, registering it if it is new.
    func index(for limit: BucketLimit) -> UInt8 {
        withLockedIndices { indices in
            if let index = indices[limit] { return index }
            // Loud rather than wrong: sharing a number would give keys another limit's bucket.
            precondition(
                indices.count < Self.maximumCount,
                "KeyedRateLimiter: limitForKey returned more than \(Self.maximumCount) distinct limits; use one limiter per group of limits"
            )
            let index = UInt8(indices.count + 1)
            (limits + Int(index)).initialize(to: limit)
            indices[limit] = index
            return index
        }
    }

    /// `indices.withLock`, with the critical section announced to ThreadSanitizer, which cannot
    /// see `Mutex`'s futex hand-off.
    private func withLockedIndices<Result>(_ body: (inout [BucketLimit: UInt8]) -> Result) -> Result {
        let identity = Unmanaged.passUnretained(self).toOpaque()
        return indices.withLock { indices in
            ThreadSanitizer.acquire(identity)
            defer { ThreadSanitizer.release(identity) }
            return body(&indices)
        }
    }
}
