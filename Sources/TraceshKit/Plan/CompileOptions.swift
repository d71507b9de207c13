/// Per-run choices that are not part of the session graph.
public struct CompileOptions: Sendable {
    /// The record framing; a fresh random boundary per run (fixed in golden tests).
    public var framing: EventFraming
    /// Restrict events to this process and its descendants (`run -- COMMAND`).
    public var traceDescendantsOf: Int64?
    /// Add the sync probe on tracesh's own `tracesh_sync_marker` (live runs; not in golden tests).
    public var sync: SyncMarker?
    /// Leave tracesh (this process id) and bpftrace out of user-space probes: every event they
    /// handle allocates, so `u:c:malloc` would otherwise trace its own tracing, a feedback loop
    /// that fills the perf buffers (measured: 176k events lost in 3 s for `u:c:free`).
    public var excludeTracer: Int64?

    public init(framing: EventFraming = .random(), traceDescendantsOf: Int64? = nil, sync: SyncMarker? = nil,
                excludeTracer: Int64? = nil) {
        self.framing = framing
        self.traceDescendantsOf = traceDescendantsOf
        self.sync = sync
        self.excludeTracer = excludeTracer
    }
}
