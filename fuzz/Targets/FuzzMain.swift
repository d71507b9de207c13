import Foundation
import TraceshModel
import TraceshKernel
import TraceshLanguage
import TraceshSemantics
import TraceshPlan
import TraceshRuntime
import TraceshAnalysis
import TraceshKit
import TraceshAgent

// The libFuzzer targets of tracesh (see scripts/fuzz). Each target takes arbitrary bytes and
// feeds them to one reader of user or bpftrace input; a crash, a sanitizer report or a hang is
// a finding. Errors thrown by the code under test are expected and ignored.

/// The checked-in fake tracefs and syscall header, so the semantic pass needs no root.
enum FuzzFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tests/TraceshKitTests/Fixtures")
    static let catalog = KernelCatalog(tracefs: root.appendingPathComponent("tracefs").path,
                                       syscallHeader: root.appendingPathComponent("include/unistd_64.h").path)
    static let framing = EventFraming(boundary: "0123456789abcdef")
}

/// The targets, by the name `scripts/fuzz` passes in TRACESH_FUZZ_TARGET.
let targets: [String: @Sendable ([UInt8]) -> Void] = [
    "command": FuzzTargets.command,
    "spec": FuzzTargets.spec,
    "expr": FuzzTargets.expression,
    "scanner": FuzzTargets.scanner,
    "recording": FuzzTargets.recording,
    "agent": FuzzTargets.agent,
]

nonisolated(unsafe) var selected: ([UInt8]) -> Void = { _ in }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selected(bytes)
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<Int32>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

@main
struct FuzzMain {
    static func main() {
        if let folder = ProcessInfo.processInfo.environment["TRACESH_FUZZ_SEEDS"] {
            do { try FuzzSeeds.write(to: folder) } catch {
                FileHandle.standardError.write(Data("cannot write seeds to \(folder): \(error)\n".utf8))
                exit(1)
            }
            exit(0)
        }
        let name = ProcessInfo.processInfo.environment["TRACESH_FUZZ_TARGET"] ?? ""
        guard let target = targets[name] else {
            FileHandle.standardError.write(Data("TRACESH_FUZZ_TARGET must be one of: \(targets.keys.sorted().joined(separator: ", "))\n".utf8))
            exit(2)
        }
        selected = target
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzzOne))
    }
}
