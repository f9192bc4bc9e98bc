#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Machine-readable runs, checked with the tools that read them (jq,
# python3's json and xml, gnuplot through scripts/plot.sh). dps-httpd
# and dps-gen (then dps-lat --echo and dps-lat) run as two processes
# joined by a veth pair (net_af_packet) in a namespace of their own, with
# no kernel address on it. Not memif: DPDK 22.11's memif PMD unmaps the
# shared rings from its interrupt thread when the peer goes away, while
# the other side's poll may be inside rx_burst, and that process can
# crash at its client's exit (docs/apps.md, "Limits"); this test reads
# the server's summary after its client has gone. One PASS/FAIL line each:
#   1 --print-config: the settings of a --config file and the command
#     line in file form, then the defaults in effect (--timeout 5s, the
#     default --addr); fed back, the same again; (b) --hist-out refused
#     where nothing measures latency
#   2 dps-gen --config FILE --json for 3 s: every stdout line is a JSON
#     object with a type; intervals a second apart, then one final
#     interval and the summary last; every interval has the fields of
#     the schema (docs/apps.md)
#   3 the summary's totals are the sums of the intervals, and the text
#     summary on stderr says the same figures
#   4 the summary's histograms: buckets add up to n, the distribution
#     ends at [max, 100, n]; the settings are those of the file
#   5 --hist-out: two .hgrm files whose last row and footer agree with
#     the summary
#   6 dps-httpd --json (the server of 2): its intervals add up to its
#     summary, which counts as many requests as dps-gen completed
#   7 scripts/plot.sh draws the run: valid SVG with the four series
#   8 dps-lat --json against dps-lat --echo: NDJSON, the summary last
# Usage: json_run.sh PATH/TO/dps-httpd PATH/TO/dps-gen PATH/TO/dps-lat PATH/TO/plot.sh
set -uo pipefail

httpd=${1:?usage: json_run.sh dps-httpd dps-gen dps-lat plot.sh}
gen=${2:?} lat=${3:?} plot=${4:?}
for t in jq gnuplot python3; do
	command -v "$t" >/dev/null ||
		{ echo "FAIL: $t is not installed (scripts/deps.sh)"; exit 1; }
done
sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
tmp=$(mktemp -d /tmp/dps-json.XXXXXX)
pids=()
cleanup() {
	trap '' INT TERM
	for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ -n "${JSON_KEEP:-}" ]; then echo "outputs kept in $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1; then
	echo "SKIP: needs root and network namespaces"; exit 77
fi
ns=dpjs-$sfx va=ja$sfx vb=jb$sfx
ip netns add "$ns" || { echo "FAIL: cannot create namespace $ns"; exit 1; }
trap 'cleanup; ip netns del "$ns" 2>/dev/null' EXIT
ip link add "$va" netns "$ns" type veth peer name "$vb" netns "$ns"
for v in "$va" "$vb"; do
	ip netns exec "$ns" sh -c "echo 1 > /proc/sys/net/ipv6/conf/$v/disable_ipv6"
	ip -n "$ns" link set "$v" up
	ip netns exec "$ns" ethtool -K "$v" tx off >/dev/null 2>&1 || true
done
eal=(--no-huge -m 512 --no-pci --no-shconf --no-telemetry --log-level=lib.eal:error)
failed=0
pass() { echo "PASS $*"; }
fail() {	# CHECK REASON [FILE...]
	local what=$1 why=$2 f; shift 2
	echo "FAIL $what: $why"
	failed=1
	for f in "$@"; do [ -s "$f" ] && { echo "---- $(basename "$f")"; tail -n 20 "$f"; }; done
	return 0
}

# server PROG LOG READY ARGS...: a server on CPU 0 on one end of the
# veth pair, until it says READY (on stdout or stderr); stderr to LOG,
# stdout to LOG.out.
server() {
	local prog=$1 log=$2 ready=$3 i; shift 3
	ip netns exec "$ns" "$prog" "${eal[@]}" --file-prefix="dpjs$sfx" -l 0 \
		--vdev="net_af_packet0,iface=$va" -- \
		--addr 198.18.0.1/24 "$@" >"$log.out" 2>"$log" &
	pids+=("$!")
	for i in $(seq 300); do
		grep -q "$ready" "$log" "$log.out" && return 0
		sleep 0.1
	done
	return 1
}
# client PROG OUT ARGS...: a client on CPU 1 on the other end; stdout to
# OUT, stderr to OUT.err.
client() {
	local prog=$1 out=$2; shift 2
	ip netns exec "$ns" timeout 60 "$prog" "${eal[@]}" --file-prefix="dpjc$sfx" -l 1 \
		--vdev="net_af_packet0,iface=$vb" -- \
		--addr 198.18.0.2/24 "$@" >"$out" 2>"$out.err"
}
stop_server() {
	kill -INT "${pids[-1]}" 2>/dev/null; wait "${pids[-1]}" 2>/dev/null
	unset 'pids[-1]'
}

# ---- 1: --config and --print-config ----
cat >"$tmp/run.cfg" <<'CFG'
# a cps run against dps-httpd
to = 198.18.0.1:80
mode cps
proto http     # HTTP/1.1
conc=16
rate 0
duration 9s
CFG
"$gen" -- --config "$tmp/run.cfg" --duration 3s --hist-out "$tmp/h" --print-config >"$tmp/p1.cfg" 2>&1
rc1=$?
"$gen" -- --config "$tmp/p1.cfg" --print-config >"$tmp/p2.cfg" 2>&1
rc2=$?
if [ "$rc1" != 0 ] || [ "$rc2" != 0 ] || ! cmp -s "$tmp/p1.cfg" "$tmp/p2.cfg"; then
	fail "1 --print-config round trip" "exit $rc1/$rc2" "$tmp/p1.cfg" "$tmp/p2.cfg"
elif ! grep -qx 'duration 3s' "$tmp/p1.cfg" || grep -q 'duration 9s' "$tmp/p1.cfg" ||
		! grep -qx 'to 198.18.0.1:80' "$tmp/p1.cfg" || ! grep -qx 'conc 16' "$tmp/p1.cfg" ||
		! grep -qx 'timeout 5s' "$tmp/p1.cfg" || ! grep -qx 'addr 198.18.0.2/24' "$tmp/p1.cfg"; then
	fail "1 --print-config" "not the effective settings" "$tmp/p1.cfg"
else
	pass "1 --print-config: $(grep -vc '^#' "$tmp/p1.cfg") settings, the same when fed back"
fi

# --hist-out on a server, which measures no latency: refused, exit 2.
"$gen" -- --role server --hist-out "$tmp/x" >"$tmp/ho.log" 2>&1
rc1=$?
"$lat" -- --echo --hist-out "$tmp/x" >>"$tmp/ho.log" 2>&1
rc2=$?
if [ "$rc1" = 2 ] && [ "$rc2" = 2 ] && [ "$(grep -c 'invalid --hist-out' "$tmp/ho.log")" = 2 ]; then
	pass "1b --hist-out refused for dps-gen's server and dps-lat --echo"
else
	fail "1b --hist-out on a server" "exit $rc1/$rc2" "$tmp/ho.log"
fi

# ---- 2-8: a dps-gen run with --json ----
run=$tmp/run.json
if ! server "$httpd" "$tmp/httpd.log" '^dps-httpd: serving' --quiet --json; then
	fail "2 dps-httpd" "did not start" "$tmp/httpd.log"
	exit 1
fi
client "$gen" "$run" --config "$tmp/run.cfg" --duration 3s --json --hist-out "$tmp/h"
rc=$?
stop_server
[ "$rc" = 0 ] || fail "2 dps-gen --json" "exit $rc" "$run.err"

# Every line an object with a type (jq), then the schema (python3).
if ! jq -e -c 'type == "object" and (.type == "interval" or .type == "summary")' \
		"$run" >"$tmp/types" 2>&1 || grep -qv '^true$' "$tmp/types"; then
	fail "2 NDJSON" "a line that jq does not take for an object with a type" "$run" "$tmp/types"
fi
python3 - "$run" "$run.err" "$tmp/h" <<'PY' || failed=1
import json, math, re, sys
run, err, hbase = sys.argv[1:4]
lines = open(run).read().splitlines()
objs = [json.loads(l) for l in lines]
def check(name, ok, why):
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else ": " + why))
    return ok
ok_all = True
ivs = [o for o in objs if o["type"] == "interval"]
sums = [o for o in objs if o["type"] == "summary"]
S = sums[-1] if sums else {}
IV_KEYS = ["t", "dt", "final", "errors", "conn_attempted", "conn_established",
    "conn_closed", "conn_skipped", "open", "req_sent", "req_done", "resp_2xx",
    "tx_bytes", "rx_bytes", "cps", "req_per_s", "errors_by_kind", "request_time",
    "eth_tx_pkts", "eth_rx_pkts", "eth_tx_bytes", "eth_rx_bytes", "tcp_retrans",
    "drops", "tx_mbps", "rx_mbps"]
missing = [k for o in ivs for k in IV_KEYS if k not in o]
per_s = [o for o in ivs if not o["final"]]
ts = [o["t"] for o in ivs]
ok = check("2 NDJSON stream",
    len(sums) == 1 and objs[-1]["type"] == "summary" and len(per_s) >= 2
    and ivs[-1]["final"] and sum(o["final"] for o in ivs) == 1 and not missing
    and all(b > a for a, b in zip(ts, ts[1:]))
    # the reporter aims at whole seconds; a busy machine may delay it
    and all(abs(o["t"] - (k + 1)) < 2.5 and o["dt"] > 0 for k, o in enumerate(per_s)),
    "%d summaries, %d intervals (t %s), missing %s" % (len(sums), len(ivs), ts, missing[:5]))
if ok:
    print("   %d intervals at t = %s, a final one, the summary last" % (len(per_s),
        ", ".join("%.2f" % o["t"] for o in per_s)))
ok_all &= ok

TOT = ["conn_attempted", "conn_established", "conn_closed", "conn_skipped",
    "req_sent", "req_done", "resp_2xx", "tx_bytes", "rx_bytes", "errors",
    "eth_tx_pkts", "eth_rx_pkts", "eth_tx_bytes", "eth_rx_bytes", "tcp_retrans", "drops"]
bad = ["%s %d != %d" % (k, sum(o[k] for o in ivs), S.get(k, -1)) for k in TOT
    if sum(o[k] for o in ivs) != S.get(k, -1)]
bad += ["errors_by_kind.%s" % k for k in S.get("errors_by_kind", {})
    if sum(o["errors_by_kind"][k] for o in ivs) != S["errors_by_kind"][k]]
text = open(err).read()
def grab(pat):
    m = re.search(pat, text)
    return [int(x) for x in m.groups()] if m else None
fig = {
    "connections": (grab(r"connections: attempted (\d+), established (\d+) \(\d+/s\), closed (\d+)"),
        [S.get("conn_attempted"), S.get("conn_established"), S.get("conn_closed")]),
    "requests": (grab(r"requests: sent (\d+), completed (\d+)"), [S.get("req_sent"), S.get("req_done")]),
    "payload": (grab(r"payload: tx (\d+) bytes .*, rx (\d+) bytes"), [S.get("tx_bytes"), S.get("rx_bytes")]),
    "packets": (grab(r"packets: tx (\d+), rx (\d+), TCP retransmitted (\d+), drops (\d+)"),
        [S.get("eth_tx_pkts"), S.get("eth_rx_pkts"), S.get("tcp_retrans"), S.get("drops")]),
    "errors": (grab(r"\nerrors: (\d+)\n"), [S.get("errors")]),
}
bad += ["text %s %s != json %s" % (k, t, j) for k, (t, j) in fig.items() if t != j]
m = re.search(r"request time: n (\d+), min ([\d.]+), p50 ([\d.]+), p75 ([\d.]+), p90 ([\d.]+), "
    r"p99 ([\d.]+), p99.9 ([\d.]+), p99.99 ([\d.]+), p99.999 ([\d.]+), max ([\d.]+), "
    r"mean ([\d.]+), stddev ([\d.]+) us", text)
rt = S.get("request_time", {})
if m is None:
    bad.append("no request time line in the text")
else:
    keys = ["min_ns", "p50_ns", "p75_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns",
        "p99999_ns", "max_ns", "mean_ns", "stddev_ns"]
    if int(m.group(1)) != rt.get("n"):
        bad.append("request time n")
    for i, k in enumerate(keys):
        j = rt.get(k, -1) / 1e3
        # whole ns print exactly; mean and stddev (0.1 ns in JSON) within a ns
        exact = k not in ("mean_ns", "stddev_ns")
        if (exact and "%.3f" % j != m.group(i + 2)) or \
                (not exact and abs(j - float(m.group(i + 2))) > 0.0011):
            bad.append("request time %s: text %s, json %s" % (k, m.group(i + 2), rt.get(k)))
ok = check("3 the intervals add up to the summary, and the text says the same",
    not bad and S.get("req_done", 0) > 0 and S.get("errors") == 0, "; ".join(bad[:6])
    + " (req_done %s, errors %s)" % (S.get("req_done"), S.get("errors")))
if ok:
    print("   %d requests, %d connections, %d packets out" % (S["req_done"],
        S["conn_established"], S["eth_tx_pkts"]))
ok_all &= ok

bad = []
for h in ("connect_time", "request_time"):
    x = S.get(h, {})
    if sum(b[2] for b in x.get("buckets", [])) != x.get("n"):
        bad.append(h + ": buckets do not add up to n")
    if any(b[0] > b[1] for b in x.get("buckets", [])):
        bad.append(h + ": a bucket ends before it starts")
    p = x.get("percentiles", [])
    if not p or p[-1] != [x.get("max_ns"), 100, x.get("n")]:
        bad.append(h + ": distribution ends at %s" % (p[-1:],))
    if any(b[1] < a[1] or b[2] < a[2] for a, b in zip(p, p[1:])):
        bad.append(h + ": distribution not monotonic")
st = S.get("settings", {})
if st.get("to") != ["198.18.0.1:80"] or st.get("mode") != "cps" or st.get("conc") != "16" \
        or st.get("duration") != "3s" or st.get("json") is not True:
    bad.append("settings %s" % st)
cc = S.get("client", {})
if cc.get("mode") != "cps" or cc.get("proto") != "http" or cc.get("conc") != 16 \
        or cc.get("to") != ["198.18.0.1:80"] or cc.get("timeout_ns", 0) <= 0:
    bad.append("client settings %s" % cc)
ok_all &= check("4 the summary's histograms and settings", not bad, "; ".join(bad))

bad = []
for name, h in (("connect", "connect_time"), ("request", "request_time")):
    try:
        rows = open("%s.%s.hgrm" % (hbase, name)).read().splitlines()
    except OSError as e:
        bad.append(str(e)); continue
    x = S.get(h, {})
    data = [r.split() for r in rows[2:] if r and not r.startswith("#")]
    foot = [r for r in rows if r.startswith("#[")]
    if rows[0].split() != ["Value", "Percentile", "TotalCount", "1/(1-Percentile)"]:
        bad.append(name + ": header " + rows[0])
    if not data or int(data[-1][2]) != x.get("n") or data[-1][1] != "1.000000" \
            or data[-1][3] != "inf":
        bad.append(name + ": last row %s" % (data[-1:],))
    m1 = re.match(r"#\[Max     = +([\d.]+), Total count    = +(\d+)\]", foot[1] if len(foot) > 1 else "")
    if len(foot) != 3 or not m1 or int(m1.group(2)) != x.get("n") \
            or abs(float(m1.group(1)) - x.get("max_ns", 0) / 1e6) > 1e-6:
        bad.append(name + ": footer %s" % foot)
ok_all &= check("5 --hist-out: .hgrm files agree with the summary", not bad, "; ".join(bad))
sys.exit(0 if ok_all else 1)
PY

# ---- 6: dps-httpd's own NDJSON ----
if jq -e -s --slurpfile g "$run" '
		(map(.type) | .[-1] == "summary" and (.[:-1] | all(. == "interval"))) and
		(.[:-1] | map(select(.final)) | length == 1) and
		((.[:-1] | map(.requests) | add) == .[-1].requests) and
		((.[:-1] | map(.accepted) | add) == .[-1].accepted) and
		.[-1].requests == $g[-1].req_done and .[-1].requests > 0' \
		"$tmp/httpd.log.out" >/dev/null; then
	pass "6 dps-httpd --json: $(jq -s '.[-1].requests' "$tmp/httpd.log.out") requests, as many as dps-gen completed"
else
	fail "6 dps-httpd --json" "not NDJSON adding up to dps-gen's figures" "$tmp/httpd.log.out" "$tmp/httpd.log"
fi

# ---- 7: the picture ----
if ! "$plot" "$run" "$tmp/run.svg" >"$tmp/plot.log" 2>&1; then
	fail "7 plot.sh" "failed" "$tmp/plot.log"
elif ! python3 - "$tmp/run.svg" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
titles = [t.text for t in root.iter(ns + "title")]
want = ["connections/s", "requests/s", "connect time", "request time"]
paths = len(list(root.iter(ns + "path")))
sys.exit(0 if root.tag == ns + "svg" and all(w in titles for w in want) and paths > 4 else 1)
PY
then
	fail "7 plot.sh" "not an SVG with the four series" "$tmp/plot.log"
else
	pass "7 plot.sh: $(stat -c %s "$tmp/run.svg") bytes of SVG with the rates and both latency curves"
fi

# ---- 8: dps-lat ----
# Its first per-second line: the poll loop runs (the link is up).
if ! server "$lat" "$tmp/echo.log" '^t=1s' --echo --port 7; then
	fail "8 dps-lat --echo" "did not start" "$tmp/echo.log"
else
	client "$lat" "$tmp/lat.json" --to 198.18.0.1:7 --mode rr --duration 2s \
		--timeout 5s --json
	rc=$?
	stop_server
	if [ "$rc" != 0 ] || ! jq -e -s '(map(.type) | .[-1] == "summary" and
			(.[:-1] | all(. == "interval")) and length >= 3) and
			(.[-1].request_time.n == .[-1].req_done) and .[-1].req_done > 0 and
			(map(select(.type == "interval") | .req_done) | add) == .[-1].req_done' \
			"$tmp/lat.json" >/dev/null 2>&1; then
		fail "8 dps-lat --json" "exit $rc" "$tmp/lat.json" "$tmp/lat.json.err"
	else
		pass "8 dps-lat --json: $(jq -s '.[-1].req_done' "$tmp/lat.json") round trips, p99.999 $(jq -s '.[-1].request_time.p99999_ns' "$tmp/lat.json") ns"
	fi
fi
exit $failed
