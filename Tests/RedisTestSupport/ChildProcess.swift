import Glibc

/// A child process started with `posix_spawn`, with every signal unblocked and at its default.
///
/// Not Foundation's `Process`: it spawns children with the calling thread's signal mask, and test
/// threads block SIGTERM, so the child never saw the SIGTERM meant to stop it and waiting for it
/// hung the whole test run (the first version of this helper did exactly that).
public final class ChildProcess {
    public let pid: pid_t
    private var hasExited = false

    enum SpawnError: Error {
        case failed(errno: Int32)
    }

    /// Starts `executable` with `arguments`; its standard output goes to `outputPath` and its
    /// standard error to `errorPath` (each /dev/null when nil); `environment` replaces the
    /// parent's when given.
    public init(executable: String, arguments: [String], environment: [String: String]? = nil, outputPath: String? = nil, errorPath: String? = nil) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let environmentStrings = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { environmentStrings?.forEach { free($0) } }
        var child = pid_t()
        let result = environmentStrings.map { strings in
            strings.withUnsafeBufferPointer { posix_spawn(&child, executable, &actions, &attributes, argv, UnsafePointer($0.baseAddress)) }
        } ?? posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard result == 0 else { throw SpawnError.failed(errno: result) }
        pid = child
    }

    deinit {
        terminate()
    }

    /// Whether the child is still running; reaps it once it has exited.
    public var isRunning: Bool {
        guard !hasExited else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { hasExited = true }
        return !hasExited
    }

    /// The exit status once the child has exited on its own (waiting up to `timeout`), or nil if it
    /// is still running then, or was killed by a signal.
    public func waitForExit(timeout: Duration = .seconds(30)) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                hasExited = true
                // WIFEXITED / WEXITSTATUS, which Swift does not import as functions.
                return status & 0x7F == 0 ? (status >> 8) & 0xFF : nil
            }
            usleep(2_000)
        }
        return nil
    }

    /// The child's scheduler state, the letter after the name in /proc/PID/stat: "R" running,
    /// "S" sleeping, "T" stopped by a signal, "Z" exited but not reaped; nil once reaped or unreadable.
    public var schedulerState: String? {
        guard !hasExited else { return nil }
        let descriptor = open("/proc/\(pid)/stat", O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        // "pid (name) state ...": the name may hold spaces and parentheses, so the last ")" ends it.
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        guard let nameEnd = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: nameEnd)...].split(separator: " ").first.map(String.init)
    }

    /// Sends `signal` without waiting.
    public func send(_ signal: Int32) {
        guard !hasExited else { return }
        Glibc.kill(pid, signal)
    }

    /// Sends SIGKILL and waits for the exit.
    public func kill() {
        guard isRunning else { return }
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        hasExited = true
    }

    /// Sends SIGTERM and waits for the exit; SIGKILL if it has not exited within `grace`.
    public func terminate(grace: Duration = .seconds(10)) {
        guard isRunning else { return }
        Glibc.kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while isRunning {
            if ContinuousClock.now >= deadline {
                Glibc.kill(pid, SIGKILL)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                hasExited = true
                return
            }
            // Polled rather than a blocking waitpid, so a child that ignores SIGTERM cannot hang the run.
            usleep(2_000)
        }
    }
}
