import Foundation

/// The record a recording ends with, written by tracesh after bpftrace's output: the run's
/// measured duration and how it ended (so a replay reports the live run's figures), and how many
/// output bytes came before it (so a cut recording is recognised).
public enum RecordingTrailer {
    /// What the trailer says about the run.
    public struct Value: Hashable, Sendable {
        /// Bytes of bpftrace output recorded before the trailer.
        public var outputBytes: Int64
        /// The run's duration as measured live, from tracing start to the end of the run.
        public var durationNanoseconds: Int64
        /// How the run ended (`completed`, `stopped`, `failed`).
        public var state: String
        /// The run's process maps and frame names as JSON (`StackNamer.Snapshot`), when it read
        /// stacks: a fifth field, so a replay names the same frames.
        public var stacks: [UInt8]?

        public init(outputBytes: Int64, durationNanoseconds: Int64, state: String, stacks: [UInt8]? = nil) {
            self.stacks = stacks
            self.outputBytes = outputBytes
            self.durationNanoseconds = durationNanoseconds
            self.state = state
        }
    }

    static let version = "1"

    /// The trailer record of a format 2 recording (`.separated`, as its bpftrace output was),
    /// framed with the run's secret boundary so traced data cannot forge it.
    public static func record(_ trailer: Value, framing: EventFraming) -> [UInt8] {
        let fields = [version, String(trailer.outputBytes), String(trailer.durationNanoseconds), trailer.state].map { Array($0.utf8) }
        return framing.with(layout: .separated).encode(.trailer, fields + (trailer.stacks.map { [$0] } ?? []))
    }

    /// The trailer from the scanner's fields, nil when they are not one this version writes.
    public static func value(fields: [[UInt8]]) -> Value? {
        guard fields.count >= 4, String(decoding: fields[0], as: UTF8.self) == version,
              let bytes = ByteFields.integer(fields[1]), let duration = ByteFields.integer(fields[2]) else { return nil }
        return Value(outputBytes: bytes, durationNanoseconds: duration, state: String(decoding: fields[3], as: UTF8.self),
                     stacks: fields.count > 4 ? fields[4] : nil)
    }
}
