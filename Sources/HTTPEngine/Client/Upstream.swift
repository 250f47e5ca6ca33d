import Glibc

/// An upstream server as requests name it; the key of a connection pool.
struct Upstream: Hashable, Sendable, CustomStringConvertible {
    var host: String
    var port: UInt16

    var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The address to connect to: numeric hosts and `localhost` directly, other
    /// names through `getaddrinfo` (blocking, so pools call it once when created).
    func resolve() throws(HTTPClientError) -> SocketAddress {
        if let address = SocketAddress(host: host, port: port) { return address }
        if host.lowercased() == "localhost" { return SocketAddress(host: "127.0.0.1", port: port)! }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &results) == 0, let first = results else {
            throw .unresolvableHost(host)
        }
        defer { freeaddrinfo(first) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let socketAddress = current.pointee.ai_addr {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { target in
                    target.copyMemory(from: UnsafeRawBufferPointer(start: socketAddress, count: Int(current.pointee.ai_addrlen)))
                }
                if let address = SocketAddress(storage) {
                    return SocketAddress(family: address.family, addressBytes: address.addressBytes, port: port)
                }
            }
            entry = current.pointee.ai_next
        }
        throw .unresolvableHost(host)
    }
}
