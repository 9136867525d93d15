/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * memif client ports: connect again when the server comes back.
 *
 * DPDK 22.11's net_memif client connects to its server only when the
 * port starts, and a client whose server went away stays down for good.
 * The main lcore checks each memif client port's link once a second.
 * Down for a whole period (after a start of its own: 2 s for the
 * handshake, doubling up to 16 s while the server keeps refusing it, as
 * one that has not started its port does), the port is taken out of the
 * datapath (mr_relay_port_pause(): no lcore is inside a burst on it
 * afterwards), stopped and started again, which connects anew; once
 * started it goes back to the datapath and the handshake completes on
 * the interrupt thread. A start that fails (no server listening yet)
 * leaves the port stopped and paused, and is tried again after 1, 2, 4,
 * then every 5 s. A client whose server is not there when mrelay starts
 * waits the same way.
 *
 * Statistics: net_memif counts in its queues, which outlive a connection,
 * but reports them only while connected (its disconnect zeroes the ring
 * counts rte_eth_stats_get() sums over), so once the server is gone the
 * port reads 0 packets. The watch reads each client port's stats every
 * STATS_SAMPLE_MS while its link is up, and mr_port_watch_stats() gives
 * that view for a port whose link is down: exact when traffic stopped
 * before the server left (pktgen stops, waits, quits), short of at most
 * STATS_SAMPLE_MS of packets when the server left under traffic.
 */

#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>

#include "mrelay.h"

#define WATCH_PERIOD_MS 1000
#define RETRY_MAX_MS 5000
#define CONNECT_GRACE_MS 2000   /* after a start, for the handshake (ms normally) */
#define STATS_SAMPLE_MS 100

bool
mr_port_watch_is_memif_client(uint16_t port)
{
	struct rte_eth_dev_info info;
	const struct rte_devargs *da;

	if (rte_eth_dev_info_get(port, &info) != 0 || info.driver_name == NULL ||
	    strcmp(info.driver_name, "net_memif") != 0 || info.device == NULL)
		return false;
	/* the PMD's default role is client */
	da = rte_dev_devargs(info.device);
	return da == NULL || da->args == NULL || strstr(da->args, "role=server") == NULL;
}

void
mr_port_watch_add(struct mr_app *app, uint16_t port, bool started)
{
	struct mr_port_watch *pw = &app->watch[port];
	uint64_t now = rte_rdtsc();

	memset(pw, 0, sizeof(*pw));
	pw->watched = true;
	pw->next_check = now + rte_get_tsc_hz() / 1000 * WATCH_PERIOD_MS;
	if (!started) {
		/* the workers have not started: the pause waits for nobody */
		mr_relay_port_pause(app->relay, port);
		pw->down_since = now;
		pw->attempts = 1;
		printf("mrelay: port %u (memif client): no server to connect to yet; trying again every few seconds\n",
		       port);
		fflush(stdout);
	}
}

/* Stop (if started) and start a paused port. Returns rte_eth_dev_start()'s result. */
static int
port_restart(struct mr_app *app, uint16_t port)
{
	int rc;

	if (app->port_started[port]) {
		rc = rte_eth_dev_stop(port);
		if (rc != 0)
			printf("mrelay: port %u: stop failed: %s\n", port, rte_strerror(-rc));
		app->port_started[port] = false;
	}
	rc = rte_eth_dev_start(port);
	if (rc == 0)
		app->port_started[port] = true;
	return rc;
}

static void
watch_one(struct mr_app *app, uint16_t port, uint64_t now)
{
	struct mr_port_watch *pw = &app->watch[port];
	const uint64_t ms = rte_get_tsc_hz() / 1000;
	struct rte_eth_link link = {0};
	uint64_t retry_ms;

	if (!mr_relay_port_paused(app->relay, port)) {
		if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status) {
			pw->down_since = 0;
			pw->restart_at = 0;
			pw->own_start = false;
			pw->refused = 0;
			return;
		}
		if (pw->down_since == 0)
			pw->down_since = now;
		if (pw->restart_at == 0)
			/* a connection in progress gets one period to complete */
			pw->restart_at = now + WATCH_PERIOD_MS * ms;
		if (now < pw->restart_at)
			return;
		if (pw->own_start)
			pw->refused++; /* our start connected, the handshake did not */
		printf("mrelay: port %u (memif client): link down for %.1f s; reconnecting\n",
		       port, (double)(now - pw->down_since) / (double)rte_get_tsc_hz());
		mr_relay_port_pause(app->relay, port);
		pw->attempts = 0;
	}
	if (port_restart(app, port) == 0) {
		mr_relay_port_resume(app->relay, port);
		/*
		 * A new connection: if its link does not come up, it has been
		 * down since this start, not since the link first went (or since
		 * mrelay started, for a server that was not there).
		 */
		pw->down_since = now;
		/*
		 * Time for the handshake: 2 s, doubling up to 16 s while the
		 * server keeps refusing it (not started yet, or never accepting:
		 * and a DPDK 22.11 memif server seeing clients come and go in
		 * quick succession can fail on its own).
		 */
		pw->restart_at = now + ((uint64_t)CONNECT_GRACE_MS << RTE_MIN(pw->refused, 3u)) * ms;
		pw->own_start = true;
		printf("mrelay: port %u (memif client): started again (%u failed tries); connecting\n",
		       port, pw->attempts);
		pw->attempts = 0;
		fflush(stdout);
		return;
	}
	pw->attempts++;
	retry_ms = RTE_MIN((uint64_t)WATCH_PERIOD_MS << RTE_MIN(pw->attempts - 1, 3u),
			   (uint64_t)RETRY_MAX_MS);
	pw->next_check = now + retry_ms * ms;
	if (pw->attempts == 1)
		printf("mrelay: port %u (memif client): no server to connect to yet; trying again every few seconds\n",
		       port);
	fflush(stdout);
}

/* The port's stats into pw->seen, if its link is up before and after the read. */
static void
stats_sample(struct mr_port_watch *pw, uint16_t port)
{
	struct rte_eth_link link = {0};
	struct rte_eth_stats st;

	if (rte_eth_link_get_nowait(port, &link) != 0 || !link.link_status ||
	    rte_eth_stats_get(port, &st) != 0)
		return;
	/* net_memif marks the link down before it zeroes its ring counts */
	if (rte_eth_link_get_nowait(port, &link) != 0 || !link.link_status)
		return;
	pw->seen = st;
}

int
mr_port_watch_stats(struct mr_app *app, uint16_t port, struct rte_eth_stats *stats)
{
	struct mr_port_watch *pw = &app->watch[port];
	struct rte_eth_link link = {0};

	if (pw->watched &&
	    (rte_eth_link_get_nowait(port, &link) != 0 || !link.link_status)) {
		*stats = pw->seen;
		return 0;
	}
	return rte_eth_stats_get(port, stats);
}

unsigned int
mr_port_watch_poll(struct mr_app *app, uint64_t now)
{
	const uint64_t period = rte_get_tsc_hz() / 1000 * WATCH_PERIOD_MS;
	unsigned int done = 0;
	uint16_t i;

	for (i = 0; i < app->relay->n_ports; i++) {
		uint16_t port = app->relay->ports[i];
		struct mr_port_watch *pw = &app->watch[port];

		if (!pw->watched)
			continue;
		if (now >= pw->next_sample) {
			pw->next_sample = now + rte_get_tsc_hz() / 1000 * STATS_SAMPLE_MS;
			stats_sample(pw, port);
		}
		if (now < pw->next_check)
			continue;
		pw->next_check = now + period;
		watch_one(app, port, now);
		done++;
	}
	return done;
}
