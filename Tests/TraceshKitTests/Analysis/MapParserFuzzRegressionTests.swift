import Foundation
import Testing
@testable import TraceshKit
@testable import TraceshAnalysis
@testable import TraceshRuntime

/// Inputs `scripts/fuzz scanner` found (and some of their kind), fed again to the scanner and the pipeline.
@Suite struct MapParserFuzzRegressionTests {
    /// The input libFuzzer saved (crash-281a0e0a...): a histogram map whose single-value bucket
    /// is `[9223372036854775807]`; its end (`low + 1`) overflowed and the process trapped.
    static let crash = Data(base64Encoded: "FhYWFhYWFhY9FhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYKw78fMDU3Nx8wZzAxMjM0NTg2YRYWFhYWFhYWFhYWFhYWFhYWCsO/HjAxMjM0NTY3ODlhYmNkZWYfTR8wMTIzNDU2Nzg5YWJjZGVmH0BhZ2cyHzAxMjM0NTY3ODlhYmNkZWYeCkBhZ2cyOgpbIDkyMjMzNzIwMzY4NTQ3NzU4MDddMCAyIHxAQEBAQEBhYmNkZWYeCkBhZ2cyOgpbIF0wIDIgfEBAQEBAQEBAOiAxCgoeMDEyMzQ1Mh8wMTIzNDU2Nzg5YWJjZGXmHgpAYWdnMjoKWyBdMCAyIHxAQEBAQEBhYmNkQEBhYmNkZWYeCkBhZ2cyOgpbIF0wIDIgfEAwMTIzNDUyHzAxMjM0NTY3ODlhYmNkZWYeCkBhZ2cyOgpbIF0wIDIgfEBAQEBAQGFiY2RlZh4KQGFnZzI6ClsgXTAgMiB8QEBAQEBAQEBAQEBAQEBAQEBAQDA1NzcfMGcwMTIzNDU4BwAAAAAAAAA2YTk3YmNkZWYxW3NoXTogMQoxNDMeMgowNTY3ODlhYmNkZWYfTR8wMTIzNDU2Nzg5YWJjZGVmH0BhZ2cyHzAxMjM0NTY3ODlhYmNkZWYeCkBhZ2cyOgpbIF0wIDIgfEBAQEBAQGFiY2RlZh4KMjoKWyBdMCAyIHxAQEBAQEBAQDogMQoKHjAxMjM0NcsyHzAxMjM0NTY3ODlhYmNkZWYeCkBhZ2cyOgpbIF03ODlhYmNkZWYfQGFnZzIfMDEyMzQ1Njc4OWFiY2RlZh4KQGFnZzI6ClsgXTAgMiB8QEBAQEBAYWJjZGVmHgpAYWdnMjoKWyBdMCAyIHxAQEBAQEBAQDogMQoKHjAxMjM0NTIfMDEyMzQ1Njc4OWFiY2RlZh4KQGFnZzI6ClsgXTAgMiB8QEBAQEBAYWJjZGVmHgpAYWdnMjoKWyBdMCAyIHxAQEBAQEBAQEBAQEBAQEBAQEBAMDU3Nx8wZzAxMjM0NTgHAAAAAAAAADZhOTdiY2RlZjFbc2hdOiAxCgoeMAoKHjAxMjM0NTY3ODlhYmNkZWYfTR8wMTIzNDU2Nzg5YWJjZGVmH0BhZ2cyHzAxMjM0NTY3ODlhYmNkZWYeCkBhZ2cyOgpbIF0wIDIgfEBAQEBAQGFiY2RlZh4KQGFnZzI6ClsgXTAgMiB8QEBAQEBAQEA6IDEKCh4wMTIzNDUyHzAxMzUyNzY0ODlhYmNkZWYeCkBhZ2cyOgpbIF0wIDIgfEBAQEBAQGFiY2RAQGFiY2RlZh4KQGFnZzI6ClsgXTAgMiB8QEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAAAAAf0BAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQGYxW3NoXTogMQoKHjAxMjM0NTY3ODlhYmNkZWYfTR8wMTIzNDU2Nzg5YWJjZGVmQEBAHgpAYWdnMjoKWyBdMCAyQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQGYxW3NoXTogMQoKHjAxMjM0NTY3ODlhYmNkZWYfTR8wMTIzNDU2Nzg5YWJjZGVmQEBAQAAQAAAAAAAAY2Rl")!

    /// The fuzz target's session (fuzz/Targets/FuzzTargets.swift), compiled against the fixture tracefs.
    static func program() throws -> CompiledProgram {
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output, catalog: Fixtures.catalog)
        let session = """
            probe o = sys_openat "open %s flags %d", arg2@user, arg3
            probe r = r::sys_read "read %d", retval
            probe x = t:sched:sched_process_exec "exec %s %d", args->filename, args->pid
            agg o: count by comm
            agg r: hist retval
            """
        #expect(interpreter.run(source: session, origin: "fuzz") == .success, "\(output.diagnostics)")
        return try ProgramCompiler.compile(interpreter.graph, catalog: Fixtures.catalog, options: CompileOptions(framing: Fixtures.framing))
    }

    @Test func theSavedCrashInputIsScannedWithoutATrap() throws {
        let program = try Self.program()
        var scanner = EventScanner(framing: program.framing)
        var pipeline = Pipeline(program: program, clockOffset: 0, maxEvents: 16, tracksIntervals: true)
        let bytes = Array(Self.crash)
        let cut = Int(bytes[0]) % (bytes.count + 1)
        scanner.feed(Array(bytes[..<cut])) { pipeline.consume($0) }
        scanner.feed(Array(bytes[cut...])) { pipeline.consume($0) }
        for record in scanner.finish() { pipeline.consume(record) }
        // The histogram is still read; the bucket at Int64.max has no end.
        let buckets = pipeline.aggregations.flatMap(\.rows).flatMap { row -> [AggregationResult.Bucket] in
            if case .histogram(let buckets) = row.value { return buckets }
            return []
        }
        #expect(buckets.contains { $0.low == Int64.max && $0.high == nil }, "\(pipeline.aggregations)")
    }

    /// crash-085dfa9c...: a sync record with a negative sequence was converted to UInt64 and trapped.
    static let negativeSync = Data(base64Encoded: "QXR0YWNoaW5nIDMgcHJvYmVzLi4uCh4wMTIzNDU2Nzg5YWJjZGVmH1MfMDEyMzQ1Njc4OWFiY2RlZh8xMDAwOiAxMmF5YUUKMzQ1Njc4OWFiY2RlZh4KHjAxMjM0NTY3ODlhYmNkZWYfRR8wMTIzNDU2Nzg5YWJjZGVmHzAfMDEyMzQ1Njc4OWFiY2RlZvHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8R8yMDAwHzAxMjM0NTY3ODlhYmNkZWYfNDIfMDEyMzQ1Njc4OWFiY2RlZh80Mx8wMTIzNDU2Nzg5YWJjZGVmHzAxMjM0NTY3ODlhYmNkZWYeCh8wHzAxMjM0NTY3ODlhYmNkZWYfMR8wMTIzNDU2Nzg5YWJjZGVmH2NhdB8wMTIzNDU2Nzg5YWJjZGVmHy9ldGMvaG9zdG5hbWUeCsO/HzAxMjM0NTY3ODlhYmNkZWYfNTc3HzAxMjM0NTY3ODlhYmNkZWYeCh4wMTIzNDU2Nzg5YWJjZGVmH0UfMDEyMzQ1Njc4OWFiY2RlZh8xHzAxMjM0NTY3ODlhYmNkZWYfMzAwMB8wMTIzAQAAAAAAAAA0NTY3ODlhYmNkZWYfNDIfMDEyMzQ1Njc4OWFiY2RlZh80Mx8wMTIzNDU2Nzg5YWJjZGVmHzAfMDEyMzQ1Njc4OWFiTWNkZWYfMB8wMTIzNDU2Nzg5YWJjZGVmHzEfMDEyMzQ1Njc4OWFiY2RlZh9jYXQfMDEyNzQ0MDYxNmFiY2RlZh8tMh8wMTIzNDU2Nzg5YWJjZGVmHgoeMDEyMzQ1Njc4OWFiY2RlZh9FHzAxMjM0NTY3ODlhYmNkZWYfMh8wMTIzNDU2Nzg5YWJjZGVmHzQwMDAfMDEyMzQ1Njc4OWFiY2RlZh80NB8wMTIzNDU2Nzg5YWJjZGVmHzQ0HzAxMjM0NTY3ODlhYmNkZWYfMB8wMTIzNDU2Nzg5YWJjZGVmHzAfMDEyMzQ1Njc4OWFiY2RlZh8wHzAxMjM0NTY3ODlhYmNkZWYfc2gfMDEyMzQ1Njc4OWFiY2RlZh8vYmluL2xzHzAxMjM0NTY3ODlhYmNkZWYfNDQfMDEyMzQ1Njc4OWFiY2RlZh4KTG9zdCAxMiBldmVudHMKHjAxMjM0NTY3ODlhYmNkZWYfRh8wMTJMb3N0IDM0NTY3ODlhYmNkZWYfNx8wMTIzNDQfMDEyMzQ1Njc4OWFiY2RlZh80NB8wMTIzNDU2Nzg5YWJjZGVmHzAfMDEyMzQ1Njc4OWFiY2RlZh8wHzAxMjM0NTY3ODlhYmNkZWYfMB8wMTIzNDU2Nzg5YWJjZGVmH3NoHzAxMjM0NTY3ODlhYmNkZWYfL2Jpbi9sMDEyMzQ1Njc4OWFiY2RlZmVmHzQ0HzAxMjM0NTY3ODlhYmNkZWYeCkxvc3QgMTIgZXZlbnRzCh4wMTIzNDU2Nzg5YWJjZGVmH0YfMDEyMzQ1Njc4OWFiY2RlZh84ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4ODg4Nx8wMTIzNDU2Nzg5YWJjZGVmHgoeMDEyMzQ1Njc4OWFiY2RlZh9JHzAxMjM0NTY3ODlhYmNkZWYfMR8wMTIzNDU2Nzg5YWJjU2VmHzUwMDAfMDEyMzQ1Njc4OWFiY2RlZh4KHjAxMjM0NTY3ODlhYmNkZWYfTR8wMTIzNDU2Nzg5YWJjZGVmH0BhZ2cxHzAxMjM0NTY3Y2E5OGJkZWYeCkBhZ2cxW2NhdF06IDMKCh4wMTIzNDU2Nzg5YWJjZGVmH00fMDEyMzQ1Njc4OWFiY2RlZh9AYWdnMh8wMTIzNDU2Nzg5YWJjZGVmHgpAYWdnMltjYTg5YWJj")!

    @Test func aNegativeSyncSequenceIsNotATrap() throws {
        let program = try Self.program()
        var scanner = EventScanner(framing: program.framing)
        var pipeline = Pipeline(program: program, clockOffset: 0, maxEvents: 16, tracksIntervals: true)
        let bytes = Array(Self.negativeSync)
        let cut = Int(bytes[0]) % (bytes.count + 1)
        scanner.feed(Array(bytes[..<cut])) { pipeline.consume($0) }
        scanner.feed(Array(bytes[cut...])) { pipeline.consume($0) }
        for record in scanner.finish() { pipeline.consume(record) }
        var plain = EventScanner(framing: program.framing)
        let framing = program.framing
        let record = framing.recordStart + Array("F".utf8) + framing.fieldSeparator + Array("-5".utf8) + framing.recordEnd
        #expect(plain.feed(record) == [.sync(0)])
    }

    /// Written by hand after that finding, looking for its kind elsewhere: timestamps at both
    /// ends of Int64 (an interval's length, a replay's span) and a kernel count near Int64.max
    /// trapped on overflow in the pipeline and the statistics.
    @Test func extremeTimestampsAndCountsDoNotTrap() throws {
        let program = try Self.program()
        let framing = program.framing
        func record(_ kind: EventFraming.Kind, _ fields: [String]) -> [UInt8] {
            framing.encode(kind, fields.map { Array($0.utf8) })
        }
        let countMap = CompiledProgram.eventCountMap.name
        var bytes = record(.start, ["9223372036854775807"]) + record(.interval, ["1", "-9223372036854775808"])
        bytes += record(.map, [countMap]) + Array("\(countMap)[0, 1, cat]: 9223372036854775807\n\n".utf8) + record(.intervalEnd, ["1"])
        bytes += record(.interval, ["2", "9223372036854775807"])
        bytes += record(.map, [countMap]) + Array("\(countMap)[0, 1, cat]: -9223372036854775808\n\(countMap)[0, 2, sh]: 9223372036854775807\n\n".utf8)
        bytes += record(.intervalEnd, ["2"])
        for timestamp in ["-9223372036854775808", "9223372036854775807"] {
            bytes += record(.event, ["0", timestamp, "1", "1", "0", "0", "0", "cat", "x", "1"])
        }
        bytes += record(.end, [])
        var scanner = EventScanner(framing: framing)
        var pipeline = Pipeline(program: program, clockOffset: 1, maxEvents: 16, tracksIntervals: true)
        scanner.feed(bytes) { pipeline.consume($0) }
        for record in scanner.finish() { pipeline.consume(record) }
        #expect(pipeline.statistics.totalEvents == 2)
        #expect(pipeline.intervals.count == 2)
        #expect(pipeline.intervals.first?.seconds.isFinite == true)
    }

    /// Of the same kind: a user-space filter or `events where` dividing Int64.min by -1.
    @Test func userSpaceDivisionOfInt64MinByMinusOneDoesNotTrap() {
        #expect(EventEvaluator.binary(.divide, .integer(Int64.min), .integer(-1)) == .integer(Int64.min))
        #expect(EventEvaluator.binary(.remainder, .integer(Int64.min), .integer(-1)) == .integer(0))
        #expect(EventEvaluator.binary(.divide, .integer(7), .integer(0)) == .missing)
        #expect(EventEvaluator.binary(.divide, .integer(-7), .integer(2)) == .integer(-3))
    }

    @Test func bucketsAtTheEdgesOfInt64HaveNoEndRatherThanATrap() {
        let top = MapParser.parseBucket(Array("[9223372036854775807]   2 |@@@@|".utf8))
        #expect(top?.low == Int64.max && top?.high == nil && top?.count == 2)
        let huge = MapParser.parseBucket(Array("[9223372036854775807P, 9999999999999P)   1 |@|".utf8))
        #expect(huge?.low == nil && huge?.high == nil && huge?.count == 1)
        #expect(MapParser.number("8191P") == 8191 << 50)
        #expect(MapParser.number("8192P") == nil, "2^63 does not fit")
        let ordinary = MapParser.parseBucket(Array("[4K, 8K)   3 |@@@|".utf8))
        #expect(ordinary?.low == 4096 && ordinary?.high == 8192)
    }
}
