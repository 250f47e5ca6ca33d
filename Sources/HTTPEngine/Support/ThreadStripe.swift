import CLinuxSystem

/// Which of a fixed number of stripes the calling thread uses, for state that every loop
/// writes per request (a lock read for a configuration, a counter) and that would otherwise
/// sit on one cache line all loops write in turn.
public enum ThreadStripe {
    /// How many stripes striped state keeps: threads beyond it share stripes, which stays
    /// correct (each stripe is still locked or atomic) and only gives up the separation.
    public static let count = 16

    /// The calling thread's stripe, `0..<count`; fixed for the thread's life. Threads are
    /// numbered in the order they first ask, so a server's first loops get stripes of their own.
    @inlinable
    public static var current: Int { Int(cls_thread_ordinal()) % count }

    /// Bytes between two stripes' state: two cache lines, since x86 cores' adjacent-line
    /// prefetcher fetches lines in pairs, so state one line apart can still be pulled between cores.
    public static let stripeBytes = 128
}
