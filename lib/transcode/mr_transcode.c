/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * The transcoder: its rings, its preallocated channel table, the control
 * protocol with the main lcore, and the poll loop of the transcoder lcore.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <opus/opus.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include "mr_hist.h"
#include "mr_metrics.h"
#include "mr_rtp.h"
#include "mr_tc_private.h"

MR_DROP_REGISTER(transcode, MR_TRANSCODE_DROPS)

int mr_tc_meta_offset = -1;

static const char *const codec_names[MR_TC_CODEC__MAX] = { "opus", "pcmu", "pcma" };
static const char *const state_names[MR_TC_STATE__MAX] = { "free", "ready", "running" };
static const char *const reset_names[MR_TC_RESET__MAX] = {
	"create", "profile", "in_channels", "in_bandwidth",
};

const char *
mr_tc_codec_name(enum mr_tc_codec c)
{
	return (unsigned int)c < MR_TC_CODEC__MAX ? codec_names[c] : "invalid";
}

const char *
mr_tc_state_name(enum mr_tc_state s)
{
	return (unsigned int)s < MR_TC_STATE__MAX ? state_names[s] : "invalid";
}

const char *
mr_tc_reset_name(enum mr_tc_reset_reason r)
{
	return (unsigned int)r < MR_TC_RESET__MAX ? reset_names[r] : "invalid";
}

int
mr_tc_profile_validate(struct mr_tc_profile *p)
{
	bool in_opus, out_opus;

	if (p == NULL || (unsigned int)p->in_codec >= MR_TC_CODEC__MAX ||
	    (unsigned int)p->out_codec >= MR_TC_CODEC__MAX ||
	    p->in_pt > 127 || p->out_pt > 127)
		return -EINVAL;
	in_opus = p->in_codec == MR_TC_CODEC_OPUS;
	out_opus = p->out_codec == MR_TC_CODEC_OPUS;
	if (p->out_channels == 0)
		p->out_channels = 1;
	if (p->ptime_ms == 0)
		p->ptime_ms = 20;
	if (p->bitrate == 0)
		p->bitrate = 32000;
	if (p->rate == 0)
		p->rate = 48000;
	if (p->reorder == 0)
		p->reorder = MR_TC_REORDER_DEFAULT;
	if (p->out_channels > (out_opus ? 2 : 1))
		return -EINVAL;
	if (p->ptime_ms != 10 && p->ptime_ms != 20 && p->ptime_ms != 40 &&
	    p->ptime_ms != 60)
		return -EINVAL;
	if (p->complexity > 10 || p->loss_perc > 100 ||
	    p->reorder > MR_TC_REORDER_MAX)
		return -EINVAL;
	if (p->bitrate < 6000 || p->bitrate > 510000)
		return -EINVAL;
	if (p->rate != 8000 && p->rate != 12000 && p->rate != 16000 &&
	    p->rate != 24000 && p->rate != 48000)
		return -EINVAL;
	/* G.711 meets Opus at 8 kHz, or through the 8 <-> 48 kHz resampler */
	if (in_opus != out_opus && p->rate != 8000 && p->rate != 48000)
		return -EINVAL;
	if (!in_opus && !out_opus)
		p->rate = 8000;
	return 0;
}

void
mr_tc_set_state(struct mr_transcoder *tc, struct mr_tc_channel *ch,
		enum mr_tc_state s)
{
	uint32_t old = ch->state;

	if (old == (uint32_t)s)
		return;
	__atomic_store_n(&tc->st.channels[old], tc->st.channels[old] - 1, __ATOMIC_RELAXED);
	__atomic_store_n(&tc->st.channels[s], tc->st.channels[s] + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&ch->state, (uint32_t)s, __ATOMIC_RELAXED);
}

static void
channel_free_mem(struct mr_tc_channel *ch)
{
	if (ch == NULL)
		return;
	rte_free(ch->dec);
	rte_free(ch->enc);
	rte_free(ch);
}

void
mr_transcoder_free(struct mr_transcoder *tc)
{
	struct mr_lcore_counters *lc = mr_counters_self();
	struct rte_mbuf *m;
	void *obj;
	uint32_t i;

	if (tc == NULL)
		return;
	if (tc->in_ring != NULL) {
		while (rte_ring_dequeue(tc->in_ring, (void **)&m) == 0) {
			rte_pktmbuf_free(m);
			mr_drop_count(lc, MR_DROP_SHUTDOWN, 1);
		}
	}
	for (i = 0; tc->ctl != NULL && i < tc->n_ctl; i++)
		if (tc->ctl[i].ctl_ring != NULL)
			while (rte_ring_dequeue(tc->ctl[i].ctl_ring, &obj) == 0)
				;
	if (tc->ch != NULL) {
		for (i = 0; i < tc->max_channels; i++) {
			if (tc->ch[i] != NULL)
				mr_tc_channel_drop_held(tc->ch[i], MR_DROP_SHUTDOWN);
			channel_free_mem(tc->ch[i]);
		}
	}
	rte_ring_free(tc->in_ring);
	for (i = 0; tc->ctl != NULL && i < tc->n_ctl; i++) {
		rte_ring_free(tc->ctl[i].ctl_ring);
		rte_ring_free(tc->ctl[i].ack_ring);
		rte_free(tc->ctl[i].msgs);
		rte_free(tc->ctl[i].msg_free);
	}
	rte_free(tc->ctl);
	rte_free(tc->ch);
	rte_free(tc->ctl_gen);
	rte_free(tc->ctl_live);
	rte_free(tc->waiting);
	rte_free(tc);
}

static struct mr_tc_channel *
channel_alloc(int socket)
{
	struct mr_tc_channel *ch;

	ch = rte_zmalloc_socket("mr_tc_channel", sizeof(*ch), RTE_CACHE_LINE_SIZE, socket);
	if (ch == NULL)
		return NULL;
	/* stereo sizes: the worst case, whatever the profile becomes later */
	ch->dec = rte_zmalloc_socket("mr_tc_dec", (size_t)opus_decoder_get_size(2),
				     RTE_CACHE_LINE_SIZE, socket);
	ch->enc = rte_zmalloc_socket("mr_tc_enc", (size_t)opus_encoder_get_size(2),
				     RTE_CACHE_LINE_SIZE, socket);
	if (ch->dec == NULL || ch->enc == NULL) {
		channel_free_mem(ch);
		return NULL;
	}
	ch->state = MR_TC_STATE_FREE;
	ch->wait_idx = -1;
	return ch;
}

/* The controllers: rings, messages and a share of the slots each. Sets rte_errno. */
static int
ctl_create(struct mr_transcoder *tc, const struct mr_transcoder_params *prm)
{
	char rname[RTE_RING_NAMESIZE];
	uint32_t per, i;
	uint16_t k;

	tc->n_ctl = prm->controllers != 0 ? prm->controllers : 1;
	per = prm->max_channels / tc->n_ctl;
	tc->ctl = rte_zmalloc_socket("mr_tc_ctl", sizeof(*tc->ctl) * tc->n_ctl,
				     RTE_CACHE_LINE_SIZE, prm->socket_id);
	if (tc->ctl == NULL) {
		rte_errno = ENOMEM;
		return -1;
	}
	for (k = 0; k < tc->n_ctl; k++) {
		struct mr_tc_ctl *c = &tc->ctl[k];

		c->first_slot = per * k;
		c->n_slots = k + 1 == tc->n_ctl ? prm->max_channels - per * k : per;
		snprintf(rname, sizeof(rname), "tc_ctl%u_%s", k, prm->name);
		c->ctl_ring = rte_ring_create(rname, MR_TC_CTL_MSGS + 1, prm->socket_id,
					      RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(rname, sizeof(rname), "tc_ack%u_%s", k, prm->name);
		c->ack_ring = rte_ring_create(rname, MR_TC_CTL_MSGS + 1, prm->socket_id,
					      RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (c->ctl_ring == NULL || c->ack_ring == NULL)
			return -1;
		c->msgs = rte_zmalloc_socket("mr_tc_msgs", sizeof(*c->msgs) * MR_TC_CTL_MSGS,
					     0, prm->socket_id);
		c->msg_free = rte_zmalloc_socket("mr_tc_msgf",
						 sizeof(*c->msg_free) * MR_TC_CTL_MSGS,
						 0, prm->socket_id);
		if (c->msgs == NULL || c->msg_free == NULL) {
			rte_errno = ENOMEM;
			return -1;
		}
		for (i = 0; i < MR_TC_CTL_MSGS; i++) {
			c->msgs[i].ctl = k;
			c->msg_free[i] = &c->msgs[i];
		}
		c->n_msg_free = MR_TC_CTL_MSGS;
	}
	return 0;
}

struct mr_transcoder *
mr_transcoder_create(const struct mr_transcoder_params *prm)
{
	static const struct rte_mbuf_dynfield meta_desc = {
		.name = "mr_transcode_meta",
		.size = sizeof(struct mr_tc_mbuf_meta),
		.align = __alignof__(struct mr_tc_mbuf_meta),
	};
	struct mr_transcoder *tc;
	char rname[RTE_RING_NAMESIZE];
	uint32_t i;
	int off;

	if (prm == NULL || prm->name == NULL || strlen(prm->name) > 20 ||
	    prm->out_pool == NULL || prm->emit == NULL ||
	    prm->max_channels == 0 || prm->max_channels > MR_TC_MAX_CHANNELS ||
	    prm->controllers > MR_TC_MAX_CONTROLLERS || prm->controllers > prm->max_channels ||
	    prm->ring_size < 64 || !rte_is_power_of_2(prm->ring_size) ||
	    prm->burst > 64 ||
	    rte_pktmbuf_data_room_size(prm->out_pool) <
		    RTE_PKTMBUF_HEADROOM + MR_RTP_HDR_LEN + MR_TC_MAX_PAYLOAD) {
		rte_errno = EINVAL;
		return NULL;
	}
	off = rte_mbuf_dynfield_register(&meta_desc);
	if (off < 0)
		return NULL; /* rte_errno set */
	mr_tc_meta_offset = off;
	mr_resampler_filter();

	tc = rte_zmalloc_socket("mr_transcoder", sizeof(*tc), RTE_CACHE_LINE_SIZE,
				prm->socket_id);
	if (tc == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	tc->socket_id = prm->socket_id;
	tc->out_pool = prm->out_pool;
	tc->emit = prm->emit;
	tc->emit_ctx = prm->emit_ctx;
	tc->closed = prm->closed;
	tc->max_channels = prm->max_channels;
	tc->burst = prm->burst != 0 ? prm->burst : 32;
	tc->busy_window_tsc = rte_get_tsc_hz() / 1000000 * MR_HIST_BUSY_WINDOW_US;
	tc->tsc_per_ms = rte_get_tsc_hz() / 1000;
	tc->st.channels[MR_TC_STATE_FREE] = prm->max_channels;

	snprintf(rname, sizeof(rname), "tc_in_%s", prm->name);
	tc->in_ring = rte_ring_create(rname, prm->ring_size, prm->socket_id, RING_F_SC_DEQ);
	if (tc->in_ring == NULL || ctl_create(tc, prm) != 0) {
		int e = rte_errno;

		mr_transcoder_free(tc);
		rte_errno = e;
		return NULL;
	}
	tc->ch = rte_zmalloc_socket("mr_tc_table", sizeof(*tc->ch) * prm->max_channels,
				    RTE_CACHE_LINE_SIZE, prm->socket_id);
	tc->ctl_gen = rte_zmalloc_socket("mr_tc_gen", sizeof(*tc->ctl_gen) * prm->max_channels,
					 0, prm->socket_id);
	tc->ctl_live = rte_zmalloc_socket("mr_tc_live", prm->max_channels, 0, prm->socket_id);
	tc->waiting = rte_zmalloc_socket("mr_tc_wait", sizeof(*tc->waiting) * prm->max_channels,
					 0, prm->socket_id);
	if (tc->ch == NULL || tc->ctl_gen == NULL || tc->ctl_live == NULL || tc->waiting == NULL)
		goto nomem;
	for (i = 0; i < prm->max_channels; i++) {
		tc->ch[i] = channel_alloc(prm->socket_id);
		if (tc->ch[i] == NULL)
			goto nomem;
	}
	return tc;
nomem:
	mr_transcoder_free(tc);
	rte_errno = ENOMEM;
	return NULL;
}

int
mr_transcoder_enqueue(struct mr_transcoder *tc, struct rte_mbuf *m,
		      uint32_t channel_id, uint32_t ext_seq, uint64_t now)
{
	struct mr_tc_mbuf_meta *meta = mr_tc_meta(m);

	meta->channel_id = channel_id;
	meta->ext_seq = ext_seq;
	meta->enq_tsc = now;
	if (likely(rte_ring_mp_enqueue(tc->in_ring, m) == 0))
		return 0;
	rte_pktmbuf_free(m);
	mr_drop_count(mr_counters_self(), MR_DROP_TRANSCODE_RING_FULL, 1);
	/* several workers may hit this at once; a locked add, on the drop path only */
	__atomic_fetch_add(&tc->st.ring_full, 1, __ATOMIC_RELAXED);
	return -ENOBUFS;
}

/* Apply one control request (transcoder lcore). */
static void
ctl_apply(struct mr_transcoder *tc, struct mr_tc_msg *msg)
{
	uint32_t slot = msg->channel_id & (MR_TC_MAX_CHANNELS - 1);
	struct mr_tc_channel *ch = tc->ch[slot];

	switch (msg->op) {
	case MR_TC_OP_CREATE:
		ch->id = msg->channel_id;
		ch->prof = msg->prof;
		ch->acc_len = 0;
		mr_tc_set_state(tc, ch, MR_TC_STATE_READY);
		mr_tc_channel_reset(tc, ch, MR_TC_RESET_CREATE);
		mr_tc_count(&tc->st.creates, 1);
		break;
	case MR_TC_OP_UPDATE:
		if (ch->id != msg->channel_id || ch->state == MR_TC_STATE_FREE)
			break;
		/* frames held were sent with the old parameters: play them first */
		mr_tc_channel_flush(tc, ch);
		ch->prof = msg->prof;
		mr_tc_channel_reset(tc, ch, MR_TC_RESET_PROFILE);
		break;
	case MR_TC_OP_DESTROY:
		if (ch->id != msg->channel_id || ch->state == MR_TC_STATE_FREE)
			break;
		mr_tc_channel_drop_held(ch, MR_DROP_TRANSCODE_STALE);
		mr_tc_channel_track_wait(tc, ch);
		ch->id = 0;
		mr_tc_set_state(tc, ch, MR_TC_STATE_FREE);
		mr_tc_count(&tc->st.destroys, 1);
		if (tc->closed != NULL)
			tc->closed(tc->emit_ctx, msg->channel_id);
		break;
	}
	mr_tc_count(&tc->st.ctl_msgs, 1);
	/* the ack ring holds every message its controller has: this cannot fail */
	rte_ring_sp_enqueue(tc->ctl[msg->ctl].ack_ring, msg);
}

/* Whether a controller posted a request the transcoder has not applied. */
static inline bool
ctl_waiting(const struct mr_transcoder *tc)
{
	uint16_t k;

	for (k = 0; k < tc->n_ctl; k++)
		if (!rte_ring_empty(tc->ctl[k].ctl_ring))
			return true;
	return false;
}

static unsigned int
ctl_drain(struct mr_transcoder *tc)
{
	void *msgs[16];
	unsigned int n, i, total = 0;

	uint16_t k;

	for (k = 0; k < tc->n_ctl; k++) {
		do {
			n = rte_ring_sc_dequeue_burst(tc->ctl[k].ctl_ring, msgs, RTE_DIM(msgs),
						      NULL);
			for (i = 0; i < n; i++)
				ctl_apply(tc, msgs[i]);
			total += n;
		} while (n == RTE_DIM(msgs));
	}
	return total;
}

static inline struct mr_tc_channel *
channel_lookup(struct mr_transcoder *tc, uint32_t id)
{
	uint32_t slot = id & (MR_TC_MAX_CHANNELS - 1);
	struct mr_tc_channel *ch;

	if (unlikely(slot >= tc->max_channels))
		return NULL;
	ch = tc->ch[slot];
	if (unlikely(ch->id != id || id == 0))
		return NULL;
	return ch;
}

unsigned int
mr_transcoder_poll(struct mr_transcoder *tc, uint64_t now)
{
	struct mr_lcore_counters *lc = mr_counters_self();
	unsigned int lcore = rte_lcore_id();
	struct mr_hist_lcore *hl = lcore < RTE_MAX_LCORE ? &mr_hists[lcore] : &mr_hists[0];
	bool hist = mr_hist_on();
	struct rte_mbuf *pkts[64];
	unsigned int n, i, avail;
	uint64_t t, end;

	tc->now = now;
	if (unlikely(ctl_waiting(tc)))
		ctl_drain(tc);
	if (unlikely(tc->n_waiting > 0))
		mr_tc_expire_waiting(tc);
	n = rte_ring_sc_dequeue_burst(tc->in_ring, (void **)pkts, tc->burst, &avail);
	if (n == 0) {
		end = rte_rdtsc();
		mr_tc_count(&tc->st.idle_cycles, end - now);
		mr_counter_add(&lc->idle_polls, 1);
		mr_counter_add(&lc->idle_cycles, end - now);
		if (hist)
			mr_hist_busy_tick(hl, end, lc->busy_cycles, tc->busy_window_tsc);
		return 0;
	}
	if (n + avail > tc->st.ring_max)
		__atomic_store_n(&tc->st.ring_max, (uint64_t)(n + avail), __ATOMIC_RELAXED);
	if (hist)
		mr_hist_record(&hl->h[MR_HIST_RING_OCCUPANCY], n + avail);
	mr_tc_count(&tc->st.frames_in, n);
	mr_counter_add(&lc->rx_pkts, n);
	mr_counter_add(&lc->rx_bursts, 1);
	t = rte_rdtsc();
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t id = mr_tc_meta(m)->channel_id;
		struct mr_tc_channel *ch = channel_lookup(tc, id);
		uint64_t t1;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		/* a create posted just before the frame: apply it and look again */
		if (unlikely(ch == NULL) && ctl_waiting(tc)) {
			ctl_drain(tc);
			ch = channel_lookup(tc, id);
		}
		if (unlikely(ch == NULL || ch->state == MR_TC_STATE_FREE)) {
			mr_tc_count(&tc->st.stale, 1);
			mr_drop_count(lc, MR_DROP_TRANSCODE_STALE, 1);
			rte_pktmbuf_free(m);
			continue;
		}
		mr_tc_channel_input(tc, ch, m);
		t1 = rte_rdtsc();
		if (hist)
			mr_hist_record(&hl->h[MR_HIST_TRANSCODE_TIME], t1 - t);
		t = t1;
	}
	end = rte_rdtsc();
	mr_tc_count(&tc->st.busy_cycles, end - now);
	mr_counter_add(&lc->busy_polls, 1);
	mr_counter_add(&lc->busy_cycles, end - now);
	if (hist)
		mr_hist_busy_tick(hl, end, lc->busy_cycles, tc->busy_window_tsc);
	return n;
}

/* ---- controllers (each from its own thread) ---- */

static int
ctl_post(struct mr_transcoder *tc, uint16_t k, uint32_t op, uint32_t id,
	 const struct mr_tc_profile *p)
{
	struct mr_tc_ctl *c = &tc->ctl[k];
	struct mr_tc_msg *msg;

	mr_transcoder_ctl_poll_on(tc, k);
	if (c->n_msg_free == 0)
		return -ENOSPC;
	msg = c->msg_free[--c->n_msg_free];
	msg->op = op;
	msg->channel_id = id;
	if (p != NULL)
		msg->prof = *p;
	if (rte_ring_sp_enqueue(c->ctl_ring, msg) != 0) {
		c->msg_free[c->n_msg_free++] = msg;
		return -ENOSPC;
	}
	return 0;
}

/* The controller a channel's slot belongs to (n_ctl when out of range). */
static uint16_t
slot_ctl(const struct mr_transcoder *tc, uint32_t slot)
{
	uint32_t per = tc->max_channels / tc->n_ctl;
	uint32_t k = per != 0 ? slot / per : tc->n_ctl;

	/* the last controller has the remainder too */
	return (uint16_t)RTE_MIN(k, (uint32_t)tc->n_ctl - 1);
}

int
mr_transcoder_channel_create_on(struct mr_transcoder *tc, uint16_t k,
				const struct mr_tc_profile *p, uint32_t *channel_id)
{
	struct mr_tc_profile prof;
	struct mr_tc_ctl *c;
	uint32_t slot, id, i;
	uint16_t gen;
	int rc;

	if (tc == NULL || p == NULL || channel_id == NULL || k >= tc->n_ctl)
		return -EINVAL;
	prof = *p;
	if (mr_tc_profile_validate(&prof) < 0)
		return -EINVAL;
	c = &tc->ctl[k];
	mr_transcoder_ctl_poll_on(tc, k);
	for (i = 0, slot = c->first_slot; i < c->n_slots; i++, slot++)
		if (tc->ctl_live[slot] == 0)
			break;
	if (i == c->n_slots)
		return -ENOSPC;
	gen = (uint16_t)(tc->ctl_gen[slot] + 1);
	if (gen == 0)
		gen = 1; /* id 0 means "no channel" */
	id = ((uint32_t)gen << MR_TC_GEN_SHIFT) | slot;
	rc = ctl_post(tc, k, MR_TC_OP_CREATE, id, &prof);
	if (rc < 0)
		return rc;
	tc->ctl_gen[slot] = gen;
	tc->ctl_live[slot] = 1;
	*channel_id = id;
	return 0;
}

int
mr_transcoder_channel_create(struct mr_transcoder *tc, const struct mr_tc_profile *p,
			     uint32_t *channel_id)
{
	return mr_transcoder_channel_create_on(tc, 0, p, channel_id);
}

static bool
ctl_is_live(const struct mr_transcoder *tc, uint32_t id)
{
	uint32_t slot = id & (MR_TC_MAX_CHANNELS - 1);

	return slot < tc->max_channels && tc->ctl_live[slot] == 1 &&
	       tc->ctl_gen[slot] == (id >> MR_TC_GEN_SHIFT);
}

int
mr_transcoder_channel_update(struct mr_transcoder *tc, uint32_t channel_id,
			     const struct mr_tc_profile *p)
{
	struct mr_tc_profile prof;

	if (tc == NULL || p == NULL)
		return -EINVAL;
	prof = *p;
	if (mr_tc_profile_validate(&prof) < 0)
		return -EINVAL;
	if (!ctl_is_live(tc, channel_id))
		return -ENOENT;
	return ctl_post(tc, slot_ctl(tc, channel_id & (MR_TC_MAX_CHANNELS - 1)),
			MR_TC_OP_UPDATE, channel_id, &prof);
}

int
mr_transcoder_channel_destroy(struct mr_transcoder *tc, uint32_t channel_id)
{
	uint32_t slot = channel_id & (MR_TC_MAX_CHANNELS - 1);
	int rc;

	if (tc == NULL)
		return -EINVAL;
	if (!ctl_is_live(tc, channel_id))
		return -ENOENT;
	rc = ctl_post(tc, slot_ctl(tc, slot), MR_TC_OP_DESTROY, channel_id, NULL);
	if (rc == 0)
		tc->ctl_live[slot] = 2;
	return rc;
}

unsigned int
mr_transcoder_ctl_poll_on(struct mr_transcoder *tc, uint16_t k)
{
	struct mr_tc_ctl *c = &tc->ctl[k];
	void *msgs[32];
	unsigned int n, i, total = 0;

	do {
		n = rte_ring_sc_dequeue_burst(c->ack_ring, msgs, RTE_DIM(msgs), NULL);
		for (i = 0; i < n; i++) {
			struct mr_tc_msg *msg = msgs[i];

			/* the slot is reusable only once the transcoder let go of it */
			if (msg->op == MR_TC_OP_DESTROY)
				tc->ctl_live[msg->channel_id & (MR_TC_MAX_CHANNELS - 1)] = 0;
			c->msg_free[c->n_msg_free++] = msg;
		}
		total += n;
	} while (n == RTE_DIM(msgs));
	return total;
}

unsigned int
mr_transcoder_ctl_poll(struct mr_transcoder *tc)
{
	return mr_transcoder_ctl_poll_on(tc, 0);
}

unsigned int
mr_transcoder_ctl_pending(const struct mr_transcoder *tc)
{
	return MR_TC_CTL_MSGS - tc->ctl[0].n_msg_free;
}

enum mr_tc_state
mr_transcoder_channel_state(const struct mr_transcoder *tc, uint32_t channel_id)
{
	uint32_t slot = channel_id & (MR_TC_MAX_CHANNELS - 1);
	const struct mr_tc_channel *ch;

	if (tc == NULL || slot >= tc->max_channels || channel_id == 0)
		return MR_TC_STATE_FREE;
	ch = tc->ch[slot];
	if (__atomic_load_n(&ch->id, __ATOMIC_RELAXED) != channel_id)
		return MR_TC_STATE_FREE;
	return (enum mr_tc_state)__atomic_load_n(&ch->state, __ATOMIC_RELAXED);
}

void
mr_transcoder_stats(const struct mr_transcoder *tc, struct mr_tc_stats *st)
{
	const uint64_t *src = (const uint64_t *)&tc->st;
	uint64_t *dst = (uint64_t *)st;
	size_t i;

	/* every field is a uint64_t written with relaxed stores */
	for (i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

unsigned int
mr_transcoder_ring_count(const struct mr_transcoder *tc)
{
	return rte_ring_count(tc->in_ring);
}
