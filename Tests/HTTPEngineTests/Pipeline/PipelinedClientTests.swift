import Testing
@testable import HTTPEngine

/// The shared pipelined connection core, with a toy line protocol against hostile test servers.
@Suite struct PipelinedClientTests {
    @Test func requestsQueuedInOneLoopTurnGoOutInOneWrite() async throws {
        try await withLineClient(try LineServer()) { client, loop async throws in
            _ = try await client.send("warm-up")
            let before = await client.statistics(on: loop)
            // Child tasks of a task on the loop run in the same turn, so all 100 queue before the flush.
            let replies = try await Task(executorPreference: loop) {
                try await withThrowingTaskGroup(of: (Int, String).self) { tasks in
                    for index in 0..<100 { tasks.addTask { (index, try await client.send("request \(index)")) } }
                    return try await tasks.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
                }
            }.value
            #expect(replies.count == 100)
            #expect(replies.allSatisfy { $0.value == "request \($0.key)" })
            let after = await client.statistics(on: loop)
            #expect(after.writes - before.writes == 1)
            #expect(after.replies - before.replies == 100)
            #expect(after.connectionsOpened == 1)
        }
    }

    @Test func repliesArrivingOneByteAtATimeReachTheirOwnCallers() async throws {
        try await withLineClient(try LineServer(sendsByteByByte: true)) { client, _ async throws in
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for index in 0..<200 {
                    tasks.addTask { () async throws in
                        let reply = try await client.send("caller \(index) says \(String(repeating: "z", count: index % 50))")
                        #expect(reply == "caller \(index) says \(String(repeating: "z", count: index % 50))")
                    }
                }
                try await tasks.waitForAll()
            }
        }
    }

    @Test func aReplyNobodyAskedForFailsTheConnectionAndTheNextRequestGetsANewOne() async throws {
        // Answers "twice" with two lines: the second one has no waiter.
        let server = try LineServer { $0 == "twice" ? ["one", "two"] : [$0] }
        try await withLineClient(server) { client, loop async throws in
            #expect(try await client.send("twice") == "one")
            var recovered: String?
            for _ in 0..<20 where recovered == nil {
                do {
                    recovered = try await client.send("after")
                } catch let error as HTTPEngineError where error.code == .malformedResponse {
                    continue
                }
            }
            #expect(recovered == "after")
            #expect(await client.statistics(on: loop).connectionsOpened == 2)
        }
    }

    @Test func silentServerTimesOutEveryWaiterAndClosesTheConnection() async throws {
        let server = try LineServer { _ in [] }
        try await withLineClient(server, configuration: PipelineConfiguration(replyTimeout: .milliseconds(100))) { client, _ async throws in
            let failures = try await withThrowingTaskGroup(of: (any Error)?.self) { tasks in
                for index in 0..<10 {
                    tasks.addTask {
                        do {
                            _ = try await client.send("unanswered \(index)")
                            return nil
                        } catch {
                            return error
                        }
                    }
                }
                return try await tasks.reduce(into: [(any Error)?]()) { $0.append($1) }
            }
            #expect(failures.allSatisfy { ($0 as? HTTPEngineError)?.code == .responseTimeout })
            #expect(failures.allSatisfy { ($0 as? HTTPEngineError)?.timeLimit == .milliseconds(100) })
        }
    }
}
