import CSupport
import Foundation

/// A barrier through the kernel between tracesh and the bpftrace program it runs.
///
/// bpftrace 0.17 fires BEGIN before it attaches the other probes, and on SIGINT it drops events
/// still waiting in its perf buffers. So neither "BEGIN printed" nor "send SIGINT" is exact. The
/// program gets one more probe, a uprobe on `tracesh_sync_marker` in tracesh's own executable,
/// placed so that bpftrace attaches it last, printing a `F` record with the call's sequence
/// number. A `F` record back means every probe is attached; a `F` record for a call made after
/// the traced command exited means every event before that call has been read.
public struct SyncMarker: Hashable, Sendable {
    /// The executable holding `tracesh_sync_marker` (this process's own).
    public var executable: String
    /// This process's id: the probe ignores other processes' calls.
    public var processID: Int64
    /// Distinguishes the runs of one process: the high bits of every token passed.
    public var runToken: UInt64

    static let sequenceBits: UInt64 = 20

    public init(executable: String, processID: Int64, runToken: UInt64) {
        self.executable = executable
        self.processID = processID
        self.runToken = runToken & ((1 << 40) - 1)
    }

    /// A marker for this process, or nil when its executable cannot be named.
    public static func forThisProcess() -> SyncMarker? {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
              !path.contains(where: { $0 == "\"" || $0 == "\\" || $0.isNewline }) else { return nil }
        var generator = SystemRandomNumberGenerator()
        return SyncMarker(executable: path, processID: Int64(getpid()), runToken: generator.next())
    }

    /// Calls the marker with sequence number `sequence` (which the `F` record carries back).
    public func signal(_ sequence: UInt64) {
        tracesh_sync_marker((runToken << Self.sequenceBits) | (sequence & ((1 << Self.sequenceBits) - 1)))
    }

    /// The bpftrace block: first in the program, so that it is attached last.
    public func block(framing: EventFraming) -> String {
        let mask = (1 << Self.sequenceBits) - 1
        return "uprobe:\"\(executable)\":tracesh_sync_marker\n/pid == \(processID) && (arg0 >> \(Self.sequenceBits)) == \(runToken)/\n{\n"
            + "  printf(\"\(framing.printfFormat(kind: .sync, conversions: ["%llu"]))\", arg0 & \(mask));\n}"
    }
}
