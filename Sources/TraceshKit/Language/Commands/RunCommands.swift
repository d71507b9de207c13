import TraceshModel
import TraceshFiles

/// The commands about runs and their results: run, stop, wait, runs, events, top, stats,
/// record, replay.
enum RunCommands {
    static let all = [run, stop, wait, runs, events, top, stats, results, record, replay]

    static let run = CommandDeclaration(
        "run", usage: "run [DURATION] [every INTERVAL [keep]] [-p PID[,PID...] | -- COMMAND ARGS... [> FILE | >> FILE]] [&]",
        summary: "Trace for DURATION (or until COMMAND, or the processes PID..., exit); '&' runs in the background. COMMAND's output goes to the terminal, else to tracesh's stderr, or to FILE ('>>' appends).",
        example: "run 1.5s -- curl -s example.invalid",
        details: ["DURATION: a number with ms, s (the default), m or h; fractions are fine to the millisecond (1.5s is 1500ms).",
                  "every INTERVAL: print the aggregations, top processes and rate at the end of each interval and clear them; 'keep' accumulates instead.",
                  "-p PID,...: trace processes that already run (all their threads) and the children they start."]
    ) { input in
        .run(try RunSyntax.parse(input))
    }

    static let stop = CommandDeclaration(
        "stop", usage: "stop [ID]", summary: "Stop a run (the newest when no ID is given).", example: "stop 2"
    ) { input in
        .stop(id: try input.optionalRunID())
    }

    static let wait = CommandDeclaration(
        "wait", usage: "wait [ID]", summary: "Wait for a background run to finish (all of them when no ID is given).", example: "wait 1"
    ) { input in
        .wait(id: try input.optionalRunID())
    }

    static let runs = CommandDeclaration(
        "runs", usage: "runs", summary: "List runs and their states.", example: "runs"
    ) { input in
        _ = try input.words(0...0)
        return .runs
    }

    static let events = CommandDeclaration(
        "events", usage: "events [N] [from ID] [where EXPR]",
        summary: "List the last run's events (or run ID's), optionally the first N matching EXPR.",
        example: "events 20 from 1 where pid == 1234",
        completion: { position, previous in
            previous.contains("where") ? [.expressionNames] : position <= 3 ? [.words(["from", "where"])] : []
        }
    ) { input in
        var stream = try TokenStream(lexing: input.text)
        let limit = try CommandInput.optionalCount(&stream, for: "events")
        let run = try CommandInput.optionalRunSource(&stream)
        var condition: Expression? = nil
        if stream.acceptIdentifier("where") {
            guard !stream.atEnd else { throw Diagnostic("expected a condition after 'where'", at: stream.current.location) }
            condition = try ExpressionParser.parse(&stream)
        }
        try stream.expectEnd("after '\(input.usage)'")
        return .events(limit: limit, condition: condition, run: run)
    }

    static let top = CommandDeclaration(
        "top", usage: "top [stacks] [N] [from ID]",
        summary: "The processes with the most events in the last run (or run ID); 'top stacks': its heaviest stacks as a tree.", example: "top stacks 5",
        details: ["top stacks [N]: the N heaviest stacks (default 10) of the run's first aggregation keyed by ustack or kstack,",
                  "as an indented tree: each line the count under that frame, callers above callees."],
        completion: { position, _ in position == 1 ? [.words(["stacks", "from"])] : position <= 3 ? [.words(["from"])] : [] }
    ) { input in
        var stream = try TokenStream(lexing: input.text)
        let stacks = stream.acceptIdentifier("stacks")
        let limit = try CommandInput.optionalCount(&stream, for: "top")
        let run = try CommandInput.optionalRunSource(&stream)
        try stream.expectEnd("after '\(input.usage)'")
        return .top(limit: limit, run: run, stacks: stacks)
    }

    static let stats = CommandDeclaration(
        "stats", usage: "stats [from ID]", summary: "Statistics of the last run (or run ID): events, rate, lost events.", example: "stats from 1",
        completion: { position, _ in position == 1 ? [.words(["from"])] : [] }
    ) { input in
        .stats(run: try input.onlyRunSource())
    }

    static let results = CommandDeclaration(
        "results", usage: "results [from ID]", summary: "The aggregation results of the last run (or run ID).", example: "results from 2",
        completion: { position, _ in position == 1 ? [.words(["from"])] : [] }
    ) { input in
        .results(run: try input.onlyRunSource())
    }

    static let record = CommandDeclaration(
        "record", usage: "record FILE", summary: "Record the next run's raw output and plan to FILE.",
        example: "record capture.trcrec",
        completion: { position, _ in position == 1 ? [.files] : [] }
    ) { input in
        .record(path: try input.singleWord().text)
    }

    static let replay = CommandDeclaration(
        "replay", usage: "replay FILE", summary: "Analyse a recording without root or bpftrace.",
        example: "replay capture.trcrec",
        completion: { position, _ in position == 1 ? [.files] : [] }
    ) { input in
        .replay(path: try input.singleWord().text)
    }
}
