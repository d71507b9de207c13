import Foundation

/// An error (or note) tied to a place in the user's input, printed as `FILE:LINE:COL: error: MESSAGE`.
public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning, note }

    public var severity: Severity
    public var location: SourceLocation?
    public var message: String

    public init(_ message: String, at location: SourceLocation?, severity: Severity = .error) {
        self.message = message
        self.location = location
        self.severity = severity
    }

    /// The diagnostic in the compiler's shape; `origin` is a file name, or nil for interactive input.
    public func rendered(origin: String?) -> String {
        var prefix = ""
        if let origin { prefix += origin + ":" }
        if let location { prefix += "\(location.line):\(location.column):" }
        if !prefix.isEmpty { prefix += " " }
        return "\(prefix)\(severity.rawValue): \(message)"
    }

    public var description: String { rendered(origin: nil) }
}
