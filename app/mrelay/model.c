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
	return 0;
}

static struct mr_endpoint
endpoint_plus(const struct mr_endpoint *ep, uint32_t i)
{
	struct mr_endpoint r = *ep;

	r.port = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ep->port) + i));
	return r;
}

static void
def_from_leg(struct mr_leg_def *d, const struct mr_conf_leg *l)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", l->name);
	snprintf(d->session, sizeof(d->session), "%s", l->session);
	d->in_use = true;
	d->latch = l->latch;
	d->local = l->local;
	d->remote = l->remote;
	d->port_id = l->port;
	d->clock_rate = l->clock_rate;
	d->rewrite = l->rewrite_ssrc || l->seq_offset != 0 || l->ts_offset != 0;
	d->ssrc_out = l->rewrite_ssrc ? l->ssrc_out : 0;
	d->seq_offset = l->seq_offset;
	d->ts_offset = l->ts_offset;
	d->tc_profile = l->tc_profile;
	d->streams_max = l->streams_max;
	d->has_new_streams_per_s = l->has_new_streams_per_s;
	d->new_streams_per_s = l->new_streams_per_s;
}

static void
def_from_pair(struct mr_leg_def *d, const struct mr_conf_pairs *pp, uint32_t i, bool side_a)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s_%c%u", pp->name, side_a ? 'a' : 'b', i);
	snprintf(d->session, sizeof(d->session), "%s_%u", pp->name, i);
	d->in_use = true;
	d->latch = side_a ? pp->a_latch : pp->b_latch;
	d->local = endpoint_plus(side_a ? &pp->a_local : &pp->b_local, i);
	if (!d->latch)
		d->remote = endpoint_plus(side_a ? &pp->a_remote : &pp->b_remote, i);
	d->port_id = pp->port;
	d->clock_rate = pp->clock_rate;
	d->tc_profile = side_a ? pp->a_tc_profile : pp->b_tc_profile;
}

static int
leg_set(struct mr_app *app, uint32_t idx, const struct mr_leg_def *d, char *err, size_t errlen)
{
	int rc = mr_streams_leg_set(app->streams, idx, d);

	if (rc != 0)
		snprintf(err, errlen, "[leg.%s]: cannot install: %s", d->name, strerror(-rc));
	return rc;
}

/*
 * Two passes: every leg first without destinations, then again with
 * them, because a leg may forward to one defined after it.
 */
int
mr_app_legs_load(struct mr_app *app, char *err, size_t errlen)
{
	const struct mr_conf *cf = &app->conf;
	struct mr_leg_def d;
	uint32_t i, j, idx;
	int pass, rc;

	for (pass = 0; pass < 2; pass++) {
		idx = 0;
		for (i = 0; i < cf->n_legs; i++, idx++) {
			def_from_leg(&d, &cf->legs[i]);
			if (pass == 1) {
				d.n_fwd = cf->legs[i].n_fwd;
				memcpy(d.fwd, cf->legs[i].fwd, sizeof(d.fwd[0]) * d.n_fwd);
			}
			rc = leg_set(app, idx, &d, err, errlen);
			if (rc != 0)
				return rc;
		}
		for (j = 0; j < cf->n_pairs; j++) {
			const struct mr_conf_pairs *pp = &cf->pairs[j];

			for (i = 0; i < pp->count; i++, idx += 2) {
				def_from_pair(&d, pp, i, true);
				if (pass == 1) {
					d.n_fwd = 1;
					d.fwd[0] = idx + 1;
				}
				rc = leg_set(app, idx, &d, err, errlen);
				if (rc != 0)
					return rc;
				def_from_pair(&d, pp, i, false);
				if (pass == 1) {
					d.n_fwd = 1;
					d.fwd[0] = idx;
				}
				rc = leg_set(app, idx + 1, &d, err, errlen);
				if (rc != 0)
					return rc;
			}
		}
	}
	return 0;
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
	static const enum mr_tc_codec codecs[] = {
		[MR_CONF_CODEC_OPUS] = MR_TC_CODEC_OPUS,
		[MR_CONF_CODEC_PCMU] = MR_TC_CODEC_PCMU,
		[MR_CONF_CODEC_PCMA] = MR_TC_CODEC_PCMA,
	};
	struct mr_tc_profile prof[MR_CONF_MAX_PROFILES];
	const struct mr_conf *cf = &app->conf;
	uint32_t i;

	for (i = 0; i < cf->n_profiles; i++) {
		const struct mr_conf_profile *c = &cf->profiles[i];

		prof[i] = (struct mr_tc_profile){
			.in_codec = codecs[c->in_codec], .in_pt = c->in_pt,
			.out_codec = codecs[c->out_codec], .out_pt = c->out_pt,
			.out_channels = c->channels, .ptime_ms = c->ptime,
			.complexity = c->complexity, .fec = c->fec, .dtx = c->dtx,
			.reorder = c->reorder, .bitrate = c->bitrate, .rate = c->rate,
		};
		if (mr_tc_profile_validate(&prof[i]) != 0) {
			snprintf(err, errlen, "configuration error: [profile.%s]: this codec and "
				 "rate combination is not supported (G.711 needs rate 8000 or 48000)",
				 c->name);
			return -EINVAL;
		}
	}
	if (mr_relay_set_profiles(app->relay, prof, cf->n_profiles) != 0) {
		snprintf(err, errlen, "configuration error: too many profiles");
		return -EINVAL;
	}
	if (app->n_transcoders == 0) {
		for (i = 0; i < cf->n_legs; i++) {
			if (cf->legs[i].tc_profile != 0) {
				snprintf(err, errlen, "configuration error: [leg.%s] transcode: "
					 "needs transcoder lcores ([relay] transcoders)",
					 cf->legs[i].name);
				return -EINVAL;
			}
		}
		for (i = 0; i < cf->n_pairs; i++) {
			if (cf->pairs[i].a_tc_profile != 0 || cf->pairs[i].b_tc_profile != 0) {
				snprintf(err, errlen, "configuration error: [pairs.%s] a_transcode/"
					 "b_transcode: needs transcoder lcores ([relay] transcoders)",
					 cf->pairs[i].name);
				return -EINVAL;
			}
		}
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
