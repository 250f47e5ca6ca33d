import Synchronization

/// A value a middleware stores in an `HTTPRequestContext`, e.g. a rate-limit decision.
///
/// Keys are types, so two libraries cannot collide on a name, and each key fixes its value's type.
public protocol HTTPRequestContextKey {
    associatedtype Value: Sendable
}

/// Facts about one request that layers of a middleware chain share: a request ID, the client
/// address after trusted proxies, the matched route, a rate-limit decision — set by one layer,
/// read by another (an access-log layer outside reads what the limiter inside decided).
///
/// A reference, so what an inner layer sets is seen by the outer layer holding the same request
/// after `next` returns; a value carried in `HTTPRequest` would only flow inwards. The engine does
/// not create one (`HTTPRequest.context` is nil): a server that needs it adds
/// `RequestContextMiddleware` first, and one that does not pays nothing per request.
public final class HTTPRequestContext: Sendable {
    private let values = Mutex<[ObjectIdentifier: any Sendable]>([:])

    public init() {}

    /// The value stored for `key`, or nil.
    public subscript<Key: HTTPRequestContextKey>(key: Key.Type) -> Key.Value? {
        get { values.withLock { $0[ObjectIdentifier(key)] as? Key.Value } }
        set { values.withLock { $0[ObjectIdentifier(key)] = newValue } }
    }
}

/// The request ID: taken from the request's `X-Request-ID` when present and sane, else generated.
public enum RequestIDKey: HTTPRequestContextKey {
    public typealias Value = String
}

/// The first layer of a chain that shares an `HTTPRequestContext`: creates it and fills in the
/// request ID, which also replaces a missing or unusable `X-Request-ID` on the request, so a
/// proxy behind it passes the same ID upstream that the logs show.
public struct RequestContextMiddleware: HTTPMiddleware {
    public init() {}

    public func handle(_ request: HTTPRequest, next: any HTTPHandler) async throws -> HTTPResponse {
        var request = request
        let context = request.context ?? HTTPRequestContext()
        if context[RequestIDKey.self] == nil {
            if let given = HTTPRequestID.acceptable(request.headers["X-Request-ID"]) {
                context[RequestIDKey.self] = given
            } else {
                let generated = HTTPRequestID.generate()
                context[RequestIDKey.self] = generated
                request.headers.replaceOrAdd(name: "X-Request-ID", value: generated)
            }
        }
        request.context = context
        return try await next.handle(request)
    }
}
