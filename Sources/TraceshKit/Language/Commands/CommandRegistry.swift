import TraceshModel
import TraceshFiles

/// Every command of the language, in the order `help` lists them. The parser, `help`, Tab
/// completion and the README's command list all read this one list.
public enum CommandRegistry {
    public static let declarations: [CommandDeclaration] =
        GraphCommands.all + RunCommands.all + SessionCommands.all + KernelCommands.all

    /// Command names, then aliases (what Tab completes and "did you mean" searches).
    public static var names: [String] {
        declarations.map(\.name) + declarations.flatMap(\.aliases).sorted()
    }

    /// The declaration a keyword (a name or an alias) means.
    public static func declaration(_ keyword: String) -> CommandDeclaration? {
        declarations.first { $0.name == keyword || $0.aliases.contains(keyword) }
    }
}
