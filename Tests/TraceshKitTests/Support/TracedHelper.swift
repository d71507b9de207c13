import Foundation

/// Builds Fixtures/traced_helper.c once per test process with the system C compiler.
enum TracedHelper {
    /// The weird file name the helper creates: quote, newline, tab, %s, |, comma, backslash, 0xff.
    static let weirdName: [UInt8] = Array("q\"n\nt\t%s|,\\".utf8) + [0xff] + Array("end".utf8)

    static let path: String = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tracesh-helper-\(getpid())")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Short name: the kernel's comm keeps 15 characters.
        let binary = directory.appendingPathComponent("traced_helper").path
        let source = Fixtures.root.appendingPathComponent("traced_helper.c").path
        let compiler = Process()
        compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        compiler.arguments = ["cc", "-O1", "-o", binary, source]
        try? compiler.run()
        compiler.waitUntilExit()
        return binary
    }()
}
