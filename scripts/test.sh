#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Build dpstack and pass every test suite, quickest first:
#   unit (no EAL), dpdk (EAL, no hugepages), interop (Linux kernel peer in
#   network namespaces), unit and dpdk again under ASan + UBSan, then
#   fuzz (each libFuzzer harness for 60 s, two at a time, ASan + UBSan).
# Every suite runs even when an earlier one fails; the closing line
# "tests: N passed, N failed" counts them all, and the exit status is
# non-zero when anything failed.
# Usage (root, Debian 12): ./scripts/test.sh
set -uo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh || { echo "tests: 0 passed, 1 failed (dependencies)"; exit 1; }

failed_steps=()

build() {	# build DIR [meson options...]
	local dir=$1; shift
	{ [ -f "$dir/build.ninja" ] || meson setup "$dir" "$@" >/dev/null; } &&
		meson configure "$dir" "$@" >/dev/null && ninja -C "$dir"
}

# run_suite DIR SUITE: meson's JSON log of the run is kept per suite.
run_suite() {
	local dir=$1 suite=$2
	echo "== suite $suite ($dir)"
	meson test -C "$dir" --suite "$suite" --print-errorlogs ||
		failed_steps+=("$dir:$suite")
	[ -f "$dir/meson-logs/testlog.json" ] &&
		cp "$dir/meson-logs/testlog.json" "$dir/meson-logs/testlog-$suite.json"
}

rm -f build/meson-logs/testlog*.json build-asan/meson-logs/testlog*.json
if build build -Dwerror=true -Dbuildtype=debugoptimized -Dpkgconfig.relocatable=true; then
	for suite in unit dpdk interop; do
		run_suite build "$suite"
	done
else
	failed_steps+=("build")
fi

echo "== suites unit and dpdk under AddressSanitizer + UndefinedBehaviorSanitizer"
if build build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false; then
	export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	# A leak fails the unit suite: Criterion runs each test in a worker
	# process whose exit status it ignores once the test has passed, so
	# LeakSanitizer's report at the worker's exit (exit code 23) would
	# only be printed; with abort_on_error the worker dies by SIGABRT
	# instead, which Criterion reports ("crashed during its setup or
	# teardown") and fails the run on.
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 run_suite build-asan unit
	# The EAL keeps process-lifetime allocations; mbuf leaks are checked
	# by the tests themselves against the pools' in-use counts.
	ASAN_OPTIONS=detect_leaks=0 run_suite build-asan dpdk
else
	failed_steps+=("build-asan")
fi

echo "== suite fuzz (build-fuzz, 60 s a harness)"
fuzzlog=$(mktemp /tmp/dps-fuzz-log.XXXXXX)
FUZZ_JOBS=2 ./scripts/fuzz.sh 60 2>&1 | tee "$fuzzlog"
[ "${PIPESTATUS[0]}" = 0 ] || failed_steps+=("fuzz")

# One closing line over every test run above (meson's JSON logs and the
# fuzz harnesses' lines), with a failed build or suite that left no log
# counted as one failure.
python3 - "${#failed_steps[@]}" "${failed_steps[*]:-}" "$fuzzlog" \
	build/meson-logs/testlog-*.json build-asan/meson-logs/testlog-*.json <<'PY'
import json, os, re, sys
ok = bad = skip = 0
for line in open(sys.argv[3]):
    m = re.match(r"fuzz: fuzz_\w+ (ok|FAIL)", line)
    if m:
        ok += m.group(1) == "ok"
        bad += m.group(1) == "FAIL"
for path in sys.argv[4:]:
    if not os.path.exists(path):
        continue
    for line in open(path):
        r = json.loads(line)["result"]
        if r == "OK": ok += 1
        elif r == "SKIP": skip += 1
        else: bad += 1
steps = sys.argv[2].split()
# A failed build is named by its directory alone ("build-asan"); a
# failed suite ("build:interop") has its tests in the logs already.
bad += sum(1 for s in steps if s.startswith("build") and ":" not in s)
if steps and bad == 0:
    bad = len(steps)     # a suite failed and left no log (or fuzz.sh
                         # could not build its harnesses)
if steps:
    print("failed: " + " ".join(steps))
print(f"tests: {ok} passed, {bad} failed, {skip} skipped")
sys.exit(1 if bad else 0)
PY
rc=$?
rm -f "$fuzzlog"
exit $rc
