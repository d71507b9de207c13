import Foundation
import Synchronization

/// A barrier through the kernel between tracesh and the bpftrace program it runs.
///
/// bpftrace 0.17 fires BEGIN before it attaches the other probes, and on SIGINT it drops events
/// still waiting in its perf buffers. So neither "BEGIN printed" nor "send SIGINT" is exact. The
/// program gets one more probe, an `interval` probe placed so that bpftrace attaches it last,
/// printing a `F` record with the kernel's monotonic time (`nsecs`) every `periodMilliseconds`.
/// A `F` record back means every probe is attached; a `F` record stamped after a moment tracesh
/// noted (a "call", see `BpftraceRunner`) means every event before that moment on that CPU has
/// been read, and a second one after that, that bpftrace has gone round all its perf buffers.
///
/// An interval probe is a software perf event: attaching and detaching it waits for no RCU grace
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

    /// The bpftrace block: first in the program, so that it is attached last.
    public func block(framing: EventFraming) -> String {
        "interval:ms:\(periodMilliseconds)\n{\n"
            + "  printf(\"\(framing.printfFormat(kind: .sync, conversions: ["%llu"]))\", nsecs);\n}"
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
