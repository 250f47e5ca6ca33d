/// Stage 3's request path through `RateLimitMiddleware`: a key, one token, then the handler or an answer of its own.
///
/// Drawn from the middleware's contract as the walkthrough states it (the statuses and which
/// steps spend a token); the middleware itself is exercised by stage 3's tests, not here.
struct MiddlewarePathDiagram {
    /// The diagram as an SVG document.
    func svg() -> String {
        var body = heading("Stage 3: one request through RateLimitMiddleware", notes: [
            "The decision is taken before the handler runs; its fields describe the bucket at that instant.",
        ])
        let row = 80.0
        let height = 64.0
        let middle = row + height / 2
        body += box(x: 20, y: row, width: 100, height: height, lines: ["client", "GET /search"])
        body += box(x: 160, y: row, width: 170, height: height, lines: ["key extractor", ".apiKey(), else", ".clientAddress"])
        body += box(x: 370, y: row, width: 170, height: height, lines: ["KeyedRateLimiter", "spend 1 token of", "the key's bucket"])
        body += box(x: 580, y: row, width: 200, height: height, lines: ["next handler", "(your API), its response", "+ rate-limit fields"],
                    fill: DiagramStyle.admittedFill)
        body += arrow(x1: 120, y1: middle, x2: 160, y2: middle)
        body += arrow(x1: 330, y1: middle, x2: 370, y2: middle, label: "key", labelOffset: (0, -10), labelAnchor: "middle")
        body += arrow(x1: 540, y1: middle, x2: 580, y2: middle, label: "allowed", labelOffset: (0, -41), labelAnchor: "middle")

        // What the middleware answers itself, below the step that decides it.
        let answers = row + height + 70
        body += arrow(x1: 245, y1: row + height, x2: 245, y2: answers, label: "material unusable", labelOffset: (6, 0))
        body += box(x: 145, y: answers, width: 195, height: 74,
                    lines: ["400 Bad Request", "key_too_long, key_not_utf8…", "no token spent"], fill: DiagramStyle.warningFill)
        body += arrow(x1: 420, y1: row + height, x2: 420, y2: answers, label: "limited", labelOffset: (-6, 0), labelAnchor: "end")
        body += box(x: 350, y: answers, width: 140, height: 74,
                    lines: ["429 Too Many", "Retry-After: t", "fields, JSON body"], fill: DiagramStyle.refusedFill)
        body += arrow(x1: 490, y1: row + height, x2: 580, y2: answers, label: "table full, new key", labelOffset: (8, 0))
        body += box(x: 510, y: answers, width: 150, height: 74,
                    lines: ["503 Unavailable", "Retry-After: when room", "can appear"], fill: DiagramStyle.warningFill)
        let notes = answers + 104
        body.append(text("Fields on allowed and refused answers (default .both): X-RateLimit-Limit, -Remaining, -Reset (until full);",
                         x: 20, y: notes, size: 12, fill: DiagramStyle.note))
        body.append(text("RateLimit-Policy: \"default\";q=capacity;w=refill seconds and RateLimit: \"default\";r=remaining;t=next token.",
                         x: 20, y: notes + 18, size: 12, fill: DiagramStyle.note))
        body.append(text("The clock is a closure (a ManualClock in tests); the 429 and 503 never reach the handler.",
                         x: 20, y: notes + 36, size: 12, fill: DiagramStyle.note))
        return svgDocument(width: 800, height: notes + 56, body: body)
    }
}
