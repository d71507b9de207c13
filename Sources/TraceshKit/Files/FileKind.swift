import CSupport
import Foundation
import TraceshModel

/// What kind of file a path names, in the words used in messages ("a character device").
public enum FileKind: Equatable, Sendable {
    case regular, directory, characterDevice, blockDevice, fifo, socket, symlink, other

    public init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFIFO: self = .fifo
        case S_IFSOCK: self = .socket
        case S_IFLNK: self = .symlink
        default: self = .other
        }
    }

    public var phrase: String {
        switch self {
        case .regular: "a regular file"
        case .directory: "a directory"
        case .characterDevice: "a character device"
        case .blockDevice: "a block device"
        case .fifo: "a FIFO"
        case .socket: "a socket"
        case .symlink: "a symbolic link"
        case .other: "a special file"
        }
    }

    /// The kind of `path` (following symlinks), or the errno value of a failed stat.
    public static func of(_ path: String) -> Result<(kind: FileKind, info: stat), FileKindError> {
        var info = stat()
        guard stat(path, &info) == 0 else { return .failure(FileKindError(code: errno)) }
        return .success((FileKind(mode: info.st_mode), info))
    }
}

/// The errno value of a failed stat.
public struct FileKindError: Error { public var code: Int32 }

/// The kernel's own file systems, where a file is an interface to the kernel rather than data
/// (writing `/proc/sys/...` as root changes the running system), named for messages.
enum KernelFileSystem {
    static func name(of path: String) -> String? {
        switch tracesh_filesystem_magic(path) {
        case 0x9fa0: return "proc"
        case 0x6265_6572: return "sysfs"
        case 0x7472_6163: return "tracefs"
        case 0x6462_6720: return "debugfs"
        case 0x6367_7270, 0x0027_e0eb: return "cgroup"
        case 0x7363_6673: return "securityfs"
        case 0xcafe_4a11: return "bpf"
        default: return nil
        }
    }
}
