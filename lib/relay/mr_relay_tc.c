/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * Transcoding changes made by the control plane (main lcore): a leg's
 * streams told a new profile, a profile's parameters replaced. A stream's
 * transcoder channel is written once, before the stream is published, so
 * these functions only ever update live channels; a stream whose channel
 * cannot be updated is deleted and learned again from its next packet
 * (with the leg's profile as it is then).
 */

#include <errno.h>
#include <string.h>

#include <rte_cycles.h>

#include "mr_relay.h"

/* A full control ring empties within a transcoder poll: wait this long at most. */
#define TC_RETRY_US 20
#define TC_RETRIES 100

/* Which streams a pass visits. */
struct tc_sel {
	uint32_t leg_idx;    /* MR_STREAM_NO_LEG: every leg of profile */
	uint16_t profile;    /* 1-based */
};

/* Post one update; a full control ring gets a short bounded wait. */
static int
tc_update_one(struct mr_relay *r, const struct mr_stream *st, const struct mr_tc_profile *p)
{
	unsigned int tries;
	int rc;

	if (st->tc_channel == MR_STREAM_NO_CHANNEL || st->tc_index >= r->n_tc)
		return -ENOENT;
	for (tries = 0;; tries++) {
		rc = mr_transcoder_channel_update(r->tc[st->tc_index], st->tc_channel, p);
		if (rc != -ENOSPC || tries == TC_RETRIES)
			return rc;
		rte_delay_us_block(TC_RETRY_US);
	}
}

/* Update the channels of one leg's streams (its own list, not the table). */
static void
tc_leg_pass(struct mr_relay *r, uint32_t leg_idx, const struct mr_tc_profile *p,
	    struct mr_relay_tc_result *res)
{
	struct mr_stream *st = r->streams->defs[leg_idx].streams;

	while (st != NULL) {
		struct mr_stream *next = st->leg_next;
		struct mr_stream_key key;

		if (tc_update_one(r, st, p) == 0) {
			res->channels_updated++;
		} else {
			res->update_failed++;
			key = st->key;
			if (mr_streams_del(r->streams, &key) == 0)
				res->streams_deleted++;
		}
		st = next;
	}
}

static void
tc_pass(struct mr_relay *r, const struct tc_sel *sel, struct mr_relay_tc_result *res)
{
	const struct mr_tc_profile *p = &r->profiles[sel->profile - 1];
	const struct mr_streams *s = r->streams;
	uint32_t i;

	if (sel->leg_idx != MR_STREAM_NO_LEG) {
		tc_leg_pass(r, sel->leg_idx, p, res);
		return;
	}
	for (i = 0; i < s->legs_max; i++)
		if (s->defs[i].in_use && s->defs[i].tc_profile == sel->profile)
			tc_leg_pass(r, i, p, res);
}

int
mr_relay_leg_channels_update(struct mr_relay *r, uint32_t leg_idx, uint16_t profile,
			     struct mr_relay_tc_result *res)
{
	struct tc_sel sel = {.leg_idx = leg_idx, .profile = profile};

	if (r == NULL || res == NULL || profile == 0 || profile > r->n_profiles ||
	    leg_idx >= r->streams->legs_max)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	tc_pass(r, &sel, res);
	return 0;
}

int
mr_relay_profile_update(struct mr_relay *r, uint16_t profile, const struct mr_tc_profile *p,
			struct mr_relay_tc_result *res)
{
	struct tc_sel sel = {.leg_idx = MR_STREAM_NO_LEG, .profile = profile};
	struct mr_tc_profile tmp;

	if (r == NULL || p == NULL || res == NULL || profile == 0 || profile > r->n_profiles)
		return -EINVAL;
	tmp = *p;
	if (mr_tc_profile_validate(&tmp) != 0)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	/* channels opened from now on take the new parameters */
	r->profiles[profile - 1] = tmp;
	tc_pass(r, &sel, res);
	return 0;
}
