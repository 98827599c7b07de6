#!/usr/bin/env python3
"""Builds the cgroup fixture trees under testdata/hosts/ from REAL kernel output of this machine.

Run as root on a host with cgroup v1 controllers mounted apart (cpu, cpuacct, memory, blkio, pids)
and cgroup2 at /sys/fs/cgroup/unified (the project's Debian 12 build machine):

    sudo testdata/capture/capture_cgroup_fixtures.py

For each pod and container of the table below it creates a real cgroup in every hierarchy (under a
unique prefix), runs a small real workload in the container cgroups (CPU, a held allocation, an
O_DIRECT write), copies the interface files the agent reads, and removes every cgroup again (also
on failure). The copies are then laid out in the kubelet layouts of each scenario (cgroupfs or
systemd driver, co-mounted or split v1 controllers, hybrid); the kernel text is verbatim, only
directory names differ. cgroup v2 scenarios come from ../shared/captures (see their MANIFEST).
"""
import os, shutil, subprocess, sys, time, uuid

ROOT = "/sys/fs/cgroup"
V1 = ["cpu", "cpuacct", "memory", "blkio", "pids"]
FILES = {
    "cpu": ["cpu.stat", "cgroup.procs"],
    "cpuacct": ["cpuacct.usage", "cgroup.procs"],
    "memory": ["memory.usage_in_bytes", "memory.stat", "memory.limit_in_bytes", "memory.oom_control"],
    "blkio": ["blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_service_bytes",
              "blkio.bfq.io_service_bytes_recursive"],
    "unified": ["cpu.pressure", "memory.pressure", "io.pressure", "cgroup.procs"],
}
PREFIX = "kubemonitor-capture-%d" % os.getpid()
# (qos, pod uid, containers, memory limit in bytes or None)
PODS = [
    ("guaranteed", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", 1, 256 << 20),
    ("burstable", "1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d", 2, 512 << 20),
    ("besteffort", "9e8d7c6b-5a49-4837-a261-5f4e3d2c1b0a", 1, None),
]
CONTAINER_IDS = ["%064x" % (0xabc0 + i) for i in range(4)]


def hier_dir(h, rel):
    return os.path.join(ROOT, h, PREFIX, rel)


def make(rel):
    for h in V1 + ["unified"]:
        os.makedirs(hier_dir(h, rel), exist_ok=True)


def workload(rel, index):
    """Runs a real process inside the container cgroup: CPU, an allocation, an O_DIRECT write."""
    name = "/var/tmp/%s-%d" % (PREFIX, index)
    script = ("import mmap,os,sys,time\n"
              "x=0\nfor i in range(300000*%d): x+=i\n"
              "buf=bytearray(%d<<20)\n"
              # page cache charged to this cgroup: a buffered write, synced, then read back
              "open('%s.cache','wb').write(b'c'*(%d<<20)); os.sync(); open('%s.cache','rb').read()\n"
              "m=mmap.mmap(-1,65536); m.write(b'k'*65536)\n"
              "fd=os.open('%s',os.O_WRONLY|os.O_CREAT|os.O_DIRECT,0o600)\n"
              "[os.write(fd,m) for _ in range(%d)]\nos.close(fd)\n"
              "print('ready',flush=True); time.sleep(30)\n") % (
                  index + 1, 8 * (index + 1), name, index + 1, name, name, 16 * (index + 1))
    return subprocess.Popen([sys.executable, "-c", script], preexec_fn=lambda: join(rel), stdout=subprocess.PIPE)


def join(rel):
    for h in V1 + ["unified"]:
        with open(os.path.join(hier_dir(h, rel), "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))


def snapshot(rel):
    out = {}
    for h, names in FILES.items():
        for name in names:
            path = os.path.join(hier_dir(h, rel), name)
            if os.path.exists(path):
                with open(path) as f:
                    out[(h, name)] = f.read()
    return out


def remove_all():
    for h in V1 + ["unified"]:
        top = os.path.join(ROOT, h, PREFIX)
        for dirpath, dirnames, _ in sorted(os.walk(top, topdown=False), key=lambda e: -len(e[0])):
            try:
                os.rmdir(dirpath)
            except OSError:
                pass


def whole_disk(dev):
    """major:minor of the disk holding `dev` (a partition's parent in sysfs)."""
    sysdir = os.path.realpath("/sys/dev/block/%d:%d" % (os.major(dev), os.minor(dev)))
    if os.path.exists(os.path.join(sysdir, "partition")):
        sysdir = os.path.dirname(sysdir)
    return open(os.path.join(sysdir, "dev")).read().strip()


def capture():
    """Returns {logical path: {(hierarchy, file): text}} for qos dirs, pods and containers."""
    disk = os.stat("/").st_dev
    rules = os.path.join(ROOT, "blkio", "blkio.throttle.write_bps_device")
    added_rule = whole_disk(disk) not in open(rules).read()
    with open(rules, "w") as f:
        # blk-throttle counts per-cgroup I/O only once a limit was set for the disk (huge = no limit).
        f.write("%s %d" % (whole_disk(disk), 1 << 50))
    captured, children, index = {}, [], 0
    for qos, uid, count, limit in PODS:
        pod = "pod" + uid
        make(pod)
        if limit:
            with open(os.path.join(hier_dir("memory", pod), "memory.limit_in_bytes"), "w") as f:
                f.write(str(limit))
        for c in range(count):
            rel = os.path.join(pod, CONTAINER_IDS[index])
            make(rel)
            children.append((rel, workload(rel, index)))
            index += 1
    try:
        for _, child in children:
            if child.stdout.readline().strip() != b"ready":
                raise RuntimeError("workload failed")
        for rel, child in children:  # read while the processes are alive (cgroup.procs non-empty)
            captured[rel] = snapshot(rel)
        for qos, uid, _, _ in PODS:
            captured["pod" + uid] = snapshot("pod" + uid)
    finally:
        for _, child in children:
            child.kill()
            child.wait()
        for i in range(len(children)):
            for suffix in ("", ".cache"):
                try:
                    os.unlink("/var/tmp/%s-%d%s" % (PREFIX, i, suffix))
                except FileNotFoundError:
                    pass
    captured["."] = snapshot(".")
    if added_rule:  # leave the host's blk-throttle rules as they were
        with open(rules, "w") as f:
            f.write("%s 0" % whole_disk(disk))
    return captured


def layout(qos, uid, container, driver, runtime):
    """The cgroup path kubelet would use for this pod/container."""
    if driver == "cgroupfs":
        parts = ["kubepods"] + ([] if qos == "guaranteed" else [qos]) + ["pod" + uid]
        if container:
            parts.append({"crio": "crio-" + container}.get(runtime, container))
        return "/".join(parts)
    u = uid.replace("-", "_")
    parts = ["kubepods.slice"]
    if qos != "guaranteed":
        parts.append("kubepods-%s.slice" % qos)
        parts.append("kubepods-%s-pod%s.slice" % (qos, u))
    else:
        parts.append("kubepods-pod%s.slice" % u)
    if container:
        parts.append({"containerd": "cri-containerd-%s.scope", "crio": "crio-%s.scope",
                      "docker": "docker-%s.scope"}[runtime] % container)
    return "/".join(parts)


def write_scenario(name, captured, driver, runtime, comounted, unified, manifest):
    base = os.path.join("testdata/hosts", name)
    if os.path.isdir(os.path.join(base, "sys")):
        shutil.rmtree(os.path.join(base, "sys"))
    dirs = {"cpu": "cpu,cpuacct" if comounted else "cpu", "cpuacct": "cpu,cpuacct" if comounted else "cpuacct",
            "memory": "memory", "blkio": "blkio", "unified": "unified"}
    index = 0
    entries = []
    for qos, uid, count, _ in PODS:
        entries.append((layout(qos, uid, None, driver, runtime), captured["pod" + uid]))
        for _ in range(count):
            cid = CONTAINER_IDS[index]
            entries.append((layout(qos, uid, cid, driver, runtime), captured[os.path.join("pod" + uid, cid)]))
            index += 1
    if runtime == "crio":  # conmon cgroups sit beside the containers and must be skipped
        qos, uid, _, _ = PODS[1]
        pod = layout(qos, uid, None, driver, runtime)
        conmon = "crio-conmon-%s.scope" % CONTAINER_IDS[1] if driver == "systemd" else "crio-conmon-" + CONTAINER_IDS[1]
        entries.append((pod + "/" + conmon, captured["."]))
    for path, files in entries:
        for (h, fname), text in files.items():
            if h == "unified" and not unified:
                continue
            target = os.path.join(base, "sys/fs/cgroup", dirs[h], path)
            os.makedirs(target, exist_ok=True)
            with open(os.path.join(target, fname), "w") as f:
                f.write(text)
    os.makedirs(os.path.join(base, "proc/1"), exist_ok=True)
    lines = ["25 1 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw",
             "31 25 0:28 / /sys/fs/cgroup rw,relatime shared:8 - tmpfs tmpfs rw,mode=755"]
    mid = 32
    for d, opts in ([("cpu,cpuacct", "rw,cpu,cpuacct")] if comounted else [("cpu", "rw,cpu"), ("cpuacct", "rw,cpuacct")]) + \
                   [("memory", "rw,memory"), ("blkio", "rw,blkio"), ("systemd", "rw,xattr,name=systemd")]:
        lines.append("%d 31 0:%d / /sys/fs/cgroup/%s rw,nosuid,nodev,noexec,relatime shared:%d - cgroup cgroup %s"
                     % (mid, mid - 3, d, mid - 20, opts))
        mid += 1
    if unified:
        lines.append("%d 31 0:%d / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:%d - cgroup2 cgroup2 rw"
                     % (mid, mid - 3, mid - 20))
    with open(os.path.join(base, "proc/1/mountinfo"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(base, "MANIFEST"), "w") as f:
        f.write(manifest)


def main():
    if os.geteuid() != 0:
        sys.exit("capture_cgroup_fixtures.py: needs root (creates cgroups)")
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../.."))
    try:
        captured = capture()
    finally:
        remove_all()
    kernel = os.uname().release
    date = time.strftime("%Y-%m-%d")
    common = ("kernel:   %s (x86_64), Debian 12 VM, cgroup v1 controllers mounted apart\n"
              "date:     %s\n"
              "captured by: testdata/capture/capture_cgroup_fixtures.py (as root): real cgroups with real\n"
              "          processes (CPU loop, 8-32 MiB held, O_DIRECT writes); every interface file is the\n"
              "          kernel's verbatim text; only directory names and proc/1/mountinfo (written by the\n"
              "          script in the kernel's format) follow the scenario's layout.\n"
              "pods:     Guaranteed %s (1 container, limit 256 MiB), Burstable %s (2 containers,\n"
              "          limit 512 MiB), BestEffort %s (1 container, no limit)\n"
              % (kernel, date, PODS[0][1], PODS[1][1], PODS[2][1]))
    scenarios = [
        ("v1-cgroupfs", "cgroupfs", "containerd", True, False,
         "v1, cpu,cpuacct co-mounted, kubelet cgroupfs driver, containerd (bare 64-hex ids)"),
        ("v1-systemd", "systemd", "docker", True, False,
         "v1, cpu,cpuacct co-mounted, kubelet systemd driver, Docker (docker-<id>.scope)"),
        ("v1-split-crio", "cgroupfs", "crio", False, False,
         "v1, cpu and cpuacct mounted apart (as on this machine), cgroupfs driver, CRI-O (crio-<id>, crio-conmon-<id> skipped)"),
        ("hybrid-systemd", "systemd", "containerd", True, True,
         "hybrid: v1 controllers co-mounted plus a controller-less cgroup2 at /sys/fs/cgroup/unified holding PSI;\n"
         "          systemd driver, containerd (cri-containerd-<id>.scope)"),
        ("debian12-v1-split", "cgroupfs", "containerd", False, True,
         "this machine as it is: v1 cpu/cpuacct apart plus cgroup2 'unified' (detected as hybrid),\n"
         "          cgroupfs driver, containerd"),
    ]
    for name, driver, runtime, comounted, unified, what in scenarios:
        manifest = "scenario: %s\nwhat:     %s\n%s" % (name, what, common)
        if name == "debian12-v1-split":
            old = open("testdata/hosts/debian12-v1-split/MANIFEST").read().split("\n---- cgroup tree\n")[0]
            manifest = old + "\n---- cgroup tree\n" + manifest + \
                "note:     proc/1/mountinfo keeps the VM's real mount table (node-level fixture); sys/ is the cgroup capture.\n"
            keep = open("testdata/hosts/debian12-v1-split/proc/1/mountinfo").read()
            write_scenario(name, captured, driver, runtime, comounted, unified, manifest)
            with open("testdata/hosts/debian12-v1-split/proc/1/mountinfo", "w") as f:
                f.write(keep)
        else:
            write_scenario(name, captured, driver, runtime, comounted, unified, manifest)
    print("fixtures written")


if __name__ == "__main__":
    main()
