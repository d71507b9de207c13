import TraceshModel
import TraceshLanguage

/// What `tracesh serve` takes from a script: the commands before its first `run` (probes,
/// filters, aggregations, settings). The run itself and what follows it (`top`, `stats`, `save`)
/// are what the script does as a runbook; `serve` keeps the probes running instead. So one file
/// is both the runbook and the exporter.
public enum ServeScript {
    /// `source` cut before the line of its first `run` command, and that line's number; the
    /// whole source and nil without one. Other text that does not parse is left to the
    /// interpreter, which reports it in its place.
    public static func declarations(of source: String, variables: [Setting]) -> (source: String, runLine: Int?) {
        for text in ScriptSplitter.split(source) where isRun(text, variables: variables) {
            let line = text.location(at: 0).line
            let kept = source.split(separator: "\n", omittingEmptySubsequences: false).prefix(max(0, line - 1))
            return (kept.joined(separator: "\n") + "\n", line)
        }
        return (source, nil)
    }

    /// Whether `text` is a `run` command: parsed with the variables known here, or else (a
    /// variable the script itself sets, `run $duration` after `default duration 10s`) by its
    /// first word, the command's keyword.
    static func isRun(_ text: LocatedText, variables: [Setting]) -> Bool {
        if let expanded = try? VariableExpander.expand(text, lookup: { name in variables.last { $0.name == name }?.value }),
           let command = try? CommandParser.parse(expanded.text) {
            if case .run = command.kind { return true }
            return false
        }
        return text.description.split(whereSeparator: { $0 == " " || $0 == "\t" }).first == "run"
    }
}
