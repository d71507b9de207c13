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

    /// A builder for library users, equivalent to the language's `probe` command.
    public static func builder() -> Builder { Builder() }

    /// Builds a `TraceSpec` step by step; `build()` parses and checks the pieces given as text.
    public struct Builder: Sendable {
        private var type: ProbeType = .entry
        private var library: String?
        private var target = ""
        private var formatText: String?
        private var argumentTexts: [String] = []
        private var filterText: String?
        private var duration: TraceDuration?
        private var processName: String?
        private var pid: Int64?
        private var tid: Int64?
        private var uid: Int64?

        public init() {}

        private func with(_ change: (inout Builder) -> Void) -> Builder {
            var copy = self
            change(&copy)
            return copy
        }

        /// Kernel function entry (`__x64_sys_write`, `sys_write`): a syscall entry tracepoint here.
        public func kprobe(_ function: String) -> Builder { with { $0.type = .entry; $0.library = nil; $0.target = function } }
        /// Kernel function return: a syscall exit tracepoint here.
        public func kretprobe(_ function: String) -> Builder { with { $0.type = .return; $0.library = nil; $0.target = function } }
        public func tracepoint(_ category: String, _ event: String) -> Builder { with { $0.type = .tracepoint; $0.library = nil; $0.target = "\(category):\(event)" } }
        public func uprobe(_ library: String, _ function: String) -> Builder { with { $0.type = .entry; $0.library = library; $0.target = function } }
        public func uretprobe(_ library: String, _ function: String) -> Builder { with { $0.type = .return; $0.library = library; $0.target = function } }
        /// trace.py's `u:library:name` (USDT if present, else a uprobe).
        public func user(_ library: String, _ name: String) -> Builder { with { $0.type = .user; $0.library = library; $0.target = name } }
        public func format(_ format: String, _ arguments: String...) -> Builder { with { $0.formatText = format; $0.argumentTexts = arguments } }
        public func filter(_ predicate: String) -> Builder { with { $0.filterText = predicate } }
        public func duration(_ duration: TraceDuration) -> Builder { with { $0.duration = duration } }
        public func processName(_ name: String) -> Builder { with { $0.processName = name } }
        public func pid(_ pid: Int64) -> Builder { with { $0.pid = pid } }
        public func tid(_ tid: Int64) -> Builder { with { $0.tid = tid } }
        public func uid(_ uid: Int64) -> Builder { with { $0.uid = uid } }

        /// The spec; throws a `Diagnostic` when the target is empty or a piece does not parse.
        public func build() throws -> TraceSpec {
            guard !target.isEmpty else { throw Diagnostic("a spec needs a target (kprobe, tracepoint, uprobe, ...)", at: nil) }
            var spec = TraceSpec(type: type, library: library, target: target, duration: duration,
                                 processName: processName, pid: pid, tid: tid, uid: uid)
            if let filterText { spec.predicate = try ExpressionParser.parse(LocatedText(filterText)) }
            if let formatText {
                spec.format = try FormatString(parsing: formatText)
                spec.arguments = try argumentTexts.map { try ExpressionParser.parse(LocatedText($0)) }
                try spec.format?.check(argumentCount: spec.arguments.count, at: nil)
            }
            return spec
        }
    }
}
