/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCB's two halves (issue 15): the hot half an idle connection keeps,
 * and the cold half it gives back when quiet. The size bound stops the hot
 * half from growing unnoticed; the differential test shows that giving
 * the cold half back whenever the TCB is quiet, as the lcore does after
 * each output, changes nothing a peer could see.
 */
#include <errno.h>
#include <criterion/criterion.h>

#include "tcb_fixture.h"

/* The hot half: what each idle established connection costs in its
 * socket. Raise it only with the figures of docs/performance.md. */
#define HOT_MAX 192

Test(tcb_ext, hot_half_size)
{
	cr_assert_leq(sizeof(struct dps_tcb), HOT_MAX, "struct dps_tcb is %zu bytes",
		sizeof(struct dps_tcb));
	cr_assert_leq(sizeof(struct dps_tcb_ext), 544, "struct dps_tcb_ext is %zu bytes",
		sizeof(struct dps_tcb_ext));
}

Test(tcb_ext, attach_writes_defaults)
{
	struct dps_tcb t;
	struct dps_tcb_ext *x = test_x();

	memset(&t, 0, sizeof(t));
	dps_tcb_ext_attach(&t, x);
	cr_assert_eq(t.x, x);
	cr_assert_eq(x->owner, &t);
	cr_assert_eq(x->syn_retries, DPS_TCP_SYN_RETRIES);
	cr_assert_eq(x->keepidle_s, dps_tcp_keepidle_s(0));
	cr_assert_eq(x->keepintvl_s, dps_tcp_keepintvl_s(0));
	cr_assert_eq(x->keepcnt, dps_tcp_keepcnt(0));
	cr_assert_eq(x->rtt_seq, 0);
	cr_assert_eq(x->st.retrans_segs, 0);
}

/* A cold half only linked (dps_tcb_ext_link(): no owner, nothing
 * written) and then opened gives the same TCB, both halves, as one
 * attached first: connect and accept write the cold half they find. */
Test(tcb_ext, link_then_open_equals_attach_then_open)
{
	static struct dps_tcb_ext xa, xl;
	struct dps_tcb_conf c = linux_conf();
	struct dps_tcp_out oa, ol;
	struct dps_tcb a, l;

	memset(&a, 0x5a, sizeof(a));
	memset(&l, 0x5a, sizeof(l));
	memset(&xl, 0xa5, offsetof(struct dps_tcb_ext, ooo));	/* a used one */
	dps_tcb_ext_link(&l, &xl);
	cr_assert_eq(l.x, &xl);
	cr_assert_null(xl.owner, "no owner before the open: readers ignore it");
	dps_tcb_ext_attach(&a, &xa);
	dps_tcb_connect(&a, &c, ISS, TS_OFF, T0, &oa);
	dps_tcb_connect(&l, &c, ISS, TS_OFF, T0, &ol);
	cr_assert_eq(xl.owner, &l);
	cr_assert_eq(memcmp(&oa, &ol, sizeof(oa)), 0, "the SYNs differ");
	l.x = a.x;
	cr_assert_eq(memcmp(&a, &l, sizeof(a)), 0, "the hot halves differ");
	xl.owner = xa.owner;
	cr_assert_eq(memcmp(&xa, &xl, offsetof(struct dps_tcb_ext, ooo)), 0,
		"the cold halves differ");

	memset(&l, 0x5a, sizeof(l));
	memset(&xl, 0xa5, offsetof(struct dps_tcb_ext, ooo));
	dps_tcb_ext_link(&l, &xl);
	dps_tcb_accept(&l, &c, &(struct dps_tcp_seg){ 0 }, ISS, TS_OFF, T0, &ol);
	cr_assert_eq(xl.owner, &l);
	cr_assert_eq(xl.syn_retries, DPS_TCP_SYNACK_RETRIES);
	cr_assert_eq(xl.st.retrans_segs, 0);
	cr_assert_eq(xl.rtt_seq, 0);
}

Test(tcb_ext, established_is_quiet)
{
	struct dps_tcb t;
	struct dps_tcb_ext *x;

	establish(&t);
	x = t.x;
	cr_assert(dps_tcb_quiet(&t));
	cr_assert_eq(dps_tcb_ext_detach(&t), x);
	cr_assert_null(t.x);
	cr_assert_null(x->owner);
	cr_assert(!dps_tcb_quiet(&t), "nothing to give back");
	cr_assert_null(dps_tcb_ext_detach(&t));
}

Test(tcb_ext, not_quiet_while_opening)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];

	syn_sent(&t, &out[0]);
	cr_assert_null(dps_tcb_ext_detach(&t), "SYN_SENT");
	syn_recv_child(&t, &(struct dps_tcb_conf){ .adv_mss = 1460 }, &out[0]);
	cr_assert_null(dps_tcb_ext_detach(&t), "SYN_RECV");
}

Test(tcb_ext, not_quiet_with_data_in_flight)
{
	struct dps_tcb t;

	established_in_flight(&t, NULL, 2);
	cr_assert_null(dps_tcb_ext_detach(&t), "in flight");
	peer_ack_all(&t, TE + 20 * MS);
	cr_assert_not_null(dps_tcb_ext_detach(&t), "all acknowledged");
}

Test(tcb_ext, not_quiet_with_data_queued)
{
	struct dps_tcb t;

	establish(&t);
	dps_tcb_queue(&t, 100);
	cr_assert_null(dps_tcb_ext_detach(&t), "queued, not sent");
}

Test(tcb_ext, not_quiet_with_a_hole)
{
	struct dps_tcb t;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	unsigned int n;

	establish(&t);
	feed(&t, pseg(DPS_TH_ACK, t.rcv_nxt + 1000, t.snd_nxt, 500), TE + MS, out, &n);
	cr_assert_eq(t.n_ooo, 1);
	cr_assert_null(dps_tcb_ext_detach(&t), "out-of-order range held");
	feed(&t, pseg(DPS_TH_ACK, t.rcv_nxt, t.snd_nxt, 1000), TE + 2 * MS, out, &n);
	cr_assert_eq(t.n_ooo, 0);
	cr_assert_not_null(dps_tcb_ext_detach(&t), "hole filled");
}

Test(tcb_ext, not_quiet_with_settings)
{
	struct dps_tcb t;
	struct dps_tcb_opts o = { .keepalive = true, .keepidle_s = 30 };

	establish(&t);
	dps_tcb_set_opts(&t, &o, TE + MS);
	cr_assert_null(dps_tcb_ext_detach(&t), "TCP_KEEPIDLE 30 lives in the cold half");
	o.keepidle_s = 0;
	dps_tcb_set_opts(&t, &o, TE + 2 * MS);
	cr_assert_not_null(dps_tcb_ext_detach(&t), "back to the default");
}

/*
 * Two TCBs live the same life: A keeps its cold half, B gives it back
 * whenever it is quiet after output and takes a fresh one (scribbled by
 * test_x()) before each call that needs one; whenever it may, B is also
 * saved as an idle record and loaded from it over a scribbled TCB. Requests and responses of
 * varied sizes, a lost segment repaired by fast retransmit, a timeout,
 * idle gaps and the peer's FIN: every segment each sends, every event,
 * and the hot halves must be the same.
 */
struct pair {
	struct dps_tcb a, b;
	unsigned int detaches;
	unsigned int idles;		/* B saved and loaded as an idle record */
};

static void
hold(struct pair *p)
{
	if (p->b.x == NULL)
		tcb_attach(&p->b);
}

/* B gives its cold half back when quiet, and then, when it may be kept
 * as an idle record, lives on as the TCB loaded from that record. */
static void
release(struct pair *p)
{
	struct dps_tcb_idle r;

	if (dps_tcb_ext_detach(&p->b) != NULL)
		p->detaches++;
	if (!dps_tcb_idle_ok(&p->b))
		return;
	dps_tcb_idle_save(&p->b, &r);
	memset(&p->b, 0xa5, sizeof(p->b));
	dps_tcb_idle_load(&p->b, &r);
	p->idles++;
}

static void
same_hot(const struct pair *p, const char *what)
{
	struct dps_tcb a = p->a, b = p->b;

	a.x = b.x = NULL;
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0, "%s: the hot halves differ", what);
}

static void
same_out(const struct dps_tcp_out *oa, unsigned int na, const struct dps_tcp_out *ob,
	unsigned int nb, const char *what)
{
	cr_assert_eq(na, nb, "%s: %u segments against %u", what, na, nb);
	for (unsigned int i = 0; i < na; i++)
		cr_assert_eq(memcmp(&oa[i], &ob[i], sizeof(oa[i])), 0,
			"%s: segment %u differs", what, i);
}

static void
pair_output(struct pair *p, uint64_t now, const char *what)
{
	struct dps_tcp_out oa[NOUT], ob[NOUT];
	unsigned int na, nb;

	hold(p);
	na = output(&p->a, now, oa);
	nb = output(&p->b, now, ob);
	same_out(oa, na, ob, nb, what);
	same_hot(p, what);
	release(p);
}

static void
pair_feed(struct pair *p, struct dps_tcp_seg s, uint64_t now, const char *what)
{
	struct dps_tcp_out oa[DPS_TCB_MAX_OUT], ob[DPS_TCB_MAX_OUT];
	unsigned int na, nb;
	int ea, eb;

	hold(p);
	ea = feed(&p->a, s, now, oa, &na);
	eb = feed(&p->b, s, now, ob, &nb);
	cr_assert_eq(ea, eb, "%s: events %#x against %#x", what, ea, eb);
	same_out(oa, na, ob, nb, what);
	pair_output(p, now, what);
}

static void
pair_timers(struct pair *p, uint64_t until)
{
	while (dps_tcb_deadline(&p->a) != 0 && dps_tcb_deadline(&p->a) <= until) {
		struct dps_tcp_out oa[DPS_TCB_MAX_OUT], ob[DPS_TCB_MAX_OUT];
		uint64_t now = dps_tcb_deadline(&p->a);
		unsigned int na, nb;
		int ea, eb;

		cr_assert_eq(dps_tcb_deadline(&p->b), now, "the deadlines differ");
		hold(p);
		ea = timeout(&p->a, now, oa, &na);
		eb = timeout(&p->b, now, ob, &nb);
		cr_assert_eq(ea, eb, "timer: events differ");
		same_out(oa, na, ob, nb, "timer");
		pair_output(p, now, "after the timer");
	}
}

static void
live_pair(uint8_t cc, unsigned int min_detaches, unsigned int min_idles)
{
	struct dps_tcb_conf c = linux_conf();
	struct pair p;
	uint64_t now = TE;
	uint32_t peer_seq = PEER_ISN + 1;

	c.cc = cc;
	memset(&p, 0, sizeof(p));
	establish_conf(&p.a, &c);
	establish_conf(&p.b, &c);
	release(&p);
	for (unsigned int round = 0; round < 40; round++) {
		uint32_t req = 50 + 37 * round, resp = 300 + 911 * round;
		uint32_t una;

		now += (round % 3 == 0 ? 10 * SEC : 3 * MS);
		pair_timers(&p, now);
		pair_feed(&p, pseg(DPS_TH_ACK | DPS_TH_PSH, peer_seq, p.a.snd_nxt, req),
			now, "request");
		peer_seq += req;
		hold(&p);
		dps_tcb_queue(&p.a, resp);
		dps_tcb_queue(&p.b, resp);
		dps_tcb_mark_push(&p.a);	/* one write, as a socket's */
		dps_tcb_mark_push(&p.b);
		pair_output(&p, now, "response");
		una = p.a.snd_una;
		now += 10 * MS;
		if (round % 5 == 4 && p.a.snd_nxt - una > 3 * SMSS) {
			/* The first segment is lost: three duplicate ACKs with
			 * SACK blocks, then the repair is acknowledged. */
			for (unsigned int d = 1; d <= 3; d++) {
				struct dps_tcp_seg s = pseg(DPS_TH_ACK, peer_seq, una, 0);

				s.n_sack = 1;
				s.sack[0].left = una + SMSS;
				s.sack[0].right = una + (d + 1) * SMSS;
				pair_feed(&p, s, now, "duplicate ACK");
			}
			now += 10 * MS;
		}
		/* The peer acknowledges what it has until the response is
		 * all through (it leaves in windows of 502 << 7). */
		for (unsigned int k = 0; p.a.snd_una != p.a.snd_end; k++) {
			cr_assert_lt(k, 64, "the response does not drain");
			pair_feed(&p, pseg(DPS_TH_ACK, peer_seq, p.a.snd_nxt, 0), now,
				"ACK of all");
			now += 10 * MS;
		}
		pair_timers(&p, now + 500 * MS);
	}
	pair_feed(&p, pseg(DPS_TH_ACK | DPS_TH_FIN, peer_seq, p.a.snd_nxt, 0), now, "FIN");
	cr_assert_eq(p.a.state, DPS_TCPS_CLOSE_WAIT);
	cr_assert_geq(p.detaches, min_detaches, "B gave its cold half back %u times",
		p.detaches);
	cr_assert_geq(p.idles, min_idles, "B lived on from its idle record %u times",
		p.idles);
	cr_assert_gt(p.a.retrans_total, 0, "the losses were repaired by retransmission");
	cr_assert_eq(p.a.retrans_total, p.b.retrans_total);
}

/* NewReno keeps no state of its own: B goes quiet again after each
 * repaired loss. */
Test(tcb_ext, giving_back_when_quiet_changes_nothing)
{
	live_pair(DPS_CC_NEWRENO, 80, 50);
}

/* CUBIC remembers its last loss (W_max), so B keeps its cold half from
 * the first loss on (dps_tcb_quiet()); before it, the same as above. */
Test(tcb_ext, giving_back_when_quiet_changes_nothing_cubic)
{
	live_pair(DPS_CC_CUBIC, 10, 15);
}

/* The idle record keeps every byte it does not fix: TCBs of random
 * bytes, made idle (the fields the record leaves out set as it
 * requires), come back from save and load identical. */
Test(tcb_ext, idle_record_round_trip)
{
	uint32_t seed = 12345;

	cr_assert_leq(sizeof(struct dps_tcb_idle), 120);
	for (int i = 0; i < 1000; i++) {
		struct dps_tcb t, u;
		struct dps_tcb_idle r;
		uint8_t *b = (uint8_t *)&t;

		for (size_t k = 0; k < sizeof(t); k++) {
			seed = seed * 1103515245u + 12345u;
			b[k] = (uint8_t)(seed >> 16);
		}
		t.x = NULL;
		t.snd_nxt = t.snd_max = t.snd_end = t.snd_una;
		t.retransmits = t.dupacks = t.n_ooo = t.n_sacked = 0;
		t.err = t.soft_err = 0;
		t.rtx_at = t.dack_at = t.ka_at = 0;
		/* The five lagging sequence numbers, anywhere in their 64 KiB
		 * (from the random bytes of iss's neighbours). */
		t.snd_wl2 = t.snd_una - (t.snd_wl2 & 0xffff);
		t.snd_sml = t.snd_una - (t.snd_sml & 0xffff);
		t.push_seq = t.snd_una - (t.push_seq & 0xffff);
		t.pushed_seq = t.snd_una - (t.pushed_seq & 0xffff);
		t.rcv_acked = t.rcv_nxt - (t.rcv_acked & 0xffff);
		/* The four narrowed figures, anywhere in what fits. */
		t.max_snd_wnd = t.snd_wnd + (t.max_snd_wnd & 0xffff);
		t.cwnd_acc &= 0xffff;
		t.retrans_total &= 0xffff;
		t.rto_us = (t.rto_us & 0xffff) * (uint32_t)(DPS_TCP_JIFFY_NS / 1000);
		cr_assert(dps_tcb_idle_ok(&t));
		dps_tcb_idle_save(&t, &r);
		memset(&u, 0x5a, sizeof(u));
		dps_tcb_idle_load(&u, &r);
		cr_assert_eq(memcmp(&t, &u, sizeof(t)), 0, "round %d: the TCB changed", i);
	}
}

/* Each field the record leaves out keeps a TCB from being kept in it. */
Test(tcb_ext, idle_record_refuses_what_it_cannot_keep)
{
	struct dps_tcb t;

	establish(&t);
	(void)dps_tcb_ext_detach(&t);
	t.dack_at = 0;
	cr_assert(dps_tcb_idle_ok(&t), "an established, quiet TCB");
	t.snd_nxt++;
	cr_assert_not(dps_tcb_idle_ok(&t), "data in flight");
	t.snd_nxt--;
	t.dack_at = TE + 40 * MS;
	cr_assert_not(dps_tcb_idle_ok(&t), "a delayed ACK due");
	t.dack_at = 0;
	t.n_ooo = 1;
	cr_assert_not(dps_tcb_idle_ok(&t), "an out-of-order range");
	t.n_ooo = 0;
	t.soft_err = EHOSTUNREACH;
	cr_assert_not(dps_tcb_idle_ok(&t), "a soft error kept");
	t.soft_err = 0;
	t.ka_at = TE + 7200 * 1000 * MS;
	cr_assert_not(dps_tcb_idle_ok(&t), "a keepalive deadline");
	t.ka_at = 0;
	t.snd_sml = t.snd_una - 65536;
	cr_assert_not(dps_tcb_idle_ok(&t), "a small segment's end 64 KiB back");
	t.snd_sml = t.snd_una - 65535;
	cr_assert(dps_tcb_idle_ok(&t), "one byte less fits");
	t.rcv_acked = t.rcv_nxt + 1;
	cr_assert_not(dps_tcb_idle_ok(&t), "an ACK beyond RCV.NXT");
	t.rcv_acked = t.rcv_nxt;
	t.max_snd_wnd = t.snd_wnd + 65536;
	cr_assert_not(dps_tcb_idle_ok(&t), "a window 64 KiB above the largest");
	t.max_snd_wnd = t.snd_wnd + 65535;
	cr_assert(dps_tcb_idle_ok(&t), "one byte less fits");
	t.max_snd_wnd = t.snd_wnd;
	t.cwnd_acc = 65536;
	cr_assert_not(dps_tcb_idle_ok(&t), "64 KiB counted toward the next step");
	t.cwnd_acc = 0;
	t.retrans_total = 65536;
	cr_assert_not(dps_tcb_idle_ok(&t), "64 Ki retransmissions");
	t.retrans_total = 65535;
	cr_assert(dps_tcb_idle_ok(&t), "one less fits");
	t.retrans_total = 0;
	t.rto_us += 1000;
	cr_assert_not(dps_tcb_idle_ok(&t), "an RTO that is not whole jiffies");
	t.rto_us = 65536 * (uint32_t)(DPS_TCP_JIFFY_NS / 1000);
	cr_assert_not(dps_tcb_idle_ok(&t), "an RTO of 65,536 jiffies");
	t.rto_us = 65535 * (uint32_t)(DPS_TCP_JIFFY_NS / 1000);
	cr_assert(dps_tcb_idle_ok(&t), "one jiffy less fits");
	tcb_attach(&t);
	cr_assert_not(dps_tcb_idle_ok(&t), "a cold half attached");
}
