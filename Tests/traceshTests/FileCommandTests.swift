import Foundation
import Testing

/// `save`, `load` and script files through the real binary: plain messages, any bytes in
/// comments, `~`, and which bpftrace is used.
@Suite struct FileCommandTests {
    @Test func savingToADirectorySaysItIsADirectory() throws {
        let directory = try TemporaryDirectory()
        let result = try Tracesh.run(["-e", "probe o = sys_openat", "-e", "save \(directory.url.path)"])
        #expect(result.status == 1)
        #expect(result.stderr == "-e[2]:1:1: error: cannot write '\(directory.url.path)': it is a directory\n")
    }

    /// As root: a device stays a device, a link stays a link (its target is written), and an
    /// existing file keeps its owner and mode.
    @Test func saveKeepsDevicesLinksAndOwners() throws {
        guard geteuid() == 0 else { return }
        let directory = try TemporaryDirectory()
        try #require(mknod(directory.path("fakedev"), S_IFCHR | 0o644, dev_t(1 << 8 | 3)) == 0)
        try "old\n".write(toFile: directory.path("target.txt"), atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: directory.path("link.trc"), withDestinationPath: "target.txt")
        try "old\n".write(toFile: directory.path("owned.trc"), atomically: false, encoding: .utf8)
        try #require(chown(directory.path("owned.trc"), 65534, 65534) == 0 && chmod(directory.path("owned.trc"), 0o640) == 0)
        let result = try Tracesh.run(["-e", "probe o = sys_openat", "-e", "save fakedev", "-e", "save link.trc", "-e", "save owned.trc"],
                                     currentDirectory: directory.url)
        #expect(result.status == 0, "\(result.stderr)")
        var info = stat()
        #expect(lstat(directory.path("fakedev"), &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
        #expect(lstat(directory.path("link.trc"), &info) == 0 && info.st_mode & S_IFMT == S_IFLNK)
        #expect(try String(contentsOfFile: directory.path("target.txt"), encoding: .utf8).contains("probe o = sys_openat"))
        #expect(lstat(directory.path("owned.trc"), &info) == 0 && info.st_uid == 65534 && info.st_mode & 0o7777 == 0o640)
    }

    @Test func kernelFilesAndDevicesGetPlainMessages() throws {
        let save = try Tracesh.run(["-e", "save /proc/version"])
        #expect(save.stderr == "-e:1:1: error: cannot write '/proc/version': it is a file of the kernel's proc file system, not a place to save to\n")
        let load = try Tracesh.run(["-e", "load /dev/zero"])
        #expect(load.stderr == "-e:1:1: error: cannot read '/dev/zero': it is a character device, not a script\n")
        let script = try Tracesh.run(["/dev/zero"])
        #expect(script.status == 2 && script.stderr == "tracesh: cannot read '/dev/zero': it is a character device, not a script\n")
    }

    @Test func aLatin1ByteInACommentDoesNotStopTheScript() throws {
        let directory = try TemporaryDirectory()
        let script = directory.path("latin1.trc")
        let bytes = Array("# r".utf8) + [0xe9] + Array("sum in Latin-1\nprobe o = sys_openat # caf".utf8) + [0xe9] + Array("\nshow graph\n".utf8)
        try #require(FileManager.default.createFile(atPath: script, contents: Data(bytes)))
        let result = try Tracesh.run([script])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("probes:\n  o = sys_openat\n"))
    }

    @Test func aLatin1ByteInAStringIsALocatedErrorAndExitsTwo() throws {
        let directory = try TemporaryDirectory()
        let script = directory.path("latin1.trc")
        let bytes = Array("probe o = sys_openat\nfilter o: comm == \"caf".utf8) + [0xe9] + Array("\"\n".utf8)
        try #require(FileManager.default.createFile(atPath: script, contents: Data(bytes)))
        let result = try Tracesh.run([script])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("\(script):2:23: error: byte 0xe9 on line 2 is not UTF-8"), "\(result.stderr)")
    }

    @Test func aTildeIsTheHomeDirectory() throws {
        let home = try TemporaryDirectory()
        let saved = try Tracesh.run(["-e", "probe o = sys_openat", "-e", "save ~/x.trc"], environment: ["HOME": home.url.path])
        #expect(saved.status == 0, "\(saved.stderr)")
        #expect(saved.stdout.hasSuffix("to \(home.path("x.trc"))\n"))
        let loaded = try Tracesh.run(["-e", "load ~/x.trc", "-e", "show graph"], environment: ["HOME": home.url.path])
        #expect(loaded.status == 0 && loaded.stdout.hasPrefix("probes:\n  o = sys_openat"), "\(loaded.stderr)")
    }

    /// `<(...)` gives a FIFO such as /dev/fd/63; bash is the easiest way to make one.
    @Test func aScriptFromProcessSubstitutionIsLoaded() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", #""$0" -e "load "<(printf 'probe o = sys_read\nshow graph\n')"#, Tracesh.binary.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(output.hasPrefix("probes:\n  o = sys_read"), "\(output)")
    }

    @Test func capsReportsTheFirstBpftraceOnThePath() throws {
        let directory = try TemporaryDirectory()
        let fake = directory.path("bpftrace")
        try #require(FileManager.default.createFile(atPath: fake, contents: Data("#!/bin/sh\necho 'bpftrace v9.9.9-fake'\n".utf8),
                                                    attributes: [.posixPermissions: 0o755]))
        let path = directory.url.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let result = try Tracesh.run(["--format", "json", "caps"], environment: ["PATH": path])
        let rows = result.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let row = try #require(rows.first { $0["capability"] as? String == "bpftrace" })
        #expect(row["reason"] as? String == "\(fake) (v9.9.9-fake)")
    }
}
