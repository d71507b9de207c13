import Foundation

/// A length of time as users write it (`500ms`, `10s`, `2m`, `1h`), kept in milliseconds.
public struct TraceDuration: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func seconds(_ seconds: Int64) -> TraceDuration { .init(milliseconds: seconds * 1000) }
    public static func minutes(_ minutes: Int64) -> TraceDuration { .init(milliseconds: minutes * 60_000) }

    public var seconds: Double { Double(milliseconds) / 1000 }

    /// Parses `N`, `Nms`, `Ns`, `Nm`, `Nh` (a bare number is seconds); nil when malformed.
    public init?(parsing text: String) {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let value = Int64(digits) else { return nil }
        let factor: Int64
        switch text.dropFirst(digits.count) {
        case "", "s", "sec": factor = 1000
        case "ms": factor = 1
        case "m", "min": factor = 60_000
        case "h": factor = 3_600_000
        default: return nil
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        guard !overflow else { return nil }
        milliseconds = product
    }

    /// The shortest exact spelling: `500ms`, `10s`, `2m`, `1h`.
    public var description: String {
        if milliseconds % 3_600_000 == 0 && milliseconds != 0 { return "\(milliseconds / 3_600_000)h" }
        if milliseconds % 60_000 == 0 && milliseconds != 0 { return "\(milliseconds / 60_000)m" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }

    public static func < (a: TraceDuration, b: TraceDuration) -> Bool { a.milliseconds < b.milliseconds }
}
