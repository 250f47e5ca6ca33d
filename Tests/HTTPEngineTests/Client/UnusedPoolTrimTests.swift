import Testing
@testable import HTTPEngine

extension ClientTests {
    @Suite("Client unused pool trimming")
    struct UnusedPoolTrimTests {
        @Test func poolsOfUpstreamsNoLongerUsedAreRemovedWithTheirConnectionsAfterTheIdleTime() async throws {
            try await withScriptedUpstream(script: answerEveryRequest) { first in
                try await withScriptedUpstream(script: answerEveryRequest) { second in
                    try await withClient(configure: { $0.idleTimeout = .milliseconds(200) }) { client in
                        let loop = client.eventLoopGroup.loops[0]
                        let pools = client.pools(of: loop)!
                        for upstream in [first, second] {
                            let response = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port), on: loop)
                            #expect(try await response.body.collect(upTo: 16) == Array("ok".utf8))
                        }
                        // Both pools hold an idle connection now.
                        #expect(try await loop.perform { pools.pools.count } == 2)
                        #expect(!ClientDescriptorsAtLoopExitTests.clientPorts(connectedTo: first.port).isEmpty)
                        let trimmed = await waitUntil(deadline: .now + .seconds(60)) {
                            (try? await loop.perform { pools.pools.isEmpty }) == true
                        }
                        #expect(trimmed)
                        for upstream in [first, second] {
                            #expect(ClientDescriptorsAtLoopExitTests.clientPorts(connectedTo: upstream.port).isEmpty)
                        }
                        // A later request to the upstream asked last gets a new pool, kept with the
                        // others (not the trimmed one, which shutdown would never find).
                        let again = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: second.port), on: loop)
                        #expect(try await again.body.collect(upTo: 16) == Array("ok".utf8))
                        #expect(try await loop.perform { pools.pools.count } == 1)
                    }
                }
            }
        }

        @Test func poolInUseIsKeptWhileItsOnlyConnectionIsBusy() async throws {
            let release = ThreadGate()
            try await withScriptedUpstream(script: { connection in
                _ = try connection.readRequest()
                connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\no")
                _ = release.wait()
                connection.send("k")
                _ = connection.waitForClose()
            }) { upstream in
                try await withClient(configure: { $0.idleTimeout = .milliseconds(50) }) { client in
                    let loop = client.eventLoopGroup.loops[0]
                    let pools = client.pools(of: loop)!
                    let response = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port), on: loop)
                    // Longer than the idle time: a busy connection is not idle.
                    try await Task.sleep(for: .milliseconds(200))
                    #expect(try await loop.perform { pools.pools.count } == 1)
                    release.open()
                    #expect(try await response.body.collect(upTo: 16) == Array("ok".utf8))
                }
            }
        }
    }
}
