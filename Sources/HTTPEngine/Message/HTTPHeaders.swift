/// An ordered list of header fields stored as bytes, with case-insensitive lookup.
///
/// Parsed headers keep the received head in one byte buffer together with an index of
/// field ranges, so no `String` is created unless a value is asked for.
public struct HTTPHeaders: Sendable {
    /// Byte ranges of one field inside `storage`.
    struct Field: Sendable {
        var nameStart: Int32
        var nameEnd: Int32
        var valueStart: Int32
        var valueEnd: Int32

        /// The same field after its bytes moved `distance` bytes further into the buffer.
        func shifted(by distance: Int) -> Field {
            let distance = Int32(distance)
            return Field(nameStart: nameStart + distance, nameEnd: nameEnd + distance, valueStart: valueStart + distance, valueEnd: valueEnd + distance)
        }

        /// Whether the field's name in `bytes` is `name`, ignoring ASCII case.
        func hasName(_ name: UnsafeRawBufferPointer, in bytes: UnsafeRawBufferPointer) -> Bool {
            Int(nameEnd - nameStart) == name.count
                && ASCII.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: bytes[Int(nameStart)..<Int(nameEnd)]), name)
        }

        /// Where the field's line ends in `bytes` when they read `name: value` CRLF, as a
        /// received field's do (single space, no trailing whitespace) and an added one's always
        /// do; nil otherwise. Such a line is copied whole instead of rebuilt from its parts.
        func lineEnd(in bytes: UnsafeRawBufferPointer) -> Int? {
            let nameEnd = Int(nameEnd)
            let valueEnd = Int(valueEnd)
            guard Int(valueStart) == nameEnd + 2, valueEnd + 2 <= bytes.count,
                  bytes[nameEnd] == ASCII.colon, bytes[nameEnd + 1] == ASCII.space,
                  bytes[valueEnd] == ASCII.carriageReturn, bytes[valueEnd + 1] == ASCII.lineFeed
            else { return nil }
            return valueEnd + 2
        }
    }

    /// Bytes of one entry of the field table.
    static let fieldStride = MemoryLayout<Field>.stride

    /// One buffer: a table with room for `tableCapacity` fields, then the bytes they point into
    /// (for a parsed head, the whole head, request or status line included).
    ///
    /// One allocation per header list: a proxy makes four lists per request (the request as
    /// received and as sent upstream, the response as received and as sent back), and an array
    /// of bytes plus an array of fields, the rejected alternative, cost two each. (A fixed-size
    /// inline table was rejected too: it made every copy of the headers larger and still needed
    /// a second buffer for heads with more fields.)
    var storage: HeaderBytes
    /// Entries the table at the front of `storage` has room for (changed only by `add`).
    var tableCapacity: Int
    /// Number of fields, counting repeated names separately (set only by `add` and `remove`).
    public internal(set) var count: Int
    /// Fields at the front known to have a token name and a value of field-value characters:
    /// the parser's, which it checked as it found them. The serializer checks only the others,
    /// where checking every byte of every field again was 2 % of a proxy's user time. Editing
    /// keeps the prefix: `add` appends after it, removals and filtered copies keep the order.
    var validatedCount = 0
    /// Bit n is set when a field whose name has n bytes (63 for 63 and more) may be present: set by
    /// the parser and by every add, never cleared by a removal. A clear bit lets a lookup skip the
    /// scan: a proxy asks each message about `Connection`, `Content-Length`, `Transfer-Encoding`
    /// and more, which most messages do not have, and every ask scanned every field (4 % of the
    /// proxy's user time).
    var nameLengths: UInt64 = 0

    /// The `nameLengths` bit of a name of `count` bytes.
    @inline(__always)
    static func nameLengthBit(_ count: Int) -> UInt64 {
        1 &<< UInt64(Swift.min(count, 63))
    }

    /// Creates an empty header list.
    public init() {
        storage = HeaderBytes()
        tableCapacity = 0
        count = 0
    }

    /// Creates headers from name/value pairs, in order.
    public init(_ pairs: [(String, String)]) {
        self.init(reservingBytes: pairs.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 4 }, fields: pairs.count)
        for (name, value) in pairs { add(name: name, value: value) }
    }

    /// Empty headers with room for `byteCount` bytes of names and values in `fieldCount` fields.
    init(reservingBytes byteCount: Int, fields fieldCount: Int) {
        let tableBytes = fieldCount * Self.fieldStride
        tableCapacity = fieldCount
        count = 0
        storage = HeaderBytes(capacity: tableBytes + byteCount) { buffer in
            buffer.baseAddress?.initializeMemory(as: UInt8.self, repeating: 0, count: tableBytes)
            return tableBytes
        }
    }

    /// Parsed headers: `storage` starts with a table of `tableCapacity` entries, `count` of them used.
    init(parsedStorage storage: HeaderBytes, tableCapacity: Int, count: Int, nameLengths: UInt64) {
        self.storage = storage
        self.tableCapacity = tableCapacity
        self.count = count
        validatedCount = count
        self.nameLengths = nameLengths
    }

    /// Where the bytes after the field table begin in `storage`.
    var bytesStart: Int { tableCapacity * Self.fieldStride }

    public var isEmpty: Bool { count == 0 }

    /// The byte ranges of field `index`.
    func field(at index: Int) -> Field {
        storage.withUnsafeBytes { field(at: index, in: $0) }
    }

    /// The byte ranges of field `index`, for callers already holding `storage`'s bytes.
    func field(at index: Int, in bytes: UnsafeRawBufferPointer) -> Field {
        precondition(index >= 0 && index < count, "header field index out of range")
        return bytes.loadUnaligned(fromByteOffset: index * Self.fieldStride, as: Field.self)
    }

    /// The first value for `name` (case-insensitive), or nil.
    public func first(name: String) -> String? {
        guard let index = firstIndex(named: name) else { return nil }
        return value(at: index)
    }

    /// Every value for `name` (case-insensitive), in order.
    public func values(name: String) -> [String] {
        indices(named: name).map { value(at: $0) }
    }

    /// Whether any field is called `name` (case-insensitive).
    public func contains(name: String) -> Bool {
        firstIndex(named: name) != nil
    }

    /// The first value for `name` as raw bytes, without creating a `String`.
    public func firstValueBytes(name: String) -> ArraySlice<UInt8>? {
        guard let index = firstIndex(named: name) else { return nil }
        let field = field(at: index)
        return storage[Int(field.valueStart)..<Int(field.valueEnd)]
    }

    func name(at index: Int) -> String {
        let field = field(at: index)
        return storage.withUnsafeBytes { String(decoding: UnsafeRawBufferPointer(rebasing: $0[Int(field.nameStart)..<Int(field.nameEnd)]), as: UTF8.self) }
    }

    func value(at index: Int) -> String {
        let field = field(at: index)
        return storage.withUnsafeBytes { String(decoding: UnsafeRawBufferPointer(rebasing: $0[Int(field.valueStart)..<Int(field.valueEnd)]), as: UTF8.self) }
    }
}

extension HTTPHeaders: Sequence {
    /// Iterates `(name, value)` pairs in order, creating strings per field.
    public func makeIterator() -> AnyIterator<(name: String, value: String)> {
        var index = 0
        return AnyIterator {
            guard index < self.count else { return nil }
            defer { index += 1 }
            return (self.name(at: index), self.value(at: index))
        }
    }
}

extension HTTPHeaders: CustomStringConvertible {
    public var description: String {
        map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }
}
