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
    private let framing: EventFraming
    /// Bytes of bpftrace output written so far.
    private(set) var outputBytes: Int64 = 0
    /// The first write that failed; later output is not written.
    private var failure: FileError?
    /// Whether `finish` put the file in place (or tried to).
    private var finished = false

    public init(path: String, header: [UInt8], framing: EventFraming) throws(FileError) {
        file = try FileReplacement(path: path, newFileMode: SafeFile.privateMode)
        self.framing = framing
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

    /// Appends a chunk of bpftrace's output.
    public func append(_ bytes: [UInt8]) {
        guard failure == nil else { return }
        do {
            try file.write(bytes)
            outputBytes += Int64(bytes.count)
        } catch {
            failure = error
        }
    }

    /// Writes the trailer and puts the recording in place. Returns why it failed, if it did.
    public func finish(durationSeconds: Double, state: String) -> FileError? {
        finished = true
        if failure == nil {
            let trailer = RecordingTrailer.Value(outputBytes: outputBytes, durationNanoseconds: Int64((durationSeconds * 1e9).rounded()), state: state)
            do {
                try file.write(RecordingTrailer.record(trailer, framing: framing))
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
