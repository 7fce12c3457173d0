#!/usr/bin/env python3
"""Runs the shell examples of README.md's tour and of docs/api.md against a real server.

    tests/doc_examples.py BUILD/opchat SOURCE_DIR

Sets up what the documents assume, as `make demo` does: a scratch directory holding
`build/opchat` (a link to the binary under test) and `config/demo.toml` (the repository's, on a
free port), the demo data loaded with `opchat demo`, and `opchat serve` running. Each document's
```sh blocks then run in order in one shell per document, with the documented address
127.0.0.1:8080 replaced by the server's; nothing else is changed, so an example signs its
requests exactly as the documents say (with `build/opchat sign`).

Checks, per block: when the block is followed by an example answer (a ``` or ```json block),
the answers it prints carry the same `"code"`s, in the same order; otherwise every answer it
prints has code 200. Exits 0 when every block passes, 1 otherwise, printing each failure with
the block, what it printed and the server's log.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

DOC_ADDRESS = "127.0.0.1:8080"
CODE = re.compile(r'"code":\s*(\d+)')
MARK = "@@opchat-doc-block@@"


class Block:
    def __init__(self, doc, line, text, expected):
        self.doc, self.line, self.text, self.expected = doc, line, text, expected


def fenced_blocks(lines):
    """(start line, info string, text) of every fenced block, in order."""
    out, i = [], 0
    while i < len(lines):
        if lines[i].startswith("```"):
            info, start, body = lines[i][3:].strip(), i + 1, []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            out.append((start, info, "\n".join(body), i))
        i += 1
    return out


def shell_blocks(doc, lines, first_line=0):
    """The ```sh blocks, each with the example answer that follows it (or None)."""
    fenced = fenced_blocks(lines)
    blocks = []
    for n, (start, info, text, end) in enumerate(fenced):
        if info != "sh":
            continue
        expected = None
        if n + 1 < len(fenced):
            nstart, ninfo, ntext, _ = fenced[n + 1]
            between = lines[end + 1:nstart - 1]
            if ninfo in ("", "json") and all(not l.strip() for l in between):
                expected = ntext
        blocks.append(Block(doc, first_line + start, text, expected))
    return blocks


def readme_tour(source):
    lines = open(os.path.join(source, "README.md"), encoding="utf-8").read().split("\n")
    begin = next(i for i, l in enumerate(lines) if l.startswith("## A five-minute tour"))
    end = next((i for i in range(begin + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    # `make demo` is what this runner does itself (demo data, then serve).
    return [b for b in shell_blocks("README.md", lines[begin:end], begin)
            if b.text.strip() != "make demo"]


def api_reference(source):
    lines = open(os.path.join(source, "docs", "api.md"), encoding="utf-8").read().split("\n")
    return shell_blocks("docs/api.md", lines)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port, server):
    deadline = time.time() + 15
    while time.time() < deadline:
        if server.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.05)
    return False


def run_document(workdir, port, blocks):
    """Runs the blocks in one shell; returns each block's output."""
    script = []
    for n, b in enumerate(blocks):
        script.append(f"printf '\\n{MARK}{n}\\n'")
        script.append(b.text.replace(DOC_ADDRESS, f"127.0.0.1:{port}"))
        # A client added while the server runs is accepted "within a second" (README): give the
        # server that second before the next block uses it.
        if re.search(r"opchat client add", b.text):
            script.append("sleep 1.2")
    done = subprocess.run(["bash", "-c", "\n".join(script) + "\n"], cwd=workdir, capture_output=True,
                          text=True, timeout=300)
    outputs = [""] * len(blocks)
    for part in done.stdout.split(MARK)[1:]:
        number, _, text = part.partition("\n")
        outputs[int(number)] = text
    return outputs, done.stderr


def check(blocks, outputs):
    failures = []
    for b, out in zip(blocks, outputs):
        got = [int(c) for c in CODE.findall(out)]
        if b.expected is not None:
            want = [int(c) for c in CODE.findall(b.expected)]
            ok = got == want
        else:
            want = "only 200"
            ok = all(c == 200 for c in got)
        if not ok:
            failures.append(f"{b.doc}:{b.line}: answer codes {got}, documented {want}\n"
                            f"--- block\n{b.text}\n--- printed\n{out.strip()[:2000]}\n")
    return failures


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    workdir = tempfile.mkdtemp(prefix="opchat-docs-")
    server = None
    try:
        os.makedirs(os.path.join(workdir, "build"))
        os.symlink(binary, os.path.join(workdir, "build", "opchat"))
        os.makedirs(os.path.join(workdir, "config"))
        port = free_port()
        demo_config = open(os.path.join(source, "config", "demo.toml"), encoding="utf-8").read()
        with open(os.path.join(workdir, "config", "demo.toml"), "w", encoding="utf-8") as f:
            f.write(demo_config.replace(DOC_ADDRESS, f"127.0.0.1:{port}"))
        # What `make demo` runs.
        db = "sqlite:./data/opchat.db"
        subprocess.run(["build/opchat", "demo", "--config", "config/demo.toml", "--db", db],
                       cwd=workdir, check=True, capture_output=True, timeout=60)
        log = open(os.path.join(workdir, "server.log"), "w")
        server = subprocess.Popen(["build/opchat", "serve", "--config", "config/demo.toml", "--db", db],
                                  cwd=workdir, stdout=log, stderr=log)
        if not wait_healthy(port, server):
            print("doc_examples: the server did not start", file=sys.stderr)
            return 1
        failures, ran = [], 0
        for blocks in (readme_tour(source), api_reference(source)):
            if not blocks:
                failures.append("no ```sh blocks found: did the document's layout change?")
                continue
            outputs, stderr = run_document(workdir, port, blocks)
            ran += len(blocks)
            found = check(blocks, outputs)
            if found and stderr.strip():
                found.append("--- shell stderr\n" + stderr.strip()[:2000])
            failures += found
        if failures:
            print("\n".join(failures), file=sys.stderr)
            print("--- server log\n" + open(os.path.join(workdir, "server.log")).read()[-3000:],
                  file=sys.stderr)
            return 1
        print(f"doc_examples: {ran} shell blocks ran as documented")
        return 0
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
