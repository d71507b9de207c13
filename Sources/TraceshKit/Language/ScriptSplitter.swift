import TraceshModel
import TraceshFiles

/// Splits source text into logical commands: one per line or per `;`, with `#` comments removed
/// and `\`-newline continuations joined. Quotes follow `QuotedText`'s rule, so `;` and `#` inside
/// a string stay.
public enum ScriptSplitter {
    public static func split(_ source: String, firstLine: Int = 1) -> [LocatedText] {
        var commands: [LocatedText] = []
        var current = LocatedText()
        var line = firstLine
        var column = 1
        var quotes = QuotedText.Tracker()
        var inComment = false
        let characters = Array(source)
        var index = 0

        func finish() {
            let trimmed = current.trimmed()
            if !trimmed.isEmpty { commands.append(trimmed) }
            current = LocatedText()
        }

        while index < characters.count {
            let character = characters[index]
            let location = SourceLocation(line: line, column: column)
            index += 1
            if character == "\n" || character == "\r\n" {
                line += 1
                column = 1
                inComment = false
                quotes.reset()
                finish()
                continue
            }
            column += 1
            if inComment { continue }
            // Inside quotes (and on the quotes themselves) every character is the command's.
            guard quotes.read(character) == .unquoted else {
                current.append(character, at: location)
                continue
            }
            switch character {
            case "\\" where index < characters.count && (characters[index] == "\n" || characters[index] == "\r\n"):
                index += 1  // a continuation: the command goes on on the next line
                line += 1
                column = 1
            case ";":
                finish()
            case "#" where current.characters.last.map(\.isWhitespace) ?? true:
                inComment = true
            default:
                current.append(character, at: location)
            }
        }
        finish()
        return commands
    }

    /// Whether an interactive line is unfinished: it ends with a `\` that continues it.
    public static func continues(_ line: String) -> Bool {
        var backslashes = 0
        for character in line.reversed() {
            guard character == "\\" else { break }
            backslashes += 1
        }
        return backslashes % 2 == 1
    }
}
