/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * The node's own networking, on the main lcore: ARP, IPv6 neighbour
 * discovery and echo replies (lib/neigh) for the frames the workers hand
 * over on their exception rings (lib/relay/mr_relay_exc.c), sent on a TX
 * queue of the main lcore's own on each port; resolution of each port's
 * `nexthop`, and republication of the legs when its MAC changes; the
 * /mrelay/neigh telemetry command.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "mr_neigh.h"
#include "mr_relay_exc.h"
#include "mrelay.h"

#define NODE_BURST 64         /* exception frames per main-loop pass */
#define NODE_TICK_MS 10       /* resolution timers */
#define NODE_EXC_RING 1024    /* each worker's exception ring */

struct node_port {
	struct mr_neigh *neigh;
	uint16_t txq;
	uint16_t rxq;         /* MR_NODE_NO_QUEUE: none */
	uint16_t nrxq;        /* RX queues from rxq on (the transcoders' sockets too) */
	uint16_t rx_next;     /* the one polled first next time */
	bool dynamic;         /* its next hop is resolved here (no nexthop_mac) */
	uint32_t gen;         /* mr_neigh_nexthop()'s at the last publication */
	uint64_t published;   /* for telemetry: bit 63 resolved, bits 0-47 the MAC */
};

struct mr_node {
	uint64_t ms_tsc;      /* TSC cycles a millisecond */
	uint64_t next_tick;
	uint16_t n_ports;
	uint16_t port_ids[RTE_MAX_ETHPORTS];
	struct node_port ports[RTE_MAX_ETHPORTS];
};

/* the telemetry callback's view (set while the node exists) */
static struct mr_node *node_tel;

static uint64_t
mac_word(const struct rte_ether_addr *mac, bool resolved)
{
	uint64_t w = 0;
	int i;

	for (i = 0; i < RTE_ETHER_ADDR_LEN; i++)
		w = w << 8 | mac->addr_bytes[i];
	return w | (uint64_t)resolved << 63;
}

/*
 * The port's next hop MAC changed: every leg on the port gets a new
 * snapshot (and with it, the legs forwarding to it: mr_streams_leg_set()
 * republishes those too), with templates built from the new MAC; all
 * zeros while unresolved: such destinations stay out of the snapshots, and
 * what would go there is counted as nexthop_unresolved.
 */
static void
nexthop_publish(struct mr_app *app, uint16_t port, const struct rte_ether_addr *mac)
{
	char buf[RTE_ETHER_ADDR_FMT_SIZE];
	uint32_t n = 0;
	int failed;

	failed = mr_sessions_port_nexthop_set(app->sessions, port, mac, &n);
	rte_ether_format_addr(buf, sizeof(buf), mac);
	printf("mrelay: port %u: next hop %s%s, %u leg(s) republished%s\n", port,
	       rte_is_zero_ether_addr(mac) ? "unresolved" : "at ",
	       rte_is_zero_ether_addr(mac) ? "" : buf, n,
	       failed != 0 ? " (some failed)" : "");
	fflush(stdout);
}

static void
node_send(struct mr_app *app, uint16_t port, struct rte_mbuf **pkts, unsigned int n)
{
	struct node_port *np = &app->node->ports[port];
	uint16_t sent = 0;

	if (n == 0)
		return;
	if (!mr_relay_port_paused(app->relay, port) && app->port_started[port])
		sent = rte_eth_tx_burst(port, np->txq, pkts, (uint16_t)n);
	if (sent < n) {
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
		mr_neigh_count_tx_dropped(np->neigh, n - sent);
	}
}

static void
nexthop_check(struct mr_app *app, uint16_t port)
{
	struct node_port *np = &app->node->ports[port];
	struct rte_ether_addr mac;
	uint32_t gen = mr_neigh_nexthop(np->neigh, &mac);

	if (!np->dynamic || gen == np->gen)
		return;
	np->gen = gen;
	nexthop_publish(app, port, &mac);
	__atomic_store_n(&np->published, mac_word(&mac, !rte_is_zero_ether_addr(&mac)),
			 __ATOMIC_RELAXED);
}

/*
 * Whether port setup gives the main lcore a TX queue of its own (index
 * @p n_tx, after the workers' and transcoders'): when the port has one
 * more, except on net_memif, whose queue counts must match the peer's
 * (a client asking for a ring the server lacks never connects).
 */
bool
mr_node_tx_queue_wanted(const struct rte_eth_dev_info *info, uint16_t n_tx)
{
	if (info->driver_name != NULL && strcmp(info->driver_name, "net_memif") == 0)
		return false;
	return n_tx < info->max_tx_queues;
}

/*
 * net_af_packet's queues are pairs of one socket each, all in one fanout
 * group: the socket of the main lcore's TX queue receives its share of
 * the interface's frames too, so the main lcore polls that RX queue (its
 * ARP/ND/echo frames are handled like the workers' exceptions; anything
 * else there is counted as not_neigh). Ports whose RX queues only get
 * what RSS sends them need no such queue.
 */
bool
mr_node_rx_queue_wanted(const struct rte_eth_dev_info *info, uint16_t n_rx)
{
	return info->driver_name != NULL && strcmp(info->driver_name, "net_af_packet") == 0 &&
	       n_rx < info->max_rx_queues;
}

/* Frames of a port's main-lcore RX queue (net_af_packet only). */
static unsigned int
node_rx(struct mr_app *app, uint16_t port, uint64_t now_ms)
{
	struct node_port *np = &app->node->ports[port];
	struct rte_mbuf *pkts[NODE_BURST], *reply;
	uint16_t n = 0, i, q;

	if (np->rxq == MR_NODE_NO_QUEUE || !app->port_started[port] ||
	    mr_relay_port_paused(app->relay, port))
		return 0;
	for (q = 0; q < np->nrxq && n == 0; q++)
		n = rte_eth_rx_burst(port, (uint16_t)(np->rxq + (np->rx_next + q) % np->nrxq),
				     pkts, NODE_BURST);
	np->rx_next = (uint16_t)((np->rx_next + 1) % RTE_MAX(np->nrxq, 1));
	if (n != 0)
		mr_counter_add(&mr_counters_self()->rx_pkts, n);
	for (i = 0; i < n; i++) {
		/*
		 * The kernel's fanout puts any frame on this socket: RTP goes on
		 * to the worker owning its endpoint, the rest to lib/neigh.
		 */
		if (mr_relay_dispatch_in(app->relay, pkts[i]) != -EINVAL)
			continue;
		reply = mr_neigh_input(np->neigh, pkts[i], now_ms);
		if (reply != NULL)
			node_send(app, port, &reply, 1);
	}
	return n;
}

unsigned int
mr_node_poll(struct mr_app *app, uint64_t now)
{
	struct mr_node *nd = app->node;
	struct rte_mbuf *pkts[NODE_BURST], *req[1];
	uint64_t now_ms;
	unsigned int n, i, k;

	if (nd == NULL)
		return 0;
	now_ms = now / nd->ms_tsc;
	n = mr_relay_exc_poll(app->relay, pkts, NODE_BURST);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i], *reply;
		uint16_t port = m->port;

		if (port >= RTE_MAX_ETHPORTS || nd->ports[port].neigh == NULL) {
			/* only ports with a neighbour state divert: never here */
			mr_drop_count(mr_counters_self(), MR_DROP_NOT_IP, 1);
			rte_pktmbuf_free(m);
			continue;
		}
		reply = mr_neigh_input(nd->ports[port].neigh, m, now_ms);
		if (reply != NULL)
			node_send(app, port, &reply, 1);
	}
	for (i = 0; i < nd->n_ports; i++)
		n += node_rx(app, nd->port_ids[i], now_ms);
	if (n == 0 && now < nd->next_tick)
		return 0;
	for (i = 0; i < nd->n_ports; i++) {
		uint16_t port = nd->port_ids[i];

		if (now >= nd->next_tick) {
			k = mr_neigh_tick(nd->ports[port].neigh, now_ms, req, RTE_DIM(req));
			node_send(app, port, req, k);
		}
		nexthop_check(app, port);
	}
	if (now >= nd->next_tick)
		nd->next_tick = now + NODE_TICK_MS * nd->ms_tsc;
	return n;
}

/* Let the port receive what is sent to our solicited-node group and all-nodes. */
static void
multicast_join(uint16_t port, const uint8_t ipv6[16])
{
	struct rte_ether_addr mc[2] = {
		{.addr_bytes = {0x33, 0x33, 0xff, ipv6[13], ipv6[14], ipv6[15]}},
		{.addr_bytes = {0x33, 0x33, 0, 0, 0, 1}},
	};
	int rc = rte_eth_dev_set_mc_addr_list(port, mc, RTE_DIM(mc));

	if (rc == 0)
		return;
	rc = rte_eth_allmulticast_enable(port);
	if (rc != 0 && rte_eth_allmulticast_get(port) != 1)
		printf("mrelay: port %u: cannot receive IPv6 multicast (%s): neighbour solicitations to the solicited-node group may not arrive\n",
		       port, rte_strerror(-rc));
}

static int
neigh_show(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct mr_node *nd = __atomic_load_n(&node_tel, __ATOMIC_ACQUIRE);
	char name[32];
	uint16_t i;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	if (nd == NULL)
		return 0;
	for (i = 0; i < nd->n_ports; i++) {
		uint16_t port = nd->port_ids[i];
		const struct node_port *np = &nd->ports[port];
		struct rte_tel_data *p = rte_tel_data_alloc();
		uint64_t w = __atomic_load_n(&np->published, __ATOMIC_RELAXED);
		char mac[RTE_ETHER_ADDR_FMT_SIZE];
		int c;

		if (p == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(p);
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 (unsigned int)(w >> 40) & 0xff, (unsigned int)(w >> 32) & 0xff,
			 (unsigned int)(w >> 24) & 0xff, (unsigned int)(w >> 16) & 0xff,
			 (unsigned int)(w >> 8) & 0xff, (unsigned int)w & 0xff);
		rte_tel_data_add_dict_string(p, "nexthop_state", !np->dynamic ? "static" :
					     (w >> 63) != 0 ? "resolved" : "unresolved");
		rte_tel_data_add_dict_string(p, "nexthop_mac", mac);
		for (c = 0; c < MR_NEIGH__MAX; c++)
			rte_tel_data_add_dict_u64(p, mr_neigh_counter_name(c),
						  mr_neigh_counter(np->neigh, c));
		snprintf(name, sizeof(name), "port_%u", port);
		if (rte_tel_data_add_dict_container(d, name, p, 0) != 0) {
			rte_tel_data_free(p);
			return -ENOSPC;
		}
	}
	return 0;
}

int
mr_node_setup(struct mr_app *app)
{
	struct mr_node *nd;
	uint16_t port;
	int rc;

	nd = calloc(1, sizeof(*nd));
	if (nd == NULL)
		return -ENOMEM;
	app->node = nd;
	nd->ms_tsc = RTE_MAX(rte_get_tsc_hz() / 1000, (uint64_t)1);
	for (port = 0; port < MR_CONF_MAX_PORTS && port < RTE_MAX_ETHPORTS; port++) {
		const struct mr_conf_port *pc = &app->conf.ports[port];
		struct node_port *np = &nd->ports[port];
		struct mr_neigh_params p = {
			.port_id = port, .vlan = pc->vlan, .pool = app->pkt_pool,
			.has_ipv4 = pc->has_ipv4, .has_ipv6 = pc->has_ipv6,
		};

		if (!pc->present || !app->port_open[port])
			continue;
		np->dynamic = pc->has_nexthop && !pc->has_nexthop_mac;
		if (app->node_txq[port] == MR_NODE_NO_QUEUE) {
			if (np->dynamic) {
				fprintf(stderr, "mrelay: [port.%u] nexthop: the port has no TX queue left for ARP/ND (workers + transcoders + 1 needed)\n",
					port);
				return -EINVAL;
			}
			printf("mrelay: port %u: no TX queue left for the main lcore: no ARP, ND or echo replies\n",
			       port);
			continue;
		}
		p.mac = mr_sessions_port(app->sessions, port)->mac;
		/* net_ring has an all-zero MAC: no ARP/ND there, but a static next hop works */
		if (!rte_is_valid_assigned_ether_addr(&p.mac)) {
			if (np->dynamic) {
				fprintf(stderr, "mrelay: [port.%u] nexthop: the port has no unicast MAC address for ARP/ND\n",
					port);
				return -EINVAL;
			}
			printf("mrelay: port %u: no unicast MAC address: no ARP, ND or echo replies\n",
			       port);
			continue;
		}
		memcpy(p.ipv4, &pc->ipv4.ip[12], 4);
		memcpy(p.ipv6, pc->ipv6.ip, 16);
		p.has_nexthop = np->dynamic;
		p.nexthop = pc->nexthop;
		np->neigh = mr_neigh_create(&p);
		if (np->neigh == NULL) {
			fprintf(stderr, "mrelay: port %u: neighbour protocols: %s\n", port,
				rte_strerror(rte_errno));
			return -rte_errno;
		}
		np->txq = app->node_txq[port];
		np->rxq = app->node_rxq[port];
		np->nrxq = app->node_nrxq[port];
		np->gen = mr_neigh_nexthop(np->neigh, &(struct rte_ether_addr){0});
		if (!np->dynamic)
			np->published = mac_word(&mr_sessions_port(app->sessions, port)->nexthop, true);
		if (pc->has_ipv6)
			multicast_join(port, pc->ipv6.ip);
		mr_relay_exc_port_enable(app->relay, port);
		nd->port_ids[nd->n_ports++] = port;
	}
	rc = mr_relay_exc_setup(app->relay, NODE_EXC_RING);
	if (rc != 0) {
		fprintf(stderr, "mrelay: exception rings: %s\n", rte_strerror(-rc));
		return rc;
	}
	__atomic_store_n(&node_tel, nd, __ATOMIC_RELEASE);
	rc = rte_telemetry_register_cmd("/mrelay/neigh", neigh_show,
					"Neighbour protocols of each port: next hop and counters. No parameters");
	if (rc != 0)
		fprintf(stderr, "mrelay: cannot register /mrelay/neigh: %s\n", rte_strerror(-rc));
	return rc;
}

void
mr_node_free(struct mr_app *app)
{
	struct mr_node *nd = app->node;
	uint16_t port;

	if (nd == NULL)
		return;
	__atomic_store_n(&node_tel, NULL, __ATOMIC_RELEASE);
	/* a telemetry reader may still be reading: DPDK 22.11 cannot unregister */
	rte_delay_ms(10);
	mr_relay_exc_free(app->relay);
	for (port = 0; port < RTE_MAX_ETHPORTS; port++)
		mr_neigh_free(nd->ports[port].neigh);
	free(nd);
	app->node = NULL;
}
