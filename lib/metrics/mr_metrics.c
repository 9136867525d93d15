/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#include <string.h>

#include "mr_metrics.h"

struct mr_lcore_counters mr_counters[RTE_MAX_LCORE];

uint64_t
mr_drop_total(mr_drop_reason_t reason)
{
	uint64_t sum = 0;
	unsigned int i;

	if (reason >= MR_DROP_CAPACITY)
		return 0;
	for (i = 0; i < RTE_MAX_LCORE; i++)
		sum += mr_counter_read(&mr_counters[i].drops[reason]);
	return sum;
}

uint64_t
mr_drop_total_all(void)
{
	mr_drop_reason_t r, end = mr_drop_reason_end();
	uint64_t sum = 0;

	for (r = MR_DROP_NONE + 1; r < end; r++)
		sum += mr_drop_total(r);
	return sum;
}

void
mr_counters_reset_all(void)
{
	memset(mr_counters, 0, sizeof(mr_counters));
}
