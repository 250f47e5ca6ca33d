import Testing
import V5ProductionLimiter

/// The contract of `RateLimitStore.inspect`, for every store: it reports what `decide` would
/// answer at the same instant, and changes nothing, not even by creating a key.
extension StoreBehaviourTests {
    @Test(arguments: StoreFactory.all)
    func inspectingAnUnseenKeyShowsFullCapacityAndStoresNothing(_ factory: StoreFactory) async throws {
        let subject = try await factory.make()
        let limits = try Self.traceLimits()
        let inspection = try await subject.store.inspect("never-seen", limits, cost: 3)
        #expect(inspection.limits.map(\.limit) == limits)
        #expect(inspection.limits.map(\.remaining) == [4, 6])
        #expect(inspection.limits.allSatisfy { $0.isAdmitted && $0.retryAfter == .zero })
        #expect(inspection.isAdmitted && inspection.retryAfter == .zero)
        #expect(try await subject.storedKeyCount() == 0)
        // Inspecting other keys leaves nothing either: not one key per question.
        for index in 0..<20 { _ = try await subject.store.inspect("probe-\(index)", limits) }
        #expect(try await subject.storedKeyCount() == 0)
        // The first decision then finds the key as fresh as the inspection said.
        let decision = try await subject.store.decide("never-seen", limits, cost: 3)
        #expect(decision.isAllowed && decision.remaining == 1)
        // The count that stayed at zero does see state once a decision stores some.
        #expect(try await subject.storedKeyCount() > 0)
    }

    /// Inspections before every step of the hand-worked trace: the decisions stay exactly the
    /// trace's (so inspecting changed nothing), and each inspection foretold its decision.
    @Test(arguments: StoreFactory.all)
    func inspectingNeverChangesLaterDecisionsAndForetellsThem(_ factory: StoreFactory) async throws {
        let subject = try await factory.make()
        let limits = try Self.traceLimits()
        var decisions: [String] = []
        for step in Self.trace {
            try await subject.advance(step.advance)
            var inspections: [StoreInspection] = []
            // Three times: a second inspection must see what the first saw.
            for _ in 0..<3 { inspections.append(try await subject.store.inspect(step.key, limits, cost: step.cost)) }
            #expect(Set(inspections).count == 1)
            let inspection = inspections[0]
            let decision = try await subject.store.decide(step.key, limits, cost: step.cost)
            decisions.append("\(decision.isAllowed) \(decision.remaining) \(decision.retryAfter)")
            #expect(inspection.isAdmitted == decision.isAllowed)
            #expect(inspection.retryAfter == decision.retryAfter)
            // The reported limit had `remaining` before the decision, and the cost less after an admission.
            let reported = try #require(inspection.limits.first { $0.limit == decision.limit })
            #expect(decision.remaining == reported.remaining - (decision.isAllowed ? step.cost : 0))
        }
        #expect(decisions == Self.trace.map { "\($0.isAllowed) \($0.remaining) \($0.retryAfter)" })
    }

    @Test(arguments: StoreFactory.all)
    func inspectionAfterARefusalReportsTheWaitDecideKeeps(_ factory: StoreFactory) async throws {
        let subject = try await factory.make()
        let perSecond = try Limits.tokenBucket("3/3s", 3, per: .seconds(3))
        let perMinute = try Limits.slidingWindow("10/m", 10, per: .seconds(60))
        let limits = [perSecond, perMinute]
        for _ in 0..<3 { #expect(try await subject.store.decide("a", limits).isAllowed) }
        #expect(try await !subject.store.decide("a", limits).isAllowed)
        let spent = try await subject.store.inspect("a", limits)
        #expect(spent.limits.map(\.remaining) == [0, 7])
        #expect(spent.limits.map(\.isAdmitted) == [false, true])
        #expect(spent.limits.map(\.retryAfter) == [.seconds(1), .zero])
        #expect(!spent.isAdmitted && spent.retryAfter == .seconds(1))
        try await subject.advance(.milliseconds(999))
        let almost = try await subject.store.inspect("a", limits)
        #expect(!almost.isAdmitted && almost.retryAfter == .milliseconds(1))
        #expect(try await !subject.store.decide("a", limits).isAllowed)
        try await subject.advance(.milliseconds(1))
        let refilled = try await subject.store.inspect("a", limits)
        #expect(refilled.isAdmitted && refilled.limits.map(\.remaining) == [1, 7])
        let admitted = try await subject.store.decide("a", limits)
        #expect(admitted.isAllowed && admitted.limit == perSecond && admitted.remaining == 0)
        #expect(try await subject.store.inspect("a", limits).limits.map(\.remaining) == [0, 6])
    }
}
