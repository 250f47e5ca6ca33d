import CLinuxSystem
import Glibc

/// A failed system call: the operation name and `errno`.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var errorNumber: Int32

    public init(_ operation: String, errorNumber: Int32 = cls_errno()) {
        self.operation = operation
        self.errorNumber = errorNumber
    }

    public var description: String {
        "\(operation) failed: \(String(cString: strerror(errorNumber))) (errno \(errorNumber))"
    }
}
