/// JSON string literals, for the few JSON texts the stage writes by hand (error bodies, log lines).
///
/// Foundation's `JSONEncoder` was the rejected alternative: a 429 body is built on the path a flood
/// of refused requests takes, and an encoder plus `Data` per response costs more than the response.
public enum JSONString {
    /// `text` as a JSON string literal with its quotes, escaping quotes, backslashes and control characters.
    public static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// `text` escaped for the inside of a JSON string literal (without the quotes).
    public static func escaped(_ text: String) -> String {
        String(quoted(text).dropFirst().dropLast())
    }
}
