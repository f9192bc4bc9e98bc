#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The instruction set a build targets (meson.build, "The instruction set").

Without -Dnative=true no file is compiled for -march=native (the last
-march of its command wins, as in gcc) and libdpstack.pc asks for none;
with it, every file is. Reads BUILD_DIR/compile_commands.json and the
build's options, so it checks this build as configured.

Usage: isa.py BUILD_DIR
"""
import json
import os
import re
import sys


def main(build):
    with open(os.path.join(build, 'meson-info', 'intro-buildoptions.json')) as f:
        native = next(o['value'] for o in json.load(f) if o['name'] == 'native')
    with open(os.path.join(build, 'compile_commands.json')) as f:
        cmds = json.load(f)
    bad = []
    for c in cmds:
        march = re.findall(r'(?:^|\s)-march=(\S+)', c['command'])
        last = march[-1] if march else 'the compiler default'
        if (last == 'native') != native:
            bad.append(f"{c['file']}: built for {last}")
    with open(os.path.join(build, 'meson-private', 'libdpstack.pc')) as f:
        if '-march' in f.read():
            bad.append('libdpstack.pc passes a -march to its users')
    want = 'native' if native else "DPDK's baseline"
    for b in bad[:10]:
        print(f'FAIL {b}, expected {want}')
    if not bad:
        print(f'PASS {len(cmds)} files built for {want}; libdpstack.pc asks for no -march')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
