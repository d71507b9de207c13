import TraceshModel

/// The events of a live foreground run that the view has not taken yet. Bounded: a run faster
/// than the view drains it cannot grow it; what does not fit is only counted, as the view then
/// shows a sample anyway (the store, the statistics and a recording still get every event).
struct LiveEventQueue: Sendable {
    static let capacity = 4096
    private var events: [TraceEvent] = []
    private var overflow = 0

    mutating func push(_ event: TraceEvent) {
        if events.count < Self.capacity { events.append(event) } else { overflow += 1 }
    }

    /// The queued events and how many more arrived without room, emptying the queue.
    mutating func take() -> (events: [TraceEvent], overflow: Int) {
        defer {
            events.removeAll(keepingCapacity: true)
            overflow = 0
        }
        return (events, overflow)
    }
}
