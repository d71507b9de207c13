import Foundation
import TraceshModel

/// A file that could not be read or written, with the reason in the words a user needs
/// ("cannot write '/tmp/d': it is a directory"), never a Foundation error domain and code.
public struct FileError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Operation: String, Sendable { case read, write }

    public var operation: Operation
    public var path: String
    public var reason: String

    public init(_ operation: Operation, _ path: String, reason: String) {
        self.operation = operation
        self.path = path
        self.reason = reason
    }

    /// A failed system call, described by its errno value ("No such file or directory").
    public init(_ operation: Operation, _ path: String, errno code: Int32) {
        self.init(operation, path, reason: String(cString: strerror(code)))
    }

    public var description: String { "cannot \(operation.rawValue) '\(path)': \(reason)" }

    /// The error as a diagnostic at `location`.
    public func diagnostic(at location: SourceLocation?) -> Diagnostic { Diagnostic(description, at: location) }
}
