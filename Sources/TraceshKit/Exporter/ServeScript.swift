import TraceshModel
import TraceshLanguage

/// Checks on a script before `tracesh serve` runs it.
public enum ServeScript {
    /// The `run` commands of `source` (with the command line's variables), as located errors:
    /// a script to serve declares what to trace, and `serve` runs it. Text that does not parse
    /// is left to the interpreter, which reports it in its place.
    public static func runCommands(in source: String, variables: [Setting]) -> [Diagnostic] {
        var found: [Diagnostic] = []
        for text in ScriptSplitter.split(source) {
            guard let expanded = try? VariableExpander.expand(text, lookup: { name in variables.last { $0.name == name }?.value }),
                  let command = try? CommandParser.parse(expanded.text), case .run = command.kind else { continue }
            found.append(Diagnostic("a script to serve declares probes, filters and aggregations; 'tracesh serve' runs them (leave out 'run')",
                                    at: text.location(at: 0)))
        }
        return found
    }
}
