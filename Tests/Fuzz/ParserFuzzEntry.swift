// libFuzzer entry for HTTPParser, compiled together with the parser sources only
// (Sources/HTTPEngine/Message and Sources/HTTPEngine/Parser), never with the event loop.
import Glibc

/// Parses `bytes` fed in pieces of `pieceSize`, returning a transcript of events or the error.
func transcript(_ bytes: [UInt8], mode: HTTPParser.Mode, pieceSize: Int, isResponseToHead: Bool) -> [String] {
    var parser = HTTPParser(mode: mode, limits: HTTPParserLimits(maxRequestTargetLength: 256, maxHeaderBytes: 2048, maxHeaderCount: 16, maxChunkLineLength: 64))
    parser.isResponseToHeadRequest = isResponseToHead
    var pending: [UInt8] = []
    var offset = 0
    var events: [String] = []
    var body: [UInt8] = []
    var idleRounds = 0
    while true {
        let step: (event: HTTPParser.Event?, consumed: Int)
        do {
            step = try pending.withUnsafeBytes { buffer in Result { () throws(HTTPParseError) in try parser.parse(buffer) } }.get()
        } catch {
            events.append("error")
            return events
        }
        precondition(step.consumed >= 0 && step.consumed <= pending.count, "consumed more than given")
        if let event = step.event {
            idleRounds = 0
            switch event {
            case .requestHead(let head):
                events.append("request \(head.method) \(head.target) \(head.headers.count) \(head.bodyFraming)")
                _ = head.isKeepAlive
                _ = head.headers["host"]
            case .responseHead(let head):
                events.append("response \(head.status.code) \(head.headers.count) \(head.bodyFraming)")
            case .body(let range):
                precondition(range.lowerBound >= 0 && range.upperBound <= pending.count && !range.isEmpty, "body range outside the buffer")
                body.append(contentsOf: pending[range])
            case .messageEnd:
                events.append("end \(body.count)")
                body = []
            }
        } else if step.consumed == 0 {
            guard offset < bytes.count else { break }
            let end = min(bytes.count, offset + pieceSize)
            pending.append(contentsOf: bytes[offset..<end])
            offset = end
            continue
        } else {
            idleRounds += 1
            precondition(idleRounds < 100_000, "parser made no progress")
        }
        pending.removeFirst(step.consumed)
        precondition(events.count < 100_000, "runaway event stream")
    }
    do {
        if case .messageEnd? = try parser.finish() { events.append("end \(body.count)") }
    } catch {
        events.append("truncated")
    }
    return events
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let control = data[0]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let mode: HTTPParser.Mode = control & 1 == 0 ? .request : .response
    let isResponseToHead = control & 2 != 0
    let pieceSize = Int(control >> 2) + 1
    let whole = transcript(bytes, mode: mode, pieceSize: .max, isResponseToHead: isResponseToHead)
    let pieces = transcript(bytes, mode: mode, pieceSize: pieceSize, isResponseToHead: isResponseToHead)
    // Splitting input differently must never change what the parser decides.
    if whole != pieces {
        fputs("split input changed the result (piece size \(pieceSize)):\n  whole:  \(whole)\n  pieces: \(pieces)\n", stderr)
        fatalError("split input changed the result")
    }
    return 0
}
