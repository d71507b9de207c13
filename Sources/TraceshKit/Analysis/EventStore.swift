import TraceshModel
import TraceshKernel
import TraceshSemantics

/// The events of a run kept in memory: at most `capacity`, oldest dropped first and counted, so
/// memory does not grow with the length of a run.
///
/// Events arrive in the order bpftrace read them, which is not time order: bpftrace drains one
/// perf buffer per CPU in turn, so an event from one CPU can arrive after a later event from
/// another. `events` gives them in time order; `capacity` bounds *arrivals* (the oldest arrival
/// is dropped first), because the store cannot know that a later arrival will not be older still.
public struct EventStore: Sendable {
    public let capacity: Int
    private var ring: [TraceEvent] = []
    private var head = 0
    /// Events dropped from memory to stay within `capacity`.
    public private(set) var dropped: Int64 = 0

    public init(capacity: Int) {
        self.capacity = max(0, capacity)
        ring.reserveCapacity(min(self.capacity, 4096))
    }

    public mutating func append(_ event: TraceEvent) {
        guard capacity > 0 else {
            dropped += 1
            return
        }
        if ring.count < capacity {
            ring.append(event)
        } else {
            ring[head] = event
            head = (head + 1) % capacity
            dropped += 1
        }
    }

    public var count: Int { ring.count }

    /// The kept events in order of their monotonic timestamps; events with the same timestamp
    /// keep their order of arrival.
    public var events: [TraceEvent] {
        let arrivals = ring.count == capacity && head > 0 ? Array(ring[head...] + ring[..<head]) : ring
        // Most runs arrive nearly sorted; skip the sort when they are already in order.
        guard zip(arrivals, arrivals.dropFirst()).contains(where: { $0.monotonic > $1.monotonic }) else { return arrivals }
        return arrivals.enumerated()
            .sorted { ($0.element.monotonic, $0.offset) < ($1.element.monotonic, $1.offset) }
            .map(\.element)
    }
}
