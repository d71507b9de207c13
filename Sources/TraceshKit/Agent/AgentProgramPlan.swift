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

    public init(_ program: AgentProgram) throws(AgentProgramError) {
        probeName = Self.isName(program.name) ? program.name : "p1"
        spec = try Self.spec(type: program.type, target: program.target)
        filter = Self.filter(program.filters)
        let seconds = program.duration ?? Double(Settings.duration(SessionGraph()).milliseconds) / 1000
        guard seconds.isFinite, seconds > 0 else { throw AgentProgramError("duration must be a positive number of seconds, not \(seconds)") }
        guard seconds * 1000 <= Double(Self.maximumDuration.milliseconds) else {
            throw AgentProgramError("duration \(Self.number(seconds)) s is longer than the maximum of \(Self.maximumDuration)")
        }
        duration = TraceDuration(milliseconds: max(1, Int64((seconds * 1000).rounded())))
    }

    /// A trace.py spec from the agent's `type` and `target`. A target that is already a spec
    /// (it has a predicate, a format, or a `letter:` prefix) is taken as it is.
    static func spec(type: String?, target: String) throws(AgentProgramError) -> String {
        let target = target.trimmingCharacters(in: .whitespaces)
        guard !target.isEmpty else { throw AgentProgramError("target is empty") }
        if target.contains(where: { $0 == " " || $0 == "(" || $0 == "\"" }) || Self.hasSpecPrefix(target) { return target }
        switch (type ?? "kprobe").lowercased() {
        case "kprobe", "p": return target
        case "kretprobe", "r": return "r::" + target
        case "tracepoint", "t": return "t:" + target.replacingOccurrences(of: "/", with: ":")
        case "uprobe", "u": return "p:" + target
        case "uretprobe": return "r:" + target
        case let other:
            throw AgentProgramError("unknown type '\(other)'; use kprobe, kretprobe, tracepoint, uprobe or uretprobe")
        }
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

    static func isName(_ text: String) -> Bool {
        guard let first = text.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
        return text.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
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
