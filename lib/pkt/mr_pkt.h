/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_PKT_H
#define MR_PKT_H

/**
 * @file
 * Ethernet (+802.1Q), IPv4, IPv6 and UDP: parsing with full bounds checks,
 * UDP endpoints, and prebuilt header templates for the relay's rewrite.
 *
 * The parser never reads a byte before it has checked that the byte is
 * inside the frame; malformed input yields a drop reason, never a fault.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "mr_metrics.h"
#include "mr_pkt_drops.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A UDP endpoint. Addresses of both families live in one 16-byte form:
 * IPv4 as the IPv4-mapped IPv6 address ::ffff:a.b.c.d (RFC 4291 2.5.5.2),
 * so endpoints compare and hash as plain bytes.
 */
struct mr_endpoint {
	uint8_t ip[16];   /**< IPv6, or IPv4-mapped IPv6 */
	uint16_t port;    /**< UDP port, network byte order */
	uint16_t zero;    /**< always 0, so the struct hashes as bytes */
};

/* mr_endpoint_equal() and the hash keys read it as 16 + 4 packed bytes */
_Static_assert(sizeof(struct mr_endpoint) == 20 &&
	       offsetof(struct mr_endpoint, port) == 16 &&
	       offsetof(struct mr_endpoint, zero) == 18, "struct mr_endpoint layout");

/** Longest "[v6addr]:port" string, with the NUL. */
#define MR_ENDPOINT_STRLEN 64

/** Set an endpoint from an IPv4 address and port, both network order. */
void mr_endpoint_set_v4(struct mr_endpoint *ep, uint32_t ip_be, uint16_t port_be);

/** Set an endpoint from an IPv6 address and port (network order). */
void mr_endpoint_set_v6(struct mr_endpoint *ep, const uint8_t ip[16], uint16_t port_be);

/** True when the endpoint holds an IPv4(-mapped) address. */
static inline bool
mr_endpoint_is_v4(const struct mr_endpoint *ep)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return memcmp(ep->ip, mapped, sizeof(mapped)) == 0;
}

/**
 * True when the address may be a destination or a local address: not
 * unspecified, not 0.0.0.0/8, not multicast, not 240.0.0.0/4 or broadcast.
 */
static inline bool
mr_endpoint_is_unicast(const struct mr_endpoint *ep)
{
	static const uint8_t zero[16];

	if (mr_endpoint_is_v4(ep))
		return ep->ip[12] != 0 && ep->ip[12] < 224;
	return memcmp(ep->ip, zero, sizeof(zero)) != 0 && ep->ip[0] != 0xff;
}

/** True when both endpoints are the same address and port. */
static inline bool
mr_endpoint_equal(const struct mr_endpoint *a, const struct mr_endpoint *b)
{
	uint64_t a0, a1, b0, b1;
	uint32_t a2, b2;

	/* per packet (source check): three loads each, no call to memcmp */
	memcpy(&a0, a->ip, 8);
	memcpy(&b0, b->ip, 8);
	memcpy(&a1, a->ip + 8, 8);
	memcpy(&b1, b->ip + 8, 8);
	memcpy(&a2, &a->port, 4);
	memcpy(&b2, &b->port, 4);
	return ((a0 ^ b0) | (a1 ^ b1) | (uint64_t)(a2 ^ b2)) == 0;
}

/**
 * Parse "a.b.c.d:port" or "[v6]:port" (port 1..65535).
 *
 * @return
 *   0, or -EINVAL when the text is not such an endpoint.
 */
int mr_endpoint_parse(const char *text, struct mr_endpoint *ep);

/**
 * Parse an address without a port ("a.b.c.d" or "v6", no brackets);
 * the endpoint's port is set to 0.
 *
 * @return
 *   0, or -EINVAL.
 */
int mr_endpoint_parse_addr(const char *text, struct mr_endpoint *ep);

/**
 * Format an endpoint as "a.b.c.d:port" or "[v6]:port".
 *
 * @return
 *   buf.
 */
char *mr_endpoint_format(const struct mr_endpoint *ep, char *buf, size_t len);

/** What the parser learned of a UDP datagram in an Ethernet frame. */
struct mr_pkt_info {
	struct mr_endpoint src;   /**< IP source and UDP source port */
	struct mr_endpoint dst;   /**< IP destination and UDP destination port */
	uint16_t payload_off;     /**< offset of the UDP payload in the frame */
	uint16_t payload_len;     /**< UDP payload length (from the UDP header) */
	uint16_t vlan_tci;        /**< outer 802.1Q TCI, 0 when untagged */
	uint8_t ip_version;       /**< 4 or 6 */
	uint8_t has_vlan;         /**< 1 when an 802.1Q tag was present */
};

/**
 * Parse an Ethernet frame down to the UDP payload.
 *
 * Accepts at most one 802.1Q (or 802.1ad) tag, IPv4 with options, IPv6
 * with the hop-by-hop, routing and destination-options extension headers.
 * Rejects: runts, unsupported ethertypes (ARP, ...), bad IPv4 version/IHL/
 * total length, IPv4 header checksum errors (from @p ol_flags, or checked
 * in software when the port did not check), fragments (v4 MF/offset, v6
 * fragment header), non-UDP protocols, UDP length mismatches, and L4
 * checksum errors flagged by the port. Trailing Ethernet padding is allowed.
 *
 * @param frame
 *   First byte of the Ethernet header.
 * @param len
 *   Bytes readable at @p frame.
 * @param ol_flags
 *   The mbuf's RX offload flags (RTE_MBUF_F_RX_*_CKSUM_*), 0 if none.
 * @param pi
 *   Filled on success; unspecified on failure.
 * @return
 *   MR_DROP_NONE on success, else the reason to drop the frame (one of
 *   MR_PKT_DROPS).
 */
mr_drop_reason_t mr_pkt_parse(const uint8_t *frame, uint32_t len,
			      uint64_t ol_flags, struct mr_pkt_info *pi);

/** Largest header a template writes: Ethernet + 802.1Q + IPv6 + UDP. */
#define MR_PKT_HDR_MAX (RTE_ETHER_HDR_LEN + 4 + 40 + 8)

/**
 * Prebuilt Ethernet/IP/UDP headers for one destination. Built once by the
 * control plane, applied to every packet sent there: a copy plus the
 * length and checksum fields.
 */
struct mr_pkt_tmpl {
	/* the fields read first, ahead of the bytes copied */
	uint8_t len;                 /**< bytes used in hdr */
	uint8_t l2_len;              /**< Ethernet (+VLAN) length */
	uint8_t l3_len;              /**< 20 or 40 */
	uint8_t ip_version;          /**< 4 or 6 */
	uint16_t ip_sum;             /**< IPv4 header sum without total length */
	uint16_t udp_sum;            /**< pseudo header + ports, without lengths */
	uint16_t phdr_sum;           /**< pseudo header without length (what TX offload wants) */
	uint16_t pad;
	uint8_t hdr[MR_PKT_HDR_MAX]; /**< headers with zero lengths/checksums */
};

/**
 * Build a template. @p src and @p dst must be of the same family.
 *
 * @param vlan_tci
 *   802.1Q TCI to insert, or 0 for an untagged frame.
 * @return
 *   0, or -EINVAL when the families differ or a port is 0.
 */
int mr_pkt_tmpl_init(struct mr_pkt_tmpl *t, const struct rte_ether_addr *src_mac,
		     const struct rte_ether_addr *dst_mac, uint16_t vlan_tci,
		     const struct mr_endpoint *src, const struct mr_endpoint *dst);

/** Offloads a TX queue offers, as used by mr_pkt_tmpl_apply(). */
#define MR_PKT_TX_CKSUM_OFFLOAD (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM)

/**
 * Prepend the template's headers to @p m, whose data must start at the
 * UDP payload (rte_pktmbuf_pkt_len(m) is the payload length). Fills the
 * IP and UDP lengths and checksums: in software from @p payload_sum, or
 * as TX offload requests when @p use_offload is true (the port must offer
 * MR_PKT_TX_CKSUM_OFFLOAD).
 *
 * @param payload_sum
 *   rte_raw_cksum of the payload (unfolded or folded, not complemented);
 *   ignored with @p use_offload.
 * @return
 *   0, or -ENOSPC when the first segment has too little headroom,
 *   -EMSGSIZE when the datagram would exceed 65535 bytes.
 */
int mr_pkt_tmpl_apply(const struct mr_pkt_tmpl *t, struct rte_mbuf *m,
		      uint32_t payload_sum, bool use_offload);

/**
 * The UDP payload's one's complement sum (as mr_pkt_raw_sum() gives it),
 * taken from the received UDP checksum by removing the headers' share
 * (RFC 1624 style) instead of reading every payload byte; read from the
 * payload when the datagram carries no checksum (IPv4 checksum 0).
 * A relay that builds its output checksum from this keeps a corrupted
 * datagram's checksum wrong, so the receiver still sees the damage.
 *
 * @param frame
 *   The frame mr_pkt_parse() parsed into @p pi.
 */
uint16_t mr_pkt_payload_sum(const uint8_t *frame, const struct mr_pkt_info *pi);

/**
 * One's complement sum of @p len bytes, folded to 16 bits, not
 * complemented: the same value as rte_raw_cksum(), computed 8 bytes a
 * step (DPDK 22.11's adds 2 bytes a step, which shows in the per-packet
 * cost of relaying 160-byte voice payloads).
 */
static inline uint16_t
mr_pkt_raw_sum(const void *buf, uint32_t len)
{
	const uint8_t *p = buf;
	uint64_t sum = 0, w;
	uint32_t half;

	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&w, p, sizeof(w));
		sum += (w & 0xffffffff) + (w >> 32);
	}
	if (len >= 4) {
		memcpy(&half, p, sizeof(half));
		sum += half;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t v;

		memcpy(&v, p, sizeof(v));
		sum += v;
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		uint16_t v = 0;

		memcpy(&v, p, 1); /* the byte as the first of a zero-padded word */
		sum += v;
	}
	sum = (sum >> 32) + (sum & 0xffffffff);
	sum = (sum >> 16) + (sum & 0xffff);
	sum = (sum >> 16) + (sum & 0xffff);
	sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t)sum;
}

#ifdef __cplusplus
}
#endif

#endif /* MR_PKT_H */
