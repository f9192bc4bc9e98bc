/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ioctl(2) on a socket: the queue sizes of tcp_ioctl() and udp_ioctl()
 * (SIOCINQ, also known as FIONREAD, SIOCOUTQ and SIOCOUTQNSD), and
 * FIONBIO.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include "dps_sock_priv.h"
#include "dps_uaccess.h"

/* Our FIN is queued and not yet acknowledged: Linux counts it in
 * write_seq, so in SIOCOUTQ. */
static int
tcp_fin_unacked(const struct dps_sock *sk, uint8_t st)
{
	if (!(dps_sock_shutdown(sk) & DPS_SEND_SHUTDOWN))
		return 0;
	return st == DPS_TCP_ESTABLISHED || st == DPS_TCP_CLOSE_WAIT ||
		st == DPS_TCP_FIN_WAIT1 || st == DPS_TCP_CLOSING ||
		st == DPS_TCP_LAST_ACK;
}

/*
 * tcp_ioctl(): a listener has no queues (EINVAL); while the handshake
 * runs they are empty; SIOCINQ counts the bytes received in order and
 * not read (tcp_inq(), the FIN not counted), SIOCOUTQ those written and
 * not acknowledged (our FIN too), SIOCOUTQNSD those written and not
 * sent.
 */
static int
tcp_queue_size(const struct dps_sock *sk, unsigned long req, int *out)
{
	uint8_t st = dps_sock_state(sk);

	if (st == DPS_TCP_LISTEN)
		return -EINVAL;
	if (st == DPS_TCP_SYN_SENT || st == DPS_TCP_SYN_RECV) {
		*out = 0;
		return 0;
	}
	if (req == SIOCINQ)
		*out = (int)dps_tcp_inq(sk);
	else if (req == SIOCOUTQ)
		*out = (int)dps_sock_snd_queued(sk) + tcp_fin_unacked(sk, st);
	else
		*out = (int)dps_tcp_notsent(sk);
	return 0;
}

/*
 * udp_ioctl(): SIOCINQ is the next datagram's payload length, 0 when
 * none (first_packet_length()); SIOCOUTQ the send memory still held
 * (sk_wmem_alloc_get()), which here is 0, as a datagram goes to its
 * lcore with no charge against the socket; SIOCOUTQNSD is not UDP's
 * (ENOTTY).
 */
static int
udp_queue_size(struct dps_sock *sk, unsigned long req, int *out)
{
	if (req == SIOCOUTQNSD)
		return -ENOTTY;
	*out = req == SIOCINQ ? (int)dps_udp_inq(sk) : 0;
	return 0;
}

static int
sock_ioctl(struct dps_sock *sk, unsigned long req, void *arg)
{
	int v = 0, rc;

	switch (req) {
	case FIONBIO:
		rc = dps_copy_from_user(&v, arg, sizeof(v));
		if (rc == 0)
			dps_sock_set_fflags(sk, v != 0 ? dps_sock_fflags(sk) | O_NONBLOCK :
				dps_sock_fflags(sk) & ~O_NONBLOCK);
		return rc;
	case SIOCINQ:
	case SIOCOUTQ:
	case SIOCOUTQNSD:
		if (sk->type != SOCK_STREAM)
			rc = udp_queue_size(sk, req, &v);
		else
			rc = tcp_queue_size(sk, req, &v);
		return rc != 0 ? rc : dps_copy_to_user(arg, &v, sizeof(v));
	default:
		return -ENOTTY;
	}
}

int
dps_ioctl(int fd, unsigned long req, void *arg)
{
	struct dps_sock *sk = dps_sock_get(fd);

	if (sk == NULL) {
		errno = dps_sock_errno(fd);
		return -1;
	}
	return (int)dps_sock_ret(sk, sock_ioctl(sk, req, arg));
}
