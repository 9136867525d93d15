/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_CTL_H
#define MR_CTL_H

/**
 * @file
 * Telemetry commands under /mrelay/: reads (info, lcores, ports, drops,
 * mempools, legs, leg, streams, stream, profiles, transcoders) and the
 * control plane (leg_add, leg_update, leg_delete, session_delete,
 * dest_add, dest_delete, counters_reset, profile_set). docs/telemetry.md
 * lists them.
 *
 * Threads: the callbacks run on DPDK's telemetry threads. They are
 * serialised by one mutex (DPDK 22.11 parses commands with strtok, and
 * the reader below has one RCU thread id). Reads go online on the tables'
 * QSBR variable as thread id MR_CTL_RCU_ID for the duration of a reply.
 * Control commands are validated on the telemetry thread, then passed to
 * the main lcore over an MP/SC ring; the main lcore applies them in
 * mr_ctl_poll() (it is the tables' only writer) and completes the
 * request; the callback waits at most MR_CTL_TIMEOUT_MS for it.
 */

#include <stdint.h>

#include <rte_mempool.h>

#include "mr_relay.h"
#include "mr_session.h"
#include "mr_stream.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MR_CTL_RCU_ID (RTE_MAX_LCORE - 1) /**< QSBR thread id of the telemetry reader */
#define MR_CTL_TIMEOUT_MS 2000            /**< how long a control command waits */
#define MR_CTL_MAX_POOLS 4

/** What the commands report on and act upon; all outlive the object. */
/** Settings /mrelay/info reports (the daemon's, as it started). */
struct mr_ctl_info {
	uint32_t mbufs;
	uint32_t stream_idle_ms;
	uint32_t tx_drain_us;
	uint32_t leg_streams_max;
	uint32_t leg_new_streams_per_s;
	uint32_t stats_interval_ms;
};

struct mr_ctl_params {
	struct mr_streams *streams;
	struct mr_relay *relay;
	struct mr_sessions *sessions;  /**< every change goes through the model */
	struct mr_ctl_info info;
	struct rte_mempool *pools[MR_CTL_MAX_POOLS]; /**< reported by /mrelay/mempools */
	unsigned int n_pools;
};

struct mr_ctl;

/**
 * Create the control object and register the /mrelay/ commands (once per
 * process). Main lcore, after the legs are loaded.
 *
 * @return
 *   The object, or NULL with rte_errno set (EINVAL, EEXIST: one exists
 *   already, EBUSY: lcore MR_CTL_RCU_ID is an EAL lcore, ENOMEM).
 */
struct mr_ctl *mr_ctl_create(const struct mr_ctl_params *p);

/**
 * Apply the pending control messages. Main lcore, once per loop pass.
 *
 * @param now
 *   rte_rdtsc() of the pass (drives the busy-share sampling).
 * @return
 *   Messages applied (0: nothing to do).
 */
unsigned int mr_ctl_poll(struct mr_ctl *ctl, uint64_t now);

/**
 * Stop answering (later commands get an error), fail the pending
 * messages, and free the object. Main lcore, before the tables are freed.
 */
void mr_ctl_destroy(struct mr_ctl *ctl);

/**
 * Register /mrelay/hist and /mrelay/hist_list (lib/ctl/mr_ctl_hist.c,
 * built when present). Called by mr_ctl_create().
 *
 * @return
 *   0 or a negative errno.
 */
int mr_ctl_hist_register(void);

#ifdef __cplusplus
}
#endif

#endif /* MR_CTL_H */
