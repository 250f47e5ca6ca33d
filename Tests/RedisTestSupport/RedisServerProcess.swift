import Foundation
import Glibc
import HTTPEngine

/// Whether the real-server tests can run on this machine, and whether they must.
public enum RedisServerAvailability {
    /// `redis-server` found on `PATH` (Debian's `redis-server` package installs it in /usr/bin).
    public static let executablePath: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/redis-server" }.first { access($0, X_OK) == 0 }
    }()

    /// Whether `CI` is set: there a missing binary must fail the tests, not skip them.
    public static let isCI = !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty

    /// Run when the binary exists, and always in CI, where `RedisServerProcess` then throws.
    public static let shouldRun = executablePath != nil || isCI
}

/// Why a test server could not be started.
public enum RedisServerProcessError: Error, CustomStringConvertible {
    case notInstalled
    case didNotStart(log: String)

    public var description: String {
        switch self {
        case .notInstalled: "redis-server is not on PATH and CI is set: install it (apt-get install redis-server)"
        case .didNotStart(let log): "redis-server did not start; its log ends with:\n\(log)"
        }
    }
}

/// A real `redis-server` on a free loopback port with a throw-away directory and no persistence,
/// stopped (SIGTERM, then waited for) by `stop()` or when the object goes away.
/// `@unchecked Sendable`: its state is set in `init`; `stop` and `kill` may run on any thread.
public final class RedisServerProcess: @unchecked Sendable {
    public let port: UInt16
    public let directory: String
    private let process: ChildProcess

    /// Starts a server and returns once it answers; retries on another port if the chosen one was
    /// taken between finding it and the server binding it. `port` asks for that port (a restart
    /// of a stopped server, so clients find it where they left it); `password` is passed as
    /// `requirepass` and used to check the server is up; `extraArguments` go on the command line.
    public init(port requestedPort: UInt16? = nil, password: String? = nil, extraArguments: [String] = []) throws {
        guard let executable = RedisServerAvailability.executablePath else { throw RedisServerProcessError.notInstalled }
        var template = Array(URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("redis-test-XXXXXX").path.utf8CString)
        // The real path, because that is what the server reports for `CONFIG GET dir`.
        guard mkdtemp(&template) != nil, let resolved = realpath(template, nil) else {
            throw RedisServerProcessError.didNotStart(log: "no temporary directory: errno \(errno)")
        }
        directory = String(cString: resolved)
        free(resolved)
        var lastLog = ""
        for _ in 0..<5 {
            let port = try requestedPort ?? Self.freeLoopbackPort()
            // DEBUG (for `DEBUG SLEEP`, a slow server on demand) is refused unless enabled; local only.
            let process = try ChildProcess(executable: executable, arguments: [
                "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", directory, "--logfile", "\(directory)/redis.log", "--daemonize", "no",
                "--enable-debug-command", "local",
            ] + (password.map { ["--requirepass", $0] } ?? []) + extraArguments)
            if Self.waitUntilServing(process: process, port: port, password: password, directory: directory, deadline: .now + .seconds(20)) {
                self.port = port
                self.process = process
                return
            }
            process.terminate()
            lastLog = (try? String(contentsOfFile: "\(directory)/redis.log", encoding: .utf8)) ?? ""
        }
        try? FileManager.default.removeItem(atPath: directory)
        throw RedisServerProcessError.didNotStart(log: String(lastLog.suffix(2000)))
    }

    /// Starts a server as `init` does, waiting on a thread of its own: the start polls for up to
    /// seconds, and async tests blocking the cooperative pool's few threads starve each other.
    public static func start(port: UInt16? = nil, password: String? = nil, extraArguments: [String] = []) async throws -> RedisServerProcess {
        // The server is handed over in a `Locked`, whose critical sections ThreadSanitizer is
        // told about, not in the continuation: a CI run's ThreadSanitizer reported the task's
        // first read of `port` as racing the thread's write in `init`, a hand-off through the
        // concurrency runtime it did not see.
        let handOff = Locked<Result<RedisServerProcess, any Error>?>(nil)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread {
                let started = Result { try RedisServerProcess(port: port, password: password, extraArguments: extraArguments) }
                handOff.withLock { $0 = started }
                continuation.resume()
            }.start()
        }
        return try handOff.withLock { $0! }.get()
    }

    deinit {
        stop()
    }

    /// Kills the server at once (SIGKILL): connections break with no goodbye, as when a host dies.
    public func kill() {
        process.kill()
    }

    /// Freezes the server (SIGSTOP): its connections stay open and nothing is answered, as when
    /// its host hangs; `resume()` or `stop()` lets it go on. Returns once the kernel shows the
    /// server stopped: `kill` returns when the signal is queued, and a server running on the
    /// other core could otherwise still accept and answer what the caller does next.
    public func pause() {
        process.send(SIGSTOP)
        let deadline = ContinuousClock.now + .seconds(10)
        while process.schedulerState != "T", process.isRunning, ContinuousClock.now < deadline {
            usleep(1_000)
        }
    }

    /// The server's scheduler state from /proc ("T" while paused, "S" idle, "R" running), for
    /// a failing test to report; nil once it has exited.
    public var schedulerState: String? {
        process.schedulerState
    }

    /// The last `characters` of the server's log, for a failing test to report.
    public func logTail(characters: Int = 2000) -> String {
        String(((try? String(contentsOfFile: "\(directory)/redis.log", encoding: .utf8)) ?? "").suffix(characters))
    }

    /// Lets a paused server run on (SIGCONT).
    public func resume() {
        process.send(SIGCONT)
    }

    /// Stops the server and removes its directory; safe to call more than once.
    public func stop() {
        // A paused server would not act on SIGTERM and be killed only after the grace period.
        process.send(SIGCONT)
        process.terminate()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A port the kernel just handed out for 127.0.0.1; free now, though another program may take it first.
    public static func freeLoopbackPort() throws -> UInt16 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw RedisServerProcessError.didNotStart(log: "no free loopback port: errno \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Polls until the server on `port` answers and is this process (its `dir` is `directory`:
    /// on a port conflict another program may be the one answering); false if the process exits
    /// or the deadline passes.
    private static func waitUntilServing(process: ChildProcess, port: UInt16, password: String?, directory: String, deadline: ContinuousClock.Instant) -> Bool {
        while process.isRunning, ContinuousClock.now < deadline {
            if let connection = try? BlockingRedisConnection(port: port),
               password.map({ (try? connection.command(["AUTH", $0])) == .simpleString("OK") }) ?? true,
               let reply = try? connection.command(["CONFIG", "GET", "dir"]) {
                return reply.elements?.last?.bytes.map { String(decoding: $0, as: UTF8.self) } == directory && process.isRunning
            }
            // A short pause between connection attempts keeps the poll from spinning a core.
            usleep(5_000)
        }
        return false
    }
}
