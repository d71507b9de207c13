import TraceshModel
import TraceshFiles

/// The arguments of `run [DURATION] [every INTERVAL [keep]] [-p PID[,PID...] | -- COMMAND ARGS... [> FILE | >> FILE]] [&]`.
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
        func isProcessOption(_ word: Word) -> Bool { word.text == "-p" && !word.quoted }
        func isWord(_ text: String) -> Bool { index < words.count && words[index].text == text && !words[index].quoted }
        if index < words.count, !isWord("--"), !isWord("every"), !isRedirection(words[index]), !isProcessOption(words[index]) {
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
        if index < words.count, isProcessOption(words[index]) {
            let option = words[index]
            index += 1
            guard index < words.count else {
                throw Diagnostic("expected process ids after '-p' (run -p PID[,PID...])", at: input.text.endLocation)
            }
            request.processes = try processIDs(words[index])
            index += 1
            if index < words.count {
                if words[index].text == "--" && !words[index].quoted {
                    throw Diagnostic("'-p' traces processes that already run and '--' starts a command: a run does one of them",
                                     at: option.location)
                }
                throw Diagnostic("unexpected '\(words[index].text)'; usage: \(input.usage)", at: words[index].location)
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

    /// `PID[,PID...]`: positive process ids, each at most once.
    private static func processIDs(_ word: Word) throws -> [Int32] {
        var pids: [Int32] = []
        var column = word.location.column
        for part in word.text.split(separator: ",", omittingEmptySubsequences: false) {
            let location = SourceLocation(line: word.location.line, column: column)
            guard let pid = Int32(part), pid > 0 else {
                throw Diagnostic("invalid process id '\(part)'; expected positive numbers separated by commas (run -p 1234,5678)", at: location)
            }
            if !pids.contains(pid) { pids.append(pid) }
            column += part.count + 1
        }
        return pids
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
