import CSupport
import Foundation
import Testing

/// A `tracesh` on a real pseudo-terminal: a private tmux server (its own socket, so tests never
/// meet each other or a user's tmux), driven by keystrokes and read back from the screen.
final class Terminal {
    let socket = "tracesh-test-\(UUID().uuidString.prefix(8))"

    /// Starts `tracesh` with `arguments` in a 100x30 window.
    init(arguments: [String] = [], environment: [String: String] = [:]) throws {
        let assignments = environment.map { "\($0.key)=\(Self.quote($0.value))" }
        let tracesh = (["env"] + assignments + [Self.quote(Tracesh.binary.path)] + arguments.map(Self.quote)).joined(separator: " ")
        // The shell reports the exit status on the screen: tmux in a test process did not
        // always collect it (pane_dead_status stayed empty).
        // (The shell catches Ctrl-C, which reaches the whole foreground group, so as to live on.)
        let command = "/bin/sh -c " + Self.quote("trap : INT; " + tracesh + "; echo \"[tracesh exited $?]\"")
        try tmux(["-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "30", command, ";", "set-option", "-g", "remain-on-exit", "on"])
    }

    deinit { _ = try? tmux(["kill-server"]) }

    /// True when tmux is installed (the terminal tests skip without it, fail under TRACESH_REQUIRE_LIVE).
    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") }

    /// Types keys (tmux key names: "Tab", "C-c", "Enter", or literal text).
    func send(_ keys: String...) throws { try tmux(["send-keys"] + keys) }

    /// The visible screen, one string per line, trailing blanks removed.
    func screen() throws -> [String] {
        try tmux(["capture-pane", "-p"]).split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
    }

    /// Polls the screen until `condition` holds (the terminal offers no event to wait on).
    @discardableResult
    func waitForScreen(timeout: Double = 15, _ condition: ([String]) -> Bool) throws -> [String] {
        let end = Date().addingTimeInterval(timeout)
        var lines = try screen()
        while !condition(lines) {
            guard Date() < end else {
                Issue.record(Comment(rawValue: "screen never matched:\n" + lines.joined(separator: "\n")))
                return lines
            }
            usleep(20_000)
            lines = try screen()
        }
        return lines
    }

    /// Closes the terminal under whatever runs in it (tmux kills its server: the pane's
    /// processes get SIGHUP, as when a terminal window is closed).
    func closeTerminal() throws { try tmux(["kill-server"]) }

    /// The pid of the shell the pane runs (tracesh is its child).
    func panePid() throws -> Int32 {
        Int32(try tmux(["list-panes", "-F", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// The last non-empty line (where the cursor's prompt is).
    static func lastLine(_ lines: [String]) -> String { lines.last { !$0.isEmpty } ?? "" }

    /// Waits for tracesh to exit and returns its exit status.
    func exitStatus(timeout: Double = 15) throws -> Int32? {
        let lines = try waitForScreen(timeout: timeout) { $0.contains { $0.hasPrefix("[tracesh exited ") } }
        guard let line = lines.first(where: { $0.hasPrefix("[tracesh exited ") }) else { return nil }
        return Int32(line.dropFirst("[tracesh exited ".count).dropLast())
    }

    /// Runs tmux to completion and returns its standard output. (CSupport's spawn, not
    /// Foundation's Process, which here left the exited tmux client unreaped and waited forever.)
    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        let argv = ["/usr/bin/tmux", "-L", socket] + arguments
        let environment = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        var child = tracesh_child(pid: -1, stdout_fd: -1, stderr_fd: -1, release_fd: -1)
        let code = Self.withCStrings(argv) { cArguments in
            Self.withCStrings(environment) { cEnvironment in
                tracesh_spawn(argv[0], cArguments, cEnvironment, 1, -1, 0, 0, 0, &child)
            }
        }
        guard code == 0 else { throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO) }
        close(child.stderr_fd)
        var output = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(child.stdout_fd, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            output += buffer[0..<count]
        }
        close(child.stdout_fd)
        _ = tracesh_wait(child.pid)
        return String(decoding: output, as: UTF8.self)
    }

    private static func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> T) -> T {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    private static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
