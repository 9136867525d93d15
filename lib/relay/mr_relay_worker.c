/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * The worker lcore: its poll loop, the three stages of a burst, stream
 * learning in the burst where a stream's first packet arrives, software
 * dispatch by destination, and its housekeeping tick.
 */

#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_prefetch.h>

#include "mr_hist.h"
#include "mr_relay_exc.h"
#include "mr_relay_priv.h"
#include "mr_relay_srtp.h"

/* What stage one learned of a packet, for the stages after the lookup. */
struct pkt_ctx {
	struct mr_pkt_info pi;
	struct mr_stream_key key;
	uint32_t hash;            /**< mr_stream_key_hash() of key */
	struct mr_stream_table_pos tpos; /**< the key's buckets in the stream table */
	uint8_t is_rtcp;
	uint8_t unprotected;      /**< SRTP: unprotected in place, headers' sums stale */
	/**
	 * Why RTP/RTCP parsing refused it, MR_DROP_NONE if it did not: an
	 * SRTP packet's encrypted part does not parse as plain RTP (padding)
	 * or RTCP, so the verdict waits for its leg (stage 3).
	 */
	mr_drop_reason_t parse_drop;
	union {
		struct mr_rtp_info rtp;
		struct mr_rtcp_info rtcp;
	};
};


/*
 * Stage one: parse and validate down to the RTP/RTCP header and build
 * the lookup key. Returns the drop reason, MR_DROP_NONE when usable.
 */
static inline mr_drop_reason_t
classify(const struct mr_relay *r, const struct mr_stream_shard *sh, const struct rte_mbuf *m,
	 struct pkt_ctx *c)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	mr_drop_reason_t reason;
	const uint8_t *payload;
	const void *leg_hint;
	uint16_t dport;
	uint32_t ssrc;

	if (unlikely(m->nb_segs != 1))
		return MR_DROP_MULTISEG;
	reason = mr_pkt_parse(frame, m->data_len, m->ol_flags, &c->pi);
	if (unlikely(reason != MR_DROP_NONE))
		return reason;
	dport = rte_be_to_cpu_16(c->pi.dst.port);
	if (unlikely(dport < r->rtp_port_min || dport > r->rtp_port_max))
		return MR_DROP_PORT_UNUSED;

	payload = frame + c->pi.payload_off;
	c->is_rtcp = mr_rtp_is_rtcp(payload, c->pi.payload_len);
	c->unprotected = 0;
	if (c->is_rtcp) {
		reason = mr_rtcp_parse(payload, c->pi.payload_len, &c->rtcp);
		ssrc = c->rtcp.ssrc;
	} else {
		reason = mr_rtp_parse(payload, c->pi.payload_len, &c->rtp);
		ssrc = c->rtp.ssrc;
	}
	c->parse_drop = reason;
	if (unlikely(reason != MR_DROP_NONE)) {
		/* a version-2 header with its SSRC may still be SRTP: its leg decides */
		if (c->pi.payload_len < (c->is_rtcp ? 8 : MR_RTP_HDR_LEN) || (payload[0] >> 6) != 2)
			return reason;
		ssrc = rte_be_to_cpu_32(*(const unaligned_uint32_t *)(payload +
								      (c->is_rtcp ? 4 : 8)));
		if (c->is_rtcp) {
			/* nothing past the first header is taken from it (parse_verdict()) */
			memset(&c->rtcp, 0, sizeof(c->rtcp));
			c->rtcp.ssrc = ssrc;
		} else {
			c->rtp.ssrc = ssrc;
		}
	}
	c->hash = mr_stream_key_from_frame(&c->key, frame, &c->pi, ssrc);
	/* the key's home bucket: the one line a lookup usually reads */
	mr_stream_table_pos(&sh->table, c->hash, &c->tpos);
	rte_prefetch0(mr_stream_table_home(&sh->table, &c->tpos));
	/*
	 * The leg's lines load alongside the lookup rather than after the
	 * stream that points to it: one dependent miss less. (From dport, a
	 * register: reading the port back from the key just stored in wider
	 * pieces would wait for the stores.)
	 */
	leg_hint = mr_streams_leg_hint(r->streams, dport);
	if (leg_hint != NULL) {
		rte_prefetch0(leg_hint);
		rte_prefetch0(RTE_PTR_ADD(leg_hint, offsetof(struct mr_leg, dests)));
	}
	return MR_DROP_NONE;
}


static inline uint32_t
rtp_clock_now(struct mr_worker *w, uint32_t clock_rate, uint64_t now)
{
	if (unlikely(clock_rate != w->clock_rate)) {
		w->clock_rate = clock_rate;
		w->clock_mult = ((uint64_t)clock_rate << 32) / w->relay->tsc_hz;
	}
	/* a multiply instead of a 128-bit division per packet */
	return (uint32_t)(((unsigned __int128)now * w->clock_mult) >> 32);
}

/*
 * Jitter is sampled every MR_HIST_JITTER_EVERY packets of a stream: the
 * A.8 estimate moves by 1/16 of a deviation per packet, so closer samples
 * repeat each other, and the division to microseconds stays off most packets.
 */
static inline void
jitter_record(struct mr_worker *w, const struct mr_stream *st, const struct mr_leg *leg)
{
	if ((st->pkts & (MR_HIST_JITTER_EVERY - 1)) != 0 || unlikely(leg->clock_rate == 0))
		return;
	mr_hist_record(mr_hist_get(w->lcore_id, MR_HIST_JITTER),
		       (uint64_t)mr_jitter_get(&st->jitter) * US_PER_S / leg->clock_rate);
}

/* Update a stream's statistics; returns an RTP packet's extended sequence number. */
static inline uint32_t
stream_account(struct mr_worker *w, struct mr_stream *st, const struct mr_leg *leg,
	       const struct pkt_ctx *c, uint64_t now, bool hist)
{
	uint32_t ext = 0;

	if (c->is_rtcp) {
		st->rtcp_pkts++;
		if (c->rtcp.has_sr) {
			st->has_sr = 1;
			st->sr_lsr = (uint32_t)(c->rtcp.sr_ntp >> 16);
		}
		if (c->rtcp.n_rb > 0) {
			st->has_rr = 1;
			st->rr_fraction_lost = c->rtcp.rb[0].fraction_lost;
			st->rr_cum_lost = c->rtcp.rb[0].cum_lost;
			st->rr_jitter = c->rtcp.rb[0].jitter;
		}
		mr_counter_add(&w->ctr->rtcp_pkts, 1);
	} else {
		if (unlikely(!st->started)) {
			mr_seq_init(&st->seq, c->rtp.seq);
			st->started = 1;
		}
		mr_seq_update(&st->seq, c->rtp.seq, &ext);
		mr_jitter_update(&st->jitter, rtp_clock_now(w, leg->clock_rate, now),
				 c->rtp.ts);
		st->last_pt = c->rtp.pt;
		st->pkts++;
		if (hist)
			jitter_record(w, st, leg);
		mr_counter_add(&w->ctr->rtp_pkts, 1);
	}
	st->bytes += c->pi.payload_len;
	__atomic_store_n(&st->last_tsc, now, __ATOMIC_RELAXED);
	return ext;
}

/* A received packet, parsed by classify(), to its leg's destinations. */
static inline void
forward(struct mr_worker *w, struct rte_mbuf *m, const struct pkt_ctx *c,
	struct mr_stream *st, const struct mr_leg *leg)
{
	struct fwd_info f = {
		/* after an unprotect the received checksum says nothing of the bytes */
		.pi = c->unprotected ? NULL : &c->pi,
		.off = c->pi.payload_off,
		.len = c->pi.payload_len,
		.is_rtcp = c->is_rtcp,
		.srtp = st->srtp,
		.st = st,
	};

	if (!c->is_rtcp) {
		f.seq = c->rtp.seq;
		f.ssrc = c->rtp.ssrc;
		f.ts = c->rtp.ts;
	} else {
		f.ssrc = c->rtcp.ssrc;
	}
	fan_out(w, m, &f, leg);
}

/*
 * SRTP: unprotect a packet of a leg with crypto_in in place, then parse
 * the plain packet. Nothing before this trusted it (docs/srtp.md).
 * Returns the drop reason, MR_DROP_NONE when it authenticated.
 */
static mr_drop_reason_t
srtp_in(struct mr_worker *w, struct rte_mbuf *m, struct pkt_ctx *c, uint32_t leg_idx,
	struct mr_stream *st)
{
	uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, c->pi.payload_off);
	mr_drop_reason_t reason;
	uint32_t ssrc = c->is_rtcp ? c->rtcp.ssrc : c->rtp.ssrc;

	reason = mr_relay_srtp_unprotect(w, leg_idx, st, p, &c->pi.payload_len, c->is_rtcp);
	if (reason != MR_DROP_NONE)
		return reason;
	c->unprotected = 1;
	reason = c->is_rtcp ? mr_rtcp_parse(p, c->pi.payload_len, &c->rtcp) :
			      mr_rtp_parse(p, c->pi.payload_len, &c->rtp);
	c->parse_drop = reason;
	/* the SSRC was authenticated: the same as the key's */
	if (reason == MR_DROP_NONE && (c->is_rtcp ? c->rtcp.ssrc : c->rtp.ssrc) != ssrc)
		reason = MR_DROP_SRTP_MALFORMED;
	return reason;
}

/*
 * Hand an RTP packet of a transcoded stream to its transcoder, as the
 * RTP packet alone. Consumes @p m (the transcoder counts a full ring).
 */
static inline void
to_transcoder(struct mr_worker *w, struct rte_mbuf *m, const struct pkt_ctx *c,
	      const struct mr_stream *st, uint32_t ext, uint64_t now)
{
	struct mr_relay *r = w->relay;

	if (unlikely(st->tc_channel == MR_STREAM_NO_CHANNEL || st->tc_index >= r->n_tc)) {
		drop(w, m, MR_DROP_TRANSCODE_NO_CHANNEL);
		return;
	}
	rte_pktmbuf_adj(m, c->pi.payload_off);
	rte_pktmbuf_trim(m, m->data_len - c->pi.payload_len);
	mr_transcoder_enqueue(r->tc[st->tc_index], m, st->tc_channel, ext, now);
}

/* How many packets ahead of stage 3 stage 2 runs: its prefetches' head start. */
#define MR_RELAY_STAGE_AHEAD 8

/* Stage 2 for one packet: its candidate stream, and its two hot lines prefetched. */
static inline struct mr_stream *
candidate_prefetch(const struct mr_stream_table *table, const struct pkt_ctx *c)
{
	struct mr_stream *st = mr_stream_table_candidate(table, &c->tpos);

	if (st != NULL) {
		rte_prefetch0(st);       /* line 0 */
		rte_prefetch0(&st->seq); /* line 1 */
	}
	return st;
}


/*
 * What a parse failure means on @p leg. A leg with crypto_in judges the
 * packet once it is unprotected (srtp_in()). A leg without reads only the
 * RTP header, or the first RTCP header, of what it forwards: the padding
 * count and the rest of an RTCP compound may be SRTP or SRTCP passing
 * through, encrypted, so they are not judged -- unless a transcoder is
 * to read the RTP payload.
 */
static inline mr_drop_reason_t
parse_verdict(const struct pkt_ctx *c, const struct mr_leg *leg)
{
	if (likely(c->parse_drop == MR_DROP_NONE) || (leg->srtp & MR_LEG_SRTP_IN))
		return MR_DROP_NONE;
	if (c->is_rtcp ? c->parse_drop == MR_DROP_RTCP_MALFORMED :
			 c->parse_drop == MR_DROP_RTP_PADDING && leg->tc_profile == 0)
		return MR_DROP_NONE;
	return c->parse_drop;
}

/* A packet of a stream the worker owns: source check, statistics, forwarding. Consumes m. */
static inline void
stream_deliver(struct mr_worker *w, struct rte_mbuf *m, struct pkt_ctx *c,
	       struct mr_stream *st, const struct mr_leg *leg, uint64_t now, bool hist)
{
	mr_drop_reason_t reason;
	uint32_t ext;

	if (unlikely(leg == NULL)) {
		drop(w, m, MR_DROP_NO_LEG);
		return;
	}
	/* a leg without a remote is a latch leg: its latch request's source is accepted */
	if (unlikely(leg->has_remote ? !mr_endpoint_equal(&c->pi.src, &leg->remote) :
		     !mr_streams_latch_accepts(w->relay->streams, st->leg_idx, leg,
					       &c->pi.src))) {
		mr_streams_leg_drop(w->relay->streams, st->leg_idx, MR_LEG_DROP_SOURCE_MISMATCH);
		drop(w, m, MR_DROP_SOURCE_MISMATCH);
		return;
	}
	if (unlikely(leg->srtp & MR_LEG_SRTP_IN) && !c->unprotected) {
		reason = srtp_in(w, m, c, st->leg_idx, st);
		if (reason != MR_DROP_NONE) {
			/* the stream stays as it was: nothing of this packet is trusted */
			drop(w, m, reason);
			return;
		}
	} else if (unlikely((reason = parse_verdict(c, leg)) != MR_DROP_NONE)) {
		drop(w, m, reason);
		return;
	}
	ext = stream_account(w, st, leg, c, now, hist);
	if (leg->tc_profile != 0 && !c->is_rtcp) {
		to_transcoder(w, m, c, st, ext, now);
		return;
	}
	forward(w, m, c, st, leg);
}

/* The leg's current snapshot, if it still is the one on @p local. */
static inline const struct mr_leg *
leg_on(const struct mr_streams *s, uint32_t idx, const struct mr_endpoint *local)
{
	const struct mr_leg *leg = mr_streams_leg(s, idx);

	return leg != NULL && mr_endpoint_equal(&leg->local, local) ? leg : NULL;
}

/*
 * Learn the stream of a packet no stream of this worker matches, on this
 * lcore and in this burst, then deliver the packet. The source is checked
 * before any other work, so a flood from elsewhere costs a lookup; then
 * the leg's token, its stream limit and new-stream rate. Consumes m.
 */
static void
learn(struct mr_worker *w, struct rte_mbuf *m, struct pkt_ctx *c, uint64_t now,
      bool hist)
{
	struct mr_streams *s = w->relay->streams;
	struct mr_stream_init init = {
		.owner_lcore = (uint16_t)w->lcore_id,
		.tc_channel = MR_STREAM_NO_CHANNEL,
	};
	mr_drop_reason_t reason;
	const struct mr_leg *leg;
	struct mr_stream *st;
	bool latch_req = false;
	int32_t idx;
	int claimed, rc;

	idx = mr_streams_leg_find(s, &c->key.local);
	leg = idx >= 0 ? leg_on(s, (uint32_t)idx, &c->key.local) : NULL;
	if (leg == NULL) {
		drop(w, m, c->parse_drop != MR_DROP_NONE ? c->parse_drop : MR_DROP_NO_LEG);
		return;
	}
	reason = parse_verdict(c, leg);
	if (unlikely(reason != MR_DROP_NONE)) {
		drop(w, m, reason);
		return;
	}
	/* (a leg without a remote is a latch leg: any first source) */
	if (leg->has_remote && !mr_endpoint_equal(&c->pi.src, &leg->remote)) {
		mr_streams_leg_drop(s, (uint32_t)idx, MR_LEG_DROP_SOURCE_MISMATCH);
		drop(w, m, MR_DROP_SOURCE_MISMATCH);
		return;
	}
	claimed = mr_streams_leg_claim(s, w->shard, (uint32_t)idx);
	if (claimed < 0) {
		/* the main lcore holds it for a moment, or another worker owns its streams */
		drop(w, m, __atomic_load_n(&s->rt[idx].owner, __ATOMIC_RELAXED) ==
			   MR_STREAM_OWNER_MAIN ? MR_DROP_LEG_BUSY : MR_DROP_WRONG_WORKER);
		return;
	}
	/* while the main lcore held the token, it may have redefined the leg */
	leg = leg_on(s, (uint32_t)idx, &c->key.local);
	reason = MR_DROP_NO_LEG;
	if (leg == NULL)
		goto fail;
	if (!leg->has_remote) {
		/* an unlatched latch leg: its first source, then only that one */
		reason = MR_DROP_SOURCE_MISMATCH;
		if (s->rt[idx].latch_gen == leg->gen + 1) {
			if (!mr_streams_latch_accepts(s, (uint32_t)idx, leg, &c->pi.src)) {
				mr_streams_leg_drop(s, (uint32_t)idx, MR_LEG_DROP_SOURCE_MISMATCH);
				goto fail;
			}
		} else if (leg->srtp & MR_LEG_SRTP_IN) {
			latch_req = true;  /* SRTP: once the packet authenticated */
		} else if (mr_streams_latch_request(s, w->shard, (uint32_t)idx, leg->gen,
						    &c->pi.src) != 0) {
			reason = MR_DROP_LATCH_RING_FULL;
			goto fail;
		}
	}
	rc = mr_streams_leg_admit(s, (uint32_t)idx, leg, now);
	if (rc == -EDQUOT && mr_streams_leg_evict_idle(s, w->shard, (uint32_t)idx, now,
						       w->relay->evict_tsc) == 0)
		rc = mr_streams_leg_admit(s, (uint32_t)idx, leg, now);
	if (rc != 0) {
		bool limit = rc == -EDQUOT;

		mr_streams_leg_drop(s, (uint32_t)idx, limit ? MR_LEG_DROP_STREAM_LIMIT :
							      MR_LEG_DROP_NEW_STREAM_RATE);
		reason = limit ? MR_DROP_LEG_STREAM_LIMIT : MR_DROP_LEG_NEW_STREAM_RATE;
		goto fail;
	}
	/*
	 * SRTP: the unprotect of an unknown SSRC comes after the admission
	 * above, so a flood of new SSRCs with bad tags costs at most the
	 * leg's new-stream rate in crypto; nothing is latched or made
	 * before it authenticated.
	 */
	if (leg->srtp & MR_LEG_SRTP_IN) {
		reason = srtp_in(w, m, c, (uint32_t)idx, NULL);
		if (reason != MR_DROP_NONE)
			goto fail;
	}
	if (latch_req && mr_streams_latch_request(s, w->shard, (uint32_t)idx, leg->gen,
						  &c->pi.src) != 0) {
		reason = MR_DROP_LATCH_RING_FULL;
		goto fail;
	}
	init.leg_idx = (uint32_t)idx;
	if (leg->srtp != 0 &&
	    mr_relay_srtp_stream_make(w, (uint32_t)idx, leg, c->key.ssrc, &init.srtp) != 0) {
		reason = MR_DROP_SRTP_ERROR;
		mr_streams_leg_drop(s, (uint32_t)idx, MR_LEG_DROP_SRTP_ERROR);
		goto fail;
	}
	if (leg->tc_profile != 0 &&
	    mr_relay_channel_open(w, &c->key, leg->tc_profile, (uint32_t)idx, &init) != 0) {
		reason = MR_DROP_TRANSCODE_NO_CHANNEL;
		goto fail_srtp;
	}
	rc = mr_streams_add(s, &c->key, &init, &st);
	if (rc != 0) {
		mr_relay_srtp_state_free(init.srtp);
		if (init.tc_channel != MR_STREAM_NO_CHANNEL)
			mr_transcoder_channel_destroy(w->relay->tc[init.tc_index], init.tc_channel);
		reason = rc == -ENOSPC ? MR_DROP_STREAM_TABLE_FULL :
			 rc == -EDQUOT ? MR_DROP_STREAMS_MAX :
			 rc == -EBUSY ? MR_DROP_WRONG_WORKER : MR_DROP_NO_LEG;
		goto fail;
	}
	mr_counter_add(&w->ctr->learn_reqs, 1);
	stream_deliver(w, m, c, st, leg, now, hist);
	return;
fail_srtp:
	mr_relay_srtp_state_free(init.srtp);
fail:
	if (claimed)
		mr_streams_leg_unclaim(s, w->shard, (uint32_t)idx);
	drop(w, m, reason);
}

/*
 * Stage 3 for one packet: the key checked against its candidate stream
 * @p st, then delivery, or learning when no stream of this worker
 * matches. Consumes @p m.
 */
static inline void
deliver(struct mr_worker *w, struct rte_mbuf *m, struct pkt_ctx *c,
	struct mr_stream *st, uint64_t now, bool hist)
{
	const struct mr_stream_table *table = &w->shard->table;
	const struct mr_leg *leg;

	leg = st != NULL ? mr_stream_leg(st) : NULL;
	/*
	 * The key is (local endpoint, SSRC); a stream's local endpoint
	 * is its leg's, but for the moment between a leg moving to
	 * another endpoint and its streams' deletion. Checked with the
	 * SSRC and the leg's endpoint, in lines read anyway; a mismatch
	 * (another key with the same signature, a leg without a
	 * snapshot or moving) looks the key up for real.
	 */
	if (unlikely(st != NULL &&
		     (st->ssrc != c->key.ssrc || leg == NULL ||
		      !mr_endpoint_equal(&leg->local, &c->key.local)))) {
		st = mr_stream_table_lookup(table, &c->key, c->hash);
		leg = st != NULL ? mr_stream_leg(st) : NULL;
	}
	if (unlikely(st == NULL)) {
		/* an earlier packet of this burst may have created it after stage 2 */
		st = mr_stream_table_lookup(table, &c->key, c->hash);
		if (st == NULL) {
			learn(w, m, c, now, hist);
			return;
		}
		leg = mr_stream_leg(st);
	}
	stream_deliver(w, m, c, st, leg, now, hist);
}

/* Hand a packet to the worker that owns its local endpoint. Consumes m. */
static inline void
dispatch_one(struct mr_worker *w, struct rte_mbuf *m, const struct pkt_ctx *c)
{
	struct mr_worker *to = w->relay->workers[mr_relay_endpoint_worker(w->relay,
									    &c->key.local)];

	if (unlikely(rte_ring_mp_enqueue(to->dispatch_ring, m) != 0))
		drop(w, m, MR_DROP_DISPATCH_RING_FULL);
}

static void
process(struct mr_worker *w, struct rte_mbuf **pkts, uint16_t n, bool dispatch, uint64_t now)
{
	struct mr_relay *r = w->relay;
	const struct mr_stream_table *table = &w->shard->table;
	struct pkt_ctx ctx[MR_RELAY_BURST_MAX];
	struct rte_mbuf *valid[MR_RELAY_BURST_MAX];
	struct mr_stream *found[MR_RELAY_BURST_MAX];
	uint16_t i, nv = 0;
	bool hist = mr_hist_on();

	/* in order, head first: a stream's packets must not overtake each other */
	while (n > MR_RELAY_BURST_MAX) {
		process(w, pkts, MR_RELAY_BURST_MAX, dispatch, now);
		pkts += MR_RELAY_BURST_MAX;
		n -= MR_RELAY_BURST_MAX;
	}
	for (i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));

	/* Stage 1: parse and validate; prefetch the bucket and leg (classify()). */
	for (i = 0; i < n; i++) {
		mr_drop_reason_t reason = classify(r, w->shard, pkts[i], &ctx[nv]);

		if (unlikely(reason != MR_DROP_NONE)) {
			/* outside the RTP range: a QUIC endpoint's (mr_relay_quic.h)? */
			if (reason == MR_DROP_PORT_UNUSED && r->n_quic != 0 &&
			    mr_relay_quic_in(w, pkts[i], &ctx[nv].pi, dispatch, now))
				continue;
			/* ARP, ICMP echo and ND go to the main lcore (mr_relay_exc.h) */
			mr_relay_exc_or_drop(w, pkts[i], reason);
			continue;
		}
		if (unlikely(dispatch) &&
		    r->workers[mr_relay_endpoint_worker(r, &ctx[nv].key.local)] != w) {
			dispatch_one(w, pkts[i], &ctx[nv]);
			continue;
		}
		valid[nv++] = pkts[i];
	}
	if (nv == 0)
		return;

	/*
	 * Stage 2: each key's candidate stream, from the signatures in its
	 * bucket, and a prefetch of its two hot lines. Stage 3 reads the leg
	 * snapshot the stream points to; classify() prefetched the one
	 * published on the packet's local port, which is that one unless two
	 * legs share a port.
	 */
	for (i = 0; i < nv && i < MR_RELAY_STAGE_AHEAD; i++)
		found[i] = candidate_prefetch(table, &ctx[i]);

	/* Stage 3, with stage 2 running MR_RELAY_STAGE_AHEAD packets ahead of it. */
	for (i = 0; i < nv; i++) {
		if (i + MR_RELAY_STAGE_AHEAD < nv)
			found[i + MR_RELAY_STAGE_AHEAD] =
				candidate_prefetch(table, &ctx[i + MR_RELAY_STAGE_AHEAD]);
		deliver(w, valid[i], &ctx[i], found[i], now, hist);
	}
}

int
mr_relay_dispatch_in(struct mr_relay *r, struct rte_mbuf *m)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	struct mr_pkt_info pi;
	uint16_t dport;

	if (m->nb_segs != 1 || r->n_workers == 0 ||
	    mr_pkt_parse(frame, m->data_len, m->ol_flags, &pi) != MR_DROP_NONE)
		return -EINVAL;
	dport = rte_be_to_cpu_16(pi.dst.port);
	if (dport < r->rtp_port_min || dport > r->rtp_port_max)
		return r->n_quic != 0 ? mr_relay_quic_dispatch_in(r, m, &pi) : -EINVAL;
	if (rte_ring_mp_enqueue(r->workers[mr_relay_endpoint_worker(r, &pi.dst)]->dispatch_ring,
				m) != 0) {
		mr_drop_count(mr_counters_self(), MR_DROP_DISPATCH_RING_FULL, 1);
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	return 0;
}

void
mr_relay_process(struct mr_worker *w, struct rte_mbuf **pkts, uint16_t n, bool dispatch,
		 uint64_t now)
{
	process(w, pkts, n, dispatch, now);
}

void
mr_relay_flush(struct mr_worker *w)
{
	struct mr_relay *r = w->relay;
	uint16_t i, sent;

	for (i = 0; i < r->n_ports; i++) {
		uint16_t port = r->ports[i];
		struct rte_eth_dev_tx_buffer *b = w->txb[port];

		if (unlikely(mr_relay_port_paused(r, port))) {
			/* buffered before the pause: the port may be stopped by now */
			if (b->length != 0) {
				rte_pktmbuf_free_bulk(b->pkts, b->length);
				mr_drop_count(w->ctr, MR_DROP_PORT_PAUSED, b->length);
				b->length = 0;
			}
			continue;
		}
		sent = rte_eth_tx_buffer_flush(port, w->queue_id, b);
		if (sent != 0)
			mr_counter_add(&w->ctr->tx_pkts, sent);
	}
}

/*
 * End of a poll pass: TX. Caught up with the input (@p caught_up): send
 * now rather than hold packets for the drain deadline (latency at low
 * load; under load the buffers fill and leave in full bursts anyway).
 * Otherwise drain on a TSC deadline. The next deadline follows the
 * previous one (no drift), but never lies in the past, so a stall does
 * not make the loop drain over and over. Returns how late a deadline
 * drain ran (0 when none ran).
 */
uint64_t
mr_relay_drain_tick(struct mr_worker *w, uint64_t now, bool caught_up)
{
	uint64_t late;

	if (caught_up) {
		mr_relay_flush(w);
		w->next_drain = now + w->relay->drain_tsc;
		return 0;
	}
	if (now < w->next_drain)
		return 0;
	late = now - w->next_drain;
	mr_relay_flush(w);
	w->next_drain += w->relay->drain_tsc;
	if (w->next_drain <= now)
		w->next_drain = now + w->relay->drain_tsc;
	return late;
}

unsigned int
mr_relay_worker_tick(struct mr_worker *w, uint64_t now)
{
	struct mr_relay *r = w->relay;
	unsigned int n = 0;
	uint16_t t;

	/* without an idle time nothing expires: a budget of 0 only reclaims */
	n = mr_streams_expire(r->streams, w->shard, now, r->idle_tsc,
			      r->idle_tsc != 0 ? MR_RELAY_EXPIRE_BUDGET : 0);
	for (t = 0; t < r->n_tc; t++)
		mr_transcoder_ctl_poll_on(r->tc[t], w->index);
	mr_relay_closing_retry(w);
	if (w->quic != NULL)
		mr_relay_quic_tick(w);
	return n;
}

int
mr_relay_worker_main(void *arg)
{
	struct mr_worker *w = arg;
	struct mr_relay *r = w->relay;
	struct mr_streams *s = r->streams;
	struct rte_rcu_qsbr *qsbr = s->qsbr;
	struct rte_mbuf *pkts[MR_RELAY_BURST_MAX];
	struct mr_hist_lcore *hl = &mr_hists[w->lcore_id];
	const uint64_t busy_window = r->tsc_hz / US_PER_S * MR_HIST_BUSY_WINDOW_US;
	uint64_t start, now, late, t0 = 0;
	uint16_t i, n;

	if (rte_rcu_qsbr_thread_register(qsbr, w->lcore_id) != 0) {
		RELAY_LOG(ERR, "lcore %u: cannot register as RCU reader\n", w->lcore_id);
		return -1;
	}
	rte_rcu_qsbr_thread_online(qsbr, w->lcore_id);
	RELAY_LOG(INFO, "worker on lcore %u polls queue %u of %u port(s)\n",
		  w->lcore_id, w->queue_id, r->n_ports);

	now = rte_rdtsc();
	w->next_drain = now + r->drain_tsc;
	w->next_tick = now + r->tick_tsc;
	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		unsigned int got = 0;
		bool full = false;
		bool hist = mr_hist_on();

		start = now;
		/* the main lcore's call on one of our legs, between bursts */
		mr_streams_owner_poll(s, w->shard);
		/* counted in rx_pkts by the worker that received them */
		n = rte_ring_sc_dequeue_burst(w->dispatch_ring, (void **)pkts, r->burst, NULL);
		if (n != 0) {
			process(w, pkts, n, false, now);
			got += n;
			full |= n == r->burst;
		}
		for (i = 0; i < r->n_ports; i++) {
			uint16_t port = r->ports[i];

			if (unlikely(mr_relay_port_paused(r, port)))
				continue;
			n = rte_eth_rx_burst(port, w->queue_id, pkts, r->burst);
			if (n == 0)
				continue;
			mr_counter_add(&w->ctr->rx_pkts, n);
			mr_counter_add(&w->ctr->rx_bursts, 1);
			if (hist) {
				mr_hist_record(&hl->h[MR_HIST_RX_BURST], n);
				t0 = rte_rdtsc();
			}
			process(w, pkts, n, r->dispatch[port] && r->n_workers > 1, now);
			if (hist)
				mr_hist_record(&hl->h[MR_HIST_PKT_TIME], (rte_rdtsc() - t0) / n);
			got += n;
			full |= n == r->burst;
		}

		/* QUIC: packets for our connections, handshakes, timers, sends */
		if (w->quic != NULL)
			got += mr_relay_quic_poll(w, rte_rdtsc());
		now = rte_rdtsc();
		late = mr_relay_drain_tick(w, now, got != 0 && !full);
		if (hist && late != 0)
			mr_hist_record(&hl->h[MR_HIST_TX_DRAIN_LATE], late);
		if (unlikely(now >= w->next_tick)) {
			mr_relay_worker_tick(w, now);
			w->next_tick += r->tick_tsc;
			if (w->next_tick <= now)
				w->next_tick = now + r->tick_tsc;
		}
		rte_rcu_qsbr_quiescent(qsbr, w->lcore_id);

		if (got != 0) {
			mr_counter_add(&w->ctr->busy_polls, 1);
			mr_counter_add(&w->ctr->busy_cycles, now - start);
			/* how long the RX queues went unpolled: a handshake's stall shows here */
			if (hist)
				mr_hist_record(&hl->h[MR_HIST_LOOP_TIME], now - start);
		} else {
			mr_counter_add(&w->ctr->idle_polls, 1);
			mr_counter_add(&w->ctr->idle_cycles, now - start);
		}
		if (hist)
			mr_hist_busy_tick(hl, now, w->ctr->busy_cycles, busy_window);
	}
	mr_relay_flush(w);
	rte_rcu_qsbr_thread_offline(qsbr, w->lcore_id);
	rte_rcu_qsbr_thread_unregister(qsbr, w->lcore_id);
	return 0;
}
