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

/// What the session does for one declared command, keyed by the declaration's name (the
/// parser lives in Language, execution here; a test checks that every declaration has one).
struct CommandExecutor: Sendable {
    let keyword: String
    let execute: @Sendable (Interpreter, Command) throws -> Interpreter.Outcome

    init(_ keyword: String, _ execute: @escaping @Sendable (Interpreter, Command) throws -> Interpreter.Outcome) {
        self.keyword = keyword
        self.execute = execute
    }

    /// An executor for a command that always succeeds when it returns.
    static func succeeding(_ keyword: String, _ body: @escaping @Sendable (Interpreter, Command) throws -> Void) -> CommandExecutor {
        CommandExecutor(keyword) { interpreter, command in
            try body(interpreter, command)
            return .success
        }
    }
}

/// Every command's executor, by keyword.
enum CommandExecutors {
    static let byKeyword: [String: CommandExecutor] = Dictionary(
        uniqueKeysWithValues: (GraphExecutors.all + RunExecutors.all + SessionExecutors.all + KernelExecutors.all).map { ($0.keyword, $0) })
}

extension Command {
    /// The error for an executor handed a command of another kind: a registry bug, not the user's.
    var kindMismatch: Diagnostic {
        Diagnostic("internal error: the executor of '\(keyword)' cannot run \(kind)", at: location)
    }
}
