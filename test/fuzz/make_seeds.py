#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpora of test/fuzz/corpus/<harness>/ (small files).

Each seed is a well-formed input that walks a path the fuzzer would take
long to find: frames of each kind, option blocks Linux sends, HTTP
messages, and TCB scripts that lead through every TCP state.
Usage: test/fuzz/make_seeds.py [corpus-dir]
"""
import os
import struct
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(harness, name, data):
    d = os.path.join(OUT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def be16(v):
    return struct.pack(">H", v & 0xffff)


def be32(v):
    return struct.pack(">I", v & 0xffffffff)


# ---- fuzz_tcp_opts: option blocks -------------------------------------

SYN_LINUX = bytes([2, 4, 5, 0xb4, 4, 2, 8, 10]) + be32(1) + be32(0) + \
    bytes([1, 3, 3, 7])
TS = bytes([1, 1, 8, 10]) + be32(0x11223344) + be32(0x55667788)
SACK2 = bytes([1, 1, 5, 18]) + be32(1000) + be32(2000) + be32(3000) + \
    be32(4000)


def opts_seeds():
    put("fuzz_tcp_opts", "syn_linux", SYN_LINUX)
    put("fuzz_tcp_opts", "ts", TS)
    put("fuzz_tcp_opts", "ts_sack", TS + SACK2)
    put("fuzz_tcp_opts", "nop_sack_ok", bytes([1, 1, 4, 2, 2, 4, 2, 0x18]))
    put("fuzz_tcp_opts", "eol_early", bytes([0, 2, 4, 5, 0xb4]))
    put("fuzz_tcp_opts", "bad_len", bytes([2, 1, 3, 0, 8, 40]))


# ---- fuzz_rx_classify: frames -------------------------------------------

OUR_MAC = bytes([2, 0x64, 0x70, 0x73, 0, 0])
PEER_MAC = bytes([2, 0, 0, 0, 0, 1])
US = bytes([198, 18, 0, 2])
PEER = bytes([198, 18, 0, 1])


def ipv4(proto, payload, dst=US):
    h = bytes([0x45, 0]) + be16(20 + len(payload)) + be16(1) + be16(0x4000) \
        + bytes([64, proto]) + be16(0) + PEER + dst
    return h + payload


def eth(ethertype, body, dst=OUR_MAC):
    return dst + PEER_MAC + be16(ethertype) + body


def rx_seeds():
    fix = 0x10     # settings: the harness fills in checksums
    arp = be16(1) + be16(0x0800) + bytes([6, 4]) + be16(1) + PEER_MAC + \
        PEER + bytes(6) + US
    put("fuzz_rx_classify", "arp_request",
        bytes([0]) + eth(0x0806, arp, b"\xff" * 6))
    echo = bytes([8, 0, 0, 0]) + be16(7) + be16(1) + b"ping" * 14
    put("fuzz_rx_classify", "icmp_echo", bytes([fix]) + eth(0x0800,
        ipv4(1, echo)))
    quoted = ipv4(6, be16(80) + be16(40000) + be32(1))[:28]
    unreach = bytes([3, 3, 0, 0]) + bytes(4) + bytes([0x45]) + quoted[1:]
    put("fuzz_rx_classify", "icmp_unreach", bytes([fix]) + eth(0x0800,
        ipv4(1, unreach)))
    udp = be16(5353) + be16(9) + be16(8 + 5) + be16(0) + b"hello"
    put("fuzz_rx_classify", "udp", bytes([fix]) + eth(0x0800, ipv4(17, udp)))
    tcp = be16(40000) + be16(80) + be32(1) + be32(0) + \
        bytes([(20 + len(SYN_LINUX)) // 4 << 4, 0x02]) + be16(64240) + \
        bytes(4) + SYN_LINUX
    put("fuzz_rx_classify", "tcp_syn", bytes([fix]) + eth(0x0800,
        ipv4(6, tcp)))
    put("fuzz_rx_classify", "tcp_syn_offload",
        bytes([0x5]) + eth(0x0800, ipv4(6, tcp)))
    put("fuzz_rx_classify", "bcast_udp", bytes([fix]) + eth(0x0800,
        ipv4(17, udp, bytes([198, 18, 0, 255])), b"\xff" * 6))


# ---- fuzz_http: messages ----------------------------------------------

def http_seeds():
    req = 0x00      # settings: request, whole then byte-sized pieces
    rsp = 0x01
    put("fuzz_http", "get", bytes([req | 0x10]) +
        b"GET /index.html HTTP/1.1\r\nHost: a\r\nConnection: keep-alive"
        b"\r\n\r\n")
    put("fuzz_http", "pipeline_post", bytes([req | 0x30]) +
        b"POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.0"
        b"\r\nConnection: keep-alive\r\n\r\n")
    put("fuzz_http", "long_line", bytes([req | 0xe0]) +
        b"GET /" + b"a" * 300 + b" HTTP/1.1\r\n\r\n")
    put("fuzz_http", "long_header", bytes([req | 0xd0]) +
        b"GET / HTTP/1.1\r\nCookie: " + b"c" * 600 + b"\r\n\r\n")
    put("fuzz_http", "chunked", bytes([rsp | 0x30]) +
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n")
    put("fuzz_http", "eof_body", bytes([rsp | 0x04 | 0x20]) +
        b"HTTP/1.0 200 OK\r\n\r\nbody until close")
    # settings bit 3: "\x7f\xff" stands for 255 * 32 'a's (over 8 KiB)
    put("fuzz_http", "expanded_big_head", bytes([req | 0x08 | 0x10]) +
        b"GET / HTTP/1.1\r\nX-Pad: \x7f\xff\r\n\r\n")
    put("fuzz_http", "head_304", bytes([rsp | 0x02 | 0x10]) +
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
        b"HTTP/1.1 304 Not Modified\r\n\r\n")
    # request_heads(): method, path, host and header lines, one a line;
    # data[0] is the body length (>> 1) and keep-alive (bit 0)
    put("fuzz_http", "request_control", bytes([41]) +
        b"POST\n/api/a\nexample.test\nX-Dps: 1\nAccept: */*\nHost: b")


# ---- fuzz_tcb: scripts --------------------------------------------------
# The format is fuzz_tcb.c's: a start (clock, peer TSval, open), then
# operations. Numbers chosen "relative" use mode 0 (the base itself).

SEG, MS, TIMER, SECS, SEND, SHUT, CLOSE, READ, ABORT, ICMP, OPEN = \
    0, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16
A_UNA, A_MAX, A_NXT = 0x10, 0x20, 0x00


def start(listen=False, iss=0x10000000, keepalive=False):
    # how: Linux MSS, wscale 7; how2: keepalive, no user timeout or
    # TCP_MAXSEG; keepidle/intvl/cnt, syn_retries, ISS, peer ISN, listen
    return bytes([5]) + be32(0xabcd0000) + \
        bytes([0x0f, 1 if keepalive else 0, 1, 1, 0, 0]) + \
        be32(iss) + be32(0x50000000) + bytes([1 if listen else 0])


def seg(flags, ack_base=A_NXT, length=0, syn_opts=False, seq_delta=None):
    how = ack_base
    body = b""
    if seq_delta is not None:
        how |= 1
        body += bytes([seq_delta & 0xff])
    if length > 255:
        how |= 0x80
    out = bytes([SEG, how, flags]) + body + be16(502)
    out += be16(length) if length > 255 else bytes([length])
    if syn_opts:
        # MSS, wscale, SACK-permitted, timestamps
        return out + bytes([0x07]) + be16(1460) + bytes([7, 1])
    return out + bytes([0x00, 1])        # timestamps only, TSval + 1


def tcb_seeds():
    synack = seg(SYN | ACK, syn_opts=True)
    est = start() + synack
    put("fuzz_tcb", "active_open", est)
    put("fuzz_tcb", "send_ack_close",
        est + bytes([SEND]) + be16(5000) + seg(ACK, A_MAX) +
        seg(FIN | ACK, A_MAX) + bytes([CLOSE]) + seg(ACK, A_MAX) +
        bytes([SECS, 1]))
    put("fuzz_tcb", "fin_wait2_time_wait",
        est + bytes([SHUT]) + seg(ACK, A_MAX) + seg(FIN | ACK, A_MAX) +
        seg(ACK, A_MAX) + bytes([SECS, 70]))
    put("fuzz_tcb", "closing",
        est + bytes([SHUT]) + seg(FIN | ACK, A_UNA) + seg(ACK, A_MAX) +
        bytes([TIMER]))
    put("fuzz_tcb", "close_wait_last_ack",
        est + seg(FIN | ACK, A_NXT) + bytes([SEND]) + be16(100) +
        bytes([SHUT]) + seg(ACK, A_MAX))
    put("fuzz_tcb", "passive_open",
        start(listen=True) + seg(SYN, syn_opts=True) + seg(ACK, A_NXT) +
        seg(ACK | PSH, A_NXT, length=100) + bytes([READ, 0, 25]) +
        bytes([CLOSE]) + seg(FIN | ACK, A_MAX))
    put("fuzz_tcb", "simultaneous_open",
        start() + seg(SYN, syn_opts=True) + seg(ACK, A_NXT) +
        bytes([SEND]) + be16(3000))
    put("fuzz_tcb", "rto_and_sack",
        est + bytes([SEND | 0x80]) + be16(2000) + bytes([TIMER]) +
        seg(ACK, A_UNA) + seg(ACK, A_UNA) + seg(ACK, A_UNA) +
        bytes([TIMER, TIMER]) + seg(ACK, A_MAX))
    put("fuzz_tcb", "syn_retries",
        start() + bytes([TIMER] * 8))
    put("fuzz_tcb", "zero_window",
        est + bytes([SEG, 0x00, ACK, 0, 0, 0, 0x00, 1]) +
        bytes([SEND]) + be16(4000) + bytes([TIMER, TIMER]) +
        seg(ACK, A_MAX))
    put("fuzz_tcb", "time_wait_reuse",
        est + bytes([SHUT]) + seg(ACK, A_MAX) + seg(FIN | ACK, A_MAX) +
        bytes([SECS, 2, OPEN]) + start()[5:] + synack)
    put("fuzz_tcb", "keepalive_probes",
        start(keepalive=True) + synack + bytes([TIMER, TIMER, TIMER]) +
        seg(ACK, A_NXT) + bytes([TIMER, TIMER, TIMER, TIMER]))
    put("fuzz_tcb", "rst_and_reopen",
        est + seg(RST, A_NXT) + bytes([OPEN]) + start()[5:] + synack)


# ---- fuzz_ipv6: IPv6 packets from the IPv6 header on --------------------

V6_US = bytes([0x20, 1, 0x0d, 0xb8] + [0] * 11 + [0x0b])
V6_PEER = bytes([0x20, 1, 0x0d, 0xb8] + [0] * 11 + [0x0a])
V6_SN_US = bytes([0xff, 2] + [0] * 9 + [1, 0xff, 0, 0, 0x0b])


def ipv6(nh, payload, src=V6_PEER, dst=V6_US, hl=64):
    return bytes([0x60, 0, 0, 0]) + be16(len(payload)) + bytes([nh, hl]) + \
        src + dst + payload


def ipv6_seeds():
    # Settings: bit 0 fix the ICMPv6, TCP or UDP checksum, bit 1 hop
    # limit 255.
    fix, nd = 0x01, 0x03
    udp = be16(40000) + be16(9) + be16(10) + be16(0) + b"hi"
    put("fuzz_ipv6", "udp", bytes([0]) + ipv6(17, udp))
    put("fuzz_ipv6", "echo", bytes([fix]) + ipv6(58,
        bytes([128, 0, 0, 0]) + be16(0x7521) + be16(1) + b"dpsdpsds"))
    put("fuzz_ipv6", "ns", bytes([nd]) + ipv6(58,
        bytes([135, 0, 0, 0, 0, 0, 0, 0]) + V6_US +
        bytes([1, 1, 2, 0, 0, 0, 0, 0x0a]), dst=V6_SN_US, hl=255))
    put("fuzz_ipv6", "dad_ns", bytes([nd]) + ipv6(58,
        bytes([135, 0, 0, 0, 0, 0, 0, 0]) + V6_US +
        bytes([14, 1, 1, 2, 3, 4, 5, 6]), src=bytes(16), dst=V6_SN_US,
        hl=255))
    put("fuzz_ipv6", "na", bytes([nd]) + ipv6(58,
        bytes([136, 0, 0, 0, 0x60, 0, 0, 0]) + V6_PEER +
        bytes([2, 1, 2, 0, 0, 0, 0, 0x0a]), hl=255))
    quoted = ipv6(17, udp, src=V6_US, dst=V6_PEER)
    put("fuzz_ipv6", "port_unreach", bytes([fix]) + ipv6(58,
        bytes([1, 4, 0, 0, 0, 0, 0, 0]) + quoted))
    put("fuzz_ipv6", "too_big", bytes([fix]) + ipv6(58,
        bytes([2, 0, 0, 0]) + be32(1280) + quoted))
    ext = bytes([60, 0, 1, 4, 0, 0, 0, 0]) + \
        bytes([43, 0, 0x1e, 4, 0, 0, 0, 0]) + \
        bytes([44, 0, 4, 0, 0, 0, 0, 0]) + \
        bytes([17, 0, 0, 0, 0, 0, 0, 7])
    put("fuzz_ipv6", "ext_chain", bytes([0]) + ipv6(0, ext + udp))
    put("fuzz_ipv6", "option_actions", bytes([0]) + ipv6(60,
        bytes([17, 1, 0x1e, 2, 0, 0, 0x9e, 2, 0, 0, 0xde, 2, 0, 0, 1, 0]) +
        udp))
    put("fuzz_ipv6", "fragment", bytes([0]) + ipv6(44,
        bytes([17, 0, 0, 1, 0, 0, 0, 9]) + udp))
    put("fuzz_ipv6", "udp_csum", bytes([fix]) + ipv6(17, udp))
    tcp = be16(40000) + be16(80) + be32(1) + be32(0) + \
        bytes([0x70, 0x02, 0xff, 0xff, 0, 0, 0, 0]) + \
        bytes([2, 4, 0x05, 0xa0, 4, 2, 1, 1]) + b"data"
    put("fuzz_ipv6", "tcp_syn", bytes([fix]) + ipv6(6, tcp))


opts_seeds()
rx_seeds()
http_seeds()
tcb_seeds()
ipv6_seeds()
