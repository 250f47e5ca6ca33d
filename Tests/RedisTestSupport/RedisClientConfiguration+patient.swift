import RedisClient

extension RedisClientConfiguration {
    /// Time-outs no test may hit unless it is about them: CI runs the tests loaded and sanitized,
    /// where the defaults' 1 s was exceeded by a plain round trip and by a first call that
    /// connects and loads a script.
    public static let patient = RedisClientConfiguration(connectTimeout: .seconds(30), commandTimeout: .seconds(30))
}
