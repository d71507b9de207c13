import TraceshModel

/// What `tracesh serve` exports, as totals that never go down: per aggregation and label set,
/// what earlier bpftrace processes counted (carried) plus what the current one's maps hold.
///
/// The current process's maps are read with `every INTERVAL keep`: each interval's aggregations
/// are that process's totals so far, so the newest interval replaces the current values. When
/// bpftrace dies, `endProcess` carries the last values forward, and the next process counts
/// from zero on top of them.
public struct MetricsBook: Sendable {
    /// One aggregation's values: a number (count, sum, avg, min, max) or histogram buckets.
    public enum Value: Hashable, Sendable {
        case number(Int64)
        /// Events per bucket (not cumulative) by the bucket's inclusive upper bound
        /// (`Int64.max` for the open top bucket), and an estimated sum of the values.
        case histogram(counts: [Int64: Int64], sum: Double)

        static func + (a: Value, b: Value) -> Value {
            switch (a, b) {
            case (.number(let x), .number(let y)): return .number(x &+ y)
            case (.histogram(let x, let xs), .histogram(let y, let ys)):
                return .histogram(counts: x.merging(y, uniquingKeysWith: +), sum: xs + ys)
            default: return b
            }
        }
    }

    /// One aggregation as a metric family.
    public struct Family: Sendable {
        public let map: String
        public let name: String
        public let kind: MetricKind
        public let function: AggregationFunction
        public let help: String
        public let labelNames: [String]
        /// Totals of bpftrace processes that have ended.
        var carried: [[String]: Value] = [:]
        /// The running process's values (from its newest interval).
        var current: [[String]: Value] = [:]
        /// Label sets exported as themselves (at most `maxSeries`).
        var admitted: Set<[String]> = []
        /// Label sets folded into `other`, each counted once in `tracesh_dropped_series_total`.
        public internal(set) var folded: Set<[String]> = []
        /// The `other` label set's values (carried and current, like the others).
        var otherCarried: Value?
        var otherCurrent: Value?

        /// Every label set's total, `other` last when anything was folded.
        public var series: [(labels: [String], value: Value)] {
            var keys = Set(carried.keys)
            keys.formUnion(current.keys)
            var result = keys.sorted { $0.lexicographicallyPrecedes($1) }.map { key in
                (labels: key, value: Self.total(kind, carried[key], current[key]))
            }
            if otherCarried != nil || otherCurrent != nil {
                result.append((labels: labelNames.map { _ in MetricsBook.otherLabel }, value: Self.total(kind, otherCarried, otherCurrent)))
            }
            return result
        }

        static func total(_ kind: MetricKind, _ carried: Value?, _ current: Value?) -> Value {
            switch (carried, current) {
            case (nil, nil): return .number(0)
            case (let value?, nil), (nil, let value?): return value
            case (let old?, let new?): return kind == .gauge ? new : old + new
            }
        }

        /// The histogram's upper bounds (inclusive) across every label set, ascending, without
        /// the open top bucket.
        public var bounds: [Int64] {
            var all = Set<Int64>()
            for (_, value) in series {
                if case .histogram(let counts, _) = value { all.formUnion(counts.keys) }
            }
            all.remove(Int64.max)
            return all.sorted()
        }
    }

    /// The label value of the label set that series beyond `max-series` are folded into.
    public static let otherLabel = "other"

    public private(set) var families: [Family]
    /// The probes' names, by probe index.
    public let probeNames: [String]
    public let maxSeries: Int
    var eventsCarried: [Int64]
    var eventsCurrent: [Int64]
    var lostCarried: Int64 = 0
    var lostCurrent: Int64 = 0
    /// How many times bpftrace was started again after it ended.
    public private(set) var restarts: Int64 = 0
    /// Whether a bpftrace process is tracing now.
    public var up = false

    public init(program: CompiledProgram, maxSeries: Int) {
        let names = MetricNames.metricNames(for: program.maps.map(\.aggregation))
        families = zip(program.maps, names).map { map, name in
            let kind = MetricNames.kind(of: map.aggregation.function)
            return Family(map: map.name, name: name, kind: kind, function: map.aggregation.function,
                          help: "agg \(map.aggregation.scopedBody)" + Self.helpNote(kind),
                          labelNames: MetricNames.labelNames(for: map.aggregation.keys))
        }
        probeNames = program.probes.map(\.name)
        self.maxSeries = max(1, maxSeries)
        eventsCarried = Array(repeating: 0, count: program.probes.count)
        eventsCurrent = eventsCarried
    }

    private static func helpNote(_ kind: MetricKind) -> String {
        switch kind {
        case .counter: return " (in-kernel total, carried across bpftrace restarts)"
        case .gauge: return " (the running bpftrace's value)"
        case .histogram: return " (in-kernel buckets; le is each bucket's largest integer; _sum is estimated from bucket midpoints)"
        }
    }

    /// The events of each probe, in total.
    public var eventsPerProbe: [(probe: String, count: Int64)] {
        probeNames.indices.map { (probe: probeNames[$0], count: eventsCarried[$0] + eventsCurrent[$0]) }
    }

    public var lostEvents: Int64 { lostCarried + lostCurrent }

    /// Takes the running process's newest interval, and its lost-event count so far.
    public mutating func update(aggregations: [AggregationResult], eventsPerProbe: [Int64], lostEvents: Int64) {
        for index in families.indices {
            guard let result = aggregations.first(where: { $0.map == families[index].map }) else { continue }
            update(&families[index], with: result)
        }
        for (index, count) in eventsPerProbe.enumerated() where index < eventsCurrent.count {
            eventsCurrent[index] = max(eventsCurrent[index], count)
        }
        lostCurrent = max(lostCurrent, lostEvents)
    }

    private func update(_ family: inout Family, with result: AggregationResult) {
        var current: [[String]: Value] = [:]
        var other: Value?
        for row in result.rows {
            let labels = row.keys.map(MetricNames.labelValue)
            guard labels.count == family.labelNames.count else { continue }
            let value = Self.value(of: row.value)
            if family.admitted.contains(labels) || family.folded.contains(labels) == false && family.admitted.count < maxSeries {
                family.admitted.insert(labels)
                current[labels] = value
            } else {
                family.folded.insert(labels)
                other = other.map { Self.fold(family.function, $0, value) } ?? value
            }
        }
        family.current = current
        if let other { family.otherCurrent = other }
    }

    /// Two folded series as one: added for counters and histograms; for gauges the smaller
    /// (`min`) or the larger (`max`, `avg`).
    static func fold(_ function: AggregationFunction, _ a: Value, _ b: Value) -> Value {
        guard case .number(let x) = a, case .number(let y) = b else { return a + b }
        switch function {
        case .min: return .number(Swift.min(x, y))
        case .max, .avg: return .number(Swift.max(x, y))
        default: return .number(x &+ y)
        }
    }

    static func value(of value: AggregationResult.Value) -> Value {
        switch value {
        case .scalar(let number):
            return .number(number)
        case .histogram(let buckets):
            var counts: [Int64: Int64] = [:]
            var sum = 0.0
            for bucket in buckets where bucket.count > 0 {
                let bound = bucket.high.map { $0 - 1 } ?? Int64.max
                counts[bound, default: 0] += bucket.count
                let middle: Double
                switch (bucket.low, bucket.high) {
                case (let low?, let high?): middle = (Double(low) + Double(high - 1)) / 2
                case (let low?, nil): middle = Double(low)
                case (nil, let high?): middle = Double(high - 1)
                case (nil, nil): middle = 0
                }
                sum += middle * Double(bucket.count)
            }
            return .histogram(counts: counts, sum: sum)
        }
    }

    /// The running bpftrace process ended: its last values are carried forward, so that the
    /// next process's counts add to them.
    public mutating func endProcess() {
        for index in families.indices {
            let kind = families[index].kind
            for (labels, value) in families[index].current {
                families[index].carried[labels] = Family.total(kind, families[index].carried[labels], value)
            }
            families[index].current = [:]
            if let other = families[index].otherCurrent {
                families[index].otherCarried = Family.total(kind, families[index].otherCarried, other)
                families[index].otherCurrent = nil
            }
        }
        for index in eventsCarried.indices {
            eventsCarried[index] += eventsCurrent[index]
            eventsCurrent[index] = 0
        }
        lostCarried += lostCurrent
        lostCurrent = 0
        up = false
    }

    /// bpftrace was started again.
    public mutating func noteRestart() { restarts += 1 }
}
