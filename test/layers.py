#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The layering rule of lib/ (lib/meson.build), checked on the sources.

Every #include "x.h" in lib/<layer>/ must name a header of the same layer,
of the public API (lib/include/), of a layer below it in LAYERS, or (from
core up) of drivers/port/. An include of a higher layer, or of a header
that is nowhere, fails with the file and line. The build enforces the
same rule through the include paths; this check also covers headers that
no .c file of the layer happens to include, and says what is wrong.

Usage: layers.py SOURCE_ROOT     check the tree
       layers.py --self-test     check that a violation is caught
"""
import os
import re
import sys
import tempfile

LAYERS = ['util', 'wire', 'arp', 'nd', 'route', 'tcp', 'core', 'ip', 'inet',
          'sock', 'stack']
DRIVERS_FROM = 'core'	# drivers/port is below core and above the pure layers
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def header_homes(root):
    """Map a header's name to where it lives: a layer, 'include' or 'drivers'."""
    homes = {}
    for d in LAYERS + ['include']:
        path = os.path.join(root, 'lib', d)
        for f in os.listdir(path) if os.path.isdir(path) else []:
            if f.endswith('.h'):
                homes.setdefault(f, []).append(d)
    port = os.path.join(root, 'drivers', 'port')
    for f in os.listdir(port) if os.path.isdir(port) else []:
        if f.endswith('.h'):
            homes.setdefault(f, []).append('drivers')
    return homes


def check(root):
    homes = header_homes(root)
    errors = []
    for h, where in homes.items():
        if len(where) > 1:
            errors.append(f'{h}: in more than one layer: {", ".join(where)}')
    for i, layer in enumerate(LAYERS):
        allowed = set(LAYERS[:i + 1]) | {'include'}
        if i >= LAYERS.index(DRIVERS_FROM):
            allowed.add('drivers')
        path = os.path.join(root, 'lib', layer)
        for f in sorted(os.listdir(path)):
            if not f.endswith(('.c', '.h')):
                continue
            text = open(os.path.join(path, f), encoding='utf-8').read()
            for m in INCLUDE.finditer(text):
                h = m.group(1)
                line = text.count('\n', 0, m.start()) + 1
                where = homes.get(h)
                if where is None:
                    errors.append(f'lib/{layer}/{f}:{line}: "{h}" is in no layer')
                elif where[0] not in allowed:
                    errors.append(f'lib/{layer}/{f}:{line}: includes "{h}" of '
                                  f'layer {where[0]}, above {layer}')
    return errors


def self_test():
    """A tree where wire includes a core header must fail; a clean one pass."""
    with tempfile.TemporaryDirectory() as t:
        for d in LAYERS + ['include']:
            os.makedirs(os.path.join(t, 'lib', d))
        os.makedirs(os.path.join(t, 'drivers', 'port'))
        open(os.path.join(t, 'lib', 'core', 'dps_core.h'), 'w').write('')
        open(os.path.join(t, 'lib', 'wire', 'dps_wire.h'), 'w').write('')
        open(os.path.join(t, 'lib', 'core', 'a.c'), 'w').write('#include "dps_wire.h"\n')
        if check(t):
            return ['self-test: a downward include was refused']
        open(os.path.join(t, 'lib', 'wire', 'b.c'), 'w').write('#include "dps_core.h"\n')
        if not check(t):
            return ['self-test: an upward include (wire -> core) went unnoticed']
    return []


def main():
    if len(sys.argv) == 2 and sys.argv[1] == '--self-test':
        errors = self_test()
    elif len(sys.argv) == 2:
        errors = check(sys.argv[1])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for e in errors:
        print(e)
    print(f'layers: {"FAIL" if errors else "ok"} ({len(errors)} problem(s))')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
