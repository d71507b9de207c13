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

/// What caps, list and suggest do (their work lives in `Interpreter+Probes.swift`).
enum KernelExecutors {
    static let all = [caps, list, suggest]

    static let caps = CommandExecutor.succeeding("caps") { interpreter, _ in
        interpreter.showCapabilities()
    }

    static let list = CommandExecutor.succeeding("list") { interpreter, command in
        guard case .list(let pattern, let verbose) = command.kind else { throw command.kindMismatch }
        if pattern == "specs" {
            interpreter.emit(.table(ResultTable(columns: ["name", "spec", "duration", "description"], rows: BuiltinSpec.all.map {
                [.string($0.name), .string($0.spec), .string($0.duration.description), .string($0.description)]
            })))
            return
        }
        if let pattern, pattern.hasPrefix("u:") {
            try interpreter.listUserFunctions(String(pattern.dropFirst(2)), at: command.location)
            return
        }
        try interpreter.listTracepoints(pattern, verbose: verbose, at: command.location)
    }

    static let suggest = CommandExecutor.succeeding("suggest") { interpreter, command in
        guard case .suggest(let text, let add) = command.kind else { throw command.kindMismatch }
        let table = ProbeSuggester.table(for: text)
        guard !table.rows.isEmpty else {
            throw Diagnostic("no suggestions for '\(text)'; try words like file, network, process, memory, disk, signal, cpu", at: command.location)
        }
        interpreter.emit(.table(table))
        if add { try interpreter.addSuggestedProbes(for: text, at: command.location) }
    }
}
