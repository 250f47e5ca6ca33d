import Glibc

/// Bytes queued for a socket, sent from the front as fast as the socket takes them.
///
/// A queue of chunks rather than one growing array: a chunk is released as soon as its
/// last byte is sent, so the memory held is the unsent bytes plus at most the one chunk
/// being sent. (One array with a read index kept every sent byte until the whole queue
/// drained, which a steadily fed stream never lets happen: 48 MiB streamed to a slow
/// reader grew it to 32 MiB.) Encoders append to the newest chunk until it reaches
/// `chunkCapacity`, so small responses still go out with one `send` from one array;
/// body bytes are split so no chunk grows past it.
struct OutboundBuffer {
    /// Unsent bytes above which the client's upload writer waits (the server's
    /// `outputHighWaterMark` defaults to the same).
    static let highWaterMark = 256 * 1024
    /// Unsent bytes below which a waiting upload writer resumes.
    static let lowWaterMark = 64 * 1024
    /// Size at which the newest chunk stops taking appends and a new chunk starts.
    static let chunkCapacity = 64 * 1024
    /// Body bytes from this length up to `chunkCapacity` are queued as a chunk of their own that
    /// shares the caller's array storage (copy-on-write) instead of being copied into the queue.
    static let adoptionMinimum = 4096

    /// Queued chunks, oldest first; those before `firstChunk` are sent and already emptied.
    private var chunks: [[UInt8]] = []
    private var firstChunk = 0
    /// Bytes of `chunks[firstChunk]` already sent.
    private var sentInFirstChunk = 0
    /// An emptied chunk kept for reuse, so a keep-alive connection does not allocate per response.
    private var spare: [UInt8] = []
    /// Whether the newest chunk is a caller's array: appending to it would copy it, not extend it.
    private var isLastChunkAdopted = false

    /// The number of bytes queued but not sent yet.
    private(set) var unsentCount = 0

    /// The most unsent bytes seen at once; lets tests check the output bound.
    private(set) var peakUnsentCount = 0
    /// The most bytes held at once, sent or not; lets tests check the buffer's memory bound.
    private(set) var peakRetainedCount = 0

    /// Whether every queued byte has been sent.
    var isEmpty: Bool { unsentCount == 0 }

    /// Bytes held: the unsent ones plus the sent part of the chunk being sent.
    var retainedCount: Int { unsentCount + sentInFirstChunk }

    /// Room left in the newest chunk for appends, 0 when the next append starts a new chunk.
    private var roomInLastChunk: Int {
        let last = chunks.count - 1
        // The chunk being sent takes no more bytes: they would keep its sent part alive longer.
        guard last >= firstChunk, last != firstChunk || sentInFirstChunk == 0, !isLastChunkAdopted else { return 0 }
        return max(Self.chunkCapacity - chunks[last].count, 0)
    }

    /// Lets `encode` append to the end of the queue (for short encodings such as heads:
    /// what it appends stays in one chunk, whatever its size).
    @inline(__always)
    mutating func append(_ encode: (inout [UInt8]) -> Void) {
        let last = chunks.count - 1
        if roomInLastChunk > 0 {
            let before = chunks[last].count
            encode(&chunks[last])
            unsentCount += chunks[last].count - before
        } else {
            var chunk: [UInt8] = []
            swap(&chunk, &spare)
            encode(&chunk)
            guard !chunk.isEmpty else {
                spare = chunk
                return
            }
            unsentCount += chunk.count
            chunks.append(chunk)
            isLastChunkAdopted = false
        }
        peakUnsentCount = max(peakUnsentCount, unsentCount)
        peakRetainedCount = max(peakRetainedCount, retainedCount)
    }

    /// Appends `bytes`, split so no chunk grows past `chunkCapacity`: a large body write
    /// then costs at most one chunk of sent bytes held, and no single send asks for megabytes.
    ///
    /// A body piece of `adoptionMinimum...chunkCapacity` bytes becomes a chunk of its own; when
    /// the slice spans its whole array (a chunk read from a peer, passed on by a proxy), the queue
    /// shares that storage, so a proxied body chunk is copied once on its way through (from the
    /// receive buffer into its array), not twice. (A byte-slice type of the engine's own was the
    /// rejected alternative: `[UInt8]` already is a reference-counted, copy-on-write byte buffer,
    /// and every API the engine exposes takes it.)
    mutating func append(contentsOf bytes: ArraySlice<UInt8>) {
        if bytes.count >= Self.adoptionMinimum, bytes.count <= Self.chunkCapacity {
            chunks.append(Array(bytes))
            isLastChunkAdopted = true
            unsentCount += bytes.count
            peakUnsentCount = max(peakUnsentCount, unsentCount)
            peakRetainedCount = max(peakRetainedCount, retainedCount)
            return
        }
        var rest = bytes
        while !rest.isEmpty {
            let room = roomInLastChunk
            let piece = rest.prefix(room > 0 ? room : Self.chunkCapacity)
            append { $0.append(contentsOf: piece) }
            rest = rest.dropFirst(piece.count)
        }
    }

    mutating func append(contentsOf bytes: [UInt8]) {
        append(contentsOf: bytes[...])
    }

    /// Most chunks gathered into one `sendmsg`: 16 × 64 KiB is more than a socket buffer takes at once.
    static let maxChunksPerSend = 16

    /// Sends as much as the socket takes, calling `didSend` after each successful send;
    /// throws the socket's error, leaving the unsent bytes queued.
    ///
    /// Several queued chunks go out in one gathered write (`sendmsg` with an `iovec` per chunk)
    /// instead of one `send` each: a response head and its body, or the commands many callers
    /// queued in one loop turn, cost one system call. One chunk, the common case, uses `send`.
    @inline(__always)
    mutating func flush(to descriptor: Int32, didSend: () -> Void) throws {
        while unsentCount > 0 {
            let chunkCount = min(chunks.count - firstChunk, Self.maxChunksPerSend)
            let sent: Int?
            if chunkCount == 1 {
                let offset = sentInFirstChunk
                sent = try chunks[firstChunk].withUnsafeBytes { bytes in
                    try Socket.send(descriptor, UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                }
            } else {
                sent = try withUnsafeTemporaryAllocation(of: iovec.self, capacity: chunkCount) { vectors in
                    try gatherUnsentChunks(into: vectors.baseAddress!, count: chunkCount, filled: 0) {
                        try Socket.send(descriptor, vectors: UnsafeBufferPointer(rebasing: vectors[..<chunkCount]))
                    }
                }
            }
            guard let sent else { break }
            recordSent(sent)
            didSend()
        }
    }

    /// The unsent bytes when all of them are in one chunk (a complete response or request, the
    /// usual case), for a send made elsewhere (`SendBatch`); nil otherwise.
    ///
    /// The pointer escapes `withUnsafeBytes`: it stays valid as long as the chunk's array is not
    /// changed, and the caller sends from it and calls `recordSent` before anything else touches
    /// this buffer (all on the loop thread, with nothing run in between).
    func unsentBytesInOneChunk() -> UnsafeRawBufferPointer? {
        guard unsentCount > 0, chunks.count - firstChunk == 1 else { return nil }
        let offset = sentInFirstChunk
        return chunks[firstChunk].withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[offset...]) }
    }

    /// Accounts `count` bytes sent from the front, releasing the chunks they emptied.
    mutating func recordSent(_ count: Int) {
        precondition(count <= unsentCount, "more bytes recorded as sent than were queued")
        unsentCount -= count
        var sent = count
        while sent > 0 {
            let rest = chunks[firstChunk].count - sentInFirstChunk
            let taken = min(rest, sent)
            sentInFirstChunk += taken
            sent -= taken
            if sentInFirstChunk == chunks[firstChunk].count { releaseFirstChunk() }
        }
    }

    /// Points `vectors[filled...]` at the unsent bytes of the next chunks and calls `body` while
    /// every one of them is pinned (each `withUnsafeBytes` nests in the previous one's closure).
    private func gatherUnsentChunks<Result>(
        into vectors: UnsafeMutablePointer<iovec>,
        count: Int,
        filled: Int,
        _ body: () throws -> Result
    ) throws -> Result {
        guard filled < count else { return try body() }
        return try chunks[firstChunk + filled].withUnsafeBytes { bytes in
            let offset = filled == 0 ? sentInFirstChunk : 0
            vectors[filled] = iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress! + offset), iov_len: bytes.count - offset)
            return try gatherUnsentChunks(into: vectors, count: count, filled: filled + 1, body)
        }
    }

    /// Drops the fully sent first chunk (keeping a modest one as the spare).
    private mutating func releaseFirstChunk() {
        // Keep a modest array for the next message; drop a large one so idle connections stay
        // small, and an adopted one, which its writer may still share (emptying it would allocate).
        // (Read in place: a local copy of the chunk would itself be a second reference.)
        if chunks[firstChunk].capacity <= Self.chunkCapacity, chunks[firstChunk].count < Self.adoptionMinimum, spare.capacity == 0 {
            swap(&spare, &chunks[firstChunk])
            spare.removeAll(keepingCapacity: true)
        } else {
            chunks[firstChunk] = []
        }
        firstChunk += 1
        sentInFirstChunk = 0
        if firstChunk == chunks.count {
            // One slot, the usual case, goes by `removeLast`: `removeAll(keepingCapacity:)` runs
            // the generic `replaceSubrange` (1 % of a proxy's user time in a profile).
            if chunks.count == 1 { chunks.removeLast() } else { chunks.removeAll(keepingCapacity: true) }
            firstChunk = 0
        } else if firstChunk >= 16 {
            // The emptied slots are small; compacting now and then keeps the queue's own array short.
            chunks.removeFirst(firstChunk)
            firstChunk = 0
        }
    }

    /// Where the oldest queued chunk's bytes live; lets tests see a body chunk adopted, not copied.
    var oldestChunkAddressForTesting: UnsafeRawPointer? {
        firstChunk < chunks.count ? chunks[firstChunk].withUnsafeBytes { $0.baseAddress } : nil
    }

    /// Drops everything queued, sent or not.
    mutating func removeAll() {
        chunks = []
        firstChunk = 0
        sentInFirstChunk = 0
        unsentCount = 0
        isLastChunkAdopted = false
    }
}
