import Foundation
import Testing
@testable import TraceshKit
@testable import TraceshKernel

/// tracesh's own ELF symbol reader, /proc/PID/maps parsing and frame naming, against the
/// compiled static stack helper.
struct StackNamingTests {
    @Test func theSymbolReaderNamesTheHelpersFunctions() throws {
        let file = try ELFFile(path: StackHelper.path)
        #expect(file.fileType == 2, "a static, non-PIE executable")
        for name in ["main", "outer", "inner"] {
            let address = try #require(StackHelper.symbols[name], "nm lists \(name)")
            #expect(file.symbol(at: address)?.name == name)
            #expect(file.symbol(at: address + 5)?.name == name && file.symbol(at: address + 5)?.offset == 5)
        }
        // glibc's wrapper has four names at one address; the reader picks the one people know.
        let openat = try #require(StackHelper.symbols["openat"])
        #expect(StackHelper.symbols["__libc_openat64"] == openat)
        #expect(file.symbol(at: openat + 0x3f)?.name == "openat")
        #expect(file.symbol(at: 0x10) == nil, "below every symbol")
    }

    @Test func mapsLinesParse() {
        let text = """
            00400000-00401000 r--p 00000000 fe:01 1234                               /tmp/x/stack_helper
            00401000-00498000 r-xp 00001000 fe:01 1234                               /tmp/x/stack_helper
            7ffd4a5e1000-7ffd4a602000 rw-p 00000000 00:00 0                          [stack]
            7f00aa000000-7f00aa001000 rw-p 00000000 00:00 0
            7f00ab000000-7f00ab010000 r-xp 00002000 fe:01 99                         /usr/lib/lib with space.so (deleted)
            garbage line
            """
        let maps = ProcessMaps.parse(text)
        #expect(maps.count == 5)
        #expect(maps[1] == ProcessMapping(start: 0x401000, end: 0x498000, offset: 0x1000, path: "/tmp/x/stack_helper", executable: true))
        #expect(maps[2].path == "[stack]" && !maps[2].executable)
        #expect(maps[3].path == "" && maps[3].module == "[anon]")
        #expect(maps[4].path == "/usr/lib/lib with space.so (deleted)" && maps[4].offset == 0x2000)
    }

    @Test func theMapsOfThisProcessAreRead() throws {
        let maps = try #require(ProcessMaps.read(pid: Int64(getpid())))
        #expect(maps.contains { $0.executable && $0.path.hasPrefix("/") })
        #expect(ProcessMaps.read(pid: 0x7fff_fff0) == nil)
    }

    /// A process that has exited is named from the maps taken while it lived (here given as a
    /// replay would be), frames after the first looked up at the call (address - 1).
    @Test func framesAreNamedFromRecordedMaps() throws {
        let main = try #require(StackHelper.symbols["main"]), outer = try #require(StackHelper.symbols["outer"])
        let openat = try #require(StackHelper.symbols["openat"])
        let maps = [ProcessMapping(start: 0x400000, end: 0x401000, offset: 0, path: StackHelper.path, executable: false),
                    ProcessMapping(start: 0x401000, end: 0x498000, offset: 0x1000, path: StackHelper.path, executable: true),
                    ProcessMapping(start: 0x7f0000000000, end: 0x7f0000001000, offset: 0x3000, path: "/nonexistent/libgone.so", executable: true)]
        let namer = StackNamer(snapshot: .init(maps: ["4242": maps], names: [:], executable: nil))
        // Leaf first, as bpftrace prints: openat+0x3f, a return into outer, into main, a
        // library that cannot be read, an address outside every mapping.
        let text = Array("\n\t\(String(openat + 0x3f, radix: 16)) 0x1 ([unknown])\n\t\(String(outer + 0x28, radix: 16)) x\n\t\(String(main + 0x2e, radix: 16)) x\n\t7f0000000010 x\n\t1234 x\n".utf8)
        #expect(namer.name(stack: text, user: true, pid: 4242) == ["0x1233", "libgone.so+0x300f", "main", "outer", "openat"])
        // Another pid has no maps and no executable to fall back on: bare addresses, none dropped.
        #expect(namer.name(stack: Array("\(String(main, radix: 16)) \(String(outer, radix: 16))".utf8), user: true, pid: 1).count == 2)
        // The snapshot survives JSON (a recording's trailer).
        let again = try #require(StackNamer.from(json: namer.snapshotJSON))
        #expect(again.name(stack: text, user: true, pid: 4242) == ["0x1233", "libgone.so+0x300f", "main", "outer", "openat"])
    }

    /// The caller frame-pointer unwinding skips (the wrapper keeps no frame pointer) is put
    /// back after the leaf, unless the chain has it already.
    @Test func theSkippedCallerIsPutBack() throws {
        let main = try #require(StackHelper.symbols["main"]), outer = try #require(StackHelper.symbols["outer"])
        let inner = try #require(StackHelper.symbols["inner"]), openat = try #require(StackHelper.symbols["openat"])
        let namer = StackNamer(live: false, executable: StackHelper.path)
        let stack = Array([openat + 0x3f, outer + 0x28, main + 0x2e].map { String($0, radix: 16) }.joined(separator: " ").utf8)
        #expect(namer.name(stack: stack, user: true, pid: 9, caller: inner + 0x27) == ["main", "outer", "inner", "openat"])
        #expect(namer.name(stack: stack, user: true, pid: 9, caller: outer + 0x28) == ["main", "outer", "openat"])
        #expect(namer.name(stack: stack, user: true, pid: 9) == ["main", "outer", "openat"])
    }

    /// A fixed-address executable (`run -- CMD`) names a process whose maps were never read.
    @Test func theCommandsExecutableNamesAProcessThatExitedUnseen() throws {
        let inner = try #require(StackHelper.symbols["inner"])
        let namer = StackNamer(live: false, executable: StackHelper.path)
        #expect(namer.name(stack: Array(String(inner + 4, radix: 16).utf8), user: true, pid: 77) == ["inner"])
    }

    /// A process gone before its maps were read is named from what the kernel reported when it
    /// mapped code (`N` and `L` records): the executable and loader at the exec, libc at its
    /// `mmap`, each file found by its name and inode.
    @Test func aGoneProcessIsNamedFromTheMappingsTheKernelReported() throws {
        let cat = "/usr/bin/cat", libcPath = "/usr/lib/x86_64-linux-gnu/libc.so.6"
        let catFile = try ELFFile(path: cat), libc = try ELFFile(path: libcPath)
        let loaderPath = try #require(catFile.interpreter, "cat is dynamically linked")
        let loader = try ELFFile(path: loaderPath)
        let pid: Int64 = 0x7fff_fff0
        #expect(ProcessMaps.read(pid: pid) == nil, "no such process")
        let namer = StackNamer(live: true)
        let catCode = try #require(catFile.segments.filter(\.executable).min { $0.address < $1.address })
        let catBias: UInt64 = 0x5555_0000_0000, loaderBase: UInt64 = 0x7f00_0000_0000, libcStart: UInt64 = 0x7f10_0000_0000
        namer.learn(KernelMapping(pid: pid, inode: try #require(MappedFileLocator.inode(of: cat)), name: "cat",
                                  image: .exec(codeStart: catBias + catCode.address, interpreterBase: loaderBase)))
        let libcCode = try #require(libc.segments.first { $0.executable })
        let pageOffset = libcCode.offset & ~0xfff
        namer.learn(KernelMapping(pid: pid, inode: try #require(MappedFileLocator.inode(of: libcPath)), name: "libc.so.6",
                                  image: .file(start: libcStart, length: libcCode.fileSize + libcCode.offset - pageOffset, offset: pageOffset)))
        // getpid in libc, a place in cat's code, a symbol of the loader's.
        let getpid = try #require(libc.symbols.first { $0.name == "getpid" }).address
        let inLibc = libcStart + (getpid - libcCode.address + libcCode.offset - pageOffset)
        let loaderCode = loader.segments.filter(\.executable)
        let loaderSymbol = try #require(loader.symbols.first { symbol in
            symbol.size > 8 && loaderCode.contains { $0.address <= symbol.address && symbol.address < $0.address + $0.memorySize }
        })
        let text = [inLibc, catBias + catCode.address + 0x11, loaderBase + loaderSymbol.address + 5].map { String($0, radix: 16) }.joined(separator: " ")
        let names = namer.name(stack: Array(text.utf8), user: true, pid: pid)
        #expect(names.count == 3)
        #expect(names.last == libc.symbol(at: getpid)?.name)
        #expect(names[1].hasPrefix("cat") && !names[1].hasPrefix("0x"), "\(names)")
        #expect(names[0] == loader.symbol(at: loaderSymbol.address + 4)?.name, "\(names)")
        // A file that cannot be found by that inode keeps its name: `name+0xOFFSET`, not a bare address.
        namer.learn(KernelMapping(pid: pid, inode: 1, name: "libgone.so", image: .file(start: 0x7f20_0000_0000, length: 0x1000, offset: 0x3000)))
        #expect(namer.name(stack: Array("7f2000000010".utf8), user: true, pid: pid) == ["libgone.so+0x3010"])
    }

    @Test func kernelSymbolsParse() {
        let symbols = KernelSymbols(text: """
            ffffffff81000000 T _stext
            ffffffff81417bf0 T __pfx_syscall_trace_enter
            ffffffff81417c00 T syscall_trace_enter
            ffffffff81418000 D some_data
            ffffffff821ef600 t do_syscall_64\t[kvm]
            """)
        #expect(symbols.symbol(at: 0xffffffff81417d70)?.name == "syscall_trace_enter")
        #expect(symbols.symbol(at: 0xffffffff81417bf8)?.name == "_stext", "__pfx_ padding is not a function")
        #expect(symbols.symbol(at: 0xffffffff821ef81a)?.name == "do_syscall_64")
        #expect(symbols.symbol(at: 0x1000) == nil)
    }
}
