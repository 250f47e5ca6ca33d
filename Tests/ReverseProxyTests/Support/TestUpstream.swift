import TestSupport
@testable import ReverseProxy

/// Something a test configuration can use as a backend: a running test server, or a port that
/// refuses connections.
protocol TestUpstream: Sendable {
    var backend: Backend { get }
}

extension TestBackend: TestUpstream {}

extension RefusingPort: TestUpstream {
    var backend: Backend { Backend(host: "127.0.0.1", port: port) }
}

extension ClosingBackend: TestUpstream {}

extension BlackHoleListener: TestUpstream {
    var backend: Backend { Backend(host: "127.0.0.1", port: port) }
}
extension TricklingBackend: TestUpstream {}
