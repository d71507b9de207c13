import TraceshModel
import TraceshFiles

/// The commands that ask what the machine can trace: caps, list, suggest.
enum KernelCommands {
    static let all = [caps, list, suggest]

    static let caps = CommandDeclaration(
        "caps", usage: "caps", summary: "Report what this machine can trace, with fixes.", example: "caps"
    ) { input in
        _ = try input.words(0...0)
        return .caps
    }

    static let list = CommandDeclaration(
        "list", usage: "list [-v] [PATTERN] | list u:LIBRARY[:PATTERN] | list specs",
        summary: "List tracepoints matching PATTERN (* wildcards; a plain word matches within names), with -v their fields.",
        example: "list -v sys_enter_openat",
        details: ["-v shows each field's C type and the name a spec uses for it (argN for a syscall's arguments).",
                  "list u:LIBRARY (a path or a library such as c) lists its functions and USDT probes; list specs the predefined specs."],
        completion: { position, previous in position == 1 ? [.words(["-v", "specs"])] : [] }
    ) { input in
        var words = try input.words(0...2)
        var verbose = false
        if words.first?.text == "-v", !(words.first?.quoted ?? true) {
            verbose = true
            words.removeFirst()
        }
        if words.count > 1 {
            throw Diagnostic("unexpected argument '\(words[1].text)'; usage: \(input.usage)", at: words[1].location)
        }
        return .list(pattern: words.first?.text, verbose: verbose)
    }

    static let suggest = CommandDeclaration(
        "suggest", usage: "suggest TEXT [--add]", summary: "Suggest probes for a problem description (--add adds them).", example: "suggest file not found"
    ) { input in
        guard !input.text.isEmpty else {
            throw Diagnostic("'suggest' needs a description of the problem", at: input.text.endLocation)
        }
        let text = input.text.string.trimmingCharacters(in: .whitespaces)
        if text.hasSuffix(" --add") || text == "--add" {
            let problem = String(text.dropLast("--add".count)).trimmingCharacters(in: .whitespaces)
            guard !problem.isEmpty else { throw Diagnostic("'suggest' needs a description of the problem", at: input.text.location(at: 0)) }
            return .suggest(text: problem, add: true)
        }
        return .suggest(text: text)
    }
}
