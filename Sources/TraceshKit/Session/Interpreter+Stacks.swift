import Foundation
import TraceshModel
import TraceshFiles
import TraceshOutput

/// `save FILE.folded`, `save FILE.svg`: a run's stacks.
enum StackExport {
    case folded, svg

    init?(path: String) {
        switch (path as NSString).pathExtension.lowercased() {
        case "folded": self = .folded
        case "svg": self = .svg
        default: return nil
        }
    }
}

extension Interpreter {
    /// The run's first aggregation keyed by a stack.
    func stackAggregation(_ run: Run, at location: SourceLocation) throws -> AggregationResult {
        guard let result = run.pipeline.aggregations.first(where: { FoldedStacks.hasStack($0.aggregation) }) else {
            throw Diagnostic("run \(run.id) has no aggregation keyed by a stack; add one with 'agg count by ustack' (or kstack) and run again", at: location)
        }
        return result
    }

    /// `save FILE.folded|svg [from ID]`.
    func saveStacks(from id: Int?, as format: StackExport, to path: String, at location: SourceLocation) throws {
        let run = try selectRun(id, active: false, at: location)
        guard run.status.state.isFinished else {
            throw Diagnostic("run \(run.id) is still going; 'wait \(run.id)' or 'stop \(run.id)' first", at: location)
        }
        let result = try stackAggregation(run, at: location)
        let target = UserPath.expand(path)
        let text: String
        switch format {
        case .folded: text = FoldedStacks.text(result)
        case .svg:
            let probes = run.program.probes.map { "\($0.name) = \($0.function)" }.joined(separator: ", ")
            let command = run.command.isEmpty ? "" : " -- " + run.command.joined(separator: " ")
            text = FlameGraphSVG.render(result, title: "run \(run.id)\(command): \(probes): agg \(result.title)")
        }
        do {
            try SafeFile.write(Array(text.utf8), to: target)
        } catch {
            throw error.diagnostic(at: location)
        }
        emit(.message("saved \(FoldedStacks.entries(result).count) stacks of run \(run.id) (agg \(result.title)) to \(target)"))
    }

    /// `top stacks [N] [from ID]`.
    func showTopStacks(limit: Int?, from id: Int?, at location: SourceLocation) throws {
        let run = try selectRun(id, active: false, at: location)
        let result = try stackAggregation(run, at: location)
        emit(.text("agg \(result.title): the \(min(limit ?? 10, FoldedStacks.entries(result).count)) heaviest stacks\n" + FoldedStacks.tree(result, limit: limit ?? 10)))
    }
}
