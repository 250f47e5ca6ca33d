extension HTTPHeaders {
    /// Appends each field as `name: value` and CRLF, skipping fields with an invalid name
    /// or value and fields named in `excluded` (compared ignoring ASCII case).
    func appendFields(to output: inout [UInt8], excluding excluded: [[UInt8]]) {
        storage.withUnsafeBytes { bytes in
            // Lines stored as sent and next to each other go out in one copy: a received head's
            // fields, or fields added one after another. Six appends per field was the rejected
            // way, and each append of an array checks its capacity and uniqueness.
            // Lengths first, as a lookup does: most fields share no length with an excluded name.
            var excludedLengths: UInt64 = 0
            for name in excluded { excludedLengths |= Self.nameLengthBit(name.count) }
            var run = 0..<0
            func appendRun() {
                if !run.isEmpty { output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run])) }
                run = 0..<0
            }
            for index in 0..<count {
                let field = field(at: index, in: bytes)
                let name = UnsafeRawBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.nameEnd)])
                let value = UnsafeRawBufferPointer(rebasing: bytes[Int(field.valueStart)..<Int(field.valueEnd)])
                // Skipping rather than escaping invalid fields: a CR or LF here would be
                // request smuggling or response splitting.
                guard index < validatedCount || (!name.isEmpty && ASCII.areTokenCharacters(name) && ASCII.areFieldValueCharacters(value)) else { continue }
                if excludedLengths & Self.nameLengthBit(name.count) != 0, excluded.contains(where: { field in field.count == name.count && field.withUnsafeBytes { ASCII.equalsIgnoringCase($0, name) } }) { continue }
                // A skipped field ends the run: the next line does not start where the run ends.
                if let lineEnd = field.lineEnd(in: bytes) {
                    let lineStart = Int(field.nameStart)
                    if !run.isEmpty, lineStart == run.upperBound {
                        run = run.lowerBound..<lineEnd
                    } else {
                        appendRun()
                        run = lineStart..<lineEnd
                    }
                    continue
                }
                appendRun()
                output.append(contentsOf: name)
                // Byte by byte: an array literal here could cost an allocation per field.
                output.append(ASCII.colon)
                output.append(ASCII.space)
                output.append(contentsOf: value)
                output.append(ASCII.carriageReturn)
                output.append(ASCII.lineFeed)
            }
            appendRun()
        }
    }
}
