import HTTPEngine

/// Forwards each request to a backend of the route it matches and streams the answer back.
///
/// Runs where the engine calls it, on the connection's event loop, and hands that loop to
/// the pooled `HTTPClient`, so the upstream socket lives on the same epoll and thread:
/// no hop from the client connection to the backend and back. Both bodies stream with the
/// engine's back-pressure; nothing is buffered whole.
///
/// ```swift
/// let pool = try BackendPool(name: "api", backends: [Backend(host: "10.0.0.2", port: 8080)])
/// let proxy = try ReverseProxyHandler(configuration: .init(routes: [Route(pathPrefix: "/", pool: pool)]), client: client)
/// let server = HTTPServer(configuration: serverConfiguration, handler: proxy, eventLoopGroup: group)
/// let checks = Task { await proxy.makeHealthChecker().run() }
/// ```
public struct ReverseProxyHandler: HTTPHandler {
    public let configuration: ReverseProxyConfiguration
    /// Share the server's `EventLoopGroup` with this client, or every request hops loops.
    public let client: HTTPClient
    let routeTable: RouteTable

    /// Throws when the configuration cannot work; the error names the field.
    public init(configuration: ReverseProxyConfiguration, client: HTTPClient) throws(ReverseProxyConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        self.client = client
        routeTable = try RouteTable(configuration.routes)
    }

    /// The health of every pool's backends, for admin endpoints and metrics.
    public var healthStatus: [PoolStatus] {
        configuration.pools.map(\.status)
    }

    /// The active health checker of every pool that configures checks; run it in a task of its own.
    public func makeHealthChecker() -> HealthChecker {
        HealthChecker(pools: configuration.pools, client: client)
    }

    public func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
        let forwarding = configuration.forwarding
        // The ID a `RequestContextMiddleware` in front chose, so the backend sees what the logs show.
        let requestID = forwarding.requestIDField.map {
            request.context?[RequestIDKey.self] ?? HTTPRequestID.acceptable(request.headers[$0]) ?? HTTPRequestID.generate()
        }
        guard request.method != .connect else {
            return ProxyFailure.methodNotAllowed.response(requestID: requestID, requestIDField: forwarding.requestIDField)
        }
        guard let route = routeTable.route(hostField: request.headers["host"], path: request.path) else {
            return ProxyFailure.noRoute(path: request.path).response(requestID: requestID, requestIDField: forwarding.requestIDField)
        }
        do {
            let response = try await forward(request, to: route.pool, requestID: requestID)
            return streamedBack(response, for: request, requestID: requestID)
        } catch let failure as ProxyFailure {
            return failure.response(requestID: requestID, requestIDField: forwarding.requestIDField)
        }
    }

    /// The response to send the client: the backend's head with rewritten fields and its body streamed through.
    ///
    /// If the backend fails mid-body, iterating its body throws, and the engine closes the client
    /// connection: a truncated body must not look complete (with a length the close shows
    /// the cut; chunked, the missing last chunk does).
    func streamedBack(_ response: HTTPClientResponse, for request: HTTPRequest, requestID: String?) -> HTTPResponse {
        let headers = configuration.forwarding.downstreamHeaders(from: response.head, requestID: requestID)
        let body = response.body
        // A small answer usually arrives whole with its head: sent as bytes, it leaves in one
        // write with its head and needs no stream (a closure, a hop per chunk). Only with a
        // length (a chunked answer stays chunked); a HEAD answer keeps its length below.
        if request.method != .head, body.expectedLength != nil, let bytes = body.bytesIfComplete {
            return HTTPResponse(status: response.status, headers: headers, body: HTTPResponseBody(bytes: bytes))
        }
        // A HEAD answer keeps the backend's Content-Length (the length a GET would have had);
        // the engine writes it and sends no body. 1xx/204/304 get no framing at all.
        let length = request.method == .head
            ? response.headers["content-length"].flatMap { Int($0) }
            : body.expectedLength
        return HTTPResponse(status: response.status, headers: headers, body: .stream(contentLength: length) { writer in
            for try await chunk in body { try await writer.write(chunk) }
        })
    }
}
