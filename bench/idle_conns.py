#!/usr/bin/env python3
"""Memory of a server holding many idle keep-alive connections.

Opens --connections TCP connections to 127.0.0.1:PORT, sends one pre-signed request on each
(lines of a presign.py file, HTTP/1.1, keep-alive), reads each complete response, then keeps all of
them open and idle for --hold seconds and measures the server's process tree (VmRSS summed, as
procstat.py does) before opening and while they are held. Prints one JSON line:
  {"connections":N,"ok":N200,"rss_before_kb":..,"rss_idle_kb":..,"per_conn_kb":..,"hwm_kb":..}

  idle_conns.py --port 8080 --pid 1234 --requests /tmp/shallow.txt --connections 1000
"""
import argparse
import json
import os
import resource
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import procstat  # noqa: E402


def tree_kb(pid, key):
    return sum(procstat.status_kb(p, key) for p in procstat.tree(pid))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True, help="server pid (its descendants are included)")
    ap.add_argument("--requests", required=True, help="file of PATH<TAB>BODY lines")
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--hold", type=float, default=3.0, help="seconds to wait before measuring")
    ap.add_argument("--timeout", type=float, default=60.0)
    a = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < a.connections + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, a.connections + 256), hard))

    lines = [l.rstrip("\n").split("\t", 1) for l in open(a.requests, encoding="utf-8") if "\t" in l]
    rss_before = tree_kb(a.pid, "VmRSS")
    deadline = time.monotonic() + a.timeout
    sel = selectors.DefaultSelector()
    socks = []
    for i in range(a.connections):
        path, body = lines[i % len(lines)]
        s = socket.create_connection(("127.0.0.1", a.port), timeout=10)
        b = body.encode()
        s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                   "Content-Length: %d\r\nConnection: keep-alive\r\n\r\n" % (path, a.port, len(b))).encode() + b)
        s.setblocking(False)
        socks.append(s)
        sel.register(s, selectors.EVENT_READ, {"buf": b"", "need": None, "status": None})
    ok = done = 0
    while done < len(socks) and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            st = key.data
            chunk = key.fileobj.recv(65536)
            if not chunk:
                sel.unregister(key.fileobj); done += 1
                continue
            st["buf"] += chunk
            if st["need"] is None and b"\r\n\r\n" in st["buf"]:
                head, _, _ = st["buf"].partition(b"\r\n\r\n")
                st["status"] = int(head.split(b" ", 2)[1])
                length = 0
                for h in head.split(b"\r\n")[1:]:
                    k, _, v = h.partition(b":")
                    if k.strip().lower() == b"content-length":
                        length = int(v)
                st["need"] = len(head) + 4 + length
            if st["need"] is not None and len(st["buf"]) >= st["need"]:
                sel.unregister(key.fileobj); done += 1
                ok += st["status"] == 200
                st["buf"] = b""
    time.sleep(a.hold)
    still_open = 0
    for s in socks:              # a closed connection reads as EOF; an idle open one would block
        try:
            still_open += s.recv(1, socket.MSG_PEEK) != b""
        except BlockingIOError:
            still_open += 1
        except OSError:
            pass
    rss_idle = tree_kb(a.pid, "VmRSS")
    hwm = tree_kb(a.pid, "VmHWM")
    for s in socks:
        s.close()
    n = a.connections
    print(json.dumps({"connections": n, "ok": ok, "open_when_measured": still_open,
                      "rss_before_kb": rss_before, "rss_idle_kb": rss_idle,
                      "per_conn_kb": round((rss_idle - rss_before) / n, 2), "hwm_kb": hwm}))
    return 0 if ok == n and still_open == n else 1


if __name__ == "__main__":
    sys.exit(main())
