import Foundation
import Testing
@testable import TraceshKit

/// What `load` and `tracesh FILE` agree to read.
struct ScriptBytesTests {
    @Test func aDeviceIsNotAScript() {
        #expect(throws: FileError(.read, "/dev/zero", reason: "it is a character device, not a script")) {
            try ScriptBytes.read("/dev/zero")
        }
    }

    @Test func aDirectoryIsNotAScript() throws {
        let folder = try TemporaryFolder()
        #expect(throws: FileError(.read, folder.path, reason: "it is a directory, not a script")) {
            try ScriptBytes.read(folder.path)
        }
    }

    @Test func aMissingFileSaysSo() {
        #expect(throws: FileError(.read, "/nonexistent/x.trc", reason: "No such file or directory")) {
            try ScriptBytes.read("/nonexistent/x.trc")
        }
    }

    /// `tracesh <(generate-script)` hands tracesh a FIFO.
    @Test func aFIFOIsRead() throws {
        let folder = try TemporaryFolder()
        let fifo = folder.path + "/script.fifo"
        try #require(mkfifo(fifo, 0o600) == 0)
        Thread {
            let descriptor = open(fifo, O_WRONLY)
            writeAll(descriptor, Array("show graph\n".utf8))
            close(descriptor)
        }.start()
        #expect(try ScriptBytes.read(fifo) == Array("show graph\n".utf8))
    }

    @Test func aFileLargerThanTheCapIsRefused() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/big.trc"
        try #require(FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x23, count: 3 << 20)))
        #expect(throws: FileError(.read, path, reason: "it is larger than 2 MiB, too large for a script")) {
            try ScriptBytes.read(path, maximumSize: 2 << 20)
        }
        #expect(try ScriptBytes.read(path).count == 3 << 20)
    }

    @Test func aTildeMeansTheHomeDirectory() {
        #expect(UserPath.expand("~/x.trc", home: "/home/op") == "/home/op/x.trc")
        #expect(UserPath.expand("~", home: "/home/op") == "/home/op")
        #expect(UserPath.expand("~op/x.trc", home: "/home/op") == "~op/x.trc")
        #expect(UserPath.expand("a/~/x", home: "/home/op") == "a/~/x")
    }
}
