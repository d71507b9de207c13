import Foundation
import Testing

/// No bpftrace outlives tracesh, however tracesh ends.
@Suite struct SupervisionTests {
    @Test(.live, arguments: [SIGTERM, SIGKILL, SIGHUP])
    func killingTraceshDuringARunLeavesNoBpftrace(signal: Int32) throws {
        let process = Process()
        process.executableURL = Tracesh.binary
        // The command prints once every probe is attached (tracesh releases it only then), to
        // tracesh's standard error, as tracesh's standard output is not a terminal.
        process.arguments = ["-e", "probe sys_read", "-e", "run 5m -- /bin/sh -c 'echo traced; exec sleep 300'"]
        let output = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = output
        try process.run()
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("traced\n") {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            seen += chunk
        }
        #expect(String(decoding: seen, as: UTF8.self).contains("traced"))
        let children = ProcessTable.children(of: process.processIdentifier)
        let bpftrace = try #require(children.first { $0.name == "bpftrace" }, "\(children)")
        // Same pid before and after `exec sleep`; the shell may not have exec'd yet.
        let command = try #require(children.first { $0.name == "sleep" || $0.name == "sh" }, "\(children)")

        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == signal)
        if signal == SIGKILL {
            // Nothing in tracesh runs after SIGKILL: the kernel's parent-death signal ends bpftrace.
            #expect(ProcessTable.waitUntilGone(bpftrace.pid), "bpftrace \(bpftrace.pid) outlived tracesh")
        } else {
            // SIGTERM and SIGHUP: tracesh waits for its bpftrace before it dies.
            #expect(ProcessTable.waitUntilGone(bpftrace.pid, timeout: 0), "bpftrace \(bpftrace.pid) outlived tracesh")
        }
        #expect(ProcessTable.waitUntilGone(command.pid), "the traced command \(command.pid) outlived tracesh")
    }
}

/// Reads /proc.
enum ProcessTable {
    struct Entry: CustomStringConvertible {
        var pid: Int32
        var name: String
        var parent: Int32
        var state: Character
        var description: String { "\(pid) \(name) (parent \(parent), \(state))" }
    }

    static func entry(_ pid: Int32) -> Entry? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")") else { return nil }
        let rest = text[text.index(after: close)...].split(separator: " ")
        guard rest.count > 2, let state = rest[0].first, let parent = Int32(rest[1]) else { return nil }
        return Entry(pid: pid, name: String(text[text.index(after: open)..<close]), parent: parent, state: state)
    }

    static func children(of parent: Int32) -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap(Int32.init).compactMap(entry).filter { $0.parent == parent }
    }

    /// Polls until the process is gone or a zombie (no longer running); the kernel offers no
    /// exit notification for a process that is not our child.
    static func waitUntilGone(_ pid: Int32, timeout: Double = 30) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while true {
            guard let entry = entry(pid), entry.state != "Z" else { return true }
            guard Date() < end else { return false }
            usleep(20_000)
        }
    }
}
