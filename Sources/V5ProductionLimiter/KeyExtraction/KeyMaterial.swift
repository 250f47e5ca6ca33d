import HTTPEngine

/// Checks raw key material from a request before it becomes part of a bucket key.
///
/// Keys are stored for as long as their bucket lives, so their size bounds memory per bucket;
/// they are also echoed into logs and JSON, so control characters are refused outright.
/// The length is checked on the raw bytes first: a 10 KB header is refused without decoding it.
enum KeyMaterial {
    /// `bytes` as a `String`, or the reason it is unfit to be a key.
    static func validated(_ bytes: some Collection<UInt8>, field: String, maximumBytes: Int) throws(RateLimitKeyError) -> String {
        guard bytes.count <= maximumBytes else { throw .tooLong(field: field, maximumBytes: maximumBytes) }
        // HTTP allows obs-text (bytes 0x80–0xFF) in field values; as a key it must at least be
        // UTF-8, or two clients could send different bytes that decode to the same replacement text.
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8(field: field) }
        // Refuse C0 controls, DEL and C1 controls; spaces and tabs too (HTTP trims them at the
        // ends, so inside a key they are almost always a pasting accident or a probe).
        guard !text.unicodeScalars.contains(where: { $0.value <= 0x20 || (0x7F...0x9F).contains($0.value) }) else {
            throw .invalidCharacter(field: field)
        }
        return text
    }
}

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
