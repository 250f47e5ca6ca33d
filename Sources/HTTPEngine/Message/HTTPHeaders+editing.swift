extension HTTPHeaders {
    /// Appends a field; names and values containing CR, LF or NUL are skipped when sent.
    public mutating func add(name: String, value: String) {
        Self.withBytes(of: name) { name in
            Self.withBytes(of: value) { value in add(nameBytes: name, valueBytes: value) }
        }
    }

    /// Appends a field whose value is raw bytes, e.g. built in a stack buffer without a `String`;
    /// a value containing CR, LF or NUL is skipped when sent.
    public mutating func add(name: String, valueBytes value: UnsafeRawBufferPointer) {
        Self.withBytes(of: name) { add(nameBytes: $0, valueBytes: value) }
    }

    /// Appends a field its caller made valid by construction (a name checked when it was
    /// configured, a value of digits, literals or sanitized text), which the serializer then does
    /// not check again: on a proxy's answer that check was ~170 instructions a field.
    ///
    /// Package-only: other code adds with `add(name:value:)`, checked when sent. Debug builds
    /// check here and stop on an invalid field, so a caller that breaks the promise fails its
    /// tests; release builds trust it.
    package mutating func add(checkedName name: String, checkedValueBytes value: UnsafeRawBufferPointer) {
        Self.withBytes(of: name) { name in
            assert(!name.isEmpty && ASCII.areTokenCharacters(name) && ASCII.areFieldValueCharacters(value), "HTTPHeaders: a checked field has an invalid name or value")
            // Only a field right after the checked prefix joins it; after an unchecked one the
            // serializer checks it like the rest.
            let extendsCheckedPrefix = validatedCount == count
            add(nameBytes: name, valueBytes: value)
            if extendsCheckedPrefix { validatedCount = count }
        }
    }

    /// Calls `body` with `text`'s UTF-8 bytes.
    @inline(__always)
    private static func withBytes(of text: String, _ body: (UnsafeRawBufferPointer) -> Void) {
        // Read where they are: `withUTF8`, the rejected alternative, needs a mutable copy of the
        // string (a retain and a release per field added). Only a bridged string has no such storage.
        if text.utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) != nil { return }
        var text = text
        text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    /// Appends a field from raw bytes, stored as it is sent (`name: value` CRLF) so the
    /// serializer copies its line at once, as it does a received field's.
    mutating func add(nameBytes name: UnsafeRawBufferPointer, valueBytes value: UnsafeRawBufferPointer) {
        if count == tableCapacity { growTable() }
        nameLengths |= Self.nameLengthBit(name.count)
        let nameStart = storage.count
        let valueStart = nameStart + name.count + 2
        let valueEnd = valueStart + value.count
        // The line written in one step: six appends each checked the buffer's room and owner.
        storage.append(byteCount: value.count + name.count + 4) { line in
            line.copyMemory(from: name)
            line[name.count] = ASCII.colon
            line[name.count + 1] = ASCII.space
            UnsafeMutableRawBufferPointer(rebasing: line[(name.count + 2)...]).copyMemory(from: value)
            line[line.count - 2] = ASCII.carriageReturn
            line[line.count - 1] = ASCII.lineFeed
        }
        let field = Field(nameStart: Int32(nameStart), nameEnd: Int32(valueStart - 2), valueStart: Int32(valueStart), valueEnd: Int32(valueEnd))
        let slot = count * Self.fieldStride
        storage.withUnsafeMutableBytes { $0.storeBytes(of: field, toByteOffset: slot, as: Field.self) }
        count += 1
    }

    /// Appends `field` of another list whose line in `bytes` ends at `lineEnd`
    /// (`Field.lineEnd(in:)`): one copy of the line, where `add(nameBytes:valueBytes:)` makes six appends.
    mutating func add(line field: Field, endingAt lineEnd: Int, from bytes: UnsafeRawBufferPointer) {
        if count == tableCapacity { growTable() }
        nameLengths |= Self.nameLengthBit(Int(field.nameEnd - field.nameStart))
        let distance = storage.count - Int(field.nameStart)
        storage.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[Int(field.nameStart)..<lineEnd]))
        let slot = count * Self.fieldStride
        storage.withUnsafeMutableBytes { $0.storeBytes(of: field.shifted(by: distance), toByteOffset: slot, as: Field.self) }
        count += 1
    }

    /// Removes every field called `name` (case-insensitive). Their bytes stay in the buffer,
    /// unused: compacting would copy a buffer that a parsed request target may still share.
    public mutating func remove(name: String) {
        // No field has a name of this length: nothing to look at.
        guard nameLengths & Self.nameLengthBit(name.utf8.count) != 0 else { return }
        removeAll { $0.isNamed(name) }
    }

    /// Removes every field called any of `names` (case-insensitive) in one pass over the fields,
    /// where `remove(name:)` per name scans them once each.
    public mutating func remove(names: [String]) {
        guard names.contains(where: { nameLengths & Self.nameLengthBit($0.utf8.count) != 0 }) else { return }
        removeAll { name in names.contains { name.isNamed($0) } }
    }

    /// Drops the fields `isRemoved` picks by their names, keeping the others in order and the
    /// checked prefix (`validatedCount`) with them: in place when these headers are the buffer's
    /// only owner (a proxy's edits of a head it passes on), and nothing is copied when none is picked.
    package mutating func removeAll(where isRemoved: (FieldName) -> Bool) {
        let stride = Self.fieldStride
        let fieldCount = count
        // Read-only first: taking the buffer mutably would copy it whenever another copy of these
        // headers shares it, which is wasted when nothing goes.
        let firstMatch = storage.withUnsafeBytes { bytes in
            (0..<fieldCount).first { index in
                let field = field(at: index, in: bytes)
                return isRemoved(FieldName(bytes: UnsafeRawBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.nameEnd)])))
            }
        }
        guard let firstMatch else { return }
        var kept = firstMatch
        var keptValidated = Swift.min(firstMatch, validatedCount)
        storage.withUnsafeMutableBytes { bytes in
            for index in (firstMatch + 1)..<fieldCount {
                let field = bytes.loadUnaligned(fromByteOffset: index * stride, as: Field.self)
                if isRemoved(FieldName(bytes: UnsafeRawBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.nameEnd)]))) { continue }
                bytes.storeBytes(of: field, toByteOffset: kept * stride, as: Field.self)
                kept += 1
                if index < validatedCount { keptValidated = kept }
            }
        }
        count = kept
        validatedCount = keptValidated
    }

    /// Makes room for twice as many table entries (at least four): the bytes move up, and
    /// every entry shifts with them.
    private mutating func growTable() {
        let stride = Self.fieldStride
        let newCapacity = Swift.max(4, tableCapacity * 2)
        let distance = (newCapacity - tableCapacity) * stride
        let byteCount = storage.count - bytesStart
        // Spare room for a few more fields' bytes, so the next adds do not reallocate at once.
        storage = storage.withUnsafeBytes { old in
            HeaderBytes(capacity: newCapacity * stride + byteCount * 2 + 64) { new in
                for index in 0..<count {
                    new.storeBytes(of: field(at: index, in: old).shifted(by: distance), toByteOffset: index * stride, as: Field.self)
                }
                new.baseAddress!.advanced(by: count * stride).initializeMemory(as: UInt8.self, repeating: 0, count: (newCapacity - count) * stride)
                UnsafeMutableRawBufferPointer(rebasing: new[(newCapacity * stride)...]).copyMemory(from: UnsafeRawBufferPointer(rebasing: old[bytesStart...]))
                return newCapacity * stride + byteCount
            }
        }
        tableCapacity = newCapacity
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
}
