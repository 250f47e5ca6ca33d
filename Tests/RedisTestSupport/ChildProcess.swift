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

    /// Starts `executable` with `arguments`, its output sent to /dev/null.
    public init(executable: String, arguments: [String]) throws {
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
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child = pid_t()
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
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
