import Testing
@testable import TraceshKit

@Suite struct SpecParserTests {
    func parse(_ text: String) throws -> TraceSpec { try SpecParser.parse(LocatedText(text)) }

    @Test func shortFormsMeanWhatTracePyMeans() throws {
        #expect(try parse("sys_read") == TraceSpec(type: .entry, target: "sys_read"))
        #expect(try parse("::sys_read") == TraceSpec(type: .entry, target: "sys_read"))
        #expect(try parse("p::sys_read") == TraceSpec(type: .entry, target: "sys_read"))
        #expect(try parse("r::sys_openat") == TraceSpec(type: .return, target: "sys_openat"))
        #expect(try parse("c:malloc") == TraceSpec(type: .entry, library: "c", target: "malloc"))
        #expect(try parse(":c:malloc") == TraceSpec(type: .entry, library: "c", target: "malloc"))
        #expect(try parse("bash:readline") == TraceSpec(type: .entry, library: "bash", target: "readline"))
        #expect(try parse("r:c:malloc") == TraceSpec(type: .return, library: "c", target: "malloc"))
        #expect(try parse("t:sched:sched_process_exec") == TraceSpec(type: .tracepoint, target: "sched:sched_process_exec"))
        #expect(try parse("u:/lib/x86_64-linux-gnu/libc.so.6:malloc") == TraceSpec(type: .user, library: "/lib/x86_64-linux-gnu/libc.so.6", target: "malloc"))
    }

    @Test func predicateFormatAndArguments() throws {
        let spec = try parse(#"sys_read (arg3 > 1024 && $tgid != 1) "read %d bytes from %d\n", arg3, arg1"#)
        #expect(spec.predicate?.description == "arg3 > 1024 && $tgid != 1")
        #expect(spec.format?.text == "read %d bytes from %d\n")
        #expect(spec.format?.conversions == ["%d", "%d"])
        #expect(spec.arguments.map(\.description) == ["arg3", "arg1"])
        let user = try parse(#"p::sys_openat (STRCMP("cat", $comm)) "%s %llu %% done", arg2@user, (unsigned long)arg3"#)
        #expect(user.arguments.map(\.description) == ["arg2@user", "(unsigned long)arg3"])
        #expect(user.format?.segments.last == .literal(Array(" % done".utf8)))
    }

    @Test func builderEqualsTheLanguage() throws {
        let built = try TraceSpec.builder()
            .kprobe("__x64_sys_write")
            .format("write %d bytes to fd %d", "arg3", "arg1")
            .filter("arg1 == 1")
            .duration(.seconds(30))
            .build()
        var parsed = try parse(#"__x64_sys_write (arg1 == 1) "write %d bytes to fd %d", arg3, arg1"#)
        parsed.duration = .seconds(30)
        #expect(built == parsed)
        #expect(built.pid == nil && built.uid == nil, "unset filters mean no filter")
        let filtered = try TraceSpec.builder().kprobe("sys_read").processName("nginx").uid(0).build()
        #expect(filtered.combinedPredicate?.description == #"comm == "nginx" && uid == 0"#)
        #expect(filtered.text == #"p::sys_read (comm == "nginx" && uid == 0)"#)
    }

    @Test func textRoundTrips() throws {
        for text in [#"p::sys_read (arg3 > 1024) "read %d bytes", arg3"#, "t:sched:sched_switch", #"r:c:malloc "got %x", retval"#] {
            let spec = try parse(text)
            #expect(try parse(spec.text) == spec)
        }
    }
}
