import Foundation
import TraceshModel
import TraceshFiles
import TraceshKernel
import TraceshLanguage
import TraceshSuggest
import TraceshSemantics
import TraceshPlan
import TraceshRuntime
import TraceshAnalysis
import TraceshOutput
import TraceshExport

/// A recording read back through the same scanner and pipeline as a live run.
///
/// What is intact is always replayed: a file cut short (tracesh killed mid-run, a full disk) or
/// damaged in the middle gives its readable events and a warning that says how much was not
/// readable, rather than a failure that loses them.
struct RecordingReplay {
    var program: CompiledProgram
    var pipeline: Pipeline
    /// The recorded run's duration: the trailer's, or (without one) the span of the events.
    var durationSeconds: Double
    /// What was wrong with the file, in words, one sentence each.
    var warnings: [String] = []

    /// Recordings are read in chunks: one can be far larger than the events a run keeps.
    static let chunkSize = 1 << 20

    static func read(_ path: String, maxEvents: Int) throws -> RecordingReplay {
        let descriptor = try ReadableFile.open(path, as: "a recording")
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        func readChunk() throws -> [UInt8] {
            while true {
                let count = buffer.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
                if count >= 0 { return Array(buffer[0..<count]) }
                if errno != EINTR { throw FileError(.read, path, errno: errno) }
            }
        }

        var prefix: [UInt8] = []
        var header: (program: CompiledProgram, clockOffset: Int64, length: Int, format: Recording.Format)?
        while header == nil {
            let chunk = try readChunk()
            if chunk.isEmpty { break }
            prefix += chunk
            header = try Recording.header(in: prefix, path: path)
        }
        guard let header else {
            throw Diagnostic(prefix.isEmpty ? "'\(path)' is empty, not a tracesh recording" : "'\(path)': the recording's header is cut short", at: nil)
        }
        if header.format == .compact {
            return try readCompact(path: path, header: (header.program, header.clockOffset, header.length),
                                   first: Array(prefix[header.length...]), maxEvents: maxEvents, readChunk: readChunk)
        }
        var scanner = EventScanner(framing: header.program.framing)
        // The trailer (the last record) holds the run's process maps and frame names: read
        // first, since the stacks it names come before it.
        let stacks = Pipeline.readsStacks(header.program) ? RecordingStacks.namer(descriptor: descriptor, framing: header.program.framing) : nil
        var pipeline = Pipeline(program: header.program, clockOffset: header.clockOffset, maxEvents: maxEvents,
                                tracksIntervals: header.program.intervalsKeep != nil, keepIntervals: header.program.intervalsKeep ?? false,
                                stacks: stacks ?? (Pipeline.readsStacks(header.program) ? StackNamer(live: false) : nil))
        var trailer: (value: RecordingTrailer.Value?, offset: Int)?
        var bytesAfterTrailer = 0
        func consume(_ record: ScannedRecord) {
            if case .trailer(let fields, let offset) = record {
                trailer = (RecordingTrailer.value(fields: fields), offset)
            } else if trailer != nil {
                // Nothing follows the trailer in a recording tracesh wrote.
                bytesAfterTrailer += 1
            } else {
                pipeline.consume(record)
            }
        }
        var streamBytes = prefix.count - header.length
        scanner.feed(Array(prefix[header.length...]), emit: consume)
        prefix = []
        while true {
            let chunk = try readChunk()
            if chunk.isEmpty { break }
            streamBytes += chunk.count
            scanner.feed(chunk, emit: consume)
        }
        for record in scanner.finish() { consume(record) }
        pipeline.noteDamagedRecords(scanner.damagedRecords)

        let statistics = pipeline.statistics
        let span = statistics.firstTimestamp.flatMap { first in statistics.lastTimestamp.map { (Double($0) - Double(first)) / 1e9 } } ?? 0
        var replay = RecordingReplay(program: header.program, pipeline: pipeline, durationSeconds: span)
        let skipped = scanner.damagedRecords + Int(pipeline.malformedRecords)
        if skipped > 0 {
            let place = scanner.firstDamage.map { ", the first at byte \(header.length + $0)" } ?? ""
            replay.warnings.append("'\(path)': \(skipped) damaged record(s) skipped\(place); the rest is replayed")
        }
        switch trailer {
        case nil:
            replay.warnings.append("'\(path)' ends at byte \(header.length + streamBytes) without its end-of-run record: "
                                   + "the recording was cut short (or made by an older tracesh); "
                                   + "its duration is taken from the span of its events")
        case (nil, _)?:
            replay.warnings.append("'\(path)': the end-of-run record is damaged; the duration is taken from the span of the events")
        case (let value?, let offset)?:
            replay.durationSeconds = Double(value.durationNanoseconds) / 1e9
            if value.outputBytes != Int64(offset) {
                replay.warnings.append("'\(path)': the run recorded \(value.outputBytes) bytes of bpftrace output but the file holds \(offset); "
                                       + "the difference was lost or altered")
            }
            if bytesAfterTrailer > 0 {
                replay.warnings.append("'\(path)': unexpected data after the end-of-run record (ignored)")
            }
        }
        return replay
    }

    /// Format 3: the compact records (see `CompactRecord`) straight into the pipeline.
    private static func readCompact(path: String, header: (program: CompiledProgram, clockOffset: Int64, length: Int), first: [UInt8],
                                    maxEvents: Int, readChunk: () throws -> [UInt8]) throws -> RecordingReplay {
        var readChunk = readChunk
        var stacks: StackNamer?
        if Pipeline.readsStacks(header.program) {
            // The trailer (the last record) holds the run's process maps and frame names, which
            // the records before it need: a first pass finds it (stack runs only; kept in memory).
            var chunks: [[UInt8]] = []
            while true {
                let chunk = try readChunk()
                if chunk.isEmpty { break }
                chunks.append(chunk)
            }
            var finder = CompactRecord.Decoder(program: header.program)
            for chunk in [first] + chunks {
                finder.feed(chunk) { decoded, _ in
                    if case .trailer(let value) = decoded, let json = value.stacks { stacks = StackNamer.from(json: json) }
                }
            }
            var remaining = chunks[...]
            readChunk = { remaining.popFirst() ?? [] }
            stacks = stacks ?? StackNamer(live: false)
        }
        var decoder = CompactRecord.Decoder(program: header.program)
        var pipeline = Pipeline(program: header.program, clockOffset: header.clockOffset, maxEvents: maxEvents,
                                tracksIntervals: header.program.intervalsKeep != nil, keepIntervals: header.program.intervalsKeep ?? false, stacks: stacks)
        var trailer: (value: RecordingTrailer.Value, offset: Int)?
        var recordsAfterTrailer = 0
        var damaged = 0
        var firstDamage: Int?
        func consume(_ decoded: CompactRecord.Decoded, at offset: Int) {
            if trailer != nil {
                recordsAfterTrailer += 1
                return
            }
            switch decoded {
            case .event(let event): pipeline.consume(event)
            case .record(let record): pipeline.consume(record)
            case .trailer(let value): trailer = (value, offset)
            case .unknown: break  // a section a newer tracesh added (see CompactRecord): skipped
            case .damaged:
                damaged += 1
                if firstDamage == nil { firstDamage = offset }
            }
        }
        var streamBytes = first.count
        decoder.feed(first, emit: consume)
        while true {
            let chunk = try readChunk()
            if chunk.isEmpty { break }
            streamBytes += chunk.count
            decoder.feed(chunk, emit: consume)
        }
        pipeline.noteDamagedRecords(damaged)

        let statistics = pipeline.statistics
        let span = statistics.firstTimestamp.flatMap { first in statistics.lastTimestamp.map { Double($0 - first) / 1e9 } } ?? 0
        var replay = RecordingReplay(program: header.program, pipeline: pipeline, durationSeconds: span)
        let skipped = damaged + Int(pipeline.malformedRecords)
        if skipped > 0 {
            let place = firstDamage.map { ", the first at byte \(header.length + $0)" } ?? ""
            replay.warnings.append("'\(path)': \(skipped) damaged record(s) skipped\(place); the rest is replayed")
        }
        if decoder.pending > 0 {
            replay.warnings.append("'\(path)': the record at byte \(header.length + decoder.position) is cut short (\(decoder.pending) bytes); "
                                   + "the records before it are replayed")
        }
        if let trailer {
            replay.durationSeconds = Double(trailer.value.durationNanoseconds) / 1e9
            if trailer.value.outputBytes != Int64(trailer.offset) {
                replay.warnings.append("'\(path)': the run recorded \(trailer.value.outputBytes) bytes of records but the file holds \(trailer.offset); "
                                       + "the difference was lost or altered")
            }
            if recordsAfterTrailer > 0 {
                replay.warnings.append("'\(path)': unexpected data after the end-of-run record (ignored)")
            }
        } else {
            replay.warnings.append("'\(path)' ends at byte \(header.length + streamBytes) without its end-of-run record: "
                                   + "the recording was cut short; its duration is taken from the span of its events")
        }
        return replay
    }
}
