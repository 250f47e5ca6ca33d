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
    /// What the handler holds, behind one reference: each request's `ForwardingAttempt` keeps a
    /// copy of the handler, and copying the parts themselves cost a retain and a release each.
    final class Parts: Sendable {
        let configuration: ReverseProxyConfiguration
        let client: HTTPClient
        let routeTable: RouteTable

        init(configuration: ReverseProxyConfiguration, client: HTTPClient, routeTable: RouteTable) {
            self.configuration = configuration
            self.client = client
            self.routeTable = routeTable
        }
    }

    let parts: Parts

    public var configuration: ReverseProxyConfiguration { parts.configuration }
    /// Share the server's `EventLoopGroup` with this client, or every request hops loops.
    public var client: HTTPClient { parts.client }
    var routeTable: RouteTable { parts.routeTable }

    /// Throws when the configuration cannot work; the error names the field.
    public init(configuration: ReverseProxyConfiguration, client: HTTPClient) throws(ReverseProxyConfigurationError) {
        try configuration.validate()
        parts = Parts(configuration: configuration, client: client, routeTable: try RouteTable(configuration.routes))
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
        let (requestID, destination) = destination(of: request)
        let route: Route
        switch destination {
        case .success(let found): route = found
        case .failure(let failure): return answer(failure, requestID: requestID)
        }
        do {
            let response = try await forward(request, to: route.pool, requestID: requestID)
            return streamedBack(response, for: request, requestID: requestID)
        } catch let failure as ProxyFailure {
            return answer(failure, requestID: requestID)
        }
    }

    /// Forwards a request without a body from the loop's callbacks (`ForwardingAttempt`), with
    /// no task: the upstream exchange is started with `HTTPClient.start` and its head answers
    /// the client through `responder`. Declines (false) when the client's loops are not the
    /// server's, so `handle` hops there.
    public func respondLater(to request: HTTPRequest, with responder: HTTPResponder) -> Bool {
        guard request.head.bodyFraming == .none || request.head.bodyFraming == .length(0),
              client.eventLoopGroup.contains(responder.eventLoop)
        else { return false }
        let (requestID, destination) = destination(of: request)
        switch destination {
        case .success(let route):
            ForwardingAttempt(proxy: self, request: request, pool: route.pool, requestID: requestID, responder: responder).start()
        case .failure(let failure):
            responder.respond(answer(failure, requestID: requestID))
        }
        return true
    }

    /// The request ID to send upstream and the route, or why the proxy answers itself.
    func destination(of request: HTTPRequest) -> (requestID: HTTPRequestID?, Result<Route, ProxyFailure>) {
        // The ID a `RequestContextMiddleware` in front chose, so the backend sees what the logs show.
        let requestID = configuration.forwarding.requestIDField.map { request.context?.requestID ?? HTTPRequestID(for: request, field: $0) }
        guard request.method != .connect else { return (requestID, .failure(.methodNotAllowed)) }
        guard let route = routeTable.route(hostField: request.headers["host"], path: request.path) else {
            return (requestID, .failure(.noRoute(path: request.path)))
        }
        return (requestID, .success(route))
    }

    /// The proxy's own answer for `failure`.
    func answer(_ failure: ProxyFailure, requestID: HTTPRequestID?) -> HTTPResponse {
        failure.response(requestID: requestID, requestIDField: configuration.forwarding.requestIDField)
    }

    /// The response to send the client: the backend's head with rewritten fields and its body streamed through.
    ///
    /// If the backend fails mid-body, iterating its body throws, and the engine closes the client
    /// connection: a truncated body must not look complete (with a length the close shows
    /// the cut; chunked, the missing last chunk does).
    ///
    /// Consumes `response`, so its head is edited where the parser left it (see
    /// `ForwardingOptions.rewriteDownstream`); a caller keeping a copy would make it copy.
    func streamedBack(_ response: consuming HTTPClientResponse, for request: HTTPRequest, requestID: HTTPRequestID?) -> HTTPResponse {
        let body = response.body
        // A HEAD answer keeps the backend's Content-Length (the length a GET would have had);
        // the engine writes it and sends no body. 1xx/204/304 get no framing at all. Read before
        // the rewrite removes the backend's framing.
        let headLength = request.method == .head ? response.headers["content-length"].flatMap { Int($0) } : nil
        configuration.forwarding.rewriteDownstream(&response.head, requestID: requestID)
        // A small answer usually arrives whole with its head: sent as bytes, it leaves in one
        // write with its head and needs no stream (a closure, a hop per chunk). Only with a
        // length (a chunked answer stays chunked); a HEAD answer keeps its length below.
        if request.method != .head, body.expectedLength != nil, let bytes = body.bytesIfComplete {
            return HTTPResponse(status: response.status, headers: response.head.headers, body: HTTPResponseBody(bytes: bytes))
        }
        let length = request.method == .head ? headLength : body.expectedLength
        return HTTPResponse(status: response.status, headers: response.head.headers, body: .stream(contentLength: length) { writer in
            for try await chunk in body { try await writer.write(chunk) }
        })
    }
}
