import TraceshModel
import TraceshKernel

/// What one probe offers beyond the names every event has: arguments, tracepoint fields and a
/// return value. The resolver asks a scope; it never decides these itself.
public protocol NameScope {
    /// `probe 'o'`, for messages.
    var probeLabel: String { get }
    /// Whether the kernel can evaluate names here (false after a run: only captured values remain).
    var inKernel: Bool { get }
    func argument(_ number: Int, spelling: String, at location: SourceLocation) throws -> (ResolvedName, ValueType)
    func field(_ name: String, spelling: String, at location: SourceLocation) throws -> (ResolvedName, ValueType)
    func returnValue(at location: SourceLocation) throws -> (ResolvedName, ValueType)
    /// `latency`: a return probe's call duration.
    func latency(at location: SourceLocation) throws -> (ResolvedName, ValueType)
    /// `errno`: a syscall return probe's error number.
    func errorNumber(at location: SourceLocation) throws -> (ResolvedName, ValueType)
    /// Names to suggest for a misspelling (besides the table's own).
    var extraNames: [String] { get }
    /// `function` when this probe has one per event (an every-syscall probe: the syscall
    /// number, printed as its name); nil when it is the spec's target, known in user space.
    func function(at location: SourceLocation) -> ResolvedName?
    /// Refuses reading `name` as a string (`@user`) where that cannot be right.
    func checkStringRead(of name: ResolvedName, at location: SourceLocation) throws
    /// A syscall's number by name, for comparing a syscall-number value with `"read"`.
    func syscallNumber(_ name: String) -> Int64?
}

extension NameScope {
    public func function(at location: SourceLocation) -> ResolvedName? { nil }
    public func syscallNumber(_ name: String) -> Int64? { nil }
    public func checkStringRead(of name: ResolvedName, at location: SourceLocation) throws {}
}

/// One attachment of a probe resolved against the kernel: the place filters, predicates and
/// aggregations are checked and compiled for.
public struct AttachmentScope: NameScope {
    public let probe: ResolvedProbe
    public let attachment: ResolvedProbe.Attachment
    /// The spec's target as the user wrote it (`sys_read`), for messages.
    public let target: String
    public let probeLabel: String
    public var inKernel: Bool { true }
    /// Syscall numbers, for `function == "read"` on an every-syscall probe.
    public let syscalls: SyscallTable?
    /// The syscalls' own formats, to say which of a pattern's syscalls have a field it lacks.
    public let catalog: KernelCatalog?

    public init(probe: ResolvedProbe, attachment: ResolvedProbe.Attachment, target: String, probeName: String?, syscalls: SyscallTable? = nil,
                catalog: KernelCatalog? = nil) {
        self.syscalls = syscalls
        self.catalog = catalog
        self.probe = probe
        self.attachment = attachment
        self.target = target
        self.probeLabel = probeName.map { "probe '\($0)'" } ?? "the probe"
    }

    public var extraNames: [String] { (attachment.format?.fields.map(\.name) ?? []).filter { $0 != "__syscall_nr" } }

    public func argument(_ number: Int, spelling: String, at location: SourceLocation) throws -> (ResolvedName, ValueType) {
        switch probe.kind {
        case .syscallEntry:
            let fields = attachment.syscallArguments
            guard number <= fields.count, !fields[number - 1].name.isEmpty else {
                let syscall = attachment.probe.split(separator: "_").last.map(String.init) ?? "this syscall"
                throw Diagnostic("'\(spelling)' does not exist: \(syscall) takes \(fields.count) argument\(fields.count == 1 ? "" : "s")"
                                 + (fields.isEmpty ? "" : " (" + fields.enumerated().map { "arg\($0.offset + 1) = \($0.element.name)" }.joined(separator: ", ") + ")"), at: location)
            }
            return Self.fieldValue(fields[number - 1], meaning: .argument(number), spelling: spelling, captureKey: spelling, memory: .user)
        case .everySyscallEntry:
            // raw_syscalls gives the six argument registers; what each means depends on the syscall.
            return (ResolvedName(meaning: .argument(number), spelling: spelling, kernel: .tracepointFieldElement("args", number - 1), captureKey: spelling), .integer)
        case .syscallExit:
            // Read by the entry probe, saved by thread, read back here (see EntryCapture).
            let fields = attachment.syscallArguments
            guard number <= fields.count, !fields[number - 1].name.isEmpty else {
                let syscall = attachment.probe.split(separator: "_").last.map(String.init) ?? "this syscall"
                throw Diagnostic("'\(spelling)' does not exist: \(syscall) takes \(fields.count) argument\(fields.count == 1 ? "" : "s")"
                                 + (fields.isEmpty ? "" : " (" + fields.enumerated().map { "arg\($0.offset + 1) = \($0.element.name)" }.joined(separator: ", ") + ")"), at: location)
            }
            return Self.atEntry(Self.fieldValue(fields[number - 1], meaning: .argument(number), spelling: spelling, captureKey: spelling, memory: .user))
        case .everySyscallExit:
            return Self.atEntry((ResolvedName(meaning: .argument(number), spelling: spelling, kernel: .tracepointFieldElement("args", number - 1), captureKey: spelling), .integer))
        case .uretprobe:
            return Self.atEntry((ResolvedName(meaning: .argument(number), spelling: spelling, kernel: .builtin("arg\(number - 1)"), captureKey: spelling), .integer))
        case .tracepoint:
            throw Diagnostic("tracepoints have named fields, not '\(spelling)': use args->NAME (" + fieldList() + ")", at: location)
        case .uprobe, .usdt:
            let name = ResolvedName(meaning: .argument(number), spelling: spelling, kernel: .builtin("arg\(number - 1)"), captureKey: spelling)
            return (name, .integer)
        }
    }

    public func field(_ name: String, spelling: String, at location: SourceLocation) throws -> (ResolvedName, ValueType) {
        guard let format = attachment.format else {
            throw Diagnostic("'\(spelling)': only tracepoints and syscalls have named fields", at: location)
        }
        // A syscall return probe reads its entry's parameters as the entry saved them.
        if probe.kind == .syscallExit, format.field(named: name) == nil, let field = attachment.syscallArguments.first(where: { $0.name == name }) {
            var value = Self.atEntry(Self.fieldValue(field, meaning: .field(name), spelling: spelling, captureKey: name, memory: .user))
            // Named as at the entry (a signal's `sig` prints SIGTERM at return too).
            if value.1 == .integer { value.0.integerKind = integerKind(ofField: name) }
            return value
        }
        guard let field = format.field(named: name) else {
            if probe.isEverySyscall { throw patternFieldError(name, spelling: spelling, fields: format.fields.map(\.name), at: location) }
            let close = Suggestions.closest(to: name, in: format.fields.map(\.name))
            throw Diagnostic("\(format.name) has no field '\(name)'" + (close.isEmpty ? "" : "; did you mean '\(close[0])'?") + " (" + fieldList() + ")", at: location)
        }
        // Syscall parameters point into the calling process; other tracepoints' into the kernel.
        var value = Self.fieldValue(field, meaning: .field(name), spelling: spelling, captureKey: name, memory: probe.isSyscall ? .user : .kernel)
        if value.1 == .integer { value.0.integerKind = integerKind(ofField: name) }
        return value
    }

    /// A field a syscall pattern lacks, in the user's terms: the pattern is one raw_syscalls
    /// probe whose events have only the fields every syscall shares, and these of the syscalls
    /// it matches have the field (each probed by name has it).
    func patternFieldError(_ name: String, spelling: String, fields: [String], at location: SourceLocation) -> Diagnostic {
        let isReturn = probe.kind == .everySyscallExit
        let written = target.contains(":") ? "t:" + target : (isReturn ? "r::" : "") + target
        var matched = catalog?.syscalls() ?? []
        if let numbers = attachment.syscallNumbers, let syscalls {
            let wanted = Set(numbers)
            matched = matched.filter { syscalls.number(of: $0).map(wanted.contains) ?? false }
        }
        let owners = matched.filter { catalog?.format(of: "syscalls:sys_enter_\($0)")?.field(named: name) != nil }
        var message = "'\(spelling)': '\(written)' matches several syscalls, traced through one \(attachment.format?.name ?? "raw_syscalls") probe whose events have only the fields every syscall shares (\(fields.filter { $0 != "__syscall_nr" && !$0.hasPrefix("common_") }.joined(separator: ", ")))"
        if owners.isEmpty {
            message += "; none of the syscalls it matches has a field '\(name)'"
        } else {
            let listed = owners.prefix(6).map { "sys_\($0)" }.joined(separator: ", ") + (owners.count > 6 ? ", ..." : "")
            message += "; '\(name)' is a field of \(listed): probe \(owners.count == 1 ? "it" : "one of them") by name, e.g. '\(isReturn ? "r::" : "")sys_\(owners[0])'"
        }
        return Diagnostic(message, at: location)
    }

    /// Fields whose numbers name something: raw_syscalls' `id`, a signal's `sig`, a syscall's `ret`.
    func integerKind(ofField name: String) -> IntegerKind {
        switch name {
        case "id" where probe.isEverySyscall: return .syscall
        case "sig": return .signal
        case "ret" where probe.kind == .syscallExit || probe.kind == .everySyscallExit: return .errno
        default: return .plain
        }
    }

    public func function(at location: SourceLocation) -> ResolvedName? {
        guard probe.hasSyscallPerEvent else { return nil }
        // An integer map key in the kernel (cheap); its name is printed in every output. Each
        // tracepoint of `sys_open`'s family is one syscall: its number is a literal there.
        var kernel = KernelAccess.tracepointField("id")
        if !probe.isEverySyscall {
            let syscall = probe.familySyscalls.first { attachment.probe.hasSuffix("_" + $0) } ?? ""
            kernel = syscalls?.number(of: syscall).map(KernelAccess.constant) ?? .tracepointField("__syscall_nr")
        }
        return ResolvedName(meaning: .function, spelling: "function", kernel: kernel,
                            captureKey: AttachmentScope.syscallKey, integerKind: .syscall)
    }

    public func syscallNumber(_ name: String) -> Int64? { syscalls?.number(of: name) }

    /// The field an every-syscall probe's events carry the syscall number in.
    public static let syscallKey = "syscall"

    public func checkStringRead(of name: ResolvedName, at location: SourceLocation) throws {
        if let list = stringListField(name) {
            throw Diagnostic("'\(name.spelling)' is a list of strings (\(list.type) \(list.name)), not one string; tracesh cannot print it as '%s' or '@user' yet", at: location)
        }
        guard probe.isEverySyscall, case .argument = name.meaning else { return }
        throw Diagnostic("'\(name.spelling)@user': '\(target)' covers several syscalls whose arguments differ, so its arguments are integers only; probe one syscall by name (e.g. sys_openat) to read its strings", at: location)
    }

    /// The syscall parameter `name` stands for when it is a `char **` (execve's argv and envp).
    func stringListField(_ name: ResolvedName) -> TracepointFormat.Field? {
        let field: TracepointFormat.Field?
        switch name.meaning {
        case .argument(let number) where probe.kind == .syscallEntry || probe.kind == .syscallExit:
            let fields = attachment.syscallArguments
            field = number <= fields.count ? fields[number - 1] : nil
        case .field(let fieldName):
            field = attachment.format?.field(named: fieldName) ?? attachment.syscallArguments.first { $0.name == fieldName }
        default:
            field = nil
        }
        return field.flatMap { $0.isStringList ? $0 : nil }
    }

    public func returnValue(at location: SourceLocation) throws -> (ResolvedName, ValueType) {
        let access: KernelAccess
        switch probe.kind {
        case .syscallExit, .everySyscallExit: access = .tracepointField("ret")
        case .uretprobe: access = .builtin("retval")
        default: throw Diagnostic("'retval' is only available on return probes (r::\(target))", at: location)
        }
        // A syscall returns -errno on failure; a user function's return value is just a number.
        return (ResolvedName(meaning: .returnValue, spelling: NameTable.ReturnName.retval.rawValue, kernel: access, captureKey: NameTable.ReturnName.retval.rawValue,
                             integerKind: probe.kind == .uretprobe ? .plain : .errno), .integer)
    }

    /// `latency` on a return probe: the time since the call's entry, which an entry probe saves.
    public func latency(at location: SourceLocation) throws -> (ResolvedName, ValueType) {
        guard probe.hasReturnValue else {
            throw Diagnostic("'latency' is the time from a call's entry to its return, so only return probes have it; \(probeLabel) (\(attachment.probe)) is not one"
                             + (probe.kind == .syscallEntry || probe.kind == .uprobe ? " (use r:\(probe.kind == .uprobe ? "LIBRARY" : ""):\(target))" : ""), at: location)
        }
        return (ResolvedName(meaning: .latency, spelling: NameTable.ReturnName.latency.rawValue, kernel: .latency, captureKey: NameTable.ReturnName.latency.rawValue), .integer)
    }

    /// `errno` on a syscall return probe: `-ret` when the syscall failed, else 0.
    public func errorNumber(at location: SourceLocation) throws -> (ResolvedName, ValueType) {
        guard probe.kind == .syscallExit || probe.kind == .everySyscallExit else {
            let why = probe.kind == .uretprobe ? "a user function's return value carries no error number (use retval)" : "\(probeLabel) (\(attachment.probe)) is not a syscall return probe (r::\(target))"
            throw Diagnostic("'errno' is a syscall's error on return; " + why, at: location)
        }
        // Events carry retval; user space computes errno from it.
        return (ResolvedName(meaning: .errno, spelling: NameTable.ReturnName.errno.rawValue, kernel: .errno(of: .tracepointField("ret")), captureKey: NameTable.ReturnName.retval.rawValue, integerKind: .errnoCode), .integer)
    }

    /// A value the return probe reads as its entry saved it.
    static func atEntry(_ value: (ResolvedName, ValueType)) -> (ResolvedName, ValueType) {
        var (name, type) = value
        name.kernel = name.kernel.map { .savedAtEntry($0) }
        return (name, type)
    }

    /// A tracepoint field as a value: a `char *` stays an address until read, a `__data_loc`
    /// string is read from the record, a `char[N]` is a string already.
    static func fieldValue(_ field: TracepointFormat.Field, meaning: ResolvedName.Meaning, spelling: String, captureKey: String,
                           memory: StringMemory) -> (ResolvedName, ValueType) {
        if field.isCharPointer {
            return (ResolvedName(meaning: meaning, spelling: spelling, kernel: .tracepointField(field.name), captureKey: captureKey), .stringPointer(memory))
        }
        if field.isDataLocString {
            return (ResolvedName(meaning: meaning, spelling: spelling, kernel: .dataLocString(field.name), captureKey: captureKey), .string)
        }
        return (ResolvedName(meaning: meaning, spelling: spelling, kernel: .tracepointField(field.name), captureKey: captureKey), field.isString ? .string : .integer)
    }

    private func fieldList() -> String {
        extraNames.isEmpty ? "no fields" : "fields: " + extraNames.joined(separator: ", ")
    }
}

/// A probe after a run: only the values its events carry (`events where`, user-space filters,
/// replays). A name the probe did not capture is an error naming what it did capture.
public struct CapturedScope: NameScope {
    public let probe: CompiledProbe
    public var probeLabel: String { "probe '\(probe.name)'" }
    public var inKernel: Bool { false }

    public init(probe: CompiledProbe) { self.probe = probe }

    public var extraNames: [String] { probe.fields.map(\.name) }

    private func captured(_ key: String, meaning: ResolvedName.Meaning, spelling: String, at location: SourceLocation) throws -> (ResolvedName, ValueType) {
        guard let field = probe.fields.first(where: { $0.name == key }) else {
            let carried = probe.fields.map(\.name)
            throw Diagnostic("'\(spelling)' was not captured by probe '\(probe.name)' (\(probe.function)); its events carry "
                             + (carried.isEmpty ? "no values besides pid, tid, uid, gid, cpu, comm" : carried.joined(separator: ", ") + " besides pid, tid, uid, gid, cpu, comm")
                             + "; print it in the probe's format or filter on it with 'filter' before the run", at: location)
        }
        return (ResolvedName(meaning: meaning, spelling: spelling, kernel: nil, captureKey: key), field.kind == .integer ? .integer : .string)
    }

    public func argument(_ number: Int, spelling: String, at location: SourceLocation) throws -> (ResolvedName, ValueType) {
        try captured(spelling, meaning: .argument(number), spelling: spelling, at: location)
    }

    public func field(_ name: String, spelling: String, at location: SourceLocation) throws -> (ResolvedName, ValueType) {
        try captured(name, meaning: .field(name), spelling: spelling, at: location)
    }

    public func returnValue(at location: SourceLocation) throws -> (ResolvedName, ValueType) {
        try captured(NameTable.ReturnName.retval.rawValue, meaning: .returnValue, spelling: NameTable.ReturnName.retval.rawValue, at: location)
    }

    public func latency(at location: SourceLocation) throws -> (ResolvedName, ValueType) {
        try captured(NameTable.ReturnName.latency.rawValue, meaning: .latency, spelling: NameTable.ReturnName.latency.rawValue, at: location)
    }

    public func errorNumber(at location: SourceLocation) throws -> (ResolvedName, ValueType) {
        guard probe.resolved.hasPrefix("syscalls:sys_exit_") || probe.resolved == "raw_syscalls:sys_exit" else {
            throw Diagnostic("'errno' is a syscall's error on return; probe '\(probe.name)' (\(probe.function)) is not a syscall return probe", at: location)
        }
        var (name, type) = try captured(NameTable.ReturnName.retval.rawValue, meaning: .errno, spelling: NameTable.ReturnName.errno.rawValue, at: location)
        name.integerKind = .errnoCode
        return (name, type)
    }
}

/// No probe yet (a filter entered first): probe-dependent names are accepted here and checked
/// against each probe when it is added.
public struct UnboundScope: NameScope {
    public init() {}
    public var probeLabel: String { "any probe" }
    public var inKernel: Bool { true }
    public var extraNames: [String] { [] }
    public func argument(_ number: Int, spelling: String, at location: SourceLocation) throws -> (ResolvedName, ValueType) {
        (ResolvedName(meaning: .argument(number), spelling: spelling, kernel: .builtin(spelling), captureKey: spelling), .integer)
    }
    public func field(_ name: String, spelling: String, at location: SourceLocation) throws -> (ResolvedName, ValueType) {
        (ResolvedName(meaning: .field(name), spelling: spelling, kernel: .tracepointField(name), captureKey: name), .integer)
    }
    public func returnValue(at location: SourceLocation) throws -> (ResolvedName, ValueType) {
        (ResolvedName(meaning: .returnValue, spelling: NameTable.ReturnName.retval.rawValue, kernel: .builtin("retval"), captureKey: NameTable.ReturnName.retval.rawValue), .integer)
    }
    public func latency(at location: SourceLocation) throws -> (ResolvedName, ValueType) {
        (ResolvedName(meaning: .latency, spelling: NameTable.ReturnName.latency.rawValue, kernel: .latency, captureKey: NameTable.ReturnName.latency.rawValue), .integer)
    }
    public func errorNumber(at location: SourceLocation) throws -> (ResolvedName, ValueType) {
        (ResolvedName(meaning: .errno, spelling: NameTable.ReturnName.errno.rawValue, kernel: .errno(of: .builtin("retval")), captureKey: NameTable.ReturnName.retval.rawValue, integerKind: .errnoCode), .integer)
    }
}
