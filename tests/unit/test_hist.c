/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "mr_test.h"
#include "mr_hist.h"

#define N_SAMPLES 200000

static struct mr_hist test_h;
static struct mr_hist_snap snap_a, snap_b;
static uint64_t samples[N_SAMPLES];

/* Deterministic 64-bit generator (splitmix64), independent of libc. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Bucket mapping: exact small values, powers of two, contiguity, the ends. */
static int
test_hist_boundaries(void)
{
	unsigned int b, k;

	MR_TEST_EQ(mr_hist_bucket(0), 0);
	MR_TEST_EQ(mr_hist_bucket(1), 1);
	MR_TEST_EQ(mr_hist_bucket(31), 31);
	MR_TEST_EQ(mr_hist_bucket(32), 32);
	MR_TEST_EQ(mr_hist_bucket(33), 32);
	MR_TEST_EQ(mr_hist_bucket(34), 33);
	/* 1000 = 0b1111101000: exponent 9, top five bits 11111 -> 5 * 16 + 31 */
	MR_TEST_EQ(mr_hist_bucket(1000), 111);
	MR_TEST_EQ(mr_hist_bucket_lo(111), 992);
	MR_TEST_EQ(mr_hist_bucket_hi(111), 1023);
	MR_TEST_EQ(mr_hist_bucket(UINT64_MAX), MR_HIST_BUCKETS - 1);
	MR_TEST_EQ(MR_HIST_BUCKETS, 976);
	MR_TEST_ASSERT(mr_hist_bucket_hi(MR_HIST_BUCKETS - 1) == UINT64_MAX, "top");
	MR_TEST_ASSERT(mr_hist_bucket_lo(MR_HIST_BUCKETS - 1) == UINT64_C(31) << 59, "top lo");

	for (k = 0; k < 64; k++) {
		uint64_t p = UINT64_C(1) << k;

		b = mr_hist_bucket(p);
		MR_TEST_ASSERT(mr_hist_bucket_lo(b) == p, "2^%u starts its bucket", k);
		if (k > 0)
			MR_TEST_EQ(mr_hist_bucket(p - 1), b - 1);
		MR_TEST_EQ(mr_hist_bucket(p + p / 2), k < 1 ? 1 : b + (k >= 4 ? 8 : p / 2));
	}
	for (b = 0; b < MR_HIST_BUCKETS; b++) {
		uint64_t lo = mr_hist_bucket_lo(b), hi = mr_hist_bucket_hi(b);

		MR_TEST_ASSERT(lo <= hi, "bucket %u", b);
		MR_TEST_EQ(mr_hist_bucket(lo), b);
		MR_TEST_EQ(mr_hist_bucket(hi), b);
		if (b + 1 < MR_HIST_BUCKETS)
			MR_TEST_ASSERT(mr_hist_bucket_lo(b + 1) == hi + 1, "gap after %u", b);
		/* width at most 1/16 of the lower bound: <= 6.25% relative error */
		if (b >= 2 * MR_HIST_SUB)
			MR_TEST_ASSERT((hi - lo + 1) * 16 <= lo, "bucket %u too wide", b);
		else
			MR_TEST_ASSERT(lo == hi, "small bucket %u exact", b);
	}
	return 0;
}

/*
 * Record samples[0..n), compare every percentile with the exact
 * nearest-rank one of the sorted array. The histogram promises half a
 * bucket (<= 1/32 of the value); the requirement is 12.5%.
 */
static int
check_distribution(const char *what, unsigned int n)
{
	static const double qs[] = {0.0, 0.5, 0.9, 0.99, 0.999, 1.0};
	uint64_t sum = 0;
	double worst = 0;
	unsigned int i;

	memset(&test_h, 0, sizeof(test_h));
	for (i = 0; i < n; i++) {
		mr_hist_record(&test_h, samples[i]);
		sum += samples[i];
	}
	MR_TEST_EQ(mr_hist_snapshot(&test_h, &snap_a), 0);
	MR_TEST_EQ(snap_a.count, n);
	MR_TEST_ASSERT(snap_a.sum == sum, "%s sum", what);
	qsort(samples, n, sizeof(samples[0]), cmp_u64);
	MR_TEST_ASSERT(snap_a.max == samples[n - 1], "%s max", what);
	for (i = 0; i < RTE_DIM(qs); i++) {
		uint64_t rank = (uint64_t)ceil(qs[i] * n);
		uint64_t exact = samples[(rank == 0 ? 1 : rank) - 1];
		uint64_t got = mr_hist_percentile(&snap_a, qs[i]);
		double err = exact == 0 ? (double)got :
			fabs((double)got - (double)exact) / (double)exact;

		MR_TEST_ASSERT(err <= 1.0 / 32 + 1e-12, "%s q=%g: %lu vs exact %lu (%.2f%%)",
			       what, qs[i], (unsigned long)got, (unsigned long)exact, err * 100);
		MR_TEST_ASSERT(err <= 0.125, "%s q=%g over 12.5%%", what, qs[i]);
		if (err > worst)
			worst = err;
	}
	printf("  %s: worst percentile error %.3f%%\n", what, worst * 100);
	return 0;
}

static int
test_hist_accuracy(void)
{
	uint64_t s = 42;
	unsigned int i;

	for (i = 0; i < N_SAMPLES; i++)
		samples[i] = rng_next(&s) % 1000000;
	if (check_distribution("uniform [0,1e6)", N_SAMPLES) != 0)
		return -1;

	for (i = 0; i < N_SAMPLES; i++) {
		/* 53 random bits in (0, 1] */
		double u = ((double)(rng_next(&s) >> 11) + 1.0) / 9007199254740992.0;

		samples[i] = (uint64_t)(-log(u) * 20000.0);
	}
	if (check_distribution("exponential mean 2e4", N_SAMPLES) != 0)
		return -1;

	for (i = 0; i < N_SAMPLES; i++)
		samples[i] = 12345;
	if (check_distribution("point mass 12345", N_SAMPLES) != 0)
		return -1;
	/* a point mass is reported exactly at every percentile (max clamps) */
	MR_TEST_EQ(mr_hist_percentile(&snap_a, 0.5), 12345);
	MR_TEST_EQ(mr_hist_percentile(&snap_a, 0.999), 12345);

	/* wide range including the ends of uint64_t */
	for (i = 0; i < N_SAMPLES; i++)
		samples[i] = rng_next(&s) >> (rng_next(&s) % 64);
	samples[0] = 0;
	samples[1] = UINT64_MAX;
	return check_distribution("log-uniform over uint64", N_SAMPLES);
}

/* Merge of two halves equals recording everything in one histogram. */
static int
test_hist_merge(void)
{
	static struct mr_hist h1, h2;
	uint64_t s = 7;
	unsigned int i;

	memset(&h1, 0, sizeof(h1));
	memset(&h2, 0, sizeof(h2));
	memset(&test_h, 0, sizeof(test_h));
	for (i = 0; i < 10000; i++) {
		uint64_t v = rng_next(&s) % 5000;

		mr_hist_record(i & 1 ? &h1 : &h2, v);
		mr_hist_record(&test_h, v);
	}
	mr_hist_record(&h2, 99999);
	mr_hist_record(&test_h, 99999);
	MR_TEST_EQ(mr_hist_snapshot(&h1, &snap_a), 0);
	MR_TEST_EQ(mr_hist_snapshot(&h2, &snap_b), 0);
	mr_hist_merge(&snap_a, &snap_b);
	MR_TEST_EQ(mr_hist_snapshot(&test_h, &snap_b), 0);
	MR_TEST_EQ(snap_a.count, 10001);
	MR_TEST_EQ(snap_a.max, 99999);
	MR_TEST_ASSERT(snap_a.sum == snap_b.sum, "sum");
	MR_TEST_ASSERT(memcmp(snap_a.buckets, snap_b.buckets, sizeof(snap_a.buckets)) == 0,
		       "buckets");
	MR_TEST_EQ(mr_hist_percentile(&snap_a, 0.99), mr_hist_percentile(&snap_b, 0.99));
	MR_TEST_EQ(mr_hist_snapshot(NULL, &snap_a), -EINVAL);
	memset(&snap_b, 0, sizeof(snap_b));
	MR_TEST_EQ(mr_hist_percentile(&snap_b, 0.5), 0);
	return 0;
}

/* Busy share: a window opens, closes after window_tsc, records percent. */
static int
test_hist_busy_window(void)
{
	static struct mr_hist_lcore hl;
	struct mr_hist *h = &hl.h[MR_HIST_BUSY_PCT];

	memset(&hl, 0, sizeof(hl));
	mr_hist_busy_tick(&hl, 5000, 100, 1000);   /* opens only */
	MR_TEST_EQ(h->count, 0);
	mr_hist_busy_tick(&hl, 5500, 300, 1000);   /* still open */
	MR_TEST_EQ(h->count, 0);
	mr_hist_busy_tick(&hl, 6000, 350, 1000);   /* 250 of 1000 cycles busy */
	MR_TEST_EQ(h->count, 1);
	MR_TEST_EQ(h->buckets[25], 1);
	mr_hist_busy_tick(&hl, 8000, 2350, 1000);  /* 2000 of 2000: 100% */
	MR_TEST_EQ(h->buckets[mr_hist_bucket(100)], 1);
	MR_TEST_EQ(h->max, 100);
	MR_TEST_EQ(h->count, 2);
	return 0;
}

static int
test_hist_names(void)
{
	unsigned int i, j;

	MR_TEST_EQ(mr_hist_lookup("jitter"), MR_HIST_JITTER);
	MR_TEST_EQ(mr_hist_lookup("pkt_time"), MR_HIST_PKT_TIME);
	MR_TEST_EQ(mr_hist_lookup("ring_occupancy"), MR_HIST_RING_OCCUPANCY);
	MR_TEST_EQ(mr_hist_lookup("transcode_time"), MR_HIST_TRANSCODE_TIME);
	MR_TEST_EQ(mr_hist_lookup("loop_time"), MR_HIST_LOOP_TIME);
	MR_TEST_EQ(mr_hist_lookup("nope"), -ENOENT);
	MR_TEST_EQ(mr_hist_lookup(NULL), -ENOENT);
	MR_TEST_ASSERT(mr_hist_name(MR_HIST__MAX) == NULL, "range");
	MR_TEST_ASSERT(strcmp(mr_hist_unit_name(mr_hist_unit_of(MR_HIST_PKT_TIME)), "ns") == 0,
		       "pkt_time in ns");
	MR_TEST_ASSERT(strcmp(mr_hist_unit_name(mr_hist_unit_of(MR_HIST_JITTER)), "us") == 0,
		       "jitter in us");
	for (i = 0; i < MR_HIST__MAX; i++) {
		const char *n = mr_hist_name(i);

		MR_TEST_EQ(strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_"), strlen(n));
		for (j = 0; j < i; j++)
			MR_TEST_ASSERT(strcmp(n, mr_hist_name(j)) != 0, "dup %s", n);
	}
	return 0;
}

/*
 * Cost of one record, printed (not asserted: machines differ): a loop
 * that records a varying value, minus the same loop that only sums it.
 */
static int
test_hist_cost(void)
{
	const unsigned int n = 10000000;
	uint64_t t0, t1, t2, v = 1, acc = 0;
	double base, rec, hz = (double)rte_get_tsc_hz();
	unsigned int i;

	memset(&test_h, 0, sizeof(test_h));
	t0 = rte_rdtsc();
	for (i = 0; i < n; i++) {
		v ^= v << 13;
		v ^= v >> 7;
		v ^= v << 17;
		acc += (v & 0xffff) + 3;
		__asm__ volatile("" : : "r"(acc) : "memory");
	}
	t1 = rte_rdtsc();
	for (i = 0; i < n; i++) {
		v ^= v << 13;
		v ^= v >> 7;
		v ^= v << 17;
		mr_hist_record(&test_h, (v & 0xffff) + 3);
	}
	t2 = rte_rdtsc();
	MR_TEST_EQ(test_h.count, n);
	MR_TEST_ASSERT(acc != 0, "sink");
	base = (double)(t1 - t0) / n;
	rec = (double)(t2 - t1) / n;
	printf("  record cost: %.2f TSC cycles = %.2f ns (loop %.2f ns, record loop %.2f ns), tsc %.0f Hz\n",
	       rec - base, (rec - base) * 1e9 / hz, base * 1e9 / hz, rec * 1e9 / hz, hz);
	return 0;
}

#define WRITER_RECORDS 3000000
static volatile int writer_done;

static int
writer_main(void *arg)
{
	struct mr_hist *h = arg;
	uint64_t s = 99;
	unsigned int i;

	for (i = 0; i < WRITER_RECORDS; i++)
		mr_hist_record(h, rng_next(&s) % 100000);
	__atomic_store_n(&writer_done, 1, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Snapshots while lcore 1 records: counts and buckets never go back, and
 * each snapshot's bucket sum lies between the count before and the count
 * after the copy plus the one record in flight.
 */
static int
test_hist_concurrent(void)
{
	struct mr_hist *h = mr_hist_get(1, MR_HIST_PKT_TIME);
	unsigned int rounds = 0, b, i;
	uint64_t s = 99, sum = 0;

	if (!rte_lcore_is_enabled(1))
		MR_TEST_SKIP("needs EAL lcore 1 for the writer");
	memset(h, 0, sizeof(*h));
	memset(&snap_b, 0, sizeof(snap_b));
	writer_done = 0;
	if (rte_eal_remote_launch(writer_main, h, 1) != 0)
		return -1;
	while (!__atomic_load_n(&writer_done, __ATOMIC_ACQUIRE)) {
		uint64_t before = __atomic_load_n(&h->count, __ATOMIC_ACQUIRE), after;

		mr_hist_snapshot(h, &snap_a);
		after = __atomic_load_n(&h->count, __ATOMIC_ACQUIRE);
		MR_TEST_ASSERT(snap_a.count >= before && snap_a.count <= after + 1,
			       "torn: %lu not in [%lu, %lu + 1]", (unsigned long)snap_a.count,
			       (unsigned long)before, (unsigned long)after);
		MR_TEST_ASSERT(snap_a.count >= snap_b.count, "count went back");
		for (b = 0; b < MR_HIST_BUCKETS; b++)
			MR_TEST_ASSERT(snap_a.buckets[b] >= snap_b.buckets[b], "bucket %u went back", b);
		snap_b = snap_a;
		rounds++;
	}
	rte_eal_wait_lcore(1);
	mr_hist_snapshot(h, &snap_a);
	MR_TEST_EQ(snap_a.count, WRITER_RECORDS);
	for (i = 0; i < WRITER_RECORDS; i++)
		sum += rng_next(&s) % 100000;
	MR_TEST_ASSERT(snap_a.sum == sum, "sum");
	printf("  %u snapshots taken while the writer ran\n", rounds);
	MR_TEST_ASSERT(rounds > 0, "no snapshot overlapped the writer");
	memset(h, 0, sizeof(*h));
	return 0;
}

MR_REGISTER_TEST(hist, boundaries, test_hist_boundaries)
MR_REGISTER_TEST(hist, accuracy, test_hist_accuracy)
MR_REGISTER_TEST(hist, merge, test_hist_merge)
MR_REGISTER_TEST(hist, busy_window, test_hist_busy_window)
MR_REGISTER_TEST(hist, names, test_hist_names)
MR_REGISTER_EAL_TEST(hist, cost, test_hist_cost)
MR_REGISTER_EAL_TEST(hist, concurrent, test_hist_concurrent)
