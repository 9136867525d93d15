/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * The exception path (see mr_relay_exc.h). A worker reads its ring and the
 * port flags, written by the main lcore before the workers start and after
 * they return only.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "mr_relay_exc.h"

#define EXC_ETH_HLEN 14
#define EXC_VLAN_HLEN 4

int
mr_relay_exc_setup(struct mr_relay *r, uint32_t ring_size)
{
	char name[RTE_RING_NAMESIZE];
	uint16_t i;

	if (r == NULL || !rte_is_power_of_2(ring_size) || ring_size < 2)
		return -EINVAL;
	for (i = 0; i < r->n_workers; i++) {
		struct mr_worker *w = r->workers[i];

		if (w->exc_ring != NULL)
			return -EEXIST;
		snprintf(name, sizeof(name), "%s_exc%u", r->streams->name, w->lcore_id);
		w->exc_ring = rte_ring_create(name, ring_size,
					      (int)rte_lcore_to_socket_id(w->lcore_id),
					      RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w->exc_ring == NULL) {
			mr_relay_exc_free(r);
			return -ENOMEM;
		}
	}
	return 0;
}

void
mr_relay_exc_port_enable(struct mr_relay *r, uint16_t port_id)
{
	if (port_id < RTE_MAX_ETHPORTS)
		r->exc_port[port_id] = true;
}

unsigned int
mr_relay_exc_poll(struct mr_relay *r, struct rte_mbuf **pkts, unsigned int max)
{
	unsigned int got = 0, k;

	/* a fair share of each worker's ring, starting from another one each call */
	for (k = 0; k < r->n_workers && got < max; k++) {
		const struct mr_worker *w = r->workers[(r->exc_next + k) % r->n_workers];

		if (w->exc_ring != NULL)
			got += rte_ring_sc_dequeue_burst(w->exc_ring, (void **)(pkts + got),
							 RTE_MAX((max - got) / 2, 1u), NULL);
	}
	if (r->n_workers != 0)
		r->exc_next = (uint16_t)((r->exc_next + 1) % r->n_workers);
	return got;
}

void
mr_relay_exc_free(struct mr_relay *r)
{
	struct mr_lcore_counters *c = mr_counters_self();
	struct rte_mbuf *m;
	uint16_t i;

	for (i = 0; i < r->n_workers; i++) {
		struct mr_worker *w = r->workers[i];

		if (w->exc_ring == NULL)
			continue;
		while (rte_ring_sc_dequeue(w->exc_ring, (void **)&m) == 0) {
			mr_drop_count(c, MR_DROP_SHUTDOWN, 1);
			rte_pktmbuf_free(m);
		}
		rte_ring_free(w->exc_ring);
		w->exc_ring = NULL;
	}
	memset(r->exc_port, 0, sizeof(r->exc_port));
}

/* ARP, or IPv4 carrying ICMP, or IPv6 whose first next header is ICMPv6. */
static bool
is_exception(const struct rte_mbuf *m)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = m->data_len, off = EXC_ETH_HLEN;
	uint16_t etype;

	if (len < EXC_ETH_HLEN)
		return false;
	etype = (uint16_t)(f[12] << 8 | f[13]);
	if (etype == RTE_ETHER_TYPE_VLAN) {
		if (len < EXC_ETH_HLEN + EXC_VLAN_HLEN)
			return false;
		etype = (uint16_t)(f[16] << 8 | f[17]);
		off += EXC_VLAN_HLEN;
	}
	switch (etype) {
	case RTE_ETHER_TYPE_ARP:
		return true;
	case RTE_ETHER_TYPE_IPV4:
		return len >= off + 20 && f[off + 9] == IPPROTO_ICMP;
	case RTE_ETHER_TYPE_IPV6:
		return len >= off + 40 && f[off + 6] == IPPROTO_ICMPV6;
	default:
		return false;
	}
}

void
mr_relay_exc_or_drop(struct mr_worker *w, struct rte_mbuf *m, mr_drop_reason_t reason)
{
	/* what mr_pkt_parse() says of ARP (not IP) and of ICMP/ICMPv6 (not UDP) */
	if ((reason == MR_DROP_NOT_IP || reason == MR_DROP_NOT_UDP) &&
	    m->port < RTE_MAX_ETHPORTS && w->relay->exc_port[m->port] &&
	    w->exc_ring != NULL && m->nb_segs == 1 && is_exception(m)) {
		if (rte_ring_sp_enqueue(w->exc_ring, m) == 0)
			return;
		reason = MR_DROP_EXCEPTION_RING_FULL;
	}
	mr_drop_count(w->ctr, reason, 1);
	rte_pktmbuf_free(m);
}
