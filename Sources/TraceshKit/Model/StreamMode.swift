/// Which probes stream their events to tracesh (`set stream`).
///
/// Streaming costs the traced process about 10x more than counting in the kernel (DESIGN.md,
/// "Measured on this machine"), so by default a probe whose only use is its aggregations is
/// counted in the kernel; its event counts still come back, from an in-kernel map.
public enum StreamMode: String, CaseIterable, Hashable, Sendable {
    /// A probe streams when it has a format string or no aggregations; a probe with
    /// aggregations and no format string is counted in the kernel only.
    case auto
    /// Every probe streams its events.
    case on
    /// No probe streams: only in-kernel aggregations and event counts come back.
    case off

    /// Whether a probe with this format string (or none) and these many aggregations streams.
    public func streams(hasFormat: Bool, aggregationCount: Int) -> Bool {
        switch self {
        case .on: return true
        case .off: return false
        case .auto: return hasFormat || aggregationCount == 0
        }
    }
}
