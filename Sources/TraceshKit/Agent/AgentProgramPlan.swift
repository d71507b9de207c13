import Foundation
import TraceshModel
import TraceshFiles
import TraceshKernel
import TraceshLanguage
import TraceshSuggest
import TraceshSemantics
import TraceshPlan
import TraceshRuntime
import TraceshAnalysis
import TraceshOutput
import TraceshExport
import TraceshKit

/// What one agent program becomes in the language: a probe spec and a kernel filter. The spec
/// then goes through the same parser and checks as a `probe` typed by a user; the filter is an
/// expression tree (values are literals in it, never text pasted into a program).
public struct AgentProgramPlan: Sendable {
    /// The probe's name: the program's name when it is a valid name, else `p1`.
    public var probeName: String
    public var spec: String
    public var filter: Expression?
    public var duration: TraceDuration

    /// The longest run a program may ask for, as for `run`.
    public static let maximumDuration = Settings.durationCeiling

    /// `catalog` names the category of a tracepoint given by its event name alone.
    public init(_ program: AgentProgram, catalog: KernelCatalog? = nil) throws(AgentProgramError) {
        probeName = program.name.isIdentifier ? program.name : "p1"
        spec = try Self.spec(type: program.type, target: program.target, catalog: catalog)
        filter = Self.filter(program.filters)
        let seconds = program.duration ?? Double(Settings.duration(SessionGraph()).milliseconds) / 1000
        guard seconds.isFinite, seconds > 0 else { throw AgentProgramError("duration must be a positive number of seconds, not \(seconds)") }
        guard seconds * 1000 <= Double(Self.maximumDuration.milliseconds) else {
            throw AgentProgramError("duration \(Self.number(seconds)) s is longer than the maximum of \(Self.maximumDuration)")
        }
        duration = TraceDuration(milliseconds: max(1, Int64((seconds * 1000).rounded())))
    }

    /// A trace.py spec from the agent's `type` and `target`, in the forms people write:
    /// `tracepoint` with `sys_openat` (its entry tracepoint), `syscalls:sys_enter_openat`,
    /// `sched/sched_process_exec` or an event name alone; `kprobe` with `sys_open` (trace.py's
    /// kernel function, a syscall's tracepoint here) or with `category:event` (a kernel function
    /// has no ':'); `uprobe` with `libc:malloc` or `/lib/x86_64-linux-gnu/libc.so.6:malloc`. A
    /// target that is already a spec (a predicate, a format, a `p:`/`r:`/`t:`/`u:` prefix, or
    /// bpftrace's `tracepoint:syscalls:sys_enter_openat`) is taken as it is. Anything else fails
    /// naming the form that works.
    static func spec(type: String?, target: String, catalog: KernelCatalog? = nil) throws(AgentProgramError) -> String {
        let target = target.trimmingCharacters(in: .whitespaces)
        guard !target.isEmpty else { throw AgentProgramError("target is empty") }
        if target.contains(where: { $0 == " " || $0 == "(" || $0 == "\"" }) || Self.hasSpecPrefix(target)
            || SpecParser.usesBpftraceSpelling(target) {
            return target
        }
        let colons = target.filter { $0 == ":" }.count
        switch (type ?? "kprobe").lowercased() {
        case let kind where ["kprobe", "p", "kretprobe", "r"].contains(kind):
            // A kernel function has no ':': `syscalls:sys_enter_openat` is a tracepoint.
            if colons == 1 { return try tracepointSpec(target, catalog: catalog) }
            guard colons == 0 else {
                throw AgentProgramError("target '\(target)' is not a kernel function (they have no ':'); for a tracepoint give type 'tracepoint' and target 'category:event', e.g. 'syscalls:sys_enter_openat'")
            }
            return kind == "kretprobe" || kind == "r" ? "r::" + target : target
        case "tracepoint", "t":
            return try tracepointSpec(target.replacingOccurrences(of: "/", with: ":"), catalog: catalog)
        case let kind where ["uprobe", "u", "uretprobe"].contains(kind):
            guard colons >= 1, !target.hasPrefix(":"), !target.hasSuffix(":") else {
                throw AgentProgramError("a \(kind) target is LIBRARY:FUNCTION, e.g. 'libc:malloc' or '/lib/x86_64-linux-gnu/libc.so.6:malloc', not '\(target)'")
            }
            return (kind == "uretprobe" ? "r:" : "p:") + target
        case let other:
            throw AgentProgramError("unknown type '\(other)'; use kprobe, kretprobe, tracepoint, uprobe or uretprobe")
        }
    }

    /// `t:category:event` for a tracepoint target: `category:event` as it is; a syscall's name
    /// (`sys_openat`) its entry tracepoint, `sys_enter_X`/`sys_exit_X` in `syscalls`; another
    /// event name alone the one tracepoint of that name the catalog has.
    static func tracepointSpec(_ target: String, catalog: KernelCatalog?) throws(AgentProgramError) -> String {
        let parts = target.split(separator: ":", omittingEmptySubsequences: false)
        let form = "give 'category:event', e.g. 'syscalls:sys_enter_openat' or 'sched:sched_process_exec' (or 'tracepoint:category:event')"
        if parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty { return "t:" + target }
        guard parts.count == 1 else { throw AgentProgramError("tracepoint target '\(target)': \(form)") }
        if target.hasPrefix("sys_enter_") || target.hasPrefix("sys_exit_") { return "t:syscalls:" + target }
        if let syscall = ProbeResolver.syscallName(target) { return "t:syscalls:sys_enter_" + syscall }
        let matches = (catalog?.tracepoints() ?? []).filter { $0.hasSuffix(":" + target) }
        if matches.count == 1 { return "t:" + matches[0] }
        let named = matches.isEmpty ? "" : " (this kernel has " + matches.prefix(5).map { "'\($0)'" }.joined(separator: ", ") + ")"
        throw AgentProgramError("tracepoint target '\(target)' needs its category\(named): \(form)")
    }

    /// `p:...`, `r:...`, `t:...`, `u:...`: a trace.py spec already.
    static func hasSpecPrefix(_ target: String) -> Bool {
        let characters = Array(target)
        return characters.count > 2 && "prtu".contains(characters[0]) && characters[1] == ":"
    }

    /// `comm == "nginx" && pid == 1234 && uid == 33`, from the filters that are set.
    static func filter(_ filters: AgentFilters?) -> Expression? {
        guard let filters else { return nil }
        var terms: [Expression] = []
        if let process = filters.process {
            terms.append(Expression(.binary(.equal, Expression(.identifier("comm")), Expression(.string(process)))))
        }
        if let pid = filters.pid {
            terms.append(Expression(.binary(.equal, Expression(.identifier("pid")), Expression(.integer(pid)))))
        }
        if let uid = filters.uid {
            terms.append(Expression(.binary(.equal, Expression(.identifier("uid")), Expression(.integer(uid)))))
        }
        guard var condition = terms.first else { return nil }
        for term in terms.dropFirst() { condition = Expression(.binary(.and, condition, term)) }
        return condition
    }

    static func number(_ value: Double) -> String {
        // Whole numbers without ".0", when they fit Int64 (a request may say 1e300).
        guard value == value.rounded(), let whole = Int64(exactly: value) else { return String(value) }
        return String(whole)
    }
}

/// Why a program of the request cannot run; it fails alone.
public struct AgentProgramError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
