/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * mr_relay_quic.h in a build without QUIC (-Dstatic_mrelay=true: GnuTLS
 * cannot be linked statically on Debian, p11-kit has no static library).
 * The reasons stay registered, so drop ids do not depend on the build;
 * a QUIC endpoint is refused, so no packet ever takes the QUIC path.
 */

#include <errno.h>

#include "mr_relay_priv.h"
#include "mr_relay_quic.h"

MR_DROP_REGISTER(quic, MR_QUIC_DROPS)

mr_drop_reason_t
mr_relay_quic_drop_id(enum mr_quic_drop d)
{
	RTE_SET_USED(d);
	return MR_DROP_NONE;
}

int
mr_relay_quic_add(struct mr_relay *r, const struct mr_relay_quic_params *p)
{
	RTE_SET_USED(r);
	RTE_SET_USED(p);
	return -EOPNOTSUPP;
}

int
mr_relay_quic_find(const struct mr_relay *r, const char *name)
{
	RTE_SET_USED(r);
	RTE_SET_USED(name);
	return -ENOENT;
}

const char *
mr_relay_quic_name(const struct mr_relay *r, uint16_t idx)
{
	RTE_SET_USED(r);
	RTE_SET_USED(idx);
	return NULL;
}

int
mr_relay_quic_info(const struct mr_relay *r, uint16_t idx, uint16_t *port_id,
		   struct mr_endpoint *local)
{
	RTE_SET_USED(r);
	RTE_SET_USED(idx);
	RTE_SET_USED(port_id);
	RTE_SET_USED(local);
	return -ENOENT;
}

int
mr_relay_quic_stats(const struct mr_relay *r, uint16_t idx, uint16_t worker,
		    struct mr_relay_quic_stats *st)
{
	RTE_SET_USED(r);
	RTE_SET_USED(idx);
	RTE_SET_USED(worker);
	RTE_SET_USED(st);
	return -ENOENT;
}

int
mr_relay_quic_limits(const struct mr_relay *r, uint16_t idx, struct mr_relay_quic_limits *l)
{
	RTE_SET_USED(r);
	RTE_SET_USED(idx);
	RTE_SET_USED(l);
	return -ENOENT;
}

int
mr_relay_quic_limits_set(struct mr_relay *r, uint16_t idx, const struct mr_relay_quic_limits *l)
{
	RTE_SET_USED(r);
	RTE_SET_USED(idx);
	RTE_SET_USED(l);
	return -ENOENT;
}

bool
mr_relay_quic_in(struct mr_worker *w, struct rte_mbuf *m, const struct mr_pkt_info *pi,
		 bool steer, uint64_t now)
{
	RTE_SET_USED(w);
	RTE_SET_USED(m);
	RTE_SET_USED(pi);
	RTE_SET_USED(steer);
	RTE_SET_USED(now);
	return false;
}

int
mr_relay_quic_dispatch_in(struct mr_relay *r, struct rte_mbuf *m, const struct mr_pkt_info *pi)
{
	RTE_SET_USED(r);
	RTE_SET_USED(m);
	RTE_SET_USED(pi);
	return -EINVAL;
}

void
mr_relay_quic_out(struct mr_worker *w, struct rte_mbuf *m, uint8_t l2_len)
{
	RTE_SET_USED(l2_len);
	drop(w, m, MR_DROP_ROQ_NO_CONN); /* no RoQ leg can exist */
}

unsigned int
mr_relay_quic_poll(struct mr_worker *w, uint64_t now)
{
	RTE_SET_USED(w);
	RTE_SET_USED(now);
	return 0;
}

void
mr_relay_quic_tick(struct mr_worker *w)
{
	RTE_SET_USED(w);
}

void
mr_relay_quic_free(struct mr_relay *r)
{
	RTE_SET_USED(r);
}

int
mr_relay_quic_hs_setup(struct mr_relay *r, unsigned int lcore_id, uint16_t queue_id)
{
	RTE_SET_USED(r);
	RTE_SET_USED(lcore_id);
	RTE_SET_USED(queue_id);
	return -ENOTSUP;
}

bool
mr_relay_quic_hs_enabled(const struct mr_relay *r)
{
	RTE_SET_USED(r);
	return false;
}

unsigned int
mr_relay_quic_hs_poll(struct mr_relay *r, uint64_t now)
{
	RTE_SET_USED(r);
	RTE_SET_USED(now);
	return 0;
}
