import Foundation

/// One parsed command of the tracesh language, with where it starts in the input. Its kind is
/// all the session needs to perform it (one `switch`, `Interpreter.execute`); the shell's parser
/// and the agent build the same values.
public struct Command: Hashable, Sendable {
    public var kind: Kind
    public var location: SourceLocation

    public init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    public enum Kind: Hashable, Sendable {
        /// `probe [NAME =] SPEC`; the spec stays text here, with locations, for the spec parser.
        case probe(name: String?, spec: LocatedText)
        /// `probe [NAME =] use SPEC_NAME`: one of the predefined specs (`BuiltinSpec`).
        case useProbe(name: String?, builtin: String)
        case filter(Filter)
        case agg(Aggregation)
        case run(RunRequest)
        case stop(id: Int?)
        case wait(id: Int?)
        case runs
        /// `run`: the run whose results to show (`from ID`); nil for the newest finished one.
        case events(limit: Int?, condition: Expression?, run: Int? = nil)
        /// `top [N]`, or with `stacks` (`top stacks [N]`) the heaviest stacks of a stack-keyed agg.
        case top(limit: Int?, run: Int? = nil, stacks: Bool = false)
        case stats(run: Int? = nil)
        /// `results [from ID]`: a run's aggregation results.
        case results(run: Int?)
        case show(ShowTarget)
        /// `save FILE [from ID]`: a script of the graph, or (for `.jsonl`, `.csv`, `.db`) a run's
        /// events, or (`.folded`, `.svg`) its stacks.
        case save(path: String, run: Int? = nil)
        case load(path: String)
        case set(name: String, value: String)
        /// `default NAME VALUE`: sets NAME only when nothing (the command line included) has.
        case setDefault(name: String, value: String)
        case unset(name: String)
        case drop(name: String)
        case record(path: String)
        case replay(path: String)
        case caps
        /// `list [-v] [PATTERN]`: `verbose` shows each tracepoint's fields.
        case list(pattern: String?, verbose: Bool = false)
        /// `suggest TEXT [--add]`: `add` adds the suggested probes to the session.
        case suggest(text: String, add: Bool = false)
        case help(topic: String?)
        case quit
    }
}

public enum ShowTarget: String, Hashable, Sendable, CaseIterable {
    case graph
    case bpftrace
}

/// `run [DURATION] [-p PID[,PID...] | -- COMMAND ARGS... [> FILE | >> FILE]] [&]`
public struct RunRequest: Hashable, Sendable {
    public var duration: TraceDuration?
    public var command: [String]
    public var background: Bool
    /// Where the command's standard output goes; nil for the front end's default.
    public var output: OutputRedirection?
    /// `-p PID,...`: running processes to trace (with the children they start); the run ends
    /// when they have all exited. Empty when not given.
    public var processes: [Int32]
    /// `every INTERVAL`: print the aggregations at the end of each interval.
    public var interval: TraceDuration?
    /// `every INTERVAL keep`: accumulate across intervals rather than clear at each.
    public var keepIntervals: Bool = false

    public init(duration: TraceDuration? = nil, command: [String] = [], background: Bool = false,
                output: OutputRedirection? = nil, processes: [Int32] = [], interval: TraceDuration? = nil, keepIntervals: Bool = false) {
        self.interval = interval
        self.keepIntervals = keepIntervals
        self.duration = duration
        self.command = command
        self.background = background
        self.output = output
        self.processes = processes
    }
}
