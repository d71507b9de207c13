/// `ustack`, `kstack`, `ustack(N)`, `kstack(N)`: a call stack, as an aggregation key or an
/// event field (`set stacks`). bpftrace unwinds it by frame pointers; tracesh names the frames
/// (see `StackNamer`). Names are declared in `NameTable.stacks`.
public struct StackKey: Hashable, Sendable {
    /// The user-space stack (`ustack`) or the kernel's (`kstack`).
    public var user: Bool
    /// The most frames kept (`ustack(N)`), nil for bpftrace's default (127).
    public var depth: Int?

    public init(user: Bool, depth: Int? = nil) {
        self.user = user
        self.depth = depth
    }

    /// bpftrace's limit on frames.
    public static let maximumDepth = 127

    /// The spelling: `ustack`, `kstack(5)`.
    public var spelling: String { (user ? "ustack" : "kstack") + (depth.map { "(\($0))" } ?? "") }

    /// The field name an event carries the stack under.
    public var fieldName: String { user ? "ustack" : "kstack" }

    /// The stack an expression names, or nil. `ustack(N)` needs 1 <= N <= 127 (else `invalid`).
    public init?(_ expression: Expression) {
        switch expression.kind {
        case .identifier("ustack"): self.init(user: true)
        case .identifier("kstack"): self.init(user: false)
        case .call(let name, let arguments) where name == "ustack" || name == "kstack":
            guard arguments.count == 1, case .integer(let depth) = arguments[0].kind else { return nil }
            self.init(user: name == "ustack", depth: Int(clamping: depth))
        default: return nil
        }
    }

    /// Whether `expression` is written as a stack (`ustack(...)`, even with a bad depth).
    public static func isStackName(_ expression: Expression) -> Bool {
        switch expression.kind {
        case .identifier(let name), .call(let name, _): return name == "ustack" || name == "kstack"
        default: return false
        }
    }

    /// Why this stack cannot be used, or nil.
    public var problem: String? {
        guard let depth, !(1...Self.maximumDepth).contains(depth) else { return nil }
        return "\(user ? "ustack" : "kstack")(\(depth)): the depth must be 1 to \(Self.maximumDepth) frames"
    }
}

/// Which stacks every streamed event carries (`set stacks`).
public enum StackEvents: String, CaseIterable, Sendable {
    case off, user, kernel, both

    /// The stacks each event carries, in order.
    public var stacks: [StackKey] {
        switch self {
        case .off: return []
        case .user: return [StackKey(user: true)]
        case .kernel: return [StackKey(user: false)]
        case .both: return [StackKey(user: true), StackKey(user: false)]
        }
    }
}
