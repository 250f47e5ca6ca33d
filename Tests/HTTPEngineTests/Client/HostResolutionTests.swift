import TestSupport
import Testing
@testable import HTTPEngine

extension ClientTests {
    @Suite("Client host resolution")
    struct HostResolutionTests {
        @Test func lookupRunsOffTheLoopWhichKeepsServingOtherWork() async throws {
            let lookupStarted = ThreadGate()
            let answer = ThreadGate()
            let ranOnALoop = LookupLog()
            try await withScriptedUpstream(script: answerEveryRequest) { upstream in
                try await withClient(configure: {
                    $0.lookup = { upstream in
                        ranOnALoop.record(clientTestGroup.group.loops.contains { $0.inEventLoop })
                        lookupStarted.open()
                        _ = answer.wait()
                        return .success([SocketAddress(host: "127.0.0.1", port: upstream.port)!])
                    }
                }) { client in
                    let loop = client.eventLoopGroup.loops[0]
                    let request = Task { try await client.execute(HTTPClientRequest(host: "upstream.test", port: upstream.port), on: loop) }
                    let started = try await lookupStarted.wait()
                    #expect(started)
                    // The lookup is blocked; the loop it was started from still runs jobs.
                    #expect(try await loop.perform { 42 } == 42)
                    answer.open()
                    let response = try await request.value
                    #expect(try await response.body.collect(upTo: 16) == Array("ok".utf8))
                    #expect(ranOnALoop.entries == [false])
                }
            }
        }

        @Test func answersAreReusedForTheirDurationAndFailuresExpire() async throws {
            let log = LookupLog()
            try await withScriptedUpstream(script: answerEveryRequest) { upstream in
                try await withClient(configure: {
                    $0.failedNameCacheDuration = .milliseconds(100)
                    $0.lookup = { upstream in
                        log.record(true)
                        // The first lookup fails, later ones answer.
                        guard log.entries.count > 1 else { return .failure(.unresolvableHost(upstream.host)) }
                        return .success([SocketAddress(host: "127.0.0.1", port: upstream.port)!])
                    }
                }) { client in
                    var request = HTTPClientRequest(host: "upstream.test", port: upstream.port)
                    // A new connection (and so an address) for every request.
                    request.headers["connection"] = "close"
                    let failedAt = ContinuousClock.now
                    await #expect(throws: HTTPEngineError.unresolvableHost("upstream.test")) { _ = try await client.execute(request) }
                    await #expect(throws: HTTPEngineError.unresolvableHost("upstream.test")) { _ = try await client.execute(request) }
                    #expect(log.entries.count == 1)
                    // The claim is about time passing: wait out the failure's duration.
                    try await Task.sleep(until: failedAt + .milliseconds(200))
                    for _ in 0..<3 {
                        let response = try await client.execute(request)
                        #expect(try await response.body.collect(upTo: 16) == Array("ok".utf8))
                    }
                    #expect(log.entries.count == 2)
                    #expect(upstream.acceptCount == 3)
                }
            }
        }

        @Test func connectTriesTheNextAddressWhenOneRefuses() async throws {
            let refusing = try RefusingPort()
            let refusedPort = refusing.port
            defer { withExtendedLifetime(refusing) {} }
            try await withScriptedUpstream(script: answerEveryRequest) { upstream in
                try await withClient(configure: {
                    $0.lookup = { upstream in
                        .success([SocketAddress(host: "127.0.0.1", port: refusedPort)!, SocketAddress(host: "127.0.0.1", port: upstream.port)!])
                    }
                }) { client in
                    let response = try await client.execute(HTTPClientRequest(host: "upstream.test", port: upstream.port))
                    #expect(try await response.body.collect(upTo: 16) == Array("ok".utf8))
                    #expect(upstream.acceptCount == 1)
                }
            }
        }
    }
}

/// Lookups seen by a test's resolver, from whatever thread it runs on.
final class LookupLog: Sendable {
    private let values = Locked<[Bool]>([])

    var entries: [Bool] { values.withLock { $0 } }

    func record(_ value: Bool) {
        values.withLock { $0.append(value) }
    }
}
