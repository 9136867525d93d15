/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_STREAM_TABLE_H
#define MR_STREAM_TABLE_H

/**
 * @file
 * The stream table: stream key -> struct mr_stream *, for one writer (the
 * main lcore) and lock-free readers inside the tables' QSBR critical
 * sections (workers, the control thread).
 *
 * Why not rte_hash: a fast-path lookup there reads the key's bucket, its
 * alternative bucket and its key slot before the stream itself, three
 * dependent lines per packet when streams do not fit in cache. Here a
 * lookup reads one bucket line and then the stream, where the full key is
 * checked (the stream is read anyway).
 *
 * Layout: a bucket is one cache line of MR_STREAM_TABLE_SLOTS slots. A
 * slot holds a stream's address in its low 48 bits and a 16-bit signature
 * of its key in the high 16 (0: empty), so readers load a slot in one go.
 * Every key has a home bucket (from its CRC hash) and a second bucket
 * (from a keyed mix of that hash: a peer choosing SSRCs may aim at home
 * buckets, not at second ones). A key lives at home when there is room,
 * else in its second bucket, and home counts such keys in @c spilled: a
 * lookup reads the second bucket only when home has spilled keys. When
 * both are full, one of home's own keys moves to its second bucket.
 *
 * Ordering: the writer stores a stream whole before its slot (release);
 * a moving key is stored in its new bucket, after @c spilled counts it,
 * before it leaves the old one. A reader may miss a key that is being
 * added or moved (the packet takes the slow path, which finds it), never
 * sees a stream half written, and may read a deleted stream only until
 * the grace period ends (the caller defers freeing).
 */

#include <stdint.h>

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MR_STREAM_TABLE_SLOTS 7

struct mr_stream;
struct mr_stream_key;

/** One cache line. */
struct mr_stream_table_bucket {
	uint64_t slot[MR_STREAM_TABLE_SLOTS]; /**< signature << 48 | address; 0: empty */
	uint32_t spilled;   /**< keys homed here that live in their second bucket */
	uint32_t used;      /**< occupied slots (writer only) */
} __rte_cache_aligned;

/** The table. */
struct mr_stream_table {
	struct mr_stream_table_bucket *buckets;
	uint32_t n_buckets;  /**< >= 2 */
	uint32_t n_entries;  /**< keys in the table (writer stores, any thread reads, relaxed) */
	uint64_t mix_add;    /**< random: the second bucket and signature mix */
	uint64_t mix_mul;    /**< random, odd */
	/* Written by the writer, readable by any thread (relaxed): */
	uint64_t moves;      /**< keys moved to their second bucket to make room */
	uint64_t full;       /**< adds refused: both buckets full, nothing could move */
};

/** Where a key goes: computed once per packet from its hash. */
struct mr_stream_table_pos {
	uint32_t home;
	uint64_t mix;        /**< keyed mix of the hash: the signature, the second bucket */
};

#define MR_STREAM_TABLE_ADDR_MASK ((UINT64_C(1) << 48) - 1)

/** The stream a non-empty slot holds. */
static inline struct mr_stream *
mr_stream_table_slot_stream(uint64_t e)
{
	return (struct mr_stream *)(uintptr_t)(e & MR_STREAM_TABLE_ADDR_MASK);
}

/**
 * Create a table for @p capacity keys, sized so that a full table fills a
 * quarter of its slots (so a key rarely finds both its buckets full).
 *
 * @return 0, -EINVAL (capacity 0 or too large), -ENOMEM.
 */
int mr_stream_table_init(struct mr_stream_table *t, uint32_t capacity, int socket_id);

/** Free the buckets (not the streams). */
void mr_stream_table_fini(struct mr_stream_table *t);

/** The home bucket and the mix of a key with hash @p hash (mr_stream_key_hash()). */
static inline void
mr_stream_table_pos(const struct mr_stream_table *t, uint32_t hash,
		    struct mr_stream_table_pos *p)
{
	p->home = (uint32_t)(((uint64_t)hash * t->n_buckets) >> 32);
	/* multiply-shift: the mixed value's top bits are the well mixed ones */
	p->mix = ((uint64_t)hash + t->mix_add) * t->mix_mul;
}

/** The key's signature in place (signature << 48), as its slots hold it. */
static inline uint64_t
mr_stream_table_tag(const struct mr_stream_table_pos *p)
{
	return p->mix & ~MR_STREAM_TABLE_ADDR_MASK;
}

/** The key's second bucket (never its home): only read when home has spilled keys. */
static inline uint32_t
mr_stream_table_alt(const struct mr_stream_table *t, const struct mr_stream_table_pos *p)
{
	uint32_t alt = (uint32_t)(((p->mix >> 16 & UINT32_MAX) * t->n_buckets) >> 32);

	if (alt != p->home)
		return alt;
	return p->home + 1 == t->n_buckets ? 0 : p->home + 1;
}

/** The home bucket of @p p, to prefetch. */
static inline const void *
mr_stream_table_home(const struct mr_stream_table *t, const struct mr_stream_table_pos *p)
{
	return &t->buckets[p->home];
}

/**
 * The first stream in bucket @p b from slot *@p from on whose signature is
 * @p tag's, or NULL; *@p from moves past it (call again for the next).
 */
static inline struct mr_stream *
mr_stream_table_bucket_match(const struct mr_stream_table_bucket *b, uint64_t tag,
			     unsigned int *from)
{
	unsigned int i;

	for (i = *from; i < MR_STREAM_TABLE_SLOTS; i++) {
		uint64_t e = __atomic_load_n(&b->slot[i], __ATOMIC_ACQUIRE);

		if ((e & ~MR_STREAM_TABLE_ADDR_MASK) == tag && e != 0) {
			*from = i + 1;
			return mr_stream_table_slot_stream(e);
		}
	}
	return NULL;
}

/**
 * The first stream whose signature matches: the key's stream, unless its
 * key differs (a signature collision, about one lookup in 10^4 with seven
 * keys around it; then mr_stream_table_lookup() decides). NULL: not in the
 * table. Readers only read the home line, and the second one when home has
 * spilled keys.
 */
static inline struct mr_stream *
mr_stream_table_candidate(const struct mr_stream_table *t, const struct mr_stream_table_pos *p)
{
	const struct mr_stream_table_bucket *home = &t->buckets[p->home];
	unsigned int i = 0;
	struct mr_stream *st = mr_stream_table_bucket_match(home, mr_stream_table_tag(p), &i);

	if (st != NULL || __atomic_load_n(&home->spilled, __ATOMIC_ACQUIRE) == 0)
		return st;
	i = 0;
	return mr_stream_table_bucket_match(&t->buckets[mr_stream_table_alt(t, p)],
					    mr_stream_table_tag(p), &i);
}

/** The stream of @p key (hash @p hash), comparing keys: NULL if none. */
struct mr_stream *mr_stream_table_lookup(const struct mr_stream_table *t,
					 const struct mr_stream_key *key, uint32_t hash);

/**
 * Add @p st under its key (hash @p hash), which must not be in the table.
 * Writer only. @return 0, -ENOSPC (both buckets full and nothing could
 * move), -EINVAL (an address above 48 bits).
 */
int mr_stream_table_add(struct mr_stream_table *t, struct mr_stream *st, uint32_t hash);

/** Remove @p st (under its key's hash @p hash). Writer only. @return 0, -ENOENT. */
int mr_stream_table_del(struct mr_stream_table *t, const struct mr_stream *st, uint32_t hash);

/**
 * The next stream from position @p pos (start at 0), in bucket order;
 * advances @p pos. Any thread: with a concurrent writer, a stream added,
 * deleted or moved meanwhile may be missed or seen twice.
 *
 * @param budget
 *   NULL, or the slots it may still visit (empty ones count: a sparse
 *   table is not scanned whole in one call); decremented.
 * @return
 *   The stream; NULL at the end (@p pos back to 0) or when @p budget ran
 *   out (@p pos where to go on, *budget 0).
 */
struct mr_stream *mr_stream_table_next(const struct mr_stream_table *t, uint32_t *pos,
				       uint32_t *budget);

#ifdef __cplusplus
}
#endif

#endif /* MR_STREAM_TABLE_H */
