/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "mr_roq_addr.h"
#include "mr_stream.h"

RTE_LOG_REGISTER_DEFAULT(mr_stream_logtype, INFO);
#define STREAM_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, mr_stream_logtype, "mr_stream: " __VA_ARGS__)

/* Expiry deletes at most this many streams per call. */
#define EXPIRE_BATCH 64
/* Per-lcore cache of the stream pool. */
#define STREAM_CACHE 32
/* Deleted streams a shard's defer queue holds (then a delete waits for readers). */
#define STREAM_SLACK(max, owners) ((max) / 8 / (owners) + 64)
/* Latch requests an owner may have on their way to the main lcore. */
#define LATCH_RING 256
/* A leg call waits this long for the owner's answer. */
#define CALL_TIMEOUT_MS 1000

static void
stream_free(struct mr_streams *s, struct mr_stream *st)
{
	if (s->on_reclaim != NULL)
		s->on_reclaim(s->on_reclaim_ctx, st);
	rte_mempool_put(s->stream_pool, st);
}

static void
stream_free_cb(void *p, void *e, unsigned int n)
{
	struct mr_stream **streams = e;
	unsigned int i;

	for (i = 0; i < n; i++)
		stream_free(p, streams[i]);
}

static void
leg_free_cb(void *p __rte_unused, void *e, unsigned int n)
{
	struct mr_leg **legs = e;
	unsigned int i;

	for (i = 0; i < n; i++)
		rte_free(legs[i]);
}

/* The leg table's key compare: loads and xors, where rte_hash would call memcmp. */
static int
endpoint_cmp(const void *a, const void *b, size_t len __rte_unused)
{
	return !mr_endpoint_equal(a, b);
}

static struct rte_hash *
leg_hash_create(const char *prefix, uint32_t entries, int socket_id)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		/* rte_hash needs at least one bucket (8 entries) */
		.entries = RTE_MAX(entries, UINT32_C(8)),
		.key_len = sizeof(struct mr_endpoint),
		.hash_func = rte_hash_crc,
		.socket_id = socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct rte_hash *h;

	snprintf(name, sizeof(name), "%s_legs", prefix);
	h = rte_hash_create(&hp);
	if (h != NULL) /* one process only: rte_hash keeps a function pointer */
		rte_hash_set_cmp_func(h, endpoint_cmp);
	return h;
}

static void
shard_free(struct mr_stream_shard *sh)
{
	if (sh == NULL)
		return;
	if (sh->dq != NULL)
		rte_rcu_qsbr_dq_delete(sh->dq);
	mr_stream_table_fini(&sh->table);
	rte_ring_free(sh->latch_ring);
	rte_free(sh);
}

struct mr_stream_shard *
mr_streams_owner_add(struct mr_streams *s, unsigned int lcore_id)
{
	struct rte_rcu_qsbr_dq_parameters dqp = {
		.esize = sizeof(struct mr_stream *),
		/*
		 * A delete that finds more than one entry pending reclaims what
		 * has passed its grace period: a deleted stream's memory (and
		 * transcoder channel) comes back two deletes later, or at the
		 * owner's periodic reclaim.
		 */
		.trigger_reclaim_limit = 1,
		.max_reclaim_size = 256,
		.free_fn = stream_free_cb,
		.v = s->qsbr,
		.p = s,
	};
	char name[RTE_MEMZONE_NAMESIZE];
	struct mr_stream_shard *sh;
	int rc;

	if (lcore_id >= RTE_MAX_LCORE || s->shard_of[lcore_id] >= 0 ||
	    s->n_shards >= s->owners_max) {
		rte_errno = ENOSPC;
		return NULL;
	}
	sh = rte_zmalloc_socket("mr_shard", sizeof(*sh), RTE_CACHE_LINE_SIZE, s->socket_id);
	if (sh == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	sh->lcore_id = (uint16_t)lcore_id;
	sh->index = s->n_shards;
	rc = mr_stream_table_init(&sh->table, s->streams_max, s->socket_id);
	if (rc != 0) {
		rte_errno = -rc;
		goto fail;
	}
	snprintf(name, sizeof(name), "%s_dq%u", s->name, lcore_id);
	dqp.name = name;
	dqp.size = STREAM_SLACK(s->streams_max, s->owners_max);
	sh->dq = rte_rcu_qsbr_dq_create(&dqp);
	snprintf(name, sizeof(name), "%s_latch%u", s->name, lcore_id);
	sh->latch_ring = rte_ring_create_elem(name, sizeof(struct mr_latch_req), LATCH_RING,
					      s->socket_id, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (sh->dq == NULL || sh->latch_ring == NULL)
		goto fail;
	s->shards[s->n_shards++] = sh;
	s->shard_of[lcore_id] = (int16_t)sh->index;
	return sh;
fail:
	if (rte_errno == 0)
		rte_errno = ENOMEM;
	STREAM_LOG(ERR, "cannot create the stream shard of lcore %u: %s\n", lcore_id,
		   rte_strerror(rte_errno));
	shard_free(sh);
	return NULL;
}

struct mr_streams *
mr_streams_create(const struct mr_streams_params *p)
{
	struct rte_hash_rcu_config rcu = {
		.mode = RTE_HASH_QSBR_MODE_DQ,
		.trigger_reclaim_limit = 1,
		.max_reclaim_size = 256,
	};
	struct rte_rcu_qsbr_dq_parameters dqp = {
		.esize = sizeof(struct mr_leg *),
		.trigger_reclaim_limit = 32,
		.max_reclaim_size = 256,
		.free_fn = leg_free_cb,
	};
	char name[RTE_MEMPOOL_NAMESIZE];
	struct mr_streams *s;
	uint32_t stream_slack, i;
	size_t qsz;

	if (p == NULL || p->name == NULL || p->legs_max == 0 ||
	    p->streams_max == 0 || p->max_threads == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	s = rte_zmalloc_socket("mr_streams", sizeof(*s), RTE_CACHE_LINE_SIZE, p->socket_id);
	if (s == NULL)
		goto nomem;
	s->legs_max = p->legs_max;
	s->streams_max = p->streams_max;
	s->owners_max = p->owners_max != 0 ? RTE_MIN(p->owners_max, MR_STREAM_MAX_OWNERS) : 1;
	snprintf(s->name, sizeof(s->name), "%.15s", p->name);
	s->leg_streams_max = p->leg_streams_max != 0 ? p->leg_streams_max :
			     MR_STREAM_LEG_STREAMS_DEFAULT;
	s->leg_new_streams_per_s = p->leg_new_streams_per_s;
	for (i = 0; i < RTE_MAX_LCORE; i++)
		s->shard_of[i] = -1;

	qsz = rte_rcu_qsbr_get_memsize(p->max_threads);
	s->qsbr = rte_zmalloc_socket("mr_qsbr", qsz, RTE_CACHE_LINE_SIZE, p->socket_id);
	if (s->qsbr == NULL || rte_rcu_qsbr_init(s->qsbr, p->max_threads) != 0)
		goto nomem;

	s->slots = rte_zmalloc_socket("mr_leg_slots", sizeof(*s->slots) * p->legs_max,
				      RTE_CACHE_LINE_SIZE, p->socket_id);
	s->defs = rte_zmalloc_socket("mr_leg_defs", sizeof(*s->defs) * p->legs_max,
				     RTE_CACHE_LINE_SIZE, p->socket_id);
	s->leg_hint = rte_zmalloc_socket("mr_leg_hint", sizeof(*s->leg_hint) * (UINT16_MAX + 1),
					 RTE_CACHE_LINE_SIZE, p->socket_id);
	s->rt = rte_zmalloc_socket("mr_leg_rt", sizeof(*s->rt) * p->legs_max,
				   RTE_CACHE_LINE_SIZE, p->socket_id);
	if (s->slots == NULL || s->defs == NULL || s->leg_hint == NULL || s->rt == NULL)
		goto nomem;
	for (i = 0; i < p->legs_max; i++)
		s->rt[i].owner = MR_STREAM_OWNER_NONE;
	s->socket_id = p->socket_id;

	s->legs = leg_hash_create(p->name, p->legs_max, p->socket_id);
	if (s->legs == NULL)
		goto fail;
	rcu.v = s->qsbr; /* leg data is a slot index: nothing to free */
	if (rte_hash_rcu_qsbr_add(s->legs, &rcu) != 0)
		goto fail;

	/*
	 * Shared by the owners (multi-producer/consumer, a cache each).
	 * Deleted streams wait a grace period in their shard's defer queue,
	 * at most stream_slack each, and each owner's cache holds up to 1.5
	 * times its size: the pool holds that many over streams_max.
	 */
	stream_slack = STREAM_SLACK(p->streams_max, s->owners_max);
	snprintf(name, sizeof(name), "%s_strm", p->name);
	s->stream_pool = rte_mempool_create(name, p->streams_max +
					    s->owners_max * (stream_slack + STREAM_CACHE * 3 / 2),
					    sizeof(struct mr_stream), STREAM_CACHE, 0, NULL, NULL,
					    NULL, NULL, p->socket_id, 0);
	if (s->stream_pool == NULL)
		goto fail;

	snprintf(name, sizeof(name), "%s_legdq", p->name);
	dqp.name = name;
	dqp.size = p->legs_max * 2;
	dqp.esize = sizeof(struct mr_leg *);
	dqp.trigger_reclaim_limit = 32;
	dqp.free_fn = leg_free_cb;
	dqp.v = s->qsbr;
	dqp.p = s;
	s->leg_dq = rte_rcu_qsbr_dq_create(&dqp);
	if (s->leg_dq == NULL)
		goto fail;
	return s;

nomem:
	rte_errno = ENOMEM;
fail:
	STREAM_LOG(ERR, "cannot create tables (%u legs, %u streams): %s\n",
		   p->legs_max, p->streams_max, rte_strerror(rte_errno));
	mr_streams_free(s);
	return NULL;
}

void
mr_streams_free(struct mr_streams *s)
{
	uint32_t i;

	if (s == NULL)
		return;
	/* No readers remain: these free what they hold now. */
	if (s->leg_dq != NULL)
		rte_rcu_qsbr_dq_delete(s->leg_dq);
	for (i = 0; i < s->n_shards; i++)
		shard_free(s->shards[i]);
	/* live stream objects go with their pool */
	rte_hash_free(s->legs);
	rte_mempool_free(s->stream_pool);
	if (s->slots != NULL)
		for (i = 0; i < s->legs_max; i++)
			rte_free(s->slots[i]);
	rte_free(s->slots);
	rte_free(s->leg_hint);
	rte_free(s->rt);
	rte_free(s->defs);
	rte_free(s->qsbr);
	rte_free(s);
}

static bool
def_has_remote(const struct mr_leg_def *d)
{
	return d->in_use && (!d->latch || d->latched);
}

const char *
mr_leg_drop_name(enum mr_leg_drop d)
{
	static const char *const names[] = {
#define MR_LEG_DROP_NAME_(sym, name) name,
		MR_LEG_DROPS(MR_LEG_DROP_NAME_)
#undef MR_LEG_DROP_NAME_
	};

	return (unsigned int)d < RTE_DIM(names) ? names[d] : "invalid";
}

/* ---- a leg's ownership token and calls to its owner ---- */

int
mr_streams_leg_claim(struct mr_streams *s, struct mr_stream_shard *sh, uint32_t leg)
{
	uint16_t *owner = &s->rt[leg].owner;
	uint16_t cur = __atomic_load_n(owner, __ATOMIC_ACQUIRE);

	if (cur == sh->lcore_id)
		return 0;
	if (cur != MR_STREAM_OWNER_NONE)
		return -EBUSY;
	/* acquire: what the previous holder wrote in the leg's state is visible */
	if (!__atomic_compare_exchange_n(owner, &cur, sh->lcore_id, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return -EBUSY;
	return 1;
}

void
mr_streams_leg_unclaim(struct mr_streams *s, struct mr_stream_shard *sh, uint32_t leg)
{
	struct mr_leg_rt *rt = &s->rt[leg];

	if (rt->n_streams == 0 && __atomic_load_n(&rt->owner, __ATOMIC_RELAXED) == sh->lcore_id)
		__atomic_store_n(&rt->owner, MR_STREAM_OWNER_NONE, __ATOMIC_RELEASE);
}

/* Answer the mailbox: run the call if this shard still holds the leg. */
unsigned int
mr_streams_owner_poll(struct mr_streams *s, struct mr_stream_shard *sh)
{
	struct mr_leg_call_box *box = &sh->box;
	uint64_t seq = __atomic_load_n(&box->seq_req, __ATOMIC_ACQUIRE);

	if (likely(seq == box->seq_done))
		return 0;
	if (__atomic_load_n(&s->rt[box->leg].owner, __ATOMIC_ACQUIRE) == sh->lcore_id)
		box->result = box->fn(s, sh, box->leg, box->arg);
	else
		box->result = -EAGAIN; /* gave the leg up meanwhile: the caller looks again */
	__atomic_store_n(&box->seq_done, seq, __ATOMIC_RELEASE);
	return 1;
}

/* Wait until the owner answered the box's call up to @p seq; false on timeout. */
static bool
box_wait(const struct mr_leg_call_box *box, uint64_t seq)
{
	uint64_t deadline = rte_rdtsc() + rte_get_tsc_hz() / 1000 * CALL_TIMEOUT_MS;

	while (__atomic_load_n(&box->seq_done, __ATOMIC_ACQUIRE) != seq) {
		if (rte_rdtsc() > deadline)
			return false;
		rte_pause();
	}
	return true;
}

int
mr_streams_leg_call(struct mr_streams *s, uint32_t leg, mr_leg_call_fn fn, void *arg,
		    size_t len)
{
	struct mr_leg_rt *rt;
	unsigned int tries;

	if (leg >= s->legs_max || fn == NULL || len > MR_STREAM_CALL_ARG)
		return -EINVAL;
	rt = &s->rt[leg];
	/* the owner can give the leg up between a look and its answer: look again */
	for (tries = 0; tries < 1000; tries++) {
		uint16_t cur = __atomic_load_n(&rt->owner, __ATOMIC_ACQUIRE);
		struct mr_stream_shard *sh;
		struct mr_leg_call_box *box;
		int rc;

		if (cur == MR_STREAM_OWNER_NONE) {
			if (!__atomic_compare_exchange_n(&rt->owner, &cur, MR_STREAM_OWNER_MAIN,
							 false, __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE))
				continue;
			rc = fn(s, NULL, leg, arg);
			__atomic_store_n(&rt->owner, MR_STREAM_OWNER_NONE, __ATOMIC_RELEASE);
			return rc;
		}
		sh = cur < RTE_MAX_LCORE ? mr_streams_shard(s, cur) : NULL;
		if (sh == NULL)
			return -EINVAL;
		if (cur == rte_lcore_id()) /* the caller owns it (a test's single lcore) */
			return fn(s, sh, leg, arg);
		box = &sh->box;
		/* a call that timed out earlier must be answered before the box is reused */
		if (!box_wait(box, box->seq_req)) {
			s->call_timeouts++;
			return -ETIMEDOUT;
		}
		box->fn = fn;
		box->leg = leg;
		memcpy(box->arg, arg, len);
		__atomic_store_n(&box->seq_req, box->seq_req + 1, __ATOMIC_RELEASE);
		if (!box_wait(box, box->seq_req)) {
			s->call_timeouts++;
			STREAM_LOG(ERR, "lcore %u did not answer a call on leg %u\n", cur, leg);
			return -ETIMEDOUT;
		}
		if (box->result == -EAGAIN)
			continue;
		memcpy(arg, box->arg, len);
		return box->result;
	}
	return -ETIMEDOUT;
}

/* ---- legs ---- */

static void
retire_snapshot(struct mr_streams *s, struct mr_leg *old)
{
	if (old == NULL)
		return;
	if (rte_rcu_qsbr_dq_enqueue(s->leg_dq, &old) == 0)
		return;
	/* Defer queue full even after its own reclaim: wait for readers. */
	rte_rcu_qsbr_synchronize(s->qsbr, RTE_QSBR_THRID_INVALID);
	rte_free(old);
}

static int streams_purge(struct mr_streams *s, struct mr_stream_shard *sh, uint32_t leg,
			 void *arg);

/* Leg call: point every stream of the leg at the leg's current snapshot. */
static int
streams_repoint(struct mr_streams *s, struct mr_stream_shard *sh __rte_unused, uint32_t leg,
		void *arg __rte_unused)
{
	const struct mr_leg *snap = __atomic_load_n(&s->slots[leg], __ATOMIC_ACQUIRE);
	struct mr_stream *st;

	for (st = s->rt[leg].streams; st != NULL; st = st->leg_next)
		__atomic_store_n(&st->leg, snap, __ATOMIC_RELEASE);
	return 0;
}

/*
 * The prefetch hint of the leg's local port: the new snapshot; none when
 * the leg goes and the hint still was its (another leg on that port gets
 * the hint back when it is next published: a stale hint costs a miss).
 */
static void
leg_hint_set(struct mr_streams *s, const struct mr_leg_def *d,
	     const struct mr_leg *old, const struct mr_leg *leg)
{
	const struct mr_leg **h = &s->leg_hint[rte_be_to_cpu_16(d->local.port)];

	if (leg != NULL || __atomic_load_n(h, __ATOMIC_RELAXED) == old)
		__atomic_store_n(h, leg, __ATOMIC_RELAXED);
}

/*
 * Swap @p leg into slot idx; the leg's owner points its streams at it
 * before the old snapshot is retired: a reader that finds a stream after
 * the retirement began is not covered by its grace period, so no stream
 * may still lead to the old one. An owner that does not answer keeps the
 * old snapshot alive (leaked, logged) rather than free it under a reader.
 */
static void
leg_swap(struct mr_streams *s, uint32_t idx, struct mr_leg *leg, uint32_t *purged)
{
	const struct mr_leg_def *d = &s->defs[idx];
	struct mr_leg *old;
	uint32_t n = 0;
	int rc;

	old = __atomic_exchange_n(&s->slots[idx], leg, __ATOMIC_ACQ_REL);
	leg_hint_set(s, d, old, leg);
	/* or, when asked, the owner deletes them instead: none meets the new snapshot */
	if (purged != NULL)
		rc = mr_streams_leg_call(s, idx, streams_purge, &n, sizeof(n));
	else
		rc = mr_streams_leg_call(s, idx, streams_repoint, NULL, 0);
	if (rc != 0) {
		STREAM_LOG(ERR, "leg %u: streams not repointed; old snapshot kept\n", idx);
		return;
	}
	if (purged != NULL)
		*purged += n;
	retire_snapshot(s, old);
}

/*
 * Build and swap in the snapshot of leg idx from its definition; with
 * @p purged, its streams are deleted (and counted there) instead of
 * repointed.
 */
static int
leg_publish(struct mr_streams *s, uint32_t idx, uint32_t *purged)
{
	const struct mr_leg_def *d = &s->defs[idx];
	int orig = -1, last_rewrite = -1;
	uint64_t hz = rte_get_tsc_hz();
	struct mr_leg *leg;
	uint32_t rate;
	uint16_t i;

	if (!d->in_use) {
		leg_swap(s, idx, NULL, purged);
		return 0;
	}
	leg = rte_zmalloc("mr_leg", sizeof(*leg), RTE_CACHE_LINE_SIZE);
	if (leg == NULL)
		return -ENOMEM;
	leg->local = d->local;
	leg->remote = d->remote;
	leg->idx = idx;
	leg->clock_rate = d->clock_rate;
	leg->port_id = d->port_id;
	leg->has_remote = def_has_remote(d);
	leg->gen = d->gen;
	leg->tc_profile = d->tc_profile;
	leg->srtp = d->srtp_in_gen != 0 ? MR_LEG_SRTP_IN : 0;
	leg->streams_max = d->streams_max != 0 ? d->streams_max : s->leg_streams_max;
	rate = d->has_new_streams_per_s ? d->new_streams_per_s : s->leg_new_streams_per_s;
	if (rate != 0) {
		leg->new_stream_tsc = RTE_MAX(hz / rate, UINT64_C(1));
		leg->new_stream_tau = leg->new_stream_tsc * (leg->streams_max - 1);
	}
	for (i = 0; i < d->n_fwd; i++) {
		const struct mr_leg_def *t = &s->defs[d->fwd[i]];
		const struct mr_stream_port *port = &s->ports[t->port_id];
		struct mr_dest *dest = &leg->dests[leg->n_dests];
		bool roq = mr_roq_addr_kind(t->local.ip) == MR_ROQ_KIND_FLOW;

		if (!def_has_remote(t) || !port->present) {
			leg->n_unsendable++;
			continue;
		}
		if (roq) {
			/*
			 * A RoQ leg: the template only names the flow and the
			 * connection (mr_roq_addr.h); the QUIC packet gets its
			 * headers, and the next hop, where it is written.
			 */
			static const struct rte_ether_addr none;

			if (mr_pkt_tmpl_init(&dest->tmpl, &none, &none, 0, &t->local,
					     &t->remote) != 0) {
				leg->n_unsendable++;
				continue;
			}
		} else if (rte_is_zero_ether_addr(&port->nexthop)) {
			/* a next hop being resolved (lib/neigh) has no MAC yet */
			leg->n_unresolved++;
			continue;
		} else if (mr_pkt_tmpl_init(&dest->tmpl, &port->mac, &port->nexthop, port->vlan,
					    &t->local, &t->remote) != 0) {
			leg->n_unsendable++;
			continue;
		}
		dest->port_id = roq ? MR_DEST_PORT_ROQ : t->port_id;
		/* a RoQ frame is not sent: nothing to sum */
		dest->cksum_offload = roq || port->cksum_offload;
		dest->rewrite = t->rewrite;
		dest->ssrc_out = t->ssrc_out;
		dest->seq_offset = t->seq_offset;
		dest->ts_offset = t->ts_offset;
		dest->leg_idx = d->fwd[i];
		dest->srtp_gen = t->srtp_out_gen;
		if (t->srtp_out_gen != 0)
			leg->srtp |= MR_LEG_SRTP_OUT;
		/* protected in place: like a rewrite, it wants its own bytes */
		if (t->rewrite || t->srtp_out_gen != 0)
			last_rewrite = leg->n_dests;
		else
			orig = leg->n_dests;
		leg->n_dests++;
	}
	/*
	 * The original mbuf goes to a destination that leaves the payload
	 * alone when there is one (the others share it by clone); else to
	 * a rewriting one (the others get private copies).
	 */
	if (orig < 0)
		orig = last_rewrite;
	if (orig > 0) {
		struct mr_dest tmp = leg->dests[0];

		leg->dests[0] = leg->dests[orig];
		leg->dests[orig] = tmp;
	}
	leg_swap(s, idx, leg, purged);
	return 0;
}

/* Republish idx (its streams deleted with @p purged) and every leg whose destinations include it. */
static int
leg_publish_with_refs(struct mr_streams *s, uint32_t idx, uint32_t *purged)
{
	const struct mr_leg_def *d = &s->defs[idx];
	uint16_t i;
	int rc;

	rc = leg_publish(s, idx, purged);
	for (i = 0; rc == 0 && i < d->n_refs; i++)
		rc = leg_publish(s, d->refs[i], NULL);
	return rc;
}

static void
refs_remove(struct mr_leg_def *t, uint32_t idx)
{
	uint16_t i;

	for (i = 0; i < t->n_refs; i++) {
		if (t->refs[i] == idx) {
			t->refs[i] = t->refs[--t->n_refs];
			return;
		}
	}
}

int32_t
mr_streams_leg_find(const struct mr_streams *s, const struct mr_endpoint *local)
{
	void *data;

	if (rte_hash_lookup_data(s->legs, local, &data) < 0)
		return -ENOENT;
	return (int32_t)((uintptr_t)data - 1);
}

/* Leg call on a leg about to be defined in a free slot: its state starts over. */
static int
rt_reset(struct mr_streams *s, struct mr_stream_shard *sh, uint32_t leg, void *arg __rte_unused)
{
	struct mr_leg_rt *rt = &s->rt[leg];

	/* a slot is free only once its previous leg's streams are gone */
	if (sh != NULL || rt->n_streams != 0)
		return -EBUSY;
	rt->streams = NULL;
	rt->tat = 0;
	rt->latch_gen = 0;
	__atomic_store_n(&rt->streams_created, 0, __ATOMIC_RELAXED);
	memset(rt->drops, 0, sizeof(rt->drops));
	return 0;
}

static int leg_set(struct mr_streams *s, uint32_t idx, const struct mr_leg_def *def,
		   uint32_t *purged);

int
mr_streams_leg_set(struct mr_streams *s, uint32_t idx, const struct mr_leg_def *def)
{
	return leg_set(s, idx, def, NULL);
}

int
mr_streams_leg_set_fresh(struct mr_streams *s, uint32_t idx, const struct mr_leg_def *def,
			 uint32_t *deleted)
{
	*deleted = 0;
	return leg_set(s, idx, def, deleted);
}

static int
leg_set(struct mr_streams *s, uint32_t idx, const struct mr_leg_def *def, uint32_t *purged)
{
	struct mr_leg_def *cur;
	int32_t other;
	uint16_t i, j;
	int rc;

	if (idx >= s->legs_max || def == NULL || def->n_fwd > MR_STREAM_MAX_DESTS)
		return -EINVAL;
	cur = &s->defs[idx];
	if (def->in_use) {
		other = mr_streams_leg_find(s, &def->local);
		if (other >= 0 && (uint32_t)other != idx)
			return -EEXIST;
		if (!cur->in_use && s->n_legs >= s->legs_max)
			return -ENOSPC;
		/* Check every forward target before changing anything. */
		for (i = 0; i < def->n_fwd; i++) {
			const struct mr_leg_def *t;
			bool known = false;

			if (def->fwd[i] >= s->legs_max || def->fwd[i] == idx)
				return -EINVAL;
			t = &s->defs[def->fwd[i]];
			if (!t->in_use)
				return -EINVAL;
			for (j = 0; j < t->n_refs; j++)
				known |= t->refs[j] == idx;
			if (!known && t->n_refs >= MR_STREAM_MAX_REFS)
				return -EINVAL;
			for (j = 0; j < i; j++)
				if (def->fwd[j] == def->fwd[i])
					return -EINVAL;
		}
		if (!cur->in_use && mr_streams_leg_call(s, idx, rt_reset, NULL, 0) != 0)
			return -EBUSY;
	}

	/* Unlink the old definition. */
	if (cur->in_use) {
		for (i = 0; i < cur->n_fwd; i++)
			refs_remove(&s->defs[cur->fwd[i]], idx);
		if (!def->in_use || !mr_endpoint_equal(&cur->local, &def->local)) {
			rte_hash_del_key(s->legs, &cur->local);
			leg_hint_set(s, cur, s->slots[idx], NULL);
		}
		s->n_legs--;
	}

	if (def->in_use) {
		uint16_t n_refs = cur->n_refs;
		uint32_t refs[MR_STREAM_MAX_REFS];
		uint32_t gen = cur->gen;

		/* Who forwards to this leg does not change with its own definition. */
		memcpy(refs, cur->refs, sizeof(refs));
		*cur = *def;
		cur->n_refs = n_refs;
		memcpy(cur->refs, refs, sizeof(refs));
		cur->gen = gen + 1;
		for (i = 0; i < cur->n_fwd; i++) {
			struct mr_leg_def *t = &s->defs[cur->fwd[i]];

			for (j = 0; j < t->n_refs && t->refs[j] != idx; j++)
				;
			if (j == t->n_refs)
				t->refs[t->n_refs++] = idx;
		}
		rc = rte_hash_add_key_data(s->legs, &cur->local, (void *)(uintptr_t)(idx + 1));
		if (rc < 0) {
			cur->in_use = false;
			for (i = 0; i < cur->n_fwd; i++)
				refs_remove(&s->defs[cur->fwd[i]], idx);
			leg_publish_with_refs(s, idx, purged);
			return rc == -ENOSPC ? -ENOSPC : rc;
		}
		s->n_legs++;
	} else {
		cur->in_use = false;
		cur->n_fwd = 0;
		cur->gen++;
	}
	return leg_publish_with_refs(s, idx, purged);
}

int
mr_streams_latch(struct mr_streams *s, uint32_t idx, const struct mr_endpoint *remote)
{
	struct mr_leg_def *d;

	if (idx >= s->legs_max || !s->defs[idx].in_use)
		return -ENOENT;
	d = &s->defs[idx];
	if (!d->latch || d->latched)
		return mr_endpoint_equal(&d->remote, remote) ? 0 : -EPERM;
	d->remote = *remote;
	d->latched = true;
	return leg_publish_with_refs(s, idx, NULL);
}

int
mr_streams_unlatch(struct mr_streams *s, uint32_t idx, const struct mr_endpoint *remote)
{
	struct mr_leg_def *d;
	uint32_t purged = 0;

	if (idx >= s->legs_max || !s->defs[idx].in_use)
		return -ENOENT;
	d = &s->defs[idx];
	if (!d->latch || !d->latched || !mr_endpoint_equal(&d->remote, remote))
		return -EPERM;
	d->latched = false;
	memset(&d->remote, 0, sizeof(d->remote));
	/* a new generation: no stale latch request nor accepted source applies */
	d->gen++;
	return leg_publish_with_refs(s, idx, &purged);
}

int
mr_streams_unlatch_request(struct mr_stream_shard *sh, uint32_t leg,
			   const struct mr_endpoint *src)
{
	struct mr_latch_req req = {.leg = leg, .src = *src, .unlatch = 1};

	return rte_ring_sp_enqueue_elem(sh->latch_ring, &req, sizeof(req)) == 0 ? 0 : -ENOBUFS;
}

/* Unlatch every leg latched to @p src (an unlatch request naming no leg). */
static void
unlatch_all(struct mr_streams *s, const struct mr_endpoint *src)
{
	uint32_t i;

	for (i = 0; i < s->legs_max; i++)
		if (s->defs[i].in_use && s->defs[i].latched)
			mr_streams_unlatch(s, i, src);
}

int
mr_streams_latch_request(struct mr_streams *s, struct mr_stream_shard *sh, uint32_t leg,
			 uint32_t gen, const struct mr_endpoint *src)
{
	struct mr_leg_rt *rt = &s->rt[leg];
	struct mr_latch_req req = {.leg = leg, .gen = gen, .src = *src};

	if (rte_ring_sp_enqueue_elem(sh->latch_ring, &req, sizeof(req)) != 0)
		return -ENOBUFS;
	rt->latch_gen = gen + 1;
	rt->latch_src = *src;
	return 0;
}

unsigned int
mr_streams_main_poll(struct mr_streams *s)
{
	struct mr_latch_req req;
	unsigned int n = 0;
	uint16_t i;

	for (i = 0; i < s->n_shards; i++) {
		while (rte_ring_sc_dequeue_elem(s->shards[i]->latch_ring, &req, sizeof(req)) == 0) {
			n++;
			if (req.unlatch && req.leg == MR_LATCH_ANY_LEG)
				unlatch_all(s, &req.src);
			else if (req.unlatch)
				mr_streams_unlatch(s, req.leg, &req.src);
			/* for the definition it was seen with; a redefined leg latches anew */
			else if (req.leg < s->legs_max && s->defs[req.leg].in_use &&
				 s->defs[req.leg].gen == req.gen)
				mr_streams_latch(s, req.leg, &req.src);
		}
	}
	return n;
}

/* ---- streams ---- */

/*
 * A leg's live streams are a list through the streams themselves (the
 * leg's token holder only), so deleting a leg's streams visits those, not
 * the table. The last one going gives the token back.
 */
static void
leg_streams_link(struct mr_leg_rt *rt, struct mr_stream *st)
{
	st->leg_prev = NULL;
	st->leg_next = rt->streams;
	if (rt->streams != NULL)
		rt->streams->leg_prev = st;
	rt->streams = st;
	rt->n_streams++;
}

static void
leg_streams_unlink(struct mr_leg_rt *rt, struct mr_stream *st)
{
	if (st->leg_prev != NULL)
		st->leg_prev->leg_next = st->leg_next;
	else
		rt->streams = st->leg_next;
	if (st->leg_next != NULL)
		st->leg_next->leg_prev = st->leg_prev;
	st->leg_prev = NULL;
	st->leg_next = NULL;
	if (--rt->n_streams == 0)
		__atomic_store_n(&rt->owner, MR_STREAM_OWNER_NONE, __ATOMIC_RELEASE);
}

int
mr_streams_add(struct mr_streams *s, const struct mr_stream_key *key,
	       const struct mr_stream_init *init, struct mr_stream **out)
{
	struct mr_stream_shard *sh;
	struct mr_stream *st;
	uint32_t hash;
	void *data;
	int claimed, rc;

	if (key == NULL || init == NULL || out == NULL || init->leg_idx >= s->legs_max)
		return -EINVAL;
	sh = mr_streams_shard(s, init->owner_lcore);
	if (sh == NULL)
		return -EINVAL;
	hash = mr_stream_key_hash(key);
	st = mr_stream_table_lookup(&sh->table, key, hash);
	if (st != NULL) {
		*out = st;
		return -EEXIST;
	}
	claimed = mr_streams_leg_claim(s, sh, init->leg_idx);
	if (claimed < 0)
		return claimed;
	/* live streams only: deleted ones may still wait for a grace period */
	rc = -EDQUOT;
	if (mr_streams_count(s) >= s->streams_max ||
	    rte_mempool_get(s->stream_pool, &data) != 0)
		goto unclaim;
	st = data;
	memset(st, 0, sizeof(*st));
	st->key = *key;
	st->ssrc = key->ssrc;
	st->leg_idx = init->leg_idx;
	st->leg = __atomic_load_n(&s->slots[init->leg_idx], __ATOMIC_ACQUIRE);
	st->owner_lcore = init->owner_lcore;
	st->tc_index = init->tc_index;
	st->tc_channel = init->tc_channel;
	st->srtp = init->srtp;
	st->last_tsc = rte_rdtsc();
	/* the table publishes with release semantics: readers see st whole */
	rc = mr_stream_table_add(&sh->table, st, hash);
	if (rc < 0) {
		rte_mempool_put(s->stream_pool, st);
		rc = rc == -ENOSPC ? -ENOSPC : -EINVAL;
		goto unclaim;
	}
	leg_streams_link(&s->rt[init->leg_idx], st);
	__atomic_store_n(&s->rt[init->leg_idx].streams_created,
			 s->rt[init->leg_idx].streams_created + 1, __ATOMIC_RELAXED);
	*out = st;
	return 0;
unclaim:
	if (claimed)
		mr_streams_leg_unclaim(s, sh, init->leg_idx);
	return rc;
}

struct mr_stream *
mr_streams_find(const struct mr_streams *s, const struct mr_stream_key *key)
{
	uint32_t hash = mr_stream_key_hash(key);
	struct mr_stream *st;
	uint16_t i;

	for (i = 0; i < s->n_shards; i++) {
		st = mr_stream_table_lookup(&s->shards[i]->table, key, hash);
		if (st != NULL)
			return st;
	}
	return NULL;
}

/* Take a stream of shard sh out of its table and leg list; memory after a grace period. */
static void
shard_del(struct mr_streams *s, struct mr_stream_shard *sh, struct mr_stream *st)
{
	if (s->on_unlink != NULL)
		s->on_unlink(s->on_unlink_ctx, st);
	leg_streams_unlink(&s->rt[st->leg_idx], st);
	mr_stream_table_del(&sh->table, st, mr_stream_key_hash(&st->key));
	if (rte_rcu_qsbr_dq_enqueue(sh->dq, &st) != 0) {
		/* the queue is full even after its own reclaim: wait for the readers */
		rte_rcu_qsbr_synchronize(s->qsbr, sh->lcore_id);
		stream_free(s, st);
	}
}

int
mr_streams_del(struct mr_streams *s, const struct mr_stream_key *key)
{
	struct mr_stream_shard *sh = mr_streams_shard(s, rte_lcore_id());
	struct mr_stream *st;

	if (sh == NULL)
		return -ENOENT;
	st = mr_stream_table_lookup(&sh->table, key, mr_stream_key_hash(key));
	if (st == NULL)
		return -ENOENT;
	shard_del(s, sh, st);
	return 0;
}

unsigned int
mr_streams_expire(struct mr_streams *s, struct mr_stream_shard *sh, uint64_t now,
		  uint64_t idle, unsigned int budget)
{
	struct mr_stream *victims[EXPIRE_BATCH];
	uint32_t slots = budget;
	unsigned int n = 0, i;

	while (n < EXPIRE_BATCH) {
		struct mr_stream *st = mr_stream_table_next(&sh->table, &sh->expire_next, &slots);

		if (st == NULL)
			break; /* budget spent, or the end: the next call goes on or starts over */
		if (now > st->last_tsc && now - st->last_tsc > idle)
			victims[n++] = st;
	}
	for (i = 0; i < n; i++)
		shard_del(s, sh, victims[i]);
	__atomic_store_n(&sh->expired, sh->expired + n, __ATOMIC_RELAXED);
	rte_rcu_qsbr_dq_reclaim(sh->dq, UINT32_MAX, NULL, NULL, NULL);
	return n;
}

int
mr_streams_leg_evict_idle(struct mr_streams *s, struct mr_stream_shard *sh, uint32_t leg,
			  uint64_t now, uint64_t idle)
{
	struct mr_stream *st, *oldest = NULL;

	/* at most streams_max of them: a short walk, on a new SSRC only */
	for (st = s->rt[leg].streams; st != NULL; st = st->leg_next)
		if (oldest == NULL || st->last_tsc < oldest->last_tsc)
			oldest = st;
	if (oldest == NULL || now < oldest->last_tsc || now - oldest->last_tsc < idle)
		return -EDQUOT;
	shard_del(s, sh, oldest);
	return 0;
}

/* Leg call: delete the leg's streams; the count deleted goes back in arg. */
static int
streams_purge(struct mr_streams *s, struct mr_stream_shard *sh, uint32_t leg, void *arg)
{
	struct mr_leg_rt *rt = &s->rt[leg];
	uint32_t n = 0;

	while (sh != NULL && rt->streams != NULL) {
		shard_del(s, sh, rt->streams); /* the last one gives the token back */
		n++;
	}
	if (sh != NULL)
		__atomic_store_n(&sh->purged, sh->purged + n, __ATOMIC_RELAXED);
	memcpy(arg, &n, sizeof(n));
	return 0;
}

unsigned int
mr_streams_del_by_legs(struct mr_streams *s, const uint32_t *legs, unsigned int n_legs)
{
	unsigned int i, total = 0;

	/* each leg's own list, by its owner: the streams of other legs are not visited */
	for (i = 0; i < n_legs; i++) {
		uint32_t n = 0;

		if (legs[i] < s->legs_max &&
		    mr_streams_leg_call(s, legs[i], streams_purge, &n, sizeof(n)) == 0)
			total += n;
	}
	return total;
}

uint32_t
mr_streams_count(const struct mr_streams *s)
{
	uint32_t n = 0;
	uint16_t i;

	for (i = 0; i < s->n_shards; i++)
		n += __atomic_load_n(&s->shards[i]->table.n_entries, __ATOMIC_RELAXED);
	return n;
}

void
mr_streams_table_stats(const struct mr_streams *s, struct mr_streams_table_stats *st)
{
	uint16_t i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < s->n_shards; i++) {
		const struct mr_stream_table *t = &s->shards[i]->table;

		st->buckets += t->n_buckets;
		st->moves += __atomic_load_n(&t->moves, __ATOMIC_RELAXED);
		st->full += __atomic_load_n(&t->full, __ATOMIC_RELAXED);
	}
}

void
mr_streams_reclaim(struct mr_streams *s)
{
	struct mr_stream_shard *sh = mr_streams_shard(s, rte_lcore_id());

	rte_rcu_qsbr_dq_reclaim(s->leg_dq, UINT32_MAX, NULL, NULL, NULL);
	if (sh != NULL)
		rte_rcu_qsbr_dq_reclaim(sh->dq, UINT32_MAX, NULL, NULL, NULL);
}

struct mr_stream *
mr_streams_next(const struct mr_streams *s, uint32_t *pos)
{
	const uint32_t mask = (UINT32_C(1) << MR_STREAMS_POS_BITS) - 1;
	uint32_t shard = *pos >> MR_STREAMS_POS_BITS, tpos = *pos & mask;
	struct mr_stream *st;

	for (; shard < s->n_shards; shard++, tpos = 0) {
		st = mr_stream_table_next(&s->shards[shard]->table, &tpos, NULL);
		if (st != NULL) {
			*pos = shard << MR_STREAMS_POS_BITS | tpos;
			return st;
		}
	}
	*pos = 0;
	return NULL;
}
