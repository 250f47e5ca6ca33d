import Foundation
import HTTPEngine
import Synchronization
import Testing

/// Active health checks configured in the JSON file, seen from outside the real binary: the
/// configured path is requested, a failing backend is taken out, a recovered one comes back.
@Suite(.serialized) struct ProxyHealthCheckTests {
    let group = try! EventLoopGroup(loopCount: 1)

    @Test func aConfiguredCheckTakesAFailingBackendOutAndBringsItBack() async throws {
        let isFailing = Atomic<Bool>(false)
        let checks = Atomic<Int>(0)
        let upstream = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0),
            handler: HTTPClosureHandler { request in
                guard request.path == "/status" else { return HTTPResponse(body: .init(string: "served")) }
                checks.add(1, ordering: .relaxed)
                return HTTPResponse(status: isFailing.load(ordering: .relaxed) ? .serviceUnavailable : .ok)
            },
            eventLoopGroup: group
        )
        let upstreamPort = try await upstream.start().port
        let file = try temporaryFile("""
        {"upstreams": ["http://127.0.0.1:\(upstreamPort)"],
         "anonymous": {"limits": [{"rps": 1000, "burst": 1000}]},
         "healthCheck": {"path": "/status", "interval": "50ms", "timeout": "30s", "healthyThreshold": 2, "unhealthyThreshold": 2, "jitter": "0"}}
        """)
        let proxy = try await ProxyProcess.start(arguments: ["--config", file])
        let client = HTTPClient(eventLoopGroup: group)
        let backend = #"proxy_backend_healthy{pool="default",backend="127.0.0.1:\#(upstreamPort)"}"#
        #expect(try await get(client, port: proxy.port).body == "served")
        isFailing.store(true, ordering: .relaxed)
        #expect(try await proxy.waitForMetric(backend + " 0", client: client))
        #expect(try await get(client, port: proxy.port).status == 503)
        isFailing.store(false, ordering: .relaxed)
        #expect(try await proxy.waitForMetric(backend + " 1", client: client))
        #expect(try await get(client, port: proxy.port).body == "served")
        #expect(checks.load(ordering: .relaxed) >= 4)
        await client.shutdown()
        await upstream.shutdown(gracePeriod: .seconds(1))
    }
}
