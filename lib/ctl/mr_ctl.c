/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/* The control object: the message ring to the main lcore, the leg
 * descriptions readers see, counters baselines, busy sampling.
 */

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "mr_ctl_priv.h"

RTE_LOG_REGISTER_DEFAULT(mr_ctl_logtype, INFO);
#define CTL_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, mr_ctl_logtype, "mr_ctl: " __VA_ARGS__)

#define RING_SIZE 64
#define POLL_BUDGET 8
#define SAMPLE_MS 1000

struct mr_ctl *mr_ctl_cur;
static pthread_mutex_t ctl_mutex = PTHREAD_MUTEX_INITIALIZER;
static bool registered;

void
mr_ctl_lock(void)
{
	pthread_mutex_lock(&ctl_mutex);
}

void
mr_ctl_unlock(void)
{
	pthread_mutex_unlock(&ctl_mutex);
}

void
mr_ctl_json_safe(char *dst, size_t len, const char *src)
{
	const unsigned char *p;
	size_t o = 0;

	if (len == 0)
		return;
	for (p = (const unsigned char *)src; *p != '\0'; p++) {
		if (*p >= 0x20 && *p < 0x7f) {
			if (o + 1 >= len)
				break;
			dst[o++] = (char)*p;
		} else {
			if (o + 4 >= len)
				break;
			snprintf(dst + o, 5, "\\x%02x", *p);
			o += 4;
		}
	}
	dst[o] = '\0';
}

int
mr_ctl_reply_string(struct rte_tel_data *d, const char *key, const char *val)
{
	char safe[RTE_TEL_MAX_STRING_LEN];

	mr_ctl_json_safe(safe, sizeof(safe), val);
	return rte_tel_data_add_dict_string(d, key, safe);
}

int
mr_ctl_error(struct rte_tel_data *d, const char *fmt, ...)
{
	char msg[MR_CTL_ERR_LEN + RTE_TEL_MAX_STRING_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "status", "error");
	/* the message may quote a parameter: its bytes go out escaped */
	mr_ctl_reply_string(d, "error", msg);
	return 0;
}

uint64_t
mr_ctl_counter(const struct mr_ctl *c, unsigned int lcore, const uint64_t *field)
{
	size_t off = (const char *)field - (const char *)&mr_counters[lcore];
	const uint64_t *b = (const uint64_t *)((const char *)&c->base[lcore] + off);
	uint64_t v = mr_counter_read(field), bv = mr_counter_read(b);

	return v >= bv ? v - bv : v;
}

/* Frees leg descriptions and profile copies alike: both are malloc'd. */
static void
meta_free_cb(void *p __rte_unused, void *e, unsigned int n)
{
	void **m = e;
	unsigned int i;

	for (i = 0; i < n; i++)
		free(m[i]);
}

static void
meta_retire(struct mr_ctl *c, void *old)
{
	if (old == NULL)
		return;
	if (rte_rcu_qsbr_dq_enqueue(c->meta_dq, &old) == 0)
		return;
	rte_rcu_qsbr_synchronize(c->streams->qsbr, RTE_QSBR_THRID_INVALID);
	free(old);
}

/* Main lcore: describe slot idx to readers as it is now. */
void
mr_ctl_meta_publish(struct mr_ctl *c, uint32_t idx)
{
	const struct mr_leg_def *d = &c->streams->defs[idx];
	struct mr_ctl_meta *m = NULL, *old;
	uint16_t i;

	if (d->in_use) {
		m = calloc(1, sizeof(*m));
		if (m != NULL) {
			m->def = *d;
			m->origin = mr_sessions_leg_origin(c->sessions, idx);
			for (i = 0; i < d->n_fwd; i++)
				snprintf(m->fwd_names[i], sizeof(m->fwd_names[i]), "%s",
					 c->streams->defs[d->fwd[i]].name);
		} else {
			CTL_LOG(ERR, "out of memory describing leg %s\n", d->name);
		}
	}
	old = __atomic_exchange_n(&c->meta[idx], m, __ATOMIC_ACQ_REL);
	meta_retire(c, old);
	__atomic_store_n(&c->n_legs, c->streams->n_legs, __ATOMIC_RELAXED);
}

static void
meta_changed(void *ctx, uint32_t idx)
{
	mr_ctl_meta_publish(ctx, idx);
}

/* Main lcore (or before the commands exist): copy the relay's profiles for readers. */
int
mr_ctl_profiles_publish(struct mr_ctl *c)
{
	struct mr_ctl_profiles *np, *old;

	np = calloc(1, sizeof(*np));
	if (np == NULL)
		return -ENOMEM;
	np->n = c->relay->n_profiles;
	memcpy(np->p, c->relay->profiles, sizeof(np->p[0]) * np->n);
	old = __atomic_exchange_n(&c->profiles, np, __ATOMIC_ACQ_REL);
	meta_retire(c, old);
	return 0;
}

/* Free what mr_ctl_create() allocated (any part of it may be missing). */
static void
ctl_release(struct mr_ctl *c)
{
	uint32_t i;

	if (c->meta_dq != NULL)
		rte_rcu_qsbr_dq_delete(c->meta_dq);
	if (c->meta != NULL)
		for (i = 0; i < c->streams->legs_max; i++)
			free(c->meta[i]);
	free(c->profiles);
	rte_ring_free(c->ring);
	free(c->meta);
	free(c->base);
	free(c);
}

struct mr_ctl *
mr_ctl_create(const struct mr_ctl_params *p)
{
	struct rte_rcu_qsbr_dq_parameters dqp = {
		.name = "mr_ctl_meta",
		.esize = sizeof(struct mr_ctl_meta *),
		.trigger_reclaim_limit = 16,
		.max_reclaim_size = 64,
		.free_fn = meta_free_cb,
	};
	struct mr_ctl *c;
	uint32_t i;
	int rc;

	if (p == NULL || p->streams == NULL || p->relay == NULL || p->sessions == NULL ||
	    p->n_pools > MR_CTL_MAX_POOLS) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (mr_ctl_cur != NULL) {
		rte_errno = EEXIST;
		return NULL;
	}
	if (rte_lcore_is_enabled(MR_CTL_RCU_ID)) {
		CTL_LOG(ERR, "lcore %u is the telemetry reader's RCU id; do not use it as an EAL lcore\n",
			MR_CTL_RCU_ID);
		rte_errno = EBUSY;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto nomem;
	c->streams = p->streams;
	c->relay = p->relay;
	c->sessions = p->sessions;
	c->info = p->info;
	memcpy(c->pools, p->pools, sizeof(c->pools[0]) * p->n_pools);
	c->n_pools = p->n_pools;
	c->main_lcore = rte_lcore_id();
	c->hz = rte_get_tsc_hz();
	c->start_tsc = rte_rdtsc();
	c->next_sample = c->start_tsc + c->hz / 1000 * SAMPLE_MS;
	c->base = calloc(RTE_MAX_LCORE, sizeof(*c->base));
	c->meta = calloc(p->streams->legs_max, sizeof(*c->meta));
	if (c->base == NULL || c->meta == NULL)
		goto nomem;
	c->ring = rte_ring_create("mr_ctl", RING_SIZE, (int)rte_socket_id(), RING_F_SC_DEQ);
	if (c->ring == NULL)
		goto fail;
	dqp.size = p->streams->legs_max * 2;
	dqp.v = p->streams->qsbr;
	c->meta_dq = rte_rcu_qsbr_dq_create(&dqp);
	if (c->meta_dq == NULL)
		goto fail;
	if (mr_ctl_profiles_publish(c) != 0)
		goto nomem;
	if (rte_rcu_qsbr_thread_register(p->streams->qsbr, MR_CTL_RCU_ID) != 0)
		goto fail;
	for (i = 0; i < p->streams->legs_max; i++)
		if (p->streams->defs[i].in_use)
			mr_ctl_meta_publish(c, i);
	/* every later change, whoever asks for it, is described for the readers */
	mr_sessions_on_change(p->sessions, meta_changed, c);
	__atomic_store_n(&c->n_legs, p->streams->n_legs, __ATOMIC_RELAXED);

	if (!registered) {
		rc = mr_ctl_read_register();
		if (rc == 0)
			rc = mr_ctl_cmd_register();
		if (rc == 0)
			rc = mr_ctl_hist_register();
		if (rc != 0) {
			CTL_LOG(ERR, "cannot register telemetry commands: %s\n", strerror(-rc));
			rte_errno = -rc;
			goto fail_unreg;
		}
		registered = true;
	}
	mr_ctl_lock();
	mr_ctl_cur = c;
	mr_ctl_unlock();
	return c;

nomem:
	rte_errno = ENOMEM;
	goto fail;
fail_unreg:
	rte_rcu_qsbr_thread_unregister(p->streams->qsbr, MR_CTL_RCU_ID);
fail:
	if (c != NULL) {
		int err = rte_errno;

		ctl_release(c);
		rte_errno = err;
	}
	return NULL;
}

/* Main lcore: finish a request; free it when its caller gave up waiting. */
static void
msg_complete(struct mr_ctl_msg *m)
{
	int expected = MR_CTL_MSG_POSTED;

	if (!__atomic_compare_exchange_n(&m->state, &expected, MR_CTL_MSG_DONE, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		free(m);
}

static void
busy_sample(struct mr_ctl *c)
{
	unsigned int l;

	RTE_LCORE_FOREACH(l) {
		uint64_t b = mr_counter_read(&mr_counters[l].busy_cycles);
		uint64_t i = mr_counter_read(&mr_counters[l].idle_cycles);
		uint64_t db = b - c->last_busy[l], di = i - c->last_idle[l];
		uint32_t share = db + di == 0 ? 0 : (uint32_t)(db * 10000 / (db + di));

		c->last_busy[l] = b;
		c->last_idle[l] = i;
		__atomic_store_n(&c->busy_recent[l], share, __ATOMIC_RELAXED);
	}
}

unsigned int
mr_ctl_poll(struct mr_ctl *c, uint64_t now)
{
	void *objs[POLL_BUDGET];
	unsigned int n, i;

	n = rte_ring_sc_dequeue_burst(c->ring, objs, POLL_BUDGET, NULL);
	for (i = 0; i < n; i++) {
		struct mr_ctl_msg *m = objs[i];

		mr_ctl_apply(c, m);
		msg_complete(m);
	}
	if (now >= c->next_sample) {
		c->next_sample += c->hz / 1000 * SAMPLE_MS;
		if (c->next_sample <= now)
			c->next_sample = now + c->hz / 1000 * SAMPLE_MS;
		busy_sample(c);
		rte_rcu_qsbr_dq_reclaim(c->meta_dq, UINT32_MAX, NULL, NULL, NULL);
	}
	return n;
}

/*
 * Telemetry thread: hand a validated request to the main lcore and wait.
 * On success the caller reads the answer from m and frees it; on timeout
 * m belongs to the main lcore from then on.
 */
int
mr_ctl_post(struct mr_ctl *c, struct mr_ctl_msg *m, struct rte_tel_data *d)
{
	int expected = MR_CTL_MSG_POSTED;
	unsigned int waited_us = 0;

	m->state = MR_CTL_MSG_POSTED;
	if (rte_ring_mp_enqueue(c->ring, m) != 0) {
		free(m);
		return mr_ctl_error(d, "busy: the control queue is full, retry");
	}
	while (waited_us < MR_CTL_TIMEOUT_MS * 1000u) {
		if (__atomic_load_n(&m->state, __ATOMIC_ACQUIRE) == MR_CTL_MSG_DONE)
			return 1;
		usleep(200);
		waited_us += 200;
	}
	if (__atomic_compare_exchange_n(&m->state, &expected, MR_CTL_MSG_ABANDONED, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return mr_ctl_error(d, "timeout: the main lcore did not answer within %u ms; "
				    "the change may still be applied, check with legs",
				    MR_CTL_TIMEOUT_MS);
	return 1; /* done just now */
}

void
mr_ctl_destroy(struct mr_ctl *c)
{
	void *obj;

	if (c == NULL)
		return;
	__atomic_store_n(&c->closing, 1, __ATOMIC_RELEASE);
	mr_sessions_on_change(c->sessions, NULL, NULL);
	/* A callback may hold the lock while it waits for us: answer it. */
	for (;;) {
		while (rte_ring_sc_dequeue(c->ring, &obj) == 0) {
			struct mr_ctl_msg *m = obj;

			m->status = -ESHUTDOWN;
			snprintf(m->error, sizeof(m->error), "the relay is shutting down");
			msg_complete(m);
		}
		if (pthread_mutex_trylock(&ctl_mutex) == 0)
			break;
		rte_delay_us_sleep(100);
	}
	mr_ctl_cur = NULL;
	mr_ctl_unlock();
	rte_rcu_qsbr_thread_unregister(c->streams->qsbr, MR_CTL_RCU_ID);
	ctl_release(c);
}

/*
 * Split "a=1,b=2,c" into pairs. Empty items, empty keys and repeated keys
 * are errors; values keep everything after the first '='.
 */
int
mr_ctl_kv_parse(const char *params, struct mr_ctl_kv *kv, char *err, size_t errlen)
{
	char *p, *item, *eq;
	unsigned int i;

	memset(kv, 0, sizeof(*kv));
	if (params == NULL || params[0] == '\0')
		return 0;
	if (strlen(params) >= sizeof(kv->buf)) {
		snprintf(err, errlen, "parameters longer than %zu bytes", sizeof(kv->buf) - 1);
		return -EINVAL;
	}
	strcpy(kv->buf, params);
	p = kv->buf;
	for (;;) {
		item = p;
		p = strchr(p, ',');
		if (p != NULL)
			*p++ = '\0';
		if (item[0] == '\0') {
			snprintf(err, errlen, "empty parameter (two commas, or a trailing comma)");
			return -EINVAL;
		}
		if (kv->n == MR_CTL_KV_MAX) {
			snprintf(err, errlen, "more than %u parameters", MR_CTL_KV_MAX);
			return -EINVAL;
		}
		eq = strchr(item, '=');
		if (eq != NULL) {
			*eq = '\0';
			if (item[0] == '\0') {
				snprintf(err, errlen, "parameter '=%s' has no key", eq + 1);
				return -EINVAL;
			}
			for (i = 0; i < kv->n; i++) {
				if (kv->key[i] != NULL && strcmp(kv->key[i], item) == 0) {
					snprintf(err, errlen, "%s: given twice", item);
					return -EINVAL;
				}
			}
			kv->key[kv->n] = item;
			kv->val[kv->n] = eq + 1;
		} else {
			kv->val[kv->n] = item;
		}
		kv->n++;
		if (p == NULL)
			break;
	}
	return 0;
}

/* Every key must be one of allowed (NULL-terminated); no bare values. */
int
mr_ctl_kv_check(const struct mr_ctl_kv *kv, const char *const *allowed, char *err,
		size_t errlen)
{
	unsigned int i, j;
	size_t off = 0;
	char acc[160] = "";

	for (j = 0; allowed[j] != NULL && off < sizeof(acc); j++)
		off += snprintf(acc + off, sizeof(acc) - off, "%s%s", j ? " " : "", allowed[j]);
	for (i = 0; i < kv->n; i++) {
		if (kv->key[i] == NULL) {
			snprintf(err, errlen, "'%s': expected key=value (keys: %s)", kv->val[i], acc);
			return -EINVAL;
		}
		for (j = 0; allowed[j] != NULL; j++)
			if (strcmp(kv->key[i], allowed[j]) == 0)
				break;
		if (allowed[j] == NULL) {
			snprintf(err, errlen, "%s: unknown key (keys: %s)", kv->key[i], acc);
			return -EINVAL;
		}
	}
	return 0;
}

const char *
mr_ctl_kv_get(const struct mr_ctl_kv *kv, const char *key)
{
	unsigned int i;

	for (i = 0; i < kv->n; i++)
		if (kv->key[i] != NULL && strcmp(kv->key[i], key) == 0)
			return kv->val[i];
	return NULL;
}

/* Decimal digits only (no sign, no spaces), inside [min, max]. */
int
mr_ctl_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > 10)
		return -EINVAL;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}
