import Foundation
import HTTPEngine

extension HTTPServer {
    /// Starts the server, prints "listening on HOST:PORT" (the benchmark scripts wait for that
    /// line or the port), and serves until SIGTERM has drained it with a 10 s grace period.
    ///
    /// SIGTERM drains instead of killing open connections, so a script that stops a server
    /// mid-run never counts its own shutdown as failed requests.
    public func serveUntilTerminated() async throws {
        let address = try await start()
        FileHandle.standardOutput.write(Data("listening on \(address)\n".utf8))
        signal(SIGTERM, SIG_IGN)
        let terminationSource = DispatchSource.makeSignalSource(signal: SIGTERM)
        terminationSource.setEventHandler {
            Task { await self.shutdown(gracePeriod: .seconds(10)) }
        }
        terminationSource.resume()
        try await run()
        terminationSource.cancel()
    }
}
