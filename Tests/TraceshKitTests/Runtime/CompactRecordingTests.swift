import Foundation
import Testing
@testable import TraceshKit

/// Recordings in format 3 (`CompactRecord`): what replay gives back equals what the live
/// pipeline made of the same records, the file is small, and damage, newer sections and old
/// formats are handled.
struct CompactRecordingTests {
    /// The scanned records of a run of the golden `user_string` program: awkward bytes in a
    /// path, a second process, a malformed event, bpftrace's lines, a lost-events line and a map.
    static func records(events count: Int) -> [ScannedRecord] {
        var records: [ScannedRecord] = [.text(Array("Attaching 2 probes...".utf8)), .start(monotonic: 100), .sync(5)]
        for index in 0..<count {
            let path = index % 7 == 3 ? EventScannerTests.awkward : Array("/tmp/file-\(index)".utf8)
            let pid = index % 3 == 0 ? "7" : "4242"
            // Out of time order now and then, as bpftrace reads one buffer per CPU in turn.
            let time = 1000 + index * 10 - (index % 5 == 4 ? 25 : 0)
            records.append(.event([Array("0".utf8), Array("\(time)".utf8), Array(pid.utf8), Array(pid.utf8), Array("0".utf8),
                                   Array("0".utf8), Array("\(index % 2)".utf8), Array((index % 3 == 0 ? "cat" : "bash").utf8),
                                   path, Array("\(index * 1_000_000_007)".utf8)]))
        }
        records.append(.event([Array("0".utf8), Array("x".utf8)]))  // malformed
        records.append(.text(Array("Lost 3 events".utf8)))
        records.append(.map(name: "@tracesh_events", text: Array("@tracesh_events[0, 7, cat]: 2\n".utf8)))
        records.append(.end)
        return records
    }

    static func program() throws -> CompiledProgram {
        try GoldenPrograms.program(RecordingTests.golden, catalog: Fixtures.catalog)
    }

    /// Writes `records` as a recording; its path (in `folder`).
    static func write(_ records: [ScannedRecord], program: CompiledProgram, in folder: TemporaryFolder) throws -> String {
        let path = folder.path + "/run.trcrec"
        let writer = try RecordingWriter(path: path, header: Recording.header(program: program, clockOffset: 5_000), program: program)
        for (index, record) in records.enumerated() {
            writer.append(record)
            if index % 10 == 0 { writer.flush() }
        }
        #expect(writer.finish(durationSeconds: 2.5, state: "completed") == nil)
        return path
    }

    @Test func replayGivesWhatTheLivePipelineMadeOfTheSameRecords() throws {
        let program = try Self.program()
        let records = Self.records(events: 1000)
        var live = Pipeline(program: program, clockOffset: 5_000, maxEvents: 500)
        for record in records { live.consume(record) }

        let folder = try TemporaryFolder()
        let path = try Self.write(records, program: program, in: folder)
        var warnings: [String] = []
        let replayed = try RunManager().replay(path, maxEvents: 500) { warnings.append($0) }.pipeline
        #expect(replayed.store.events == live.store.events)
        #expect(replayed.store.dropped == 500)
        #expect(replayed.statistics == live.statistics)
        #expect(replayed.statistics.lostEvents == 3)
        #expect(replayed.health.messages == live.health.messages && replayed.health.malformedRecords == live.health.malformedRecords)
        #expect(live.malformedRecords == 1)
        #expect(warnings == ["'\(path)': 1 damaged record(s) skipped; the rest is replayed"])
        #expect(replayed.store.events.contains { $0.rawArgs.first?.value == .bytes(EventScannerTests.awkward) })

        // Far smaller than bpftrace's framing (about 200 bytes for such an event).
        let header = Recording.header(program: program, clockOffset: 5_000).count
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(Double(size - header) / 1000 < 40, "\(Double(size - header) / 1000) bytes per event")
    }

    @Test func aCompactRecordingCutShortReplaysWhatIsIntact() throws {
        let program = try Self.program()
        let folder = try TemporaryFolder()
        let path = try Self.write(Self.records(events: 50), program: program, in: folder)
        var bytes = try #require(FileManager.default.contents(atPath: path).map { [UInt8]($0) })
        // Cut inside the map record: the trailer, END and the map are gone.
        bytes.removeLast(30)
        let (run, warnings) = try RecordingTests.replay(bytes)
        #expect(run.pipeline.store.count == 50 && run.pipeline.statistics.totalEvents == 50, "the map was cut")
        #expect(warnings.count == 3, "\(warnings)")
        #expect(warnings.contains { $0.contains("is cut short (") })
        #expect(warnings.last?.hasPrefix("'FILE' ends at byte \(bytes.count) without its end-of-run record") == true)
    }

    /// A section this version does not know (another tracesh may add one, e.g. memory maps) is
    /// skipped, and everything around it is replayed.
    @Test func aSectionOfANewerTraceshIsSkipped() throws {
        let program = try Self.program()
        var encoder = CompactRecord.Encoder(program: program)
        var body: [UInt8] = []
        for record in Self.records(events: 10).prefix(6) { encoder.encode(record, into: &body) }
        body += [0x40, 3, 1, 2, 3]  // tag 0x40, 3 bytes
        for record in Self.records(events: 10).dropFirst(6) { encoder.encode(record, into: &body) }
        let bytes = Recording.header(program: program, clockOffset: 0) + body
            + CompactRecord.Encoder.trailer(.init(outputBytes: Int64(body.count), durationNanoseconds: 1_000_000_000, state: "completed"))
        let (run, warnings) = try RecordingTests.replay(bytes)
        // 10 streamed, 2 counted in the kernel (the map).
        #expect(run.pipeline.store.count == 10 && run.pipeline.statistics.totalEvents == 12)
        #expect(warnings == ["'FILE': 1 damaged record(s) skipped; the rest is replayed"], "only the malformed event")
    }

    @Test func oldFormatsAreReadOrRefusedClearly() throws {
        // Format 2 (bpftrace's framed output) is still replayed (see RecordingTests).
        let (_, framed) = try RecordingTests.recording(events: 3)
        #expect(framed.starts(with: Array("tracesh-recording 2\n".utf8)))
        #expect(try RecordingTests.replay(framed).run.pipeline.statistics.totalEvents == 3)
        for (version, message) in [("1", "'x' was recorded by an older tracesh (recording format 1, events without gid); record it again"),
                                   ("9", "'x' was recorded by a newer tracesh (recording format 9); this tracesh reads formats 2 and 3")] {
            do {
                _ = try Recording.header(in: Array("tracesh-recording \(version)\n{}\n".utf8), path: "x")
                Issue.record("format \(version) was accepted")
            } catch let diagnostic as Diagnostic {
                #expect(diagnostic.message == message)
            }
        }
    }
}
