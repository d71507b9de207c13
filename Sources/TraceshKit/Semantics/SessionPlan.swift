import TraceshModel
import TraceshKernel

/// A probe spec parsed and resolved against the kernel, kept so later commands need not parse
/// or resolve it again.
public struct AnalysedProbe: Sendable {
    public var declaration: ProbeDeclaration
    public var spec: TraceSpec
    public var resolved: ResolvedProbe
}

/// The resolved, typed session: every expression of every probe, filter and aggregation, per
/// attachment, with filters placed. Code generation reads only this.
public struct SessionPlan: Sendable {
    public var probes: [ProbePlan]
    /// The aggregations in declaration order (map `@aggN` is `aggregations[N - 1]`).
    public var aggregations: [AggregationPlan]
}

public struct ProbePlan: Sendable {
    public var probe: AnalysedProbe
    public var attachments: [AttachmentPlan]
    /// The values each event of this probe carries after `comm` (the same for every attachment).
    public var fields: [CompiledField]
    /// Filters that run on this probe's events in user space (their source form).
    public var userFilters: [Expression]
}

public struct AttachmentPlan: Sendable {
    public var attachment: ResolvedProbe.Attachment
    /// The spec's predicate and the kernel-placed filters, in order (all hold).
    public var predicates: [ResolvedExpression]
    /// The printf values after `comm`, in `ProbePlan.fields` order.
    public var values: [ResolvedExpression]
    /// Per aggregation scoped to this probe: its index and its resolved argument and keys.
    public var aggregations: [(index: Int, argument: ResolvedExpression?, keys: [ResolvedExpression])]
}

public struct AggregationPlan: Sendable {
    public var aggregation: Aggregation
    public var keyKinds: [CompiledField.Kind]
    /// What each key's number names, when every probe agrees (else plain).
    public var keyNames: [IntegerKind] = []
}

/// A filter's place, decided from its resolved tree.
public enum FilterPlacement: Equatable, Sendable {
    case kernel
    case userSpace

    /// The kernel when it can run there (the cheap place), else user space; nil when neither can.
    public static func of(_ condition: ResolvedExpression) -> FilterPlacement? {
        if condition.placement.contains(.kernel) { return .kernel }
        if condition.placement.contains(.userSpace) { return .userSpace }
        return nil
    }
}
