import TraceshModel

/// Folded stacks (`root;...;leaf COUNT` per line), the form flamegraph.pl, inferno and
/// speedscope read, from an aggregation keyed by a stack (`agg count by ustack`).
///
/// A named stack key is already its frames root first joined by `;` (see `StackRows`); other
/// keys of the row become the outermost frames (`agg count by comm, ustack` gives
/// `bash;main;...`). A histogram's row counts its buckets' total.
public enum FoldedStacks {
    /// One stack and its weight.
    public struct Entry: Hashable, Sendable {
        public var frames: [String]
        public var count: Int64
    }

    /// Whether `aggregation` has a stack key.
    public static func hasStack(_ aggregation: Aggregation) -> Bool {
        aggregation.keys.contains(where: StackKey.isStackName)
    }

    /// The stacks of `result`, heaviest first (ties by frames), zero counts left out.
    public static func entries(_ result: AggregationResult) -> [Entry] {
        var weights: [[String]: Int64] = [:]
        for row in result.rows {
            var frames: [String] = []
            for (index, key) in row.keys.enumerated() {
                let isStack = index < result.aggregation.keys.count && StackKey.isStackName(result.aggregation.keys[index])
                if isStack {
                    frames += key.description.split(separator: ";", omittingEmptySubsequences: true).map(String.init)
                } else {
                    frames.append(key.description)
                }
            }
            let count: Int64
            switch row.value {
            case .scalar(let value): count = value
            case .histogram(let buckets): count = buckets.reduce(0) { $0 + $1.count }
            }
            guard count > 0 else { continue }
            if frames.isEmpty { frames = ["[no frames]"] }
            weights[frames, default: 0] += count
        }
        return weights.map { Entry(frames: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.frames.lexicographicallyPrecedes($1.frames) }
    }

    /// The folded text: one line per stack, `;` inside a frame name replaced by `:` and
    /// newlines by spaces, so every line stays one stack.
    public static func text(_ result: AggregationResult) -> String {
        entries(result).map { entry in
            entry.frames.map(clean).joined(separator: ";") + " " + String(entry.count) + "\n"
        }.joined()
    }

    static func clean(_ frame: String) -> String {
        String(frame.map { $0 == ";" ? ":" : ($0 == "\n" || $0 == "\r") ? " " : $0 })
    }

    /// The heaviest `limit` stacks as an indented tree (`top stacks`): shared callers once,
    /// each line the count under that frame and the frame, callees indented below.
    public static func tree(_ result: AggregationResult, limit: Int) -> String {
        let top = Array(entries(result).prefix(limit))
        guard !top.isEmpty else { return "no stacks" }
        let root = FlameNode(name: "all")
        for entry in top { root.add(entry.frames, count: entry.count) }
        var lines: [String] = []
        let width = String(root.count).count
        func walk(_ node: FlameNode, depth: Int) {
            for child in node.sortedChildren {
                let count = String(child.count)
                lines.append(String(repeating: " ", count: width - count.count) + count + "  " + String(repeating: "  ", count: depth) + child.name)
                walk(child, depth: depth + 1)
            }
        }
        walk(root, depth: 0)
        return lines.joined(separator: "\n")
    }
}

/// A frame in the merged tree of stacks (flame graph, `top stacks`).
final class FlameNode {
    let name: String
    var count: Int64 = 0
    /// Samples that end here (this frame is the leaf).
    var selfCount: Int64 = 0
    var children: [String: FlameNode] = [:]
    /// Children in the order they were first added.
    var order: [String] = []

    init(name: String) { self.name = name }

    func add(_ frames: [String], count: Int64) {
        self.count += count
        guard let first = frames.first else {
            selfCount += count
            return
        }
        let child: FlameNode
        if let existing = children[first] {
            child = existing
        } else {
            child = FlameNode(name: first)
            children[first] = child
            order.append(first)
        }
        child.add(Array(frames.dropFirst()), count: count)
    }

    /// Heaviest first, ties by name.
    var sortedChildren: [FlameNode] {
        order.compactMap { children[$0] }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.name < $1.name }
    }

    /// Alphabetical, as flame graphs order siblings.
    var alphabeticalChildren: [FlameNode] {
        order.compactMap { children[$0] }.sorted { $0.name < $1.name }
    }

    var depth: Int { 1 + (children.values.map(\.depth).max() ?? 0) }
}
