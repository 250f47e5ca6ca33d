import CLinuxSystem
import Foundation

/// How many CPUs this process can keep busy: the default number of event loops.
///
/// The online CPUs, lowered by the process's affinity mask (`taskset`, a cpuset) and by the
/// lowest cgroup CPU quota (v2, else v1) on its way to the root (a container's CPU limit, rounded
/// up); at least one. nginx's `worker_processes auto` counts the affinity mask, Go (since 1.25) the quota
/// too. Counting only the online CPUs (`ProcessInfo.activeProcessorCount`, the first edition's
/// default) started two loops under `taskset -c 0` on a 2-core machine, and a container limited
/// to one CPU on a 64-core host would run 64 loops in a 1-CPU budget: the kernel throttles the
/// whole group when the quota runs out, so every extra loop adds waiting, not throughput.
public enum AvailableCPUs {
    /// Counted once, when first asked.
    public static let count: Int = count(
        online: ProcessInfo.processInfo.activeProcessorCount,
        affinity: Int(cls_affinity_cpu_count()),
        quota: cgroupQuota()
    )

    /// The smallest of the three, at least 1; an affinity count of 0 or less (the call failed)
    /// or no quota is no limit.
    static func count(online: Int, affinity: Int, quota: Double?) -> Int {
        var count = max(online, 1)
        if affinity > 0 { count = min(count, affinity) }
        if let quota { count = min(count, max(1, Int(quota.rounded(.up)))) }
        return count
    }

    /// The lowest CPU quota (in CPUs) of the process's cgroup and its ancestors, read under
    /// `root` (tests give a directory of their own): cgroup v2's `cpu.max`, else v1's
    /// `cpu.cfs_quota_us` and `cpu.cfs_period_us`; nil when there is none.
    ///
    /// Ancestors count because a limit anywhere above caps the process too; and inside a
    /// container whose `/proc/self/cgroup` names the host's path, the walk up reaches the
    /// container's own group at the mount's root.
    static func cgroupQuota(root: String = "") -> Double? {
        guard let membership = try? String(contentsOfFile: root + "/proc/self/cgroup", encoding: .utf8) else { return nil }
        for line in membership.split(separator: "\n") {
            // "hierarchy-ID:controllers:path"; v2's line is "0::path".
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[2].hasPrefix("/") else { continue }
            let path = String(fields[2])
            if fields[0] == "0", fields[1].isEmpty {
                if let quota = lowestQuota(under: root + "/sys/fs/cgroup", path: path, read: { directory in
                    (try? String(contentsOfFile: directory + "/cpu.max", encoding: .utf8)).flatMap(quota(cpuMax:))
                }) { return quota }
            } else if fields[1].split(separator: ",").contains("cpu") {
                for mount in ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"] {
                    if let quota = lowestQuota(under: root + mount, path: path, read: { directory in
                        guard let quota = try? String(contentsOfFile: directory + "/cpu.cfs_quota_us", encoding: .utf8),
                              let period = try? String(contentsOfFile: directory + "/cpu.cfs_period_us", encoding: .utf8)
                        else { return nil }
                        return Self.quota(cpuMax: quota + " " + period)
                    }) { return quota }
                }
            }
        }
        return nil
    }

    /// The lowest quota `read` finds in `base + path` and each directory above it up to `base`.
    static func lowestQuota(under base: String, path: String, read: (String) -> Double?) -> Double? {
        var path = path
        var lowest: Double?
        while true {
            if let quota = read(base + (path == "/" ? "" : path)) { lowest = min(lowest ?? quota, quota) }
            guard path != "/", let slash = path.lastIndex(of: "/") else { return lowest }
            path = slash == path.startIndex ? "/" : String(path[..<slash])
        }
    }

    /// A quota and a period in CPUs: `"150000 100000"` is 1.5; `"max 100000"` (v2's "none"),
    /// `"-1 100000"` (v1's), a malformed line or a zero period is nil.
    static func quota(cpuMax: String) -> Double? {
        let fields = cpuMax.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let quota = Double(fields[0]), let period = Double(fields[1]),
              quota > 0, period > 0
        else { return nil }
        return quota / period
    }
}
