/// A trace.py/printf-style format string, parsed into literal text and conversions.
/// (First version; the spec work extends validation and the conversions it knows.)
public struct FormatString: Hashable, Sendable {
    public enum Segment: Hashable, Sendable {
        case literal([UInt8])
        /// A conversion such as `%d`, `%llu`, `%s`, `%x`, `%c`, spelled as written.
        case conversion(String)
    }

    public var segments: [Segment]
    /// The format as written (escapes decoded).
    public var text: String

    public init(segments: [Segment], text: String) {
        self.segments = segments
        self.text = text
    }

    public var conversions: [String] {
        segments.compactMap { if case .conversion(let spelling) = $0 { return spelling } else { return nil } }
    }

    /// Applies the format to values, in user space; byte strings are inserted exactly.
    public func render(_ values: [TraceValue]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        for segment in segments {
            switch segment {
            case .literal(let bytes):
                out += bytes
            case .conversion(let spelling):
                let value = index < values.count ? values[index] : nil
                index += 1
                out += Self.convert(value, spelling)
            }
        }
        return out
    }

    static func convert(_ value: TraceValue?, _ spelling: String) -> [UInt8] {
        guard let value else { return [] }
        let conversion = spelling.last ?? "d"
        switch value {
        case .bytes(let bytes):
            return bytes
        case .integer(let number):
            switch conversion {
            case "x": return Array(String(UInt64(bitPattern: number), radix: 16).utf8)
            case "X": return Array(String(UInt64(bitPattern: number), radix: 16, uppercase: true).utf8)
            case "u": return Array(String(UInt64(bitPattern: number)).utf8)
            case "c": return [UInt8(truncatingIfNeeded: number)]
            case "p": return Array(("0x" + String(UInt64(bitPattern: number), radix: 16)).utf8)
            default: return Array(String(number).utf8)
            }
        }
    }
}
