import Foundation

/// One parsed command of the tracesh language, with where it starts in the input.
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
        case filter(Filter)
        case agg(Aggregation)
        case run(RunRequest)
        case stop(id: Int?)
        case wait(id: Int?)
        case runs
        case events(limit: Int?, condition: Expression?)
        case top(limit: Int?)
        case stats
        case show(ShowTarget)
        case save(path: String)
        case load(path: String)
        case set(name: String, value: String)
        case unset(name: String)
        case drop(name: String)
        case record(path: String)
        case replay(path: String)
        case caps
        case list(pattern: String?)
        case suggest(text: String)
        case help(topic: String?)
        case quit
    }

    /// The command's keyword as the user types it.
    public var keyword: String {
        switch kind {
        case .probe: return "probe"
        case .filter: return "filter"
        case .agg: return "agg"
        case .run: return "run"
        case .stop: return "stop"
        case .wait: return "wait"
        case .runs: return "runs"
        case .events: return "events"
        case .top: return "top"
        case .stats: return "stats"
        case .show: return "show"
        case .save: return "save"
        case .load: return "load"
        case .set: return "set"
        case .unset: return "unset"
        case .drop: return "drop"
        case .record: return "record"
        case .replay: return "replay"
        case .caps: return "caps"
        case .list: return "list"
        case .suggest: return "suggest"
        case .help: return "help"
        case .quit: return "quit"
        }
    }
}

public enum ShowTarget: String, Hashable, Sendable, CaseIterable {
    case graph
    case bpftrace
}

/// `run [DURATION] [-- COMMAND ARGS... [> FILE | >> FILE]] [&]`
public struct RunRequest: Hashable, Sendable {
    public var duration: TraceDuration?
    public var command: [String]
    public var background: Bool
    /// Where the command's standard output goes; nil for the front end's default.
    public var output: OutputRedirection?

    public init(duration: TraceDuration? = nil, command: [String] = [], background: Bool = false,
                output: OutputRedirection? = nil) {
        self.duration = duration
        self.command = command
        self.background = background
        self.output = output
    }
}
