import Foundation
import HTTPEngine
import BenchmarkServing

/// Answers every request with "Hello, world!" — the engine's benchmark and conformance target.
///
/// Usage: HelloServer [port] [loops]; prints "listening on HOST:PORT" once bound.
/// Paths: `/echo` streams the request body back (chunked), `/stream` sends a chunked body,
/// anything else gets the fixed hello text.
struct HelloHandler: HTTPHandler {
    // Built once: the benchmark measures the engine, not response construction.
    static let hello = HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain")]), body: .init(string: "Hello, world!"))
    static let streamed = HTTPResponse(status: .ok, body: .stream { writer in
        for index in 0..<3 { try await writer.write("part \(index)\n") }
    })

    func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
        var request = request
        if let answer = respondImmediately(to: &request) { return answer }
        let body = try await request.body.collect(upTo: 16 * 1024 * 1024)
        return HTTPResponse(status: .ok, body: .init(bytes: body))
    }

    // Everything but the echo, which must wait for the body, is answered on the spot.
    func respondImmediately(to request: inout HTTPRequest) -> HTTPResponse? {
        switch request.path {
        case "/echo":
            nil
        case "/stream":
            Self.streamed
        default:
            Self.hello
        }
    }
}

let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 8080 : 8080
let loops = arguments.count > 2 ? Int(arguments[2]) ?? 2 : 2
let server = HTTPServer(
    configuration: HTTPServerConfiguration(host: "127.0.0.1", port: port, loopCount: loops),
    handler: HelloHandler()
)
try await server.serveUntilTerminated()
