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

    /// Raw bytes the fields point into; may also hold a parsed request line.
    var storage: [UInt8]
    var fields: [Field]

    /// Creates an empty header list.
    public init() {
        storage = []
        fields = []
    }

    /// Creates headers from name/value pairs, in order.
    public init(_ pairs: [(String, String)]) {
        self.init()
        for (name, value) in pairs { add(name: name, value: value) }
    }

    init(storage: [UInt8], fields: [Field]) {
        self.storage = storage
        self.fields = fields
    }

    /// Number of fields, counting repeated names separately.
    public var count: Int { fields.count }

    public var isEmpty: Bool { fields.isEmpty }

    /// Appends a field; names and values containing CR, LF or NUL are skipped when sent.
    public mutating func add(name: String, value: String) {
        let nameStart = Int32(storage.count)
        storage.append(contentsOf: name.utf8)
        let nameEnd = Int32(storage.count)
        storage.append(contentsOf: value.utf8)
        fields.append(Field(nameStart: nameStart, nameEnd: nameEnd, valueStart: nameEnd, valueEnd: Int32(storage.count)))
    }

    /// Removes every field called `name` (case-insensitive).
    public mutating func remove(name: String) {
        let matches = indices(named: name)
        guard !matches.isEmpty else { return }
        for index in matches.reversed() { fields.remove(at: index) }
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
        let field = fields[index]
        return storage[Int(field.valueStart)..<Int(field.valueEnd)]
    }

    func name(at index: Int) -> String {
        let field = fields[index]
        return String(decoding: storage[Int(field.nameStart)..<Int(field.nameEnd)], as: UTF8.self)
    }

    func value(at index: Int) -> String {
        let field = fields[index]
        return String(decoding: storage[Int(field.valueStart)..<Int(field.valueEnd)], as: UTF8.self)
    }
}

extension HTTPHeaders: Sequence {
    /// Iterates `(name, value)` pairs in order, creating strings per field.
    public func makeIterator() -> AnyIterator<(name: String, value: String)> {
        var index = 0
        return AnyIterator {
            guard index < self.fields.count else { return nil }
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
