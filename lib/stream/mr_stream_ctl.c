/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/* Control-plane helpers over the tables: slot allocation, lookup by name,
 * and deletion of a leg's streams. Main lcore only, like every writer.
 */

#include <errno.h>
#include <string.h>

#include "mr_stream.h"

#define DEL_BATCH 64

int32_t
mr_streams_leg_alloc(const struct mr_streams *s)
{
	uint32_t i;

	if (s->n_legs >= s->legs_max)
		return -ENOSPC;
	for (i = 0; i < s->legs_max; i++)
		if (!s->defs[i].in_use)
			return (int32_t)i;
	return -ENOSPC;
}

int32_t
mr_streams_leg_by_name(const struct mr_streams *s, const char *name)
{
	uint32_t i;

	for (i = 0; i < s->legs_max; i++)
		if (s->defs[i].in_use && strcmp(s->defs[i].name, name) == 0)
			return (int32_t)i;
	return -ENOENT;
}

static bool
leg_in(uint32_t leg, const uint32_t *legs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (legs[i] == leg)
			return true;
	return false;
}

unsigned int
mr_streams_del_by_legs(struct mr_streams *s, const uint32_t *legs, unsigned int n_legs)
{
	struct mr_stream_key victims[DEL_BATCH];
	unsigned int n, i, total = 0;
	uint32_t next = 0;
	const void *key;
	void *data;
	bool more = true;

	/* Deleting leaves the other entries in place, so the cursor stays valid. */
	while (more) {
		n = 0;
		while (n < DEL_BATCH) {
			const struct mr_stream *st;

			if (rte_hash_iterate(s->streams, &key, &data, &next) < 0) {
				more = false;
				break;
			}
			st = data;
			if (leg_in(st->leg_idx, legs, n_legs))
				victims[n++] = st->key;
		}
		for (i = 0; i < n; i++)
			if (mr_streams_del(s, &victims[i]) == 0)
				total++;
	}
	return total;
}
