import TraceshModel
import TraceshFiles

/// Writes a run's recording while the run goes on.
///
/// The header holds the framing's secret boundary, and anyone who knows it can forge events in a
/// traced string, so the file is written as a new file only root can read (0600) in the target's
/// directory and renamed into place when the run has ended. When it replaces an existing regular
/// file, that file's owner and mode are applied then (the run is over; the boundary is useless).
/// See `FileReplacement` for links, devices and FIFOs.
public final class RecordingWriter: @unchecked Sendable {
    // Unchecked: created by the starting thread, then used only by the run's own thread.
    private let file: FileReplacement
    private var encoder: CompactRecord.Encoder
    /// Encoded records not written yet (written at each `flush`, i.e. once per chunk of output).
    private var pending: [UInt8] = []
    /// Bytes of records written so far (the body, after the header).
    private(set) var outputBytes: Int64 = 0
    /// The first write that failed; later output is not written.
    private var failure: FileError?
    /// Whether `finish` put the file in place (or tried to).
    private var finished = false

    public init(path: String, header: [UInt8], program: CompiledProgram) throws(FileError) {
        file = try FileReplacement(path: path, newFileMode: SafeFile.privateMode)
        encoder = CompactRecord.Encoder(program: program)
        pending.reserveCapacity(1 << 16)
        do {
            try file.write(header)
        } catch {
            file.abandon()
            throw error
        }
    }

    /// A recording whose run never ran (its start failed after the writer was made) is removed:
    /// the writer owns its temporary file until `finish`.
    deinit {
        if !finished { file.abandon() }
    }

    /// Adds one scanned record of bpftrace's output (see `CompactRecord`).
    public func append(_ record: ScannedRecord) {
        guard failure == nil else { return }
        encoder.encode(record, into: &pending)
        if pending.count >= 1 << 20 { flush() }
    }

    /// Writes the records added so far.
    public func flush() {
        guard failure == nil, !pending.isEmpty else { return }
        do {
            try file.write(pending)
            outputBytes += Int64(pending.count)
        } catch {
            failure = error
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes the trailer and puts the recording in place. Returns why it failed, if it did.
    /// `stacks`: the run's process maps and frame names (`StackNamer.snapshotJSON`), if it read stacks.
    public func finish(durationSeconds: Double, state: String, stacks: [UInt8]? = nil) -> FileError? {
        flush()
        finished = true
        if failure == nil {
            let trailer = RecordingTrailer.Value(outputBytes: outputBytes, durationNanoseconds: Int64((durationSeconds * 1e9).rounded()), state: state,
                                                 stacks: stacks)
            do {
                try file.write(CompactRecord.Encoder.trailer(trailer))
            } catch {
                failure = error
            }
        }
        do {
            try file.commit()
        } catch {
            failure = failure ?? error
        }
        return failure
    }
}
