/// One interval of `run DURATION every INTERVAL`: the in-kernel aggregations printed (and,
/// without `keep`, cleared) at its end, and the events counted in it.
public struct IntervalResult: Hashable, Sendable {
    /// 1 for the first interval of the run.
    public var number: Int64
    /// When the interval ended: nanoseconds since the epoch.
    public var endTime: Int64
    /// Seconds the interval covers (from the run's start with `keep`).
    public var seconds: Double
    /// The aggregations as printed at the interval's end.
    public var aggregations: [AggregationResult]
    /// Events in the interval (since the run's start with `keep`), by probe and process.
    public var statistics: Statistics

    public init(number: Int64, endTime: Int64, seconds: Double, aggregations: [AggregationResult], statistics: Statistics) {
        self.number = number
        self.endTime = endTime
        self.seconds = seconds
        self.aggregations = aggregations
        self.statistics = statistics
    }
}
