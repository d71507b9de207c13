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

/// Live tests need bpftrace, root and a mounted tracefs. Without them a live test returns early;
/// with TRACESH_REQUIRE_LIVE=1 (as CI sets it) that becomes a failure instead.
enum Live {
    static var missing: String? {
        if BpftraceLocator.find() == nil { return "bpftrace is not installed" }
        if geteuid() != 0 { return "not running as root" }
        if !KernelCatalog.live.isReadable { return "tracefs is not mounted" }
        return nil
    }

    /// True when the live test can run; otherwise records why (as a failure when required).
    static func available(sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Bool {
        guard let reason = missing else { return true }
        if ProcessInfo.processInfo.environment["TRACESH_REQUIRE_LIVE"] == "1" {
            Issue.record("live test cannot run: \(reason) (TRACESH_REQUIRE_LIVE=1)", sourceLocation: sourceLocation)
        } else {
            print("skipping live test: \(reason)")
        }
        return false
    }
}
