import HTTPEngine

/// Reads a header that must appear at most once, as the bytes the client sent.
enum RawHeaderValue {
    /// The raw value of `name`, nil when absent; throws when the field is repeated.
    ///
    /// Raw bytes, not `values(name:)`'s strings: those are decoded with replacement characters,
    /// which would turn invalid UTF-8 into a valid key instead of a 400.
    static func only(_ name: String, in headers: HTTPHeaders) throws(RateLimitKeyError) -> ArraySlice<UInt8>? {
        guard let bytes = headers.firstValueBytes(name: name) else { return nil }
        // Two values could come from a client and a proxy that each added one; choosing either
        // would be a guess about which one is authoritative. (The engine has no raw per-name
        // count, so this decodes the values; the head is capped at 32 KB, so the cost is bounded.)
        guard headers.values(name: name).count == 1 else { throw .repeatedField(field: name) }
        return bytes
    }
}
