#!/usr/bin/env python3
"""Fails when a source file includes a header of a layer it may not depend on.

The layers and their direction are those of docs/design.md ("Source layout"): a layer may
include itself and the layers listed for it, nothing else. The build runs this before compiling
(CMake target `layers`), so a wrong-way include fails the build even when it would link.

    tools/check_layers.py SRC_DIR
"""
import os
import re
import sys

ALLOWED = {
    "common": set(),
    "domain": {"common"},
    "storage": {"domain", "common"},
    "media": {"common"},
    "auth": {"storage", "domain", "common"},
    "codec": {"media", "domain", "common"},
    "transcript": {"codec", "storage", "media", "domain", "common"},
    "import": {"codec", "storage", "media", "domain", "common"},
    "events": {"codec", "storage", "media", "domain", "common"},
    "webhooks": {"events", "auth", "codec", "storage", "media", "domain", "common"},
    "config": {"webhooks", "events", "auth", "media", "storage", "domain", "common"},
    "api": {"events", "auth", "codec", "transcript", "storage", "media", "domain", "common"},
    "http": {"webhooks", "api", "events", "common"},
    "cli": {"webhooks", "http", "api", "config", "events", "import", "transcript", "codec", "auth",
            "storage", "media", "domain", "common"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "src"
    problems = []
    for layer in sorted(os.listdir(src)):
        root = os.path.join(src, layer)
        if not os.path.isdir(root):
            continue
        if layer not in ALLOWED:
            problems.append("%s: a layer tools/check_layers.py does not know" % root)
            continue
        for dirpath, _, files in os.walk(root):
            for name in sorted(files):
                if not name.endswith((".cpp", ".hpp")):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if m and m.group(1) != layer and m.group(1) not in ALLOWED[layer]:
                            problems.append("%s:%d: %s/ may not include %s/" %
                                            (path, number, layer, m.group(1)))
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
