import Foundation
import Glibc
import HTTPEngine
import RedisTestSupport
import TestSupport

/// The real `V5RateLimitProxy` binary, started for one test on free loopback ports, its standard
/// output (the access log) and standard error (lifecycle log) kept in files the test can read.
final class ProxyProcess: @unchecked Sendable {
    let port: UInt16
    let adminPort: UInt16
    let directory: String
    private let process: ChildProcess

    /// The binary next to the test bundle: `swift build` (which CI runs before the tests) makes it.
    static var executablePath: String {
        let testBinary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: testBinary).deletingLastPathComponent().appendingPathComponent("V5RateLimitProxy").path
    }

    enum StartError: Error, CustomStringConvertible {
        case notBuilt(String)
        case didNotStart(String)
        var description: String {
            switch self {
            case .notBuilt(let path): "\(path) does not exist: run `swift build` before the tests"
            case .didNotStart(let log): "the proxy did not start; its log:\n\(log)"
            }
        }
    }

    /// Starts the proxy with `arguments` and `environment` (nothing inherited but PATH) and
    /// returns once it logs `listening`. Waiting blocks a thread, so it happens on one of its own:
    /// a test blocking a cooperative thread for seconds starved other tests (a streaming test
    /// timed out under ThreadSanitizer while proxies started beside it).
    ///
    /// A free port is found by binding port 0 and closing it, so something else can take it
    /// before the proxy binds it (a full parallel run once lost one to an outgoing connection's
    /// ephemeral port): a start that fails with `EADDRINUSE` is retried on new ports.
    ///
    /// `maximumOpenFiles` starts it under `prlimit --nofile`, for tests of running out of descriptors;
    /// `allowedCPUs` under `taskset --cpu-list`, for tests of the default loop count.
    /// `standardOutput` replaces the access log's file as where standard output goes (a pipe, say).
    static func start(arguments: [String] = [], environment: [String: String] = [:], maximumOpenFiles: Int? = nil, allowedCPUs: String? = nil, standardOutput: String? = nil) async throws -> ProxyProcess {
        try await onOwnThread {
            Result {
                for _ in 1..<5 {
                    do {
                        return try ProxyProcess(arguments: arguments, environment: environment, maximumOpenFiles: maximumOpenFiles, allowedCPUs: allowedCPUs, standardOutput: standardOutput)
                    } catch StartError.didNotStart(let log) where log.contains("Address already in use") {
                        continue
                    }
                }
                return try ProxyProcess(arguments: arguments, environment: environment, maximumOpenFiles: maximumOpenFiles, allowedCPUs: allowedCPUs, standardOutput: standardOutput)
            }
        }.get()
    }

    private init(arguments: [String], environment: [String: String], maximumOpenFiles: Int?, allowedCPUs: String?, standardOutput: String?) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executablePath) else { throw StartError.notBuilt(Self.executablePath) }
        directory = try Self.makeDirectory()
        port = try RedisServerProcess.freeLoopbackPort()
        adminPort = try RedisServerProcess.freeLoopbackPort()
        var environment = environment
        environment["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let proxyArguments = ["--listen", "127.0.0.1:\(port)", "--admin", "127.0.0.1:\(adminPort)"] + arguments
        // `prlimit` and `taskset` set the limit or mask on themselves and then execute the proxy:
        // same process, same pid.
        let launcher = (maximumOpenFiles.map { ["/usr/bin/prlimit", "--nofile=\($0):\($0)"] } ?? [])
            + (allowedCPUs.map { ["/usr/bin/taskset", "--cpu-list", $0] } ?? []) + [Self.executablePath]
        process = try ChildProcess(
            executable: launcher[0],
            arguments: Array(launcher.dropFirst()) + proxyArguments,
            environment: environment, outputPath: standardOutput ?? "\(directory)/access.log", errorPath: "\(directory)/lifecycle.log"
        )
        let deadline = ContinuousClock.now + .seconds(60)
        while !lifecycleLog.contains("\"event\":\"listening\"") {
            guard process.isRunning, ContinuousClock.now < deadline else {
                process.terminate()
                throw StartError.didNotStart(lifecycleLog)
            }
            usleep(10_000)
        }
    }

    deinit {
        process.terminate()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var accessLog: String { (try? String(contentsOfFile: "\(directory)/access.log", encoding: .utf8)) ?? "" }

    /// The access log once `isComplete` holds for it, or as it is after `timeout`: the proxy's
    /// log thread writes each line a moment after the answer it describes went out.
    func accessLog(until isComplete: (String) -> Bool, timeout: Duration = .seconds(10)) async -> String {
        let deadline = ContinuousClock.now + timeout
        var log = accessLog
        while !isComplete(log), ContinuousClock.now < deadline {
            // Another process's file, written on its own schedule: nothing to drive, so poll.
            try? await Task.sleep(for: .milliseconds(10))
            log = accessLog
        }
        return log
    }
    var lifecycleLog: String { (try? String(contentsOfFile: "\(directory)/lifecycle.log", encoding: .utf8)) ?? "" }

    func send(_ signal: Int32) {
        process.send(signal)
    }

    /// The process's ID, for reading its state under /proc.
    var pid: pid_t { process.pid }

    /// The exit status of a proxy already told to stop (nil if it has not exited within `timeout`).
    func exitStatus(timeout: Duration = .seconds(60)) async -> Int32? {
        await onOwnThread { [self] in process.waitForExit(timeout: timeout) }
    }

    /// Polls (a real process's log) until `text` appears or `timeout` passes.
    func waitForLifecycleEvent(_ text: String, timeout: Duration = .seconds(60)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if lifecycleLog.contains(text) { return true }
            // A pause between polls of another process's log; no result depends on its length.
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// Polls the admin listener's `/metrics` (a real process counting on its own schedule) with
    /// `client` until `line` appears or `timeout` passes.
    func waitForMetric(_ line: String, client: HTTPClient, timeout: Duration = .seconds(60)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await get(client, port: adminPort, path: "/metrics").body.contains(line) { return true }
            // A pause between polls of another process; no result depends on its length.
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Runs the binary to completion (for `--check-config` and bad configurations): exit status
    /// and stderr, waited for on a thread of its own.
    /// `executable` replaces the binary as what is started, e.g. a shell that starts it.
    static func run(arguments: [String], environment: [String: String] = [:], executable: String = executablePath) async throws -> (status: Int32?, standardError: String) {
        try await onOwnThread { Result { try runBlocking(arguments: arguments, environment: environment, executable: executable) } }.get()
    }

    private static func runBlocking(arguments: [String], environment: [String: String], executable: String) throws -> (status: Int32?, standardError: String) {
        guard FileManager.default.isExecutableFile(atPath: executablePath) else { throw StartError.notBuilt(executablePath) }
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var environment = environment
        environment["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let child = try ChildProcess(executable: executable, arguments: arguments, environment: environment, outputPath: "\(directory)/out", errorPath: "\(directory)/err")
        let status = child.waitForExit()
        return (status, (try? String(contentsOfFile: "\(directory)/err", encoding: .utf8)) ?? "")
    }

    /// Runs the binary to completion and returns its standard output (for `--help`).
    static func runForOutput(arguments: [String]) async throws -> String {
        try await onOwnThread {
            Result {
                let directory = try makeDirectory()
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let child = try ChildProcess(executable: executablePath, arguments: arguments, outputPath: "\(directory)/out")
                _ = child.waitForExit()
                return (try? String(contentsOfFile: "\(directory)/out", encoding: .utf8)) ?? ""
            }
        }.get()
    }

    static func makeDirectory() throws -> String {
        var template = Array(URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("proxy-test-XXXXXX").path.utf8CString)
        guard mkdtemp(&template) != nil else { throw StartError.didNotStart("no temporary directory") }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Writes `json` to a file in this test's directory and returns its path.
    func writeFile(_ name: String, _ contents: String) throws -> String {
        let path = "\(directory)/\(name)"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// A configuration file outside any proxy's directory, for tests that start the proxy with it.
///
/// All in one directory per test process: a directory per file, the first way, was never
/// removed (nothing knows when the last proxy reading it is done), and left about a hundred in
/// /tmp per test run.
func temporaryFile(_ contents: String) throws -> String {
    let path = try "\(TemporaryFiles.directory.get())/\(UUID().uuidString).json"
    try contents.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// The directory `temporaryFile` writes to, made on first use.
private enum TemporaryFiles {
    static let directory = Result { try ProxyProcess.makeDirectory() }
}

/// Sends one GET through `client` and returns the status, headers and body text.
func get(_ client: HTTPClient, port: UInt16, path: String = "/", headers: [(String, String)] = []) async throws -> (status: Int, headers: HTTPHeaders, body: String) {
    var fields = HTTPHeaders()
    for (name, value) in headers { fields.add(name: name, value: value) }
    let response = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: port, target: path, headers: fields))
    let body = try await response.body.collect(upTo: 1 << 20)
    return (response.status.code, response.head.headers, String(decoding: body, as: UTF8.self))
}

/// Sends `count` GETs of `path` through `client` from 8 concurrent tasks, request `n` with the
/// fields `headers(n)`, and returns their statuses (in no particular order).
func getConcurrently(
    _ count: Int, _ client: HTTPClient, port: UInt16, path: String = "/",
    headers: @escaping @Sendable (Int) -> [(String, String)] = { _ in [] }
) async throws -> [Int] {
    let tasks = 8
    return try await withThrowingTaskGroup(of: [Int].self) { group in
        for task in 0..<tasks {
            group.addTask {
                var statuses: [Int] = []
                for index in stride(from: task, to: count, by: tasks) {
                    statuses.append(try await get(client, port: port, path: path, headers: headers(index)).status)
                }
                return statuses
            }
        }
        return try await group.reduce(into: []) { $0 += $1 }
    }
}
