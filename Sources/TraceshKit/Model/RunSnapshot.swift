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
    /// Events dropped from memory to stay within `max-events` (the statistics count them all).
    public var droppedFromMemory: Int64
    /// What bpftrace said and what could not be read.
    public var health: RunHealth

    public init(id: Int, state: String, duration: Double, command: [String], failure: String?, program: CompiledProgram,
                events: [TraceEvent], statistics: Statistics, aggregations: [AggregationResult],
                droppedFromMemory: Int64 = 0, health: RunHealth = RunHealth()) {
        self.id = id
        self.state = state
        self.duration = duration
        self.command = command
        self.failure = failure
        self.program = program
        self.events = events
        self.statistics = statistics
        self.aggregations = aggregations
        self.droppedFromMemory = droppedFromMemory
        self.health = health
    }
}

/// bpftrace's own lines and the records that could not be read, counted during a run so that
/// nothing collected goes unshown.
public struct RunHealth: Sendable {
    /// bpftrace's lines from standard output (the first of them; see `droppedMessages`).
    public var messages: [String]
    public var droppedMessages: Int64
    /// Records that did not fit the program.
    public var malformedRecords: Int64
    /// Records the scanner found damaged and skipped.
    public var damagedRecords: Int64

    public init(messages: [String] = [], droppedMessages: Int64 = 0, malformedRecords: Int64 = 0, damagedRecords: Int64 = 0) {
        self.messages = messages
        self.droppedMessages = droppedMessages
        self.malformedRecords = malformedRecords
        self.damagedRecords = damagedRecords
    }
}
