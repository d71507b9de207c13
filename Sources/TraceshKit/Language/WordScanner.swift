import TraceshModel
import TraceshFiles

/// Splits command arguments into shell-like words: white space separates, `"..."` (with
/// backslash escapes) and `'...'` (literal) quote.
public struct Word: Hashable, Sendable {
    public var text: String
    public var location: SourceLocation
    /// Whether any part was quoted (a quoted `&` or `--` is an ordinary argument).
    public var quoted: Bool
    /// The text before the first quote (all of it when nothing is quoted): only there can a
    /// `>` be an operator, as in `>'my file'`.
    public var unquotedStart: String = ""
}

public enum WordScanner {
    public static func words(_ text: LocatedText) throws -> [Word] {
        let characters = text.characters
        var words: [Word] = []
        var index = 0
        while true {
            while index < characters.count, characters[index].isWhitespace { index += 1 }
            guard index < characters.count else { return words }
            let start = text.location(at: index)
            var word = ""
            var quoted = false
            var unquotedStart = ""
            while index < characters.count, !characters[index].isWhitespace {
                let character = characters[index]
                if character == "'" || character == "\"" {
                    if !quoted { unquotedStart = word }
                    quoted = true
                    let open = text.location(at: index)
                    index += 1
                    var closed = false
                    while index < characters.count {
                        let inner = characters[index]
                        index += 1
                        if inner == character { closed = true; break }
                        if inner == "\\" && character == "\"" && index < characters.count {
                            let escape = characters[index]
                            index += 1
                            switch escape {
                            case "n": word += "\n"
                            case "t": word += "\t"
                            case "r": word += "\r"
                            default: word.append(escape)
                            }
                            continue
                        }
                        word.append(inner)
                    }
                    if !closed {
                        throw Diagnostic("unterminated string: missing \(character) to close the quote opened at \(open)", at: text.endLocation)
                    }
                } else {
                    word.append(character)
                    index += 1
                }
            }
            words.append(Word(text: word, location: start, quoted: quoted, unquotedStart: quoted ? unquotedStart : word))
        }
    }

    /// Quotes a word so `words` reads it back unchanged (bare when it is safe to).
    public static func quote(_ word: String) -> String {
        let safe = !word.isEmpty && word.allSatisfy { character in
            character.isASCII && (character.isLetter || character.isNumber || "_-./:=+,@%".contains(character))
        }
        if safe { return word }
        return "\"" + VariableExpander.escaped(word) + "\""
    }
}
