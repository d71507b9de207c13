import TraceshModel
import TraceshFiles

/// The arguments of `run [DURATION] [every INTERVAL [keep]] [-- COMMAND ARGS... [> FILE | >> FILE]] [&]`.
enum RunSyntax {
    static func parse(_ input: CommandInput) throws -> RunRequest {
        var words = try input.words()
        var request = RunRequest()
        if let last = words.last, last.text == "&", !last.quoted {
            request.background = true
            words.removeLast()
        }
        var index = 0
        func isRedirection(_ word: Word) -> Bool { word.unquotedStart.hasPrefix(">") }
        func isWord(_ text: String) -> Bool { index < words.count && words[index].text == text && !words[index].quoted }
        if index < words.count, !isWord("--"), !isWord("every"), !isRedirection(words[index]) {
            guard let duration = TraceDuration(parsing: words[index].text) else {
                throw Diagnostic("invalid duration '\(words[index].text)'; \(TraceDuration.spellingHint)", at: words[index].location)
            }
            request.duration = duration
            index += 1
        }
        if isWord("every") {
            let every = words[index]
            index += 1
            guard index < words.count, !isWord("--") else {
                throw Diagnostic("expected an interval after 'every' (e.g. every 1s)", at: index < words.count ? words[index].location : every.location)
            }
            guard let interval = TraceDuration(parsing: words[index].text), interval.milliseconds > 0 else {
                throw Diagnostic("invalid interval '\(words[index].text)'; \(TraceDuration.spellingHint)", at: words[index].location)
            }
            if let duration = request.duration, interval > duration {
                throw Diagnostic("the interval \(interval) is longer than the run (\(duration)): no interval would end", at: words[index].location)
            }
            request.interval = interval
            index += 1
            if isWord("keep") {
                request.keepIntervals = true
                index += 1
            }
        }
        if index < words.count {
            if isRedirection(words[index]) {
                throw Diagnostic("'>' sends a command's output to a file; it comes after the command: run [DURATION] -- COMMAND ARGS... > FILE", at: words[index].location)
            }
            guard words[index].text == "--" && !words[index].quoted else {
                throw Diagnostic("unexpected '\(words[index].text)'; usage: \(input.usage)", at: words[index].location)
            }
            index += 1
            guard index < words.count else {
                throw Diagnostic("expected a command after '--'", at: input.text.endLocation)
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
