/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * lib/relay's exception path (mr_relay_exc.c): what a worker hands to the
 * main lcore (ARP, ICMP, ICMPv6 on enabled ports), what it still drops
 * (other protocols, other ports) under which reason, a full ring, the
 * drain at shutdown, and the count of packets to an unresolved next hop.
 */

#include <string.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "mr_pkt.h"
#include "mr_relay.h"
#include "mr_relay_exc.h"
#include "mr_rtp.h"
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

	mr_relay_free(e->relay); /* and the exception rings */
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
	mr_relay_exc_port_enable(e.relay, 3);
	pkts[0] = frame(&e, 3, RTE_ETHER_TYPE_ARP, 0);
	pkts[1] = frame(&e, 3, RTE_ETHER_TYPE_IPV4, IPPROTO_ICMP);
	pkts[2] = frame(&e, 3, RTE_ETHER_TYPE_IPV6, IPPROTO_ICMPV6);
	pkts[3] = frame(&e, 3, RTE_ETHER_TYPE_IPV4, IPPROTO_TCP);   /* not ours: dropped */
	pkts[4] = frame(&e, 4, RTE_ETHER_TYPE_ARP, 0);              /* port not enabled */
	pkts[5] = frame(&e, 3, 0x88cc, 0);                          /* LLDP: not IP */
	mr_relay_process(e.w, pkts, 6, false, 1);
	n = mr_relay_exc_poll(e.relay, got, RTE_DIM(got));
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
	mr_relay_exc_port_enable(e.relay, 3);
	for (i = 0; i < 5; i++)
		pkts[i] = frame(&e, 3, RTE_ETHER_TYPE_ARP, 0);
	mr_relay_process(e.w, pkts, 5, false, 1);
	MR_TEST_EQ(e.w->ctr->drops[MR_DROP_EXCEPTION_RING_FULL], 2);
	/* what is left at shutdown is freed and counted */
	mr_relay_exc_free(e.relay);
	MR_TEST_EQ(mr_counters_self()->drops[MR_DROP_SHUTDOWN] - shutdown0, 3);
	MR_TEST_EQ(mr_relay_exc_poll(e.relay, pkts, 8), 0);
	MR_TEST_EQ(exc_env_teardown(&e), 0);
	return 0;
}
MR_REGISTER_EAL_TEST(relay_exc, full, test_relay_exc_full);

/* An RTP packet from src to dst (endpoints as text), on port 0. */
static struct rte_mbuf *
rtp_frame(struct exc_env *e, const char *src, const char *dst, uint32_t ssrc)
{
	struct rte_ether_addr a = {{0x02, 0, 0, 0, 0, 0x09}}, b = {{0x02, 0, 0, 0, 0, 0x01}};
	struct mr_endpoint s, d;
	struct mr_pkt_tmpl t;
	struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
	uint8_t *p;

	if (m == NULL || mr_endpoint_parse(src, &s) != 0 || mr_endpoint_parse(dst, &d) != 0 ||
	    mr_pkt_tmpl_init(&t, &a, &b, 0, &s, &d) != 0 ||
	    (p = (uint8_t *)rte_pktmbuf_append(m, MR_RTP_HDR_LEN + 20)) == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(p, 0, MR_RTP_HDR_LEN + 20);
	p[0] = 0x80;
	mr_rtp_rewrite(p, ssrc, 1, 960);
	if (mr_pkt_tmpl_apply(&t, m, rte_raw_cksum(p, MR_RTP_HDR_LEN + 20), false) != 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	m->port = 0;
	return m;
}

/*
 * A destination on a port whose next hop is not resolved (all-zero MAC,
 * untagged or with a VLAN) is left out of the snapshot: what would go
 * there is counted as nexthop_unresolved, per packet and destination.
 * Resolved, the destination is back.
 */
static int
test_relay_exc_nexthop(void)
{
	struct rte_ether_addr us = {{0x02, 0, 0, 0, 0, 0x01}},
			      peer = {{0x02, 0, 0, 0, 0, 0x02}};
	const uint32_t to_b[] = {1};
	struct mr_leg_def a, b;
	struct exc_env e;
	struct rte_mbuf *m;

	MR_TEST_ASSERT(exc_env_setup(&e, 64) == 0, "setup");
	e.streams->ports[0].present = true;
	e.streams->ports[0].mac = us;
	memset(&b, 0, sizeof(b));
	strcpy(b.name, "b");
	b.in_use = true;
	b.clock_rate = 48000;
	MR_TEST_EQ(mr_endpoint_parse("10.0.0.1:30002", &b.local), 0);
	MR_TEST_EQ(mr_endpoint_parse("10.2.0.1:20002", &b.remote), 0);
	a = b;
	strcpy(a.name, "a");
	MR_TEST_EQ(mr_endpoint_parse("10.0.0.1:30000", &a.local), 0);
	MR_TEST_EQ(mr_endpoint_parse("10.1.0.1:20000", &a.remote), 0);
	a.n_fwd = 1;
	memcpy(a.fwd, to_b, sizeof(to_b));
	MR_TEST_EQ(mr_streams_leg_set(e.streams, 1, &b), 0);
	MR_TEST_EQ(mr_streams_leg_set(e.streams, 0, &a), 0);
	/* unresolved: not a destination, counted for each packet */
	MR_TEST_EQ(mr_streams_leg(e.streams, 0)->n_dests, 0);
	MR_TEST_EQ(mr_streams_leg(e.streams, 0)->n_unresolved, 1);
	m = rtp_frame(&e, "10.1.0.1:20000", "10.0.0.1:30000", 7);
	MR_TEST_ASSERT(m != NULL, "packet");
	mr_relay_process(e.w, &m, 1, false, rte_rdtsc());
	MR_TEST_EQ(e.w->ctr->drops[MR_DROP_NEXTHOP_UNRESOLVED], 1);
	/* with a VLAN tag too */
	e.streams->ports[0].vlan = 100;
	MR_TEST_EQ(mr_streams_leg_set(e.streams, 1, &b), 0);
	m = rtp_frame(&e, "10.1.0.1:20000", "10.0.0.1:30000", 7);
	mr_relay_process(e.w, &m, 1, false, rte_rdtsc());
	MR_TEST_EQ(e.w->ctr->drops[MR_DROP_NEXTHOP_UNRESOLVED], 2);
	MR_TEST_EQ(e.w->ctr->drops[MR_DROP_NO_DEST], 0);
	/* resolved: the destination is kept */
	e.streams->ports[0].nexthop = peer;
	MR_TEST_EQ(mr_streams_leg_set(e.streams, 1, &b), 0);
	MR_TEST_EQ(mr_streams_leg(e.streams, 0)->n_dests, 1);
	MR_TEST_EQ(mr_streams_leg(e.streams, 0)->n_unresolved, 0);
	MR_TEST_EQ(e.w->ctr->drops[MR_DROP_NEXTHOP_UNRESOLVED], 2);
	MR_TEST_EQ(exc_env_teardown(&e), 0);
	return 0;
}
MR_REGISTER_EAL_TEST(relay_exc, nexthop, test_relay_exc_nexthop);
