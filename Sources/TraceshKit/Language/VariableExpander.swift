import TraceshModel
import TraceshFiles

/// Replaces `$NAME`, `${NAME}` and `${NAME:-DEFAULT}` with session variables before a command
/// is parsed. A variable always stands for one value, never for syntax:
///
/// - inside double quotes it is the text of the string (a `"` in it cannot end the string);
/// - standing alone (`pid == $pid`, `save $out`) it is a number when it is one, else one string
///   literal (`"1 || 1"`), which `save`, `run` and the other word arguments read as one word;
/// - inside a word (`u:$lib:malloc`, `/tmp/$name.trc`) it is spliced as text, and must be a plain
///   word (letters, digits and `_ . / : @ ~ + -`); anything else is an error naming the variable.
///
/// Expansion happens outside single quotes; `\$` in double quotes is a literal `$`. An undefined
/// name is an error, except the trace.py built-ins (`$pid`, `$tgid`, ...), which stay for the
/// spec parser, with a note saying so (a forgotten `pid=1234` would otherwise go unnoticed).
public enum VariableExpander {
    public static let traceBuiltins: Set<String> = NameTable.dollarNames

    /// Expanded text, and notes about `$NAME`s left to trace.py's built-ins.
    public struct Expansion: Sendable {
        public var text: LocatedText
        public var notes: [Diagnostic]
        /// Each variable replaced, in order.
        public var substitutions: [Setting]

        /// `(where $NAME is 'VALUE')` for the variables of the command, so an error about a
        /// value names the variable it came from; nil when none was replaced.
        public var variablesNote: String? {
            guard !substitutions.isEmpty else { return nil }
            var seen: Set<String> = []
            let unique = substitutions.filter { seen.insert($0.name).inserted }
            return "(where " + unique.map { "$\($0.name) is '\($0.value)'" }.joined(separator: ", ") + ")"
        }
    }

    public static func expand(_ text: LocatedText, lookup: (String) -> String?) throws -> Expansion {
        let characters = text.characters
        var result = LocatedText()
        var notes: [Diagnostic] = []
        var substitutions: [Setting] = []
        var quotes = QuotedText.Tracker()
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let location = text.location(at: index)
            // `$NAME` expands outside quotes and inside "...", never inside '...' or as `\$`.
            let role = quotes.read(character)
            let expands = role == .unquoted || (role == .quoted && quotes.open == "\"")
            guard character == "$", expands, index + 1 < characters.count else {
                result.append(character, at: location)
                index += 1
                continue
            }
            var end = index + 1
            let braced = characters[end] == "{"
            if braced { end += 1 }
            let nameStart = end
            while end < characters.count, characters[end] == "_" || characters[end].isASCII && (characters[end].isLetter || characters[end].isNumber) {
                end += 1
            }
            let name = String(characters[nameStart..<end])
            var fallback: String? = nil
            if braced {
                if end + 1 < characters.count, characters[end] == ":", characters[end + 1] == "-" {
                    var close = end + 2
                    while close < characters.count, characters[close] != "}" { close += 1 }
                    fallback = String(characters[(end + 2)..<min(close, characters.count)])
                    end = close
                }
                guard end < characters.count, characters[end] == "}", !name.isEmpty else {
                    throw Diagnostic("expected '}' to close '${'", at: location)
                }
                end += 1
            }
            if name.isEmpty || name.first!.isNumber {
                result.append(character, at: location)
                index += 1
                continue
            }
            if let value = lookup(name) ?? fallback {
                let insideWord = (index > 0 && isWordCharacter(characters[index - 1]))
                    || (end < characters.count && isWordCharacter(characters[end]))
                let replacement = try spelling(of: value, named: name, inString: quotes.open == "\"", insideWord: insideWord, at: location)
                for valueCharacter in replacement { result.append(valueCharacter, at: location) }
                substitutions.append(Setting(name: name, value: value))
            } else if !braced && traceBuiltins.contains(name) {
                for index in index..<end { result.append(characters[index], at: text.location(at: index)) }
                notes.append(Diagnostic(
                    "no variable '\(name)' is set, so '$\(name)' is trace.py's built-in (the event's \(name)); pass \(name)=VALUE or 'set \(name) VALUE' to give it a value",
                    at: location, severity: .note))
            } else {
                throw Diagnostic("undefined variable '$\(name)' (set it with 'set \(name) VALUE', 'default \(name) VALUE' or pass \(name)=VALUE)", at: location)
            }
            index = end
        }
        result.endLocation = text.endLocation
        return Expansion(text: result, notes: notes, substitutions: substitutions)
    }

    /// How `value` is written where `$name` stood.
    static func spelling(of value: String, named name: String, inString: Bool, insideWord: Bool, at location: SourceLocation) throws -> String {
        if let control = value.unicodeScalars.first(where: { $0.value < 0x20 && !"\n\t\r".unicodeScalars.contains($0) || $0.value == 0x7f }) {
            throw Diagnostic("variable '$\(name)' holds the control character \\x\(String(control.value, radix: 16)); a variable is one number or one string of text", at: location)
        }
        if inString { return QuotedText.escaped(value) }
        if isNumber(value) { return value }
        if insideWord {
            guard !value.isEmpty, value.allSatisfy(isPlainWordCharacter) else {
                throw Diagnostic("variable '$\(name)' is '\(value)', which is neither a number nor a plain word (letters, digits, _ . / : @ ~ + -), so it cannot be part of a word here; quote the whole word (\"...$\(name)...\") to use it as text", at: location)
            }
            return value
        }
        return "\"" + QuotedText.escaped(value) + "\""
    }

    /// A decimal integer (optionally negative) or a hexadecimal one, as the lexer reads numbers.
    static func isNumber(_ value: String) -> Bool {
        var digits = Substring(value)
        if digits.first == "-" { digits = digits.dropFirst() }
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            let hex = digits.dropFirst(2)
            return !hex.isEmpty && hex.allSatisfy(\.isHexDigit)
        }
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Characters that join a `$NAME` to the word around it (`u:$lib:malloc`).
    private static func isWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || "_./:@~".contains(character)
    }

    private static func isPlainWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || "_./:@~+-".contains(character)
    }
}
