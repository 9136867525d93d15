/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * lib/relay's exception path (mr_relay_exc.c): what a worker hands to the
 * main lcore (ARP, ICMP, ICMPv6 on enabled ports), what it still drops
 * (other protocols, other ports) under which reason, a full ring, the
 * drain at shutdown, and the drop of packets to an unresolved next hop.
 */

#include <string.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "mr_relay.h"
#include "mr_relay_exc.h"
#include "mr_stream.h"
#include "mr_test.h"

struct exc_env {
	struct rte_mempool *pool;
	struct mr_streams *streams;
	struct mr_relay *relay;
	struct mr_worker *w;
};

static int
exc_env_setup(struct exc_env *e, uint32_t ring_size)
{
	static unsigned int gen;
	struct mr_streams_params sp = {
		.legs_max = 16, .streams_max = 64, .max_threads = RTE_MAX_LCORE,
		.socket_id = (int)rte_socket_id(),
	};
	struct mr_relay_params rp = {
		.burst = 32, .rtp_port_min = 30000, .rtp_port_max = 39999,
		.tx_drain_us = 100,
	};
	char name[32];

	memset(e, 0, sizeof(*e));
	gen++;
	snprintf(name, sizeof(name), "texc_pkt%u", gen);
	e->pool = rte_pktmbuf_pool_create(name, 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	snprintf(name, sizeof(name), "texc%u", gen);
	sp.name = name;
	e->streams = mr_streams_create(&sp);
	if (e->pool == NULL || e->streams == NULL)
		return -1;
	rp.streams = e->streams;
	rp.hdr_pool = e->pool;
	rp.copy_pool = e->pool;
	e->relay = mr_relay_create(&rp);
	if (e->relay == NULL)
		return -1;
	e->w = mr_relay_add_worker(e->relay, rte_lcore_id());
	if (e->w == NULL || mr_relay_exc_setup(e->relay, ring_size) != 0)
		return -1;
	memset(e->w->ctr, 0, sizeof(*e->w->ctr));
	return 0;
}

static int
exc_env_teardown(struct exc_env *e)
{
	int rc = 0;

	mr_relay_exc_free();
	mr_relay_free(e->relay);
	mr_streams_free(e->streams);
	if (rte_mempool_avail_count(e->pool) != e->pool->size)
		rc = -1;
	rte_mempool_free(e->pool);
	return rc;
}

/* A frame of @p etype whose L3 protocol byte (IPv4 byte 9, IPv6 byte 6) is @p proto. */
static struct rte_mbuf *
frame(struct exc_env *e, uint16_t port, uint16_t etype, uint8_t proto)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, 98);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(p, 0, 98);
	memset(p, 0xff, 6);
	p[6] = 0x02;
	p[11] = 0x09;
	p[12] = etype >> 8;
	p[13] = etype & 0xff;
	if (etype == RTE_ETHER_TYPE_IPV4) {
		p[14] = 0x45;
		p[16] = 0;
		p[17] = 84;
		p[14 + 9] = proto;
		/* a valid header checksum, so the parser gets to the protocol */
		{
			uint16_t sum = (uint16_t)~rte_raw_cksum(p + 14, 20);

			memcpy(p + 24, &sum, 2);
		}
	} else if (etype == RTE_ETHER_TYPE_IPV6) {
		p[14] = 0x60;
		p[19] = 44;
		p[14 + 6] = proto;
	}
	m->port = port;
	return m;
}

static int
test_relay_exc_divert(void)
{
	struct exc_env e;
	struct rte_mbuf *pkts[8], *got[8];
	unsigned int n;

	MR_TEST_ASSERT(exc_env_setup(&e, 64) == 0, "setup");
	mr_relay_exc_port_enable(3);
	pkts[0] = frame(&e, 3, RTE_ETHER_TYPE_ARP, 0);
	pkts[1] = frame(&e, 3, RTE_ETHER_TYPE_IPV4, IPPROTO_ICMP);
	pkts[2] = frame(&e, 3, RTE_ETHER_TYPE_IPV6, IPPROTO_ICMPV6);
	pkts[3] = frame(&e, 3, RTE_ETHER_TYPE_IPV4, IPPROTO_TCP);   /* not ours: dropped */
	pkts[4] = frame(&e, 4, RTE_ETHER_TYPE_ARP, 0);              /* port not enabled */
	pkts[5] = frame(&e, 3, 0x88cc, 0);                          /* LLDP: not IP */
	mr_relay_process(e.w, pkts, 6, false, 1);
	n = mr_relay_exc_poll(got, RTE_DIM(got));
	MR_TEST_EQ(n, 3);
	MR_TEST_ASSERT(got[0] == pkts[0] && got[1] == pkts[1] && got[2] == pkts[2],
		       "the three, in order");
	rte_pktmbuf_free_bulk(got, n);
	MR_TEST_EQ(e.w->ctr->drops[MR_DROP_NOT_UDP], 1);
	MR_TEST_EQ(e.w->ctr->drops[MR_DROP_NOT_IP], 2);
	MR_TEST_EQ(e.w->ctr->drops[MR_DROP_EXCEPTION_RING_FULL], 0);
	MR_TEST_EQ(exc_env_teardown(&e), 0);
	return 0;
}
MR_REGISTER_EAL_TEST(relay_exc, divert, test_relay_exc_divert);

static int
test_relay_exc_full(void)
{
	struct exc_env e;
	struct rte_mbuf *pkts[8];
	unsigned int i;
	uint64_t shutdown0 = mr_counters_self()->drops[MR_DROP_SHUTDOWN];

	/* a ring of 4 holds 3 */
	MR_TEST_ASSERT(exc_env_setup(&e, 4) == 0, "setup");
	mr_relay_exc_port_enable(3);
	for (i = 0; i < 5; i++)
		pkts[i] = frame(&e, 3, RTE_ETHER_TYPE_ARP, 0);
	mr_relay_process(e.w, pkts, 5, false, 1);
	MR_TEST_EQ(e.w->ctr->drops[MR_DROP_EXCEPTION_RING_FULL], 2);
	/* what is left at shutdown is freed and counted */
	mr_relay_exc_free();
	MR_TEST_EQ(mr_counters_self()->drops[MR_DROP_SHUTDOWN] - shutdown0, 3);
	MR_TEST_EQ(mr_relay_exc_poll(pkts, 8), 0);
	MR_TEST_EQ(exc_env_teardown(&e), 0);
	return 0;
}
MR_REGISTER_EAL_TEST(relay_exc, full, test_relay_exc_full);

static int
test_relay_exc_nexthop(void)
{
	struct rte_ether_addr us = {{0x02, 0, 0, 0, 0, 0x01}}, zero = {{0}},
			      peer = {{0x02, 0, 0, 0, 0, 0x02}};
	struct mr_endpoint a, b;
	struct mr_dest d;
	struct exc_env e;
	struct rte_mbuf *m;

	MR_TEST_ASSERT(exc_env_setup(&e, 64) == 0, "setup");
	MR_TEST_EQ(mr_endpoint_parse("10.0.0.1:30000", &a), 0);
	MR_TEST_EQ(mr_endpoint_parse("10.0.0.2:40000", &b), 0);
	memset(&d, 0, sizeof(d));
	/* unresolved: the template carries an all-zero destination MAC */
	MR_TEST_EQ(mr_pkt_tmpl_init(&d.tmpl, &us, &zero, 0, &a, &b), 0);
	m = rte_pktmbuf_alloc(e.pool);
	MR_TEST_ASSERT(mr_relay_exc_nexthop_unresolved(e.w, &d, m), "dropped");
	MR_TEST_EQ(e.w->ctr->drops[MR_DROP_NEXTHOP_UNRESOLVED], 1);
	/* with a VLAN tag too: the MAC is still the first six bytes */
	MR_TEST_EQ(mr_pkt_tmpl_init(&d.tmpl, &us, &zero, 100, &a, &b), 0);
	m = rte_pktmbuf_alloc(e.pool);
	MR_TEST_ASSERT(mr_relay_exc_nexthop_unresolved(e.w, &d, m), "dropped");
	MR_TEST_EQ(mr_pkt_tmpl_init(&d.tmpl, &us, &peer, 0, &a, &b), 0);
	m = rte_pktmbuf_alloc(e.pool);
	MR_TEST_ASSERT(!mr_relay_exc_nexthop_unresolved(e.w, &d, m), "resolved: kept");
	rte_pktmbuf_free(m);
	MR_TEST_EQ(e.w->ctr->drops[MR_DROP_NEXTHOP_UNRESOLVED], 2);
	MR_TEST_EQ(exc_env_teardown(&e), 0);
	return 0;
}
MR_REGISTER_EAL_TEST(relay_exc, nexthop, test_relay_exc_nexthop);
