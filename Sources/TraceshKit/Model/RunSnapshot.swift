import Foundation

/// What a run collected and how it went, as a plain value: what the exports and reports read
/// (the live `Run` belongs to the session).
public struct RunSnapshot: Sendable {
    public var id: Int
    /// `completed`, `stopped`, `failed`, ...
    public var state: String
    /// Seconds from the moment every probe was attached to the moment the stop began.
    public var duration: Double
    /// The traced command (`run -- COMMAND`), empty without one.
    public var command: [String]
    public var failure: String?
    public var program: CompiledProgram
    /// The events kept in memory (`max-events`), in time order.
    public var events: [TraceEvent]
    public var statistics: Statistics
    public var aggregations: [AggregationResult]

    public init(id: Int, state: String, duration: Double, command: [String], failure: String?, program: CompiledProgram,
                events: [TraceEvent], statistics: Statistics, aggregations: [AggregationResult]) {
        self.id = id
        self.state = state
        self.duration = duration
        self.command = command
        self.failure = failure
        self.program = program
        self.events = events
        self.statistics = statistics
        self.aggregations = aggregations
    }
}
