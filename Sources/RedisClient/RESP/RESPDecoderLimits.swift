/// The bounds a `RESPDecoder` enforces on what a server sends, each checked before memory is committed.
///
/// Redis itself accepts bulk strings up to 512 MB (`proto-max-bulk-len`); a rate limiter's replies
/// are a few integers, so the defaults are far tighter, and a caller with larger values raises them.
public struct RESPDecoderLimits: Sendable, Hashable {
    /// Longest bulk string in bytes; a longer `$` header is refused before its data arrives.
    public var maxBulkLength: Int
    /// Most elements one array header may announce.
    public var maxArrayLength: Int
    /// Most arrays nested inside one another; a top-level array is depth 1.
    public var maxNestingDepth: Int
    /// Longest line (type byte and text, without CRLF): simple strings, errors, integers, length headers.
    public var maxLineLength: Int
    /// Most wire bytes one top-level reply may span, framing included.
    ///
    /// The per-value limits alone do not bound a reply: an array of a million 64 MiB strings passes
    /// each of them. This total does, and so bounds the memory a single reply can hold.
    public var maxReplyBytes: Int

    public init(
        maxBulkLength: Int = 64 * 1024 * 1024,
        maxArrayLength: Int = 1024 * 1024,
        maxNestingDepth: Int = 32,
        maxLineLength: Int = 64 * 1024,
        maxReplyBytes: Int = 128 * 1024 * 1024
    ) {
        self.maxBulkLength = maxBulkLength
        self.maxArrayLength = maxArrayLength
        self.maxNestingDepth = maxNestingDepth
        self.maxLineLength = maxLineLength
        self.maxReplyBytes = maxReplyBytes
    }
}
