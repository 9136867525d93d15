/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_byteorder.h>
#include <rte_branch_prediction.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_memcpy.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "mr_pkt.h"

MR_DROP_REGISTER(pkt, MR_PKT_DROPS)

#define MR_VLAN_HLEN 4
#define MR_IPV4_HLEN 20
#define MR_IPV6_HLEN 40
#define MR_UDP_HLEN 8
#define MR_IPV4_DF 0x4000
#define MR_IPV4_FRAG_MASK 0x3fff /* MF flag and fragment offset */
#define MR_TTL 64
/* Legitimate chains have at most four (RFC 8200 4.1); cap the walk. */
#define MR_IPV6_MAX_EXT 8

static const uint8_t mr_v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Bytes are read one at a time: frames need not be aligned. */
static inline uint16_t
mr_rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* A 16-bit word as rte_raw_cksum sees it (native order of memory). */
static inline uint16_t
mr_word(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void
mr_wr_word(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Fold a one's complement sum to 16 bits (not complemented). */
static inline uint16_t
mr_cksum_fold(uint64_t sum)
{
	sum = (sum >> 32) + (sum & 0xffffffff);
	sum = (sum >> 16) + (sum & 0xffff);
	sum = (sum >> 16) + (sum & 0xffff);
	sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t)sum;
}

void
mr_endpoint_set_v4(struct mr_endpoint *ep, uint32_t ip_be, uint16_t port_be)
{
	memcpy(ep->ip, mr_v4_mapped, sizeof(mr_v4_mapped));
	memcpy(&ep->ip[12], &ip_be, sizeof(ip_be));
	ep->port = port_be;
	ep->zero = 0;
}

void
mr_endpoint_set_v6(struct mr_endpoint *ep, const uint8_t ip[16], uint16_t port_be)
{
	memcpy(ep->ip, ip, sizeof(ep->ip));
	ep->port = port_be;
	ep->zero = 0;
}

int
mr_endpoint_parse_addr(const char *text, struct mr_endpoint *ep)
{
	uint8_t ip6[16];
	uint32_t ip4;

	if (text == NULL || ep == NULL)
		return -EINVAL;
	if (inet_pton(AF_INET, text, &ip4) == 1) {
		mr_endpoint_set_v4(ep, ip4, 0);
		return 0;
	}
	if (inet_pton(AF_INET6, text, ip6) == 1) {
		mr_endpoint_set_v6(ep, ip6, 0);
		return 0;
	}
	return -EINVAL;
}

/* Decimal 1..65535, digits only: no sign, space or empty string. */
static int
mr_parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;
	size_t n;

	for (n = 0; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 5)
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[n] - '0');
	}
	if (n == 0 || v == 0 || v > UINT16_MAX)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int
mr_endpoint_parse(const char *text, struct mr_endpoint *ep)
{
	char addr[INET6_ADDRSTRLEN];
	const char *colon, *start;
	uint8_t ip6[16];
	uint32_t ip4;
	uint16_t port;
	size_t alen;

	if (text == NULL || ep == NULL)
		return -EINVAL;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (close == NULL || close[1] != ':')
			return -EINVAL;
		start = text + 1;
		alen = (size_t)(close - start);
		colon = close + 1;
	} else {
		colon = strchr(text, ':');
		/* a second colon means an unbracketed IPv6 address */
		if (colon == NULL || strchr(colon + 1, ':') != NULL)
			return -EINVAL;
		start = text;
		alen = (size_t)(colon - start);
	}
	if (alen == 0 || alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, start, alen);
	addr[alen] = '\0';
	if (mr_parse_port(colon + 1, &port) < 0)
		return -EINVAL;

	if (text[0] == '[') {
		if (inet_pton(AF_INET6, addr, ip6) != 1)
			return -EINVAL;
		mr_endpoint_set_v6(ep, ip6, rte_cpu_to_be_16(port));
	} else {
		if (inet_pton(AF_INET, addr, &ip4) != 1)
			return -EINVAL;
		mr_endpoint_set_v4(ep, ip4, rte_cpu_to_be_16(port));
	}
	return 0;
}

char *
mr_endpoint_format(const struct mr_endpoint *ep, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned int port;

	if (buf == NULL || len == 0)
		return buf;
	port = rte_be_to_cpu_16(ep->port);
	if (mr_endpoint_is_v4(ep)) {
		if (inet_ntop(AF_INET, &ep->ip[12], addr, sizeof(addr)) == NULL)
			addr[0] = '\0';
		snprintf(buf, len, "%s:%u", addr, port);
	} else {
		if (inet_ntop(AF_INET6, ep->ip, addr, sizeof(addr)) == NULL)
			addr[0] = '\0';
		snprintf(buf, len, "[%s]:%u", addr, port);
	}
	return buf;
}

/*
 * UDP header at @p off, with @p ip_end the end of the IP payload (already
 * known to be inside the frame). Fills ports and payload position.
 */
static inline mr_drop_reason_t
mr_parse_udp(const uint8_t *frame, uint32_t off, uint32_t ip_end,
	     uint64_t ol_flags, struct mr_pkt_info *pi)
{
	const uint8_t *udp = frame + off;
	uint32_t udp_len;

	if (unlikely(ip_end - off < MR_UDP_HLEN))
		return MR_DROP_UDP_HDR;
	udp_len = mr_rd16(udp + 4);
	if (unlikely(udp_len < MR_UDP_HLEN || udp_len > ip_end - off))
		return MR_DROP_UDP_HDR;
	if (unlikely((ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
		     RTE_MBUF_F_RX_L4_CKSUM_BAD))
		return MR_DROP_L4_CKSUM;
	/* an IPv6 extension chain could push the payload past 16 bits */
	if (unlikely(off + MR_UDP_HLEN > UINT16_MAX))
		return MR_DROP_IPV6_EXT;

	memcpy(&pi->src.port, udp, sizeof(pi->src.port));
	memcpy(&pi->dst.port, udp + 2, sizeof(pi->dst.port));
	pi->src.zero = 0;
	pi->dst.zero = 0;
	pi->payload_off = (uint16_t)(off + MR_UDP_HLEN);
	pi->payload_len = (uint16_t)(udp_len - MR_UDP_HLEN);
	return MR_DROP_NONE;
}

static inline mr_drop_reason_t
mr_parse_ipv4(const uint8_t *frame, uint32_t len, uint32_t off,
	      uint64_t ol_flags, struct mr_pkt_info *pi)
{
	const uint8_t *ip = frame + off;
	uint32_t remain = len - off;
	uint32_t hlen, tot_len;
	uint64_t cks;

	if (unlikely(remain < MR_IPV4_HLEN))
		return MR_DROP_IPV4_HDR;
	if (unlikely((ip[0] >> 4) != 4))
		return MR_DROP_IPV4_HDR;
	hlen = (uint32_t)(ip[0] & 0x0f) * 4;
	if (unlikely(hlen < MR_IPV4_HLEN || hlen > remain))
		return MR_DROP_IPV4_HDR;
	tot_len = mr_rd16(ip + 2);
	/* tot_len < remain is Ethernet padding, allowed */
	if (unlikely(tot_len < hlen || tot_len > remain))
		return MR_DROP_IPV4_HDR;

	cks = ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (unlikely(cks == RTE_MBUF_F_RX_IP_CKSUM_BAD))
		return MR_DROP_IPV4_CKSUM;
	/* GOOD and NONE: the port vouched for the header; UNKNOWN: check */
	if (cks == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN &&
	    unlikely(mr_pkt_raw_sum(ip, hlen) != 0xffff))
		return MR_DROP_IPV4_CKSUM;

	if (unlikely(mr_rd16(ip + 6) & MR_IPV4_FRAG_MASK))
		return MR_DROP_IP_FRAGMENT;
	if (unlikely(ip[9] != IPPROTO_UDP))
		return MR_DROP_NOT_UDP;

	memcpy(pi->src.ip, mr_v4_mapped, sizeof(mr_v4_mapped));
	memcpy(&pi->src.ip[12], ip + 12, 4);
	memcpy(pi->dst.ip, mr_v4_mapped, sizeof(mr_v4_mapped));
	memcpy(&pi->dst.ip[12], ip + 16, 4);
	pi->ip_version = 4;
	return mr_parse_udp(frame, off + hlen, off + tot_len, ol_flags, pi);
}

static inline mr_drop_reason_t
mr_parse_ipv6(const uint8_t *frame, uint32_t len, uint32_t off,
	      uint64_t ol_flags, struct mr_pkt_info *pi)
{
	const uint8_t *ip = frame + off;
	uint32_t remain = len - off;
	uint32_t pos, end;
	unsigned int n_ext = 0;
	uint8_t nh;

	if (unlikely(remain < MR_IPV6_HLEN))
		return MR_DROP_IPV6_HDR;
	if (unlikely((ip[0] >> 4) != 6))
		return MR_DROP_IPV6_HDR;
	pos = off + MR_IPV6_HLEN;
	end = pos + mr_rd16(ip + 4);
	if (unlikely(end > len))
		return MR_DROP_IPV6_HDR;

	nh = ip[6];
	while (nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_DSTOPTS) {
		uint32_t ext_len;

		/* hop-by-hop may only come first (RFC 8200 4.1) */
		if (unlikely(nh == IPPROTO_HOPOPTS && n_ext != 0))
			return MR_DROP_IPV6_EXT;
		if (unlikely(++n_ext > MR_IPV6_MAX_EXT || end - pos < 2))
			return MR_DROP_IPV6_EXT;
		ext_len = ((uint32_t)frame[pos + 1] + 1) * 8;
		if (unlikely(ext_len > end - pos))
			return MR_DROP_IPV6_EXT;
		nh = frame[pos];
		pos += ext_len;
	}
	if (unlikely(nh == IPPROTO_FRAGMENT))
		return MR_DROP_IP_FRAGMENT;
	if (unlikely(nh != IPPROTO_UDP))
		return MR_DROP_NOT_UDP;

	memcpy(pi->src.ip, ip + 8, 16);
	memcpy(pi->dst.ip, ip + 24, 16);
	pi->ip_version = 6;
	return mr_parse_udp(frame, pos, end, ol_flags, pi);
}

mr_drop_reason_t
mr_pkt_parse(const uint8_t *frame, uint32_t len, uint64_t ol_flags,
	     struct mr_pkt_info *pi)
{
	uint32_t off = RTE_ETHER_HDR_LEN;
	uint16_t etype;

	if (unlikely(len < RTE_ETHER_HDR_LEN))
		return MR_DROP_RUNT;
	etype = mr_rd16(frame + 12);
	pi->vlan_tci = 0;
	pi->has_vlan = 0;
	if (etype == RTE_ETHER_TYPE_VLAN || etype == RTE_ETHER_TYPE_QINQ) {
		if (unlikely(len < RTE_ETHER_HDR_LEN + MR_VLAN_HLEN))
			return MR_DROP_VLAN;
		pi->vlan_tci = mr_rd16(frame + 14);
		pi->has_vlan = 1;
		etype = mr_rd16(frame + 16);
		off += MR_VLAN_HLEN;
		if (unlikely(etype == RTE_ETHER_TYPE_VLAN ||
			     etype == RTE_ETHER_TYPE_QINQ))
			return MR_DROP_VLAN;
	}
	if (likely(etype == RTE_ETHER_TYPE_IPV4))
		return mr_parse_ipv4(frame, len, off, ol_flags, pi);
	if (etype == RTE_ETHER_TYPE_IPV6)
		return mr_parse_ipv6(frame, len, off, ol_flags, pi);
	return MR_DROP_NOT_IP;
}

/* One's complement sum of an endpoint's address words and port. */
static inline uint64_t
endpoint_sum(const struct mr_endpoint *ep)
{
	uint64_t a, b;
	uint32_t c;

	memcpy(&a, ep->ip, 8);
	memcpy(&b, ep->ip + 8, 8);
	memcpy(&c, &ep->port, 4); /* port and the zero pad */
	return (a & 0xffffffff) + (a >> 32) + (b & 0xffffffff) + (b >> 32) + c;
}

uint16_t
mr_pkt_payload_sum(const uint8_t *frame, const struct mr_pkt_info *pi)
{
	const uint8_t *udp = frame + pi->payload_off - MR_UDP_HLEN;
	uint16_t cks = mr_word(udp + 6);
	uint64_t hdr;

	if (cks == 0) /* IPv4 sender sent no checksum */
		return mr_pkt_raw_sum(frame + pi->payload_off, pi->payload_len);
	/*
	 * The checksum covers the pseudo header, the UDP header and the
	 * payload: what is left once the headers are taken back out is the
	 * payload's sum. An IPv4 address is summed in its ::ffff: mapped
	 * form: the extra 0xffff word is a one's complement zero.
	 */
	hdr = endpoint_sum(&pi->src) + endpoint_sum(&pi->dst) +
		rte_cpu_to_be_16(IPPROTO_UDP) + 2 * (uint64_t)mr_word(udp + 4);
	return mr_cksum_fold((uint16_t)~mr_cksum_fold(hdr) + (uint16_t)~cks);
}

int
mr_pkt_tmpl_init(struct mr_pkt_tmpl *t, const struct rte_ether_addr *src_mac,
		 const struct rte_ether_addr *dst_mac, uint16_t vlan_tci,
		 const struct mr_endpoint *src, const struct mr_endpoint *dst)
{
	uint8_t *h, *ip, *udp;
	bool v4;
	uint32_t sum;

	if (t == NULL || src_mac == NULL || dst_mac == NULL || src == NULL ||
	    dst == NULL)
		return -EINVAL;
	v4 = mr_endpoint_is_v4(src);
	if (v4 != mr_endpoint_is_v4(dst) || src->port == 0 || dst->port == 0)
		return -EINVAL;

	memset(t, 0, sizeof(*t));
	h = t->hdr;
	memcpy(h, dst_mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(h + 6, src_mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	t->l2_len = RTE_ETHER_HDR_LEN;
	if (vlan_tci != 0) {
		h[12] = RTE_ETHER_TYPE_VLAN >> 8;
		h[13] = RTE_ETHER_TYPE_VLAN & 0xff;
		h[14] = vlan_tci >> 8;
		h[15] = vlan_tci & 0xff;
		t->l2_len += MR_VLAN_HLEN;
	}
	ip = h + t->l2_len;
	if (v4) {
		ip[-2] = RTE_ETHER_TYPE_IPV4 >> 8;
		ip[-1] = RTE_ETHER_TYPE_IPV4 & 0xff;
		ip[0] = 0x45;
		/* ID 0 with DF: atomic datagram, RFC 6864 4.1 */
		ip[6] = MR_IPV4_DF >> 8;
		ip[8] = MR_TTL;
		ip[9] = IPPROTO_UDP;
		memcpy(ip + 12, &src->ip[12], 4);
		memcpy(ip + 16, &dst->ip[12], 4);
		t->l3_len = MR_IPV4_HLEN;
		t->ip_version = 4;
		t->ip_sum = rte_raw_cksum(ip, MR_IPV4_HLEN);
		/* pseudo header: addresses and protocol */
		sum = __rte_raw_cksum(ip + 12, 8, 0);
	} else {
		ip[-2] = RTE_ETHER_TYPE_IPV6 >> 8;
		ip[-1] = RTE_ETHER_TYPE_IPV6 & 0xff;
		ip[0] = 0x60;
		ip[6] = IPPROTO_UDP;
		ip[7] = MR_TTL;
		memcpy(ip + 8, src->ip, 16);
		memcpy(ip + 24, dst->ip, 16);
		t->l3_len = MR_IPV6_HLEN;
		t->ip_version = 6;
		t->ip_sum = 0;
		sum = __rte_raw_cksum(ip + 8, 32, 0);
	}
	sum += rte_cpu_to_be_16(IPPROTO_UDP);
	t->phdr_sum = mr_cksum_fold(sum);
	udp = ip + t->l3_len;
	memcpy(udp, &src->port, 2);
	memcpy(udp + 2, &dst->port, 2);
	sum += mr_word(udp) + mr_word(udp + 2);
	t->udp_sum = mr_cksum_fold(sum);
	t->len = (uint8_t)(t->l2_len + t->l3_len + MR_UDP_HLEN);
	return 0;
}

int
mr_pkt_tmpl_apply(const struct mr_pkt_tmpl *t, struct rte_mbuf *m,
		  uint32_t payload_sum, bool use_offload)
{
	uint32_t udp_len = rte_pktmbuf_pkt_len(m) + MR_UDP_HLEN;
	uint16_t udp_len_be, cks;
	uint8_t *h, *ip, *udp;
	uint64_t sum;

	if (unlikely(udp_len + (t->ip_version == 4 ? MR_IPV4_HLEN : 0) >
		     UINT16_MAX))
		return -EMSGSIZE;
	/* prepend writes into the first segment's headroom only */
	h = (uint8_t *)rte_pktmbuf_prepend(m, t->len);
	if (unlikely(h == NULL))
		return -ENOSPC;
	/* inline copy of a short, variable length: no call per packet */
	rte_memcpy(h, t->hdr, t->len);
	ip = h + t->l2_len;
	udp = ip + t->l3_len;
	udp_len_be = rte_cpu_to_be_16((uint16_t)udp_len);
	mr_wr_word(udp + 4, udp_len_be);

	if (t->ip_version == 4) {
		uint16_t tot_be = rte_cpu_to_be_16((uint16_t)(udp_len + MR_IPV4_HLEN));

		mr_wr_word(ip + 2, tot_be);
		if (!use_offload)
			mr_wr_word(ip + 10, (uint16_t)~mr_cksum_fold(t->ip_sum + tot_be));
	} else {
		mr_wr_word(ip + 4, udp_len_be);
	}

	m->l2_len = t->l2_len;
	m->l3_len = t->l3_len;
	m->ol_flags &= ~(RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IP_CKSUM |
			 RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6);
	if (use_offload) {
		/* the NIC wants the pseudo-header sum (with the length) in the UDP checksum field */
		mr_wr_word(udp + 6, mr_cksum_fold((uint32_t)t->phdr_sum + udp_len_be));
		m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM | (t->ip_version == 4 ?
			RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM :
			RTE_MBUF_F_TX_IPV6);
		return 0;
	}
	/* the length counts twice: pseudo header and UDP header */
	sum = (uint64_t)t->udp_sum + 2 * (uint64_t)udp_len_be + payload_sum;
	cks = (uint16_t)~mr_cksum_fold(sum);
	/* 0 means "no checksum" in UDP: send the other zero (RFC 768) */
	if (cks == 0)
		cks = 0xffff;
	mr_wr_word(udp + 6, cks);
	return 0;
}
