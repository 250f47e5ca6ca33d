import Testing
@testable import Simulation

/// Bad CSV lines and flags are refused with a message that names the problem and its place.
@Suite struct InputValidationTests {
    let limit = try! SimulationLimit(capacity: 3, ratePerSecond: 1)

    func csvError(_ text: String) -> String? {
        do {
            _ = try CSVTrace.parse(text, name: "t.csv", limit: limit)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func csvWithHeaderAndCostsIsRead() throws {
        let trace = try CSVTrace.parse("time_seconds,key,cost\r\n0,a\n0.5, b ,2\n\n1.25,a,1\n", name: "t.csv", limit: limit)
        #expect(trace.requests == [
            TraceRequest(time: .zero, key: "a"),
            TraceRequest(time: .milliseconds(500), key: "b", cost: 2),
            TraceRequest(time: .milliseconds(1250), key: "a"),
        ])
    }

    @Test(arguments: [
        ("0,a\nsoon,a\n", "line 2: time 'soon'"),
        ("0,a\n-1,a\n", "line 2: time '-1'"),
        ("0,a\n1\n", "line 2: expected time_seconds,key[,cost], got 1 field"),
        ("0,a,1,extra\n", "line 1: expected time_seconds,key[,cost], got 4 fields"),
        ("0,a\n0,\n", "line 2: the key is empty"),
        ("time_seconds,key\n0,a,0\n", "line 2: cost '0'"),
        ("0,a\n1,a,4\n", "line 2: cost 4 exceeds the capacity 3"),
        ("2,a\n1,a\n", "line 2: time 1 is earlier than the line before"),
        ("0,a\nnan,a\n", "line 2: time 'nan'"),
    ])
    func csvErrorsNameTheLine(text: String, expected: String) {
        let message = csvError(text)
        #expect(message?.hasPrefix(expected) == true, "got \(message ?? "no error")")
    }

    @Test func emptyCSVIsRefused() {
        #expect(csvError("time_seconds,key\n")?.contains("no requests") == true)
    }

    @Test(arguments: [
        (["--capacity", "0"], "capacity must be between 1"),
        (["--rate", "fast"], "--rate must be a number"),
        (["--rate", "inf"], "rate must be between"),
        (["--window", "0"], "--window must be a number of seconds above 0"),
        (["--trace", "zigzag"], "unknown trace 'zigzag'"),
        (["--algorithms", "v1-token-bucket,leaky"], "unknown algorithm 'leaky'"),
        (["--svg"], "--svg needs a value"),
        (["--verbose"], "unknown argument '--verbose'"),
    ])
    func badFlagsAreNamed(arguments: [String], expected: String) {
        do {
            _ = try SimulatorOptions(arguments: arguments)
            Issue.record("\(arguments) was accepted")
        } catch {
            #expect(error.description.hasPrefix(expected), "got \(error.description)")
        }
    }

    @Test func defaultWindowIsCapacityOverRate() throws {
        let options = try SimulatorOptions(arguments: ["--capacity", "6", "--rate", "2"])
        #expect(options.effectiveWindow == .seconds(3))
    }
}
