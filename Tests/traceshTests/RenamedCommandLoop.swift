import Foundation

/// A copy of cat under a name (comm) of the test's own, opening one file over and over until
/// stopped: a process a filter on `process` can single out.
final class RenamedCommandLoop {
    let target: String
    private let loop = Process()

    init(name: String, in directory: TemporaryDirectory) throws {
        let helper = directory.path(name)
        try writeExecutable(Array(Data(contentsOf: URL(fileURLWithPath: "/bin/cat"))), to: helper)
        target = directory.path("opened")
        FileManager.default.createFile(atPath: target, contents: Data("x".utf8))
        loop.executableURL = URL(fileURLWithPath: "/bin/sh")
        loop.arguments = ["-c", "while :; do '\(helper)' '\(target)' >/dev/null; done"]
        try loop.run()
    }

    deinit {
        loop.terminate()
        loop.waitUntilExit()
    }
}
