/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_NEIGH_H
#define MR_NEIGH_H

/**
 * @file
 * A port's neighbour protocols, off the fast path (main lcore only):
 *
 * - ARP (RFC 826): replies for the port's IPv4 address; resolution of an
 *   IPv4 next hop, refreshed by unicast requests before the entry expires.
 * - IPv6 neighbour discovery (RFC 4861): neighbour advertisements for
 *   solicitations of the port's IPv6 address (unicast or to its
 *   solicited-node multicast group); resolution of an IPv6 next hop,
 *   refreshed likewise.
 * - ICMP and ICMPv6 echo replies for the port's addresses.
 *
 * One object per port. Every frame given to it is either turned into a
 * reply in place or freed, and in both cases counted once under one
 * named outcome (mr_neigh_counter_name()). Everything the parsers read is
 * bounds-checked first. Replies and next-hop updates draw on a token
 * bucket (storms are counted under "rate_limited"); an address conflict
 * (another host claiming ours, gratuitous ARP included) is counted and
 * logged at most once a second.
 *
 * Time is in milliseconds of any monotonic clock the caller chooses.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "mr_pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Named counters of one port's neighbour protocols. The "outcome"
 * counters (up to and including RATE_LIMITED) count each frame given to
 * mr_neigh_input()/mr_neigh_handle() exactly once; the others count
 * events.
 */
#define MR_NEIGH_COUNTERS(X) \
	X(ARP_REPLIED,       "arp_replied") \
	X(ARP_LEARNED,       "arp_learned") \
	X(ARP_NOT_OURS,      "arp_not_ours") \
	X(ARP_MALFORMED,     "arp_malformed") \
	X(ARP_CONFLICT,      "arp_conflict") \
	X(ICMP_REPLIED,      "icmp_echo_replied") \
	X(ICMP_NOT_OURS,     "icmp_not_ours") \
	X(ICMP_MALFORMED,    "icmp_malformed") \
	X(ND_REPLIED,        "nd_replied") \
	X(ND_LEARNED,        "nd_learned") \
	X(ND_NOT_OURS,       "nd_not_ours") \
	X(ND_MALFORMED,      "nd_malformed") \
	X(ND_CONFLICT,       "nd_conflict") \
	X(ICMP6_REPLIED,     "icmp6_echo_replied") \
	X(ICMP6_NOT_OURS,    "icmp6_not_ours") \
	X(ICMP6_MALFORMED,   "icmp6_malformed") \
	X(NOT_NEIGH,         "not_neigh") \
	X(RATE_LIMITED,      "rate_limited") \
	X(REQUESTS_SENT,     "requests_sent") \
	X(NEXTHOP_RESOLVED,  "nexthop_resolved") \
	X(NEXTHOP_CHANGED,   "nexthop_changed") \
	X(NEXTHOP_EXPIRED,   "nexthop_expired") \
	X(NO_MBUF,           "no_mbuf") \
	X(TX_DROPPED,        "tx_dropped")

/** Counter indices; see MR_NEIGH_COUNTERS. */
enum mr_neigh_counter {
#define MR_NEIGH_ENUM_(sym, name) MR_NEIGH_##sym,
	MR_NEIGH_COUNTERS(MR_NEIGH_ENUM_)
#undef MR_NEIGH_ENUM_
	MR_NEIGH__MAX
};

/** Defaults of struct mr_neigh_params fields left 0. */
#define MR_NEIGH_REACHABLE_MS 30000 /**< a next hop's entry lives this long after a reply */
#define MR_NEIGH_RETRANS_MS 1000    /**< between two requests */
#define MR_NEIGH_PROBES 3           /**< unicast refreshes before expiry */
#define MR_NEIGH_RATE_PPS 1000      /**< replies and updates a second */
#define MR_NEIGH_BURST 200          /**< token bucket depth */

/** What one port's neighbour protocols need to know. */
struct mr_neigh_params {
	uint16_t port_id;            /**< for log messages */
	struct rte_ether_addr mac;   /**< the port's MAC */
	uint16_t vlan;               /**< 0: untagged; else the VLAN id frames carry */
	bool has_ipv4;
	bool has_ipv6;
	uint8_t ipv4[4];             /**< our IPv4 address (network order) */
	uint8_t ipv6[16];            /**< our IPv6 address */
	/**
	 * The next hop to resolve: IPv4(-mapped) or IPv6 address in an
	 * endpoint (port ignored), of a family the port has an address of.
	 */
	bool has_nexthop;
	struct mr_endpoint nexthop;
	uint32_t reachable_ms;       /**< 0: MR_NEIGH_REACHABLE_MS */
	uint32_t retrans_ms;         /**< 0: MR_NEIGH_RETRANS_MS */
	uint32_t probes;             /**< 0: MR_NEIGH_PROBES */
	uint32_t rate_pps;           /**< 0: MR_NEIGH_RATE_PPS */
	uint32_t burst;              /**< 0: MR_NEIGH_BURST */
	/** Requests (ARP, NS) are built in mbufs of this pool; NULL: none sent. */
	struct rte_mempool *pool;
};

struct mr_neigh;

/**
 * Create a port's neighbour state.
 *
 * @return
 *   The object, or NULL with rte_errno set: EINVAL (no address; a next
 *   hop of a family without an address of ours, or not unicast; reachable
 *   time not above probes * retransmit time), ENOMEM.
 */
struct mr_neigh *mr_neigh_create(const struct mr_neigh_params *p);

/** Free it (NULL allowed). */
void mr_neigh_free(struct mr_neigh *n);

/**
 * Handle one frame in a buffer (what mr_neigh_input() does to an mbuf's
 * data; exposed for tests and fuzzing). Counts the frame once.
 *
 * @param frame
 *   The Ethernet frame; rewritten into the reply when there is one.
 * @param len
 *   Bytes of the frame.
 * @param room
 *   Bytes writable at @p frame (>= @p len): a neighbour advertisement
 *   may be longer than the solicitation it answers.
 * @param now_ms
 *   The current time.
 * @param reply_len
 *   Set to the reply's length when there is a reply.
 * @return
 *   true: @p frame now holds a reply of @p reply_len bytes to send from
 *   the port; false: nothing to send (the frame is to be freed).
 */
bool mr_neigh_handle(struct mr_neigh *n, uint8_t *frame, uint32_t len, uint32_t room,
		     uint64_t now_ms, uint32_t *reply_len);

/**
 * Handle one received frame. Consumes @p m: returns it turned into the
 * reply to send, or frees it and returns NULL. Counts it once.
 */
struct rte_mbuf *mr_neigh_input(struct mr_neigh *n, struct rte_mbuf *m, uint64_t now_ms);

/**
 * Timers of the next-hop resolution: broadcast requests (ARP) or
 * solicitations to the solicited-node group (ND) every retransmit time
 * while unresolved; unicast ones from reachable - probes * retransmit
 * time on; expiry (the MAC is forgotten) at the reachable time without a
 * reply. Call it often (every few milliseconds or more).
 *
 * @param out
 *   Requests to send on the port, built in the pool's mbufs; the caller
 *   owns them.
 * @param max
 *   Room in @p out (1 is enough).
 * @return
 *   Number of mbufs in @p out.
 */
unsigned int mr_neigh_tick(struct mr_neigh *n, uint64_t now_ms, struct rte_mbuf **out,
			   unsigned int max);

/**
 * The next hop's MAC.
 *
 * @param mac
 *   Set to the MAC when resolved, to all zeros when not.
 * @return
 *   A number that changes whenever the MAC (or its absence) changes:
 *   compare it with the last one seen to know when to republish.
 */
uint32_t mr_neigh_nexthop(const struct mr_neigh *n, struct rte_ether_addr *mac);

/** Whether the port has a next hop to resolve and it is resolved now. */
bool mr_neigh_nexthop_resolved(const struct mr_neigh *n);

/** Count @p k frames the caller could not send (the TX queue was full). */
void mr_neigh_count_tx_dropped(struct mr_neigh *n, uint64_t k);

/**
 * One counter (any thread: relaxed load of a value the main lcore writes).
 *
 * @return
 *   Its value; 0 for an index out of range.
 */
uint64_t mr_neigh_counter(const struct mr_neigh *n, enum mr_neigh_counter c);

/** Name of a counter ([a-z0-9_]), "invalid" when out of range. */
const char *mr_neigh_counter_name(enum mr_neigh_counter c);

#ifdef __cplusplus
}
#endif

#endif /* MR_NEIGH_H */
