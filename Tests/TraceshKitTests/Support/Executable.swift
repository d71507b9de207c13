import Foundation

/// Writes an executable that can be run at once. A descriptor open for writing that a child forked
/// meanwhile (the suite's tests start children in parallel) inherits makes exec of the file fail
/// with "Text file busy" until that child execs; close-on-exec narrows the window but does not
/// close it. So the bytes go to a side file, which is never run, and `cp` (a process of its own,
/// which forks nothing) writes the executable: no descriptor of this process has it open for writing.
func writeExecutable(_ text: String, to path: String) throws {
    let side = path + ".bytes"
    guard FileManager.default.createFile(atPath: side, contents: Data(text.utf8)) else { throw POSIXError(.EIO) }
    defer { try? FileManager.default.removeItem(atPath: side) }
    let copy = Process()
    copy.executableURL = URL(fileURLWithPath: "/bin/cp")
    copy.arguments = [side, path]
    try copy.run()
    copy.waitUntilExit()
    guard copy.terminationStatus == 0 else { throw POSIXError(.EIO) }
    chmod(path, 0o755)
}
