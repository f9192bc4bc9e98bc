#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# <dpstack/dpstack.h>, the examples and the README's complete programs
# compile with nothing but the uninstalled pkg-config file
# (BUILD_DIR/meson-uninstalled/), as a project that builds dpstack
# beside itself uses it. Compiles only (no link): the sanitizer builds'
# library needs their runtime to link.
# Usage: uninstalled_pc.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "${1:?usage: uninstalled_pc.sh BUILD_DIR SOURCE_DIR}" && pwd)
src=$(cd "${2:?usage: uninstalled_pc.sh BUILD_DIR SOURCE_DIR}" && pwd)
tmp=$(mktemp -d /tmp/dps-upc.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export PKG_CONFIG_PATH=$build/meson-uninstalled
flags=$(pkg-config --cflags libdpstack) || { echo "FAIL: no libdpstack-uninstalled.pc in $PKG_CONFIG_PATH"; exit 1; }
printf '#include <dpstack/dpstack.h>\nint main(void) { return dps_stack_lcore_count(0) > 0; }\n' >"$tmp/hdr.c"
# The README's complete programs (its ```c blocks with a main()).
awk -v d="$tmp" '/^```c$/ { n++; f = d "/readme" n ".c"; next }
	/^```$/ { f = ""; next } f != "" { print > f }' "$src/README.md"
readme=()
for f in "$tmp"/readme*.c; do
	[ -e "$f" ] && grep -q '^int main(' "$f" && readme+=("$f")
done
[ ${#readme[@]} -gt 0 ] || { echo "FAIL: no complete C program in README.md"; exit 1; }
failed=0
for f in "$tmp/hdr.c" "$src/examples/app_thread.c" "$src/examples/appliance.c" "${readme[@]}"; do
	# shellcheck disable=SC2086	# pkg-config's words are separate flags
	if cc -Wall -Wextra -Werror -c -o "$tmp/out.o" "$f" $flags 2>"$tmp/cc.log"; then
		echo "PASS $(basename "$f") compiles with libdpstack-uninstalled.pc"
	else
		echo "FAIL $(basename "$f") with libdpstack-uninstalled.pc:"; cat "$tmp/cc.log"; failed=1
	fi
done
exit $failed
