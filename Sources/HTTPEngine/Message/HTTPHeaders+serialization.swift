extension HTTPHeaders {
    /// Appends each field as `name: value` and CRLF, skipping fields with an invalid name
    /// or value and fields named in `excluded` (compared ignoring ASCII case).
    func appendFields(to output: inout [UInt8], excluding excluded: [[UInt8]]) {
        storage.withUnsafeBytes { bytes in
            for index in 0..<count {
                let field = field(at: index, in: bytes)
                let name = UnsafeRawBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.nameEnd)])
                let value = UnsafeRawBufferPointer(rebasing: bytes[Int(field.valueStart)..<Int(field.valueEnd)])
                // Skipping rather than escaping invalid fields: a CR or LF here would be
                // request smuggling or response splitting.
                guard index < validatedCount || (!name.isEmpty && ASCII.areTokenCharacters(name) && ASCII.areFieldValueCharacters(value)) else { continue }
                if excluded.contains(where: { field in field.count == name.count && field.withUnsafeBytes { ASCII.equalsIgnoringCase($0, name) } }) { continue }
                // A received field whose bytes still read `name: value` CRLF goes out in one copy
                // of its line instead of six appends; the bytes are the same either way.
                let nameEnd = Int(field.nameEnd)
                let valueEnd = Int(field.valueEnd)
                if Int(field.valueStart) == nameEnd + 2, valueEnd + 2 <= bytes.count,
                   bytes[nameEnd] == ASCII.colon, bytes[nameEnd + 1] == ASCII.space,
                   bytes[valueEnd] == ASCII.carriageReturn, bytes[valueEnd + 1] == ASCII.lineFeed {
                    output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[Int(field.nameStart)..<(valueEnd + 2)]))
                    continue
                }
                output.append(contentsOf: name)
                // Byte by byte: an array literal here could cost an allocation per field.
                output.append(ASCII.colon)
                output.append(ASCII.space)
                output.append(contentsOf: value)
                output.append(ASCII.carriageReturn)
                output.append(ASCII.lineFeed)
            }
        }
    }
}
