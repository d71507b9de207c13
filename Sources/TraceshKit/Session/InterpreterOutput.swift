import TraceshModel
import TraceshFiles
import TraceshKernel
import TraceshLanguage
import TraceshSuggest
import TraceshSemantics
import TraceshPlan
import TraceshRuntime
import TraceshAnalysis
import TraceshOutput
import TraceshExport

/// Where an interpreter sends what it prints; the front end decides about terminals and carets.
public protocol InterpreterOutput: AnyObject {
    /// A rendered result, already in the session's output format (no trailing newline).
    func write(_ text: String)
    /// An error or note. `origin` is the script's file name (nil for interactive input) and
    /// `sourceLine` the text of the line the diagnostic points into, for a caret display.
    func report(_ diagnostic: Diagnostic, origin: String?, sourceLine: String?)
    /// The descriptor of this process that a traced command (`run -- COMMAND`) writes its
    /// standard output to when the run does not redirect it. It must not be where results
    /// go unless that is a terminal, or JSON and CSV results would mix with the command's text.
    var commandOutputDescriptor: Int32 { get }
}

extension InterpreterOutput {
    /// Standard error: results on standard output stay parseable.
    public var commandOutputDescriptor: Int32 { 2 }
}

/// Collects output in memory; for tests and for embedding tracesh in another program.
public final class CollectingOutput: InterpreterOutput {
    public private(set) var lines: [String] = []
    public private(set) var diagnostics: [String] = []

    public init() {}

    public func write(_ text: String) { lines.append(text) }

    public func report(_ diagnostic: Diagnostic, origin: String?, sourceLine: String?) {
        diagnostics.append(diagnostic.rendered(origin: origin))
    }

    public var text: String { lines.joined(separator: "\n") }
}
