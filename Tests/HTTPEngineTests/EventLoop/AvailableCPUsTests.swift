import CLinuxSystem
import Foundation
import Testing
@testable import HTTPEngine

@Suite("Available CPUs")
struct AvailableCPUsTests {
    /// A directory standing in for `/`, with `/proc/self/cgroup` and the given files written.
    final class FakeRoot {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cpus-\(UUID().uuidString)").path

        init(cgroup: String, files: [String: String]) throws {
            for (name, text) in files.merging(["/proc/self/cgroup": cgroup], uniquingKeysWith: { $1 }) {
                let file = path + name
                try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try text.write(toFile: file, atomically: true, encoding: .utf8)
            }
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    @Test func theAffinityMaskAndTheQuotaLowerTheOnlineCount() {
        #expect(AvailableCPUs.count(online: 64, affinity: 64, quota: nil) == 64)
        #expect(AvailableCPUs.count(online: 64, affinity: 4, quota: nil) == 4)
        #expect(AvailableCPUs.count(online: 64, affinity: 64, quota: 1.5) == 2)
        #expect(AvailableCPUs.count(online: 64, affinity: 4, quota: 0.1) == 1)
        // A failed affinity call is no limit, and the count is never below one.
        #expect(AvailableCPUs.count(online: 2, affinity: -1, quota: nil) == 2)
        #expect(AvailableCPUs.count(online: 0, affinity: 0, quota: nil) == 1)
    }

    @Test(arguments: [
        ("150000 100000\n", 1.5), ("max 100000\n", nil), ("-1 100000", nil),
        ("100000 0", nil), ("", nil), ("lots 100000", nil), ("1 2 3", nil),
    ] as [(String, Double?)])
    func aQuotaLineIsReadOrIgnored(line: String, expected: Double?) {
        #expect(AvailableCPUs.quota(cpuMax: line) == expected)
    }

    @Test func aVersion2QuotaIsTheLowestOnTheWayToTheRoot() throws {
        let root = try FakeRoot(cgroup: "0::/kubepods/pod1/container\n", files: [
            "/sys/fs/cgroup/kubepods/pod1/container/cpu.max": "max 100000\n",
            "/sys/fs/cgroup/kubepods/pod1/cpu.max": "250000 100000\n",
            "/sys/fs/cgroup/kubepods/cpu.max": "800000 100000\n",
        ])
        #expect(AvailableCPUs.cgroupQuota(root: root.path) == 2.5)
    }

    @Test func aContainersOwnGroupAtTheMountsRootCounts() throws {
        // Without a cgroup namespace the file names the host's path, which the container's
        // mount does not have; its own group is the mount's root.
        let root = try FakeRoot(cgroup: "0::/system.slice/docker-1234.scope\n", files: [
            "/sys/fs/cgroup/cpu.max": "100000 100000\n",
        ])
        #expect(AvailableCPUs.cgroupQuota(root: root.path) == 1)
    }

    @Test func aVersion1QuotaIsReadFromTheCPUController() throws {
        let root = try FakeRoot(cgroup: "5:memory:/\n3:cpu,cpuacct:/docker/abc\n1:name=systemd:/\n", files: [
            "/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "50000\n",
            "/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
            "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us": "-1\n",
            "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000\n",
        ])
        #expect(AvailableCPUs.cgroupQuota(root: root.path) == 0.5)
    }

    @Test func noQuotaAnywhereIsNil() throws {
        let unlimited = try FakeRoot(cgroup: "0::/user.slice\n", files: ["/sys/fs/cgroup/user.slice/cpu.max": "max 100000\n"])
        #expect(AvailableCPUs.cgroupQuota(root: unlimited.path) == nil)
        let withoutFiles = try FakeRoot(cgroup: "0::/\n", files: [:])
        #expect(AvailableCPUs.cgroupQuota(root: withoutFiles.path) == nil)
        #expect(AvailableCPUs.cgroupQuota(root: "/nonexistent-\(UUID().uuidString)") == nil)
    }

    @Test func thisProcessCountsNoMoreThanItsAffinityMaskAllows() {
        let count = AvailableCPUs.count
        #expect(count >= 1 && count <= ProcessInfo.processInfo.activeProcessorCount)
        #expect(count <= Int(cls_affinity_cpu_count()))
    }
}
