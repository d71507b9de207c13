import TraceshModel
import TraceshFiles

/// The text after a command's keyword, with the argument checks most commands share; the
/// messages quote the declaration's usage, so no command writes its usage twice.
public struct CommandInput: Sendable {
    /// The arguments, trimmed, with their source locations.
    public let text: LocatedText
    /// The declaration's usage, for messages about missing or extra arguments.
    public let usage: String

    public init(text: LocatedText, usage: String) {
        self.text = text
        self.usage = usage
    }

    /// The arguments as shell-like words.
    public func words() throws -> [Word] { try WordScanner.words(text) }

    /// The words, when there are between `range.lowerBound` and `range.upperBound` of them.
    public func words(_ range: ClosedRange<Int>) throws -> [Word] {
        let words = try words()
        if words.count > range.upperBound {
            throw Diagnostic("unexpected argument '\(words[range.upperBound].text)'; usage: \(usage)", at: words[range.upperBound].location)
        }
        if words.count < range.lowerBound {
            throw Diagnostic("missing argument; usage: \(usage)", at: text.endLocation)
        }
        return words
    }

    /// The one word a command like `save FILE` takes.
    public func singleWord() throws -> Word { try words(1...1)[0] }

    /// An optional run id (`stop [ID]`).
    public func optionalRunID() throws -> Int? {
        guard let word = try words(0...1).first else { return nil }
        guard let value = Int(word.text), value > 0 else {
            throw Diagnostic("expected a run id (a positive number), found '\(word.text)'", at: word.location)
        }
        return value
    }

    /// A probe name: letters, digits and `_`.
    public static func identifier(_ word: Word, _ what: String) throws -> String {
        guard word.text.first?.isIdentifierStart == true, word.text.allSatisfy(\.isIdentifierBody) else {
            throw Diagnostic("invalid \(what) '\(word.text)': use letters, digits and '_'", at: word.location)
        }
        return word.text
    }

    /// Setting and variable names: letters, digits, `_` and `-` (as in `max-events`).
    public static func settingName(_ word: Word) throws -> String {
        guard let first = word.text.first, first.isIdentifierStart,
              word.text.allSatisfy({ $0.isIdentifierBody || $0 == "-" })
        else {
            throw Diagnostic("invalid name '\(word.text)': use letters, digits, '_' and '-'", at: word.location)
        }
        return word.text
    }

    /// A leading positive count (`events 20`, `top 5`), consumed when present.
    /// `from ID`: which run a result comes from (nil when the words are absent).
    public static func optionalRunSource(_ stream: inout TokenStream) throws -> Int? {
        guard stream.acceptIdentifier("from") else { return nil }
        guard case .integer(let value) = stream.current.kind, value > 0, value <= Int64(Int32.max) else {
            throw Diagnostic("expected a run id after 'from' ('runs' lists them)", at: stream.current.location)
        }
        stream.advance()
        return Int(value)
    }

    /// The arguments of a command that takes nothing but `[from ID]` (`stats`, `results`).
    public func onlyRunSource() throws -> Int? {
        var stream = try TokenStream(lexing: text)
        let run = try Self.optionalRunSource(&stream)
        try stream.expectEnd("after '\(usage)'")
        return run
    }

    public static func optionalCount(_ stream: inout TokenStream, for command: String) throws -> Int? {
        guard case .integer(let value) = stream.current.kind else { return nil }
        guard value > 0, value <= Int64(Int32.max) else {
            throw Diagnostic("'\(command)' needs a positive count, found \(value)", at: stream.current.location)
        }
        stream.advance()
        return Int(value)
    }

    /// Splits `NAME SEPARATOR rest` when the text starts with an identifier and the separator
    /// (`=` but not `==` or `=~`, or `:` but not `::`).
    public func scopedName(separator: Character) -> (name: String, location: SourceLocation, rest: LocatedText)? {
        let characters = text.characters
        var index = 0
        guard index < characters.count, characters[index].isIdentifierStart else { return nil }
        while index < characters.count, characters[index].isIdentifierBody { index += 1 }
        let nameEnd = index
        while index < characters.count, characters[index] == " " || characters[index] == "\t" { index += 1 }
        guard index < characters.count, characters[index] == separator else { return nil }
        if index + 1 < characters.count, characters[index + 1] == separator { return nil }
        if separator == "=", index + 1 < characters.count, characters[index + 1] == "~" { return nil }
        return (String(characters[0..<nameEnd]), text.location(at: 0), text[(index + 1)..<characters.count].trimmed())
    }

    /// `PROBE: rest` -> (`PROBE`, rest); text without a scope -> (nil, text).
    public func splitScope() -> (probe: String?, body: LocatedText) {
        guard let scoped = scopedName(separator: ":") else { return (nil, text) }
        return (scoped.name, scoped.rest)
    }
}
