/// A trace.py/printf-style format string, parsed into literal text and conversions.
///
/// Conversions: `%d %i %u %x %X %c %s %p` with an optional length (`h`, `hh`, `l`, `ll`, `z`),
/// an optional `-` or `0` flag and a width; `%%` is a literal percent sign. The message of an
/// event is rendered from it in user space, so traced bytes are inserted exactly.
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

    /// Parses `text`; `location` maps a character index of `text` to where it stands in the source.
    public init(parsing text: String, location: (Int) -> SourceLocation? = { _ in nil }) throws {
        self.text = text
        segments = []
        let characters = Array(text)
        var literal = ""
        var index = 0
        func flush() {
            if !literal.isEmpty { segments.append(.literal(Array(literal.utf8))) }
            literal = ""
        }
        while index < characters.count {
            let character = characters[index]
            guard character == "%" else {
                literal.append(character)
                index += 1
                continue
            }
            let start = index
            index += 1
            if index < characters.count, characters[index] == "%" {
                literal.append("%")
                index += 1
                continue
            }
            var spelling = "%"
            if index < characters.count, characters[index] == "-" || characters[index] == "0" {
                spelling.append(characters[index])
                index += 1
            }
            while index < characters.count, characters[index].isASCII, characters[index].isNumber {
                spelling.append(characters[index])
                index += 1
            }
            for length in ["hh", "ll", "h", "l", "z"] where characters[index...].starts(with: length) {
                spelling += length
                index += length.count
                break
            }
            guard index < characters.count, "diuxXcsp".contains(characters[index]) else {
                let found = index < characters.count ? "'\(spelling)\(characters[index])'" : "'\(spelling)' at the end"
                throw Diagnostic("unsupported conversion \(found) in the format string; use %d %u %x %s %c (with h, l, ll) or %% for a percent sign", at: location(start))
            }
            spelling.append(characters[index])
            index += 1
            flush()
            segments.append(.conversion(spelling))
        }
        flush()
    }

    /// Checks that the format has exactly one conversion per argument.
    public func check(argumentCount: Int, at location: SourceLocation?) throws {
        let count = conversions.count
        guard count != argumentCount else { return }
        throw Diagnostic("the format string has \(count) conversion\(count == 1 ? "" : "s") but \(argumentCount) argument\(argumentCount == 1 ? " follows" : "s follow")", at: location)
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
