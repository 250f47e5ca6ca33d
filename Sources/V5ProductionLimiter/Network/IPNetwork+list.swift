import IPAddressing

/// Network lists as written in configuration values.
extension IPNetwork {
    /// Parses a comma-separated list of networks, as found in a trusted-proxy configuration value.
    ///
    /// Throws naming the first entry that is not a network, so a typo in a trusted-proxy list
    /// stops the server instead of silently trusting nothing (or the wrong thing).
    public static func list(parsing text: String) throws(RateLimitConfigurationError) -> [IPNetwork] {
        var networks: [IPNetwork] = []
        for entry in text.split(separator: ",") {
            let trimmed = entry.trimmingCharacters(in: " \t")
            guard !trimmed.isEmpty else { continue }
            guard let network = IPNetwork(trimmed) else { throw .invalidNetwork(trimmed) }
            networks.append(network)
        }
        return networks
    }
}

extension Substring {
    /// The text without leading and trailing characters from `characters`.
    fileprivate func trimmingCharacters(in characters: String) -> String {
        let kept = drop { characters.contains($0) }
        return String(kept.reversed().drop { characters.contains($0) }.reversed())
    }
}
