import Foundation

/// The commands about runs: run, runs, stop, wait, events, top, stats, record, replay.
extension Interpreter {
    func startRun(_ request: RunRequest, at location: SourceLocation) throws {
        let recordingPath = pendingRecording
        pendingRecording = nil
        let run: Run
        do {
            run = try runs.start(request, graph: graph, catalog: catalog, recordTo: recordingPath)
        } catch var diagnostic as Diagnostic {
            diagnostic.location = diagnostic.location ?? location
            throw diagnostic
        }
        if request.background {
            emit(.message("run \(run.id) started in the background (\(run.duration)); 'runs', 'wait \(run.id)', 'stop \(run.id)'"))
            return
        }
        try finish(run, at: location)
    }

    /// Waits for a run in the foreground (Ctrl-C stops it), then reports it.
    func finish(_ run: Run, at location: SourceLocation) throws {
        runs.setForeground(run)
        defer { runs.setForeground(nil) }
        while !run.wait(timeout: 0.2) {
            progress?(run.status)
        }
        progress?(run.status)
        report(run)
        if let failure = run.status.failure {
            throw Diagnostic("run \(run.id) failed: \(failure)", at: location)
        }
    }

    /// What a finished run printed: JSON response objects, or a summary and the aggregations.
    func report(_ run: Run) {
        if format == .json {
            for response in RunReport.agentResponses(run) { emit(.document(response)) }
            return
        }
        let status = run.status
        let pipeline = run.pipeline
        var summary = "run \(run.id) \(status.state.rawValue): \(pipeline.statistics.totalEvents) events in "
            + String(format: "%.2f s (%.1f/s)", status.elapsed, status.eventsPerSecond)
            + ", \(pipeline.statistics.lostEvents) lost"
        if pipeline.store.dropped > 0 { summary += ", \(pipeline.store.dropped) oldest dropped from memory (max-events)" }
        if pipeline.statistics.filteredOut > 0 { summary += ", \(pipeline.statistics.filteredOut) filtered in user space" }
        if let code = run.commandExitCode { summary += "; command exited with status \(code)" }
        emit(.message(summary))
        for aggregation in pipeline.aggregations {
            emit(.text(RunReport.aggregationText(aggregation)))
        }
    }

    func listRuns() {
        let rows: [[JSONValue]] = runs.all.map { run in
            let status = run.status
            return [.int(Int64(run.id)), .string(status.state.rawValue), .double((status.elapsed * 100).rounded() / 100),
                    .int(status.events), .int(status.lostEvents), .string(run.command.joined(separator: " ")), .string(status.failure ?? "")]
        }
        emit(.table(ResultTable(columns: ["id", "state", "elapsed_s", "events", "lost", "command", "failure"], rows: rows)))
    }

    func selectRun(_ id: Int?, active: Bool, at location: SourceLocation) throws -> Run {
        if let id {
            guard let run = runs.run(id: id) else { throw Diagnostic("no run \(id) ('runs' lists them)", at: location) }
            return run
        }
        guard let run = active ? runs.latestActive : runs.latestFinished ?? runs.all.last else {
            throw Diagnostic(active ? "no run is active" : "no run yet; start one with 'run'", at: location)
        }
        return run
    }

    func showEvents(limit: Int?, condition: Expression?, at location: SourceLocation) throws {
        let run = try selectRun(nil, active: false, at: location)
        var events = run.pipeline.store.events
        if let condition {
            try EventEvaluator.check(condition)
            let evaluator = EventEvaluator(probes: run.program.probes)
            events = events.filter { evaluator.matches($0, condition) }
        }
        if let limit { events = Array(events.prefix(limit)) }
        emit(.table(RunReport.eventsTable(events, program: run.program, format: format)))
    }

    func showTop(limit: Int?, at location: SourceLocation) throws {
        let run = try selectRun(nil, active: false, at: location)
        emit(.table(RunReport.topTable(run.pipeline.statistics, limit: limit ?? 10)))
    }

    func showStatistics(at location: SourceLocation) throws {
        let run = try selectRun(nil, active: false, at: location)
        if format == .json {
            emit(.document(RunReport.statisticsJSON(run.pipeline.statistics, duration: run.status.elapsed)))
        } else {
            emit(.table(RunReport.statisticsTable(run)))
        }
    }

    func replay(_ path: String, at location: SourceLocation) throws {
        do {
            let run = try runs.replay(path, maxEvents: Settings.maxEvents(graph)) { warn($0, at: location) }
            report(run)
        } catch var diagnostic as Diagnostic {
            diagnostic.location = diagnostic.location ?? location
            throw diagnostic
        } catch let error as FileError {
            throw error.diagnostic(at: location)
        }
    }
}
