import Foundation

/// The result of one `agg`: one row per key (a single row without `by`).
public struct AggregationResult: Hashable, Sendable {
    public struct Bucket: Hashable, Sendable {
        /// As bpftrace prints it: `[4, 8)`, `[512K, 1M)`, `[100000, ...)`.
        public var label: String
        /// The bucket's lower bound, when it has one (nil for lhist's `(..., min)`).
        public var low: Int64?
        /// The bucket's upper bound, exclusive, when it has one (nil for lhist's `[max, ...)`).
        public var high: Int64?
        public var count: Int64

        public init(label: String, low: Int64?, high: Int64? = nil, count: Int64) {
            self.label = label
            self.low = low
            self.high = high
            self.count = count
        }
    }

    public enum Value: Hashable, Sendable {
        case scalar(Int64)
        case histogram([Bucket])
    }

    public struct Row: Hashable, Sendable {
        public var keys: [TraceValue]
        public var value: Value

        public init(keys: [TraceValue], value: Value) {
            self.keys = keys
            self.value = value
        }
    }

    /// The map's name in the program (`@agg1`).
    public var map: String
    public var aggregation: Aggregation
    public var rows: [Row]

    public init(map: String, aggregation: Aggregation, rows: [Row]) {
        self.map = map
        self.aggregation = aggregation
        self.rows = rows
    }

    /// What `agg` said, e.g. `count by comm`.
    public var title: String {
        aggregation.scopedBody
    }
}
