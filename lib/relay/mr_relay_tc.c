/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * Transcoding in the relay: the transcoder lcore (its loop, and fan-out of
 * what it emits), the channels of transcoded streams (opened and closed by
 * the worker that owns the stream, on its own controller of the
 * transcoder), and the changes the control plane makes: a leg's streams
 * told a new profile, a profile's parameters replaced. A stream's channel
 * is written once, before the stream is published, so a change only ever
 * updates live channels, through the owner of the leg's streams; a stream
 * whose channel cannot be updated is deleted and learned again from its
 * next packet (with the leg's profile as it is then).
 */

#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "mr_relay_priv.h"

/*
 * Worker w: open a transcoder channel for a new stream of a transcoded
 * leg, on w's controller. The transcoder is chosen by the stream key's
 * hash, so a stream always goes to the same one.
 */
int
mr_relay_channel_open(struct mr_worker *w, const struct mr_stream_key *key, uint16_t profile,
		      uint32_t leg, struct mr_stream_init *init)
{
	struct mr_relay *r = w->relay;
	uint32_t ch;
	uint16_t t;

	if (r->n_tc == 0 || profile > r->n_profiles)
		return -ENOENT;
	t = (uint16_t)(mr_stream_key_hash(key) % r->n_tc);
	if (mr_transcoder_channel_create_on(r->tc[t], w->index, &r->profiles[profile - 1],
					    &ch) != 0)
		return -ENOSPC;
	/* written before the channel's first frame can be emitted */
	__atomic_store_n(&r->tc_chan_leg[t][ch & (MR_TC_MAX_CHANNELS - 1)], leg,
			 __ATOMIC_RELEASE);
	init->tc_index = t;
	init->tc_channel = ch;
	return 0;
}

/*
 * A deleted stream's memory is reclaimed, on its owner: close its
 * transcoder channel, once. A full control ring defers the close to the
 * worker's tick, so the channel slot is never lost.
 */
void
mr_relay_stream_reclaimed(void *ctx, struct mr_stream *st)
{
	struct mr_relay *r = ctx;
	uint16_t t = st->tc_index;
	struct mr_stream_shard *sh;
	struct mr_worker *w;

	mr_relay_srtp_stream_free(r, st);
	if (st->tc_channel == MR_STREAM_NO_CHANNEL || t >= r->n_tc)
		return;
	/* the calling lcore is the stream's owner: its shard's index is its worker's */
	sh = mr_streams_shard(r->streams, rte_lcore_id());
	w = sh != NULL ? r->workers[sh->index] : NULL;
	if (w == NULL || w->tc_closing[t] == NULL) {
		/* not on a worker (shutdown): the transcoder goes with its channels */
		return;
	}
	if (w->n_closing[t] == 0 &&
	    mr_transcoder_channel_destroy(r->tc[t], st->tc_channel) != -ENOSPC)
		return;
	/* one entry per live channel at most: the array cannot overflow */
	w->tc_closing[t][w->n_closing[t]++] = st->tc_channel;
}

void
mr_relay_closing_retry(struct mr_worker *w)
{
	struct mr_relay *r = w->relay;
	uint16_t t;

	for (t = 0; t < r->n_tc; t++) {
		uint32_t done = 0, n = w->n_closing[t];

		while (done < n &&
		       mr_transcoder_channel_destroy(r->tc[t], w->tc_closing[t][done]) != -ENOSPC)
			done++;
		if (done == 0)
			continue;
		memmove(w->tc_closing[t], w->tc_closing[t] + done, (n - done) * sizeof(uint32_t));
		w->n_closing[t] = n - done;
	}
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
	/* protected here, by the lcore owning the channel's contexts */
	if (unlikely(leg->srtp & MR_LEG_SRTP_OUT))
		f.srtp = mr_relay_srtp_tc_state(w, channel_id, leg, f.ssrc);
	fan_out(w, m, &f, leg);
}

/* A channel was destroyed (on the transcoder lcore): its output's SRTP contexts go. */
static void
tc_closed(void *ctx, uint32_t channel_id)
{
	mr_relay_srtp_tc_closed(ctx, channel_id);
}

struct mr_worker *
mr_relay_add_transcoder(struct mr_relay *r, unsigned int lcore_id, uint16_t queue_id,
			struct mr_transcoder_params *p)
{
	int socket = (int)rte_lcore_to_socket_id(lcore_id);
	struct mr_worker *w = NULL;
	uint16_t k, t = r->n_tc;

	if (t >= MR_RELAY_MAX_TRANSCODERS || lcore_id >= RTE_MAX_LCORE || p == NULL ||
	    p->max_channels == 0 || p->max_channels > MR_TC_MAX_CHANNELS ||
	    p->max_channels < r->n_workers) {
		rte_errno = EINVAL;
		return NULL;
	}
	/* each worker opens and closes its streams' channels itself */
	for (k = 0; k < r->n_workers; k++) {
		struct mr_worker *wk = r->workers[k];

		wk->tc_closing[t] = rte_zmalloc_socket("mr_tc_closing",
						       sizeof(uint32_t) * MR_TC_MAX_CHANNELS, 0,
						       (int)rte_lcore_to_socket_id(wk->lcore_id));
		if (wk->tc_closing[t] == NULL)
			goto nomem;
	}
	w = rte_zmalloc_socket("mr_tc_tx", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	r->tc_chan_leg[t] = rte_zmalloc_socket("mr_tc_chan_leg",
					       sizeof(uint32_t) * MR_TC_MAX_CHANNELS, 0, socket);
	r->tc_srtp[t] = rte_zmalloc_socket("mr_tc_srtp", sizeof(void *) * MR_TC_MAX_CHANNELS, 0,
					   socket);
	if (w == NULL || r->tc_chan_leg[t] == NULL || r->tc_srtp[t] == NULL)
		goto nomem;
	w->relay = r;
	w->lcore_id = lcore_id;
	w->queue_id = queue_id;
	w->ctr = &mr_counters[lcore_id];
	w->tc_slot = t;
	if (mr_relay_tx_buffers_init(w, socket) != 0)
		goto nomem;
	p->emit = tc_emit;
	p->emit_ctx = w;
	p->closed = tc_closed;
	p->controllers = RTE_MAX(r->n_workers, (uint16_t)1);
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
	for (k = 0; k < r->n_workers; k++) {
		rte_free(r->workers[k]->tc_closing[t]);
		r->workers[k]->tc_closing[t] = NULL;
	}
	if (w != NULL)
		mr_relay_tx_buffers_free(w);
	rte_free(r->tc_chan_leg[t]);
	r->tc_chan_leg[t] = NULL;
	rte_free(r->tc_srtp[t]);
	r->tc_srtp[t] = NULL;
	return NULL;
}

unsigned int
mr_relay_transcoder_poll(struct mr_worker *w, uint64_t now)
{
	unsigned int n = mr_transcoder_poll(w->tc, now);

	mr_relay_drain_tick(w, now, n != 0 && n < w->relay->burst);
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

/* ---- transcoding changes by the control plane ---- */

/* What a leg call for a transcoding change carries to the leg's owner. */
struct tc_call {
	struct mr_relay *r;
	uint16_t profile;               /* 1-based */
	struct mr_relay_tc_result res;  /* back from the owner */
};

/*
 * Leg call, on the owner of the leg's streams: tell each stream's channel
 * the profile. No wait on a full control ring (this runs on a worker): that
 * stream is deleted instead, and learned again from its next packet.
 */
static int
tc_leg_call(struct mr_streams *s, struct mr_stream_shard *sh, uint32_t leg, void *arg)
{
	struct tc_call *call = arg;
	struct mr_relay *r = call->r;
	const struct mr_tc_profile *p = &r->profiles[call->profile - 1];
	struct mr_stream *st = s->rt[leg].streams;

	if (sh == NULL)
		return 0; /* no streams */
	while (st != NULL) {
		struct mr_stream *next = st->leg_next;
		struct mr_stream_key key;

		if (st->tc_channel != MR_STREAM_NO_CHANNEL && st->tc_index < r->n_tc &&
		    mr_transcoder_channel_update(r->tc[st->tc_index], st->tc_channel, p) == 0) {
			call->res.channels_updated++;
		} else {
			call->res.update_failed++;
			key = st->key;
			if (mr_streams_del(s, &key) == 0)
				call->res.streams_deleted++;
		}
		st = next;
	}
	return 0;
}

/* One leg's streams to profile; counts added to res. */
static void
tc_leg_pass(struct mr_relay *r, uint32_t leg_idx, uint16_t profile,
	    struct mr_relay_tc_result *res)
{
	struct tc_call call = {.r = r, .profile = profile};

	RTE_BUILD_BUG_ON(sizeof(call) > MR_STREAM_CALL_ARG);
	if (mr_streams_leg_call(r->streams, leg_idx, tc_leg_call, &call, sizeof(call)) != 0)
		return;
	res->channels_updated += call.res.channels_updated;
	res->update_failed += call.res.update_failed;
	res->streams_deleted += call.res.streams_deleted;
}

int
mr_relay_leg_channels_update(struct mr_relay *r, uint32_t leg_idx, uint16_t profile,
			     struct mr_relay_tc_result *res)
{
	if (r == NULL || res == NULL || profile == 0 || profile > r->n_profiles ||
	    leg_idx >= r->streams->legs_max)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	tc_leg_pass(r, leg_idx, profile, res);
	return 0;
}

int
mr_relay_profile_update(struct mr_relay *r, uint16_t profile, const struct mr_tc_profile *p,
			struct mr_relay_tc_result *res)
{
	const struct mr_streams *s;
	struct mr_tc_profile tmp;
	uint32_t i;

	if (r == NULL || p == NULL || res == NULL || profile == 0 || profile > r->n_profiles)
		return -EINVAL;
	tmp = *p;
	if (mr_tc_profile_validate(&tmp) != 0)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	/* channels opened from now on take the new parameters */
	r->profiles[profile - 1] = tmp;
	s = r->streams;
	for (i = 0; i < s->legs_max; i++)
		if (s->defs[i].in_use && s->defs[i].tc_profile == profile)
			tc_leg_pass(r, i, profile, res);
	return 0;
}
