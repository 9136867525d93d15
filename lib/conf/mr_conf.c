/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * Configuration file reader, in two stages.
 *
 * 1. A line check of the raw text. rte_cfgfile skips lines that have
 *    neither '[' nor '=', ignores text after a section's ']', and
 *    truncates long names and values without a word; a typo there would
 *    silently change the configuration, so those lines are rejected here,
 *    with their line number, before rte_cfgfile sees the text.
 * 2. rte_cfgfile parses the text, and every section is validated key by
 *    key, then the cross-section rules (ports, addresses, endpoints,
 *    forward lists, leg count) are checked.
 *
 * The first problem found is reported; nothing is guessed or defaulted
 * around a bad value.
 */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mman.h>

#include <rte_byteorder.h>
#include <rte_cfgfile.h>
#include <rte_common.h>
#include <rte_config.h>
#include <rte_ether.h>
#include <rte_string_fns.h>

#include "mr_conf.h"
#include "mr_ng.h"

/* Longest line accepted; rte_cfgfile's own limit is 322 characters. */
#define MR_CONF_LINE_MAX 320
/* Largest file read; a configuration is text, this only stops runaways. */
#define MR_CONF_FILE_MAX (64u << 20)
/* Most keys any section has. */
#define MR_CONF_KEYS_MAX 20

#define MR_CONF_NAME_ACCEPTED "1..31 characters of A-Z a-z 0-9 _ -"
#define MR_CONF_EP_ACCEPTED "a.b.c.d:port or [v6addr]:port, port 1..65535"

struct mr_conf_ctx {
	const char *file;       /* path, or "<default>", for messages */
	char *err;
	size_t errlen;
	struct mr_conf *conf;
	struct rte_cfgfile *cfg;
};

/* One section's entries, matched to the section's key table. */
struct mr_conf_sect {
	char name[CFG_NAME_LEN];
	int n;
	struct rte_cfgfile_entry *ents;
	const char *vals[MR_CONF_KEYS_MAX]; /* NULL: key absent */
};

enum mr_conf_sect_type {
	MR_SECT_RELAY,
	MR_SECT_PORT,
	MR_SECT_LEG,
	MR_SECT_PAIRS,
	MR_SECT_PROFILE,
};

enum {
	K_RELAY_WORKERS, K_RELAY_BURST, K_RELAY_MBUFS, K_RELAY_MBUF_CACHE,
	K_RELAY_STREAMS_MAX, K_RELAY_LEGS_MAX, K_RELAY_STREAM_IDLE_MS,
	K_RELAY_TX_DRAIN_US, K_RELAY_LEARN_RING, K_RELAY_RTP_PORT_MIN,
	K_RELAY_RTP_PORT_MAX, K_RELAY_STATS_INTERVAL_MS, K_RELAY_TRANSCODERS,
	K_RELAY_TRANSCODE_RING, K_RELAY_TRANSCODE_CHANNELS, K_RELAY_LEG_STREAMS_MAX,
	K_RELAY_LEG_NEW_STREAMS_PER_S, K_RELAY_MAIN_IDLE_US, K_RELAY_N,
};
static const char *const relay_keys[K_RELAY_N] = {
	"workers", "burst", "mbufs", "mbuf_cache", "streams_max", "legs_max",
	"stream_idle_ms", "tx_drain_us", "learn_ring", "rtp_port_min",
	"rtp_port_max", "stats_interval_ms", "transcoders", "transcode_ring",
	"transcode_channels", "leg_streams_max", "leg_new_streams_per_s", "main_idle_us",
};

enum {
	K_PORT_IPV4, K_PORT_IPV6, K_PORT_NEXTHOP_MAC, K_PORT_VLAN,
	K_PORT_RX_DESC, K_PORT_TX_DESC, K_PORT_NEXTHOP, K_PORT_N,
};
static const char *const port_keys[K_PORT_N] = {
	"ipv4", "ipv6", "nexthop_mac", "vlan", "rx_desc", "tx_desc", "nexthop",
};

/* [leg.NAME] keys: the session model's (mr_leg_spec_keys), less its NULL */
#define K_LEG_N MR_LEG_SPEC_NKEYS
static const char *const *const leg_keys = mr_leg_spec_keys;

enum {
	K_PAIRS_PORT, K_PAIRS_COUNT, K_PAIRS_A_LOCAL, K_PAIRS_A_REMOTE,
	K_PAIRS_B_LOCAL, K_PAIRS_B_REMOTE, K_PAIRS_CLOCK_RATE, K_PAIRS_A_TRANSCODE,
	K_PAIRS_B_TRANSCODE, K_PAIRS_N,
};
static const char *const pairs_keys[K_PAIRS_N] = {
	"port", "count", "a_local", "a_remote", "b_local", "b_remote",
	"clock_rate", "a_transcode", "b_transcode",
};

enum {
	K_QUIC_PORT, K_QUIC_LOCAL, K_QUIC_CERT, K_QUIC_KEY, K_QUIC_ALPN, K_QUIC_IDLE,
	K_QUIC_HANDSHAKE, K_QUIC_MAX_CONNS, K_QUIC_RETRY_ABOVE, K_QUIC_DGRAM,
	K_QUIC_SERVER_ID, K_QUIC_HS_PER_POLL, K_QUIC_HANDSHAKES, K_QUIC_N,
};
static const char *const quic_keys[K_QUIC_N] = {
	"port", "local", "cert", "key", "alpn", "idle_timeout_ms", "handshake_timeout_ms",
	"max_conns", "retry_above", "max_datagram_frame_size", "server_id",
	"handshakes_per_poll", "handshakes",
};

enum { K_NG_LISTEN, K_NG_ACL, K_NG_PORT, K_NG_IDLE_MS, K_NG_CALLS_MAX, K_NG_N };
static const char *const ng_keys[K_NG_N] = {
	"listen", "acl", "port", "idle_ms", "calls_max",
};

/* [profile.NAME] keys: the session model's (mr_profile_spec_keys), less its NULL */
#define K_PROF_N 13
static const char *const *const profile_keys = mr_profile_spec_keys;

static int __rte_format_printf(5, 6)
conf_err(struct mr_conf_ctx *c, const char *sect, const char *key,
	 const char *accepted, const char *fmt, ...)
{
	char reason[512];
	char acc[512];
	va_list ap;

	if (c->err == NULL || c->errlen == 0)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	acc[0] = '\0';
	if (accepted != NULL)
		snprintf(acc, sizeof(acc), " (accepted: %s)", accepted);
	if (sect == NULL)
		snprintf(c->err, c->errlen, "%s: %s%s", c->file, reason, acc);
	else if (key == NULL)
		snprintf(c->err, c->errlen, "%s: [%s]: %s%s", c->file, sect,
			 reason, acc);
	else
		snprintf(c->err, c->errlen, "%s: [%s] %s: %s%s", c->file, sect,
			 key, reason, acc);
	return -EINVAL;
}

static int
is_blank(int ch)
{
	return isspace((unsigned char)ch);
}

static bool
name_ok(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++) {
		char ch = s[n];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return false;
	}
	return n >= 1 && n < MR_CONF_NAME_LEN;
}

/*
 * Unsigned number, decimal or 0x hex, the whole string: no sign, no
 * blanks, no suffix. -ERANGE when it does not fit 64 bits.
 */
static int
parse_u64(const char *s, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* A number key in min..max; @p val NULL (key absent) leaves *out as is. */
static int
get_uint(struct mr_conf_ctx *c, const char *sect, const char *key,
	 const char *val, uint64_t min, uint64_t max, const char *accepted,
	 uint64_t *out)
{
	char range[64];
	uint64_t v = 0;
	int ret;

	if (val == NULL)
		return 0;
	if (accepted == NULL) {
		snprintf(range, sizeof(range), "%" PRIu64 "..%" PRIu64, min, max);
		accepted = range;
	}
	ret = parse_u64(val, &v);
	if (ret == -EINVAL)
		return conf_err(c, sect, key, accepted,
				"'%s' is not a number (decimal or 0x hex)", val);
	if (ret != 0 || v < min || v > max)
		return conf_err(c, sect, key, accepted, "%s is out of range", val);
	*out = v;
	return 0;
}

static int
get_u32(struct mr_conf_ctx *c, const char *sect, const char *key,
	const char *val, uint32_t min, uint32_t max, const char *accepted,
	uint32_t *out)
{
	uint64_t v = *out;
	int ret;

	ret = get_uint(c, sect, key, val, min, max, accepted, &v);
	if (ret == 0)
		*out = (uint32_t)v;
	return ret;
}

static int
get_u16(struct mr_conf_ctx *c, const char *sect, const char *key,
	const char *val, uint16_t min, uint16_t max, const char *accepted,
	uint16_t *out)
{
	uint64_t v = *out;
	int ret;

	ret = get_uint(c, sect, key, val, min, max, accepted, &v);
	if (ret == 0)
		*out = (uint16_t)v;
	return ret;
}

static int
missing(struct mr_conf_ctx *c, const char *sect, const char *key,
	const char *accepted)
{
	return conf_err(c, sect, key, accepted, "missing, this key is required");
}

static void
fmt_addr(const uint8_t ip[16], char *buf, size_t len)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (memcmp(ip, mapped, sizeof(mapped)) == 0) {
		if (inet_ntop(AF_INET, ip + 12, buf, len) != NULL)
			return;
	} else if (inet_ntop(AF_INET6, ip, buf, len) != NULL) {
		return;
	}
	snprintf(buf, len, "?");
}

/*
 * Lcore lists. Returns NULL and the count in *n on success, else the
 * reason the list is not accepted.
 */
static const char *
lcores_parse(const char *text, uint16_t *out, unsigned int max, unsigned int *n)
{
	uint8_t seen[RTE_MAX_LCORE] = {0};
	const char *p = text;
	unsigned int cnt = 0;

	for (;;) {
		unsigned long lo, hi, id;
		const char *q;

		while (is_blank(*p))
			p++;
		if (!isdigit((unsigned char)*p))
			return "expected an lcore id or a range like 1-3";
		lo = strtoul(p, (char **)&q, 10);
		p = q;
		hi = lo;
		while (is_blank(*p))
			p++;
		if (*p == '-') {
			p++;
			while (is_blank(*p))
				p++;
			if (!isdigit((unsigned char)*p))
				return "a range needs an end, like 1-3";
			hi = strtoul(p, (char **)&q, 10);
			p = q;
			while (is_blank(*p))
				p++;
		}
		/* strtoul saturates at ULONG_MAX: still caught here */
		if (lo >= RTE_MAX_LCORE || hi >= RTE_MAX_LCORE)
			return "an lcore id is not below " RTE_STR(RTE_MAX_LCORE);
		if (lo > hi)
			return "range start above its end";
		for (id = lo; id <= hi; id++) {
			if (seen[id])
				return "an lcore is listed twice";
			seen[id] = 1;
			if (cnt >= max)
				return "too many lcores";
			out[cnt++] = (uint16_t)id;
		}
		if (*p == '\0')
			break;
		if (*p != ',')
			return "expected ',' between items";
		p++;
	}
	*n = cnt;
	return NULL;
}

int
mr_conf_parse_lcores(const char *text, uint16_t *out, unsigned int max)
{
	unsigned int n;

	if (text == NULL || out == NULL)
		return -EINVAL;
	if (lcores_parse(text, out, max, &n) != NULL)
		return -EINVAL;
	return (int)n;
}

void
mr_conf_defaults(struct mr_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->burst = 32;
	conf->mbufs = 16383;
	conf->mbuf_cache = 256;
	conf->streams_max = 65536;
	conf->legs_max = 16384;
	conf->stream_idle_ms = 30000;
	conf->tx_drain_us = 100;
	conf->leg_streams_max = MR_CONF_LEG_STREAMS_DEFAULT;
	conf->leg_new_streams_per_s = MR_CONF_LEG_NEW_PER_S_DEFAULT;
	conf->main_idle_us = 1000;
	conf->rtp_port_min = 30000;
	conf->rtp_port_max = 39999;
	conf->stats_interval_ms = 1000;
	conf->transcode_ring = 1024;
	conf->transcode_channels = 256;
	conf->ng.idle_ms = MR_CONF_NG_IDLE_DEFAULT;
}

void
mr_conf_free(struct mr_conf *conf)
{
	if (conf == NULL)
		return;
	free(conf->legs);
	conf->legs = NULL;
	conf->n_legs = 0;
}

/* Stage 1: the line check. */
static int
lint_line(struct mr_conf_ctx *c, unsigned int lineno, const char *line,
	  size_t len, bool *in_section)
{
	char buf[MR_CONF_LINE_MAX + 1];
	char *s, *e, *eq, *key, *val;
	size_t klen, vlen;

	if (len > MR_CONF_LINE_MAX)
		return conf_err(c, NULL, NULL, NULL,
				"line %u: longer than %u characters", lineno,
				MR_CONF_LINE_MAX);
	memcpy(buf, line, len);
	buf[len] = '\0';
	/* the comment rule of rte_cfgfile: the first ';' unless escaped */
	s = strchr(buf, CFG_DEFAULT_COMMENT_CHARACTER);
	if (s != NULL && (s == buf || s[-1] != '\\'))
		*s = '\0';
	s = buf;
	while (is_blank(*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_blank(e[-1]))
		*--e = '\0';
	if (*s == '\0')
		return 0;

	if (*s == '[') {
		char *end = strchr(s, ']');
		char *name = s + 1;

		if (end == NULL)
			return conf_err(c, NULL, NULL, NULL,
					"line %u: section header without ']'", lineno);
		for (e = end + 1; *e != '\0'; e++)
			if (!is_blank(*e))
				return conf_err(c, NULL, NULL, NULL,
						"line %u: text after the section header",
						lineno);
		*end = '\0';
		while (is_blank(*name))
			name++;
		e = name + strlen(name);
		while (e > name && is_blank(e[-1]))
			*--e = '\0';
		if (*name == '\0')
			return conf_err(c, NULL, NULL, NULL,
					"line %u: empty section name", lineno);
		if (strlen(name) >= CFG_NAME_LEN)
			return conf_err(c, NULL, NULL, NULL,
					"line %u: section name longer than %d characters",
					lineno, CFG_NAME_LEN - 1);
		*in_section = true;
		return 0;
	}

	eq = strchr(s, '=');
	if (eq == NULL)
		return conf_err(c, NULL, NULL, NULL,
				"line %u: expected '[section]' or 'key = value' "
				"(comments start with ';')", lineno);
	*eq = '\0';
	key = s;
	e = key + strlen(key);
	while (e > key && is_blank(e[-1]))
		*--e = '\0';
	val = eq + 1;
	while (is_blank(*val))
		val++;
	klen = strlen(key);
	vlen = strlen(val);
	if (klen == 0)
		return conf_err(c, NULL, NULL, NULL, "line %u: no key before '='",
				lineno);
	if (klen >= CFG_NAME_LEN)
		return conf_err(c, NULL, NULL, NULL,
				"line %u: key longer than %d characters", lineno,
				CFG_NAME_LEN - 1);
	if (vlen == 0)
		return conf_err(c, NULL, NULL, NULL, "line %u: %s: empty value",
				lineno, key);
	if (vlen >= CFG_VALUE_LEN)
		return conf_err(c, NULL, NULL, NULL,
				"line %u: %s: value longer than %d characters",
				lineno, key, CFG_VALUE_LEN - 1);
	if (!*in_section)
		return conf_err(c, NULL, NULL, NULL,
				"line %u: %s: key before the first [section]",
				lineno, key);
	return 0;
}

static int
lint_text(struct mr_conf_ctx *c, const char *text, size_t len)
{
	bool in_section = false;
	unsigned int lineno = 0;
	size_t pos = 0;
	int ret;

	if (memchr(text, '\0', len) != NULL)
		return conf_err(c, NULL, NULL, NULL, "contains a NUL byte");
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;

		ret = lint_line(c, ++lineno, text + pos, l, &in_section);
		if (ret != 0)
			return ret;
		pos += l + 1;
	}
	return 0;
}

static int
read_text(const char *path, char **out, size_t *outlen)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	FILE *f;
	int ret = 0;

	f = fopen(path, "r");
	if (f == NULL)
		return -errno;
	for (;;) {
		size_t got;

		if (len == cap) {
			char *nb;

			if (cap >= MR_CONF_FILE_MAX) {
				ret = -EFBIG;
				break;
			}
			cap = cap == 0 ? 4096 : cap * 2;
			nb = realloc(buf, cap + 1);
			if (nb == NULL) {
				ret = -ENOMEM;
				break;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f))
				ret = errno != 0 ? -errno : -EIO;
			break;
		}
	}
	fclose(f);
	if (ret != 0) {
		free(buf);
		return ret;
	}
	if (buf == NULL)
		buf = malloc(1);
	if (buf == NULL)
		return -ENOMEM;
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

static int
write_all(int fd, const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, text, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * rte_cfgfile reads only files: hand it the text through a memfd, or a
 * private temporary file where memfd or /proc is not available.
 */
static struct rte_cfgfile *
cfg_from_text(const char *text, size_t len)
{
	struct rte_cfgfile *cfg = NULL;
	char path[PATH_MAX];
	const char *dir;
	int fd;

	fd = memfd_create("mr_conf", MFD_CLOEXEC);
	if (fd >= 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (write_all(fd, text, len) == 0)
			cfg = rte_cfgfile_load(path, 0);
		close(fd);
		if (cfg != NULL)
			return cfg;
	}
	dir = getenv("TMPDIR");
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	snprintf(path, sizeof(path), "%s/mr_conf.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	if (write_all(fd, text, len) == 0)
		cfg = rte_cfgfile_load(path, 0);
	unlink(path);
	close(fd);
	return cfg;
}

/* Fetch section @p idx and match its keys against @p names. */
static int
sect_open(struct mr_conf_ctx *c, int idx, const char *const *names,
	  unsigned int n_names, struct mr_conf_sect *s)
{
	char list[512];
	int i, n;

	memset(s, 0, sizeof(*s));
	n = rte_cfgfile_section_num_entries_by_index(c->cfg, s->name, idx);
	if (n < 0)
		return -EINVAL;
	if (n > 0) {
		s->ents = calloc((size_t)n, sizeof(*s->ents));
		if (s->ents == NULL) {
			conf_err(c, s->name, NULL, NULL, "out of memory");
			return -ENOMEM;
		}
		n = rte_cfgfile_section_entries_by_index(c->cfg, idx, s->name,
							 s->ents, n);
		if (n < 0)
			return -EINVAL;
	}
	s->n = n;
	for (i = 0; i < n; i++) {
		const char *key = s->ents[i].name;
		unsigned int k;

		for (k = 0; k < n_names; k++)
			if (strcmp(key, names[k]) == 0)
				break;
		if (k == n_names) {
			size_t off = 0;

			list[0] = '\0';
			for (k = 0; k < n_names && off < sizeof(list); k++)
				off += snprintf(list + off, sizeof(list) - off,
						"%s%s", k > 0 ? ", " : "", names[k]);
			return conf_err(c, s->name, key, list, "unknown key");
		}
		if (s->vals[k] != NULL)
			return conf_err(c, s->name, key, "one line per key",
					"given twice");
		s->vals[k] = s->ents[i].value;
	}
	return 0;
}

static void
sect_close(struct mr_conf_sect *s)
{
	free(s->ents);
	s->ents = NULL;
}

static int
parse_relay(struct mr_conf_ctx *c, int idx)
{
	struct mr_conf *conf = c->conf;
	struct mr_conf_sect s;
	const char **v = s.vals;
	const char *sn = s.name;
	int ret;

	ret = sect_open(c, idx, relay_keys, K_RELAY_N, &s);
	if (ret != 0)
		goto out;
	if (v[K_RELAY_WORKERS] != NULL) {
		const char *why;
		unsigned int n;

		why = lcores_parse(v[K_RELAY_WORKERS], conf->worker_lcores,
				   MR_CONF_MAX_WORKERS, &n);
		if (why != NULL) {
			ret = conf_err(c, sn, "workers",
				       "a list of lcore ids < " RTE_STR(RTE_MAX_LCORE)
				       " like 1-3,5, at most "
				       RTE_STR(MR_CONF_MAX_WORKERS) ", no duplicates",
				       "'%s': %s", v[K_RELAY_WORKERS], why);
			goto out;
		}
		conf->n_workers = (uint16_t)n;
	}
	ret = get_u16(c, sn, "burst", v[K_RELAY_BURST], 1, MR_CONF_BURST_MAX, NULL,
		      &conf->burst);
	if (ret == 0)
		ret = get_u32(c, sn, "mbufs", v[K_RELAY_MBUFS], 1023, 4194303,
			      NULL, &conf->mbufs);
	if (ret == 0)
		ret = get_u32(c, sn, "mbuf_cache", v[K_RELAY_MBUF_CACHE], 0, 512,
			      NULL, &conf->mbuf_cache);
	if (ret == 0)
		ret = get_u32(c, sn, "streams_max", v[K_RELAY_STREAMS_MAX], 64,
			      16777216, NULL, &conf->streams_max);
	if (ret == 0)
		ret = get_u32(c, sn, "legs_max", v[K_RELAY_LEGS_MAX], 16, 4194304,
			      NULL, &conf->legs_max);
	if (ret == 0)
		ret = get_u32(c, sn, "stream_idle_ms", v[K_RELAY_STREAM_IDLE_MS],
			      100, 86400000, NULL, &conf->stream_idle_ms);
	if (ret == 0)
		ret = get_u32(c, sn, "tx_drain_us", v[K_RELAY_TX_DRAIN_US], 1,
			      10000, NULL, &conf->tx_drain_us);
	/* workers learn their own streams since 2026-12: the key is accepted, unused */
	if (ret == 0 && v[K_RELAY_LEARN_RING] != NULL)
		printf("mrelay: [relay] learn_ring is no longer used (workers learn their own streams); ignored\n");
	if (ret == 0)
		ret = get_u16(c, sn, "leg_streams_max", v[K_RELAY_LEG_STREAMS_MAX], 1, 65535,
			      NULL, &conf->leg_streams_max);
	if (ret == 0)
		ret = get_u32(c, sn, "leg_new_streams_per_s", v[K_RELAY_LEG_NEW_STREAMS_PER_S],
			      0, 1000000, "0 (no limit) or 1..1000000",
			      &conf->leg_new_streams_per_s);
	if (ret == 0)
		ret = get_u32(c, sn, "main_idle_us", v[K_RELAY_MAIN_IDLE_US], 0, 50000, NULL,
			      &conf->main_idle_us);
	if (ret == 0)
		ret = get_u16(c, sn, "rtp_port_min", v[K_RELAY_RTP_PORT_MIN], 1024,
			      65535, NULL, &conf->rtp_port_min);
	if (ret == 0)
		ret = get_u16(c, sn, "rtp_port_max", v[K_RELAY_RTP_PORT_MAX], 1024,
			      65535, NULL, &conf->rtp_port_max);
	if (ret == 0 && conf->rtp_port_max < conf->rtp_port_min)
		ret = conf_err(c, sn, "rtp_port_max", "rtp_port_min..65535",
			       "%u is below rtp_port_min %u", conf->rtp_port_max,
			       conf->rtp_port_min);
	if (ret == 0)
		ret = get_u32(c, sn, "stats_interval_ms",
			      v[K_RELAY_STATS_INTERVAL_MS], 0, 60000,
			      "0 (off) or 100..60000", &conf->stats_interval_ms);
	if (ret == 0 && conf->stats_interval_ms > 0 &&
	    conf->stats_interval_ms < 100)
		ret = conf_err(c, sn, "stats_interval_ms", "0 (off) or 100..60000",
			       "%s is out of range", v[K_RELAY_STATS_INTERVAL_MS]);
	if (ret == 0 && v[K_RELAY_TRANSCODERS] != NULL) {
		const char *why;
		unsigned int n, i, j;

		why = lcores_parse(v[K_RELAY_TRANSCODERS], conf->transcoder_lcores,
				   MR_CONF_MAX_TRANSCODERS, &n);
		for (i = 0; why == NULL && i < n; i++)
			for (j = 0; j < conf->n_workers; j++)
				if (conf->transcoder_lcores[i] == conf->worker_lcores[j])
					why = "an lcore is also in workers";
		if (why != NULL) {
			ret = conf_err(c, sn, "transcoders",
				       "a list of lcore ids like 2-3, at most "
				       RTE_STR(MR_CONF_MAX_TRANSCODERS) ", none of them a worker",
				       "'%s': %s", v[K_RELAY_TRANSCODERS], why);
			goto out;
		}
		conf->n_transcoders = (uint16_t)n;
	}
	if (ret == 0)
		ret = get_u32(c, sn, "transcode_ring", v[K_RELAY_TRANSCODE_RING], 64,
			      65536, "a power of 2 in 64..65536", &conf->transcode_ring);
	if (ret == 0 && !rte_is_power_of_2(conf->transcode_ring))
		ret = conf_err(c, sn, "transcode_ring", "a power of 2 in 64..65536",
			       "%s is not a power of 2", v[K_RELAY_TRANSCODE_RING]);
	if (ret == 0)
		ret = get_u32(c, sn, "transcode_channels", v[K_RELAY_TRANSCODE_CHANNELS],
			      1, 65536, NULL, &conf->transcode_channels);
out:
	sect_close(&s);
	return ret;
}

static int
parse_port(struct mr_conf_ctx *c, int idx, unsigned int pid)
{
	struct mr_conf_port *p = &c->conf->ports[pid];
	struct mr_conf_sect s;
	const char **v = s.vals;
	const char *sn = s.name;
	int ret;

	p->present = true;
	p->rx_desc = 1024;
	p->tx_desc = 1024;
	ret = sect_open(c, idx, port_keys, K_PORT_N, &s);
	if (ret != 0)
		goto out;
	if (v[K_PORT_IPV4] != NULL) {
		if (mr_endpoint_parse_addr(v[K_PORT_IPV4], &p->ipv4) != 0 ||
		    !mr_endpoint_is_v4(&p->ipv4) || !mr_endpoint_is_unicast(&p->ipv4)) {
			ret = conf_err(c, sn, "ipv4", "a unicast IPv4 address like 10.0.0.1",
				       "'%s' is not accepted", v[K_PORT_IPV4]);
			goto out;
		}
		p->has_ipv4 = true;
	}
	if (v[K_PORT_IPV6] != NULL) {
		if (mr_endpoint_parse_addr(v[K_PORT_IPV6], &p->ipv6) != 0 ||
		    mr_endpoint_is_v4(&p->ipv6) || !mr_endpoint_is_unicast(&p->ipv6)) {
			ret = conf_err(c, sn, "ipv6",
				       "a unicast IPv6 address like fd00::1, without brackets",
				       "'%s' is not accepted", v[K_PORT_IPV6]);
			goto out;
		}
		p->has_ipv6 = true;
	}
	if (!p->has_ipv4 && !p->has_ipv6) {
		ret = conf_err(c, sn, "ipv4", "ipv4, ipv6 or both",
			       "missing, a port needs an address");
		goto out;
	}
	if (v[K_PORT_NEXTHOP] != NULL) {
		const struct mr_endpoint *own;

		if (mr_endpoint_parse_addr(v[K_PORT_NEXTHOP], &p->nexthop) != 0 ||
		    !mr_endpoint_is_unicast(&p->nexthop)) {
			ret = conf_err(c, sn, "nexthop", "a unicast IPv4 or IPv6 address",
				       "'%s' is not accepted", v[K_PORT_NEXTHOP]);
			goto out;
		}
		own = mr_endpoint_is_v4(&p->nexthop) ? (p->has_ipv4 ? &p->ipv4 : NULL) :
			(p->has_ipv6 ? &p->ipv6 : NULL);
		if (own == NULL || mr_endpoint_equal(own, &p->nexthop)) {
			ret = conf_err(c, sn, "nexthop",
				       "an address of a family the port has an address of, not its own",
				       "'%s' is not accepted", v[K_PORT_NEXTHOP]);
			goto out;
		}
		p->has_nexthop = true;
	}
	if (v[K_PORT_NEXTHOP_MAC] == NULL) {
		if (p->has_nexthop)
			goto mac_done;
		ret = missing(c, sn, "nexthop_mac",
			      "a unicast MAC like 02:00:00:00:00:02, or nexthop = an address to resolve");
		goto out;
	}
	p->has_nexthop_mac = true;
	if (rte_ether_unformat_addr(v[K_PORT_NEXTHOP_MAC], &p->nexthop_mac) != 0 ||
	    !rte_is_valid_assigned_ether_addr(&p->nexthop_mac)) {
		ret = conf_err(c, sn, "nexthop_mac",
			       "a unicast, non-zero MAC like 02:00:00:00:00:02",
			       "'%s' is not accepted", v[K_PORT_NEXTHOP_MAC]);
		goto out;
	}
mac_done:
	ret = get_u16(c, sn, "vlan", v[K_PORT_VLAN], 0, 4094, "0 (none) or 1..4094",
		      &p->vlan);
	if (ret == 0)
		ret = get_u16(c, sn, "rx_desc", v[K_PORT_RX_DESC], 64, 16384, NULL,
			      &p->rx_desc);
	if (ret == 0)
		ret = get_u16(c, sn, "tx_desc", v[K_PORT_TX_DESC], 64, 16384, NULL,
			      &p->tx_desc);
out:
	sect_close(&s);
	return ret;
}

/* The configured port ids, for messages. */
static void
port_list(const struct mr_conf *conf, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	off = snprintf(buf, len, "a port with a [port.N] section:");
	for (i = 0; i < MR_CONF_MAX_PORTS && off < len; i++)
		if (conf->ports[i].present)
			off += snprintf(buf + off, len - off, " %u", i);
}

static int
get_port_ref(struct mr_conf_ctx *c, const char *sn, const char *val,
	     uint16_t *out)
{
	char list[80];
	int ret;

	port_list(c->conf, list, sizeof(list));
	if (val == NULL)
		return missing(c, sn, "port", list);
	ret = get_u16(c, sn, "port", val, 0, MR_CONF_MAX_PORTS - 1, list, out);
	if (ret != 0)
		return ret;
	if (!c->conf->ports[*out].present)
		return conf_err(c, sn, "port", list, "%u has no [port.%u] section",
				*out, *out);
	return 0;
}

/* [ng]: after [relay] (legs_max) and the ports. */
static int
parse_ng(struct mr_conf_ctx *c, int idx)
{
	static const char acl_acc[] = "up to " RTE_STR(MR_CONF_NG_ACL_MAX) " prefixes such as "
		"127.0.0.1/32, 10.0.0.0/8, ::1/128, separated by ',' or blanks";
	struct mr_conf_ng *ng = &c->conf->ng;
	struct mr_conf_sect s;
	const char **v = s.vals;
	const char *sn = s.name;
	struct mr_ng_addr a;
	uint16_t lport;
	int ret;

	ret = sect_open(c, idx, ng_keys, K_NG_N, &s);
	if (ret != 0)
		goto out;
	if (v[K_NG_LISTEN] != NULL) {
		if (strlen(v[K_NG_LISTEN]) >= sizeof(ng->listen) ||
		    mr_ng_parse_hostport(v[K_NG_LISTEN], &a, &lport, true) != 0) {
			ret = conf_err(c, sn, "listen", "a.b.c.d:port or [v6addr]:port",
				       "'%s' is not an address and port", v[K_NG_LISTEN]);
			goto out;
		}
		snprintf(ng->listen, sizeof(ng->listen), "%s", v[K_NG_LISTEN]);
		ng->enabled = true;
	}
	if (v[K_NG_ACL] != NULL) {
		const char *p = v[K_NG_ACL];

		while (*p != '\0') {
			size_t n = strcspn(p, ", \t");
			char one[sizeof(ng->acl[0])];

			if (n == 0) {
				p++;
				continue;
			}
			if (ng->n_acl == MR_CONF_NG_ACL_MAX || n >= sizeof(one)) {
				ret = conf_err(c, sn, "acl", acl_acc, "too many or too long prefixes");
				goto out;
			}
			memcpy(one, p, n);
			one[n] = '\0';
			if (!mr_ng_prefix_valid(one)) {
				ret = conf_err(c, sn, "acl", acl_acc, "'%s' is not a prefix", one);
				goto out;
			}
			memcpy(ng->acl[ng->n_acl++], one, n + 1);
			p += n;
		}
	}
	if (v[K_NG_PORT] != NULL) {
		ret = get_port_ref(c, sn, v[K_NG_PORT], &ng->port);
		if (ret != 0)
			goto out;
	}
	ret = get_u32(c, sn, "idle_ms", v[K_NG_IDLE_MS], 0, 86400000,
		      "0 (never) or 1000..86400000", &ng->idle_ms);
	if (ret == 0 && ng->idle_ms != 0 && ng->idle_ms < 1000)
		ret = conf_err(c, sn, "idle_ms", "0 (never) or 1000..86400000",
			       "%u is out of range", ng->idle_ms);
	if (ret == 0)
		ret = get_u32(c, sn, "calls_max", v[K_NG_CALLS_MAX], 1, c->conf->legs_max / 2,
			      "1..legs_max / 2 (two legs a call)", &ng->calls_max);
out:
	sect_close(&s);
	return ret;
}

/*
 * A local endpoint: parsed, its address one of the port's, and its UDP
 * ports first..first+count-1 inside rtp_port_min..rtp_port_max.
 */
static int
get_local(struct mr_conf_ctx *c, const char *sn, const char *key,
	  const char *val, uint16_t pid, uint32_t count, struct mr_endpoint *ep)
{
	const struct mr_conf_port *p = &c->conf->ports[pid];
	const struct mr_conf *conf = c->conf;
	char acc[160], a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];
	uint32_t first, last;
	bool ok;

	a4[0] = a6[0] = '\0';
	if (p->has_ipv4)
		fmt_addr(p->ipv4.ip, a4, sizeof(a4));
	if (p->has_ipv6)
		fmt_addr(p->ipv6.ip, a6, sizeof(a6));
	snprintf(acc, sizeof(acc), "addr:port, addr %s%s%s%s%s of [port.%u], port %u..%u",
		 a4, p->has_ipv4 && p->has_ipv6 ? " or " : "",
		 p->has_ipv6 ? "[" : "", a6, p->has_ipv6 ? "]" : "", pid,
		 conf->rtp_port_min, conf->rtp_port_max);
	if (val == NULL)
		return missing(c, sn, key, acc);
	if (mr_endpoint_parse(val, ep) != 0)
		return conf_err(c, sn, key, acc, "'%s' is not an endpoint", val);
	if (mr_endpoint_is_v4(ep))
		ok = p->has_ipv4 && memcmp(ep->ip, p->ipv4.ip, 16) == 0;
	else
		ok = p->has_ipv6 && memcmp(ep->ip, p->ipv6.ip, 16) == 0;
	if (!ok)
		return conf_err(c, sn, key, acc,
				"%s: the address is not one of [port.%u]", val, pid);
	first = rte_be_to_cpu_16(ep->port);
	last = first + count - 1;
	if (first < conf->rtp_port_min || last > conf->rtp_port_max) {
		if (count == 1)
			return conf_err(c, sn, key, acc,
					"%s: UDP port outside rtp_port_min..rtp_port_max",
					val);
		return conf_err(c, sn, key, acc,
				"%s: UDP ports %u..%u (count %u) leave "
				"rtp_port_min..rtp_port_max", val, first, last, count);
	}
	return 0;
}

/*
 * A remote: "latch" or an endpoint of the local's family whose ports
 * port..port+count-1 stay <= 65535.
 */
static int
get_remote(struct mr_conf_ctx *c, const char *sn, const char *key,
	   const char *val, const struct mr_endpoint *local, uint32_t count,
	   struct mr_endpoint *ep, bool *latch)
{
	bool v4 = mr_endpoint_is_v4(local);
	const char *acc = v4 ?
		"latch, or a.b.c.d:port, a unicast IPv4 address like the local one" :
		"latch, or [v6addr]:port, a unicast IPv6 address like the local one";

	if (val == NULL)
		return missing(c, sn, key, acc);
	memset(ep, 0, sizeof(*ep));
	if (strcmp(val, "latch") == 0) {
		*latch = true;
		return 0;
	}
	*latch = false;
	if (mr_endpoint_parse(val, ep) != 0)
		return conf_err(c, sn, key, acc, "'%s' is not an endpoint", val);
	if (!mr_endpoint_is_unicast(ep))
		return conf_err(c, sn, key, acc, "%s is not a unicast address", val);
	if (mr_endpoint_is_v4(ep) != v4)
		return conf_err(c, sn, key, acc,
				"%s is not of the local address's family", val);
	if ((uint32_t)rte_be_to_cpu_16(ep->port) + count - 1 > 65535)
		return conf_err(c, sn, key, acc,
				"%s: the last of count %u ports exceeds 65535", val,
				count);
	return 0;
}

/*
 * [profile.NAME]: every key through the session model's rules
 * (mr_profile_spec_set()), the same profile_set uses.
 */
static int
parse_profile(struct mr_conf_ctx *c, int idx, struct mr_conf_profile *pf)
{
	struct mr_conf_sect s;
	const char *sn = s.name;
	char reason[256];
	uint32_t given = 0;
	unsigned int k;
	int ret;

	ret = sect_open(c, idx, profile_keys, K_PROF_N, &s);
	if (ret != 0)
		goto out;
	rte_strscpy(pf->name, sn + strlen("profile."), sizeof(pf->name));
	for (k = 0; k < K_PROF_N; k++) {
		if (s.vals[k] == NULL)
			continue;
		if (mr_profile_spec_set(&pf->p, &given, profile_keys[k], s.vals[k], reason,
					sizeof(reason)) != 0) {
			ret = conf_err(c, sn, profile_keys[k],
				       mr_profile_spec_accepted(profile_keys[k]), "%s", reason);
			goto out;
		}
	}
	if (!(given & MR_PROFILE_F_OUT)) {
		ret = missing(c, sn, "out", mr_profile_spec_accepted("out"));
		goto out;
	}
	mr_profile_spec_new(&pf->p, given);
out:
	sect_close(&s);
	return ret;
}

/* a_transcode/b_transcode = NAME: a profile's name (lib/session resolves it). */
static int
get_profile_name(struct mr_conf_ctx *c, const char *sn, const char *key, const char *val,
		 char *out, size_t len)
{
	out[0] = '\0';
	if (val == NULL || strcmp(val, "none") == 0)
		return 0;
	if (!name_ok(val))
		return conf_err(c, sn, key, "the NAME of a [profile.NAME] section, or none",
				"'%s' is not a profile name", val);
	snprintf(out, len, "%s", val);
	return 0;
}

/* server_id = 1..14 octets as hex digits (2 per octet). */
static int
get_server_id(struct mr_conf_ctx *c, const char *sn, const char *val, struct mr_conf_quic *q)
{
	static const char acc[] = "1..14 octets as 2..28 hex digits, e.g. 0a01";
	size_t n = strlen(val), i;

	if (n == 0 || n % 2 != 0 || n > 28)
		return conf_err(c, sn, "server_id", acc, "'%s' is not accepted", val);
	for (i = 0; i < n; i += 2) {
		unsigned int hi, lo;

		if (!isxdigit((unsigned char)val[i]) || !isxdigit((unsigned char)val[i + 1]))
			return conf_err(c, sn, "server_id", acc, "'%s' is not hex", val);
		hi = isdigit((unsigned char)val[i]) ? (unsigned int)(val[i] - '0') :
		     (unsigned int)(tolower((unsigned char)val[i]) - 'a' + 10);
		lo = isdigit((unsigned char)val[i + 1]) ? (unsigned int)(val[i + 1] - '0') :
		     (unsigned int)(tolower((unsigned char)val[i + 1]) - 'a' + 10);
		q->server_id[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	q->server_id_len = (uint8_t)(n / 2);
	return 0;
}

/* alpn = ids joined by ',': 1..31 printable characters each, no blank or comma. */
static int
get_alpn(struct mr_conf_ctx *c, const char *sn, const char *val, struct mr_conf_quic *q)
{
	static const char acc[] = "1..4 ALPN ids joined by ',', each 1..31 printable "
				  "characters (default roq-14)";
	const char *p = val;

	q->n_alpn = 0;
	for (;;) {
		size_t n = strcspn(p, ",");
		size_t i;

		if (n == 0 || n >= sizeof(q->alpn[0]) || q->n_alpn == MR_CONF_QUIC_ALPN_MAX)
			return conf_err(c, sn, "alpn", acc, "'%s' is not accepted", val);
		for (i = 0; i < n; i++)
			if (p[i] <= ' ' || p[i] > '~')
				return conf_err(c, sn, "alpn", acc, "'%s' is not accepted", val);
		memcpy(q->alpn[q->n_alpn], p, n);
		q->alpn[q->n_alpn++][n] = '\0';
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

/* [quic.NAME]: a QUIC endpoint (lib/quic, docs/quic.md). */
static int
parse_quic(struct mr_conf_ctx *c, int idx, struct mr_conf_quic *q)
{
	const struct mr_conf *conf = c->conf;
	struct mr_conf_sect s;
	const char **v = s.vals;
	const char *sn = s.name;
	const struct mr_conf_port *p;
	uint32_t port;
	bool ok;
	int ret;

	ret = sect_open(c, idx, quic_keys, K_QUIC_N, &s);
	if (ret != 0)
		goto out;
	rte_strscpy(q->name, sn + strlen("quic."), sizeof(q->name));
	q->idle_timeout_ms = 30000;
	q->handshake_timeout_ms = 10000;
	q->max_conns = 1024;
	q->retry_above = UINT32_MAX;
	q->max_datagram_frame_size = 1200;
	q->handshakes_per_poll = 1;
	ret = get_port_ref(c, sn, v[K_QUIC_PORT], &q->port);
	if (ret != 0)
		goto out;
	p = &conf->ports[q->port];
	if (v[K_QUIC_LOCAL] == NULL || mr_endpoint_parse(v[K_QUIC_LOCAL], &q->local) != 0) {
		ret = v[K_QUIC_LOCAL] == NULL ?
		      missing(c, sn, "local", "addr:port of the port, UDP port outside the RTP range") :
		      conf_err(c, sn, "local", "addr:port", "'%s' is not an endpoint",
			       v[K_QUIC_LOCAL]);
		goto out;
	}
	ok = mr_endpoint_is_v4(&q->local) ? p->has_ipv4 && memcmp(q->local.ip, p->ipv4.ip, 16) == 0 :
	     p->has_ipv6 && memcmp(q->local.ip, p->ipv6.ip, 16) == 0;
	port = rte_be_to_cpu_16(q->local.port);
	if (!ok || (port >= conf->rtp_port_min && port <= conf->rtp_port_max)) {
		ret = conf_err(c, sn, "local", "an address of [port.N] with a UDP port outside "
			       "rtp_port_min..rtp_port_max (the legs' range)",
			       "%s: %s", v[K_QUIC_LOCAL], ok ? "the UDP port is in the RTP range" :
			       "the address is not the port's");
		goto out;
	}
	if (v[K_QUIC_CERT] == NULL || v[K_QUIC_KEY] == NULL) {
		ret = missing(c, sn, v[K_QUIC_CERT] == NULL ? "cert" : "key",
			      "a PEM file path (read when mrelay starts)");
		goto out;
	}
	if (strlen(v[K_QUIC_CERT]) >= sizeof(q->cert) || strlen(v[K_QUIC_KEY]) >= sizeof(q->key)) {
		ret = conf_err(c, sn, strlen(v[K_QUIC_CERT]) >= sizeof(q->cert) ? "cert" : "key",
			       "a path of at most 255 characters", "too long");
		goto out;
	}
	snprintf(q->cert, sizeof(q->cert), "%s", v[K_QUIC_CERT]);
	snprintf(q->key, sizeof(q->key), "%s", v[K_QUIC_KEY]);
	if (v[K_QUIC_ALPN] != NULL) {
		ret = get_alpn(c, sn, v[K_QUIC_ALPN], q);
		if (ret != 0)
			goto out;
	}
	ret = get_u32(c, sn, "idle_timeout_ms", v[K_QUIC_IDLE], 1000, 600000, NULL,
		      &q->idle_timeout_ms);
	if (ret == 0)
		ret = get_u32(c, sn, "handshake_timeout_ms", v[K_QUIC_HANDSHAKE], 1000, 60000, NULL,
			      &q->handshake_timeout_ms);
	if (ret == 0)
		ret = get_u32(c, sn, "max_conns", v[K_QUIC_MAX_CONNS], 1, 65536, NULL,
			      &q->max_conns);
	if (ret == 0 && v[K_QUIC_RETRY_ABOVE] != NULL && strcmp(v[K_QUIC_RETRY_ABOVE], "never") != 0)
		ret = get_u32(c, sn, "retry_above", v[K_QUIC_RETRY_ABOVE], 0, 65536,
			      "never, or 0 (always) .. 65536 connections", &q->retry_above);
	if (ret == 0)
		ret = get_u32(c, sn, "max_datagram_frame_size", v[K_QUIC_DGRAM], 64, 1200, NULL,
			      &q->max_datagram_frame_size);
	if (ret == 0)
		ret = get_u16(c, sn, "handshakes_per_poll", v[K_QUIC_HS_PER_POLL], 1, 64, NULL,
			      &q->handshakes_per_poll);
	if (ret == 0 && v[K_QUIC_SERVER_ID] != NULL)
		ret = get_server_id(c, sn, v[K_QUIC_SERVER_ID], q);
	if (ret == 0 && v[K_QUIC_HANDSHAKES] != NULL) {
		if (strcmp(v[K_QUIC_HANDSHAKES], "workers") == 0)
			q->handshakes_on_workers = true;
		else if (strcmp(v[K_QUIC_HANDSHAKES], "main") != 0)
			ret = conf_err(c, sn, "handshakes", "main or workers", "'%s'",
				       v[K_QUIC_HANDSHAKES]);
	}
out:
	sect_close(&s);
	return ret;
}

/*
 * [leg.NAME]: every key through the session model's rules
 * (mr_leg_spec_set()), the same the control commands use.
 */
static int
parse_leg(struct mr_conf_ctx *c, int idx, struct mr_conf_leg *leg)
{
	static const char *const required[][2] = {
		{"session", MR_CONF_NAME_ACCEPTED},
		{"port", "N of a [port.N] section"},
		{"local", "addr:port, addr:auto or auto, an address of the port"},
		{"remote", "addr:port or latch"},
	};
	struct mr_conf_sect s;
	const char *sn = s.name;
	char reason[256];
	unsigned int k;
	int ret;

	ret = sect_open(c, idx, leg_keys, K_LEG_N, &s);
	if (ret != 0)
		goto out;
	/* checked by name_ok() when the sections were listed */
	rte_strscpy(leg->name, sn + strlen("leg."), sizeof(leg->name));
	mr_leg_spec_init(&leg->spec);
	for (k = 0; k < RTE_DIM(required); k++) {
		unsigned int j, q;

		for (j = 0; j < K_LEG_N && strcmp(leg_keys[j], required[k][0]) != 0; j++)
			;
		for (q = 0; q < K_LEG_N && strcmp(leg_keys[q], "quic") != 0; q++)
			;
		/* an RTP over QUIC leg has its endpoint and flow instead (lib/session) */
		if (s.vals[q] != NULL && k > 0)
			continue;
		if (s.vals[j] == NULL) {
			ret = missing(c, sn, required[k][0], required[k][1]);
			goto out;
		}
	}
	for (k = 0; k < K_LEG_N; k++) {
		if (s.vals[k] == NULL)
			continue;
		if (mr_leg_spec_set(&leg->spec, leg_keys[k], s.vals[k], reason,
				    sizeof(reason)) != 0) {
			ret = conf_err(c, sn, leg_keys[k], mr_leg_spec_accepted(leg_keys[k]),
				       "%s", reason);
			goto out;
		}
	}
	if (ret == 0 && !(leg->spec.given & MR_LEG_F_QUIC) &&
	    (leg->spec.port >= MR_CONF_MAX_PORTS || !c->conf->ports[leg->spec.port].present)) {
		char list[80];

		port_list(c->conf, list, sizeof(list));
		ret = conf_err(c, sn, "port", list, "%u has no [port.%u] section",
			       leg->spec.port, leg->spec.port);
	}
out:
	sect_close(&s);
	return ret;
}

static int
parse_pairs(struct mr_conf_ctx *c, int idx, struct mr_conf_pairs *pr)
{
	struct mr_conf_sect s;
	const char **v = s.vals;
	const char *sn = s.name;
	int ret;

	ret = sect_open(c, idx, pairs_keys, K_PAIRS_N, &s);
	if (ret != 0)
		goto out;
	rte_strscpy(pr->name, sn + strlen("pairs."), sizeof(pr->name));
	pr->clock_rate = 48000;
	ret = get_port_ref(c, sn, v[K_PAIRS_PORT], &pr->port);
	if (ret != 0)
		goto out;
	if (v[K_PAIRS_COUNT] == NULL) {
		ret = missing(c, sn, "count", "1..65535");
		goto out;
	}
	ret = get_u32(c, sn, "count", v[K_PAIRS_COUNT], 1, 65535, NULL, &pr->count);
	if (ret == 0)
		ret = get_local(c, sn, "a_local", v[K_PAIRS_A_LOCAL], pr->port,
				pr->count, &pr->a_local);
	if (ret == 0)
		ret = get_remote(c, sn, "a_remote", v[K_PAIRS_A_REMOTE], &pr->a_local,
				 pr->count, &pr->a_remote, &pr->a_latch);
	if (ret == 0)
		ret = get_local(c, sn, "b_local", v[K_PAIRS_B_LOCAL], pr->port,
				pr->count, &pr->b_local);
	if (ret == 0)
		ret = get_remote(c, sn, "b_remote", v[K_PAIRS_B_REMOTE], &pr->b_local,
				 pr->count, &pr->b_remote, &pr->b_latch);
	if (ret == 0)
		ret = get_u32(c, sn, "clock_rate", v[K_PAIRS_CLOCK_RATE], 8000,
			      192000, NULL, &pr->clock_rate);
	if (ret == 0)
		ret = get_profile_name(c, sn, "a_transcode", v[K_PAIRS_A_TRANSCODE],
				       pr->a_transcode, sizeof(pr->a_transcode));
	if (ret == 0)
		ret = get_profile_name(c, sn, "b_transcode", v[K_PAIRS_B_TRANSCODE],
				       pr->b_transcode, sizeof(pr->b_transcode));
out:
	sect_close(&s);
	return ret;
}

struct mr_conf_name_ix {
	const char *name;
	uint32_t idx;
};

static int
name_ix_cmp(const void *a, const void *b)
{
	const struct mr_conf_name_ix *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* A range of local UDP ports on one address, owned by a leg or a pairs side. */
struct mr_conf_span {
	uint8_t ip[16];
	uint32_t lo;
	uint32_t hi;
	uint32_t order;         /* file order: the later one is blamed */
	uint32_t owner;         /* index in legs[] or pairs[] */
	uint8_t kind;           /* 0: leg local, 1: pairs a_local, 2: b_local */
};

static int
span_cmp(const void *a, const void *b)
{
	const struct mr_conf_span *x = a, *y = b;
	int d = memcmp(x->ip, y->ip, sizeof(x->ip));

	if (d != 0)
		return d;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void
span_where(const struct mr_conf *conf, const struct mr_conf_span *sp,
	   char *sect, size_t slen, const char **key)
{
	if (sp->kind == 0) {
		snprintf(sect, slen, "leg.%s", conf->legs[sp->owner].name);
		*key = "local";
	} else {
		snprintf(sect, slen, "pairs.%s", conf->pairs[sp->owner].name);
		*key = sp->kind == 1 ? "a_local" : "b_local";
	}
}

static void
span_what(const struct mr_conf_span *sp, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	fmt_addr(sp->ip, a, sizeof(a));
	if (sp->lo == sp->hi)
		snprintf(buf, len, "%s port %u", a, sp->lo);
	else
		snprintf(buf, len, "%s ports %u..%u", a, sp->lo, sp->hi);
}

static void
span_set(struct mr_conf_span *sp, const struct mr_endpoint *ep, uint32_t count,
	 uint32_t order, uint32_t owner, uint8_t kind)
{
	memcpy(sp->ip, ep->ip, sizeof(sp->ip));
	sp->lo = rte_be_to_cpu_16(ep->port);
	sp->hi = sp->lo + count - 1;
	sp->order = order;
	sp->owner = owner;
	sp->kind = kind;
}

/* No two legs, explicit or generated by pairs, share a local endpoint. */
static int
check_spans(struct mr_conf_ctx *c, const int *leg_sect, const int *pairs_sect)
{
	const struct mr_conf *conf = c->conf;
	uint32_t n = conf->n_legs + 2 * conf->n_pairs;
	struct mr_conf_span *sp, *run, *bad, *other;
	char s1[CFG_NAME_LEN + 8], s2[CFG_NAME_LEN + 8], w1[96], w2[96];
	const char *k1, *k2;
	uint32_t i, j = 0;
	int ret = 0;

	if (n == 0)
		return 0;
	sp = calloc(n, sizeof(*sp));
	if (sp == NULL) {
		conf_err(c, NULL, NULL, NULL, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < conf->n_legs; i++)
		/* allocated, or an RTP over QUIC leg's (made up): cannot overlap */
		if (!conf->legs[i].spec.local_port_auto &&
		    !(conf->legs[i].spec.given & MR_LEG_F_QUIC))
			span_set(&sp[j++], &conf->legs[i].spec.local, 1,
				 (uint32_t)leg_sect[i] * 2, i, 0);
	for (i = 0; i < conf->n_pairs; i++) {
		const struct mr_conf_pairs *pr = &conf->pairs[i];

		span_set(&sp[j++], &pr->a_local, pr->count,
			 (uint32_t)pairs_sect[i] * 2, i, 1);
		span_set(&sp[j++], &pr->b_local, pr->count,
			 (uint32_t)pairs_sect[i] * 2 + 1, i, 2);
	}
	n = j;
	qsort(sp, n, sizeof(*sp), span_cmp);
	/* @run: the span reaching highest so far on the current address */
	run = &sp[0];
	for (i = 1; i < n; i++) {
		if (memcmp(sp[i].ip, run->ip, sizeof(run->ip)) != 0 ||
		    sp[i].lo > run->hi) {
			if (memcmp(sp[i].ip, run->ip, sizeof(run->ip)) != 0 ||
			    sp[i].hi > run->hi)
				run = &sp[i];
			continue;
		}
		bad = sp[i].order > run->order ? &sp[i] : run;
		other = bad == run ? &sp[i] : run;
		span_where(conf, bad, s1, sizeof(s1), &k1);
		span_where(conf, other, s2, sizeof(s2), &k2);
		span_what(bad, w1, sizeof(w1));
		span_what(other, w2, sizeof(w2));
		ret = conf_err(c, s1, k1,
			       "local endpoints no other leg or pairs side uses",
			       "%s overlaps [%s] %s (%s)", w1, s2, k2, w2);
		break;
	}
	free(sp);
	return ret;
}

/* "port.N" with N canonical decimal (no sign, no leading 0) below MR_CONF_MAX_PORTS, else -1. */
static int
port_section_id(const char *s)
{
	unsigned int v = 0;
	size_t i;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned int)(s[i] - '0');
		if (v >= MR_CONF_MAX_PORTS)
			return -1;
	}
	return (int)v;
}

/* [KIND.NAME] with a valid NAME, and room for one more than @p n (of at most @p max). */
static int
named_sect(struct mr_conf_ctx *c, const char *name, const char *kind, unsigned int n,
	   unsigned int max)
{
	char acc[96];

	if (!name_ok(name + strlen(kind) + 1)) {
		snprintf(acc, sizeof(acc), "%s.NAME, NAME " MR_CONF_NAME_ACCEPTED, kind);
		return conf_err(c, name, NULL, acc, "bad %s name", kind);
	}
	if (n == max) {
		snprintf(acc, sizeof(acc), "at most %u [%s.NAME] sections", max, kind);
		return conf_err(c, name, NULL, acc, "one [%s] section too many", kind);
	}
	return 0;
}

static int
conf_build(struct mr_conf_ctx *c)
{
	static const char sect_acc[] =
		"relay, ng, port.N (N < " RTE_STR(MR_CONF_MAX_PORTS) "), leg.NAME, "
		"pairs.NAME, profile.NAME, quic.NAME; NAME " MR_CONF_NAME_ACCEPTED;
	struct mr_conf *conf = c->conf;
	int port_sect[MR_CONF_MAX_PORTS];
	int pairs_sect[MR_CONF_MAX_PAIRS];
	int profile_sect[MR_CONF_MAX_PROFILES];
	int quic_sect[MR_CONF_MAX_QUIC];
	struct mr_conf_name_ix *ix = NULL;
	int *leg_sect = NULL;
	int relay_sect = -1, ng_sect = -1;
	char name[CFG_NAME_LEN];
	uint32_t n_legs = 0, li;
	uint64_t total;
	int i, n_sect, ret = 0;
	bool any_port = false;

	for (i = 0; i < MR_CONF_MAX_PORTS; i++)
		port_sect[i] = -1;
	n_sect = rte_cfgfile_num_sections(c->cfg, NULL, 0);

	/* which sections there are, before any of them is read */
	for (i = 0; i < n_sect; i++) {
		rte_cfgfile_section_num_entries_by_index(c->cfg, name, i);
		if (strcmp(name, "relay") == 0) {
			if (relay_sect >= 0)
				return conf_err(c, name, NULL, "one [relay] section",
						"section given twice");
			relay_sect = i;
		} else if (strcmp(name, "ng") == 0) {
			if (ng_sect >= 0)
				return conf_err(c, name, NULL, "one [ng] section",
						"section given twice");
			ng_sect = i;
		} else if (strncmp(name, "port.", 5) == 0) {
			int pid = port_section_id(name + 5);

			if (pid < 0)
				return conf_err(c, name, NULL, "port.N, N < "
						RTE_STR(MR_CONF_MAX_PORTS) " in decimal",
						"not a port number");
			if (port_sect[pid] >= 0)
				return conf_err(c, name, NULL, "one section per port",
						"section given twice");
			port_sect[pid] = i;
			any_port = true;
		} else if (strncmp(name, "leg.", 4) == 0) {
			if (!name_ok(name + 4))
				return conf_err(c, name, NULL, "leg.NAME, NAME "
						MR_CONF_NAME_ACCEPTED, "bad leg name");
			n_legs++;
		} else if (strncmp(name, "pairs.", 6) == 0) {
			ret = named_sect(c, name, "pairs", conf->n_pairs, MR_CONF_MAX_PAIRS);
			if (ret != 0)
				return ret;
			pairs_sect[conf->n_pairs++] = i;
		} else if (strncmp(name, "profile.", 8) == 0) {
			ret = named_sect(c, name, "profile", conf->n_profiles, MR_CONF_MAX_PROFILES);
			if (ret != 0)
				return ret;
			profile_sect[conf->n_profiles++] = i;
		} else if (strncmp(name, "quic.", 5) == 0) {
			ret = named_sect(c, name, "quic", conf->n_quic, MR_CONF_MAX_QUIC);
			if (ret != 0)
				return ret;
			quic_sect[conf->n_quic++] = i;
		} else {
			return conf_err(c, name, NULL, sect_acc, "unknown section");
		}
	}
	if (!any_port)
		return conf_err(c, NULL, NULL, "at least one [port.N], N < "
				RTE_STR(MR_CONF_MAX_PORTS),
				"no [port.N] section");

	if (relay_sect >= 0) {
		ret = parse_relay(c, relay_sect);
		if (ret != 0)
			return ret;
	}
	for (i = 0; i < MR_CONF_MAX_PORTS; i++) {
		int j;

		if (port_sect[i] < 0)
			continue;
		ret = parse_port(c, port_sect[i], (unsigned int)i);
		if (ret != 0)
			return ret;
		/* lookups key on the address alone: one port per address */
		for (j = 0; j < i; j++) {
			const struct mr_conf_port *p = &conf->ports[i];
			const struct mr_conf_port *q = &conf->ports[j];
			char a[INET6_ADDRSTRLEN];
			const char *key = NULL;

			if (!q->present)
				continue;
			if (p->has_ipv4 && q->has_ipv4 &&
			    memcmp(p->ipv4.ip, q->ipv4.ip, 16) == 0)
				key = "ipv4";
			else if (p->has_ipv6 && q->has_ipv6 &&
				 memcmp(p->ipv6.ip, q->ipv6.ip, 16) == 0)
				key = "ipv6";
			if (key == NULL)
				continue;
			snprintf(name, sizeof(name), "port.%d", i);
			fmt_addr(key[3] == '4' ? p->ipv4.ip : p->ipv6.ip, a, sizeof(a));
			return conf_err(c, name, key, "an address no other port has",
					"%s is also the address of [port.%d]", a, j);
		}
	}

	if (ng_sect >= 0) {
		ret = parse_ng(c, ng_sect);
		if (ret != 0)
			return ret;
	}
	if (c->conf->ng.calls_max == 0)
		c->conf->ng.calls_max = c->conf->legs_max / 2;

	/* profiles before the legs that name them */
	for (i = 0; i < (int)conf->n_profiles; i++) {
		int j;

		ret = parse_profile(c, profile_sect[i], &conf->profiles[i]);
		if (ret != 0)
			return ret;
		for (j = 0; j < i; j++) {
			if (strcmp(conf->profiles[i].name, conf->profiles[j].name) == 0) {
				snprintf(name, sizeof(name), "profile.%s", conf->profiles[i].name);
				return conf_err(c, name, NULL, "one section per profile name",
						"section given twice");
			}
		}
	}

	/* QUIC endpoints: one name, one local endpoint each */
	for (i = 0; i < (int)conf->n_quic; i++) {
		int j;

		ret = parse_quic(c, quic_sect[i], &conf->quic[i]);
		if (ret != 0)
			return ret;
		for (j = 0; j < i; j++) {
			if (strcmp(conf->quic[i].name, conf->quic[j].name) == 0 ||
			    mr_endpoint_equal(&conf->quic[i].local, &conf->quic[j].local)) {
				snprintf(name, sizeof(name), "quic.%s", conf->quic[i].name);
				return conf_err(c, name, NULL, "one section per name and local endpoint",
						"[quic.%s] has the same %s", conf->quic[j].name,
						strcmp(conf->quic[i].name, conf->quic[j].name) == 0 ?
						"name" : "local endpoint");
			}
		}
	}

	/* legs, in file order; forward lists once all names are known */
	if (n_legs > 0) {
		conf->legs = calloc(n_legs, sizeof(*conf->legs));
		leg_sect = calloc(n_legs, sizeof(*leg_sect));
		ix = calloc(n_legs, sizeof(*ix));
		if (conf->legs == NULL || leg_sect == NULL || ix == NULL) {
			conf_err(c, NULL, NULL, NULL, "out of memory");
			ret = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < n_sect; i++) {
		rte_cfgfile_section_num_entries_by_index(c->cfg, name, i);
		if (strncmp(name, "leg.", 4) != 0)
			continue;
		li = conf->n_legs++;
		leg_sect[li] = i;
		ret = parse_leg(c, i, &conf->legs[li]);
		if (ret != 0)
			goto out;
		ix[li].name = conf->legs[li].name;
		ix[li].idx = li;
	}
	if (n_legs > 0)
		qsort(ix, n_legs, sizeof(*ix), name_ix_cmp);
	for (li = 1; li < n_legs; li++) {
		if (strcmp(ix[li - 1].name, ix[li].name) == 0) {
			snprintf(name, sizeof(name), "leg.%s", ix[li].name);
			ret = conf_err(c, name, NULL, "one section per leg name",
				       "section given twice");
			goto out;
		}
	}
	for (i = 0; i < (int)conf->n_pairs; i++) {
		int j;

		ret = parse_pairs(c, pairs_sect[i], &conf->pairs[i]);
		if (ret != 0)
			goto out;
		for (j = 0; j < i; j++) {
			if (strcmp(conf->pairs[i].name, conf->pairs[j].name) == 0) {
				snprintf(name, sizeof(name), "pairs.%s",
					 conf->pairs[i].name);
				ret = conf_err(c, name, NULL,
					       "one section per pairs name",
					       "section given twice");
				goto out;
			}
		}
	}
	total = conf->n_legs;
	for (i = 0; i < (int)conf->n_pairs; i++)
		total += 2 * (uint64_t)conf->pairs[i].count;
	if (total > conf->legs_max) {
		ret = conf_err(c, "relay", "legs_max",
			       "16..4194304, at least the legs configured",
			       "%u is below the %" PRIu64 " legs configured "
			       "(%u [leg] sections + 2 x count of every [pairs])",
			       conf->legs_max, total, conf->n_legs);
		goto out;
	}
	ret = check_spans(c, leg_sect, pairs_sect);
out:
	free(ix);
	free(leg_sect);
	return ret;
}

static int
conf_load_text(const char *file, const char *path, const char *text,
	       size_t len, struct mr_conf *conf, char *err, size_t errlen)
{
	struct mr_conf_ctx c = {
		.file = file, .err = err, .errlen = errlen, .conf = conf,
	};
	int ret;

	ret = lint_text(&c, text, len);
	if (ret != 0)
		return ret;
	c.cfg = path != NULL ? rte_cfgfile_load(path, 0) : cfg_from_text(text, len);
	if (c.cfg == NULL) {
		/* the text passed the line check: the file went away */
		conf_err(&c, NULL, NULL, NULL, "cannot be read by rte_cfgfile");
		return path != NULL ? -ENOENT : -ENOMEM;
	}
	ret = conf_build(&c);
	rte_cfgfile_close(c.cfg);
	if (ret != 0)
		mr_conf_free(conf);
	return ret;
}

int
mr_conf_load(const char *path, struct mr_conf *conf, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	if (conf == NULL)
		return -EINVAL;
	mr_conf_defaults(conf);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (path == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "no configuration file given");
		return -EINVAL;
	}
	ret = read_text(path, &text, &len);
	if (ret != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: cannot read: %s%s", path,
				 strerror(-ret), ret == -EFBIG ?
				 " (accepted: at most 64 MiB)" : "");
		return ret == -ENOMEM ? -ENOMEM : ret == -EFBIG ? -EINVAL : -ENOENT;
	}
	ret = conf_load_text(path, path, text, len, conf, err, errlen);
	free(text);
	return ret;
}

int
mr_conf_load_string(const char *text, struct mr_conf *conf, char *err,
		    size_t errlen)
{
	if (conf == NULL)
		return -EINVAL;
	mr_conf_defaults(conf);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (text == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "<default>: no text given");
		return -EINVAL;
	}
	return conf_load_text("<default>", NULL, text, strlen(text), conf, err,
			      errlen);
}
