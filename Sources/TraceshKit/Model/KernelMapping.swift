/// Code a traced process mapped, as the kernel reported it when it happened (`EventFraming.Kind`
/// `exec` and `mapping` records, see `StackCodegen.mappingProbes`). `/proc/PID/maps` is gone with
/// the process; these name the frames of a command that exited before tracesh could read it.
public struct KernelMapping: Hashable, Sendable {
    /// What was mapped.
    public enum Image: Hashable, Sendable {
        /// The process exec'd the file: its first executable segment starts at `codeStart`
        /// (`mm->start_code`), its dynamic loader is mapped at `interpreterBase` (`AT_BASE`; 0: none).
        case exec(codeStart: UInt64, interpreterBase: UInt64)
        /// It mapped `length` bytes of the file, from `offset`, at `start`, executable (`mmap`).
        case file(start: UInt64, length: UInt64, offset: UInt64)
    }

    public var pid: Int64
    /// The file's inode: which of the files named `name` it is.
    public var inode: UInt64
    /// The file's name without its directory (the kernel's dentry name).
    public var name: String
    public var image: Image

    public init(pid: Int64, inode: UInt64, name: String, image: Image) {
        self.pid = pid
        self.inode = inode
        self.name = name
        self.image = image
    }
}
