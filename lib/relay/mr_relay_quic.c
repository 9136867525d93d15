/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * QUIC endpoints in the workers and RTP over QUIC legs (mr_relay_quic.h):
 * routing QUIC datagrams to the worker owning their connection, feeding
 * its lib/quic server, RoQ datagrams into the burst path as frames of
 * their leg, RTP for RoQ legs out in DATAGRAM frames, timers from the TSC
 * and a budget of new connections per loop pass.
 */

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "mr_relay_priv.h"
#include "mr_relay_quic.h"

MR_DROP_REGISTER(quic, MR_QUIC_DROPS)

/* lib/quic's reasons as registry ids: the same names, MR_QUIC_OK as none */
enum { MR_DROP_QUIC_OK = MR_DROP_NONE };
#define MR_QUIC_MAP_(sym, name) [MR_QUIC_##sym] = MR_DROP_QUIC_##sym,
static const mr_drop_reason_t quic_drop_id[MR_QUIC_DROP__MAX] = {
	MR_QUIC_DROP_REASONS(MR_QUIC_MAP_)
};
#undef MR_QUIC_MAP_

mr_drop_reason_t
mr_relay_quic_drop_id(enum mr_quic_drop d)
{
	return (unsigned int)d < MR_QUIC_DROP__MAX ? quic_drop_id[d] : MR_DROP_NONE;
}

#define QUIC_RING_SIZE 4096   /* a worker's QUIC ring (packets) */
#define HS_RING_SIZE 256      /* new-connection Initials waiting for the budget */
#define ROQ_WRITE_TRIES 4     /* packets of other frames ahead of one datagram */
#define ROQ_APP_ERROR_NO_SLOT 0x100 /* CONNECTION_CLOSE code: no connection slot */
#define ROQ_CONN_FLOWS 8      /* flows a connection's close unlatches one by one */
#define ROQ_HOLD_MAX 32       /* RoQ frames held for a leg waiting for its unlatch */
#define ROQ_HOLD_MS 50        /* at most this long: then through, source_mismatch */
#define HS_RING_IN_SIZE 4096  /* packets for the handshake lcore (MP/SC) */
#define HS_EARLY_DGRAMS 64    /* RoQ datagrams an opening connection takes to its worker */
#define HS_PENDING_MAX 64     /* connections that opened in one pass, handed over at its end */
#define HS_PUBLISH_MS 10      /* the handshake lcore publishes its counters this often */
/*
 * Entries of a worker's QUIC ring are mbufs (64-octet aligned), some with
 * a tag in their low bits: in one ring, a connection handed over by the
 * handshake lcore comes before any packet it gives back to the worker.
 */
#define RING_TAG_HANDOFF 1u   /* an mbuf whose data is a struct hs_handoff */
#define RING_TAG_BOUNCED 2u   /* a packet the handshake lcore gives back */
#define RING_TAG_MASK 3u

/* One QUIC endpoint: what every worker shares, fixed before they start. */
struct mr_relay_quic {
	char name[32];
	struct mr_quic_endpoint *ep;
	const struct mr_quic_cid_conf *cid;
	uint8_t cid_len;
	uint16_t idx;
	uint16_t port_id;
	uint16_t hs_budget;
	uint16_t synth_port_be;         /* port of the made-up endpoints (rtp_port_min) */
	uint32_t max_conns;
	bool hs;                        /* new connections on the handshake lcore */
	struct mr_endpoint local;
	struct sockaddr_storage local_sa;
	socklen_t local_sa_len;
};

/* A connection as the relay knows it: its slot names it in made-up endpoints. */
struct roq_conn {
	struct mr_quic_conn *c;
	uint32_t next_free;
	uint16_t gen;                   /* bumped at each use of the slot: stale names miss */
	bool in_use;
	bool tmpl_ok;                   /* tmpl is for tmpl_path and tmpl_nexthop */
	uint8_t n_flows;                /* flows it sent on (their legs may be latched to it) */
	bool flows_overflow;            /* more than ROQ_CONN_FLOWS: unlatch scans the legs */
	bool closing;                   /* closing or draining: its legs are let go */
	uint64_t flows[ROQ_CONN_FLOWS];
	struct mr_endpoint synth;
	struct mr_quic_path tmpl_path;
	struct rte_ether_addr tmpl_nexthop;
	struct mr_pkt_tmpl tmpl;
};

/* One endpoint on one worker. */
struct worker_ep {
	struct mr_worker *w;
	const struct mr_relay_quic *q;
	struct mr_quic_server *server;
	struct roq_conn *conns;         /* [q->max_conns] */
	uint32_t free_head;
	struct rte_ring *hs_ring;       /* SP/SC, this worker's */
	uint16_t hs_this_pass;
	uint64_t roq_in;
	uint64_t roq_out;
	uint64_t hs_deferred;
	uint64_t to_hs;
	uint64_t unlatch_reqs;
	uint64_t unlatch_lost;
	uint64_t held;
	/*
	 * A new connection's frames for a leg still latched to another one
	 * of ours wait here for the main lcore's unlatch, in order, rather
	 * than being source_mismatch: one leg at a time (roq_hold()).
	 */
	uint16_t n_hold;
	uint32_t hold_leg;
	uint64_t hold_until;            /* TSC */
	struct mr_endpoint hold_flow;   /* the leg's local endpoint */
	struct mr_endpoint hold_self;   /* the connection whose frames wait */
	struct rte_mbuf *hold[ROQ_HOLD_MAX];
	bool freeing;                   /* the relay is going: no unlatch on release */
	/* published by the worker at each tick for any reader (even: stable) */
	uint32_t pub_seq;
	struct mr_relay_quic_stats pub;
};

struct mr_worker_quic {
	uint64_t ns_mult;               /* ns = tsc * ns_mult >> 32 */
	struct rte_mbuf *spare;         /* for the next packet a server writes */
	uint16_t n_in;
	struct rte_mbuf *in[MR_RELAY_BURST_MAX]; /* RoQ frames of the packet being read */
	struct roq_conn *unlatch_after; /* it closed in the packet being read: after in[] */
	struct worker_ep ep[MR_ROQ_MAX_ENDPOINTS];
};

/* A connection the handshake lcore hands to its worker: an mbuf's data. */
struct hs_handoff {
	struct mr_quic_conn *c;
	uint16_t quic;                  /* endpoint index */
	uint16_t n_dgrams;
	/* RoQ datagrams (flow id + packet) it received before the hand-over */
	struct rte_mbuf *dgrams[HS_EARLY_DGRAMS];
};

/* One endpoint on the handshake lcore. */
struct hs_ep {
	struct mr_relay_hs *hs;
	const struct mr_relay_quic *q;
	struct mr_quic_server *server;  /* owner MR_QUIC_OWNER_ROUTE */
	uint16_t n_pending;
	uint16_t hs_this_pass;
	struct rte_mbuf *pending[HS_PENDING_MAX]; /* handoff mbufs of connections that opened */
	uint64_t handed_off;
	uint64_t early_dgrams;
	uint64_t bounced;
	uint64_t deferred;
	uint32_t pub_seq;
	struct mr_relay_quic_stats pub;
};

/*
 * The handshake lcore: makes the new connections of the endpoints with
 * handshakes there, so that their TLS work never stalls a worker's RTP.
 */
struct mr_relay_hs {
	struct mr_worker *tx;           /* its TX context: drop counters, TX buffers */
	struct rte_ring *ring;          /* MP/SC: packets the workers send it */
	struct rte_ring *defer;         /* SP/SC: new-connection Initials past the budget */
	struct rte_mbuf *spare;
	uint64_t ns_mult;
	uint64_t next_publish;          /* TSC */
	bool reattach;                  /* on_open of a connection taken back: no record */
	struct hs_ep ep[MR_ROQ_MAX_ENDPOINTS];
};

#define NO_SLOT UINT32_MAX

static inline uint64_t
ns_of(uint64_t ns_mult, uint64_t tsc)
{
	return (uint64_t)(((unsigned __int128)tsc * ns_mult) >> 32);
}

static inline uint64_t
tsc_ns(const struct mr_worker_quic *wq, uint64_t tsc)
{
	return ns_of(wq->ns_mult, tsc);
}

static inline void
count(struct mr_worker *w, mr_drop_reason_t reason)
{
	mr_drop_count(w->ctr, reason, 1);
}

/* ---------- addresses ---------- */

static void
ep_to_sa(const struct mr_endpoint *ep, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (mr_endpoint_is_v4(ep)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = ep->port;
		memcpy(&sin->sin_addr, ep->ip + 12, 4);
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = ep->port;
		memcpy(&sin6->sin6_addr, ep->ip, 16);
		*len = sizeof(*sin6);
	}
}

static int
sa_to_ep(const struct sockaddr_storage *ss, struct mr_endpoint *ep)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		mr_endpoint_set_v4(ep, sin->sin_addr.s_addr, sin->sin_port);
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		mr_endpoint_set_v6(ep, sin6->sin6_addr.s6_addr, sin6->sin6_port);
		return 0;
	}
	return -EINVAL;
}

static bool
path_equal(const struct mr_quic_path *a, const struct mr_quic_path *b)
{
	return a->local_len == b->local_len && a->remote_len == b->remote_len &&
	       memcmp(&a->local, &b->local, a->local_len) == 0 &&
	       memcmp(&a->remote, &b->remote, a->remote_len) == 0;
}

/* ---------- sending QUIC packets ---------- */

/*
 * Headers for a QUIC packet on @p path (its connection's cached template
 * when @p rc has one for this path and next hop), then TX. Consumes @p out,
 * whose data is the UDP payload.
 */
static void
quic_emit(struct mr_worker *w, const struct mr_relay_quic *q, struct roq_conn *rc,
	  struct rte_mbuf *out, const struct mr_quic_path *path)
{
	const struct mr_stream_port *sp = &w->relay->streams->ports[q->port_id];
	struct mr_pkt_tmpl local_tmpl, *t = rc != NULL ? &rc->tmpl : &local_tmpl;
	struct mr_endpoint src, dst;
	uint32_t sum = 0;
	int rc_apply;

	if (unlikely(rte_is_zero_ether_addr(&sp->nexthop))) {
		drop(w, out, MR_DROP_NEXTHOP_UNRESOLVED);
		return;
	}
	if (rc == NULL || !rc->tmpl_ok || !path_equal(&rc->tmpl_path, path) ||
	    !rte_is_same_ether_addr(&rc->tmpl_nexthop, &sp->nexthop)) {
		if (sa_to_ep(&path->local, &src) != 0 || sa_to_ep(&path->remote, &dst) != 0 ||
		    mr_pkt_tmpl_init(t, &sp->mac, &sp->nexthop, sp->vlan, &src, &dst) != 0) {
			if (rc != NULL)
				rc->tmpl_ok = false;
			drop(w, out, MR_DROP_NO_DEST);
			return;
		}
		if (rc != NULL) {
			rc->tmpl_path = *path;
			rc->tmpl_nexthop = sp->nexthop;
			rc->tmpl_ok = true;
		}
	}
	if (!sp->cksum_offload)
		sum = mr_pkt_raw_sum(rte_pktmbuf_mtod(out, const void *), out->data_len);
	rc_apply = mr_pkt_tmpl_apply(t, out, sum, sp->cksum_offload);
	if (unlikely(rc_apply != 0)) {
		drop(w, out, rc_apply == -EMSGSIZE ? MR_DROP_OVERSIZE : MR_DROP_NO_HEADROOM);
		return;
	}
	send_one(w, q->port_id, out);
}

/*
 * Everything @p server has to send now (handshakes, ACKs, probes,
 * stateless replies), from lcore context @p w. @p spare keeps an mbuf
 * for the next call.
 */
static unsigned int
server_flush(struct mr_worker *w, struct rte_mbuf **spare, struct mr_quic_server *server,
	     const struct mr_relay_quic *q, uint64_t ns)
{
	struct mr_quic_path path;
	unsigned int n = 0;
	size_t len;

	for (;;) {
		struct rte_mbuf *out;

		if (*spare == NULL) {
			*spare = rte_pktmbuf_alloc(w->relay->copy_pool);
			/* nothing lost: ngtcp2 sends again when its timers say so */
			if (*spare == NULL)
				break;
		}
		len = mr_quic_server_send(server, ns, rte_pktmbuf_mtod(*spare, uint8_t *),
					  rte_pktmbuf_tailroom(*spare), &path);
		if (len == 0)
			break;
		out = *spare;
		*spare = NULL;
		out->data_len = (uint16_t)len;
		out->pkt_len = (uint32_t)len;
		quic_emit(w, q, NULL, out, &path);
		n++;
	}
	return n;
}

/* ---------- the server's callbacks (inside recv and expire) ---------- */

static void
on_open(struct mr_quic_conn *c, void *arg)
{
	struct worker_ep *e = arg;
	struct roq_conn *rc;
	uint32_t slot = e->free_head;

	if (slot == NO_SLOT) {
		/* the server holds at most max_conns: only if that changes */
		mr_quic_conn_close(c, ROQ_APP_ERROR_NO_SLOT);
		return;
	}
	rc = &e->conns[slot];
	e->free_head = rc->next_free;
	rc->next_free = NO_SLOT;
	rc->c = c;
	rc->in_use = true;
	rc->tmpl_ok = false;
	rc->n_flows = 0;
	rc->flows_overflow = false;
	rc->closing = false;
	rc->gen = (uint16_t)(rc->gen + 1 == 0 ? 1 : rc->gen + 1);
	mr_roq_conn_endpoint(&rc->synth, (uint8_t)e->q->idx, e->w->index, rc->gen, slot,
			     e->q->synth_port_be);
	mr_quic_conn_set_user(c, rc);
}

/*
 * A closing connection's legs are latch legs again: the main lcore
 * unlatches each flow's leg still latched to the connection's made-up
 * endpoint (and deletes its streams), so a new connection can take it
 * without waiting for the end of the closing or draining period.
 */
static void
roq_unlatch(struct worker_ep *e, struct roq_conn *rc)
{
	struct mr_streams *s = e->w->relay->streams;
	struct mr_endpoint flow_ep;
	int32_t leg;
	uint8_t i;

	for (i = 0; i < rc->n_flows; i++) {
		mr_roq_flow_endpoint(&flow_ep, (uint8_t)e->q->idx, rc->flows[i],
				     e->q->synth_port_be);
		leg = mr_streams_leg_find(s, &flow_ep);
		if (leg < 0)
			continue;
		if (mr_streams_unlatch_request(e->w->shard, (uint32_t)leg, &rc->synth) == 0)
			e->unlatch_reqs++;
		else
			e->unlatch_lost++;
	}
	if (rc->flows_overflow) {
		if (mr_streams_unlatch_request(e->w->shard, MR_LATCH_ANY_LEG, &rc->synth) == 0)
			e->unlatch_reqs++;
		else
			e->unlatch_lost++;
	}
}

/*
 * The connection carries nothing more (CONNECTION_CLOSE either way,
 * stateless reset, idle timeout): its legs are let go now, not at its
 * release 3 PTO later. RoQ frames it carried in the packet being read
 * (before its CONNECTION_CLOSE) go through the relay first, so that the
 * unlatch request follows any latch request they make.
 */
static void
on_closing(struct mr_quic_conn *c, enum mr_quic_close_reason why, void *arg)
{
	struct worker_ep *e = arg;
	struct roq_conn *rc = mr_quic_conn_user(c);

	RTE_SET_USED(why);
	if (rc == NULL || rc->closing)
		return;
	rc->closing = true;
	if (e->freeing || e->w->shard == NULL)
		return;
	if (e->w->quic->n_in != 0)
		e->w->quic->unlatch_after = rc; /* feed() asks once in[] went through */
	else
		roq_unlatch(e, rc);
}

static void
on_close(struct mr_quic_conn *c, enum mr_quic_close_reason why, void *arg)
{
	struct worker_ep *e = arg;
	struct roq_conn *rc = mr_quic_conn_user(c);

	RTE_SET_USED(why);
	if (rc == NULL)
		return;
	rc->in_use = false;
	rc->c = NULL;
	rc->next_free = e->free_head;
	e->free_head = (uint32_t)(rc - e->conns);
	mr_quic_conn_set_user(c, NULL);
}

static void
on_path(struct mr_quic_conn *c, const struct sockaddr *from, const struct sockaddr *to,
	void *arg)
{
	struct roq_conn *rc = mr_quic_conn_user(c);

	RTE_SET_USED(from);
	RTE_SET_USED(to);
	RTE_SET_USED(arg);
	if (rc != NULL)
		rc->tmpl_ok = false;
}

/* Remember a flow the connection sent on, for roq_unlatch(). @return first time (maybe). */
static inline bool
roq_flow_seen(struct roq_conn *rc, uint64_t flow)
{
	uint8_t i;

	for (i = 0; i < rc->n_flows; i++)
		if (rc->flows[i] == flow)
			return false;
	if (rc->n_flows < ROQ_CONN_FLOWS)
		rc->flows[rc->n_flows++] = flow;
	else
		rc->flows_overflow = true;
	return true;
}

/* Whether made-up endpoint @p remote names a connection of @p e other than @p self. */
static bool
roq_conn_other(const struct worker_ep *e, const struct mr_endpoint *remote,
	       const struct mr_endpoint *self)
{
	uint16_t owner, gen;
	uint32_t slot;
	uint8_t quic;

	if (mr_roq_addr_kind(remote->ip) != MR_ROQ_KIND_CONN || mr_endpoint_equal(remote, self))
		return false;
	mr_roq_conn_decode(remote->ip, &quic, &owner, &gen, &slot);
	return quic == e->q->idx && owner == e->w->index;
}

/*
 * Whether leg @p idx (snapshot @p leg) is latched, or has a latch request
 * on its way (sent by this worker), to another connection of @p e than
 * @p self: when that one is closing, its unlatch request follows; when it
 * is not, its CONNECTION_CLOSE may still be on its way (another RX queue,
 * through the main lcore). Also while the leg is unlatched but its
 * streams are not deleted yet (the main lcore swaps the snapshot first,
 * then asks the owner, this worker, to delete them): they still carry the
 * old latch.
 */
static bool
roq_leg_waits(const struct worker_ep *e, uint32_t idx, const struct mr_leg *leg,
	      const struct mr_endpoint *self)
{
	const struct mr_leg_rt *rt;

	if (leg == NULL)
		return false;
	rt = &e->w->relay->streams->rt[idx];
	if (leg->has_remote)
		return roq_conn_other(e, &leg->remote, self);
	if (rt->latch_gen == leg->gen + 1)
		return roq_conn_other(e, &rt->latch_src, self);
	return rt->n_streams != 0 && rt->owner == e->w->lcore_id;
}

/*
 * Hold RoQ frame @p m of connection @p rc (to leg local endpoint
 * @p flow_ep) while its leg is latched to another connection of ours
 * (roq_leg_waits()), up to ROQ_HOLD_MS: a connection taking over a flow
 * from one that closes waits for the unlatch rather than being
 * source_mismatch. Only a connection's first frame on a flow looks the
 * leg up; later ones follow it while it waits.
 */
static bool
roq_hold(struct worker_ep *e, const struct roq_conn *rc, bool first,
	 const struct mr_endpoint *flow_ep, struct rte_mbuf *m)
{
	const struct mr_streams *s = e->w->relay->streams;
	const struct mr_leg *leg;
	int32_t idx;

	if (e->n_hold != 0) {
		if (e->n_hold == ROQ_HOLD_MAX || !mr_endpoint_equal(flow_ep, &e->hold_flow))
			return false;
		e->hold[e->n_hold++] = m;
		e->held++;
		return true;
	}
	if (!first)
		return false;
	idx = mr_streams_leg_find(s, flow_ep);
	leg = idx >= 0 ? mr_streams_leg(s, (uint32_t)idx) : NULL;
	if (!roq_leg_waits(e, (uint32_t)idx, leg, &rc->synth))
		return false;
	e->hold_leg = (uint32_t)idx;
	e->hold_flow = *flow_ep;
	e->hold_self = rc->synth;
	e->hold_until = rte_rdtsc() + e->w->relay->tsc_hz * ROQ_HOLD_MS / 1000;
	e->hold[0] = m;
	e->n_hold = 1;
	e->held++;
	return true;
}

/* The held frames, once their leg let go of the closing connection (or waited too long). */
static unsigned int
roq_hold_poll(struct mr_worker *w, struct worker_ep *e, uint64_t now)
{
	struct rte_mbuf *pkts[ROQ_HOLD_MAX];
	uint16_t n = e->n_hold;

	if (now < e->hold_until &&
	    roq_leg_waits(e, e->hold_leg, mr_streams_leg(w->relay->streams, e->hold_leg),
			  &e->hold_self))
		return 0;
	memcpy(pkts, e->hold, sizeof(pkts[0]) * n);
	e->n_hold = 0;
	mr_relay_process(w, pkts, n, false, now);
	return n;
}

/* @p len octets in a new mbuf of the copy pool; NULL (counted) when none, or too long. */
static struct rte_mbuf *
copy_to_mbuf(struct mr_worker *w, const uint8_t *data, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->relay->copy_pool);
	char *dst;

	if (m == NULL) {
		count(w, MR_DROP_MBUF_EXHAUSTED);
		return NULL;
	}
	dst = len <= UINT16_MAX ? rte_pktmbuf_append(m, (uint16_t)len) : NULL;
	if (dst == NULL) {
		drop(w, m, MR_DROP_OVERSIZE);
		return NULL;
	}
	memcpy(dst, data, len);
	return m;
}

/*
 * A RoQ datagram: its RTP or RTCP packet becomes a frame from the
 * connection's made-up endpoint to the flow's (its leg's local endpoint),
 * processed once the server's recv has returned.
 */
static void
on_datagram(struct mr_quic_conn *c, const uint8_t *data, size_t len, void *arg)
{
	static const struct rte_ether_addr none;
	struct worker_ep *e = arg;
	struct mr_worker *w = e->w;
	struct mr_worker_quic *wq = w->quic;
	struct roq_conn *rc = mr_quic_conn_user(c);
	struct mr_endpoint flow_ep;
	struct mr_pkt_tmpl t;
	const uint8_t *rtp;
	enum mr_quic_drop qd;
	struct rte_mbuf *m;
	size_t rtp_len;
	uint64_t flow;
	bool first;
	int rc_apply;

	qd = mr_roq_decode(data, len, &flow, &rtp, &rtp_len);
	if (qd != MR_QUIC_OK) {
		count(w, quic_drop_id[qd]);
		return;
	}
	if (rc == NULL || rc->closing) {
		count(w, MR_DROP_ROQ_NO_CONN);
		return;
	}
	first = roq_flow_seen(rc, flow);
	if (wq->n_in == RTE_DIM(wq->in)) {
		count(w, MR_DROP_ROQ_IN_FULL);
		return;
	}
	m = copy_to_mbuf(w, rtp, rtp_len);
	if (m == NULL)
		return;
	mr_roq_flow_endpoint(&flow_ep, (uint8_t)e->q->idx, flow, e->q->synth_port_be);
	if (mr_pkt_tmpl_init(&t, &none, &none, 0, &rc->synth, &flow_ep) != 0) {
		drop(w, m, MR_DROP_NO_LEG);
		return;
	}
	/* a correct UDP checksum: forwarding derives the output's from it */
	rc_apply = mr_pkt_tmpl_apply(&t, m, mr_pkt_raw_sum(rtp, (uint32_t)rtp_len), false);
	if (rc_apply != 0) {
		drop(w, m, rc_apply == -EMSGSIZE ? MR_DROP_OVERSIZE : MR_DROP_NO_HEADROOM);
		return;
	}
	e->roq_in++;
	if (!roq_hold(e, rc, first, &flow_ep, m))
		wq->in[wq->n_in++] = m;
}

static const struct mr_quic_server_ops server_ops = {
	.on_open = on_open,
	.on_datagram = on_datagram,
	.on_path = on_path,
	.on_closing = on_closing,
	.on_close = on_close,
};

/* ---------- receiving ---------- */

static void in_flush(struct mr_worker *w, struct worker_ep *e, uint64_t now);

/*
 * Feed one datagram to @p server of endpoint @p q, from lcore context
 * @p w; with @p held_only, only when a connection of the server holds it
 * (one lookup: mr_quic_server_recv_held()). Consumes m, unless it returns
 * false (not held).
 */
static bool
server_feed(struct mr_worker *w, struct mr_quic_server *server, const struct mr_relay_quic *q,
	    struct rte_mbuf *m, const struct mr_pkt_info *pi, uint64_t ns, bool held_only)
{
	const uint8_t *payload = rte_pktmbuf_mtod_offset(m, const uint8_t *, pi->payload_off);
	struct mr_quic_path path;
	enum mr_quic_drop qd;
	bool held = true;

	memcpy(&path.local, &q->local_sa, sizeof(path.local));
	path.local_len = q->local_sa_len;
	ep_to_sa(&pi->src, &path.remote, &path.remote_len);
	if (held_only)
		qd = mr_quic_server_recv_held(server, &path, payload, pi->payload_len, ns, &held);
	else
		qd = mr_quic_server_recv(server, &path, payload, pi->payload_len, ns);
	if (!held)
		return false;
	if (qd != MR_QUIC_OK)
		drop(w, m, quic_drop_id[qd]);
	else
		rte_pktmbuf_free(m); /* terminated: its content is the connection's now */
	return true;
}

/*
 * Feed one datagram to this worker's server of its endpoint (held_only:
 * see server_feed()), then the RoQ frames it carried to the relay.
 */
static bool
feed(struct mr_worker *w, struct worker_ep *e, struct rte_mbuf *m, const struct mr_pkt_info *pi,
     uint64_t now, bool held_only)
{
	if (!server_feed(w, e->server, e->q, m, pi, tsc_ns(w->quic, now), held_only))
		return false;
	in_flush(w, e, now);
	return true;
}

/*
 * The handshake budget: a new connection's Initial past this pass's
 * budget, or behind others that wait, waits in @p defer (oldest first;
 * full: quic_handshake_queue_full). @return whether it may be fed now
 * (counted in *this_pass); false: it was taken.
 */
static bool
budget_take(struct mr_worker *w, const struct mr_relay_quic *q, struct rte_ring *defer,
	    uint16_t *this_pass, uint64_t *deferred, struct rte_mbuf *m)
{
	if (*this_pass >= __atomic_load_n(&q->hs_budget, __ATOMIC_RELAXED) ||
	    !rte_ring_empty(defer)) {
		if (rte_ring_sp_enqueue(defer, m) != 0)
			drop(w, m, MR_DROP_QUIC_HANDSHAKE_QUEUE_FULL);
		else
			(*deferred)++;
		return false;
	}
	(*this_pass)++;
	return true;
}

/* The RoQ frames a recv gave the relay, through the burst path of their legs. */
static void
in_flush(struct mr_worker *w, struct worker_ep *e, uint64_t now)
{
	struct mr_worker_quic *wq = w->quic;
	uint16_t n;

	if (wq->n_in != 0) {
		/* the datagrams it carried, through the burst path of their legs */
		n = wq->n_in;
		wq->n_in = 0;
		mr_relay_process(w, wq->in, n, false, now);
	}
	if (wq->unlatch_after != NULL) {
		/* its slot is intact until reused: a later on_open, not this recv */
		roq_unlatch(e, wq->unlatch_after);
		wq->unlatch_after = NULL;
	}
}

static const struct mr_relay_quic *
endpoint_of(const struct mr_relay *r, const struct mr_endpoint *dst)
{
	uint16_t i;

	for (i = 0; i < r->n_quic; i++)
		if (mr_endpoint_equal(&r->quic[i]->local, dst))
			return r->quic[i];
	return NULL;
}

static void
to_ring(struct mr_worker *w, struct mr_worker *to, struct rte_mbuf *m)
{
	if (unlikely(to->quic_ring == NULL || rte_ring_mp_enqueue(to->quic_ring, m) != 0))
		drop(w, m, MR_DROP_QUIC_RING_FULL);
}

/* To the handshake lcore: a packet of no connection this worker holds. Consumes m. */
static void
to_hs(struct mr_worker *w, struct worker_ep *e, struct rte_mbuf *m)
{
	struct mr_relay_hs *hs = w->relay->hs;

	if (unlikely(rte_ring_mp_enqueue(hs->ring, m) != 0)) {
		drop(w, m, MR_DROP_QUIC_HANDSHAKE_QUEUE_FULL);
		return;
	}
	e->to_hs++;
}

/*
 * A QUIC datagram to endpoint @p q on worker @p w: to the worker its DCID
 * names; there, to the worker's server, or to the handshake lcore when the
 * endpoint's handshakes are there and the worker holds no connection of
 * that DCID (unless the handshake lcore gave it back: @p bounced).
 */
static void
quic_in(struct mr_worker *w, const struct mr_relay_quic *q, struct rte_mbuf *m,
	const struct mr_pkt_info *pi, bool steer, bool bounced, uint64_t now)
{
	struct mr_relay *r = w->relay;
	const uint8_t *payload;
	enum mr_quic_route_how how;
	struct mr_quic_hdr h;
	struct worker_ep *e;
	enum mr_quic_drop qd;
	uint16_t owner;

	payload = rte_pktmbuf_mtod_offset(m, const uint8_t *, pi->payload_off);
	qd = mr_quic_hdr_parse(payload, pi->payload_len, q->cid_len, &h);
	if (qd == MR_QUIC_OK)
		qd = mr_quic_route(q->cid, &h, pi->payload_len, &owner, &how);
	if (unlikely(qd != MR_QUIC_OK)) {
		drop(w, m, quic_drop_id[qd]);
		return;
	}
	/*
	 * A client-chosen DCID: with handshakes on the workers, the worker the
	 * endpoint's packets are steered to; with a handshake lcore, the owner
	 * the hash names, whose CIDs the connection will carry.
	 */
	if (how == MR_QUIC_ROUTE_HASH && !q->hs)
		owner = steer ? mr_relay_endpoint_worker(r, &q->local) : w->index;
	if (owner != w->index) {
		to_ring(w, r->workers[owner], m);
		return;
	}
	e = &w->quic->ep[q->idx];
	if (q->hs && !bounced && h.kind != MR_QUIC_PKT_UNKNOWN_VERSION) {
		/* not a connection of ours (yet): the handshake lcore's */
		if (!feed(w, e, m, pi, now, true))
			to_hs(w, e, m);
		return;
	}
	/* a new connection here: a TLS handshake's work, within the budget */
	if (!q->hs && how == MR_QUIC_ROUTE_HASH && h.kind == MR_QUIC_PKT_INITIAL &&
	    !budget_take(w, q, e->hs_ring, &e->hs_this_pass, &e->hs_deferred, m))
		return;
	feed(w, e, m, pi, now, false);
}

bool
mr_relay_quic_in(struct mr_worker *w, struct rte_mbuf *m, const struct mr_pkt_info *pi,
		 bool steer, uint64_t now)
{
	const struct mr_relay_quic *q = endpoint_of(w->relay, &pi->dst);

	if (q == NULL)
		return false;
	if (unlikely(w->quic == NULL)) {
		drop(w, m, MR_DROP_QUIC_NOT_IP);
		return true;
	}
	quic_in(w, q, m, pi, steer, false, now);
	return true;
}

int
mr_relay_quic_dispatch_in(struct mr_relay *r, struct rte_mbuf *m, const struct mr_pkt_info *pi)
{
	const struct mr_relay_quic *q = endpoint_of(r, &pi->dst);
	struct mr_worker *to;

	if (q == NULL)
		return -EINVAL;
	/* the endpoint's worker routes it on by its DCID */
	to = r->workers[mr_relay_endpoint_worker(r, &q->local)];
	if (to->quic_ring == NULL || rte_ring_mp_enqueue(to->quic_ring, m) != 0) {
		mr_drop_count(mr_counters_self(), MR_DROP_QUIC_RING_FULL, 1);
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	return 0;
}

/* ---------- RTP to RoQ legs ---------- */

static mr_drop_reason_t
write_error(ssize_t rc)
{
	switch (rc) {
	case -EMSGSIZE:
		return MR_DROP_ROQ_TOO_BIG;
	case -EOPNOTSUPP:
		return MR_DROP_ROQ_NO_DATAGRAMS;
	default:
		return MR_DROP_ROQ_NO_CONN;
	}
}

/* On the connection's owner: the frame's RTP packet in a DATAGRAM frame. Consumes m. */
static void
roq_send(struct mr_worker *w, struct rte_mbuf *m, uint8_t l2_len, const uint8_t *src,
	 uint8_t quic, uint16_t gen, uint32_t slot)
{
	struct mr_worker_quic *wq = w->quic;
	struct worker_ep *e = &wq->ep[quic];
	uint8_t scratch[MR_QUIC_MAX_PKT];
	struct mr_quic_path path;
	struct roq_conn *rc;
	const uint8_t *rtp;
	uint32_t off, len;
	uint8_t flow_quic;
	uint64_t flow, ns;
	unsigned int i;

	if (unlikely(e->q == NULL || slot >= e->q->max_conns)) {
		drop(w, m, MR_DROP_ROQ_NO_CONN);
		return;
	}
	rc = &e->conns[slot];
	if (unlikely(!rc->in_use || rc->gen != gen || !mr_quic_conn_is_open(rc->c))) {
		drop(w, m, MR_DROP_ROQ_NO_CONN);
		return;
	}
	mr_roq_flow_decode(src, &flow_quic, &flow);
	off = (uint32_t)l2_len + 40 + 8;
	len = rte_pktmbuf_pkt_len(m) - off;
	if (unlikely(len == 0 || len > sizeof(scratch))) {
		drop(w, m, MR_DROP_ROQ_TOO_BIG);
		return;
	}
	rtp = rte_pktmbuf_read(m, off, len, scratch);
	ns = tsc_ns(wq, rte_rdtsc());
	for (i = 0; i < ROQ_WRITE_TRIES; i++) {
		struct rte_mbuf *out = rte_pktmbuf_alloc(w->relay->copy_pool);
		bool accepted = false;
		ssize_t n;

		if (out == NULL) {
			drop(w, m, MR_DROP_MBUF_EXHAUSTED);
			return;
		}
		n = mr_quic_conn_write_roq(rc->c, ns, flow, rtp, len,
					   rte_pktmbuf_mtod(out, uint8_t *),
					   rte_pktmbuf_tailroom(out), &path, &accepted);
		if (n <= 0) {
			rte_pktmbuf_free(out); /* unused */
			drop(w, m, n < 0 ? write_error(n) : MR_DROP_ROQ_CONGESTED);
			return;
		}
		out->data_len = (uint16_t)n;
		out->pkt_len = (uint32_t)n;
		quic_emit(w, e->q, rc, out, &path);
		if (accepted) {
			e->roq_out++;
			rte_pktmbuf_free(m); /* sent: its RTP packet is in the datagram */
			return;
		}
	}
	drop(w, m, MR_DROP_ROQ_CONGESTED);
}

void
mr_relay_quic_out(struct mr_worker *w, struct rte_mbuf *m, uint8_t l2_len)
{
	struct mr_relay *r = w->relay;
	const uint8_t *ip6 = rte_pktmbuf_mtod_offset(m, const uint8_t *, l2_len);
	uint16_t owner, gen;
	uint32_t slot;
	uint8_t quic;

	if (unlikely(mr_roq_addr_kind(ip6 + 24) != MR_ROQ_KIND_CONN)) {
		drop(w, m, MR_DROP_ROQ_NO_CONN);
		return;
	}
	mr_roq_conn_decode(ip6 + 24, &quic, &owner, &gen, &slot);
	if (unlikely(owner >= r->n_workers || quic >= r->n_quic)) {
		drop(w, m, MR_DROP_ROQ_NO_CONN);
		return;
	}
	/* the worker owning the connection writes its packets (a transcoder never does) */
	if (w->quic == NULL || owner != w->index || r->workers[owner] != w) {
		to_ring(w, r->workers[owner], m);
		return;
	}
	roq_send(w, m, l2_len, ip6 + 8, quic, gen, slot);
}

/* ---------- the worker's loop ---------- */

/*
 * A connection from the handshake lcore: into this worker's server (its
 * on_open gives it a slot), then the RoQ datagrams it brought, through
 * the relay as if they had just arrived. Consumes @p rec.
 */
static void
handoff_in(struct mr_worker *w, struct rte_mbuf *rec, uint64_t now)
{
	struct hs_handoff *h = rte_pktmbuf_mtod(rec, struct hs_handoff *);
	struct worker_ep *e = &w->quic->ep[h->quic];
	const uint8_t *d;
	uint16_t i;
	int rc;

	rc = mr_quic_server_attach(e->server, h->c);
	if (rc != 0) {
		/* -ENOSPC released it; -EINVAL left it to us */
		if (rc == -EINVAL)
			mr_quic_conn_discard(h->c);
		count(w, MR_DROP_QUIC_HANDOFF_FAILED);
		mr_drop_count(w->ctr, MR_DROP_ROQ_NO_CONN, h->n_dgrams);
	} else {
		for (i = 0; i < h->n_dgrams; i++) {
			d = rte_pktmbuf_mtod(h->dgrams[i], const uint8_t *);
			on_datagram(h->c, d, h->dgrams[i]->data_len, e);
			if (w->quic->n_in == RTE_DIM(w->quic->in))
				in_flush(w, e, now);
		}
		/* closed on the handshake lcore after those: its legs let go now */
		if (!mr_quic_conn_is_open(h->c))
			on_closing(h->c, MR_QUIC_CLOSE_PEER, e);
		in_flush(w, e, now);
	}
	rte_pktmbuf_free_bulk(h->dgrams, h->n_dgrams);
	rte_pktmbuf_free(rec);
}

/* Free what a QUIC ring entry holds (shutdown): a packet, or a connection in transit. */
static void
ring_entry_free(void *p)
{
	uintptr_t v = (uintptr_t)p;
	struct rte_mbuf *m = (struct rte_mbuf *)(v & ~(uintptr_t)RING_TAG_MASK);

	mr_drop_count(mr_counters_self(), MR_DROP_SHUTDOWN, 1);
	if (v & RING_TAG_HANDOFF) {
		struct hs_handoff *h = rte_pktmbuf_mtod(m, struct hs_handoff *);

		mr_quic_conn_discard(h->c);
		rte_pktmbuf_free_bulk(h->dgrams, h->n_dgrams);
	}
	rte_pktmbuf_free(m);
}

/* Drop what a ring still holds, counted as shutdown, and free it. */
static void
ring_drain_free(struct rte_ring *ring)
{
	void *p;

	if (ring == NULL)
		return;
	while (rte_ring_dequeue(ring, &p) == 0)
		ring_entry_free(p);
	rte_ring_free(ring);
}

/* One packet of the worker's QUIC ring: RoQ output or a QUIC datagram. Consumes m. */
static void
ring_one(struct mr_worker *w, void *entry, uint64_t now)
{
	uintptr_t v = (uintptr_t)entry;
	struct rte_mbuf *m = (struct rte_mbuf *)(v & ~(uintptr_t)RING_TAG_MASK);
	const struct mr_relay_quic *q;
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	struct mr_pkt_info pi;
	mr_drop_reason_t reason;
	uint8_t l2 = RTE_ETHER_HDR_LEN;
	uint16_t et;

	if (v & RING_TAG_HANDOFF) {
		handoff_in(w, m, now);
		return;
	}
	if (m->data_len >= RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN + 40) {
		et = (uint16_t)(f[12] << 8 | f[13]);
		if (et == RTE_ETHER_TYPE_VLAN) {
			et = (uint16_t)(f[16] << 8 | f[17]);
			l2 += RTE_VLAN_HLEN;
		}
		if (et == RTE_ETHER_TYPE_IPV6 &&
		    mr_roq_addr_kind(f + l2 + 24) == MR_ROQ_KIND_CONN) {
			mr_relay_quic_out(w, m, l2);
			return;
		}
	}
	reason = m->nb_segs != 1 ? MR_DROP_MULTISEG :
		 mr_pkt_parse(f, m->data_len, m->ol_flags, &pi);
	if (reason != MR_DROP_NONE) {
		drop(w, m, reason);
		return;
	}
	q = endpoint_of(w->relay, &pi.dst);
	if (q == NULL)
		drop(w, m, MR_DROP_QUIC_NOT_IP);
	else
		quic_in(w, q, m, &pi, false, (v & RING_TAG_BOUNCED) != 0, now);
}

unsigned int
mr_relay_quic_poll(struct mr_worker *w, uint64_t now)
{
	struct mr_worker_quic *wq = w->quic;
	struct mr_relay *r = w->relay;
	void *pkts[MR_RELAY_BURST_MAX];
	unsigned int work = 0, i, n;
	uint64_t ns;
	uint16_t k;

	n = rte_ring_sc_dequeue_burst(w->quic_ring, pkts, r->burst, NULL);
	for (i = 0; i < n; i++)
		ring_one(w, pkts[i], now);
	work += n;
	for (k = 0; k < r->n_quic; k++) {
		struct worker_ep *e = &wq->ep[k];
		struct rte_mbuf *m;
		struct mr_pkt_info pi;

		/* new connections that waited: this pass's budget, minus what RX took */
		while (e->hs_this_pass < __atomic_load_n(&e->q->hs_budget, __ATOMIC_RELAXED) &&
		       rte_ring_sc_dequeue(e->hs_ring, (void **)&m) == 0) {
			e->hs_this_pass++;
			if (mr_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len,
					 m->ol_flags, &pi) != MR_DROP_NONE) {
				drop(w, m, MR_DROP_QUIC_NOT_IP); /* it parsed before it waited */
				continue;
			}
			feed(w, e, m, &pi, now, false);
			work++;
		}
		e->hs_this_pass = 0;
		if (e->n_hold != 0)
			work += roq_hold_poll(w, e, now);
		ns = tsc_ns(wq, rte_rdtsc());
		if (mr_quic_server_expiry(e->server) <= ns)
			work += mr_quic_server_expire(e->server, ns);
		work += server_flush(w, &wq->spare, e->server, e->q, ns);
	}
	return work;
}

/* Publish @p src for readers of any thread (a sequence count: even when stable). */
static void
stats_publish(uint32_t *seq, struct mr_relay_quic_stats *pub,
	      const struct mr_relay_quic_stats *src)
{
	__atomic_store_n(seq, *seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(pub, src, sizeof(*pub));
	__atomic_store_n(seq, *seq + 1, __ATOMIC_RELEASE);
}

static void
stats_read(const uint32_t *seqp, const struct mr_relay_quic_stats *pub,
	   struct mr_relay_quic_stats *st)
{
	uint32_t seq;

	for (;;) {
		seq = __atomic_load_n(seqp, __ATOMIC_ACQUIRE);
		if (seq & 1) {
			rte_pause();
			continue;
		}
		memcpy(st, pub, sizeof(*st));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(seqp, __ATOMIC_RELAXED) == seq)
			return;
	}
}

void
mr_relay_quic_tick(struct mr_worker *w)
{
	struct mr_worker_quic *wq = w->quic;
	struct mr_relay_quic_stats st;
	uint16_t k;

	for (k = 0; k < w->relay->n_quic; k++) {
		struct worker_ep *e = &wq->ep[k];

		memset(&st, 0, sizeof(st));
		mr_quic_server_stats(e->server, &st.server);
		st.roq_in = e->roq_in;
		st.roq_out = e->roq_out;
		st.handshakes_deferred = e->hs_deferred;
		st.unlatch_reqs = e->unlatch_reqs;
		st.unlatch_lost = e->unlatch_lost;
		st.roq_held = e->held;
		st.to_handshake = e->to_hs;
		st.lcore = w->lcore_id;
		stats_publish(&e->pub_seq, &e->pub, &st);
	}
}

int
mr_relay_quic_stats(const struct mr_relay *r, uint16_t idx, uint16_t worker,
		    struct mr_relay_quic_stats *st)
{
	const struct worker_ep *e;
	const struct hs_ep *he;

	if (idx >= r->n_quic || worker > r->n_workers)
		return -ENOENT;
	if (worker == r->n_workers) {
		if (r->hs == NULL || !r->quic[idx]->hs)
			return -ENOENT;
		he = &r->hs->ep[idx];
		stats_read(&he->pub_seq, &he->pub, st);
		return 0;
	}
	if (r->workers[worker]->quic == NULL)
		return -ENOENT;
	e = &r->workers[worker]->quic->ep[idx];
	stats_read(&e->pub_seq, &e->pub, st);
	return 0;
}

int
mr_relay_quic_limits(const struct mr_relay *r, uint16_t idx, struct mr_relay_quic_limits *l)
{
	const struct mr_relay_quic *q;

	if (idx >= r->n_quic)
		return -ENOENT;
	q = r->quic[idx];
	mr_quic_endpoint_limits(q->ep, &l->max_conns, &l->retry_above, &l->max_conns_cap);
	l->handshakes_per_poll = __atomic_load_n(&q->hs_budget, __ATOMIC_RELAXED);
	return 0;
}

int
mr_relay_quic_limits_set(struct mr_relay *r, uint16_t idx, const struct mr_relay_quic_limits *l)
{
	struct mr_relay_quic *q;

	if (idx >= r->n_quic)
		return -ENOENT;
	q = r->quic[idx];
	if (l->handshakes_per_poll < 1 || l->handshakes_per_poll > MR_RELAY_QUIC_HS_PER_POLL_MAX)
		return -EINVAL;
	if (mr_quic_endpoint_limits_set(q->ep, l->max_conns, l->retry_above) != 0)
		return -EINVAL;
	__atomic_store_n(&q->hs_budget, l->handshakes_per_poll, __ATOMIC_RELAXED);
	return 0;
}

/* ---------- the handshake lcore ---------- */

/*
 * A connection opened (inside recv): it gets its hand-over record now,
 * and goes to its worker at the end of the pass, once what its handshake
 * left to send (HANDSHAKE_DONE, ACKs) went out from here.
 */
static void
hs_on_open(struct mr_quic_conn *c, void *arg)
{
	struct hs_ep *he = arg;
	struct mr_relay_hs *hs = he->hs;
	struct rte_mbuf *rec;
	struct hs_handoff *h;

	if (hs->reattach)
		return;
	rec = he->n_pending < HS_PENDING_MAX ? rte_pktmbuf_alloc(hs->tx->relay->copy_pool) : NULL;
	if (rec == NULL || rte_pktmbuf_tailroom(rec) < sizeof(*h)) {
		rte_pktmbuf_free(rec);
		count(hs->tx, MR_DROP_QUIC_HANDOFF_FAILED);
		mr_quic_conn_close(c, ROQ_APP_ERROR_NO_SLOT);
		return;
	}
	h = rte_pktmbuf_mtod(rec, struct hs_handoff *);
	h->c = c;
	h->quic = he->q->idx;
	h->n_dgrams = 0;
	he->pending[he->n_pending++] = rec;
	mr_quic_conn_set_user(c, rec);
}

/* RoQ datagrams before the hand-over travel with the connection. */
static void
hs_on_datagram(struct mr_quic_conn *c, const uint8_t *data, size_t len, void *arg)
{
	struct hs_ep *he = arg;
	struct mr_worker *tx = he->hs->tx;
	struct rte_mbuf *rec = mr_quic_conn_user(c), *m;
	struct hs_handoff *h;

	if (rec == NULL) {
		count(tx, MR_DROP_ROQ_NO_CONN);
		return;
	}
	h = rte_pktmbuf_mtod(rec, struct hs_handoff *);
	if (h->n_dgrams == HS_EARLY_DGRAMS) {
		count(tx, MR_DROP_ROQ_HANDOFF_FULL);
		return;
	}
	m = copy_to_mbuf(tx, data, len);
	if (m == NULL)
		return;
	h->dgrams[h->n_dgrams++] = m;
	he->early_dgrams++;
}

/* Forget the hand-over record of a connection that goes before its hand-over. */
static void
hs_record_drop(struct hs_ep *he, struct mr_quic_conn *c)
{
	struct rte_mbuf *rec = mr_quic_conn_user(c);
	struct hs_handoff *h;
	uint16_t i;

	if (rec == NULL)
		return;
	mr_quic_conn_set_user(c, NULL);
	h = rte_pktmbuf_mtod(rec, struct hs_handoff *);
	mr_drop_count(he->hs->tx->ctr, MR_DROP_ROQ_NO_CONN, h->n_dgrams);
	rte_pktmbuf_free_bulk(h->dgrams, h->n_dgrams);
	for (i = 0; i < he->n_pending; i++) {
		if (he->pending[i] == rec) {
			he->pending[i] = he->pending[--he->n_pending];
			break;
		}
	}
	rte_pktmbuf_free(rec);
}

static void
hs_on_close(struct mr_quic_conn *c, enum mr_quic_close_reason why, void *arg)
{
	RTE_SET_USED(why);
	hs_record_drop(arg, c);
}

/*
 * Connections a worker holds, as it last published them (10 ms ago at
 * most), so that max_conns and retry_above mean what they mean with
 * handshakes on the workers.
 */
static uint32_t
hs_owner_conns(uint16_t owner, void *arg)
{
	const struct hs_ep *he = arg;
	const struct mr_relay *r = he->hs->tx->relay;
	struct mr_relay_quic_stats st;

	if (owner >= r->n_workers || mr_relay_quic_stats(r, he->q->idx, owner, &st) != 0)
		return UINT32_MAX;
	return (uint32_t)RTE_MIN(st.server.conns, (uint64_t)UINT32_MAX);
}

static const struct mr_quic_server_ops hs_ops = {
	.on_open = hs_on_open,
	.on_datagram = hs_on_datagram,
	.on_close = hs_on_close,
	.owner_conns = hs_owner_conns,
};

/*
 * The connections that opened in this pass, to their workers: detached
 * here, then on the worker's QUIC ring, ahead of any packet of theirs
 * this lcore gives back later. A ring that is full takes it back here and
 * closes it (quic_handoff_failed).
 */
static unsigned int
hs_handoff(struct mr_relay_hs *hs, struct hs_ep *he)
{
	struct mr_relay *r = hs->tx->relay;
	unsigned int n = 0;

	while (he->n_pending != 0) {
		struct rte_mbuf *rec = he->pending[--he->n_pending];
		struct hs_handoff *h = rte_pktmbuf_mtod(rec, struct hs_handoff *);
		struct mr_quic_conn *c = h->c;
		struct mr_worker *to = r->workers[mr_quic_conn_owner(c)];

		mr_quic_conn_set_user(c, NULL);
		if (mr_quic_server_detach(he->server, c) != 0) {
			/* closing already: it ends here */
			mr_drop_count(hs->tx->ctr, MR_DROP_ROQ_NO_CONN, h->n_dgrams);
			rte_pktmbuf_free_bulk(h->dgrams, h->n_dgrams);
			rte_pktmbuf_free(rec);
			continue;
		}
		if (rte_ring_mp_enqueue(to->quic_ring,
					(void *)((uintptr_t)rec | RING_TAG_HANDOFF)) == 0) {
			he->handed_off++;
			n++;
			continue;
		}
		hs->reattach = true;
		if (mr_quic_server_attach(he->server, c) == 0)
			mr_quic_conn_close(c, ROQ_APP_ERROR_NO_SLOT);
		hs->reattach = false;
		count(hs->tx, MR_DROP_QUIC_HANDOFF_FAILED);
		mr_drop_count(hs->tx->ctr, MR_DROP_ROQ_NO_CONN, h->n_dgrams);
		rte_pktmbuf_free_bulk(h->dgrams, h->n_dgrams);
		rte_pktmbuf_free(rec);
	}
	return n;
}

/*
 * A packet a worker sent: Initials (new connections, within the budget)
 * and packets of connections handshaking here go to the handshake server;
 * the others go back to the worker their DCID names, which holds their
 * connection by now or answers as for an unknown one.
 */
static void
hs_in(struct mr_relay_hs *hs, struct rte_mbuf *m, bool deferred, uint64_t now)
{
	struct mr_relay *r = hs->tx->relay;
	const struct mr_relay_quic *q;
	enum mr_quic_route_how how;
	struct mr_pkt_info pi;
	struct mr_quic_hdr h;
	mr_drop_reason_t reason;
	enum mr_quic_drop qd;
	struct hs_ep *he;
	uint16_t owner;
	uint64_t ns;

	reason = m->nb_segs != 1 ? MR_DROP_MULTISEG :
		 mr_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, m->ol_flags,
			      &pi);
	q = reason == MR_DROP_NONE ? endpoint_of(r, &pi.dst) : NULL;
	if (q == NULL || !q->hs) {
		drop(hs->tx, m, reason != MR_DROP_NONE ? reason : MR_DROP_QUIC_NOT_IP);
		return;
	}
	he = &hs->ep[q->idx];
	qd = mr_quic_hdr_parse(rte_pktmbuf_mtod_offset(m, const uint8_t *, pi.payload_off),
			       pi.payload_len, q->cid_len, &h);
	if (qd == MR_QUIC_OK)
		qd = mr_quic_route(q->cid, &h, pi.payload_len, &owner, &how);
	if (qd != MR_QUIC_OK) {
		drop(hs->tx, m, quic_drop_id[qd]);
		return;
	}
	ns = ns_of(hs->ns_mult, now);
	/* a connection handshaking here; an unknown version (Version Negotiation) */
	if (server_feed(hs->tx, he->server, q, m, &pi, ns,
			h.kind != MR_QUIC_PKT_UNKNOWN_VERSION))
		return;
	if (h.kind == MR_QUIC_PKT_INITIAL) {
		/* a new connection: a TLS handshake's work, within the budget */
		if (deferred)
			he->hs_this_pass++;
		else if (!budget_take(hs->tx, q, hs->defer, &he->hs_this_pass, &he->deferred, m))
			return;
		server_feed(hs->tx, he->server, q, m, &pi, ns, false);
		return;
	}
	if (rte_ring_mp_enqueue(r->workers[owner]->quic_ring,
				(void *)((uintptr_t)m | RING_TAG_BOUNCED)) != 0) {
		drop(hs->tx, m, MR_DROP_QUIC_RING_FULL);
		return;
	}
	he->bounced++;
}

static void
hs_publish(struct mr_relay_hs *hs, uint16_t n_quic)
{
	struct mr_relay_quic_stats st;
	uint16_t k;

	for (k = 0; k < n_quic; k++) {
		struct hs_ep *he = &hs->ep[k];

		if (he->server == NULL)
			continue;
		memset(&st, 0, sizeof(st));
		mr_quic_server_stats(he->server, &st.server);
		st.handshakes_deferred = he->deferred;
		st.handed_off = he->handed_off;
		st.early_dgrams = he->early_dgrams;
		st.bounced = he->bounced;
		st.lcore = hs->tx->lcore_id;
		st.handshake_lcore = true;
		stats_publish(&he->pub_seq, &he->pub, &st);
	}
}

unsigned int
mr_relay_quic_hs_poll(struct mr_relay *r, uint64_t now)
{
	struct mr_relay_hs *hs = r->hs;
	void *pkts[MR_RELAY_BURST_MAX];
	unsigned int work = 0, i, n;
	uint16_t k;
	uint64_t ns;

	if (hs == NULL)
		return 0;
	n = rte_ring_sc_dequeue_burst(hs->ring, pkts, r->burst, NULL);
	for (i = 0; i < n; i++)
		hs_in(hs, pkts[i], false, now);
	work += n;
	for (k = 0; k < r->n_quic; k++) {
		struct hs_ep *he = &hs->ep[k];
		struct rte_mbuf *m;

		if (he->server == NULL)
			continue;
		/* new connections that waited: the budget left of this pass */
		while (he->hs_this_pass < __atomic_load_n(&he->q->hs_budget, __ATOMIC_RELAXED) &&
		       rte_ring_sc_dequeue(hs->defer, (void **)&m) == 0) {
			hs_in(hs, m, true, now);
			work++;
		}
		he->hs_this_pass = 0;
		ns = ns_of(hs->ns_mult, rte_rdtsc());
		if (mr_quic_server_expiry(he->server) <= ns)
			work += mr_quic_server_expire(he->server, ns);
		work += server_flush(hs->tx, &hs->spare, he->server, he->q, ns);
		work += hs_handoff(hs, he);
	}
	mr_relay_drain_tick(hs->tx, now, true);
	if (now >= hs->next_publish) {
		hs_publish(hs, r->n_quic);
		hs->next_publish = now + r->tsc_hz / 1000 * HS_PUBLISH_MS;
	}
	/* new connections still waiting: come back without a nap */
	return work + (rte_ring_empty(hs->defer) ? 0 : 1);
}

bool
mr_relay_quic_hs_enabled(const struct mr_relay *r)
{
	return r->hs != NULL;
}

int
mr_relay_quic_hs_setup(struct mr_relay *r, unsigned int lcore_id, uint16_t queue_id)
{
	int socket = (int)rte_lcore_to_socket_id(lcore_id);
	struct mr_relay_hs *hs;
	char name[RTE_RING_NAMESIZE];

	if (r->hs != NULL)
		return -EEXIST;
	if (lcore_id >= RTE_MAX_LCORE || r->n_workers == 0 || r->n_quic != 0)
		return -EINVAL;
	hs = rte_zmalloc_socket("mr_relay_hs", sizeof(*hs), RTE_CACHE_LINE_SIZE, socket);
	if (hs == NULL)
		return -ENOMEM;
	hs->tx = rte_zmalloc_socket("mr_hs_tx", sizeof(*hs->tx), RTE_CACHE_LINE_SIZE, socket);
	snprintf(name, sizeof(name), "mr_qhs_in_%u", lcore_id);
	hs->ring = rte_ring_create(name, HS_RING_IN_SIZE, socket, RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "mr_qhs_defer_%u", lcore_id);
	hs->defer = rte_ring_create(name, HS_RING_SIZE, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (hs->tx == NULL || hs->ring == NULL || hs->defer == NULL)
		goto nomem;
	hs->tx->relay = r;
	hs->tx->lcore_id = lcore_id;
	hs->tx->queue_id = queue_id;
	hs->tx->index = UINT16_MAX; /* no worker: owns no stream, no connection */
	hs->tx->ctr = &mr_counters[lcore_id];
	if (mr_relay_tx_buffers_init(hs->tx, socket) != 0)
		goto nomem;
	hs->ns_mult = (uint64_t)(((unsigned __int128)NS_PER_S << 32) / r->tsc_hz);
	r->hs = hs;
	return 0;
nomem:
	rte_ring_free(hs->ring);
	rte_ring_free(hs->defer);
	if (hs->tx != NULL)
		mr_relay_tx_buffers_free(hs->tx);
	rte_free(hs);
	return -ENOMEM;
}

/* The handshake lcore's state: its connections released, what it holds counted as shutdown. */
static void
hs_free(struct mr_relay *r)
{
	struct mr_relay_hs *hs = r->hs;
	uint16_t k;

	if (hs == NULL)
		return;
	for (k = 0; k < r->n_quic; k++)
		mr_quic_server_free(hs->ep[k].server); /* on_close frees the records */
	ring_drain_free(hs->ring);
	ring_drain_free(hs->defer);
	if (hs->spare != NULL)
		rte_pktmbuf_free(hs->spare);
	mr_relay_tx_buffers_free(hs->tx);
	rte_free(hs);
	r->hs = NULL;
}

/* ---------- set-up ---------- */

int
mr_relay_quic_find(const struct mr_relay *r, const char *name)
{
	uint16_t i;

	for (i = 0; i < r->n_quic; i++)
		if (strcmp(r->quic[i]->name, name) == 0)
			return i;
	return -ENOENT;
}

const char *
mr_relay_quic_name(const struct mr_relay *r, uint16_t idx)
{
	return idx < r->n_quic ? r->quic[idx]->name : NULL;
}

int
mr_relay_quic_info(const struct mr_relay *r, uint16_t idx, uint16_t *port_id,
		   struct mr_endpoint *local)
{
	if (idx >= r->n_quic)
		return -ENOENT;
	*port_id = r->quic[idx]->port_id;
	*local = r->quic[idx]->local;
	return 0;
}

static int
worker_quic_init(struct mr_relay *r, struct mr_worker *w)
{
	char name[RTE_RING_NAMESIZE];
	int socket = (int)rte_lcore_to_socket_id(w->lcore_id);

	if (w->quic != NULL)
		return 0;
	w->quic = rte_zmalloc_socket("mr_worker_quic", sizeof(*w->quic), RTE_CACHE_LINE_SIZE,
				     socket);
	if (w->quic == NULL)
		return -ENOMEM;
	w->quic->ns_mult = (uint64_t)(((unsigned __int128)NS_PER_S << 32) / r->tsc_hz);
	snprintf(name, sizeof(name), "mr_quic_%u", w->lcore_id);
	w->quic_ring = rte_ring_create(name, QUIC_RING_SIZE, socket, RING_F_SC_DEQ);
	if (w->quic_ring == NULL) {
		rte_free(w->quic);
		w->quic = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void
worker_ep_free(struct worker_ep *e)
{
	e->freeing = true;
	mr_quic_server_free(e->server);  /* releases every connection (on_close) */
	mr_drop_count(mr_counters_self(), MR_DROP_SHUTDOWN, e->n_hold);
	rte_pktmbuf_free_bulk(e->hold, e->n_hold);
	ring_drain_free(e->hs_ring);
	rte_free(e->conns);
	memset(e, 0, sizeof(*e));
}

static int
worker_ep_init(struct mr_worker *w, struct mr_relay_quic *q, struct mr_quic_endpoint *ep)
{
	struct worker_ep *e = &w->quic->ep[q->idx];
	int socket = (int)rte_lcore_to_socket_id(w->lcore_id);
	char name[RTE_RING_NAMESIZE];
	uint32_t i;
	int rc;

	e->w = w;
	e->q = q;
	e->conns = rte_zmalloc_socket("mr_roq_conns", sizeof(*e->conns) * q->max_conns,
				      RTE_CACHE_LINE_SIZE, socket);
	snprintf(name, sizeof(name), "mr_qhs_%u_%u", q->idx, w->lcore_id);
	e->hs_ring = rte_ring_create(name, HS_RING_SIZE, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (e->conns == NULL || e->hs_ring == NULL)
		return -ENOMEM;
	for (i = 0; i < q->max_conns; i++)
		e->conns[i].next_free = i + 1 < q->max_conns ? i + 1 : NO_SLOT;
	e->free_head = 0;
	rc = mr_quic_server_create(ep, w->index, &server_ops, e, &e->server);
	if (rc == 0) {
		mr_quic_server_stats(e->server, &e->pub.server);
		e->pub.lcore = w->lcore_id;
	}
	return rc;
}

int
mr_relay_quic_add(struct mr_relay *r, const struct mr_relay_quic_params *p)
{
	const struct mr_quic_cid_conf *cid;
	struct mr_relay_quic *q;
	uint16_t i, port;
	int rc;

	if (p == NULL || p->ep == NULL || p->name == NULL || p->name[0] == '\0' ||
	    strlen(p->name) >= sizeof(q->name) || p->max_conns == 0 || r->n_workers == 0 ||
	    !mr_endpoint_is_unicast(&p->local) || p->local.port == 0)
		return -EINVAL;
	port = rte_be_to_cpu_16(p->local.port);
	if (port >= r->rtp_port_min && port <= r->rtp_port_max)
		return -EINVAL; /* the RTP range is the legs' */
	for (i = 0; i < r->n_ports && r->ports[i] != p->port_id; i++)
		;
	if (i == r->n_ports)
		return -EINVAL;
	cid = mr_quic_endpoint_cid(p->ep);
	if (cid->n_owners != r->n_workers)
		return -EINVAL;
	if (rte_pktmbuf_data_room_size(r->copy_pool) < RTE_PKTMBUF_HEADROOM + MR_QUIC_MAX_PKT)
		return -EINVAL;
	if (r->n_quic >= RTE_DIM(r->quic))
		return -ENOSPC;
	if (mr_relay_quic_find(r, p->name) >= 0 || endpoint_of(r, &p->local) != NULL)
		return -EEXIST;
	q = rte_zmalloc("mr_relay_quic", sizeof(*q), RTE_CACHE_LINE_SIZE);
	if (q == NULL)
		return -ENOMEM;
	snprintf(q->name, sizeof(q->name), "%s", p->name);
	q->ep = p->ep;
	q->cid = cid;
	q->cid_len = mr_quic_cid_len(cid);
	q->idx = r->n_quic;
	q->port_id = p->port_id;
	q->hs_budget = p->handshakes_per_poll != 0 ? p->handshakes_per_poll : 1;
	q->synth_port_be = rte_cpu_to_be_16(r->rtp_port_min);
	q->max_conns = p->max_conns;
	q->local = p->local;
	ep_to_sa(&p->local, &q->local_sa, &q->local_sa_len);
	if (p->handshake_lcore) {
		struct hs_ep *he;

		if (r->hs == NULL) {
			rte_free(q);
			return -EINVAL;
		}
		he = &r->hs->ep[q->idx];
		he->hs = r->hs;
		he->q = q;
		he->pub.lcore = r->hs->tx->lcore_id;
		he->pub.handshake_lcore = true;
		rc = mr_quic_server_create(p->ep, MR_QUIC_OWNER_ROUTE, &hs_ops, he, &he->server);
		if (rc != 0) {
			memset(he, 0, sizeof(*he));
			rte_free(q);
			return rc;
		}
		q->hs = true;
	}
	for (i = 0; i < r->n_workers; i++) {
		rc = worker_quic_init(r, r->workers[i]);
		if (rc == 0)
			rc = worker_ep_init(r->workers[i], q, p->ep);
		if (rc != 0) {
			for (; ; i--) {
				if (r->workers[i]->quic != NULL)
					worker_ep_free(&r->workers[i]->quic->ep[q->idx]);
				if (i == 0)
					break;
			}
			if (q->hs) {
				mr_quic_server_free(r->hs->ep[q->idx].server);
				memset(&r->hs->ep[q->idx], 0, sizeof(r->hs->ep[q->idx]));
			}
			rte_free(q);
			return rc;
		}
	}
	r->quic[r->n_quic++] = q;
	return q->idx;
}

void
mr_relay_quic_free(struct mr_relay *r)
{
	uint16_t i, k;

	hs_free(r);
	for (i = 0; i < r->n_workers; i++) {
		struct mr_worker *w = r->workers[i];

		if (w == NULL || w->quic == NULL)
			continue;
		for (k = 0; k < r->n_quic; k++)
			worker_ep_free(&w->quic->ep[k]);
		if (w->quic->spare != NULL)
			rte_pktmbuf_free(w->quic->spare);
		ring_drain_free(w->quic_ring);
		w->quic_ring = NULL;
		rte_free(w->quic);
		w->quic = NULL;
	}
	for (k = 0; k < r->n_quic; k++) {
		mr_quic_endpoint_free(r->quic[k]->ep);
		rte_free(r->quic[k]);
		r->quic[k] = NULL;
	}
	r->n_quic = 0;
}
