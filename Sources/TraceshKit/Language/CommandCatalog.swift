/// Every command of the language with its usage, a one-line summary and an example; the source
/// of `help`, of `--help`'s command list and of Tab completion.
public enum CommandCatalog {
    public struct Entry: Sendable {
        public var name: String
        public var usage: String
        public var summary: String
        public var example: String
    }

    public static let entries: [Entry] = [
        Entry(name: "probe", usage: "probe [NAME =] SPEC",
              summary: "Add a probe from a BCC trace.py-style spec.",
              example: "probe rd = sys_read (arg3 > 1024) \"read %d bytes\", arg3"),
        Entry(name: "filter", usage: "filter [PROBE:] EXPR",
              summary: "Keep only events where EXPR holds, on one probe or on all.",
              example: "filter rd: comm == \"nginx\" && pid != 1"),
        Entry(name: "agg", usage: "agg [PROBE:] FUNC [ARG] [by KEY, ...]",
              summary: "Aggregate in the kernel: count, sum, avg, min, max, hist, lhist(min, max, step).",
              example: "agg rd: hist arg3 by comm"),
        Entry(name: "run", usage: "run [DURATION] [-- COMMAND ARGS... [> FILE | >> FILE]] [&]",
              summary: "Trace for DURATION (or until COMMAND exits); '&' runs in the background. COMMAND's output goes to the terminal, else to tracesh's stderr, or to FILE ('>>' appends).",
              example: "run 10s -- curl -s example.invalid"),
        Entry(name: "stop", usage: "stop [ID]", summary: "Stop a run (the newest when no ID is given).", example: "stop 2"),
        Entry(name: "wait", usage: "wait [ID]", summary: "Wait for a background run to finish.", example: "wait 1"),
        Entry(name: "runs", usage: "runs", summary: "List runs and their states.", example: "runs"),
        Entry(name: "events", usage: "events [N] [where EXPR]",
              summary: "List the last run's events, optionally the first N matching EXPR.",
              example: "events 20 where pid == 1234"),
        Entry(name: "top", usage: "top [N]", summary: "The processes with the most events in the last run.", example: "top 5"),
        Entry(name: "stats", usage: "stats", summary: "Statistics of the last run: events, rate, lost events.", example: "stats"),
        Entry(name: "show", usage: "show [graph | bpftrace]",
              summary: "Print the session graph, or the bpftrace program a run would use.",
              example: "show bpftrace"),
        Entry(name: "save", usage: "save FILE", summary: "Write the session graph as a script that rebuilds it.", example: "save probes.trc"),
        Entry(name: "load", usage: "load FILE", summary: "Run a script's commands in this session (alias: source).", example: "load probes.trc"),
        Entry(name: "set", usage: "set NAME VALUE",
              summary: "Set a setting (format, duration, max-duration, max-events, on-error, stream) or a variable ($NAME).",
              example: "set format json"),
        Entry(name: "unset", usage: "unset NAME", summary: "Remove a setting or a variable.", example: "unset target"),
        Entry(name: "drop", usage: "drop NAME", summary: "Remove a probe and the filters and aggregations on it.", example: "drop rd"),
        Entry(name: "record", usage: "record FILE", summary: "Record the next run's raw output and plan to FILE.", example: "record capture.trcrec"),
        Entry(name: "replay", usage: "replay FILE", summary: "Analyse a recording without root or bpftrace.", example: "replay capture.trcrec"),
        Entry(name: "caps", usage: "caps", summary: "Report what this machine can trace, with fixes.", example: "caps"),
        Entry(name: "list", usage: "list [PATTERN]", summary: "List tracepoints and syscalls matching PATTERN (* wildcards).", example: "list sched:*"),
        Entry(name: "suggest", usage: "suggest TEXT", summary: "Suggest probes for a problem description.", example: "suggest file not found"),
        Entry(name: "help", usage: "help [COMMAND]", summary: "Show the commands, or one command in detail.", example: "help probe"),
        Entry(name: "quit", usage: "quit", summary: "Leave tracesh (alias: exit; Ctrl-D on a terminal).", example: "quit"),
    ]

    public static let aliases: [String: String] = ["source": "load", "exit": "quit", "?": "help"]

    public static var names: [String] { entries.map(\.name) + aliases.keys.sorted() }

    public static func canonicalName(_ word: String) -> String? {
        if entries.contains(where: { $0.name == word }) { return word }
        return aliases[word]
    }

    public static func entry(_ name: String) -> Entry? {
        guard let canonical = canonicalName(name) else { return nil }
        return entries.first { $0.name == canonical }
    }

    /// The settings `set` knows; any other name is a variable.
    public static let settings: [(name: String, summary: String)] = [
        ("format", "output format: table, json (JSON Lines) or csv"),
        ("duration", "default run length when 'run' names none (default 10s)"),
        ("max-duration", "longest run allowed, at most 10m (default 10m)"),
        ("max-events", "events kept in memory per run; older ones are dropped and counted (default 100000)"),
        ("on-error", "what a script does after a failing command: stop (default) or continue"),
        ("stream", "on (default): every event streams to tracesh; off: only in-kernel aggregations are collected"),
    ]
}
