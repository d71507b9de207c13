import CLibedit
import CSupport
import Foundation
import TraceshKit
import TraceshFiles

/// A line editor over libedit: prompt, emacs keys, history kept in a file, Tab completion.
final class LineEditor {
    enum Input {
        case line(String)
        /// Ctrl-C: the half-typed line was thrown away.
        case interrupted
        /// Ctrl-D on an empty line, or the end of input.
        case endOfInput
    }

    private let editor: OpaquePointer
    private let history: OpaquePointer
    let historyPath: String?

    /// The completion source for the C callback, which cannot capture context.
    nonisolated(unsafe) static var completionSource: ((String) -> Completer.Completion)?

    init(historyPath: String?, complete: @escaping (String) -> Completer.Completion) {
        Self.completionSource = complete
        self.historyPath = historyPath
        history = tracesh_history_init(1000)
        editor = tracesh_el_init("tracesh")
        tracesh_el_setup(editor, history, lineEditorComplete)
        if let historyPath, tracesh_history_load(history, historyPath) < 0, let reason = Self.unreadable(historyPath) {
            warn("cannot read the history from '\(historyPath)': \(reason) (starting with an empty history)")
        }
    }

    /// Whether a failure to save the history was reported (once per session is enough).
    private var saveFailureReported = false

    private func warn(_ text: String) {
        writeAll(STDERR_FILENO, Array("tracesh: warning: \(text)\n".utf8))
    }

    /// Why `path` cannot be read as a history file; nil when it does not exist (a first session).
    private static func unreadable(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return errno == ENOENT ? nil : String(cString: strerror(errno)) }
        defer { close(descriptor) }
        var byte: UInt8 = 0
        return read(descriptor, &byte, 1) < 0 ? String(cString: strerror(errno)) : "it is not a history file"
    }

    /// Writes the history file whole, through a new file renamed over the old one (private: the
    /// history may hold secrets typed in filters): a full disk or an unwritable place leaves the
    /// old file as it was, and is reported once.
    private func saveHistory(to path: String) {
        var length = 0
        guard let text = tracesh_history_text(history, &length) else { return }
        defer { free(text) }
        let bytes = Array(UnsafeRawBufferPointer(start: text, count: length))
        do {
            let file = try FileReplacement(path: path, newFileMode: 0o600)
            do {
                try file.write(bytes)
                try file.commit()
            } catch {
                file.abandon()
                throw error
            }
        } catch {
            guard !saveFailureReported else { return }
            saveFailureReported = true
            warn("\(error); the history of this session is not saved")
        }
    }

    deinit {
        el_end(editor)
        history_end(history)
    }

    func readLine(prompt: String) -> Input {
        tracesh_set_prompt(prompt)
        let before = tracesh_interrupt_count()
        var count: Int32 = 0
        // Ctrl-C must interrupt libedit's read (EINTR); everywhere else SIGINT stays blocked.
        _ = tracesh_set_interrupt_blocked(0)
        let read = el_gets(editor, &count)
        _ = tracesh_set_interrupt_blocked(1)
        guard let text = read else {
            if tracesh_interrupt_count() != before {
                tracesh_el_clear_line(editor)
                writeAll(STDOUT_FILENO, Array("\n".utf8))
                return .interrupted
            }
            return .endOfInput
        }
        if tracesh_interrupt_count() != before {
            // Ctrl-C arrived while libedit was finishing the read: drop the line all the same.
            tracesh_el_clear_line(editor)
            return .interrupted
        }
        var line = String(cString: text)
        if line.hasSuffix("\n") { line.removeLast() }
        return .line(line)
    }

    /// Adds an entry to the history and saves the history file.
    func remember(_ entry: String) {
        guard !entry.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        _ = tracesh_history_enter(history, entry)
        if let historyPath { saveHistory(to: historyPath) }
    }

    /// `$TRACESH_HISTORY`, else `$XDG_STATE_HOME/tracesh/history` (default ~/.local/state/tracesh/history).
    static func defaultHistoryPath() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["TRACESH_HISTORY"], !path.isEmpty { return path }
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"].map { $0 + "/.local/state" })
        guard let state else { return nil }
        let directory = state + "/tracesh"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory + "/history"
    }
}

/// libedit's Tab handler: completes the word before the cursor, or lists the choices.
private func lineEditorComplete(_ editor: OpaquePointer?, _ key: Int32) -> UInt8 {
    guard let editor, let source = LineEditor.completionSource, let raw = tracesh_el_text_before_cursor(editor) else {
        return UInt8(CC_ERROR)
    }
    let text = String(cString: raw)
    free(raw)
    let completion = source(text)
    guard !completion.candidates.isEmpty else { return UInt8(CC_ERROR) }
    if completion.candidates.count == 1 {
        let rest = String(completion.candidates[0].dropFirst(completion.word.count)) + (completion.appendSpace ? " " : "")
        _ = el_insertstr(editor, rest)
        return UInt8(CC_REFRESH)
    }
    let common = Completer.commonPrefix(completion.candidates)
    if common.count > completion.word.count {
        _ = el_insertstr(editor, String(common.dropFirst(completion.word.count)))
        return UInt8(CC_REFRESH)
    }
    writeAll(STDOUT_FILENO, Array(("\n" + completion.candidates.joined(separator: "  ") + "\n").utf8))
    return UInt8(CC_REDISPLAY)
}
