/// Replaces `$NAME` and `${NAME}` with session variables before a command is parsed.
///
/// Expansion happens outside single quotes. An undefined name is an error, except the trace.py
/// built-ins (`$pid`, `$tgid`, ...), which stay for the spec parser. `\$` in double quotes is a literal `$`.
public enum VariableExpander {
    public static let traceBuiltins: Set<String> = NameTable.dollarNames

    public static func expand(_ text: LocatedText, lookup: (String) -> String?) throws -> LocatedText {
        let characters = text.characters
        var result = LocatedText()
        var quote: Character? = nil
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let location = text.location(at: index)
            if quote == "'" {
                if character == "'" { quote = nil }
                result.append(character, at: location)
                index += 1
                continue
            }
            if character == "\\" && quote == "\"" && index + 1 < characters.count {
                result.append(character, at: location)
                result.append(characters[index + 1], at: text.location(at: index + 1))
                index += 2
                continue
            }
            if character == "\"" || character == "'" {
                quote = quote == nil ? character : (quote == character ? nil : quote)
            }
            guard character == "$", index + 1 < characters.count else {
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
            if braced {
                guard end < characters.count, characters[end] == "}", !name.isEmpty else {
                    throw Diagnostic("expected '}' to close '${' ", at: location)
                }
                end += 1
            }
            if name.isEmpty || name.first!.isNumber {
                result.append(character, at: location)
                index += 1
                continue
            }
            if let value = lookup(name) {
                for valueCharacter in value { result.append(valueCharacter, at: location) }
            } else if !braced && traceBuiltins.contains(name) {
                for index in index..<end { result.append(characters[index], at: text.location(at: index)) }
            } else {
                throw Diagnostic("undefined variable '$\(name)' (set it with 'set \(name) VALUE' or pass \(name)=VALUE)", at: location)
            }
            index = end
        }
        result.endLocation = text.endLocation
        return result
    }
}
