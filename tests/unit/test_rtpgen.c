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
