@testable import HTTPEngine

/// What a parser produced from a complete input.
struct ParsedMessage {
    var requestHead: HTTPRequestHead?
    var responseHead: HTTPResponseHead?
    var body: [UInt8] = []
    var isComplete = false
}

/// Feeds `input` in pieces of `pieceSize` bytes, the way a socket would deliver it,
/// and collects the first message.
func parseMessage(_ input: String, mode: HTTPParser.Mode = .request, pieceSize: Int = .max, isResponseToHead: Bool = false, closeAtEnd: Bool = false, headerRoom: HTTPParser.HeaderRoom = HTTPParser.HeaderRoom()) throws(HTTPParseError) -> ParsedMessage {
    var parser = HTTPParser(mode: mode, limits: HTTPParserLimits(maxRequestTargetLength: 64, maxHeaderBytes: 512, maxHeaderCount: 8))
    parser.headerRoom = headerRoom
    parser.isResponseToHeadRequest = isResponseToHead
    let bytes = Array(input.utf8)
    var pending: [UInt8] = []
    var offset = 0
    var message = ParsedMessage()
    while !message.isComplete {
        let step = try pending.withUnsafeBytes { buffer in Result { () throws(HTTPParseError) in try parser.parse(buffer) } }.get()
        if let event = step.event {
            switch event {
            case .requestHead(let head): message.requestHead = head
            case .responseHead(let head): message.responseHead = head
            case .body(let range): message.body.append(contentsOf: pending[range])
            case .messageEnd: message.isComplete = true
            }
        }
        pending.removeFirst(step.consumed)
        if step.event == nil && step.consumed == 0 {
            guard offset < bytes.count else {
                if closeAtEnd, case .messageEnd? = try parser.finish() { message.isComplete = true }
                break
            }
            let end = min(bytes.count, offset + pieceSize)
            pending.append(contentsOf: bytes[offset..<end])
            offset = end
        }
    }
    return message
}

/// The error parsing `input` throws, or nil when it parses.
func parseError(_ input: String, mode: HTTPParser.Mode = .request) -> HTTPParseError? {
    do {
        _ = try parseMessage(input, mode: mode)
        return nil
    } catch {
        return error
    }
}
