/// How one request/reply protocol becomes bytes and back, for a `PipelinedConnection`.
///
/// A pipelining protocol (Redis's RESP, HTTP/1.1 without a request body) answers requests in
/// the order they were sent, so a connection needs no request identifiers: it keeps a queue of
/// waiters and hands each complete reply to the oldest. That queue, the socket, batching,
/// time-outs and reconnects live in the connection core; a codec only knows its wire format.
/// A connection makes a fresh codec, so decoding state never outlives the connection it
/// belongs to (a reply half-read on a dropped connection cannot be completed by another).
package protocol PipelineCodec: SendableMetatype {
    /// What a caller asks; encoded on the loop thread.
    associatedtype Request: Sendable
    /// One complete reply.
    associatedtype Reply: Sendable

    /// Appends `request`'s wire form to `buffer`.
    static func encode(_ request: Request, into buffer: inout [UInt8])

    /// Takes bytes received from the server, split anywhere.
    mutating func receive(_ bytes: UnsafeRawBufferPointer)

    /// The next complete reply, or nil when more bytes are needed. Throws when the bytes are not
    /// valid replies or pass a bound; the connection then closes, failing every waiter with
    /// `HTTPEngineError` `.malformedResponse` carrying the thrown error.
    mutating func nextReply() throws -> Reply?
}
