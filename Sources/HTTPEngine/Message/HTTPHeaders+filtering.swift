extension HTTPHeaders {
    /// The name of one field as received, for `filtered(reservingBytes:fields:removing:)`.
    package struct FieldName {
        let bytes: UnsafeRawBufferPointer

        /// Whether the name is `other`, ignoring ASCII case.
        package func isNamed(_ other: String) -> Bool {
            // Lengths first: a proxy asks about a dozen names per field, and most differ in length.
            guard other.utf8.count == bytes.count else { return false }
            var name = other
            return name.withUTF8 { ASCII.equalsIgnoringCase(bytes, UnsafeRawBufferPointer($0)) }
        }

        /// Whether the name is `lowercase` (a lower-case literal), ignoring the name's ASCII case.
        ///
        /// For names checked against every field of every message: a `StaticString` is a pointer
        /// and a length, where each `String` compared cost a retain and a release.
        package func isNamed(lowercase: StaticString) -> Bool {
            guard lowercase.utf8CodeUnitCount == bytes.count else { return false }
            let literal = lowercase.utf8Start
            for index in 0..<bytes.count where ASCII.lowercased(bytes[index]) != literal[index] {
                return false
            }
            return true
        }

        /// The name's length in bytes.
        package var count: Int { bytes.count }
    }

    /// A copy without the fields `isRemoved` picks, in one compact buffer with room for
    /// `extraBytes` more bytes in `extraFields` more fields.
    ///
    /// For a proxy's rewritten heads: one allocation, where removing by name from a copy
    /// and then adding fields copied the received head and the field list again and grew both.
    package func filtered(reservingBytes extraBytes: Int, fields extraFields: Int, removing isRemoved: (FieldName) -> Bool) -> HTTPHeaders {
        var copy = HTTPHeaders(reservingBytes: storage.count - bytesStart + extraBytes, fields: count + extraFields)
        storage.withUnsafeBytes { bytes in
            for index in 0..<count {
                let field = field(at: index, in: bytes)
                let name = UnsafeRawBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.nameEnd)])
                if isRemoved(FieldName(bytes: name)) { continue }
                if let lineEnd = field.lineEnd(in: bytes) {
                    copy.add(line: field, endingAt: lineEnd, from: bytes)
                } else {
                    copy.add(nameBytes: name, valueBytes: UnsafeRawBufferPointer(rebasing: bytes[Int(field.valueStart)..<Int(field.valueEnd)]))
                }
                // Copied in order, so the checked fields copied are the copy's first ones.
                if index < validatedCount { copy.validatedCount = copy.count }
            }
        }
        return copy
    }

    /// Whether the comma-separated list in the fields called `field` names `name`
    /// (ignoring ASCII case), e.g. a field listed in `Connection`.
    package func listContains(_ name: FieldName, inField field: String) -> Bool {
        containsListElement(inField: field) { ASCII.equalsIgnoringCase($0.bytes, name.bytes) }
    }

    /// Whether an element of the comma-separated lists in the fields called `field` satisfies
    /// `predicate` (elements are trimmed and never empty).
    package func containsListElement(inField field: String, where predicate: (FieldName) -> Bool) -> Bool {
        var field = field
        return field.withUTF8 { containsListElement(inFieldNamed: UnsafeRawBufferPointer($0), where: predicate) }
    }

    /// `containsListElement(inField:where:)` for a name given as bytes: one pass over the bytes
    /// with no closure capturing the headers. Nested in `forEachIndex`'s closure, the headers
    /// were copied (a retain and a release of their buffer) on each of the several questions a
    /// proxy asks per message (`Connection: close`? `keep-alive`? fields `Connection` names?).
    func containsListElement(inFieldNamed name: UnsafeRawBufferPointer, where predicate: (FieldName) -> Bool) -> Bool {
        guard nameLengths & Self.nameLengthBit(name.count) != 0 else { return false }
        return storage.withUnsafeBytes { bytes in
            for index in 0..<count {
                let list = field(at: index, in: bytes)
                guard list.hasName(name, in: bytes) else { continue }
                var found = false
                Self.forEachListElement(Int(list.valueStart)..<Int(list.valueEnd), in: bytes) { element in
                    if !found, predicate(FieldName(bytes: element)) { found = true }
                }
                if found { return true }
            }
            return false
        }
    }
}
