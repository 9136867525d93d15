/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_RELAY_QUIC_H
#define MR_RELAY_QUIC_H

/**
 * @file
 * QUIC endpoints in the workers, and RTP over QUIC legs.
 *
 * A QUIC endpoint is a local address and UDP port (outside the RTP port
 * range) on one of the relay's ports, with a lib/quic endpoint
 * (certificate, ALPN, CID format with one owner per worker). Every worker
 * has a server of it (mr_quic_server): worker k owns the connections
 * whose CIDs carry owner k. A datagram to the endpoint goes to the owner
 * its DCID names (mr_quic_route()); a new connection's Initial stays on
 * the worker the endpoint's packets are steered to (the one that receives
 * them, or the endpoint's worker when the port dispatches in software),
 * so while steering puts an endpoint on one worker all its connections
 * live there, and CIDs already name their owner for a spread later.
 * Packets for another owner cross over that worker's QUIC ring.
 *
 * A RoQ leg (session model: quic = NAME, flow = ID) has a made-up local
 * endpoint (mr_roq_addr.h); RTP and RTCP from its DATAGRAM frames enter
 * the worker's burst path as frames to that endpoint, from the
 * connection's made-up endpoint, which the leg latches to until the
 * connection closes (then it is unlatched, for the next one; a new
 * connection's frames wait for that a moment, up to 50 ms). RTP
 * forwarded to a RoQ leg leaves in a DATAGRAM frame on that connection,
 * written by the worker owning it.
 *
 * Nothing on this path makes a system call or blocks; timers come from
 * the worker's TSC. New connections (whose first Initial costs a TLS
 * handshake, an ECDSA signature) are taken at most handshakes_per_poll a
 * loop pass, the others wait in a queue, so that handshakes cannot stall
 * RTP forwarding on the worker.
 */

#include <stdbool.h>
#include <stdint.h>

#include "mr_quic_conn.h"
#include "mr_relay.h"
#include "mr_relay_quic_drops.h"
#include "mr_roq_addr.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Connections and RTP of one QUIC endpoint, as telemetry reports them. */
struct mr_relay_quic_stats {
	struct mr_quic_server_stats server; /**< lib/quic's counters and gauges */
	uint64_t roq_in;          /**< RoQ datagrams handed to the relay */
	uint64_t roq_out;         /**< RTP packets sent in DATAGRAM frames */
	uint64_t handshakes_deferred; /**< new-connection Initials queued past the budget */
	uint64_t unlatch_reqs;    /**< RoQ legs asked to unlatch from a released connection */
	uint64_t unlatch_lost;    /**< such requests lost (request ring full) */
	uint64_t roq_held;        /**< RoQ frames held until their leg's unlatch */
	uint64_t to_handshake;    /**< a worker's: packets it sent to the handshake lcore */
	uint64_t handed_off;      /**< the handshake lcore's: open connections sent to workers */
	uint64_t early_dgrams;    /**< the handshake lcore's: RoQ datagrams sent along with them */
	uint64_t bounced;         /**< the handshake lcore's: packets given back to their worker */
	unsigned int lcore;       /**< the lcore of this row */
	bool handshake_lcore;     /**< the row is the handshake lcore's, not a worker's */
};

/**
 * The registry id counting lib/quic's drop reason @p d (the same name);
 * MR_DROP_NONE for MR_QUIC_OK or an out-of-range value.
 */
mr_drop_reason_t mr_relay_quic_drop_id(enum mr_quic_drop d);

/** What mr_relay_quic_add() takes. */
struct mr_relay_quic_params {
	const char *name;              /**< [quic.NAME]: 1..31 of [A-Za-z0-9_-] */
	struct mr_quic_endpoint *ep;   /**< n_owners = the relay's workers; the relay frees it */
	uint16_t port_id;              /**< a port of the relay */
	struct mr_endpoint local;      /**< address and UDP port it listens on */
	uint16_t handshakes_per_poll;  /**< new connections a worker takes per loop pass; 0: 1 */
	uint32_t max_conns;            /**< the endpoint's connections per owner (its max_conns) */
	/** Handshakes on the handshake lcore (mr_relay_quic_hs_setup() first), not the workers. */
	bool handshake_lcore;
};

/**
 * Give the relay a handshake lcore: new QUIC connections of the endpoints
 * added with handshake_lcore are made there (TLS, about 1 ms of CPU each)
 * and handed, once open, to the worker their CIDs name; the workers send
 * it the packets of connections they do not hold. The lcore calls
 * mr_relay_quic_hs_poll() in its loop and sends on TX queue @p queue_id
 * of every port (its own: on the main lcore, the queue of its ARP/ND
 * replies). After the workers were added, before any QUIC endpoint.
 * @return
 *   0, -EEXIST (already set up), -EINVAL, -ENOMEM.
 */
int mr_relay_quic_hs_setup(struct mr_relay *r, unsigned int lcore_id, uint16_t queue_id);

/** Whether the relay has a handshake lcore. */
bool mr_relay_quic_hs_enabled(const struct mr_relay *r);

/**
 * One pass of the handshake lcore: packets from the workers, new
 * connections within each endpoint's handshakes_per_poll, timers, sends,
 * hand-over of the connections that opened, TX. Only on its lcore.
 * @param now
 *   TSC now.
 * @return
 *   Work done (0: idle).
 */
unsigned int mr_relay_quic_hs_poll(struct mr_relay *r, uint64_t now);

/**
 * Add a QUIC endpoint: a server on every worker, the workers' QUIC rings.
 * After every worker was added, before they start.
 *
 * @return
 *   The endpoint's index (0..MR_ROQ_MAX_ENDPOINTS - 1) or -EINVAL (bad
 *   parameter, a UDP port in the RTP range, an owner count other than the
 *   workers'), -EEXIST (name or local endpoint in use), -ENOSPC, -ENOMEM.
 *   On failure the caller keeps @p p->ep.
 */
int mr_relay_quic_add(struct mr_relay *r, const struct mr_relay_quic_params *p);

/** Index of QUIC endpoint @p name, or -ENOENT. Any thread (fixed once workers run). */
int mr_relay_quic_find(const struct mr_relay *r, const char *name);

/** Name of QUIC endpoint @p idx, or NULL. */
const char *mr_relay_quic_name(const struct mr_relay *r, uint16_t idx);

/** Port and local endpoint of QUIC endpoint @p idx. @return 0 or -ENOENT. */
int mr_relay_quic_info(const struct mr_relay *r, uint16_t idx, uint16_t *port_id,
		       struct mr_endpoint *local);

/**
 * The counters of QUIC endpoint @p idx on worker @p worker, as the worker
 * last published them (every housekeeping tick, 10 ms); @p worker equal
 * to the number of workers: the handshake lcore's (every 10 ms). Any thread.
 *
 * @return
 *   0, or -ENOENT (no such endpoint or worker, or the endpoint's
 *   handshakes are not on a handshake lcore).
 */
int mr_relay_quic_stats(const struct mr_relay *r, uint16_t idx, uint16_t worker,
			struct mr_relay_quic_stats *st);

/** Largest handshakes_per_poll ([quic.NAME] and quic_set). */
#define MR_RELAY_QUIC_HS_PER_POLL_MAX 64

/** An endpoint's admission limits, changed at run time (control: quic_set). */
struct mr_relay_quic_limits {
	uint32_t max_conns;            /**< per worker: a new connection is taken below it (0: draining) */
	uint32_t max_conns_cap;        /**< the configured max_conns its tables hold (read only) */
	uint32_t retry_above;          /**< Retry while a worker holds this many; 0 always; UINT32_MAX never */
	uint16_t handshakes_per_poll;  /**< new connections a worker takes per loop pass, 1..64 */
};

/** The limits of QUIC endpoint @p idx in force. Any thread. @return 0 or -ENOENT. */
int mr_relay_quic_limits(const struct mr_relay *r, uint16_t idx, struct mr_relay_quic_limits *l);

/**
 * Change the limits of QUIC endpoint @p idx while the workers run (one
 * caller at a time: the control thread); each worker takes them at its
 * next new connection or loop pass. Connections held stay.
 *
 * @return
 *   0, -ENOENT, or -EINVAL (max_conns above max_conns_cap, or
 *   handshakes_per_poll outside 1..64): nothing changed.
 */
int mr_relay_quic_limits_set(struct mr_relay *r, uint16_t idx,
			     const struct mr_relay_quic_limits *l);

/* ---- the worker's side (lib/relay internal, exposed for tests) ---- */

/**
 * A received frame that parsed as UDP to a port outside the RTP range:
 * if it is for a QUIC endpoint, take it (feed the owner's server here or
 * hand it to the owner's QUIC ring). Consumes @p m when it returns true.
 *
 * @param steer
 *   The port dispatches in software: a new connection's Initial goes to
 *   the endpoint's worker rather than staying here.
 */
bool mr_relay_quic_in(struct mr_worker *w, struct rte_mbuf *m, const struct mr_pkt_info *pi,
		      bool steer, uint64_t now);

/**
 * A frame the main lcore received (net_af_packet fanout) for a QUIC
 * endpoint: to the QUIC ring of the endpoint's worker, which routes it on.
 * Consumes @p m unless it returns -EINVAL.
 *
 * @return
 *   0, -EINVAL (not for a QUIC endpoint), -ENOBUFS (ring full: freed, counted).
 */
int mr_relay_quic_dispatch_in(struct mr_relay *r, struct rte_mbuf *m,
			      const struct mr_pkt_info *pi);

/**
 * RTP for a RoQ leg: @p m is the frame a destination's template made (to
 * the connection's made-up endpoint). Sent in a DATAGRAM frame by the
 * owning worker (this one, or over its QUIC ring). Consumes @p m. Any
 * datapath lcore.
 */
void mr_relay_quic_out(struct mr_worker *w, struct rte_mbuf *m, uint8_t l2_len);

/**
 * A worker's QUIC work in one loop pass: its QUIC ring, queued handshakes
 * (within the budget), the servers' timers, and their packets to send.
 *
 * @return
 *   Packets and timers handled (0: nothing to do).
 */
unsigned int mr_relay_quic_poll(struct mr_worker *w, uint64_t now);

/** A worker's QUIC housekeeping (its tick): publish the counters. */
void mr_relay_quic_tick(struct mr_worker *w);

/** Free the endpoints, the servers (connections released) and the rings. */
void mr_relay_quic_free(struct mr_relay *r);

#ifdef __cplusplus
}
#endif

#endif /* MR_RELAY_QUIC_H */
