/// Per-run choices that are not part of the session graph.
public struct CompileOptions: Sendable {
    /// The record framing; a fresh random boundary per run (fixed in golden tests).
    public var framing: EventFraming
    /// Restrict events to this process and its descendants (`run -- COMMAND`).
    public var traceDescendantsOf: Int64?
    /// Add the sync probe on tracesh's own `tracesh_sync_marker` (live runs; not in golden tests).
    public var sync: SyncMarker?

    public init(framing: EventFraming = .random(), traceDescendantsOf: Int64? = nil, sync: SyncMarker? = nil) {
        self.framing = framing
        self.traceDescendantsOf = traceDescendantsOf
        self.sync = sync
    }
}
