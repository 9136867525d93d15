/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/* Control-plane helpers over the tables: slot allocation, lookup by name,
 * and deletion of a leg's streams. Main lcore only, like every writer.
 */

#include <errno.h>
#include <string.h>

#include "mr_stream.h"

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

unsigned int
mr_streams_del_by_legs(struct mr_streams *s, const uint32_t *legs, unsigned int n_legs)
{
	unsigned int i, total = 0;

	/* each leg's own list: the streams of other legs are not visited */
	for (i = 0; i < n_legs; i++) {
		struct mr_leg_def *d;

		if (legs[i] >= s->legs_max)
			continue;
		d = &s->defs[legs[i]];
		while (d->streams != NULL) {
			struct mr_stream_key key = d->streams->key;

			if (mr_streams_del(s, &key) != 0)
				break; /* not in the table: the list is wrong; do not loop */
			total++;
		}
	}
	return total;
}
