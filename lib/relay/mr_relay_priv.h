/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_RELAY_PRIV_H
#define MR_RELAY_PRIV_H

/*
 * Inside lib/relay: what the worker (mr_relay_worker.c), the transcoder
 * lcore (mr_relay_tc.c) and the lifecycle (mr_relay.c) share. Forwarding
 * is here as inline functions so that both loops inline it.
 */

#include <errno.h>

#include <rte_log.h>
#include <rte_mbuf.h>

#include "mr_relay.h"
#include "mr_relay_quic.h"

extern int mr_relay_logtype;
#define RELAY_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, mr_relay_logtype, "mr_relay: " __VA_ARGS__)

/* Housekeeping period of a worker: expiry, reclaim, transcoder acks. */
#define MR_RELAY_TICK_US 10000
/* Stream table slots a worker's expiry scans per tick (2341 lines). */
#define MR_RELAY_EXPIRE_BUDGET 16384

static inline void
drop(struct mr_worker *w, struct rte_mbuf *m, mr_drop_reason_t reason)
{
	mr_drop_count(w->ctr, reason, 1);
	rte_pktmbuf_free(m);
}


/* One TX buffer per port for a worker or transcoder lcore (mr_relay.c). */
int mr_relay_tx_buffers_init(struct mr_worker *w, int socket);

/* Free a lcore context's TX buffers (what they hold counted) and the context. */
void mr_relay_tx_buffers_free(struct mr_worker *w);

/*
 * End of a poll pass: TX now or on the drain deadline (mr_relay_worker.c).
 * Returns how late a deadline drain ran.
 */
uint64_t mr_relay_drain_tick(struct mr_worker *w, uint64_t now, bool caught_up);

/*
 * Open a transcoder channel for a new stream of a transcoded leg on
 * worker w's controller (mr_relay_tc.c). Fills init's tc fields.
 */
int mr_relay_channel_open(struct mr_worker *w, const struct mr_stream_key *key,
			  uint16_t profile, uint32_t leg, struct mr_stream_init *init);

/* A deleted stream's memory is reclaimed (on its owner): close its channel. */
void mr_relay_stream_reclaimed(void *ctx, struct mr_stream *st);

/* Retry worker w's channel closes that found a control ring full. */
void mr_relay_closing_retry(struct mr_worker *w);

static inline void
send_one(struct mr_worker *w, uint16_t port, struct rte_mbuf *m)
{
	uint16_t sent;

	if (unlikely(mr_relay_port_paused(w->relay, port))) {
		drop(w, m, MR_DROP_PORT_PAUSED);
		return;
	}
	sent = rte_eth_tx_buffer(port, w->queue_id, w->txb[port], m);

	if (sent != 0)
		mr_counter_add(&w->ctr->tx_pkts, sent);
}

/*
 * Headers for one destination on a payload-only mbuf, then send.
 * Consumes @p out. @p sum is the payload's raw checksum (unless offloaded).
 */
static inline void
emit(struct mr_worker *w, const struct mr_dest *d, struct rte_mbuf *out, uint32_t sum)
{
	int rc = mr_pkt_tmpl_apply(&d->tmpl, out, sum, d->cksum_offload);

	if (unlikely(rc != 0)) {
		/* no room for the headers in front, or a datagram too long for them */
		drop(w, out, rc == -EMSGSIZE ? MR_DROP_OVERSIZE : MR_DROP_NO_HEADROOM);
		return;
	}
	if (unlikely(d->port_id == MR_DEST_PORT_ROQ)) {
		/* to a RoQ leg: a DATAGRAM frame on its connection (mr_relay_quic.h) */
		mr_relay_quic_out(w, out, d->tmpl.l2_len);
		return;
	}
	send_one(w, d->port_id, out);
}

/* Where the RTP (or RTCP) packet sits in the mbuf, and its header fields. */
struct fwd_info {
	const struct mr_pkt_info *pi;
	uint16_t off;     /**< first byte of the RTP header */
	uint16_t len;     /**< RTP header + payload + padding */
	uint8_t is_rtcp;
	uint16_t seq;
	uint32_t ssrc;    /**< RTP's; RTCP's sender (for SRTCP) */
	uint32_t ts;
	void *srtp;       /**< the stream's SRTP state (NULL: none, or transcoder output) */
	struct mr_stream *st; /**< the worker's stream (NULL: transcoder output) */
};

/* ---- SRTP (mr_relay_srtp.c); the packet functions run only for legs with SRTP ---- */

int mr_relay_srtp_init(struct mr_relay *r);
void mr_relay_srtp_fini(struct mr_relay *r);

/*
 * Unprotect in place the SRTP (or SRTCP, @p rtcp) packet of leg @p leg at
 * @p pkt, *len bytes; *len becomes the plain packet's. A failure is
 * counted on the leg and on @p st (may be NULL) and returned as the drop
 * reason (the caller drops); the buffer must not be forwarded then.
 */
mr_drop_reason_t mr_relay_srtp_unprotect(struct mr_worker *w, uint32_t leg, struct mr_stream *st,
					 uint8_t *pkt, uint16_t *len, bool rtcp);

/* A new stream's SRTP state with its outbound contexts (worker, when it makes the stream). */
int mr_relay_srtp_stream_make(struct mr_worker *w, uint32_t leg_idx, const struct mr_leg *leg,
			      uint32_t ssrc, void **out);

/*
 * A stream is being deleted (lib/stream's on_unlink, the leg's token
 * holder): its outbound contexts go back to its leg, for a later stream
 * with the same destination, key and SSRC.
 */
void mr_relay_srtp_stream_unlinked(void *ctx, struct mr_stream *st);

/* Free a reclaimed stream's SRTP state (its owner, from mr_relay_stream_reclaimed()). */
void mr_relay_srtp_stream_free(struct mr_relay *r, struct mr_stream *st);

/* Free SRTP state made for a stream that was never published (NULL: nothing). */
void mr_relay_srtp_state_free(void *state);

/*
 * Transcoder lcore w: the SRTP state of channel @p channel_id's output
 * (SSRC @p ssrc) towards @p leg's destinations, with an outbound context
 * for each of its SRTP destinations, made here the first time the
 * channel sends there (or after a key change). NULL: it could not be
 * made (the sends count srtp_error).
 */
void *mr_relay_srtp_tc_state(struct mr_worker *w, uint32_t channel_id, const struct mr_leg *leg,
			     uint32_t ssrc);
/* Transcoder lcore w: channel @p channel_id was destroyed: its contexts go. */
void mr_relay_srtp_tc_closed(struct mr_worker *w, uint32_t channel_id);
/* Nothing runs any more: transcoder t's remaining channel states go. */
void mr_relay_srtp_tc_fini(struct mr_relay *r, uint16_t t);

struct fwd_info;
/*
 * Send a protected copy to destination @p d (its leg has crypto_out);
 * with @p own, @p m itself (consumed), protected in place when nothing
 * shares its buffer.
 */
void mr_relay_srtp_send(struct mr_worker *w, struct rte_mbuf *m, const struct fwd_info *f,
			const struct mr_dest *d, bool own);

/*
 * A payload-only mbuf for destination d: a private copy when d rewrites
 * RTP or its port cannot send chains, else a clone sharing the payload.
 */
static inline struct rte_mbuf *
dest_copy(struct mr_worker *w, struct rte_mbuf *m, const struct fwd_info *f,
	  const struct mr_dest *d, bool private)
{
	struct mr_relay *r = w->relay;
	struct rte_mbuf *hdr, *clone;

	/* a RoQ leg's copy is flat: it is read into a QUIC packet whole */
	if (private || d->port_id == MR_DEST_PORT_ROQ || !r->multiseg[d->port_id])
		return rte_pktmbuf_copy(m, r->copy_pool, f->off, f->len);

	/* Shared payload: a header mbuf chained to an indirect clone. */
	hdr = rte_pktmbuf_alloc(r->hdr_pool);
	if (hdr == NULL)
		return NULL;
	clone = rte_pktmbuf_clone(m, r->hdr_pool);
	if (clone == NULL) {
		rte_pktmbuf_free(hdr);
		return NULL;
	}
	rte_pktmbuf_adj(clone, f->off);
	rte_pktmbuf_trim(clone, clone->data_len - f->len);
	if (rte_pktmbuf_chain(hdr, clone) != 0) {
		rte_pktmbuf_free(hdr);
		rte_pktmbuf_free(clone);
		return NULL;
	}
	return hdr;
}

/* The RTP header words a rewrite changes (seq, timestamp, SSRC): their sum. */
static inline uint16_t
rewrite_words_sum(const uint8_t *rtp)
{
	return mr_pkt_raw_sum(rtp + 2, 10);
}

/*
 * Rewrite the RTP header for destination d. @p sum, the payload's sum
 * before (when the destination needs one), becomes its sum after.
 */
static inline void
rtp_rewrite(const struct mr_dest *d, uint8_t *rtp, const struct fwd_info *f, uint32_t *sum)
{
	uint16_t before = rewrite_words_sum(rtp);

	mr_rtp_rewrite(rtp, d->ssrc_out != 0 ? d->ssrc_out : f->ssrc,
		       (uint16_t)(f->seq + d->seq_offset), f->ts + d->ts_offset);
	if (!d->cksum_offload)
		*sum += (uint16_t)~before + rewrite_words_sum(rtp);
}

/* The payload's sum, from the received checksum when there is a received frame. */
static inline uint32_t
received_sum(const struct rte_mbuf *m, const struct fwd_info *f)
{
	if (f->pi != NULL)
		return mr_pkt_payload_sum(rte_pktmbuf_mtod(m, const uint8_t *), f->pi);
	/* transcoder output: the RTP packet alone, made here */
	return mr_pkt_raw_sum(rte_pktmbuf_mtod_offset(m, const uint8_t *, f->off), f->len);
}

/*
 * Send one packet to every destination of a leg. Consumes @p m.
 * Copies and clones are made first, from the untouched packet; the
 * original goes last to dests[0], rewritten in place. Without checksum
 * offload the payload's sum comes from the received checksum
 * (mr_pkt_payload_sum()), adjusted for what a rewrite changes.
 */
static inline void
fan_out(struct mr_worker *w, struct rte_mbuf *m, const struct fwd_info *f,
	const struct mr_leg *leg)
{
	uint32_t in_sum = 0;
	bool have_sum = false;
	const struct mr_dest *d;
	uint32_t sum;
	uint8_t i;

	/* one count per destination not reached: its port has no next hop MAC yet */
	if (unlikely(leg->n_unresolved != 0))
		mr_drop_count(w->ctr, MR_DROP_NEXTHOP_UNRESOLVED, leg->n_unresolved);
	if (unlikely(leg->n_dests == 0)) {
		if (leg->n_unresolved != 0)
			rte_pktmbuf_free(m); /* counted above */
		else
			drop(w, m, MR_DROP_NO_DEST);
		return;
	}
	for (i = 1; i < leg->n_dests; i++) {
		bool rewrite;
		struct rte_mbuf *out;

		d = &leg->dests[i];
		if (unlikely(leg->srtp & MR_LEG_SRTP_OUT) && d->srtp_gen != 0) {
			mr_relay_srtp_send(w, m, f, d, false);
			continue;
		}
		rewrite = d->rewrite && !f->is_rtcp;
		out = dest_copy(w, m, f, d, rewrite);
		if (unlikely(out == NULL)) {
			mr_drop_count(w->ctr, MR_DROP_MBUF_EXHAUSTED, 1);
			continue;
		}
		mr_counter_add(&w->ctr->fwd_clones, 1);
		if (!d->cksum_offload && !have_sum) {
			in_sum = received_sum(m, f);
			have_sum = true;
		}
		sum = in_sum;
		if (rewrite)
			rtp_rewrite(d, rte_pktmbuf_mtod(out, uint8_t *), f, &sum);
		emit(w, d, out, sum);
	}

	d = &leg->dests[0];
	if (unlikely(leg->srtp & MR_LEG_SRTP_OUT) && d->srtp_gen != 0) {
		mr_relay_srtp_send(w, m, f, d, true);
		return;
	}
	if (!d->cksum_offload && !have_sum)
		in_sum = received_sum(m, f);
	sum = in_sum;
	rte_pktmbuf_adj(m, f->off);
	rte_pktmbuf_trim(m, m->data_len - f->len);
	if (d->rewrite && !f->is_rtcp)
		rtp_rewrite(d, rte_pktmbuf_mtod(m, uint8_t *), f, &sum);
	emit(w, d, m, sum);
}

/* A received packet, parsed by classify(), to its leg's destinations. */

#endif /* MR_RELAY_PRIV_H */
