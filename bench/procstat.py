#!/usr/bin/env python3
"""CPU time and memory of a server's process tree (a pid and all its descendants), from /proc.

  procstat.py cpu   PID...   total utime+stime of the trees, in seconds (threads included)
  procstat.py rss   PID...   sum of VmRSS of the trees, in kB
  procstat.py hwm   PID...   sum of VmHWM (peak RSS) of the trees, in kB
  procstat.py reset PID...   reset the peak (VmHWM := VmRSS) of every process of the trees
                             (writes 5 to /proc/PID/clear_refs; Linux >= 4.0)
  procstat.py tree  PID...   the pids of the trees, one line

Sums over processes count pages shared between them (node's cluster workers, nginx's workers)
once per process: an upper bound, as `ps` would show it.
"""
import os
import sys


def children(pid):
    out = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                    out += [int(x) for x in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def tree(pid):
    seen, todo = [], [pid]
    while todo:
        p = todo.pop()
        if p in seen or not os.path.exists("/proc/%d" % p):
            continue
        seen.append(p)
        todo += children(p)
    return seen


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # after "pid (comm)": state=0 ... utime=11 stime=12 (0-based in this slice)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def status_kb(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    what = sys.argv[1]
    pids = []
    for arg in sys.argv[2:]:
        pids += [p for p in tree(int(arg)) if p not in pids]
    if not pids:
        sys.exit("procstat: no process %s" % " ".join(sys.argv[2:]))
    if what == "cpu":
        total = 0.0
        for p in pids:
            try:
                total += cpu_seconds(p)
            except OSError:
                pass
        print("%.2f" % total)
    elif what == "rss":
        print(sum(status_kb(p, "VmRSS") for p in pids))
    elif what == "hwm":
        print(sum(status_kb(p, "VmHWM") for p in pids))
    elif what == "reset":
        for p in pids:
            try:
                with open("/proc/%d/clear_refs" % p, "w") as f:
                    f.write("5")
            except OSError as e:
                print("procstat: cannot reset peak RSS of %d: %s" % (p, e), file=sys.stderr)
    elif what == "tree":
        print(" ".join(str(p) for p in pids))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
