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

/// The commands that assign names: set, default, unset, and drop (a probe's name).
extension Interpreter {
    /// `set NAME VALUE` (or `default NAME VALUE` when `onlyIfUnset`): a setting, validated by its
    /// declaration, or a variable.
    func assign(_ name: String, _ value: String, onlyIfUnset: Bool, at location: SourceLocation) throws {
        if let setting = Settings.declaration(name) {
            // Checked even when a default is not needed, so a typo shows on every run.
            let canonical: String
            do {
                canonical = try setting.validate(value, in: graph)
            } catch var diagnostic as Diagnostic {
                diagnostic.location = location
                throw diagnostic
            }
            if onlyIfUnset && graph.setting(name) != nil { return }
            if keepsCommandLineValue(name, canonical, shownValue: graph.setting(name), at: location) { return }
            graph.setSetting(name, canonical)
            return
        }
        guard !name.contains("-") else {
            throw Diagnostic("unknown setting '\(name)'" + Suggestions.didYouMean(name, in: Settings.names) + " (variable names use letters, digits and '_')", at: location)
        }
        if onlyIfUnset {
            if graph.variable(name) == nil { graph.setVariable(name, value) }
            return
        }
        if keepsCommandLineValue(name, value, shownValue: graph.variable(name), at: location) { return }
        graph.setVariable(name, value)
    }

    /// Whether `set NAME VALUE` leaves the command line's NAME=VALUE in force: a script (file,
    /// -e, standard input) runs with the values it was invoked with, with a note when they
    /// differ; in the shell, the user's `set` is the newest word and wins.
    private func keepsCommandLineValue(_ name: String, _ value: String, shownValue: String?, at location: SourceLocation) -> Bool {
        guard commandLineVariables.contains(name) else { return false }
        guard currentOrigin != nil else {
            commandLineVariables.remove(name)
            return false
        }
        if shownValue != value {
            output.report(Diagnostic(
                "\(name)=\(shownValue ?? "") from the command line wins over 'set \(name) \(value)'; write 'default \(name) \(value)' for a value the command line may override",
                at: location, severity: .note), origin: currentOrigin, sourceLine: nil)
        }
        return true
    }

    func unset(_ name: String, at location: SourceLocation) throws {
        if graph.settings.contains(where: { $0.name == name }) {
            graph.settings.removeAll { $0.name == name }
            commandLineVariables.remove(name)
        } else if graph.variables.contains(where: { $0.name == name }) {
            graph.variables.removeAll { $0.name == name }
            commandLineVariables.remove(name)
        } else {
            let known = graph.settings.map(\.name) + graph.variables.map(\.name)
            throw Diagnostic("'\(name)' is not set" + Suggestions.didYouMean(name, in: known), at: location)
        }
    }

    func dropProbe(_ name: String, at location: SourceLocation) throws {
        if let dropped = graph.probe(named: name) { analysedProbes[dropped] = nil }
        guard graph.dropProbe(named: name) else {
            throw Diagnostic("no probe named '\(name)'" + Suggestions.didYouMean(name, in: graph.probes.map(\.name)), at: location)
        }
    }
}
