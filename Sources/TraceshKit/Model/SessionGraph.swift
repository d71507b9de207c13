import Foundation

/// A named probe: the spec exactly as the user wrote it (after `$VAR` expansion).
public struct ProbeDeclaration: Hashable, Sendable {
    public var name: String
    public var spec: String

    public init(name: String, spec: String) {
        self.name = name
        self.spec = spec
    }
}

/// `filter [PROBE:] EXPR`: a predicate on one probe, or on all when `probe` is nil.
public struct Filter: Hashable, Sendable {
    public var probe: String?
    public var condition: Expression

    public init(probe: String?, condition: Expression) {
        self.probe = probe
        self.condition = condition
    }
}

/// The aggregation functions `agg` accepts; each becomes a bpftrace map function.
public enum AggregationFunction: Hashable, Sendable, CustomStringConvertible {
    case count, sum, avg, min, max, hist
    case lhist(min: Int64, max: Int64, step: Int64)

    public static let names = ["count", "sum", "avg", "min", "max", "hist", "lhist"]

    public var name: String {
        switch self {
        case .count: return "count"
        case .sum: return "sum"
        case .avg: return "avg"
        case .min: return "min"
        case .max: return "max"
        case .hist: return "hist"
        case .lhist: return "lhist"
        }
    }

    /// Whether the function needs a value argument (`count` alone does not).
    public var takesArgument: Bool { self != .count }

    /// Whether its result is a histogram (buckets) rather than one number per key.
    public var isHistogram: Bool {
        switch self {
        case .hist, .lhist: return true
        default: return false
        }
    }

    public var description: String {
        if case .lhist(let min, let max, let step) = self { return "lhist(\(min), \(max), \(step))" }
        return name
    }
}

/// `agg [PROBE:] FUNC [ARG] [by KEY, ...]`
public struct Aggregation: Hashable, Sendable {
    public var probe: String?
    public var function: AggregationFunction
    public var argument: Expression?
    public var keys: [Expression]

    public init(probe: String?, function: AggregationFunction, argument: Expression?, keys: [Expression]) {
        self.probe = probe
        self.function = function
        self.argument = argument
        self.keys = keys
    }

    /// `FUNC [ARG] [by KEY, ...]` as the user writes it after `agg`.
    public var body: String {
        var text = function.description
        if let argument { text += " " + argument.description }
        if !keys.isEmpty {
            text += " by " + keys.map(\.description).joined(separator: ", ")
        }
        return text
    }

    /// `[PROBE: ]FUNC [ARG] [by KEY, ...]`, the whole of what follows `agg`.
    public var scopedBody: String { (probe.map { "\($0): " } ?? "") + body }
}

/// Everything a session has declared: probes, filters, aggregations, settings and variables.
/// A value: copying it snapshots the session, and `ScriptWriter` prints it back as a script.
public struct SessionGraph: Hashable, Sendable {
    public var probes: [ProbeDeclaration] = []
    public var filters: [Filter] = []
    public var aggregations: [Aggregation] = []
    /// Known settings (`format`, `duration`, ...) in the order they were set.
    public var settings: [Setting] = []
    /// User variables (`$NAME`), in the order they were set.
    public var variables: [Setting] = []

    public init() {}

    public func probe(named name: String) -> ProbeDeclaration? { probes.first { $0.name == name } }

    public func setting(_ name: String) -> String? { settings.first { $0.name == name }?.value }
    public func variable(_ name: String) -> String? { variables.first { $0.name == name }?.value }

    /// Sets `name` in `list`, keeping its first position when it is already there.
    static func assign(_ name: String, _ value: String, in list: inout [Setting]) {
        if let index = list.firstIndex(where: { $0.name == name }) {
            list[index].value = value
        } else {
            list.append(Setting(name: name, value: value))
        }
    }

    public mutating func setSetting(_ name: String, _ value: String) { Self.assign(name, value, in: &settings) }
    public mutating func setVariable(_ name: String, _ value: String) { Self.assign(name, value, in: &variables) }

    /// A name for the next unnamed probe: `p1`, `p2`, ... skipping names in use.
    public func nextProbeName() -> String {
        var index = probes.count + 1
        while probe(named: "p\(index)") != nil { index += 1 }
        return "p\(index)"
    }

    /// Removes a probe and the filters and aggregations scoped to it; false when there is none.
    public mutating func dropProbe(named name: String) -> Bool {
        guard probe(named: name) != nil else { return false }
        probes.removeAll { $0.name == name }
        filters.removeAll { $0.probe == name }
        aggregations.removeAll { $0.probe == name }
        return true
    }
}

/// A `NAME VALUE` pair, for settings and variables.
public struct Setting: Hashable, Sendable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
