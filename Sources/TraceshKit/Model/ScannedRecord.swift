/// What the event scanner finds in bpftrace's output.
public enum ScannedRecord: Hashable, Sendable {
    /// `BEGIN` ran: every probe is attached. The kernel's monotonic time then.
    case start(monotonic: Int64)
    /// One event's fields after the kind: probeIndex, nsecs, pid, tid, uid, cpu, comm, values...
    case event([[UInt8]])
    /// A map snapshot: its name and bpftrace's `print()` text for it.
    case map(name: String, text: [UInt8])
    /// An interval ended at `monotonic`; the map records up to `intervalEnd` are its results.
    case interval(number: Int64, monotonic: Int64)
    /// The interval's last map was printed.
    case intervalEnd(number: Int64)
    /// `END` finished printing.
    case end
    /// The sync probe fired at this kernel time on `cpu`, for the `number`th time there (see
    /// `SyncMarker`); a fake bpftrace in tests answers a call's sequence number alone (cpu -1).
    case sync(UInt64, cpu: Int64 = -1, number: Int64 = 0)
    /// A recording's end-of-run record (fields after the kind), and the offset in the output
    /// stream where it starts, i.e. how many bytes of bpftrace's output came before it.
    case trailer([[UInt8]], offset: Int)
    /// The first event of a process whose stacks the run names (see `EventFraming.Kind.process`).
    case process(pid: Int64)
    /// A process whose stacks the run names exec'd or mapped code (see `KernelMapping`).
    case mapping(KernelMapping)
    /// END began printing (see `EventFraming.Kind.endBegin`).
    case endBegin
    /// A line of bpftrace's own output between records (`Attaching 3 probes...`, `Lost 12 events`).
    case text([UInt8])
}
