/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_HIST_H
#define MR_HIST_H

/**
 * @file
 * Per-lcore log-linear histograms.
 *
 * Each power of two is split into MR_HIST_SUB linear sub-buckets, so a
 * bucket is at most 1/16 (6.25%) of its lower bound wide; values below
 * 2 * MR_HIST_SUB have one bucket each (exact). The whole uint64_t range
 * fits in MR_HIST_BUCKETS buckets.
 *
 * Every histogram has one writer, the lcore it belongs to, which records
 * with relaxed single-writer stores (no locked instruction): one or, one
 * clz, two shifts and the increments. Readers (telemetry, main lcore)
 * take a snapshot and compute percentiles from it at read time.
 *
 * Recording is switched on and off at run time by mr_hist_enable(); the
 * fast path reads the flag once per burst (mr_hist_on()). The initial
 * state is on unless the environment variable MR_HIST is "0" or "off" at
 * start (used by the cost benchmark).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_lcore.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MR_HIST_SUB_BITS 4
#define MR_HIST_SUB (1u << MR_HIST_SUB_BITS)          /**< sub-buckets per power of two */
/** Buckets: 2 * SUB exact ones, then SUB per power of two from 2^(SUB_BITS+1) to 2^63. */
#define MR_HIST_BUCKETS ((64 - MR_HIST_SUB_BITS + 1) * MR_HIST_SUB)

/** Window over which the poll-loop busy share is computed, in microseconds. */
#define MR_HIST_BUSY_WINDOW_US 1000
/** The stream jitter histogram takes one sample every this many RTP packets of a stream. */
#define MR_HIST_JITTER_EVERY 16

/** Unit of recorded values; telemetry converts TSC cycles to ns. */
enum mr_hist_unit {
	MR_HIST_UNIT_COUNT,   /**< packets, entries */
	MR_HIST_UNIT_TSC,     /**< TSC cycles, exported in ns */
	MR_HIST_UNIT_US,      /**< microseconds */
	MR_HIST_UNIT_PERCENT, /**< 0..100 */
};

/**
 * The measures: symbol, telemetry name ([a-z0-9_]), unit.
 * ring_occupancy and transcode_time are reserved for the transcoder lcores.
 */
#define MR_HIST_MEASURES(X) \
	X(PKT_TIME,       "pkt_time",       MR_HIST_UNIT_TSC) \
	X(RX_BURST,       "rx_burst",       MR_HIST_UNIT_COUNT) \
	X(BUSY_PCT,       "busy_pct",       MR_HIST_UNIT_PERCENT) \
	X(TX_DRAIN_LATE,  "tx_drain_late",  MR_HIST_UNIT_TSC) \
	X(JITTER,         "jitter",         MR_HIST_UNIT_US) \
	X(RING_OCCUPANCY, "ring_occupancy", MR_HIST_UNIT_COUNT) \
	X(TRANSCODE_TIME, "transcode_time", MR_HIST_UNIT_TSC) \
	X(LOOP_TIME,      "loop_time",      MR_HIST_UNIT_TSC)

/** Histogram ids; see MR_HIST_MEASURES. */
enum mr_hist_id {
#define MR_HIST_ENUM_(sym, name, unit) MR_HIST_##sym,
	MR_HIST_MEASURES(MR_HIST_ENUM_)
#undef MR_HIST_ENUM_
	MR_HIST__MAX
};

/** One histogram. Written only by its lcore. */
struct mr_hist {
	uint64_t count;  /**< records; stored (release) after the bucket */
	uint64_t sum;    /**< sum of recorded values (wraps) */
	uint64_t max;    /**< largest recorded value */
	uint64_t buckets[MR_HIST_BUCKETS];
} __rte_cache_aligned;

/** The histograms of one lcore, plus the busy-share window state. */
struct mr_hist_lcore {
	struct mr_hist h[MR_HIST__MAX];
	uint64_t win_start;      /**< TSC at the start of the busy window */
	uint64_t win_busy_start; /**< the lcore's busy_cycles counter then */
} __rte_cache_aligned;

/** Every lcore's histograms, indexed by lcore id (zero: nothing recorded). */
extern struct mr_hist_lcore mr_hists[RTE_MAX_LCORE];

/** Recording switch; read it through mr_hist_on(). */
extern bool mr_hist_enabled;

/** A point-in-time copy of one histogram (or a merge of several). */
struct mr_hist_snap {
	uint64_t count;  /**< sum of the buckets copied */
	uint64_t sum;
	uint64_t max;
	uint64_t buckets[MR_HIST_BUCKETS];
};

/** Bucket index of a value: one or, one clz, two shifts. */
static inline unsigned int
mr_hist_bucket(uint64_t v)
{
	/* exponent of v, at least SUB_BITS so small values map to themselves */
	unsigned int e = 63 - (unsigned int)__builtin_clzll(v | MR_HIST_SUB);
	unsigned int shift = e - MR_HIST_SUB_BITS;

	return (shift << MR_HIST_SUB_BITS) + (unsigned int)(v >> shift);
}

/** Smallest value of bucket @p b (b < MR_HIST_BUCKETS). */
static inline uint64_t
mr_hist_bucket_lo(unsigned int b)
{
	unsigned int shift;

	if (b < 2 * MR_HIST_SUB)
		return b;
	shift = (b >> MR_HIST_SUB_BITS) - 1;
	return (uint64_t)((b & (MR_HIST_SUB - 1)) | MR_HIST_SUB) << shift;
}

/** Largest value of bucket @p b (inclusive). */
static inline uint64_t
mr_hist_bucket_hi(unsigned int b)
{
	if (b < 2 * MR_HIST_SUB)
		return b;
	return mr_hist_bucket_lo(b) + (UINT64_C(1) << ((b >> MR_HIST_SUB_BITS) - 1)) - 1;
}

/** Whether recording is on; the fast path reads it once per burst. */
static inline bool
mr_hist_on(void)
{
	return __atomic_load_n(&mr_hist_enabled, __ATOMIC_RELAXED);
}

/** Histogram @p id of lcore @p lcore_id (both in range). */
static inline struct mr_hist *
mr_hist_get(unsigned int lcore_id, enum mr_hist_id id)
{
	return &mr_hists[lcore_id].h[id];
}

/**
 * Record one value. Only the histogram's lcore calls this: the
 * read-modify-writes are plain loads and stores, made visible with
 * relaxed atomics, the count last with release so that a reader who
 * sees a count also sees the buckets it counts.
 */
static inline void
mr_hist_record(struct mr_hist *h, uint64_t v)
{
	unsigned int b = mr_hist_bucket(v);

	__atomic_store_n(&h->buckets[b],
			 __atomic_load_n(&h->buckets[b], __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&h->sum, __atomic_load_n(&h->sum, __ATOMIC_RELAXED) + v,
			 __ATOMIC_RELAXED);
	if (v > h->max)
		__atomic_store_n(&h->max, v, __ATOMIC_RELAXED);
	__atomic_store_n(&h->count, __atomic_load_n(&h->count, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELEASE);
}

/**
 * Busy-share window of the calling lcore: call once per poll iteration
 * with the TSC and the lcore's busy_cycles counter. When the window
 * (@p window_tsc cycles) has closed, records busy cycles / window cycles
 * in percent into MR_HIST_BUSY_PCT and opens the next window.
 */
static inline void
mr_hist_busy_tick(struct mr_hist_lcore *hl, uint64_t now, uint64_t busy_cycles,
		  uint64_t window_tsc)
{
	uint64_t span = now - hl->win_start;

	if (likely(span < window_tsc))
		return;
	/* a first call (win_start 0) only opens the window */
	if (hl->win_start != 0 && busy_cycles >= hl->win_busy_start)
		mr_hist_record(&hl->h[MR_HIST_BUSY_PCT],
			       RTE_MIN((busy_cycles - hl->win_busy_start) * 100 / span,
				       (uint64_t)100));
	hl->win_start = now;
	hl->win_busy_start = busy_cycles;
}

/**
 * Copy a histogram written by another lcore. The copy's count is the sum
 * of the buckets copied, so percentiles are consistent with it; it lies
 * between the histogram's count before the copy and its count after the
 * copy plus one (the record in flight).
 *
 * @return
 *   0, or -EINVAL on NULL arguments.
 */
int mr_hist_snapshot(const struct mr_hist *h, struct mr_hist_snap *s);

/** Add @p src into @p dst (for sums over lcores). */
void mr_hist_merge(struct mr_hist_snap *dst, const struct mr_hist_snap *src);

/**
 * A percentile of a snapshot (nearest rank: the value at rank
 * ceil(q * count)). Reports the middle of the bucket holding that rank,
 * clamped to the recorded max, so the error is at most half a bucket
 * (3.2% of the value); q >= 1 gives the max.
 *
 * @param q
 *   Quantile in [0, 1], e.g. 0.999.
 * @return
 *   The value, 0 for an empty snapshot.
 */
uint64_t mr_hist_percentile(const struct mr_hist_snap *s, double q);

/** Name of a histogram ([a-z0-9_]), or NULL when out of range. */
const char *mr_hist_name(enum mr_hist_id id);

/** Unit of a histogram. */
enum mr_hist_unit mr_hist_unit_of(enum mr_hist_id id);

/** Unit name as exported ("ns" for TSC), or "invalid". */
const char *mr_hist_unit_name(enum mr_hist_unit unit);

/**
 * Histogram id by name.
 *
 * @return
 *   The id, or -ENOENT.
 */
int mr_hist_lookup(const char *name);

/** Switch recording on or off (takes effect at the next burst). */
void mr_hist_enable(bool on);

/** Zero every histogram. Only while no lcore records. */
void mr_hist_reset_all(void);

#ifdef __cplusplus
}
#endif

#endif /* MR_HIST_H */
