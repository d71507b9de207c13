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

/// What the commands about runs do (their work lives in `Interpreter+Runs.swift`).
enum RunExecutors {
    static let all = [run, stop, wait, runs, events, top, stats, results, record, replay]

    static let run = CommandExecutor("run") { interpreter, command in
        guard case .run(let request) = command.kind else { throw command.kindMismatch }
        return try interpreter.startRun(request, at: command.location)
    }

    static let stop = CommandExecutor.succeeding("stop") { interpreter, command in
        guard case .stop(let id) = command.kind else { throw command.kindMismatch }
        let run = try interpreter.selectRun(id, active: true, at: command.location)
        run.stop()
        run.wait()
        if run.claimReport() { interpreter.report(run) }
    }

    static let wait = CommandExecutor("wait") { interpreter, command in
        guard case .wait(let id) = command.kind else { throw command.kindMismatch }
        return try interpreter.waitForRuns(id, at: command.location)
    }

    static let runs = CommandExecutor.succeeding("runs") { interpreter, _ in
        interpreter.listRuns()
    }

    static let events = CommandExecutor.succeeding("events") { interpreter, command in
        guard case .events(let limit, let condition, let run) = command.kind else { throw command.kindMismatch }
        try interpreter.showEvents(limit: limit, condition: condition, from: run, at: command.location)
    }

    static let top = CommandExecutor.succeeding("top") { interpreter, command in
        guard case .top(let limit, let run, let stacks) = command.kind else { throw command.kindMismatch }
        if stacks { try interpreter.showTopStacks(limit: limit, from: run, at: command.location); return }
        try interpreter.showTop(limit: limit, from: run, at: command.location)
    }

    static let stats = CommandExecutor.succeeding("stats") { interpreter, command in
        guard case .stats(let run) = command.kind else { throw command.kindMismatch }
        try interpreter.showStatistics(from: run, at: command.location)
    }

    static let results = CommandExecutor.succeeding("results") { interpreter, command in
        guard case .results(let run) = command.kind else { throw command.kindMismatch }
        try interpreter.showResults(from: run, at: command.location)
    }

    static let record = CommandExecutor.succeeding("record") { interpreter, command in
        guard case .record(let path) = command.kind else { throw command.kindMismatch }
        interpreter.recordNextRun(to: path)
    }

    static let replay = CommandExecutor.succeeding("replay") { interpreter, command in
        guard case .replay(let path) = command.kind else { throw command.kindMismatch }
        try interpreter.replay(UserPath.expand(path), at: command.location)
    }
}
