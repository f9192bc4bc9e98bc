#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The IPv6 flow labels of a capture, per sender and packet kind.

Reads a pcap (Ethernet, tcpdump -w) of TCP over IPv6 between two
addresses and prints, for each packet kind (SYN or SYN-ACK, data, ACK,
FIN, RST) that both ends sent, whether each end's packets of that kind
carry a label ("labelled": all non-zero, "none": all zero, "mixed").
The labels are random (Linux's hash of the flow), so only their presence
compares. Exit 1, naming the kinds, when the two ends differ, or when
neither sent a kind in common.

Usage: flowlabels.py CAPTURE ADDR-A ADDR-B
"""
import ipaddress
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        head = f.read(24)
        endian = "<" if head[:4] == b"\xd4\xc3\xb2\xa1" else ">"
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            incl = struct.unpack(endian + "IIII", rec)[2]
            yield f.read(incl)


def kind(tcp, paylen):
    flags = tcp[13]
    if flags & 0x04:
        return "RST"
    if flags & 0x02:
        return "SYN"  # or SYN-ACK: one end sends each
    if flags & 0x01:
        return "FIN"
    return "data" if paylen > 0 else "ACK"


def main():
    path, a, b = sys.argv[1], sys.argv[2], sys.argv[3]
    a, b = ipaddress.ip_address(a).packed, ipaddress.ip_address(b).packed
    seen = {a: {}, b: {}}
    for fr in packets(path):
        if len(fr) < 14 + 40 + 20 or fr[12:14] != b"\x86\xdd" or fr[20] != 6:
            continue
        ip = fr[14:]
        src = ip[8:24]
        if src not in seen:
            continue
        label = struct.unpack("!I", ip[:4])[0] & 0xFFFFF
        tcp = ip[40:]
        paylen = struct.unpack("!H", ip[4:6])[0] - (tcp[12] >> 4) * 4
        seen[src].setdefault(kind(tcp, paylen), set()).add(label != 0)
    both = sorted(set(seen[a]) & set(seen[b]))
    if not both:
        print("no packet kind from both ends")
        return 1
    word = {frozenset([True]): "labelled", frozenset([False]): "none"}
    bad = []
    for k in both:
        wa = word.get(frozenset(seen[a][k]), "mixed")
        wb = word.get(frozenset(seen[b][k]), "mixed")
        print("%-8s %-9s %-9s %s" % (k, wa, wb, "same" if wa == wb else "DIFFER"))
        if wa != wb:
            bad.append(k)
    if bad:
        print("differ: " + " ".join(bad))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
