import CLinuxSystem

/// Which readiness events a registered file descriptor wants.
public struct EventInterest: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let readable = EventInterest(rawValue: 1)
    public static let writable = EventInterest(rawValue: 2)

    /// The epoll bit mask; read interest includes peer half-close.
    var epollEvents: UInt32 {
        var events: UInt32 = 0
        if contains(.readable) { events |= CLS_EPOLLIN | CLS_EPOLLRDHUP }
        if contains(.writable) { events |= CLS_EPOLLOUT }
        return events
    }
}

/// Receives readiness callbacks for one file descriptor, always on its loop's thread.
public protocol EventLoopFileDescriptorHandler: AnyObject {
    /// Data (or end of stream) can be read without blocking.
    func readable()
    /// Data can be written without blocking.
    func writable()
    /// The socket failed or both directions hung up; called after a final `readable()`
    /// when data may still be pending.
    func hangup()
    /// The loop is exiting with the descriptor still registered: close it now, because no
    /// callback will ever come again (by default, the same as `hangup()`).
    func loopDidExit()
}

extension EventLoopFileDescriptorHandler {
    public func loopDidExit() { hangup() }
}
