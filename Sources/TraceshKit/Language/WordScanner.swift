import TraceshModel
import TraceshFiles

/// Splits command arguments into shell-like words: white space separates, and quotes follow
/// `QuotedText`'s rule (`"..."` with escapes, `'...'` literal).
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
                    word += try QuotedText.read(characters, at: &index, in: text)
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
        return "\"" + QuotedText.escaped(word) + "\""
    }
}
