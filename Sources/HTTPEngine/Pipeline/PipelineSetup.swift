/// What a protocol needs to start a connection: a fresh codec, and the requests sent first on
/// every new connection (a login, a database choice) with the check of their replies.
package struct PipelineSetup<Codec: PipelineCodec>: Sendable {
    package var makeCodec: @Sendable () -> Codec
    /// Sent, in order, before any caller's request on each new connection.
    package var requests: [Codec.Request]
    /// The error that makes a setup reply a refusal; nil accepts it.
    package var checkReply: @Sendable (Codec.Reply) -> (any Error)?

    package init(
        makeCodec: @escaping @Sendable () -> Codec,
        requests: [Codec.Request] = [],
        checkReply: @escaping @Sendable (Codec.Reply) -> (any Error)? = { _ in nil }
    ) {
        self.makeCodec = makeCodec
        self.requests = requests
        self.checkReply = checkReply
    }
}
