import Foundation
import Synchronization
import TraceshKit

/// The interactive shell: prompts, `\` continuation lines, history, completion, Ctrl-C and Ctrl-D.
struct REPL {
    let interpreter: Interpreter
    let output: TerminalOutput

    /// Whether the shell is reading input (Ctrl-C then clears the line instead of exiting).
    static let active = Atomic<Bool>(false)

    func run() {
        Self.active.store(true, ordering: .sequentiallyConsistent)
        defer { Self.active.store(false, ordering: .sequentiallyConsistent) }
        let editor = LineEditor(historyPath: LineEditor.defaultHistoryPath()) { [interpreter] text in
            Completer.complete(text, graph: interpreter.graph, catalog: interpreter.catalog)
        }
        var pending: [String] = []
        while true {
            // A background run that ended says so before the prompt, as a shell reports a job.
            if pending.isEmpty { interpreter.reportFinishedRuns() }
            let prompt = pending.isEmpty ? "tracesh> " : "...> "
            switch editor.readLine(prompt: prompt) {
            case .interrupted:
                pending = []
                continue
            case .endOfInput:
                writeAll(STDOUT_FILENO, Array("\n".utf8))
                interpreter.stopActiveRuns()
                return
            case .line(let line):
                pending.append(line)
                if ScriptSplitter.continues(line) { continue }
                let entry = pending.joined(separator: "\n")
                pending = []
                editor.remember(entry)
                // A Ctrl-C that came while the shell waited for input belongs to that input.
                interpreter.runs.clearInterrupt()
                // Diagnostics count lines within the entry: 1:COL for a one-line command.
                if interpreter.run(source: entry, origin: nil) == .quit {
                    interpreter.stopActiveRuns()
                    return
                }
            }
        }
    }
}
