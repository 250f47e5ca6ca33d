import HTTPEngine

/// The embedded upstream that answers when no backend is configured, so `swift run` alone shows
/// the limiter working: a small JSON greeting naming the path it was asked for.
enum DemoUpstream {
    static func start(on group: EventLoopGroup) async throws -> HTTPServer {
        let handler = HTTPClosureHandler { request in
            var headers = HTTPHeaders()
            headers["Content-Type"] = "application/json"
            let path = request.path.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
            return HTTPResponse(headers: headers, body: .init(string: "{\"message\":\"hello from the demo upstream\",\"path\":\"\(path)\"}\n"))
        }
        var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.shutdownGracePeriod = .seconds(1)
        let server = HTTPServer(configuration: configuration, handler: handler, eventLoopGroup: group)
        _ = try await server.start()
        return server
    }
}
