/// What a limiter's key table has been doing: how full it is and what it had to forget.
public struct LimiterStatistics: Hashable, Sendable {
    /// Keys with a bucket right now.
    public var keyCount: Int
    /// The most keys the table holds.
    public var maximumKeyCount: Int
    /// Buckets dropped to make room that had refilled completely: no decision changed.
    public var fullBucketsEvicted: Int
    /// Buckets dropped to make room while still refilling: their keys start over with a full
    /// bucket if they return. A steadily rising count means the table is too small for the real
    /// clients, or that someone is flooding it with keys.
    public var bucketsWithStateEvicted: Int
    /// Buckets removed by `removeIdleBuckets` after staying full for the idle time.
    public var idleBucketsRemoved: Int

    /// A snapshot with the given counts.
    public init(keyCount: Int, maximumKeyCount: Int, fullBucketsEvicted: Int, bucketsWithStateEvicted: Int, idleBucketsRemoved: Int) {
        self.keyCount = keyCount
        self.maximumKeyCount = maximumKeyCount
        self.fullBucketsEvicted = fullBucketsEvicted
        self.bucketsWithStateEvicted = bucketsWithStateEvicted
        self.idleBucketsRemoved = idleBucketsRemoved
    }
}
