import TraceshModel
import TraceshFiles

/// One command of the language, declared once: its usage, summary, example and extra help,
/// how its arguments parse, and what Tab completes after it. `help`, the parser, completion,
/// the README's command list all read it; what it parses to (`Command.Kind`) is performed by
/// the session's one `switch` (`Interpreter.execute`).
public struct CommandDeclaration: Sendable {
    /// The canonical keyword.
    public let name: String
    /// Other keywords that mean the same command (`source` for `load`).
    public let aliases: [String]
    public let usage: String
    public let summary: String
    /// One command that parses, shown by `help NAME`.
    public let example: String
    /// More lines `help NAME` prints after the summary.
    public let details: [String]
    /// What the word at each argument position (1 is the first after the keyword) completes to.
    public let completion: @Sendable (_ position: Int, _ previousWords: [String]) -> [ArgumentCompletion]
    /// Parses the text after the keyword.
    public let parse: @Sendable (CommandInput) throws -> Command.Kind

    public init(_ name: String, aliases: [String] = [], usage: String, summary: String, example: String,
                details: [String] = [],
                completion: @escaping @Sendable (_ position: Int, _ previousWords: [String]) -> [ArgumentCompletion] = { _, _ in [] },
                parse: @escaping @Sendable (CommandInput) throws -> Command.Kind) {
        self.name = name
        self.aliases = aliases
        self.usage = usage
        self.summary = summary
        self.example = example
        self.details = details
        self.completion = completion
        self.parse = parse
    }
}

/// What a command's argument completes to; the shell's completer turns it into candidates
/// (it knows the session and the file system, the declaration does not).
public enum ArgumentCompletion: Hashable, Sendable {
    /// Command names and aliases.
    case commands
    /// Setting names.
    case settings
    /// The session's variable names.
    case variables
    /// The values a setting accepts (`json` after `set format`).
    case settingValues(setting: String)
    /// Probe names (`drop`).
    case probes
    /// Probe names followed by `:` (the scope of `filter` and `agg`).
    case probeScopes
    /// Aggregation function names.
    case aggregationFunctions
    /// Fixed words.
    case words([String])
    /// File names.
    case files
    /// The start of a probe spec: `t:CATEGORY:EVENT`, `sys_NAME`, `r::sys_NAME` (from the kernel).
    case probeSpecs
    /// The names an expression can use (filters, `events where`), from the one table of names.
    case expressionNames
}
