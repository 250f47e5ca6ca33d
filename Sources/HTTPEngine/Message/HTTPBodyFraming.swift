/// How the body of a message is delimited on the wire.
public enum HTTPBodyFraming: Sendable, Equatable {
    /// No body at all (no framing headers, or a response that cannot have one).
    case none
    /// Exactly this many bytes follow the head (`Content-Length`).
    case length(Int)
    /// `Transfer-Encoding: chunked`.
    case chunked
    /// The body runs until the connection closes (responses only).
    case untilClose
}
