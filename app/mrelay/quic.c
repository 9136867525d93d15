/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * The configuration's [quic.NAME] endpoints: a lib/quic endpoint each
 * (certificate, ALPN, CIDs with one owner per worker), and a server of it
 * on every worker (mr_relay_quic_add()).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "mr_relay_quic.h"
#include "mrelay.h"

#ifdef MR_NO_QUIC

/* -Dstatic_mrelay=true: no GnuTLS, no QUIC (lib/relay/meson.build). */
int
mr_app_quic_setup(struct mr_app *app, char *err, size_t errlen)
{
	if (app->conf.n_quic == 0)
		return 0;
	snprintf(err, errlen, "[quic.%s]: this mrelay was built without QUIC "
		 "(-Dstatic_mrelay=true: GnuTLS cannot be linked statically)", app->conf.quic[0].name);
	return -EINVAL;
}

#else

/* Random bytes for keys and IDs: the kernel's CSPRNG (start-up only). */
static int
random_fill(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
endpoint_setup(struct mr_app *app, const struct mr_conf_quic *cq, bool hs_main, char *err,
	       size_t errlen)
{
	struct mr_quic_endpoint_conf qc;
	struct mr_quic_endpoint *ep;
	char why[256];
	unsigned int i;
	int rc;

	memset(&qc, 0, sizeof(qc));
	qc.cert_file = cq->cert;
	qc.key_file = cq->key;
	for (i = 0; i < cq->n_alpn; i++)
		qc.alpn[i] = cq->alpn[i];
	/* QUIC-LB plaintext CIDs: server id, the owner (worker) octet, 8 nonce octets */
	qc.cid.config_id = 0;
	qc.cid.nonce_len = 8;
	qc.cid.n_owners = app->n_workers;
	if (cq->server_id_len != 0) {
		qc.cid.server_id_len = cq->server_id_len;
		memcpy(qc.cid.server_id, cq->server_id, cq->server_id_len);
	} else {
		qc.cid.server_id_len = 2;
		if (random_fill(qc.cid.server_id, 2) != 0)
			goto no_random;
	}
	if (random_fill(qc.cid.hash_key, sizeof(qc.cid.hash_key)) != 0)
		goto no_random;
	qc.idle_timeout_ms = cq->idle_timeout_ms;
	qc.handshake_timeout_ms = cq->handshake_timeout_ms;
	qc.max_datagram_frame_size = cq->max_datagram_frame_size;
	qc.max_conns = cq->max_conns;
	qc.retry_above = cq->retry_above;
	rc = mr_quic_endpoint_create(&qc, &ep, why, sizeof(why));
	if (rc != 0) {
		snprintf(err, errlen, "[quic.%s]: %s", cq->name, why);
		return -EINVAL;
	}
	rc = mr_relay_quic_add(app->relay, &(struct mr_relay_quic_params){
		.name = cq->name, .ep = ep, .port_id = cq->port, .local = cq->local,
		.handshakes_per_poll = cq->handshakes_per_poll, .max_conns = cq->max_conns,
		.handshake_lcore = hs_main,
	});
	if (rc < 0) {
		mr_quic_endpoint_free(ep);
		snprintf(err, errlen, "[quic.%s]: cannot set up its servers on the workers: %s",
			 cq->name, strerror(-rc));
		return rc == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	return 0;
no_random:
	snprintf(err, errlen, "[quic.%s]: no random bytes for its CIDs", cq->name);
	return -EIO;
}

/*
 * Whether endpoint @p cq makes its handshakes on the main lcore: asked for
 * (handshakes = main, the default) and its port gives the main lcore a TX
 * queue, the same on every such port (workers + transcoders).
 */
static bool
hs_on_main(const struct mr_app *app, const struct mr_conf_quic *cq, uint16_t *txq)
{
	uint16_t q = app->node_txq[cq->port];

	if (cq->handshakes_on_workers)
		return false;
	if (q == MR_NODE_NO_QUEUE || (*txq != MR_NODE_NO_QUEUE && q != *txq)) {
		printf("mrelay: [quic.%s]: port %u has no TX queue for the main lcore: "
		       "handshakes on the workers\n", cq->name, cq->port);
		return false;
	}
	*txq = q;
	return true;
}

int
mr_app_quic_setup(struct mr_app *app, char *err, size_t errlen)
{
	bool hs_main[MR_CONF_MAX_QUIC];
	uint16_t i, txq = MR_NODE_NO_QUEUE;
	int rc;

	for (i = 0; i < app->conf.n_quic; i++)
		hs_main[i] = hs_on_main(app, &app->conf.quic[i], &txq);
	if (txq != MR_NODE_NO_QUEUE) {
		/* TLS handshakes off the workers: the main lcore, TX on its own queue */
		rc = mr_relay_quic_hs_setup(app->relay, rte_get_main_lcore(), txq);
		if (rc != 0) {
			snprintf(err, errlen, "QUIC handshakes on the main lcore: %s",
				 strerror(-rc));
			return rc;
		}
	}
	for (i = 0; i < app->conf.n_quic; i++) {
		rc = endpoint_setup(app, &app->conf.quic[i], hs_main[i], err, errlen);
		if (rc != 0)
			return rc;
	}
	return 0;
}

#endif /* MR_NO_QUIC */
