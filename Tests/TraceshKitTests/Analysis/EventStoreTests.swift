import Testing
@testable import TraceshKit

/// Events arrive in perf-buffer order, per CPU; the store hands them out in time order.
@Suite struct EventStoreTests {
    /// An event at monotonic time `time`; `tag` tells events of the same time apart.
    func event(_ time: Int64, tag: Int64 = 0) -> TraceEvent {
        TraceEvent(timestamp: time + 1_000, monotonic: time, probeIndex: 0, pid: tag, tid: tag, uid: 0,
                   cpu: 0, comm: Array("t".utf8), message: [], rawArgs: [])
    }

    @Test func outOfOrderArrivalsComeOutByTimestamp() {
        var store = EventStore(capacity: 10)
        for time: Int64 in [10, 30, 20, 40, 5] { store.append(event(time)) }
        #expect(store.events.map(\.monotonic) == [5, 10, 20, 30, 40])
    }

    @Test func equalTimestampsKeepTheirOrderOfArrival() {
        var store = EventStore(capacity: 10)
        for (time, tag): (Int64, Int64) in [(20, 1), (10, 2), (20, 3), (10, 4), (20, 5)] { store.append(event(time, tag: tag)) }
        #expect(store.events.map(\.pid) == [2, 4, 1, 3, 5])
    }

    @Test func capacityDropsTheOldestArrivalsNotTheOldestTimestamps() {
        var store = EventStore(capacity: 3)
        // 1 arrives late (another CPU's buffer): it is kept, because 50 and 40 arrived before it.
        for time: Int64 in [50, 40, 30, 20, 1] { store.append(event(time)) }
        #expect(store.dropped == 2)
        #expect(store.events.map(\.monotonic) == [1, 20, 30])
    }

    @Test func statisticsSpanFromTheEarliestToTheLatestEvent() {
        var statistics = Statistics(probeCount: 1)
        for time: Int64 in [20, 10, 40, 30] { statistics.record(event(time)) }
        #expect(statistics.firstTimestamp == 1_010)
        #expect(statistics.lastTimestamp == 1_040)
    }
}
