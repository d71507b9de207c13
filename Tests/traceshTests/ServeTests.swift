import Foundation
import Testing

/// `tracesh serve examples/serve-opens.trc` scraped by a real Prometheus (Debian's package,
/// started here on a free loopback port with a 1 s scrape interval and a temporary data
/// directory): a helper opens a file N times and Prometheus's API answers exactly N; a latency
/// quantile lands in the bucket the counts put it in; bpftrace killed with SIGKILL is started
/// again and no counter goes down.
@Suite(.serialized) struct ServeTests {
    static let prometheus = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"].first(where: FileManager.default.isExecutableFile)

    /// A loopback port nobody listens on now (the kernel picks it).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// `curl`: the body and status of a GET (a POST with `form`, URL-encoded; `method` another).
    static func get(_ url: String, method: String? = nil, form: [String: String]? = nil) -> (status: Int, body: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "5", url]
        if let method { arguments += ["-X", method] }
        for (name, value) in form ?? [:] { arguments += ["--data-urlencode", "\(name)=\(value)"] }
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return (0, "") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var text = String(decoding: data, as: UTF8.self)
        let status = Int(text.split(separator: "\n").last ?? "") ?? 0
        if let newline = text.lastIndex(of: "\n") { text = String(text[..<newline]) }
        return (status, text)
    }

    /// Polls `probe` every 200 ms until it returns a value or `timeout` seconds pass.
    static func poll<T>(timeout: Double = 60, _ probe: () -> T?) -> T? {
        let end = Date().addingTimeInterval(timeout)
        repeat {
            if let value = probe() { return value }
            usleep(200_000)
        } while Date() < end
        return nil
    }

    /// One instant query to Prometheus: the value of each resulting series, by its labels.
    static func query(_ base: String, _ promql: String) -> [[String: String]: Double]? {
        let answer = get(base + "/api/v1/query", form: ["query": promql])
        guard answer.status == 200,
              let object = try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any],
              let data = object["data"] as? [String: Any], let results = data["result"] as? [[String: Any]] else { return nil }
        var values: [[String: String]: Double] = [:]
        for result in results {
            guard let metric = result["metric"] as? [String: String], let pair = result["value"] as? [Any], pair.count == 2,
                  let text = pair[1] as? String, let value = Double(text) else { continue }
            values[metric] = value
        }
        return values
    }

    /// The samples of an exposition text: `name{labels}` -> value.
    static func samples(_ text: String) -> [String: Double] {
        var result: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            result[String(line[..<space])] = value
        }
        return result
    }

    /// The helper, built static (no loader opening libraries under its name) and named
    /// uniquely, so that its comm's series holds its own opens only.
    static func helper(in directory: TemporaryDirectory) throws -> (path: String, comm: String) {
        let comm = "srv" + String(UUID().uuidString.prefix(8)).lowercased()
        let path = directory.path(comm)
        let source = Tracesh.packageRoot.appendingPathComponent("Tests/TraceshKitTests/Fixtures/traced_helper.c").path
        let compiler = Process()
        compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        compiler.arguments = ["cc", "-static", "-O1", "-o", path, source]
        try compiler.run()
        compiler.waitUntilExit()
        guard compiler.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        return (path, comm)
    }

    static func runHelper(_ path: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The pid of tracesh's bpftrace child, if it has one.
    static func bpftraceChild(of parent: Int32) -> Int32? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for entry in entries {
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { continue }
            let comm = stat[stat.index(after: open)..<close]
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            if comm == "bpftrace", fields.count > 1, Int32(fields[1]) == parent { return pid }
        }
        return nil
    }

    /// `set max-series 1`: the first command's series stays itself, a later command's opens are
    /// folded into `comm="other"` and counted as a dropped series. And the listener answers GET
    /// /metrics and GET / only.
    @Test(.live) func seriesBeyondMaxSeriesFoldIntoOther() throws {
        let directory = try TemporaryDirectory()
        let first = try Self.helper(in: directory), second = try Self.helper(in: directory)
        let target = directory.path("target")
        #expect(FileManager.default.createFile(atPath: target, contents: Data()))
        let port = Self.freePort()
        // Only the helpers' opens are counted, so which label set comes first is known.
        let serve = try RunningTracesh(["serve", "-e", "set scrape-interval 1s", "-e", "set max-series 1",
                                        "-e", "filter opens: comm == \"\(first.comm)\" || comm == \"\(second.comm)\"",
                                        Tracesh.packageRoot.appendingPathComponent("examples/serve-opens.trc").path,
                                        "--listen", "127.0.0.1:\(port)"])
        defer {
            if serve.process.isRunning { kill(serve.pid, SIGTERM) }
            _ = serve.finish()
        }
        let url = "http://127.0.0.1:\(port)/metrics"
        let up = Self.poll { Self.samples(Self.get(url).body)["tracesh_up"] == 1 ? true : nil }
        #expect(up == true, "tracesh serve did not come up: \(serve.stderr)")
        guard up == true else { return }
        #expect(try Self.runHelper(first.path, ["open", target, "4"]) == 0)
        let own = Self.poll { Self.samples(Self.get(url).body)["tracesh_opens_count_total{comm=\"\(first.comm)\"}"] == 4 ? true : nil }
        #expect(own == true)
        #expect(try Self.runHelper(second.path, ["open", target, "6"]) == 0)
        let folded = Self.poll { () -> [String: Double]? in
            let samples = Self.samples(Self.get(url).body)
            return samples["tracesh_opens_count_total{comm=\"other\"}"] == 6 ? samples : nil
        }
        let samples = try #require(folded, "no 'other' series: \(Self.get(url).body)")
        #expect(samples["tracesh_opens_count_total{comm=\"\(second.comm)\"}"] == nil)
        #expect(samples.keys.filter { $0.hasPrefix("tracesh_opens_count_total{") }.count == 2)
        #expect(samples["tracesh_dropped_series_total{metric=\"tracesh_opens_count_total\"}"] == 1)

        // The listener is read-only: GET /metrics and GET /, nothing else.
        let base = "http://127.0.0.1:\(port)"
        let index = Self.get(base + "/")
        #expect(index.status == 200)
        #expect(index.body.contains(#"<a href="/metrics">"#))
        for method in ["POST", "PUT", "DELETE", "PATCH"] {
            let refused = Self.get(base + "/metrics", method: method)
            #expect(refused.status == 405, "\(method)")
            #expect(!refused.body.contains("tracesh_up"))
        }
        for path in ["/metricsx", "/api", "/run", "/../etc/passwd", "/metrics.txt"] {
            #expect(Self.get(base + path).status == 404, "\(path)")
        }
        #expect(serve.process.isRunning)
    }

    @Test(.live, .enabled(if: prometheus != nil, "needs prometheus (scripts/setup installs it)"))
    func prometheusScrapesExactCountsAHistogramAndSurvivesABpftraceKill() throws {
        let directory = try TemporaryDirectory()
        let (helper, comm) = try Self.helper(in: directory)
        let target = directory.path("target")
        #expect(FileManager.default.createFile(atPath: target, contents: Data()))

        let servePort = Self.freePort()
        let serve = try RunningTracesh(["serve", "-e", "set scrape-interval 1s",
                                        Tracesh.packageRoot.appendingPathComponent("examples/serve-opens.trc").path,
                                        "--listen", "127.0.0.1:\(servePort)"])
        defer {
            if serve.process.isRunning { kill(serve.pid, SIGTERM) }
            _ = serve.finish()
        }
        let metricsURL = "http://127.0.0.1:\(servePort)/metrics"
        // Tracing has begun once bpftrace is up and the first interval was read.
        let up = Self.poll { Self.samples(Self.get(metricsURL).body)["tracesh_up"] == 1 ? true : nil }
        #expect(up == true, "tracesh serve did not come up: \(serve.stderr)")
        guard up == true else { return }

        let promPort = Self.freePort()
        let config = directory.path("prometheus.yml")
        try """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: tracesh
                static_configs:
                  - targets: ['127.0.0.1:\(servePort)']

            """.write(toFile: config, atomically: false, encoding: .utf8)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: Self.prometheus!)
        server.arguments = ["--config.file=\(config)", "--storage.tsdb.path=\(directory.path("data"))",
                            "--web.listen-address=127.0.0.1:\(promPort)", "--log.level=warn"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        let api = "http://127.0.0.1:\(promPort)"

        // N opens: Prometheus answers exactly N for the helper's series.
        let n = 37
        #expect(try Self.runHelper(helper, ["open", target, String(n)]) == 0)
        let series = "tracesh_opens_count_total{comm=\"\(comm)\"}"
        let seen = Self.poll { Self.query(api, series).flatMap { $0.values.first == Double(n) ? true : nil } }
        #expect(seen == true, "Prometheus has \(String(describing: Self.query(api, series))) for \(series)")

        // The latency histogram of the helper's opens: every one of them returned, and the
        // median Prometheus computes lies in the bucket where the counts put the median.
        let histogram = Self.poll { () -> [String: Double]? in
            let samples = Self.samples(Self.get(metricsURL).body)
            return samples["tracesh_done_hist_latency_count{comm=\"\(comm)\"}"] == Double(n) ? samples : nil
        }
        #expect(histogram != nil)
        if let histogram {
            let prefix = "tracesh_done_hist_latency_bucket{comm=\"\(comm)\",le=\""
            let bounds = histogram.compactMap { key, value -> (Double, Double)? in
                guard key.hasPrefix(prefix) else { return nil }
                let le = key.dropFirst(prefix.count).dropLast(2)
                return (le == "+Inf" ? .infinity : Double(le) ?? .nan, value)
            }.sorted { $0.0 < $1.0 }
            // The first bound whose cumulative count reaches half, and the one before it.
            let rank = Double(n) / 2
            let index = try #require(bounds.firstIndex { $0.1 >= rank })
            let upper = bounds[index].0, lower = index > 0 ? bounds[index - 1].0 : 0
            let quantile = Self.poll { () -> Double? in
                let promql = "histogram_quantile(0.5, tracesh_done_hist_latency_bucket{comm=\"\(comm)\"})"
                return Self.query(api, promql)?.values.first.flatMap { $0.isNaN ? nil : $0 }
            }
            let median = try #require(quantile)
            #expect(median >= lower && median <= upper, "median \(median) outside (\(lower), \(upper)]")
            // An open of a small file takes from about 100 ns to a few ms here.
            #expect(median > 100 && median < 10_000_000)
        }

        // Kill bpftrace: tracesh starts it again, the counters carry on from their totals.
        let before = Self.samples(Self.get(metricsURL).body).filter { $0.key.contains("_total") }
        let child = try #require(Self.bpftraceChild(of: serve.pid))
        #expect(kill(child, SIGKILL) == 0)
        let restarted = Self.poll {
            let samples = Self.samples(Self.get(metricsURL).body)
            return (samples["tracesh_bpftrace_restarts_total"] ?? 0) >= 1 && samples["tracesh_up"] == 1 ? samples : nil
        }
        #expect(restarted?["tracesh_bpftrace_restarts_total"] == 1, "not restarted once: \(serve.stderr)")
        let m = 5
        #expect(try Self.runHelper(helper, ["open", target, String(m)]) == 0)
        let carried = Self.poll { Self.query(api, series).flatMap { $0.values.first == Double(n + m) ? true : nil } }
        #expect(carried == true, "after the restart Prometheus has \(String(describing: Self.query(api, series)))")
        let after = Self.samples(Self.get(metricsURL).body)
        for (key, value) in before {
            #expect((after[key] ?? 0) >= value, "\(key) went down from \(value) to \(String(describing: after[key]))")
        }
        #expect(after["tracesh_bpftrace_restarts_total"] == 1)
        // Prometheus saw no counter reset on any series (`resets` drops the name: one query per counter).
        let counters = Set(before.keys.map { String($0.prefix { $0 != "{" }) })
        #expect(counters.contains("tracesh_opens_count_total"))
        for counter in counters {
            let resets = Self.query(api, "sum(resets(\(counter)[5m]))")
            #expect(resets?.values.first == 0, "\(counter): \(String(describing: resets))")
        }

        // SIGTERM: tracesh stops cleanly, and its bpftrace is gone.
        let bpftrace = Self.bpftraceChild(of: serve.pid)
        #expect(kill(serve.pid, SIGTERM) == 0)
        let ending = serve.finish()
        #expect(ending.status == 128 + SIGTERM)
        if let bpftrace { #expect(kill(bpftrace, 0) != 0) }
    }
}
