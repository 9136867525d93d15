/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * ARP, IPv6 neighbour discovery and echo replies of one port. Main lcore
 * only: nothing here runs on a worker. Frames are read byte by byte at
 * offsets checked against the frame's length first; replies are written
 * in place over the request.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "mr_metrics.h"
#include "mr_neigh.h"

RTE_LOG_REGISTER(mr_neigh_logtype, mrelay.neigh, INFO);
#define NEIGH_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, mr_neigh_logtype, "mrelay.neigh: " __VA_ARGS__)

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define ETH_MIN_FRAME 60     /* without FCS: what we pad our requests to */
#define ARP_LEN 28
#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define ICMP_HLEN 8
#define ND_HLEN 24           /* type, code, checksum, flags/reserved, target */
#define ND_OPT_LL_LEN 8      /* source/target link-layer address option */
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define ICMP_ECHO_REQUEST 8
#define ICMP_ECHO_REPLY 0
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ND_NS 135
#define ND_NA 136
#define NA_FLAG_ROUTER 0x80
#define NA_FLAG_SOLICITED 0x40
#define NA_FLAG_OVERRIDE 0x20
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
#define LOG_PERIOD_MS 1000
#define OUR_TTL 64

struct mr_neigh {
	struct mr_neigh_params p;
	uint8_t snm[16];                 /* our solicited-node multicast group */
	/* next hop */
	bool nh_v4;
	uint8_t nh_ip[16];               /* IPv6, or the IPv4 address in [0..3] */
	uint8_t nh_snm[16];              /* its solicited-node group (IPv6) */
	bool resolved;
	struct rte_ether_addr nh_mac;
	uint32_t gen;
	uint64_t confirmed_ms;           /* last reply from it */
	uint64_t next_req_ms;            /* next request due */
	/* token bucket, in thousandths of a token */
	uint64_t tokens;
	uint64_t bucket_ms;
	uint64_t next_log_ms;
	uint64_t ctr[MR_NEIGH__MAX];
};

static const char *const counter_names[MR_NEIGH__MAX] = {
#define MR_NEIGH_NAME_(sym, name) [MR_NEIGH_##sym] = name,
	MR_NEIGH_COUNTERS(MR_NEIGH_NAME_)
#undef MR_NEIGH_NAME_
};

static const uint8_t all_nodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0,
				      0, 0, 0, 0, 0, 0, 0, 0x01};

const char *
mr_neigh_counter_name(enum mr_neigh_counter c)
{
	if ((unsigned int)c >= MR_NEIGH__MAX)
		return "invalid";
	return counter_names[c];
}

uint64_t
mr_neigh_counter(const struct mr_neigh *n, enum mr_neigh_counter c)
{
	if ((unsigned int)c >= MR_NEIGH__MAX)
		return 0;
	return mr_counter_read(&n->ctr[c]);
}

static inline void
count(struct mr_neigh *n, enum mr_neigh_counter c)
{
	mr_counter_add(&n->ctr[c], 1);
}

void
mr_neigh_count_tx_dropped(struct mr_neigh *n, uint64_t k)
{
	mr_counter_add(&n->ctr[MR_NEIGH_TX_DROPPED], k);
}

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ff02::1:ffXX:XXXX of an address (RFC 4291 2.7.1). */
static void
solicited_node(const uint8_t ip[16], uint8_t out[16])
{
	static const uint8_t prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0,
					   0, 0, 0, 0x01, 0xff};

	memcpy(out, prefix, sizeof(prefix));
	memcpy(out + 13, ip + 13, 3);
}

/* 33:33 + the group's last 32 bits (RFC 2464 7). */
static void
multicast_mac(const uint8_t group[16], struct rte_ether_addr *mac)
{
	mac->addr_bytes[0] = 0x33;
	mac->addr_bytes[1] = 0x33;
	memcpy(&mac->addr_bytes[2], group + 12, 4);
}

static bool
v6_is_multicast(const uint8_t *ip)
{
	return ip[0] == 0xff;
}

static bool
v6_is_unspecified(const uint8_t *ip)
{
	static const uint8_t zero[16];

	return memcmp(ip, zero, 16) == 0;
}

/* A MAC a reply may go to: unicast, not all zeros (read bytewise: unaligned). */
static bool
mac_unicast(const uint8_t *mac)
{
	return (mac[0] & 0x01) == 0 &&
	       (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) != 0;
}

/* A unicast IPv4 source we may answer: not 0/8, 127/8, class D/E, broadcast. */
static bool
v4_is_unicast(const uint8_t *ip)
{
	return ip[0] != 0 && ip[0] != 127 && ip[0] < 224;
}

struct mr_neigh *
mr_neigh_create(const struct mr_neigh_params *p)
{
	struct mr_neigh *n;

	if (p == NULL || (!p->has_ipv4 && !p->has_ipv6) ||
	    !rte_is_valid_assigned_ether_addr(&p->mac) || p->vlan > 4094) {
		rte_errno = EINVAL;
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	n->p = *p;
	if (n->p.reachable_ms == 0)
		n->p.reachable_ms = MR_NEIGH_REACHABLE_MS;
	if (n->p.retrans_ms == 0)
		n->p.retrans_ms = MR_NEIGH_RETRANS_MS;
	if (n->p.probes == 0)
		n->p.probes = MR_NEIGH_PROBES;
	if (n->p.rate_pps == 0)
		n->p.rate_pps = MR_NEIGH_RATE_PPS;
	if (n->p.burst == 0)
		n->p.burst = MR_NEIGH_BURST;
	if ((uint64_t)n->p.probes * n->p.retrans_ms >= n->p.reachable_ms)
		goto inval;
	if (p->has_ipv6)
		solicited_node(p->ipv6, n->snm);
	if (p->has_nexthop) {
		n->nh_v4 = mr_endpoint_is_v4(&p->nexthop);
		if (n->nh_v4) {
			memcpy(n->nh_ip, &p->nexthop.ip[12], 4);
			if (!p->has_ipv4 || !v4_is_unicast(n->nh_ip) ||
			    memcmp(n->nh_ip, p->ipv4, 4) == 0)
				goto inval;
		} else {
			memcpy(n->nh_ip, p->nexthop.ip, 16);
			if (!p->has_ipv6 || v6_is_multicast(n->nh_ip) ||
			    v6_is_unspecified(n->nh_ip) || memcmp(n->nh_ip, p->ipv6, 16) == 0)
				goto inval;
			solicited_node(n->nh_ip, n->nh_snm);
		}
	}
	n->tokens = (uint64_t)n->p.burst * 1000;
	return n;
inval:
	free(n);
	rte_errno = EINVAL;
	return NULL;
}

void
mr_neigh_free(struct mr_neigh *n)
{
	free(n);
}

/* One token from the bucket (rate_pps a second, burst deep), or false. */
static bool
token_take(struct mr_neigh *n, uint64_t now_ms)
{
	uint64_t cap = (uint64_t)n->p.burst * 1000;

	if (now_ms > n->bucket_ms) {
		/* clamped first: no overflow after a long quiet time */
		uint64_t add = RTE_MIN(now_ms - n->bucket_ms, cap) * n->p.rate_pps;

		n->tokens = RTE_MIN(n->tokens + add, cap);
		n->bucket_ms = now_ms;
	}
	if (n->tokens < 1000) {
		count(n, MR_NEIGH_RATE_LIMITED);
		return false;
	}
	n->tokens -= 1000;
	return true;
}

/* Logging that a storm cannot turn into a flood: once a second at most. */
static bool
log_allowed(struct mr_neigh *n, uint64_t now_ms)
{
	if (now_ms < n->next_log_ms)
		return false;
	n->next_log_ms = now_ms + LOG_PERIOD_MS;
	return true;
}

static void
log_conflict(struct mr_neigh *n, uint64_t now_ms, const char *what,
	     const uint8_t *mac)
{
	if (!log_allowed(n, now_ms))
		return;
	NEIGH_LOG(WARNING, "port %u: %s address claimed by %02x:%02x:%02x:%02x:%02x:%02x (address conflict)\n",
		  n->p.port_id, what, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/* The next hop answered from @p mac: (re)learn it. */
static void
nexthop_learn(struct mr_neigh *n, const uint8_t *mac, uint64_t now_ms)
{
	struct rte_ether_addr m;

	memcpy(m.addr_bytes, mac, RTE_ETHER_ADDR_LEN);
	if (!n->resolved || !rte_is_same_ether_addr(&m, &n->nh_mac)) {
		char buf[RTE_ETHER_ADDR_FMT_SIZE];

		count(n, n->resolved ? MR_NEIGH_NEXTHOP_CHANGED : MR_NEIGH_NEXTHOP_RESOLVED);
		n->nh_mac = m;
		n->resolved = true;
		n->gen++;
		rte_ether_format_addr(buf, sizeof(buf), &m);
		NEIGH_LOG(INFO, "port %u: next hop is at %s\n", n->p.port_id, buf);
	}
	n->confirmed_ms = now_ms;
	n->next_req_ms = now_ms + n->p.reachable_ms -
			 (uint64_t)n->p.probes * n->p.retrans_ms;
}

uint32_t
mr_neigh_nexthop(const struct mr_neigh *n, struct rte_ether_addr *mac)
{
	if (n->resolved)
		*mac = n->nh_mac;
	else
		memset(mac, 0, sizeof(*mac));
	return n->gen;
}

bool
mr_neigh_nexthop_resolved(const struct mr_neigh *n)
{
	return n->p.has_nexthop && n->resolved;
}

/* Ethernet addresses of a reply: to @p dst, from us. */
static void
eth_reply(const struct mr_neigh *n, uint8_t *frame, const uint8_t *dst)
{
	memmove(frame, dst, RTE_ETHER_ADDR_LEN);
	memcpy(frame + 6, n->p.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
}

/* ---- ARP */

static bool
arp_handle(struct mr_neigh *n, uint8_t *frame, uint32_t off, uint32_t len,
	   uint64_t now_ms, uint32_t *reply_len)
{
	uint8_t *a = frame + off;
	const uint8_t *sha, *spa, *tpa;
	bool for_us, gratuitous;
	uint16_t op;

	if (len - off < ARP_LEN) {
		count(n, MR_NEIGH_ARP_MALFORMED);
		return false;
	}
	op = rd16(a + 6);
	if (rd16(a) != 1 || rd16(a + 2) != RTE_ETHER_TYPE_IPV4 || a[4] != 6 || a[5] != 4 ||
	    (op != ARP_OP_REQUEST && op != ARP_OP_REPLY)) {
		count(n, MR_NEIGH_ARP_MALFORMED);
		return false;
	}
	sha = a + 8;
	spa = a + 14;
	tpa = a + 24;
	/* a sender hardware address must be one a reply could go to */
	if (!mac_unicast(sha)) {
		count(n, MR_NEIGH_ARP_MALFORMED);
		return false;
	}
	if (!n->p.has_ipv4) {
		count(n, MR_NEIGH_ARP_NOT_OURS);
		return false;
	}
	if (memcmp(spa, n->p.ipv4, 4) == 0) {
		if (memcmp(sha, n->p.mac.addr_bytes, RTE_ETHER_ADDR_LEN) == 0) {
			/* our own, looped back */
			count(n, MR_NEIGH_ARP_NOT_OURS);
			return false;
		}
		count(n, MR_NEIGH_ARP_CONFLICT);
		log_conflict(n, now_ms, "IPv4", sha);
		return false;
	}
	for_us = memcmp(tpa, n->p.ipv4, 4) == 0;
	gratuitous = memcmp(spa, tpa, 4) == 0;
	if (n->p.has_nexthop && n->nh_v4 && memcmp(spa, n->nh_ip, 4) == 0 &&
	    (for_us || gratuitous)) {
		if (!token_take(n, now_ms))
			return false;
		nexthop_learn(n, sha, now_ms);
		if (!(for_us && op == ARP_OP_REQUEST)) {
			count(n, MR_NEIGH_ARP_LEARNED);
			return false;
		}
	} else if (!for_us || op != ARP_OP_REQUEST) {
		count(n, MR_NEIGH_ARP_NOT_OURS);
		return false;
	} else if (!token_take(n, now_ms)) {
		return false;
	}
	/* the reply, in place: to the sender's hardware and protocol address */
	eth_reply(n, frame, sha);
	wr16(a + 6, ARP_OP_REPLY);
	memmove(a + 18, a + 8, 10);                   /* tha, tpa <- sha, spa */
	memcpy(a + 8, n->p.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(a + 14, n->p.ipv4, 4);
	*reply_len = len;
	count(n, MR_NEIGH_ARP_REPLIED);
	return true;
}

/* ---- IPv4 ICMP echo */

static bool
icmp_handle(struct mr_neigh *n, uint8_t *frame, uint32_t off, uint32_t len,
	    uint64_t now_ms, uint32_t *reply_len)
{
	uint8_t *ip = frame + off, *icmp;
	uint32_t remain = len - off, hlen, tot, icmp_len;

	if (remain < IPV4_HLEN || (ip[0] >> 4) != 4) {
		count(n, MR_NEIGH_ICMP_MALFORMED);
		return false;
	}
	hlen = (uint32_t)(ip[0] & 0x0f) * 4;
	tot = rd16(ip + 2);
	if (hlen < IPV4_HLEN || hlen > remain || tot < hlen || tot > remain ||
	    mr_pkt_raw_sum(ip, hlen) != 0xffff) {
		count(n, MR_NEIGH_ICMP_MALFORMED);
		return false;
	}
	if (ip[9] != IPPROTO_ICMP) {
		count(n, MR_NEIGH_NOT_NEIGH);
		return false;
	}
	if (!n->p.has_ipv4 || memcmp(ip + 16, n->p.ipv4, 4) != 0 ||
	    (rd16(ip + 6) & 0x3fff) != 0) {
		/* not to us, or a fragment (echo replies are not reassembled) */
		count(n, MR_NEIGH_ICMP_NOT_OURS);
		return false;
	}
	icmp = ip + hlen;
	icmp_len = tot - hlen;
	if (icmp_len < ICMP_HLEN || mr_pkt_raw_sum(icmp, icmp_len) != 0xffff ||
	    !v4_is_unicast(ip + 12)) {
		count(n, MR_NEIGH_ICMP_MALFORMED);
		return false;
	}
	if (icmp[0] != ICMP_ECHO_REQUEST) {
		count(n, MR_NEIGH_ICMP_NOT_OURS);
		return false;
	}
	if (icmp[1] != 0) {
		count(n, MR_NEIGH_ICMP_MALFORMED);
		return false;
	}
	if (!token_take(n, now_ms))
		return false;
	eth_reply(n, frame, frame + 6);
	memcpy(ip + 16, ip + 12, 4);
	memcpy(ip + 12, n->p.ipv4, 4);
	ip[8] = OUR_TTL;
	ip[10] = 0;
	ip[11] = 0;
	wr16(ip + 10, (uint16_t)~rte_be_to_cpu_16(mr_pkt_raw_sum(ip, hlen)));
	icmp[0] = ICMP_ECHO_REPLY;
	icmp[2] = 0;
	icmp[3] = 0;
	wr16(icmp + 2, (uint16_t)~rte_be_to_cpu_16(mr_pkt_raw_sum(icmp, icmp_len)));
	*reply_len = off + tot;
	count(n, MR_NEIGH_ICMP_REPLIED);
	return true;
}

/* ---- IPv6: ICMPv6 echo and neighbour discovery */

/* ICMPv6 checksum over the pseudo header and @p icmp_len bytes: 0xffff when valid. */
static uint16_t
icmp6_sum(const uint8_t *ip6, const uint8_t *icmp, uint32_t icmp_len)
{
	uint64_t sum = mr_pkt_raw_sum(ip6 + 8, 32);

	sum += rte_cpu_to_be_16((uint16_t)icmp_len);  /* fits: icmp_len < 65536 */
	sum += rte_cpu_to_be_16(IPPROTO_ICMPV6);
	sum += mr_pkt_raw_sum(icmp, icmp_len);
	sum = (sum >> 16) + (sum & 0xffff);
	sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t)sum;
}

static void
icmp6_sum_set(const uint8_t *ip6, uint8_t *icmp, uint32_t icmp_len)
{
	icmp[2] = 0;
	icmp[3] = 0;
	wr16(icmp + 2, (uint16_t)~rte_be_to_cpu_16(icmp6_sum(ip6, icmp, icmp_len)));
}

/*
 * ND options after the fixed part (RFC 4861 4.6): each non-empty and
 * inside the message. @p ll is set to the link-layer address option of
 * type @p want, if any. @return false when malformed.
 */
static bool
nd_options(const uint8_t *opt, uint32_t len, uint8_t want, const uint8_t **ll)
{
	*ll = NULL;
	while (len > 0) {
		uint32_t olen;

		if (len < 2)
			return false;
		olen = (uint32_t)opt[1] * 8;
		if (olen == 0 || olen > len)
			return false;
		if (opt[0] == want) {
			if (olen != ND_OPT_LL_LEN)
				return false;
			*ll = opt + 2;
		}
		opt += olen;
		len -= olen;
	}
	return true;
}

static bool
ns_handle(struct mr_neigh *n, uint8_t *frame, uint32_t off, uint32_t room,
	  uint32_t icmp_len, uint64_t now_ms, uint32_t *reply_len)
{
	uint8_t *ip = frame + off, *icmp = ip + IPV6_HLEN, *na;
	const uint8_t *slla;
	uint8_t dst_mac[RTE_ETHER_ADDR_LEN];
	bool from_unspec;

	if (ip[7] != 255 || icmp[1] != 0 || icmp_len < ND_HLEN || v6_is_multicast(icmp + 8) ||
	    !nd_options(icmp + ND_HLEN, icmp_len - ND_HLEN, ND_OPT_SLLA, &slla)) {
		count(n, MR_NEIGH_ND_MALFORMED);
		return false;
	}
	from_unspec = v6_is_unspecified(ip + 8);
	if (from_unspec && (memcmp(ip + 24, n->snm, 16) != 0 || slla != NULL)) {
		count(n, MR_NEIGH_ND_MALFORMED);
		return false;
	}
	if (v6_is_multicast(ip + 8)) {
		count(n, MR_NEIGH_ND_MALFORMED);
		return false;
	}
	if (memcmp(icmp + 8, n->p.ipv6, 16) != 0 ||
	    (memcmp(ip + 24, n->p.ipv6, 16) != 0 && memcmp(ip + 24, n->snm, 16) != 0)) {
		count(n, MR_NEIGH_ND_NOT_OURS);
		return false;
	}
	if (from_unspec) {
		/* duplicate address detection of our address by another host */
		count(n, MR_NEIGH_ND_CONFLICT);
		log_conflict(n, now_ms, "IPv6", frame + 6);
		return false;
	}
	if (slla != NULL && !mac_unicast(slla)) {
		count(n, MR_NEIGH_ND_MALFORMED);
		return false;
	}
	if (room < off + IPV6_HLEN + ND_HLEN + ND_OPT_LL_LEN) {
		/* no room for the advertisement (a tiny mbuf): nothing to answer with */
		count(n, MR_NEIGH_NO_MBUF);
		count(n, MR_NEIGH_ND_NOT_OURS);
		return false;
	}
	if (!token_take(n, now_ms))
		return false;
	if (n->p.has_nexthop && !n->nh_v4 && slla != NULL && memcmp(ip + 8, n->nh_ip, 16) == 0)
		nexthop_learn(n, slla, now_ms);
	memcpy(dst_mac, slla != NULL ? slla : frame + 6, RTE_ETHER_ADDR_LEN);
	/* the advertisement, in place: to the solicitation's source */
	eth_reply(n, frame, dst_mac);
	wr16(ip + 4, ND_HLEN + ND_OPT_LL_LEN);
	memcpy(ip + 24, ip + 8, 16);
	memcpy(ip + 8, n->p.ipv6, 16);
	ip[7] = 255;
	na = icmp;
	na[0] = ND_NA;
	na[1] = 0;
	na[4] = NA_FLAG_SOLICITED | NA_FLAG_OVERRIDE;
	na[5] = na[6] = na[7] = 0;
	memcpy(na + 8, n->p.ipv6, 16);
	na[24] = ND_OPT_TLLA;
	na[25] = 1;
	memcpy(na + 26, n->p.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	icmp6_sum_set(ip, na, ND_HLEN + ND_OPT_LL_LEN);
	*reply_len = off + IPV6_HLEN + ND_HLEN + ND_OPT_LL_LEN;
	count(n, MR_NEIGH_ND_REPLIED);
	return true;
}

static bool
na_handle(struct mr_neigh *n, const uint8_t *frame, uint32_t off, uint32_t icmp_len,
	  uint64_t now_ms)
{
	const uint8_t *ip = frame + off, *icmp = ip + IPV6_HLEN, *tlla;
	bool dst_mcast = v6_is_multicast(ip + 24);

	if (ip[7] != 255 || icmp[1] != 0 || icmp_len < ND_HLEN || v6_is_multicast(icmp + 8) ||
	    (dst_mcast && (icmp[4] & NA_FLAG_SOLICITED) != 0) ||
	    !nd_options(icmp + ND_HLEN, icmp_len - ND_HLEN, ND_OPT_TLLA, &tlla)) {
		count(n, MR_NEIGH_ND_MALFORMED);
		return false;
	}
	if (tlla == NULL)
		tlla = frame + 6;
	if (!mac_unicast(tlla)) {
		count(n, MR_NEIGH_ND_MALFORMED);
		return false;
	}
	if (memcmp(ip + 24, n->p.ipv6, 16) != 0 && memcmp(ip + 24, all_nodes, 16) != 0) {
		count(n, MR_NEIGH_ND_NOT_OURS);
		return false;
	}
	if (memcmp(icmp + 8, n->p.ipv6, 16) == 0) {
		if (memcmp(tlla, n->p.mac.addr_bytes, RTE_ETHER_ADDR_LEN) == 0) {
			count(n, MR_NEIGH_ND_NOT_OURS);
			return false;
		}
		count(n, MR_NEIGH_ND_CONFLICT);
		log_conflict(n, now_ms, "IPv6", tlla);
		return false;
	}
	if (!n->p.has_nexthop || n->nh_v4 || memcmp(icmp + 8, n->nh_ip, 16) != 0 ||
	    /* without override, an advertisement does not move a known entry */
	    (n->resolved && (icmp[4] & NA_FLAG_OVERRIDE) == 0 &&
	     memcmp(tlla, n->nh_mac.addr_bytes, RTE_ETHER_ADDR_LEN) != 0)) {
		count(n, MR_NEIGH_ND_NOT_OURS);
		return false;
	}
	if (!token_take(n, now_ms))
		return false;
	nexthop_learn(n, tlla, now_ms);
	count(n, MR_NEIGH_ND_LEARNED);
	return false;
}

static bool
echo6_handle(struct mr_neigh *n, uint8_t *frame, uint32_t off, uint32_t icmp_len,
	     uint64_t now_ms, uint32_t *reply_len)
{
	uint8_t *ip = frame + off, *icmp = ip + IPV6_HLEN;

	if (icmp_len < ICMP_HLEN || icmp[1] != 0 || v6_is_multicast(ip + 8) ||
	    v6_is_unspecified(ip + 8)) {
		count(n, MR_NEIGH_ICMP6_MALFORMED);
		return false;
	}
	if (memcmp(ip + 24, n->p.ipv6, 16) != 0) {
		count(n, MR_NEIGH_ICMP6_NOT_OURS);
		return false;
	}
	if (!token_take(n, now_ms))
		return false;
	eth_reply(n, frame, frame + 6);
	memcpy(ip + 24, ip + 8, 16);
	memcpy(ip + 8, n->p.ipv6, 16);
	ip[7] = OUR_TTL;
	icmp[0] = ICMP6_ECHO_REPLY;
	icmp6_sum_set(ip, icmp, icmp_len);
	*reply_len = off + IPV6_HLEN + icmp_len;
	count(n, MR_NEIGH_ICMP6_REPLIED);
	return true;
}

static bool
ipv6_handle(struct mr_neigh *n, uint8_t *frame, uint32_t off, uint32_t len, uint32_t room,
	    uint64_t now_ms, uint32_t *reply_len)
{
	const uint8_t *ip = frame + off;
	uint32_t plen;
	uint8_t type;

	if (len - off < IPV6_HLEN || (ip[0] >> 4) != 6) {
		count(n, MR_NEIGH_ICMP6_MALFORMED);
		return false;
	}
	plen = rd16(ip + 4);
	if (plen > len - off - IPV6_HLEN) {
		count(n, MR_NEIGH_ICMP6_MALFORMED);
		return false;
	}
	/* ND and echo requests carry no extension headers that we honour */
	if (ip[6] != IPPROTO_ICMPV6) {
		count(n, MR_NEIGH_NOT_NEIGH);
		return false;
	}
	if (!n->p.has_ipv6) {
		count(n, MR_NEIGH_ICMP6_NOT_OURS);
		return false;
	}
	if (plen < 4) {
		count(n, MR_NEIGH_ICMP6_MALFORMED);
		return false;
	}
	type = ip[IPV6_HLEN];
	if (type != ND_NS && type != ND_NA && type != ICMP6_ECHO_REQUEST) {
		count(n, MR_NEIGH_ICMP6_NOT_OURS);
		return false;
	}
	if (icmp6_sum(ip, ip + IPV6_HLEN, plen) != 0xffff) {
		count(n, type == ICMP6_ECHO_REQUEST ? MR_NEIGH_ICMP6_MALFORMED :
			 MR_NEIGH_ND_MALFORMED);
		return false;
	}
	if (type == ND_NS)
		return ns_handle(n, frame, off, room, plen, now_ms, reply_len);
	if (type == ND_NA)
		return na_handle(n, frame, off, plen, now_ms);
	return echo6_handle(n, frame, off, plen, now_ms, reply_len);
}

bool
mr_neigh_handle(struct mr_neigh *n, uint8_t *frame, uint32_t len, uint32_t room,
		uint64_t now_ms, uint32_t *reply_len)
{
	uint32_t off = ETH_HLEN;
	uint16_t etype;
	bool tagged = false;

	if (room < len || len < ETH_HLEN) {
		count(n, MR_NEIGH_NOT_NEIGH);
		return false;
	}
	etype = rd16(frame + 12);
	if (etype == RTE_ETHER_TYPE_VLAN) {
		if (len < ETH_HLEN + VLAN_HLEN) {
			count(n, MR_NEIGH_NOT_NEIGH);
			return false;
		}
		if ((rd16(frame + 14) & 0x0fff) != n->p.vlan) {
			count(n, MR_NEIGH_NOT_NEIGH);
			return false;
		}
		tagged = true;
		etype = rd16(frame + 16);
		off += VLAN_HLEN;
	}
	if (tagged != (n->p.vlan != 0)) {
		count(n, MR_NEIGH_NOT_NEIGH);
		return false;
	}
	switch (etype) {
	case RTE_ETHER_TYPE_ARP:
		return arp_handle(n, frame, off, len, now_ms, reply_len);
	case RTE_ETHER_TYPE_IPV4:
		return icmp_handle(n, frame, off, len, now_ms, reply_len);
	case RTE_ETHER_TYPE_IPV6:
		return ipv6_handle(n, frame, off, len, room, now_ms, reply_len);
	default:
		count(n, MR_NEIGH_NOT_NEIGH);
		return false;
	}
}

struct rte_mbuf *
mr_neigh_input(struct mr_neigh *n, struct rte_mbuf *m, uint64_t now_ms)
{
	uint32_t reply_len = 0;

	if (m->nb_segs != 1 || RTE_MBUF_CLONED(m) || rte_mbuf_refcnt_read(m) != 1) {
		/* chains and shared data are never written in place */
		count(n, MR_NEIGH_NOT_NEIGH);
		rte_pktmbuf_free(m);
		return NULL;
	}
	if (!mr_neigh_handle(n, rte_pktmbuf_mtod(m, uint8_t *), m->data_len,
			     m->data_len + rte_pktmbuf_tailroom(m), now_ms, &reply_len)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	m->data_len = (uint16_t)reply_len;
	m->pkt_len = reply_len;
	/* what RX set (checksum status, VLAN strip, RSS) means nothing to TX */
	m->ol_flags &= RTE_MBUF_F_EXTERNAL;
	return m;
}

/* ---- requests we send */

/* Ethernet (+ tag) header of a request; returns its length. */
static uint32_t
eth_request(const struct mr_neigh *n, uint8_t *b, const struct rte_ether_addr *dst,
	    uint16_t etype)
{
	memcpy(b, dst->addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(b + 6, n->p.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	if (n->p.vlan == 0) {
		wr16(b + 12, etype);
		return ETH_HLEN;
	}
	wr16(b + 12, RTE_ETHER_TYPE_VLAN);
	wr16(b + 14, n->p.vlan);
	wr16(b + 16, etype);
	return ETH_HLEN + VLAN_HLEN;
}

/* Build the request for the next hop (unicast when resolved) in @p b; its length. */
static uint32_t
request_build(const struct mr_neigh *n, uint8_t b[128])
{
	struct rte_ether_addr dst;
	uint32_t off;

	memset(b, 0, 128);
	if (n->nh_v4) {
		uint8_t *a;

		if (n->resolved)
			dst = n->nh_mac;
		else
			memset(dst.addr_bytes, 0xff, RTE_ETHER_ADDR_LEN);
		off = eth_request(n, b, &dst, RTE_ETHER_TYPE_ARP);
		a = b + off;
		wr16(a, 1);
		wr16(a + 2, RTE_ETHER_TYPE_IPV4);
		a[4] = 6;
		a[5] = 4;
		wr16(a + 6, ARP_OP_REQUEST);
		memcpy(a + 8, n->p.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
		memcpy(a + 14, n->p.ipv4, 4);
		memcpy(a + 24, n->nh_ip, 4);
		off += ARP_LEN;
	} else {
		uint8_t *ip, *ns;

		if (n->resolved)
			dst = n->nh_mac;
		else
			multicast_mac(n->nh_snm, &dst);
		off = eth_request(n, b, &dst, RTE_ETHER_TYPE_IPV6);
		ip = b + off;
		ns = ip + IPV6_HLEN;
		ip[0] = 0x60;
		wr16(ip + 4, ND_HLEN + ND_OPT_LL_LEN);
		ip[6] = IPPROTO_ICMPV6;
		ip[7] = 255;
		memcpy(ip + 8, n->p.ipv6, 16);
		memcpy(ip + 24, n->resolved ? n->nh_ip : n->nh_snm, 16);
		ns[0] = ND_NS;
		memcpy(ns + 8, n->nh_ip, 16);
		ns[24] = ND_OPT_SLLA;
		ns[25] = 1;
		memcpy(ns + 26, n->p.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
		icmp6_sum_set(ip, ns, ND_HLEN + ND_OPT_LL_LEN);
		off += IPV6_HLEN + ND_HLEN + ND_OPT_LL_LEN;
	}
	return off < ETH_MIN_FRAME ? ETH_MIN_FRAME : off;
}

unsigned int
mr_neigh_tick(struct mr_neigh *n, uint64_t now_ms, struct rte_mbuf **out, unsigned int max)
{
	uint8_t b[128];
	struct rte_mbuf *m;
	uint32_t len;
	char *dst;

	if (!n->p.has_nexthop || max == 0)
		return 0;
	if (n->resolved && now_ms >= n->confirmed_ms + n->p.reachable_ms) {
		n->resolved = false;
		memset(&n->nh_mac, 0, sizeof(n->nh_mac));
		n->gen++;
		count(n, MR_NEIGH_NEXTHOP_EXPIRED);
		NEIGH_LOG(WARNING, "port %u: next hop stopped answering: unresolved\n",
			  n->p.port_id);
		n->next_req_ms = now_ms;
	}
	if (now_ms < n->next_req_ms)
		return 0;
	n->next_req_ms = now_ms + n->p.retrans_ms;
	if (n->p.pool == NULL || (m = rte_pktmbuf_alloc(n->p.pool)) == NULL) {
		count(n, MR_NEIGH_NO_MBUF);
		return 0;
	}
	len = request_build(n, b);
	dst = rte_pktmbuf_append(m, (uint16_t)len);
	if (dst == NULL) {
		rte_pktmbuf_free(m);
		count(n, MR_NEIGH_NO_MBUF);
		return 0;
	}
	memcpy(dst, b, len);
	count(n, MR_NEIGH_REQUESTS_SENT);
	out[0] = m;
	return 1;
}
