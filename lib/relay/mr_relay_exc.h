/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_RELAY_EXC_H
#define MR_RELAY_EXC_H

/**
 * @file
 * The exception path: frames a worker does not relay but the main lcore
 * answers (ARP, ICMP, ICMPv6: echo requests and neighbour discovery, see
 * lib/neigh) leave the worker over a ring of its own (single producer,
 * single consumer, bounded: a full ring is a counted drop,
 * MR_DROP_EXCEPTION_RING_FULL); the main lcore takes them with
 * mr_relay_exc_poll(). Only ports enabled with mr_relay_exc_port_enable()
 * divert; elsewhere such frames stay drops under their parse reason.
 *
 * The rings are the workers' (mr_worker::exc_ring), the port flags the
 * relay's (mr_relay::exc_port). The worker's process() passes every packet
 * classify() refused to mr_relay_exc_or_drop().
 *
 * (A destination whose port's next hop is not resolved yet is left out of
 * its leg's snapshot and counted per packet as MR_DROP_NEXTHOP_UNRESOLVED:
 * lib/stream, leg publication, and fan_out().)
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "mr_metrics.h"
#include "mr_relay.h"
#include "mr_stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Create one exception ring per worker of @p r (after the workers are
 * added, before they start). Main lcore.
 *
 * @param ring_size
 *   Entries of each ring, a power of 2 (it holds ring_size - 1).
 * @return
 *   0, -EINVAL (bad size), -EEXIST (already set up), -ENOMEM.
 */
int mr_relay_exc_setup(struct mr_relay *r, uint32_t ring_size);

/** Divert the exception frames received on @p port_id (before the workers start). */
void mr_relay_exc_port_enable(struct mr_relay *r, uint16_t port_id);

/**
 * Main lcore: take up to @p max exception frames from the workers' rings,
 * a fair share of each. The caller owns them (m->port is the input port).
 *
 * @return
 *   Frames put in @p pkts.
 */
unsigned int mr_relay_exc_poll(struct mr_relay *r, struct rte_mbuf **pkts, unsigned int max);

/**
 * After the workers returned: free what the rings still hold (counted as
 * MR_DROP_SHUTDOWN on the calling lcore), the rings, and forget the ports.
 * mr_relay_free() does it too.
 */
void mr_relay_exc_free(struct mr_relay *r);

/**
 * Worker, for a packet classify() refused with @p reason: hand an
 * exception frame to the main lcore, or free it and count it (under
 * @p reason, or MR_DROP_EXCEPTION_RING_FULL). Consumes @p m.
 */
void mr_relay_exc_or_drop(struct mr_worker *w, struct rte_mbuf *m, mr_drop_reason_t reason);

#ifdef __cplusplus
}
#endif

#endif /* MR_RELAY_EXC_H */
