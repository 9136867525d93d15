/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mr_hist.h"

struct mr_hist_lcore mr_hists[RTE_MAX_LCORE];
bool mr_hist_enabled = true;

static const char *const hist_names[MR_HIST__MAX] = {
#define MR_HIST_NAME_(sym, name, unit) [MR_HIST_##sym] = name,
	MR_HIST_MEASURES(MR_HIST_NAME_)
#undef MR_HIST_NAME_
};

static const enum mr_hist_unit hist_units[MR_HIST__MAX] = {
#define MR_HIST_UNIT_(sym, name, unit) [MR_HIST_##sym] = unit,
	MR_HIST_MEASURES(MR_HIST_UNIT_)
#undef MR_HIST_UNIT_
};

/* The benchmark compares runs with and without recording, same binary. */
RTE_INIT(mr_hist_env)
{
	const char *e = getenv("MR_HIST");

	if (e != NULL && (strcmp(e, "0") == 0 || strcmp(e, "off") == 0))
		mr_hist_enabled = false;
}

int
mr_hist_snapshot(const struct mr_hist *h, struct mr_hist_snap *s)
{
	uint64_t total = 0;
	unsigned int b;

	if (h == NULL || s == NULL)
		return -EINVAL;
	/* pairs with the writer's release of count: buckets it counts are seen */
	(void)__atomic_load_n(&h->count, __ATOMIC_ACQUIRE);
	for (b = 0; b < MR_HIST_BUCKETS; b++) {
		s->buckets[b] = __atomic_load_n(&h->buckets[b], __ATOMIC_RELAXED);
		total += s->buckets[b];
	}
	s->sum = __atomic_load_n(&h->sum, __ATOMIC_RELAXED);
	s->max = __atomic_load_n(&h->max, __ATOMIC_RELAXED);
	s->count = total;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return 0;
}

void
mr_hist_merge(struct mr_hist_snap *dst, const struct mr_hist_snap *src)
{
	unsigned int b;

	for (b = 0; b < MR_HIST_BUCKETS; b++)
		dst->buckets[b] += src->buckets[b];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t
mr_hist_percentile(const struct mr_hist_snap *s, double q)
{
	uint64_t rank, cum = 0, lo, hi, mid;
	double r;
	unsigned int b;

	if (s->count == 0)
		return 0;
	if (!(q < 1.0))
		return s->max;
	if (q < 0.0)
		q = 0.0;
	r = q * (double)s->count;
	rank = (uint64_t)r;
	if ((double)rank < r)
		rank++;
	if (rank == 0)
		rank = 1;
	for (b = 0; b < MR_HIST_BUCKETS; b++) {
		cum += s->buckets[b];
		if (cum >= rank)
			break;
	}
	if (b == MR_HIST_BUCKETS)
		return s->max;
	lo = mr_hist_bucket_lo(b);
	hi = mr_hist_bucket_hi(b);
	mid = lo + (hi - lo) / 2;
	/* max is exact, and a snapshot may hold a record max does not show yet */
	if (mid > s->max && s->max >= lo)
		mid = s->max;
	return mid;
}

const char *
mr_hist_name(enum mr_hist_id id)
{
	if ((unsigned int)id >= MR_HIST__MAX)
		return NULL;
	return hist_names[id];
}

enum mr_hist_unit
mr_hist_unit_of(enum mr_hist_id id)
{
	if ((unsigned int)id >= MR_HIST__MAX)
		return MR_HIST_UNIT_COUNT;
	return hist_units[id];
}

const char *
mr_hist_unit_name(enum mr_hist_unit unit)
{
	switch (unit) {
	case MR_HIST_UNIT_COUNT:
		return "count";
	case MR_HIST_UNIT_TSC:
		return "ns";
	case MR_HIST_UNIT_US:
		return "us";
	case MR_HIST_UNIT_PERCENT:
		return "percent";
	}
	return "invalid";
}

int
mr_hist_lookup(const char *name)
{
	unsigned int i;

	if (name == NULL)
		return -ENOENT;
	for (i = 0; i < MR_HIST__MAX; i++)
		if (strcmp(name, hist_names[i]) == 0)
			return (int)i;
	return -ENOENT;
}

void
mr_hist_enable(bool on)
{
	__atomic_store_n(&mr_hist_enabled, on, __ATOMIC_RELAXED);
}

void
mr_hist_reset_all(void)
{
	memset(mr_hists, 0, sizeof(mr_hists));
}
