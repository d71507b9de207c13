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
            Completer.complete(text, graph: interpreter.graph)
        }
        var pending: [String] = []
        while true {
            let prompt = pending.isEmpty ? "tracesh> " : "...> "
            switch editor.readLine(prompt: prompt) {
            case .interrupted:
                pending = []
                continue
            case .endOfInput:
                FileHandle.standardOutput.write(Data("\n".utf8))
                return
            case .line(let line):
                pending.append(line)
                if ScriptSplitter.continues(line) { continue }
                let entry = pending.joined(separator: "\n")
                pending = []
                editor.remember(entry)
                // Diagnostics count lines within the entry: 1:COL for a one-line command.
                if interpreter.run(source: entry, origin: nil) == .quit { return }
            }
        }
    }
}
