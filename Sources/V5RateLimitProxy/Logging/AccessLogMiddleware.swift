import Foundation
import HTTPEngine
import V5ProductionLimiter

/// One JSON line per request on stdout: time, request ID, method, path, status, policy, decision,
/// key (an address, or a keyed hash of the API key — never the key), latency.
///
/// Runs outside the limiter, so it logs refusals too, and reads what the limiter decided from the
/// request context after the inner layers return. Lines go out through `writer`, off the loops.
struct AccessLogMiddleware: HTTPMiddleware {
    let writer: AccessLogWriter

    func handle(_ request: HTTPRequest, next: any HTTPHandler) async throws -> HTTPResponse {
        let started = ContinuousClock.now
        let response = try await next.handle(request)
        log(request, response, since: started)
        return response
    }

    // A refusal made on the spot is logged here; a nil answer is logged by `handle` later.
    func respondImmediately(to request: inout HTTPRequest, next: any HTTPHandler) -> HTTPResponse? {
        let started = ContinuousClock.now
        guard let response = next.respondImmediately(to: &request) else { return nil }
        log(request, response, since: started)
        return response
    }

    // An answer given later (the proxy's upstream exchange without a task) is logged when it comes.
    func respondLater(to request: HTTPRequest, with responder: HTTPResponder, next: any HTTPHandler) -> Bool {
        let started = ContinuousClock.now
        return next.respondLater(to: request, with: responder.mappingResponse { response in
            log(request, response, since: started)
            return response
        })
    }

    private func log(_ request: HTTPRequest, _ response: HTTPResponse, since started: ContinuousClock.Instant) {
        var line = JSONLine(event: "request")
        line.add("request_id", request.context?.requestID?.description ?? "")
        line.add("method", request.method.rawValue)
        line.add("path", request.path)
        line.add("status", response.status.code)
        let outcome = request.context?[RateLimitOutcomeKey.self]
        line.add("policy", outcome?.policy ?? "")
        line.add("decision", outcome?.decision ?? "")
        line.add("key", outcome?.key ?? "")
        line.add("latency_ms", milliseconds: .now - started)
        writer.append(line.bytes)
    }
}
