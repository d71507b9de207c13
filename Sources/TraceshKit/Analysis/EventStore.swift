/// The events of a run kept in memory: at most `capacity`, oldest dropped first and counted, so
/// memory does not grow with the length of a run.
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

    /// The kept events, oldest first.
    public var events: [TraceEvent] {
        guard ring.count == capacity, head > 0 else { return ring }
        return Array(ring[head...] + ring[..<head])
    }
}
