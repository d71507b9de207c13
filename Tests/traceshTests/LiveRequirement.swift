import Foundation
import Testing

/// Whether a test that needs the machine (root, bpftrace, tracefs, tmux) can run. Without them it
/// is skipped, except under TRACESH_REQUIRE_LIVE=1 (as CI sets it), where that is a failure.
enum LiveRequirement {
    static func met(needsTracing: Bool = true, needsTerminal: Bool = false,
                    sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Bool {
        var missing: [String] = []
        if needsTracing {
            if geteuid() != 0 { missing.append("root") }
            if !["/usr/bin/bpftrace", "/usr/sbin/bpftrace", "/usr/local/bin/bpftrace"].contains(where: FileManager.default.isExecutableFile) {
                missing.append("bpftrace")
            }
            if !FileManager.default.fileExists(atPath: "/sys/kernel/tracing/available_events") { missing.append("tracefs") }
        }
        if needsTerminal && !Terminal.available { missing.append("tmux") }
        guard !missing.isEmpty else { return true }
        let reason = "needs " + missing.joined(separator: ", ")
        if ProcessInfo.processInfo.environment["TRACESH_REQUIRE_LIVE"] == "1" {
            Issue.record("test cannot run: \(reason) (TRACESH_REQUIRE_LIVE=1)", sourceLocation: sourceLocation)
        } else {
            print("skipping: \(reason)")
        }
        return false
    }
}
