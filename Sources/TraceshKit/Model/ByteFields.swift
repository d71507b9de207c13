import CSupport
import Foundation

/// Reading fields of bpftrace's output: decimal numbers, separated parts, and the search they
/// share (memmem: the scanner's hot path).
public enum ByteFields {
    /// Decimal integer (with optional sign) from ASCII bytes.
    public static func integer(_ bytes: [UInt8]) -> Int64? {
        guard !bytes.isEmpty else { return nil }
        var negative = false
        var value: UInt64 = 0
        var index = 0
        if bytes[0] == UInt8(ascii: "-") { negative = true; index = 1 }
        guard index < bytes.count else { return nil }
        while index < bytes.count {
            let digit = bytes[index] &- 0x30
            guard digit < 10 else { return nil }
            value = value &* 10 &+ UInt64(digit)
            index += 1
        }
        return negative ? 0 &- Int64(bitPattern: value) : Int64(bitPattern: value)
    }

    /// Whether `bytes` are what `integer` reads: an optional `-` and at least one digit.
    public static func isIntegerText(_ bytes: [UInt8]) -> Bool {
        let digits = bytes.first == UInt8(ascii: "-") ? bytes.dropFirst() : bytes[...]
        return !digits.isEmpty && digits.allSatisfy { $0 &- 0x30 < 10 }
    }

    public static func split(_ bytes: [UInt8], by separator: [UInt8]) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var from = 0
        while let index = find(separator, in: bytes, from: from) {
            parts.append(Array(bytes[from..<index]))
            from = index + separator.count
        }
        parts.append(Array(bytes[from...]))
        return parts
    }

    /// The first index of `needle` in `haystack` at or after `from`.
    public static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard from < haystack.count, needle.count <= haystack.count - from else { return nil }
        return haystack.withUnsafeBytes { hay in
            needle.withUnsafeBytes { pattern in
                guard let found = tracesh_memmem(hay.baseAddress! + from, hay.count - from, pattern.baseAddress!, pattern.count) else { return nil }
                return hay.baseAddress!.distance(to: UnsafeRawPointer(found))
            }
        }
    }
}
