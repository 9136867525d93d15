/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#include <string.h>

#include "mr_metrics.h"

struct mr_lcore_counters mr_counters[RTE_MAX_LCORE];

static const char *const drop_names[MR_DROP__MAX] = {
#define MR_DROP_NAME_(sym, name) [MR_DROP_##sym] = name,
	MR_DROP_REASONS(MR_DROP_NAME_)
#undef MR_DROP_NAME_
};

const char *
mr_drop_reason_name(enum mr_drop_reason reason)
{
	if ((unsigned int)reason >= MR_DROP__MAX)
		return "invalid";
	return drop_names[reason];
}

uint64_t
mr_drop_total(enum mr_drop_reason reason)
{
	uint64_t sum = 0;
	unsigned int i;

	if ((unsigned int)reason >= MR_DROP__MAX)
		return 0;
	for (i = 0; i < RTE_MAX_LCORE; i++)
		sum += mr_counter_read(&mr_counters[i].drops[reason]);
	return sum;
}

uint64_t
mr_drop_total_all(void)
{
	uint64_t sum = 0;
	unsigned int r;

	for (r = MR_DROP_NONE + 1; r < MR_DROP__MAX; r++)
		sum += mr_drop_total(r);
	return sum;
}

void
mr_counters_reset_all(void)
{
	memset(mr_counters, 0, sizeof(mr_counters));
}
