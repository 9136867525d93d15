/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_CTL_PRIV_H
#define MR_CTL_PRIV_H

/* Internal to lib/ctl. */

#include <stdbool.h>
#include <stdint.h>

#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_telemetry.h>

#include "mr_ctl.h"

#define MR_CTL_ERR_LEN 200          /* error text, < RTE_TEL_MAX_STRING_LEN with prefix room */
#define MR_CTL_REPLY_BUDGET 14000   /* bytes of JSON a paged reply may use (DPDK: 16 KiB) */

/*
 * Immutable description of a leg for the telemetry readers, published by
 * the main lcore beside the fast path's snapshot and freed through RCU.
 */
struct mr_ctl_meta {
	struct mr_leg_def def;      /* copy at publication (remote: see snapshot) */
	enum mr_leg_origin origin;  /* who defined it: config, control, signal */
	char fwd_names[MR_STREAM_MAX_DESTS][MR_STREAM_NAME_LEN];
};

/*
 * The transcode profiles as the relay uses them (defaults filled in),
 * for the telemetry readers: published by the main lcore at creation and
 * after each profile_set, freed through RCU like the leg descriptions.
 */
struct mr_ctl_profiles {
	uint16_t n;
	struct mr_tc_profile p[MR_RELAY_MAX_PROFILES];
};

struct mr_ctl {
	struct mr_streams *streams;
	struct mr_relay *relay;
	struct mr_sessions *sessions;
	struct mr_ctl_info info;
	struct rte_mempool *pools[MR_CTL_MAX_POOLS];
	unsigned int n_pools;
	struct rte_ring *ring;              /* telemetry threads -> main lcore */
	struct rte_rcu_qsbr_dq *meta_dq;
	struct mr_ctl_meta **meta;          /* [legs_max] */
	struct mr_ctl_profiles *profiles;   /* RCU-published copy of relay->profiles */
	uint32_t n_legs;                    /* mirror for readers (relaxed atomic) */
	unsigned int main_lcore;
	uint64_t start_tsc;
	uint64_t hz;
	int closing;                        /* atomic */
	/* counters_reset: readers report value - base (written by the main lcore) */
	struct mr_lcore_counters *base;     /* [RTE_MAX_LCORE] */
	/* busy share of the last sampling period, per lcore, in 1/10000 */
	uint64_t next_sample;
	uint64_t last_busy[RTE_MAX_LCORE];
	uint64_t last_idle[RTE_MAX_LCORE];
	uint32_t busy_recent[RTE_MAX_LCORE]; /* atomic */
};

enum mr_ctl_op {
	MR_CTL_OP_LEG_ADD,
	MR_CTL_OP_LEG_UPDATE,
	MR_CTL_OP_LEG_DELETE,
	MR_CTL_OP_SESSION_DELETE,
	MR_CTL_OP_DEST_ADD,
	MR_CTL_OP_DEST_DELETE,
	MR_CTL_OP_COUNTERS_RESET,
	MR_CTL_OP_PROFILE_SET,
	MR_CTL_OP_PORT_STATS_RESET,
};

enum {
	MR_CTL_MSG_POSTED,
	MR_CTL_MSG_DONE,
	MR_CTL_MSG_ABANDONED,
};

/* One control request; the caller waits for state DONE. */
struct mr_ctl_msg {
	enum mr_ctl_op op;
	int state;                          /* atomic, MR_CTL_MSG_* */
	char name[MR_STREAM_NAME_LEN];      /* leg, session, or leg of a dest */
	char dest[MR_STREAM_NAME_LEN];
	struct mr_leg_spec leg;             /* leg_add, leg_update: the fields given */
	uint32_t pgiven;                    /* profile_set: MR_PROFILE_F_* given */
	uint16_t profile;                   /* profile_set: index + 1 */
	struct mr_tc_profile prof;          /* profile_set: the new parameters */
	/* answer */
	int status;                         /* 0 or -errno */
	char error[MR_CTL_ERR_LEN];
	const char *outcome;                /* added, unchanged, updated, deleted, reset */
	struct mr_sessions_result res;      /* what a model change did */
	uint16_t ports_reset;               /* port_stats_reset: ports whose counters restarted */
};

#define MR_CTL_KV_MAX 16
#define MR_CTL_PARAMS_MAX 1024

/* Parameters after the command's first comma: key=value or bare values. */
struct mr_ctl_kv {
	unsigned int n;
	const char *key[MR_CTL_KV_MAX];   /* NULL: a bare (positional) value */
	const char *val[MR_CTL_KV_MAX];
	char buf[MR_CTL_PARAMS_MAX];
};

/* mr_ctl.c */
extern int mr_ctl_logtype;
int mr_ctl_kv_parse(const char *params, struct mr_ctl_kv *kv, char *err, size_t errlen);
int mr_ctl_kv_check(const struct mr_ctl_kv *kv, const char *const *allowed,
		    char *err, size_t errlen);
const char *mr_ctl_kv_get(const struct mr_ctl_kv *kv, const char *key);
int mr_ctl_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
extern struct mr_ctl *mr_ctl_cur;
void mr_ctl_lock(void);
void mr_ctl_unlock(void);
int mr_ctl_error(struct rte_tel_data *d, const char *fmt, ...) __rte_format_printf(2, 3);
/*
 * Copy src into dst (len bytes with the NUL) with every byte outside
 * printable ASCII written as the four characters \xNN: DPDK 22.11's JSON
 * writer emits bytes >= 0x80 as invalid JSON, so anything that may echo a
 * parameter goes through this. Truncates at a whole character.
 */
void mr_ctl_json_safe(char *dst, size_t len, const char *src);
/* rte_tel_data_add_dict_string() of mr_ctl_json_safe(val). */
int mr_ctl_reply_string(struct rte_tel_data *d, const char *key, const char *val);
uint64_t mr_ctl_counter(const struct mr_ctl *c, unsigned int lcore, const uint64_t *field);
void mr_ctl_meta_publish(struct mr_ctl *c, uint32_t idx);
int mr_ctl_post(struct mr_ctl *c, struct mr_ctl_msg *m, struct rte_tel_data *d);
void mr_ctl_apply(struct mr_ctl *c, struct mr_ctl_msg *m);
int mr_ctl_profiles_publish(struct mr_ctl *c);

/*
 * mr_ctl_cmd.c: the telemetry thread's parsers of control parameters
 * (exposed for the unit tests). 0, or -EINVAL with err naming the key.
 */
int mr_ctl_parse_leg(const struct mr_ctl *c, const char *params, bool add,
		     struct mr_ctl_msg *m, char *err, size_t errlen);
int mr_ctl_parse_profile_set(const struct mr_ctl *c, const char *params,
			     struct mr_ctl_msg *m, char *err, size_t errlen);
int mr_ctl_parse_dest(const char *params, struct mr_ctl_msg *m, char *err, size_t errlen);

/* mr_ctl_read.c and mr_ctl_cmd.c */
int mr_ctl_read_register(void);
int mr_ctl_cmd_register(void);

#endif /* MR_CTL_PRIV_H */
