/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Duplicate address detection for the stack's own addresses (RFC 4862
 * 5.4), with the nonce of RFC 7527 to tell our own probe, looped back,
 * from another node's. The contract is in dps_nd.h.
 */
#include <string.h>

#include "dps_nd.h"

#define DAD_NS_PER_S 1000000000ULL

static const struct dps_dad_params dad_defaults = {
	.transmits = 1,
	.retrans_ns = 1 * DAD_NS_PER_S,
	.max_delay_ns = 1 * DAD_NS_PER_S,
};

void
dps_dad_start(struct dps_dad *d, const struct dps_dad_params *p,
	uint16_t ifindex, const uint8_t addr[16], uint64_t rand, uint64_t now)
{
	memset(d, 0, sizeof(*d));
	d->p = p != NULL ? *p : dad_defaults;
	memcpy(d->addr, addr, 16);
	d->ifindex = ifindex;
	d->state = DPS_DAD_TENTATIVE;
	/* 5.4.2: the first probe after a random delay. */
	d->next_ns = now;
	if (d->p.transmits != 0 && d->p.max_delay_ns != 0)
		d->next_ns += (rand >> 16) % d->p.max_delay_ns;
	memcpy(d->nonce, &rand, sizeof(d->nonce));
}

/*
 * 5.4.2, 5.4.5: DupAddrDetectTransmits solicitations RetransTimer apart;
 * RetransTimer after the last with no conflict, the address is
 * preferred. With transmits 0 it is at once (5.4).
 */
enum dps_dad_act
dps_dad_tick(struct dps_dad *d, uint64_t now)
{
	if (d->state != DPS_DAD_TENTATIVE || now < d->next_ns)
		return DPS_DAD_NOTHING;
	if (d->sent < d->p.transmits) {
		d->sent++;
		d->next_ns = now + d->p.retrans_ns;
		return DPS_DAD_SEND_NS;
	}
	d->state = DPS_DAD_PREFERRED;
	return DPS_DAD_DONE;
}

bool
dps_dad_ns_conflicts(const struct dps_dad *d, const uint8_t src[16],
	const uint8_t *nonce)
{
	static const uint8_t unspec[16];

	if (d->state != DPS_DAD_TENTATIVE || memcmp(src, unspec, 16) != 0)
		return false;
	return nonce == NULL || d->sent == 0 ||
		memcmp(nonce, d->nonce, sizeof(d->nonce)) != 0;
}

bool
dps_dad_rx_ns(struct dps_dad *d, const uint8_t src[16], const uint8_t *nonce)
{
	if (!dps_dad_ns_conflicts(d, src, nonce))
		return false;
	d->state = DPS_DAD_DUPLICATE;
	return true;
}

bool
dps_dad_rx_na(struct dps_dad *d)
{
	if (d->state != DPS_DAD_TENTATIVE)
		return false;
	d->state = DPS_DAD_DUPLICATE;
	return true;
}

void
dps_dad_probed(struct dps_dad *d, uint64_t now)
{
	if (d->state == DPS_DAD_TENTATIVE)
		d->next_ns = now + d->p.retrans_ns;
}
