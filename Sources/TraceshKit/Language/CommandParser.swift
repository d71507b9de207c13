import TraceshModel
import TraceshFiles

/// Parses one logical command (see `ScriptSplitter`) into a `Command`: the keyword picks a
/// declaration from `CommandRegistry`, and the declaration parses the rest.
public enum CommandParser {
    public static func parse(_ text: LocatedText) throws -> Command {
        let characters = text.characters
        var end = 0
        while end < characters.count, !characters[end].isWhitespace { end += 1 }
        let keyword = String(characters[0..<end])
        let location = text.location(at: 0)
        guard let declaration = CommandRegistry.declaration(keyword) else {
            throw Diagnostic(
                "unknown command '\(keyword)'" + Suggestions.didYouMean(keyword, in: CommandRegistry.names),
                at: location)
        }
        let input = CommandInput(text: text[end..<characters.count].trimmed(), usage: declaration.usage)
        return Command(try declaration.parse(input), at: location)
    }
}
