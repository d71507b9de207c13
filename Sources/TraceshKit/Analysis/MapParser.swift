import Foundation
import TraceshModel
import TraceshKernel
import TraceshSemantics

/// Parses bpftrace's `print(@map)` text into aggregation rows.
///
/// bpftrace prints `@m: 5`, `@m[k1, k2]: 5`, and for hist/lhist a header `@m[k]: ` followed by
/// bucket lines `[lo, hi)   count |@@@   |` and a blank line. String keys are printed raw, so a
/// key is split on ", " using the key kinds the compiler recorded (numbers never contain ", ").
public enum MapParser {
    /// Integer keys that name something (`map.keyNames`) become their names from `names`, so
    /// every output shows `openat` rather than 257.
    public static func parse(_ text: [UInt8], map: CompiledMap, names: ValueNames = .none) -> AggregationResult {
        var rows: [AggregationResult.Row] = []
        let text = map.aggregation.keys.contains(where: StackKey.isStackName) ? StackRows.collapse(text) : text
        let lines = text.split(separator: 0x0a, omittingEmptySubsequences: false).map { Array($0) }
        var index = 0
        let prefix = Array(map.name.utf8)
        while index < lines.count {
            let line = lines[index]
            index += 1
            guard line.starts(with: prefix) else { continue }
            var rest = Array(line.dropFirst(prefix.count))
            var keys: [TraceValue] = []
            if rest.first == UInt8(ascii: "[") {
                guard let close = lastIndex(of: Array("]: ".utf8), in: rest) ?? (rest.last == UInt8(ascii: ":") && rest.dropLast().last == UInt8(ascii: "]") ? rest.count - 2 : nil) else { continue }
                keys = splitKeys(Array(rest[1..<close]), kinds: map.keyKinds)
                for (index, kind) in map.keyNames.enumerated() where index < keys.count { keys[index] = names.display(keys[index], as: kind) }
                rest = Array(rest[(close + 1)...])
            }
            // rest is now ": VALUE" or ": " (a histogram follows) or ":".
            let valueText = String(decoding: rest, as: UTF8.self).drop { $0 == ":" || $0 == " " }
            if valueText.isEmpty {
                var buckets: [AggregationResult.Bucket] = []
                while index < lines.count, let bucket = parseBucket(lines[index]) {
                    buckets.append(bucket)
                    index += 1
                }
                rows.append(.init(keys: keys, value: .histogram(buckets)))
            } else if let value = Int64(valueText) {
                rows.append(.init(keys: keys, value: .scalar(value)))
            }
        }
        return AggregationResult(map: map.name, aggregation: map.aggregation, rows: rows)
    }

    /// `[4, 8)        12 |@@@@   |` -> bucket; nil for anything else (the blank line ending a histogram).
    static func parseBucket(_ line: [UInt8]) -> AggregationResult.Bucket? {
        let text = String(decoding: line, as: UTF8.self)
        guard let first = text.first, first == "[" || first == "(" else { return nil }
        guard let labelEnd = text.firstIndex(where: { $0 == ")" || $0 == "]" }) else { return nil }
        let label = String(text[...labelEnd])
        let after = text[text.index(after: labelEnd)...].split(separator: " ", omittingEmptySubsequences: true)
        guard let countText = after.first, let count = Int64(countText) else { return nil }
        let bounds = label.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let low = bounds.first.flatMap(number)
        // `[2, 4)` holds 2 and 3; hist's single-value `[1]` holds 1 alone; `[1000, ...)` has no end.
        // (A bucket at Int64.max has no end that fits: none, like `[1000, ...)`.)
        let high = bounds.count > 1 ? number(bounds[1]) : low.flatMap { $0 == Int64.max ? nil : $0 + 1 }
        return AggregationResult.Bucket(label: label, low: low, high: high, count: count)
    }

    /// `512K` -> 524288 (bpftrace's suffixes are powers of 1024); nil for `...`.
    static func number(_ text: String) -> Int64? {
        let suffixes: [Character: Int64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40, "P": 1 << 50]
        if let last = text.last, let factor = suffixes[last], let value = Int64(text.dropLast()) {
            let (product, overflow) = value.multipliedReportingOverflow(by: factor)
            return overflow ? nil : product
        }
        return Int64(text)
    }

    static func splitKeys(_ bytes: [UInt8], kinds: [CompiledField.Kind]) -> [TraceValue] {
        var parts = ByteFields.split(bytes, by: Array(", ".utf8))
        let kinds = kinds.isEmpty ? Array(repeating: CompiledField.Kind.string, count: 1) : kinds
        // A string key containing ", " was split too far: give the extra pieces back to the first string key.
        if parts.count > kinds.count, let stringIndex = kinds.firstIndex(of: .string) {
            let extra = parts.count - kinds.count
            let merged = parts[stringIndex...(stringIndex + extra)].joined(separator: Array(", ".utf8))
            parts.replaceSubrange(stringIndex...(stringIndex + extra), with: [Array(merged)])
        }
        return zip(parts, kinds).map { part, kind in
            kind == .integer ? ByteFields.integer(part).map(TraceValue.integer) ?? .bytes(part) : .bytes(part)
        }
    }

    private static func lastIndex(of needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        for start in stride(from: bytes.count - needle.count, through: 0, by: -1) where Array(bytes[start..<(start + needle.count)]) == needle {
            return start
        }
        return nil
    }
}

