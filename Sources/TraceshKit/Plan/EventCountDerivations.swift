import TraceshModel
import TraceshSemantics

/// Decides which aggregations need no map of their own because the in-kernel event counts of
/// probes that do not stream already hold them (see `EventCountDerivation`).
///
/// A probe that does not stream updates `@tracesh_events[probe, pid, comm]` for every event so
/// that `stats` and `top` stay exact. A `count`, `count by pid`, `count by comm` (or both) over
/// such probes only is a sum of those rows: updating a second map per event would double the
/// in-kernel work for nothing.
enum EventCountDerivations {
    /// The derivation of each map index that can be read from the event counts.
    static func plan(_ plan: SessionPlan, streams: [Bool]) -> [Int: EventCountDerivation] {
        var result: [Int: EventCountDerivation] = [:]
        for (index, aggregation) in plan.aggregations.enumerated() where aggregation.aggregation.function == .count {
            var probeIndices: [Int] = []
            var keys: [EventCountDerivation.Key]?
            var derivable = true
            for (probeIndex, probe) in plan.probes.enumerated() {
                for attachment in probe.attachments {
                    for use in attachment.aggregations where use.index == index {
                        let useKeys = use.keys.map(key)
                        guard !streams[probeIndex], !useKeys.contains(nil), keys == nil || keys! == useKeys.compactMap({ $0 }) else {
                            derivable = false
                            continue
                        }
                        keys = useKeys.compactMap { $0 }
                        if !probeIndices.contains(probeIndex) { probeIndices.append(probeIndex) }
                    }
                }
            }
            if derivable, let keys, !probeIndices.isEmpty {
                result[index] = EventCountDerivation(probeIndices: probeIndices, keys: keys)
            }
        }
        return result
    }

    /// The event-count column a key reads, if it is one.
    private static func key(_ expression: ResolvedExpression) -> EventCountDerivation.Key? {
        guard case .name(let name) = expression.node else { return nil }
        switch name.meaning {
        case .builtin(.pid): return .pid
        case .builtin(.comm): return .comm
        default: return nil
        }
    }
}
