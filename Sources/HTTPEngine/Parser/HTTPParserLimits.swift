/// Size limits the parser enforces while reading a head or chunk line.
public struct HTTPParserLimits: Sendable, Equatable {
    /// Longest accepted request target; longer gives 414.
    public var maxRequestTargetLength: Int
    /// Largest request line plus header block (and trailer block); larger gives 431.
    public var maxHeaderBytes: Int
    /// Most header fields in one head; more gives 431.
    public var maxHeaderCount: Int
    /// Longest chunk-size line including extensions; longer gives 400.
    public var maxChunkLineLength: Int
    /// Most chunk-extension bytes in one message, all chunk lines together; more gives 400.
    ///
    /// Extensions carry nothing this engine uses, so a short line limit alone would still let a
    /// peer send a 1 KiB extension before every one-byte chunk: 18 MB of framing for 20 KB of body.
    public var maxChunkExtensionBytes: Int

    public init(
        maxRequestTargetLength: Int = 8 * 1024,
        maxHeaderBytes: Int = 32 * 1024,
        maxHeaderCount: Int = 100,
        maxChunkLineLength: Int = 1024,
        maxChunkExtensionBytes: Int = 4 * 1024
    ) {
        self.maxRequestTargetLength = maxRequestTargetLength
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxChunkLineLength = maxChunkLineLength
        self.maxChunkExtensionBytes = maxChunkExtensionBytes
    }
}
