import TraceshModel
import TraceshFiles

/// Building a spec from pieces of text (for programs that embed tracesh); each piece goes
/// through the same parsers as the language.
extension TraceSpec {
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
