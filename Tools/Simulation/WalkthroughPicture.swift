/// The walkthroughs' pictures that are not a trace replay: diagrams and fixed simulations of stages 2–5.
///
/// `--picture NAME --svg FILE` draws one; `Tools/make-pictures.sh` draws them all into
/// `docs/pictures/NAME.svg`. Each is deterministic, so the freshness check can compare bytes.
public enum WalkthroughPicture: String, CaseIterable, Sendable {
    case lostUpdates = "v2-lost-updates"
    case middlewarePath = "v3-middleware-path"
    case headersOverBurst = "v3-headers-over-burst"
    case evictionFlood = "v4-eviction-flood"
    case proxyPath = "v5-proxy-path"

    /// One line for `--help`.
    public var summary: String {
        switch self {
        case .lostUpdates: "stage 2: a scripted interleaving loses updates without the lock, none with it"
        case .middlewarePath: "stage 3: a request's path through the middleware, and its answers"
        case .headersOverBurst: "stage 3: remaining, reset and 429s one client sees over a burst"
        case .evictionFlood: "stage 4: a unique-key flood against stage 3's table and stage 4's evicting one"
        case .proxyPath: "stage 5: the proxy's request path, the store and the failure modes"
        }
    }

    /// The picture as a complete SVG document.
    public func svg() -> String {
        switch self {
        case .lostUpdates: LostUpdateDiagram().svg()
        case .middlewarePath: MiddlewarePathDiagram().svg()
        case .headersOverBurst: HeaderTimeline().svg()
        case .evictionFlood: EvictionFloodChart().svg()
        case .proxyPath: ProxyPathDiagram().svg()
        }
    }
}
