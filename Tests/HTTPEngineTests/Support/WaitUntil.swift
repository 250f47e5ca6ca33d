/// Polls `condition` until it holds or `deadline` passes; whether it held.
func waitUntil(deadline: ContinuousClock.Instant, _ condition: () -> Bool) async -> Bool {
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return true
}

/// Polls an asynchronous `condition` (e.g. one read on an event loop) until it holds or `deadline` passes.
func waitUntil(deadline: ContinuousClock.Instant, _ condition: () async -> Bool) async -> Bool {
    while !(await condition()) {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return true
}
