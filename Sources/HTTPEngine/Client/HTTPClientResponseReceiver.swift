/// Gets the outcome of an exchange started with `HTTPClient.start(_:for:)`: the form of
/// `start(_:completion:)` for an object that already holds what handling the outcome needs.
///
/// A proxy forwarding a request keeps its state in one object per request anyway; handing that
/// object over saves the closure context `start(_:completion:)` allocates per request.
public protocol HTTPClientResponseReceiver: AnyObject {
    /// The response head, or why there is none; called once, on the loop the exchange started
    /// on, at the end of a turn (never inside `start`), unless the exchange was cancelled first.
    /// The outcome is the receiver's own: a response head edited in place copies nothing.
    func received(_ outcome: consuming Result<HTTPClientResponse, any Error>)
}
