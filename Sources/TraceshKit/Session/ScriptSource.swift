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

/// The text of a script file, for `load` and `tracesh FILE`.
public enum ScriptSource {
    /// Reads and decodes the script at `path` (`~` expanded). Throws a `FileError` when the file
    /// cannot be read, or a `Diagnostic` located in the script when its text is not UTF-8.
    public static func read(_ path: String) throws -> String {
        try ScriptDecoder.decode(try ScriptBytes.read(UserPath.expand(path)))
    }
}
