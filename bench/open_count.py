#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Per connection opened, from the dumps of bench/open_count.sh: each
dump's events (instructions, and with --cache-sim the misses) divided by
the calls of dps_tcp_do_connect() in it, in all and function by
function (self cost, or inclusive with --inclusive), largest first.

Usage: bench/open_count.py [--inclusive] [--top N] [--event Ir|DLmr|...]
       CALLGRIND_FILE...
"""
import argparse
import re
import subprocess
import sys

CONNECT = "dps_tcp_do_connect"


def calls_of(path, fn):
    """Calls of @fn recorded in callgrind file @path (name compression
    resolved: "cfn=(id) name" names an id once, "cfn=(id)" reuses it)."""
    names, total, cur = {}, 0, None
    with open(path) as f:
        for line in f:
            if line.startswith("cfn="):
                m = re.match(r"cfn=\((\d+)\)(?: (.*))?", line.strip())
                if m:
                    if m.group(2):
                        names[m.group(1)] = m.group(2)
                    cur = names.get(m.group(1))
            elif line.startswith("fn="):
                m = re.match(r"fn=\((\d+)\)(?: (.*))?", line.strip())
                if m and m.group(2):
                    names[m.group(1)] = m.group(2)
            elif line.startswith("calls="):
                if cur == fn:
                    total += int(line.split("=")[1].split()[0])
    return total


def annotate(path, inclusive, event):
    cmd = ["callgrind_annotate", "--threshold=100", f"--inclusive={'yes' if inclusive else 'no'}"]
    if event:
        cmd.append(f"--show={event}")
        cmd.append(f"--sort={event}")
    out = subprocess.run(cmd + [path], capture_output=True, text=True, check=True).stdout
    rows, total = [], None
    for line in out.splitlines():
        m = re.match(r"^\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?PROGRAM TOTALS", line)
        if m:
            total = int(m.group(1).replace(",", ""))
            continue
        m = re.match(r"^\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(\S+):(\S+)", line)
        if m:
            rows.append((int(m.group(1).replace(",", "")), m.group(3)))
    return total, rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--inclusive", action="store_true")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--event", default=None)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    for p in a.files:
        n = calls_of(p, CONNECT)
        total, rows = annotate(p, a.inclusive, a.event)
        if n == 0:
            print(f"{p}: no connect")
            continue
        print(f"== {p}: {n} connects; {a.event or 'Ir'} per connect, all: {total / n:,.1f}")
        for v, fn in rows[: a.top]:
            print(f"{v / n:12,.1f}  {fn}")


if __name__ == "__main__":
    sys.exit(main())
