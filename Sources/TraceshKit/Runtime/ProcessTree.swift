import Foundation
import TraceshModel
import TraceshFiles

/// The processes below a process, read from /proc (`/proc/PID/task/TID/children`).
enum ProcessTree {
    /// Every live descendant of `pid`, parents before their children. A process that forks while
    /// this reads may be missed; one that left the tree (re-parented to init) is not in it.
    static func descendants(of pid: pid_t) -> [pid_t] {
        var found: [pid_t] = []
        var queue = [pid]
        while !queue.isEmpty {
            let parent = queue.removeFirst()
            for child in children(of: parent) where !found.contains(child) {
                found.append(child)
                queue.append(child)
            }
        }
        return found
    }

    static func children(of pid: pid_t) -> [pid_t] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task -> [pid_t] in
            guard let text = VirtualFile.read("/proc/\(pid)/task/\(task)/children") else { return [] }
            return text.split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }
}
