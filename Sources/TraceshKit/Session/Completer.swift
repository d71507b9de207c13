import Foundation

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

    static let settingValues: [String: [String]] = [
        "format": OutputFormat.allCases.map(\.rawValue), "on-error": ["stop", "continue"], "stream": ["on", "off"],
    ]

    public static func complete(_ text: String, graph: SessionGraph) -> Completion {
        // Only the command after the last unquoted ';' matters.
        var commandStart = text.startIndex
        var quote: Character?
        for index in text.indices {
            let character = text[index]
            if let open = quote { if character == open { quote = nil } } else if character == "\"" || character == "'" { quote = character } else if character == ";" { commandStart = text.index(after: index) }
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
        guard position > 0, let keyword = words.first.flatMap(CommandCatalog.canonicalName) else {
            return finish(position == 0 ? CommandCatalog.names : [])
        }
        let probes = graph.probes.map(\.name)
        switch (keyword, position) {
        case ("set", 1), ("unset", 1):
            return finish(Settings.names + graph.variables.map(\.name))
        case ("set", 2):
            return finish(settingValues[words[1]] ?? [])
        case ("drop", 1):
            return finish(probes)
        case ("filter", 1), ("agg", 1):
            return finish(probes.map { $0 + ":" })
        case ("agg", _) where position == 2 || (position == 1 && !word.isEmpty):
            return finish(AggregationFunction.names)
        case ("show", 1):
            return finish(ShowTarget.allCases.map(\.rawValue))
        case ("help", 1):
            return finish(CommandCatalog.names)
        case ("save", 1), ("load", 1), ("record", 1), ("replay", 1):
            return files(word)
        default:
            return finish([])
        }
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
