/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#include <errno.h>

#include <rte_malloc.h>
#include <rte_random.h>

#include "mr_stream.h"
#include "mr_stream_table.h"

/* Slots per bucket in the iteration position (bucket * 8 + slot). */
#define POS_SLOTS 8
#define CAPACITY_MAX (UINT32_C(1) << 28)

_Static_assert(sizeof(struct mr_stream_table_bucket) == RTE_CACHE_LINE_SIZE,
	       "a bucket is one cache line");
_Static_assert(MR_STREAM_TABLE_SLOTS < POS_SLOTS, "iteration position");

int
mr_stream_table_init(struct mr_stream_table *t, uint32_t capacity, int socket_id)
{
	uint64_t n;

	memset(t, 0, sizeof(*t));
	if (capacity == 0 || capacity > CAPACITY_MAX)
		return -EINVAL;
	/* a full table fills 4 of every 7 slots */
	n = RTE_MAX(((uint64_t)capacity * 4 + MR_STREAM_TABLE_SLOTS - 1) / MR_STREAM_TABLE_SLOTS,
		    UINT64_C(2));
	t->buckets = rte_zmalloc_socket("mr_stream_table", n * sizeof(*t->buckets),
					RTE_CACHE_LINE_SIZE, socket_id);
	if (t->buckets == NULL)
		return -ENOMEM;
	t->n_buckets = (uint32_t)n;
	t->mix_add = rte_rand();
	t->mix_mul = rte_rand() | 1;
	return 0;
}

void
mr_stream_table_fini(struct mr_stream_table *t)
{
	rte_free(t->buckets);
	t->buckets = NULL;
	t->n_buckets = 0;
	t->n_entries = 0;
}

/* The stream of @p key in bucket @p b: the signature matches, then the key. */
static struct mr_stream *
bucket_lookup(const struct mr_stream_table_bucket *b, uint64_t tag,
	      const struct mr_stream_key *key)
{
	unsigned int i = 0;
	struct mr_stream *st;

	while ((st = mr_stream_table_bucket_match(b, tag, &i)) != NULL)
		if (mr_stream_key_equal(&st->key, key))
			return st;
	return NULL;
}

struct mr_stream *
mr_stream_table_lookup(const struct mr_stream_table *t, const struct mr_stream_key *key,
		       uint32_t hash)
{
	struct mr_stream_table_pos p;
	const struct mr_stream_table_bucket *home;
	struct mr_stream *st;

	mr_stream_table_pos(t, hash, &p);
	home = &t->buckets[p.home];
	st = bucket_lookup(home, mr_stream_table_tag(&p), key);
	if (st != NULL || __atomic_load_n(&home->spilled, __ATOMIC_ACQUIRE) == 0)
		return st;
	return bucket_lookup(&t->buckets[mr_stream_table_alt(t, &p)], mr_stream_table_tag(&p), key);
}

/* A free slot of b, or -1. */
static int
free_slot(const struct mr_stream_table_bucket *b)
{
	int i;

	if (b->used == MR_STREAM_TABLE_SLOTS)
		return -1;
	for (i = 0; i < MR_STREAM_TABLE_SLOTS; i++)
		if (b->slot[i] == 0)
			return i;
	return -1;
}

static void
slot_store(struct mr_stream_table_bucket *b, int i, uint64_t e)
{
	__atomic_store_n(&b->slot[i], e, __ATOMIC_RELEASE);
	if (e != 0)
		b->used++;
	else
		b->used--;
}

static void
entries_add(struct mr_stream_table *t, int32_t delta)
{
	__atomic_store_n(&t->n_entries, t->n_entries + delta, __ATOMIC_RELAXED);
}

static void
spilled_add(struct mr_stream_table_bucket *b, int32_t delta)
{
	__atomic_store_n(&b->spilled, b->spilled + delta, __ATOMIC_RELEASE);
}

/*
 * Both buckets of a new key are full: move one key that lives at home in
 * bucket h to its own second bucket, if that has room. @return the slot
 * of h now free, or -1.
 */
static int
make_room(struct mr_stream_table *t, uint32_t h)
{
	struct mr_stream_table_bucket *home = &t->buckets[h];
	int i;

	for (i = 0; i < MR_STREAM_TABLE_SLOTS; i++) {
		uint64_t e = home->slot[i];
		struct mr_stream_table_pos q;
		struct mr_stream_table_bucket *alt;
		int j;

		mr_stream_table_pos(t, mr_stream_key_hash(&mr_stream_table_slot_stream(e)->key), &q);
		if (q.home != h)
			continue; /* itself spilled here */
		alt = &t->buckets[mr_stream_table_alt(t, &q)];
		j = free_slot(alt);
		if (j < 0)
			continue;
		/* counted, then in its new place, then gone from the old */
		spilled_add(home, 1);
		slot_store(alt, j, e);
		slot_store(home, i, 0);
		__atomic_store_n(&t->moves, t->moves + 1, __ATOMIC_RELAXED);
		return i;
	}
	return -1;
}

int
mr_stream_table_add(struct mr_stream_table *t, struct mr_stream *st, uint32_t hash)
{
	struct mr_stream_table_pos p;
	struct mr_stream_table_bucket *home, *alt;
	uint64_t addr = (uintptr_t)st;
	int i;

	if (st == NULL || (addr & ~MR_STREAM_TABLE_ADDR_MASK) != 0)
		return -EINVAL;
	mr_stream_table_pos(t, hash, &p);
	home = &t->buckets[p.home];
	alt = &t->buckets[mr_stream_table_alt(t, &p)];
	i = free_slot(home);
	if (i < 0) {
		int j = free_slot(alt);

		if (j >= 0) {
			spilled_add(home, 1);
			slot_store(alt, j, mr_stream_table_tag(&p) | addr);
			entries_add(t, 1);
			return 0;
		}
		i = make_room(t, p.home);
	}
	if (i < 0) {
		__atomic_store_n(&t->full, t->full + 1, __ATOMIC_RELAXED);
		return -ENOSPC;
	}
	slot_store(home, i, mr_stream_table_tag(&p) | addr);
	entries_add(t, 1);
	return 0;
}

static int
slot_of(const struct mr_stream_table_bucket *b, uint64_t e)
{
	int i;

	for (i = 0; i < MR_STREAM_TABLE_SLOTS; i++)
		if (b->slot[i] == e)
			return i;
	return -1;
}

int
mr_stream_table_del(struct mr_stream_table *t, const struct mr_stream *st, uint32_t hash)
{
	struct mr_stream_table_pos p;
	struct mr_stream_table_bucket *home;
	uint64_t e;
	int i;

	mr_stream_table_pos(t, hash, &p);
	e = mr_stream_table_tag(&p) | (uintptr_t)st;
	home = &t->buckets[p.home];
	i = slot_of(home, e);
	if (i >= 0) {
		slot_store(home, i, 0);
	} else {
		struct mr_stream_table_bucket *alt = &t->buckets[mr_stream_table_alt(t, &p)];

		i = slot_of(alt, e);
		if (i < 0)
			return -ENOENT;
		slot_store(alt, i, 0);
		spilled_add(home, -1);
	}
	entries_add(t, -1);
	return 0;
}

struct mr_stream *
mr_stream_table_next(const struct mr_stream_table *t, uint32_t *pos, uint32_t *budget)
{
	uint32_t b = *pos / POS_SLOTS, i = *pos % POS_SLOTS;

	for (; b < t->n_buckets; b++, i = 0) {
		for (; i < MR_STREAM_TABLE_SLOTS; i++) {
			uint64_t e;

			if (budget != NULL && (*budget)-- == 0) {
				*budget = 0;
				*pos = b * POS_SLOTS + i;
				return NULL;
			}
			e = __atomic_load_n(&t->buckets[b].slot[i], __ATOMIC_ACQUIRE);
			if (e != 0) {
				*pos = b * POS_SLOTS + i + 1;
				return mr_stream_table_slot_stream(e);
			}
		}
	}
	*pos = 0;
	return NULL;
}
