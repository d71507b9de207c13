import Foundation

/// One traced event, as the scanner builds it from a framed bpftrace record.
public struct TraceEvent: Hashable, Sendable {
    /// Wall-clock time in nanoseconds since the Unix epoch (kernel monotonic time plus one
    /// offset taken when the run started).
    public var timestamp: Int64
    /// The kernel's monotonic `nsecs` at the event.
    public var monotonic: Int64
    /// Index of the probe in the compiled program.
    public var probeIndex: Int
    /// Process id (thread group id).
    public var pid: Int64
    /// Thread id.
    public var tid: Int64
    public var uid: Int64
    public var gid: Int64
    public var cpu: Int64
    /// The task's command name, byte-exact.
    public var comm: [UInt8]
    /// The probe's format string applied to its arguments, byte-exact.
    public var message: [UInt8]
    /// Argument values by name (`arg1`, `retval`, tracepoint field names), in the probe's order.
    public var rawArgs: [NamedValue]

    public init(timestamp: Int64, monotonic: Int64, probeIndex: Int, pid: Int64, tid: Int64, uid: Int64,
                gid: Int64 = 0, cpu: Int64, comm: [UInt8], message: [UInt8], rawArgs: [NamedValue]) {
        self.timestamp = timestamp
        self.monotonic = monotonic
        self.probeIndex = probeIndex
        self.pid = pid
        self.tid = tid
        self.uid = uid
        self.gid = gid
        self.cpu = cpu
        self.comm = comm
        self.message = message
        self.rawArgs = rawArgs
    }

    public func value(named name: String) -> TraceValue? { rawArgs.first { $0.name == name }?.value }
}

/// A named value in an event's `raw_args`.
public struct NamedValue: Hashable, Sendable {
    public var name: String
    public var value: TraceValue

    public init(name: String, value: TraceValue) {
        self.name = name
        self.value = value
    }
}
