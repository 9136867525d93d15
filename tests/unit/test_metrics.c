/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#include <string.h>

#include "mr_test.h"
#include "mr_metrics.h"

/* Every reason has a distinct telemetry-safe name. */
static int
test_metrics_names(void)
{
	unsigned int i, j;

	MR_TEST_ASSERT(strcmp(mr_drop_reason_name(MR_DROP_SOURCE_MISMATCH),
			      "source_mismatch") == 0, "name");
	MR_TEST_ASSERT(strcmp(mr_drop_reason_name(MR_DROP__MAX), "invalid") == 0, "range");
	for (i = 0; i < MR_DROP__MAX; i++) {
		const char *n = mr_drop_reason_name(i);

		MR_TEST_ASSERT(n != NULL && n[0] != '\0', "reason %u unnamed", i);
		MR_TEST_EQ(strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_"), strlen(n));
		for (j = 0; j < i; j++)
			MR_TEST_ASSERT(strcmp(n, mr_drop_reason_name(j)) != 0, "dup %s", n);
	}
	return 0;
}

/* Totals add up across lcores; reset clears them. */
static int
test_metrics_totals(void)
{
	mr_counters_reset_all();
	mr_drop_count(&mr_counters[1], MR_DROP_NO_LEG, 3);
	mr_drop_count(&mr_counters[7], MR_DROP_NO_LEG, 4);
	mr_drop_count(&mr_counters[7], MR_DROP_TX_FULL, 5);
	MR_TEST_EQ(mr_drop_total(MR_DROP_NO_LEG), 7);
	MR_TEST_EQ(mr_drop_total(MR_DROP_TX_FULL), 5);
	MR_TEST_EQ(mr_drop_total_all(), 12);
	MR_TEST_EQ(mr_drop_total(MR_DROP__MAX), 0);
	mr_counters_reset_all();
	MR_TEST_EQ(mr_drop_total_all(), 0);
	return 0;
}

MR_REGISTER_TEST(metrics, names, test_metrics_names)
MR_REGISTER_TEST(metrics, totals, test_metrics_totals)
