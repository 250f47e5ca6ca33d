import Glibc

/// Tells ThreadSanitizer about synchronization it cannot see; does nothing in ordinary builds.
///
/// On Linux, `Synchronization.Mutex` hands a contended lock over inside the kernel
/// (a priority-inheritance futex), so no user-space atomic marks the moment one thread's
/// critical section happens-before the next. ThreadSanitizer then reports every access made
/// under the lock as a race. Wrapping the critical section in `acquire`/`release` on one
/// address per lock restores the ordering TSan needs, without giving up `Mutex` (a
/// `pthread_mutex_t`, which TSan does understand, costs ~3× as much uncontended here).
///
/// The hooks are looked up at run time: a `-sanitize=thread` build links TSan's runtime and
/// `dlsym` finds them; any other build finds nothing and each call is a not-taken branch.
public enum ThreadSanitizer {
    public typealias Hook = @convention(c) (UnsafeMutableRawPointer?) -> Void

    @usableFromInline
    static let acquireHook: Hook? = hook(named: "__tsan_acquire")
    @usableFromInline
    static let releaseHook: Hook? = hook(named: "__tsan_release")

    /// Whether this process runs under ThreadSanitizer.
    public static var isActive: Bool { acquireHook != nil }

    /// Marks the start of a critical section guarded by the lock identified by `address`.
    @inlinable @inline(__always)
    public static func acquire(_ address: UnsafeMutableRawPointer) {
        acquireHook?(address)
    }

    /// Marks the end of a critical section guarded by the lock identified by `address`.
    @inlinable @inline(__always)
    public static func release(_ address: UnsafeMutableRawPointer) {
        releaseHook?(address)
    }

    private static func hook(named name: String) -> Hook? {
        // RTLD_DEFAULT (a null handle) searches the executable and everything it loaded.
        dlsym(nil, name).map { unsafeBitCast($0, to: Hook.self) }
    }
}
