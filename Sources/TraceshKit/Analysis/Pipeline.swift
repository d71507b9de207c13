import TraceshModel
import TraceshKernel
import TraceshSemantics

/// Turns scanned records into the results of a run: user-space filters, the bounded event
/// store, exact statistics, aggregation results, and bpftrace's own messages.
public struct Pipeline: Sendable {
    public let program: CompiledProgram
    /// Realtime minus monotonic clock, taken once when the run started.
    public let clockOffset: Int64
    public private(set) var store: EventStore
    public private(set) var statistics: Statistics
    public private(set) var aggregations: [AggregationResult] = []
    /// Whether BEGIN's record arrived (bpftrace 0.17 prints it before attaching the other probes).
    public private(set) var started = false
    /// Whether the end record arrived (bpftrace finished printing maps).
    public private(set) var ended = false
    /// The highest sync sequence number seen (0: none); see `SyncMarker`.
    public private(set) var synced: UInt64 = 0
    /// Whether tracing has begun: BEGIN's record arrived and, when the program carries the sync
    /// probe (attached last), its first answer too.
    public var attached: Bool { started && (program.sync == nil || synced > 0) }
    /// bpftrace's own lines from standard output (not records), e.g. "Attaching 2 probes...":
    /// the first `messageLimit` of them (a run never holds an unbounded amount of text).
    public private(set) var messages: [String] = []
    /// bpftrace's lines beyond `messageLimit`, counted only.
    public private(set) var droppedMessages: Int64 = 0
    /// Records that did not fit the program (never expected; counted so nothing is silent).
    public private(set) var malformedRecords: Int64 = 0
    /// Records the scanner found damaged (cut or garbled markers) and skipped; see `EventScanner`.
    public private(set) var damagedRecords: Int64 = 0
    /// How many of bpftrace's lines are kept.
    public static let messageLimit = 100

    /// bpftrace's lines and the unreadable records, as a plain value for reports.
    public var health: RunHealth {
        RunHealth(messages: messages, droppedMessages: droppedMessages, malformedRecords: malformedRecords, damagedRecords: damagedRecords)
    }
    private let evaluator: EventEvaluator
    /// Each probe's user-space filters, resolved against what its events carry.
    private let filtersByProbe: [[ResolvedExpression]]

    /// Whether interval maps accumulate (`every INTERVAL keep`): each interval's counts are then
    /// the run's so far, not added to the run's statistics again.
    public let keepIntervals: Bool
    /// Completed intervals not yet taken (`takeIntervals`), the newest `intervalLimit` of them.
    public private(set) var intervals: [IntervalResult] = []
    /// Intervals dropped because nobody took them (a background run).
    public private(set) var droppedIntervals: Int64 = 0
    /// How many untaken intervals are kept.
    public static let intervalLimit = 1000
    /// The interval whose maps are arriving (between its `I` and `J` records).
    private var openInterval: IntervalResult?
    /// Streamed events since the last interval ended (since the start with `keep`).
    private var intervalStatistics: Statistics
    /// The in-kernel event counts as of the last interval, by key (see `consume`).
    private var lastIntervalCounts: [[TraceValue]: AggregationResult.Value] = [:]
    private var startMonotonic: Int64?
    private var lastIntervalMonotonic: Int64?

    /// Whether the run has intervals (`every INTERVAL`): only then are per-interval statistics
    /// kept, a second count per event that a plain run does not pay for.
    public let tracksIntervals: Bool

    public init(program: CompiledProgram, clockOffset: Int64, maxEvents: Int, tracksIntervals: Bool = false, keepIntervals: Bool = false) {
        self.tracksIntervals = tracksIntervals
        self.keepIntervals = keepIntervals
        intervalStatistics = Statistics(probeCount: program.probes.count)
        self.program = program
        self.clockOffset = clockOffset
        store = EventStore(capacity: maxEvents)
        statistics = Statistics(probeCount: program.probes.count)
        evaluator = EventEvaluator(probes: program.probes, names: program.valueNames)
        filtersByProbe = program.probes.indices.map { index in
            program.userFilters.filter { $0.probeIndex == nil || $0.probeIndex == index }.map { filter in
                // The compiler checked that each filter resolves here; a damaged recording's
                // filter that does not keeps nothing rather than everything.
                (try? ExpressionResolver(scope: CapturedScope(probe: program.probes[index])).condition(filter.condition))
                    ?? ResolvedExpression(.integer(0), type: .integer, placement: .userSpace, at: filter.condition.location)
            }
        }
    }

    /// Returns the event `record` made when it passed the filters (what a live view shows).
    @discardableResult
    public mutating func consume(_ record: ScannedRecord) -> TraceEvent? {
        switch record {
        case .start(let monotonic):
            started = true
            startMonotonic = monotonic
        case .interval(let number, let monotonic):
            let since = (keepIntervals ? nil : lastIntervalMonotonic) ?? startMonotonic ?? monotonic
            openInterval = IntervalResult(number: number, endTime: monotonic &+ clockOffset, seconds: (Double(monotonic) - Double(since)) / 1e9,
                                          aggregations: [], statistics: intervalStatistics)
            lastIntervalMonotonic = monotonic
            if !keepIntervals { intervalStatistics = Statistics(probeCount: program.probes.count) }
        case .intervalEnd(let number):
            guard let interval = openInterval, interval.number == number else {
                malformedRecords += 1
                return nil
            }
            openInterval = nil
            intervals.append(interval)
            if intervals.count > Self.intervalLimit {
                intervals.removeFirst()
                droppedIntervals += 1
            }
        case .map(let name, let text) where openInterval != nil:
            if name == CompiledProgram.eventCountMap.name {
                // The kernel's counts since the start (never cleared, see ProgramCompiler): an
                // interval of its own gets the difference from the last interval's.
                var counts = MapParser.parse(text, map: CompiledProgram.eventCountMap)
                if !keepIntervals {
                    let cumulative = counts.rows
                    counts.rows = cumulative.map { row in
                        guard case .scalar(let value) = row.value, case .scalar(let last)? = lastIntervalCounts[row.keys] else { return row }
                        return AggregationResult.Row(keys: row.keys, value: .scalar(value &- last))
                    }
                    for row in cumulative { lastIntervalCounts[row.keys] = row.value }
                }
                malformedRecords += Self.addCounted(counts, to: &openInterval!.statistics)
            } else if let map = program.maps.first(where: { $0.name == name }) {
                openInterval!.aggregations.append(MapParser.parse(text, map: map, names: program.valueNames))
            }
        case .event(let fields):
            guard let event = makeEvent(fields) else {
                malformedRecords += 1
                return nil
            }
            for filter in filtersByProbe[event.probeIndex] where !evaluator.matches(event, filter) {
                statistics.filteredOut += 1
                return nil
            }
            statistics.record(event)
            if tracksIntervals { intervalStatistics.record(event) }
            store.append(event)
            return event
        case .map(let name, let text) where name == CompiledProgram.eventCountMap.name:
            malformedRecords += Self.addCounted(MapParser.parse(text, map: CompiledProgram.eventCountMap), to: &statistics)
        case .map(let name, let text):
            if let map = program.maps.first(where: { $0.name == name }) {
                aggregations.append(MapParser.parse(text, map: map, names: program.valueNames))
            }
        case .end:
            ended = true
        case .sync(let sequence):
            synced = max(synced, sequence)
        case .trailer:
            break  // about the recording, not the run's results (see RecordingReplay)
        case .text(let bytes):
            let line = String(decoding: bytes, as: UTF8.self)
            if let lost = Self.lostEvents(in: line) {
                statistics.lostEvents += lost
            } else if !line.isEmpty {
                if messages.count < Self.messageLimit { messages.append(line) } else { droppedMessages += 1 }
            }
        }
        return nil
    }

    /// Hands over the completed intervals (the run's front end prints each once).
    public mutating func takeIntervals() -> [IntervalResult] {
        defer { intervals = [] }
        return intervals
    }

    /// Adds the in-kernel counts of probes that do not stream to `statistics`; returns how many
    /// rows did not fit the map's shape.
    static func addCounted(_ counts: AggregationResult, to statistics: inout Statistics) -> Int64 {
        var malformed: Int64 = 0
        for row in counts.rows {
            guard row.keys.count == 3, case .integer(let probe) = row.keys[0], case .integer(let pid) = row.keys[1],
                  case .bytes(let comm) = row.keys[2], case .scalar(let count) = row.value else {
                malformed += 1
                continue
            }
            statistics.recordCounted(count, probeIndex: Int(probe), pid: pid, comm: comm)
        }
        return malformed
    }

    /// An event record's fixed fields: probe index, nsecs, pid, tid, uid, gid, cpu, comm.
    static let headerFields = 8

    /// Takes the scanner's count of damaged records (the scanner sees them; the run's results
    /// report them).
    public mutating func noteDamagedRecords(_ count: Int) {
        damagedRecords = Int64(count)
    }

    /// `Lost 12 events` (bpftrace's perf buffer overflowed) -> 12.
    static func lostEvents(in line: String) -> Int64? {
        let words = line.split(separator: " ")
        guard words.count == 3, words[0] == "Lost", words[2] == "events" || words[2] == "event" else { return nil }
        return Int64(words[1])
    }

    private func makeEvent(_ fields: [[UInt8]]) -> TraceEvent? {
        guard fields.count >= Self.headerFields, let probeIndex = ByteFields.integer(fields[0]).map(Int.init),
              probeIndex >= 0, probeIndex < program.probes.count else { return nil }
        let probe = program.probes[probeIndex]
        guard fields.count == Self.headerFields + probe.fields.count,
              let monotonic = ByteFields.integer(fields[1]), let pid = ByteFields.integer(fields[2]),
              let tid = ByteFields.integer(fields[3]), let uid = ByteFields.integer(fields[4]),
              let gid = ByteFields.integer(fields[5]), let cpu = ByteFields.integer(fields[6]) else { return nil }
        var values: [TraceValue] = []
        values.reserveCapacity(probe.fields.count)
        var rawArgs: [NamedValue] = []
        for (field, bytes) in zip(probe.fields, fields[Self.headerFields...]) {
            let value: TraceValue
            if field.kind == .integer {
                guard let number = ByteFields.integer(bytes) else { return nil }
                value = .integer(number)
            } else {
                value = .bytes(bytes)
            }
            values.append(value)
            rawArgs.append(NamedValue(name: field.name, value: value))
        }
        let message = probe.format.map { $0.render(Array(values.prefix($0.conversions.count))) } ?? []
        return TraceEvent(timestamp: monotonic &+ clockOffset, monotonic: monotonic, probeIndex: probeIndex, pid: pid, tid: tid,
                          uid: uid, gid: gid, cpu: cpu, comm: fields[7], message: message, rawArgs: rawArgs)
    }
}
