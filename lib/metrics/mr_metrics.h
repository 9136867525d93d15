/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_METRICS_H
#define MR_METRICS_H

/**
 * @file
 * Per-lcore counters and named drop reasons.
 *
 * Every counter block has exactly one writer, the lcore it belongs to.
 * Writers use mr_counter_add(); readers on other threads (main lcore,
 * telemetry) use mr_counter_read(). Both are relaxed atomics, which on
 * x86-64 and arm64 compile to plain loads and stores: no locked
 * instruction is ever issued on the fast path.
 */

#include <stdint.h>

#include <rte_common.h>
#include <rte_lcore.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Why a packet was dropped. Every rte_pktmbuf_free() on the data path is
 * paired with exactly one increment of one of these. MR_DROP_NONE is the
 * "not dropped" result of parse functions and is never counted.
 */
#define MR_DROP_REASONS(X) \
	X(NONE,              "none") \
	X(RUNT,              "runt") \
	X(MULTISEG,          "multiseg") \
	X(NOT_IP,            "not_ip") \
	X(VLAN,              "vlan") \
	X(IPV4_HDR,          "ipv4_hdr") \
	X(IPV4_CKSUM,        "ipv4_cksum") \
	X(IPV6_HDR,          "ipv6_hdr") \
	X(IPV6_EXT,          "ipv6_ext") \
	X(IP_FRAGMENT,       "ip_fragment") \
	X(NOT_UDP,           "not_udp") \
	X(UDP_HDR,           "udp_hdr") \
	X(L4_CKSUM,          "l4_cksum") \
	X(PORT_UNUSED,       "port_unused") \
	X(RTP_TRUNCATED,     "rtp_truncated") \
	X(RTP_VERSION,       "rtp_version") \
	X(RTP_CSRC,          "rtp_csrc") \
	X(RTP_EXTENSION,     "rtp_extension") \
	X(RTP_PADDING,       "rtp_padding") \
	X(RTCP_MALFORMED,    "rtcp_malformed") \
	X(NO_LEG,            "no_leg") \
	X(SOURCE_MISMATCH,   "source_mismatch") \
	X(LEG_STREAM_LIMIT,  "leg_stream_limit") \
	X(LEG_NEW_STREAM_RATE, "leg_new_stream_rate") \
	X(LEG_BUSY,          "leg_busy") \
	X(LATCH_RING_FULL,   "latch_ring_full") \
	X(STREAMS_MAX,       "streams_max") \
	X(STREAM_TABLE_FULL, "stream_table_full") \
	X(WRONG_WORKER,      "wrong_worker") \
	X(DISPATCH_RING_FULL, "dispatch_ring_full") \
	X(NO_DEST,           "no_dest") \
	X(MBUF_EXHAUSTED,    "mbuf_exhausted") \
	X(NO_HEADROOM,       "no_headroom") \
	X(OVERSIZE,          "oversize") \
	X(TX_FULL,           "tx_full") \
	X(PORT_PAUSED,       "port_paused") \
	X(SHUTDOWN,          "shutdown") \
	X(TRANSCODE_RING_FULL, "transcode_ring_full") \
	X(TRANSCODE_LATE,    "transcode_late") \
	X(TRANSCODE_NO_CHANNEL, "transcode_no_channel") \
	X(TRANSCODE_STALE,   "transcode_stale") \
	X(TRANSCODE_BAD_PT,  "transcode_bad_pt")

/** Drop reasons; see MR_DROP_REASONS. */
enum mr_drop_reason {
#define MR_DROP_ENUM_(sym, name) MR_DROP_##sym,
	MR_DROP_REASONS(MR_DROP_ENUM_)
#undef MR_DROP_ENUM_
	MR_DROP__MAX
};

/**
 * Name of a drop reason as exported by telemetry ([a-z0-9_]).
 *
 * @param reason
 *   A drop reason.
 * @return
 *   Its name, or "invalid" when out of range.
 */
const char *mr_drop_reason_name(enum mr_drop_reason reason);

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
	uint64_t drops[MR_DROP__MAX]; /**< per reason; [MR_DROP_NONE] unused */
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
mr_drop_count(struct mr_lcore_counters *c, enum mr_drop_reason reason, uint64_t n)
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
uint64_t mr_drop_total(enum mr_drop_reason reason);

/** Sum of all drop reasons over all lcores. */
uint64_t mr_drop_total_all(void);

/** Zero every lcore's counters. Only while no lcore is writing them. */
void mr_counters_reset_all(void);

#ifdef __cplusplus
}
#endif

#endif /* MR_METRICS_H */
