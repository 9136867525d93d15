/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * lib/pkt: frames are built byte by byte here (checksums with DPDK's own
 * rte_ipv4_cksum), parsed, truncated at every length into exactly sized
 * heap buffers (so ASan sees any overread), and templates are checked
 * against DPDK's checksum verifiers.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_udp.h>

#include "mr_pkt.h"
#include "mr_stream.h"
#include "mr_test.h"

#define SPORT 4000
#define DPORT 5004
#define VLAN_TCI 0x2064 /* PCP 1, VID 100 */

static const uint8_t mac_dst[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t mac_src[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t v4_src[4] = {192, 0, 2, 1};
static const uint8_t v4_dst[4] = {198, 51, 100, 7};
static const uint8_t v6_src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
				   0, 0, 0, 0, 0, 0, 0, 0x01};
static const uint8_t v6_dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0x02,
				   0, 0, 0, 0, 0, 0, 0xab, 0xcd};

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Ethernet header, optionally tagged; returns the L3 offset. */
static uint32_t
put_eth(uint8_t *b, uint16_t tpid, uint16_t etype)
{
	memcpy(b, mac_dst, 6);
	memcpy(b + 6, mac_src, 6);
	if (tpid == 0) {
		wr16(b + 12, etype);
		return 14;
	}
	wr16(b + 12, tpid);
	wr16(b + 14, VLAN_TCI);
	wr16(b + 16, etype);
	return 18;
}

static void
put_udp(uint8_t *u, uint16_t plen)
{
	uint16_t i;

	wr16(u, SPORT);
	wr16(u + 2, DPORT);
	wr16(u + 4, 8 + plen);
	wr16(u + 6, 0);
	for (i = 0; i < plen; i++)
		u[8 + i] = (uint8_t)(i * 7 + 3);
}

static void
v4_fix_cksum(uint8_t *ip)
{
	struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;

	h->hdr_checksum = 0;
	h->hdr_checksum = rte_ipv4_cksum(h);
}

/* IPv4 frame with @p ihl words of header (options are NOPs). */
static uint32_t
build_v4(uint8_t *b, uint16_t tpid, unsigned int ihl, uint16_t plen)
{
	uint32_t off = put_eth(b, tpid, 0x0800);
	uint8_t *ip = b + off;
	uint32_t hl = ihl * 4;

	memset(ip, 0, hl);
	ip[0] = 0x40 | ihl;
	wr16(ip + 2, hl + 8 + plen);
	wr16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, v4_src, 4);
	memcpy(ip + 16, v4_dst, 4);
	memset(ip + 20, 1, hl - 20);
	put_udp(ip + hl, plen);
	v4_fix_cksum(ip);
	return off + hl + 8 + plen;
}

/* IPv6 frame; @p ext (ext_len bytes) goes between the header and UDP. */
static uint32_t
build_v6(uint8_t *b, uint16_t tpid, uint8_t first_nh, const uint8_t *ext,
	 uint16_t ext_len, uint16_t plen)
{
	uint32_t off = put_eth(b, tpid, 0x86dd);
	uint8_t *ip = b + off;

	memset(ip, 0, 40);
	ip[0] = 0x60;
	wr16(ip + 4, ext_len + 8 + plen);
	ip[6] = first_nh;
	ip[7] = 64;
	memcpy(ip + 8, v6_src, 16);
	memcpy(ip + 24, v6_dst, 16);
	if (ext_len)
		memcpy(ip + 40, ext, ext_len);
	put_udp(ip + 40 + ext_len, plen);
	return off + 40 + ext_len + 8 + plen;
}

/* hop-by-hop (8) -> routing (24) -> destination options (16) -> UDP */
static const uint8_t ext_chain[48] = {
	43, 0, 1, 4, 0, 0, 0, 0,                 /* HBH: PadN */
	60, 2, 0, 0, 0, 0, 0, 0,                 /* routing, type 0, 0 left */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	17, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* dest opts */
};

/* Parse from an exactly sized heap copy, so ASan catches overreads. */
static mr_drop_reason_t
parse_exact(const uint8_t *b, uint32_t len, uint64_t ol, struct mr_pkt_info *pi)
{
	uint8_t *copy = malloc(len ? len : 1);
	mr_drop_reason_t r;

	if (copy == NULL)
		abort();
	memcpy(copy, b, len);
	r = mr_pkt_parse(copy, len, ol, pi);
	free(copy);
	return r;
}

static int
check_v4_ep(const struct mr_pkt_info *pi)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	MR_TEST_ASSERT(memcmp(pi->src.ip, mapped, 12) == 0, "src not v4-mapped");
	MR_TEST_ASSERT(memcmp(&pi->src.ip[12], v4_src, 4) == 0, "src ip");
	MR_TEST_ASSERT(memcmp(pi->dst.ip, mapped, 12) == 0, "dst not v4-mapped");
	MR_TEST_ASSERT(memcmp(&pi->dst.ip[12], v4_dst, 4) == 0, "dst ip");
	MR_TEST_EQ(ntohs(pi->src.port), SPORT);
	MR_TEST_EQ(ntohs(pi->dst.port), DPORT);
	MR_TEST_EQ(pi->src.zero, 0);
	MR_TEST_EQ(pi->dst.zero, 0);
	MR_TEST_EQ(pi->ip_version, 4);
	return 0;
}

static int
check_v6_ep(const struct mr_pkt_info *pi)
{
	MR_TEST_ASSERT(memcmp(pi->src.ip, v6_src, 16) == 0, "src ip");
	MR_TEST_ASSERT(memcmp(pi->dst.ip, v6_dst, 16) == 0, "dst ip");
	MR_TEST_EQ(ntohs(pi->src.port), SPORT);
	MR_TEST_EQ(ntohs(pi->dst.port), DPORT);
	MR_TEST_EQ(pi->ip_version, 6);
	return 0;
}

static int
test_parse_v4(void)
{
	struct mr_pkt_info pi;
	uint8_t b[128];
	uint32_t len = build_v4(b, 0, 5, 20);

	MR_TEST_EQ(len, 62);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NONE);
	if (check_v4_ep(&pi) < 0)
		return -1;
	MR_TEST_EQ(pi.payload_off, 42);
	MR_TEST_EQ(pi.payload_len, 20);
	MR_TEST_EQ(pi.has_vlan, 0);
	MR_TEST_EQ(pi.vlan_tci, 0);

	/* 4-byte payload padded to the 60-byte Ethernet minimum */
	len = build_v4(b, 0, 5, 4);
	MR_TEST_EQ(len, 46);
	memset(b + len, 0, 60 - len);
	MR_TEST_EQ(parse_exact(b, 60, 0, &pi), MR_DROP_NONE);
	MR_TEST_EQ(pi.payload_off, 42);
	MR_TEST_EQ(pi.payload_len, 4);

	/* zero-length UDP payload */
	len = build_v4(b, 0, 5, 0);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NONE);
	MR_TEST_EQ(pi.payload_off, 42);
	MR_TEST_EQ(pi.payload_len, 0);
	return 0;
}
MR_REGISTER_TEST(pkt, parse_v4, test_parse_v4);

static int
test_parse_v6(void)
{
	struct mr_pkt_info pi;
	uint8_t b[160];
	uint32_t len = build_v6(b, 0, 17, NULL, 0, 20);

	MR_TEST_EQ(len, 82);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NONE);
	if (check_v6_ep(&pi) < 0)
		return -1;
	MR_TEST_EQ(pi.payload_off, 62);
	MR_TEST_EQ(pi.payload_len, 20);
	MR_TEST_EQ(pi.has_vlan, 0);

	/* trailing bytes past the payload length are padding */
	memset(b + len, 0xee, 10);
	MR_TEST_EQ(parse_exact(b, len + 10, 0, &pi), MR_DROP_NONE);
	MR_TEST_EQ(pi.payload_len, 20);
	return 0;
}
MR_REGISTER_TEST(pkt, parse_v6, test_parse_v6);

static int
test_parse_vlan(void)
{
	struct mr_pkt_info pi;
	uint8_t b[160];
	uint32_t len;

	len = build_v4(b, 0x8100, 5, 20);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NONE);
	if (check_v4_ep(&pi) < 0)
		return -1;
	MR_TEST_EQ(pi.has_vlan, 1);
	MR_TEST_EQ(pi.vlan_tci, VLAN_TCI);
	MR_TEST_EQ(pi.payload_off, 46);
	MR_TEST_EQ(pi.payload_len, 20);

	len = build_v6(b, 0x88a8, 17, NULL, 0, 20);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NONE);
	if (check_v6_ep(&pi) < 0)
		return -1;
	MR_TEST_EQ(pi.has_vlan, 1);
	MR_TEST_EQ(pi.vlan_tci, VLAN_TCI);
	MR_TEST_EQ(pi.payload_off, 66);

	/* a second tag (QinQ) is refused */
	len = build_v4(b, 0x88a8, 5, 20);
	wr16(b + 16, 0x8100);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_VLAN);
	wr16(b + 16, 0x88a8);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_VLAN);
	/* a tag followed by ARP */
	wr16(b + 16, 0x0806);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NOT_IP);
	return 0;
}
MR_REGISTER_TEST(pkt, parse_vlan, test_parse_vlan);

/* The reason a frame cut to @p len must give, by where the cut falls. */
static mr_drop_reason_t
trunc_reason(uint32_t len, int tagged, int v6)
{
	if (len < 14)
		return MR_DROP_RUNT;
	if (tagged && len < 18)
		return MR_DROP_VLAN;
	/* any cut inside L3/L4 is caught by the IP length fields */
	return v6 ? MR_DROP_IPV6_HDR : MR_DROP_IPV4_HDR;
}

static int
test_truncated(void)
{
	struct frame { uint8_t b[200]; uint32_t len; int tagged, v6; } f[7];
	struct mr_pkt_info pi;
	unsigned int i;
	uint32_t n;

	f[0].len = build_v4(f[0].b, 0, 5, 12);
	f[0].tagged = 0, f[0].v6 = 0;
	f[1].len = build_v4(f[1].b, 0x8100, 5, 12);
	f[1].tagged = 1, f[1].v6 = 0;
	f[2].len = build_v4(f[2].b, 0, 15, 12);
	f[2].tagged = 0, f[2].v6 = 0;
	f[3].len = build_v6(f[3].b, 0, 17, NULL, 0, 12);
	f[3].tagged = 0, f[3].v6 = 1;
	f[4].len = build_v6(f[4].b, 0x8100, 17, NULL, 0, 12);
	f[4].tagged = 1, f[4].v6 = 1;
	f[5].len = build_v6(f[5].b, 0, 0, ext_chain, sizeof(ext_chain), 12);
	f[5].tagged = 0, f[5].v6 = 1;
	f[6].len = build_v6(f[6].b, 0x88a8, 0, ext_chain, sizeof(ext_chain), 0);
	f[6].tagged = 1, f[6].v6 = 1;

	for (i = 0; i < RTE_DIM(f); i++) {
		MR_TEST_EQ(parse_exact(f[i].b, f[i].len, 0, &pi), MR_DROP_NONE);
		MR_TEST_EQ(pi.payload_off + pi.payload_len, f[i].len);
		for (n = 0; n < f[i].len; n++) {
			mr_drop_reason_t want = trunc_reason(n, f[i].tagged, f[i].v6);
			mr_drop_reason_t got = parse_exact(f[i].b, n, 0, &pi);

			MR_TEST_ASSERT(got == want, "frame %u cut at %u: %s, want %s",
				       i, n, mr_drop_reason_name(got),
				       mr_drop_reason_name(want));
		}
	}
	return 0;
}
MR_REGISTER_TEST(pkt, truncated, test_truncated);

static int
test_v4_options(void)
{
	struct mr_pkt_info pi;
	uint8_t b[200];
	unsigned int ihl;
	uint32_t len;

	for (ihl = 6; ihl <= 15; ihl++) {
		len = build_v4(b, 0, ihl, 17);
		MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NONE);
		if (check_v4_ep(&pi) < 0)
			return -1;
		MR_TEST_EQ(pi.payload_off, 14 + ihl * 4 + 8);
		MR_TEST_EQ(pi.payload_len, 17);
		/* options are covered by the software checksum */
		b[14 + 21] ^= 0x40;
		MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_IPV4_CKSUM);
	}
	return 0;
}
MR_REGISTER_TEST(pkt, v4_options, test_v4_options);

static int
test_v4_bad_header(void)
{
	struct mr_pkt_info pi;
	uint8_t b[200];
	uint8_t *ip = b + 14;
	unsigned int ihl;
	uint32_t len;

	/* IHL 0..4 */
	for (ihl = 0; ihl < 5; ihl++) {
		len = build_v4(b, 0, 5, 20);
		ip[0] = 0x40 | ihl;
		MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_IPV4_HDR);
	}
	/* version 5 and 6 behind the IPv4 ethertype */
	len = build_v4(b, 0, 5, 20);
	ip[0] = 0x55;
	MR_TEST_EQ(parse_exact(b, len, RTE_MBUF_F_RX_IP_CKSUM_GOOD, &pi),
		   MR_DROP_IPV4_HDR);
	ip[0] = 0x65;
	MR_TEST_EQ(parse_exact(b, len, RTE_MBUF_F_RX_IP_CKSUM_GOOD, &pi),
		   MR_DROP_IPV4_HDR);
	/* IHL 15 (60 bytes) in a frame with 48 bytes of IP */
	len = build_v4(b, 0, 5, 20);
	ip[0] = 0x4f;
	MR_TEST_EQ(parse_exact(b, len, RTE_MBUF_F_RX_IP_CKSUM_GOOD, &pi),
		   MR_DROP_IPV4_HDR);
	/* total length one past the frame */
	len = build_v4(b, 0, 5, 20);
	wr16(ip + 2, 49);
	v4_fix_cksum(ip);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_IPV4_HDR);
	/* total length below the header length */
	wr16(ip + 2, 19);
	v4_fix_cksum(ip);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_IPV4_HDR);
	/* total length == header: no room for UDP */
	wr16(ip + 2, 20);
	v4_fix_cksum(ip);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_UDP_HDR);
	return 0;
}
MR_REGISTER_TEST(pkt, v4_bad_header, test_v4_bad_header);

static int
test_v4_fragments(void)
{
	static const uint16_t frag[] = {0x2000, 0x0001, 0x1fff, 0x2001, 0x6000, 0x4001};
	struct mr_pkt_info pi;
	uint8_t b[128];
	uint8_t *ip = b + 14;
	unsigned int i;
	uint32_t len;

	for (i = 0; i < RTE_DIM(frag); i++) {
		len = build_v4(b, 0, 5, 20);
		wr16(ip + 6, frag[i]);
		v4_fix_cksum(ip);
		MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_IP_FRAGMENT);
	}
	/* DF alone, and no flags at all, are whole datagrams */
	wr16(ip + 6, 0x0000);
	v4_fix_cksum(ip);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NONE);
	/* the reserved bit is not a fragment */
	wr16(ip + 6, 0x8000);
	v4_fix_cksum(ip);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NONE);
	return 0;
}
MR_REGISTER_TEST(pkt, v4_fragments, test_v4_fragments);

static int
test_v4_cksum(void)
{
	struct mr_pkt_info pi;
	uint8_t b[128];
	uint8_t *ip = b + 14;
	uint32_t len = build_v4(b, 0, 5, 20);

	MR_TEST_EQ(parse_exact(b, len, RTE_MBUF_F_RX_IP_CKSUM_GOOD |
			       RTE_MBUF_F_RX_L4_CKSUM_GOOD, &pi), MR_DROP_NONE);
	MR_TEST_EQ(parse_exact(b, len, RTE_MBUF_F_RX_IP_CKSUM_BAD, &pi),
		   MR_DROP_IPV4_CKSUM);
	MR_TEST_EQ(parse_exact(b, len, RTE_MBUF_F_RX_L4_CKSUM_BAD, &pi),
		   MR_DROP_L4_CKSUM);
	MR_TEST_EQ(parse_exact(b, len, RTE_MBUF_F_RX_L4_CKSUM_NONE, &pi),
		   MR_DROP_NONE);

	/* one bit off in the TTL: software check catches it */
	ip[8] ^= 1;
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_IPV4_CKSUM);
	/* the port said GOOD (or NONE: header verified): trusted */
	MR_TEST_EQ(parse_exact(b, len, RTE_MBUF_F_RX_IP_CKSUM_GOOD, &pi),
		   MR_DROP_NONE);
	MR_TEST_EQ(parse_exact(b, len, RTE_MBUF_F_RX_IP_CKSUM_NONE, &pi),
		   MR_DROP_NONE);
	ip[8] ^= 1;
	/* zero checksum field */
	ip[10] = 0;
	ip[11] = 0;
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_IPV4_CKSUM);
	return 0;
}
MR_REGISTER_TEST(pkt, v4_cksum, test_v4_cksum);

static int
test_not_udp(void)
{
	struct mr_pkt_info pi;
	uint8_t b[160];
	uint8_t *ip = b + 14;
	uint32_t len;

	len = build_v4(b, 0, 5, 20);
	ip[9] = 6;
	v4_fix_cksum(ip);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NOT_UDP);
	ip[9] = 1;
	v4_fix_cksum(ip);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NOT_UDP);

	len = build_v6(b, 0, 6, NULL, 0, 20);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NOT_UDP);
	len = build_v6(b, 0, 59, NULL, 0, 20);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NOT_UDP);
	len = build_v6(b, 0, 58, NULL, 0, 20);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NOT_UDP);

	/* ARP, LLDP and a length field (802.3) */
	len = build_v4(b, 0, 5, 20);
	wr16(b + 12, 0x0806);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NOT_IP);
	wr16(b + 12, 0x88cc);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NOT_IP);
	wr16(b + 12, 0x0040);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NOT_IP);
	/* IPv4 ethertype carrying an IPv6 header and vice versa */
	len = build_v6(b, 0, 17, NULL, 0, 20);
	wr16(b + 12, 0x0800);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_IPV4_HDR);
	len = build_v4(b, 0, 5, 40);
	wr16(b + 12, 0x86dd);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_IPV6_HDR);
	return 0;
}
MR_REGISTER_TEST(pkt, not_udp, test_not_udp);

static int
test_udp_length(void)
{
	struct mr_pkt_info pi;
	uint8_t b[160];
	uint8_t *ip = b + 14;
	uint32_t len;

	/* v4: UDP length past the IP payload, below 8, and shorter */
	len = build_v4(b, 0, 5, 20);
	wr16(ip + 24, 29);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_UDP_HDR);
	wr16(ip + 24, 7);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_UDP_HDR);
	wr16(ip + 24, 0);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_UDP_HDR);
	wr16(ip + 24, 8);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NONE);
	MR_TEST_EQ(pi.payload_len, 0);
	wr16(ip + 24, 20);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NONE);
	MR_TEST_EQ(pi.payload_len, 12);
	/* IP total length 27: only 7 bytes of UDP header */
	len = build_v4(b, 0, 5, 20);
	wr16(ip + 2, 27);
	v4_fix_cksum(ip);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_UDP_HDR);
	/* IP total length cuts the datagram: UDP length now too long */
	wr16(ip + 2, 40);
	v4_fix_cksum(ip);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_UDP_HDR);

	/* v6 */
	len = build_v6(b, 0, 17, NULL, 0, 20);
	wr16(ip + 44, 29);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_UDP_HDR);
	wr16(ip + 44, 4);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_UDP_HDR);
	wr16(ip + 4, 7);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_UDP_HDR);
	wr16(ip + 4, 0);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_UDP_HDR);
	return 0;
}
MR_REGISTER_TEST(pkt, udp_length, test_udp_length);

static int
test_v6_ext(void)
{
	uint8_t ext[72];
	struct mr_pkt_info pi;
	uint8_t b[200];
	uint8_t *ip = b + 14;
	uint32_t len;

	len = build_v6(b, 0, 0, ext_chain, sizeof(ext_chain), 20);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NONE);
	if (check_v6_ep(&pi) < 0)
		return -1;
	MR_TEST_EQ(pi.payload_off, 14 + 40 + 48 + 8);
	MR_TEST_EQ(pi.payload_len, 20);
	MR_TEST_EQ(parse_exact(b, len, RTE_MBUF_F_RX_L4_CKSUM_BAD, &pi),
		   MR_DROP_L4_CKSUM);

	/* payload length ends inside the chain */
	wr16(ip + 4, 1);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_IPV6_EXT);
	wr16(ip + 4, 9);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_IPV6_EXT);
	/* ... and so does the frame: one byte of the next header left */
	wr16(ip + 4, 1);
	MR_TEST_EQ(parse_exact(b, 14 + 40 + 1, 0, &pi), MR_DROP_IPV6_EXT);
	wr16(ip + 4, 9);
	MR_TEST_EQ(parse_exact(b, 14 + 40 + 9, 0, &pi), MR_DROP_IPV6_EXT);
	wr16(ip + 4, 0);
	MR_TEST_EQ(parse_exact(b, 14 + 40, 0, &pi), MR_DROP_IPV6_EXT);
	wr16(ip + 4, 30);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_IPV6_EXT);
	/* chain exactly fills the payload: no UDP header */
	wr16(ip + 4, 48);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_UDP_HDR);

	/* an extension length running past the payload */
	memcpy(ext, ext_chain, sizeof(ext_chain));
	ext[33] = 200;
	len = build_v6(b, 0, 0, ext, sizeof(ext_chain), 20);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_IPV6_EXT);

	/* hop-by-hop anywhere but first */
	memcpy(ext, ext_chain, sizeof(ext_chain));
	ext[0] = 0;
	len = build_v6(b, 0, 0, ext, sizeof(ext_chain), 20);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_IPV6_EXT);

	/* nine well-formed destination-options headers: over the cap */
	memset(ext, 0, sizeof(ext));
	for (len = 0; len < 8; len++)
		ext[len * 8] = 60;
	ext[64] = 17;
	len = build_v6(b, 0, 60, ext, 72, 4);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_IPV6_EXT);
	/* eight are fine */
	ext[56] = 17;
	len = build_v6(b, 0, 60, ext, 64, 4);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_NONE);
	MR_TEST_EQ(pi.payload_off, 14 + 40 + 64 + 8);

	/* fragment header, first or after hop-by-hop */
	memset(ext, 0, 8);
	ext[0] = 17;
	len = build_v6(b, 0, 44, ext, 8, 20);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_IP_FRAGMENT);
	ext[0] = 44;
	memset(ext + 8, 0, 8);
	ext[8] = 17;
	len = build_v6(b, 0x8100, 0, ext, 16, 20);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_IP_FRAGMENT);

	/* bad version, payload length past the frame */
	len = build_v6(b, 0, 17, NULL, 0, 20);
	ip[0] = 0x40;
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_IPV6_HDR);
	ip[0] = 0x60;
	wr16(ip + 4, 29);
	MR_TEST_EQ(parse_exact(b, len, 0, &pi), MR_DROP_IPV6_HDR);
	return 0;
}
MR_REGISTER_TEST(pkt, v6_ext, test_v6_ext);

static int
test_endpoint(void)
{
	static const char *const good[] = {
		"192.0.2.1:5004", "0.0.0.0:1", "255.255.255.255:65535",
		"[2001:db8::1]:443", "[::]:9", "[fe80::1:2:3:4]:65535",
		"[2001:db8:1:2:3:4:5:6]:1000",
	};
	static const char *const bad[] = {
		"", ":", "1.2.3.4", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536",
		"1.2.3.4:-1", "1.2.3.4:+5", "1.2.3.4:5x", "1.2.3.4:5 ",
		" 1.2.3.4:5", "1.2.3.256:5", "1.2.3:5", "1.2.3.4.5:6",
		"2001:db8::1:5", "[2001:db8::1]5", "[2001:db8::1]",
		"[2001:db8::1:5", "[1.2.3.4]:5", "[]:5", "[2001:db8::g]:5",
		"1.2.3.4:5:6", "1.2.3.4:100000", "1.2.3.4:000001",
		"1.2.3.4:18446744073709556620",
		"host.example:5", "[2001:db8::1]:", "[[::1]]:5",
		"[2001:db8::1]x5", "[2001:db8::1]]:5",
		/* 46 characters: one more than the longest address */
		"[00000:0000:0000:0000:0000:0000:255.255.255.255]:5",
		"1111111111111111111111111111111111111111111111:5",
	};
	static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
					   192, 0, 2, 1};
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
				       0, 0, 0, 0, 0, 0, 0, 1};
	char buf[MR_ENDPOINT_STRLEN];
	struct mr_endpoint ep, ep2;
	uint32_t a;
	unsigned int i;

	for (i = 0; i < RTE_DIM(good); i++) {
		memset(&ep, 0xa5, sizeof(ep));
		MR_TEST_ASSERT(mr_endpoint_parse(good[i], &ep) == 0, "%s", good[i]);
		MR_TEST_EQ(ep.zero, 0);
		mr_endpoint_format(&ep, buf, sizeof(buf));
		MR_TEST_ASSERT(strcmp(buf, good[i]) == 0, "%s -> %s", good[i], buf);
	}
	for (i = 0; i < RTE_DIM(bad); i++)
		MR_TEST_ASSERT(mr_endpoint_parse(bad[i], &ep) == -EINVAL,
			       "accepted '%s'", bad[i]);
	MR_TEST_EQ(mr_endpoint_parse(NULL, &ep), -EINVAL);

	/* exact bytes */
	MR_TEST_EQ(mr_endpoint_parse("192.0.2.1:5004", &ep), 0);
	MR_TEST_ASSERT(memcmp(ep.ip, mapped, 16) == 0, "v4-mapped bytes");
	MR_TEST_EQ(ep.port, htons(5004));
	MR_TEST_ASSERT(mr_endpoint_is_v4(&ep), "is_v4");
	inet_pton(AF_INET, "192.0.2.1", &a);
	mr_endpoint_set_v4(&ep2, a, htons(5004));
	MR_TEST_ASSERT(mr_endpoint_equal(&ep, &ep2), "set_v4 == parse");
	ep2.port = htons(5005);
	MR_TEST_ASSERT(!mr_endpoint_equal(&ep, &ep2), "ports differ");

	MR_TEST_EQ(mr_endpoint_parse("[2001:db8::1]:443", &ep), 0);
	MR_TEST_ASSERT(memcmp(ep.ip, v6, 16) == 0, "v6 bytes");
	MR_TEST_EQ(ep.port, htons(443));
	MR_TEST_ASSERT(!mr_endpoint_is_v4(&ep), "v6 is not v4");
	mr_endpoint_set_v6(&ep2, v6, htons(443));
	MR_TEST_ASSERT(mr_endpoint_equal(&ep, &ep2), "set_v6 == parse");

	/* the longest textual IPv6 address (45 characters) */
	MR_TEST_EQ(mr_endpoint_parse("[0000:0000:0000:0000:0000:ffff:255.255.255.254]:7", &ep), 0);
	mr_endpoint_format(&ep, buf, sizeof(buf));
	MR_TEST_ASSERT(strcmp(buf, "255.255.255.254:7") == 0, "%s", buf);

	/* a mapped address in brackets is the IPv4 endpoint */
	MR_TEST_EQ(mr_endpoint_parse("[::ffff:192.0.2.1]:5004", &ep), 0);
	MR_TEST_ASSERT(memcmp(ep.ip, mapped, 16) == 0, "mapped");
	mr_endpoint_format(&ep, buf, sizeof(buf));
	MR_TEST_ASSERT(strcmp(buf, "192.0.2.1:5004") == 0, "%s", buf);

	/* longest form fits MR_ENDPOINT_STRLEN; short buffers truncate */
	memset(ep.ip, 0xff, 16);
	ep.ip[0] = 0xfe;
	ep.port = htons(65535);
	mr_endpoint_format(&ep, buf, sizeof(buf));
	MR_TEST_ASSERT(strcmp(buf, "[feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535") == 0,
		       "%s", buf);
	mr_endpoint_format(&ep, buf, 6);
	MR_TEST_ASSERT(strcmp(buf, "[feff") == 0, "%s", buf);

	/* addresses without a port */
	MR_TEST_EQ(mr_endpoint_parse_addr("192.0.2.1", &ep), 0);
	MR_TEST_ASSERT(memcmp(ep.ip, mapped, 16) == 0, "addr v4");
	MR_TEST_EQ(ep.port, 0);
	MR_TEST_EQ(ep.zero, 0);
	MR_TEST_EQ(mr_endpoint_parse_addr("2001:db8::1", &ep), 0);
	MR_TEST_ASSERT(memcmp(ep.ip, v6, 16) == 0, "addr v6");
	MR_TEST_EQ(ep.port, 0);
	MR_TEST_EQ(mr_endpoint_parse_addr("[2001:db8::1]", &ep), -EINVAL);
	MR_TEST_EQ(mr_endpoint_parse_addr("192.0.2.1:5", &ep), -EINVAL);
	MR_TEST_EQ(mr_endpoint_parse_addr("", &ep), -EINVAL);
	MR_TEST_EQ(mr_endpoint_parse_addr(NULL, &ep), -EINVAL);
	return 0;
}
MR_REGISTER_TEST(pkt, endpoint, test_endpoint);

/* ---- templates ---- */

#define POOL_SIZE 63

static struct rte_mempool *
make_pool(const char *name)
{
	return rte_pktmbuf_pool_create(name, POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
}

static void
make_tmpl_eps(int v6, struct mr_endpoint *src, struct mr_endpoint *dst)
{
	uint32_t a, b;

	if (v6) {
		mr_endpoint_set_v6(src, v6_src, htons(SPORT));
		mr_endpoint_set_v6(dst, v6_dst, htons(DPORT));
	} else {
		memcpy(&a, v4_src, 4);
		memcpy(&b, v4_dst, 4);
		mr_endpoint_set_v4(src, a, htons(SPORT));
		mr_endpoint_set_v4(dst, b, htons(DPORT));
	}
}

/*
 * Check a frame built by a template: parses back to the endpoints and
 * payload, and DPDK's verifiers accept the checksums (software mode).
 */
static int
check_built(const uint8_t *f, uint32_t len, int v6, uint16_t tci,
	    const uint8_t *payload, uint16_t plen)
{
	uint32_t l2 = tci ? 18 : 14;
	struct mr_pkt_info pi;
	const uint8_t *ip = f + l2;

	MR_TEST_EQ(mr_pkt_parse(f, len, 0, &pi), MR_DROP_NONE);
	if ((v6 ? check_v6_ep(&pi) : check_v4_ep(&pi)) < 0)
		return -1;
	MR_TEST_EQ(pi.has_vlan, tci != 0);
	MR_TEST_EQ(pi.vlan_tci, tci);
	MR_TEST_EQ(pi.payload_off, l2 + (v6 ? 40 : 20) + 8);
	MR_TEST_EQ(pi.payload_len, plen);
	MR_TEST_EQ(len, pi.payload_off + plen);
	MR_TEST_ASSERT(memcmp(f + pi.payload_off, payload, plen) == 0, "payload");
	if (v6) {
		const struct rte_ipv6_hdr *h = (const struct rte_ipv6_hdr *)ip;
		const struct rte_udp_hdr *u = (const struct rte_udp_hdr *)(ip + 40);

		MR_TEST_EQ(rte_be_to_cpu_16(h->payload_len), plen + 8);
		MR_TEST_EQ(h->hop_limits, 64);
		MR_TEST_EQ(rte_be_to_cpu_16(u->dgram_len), plen + 8);
		MR_TEST_ASSERT(u->dgram_cksum != 0, "v6 UDP checksum is mandatory");
		MR_TEST_EQ(rte_ipv6_udptcp_cksum_verify(h, u), 0);
	} else {
		struct rte_ipv4_hdr copy;
		const struct rte_ipv4_hdr *h = (const struct rte_ipv4_hdr *)ip;
		const struct rte_udp_hdr *u = (const struct rte_udp_hdr *)(ip + 20);

		MR_TEST_EQ(rte_be_to_cpu_16(h->total_length), plen + 28);
		MR_TEST_EQ(rte_be_to_cpu_16(h->fragment_offset), 0x4000);
		MR_TEST_EQ(h->packet_id, 0);
		MR_TEST_EQ(h->time_to_live, 64);
		memcpy(&copy, h, sizeof(copy));
		copy.hdr_checksum = 0;
		MR_TEST_EQ(h->hdr_checksum, rte_ipv4_cksum(&copy));
		MR_TEST_EQ(rte_be_to_cpu_16(u->dgram_len), plen + 8);
		MR_TEST_ASSERT(u->dgram_cksum != 0, "UDP checksum left out");
		MR_TEST_EQ(rte_ipv4_udptcp_cksum_verify(h, u), 0);
	}
	return 0;
}

static int
test_tmpl_init(void)
{
	static const uint8_t want_v4[42] = {
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
		0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0,
		192, 0, 2, 1, 198, 51, 100, 7,
		0x0f, 0xa0, 0x13, 0x8c, 0, 0, 0, 0,
	};
	static const uint8_t want_v6_l2[18] = {
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01,
		0x81, 0x00, 0x20, 0x64, 0x86, 0xdd,
	};
	static const uint8_t want_v6_l3[8] = {0x60, 0, 0, 0, 0, 0, 17, 64};
	struct rte_ether_addr smac, dmac;
	struct mr_endpoint s4, d4, s6, d6;
	struct mr_pkt_tmpl t;
	uint8_t psd[12];

	memcpy(smac.addr_bytes, mac_src, 6);
	memcpy(dmac.addr_bytes, mac_dst, 6);
	make_tmpl_eps(0, &s4, &d4);
	make_tmpl_eps(1, &s6, &d6);

	MR_TEST_EQ(mr_pkt_tmpl_init(&t, &smac, &dmac, 0, &s4, &d4), 0);
	MR_TEST_EQ(t.len, 42);
	MR_TEST_EQ(t.l2_len, 14);
	MR_TEST_EQ(t.l3_len, 20);
	MR_TEST_EQ(t.ip_version, 4);
	MR_TEST_ASSERT(memcmp(t.hdr, want_v4, 42) == 0, "v4 template bytes");
	MR_TEST_EQ(t.ip_sum, rte_raw_cksum(want_v4 + 14, 20));
	/* pseudo header without length: src, dst, 0, 17; then the ports */
	memcpy(psd, v4_src, 4);
	memcpy(psd + 4, v4_dst, 4);
	psd[8] = 0;
	psd[9] = 17;
	memcpy(psd + 10, want_v4 + 34, 2);
	MR_TEST_EQ(__rte_raw_cksum_reduce(t.udp_sum),
		   __rte_raw_cksum_reduce(__rte_raw_cksum(want_v4 + 36, 2,
				__rte_raw_cksum(psd, 12, 0))));
	MR_TEST_EQ(t.phdr_sum, __rte_raw_cksum_reduce(__rte_raw_cksum(psd, 10, 0)));

	MR_TEST_EQ(mr_pkt_tmpl_init(&t, &smac, &dmac, VLAN_TCI, &s6, &d6), 0);
	MR_TEST_EQ(t.len, 18 + 40 + 8);
	MR_TEST_EQ(t.l2_len, 18);
	MR_TEST_EQ(t.l3_len, 40);
	MR_TEST_EQ(t.ip_version, 6);
	MR_TEST_ASSERT(memcmp(t.hdr, want_v6_l2, 18) == 0, "v6 VLAN L2 bytes");
	MR_TEST_ASSERT(memcmp(t.hdr + 18, want_v6_l3, 8) == 0, "v6 fixed bytes");
	MR_TEST_ASSERT(memcmp(t.hdr + 26, v6_src, 16) == 0, "v6 src");
	MR_TEST_ASSERT(memcmp(t.hdr + 42, v6_dst, 16) == 0, "v6 dst");
	MR_TEST_ASSERT(memcmp(t.hdr + 58, want_v4 + 34, 8) == 0, "v6 UDP bytes");

	/* mixed families, zero ports */
	MR_TEST_EQ(mr_pkt_tmpl_init(&t, &smac, &dmac, 0, &s4, &d6), -EINVAL);
	MR_TEST_EQ(mr_pkt_tmpl_init(&t, &smac, &dmac, 0, &s6, &d4), -EINVAL);
	s4.port = 0;
	MR_TEST_EQ(mr_pkt_tmpl_init(&t, &smac, &dmac, 0, &s4, &d4), -EINVAL);
	d6.port = 0;
	MR_TEST_EQ(mr_pkt_tmpl_init(&t, &smac, &dmac, 0, &s6, &d6), -EINVAL);
	return 0;
}
MR_REGISTER_TEST(pkt, tmpl_init, test_tmpl_init);

/* Build with each template variant and payload size, in software mode. */
static int
run_tmpl_sw(struct rte_mempool *mp)
{
	static const uint16_t sizes[] = {0, 1, 2, 33, 160, 1401, 1472};
	static const uint16_t tcis[] = {0, VLAN_TCI};
	struct rte_ether_addr smac, dmac;
	struct mr_endpoint src, dst;
	struct mr_pkt_tmpl t;
	unsigned int v6, vi, si, i;
	uint8_t payload[1472];

	memcpy(smac.addr_bytes, mac_src, 6);
	memcpy(dmac.addr_bytes, mac_dst, 6);
	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 131 + (i >> 3));

	for (v6 = 0; v6 < 2; v6++)
	for (vi = 0; vi < RTE_DIM(tcis); vi++)
	for (si = 0; si < RTE_DIM(sizes); si++) {
		uint16_t plen = sizes[si];
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint8_t *d;
		int rc;

		MR_TEST_ASSERT(m != NULL, "alloc");
		d = (uint8_t *)rte_pktmbuf_append(m, plen);
		MR_TEST_ASSERT(d != NULL || plen == 0, "append");
		if (plen)
			memcpy(d, payload, plen);
		make_tmpl_eps(v6, &src, &dst);
		MR_TEST_EQ(mr_pkt_tmpl_init(&t, &smac, &dmac, tcis[vi], &src, &dst), 0);
		rc = mr_pkt_tmpl_apply(&t, m, rte_raw_cksum(payload, plen), false);
		MR_TEST_EQ(rc, 0);
		MR_TEST_EQ(rte_pktmbuf_pkt_len(m), t.len + plen);
		MR_TEST_EQ(m->ol_flags & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IP_CKSUM), 0);
		rc = check_built(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_pkt_len(m),
				 v6, tcis[vi], payload, plen);
		rte_pktmbuf_free(m);
		MR_TEST_ASSERT(rc == 0, "v6=%u tci=%#x size=%u", v6, tcis[vi], plen);
	}
	return 0;
}

/* A payload that sums the checksum to zero must send 0xffff. */
static int
run_tmpl_zero_cksum(struct rte_mempool *mp, int v6)
{
	struct rte_ether_addr smac, dmac;
	struct mr_endpoint src, dst;
	struct mr_pkt_tmpl t;
	struct rte_mbuf *m;
	uint8_t pay[2] = {0, 0};
	uint16_t c;
	uint8_t *f;
	int rc;

	memcpy(smac.addr_bytes, mac_src, 6);
	memcpy(dmac.addr_bytes, mac_dst, 6);
	make_tmpl_eps(v6, &src, &dst);
	MR_TEST_EQ(mr_pkt_tmpl_init(&t, &smac, &dmac, 0, &src, &dst), 0);

	m = rte_pktmbuf_alloc(mp);
	MR_TEST_ASSERT(m != NULL, "alloc");
	memcpy(rte_pktmbuf_append(m, 2), pay, 2);
	MR_TEST_EQ(mr_pkt_tmpl_apply(&t, m, rte_raw_cksum(pay, 2), false), 0);
	f = rte_pktmbuf_mtod(m, uint8_t *);
	/* this payload word is the complement of everything else's sum */
	memcpy(&c, f + t.len - 2, 2);
	memcpy(pay, &c, 2);
	rte_pktmbuf_free(m);

	m = rte_pktmbuf_alloc(mp);
	MR_TEST_ASSERT(m != NULL, "alloc");
	memcpy(rte_pktmbuf_append(m, 2), pay, 2);
	MR_TEST_EQ(mr_pkt_tmpl_apply(&t, m, rte_raw_cksum(pay, 2), false), 0);
	f = rte_pktmbuf_mtod(m, uint8_t *);
	MR_TEST_EQ(f[t.len - 2], 0xff);
	MR_TEST_EQ(f[t.len - 1], 0xff);
	rc = check_built(f, rte_pktmbuf_pkt_len(m), v6, 0, pay, 2);
	rte_pktmbuf_free(m);
	return rc;
}

static int
run_tmpl_offload(struct rte_mempool *mp, int v6, uint16_t tci)
{
	struct rte_ether_addr smac, dmac;
	struct mr_endpoint src, dst;
	struct mr_pkt_info pi;
	struct mr_pkt_tmpl t;
	struct rte_mbuf *m;
	uint16_t ucks;
	uint8_t *f, *ip;
	uint32_t len;
	int rc = 0;

	memcpy(smac.addr_bytes, mac_src, 6);
	memcpy(dmac.addr_bytes, mac_dst, 6);
	make_tmpl_eps(v6, &src, &dst);
	MR_TEST_EQ(mr_pkt_tmpl_init(&t, &smac, &dmac, tci, &src, &dst), 0);
	m = rte_pktmbuf_alloc(mp);
	MR_TEST_ASSERT(m != NULL, "alloc");
	memset(rte_pktmbuf_append(m, 99), 0x5a, 99);
	/* stale TX flags from an earlier use must not survive */
	m->ol_flags = v6 ? RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM :
		RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM;
	MR_TEST_EQ(mr_pkt_tmpl_apply(&t, m, 0x1234, true), 0);
	f = rte_pktmbuf_mtod(m, uint8_t *);
	len = rte_pktmbuf_pkt_len(m);
	ip = f + t.l2_len;
	MR_TEST_EQ(m->l2_len, tci ? 18 : 14);
	MR_TEST_EQ(m->l3_len, v6 ? 40 : 20);
	memcpy(&ucks, ip + t.l3_len + 6, 2);
	if (v6) {
		MR_TEST_EQ(m->ol_flags, RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM);
		MR_TEST_EQ(ucks, rte_ipv6_phdr_cksum((struct rte_ipv6_hdr *)ip, 0));
		MR_TEST_EQ(mr_pkt_parse(f, len, 0, &pi), MR_DROP_NONE);
	} else {
		MR_TEST_EQ(m->ol_flags, RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
			   RTE_MBUF_F_TX_UDP_CKSUM);
		MR_TEST_EQ(ucks, rte_ipv4_phdr_cksum((struct rte_ipv4_hdr *)ip, 0));
		MR_TEST_EQ(ip[10], 0);
		MR_TEST_EQ(ip[11], 0);
		MR_TEST_EQ(rte_be_to_cpu_16(((struct rte_ipv4_hdr *)ip)->total_length),
			   20 + 8 + 99);
		/* the NIC fills the header checksum: until then it is wrong */
		MR_TEST_EQ(mr_pkt_parse(f, len, 0, &pi), MR_DROP_IPV4_CKSUM);
		MR_TEST_EQ(mr_pkt_parse(f, len, RTE_MBUF_F_RX_IP_CKSUM_GOOD, &pi),
			   MR_DROP_NONE);
	}
	MR_TEST_EQ(pi.payload_len, 99);
	MR_TEST_EQ(pi.vlan_tci, tci);
	rte_pktmbuf_free(m);
	return rc;
}

/* Header mbuf + clone of a payload mbuf, as fan-out sends it. */
static int
run_tmpl_chain(struct rte_mempool *mp, int v6, uint16_t tci)
{
	struct rte_ether_addr smac, dmac;
	struct mr_endpoint src, dst;
	struct rte_mbuf *h, *p, *c;
	struct mr_pkt_tmpl t;
	uint8_t payload[301], lin[400];
	uint16_t p_headroom, psum;
	const uint8_t *f;
	unsigned int i;
	uint32_t sum;
	int rc;

	memcpy(smac.addr_bytes, mac_src, 6);
	memcpy(dmac.addr_bytes, mac_dst, 6);
	make_tmpl_eps(v6, &src, &dst);
	MR_TEST_EQ(mr_pkt_tmpl_init(&t, &smac, &dmac, tci, &src, &dst), 0);
	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(255 - i * 3);

	p = rte_pktmbuf_alloc(mp);
	h = rte_pktmbuf_alloc(mp);
	MR_TEST_ASSERT(p != NULL && h != NULL, "alloc");
	memcpy(rte_pktmbuf_append(p, sizeof(payload)), payload, sizeof(payload));
	p_headroom = rte_pktmbuf_headroom(p);
	c = rte_pktmbuf_clone(p, mp);
	MR_TEST_ASSERT(c != NULL, "clone");
	MR_TEST_EQ(rte_pktmbuf_chain(h, c), 0);
	MR_TEST_EQ(rte_raw_cksum_mbuf(h, 0, rte_pktmbuf_pkt_len(h), &psum), 0);
	sum = psum;
	MR_TEST_EQ(sum, rte_raw_cksum(payload, sizeof(payload)));

	MR_TEST_EQ(mr_pkt_tmpl_apply(&t, h, sum, false), 0);
	MR_TEST_EQ(h->nb_segs, 2);
	MR_TEST_EQ(rte_pktmbuf_data_len(h), t.len);
	MR_TEST_EQ(rte_pktmbuf_pkt_len(h), t.len + sizeof(payload));
	/* the shared payload buffer was not touched */
	MR_TEST_EQ(rte_pktmbuf_headroom(p), p_headroom);
	MR_TEST_EQ(rte_pktmbuf_data_len(p), sizeof(payload));
	MR_TEST_ASSERT(memcmp(rte_pktmbuf_mtod(p, uint8_t *), payload,
			      sizeof(payload)) == 0, "payload changed");

	f = rte_pktmbuf_read(h, 0, rte_pktmbuf_pkt_len(h), lin);
	MR_TEST_ASSERT(f != NULL, "read");
	rc = check_built(f, rte_pktmbuf_pkt_len(h), v6, tci, payload, sizeof(payload));
	rte_pktmbuf_free(h);
	rte_pktmbuf_free(p);
	return rc;
}

static int
run_tmpl_errors(struct rte_mempool *mp)
{
	struct rte_ether_addr smac, dmac;
	struct mr_endpoint src, dst;
	struct mr_pkt_tmpl t4, t6;
	struct rte_mbuf *m;
	uint16_t hr;

	memcpy(smac.addr_bytes, mac_src, 6);
	memcpy(dmac.addr_bytes, mac_dst, 6);
	make_tmpl_eps(0, &src, &dst);
	MR_TEST_EQ(mr_pkt_tmpl_init(&t4, &smac, &dmac, 0, &src, &dst), 0);
	make_tmpl_eps(1, &src, &dst);
	MR_TEST_EQ(mr_pkt_tmpl_init(&t6, &smac, &dmac, 0, &src, &dst), 0);

	/* headroom one byte short */
	m = rte_pktmbuf_alloc(mp);
	MR_TEST_ASSERT(m != NULL, "alloc");
	hr = rte_pktmbuf_headroom(m);
	MR_TEST_ASSERT(rte_pktmbuf_prepend(m, hr - 41) != NULL, "prepend");
	MR_TEST_EQ(mr_pkt_tmpl_apply(&t4, m, 0, false), -ENOSPC);
	MR_TEST_EQ(rte_pktmbuf_pkt_len(m), hr - 41);
	MR_TEST_EQ(rte_pktmbuf_headroom(m), 41);
	/* exactly enough */
	MR_TEST_ASSERT(rte_pktmbuf_adj(m, 1) != NULL, "adj");
	MR_TEST_EQ(mr_pkt_tmpl_apply(&t4, m, 0, false), 0);
	MR_TEST_EQ(rte_pktmbuf_headroom(m), 0);
	MR_TEST_EQ(rte_pktmbuf_pkt_len(m), hr);
	rte_pktmbuf_free(m);

	/*
	 * Size limits, with pkt_len set by hand: the length check must come
	 * before anything is written (software sum is not checked here).
	 */
	m = rte_pktmbuf_alloc(mp);
	MR_TEST_ASSERT(m != NULL, "alloc");
	m->pkt_len = 65535 - 28 + 1;
	MR_TEST_EQ(mr_pkt_tmpl_apply(&t4, m, 0, false), -EMSGSIZE);
	MR_TEST_EQ(m->pkt_len, 65535 - 28 + 1);
	MR_TEST_EQ(m->data_len, 0);
	m->pkt_len = 65535 - 8 + 1;
	MR_TEST_EQ(mr_pkt_tmpl_apply(&t6, m, 0, false), -EMSGSIZE);
	m->pkt_len = 65535 - 28;
	MR_TEST_EQ(mr_pkt_tmpl_apply(&t4, m, 0, false), 0);
	MR_TEST_EQ(rte_pktmbuf_mtod_offset(m, uint8_t *, 16)[0], 0xff);
	MR_TEST_EQ(rte_pktmbuf_mtod_offset(m, uint8_t *, 17)[0], 0xff);
	m->data_len = 0;
	m->data_off = RTE_PKTMBUF_HEADROOM;
	m->pkt_len = 65535 - 8;
	MR_TEST_EQ(mr_pkt_tmpl_apply(&t6, m, 0, false), 0);
	MR_TEST_EQ(rte_pktmbuf_mtod_offset(m, uint8_t *, 18)[0], 0xff);
	MR_TEST_EQ(rte_pktmbuf_mtod_offset(m, uint8_t *, 19)[0], 0xff);
	m->data_len = 0;
	m->pkt_len = 0;
	rte_pktmbuf_free(m);
	return 0;
}

static int
test_tmpl_apply(void)
{
	static const uint16_t tcis[] = {0, VLAN_TCI};
	struct rte_mempool *mp = make_pool("mr_test_pkt");
	unsigned int v6, vi;
	int rc = 0;

	MR_TEST_ASSERT(mp != NULL, "pool: %s", rte_strerror(rte_errno));
	rc = run_tmpl_sw(mp);
	for (v6 = 0; v6 < 2 && rc == 0; v6++) {
		rc = run_tmpl_zero_cksum(mp, v6);
		for (vi = 0; vi < RTE_DIM(tcis) && rc == 0; vi++) {
			rc = run_tmpl_offload(mp, v6, tcis[vi]);
			if (rc == 0)
				rc = run_tmpl_chain(mp, v6, tcis[vi]);
		}
	}
	if (rc == 0)
		rc = run_tmpl_errors(mp);
	if (rc == 0)
		MR_TEST_EQ(rte_mempool_avail_count(mp), POOL_SIZE);
	rte_mempool_free(mp);
	return rc;
}
MR_REGISTER_EAL_TEST(pkt, tmpl_apply, test_tmpl_apply);

/* The 8-bytes-a-step sum equals rte_raw_cksum at every length and alignment. */
static int
test_pkt_raw_sum(void)
{
	uint8_t buf[320];
	uint32_t len, off, i, x = 12345;

	for (i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245 + 12345;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (off = 0; off < 8; off++)
		for (len = 0; len + off <= 300; len++)
			MR_TEST_EQ(mr_pkt_raw_sum(buf + off, len), rte_raw_cksum(buf + off, len));
	memset(buf, 0xff, sizeof(buf)); /* worst case for carries */
	for (len = 0; len <= 300; len++)
		MR_TEST_EQ(mr_pkt_raw_sum(buf, len), rte_raw_cksum(buf, len));
	return 0;
}

MR_REGISTER_TEST(pkt, raw_sum, test_pkt_raw_sum)

/* Two one's complement sums are the same number (0 and 0xffff are both zero). */
static bool
sum_same(uint16_t a, uint16_t b)
{
	return a == b || ((a == 0 || a == 0xffff) && (b == 0 || b == 0xffff));
}

/*
 * The payload sum taken back out of the received checksum equals the sum
 * of the payload bytes, for v4 and v6 (with extension headers), odd and
 * even lengths; with no checksum it is read from the bytes; and a payload
 * damaged after the sender's checksum keeps the sender's sum, so the
 * relay's output checksum stays wrong.
 */
static int
test_payload_sum(void)
{
	static const uint16_t lens[] = {0, 1, 12, 160, 171, 1200};
	uint8_t b[1400];
	struct mr_pkt_info pi;
	unsigned int i, v6;

	for (v6 = 0; v6 < 2; v6++) {
		for (i = 0; i < RTE_DIM(lens); i++) {
			uint32_t len, l3 = 14;
			uint16_t cks, want, plen = lens[i];
			uint8_t *udp;

			if (v6) {
				len = build_v6(b, 0, 0, ext_chain, sizeof(ext_chain), plen);
				udp = b + l3 + 40 + sizeof(ext_chain);
				/*
				 * By hand: rte_ipv6_udptcp_cksum() would take the IPv6
				 * payload length, extensions included, for the UDP length.
				 */
				{
					uint32_t sum = rte_raw_cksum(b + l3 + 8, 32) +
						rte_cpu_to_be_16(8 + plen) + rte_cpu_to_be_16(17) +
						rte_raw_cksum(udp, 8 + plen);

					sum = (sum >> 16) + (sum & 0xffff);
					sum = (sum >> 16) + (sum & 0xffff);
					cks = (uint16_t)~sum;
				}
			} else {
				len = build_v4(b, 0, 5, plen);
				udp = b + l3 + 20;
				cks = rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)(b + l3), udp);
			}
			memcpy(udp + 6, &cks, 2);
			MR_TEST_EQ(mr_pkt_parse(b, len, 0, &pi), MR_DROP_NONE);
			want = mr_pkt_raw_sum(udp + 8, plen);
			MR_TEST_ASSERT(sum_same(mr_pkt_payload_sum(b, &pi), want),
				       "v%u len %u: %#x, payload sums to %#x", v6 ? 6 : 4, plen,
				       mr_pkt_payload_sum(b, &pi), want);
			if (plen >= 12) {
				udp[8 + 5] ^= 0x5a; /* damaged in flight */
				MR_TEST_ASSERT(sum_same(mr_pkt_payload_sum(b, &pi), want),
					       "damage must not change the sender's sum");
				MR_TEST_ASSERT(!sum_same(mr_pkt_raw_sum(udp + 8, plen), want),
					       "the damage shows in the bytes");
				udp[8 + 5] ^= 0x5a;
			}
			if (!v6) {
				memset(udp + 6, 0, 2); /* no checksum: read the bytes */
				udp[8 + plen / 2] ^= (plen ? 0x11 : 0);
				MR_TEST_ASSERT(sum_same(mr_pkt_payload_sum(b, &pi),
							mr_pkt_raw_sum(udp + 8, plen)),
					       "v4 without checksum, len %u", plen);
			}
		}
	}
	return 0;
}

MR_REGISTER_TEST(pkt, payload_sum, test_payload_sum)

/*
 * The fast path builds a stream key from the frame and hashes it from
 * registers (mr_stream_key_from_frame): the key must be byte for byte the
 * one made from the parsed endpoint, and its hash the table's hash.
 */
static int
test_stream_key(void)
{
	static const struct {
		uint16_t tpid;
		int v6;
		unsigned int ihl;
		int ext;
	} frames[] = {
		{0, 0, 5, 0}, {0, 0, 7, 0}, {0x8100, 0, 5, 0},
		{0, 1, 0, 0}, {0x88a8, 1, 0, 1},
	};
	static const uint32_t ssrcs[] = {0, 1, 0x80000001u, 0xffffffffu};
	unsigned int i, j;

	for (i = 0; i < RTE_DIM(frames); i++) {
		struct mr_pkt_info pi;
		uint8_t b[192];
		uint32_t len = frames[i].v6 ?
			build_v6(b, frames[i].tpid, frames[i].ext ? 0 : 17,
				 frames[i].ext ? ext_chain : NULL,
				 frames[i].ext ? sizeof(ext_chain) : 0, 20) :
			build_v4(b, frames[i].tpid, frames[i].ihl, 20);

		MR_TEST_EQ(mr_pkt_parse(b, len, 0, &pi), MR_DROP_NONE);
		for (j = 0; j < RTE_DIM(ssrcs); j++) {
			struct mr_stream_key want, got;
			hash_sig_t sig;

			memset(&want, 0, sizeof(want));
			want.local = pi.dst;
			want.ssrc = ssrcs[j];
			memset(&got, 0xa5, sizeof(got));
			sig = mr_stream_key_from_frame(&got, b, &pi, ssrcs[j]);
			MR_TEST_ASSERT(memcmp(&got, &want, sizeof(got)) == 0,
				       "frame %u ssrc %#x: key differs", i, ssrcs[j]);
			MR_TEST_EQ(sig, mr_stream_key_hash(&want));
		}
	}
	return 0;
}
MR_REGISTER_TEST(pkt, stream_key, test_stream_key);
