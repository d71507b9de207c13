import TraceshModel
import TraceshKernel
import TraceshLanguage
import TraceshSemantics

/// Per-run choices that are not part of the session graph.
public struct CompileOptions: Sendable {
    /// The record framing; a fresh random boundary per run (fixed in golden tests).
    public var framing: EventFraming
    /// Restrict events to these processes and their descendants (`run -- COMMAND`, `run -p PID,...`);
    /// empty for the whole machine.
    public var traceDescendantsOf: [Int64]
    /// The command tracesh started held for `run -- COMMAND`: probes that do not stream count
    /// its own events in a map without keys (the cost of bpftrace's own `count()`) instead of the
    /// per-process map (a hash update per event).
    public var heldCommand: HeldCommand?
    /// Add the sync probe (an interval probe reporting the kernel's time, see `SyncMarker`; live runs, not golden tests).
    public var sync: SyncMarker?
    /// Leave tracesh (this process id) and bpftrace out of every probe, in the kernel: each event
    /// they handle makes more (tracesh reads bpftrace's pipe, bpftrace writes it, user-space
    /// probes see their allocations), a feedback loop that fills the perf buffers (measured:
    /// 526k events and 651k lost in 1 s for raw_syscalls; 176k lost in 3 s for `u:c:free`).
    /// nil with `set trace-self on`.
    public var excludeTracer: Int64?
    /// Which probes stream their events (`set stream`); the compiler decides each probe by it,
    /// and counts the others' events in the kernel.
    public var stream: StreamMode

    /// `run ... every INTERVAL`: an interval probe prints the maps at the end of each interval.
    public var interval: TraceDuration?
    /// `every INTERVAL keep`: the maps are not cleared at each interval.
    public var keepIntervals = false
    /// The stacks every streamed event carries (`set stacks`).
    public var stacks: StackEvents = .off
    /// Count the events of probes that do not stream by probe, pid and comm (true), or by probe
    /// and comm only, pid 0 (`tracesh serve`: a run that lasts for days would otherwise fill
    /// bpftrace's map, 4096 keys, as processes come and go, and then count no new one).
    public var countsByProcess = true

    public init(framing: EventFraming = .random(), traceDescendantsOf: [Int64] = [], heldCommand: HeldCommand? = nil, sync: SyncMarker? = nil,
                excludeTracer: Int64? = nil, stream: StreamMode = .auto,
                interval: TraceDuration? = nil, keepIntervals: Bool = false, stacks: StackEvents = .off, countsByProcess: Bool = true) {
        self.stacks = stacks
        self.countsByProcess = countsByProcess
        self.interval = interval
        self.keepIntervals = keepIntervals
        self.framing = framing
        self.traceDescendantsOf = traceDescendantsOf
        self.heldCommand = heldCommand
        self.sync = sync
        self.excludeTracer = excludeTracer
        self.stream = stream
    }
}

/// A command tracesh started and holds until the probes are attached, then lets exec.
public struct HeldCommand: Hashable, Sendable {
    public var pid: Int64
    /// The name the kernel gives it at exec: the last component of the path it execs, cut to 15
    /// bytes (`TASK_COMM_LEN`). Known before it runs, so no probe is needed to learn it (each
    /// tracepoint also costs a detach at the end of a run); a rename by the program itself
    /// (`prctl(PR_SET_NAME)`) is not seen. The held child takes this name before it waits
    /// (`tracesh_spawn`), so its events before the exec are counted under it in the kernel too.
    public var comm: String

    public init(pid: Int64, executable: String) {
        self.pid = pid
        let name = Array((executable.split(separator: "/").last.map(String.init) ?? executable).utf8.prefix(15))
        comm = String(decoding: name, as: UTF8.self)
    }
}
