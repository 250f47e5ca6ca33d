/// A Lua script run with `EVALSHA`, named by the SHA-1 of its source.
///
/// Sending `EVAL` with the whole source on every call costs bandwidth and a hash per call on
/// the server; `EVALSHA` sends 40 hex digits. The catch is that the server forgets scripts when
/// it restarts or `SCRIPT FLUSH` runs: `RedisConnectionPool.evaluate` then gets `NOSCRIPT`,
/// loads the source and retries, so callers never see it.
public struct RedisScript: Sendable, Hashable {
    /// The Lua source.
    public let source: String
    /// The SHA-1 of `source` in lowercase hex, the name `EVALSHA` takes.
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        sha1 = SHA1.hexDigest(of: source.utf8)
    }
}
