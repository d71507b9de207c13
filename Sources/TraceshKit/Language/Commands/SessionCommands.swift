import TraceshModel
import TraceshFiles

/// The commands about the session itself: show, save, load, set, default, unset, help, quit.
enum SessionCommands {
    static let all = [show, save, load, set, setDefault, unset, help, quit]

    static let show = CommandDeclaration(
        "show", usage: "show [graph | bpftrace]",
        summary: "Print the session graph, or the bpftrace program a run would use.",
        example: "show bpftrace",
        completion: { position, _ in position == 1 ? [.words(ShowTarget.allCases.map(\.rawValue))] : [] }
    ) { input in
        guard let word = try input.words(0...1).first else { return .show(.graph) }
        guard let target = ShowTarget(rawValue: word.text) else {
            throw Diagnostic("cannot show '\(word.text)'; expected 'graph' or 'bpftrace'" + Suggestions.didYouMean(word.text, in: ShowTarget.allCases.map(\.rawValue)), at: word.location)
        }
        return .show(target)
    }

    static let save = CommandDeclaration(
        "save", usage: "save FILE [from ID]",
        summary: "Write the session graph as a script; FILE.jsonl, FILE.csv or FILE.db: a run's events (the last run's, or run ID's); FILE.folded or FILE.svg: its stacks.",
        example: "save incident.db from 2",
        details: ["FILE.jsonl: one JSON object per event; FILE.csv: one row per event; FILE.db: a SQLite database",
                  "(tables runs, probes, events, aggregations) to which each save adds the run.",
                  "FILE.folded: folded stacks (root;...;leaf COUNT) of the run's first aggregation keyed by ustack or kstack;",
                  "FILE.svg: a flame graph of it (hover a frame for its count)."],
        completion: { position, _ in position == 1 ? [.files] : position == 2 ? [.words(["from"])] : [] }
    ) { input in
        let words = try input.words(1...3)
        var run: Int?
        if words.count > 1 {
            guard words[1].text == "from", words.count == 3 else {
                throw Diagnostic("expected 'from ID' after the file; usage: \(input.usage)", at: words[1].location)
            }
            guard let id = Int(words[2].text), id > 0 else {
                throw Diagnostic("expected a run id (a positive number), found '\(words[2].text)'", at: words[2].location)
            }
            run = id
        }
        return .save(path: words[0].text, run: run)
    }

    static let load = CommandDeclaration(
        "load", aliases: ["source"], usage: "load FILE", summary: "Run a script's commands in this session (alias: source).",
        example: "load probes.trc",
        completion: { position, _ in position == 1 ? [.files] : [] }
    ) { input in
        .load(path: try input.singleWord().text)
    }

    /// Lines naming every setting, for the help of the commands that take a setting.
    static let settingLines = ["settings (help SETTING for details):"]
        + Settings.all.map { "  \($0.name) (\($0.valueShape); default \($0.defaultValue)): \($0.summary)" }

    /// `set NAME` / `unset NAME` / `default NAME`: a setting or a variable.
    static let nameCompletion: @Sendable (Int, [String]) -> [ArgumentCompletion] = { position, previous in
        switch position {
        case 1: return [.settings, .variables]
        case 2 where previous.count >= 2: return [.settingValues(setting: previous[1])]
        default: return []
        }
    }

    static let set = CommandDeclaration(
        "set", usage: "set NAME VALUE",
        summary: "Set a setting, or a variable used as $NAME. A NAME=VALUE given on the command line wins over a script's 'set NAME' (a note says so).",
        example: "set format json",
        details: settingLines + ["Any other name is a variable: letters, digits and '_'."],
        completion: nameCompletion
    ) { input in
        let words = try input.words(2...2)
        return .set(name: try CommandInput.settingName(words[0]), value: words[1].text)
    }

    static let setDefault = CommandDeclaration(
        "default", usage: "default NAME VALUE",
        summary: "Set NAME only when it is not set yet. A script's default, which NAME=VALUE on the command line overrides.",
        example: "default pid 1",
        details: settingLines,
        completion: nameCompletion
    ) { input in
        let words = try input.words(2...2)
        return .setDefault(name: try CommandInput.settingName(words[0]), value: words[1].text)
    }

    static let unset = CommandDeclaration(
        "unset", usage: "unset NAME", summary: "Remove a setting (back to its default) or a variable.", example: "unset target",
        completion: { position, _ in position == 1 ? [.settings, .variables] : [] }
    ) { input in
        .unset(name: try CommandInput.settingName(try input.singleWord()))
    }

    static let help = CommandDeclaration(
        "help", aliases: ["?"], usage: "help [COMMAND | SETTING]",
        summary: "Show the commands, or one command or setting in detail.", example: "help probe",
        completion: { position, _ in position == 1 ? [.commands, .settings] : [] }
    ) { input in
        .help(topic: try input.words(0...1).first?.text)
    }

    static let quit = CommandDeclaration(
        "quit", aliases: ["exit"], usage: "quit", summary: "Leave tracesh (alias: exit; Ctrl-D on a terminal).", example: "quit"
    ) { input in
        _ = try input.words(0...0)
        return .quit
    }
}
