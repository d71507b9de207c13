import Foundation
import Testing
@testable import TraceshKit
@testable import TraceshModel
@testable import TraceshPlan
@testable import TraceshRuntime
@testable import TraceshAgent

/// Injection attempts through every input that reaches the generated program: probe names,
/// targets (functions, tracepoint categories and events, library paths), format strings,
/// arguments, filters, aggregation keys, `$NAME` variables and the agent's request fields. None
/// may change the program's structure: each is either refused with a located error or carried as
/// data. "Structure" is checked by comparing the program's *skeleton* (every string literal
/// emptied, every comment removed) with the skeleton of the same session holding a harmless
/// value: equal skeletons mean the payload stayed inside a literal or a comment line.
@Suite struct InjectionTests {
    /// A payload as a test argument, described briefly (the long one would flood the report).
    struct Payload: CustomTestStringConvertible, Sendable {
        var text: String
        var testDescription: String { InjectionTests.show(text) }
    }

    static let payloadArguments = payloads.map(Payload.init)

    /// Quotes, backslashes, braces, semicolons, newlines, NUL, bpftrace's unsafe calls, a long string.
    static let payloads: [String] = [
        #"x""#, #"x\"#, #"x\""#, "x}", "x;", "x\ny", "x\r\ny", "x\0y", #"x"); system("id"); printf(""#,
        #"x" } BEGIN { system("id") } //"#, #"x"/ { cat("/etc/shadow") } /"#, #"\x22; system(\"id\")"#,
        "x\n}\nBEGIN { system(\"id\"); }\n//", "*/ system(\"id\") /*", "$(id)`id`", "%s%n%d",
        String(repeating: "A\"};", count: 25_000),
    ]

    /// A payload's description for a failure message (the long one abbreviated).
    static func show(_ payload: String) -> String {
        let text = payload.count > 60 ? String(payload.prefix(40)) + "...(\(payload.count) characters)" : payload
        return text.debugDescription
    }

    /// A harmless string of the payload's length in bytes.
    static func filler(_ payload: String) -> String { String(repeating: "a", count: payload.utf8.count) }

    static func interpreter() -> (Interpreter, CollectingOutput) {
        let output = CollectingOutput()
        return (Interpreter(output: output, catalog: Fixtures.catalog), output)
    }

    static func compile(_ interpreter: Interpreter) throws -> CompiledProgram {
        try ProgramCompiler.compile(interpreter.graph, catalog: Fixtures.catalog, options: CompileOptions(framing: Fixtures.framing))
    }

    /// Builds a session with `setup` (commands made in code, so no script syntax stands between
    /// the payload and the session) and returns its program, or the error that refused it.
    static func program(_ setup: (Interpreter) throws -> Void) -> Result<CompiledProgram, Diagnostic> {
        let (interpreter, _) = interpreter()
        do {
            try setup(interpreter)
            return .success(try compile(interpreter))
        } catch let diagnostic as Diagnostic {
            return .failure(diagnostic)
        } catch {
            return .failure(Diagnostic("\(error)", at: nil))
        }
    }

    static func program(compiling interpreter: Interpreter) -> Result<CompiledProgram, Diagnostic> {
        do { return .success(try compile(interpreter)) } catch let diagnostic as Diagnostic { return .failure(diagnostic) } catch {
            return .failure(Diagnostic("\(error)", at: nil))
        }
    }

    static func probe(_ interpreter: Interpreter, _ name: String?, _ spec: String) throws {
        _ = try interpreter.execute(Command(.probe(name: name, spec: LocatedText(spec, at: TraceshModel.SourceLocation(line: 1, column: 7))), at: TraceshModel.SourceLocation(line: 1, column: 1)))
    }

    static func filter(_ interpreter: Interpreter, _ probe: String?, _ condition: Expression) throws {
        _ = try interpreter.execute(Command(.filter(Filter(probe: probe, condition: condition)), at: TraceshModel.SourceLocation(line: 2, column: 1)))
    }

    static func string(_ text: String) -> Expression { Expression(.string(text), at: TraceshModel.SourceLocation(line: 2, column: 20)) }
    static func name(_ text: String) -> Expression { Expression(.identifier(text), at: TraceshModel.SourceLocation(line: 2, column: 10)) }

    /// Asserts `payloadResult` is a located refusal, or a program whose skeleton is `benign`'s
    /// and which holds no unsafe call outside a literal.
    static func expectDataOrLocatedError(_ payloadResult: Result<CompiledProgram, Diagnostic>, benign: Result<CompiledProgram, Diagnostic>,
                                         _ payload: String, what: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        switch payloadResult {
        case .failure(let diagnostic):
            #expect(diagnostic.location != nil, "\(what) \(show(payload)) was refused without a place: \(diagnostic.message)", sourceLocation: sourceLocation)
        case .success(let program):
            guard case .success(let reference) = benign else {
                Issue.record("the harmless \(what) does not compile: \(benign)", sourceLocation: sourceLocation)
                return
            }
            let skeleton = ProgramShape.skeleton(program.source)
            #expect(skeleton == ProgramShape.skeleton(reference.source), "\(what) \(show(payload)) changed the program's structure",
                    sourceLocation: sourceLocation)
            #expect(ProgramShape.unsafeCalls(skeleton).isEmpty, "\(what) \(show(payload)): an unsafe call outside a string literal",
                    sourceLocation: sourceLocation)
            #expect(ProgramShape.balanced(skeleton), "\(what) \(show(payload)): unbalanced braces", sourceLocation: sourceLocation)
        }
    }

    // MARK: - The shape checker itself

    @Test func skeletonEmptiesLiteralsAndDropsComments() {
        #expect(ProgramShape.skeleton("// a \"b\n/comm == \"x\\\"}\"/\n{ printf(\"%s\\n\", comm); }") == "\n/comm == \"\"/\n{ printf(\"\", comm); }")
        #expect(ProgramShape.unsafeCalls("BEGIN { system (\"id\"); }") == ["system"])
        #expect(ProgramShape.unsafeCalls(ProgramShape.skeleton("BEGIN { printf(\"system(\"); }")).isEmpty)
        #expect(!ProgramShape.balanced("BEGIN { } }"))
        #expect(ProgramShape.decodeLiteral(#""a\"b\\c\n\000d""#) == Array("a\"b\\c\n\0d".utf8))
    }

    @Test func everyGoldenProgramIsCleanAndLiteralsDecode() throws {
        for golden in GoldenPrograms.cases {
            let program = try GoldenPrograms.program(golden, catalog: Fixtures.catalog)
            let skeleton = ProgramShape.skeleton(program.source)
            #expect(ProgramShape.unsafeCalls(skeleton).isEmpty, "\(golden.name)")
            #expect(ProgramShape.balanced(skeleton), "\(golden.name)")
        }
    }

    // MARK: - Filters, aggregation keys and string literals in specs

    @Test(arguments: payloadArguments) func filterStringIsCarriedAsData(argument: Payload) throws {
        let payload = argument.text
        func session(_ value: String) -> Result<CompiledProgram, Diagnostic> {
            Self.program { interpreter in
                try Self.probe(interpreter, "o", #"sys_openat "open %s", arg2@user"#)
                try Self.filter(interpreter, "o", Expression(.binary(.equal, Self.name("comm"), Self.string(value)), at: TraceshModel.SourceLocation(line: 2, column: 10)))
            }
        }
        let result = session(payload)
        // The harmless value has the payload's length: a string too long for the kernel moves the
        // comparison to user space, which changes the program for a reason that is not the payload's.
        Self.expectDataOrLocatedError(result, benign: session(Self.filler(payload)), payload, what: "a filter's string")
        if case .success(let program) = result {
            // The literal in the predicate reads back as the payload, byte for byte
            let literals = ProgramShape.literals(program.source).map(ProgramShape.decodeLiteral)
            // (A string longer than bpftrace's literals is compared in user space instead.)
            #expect(literals.contains(Array(payload.utf8)) || program.userFilters.count == 1,
                    "\(Self.show(payload)) is neither one literal of the program nor a user-space filter")
        }
    }

    @Test(arguments: payloadArguments) func specPredicateStringIsCarriedAsData(argument: Payload) throws {
        let payload = argument.text
        // In a spec the string is written in tracesh's own syntax: escaped quotes and backslashes.
        func spec(_ value: String) -> String {
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
            return #"sys_openat (comm == ""# + escaped + #"") "open %s", arg2@user"#
        }
        let result = Self.program { try Self.probe($0, "o", spec(payload)) }
        Self.expectDataOrLocatedError(result, benign: Self.program { try Self.probe($0, "o", spec("cat")) }, payload, what: "a spec predicate's string")
    }

    @Test(arguments: payloadArguments) func formatStringIsCarriedAsData(argument: Payload) throws {
        let payload = argument.text
        func spec(_ value: String) -> String {
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "%", with: "%%")
            return #"sys_openat ""# + escaped + #" %s", arg2@user"#
        }
        let result = Self.program { try Self.probe($0, "o", spec(payload)) }
        Self.expectDataOrLocatedError(result, benign: Self.program { try Self.probe($0, "o", spec("open")) }, payload, what: "a format string")
    }

    // MARK: - Names, targets and arguments: refused, with a place

    @Test(arguments: payloadArguments) func probeNameIsRefused(argument: Payload) {
        let payload = argument.text
        let result = Self.program { try Self.probe($0, "o" + payload, "sys_openat") }
        guard case .failure(let diagnostic) = result else {
            Issue.record("probe name \(Self.show(payload)) was accepted")
            return
        }
        #expect(diagnostic.location != nil)
    }

    /// Specs with the payload where a name goes: the syscall, the tracepoint's category and
    /// event, a user function, an argument, a cast, a field. Made in code (the payload may hold
    /// a newline, which a script line cannot).
    static let targetSpecs: [(String, @Sendable (String) -> String)] = [
        ("syscall", { "sys_read" + $0 }),
        ("return syscall", { "r::sys_read" + $0 }),
        ("tracepoint category", { "t:sched" + $0 + ":sched_switch" }),
        ("tracepoint event", { "t:sched:sched_switch" + $0 }),
        ("user function", { "c:malloc" + $0 }),
        ("library", { "p:c" + $0 + ":malloc" }),
        ("argument", { #"sys_read "%d", arg1"# + $0 }),
        ("field", { #"t:sched:sched_process_exec "%d", args->pid"# + $0 }),
        ("predicate", { "sys_read (arg1 == 1" + $0 + ")" }),
    ]

    @Test(arguments: payloadArguments) func targetsAndArgumentsAreRefusedOrData(argument: Payload) {
        let payload = argument.text
        for (what, spec) in Self.targetSpecs {
            let result = Self.program { try Self.probe($0, "p", spec(payload)) }
            Self.expectDataOrLocatedError(result, benign: Self.program { try Self.probe($0, "p", spec("")) }, payload, what: "a \(what)")
        }
    }

    @Test(arguments: [
        #"u:/tmp/x"};system("id"):f"#, #"p:/tmp/x"};system("id"):f"#, #"r:/tmp/x"};system("id"):f"#,
        "p:/tmp/x\n}\nBEGIN{system(\"id\")}:f", #"p:/tmp/x\":f"#, "p:/tmp/x\0y:f",
    ]) func libraryPathWithQuotesIsRefused(spec: String) {
        let result = Self.program { try Self.probe($0, "p", spec) }
        guard case .failure(let diagnostic) = result else {
            Issue.record("\(spec.debugDescription) was accepted")
            return
        }
        #expect(diagnostic.location != nil, "\(diagnostic.message)")
    }

    /// A real library at a path with `}`, `;`, `(` and spaces (but no quote, which bpftrace
    /// cannot quote): carried inside the quoted attach point.
    @Test func libraryPathWithBracesIsQuotedData() throws {
        let folder = try TemporaryFolder()
        let library = folder.path + "/x};system(id);{ y"
        let benignLibrary = folder.path + "/benign"
        let source = try #require(LibraryResolver().resolve("c"), "libc not found")
        for path in [library, benignLibrary] {
            try FileManager.default.copyItem(atPath: source, toPath: path)
        }
        let result = Self.program { try Self.probe($0, "p", "p:" + library + ":malloc") }
        Self.expectDataOrLocatedError(result, benign: Self.program { try Self.probe($0, "p", "p:" + benignLibrary + ":malloc") },
                                      library, what: "a library path")
    }

    // MARK: - Variables

    @Test(arguments: payloadArguments.filter { !$0.text.contains("\0") && $0.text.count < 1000 }) func variableValueStaysOneValue(argument: Payload) {
        let payload = argument.text
        for script in [#"filter o: comm == "$name""#, "filter o: comm == $name", "agg o: count by $name"] {
            let (interpreter, output) = Self.interpreter()
            _ = interpreter.run(source: #"probe o = sys_openat "open %s", arg2@user"#, origin: "t.trc")
            let (benignInterpreter, _) = Self.interpreter()
            _ = benignInterpreter.run(source: #"probe o = sys_openat "open %s", arg2@user"#, origin: "t.trc")
            interpreter.graph.setVariable("name", payload)
            benignInterpreter.graph.setVariable("name", "cat")
            let outcome = interpreter.run(source: script, origin: "t.trc", firstLine: 2)
            _ = benignInterpreter.run(source: script, origin: "t.trc", firstLine: 2)
            if outcome != .success {
                #expect(output.diagnostics.last?.hasPrefix("t.trc:2:") == true, "\(script) with \(Self.show(payload)): \(output.diagnostics)")
                continue
            }
            let result = Self.program(compiling: interpreter)
            let benign = Self.program(compiling: benignInterpreter)
            Self.expectDataOrLocatedError(result, benign: benign, payload, what: "variable in '\(script)'")
            // One filter or aggregation, not more: the value did not become a second command or term.
            #expect(interpreter.graph.filters.count == benignInterpreter.graph.filters.count)
            #expect(interpreter.graph.aggregations.count == benignInterpreter.graph.aggregations.count)
        }
    }

    // MARK: - The agent's request fields

    @Test(arguments: payloadArguments) func agentFieldsAreRefusedOrData(argument: Payload) throws {
        let payload = argument.text
        func plan(name: String, type: String?, target: String, process: String?) -> Result<CompiledProgram, Diagnostic> {
            let program = AgentProgram(name: name, type: type, target: target, duration: 1, filters: AgentFilters(process: process, pid: 1, uid: 0), description: payload)
            let plan: AgentProgramPlan
            do { plan = try AgentProgramPlan(program) } catch { return .failure(Diagnostic(error.description, at: .start)) }
            return Self.program { interpreter in
                try Self.probe(interpreter, plan.probeName, plan.spec)
                if let condition = plan.filter { try Self.filter(interpreter, plan.probeName, condition) }
            }
        }
        let benign = plan(name: "n", type: "kprobe", target: "sys_openat", process: "nginx")
        Self.expectDataOrLocatedError(plan(name: "n" + payload, type: "kprobe", target: "sys_openat", process: "nginx"), benign: benign, payload, what: "the agent's name")
        Self.expectDataOrLocatedError(plan(name: "n", type: "kprobe", target: "sys_openat", process: payload),
                                      benign: plan(name: "n", type: "kprobe", target: "sys_openat", process: Self.filler(payload)), payload, what: "the agent's process filter")
        for type in ["kprobe", "kretprobe", "tracepoint", "uprobe", "uretprobe", payload] {
            let result = plan(name: "n", type: type, target: "sys_openat" + payload, process: "nginx")
            if case .success(let program) = result {
                let skeleton = ProgramShape.skeleton(program.source)
                #expect(ProgramShape.unsafeCalls(skeleton).isEmpty && ProgramShape.balanced(skeleton), "the agent's target with type \(type)")
                #expect(ProgramShape.probeBlocks(skeleton) == 3, "BEGIN, one probe, END")
            }
        }
    }

    // MARK: - `events where` and recording files

    /// `events where` runs in tracesh over the events kept: its strings are compared as data,
    /// and broken syntax is a located error.
    @Test func eventsWhereIsEvaluatedAsDataOrRefusedWithThePlace() throws {
        let folder = try TemporaryFolder()
        let recording = folder.path + "/run.rec"
        try PrivateModeTests.record(to: recording)
        for payload in Self.payloads where !payload.contains("\n") && !payload.contains("\r") && !payload.contains("\0") {
            let escaped = payload.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            for condition in ["comm == \"" + escaped + "\"", "message =~ \"" + escaped.prefix(200) + "\"", "comm == \"x\" " + payload.prefix(200)] {
                let (interpreter, output) = Self.interpreter()
                let outcome = interpreter.run(source: "replay \(recording)\nevents where \(condition)", origin: "t.trc")
                if outcome == .success {
                    #expect(!output.text.contains("/etc/secret"), "\(condition.prefix(80)) matched the event")
                } else {
                    #expect(output.diagnostics.last?.hasPrefix("t.trc:2:") == true, "\(condition.prefix(80)): \(output.diagnostics)")
                }
            }
        }
    }

    /// A recording is data: a hostile program or filter in its header is never run or compiled;
    /// replaying it neither adds probes nor changes what `show bpftrace` prints.
    @Test func aRecordingsHeaderIsNeverRun() throws {
        let folder = try TemporaryFolder()
        let clean = folder.path + "/clean.rec", hostile = folder.path + "/hostile.rec"
        try PrivateModeTests.record(to: clean)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: clean)))
        let newline = try #require(bytes.firstIndex(of: 0x0a))
        let headerEnd = try #require(bytes[(newline + 1)...].firstIndex(of: 0x0a))
        var header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[(newline + 1)..<headerEnd])) as? [String: Any])
        header["program"] = #"BEGIN { system("touch \#(folder.path)/ran"); }"#
        header["user_filters"] = [["probe_index": 0, "condition": #"comm == "x" } BEGIN { system("id") } {"#]]
        let hostileHeader = try JSONSerialization.data(withJSONObject: header)
        bytes.replaceSubrange((newline + 1)..<headerEnd, with: Array(hostileHeader))
        try Data(bytes).write(to: URL(fileURLWithPath: hostile))

        let (interpreter, output) = Self.interpreter()
        _ = interpreter.run(source: "replay \(hostile)\nevents", origin: "t.trc")
        #expect(interpreter.graph.probes.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/ran"))
        // The filter that does not parse keeps no event rather than every event.
        #expect(!output.text.contains("/etc/secret"), "\(output.text)")
    }
}

/// Reads bpftrace source the way bpftrace's lexer does for what matters here: string literals
/// (with backslash escapes) and `//` comments.
enum ProgramShape {
    /// The source with each string literal emptied (`""`) and each `//` comment removed.
    static func skeleton(_ source: String) -> String {
        var out: [UInt8] = []
        let bytes = Array(source.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                while index < bytes.count, bytes[index] != 0x0a { index += 1 }
                continue
            }
            if byte == UInt8(ascii: "\"") {
                index += 1
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
                }
                index += 1
                out += Array("\"\"".utf8)
                continue
            }
            out.append(byte)
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Every string literal of the source, quotes included.
    static func literals(_ source: String) -> [String] {
        var result: [String] = []
        let bytes = Array(source.utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                while index < bytes.count, bytes[index] != 0x0a { index += 1 }
                continue
            }
            if bytes[index] == UInt8(ascii: "\"") {
                let start = index
                index += 1
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") { index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1 }
                index += 1
                result.append(String(decoding: bytes[start..<min(index, bytes.count)], as: UTF8.self))
                continue
            }
            index += 1
        }
        return result
    }

    /// The bytes a bpftrace string literal stands for (`\"`, `\\`, `\n`, `\t`, `\NNN` octal, `\xNN`).
    static func decodeLiteral(_ literal: String) -> [UInt8] {
        var bytes = Array(literal.utf8)
        guard bytes.count >= 2 else { return [] }
        bytes = Array(bytes[1..<(bytes.count - 1)])
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count else {
                out.append(bytes[index])
                index += 1
                continue
            }
            let next = bytes[index + 1]
            switch next {
            case UInt8(ascii: "n"): out.append(0x0a); index += 2
            case UInt8(ascii: "t"): out.append(0x09); index += 2
            case UInt8(ascii: "x"):
                let digits = bytes[(index + 2)..<min(index + 4, bytes.count)]
                out.append(UInt8(String(decoding: digits, as: UTF8.self), radix: 16) ?? 0)
                index += 2 + digits.count
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var end = index + 1
                while end < min(index + 4, bytes.count), (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(bytes[end]) { end += 1 }
                out.append(UInt8(truncatingIfNeeded: Int(String(decoding: bytes[(index + 1)..<end], as: UTF8.self), radix: 8) ?? 0))
                index = end
            default: out.append(next); index += 2
            }
        }
        return out
    }

    /// Calls of bpftrace's unsafe or file-reading functions in `skeleton` (literals emptied).
    static func unsafeCalls(_ skeleton: String) -> [String] {
        let names = ["system", "cat", "signal", "override", "strncmp_unsafe"]
        return names.filter { name in
            skeleton.range(of: #"\b\#(name)\s*\("#, options: .regularExpression) != nil
        }
    }

    /// Whether every `{`, `(` and `[` closes, in order.
    static func balanced(_ skeleton: String) -> Bool {
        var stack: [Character] = []
        let pairs: [Character: Character] = ["}": "{", ")": "(", "]": "["]
        for character in skeleton {
            if "{([".contains(character) { stack.append(character) }
            if let open = pairs[character] {
                guard stack.popLast() == open else { return false }
            }
        }
        return stack.isEmpty
    }

    /// Top-level `{ ... }` blocks.
    static func probeBlocks(_ skeleton: String) -> Int {
        var depth = 0, blocks = 0
        for character in skeleton {
            if character == "{" { if depth == 0 { blocks += 1 }; depth += 1 }
            if character == "}" { depth -= 1 }
        }
        return blocks
    }
}
