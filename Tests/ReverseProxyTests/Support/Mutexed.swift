import HTTPEngine
@testable import ReverseProxy

/// The engine's TSan-annotated lock, under the name the fixtures use.
typealias Mutexed = Locked
