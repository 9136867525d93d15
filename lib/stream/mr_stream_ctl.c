/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/* Control-plane helpers over the tables: slot allocation, lookup by name.
 * Main lcore only, like every writer of legs.
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
	/* a slot whose previous leg's streams are still going is not free yet */
	for (i = 0; i < s->legs_max; i++)
		if (!s->defs[i].in_use &&
		    __atomic_load_n(&s->rt[i].owner, __ATOMIC_ACQUIRE) == MR_STREAM_OWNER_NONE)
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
