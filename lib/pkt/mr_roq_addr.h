/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_ROQ_ADDR_H
#define MR_ROQ_ADDR_H

/**
 * @file
 * The endpoints RTP over QUIC legs have inside the relay.
 *
 * A RoQ leg is a leg of the session model like any other: its local
 * endpoint keys the leg table and its streams (with the SSRC), and its
 * remote, latched from the first datagram, is checked as a UDP leg's
 * source is. Those endpoints are made up, in the IPv6 discard-only prefix
 * 100::/64 (RFC 6666) that no packet on a wire carries:
 *
 *     flow:       0100:0000:0000 | kind 1 | endpoint index | flow id (64 bits)
 *     connection: 0100:0000:0000 | kind 2 | endpoint index | owner (16) |
 *                 generation (16) | slot (32)
 *
 * with the UDP port of both the relay's rtp_port_min (any port in the RTP
 * range: the worker's classifier takes them like any RTP packet). A RoQ
 * datagram enters the worker as a frame from the connection's endpoint to
 * the flow's; RTP forwarded to a RoQ leg leaves as a frame to the
 * connection's endpoint, which names the worker and the connection that
 * send it.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mr_pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Kind octet of a RoQ leg's local endpoint (endpoint, flow). */
#define MR_ROQ_KIND_FLOW 1
/** Kind octet of a QUIC connection's endpoint (owner, slot, generation). */
#define MR_ROQ_KIND_CONN 2
/** Most QUIC endpoints: the endpoint index is one octet. */
#define MR_ROQ_MAX_ENDPOINTS 16

/** The kind of address @p ip is: MR_ROQ_KIND_FLOW, _CONN, or 0 (a real address). */
static inline uint8_t
mr_roq_addr_kind(const uint8_t *ip)
{
	static const uint8_t prefix[6] = {0x01, 0, 0, 0, 0, 0};

	if (memcmp(ip, prefix, sizeof(prefix)) != 0)
		return 0;
	return ip[6] == MR_ROQ_KIND_FLOW || ip[6] == MR_ROQ_KIND_CONN ? ip[6] : 0;
}

static inline void
mr_roq_addr_prefix_(struct mr_endpoint *ep, uint8_t kind, uint8_t quic, uint16_t port_be)
{
	memset(ep, 0, sizeof(*ep));
	ep->ip[0] = 0x01;
	ep->ip[6] = kind;
	ep->ip[7] = quic;
	ep->port = port_be;
}

/** The local endpoint of the RoQ leg of flow @p flow on QUIC endpoint @p quic. */
static inline void
mr_roq_flow_endpoint(struct mr_endpoint *ep, uint8_t quic, uint64_t flow, uint16_t port_be)
{
	unsigned int i;

	mr_roq_addr_prefix_(ep, MR_ROQ_KIND_FLOW, quic, port_be);
	for (i = 0; i < 8; i++)
		ep->ip[8 + i] = (uint8_t)(flow >> (56 - 8 * i));
}

/** The QUIC endpoint index and flow of a MR_ROQ_KIND_FLOW address. */
static inline void
mr_roq_flow_decode(const uint8_t *ip, uint8_t *quic, uint64_t *flow)
{
	uint64_t f = 0;
	unsigned int i;

	for (i = 0; i < 8; i++)
		f = f << 8 | ip[8 + i];
	*quic = ip[7];
	*flow = f;
}

/** The endpoint of connection @p slot (generation @p gen) of worker @p owner. */
static inline void
mr_roq_conn_endpoint(struct mr_endpoint *ep, uint8_t quic, uint16_t owner, uint16_t gen,
		     uint32_t slot, uint16_t port_be)
{
	mr_roq_addr_prefix_(ep, MR_ROQ_KIND_CONN, quic, port_be);
	ep->ip[8] = (uint8_t)(owner >> 8);
	ep->ip[9] = (uint8_t)owner;
	ep->ip[10] = (uint8_t)(gen >> 8);
	ep->ip[11] = (uint8_t)gen;
	ep->ip[12] = (uint8_t)(slot >> 24);
	ep->ip[13] = (uint8_t)(slot >> 16);
	ep->ip[14] = (uint8_t)(slot >> 8);
	ep->ip[15] = (uint8_t)slot;
}

/** The fields of a MR_ROQ_KIND_CONN address. */
static inline void
mr_roq_conn_decode(const uint8_t *ip, uint8_t *quic, uint16_t *owner, uint16_t *gen,
		   uint32_t *slot)
{
	*quic = ip[7];
	*owner = (uint16_t)(ip[8] << 8 | ip[9]);
	*gen = (uint16_t)(ip[10] << 8 | ip[11]);
	*slot = (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15];
}

#ifdef __cplusplus
}
#endif

#endif /* MR_ROQ_ADDR_H */
