extension HTTPParser {
    /// Body framing of a request, applying the request-smuggling rules of RFC 9112 section 6.
    static func requestFraming(_ headers: HTTPHeaders, version: HTTPVersion) throws(HTTPParseError) -> HTTPBodyFraming {
        let hostCount = headers.count(named: "host")
        if version == .http1_1 && hostCount != 1 { throw .missingHost }
        if hostCount > 1 { throw .missingHost }
        return try messageFraming(headers, version: version) ?? .none
    }

    /// Body framing of a response; without framing headers it runs until close.
    static func responseFraming(_ headers: HTTPHeaders, status: HTTPStatus, isResponseToHead: Bool) throws(HTTPParseError) -> HTTPBodyFraming {
        if isResponseToHead || status.isBodyForbidden { return .none }
        return try messageFraming(headers, version: .http1_1) ?? .untilClose
    }

    /// Framing from `Transfer-Encoding` / `Content-Length`, or nil when neither is present.
    static func messageFraming(_ headers: HTTPHeaders, version: HTTPVersion) throws(HTTPParseError) -> HTTPBodyFraming? {
        if headers.contains(name: "transfer-encoding") {
            // Both headers is the classic smuggling vector: refuse instead of picking one.
            guard !headers.contains(name: "content-length") else { throw .conflictingFraming }
            guard version == .http1_1 else { throw .invalidTransferEncoding }
            try checkTransferCodings(headers, fields: headers.indices(named: "transfer-encoding"))
            return .chunked
        }
        // One pass over the `Content-Length` fields; none at all leaves `length` nil.
        var length: Int?
        var failure: HTTPParseError?
        // Visits the fields in place: collecting their indices first cost an array per message.
        headers.forEachIndex(named: "content-length") { index in
            let field = headers.field(at: index)
            var elementCount = 0
            headers.forEachListElement(Int(field.valueStart)..<Int(field.valueEnd)) { element in
                elementCount += 1
                guard let value = decimalValue(element) else {
                    failure = failure ?? .invalidContentLength
                    return
                }
                if let length, length != value { failure = failure ?? .conflictingContentLength }
                length = value
            }
            if failure == nil, elementCount == 0 { failure = .invalidContentLength }
            return failure == nil
        }
        if let failure { throw failure }
        return length.map { .length($0) }
    }

    /// Accepts exactly one final `chunked`; other known codings are 501, garbage is 400.
    static func checkTransferCodings(_ headers: HTTPHeaders, fields: [Int]) throws(HTTPParseError) {
        var codings: [[UInt8]] = []
        for index in fields {
            let field = headers.field(at: index)
            headers.forEachListElement(Int(field.valueStart)..<Int(field.valueEnd)) { codings.append(Array($0)) }
        }
        let chunked = Array("chunked".utf8)
        let isChunked: ([UInt8]) -> Bool = { coding in
            coding.count == chunked.count && zip(coding, chunked).allSatisfy { ASCII.lowercased($0) == $1 }
        }
        guard let last = codings.last, isChunked(last) else { throw .invalidTransferEncoding }
        for coding in codings.dropLast() {
            if isChunked(coding) { throw .invalidTransferEncoding }
            if !coding.allSatisfy(ASCII.isTokenCharacter) { throw .invalidTransferEncoding }
        }
        if codings.count > 1 { throw .unsupportedTransferEncoding }
    }

    /// A non-negative decimal of at most 18 digits (so it cannot overflow), or nil.
    static func decimalValue(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }
}
