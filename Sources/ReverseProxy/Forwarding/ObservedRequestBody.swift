import HTTPEngine
import Synchronization

/// A request body that remembers whether anyone started reading it.
///
/// The retry rule needs it: once the client has begun pulling the body to send it, some of it
/// may have left, and a stream cannot be replayed. (Buffering bodies to make them replayable,
/// as nginx does with `proxy_request_buffering`, was rejected: it breaks the memory bound.)
struct ObservedRequestBody: AsyncSequence, Sendable {
    typealias Element = [UInt8]

    final class ReadFlag: Sendable {
        let isSet = Atomic<Bool>(false)
    }

    let body: HTTPRequestBody
    let flag = ReadFlag()

    init(_ body: HTTPRequestBody) {
        self.body = body
    }

    /// Whether a read was attempted (the engine may then have sent `100 Continue` and bytes may be gone).
    var hasBeenRead: Bool { flag.isSet.load(ordering: .acquiring) }

    struct AsyncIterator: AsyncIteratorProtocol {
        var inner: HTTPRequestBody.AsyncIterator
        let flag: ReadFlag

        mutating func next() async throws -> [UInt8]? {
            flag.isSet.store(true, ordering: .releasing)
            return try await inner.next()
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(inner: body.makeAsyncIterator(), flag: flag)
    }
}
