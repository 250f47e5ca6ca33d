/// One Redis command: its name and arguments, as text or as bytes.
///
/// Text arguments cost no allocation of their own when short (Swift keeps strings of up to 15
/// UTF-8 bytes inline), so a rate-limit decision's command is one array; binary arguments are
/// for values that are not text.
public struct RedisCommand: Sendable {
    enum Arguments: Sendable {
        case text([String])
        case binary([[UInt8]])
    }

    let arguments: Arguments

    /// A command from text arguments, the name first: `RedisCommand(["GET", "key"])`.
    public init(_ arguments: [String]) {
        precondition(!arguments.isEmpty, "a Redis command needs at least its name")
        self.arguments = .text(arguments)
    }

    /// A command from binary arguments, the name first.
    public init(bytes arguments: [[UInt8]]) {
        precondition(!arguments.isEmpty, "a Redis command needs at least its name")
        self.arguments = .binary(arguments)
    }

    /// Appends the command in RESP2.
    func encode(into buffer: inout [UInt8]) {
        switch arguments {
        case .text(let text): RESPEncoder.encodeCommand(text.lazy.map(\.utf8), into: &buffer)
        case .binary(let bytes): RESPEncoder.encodeCommand(bytes, into: &buffer)
        }
    }
}
