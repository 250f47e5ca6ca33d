/// An ordered list of header fields stored as bytes, with case-insensitive lookup.
///
/// Parsed headers keep the received head in one byte buffer plus an index of
/// field ranges, so no `String` is created unless a value is asked for.
public struct HTTPHeaders: Sendable {
    /// Byte ranges of one field inside `storage`.
    struct Field: Sendable {
        var nameStart: Int32
        var nameEnd: Int32
        var valueStart: Int32
        var valueEnd: Int32
    }

    /// Bytes of a field table entry; the table of a parsed head sits at the end of `storage`.
    static let fieldStride = MemoryLayout<Field>.stride

    /// Raw bytes the fields point into; may also hold a parsed request line and field table.
    var storage: [UInt8]
    /// The field list of headers built or edited in code; empty while `tableStart` is set.
    private var separateFields: [Field]
    /// Where a parsed head's field table starts inside `storage`, or -1 once the list is separate.
    ///
    /// A parsed head keeps its field list in its own byte buffer, so a request head costs one
    /// allocation instead of two; the first edit moves the list out into `separateFields`.
    /// (A fixed-size inline table was the rejected alternative: it made every copy of the
    /// headers larger and still needed a second buffer for heads with more fields.)
    private var tableStart: Int32
    private var tableCount: Int32

    /// Creates an empty header list.
    public init() {
        storage = []
        separateFields = []
        tableStart = -1
        tableCount = 0
    }

    /// Creates headers from name/value pairs, in order.
    public init(_ pairs: [(String, String)]) {
        self.init()
        for (name, value) in pairs { add(name: name, value: value) }
    }

    /// Empty headers with room for `byteCount` bytes of names and values in `fieldCount` fields.
    init(reservingBytes byteCount: Int, fields fieldCount: Int) {
        self.init()
        storage.reserveCapacity(byteCount)
        separateFields.reserveCapacity(fieldCount)
    }

    /// Parsed headers: `storage` holds the head, then `count` table entries from `tableStart`.
    init(parsedStorage storage: [UInt8], tableStart: Int, count: Int) {
        self.storage = storage
        separateFields = []
        self.tableStart = Int32(tableStart)
        tableCount = Int32(count)
    }

    /// Number of fields, counting repeated names separately.
    public var count: Int { tableStart >= 0 ? Int(tableCount) : separateFields.count }

    public var isEmpty: Bool { count == 0 }

    /// The byte ranges of field `index`.
    func field(at index: Int) -> Field {
        if tableStart < 0 { return separateFields[index] }
        return storage.withUnsafeBytes { field(at: index, in: $0) }
    }

    /// The byte ranges of field `index`, for callers already holding `storage`'s bytes.
    func field(at index: Int, in bytes: UnsafeRawBufferPointer) -> Field {
        if tableStart < 0 { return separateFields[index] }
        return bytes.loadUnaligned(fromByteOffset: Int(tableStart) + index * Self.fieldStride, as: Field.self)
    }

    /// Appends a field; names and values containing CR, LF or NUL are skipped when sent.
    public mutating func add(name: String, value: String) {
        var name = name
        var value = value
        name.withUTF8 { name in
            value.withUTF8 { value in add(nameBytes: UnsafeRawBufferPointer(name), valueBytes: UnsafeRawBufferPointer(value)) }
        }
    }

    /// Appends a field from raw bytes.
    mutating func add(nameBytes name: UnsafeRawBufferPointer, valueBytes value: UnsafeRawBufferPointer) {
        moveFieldsOutOfStorage()
        let nameStart = Int32(storage.count)
        storage.append(contentsOf: name)
        let valueStart = Int32(storage.count)
        storage.append(contentsOf: value)
        separateFields.append(Field(nameStart: nameStart, nameEnd: valueStart, valueStart: valueStart, valueEnd: Int32(storage.count)))
    }

    /// Removes every field called `name` (case-insensitive).
    public mutating func remove(name: String) {
        let matches = indices(named: name)
        guard !matches.isEmpty else { return }
        moveFieldsOutOfStorage()
        for index in matches.reversed() { separateFields.remove(at: index) }
    }

    /// Copies a parsed head's field table into `separateFields`, so fields can be edited.
    /// The table's bytes stay behind in `storage`, unused: dropping them would copy a buffer
    /// that a parsed request target still shares.
    private mutating func moveFieldsOutOfStorage() {
        guard tableStart >= 0 else { return }
        let count = count
        var fields: [Field] = []
        fields.reserveCapacity(count + 4)
        storage.withUnsafeBytes { bytes in
            for index in 0..<count { fields.append(field(at: index, in: bytes)) }
        }
        separateFields = fields
        tableStart = -1
        tableCount = 0
    }

    /// Replaces all fields called `name` with one field, or adds it.
    public mutating func replaceOrAdd(name: String, value: String) {
        remove(name: name)
        add(name: name, value: value)
    }

    /// The first value for `name` (case-insensitive); setting replaces every field of that name, `nil` removes them.
    public subscript(name: String) -> String? {
        get { first(name: name) }
        set {
            if let newValue { replaceOrAdd(name: name, value: newValue) } else { remove(name: name) }
        }
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
        return String(decoding: storage[Int(field.nameStart)..<Int(field.nameEnd)], as: UTF8.self)
    }

    func value(at index: Int) -> String {
        let field = field(at: index)
        return String(decoding: storage[Int(field.valueStart)..<Int(field.valueEnd)], as: UTF8.self)
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
