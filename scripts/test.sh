#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Build dpstack and pass every test suite, quickest first:
#   unit (no EAL), dpdk (EAL, no hugepages), interop (Linux kernel peer in
#   network namespaces), then unit and dpdk again under ASan + UBSan.
# Usage (root, Debian 12): ./scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh

build() {	# build DIR [meson options...]
	local dir=$1; shift
	[ -f "$dir/build.ninja" ] || meson setup "$dir" "$@" >/dev/null
	meson configure "$dir" "$@" >/dev/null
	ninja -C "$dir"
}

build build -Dwerror=true -Dbuildtype=debugoptimized
rm -f build/meson-logs/testlog*.json build-asan/meson-logs/testlog*.json
mkdir -p build/meson-logs
for suite in unit dpdk interop; do
	echo "== suite $suite"
	meson test -C build --suite "$suite" --print-errorlogs
	cp build/meson-logs/testlog.json "build/meson-logs/testlog-$suite.json"
done

echo "== suites unit and dpdk under AddressSanitizer + UndefinedBehaviorSanitizer"
build build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
ASAN_OPTIONS=detect_leaks=1 \
	meson test -C build-asan --suite unit --print-errorlogs
cp build-asan/meson-logs/testlog.json build-asan/meson-logs/testlog-unit.json
# The EAL keeps process-lifetime allocations; mbuf leaks are checked by the
# tests themselves against the pools' in-use counts.
ASAN_OPTIONS=detect_leaks=0 \
	meson test -C build-asan --suite dpdk --print-errorlogs
cp build-asan/meson-logs/testlog.json build-asan/meson-logs/testlog-dpdk.json

# One closing line over every test run above (meson's JSON logs).
python3 - build/meson-logs/testlog-*.json build-asan/meson-logs/testlog-*.json <<'PY'
import json, sys
ok = bad = skip = 0
for path in sys.argv[1:]:
    for line in open(path):
        r = json.loads(line)["result"]
        if r == "OK": ok += 1
        elif r == "SKIP": skip += 1
        else: bad += 1
print(f"tests: {ok} passed, {bad} failed, {skip} skipped")
sys.exit(1 if bad else 0)
PY
