/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * A transcoding profile's fields from their text: the syntax and range of
 * every key, the same for [profile.NAME] in the configuration file and
 * for profile_set. Codec and rate combinations are lib/transcode's to
 * judge (mr_tc_profile_validate()), when the profile is installed.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "mr_session.h"
#include "mr_session_priv.h"

const char *const mr_profile_spec_keys[] = {
	"in", "in_pt", "out", "out_pt", "channels", "ptime", "complexity", "reorder", "fec",
	"dtx", "bitrate", "rate", "loss_perc", NULL,
};

/* key, its MR_PROFILE_F_ bit, range, accepted values as text */
static const struct {
	const char *key;
	uint32_t bit;
	uint32_t min;
	uint32_t max;
	const char *accepted;
} fields[] = {
	{"in", MR_PROFILE_F_IN, 0, 0, "opus, pcmu or pcma"},
	{"in_pt", MR_PROFILE_F_IN_PT, 0, 127, "0..127"},
	{"out", MR_PROFILE_F_OUT, 0, 0, "opus, pcmu or pcma"},
	{"out_pt", MR_PROFILE_F_OUT_PT, 0, 127, "0..127"},
	{"channels", MR_PROFILE_F_CHANNELS, 1, 2, "1 or 2"},
	{"ptime", MR_PROFILE_F_PTIME, 10, 60, "10, 20, 40 or 60"},
	{"complexity", MR_PROFILE_F_COMPLEXITY, 0, 10, "0..10"},
	{"reorder", MR_PROFILE_F_REORDER, 1, MR_TC_REORDER_MAX, "1..8"},
	{"fec", MR_PROFILE_F_FEC, 0, 1, "0 or 1"},
	{"dtx", MR_PROFILE_F_DTX, 0, 1, "0 or 1"},
	{"bitrate", MR_PROFILE_F_BITRATE, 6000, 510000, "6000..510000"},
	{"rate", MR_PROFILE_F_RATE, 8000, 48000, "8000, 12000, 16000, 24000 or 48000"},
	{"loss_perc", MR_PROFILE_F_LOSS, 0, 100, "0..100"},
};

const char *
mr_profile_spec_accepted(const char *key)
{
	size_t i;

	for (i = 0; i < RTE_DIM(fields); i++)
		if (strcmp(fields[i].key, key) == 0)
			return fields[i].accepted;
	return NULL;
}

int
mr_profile_spec_set(struct mr_tc_profile *p, uint32_t *given, const char *key, const char *val,
		    char *err, size_t errlen)
{
	uint32_t u;
	size_t i;
	int k;

	for (i = 0; i < RTE_DIM(fields) && strcmp(fields[i].key, key) != 0; i++)
		;
	if (i == RTE_DIM(fields)) {
		snprintf(err, errlen, "unknown key");
		return -ENOENT;
	}
	if (fields[i].bit == MR_PROFILE_F_IN || fields[i].bit == MR_PROFILE_F_OUT) {
		for (k = 0; k < MR_TC_CODEC__MAX; k++)
			if (strcmp(val, mr_tc_codec_name((enum mr_tc_codec)k)) == 0)
				break;
		if (k == MR_TC_CODEC__MAX) {
			snprintf(err, errlen, "'%.40s' is not %s", val, fields[i].accepted);
			return -EINVAL;
		}
		if (fields[i].bit == MR_PROFILE_F_IN)
			p->in_codec = (enum mr_tc_codec)k;
		else
			p->out_codec = (enum mr_tc_codec)k;
		*given |= fields[i].bit;
		return 0;
	}
	if (mr_spec_parse_u32(val, fields[i].min, fields[i].max, &u) != 0 ||
	    (fields[i].bit == MR_PROFILE_F_PTIME && u != 10 && u != 20 && u != 40 && u != 60) ||
	    (fields[i].bit == MR_PROFILE_F_RATE && u != 8000 && u != 12000 && u != 16000 &&
	     u != 24000 && u != 48000)) {
		snprintf(err, errlen, "'%.40s' is not %s", val, fields[i].accepted);
		return -EINVAL;
	}
	switch (fields[i].bit) {
	case MR_PROFILE_F_IN_PT:
		p->in_pt = (uint8_t)u;
		break;
	case MR_PROFILE_F_OUT_PT:
		p->out_pt = (uint8_t)u;
		break;
	case MR_PROFILE_F_CHANNELS:
		p->out_channels = (uint8_t)u;
		break;
	case MR_PROFILE_F_PTIME:
		p->ptime_ms = (uint8_t)u;
		break;
	case MR_PROFILE_F_COMPLEXITY:
		p->complexity = (uint8_t)u;
		break;
	case MR_PROFILE_F_REORDER:
		p->reorder = (uint8_t)u;
		break;
	case MR_PROFILE_F_FEC:
		p->fec = u != 0;
		break;
	case MR_PROFILE_F_DTX:
		p->dtx = u != 0;
		break;
	case MR_PROFILE_F_BITRATE:
		p->bitrate = u;
		break;
	case MR_PROFILE_F_RATE:
		p->rate = u;
		break;
	case MR_PROFILE_F_LOSS:
		p->loss_perc = (uint8_t)u;
		break;
	}
	*given |= fields[i].bit;
	return 0;
}

/* The static payload type of a codec (RFC 3551), or 111 for Opus. */
static uint8_t
default_pt(enum mr_tc_codec c)
{
	return c == MR_TC_CODEC_PCMU ? 0 : c == MR_TC_CODEC_PCMA ? 8 : 111;
}

void
mr_profile_spec_new(struct mr_tc_profile *p, uint32_t given)
{
	if (!(given & MR_PROFILE_F_IN))
		p->in_codec = MR_TC_CODEC_OPUS;
	if (!(given & MR_PROFILE_F_IN_PT))
		p->in_pt = default_pt(p->in_codec);
	if (!(given & MR_PROFILE_F_OUT_PT))
		p->out_pt = default_pt(p->out_codec);
	if (!(given & MR_PROFILE_F_CHANNELS))
		p->out_channels = 1;
	if (!(given & MR_PROFILE_F_PTIME))
		p->ptime_ms = 20;
	if (!(given & MR_PROFILE_F_REORDER))
		p->reorder = 3;
	if (!(given & MR_PROFILE_F_COMPLEXITY))
		p->complexity = 5;
	if (!(given & MR_PROFILE_F_BITRATE))
		p->bitrate = 32000;
	if (!(given & MR_PROFILE_F_RATE))
		p->rate = 48000;
}

void
mr_profile_spec_merge(struct mr_tc_profile *dst, const struct mr_tc_profile *src, uint32_t given)
{
	if (given & MR_PROFILE_F_IN)
		dst->in_codec = src->in_codec;
	if (given & MR_PROFILE_F_IN_PT)
		dst->in_pt = src->in_pt;
	if (given & MR_PROFILE_F_OUT)
		dst->out_codec = src->out_codec;
	if (given & MR_PROFILE_F_OUT_PT)
		dst->out_pt = src->out_pt;
	if (given & MR_PROFILE_F_CHANNELS)
		dst->out_channels = src->out_channels;
	if (given & MR_PROFILE_F_PTIME)
		dst->ptime_ms = src->ptime_ms;
	if (given & MR_PROFILE_F_COMPLEXITY)
		dst->complexity = src->complexity;
	if (given & MR_PROFILE_F_REORDER)
		dst->reorder = src->reorder;
	if (given & MR_PROFILE_F_FEC)
		dst->fec = src->fec;
	if (given & MR_PROFILE_F_DTX)
		dst->dtx = src->dtx;
	if (given & MR_PROFILE_F_BITRATE)
		dst->bitrate = src->bitrate;
	if (given & MR_PROFILE_F_RATE)
		dst->rate = src->rate;
	if (given & MR_PROFILE_F_LOSS)
		dst->loss_perc = src->loss_perc;
}
