#!/usr/bin/env python3
"""Runs the examples of README.md's tour and of docs/api.md against a real server.

    tests/doc_examples.py BUILD/opchat SOURCE_DIR

Sets up what the documents assume, as `make demo` does: a scratch directory holding
`build/opchat` (a link to the binary under test) and `config/demo.toml` (the repository's, on a
free port), the demo data loaded with `opchat demo`, and `opchat serve` running. In every block
the documented address 127.0.0.1:8080 is replaced by the server's; nothing else is changed, so
an example signs its requests exactly as the documents say. With OPCHAT_RECORD_ANSWERS=FILE set,
the address is that of tests/openapi/record-proxy.mjs in front of the server, which records each
answer into FILE for tests/openapi/validate-answers.mjs.

What runs, per document, in document order, in one bash shell:

- ```sh blocks: inline in that shell (they share its variables, as a reader's terminal would).
- ```js blocks: each written to its own `.mjs` file in the scratch directory and run with `node`
  as an ES module. The scratch directory has `node_modules/opchat-client`, a link to the source
  tree's clients/js, so `import ... from 'opchat-client'` (the package's name) resolves to it.
  The node executable is $OPCHAT_NODE, else `node` on PATH.
- ```python blocks: each written to its own `.py` file and run with this Python, with
  PYTHONPATH=SOURCE_DIR/clients/python (the package `opchat_client`).

js and python blocks see the shell's exported environment: docs/api.md's setup block exports
OPCHAT_URL, OPCHAT_CLIENT, OPCHAT_CHANNEL and OPCHAT_SECRET, and its createChat example exports
CHAT. Each language acts on its own chat, so that the lifecycle examples (accept, then accept
again for a 409, ...) answer for each one as documented: a js (python) block that sits beside
an sh block assigning `CHAT=$(...)` sets the CHAT that later js (python) blocks see to the first
`"chatId"` it printed. Each js or python block is bounded by `timeout` (60 s); the whole shell
by 600 s.

A *group* is an sh block and the js and python blocks right after it (only blank lines
between). When a group is followed by an example answer (a ``` or ```json block, only blank
lines between), that answer is what every block of the group is checked against:

- an sh block passes when the answers it prints carry the documented `"code"`s, in order;
  with no example answer, when every answer it prints has code 200 (its exit status is not
  checked: a documented pipeline may end in `|| true`).
- a js or python block passes when it exits with status 0 and the non-200 `"code"`s it prints
  are the documented answer's non-200 codes, in order (with no example answer: none). A client
  returns `data` (no code) on success and throws on any other answer, so an example of an error
  catches it and prints the error's `answer` (the envelope); an uncaught error fails.

A block preceded by the line `<!-- doc-example: no-run -->` is not run (e.g. a webhook receiver,
which serves until stopped); it is only compiled (`node --check`, `compile`). Keep them rare.

Exits 0 when every block passes, 1 otherwise, printing each failure with the block, what it
printed and the server's log.
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
CHAT_ID = re.compile(r'"chatId":\s*"([^"]*)"')
MARK = "@@opchat-doc-block@@"
NO_RUN = "<!-- doc-example: no-run -->"
LANGS = ("sh", "js", "python")
BLOCK_TIMEOUT_S = 60
DOCUMENT_TIMEOUT_S = 600


class Block:
    def __init__(self, doc, line, lang, text, expected, run=True, sets_chat=False):
        self.doc, self.line, self.lang, self.text, self.expected = doc, line, lang, text, expected
        self.run = run
        # A js/python block beside an sh block that assigns CHAT: its printed chatId becomes the
        # CHAT of the later blocks of its language.
        self.sets_chat = sets_chat


def fenced_blocks(lines):
    """(start line, info string, text, end line, no-run) of every fenced block, in order."""
    out, i = [], 0
    while i < len(lines):
        if lines[i].startswith("```"):
            info, start, body = lines[i][3:].strip(), i + 1, []
            no_run = i > 0 and lines[i - 1].strip() == NO_RUN
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            out.append((start, info, "\n".join(body), i, no_run))
        i += 1
    return out


def only_blank(lines):
    return all(not l.strip() or l.strip() == NO_RUN for l in lines)


def example_blocks(doc, lines, first_line=0):
    """The sh, js and python blocks, each with the example answer that follows its group."""
    fenced = fenced_blocks(lines)
    blocks, n = [], 0
    while n < len(fenced):
        if fenced[n][1] not in LANGS:
            n += 1
            continue
        group = [fenced[n]]
        while (n + len(group) < len(fenced) and fenced[n + len(group)][1] in ("js", "python")
               and only_blank(lines[group[-1][3] + 1:fenced[n + len(group)][0] - 1])):
            group.append(fenced[n + len(group)])
        n += len(group)
        expected = None
        if n < len(fenced):
            nstart, ninfo, ntext, _, _ = fenced[n]
            if ninfo in ("", "json") and only_blank(lines[group[-1][3] + 1:nstart - 1]):
                expected = ntext
        sets_chat = group[0][1] == "sh" and re.search(r"^(export )?CHAT=\$\(", group[0][2], re.M)
        for start, info, text, _, no_run in group:
            blocks.append(Block(doc, first_line + start, info, text, expected, run=not no_run,
                                sets_chat=bool(sets_chat) and info != "sh"))
    return blocks


def readme_tour(source):
    lines = open(os.path.join(source, "README.md"), encoding="utf-8").read().split("\n")
    begin = next(i for i, l in enumerate(lines) if l.startswith("## A five-minute tour"))
    end = next((i for i in range(begin + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    # `make demo` is what this runner does itself (demo data, then serve).
    return [b for b in example_blocks("README.md", lines[begin:end], begin)
            if b.text.strip() != "make demo"]


def api_reference(source):
    lines = open(os.path.join(source, "docs", "api.md"), encoding="utf-8").read().split("\n")
    return example_blocks("docs/api.md", lines)


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


def node_executable():
    return os.environ.get("OPCHAT_NODE") or shutil.which("node") or "node"


def start_record_proxy(port, source):
    """With OPCHAT_RECORD_ANSWERS set: tests/openapi/record-proxy.mjs in front of the server, so
    that the answers the examples see are validated against docs/openapi.yaml too. Returns the
    proxy process (None without it) and the port the examples use."""
    record = os.environ.get("OPCHAT_RECORD_ANSWERS")
    if not record:
        return None, port
    script = os.path.join(source, "tests", "openapi", "record-proxy.mjs")
    # The proxy exits when its stdin, this pipe, closes.
    proxy = subprocess.Popen([node_executable(), script, str(port), os.path.abspath(record)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = proxy.stdout.readline()
    if not line.strip().isdigit():
        proxy.kill()
        raise RuntimeError("record-proxy.mjs did not start")
    return proxy, int(line)


def run_document(workdir, port, blocks, tag, source):
    """Runs the blocks in one shell; returns each block's (output, stderr, exit status or None)."""
    files = os.path.join(workdir, "doc-blocks")
    os.makedirs(files, exist_ok=True)
    script = []
    paths = [None] * len(blocks)
    for n, b in enumerate(blocks):
        text = b.text.replace(DOC_ADDRESS, f"127.0.0.1:{port}")
        script.append(f"printf '\\n{MARK}{n}\\n'")
        if b.lang == "sh":
            script.append(text)
            # A client added while the server runs is accepted "within a second" (README): give
            # the server that second before the next block uses it.
            if re.search(r"opchat client add", b.text):
                script.append("sleep 1.2")
            continue
        if not b.run:
            continue
        base = os.path.join(files, f"{tag}-{n}")
        path = base + (".mjs" if b.lang == "js" else ".py")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        paths[n] = base
        runner = node_executable() if b.lang == "js" else sys.executable
        var = f"DOC_CHAT_{b.lang}"
        script.append(f"CHAT=\"${{{var}-}}\" timeout {BLOCK_TIMEOUT_S} '{runner}' '{path}' "
                      f"> '{base}.out' 2> '{base}.err'; echo $? > '{base}.rc'")
        if b.sets_chat:
            script.append(f"{var}=$(sed -n 's/.*\"chatId\": *\"\\([^\"]*\\)\".*/\\1/p' '{base}.out' | head -n 1)")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(source, "clients", "python")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    done = subprocess.run(["bash", "-c", "\n".join(script) + "\n"], cwd=workdir, capture_output=True,
                          text=True, timeout=DOCUMENT_TIMEOUT_S, env=env)
    results = [("", "", None)] * len(blocks)
    for part in done.stdout.split(MARK)[1:]:
        number, _, text = part.partition("\n")
        results[int(number)] = (text, "", None)
    for n, base in enumerate(paths):
        if base is None:
            continue
        def read(suffix):
            try:
                return open(base + suffix, encoding="utf-8", errors="replace").read()
            except FileNotFoundError:
                return ""
        rc = read(".rc").strip()
        results[n] = (read(".out"), read(".err"), int(rc) if rc.isdigit() else None)
    return results, done.stderr


def compile_only(block):
    """A no-run block is still compiled, so that it stays valid code."""
    if block.lang == "python":
        try:
            compile(block.text, f"{block.doc}:{block.line}", "exec")
            return None
        except SyntaxError as e:
            return str(e)
    if block.lang == "js":
        with tempfile.NamedTemporaryFile("w", suffix=".mjs", delete=False, encoding="utf-8") as f:
            f.write(block.text + "\n")
        try:
            done = subprocess.run([node_executable(), "--check", f.name], capture_output=True,
                                  text=True, timeout=BLOCK_TIMEOUT_S)
            return None if done.returncode == 0 else done.stderr.strip()
        finally:
            os.unlink(f.name)
    return None


def check(blocks, results):
    failures = []
    for b, (out, err, rc) in zip(blocks, results):
        where = f"{b.doc}:{b.line} ({b.lang})"
        if not b.run:
            problem = compile_only(b)
            if problem:
                failures.append(f"{where}: a no-run block does not compile\n--- block\n{b.text}\n"
                                f"--- error\n{problem[:2000]}\n")
            continue
        got = [int(c) for c in CODE.findall(out)]
        want = None if b.expected is None else [int(c) for c in CODE.findall(b.expected)]
        if b.lang == "sh":
            ok = got == want if want is not None else all(c == 200 for c in got)
            why = f"answer codes {got}, documented {want if want is not None else 'only 200'}"
        else:
            got_errors = [c for c in got if c != 200]
            want_errors = [c for c in (want or []) if c != 200]
            ok = rc == 0 and got_errors == want_errors
            why = (f"exit status {rc}, error codes printed {got_errors}, documented {want_errors}")
        if not ok:
            failures.append(f"{where}: {why}\n--- block\n{b.text}\n--- printed\n{out.strip()[:2000]}\n"
                            + (f"--- stderr\n{err.strip()[:2000]}\n" if err.strip() else ""))
    return failures


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    workdir = tempfile.mkdtemp(prefix="opchat-docs-")
    server = proxy = None
    started = time.time()
    try:
        os.makedirs(os.path.join(workdir, "build"))
        os.symlink(binary, os.path.join(workdir, "build", "opchat"))
        os.makedirs(os.path.join(workdir, "config"))
        # `import ... from 'opchat-client'` in the js blocks: the package of the source tree.
        os.makedirs(os.path.join(workdir, "node_modules"))
        os.symlink(os.path.join(source, "clients", "js"),
                   os.path.join(workdir, "node_modules", "opchat-client"))
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
        proxy, doc_port = start_record_proxy(port, source)
        failures, ran = [], {lang: 0 for lang in LANGS}
        for tag, blocks in (("readme", readme_tour(source)), ("api", api_reference(source))):
            if not any(b.lang == "sh" for b in blocks):
                failures.append(f"{tag}: no ```sh blocks found: did the document's layout change?")
                continue
            results, stderr = run_document(workdir, doc_port, blocks, tag, source)
            for b in blocks:
                ran[b.lang] += b.run
            found = check(blocks, results)
            if found and stderr.strip():
                found.append("--- shell stderr\n" + stderr.strip()[:2000])
            failures += found
        if not ran["js"] or not ran["python"]:
            failures.append("no ```js or ```python blocks ran: did docs/api.md's layout change?")
        if failures:
            print("\n".join(failures), file=sys.stderr)
            print("--- server log\n" + open(os.path.join(workdir, "server.log")).read()[-3000:],
                  file=sys.stderr)
            return 1
        print(f"doc_examples: {ran['sh']} sh, {ran['js']} js and {ran['python']} python blocks ran "
              f"as documented ({time.time() - started:.1f} s)")
        return 0
    finally:
        if proxy is not None:
            proxy.stdin.close()
            proxy.wait(timeout=10)
            proxy.stdout.close()
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
