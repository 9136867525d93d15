/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_UNMAP_GUARD_H
#define MR_UNMAP_GUARD_H

/**
 * @file
 * Keep a PMD from unmapping shared memory under the datapath lcores.
 *
 * While armed, a munmap() made on EAL's interrupt thread (where net_memif
 * tears a connection down when its peer goes away) first waits for one
 * RCU QSBR grace period on the given QS variable, on which every worker
 * and transcoder lcore reports a quiescent state once per poll-loop pass.
 * See unmap_guard.c for why this is enough for net_memif.
 */

#include <rte_rcu_qsbr.h>

/**
 * Arm the guard. Call once the datapath lcores are launched.
 *
 * @param v
 *   The QS variable the workers and transcoders report on.
 */
void mr_unmap_guard_arm(struct rte_rcu_qsbr *v);

/**
 * Disarm the guard and wait until no munmap() is inside a grace period.
 * Call after the datapath lcores stopped and before v is freed.
 */
void mr_unmap_guard_disarm(void);

/**
 * Register the telemetry command /mrelay/unmap_guard (armed, waits,
 * wait_ns_last, wait_ns_max), so a peer loss the guard absorbed is seen.
 *
 * @return
 *   0, or a negative errno from rte_telemetry_register_cmd().
 */
int mr_unmap_guard_telemetry_register(void);

#endif /* MR_UNMAP_GUARD_H */
