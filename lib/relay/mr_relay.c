/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "mr_hist.h"
#include "mr_relay.h"
#include "mr_relay_exc.h"

RTE_LOG_REGISTER_DEFAULT(mr_relay_logtype, INFO);
#define RELAY_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, mr_relay_logtype, "mr_relay: " __VA_ARGS__)

/* What stage one learned of a packet, for the stages after the lookup. */
struct pkt_ctx {
	struct mr_pkt_info pi;
	struct mr_stream_key key;
	uint32_t hash;            /**< mr_stream_key_hash() of key */
	struct mr_stream_table_pos tpos; /**< the key's buckets in the stream table */
	uint8_t is_rtcp;
	union {
		struct mr_rtp_info rtp;
		struct mr_rtcp_info rtcp;
	};
};

static void stream_reclaimed(void *ctx, struct mr_stream *st);

static inline void
drop(struct mr_worker *w, struct rte_mbuf *m, enum mr_drop_reason reason)
{
	mr_drop_count(w->ctr, reason, 1);
	rte_pktmbuf_free(m);
}

/* TX buffer error callback: the PMD did not take these; free and count. */
static void
tx_unsent(struct rte_mbuf **pkts, uint16_t unsent, void *userdata)
{
	struct mr_worker *w = userdata;

	mr_drop_count(w->ctr, MR_DROP_TX_FULL, unsent);
	rte_pktmbuf_free_bulk(pkts, unsent);
}

struct mr_relay *
mr_relay_create(const struct mr_relay_params *p)
{
	struct mr_relay *r;

	if (p == NULL || p->streams == NULL || p->hdr_pool == NULL ||
	    p->copy_pool == NULL || p->burst == 0 || p->burst > MR_RELAY_BURST_MAX ||
	    p->rtp_port_min > p->rtp_port_max || p->tx_drain_us == 0 ||
	    !rte_is_power_of_2(p->ring_size)) {
		rte_errno = EINVAL;
		return NULL;
	}
	r = rte_zmalloc("mr_relay", sizeof(*r), RTE_CACHE_LINE_SIZE);
	if (r == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	r->streams = p->streams;
	r->hdr_pool = p->hdr_pool;
	r->copy_pool = p->copy_pool;
	r->burst = p->burst;
	r->rtp_port_min = p->rtp_port_min;
	r->rtp_port_max = p->rtp_port_max;
	r->ring_size = p->ring_size;
	r->tsc_hz = rte_get_tsc_hz();
	r->drain_tsc = (r->tsc_hz + US_PER_S - 1) / US_PER_S * p->tx_drain_us;
	r->streams->on_reclaim = stream_reclaimed;
	r->streams->on_reclaim_ctx = r;
	return r;
}

int
mr_relay_add_port(struct mr_relay *r, uint16_t port_id)
{
	struct rte_eth_dev_info info;

	if (!rte_eth_dev_is_valid_port(port_id) ||
	    rte_eth_dev_info_get(port_id, &info) != 0)
		return -EINVAL;
	if (r->n_ports >= RTE_MAX_ETHPORTS)
		return -ENOSPC;
	r->multiseg[port_id] = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
	r->ports[r->n_ports++] = port_id;
	return 0;
}

void
mr_relay_port_pause(struct mr_relay *r, uint16_t port_id)
{
	if (r->paused[port_id])
		return;
	r->pauses[port_id]++;
	__atomic_store_n(&r->paused[port_id], true, __ATOMIC_RELAXED);
	/*
	 * The grace period's token is published with release order, and an
	 * lcore acknowledges it (acquire) at the end of a loop pass: every
	 * pass after that sees the flag, and no pass before it is still running.
	 */
	rte_rcu_qsbr_synchronize(r->streams->qsbr, RTE_QSBR_THRID_INVALID);
}

void
mr_relay_port_resume(struct mr_relay *r, uint16_t port_id)
{
	__atomic_store_n(&r->paused[port_id], false, __ATOMIC_RELEASE);
}

/* One TX buffer per port for a worker or transcoder lcore; unsent packets are counted drops. */
static int
tx_buffers_init(struct mr_worker *w, int socket)
{
	const struct mr_relay *r = w->relay;
	uint16_t i;

	for (i = 0; i < r->n_ports; i++) {
		uint16_t port = r->ports[i];

		w->txb[port] = rte_zmalloc_socket("mr_txb", RTE_ETH_TX_BUFFER_SIZE(r->burst),
						  0, socket);
		if (w->txb[port] == NULL)
			return -ENOMEM;
		rte_eth_tx_buffer_init(w->txb[port], r->burst);
		rte_eth_tx_buffer_set_err_callback(w->txb[port], tx_unsent, w);
	}
	return 0;
}

struct mr_worker *
mr_relay_add_worker(struct mr_relay *r, unsigned int lcore_id)
{
	int socket = (int)rte_lcore_to_socket_id(lcore_id);
	char name[RTE_RING_NAMESIZE];
	struct mr_worker *w;
	uint16_t i;

	if (r->n_workers >= MR_RELAY_MAX_WORKERS || lcore_id >= RTE_MAX_LCORE) {
		rte_errno = ENOSPC;
		return NULL;
	}
	w = rte_zmalloc_socket("mr_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL)
		goto nomem;
	w->relay = r;
	w->lcore_id = lcore_id;
	w->queue_id = r->n_workers;
	w->ctr = &mr_counters[lcore_id];

	snprintf(name, sizeof(name), "mr_learn_%u", lcore_id);
	w->learn_ring = rte_ring_create(name, r->ring_size, socket,
					RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "mr_return_%u", lcore_id);
	w->return_ring = rte_ring_create(name, r->ring_size, socket,
					 RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->learn_ring == NULL || w->return_ring == NULL)
		goto fail;
	/* as deep as the learn ring: what arrives while a burst of new streams is learned */
	w->pend = rte_zmalloc_socket("mr_pending", sizeof(*w->pend) * r->ring_size,
				     RTE_CACHE_LINE_SIZE, socket);
	if (w->pend == NULL)
		goto nomem;
	w->pend_mask = r->ring_size - 1;

	if (tx_buffers_init(w, socket) != 0)
		goto nomem;
	r->workers[r->n_workers++] = w;
	return w;

nomem:
	rte_errno = ENOMEM;
fail:
	if (w != NULL) {
		for (i = 0; i < RTE_MAX_ETHPORTS; i++)
			rte_free(w->txb[i]);
		rte_ring_free(w->learn_ring);
		rte_ring_free(w->return_ring);
		rte_free(w->pend);
		rte_free(w);
	}
	return NULL;
}

/*
 * Stage one: parse and validate down to the RTP/RTCP header and build
 * the lookup key. Returns the drop reason, MR_DROP_NONE when usable.
 */
static inline enum mr_drop_reason
classify(const struct mr_relay *r, const struct rte_mbuf *m, struct pkt_ctx *c)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	enum mr_drop_reason reason;
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
	if (c->is_rtcp) {
		reason = mr_rtcp_parse(payload, c->pi.payload_len, &c->rtcp);
		ssrc = c->rtcp.ssrc;
	} else {
		reason = mr_rtp_parse(payload, c->pi.payload_len, &c->rtp);
		ssrc = c->rtp.ssrc;
	}
	if (unlikely(reason != MR_DROP_NONE))
		return reason;
	c->hash = mr_stream_key_from_frame(&c->key, frame, &c->pi, ssrc);
	/* the key's home bucket: the one line a lookup usually reads */
	mr_stream_table_pos(&r->streams->table, c->hash, &c->tpos);
	rte_prefetch0(mr_stream_table_home(&r->streams->table, &c->tpos));
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

/* Hand a packet of an unknown stream to the main lcore to learn the stream. */
static inline void
to_learn(struct mr_worker *w, struct rte_mbuf *m)
{
	if (unlikely(rte_ring_sp_enqueue(w->learn_ring, m) != 0)) {
		drop(w, m, MR_DROP_LEARN_RING_FULL);
		return;
	}
	__atomic_store_n(&w->learn_sent, w->learn_sent + 1, __ATOMIC_RELEASE);
	mr_counter_add(&w->ctr->learn_reqs, 1);
}

/* Hold a packet of a stream that is not settled, behind its older packets. */
static inline void
to_pending(struct mr_worker *w, struct rte_mbuf *m, struct mr_stream *st)
{
	if (unlikely(w->pend_count > w->pend_mask)) {
		drop(w, m, MR_DROP_PENDING_FULL);
		return;
	}
	w->pend[(w->pend_head + w->pend_count) & w->pend_mask] = m;
	w->pend_count++;
	st->pending++;
}

/*
 * May packets of this stream go straight out? Only once the main lcore
 * has finished with every packet this worker handed over while the
 * stream was unknown (learn_seen >= learn_mark, the mark taken when the
 * worker first found the stream: each of those was dropped or queued
 * back, and queued back means counted in returns_queued first), and this
 * worker has processed every packet handed back. Meanwhile new packets
 * wait in the worker's pending FIFO, not with the main lcore, so the
 * mark is fixed and the stream settles however fast it arrives. Once
 * settled, a stream stays settled.
 */
static inline bool
stream_settle(struct mr_worker *w, struct mr_stream *st)
{
	if (!st->marked) {
		st->learn_mark = (uint32_t)w->learn_sent;
		st->marked = 1;
	}
	/* mod 2^32: fewer than 2^31 hand-overs are ever outstanding */
	if ((int32_t)((uint32_t)__atomic_load_n(&w->learn_seen, __ATOMIC_ACQUIRE) -
		      st->learn_mark) < 0)
		return false;
	if ((int32_t)(__atomic_load_n(&st->returns_queued, __ATOMIC_ACQUIRE) -
		      st->returns_done) > 0)
		return false;
	st->settled = 1;
	return true;
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
	if (unlikely(mr_relay_exc_nexthop_unresolved(w, d, out)))
		return;
	if (unlikely(mr_pkt_tmpl_apply(&d->tmpl, out, sum, d->cksum_offload) != 0)) {
		drop(w, out, MR_DROP_MBUF_EXHAUSTED);
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
	uint32_t ssrc;
	uint32_t ts;
};

/*
 * A payload-only mbuf for destination d: a private copy when d rewrites
 * RTP or its port cannot send chains, else a clone sharing the payload.
 */
static struct rte_mbuf *
dest_copy(struct mr_worker *w, struct rte_mbuf *m, const struct fwd_info *f,
	  const struct mr_dest *d, bool private)
{
	struct mr_relay *r = w->relay;
	struct rte_mbuf *hdr, *clone;

	if (private || !r->multiseg[d->port_id])
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
static void
fan_out(struct mr_worker *w, struct rte_mbuf *m, const struct fwd_info *f,
	const struct mr_leg *leg)
{
	uint32_t in_sum = 0;
	bool have_sum = false;
	const struct mr_dest *d;
	uint32_t sum;
	uint8_t i;

	if (unlikely(leg->n_dests == 0)) {
		drop(w, m, MR_DROP_NO_DEST);
		return;
	}
	for (i = 1; i < leg->n_dests; i++) {
		bool rewrite;
		struct rte_mbuf *out;

		d = &leg->dests[i];
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
static inline void
forward(struct mr_worker *w, struct rte_mbuf *m, const struct pkt_ctx *c,
	const struct mr_leg *leg)
{
	struct fwd_info f = {
		.pi = &c->pi,
		.off = c->pi.payload_off,
		.len = c->pi.payload_len,
		.is_rtcp = c->is_rtcp,
	};

	if (!c->is_rtcp) {
		f.seq = c->rtp.seq;
		f.ssrc = c->rtp.ssrc;
		f.ts = c->rtp.ts;
	}
	fan_out(w, m, &f, leg);
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

enum process_mode {
	FROM_RX,        /* from an RX queue */
	FROM_RETURN,    /* handed back by the main lcore */
	FROM_PENDING,   /* from the pending FIFO, its stream settled */
};

/*
 * Stage 3 for one packet: the key checked against its candidate stream
 * @p st, source check, statistics, forwarding. Consumes @p m.
 */
static inline void
deliver(struct mr_worker *w, struct rte_mbuf *m, const struct pkt_ctx *c,
	struct mr_stream *st, enum process_mode mode, uint64_t now, bool hist)
{
	struct mr_relay *r = w->relay;
	const struct mr_stream_table *table = &r->streams->table;
	const struct mr_leg *leg;
	uint32_t ext;

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
	if (st == NULL) {
		if (mr_streams_leg_find(r->streams, &c->key.local) < 0)
			drop(w, m, MR_DROP_NO_LEG);
		else
			to_learn(w, m);
		return;
	}
	if (unlikely(st->owner_lcore != w->lcore_id)) {
		drop(w, m, MR_DROP_WRONG_WORKER);
		return;
	}
	if (mode == FROM_RETURN) {
		st->returns_done++;
	} else if (mode == FROM_PENDING) {
		if (st->pending != 0)
			st->pending--;
	} else if (unlikely(st->pending != 0 ||
			    (!st->settled && !stream_settle(w, st)))) {
		/* older packets of this stream are with the main lcore or waiting */
		to_pending(w, m, st);
		return;
	}
	if (unlikely(leg == NULL)) {
		drop(w, m, MR_DROP_NO_LEG);
		return;
	}
	if (unlikely(!leg->has_remote ||
		     !mr_endpoint_equal(&c->pi.src, &leg->remote))) {
		drop(w, m, MR_DROP_SOURCE_MISMATCH);
		return;
	}
	ext = stream_account(w, st, leg, c, now, hist);
	if (leg->tc_profile != 0 && !c->is_rtcp) {
		to_transcoder(w, m, c, st, ext, now);
		return;
	}
	forward(w, m, c, leg);
}

static void
process(struct mr_worker *w, struct rte_mbuf **pkts, uint16_t n,
	enum process_mode mode, uint64_t now)
{
	struct mr_relay *r = w->relay;
	const struct mr_stream_table *table = &r->streams->table;
	struct pkt_ctx ctx[MR_RELAY_BURST_MAX];
	struct rte_mbuf *valid[MR_RELAY_BURST_MAX];
	struct mr_stream *found[MR_RELAY_BURST_MAX];
	uint16_t i, nv = 0;
	bool hist = mr_hist_on();

	/* in order, head first: a stream's packets must not overtake each other */
	while (n > MR_RELAY_BURST_MAX) {
		process(w, pkts, MR_RELAY_BURST_MAX, mode, now);
		pkts += MR_RELAY_BURST_MAX;
		n -= MR_RELAY_BURST_MAX;
	}
	for (i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));

	/* Stage 1: parse and validate; prefetch the bucket and leg (classify()). */
	for (i = 0; i < n; i++) {
		enum mr_drop_reason reason = classify(r, pkts[i], &ctx[nv]);

		if (unlikely(reason != MR_DROP_NONE)) {
			mr_relay_exc_or_drop(w, pkts[i], reason);
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
		deliver(w, valid[i], &ctx[i], found[i], mode, now, hist);
	}
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
static inline uint64_t
drain_tick(struct mr_worker *w, uint64_t now, bool caught_up)
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

int
mr_relay_worker_main(void *arg)
{
	struct mr_worker *w = arg;
	struct mr_relay *r = w->relay;
	struct rte_rcu_qsbr *qsbr = r->streams->qsbr;
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
	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		unsigned int got = 0;
		bool full = false;
		bool hist = mr_hist_on();

		start = now;
		n = rte_ring_sc_dequeue_burst(w->return_ring, (void **)pkts, r->burst, NULL);
		if (n != 0) {
			process(w, pkts, n, FROM_RETURN, now);
			got += n;
		}
		if (unlikely(w->pend_count != 0))
			got += mr_relay_pending_drain(w, now);
		for (i = 0; i < r->n_ports; i++) {
			if (unlikely(mr_relay_port_paused(r, r->ports[i])))
				continue;
			n = rte_eth_rx_burst(r->ports[i], w->queue_id, pkts, r->burst);
			if (n == 0)
				continue;
			mr_counter_add(&w->ctr->rx_pkts, n);
			mr_counter_add(&w->ctr->rx_bursts, 1);
			if (hist) {
				mr_hist_record(&hl->h[MR_HIST_RX_BURST], n);
				t0 = rte_rdtsc();
			}
			process(w, pkts, n, FROM_RX, now);
			if (hist)
				mr_hist_record(&hl->h[MR_HIST_PKT_TIME], (rte_rdtsc() - t0) / n);
			got += n;
			full |= n == r->burst;
		}

		now = rte_rdtsc();
		late = drain_tick(w, now, got != 0 && !full);
		if (hist && late != 0)
			mr_hist_record(&hl->h[MR_HIST_TX_DRAIN_LATE], late);
		rte_rcu_qsbr_quiescent(qsbr, w->lcore_id);

		if (got != 0) {
			mr_counter_add(&w->ctr->busy_polls, 1);
			mr_counter_add(&w->ctr->busy_cycles, now - start);
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

void
mr_relay_process(struct mr_worker *w, struct rte_mbuf **pkts, uint16_t n,
		 bool returned, uint64_t now)
{
	process(w, pkts, n, returned ? FROM_RETURN : FROM_RX, now);
}

unsigned int
mr_relay_pending_drain(struct mr_worker *w, uint64_t now)
{
	struct mr_relay *r = w->relay;
	unsigned int taken = 0;

	while (w->pend_count != 0) {
		struct rte_mbuf *m = w->pend[w->pend_head];
		struct mr_stream *st;
		struct pkt_ctx c;

		/* classified when it arrived; the stream may have gone since */
		if (classify(r, m, &c) == MR_DROP_NONE) {
			st = mr_streams_find(r->streams, &c.key);
			if (st != NULL && st->owner_lcore == w->lcore_id && !st->settled &&
			    !stream_settle(w, st))
				break; /* in order: everything behind it waits too */
		}
		w->pend_head = (w->pend_head + 1) & w->pend_mask;
		w->pend_count--;
		process(w, &m, 1, FROM_PENDING, now);
		taken++;
	}
	return taken;
}

/*
 * Main lcore: open a transcoder channel for a new stream of a transcoded
 * leg. The transcoder is chosen by the stream key's hash, so a stream
 * always goes to the same one.
 */
static int
channel_open(struct mr_relay *r, const struct mr_stream_key *key, uint16_t profile,
	     uint32_t leg, struct mr_stream_init *init)
{
	uint32_t ch;
	uint16_t t;

	if (r->n_tc == 0 || profile > r->n_profiles)
		return -ENOENT;
	t = (uint16_t)(mr_stream_key_hash(key) % r->n_tc);
	if (mr_transcoder_channel_create(r->tc[t], &r->profiles[profile - 1], &ch) != 0)
		return -ENOSPC;
	/* written before the channel's first frame can be emitted */
	__atomic_store_n(&r->tc_chan_leg[t][ch & (MR_TC_MAX_CHANNELS - 1)], leg,
			 __ATOMIC_RELEASE);
	init->tc_index = t;
	init->tc_channel = ch;
	return 0;
}

/*
 * A deleted stream's memory is reclaimed: close its transcoder channel,
 * once. A full control ring defers the close to mr_relay_learn_poll(),
 * so the channel slot is never lost.
 */
static void
stream_reclaimed(void *ctx, struct mr_stream *st)
{
	struct mr_relay *r = ctx;
	uint16_t t = st->tc_index;

	if (st->tc_channel == MR_STREAM_NO_CHANNEL || t >= r->n_tc)
		return;
	if (r->n_closing[t] == 0 &&
	    mr_transcoder_channel_destroy(r->tc[t], st->tc_channel) != -ENOSPC)
		return;
	/* one entry per live channel at most: the array cannot overflow */
	r->tc_closing[t][r->n_closing[t]++] = st->tc_channel;
}

/* Main lcore: retry deferred channel closes, oldest first. */
static void
closing_retry(struct mr_relay *r, uint16_t t)
{
	uint32_t done = 0, n = r->n_closing[t];

	while (done < n && mr_transcoder_channel_destroy(r->tc[t], r->tc_closing[t][done]) != -ENOSPC)
		done++;
	if (done == 0)
		return;
	memmove(r->tc_closing[t], r->tc_closing[t] + done, (n - done) * sizeof(uint32_t));
	r->n_closing[t] = n - done;
}

/* Main lcore: learn the stream of one handed-over packet. Consumes m. */
static void
learn_one(struct mr_relay *r, struct mr_worker *w, struct rte_mbuf *m,
	  struct mr_lcore_counters *ctr)
{
	struct mr_streams *s = r->streams;
	enum mr_drop_reason reason;
	const struct mr_leg_def *def;
	struct mr_stream_init init = {0};
	struct mr_stream *st;
	struct pkt_ctx c;
	int32_t leg;
	int rc;

	reason = classify(r, m, &c);
	if (reason != MR_DROP_NONE)
		goto drop;
	leg = mr_streams_leg_find(s, &c.key.local);
	if (leg < 0) {
		reason = MR_DROP_NO_LEG;
		goto drop;
	}
	def = &s->defs[leg];
	if (def->latch && !def->latched) {
		if (mr_streams_latch(s, (uint32_t)leg, &c.pi.src) != 0) {
			reason = MR_DROP_SOURCE_MISMATCH;
			goto drop;
		}
	} else if (!mr_endpoint_equal(&def->remote, &c.pi.src)) {
		reason = MR_DROP_SOURCE_MISMATCH;
		goto drop;
	}

	init.leg_idx = (uint32_t)leg;
	init.owner_lcore = (uint16_t)w->lcore_id;
	init.returns_queued = 1;
	init.tc_channel = MR_STREAM_NO_CHANNEL;
	if (def->tc_profile != 0 && mr_streams_find(s, &c.key) == NULL &&
	    channel_open(r, &c.key, def->tc_profile, (uint32_t)leg, &init) != 0) {
		reason = MR_DROP_TRANSCODE_NO_CHANNEL;
		goto drop;
	}
	rc = mr_streams_add(s, &c.key, &init, &st);
	if (rc != 0 && rc != -EEXIST && init.tc_channel != MR_STREAM_NO_CHANNEL)
		mr_transcoder_channel_destroy(r->tc[init.tc_index], init.tc_channel);
	if (rc == -EEXIST) {
		if (st->owner_lcore != w->lcore_id) {
			reason = MR_DROP_WRONG_WORKER;
			goto drop;
		}
		__atomic_store_n(&st->returns_queued, st->returns_queued + 1,
				 __ATOMIC_RELEASE);
	} else if (rc != 0) {
		reason = MR_DROP_STREAM_TABLE_FULL;
		goto drop;
	}
	if (rte_ring_sp_enqueue(w->return_ring, m) != 0) {
		/* the owner will not see this packet: take its count back */
		__atomic_store_n(&st->returns_queued, st->returns_queued - 1,
				 __ATOMIC_RELEASE);
		reason = MR_DROP_LEARN_RING_FULL;
		goto drop;
	}
	return;
drop:
	mr_drop_count(ctr, reason, 1);
	rte_pktmbuf_free(m);
}

unsigned int
mr_relay_learn_poll(struct mr_relay *r, unsigned int budget)
{
	struct mr_lcore_counters *ctr = mr_counters_self();
	struct rte_mbuf *pkts[MR_RELAY_BURST_MAX];
	unsigned int taken = 0, k, j, n;

	for (k = 0; k < r->n_workers && taken < budget; k++) {
		struct mr_worker *w = r->workers[k];

		n = RTE_MIN(budget - taken, (unsigned int)RTE_DIM(pkts));
		n = rte_ring_sc_dequeue_burst(w->learn_ring, (void **)pkts, n, NULL);
		for (j = 0; j < n; j++) {
			learn_one(r, w, pkts[j], ctr);
			/* after returns_queued moved: the worker's settle check relies on it */
			__atomic_store_n(&w->learn_seen, w->learn_seen + 1, __ATOMIC_RELEASE);
		}
		taken += n;
	}
	for (k = 0; k < r->n_tc; k++) {
		mr_transcoder_ctl_poll(r->tc[k]);
		if (unlikely(r->n_closing[k] != 0))
			closing_retry(r, (uint16_t)k);
	}
	return taken;
}

int
mr_relay_set_profiles(struct mr_relay *r, const struct mr_tc_profile *profiles, uint16_t n)
{
	struct mr_tc_profile tmp[MR_RELAY_MAX_PROFILES];
	uint16_t i;

	if (n > MR_RELAY_MAX_PROFILES || (n != 0 && profiles == NULL))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		tmp[i] = profiles[i];
		if (mr_tc_profile_validate(&tmp[i]) != 0)
			return -EINVAL;
	}
	memcpy(r->profiles, tmp, sizeof(tmp[0]) * n);
	r->n_profiles = n;
	return 0;
}

/*
 * Transcoder output (on the transcoder lcore): an RTP packet of the
 * channel's stream, to the destinations of the leg it was received on.
 */
static void
tc_emit(void *ctx, uint32_t channel_id, struct rte_mbuf *m)
{
	struct mr_worker *w = ctx;
	struct mr_relay *r = w->relay;
	const uint8_t *rtp = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct mr_leg *leg;
	struct fwd_info f = {
		.off = 0,
		.len = (uint16_t)m->data_len,
	};
	uint32_t leg_idx;

	leg_idx = __atomic_load_n(&r->tc_chan_leg[w->tc_slot][channel_id & (MR_TC_MAX_CHANNELS - 1)],
				  __ATOMIC_ACQUIRE);
	leg = leg_idx < r->streams->legs_max ? mr_streams_leg(r->streams, leg_idx) : NULL;
	if (unlikely(leg == NULL || m->data_len < MR_RTP_HDR_LEN)) {
		drop(w, m, MR_DROP_NO_LEG);
		return;
	}
	f.seq = rte_be_to_cpu_16(*(const unaligned_uint16_t *)(rtp + 2));
	f.ts = rte_be_to_cpu_32(*(const unaligned_uint32_t *)(rtp + 4));
	f.ssrc = rte_be_to_cpu_32(*(const unaligned_uint32_t *)(rtp + 8));
	fan_out(w, m, &f, leg);
}

struct mr_worker *
mr_relay_add_transcoder(struct mr_relay *r, unsigned int lcore_id, uint16_t queue_id,
			struct mr_transcoder_params *p)
{
	int socket = (int)rte_lcore_to_socket_id(lcore_id);
	struct mr_worker *w = NULL;
	uint16_t i, t = r->n_tc;

	if (t >= MR_RELAY_MAX_TRANSCODERS || lcore_id >= RTE_MAX_LCORE || p == NULL ||
	    p->max_channels == 0 || p->max_channels > MR_TC_MAX_CHANNELS) {
		rte_errno = EINVAL;
		return NULL;
	}
	w = rte_zmalloc_socket("mr_tc_tx", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	r->tc_chan_leg[t] = rte_zmalloc_socket("mr_tc_chan_leg",
					       sizeof(uint32_t) * MR_TC_MAX_CHANNELS, 0, socket);
	r->tc_closing[t] = rte_zmalloc_socket("mr_tc_closing",
					      sizeof(uint32_t) * MR_TC_MAX_CHANNELS, 0, socket);
	if (w == NULL || r->tc_chan_leg[t] == NULL || r->tc_closing[t] == NULL)
		goto nomem;
	w->relay = r;
	w->lcore_id = lcore_id;
	w->queue_id = queue_id;
	w->ctr = &mr_counters[lcore_id];
	w->tc_slot = t;
	if (tx_buffers_init(w, socket) != 0)
		goto nomem;
	p->emit = tc_emit;
	p->emit_ctx = w;
	w->tc = mr_transcoder_create(p);
	if (w->tc == NULL)
		goto fail;
	r->tc[t] = w->tc;
	r->tc_tx[t] = w;
	r->n_tc++;
	return w;

nomem:
	rte_errno = ENOMEM;
fail:
	if (w != NULL)
		for (i = 0; i < RTE_MAX_ETHPORTS; i++)
			rte_free(w->txb[i]);
	rte_free(w);
	rte_free(r->tc_chan_leg[t]);
	r->tc_chan_leg[t] = NULL;
	rte_free(r->tc_closing[t]);
	r->tc_closing[t] = NULL;
	return NULL;
}

unsigned int
mr_relay_transcoder_poll(struct mr_worker *w, uint64_t now)
{
	unsigned int n = mr_transcoder_poll(w->tc, now);

	drain_tick(w, now, n != 0 && n < w->relay->burst);
	return n;
}

int
mr_relay_transcoder_main(void *arg)
{
	struct mr_worker *w = arg;
	struct mr_relay *r = w->relay;
	struct rte_rcu_qsbr *qsbr = r->streams->qsbr;

	/* emit reads leg snapshots: this lcore is an RCU reader too */
	if (rte_rcu_qsbr_thread_register(qsbr, w->lcore_id) != 0) {
		RELAY_LOG(ERR, "lcore %u: cannot register as RCU reader\n", w->lcore_id);
		return -1;
	}
	rte_rcu_qsbr_thread_online(qsbr, w->lcore_id);
	RELAY_LOG(INFO, "transcoder %u on lcore %u sends on queue %u\n", w->tc_slot,
		  w->lcore_id, w->queue_id);
	w->next_drain = rte_rdtsc() + r->drain_tsc;
	/* mr_transcoder_poll() counts this lcore's busy and idle passes itself */
	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		mr_relay_transcoder_poll(w, rte_rdtsc());
		rte_rcu_qsbr_quiescent(qsbr, w->lcore_id);
	}
	mr_relay_flush(w);
	rte_rcu_qsbr_thread_offline(qsbr, w->lcore_id);
	rte_rcu_qsbr_thread_unregister(qsbr, w->lcore_id);
	return 0;
}

void
mr_relay_stop(struct mr_relay *r)
{
	__atomic_store_n(&r->stop, true, __ATOMIC_RELAXED);
}

static void
ring_drain(struct rte_ring *ring, struct mr_lcore_counters *ctr)
{
	void *m;

	if (ring == NULL)
		return;
	while (rte_ring_sc_dequeue(ring, &m) == 0) {
		mr_drop_count(ctr, MR_DROP_SHUTDOWN, 1);
		rte_pktmbuf_free(m);
	}
	rte_ring_free(ring);
}

/* Free a worker's TX buffers (and what they still hold, counted) and the worker. */
static void
tx_buffers_free(struct mr_worker *w)
{
	uint16_t i;

	for (i = 0; i < RTE_MAX_ETHPORTS; i++) {
		if (w->txb[i] == NULL)
			continue;
		/* never flushed at this point means never sendable */
		if (w->txb[i]->length != 0) {
			mr_drop_count(w->ctr, MR_DROP_SHUTDOWN, w->txb[i]->length);
			rte_pktmbuf_free_bulk(w->txb[i]->pkts, w->txb[i]->length);
		}
		rte_free(w->txb[i]);
	}
	rte_free(w);
}

void
mr_relay_free(struct mr_relay *r)
{
	uint16_t k;

	if (r == NULL)
		return;
	/* streams reclaimed from now on have no transcoder to go back to */
	r->streams->on_reclaim = NULL;
	for (k = 0; k < r->n_workers; k++) {
		struct mr_worker *w = r->workers[k];

		ring_drain(w->learn_ring, w->ctr);
		ring_drain(w->return_ring, w->ctr);
		while (w->pend_count != 0) {
			mr_drop_count(w->ctr, MR_DROP_SHUTDOWN, 1);
			rte_pktmbuf_free(w->pend[w->pend_head]);
			w->pend_head = (w->pend_head + 1) & w->pend_mask;
			w->pend_count--;
		}
		rte_free(w->pend);
		tx_buffers_free(w);
	}
	for (k = 0; k < r->n_tc; k++) {
		/* frees what its ring and reorder windows hold (counted) */
		mr_transcoder_free(r->tc[k]);
		tx_buffers_free(r->tc_tx[k]);
		rte_free(r->tc_chan_leg[k]);
		rte_free(r->tc_closing[k]);
	}
	rte_free(r);
}
