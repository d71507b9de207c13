import Foundation

/// How tracesh frames records in bpftrace's text output so that any bytes a traced string may
/// hold (quotes, newlines, tabs, `%`, `|`, `,`, backslashes, bytes >= 0x80, even 0x1e/0x1f)
/// arrive intact and can never be taken for the end of a field or of a record.
///
/// bpftrace 0.17's `-f json` turns bytes >= 0x80 into invalid JSON, and plain printf passes raw
/// bytes, so neither frames events by itself. Each run draws a fresh random `boundary` (like a
/// MIME multipart boundary) that the traced program cannot know: the bpftrace program is written
/// to a root-only file, never to a command line. A record is
///
///     RS boundary US kind (US boundary US field)* US boundary RS "\n"
///
/// with RS = 0x1e and US = 0x1f; bpftrace prints those with `\x1e` / `\x1f` escapes. A string
/// field would have to contain the 16-hex-digit boundary to be misread.
public struct EventFraming: Hashable, Sendable {
    /// Record kinds, the first field of every record.
    public enum Kind: String, Sendable, CaseIterable {
        /// Printed in `BEGIN` (after every probe is attached): `S, nsecs`.
        case start = "S"
        /// One event: `E, probeIndex, nsecs, pid, tid, uid, cpu, comm, value...`, where the values
        /// are the probe's argument expressions in the plan's order.
        case event = "E"
        /// A map snapshot: `M, mapName`; bpftrace's own `print(@map)` text follows up to the next record.
        case map = "M"
        /// Printed in `END` after the last map: `X`.
        case end = "X"
        /// An interval of `run ... every INTERVAL` ended: `I, number, nsecs`; the interval's map
        /// records follow, up to the matching `J`.
        case interval = "I"
        /// The last map of an interval was printed: `J, number`.
        case intervalEnd = "J"
        /// The sync probe fired: `F, sequence` (see `SyncMarker`).
        case sync = "F"
        /// Written by tracesh (not bpftrace) at the end of a recording, after bpftrace's output:
        /// `T, version, outputBytes, durationNanoseconds, state` (see `RecordingTrailer`).
        case trailer = "T"
        /// The first event of a process whose stacks a run names: `P, pid` (tracesh reads its
        /// `/proc/PID/maps` then, while it probably lives; see `StackNamer`).
        case process = "P"
        /// END began (printed first in END when its maps are slow to print, as stack-keyed maps
        /// are): `B`. The stop was heard; a repeated SIGINT would cut END short.
        case endBegin = "B"
        /// A process whose stacks the run names exec'd: `N, pid, inode, codeStart, interpreterBase,
        /// name` (see `KernelMapping`).
        case exec = "N"
        /// Such a process mapped executable code from a file: `L, pid, start, length, offset,
        /// inode, name` (see `KernelMapping`).
        case mapping = "L"
    }

    /// 16 lowercase hex digits.
    public let boundary: String

    public init(boundary: String) {
        self.boundary = boundary
    }

    /// A framing with a fresh random boundary.
    public static func random() -> EventFraming {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return EventFraming(boundary: String((0..<16).map { _ in digits[Int(generator.next() % 16)] }))
    }

    public var recordStart: [UInt8] { [0x1e] + Array(boundary.utf8) + [0x1f] }
    public var fieldSeparator: [UInt8] { [0x1f] + Array(boundary.utf8) + [0x1f] }
    public var recordEnd: [UInt8] { [0x1f] + Array(boundary.utf8) + [0x1e, 0x0a] }

    /// The same markers spelled as bpftrace string-literal text (for printf format strings).
    public var recordStartLiteral: String { "\\x1e" + boundary + "\\x1f" }
    public var fieldSeparatorLiteral: String { "\\x1f" + boundary + "\\x1f" }
    public var recordEndLiteral: String { "\\x1f" + boundary + "\\x1e\\n" }

    /// A bpftrace printf format for a record of `kind` whose fields use the given conversions
    /// (e.g. `["%d", "%s"]`); the caller supplies the matching printf arguments.
    public func printfFormat(kind: Kind, conversions: [String]) -> String {
        recordStartLiteral + kind.rawValue + conversions.map { fieldSeparatorLiteral + $0 }.joined() + recordEndLiteral
    }
}
