import HTTPEngine

/// Who decided without the store, as `X-RateLimit-Degraded` tells the client: the one rule both
/// limiter middlewares mark their answers by.
enum Degradation: Sendable {
    /// The store decided (or, failing closed, nobody did): no marker.
    case none
    /// The store failed and the policy let the request through unlimited.
    case failOpen
    /// The store failed and the local fallback limiter decided.
    case fallback

    /// The marker's field name.
    static let fieldName = "X-RateLimit-Degraded"

    /// Marks `headers` of a response decided without the store, so clients and logs can see it.
    func mark(_ headers: inout HTTPHeaders) {
        switch self {
        case .none: break
        case .failOpen: headers.replaceOrAdd(name: Self.fieldName, value: "fail-open")
        case .fallback: headers.replaceOrAdd(name: Self.fieldName, value: "fallback")
        }
    }
}

extension PolicyDecision {
    /// Who decided, as the response's degraded marker tells it.
    var degradation: Degradation {
        switch self {
        case .decided, .failedClosed: .none
        case .failedOpen: .failOpen
        case .fellBack: .fallback
        }
    }
}
