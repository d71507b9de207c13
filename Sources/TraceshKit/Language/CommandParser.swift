/// Parses one logical command (see `ScriptSplitter`) into a `Command`.
public enum CommandParser {
    public static func parse(_ text: LocatedText) throws -> Command {
        let characters = text.characters
        var end = 0
        while end < characters.count, !characters[end].isWhitespace { end += 1 }
        let keyword = String(characters[0..<end])
        let location = text.location(at: 0)
        let rest = text[end..<characters.count].trimmed()

        guard let name = CommandCatalog.canonicalName(keyword) else {
            throw Diagnostic(
                "unknown command '\(keyword)'" + Suggestions.didYouMean(keyword, in: CommandCatalog.names),
                at: location)
        }
        func command(_ kind: Command.Kind) -> Command { Command(kind, at: location) }

        switch name {
        case "probe": return command(try probe(rest, keywordEnd: text.location(at: end)))
        case "filter": return command(.filter(try filter(rest, keywordEnd: text.location(at: end))))
        case "agg": return command(.agg(try aggregation(rest, keywordEnd: text.location(at: end))))
        case "run": return command(.run(try run(rest)))
        case "events":
            var stream = try TokenStream(lexing: rest)
            let limit = try optionalCount(&stream, for: "events")
            var condition: Expression? = nil
            if stream.acceptIdentifier("where") {
                guard !stream.atEnd else { throw Diagnostic("expected a condition after 'where'", at: stream.current.location) }
                condition = try ExpressionParser.parse(&stream)
            }
            try stream.expectEnd("after 'events [N] [where EXPR]'")
            return command(.events(limit: limit, condition: condition))
        case "top":
            var stream = try TokenStream(lexing: rest)
            let limit = try optionalCount(&stream, for: "top")
            try stream.expectEnd("after 'top [N]'")
            return command(.top(limit: limit))
        case "suggest":
            guard !rest.isEmpty else { throw Diagnostic("'suggest' needs a description of the problem", at: rest.endLocation) }
            return command(.suggest(text: rest.string))
        default:
            break
        }

        let words = try WordScanner.words(rest)
        func arguments(_ range: ClosedRange<Int>, _ usage: String) throws {
            if words.count > range.upperBound {
                throw Diagnostic("unexpected argument '\(words[range.upperBound].text)'; usage: \(usage)", at: words[range.upperBound].location)
            }
            if words.count < range.lowerBound {
                throw Diagnostic("missing argument; usage: \(usage)", at: rest.endLocation)
            }
        }
        func identifier(_ word: Word, _ what: String) throws -> String {
            guard word.text.first?.isIdentifierStart == true, word.text.allSatisfy(\.isIdentifierBody) else {
                throw Diagnostic("invalid \(what) '\(word.text)': use letters, digits and '_'", at: word.location)
            }
            return word.text
        }
        func id(_ usage: String) throws -> Int? {
            try arguments(0...1, usage)
            guard let word = words.first else { return nil }
            guard let value = Int(word.text), value > 0 else {
                throw Diagnostic("expected a run id (a positive number), found '\(word.text)'", at: word.location)
            }
            return value
        }
        let usage = CommandCatalog.entry(name)?.usage ?? name

        switch name {
        case "stop": return command(.stop(id: try id(usage)))
        case "wait": return command(.wait(id: try id(usage)))
        case "show":
            try arguments(0...1, usage)
            guard let word = words.first else { return command(.show(.graph)) }
            guard let target = ShowTarget(rawValue: word.text) else {
                throw Diagnostic("cannot show '\(word.text)'; expected 'graph' or 'bpftrace'", at: word.location)
            }
            return command(.show(target))
        case "save", "load", "record", "replay":
            try arguments(1...1, usage)
            let path = words[0].text
            switch name {
            case "save": return command(.save(path: path))
            case "load": return command(.load(path: path))
            case "record": return command(.record(path: path))
            default: return command(.replay(path: path))
            }
        case "set":
            try arguments(2...2, usage)
            return command(.set(name: try settingName(words[0]), value: words[1].text))
        case "unset":
            try arguments(1...1, usage)
            return command(.unset(name: try settingName(words[0])))
        case "drop":
            try arguments(1...1, usage)
            return command(.drop(name: try identifier(words[0], "probe name")))
        case "list":
            try arguments(0...1, usage)
            return command(.list(pattern: words.first?.text))
        case "help":
            try arguments(0...1, usage)
            return command(.help(topic: words.first?.text))
        case "caps", "runs", "stats", "quit":
            try arguments(0...0, usage)
            switch name {
            case "caps": return command(.caps)
            case "runs": return command(.runs)
            case "stats": return command(.stats)
            default: return command(.quit)
            }
        default:
            throw Diagnostic("unknown command '\(keyword)'", at: location)
        }
    }

    /// Setting and variable names: letters, digits, `_` and `-` (as in `max-events`).
    private static func settingName(_ word: Word) throws -> String {
        guard let first = word.text.first, first.isIdentifierStart,
              word.text.allSatisfy({ $0.isIdentifierBody || $0 == "-" })
        else {
            throw Diagnostic("invalid name '\(word.text)': use letters, digits, '_' and '-'", at: word.location)
        }
        return word.text
    }

    private static func optionalCount(_ stream: inout TokenStream, for command: String) throws -> Int? {
        guard case .integer(let value) = stream.current.kind else { return nil }
        guard value > 0, value <= Int64(Int32.max) else {
            throw Diagnostic("'\(command)' needs a positive count, found \(value)", at: stream.current.location)
        }
        stream.advance()
        return Int(value)
    }

    /// Splits `NAME SEPARATOR rest` when the text starts with an identifier and the separator
    /// (`=` but not `==`, or `:` but not `::`).
    private static func scopedName(_ text: LocatedText, separator: Character) -> (name: String, location: SourceLocation, rest: LocatedText)? {
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
    private static func splitScope(_ text: LocatedText) -> (probe: String?, body: LocatedText) {
        guard let scoped = scopedName(text, separator: ":") else { return (nil, text) }
        return (scoped.name, scoped.rest)
    }

    private static func probe(_ rest: LocatedText, keywordEnd: SourceLocation) throws -> Command.Kind {
        var name: String? = nil
        var spec = rest
        if let scoped = scopedName(rest, separator: "=") {
            name = scoped.name
            spec = scoped.rest
        }
        guard !spec.isEmpty else {
            throw Diagnostic("expected a probe spec (e.g. 'sys_read', 't:sched:sched_process_exec')", at: spec.endLocation)
        }
        return .probe(name: name, spec: spec)
    }

    private static func filter(_ rest: LocatedText, keywordEnd: SourceLocation) throws -> Filter {
        let (probe, body) = splitScope(rest)
        guard !body.isEmpty else {
            throw Diagnostic("expected a condition (e.g. 'comm == \"cat\"')", at: body.endLocation)
        }
        return Filter(probe: probe, condition: try ExpressionParser.parse(body))
    }

    private static func aggregation(_ rest: LocatedText, keywordEnd: SourceLocation) throws -> Aggregation {
        let (probe, body) = splitScope(rest)
        var stream = try TokenStream(lexing: body)
        let functionToken = stream.current
        guard functionToken.kind == .identifier, AggregationFunction.names.contains(functionToken.text) else {
            let found = functionToken.isEnd ? "" : " '\(functionToken.text)'" + Suggestions.didYouMean(functionToken.text, in: AggregationFunction.names)
            throw Diagnostic("expected an aggregation function (count, sum, avg, min, max, hist, lhist(min, max, step))" + (found.isEmpty ? "" : ", found" + found), at: functionToken.location)
        }
        stream.advance()
        var function: AggregationFunction
        // bpftrace's order, `lhist(VALUE, min, max, step)`, gives the value inside the call.
        var valueInCall: Expression?
        switch functionToken.text {
        case "count": function = .count
        case "sum": function = .sum
        case "avg": function = .avg
        case "min": function = .min
        case "max": function = .max
        case "hist": function = .hist
        default:
            try stream.expect("(", "after 'lhist' (lhist(min, max, step))")
            var bounds: [Int64] = []
            repeat {
                let token = stream.current
                let value = try ExpressionParser.parse(&stream)
                if bounds.isEmpty && valueInCall == nil, stream.current.isSymbol(","), !isIntegerLiteral(value) {
                    valueInCall = value
                    continue
                }
                guard case .integer(let number) = value.kind else {
                    throw Diagnostic("lhist bounds must be integer literals", at: token.location)
                }
                bounds.append(number)
            } while stream.accept(",")
            try stream.expect(")", "to close 'lhist('")
            guard bounds.count == 3 else {
                throw Diagnostic("lhist takes three bounds: lhist(min, max, step) ARG, or bpftrace's lhist(ARG, min, max, step)", at: functionToken.location)
            }
            guard bounds[0] >= 0, bounds[0] < bounds[1], bounds[2] > 0 else {
                throw Diagnostic("lhist needs 0 <= min < max and step > 0", at: functionToken.location)
            }
            function = .lhist(min: bounds[0], max: bounds[1], step: bounds[2])
        }
        var argument: Expression? = valueInCall
        let argumentLocation = stream.current.location
        if valueInCall == nil && !stream.atEnd && !stream.current.isIdentifier("by") {
            argument = try ExpressionParser.parse(&stream)
        }
        var keys: [Expression] = []
        if stream.acceptIdentifier("by") {
            guard !stream.atEnd else { throw Diagnostic("expected a key after 'by' (e.g. 'by comm')", at: stream.current.location) }
            repeat { keys.append(try ExpressionParser.parse(&stream)) } while stream.accept(",")
        }
        try stream.expectEnd("in 'agg'; usage: agg [PROBE:] FUNC [ARG] [by KEY, ...]")
        if function == .count, let argument {
            throw Diagnostic("'count' takes no argument; did you mean 'count by \(argument)'?", at: argument.location)
        }
        if function.takesArgument && argument == nil {
            throw Diagnostic("'\(function.name)' needs a value to aggregate (e.g. 'agg \(function.name) arg3')", at: argumentLocation)
        }
        return Aggregation(probe: probe, function: function, argument: argument, keys: keys)
    }

    private static func isIntegerLiteral(_ expression: Expression) -> Bool {
        if case .integer = expression.kind { return true }
        return false
    }

    private static func run(_ rest: LocatedText) throws -> RunRequest {
        var words = try WordScanner.words(rest)
        var request = RunRequest()
        if let last = words.last, last.text == "&", !last.quoted {
            request.background = true
            words.removeLast()
        }
        var index = 0
        func isRedirection(_ word: Word) -> Bool { word.unquotedStart.hasPrefix(">") }
        if index < words.count, !(words[index].text == "--" && !words[index].quoted), !isRedirection(words[index]) {
            guard let duration = TraceDuration(parsing: words[index].text) else {
                throw Diagnostic("invalid duration '\(words[index].text)'; use e.g. 500ms, 10s, 2m", at: words[index].location)
            }
            request.duration = duration
            index += 1
        }
        if index < words.count {
            if isRedirection(words[index]) {
                throw Diagnostic("'>' sends a command's output to a file; it comes after the command: run [DURATION] -- COMMAND ARGS... > FILE", at: words[index].location)
            }
            guard words[index].text == "--" && !words[index].quoted else {
                throw Diagnostic("unexpected '\(words[index].text)'; usage: run [DURATION] [-- COMMAND ARGS... [> FILE]] [&]", at: words[index].location)
            }
            index += 1
            guard index < words.count else {
                throw Diagnostic("expected a command after '--'", at: rest.endLocation)
            }
            var command = Array(words[index...])
            request.output = try outputRedirection(&command)
            guard !command.isEmpty else {
                throw Diagnostic("expected a command after '--'", at: words[index].location)
            }
            request.command = command.map(\.text)
        }
        return request
    }

    /// Takes a trailing `> FILE`, `>> FILE`, `>FILE` or `>>FILE` off a command's words. Only an
    /// unquoted `>` redirects, as in a shell; `'>'` is an ordinary argument.
    private static func outputRedirection(_ words: inout [Word]) throws -> OutputRedirection? {
        guard let at = words.firstIndex(where: { $0.unquotedStart.hasPrefix(">") }) else { return nil }
        let word = words[at]
        let append = word.unquotedStart.hasPrefix(">>")
        let operatorLength = append ? 2 : 1
        var target: Word
        var rest = words[(at + 1)...]
        if word.text.count > operatorLength {
            let path = String(word.text.dropFirst(operatorLength))
            target = Word(text: path, location: SourceLocation(line: word.location.line, column: word.location.column + operatorLength),
                          quoted: word.quoted, unquotedStart: String(word.unquotedStart.dropFirst(operatorLength)))
        } else {
            guard let next = rest.first else {
                throw Diagnostic("expected a file name after '\(word.text)'", at: word.location)
            }
            target = next
            rest = rest.dropFirst()
        }
        guard !target.unquotedStart.hasPrefix(">") else {
            throw Diagnostic("expected a file name after '\(append ? ">>" : ">")', found '\(target.text)'", at: target.location)
        }
        guard !target.text.isEmpty else {
            throw Diagnostic("the file name after '\(append ? ">>" : ">")' is empty", at: target.location)
        }
        if let extra = rest.first {
            throw Diagnostic("unexpected '\(extra.text)' after the output file; the redirection comes last: run ... -- COMMAND ARGS... > FILE", at: extra.location)
        }
        words.removeSubrange(at...)
        return OutputRedirection(path: target.text, append: append, location: target.location)
    }
}
