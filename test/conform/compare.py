#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Compare the conformance runners' outputs row by row and print the table.

Input: each runner's JSON lines (one object per row: its steps as
[label, result, seconds-or-null]) and the log peer.py wrote during that
run. For rows that talked to the crafted peer or the black hole, lines
derived from the peer's log are added to the row: the segments the device
sent (SYNs per attempt, ACKs, RSTs, FINs, SYN-ACKs), and where the row asks
for it the first SYN's layout and the SYN schedule; for IPv6 rows with a
port of their own, the flow labels of the device's packets per flow
(none, one throughout, or changing: the value is random, so only its
presence and constancy compare).

Results compare exactly; times (timed steps, the SYN schedule) compare
within TOLERANCE seconds plus SLACK of the time itself: the kernel's
timers each fire a jiffy or so late (about 24 ms per second-long timer
here), which adds up over a schedule; dpstack's do not. Exit status 1
when any row differs; 2 with --retry-file when every row that differs
differs only in timing. The rows that differ are printed again at the
end.
With only the kernel's files, print the kernel's table.
"""

import argparse
import json
import sys

TOLERANCE = 0.15
SLACK = 0.03
GSO_GAP = 0.005
# An ACK within QUICK_S of the peer's segment leaving was quick: Linux's
# delayed ACK waits at least 40 ms (TCP_DELACK_MIN), a quick one leaves
# at once, and a busy machine may hold dpstack's polling lcore (or the
# kernel's ksoftirqd) off the CPU for a scheduler slice (a few ms, about
# 12 ms beside stress-ng --cpu 2).
QUICK_S = 0.035


def load_rows(path):
    rows = {}
    order = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            rows[r["row"]] = r
            order.append(r["row"])
    return rows, order


def load_peer(path):
    """The device's segments and ARP requests, with the peer's own data
    segments and SYN-ACKs as they left (PeerLog.outs; times from the
    kernel's clock, as the device's)."""
    evs, outs, v6 = [], [], []
    with open(path) as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get("dir") == "in":
                evs.append(e)
            elif e.get("dir") == "sent":
                outs.append(e)
            elif e.get("dir") == "in6":
                v6.append(e)
    return PeerLog(evs, outs, v6)


class PeerLog(list):
    """The device's segments, with the peer's data segments in .outs and
    the device's IPv6 packets in .v6."""

    def __init__(self, evs, outs, v6=()):
        super().__init__(evs)
        self.outs = outs
        self.v6 = list(v6)


PROTO = {6: "tcp", 17: "udp", 58: "icmp6"}


def flow_labels(row, evs):
    """The device's IPv6 flow labels while the row ran, per flow (the
    protocol and both ports; ICMPv6 by type): the labels are random
    (Linux's hash of the flow), so each flow reads as its kind and
    "none" (all 0), "one" (one non-zero label throughout) or "changes"
    (another after a retransmission timeout); a RST for no socket
    takes a hash of its own, so a connection followed by one changes
    on both sides. Rows run side by side, so only a row with a port of
    its own (row_segments()'s) has the line; None when it sent no IPv6
    packet there."""
    if not row.get("t0") or not (row["dport"] or row.get("lport")):
        return None
    lo, hi = row["t0"] - 0.05, row["t1"]
    if row["dport"]:
        mine = lambda e: e.get("dport") == row["dport"]
    else:
        mine = lambda e: e.get("sport") == row.get("lport")
    flows = {}
    for e in getattr(evs, "v6", []):
        if lo <= e["t"] <= hi and e["proto"] != 58 and mine(e):
            key = (e["proto"], e.get("sport"), e.get("dport"))
            flows.setdefault(key, []).append(e["label"])
    if not flows:
        return None
    kinds = []
    for key, labels in flows.items():
        if not any(labels):
            what = "none"
        elif len(set(labels)) == 1:
            what = "one"
        else:
            what = "changes"
        kinds.append("%s %s" % (PROTO[key[0]], what))
    return ", ".join("%s x%d" % (k, kinds.count(k)) for k in sorted(set(kinds)))


def acks_of_peer_data(row, evs):
    """For the SYN-ACK and each data segment the peer sent on the row's
    port, how soon the device acknowledged it: quick (under QUICK_S) or
    delayed."""
    lo, hi = row["t0"] - 0.05, row["t1"]
    res = []
    for o in evs.outs:
        if o.get("dport") != row["dport"] or not lo <= o["t"] <= hi:
            continue
        end = (o["seq"] + (o.get("len") or 1)) & 0xFFFFFFFF
        acks = [e["t"] - o["t"] for e in evs if e.get("dport") == row["dport"]
                and e["t"] >= o["t"] - 0.001 and e["flags"] & 0x10 and
                (e["ack"] - end) & 0xFFFFFFFF < 0x80000000]
        res.append(("syn-ack:" if o["flags"] == 0x12 else "") +
                   ("none" if not acks else
                    "quick" if min(acks) < QUICK_S else "delayed"))
    return " ".join(res) or "no data from the peer"


def row_segments(row, evs):
    """The device's segments to the row's port (or, for a row where the
    peer connects to the device, from its listening port) while the row
    ran."""
    lo, hi = row["t0"] - 0.05, row["t1"]
    if not row["dport"]:
        return [e for e in evs if e.get("sport") == row.get("lport") and
                lo <= e["t"] <= hi]
    return [e for e in evs if e.get("dport") == row["dport"] and
            lo <= e["t"] <= hi]


def arp_times(row, evs):
    """When the device asked for the row's ARP target, from the first
    connect on."""
    lo, hi = row["t0"] - 0.05, row["t1"]
    return [e["t"] - row["t0"] for e in evs
            if e.get("arp") == row["arp"] and lo <= e["t"] <= hi]


def attempts(segs):
    """SYNs grouped by initial sequence number, in order of appearance."""
    by_isn = {}
    for e in segs:
        if e["flags"] & 0x12 == 0x02:
            by_isn.setdefault(e["seq"], []).append(e)
    return list(by_isn.values())


def summary(segs):
    syns = "+".join(str(len(a)) for a in attempts(segs)) or "0"
    count = {"ack": 0, "rst": 0, "badack": 0, "fin": 0, "synack": 0}
    for e in segs:
        fl = e["flags"]
        if fl & 0x04:
            count["rst"] += 1
            count["badack"] += e.get("note") == "rst_for_badack"
        elif fl & 0x12 == 0x12:
            count["synack"] += 1
        elif fl & 0x01:
            count["fin"] += 1
        elif fl & 0x10 and not fl & 0x02:
            count["ack"] += 1
    return ("syns=%s acks=%d rsts=%d(for-bad-ack %d) fins=%d synacks=%d" %
            (syns, count["ack"], count["rst"], count["badack"], count["fin"],
             count["synack"]))


def layout(segs):
    a = attempts(segs)
    if not a:
        return "no SYN"
    s = a[0][0]
    return ("opts=%s win=%d mss=%s ws=%s ttl=%d tos=%d df=%d" %
            (",".join(map(str, s["opts"])), s["win"], s["mss"], s["ws"],
             s["ttl"], s.get("tos", 0), s["df"]))


def data(row, segs):
    """The device's segments with payload or FIN, in order: length, P
    for PSH, F for FIN, the TTL and TOS when not 64 and 0; and when each
    left, from the first connect. Segments that follow each other in
    sequence within GSO_GAP seconds count as one, as the kernel's
    veth hands the peer one GSO frame where dpstack sends MSS pieces."""
    runs = []
    for e in segs:
        if e["flags"] & 0x12 == 0x12:
            runs.append({"len": 0, "syn": "SA[win=%d,ws=%s]" % (e["win"], e["ws"]),
                         "t": e["t"], "ttl": e["ttl"], "tos": e.get("tos", 0),
                         "psh": False, "fin": True})
            continue
        if e["flags"] & 0x06 or not (e["len"] or e["flags"] & 0x01):
            continue
        last = runs[-1] if runs else None
        if last and not last["fin"] and e["seq"] == last["end"] and \
                e["t"] - last["t1"] <= GSO_GAP and e["ttl"] == last["ttl"] \
                and e.get("tos", 0) == last["tos"]:
            last["len"] += e["len"]
        else:
            last = {"len": e["len"], "t": e["t"], "ttl": e["ttl"],
                    "tos": e.get("tos", 0)}
            runs.append(last)
        last.update(end=(e["seq"] + e["len"]) & 0xFFFFFFFF, t1=e["t"],
                    psh=bool(e["flags"] & 0x08), fin=bool(e["flags"] & 1))
    out = []
    for r in runs:
        t = r["syn"] if r.get("syn") else "%d%s%s" % (
            r["len"], "P" if r["psh"] else "", "F" if r["fin"] else "")
        if r["ttl"] != 64 or r["tos"]:
            t += "(ttl=%d,tos=%d)" % (r["ttl"], r["tos"])
        out.append(t)
    return " ".join(out) or "none", [r["t"] - row["t0"] for r in runs]


def schedule(row, segs):
    """Offsets of the first attempt's SYNs from the first connect call."""
    a = attempts(segs)
    return [e["t"] - row["t0"] for e in a[0]] if a else []


def lines_of(row, evs):
    """[label, text, times] per step, plus the peer-derived lines."""
    out = [[s[0], s[1], [s[2]] if s[2] is not None else []]
           for s in row["steps"]]
    if (row["dport"] or row.get("lport")) and evs is not None:
        segs = row_segments(row, evs)
        if not row.get("nosum"):
            out.append(["peer: segments seen", summary(segs), []])
        if row["layout"]:
            out.append(["peer: first SYN", layout(segs), []])
        if row.get("acks"):
            out.append(["peer: its data acknowledged",
                        acks_of_peer_data(row, evs), []])
        if row.get("data"):
            text, times = data(row, segs)
            out.append(["peer: data", text, times])
        if row["syns"]:
            times = schedule(row, segs)
            out.append(["peer: SYN times", "%d SYNs" % len(times), times])
    if row.get("arp") and evs is not None:
        times = arp_times(row, evs)
        out.append(["peer: ARP requests", "%d" % len(times), times])
    labels = flow_labels(row, evs) if evs is not None else None
    if labels is not None:
        out.append(["peer: IPv6 flow labels", labels, []])
    return out


def show(text, times):
    if not times:
        return text
    return "%s @%s" % (text, ",".join("%.2f" % t for t in times))


def same(a, b):
    if a is None or b is None or a[0] != b[0] or a[1] != b[1]:
        return False
    if len(a[2]) != len(b[2]):
        return False
    return all(abs(x - y) <= TOLERANCE + SLACK * max(x, y)
               for x, y in zip(a[2], b[2]))


def timing_only(k, d):
    """Whether two lines that differ give the same result and differ only
    in when: the one thing a busy machine changes."""
    return k is not None and d is not None and k[:2] == d[:2]


def retryable(line, k, d):
    """Whether a differing line may be a busy machine's doing: a time
    outside the tolerance, or whether an ACK left within QUICK_S."""
    return timing_only(k, d) or line == "peer: its data acknowledged"


def table(k_rows, k_order, k_evs, d_rows=None, d_evs=None):
    """Print row by row; return the row names, those that differ, those
    among them that differ only where a busy machine can make them differ
    (retryable()), and the differing rows' printed lines."""
    two = d_rows is not None
    names = list(k_order) + [n for n in (d_rows or {}) if n not in k_rows]
    out, differ, timing, bad_lines = [], [], [], []
    for name in names:
        kl = lines_of(k_rows[name], k_evs) if name in k_rows else []
        dl = lines_of(d_rows[name], d_evs) if two and name in d_rows else []
        bad, only_timing = False, True
        first = len(out)
        out.append((name,))
        for i in range(max(len(kl), len(dl))):
            k = kl[i] if i < len(kl) else None
            d = dl[i] if i < len(dl) else None
            ks = show(k[1], k[2]) if k else "(missing)"
            if not two:
                out.append(("  " + (k or d)[0], ks))
                continue
            ok = same(k, d)
            bad |= not ok
            if not ok:
                only_timing &= retryable((k or d)[0], k, d)
            out.append(("  " + (k or d)[0], ks,
                        show(d[1], d[2]) if d else "(missing)",
                        "yes" if ok else "DIFF"))
        if bad:
            differ.append(name)
            bad_lines.extend(out[first:])
            if only_timing:
                timing.append(name)
    head = ("ROW / STEP", "KERNEL") + (("DPSTACK", "SAME") if two else ())
    widths = [min(60, max(len(r[c]) for r in out + [head] if len(r) > c))
              for c in range(len(head) - 1)]
    print_rows([head] + out, widths)
    if bad_lines:
        # Again at the end, where a log cut to its tail still shows them.
        print("\nrows that differ:")
        print_rows([head] + bad_lines, widths)
    return names, differ, timing


def print_rows(rows, widths):
    for r in rows:
        cells = [r[c].ljust(widths[c]) if c < len(widths) else r[c]
                 for c in range(len(r))]
        print(" | ".join(cells).rstrip() if len(r) > 1 else r[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--kernel-peer", required=True)
    ap.add_argument("--dps")
    ap.add_argument("--dps-peer")
    ap.add_argument("--retry-file",
                    help="when every row that differs differs only in "
                    "timing (or times ACKs, R_ACKS, or meets the kernel's own "
                    "race, R_KRACE), write their names here "
                    "and exit 2 (run.sh runs them again)")
    a = ap.parse_args()
    k_rows, k_order = load_rows(a.kernel)
    k_evs = load_peer(a.kernel_peer)
    if not a.dps:
        names, _, _ = table(k_rows, k_order, k_evs)
        print("\nkernel only: %d rows" % len(names))
        return 0
    d_rows, _ = load_rows(a.dps)
    d_evs = load_peer(a.dps_peer)
    names, differ, timing = table(k_rows, k_order, k_evs, d_rows, d_evs)
    print("\n%d rows, %d same, %d differ" %
          (len(names), len(names) - len(differ), len(differ)))
    if differ and a.retry_file and all(
            n in timing or
            (k_rows.get(n, {}).get("acks") and d_rows.get(n, {}).get("acks"))
            or k_rows.get(n, {}).get("krace")
            for n in differ):
        # When things happen is what a busy machine moves: a timer or a
        # poll's return held off the CPU past the tolerance, an ACK past
        # QUICK_S (the polling lcore or ksoftirqd waiting for a slice), or
        # the kernel's poll woken by an ICMP error before tcp_done()
        # (R_KRACE rows: the kernel's own race, not dpstack's).
        # Rows that differ only so get fresh runs; a result that really
        # differs differs every time.
        with open(a.retry_file, "w") as f:
            f.write(",".join(differ))
        print("RETRY: rows that differ only in timing: " + " ".join(differ))
        return 2
    if differ:
        print("FAIL: rows that differ: " + " ".join(differ))
        return 1
    print("PASS: dpstack matches the kernel on every row")
    return 0


if __name__ == "__main__":
    sys.exit(main())
