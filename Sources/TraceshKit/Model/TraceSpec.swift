import Foundation

/// One probe as BCC's trace.py describes it: where to attach, what to print, and which events
/// to keep. Unset filters mean "no filter" (an unset uid is not `uid == 0`).
public struct TraceSpec: Hashable, Sendable {
    public enum ProbeType: String, Hashable, Sendable {
        /// Function entry: a kernel function (syscalls become tracepoints) or, with a library, a uprobe.
        case entry = "p"
        /// Function return: kernel (syscall exit tracepoints) or, with a library, a uretprobe.
        case `return` = "r"
        /// A kernel tracepoint, `t:category:event`.
        case tracepoint = "t"
        /// `u:library:name`: a USDT probe when the library has one by that name, else a uprobe.
        case user = "u"
    }

    public var type: ProbeType
    /// The library or binary for user-space probes (`c`, `bash`, `/lib/.../libc.so.6`); nil for kernel probes.
    public var library: String?
    /// The function, or `category:event` for tracepoints.
    public var target: String
    public var format: FormatString?
    /// The values the format string prints, in order.
    public var arguments: [Expression]
    /// The spec's own predicate, `(arg1 > 0)`.
    public var predicate: Expression?
    public var duration: TraceDuration?
    public var processName: String?
    public var pid: Int64?
    public var tid: Int64?
    public var uid: Int64?

    public init(type: ProbeType, library: String? = nil, target: String, format: FormatString? = nil,
                arguments: [Expression] = [], predicate: Expression? = nil, duration: TraceDuration? = nil,
                processName: String? = nil, pid: Int64? = nil, tid: Int64? = nil, uid: Int64? = nil) {
        self.type = type
        self.library = library
        self.target = target
        self.format = format
        self.arguments = arguments
        self.predicate = predicate
        self.duration = duration
        self.processName = processName
        self.pid = pid
        self.tid = tid
        self.uid = uid
    }

    /// Whether the probe runs in user space (uprobe, uretprobe or USDT).
    public var isUserSpace: Bool { library != nil }

    /// The predicate with the process-name, PID, TID and UID filters folded in with `&&`.
    public var combinedPredicate: Expression? {
        var parts: [Expression] = []
        if let predicate { parts.append(predicate) }
        func equal(_ name: String, _ value: Expression.Kind) -> Expression {
            Expression(.binary(.equal, Expression(.identifier(name)), Expression(value)))
        }
        if let processName { parts.append(equal("comm", .string(processName))) }
        if let pid { parts.append(equal("pid", .integer(pid))) }
        if let tid { parts.append(equal("tid", .integer(tid))) }
        if let uid { parts.append(equal("uid", .integer(uid))) }
        guard var combined = parts.first else { return nil }
        for part in parts.dropFirst() { combined = Expression(.binary(.and, combined, part)) }
        return combined
    }

    /// The spec in trace.py syntax (what `probe` accepts and `save` writes).
    public var text: String {
        var head: String
        switch type {
        case .tracepoint: head = "t:" + target
        case .user: head = "u:\(library ?? ""):\(target)"
        case .entry, .return: head = "\(type.rawValue):\(library ?? ""):\(target)"
        }
        if let predicate = combinedPredicate { head += " (\(predicate))" }
        if let format {
            head += " " + ExpressionPrinter.quoted(format.text)
            for argument in arguments { head += ", " + argument.description }
        }
        return head
    }
}
