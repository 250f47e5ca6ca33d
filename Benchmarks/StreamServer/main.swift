import Foundation
import HTTPEngine
import BenchmarkServing

/// Streams large bodies both ways through the engine, for the streaming benchmark.
///
/// Usage: StreamServer [port] [loops]; prints "listening on HOST:PORT" once bound.
/// `POST`/`PUT /upload` reads the body chunk by chunk and answers the byte count;
/// `GET /download?bytes=N` sends N bytes (`Content-Length: N`) through the streaming writer.
/// Neither side ever holds a whole body: peak memory is what the engine's bounds allow.
struct StreamHandler: HTTPHandler {
    // One prebuilt 64 KiB chunk, written again and again: the benchmark measures the engine's
    // path, not producing the bytes. 64 KiB is the engine's own output chunk size.
    static let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)

    func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
        switch (request.method, request.path) {
        case (.post, "/upload"), (.put, "/upload"):
            // Counting instead of `collect`: a collected 1 GiB body would be the memory measured.
            var count = 0
            for try await bytes in request.body { count += bytes.count }
            return .text(.ok, "\(count)\n")
        case (.get, "/download"):
            guard let length = Self.requestedLength(query: request.query) else {
                return .text(.badRequest, "expected /download?bytes=N with 0 <= N < 2^62\n")
            }
            return HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "application/octet-stream")]), body: .stream(contentLength: length) { writer in
                var remaining = length
                while remaining > 0 {
                    let count = min(remaining, Self.chunk.count)
                    // `write` suspends while the socket is backed up, so a slow reader stalls this loop.
                    try await writer.write(Self.chunk[..<count])
                    remaining -= count
                }
            })
        case (_, "/upload"), (_, "/download"):
            return .text(HTTPStatus(code: 405), "/upload takes POST or PUT, /download takes GET\n")
        default:
            return .text(.ok, "StreamServer: POST /upload, GET /download?bytes=N\n")
        }
    }

    /// The `bytes=N` parameter of a query, or nil when absent or not a sane length.
    static func requestedLength(query: String?) -> Int? {
        guard let query else { return nil }
        for parameter in query.split(separator: "&") where parameter.hasPrefix("bytes=") {
            guard let length = Int(parameter.dropFirst("bytes=".count)), (0..<(1 << 62)).contains(length) else { return nil }
            return length
        }
        return nil
    }
}

let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 8080 : 8080
let loops = arguments.count > 2 ? Int(arguments[2]) ?? 2 : 2
let server = HTTPServer(
    // Bodies of any size: the default 64 MiB limit would answer a 1 GiB upload 413.
    configuration: HTTPServerConfiguration(host: "127.0.0.1", port: port, loopCount: loops, maxRequestBodySize: 1 << 50),
    handler: StreamHandler()
)
try await server.serveUntilTerminated()
