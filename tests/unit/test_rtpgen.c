/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * net_rtpgen: frames checked with an independent parse, the validator's
 * counts after known corruption, devarg validation, sequence wrap.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include <opus/opus.h>

#include "mr_test.h"

#define T_BURST 64

static struct rte_mempool *t_pool;

static struct rte_mempool *
t_mempool(void)
{
	if (t_pool == NULL)
		t_pool = rte_pktmbuf_pool_create("t_rtpgen", 4095, 64, 0,
						 RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return t_pool;
}

/*
 * Create, configure (1 RX, 1 TX queue, RX offloads @p rx_ol) and start a
 * vdev; port or -1.
 */
static int
t_port_ol(const char *name, const char *args, uint64_t rx_ol)
{
	struct rte_eth_conf conf;
	uint16_t port;

	memset(&conf, 0, sizeof(conf));
	conf.rxmode.offloads = rx_ol;
	if (t_mempool() == NULL)
		return -1;
	if (rte_vdev_init(name, args) != 0)
		return -1;
	if (rte_eth_dev_get_port_by_name(name, &port) != 0 ||
	    rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(port, 0, 512, SOCKET_ID_ANY, NULL, t_pool) != 0 ||
	    rte_eth_tx_queue_setup(port, 0, 512, SOCKET_ID_ANY, NULL) != 0 ||
	    rte_eth_dev_start(port) != 0) {
		rte_vdev_uninit(name);
		return -1;
	}
	return port;
}

static int
t_port(const char *name, const char *args)
{
	return t_port_ol(name, args, 0);
}

static void
t_close(const char *name, int port)
{
	rte_eth_dev_stop((uint16_t)port);
	rte_vdev_uninit(name);
}

static uint64_t
t_xstat(int port, const char *name)
{
	uint64_t id, v = UINT64_MAX;

	if (rte_eth_xstats_get_id_by_name((uint16_t)port, name, &id) != 0 ||
	    rte_eth_xstats_get_by_id((uint16_t)port, &id, &v, 1) != 1)
		return UINT64_MAX;
	return v;
}

/* What an independent parse of one generated IPv4 frame finds. */
struct t_pkt {
	uint32_t src_ip, dst_ip; /* host order */
	uint16_t sport, dport, seq;
	uint32_t ts, ssrc, flow;
	uint8_t pt;
};

static int
t_parse4(struct rte_mbuf *m, uint32_t size, struct t_pkt *o)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ether_hdr *eth = (const void *)p;
	const struct rte_ipv4_hdr *ip = (const void *)(p + 14);
	const struct rte_udp_hdr *udp = (const void *)(p + 34);
	const uint8_t *rtp = p + 42;
	uint32_t rlen = size - 42;
	const uint8_t *blk = rtp + rlen - 24;
	uint32_t v;

	MR_TEST_EQ(m->pkt_len, size);
	MR_TEST_EQ(m->data_len, size);
	MR_TEST_EQ(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_IPV4);
	MR_TEST_EQ(eth->dst_addr.addr_bytes[5], 0x01);
	MR_TEST_EQ(eth->src_addr.addr_bytes[5], 0x02);
	MR_TEST_EQ(ip->version_ihl, 0x45);
	MR_TEST_EQ(rte_be_to_cpu_16(ip->total_length), size - 14);
	MR_TEST_EQ(ip->next_proto_id, IPPROTO_UDP);
	MR_TEST_EQ(rte_ipv4_cksum(ip), 0); /* checksum over a correct header */
	MR_TEST_EQ(rte_be_to_cpu_16(udp->dgram_len), size - 34);
	MR_TEST_EQ(rtp[0], 0xa0); /* V=2, P=1, no X, CC=0 */
	MR_TEST_EQ(rtp[rlen - 1], 24); /* padding count: the validation block */
	memcpy(&v, blk, 4);
	MR_TEST_EQ(rte_be_to_cpu_32(v), 0x52475631);
	/* block checksum = sum of the media bytes */
	memcpy(&v, blk + 16, 4);
	MR_TEST_EQ(rte_be_to_cpu_32(v) >> 16, rte_raw_cksum(rtp + 12, rlen - 12 - 24));
	MR_TEST_EQ(rte_be_to_cpu_32(v) & 0xffff, rlen - 12 - 24);
	o->src_ip = rte_be_to_cpu_32(ip->src_addr);
	o->dst_ip = rte_be_to_cpu_32(ip->dst_addr);
	o->sport = rte_be_to_cpu_16(udp->src_port);
	o->dport = rte_be_to_cpu_16(udp->dst_port);
	o->pt = rtp[1] & 0x7f;
	o->seq = (uint16_t)(rtp[2] << 8 | rtp[3]);
	o->ts = (uint32_t)rtp[4] << 24 | rtp[5] << 16 | rtp[6] << 8 | rtp[7];
	o->ssrc = (uint32_t)rtp[8] << 24 | rtp[9] << 16 | rtp[10] << 8 | rtp[11];
	memcpy(&v, blk + 4, 4);
	o->flow = rte_be_to_cpu_32(v);
	return 0;
}

static uint16_t
t_rx(int port, struct rte_mbuf **bufs, uint16_t n)
{
	uint16_t got = 0;
	int tries = 0;

	while (got < n && tries++ < 1000)
		got += rte_eth_rx_burst((uint16_t)port, 0, bufs + got, n - got);
	return got;
}

/* Headers, per-flow seq and ts, SSRCs; then the validator agrees. */
static int
test_rtpgen_generate(void)
{
	const char *name = "net_rtpgen_t1";
	struct rte_mbuf *bufs[T_BURST];
	uint32_t last_seq[4], last_ts[4], seen[4] = {0};
	int port = t_port(name, "streams=4,size=200,seed=7,pt=96,ptime=20,clock=48000,"
			  "src=10.1.0.1:65534,dst=10.0.0.9:30000");
	uint16_t n, i;

	MR_TEST_ASSERT(port >= 0, "vdev %s", name);
	n = t_rx(port, bufs, T_BURST);
	MR_TEST_EQ(n, T_BURST);
	for (i = 0; i < n; i++) {
		struct t_pkt pk;
		uint32_t f;

		if (t_parse4(bufs[i], 200, &pk) != 0)
			return -1;
		f = pk.flow;
		MR_TEST_ASSERT(f < 4, "flow %u", f);
		MR_TEST_EQ(f, i % 4); /* flows take turns */
		MR_TEST_EQ(pk.ssrc, 0x10000000u + f);
		MR_TEST_EQ(pk.pt, 96);
		/* source ports 65534, 65535, then the next address from 65534 */
		MR_TEST_EQ(pk.sport, 65534 + (f % 2));
		MR_TEST_EQ(pk.src_ip, 0x0a010001u + f / 2);
		MR_TEST_EQ(pk.dport, 30000 + f);
		MR_TEST_EQ(pk.dst_ip, 0x0a000009u);
		if (seen[f]) {
			MR_TEST_EQ((uint16_t)(pk.seq - last_seq[f]), 1);
			MR_TEST_EQ(pk.ts - last_ts[f], 960);
		}
		seen[f] = 1;
		last_seq[f] = pk.seq;
		last_ts[f] = pk.ts;
	}
	rte_eth_xstats_reset((uint16_t)port);
	MR_TEST_EQ(rte_eth_tx_burst((uint16_t)port, 0, bufs, n), n);
	MR_TEST_EQ(t_xstat(port, "tx_valid"), n);
	MR_TEST_EQ(t_xstat(port, "tx_lost"), 0);
	MR_TEST_EQ(t_xstat(port, "tx_reordered"), 0);
	MR_TEST_EQ(t_xstat(port, "tx_duplicate"), 0);
	MR_TEST_EQ(t_xstat(port, "tx_bad_checksum"), 0);
	MR_TEST_EQ(t_xstat(port, "tx_not_rtp"), 0);
	MR_TEST_ASSERT(t_xstat(port, "latency_max_ns") > 0, "latency");
	t_close(name, port);
	return 0;
}
MR_REGISTER_EAL_TEST(rtpgen, generate, test_rtpgen_generate);

/* endpoints=N: flow i takes the addresses and ports of flow i % N, its own SSRC. */
static int
test_rtpgen_endpoints(void)
{
	const char *name = "net_rtpgen_ep";
	struct rte_mbuf *bufs[T_BURST];
	uint32_t seen[8] = {0};
	int port = t_port(name, "streams=8,endpoints=3,size=120,seed=3,"
			  "src=10.1.0.1:65534,dst=10.0.0.9:30000");
	uint16_t n, i;

	MR_TEST_ASSERT(port >= 0, "vdev %s", name);
	n = t_rx(port, bufs, T_BURST);
	MR_TEST_EQ(n, T_BURST);
	for (i = 0; i < n; i++) {
		struct t_pkt pk;
		uint32_t f;

		if (t_parse4(bufs[i], 120, &pk) != 0)
			return -1;
		f = pk.flow;
		MR_TEST_EQ(f, i % 8u);
		MR_TEST_EQ(pk.ssrc, 0x10000000u + f);
		/* endpoint e = f % 3: ports 65534, 65535, then 10.1.0.2:65534 */
		MR_TEST_EQ(pk.sport, 65534 + (f % 3) % 2);
		MR_TEST_EQ(pk.src_ip, 0x0a010001u + (f % 3) / 2);
		MR_TEST_EQ(pk.dport, 30000 + f % 3);
		MR_TEST_EQ(pk.dst_ip, 0x0a000009u);
		seen[f]++;
	}
	for (i = 0; i < 8; i++)
		MR_TEST_EQ(seen[i], T_BURST / 8);
	/* flows that share an endpoint are still told apart by the validator */
	rte_eth_xstats_reset((uint16_t)port);
	MR_TEST_EQ(rte_eth_tx_burst((uint16_t)port, 0, bufs, n), n);
	MR_TEST_EQ(t_xstat(port, "tx_valid"), n);
	MR_TEST_EQ(t_xstat(port, "tx_lost"), 0);
	MR_TEST_EQ(t_xstat(port, "tx_duplicate"), 0);
	t_close(name, port);
	return 0;
}
MR_REGISTER_EAL_TEST(rtpgen, endpoints, test_rtpgen_endpoints);

/* One corrupted byte, one dropped packet, one swapped pair: exact counts. */
static int
test_rtpgen_validator(void)
{
	const char *name = "net_rtpgen_t2";
	struct rte_mbuf *bufs[T_BURST], *out[T_BURST], *tmp;
	uint16_t n, i, k = 0;
	int port = t_port(name, "streams=4");

	MR_TEST_ASSERT(port >= 0, "vdev %s", name);
	n = t_rx(port, bufs, 32); /* 8 packets of each of 4 flows */
	MR_TEST_EQ(n, 32);
	/* flow 0's 3rd packet (index 8): one media byte changes */
	rte_pktmbuf_mtod(bufs[8], uint8_t *)[42 + 12 + 5] ^= 0x01;
	/* flow 1's 4th packet (index 13) is dropped */
	rte_pktmbuf_free(bufs[13]);
	bufs[13] = NULL;
	/* flow 2's 5th and 6th packets (indexes 18, 22) swap places */
	tmp = bufs[18];
	bufs[18] = bufs[22];
	bufs[22] = tmp;
	for (i = 0; i < n; i++)
		if (bufs[i] != NULL)
			out[k++] = bufs[i];
	rte_eth_xstats_reset((uint16_t)port);
	MR_TEST_EQ(rte_eth_tx_burst((uint16_t)port, 0, out, k), k);
	MR_TEST_EQ(t_xstat(port, "tx_bad_checksum"), 1);
	/* flow 0 misses its corrupted packet, flow 1 its dropped one */
	MR_TEST_EQ(t_xstat(port, "tx_lost"), 2);
	MR_TEST_EQ(t_xstat(port, "tx_reordered"), 1);
	MR_TEST_EQ(t_xstat(port, "tx_duplicate"), 0);
	MR_TEST_EQ(t_xstat(port, "tx_valid"), 30);
	MR_TEST_EQ(t_xstat(port, "tx_bad_magic"), 0);
	/* a duplicate of flow 3's last packet, and a frame that is not ours */
	n = t_rx(port, bufs, 4);
	MR_TEST_EQ(n, 4);
	out[0] = bufs[3];
	out[1] = rte_pktmbuf_copy(bufs[3], t_pool, 0, UINT32_MAX);
	MR_TEST_ASSERT(out[1] != NULL, "copy");
	rte_pktmbuf_mtod(bufs[0], struct rte_ether_hdr *)->ether_type =
		rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	out[2] = bufs[0];
	rte_pktmbuf_free_bulk(&bufs[1], 2);
	rte_eth_xstats_reset((uint16_t)port);
	MR_TEST_EQ(rte_eth_tx_burst((uint16_t)port, 0, out, 3), 3);
	MR_TEST_EQ(t_xstat(port, "tx_duplicate"), 1);
	MR_TEST_EQ(t_xstat(port, "tx_not_rtp"), 1);
	MR_TEST_EQ(t_xstat(port, "tx_valid"), 2);
	/* flow 3 repeated its packet; flows 1 and 2 sent nothing here */
	MR_TEST_EQ(t_xstat(port, "tx_lost"), 0);
	t_close(name, port);
	return 0;
}
MR_REGISTER_EAL_TEST(rtpgen, validator, test_rtpgen_validator);

static int
test_rtpgen_bad_devargs(void)
{
	static const char *const bad[] = {
		"streams=0", "streams=4194305", "size=60", "size=200,payload=100",
		"foo=1", "src=10.0.0.1", "src=10.0.0.1:0", "dst=[fd00::1]:30000",
		"loss=101", "loss=abc", "reorder_depth=17", "reorder_depth=0",
		"pt=128", "seq_start=65536", "src_mac=zz", "opus=1,ptime=25",
		"endpoints=0", "endpoints=65536", "endpoints=x",
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++) {
		int rc = rte_vdev_init("net_rtpgen_bad", bad[i]);

		if (rc == 0)
			rte_vdev_uninit("net_rtpgen_bad");
		MR_TEST_ASSERT(rc != 0, "devargs '%s' were accepted", bad[i]);
	}
	/* and a good set is accepted, v6 included */
	MR_TEST_EQ(rte_vdev_init("net_rtpgen_ok",
				 "src=[fd00::2]:20000,dst=[fd00::1]:30000,loss=0.5"), 0);
	MR_TEST_EQ(rte_vdev_uninit("net_rtpgen_ok"), 0);
	return 0;
}
MR_REGISTER_EAL_TEST(rtpgen, bad_devargs, test_rtpgen_bad_devargs);

static int
test_rtpgen_seq_wrap(void)
{
	const char *name = "net_rtpgen_t3";
	static const uint16_t want[5] = {65533, 65534, 65535, 0, 1};
	struct rte_mbuf *bufs[5];
	uint32_t ts0 = 0;
	int port = t_port(name, "streams=1,seq_start=65533,ptime=10,clock=8000");
	uint16_t i;

	MR_TEST_ASSERT(port >= 0, "vdev %s", name);
	MR_TEST_EQ(t_rx(port, bufs, 5), 5);
	for (i = 0; i < 5; i++) {
		struct t_pkt pk;

		if (t_parse4(bufs[i], 200, &pk) != 0)
			return -1;
		MR_TEST_EQ(pk.seq, want[i]);
		if (i == 0)
			ts0 = pk.ts;
		MR_TEST_EQ(pk.ts - ts0, 80u * i);
	}
	rte_eth_xstats_reset((uint16_t)port);
	MR_TEST_EQ(rte_eth_tx_burst((uint16_t)port, 0, bufs, 5), 5);
	MR_TEST_EQ(t_xstat(port, "tx_valid"), 5);
	MR_TEST_EQ(t_xstat(port, "tx_lost"), 0);
	MR_TEST_EQ(t_xstat(port, "tx_reordered"), 0);
	t_close(name, port);
	return 0;
}
MR_REGISTER_EAL_TEST(rtpgen, seq_wrap, test_rtpgen_seq_wrap);

/* The validator's counts match what the generator says it did. */
static int
test_rtpgen_impairments(void)
{
	const char *name = "net_rtpgen_t4";
	struct rte_mbuf *bufs[32];
	int port = t_port(name, "streams=8,loss=5,dup=5,reorder=5,reorder_depth=2,"
			  "malformed=5,seed=3");
	uint64_t gen_loss, gen_reorder, v;
	unsigned int r;

	MR_TEST_ASSERT(port >= 0, "vdev %s", name);
	for (r = 0; r < 200; r++) {
		uint16_t n = rte_eth_rx_burst((uint16_t)port, 0, bufs, 32);

		MR_TEST_EQ(rte_eth_tx_burst((uint16_t)port, 0, bufs, n), n);
	}
	v = t_xstat(port, "malformed_generated");
	MR_TEST_ASSERT(v > 0, "no malformed packets");
	MR_TEST_EQ(t_xstat(port, "tx_not_rtp"), v);
	MR_TEST_EQ(t_xstat(port, "malformed_truncated") + t_xstat(port, "malformed_bad_version") +
		   t_xstat(port, "malformed_cc_overflow") + t_xstat(port, "malformed_padding") +
		   t_xstat(port, "malformed_bad_ip"), v);
	MR_TEST_EQ(t_xstat(port, "tx_duplicate"), t_xstat(port, "dup_generated"));
	MR_TEST_EQ(t_xstat(port, "tx_valid"), t_xstat(port, "generated"));
	MR_TEST_EQ(t_xstat(port, "tx_bad_checksum"), 0);
	MR_TEST_EQ(t_xstat(port, "tx_ssrc_changes"), 0);
	/* at most one held packet and one trailing loss per flow is unseen */
	gen_loss = t_xstat(port, "loss_generated");
	gen_reorder = t_xstat(port, "reorder_generated");
	v = t_xstat(port, "tx_reordered");
	MR_TEST_ASSERT(v <= gen_reorder && v + 8 >= gen_reorder,
		       "reordered %lu of %lu", (unsigned long)v, (unsigned long)gen_reorder);
	v = t_xstat(port, "tx_lost");
	MR_TEST_ASSERT(v <= gen_loss + 8 && v + 8 >= gen_loss,
		       "lost %lu of %lu", (unsigned long)v, (unsigned long)gen_loss);
	t_close(name, port);
	return 0;
}
MR_REGISTER_EAL_TEST(rtpgen, impairments, test_rtpgen_impairments);

/* ssrc_change=3: every 3rd packet a new SSRC, the sequence restarts */
static int
test_rtpgen_ssrc_change(void)
{
	const char *name = "net_rtpgen_t7";
	struct rte_mbuf *bufs[7];
	int port = t_port(name, "streams=2,ssrc_change=3,seq_start=100,ssrc_base=0x100");
	uint16_t i;

	MR_TEST_ASSERT(port >= 0, "vdev %s", name);
	MR_TEST_EQ(t_rx(port, bufs, 7), 7);
	for (i = 0; i < 7; i++) {
		struct t_pkt pk;
		uint32_t k = i / 2; /* packet number within its flow */

		if (t_parse4(bufs[i], 200, &pk) != 0)
			return -1;
		MR_TEST_EQ(pk.flow, i % 2);
		/* epoch e: ssrc_base + flow + e * streams, seq from seq_start */
		MR_TEST_EQ(pk.ssrc, 0x100u + i % 2 + (k / 3) * 2);
		MR_TEST_EQ(pk.seq, 100 + k % 3);
	}
	/* both flows passed 3 packets: both switched, flow 1 sent nothing since */
	MR_TEST_EQ(t_xstat(port, "ssrc_changes_generated"), 2);
	rte_eth_xstats_reset((uint16_t)port);
	MR_TEST_EQ(t_xstat(port, "ssrc_changes_generated"), 0);
	MR_TEST_EQ(rte_eth_tx_burst((uint16_t)port, 0, bufs, 7), 7);
	/* flow 0 sent 4 packets (1 change seen), flow 1 sent 3 (none seen) */
	MR_TEST_EQ(t_xstat(port, "tx_ssrc_changes"), 1);
	MR_TEST_EQ(t_xstat(port, "tx_lost"), 0);
	MR_TEST_EQ(t_xstat(port, "tx_valid"), 7);
	t_close(name, port);
	return 0;
}
MR_REGISTER_EAL_TEST(rtpgen, ssrc_change, test_rtpgen_ssrc_change);

/* opus=1: the media decodes as Opus; IPv6 frames carry valid UDP sums. */
static int
test_rtpgen_opus_v6(void)
{
	const char *name = "net_rtpgen_t5";
	struct rte_mbuf *bufs[8];
	int port = t_port(name, "streams=2,opus=1,size=220,"
			  "src=[fd00::2]:20000,dst=[fd00::1]:30000");
	opus_int16 pcm[960];
	OpusDecoder *dec;
	int err;
	uint16_t i;

	MR_TEST_ASSERT(port >= 0, "vdev %s", name);
	dec = opus_decoder_create(48000, 1, &err);
	MR_TEST_ASSERT(dec != NULL, "decoder");
	MR_TEST_EQ(t_rx(port, bufs, 8), 8);
	for (i = 0; i < 8; i++) {
		uint8_t *p = rte_pktmbuf_mtod(bufs[i], uint8_t *);
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(p + 14);
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip6 + 1);
		uint8_t *rtp = (uint8_t *)(udp + 1);
		uint32_t rlen = rte_be_to_cpu_16(udp->dgram_len) - 8;

		MR_TEST_EQ(rte_be_to_cpu_16(((struct rte_ether_hdr *)p)->ether_type),
			   RTE_ETHER_TYPE_IPV6);
		MR_TEST_EQ(rte_ipv6_udptcp_cksum_verify(ip6, udp), 0);
		MR_TEST_EQ(ip6->dst_addr[15], 1);
		MR_TEST_EQ(rte_be_to_cpu_16(udp->dst_port), 30000 + i % 2);
		MR_TEST_EQ(rtp[rlen - 1], 24);
		/* the media (padding stripped) is one 20 ms Opus frame */
		MR_TEST_EQ(opus_decode(dec, rtp + 12, (opus_int32)(rlen - 12 - 24), pcm, 960, 0),
			   960);
	}
	opus_decoder_destroy(dec);
	rte_eth_xstats_reset((uint16_t)port);
	MR_TEST_EQ(rte_eth_tx_burst((uint16_t)port, 0, bufs, 8), 8);
	MR_TEST_EQ(t_xstat(port, "tx_valid"), 8);
	MR_TEST_EQ(t_xstat(port, "tx_bad_udp_csum"), 0);
	t_close(name, port);
	return 0;
}
MR_REGISTER_EAL_TEST(rtpgen, opus_v6, test_rtpgen_opus_v6);

/* rate=: paced by the TSC, never more than the elapsed time allows. */
static int
test_rtpgen_rate(void)
{
	const char *name = "net_rtpgen_t6";
	struct rte_mbuf *bufs[32];
	int port = t_port(name, "streams=10,rate=2000");
	uint64_t start, total = 0, ms;

	MR_TEST_ASSERT(port >= 0, "vdev %s", name);
	start = rte_get_tsc_cycles();
	while (rte_get_tsc_cycles() - start < rte_get_tsc_hz() / 5) {
		uint16_t n = rte_eth_rx_burst((uint16_t)port, 0, bufs, 32);

		total += n;
		rte_pktmbuf_free_bulk(bufs, n);
	}
	ms = (rte_get_tsc_cycles() - start) * 1000 / rte_get_tsc_hz();
	/* 2 packets per ms: never ahead of time, not far behind */
	MR_TEST_ASSERT(total <= 2 * ms + 1, "%lu packets in %lu ms", (unsigned long)total,
		       (unsigned long)ms);
	MR_TEST_ASSERT(total + 40 >= 2 * ms, "%lu packets in %lu ms", (unsigned long)total,
		       (unsigned long)ms);
	t_close(name, port);
	return 0;
}
MR_REGISTER_EAL_TEST(rtpgen, rate, test_rtpgen_rate);

/*
 * RX IPv4 checksum offload: enabled, a whole frame is flagged GOOD (and
 * its header checksum is right), a malformed one not checked; not
 * enabled, nothing is flagged.
 */
static int
test_rtpgen_rx_cksum(void)
{
	static const struct {
		const char *name, *args;
		uint64_t rx_ol, want;
	} cases[] = {
		{"net_rtpgen_ck1", "streams=4", RTE_ETH_RX_OFFLOAD_IPV4_CKSUM,
		 RTE_MBUF_F_RX_IP_CKSUM_GOOD},
		{"net_rtpgen_ck2", "streams=4,malformed=100", RTE_ETH_RX_OFFLOAD_IPV4_CKSUM,
		 RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN},
		{"net_rtpgen_ck3", "streams=4", 0, RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN},
	};
	struct rte_eth_dev_info info;
	struct rte_mbuf *bufs[16];
	unsigned int i, j;

	for (i = 0; i < RTE_DIM(cases); i++) {
		int port = t_port_ol(cases[i].name, cases[i].args, cases[i].rx_ol);
		uint16_t n;

		MR_TEST_ASSERT(port >= 0, "vdev %s", cases[i].name);
		MR_TEST_EQ(rte_eth_dev_info_get((uint16_t)port, &info), 0);
		MR_TEST_ASSERT(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM, "capa");
		n = t_rx(port, bufs, RTE_DIM(bufs));
		MR_TEST_EQ(n, RTE_DIM(bufs));
		for (j = 0; j < n; j++) {
			const struct rte_ipv4_hdr *ip =
				rte_pktmbuf_mtod_offset(bufs[j], const struct rte_ipv4_hdr *, 14);

			MR_TEST_EQ(bufs[j]->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK, cases[i].want);
			if (cases[i].want == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
				MR_TEST_EQ(rte_ipv4_cksum(ip), 0);
		}
		rte_pktmbuf_free_bulk(bufs, n);
		t_close(cases[i].name, port);
	}
	return 0;
}
MR_REGISTER_EAL_TEST(rtpgen, rx_cksum, test_rtpgen_rx_cksum);

/* ---- RSS emulation ---- */

/* Microsoft's RSS verification key (also rtpgen's default). */
static const uint8_t t_ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/*
 * Toeplitz hash written from its definition, bit by bit (independent of
 * rte_softrss): each set input bit XORs in the 32 key bits starting at
 * its own position.
 */
static uint32_t
t_toeplitz(const uint8_t *key, const uint8_t *in, size_t len)
{
	uint32_t h = 0;
	size_t bit;

	for (bit = 0; bit < len * 8; bit++) {
		uint32_t window = 0;
		size_t k;

		if (!((in[bit / 8] >> (7 - bit % 8)) & 1))
			continue;
		for (k = bit; k < bit + 32; k++)
			window = window << 1 | ((key[k / 8] >> (7 - k % 8)) & 1);
		h ^= window;
	}
	return h;
}

/* Configure @p nq queues with RSS types @p hf (0: no RSS), key, RSS_HASH. */
static int
t_port_rss(const char *name, const char *args, uint16_t nq, uint64_t hf,
	   const uint8_t *key, bool start)
{
	struct rte_eth_conf conf;
	uint16_t port, q;

	memset(&conf, 0, sizeof(conf));
	if (hf != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_RSS_HASH;
		conf.rx_adv_conf.rss_conf.rss_hf = hf;
		conf.rx_adv_conf.rss_conf.rss_key = (uint8_t *)(uintptr_t)key;
		conf.rx_adv_conf.rss_conf.rss_key_len = key != NULL ? 40 : 0;
	}
	if (t_mempool() == NULL || rte_vdev_init(name, args) != 0)
		return -1;
	if (rte_eth_dev_get_port_by_name(name, &port) != 0 ||
	    rte_eth_dev_configure(port, nq, nq, &conf) != 0)
		goto fail;
	for (q = 0; q < nq; q++)
		if (rte_eth_rx_queue_setup(port, q, 512, SOCKET_ID_ANY, NULL, t_pool) != 0 ||
		    rte_eth_tx_queue_setup(port, q, 512, SOCKET_ID_ANY, NULL) != 0)
			goto fail;
	if (start && rte_eth_dev_start(port) != 0)
		goto fail;
	return port;
fail:
	rte_vdev_uninit(name);
	return -1;
}

/* The published hashes (IPv4 and IPv6, addresses only and with ports). */
static int
test_rtpgen_rss_ms_vectors(void)
{
	static const struct {
		const char *dst, *src;
		uint32_t h_ip, h_udp;
	} vec[] = {
		{"161.142.100.80:1766", "66.9.149.187:2794", 0x323e8fc2, 0x51ccc178},
		{"65.69.140.83:4739", "199.92.111.2:14230", 0xd718262a, 0xc626b0ea},
		{"12.22.207.184:38024", "24.19.198.95:12898", 0xd2d0a5de, 0x5c2b394a},
		{"209.142.163.6:2217", "38.27.205.30:48228", 0x82989176, 0xafc7327f},
		{"202.188.127.2:1303", "153.39.163.191:44251", 0x5d1809c5, 0x10e828a2},
		{"[3ffe:2501:200:3::1]:1766", "[3ffe:2501:200:1fff::7]:2794",
		 0x2cc18cd5, 0x40207d3d},
		{"[ff02::1]:4739", "[3ffe:501:8::260:97ff:fe40:efab]:14230",
		 0x0f0c461c, 0xdde51bbf},
		{"[fe80::200:f8ff:fe21:67cf]:38024", "[3ffe:1900:4545:3:200:f8ff:fe21:67cf]:44251",
		 0x4b61e985, 0x02d1feef},
	};
	unsigned int i, udp;

	for (i = 0; i < RTE_DIM(vec); i++) {
		for (udp = 0; udp < 2; udp++) {
			bool v6 = vec[i].dst[0] == '[';
			uint64_t hf = udp ? (v6 ? RTE_ETH_RSS_NONFRAG_IPV6_UDP :
					     RTE_ETH_RSS_NONFRAG_IPV4_UDP) :
				(v6 ? RTE_ETH_RSS_IPV6 : RTE_ETH_RSS_IPV4);
			char name[32], args[160];
			struct rte_mbuf *m = NULL;
			int port, tries = 0;

			snprintf(name, sizeof(name), "net_rtpgen_ms%u_%u", i, udp);
			snprintf(args, sizeof(args), "streams=1,src=%s,dst=%s", vec[i].src,
				 vec[i].dst);
			port = t_port_rss(name, args, 1, hf, t_ms_key, true);
			MR_TEST_ASSERT(port >= 0, "vdev %s %s", name, args);
			while (tries++ < 100 && rte_eth_rx_burst((uint16_t)port, 0, &m, 1) == 0)
				;
			MR_TEST_ASSERT(m != NULL, "no packet from %s", name);
			MR_TEST_ASSERT(m->ol_flags & RTE_MBUF_F_RX_RSS_HASH, "RSS_HASH flag");
			MR_TEST_ASSERT(m->hash.rss == (udp ? vec[i].h_udp : vec[i].h_ip),
				       "%s -> %s %s: hash 0x%08x, published 0x%08x", vec[i].src,
				       vec[i].dst, udp ? "udp" : "ip", m->hash.rss,
				       udp ? vec[i].h_udp : vec[i].h_ip);
			rte_pktmbuf_free(m);
			t_close(name, port);
		}
	}
	return 0;
}
MR_REGISTER_EAL_TEST(rtpgen, rss_ms_vectors, test_rtpgen_rss_ms_vectors);

#define T_RSS_FLOWS 256u
#define T_RSS_QUEUES 4u

enum t_rss_fields { T_NO_HASH, T_DST, T_4TUPLE };

/*
 * Receive a full round of every queue; queue_of[flow] = the queue the flow
 * came on (asserts it came on one only), hash_of[flow] = its hash.rss.
 * Each hash must equal the independent Toeplitz hash under @p key of the
 * parsed destination address and port (T_DST) or of source and
 * destination addresses and ports (T_4TUPLE).
 */
static int
t_rss_collect(int port, uint16_t nq, int16_t *queue_of, uint32_t *hash_of,
	      uint32_t *per_queue, const uint8_t *key, enum t_rss_fields fields)
{
	struct rte_mbuf *bufs[T_BURST];
	uint16_t q, n, i;
	uint32_t got;

	for (i = 0; i < T_RSS_FLOWS; i++)
		queue_of[i] = -1;
	for (q = 0; q < nq; q++) {
		per_queue[q] = 0;
		/* 2 rounds of the largest possible share: every flow is seen */
		for (got = 0; got < 2 * T_RSS_FLOWS; got += n) {
			n = rte_eth_rx_burst((uint16_t)port, q, bufs, T_BURST);
			if (n == 0)
				break;
			for (i = 0; i < n; i++) {
				struct t_pkt pk;
				int rc = t_parse4(bufs[i], 200, &pk);

				if (rc == 0 && pk.flow >= T_RSS_FLOWS)
					rc = -1;
				if (rc == 0 && queue_of[pk.flow] != -1 &&
				    queue_of[pk.flow] != (int16_t)q) {
					printf("flow %u on queues %d and %u\n", pk.flow,
					       queue_of[pk.flow], q);
					rc = -1;
				}
				if (rc == 0 && fields != T_NO_HASH) {
					uint8_t in[12];
					uint32_t sa = rte_cpu_to_be_32(pk.src_ip);
					uint32_t da = rte_cpu_to_be_32(pk.dst_ip);
					size_t len = 0;
					uint32_t want;

					if (fields == T_4TUPLE) {
						memcpy(in, &sa, 4);
						len = 4;
					}
					memcpy(in + len, &da, 4);
					len += 4;
					if (fields == T_4TUPLE) {
						in[len++] = (uint8_t)(pk.sport >> 8);
						in[len++] = (uint8_t)pk.sport;
					}
					in[len++] = (uint8_t)(pk.dport >> 8);
					in[len++] = (uint8_t)pk.dport;
					want = t_toeplitz(key, in, len);
					if (!(bufs[i]->ol_flags & RTE_MBUF_F_RX_RSS_HASH) ||
					    bufs[i]->hash.rss != want) {
						printf("flow %u: hash 0x%08x, Toeplitz of its headers 0x%08x\n",
						       pk.flow, bufs[i]->hash.rss, want);
						rc = -1;
					}
				}
				if (rc != 0) {
					rte_pktmbuf_free_bulk(bufs, n);
					return -1;
				}
				if (queue_of[pk.flow] == -1)
					per_queue[q]++;
				queue_of[pk.flow] = (int16_t)q;
				hash_of[pk.flow] = bufs[i]->hash.rss;
			}
			rte_pktmbuf_free_bulk(bufs, n);
		}
	}
	for (i = 0; i < T_RSS_FLOWS; i++)
		MR_TEST_ASSERT(queue_of[i] >= 0, "flow %u never arrived", i);
	return 0;
}

/* Each flow is on the queue its RETA entry names. */
static int
t_rss_check_reta(int port, const int16_t *queue_of, const uint32_t *hash_of)
{
	struct rte_eth_rss_reta_entry64 reta[512 / RTE_ETH_RETA_GROUP_SIZE];
	struct rte_eth_dev_info info;
	unsigned int i;

	MR_TEST_EQ(rte_eth_dev_info_get((uint16_t)port, &info), 0);
	MR_TEST_EQ(info.reta_size, 512);
	for (i = 0; i < RTE_DIM(reta); i++)
		reta[i].mask = UINT64_MAX;
	MR_TEST_EQ(rte_eth_dev_rss_reta_query((uint16_t)port, reta, 512), 0);
	for (i = 0; i < T_RSS_FLOWS; i++) {
		uint32_t e = hash_of[i] % 512;

		MR_TEST_ASSERT(queue_of[i] == reta[e / 64].reta[e % 64],
			       "flow %u: hash 0x%08x, RETA[%u] = %u, came on queue %d", i,
			       hash_of[i], e, reta[e / 64].reta[e % 64], queue_of[i]);
	}
	return 0;
}

/*
 * One port of @p T_RSS_QUEUES queues from @p args under RSS types @p hf and
 * @p key: which queue and hash each flow gets (t_rss_collect, checked
 * against the RETA), and how many flows each queue got.
 */
static int
t_rss_run(const char *name, const char *args, uint64_t hf, const uint8_t *key,
	  enum t_rss_fields fields, int16_t *queue_of, uint32_t *hash_of, uint32_t *per_queue)
{
	int port = t_port_rss(name, args, T_RSS_QUEUES, hf, key, true);
	int rc;

	MR_TEST_ASSERT(port >= 0, "vdev %s %s", name, args);
	rc = t_rss_collect(port, T_RSS_QUEUES, queue_of, hash_of, per_queue,
			   key != NULL ? key : t_ms_key, fields);
	if (rc == 0)
		rc = t_rss_check_reta(port, queue_of, hash_of);
	t_close(name, port);
	return rc;
}

/* Same destination, same queue, whatever the source: DST_ONLY types. */
static int
test_rtpgen_rss_dst_only(void)
{
	static const char *const srcs[] = {"10.1.0.1:20000", "172.16.9.9:40000"};
	const uint64_t dst_only = RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_L3_DST_ONLY |
		RTE_ETH_RSS_L4_DST_ONLY;
	static int16_t qo[2][T_RSS_FLOWS], qfull[2][T_RSS_FLOWS];
	static uint32_t ho[2][T_RSS_FLOWS], hfull[2][T_RSS_FLOWS];
	uint32_t per_queue[T_RSS_QUEUES];
	unsigned int s, i, used, moved = 0;

	for (s = 0; s < 2; s++) {
		char name[32], args[128];

		snprintf(name, sizeof(name), "net_rtpgen_dst%u", s);
		snprintf(args, sizeof(args), "streams=%u,src=%s,dst=10.0.0.1:30000",
			 T_RSS_FLOWS, srcs[s]);
		if (t_rss_run(name, args, dst_only, NULL, T_DST, qo[s], ho[s], per_queue) != 0)
			return -1;
		for (i = 0, used = 0; i < T_RSS_QUEUES; i++)
			used += per_queue[i] > 0;
		MR_TEST_ASSERT(used == T_RSS_QUEUES, "flows on %u of %u queues", used,
			       T_RSS_QUEUES);
		/* the full 4-tuple: the source counts */
		snprintf(name, sizeof(name), "net_rtpgen_full%u", s);
		if (t_rss_run(name, args, RTE_ETH_RSS_NONFRAG_IPV4_UDP, NULL, T_4TUPLE, qfull[s],
			      hfull[s], per_queue) != 0)
			return -1;
	}
	for (i = 0; i < T_RSS_FLOWS; i++) {
		/* flow i goes to 10.0.0.1:30000+i from either source */
		MR_TEST_ASSERT(qo[0][i] == qo[1][i] && ho[0][i] == ho[1][i],
			       "flow %u: queue %d from %s, %d from %s", i, qo[0][i], srcs[0],
			       qo[1][i], srcs[1]);
		moved += qfull[0][i] != qfull[1][i];
	}
	/*
	 * With the source in the hash, flows change queue (Toeplitz is linear:
	 * how many depends on the XOR of the two sources' terms; 96 here).
	 */
	MR_TEST_ASSERT(moved >= T_RSS_FLOWS / 4, "full tuple: only %u flows moved", moved);
	return 0;
}
MR_REGISTER_EAL_TEST(rtpgen, rss_dst_only, test_rtpgen_rss_dst_only);

/* RETA and key changes move flows; no RSS: all on queue 0. */
static int
test_rtpgen_rss_reta(void)
{
	const char *name = "net_rtpgen_reta";
	const uint64_t dst_only = RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_L3_DST_ONLY |
		RTE_ETH_RSS_L4_DST_ONLY;
	struct rte_eth_rss_reta_entry64 reta[512 / RTE_ETH_RETA_GROUP_SIZE];
	static int16_t qo[T_RSS_FLOWS], q2[T_RSS_FLOWS];
	static uint32_t ho[T_RSS_FLOWS], h2[T_RSS_FLOWS];
	uint32_t per_queue[T_RSS_QUEUES];
	struct rte_eth_rss_conf rc;
	uint8_t key[40], got_key[40];
	unsigned int i, moved = 0;
	int port;

	port = t_port_rss(name, "streams=256", T_RSS_QUEUES, dst_only, NULL, true);
	MR_TEST_ASSERT(port >= 0, "vdev %s", name);
	if (t_rss_collect(port, T_RSS_QUEUES, qo, ho, per_queue, t_ms_key, T_DST) != 0)
		goto fail;
	/* running: a change is refused, not half applied */
	for (i = 0; i < RTE_DIM(reta); i++) {
		memset(reta[i].reta, 0, sizeof(reta[i].reta));
		reta[i].mask = UINT64_MAX;
	}
	MR_TEST_EQ(rte_eth_dev_rss_reta_update((uint16_t)port, reta, 512), -EBUSY);
	rte_eth_dev_stop((uint16_t)port);

	/* every entry names queue 3 */
	for (i = 0; i < RTE_DIM(reta); i++)
		memset(reta[i].reta, 0, sizeof(reta[i].reta));
	for (i = 0; i < 512; i++)
		reta[i / 64].reta[i % 64] = 3;
	MR_TEST_EQ(rte_eth_dev_rss_reta_update((uint16_t)port, reta, 512), 0);
	MR_TEST_EQ(rte_eth_dev_start((uint16_t)port), 0);
	if (t_rss_collect(port, T_RSS_QUEUES, q2, h2, per_queue, t_ms_key, T_DST) != 0)
		goto fail;
	MR_TEST_EQ(per_queue[3], T_RSS_FLOWS);
	rte_eth_dev_stop((uint16_t)port);

	/* entries alternate over queues 1 and 2 */
	for (i = 0; i < 512; i++)
		reta[i / 64].reta[i % 64] = (uint16_t)(1 + i % 2);
	MR_TEST_EQ(rte_eth_dev_rss_reta_update((uint16_t)port, reta, 512), 0);
	MR_TEST_EQ(rte_eth_dev_start((uint16_t)port), 0);
	if (t_rss_collect(port, T_RSS_QUEUES, q2, h2, per_queue, t_ms_key, T_DST) != 0 ||
	    t_rss_check_reta(port, q2, h2) != 0)
		goto fail;
	MR_TEST_EQ(per_queue[0] + per_queue[3], 0);
	MR_TEST_ASSERT(per_queue[1] > 0 && per_queue[2] > 0, "queues 1, 2: %u, %u",
		       per_queue[1], per_queue[2]);
	for (i = 0; i < T_RSS_FLOWS; i++)
		MR_TEST_EQ(h2[i], ho[i]); /* same key: same hashes, other queues */
	rte_eth_dev_stop((uint16_t)port);

	/* another key: other hashes, still the Toeplitz of the destination */
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 37 + 11);
	memset(&rc, 0, sizeof(rc));
	rc.rss_key = key;
	rc.rss_key_len = sizeof(key);
	rc.rss_hf = dst_only;
	MR_TEST_EQ(rte_eth_dev_rss_hash_update((uint16_t)port, &rc), 0);
	memset(&rc, 0, sizeof(rc));
	rc.rss_key = got_key;
	rc.rss_key_len = sizeof(got_key);
	MR_TEST_EQ(rte_eth_dev_rss_hash_conf_get((uint16_t)port, &rc), 0);
	MR_TEST_EQ(memcmp(got_key, key, sizeof(key)), 0);
	MR_TEST_EQ(rc.rss_hf, dst_only);
	MR_TEST_EQ(rte_eth_dev_start((uint16_t)port), 0);
	if (t_rss_collect(port, T_RSS_QUEUES, q2, h2, per_queue, key, T_DST) != 0 ||
	    t_rss_check_reta(port, q2, h2) != 0)
		goto fail;
	for (i = 0; i < T_RSS_FLOWS; i++)
		moved += h2[i] != ho[i];
	MR_TEST_ASSERT(moved > T_RSS_FLOWS * 9 / 10, "new key: %u hashes changed", moved);
	t_close(name, port);

	/* 4 queues, no RSS: like a NIC without it, everything on queue 0 */
	port = t_port_rss("net_rtpgen_norss", "streams=256", T_RSS_QUEUES, 0, NULL, true);
	MR_TEST_ASSERT(port >= 0, "vdev net_rtpgen_norss");
	if (t_rss_collect(port, T_RSS_QUEUES, q2, h2, per_queue, NULL, T_NO_HASH) != 0) {
		t_close("net_rtpgen_norss", port);
		return -1;
	}
	MR_TEST_EQ(per_queue[0], T_RSS_FLOWS);
	t_close("net_rtpgen_norss", port);
	return 0;
fail:
	t_close(name, port);
	return -1;
}
MR_REGISTER_EAL_TEST(rtpgen, rss_reta, test_rtpgen_rss_reta);

/*
 * A NIC without the *_ONLY bits (rss=full) refuses them; the
 * 4-tuple hash under a key whose bits 0-62 and 64-110 are zero (mrelay's
 * fallback, docs/steering.md) still keeps each destination on one queue
 * whatever the source, and spreads the destinations.
 */
static int
test_rtpgen_rss_dst_key(void)
{
	static const uint16_t bits[] = {63, 111, 112, 117, 118, 120, 121, 122, 123, 126};
	static const char *const srcs[] = {"10.1.0.1:20000", "192.168.77.5:61000"};
	const uint64_t dst_only = RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_L3_DST_ONLY |
		RTE_ETH_RSS_L4_DST_ONLY;
	static int16_t qo[2][T_RSS_FLOWS];
	static uint32_t ho[2][T_RSS_FLOWS];
	uint32_t per_queue[T_RSS_QUEUES];
	struct rte_eth_dev_info info;
	uint8_t key[40] = {0};
	unsigned int s, i;
	int port;

	for (i = 0; i < RTE_DIM(bits); i++)
		key[bits[i] / 8] |= (uint8_t)(0x80 >> (bits[i] % 8));
	MR_TEST_ASSERT(t_port_rss("net_rtpgen_nodst", "streams=8,rss=full", T_RSS_QUEUES,
				  dst_only, NULL, false) < 0, "DST_ONLY accepted with rss=full");
	port = t_port_rss("net_rtpgen_keyinfo", "streams=8,rss=full", 1, 0, NULL, false);
	MR_TEST_ASSERT(port >= 0, "vdev net_rtpgen_keyinfo");
	MR_TEST_EQ(rte_eth_dev_info_get((uint16_t)port, &info), 0);
	rte_vdev_uninit("net_rtpgen_keyinfo");
	MR_TEST_EQ(info.flow_type_rss_offloads & (RTE_ETH_RSS_L3_DST_ONLY |
						  RTE_ETH_RSS_L4_DST_ONLY), 0);
	for (s = 0; s < 2; s++) {
		char name[32], args[128];

		snprintf(name, sizeof(name), "net_rtpgen_key%u", s);
		snprintf(args, sizeof(args), "streams=%u,src=%s,dst=10.0.0.1:30000,rss=full",
			 T_RSS_FLOWS, srcs[s]);
		if (t_rss_run(name, args, RTE_ETH_RSS_NONFRAG_IPV4_UDP, key, T_4TUPLE, qo[s], ho[s],
			      per_queue) != 0)
			return -1;
		for (i = 0; i < T_RSS_QUEUES; i++)
			MR_TEST_ASSERT(per_queue[i] >= T_RSS_FLOWS / T_RSS_QUEUES / 2,
				       "queue %u: %u of %u flows", i, per_queue[i], T_RSS_FLOWS);
	}
	for (i = 0; i < T_RSS_FLOWS; i++)
		MR_TEST_ASSERT(qo[0][i] == qo[1][i] && ho[0][i] == ho[1][i],
			       "flow %u: queue %d / %d, hash 0x%08x / 0x%08x", i, qo[0][i],
			       qo[1][i], ho[0][i], ho[1][i]);
	return 0;
}
MR_REGISTER_EAL_TEST(rtpgen, rss_dst_key, test_rtpgen_rss_dst_key);

/*
 * Source changes under RSS. With the 4-tuple in the hash every packet
 * still arrives on RETA[Toeplitz of its own headers]: a flow moves with its
 * source, as on a NIC, and the validator sees no gap or reordering. With
 * the destination-only types no flow ever changes queue.
 */
static int
test_rtpgen_rss_src_change(void)
{
	const uint64_t dst_only = RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_L3_DST_ONLY |
		RTE_ETH_RSS_L4_DST_ONLY;
	struct rte_eth_rss_reta_entry64 reta[512 / RTE_ETH_RETA_GROUP_SIZE];
	struct rte_mbuf *bufs[32];
	unsigned int mode, round, i;

	for (mode = 0; mode < 2; mode++) {
		const char *name = mode == 0 ? "net_rtpgen_mv4" : "net_rtpgen_mvdst";
		int16_t first_q[64];
		uint32_t moved = 0, pkts = 0;
		uint16_t q, n;
		int port;

		port = t_port_rss(name, "streams=64,src_change=3", T_RSS_QUEUES,
				  mode == 0 ? RTE_ETH_RSS_NONFRAG_IPV4_UDP : dst_only, NULL, true);
		MR_TEST_ASSERT(port >= 0, "vdev %s", name);
		for (i = 0; i < RTE_DIM(reta); i++)
			reta[i].mask = UINT64_MAX;
		MR_TEST_EQ(rte_eth_dev_rss_reta_query((uint16_t)port, reta, 512), 0);
		for (i = 0; i < RTE_DIM(first_q); i++)
			first_q[i] = -1;
		rte_eth_xstats_reset((uint16_t)port);
		for (round = 0; round < 100; round++) {
			for (q = 0; q < T_RSS_QUEUES; q++) {
				n = rte_eth_rx_burst((uint16_t)port, q, bufs, RTE_DIM(bufs));
				for (i = 0; i < n; i++) {
					struct t_pkt pk;
					uint8_t in[12];
					uint32_t sa, da, want, e;
					size_t len = 0;

					if (t_parse4(bufs[i], 200, &pk) != 0 || pk.flow >= 64) {
						rte_pktmbuf_free_bulk(bufs, n);
						t_close(name, port);
						return -1;
					}
					sa = rte_cpu_to_be_32(pk.src_ip);
					da = rte_cpu_to_be_32(pk.dst_ip);
					if (mode == 0) {
						memcpy(in, &sa, 4);
						len = 4;
					}
					memcpy(in + len, &da, 4);
					len += 4;
					if (mode == 0) {
						in[len++] = (uint8_t)(pk.sport >> 8);
						in[len++] = (uint8_t)pk.sport;
					}
					in[len++] = (uint8_t)(pk.dport >> 8);
					in[len++] = (uint8_t)pk.dport;
					want = t_toeplitz(t_ms_key, in, len);
					e = want % 512;
					MR_TEST_ASSERT(bufs[i]->hash.rss == want &&
						       reta[e / 64].reta[e % 64] == q,
						       "flow %u sport %u: hash 0x%08x (want 0x%08x), queue %u, RETA says %u",
						       pk.flow, pk.sport, bufs[i]->hash.rss, want, q,
						       reta[e / 64].reta[e % 64]);
					if (first_q[pk.flow] == -1)
						first_q[pk.flow] = (int16_t)q;
					moved += first_q[pk.flow] != (int16_t)q;
				}
				pkts += n;
				MR_TEST_EQ(rte_eth_tx_burst((uint16_t)port, 0, bufs, n), n);
			}
		}
		MR_TEST_ASSERT(pkts > 64 * 10, "%u packets", pkts);
		MR_TEST_ASSERT(t_xstat(port, "src_changes_generated") > 64 * 2, "src changes");
		MR_TEST_EQ(t_xstat(port, "tx_valid"), pkts);
		MR_TEST_EQ(t_xstat(port, "tx_lost"), 0);
		MR_TEST_EQ(t_xstat(port, "tx_reordered"), 0);
		if (mode == 0)
			MR_TEST_ASSERT(moved > 0, "4-tuple: no packet changed queue");
		else
			MR_TEST_EQ(moved, 0);
		t_close(name, port);
	}
	return 0;
}
MR_REGISTER_EAL_TEST(rtpgen, rss_src_change, test_rtpgen_rss_src_change);

/* rss=none: a port without RSS (memif, pcap): nothing offered, RSS refused. */
static int
test_rtpgen_rss_none(void)
{
	struct rte_eth_rss_reta_entry64 reta[512 / RTE_ETH_RETA_GROUP_SIZE];
	static int16_t qo[T_RSS_FLOWS];
	static uint32_t ho[T_RSS_FLOWS];
	uint32_t per_queue[T_RSS_QUEUES];
	struct rte_eth_dev_info info;
	int port;

	MR_TEST_ASSERT(t_port_rss("net_rtpgen_none1", "streams=8,rss=none", T_RSS_QUEUES,
				  RTE_ETH_RSS_NONFRAG_IPV4_UDP, NULL, false) < 0,
		       "RSS accepted with rss=none");
	port = t_port_rss("net_rtpgen_none2", "streams=256,rss=none", T_RSS_QUEUES, 0, NULL, true);
	MR_TEST_ASSERT(port >= 0, "vdev net_rtpgen_none2");
	MR_TEST_EQ(rte_eth_dev_info_get((uint16_t)port, &info), 0);
	MR_TEST_EQ(info.flow_type_rss_offloads, 0);
	MR_TEST_EQ(info.reta_size, 0);
	MR_TEST_EQ(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH, 0);
	memset(reta, 0, sizeof(reta));
	reta[0].mask = 1;
	MR_TEST_ASSERT(rte_eth_dev_rss_reta_query((uint16_t)port, reta, 512) != 0, "RETA query");
	if (t_rss_collect(port, T_RSS_QUEUES, qo, ho, per_queue, NULL, T_NO_HASH) != 0) {
		t_close("net_rtpgen_none2", port);
		return -1;
	}
	MR_TEST_EQ(per_queue[0], T_RSS_FLOWS);
	t_close("net_rtpgen_none2", port);
	MR_TEST_ASSERT(t_port_rss("net_rtpgen_bad", "streams=8,rss=some", 1, 0, NULL, false) < 0,
		       "rss=some accepted");
	return 0;
}
MR_REGISTER_EAL_TEST(rtpgen, rss_none, test_rtpgen_rss_none);
