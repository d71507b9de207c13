import TraceshModel
import TraceshKernel

/// Stacks in a run's results: bpftrace's multi-line stack keys made one line, then named
/// (`StackNamer`) and the rows that name the same frames merged.
///
/// A named stack is one string, its frames root first joined by `;` (the folded-stack form
/// flame graph tools read): `_start;main;outer;openat`.
public enum StackRows {
    /// The frame separator of a named stack.
    public static let separator = UInt8(ascii: ";")

    /// bpftrace prints a stack key as a newline and one `\tADDRESS SYMBOL (MODULE)` line per
    /// frame, so a key spans lines: `@m[comm, \n\t4005e1 ...\n\t40167c ...\n]: 5`. Each such key
    /// becomes one line with the stack as its addresses separated by spaces:
    /// `@m[comm, 4005e1 40167c]: 5`.
    public static func collapse(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var current: [UInt8]?
        var addresses: [[UInt8]] = []
        for line in text.split(separator: 0x0a, omittingEmptySubsequences: false) {
            if var open = current {
                if line.first == 0x09 {
                    let word = line.dropFirst().prefix { $0 != 0x20 && $0 != 0x09 }
                    addresses.append(Array(word))
                    continue
                }
                open += Array(addresses.joined(separator: [0x20]))
                addresses = []
                open += line
                if closesKey(open) {
                    out += open + [0x0a]
                    current = nil
                } else {
                    current = open
                }
                continue
            }
            if line.first == UInt8(ascii: "@"), line.contains(UInt8(ascii: "[")), !closesKey(Array(line)) {
                current = Array(line)
                continue
            }
            out += line + [0x0a]
        }
        if let current { out += current + Array(addresses.joined(separator: [0x20])) + [0x0a] }
        // Each piece got a newline; the text's last piece (after its last newline) had none.
        if out.last == 0x0a { out.removeLast() }
        return out
    }

    private static func closesKey(_ line: [UInt8]) -> Bool {
        if line.count >= 2, line[line.count - 2] == UInt8(ascii: "]"), line[line.count - 1] == UInt8(ascii: ":") { return true }
        return ByteFields.find(Array("]: ".utf8), in: line, from: 0) != nil
    }

    /// The rows of a map keyed by stacks, named and merged. The parsed keys hold a hidden pid
    /// before each user stack (see `StackCodegen`); the named rows do not.
    public static func name(_ result: AggregationResult, map: CompiledMap, namer: StackNamer) -> AggregationResult {
        let stacks = map.aggregation.keys.map(StackKey.init)
        guard stacks.contains(where: { $0 != nil }) else { return result }
        var rows: [AggregationResult.Row] = []
        var positions: [[TraceValue]: Int] = [:]
        for row in result.rows {
            var keys: [TraceValue] = []
            var index = 0
            for stack in stacks {
                guard index < row.keys.count else { break }
                guard let stack else {
                    keys.append(row.keys[index])
                    index += 1
                    continue
                }
                var pid: Int64 = 0, caller: Int64 = 0
                if stack.user {
                    guard index + 2 < row.keys.count else { break }
                    if case .integer(let number) = row.keys[index] { pid = number }
                    if case .integer(let number) = row.keys[index + 1] { caller = number }
                    index += 2
                }
                keys.append(.bytes(join(namer.name(stack: bytes(row.keys[index]), user: stack.user, pid: pid, caller: UInt64(bitPattern: caller)))))
                index += 1
            }
            if let position = positions[keys], let merged = merge(rows[position].value, row.value, map.aggregation.function) {
                rows[position].value = merged
            } else {
                positions[keys] = rows.count
                rows.append(.init(keys: keys, value: row.value))
            }
        }
        return AggregationResult(map: result.map, aggregation: result.aggregation, rows: rows)
    }

    /// The stack fields of an event (`set stacks`) named.
    /// The hidden field before `ustack` that carries the skipped caller (see `StackCodegen`).
    public static let callerField = "ustack_caller"

    public static func name(_ event: TraceEvent, namer: StackNamer) -> TraceEvent {
        var event = event
        var caller: UInt64 = 0
        for index in event.rawArgs.indices {
            if event.rawArgs[index].name == callerField, case .integer(let number) = event.rawArgs[index].value { caller = UInt64(bitPattern: number) }
            let user = event.rawArgs[index].name == "ustack"
            guard user || event.rawArgs[index].name == "kstack" else { continue }
            if user { namer.capture(pid: event.pid) }
            event.rawArgs[index].value = .bytes(join(namer.name(stack: bytes(event.rawArgs[index].value), user: user, pid: event.pid,
                                                                caller: user ? caller : 0)))
        }
        event.rawArgs.removeAll { $0.name == callerField }
        return event
    }

    /// Frames root first, as one value.
    public static func join(_ frames: [String]) -> [UInt8] { Array(frames.joined(separator: ";").utf8) }

    /// A named stack's frames, root first.
    public static func frames(_ value: TraceValue) -> [String] {
        bytes(value).split(separator: separator).map { String(decoding: $0, as: UTF8.self) }
    }

    private static func bytes(_ value: TraceValue) -> [UInt8] {
        switch value {
        case .bytes(let bytes): return bytes
        case .integer(let number): return Array(String(number).utf8)
        }
    }

    /// Two rows' values for one key (the same stack in two processes); nil when they cannot be
    /// combined (an average without its count).
    static func merge(_ a: AggregationResult.Value, _ b: AggregationResult.Value, _ function: AggregationFunction) -> AggregationResult.Value? {
        switch (a, b) {
        case (.scalar(let x), .scalar(let y)):
            switch function {
            case .count, .sum: return .scalar(x &+ y)
            case .min: return .scalar(Swift.min(x, y))
            case .max: return .scalar(Swift.max(x, y))
            default: return nil
            }
        case (.histogram(let x), .histogram(let y)):
            var buckets = x
            for bucket in y {
                if let index = buckets.firstIndex(where: { $0.label == bucket.label }) { buckets[index].count += bucket.count } else { buckets.append(bucket) }
            }
            return .histogram(buckets.sorted { ($0.low ?? .min) < ($1.low ?? .min) })
        default:
            return nil
        }
    }
}
