import Foundation

/// A trace.py/printf-style format string, parsed into literal text and conversions.
///
/// Conversions are C's `%d %i %u %x %X %c %s %p` with flags, width, precision and length (see
/// `FormatConversion`); `%%` is a literal percent sign. The message of an event is rendered from
/// it in user space, so traced bytes are inserted exactly; bpftrace never sees this format.
public struct FormatString: Hashable, Sendable {
    public enum Segment: Hashable, Sendable {
        case literal([UInt8])
        case conversion(FormatConversion)
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
            if index + 1 < characters.count, characters[index + 1] == "%" {
                literal.append("%")
                index += 2
                continue
            }
            let conversion = try Self.conversion(in: characters, at: &index, location: location)
            flush()
            segments.append(.conversion(conversion))
        }
        flush()
    }

    /// Reads one conversion starting at the `%` at `index`, leaving `index` after it.
    private static func conversion(in characters: [Character], at index: inout Int,
                                   location: (Int) -> SourceLocation?) throws -> FormatConversion {
        let start = index
        index += 1
        var flags: [Character] = []
        while index < characters.count, "-0+ #".contains(characters[index]) {
            flags.append(characters[index])
            index += 1
        }
        func number(_ what: String) throws -> Int? {
            if index < characters.count, characters[index] == "*" {
                throw Diagnostic("a '*' \(what) is not supported; write the \(what) as a number", at: location(index))
            }
            var digits = ""
            while index < characters.count, characters[index].isASCII, characters[index].isNumber {
                digits.append(characters[index])
                index += 1
            }
            guard !digits.isEmpty else { return nil }
            guard let value = Int(digits), value <= FormatConversion.maximumWidth else {
                throw Diagnostic("the \(what) \(digits) is too large (at most \(FormatConversion.maximumWidth))", at: location(index - digits.count))
            }
            return value
        }
        let width = try number("width")
        var precision: Int?
        if index < characters.count, characters[index] == "." {
            index += 1
            // C: a '.' without digits is a precision of zero.
            precision = try number("precision") ?? 0
        }
        var length = FormatConversion.Length.none
        for candidate in [FormatConversion.Length.hh, .ll, .h, .l, .z] where characters[index...].starts(with: candidate.rawValue) {
            length = candidate
            index += candidate.rawValue.count
            break
        }
        let spelling = String(characters[start..<index])
        guard index < characters.count, FormatConversion.specifiers.contains(characters[index]) else {
            let found = index < characters.count ? "'\(spelling)\(characters[index])'" : "'\(spelling)' at the end"
            throw Diagnostic("unsupported conversion \(found) in the format string; use %d %i %u %x %X %c %s %p (with flags -0+ #, a width, a precision and h, hh, l, ll, z) or %% for a percent sign", at: location(start))
        }
        var conversion = FormatConversion(specifier: characters[index], spelling: spelling + String(characters[index]))
        index += 1
        conversion.leftAlign = flags.contains("-")
        conversion.zeroPad = flags.contains("0")
        conversion.plusSign = flags.contains("+")
        conversion.spaceSign = flags.contains(" ")
        conversion.alternate = flags.contains("#")
        conversion.width = width
        conversion.precision = precision
        conversion.length = length
        if let problem = conversion.problem { throw Diagnostic(problem, at: location(start)) }
        return conversion
    }

    /// Checks that the format has exactly one conversion per argument.
    public func check(argumentCount: Int, at location: SourceLocation?) throws {
        let count = conversions.count
        guard count != argumentCount else { return }
        throw Diagnostic("the format string has \(count) conversion\(count == 1 ? "" : "s") but \(argumentCount) argument\(argumentCount == 1 ? " follows" : "s follow")", at: location)
    }

    /// The conversions as written (`%d`, `%-30s`), one per argument.
    public var conversions: [String] { parsedConversions.map(\.spelling) }

    public var parsedConversions: [FormatConversion] {
        segments.compactMap { if case .conversion(let conversion) = $0 { return conversion } else { return nil } }
    }

    /// Applies the format to values, in user space; byte strings are inserted exactly (padded
    /// and cut by bytes, as C does, whatever their encoding).
    public func render(_ values: [TraceValue]) -> [UInt8] {
        render(count: values.count) { values[$0] }
    }

    /// `render` over an event's named values (no array of the values alone is made).
    public func render(named values: [NamedValue]) -> [UInt8] {
        render(count: values.count) { values[$0].value }
    }

    @inline(__always)
    private func render(count: Int, value: (Int) -> TraceValue) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        for segment in segments {
            switch segment {
            case .literal(let bytes):
                out += bytes
            case .conversion(let conversion):
                if index < count { conversion.append(value(index), to: &out) }
                index += 1
            }
        }
        return out
    }
}
