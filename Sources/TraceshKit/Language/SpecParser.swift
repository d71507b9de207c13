import TraceshModel
import TraceshFiles

/// Parses BCC trace.py probe specs:
///
///     [{p,r}]:[library]:function [(predicate)] ["format"[, argument, ...]]
///     t:category:event [(predicate)] ["format"[, argument, ...]]
///     u:library:name ...
///
/// `function` alone means `p::function` and `library:function` means `p:library:function`,
/// exactly as in trace.py. Errors point at the offending character of the spec.
public enum SpecParser {
    /// bpftrace's probe types, accepted as aliases of trace.py's (`tracepoint:syscalls:sys_enter_openat`
    /// is `t:syscalls:sys_enter_openat`, `uprobe:/bin/bash:readline` is `p:/bin/bash:readline`).
    static let bpftraceTypes: [String: String] = [
        "tracepoint": "t", "kprobe": "p", "kretprobe": "r", "uprobe": "p", "uretprobe": "r", "usdt": "u",
    ]

    /// Whether the spec's head uses a bpftrace probe type (the session then keeps trace.py's form).
    public static func usesBpftraceSpelling(_ text: String) -> Bool {
        let head = text.prefix { !$0.isWhitespace && $0 != "(" && $0 != "\"" }
        guard let colon = head.firstIndex(of: ":") else { return false }
        return bpftraceTypes[String(head[..<colon])] != nil
    }

    public static func parse(_ text: LocatedText) throws -> TraceSpec {
        let characters = text.characters
        var index = 0
        while index < characters.count, !characters[index].isWhitespace, characters[index] != "(", characters[index] != "\"" {
            index += 1
        }
        let head = text[0..<index]
        guard !head.isEmpty else {
            throw Diagnostic("expected a probe such as 'sys_read', 'r::sys_openat', 't:sched:sched_process_exec' or 'c:malloc'", at: text.location(at: 0))
        }
        var spec = try parseHead(head)

        // `function(...)` with no space is a signature, as in `p::SyS_nanosleep(struct timespec *ts)`.
        if index < characters.count, characters[index] == "(" {
            throw Diagnostic(
                "function signatures are not supported: bpftrace 0.17 cannot read typed arguments on this kernel (no kprobes or kfuncs); drop the signature and use arg1..arg6 with casts, e.g. (int)arg1",
                at: text.location(at: index))
        }

        var stream = try TokenStream(lexing: text[index..<characters.count])
        if stream.current.isSymbol("(") {
            let open = stream.advance()
            guard !stream.current.isSymbol(")") else {
                throw Diagnostic("expected a predicate inside '(' ')'", at: stream.current.location)
            }
            let predicate = try ExpressionParser.parse(&stream)
            guard stream.accept(")") else {
                throw Diagnostic("expected ')' to close the predicate opened at \(open.location), found \(stream.describe(stream.current))", at: stream.current.location)
            }
            spec.predicate = predicate
        }
        if case .string(let format) = stream.current.kind {
            let token = stream.advance()
            // Map a character of the decoded format back to the source (exact when it has no escapes).
            let formatStart = token.location
            spec.format = try FormatString(parsing: format) { offset in
                SourceLocation(line: formatStart.line, column: formatStart.column + 1 + offset)
            }
            var arguments: [Expression] = []
            while stream.accept(",") {
                guard !stream.atEnd else { throw Diagnostic("expected an argument after ','", at: stream.current.location) }
                let argument = try ExpressionParser.parse(&stream)
                arguments.append(argument)
            }
            try spec.format?.check(argumentCount: arguments.count, at: arguments.first?.location ?? token.location)
            spec.arguments = arguments
        } else if stream.current.isSymbol(",") {
            throw Diagnostic("arguments need a format string before them, e.g. \"read %d bytes\", arg3", at: stream.current.location)
        }
        guard stream.atEnd else {
            let token = stream.current
            if token.isSymbol("(") {
                throw Diagnostic(spec.format == nil ? "a spec has one predicate; combine conditions with && or ||" : "the predicate must come before the format string", at: token.location)
            }
            throw Diagnostic("unexpected \(stream.describe(token)) in the probe spec; expected [(predicate)] [\"format\", arguments...]", at: token.location)
        }
        return spec
    }

    /// `type:library:function` and its short forms.
    private static func parseHead(_ head: LocatedText) throws -> TraceSpec {
        var parts: [LocatedText] = []
        var start = 0
        for (offset, character) in head.characters.enumerated() where character == ":" {
            parts.append(head[start..<offset])
            start = offset + 1
        }
        parts.append(head[start..<head.count])
        // bpftrace's probe types: `kprobe:f` has no library part; the others map one to one.
        var typeAlias: String?
        if parts.count >= 2, let alias = bpftraceTypes[parts[0].string] {
            typeAlias = alias
            if parts.count == 2 { parts.insert(LocatedText(), at: 1) }
        }

        let type: String
        let library: LocatedText
        let target: LocatedText
        switch parts.count {
        case 1: (type, library, target) = ("p", LocatedText(), parts[0])
        case 2:
            if ["t", "u"].contains(parts[0].string) {
                throw Diagnostic("'\(parts[0])' probes have three parts: \(parts[0] == LocatedText("t") ? "t:category:event" : "u:library:name")", at: parts[0].location(at: 0))
            }
            (type, library, target) = ("p", parts[0], parts[1])
        case 3: (type, library, target) = (typeAlias ?? (parts[0].string.isEmpty ? "p" : parts[0].string), parts[1], parts[2])
        default:
            throw Diagnostic("too many ':' in '\(head)'; expected [p|r|t|u]:[library]:function", at: parts[3].location(at: 0).offset(by: -1))
        }
        guard let probeType = TraceSpec.ProbeType(rawValue: type) else {
            throw Diagnostic("unknown probe type '\(type)'; expected p (entry), r (return), t (tracepoint) or u (user)", at: parts[0].location(at: 0))
        }
        guard !target.isEmpty else {
            throw Diagnostic(probeType == .tracepoint ? "expected an event name after the category" : "expected a function name", at: target.endLocation)
        }
        // `*` matches several events or syscalls (`t:syscalls:sys_enter_*`, `sys_*read*`); the
        // resolver decides what it covers. User-space functions are not matched by pattern.
        try checkName(target, what: probeType == .tracepoint ? "event" : "function", allowsWildcard: library.isEmpty || probeType == .tracepoint)
        if probeType == .tracepoint {
            guard !library.isEmpty else { throw Diagnostic("expected a tracepoint category, as in t:sched:sched_switch", at: library.endLocation) }
            try checkName(library, what: "tracepoint category")
            return TraceSpec(type: .tracepoint, target: library.string + ":" + target.string)
        }
        if probeType == .user && library.isEmpty {
            throw Diagnostic("'u' probes need a library or binary, as in u:c:malloc or u:/usr/bin/bash:readline", at: library.endLocation)
        }
        if !library.isEmpty {
            for (offset, character) in library.characters.enumerated()
            where !(character.isIdentifierBody || "/.-+@".contains(character)) {
                throw Diagnostic("invalid character '\(character)' in library path", at: library.location(at: offset))
            }
        }
        return TraceSpec(type: probeType, library: library.isEmpty ? nil : library.string, target: target.string)
    }

    private static func checkName(_ name: LocatedText, what: String, allowsWildcard: Bool = false) throws {
        for (offset, character) in name.characters.enumerated()
        where !(character.isIdentifierBody || (what != "tracepoint category" && character == ".") || (allowsWildcard && character == "*")) {
            let hint = character == "*" ? " (wildcards match kernel tracepoints and syscalls, not user-space functions)" : ""
            throw Diagnostic("invalid character '\(character)' in \(what) name '\(name)'" + hint, at: name.location(at: offset))
        }
        if let first = name.characters.first, first.isNumber {
            throw Diagnostic("\(what) name '\(name)' cannot start with a digit", at: name.location(at: 0))
        }
    }

    /// `arg3` -> 3; nil for other names.
    public static func argumentNumber(_ name: String) -> Int? { NameTable.argumentNumber(name) }
}

extension SourceLocation {
    func offset(by columns: Int) -> SourceLocation { SourceLocation(line: line, column: max(1, column + columns)) }
}
