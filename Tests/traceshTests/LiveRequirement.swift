import Foundation
import Testing

/// What a test that needs the machine (root, bpftrace, tracefs, tmux) requires, as a trait:
/// without it the test is reported *skipped* (with the reason), except under
/// TRACESH_REQUIRE_LIVE=1 (as CI sets it), where the trait's condition throws and the test fails.
/// `TRACESH_TEST_PRETEND_MISSING=tmux,root,...` pretends those are missing (to see a skip).
enum LiveRequirement {
    struct Unmet: Error, CustomStringConvertible {
        var reason: String
        var description: String { "test cannot run: \(reason) (TRACESH_REQUIRE_LIVE=1)" }
    }

    static func missing(needsTracing: Bool, needsTerminal: Bool) -> [String] {
        let environment = ProcessInfo.processInfo.environment
        let pretended = Set((environment["TRACESH_TEST_PRETEND_MISSING"] ?? "").split(separator: ",").map(String.init))
        var missing: [String] = []
        if needsTracing {
            if geteuid() != 0 || pretended.contains("root") { missing.append("root") }
            if !["/usr/bin/bpftrace", "/usr/sbin/bpftrace", "/usr/local/bin/bpftrace"].contains(where: FileManager.default.isExecutableFile)
                || pretended.contains("bpftrace") {
                missing.append("bpftrace")
            }
            if !FileManager.default.fileExists(atPath: "/sys/kernel/tracing/available_events") || pretended.contains("tracefs") {
                missing.append("tracefs")
            }
        }
        if needsTerminal && (!Terminal.available || pretended.contains("tmux")) { missing.append("tmux") }
        return missing
    }

    static var isRequired: Bool { ProcessInfo.processInfo.environment["TRACESH_REQUIRE_LIVE"] == "1" }

    static func trait(needsTracing: Bool, needsTerminal: Bool) -> ConditionTrait {
        let missing = missing(needsTracing: needsTracing, needsTerminal: needsTerminal)
        let reason = "needs " + missing.joined(separator: ", ")
        return .enabled(missing.isEmpty ? nil : Comment(rawValue: reason)) {
            guard !missing.isEmpty else { return true }
            if isRequired { throw Unmet(reason: reason) }
            return false
        }
    }
}

extension Trait where Self == ConditionTrait {
    /// Needs root, bpftrace and tracefs.
    static var live: Self { LiveRequirement.trait(needsTracing: true, needsTerminal: false) }
    /// Needs tmux.
    static var terminal: Self { LiveRequirement.trait(needsTracing: false, needsTerminal: true) }
    /// Needs tmux, root, bpftrace and tracefs.
    static var liveTerminal: Self { LiveRequirement.trait(needsTracing: true, needsTerminal: true) }
}
