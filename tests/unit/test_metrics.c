/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_test.h"
#include "mr_metrics.h"
#include "mr_quic.h"
#include "mr_relay_drops.h"
#include "mr_relay_quic.h"

/*
 * The names operators' dashboards, alert rules, docs and tests use: moving
 * a reason to another library may change its id, never its name.
 */
static const char *const exported_names[] = {
	"runt", "multiseg", "not_ip", "vlan", "ipv4_hdr", "ipv4_cksum", "ipv6_hdr",
	"ipv6_ext", "ip_fragment", "not_udp", "udp_hdr", "l4_cksum", "port_unused",
	"rtp_truncated", "rtp_version", "rtp_csrc", "rtp_extension", "rtp_padding",
	"rtcp_malformed", "no_leg", "source_mismatch", "leg_stream_limit",
	"leg_new_stream_rate", "leg_busy", "latch_ring_full", "streams_max",
	"stream_table_full", "wrong_worker", "dispatch_ring_full", "no_dest",
	"mbuf_exhausted", "no_headroom", "oversize", "tx_full", "port_paused", "shutdown",
	"transcode_ring_full", "transcode_late", "transcode_no_channel", "transcode_stale",
	"transcode_bad_pt", "exception_ring_full", "nexthop_unresolved",
	"srtp_auth", "srtp_replay", "srtp_malformed", "srtp_no_room", "srtp_error",
	"quic_truncated", "quic_cid_too_long", "quic_vn_to_server",
	"quic_retry_to_server", "quic_initial_too_small", "quic_unknown_version_small",
	"quic_unroutable_config", "quic_unroutable_length", "quic_unroutable_server",
	"quic_unroutable_owner", "quic_unknown_cid", "quic_initial_rejected",
	"quic_retry_token", "quic_conn_limit", "quic_cid_table_full", "quic_conn_setup",
	"quic_pkt_discarded", "quic_closing", "quic_stateless_queue_full", "roq_truncated",
	"roq_empty", "quic_handshake_queue_full", "quic_ring_full", "quic_not_ip",
	"roq_no_conn", "roq_congested", "roq_too_big", "roq_no_datagrams", "roq_in_full",
	"quic_handoff_failed", "roq_handoff_full",
};

/* The process's registry: every library of the relay registered, whole. */
static int
test_metrics_registry_whole(void)
{
	char err[256] = "";
	unsigned int i, j;

	MR_TEST_ASSERT(mr_drop_registry_check(&mr_drop_registry, MR_QUIC_DROP_END,
					      err, sizeof(err)) == 0, "%s", err);
	MR_TEST_EQ(mr_drop_reason_end(), MR_QUIC_DROP_END);
	for (i = MR_DROP_NONE + 1; i < MR_QUIC_DROP_END; i++) {
		const struct mr_drop_info *d = mr_drop_reason_info(i);

		MR_TEST_ASSERT(d != NULL, "reason %u unregistered", i);
		MR_TEST_EQ(strspn(d->name, "abcdefghijklmnopqrstuvwxyz0123456789_"),
			   strlen(d->name));
		MR_TEST_ASSERT(d->desc != NULL && strlen(d->desc) > 10, "%s: description", d->name);
		MR_TEST_ASSERT(strcmp(mr_drop_reason_name(i), d->name) == 0, "name of %u", i);
		for (j = MR_DROP_NONE + 1; j < i; j++)
			MR_TEST_ASSERT(strcmp(d->name, mr_drop_reason_name(j)) != 0, "dup %s", d->name);
	}
	MR_TEST_ASSERT(strcmp(mr_drop_reason_name(MR_DROP_NONE), "none") == 0, "none");
	MR_TEST_ASSERT(mr_drop_reason_info(MR_DROP_NONE) == NULL, "none is no reason");
	MR_TEST_ASSERT(strcmp(mr_drop_reason_name(MR_QUIC_DROP_END), "invalid") == 0, "end");
	MR_TEST_ASSERT(strcmp(mr_drop_reason_name(MR_DROP_CAPACITY + 3), "invalid") == 0, "range");
	MR_TEST_ASSERT(mr_drop_reason_info(MR_DROP_CAPACITY) == NULL, "range");
	return 0;
}

/* Each library's ids are one block, in build order, registered under its name. */
static int
test_metrics_registry_owners(void)
{
	static const struct {
		const char *lib;
		unsigned int first, end;
	} blocks[] = {
		{"metrics", MR_DROP_NONE + 1, MR_METRICS_DROP_END},
		{"pkt", MR_METRICS_DROP_END, MR_PKT_DROP_END},
		{"rtp", MR_PKT_DROP_END, MR_RTP_DROP_END},
		{"transcode", MR_RTP_DROP_END, MR_TRANSCODE_DROP_END},
		{"relay", MR_TRANSCODE_DROP_END, MR_RELAY_DROP_END},
		{"quic", MR_RELAY_DROP_END, MR_QUIC_DROP_END},
	};
	unsigned int b, i;

	for (b = 0; b < RTE_DIM(blocks); b++) {
		MR_TEST_ASSERT(blocks[b].first < blocks[b].end, "%s has no reasons", blocks[b].lib);
		for (i = blocks[b].first; i < blocks[b].end; i++)
			MR_TEST_ASSERT(strcmp(mr_drop_reason_info(i)->lib, blocks[b].lib) == 0,
				       "%s (%u) registered by %s, not %s", mr_drop_reason_name(i), i,
				       mr_drop_reason_info(i)->lib, blocks[b].lib);
	}
	/* lib/quic's reasons are counted under their own names */
	for (i = MR_QUIC_OK + 1; i < MR_QUIC_DROP__MAX; i++)
		MR_TEST_ASSERT(strcmp(mr_drop_reason_name(mr_relay_quic_drop_id(i)),
				      mr_quic_drop_name(i)) == 0, "quic reason %s counted as %s",
			       mr_quic_drop_name(i), mr_drop_reason_name(mr_relay_quic_drop_id(i)));
	MR_TEST_EQ(mr_relay_quic_drop_id(MR_QUIC_OK), MR_DROP_NONE);
	/* the constants each library counts name what it registered */
	MR_TEST_ASSERT(strcmp(mr_drop_reason_name(MR_DROP_SHUTDOWN), "shutdown") == 0, "shutdown");
	MR_TEST_ASSERT(strcmp(mr_drop_reason_name(MR_DROP_RUNT), "runt") == 0, "runt");
	MR_TEST_ASSERT(strcmp(mr_drop_reason_name(MR_DROP_L4_CKSUM), "l4_cksum") == 0, "l4");
	MR_TEST_ASSERT(strcmp(mr_drop_reason_name(MR_DROP_RTCP_MALFORMED), "rtcp_malformed") == 0,
		       "rtcp");
	MR_TEST_ASSERT(strcmp(mr_drop_reason_name(MR_DROP_TRANSCODE_LATE), "transcode_late") == 0,
		       "late");
	MR_TEST_ASSERT(strcmp(mr_drop_reason_name(MR_DROP_SOURCE_MISMATCH),
			      "source_mismatch") == 0, "source");
	MR_TEST_ASSERT(strcmp(mr_drop_reason_info(MR_DROP_SOURCE_MISMATCH)->lib, "relay") == 0,
		       "source_mismatch's library");
	return 0;
}

/* Exactly the names exported before the reasons moved into their libraries. */
static int
test_metrics_exported_names(void)
{
	unsigned int i, r, found;

	MR_TEST_EQ(mr_drop_reason_end() - 1, RTE_DIM(exported_names));
	for (i = 0; i < RTE_DIM(exported_names); i++) {
		found = 0;
		for (r = MR_DROP_NONE + 1; r < mr_drop_reason_end(); r++)
			found += strcmp(mr_drop_reason_name(r), exported_names[i]) == 0;
		MR_TEST_ASSERT(found == 1, "%s registered %u times", exported_names[i], found);
	}
	return 0;
}

static struct mr_drop_registry *
registry_new(void)
{
	struct mr_drop_registry *reg = calloc(1, sizeof(*reg));

	if (reg == NULL)
		abort();
	return reg;
}

#define ONE(id_, name_, desc_) (const struct mr_drop_desc[]){{(id_), (name_), (desc_)}}

/* Duplicate ids and names, bad ids, names and descriptions: refused, whole. */
static int
test_metrics_registry_refuses(void)
{
	static const struct mr_drop_desc a[] = {{1, "alpha", "the first"}, {2, "beta", "the 2nd"}};
	static const struct mr_drop_desc twice_name[] = {{3, "gamma", "x d"}, {4, "gamma", "y d"}};
	static const struct mr_drop_desc twice_id[] = {{3, "gamma", "x d"}, {3, "delta", "y d"}};
	static const struct mr_drop_desc late_dup[] = {{3, "gamma", "x d"}, {5, "beta", "y d"}};
	struct mr_drop_registry *reg = registry_new();
	char desc_max[MR_DROP_DESC_MAX + 2];
	char err[256] = "";
	unsigned int i;

	MR_TEST_EQ(mr_drop_registry_add(reg, "liba", a, RTE_DIM(a)), 0);
	MR_TEST_EQ(reg->end, 3);
	MR_TEST_EQ(mr_drop_registry_check(reg, 3, err, sizeof(err)), 0);

	/* an id or a name someone has */
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", ONE(2, "zeta", "z d"), 1), -EEXIST);
	MR_TEST_ASSERT(strstr(reg->error, "id 2 is liba's beta") != NULL, "%s", reg->error);
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", ONE(3, "alpha", "z d"), 1), -EEXIST);
	/* twice in one list, or a clash after good entries: nothing registered */
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", twice_name, 2), -EEXIST);
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", twice_id, 2), -EEXIST);
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", late_dup, 2), -EEXIST);
	MR_TEST_ASSERT(reg->reason[3].name == NULL && reg->reason[4].name == NULL &&
		       reg->reason[5].name == NULL, "a refused list left entries");
	MR_TEST_EQ(reg->end, 3);

	/* ids out of range, malformed names and descriptions, no list */
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", ONE(0, "zero", "z d"), 1), -EINVAL);
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", ONE(MR_DROP_CAPACITY, "big", "z d"), 1),
		   -ERANGE);
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", ONE(3, "Upper", "z d"), 1), -EINVAL);
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", ONE(3, "a-b", "z d"), 1), -EINVAL);
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", ONE(3, "", "z d"), 1), -EINVAL);
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", ONE(3, NULL, "z d"), 1), -EINVAL);
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb",
					ONE(3, "abcdefghijklmnopqrstuvwxyz_01234", "z d"), 1),
		   -EINVAL);
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", ONE(3, "q", "say \"no\""), 1), -EINVAL);
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", ONE(3, "q", "back\\slash"), 1), -EINVAL);
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", ONE(3, "q", "caf\xc3\xa9"), 1), -EINVAL);
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", ONE(3, "q", "two\nlines"), 1), -EINVAL);
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", ONE(3, "q", ""), 1), -EINVAL);
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", ONE(3, "q", NULL), 1), -EINVAL);
	memset(desc_max, 'd', sizeof(desc_max) - 1);
	desc_max[sizeof(desc_max) - 1] = '\0';
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", ONE(3, "q", desc_max), 1), -EINVAL);
	MR_TEST_EQ(mr_drop_registry_add(reg, "Lib", ONE(3, "q", "z d"), 1), -EINVAL);
	MR_TEST_EQ(mr_drop_registry_add(reg, NULL, ONE(3, "q", "z d"), 1), -EINVAL);
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", NULL, 1), -EINVAL);
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb", a, 0), -EINVAL);
	MR_TEST_EQ(reg->refused, 23);
	for (i = 3; i < MR_DROP_CAPACITY; i++)
		MR_TEST_ASSERT(reg->reason[i].name == NULL, "id %u registered by a refusal", i);

	/* the longest name and description are fine */
	desc_max[MR_DROP_DESC_MAX] = '\0';
	MR_TEST_EQ(mr_drop_registry_add(reg, "libb",
					ONE(MR_DROP_CAPACITY - 1, "abcdefghijklmnopqrstuvwxyz_0123",
					    desc_max), 1), 0);
	MR_TEST_EQ(reg->end, MR_DROP_CAPACITY);

	/* a refusal makes the registry fail its check, naming the first one */
	MR_TEST_EQ(mr_drop_registry_check(reg, 3, err, sizeof(err)), -EEXIST);
	MR_TEST_ASSERT(strstr(err, "23 registration(s) refused") != NULL &&
		       strstr(err, "liba's beta") != NULL, "%s", err);
	free(reg);
	return 0;
}

/* A library's list that was not registered leaves a gap the check finds. */
static int
test_metrics_registry_gap(void)
{
	struct mr_drop_registry *reg = registry_new();
	char err[256] = "";

	MR_TEST_EQ(mr_drop_registry_add(reg, "low", ONE(1, "low_one", "low d"), 1), 0);
	MR_TEST_EQ(mr_drop_registry_add(reg, "high", ONE(3, "high_one", "high d"), 1), 0);
	MR_TEST_EQ(mr_drop_registry_check(reg, 2, err, sizeof(err)), 0);
	MR_TEST_EQ(mr_drop_registry_check(reg, 4, err, sizeof(err)), -ENOENT);
	MR_TEST_ASSERT(strstr(err, "id 2 has no name") != NULL, "%s", err);
	/* and the top library's own list missing: ids up to its end unnamed */
	MR_TEST_EQ(mr_drop_registry_check(reg, 6, err, sizeof(err)), -ENOENT);
	MR_TEST_EQ(mr_drop_registry_check(reg, MR_DROP_CAPACITY + 1, err, sizeof(err)), -ENOENT);
	free(reg);
	return 0;
}

/* mrelay --drop-reasons: the columns in id order. */
static int
test_metrics_reasons_json(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	char want[256];
	unsigned int r;

	MR_TEST_ASSERT(f != NULL, "open_memstream");
	MR_TEST_EQ(mr_drop_reasons_json(f), 0);
	fclose(f);
	MR_TEST_ASSERT(strncmp(text, "{\"id\":[1,2,3,4,", 15) == 0, "%.40s", text);
	MR_TEST_ASSERT(strstr(text, "\"name\":[\"multiseg\",\"mbuf_exhausted\",\"shutdown\",\"runt\",")
		       != NULL, "names not in id order");
	snprintf(want, sizeof(want), ",%u],\"name\":[", MR_QUIC_DROP_END - 1);
	MR_TEST_ASSERT(strstr(text, want) != NULL, "ids do not end at %u", MR_QUIC_DROP_END - 1);
	MR_TEST_ASSERT(strstr(text, "\"library\":[\"metrics\",") != NULL, "library column");
	snprintf(want, sizeof(want), "\"description\":[\"%s\",",
		 mr_drop_reason_info(1)->desc);
	MR_TEST_ASSERT(strstr(text, want) != NULL, "description column");
	MR_TEST_ASSERT(strcmp(text + len - 3, "]}\n") == 0, "end: %s", text + len - 3);
	for (r = MR_DROP_NONE + 1; r < mr_drop_reason_end(); r++) {
		snprintf(want, sizeof(want), "\"%s\"", mr_drop_reason_name(r));
		MR_TEST_ASSERT(strstr(text, want) != NULL, "%s missing", want);
	}
	free(text);
	return 0;
}

/* Totals add up across lcores; reset clears them. */
static int
test_metrics_totals(void)
{
	mr_counters_reset_all();
	mr_drop_count(&mr_counters[1], MR_DROP_NO_LEG, 3);
	mr_drop_count(&mr_counters[7], MR_DROP_NO_LEG, 4);
	mr_drop_count(&mr_counters[7], MR_DROP_TX_FULL, 5);
	mr_drop_count(&mr_counters[2], MR_DROP_RUNT, 1);
	MR_TEST_EQ(mr_drop_total(MR_DROP_NO_LEG), 7);
	MR_TEST_EQ(mr_drop_total(MR_DROP_TX_FULL), 5);
	MR_TEST_EQ(mr_drop_total_all(), 13);
	MR_TEST_EQ(mr_drop_total(MR_DROP_CAPACITY), 0);
	mr_counters_reset_all();
	MR_TEST_EQ(mr_drop_total_all(), 0);
	return 0;
}

MR_REGISTER_TEST(metrics, registry_whole, test_metrics_registry_whole)
MR_REGISTER_TEST(metrics, registry_owners, test_metrics_registry_owners)
MR_REGISTER_TEST(metrics, exported_names, test_metrics_exported_names)
MR_REGISTER_TEST(metrics, registry_refuses, test_metrics_registry_refuses)
MR_REGISTER_TEST(metrics, registry_gap, test_metrics_registry_gap)
MR_REGISTER_TEST(metrics, reasons_json, test_metrics_reasons_json)
MR_REGISTER_TEST(metrics, totals, test_metrics_totals)
