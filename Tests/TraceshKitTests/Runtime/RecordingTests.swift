import Foundation
import Testing
@testable import TraceshKit

/// Recordings: the header round-trips the program, and replay reads the file in chunks.
struct RecordingTests {
    static let golden = GoldenPrograms.cases.first { $0.name == "user_string" }!

    /// A recording of `count` events of the golden `user_string` program, as bpftrace would print them.
    static func recording(events count: Int) throws -> (program: CompiledProgram, bytes: [UInt8]) {
        let program = try GoldenPrograms.program(golden, catalog: Fixtures.catalog)
        var bytes = Recording.header(program: program, clockOffset: 5_000, format: .framed)
        bytes += EventScannerTests.record(.start, [Array("100".utf8)], layout: .separated)
        for index in 0..<count {
            let path = Array("/tmp/file-\(index)".utf8)
            bytes += EventScannerTests.record(.event, [Array("0".utf8), Array("\(1000 + index)".utf8), Array("7".utf8), Array("7".utf8),
                                                       Array("0".utf8), Array("0".utf8), Array("1".utf8), Array("cat".utf8), path, Array("0".utf8)], layout: .separated)
        }
        bytes += EventScannerTests.record(.end, [], layout: .separated)
        return (program, bytes)
    }

    @Test func theHeaderGivesBackTheProgram() throws {
        let (program, bytes) = try Self.recording(events: 0)
        let header = try #require(try Recording.header(in: bytes, path: "x.trcrec"))
        #expect(header.program.source == program.source)
        #expect(header.program.probes == program.probes)
        #expect(header.program.framing == program.framing)
        #expect(header.clockOffset == 5_000)
        // Cut inside the header: not yet known.
        #expect(try Recording.header(in: Array(bytes[..<(header.length - 1)]), path: "x.trcrec") == nil)
    }

    @Test func aFileThatIsNotARecordingIsAClearError() {
        #expect(throws: Diagnostic("'x.txt' is not a tracesh recording", at: nil)) {
            try Recording.header(in: Array("hello world\n".utf8), path: "x.txt")
        }
    }

    /// 30,000 events make a file of several megabytes, read in 1 MiB chunks.
    @Test func replayAcrossManyChunksKeepsEveryEvent() throws {
        let (_, bytes) = try Self.recording(events: 30_000)
        #expect(bytes.count > 3 << 20)
        let folder = try TemporaryFolder()
        let path = folder.path + "/big.trcrec"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output, catalog: Fixtures.catalog)
        #expect(interpreter.run(source: "set max-events 50000\nreplay \(path)", origin: "test") == .success, "\(output.diagnostics)")
        let run = try #require(interpreter.runs.latestFinished)
        #expect(run.pipeline.statistics.totalEvents == 30_000)
        #expect(run.pipeline.store.events.map(\.pid) == Array(repeating: 7, count: 30_000))
        #expect(run.pipeline.store.events.last.map { ByteText.decode($0.message) } == "open /tmp/file-29999 flags 0")
        let first = try #require(run.pipeline.store.events.first)
        #expect(first.timestamp == 6_000 && first.monotonic == 1_000)
    }

    @Test func aRecordingCutInsideItsHeaderIsAClearError() throws {
        let (_, bytes) = try Self.recording(events: 0)
        let folder = try TemporaryFolder()
        let path = folder.path + "/cut.trcrec"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes[..<40]))
        let output = CollectingOutput()
        let interpreter = Interpreter(output: output, catalog: Fixtures.catalog)
        #expect(interpreter.run(source: "replay \(path)", origin: "test") == .failure)
        #expect(output.diagnostics.first?.contains("the recording's header is cut short") == true, "\(output.diagnostics)")
    }

    /// Replays `bytes` from a file; the warnings it gave, and the run.
    static func replay(_ bytes: [UInt8]) throws -> (run: Run, warnings: [String]) {
        let folder = try TemporaryFolder()
        let path = folder.path + "/r.trcrec"
        try #require(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        var warnings: [String] = []
        let run = try RunManager().replay(path, maxEvents: 100_000) { warnings.append($0) }
        return (run, warnings.map { $0.replacingOccurrences(of: path, with: "FILE") })
    }

    @Test func aReplayReportsTheRecordedRunsDurationAndRate() throws {
        var (program, bytes) = try Self.recording(events: 100)
        let output = bytes.count - Recording.header(program: program, clockOffset: 5_000, format: .framed).count
        bytes += RecordingTrailer.record(.init(outputBytes: Int64(output), durationNanoseconds: 360_000_000, state: "completed"), framing: program.framing)
        let (run, warnings) = try Self.replay(bytes)
        #expect(warnings == [])
        #expect(run.status.elapsed == 0.36)
        #expect(run.status.eventsPerSecond == 100 / 0.36)
        #expect(run.pipeline.statistics.totalEvents == 100)
    }

    @Test func theTrailerCannotBeReadWithoutTheBoundary() throws {
        let (program, _) = try Self.recording(events: 0)
        let trailer = RecordingTrailer.record(.init(outputBytes: 7, durationNanoseconds: 9, state: "stopped"), framing: program.framing)
        var scanner = EventScanner(framing: program.framing)
        guard case .trailer(let fields, offset: 0)? = scanner.feed(trailer).first else {
            Issue.record("no trailer scanned")
            return
        }
        #expect(RecordingTrailer.value(fields: fields) == .init(outputBytes: 7, durationNanoseconds: 9, state: "stopped"))
        var stranger = EventScanner(framing: EventFraming(boundary: "ffffffffffffffff"))
        #expect(!stranger.feed(trailer).contains { if case .trailer = $0 { true } else { false } })
    }

    /// tracesh killed mid-run: the file ends inside a record and has no trailer.
    @Test func aRecordingCutShortReplaysItsIntactEventsWithAWarning() throws {
        let (program, bytes) = try Self.recording(events: 50)
        let headerLength = Recording.header(program: program, clockOffset: 5_000, format: .framed).count
        let cut = Array(bytes[..<(bytes.count - 40)])  // inside the last event (the end record is shorter)
        let (run, warnings) = try Self.replay(cut)
        #expect(run.pipeline.statistics.totalEvents == 49)
        var lastStart = headerLength, position = headerLength
        while let found = ByteFields.find(program.framing.recordStart, in: cut, from: position) { lastStart = found; position = found + 1 }
        #expect(warnings == [
            "'FILE': 1 damaged record(s) skipped, the first at byte \(lastStart); the rest is replayed",
            "'FILE' ends at byte \(cut.count) without its end-of-run record: the recording was cut short (or made by an older tracesh); its duration is taken from the span of its events",
        ])
    }

    @Test func aDamagedRecordInTheMiddleIsSkippedAndTheRestReplayed() throws {
        var (program, bytes) = try Self.recording(events: 20)
        let headerLength = Recording.header(program: program, clockOffset: 5_000, format: .framed).count
        bytes += RecordingTrailer.record(.init(outputBytes: Int64(bytes.count - headerLength), durationNanoseconds: 1_000_000_000, state: "completed"),
                                   framing: program.framing)
        // Garble the end marker of the 6th event: its record start is kept, its end is lost.
        var ends: [Int] = []
        var from = headerLength
        while let found = ByteFields.find(program.framing.recordEnd, in: bytes, from: from) { ends.append(found); from = found + 1 }
        bytes[ends[6]] = UInt8(ascii: "?")
        let (run, warnings) = try Self.replay(bytes)
        #expect(run.pipeline.statistics.totalEvents == 19)
        #expect(run.status.elapsed == 1)
        #expect(warnings.count == 1 && warnings[0].hasPrefix("'FILE': 1 damaged record(s) skipped, the first at byte "), "\(warnings)")
    }
}
