import Foundation
import Testing
@testable import TraceshKit

/// Recordings: the header round-trips the program, and replay reads the file in chunks.
struct RecordingTests {
    static let golden = GoldenPrograms.cases.first { $0.name == "user_string" }!

    /// A recording of `count` events of the golden `user_string` program, as bpftrace would print them.
    static func recording(events count: Int) throws -> (program: CompiledProgram, bytes: [UInt8]) {
        let program = try GoldenPrograms.program(golden, catalog: Fixtures.catalog)
        var bytes = Recording.header(program: program, clockOffset: 5_000)
        bytes += EventScannerTests.record(.start, [Array("100".utf8)])
        for index in 0..<count {
            let path = Array("/tmp/file-\(index)".utf8)
            bytes += EventScannerTests.record(.event, [Array("0".utf8), Array("\(1000 + index)".utf8), Array("7".utf8), Array("7".utf8),
                                                       Array("0".utf8), Array("1".utf8), Array("cat".utf8), path, Array("0".utf8)])
        }
        bytes += EventScannerTests.record(.end, [])
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
}
