/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PKT_SCRIPT_H
#define PKT_SCRIPT_H

/*
 * Packet scripts: a timeline of system calls, packets the remote peer
 * injects and packets the stack under test must send back (docs/tcp.md,
 * "Packet scripts", gives the syntax). This header is the pure part:
 * the parser, the TCP/IPv4 codec and the matcher, with no I/O, so that
 * test/unit/test_pkt.c runs it without a stack.
 *
 * Numbers in a parsed script are as written: sequence numbers relative
 * to an ISN, times in nanoseconds from the script's start.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_MAX_EVENTS	512
#define PKT_MAX_OPTS	12
#define PKT_MAX_SACK	4
#define PKT_MAX_ARGS	4
#define PKT_NAME_MAX	16
#define PKT_ERR_MAX	256
#define PKT_DEV_MAX	200

/* TCP flags as on the wire. */
#define PKT_FIN	0x01
#define PKT_SYN	0x02
#define PKT_RST	0x04
#define PKT_PSH	0x08
#define PKT_ACK	0x10
#define PKT_URG	0x20
#define PKT_ECE	0x40
#define PKT_CWR	0x80

enum pkt_opt_kind {
	PKT_OPT_EOL = 0,
	PKT_OPT_NOP = 1,
	PKT_OPT_MSS = 2,
	PKT_OPT_WS = 3,
	PKT_OPT_SACKOK = 4,
	PKT_OPT_SACK = 5,
	PKT_OPT_TS = 8,
};

/* One TCP option. v[0]/v[1]: MSS or shift in v[0]; TSval, TSecr. */
struct pkt_opt {
	uint8_t kind;
	bool wild[2];		/* expected side: the value is not checked */
	bool ecr_last;		/* injected TSecr: the stack's latest TSval */
	uint32_t v[2];
	uint8_t nsack;		/* SACK blocks [left, right), relative */
	uint32_t sack[PKT_MAX_SACK][2];
};

/* A TCP segment: injected (all fields given) or expected (wildcards). */
struct pkt_seg {
	uint8_t flags;
	uint8_t flags_any;	/* expected: flags not checked ('p': PSH) */
	bool seq_wild, ack_wild, win_wild, opts_wild;
	uint32_t seq, ack;	/* relative to the sender's / peer's ISN */
	uint32_t win;		/* as in the header, unscaled */
	uint32_t len;		/* payload bytes */
	uint16_t rport;		/* remote port, 0: the script's default */
	int nopt;
	struct pkt_opt opt[PKT_MAX_OPTS];
};

enum pkt_call_kind {
	PKT_SOCKET, PKT_BIND, PKT_LISTEN, PKT_ACCEPT, PKT_CONNECT, PKT_WRITE,
	PKT_READ, PKT_CLOSE, PKT_SHUTDOWN, PKT_SETSOCKOPT, PKT_GETSOCKOPT,
	PKT_POLL, PKT_FCNTL,
};

/* An argument: a socket variable or a number (constants resolved). */
struct pkt_arg {
	char var[PKT_NAME_MAX];	/* "" for a number */
	long val;
};

struct pkt_call {
	enum pkt_call_kind kind;
	char result_var[PKT_NAME_MAX];	/* "X = accept(L)": X, or "" */
	int nargs;
	struct pkt_arg arg[PKT_MAX_ARGS];
	int level, optname;		/* sockopts */
	bool rc_wild;			/* "= *" */
	long rc;			/* expected result; default 0 or ">= 0" */
	bool rc_given;
	int err;			/* expected errno when rc == -1 */
	bool val_given;			/* getsockopt "val N" / poll "revents N" */
	long val;
	bool blocking;			/* "t...t2": returns at end_ns */
	uint64_t end_ns;
};

enum pkt_ev_kind { PKT_EV_IN, PKT_EV_OUT, PKT_EV_CALL };

struct pkt_event {
	enum pkt_ev_kind kind;
	int line;
	uint64_t t_ns;			/* script time, from the start */
	uint64_t dt_ns;			/* since the previous event */
	union {
		struct pkt_seg seg;
		struct pkt_call call;
	};
};

struct pkt_script {
	char name[64];
	int nev;
	struct pkt_event ev[PKT_MAX_EVENTS];
	uint64_t tol_ns;		/* "# tolerance:"; 0: the runner's */
	char deviation[PKT_DEV_MAX];	/* "# deviation: dpstack: why", or "" */
	char kernel_only[PKT_DEV_MAX];	/* "# kernel-only: why", or "" */
	int nsysctl;
	char sysctl[8][96];		/* "# sysctl: net.ipv4.x=v" (kernel) */
	uint16_t rport;			/* "# remote-port:", default 40000 */
};

/*
 * Parse @text into @s. On error returns -1 and writes
 * "<name>:<line>: <what>" into @err.
 */
int pkt_parse(const char *name, const char *text, struct pkt_script *s,
	char *err, size_t errlen);

/* Read and parse a file; on error -1 with the message in @err. */
int pkt_parse_file(const char *path, struct pkt_script *s, char *err,
	size_t errlen);

/* A TCP segment as decoded from the wire, absolute numbers. */
struct pkt_wire {
	uint32_t saddr, daddr;		/* host order */
	uint16_t sport, dport;
	struct pkt_seg seg;		/* seq/ack absolute until made relative */
	bool has_ts;
	uint32_t tsval;
};

/*
 * Decode an IPv4 packet at @ip (@len bytes). Returns 0, 1 for a packet
 * that is not TCP/IPv4 (ignored by the runner) or -1 with @err for a
 * malformed one (bad length, checksum or option layout).
 */
int pkt_decode(const uint8_t *ip, size_t len, struct pkt_wire *w, char *err,
	size_t errlen);

/* Make @w's seq, ack and SACK blocks relative: seq to @lisn (the stack's
 * ISN), ack and SACK blocks to @risn (the peer's). */
void pkt_wire_relative(struct pkt_wire *w, uint32_t lisn, uint32_t risn);

/*
 * Does @got (relative) match @want? If not, false and the first
 * difference in @why.
 */
bool pkt_match(const struct pkt_seg *want, const struct pkt_seg *got,
	char *why, size_t whylen);

/* Absolute numbers of an injected segment. */
struct pkt_inject {
	uint32_t saddr, daddr;		/* host order */
	uint16_t sport, dport;
	uint32_t seq, ack;		/* absolute */
	uint32_t ts_last;		/* TSecr for "ecr last" */
	uint32_t lisn;			/* SACK blocks are relative to it */
};

/*
 * Build the IPv4 packet of @seg (payload bytes are a pattern) into @buf.
 * Returns its length, or 0 if @cap is too small.
 */
size_t pkt_build(const struct pkt_seg *seg, const struct pkt_inject *in,
	uint8_t *buf, size_t cap);

/* @seg in script syntax ("S. seq 0 ack 1 win 65535 opts [...]"). */
void pkt_seg_format(const struct pkt_seg *seg, char *buf, size_t len);

/* errno name ("EAGAIN"), or NULL. */
const char *pkt_errno_name(int err);

#endif
