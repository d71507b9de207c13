import TraceshModel
import TraceshFiles
import TraceshKernel
import TraceshLanguage
import TraceshSuggest
import TraceshSemantics
import TraceshPlan
import TraceshRuntime
import TraceshAnalysis
import TraceshOutput
import TraceshExport

/// What show, save, load, set, default, unset, help and quit do.
enum SessionExecutors {
    static let all = [show, save, load, set, setDefault, unset, help, quit]

    static let show = CommandExecutor.succeeding("show") { interpreter, command in
        guard case .show(let target) = command.kind else { throw command.kindMismatch }
        switch target {
        case .graph: interpreter.emit(.graph(interpreter.graph))
        case .bpftrace: try interpreter.showBpftrace()
        }
    }

    static let save = CommandExecutor.succeeding("save") { interpreter, command in
        guard case .save(let path, let run) = command.kind else { throw command.kindMismatch }
        if let format = StackExport(path: path) {
            try interpreter.saveStacks(from: run, as: format, to: path, at: command.location)
        } else if let format = EventExport.Format(path: path) {
            try interpreter.export(from: run, as: format, to: path, at: command.location)
        } else if run != nil {
            throw Diagnostic("'from ID' saves a run's events or stacks: name a .jsonl, .csv, .db, .folded or .svg file", at: command.location)
        } else {
            try interpreter.save(to: path, at: command.location)
        }
    }

    static let load = CommandExecutor("load") { interpreter, command in
        guard case .load(let path) = command.kind else { throw command.kindMismatch }
        return try interpreter.load(path, at: command.location)
    }

    static let set = CommandExecutor.succeeding("set") { interpreter, command in
        guard case .set(let name, let value) = command.kind else { throw command.kindMismatch }
        try interpreter.assign(name, value, onlyIfUnset: false, at: command.location)
    }

    static let setDefault = CommandExecutor.succeeding("default") { interpreter, command in
        guard case .setDefault(let name, let value) = command.kind else { throw command.kindMismatch }
        try interpreter.assign(name, value, onlyIfUnset: true, at: command.location)
    }

    static let unset = CommandExecutor.succeeding("unset") { interpreter, command in
        guard case .unset(let name) = command.kind else { throw command.kindMismatch }
        try interpreter.unset(name, at: command.location)
    }

    static let help = CommandExecutor.succeeding("help") { interpreter, command in
        guard case .help(let topic) = command.kind else { throw command.kindMismatch }
        guard let topic else {
            interpreter.emit(.text(CommandHelp.overview()))
            return
        }
        guard let text = CommandHelp.topic(topic) else {
            throw Diagnostic("no command or setting '\(topic)'" + Suggestions.didYouMean(topic, in: CommandHelp.topics), at: command.location)
        }
        interpreter.emit(.text(text))
    }

    static let quit = CommandExecutor("quit") { _, _ in .quit }
}
