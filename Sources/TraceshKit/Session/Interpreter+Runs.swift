import Foundation
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

/// The commands about runs: run, runs, stop, wait, events, top, stats, record, replay.
extension Interpreter {
    func startRun(_ request: RunRequest, at location: SourceLocation) throws -> Outcome {
        let recordingPath = pendingRecording
        pendingRecording = nil
        let run: Run
        do {
            run = try runs.start(request, graph: graph, catalog: catalog, recordTo: recordingPath,
                                 commandOutput: output.commandOutputDescriptor, live: live && !request.background)
        } catch var diagnostic as Diagnostic {
            diagnostic.location = diagnostic.location ?? location
            throw diagnostic
        }
        noteCountedProbes(run.program, at: location)
        if request.background {
            emit(.message("run \(run.id) started in the background (\(run.duration)); 'runs', 'wait \(run.id)', 'stop \(run.id)'"))
            return .success
        }
        return try finish(run, at: location)
    }

    /// Says once per run which probes are counted in the kernel only, so that `events` being
    /// empty for them is no surprise (a note: results on standard output stay parseable).
    func noteCountedProbes(_ program: CompiledProgram, at location: SourceLocation) {
        let counted = program.countedProbes.map(\.name)
        guard !counted.isEmpty else { return }
        let names = counted.count == 1 ? "probe \(counted[0]) is" : "probes \(counted.joined(separator: ", ")) are"
        let why = Settings.streamMode(graph) == .off ? "stream is off" : "aggregations and no format string"
        output.report(Diagnostic("\(names) counted in the kernel only (\(why)): 'stats', 'top' and 'agg' results are exact, "
                                 + "'events' has none of \(counted.count == 1 ? "its" : "their") events; 'set stream on' streams them",
                                 at: location, severity: .note), origin: currentOrigin, sourceLine: nil)
    }

    /// Prints the intervals of `run ... every INTERVAL` completed since the last call.
    func reportIntervals(_ run: Run) {
        let keep = run.keepsIntervals
        for interval in run.takeIntervals() {
            if format == .json {
                emit(.document(IntervalReport.json(interval, run: run.id)))
            } else if format == .table, let intervalView {
                let renderer = Renderers.renderer(for: format)
                intervalView(run.id, interval.number, IntervalReport.results(interval, run: run.id, keep: keep).map(renderer.render).joined(separator: "\n"))
            } else {
                for result in IntervalReport.results(interval, run: run.id, keep: keep) { emit(result) }
            }
        }
    }

    /// Waits for the foreground run (Ctrl-C stops it and keeps what it collected), then reports it.
    func finish(_ run: Run, at location: SourceLocation) throws -> Outcome {
        defer { runs.setForeground(nil) }
        var view = run.isLive ? LiveView(program: run.program, format: format) : nil
        var wroteLive = false
        func showNewEvents() {
            guard var text = view?.take(from: run) else { return }
            // Above the status line: it is cleared first and redrawn by the next progress call.
            progress?(nil)
            if format == .csv {
                if !wroteLive && wroteCSVResult { text = "\n" + text }
                wroteCSVResult = true
            }
            wroteLive = true
            output.write(text)
        }
        while !run.wait(timeout: view == nil ? 0.2 : LiveView.pollInterval) {
            showNewEvents()
            progress?(run.status)
            reportIntervals(run)
        }
        showNewEvents()
        progress?(run.status)
        reportIntervals(run)
        // The events were shown as they came: the report does not repeat them.
        if run.claimReport() { report(run, eventsShown: view != nil) }
        if let failure = run.status.failure {
            throw Diagnostic("run \(run.id) failed: \(failure)", at: location)
        }
        return runs.isInterrupted ? .interrupted : .success
    }

    /// `wait [ID]`: waits for one run, or for every active run, and reports each as it finishes.
    /// Ctrl-C stops the waiting, not the runs.
    func waitForRuns(_ id: Int?, at location: SourceLocation) throws -> Outcome {
        let waited: [Run]
        if let id {
            waited = [try selectRun(id, active: false, at: location)]
        } else {
            waited = runs.active
            guard !waited.isEmpty else {
                emit(.message("no run is active"))
                return .success
            }
        }
        var failures: [String] = []
        for run in waited {
            while !run.wait(timeout: 0.1) {
                if runs.isInterrupted {
                    progress?(nil)
                    let going = waited.filter { !$0.status.state.isFinished }.map { String($0.id) }
                    emit(.message("stopped waiting; run\(going.count == 1 ? "" : "s") \(going.joined(separator: ", ")) still going ('stop ID' ends one)"))
                    return .interrupted
                }
                progress?(run.status)
                reportIntervals(run)
            }
            progress?(run.status)
            // A background run's intervals wait for 'wait' (the newest Pipeline.intervalLimit).
            reportIntervals(run)
            if run.claimReport() { report(run) }
            if let failure = run.status.failure { failures.append("run \(run.id) failed: \(failure)") }
        }
        if !failures.isEmpty { throw Diagnostic(failures.joined(separator: "; "), at: location) }
        return .success
    }

    /// Reports the background runs that finished since the last report (the shell calls this
    /// before each prompt).
    public func reportFinishedRuns() {
        for run in runs.all where run.status.state.isFinished && !run.isReported {
            if run.claimReport() { report(run) }
        }
    }

    /// The end of a batch: waits for the runs still going and reports them. A Ctrl-C while
    /// waiting stops them (their results are still reported). Returns whether any of them failed.
    @discardableResult
    public func finishActiveRuns() -> Bool {
        var failed = false
        for run in runs.all {
            while !run.wait(timeout: 0.1) {
                if runs.isInterrupted { run.stop() }
                progress?(run.status)
            }
            if run.claimReport() {
                report(run)
                if let failure = run.status.failure {
                    output.report(Diagnostic("run \(run.id) failed: \(failure)", at: nil), origin: nil, sourceLine: nil)
                    failed = true
                }
            }
        }
        if failed { anyFailure = true }
        return failed
    }

    /// Leaving the shell: stops the runs still going and says which, with what they collected.
    public func stopActiveRuns() {
        let going = runs.active
        guard !going.isEmpty else { return }
        emit(.message("stopping run\(going.count == 1 ? "" : "s") \(going.map { String($0.id) }.joined(separator: ", ")) before leaving"))
        for run in going { run.stop() }
        for run in going {
            run.wait()
            if run.claimReport() { report(run) }
        }
    }

    /// What a finished run printed: JSON response objects, or a summary and the aggregations.
    /// `eventsShown`: a live view printed the events already.
    func report(_ run: Run, eventsShown: Bool = false) {
        if format == .json {
            for response in RunReport.agentResponses(run.snapshot, eventsShown: eventsShown) { emit(.document(response)) }
            return
        }
        let status = run.status
        let pipeline = run.pipeline
        var summary = "run \(run.id) \(status.state.rawValue)"
        if let reason = Self.describe(run.stopReason, state: status.state) {
            summary += " (\(reason)\(run.traced || run.runner == nil ? "" : ", before tracing began"))"
        }
        summary += ": \(pipeline.statistics.totalEvents) events in "
            + String(format: "%.2f s (%.1f/s)", status.elapsed, status.eventsPerSecond)
            + ", \(pipeline.statistics.lostEvents) lost"
        if pipeline.store.dropped > 0 { summary += ", \(pipeline.store.dropped) oldest dropped from memory (max-events)" }
        if pipeline.statistics.filteredOut > 0 { summary += ", \(pipeline.statistics.filteredOut) filtered in user space" }
        if let ending = run.commandEnding { summary += "; " + Self.describe(ending) }
        emit(.message(summary))
        for aggregation in pipeline.aggregations {
            // Every other closing result of an interval run is the whole run's.
            if pipeline.lastIntervalOnly.contains(aggregation.map) {
                emit(.message("\(aggregation.aggregation.scopedBody) below is the last interval's: an average cannot be added up across intervals ('every INTERVAL keep' averages the whole run)"))
            }
            emit(.aggregation(aggregation))
        }
    }

    static func describe(_ reason: BpftraceRunner.StopReason?, state: Run.State) -> String? {
        guard state != .failed, let reason else { return nil }
        switch reason {
        case .deadline: return "duration reached"
        case .requested: return "stopped on request"
        case .commandExited: return "command exited"
        case .processesExited: return "the traced processes exited"
        case .bpftraceExited: return nil
        }
    }

    static func describe(_ ending: BpftraceRunner.CommandEnding) -> String {
        switch ending {
        case .exited(let code): return "command exited with status \(code)"
        case .terminated(let code): return "command still running at the end of the run, stopped with SIGTERM (status \(code))"
        case .killed: return "command ignored SIGTERM at the end of the run and was killed with SIGKILL after \(Int(BpftraceRunner.commandGrace)) s"
        case .neverStarted: return "command never ran (the run ended before tracing began)"
        }
    }

    /// `runs`: each run's probes, duration, events and lost events.
    func listRuns() {
        let rows: [[JSONValue]] = runs.all.map { run in
            let status = run.status
            let probes = run.program.probes.map(\.name).joined(separator: ",")
            return [.int(Int64(run.id)), .string(status.state.rawValue), .string(probes), .double((status.elapsed * 100).rounded() / 100),
                    .int(status.events), .int(status.lostEvents), .string(run.command.joined(separator: " ")), .string(status.failure ?? "")]
        }
        emit(.table(ResultTable(columns: ["id", "state", "probes", "duration_s", "events", "lost", "command", "failure"], rows: rows)))
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

    func showEvents(limit: Int?, condition: Expression?, from id: Int?, at location: SourceLocation) throws {
        let run = try selectRun(id, active: false, at: location)
        var events = run.pipeline.store.events
        if let condition {
            // The same resolver as filters, against what each probe's events carry.
            let resolved = try EventEvaluator.resolve(condition, probes: run.program.probes)
            let evaluator = EventEvaluator(probes: run.program.probes, names: run.program.valueNames)
            events = events.filter { $0.probeIndex < resolved.count && evaluator.matches($0, resolved[$0.probeIndex]) }
        }
        if let limit { events = Array(events.prefix(limit)) }
        emit(.table(RunReport.eventsTable(events, program: run.program, format: format)))
    }

    func showTop(limit: Int?, from id: Int?, at location: SourceLocation) throws {
        let run = try selectRun(id, active: false, at: location)
        emit(.table(RunReport.topTable(run.pipeline.statistics, limit: limit ?? 10)))
    }

    /// `save FILE.jsonl|csv|db [from ID]`: a run's events (and for a database its probes and
    /// aggregations too), written the safe way every save is.
    func export(from id: Int?, as format: EventExport.Format, to path: String, at location: SourceLocation) throws {
        let run = try selectRun(id, active: false, at: location)
        guard run.status.state.isFinished else {
            throw Diagnostic("run \(run.id) is still going; 'wait \(run.id)' or 'stop \(run.id)' first", at: location)
        }
        let snapshot = run.snapshot
        let target = UserPath.expand(path)
        do {
            switch format {
            case .jsonLines: try SafeFile.write(EventExport.jsonLines(snapshot), to: target, mode: SafeFile.privateMode)
            case .csv: try SafeFile.write(EventExport.csv(snapshot), to: target, mode: SafeFile.privateMode)
            case .sqlite: try SQLiteExport.save(snapshot, to: target)
            }
        } catch let error as FileError {
            throw error.diagnostic(at: location)
        } catch let diagnostic as Diagnostic {
            throw diagnostic
        } catch {
            throw Diagnostic("cannot save '\(target)': \(error)", at: location)
        }
        emit(.message("saved run \(run.id) (\(snapshot.events.count) events) to \(target)"))
    }

    /// A run's aggregation results (as printed when it ended).
    func showResults(from id: Int?, at location: SourceLocation) throws {
        let run = try selectRun(id, active: false, at: location)
        let aggregations = run.pipeline.aggregations
        guard !aggregations.isEmpty else {
            emit(.message("run \(run.id) has no aggregation results" + (run.status.state.isFinished ? "" : " yet (it is still going)")))
            return
        }
        for aggregation in aggregations { emit(.aggregation(aggregation)) }
    }

    func showStatistics(from id: Int?, at location: SourceLocation) throws {
        let run = try selectRun(id, active: false, at: location)
        if format == .json {
            emit(.document(RunReport.statisticsJSON(run.pipeline.statistics, duration: run.status.elapsed, health: run.pipeline.health)))
        } else {
            emit(.table(RunReport.statisticsTable(run.snapshot)))
        }
    }

    /// `record FILE`: the next run is recorded to FILE.
    func recordNextRun(to path: String) {
        pendingRecording = UserPath.expand(path)
        emit(.message("the next run will be recorded to \(UserPath.expand(path))"))
    }

    func replay(_ path: String, at location: SourceLocation) throws {
        do {
            let run = try runs.replay(path, maxEvents: Settings.maxEvents(graph)) { warn($0, at: location) }
            // The intervals of a `run ... every` come back as they were printed live.
            reportIntervals(run)
            // Claimed, so that the end of a batch does not report it a second time.
            if run.claimReport() { report(run) }
        } catch var diagnostic as Diagnostic {
            diagnostic.location = diagnostic.location ?? location
            throw diagnostic
        } catch let error as FileError {
            throw error.diagnostic(at: location)
        }
    }
}
