/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_METRICS_H
#define MR_METRICS_H

/**
 * @file
 * Per-lcore counters, and the registry of the drop reasons every library
 * names for itself.
 *
 * Every counter block has exactly one writer, the lcore it belongs to.
 * Writers use mr_counter_add(); readers on other threads (main lcore,
 * telemetry) use mr_counter_read(). Both are relaxed atomics, which on
 * x86-64 and arm64 compile to plain loads and stores: no locked
 * instruction is ever issued on the fast path.
 */

#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_lcore.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @name Drop reasons
 *
 * Why a packet was dropped. Every rte_pktmbuf_free() on the data path is
 * paired with exactly one increment of one reason. A reason is a small
 * integer id that indexes mr_lcore_counters::drops[], so counting one is a
 * single increment at a compile-time offset.
 *
 * Each library names the reasons it counts in its own header, as an
 * X-macro list of X(SYMBOL, "name", "one-line description") turned into
 * an enum of MR_DROP_<SYMBOL> constants. A library's ids start where those
 * of the library below it end (lib/meson.build builds them in that
 * order): metrics, pkt (MR_PKT_DROPS), rtp (MR_RTP_DROPS), transcode
 * (MR_TRANSCODE_DROPS), relay (MR_RELAY_DROPS). At load each library
 * registers its names, its library name and the descriptions
 * (MR_DROP_REGISTER); telemetry, the summary and the tools read them from
 * that registry, never from a header. A library that joins the chain
 * starts at the end of the one before it, and the next one starts at its
 * end; the relay's MR_RELAY_DROP_END is what mrelay checks is all named.
 *
 * A reason belongs to the library that counts it. Only reasons counted by
 * libraries of which none is below the others are here.
 * @{
 */

/** Room in every lcore's drop counters: each id is below this. */
#define MR_DROP_CAPACITY 128
/** Longest name, in bytes ([a-z0-9_], as telemetry exports it). */
#define MR_DROP_NAME_MAX 31
/** Longest description, in bytes (printable ASCII, no quote or backslash). */
#define MR_DROP_DESC_MAX 100

/**
 * A drop reason id: MR_DROP_NONE (0, "not dropped": the result of parse
 * functions, never counted) or one of the MR_DROP_* constants of a
 * library's list, below MR_DROP_CAPACITY.
 */
typedef uint32_t mr_drop_reason_t;

/** One X(sym, name, desc) entry of a drop list as an enumerator. */
#define MR_DROP_ENUM_(sym, name, desc) MR_DROP_##sym,

/** Reasons every layer may count, owned by none of them. */
#define MR_METRICS_DROPS(X) \
	X(MULTISEG, "multiseg", \
	  "packet in a chain of mbufs where one flat segment is needed") \
	X(MBUF_EXHAUSTED, "mbuf_exhausted", \
	  "no mbuf left in the pool for a copy or a new packet") \
	X(SHUTDOWN, "shutdown", \
	  "still queued in a ring or a TX buffer when mrelay shut down")

/** lib/metrics' drop reasons (see MR_METRICS_DROPS). */
enum mr_metrics_drop {
	MR_DROP_NONE = 0,
	MR_METRICS_DROPS(MR_DROP_ENUM_)
	MR_METRICS_DROP_END /**< first id of the next library (lib/pkt) */
};

/** One reason as a library registers it (see MR_DROP_REGISTER). */
struct mr_drop_desc {
	mr_drop_reason_t id; /**< 1 .. MR_DROP_CAPACITY - 1 */
	const char *name;    /**< exported name: [a-z0-9_], unique */
	const char *desc;    /**< one line for operators */
};

/** A registered reason. The strings are the registrant's (static). */
struct mr_drop_info {
	const char *name; /**< exported name */
	const char *lib;  /**< library that counts it, e.g. "pkt" */
	const char *desc; /**< one-line description */
};

/**
 * A registry of drop reasons, indexed by id. The process has one,
 * mr_drop_registry, filled at load by the libraries' constructors; tests
 * may fill registries of their own.
 */
struct mr_drop_registry {
	struct mr_drop_info reason[MR_DROP_CAPACITY]; /**< name NULL: free id */
	mr_drop_reason_t end;  /**< one past the highest id registered */
	unsigned int refused;  /**< registrations refused */
	char error[160];       /**< why the first one was refused */
};

/** The process's drop reasons. Written only before main() (constructors). */
extern struct mr_drop_registry mr_drop_registry;

/**
 * Register a library's drop reasons: all of them or, on any error, none.
 * Not thread-safe: at load or before other threads read @p reg.
 *
 * @param reg
 *   The registry (&mr_drop_registry for the process's).
 * @param lib
 *   The library's name ([a-z0-9_], e.g. "pkt").
 * @param d
 *   The reasons.
 * @param n
 *   Number of entries in @p d (at least 1).
 * @return
 *   0, or on refusal (counted in reg->refused, the first one explained in
 *   reg->error): -EINVAL (NULL, empty or malformed lib, name or
 *   description, or id 0), -ERANGE (an id at or above MR_DROP_CAPACITY),
 *   -EEXIST (an id or a name registered already, or twice in @p d).
 */
int mr_drop_registry_add(struct mr_drop_registry *reg, const char *lib,
			 const struct mr_drop_desc *d, unsigned int n);

/**
 * Check that a registry is whole: nothing refused and every id from 1 to
 * @p end - 1 named (a library whose registration was lost leaves a gap).
 *
 * @param reg
 *   The registry.
 * @param end
 *   One past the highest id the caller counts (its top library's
 *   MR_<LIB>_DROP_END).
 * @param err
 *   Filled with the reason on failure.
 * @param err_len
 *   Size of @p err.
 * @return
 *   0, or -EEXIST (a registration was refused), -ENOENT (an id unnamed).
 */
int mr_drop_registry_check(const struct mr_drop_registry *reg, mr_drop_reason_t end,
			   char *err, size_t err_len);

/** One X(sym, name, desc) entry as a struct mr_drop_desc initialiser. */
#define MR_DROP_DESC_(sym, name, desc) { MR_DROP_##sym, name, desc },

/**
 * Register a library's list (an X-macro such as MR_PKT_DROPS) in the
 * process's registry at load. Put it in a source file that is always
 * linked with the library (one its users call into): a static library's
 * object that nothing references is left out, constructor and all.
 */
#define MR_DROP_REGISTER(lib, list) \
	RTE_INIT(mr_drop_register_##lib) \
	{ \
		static const struct mr_drop_desc descs_[] = { list(MR_DROP_DESC_) }; \
		(void)mr_drop_registry_add(&mr_drop_registry, #lib, descs_, \
					   RTE_DIM(descs_)); \
	}

/**
 * A registered reason of the process.
 *
 * @return
 *   Its name, library and description, or NULL when @p reason is not
 *   registered (MR_DROP_NONE included).
 */
const struct mr_drop_info *mr_drop_reason_info(mr_drop_reason_t reason);

/**
 * Name of a drop reason as exported by telemetry ([a-z0-9_]).
 *
 * @param reason
 *   A drop reason.
 * @return
 *   Its name; "none" for MR_DROP_NONE; "invalid" when not registered.
 */
const char *mr_drop_reason_name(mr_drop_reason_t reason);

/**
 * One past the highest id registered in the process: readers loop over
 * 1 .. end - 1 and skip ids mr_drop_reason_info() does not know.
 */
mr_drop_reason_t mr_drop_reason_end(void);

/**
 * Write every registered reason of the process as one JSON object of
 * columns, the reply of the /mrelay/drop_reasons telemetry command:
 * {"id": [...], "name": [...], "library": [...], "description": [...]}
 * in id order, and a newline.
 *
 * @return
 *   0, or -EIO when writing failed.
 */
int mr_drop_reasons_json(FILE *f);

/** @} */

/** Counters of one lcore. Written only by that lcore. */
struct mr_lcore_counters {
	uint64_t rx_pkts;      /**< packets taken from RX queues or rings */
	uint64_t rx_bursts;    /**< non-empty RX bursts */
	uint64_t tx_pkts;      /**< packets accepted by the PMD */
	uint64_t busy_polls;   /**< poll iterations that found work */
	uint64_t idle_polls;   /**< poll iterations that found none */
	uint64_t busy_cycles;  /**< TSC cycles spent in busy iterations */
	uint64_t idle_cycles;  /**< TSC cycles spent in idle iterations */
	uint64_t rtp_pkts;     /**< valid RTP packets */
	uint64_t rtcp_pkts;    /**< valid RTCP packets */
	uint64_t fwd_clones;   /**< extra copies made for fan-out */
	uint64_t learn_reqs;   /**< streams learned (created by this worker) */
	uint64_t drops[MR_DROP_CAPACITY]; /**< by reason id; [MR_DROP_NONE] unused */
} __rte_cache_aligned;

/** Relaxed single-writer increment: only the owner lcore calls this. */
static inline void
mr_counter_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

/** Read a counter written by another lcore. */
static inline uint64_t
mr_counter_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/** The counters of every lcore, indexed by lcore id. */
extern struct mr_lcore_counters mr_counters[RTE_MAX_LCORE];

/** Counters of the calling lcore (or of the first slot off-lcore). */
static inline struct mr_lcore_counters *
mr_counters_self(void)
{
	unsigned int id = rte_lcore_id();

	return &mr_counters[id < RTE_MAX_LCORE ? id : 0];
}

/**
 * Count one dropped packet on the calling lcore's counters.
 * The caller frees the mbuf.
 */
static inline void
mr_drop_count(struct mr_lcore_counters *c, mr_drop_reason_t reason, uint64_t n)
{
	mr_counter_add(&c->drops[reason], n);
}

/**
 * Sum of one drop reason over all lcores.
 *
 * @param reason
 *   The drop reason.
 * @return
 *   The total, read with relaxed loads (each lcore's value is exact,
 *   the sum is a snapshot).
 */
uint64_t mr_drop_total(mr_drop_reason_t reason);

/** Sum of all drop reasons over all lcores. */
uint64_t mr_drop_total_all(void);

/** Zero every lcore's counters. Only while no lcore is writing them. */
void mr_counters_reset_all(void);

#ifdef __cplusplus
}
#endif

#endif /* MR_METRICS_H */
