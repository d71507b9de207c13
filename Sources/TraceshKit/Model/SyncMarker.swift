import Foundation
import Synchronization

/// A barrier through the kernel between tracesh and the bpftrace program it runs.
///
/// bpftrace 0.17 fires BEGIN before it attaches the other probes, and on SIGINT it drops the
/// events it is reading then; what is left in its perf buffers it prints after END's records,
/// which tracesh does not wait for. So neither "BEGIN printed" nor "send SIGINT" is exact. The
/// program gets one more probe, a `profile` probe placed so that bpftrace attaches it last, that
/// fires on every CPU every `periodMilliseconds` and prints a `F` record: the kernel's monotonic
/// time (`nsecs`), the CPU, and how many times it fired there. A `F` record back means every
/// probe is attached. A perf buffer is one per CPU and read in order, so once every CPU's `F`
/// records are stamped after a moment tracesh noted (a "call", see `BpftraceRunner`), every
/// event made before that moment has been read, whichever CPU made it; a stop waits for that
/// twice (the second after the first was seen) before its SIGINT. A gap in a CPU's count is a
/// `F` record the kernel dropped with a full buffer: bpftrace counts it lost with the events, and
/// the pipeline takes it back out, so "lost" counts events only.
///
/// Each `F` record ends a line, which makes bpftrace write what its output buffer holds: no
/// event waits longer than the period to reach tracesh (see `EventFraming.endsLine`).
///
/// A profile probe is a software perf event: attaching and detaching it waits for no RCU grace
/// period, where a uprobe (the marker this replaced) or a tracepoint costs one each way, 90-130 ms
/// on this machine and seconds now and then when it is loaded.
public struct SyncMarker: Hashable, Sendable {
    /// How often the probe reports.
    public var periodMilliseconds: Int

    public init(periodMilliseconds: Int = 10) {
        self.periodMilliseconds = periodMilliseconds
    }

    /// The marker every run uses.
    public static func forThisProcess() -> SyncMarker? { SyncMarker() }

    /// The map counting each CPU's reports (END clears it).
    public static let countMap = "@tracesh_sync"

    /// The bpftrace block: first in the program, so that it is attached last.
    public func block(framing: EventFraming) -> String {
        let count = Self.countMap + "[cpu]"
        return "profile:hz:\(1000 / max(1, periodMilliseconds))\n{\n"
            + "  \(count) = \(count) + 1;\n"
            + "  printf(\"\(framing.printfFormat(kind: .sync, conversions: ["%llu", "%d", "%lld"]))\", nsecs, cpu, \(count));\n}"
    }
}

/// The sync calls of one run and when each was made, to tell which of them a `F` record (stamped
/// with the kernel's monotonic time) answers.
public final class SyncCalls: Sendable {
    private let calls = Mutex<[(sequence: UInt64, nanoseconds: UInt64)]>([])

    public init() {}

    /// Notes call `sequence` made now (CLOCK_MONOTONIC, the clock of bpftrace's `nsecs`).
    public func note(_ sequence: UInt64) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let stamp = UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
        calls.withLock { $0.append((sequence, stamp)) }
    }

    /// The highest call made before `nanoseconds` (0: none), i.e. the calls a `F` record stamped
    /// then answers.
    public func answered(by nanoseconds: UInt64) -> UInt64 {
        calls.withLock { $0.last { $0.nanoseconds < nanoseconds }?.sequence ?? 0 }
    }
}
