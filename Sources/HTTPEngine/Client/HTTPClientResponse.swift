/// An upstream response: its head, available as soon as it arrived, and a streamed body.
public struct HTTPClientResponse: Sendable {
    public var head: HTTPResponseHead
    /// The body chunks; reading them is what lets the client read more from the upstream.
    public var body: HTTPClientResponseBody

    public var status: HTTPStatus { head.status }
    public var headers: HTTPHeaders { head.headers }
}
