/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * libFuzzer harness for lib/neigh (mr_neigh_handle() and the next-hop
 * timers). The first input byte picks one of four ports (bits 0-1: IPv4
 * and IPv6 with an IPv4 next hop; both with an IPv6 next hop; IPv4 on
 * VLAN 100; IPv6 alone) and the spare room after the frame (bits 2-7);
 * the rest is the frame, copied into a buffer of exactly that size so
 * ASan sees any access outside it. Aborts when a frame is not counted
 * exactly once, when a reply does not fit the room or is not from the
 * port's MAC, or when the next hop's MAC is published while unresolved.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mr_neigh.h"

#define N_PORTS 4

static struct mr_neigh *ports[N_PORTS];
static uint64_t now_ms;
static const uint8_t our_mac[6] = {0x02, 0, 0, 0, 0xaa, 0x01};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
ports_create(void)
{
	static const uint8_t v4[4] = {10, 99, 0, 1}, peer4[4] = {10, 99, 0, 2};
	static const uint8_t v6[16] = {0xfd, 0, 0, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	static const uint8_t peer6[16] = {0xfd, 0, 0, 0x99, 0, 0, 0, 0,
					  0, 0, 0, 0, 0, 0x12, 0x34, 2};
	uint32_t peer4_be;
	int i;

	memcpy(&peer4_be, peer4, 4);
	for (i = 0; i < N_PORTS; i++) {
		struct mr_neigh_params p = {.port_id = (uint16_t)i, .rate_pps = 100000,
					    .burst = 1000};

		memcpy(p.mac.addr_bytes, our_mac, 6);
		memcpy(p.ipv4, v4, 4);
		memcpy(p.ipv6, v6, 16);
		p.has_ipv4 = i != 3;
		p.has_ipv6 = i != 2;
		p.vlan = i == 2 ? 100 : 0;
		p.has_nexthop = i != 3;
		if (i == 1)
			mr_endpoint_set_v6(&p.nexthop, peer6, 0);
		else
			mr_endpoint_set_v4(&p.nexthop, peer4_be, 0);
		ports[i] = mr_neigh_create(&p);
		if (ports[i] == NULL)
			abort();
	}
}

static uint64_t
outcomes(const struct mr_neigh *n)
{
	uint64_t t = 0;
	int c;

	for (c = 0; c <= MR_NEIGH_RATE_LIMITED; c++)
		t += mr_neigh_counter(n, c);
	return t;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_ether_addr mac;
	struct rte_mbuf *out[2];
	struct mr_neigh *n;
	uint32_t len, room, reply_len = 0;
	uint64_t before;
	uint8_t *buf;
	bool reply;

	if (ports[0] == NULL)
		ports_create();
	if (size < 1 || size > 65536)
		return 0;
	n = ports[data[0] & 3];
	len = (uint32_t)(size - 1);
	room = len + (data[0] >> 2);
	buf = malloc(room ? room : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 1, len);
	now_ms += 7;
	before = outcomes(n);
	reply = mr_neigh_handle(n, buf, len, room, now_ms, &reply_len);
	if (outcomes(n) != before + 1)
		abort();
	if (reply && (reply_len > room || reply_len < 42 || memcmp(buf + 6, our_mac, 6) != 0))
		abort();
	free(buf);
	/* the timers, without a pool: requests are counted as no_mbuf */
	if (mr_neigh_tick(n, now_ms, out, 2) != 0)
		abort();
	mr_neigh_nexthop(n, &mac);
	if (mr_neigh_nexthop_resolved(n) == rte_is_zero_ether_addr(&mac))
		abort();
	return 0;
}
