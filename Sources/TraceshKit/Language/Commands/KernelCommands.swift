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
        "list", usage: "list [PATTERN]", summary: "List tracepoints and syscalls matching PATTERN (* wildcards).", example: "list sched:*"
    ) { input in
        .list(pattern: try input.words(0...1).first?.text)
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
