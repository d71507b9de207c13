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

/// What probe, filter, agg and drop do to the session graph.
enum GraphExecutors {
    static let all = [probe, filter, agg, drop]

    static let probe = CommandExecutor.succeeding("probe") { interpreter, command in
        switch command.kind {
        case .probe(let name, let spec):
            try interpreter.addProbe(name: name, spec: spec, at: command.location)
        case .useProbe(let name, let builtin):
            try interpreter.addBuiltinProbe(builtin, name: name, at: command.location)
        default:
            throw command.kindMismatch
        }
    }

    static let filter = CommandExecutor.succeeding("filter") { interpreter, command in
        guard case .filter(let filter) = command.kind else { throw command.kindMismatch }
        try interpreter.checkProbeScope(filter.probe, at: command.location)
        try interpreter.applyIfItChecks(at: command.location) { $0.filters.append(filter) }
    }

    static let agg = CommandExecutor.succeeding("agg") { interpreter, command in
        guard case .agg(let aggregation) = command.kind else { throw command.kindMismatch }
        try interpreter.checkProbeScope(aggregation.probe, at: command.location)
        try interpreter.applyIfItChecks(at: command.location) { $0.aggregations.append(aggregation) }
    }

    static let drop = CommandExecutor.succeeding("drop") { interpreter, command in
        guard case .drop(let name) = command.kind else { throw command.kindMismatch }
        try interpreter.dropProbe(name, at: command.location)
    }
}
