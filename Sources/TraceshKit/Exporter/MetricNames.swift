import TraceshModel

/// Prometheus names for what a session declares: metric names from a probe and its
/// aggregation, label names from `by` keys, label values from traced values.
public enum MetricNames {
    /// Names tracesh's own metrics use; an aggregation's metric never takes one of them.
    public static let reserved: Set<String> = [
        "tracesh_events_total", "tracesh_lost_events_total", "tracesh_bpftrace_restarts_total", "tracesh_up",
        "tracesh_build_info", "tracesh_dropped_series_total",
    ]

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*` for metric names, without `:` for label names: every other
    /// character becomes `_`, runs of `_` collapse, and a leading digit gets a `_` before it.
    public static func sanitize(_ text: String, allowColon: Bool = false) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            let ok = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
                || scalar == "_" || (allowColon && scalar == ":")
            let character: Character = ok ? Character(scalar) : "_"
            if character == "_" && out.hasSuffix("_") { continue }
            out.append(character)
        }
        while out.count > 1 && out.hasSuffix("_") { out.removeLast() }
        if out.isEmpty { return "_" }
        if let first = out.unicodeScalars.first, first >= "0" && first <= "9" { out = "_" + out }
        return out
    }

    /// The label names for an aggregation's keys: `comm`, `pid`, `arg2_user`, ... unique, never
    /// `le` (a histogram's own) nor starting with `__` (reserved by Prometheus).
    public static func labelNames(for keys: [Expression]) -> [String] {
        var used = Set<String>()
        return keys.map { key in
            var name = sanitize(key.description)
            if name == "le" || name.hasPrefix("__") || name == "_" { name = "key_" + name.drop { $0 == "_" } }
            var candidate = name
            var suffix = 2
            while used.contains(candidate) {
                candidate = "\(name)_\(suffix)"
                suffix += 1
            }
            used.insert(candidate)
            return candidate
        }
    }

    /// A label value for a traced value: integers in decimal, strings as the README's CSV rule
    /// writes them (valid UTF-8 as itself; otherwise each invalid byte `\xHH`, each backslash
    /// `\\`). The exposition format's own escaping (`\\`, `\"`, `\n`) is applied on output.
    public static func labelValue(_ value: TraceValue) -> String {
        value.description
    }

    /// A label value escaped for the text exposition format.
    public static func escapeLabelValue(_ value: String) -> String {
        var out = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// The metric names for a session's aggregations, in order: `tracesh_<probe>_<func>[_<arg>]`
    /// (`_total` added for counters by the caller), `all` for an aggregation over every probe;
    /// a name already taken gets `_by_<keys>`, then a number.
    public static func metricNames(for aggregations: [Aggregation]) -> [String] {
        var used = reserved
        return aggregations.map { aggregation in
            var base = "tracesh_" + sanitize(aggregation.probe ?? "all") + "_" + aggregation.function.name
            if let argument = aggregation.argument { base += "_" + sanitize(argument.description) }
            base = sanitize(base, allowColon: false)
            let suffix = kind(of: aggregation.function) == .counter ? "_total" : ""
            var name = base + suffix
            if used.contains(name) && !aggregation.keys.isEmpty {
                name = sanitize(base + "_by_" + aggregation.keys.map(\.description).joined(separator: "_")) + suffix
            }
            var number = 2
            let stem = String(name.dropLast(suffix.count))
            while used.contains(name) || histogramSuffixClash(name, used: used) {
                name = "\(stem)_\(number)\(suffix)"
                number += 1
            }
            used.insert(name)
            if kind(of: aggregation.function) == .histogram {
                for part in ["_bucket", "_sum", "_count"] { used.insert(name + part) }
            }
            return name
        }
    }

    private static func histogramSuffixClash(_ name: String, used: Set<String>) -> Bool {
        ["_bucket", "_sum", "_count"].contains { used.contains(name + $0) }
    }

    /// How an aggregation is exported.
    public static func kind(of function: AggregationFunction) -> MetricKind {
        switch function {
        case .count, .sum: return .counter
        case .avg, .min, .max: return .gauge
        case .hist, .lhist: return .histogram
        }
    }
}

/// The Prometheus metric type an aggregation becomes.
public enum MetricKind: String, Sendable {
    case counter, gauge, histogram
}
