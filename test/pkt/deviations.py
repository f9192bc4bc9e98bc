#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""docs/tcp.md lists every packet script marked "# deviation: dpstack:",
with the script's reason, and nothing else (issue 18: each deviation has
its reason in docs/tcp.md).

    deviations.py SOURCE_ROOT          check
    deviations.py SOURCE_ROOT --write  rewrite the table from the scripts
"""
import pathlib
import re
import sys

HEAD = "| script | deviation |\n|---|---|\n"


def rows(root):
    out = []
    for p in sorted((root / "test/pkt/scripts").glob("*.pkt")):
        for line in p.read_text().splitlines():
            if line.startswith("# deviation: dpstack:"):
                why = line.split("dpstack:", 1)[1].strip()
                out.append(f"| `{p.name}` | {why} |\n")
    return out


def main():
    root = pathlib.Path(sys.argv[1])
    doc = root / "docs/tcp.md"
    text = doc.read_text()
    m = re.search(re.escape(HEAD) + r"((?:\|.*\|\n)*)", text)
    if m is None:
        print("docs/tcp.md: no deviation table")
        return 1
    want = "".join(rows(root))
    if "--write" in sys.argv:
        doc.write_text(text[:m.start(1)] + want + text[m.end(1):])
        return 0
    if m.group(1) != want:
        print("docs/tcp.md's deviation table differs from the scripts; run\n"
              "  test/pkt/deviations.py . --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
