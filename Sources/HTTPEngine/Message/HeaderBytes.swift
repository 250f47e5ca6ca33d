/// The bytes behind one header list (its field table, then the bytes the table points into): a
/// value with copy-on-write over one tail-allocated object.
///
/// Why not `[UInt8]`, which this replaced: every new array goes through the standard library's
/// unspecialised buffer initialiser, which looks `_ContiguousArrayStorage<UInt8>` up in the
/// runtime's table of prespecialised metadata and then asks `malloc` for the block's usable size.
/// A proxy makes three header lists per request, and those two steps alone were ~3 % of its user
/// time, more than parsing the fields. A non-generic `ManagedBuffer` subclass has its metadata
/// resolved once per process and keeps its own capacity.
struct HeaderBytes: @unchecked Sendable {
    /// Counts kept in front of the bytes. `capacity` is what was asked for, not what `malloc`
    /// gave: reading the real size is the call this type exists to avoid.
    struct Counts {
        var count: Int
        let capacity: Int
    }

    final class Buffer: ManagedBuffer<Counts, UInt8> {}

    // @unchecked Sendable: `buffer` is never written through while shared; every mutation goes
    // through `makeUnique` first, as an array's does.
    private var buffer: Buffer?

    /// No bytes and no allocation.
    init() {
        buffer = nil
    }

    /// Room for `capacity` bytes, of which `fill` initialises the first ones and returns how many:
    /// the one way every table-plus-bytes buffer of a header list is made.
    @inline(__always)
    init(capacity: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Int) {
        guard capacity > 0 else {
            buffer = nil
            return
        }
        let buffer = Self.allocate(capacity: capacity)
        let count = buffer.withUnsafeMutablePointerToElements { fill(UnsafeMutableRawBufferPointer(start: $0, count: capacity)) }
        precondition(count >= 0 && count <= capacity, "HeaderBytes: fill reported \(count) bytes of \(capacity)")
        buffer.header.count = count
        self.buffer = buffer
    }

    /// A copy of `bytes`.
    init<Bytes: Collection<UInt8>>(copying bytes: Bytes) {
        let count = bytes.count
        self.init(capacity: count) { target in
            _ = UnsafeMutableBufferPointer(start: target.baseAddress!.assumingMemoryBound(to: UInt8.self), count: count).initialize(from: bytes)
            return count
        }
    }

    private static func allocate(capacity: Int) -> Buffer {
        unsafeDowncast(Buffer.create(minimumCapacity: capacity) { _ in Counts(count: 0, capacity: capacity) }, to: Buffer.self)
    }

    /// Bytes in use.
    var count: Int { buffer?.header.count ?? 0 }

    /// Bytes the buffer holds before an append must move it.
    var capacity: Int { buffer?.header.capacity ?? 0 }

    /// Calls `body` with the bytes in use.
    @inline(__always)
    func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        guard let buffer else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try buffer.withUnsafeMutablePointers { counts, elements in
            try body(UnsafeRawBufferPointer(start: elements, count: counts.pointee.count))
        }
    }

    /// Calls `body` with the bytes in use, writable: first copies them if another value shares them.
    @inline(__always)
    mutating func withUnsafeMutableBytes<Result>(_ body: (UnsafeMutableRawBufferPointer) throws -> Result) rethrows -> Result {
        makeUnique(minimumCapacity: count)
        guard let buffer else { return try body(UnsafeMutableRawBufferPointer(start: nil, count: 0)) }
        return try buffer.withUnsafeMutablePointers { counts, elements in
            try body(UnsafeMutableRawBufferPointer(start: elements, count: counts.pointee.count))
        }
    }

    /// Appends `bytes` (see `append(byteCount:_:)`).
    @inline(__always)
    mutating func append(contentsOf bytes: UnsafeRawBufferPointer) {
        append(byteCount: bytes.count) { $0.copyMemory(from: bytes) }
    }

    /// Appends `byteCount` bytes that `write` fills in (all of them), growing the buffer (at least
    /// doubling it) when they do not fit.
    @inline(__always)
    mutating func append(byteCount: Int, _ write: (UnsafeMutableRawBufferPointer) -> Void) {
        guard byteCount > 0 else { return }
        let start = count
        makeUnique(minimumCapacity: start + byteCount)
        buffer!.withUnsafeMutablePointers { counts, elements in
            write(UnsafeMutableRawBufferPointer(start: elements + start, count: byteCount))
            counts.pointee.count = start + byteCount
        }
    }

    /// Bytes `range` as an array slice (a copy): for public API that hands bytes out.
    subscript(range: Range<Int>) -> ArraySlice<UInt8> {
        withUnsafeBytes { bytes in ArraySlice(bytes[range]) }
    }

    /// Makes `buffer` this value's own, with room for `minimumCapacity` bytes.
    @inline(__always)
    private mutating func makeUnique(minimumCapacity: Int) {
        // Uniqueness first, and without binding the buffer: a local reference would make it shared.
        if isKnownUniquelyReferenced(&buffer), buffer.unsafelyUnwrapped.header.capacity >= minimumCapacity { return }
        moveToNewBuffer(minimumCapacity: minimumCapacity)
    }

    private mutating func moveToNewBuffer(minimumCapacity: Int) {
        let count = self.count
        // Doubling when growing keeps a run of appends linear; a copy made only to write (the
        // buffer was shared) keeps the old size.
        let capacity = minimumCapacity > self.capacity ? Swift.max(minimumCapacity, self.capacity * 2) : self.capacity
        guard capacity > 0 else { return }
        let new = Self.allocate(capacity: capacity)
        new.withUnsafeMutablePointers { counts, elements in
            withUnsafeBytes { old in
                if count > 0 { UnsafeMutableRawPointer(elements).copyMemory(from: old.baseAddress!, byteCount: count) }
            }
            counts.pointee.count = count
        }
        buffer = new
    }
}
