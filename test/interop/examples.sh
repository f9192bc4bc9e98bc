#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The examples of examples/, built as a user builds them: against the
# *installed* library, with nothing of the build tree.
#   1 meson install --destdir STAGE puts the public headers under
#     include/dpstack/, the library and libdpstack.pc under the libdir;
#   2 cc (-Wall -Wextra -Werror) compiles and links app_thread.c and
#     appliance.c with `pkg-config --cflags --libs libdpstack`, the .pc
#     found in STAGE (it locates its prefix from its own place);
#   3 each runs on net_af_packet over a veth pair against a kernel echo
#     server (python3) and must print the echo and exit 0, and the server
#     must have echoed the whole message and seen the close.
#   namespace exk-*: the kernel, 198.18.7.1/24, the echo server on 7007
#   namespace exd-*: the example, 198.18.7.2/24
# Names are unique per run; a trap removes everything on every exit path.
# Usage: examples.sh BUILD_DIR SOURCE_DIR
set -euo pipefail

build=$(cd "${1:?usage: examples.sh BUILD_DIR SOURCE_DIR}" && pwd)
src=$(cd "${2:?usage: examples.sh BUILD_DIR SOURCE_DIR}" && pwd)
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1; then
	echo "SKIP: needs root and network namespaces"; exit 77
fi
for t in cc pkg-config meson ethtool; do
	command -v "$t" >/dev/null ||
		{ echo "FAIL: $t is not installed (scripts/deps.sh installs it)"; exit 1; }
done
py=$(command -v /usr/bin/python3 || command -v python3)

sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
nsk=exk-$sfx nsd=exd-$sfx vk=xk$sfx vd=xd$sfx
K=198.18.7.1 D=198.18.7.2 port=7007
tmp=$(mktemp -d /tmp/dps-examples.XXXXXX)
srv=

cleanup() {
	trap '' INT TERM
	[ -n "$srv" ] && kill "$srv" 2>/dev/null || true
	wait 2>/dev/null || true
	ip netns del "$nsk" 2>/dev/null || true
	ip netns del "$nsd" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

failed=0
fail() { echo "FAIL $*"; failed=1; }

# ---- 1: the staged install ----
stage=$tmp/stage
if ! meson install -C "$build" --destdir "$stage" --no-rebuild --quiet >"$tmp/install.log" 2>&1; then
	fail "1 meson install --destdir: $(tail -n 3 "$tmp/install.log")"; exit 1
fi
pc=$(find "$stage" -name libdpstack.pc | head -n 1)
[ -n "$pc" ] || { fail "1 meson install: no libdpstack.pc under $stage"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
inc=$(realpath -m "$(pkg-config --variable=includedir libdpstack)")
libdir=$(realpath -m "$(pkg-config --variable=libdir libdpstack)")
case $inc in
"$stage"/*) ;;
*) fail "1 libdpstack.pc's includedir is $inc, outside the stage: the .pc is not" \
	"relocatable (a build directory set up before pkgconfig.relocatable became" \
	"the default: meson configure $build -Dpkgconfig.relocatable=true)"; exit 1 ;;
esac
missing=
for f in "$inc"/dpstack/{dpstack,dps_addr,dps_counters,dps_stack,dps_thread,dps_socket,dps_testwire}.h \
		"$libdir"/libdpstack.so; do
	[ -f "$f" ] || missing+=" ${f#"$stage"}"
done
if [ -n "$missing" ]; then fail "1 meson install: missing$missing"; exit 1; fi
echo "PASS 1 meson install --destdir: headers in ${inc#"$stage"}/dpstack, library and libdpstack.pc in ${libdir#"$stage"}"

# ---- 2: build the examples against it ----
for ex in app_thread appliance; do
	# shellcheck disable=SC2046	# pkg-config's words are separate flags
	if ! cc -Wall -Wextra -Werror -o "$tmp/$ex" "$src/examples/$ex.c" \
			$(pkg-config --cflags --libs libdpstack) -lpthread \
			-Wl,-rpath,"$libdir" >"$tmp/cc-$ex.log" 2>&1; then
		fail "2 cc $ex.c against the installed library:"; cat "$tmp/cc-$ex.log"; exit 1
	fi
	if ldd "$tmp/$ex" | grep -q "$build"; then
		fail "2 $ex links the build tree's library: $(ldd "$tmp/$ex" | grep "$build")"; exit 1
	fi
done
echo "PASS 2 app_thread.c and appliance.c built with pkg-config against the staged prefix"

# ---- 3: run them against the kernel ----
. "$(dirname "$0")/veth_pair.sh"
veth_pair "$nsk" "$nsd" "$vk" "$vd" "$K/24" noipv6

# Echo every connection back; one line per connection when it ends.
cat >"$tmp/echo.py" <<'PY'
import socket, sys
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((sys.argv[1], int(sys.argv[2])))
ls.listen(8)
print("listening", flush=True)
while True:
    c, peer = ls.accept()
    n = 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        c.sendall(b)
        n += len(b)
    print(f"closed {peer[0]} echoed {n}", flush=True)
    c.close()
PY
ip netns exec "$nsk" "$py" "$tmp/echo.py" "$K" "$port" >"$tmp/echo.log" 2>&1 &
srv=$!
for _ in $(seq 100); do grep -q '^listening' "$tmp/echo.log" && break; sleep 0.05; done
grep -q '^listening' "$tmp/echo.log" || { fail "3 the echo server did not start: $(cat "$tmp/echo.log")"; exit 1; }

eal=(--no-huge -m 512 --no-pci --no-shconf --no-telemetry
	--log-level=lib.eal:error -l 0 --vdev="net_af_packet0,iface=$vd")
n=0
for ex in app_thread appliance; do
	n=$((n + 1))
	msg="dpstack $ex example, run $sfx"
	rc=0 t0=$(date +%s.%N)
	ip netns exec "$nsd" timeout 60 "$tmp/$ex" "${eal[@]}" --file-prefix="ex$n$sfx" -- \
		"$D/24" "$K" "$port" "$msg" >"$tmp/$ex.log" 2>&1 || rc=$?
	# The server logs the connection once it has seen the FIN.
	for _ in $(seq 100); do
		[ "$(grep -c '^closed' "$tmp/echo.log")" -ge $n ] && break
		sleep 0.05
	done
	want="$ex: sent ${#msg} bytes, echoed ${#msg}: $msg"
	if [ $rc != 0 ]; then
		fail "3 $ex exited with $rc:"; tail -n 15 "$tmp/$ex.log"
	elif ! grep -qxF "$want" "$tmp/$ex.log"; then
		fail "3 $ex did not print '$want':"; tail -n 15 "$tmp/$ex.log"
	elif [ "$(sed -n "${n}s/^closed $D echoed //p" <(grep '^closed' "$tmp/echo.log"))" != "${#msg}" ]; then
		fail "3 the kernel's echo server for $ex: $(grep '^closed' "$tmp/echo.log" | sed -n "${n}p")"
	else
		echo "PASS 3 $ex against the kernel's echo server: ${#msg} bytes echoed, closed" \
			"($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s)"
	fi
done
exit $failed
