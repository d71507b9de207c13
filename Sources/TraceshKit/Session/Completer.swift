import Foundation
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

/// Tab completion for the shell, as pure logic: given the text before the cursor and the
/// session, what the word under the cursor could become.
public enum Completer {
    public struct Completion: Equatable, Sendable {
        /// The word being completed (the part of the line the candidates replace).
        public var word: String
        public var candidates: [String]
        /// Whether a unique candidate should be followed by a space.
        public var appendSpace: Bool
    }

    public static func complete(_ text: String, graph: SessionGraph, catalog: KernelCatalog = .live) -> Completion {
        // Only the command after the last unquoted ';' matters.
        var commandStart = text.startIndex
        var quotes = QuotedText.Tracker()
        for index in text.indices where quotes.read(text[index]) == .unquoted && text[index] == ";" {
            commandStart = text.index(after: index)
        }
        let command = text[commandStart...]
        let words = command.split(whereSeparator: \.isWhitespace).map(String.init)
        let endsWithSpace = command.last?.isWhitespace ?? true
        let word = endsWithSpace ? "" : (words.last ?? "")
        let position = endsWithSpace ? words.count : words.count - 1

        func finish(_ all: [String], space: Bool = true) -> Completion {
            Completion(word: word, candidates: all.filter { $0.hasPrefix(word) }.sorted(), appendSpace: space)
        }
        if word.hasPrefix("$") {
            return finish(graph.variables.map { "$" + $0.name })
        }
        if let field = word.range(of: "args->") {
            // After `(` or an operator, the field is the end of the word: keep what precedes it.
            let before = String(word[..<field.lowerBound])
            guard before.allSatisfy({ "(!&|=<>+-*/ ".contains($0) }) else { return finish([]) }
            return finish(fields(of: tracepointSpec(in: Array(words.prefix(position)), graph: graph), catalog: catalog).map { before + $0 }, space: false)
        }
        guard position > 0, let declaration = words.first.flatMap(CommandRegistry.declaration) else {
            return finish(position == 0 ? CommandRegistry.names : [])
        }
        // What the declaration says completes here, turned into candidates from the session.
        let sources = declaration.completion(position, Array(words.prefix(position)))
        if sources == [.files] { return files(word) }
        var candidates: [String] = []
        for source in sources {
            switch source {
            case .commands: candidates += CommandRegistry.names
            case .settings: candidates += Settings.names
            case .variables: candidates += graph.variables.map(\.name)
            case .settingValues(let setting): candidates += Settings.declaration(setting)?.choices ?? []
            case .probes: candidates += graph.probes.map(\.name)
            case .probeScopes: candidates += graph.probes.map { $0.name + ":" }
            case .aggregationFunctions: candidates += AggregationFunction.names
            case .words(let words): candidates += words
            case .files: candidates += files(word).candidates
            case .probeSpecs: candidates += probeSpecs(word, catalog: catalog)
            case .expressionNames:
                // Stacks are keys of aggregations only.
                candidates += NameTable.bareNames + (words.first == "agg" ? NameTable.stacks.map(\.spelling).filter { !$0.contains("(") } : [])
            }
        }
        return finish(candidates)
    }

    /// Spec starts for `word`: tracepoints after `t:`, syscalls after `sys_` or `r::sys_`, else the
    /// prefixes themselves (the kernel's lists are long; they are offered once a prefix says which).
    static func probeSpecs(_ word: String, catalog: KernelCatalog) -> [String] {
        let parts = word.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        if parts.count == 3, ["u", "p", "r"].contains(parts[0]), !parts[1].isEmpty {
            // u:LIBRARY:FUNCTION (and p:, r:): the binary's functions, from its symbol tables.
            guard let path = LibraryResolver().resolve(String(parts[1])), let elf = try? ELFFile(path: path) else { return [] }
            let head = "\(parts[0]):\(parts[1]):"
            return elf.functions.map { head + $0 } + (parts[0] == "u" ? elf.usdtProbes.map { head + $0.name } : [])
        }
        guard catalog.isReadable else { return [] }
        if word.hasPrefix("t:") { return catalog.tracepoints().map { "t:" + $0 } }
        if word.hasPrefix("r::") { return catalog.syscalls().map { "r::sys_" + $0 } }
        if word.hasPrefix("sys_") { return catalog.syscalls().map { "sys_" + $0 } }
        return ["t:", "sys_", "r::sys_", "u:"]
    }

    /// The spec whose tracepoint fields `args->` names here: the one on the line (`probe x =
    /// t:sched:sched_switch (args->...`), else the probe the command is scoped to (`filter o:`),
    /// else the session's only probe.
    static func tracepointSpec(in words: [String], graph: SessionGraph) -> String? {
        if let spec = words.first(where: { $0.hasPrefix("t:") || $0.hasPrefix("sys_") || $0.hasPrefix("r::") || $0.hasPrefix("p::") }) {
            return spec
        }
        for word in words where word.hasSuffix(":") {
            if let probe = graph.probes.first(where: { $0.name == String(word.dropLast()) }) { return probe.spec }
        }
        return graph.probes.count == 1 ? graph.probes[0].spec : nil
    }

    /// `args->FIELD` for each field of the tracepoint `spec` attaches to (a syscall's entry
    /// fields, and `ret` too at its exit: a return probe reads both).
    static func fields(of spec: String?, catalog: KernelCatalog) -> [String] {
        guard let spec, catalog.isReadable else { return [] }
        let target = spec.split(whereSeparator: { $0 == " " || $0 == "(" }).first.map(String.init) ?? spec
        var tracepoints: [String] = []
        if target.hasPrefix("t:") {
            tracepoints = [String(target.dropFirst(2))]
        } else if let syscall = ["sys_", "p::sys_", "r::sys_"].first(where: target.hasPrefix).map({ String(target.dropFirst($0.count)) }) {
            tracepoints = ["syscalls:sys_enter_" + syscall] + (target.hasPrefix("r::") ? ["syscalls:sys_exit_" + syscall] : [])
        }
        let names = tracepoints.compactMap { catalog.format(of: $0) }.flatMap { $0.fields.map(\.name) }.filter { !$0.hasPrefix("common_") }
        return Array(Set(names)).map { "args->" + $0 }
    }

    /// File names for `word`: the entries of its directory that start with its last component.
    static func files(_ word: String) -> Completion {
        let expanded = word.hasPrefix("~") ? NSString(string: word).expandingTildeInPath : word
        let directory: String, prefix: String, shown: String
        if let slash = word.lastIndex(of: "/") {
            shown = String(word[...slash])
            let expandedSlash = expanded.lastIndex(of: "/")!
            directory = String(expanded[...expandedSlash])
            prefix = String(expanded[expanded.index(after: expandedSlash)...])
        } else {
            (directory, prefix, shown) = ("./", word, "")
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var candidates: [String] = []
        for entry in entries where entry.hasPrefix(prefix) && (prefix.hasPrefix(".") || !entry.hasPrefix(".")) {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: directory + entry, isDirectory: &isDirectory)
            candidates.append(shown + entry + (isDirectory.boolValue ? "/" : ""))
        }
        let unique = candidates.count == 1 && !candidates[0].hasSuffix("/")
        return Completion(word: word, candidates: candidates.sorted(), appendSpace: unique)
    }

    /// The longest prefix all candidates share.
    public static func commonPrefix(_ candidates: [String]) -> String {
        guard var prefix = candidates.first else { return "" }
        for candidate in candidates.dropFirst() {
            while !candidate.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }
}
