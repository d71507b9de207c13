import Foundation

/// The output of code generation and the input of a run: the bpftrace program text plus what
/// the scanner and pipeline need to turn its framed output back into events and aggregations.
public struct CompiledProgram: Hashable, Sendable {
    /// The complete bpftrace program (what `show bpftrace` prints).
    public var source: String
    /// The record framing the program's printf statements use.
    public var framing: EventFraming
    /// Probes by `probeIndex`, as `E` records number them.
    public var probes: [CompiledProbe]
    /// The bpftrace maps that hold `agg` results.
    public var maps: [CompiledMap]
    /// Filters the kernel cannot evaluate, applied to events in user space (all must hold).
    public var userFilters: [UserFilter]
    /// The string length bpftrace must run with (`BPFTRACE_STRLEN`): as long as the BPF stack
    /// allows for the most strings one event prints.
    public var stringLength: Int
    /// The sync probe the program carries, if any.
    public var sync: SyncMarker?
    /// Names of the syscall, signal and errno numbers its maps and events carry.
    public var valueNames: ValueNames
    /// `run ... every INTERVAL [keep]`: whether the program prints its maps at each interval, and
    /// whether it keeps them (nil: no intervals). A replay reads the intervals as the run did.
    public var intervalsKeep: Bool?

    public init(source: String, framing: EventFraming, probes: [CompiledProbe], maps: [CompiledMap], userFilters: [UserFilter],
                stringLength: Int = CompiledProgram.defaultStringLength, sync: SyncMarker? = nil, valueNames: ValueNames = .none,
                intervalsKeep: Bool? = nil) {
        self.valueNames = valueNames
        self.intervalsKeep = intervalsKeep
        self.source = source
        self.framing = framing
        self.probes = probes
        self.maps = maps
        self.userFilters = userFilters
        self.stringLength = stringLength
        self.sync = sync
    }

    /// The function an event is of: the syscall's name on an every-syscall probe (its events
    /// carry the number), else the probe's target as the spec names it.
    public func function(of event: TraceEvent) -> String {
        guard event.probeIndex < probes.count else { return "" }
        let probe = probes[event.probeIndex]
        if let key = probe.functionKey, case .integer(let number)? = event.value(named: key) {
            return valueNames.name(of: number, as: .syscall) ?? probe.function
        }
        return probe.function
    }

    /// The in-kernel map that counts the events of probes that do not stream, keyed by probe
    /// index, pid and comm; printed at the end like an aggregation, read into `Statistics`.
    public static let eventCountMap = CompiledMap(name: "@tracesh_events", aggregation: Aggregation(probe: nil, function: .count, argument: nil, keys: []),
                                                  keyKinds: [.integer, .integer, .string])

    /// Per probe that does not stream, the map without keys counting the held command's own
    /// events (`CompileOptions.heldCommand`): `@tracesh_command_events_N` for probe index N.
    public static let heldCommandCountPrefix = "@tracesh_command_events_"
    /// The held command's pid and comm (as of its exec): `@tracesh_command_comm[PID]: COMM`.
    public static let heldCommandCommMap = "@tracesh_command_comm"

    /// The probes counted in the kernel only (their events do not stream).
    public var countedProbes: [CompiledProbe] { probes.filter { !$0.streams } }

    /// bpftrace 0.17's own default string length.
    public static let defaultStringLength = 64

    /// The longest strings an event printing `strings` strings and `numbers` other values (after
    /// the header every event has) can carry. One printf's values share the 512-byte BPF stack
    /// with the temporaries that compute them. Measured on bpftrace 0.17 (ReturnProbeFormatLoadTests
    /// loads the combinations): about 256 bytes of strings fit, less 8 per number (2 x 128 with none,
    /// 4 x 80 with two); a single string loads at 200, bpftrace's own ceiling, only without
    /// numbers, and loses 8 bytes per two numbers (192 with one, 176 with six, 160 with nine).
    /// Nil for an event without strings: it needs no length, and sets none.
    public static func stringLength(strings: Int, numbers: Int) -> Int? {
        guard strings > 0 else { return nil }
        let shared = (256 - 8 * numbers) / strings
        let single = 200 - 8 * ((numbers + 1) / 2)
        return max(minimumStringLength, min(single, shared))
    }

    /// Shorter strings than this are not worth tracing: a program needing them is refused by
    /// bpftrace with its stack message rather than silently cut to a few bytes.
    public static let minimumStringLength = 32
}

/// One probe of a compiled program.
public struct CompiledProbe: Hashable, Sendable {
    /// The probe's name in the session (`o`, `p1`, ...).
    public var name: String
    /// The target as the user named it (`sys_openat`).
    public var function: String
    /// The probe as resolved (`syscalls:sys_enter_openat`, `uprobe:/lib/.../libc.so.6:malloc`).
    public var resolved: String
    /// The spec's format string (trace.py style), applied in user space to `fields`.
    public var format: FormatString?
    /// The values each `E` record of this probe carries after `comm`, in order.
    public var fields: [CompiledField]
    /// The field holding the syscall number whose name is each event's function (an
    /// every-syscall probe); nil when the function is the spec's target.
    public var functionKey: String?
    /// Whether its events stream to tracesh; false when they are counted in the kernel only
    /// (see `StreamMode`, `CompiledProgram.eventCountMap`).
    public var streams: Bool

    public init(name: String, function: String, resolved: String, format: FormatString?, fields: [CompiledField], functionKey: String? = nil,
                streams: Bool = true) {
        self.streams = streams
        self.functionKey = functionKey
        self.name = name
        self.function = function
        self.resolved = resolved
        self.format = format
        self.fields = fields
    }
}

/// A value field of an event record: its `raw_args` name and whether bpftrace prints it as a string.
public struct CompiledField: Hashable, Sendable {
    public enum Kind: Hashable, Sendable { case integer, string }
    public var name: String
    public var kind: Kind

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}

/// A bpftrace map holding one `agg`.
public struct CompiledMap: Hashable, Sendable {
    /// The map's name in the program, with `@`.
    public var name: String
    public var aggregation: Aggregation
    /// How each key component is printed by bpftrace (strings quoted by bpftrace are kept as bytes).
    public var keyKinds: [CompiledField.Kind]
    /// What each integer key names (printed as the name); empty means all plain.
    public var keyNames: [IntegerKind]
    /// Set when the map is not in the program: its rows are summed from the per-process event
    /// counts of probes that do not stream (`eventCountMap`), which the kernel keeps anyway.
    public var fromEventCounts: EventCountDerivation?

    public init(name: String, aggregation: Aggregation, keyKinds: [CompiledField.Kind], keyNames: [IntegerKind] = [],
                fromEventCounts: EventCountDerivation? = nil) {
        self.keyNames = keyNames
        self.name = name
        self.aggregation = aggregation
        self.keyKinds = keyKinds
        self.fromEventCounts = fromEventCounts
    }
}

/// How a `count` keyed by nothing, `pid` and/or `comm` is read from the in-kernel event counts
/// (`@tracesh_events[probe, pid, comm]`) instead of a map of its own: one map update per event
/// instead of two, which is what makes a count-only run cost what bpftrace's own `count()` does.
public struct EventCountDerivation: Hashable, Sendable {
    /// A key of the derived map, in the map's key order.
    public enum Key: String, Hashable, Sendable, CaseIterable {
        case pid, comm
    }

    /// The probes whose events the count adds up.
    public var probeIndices: [Int]
    public var keys: [Key]

    public init(probeIndices: [Int], keys: [Key]) {
        self.probeIndices = probeIndices
        self.keys = keys
    }
}

/// A filter evaluated in user space, optionally on one probe.
public struct UserFilter: Hashable, Sendable {
    public var probeIndex: Int?
    public var condition: Expression

    public init(probeIndex: Int?, condition: Expression) {
        self.probeIndex = probeIndex
        self.condition = condition
    }
}
