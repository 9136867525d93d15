/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * The worker fast path end to end on a net_ring port (what the relay
 * sends comes back on the same port's RX): learning through the main
 * lcore without reordering, forwarding with header rewrite and valid
 * checksums, fan-out by clone and by private copy with RTP rewrite,
 * source checks, latching, drops by reason, and every mbuf back in its
 * pool afterwards (a double free or a leak shows as a wrong count).
 */

#include <math.h>
#include <string.h>

#include <opus.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "mr_test.h"
#include "mr_metrics.h"
#include "mr_pkt.h"
#include "mr_relay.h"
#include "mr_rtp.h"
#include "mr_stream.h"

#define NEXTHOP {{0x02, 0, 0, 0, 0, 0x02}}
#define PAYLOAD 160

struct env {
	uint16_t port;
	struct rte_mempool *pkt_pool;
	struct rte_mempool *hdr_pool;
	struct mr_streams *streams;
	struct mr_relay *relay;
	struct mr_worker *w;
	struct mr_lcore_counters *ctr;
};


/* Creation parameters of a plain (not transcoded) stream owned by @p lcore. */
static const struct mr_stream_init *
owned_by(unsigned int lcore)
{
	static struct mr_stream_init init;

	init = (struct mr_stream_init){
		.owner_lcore = (uint16_t)lcore, .tc_channel = MR_STREAM_NO_CHANNEL,
	};
	return &init;
}

static int port_ready = -1;

static int
ring_port(uint16_t *port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf = {0};

	if (port_ready < 0) {
		if (rte_dev_probe("net_ring0") != 0 ||
		    rte_eth_dev_get_port_by_name("net_ring0", port) != 0)
			return -1;
		if (rte_eth_dev_configure(*port, 1, 1, &conf) != 0 ||
		    rte_eth_rx_queue_setup(*port, 0, 512, 0, NULL, pool) != 0 ||
		    rte_eth_tx_queue_setup(*port, 0, 512, 0, NULL) != 0 ||
		    rte_eth_dev_start(*port) != 0)
			return -1;
		port_ready = *port;
	}
	*port = (uint16_t)port_ready;
	return 0;
}

static struct mr_endpoint
ep(const char *text)
{
	struct mr_endpoint e;

	if (mr_endpoint_parse(text, &e) != 0)
		memset(&e, 0xff, sizeof(e));
	return e;
}

static int
env_setup(struct env *e)
{
	static unsigned int gen;
	struct mr_streams_params sp = {
		.legs_max = 64, .streams_max = 256, .max_threads = RTE_MAX_LCORE,
		.leg_streams_max = 64, .owners_max = 2,
		.socket_id = (int)rte_socket_id(),
	};
	struct mr_relay_params rp = {
		.burst = 32, .rtp_port_min = 30000, .rtp_port_max = 39999,
		.tx_drain_us = 100, .stream_idle_ms = 0,
	};
	struct rte_ether_addr nexthop = NEXTHOP;
	char name[32];

	memset(e, 0, sizeof(*e));
	gen++;
	snprintf(name, sizeof(name), "trelay_pkt%u", gen);
	e->pkt_pool = rte_pktmbuf_pool_create(name, 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	snprintf(name, sizeof(name), "trelay_hdr%u", gen);
	e->hdr_pool = rte_pktmbuf_pool_create(name, 2047, 0, 0, RTE_PKTMBUF_HEADROOM, 0);
	if (e->pkt_pool == NULL || e->hdr_pool == NULL || ring_port(&e->port, e->pkt_pool) != 0)
		return -1;
	snprintf(name, sizeof(name), "trelay%u", gen);
	sp.name = name;
	e->streams = mr_streams_create(&sp);
	if (e->streams == NULL)
		return -1;
	e->streams->ports[e->port].present = true;
	rte_eth_macaddr_get(e->port, &e->streams->ports[e->port].mac);
	e->streams->ports[e->port].nexthop = nexthop;
	rp.streams = e->streams;
	rp.hdr_pool = e->hdr_pool;
	rp.copy_pool = e->pkt_pool;
	e->relay = mr_relay_create(&rp);
	if (e->relay == NULL || mr_relay_add_port(e->relay, e->port) != 0)
		return -1;
	e->w = mr_relay_add_worker(e->relay, rte_lcore_id());
	if (e->w == NULL)
		return -1;
	e->ctr = e->w->ctr;
	memset(e->ctr, 0, sizeof(*e->ctr));
	return 0;
}

/* Frees everything; fails when an mbuf is missing from or extra in a pool. */
static int
env_teardown(struct env *e)
{
	struct rte_mbuf *m[32];
	uint16_t n;
	int rc = 0;

	while ((n = rte_eth_rx_burst(e->port, 0, m, 32)) != 0)
		rte_pktmbuf_free_bulk(m, n);
	mr_relay_free(e->relay);
	mr_streams_free(e->streams);
	if (rte_mempool_avail_count(e->pkt_pool) != e->pkt_pool->size ||
	    rte_mempool_avail_count(e->hdr_pool) != e->hdr_pool->size) {
		fprintf(stderr, "  pools: pkt %u/%u hdr %u/%u available\n",
			rte_mempool_avail_count(e->pkt_pool), e->pkt_pool->size,
			rte_mempool_avail_count(e->hdr_pool), e->hdr_pool->size);
		rc = -1;
	}
	rte_mempool_free(e->pkt_pool);
	rte_mempool_free(e->hdr_pool);
	return rc;
}

static int
add_leg(struct env *e, uint32_t idx, const char *local, const char *remote,
	const uint32_t *fwd, uint16_t n_fwd)
{
	struct mr_leg_def d = {0};

	snprintf(d.name, sizeof(d.name), "leg%u", idx);
	d.in_use = true;
	d.local = ep(local);
	if (remote == NULL)
		d.latch = true;
	else
		d.remote = ep(remote);
	d.port_id = e->port;
	d.clock_rate = 48000;
	d.n_fwd = n_fwd;
	memcpy(d.fwd, fwd, sizeof(*fwd) * n_fwd);
	return mr_streams_leg_set(e->streams, idx, &d);
}

/* An RTP packet with a given payload, from src to dst. */
static struct rte_mbuf *
rtp_packet_with(struct env *e, const char *src, const char *dst, uint32_t ssrc, uint16_t seq,
		uint32_t ts, uint8_t pt, const uint8_t *payload, uint16_t len)
{
	struct rte_ether_addr a = {{0x02, 0, 0, 0, 0, 0x09}}, b = {{0x02, 0, 0, 0, 0, 0x01}};
	struct mr_endpoint s = ep(src), d = ep(dst);
	struct mr_pkt_tmpl t;
	struct rte_mbuf *m;
	uint8_t *p;

	m = rte_pktmbuf_alloc(e->pkt_pool);
	if (m == NULL || mr_pkt_tmpl_init(&t, &a, &b, 0, &s, &d) != 0)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, MR_RTP_HDR_LEN + len);
	p[0] = 0x80;
	p[1] = pt;
	memcpy(p + MR_RTP_HDR_LEN, payload, len);
	mr_rtp_rewrite(p, ssrc, seq, ts);
	if (mr_pkt_tmpl_apply(&t, m, rte_raw_cksum(p, MR_RTP_HDR_LEN + len), false) != 0)
		return NULL;
	m->port = e->port;
	return m;
}

/* An RTP packet as a peer would send it: from src to dst. */
static struct rte_mbuf *
rtp_packet(struct env *e, const char *src, const char *dst, uint32_t ssrc, uint16_t seq)
{
	struct rte_ether_addr a = {{0x02, 0, 0, 0, 0, 0x09}}, b = {{0x02, 0, 0, 0, 0, 0x01}};
	struct mr_endpoint s = ep(src), d = ep(dst);
	struct mr_pkt_tmpl t;
	struct rte_mbuf *m;
	uint8_t *p;
	unsigned int i;

	m = rte_pktmbuf_alloc(e->pkt_pool);
	if (m == NULL || mr_pkt_tmpl_init(&t, &a, &b, 0, &s, &d) != 0)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, MR_RTP_HDR_LEN + PAYLOAD);
	p[0] = 0x80;
	p[1] = 111;
	for (i = 0; i < PAYLOAD; i++)
		p[MR_RTP_HDR_LEN + i] = (uint8_t)(seq + i);
	mr_rtp_rewrite(p, ssrc, seq, (uint32_t)seq * 960);
	if (mr_pkt_tmpl_apply(&t, m, rte_raw_cksum(p, MR_RTP_HDR_LEN + PAYLOAD), false) != 0)
		return NULL;
	m->port = e->port;
	return m;
}

/* Run one packet through the worker as if it came from RX. */
static void
rx_one(struct env *e, struct rte_mbuf *m)
{
	mr_relay_process(e->w, &m, 1, false, rte_rdtsc());
}

/* The main lcore's pass: it applies the latches the worker asked for. */
static void
learn_round(struct env *e)
{
	mr_relay_main_poll(e->relay);
}

static uint16_t
collect(struct env *e, struct rte_mbuf **out, uint16_t max)
{
	mr_relay_flush(e->w);
	return rte_eth_rx_burst(e->port, 0, out, max);
}

/*
 * Check the headers and checksums of a relayed packet (which may be a
 * chain: header mbuf + clone) and return its RTP header, or NULL.
 * The returned pointer is valid until the next call.
 */
static const uint8_t *
check_out(struct rte_mbuf *m, const char *src, const char *dst, struct mr_pkt_info *pi)
{
	static uint8_t flat[2048];
	struct rte_ether_addr nexthop = NEXTHOP;
	struct mr_endpoint s = ep(src), d = ep(dst);
	const struct rte_ether_hdr *eh;
	const uint8_t *frame, *l3;

	if (m->pkt_len > sizeof(flat))
		return NULL;
	frame = rte_pktmbuf_read(m, 0, m->pkt_len, flat);
	if (frame != flat)
		memcpy(flat, frame, m->pkt_len);
	if (mr_pkt_parse(flat, m->pkt_len, 0, pi) != MR_DROP_NONE)
		return NULL;
	eh = (const struct rte_ether_hdr *)flat;
	if (!rte_is_same_ether_addr(&eh->dst_addr, &nexthop) ||
	    !mr_endpoint_equal(&pi->src, &s) || !mr_endpoint_equal(&pi->dst, &d))
		return NULL;
	/* over the header (v4) and over pseudo header + UDP (both), the sum is 0xffff */
	l3 = flat + sizeof(*eh);
	if (pi->ip_version == 4) {
		if (rte_raw_cksum(l3, 20) != 0xffff ||
		    rte_ipv4_udptcp_cksum_verify((const void *)l3, l3 + 20) != 0)
			return NULL;
	} else if (rte_ipv6_udptcp_cksum_verify((const void *)l3, l3 + 40) != 0) {
		return NULL;
	}
	return flat + pi->payload_off;
}

/*
 * The worker learns a stream itself, in the burst where its first packet
 * arrives: every packet of one burst that creates a stream leaves at once,
 * in order, across the 16-bit sequence wrap, with nothing for the main lcore.
 */
static int
test_relay_learn_inline(void)
{
	static const uint32_t to_b[] = {1}, to_a[] = {0};
	struct rte_mbuf *in[4], *out[8];
	struct mr_stream_key key;
	struct mr_stream *st;
	struct mr_pkt_info pi;
	struct env e;
	uint16_t n, i;

	MR_TEST_ASSERT(env_setup(&e) == 0, "setup");
	MR_TEST_EQ(add_leg(&e, 0, "10.0.0.1:30000", "10.1.0.1:20000", NULL, 0), 0);
	MR_TEST_EQ(add_leg(&e, 1, "10.0.0.1:30002", "10.2.0.1:20002", to_a, 1), 0);
	MR_TEST_EQ(add_leg(&e, 0, "10.0.0.1:30000", "10.1.0.1:20000", to_b, 1), 0);
	for (i = 0; i < 4; i++) {
		in[i] = rtp_packet(&e, "10.1.0.1:20000", "10.0.0.1:30000", 0x1111, (uint16_t)(65534 + i));
		MR_TEST_ASSERT(in[i] != NULL, "packet %u", i);
	}
	/* one burst: the first packet creates the stream, the other three find it */
	mr_relay_process(e.w, in, 4, false, rte_rdtsc());
	MR_TEST_EQ(e.ctr->learn_reqs, 1);
	MR_TEST_EQ(mr_relay_main_poll(e.relay), 0); /* nothing was asked of the main lcore */

	n = collect(&e, out, 8);
	MR_TEST_EQ(n, 4);
	for (i = 0; i < n; i++) {
		const uint8_t *rtp = check_out(out[i], "10.0.0.1:30002", "10.2.0.1:20002", &pi);

		MR_TEST_ASSERT(rtp != NULL, "output %u headers or checksums wrong", i);
		MR_TEST_EQ(rte_be_to_cpu_16(*(const uint16_t *)(rtp + 2)), (uint16_t)(65534 + i));
		MR_TEST_EQ(rtp[MR_RTP_HDR_LEN + 5], (uint8_t)(65534 + i + 5));
	}
	rte_pktmbuf_free_bulk(out, n);

	key.local = ep("10.0.0.1:30000");
	key.ssrc = 0x1111;
	st = mr_streams_find(e.streams, &key);
	MR_TEST_ASSERT(st != NULL, "stream learned");
	MR_TEST_EQ(st->owner_lcore, rte_lcore_id());
	MR_TEST_EQ(e.streams->rt[0].owner, rte_lcore_id()); /* the leg's token is the worker's */
	MR_TEST_EQ(e.streams->rt[0].n_streams, 1);
	MR_TEST_EQ(st->pkts, 4);
	MR_TEST_EQ(mr_seq_ext_max(&st->seq), 65537); /* crossed the 16-bit wrap */
	MR_TEST_EQ(e.ctr->tx_pkts, 4);
	/* deleting the leg's streams is the owner's work; the token comes back */
	MR_TEST_EQ(mr_streams_del_by_legs(e.streams, to_a, 1), 1);
	MR_TEST_EQ(e.streams->rt[0].owner, MR_STREAM_OWNER_NONE);
	return env_teardown(&e);
}

/*
 * Per-leg limits: a source that matches the leg and sends a new SSRC per
 * packet gets streams_max streams and then counted drops; a new SSRC from
 * another source is dropped before any learning work; the new-stream
 * rate limit allows a burst of streams_max. The other leg is untouched.
 */
static int
test_relay_leg_limits(void)
{
	static const uint32_t to_b[] = {1}, to_a[] = {0};
	struct rte_mbuf *m, *out[32];
	struct mr_leg_def d;
	struct env e;
	uint64_t now = rte_rdtsc();
	uint16_t n;
	uint32_t i;

	MR_TEST_ASSERT(env_setup(&e) == 0, "setup");
	MR_TEST_EQ(add_leg(&e, 0, "10.0.0.1:30000", "10.1.0.1:20000", NULL, 0), 0);
	MR_TEST_EQ(add_leg(&e, 1, "10.0.0.1:30002", "10.2.0.1:20002", to_a, 1), 0);
	MR_TEST_EQ(add_leg(&e, 0, "10.0.0.1:30000", "10.1.0.1:20000", to_b, 1), 0);
	d = e.streams->defs[0];
	d.streams_max = 4;
	d.has_new_streams_per_s = true;
	d.new_streams_per_s = 0; /* no rate limit on this one */
	MR_TEST_EQ(mr_streams_leg_set(e.streams, 0, &d), 0);
	/* the flood: a new SSRC per packet from the leg's own remote */
	for (i = 0; i < 20; i++) {
		m = rtp_packet(&e, "10.1.0.1:20000", "10.0.0.1:30000", 0x5000 + i, 1);
		MR_TEST_ASSERT(m != NULL, "packet");
		mr_relay_process(e.w, &m, 1, false, now);
	}
	MR_TEST_EQ(e.streams->rt[0].n_streams, 4);
	MR_TEST_EQ(e.ctr->drops[MR_DROP_LEG_STREAM_LIMIT], 16);
	MR_TEST_EQ(e.streams->rt[0].drops[MR_LEG_DROP_STREAM_LIMIT], 16);
	/* from another source: dropped before learning, counted on the leg */
	m = rtp_packet(&e, "10.9.9.9:20000", "10.0.0.1:30000", 0x6000, 1);
	mr_relay_process(e.w, &m, 1, false, now);
	MR_TEST_EQ(e.ctr->drops[MR_DROP_SOURCE_MISMATCH], 1);
	MR_TEST_EQ(e.streams->rt[0].drops[MR_LEG_DROP_SOURCE_MISMATCH], 1);
	MR_TEST_EQ(e.ctr->learn_reqs, 4);
	/* the other leg still learns and forwards */
	m = rtp_packet(&e, "10.2.0.1:20002", "10.0.0.1:30002", 0x7000, 1);
	mr_relay_process(e.w, &m, 1, false, now);
	MR_TEST_EQ(e.ctr->learn_reqs, 5);
	n = collect(&e, out, 32);
	MR_TEST_EQ(n, 5); /* 4 streams' first packets, and the other leg's */
	rte_pktmbuf_free_bulk(out, n);

	/* rate: 2 per second, a burst of streams_max (8), on leg 1 */
	d = e.streams->defs[1];
	d.streams_max = 8;
	d.has_new_streams_per_s = true;
	d.new_streams_per_s = 2;
	MR_TEST_EQ(mr_streams_leg_set(e.streams, 1, &d), 0);
	for (i = 0; i < 10; i++) {
		m = rtp_packet(&e, "10.2.0.1:20002", "10.0.0.1:30002", 0x8000 + i, 1);
		mr_relay_process(e.w, &m, 1, false, now);
	}
	/* 0x7000's stream and 7 new ones: the limit, before the burst ran out */
	MR_TEST_EQ(e.streams->rt[1].n_streams, 8);
	MR_TEST_EQ(e.ctr->drops[MR_DROP_LEG_STREAM_LIMIT], 16 + 3);
	/* the streams go; new ones come at the rate: 1 more in the burst, then 2 a second */
	MR_TEST_EQ(mr_streams_del_by_legs(e.streams, to_b, 1), 8);
	for (i = 10; i < 20; i++) {
		m = rtp_packet(&e, "10.2.0.1:20002", "10.0.0.1:30002", 0x8000 + i, 1);
		mr_relay_process(e.w, &m, 1, false, now);
	}
	MR_TEST_EQ(e.streams->rt[1].n_streams, 1);
	MR_TEST_EQ(e.ctr->drops[MR_DROP_LEG_NEW_STREAM_RATE], 9);
	MR_TEST_EQ(e.streams->rt[1].drops[MR_LEG_DROP_NEW_STREAM_RATE], 9);
	for (i = 20; i < 30; i++) {
		m = rtp_packet(&e, "10.2.0.1:20002", "10.0.0.1:30002", 0x8000 + i, 1);
		mr_relay_process(e.w, &m, 1, false, now + rte_get_tsc_hz());
	}
	MR_TEST_EQ(e.streams->rt[1].n_streams, 3);
	n = collect(&e, out, 32);
	rte_pktmbuf_free_bulk(out, n);
	return env_teardown(&e);
}

/*
 * Software dispatch: on a port that cannot steer by destination, the
 * worker that receives a packet hands it to the worker owning its local
 * endpoint (a hash of it), which learns the stream in its own shard; the
 * receiving worker keeps the packets of the endpoints it owns.
 */
static int
test_relay_dispatch(void)
{
	struct mr_worker *w1, *mine = NULL, *other = NULL;
	struct mr_endpoint local[8];
	struct rte_mbuf *m, *got[8];
	struct mr_stream_key key;
	char text[MR_ENDPOINT_STRLEN];
	unsigned int i, n_mine = 0, n_other = 0, n;
	struct env e;

	MR_TEST_ASSERT(env_setup(&e) == 0, "setup");
	w1 = mr_relay_add_worker(e.relay, rte_lcore_id() + 1);
	MR_TEST_ASSERT(w1 != NULL, "second worker");
	MR_TEST_EQ(mr_relay_port_set_dispatch(e.relay, e.port, true), 0);
	MR_TEST_EQ(mr_relay_port_set_dispatch(e.relay, RTE_MAX_ETHPORTS - 1, true), -EINVAL);
	/* eight legs without destinations: a delivered packet is a no_dest drop */
	for (i = 0; i < 8; i++) {
		snprintf(text, sizeof(text), "10.0.0.1:%u", 30000 + i);
		local[i] = ep(text);
		MR_TEST_EQ(add_leg(&e, i, text, "10.1.0.1:20000", NULL, 0), 0);
		if (e.relay->workers[mr_relay_endpoint_worker(e.relay, &local[i])] == e.w)
			n_mine++;
		else
			n_other++;
	}
	MR_TEST_ASSERT(n_mine != 0 && n_other != 0, "the hash spreads 8 endpoints (%u/%u)",
		       n_mine, n_other);
	for (i = 0; i < 8; i++) {
		mr_endpoint_format(&local[i], text, sizeof(text));
		m = rtp_packet(&e, "10.1.0.1:20000", text, 0x100 + i, 1);
		MR_TEST_ASSERT(m != NULL, "packet");
		mr_relay_process(e.w, &m, 1, true, rte_rdtsc());
	}
	MR_TEST_EQ(e.ctr->learn_reqs, n_mine);
	MR_TEST_EQ(rte_ring_count(w1->dispatch_ring), n_other);
	n = rte_ring_sc_dequeue_burst(w1->dispatch_ring, (void **)got, 8, NULL);
	mr_relay_process(w1, got, (uint16_t)n, false, rte_rdtsc());
	MR_TEST_EQ(w1->ctr->learn_reqs, n_other);
	for (i = 0; i < 8; i++) {
		struct mr_stream *st;

		key.local = local[i];
		key.ssrc = 0x100 + i;
		st = mr_streams_find(e.streams, &key);
		MR_TEST_ASSERT(st != NULL, "stream %u", i);
		other = e.relay->workers[mr_relay_endpoint_worker(e.relay, &local[i])];
		mine = other == e.w ? e.w : w1;
		MR_TEST_EQ(st->owner_lcore, mine->lcore_id);
		MR_TEST_EQ(e.streams->rt[i].owner, mine->lcore_id);
	}
	MR_TEST_EQ(e.ctr->drops[MR_DROP_NO_DEST] + w1->ctr->drops[MR_DROP_NO_DEST], 8);
	memset(w1->ctr, 0, sizeof(*w1->ctr));
	return env_teardown(&e);
}

/*
 * Why a stream could not be added is the drop reason: the relay's
 * streams_max (every shard's live streams) is streams_max, not
 * stream_table_full. And a packet whose headers cannot be prepended is
 * no_headroom, not mbuf_exhausted.
 */
static int
test_relay_add_errors(void)
{
	static const uint32_t to_b[] = {1}, to_v6[] = {2};
	struct rte_mbuf *m, *out[32];
	struct mr_leg_def d;
	struct env e;
	uint32_t i;
	uint16_t n;
	uint8_t *data;

	MR_TEST_ASSERT(env_setup(&e) == 0, "setup");
	MR_TEST_EQ(add_leg(&e, 1, "10.0.0.1:30002", "10.2.0.1:20002", NULL, 0), 0);
	MR_TEST_EQ(add_leg(&e, 0, "10.0.0.1:30000", "10.1.0.1:20000", to_b, 1), 0);
	d = e.streams->defs[0];
	d.streams_max = UINT16_MAX;
	d.n_fwd = 0; /* no destination: delivered packets are no_dest drops */
	MR_TEST_EQ(mr_streams_leg_set(e.streams, 0, &d), 0);
	for (i = 0; i < 300; i++) {
		m = rtp_packet(&e, "10.1.0.1:20000", "10.0.0.1:30000", 0x9000 + i, 1);
		MR_TEST_ASSERT(m != NULL, "packet %u", i);
		rx_one(&e, m);
	}
	MR_TEST_EQ(mr_streams_count(e.streams), 256); /* env: streams_max 256 */
	MR_TEST_EQ(e.ctr->drops[MR_DROP_STREAMS_MAX], 300 - 256);
	MR_TEST_EQ(e.ctr->drops[MR_DROP_STREAM_TABLE_FULL], 0);
	MR_TEST_EQ(e.ctr->drops[MR_DROP_NO_DEST], 256);

	/* headers 20 bytes longer (IPv6 out) than the received ones, no headroom */
	MR_TEST_EQ(mr_streams_del_by_legs(e.streams, &(uint32_t){0}, 1), 256);
	MR_TEST_EQ(add_leg(&e, 2, "[fd00::1]:30004", "[fd00::9]:20004", NULL, 0), 0);
	MR_TEST_EQ(add_leg(&e, 3, "10.0.0.1:30006", "10.3.0.1:20006", to_v6, 1), 0);
	m = rtp_packet(&e, "10.3.0.1:20006", "10.0.0.1:30006", 0x42, 1);
	MR_TEST_ASSERT(m != NULL, "packet");
	data = rte_pktmbuf_mtod(m, uint8_t *);
	memmove(m->buf_addr, data, m->data_len);
	m->data_off = 0;
	rx_one(&e, m);
	MR_TEST_EQ(e.ctr->drops[MR_DROP_NO_HEADROOM], 1);
	MR_TEST_EQ(e.ctr->drops[MR_DROP_MBUF_EXHAUSTED], 0);
	n = collect(&e, out, 32);
	MR_TEST_EQ(n, 0);
	return env_teardown(&e);
}

/* Fan-out to three legs, one of which rewrites SSRC and sequence. */
static int
test_relay_fanout(void)
{
	static const uint32_t fan[] = {1, 2, 3};
	struct rte_mbuf *m, *out[16];
	struct mr_leg_def d;
	struct mr_pkt_info pi;
	struct env e;
	int seen[3] = {0, 0, 0};
	uint16_t n, i;

	MR_TEST_ASSERT(env_setup(&e) == 0, "setup");
	MR_TEST_EQ(add_leg(&e, 1, "10.0.0.1:30010", "10.2.0.1:20010", NULL, 0), 0);
	MR_TEST_EQ(add_leg(&e, 2, "10.0.0.1:30012", "10.2.0.2:20012", NULL, 0), 0);
	MR_TEST_EQ(add_leg(&e, 3, "[fd00::1]:30014", "[fd00::9]:20014", NULL, 0), 0);
	d = e.streams->defs[3];
	d.rewrite = true;
	d.ssrc_out = 0xabcdef01;
	d.seq_offset = 1000;
	MR_TEST_EQ(mr_streams_leg_set(e.streams, 3, &d), 0);
	MR_TEST_EQ(add_leg(&e, 0, "10.0.0.1:30000", "10.1.0.1:20000", fan, 3), 0);

	for (i = 0; i < 3; i++) {
		m = rtp_packet(&e, "10.1.0.1:20000", "10.0.0.1:30000", 0x2222, (uint16_t)(10 + i));
		MR_TEST_ASSERT(m != NULL, "packet");
		rx_one(&e, m);
		learn_round(&e);
	}
	n = collect(&e, out, 16);
	MR_TEST_EQ(n, 9);
	MR_TEST_EQ(e.ctr->fwd_clones, 6);
	for (i = 0; i < n; i++) {
		const uint8_t *rtp;
		uint32_t ssrc;
		uint16_t seq;
		int k;

		if ((rtp = check_out(out[i], "10.0.0.1:30010", "10.2.0.1:20010", &pi)) != NULL)
			k = 0;
		else if ((rtp = check_out(out[i], "10.0.0.1:30012", "10.2.0.2:20012", &pi)) != NULL)
			k = 1;
		else if ((rtp = check_out(out[i], "[fd00::1]:30014", "[fd00::9]:20014", &pi)) != NULL)
			k = 2;
		else
			MR_TEST_ASSERT(0, "output %u matches no destination", i);
		ssrc = rte_be_to_cpu_32(*(const uint32_t *)(rtp + 8));
		seq = rte_be_to_cpu_16(*(const uint16_t *)(rtp + 2));
		MR_TEST_EQ(ssrc, k == 2 ? 0xabcdef01 : 0x2222);
		MR_TEST_EQ(seq, (uint16_t)(10 + seen[k] + (k == 2 ? 1000 : 0)));
		MR_TEST_EQ(rtp[MR_RTP_HDR_LEN + 7], (uint8_t)(10 + seen[k] + 7));
		MR_TEST_EQ(pi.ip_version, k == 2 ? 6 : 4);
		seen[k]++;
	}
	MR_TEST_ASSERT(seen[0] == 3 && seen[1] == 3 && seen[2] == 3, "3 of each");
	rte_pktmbuf_free_bulk(out, n);
	return env_teardown(&e);
}

/* Wrong sources, latching, malformed input, unknown legs: each dropped under its reason. */
static int
test_relay_drops(void)
{
	static const uint32_t to_b[] = {1}, to_l[] = {2};
	struct rte_mbuf *m, *out[8];
	struct env e;
	uint16_t n;

	MR_TEST_ASSERT(env_setup(&e) == 0, "setup");
	MR_TEST_EQ(add_leg(&e, 1, "10.0.0.1:30002", "10.2.0.1:20002", NULL, 0), 0);
	MR_TEST_EQ(add_leg(&e, 0, "10.0.0.1:30000", "10.1.0.1:20000", to_b, 1), 0);
	MR_TEST_EQ(add_leg(&e, 2, "10.0.0.1:30004", NULL, NULL, 0), 0);   /* latch */
	MR_TEST_EQ(add_leg(&e, 3, "10.0.0.1:30006", "10.3.0.1:20006", to_l, 1), 0);

	/* signalled remote: another source is dropped, before and after learning */
	rx_one(&e, rtp_packet(&e, "10.9.9.9:20000", "10.0.0.1:30000", 1, 1));
	learn_round(&e);
	MR_TEST_EQ(e.ctr->drops[MR_DROP_SOURCE_MISMATCH], 1);
	rx_one(&e, rtp_packet(&e, "10.1.0.1:20000", "10.0.0.1:30000", 1, 2));
	learn_round(&e);
	rx_one(&e, rtp_packet(&e, "10.1.0.1:20001", "10.0.0.1:30000", 1, 3));
	MR_TEST_EQ(e.ctr->drops[MR_DROP_SOURCE_MISMATCH], 2);

	/* leg 3 forwards to a latch leg that has not latched: nowhere to send */
	rx_one(&e, rtp_packet(&e, "10.3.0.1:20006", "10.0.0.1:30006", 7, 1));
	learn_round(&e);
	MR_TEST_EQ(e.ctr->drops[MR_DROP_NO_DEST], 1);
	/* the latch leg latches to its first source, then refuses others */
	rx_one(&e, rtp_packet(&e, "10.4.0.1:40000", "10.0.0.1:30004", 9, 1));
	learn_round(&e);
	MR_TEST_ASSERT(e.streams->defs[2].latched, "latched");
	rx_one(&e, rtp_packet(&e, "10.4.0.1:40001", "10.0.0.1:30004", 9, 2));
	learn_round(&e);
	MR_TEST_EQ(e.ctr->drops[MR_DROP_SOURCE_MISMATCH], 3);
	/* ... and now leg 3's packets reach the latched address */
	rx_one(&e, rtp_packet(&e, "10.3.0.1:20006", "10.0.0.1:30006", 7, 2));

	/* malformed RTP, a port outside the range, a port without a leg */
	m = rtp_packet(&e, "10.1.0.1:20000", "10.0.0.1:30000", 1, 4);
	*rte_pktmbuf_mtod_offset(m, uint8_t *, 42) = 0x40; /* RTP version 1 */
	rx_one(&e, m);
	rx_one(&e, rtp_packet(&e, "10.1.0.1:20000", "10.0.0.1:5060", 1, 5));
	rx_one(&e, rtp_packet(&e, "10.1.0.1:20000", "10.0.0.1:31000", 1, 6));
	MR_TEST_EQ(e.ctr->drops[MR_DROP_RTP_VERSION], 1);
	MR_TEST_EQ(e.ctr->drops[MR_DROP_PORT_UNUSED], 1);
	MR_TEST_EQ(e.ctr->drops[MR_DROP_NO_LEG], 1);

	n = collect(&e, out, 8);
	MR_TEST_EQ(n, 2); /* leg 0 seq 2, and leg 3 seq 2 to the latched address */
	MR_TEST_ASSERT(check_out(out[1], "10.0.0.1:30004", "10.4.0.1:40000",
				 &(struct mr_pkt_info){0}) != NULL, "sent to the latched source");
	rte_pktmbuf_free_bulk(out, n);
	return env_teardown(&e);
}

/* Streams owned by another worker are not written by this one. */
static int
test_relay_single_writer(void)
{
	static const uint32_t to_b[] = {1};
	struct mr_stream_key key = { .ssrc = 5 };
	struct mr_stream *st;
	struct env e;

	MR_TEST_ASSERT(env_setup(&e) == 0, "setup");
	MR_TEST_EQ(add_leg(&e, 1, "10.0.0.1:30002", "10.2.0.1:20002", NULL, 0), 0);
	MR_TEST_EQ(add_leg(&e, 0, "10.0.0.1:30000", "10.1.0.1:20000", to_b, 1), 0);
	key.local = ep("10.0.0.1:30000");
	/* another worker's shard holds the leg's streams (and so its token) */
	MR_TEST_ASSERT(mr_streams_owner_add(e.streams, rte_lcore_id() + 1) != NULL, "shard");
	MR_TEST_EQ(mr_streams_add(e.streams, &key, owned_by(rte_lcore_id() + 1), &st), 0);
	rx_one(&e, rtp_packet(&e, "10.1.0.1:20000", "10.0.0.1:30000", 5, 1));
	rx_one(&e, rtp_packet(&e, "10.1.0.1:20000", "10.0.0.1:30000", 6, 1));
	MR_TEST_EQ(e.ctr->drops[MR_DROP_WRONG_WORKER], 2); /* neither its stream nor a new one */
	MR_TEST_EQ(st->pkts, 0);
	MR_TEST_EQ(e.streams->rt[0].n_streams, 1);
	return env_teardown(&e);
}

/*
 * The fast path's key check: a bucket whose first signature match is
 * another stream (a signature collision, made here by hand) still gets
 * the packet to its own stream; so does a stream whose leg has just moved
 * to another endpoint (until its streams are deleted), while the new
 * endpoint's packets go to learning, not to it.
 */
static int
test_relay_key_check(void)
{
	static const uint32_t to_b[] = {1};
	struct mr_stream_key ka = { .ssrc = 7 }, kb = { .ssrc = 8 };
	struct mr_stream_table *t;
	struct mr_stream_table_pos p;
	struct mr_stream *a, *b;
	struct rte_mbuf *out[4];
	uint64_t ea, learn0;
	int ia = -1, j = -1, i;
	struct env e;

	MR_TEST_ASSERT(env_setup(&e) == 0, "setup");
	MR_TEST_EQ(add_leg(&e, 1, "10.0.0.1:30002", "10.2.0.1:20002", NULL, 0), 0);
	MR_TEST_EQ(add_leg(&e, 0, "10.0.0.1:30000", "10.1.0.1:20000", to_b, 1), 0);
	ka.local = kb.local = ep("10.0.0.1:30000");
	MR_TEST_EQ(mr_streams_add(e.streams, &ka, owned_by(rte_lcore_id()), &a), 0);
	MR_TEST_EQ(mr_streams_add(e.streams, &kb, owned_by(rte_lcore_id()), &b), 0);

	/* a's bucket: b under a's signature first, then a */
	t = &e.w->shard->table;
	mr_stream_table_pos(t, mr_stream_key_hash(&ka), &p);
	for (i = 0; i < MR_STREAM_TABLE_SLOTS; i++) {
		uint64_t v = t->buckets[p.home].slot[i];

		if (v != 0 && (v & MR_STREAM_TABLE_ADDR_MASK) == (uintptr_t)a)
			ia = i;
		else if (v == 0 && j < 0)
			j = i;
	}
	MR_TEST_ASSERT(ia >= 0 && j >= 0, "a at home, a free slot (%d, %d)", ia, j);
	ea = t->buckets[p.home].slot[ia];
	t->buckets[p.home].slot[RTE_MIN(ia, j)] = mr_stream_table_tag(&p) | (uintptr_t)b;
	t->buckets[p.home].slot[RTE_MAX(ia, j)] = ea;
	MR_TEST_ASSERT(mr_stream_table_candidate(t, &p) == b, "the collision is set up");
	rx_one(&e, rtp_packet(&e, "10.1.0.1:20000", "10.0.0.1:30000", 7, 1));
	MR_TEST_EQ(a->pkts, 1);
	MR_TEST_EQ(b->pkts, 0);
	MR_TEST_EQ(collect(&e, out, 4), 1);
	rte_pktmbuf_free_bulk(out, 1);
	t->buckets[p.home].slot[j] = 0; /* as it was: a at ia */
	t->buckets[p.home].slot[ia] = ea;

	/* leg 0 moves; its streams still carry the old endpoint */
	MR_TEST_EQ(add_leg(&e, 0, "10.0.0.1:30004", "10.1.0.1:20000", to_b, 1), 0);
	MR_TEST_ASSERT(mr_stream_leg(a) == mr_streams_leg(e.streams, 0), "a sees the new leg");
	rx_one(&e, rtp_packet(&e, "10.1.0.1:20000", "10.0.0.1:30000", 7, 2));
	MR_TEST_EQ(a->pkts, 2);
	MR_TEST_EQ(collect(&e, out, 4), 1);
	rte_pktmbuf_free_bulk(out, 1);
	learn0 = e.ctr->learn_reqs;
	rx_one(&e, rtp_packet(&e, "10.1.0.1:20000", "10.0.0.1:30004", 7, 3));
	MR_TEST_EQ(a->pkts, 2);
	MR_TEST_EQ(e.ctr->learn_reqs, learn0 + 1);
	learn_round(&e);
	return env_teardown(&e);
}

/* Share of a signal's power at one frequency (Goertzel), 0..1. */
static double
tone_share(const int16_t *x, size_t n, double freq, double rate)
{
	double k = 2.0 * cos(2.0 * M_PI * freq / rate), s1 = 0, s2 = 0, total = 0, tone;
	size_t i;

	for (i = 0; i < n; i++) {
		double s0 = x[i] + k * s1 - s2;

		s2 = s1;
		s1 = s0;
		total += (double)x[i] * x[i];
	}
	tone = s1 * s1 + s2 * s2 - k * s1 * s2; /* |X(f)|^2 */
	return total > 0 ? 2.0 * tone / ((double)n * total) : 0;
}

/*
 * A transcoded leg: Opus in, Opus at another bitrate and payload type out,
 * through the worker, the transcoder ring and the transcoder's emit to
 * the other leg. The output is decoded with libopus and must carry the
 * tone that went in; deleting the stream closes its channel exactly once.
 */
static int
test_relay_transcode(void)
{
	static const uint32_t to_b[] = {1};
	enum { FRAMES = 50, SAMPLES = 960 };
	static int16_t pcm_in[SAMPLES], pcm_out[FRAMES * SAMPLES];
	struct mr_tc_profile prof = {
		.in_codec = MR_TC_CODEC_OPUS, .in_pt = 111, .out_codec = MR_TC_CODEC_OPUS,
		.out_pt = 96, .out_channels = 1, .ptime_ms = 20, .bitrate = 24000,
	};
	struct mr_transcoder_params tp = {
		.name = "trelay_tc", .socket_id = (int)rte_socket_id(), .ring_size = 256,
		.max_channels = 8, .burst = 32,
	};
	struct rte_mbuf *m, *out[64];
	struct mr_stream_key key;
	struct mr_leg_def d;
	struct mr_tc_stats st;
	struct mr_worker *tcw;
	struct mr_pkt_info pi;
	OpusEncoder *enc;
	OpusDecoder *dec;
	struct env e;
	uint32_t ssrc_out = 0, decoded = 0, chan, i, k;
	uint16_t n, seq_prev = 0;
	uint8_t payload[400];
	int err, len;

	MR_TEST_ASSERT(env_setup(&e) == 0, "setup");
	tp.out_pool = e.pkt_pool;
	MR_TEST_EQ(mr_relay_set_profiles(e.relay, &prof, 1), 0);
	tcw = mr_relay_add_transcoder(e.relay, rte_lcore_id(), 0, &tp);
	MR_TEST_ASSERT(tcw != NULL, "transcoder");
	MR_TEST_EQ(add_leg(&e, 1, "10.0.0.1:30002", "10.2.0.1:20002", NULL, 0), 0);
	MR_TEST_EQ(add_leg(&e, 0, "10.0.0.1:30000", "10.1.0.1:20000", to_b, 1), 0);
	d = e.streams->defs[0];
	d.tc_profile = 1;
	MR_TEST_EQ(mr_streams_leg_set(e.streams, 0, &d), 0);

	enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
	dec = opus_decoder_create(48000, 1, &err);
	MR_TEST_ASSERT(enc != NULL && dec != NULL, "opus");
	opus_encoder_ctl(enc, OPUS_SET_BITRATE(64000));
	for (i = 0; i < FRAMES; i++) {
		for (k = 0; k < SAMPLES; k++)
			pcm_in[k] = (int16_t)(8000 * sin(2 * M_PI * 440 * (i * SAMPLES + k) / 48000.0));
		len = opus_encode(enc, pcm_in, SAMPLES, payload, sizeof(payload));
		MR_TEST_ASSERT(len > 0, "encode");
		m = rtp_packet_with(&e, "10.1.0.1:20000", "10.0.0.1:30000", 0x4444,
				    (uint16_t)(65530 + i), i * SAMPLES, 111, payload, (uint16_t)len);
		MR_TEST_ASSERT(m != NULL, "packet");
		rx_one(&e, m);
		learn_round(&e);
		mr_relay_transcoder_poll(tcw, rte_rdtsc());
	}
	for (i = 0; i < 4; i++)
		mr_relay_transcoder_poll(tcw, rte_rdtsc());
	n = collect(&e, out, 64);
	mr_relay_flush(tcw);
	n += rte_eth_rx_burst(e.port, 0, out + n, (uint16_t)(64 - n));
	/* the reorder window may still hold the last frames */
	MR_TEST_ASSERT(n >= FRAMES - 4 && n <= FRAMES, "%u packets out of %u", n, FRAMES);
	for (i = 0; i < n; i++) {
		const uint8_t *rtp = check_out(out[i], "10.0.0.1:30002", "10.2.0.1:20002", &pi);
		uint16_t seq;
		int got;

		MR_TEST_ASSERT(rtp != NULL, "output %u headers", i);
		MR_TEST_EQ(rtp[1] & 0x7f, 96);
		seq = rte_be_to_cpu_16(*(const unaligned_uint16_t *)(rtp + 2));
		if (i == 0)
			ssrc_out = rte_be_to_cpu_32(*(const unaligned_uint32_t *)(rtp + 8));
		else
			MR_TEST_EQ(seq, (uint16_t)(seq_prev + 1)); /* its own continuous sequence */
		MR_TEST_EQ(rte_be_to_cpu_32(*(const unaligned_uint32_t *)(rtp + 8)), ssrc_out);
		seq_prev = seq;
		got = opus_decode(dec, rtp + MR_RTP_HDR_LEN, pi.payload_len - MR_RTP_HDR_LEN,
				  pcm_out + decoded, SAMPLES, 0);
		MR_TEST_EQ(got, SAMPLES);
		decoded += (uint32_t)got;
	}
	MR_TEST_ASSERT(ssrc_out != 0x4444, "the channel's own SSRC");
	/* past the codecs' start-up: the 440 Hz tone carries the power */
	MR_TEST_ASSERT(tone_share(pcm_out + decoded / 2, decoded / 2, 440, 48000) > 0.9,
		       "tone share %.3f", tone_share(pcm_out + decoded / 2, decoded / 2, 440, 48000));
	rte_pktmbuf_free_bulk(out, n);

	/*
	 * Delete the stream; two deletes later its memory is reclaimed and
	 * its channel closes, once. With the transcoder's control ring full (updates it has not
	 * taken yet), the close waits in the worker and the first tick of the
	 * worker after the ring drains sends it.
	 */
	key.local = ep("10.0.0.1:30000");
	key.ssrc = 0x4444;
	chan = mr_streams_find(e.streams, &key)->tc_channel;
	for (i = 0; i < 4096 && mr_transcoder_channel_update(tcw->tc, chan, &prof) == 0; i++)
		;
	MR_TEST_EQ(mr_transcoder_channel_update(tcw->tc, chan, &prof), -ENOSPC);
	MR_TEST_EQ(mr_streams_del(e.streams, &key), 0);
	/* two deletes later it is reclaimed (rte_rcu_qsbr_dq: more than 1 pending) */
	for (i = 0; i < 2; i++) {
		struct mr_stream *dummy;

		key.ssrc = 0x9000 + i;
		MR_TEST_EQ(mr_streams_add(e.streams, &key, owned_by(rte_lcore_id()), &dummy), 0);
		MR_TEST_EQ(mr_streams_del(e.streams, &key), 0);
	}
	MR_TEST_EQ(e.w->n_closing[0], 1);
	mr_relay_worker_tick(e.w, rte_rdtsc());
	MR_TEST_EQ(e.w->n_closing[0], 1); /* the ring is still full */
	mr_relay_transcoder_poll(tcw, rte_rdtsc());
	mr_relay_worker_tick(e.w, rte_rdtsc());
	MR_TEST_EQ(e.w->n_closing[0], 0);
	mr_relay_transcoder_poll(tcw, rte_rdtsc());
	mr_relay_worker_tick(e.w, rte_rdtsc());
	mr_transcoder_stats(tcw->tc, &st);
	MR_TEST_EQ(st.creates, 1);
	MR_TEST_EQ(st.destroys, 1);
	opus_encoder_destroy(enc);
	opus_decoder_destroy(dec);
	return env_teardown(&e);
}

/*
 * A paused port (a memif client being reconnected) gets nothing: what
 * the worker would send on it and what its TX buffer already holds are
 * dropped as port_paused, never handed to the PMD; resumed, it is sent
 * to again.
 */
static int
test_relay_port_pause(void)
{
	static const uint32_t to_b[] = {1};
	struct rte_mbuf *out[8];
	struct env e;
	uint16_t seq = 100, n, i;

	MR_TEST_ASSERT(env_setup(&e) == 0, "setup");
	MR_TEST_EQ(add_leg(&e, 1, "10.0.0.1:30002", "10.2.0.1:20002", NULL, 0), 0);
	MR_TEST_EQ(add_leg(&e, 0, "10.0.0.1:30000", "10.1.0.1:20000", to_b, 1), 0);
	rx_one(&e, rtp_packet(&e, "10.1.0.1:20000", "10.0.0.1:30000", 0x5151, seq++));
	learn_round(&e);
	n = collect(&e, out, 8);
	MR_TEST_EQ(n, 1);
	rte_pktmbuf_free_bulk(out, n);

	for (i = 0; i < 3; i++)
		rx_one(&e, rtp_packet(&e, "10.1.0.1:20000", "10.0.0.1:30000", 0x5151, seq++));
	MR_TEST_EQ(e.w->txb[e.port]->length, 3); /* buffered, not sent yet */
	MR_TEST_ASSERT(!mr_relay_port_paused(e.relay, e.port), "not paused yet");
	mr_relay_port_pause(e.relay, e.port);
	mr_relay_port_pause(e.relay, e.port); /* already paused: no second count */
	MR_TEST_ASSERT(mr_relay_port_paused(e.relay, e.port), "paused");
	MR_TEST_EQ(e.relay->pauses[e.port], 1);

	for (i = 0; i < 2; i++)
		rx_one(&e, rtp_packet(&e, "10.1.0.1:20000", "10.0.0.1:30000", 0x5151, seq++));
	MR_TEST_EQ(e.ctr->drops[MR_DROP_PORT_PAUSED], 2);
	MR_TEST_EQ(e.w->txb[e.port]->length, 3);
	n = collect(&e, out, 8);           /* the flush drops what was buffered */
	MR_TEST_EQ(n, 0);
	MR_TEST_EQ(e.w->txb[e.port]->length, 0);
	MR_TEST_EQ(e.ctr->drops[MR_DROP_PORT_PAUSED], 5);
	MR_TEST_EQ(e.ctr->tx_pkts, 1);

	mr_relay_port_resume(e.relay, e.port);
	MR_TEST_ASSERT(!mr_relay_port_paused(e.relay, e.port), "resumed");
	rx_one(&e, rtp_packet(&e, "10.1.0.1:20000", "10.0.0.1:30000", 0x5151, seq++));
	n = collect(&e, out, 8);
	MR_TEST_EQ(n, 1);
	rte_pktmbuf_free_bulk(out, n);
	MR_TEST_EQ(e.ctr->tx_pkts, 2);
	MR_TEST_EQ(e.ctr->drops[MR_DROP_PORT_PAUSED], 5);
	MR_TEST_EQ(mr_streams_find(e.streams, &(struct mr_stream_key){
		.local = ep("10.0.0.1:30000"), .ssrc = 0x5151})->pkts, 7);
	return env_teardown(&e);
}

MR_REGISTER_EAL_TEST(relay, learn_inline, test_relay_learn_inline)
MR_REGISTER_EAL_TEST(relay, port_pause, test_relay_port_pause)
MR_REGISTER_EAL_TEST(relay, leg_limits, test_relay_leg_limits)
MR_REGISTER_EAL_TEST(relay, dispatch, test_relay_dispatch)
MR_REGISTER_EAL_TEST(relay, add_errors, test_relay_add_errors)
MR_REGISTER_EAL_TEST(relay, fanout, test_relay_fanout)
MR_REGISTER_EAL_TEST(relay, drops, test_relay_drops)
MR_REGISTER_EAL_TEST(relay, single_writer, test_relay_single_writer)
MR_REGISTER_EAL_TEST(relay, key_check, test_relay_key_check)
MR_REGISTER_EAL_TEST(relay, transcode, test_relay_transcode)
