#!/usr/bin/env python3
"""Print the table of a benchmark run from its results.ndjson (written by run-bench.sh).

  report.py [--markdown] RESULTS.ndjson

Sections: machine and parameters; import; one row per (system, case) with req/s, p50, p99,
CPU seconds per 10,000 requests, peak RSS and response size; the ratios opchat/baseline and
opchat/ceiling; the page-depth sweep; DB-size growth; idle keep-alive connections; the targets,
each PASS / MISS with its figure (or "not measured").
"""
import argparse
import json
import sys

def load(path):
    recs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                recs.append(json.loads(line))
    return recs


class Out:
    def __init__(self, md):
        self.md = md
        self.lines = []

    def p(self, s=""):
        self.lines.append(s)

    def heading(self, s):
        self.p()
        self.p(("#### " + s) if self.md else ("== " + s))

    def table(self, header, rows, align=None):
        if not rows:
            return
        if self.md:
            self.p("| " + " | ".join(header) + " |")
            self.p("|" + "|".join("---:" if (align and align[i] == "r") else "---" for i in range(len(header))) + "|")
            for r in rows:
                self.p("| " + " | ".join(str(c) for c in r) + " |")
        else:
            w = [max(len(str(x)) for x in [h] + [r[i] for r in rows]) for i, h in enumerate(header)]
            fmt = lambda r: "  ".join((str(c).rjust(w[i]) if (align and align[i] == "r") else str(c).ljust(w[i]))
                                      for i, c in enumerate(r)).rstrip()
            self.p(fmt(header))
            for r in rows:
                self.p(fmt(r))


def fnum(x, nd=1):
    if x is None:
        return "-"
    if isinstance(x, (int, float)) and abs(x) >= 1000 and nd <= 1:
        return "{:,.0f}".format(x)
    return ("{:,.%df}" % nd).format(x)


def ratio(a, b):
    return (a / b) if (a is not None and b) else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    recs = load(a.results)
    o = Out(a.markdown)
    meta = next((r for r in recs if r["kind"] == "meta"), {})
    main_ds = meta.get("dataset")
    cases = [r for r in recs if r["kind"] == "case"]
    # the last measurement of each (system, case, dataset) counts
    by = {}
    for r in cases:
        by[(r["system"], r["case"], r["dataset"])] = r

    def get(system, case, ds=main_ds):
        return by.get((system, case, ds))

    m = meta.get("meta", {})
    o.p(("**" if o.md else "") + "opchat load benchmark" + ("**" if o.md else ""))
    o.p("- machine: %s x %s, %s GiB RAM, Linux %s, load average at start %s" % (
        meta.get("nproc"), meta.get("cpu"), meta.get("mem_gib"), meta.get("kernel"), " ".join(meta.get("loadavg", []))))
    o.p("- date: %s; opchat %s (%s)" % (meta.get("date"), meta.get("opchat_rev"), meta.get("opchat_bin")))
    o.p("- dataset %s: %s messages in %s chats (one chat of %s), seed %s" % (
        main_ds, fnum(m.get("totalMessages"), 0), fnum(m.get("totalChats"), 0), fnum(m.get("bigChatMessages"), 0), m.get("seed")))
    o.p("- wrk %s, 127.0.0.1; depth sweep %s per page" % (meta.get("wrk"), meta.get("depth_duration")))
    o.p("- command: %s" % meta.get("command"))

    imports = [r for r in recs if r["kind"] == "import"]
    if imports:
        o.heading("import (opchat import ndjson, through the storage layer)")
        # Since the search index is built after the load: "msg/s" is the load (messages stored,
        # durable and served), "with index" counts the search index's catch-up too.
        o.table(["system", "dataset", "messages", "seconds", "msg/s", "search index s", "msg/s with index",
                 "rejected", "when"],
                [[r["system"], r["dataset"], fnum(r["inserted"], 0), fnum(r["seconds"], 1),
                  fnum(r["messagesPerSecond"], 0), fnum(r.get("indexSeconds", 0), 1),
                  fnum(r["inserted"] / (r["seconds"] + r.get("indexSeconds", 0)), 0)
                  if r["seconds"] + r.get("indexSeconds", 0) > 0 else "-", r["rejected"],
                  ("earlier run, %s (database reused)" % r.get("imported_at")) if r.get("cached") else "this run"]
                 for r in imports], "llrrrrrrl")

    order = ["node-baseline", "ceiling", "opchat", "opchat-pg"]
    case_order = ["shallow", "deep", "mixed", "ingest"]
    rows = []
    for s in order:
        for c in case_order:
            r = get(s, c)
            if not r:
                continue
            err = r["non2xx"] + r["socket_errors"]
            rows.append([s, c, fnum(r["rps"]), fnum(r["p50_ms"], 2), fnum(r["p99_ms"], 2),
                         fnum(r["cpu_s_per_10k"], 2) + (" *" if r.get("cpu_includes_db") else ""),
                         fnum(r["peak_rss_kb"] / 1024, 1) + (" (+ %s db)" % fnum(r["db_peak_rss_kb"] / 1024, 0)
                                                             if r.get("db_peak_rss_kb") else ""),
                         fnum(r.get("bytes_per_response"), 0),
                         str(err) + (" (%d replayed)" % r["replayed"] if r.get("replayed") else "")])
    o.heading("throughput and latency (dataset %s)" % main_ds)
    o.table(["system", "case", "req/s", "p50 ms", "p99 ms", "CPU s/10k req", "peak RSS MB", "bytes/resp", "errors"],
            rows, "llrrrrrrr")
    if o.md:
        o.p()
    o.p("(CPU and RSS: the server's whole process tree, summed; * = CPU includes the PostgreSQL server's "
        "processes, whose summed peak RSS (shared buffers counted per process) is shown apart; "
        "ceiling: one static response for every case)")

    base_sh = get("node-baseline", "shallow")
    ceil = get("ceiling", "shallow")
    rrows = []
    for s in ("opchat", "opchat-pg"):
        for c in ("shallow", "deep", "mixed", "ingest"):  # ingest: the baseline's, no ceiling
            r = get(s, c)
            b = get("node-baseline", c)
            if not r:
                continue
            rb = ratio(r["rps"], b and b["rps"])
            rc = ratio(r["rps"], ceil and ceil["rps"])
            cpu = ratio(b and b["cpu_s_per_10k"], r["cpu_s_per_10k"])
            if not (rb or rc):
                continue
            rrows.append([s, c, ("%.1fx" % rb) if rb else "-", ("%.0f%%" % (rc * 100)) if rc else "-",
                          ("%.1fx" % cpu) if cpu else "-"])
    if rrows:
        o.heading("ratios")
        o.table(["system", "case", "req/s vs node-baseline", "req/s vs ceiling", "CPU per request: baseline / this"],
                rrows, "llrrr")

    depth = [r for r in cases if r["case"].startswith("page-") and r["dataset"] == main_ds]
    if depth:
        pages = sorted({int(r["case"][5:]) for r in depth})
        systems = [s for s in order if any(r["system"] == s for r in depth)]
        o.heading("cost by page depth (big chat, one page repeated, %s each)" % meta.get("depth_duration"))
        hdr = ["page"]
        for s in systems:
            hdr += [s + " req/s", s + " p99 ms"]
        rows = []
        for p in pages:
            row = [str(p)]
            for s in systems:
                r = get(s, "page-%d" % p)
                row += [fnum(r["rps"]) if r else "-", fnum(r["p99_ms"], 2) if r else "-"]
            rows.append(row)
        o.table(hdr, rows, "r" * len(hdr))

    datasets = sorted({r["dataset"] for r in cases if r["system"].startswith("opchat")},
                      key=lambda d: float(d[:-1]) * (1e6 if d.endswith("M") else 1e3))
    if len(datasets) > 1:
        o.heading("cost by database size (opchat, SQLite)")
        rows = []
        for d in datasets:
            sh, dp = get("opchat", "shallow", d), get("opchat", "deep", d)
            imp = next((r for r in imports if r["dataset"] == d and r["system"] == "opchat"), None)
            rows.append([d, fnum(sh and sh["rps"]), fnum(sh and sh["p99_ms"], 2), fnum(dp and dp["rps"]),
                         fnum(dp and dp["p99_ms"], 2), fnum(imp and imp["messagesPerSecond"], 0)])
        o.table(["dataset", "shallow req/s", "shallow p99 ms", "deep req/s", "deep p99 ms", "import msg/s"],
                rows, "lrrrrr")

    idle = [r for r in recs if r["kind"] == "idle"]
    if idle:
        o.heading("idle keep-alive connections")
        o.table(["system", "when", "connections", "answered 200", "open", "RSS before MB", "RSS with them MB", "kB/conn"],
                [[r["system"], r["label"], r["connections"], r["ok"], r["open_when_measured"],
                  fnum(r["rss_before_kb"] / 1024, 1), fnum(r["rss_idle_kb"] / 1024, 1), fnum(r["per_conn_kb"], 1)]
                 for r in idle], "llrrrrrr")

    live = [r for r in recs if r["kind"] == "live"]
    if live:
        o.heading("live delivery (live-latency.js: sendMessage acknowledged -> WebSocket frame)")
        o.table(["system", "subscribers x msg/s", "delivered", "missing", "dup", "p50 ms", "p99 ms", "max ms",
                 "events/s", "cpu s/10k events", "RSS MB"],
                [[r["system"], r["spec"], fnum(r["delivered"], 0), r["missing"], r["duplicates"],
                  fnum(r["p50_ms"], 2), fnum(r["p99_ms"], 2), fnum(r["max_ms"], 1), fnum(r.get("events_per_s"), 0),
                  fnum(r.get("cpu_s_per_10k_events"), 3), fnum(r.get("rss_server"), 0)] for r in live],
                "llrrrrrrrrr")
    idle_ws = [r for r in recs if r["kind"] == "idle_ws"]
    if idle_ws:
        o.heading("idle live WebSockets")
        o.table(["system", "connections", "open", "RSS before MB", "RSS with them MB", "kB/conn"],
                [[r["system"], r["connections"], r["open"], fnum(r["rss_before_kb"] / 1024, 1),
                  fnum(r["rss_idle_kb"] / 1024, 1), fnum(r["per_conn_kb"], 1)] for r in idle_ws], "lrrrrr")
    shallow = get("opchat", "shallow")
    for case, what in (("events-poll", "20 events an answer"), ("events-head", "at the head, no event")):
        poll = get("opchat", case)
        if poll:
            o.p()
            o.p("long poll (events, waitMs=0, %s): %s req/s, p99 %s ms, %s bytes; shallow history in the same "
                "run %s req/s (%s x)" % (what, fnum(poll["rps"]), fnum(poll["p99_ms"], 2),
                                         fnum(poll.get("bytes_per_response"), 0), fnum(shallow and shallow["rps"]),
                                         fnum(ratio(poll["rps"], shallow and shallow["rps"]), 2)))

    hooks = [r for r in recs if r["kind"] == "webhooks"]
    if hooks:
        o.heading("webhooks (webhook_bench.mjs: a fast local receiver)")
        o.table(["storage", "backlog", "drained in s", "deliveries/s", "steady msg/s", "delivered", "missing",
                 "dup", "p50 ms", "p99 ms", "max ms"],
                [[r["db"], fnum(r["backlog"], 0), fnum(r["backlog_drain_s"], 2), fnum(r["deliveries_per_s"], 0),
                  fnum(r["rate"], 0), fnum(r["delivered"], 0), r["missing"], r["duplicates"], fnum(r["p50_ms"], 0),
                  fnum(r["p99_ms"], 0), fnum(r["max_ms"], 0)] for r in hooks], "lrrrrrrrrrr")

    ver = [r for r in recs if r["kind"] == "verify"]
    for r in ver:
        o.p()
        o.p("verify.py on %s: %s" % (r["system"], (r["output"].strip().splitlines() or ["?"])[-1]))

    # ------------------------------------------------------------- targets
    o.heading("targets")
    t = []

    def target(name, value, ok, shown):
        t.append(["-" if (ok is None or value is None) else ("PASS" if ok else "MISS"), name,
                  shown if value is not None else "not measured"])

    op_sh, op_dp = get("opchat", "shallow"), get("opchat", "deep")
    r = ratio(op_sh and op_sh["rps"], base_sh and base_sh["rps"])
    target("shallow req/s >= 4x node-baseline", r, r is not None and r >= 4, "%.2fx" % r if r else "")
    r = ratio(op_sh and op_sh["rps"], ceil and ceil["rps"])
    target("shallow req/s >= 50% of the nginx ceiling", r, r is not None and r >= 0.5, "%.0f%%" % (r * 100) if r else "")
    b_dp = get("node-baseline", "deep")
    r = ratio(op_dp and op_dp["rps"], b_dp and b_dp["rps"])
    target("deep req/s >= 20x node-baseline", r, r is not None and r >= 20, "%.1fx" % r if r else "")
    r = ratio(op_dp and op_dp["p99_ms"], op_sh and op_sh["p99_ms"])
    target("opchat deep p99 <= 1.2x its shallow p99", r, r is not None and r <= 1.2,
           "%.2fx (%.2f ms vs %.2f ms)" % (r, op_dp["p99_ms"], op_sh["p99_ms"]) if r else "")
    big = [d for d in datasets if d.endswith("M") and float(d[:-1]) >= 10]
    g = get("opchat", "shallow", big[-1]) if big else None
    target("shallow p99 < 5 ms on a 10M-message DB (64 connections)", g and g["p99_ms"],
           (g["p99_ms"] < 5) if g else None, "%.2f ms" % g["p99_ms"] if g else "")
    ing = get("opchat", "ingest")
    ok_ing = ing is not None and ing["rps"] >= 20000 and ing["non2xx"] == 0 and ing["socket_errors"] == 0 \
        and not ing.get("replayed")
    target("durable ingest >= 20,000 msg/s (sendMessage, SQLite synchronous=full)", ing and ing["rps"], ok_ing if ing else None,
           "%s msg/s (%d errors, %d replayed)" % (fnum(ing["rps"], 0), ing["non2xx"] + ing["socket_errors"],
                                                  ing.get("replayed", 0)) if ing else "")
    for h in hooks:
        target("webhooks (%s): >= 5,000 deliveries/s" % h["db"], h["deliveries_per_s"],
               h["deliveries_per_s"] >= 5000, "%s/s" % fnum(h["deliveries_per_s"], 0))
        target("webhooks (%s): commit -> delivery p99 < 50 ms at %d msg/s" % (h["db"], h["rate"]), h["p99_ms"],
               h["p99_ms"] is not None and h["p99_ms"] < 50 and h["missing"] == 0, "%s ms" % fnum(h["p99_ms"], 0))
    imp = next((r for r in imports if r["system"] == "opchat" and r["dataset"] == main_ds), None)
    target("import >= 200,000 msg/s", imp and imp["messagesPerSecond"], imp and imp["messagesPerSecond"] >= 200000,
           "%s msg/s stored; %s msg/s with the search index" % (
               fnum(imp["messagesPerSecond"], 0),
               fnum(imp["inserted"] / (imp["seconds"] + imp.get("indexSeconds", 0)), 0)) if imp else "")
    idl = [r for r in idle if r["system"] == "opchat"]
    if idl:
        worst = max(idl, key=lambda r: r["rss_idle_kb"])
        target("RSS <= 64 MB with 1,000 idle keep-alive connections", worst["rss_idle_kb"],
               worst["rss_idle_kb"] <= 64 * 1024 and worst["ok"] == worst["connections"],
               "%s MB (%s; %s)" % (fnum(worst["rss_idle_kb"] / 1024, 1), worst["label"],
                                   ", ".join("%s %.1f MB" % (r["label"], r["rss_idle_kb"] / 1024) for r in idl)))
    else:
        target("RSS <= 64 MB with 1,000 idle keep-alive connections", None, None, "")
    o.table(["", "target", "measured"], t, "lll")
    print("\n".join(o.lines))


if __name__ == "__main__":
    main()
