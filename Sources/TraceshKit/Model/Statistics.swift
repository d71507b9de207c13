import Foundation

/// Exact counts over every event of a run (not only the ones kept in memory).
public struct Statistics: Hashable, Sendable {
    public struct ProcessKey: Hashable, Sendable {
        public var comm: [UInt8]
        public var pid: Int64

        /// The comm's bytes in one call (a byte at a time was a tenth of a replay's time).
        public func hash(into hasher: inout Hasher) {
            hasher.combine(pid)
            hasher.combine(comm.count)
            comm.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    public var totalEvents: Int64 = 0
    public var eventsPerProbe: [Int64]
    public var eventsPerProcess: [ProcessKey: Int64] = [:]
    /// Per probe, its events by process, streamed and counted in the kernel alike, so a
    /// per-probe view (an agent response) has exact top processes whatever memory kept. Kept
    /// only when the run has several probes: with one, `eventsPerProcess` is its table, and the
    /// per-event path stays one dictionary update.
    public var eventsPerProbeProcess: [Int: [ProcessKey: Int64]] = [:]
    /// Events bpftrace reported lost (its perf buffer overflowed).
    public var lostEvents: Int64 = 0
    /// Events that user-space filters rejected.
    public var filteredOut: Int64 = 0
    /// The earliest and latest event times (events do not arrive in time order; see `EventStore`).
    public var firstTimestamp: Int64?
    public var lastTimestamp: Int64?

    public init(probeCount: Int) {
        eventsPerProbe = Array(repeating: 0, count: probeCount)
    }

    public mutating func record(_ event: TraceEvent) {
        totalEvents &+= 1
        if event.probeIndex < eventsPerProbe.count { eventsPerProbe[event.probeIndex] &+= 1 }
        let key = ProcessKey(comm: event.comm, pid: event.pid)
        eventsPerProcess[key, default: 0] &+= 1
        if eventsPerProbe.count > 1 { eventsPerProbeProcess[event.probeIndex, default: [:]][key, default: 0] &+= 1 }
        firstTimestamp = min(firstTimestamp ?? event.timestamp, event.timestamp)
        lastTimestamp = max(lastTimestamp ?? event.timestamp, event.timestamp)
    }

    /// Adds `count` events of one probe and process that were counted in the kernel (not
    /// streamed, so they carry no timestamps).
    public mutating func recordCounted(_ count: Int64, probeIndex: Int, pid: Int64, comm: [UInt8]) {
        // Wrapping: the counts come from bpftrace's text (or a recording), not from tracesh.
        totalEvents &+= count
        if probeIndex >= 0 && probeIndex < eventsPerProbe.count { eventsPerProbe[probeIndex] &+= count }
        eventsPerProcess[ProcessKey(comm: comm, pid: pid), default: 0] &+= count
        if eventsPerProbe.count > 1 { eventsPerProbeProcess[probeIndex, default: [:]][ProcessKey(comm: comm, pid: pid), default: 0] &+= count }
    }

    /// One probe's events by process: exact, streamed or counted, whatever memory kept.
    public func eventsPerProcess(ofProbe index: Int) -> [ProcessKey: Int64] {
        eventsPerProbe.count > 1 ? eventsPerProbeProcess[index] ?? [:] : eventsPerProcess
    }

    /// The processes with the most events: most first, then by name and pid for a stable order.
    public func topProcesses(_ limit: Int) -> [(key: ProcessKey, count: Int64)] {
        eventsPerProcess.sorted { a, b in
            if a.value != b.value { return a.value > b.value }
            if a.key.comm != b.key.comm { return a.key.comm.lexicographicallyPrecedes(b.key.comm) }
            return a.key.pid < b.key.pid
        }.prefix(limit).map { ($0.key, $0.value) }
    }

    /// Events per second over `seconds` of run time.
    public func rate(over seconds: Double) -> Double {
        seconds > 0 ? Double(totalEvents) / seconds : 0
    }
}
