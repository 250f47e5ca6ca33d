import CLinuxSystem

extension EventLoop {
    /// Starts delivering readiness of `descriptor` to `handler` (loop thread only).
    /// The loop keeps a strong reference until `deregister`.
    public func register(fileDescriptor descriptor: Int32, interest: EventInterest, handler: any EventLoopFileDescriptorHandler) throws {
        assertInEventLoop()
        let index = Int(descriptor)
        if loopOnly.registrations.count <= index {
            loopOnly.registrations.append(contentsOf: repeatElement(nil, count: index + 1 - loopOnly.registrations.count))
        }
        let generation = loopOnly.nextGeneration
        loopOnly.nextGeneration &+= 1
        guard cls_epoll_add(epollDescriptor, descriptor, interest.epollEvents, Self.token(descriptor, generation)) == 0 else {
            throw SystemError("epoll_ctl(ADD)")
        }
        loopOnly.registrations[index] = Registration(handler: handler, generation: generation)
    }

    /// Changes which events are delivered for a registered descriptor (loop thread only).
    public func setInterest(_ interest: EventInterest, fileDescriptor descriptor: Int32) throws {
        assertInEventLoop()
        guard let registration = loopOnly.registrations[Int(descriptor)] else { return }
        guard cls_epoll_modify(epollDescriptor, descriptor, interest.epollEvents, Self.token(descriptor, registration.generation)) == 0 else {
            throw SystemError("epoll_ctl(MOD)")
        }
    }

    /// Stops delivering events and drops the handler; call before closing the descriptor (loop thread only).
    public func deregister(fileDescriptor descriptor: Int32) {
        assertInEventLoop()
        let index = Int(descriptor)
        guard index < loopOnly.registrations.count, loopOnly.registrations[index] != nil else { return }
        _ = cls_epoll_remove(epollDescriptor, descriptor)
        loopOnly.registrations[index] = nil
    }

    static func token(_ descriptor: Int32, _ generation: UInt32) -> UInt64 {
        UInt64(generation) << 32 | UInt64(UInt32(bitPattern: descriptor))
    }
}
