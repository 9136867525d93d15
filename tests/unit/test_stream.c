/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * Tables and model: leg definitions and snapshots, latching, stream
 * insert/lookup/delete, a full table, expiry, and RCU reclamation that
 * never frees a stream a reader may still hold.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_hash_crc.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include "mr_test.h"
#include "mr_stream.h"


/* The test's lcore: it owns the streams it adds, as a worker would. */
#define ME ((uint16_t)rte_lcore_id())

/* Creation parameters of a plain (not transcoded) stream owned by @p lcore. */
static const struct mr_stream_init *
owned_by(unsigned int lcore)
{
	static struct mr_stream_init init;

	init = (struct mr_stream_init){
		.owner_lcore = (uint16_t)lcore, .tc_channel = MR_STREAM_NO_CHANNEL,
	};
	return &init;
}

static struct mr_streams *
tables(uint32_t legs, uint32_t streams)
{
	static unsigned int gen;
	char name[24];
	struct mr_streams_params p = {
		.name = name, .legs_max = legs, .streams_max = streams,
		.max_threads = RTE_MAX_LCORE, .owners_max = 2,
		.leg_streams_max = UINT16_MAX, .socket_id = (int)rte_socket_id(),
	};
	struct mr_streams *s;

	snprintf(name, sizeof(name), "tstrm%u", ++gen);
	s = mr_streams_create(&p);
	if (s == NULL)
		return NULL;
	s->ports[0].present = true;
	s->ports[0].nexthop = (struct rte_ether_addr){{0x02, 0, 0, 0, 0, 0x02}};
	/* the test's lcore owns the streams it adds; ME + 1 is a second owner */
	if (mr_streams_owner_add(s, ME) == NULL || mr_streams_owner_add(s, ME + 1) == NULL) {
		mr_streams_free(s);
		return NULL;
	}
	return s;
}

static struct mr_leg_def
leg(const char *local, const char *remote, uint32_t fwd_to)
{
	struct mr_leg_def d;

	memset(&d, 0, sizeof(d));
	d.in_use = true;
	mr_endpoint_parse(local, &d.local);
	if (remote == NULL)
		d.latch = true;
	else
		mr_endpoint_parse(remote, &d.remote);
	d.clock_rate = 8000;
	if (fwd_to != UINT32_MAX) {
		d.n_fwd = 1;
		d.fwd[0] = fwd_to;
	}
	return d;
}

static int
test_stream_legs(void)
{
	struct mr_streams *s = tables(4, 64);
	struct mr_leg_def a = leg("10.0.0.1:30000", "10.1.0.1:1000", 1);
	struct mr_leg_def b = leg("10.0.0.1:30002", NULL, UINT32_MAX);
	struct mr_leg_def d;
	struct mr_endpoint src;
	const struct mr_leg *snap;

	MR_TEST_ASSERT(s != NULL, "create");
	/* a forward to a leg not defined yet is refused */
	MR_TEST_EQ(mr_streams_leg_set(s, 0, &a), -EINVAL);
	MR_TEST_EQ(mr_streams_leg_set(s, 1, &b), 0);
	MR_TEST_EQ(mr_streams_leg_set(s, 0, &a), 0);
	MR_TEST_EQ(s->n_legs, 2);
	MR_TEST_EQ(mr_streams_leg_find(s, &a.local), 0);
	MR_TEST_EQ(mr_streams_leg_find(s, &b.local), 1);

	/* b is a latch leg without a remote yet: a has nowhere to send */
	snap = mr_streams_leg(s, 0);
	MR_TEST_ASSERT(snap != NULL, "snapshot");
	MR_TEST_EQ(snap->n_dests, 0);
	MR_TEST_EQ(snap->n_unsendable, 1);
	MR_TEST_EQ(mr_streams_leg(s, 1)->has_remote, 0);

	/* latching b republishes a with b as its destination */
	mr_endpoint_parse("10.2.0.9:4000", &src);
	MR_TEST_EQ(mr_streams_latch(s, 1, &src), 0);
	snap = mr_streams_leg(s, 0);
	MR_TEST_EQ(snap->n_dests, 1);
	MR_TEST_EQ(snap->dests[0].leg_idx, 1);
	MR_TEST_ASSERT(mr_endpoint_equal(&mr_streams_leg(s, 1)->remote, &src), "latched");
	/* latching is once; the same source again is fine */
	MR_TEST_EQ(mr_streams_latch(s, 1, &src), 0);
	mr_endpoint_parse("10.2.0.9:4001", &src);
	MR_TEST_EQ(mr_streams_latch(s, 1, &src), -EPERM);
	MR_TEST_EQ(mr_streams_latch(s, 0, &src), -EPERM); /* not a latch leg */

	/* bad definitions change nothing */
	d = leg("10.0.0.1:30000", "10.1.0.1:1000", UINT32_MAX);
	MR_TEST_EQ(mr_streams_leg_set(s, 2, &d), -EEXIST); /* same local endpoint */
	d = leg("10.0.0.1:30004", "10.1.0.1:1000", 2);
	MR_TEST_EQ(mr_streams_leg_set(s, 2, &d), -EINVAL); /* forward to itself */
	d = leg("10.0.0.1:30004", "10.1.0.1:1000", 0);
	d.n_fwd = 2;
	d.fwd[1] = 0;
	MR_TEST_EQ(mr_streams_leg_set(s, 2, &d), -EINVAL); /* the same target twice */
	MR_TEST_EQ(mr_streams_leg_set(s, 9, &d), -EINVAL); /* no such slot */
	MR_TEST_EQ(s->n_legs, 2);
	MR_TEST_EQ(mr_streams_leg(s, 2) == NULL, 1);

	/* redefinition to another endpoint moves the hash key */
	a = leg("10.0.0.1:30010", "10.1.0.1:1000", 1);
	MR_TEST_EQ(mr_streams_leg_set(s, 0, &a), 0);
	MR_TEST_EQ(mr_streams_leg_find(s, &a.local), 0);
	d = leg("10.0.0.1:30000", "10.1.0.1:1000", UINT32_MAX);
	MR_TEST_EQ(mr_streams_leg_find(s, &d.local), -ENOENT);
	MR_TEST_EQ(s->n_legs, 2);

	/* removal: the leg forwarding to it loses the destination */
	b.in_use = false;
	MR_TEST_EQ(mr_streams_leg_set(s, 1, &b), 0);
	MR_TEST_EQ(s->n_legs, 1);
	MR_TEST_EQ(mr_streams_leg(s, 0)->n_dests, 0);
	mr_streams_free(s);
	return 0;
}

static int
test_stream_table(void)
{
	const uint32_t cap = 128;
	struct mr_streams *s = tables(4, cap);
	struct mr_leg_def a = leg("10.0.0.1:30000", "10.1.0.1:1000", UINT32_MAX);
	struct mr_stream_key k;
	struct mr_stream *st, *st2;
	uint32_t i;

	MR_TEST_ASSERT(s != NULL, "create");
	MR_TEST_EQ(mr_streams_leg_set(s, 0, &a), 0);
	memset(&k, 0, sizeof(k));
	k.local = a.local;
	for (i = 0; i < cap; i++) {
		k.ssrc = 0x1000 + i;
		MR_TEST_EQ(mr_streams_add(s, &k, owned_by(ME), &st), 0);
		MR_TEST_EQ(st->key.ssrc, k.ssrc);
	}
	MR_TEST_EQ(mr_streams_count(s), cap);
	/* the fast path's way: the key's hash, its buckets, a candidate */
	for (i = 0; i < cap; i++) {
		struct mr_stream_table_pos p;

		k.ssrc = 0x1000 + i;
		MR_TEST_EQ(mr_stream_key_hash(&k), rte_hash_crc(&k, sizeof(k), 0));
		mr_stream_table_pos(&mr_streams_shard(s, ME)->table, mr_stream_key_hash(&k), &p);
		st = mr_stream_table_candidate(&mr_streams_shard(s, ME)->table, &p);
		MR_TEST_ASSERT(st != NULL && st == mr_streams_find(s, &k), "found by its hash");
		MR_TEST_EQ(st->key.ssrc, k.ssrc); /* no other signature here with 128 keys */
	}
	k.ssrc = 0x1000 + cap;
	MR_TEST_EQ(mr_streams_add(s, &k, owned_by(ME), &st), -EDQUOT); /* full: an error, not a crash */
	k.ssrc = 0x1005;
	MR_TEST_EQ(mr_streams_add(s, &k, owned_by(ME), &st2), -EEXIST);
	MR_TEST_EQ(st2->owner_lcore, ME);
	/* the leg's streams are ME's: another owner may not add one */
	MR_TEST_EQ(mr_streams_add(s, &k, owned_by(ME + 1), &st2), -EBUSY);
	st2 = mr_streams_find(s, &k);
	MR_TEST_ASSERT(mr_streams_find(s, &k) == st2, "find");
	MR_TEST_EQ(mr_streams_del(s, &k), 0);
	MR_TEST_ASSERT(mr_streams_find(s, &k) == NULL, "gone");
	MR_TEST_EQ(mr_streams_del(s, &k), -ENOENT);
	k.ssrc = 0x1000 + cap;
	MR_TEST_EQ(mr_streams_add(s, &k, owned_by(ME), &st), 0); /* room again */
	mr_streams_free(s);
	return 0;
}

static int
test_stream_expiry(void)
{
	struct mr_streams *s = tables(4, 256);
	struct mr_leg_def a = leg("10.0.0.1:30000", "10.1.0.1:1000", UINT32_MAX);
	uint64_t now = rte_rdtsc(), idle = rte_get_tsc_hz();
	struct mr_stream_key k;
	struct mr_stream *st;
	unsigned int i, expired = 0, rounds = 0;

	MR_TEST_ASSERT(s != NULL, "create");
	MR_TEST_EQ(mr_streams_leg_set(s, 0, &a), 0);
	memset(&k, 0, sizeof(k));
	k.local = a.local;
	for (i = 0; i < 200; i++) {
		k.ssrc = i;
		MR_TEST_EQ(mr_streams_add(s, &k, owned_by(ME), &st), 0);
		/* odd SSRCs last heard 2 s ago, even ones now */
		st->last_tsc = (i & 1) ? now - 2 * idle : now;
	}
	/* a small budget: the scan resumes where it stopped */
	while (rounds++ < 100) {
		unsigned int n = mr_streams_expire(s, mr_streams_shard(s, ME), now, idle, 16);

		expired += n;
		if (mr_streams_count(s) == 100)
			break;
	}
	MR_TEST_EQ(expired, 100);
	MR_TEST_ASSERT(rounds > 2, "needed several bounded passes (%u)", rounds);
	for (i = 0; i < 200; i++) {
		k.ssrc = i;
		MR_TEST_EQ(mr_streams_find(s, &k) != NULL, !(i & 1));
	}
	mr_streams_free(s);
	return 0;
}

/*
 * Walk leg @p idx's stream list; -1 when it is inconsistent (a stream not
 * pointing at its leg's current snapshot included).
 */
static int
leg_list_len(const struct mr_streams *s, uint32_t idx)
{
	const struct mr_stream *st, *prev = NULL;
	int n = 0;

	for (st = s->rt[idx].streams; st != NULL; prev = st, st = st->leg_next) {
		if (st->leg_idx != idx || st->leg_prev != prev ||
		    mr_streams_find(s, &st->key) != st ||
		    mr_stream_leg(st) != mr_streams_leg(s, idx))
			return -1;
		n++;
	}
	return (uint32_t)n == s->rt[idx].n_streams ? n : -1;
}

/*
 * Each leg lists its live streams: adds, deletes (head, middle, tail),
 * expiry and a redefinition of the leg keep the lists right, and deleting
 * a leg's streams takes exactly those.
 */
static int
test_stream_leg_lists(void)
{
	struct mr_streams *s = tables(4, 256);
	struct mr_leg_def a = leg("10.0.0.1:30000", "10.1.0.1:1000", UINT32_MAX);
	struct mr_leg_def b = leg("10.0.0.1:30002", "10.1.0.1:1002", UINT32_MAX);
	struct mr_leg_def c = leg("10.0.0.1:30004", "10.1.0.1:1004", UINT32_MAX);
	struct mr_leg_def d = leg("10.0.0.1:30006", NULL, UINT32_MAX);
	struct mr_leg_def gone;
	const struct mr_leg *snap;
	struct mr_stream_init init = {.owner_lcore = ME, .tc_channel = MR_STREAM_NO_CHANNEL};
	uint64_t now = rte_rdtsc(), idle = rte_get_tsc_hz();
	const uint32_t leg0[] = {0}, legs12[] = {1, 2}, leg3[] = {3};
	struct mr_stream_key k;
	struct mr_stream *st;
	unsigned int i, rounds = 0;

	MR_TEST_ASSERT(s != NULL, "create");
	MR_TEST_EQ(mr_streams_leg_set(s, 0, &a), 0);
	MR_TEST_EQ(mr_streams_leg_set(s, 1, &b), 0);
	MR_TEST_EQ(mr_streams_leg_set(s, 2, &c), 0);
	memset(&k, 0, sizeof(k));
	for (i = 0; i < 80; i++) {
		init.leg_idx = i < 50 ? 0 : 1;
		k.local = i < 50 ? a.local : b.local;
		k.ssrc = i;
		MR_TEST_EQ(mr_streams_add(s, &k, &init, &st), 0);
		if (i >= 50 && (i & 1))
			st->last_tsc = now - 2 * idle;
		else
			st->last_tsc = now;
	}
	MR_TEST_EQ(leg_list_len(s, 0), 50);
	MR_TEST_EQ(leg_list_len(s, 1), 30);
	MR_TEST_EQ(leg_list_len(s, 2), 0);
	/* the newest is the list's head, the oldest its tail: delete both and every 5th */
	k.local = a.local;
	for (i = 0; i < 50; i += 5) {
		k.ssrc = i;
		MR_TEST_EQ(mr_streams_del(s, &k), 0);
	}
	k.ssrc = 49;
	MR_TEST_EQ(mr_streams_del(s, &k), 0);
	MR_TEST_EQ(leg_list_len(s, 0), 39);
	/* expiry takes leg 1's odd SSRCs */
	while (mr_streams_count(s) > 39 + 15 && rounds++ < 100)
		mr_streams_expire(s, mr_streams_shard(s, ME), now, idle, 16);
	MR_TEST_EQ(mr_streams_count(s), 39 + 15);
	MR_TEST_EQ(leg_list_len(s, 1), 15);
	/* a new definition of leg 1 keeps its streams listed */
	b.remote.port = rte_cpu_to_be_16(1010);
	MR_TEST_EQ(mr_streams_leg_set(s, 1, &b), 0);
	MR_TEST_EQ(leg_list_len(s, 1), 15);
	/*
	 * Streams follow every new snapshot of their leg (leg_list_len checks
	 * it): its own, one made because a forward target changed, a latch,
	 * and none once the leg is deleted.
	 */
	a.n_fwd = 1;
	a.fwd[0] = 2;
	MR_TEST_EQ(mr_streams_leg_set(s, 0, &a), 0);
	MR_TEST_EQ(leg_list_len(s, 0), 39);
	snap = mr_streams_leg(s, 0);
	MR_TEST_EQ(snap->n_dests, 1);
	c.remote.port = rte_cpu_to_be_16(1012);
	MR_TEST_EQ(mr_streams_leg_set(s, 2, &c), 0);
	MR_TEST_ASSERT(mr_streams_leg(s, 0) != snap, "the referrer is republished");
	MR_TEST_EQ(leg_list_len(s, 0), 39);
	MR_TEST_EQ(mr_streams_leg_set(s, 3, &d), 0);
	init.leg_idx = 3;
	k.local = d.local;
	for (i = 0; i < 3; i++) {
		k.ssrc = 1000 + i;
		MR_TEST_EQ(mr_streams_add(s, &k, &init, &st), 0);
		MR_TEST_ASSERT(mr_stream_leg(st) == mr_streams_leg(s, 3), "new stream, current leg");
	}
	MR_TEST_EQ(mr_streams_latch(s, 3, &b.remote), 0);
	MR_TEST_EQ(leg_list_len(s, 3), 3);
	MR_TEST_ASSERT(mr_stream_leg(s->rt[3].streams)->has_remote, "latched snapshot");
	MR_TEST_EQ(mr_streams_del_by_legs(s, leg3, 1), 3);
	memset(&gone, 0, sizeof(gone));
	MR_TEST_EQ(mr_streams_leg_set(s, 1, &gone), 0);
	for (st = s->rt[1].streams; st != NULL; st = st->leg_next)
		MR_TEST_ASSERT(mr_stream_leg(st) == NULL, "a deleted leg's stream has no snapshot");
	MR_TEST_EQ(leg_list_len(s, 1), 15);
	MR_TEST_EQ(mr_streams_del_by_legs(s, leg0, 1), 39);
	MR_TEST_EQ(leg_list_len(s, 0), 0);
	MR_TEST_EQ(leg_list_len(s, 1), 15);
	MR_TEST_EQ(mr_streams_count(s), 15);
	MR_TEST_EQ(mr_streams_del_by_legs(s, legs12, 2), 15);
	MR_TEST_EQ(mr_streams_count(s), 0);
	MR_TEST_EQ(leg_list_len(s, 1), 0);
	mr_streams_free(s);
	return 0;
}

/* A deleted stream stays allocated while a reader has not passed a quiescent state. */
static int
test_stream_rcu(void)
{
	struct mr_streams *s = tables(4, 256);
	struct mr_leg_def a = leg("10.0.0.1:30000", "10.1.0.1:1000", UINT32_MAX);
	const unsigned int reader = RTE_MAX_LCORE - 1;
	struct mr_stream_key k;
	struct mr_stream *st;
	unsigned int i, avail_before;

	MR_TEST_ASSERT(s != NULL, "create");
	MR_TEST_EQ(mr_streams_leg_set(s, 0, &a), 0);
	MR_TEST_EQ(rte_rcu_qsbr_thread_register(s->qsbr, reader), 0);
	rte_rcu_qsbr_thread_online(s->qsbr, reader);
	memset(&k, 0, sizeof(k));
	k.local = a.local;
	for (i = 0; i < 100; i++) {
		k.ssrc = i;
		MR_TEST_EQ(mr_streams_add(s, &k, owned_by(ME), &st), 0);
	}
	avail_before = rte_mempool_avail_count(s->stream_pool);
	for (i = 0; i < 80; i++) {
		k.ssrc = i;
		MR_TEST_EQ(mr_streams_del(s, &k), 0);
	}
	/* the reader may still hold any of them: nothing went back */
	MR_TEST_EQ(rte_mempool_avail_count(s->stream_pool), avail_before);
	rte_rcu_qsbr_quiescent(s->qsbr, reader);
	/* the next deletion passes the reclaim threshold and frees them */
	k.ssrc = 90;
	MR_TEST_EQ(mr_streams_del(s, &k), 0);
	MR_TEST_ASSERT(rte_mempool_avail_count(s->stream_pool) >= avail_before + 32,
		       "reclaimed after the grace period: %u vs %u",
		       rte_mempool_avail_count(s->stream_pool), avail_before);
	rte_rcu_qsbr_thread_offline(s->qsbr, reader);
	rte_rcu_qsbr_thread_unregister(s->qsbr, reader);
	mr_streams_free(s);
	return 0;
}

/* Streams with made-up keys, for the table alone (key.ssrc = index). */
static struct mr_stream *
fake_streams(unsigned int n)
{
	struct mr_stream *v = rte_zmalloc("test_streams", n * sizeof(*v), RTE_CACHE_LINE_SIZE);
	unsigned int i;

	for (i = 0; v != NULL && i < n; i++) {
		mr_endpoint_parse("10.0.0.1:30000", &v[i].key.local);
		v[i].key.ssrc = i;
	}
	return v;
}

/* The table's calls for a stream under its own key and hash. */
static void
own_pos(const struct mr_stream_table *t, const struct mr_stream *st, struct mr_stream_table_pos *p)
{
	mr_stream_table_pos(t, mr_stream_key_hash(&st->key), p);
}

static int
own_add(struct mr_stream_table *t, struct mr_stream *st)
{
	return mr_stream_table_add(t, st, mr_stream_key_hash(&st->key));
}

static int
own_del(struct mr_stream_table *t, const struct mr_stream *st)
{
	return mr_stream_table_del(t, st, mr_stream_key_hash(&st->key));
}

static const struct mr_stream *
own_find(const struct mr_stream_table *t, const struct mr_stream *st)
{
	return mr_stream_table_lookup(t, &st->key, mr_stream_key_hash(&st->key));
}

/* n keys (SSRCs from *next on) whose home bucket is h; the SSRCs in out[]. */
static void
keys_homed(const struct mr_stream_table *t, struct mr_stream *v, uint32_t h,
	   unsigned int n, uint32_t *next, uint32_t *out)
{
	struct mr_stream_table_pos p;
	unsigned int got = 0;

	while (got < n) {
		uint32_t i = (*next)++;

		own_pos(t, &v[i], &p);
		if (p.home == h)
			out[got++] = i;
	}
}

#define FAKE_STREAMS 40000

/*
 * The table alone: signature collisions, keys spilled to their second
 * bucket, a full pair of buckets, a key moved to make room, deletion from
 * either bucket, bounded iteration.
 */
static int
test_stream_table_buckets(void)
{
	struct mr_stream_table t;
	struct mr_stream *v = fake_streams(FAKE_STREAMS);
	struct mr_stream_table_pos p;
	uint32_t home[16], other[7], next = 0, pos, budget, h, alt = 0, seen;
	unsigned int i;

	MR_TEST_ASSERT(v != NULL, "streams");
	MR_TEST_EQ(mr_stream_table_init(&t, 0, SOCKET_ID_ANY), -EINVAL);
	MR_TEST_EQ(mr_stream_table_init(&t, 64, SOCKET_ID_ANY), 0);
	MR_TEST_EQ(t.n_buckets, 37); /* 64 keys fill 4 slots in 7 */

	/* 14 keys under one made-up hash: same buckets, same signature */
	for (i = 0; i < 14; i++)
		MR_TEST_EQ(mr_stream_table_add(&t, &v[i], 0x12345678), 0);
	mr_stream_table_pos(&t, 0x12345678, &p);
	MR_TEST_EQ(t.buckets[p.home].used, 7);
	MR_TEST_EQ(t.buckets[p.home].spilled, 7);
	MR_TEST_EQ(t.buckets[mr_stream_table_alt(&t, &p)].used, 7);
	/* no key there can move (their own hashes put them elsewhere) */
	MR_TEST_EQ(mr_stream_table_add(&t, &v[14], 0x12345678), -ENOSPC);
	MR_TEST_EQ(t.full, 1);
	MR_TEST_EQ(t.moves, 0);
	for (i = 0; i < 14; i++)
		MR_TEST_ASSERT(mr_stream_table_lookup(&t, &v[i].key, 0x12345678) == &v[i],
			       "key %u among equal signatures", i);
	MR_TEST_ASSERT(mr_stream_table_lookup(&t, &v[14].key, 0x12345678) == NULL, "absent");
	MR_TEST_ASSERT(mr_stream_table_candidate(&t, &p) == &v[0], "first signature match");
	/* deleting from the second bucket uncounts the spill */
	MR_TEST_EQ(mr_stream_table_del(&t, &v[10], 0x12345678), 0);
	MR_TEST_EQ(mr_stream_table_del(&t, &v[10], 0x12345678), -ENOENT);
	MR_TEST_EQ(t.buckets[p.home].spilled, 6);
	MR_TEST_EQ(mr_stream_table_del(&t, &v[0], 0x12345678), 0);
	MR_TEST_EQ(t.buckets[p.home].used, 6);
	MR_TEST_EQ(mr_stream_table_add(&t, &v[14], 0x12345678), 0);
	MR_TEST_EQ(t.buckets[p.home].used, 7);
	MR_TEST_EQ(t.n_entries, 13);
	for (i = 1; i < 15; i++)
		MR_TEST_ASSERT(mr_stream_table_lookup(&t, &v[i].key, 0x12345678) ==
			       (i == 10 ? NULL : &v[i]), "key %u after deletes", i);
	mr_stream_table_fini(&t);

	/*
	 * Real hashes: bucket h full of keys homed there, a new key homed
	 * there whose second bucket is full too. One of h's keys moves to
	 * its own second bucket, and every key is still found.
	 */
	MR_TEST_EQ(mr_stream_table_init(&t, 64, SOCKET_ID_ANY), 0);
	next = 100;
	h = 5;
	keys_homed(&t, v, h, 16, &next, home);
	for (i = 0; i < 7; i++)
		MR_TEST_EQ(own_add(&t, &v[home[i]]), 0);
	/* the first of the others whose second bucket is not h */
	for (i = 7; i < 16; i++) {
		own_pos(&t, &v[home[i]], &p);
		alt = mr_stream_table_alt(&t, &p);
		if (alt != h)
			break;
	}
	MR_TEST_ASSERT(i < 16, "a key with another second bucket");
	keys_homed(&t, v, alt, 7, &next, other);
	for (seen = 0; seen < 7; seen++)
		MR_TEST_EQ(own_add(&t, &v[other[seen]]), 0);
	MR_TEST_EQ(t.buckets[alt].used, 7);
	MR_TEST_EQ(own_add(&t, &v[home[i]]), 0);
	MR_TEST_EQ(t.moves, 1);
	MR_TEST_EQ(t.full, 0);
	MR_TEST_EQ(t.buckets[h].used, 7);
	MR_TEST_EQ(t.buckets[h].spilled, 1);
	MR_TEST_EQ(t.n_entries, 15);
	home[7] = home[i]; /* the keys added: home[0..7] */
	for (i = 0; i < 8; i++)
		MR_TEST_ASSERT(own_find(&t, &v[home[i]]) == &v[home[i]],
			       "key %u homed in the full bucket", home[i]);
	for (i = 0; i < 7; i++)
		MR_TEST_ASSERT(own_find(&t, &v[other[i]]) == &v[other[i]],
			       "key of the second bucket %u", other[i]);

	/* iteration: every key once; a budget of 10 slots per call */
	for (pos = 0, seen = 0; mr_stream_table_next(&t, &pos, NULL) != NULL; seen++)
		;
	MR_TEST_EQ(seen, 15);
	MR_TEST_EQ(pos, 0);
	for (pos = 0, seen = 0, i = 0; i < 1000; i++) {
		budget = 10;
		while (mr_stream_table_next(&t, &pos, &budget) != NULL)
			seen++;
		if (budget != 0)
			break; /* the end, not the budget */
	}
	MR_TEST_EQ(seen, 15);
	MR_TEST_ASSERT(i >= 37 * 7 / 10, "bounded calls: %u", i);
	mr_stream_table_fini(&t);
	rte_free(v);
	return 0;
}

struct churn_reader {
	const struct mr_stream_table *t;
	const struct mr_stream *v;
	unsigned int n_stable;
	volatile int stop;
	uint64_t lookups;
	uint64_t misses;      /* a stable key not found */
	uint64_t wrong;       /* a key found with another key's stream */
};

static int
churn_read(void *arg)
{
	struct churn_reader *c = arg;
	unsigned int i = 0;

	while (!c->stop) {
		const struct mr_stream *want = &c->v[i];
		const struct mr_stream *got = own_find(c->t, want);

		if (got == NULL)
			c->misses++;
		else if (got != want)
			c->wrong++;
		c->lookups++;
		i = i + 1 == c->n_stable ? 0 : i + 1;
	}
	return 0;
}

/*
 * One writer, one reader on another lcore: keys that stay are always
 * found, never as another stream, while the writer adds and deletes
 * thousands of others in a small table (spills and moves included).
 */
static int
test_stream_table_concurrent(void)
{
	const unsigned int n_stable = 200, n_churn = 30000;
	struct mr_stream_table t;
	unsigned int lcore = rte_get_next_lcore(-1, 1, 0), i, round, live = 0;
	struct churn_reader c = {0};
	uint64_t adds = 0, spills = 0;
	struct mr_stream *v;

	if (lcore >= RTE_MAX_LCORE)
		MR_TEST_SKIP("needs a second lcore for the reader");
	v = fake_streams(FAKE_STREAMS);
	MR_TEST_ASSERT(v != NULL, "streams");
	/*
	 * 200 stable + up to 250 churning keys in 518 slots (a table sized
	 * for 128): buckets fill, keys spill and move, some adds find no room.
	 */
	MR_TEST_EQ(mr_stream_table_init(&t, 128, SOCKET_ID_ANY), 0);
	for (i = 0; i < n_stable; i++)
		MR_TEST_EQ(own_add(&t, &v[i]), 0);
	c.t = &t;
	c.v = v;
	c.n_stable = n_stable;
	MR_TEST_EQ(rte_eal_remote_launch(churn_read, &c, lcore), 0);
	for (round = 0; round < 20; round++) {
		/* add 250 new keys, then delete them all */
		unsigned int base = n_stable + (round * 250) % (n_churn - 250);

		for (i = 0; i < 250; i++) {
			struct mr_stream *st = &v[base + i];

			if (own_add(&t, st) == 0) {
				adds++;
				live++;
			}
		}
		for (i = 0; i < t.n_buckets; i++)
			spills += t.buckets[i].spilled;
		for (i = 0; i < 250; i++) {
			struct mr_stream *st = &v[base + i];

			if (own_del(&t, st) == 0)
				live--;
		}
		rte_delay_us(200);
	}
	c.stop = 1;
	rte_eal_wait_lcore(lcore);
	MR_TEST_EQ(live, 0);
	MR_TEST_EQ(t.n_entries, n_stable);
	MR_TEST_ASSERT(adds > 20 * 200, "adds %" PRIu64, adds);
	MR_TEST_ASSERT(t.moves > 0, "no key moved: the test did not exercise moves");
	MR_TEST_ASSERT(c.lookups > 1000, "the reader ran: %" PRIu64, c.lookups);
	MR_TEST_EQ(c.misses, 0);
	MR_TEST_EQ(c.wrong, 0);
	printf("  %" PRIu64 " lookups during %" PRIu64 " adds and as many deletes, %" PRIu64
	       " keys moved, %" PRIu64 " spilled\n", c.lookups, adds, t.moves, spills);
	mr_stream_table_fini(&t);
	rte_free(v);
	return 0;
}

/* The per-port prefetch hint follows each leg's current snapshot. */
static int
test_stream_leg_hint(void)
{
	struct mr_streams *s = tables(4, 64);
	struct mr_leg_def a = leg("10.0.0.1:30000", "10.1.0.1:1000", UINT32_MAX);
	struct mr_leg_def b = leg("10.0.0.2:30000", NULL, UINT32_MAX);
	struct mr_endpoint src;
	const uint16_t p30000 = 30000, p30010 = 30010;

	MR_TEST_ASSERT(s != NULL, "create");
	MR_TEST_ASSERT(mr_streams_leg_hint(s, p30000) == NULL, "no leg, no hint");
	MR_TEST_EQ(mr_streams_leg_set(s, 0, &a), 0);
	MR_TEST_ASSERT(mr_streams_leg_hint(s, p30000) == mr_streams_leg(s, 0), "defined");
	/* a republished leg (here: a new remote) replaces its hint */
	a = leg("10.0.0.1:30000", "10.1.0.1:1002", UINT32_MAX);
	MR_TEST_EQ(mr_streams_leg_set(s, 0, &a), 0);
	MR_TEST_ASSERT(mr_streams_leg_hint(s, p30000) == mr_streams_leg(s, 0), "redefined");
	/* another address on the same port: the last published wins */
	MR_TEST_EQ(mr_streams_leg_set(s, 1, &b), 0);
	MR_TEST_ASSERT(mr_streams_leg_hint(s, p30000) == mr_streams_leg(s, 1), "same port");
	mr_endpoint_parse("10.2.0.9:4000", &src);
	MR_TEST_EQ(mr_streams_latch(s, 1, &src), 0);
	MR_TEST_ASSERT(mr_streams_leg_hint(s, p30000) == mr_streams_leg(s, 1), "latched");
	/* a leg going away takes its hint; leg 0 gets it back when published */
	b.in_use = false;
	MR_TEST_EQ(mr_streams_leg_set(s, 1, &b), 0);
	MR_TEST_ASSERT(mr_streams_leg_hint(s, p30000) == NULL, "deleted");
	/* a leg moving to another port takes its hint along */
	MR_TEST_EQ(mr_streams_leg_set(s, 0, &a), 0);
	MR_TEST_ASSERT(mr_streams_leg_hint(s, p30000) == mr_streams_leg(s, 0), "republished");
	a = leg("10.0.0.1:30010", "10.1.0.1:1002", UINT32_MAX);
	MR_TEST_EQ(mr_streams_leg_set(s, 0, &a), 0);
	MR_TEST_ASSERT(mr_streams_leg_hint(s, p30000) == NULL, "old port");
	MR_TEST_ASSERT(mr_streams_leg_hint(s, p30010) == mr_streams_leg(s, 0), "new port");
	mr_streams_free(s);
	return 0;
}

/* A worker on another lcore: owns the streams of leg 0, answers leg calls. */
struct owner_ctx {
	struct mr_streams *s;
	struct mr_stream_key key;
	unsigned int n_add;
	int added;        /* streams it created (then -errno on failure) */
	bool stop;
};

static int
owner_loop(void *arg)
{
	struct owner_ctx *o = arg;
	struct mr_stream_shard *sh = mr_streams_shard(o->s, rte_lcore_id());
	struct mr_stream_init init = {
		.leg_idx = 0, .owner_lcore = (uint16_t)rte_lcore_id(),
		.tc_channel = MR_STREAM_NO_CHANNEL,
	};
	struct mr_stream_key k = o->key;
	struct mr_stream *st;
	unsigned int i;
	int n = 0;

	for (i = 0; i < o->n_add; i++) {
		k.ssrc = 0x7000 + i;
		if (mr_streams_add(o->s, &k, &init, &st) == 0)
			n++;
	}
	__atomic_store_n(&o->added, n, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&o->stop, __ATOMIC_ACQUIRE))
		mr_streams_owner_poll(o->s, sh);
	return 0;
}

/*
 * The main lcore's calls to a leg's owner on another lcore: a new
 * snapshot reaches the owner's streams before the old one is retired, and
 * deleting the leg's streams is done by the owner, which gives the leg's
 * token back; a leg without an owner is worked on directly.
 */
static int
test_stream_leg_call(void)
{
	unsigned int lcore = rte_get_next_lcore(-1, 1, 0);
	struct mr_streams_params p = {
		.name = "tlcall", .legs_max = 8, .streams_max = 64, .max_threads = RTE_MAX_LCORE,
		.owners_max = 1, .socket_id = (int)rte_socket_id(),
	};
	struct mr_leg_def a = leg("10.0.0.1:30000", "10.1.0.1:1000", UINT32_MAX);
	const uint32_t leg0[] = {0};
	struct owner_ctx o = {0};
	const struct mr_leg *snap;
	struct mr_stream *st;
	uint32_t pos = 0;

	if (lcore >= RTE_MAX_LCORE)
		MR_TEST_SKIP("needs a second lcore for the owner");
	o.s = mr_streams_create(&p);
	MR_TEST_ASSERT(o.s != NULL, "create");
	o.s->ports[0].present = true;
	o.s->ports[0].nexthop = (struct rte_ether_addr){{0x02, 0, 0, 0, 0, 0x02}};
	MR_TEST_ASSERT(mr_streams_owner_add(o.s, lcore) != NULL, "shard");
	MR_TEST_EQ(mr_streams_leg_set(o.s, 0, &a), 0);
	o.key.local = a.local;
	o.n_add = 5; /* the default limit is 8 */
	MR_TEST_EQ(rte_eal_remote_launch(owner_loop, &o, lcore), 0);
	while (__atomic_load_n(&o.added, __ATOMIC_ACQUIRE) == 0)
		rte_pause();
	MR_TEST_EQ(o.added, 5);
	MR_TEST_EQ(__atomic_load_n(&o.s->rt[0].owner, __ATOMIC_ACQUIRE), lcore);
	/* a redefinition: the owner points its streams at the new snapshot */
	a.remote.port = rte_cpu_to_be_16(1001);
	MR_TEST_EQ(mr_streams_leg_set(o.s, 0, &a), 0);
	snap = mr_streams_leg(o.s, 0);
	rte_rcu_qsbr_thread_register(o.s->qsbr, rte_lcore_id());
	rte_rcu_qsbr_thread_online(o.s->qsbr, rte_lcore_id());
	while ((st = mr_streams_next(o.s, &pos)) != NULL)
		MR_TEST_ASSERT(mr_stream_leg(st) == snap, "stream on the new snapshot");
	rte_rcu_qsbr_thread_offline(o.s->qsbr, rte_lcore_id());
	rte_rcu_qsbr_thread_unregister(o.s->qsbr, rte_lcore_id());
	/* deleting them is the owner's work, and the token comes back */
	MR_TEST_EQ(mr_streams_del_by_legs(o.s, leg0, 1), 5);
	MR_TEST_EQ(mr_streams_count(o.s), 0);
	MR_TEST_EQ(__atomic_load_n(&o.s->rt[0].owner, __ATOMIC_ACQUIRE), MR_STREAM_OWNER_NONE);
	/* no owner now: the main lcore works on the leg itself */
	MR_TEST_EQ(mr_streams_del_by_legs(o.s, leg0, 1), 0);
	MR_TEST_EQ(o.s->call_timeouts, 0);
	__atomic_store_n(&o.stop, true, __ATOMIC_RELEASE);
	MR_TEST_EQ(rte_eal_wait_lcore(lcore), 0);
	mr_streams_free(o.s);
	return 0;
}

MR_REGISTER_EAL_TEST(stream, legs, test_stream_legs)
MR_REGISTER_EAL_TEST(stream, table, test_stream_table)
MR_REGISTER_EAL_TEST(stream, expiry, test_stream_expiry)
MR_REGISTER_EAL_TEST(stream, rcu, test_stream_rcu)
MR_REGISTER_EAL_TEST(stream, leg_lists, test_stream_leg_lists)
MR_REGISTER_EAL_TEST(stream, leg_hint, test_stream_leg_hint)
MR_REGISTER_EAL_TEST(stream, table_buckets, test_stream_table_buckets)
MR_REGISTER_EAL_TEST(stream, table_concurrent, test_stream_table_concurrent)
MR_REGISTER_EAL_TEST(stream, leg_call, test_stream_leg_call)
