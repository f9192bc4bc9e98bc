#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The peer of the differential conformance suite, run in namespace P.

It plays four parts at once:
  * a kernel TCP listener on 198.18.0.1:7000 that accepts and holds, and
    another on [2001:db8::1]:7000 for the AF_INET6 stream rows;
  * a kernel UDP echo on 198.18.0.1:7001, and on [2001:db8::1]:7001 for
    the AF_INET6 rows;
  * crafted hosts, 198.18.0.3 to .5 (not addresses of P's kernel), spoken
    for on an AF_PACKET socket: they answer ARP for themselves and reply to
    each SYN according to the destination port (see BEHAVIOURS), LATENCY
    seconds later, as a wire with some delay would. Rows whose replies
    leave state in the device for the whole host (a path MTU) get a host
    of their own; two hosts answer ARP only after 300 ms, and nobody
    answers for 198.18.0.7;
  * a logger of every TCP segment 198.18.0.2 sends, whatever its
    destination (the crafted host, the black hole 198.18.9.0/24 that P
    routes nowhere, P's own kernel), one JSON object per line.

Destination ports of the crafted host encode the behaviour:
port = 20000 + 100 * code + k, where k (0..99) tells rows apart.
Standard library only.
"""

import argparse
import heapq
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import threading
import time

HOSTS = {"198.18.0.%d" % i: bytes([2, 0, 0, 0, 0, i]) for i in (3, 4, 5, 6, 8)}
SLOW_ARP = {"198.18.0.6": 0.3, "198.18.0.8": 0.3}   # answered this late
LATENCY = 0.005
GW_IP = "198.18.0.1"
GW6_IP = "2001:db8::1"
DUT_IP = "198.18.0.2"
DUT6_IP = "2001:db8::2"
BAD = 0x10000           # offset that makes an ACK or a sequence unacceptable
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SO_TIMESTAMPNS = 35     # also SCM_TIMESTAMPNS

# code -> name; keep in step with enum behaviour in conform.c.
BEHAVIOURS = {
    0: "silent", 1: "accept", 2: "badack", 3: "badack_then_ok",
    4: "rst", 5: "rst_badack", 6: "rst_noack", 7: "rst_bad_then_ok",
    8: "net_unreach", 9: "host_unreach", 10: "proto_unreach",
    11: "port_unreach", 12: "admin_filtered", 13: "unreach_code16",
    14: "time_exceeded", 15: "param_problem", 16: "port_unreach_badseq",
    17: "frag_then_ok", 18: "frag_silent", 19: "simopen", 20: "delayed_ok",
    21: "slow_ok", 22: "slow_rst", 23: "simopen_silent",
    24: "accept_ack", 25: "accept_mute", 26: "accept_talk",
    27: "talk_twice",
}
# After the handshake: accept_ack acknowledges data and FIN at once,
# accept_mute never answers again, accept_talk sends TALK_BYTES of data
# once the handshake's ACK arrives and then acknowledges as accept_ack;
# talk_twice sends TALK_BYTES more TALK_AGAIN seconds later.
TALK_BYTES = 100
TALK_AGAIN = 0.4
TALKERS = ("accept_ack", "accept_talk", "talk_twice")
# ICMP (type, code) answered for a SYN; errors a router would send come
# from the gateway address, the others (None) from the host itself.
ICMP_REPLY = {
    "net_unreach": (3, 0, GW_IP), "host_unreach": (3, 1, GW_IP),
    "proto_unreach": (3, 2, None), "port_unreach": (3, 3, None),
    "admin_filtered": (3, 13, GW_IP), "unreach_code16": (3, 16, GW_IP),
    "time_exceeded": (11, 0, GW_IP), "param_problem": (12, 0, None),
    "port_unreach_badseq": (3, 3, None),
}
FRAG_MTU = 1280
ICMP_DELAY = 0.05


def csum(data):
    """Internet checksum (RFC 1071) of bytes."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(a):
    return socket.inet_aton(a)


def ipv4_header(src, dst, proto, payload_len, ttl=64, df=True):
    """A 20-byte IPv4 header with its checksum."""
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, 0,
                    0x4000 if df else 0, ttl, proto, 0, ip4(src), ip4(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:]


def tcp_segment(src, dst, sport, dport, seq, ack, flags, win, opts=b"",
                payload=b""):
    """A TCP header with options, @payload after it, checksum filled."""
    while len(opts) % 4:
        opts += b"\x01"
    off = (20 + len(opts)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                    ack & 0xFFFFFFFF, off << 4, flags, win, 0, 0) + opts + \
        payload
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(h))
    c = csum(pseudo + h)
    return h[:16] + struct.pack("!H", c) + h[18:]


def parse_tcp_options(raw):
    """Option kinds in order, plus MSS, window scale and timestamps."""
    kinds, mss, ws, ts = [], None, None, None
    i = 0
    while i < len(raw):
        k = raw[i]
        kinds.append(k)
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        if i + 1 >= len(raw) or raw[i + 1] < 2:
            break
        ln = raw[i + 1]
        body = raw[i + 2:i + ln]
        if k == 2 and len(body) == 2:
            mss = struct.unpack("!H", body)[0]
        elif k == 3 and len(body) == 1:
            ws = body[0]
        elif k == 8 and len(body) == 8:
            ts = struct.unpack("!II", body)
        i += ln
    return kinds, mss, ws, ts


class Conn:
    """What the peer remembers about one attempt (one client ISN)."""

    def __init__(self, isn, mac, host):
        self.isn = isn
        self.mac = mac
        self.host = host
        self.y = random.getrandbits(32)
        self.nsyn = 0
        self.ts = None          # client's last TSval
        self.sack = self.wscale = False
        self.badack_seq = None  # sequence a RST answering our bad ACK carries
        self.snd = (self.y + 1) & 0xFFFFFFFF    # our next sequence number
        self.rcv = (isn + 1) & 0xFFFFFFFF       # what we acknowledge
        self.talked = False


class Peer:
    def __init__(self, iface, log):
        self.iface = iface
        self.log = log
        self.lock = threading.Lock()
        self.conns = {}
        self.timers = []
        self.tseq = 0
        with open("/sys/class/net/%s/address" % iface) as f:
            self.gw_mac = bytes.fromhex(f.read().strip().replace(":", ""))
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                  socket.htons(ETH_P_ALL))
        self.sock.bind((iface, 0))
        # Frames go out on a socket of their own: the one above sees
        # them leave (a packet socket never sees its own), on_sent().
        self.tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        self.tx.bind((iface, 0))
        # Arrival times come from the kernel (SO_TIMESTAMPNS), not from
        # when this process got to read the frame: on a busy machine a
        # late read must not look like a late segment.
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.t_rx = None
        self.t_base = int(time.monotonic() * 1000)

    def write(self, ev):
        with self.lock:
            self.log.write(json.dumps(ev, sort_keys=True) + "\n")
            self.log.flush()

    def later(self, delay, fn):
        self.tseq += 1
        heapq.heappush(self.timers, (time.monotonic() + delay, self.tseq, fn))

    def send_eth(self, dst_mac, src_mac, ethertype, payload):
        self.tx.send(dst_mac + src_mac + struct.pack("!H", ethertype) +
                     payload)

    def send_ip(self, dst_mac, src, src_mac, proto, l4):
        ip = ipv4_header(src, DUT_IP, proto, len(l4), df=(proto == 6))
        self.send_eth(dst_mac, src_mac, 0x0800, ip + l4)

    def tsopt(self, c):
        now = (int(time.monotonic() * 1000) - self.t_base + 1000) & 0xFFFFFFFF
        return struct.pack("!BBII", 8, 10, now, c.ts or 0)

    def syn_options(self, c):
        """Options the way Linux lays them out on a SYN or SYN-ACK,
        mirroring what the client offered."""
        o = struct.pack("!BBH", 2, 4, 1460)
        if c.sack and c.ts is not None:
            o += b"\x04\x02" + self.tsopt(c)
        elif c.ts is not None:
            o += b"\x01\x01" + self.tsopt(c)
        elif c.sack:
            o += b"\x01\x01\x04\x02"
        if c.wscale:
            o += b"\x01\x03\x03\x07"
        return o

    def send_tcp(self, c, sport, dport, seq, ack, flags, opts=b"",
                 payload=b""):
        seg = tcp_segment(c.host, DUT_IP, dport, sport, seq, ack, flags,
                          65160, opts, payload)
        self.send_ip(c.mac, c.host, HOSTS[c.host], 6, seg)
        self.write({"t": time.time(), "dir": "out", "sport": sport,
                    "dport": dport, "flags": flags, "seq": seq & 0xFFFFFFFF,
                    "ack": ack & 0xFFFFFFFF, "len": len(payload)})

    def synack(self, c, sport, dport, bad=False):
        ack = c.isn + 1 + (BAD if bad else 0)
        if bad:
            c.badack_seq = ack & 0xFFFFFFFF
        self.send_tcp(c, sport, dport, c.y, ack, 0x12, self.syn_options(c))

    def rst(self, c, sport, dport, ack_ok=True, with_ack=True):
        ack = c.isn + 1 + (0 if ack_ok else BAD)
        self.send_tcp(c, sport, dport, 0, ack if with_ack else 0,
                      0x14 if with_ack else 0x04)

    def icmp(self, c, frame_ip, kind):
        """An ICMP error quoting the client's SYN as received."""
        itype, code, src = ICMP_REPLY.get(kind, (3, 4, GW_IP))
        src = src or c.host
        quote = bytearray(frame_ip[:548])
        if kind == "port_unreach_badseq":
            ihl = (quote[0] & 0xF) * 4
            seq = struct.unpack("!I", quote[ihl + 4:ihl + 8])[0]
            quote[ihl + 4:ihl + 8] = struct.pack("!I",
                                                 (seq + BAD) & 0xFFFFFFFF)
        rest = struct.pack("!HH", 0, FRAG_MTU) if kind.startswith("frag") \
            else b"\0\0\0\0"
        msg = struct.pack("!BBH", itype, code, 0) + rest + bytes(quote)
        msg = msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]
        self.send_ip(c.mac, src, self.gw_mac if src == GW_IP else HOSTS[src],
                     1, msg)
        self.write({"t": time.time(), "dir": "out", "icmp": [itype, code],
                    "dport": struct.unpack("!H", frame_ip[22:24])[0]})

    def on_arp(self, frame):
        arp = frame[14:42]
        if len(arp) < 28:
            return
        op = struct.unpack("!H", arp[6:8])[0]
        sha, spa, tpa = arp[8:14], arp[14:18], arp[24:28]
        host = socket.inet_ntoa(tpa)
        if op != 1:
            return
        if socket.inet_ntoa(spa) == DUT_IP:
            self.write({"t": self.rx_time(), "dir": "in", "arp": host})
        if host not in HOSTS:
            return
        rep = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + HOSTS[host] + \
            tpa + sha + spa
        self.later(SLOW_ARP.get(host, 0),
                   lambda: self.send_eth(sha, HOSTS[host], 0x0806, rep))

    def on_syn(self, c, kind, sport, dport, ipb):
        c.nsyn += 1
        first = c.nsyn == 1
        if kind in ("accept", "accept_mute") + TALKERS:
            self.synack(c, sport, dport)
        elif kind == "badack":
            self.synack(c, sport, dport, bad=True)
        elif kind == "badack_then_ok":
            self.synack(c, sport, dport, bad=first)
        elif kind == "rst":
            self.rst(c, sport, dport)
        elif kind == "rst_badack":
            self.rst(c, sport, dport, ack_ok=False)
        elif kind == "rst_noack":
            self.rst(c, sport, dport, with_ack=False)
        elif kind == "rst_bad_then_ok":
            if first:
                self.rst(c, sport, dport, ack_ok=False)
                self.later(0.1, lambda: self.synack(c, sport, dport))
            else:
                self.synack(c, sport, dport)
        elif kind in ICMP_REPLY:
            # ICMP_DELAY after the SYN: an error that arrives while
            # connect() still holds the kernel's socket lock is kept as a
            # soft error (tcp_v4_err() with sock_owned_by_user()), one
            # that comes after it aborts the attempt; the rows compare the
            # latter, which a reply at once made a race (CI once saw the
            # kernel's "ERR" without "HUP" for icmp_time_exceeded).
            self.later(ICMP_DELAY, lambda: self.icmp(c, ipb, kind))
        elif kind == "frag_then_ok":
            if first:
                self.icmp(c, ipb, "frag")
                self.later(0.1, lambda: self.synack(c, sport, dport))
            else:
                self.synack(c, sport, dport)
        elif kind == "frag_silent":
            self.icmp(c, ipb, "frag")
        elif kind == "simopen" or (kind == "simopen_silent" and first):
            # simopen_silent crosses SYNs once and then never answers.
            self.send_tcp(c, sport, dport, c.y, 0, 0x02, self.syn_options(c))
        elif kind == "delayed_ok":
            self.later(0.4, lambda: self.synack(c, sport, dport))
        elif kind == "slow_ok" and first:
            # 0.6 s after the first SYN (before its retransmission): time for
            # every thread of a connect() race to be in the call.
            self.later(0.6, lambda: self.synack(c, sport, dport))
        elif kind == "slow_rst" and first:
            self.later(0.6, lambda: self.rst(c, sport, dport))

    def on_other(self, c, kind, sport, dport, flags, seq, ack, paylen):
        if flags & 0x04 or kind == "simopen_silent":
            return
        if kind in TALKERS:
            self.ack_data(c, kind, sport, dport, flags, seq, paylen)
            return
        if kind == "accept_mute":
            return
        if kind == "simopen" and flags & 0x12 == 0x12 and \
                ack == (c.y + 1) & 0xFFFFFFFF:
            self.send_tcp(c, sport, dport, c.y + 1, seq + 1, 0x10,
                          b"\x01\x01" + self.tsopt(c))
        elif flags & 0x01 or paylen:
            # FIN or data on a connection we faked: end it quietly.
            self.send_tcp(c, sport, dport, ack, 0, 0x04)

    def talk(self, c, sport, dport):
        self.send_tcp(c, sport, dport, c.snd, c.rcv, 0x18,
                      b"\x01\x01" + self.tsopt(c), b"t" * TALK_BYTES)
        c.snd = (c.snd + TALK_BYTES) & 0xFFFFFFFF

    def ack_data(self, c, kind, sport, dport, flags, seq, paylen):
        """The TALKERS after the SYN-ACK."""
        end = (seq + paylen + (flags & 0x01)) & 0xFFFFFFFF
        if (end - c.rcv) & 0xFFFFFFFF < 0x80000000:
            c.rcv = end
        if kind != "accept_ack" and not c.talked and flags & 0x10:
            c.talked = True
            self.talk(c, sport, dport)
            if kind == "talk_twice":
                self.later(TALK_AGAIN, lambda: self.talk(c, sport, dport))
        elif paylen or flags & 0x01:
            self.send_tcp(c, sport, dport, c.snd, end, 0x10,
                          b"\x01\x01" + self.tsopt(c))

    def on_tcp(self, frame, ipb, ihl):
        src, dst = socket.inet_ntoa(ipb[12:16]), socket.inet_ntoa(ipb[16:20])
        if src != DUT_IP:
            return
        tcp = ipb[ihl:]
        if len(tcp) < 20:
            return
        sport, dport, seq, ack, off, flags, win = \
            struct.unpack("!HHIIBBH", tcp[:16])
        hl = (off >> 4) * 4
        kinds, mss, ws, ts = parse_tcp_options(tcp[20:hl])
        paylen = struct.unpack("!H", ipb[2:4])[0] - ihl - hl
        ev = {"t": self.rx_time(), "dir": "in", "dst": dst, "sport": sport,
              "dport": dport, "flags": flags, "seq": seq, "ack": ack,
              "win": win, "ttl": ipb[8], "tos": ipb[1], "df": (ipb[6] >> 6) & 1,
              "opts": kinds, "mss": mss, "ws": ws, "len": paylen}
        code = (dport - 20000) // 100
        kind = BEHAVIOURS.get(code) if dst in HOSTS and dport >= 20000 \
            else None
        key = (dst, sport, dport)
        c = self.conns.get(key)
        if kind is not None and flags & 0x12 == 0x02:
            if c is None or c.isn != seq:
                c = self.conns[key] = Conn(seq, frame[6:12], dst)
            c.sack, c.wscale = 4 in kinds, 3 in kinds
        if c is not None and ts is not None:
            c.ts = ts[0]
        if c is not None and flags & 0x04 and c.badack_seq == seq:
            ev["note"] = "rst_for_badack"
        self.write(ev)
        if kind is None or c is None:
            return
        if flags & 0x12 == 0x02:
            self.later(LATENCY,
                       lambda: self.on_syn(c, kind, sport, dport, ipb))
        else:
            self.later(LATENCY, lambda: self.on_other(c, kind, sport, dport,
                                                      flags, seq, ack, paylen))

    def on_sent(self, frame):
        """Our own SYN-ACKs and data as they left, by the kernel's clock
        (R_ACKS rows time the device's ACKs from these)."""
        ipb = frame[14:]
        if len(ipb) < 40 or ipb[9] != 6 or \
                socket.inet_ntoa(ipb[16:20]) != DUT_IP:
            return
        ihl = (ipb[0] & 0xF) * 4
        tcp = ipb[ihl:]
        if len(tcp) < 20:
            return
        sport, dport, seq, _, off, flags = struct.unpack("!HHIIBB", tcp[:14])
        paylen = struct.unpack("!H", ipb[2:4])[0] - ihl - (off >> 4) * 4
        if paylen > 0 or flags & 0x12 == 0x12:
            self.write({"t": self.rx_time(), "dir": "sent", "sport": dport,
                        "dport": sport, "flags": flags, "seq": seq,
                        "len": paylen})

    def on_v6(self, frame):
        """The device's IPv6 packets (TCP, UDP, ICMPv6 but neighbour
        discovery), logged with their flow label: the label is random, so
        compare.py compares its presence and constancy per flow, not its
        value."""
        ipb = frame[14:]
        if len(ipb) < 48 or socket.inet_ntop(socket.AF_INET6, ipb[8:24]) != DUT6_IP:
            return
        nh, l4 = ipb[6], ipb[40:]
        if nh == 58 and 133 <= l4[0] <= 137:
            return
        if nh not in (6, 17, 58):
            return
        label = struct.unpack("!I", ipb[:4])[0] & 0xFFFFF
        ev = {"t": self.rx_time(), "dir": "in6", "proto": nh, "label": label}
        if nh in (6, 17):
            ev["sport"], ev["dport"] = struct.unpack("!HH", l4[:4])
        if nh == 6:
            ev["flags"] = l4[13]
        else:
            ev["sport"] = ev.get("sport", l4[0])
            ev["dport"] = ev.get("dport", 0)
        self.write(ev)

    def on_frame(self, frame, pkttype):
        if len(frame) < 14:
            return
        if pkttype != PACKET_OUTGOING and frame[12:14] == b"\x86\xdd":
            self.on_v6(frame)
            return
        if pkttype == PACKET_OUTGOING:
            if struct.unpack("!H", frame[12:14])[0] == 0x0800:
                self.on_sent(frame)
            return
        et = struct.unpack("!H", frame[12:14])[0]
        if et == 0x0806:
            self.on_arp(frame)
            return
        if et != 0x0800 or len(frame) < 34:
            return
        ipb = frame[14:]
        ihl = (ipb[0] & 0xF) * 4
        tot = struct.unpack("!H", ipb[2:4])[0]
        ipb = ipb[:tot]
        if ipb[9] == 6 and len(ipb) >= ihl + 20:
            self.on_tcp(frame, ipb, ihl)

    def run_timers(self):
        now = time.monotonic()
        while self.timers and self.timers[0][0] <= now:
            _, _, fn = heapq.heappop(self.timers)
            fn()
        return max(0.0, self.timers[0][0] - now) if self.timers else 0.5

    def rx_time(self):
        """Wall-clock arrival time of the frame being handled."""
        return self.t_rx if self.t_rx is not None else time.time()

    def loop(self):
        while True:
            wait = self.run_timers()
            r, _, _ = select.select([self.sock], [], [], wait)
            if r:
                frame, anc, _, addr = self.sock.recvmsg(65535, 64)
                self.t_rx = None
                for level, typ, data in anc:
                    if level == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS \
                            and len(data) >= 16:
                        sec, nsec = struct.unpack("qq", data[:16])
                        self.t_rx = sec + nsec / 1e9
                self.on_frame(frame, addr[2])


def tcp_listener(port, family=socket.AF_INET, addr=GW_IP):
    """Accept and hold every connection."""
    held = []
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1024)

    def serve():
        while True:
            c, _ = s.accept()
            held.append(c)
    threading.Thread(target=serve, daemon=True).start()


def connector(port):
    """Control datagrams \"connect PORT DELAY_MS NBYTES\": the kernel of
    namespace P connects to the device's PORT (\"connect6\": over IPv6),
    sends NBYTES after DELAY_MS, and holds the connection (the device's
    listener rows); a negative NBYTES sends -NBYTES and closes."""
    held = []
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((GW_IP, port))

    def one(dport, delay, n, family):
        c = socket.socket(family, socket.SOCK_STREAM)
        c.settimeout(10)
        try:
            c.connect((DUT6_IP if family == socket.AF_INET6 else DUT_IP, dport))
            time.sleep(delay / 1000.0)
            if n:
                c.sendall(b"d" * abs(n))
            if n < 0:
                c.close()   # a negative NBYTES: then the FIN
                return
        except OSError:
            pass
        held.append(c)

    def serve():
        while True:
            data, _ = s.recvfrom(256)
            try:
                cmd, p, d, n = data.decode().split()
                fam = socket.AF_INET6 if cmd == "connect6" else socket.AF_INET
                threading.Thread(target=one, args=(int(p), int(d), int(n), fam),
                                 daemon=True).start()
            except ValueError:
                continue
    threading.Thread(target=serve, daemon=True).start()


def udp_echo(port, family=socket.AF_INET, addr=GW_IP):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((addr, port))

    def serve():
        while True:
            data, addr = s.recvfrom(65535)
            s.sendto(data, addr)
    threading.Thread(target=serve, daemon=True).start()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iface", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--listen-port", type=int, default=7000)
    ap.add_argument("--echo-port", type=int, default=7001)
    ap.add_argument("--connect-port", type=int, default=7005)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    log = open(a.log, "w")
    tcp_listener(a.listen_port)
    tcp_listener(a.listen_port, socket.AF_INET6, GW6_IP)
    udp_echo(a.echo_port)
    udp_echo(a.echo_port, socket.AF_INET6, GW6_IP)
    connector(a.connect_port)
    peer = Peer(a.iface, log)
    print("ready", flush=True)
    peer.loop()


if __name__ == "__main__":
    sys.exit(main())
