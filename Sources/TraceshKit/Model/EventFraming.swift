import Foundation

/// How tracesh frames records in bpftrace's text output so that any bytes a traced string may
/// hold (quotes, newlines, tabs, `%`, `|`, `,`, backslashes, bytes >= 0x80, even 0x1e/0x1f)
/// arrive intact and can never be taken for the end of a field or of a record.
///
/// bpftrace 0.17's `-f json` turns bytes >= 0x80 into invalid JSON, and plain printf passes raw
/// bytes, so neither frames events by itself. Each run draws a fresh random `boundary` (like a
/// MIME multipart boundary) that the traced program cannot know: the bpftrace program is written
/// to a root-only file, never to a command line. With RS = 0x1e, US = 0x1f and B the boundary
/// (bpftrace prints RS and US from `\x1e` / `\x1f` escapes), a record is, in the `.compact`
/// layout every run now uses,
///
///     RS B US kind field* US B RS ["\n"]
///     field: " " integer             (after a string: US B " " integer)
///          | US B US string          (the string ends at the next US B)
///
/// so the boundary marks only where bytes can be anything: a string's start and end. An event
/// record has no newline: bpftrace's line-buffered standard output then writes events in buffers
/// of BUFSIZ bytes instead of one `write(2)` each, and the sync record (every few ms, with a
/// newline) bounds how long an event waits (see `SyncMarker`). A string field would have to
/// contain the 16-hex-digit boundary to be misread.
///
/// Recordings of format 2 hold bpftrace's output in the older `.separated` layout, where every
/// field follows `US B US` and every record ends with a newline: to the scanner, a compact record
/// whose fields are all strings, so it reads both alike.
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

    /// How the fields inside a record are marked.
    public enum Layout: String, Sendable {
        /// Integers after a space, strings between boundary markers (see above).
        case compact
        /// Every field after the full separator; every record ends with a newline (format 2 recordings).
        case separated
    }

    /// 16 lowercase hex digits.
    public let boundary: String
    public let layout: Layout

    public init(boundary: String, layout: Layout = .compact) {
        self.boundary = boundary
        self.layout = layout
    }

    /// The same boundary in another layout.
    public func with(layout: Layout) -> EventFraming { EventFraming(boundary: boundary, layout: layout) }

    /// A framing with a fresh random boundary.
    public static func random() -> EventFraming {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return EventFraming(boundary: String((0..<16).map { _ in digits[Int(generator.next() % 16)] }))
    }

    public var recordStart: [UInt8] { [0x1e] + Array(boundary.utf8) + [0x1f] }
    /// Before every field in the `.separated` layout; before a string in the `.compact` one.
    public var fieldSeparator: [UInt8] { [0x1f] + Array(boundary.utf8) + [0x1f] }
    /// What the scanner looks for; a newline may follow it (see `endsLine`).
    public var recordEnd: [UInt8] { [0x1f] + Array(boundary.utf8) + [0x1e] }
    /// A string's end in the `.compact` layout (what follows says what comes next).
    public var stringEnd: [UInt8] { [0x1f] + Array(boundary.utf8) }

    /// Whether a record of `kind` ends with a newline, which makes bpftrace's line-buffered output
    /// write what it holds: every record but an event's, so that starts, syncs and maps arrive at once.
    public func endsLine(_ kind: Kind) -> Bool { layout == .separated || kind != .event }

    /// The bytes bpftrace prints for a record of `kind` with these fields (tests, and tracesh's
    /// own trailer). A field that is an integer's digits goes as an integer in the `.compact`
    /// layout, anything else as a string: the scanner gives back the same bytes either way.
    public func encode(_ kind: Kind, _ fields: [[UInt8]]) -> [UInt8] {
        var bytes = recordStart + Array(kind.rawValue.utf8)
        var afterString = false
        for field in fields {
            if layout == .compact && ByteFields.isIntegerText(field) {
                if afterString { bytes += stringEnd }
                bytes += [0x20] + field
                afterString = false
            } else {
                bytes += fieldSeparator + field
                afterString = true
            }
        }
        return bytes + recordEnd + (endsLine(kind) ? [0x0a] : [])
    }

    /// A bpftrace printf format for a record of `kind` whose fields use the given conversions
    /// (e.g. `["%d", "%s"]`, or an integer literal's digits); the caller supplies the matching
    /// printf arguments. A `%s` goes between boundary markers, any other conversion after a space.
    public func printfFormat(kind: Kind, conversions: [String]) -> String {
        let separator = "\\x1f" + boundary + "\\x1f"
        var format = "\\x1e" + boundary + "\\x1f" + kind.rawValue
        var afterString = false
        for conversion in conversions {
            if layout == .separated || conversion == "%s" {
                format += separator + conversion
                afterString = true
            } else {
                format += (afterString ? "\\x1f" + boundary : "") + " " + conversion
                afterString = false
            }
        }
        return format + "\\x1f" + boundary + "\\x1e" + (endsLine(kind) ? "\\n" : "")
    }
}
