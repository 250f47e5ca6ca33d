import V3RateLimitMiddleware

/// The rate-limit headers one client sees over a burst, from stage 3's limiter and its `RateLimitFields`.
///
/// Stage 3's `KeyedRateLimiter` decides each request at its simulated instant and
/// `RateLimitFields`, the type the middleware turns into headers, gives the numbers a response
/// carries. The client sends a burst of 8 in 0.7 s, then one request every half second (twice
/// the rate) from 3 s to 8 s, against 5 per bucket at 1 token/s.
struct HeaderTimeline {
    /// One response: when, its status, and the header values it carried.
    struct Response: Hashable {
        var time: Double
        var status: Int
        var remaining: Int
        var resetSeconds: Int64
        var nextQuotaSeconds: Int64?
        var retryAfterSeconds: Int64
    }

    static let capacity = 5
    static let end = 10.0

    /// The request times: the burst, then the paced requests.
    static var requestTimes: [Double] {
        (0..<8).map { 1 + Double($0) / 10 } + stride(from: 3.0, through: 8.0, by: 0.5).map { $0 }
    }

    /// Every response, decided by stage 3's limiter in request order.
    static func responses() -> [Response] {
        // A valid constant limit: 5 at 1 token/s cannot be refused.
        let limiter = KeyedRateLimiter<String>(limit: try! BucketLimit(capacity: capacity, refillRatePerSecond: 1))
        return requestTimes.map { time in
            let decision = limiter.consume(key: "client", at: MonotonicInstant(nanoseconds: Duration.seconds(rounding: time).nanosecondCount))
            let fields = RateLimitFields(decision)
            return Response(time: time, status: decision.isAllowed ? 200 : 429, remaining: fields.remaining,
                            resetSeconds: fields.resetSeconds, nextQuotaSeconds: fields.nextQuotaSeconds,
                            retryAfterSeconds: fields.retryAfterSeconds)
        }
    }

    let plotLeft = 70.0
    let plotRight = 770.0

    /// The timeline as an SVG document: status, remaining, then the waits in seconds.
    func svg() -> String {
        let responses = Self.responses()
        let timeScale = Scale(low: plotLeft, high: plotRight, minimum: 0, maximum: Self.end)
        var body = heading("Stage 3: the headers one client sees over a burst (capacity 5, 1 token/s)", notes: [
            "8 requests in 0.7 s, then one every 0.5 s; each dot is one response, computed by stage 3's limiter and RateLimitFields.",
        ])
        var top = 82.0
        // Status: two rows, 200 above 429.
        body.append(text("status", x: plotLeft, y: top - 8, size: 13, weight: "bold"))
        for (label, y, colour) in [("200", top + 12, SimulationChart.admittedColour), ("429", top + 34, SimulationChart.refusedColour)] {
            body.append(text(label, x: plotLeft - 8, y: y + 4, size: 11, anchor: "end", fill: colour))
            body.append(line(x1: plotLeft, y1: y, x2: plotRight, y2: y, stroke: "#eeeeee"))
        }
        for response in responses {
            let y = response.status == 200 ? top + 12 : top + 34
            body.append(circle(x: timeScale.position(response.time), y: y, fill: Self.colour(of: response)))
        }
        top += 78
        body += panel(title: "X-RateLimit-Remaining (= RateLimit r): whole tokens left after the response", top: top, maximum: 5,
                      points: responses.map { ($0.time, Double($0.remaining), Self.colour(of: $0)) }, timeScale: timeScale)
        top += 160
        let waits = responses.map { ($0.time, Double($0.resetSeconds), "#4e79a7") }
            + responses.filter { $0.status == 429 }.map { ($0.time, Double($0.retryAfterSeconds), SimulationChart.refusedColour) }
        body += panel(title: "Seconds: X-RateLimit-Reset (blue, until the bucket is full), Retry-After on a 429 (red, = t)", top: top,
                      maximum: 6, points: waits, timeScale: timeScale)
        let axis = top + 120
        body += secondsAxis(at: axis, scale: timeScale, end: Self.end, step: 1)
        return svgDocument(width: 800, height: axis + 48, body: body)
    }

    /// A panel of dots over integer gridlines from 0 to `maximum`, 120 px high, under its title.
    private func panel(title: String, top: Double, maximum: Double, points: [(Double, Double, String)], timeScale: Scale) -> [String] {
        let bottom = top + 120
        let valueScale = Scale(low: bottom, high: top, minimum: 0, maximum: maximum)
        var shapes = [
            text(title, x: plotLeft, y: top - 10, size: 13, weight: "bold"),
            line(x1: plotLeft, y1: top, x2: plotLeft, y2: bottom, stroke: "#444444"),
        ]
        for tick in stride(from: 0.0, through: maximum, by: 1) {
            let y = valueScale.position(tick)
            shapes.append(line(x1: plotLeft, y1: y, x2: plotRight, y2: y, stroke: tick == 0 ? "#bbbbbb" : "#eeeeee"))
            shapes.append(text(ResultsTable.number(tick), x: plotLeft - 8, y: y + 4, size: 11, anchor: "end", fill: "#444444"))
        }
        for (time, value, colour) in points {
            shapes.append(circle(x: timeScale.position(time), y: valueScale.position(value), fill: colour))
        }
        return shapes
    }

    private static func colour(of response: Response) -> String {
        response.status == 200 ? SimulationChart.admittedColour : SimulationChart.refusedColour
    }
}
