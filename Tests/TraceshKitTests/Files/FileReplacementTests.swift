import Foundation
import Testing
@testable import TraceshKit

/// `save` (and recordings) as root over whatever the path already names.
struct FileReplacementTests {
    static let content = Array("probe o = sys_openat\n".utf8)
    /// Device 1,3 (what /dev/null is), in Linux's encoding for small numbers (makedev is a macro).
    static let nullDevice = dev_t(1 << 8 | 3)

    static func info(_ path: String) throws -> stat {
        var result = stat()
        try #require(lstat(path, &result) == 0, "lstat \(path): \(String(cString: strerror(errno)))")
        return result
    }

    @Test func aCharacterDeviceIsWrittenInPlace() throws {
        guard geteuid() == 0 else { return }
        let folder = try TemporaryFolder()
        let device = folder.path + "/fakedev"
        try #require(mknod(device, S_IFCHR | 0o666, Self.nullDevice) == 0)
        try SafeFile.write(Self.content, to: device)
        let after = try Self.info(device)
        #expect(after.st_mode & S_IFMT == S_IFCHR)
        #expect(after.st_rdev == Self.nullDevice)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["fakedev"])
    }

    @Test func aSymbolicLinkIsFollowedAndStaysALink() throws {
        let folder = try TemporaryFolder()
        let target = folder.path + "/target.txt"
        try "old\n".write(toFile: target, atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/link.trc", withDestinationPath: "target.txt")
        try SafeFile.write(Self.content, to: folder.path + "/link.trc")
        #expect(try Self.info(folder.path + "/link.trc").st_mode & S_IFMT == S_IFLNK)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "probe o = sys_openat\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["link.trc", "target.txt"])
    }

    @Test func aLinkToAFileNotYetThereCreatesTheTarget() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/link.trc", withDestinationPath: "new.trc")
        try SafeFile.write(Self.content, to: folder.path + "/link.trc")
        #expect(FileManager.default.contents(atPath: folder.path + "/new.trc") == Data(Self.content))
    }

    @Test func anExistingFileKeepsItsOwnerAndMode() throws {
        guard geteuid() == 0 else { return }
        let folder = try TemporaryFolder()
        let path = folder.path + "/owned.trc"
        try "old\n".write(toFile: path, atomically: false, encoding: .utf8)
        try #require(chown(path, 65534, 65534) == 0 && chmod(path, 0o640) == 0)
        let before = try Self.info(path)
        try SafeFile.write(Self.content, to: path)
        let after = try Self.info(path)
        #expect(after.st_uid == 65534 && after.st_gid == 65534)
        #expect(after.st_mode & 0o7777 == 0o640)
        #expect(after.st_ino != before.st_ino, "replaced by rename, not rewritten in place")
        #expect(FileManager.default.contents(atPath: path) == Data(Self.content))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["owned.trc"], "no temporary file left")
    }

    @Test func aDirectoryIsRefusedInPlainWords() throws {
        let folder = try TemporaryFolder()
        #expect(throws: FileError(.write, folder.path, reason: "it is a directory")) {
            try SafeFile.write(Self.content, to: folder.path)
        }
    }

    @Test func theKernelsOwnFilesAreRefused() throws {
        #expect(throws: FileError(.write, "/proc/version", reason: "it is a file of the kernel's proc file system, not a place to save to")) {
            try SafeFile.write(Self.content, to: "/proc/version")
        }
    }

    /// Root following another user's link in /tmp would let that user choose what root overwrites.
    @Test func anotherUsersLinkInAStickySharedDirectoryIsNotFollowed() throws {
        guard geteuid() == 0 else { return }
        let folder = try TemporaryFolder()
        try #require(chmod(folder.path, 0o1777) == 0)
        let victim = folder.path + "/victim"
        try "keep\n".write(toFile: victim, atomically: false, encoding: .utf8)
        let link = folder.path + "/x.trc"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: victim)
        try #require(lchown(link, 65534, 65534) == 0)
        #expect(throws: FileError.self) { try SafeFile.write(Self.content, to: link) }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep\n")
    }

    @Test func aNewRecordingIsOnlyForItsOwner() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/new.trcrec"
        let file = try FileReplacement(path: path, newFileMode: 0o600)
        try file.write(Self.content)
        #expect(!FileManager.default.fileExists(atPath: path), "in place only when finished")
        try file.commit()
        #expect(try Self.info(path).st_mode & 0o777 == 0o600)
    }
}
