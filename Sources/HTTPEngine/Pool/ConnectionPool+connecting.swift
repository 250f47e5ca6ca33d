import CLinuxSystem
import Glibc

/// Opening connections: the host lookup, a connect to each address in turn, and handing the
/// connection to the request (or, for a shared pool, the requests) it was opened for.
extension ConnectionPool {
    /// Opens a connection for the request `identifier`, trying the host's addresses in
    /// turn; if that request stopped waiting meanwhile (its `deadline` passed, or it was
    /// cancelled), the new connection goes to the next waiter, the idle list or the open list.
    func openConnection(for identifier: UInt64, deadline: UInt64, _ completion: @escaping Completion) {
        awaitConnect(identifier: identifier, deadline: deadline, completion)
        connectsStarted += 1
        if case .shared = settings.sharing { joinableConnect = identifier }
        lookupsPending += 1
        // Set by the answer or by the lookup time-out, whichever comes first; the other does nothing.
        var isAnswered = false
        var lookupTimer: EventLoopTimer?
        resolver.addresses(for: upstream) { [self] answer in
            guard !isAnswered else { return }
            isAnswered = true
            if let lookupTimer { loop.cancelTimer(lookupTimer) }
            lookupsPending -= 1
            switch answer {
            case .failure(let error):
                finishConnect(for: identifier, .failure(error))
                poolMayBeUnused()
            case .success(let addresses):
                // Gave up (or shut down) during the lookup: no connect for nobody.
                guard isConnectAwaited(identifier), !isShutDown else {
                    finishConnect(for: identifier, .failure(HTTPEngineError.shutDown))
                    poolMayBeUnused()
                    return
                }
                connect(to: addresses[...], for: identifier)
            }
        }
        // Numeric hosts and cached names are answered at once; only a real lookup needs a bound.
        if !isAnswered, let limit = settings.lookupTimeout {
            lookupTimer = loop.scheduleTimer(after: limit) { [self] in
                guard !isAnswered else { return }
                // The lookup thread runs on, but no longer holds a place under the cap.
                isAnswered = true
                lookupsPending -= 1
                finishConnect(for: identifier, .failure(.connectTimeout(to: upstream.description, limit: limit)))
                poolMayBeUnused()
            }
        }
    }

    /// Lets a request of a shared pool wait on the connect `connect` while it has room; false
    /// when it has none (the request then opens a connection of its own or fails).
    func joinConnect(_ connect: UInt64, identifier: UInt64, deadline: UInt64, _ completion: @escaping Completion) -> Bool {
        guard case .shared(let maxRequests) = settings.sharing, (joiners[connect]?.count ?? 0) + 1 < maxRequests else { return false }
        joiners[connect, default: []].append(identifier)
        awaitConnect(identifier: identifier, deadline: deadline, completion)
        return true
    }

    /// Records a request waiting for a connect; past its `deadline` it fails with `.requestTimeout`.
    func awaitConnect(identifier: UInt64, deadline: UInt64, _ completion: @escaping Completion) {
        pendingConnects[identifier] = completion
        guard deadline != 0 else { return }
        // Left to fire even when the connect finished first (it then finds nothing):
        // connects are rare next to reuses, and cancelling would need the timer kept per request.
        _ = loop.scheduleTimer(atNanoseconds: deadline) { [self] in
            guard let completion = pendingConnects.removeValue(forKey: identifier) else { return }
            completion(.failure(HTTPEngineError.requestTimeout))
            if isDraining { closeAbandonedConnects() }
        }
    }

    /// Whether a request still waits for the connect made for `identifier`.
    func isConnectAwaited(_ identifier: UInt64) -> Bool {
        pendingConnects[identifier] != nil || joiners[identifier, default: []].contains { pendingConnects[$0] != nil }
    }

    /// Connects to the first address; a refused or failed connect moves on to the next.
    func connect(to addresses: ArraySlice<SocketAddress>, for identifier: UInt64) {
        startConnect(to: addresses.first!) { [self] result in
            if case .failure(let error) = result, error.isConnectFailure, addresses.count > 1,
               isConnectAwaited(identifier), !isShutDown {
                connect(to: addresses.dropFirst(), for: identifier)
                return
            }
            if case .failure(let error) = result { settings.observer?.upstreamConnectFailed(upstream.description, error: error) }
            finishConnect(for: identifier, result)
        }
    }

    /// Starts a non-blocking connect to `address`; `completion` runs on the loop with the
    /// connected connection or the reason it failed. A registered socket counts against the
    /// cap from here until `connectionClosed`.
    func startConnect(to address: SocketAddress, completion: @escaping (Result<Connection, HTTPEngineError>) -> Void) {
        let connection = Connection(pool: self)
        let isConnected: Bool
        do {
            isConnected = try connection.core.startConnect(to: address, on: loop, handler: connection)
        } catch {
            // Never registered and never armed a timer: dropping the connection is enough.
            completion(.failure(connectError(errorNumber: error.errorNumber)))
            return
        }
        connection.connectCompletion = completion
        connections.append(connection)
        if isConnected {
            connection.finishConnect()
        } else {
            connection.afterEvent()
        }
    }

    /// Hands the outcome of the connect made for `identifier` to every request still waiting on
    /// it; a connection nobody waits for any more serves the pool instead.
    func finishConnect(for identifier: UInt64, _ result: Result<Connection, HTTPEngineError>) {
        if joinableConnect == identifier { joinableConnect = nil }
        var completions: [Completion] = []
        if let completion = pendingConnects.removeValue(forKey: identifier) { completions.append(completion) }
        for joiner in joiners.removeValue(forKey: identifier) ?? [] {
            if let completion = pendingConnects.removeValue(forKey: joiner) { completions.append(completion) }
        }
        switch result {
        case .failure(let error):
            recordConnectFailure(error)
            for completion in completions { completion(.failure(error)) }
        case .success(let connection):
            switch settings.sharing {
            case .leased:
                guard let completion = completions.first else { return release(connection) }
                completion(.success(connection))
            case .shared:
                if !completions.isEmpty { reservedPlaces[ObjectIdentifier(connection), default: 0] += completions.count }
                for completion in completions { completion(.success(connection)) }
                // The requesters resume as jobs of this turn and queue their requests; only
                // then may a draining pool close the connection once they are answered.
                if isDraining { loop.runAtEndOfTurn { connection.closeWhenDrained() } }
            }
        }
    }
}
