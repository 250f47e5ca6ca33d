import Glibc

/// An upstream server as requests name it; the key of a connection pool.
struct Upstream: Hashable, Sendable, CustomStringConvertible {
    var host: String
    var port: UInt16

    var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The address of a numeric host or `localhost`, which need no lookup; nil for names.
    var numericAddress: SocketAddress? {
        if let address = SocketAddress(host: host, port: port) { return address }
        if host.lowercased() == "localhost" { return SocketAddress(host: "127.0.0.1", port: port)! }
        return nil
    }

    /// Every address the host has, in `getaddrinfo`'s order, without repeats. Blocks
    /// for as long as the lookup takes: `HostResolver` calls it on a thread of its own.
    func resolveAll() throws(HTTPEngineError) -> [SocketAddress] {
        if let numericAddress { return [numericAddress] }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &results) == 0, let first = results else {
            throw .unresolvableHost(host)
        }
        defer { freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let socketAddress = current.pointee.ai_addr {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { target in
                    target.copyMemory(from: UnsafeRawBufferPointer(start: socketAddress, count: Int(current.pointee.ai_addrlen)))
                }
                if let address = SocketAddress(storage) {
                    let withPort = SocketAddress(family: address.family, addressBytes: address.addressBytes, port: port)
                    if !addresses.contains(withPort) { addresses.append(withPort) }
                }
            }
            entry = current.pointee.ai_next
        }
        guard !addresses.isEmpty else { throw .unresolvableHost(host) }
        return addresses
    }
}
