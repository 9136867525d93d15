/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * lib/neigh: frames built byte by byte here, handled, and the replies
 * checked field by field, their checksums with DPDK's own rte_ipv4_cksum
 * and rte_raw_cksum/rte_ipv6_phdr_cksum (not lib/neigh's code); every
 * truncation of every request into an exactly sized heap buffer (ASan
 * sees any overread); next-hop resolution through its timers; the token
 * bucket; and random corruption, where every frame must be counted once.
 */

#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "mr_neigh.h"
#include "mr_test.h"

#define OUR_MAC {0x02, 0, 0, 0, 0xaa, 0x01}
#define PEER_MAC {0x02, 0, 0, 0, 0xbb, 0x02}
#define OTHER_MAC {0x02, 0, 0, 0, 0xcc, 0x03}

static const uint8_t our_mac[6] = OUR_MAC;
static const uint8_t peer_mac[6] = PEER_MAC;
static const uint8_t other_mac[6] = OTHER_MAC;
static const uint8_t our_v4[4] = {10, 99, 0, 1};
static const uint8_t peer_v4[4] = {10, 99, 0, 2};
static const uint8_t other_v4[4] = {10, 99, 0, 3};
static const uint8_t our_v6[16] = {0xfd, 0, 0, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t peer_v6[16] = {0xfd, 0, 0, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 2};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint64_t
total_outcomes(const struct mr_neigh *n)
{
	uint64_t t = 0;
	int c;

	for (c = 0; c <= MR_NEIGH_RATE_LIMITED; c++)
		t += mr_neigh_counter(n, c);
	return t;
}

static struct mr_neigh *
neigh_new(bool v4, bool v6, int nexthop_family, uint16_t vlan, struct rte_mempool *pool)
{
	struct mr_neigh_params p = {
		.port_id = 0, .mac = {.addr_bytes = OUR_MAC}, .vlan = vlan,
		.has_ipv4 = v4, .has_ipv6 = v6, .pool = pool,
	};

	memcpy(p.ipv4, our_v4, 4);
	memcpy(p.ipv6, our_v6, 16);
	if (nexthop_family == 4) {
		p.has_nexthop = true;
		mr_endpoint_set_v4(&p.nexthop, *(const uint32_t *)(const void *)peer_v4, 0);
	} else if (nexthop_family == 6) {
		p.has_nexthop = true;
		mr_endpoint_set_v6(&p.nexthop, peer_v6, 0);
	}
	return mr_neigh_create(&p);
}

/* Ethernet header; returns the L3 offset. */
static uint32_t
put_eth(uint8_t *b, const uint8_t *dst, const uint8_t *src, uint16_t vlan, uint16_t etype)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	if (vlan == 0) {
		wr16(b + 12, etype);
		return 14;
	}
	wr16(b + 12, RTE_ETHER_TYPE_VLAN);
	wr16(b + 14, vlan);
	wr16(b + 16, etype);
	return 18;
}

static uint32_t
put_arp(uint8_t *b, uint16_t op, const uint8_t *sha, const uint8_t *spa, const uint8_t *tpa,
	uint16_t vlan)
{
	uint32_t off = put_eth(b, bcast, sha, vlan, RTE_ETHER_TYPE_ARP);
	uint8_t *a = b + off;

	wr16(a, 1);
	wr16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, op);
	memcpy(a + 8, sha, 6);
	memcpy(a + 14, spa, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, tpa, 4);
	return off + 28;
}

/* ICMP echo request from peer to @p dst; returns the frame length. */
static uint32_t
put_ping4(uint8_t *b, const uint8_t *dst, uint32_t data_len)
{
	uint32_t off = put_eth(b, our_mac, peer_mac, 0, RTE_ETHER_TYPE_IPV4), i;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(b + off);
	uint8_t *icmp = b + off + 20;

	memset(ip, 0, 20);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(20 + 8 + data_len);
	ip->time_to_live = 61;
	ip->next_proto_id = IPPROTO_ICMP;
	memcpy(&ip->src_addr, peer_v4, 4);
	memcpy(&ip->dst_addr, dst, 4);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp[0] = 8;
	icmp[1] = 0;
	icmp[2] = icmp[3] = 0;
	wr16(icmp + 4, 0x1234);
	wr16(icmp + 6, 7);
	for (i = 0; i < data_len; i++)
		icmp[8 + i] = (uint8_t)i;
	wr16(icmp + 2, (uint16_t)~rte_be_to_cpu_16(rte_raw_cksum(icmp, 8 + data_len)));
	return off + 28 + data_len;
}

/* The ICMPv6 checksum as DPDK computes it: 0 when the message is intact. */
static uint16_t
dpdk_icmp6_check(const uint8_t *ip6)
{
	const struct rte_ipv6_hdr *h = (const struct rte_ipv6_hdr *)ip6;
	uint32_t len = rte_be_to_cpu_16(h->payload_len);
	uint32_t sum = rte_ipv6_phdr_cksum(h, 0) + rte_raw_cksum(ip6 + 40, len);

	sum = (sum >> 16) + (sum & 0xffff);
	sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t)~sum;
}

static void
icmp6_fill_sum(uint8_t *ip6)
{
	uint8_t *icmp = ip6 + 40;
	uint16_t c;

	icmp[2] = icmp[3] = 0;
	c = dpdk_icmp6_check(ip6);
	memcpy(icmp + 2, &c, 2);
}

/* IPv6 + ICMPv6 header; returns the ICMPv6 offset. */
static uint32_t
put_ip6(uint8_t *b, uint32_t off, const uint8_t *src, const uint8_t *dst, uint16_t plen,
	uint8_t hops)
{
	uint8_t *ip = b + off;

	memset(ip, 0, 40);
	ip[0] = 0x60;
	wr16(ip + 4, plen);
	ip[6] = IPPROTO_ICMPV6;
	ip[7] = hops;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	return off + 40;
}

static void
snm_of(const uint8_t *ip, uint8_t *out)
{
	static const uint8_t pre[13] = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};

	memcpy(out, pre, 13);
	memcpy(out + 13, ip + 13, 3);
}

/* A neighbour solicitation for @p target, with a source link-layer option when @p slla. */
static uint32_t
put_ns(uint8_t *b, const uint8_t *src, const uint8_t *target, bool slla, uint8_t hops)
{
	uint8_t dst[16], dmac[6] = {0x33, 0x33, 0xff};
	uint32_t off, i;
	uint16_t plen = 24 + (slla ? 8 : 0);

	snm_of(target, dst);
	memcpy(dmac + 3, target + 13, 3);
	off = put_eth(b, dmac, peer_mac, 0, RTE_ETHER_TYPE_IPV6);
	i = put_ip6(b, off, src, dst, plen, hops);
	memset(b + i, 0, plen);
	b[i] = 135;
	memcpy(b + i + 8, target, 16);
	if (slla) {
		b[i + 24] = 1;
		b[i + 25] = 1;
		memcpy(b + i + 26, peer_mac, 6);
	}
	icmp6_fill_sum(b + off);
	return i + plen;
}

/* A solicited neighbour advertisement for @p target with a target link-layer option. */
static uint32_t
put_na(uint8_t *b, const uint8_t *target, const uint8_t *tlla, uint8_t flags)
{
	uint32_t off = put_eth(b, our_mac, tlla, 0, RTE_ETHER_TYPE_IPV6), i;

	i = put_ip6(b, off, target, our_v6, 32, 255);
	memset(b + i, 0, 32);
	b[i] = 136;
	b[i + 4] = flags;
	memcpy(b + i + 8, target, 16);
	b[i + 24] = 2;
	b[i + 25] = 1;
	memcpy(b + i + 26, tlla, 6);
	icmp6_fill_sum(b + off);
	return i + 32;
}

static uint32_t
put_ping6(uint8_t *b, const uint8_t *dst, uint32_t data_len)
{
	uint32_t off = put_eth(b, our_mac, peer_mac, 0, RTE_ETHER_TYPE_IPV6), i, k;

	i = put_ip6(b, off, peer_v6, dst, (uint16_t)(8 + data_len), 64);
	memset(b + i, 0, 8);
	b[i] = 128;
	wr16(b + i + 4, 0x4242);
	wr16(b + i + 6, 9);
	for (k = 0; k < data_len; k++)
		b[i + 8 + k] = (uint8_t)(k * 3);
	icmp6_fill_sum(b + off);
	return i + 8 + data_len;
}

/* Handle a copy of the frame in an exactly sized buffer (room = len + extra). */
static bool
handle_exact(struct mr_neigh *n, const uint8_t *frame, uint32_t len, uint32_t extra,
	     uint64_t now, uint8_t *out, uint32_t *out_len)
{
	uint8_t *b = malloc(len + extra + 1);
	bool r;

	memcpy(b, frame, len);
	r = mr_neigh_handle(n, b, len, len + extra, now, out_len);
	if (r && out != NULL)
		memcpy(out, b, *out_len);
	free(b);
	return r;
}

static int
test_neigh_arp_reply(void)
{
	struct mr_neigh *n = neigh_new(true, false, 0, 0, NULL);
	uint8_t f[64], r[64];
	uint32_t len, rlen = 0, i;

	MR_TEST_ASSERT(n != NULL, "create");
	len = put_arp(f, 1, peer_mac, peer_v4, our_v4, 0);
	MR_TEST_ASSERT(handle_exact(n, f, len, 0, 1, r, &rlen), "request for us answered");
	MR_TEST_EQ(rlen, len);
	MR_TEST_ASSERT(memcmp(r, peer_mac, 6) == 0 && memcmp(r + 6, our_mac, 6) == 0, "eth");
	MR_TEST_EQ(rd16(r + 12), 0x0806);
	MR_TEST_EQ(rd16(r + 14 + 6), 2);
	MR_TEST_ASSERT(memcmp(r + 14 + 8, our_mac, 6) == 0, "sha");
	MR_TEST_ASSERT(memcmp(r + 14 + 14, our_v4, 4) == 0, "spa");
	MR_TEST_ASSERT(memcmp(r + 14 + 18, peer_mac, 6) == 0, "tha");
	MR_TEST_ASSERT(memcmp(r + 14 + 24, peer_v4, 4) == 0, "tpa");
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ARP_REPLIED), 1);

	/* for another address: not ours; a reply to us from a stranger: not ours */
	len = put_arp(f, 1, peer_mac, peer_v4, other_v4, 0);
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, NULL, &rlen), "not ours");
	len = put_arp(f, 2, other_mac, other_v4, our_v4, 0);
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, NULL, &rlen), "reply from a stranger");
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ARP_NOT_OURS), 2);

	/* every truncation is malformed, never a reply */
	len = put_arp(f, 1, peer_mac, peer_v4, our_v4, 0);
	for (i = 14; i < len; i++)
		MR_TEST_ASSERT(!handle_exact(n, f, i, 0, 1, NULL, &rlen), "truncated at %u", i);
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ARP_MALFORMED), len - 14);
	for (i = 0; i < 14; i++)
		MR_TEST_ASSERT(!handle_exact(n, f, i, 0, 1, NULL, &rlen), "runt %u", i);
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_NOT_NEIGH), 14);

	/* bad fields: htype, ptype, hlen, op, multicast sender */
	for (i = 0; i < 5; i++) {
		len = put_arp(f, 1, peer_mac, peer_v4, our_v4, 0);
		switch (i) {
		case 0: f[15] = 6; break;
		case 1: f[16] = 0x86; break;
		case 2: f[18] = 8; break;
		case 3: f[21] = 3; break;
		default: f[22] |= 1; break;
		}
		MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, NULL, &rlen), "bad field %u", i);
	}
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ARP_MALFORMED), len - 14 + 5);
	MR_TEST_EQ(total_outcomes(n), 1 + 2 + (len - 14) + 14 + 5);
	mr_neigh_free(n);
	return 0;
}
MR_REGISTER_TEST(neigh, arp_reply, test_neigh_arp_reply);

static int
test_neigh_arp_conflict(void)
{
	struct mr_neigh *n = neigh_new(true, false, 0, 0, NULL);
	uint8_t f[64];
	uint32_t len, rlen;

	/* gratuitous ARP for our address from another MAC */
	len = put_arp(f, 1, other_mac, our_v4, our_v4, 0);
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 5, NULL, &rlen), "no reply to a conflict");
	len = put_arp(f, 2, other_mac, our_v4, our_v4, 0);
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 6, NULL, &rlen), "no reply to a conflict");
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ARP_CONFLICT), 2);
	/* our own announcement looped back is no conflict */
	len = put_arp(f, 1, our_mac, our_v4, our_v4, 0);
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 7, NULL, &rlen), "own");
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ARP_CONFLICT), 2);
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ARP_NOT_OURS), 1);
	mr_neigh_free(n);
	return 0;
}
MR_REGISTER_TEST(neigh, arp_conflict, test_neigh_arp_conflict);

static int
test_neigh_rate_limit(void)
{
	struct mr_neigh_params p = {
		.mac = {.addr_bytes = OUR_MAC}, .has_ipv4 = true, .rate_pps = 10, .burst = 5,
	};
	struct mr_neigh *n;
	uint8_t f[64];
	uint32_t len, rlen, i, ok = 0;

	memcpy(p.ipv4, our_v4, 4);
	n = mr_neigh_create(&p);
	MR_TEST_ASSERT(n != NULL, "create");
	len = put_arp(f, 1, peer_mac, peer_v4, our_v4, 0);
	/* a storm at t = 1000 ms: the bucket's 5, then nothing */
	for (i = 0; i < 50; i++)
		ok += handle_exact(n, f, len, 0, 1000, NULL, &rlen);
	MR_TEST_EQ(ok, 5);
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_RATE_LIMITED), 45);
	/* 10 a second: 300 ms later, 3 more */
	ok = 0;
	for (i = 0; i < 50; i++)
		ok += handle_exact(n, f, len, 0, 1300, NULL, &rlen);
	MR_TEST_EQ(ok, 3);
	/* after a long quiet time the bucket is full again, no more */
	ok = 0;
	for (i = 0; i < 50; i++)
		ok += handle_exact(n, f, len, 0, UINT64_MAX / 2, NULL, &rlen);
	MR_TEST_EQ(ok, 5);
	MR_TEST_EQ(total_outcomes(n), 150);
	mr_neigh_free(n);
	return 0;
}
MR_REGISTER_TEST(neigh, rate_limit, test_neigh_rate_limit);

static int
test_neigh_icmp_echo(void)
{
	struct mr_neigh *n = neigh_new(true, false, 0, 0, NULL);
	uint8_t f[256], r[256];
	uint32_t len, rlen = 0, i;
	struct rte_ipv4_hdr *ip;

	len = put_ping4(f, our_v4, 56);
	/* Ethernet padding after the datagram is not echoed */
	memset(f + len, 0xee, 10);
	MR_TEST_ASSERT(handle_exact(n, f, len + 10, 0, 1, r, &rlen), "echo answered");
	MR_TEST_EQ(rlen, len);
	MR_TEST_ASSERT(memcmp(r, peer_mac, 6) == 0 && memcmp(r + 6, our_mac, 6) == 0, "eth");
	ip = (struct rte_ipv4_hdr *)(r + 14);
	MR_TEST_ASSERT(memcmp(&ip->src_addr, our_v4, 4) == 0, "src");
	MR_TEST_ASSERT(memcmp(&ip->dst_addr, peer_v4, 4) == 0, "dst");
	MR_TEST_EQ(rte_raw_cksum(ip, 20), 0xffff);           /* header checksum valid */
	MR_TEST_EQ(r[34], 0);                                  /* echo reply */
	MR_TEST_EQ(rte_raw_cksum(r + 34, 8 + 56), 0xffff);    /* ICMP checksum valid */
	MR_TEST_ASSERT(memcmp(r + 38, f + 38, 4 + 56) == 0, "id, seq and data echoed");

	/* to another address; not an echo request; fragments */
	len = put_ping4(f, other_v4, 8);
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, NULL, &rlen), "not ours");
	len = put_ping4(f, our_v4, 8);
	f[34] = 13;
	f[36] = f[37] = 0;
	wr16(f + 36, (uint16_t)~rte_be_to_cpu_16(rte_raw_cksum(f + 34, 16)));
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, NULL, &rlen), "timestamp request");
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ICMP_NOT_OURS), 2);

	/* malformed: ICMP checksum, IP checksum, short ICMP, bad IHL, every truncation */
	len = put_ping4(f, our_v4, 8);
	f[40] ^= 1;
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, NULL, &rlen), "icmp checksum");
	len = put_ping4(f, our_v4, 8);
	f[22] = 1;
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, NULL, &rlen), "ip checksum");
	len = put_ping4(f, our_v4, 8);
	f[14] = 0x44;
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, NULL, &rlen), "ihl");
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ICMP_MALFORMED), 3);
	len = put_ping4(f, our_v4, 8);
	for (i = 14; i < len; i++)
		MR_TEST_ASSERT(!handle_exact(n, f, i, 0, 1, NULL, &rlen), "truncated at %u", i);
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ICMP_MALFORMED), 3 + len - 14);
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ICMP_REPLIED), 1);
	mr_neigh_free(n);
	return 0;
}
MR_REGISTER_TEST(neigh, icmp_echo, test_neigh_icmp_echo);

static int
test_neigh_nd_reply(void)
{
	struct mr_neigh *n = neigh_new(false, true, 0, 0, NULL);
	uint8_t f[256], r[256], snm[16];
	uint32_t len, rlen = 0, i;

	MR_TEST_ASSERT(n != NULL, "create");
	/* to our solicited-node group, with SLLA; the NA needs 8 bytes more */
	len = put_ns(f, peer_v6, our_v6, true, 255);
	MR_TEST_ASSERT(handle_exact(n, f, len, 0, 1, r, &rlen), "NS answered");
	MR_TEST_EQ(rlen, 14 + 40 + 32);
	MR_TEST_ASSERT(memcmp(r, peer_mac, 6) == 0 && memcmp(r + 6, our_mac, 6) == 0, "eth");
	MR_TEST_ASSERT(memcmp(r + 22, our_v6, 16) == 0 && memcmp(r + 38, peer_v6, 16) == 0,
		       "addresses");
	MR_TEST_EQ(r[21], 255);
	MR_TEST_EQ(rd16(r + 18), 32);
	MR_TEST_EQ(r[54], 136);
	MR_TEST_EQ(r[58], 0x60);                                  /* solicited, override */
	MR_TEST_ASSERT(memcmp(r + 62, our_v6, 16) == 0, "target");
	MR_TEST_ASSERT(r[78] == 2 && r[79] == 1 && memcmp(r + 80, our_mac, 6) == 0, "TLLA");
	MR_TEST_EQ(dpdk_icmp6_check(r + 14), 0);

	/* without SLLA (unicast NS): the answer goes to the Ethernet source */
	len = put_ns(f, peer_v6, our_v6, false, 255);
	MR_TEST_ASSERT(handle_exact(n, f, len, 8, 1, r, &rlen), "NS without SLLA answered");
	MR_TEST_ASSERT(memcmp(r, peer_mac, 6) == 0, "eth dst");
	MR_TEST_EQ(dpdk_icmp6_check(r + 14), 0);
	/* ... and with no room for the advertisement, none */
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, r, &rlen), "no room");
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_NO_MBUF), 1);

	/* for another target; hop limit not 255; bad checksum; DAD of our address */
	len = put_ns(f, peer_v6, peer_v6, true, 255);
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, NULL, &rlen), "other target");
	len = put_ns(f, peer_v6, our_v6, true, 254);
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, NULL, &rlen), "hop limit");
	len = put_ns(f, peer_v6, our_v6, true, 255);
	f[len - 1] ^= 0x10;
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, NULL, &rlen), "checksum");
	memset(snm, 0, 16);
	len = put_ns(f, snm, our_v6, false, 255);
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, NULL, &rlen), "DAD");
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ND_CONFLICT), 1);
	/* an option of length 0 */
	len = put_ns(f, peer_v6, our_v6, true, 255);
	f[14 + 40 + 25] = 0;
	icmp6_fill_sum(f + 14);
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, NULL, &rlen), "option length 0");
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ND_MALFORMED), 3);

	/* an advertisement of our address by someone else */
	len = put_na(f, our_v6, other_mac, 0x20);
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, NULL, &rlen), "NA conflict");
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ND_CONFLICT), 2);

	/* every truncation */
	len = put_ns(f, peer_v6, our_v6, true, 255);
	for (i = 14; i < len; i++)
		MR_TEST_ASSERT(!handle_exact(n, f, i, 64, 1, NULL, &rlen), "truncated at %u", i);
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ND_REPLIED), 2);
	mr_neigh_free(n);
	return 0;
}
MR_REGISTER_TEST(neigh, nd_reply, test_neigh_nd_reply);

static int
test_neigh_icmp6_echo(void)
{
	struct mr_neigh *n = neigh_new(true, true, 0, 0, NULL);
	uint8_t f[256], r[256];
	uint32_t len, rlen = 0;

	len = put_ping6(f, our_v6, 40);
	MR_TEST_ASSERT(handle_exact(n, f, len, 0, 1, r, &rlen), "echo6 answered");
	MR_TEST_EQ(rlen, len);
	MR_TEST_ASSERT(memcmp(r + 22, our_v6, 16) == 0 && memcmp(r + 38, peer_v6, 16) == 0,
		       "addresses");
	MR_TEST_EQ(r[54], 129);
	MR_TEST_EQ(dpdk_icmp6_check(r + 14), 0);
	MR_TEST_ASSERT(memcmp(r + 58, f + 58, 4 + 40) == 0, "id, seq, data");
	len = put_ping6(f, peer_v6, 40);
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, NULL, &rlen), "not ours");
	len = put_ping6(f, our_v6, 40);
	f[70] ^= 0xff;
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, NULL, &rlen), "checksum");
	len = put_ping6(f, our_v6, 40);
	wr16(f + 18, 200);
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, NULL, &rlen), "payload length");
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ICMP6_NOT_OURS), 1);
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ICMP6_MALFORMED), 2);
	mr_neigh_free(n);
	return 0;
}
MR_REGISTER_TEST(neigh, icmp6_echo, test_neigh_icmp6_echo);

static int
test_neigh_vlan(void)
{
	struct mr_neigh *n = neigh_new(true, false, 0, 100, NULL);
	uint8_t f[64], r[64];
	uint32_t len, rlen = 0;

	len = put_arp(f, 1, peer_mac, peer_v4, our_v4, 100);
	MR_TEST_ASSERT(handle_exact(n, f, len, 0, 1, r, &rlen), "tagged request answered");
	MR_TEST_EQ(rd16(r + 12), RTE_ETHER_TYPE_VLAN);
	MR_TEST_EQ(rd16(r + 14) & 0xfff, 100);
	MR_TEST_EQ(rd16(r + 18 + 6), 2);
	len = put_arp(f, 1, peer_mac, peer_v4, our_v4, 0);
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, NULL, &rlen), "untagged");
	len = put_arp(f, 1, peer_mac, peer_v4, our_v4, 101);
	MR_TEST_ASSERT(!handle_exact(n, f, len, 0, 1, NULL, &rlen), "other VLAN");
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_NOT_NEIGH), 2);
	mr_neigh_free(n);
	return 0;
}
MR_REGISTER_TEST(neigh, vlan, test_neigh_vlan);

static int
test_neigh_create_bad(void)
{
	struct mr_neigh_params p = {.mac = {.addr_bytes = OUR_MAC}};

	MR_TEST_ASSERT(mr_neigh_create(&p) == NULL, "no address");
	p.has_ipv4 = true;
	memcpy(p.ipv4, our_v4, 4);
	p.has_nexthop = true;
	mr_endpoint_set_v6(&p.nexthop, peer_v6, 0);
	MR_TEST_ASSERT(mr_neigh_create(&p) == NULL, "v6 next hop without a v6 address");
	mr_endpoint_set_v4(&p.nexthop, *(const uint32_t *)(const void *)our_v4, 0);
	MR_TEST_ASSERT(mr_neigh_create(&p) == NULL, "next hop is us");
	mr_endpoint_set_v4(&p.nexthop, *(const uint32_t *)(const void *)peer_v4, 0);
	p.reachable_ms = 3000;
	p.retrans_ms = 1000;
	p.probes = 3;
	MR_TEST_ASSERT(mr_neigh_create(&p) == NULL, "no time left before the probes");
	p.reachable_ms = 3001;
	mr_neigh_free(mr_neigh_create(&p));
	p.mac.addr_bytes[0] = 1;
	MR_TEST_ASSERT(mr_neigh_create(&p) == NULL, "multicast MAC");
	return 0;
}
MR_REGISTER_TEST(neigh, create_bad, test_neigh_create_bad);

/* Take one request from tick(): its bytes into @p f. */
static int
tick_one(struct mr_neigh *n, uint64_t now, uint8_t *f, uint32_t *len)
{
	struct rte_mbuf *m[2];
	unsigned int k = mr_neigh_tick(n, now, m, 2);

	if (k == 0)
		return 0;
	*len = rte_pktmbuf_data_len(m[0]);
	memcpy(f, rte_pktmbuf_mtod(m[0], void *), *len);
	rte_pktmbuf_free(m[0]);
	return (int)k;
}

static int
test_neigh_resolve_v4(void)
{
	struct rte_mempool *pool = rte_pktmbuf_pool_create("neigh_t4", 63, 0, 0,
							   RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	struct mr_neigh *n = neigh_new(true, false, 4, 0, pool);
	struct rte_ether_addr mac;
	uint8_t f[128], g[64];
	uint32_t len = 0, rlen, gen0, gen1, gen2;

	MR_TEST_ASSERT(pool != NULL && n != NULL, "setup");
	gen0 = mr_neigh_nexthop(n, &mac);
	MR_TEST_ASSERT(rte_is_zero_ether_addr(&mac) && !mr_neigh_nexthop_resolved(n), "unresolved");
	/* broadcast request at once, then one a second */
	MR_TEST_EQ(tick_one(n, 1000, f, &len), 1);
	MR_TEST_EQ(len, 60);
	MR_TEST_ASSERT(memcmp(f, bcast, 6) == 0 && memcmp(f + 6, our_mac, 6) == 0, "eth");
	MR_TEST_EQ(rd16(f + 12), 0x0806);
	MR_TEST_EQ(rd16(f + 20), 1);
	MR_TEST_ASSERT(memcmp(f + 22, our_mac, 6) == 0 && memcmp(f + 28, our_v4, 4) == 0, "sender");
	MR_TEST_ASSERT(memcmp(f + 38, peer_v4, 4) == 0, "target");
	MR_TEST_EQ(tick_one(n, 1500, f, &len), 0);
	MR_TEST_EQ(tick_one(n, 2000, f, &len), 1);
	/* the answer (a reply to us from the next hop) resolves it */
	len = put_arp(g, 2, peer_mac, peer_v4, our_v4, 0);
	MR_TEST_ASSERT(!handle_exact(n, g, len, 0, 2100, NULL, &rlen), "reply consumed");
	gen1 = mr_neigh_nexthop(n, &mac);
	MR_TEST_ASSERT(gen1 != gen0 && memcmp(mac.addr_bytes, peer_mac, 6) == 0, "resolved");
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_NEXTHOP_RESOLVED), 1);
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ARP_LEARNED), 1);
	/* quiet until 30 - 3 s after the reply, then unicast refreshes */
	MR_TEST_EQ(tick_one(n, 2100 + 26999, f, &len), 0);
	MR_TEST_EQ(tick_one(n, 2100 + 27000, f, &len), 1);
	MR_TEST_ASSERT(memcmp(f, peer_mac, 6) == 0, "unicast refresh");
	MR_TEST_EQ(tick_one(n, 2100 + 27500, f, &len), 0);
	MR_TEST_EQ(tick_one(n, 2100 + 28000, f, &len), 1);
	/* a request from the next hop to us also confirms it, and is answered */
	len = put_arp(g, 1, peer_mac, peer_v4, our_v4, 0);
	MR_TEST_ASSERT(handle_exact(n, g, len, 0, 2100 + 28500, NULL, &rlen), "answered");
	MR_TEST_EQ(tick_one(n, 2100 + 30000, f, &len), 0);
	MR_TEST_EQ(mr_neigh_nexthop(n, &mac), gen1);
	/* no answer to the refreshes: expired at 30 s, broadcast again */
	MR_TEST_EQ(tick_one(n, 2100 + 28500 + 27000, f, &len), 1);
	MR_TEST_EQ(tick_one(n, 2100 + 28500 + 28000, f, &len), 1);
	MR_TEST_EQ(tick_one(n, 2100 + 28500 + 29000, f, &len), 1);
	MR_TEST_EQ(tick_one(n, 2100 + 28500 + 29999, f, &len), 0);
	MR_TEST_EQ(tick_one(n, 2100 + 28500 + 30000, f, &len), 1);
	MR_TEST_ASSERT(memcmp(f, bcast, 6) == 0, "broadcast after expiry");
	gen2 = mr_neigh_nexthop(n, &mac);
	MR_TEST_ASSERT(gen2 != gen1 && rte_is_zero_ether_addr(&mac), "expired");
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_NEXTHOP_EXPIRED), 1);
	/* a gratuitous ARP from the next hop at a new MAC moves it */
	len = put_arp(g, 1, peer_mac, peer_v4, peer_v4, 0);
	MR_TEST_ASSERT(!handle_exact(n, g, len, 0, 70000, NULL, &rlen), "garp consumed");
	len = put_arp(g, 1, other_mac, peer_v4, peer_v4, 0);
	MR_TEST_ASSERT(!handle_exact(n, g, len, 0, 70001, NULL, &rlen), "garp consumed");
	mr_neigh_nexthop(n, &mac);
	MR_TEST_ASSERT(memcmp(mac.addr_bytes, other_mac, 6) == 0, "moved");
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_NEXTHOP_CHANGED), 1);
	MR_TEST_EQ(rte_mempool_in_use_count(pool), 0);
	mr_neigh_free(n);
	rte_mempool_free(pool);
	return 0;
}
MR_REGISTER_EAL_TEST(neigh, resolve_v4, test_neigh_resolve_v4);

static int
test_neigh_resolve_v6(void)
{
	struct rte_mempool *pool = rte_pktmbuf_pool_create("neigh_t6", 63, 0, 0,
							   RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	struct mr_neigh *n = neigh_new(false, true, 6, 0, pool);
	struct rte_ether_addr mac;
	uint8_t f[128], g[128], snm[16];
	uint32_t len = 0, rlen;

	MR_TEST_ASSERT(pool != NULL && n != NULL, "setup");
	MR_TEST_EQ(tick_one(n, 5, f, &len), 1);
	MR_TEST_EQ(len, 14 + 40 + 32);
	snm_of(peer_v6, snm);
	MR_TEST_ASSERT(f[0] == 0x33 && f[1] == 0x33 && memcmp(f + 2, snm + 12, 4) == 0,
		       "to the solicited-node group's MAC");
	MR_TEST_ASSERT(memcmp(f + 22, our_v6, 16) == 0 && memcmp(f + 38, snm, 16) == 0, "ip");
	MR_TEST_EQ(f[21], 255);
	MR_TEST_EQ(f[54], 135);
	MR_TEST_ASSERT(memcmp(f + 62, peer_v6, 16) == 0, "target");
	MR_TEST_ASSERT(f[78] == 1 && memcmp(f + 80, our_mac, 6) == 0, "SLLA");
	MR_TEST_EQ(dpdk_icmp6_check(f + 14), 0);
	/* an NA from the next hop resolves it */
	len = put_na(g, peer_v6, peer_mac, 0x60);
	MR_TEST_ASSERT(!handle_exact(n, g, len, 0, 100, NULL, &rlen), "NA consumed");
	MR_TEST_ASSERT(mr_neigh_nexthop_resolved(n), "resolved");
	mr_neigh_nexthop(n, &mac);
	MR_TEST_ASSERT(memcmp(mac.addr_bytes, peer_mac, 6) == 0, "mac");
	/* without the override flag a different MAC does not move it */
	len = put_na(g, peer_v6, other_mac, 0x40);
	MR_TEST_ASSERT(!handle_exact(n, g, len, 0, 200, NULL, &rlen), "NA consumed");
	mr_neigh_nexthop(n, &mac);
	MR_TEST_ASSERT(memcmp(mac.addr_bytes, peer_mac, 6) == 0, "kept");
	/* refresh: a unicast NS to the next hop's address */
	MR_TEST_EQ(tick_one(n, 100 + 27000, f, &len), 1);
	MR_TEST_ASSERT(memcmp(f, peer_mac, 6) == 0 && memcmp(f + 38, peer_v6, 16) == 0,
		       "unicast solicitation");
	MR_TEST_EQ(dpdk_icmp6_check(f + 14), 0);
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ND_LEARNED), 1);
	MR_TEST_EQ(mr_neigh_counter(n, MR_NEIGH_ND_NOT_OURS), 1);
	MR_TEST_EQ(rte_mempool_in_use_count(pool), 0);
	mr_neigh_free(n);
	rte_mempool_free(pool);
	return 0;
}
MR_REGISTER_EAL_TEST(neigh, resolve_v6, test_neigh_resolve_v6);

/* mbufs in and out: replies in place, everything else freed. */
static int
test_neigh_mbuf(void)
{
	struct rte_mempool *pool = rte_pktmbuf_pool_create("neigh_tm", 63, 0, 0,
							   RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	struct mr_neigh *n = neigh_new(true, true, 0, 0, pool);
	struct rte_mbuf *m, *r;
	uint8_t f[128];
	uint32_t len;

	MR_TEST_ASSERT(pool != NULL && n != NULL, "setup");
	len = put_ns(f, peer_v6, our_v6, true, 255);
	m = rte_pktmbuf_alloc(pool);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	r = mr_neigh_input(n, m, 1);
	MR_TEST_ASSERT(r == m, "reply in the same mbuf");
	MR_TEST_EQ(rte_pktmbuf_pkt_len(r), 14 + 40 + 32);
	MR_TEST_EQ(r->ol_flags, 0);
	rte_pktmbuf_free(r);
	len = put_ping4(f, other_v4, 8);
	m = rte_pktmbuf_alloc(pool);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	MR_TEST_ASSERT(mr_neigh_input(n, m, 1) == NULL, "not ours: freed");
	MR_TEST_EQ(rte_mempool_in_use_count(pool), 0);
	mr_neigh_free(n);
	rte_mempool_free(pool);
	return 0;
}
MR_REGISTER_EAL_TEST(neigh, mbuf, test_neigh_mbuf);

/* Random corruption of valid requests: never a fault, every frame counted once. */
static int
test_neigh_corrupt(void)
{
	struct mr_neigh *n = neigh_new(true, true, 4, 0, NULL);
	uint8_t base[6][256], f[256];
	uint32_t blen[6], i, rlen;
	uint64_t iters = 200000;

	blen[0] = put_arp(base[0], 1, peer_mac, peer_v4, our_v4, 0);
	blen[1] = put_ping4(base[1], our_v4, 24);
	blen[2] = put_ns(base[2], peer_v6, our_v6, true, 255);
	blen[3] = put_na(base[3], peer_v6, peer_mac, 0x60);
	blen[4] = put_ping6(base[4], our_v6, 24);
	blen[5] = put_arp(base[5], 2, peer_mac, peer_v4, our_v4, 0);
	srand(13);
	for (i = 0; i < iters; i++) {
		uint32_t k = (uint32_t)rand() % 6, len = blen[k], flips = 1 + rand() % 4, j;

		memcpy(f, base[k], len);
		for (j = 0; j < flips; j++)
			f[rand() % len] ^= (uint8_t)(1 + rand() % 255);
		if (rand() % 4 == 0)
			len = (uint32_t)rand() % (len + 1);
		handle_exact(n, f, len, (uint32_t)rand() % 40, i, NULL, &rlen);
	}
	MR_TEST_EQ(total_outcomes(n), iters);
	mr_neigh_free(n);
	return 0;
}
MR_REGISTER_TEST(neigh, corrupt, test_neigh_corrupt);
