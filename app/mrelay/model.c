/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/* The configuration's legs and pairs turned into the relay's tables. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "mrelay.h"

_Static_assert(MR_CONF_BURST_MAX <= MR_RELAY_BURST_MAX, "a configured burst fits one relay burst");

int
mr_app_tables_create(struct mr_app *app)
{
	const struct mr_conf *cf = &app->conf;
	struct mr_streams_params sp = {
		.name = "mr",
		.legs_max = cf->legs_max,
		.streams_max = cf->streams_max,
		.max_threads = RTE_MAX_LCORE,
		.owners_max = app->n_workers,
		.leg_streams_max = cf->leg_streams_max,
		.leg_new_streams_per_s = cf->leg_new_streams_per_s,
		.socket_id = (int)rte_socket_id(),
	};
	struct mr_relay_params rp = {
		.hdr_pool = app->hdr_pool,
		.copy_pool = app->pkt_pool,
		.burst = cf->burst,
		.rtp_port_min = cf->rtp_port_min,
		.rtp_port_max = cf->rtp_port_max,
		.tx_drain_us = cf->tx_drain_us,
		.stream_idle_ms = cf->stream_idle_ms,
	};

	app->streams = mr_streams_create(&sp);
	if (app->streams == NULL) {
		fprintf(stderr, "mrelay: cannot create tables for %u legs and %u streams: %s\n",
			cf->legs_max, cf->streams_max, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	rp.streams = app->streams;
	app->relay = mr_relay_create(&rp);
	if (app->relay == NULL) {
		fprintf(stderr, "mrelay: cannot create the relay: %s\n", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	app->sessions = mr_sessions_create(&(struct mr_sessions_params){
		.streams = app->streams, .relay = app->relay,
		.rtp_port_min = cf->rtp_port_min, .rtp_port_max = cf->rtp_port_max,
	});
	if (app->sessions == NULL) {
		fprintf(stderr, "mrelay: cannot create the session model: %s\n",
			rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

static struct mr_endpoint
endpoint_plus(const struct mr_endpoint *ep, uint32_t i)
{
	struct mr_endpoint r = *ep;

	r.port = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ep->port) + i));
	return r;
}

/* Side A or B of session i of a [pairs] section, as the model takes a leg. */
static void
spec_from_pair(struct mr_leg_spec *sp, char *name, size_t len, const struct mr_conf_pairs *pp,
	       uint32_t i, bool side_a)
{
	mr_leg_spec_init(sp);
	snprintf(name, len, "%s_%c%u", pp->name, side_a ? 'a' : 'b', i);
	snprintf(sp->session, sizeof(sp->session), "%s_%u", pp->name, i);
	sp->port = pp->port;
	sp->local = endpoint_plus(side_a ? &pp->a_local : &pp->b_local, i);
	sp->latch = side_a ? pp->a_latch : pp->b_latch;
	if (!sp->latch)
		sp->remote = endpoint_plus(side_a ? &pp->a_remote : &pp->b_remote, i);
	sp->clock_rate = pp->clock_rate;
	snprintf(sp->transcode, sizeof(sp->transcode), "%s",
		 side_a ? pp->a_transcode : pp->b_transcode);
	sp->given = MR_LEG_F_SESSION | MR_LEG_F_PORT | MR_LEG_F_LOCAL | MR_LEG_F_REMOTE |
		    MR_LEG_F_CLOCK | MR_LEG_F_TRANSCODE;
}

/*
 * The configuration's legs through the session model, as the control
 * commands add them. Two passes: every leg first without destinations,
 * then the destinations, because a leg may forward to one defined after it.
 */
int
mr_app_legs_load(struct mr_app *app, char *err, size_t errlen)
{
	const struct mr_conf *cf = &app->conf;
	struct mr_sessions_result res;
	struct mr_leg_spec sp;
	char why[256], name[MR_STREAM_NAME_LEN];
	uint32_t i, j;
	int rc;

	for (i = 0; i < cf->n_legs; i++) {
		sp = cf->legs[i].spec;
		sp.given &= ~MR_LEG_F_FORWARD;
		sp.n_fwd = 0;
		rc = mr_sessions_leg_add(app->sessions, cf->legs[i].name, &sp,
					 MR_LEG_ORIGIN_CONFIG, &res, why, sizeof(why));
		if (rc != 0)
			goto leg_fail;
	}
	for (j = 0; j < cf->n_pairs; j++) {
		const struct mr_conf_pairs *pp = &cf->pairs[j];

		for (i = 0; i < pp->count * 2; i++) {
			spec_from_pair(&sp, name, sizeof(name), pp, i / 2, i % 2 == 0);
			rc = mr_sessions_leg_add(app->sessions, name, &sp, MR_LEG_ORIGIN_CONFIG,
						 &res, why, sizeof(why));
			if (rc == 0 && i % 2 == 1) {
				char a[MR_STREAM_NAME_LEN];

				snprintf(a, sizeof(a), "%s_a%u", pp->name, i / 2);
				rc = mr_sessions_dest(app->sessions, a, name, true, &res, why,
						      sizeof(why));
				if (rc == 0)
					rc = mr_sessions_dest(app->sessions, name, a, true, &res,
							      why, sizeof(why));
			}
			if (rc != 0) {
				snprintf(err, errlen, "[pairs.%s] leg %s: %s",
					 pp->name, name, why);
				return rc;
			}
		}
	}
	for (i = 0; i < cf->n_legs; i++) {
		if (!(cf->legs[i].spec.given & MR_LEG_F_FORWARD))
			continue;
		mr_leg_spec_init(&sp);
		sp.given = MR_LEG_F_FORWARD;
		sp.n_fwd = cf->legs[i].spec.n_fwd;
		memcpy(sp.fwd, cf->legs[i].spec.fwd, sizeof(sp.fwd));
		rc = mr_sessions_leg_update(app->sessions, cf->legs[i].name, &sp, &res, why,
					    sizeof(why));
		if (rc != 0)
			goto leg_fail;
	}
	return 0;
leg_fail:
	snprintf(err, errlen, "[leg.%s] %s", cf->legs[i].name, why);
	return rc;
}

/*
 * Transcoding profiles from [profile.NAME] (checked by lib/transcode,
 * which knows which codec and rate combinations work), and one
 * transcoder per [relay] transcoders lcore, sending on the TX queues
 * after the workers'.
 */
int
mr_app_transcoders_setup(struct mr_app *app, char *err, size_t errlen)
{
	struct mr_tc_profile prof[MR_CONF_MAX_PROFILES];
	char names[MR_CONF_MAX_PROFILES][MR_STREAM_NAME_LEN];
	const struct mr_conf *cf = &app->conf;
	uint16_t bad = 0;
	uint32_t i;
	int rc;

	for (i = 0; i < cf->n_profiles; i++) {
		prof[i] = cf->profiles[i].p;
		snprintf(names[i], sizeof(names[i]), "%s", cf->profiles[i].name);
	}
	rc = mr_sessions_profiles_set(app->sessions, names, prof, cf->n_profiles, &bad);
	if (rc == -EINVAL) {
		snprintf(err, errlen, "configuration error: [profile.%s]: this codec and "
			 "rate combination is not supported (G.711 needs rate 8000 or 48000)",
			 cf->profiles[bad].name);
		return rc;
	}
	if (rc != 0) {
		snprintf(err, errlen, "configuration error: too many profiles");
		return -EINVAL;
	}
	for (i = 0; i < app->n_transcoders; i++) {
		char name[32];
		struct mr_transcoder_params tp = {
			.name = name,
			.socket_id = (int)rte_lcore_to_socket_id(app->transcoder_lcores[i]),
			.ring_size = cf->transcode_ring,
			.max_channels = cf->transcode_channels,
			.burst = 32,
			.out_pool = app->pkt_pool,
		};

		snprintf(name, sizeof(name), "mr_tc%u", i);
		if (mr_relay_add_transcoder(app->relay, app->transcoder_lcores[i],
					    (uint16_t)(app->n_workers + i), &tp) == NULL) {
			snprintf(err, errlen, "transcoder on lcore %u: %s",
				 app->transcoder_lcores[i], rte_strerror(rte_errno));
			return -ENOMEM;
		}
	}
	return 0;
}
