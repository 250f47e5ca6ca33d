/// Stage 5's proxy: a request's path through the middleware chain, the store behind the failure policy, and what each failure mode answers.
///
/// Drawn from the walkthrough's description of `V5RateLimitProxy` and `GuardedStore`; their
/// behaviour is checked by stage 5's end-to-end and policy tests, not here.
struct ProxyPathDiagram {
    /// The diagram as an SVG document.
    func svg() -> String {
        var body = heading("Stage 5: a request through V5RateLimitProxy", notes: [
            "Middleware in execution order (MiddlewareChain); the store is asked through GuardedStore, which never throws.",
        ])
        // The chain, left to right.
        let chainTop = 74.0
        let chainHeight = 70.0
        let chainMiddle = chainTop + chainHeight / 2
        body += box(x: 20, y: chainTop, width: 80, height: chainHeight, lines: ["client"])
        body += box(x: 130, y: chainTop, width: 150, height: chainHeight, lines: ["RequestContext", "request ID (kept", "if sane), sent upstream"], size: 11)
        body += box(x: 310, y: chainTop, width: 120, height: chainHeight, lines: ["AccessLog", "one JSON line", "per answer"], size: 11)
        body += box(x: 460, y: chainTop, width: 170, height: chainHeight,
                    lines: ["PolicyRateLimit", "tier of a known API key,", "else the address; route", "limits and cost; shadow"], size: 11)
        body += box(x: 660, y: chainTop, width: 120, height: chainHeight, lines: ["proxy handler", "upstream pool,", "health, failover"],
                    fill: DiagramStyle.admittedFill, size: 11)
        body += arrow(x1: 100, y1: chainMiddle, x2: 130, y2: chainMiddle)
        body += arrow(x1: 280, y1: chainMiddle, x2: 310, y2: chainMiddle)
        body += arrow(x1: 430, y1: chainMiddle, x2: 460, y2: chainMiddle)
        body += arrow(x1: 630, y1: chainMiddle, x2: 660, y2: chainMiddle, label: "admitted", labelOffset: (0, -41), labelAnchor: "middle")

        // The store behind the failure policy, under the policy middleware.
        let guardTop = chainTop + chainHeight + 50
        body += arrow(x1: 545, y1: chainTop + chainHeight, x2: 545, y2: guardTop, label: "key (API keys hashed), limits, cost", labelOffset: (6, 0))
        body += box(x: 440, y: guardTop, width: 210, height: 62, lines: ["GuardedStore", "time-out race, circuit breaker"], size: 11)
        body += arrow(x1: 650, y1: guardTop + 31, x2: 690, y2: guardTop + 31)
        body += box(x: 690, y: guardTop, width: 90, height: 62, lines: ["429", "Retry-After,", "fields"], fill: DiagramStyle.refusedFill, size: 11)
        body.append(text("refused", x: 670, y: guardTop + 22, size: 11, anchor: "middle", fill: DiagramStyle.note, halo: true))
        let storeTop = guardTop + 100
        body += arrow(x1: 530, y1: guardTop + 62, x2: 470, y2: storeTop)
        body += arrow(x1: 560, y1: guardTop + 62, x2: 655, y2: storeTop)
        body.append(text("one call per request", x: 612, y: guardTop + 84, size: 11, fill: DiagramStyle.note))
        body += box(x: 400, y: storeTop, width: 140, height: 66, lines: ["InMemoryStore", "stage 4's table,", "all limits at once"], size: 11)
        body += box(x: 560, y: storeTop, width: 190, height: 66, lines: ["RedisStore", "one Lua script, server TIME,", "shared by every proxy"], size: 11)

        // The failure modes, to the left of the guard.
        let modesTop = guardTop - 6
        body.append(text("store failed, timed out, or breaker open:", x: 20, y: modesTop, size: 12, weight: "bold"))
        body += arrow(x1: 440, y1: guardTop + 31, x2: 400, y2: guardTop + 31)
        let modes: [(lines: [String], fill: String)] = [
            (["fail-open: admitted", "X-RateLimit-Degraded: fail-open"], DiagramStyle.admittedFill),
            (["fail-closed: 503", "rate_limiter_unavailable, Retry-After: 1"], DiagramStyle.refusedFill),
            (["fallback(share): local store", "share of each limit; Degraded: fallback"], DiagramStyle.warningFill),
        ]
        for (index, mode) in modes.enumerated() {
            body += box(x: 20, y: modesTop + 12 + Double(index) * 58, width: 370, height: 48, lines: mode.lines, fill: mode.fill, size: 11)
        }
        let notes = storeTop + 100
        body.append(text("Admin listener (separate port): /metrics (Prometheus), /healthz, /readyz (follows a fail-closed outage), /explain.",
                         x: 20, y: notes, size: 12, fill: DiagramStyle.note))
        body.append(text("Shadow policies are decided and counted but never refuse; the mode is chosen per deployment (--failure-mode).",
                         x: 20, y: notes + 18, size: 12, fill: DiagramStyle.note))
        return svgDocument(width: 800, height: notes + 36, body: body)
    }
}
