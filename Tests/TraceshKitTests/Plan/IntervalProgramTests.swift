import Testing
@testable import TraceshKit
@testable import TraceshModel
@testable import TraceshKernel
@testable import TraceshLanguage
@testable import TraceshPlan
@testable import TraceshRuntime
@testable import TraceshAnalysis

/// `run DURATION every INTERVAL [keep]`: parsed, compiled to an interval probe that prints the
/// maps between framed interval records, and read back as one result per interval.
@Suite struct IntervalProgramTests {
    func request(_ text: String) throws -> RunRequest {
        guard case .run(let request) = try CommandParser.parse(LocatedText(text)).kind else {
            throw Diagnostic("not a run", at: nil)
        }
        return request
    }

    @Test func everyIntervalAndKeepAreParsed() throws {
        let plain = try request("run 4s every 1s")
        #expect(plain.duration == .seconds(4) && plain.interval == .seconds(1) && !plain.keepIntervals)
        let kept = try request("run 4s every 250ms keep -- /bin/true")
        #expect(kept.interval == TraceDuration(milliseconds: 250) && kept.keepIntervals && kept.command == ["/bin/true"])
        let noDuration = try request("run every 2s &")
        #expect(noDuration.duration == nil && noDuration.interval == .seconds(2) && noDuration.background)
    }

    @Test func badIntervalsAreLocatedErrors() {
        #expect(throws: Diagnostic("invalid interval 'soon'; \(TraceDuration.spellingHint)", at: SourceLocation(line: 1, column: 14))) {
            try request("run 4s every soon")
        }
        #expect(throws: Diagnostic("expected an interval after 'every' (e.g. every 1s)", at: SourceLocation(line: 1, column: 8))) {
            try request("run 4s every")
        }
        #expect(throws: Diagnostic("the interval 5s is longer than the run (4s): no interval would end", at: SourceLocation(line: 1, column: 14))) {
            try request("run 4s every 5s")
        }
    }

    func program(every interval: TraceDuration, keep: Bool, aggregation: String = "sum arg3 by comm") throws -> CompiledProgram {
        let graph = try GoldenPrograms.graph(.init(name: "interval", script: "probe rd = sys_read\nagg rd: \(aggregation)"), catalog: Fixtures.catalog)
        return try ProgramCompiler.compile(graph, catalog: Fixtures.catalog,
                                           options: CompileOptions(framing: Fixtures.framing, interval: interval, keepIntervals: keep))
    }

    @Test func theIntervalProbePrintsAndClearsTheMaps() throws {
        let source = try program(every: .seconds(1), keep: false).source
        let block = try #require(source.components(separatedBy: "interval:s:1\n").last?.components(separatedBy: "\n}").first)
        #expect(block.contains("@tracesh_interval = (@tracesh_interval + 1);"))
        for line in ["print(@agg1);", "clear(@agg1);", "print(@tracesh_events);"] {
            #expect(block.contains(line), "\(block)")
        }
        // The event counts stay: the run's statistics must not lose an event between print and clear.
        #expect(!block.contains("clear(@tracesh_events);"), "\(block)")
        let kept = try program(every: TraceDuration(milliseconds: 250), keep: true).source
        let keptBlock = try #require(kept.components(separatedBy: "interval:ms:250\n").last?.components(separatedBy: "\n}").first)
        #expect(keptBlock.contains("print(@agg1);") && !keptBlock.contains("clear("), "\(keptBlock)")
    }

    /// The scanner and pipeline tell each interval's maps from the run's last ones; cleared
    /// intervals' counts add up to the run's.
    @Test func intervalsAreReadBackAndCountsAddUp() throws {
        let program = try program(every: .seconds(1), keep: false)
        let framing = program.framing
        func record(_ kind: EventFraming.Kind, _ fields: [String]) -> [UInt8] {
            framing.encode(kind, fields.map { Array($0.utf8) })
        }
        var bytes: [UInt8] = record(.start, ["1000000000"])
        // The event counts are the kernel's since the start: 5, then 12.
        for (number, count, cumulative) in [(1, 5, 5), (2, 7, 12)] {
            bytes += record(.interval, [String(number), String(1_000_000_000 * (number + 1))])
            bytes += record(.map, ["@agg1"]) + Array("@agg1[reader]: \(count)\n\n".utf8)
            bytes += record(.map, ["@tracesh_events"]) + Array("@tracesh_events[0, 42, reader]: \(cumulative)\n\n".utf8)
            bytes += record(.intervalEnd, [String(number)])
        }
        bytes += record(.map, ["@agg1"]) + Array("@agg1[reader]: 1\n\n".utf8)
        bytes += record(.map, ["@tracesh_events"]) + Array("@tracesh_events[0, 42, reader]: 13\n\n".utf8)
        bytes += record(.end, [])
        var scanner = EventScanner(framing: framing)
        var pipeline = Pipeline(program: program, clockOffset: 0, maxEvents: 10)
        // Split in the middle of a record: the scanner must not care.
        for chunk in [Array(bytes[..<100]), Array(bytes[100...])] {
            for scanned in scanner.feed(chunk) { pipeline.consume(scanned) }
        }
        for scanned in scanner.finish() { pipeline.consume(scanned) }
        let intervals = pipeline.takeIntervals()
        #expect(intervals.map(\.number) == [1, 2])
        #expect(intervals.map(\.endTime) == [2_000_000_000, 3_000_000_000])
        #expect(intervals.map(\.seconds) == [1, 1])
        #expect(intervals.map(\.statistics.totalEvents) == [5, 7])
        #expect(intervals.map { $0.aggregations.first?.rows.first?.value } == [.scalar(5), .scalar(7)])
        #expect(pipeline.takeIntervals().isEmpty)
        #expect(pipeline.statistics.totalEvents == 13)
        #expect(pipeline.aggregations.first?.rows.first?.value == .scalar(1))
        #expect(pipeline.malformedRecords == 0 && pipeline.ended)
    }

    /// A count read from the event counts (no map of its own) follows the intervals too: each
    /// interval's rows are its own events, and the run's closing result is the whole run's (it
    /// was what came after the last interval on 27ef842).
    @Test func aCountSummedFromTheEventCountsFollowsTheIntervals() throws {
        let program = try program(every: .seconds(1), keep: false, aggregation: "count by comm")
        #expect(program.maps.first?.fromEventCounts == EventCountDerivation(probeIndices: [0], keys: [.comm]))
        let framing = program.framing
        func record(_ kind: EventFraming.Kind, _ fields: [String]) -> [UInt8] {
            framing.encode(kind, fields.map { Array($0.utf8) })
        }
        var bytes: [UInt8] = record(.start, ["1000000000"])
        for (number, cumulative) in [(1, "@tracesh_events[0, 42, reader]: 5\n"), (2, "@tracesh_events[0, 42, reader]: 12\n@tracesh_events[0, 43, reader]: 1\n")] {
            bytes += record(.interval, [String(number), String(1_000_000_000 * (number + 1))])
            bytes += record(.map, ["@tracesh_events"]) + Array((cumulative + "\n").utf8)
            bytes += record(.intervalEnd, [String(number)])
        }
        bytes += record(.map, ["@tracesh_events"]) + Array("@tracesh_events[0, 42, reader]: 14\n@tracesh_events[0, 43, reader]: 1\n\n".utf8)
        bytes += record(.end, [])
        var scanner = EventScanner(framing: framing)
        var pipeline = Pipeline(program: program, clockOffset: 0, maxEvents: 10)
        for scanned in scanner.feed(bytes) + scanner.finish() { pipeline.consume(scanned) }
        let reader = [TraceValue.bytes(Array("reader".utf8))]
        #expect(pipeline.takeIntervals().map { $0.aggregations.map(\.rows) } == [[[.init(keys: reader, value: .scalar(5))]],
                                                                                [[.init(keys: reader, value: .scalar(8))]]])
        #expect(pipeline.aggregations.map(\.rows) == [[.init(keys: reader, value: .scalar(15))]])
        #expect(pipeline.statistics.totalEvents == 15)
    }

    /// The maps the intervals clear in the kernel are added up for the run's closing result:
    /// sums and histogram buckets add, a key seen in one interval only stays; an average cannot
    /// be added up, so it is the last interval's and the pipeline says so.
    @Test(arguments: [("sum arg3 by comm", ["reader": 5 + 7 + 2, "writer": 4], false), ("max arg3 by comm", ["reader": 7, "writer": 4], false),
                      ("avg arg3 by comm", ["reader": 2], true)])
    func clearedMapsAreAddedUpForTheClosingResult(aggregation: String, expected: [String: Int64], lastOnly: Bool) throws {
        let program = try program(every: .seconds(1), keep: false, aggregation: aggregation)
        let framing = program.framing
        func record(_ kind: EventFraming.Kind, _ fields: [String]) -> [UInt8] {
            framing.encode(kind, fields.map { Array($0.utf8) })
        }
        var bytes: [UInt8] = record(.start, ["1000000000"])
        for (number, map) in [(1, "@agg1[reader]: 5\n"), (2, "@agg1[reader]: 7\n@agg1[writer]: 4\n")] {
            bytes += record(.interval, [String(number), String(1_000_000_000 * (number + 1))])
            bytes += record(.map, ["@agg1"]) + Array((map + "\n").utf8)
            bytes += record(.intervalEnd, [String(number)])
        }
        bytes += record(.map, ["@agg1"]) + Array("@agg1[reader]: 2\n\n".utf8)
        bytes += record(.end, [])
        var scanner = EventScanner(framing: framing)
        var pipeline = Pipeline(program: program, clockOffset: 0, maxEvents: 10, tracksIntervals: true)
        for scanned in scanner.feed(bytes) + scanner.finish() { pipeline.consume(scanned) }
        let rows = try #require(pipeline.aggregations.first?.rows)
        var values: [String: Int64] = [:]
        for row in rows {
            if case .bytes(let comm)? = row.keys.first, case .scalar(let value) = row.value { values[String(decoding: comm, as: UTF8.self)] = value }
        }
        #expect(values == expected)
        #expect(pipeline.lastIntervalOnly == (lastOnly ? ["@agg1"] : []))
    }
}
