import Foundation

/// The diagnostic agent's predefined probe specs, ready to use: `probe use NAME`, `list specs`.
public struct BuiltinSpec: Hashable, Sendable {
    public var name: String
    /// A trace.py spec, parsed and checked like any `probe` a user types.
    public var spec: String
    public var description: String
    /// How long a run of it lasts unless the session says otherwise.
    public var duration: TraceDuration

    /// Every predefined spec, in the order `list specs` shows them.
    public static let all: [BuiltinSpec] = [
        BuiltinSpec(name: "test_sys_open", spec: #"sys_openat "open %s", arg2@user"#,
                    description: "every file opened (openat)", duration: .seconds(5)),
        BuiltinSpec(name: "test_sys_read", spec: #"sys_read (arg3 > 1024) "read %d bytes from fd %d", arg3, arg1"#,
                    description: "reads of more than 1024 bytes", duration: .seconds(5)),
        BuiltinSpec(name: "test_sys_write", spec: #"sys_write "write %d bytes to fd %d", arg3, arg1"#,
                    description: "every write and its size", duration: .seconds(5)),
        BuiltinSpec(name: "test_process_creation", spec: #"t:sched:sched_process_exec "exec %s", args->filename"#,
                    description: "every program that starts (exec)", duration: .seconds(5)),
        BuiltinSpec(name: "test_kretprobe", spec: #"r::sys_openat "openat returned %d", retval"#,
                    description: "the return value of every openat (negative: -errno)", duration: .seconds(5)),
        BuiltinSpec(name: "test_with_filter", spec: #"sys_openat (comm == "cat") "cat opened %s", arg2@user"#,
                    description: "files opened by processes named cat (a filtered spec)", duration: .seconds(5)),
    ]

    public static func named(_ name: String) -> BuiltinSpec? { all.first { $0.name == name } }
}
