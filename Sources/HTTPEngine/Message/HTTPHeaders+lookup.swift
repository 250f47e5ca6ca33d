extension HTTPHeaders {
    /// Indices of fields whose name equals `name` ignoring ASCII case.
    func indices(named name: String, stopAfterFirst: Bool = false) -> [Int] {
        if let found = name.utf8.withContiguousStorageIfAvailable({ buffer in
            indices(matching: UnsafeRawBufferPointer(buffer), stopAfterFirst: stopAfterFirst)
        }) {
            return found
        }
        // Only bridged or lazily built strings land here; native strings are contiguous UTF-8.
        return Array(name.utf8).withUnsafeBytes { indices(matching: $0, stopAfterFirst: stopAfterFirst) }
    }

    func indices(matching name: UnsafeRawBufferPointer, stopAfterFirst: Bool) -> [Int] {
        var result: [Int] = []
        storage.withUnsafeBytes { bytes in
            for (index, field) in fields.enumerated() {
                let nameBytes = UnsafeRawBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.nameEnd)])
                if ASCII.equalsIgnoringCase(nameBytes, name) {
                    result.append(index)
                    if stopAfterFirst { break }
                }
            }
        }
        return result
    }

    /// Whether the comma-separated list in field `name` contains `token` (case-insensitive),
    /// e.g. `containsToken("close", inField: "connection")`.
    public func containsToken(_ token: String, inField name: String) -> Bool {
        let wanted = Array(token.utf8)
        var found = false
        for index in indices(named: name) where !found {
            let field = fields[index]
            forEachListElement(Int(field.valueStart)..<Int(field.valueEnd)) { element in
                wanted.withUnsafeBytes { wantedBytes in
                    if ASCII.equalsIgnoringCase(element, wantedBytes) { found = true }
                }
            }
        }
        return found
    }

    /// Calls `body` with each trimmed, non-empty element of a comma-separated value.
    func forEachListElement(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) -> Void) {
        storage.withUnsafeBytes { bytes in
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
}
