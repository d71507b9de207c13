import Foundation
import Testing
@testable import TraceshKit
@testable import TraceshAnalysis
@testable import TraceshKernel

/// bpftrace's multi-line stack keys (as 0.17 prints them, perf mode), parsed, named and merged.
struct StackRowsTests {
    static func aggregation(_ keys: [String], function: AggregationFunction = .count) -> Aggregation {
        Aggregation(probe: "o", function: function, argument: function == .count ? nil : Expression(.identifier("arg3")),
                    keys: keys.map { $0.hasPrefix("ustack") || $0.hasPrefix("kstack") ? Expression(.identifier($0)) : Expression(.identifier($0)) })
    }

    @Test func multiLineKeysBecomeOneLine() {
        let text = Array("""
            @a[h2, \n\t4306ff 0x4306ff ([unknown])\n\t40167c 0x40167c ([unknown])\n]: 5
            @b[\n\t4306ff 0x4306ff ([unknown])\n, h2]: 7
            @c[\n\t4306ff __open+81 (/tmp/stk/h)\n, \n\tffffffff814b2b2d perf_syscall_enter+397\n]: 5
            @h[\n\t4306ff 0x4306ff ([unknown])\n]: \n[4, 8)                 5 |@@@@@|\n\n
            """.utf8)
        #expect(String(decoding: StackRows.collapse(text), as: UTF8.self) == """
            @a[h2, 4306ff 40167c]: 5
            @b[4306ff, h2]: 7
            @c[4306ff, ffffffff814b2b2d]: 5
            @h[4306ff]: \n[4, 8)                 5 |@@@@@|\n\n
            """)
    }

    /// `agg count by comm, ustack`: the kernel keys it by comm, pid, stack; rows of two
    /// processes naming the same frames are merged, their counts added.
    @Test func userStacksAreNamedPerProcessAndMerged() throws {
        let main = try #require(StackHelper.symbols["main"]), outer = try #require(StackHelper.symbols["outer"])
        let maps = [ProcessMapping(start: 0x401000, end: 0x498000, offset: 0x1000, path: StackHelper.path, executable: true)]
        let namer = StackNamer(snapshot: .init(maps: ["10": maps, "11": maps], names: [:], executable: nil))
        let aggregation = Aggregation(probe: "o", function: .count, argument: nil, keys: [Expression(.identifier("comm")), Expression(.identifier("ustack"))])
        let map = CompiledMap(name: "@agg1", aggregation: aggregation, keyKinds: [.string, .integer, .integer, .string])
        let o = String(outer + 3, radix: 16), m = String(main + 9, radix: 16)
        let text = Array("@agg1[h, 10, 0, \n\t\(o) x\n\t\(m) x\n]: 3\n@agg1[h, 11, 0, \n\t\(o) x\n\t\(m) x\n]: 4\n@agg1[h, 11, 0, \n\t\(m) x\n]: 1\n".utf8)
        let parsed = MapParser.parse(text, map: map)
        #expect(parsed.rows.count == 3)
        let named = StackRows.name(parsed, map: map, namer: namer)
        #expect(named.rows == [.init(keys: [.bytes(Array("h".utf8)), .bytes(Array("main;outer".utf8))], value: .scalar(7)),
                               .init(keys: [.bytes(Array("h".utf8)), .bytes(Array("main".utf8))], value: .scalar(1))])
    }

    @Test func histogramsMergeByBucketAndAveragesStaySeparate() {
        let a = AggregationResult.Value.histogram([.init(label: "[4, 8)", low: 4, high: 8, count: 2)])
        let b = AggregationResult.Value.histogram([.init(label: "[1]", low: 1, high: 2, count: 1), .init(label: "[4, 8)", low: 4, high: 8, count: 3)])
        #expect(StackRows.merge(a, b, .hist) == .histogram([.init(label: "[1]", low: 1, high: 2, count: 1), .init(label: "[4, 8)", low: 4, high: 8, count: 5)]))
        #expect(StackRows.merge(.scalar(3), .scalar(9), .max) == .scalar(9))
        #expect(StackRows.merge(.scalar(3), .scalar(9), .avg) == nil)
    }

    @Test func stackKeysAreRecognised() {
        #expect(StackKey(Expression(.identifier("ustack"))) == StackKey(user: true))
        #expect(StackKey(Expression(.call("kstack", [Expression(.integer(5))]))) == StackKey(user: false, depth: 5))
        #expect(StackKey(Expression(.call("ustack", [Expression(.integer(500))])))?.problem != nil)
        #expect(StackKey(Expression(.identifier("comm"))) == nil)
    }
}
