/// Decides where a filter runs: in the kernel (a bpftrace predicate, the cheap place) or in
/// user space (regular expressions, the formatted message, anything bpftrace cannot evaluate).
public enum FilterPlacement: Equatable, Sendable {
    case kernel
    case userSpace

    public static func of(_ condition: Expression) -> FilterPlacement {
        var placement = FilterPlacement.kernel
        condition.forEach { node in
            switch node.kind {
            case .identifier("message"), .binary(.matches, _, _), .binary(.notMatches, _, _):
                placement = .userSpace
            case .call(let name, _) where name != "STRCMP":
                placement = .userSpace
            default:
                break
            }
        }
        return placement
    }
}
