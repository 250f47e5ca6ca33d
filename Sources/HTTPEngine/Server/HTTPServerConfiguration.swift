import Foundation

/// Where the server listens, how many loops it runs, and its limits and time-outs.
public struct HTTPServerConfiguration: Sendable {
    /// Numeric address to bind (`"127.0.0.1"`, `"::1"`, `"0.0.0.0"`); `"localhost"` means 127.0.0.1.
    public var host: String
    /// Port to bind; 0 picks a free one (read it from `start()` or `localAddress`).
    public var port: Int
    /// Event loops (threads); each accepts and serves its own connections.
    public var loopCount: Int
    public var backlog: Int32
    /// Open connections above this are answered 503 and closed at once.
    public var maxConnections: Int
    /// Connections one client may hold open at once (per address, IPv6 per network); nil, the
    /// default, counts only `maxConnections`. Over it: 503 and closed at once.
    public var peerConnectionLimit: PeerConnectionLimit? = nil
    public var parserLimits: HTTPParserLimits
    /// Largest request body accepted, in wire bytes (a chunked body's framing counts: one-byte
    /// chunks cost five bytes each); more gives 413 and close.
    public var maxRequestBodySize: Int
    /// Unread request body the server reads and discards to keep a connection alive, in wire
    /// bytes like `maxRequestBodySize`; more closes it.
    public var maxDrainSize: Int
    /// Time allowed to receive a complete request head (also for a new connection's first request); then 408 and close.
    public var headerReadTimeout: Duration
    /// Time a keep-alive connection may sit idle between requests, and a request body may stall.
    public var idleTimeout: Duration
    /// Time a request body may take before its receive rate counts; then 408 and close.
    /// Each `minRequestBodyRate` bytes received add one second, so a body must arrive
    /// within `requestBodyTimeout + size / minRequestBodyRate` (time the handler holds the
    /// body back does not count). Bounds a client trickling a byte every few seconds,
    /// which `idleTimeout` (a stall between reads) never catches.
    public var requestBodyTimeout: Duration
    /// Bytes per second a request body must average after `requestBodyTimeout`; 0 (or
    /// less) turns the total deadline off, leaving only `idleTimeout` for stalls.
    public var minRequestBodyRate: Int
    /// Time a pending write may make no progress before the connection is dropped.
    public var writeTimeout: Duration
    /// Longest wait for in-flight requests when `run()` is cancelled.
    public var shutdownGracePeriod: Duration
    /// Unsent response bytes per connection above which the server stops reading and parsing
    /// that connection and a streamed body's `write` waits; both resume at a quarter of it.
    /// 0 (also what a negative value means) waits until all output is sent.
    public var outputHighWaterMark: Int
    /// Called once with each error a handler or middleware threw that is not an `HTTPError`
    /// (it is answered 500, inside the middleware chain), and the request it failed. Not
    /// called for the cancellation of a handler whose client went away. Runs in the handler's
    /// task, normally on the connection's loop: keep it short. Default: one line on stderr;
    /// nil reports nothing.
    public var onHandlerError: (@Sendable (any Error, HTTPRequestHead) -> Void)?
    /// Hears connections and answered requests (metrics, access logs); nil, the default, costs
    /// one check per event.
    public var observer: (any HTTPServerObserver)? = nil

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        loopCount: Int = AvailableCPUs.count,
        backlog: Int32 = 1024,
        maxConnections: Int = 10_000,
        parserLimits: HTTPParserLimits = HTTPParserLimits(),
        maxRequestBodySize: Int = 64 * 1024 * 1024,
        maxDrainSize: Int = 1024 * 1024,
        headerReadTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(60),
        writeTimeout: Duration = .seconds(30),
        requestBodyTimeout: Duration = .seconds(20),
        minRequestBodyRate: Int = 500,
        shutdownGracePeriod: Duration = .seconds(10),
        outputHighWaterMark: Int = 256 * 1024,
        onHandlerError: (@Sendable (any Error, HTTPRequestHead) -> Void)? = HTTPServerConfiguration.printHandlerError
    ) {
        self.host = host
        self.port = port
        self.loopCount = loopCount
        self.backlog = backlog
        self.maxConnections = maxConnections
        self.parserLimits = parserLimits
        self.maxRequestBodySize = maxRequestBodySize
        self.maxDrainSize = maxDrainSize
        self.headerReadTimeout = headerReadTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.requestBodyTimeout = requestBodyTimeout
        self.minRequestBodyRate = minRequestBodyRate
        self.shutdownGracePeriod = shutdownGracePeriod
        self.outputHighWaterMark = outputHighWaterMark
        self.onHandlerError = onHandlerError
    }

    /// The default `onHandlerError`: `HTTPEngine: GET /path failed: <error>` on stderr, as one line.
    public static let printHandlerError: @Sendable (any Error, HTTPRequestHead) -> Void = { error, head in
        let description = String(describing: error).replacingOccurrences(of: "\n", with: " ")
        FileHandle.standardError.write(Data("HTTPEngine: \(head.method.rawValue) \(head.path) failed: \(description)\n".utf8))
    }

    /// `outputHighWaterMark`, a negative value counted as 0 (else a paused connection could never resume).
    var outputPauseThreshold: Int { max(outputHighWaterMark, 0) }

    /// Unsent response bytes at or below which a connection paused by `outputHighWaterMark` resumes.
    var outputResumeThreshold: Int { outputPauseThreshold / 4 }
}
