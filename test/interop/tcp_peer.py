#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The kernel side of kernel_tcp.sh: one TCP role per run, stdlib only.

Every role prints what it saw as lines of words on stdout, flushed as they
happen, so the script can wait for a line ("listening", "ready") and compare
results. A role that sees something other than what it was told to expect
prints "error: ..." and exits 1.

Data: a sender sends the bytes of random.Random(SEED).randbytes() (MT19937,
which dps_tcpx reproduces), and prints "sent SHA256 N"; a receiver hashes
what arrives, compares it byte for byte with the stream it expects (so a
mismatch names its offset) and prints "recv SHA256 N eof".

Roles (ADDR:PORT is where to listen or where to connect):
  serve-bulk ADDR:PORT   accept one; send --bytes of --seed while receiving
                         --expect bytes of --peer-seed until EOF
  client-bulk ADDR:PORT  the same over a connection we make
  rst-after-send ADDR:PORT  accept, send --bytes, then close with SO_LINGER
                         {1,0} (RST); --wait-acked first waits until every
                         byte was acknowledged
  rst-after-recv ADDR:PORT  accept, read --bytes, wait --linger seconds
                         (reading nothing), then close with RST
  halfclose ADDR:PORT    accept, send --bytes, shutdown(SHUT_WR), receive
                         until EOF (--expect bytes of --peer-seed), close
  sink ADDR:PORT         accept, read and discard; "ready" after 1 MiB
  idle ADDR:PORT         accept, "ready", then wait for the connection to end
  ka-client ADDR:PORT    connect with keepalive --ka IDLE,INTVL,CNT; stay
                         idle for --quiet seconds (no error allowed: the
                         other side must answer the probes), print
                         "phase1 ok", then wait for the keepalive to fail
  malformed-pcap PATH    write a capture whose frames 2 (TCP header length
                         past the packet) and 3 (bad TCP checksum) are broken
                         and frames 1 and 4 (cut by the snap length) are not,
                         to check the script's tshark filter
"""
import argparse
import errno
import fcntl
import hashlib
import random
import socket
import struct
import sys
import termios
import threading
import time

CHUNK = 1 << 20


def say(*words):
    print(*words, flush=True)


def die(msg):
    say("error:", msg)
    sys.exit(1)


def errname(e):
    """An errno's name; "timeout" for a socket timeout, which Python
    raises as TimeoutError with no errno (ETIMEDOUT raises it too, with
    one)."""
    if e is None:
        return "timeout"
    return errno.errorcode.get(e, str(e))


def addr(s):
    """ADDR:PORT, or [IPV6]:PORT."""
    host, _, port = s.rpartition(":")
    return host.strip("[]"), int(port)


def family(a):
    return socket.AF_INET6 if ":" in addr(a)[0] else socket.AF_INET


class Stream:
    """The byte stream random.Random(seed).randbytes() makes, in pieces."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.buf = b""
        self.pos = 0

    def take(self, n):
        while len(self.buf) - self.pos < n:
            self.buf = self.buf[self.pos:] + self.r.randbytes(CHUNK)
            self.pos = 0
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out


class Receiver:
    """Hashes and checks what arrives against the stream of a seed."""

    def __init__(self, seed):
        self.exp = Stream(seed)
        self.sha = hashlib.sha256()
        self.n = 0
        self.mismatch = None

    def feed(self, data):
        exp = self.exp.take(len(data))
        if self.mismatch is None and data != exp:
            i = next(i for i in range(len(data)) if data[i] != exp[i])
            self.mismatch = self.n + i
        self.sha.update(data)
        self.n += len(data)

    def drain(self, s):
        """Receive until EOF; the error's name if one came instead."""
        buf = bytearray(256 * 1024)
        mv = memoryview(buf)
        while True:
            try:
                k = s.recv_into(buf)
            except OSError as e:
                return errname(e.errno)
            if k == 0:
                return None
            self.feed(bytes(mv[:k]))

    def report(self, err, expect):
        say("recv", self.sha.hexdigest(), self.n, "eof" if err is None else err)
        if err is not None:
            die(f"receive ended with {err} after {self.n} bytes")
        if self.mismatch is not None:
            die(f"received data differs from the expected stream at offset {self.mismatch}")
        if expect is not None and self.n != expect:
            die(f"received {self.n} bytes, expected {expect}")


def send_stream(s, seed, n, sha=None):
    """Send n bytes of the stream of seed; returns the digest."""
    st = Stream(seed)
    sha = sha or hashlib.sha256()
    left = n
    while left:
        k = min(left, CHUNK)
        data = st.take(k)
        s.sendall(data)
        sha.update(data)
        left -= k
    return sha.hexdigest()


def listen_accept(a, args):
    ls = socket.socket(family(a))
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(addr(a))
    ls.listen(16)
    ls.settimeout(args.timeout)
    say("listening")
    try:
        s, peer = ls.accept()
    except OSError as e:
        die(f"no connection came ({errname(e.errno)})")
    ls.close()
    s.settimeout(args.timeout)
    say("accepted", f"{peer[0]}:{peer[1]}")
    return s


def connect(a, args):
    s = socket.create_connection(addr(a), timeout=args.timeout)
    s.settimeout(args.timeout)
    say("connected")
    return s


def bulk(s, args):
    """Send and receive at once; FIN after sending (--close first) or
    only after the peer's FIN (--close last)."""
    res = {}

    def tx():
        try:
            res["sent"] = send_stream(s, args.seed, args.bytes)
            if args.close == "first":
                s.shutdown(socket.SHUT_WR)
        except OSError as e:
            res["err"] = errname(e.errno) if e.errno else str(e)

    t = threading.Thread(target=tx)
    t.start()
    r = Receiver(args.peer_seed)
    err = r.drain(s)
    t.join()
    if "err" in res:
        die(f"send failed: {res['err']}")
    say("sent", res["sent"], args.bytes)
    r.report(err, args.expect)
    s.close()
    say("closed")


def wait_acked(s, limit):
    """Wait until the send queue is empty (every byte acknowledged)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        left = struct.unpack("i", fcntl.ioctl(s.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]
        if left == 0:
            return True
        time.sleep(0.01)
    return False


def reset(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def role_serve_bulk(args):
    bulk(listen_accept(args.addr, args), args)


def role_client_bulk(args):
    bulk(connect(args.addr, args), args)


def role_rst_after_send(args):
    s = listen_accept(args.addr, args)
    sha = send_stream(s, args.seed, args.bytes)
    say("sent", sha, args.bytes)
    if args.wait_acked and not wait_acked(s, 5):
        die("the data was not acknowledged within 5 s")
    time.sleep(args.linger)
    reset(s)
    say("rst")


def role_rst_after_recv(args):
    s = listen_accept(args.addr, args)
    got = 0
    while got < args.bytes:
        k = len(s.recv(65536))
        if k == 0:
            die(f"EOF after {got} bytes, before the reset")
        got += k
    time.sleep(args.linger)
    reset(s)
    say("rst after", got)


def role_halfclose(args):
    s = listen_accept(args.addr, args)
    say("sent", send_stream(s, args.seed, args.bytes), args.bytes)
    s.shutdown(socket.SHUT_WR)
    say("shutdown")
    r = Receiver(args.peer_seed)
    err = r.drain(s)
    r.report(err, args.expect)
    s.close()
    say("closed")


def role_sink(args):
    s = listen_accept(args.addr, args)
    got, ready = 0, False
    buf = bytearray(256 * 1024)
    while True:
        try:
            k = s.recv_into(buf)
        except OSError as e:
            say("end", errname(e.errno), got)
            return
        if k == 0:
            say("end eof", got)
            return
        got += k
        if not ready and got >= CHUNK:
            ready = True
            say("ready")


def role_idle(args):
    s = listen_accept(args.addr, args)
    say("ready")
    try:
        k = len(s.recv(1))
        say("end", "eof" if k == 0 else "data")
    except OSError as e:
        say("end", errname(e.errno))


def role_ka_client(args):
    idle, intvl, cnt = (int(x) for x in args.ka.split(","))
    s = connect(args.addr, args)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, idle)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, intvl)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, cnt)
    s.settimeout(args.quiet)
    try:
        k = len(s.recv(1))
        die(f"the idle connection ended early ({'EOF' if k == 0 else 'data'})")
    except OSError as e:
        if e.errno is not None:
            die(f"the idle connection failed during the quiet phase with"
                f" {errname(e.errno)} (were the keepalive probes answered?)")
    say("phase1 ok")
    s.settimeout(args.timeout)
    t0 = time.monotonic()
    try:
        k = len(s.recv(1))
        die(f"expected a keepalive timeout, got {'EOF' if k == 0 else 'data'}")
    except OSError as e:
        if e.errno is None:
            die(f"no keepalive timeout within {args.timeout} s")
        say("end", errname(e.errno), f"{time.time():.3f}",
            f"{time.monotonic() - t0:.3f}")


def role_malformed_pcap(args):
    def csum(b):
        if len(b) % 2:
            b += b"\0"
        v = sum(struct.unpack("!%dH" % (len(b) // 2), b))
        while v >> 16:
            v = (v & 0xffff) + (v >> 16)
        return ~v & 0xffff

    def frame(payload, doff=5, bad_csum=False):
        src, dst = bytes([198, 18, 6, 1]), bytes([198, 18, 6, 2])
        tcp = struct.pack("!HHIIBBHHH", 40000, 80, 1000, 2000, doff << 4, 0x18,
                          65535, 0, 0) + payload
        c = csum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
        tcp = tcp[:16] + struct.pack("!H", c ^ (0x1234 if bad_csum else 0)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6,
                         0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        return bytes.fromhex("020000000002020000000001") + b"\x08\x00" + ip + tcp

    with open(args.addr, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, (fr, snap) in enumerate([
                (frame(b"hello"), None),
                (frame(b"hello", doff=15), None),
                (frame(b"hello", bad_csum=True), None),
                (frame(b"x" * 1000), 96)]):
            cap = fr if snap is None else fr[:snap]
            f.write(struct.pack("<IIII", i + 1, 0, len(cap), len(fr)) + cap)
    say("wrote", args.addr)


ROLES = {
    "serve-bulk": role_serve_bulk, "client-bulk": role_client_bulk,
    "rst-after-send": role_rst_after_send, "rst-after-recv": role_rst_after_recv,
    "halfclose": role_halfclose, "sink": role_sink, "idle": role_idle,
    "ka-client": role_ka_client, "malformed-pcap": role_malformed_pcap,
}


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("role", choices=sorted(ROLES))
    p.add_argument("addr", help="ADDR:PORT to listen on or connect to (a path"
                   " for malformed-pcap)")
    p.add_argument("--bytes", type=int, default=0, help="bytes to send (or read)")
    p.add_argument("--seed", type=int, default=1, help="seed of what we send")
    p.add_argument("--peer-seed", type=int, default=2, help="seed of what we receive")
    p.add_argument("--expect", type=int, help="bytes the peer must send")
    p.add_argument("--close", choices=["first", "last"], default="first")
    p.add_argument("--wait-acked", action="store_true")
    p.add_argument("--linger", type=float, default=0.0,
                   help="seconds to wait before the reset")
    p.add_argument("--ka", default="1,1,3", help="IDLE,INTVL,CNT")
    p.add_argument("--quiet", type=float, default=3.0)
    p.add_argument("--timeout", type=float, default=30.0)
    args = p.parse_args()
    try:
        ROLES[args.role](args)
    except OSError as e:
        die(f"{args.role}: {e}")


if __name__ == "__main__":
    main()
