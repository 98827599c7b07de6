#!/usr/bin/env python3
"""Composes testdata/hosts/v2-systemd from the real cgroup v2 kernel output in ../shared/captures.

This project's machines have no cgroup v2 controllers, so the v2 scenario reuses the captured files
(cpu.stat, memory.stat, io.stat, memory.pressure: verbatim) in every pod and container directory of
a systemd-driver layout with containerd, CRI-O and Docker pods. The few files the capture lacks are
written by this script in the kernel's exact format (cgroup-v2.rst): memory.current, memory.max,
memory.events, cgroup.procs. The MANIFEST lists which is which.
"""
import os, shutil

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "../.."))
CAPTURE = os.path.normpath(os.path.join(REPO, "../shared/captures/cgroup-v2-container/sys/fs/cgroup"))
BASE = os.path.join(REPO, "testdata/hosts/v2-systemd")
VERBATIM = ["cpu.stat", "memory.stat", "io.stat", "memory.pressure"]
# memory.current of the captured container: anon + file + kernel_stack + pagetables + slab + percpu
# from its memory.stat (the kernel's memcg charge is at least that).
CURRENT = 2147508224 + 590389248 + 196608 + 5378048 + 22570152 + 864
PODS = [  # (qos slice, uid, runtime prefix, container ids, memory.max, oom kills)
    ("burstable", "5c1d8e0a-2b7f-4c3d-9e1a-0f2b3c4d5e6f", "cri-containerd-", ["%064x" % 0xc1], "max", 0),
    ("guaranteed", "6d2e9f1b-3c80-4d4e-8f2b-1a3c4d5e6f70", "crio-", ["%064x" % 0xc2], "4294967296", 2),
    ("besteffort", "7e3f0a2c-4d91-4e5f-902c-2b4d5e6f7081", "docker-", ["%064x" % 0xc3, "%064x" % 0xc4], "max", 0),
]


def write(path, name, text):
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, name), "w") as f:
        f.write(text)


def fill(path, memory_max, oom_kills, pid):
    write(path, "memory.current", "%d\n" % CURRENT)
    write(path, "memory.max", memory_max + "\n")
    write(path, "memory.events", "low 0\nhigh 0\nmax %d\noom %d\noom_kill %d\noom_group_kill 0\n" % (oom_kills * 3, oom_kills, oom_kills))
    write(path, "cgroup.procs", ("%d\n" % pid) if pid else "")
    for name in VERBATIM:
        shutil.copyfile(os.path.join(CAPTURE, name), os.path.join(path, name))


def main():
    if os.path.isdir(os.path.join(BASE, "sys")):
        shutil.rmtree(os.path.join(BASE, "sys"))
    root = os.path.join(BASE, "sys/fs/cgroup/kubepods.slice")
    pid = 4100
    for qos, uid, prefix, ids, memory_max, ooms in PODS:
        u = uid.replace("-", "_")
        if qos == "guaranteed":
            pod = os.path.join(root, "kubepods-pod%s.slice" % u)
        else:
            pod = os.path.join(root, "kubepods-%s.slice" % qos, "kubepods-%s-pod%s.slice" % (qos, u))
        fill(pod, memory_max, ooms, 0)
        for cid in ids:
            fill(os.path.join(pod, "%s%s.scope" % (prefix, cid)), memory_max, ooms, pid)
            pid += 1
        if prefix == "crio-":
            fill(os.path.join(pod, "crio-conmon-%s.scope" % ids[0]), "max", 0, pid)
            pid += 1
    os.makedirs(os.path.join(BASE, "proc/1"), exist_ok=True)
    with open(os.path.join(BASE, "proc/1/mountinfo"), "w") as f:
        f.write("22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
                "23 1 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw\n"
                "26 23 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
                "rw,nsdelegate,memory_recursiveprot\n")
    with open(os.path.join(BASE, "MANIFEST"), "w") as f:
        f.write("""scenario: v2-systemd
what:     cgroup v2 (one cgroup2 hierarchy at /sys/fs/cgroup), kubelet systemd driver; pods with
          containerd (cri-containerd-<id>.scope, Burstable), CRI-O (crio-<id>.scope plus a
          crio-conmon-<id>.scope to skip, Guaranteed, memory.max 4 GiB, 2 OOM kills) and Docker
          (docker-<id>.scope, BestEffort, two containers)
made by:  testdata/capture/make_v2_fixture.py
verbatim: cpu.stat, memory.stat, io.stat, memory.pressure in every directory: real kernel output
          from ../shared/captures/cgroup-v2-container (public repository couchbase/platform,
          cgroup/test/v2), the same text in each directory
written:  memory.current (anon + file + kernel_stack + pagetables + slab + percpu of that
          memory.stat = %d), memory.max, memory.events, cgroup.procs, proc/1/mountinfo: in the
          kernel's format (Documentation/admin-guide/cgroup-v2.rst), values chosen by the script
absent:   cpu.pressure and io.pressure (not captured): the reader must treat them as absent PSI
""" % CURRENT)


if __name__ == "__main__":
    main()
