extension HTTPHeaders {
    /// Calls `body` with the index of each field named `name` (ignoring ASCII case) until it returns false.
    /// Allocation-free: parsing and keep-alive checks call it per request.
    func forEachIndex(named name: String, _ body: (Int) -> Bool) {
        if name.utf8.withContiguousStorageIfAvailable({ forEachIndex(matching: UnsafeRawBufferPointer($0), body) }) != nil {
            return
        }
        // Only bridged or lazily built strings land here; native strings are contiguous UTF-8.
        Array(name.utf8).withUnsafeBytes { forEachIndex(matching: $0, body) }
    }

    func forEachIndex(matching name: UnsafeRawBufferPointer, _ body: (Int) -> Bool) {
        // No field has a name of this length: nothing to scan.
        guard nameLengths & Self.nameLengthBit(name.count) != 0 else { return }
        storage.withUnsafeBytes { bytes in
            for index in 0..<count {
                if field(at: index, in: bytes).hasName(name, in: bytes), !body(index) { return }
            }
        }
    }

    /// Index of the first field named `name`, or nil.
    func firstIndex(named name: String) -> Int? {
        var found: Int?
        forEachIndex(named: name) { index in
            found = index
            return false
        }
        return found
    }

    /// Number of fields named `name`.
    func count(named name: String) -> Int {
        var count = 0
        forEachIndex(named: name) { _ in
            count += 1
            return true
        }
        return count
    }

    /// Indices of every field named `name`.
    func indices(named name: String) -> [Int] {
        var result: [Int] = []
        forEachIndex(named: name) { index in
            result.append(index)
            return true
        }
        return result
    }

    /// Whether the comma-separated list in field `name` contains `token` (case-insensitive),
    /// e.g. `containsToken("close", inField: "connection")`.
    public func containsToken(_ token: String, inField name: String) -> Bool {
        var token = token
        return token.withUTF8 { listContains(FieldName(bytes: UnsafeRawBufferPointer($0)), inField: name) }
    }

    /// Calls `body` with each trimmed, non-empty element of a comma-separated value.
    func forEachListElement(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) -> Void) {
        storage.withUnsafeBytes { Self.forEachListElement(range, in: $0, body) }
    }

    /// Calls `body` with each trimmed, non-empty element of the comma-separated value at `range` of `bytes`.
    static func forEachListElement(_ range: Range<Int>, in bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        var start = range.lowerBound
        var position = range.lowerBound
        while position <= range.upperBound {
            if position == range.upperBound || bytes[position] == ASCII.comma {
                var low = start
                var high = position
                while low < high, bytes[low] == ASCII.space || bytes[low] == ASCII.tab { low += 1 }
                while high > low, bytes[high - 1] == ASCII.space || bytes[high - 1] == ASCII.tab { high -= 1 }
                if low < high { body(UnsafeRawBufferPointer(rebasing: bytes[low..<high])) }
                start = position + 1
            }
            position += 1
        }
    }
}
