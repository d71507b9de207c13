import Foundation
import Prometheus
import Synchronization
import TraceshModel

/// The `/metrics` text (Prometheus text exposition format 0.0.4) of a `MetricsBook`.
///
/// Counters and gauges live in swift-prometheus's registry, which renders them (names, labels
/// escaped, `# HELP`/`# TYPE`). Its counters only go up by an increment, so each one is raised by
/// the difference between the book's total and what it was raised to so far (the book's totals
/// never go down). Its histograms take one observation at a time and have no way to be given
/// bucket counts, while the kernel hands over bucket counts: histogram families are written
/// here, in the same format.
public final class MetricsExposition: Sendable {
    private struct State {
        var book: MetricsBook
        var counters: [String: [[String]: (counter: Counter, raisedTo: Int64)]] = [:]
        var gauges: [String: [[String]: Gauge]] = [:]
    }

    private let registry = PrometheusCollectorRegistry()
    private let state: Mutex<State>
    private let version: String

    public init(book: MetricsBook, version: String) {
        self.version = version
        state = Mutex(State(book: book))
        let info = registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "tracesh_build_info", unitName: "", helpText: "tracesh's version"),
                                      labels: [("version", version)])
        info.set(to: 1.0)
        state.withLock { Self.sync(&$0, registry: registry) }
    }

    /// A copy of the book as it is now.
    public var book: MetricsBook { state.withLock { $0.book } }

    /// Changes the book (under the lock scrapes take too) and brings the registry up to date.
    public func update(_ change: (inout MetricsBook) -> Void) {
        state.withLock { state in
            change(&state.book)
            Self.sync(&state, registry: registry)
        }
    }

    /// The whole `/metrics` body.
    public func render() -> String {
        state.withLock { state in
            var text = registry.emitToString()
            for family in state.book.families where family.kind == .histogram {
                text += Self.histogram(family)
            }
            return text
        }
    }

    private static func sync(_ state: inout State, registry: PrometheusCollectorRegistry) {
        let book = state.book
        raise(&state, registry: registry, name: "tracesh_up", kind: .gauge, help: "1 while bpftrace is tracing", labels: [], [([], book.up ? 1 : 0)])
        raise(&state, registry: registry, name: "tracesh_bpftrace_restarts_total", kind: .counter,
              help: "times bpftrace was started again after it ended", labels: [], [([], book.restarts)])
        raise(&state, registry: registry, name: "tracesh_lost_events_total", kind: .counter,
              help: "events bpftrace reported lost (its perf buffer overflowed)", labels: [], [([], book.lostEvents)])
        raise(&state, registry: registry, name: "tracesh_events_total", kind: .counter, help: "events of each probe (streamed or counted in the kernel)",
              labels: ["probe"], book.eventsPerProbe.map { ([$0.probe], $0.count) })
        raise(&state, registry: registry, name: "tracesh_dropped_series_total", kind: .counter,
              help: "label sets beyond max-series, folded into 'other'", labels: ["metric"],
              book.families.map { ([$0.name], Int64($0.folded.count)) })
        for family in book.families where family.kind != .histogram {
            let series = family.series.compactMap { series -> ([String], Int64)? in
                guard case .number(let value) = series.value else { return nil }
                return (series.labels, value)
            }
            raise(&state, registry: registry, name: family.name, kind: family.kind, help: family.help, labels: family.labelNames, series)
        }
    }

    /// Brings one family's registry series to `values` (counters by increments, gauges by set).
    private static func raise(_ state: inout State, registry: PrometheusCollectorRegistry, name: String, kind: MetricKind, help: String,
                              labels: [String], _ values: [([String], Int64)]) {
        let descriptor = MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
        for (labelValues, value) in values {
            let pairs = Array(zip(labels, labelValues))
            if kind == .counter {
                var entry = state.counters[name]?[labelValues] ?? (registry.makeCounter(descriptor: descriptor, labels: pairs), 0)
                if value > entry.raisedTo {
                    entry.counter.increment(by: value - entry.raisedTo)
                    entry.raisedTo = value
                }
                state.counters[name, default: [:]][labelValues] = entry
            } else {
                let gauge = state.gauges[name]?[labelValues] ?? registry.makeGauge(descriptor: descriptor, labels: pairs)
                gauge.set(to: Double(value))
                state.gauges[name, default: [:]][labelValues] = gauge
            }
        }
    }

    /// A histogram family: cumulative `_bucket{le=...}` over every bound any label set has,
    /// then `+Inf`, `_sum` and `_count`.
    static func histogram(_ family: MetricsBook.Family) -> String {
        let bounds = family.bounds
        var text = "# HELP \(family.name) \(family.help.replacingOccurrences(of: "\\", with: "\\\\"))\n# TYPE \(family.name) histogram\n"
        for (labels, value) in family.series {
            guard case .histogram(let counts, let sum) = value else { continue }
            let pairs = zip(family.labelNames, labels).map { "\($0)=\"\(MetricNames.escapeLabelValue($1))\"" }
            let prefix = pairs.joined(separator: ",")
            let joined = prefix.isEmpty ? "" : prefix + ","
            var cumulative: Int64 = 0
            var sorted = counts.sorted { $0.key < $1.key }[...]
            for bound in bounds {
                while let first = sorted.first, first.key <= bound {
                    cumulative += first.value
                    sorted = sorted.dropFirst()
                }
                text += "\(family.name)_bucket{\(joined)le=\"\(bound)\"} \(cumulative)\n"
            }
            let total = counts.values.reduce(0, +)
            text += "\(family.name)_bucket{\(joined)le=\"+Inf\"} \(total)\n"
            let braces = prefix.isEmpty ? "" : "{\(prefix)}"
            text += "\(family.name)_sum\(braces) \(sum)\n"
            text += "\(family.name)_count\(braces) \(total)\n"
        }
        return text
    }
}
