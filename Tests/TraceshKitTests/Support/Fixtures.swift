import Foundation
import Testing
@testable import TraceshKit

/// Paths of the checked-in fixtures (a fake tracefs, golden programs).
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let tracefs = root.appendingPathComponent("tracefs").path
    static let golden = root.appendingPathComponent("golden")
    /// A copy of the x86-64 syscall header, so syscall numbers in golden programs do not depend on the machine.
    static let syscallHeader = root.appendingPathComponent("include/unistd_64.h").path
    static let catalog = KernelCatalog(tracefs: tracefs, syscallHeader: syscallHeader)
    /// A fixed framing so golden programs are stable.
    static let framing = EventFraming(boundary: "0123456789abcdef")
}

/// Live tests need bpftrace, root and a mounted tracefs. Without them a live test is reported
/// skipped (with the reason); under TRACESH_REQUIRE_LIVE=1 (as CI sets it) the trait's condition
/// throws and the test fails. `TRACESH_TEST_PRETEND_MISSING=bpftrace,root,tracefs` pretends.
enum Live {
    struct Unmet: Error, CustomStringConvertible {
        var reason: String
        var description: String { "live test cannot run: \(reason) (TRACESH_REQUIRE_LIVE=1)" }
    }

    static var missing: String? {
        let pretended = Set((ProcessInfo.processInfo.environment["TRACESH_TEST_PRETEND_MISSING"] ?? "").split(separator: ",").map(String.init))
        if BpftraceLocator.find() == nil || pretended.contains("bpftrace") { return "bpftrace is not installed" }
        if geteuid() != 0 || pretended.contains("root") { return "not running as root" }
        if !KernelCatalog.live.isReadable || pretended.contains("tracefs") { return "tracefs is not mounted" }
        return nil
    }
}

extension Trait where Self == ConditionTrait {
    /// Needs root, bpftrace and tracefs (see `Live`).
    static var live: Self {
        let reason = Live.missing
        return .enabled(reason.map { Comment(rawValue: $0) }) {
            guard let reason else { return true }
            if ProcessInfo.processInfo.environment["TRACESH_REQUIRE_LIVE"] == "1" { throw Live.Unmet(reason: reason) }
            return false
        }
    }
}
