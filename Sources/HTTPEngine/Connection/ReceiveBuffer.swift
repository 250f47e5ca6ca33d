/// A growable byte buffer the connection reads into and the parser reads from.
///
/// Manual memory instead of `[UInt8]` so `read(2)` can fill spare capacity
/// directly without zero-filling or copying.
final class ReceiveBuffer {
    private var storage: UnsafeMutableRawPointer
    private(set) var capacity: Int
    private var readerIndex = 0
    private var writerIndex = 0

    init(capacity: Int) {
        self.capacity = capacity
        storage = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        storage.deallocate()
    }

    var readableCount: Int { writerIndex - readerIndex }

    /// The unconsumed bytes; valid until the next `prepareForWrite`.
    var readableBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage + readerIndex, count: writerIndex - readerIndex)
    }

    func consume(_ count: Int) {
        readerIndex += count
        if readerIndex == writerIndex {
            readerIndex = 0
            writerIndex = 0
        }
    }

    /// Free space of at least `minimum` bytes after the unconsumed ones, compacting or growing.
    func prepareForWrite(minimum: Int) -> UnsafeMutableRawBufferPointer {
        if capacity - writerIndex < minimum, readerIndex > 0 {
            let count = readableCount
            (storage).copyMemory(from: storage + readerIndex, byteCount: count)
            readerIndex = 0
            writerIndex = count
        }
        if capacity - writerIndex < minimum {
            var newCapacity = capacity * 2
            while newCapacity - writerIndex < minimum { newCapacity *= 2 }
            let newStorage = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
            newStorage.copyMemory(from: storage, byteCount: writerIndex)
            storage.deallocate()
            storage = newStorage
            capacity = newCapacity
        }
        return UnsafeMutableRawBufferPointer(start: storage + writerIndex, count: capacity - writerIndex)
    }

    /// Gives back storage above `capacity` bytes while nothing is buffered.
    ///
    /// A connection that once received a large body would otherwise keep its largest buffer
    /// for as long as it stays open, idle keep-alive time included.
    func releaseCapacity(above target: Int) {
        guard readableCount == 0, capacity > target else { return }
        storage.deallocate()
        storage = .allocate(byteCount: target, alignment: 16)
        capacity = target
        readerIndex = 0
        writerIndex = 0
    }

    func didWrite(_ count: Int) {
        writerIndex += count
    }

    /// Reads up to `limit` bytes from `descriptor` into free space of at least `minimum` bytes
    /// and keeps them: the byte count, 0 at end of stream, nil when it would block; throws on errors.
    @inline(__always)
    func read(from descriptor: Int32, reserving minimum: Int, upTo limit: Int) throws -> Int? {
        let space = prepareForWrite(minimum: minimum)
        guard let count = try Socket.read(descriptor, into: UnsafeMutableRawBufferPointer(rebasing: space.prefix(limit))) else {
            return nil
        }
        writerIndex += count
        return count
    }
}
