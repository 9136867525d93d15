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

#include "mr_stream.h"

RTE_LOG_REGISTER_DEFAULT(mr_stream_logtype, INFO);
#define STREAM_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, mr_stream_logtype, "mr_stream: " __VA_ARGS__)

/* Expiry deletes at most this many streams per call. */
#define EXPIRE_BATCH 64

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
	uint32_t stream_slack;
	size_t qsz;
	int rc;

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
	if (s->slots == NULL || s->defs == NULL || s->leg_hint == NULL)
		goto nomem;

	rc = mr_stream_table_init(&s->table, p->streams_max, p->socket_id);
	if (rc != 0) {
		rte_errno = -rc;
		goto fail;
	}
	s->legs = leg_hash_create(p->name, p->legs_max, p->socket_id);
	if (s->legs == NULL)
		goto fail;
	rcu.v = s->qsbr; /* leg data is a slot index: nothing to free */
	if (rte_hash_rcu_qsbr_add(s->legs, &rcu) != 0)
		goto fail;

	/*
	 * Deleted streams wait a grace period in stream_dq, at most
	 * stream_slack of them (then a delete waits for the readers): the
	 * pool holds that many over streams_max.
	 */
	stream_slack = p->streams_max / 8 + 64;
	snprintf(name, sizeof(name), "%s_strm", p->name);
	s->stream_pool = rte_mempool_create(name, p->streams_max + stream_slack,
					    sizeof(struct mr_stream), 0, 0, NULL, NULL,
					    NULL, NULL, p->socket_id,
					    RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET);
	if (s->stream_pool == NULL)
		goto fail;
	snprintf(name, sizeof(name), "%s_strmdq", p->name);
	dqp.name = name;
	dqp.size = stream_slack;
	dqp.esize = sizeof(struct mr_stream *);
	/*
	 * A delete that finds more than one entry pending reclaims what has
	 * passed its grace period: a deleted stream's memory (and transcoder
	 * channel) comes back two deletes later, or at mr_streams_reclaim().
	 */
	dqp.trigger_reclaim_limit = 1;
	dqp.free_fn = stream_free_cb;
	dqp.v = s->qsbr;
	dqp.p = s;
	s->stream_dq = rte_rcu_qsbr_dq_create(&dqp);
	if (s->stream_dq == NULL)
		goto fail;

	snprintf(name, sizeof(name), "%s_legdq", p->name);
	dqp.name = name;
	dqp.size = p->legs_max * 2;
	dqp.esize = sizeof(struct mr_leg *);
	dqp.trigger_reclaim_limit = 32;
	dqp.free_fn = leg_free_cb;
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
	if (s->stream_dq != NULL)
		rte_rcu_qsbr_dq_delete(s->stream_dq);
	/* live stream objects go with their pool */
	mr_stream_table_fini(&s->table);
	rte_hash_free(s->legs);
	rte_mempool_free(s->stream_pool);
	if (s->slots != NULL)
		for (i = 0; i < s->legs_max; i++)
			rte_free(s->slots[i]);
	rte_free(s->slots);
	rte_free(s->leg_hint);
	rte_free(s->defs);
	rte_free(s->qsbr);
	rte_free(s);
}

static bool
def_has_remote(const struct mr_leg_def *d)
{
	return d->in_use && (!d->latch || d->latched);
}

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

/*
 * Point every stream of a leg at its new snapshot (NULL: the leg is gone).
 * Before the old snapshot is retired: a reader that finds a stream after
 * the retirement began is not covered by its grace period, so no stream in
 * the table may still lead to it.
 */
static void
leg_streams_point(const struct mr_leg_def *d, const struct mr_leg *leg)
{
	struct mr_stream *st;

	for (st = d->streams; st != NULL; st = st->leg_next)
		__atomic_store_n(&st->leg, leg, __ATOMIC_RELEASE);
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

/* Build and swap in the snapshot of leg idx from its definition. */
static int
leg_publish(struct mr_streams *s, uint32_t idx)
{
	const struct mr_leg_def *d = &s->defs[idx];
	int orig = -1, last_rewrite = -1;
	struct mr_leg *leg, *old;
	uint16_t i;

	if (!d->in_use) {
		old = __atomic_exchange_n(&s->slots[idx], NULL, __ATOMIC_ACQ_REL);
		leg_streams_point(d, NULL);
		leg_hint_set(s, d, old, NULL);
		retire_snapshot(s, old);
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
	leg->tc_profile = d->tc_profile;
	for (i = 0; i < d->n_fwd; i++) {
		const struct mr_leg_def *t = &s->defs[d->fwd[i]];
		const struct mr_stream_port *port = &s->ports[t->port_id];
		struct mr_dest *dest = &leg->dests[leg->n_dests];

		if (!def_has_remote(t) || !port->present) {
			leg->n_unsendable++;
			continue;
		}
		if (mr_pkt_tmpl_init(&dest->tmpl, &port->mac, &port->nexthop, port->vlan,
				     &t->local, &t->remote) != 0) {
			leg->n_unsendable++;
			continue;
		}
		dest->port_id = t->port_id;
		dest->cksum_offload = port->cksum_offload;
		dest->rewrite = t->rewrite;
		dest->ssrc_out = t->ssrc_out;
		dest->seq_offset = t->seq_offset;
		dest->ts_offset = t->ts_offset;
		dest->leg_idx = d->fwd[i];
		if (t->rewrite)
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

	old = __atomic_exchange_n(&s->slots[idx], leg, __ATOMIC_ACQ_REL);
	leg_streams_point(d, leg);
	leg_hint_set(s, d, old, leg);
	retire_snapshot(s, old);
	return 0;
}

/* Republish idx and every leg whose destinations include it. */
static int
leg_publish_with_refs(struct mr_streams *s, uint32_t idx)
{
	const struct mr_leg_def *d = &s->defs[idx];
	uint16_t i;
	int rc;

	rc = leg_publish(s, idx);
	for (i = 0; rc == 0 && i < d->n_refs; i++)
		rc = leg_publish(s, d->refs[i]);
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

int
mr_streams_leg_set(struct mr_streams *s, uint32_t idx, const struct mr_leg_def *def)
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
		struct mr_stream *streams = cur->streams;
		uint32_t n_streams = cur->n_streams;

		/*
		 * Who forwards to this leg, and its streams, do not change with
		 * its own definition.
		 */
		memcpy(refs, cur->refs, sizeof(refs));
		*cur = *def;
		cur->n_refs = n_refs;
		memcpy(cur->refs, refs, sizeof(refs));
		cur->streams = streams;
		cur->n_streams = n_streams;
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
			leg_publish_with_refs(s, idx);
			return rc == -ENOSPC ? -ENOSPC : rc;
		}
		s->n_legs++;
	} else {
		cur->in_use = false;
		cur->n_fwd = 0;
	}
	return leg_publish_with_refs(s, idx);
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
	return leg_publish_with_refs(s, idx);
}

/*
 * A leg's live streams are a list through the streams themselves (main
 * lcore only), so deleting a leg's streams visits those, not the table.
 */
static void
leg_streams_link(struct mr_leg_def *d, struct mr_stream *st)
{
	st->leg_prev = NULL;
	st->leg_next = d->streams;
	if (d->streams != NULL)
		d->streams->leg_prev = st;
	d->streams = st;
	d->n_streams++;
}

static void
leg_streams_unlink(struct mr_leg_def *d, struct mr_stream *st)
{
	if (st->leg_prev != NULL)
		st->leg_prev->leg_next = st->leg_next;
	else
		d->streams = st->leg_next;
	if (st->leg_next != NULL)
		st->leg_next->leg_prev = st->leg_prev;
	st->leg_prev = NULL;
	st->leg_next = NULL;
	d->n_streams--;
}

int
mr_streams_add(struct mr_streams *s, const struct mr_stream_key *key,
	       const struct mr_stream_init *init, struct mr_stream **out)
{
	uint32_t hash;
	struct mr_stream *st;
	void *data;
	int rc;

	if (key == NULL || init == NULL || out == NULL || init->leg_idx >= s->legs_max)
		return -EINVAL;
	hash = mr_stream_key_hash(key);
	st = mr_stream_table_lookup(&s->table, key, hash);
	if (st != NULL) {
		*out = st;
		return -EEXIST;
	}
	/* live streams only: deleted ones may still wait for a grace period */
	if (mr_streams_count(s) >= s->streams_max)
		return -ENOSPC;
	if (rte_mempool_get(s->stream_pool, &data) != 0)
		return -ENOSPC;
	st = data;
	memset(st, 0, sizeof(*st));
	st->key = *key;
	st->ssrc = key->ssrc;
	st->leg_idx = init->leg_idx;
	st->leg = s->slots[init->leg_idx];
	st->owner_lcore = init->owner_lcore;
	st->tc_index = init->tc_index;
	st->tc_channel = init->tc_channel;
	st->returns_queued = init->returns_queued;
	st->last_tsc = rte_rdtsc();
	/* the table publishes with release semantics: readers see st whole */
	rc = mr_stream_table_add(&s->table, st, hash);
	if (rc < 0) {
		rte_mempool_put(s->stream_pool, st);
		return rc == -ENOSPC ? -ENOSPC : -ENOMEM;
	}
	leg_streams_link(&s->defs[init->leg_idx], st);
	*out = st;
	return 0;
}

struct mr_stream *
mr_streams_find(const struct mr_streams *s, const struct mr_stream_key *key)
{
	return mr_stream_table_lookup(&s->table, key, mr_stream_key_hash(key));
}

int
mr_streams_del(struct mr_streams *s, const struct mr_stream_key *key)
{
	uint32_t hash = mr_stream_key_hash(key);
	struct mr_stream *st = mr_stream_table_lookup(&s->table, key, hash);

	if (st == NULL)
		return -ENOENT;
	/* the main lcore is the only writer: st cannot go in between */
	leg_streams_unlink(&s->defs[st->leg_idx], st);
	mr_stream_table_del(&s->table, st, hash);
	if (rte_rcu_qsbr_dq_enqueue(s->stream_dq, &st) != 0) {
		/* the queue is full even after its own reclaim: wait for readers */
		rte_rcu_qsbr_synchronize(s->qsbr, RTE_QSBR_THRID_INVALID);
		stream_free(s, st);
	}
	return 0;
}

unsigned int
mr_streams_expire(struct mr_streams *s, uint64_t now, uint64_t idle, unsigned int budget)
{
	struct mr_stream_key victims[EXPIRE_BATCH];
	uint32_t slots = budget;
	unsigned int n = 0, i;

	while (n < EXPIRE_BATCH) {
		const struct mr_stream *st = mr_stream_table_next(&s->table, &s->expire_next,
								  &slots);
		uint64_t last;

		if (st == NULL)
			break; /* budget spent, or the end: the next call goes on or starts over */
		last = __atomic_load_n(&st->last_tsc, __ATOMIC_RELAXED);
		if (now > last && now - last > idle)
			victims[n++] = st->key;
	}
	for (i = 0; i < n; i++)
		mr_streams_del(s, &victims[i]);
	return n;
}

uint32_t
mr_streams_count(const struct mr_streams *s)
{
	return __atomic_load_n(&s->table.n_entries, __ATOMIC_RELAXED);
}

void
mr_streams_reclaim(struct mr_streams *s)
{
	rte_rcu_qsbr_dq_reclaim(s->leg_dq, UINT32_MAX, NULL, NULL, NULL);
	rte_rcu_qsbr_dq_reclaim(s->stream_dq, UINT32_MAX, NULL, NULL, NULL);
}
