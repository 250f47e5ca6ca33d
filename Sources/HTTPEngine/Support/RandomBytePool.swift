import Glibc

/// Random bytes from the kernel, fetched 256 at a time and handed out in small pieces.
///
/// A request ID takes 16 bytes; `SystemRandomNumberGenerator` makes one `getrandom` call per
/// 8 bytes, which was two system calls per proxied request (9 % of the proxy's system-call
/// time in the profile). One `getentropy` call (256 bytes at most) now serves 16 IDs. The
/// bytes come from the same kernel source; they are not secret keys, so holding a few of them
/// in memory is fine. (A seeded user-space generator was the rejected alternative: after a
/// fork two processes would repeat each other's IDs.)
struct RandomBytePool: Sendable {
    private static let capacity = 256
    private var bytes = [UInt8](repeating: 0, count: RandomBytePool.capacity)
    private var next = RandomBytePool.capacity

    /// Calls `body` with `count` (at most 256) fresh random bytes.
    mutating func withBytes<Result>(count: Int, _ body: (ArraySlice<UInt8>) -> Result) -> Result {
        precondition(count <= Self.capacity, "at most 256 random bytes at a time")
        if next + count > Self.capacity { refill() }
        defer { next += count }
        return body(bytes[next..<next + count])
    }

    private mutating func refill() {
        bytes.withUnsafeMutableBytes { buffer in
            if getentropy(buffer.baseAddress, buffer.count) != 0 {
                // Fails only without kernel support (Linux < 3.17); the standard generator has its own fallback.
                var generator = SystemRandomNumberGenerator()
                for index in buffer.indices { buffer[index] = generator.next() }
            }
        }
        next = 0
    }
}
