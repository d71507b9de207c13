import Foundation

/// A length of time as users write it (`500ms`, `1.5s`, `10s`, `2m`, `1h`), kept in milliseconds.
public struct TraceDuration: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func seconds(_ seconds: Int64) -> TraceDuration { .init(milliseconds: seconds * 1000) }
    public static func minutes(_ minutes: Int64) -> TraceDuration { .init(milliseconds: minutes * 60_000) }

    public var seconds: Double { Double(milliseconds) / 1000 }

    /// How to write a duration, for error messages.
    public static let spellingHint = "use e.g. 500ms, 1.5s, 10s, 2m"

    /// Parses `N[.F]` with a unit `ms`, `s` (or none), `m` or `h`; nil when malformed or when the
    /// value is not a whole number of milliseconds (`1.5s` is 1500 ms, `0.0005s` is refused).
    ///
    /// Decimal digits are read as integers, not through `Double`, so `0.1s` is exactly 100 ms.
    public init?(parsing text: String) {
        let whole = text.prefix { $0.isASCII && $0.isNumber }
        guard !whole.isEmpty else { return nil }
        var rest = text.dropFirst(whole.count)
        var fraction = Substring("")
        if rest.first == "." {
            fraction = rest.dropFirst().prefix { $0.isASCII && $0.isNumber }
            guard !fraction.isEmpty else { return nil }
            rest = rest.dropFirst(1 + fraction.count)
        }
        let factor: Int64
        switch rest {
        case "", "s", "sec": factor = 1000
        case "ms": factor = 1
        case "m", "min": factor = 60_000
        case "h": factor = 3_600_000
        default: return nil
        }
        guard let wholeValue = Int64(whole) else { return nil }
        let (product, overflow) = wholeValue.multipliedReportingOverflow(by: factor)
        guard !overflow else { return nil }
        // The fraction in units of 10^-digits, scaled by the unit; it must come out whole.
        var digits = String(fraction)
        while digits.last == "0" { digits.removeLast() }
        var fractionMilliseconds: Int64 = 0
        if !digits.isEmpty {
            guard digits.count <= 9, let numerator = Int64(digits) else { return nil }
            var denominator: Int64 = 1
            for _ in digits { denominator *= 10 }
            let scaled = numerator * factor
            guard scaled % denominator == 0 else { return nil }
            fractionMilliseconds = scaled / denominator
        }
        let (total, overflowTotal) = product.addingReportingOverflow(fractionMilliseconds)
        guard !overflowTotal else { return nil }
        milliseconds = total
    }

    /// The shortest exact spelling with a whole number: `500ms`, `1500ms`, `10s`, `2m`, `1h`.
    /// Whole numbers read back exactly, so a saved script rebuilds the same duration.
    public var description: String {
        if milliseconds % 3_600_000 == 0 && milliseconds != 0 { return "\(milliseconds / 3_600_000)h" }
        if milliseconds % 60_000 == 0 && milliseconds != 0 { return "\(milliseconds / 60_000)m" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }

    public static func < (a: TraceDuration, b: TraceDuration) -> Bool { a.milliseconds < b.milliseconds }
}
