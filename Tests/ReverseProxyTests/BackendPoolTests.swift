import Testing
@testable import ReverseProxy

@Suite("Backend pool: weighted round-robin and health")
struct BackendPoolTests {
    let a = Backend(host: "127.0.0.1", port: 8001, weight: 3)
    let b = Backend(host: "127.0.0.1", port: 8002, weight: 1)
    let c = Backend(host: "127.0.0.1", port: 8003, weight: 1)

    @Test func weightsDecideTheSharesAndNoBackendGetsABurst() throws {
        let pool = try BackendPool(name: "p", backends: [Backend(host: "10.0.0.1", port: 1, weight: 5), b, c])
        let picks = (0..<70).map { _ in pool.select()! }
        #expect(picks.count { $0 == 0 } == 50)
        #expect(picks.count { $0 == 1 } == 10)
        #expect(picks.count { $0 == 2 } == 10)
        // Smooth round-robin interleaves (plain weighted would give 0 0 0 0 0 1 2).
        #expect(Array(picks.prefix(7)) == [0, 0, 1, 0, 2, 0, 0])
    }

    @Test func passiveFailureTakesABackendOutAtOnceAndExcludedOnesAreSkipped() throws {
        let pool = try BackendPool(name: "p", backends: [a, b], clock: ManualProxyClock())
        pool.recordPassiveFailure(at: 0, "connection refused")
        #expect((0..<8).allSatisfy { _ in pool.select() == 1 })
        #expect(pool.select(excluding: [1]) == nil)
        let status = pool.status
        #expect(status.healthyCount == 1)
        #expect(status.backends[0].lastFailure == "connection refused")
        #expect(status.backends[0].transitionCount == 1)
    }

    @Test func withoutActiveChecksAFailedBackendGetsATrialRequestAfterThePassiveTimeout() throws {
        let clock = ManualProxyClock()
        let pool = try BackendPool(name: "p", backends: [a, b], passiveFailureTimeout: .seconds(10), clock: clock)
        // The other backend excluded throughout (a retry's first try): only the first one's state counts.
        let others: Set<Int> = [1]
        pool.recordPassiveFailure(at: 0, "refused")
        clock.advance(by: .seconds(9))
        #expect(pool.select(excluding: others) == nil)
        clock.advance(by: .seconds(1))
        #expect(pool.select(excluding: others) == 0)
        // The trial failed too: out for another full time-out.
        pool.recordPassiveFailure(at: 0, "refused")
        clock.advance(by: .seconds(5))
        #expect(pool.select(excluding: others) == nil)
        clock.advance(by: .seconds(5))
        #expect(pool.select(excluding: others) == 0)
        pool.recordPassiveSuccess(at: 0)
        #expect(pool.status.backends[0].isHealthy)
        #expect(pool.status.backends[0].changedAt == .seconds(20))
    }

    @Test func aBurstAfterThePassiveTimeoutSendsOneTrialRequestToTheFailedBackendNotItsShare() throws {
        let clock = ManualProxyClock()
        let pool = try BackendPool(name: "p", backends: [a, b], passiveFailureTimeout: .seconds(10), clock: clock)
        pool.recordPassiveFailure(at: 0, "connect timed out")
        clock.advance(by: .seconds(10))
        // 100 picks before the trial's outcome is known (a connect time-out takes seconds):
        // weight 3 of 4 would send 75 of them to the dead backend.
        let picks = (0..<100).map { _ in pool.select() }
        #expect(picks.count { $0 == 0 } == 1)
        #expect(picks.count { $0 == 1 } == 99)
        // The trial is still out a whole time-out later: the next one goes, again only one.
        clock.advance(by: .seconds(9))
        #expect((0..<20).allSatisfy { _ in pool.select() == 1 })
        clock.advance(by: .seconds(1))
        #expect((0..<20).map { _ in pool.select() }.count { $0 == 0 } == 1)
        // Back once a trial gets an answer: its full share again.
        pool.recordPassiveSuccess(at: 0)
        #expect((0..<8).map { _ in pool.select() }.count { $0 == 0 } == 6)
    }

    @Test func theOnlyBackendOfAPoolWithoutActiveChecksKeepsItsTrafficAfterAFailure() throws {
        let pool = try BackendPool(name: "p", backends: [a], passiveFailureTimeout: .seconds(10), clock: ManualProxyClock())
        pool.recordPassiveFailure(at: 0, "connection refused")
        // Nowhere else to go: every request still tries it, as nginx does with a single server.
        #expect((0..<4).allSatisfy { _ in pool.select() == 0 })
        let status = pool.status.backends[0]
        #expect(status.isHealthy)
        #expect(status.lastFailure == "connection refused")
        #expect(status.transitionCount == 0)
    }

    @Test func withActiveChecksOnlyEnoughPassedChecksBringABackendBack() throws {
        let clock = ManualProxyClock()
        let checks = HealthCheckConfiguration(healthyThreshold: 2, unhealthyThreshold: 3)
        let pool = try BackendPool(name: "p", backends: [a], healthCheck: checks, passiveFailureTimeout: .seconds(1), clock: clock)
        pool.recordPassiveFailure(at: 0, "reset")
        clock.advance(by: .seconds(60))
        #expect(pool.select() == nil)
        pool.recordCheck(at: 0, passed: true, failure: nil)
        #expect(pool.select() == nil)
        pool.recordCheck(at: 0, passed: true, failure: nil)
        #expect(pool.select() == 0)
    }

    @Test func aPoolOfOneBackendPicksItOnlyWhileItIsHealthyAndNotExcluded() throws {
        let checks = HealthCheckConfiguration(healthyThreshold: 1, unhealthyThreshold: 2)
        let pool = try BackendPool(name: "p", backends: [a], healthCheck: checks, clock: ManualProxyClock())
        #expect(pool.select() == 0)
        #expect(pool.select(excluding: [0]) == nil)
        pool.recordCheck(at: 0, passed: false, failure: "503")
        #expect(pool.select() == 0)
        pool.recordCheck(at: 0, passed: false, failure: "503")
        #expect(pool.select() == nil)
        pool.recordCheck(at: 0, passed: true, failure: nil)
        #expect(pool.select() == 0)
        pool.recordPassiveFailure(at: 0, "reset")
        #expect(pool.select() == nil)
        pool.recordCheck(at: 0, passed: true, failure: nil)
        #expect(pool.select() == 0)
    }

    @Test func healthyBackendTurnsUnhealthyOnlyAfterTheThresholdOfFailedChecksInARow() throws {
        let checks = HealthCheckConfiguration(healthyThreshold: 1, unhealthyThreshold: 3)
        let pool = try BackendPool(name: "p", backends: [a], healthCheck: checks, clock: ManualProxyClock())
        pool.recordCheck(at: 0, passed: false, failure: "503")
        pool.recordCheck(at: 0, passed: false, failure: "503")
        pool.recordCheck(at: 0, passed: true, failure: nil)
        pool.recordCheck(at: 0, passed: false, failure: "503")
        pool.recordCheck(at: 0, passed: false, failure: "503")
        #expect(pool.status.backends[0].isHealthy)
        #expect(pool.status.backends[0].consecutiveCheckFailures == 2)
        pool.recordCheck(at: 0, passed: false, failure: "503")
        #expect(!pool.status.backends[0].isHealthy)
    }

    @Test(arguments: [
        ([Backend](), "backends"),
        ([Backend(host: "127.0.0.1", port: 0)], "backend port"),
        ([Backend(host: "127.0.0.1", port: 1, weight: 0)], "backend weight"),
        ([Backend(host: "bad host", port: 1)], "backend host"),
        ([Backend(host: "127.0.0.1", port: 1), Backend(host: "127.0.0.1", port: 1)], "backends"),
    ])
    func invalidPoolsAreRefusedNamingTheField(backends: [Backend], field: String) {
        do {
            _ = try BackendPool(name: "p", backends: backends)
            Issue.record("accepted \(backends)")
        } catch {
            #expect(error.description.contains(field))
        }
    }

    @Test func invalidHealthCheckSettingsAreRefusedNamingTheField() {
        let cases: [(HealthCheckConfiguration, String)] = [
            (HealthCheckConfiguration(path: "health"), "health check path"),
            (HealthCheckConfiguration(interval: .zero), "health check interval"),
            (HealthCheckConfiguration(timeout: .seconds(-1)), "health check timeout"),
            (HealthCheckConfiguration(healthyThreshold: 0), "healthy threshold"),
            (HealthCheckConfiguration(unhealthyThreshold: 0), "unhealthy threshold"),
            (HealthCheckConfiguration(jitter: .seconds(-1)), "jitter"),
        ]
        for (configuration, field) in cases {
            do {
                _ = try BackendPool(name: "p", backends: [a], healthCheck: configuration)
                Issue.record("accepted \(configuration)")
            } catch {
                #expect(error.description.contains(field))
            }
        }
    }
}
