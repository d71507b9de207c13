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
    /// Whether END began printing (its `B` record; programs with stack-keyed maps print one): the
    /// stop was heard.
    public private(set) var endBegan = false
    /// The kernel time every CPU's sync reports have reached (0: none yet): the earliest of each
    /// CPU's latest (a fake bpftrace in tests answers with sequence numbers, the highest counts);
    /// see `SyncMarker`.
    public var synced: UInt64 { syncByCPU.isEmpty ? syncedWithoutCPU : syncByCPU.values.lazy.map(\.time).min()! }
    private var syncedWithoutCPU: UInt64 = 0
    /// Each CPU's latest sync report: its time and its count there.
    private var syncByCPU: [Int64: (time: UInt64, number: Int64)] = [:]
    /// Whether tracing has begun: BEGIN's record arrived and, when the program carries the sync
    /// probe (attached last), its first answer too.
    public var attached: Bool { started && (program.sync == nil || synced > 0) }
    /// bpftrace's own lines from standard output (not records), e.g. "Attaching 2 probes...":
    /// the first `messageLimit` of them (a run never holds an unbounded amount of text).
    public private(set) var messages: [String] = []
    /// The first line of standard output before BEGIN's record that bpftrace itself never prints
    /// there (it prints only "Attaching N probes..." first): the program started as bpftrace is
    /// something else (a stand-in on PATH, a wrapper that talks). Later text, while the other
    /// probes attach and events already flow, is bpftrace's own and only kept (`messages`).
    public private(set) var foreignLine: String?
    /// bpftrace's lines beyond `messageLimit`, counted only.
    public private(set) var droppedMessages: Int64 = 0
    /// Records that did not fit the program (never expected; counted so nothing is silent).
    public private(set) var malformedRecords: Int64 = 0
    /// Records the scanner found damaged (cut or garbled markers) and skipped; see `EventScanner`.
    public private(set) var damagedRecords: Int64 = 0
    /// How many of bpftrace's lines are kept.
    public static let messageLimit = 100

    /// bpftrace's "Attaching 1 probe..." / "Attaching 12 probes...".
    static func isAttachingLine(_ line: String) -> Bool {
        guard line.hasPrefix("Attaching "), line.hasSuffix("...") else { return false }
        let words = line.dropFirst("Attaching ".count).dropLast(3).split(separator: " ")
        return words.count == 2 && words[0].allSatisfy(\.isNumber) && (words[1] == "probe" || words[1] == "probes")
    }

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
    /// The held command's own event counts by probe index, and its pid and comm, printed just
    /// before the event counts that they join (see `CompileOptions.heldCommand`).
    private var heldCommandCounts: [Int: Int64] = [:]
    private var heldCommandPid: Int64?
    private var heldCommandComm: [UInt8] = []
    private var startMonotonic: Int64?
    private var lastIntervalMonotonic: Int64?

    /// Per map, what the intervals so far held: without `keep` each interval clears the maps in
    /// the kernel, so the run's closing results add these to what came after the last interval
    /// and are the whole run's, as its summary line is.
    private var runTotals: [String: AggregationResult] = [:]
    /// Maps whose closing result is the last interval's only: an average cannot be added up
    /// from the intervals' averages (`every INTERVAL keep` gives the whole run's).
    public private(set) var lastIntervalOnly: Set<String> = []

    /// Whether the run has intervals (`every INTERVAL`): only then are per-interval statistics
    /// kept, a second count per event that a plain run does not pay for.
    public let tracksIntervals: Bool

    /// Names the frames of the run's stacks (nil when it has none; see `StackRows`).
    public let stacks: StackNamer?

    public init(program: CompiledProgram, clockOffset: Int64, maxEvents: Int, tracksIntervals: Bool = false, keepIntervals: Bool = false,
                stacks: StackNamer? = nil) {
        self.stacks = stacks
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
        case .map(let name, let text) where name == CompiledProgram.heldCommandCommMap || name.hasPrefix(CompiledProgram.heldCommandCountPrefix):
            noteHeldCommandMap(name, text)
        case .map(let name, let text) where openInterval != nil:
            if name == CompiledProgram.eventCountMap.name {
                // The kernel's counts since the start (never cleared, see ProgramCompiler): an
                // interval of its own gets the difference from the last interval's.
                let cumulative = eventCounts(text)
                let counts = keepIntervals ? cumulative : sinceLastInterval(cumulative)
                if !keepIntervals { for row in cumulative.rows { lastIntervalCounts[row.keys] = row.value } }
                malformedRecords += Self.addCounted(counts, to: &openInterval!.statistics)
                openInterval!.aggregations = program.addingDerived(from: counts, to: openInterval!.aggregations)
            } else if let map = program.maps.first(where: { $0.name == name && $0.fromEventCounts == nil }) {
                let result = named(MapParser.parse(text, map: map, names: program.valueNames), map: map)
                openInterval!.aggregations.append(result)
                if !keepIntervals { addToRunTotal(result) }
            }
        case .process(let pid):
            stacks?.capture(pid: pid)
        case .mapping(let mapping):
            stacks?.learn(mapping)
        case .endBegin:
            endBegan = true
        case .event(let fields):
            guard let event = makeEvent(fields) else {
                malformedRecords += 1
                return nil
            }
            return accept(event)
        case .map(let name, let text) where name == CompiledProgram.eventCountMap.name:
            let counts = eventCounts(text)
            malformedRecords += Self.addCounted(counts, to: &statistics)
            // The kernel's event counts are never cleared: a derivation from them is the whole run's.
            aggregations = program.addingDerived(from: counts, to: aggregations)
        case .map(let name, let text):
            if let map = program.maps.first(where: { $0.name == name && $0.fromEventCounts == nil }) {
                let result = named(MapParser.parse(text, map: map, names: program.valueNames), map: map)
                // After cleared intervals the map holds what came since the last one: add them up.
                if tracksIntervals && !keepIntervals {
                    addToRunTotal(result)
                    aggregations.append(runTotals[result.map] ?? result)
                } else {
                    aggregations.append(result)
                }
            }
        case .end:
            ended = true
        case .sync(let time, let cpu, let number):
            guard cpu >= 0 else {
                syncedWithoutCPU = max(syncedWithoutCPU, time)
                break
            }
            // A gap in the count: sync reports the kernel dropped, which bpftrace counted lost.
            let missed = number - (syncByCPU[cpu]?.number ?? 0) - 1
            if missed > 0 { statistics.lostEvents = max(0, statistics.lostEvents - missed) }
            if number > syncByCPU[cpu]?.number ?? 0 { syncByCPU[cpu] = (max(time, syncByCPU[cpu]?.time ?? 0), number) }
        case .trailer:
            break  // about the recording, not the run's results (see RecordingReplay)
        case .text(let bytes):
            let line = String(decoding: bytes, as: UTF8.self)
            if let lost = Self.lostEvents(in: line) {
                statistics.lostEvents += lost
            } else if !line.isEmpty {
                if !started && foreignLine == nil && !Self.isAttachingLine(line) { foreignLine = line }
                if messages.count < Self.messageLimit { messages.append(line) } else { droppedMessages += 1 }
            }
        }
        return nil
    }

    /// Adds one interval's (or the closing) result of a map to the run's total; an average
    /// keeps only the newest, and says so (`lastIntervalOnly`).
    private mutating func addToRunTotal(_ result: AggregationResult) {
        guard var total = runTotals[result.map], !lastIntervalOnly.contains(result.map) else {
            runTotals[result.map] = result
            return
        }
        if case .avg = result.aggregation.function {
            lastIntervalOnly.insert(result.map)
            runTotals[result.map] = result
            return
        }
        var positions: [[TraceValue]: Int] = [:]
        for (index, row) in total.rows.enumerated() { positions[row.keys] = index }
        for row in result.rows {
            if let position = positions[row.keys], let merged = StackRows.merge(total.rows[position].value, row.value, result.aggregation.function) {
                total.rows[position].value = merged
            } else {
                positions[row.keys] = total.rows.count
                total.rows.append(row)
            }
        }
        runTotals[result.map] = total
    }

    private func named(_ result: AggregationResult, map: CompiledMap) -> AggregationResult {
        guard let stacks else { return result }
        return StackRows.name(result, map: map, namer: stacks)
    }

    /// Whether `program` reads stacks (its maps are keyed by them, or its events carry them).
    public static func readsStacks(_ program: CompiledProgram) -> Bool {
        program.maps.contains { $0.aggregation.keys.contains(where: StackKey.isStackName) }
            || program.probes.contains { $0.fields.contains { $0.name == "ustack" || $0.name == "kstack" } }
    }

    /// Keeps the held command's counts and name until the event counts arrive.
    private mutating func noteHeldCommandMap(_ name: String, _ text: [UInt8]) {
        if name == CompiledProgram.heldCommandCommMap {
            // `@tracesh_command_comm[PID]: COMM`
            let prefix = Array((name + "[").utf8), separator = Array("]: ".utf8)
            for line in text.split(separator: 0x0a) where line.starts(with: prefix) {
                let parts = ByteFields.split(Array(line.dropFirst(prefix.count)), by: separator)
                guard parts.count >= 2, let pid = ByteFields.integer(parts[0]) else {
                    malformedRecords += 1
                    continue
                }
                heldCommandPid = pid
                heldCommandComm = Array(parts.dropFirst().joined(separator: separator))
            }
        } else if let probe = Int(name.dropFirst(CompiledProgram.heldCommandCountPrefix.count)) {
            let parsed = MapParser.parse(text, map: CompiledMap(name: name, aggregation: CompiledProgram.eventCountMap.aggregation, keyKinds: []))
            if case .scalar(let count)? = parsed.rows.first?.value { heldCommandCounts[probe] = count }
        }
    }

    /// The event counts, `[probe, pid, comm]: N`, with the held command's rows added.
    private mutating func eventCounts(_ text: [UInt8]) -> AggregationResult {
        var counts = MapParser.parse(text, map: CompiledProgram.eventCountMap)
        if let pid = heldCommandPid {
            for (probe, count) in heldCommandCounts.sorted(by: { $0.key < $1.key }) {
                counts.rows.append(.init(keys: [.integer(Int64(probe)), .integer(pid), .bytes(heldCommandComm)], value: .scalar(count)))
            }
        } else if !heldCommandCounts.isEmpty {
            malformedRecords += 1
        }
        heldCommandCounts = [:]
        return counts
    }

    /// The kernel's event counts (never cleared) less those at the last interval.
    private func sinceLastInterval(_ counts: AggregationResult) -> AggregationResult {
        var result = counts
        result.rows = counts.rows.compactMap { row in
            guard case .scalar(let value) = row.value, case .scalar(let last)? = lastIntervalCounts[row.keys] else { return row }
            return value == last ? nil : AggregationResult.Row(keys: row.keys, value: .scalar(value &- last))
        }
        return result
    }

    /// An event decoded from a compact recording (see `CompactRecord`): the same path as a
    /// scanned event record from here on.
    @discardableResult
    public mutating func consume(_ decoded: CompactRecord.Event) -> TraceEvent? {
        guard decoded.probeIndex >= 0, decoded.probeIndex < program.probes.count else {
            malformedRecords += 1
            return nil
        }
        return accept(event(probeIndex: decoded.probeIndex, monotonic: decoded.monotonic, pid: decoded.pid, tid: decoded.tid,
                            uid: decoded.uid, gid: decoded.gid, cpu: decoded.cpu, comm: decoded.comm, rawArgs: decoded.rawArgs))
    }

    /// A made event through the user-space filters into the statistics and the store.
    private mutating func accept(_ event: TraceEvent) -> TraceEvent? {
        for filter in filtersByProbe[event.probeIndex] where !evaluator.matches(event, filter) {
            statistics.filteredOut += 1
            return nil
        }
        var event = event
        if let stacks { event = StackRows.name(event, namer: stacks) }
        statistics.record(event)
        if tracksIntervals { intervalStatistics.record(event) }
        store.append(event)
        return event
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
        var rawArgs: [NamedValue] = []
        rawArgs.reserveCapacity(probe.fields.count)
        for (field, bytes) in zip(probe.fields, fields[Self.headerFields...]) {
            if field.kind == .integer {
                guard let number = ByteFields.integer(bytes) else { return nil }
                rawArgs.append(NamedValue(name: field.name, value: .integer(number)))
            } else {
                rawArgs.append(NamedValue(name: field.name, value: .bytes(bytes)))
            }
        }
        return event(probeIndex: probeIndex, monotonic: monotonic, pid: pid, tid: tid, uid: uid, gid: gid, cpu: cpu, comm: fields[7], rawArgs: rawArgs)
    }

    /// The event of a probe (index checked) with its values, named, in the probe's order.
    private func event(probeIndex: Int, monotonic: Int64, pid: Int64, tid: Int64, uid: Int64, gid: Int64, cpu: Int64,
                       comm: [UInt8], rawArgs: [NamedValue]) -> TraceEvent {
        let probe = program.probes[probeIndex]
        // `render` uses one value per conversion and ignores the rest.
        let message = probe.format.map { $0.render(named: rawArgs) } ?? []
        return TraceEvent(timestamp: monotonic &+ clockOffset, monotonic: monotonic, probeIndex: probeIndex, pid: pid, tid: tid,
                          uid: uid, gid: gid, cpu: cpu, comm: comm, message: message, rawArgs: rawArgs)
    }
}
