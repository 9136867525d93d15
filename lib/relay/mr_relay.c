/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * The relay's life: creation, ports, workers, pausing a port, stop and
 * free. The worker's loop is in mr_relay_worker.c, the transcoder lcore's
 * in mr_relay_tc.c.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "mr_relay_exc.h"
#include "mr_relay_priv.h"

RTE_LOG_REGISTER_DEFAULT(mr_relay_logtype, INFO);
MR_DROP_REGISTER(relay, MR_RELAY_DROPS)

/* TX buffer error callback: the PMD did not take these; free and count. */
static void
tx_unsent(struct rte_mbuf **pkts, uint16_t unsent, void *userdata)
{
	struct mr_worker *w = userdata;

	mr_drop_count(w->ctr, MR_DROP_TX_FULL, unsent);
	rte_pktmbuf_free_bulk(pkts, unsent);
}

struct mr_relay *
mr_relay_create(const struct mr_relay_params *p)
{
	struct mr_relay *r;

	if (p == NULL || p->streams == NULL || p->hdr_pool == NULL ||
	    p->copy_pool == NULL || p->burst == 0 || p->burst > MR_RELAY_BURST_MAX ||
	    p->rtp_port_min > p->rtp_port_max || p->tx_drain_us == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	r = rte_zmalloc("mr_relay", sizeof(*r), RTE_CACHE_LINE_SIZE);
	if (r == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	r->streams = p->streams;
	r->hdr_pool = p->hdr_pool;
	r->copy_pool = p->copy_pool;
	r->burst = p->burst;
	r->rtp_port_min = p->rtp_port_min;
	r->rtp_port_max = p->rtp_port_max;
	r->tsc_hz = rte_get_tsc_hz();
	r->drain_tsc = (r->tsc_hz + US_PER_S - 1) / US_PER_S * p->tx_drain_us;
	r->tick_tsc = r->tsc_hz / US_PER_S * MR_RELAY_TICK_US;
	r->idle_tsc = r->tsc_hz / MS_PER_S * p->stream_idle_ms;
	r->evict_tsc = r->tsc_hz / MS_PER_S * MR_STREAM_LEG_EVICT_IDLE_MS;
	if (mr_relay_srtp_init(r) != 0) {
		rte_free(r);
		rte_errno = ENOMEM;
		return NULL;
	}
	r->streams->on_reclaim = mr_relay_stream_reclaimed;
	r->streams->on_reclaim_ctx = r;
	r->streams->on_unlink = mr_relay_srtp_stream_unlinked;
	r->streams->on_unlink_ctx = r;
	return r;
}

int
mr_relay_add_port(struct mr_relay *r, uint16_t port_id)
{
	struct rte_eth_dev_info info;

	if (!rte_eth_dev_is_valid_port(port_id) ||
	    rte_eth_dev_info_get(port_id, &info) != 0)
		return -EINVAL;
	if (r->n_ports >= RTE_MAX_ETHPORTS)
		return -ENOSPC;
	r->multiseg[port_id] = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
	r->ports[r->n_ports++] = port_id;
	return 0;
}

int
mr_relay_port_set_dispatch(struct mr_relay *r, uint16_t port_id, bool on)
{
	uint16_t i;

	for (i = 0; i < r->n_ports; i++) {
		if (r->ports[i] == port_id) {
			r->dispatch[port_id] = on;
			return 0;
		}
	}
	return -EINVAL;
}

void
mr_relay_port_pause(struct mr_relay *r, uint16_t port_id)
{
	if (r->paused[port_id])
		return;
	r->pauses[port_id]++;
	__atomic_store_n(&r->paused[port_id], true, __ATOMIC_RELAXED);
	/*
	 * The grace period's token is published with release order, and an
	 * lcore acknowledges it (acquire) at the end of a loop pass: every
	 * pass after that sees the flag, and no pass before it is still running.
	 */
	rte_rcu_qsbr_synchronize(r->streams->qsbr, RTE_QSBR_THRID_INVALID);
}

void
mr_relay_port_resume(struct mr_relay *r, uint16_t port_id)
{
	__atomic_store_n(&r->paused[port_id], false, __ATOMIC_RELEASE);
}

/* One TX buffer per port for a worker or transcoder lcore; unsent packets are counted drops. */
int
mr_relay_tx_buffers_init(struct mr_worker *w, int socket)
{
	const struct mr_relay *r = w->relay;
	uint16_t i;

	for (i = 0; i < r->n_ports; i++) {
		uint16_t port = r->ports[i];

		w->txb[port] = rte_zmalloc_socket("mr_txb", RTE_ETH_TX_BUFFER_SIZE(r->burst),
						  0, socket);
		if (w->txb[port] == NULL)
			return -ENOMEM;
		rte_eth_tx_buffer_init(w->txb[port], r->burst);
		rte_eth_tx_buffer_set_err_callback(w->txb[port], tx_unsent, w);
	}
	return 0;
}

struct mr_worker *
mr_relay_add_worker(struct mr_relay *r, unsigned int lcore_id)
{
	int socket = (int)rte_lcore_to_socket_id(lcore_id);
	char name[RTE_RING_NAMESIZE];
	struct mr_worker *w;

	if (r->n_workers >= MR_RELAY_MAX_WORKERS || lcore_id >= RTE_MAX_LCORE || r->n_tc != 0) {
		rte_errno = r->n_tc != 0 ? EINVAL : ENOSPC;
		return NULL;
	}
	w = rte_zmalloc_socket("mr_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	w->relay = r;
	w->lcore_id = lcore_id;
	w->queue_id = r->n_workers;
	w->index = r->n_workers;
	w->ctr = &mr_counters[lcore_id];
	w->shard = mr_streams_owner_add(r->streams, lcore_id);
	if (w->shard == NULL)
		goto fail;
	/* a worker's shard has its index: a stream's reclamation finds its worker so */
	if (w->shard->index != w->index) {
		rte_errno = EINVAL;
		goto fail;
	}
	snprintf(name, sizeof(name), "%s_disp%u", r->streams->name, lcore_id);
	w->dispatch_ring = rte_ring_create(name, MR_RELAY_DISPATCH_RING, socket, RING_F_SC_DEQ);
	if (w->dispatch_ring == NULL)
		goto fail;
	if (mr_relay_tx_buffers_init(w, socket) != 0) {
		rte_errno = ENOMEM;
		goto fail;
	}
	r->workers[r->n_workers++] = w;
	return w;
fail:
	/* the shard stays registered with the streams until they are freed */
	rte_ring_free(w->dispatch_ring);
	mr_relay_tx_buffers_free(w);
	return NULL;
}

int
mr_relay_set_profiles(struct mr_relay *r, const struct mr_tc_profile *profiles, uint16_t n)
{
	struct mr_tc_profile tmp[MR_RELAY_MAX_PROFILES];
	uint16_t i;

	if (n > MR_RELAY_MAX_PROFILES || (n != 0 && profiles == NULL))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		tmp[i] = profiles[i];
		if (mr_tc_profile_validate(&tmp[i]) != 0)
			return -EINVAL;
	}
	memcpy(r->profiles, tmp, sizeof(tmp[0]) * n);
	r->n_profiles = n;
	return 0;
}

unsigned int
mr_relay_main_poll(struct mr_relay *r)
{
	return mr_streams_main_poll(r->streams);
}

void
mr_relay_stop(struct mr_relay *r)
{
	__atomic_store_n(&r->stop, true, __ATOMIC_RELAXED);
}

static void
ring_drain(struct rte_ring *ring, struct mr_lcore_counters *ctr)
{
	void *m;

	if (ring == NULL)
		return;
	while (rte_ring_sc_dequeue(ring, &m) == 0) {
		mr_drop_count(ctr, MR_DROP_SHUTDOWN, 1);
		rte_pktmbuf_free(m);
	}
	rte_ring_free(ring);
}

void
mr_relay_tx_buffers_free(struct mr_worker *w)
{
	uint16_t i;

	for (i = 0; i < RTE_MAX_ETHPORTS; i++) {
		if (w->txb[i] == NULL)
			continue;
		/* never flushed at this point means never sendable */
		if (w->txb[i]->length != 0) {
			mr_drop_count(w->ctr, MR_DROP_SHUTDOWN, w->txb[i]->length);
			rte_pktmbuf_free_bulk(w->txb[i]->pkts, w->txb[i]->length);
		}
		rte_free(w->txb[i]);
	}
	for (i = 0; i < MR_RELAY_MAX_TRANSCODERS; i++)
		rte_free(w->tc_closing[i]);
	rte_free(w);
}

void
mr_relay_free(struct mr_relay *r)
{
	uint16_t k;

	if (r == NULL)
		return;
	/* streams reclaimed from now on have no transcoder to go back to */
	r->streams->on_reclaim = NULL;
	r->streams->on_unlink = NULL;
	mr_relay_exc_free(r);
	mr_relay_quic_free(r);  /* while the workers' contexts exist */
	for (k = 0; k < r->n_workers; k++) {
		struct mr_worker *w = r->workers[k];

		ring_drain(w->dispatch_ring, w->ctr);
		mr_relay_tx_buffers_free(w);
	}
	for (k = 0; k < r->n_tc; k++) {
		/* frees what its ring and reorder windows hold (counted) */
		mr_transcoder_free(r->tc[k]);
		mr_relay_tx_buffers_free(r->tc_tx[k]);
		rte_free(r->tc_chan_leg[k]);
		mr_relay_srtp_tc_fini(r, k);
	}
	mr_relay_srtp_fini(r);
	rte_free(r);
}
