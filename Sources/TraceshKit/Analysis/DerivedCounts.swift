import TraceshModel

extension EventCountDerivation {
    /// The derived map's rows, summed from the event-count rows (`[probe, pid, comm]: N`), in
    /// bpftrace's order (smallest count first).
    func rows(from counts: AggregationResult) -> [AggregationResult.Row] {
        var sums: [[TraceValue]: Int64] = [:]
        var order: [[TraceValue]] = []
        for row in counts.rows {
            guard row.keys.count == 3, case .integer(let probe) = row.keys[0], probeIndices.contains(Int(probe)),
                  case .scalar(let count) = row.value else { continue }
            let keys = keys.map { $0 == .pid ? row.keys[1] : row.keys[2] }
            if sums[keys] == nil { order.append(keys) }
            sums[keys, default: 0] += count
        }
        return order.map { AggregationResult.Row(keys: $0, value: .scalar(sums[$0]!)) }
            .enumerated().sorted { a, b in
                guard case .scalar(let x) = a.element.value, case .scalar(let y) = b.element.value, x != y else { return a.offset < b.offset }
                return x < y
            }.map(\.element)
    }
}

extension CompiledProgram {
    /// The aggregations read from the event counts rather than from maps of their own, added to
    /// `results` in the program's map order.
    func addingDerived(from counts: AggregationResult, to results: [AggregationResult]) -> [AggregationResult] {
        let derived = maps.compactMap { map in
            map.fromEventCounts.map { AggregationResult(map: map.name, aggregation: map.aggregation, rows: $0.rows(from: counts)) }
        }
        guard !derived.isEmpty else { return results }
        let order = Dictionary(maps.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { first, _ in first })
        return (results + derived).enumerated().sorted { a, b in
            let x = order[a.element.map] ?? Int.max, y = order[b.element.map] ?? Int.max
            return x != y ? x < y : a.offset < b.offset
        }.map(\.element)
    }
}
