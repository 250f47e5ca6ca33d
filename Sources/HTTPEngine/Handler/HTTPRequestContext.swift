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
    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline let key: ObjectIdentifier
        @usableFromInline var value: any Sendable

        @usableFromInline
        init(key: ObjectIdentifier, value: any Sendable) {
            self.key = key
            self.value = value
        }
    }

    /// The first two values live inside the context, the rest in `overflow`: besides the request
    /// ID, which is a constant of its own, a server sets one or two per request (stage 5: the
    /// limiter's go-ahead and its outcome). A dictionary for them cost three allocations per
    /// request as it grew; four inline slots, the earlier size, were mostly empty, and each one
    /// is written when a context is made and destroyed with it.
    ///
    /// Keys and values sit in separate arrays so a lookup scans only the keys, which are plain
    /// words. One array of optional entries was the rejected layout: every step of the scan
    /// copied an entry out, existential value included (a retain, a release and generic value
    /// witnesses), and that was most of the context's cost in stage 5's profile.
    @usableFromInline
    struct Entries: Sendable {
        @usableFromInline var keys = InlineArray<2, ObjectIdentifier?>(repeating: nil)
        @usableFromInline var values = InlineArray<2, (any Sendable)?>(repeating: nil)
        @usableFromInline var overflow: [Entry] = []

        @usableFromInline
        init() {}

        /// The inline slot holding `id`, or nil.
        @inlinable
        func inlineIndex(of id: ObjectIdentifier) -> Int? {
            for index in keys.indices where keys[index] == id { return index }
            return nil
        }

        /// Removes and returns the value stored for `id`, wherever it lives.
        @inlinable
        mutating func removeValue(for id: ObjectIdentifier) -> (any Sendable)? {
            if let index = inlineIndex(of: id) {
                keys[index] = nil
                // Moved out: a copy and then a nil written over the slot retained and released
                // the value and copied its existential once more (a tenth of stage 5's cost of
                // taking its go-ahead back out of the context, 0.11 µs per request).
                return values[index].take()
            }
            guard let index = overflow.firstIndex(where: { $0.key == id }) else { return nil }
            return overflow.remove(at: index).value
        }

        /// Stores `value` for `id`, replacing the value it had.
        @inlinable
        mutating func setValue(_ value: any Sendable, for id: ObjectIdentifier) {
            if let index = inlineIndex(of: id) {
                values[index] = value
            } else if let index = overflow.firstIndex(where: { $0.key == id }) {
                overflow[index].value = value
            } else if let free = keys.indices.first(where: { keys[$0] == nil }) {
                keys[free] = id
                values[free] = value
            } else {
                overflow.append(Entry(key: id, value: value))
            }
        }
    }

    @usableFromInline
    let entries: Mutex<Entries>

    /// `entries.withLock`, with the critical section announced to ThreadSanitizer.
    // A handler task and the loop may touch one context at once, and TSan cannot see a contended
    // `Mutex` hand over. The context's own address marks the lock: `Locked` was the rejected
    // alternative, one more allocation per request.
    @inlinable
    func withEntries<Result>(_ body: (inout Entries) -> Result) -> Result {
        entries.withLock(announcedAt: Unmanaged.passUnretained(self).toOpaque(), body)
    }

    /// The request's ID, fixed when the context is made: `RequestContextMiddleware` makes it
    /// with the client's `X-Request-ID` when sane, else a generated one. Nil for a context made
    /// without one.
    ///
    /// A stored constant rather than a keyed value: every layer that logs or forwards the request
    /// reads it, and a keyed value is written and read under the lock, found by a scan and taken
    /// out of an existential (1.7 % of stage 5's user time, writing it and reading it once).
    public let requestID: HTTPRequestID?

    /// An empty context whose request ID is `requestID`.
    public init(requestID: HTTPRequestID? = nil) {
        self.requestID = requestID
        entries = Mutex(Entries())
    }

    /// A context whose request ID is `requestID`, holding the values `other` holds now.
    init(requestID: HTTPRequestID, copying other: HTTPRequestContext) {
        self.requestID = requestID
        entries = Mutex(other.withEntries { $0 })
    }

    /// The value stored for `key`, or nil.
    // Inlinable so each key's access is specialised where it is used: generic across the module
    // boundary, every read and write looked up the key's metadata at run time (in a profile of
    // stage 5's proxy the context's share of samples fell from 10 % to 8 % with this).
    @inlinable
    public subscript<Key: HTTPRequestContextKey>(key: Key.Type) -> Key.Value? {
        get {
            let id = ObjectIdentifier(key)
            let value = withEntries { entries in
                if let index = entries.inlineIndex(of: id) { return entries.values[index] }
                return entries.overflow.first { $0.key == id }?.value
            }
            return value.flatMap { Self.value($0, as: Key.Value.self) }
        }
        set {
            let id = ObjectIdentifier(key)
            withEntries { entries in
                if let newValue { entries.setValue(newValue, for: id) } else { _ = entries.removeValue(for: id) }
            }
        }
    }

    /// Removes the value stored for `key` and returns it (nil if there was none): a read and a
    /// removal under one lock, for a value meant to be used once.
    @inlinable
    public func removeValue<Key: HTTPRequestContextKey>(forKey key: Key.Type) -> Key.Value? {
        let id = ObjectIdentifier(key)
        return withEntries { $0.removeValue(for: id) }.flatMap { Self.value($0, as: Key.Value.self) }
    }

    /// `stored` as a `Value`: the value a key's setter stored, whose type the key fixes.
    // `as?` from an existential went through the runtime's general cast (2 % of stage 5's user
    // time); comparing the opened type with the key's is one load and one comparison. The cast
    // stays for what the comparison misses: a key whose `Value` is itself an existential or a
    // class stores the concrete type, or a subclass, of what was set.
    @inlinable
    static func value<Value>(_ stored: any Sendable, as type: Value.Type) -> Value? {
        func opened<Stored>(_ stored: Stored) -> Value? {
            if Stored.self == Value.self { return unsafeBitCast(stored, to: Value.self) }
            return stored as? Value
        }
        return opened(stored)
    }
}

/// The first layer of a chain that shares an `HTTPRequestContext`: creates it and fills in the
/// request ID, the client's `X-Request-ID` when sane, else a generated one.
///
/// The request's fields are left as received; layers and handlers read the ID from the
/// context (the reverse proxy sends it upstream from there, so the backend sees the ID the logs
/// show). Writing it into the fields as well was the rejected alternative: editing a parsed
/// head copies it, two allocations per request for a field the proxy rewrites anyway.
public struct RequestContextMiddleware: HTTPMiddleware {
    public init() {}

    public func handle(_ request: HTTPRequest, next: any HTTPHandler) async throws -> HTTPResponse {
        var request = request
        Self.attachContext(to: &request)
        return try await next.handle(request)
    }

    public func respondImmediately(to request: inout HTTPRequest, next: any HTTPHandler) -> HTTPResponse? {
        // Kept in `request` when the answer is nil, so `handle` finds the context and its ID made.
        Self.attachContext(to: &request)
        return next.respondImmediately(to: &request)
    }

    public func respondLater(to request: HTTPRequest, with responder: HTTPResponder, next: any HTTPHandler) -> Bool {
        // The server asks this after `respondImmediately`, which attached the context already.
        guard request.context == nil else { return next.respondLater(to: request, with: responder) }
        var request = request
        Self.attachContext(to: &request)
        return next.respondLater(to: request, with: responder)
    }

    /// Gives `request` a context with a request ID, keeping one it has.
    private static func attachContext(to request: inout HTTPRequest) {
        guard let context = request.context else {
            request.context = HTTPRequestContext(requestID: HTTPRequestID(for: request))
            return
        }
        guard context.requestID == nil else { return }
        // A context an earlier layer made without an ID: its values move to one with an ID. That
        // layer, if it keeps the old context, does not see what inner layers set from now on;
        // this layer belongs first in the chain, where no context exists yet.
        request.context = HTTPRequestContext(requestID: HTTPRequestID(for: request), copying: context)
    }
}
