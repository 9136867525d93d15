/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * lib/conf: a full configuration read back value by value, the defaults,
 * one rejected value (at least) for every key with the message naming
 * section and key, the cross-section rules, the line check, lcore lists.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <rte_common.h>

#include "mr_conf.h"
#include "mr_test.h"

#define ERRLEN 512

/* Expected endpoint bytes, built without lib/pkt. */
static void
ep4(struct mr_endpoint *ep, const char *addr, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->ip[10] = 0xff;
	ep->ip[11] = 0xff;
	if (inet_pton(AF_INET, addr, ep->ip + 12) != 1)
		abort();
	ep->port = htons(port);
}

static void
ep6(struct mr_endpoint *ep, const char *addr, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	if (inet_pton(AF_INET6, addr, ep->ip) != 1)
		abort();
	ep->port = htons(port);
}

static int
ep_is(const struct mr_endpoint *got, const struct mr_endpoint *want)
{
	return memcmp(got, want, sizeof(*got)) == 0;
}

static const char full_conf[] =
	"; a full configuration\n"
	"[relay]\n"
	"workers = 1-2,4\n"
	"burst = 64\n"
	"mbufs = 0x7fff            ; hex\n"
	"mbuf_cache = 128\n"
	"streams_max = 4096\n"
	"legs_max = 1024\n"
	"stream_idle_ms = 5000\n"
	"tx_drain_us = 50\n"
	"learn_ring = 256\n"
	"leg_streams_max = 32\n"
	"leg_new_streams_per_s = 0\n"
	"main_idle_us = 20\n"
	"rtp_port_min = 20000\n"
	"rtp_port_max = 29999\n"
	"stats_interval_ms = 0\n"
	"\n"
	"[port.0]\n"
	"ipv4 = 192.0.2.1\n"
	"nexthop_mac = 02:00:00:00:00:02\n"
	"vlan = 100\n"
	"rx_desc = 2048\n"
	"tx_desc = 512\n"
	"[ port.1 ]\r\n"
	"  ipv6 = 2001:db8::1\r\n"
	"ipv4=198.51.100.1\r\n"
	"nexthop_mac = 02:00:00:00:01:0a\r\n"
	"[leg.alice]\n"
	"session = call-1\n"
	"port = 0\n"
	"local = 192.0.2.1:20000\n"
	"remote = 203.0.113.5:40000\n"
	"forward = bob, carol\n"
	"[leg.bob]\n"
	"session = call-1\n"
	"port = 1\n"
	"local = [2001:db8::1]:20002\n"
	"remote = [2001:db8::99]:5004\n"
	"forward = alice\n"
	"ssrc_out = 0xdeadbeef\n"
	"seq_offset = 1000\n"
	"ts_offset = 4294967295\n"
	"clock_rate = 8000\n"
	"[leg.carol]\n"
	"session = call_2\n"
	"port = 1\n"
	"local = 198.51.100.1:20004\n"
	"remote = latch\n"
	"[pairs.bench]\n"
	"port = 0\n"
	"count = 100\n"
	"a_local = 192.0.2.1:21000\n"
	"a_remote = 203.0.113.7:30000\n"
	"b_local = 192.0.2.1:22000\n"
	"b_remote = latch\n"
	"clock_rate = 16000\n"
	"[pairs.v6]\n"
	"port = 1\n"
	"count = 1\n"
	"a_local = [2001:db8::1]:20000\n"
	"a_remote = latch\n"
	"b_local = 198.51.100.1:20000\n"
	"b_remote = 198.51.100.77:6000\n";

static int
check_full(const struct mr_conf *c)
{
	static const uint8_t mac0[6] = {2, 0, 0, 0, 0, 2};
	static const uint8_t mac1[6] = {2, 0, 0, 0, 1, 0x0a};
	struct mr_endpoint e;
	const struct mr_conf_leg *l;
	const struct mr_conf_pairs *p;
	unsigned int i;

	MR_TEST_EQ(c->n_workers, 3);
	MR_TEST_EQ(c->worker_lcores[0], 1);
	MR_TEST_EQ(c->worker_lcores[1], 2);
	MR_TEST_EQ(c->worker_lcores[2], 4);
	MR_TEST_EQ(c->burst, 64);
	MR_TEST_EQ(c->mbufs, 32767);
	MR_TEST_EQ(c->mbuf_cache, 128);
	MR_TEST_EQ(c->streams_max, 4096);
	MR_TEST_EQ(c->legs_max, 1024);
	MR_TEST_EQ(c->stream_idle_ms, 5000);
	MR_TEST_EQ(c->tx_drain_us, 50);
	/* learn_ring is accepted and unused */
	MR_TEST_EQ(c->leg_streams_max, 32);
	MR_TEST_EQ(c->leg_new_streams_per_s, 0);
	MR_TEST_EQ(c->main_idle_us, 20);
	MR_TEST_EQ(c->rtp_port_min, 20000);
	MR_TEST_EQ(c->rtp_port_max, 29999);
	MR_TEST_EQ(c->stats_interval_ms, 0);

	MR_TEST_ASSERT(c->ports[0].present, "port 0");
	MR_TEST_ASSERT(c->ports[0].has_ipv4 && !c->ports[0].has_ipv6, "port 0 families");
	ep4(&e, "192.0.2.1", 0);
	MR_TEST_ASSERT(ep_is(&c->ports[0].ipv4, &e), "port 0 ipv4");
	MR_TEST_ASSERT(memcmp(c->ports[0].nexthop_mac.addr_bytes, mac0, 6) == 0, "mac0");
	MR_TEST_EQ(c->ports[0].vlan, 100);
	MR_TEST_EQ(c->ports[0].rx_desc, 2048);
	MR_TEST_EQ(c->ports[0].tx_desc, 512);
	MR_TEST_ASSERT(c->ports[1].present, "port 1");
	MR_TEST_ASSERT(c->ports[1].has_ipv4 && c->ports[1].has_ipv6, "port 1 families");
	ep4(&e, "198.51.100.1", 0);
	MR_TEST_ASSERT(ep_is(&c->ports[1].ipv4, &e), "port 1 ipv4");
	ep6(&e, "2001:db8::1", 0);
	MR_TEST_ASSERT(ep_is(&c->ports[1].ipv6, &e), "port 1 ipv6");
	MR_TEST_ASSERT(memcmp(c->ports[1].nexthop_mac.addr_bytes, mac1, 6) == 0, "mac1");
	MR_TEST_EQ(c->ports[1].vlan, 0);
	MR_TEST_EQ(c->ports[1].rx_desc, 1024);
	MR_TEST_EQ(c->ports[1].tx_desc, 1024);
	for (i = 2; i < MR_CONF_MAX_PORTS; i++)
		MR_TEST_ASSERT(!c->ports[i].present, "port %u", i);

	MR_TEST_EQ(c->n_legs, 3);
	l = &c->legs[0];
	MR_TEST_ASSERT(strcmp(l->name, "alice") == 0, "%s", l->name);
	MR_TEST_ASSERT(strcmp(l->spec.session, "call-1") == 0, "%s", l->spec.session);
	MR_TEST_EQ(l->spec.port, 0);
	ep4(&e, "192.0.2.1", 20000);
	MR_TEST_ASSERT(ep_is(&l->spec.local, &e), "alice local");
	MR_TEST_ASSERT(!l->spec.latch, "alice latch");
	ep4(&e, "203.0.113.5", 40000);
	MR_TEST_ASSERT(ep_is(&l->spec.remote, &e), "alice remote");
	MR_TEST_EQ(l->spec.n_fwd, 2);
	MR_TEST_ASSERT(strcmp(l->spec.fwd[0], "bob") == 0, "%s", l->spec.fwd[0]);
	MR_TEST_ASSERT(strcmp(l->spec.fwd[1], "carol") == 0, "%s", l->spec.fwd[1]);
		MR_TEST_EQ(l->spec.ssrc_out, 0);
	MR_TEST_EQ(l->spec.seq_offset, 0);
	MR_TEST_EQ(l->spec.ts_offset, 0);
	MR_TEST_EQ(l->spec.clock_rate, 48000);

	l = &c->legs[1];
	MR_TEST_ASSERT(strcmp(l->name, "bob") == 0, "%s", l->name);
	MR_TEST_EQ(l->spec.port, 1);
	ep6(&e, "2001:db8::1", 20002);
	MR_TEST_ASSERT(ep_is(&l->spec.local, &e), "bob local");
	ep6(&e, "2001:db8::99", 5004);
	MR_TEST_ASSERT(ep_is(&l->spec.remote, &e), "bob remote");
	MR_TEST_EQ(l->spec.n_fwd, 1);
	MR_TEST_ASSERT(strcmp(l->spec.fwd[0], "alice") == 0, "%s", l->spec.fwd[0]);
		MR_TEST_EQ(l->spec.ssrc_out, 0xdeadbeefu);
	MR_TEST_EQ(l->spec.seq_offset, 1000);
	MR_TEST_EQ(l->spec.ts_offset, 4294967295u);
	MR_TEST_EQ(l->spec.clock_rate, 8000);

	l = &c->legs[2];
	MR_TEST_ASSERT(strcmp(l->name, "carol") == 0, "%s", l->name);
	MR_TEST_ASSERT(strcmp(l->spec.session, "call_2") == 0, "%s", l->spec.session);
	ep4(&e, "198.51.100.1", 20004);
	MR_TEST_ASSERT(ep_is(&l->spec.local, &e), "carol local");
	MR_TEST_ASSERT(l->spec.latch, "carol latch");
	memset(&e, 0, sizeof(e));
	MR_TEST_ASSERT(ep_is(&l->spec.remote, &e), "carol remote zero");
	MR_TEST_EQ(l->spec.n_fwd, 0);

	MR_TEST_EQ(c->n_pairs, 2);
	p = &c->pairs[0];
	MR_TEST_ASSERT(strcmp(p->name, "bench") == 0, "%s", p->name);
	MR_TEST_EQ(p->port, 0);
	MR_TEST_EQ(p->count, 100);
	ep4(&e, "192.0.2.1", 21000);
	MR_TEST_ASSERT(ep_is(&p->a_local, &e), "a_local");
	ep4(&e, "203.0.113.7", 30000);
	MR_TEST_ASSERT(ep_is(&p->a_remote, &e), "a_remote");
	ep4(&e, "192.0.2.1", 22000);
	MR_TEST_ASSERT(ep_is(&p->b_local, &e), "b_local");
	MR_TEST_ASSERT(!p->a_latch && p->b_latch, "latches");
	MR_TEST_EQ(p->clock_rate, 16000);
	p = &c->pairs[1];
	MR_TEST_ASSERT(strcmp(p->name, "v6") == 0, "%s", p->name);
	MR_TEST_EQ(p->port, 1);
	MR_TEST_EQ(p->count, 1);
	ep6(&e, "2001:db8::1", 20000);
	MR_TEST_ASSERT(ep_is(&p->a_local, &e), "v6 a_local");
	ep4(&e, "198.51.100.1", 20000);
	MR_TEST_ASSERT(ep_is(&p->b_local, &e), "v6 b_local");
	ep4(&e, "198.51.100.77", 6000);
	MR_TEST_ASSERT(ep_is(&p->b_remote, &e), "v6 b_remote");
	MR_TEST_ASSERT(p->a_latch && !p->b_latch, "v6 latches");
	MR_TEST_EQ(p->clock_rate, 48000);
	return 0;
}

static int
test_conf_full(void)
{
	struct mr_conf c;
	char err[ERRLEN];
	int ret;

	ret = mr_conf_load_string(full_conf, &c, err, sizeof(err));
	MR_TEST_ASSERT(ret == 0, "%d %s", ret, err);
	ret = check_full(&c);
	mr_conf_free(&c);
	MR_TEST_ASSERT(c.legs == NULL && c.n_legs == 0, "freed");
	return ret;
}
MR_REGISTER_TEST(conf, full, test_conf_full);

/* The same through a file; messages then carry the path. */
static int
test_conf_file(void)
{
	char path[] = "/tmp/mr_test_conf.XXXXXX";
	struct mr_conf c;
	char err[ERRLEN];
	FILE *f;
	int fd, ret;

	fd = mkstemp(path);
	MR_TEST_ASSERT(fd >= 0, "mkstemp");
	f = fdopen(fd, "w");
	MR_TEST_ASSERT(f != NULL, "fdopen");
	fputs(full_conf, f);
	fclose(f);
	ret = mr_conf_load(path, &c, err, sizeof(err));
	if (ret == 0) {
		ret = check_full(&c);
		mr_conf_free(&c);
	} else {
		fprintf(stderr, "  %s\n", err);
	}
	if (ret != 0) {
		unlink(path);
		return -1;
	}

	f = fopen(path, "w");
	MR_TEST_ASSERT(f != NULL, "reopen");
	fputs("[port.0]\nipv4 = 10.0.0.1\nnexthop_mac = 02:00:00:00:00:02\n"
	      "rx_desc = 10\n", f);
	fclose(f);
	ret = mr_conf_load(path, &c, err, sizeof(err));
	unlink(path);
	MR_TEST_EQ(ret, -EINVAL);
	MR_TEST_ASSERT(strncmp(err, path, strlen(path)) == 0 &&
		       strstr(err, ": [port.0] rx_desc: ") != NULL, "%s", err);
	return 0;
}
MR_REGISTER_TEST(conf, file, test_conf_file);

static int
test_conf_missing_file(void)
{
	struct mr_conf c;
	char err[ERRLEN];
	int ret;

	ret = mr_conf_load("/nonexistent/mrelay.conf", &c, err, sizeof(err));
	MR_TEST_EQ(ret, -ENOENT);
	MR_TEST_ASSERT(strstr(err, "/nonexistent/mrelay.conf") != NULL, "%s", err);
	MR_TEST_ASSERT(c.legs == NULL && c.n_legs == 0, "left freed");
	mr_conf_free(&c);
	/* a directory cannot be read as a file either */
	ret = mr_conf_load("/", &c, err, sizeof(err));
	MR_TEST_EQ(ret, -ENOENT);
	return 0;
}
MR_REGISTER_TEST(conf, missing_file, test_conf_missing_file);

static int
test_conf_defaults(void)
{
	struct mr_conf c, d;
	char err[ERRLEN];
	unsigned int i;
	int ret;

	mr_conf_defaults(&d);
	MR_TEST_EQ(d.n_workers, 0);
	MR_TEST_EQ(d.burst, 32);
	MR_TEST_EQ(d.mbufs, 16383);
	MR_TEST_EQ(d.mbuf_cache, 256);
	MR_TEST_EQ(d.streams_max, 65536);
	MR_TEST_EQ(d.legs_max, 16384);
	MR_TEST_EQ(d.stream_idle_ms, 30000);
	MR_TEST_EQ(d.tx_drain_us, 100);
	MR_TEST_EQ(d.leg_streams_max, 8);
	MR_TEST_EQ(d.leg_new_streams_per_s, 16);
	MR_TEST_EQ(d.main_idle_us, 1000);
	MR_TEST_ASSERT(!d.ng.enabled && d.ng.idle_ms == MR_CONF_NG_IDLE_DEFAULT, "ng off");
	MR_TEST_EQ(d.rtp_port_min, 30000);
	MR_TEST_EQ(d.rtp_port_max, 39999);
	MR_TEST_EQ(d.stats_interval_ms, 1000);
	MR_TEST_EQ(d.n_legs, 0);
	MR_TEST_EQ(d.n_pairs, 0);
	MR_TEST_ASSERT(d.legs == NULL, "legs");
	for (i = 0; i < MR_CONF_MAX_PORTS; i++)
		MR_TEST_ASSERT(!d.ports[i].present, "port %u", i);

	/* no [relay]: the loaded values are the defaults */
	ret = mr_conf_load_string("[port.3]\nipv6 = fd00::1\n"
				  "nexthop_mac = 02:00:00:00:00:02\n",
				  &c, err, sizeof(err));
	MR_TEST_ASSERT(ret == 0, "%d %s", ret, err);
	MR_TEST_EQ(c.n_workers, 0);
	MR_TEST_EQ(c.burst, 32);
	MR_TEST_EQ(c.mbufs, 16383);
	MR_TEST_EQ(c.mbuf_cache, 256);
	MR_TEST_EQ(c.streams_max, 65536);
	MR_TEST_EQ(c.legs_max, 16384);
	MR_TEST_EQ(c.stream_idle_ms, 30000);
	MR_TEST_EQ(c.tx_drain_us, 100);
	MR_TEST_EQ(c.leg_streams_max, 8);
	MR_TEST_EQ(c.leg_new_streams_per_s, 16);
	MR_TEST_EQ(c.rtp_port_min, 30000);
	MR_TEST_EQ(c.rtp_port_max, 39999);
	MR_TEST_EQ(c.stats_interval_ms, 1000);
	MR_TEST_ASSERT(c.ports[3].present && c.ports[3].has_ipv6 &&
		       !c.ports[3].has_ipv4, "port 3");
	MR_TEST_EQ(c.ports[3].vlan, 0);
	MR_TEST_EQ(c.ports[3].rx_desc, 1024);
	MR_TEST_EQ(c.ports[3].tx_desc, 1024);
	MR_TEST_ASSERT(!c.ports[0].present, "port 0");
	MR_TEST_EQ(c.n_legs, 0);
	MR_TEST_EQ(c.n_pairs, 0);
	mr_conf_free(&c);

	/* an empty [relay] too; hex and decimal agree */
	ret = mr_conf_load_string("[relay]\n[port.0]\nipv4 = 10.0.0.1\n"
				  "nexthop_mac = 02:00:00:00:00:02\nvlan = 0xffe\n",
				  &c, err, sizeof(err));
	MR_TEST_ASSERT(ret == 0, "%d %s", ret, err);
	MR_TEST_EQ(c.burst, 32);
	MR_TEST_EQ(c.ports[0].vlan, 4094);
	mr_conf_free(&c);
	return 0;
}
MR_REGISTER_TEST(conf, defaults, test_conf_defaults);

/*
 * The base configuration of the rejection tests: every key present and
 * valid, so each case changes exactly one value.
 */
struct kv {
	const char *sect;
	const char *key;
	const char *val;
};

static const struct kv base_conf[] = {
	{"relay", "workers", "1"},
	{"relay", "burst", "32"},
	{"relay", "mbufs", "16383"},
	{"relay", "mbuf_cache", "256"},
	{"relay", "streams_max", "65536"},
	{"relay", "legs_max", "16384"},
	{"relay", "stream_idle_ms", "30000"},
	{"relay", "tx_drain_us", "100"},
	{"relay", "leg_streams_max", "8"},
	{"relay", "leg_new_streams_per_s", "16"},
	{"relay", "main_idle_us", "1000"},
	{"relay", "rtp_port_min", "30000"},
	{"relay", "rtp_port_max", "39999"},
	{"relay", "stats_interval_ms", "1000"},
	{"relay", "transcoders", "2"},
	{"relay", "transcode_ring", "1024"},
	{"relay", "transcode_channels", "256"},
	{"port.0", "ipv4", "10.0.0.1"},
	{"port.0", "ipv6", "fd00::1"},
	{"port.0", "nexthop_mac", "02:00:00:00:00:02"},
	{"port.0", "vlan", "0"},
	{"port.0", "rx_desc", "1024"},
	{"port.0", "tx_desc", "1024"},
	{"ng", "listen", "127.0.0.1:2223"},
	{"ng", "acl", "127.0.0.1/32, ::1/128 10.0.0.0/8"},
	{"ng", "port", "0"},
	{"ng", "idle_ms", "60000"},
	{"ng", "calls_max", "8"},
	{"leg.a", "session", "s1"},
	{"leg.a", "port", "0"},
	{"leg.a", "local", "10.0.0.1:30000"},
	{"leg.a", "remote", "10.1.0.1:20000"},
	{"leg.a", "forward", "b"},
	{"leg.a", "ssrc_out", "0x1234"},
	{"leg.a", "seq_offset", "0"},
	{"leg.a", "ts_offset", "0"},
	{"leg.a", "clock_rate", "48000"},
	{"leg.a", "transcode", "p1"},
	{"leg.b", "session", "s1"},
	{"leg.b", "port", "0"},
	{"leg.b", "local", "[fd00::1]:30002"},
	{"leg.b", "remote", "latch"},
	{"leg.b", "forward", "a"},
	{"pairs.p", "port", "0"},
	{"pairs.p", "count", "10"},
	{"pairs.p", "a_local", "10.0.0.1:31000"},
	{"pairs.p", "a_remote", "10.1.0.1:20000"},
	{"pairs.p", "b_local", "10.0.0.1:32000"},
	{"pairs.p", "b_remote", "latch"},
	{"pairs.p", "clock_rate", "8000"},
	{"pairs.p", "a_transcode", "p1"},
	{"pairs.p", "b_transcode", "p1"},
	{"profile.p1", "in", "opus"},
	{"profile.p1", "in_pt", "111"},
	{"profile.p1", "out", "pcmu"},
	{"profile.p1", "out_pt", "0"},
	{"profile.p1", "channels", "1"},
	{"profile.p1", "ptime", "20"},
	{"profile.p1", "complexity", "5"},
	{"profile.p1", "reorder", "3"},
	{"profile.p1", "fec", "0"},
	{"profile.p1", "dtx", "0"},
	{"profile.p1", "bitrate", "32000"},
	{"profile.p1", "rate", "8000"},
	{"profile.p1", "loss_perc", "5"},
};

/*
 * Render base_conf with @p key of @p sect set to @p val (added when the
 * base lacks it, removed when @p val is NULL), then @p extra appended.
 */
static void
make_conf(char *buf, size_t len, const char *sect, const char *key,
	  const char *val, const char *extra)
{
	const char *cur = NULL;
	size_t off = 0, i;
	bool done = false;

	buf[0] = '\0';
	for (i = 0; i <= RTE_DIM(base_conf); i++) {
		const struct kv *e = i < RTE_DIM(base_conf) ? &base_conf[i] : NULL;

		if (cur != NULL && (e == NULL || strcmp(e->sect, cur) != 0)) {
			/* leaving section cur: add the key if it was not there */
			if (!done && sect != NULL && val != NULL &&
			    strcmp(cur, sect) == 0) {
				off += snprintf(buf + off, len - off, "%s = %s\n", key, val);
				done = true;
			}
		}
		if (e == NULL)
			break;
		if (cur == NULL || strcmp(e->sect, cur) != 0) {
			cur = e->sect;
			off += snprintf(buf + off, len - off, "[%s]\n", cur);
		}
		if (sect != NULL && strcmp(e->sect, sect) == 0 &&
		    strcmp(e->key, key) == 0) {
			done = true;
			if (val != NULL)
				off += snprintf(buf + off, len - off, "%s = %s\n",
						key, val);
			continue;
		}
		off += snprintf(buf + off, len - off, "%s = %s\n", e->key, e->val);
	}
	if (extra != NULL)
		snprintf(buf + off, len - off, "%s", extra);
}

static int
test_conf_base_ok(void)
{
	char text[8192], err[ERRLEN];
	struct mr_conf c;
	int ret;

	make_conf(text, sizeof(text), NULL, NULL, NULL, NULL);
	ret = mr_conf_load_string(text, &c, err, sizeof(err));
	MR_TEST_ASSERT(ret == 0, "%d %s", ret, err);
	MR_TEST_EQ(c.n_legs, 2);
	MR_TEST_EQ(c.n_pairs, 1);
	MR_TEST_ASSERT(c.ng.enabled && strcmp(c.ng.listen, "127.0.0.1:2223") == 0, "ng listen");
	MR_TEST_EQ(c.ng.n_acl, 3);
	MR_TEST_ASSERT(strcmp(c.ng.acl[2], "10.0.0.0/8") == 0, "acl %s", c.ng.acl[2]);
	MR_TEST_EQ(c.ng.calls_max, 8);
	MR_TEST_EQ(c.ng.idle_ms, 60000);
	/* an IPv6 leg forwarding to an IPv4 leg and back is allowed */
	MR_TEST_ASSERT(strcmp(c.legs[0].spec.fwd[0], "b") == 0, "%s", c.legs[0].spec.fwd[0]);
	MR_TEST_ASSERT(strcmp(c.legs[1].spec.fwd[0], "a") == 0, "%s", c.legs[1].spec.fwd[0]);
	mr_conf_free(&c);
	return 0;
}
MR_REGISTER_TEST(conf, base_ok, test_conf_base_ok);

/* -EINVAL, "<default>: [sect] key: ", the conf left freed. */
static int
expect_reject(const char *text, const char *sect, const char *key)
{
	char err[ERRLEN], want[128];
	struct mr_conf c;
	int ret;

	if (key != NULL)
		snprintf(want, sizeof(want), "<default>: [%s] %s: ", sect, key);
	else
		snprintf(want, sizeof(want), "<default>: [%s]: ", sect);
	memset(err, 0, sizeof(err));
	ret = mr_conf_load_string(text, &c, err, sizeof(err));
	if (ret == 0)
		mr_conf_free(&c);
	if (getenv("MR_TEST_VERBOSE") != NULL)
		fprintf(stderr, "  %s\n", err);
	MR_TEST_ASSERT(ret == -EINVAL, "[%s] %s: ret %d, err '%s'", sect,
		       key != NULL ? key : "", ret, err);
	MR_TEST_ASSERT(strncmp(err, want, strlen(want)) == 0,
		       "want '%s', got '%s'", want, err);
	MR_TEST_ASSERT(strstr(err, "(accepted: ") != NULL, "no accepted: '%s'", err);
	MR_TEST_ASSERT(c.legs == NULL && c.n_legs == 0, "not freed");
	return 0;
}

static const struct kv bad_values[] = {
	{"relay", "workers", "1-200"},
	{"relay", "workers", "0-64"},
	{"relay", "workers", "3-1"},
	{"relay", "workers", "1,1"},
	{"relay", "workers", "one"},
	{"relay", "burst", "0"},
	{"relay", "burst", "257"},
	{"relay", "burst", "65"},
	{"relay", "burst", "-1"},
	{"relay", "burst", "+1"},
	{"relay", "burst", "32x"},
	{"relay", "burst", "0x"},
	{"relay", "burst", "3 2"},
	{"relay", "burst", "0x10000000000000020"},
	{"relay", "burst", "18446744073709551648"},
	{"relay", "mbufs", "1022"},
	{"relay", "mbufs", "4194304"},
	{"relay", "mbuf_cache", "513"},
	{"relay", "streams_max", "63"},
	{"relay", "streams_max", "16777217"},
	{"relay", "legs_max", "15"},
	{"relay", "legs_max", "4194305"},
	{"relay", "legs_max", "21"},    /* 2 legs + 2 x 10 pairs = 22 */
	{"relay", "stream_idle_ms", "99"},
	{"relay", "stream_idle_ms", "86400001"},
	{"relay", "tx_drain_us", "0"},
	{"relay", "tx_drain_us", "10001"},
	{"relay", "leg_streams_max", "0"},
	{"relay", "leg_streams_max", "65536"},
	{"relay", "leg_new_streams_per_s", "1000001"},
	{"relay", "main_idle_us", "50001"},
	{"relay", "rtp_port_min", "1023"},
	{"relay", "rtp_port_min", "65536"},
	{"relay", "rtp_port_max", "29999"},
	{"relay", "rtp_port_max", "65536"},
	{"relay", "stats_interval_ms", "99"},
	{"relay", "stats_interval_ms", "60001"},
	{"port.0", "ipv4", "10.0.0"},
	{"port.0", "ipv4", "fd00::2"},
	{"port.0", "ipv4", "224.0.0.1"},
	{"port.0", "ipv4", "0.0.0.0"},
	{"port.0", "ipv4", "10.0.0.1:5"},
	{"port.0", "ipv6", "10.0.0.1"},
	{"port.0", "ipv6", "ff02::1"},
	{"port.0", "ipv6", "::"},
	{"port.0", "ipv6", "[fd00::1]"},
	{"port.0", "nexthop_mac", "02:00:00:00:00"},
	{"port.0", "nexthop_mac", "01:00:5e:00:00:01"},
	{"port.0", "nexthop_mac", "00:00:00:00:00:00"},
	{"port.0", "nexthop_mac", "zz:00:00:00:00:02"},
	{"port.0", "nexthop", "10.0.0.1"},         /* the port's own address */
	{"port.0", "nexthop", "fd00::1"},
	{"port.0", "nexthop", "224.0.0.5"},
	{"port.0", "nexthop", "ff02::2"},
	{"port.0", "nexthop", "10.0.0.2:53"},
	{"port.0", "nexthop", "gateway"},
	{"port.0", "vlan", "4095"},
	{"port.0", "rx_desc", "63"},
	{"port.0", "rx_desc", "16385"},
	{"port.0", "tx_desc", "63"},
	{"port.0", "tx_desc", "16385"},
	{"port.0", "bogus", "1"},
	{"leg.a", "session", "bad name"},
	{"leg.a", "session", "s23456789012345678901234567890123456789012345678"},
	{"leg.a", "port", "8"},
	{"leg.a", "port", "1"},
	{"leg.a", "port", "zero"},
	{"leg.a", "local", "10.0.0.1"},
	{"leg.a", "local", "10.0.0.1:0"},
	{"leg.a", "remote", "10.1.0.1"},
	{"leg.a", "remote", "0.0.0.0:5"},
	{"leg.a", "remote", "239.1.1.1:5"},
	{"leg.a", "remote", "Latch"},
	{"leg.a", "forward", "b, b"},
	{"leg.a", "forward", "b,"},
	{"leg.a", "forward", ",b"},
	{"leg.a", "forward", "b c"},
	{"leg.a", "ssrc_out", "0x100000000"},
	{"leg.a", "seq_offset", "65536"},
	{"leg.a", "ts_offset", "4294967296"},
	{"leg.a", "clock_rate", "7999"},
	{"leg.a", "clock_rate", "192001"},
	{"leg.a", "Session", "s1"},
	{"leg.a", "transcode", "no pe"},
	/* what depends on the rest (the port's addresses, names): daemon_checks leg_rules */
	{"pairs.p", "port", "9"},
	{"pairs.p", "port", "3"},
	{"pairs.p", "count", "0"},
	{"pairs.p", "count", "65536"},
	{"pairs.p", "a_local", "10.0.0.1:39995"},  /* +9 > rtp_port_max */
	{"pairs.p", "a_local", "10.0.0.9:31000"},
	{"pairs.p", "a_remote", "10.1.0.1:65530"}, /* +9 > 65535 */
	{"pairs.p", "a_remote", "[fd00::5]:2000"},
	{"pairs.p", "a_remote", "nope"},
	{"pairs.p", "b_local", "10.0.0.1:31005"},  /* into a_local's range */
	{"pairs.p", "b_local", "[fd00::1]:29999"},
	{"pairs.p", "b_remote", "x"},
	{"pairs.p", "clock_rate", "192001"},
	{"pairs.p", "a_transcode", "n!"},
	{"pairs.p", "b_transcode", "a b"},
	{"relay", "transcoders", "1"},     /* also a worker */
	{"relay", "transcoders", "x"},
	{"relay", "transcode_ring", "100"},
	{"relay", "transcode_ring", "32"},
	{"relay", "transcode_channels", "0"},
	{"relay", "transcode_channels", "65537"},
	{"profile.p1", "in", "g729"},
	{"profile.p1", "in_pt", "128"},
	{"profile.p1", "out", "x"},
	{"profile.p1", "out_pt", "200"},
	{"profile.p1", "channels", "3"},
	{"ng", "listen", "127.0.0.1"},
	{"ng", "listen", "localhost:2223"},
	{"ng", "listen", "[::1]:65536"},
	{"ng", "acl", "10.0.0.0/33"},
	{"ng", "acl", "10.0.0.0/8,bad"},
	{"ng", "port", "1"},
	{"ng", "idle_ms", "999"},
	{"ng", "idle_ms", "86400001"},
	{"ng", "calls_max", "0"},
	{"ng", "calls_max", "8193"},
	{"profile.p1", "ptime", "30"},
	{"profile.p1", "complexity", "11"},
	{"profile.p1", "reorder", "9"},
	{"profile.p1", "fec", "2"},
	{"profile.p1", "dtx", "yes"},
	{"profile.p1", "bitrate", "5999"},
	{"profile.p1", "rate", "44100"},
	{"profile.p1", "loss_perc", "101"},
};

static int
test_conf_bad_values(void)
{
	char text[8192];
	unsigned int i, n = 0;

	for (i = 0; i < RTE_DIM(bad_values); i++) {
		const struct kv *b = &bad_values[i];

		make_conf(text, sizeof(text), b->sect, b->key, b->val, NULL);
		if (expect_reject(text, b->sect, b->key) != 0) {
			fprintf(stderr, "  case %u: [%s] %s = %s\n", i, b->sect,
				b->key, b->val);
			return -1;
		}
		n++;
	}
	MR_TEST_EQ(n, RTE_DIM(bad_values));
	return 0;
}
MR_REGISTER_TEST(conf, bad_values, test_conf_bad_values);

/* Every key of every section has at least one rejected value above. */
static int
test_conf_every_key_covered(void)
{
	unsigned int i, j;

	for (i = 0; i < RTE_DIM(base_conf); i++) {
		const char *s = base_conf[i].sect, *k = base_conf[i].key;
		bool hit = false;

		/* leg.b's keys are leg keys: covered through leg.a */
		if (strcmp(s, "leg.b") == 0)
			continue;
		for (j = 0; j < RTE_DIM(bad_values) && !hit; j++)
			hit = strcmp(bad_values[j].sect, s) == 0 &&
			      strcmp(bad_values[j].key, k) == 0;
		MR_TEST_ASSERT(hit, "no rejected value for [%s] %s", s, k);
	}
	return 0;
}
MR_REGISTER_TEST(conf, every_key_covered, test_conf_every_key_covered);

static const struct kv required[] = {
	{"port.0", "nexthop_mac", NULL},
	{"leg.a", "session", NULL},
	{"leg.a", "port", NULL},
	{"leg.a", "local", NULL},
	{"leg.a", "remote", NULL},
	{"pairs.p", "port", NULL},
	{"pairs.p", "count", NULL},
	{"pairs.p", "a_local", NULL},
	{"pairs.p", "a_remote", NULL},
	{"pairs.p", "b_local", NULL},
	{"pairs.p", "b_remote", NULL},
};

static int
test_conf_required(void)
{
	char text[8192], err[ERRLEN];
	struct mr_conf c;
	unsigned int i;
	int ret;

	for (i = 0; i < RTE_DIM(required); i++) {
		make_conf(text, sizeof(text), required[i].sect, required[i].key,
			  NULL, NULL);
		if (expect_reject(text, required[i].sect, required[i].key) != 0)
			return -1;
	}
	/* a port needs an address */
	ret = mr_conf_load_string("[port.0]\nnexthop_mac = 02:00:00:00:00:02\n",
				  &c, err, sizeof(err));
	MR_TEST_EQ(ret, -EINVAL);
	MR_TEST_ASSERT(strstr(err, "[port.0] ipv4: ") != NULL, "%s", err);
	/* optional keys may go */
	make_conf(text, sizeof(text), "leg.a", "forward", NULL, NULL);
	ret = mr_conf_load_string(text, &c, err, sizeof(err));
	MR_TEST_ASSERT(ret == 0, "%s", err);
	MR_TEST_EQ(c.legs[0].spec.n_fwd, 0);
	mr_conf_free(&c);
	return 0;
}
MR_REGISTER_TEST(conf, required, test_conf_required);

/* nexthop = IP: resolved by ARP/ND instead of a static nexthop_mac, which wins when both are given. */
static int
test_conf_nexthop(void)
{
	char err[ERRLEN];
	struct mr_conf c;
	int ret;

	ret = mr_conf_load_string("[port.0]\nipv4 = 10.9.0.1\nnexthop = 10.9.0.254\n",
				  &c, err, sizeof(err));
	MR_TEST_ASSERT(ret == 0, "%s", err);
	MR_TEST_ASSERT(c.ports[0].has_nexthop && !c.ports[0].has_nexthop_mac, "dynamic");
	MR_TEST_ASSERT(mr_endpoint_is_v4(&c.ports[0].nexthop) &&
		       c.ports[0].nexthop.ip[12] == 10 && c.ports[0].nexthop.ip[15] == 254, "ip");
	MR_TEST_ASSERT(rte_is_zero_ether_addr(&c.ports[0].nexthop_mac), "no MAC yet");
	mr_conf_free(&c);
	ret = mr_conf_load_string("[port.0]\nipv6 = fd00::1\nnexthop = fd00::fe\n"
				  "nexthop_mac = 02:00:00:00:00:02\n", &c, err, sizeof(err));
	MR_TEST_ASSERT(ret == 0, "%s", err);
	MR_TEST_ASSERT(c.ports[0].has_nexthop && c.ports[0].has_nexthop_mac, "both");
	MR_TEST_ASSERT(!mr_endpoint_is_v4(&c.ports[0].nexthop), "v6");
	mr_conf_free(&c);
	/* a family the port has no address of */
	ret = mr_conf_load_string("[port.0]\nipv6 = fd00::1\nnexthop = 10.0.0.2\n",
				  &c, err, sizeof(err));
	MR_TEST_EQ(ret, -EINVAL);
	MR_TEST_ASSERT(strstr(err, "[port.0] nexthop: ") != NULL, "%s", err);
	/* neither: the message names nexthop_mac and says nexthop would do */
	ret = mr_conf_load_string("[port.0]\nipv4 = 10.9.0.1\n", &c, err, sizeof(err));
	MR_TEST_EQ(ret, -EINVAL);
	MR_TEST_ASSERT(strstr(err, "[port.0] nexthop_mac: ") != NULL &&
		       strstr(err, "nexthop = ") != NULL, "%s", err);
	return 0;
}
MR_REGISTER_TEST(conf, nexthop, test_conf_nexthop);

static int
test_conf_exact_message(void)
{
	char text[8192], err[ERRLEN];
	struct mr_conf c;
	int ret;

	make_conf(text, sizeof(text), "relay", "burst", "300", NULL);
	ret = mr_conf_load_string(text, &c, err, sizeof(err));
	MR_TEST_EQ(ret, -EINVAL);
	MR_TEST_ASSERT(strcmp(err, "<default>: [relay] burst: 300 is out of range "
			      "(accepted: 1..64)") == 0, "%s", err);
	/* a short buffer is truncated, not overrun */
	memset(err, 'x', sizeof(err));
	ret = mr_conf_load_string(text, &c, err, 12);
	MR_TEST_EQ(ret, -EINVAL);
	MR_TEST_ASSERT(strcmp(err, "<default>: ") == 0 && err[12] == 'x', "%s", err);
	/* and no buffer at all is fine */
	MR_TEST_EQ(mr_conf_load_string(text, &c, NULL, 0), -EINVAL);
	return 0;
}
MR_REGISTER_TEST(conf, exact_message, test_conf_exact_message);

static int
test_conf_sections(void)
{
	char text[8192];

	make_conf(text, sizeof(text), NULL, NULL, NULL, "[relais]\nburst = 1\n");
	if (expect_reject(text, "relais", NULL) != 0)
		return -1;
	make_conf(text, sizeof(text), NULL, NULL, NULL, "[port.8]\nipv4 = 10.9.0.1\n");
	if (expect_reject(text, "port.8", NULL) != 0)
		return -1;
	make_conf(text, sizeof(text), NULL, NULL, NULL, "[port.01]\nipv4 = 10.9.0.1\n");
	if (expect_reject(text, "port.01", NULL) != 0)
		return -1;
	make_conf(text, sizeof(text), NULL, NULL, NULL, "[port.]\nipv4 = 10.9.0.1\n");
	if (expect_reject(text, "port.", NULL) != 0)
		return -1;
	make_conf(text, sizeof(text), NULL, NULL, NULL, "[port.-1]\nipv4 = 10.9.0.1\n");
	if (expect_reject(text, "port.-1", NULL) != 0)
		return -1;
	make_conf(text, sizeof(text), NULL, NULL, NULL, "[leg.x.y]\nport = 0\n");
	if (expect_reject(text, "leg.x.y", NULL) != 0)
		return -1;
	make_conf(text, sizeof(text), NULL, NULL, NULL, "[leg.]\nport = 0\n");
	if (expect_reject(text, "leg.", NULL) != 0)
		return -1;
	make_conf(text, sizeof(text), NULL, NULL, NULL,
		  "[pairs.a2345678901234567890123456789012]\nport = 0\n");
	if (expect_reject(text, "pairs.a2345678901234567890123456789012", NULL) != 0)
		return -1;
	make_conf(text, sizeof(text), NULL, NULL, NULL, "[relay]\n");
	if (expect_reject(text, "relay", NULL) != 0)
		return -1;
	make_conf(text, sizeof(text), NULL, NULL, NULL,
		  "[port.0]\nipv4 = 10.9.0.1\nnexthop_mac = 02:00:00:00:00:02\n");
	if (expect_reject(text, "port.0", NULL) != 0)
		return -1;
	make_conf(text, sizeof(text), NULL, NULL, NULL,
		  "[leg.a]\nsession = s\nport = 0\nlocal = 10.0.0.1:30010\n"
		  "remote = latch\n");
	if (expect_reject(text, "leg.a", NULL) != 0)
		return -1;
	make_conf(text, sizeof(text), NULL, NULL, NULL,
		  "[pairs.p]\nport = 0\ncount = 1\na_local = 10.0.0.1:33000\n"
		  "a_remote = latch\nb_local = 10.0.0.1:33001\nb_remote = latch\n");
	if (expect_reject(text, "pairs.p", NULL) != 0)
		return -1;
	/* a key given twice */
	make_conf(text, sizeof(text), NULL, NULL, NULL,
		  "[leg.c]\nsession = s\nport = 0\nport = 0\n");
	if (expect_reject(text, "leg.c", "port") != 0)
		return -1;
	/* a second port may not reuse an address of the first */
	make_conf(text, sizeof(text), NULL, NULL, NULL,
		  "[port.1]\nipv4 = 10.0.0.7\nipv6 = fd00::1\n"
		  "nexthop_mac = 02:00:00:00:00:03\n");
	if (expect_reject(text, "port.1", "ipv6") != 0)
		return -1;
	return 0;
}
MR_REGISTER_TEST(conf, sections, test_conf_sections);

static int
test_conf_no_port(void)
{
	struct mr_conf c;
	char err[ERRLEN];
	int ret;

	ret = mr_conf_load_string("[relay]\nburst = 8\n", &c, err, sizeof(err));
	MR_TEST_EQ(ret, -EINVAL);
	MR_TEST_ASSERT(strstr(err, "no [port.N] section") != NULL, "%s", err);
	ret = mr_conf_load_string("", &c, err, sizeof(err));
	MR_TEST_EQ(ret, -EINVAL);
	MR_TEST_ASSERT(strstr(err, "no [port.N] section") != NULL, "%s", err);
	return 0;
}
MR_REGISTER_TEST(conf, no_port, test_conf_no_port);

/* Overlaps name the later section and the one it collides with. */
static int
expect_clash(const char *extra, const char *blamed, const char *other)
{
	char text[8192], err[ERRLEN];
	struct mr_conf c;
	int ret;

	make_conf(text, sizeof(text), NULL, NULL, NULL, extra);
	ret = mr_conf_load_string(text, &c, err, sizeof(err));
	MR_TEST_EQ(ret, -EINVAL);
	MR_TEST_ASSERT(strstr(err, blamed) != NULL && strstr(err, other) != NULL,
		       "want %s and %s: %s", blamed, other, err);
	return 0;
}

static int
test_conf_endpoints(void)
{
	char text[8192], err[ERRLEN];
	struct mr_conf c;
	int ret;

	/* two legs on one local endpoint */
	if (expect_clash("[leg.c]\nsession = s\nport = 0\nlocal = 10.0.0.1:30000\n"
			 "remote = latch\n", "[leg.c] local: ", "[leg.a] local") != 0)
		return -1;
	/* a leg inside a pairs range */
	if (expect_clash("[leg.c]\nsession = s\nport = 0\nlocal = 10.0.0.1:31009\n"
			 "remote = latch\n", "[leg.c] local: ", "[pairs.p] a_local") != 0)
		return -1;
	/* two pairs sections overlapping by one port */
	if (expect_clash("[pairs.q]\nport = 0\ncount = 6\na_local = 10.0.0.1:31995\n"
			 "a_remote = latch\nb_local = 10.0.0.1:33000\n"
			 "b_remote = latch\n", "[pairs.q] a_local: ",
			 "[pairs.p] b_local") != 0)
		return -1;
	/* right next to each other is fine, and the same port on the other family */
	make_conf(text, sizeof(text), NULL, NULL, NULL,
		  "[pairs.q]\nport = 0\ncount = 5\na_local = 10.0.0.1:32010\n"
		  "a_remote = latch\nb_local = 10.0.0.1:30995\nb_remote = latch\n"
		  "[leg.c]\nsession = s\nport = 0\nlocal = [fd00::1]:30000\n"
		  "remote = latch\n");
	ret = mr_conf_load_string(text, &c, err, sizeof(err));
	MR_TEST_ASSERT(ret == 0, "%s", err);
	MR_TEST_EQ(c.n_pairs, 2);
	MR_TEST_EQ(c.n_legs, 3);
	mr_conf_free(&c);
	/* a long range swallowing a later short one is still found */
	if (expect_clash("[pairs.q]\nport = 0\ncount = 900\na_local = 10.0.0.1:33000\n"
			 "a_remote = latch\nb_local = 10.0.0.1:35000\nb_remote = latch\n"
			 "[pairs.r]\nport = 0\ncount = 2\na_local = 10.0.0.1:36000\n"
			 "a_remote = latch\nb_local = 10.0.0.1:33500\nb_remote = latch\n",
			 "[pairs.r] b_local: ", "[pairs.q] a_local") != 0)
		return -1;
	return 0;
}
MR_REGISTER_TEST(conf, endpoints, test_conf_endpoints);

static int
test_conf_forward(void)
{
	char text[8192], err[ERRLEN];
	struct mr_conf c;
	int ret, i;
	char extra[2048];
	size_t off = 0;

	/* names are the session model's to resolve (test_session.c): any name loads */
	make_conf(text, sizeof(text), "leg.a", "forward", "b, nobody", NULL);
	ret = mr_conf_load_string(text, &c, err, sizeof(err));
	MR_TEST_ASSERT(ret == 0, "%s", err);
	MR_TEST_EQ(c.legs[0].spec.n_fwd, 2);
	MR_TEST_ASSERT(strcmp(c.legs[0].spec.fwd[1], "nobody") == 0, "%s", c.legs[0].spec.fwd[1]);
	mr_conf_free(&c);
	make_conf(text, sizeof(text), "leg.b", "forward", "a,,b", NULL);
	if (expect_reject(text, "leg.b", "forward") != 0)
		return -1;

	/* 9 more legs: forwarding to 8 of them works, to 9 does not */
	for (i = 0; i < 9; i++)
		off += snprintf(extra + off, sizeof(extra) - off,
				"[leg.f%d]\nsession = s2\nport = 0\n"
				"local = 10.0.0.1:%d\nremote = latch\n", i, 30100 + i);
	make_conf(text, sizeof(text), "leg.a", "forward",
		  "f0,f1,f2,f3,f4,f5,f6,f7", extra);
	ret = mr_conf_load_string(text, &c, err, sizeof(err));
	MR_TEST_ASSERT(ret == 0, "%s", err);
	MR_TEST_EQ(c.legs[0].spec.n_fwd, 8);
	for (i = 0; i < 8; i++) {
		char want[8];

		snprintf(want, sizeof(want), "f%d", i);
		MR_TEST_ASSERT(strcmp(c.legs[0].spec.fwd[i], want) == 0, "%s", c.legs[0].spec.fwd[i]);
	}
	mr_conf_free(&c);
	make_conf(text, sizeof(text), "leg.a", "forward",
		  "f0,f1,f2,f3,f4,f5,f6,f7,f8", extra);
	if (expect_reject(text, "leg.a", "forward") != 0)
		return -1;
	return 0;
}
MR_REGISTER_TEST(conf, forward, test_conf_forward);

/* Lines rte_cfgfile would skip or truncate are errors with a line number. */
static int
test_conf_lines(void)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{"[port.0]\nipv4 10.0.0.1\n", "<default>: line 2: expected"},
		{"[port.0] ; ok\n# hash comment\n", "<default>: line 2: expected"},
		{"[port.0] x\n", "<default>: line 1: text after"},
		{"[port.0\n", "<default>: line 1: section header without"},
		{"[]\n", "<default>: line 1: empty section name"},
		{"ipv4 = 10.0.0.1\n[port.0]\n", "<default>: line 1: ipv4: key before"},
		{"[port.0]\nipv4 =\n", "<default>: line 2: ipv4: empty value"},
		{"[port.0]\nipv4 = ; nothing\n", "<default>: line 2: ipv4: empty value"},
		{"[port.0]\n= 5\n", "<default>: line 2: no key before"},
	};
	char text[1024], err[ERRLEN];
	struct mr_conf c;
	unsigned int i;
	int ret;

	for (i = 0; i < RTE_DIM(cases); i++) {
		ret = mr_conf_load_string(cases[i].text, &c, err, sizeof(err));
		MR_TEST_ASSERT(ret == -EINVAL, "case %u: %d", i, ret);
		MR_TEST_ASSERT(strncmp(err, cases[i].want, strlen(cases[i].want)) == 0,
			       "case %u: want '%s', got '%s'", i, cases[i].want, err);
	}
	/* a value of 256 characters would be cut by rte_cfgfile */
	snprintf(text, sizeof(text), "[port.0]\nipv4 = %0256d\n", 1);
	MR_TEST_EQ(mr_conf_load_string(text, &c, err, sizeof(err)), -EINVAL);
	MR_TEST_ASSERT(strstr(err, "line 2: ipv4: value longer than 255") != NULL,
		       "%s", err);
	snprintf(text, sizeof(text), "[port.0]\nk%064d = 1\n", 1);
	MR_TEST_EQ(mr_conf_load_string(text, &c, err, sizeof(err)), -EINVAL);
	MR_TEST_ASSERT(strstr(err, "line 2: key longer than 63") != NULL, "%s", err);
	snprintf(text, sizeof(text), "[port.0]\n;%0330d\n", 1);
	MR_TEST_EQ(mr_conf_load_string(text, &c, err, sizeof(err)), -EINVAL);
	MR_TEST_ASSERT(strstr(err, "line 2: longer than 320") != NULL, "%s", err);
	return 0;
}
MR_REGISTER_TEST(conf, lines, test_conf_lines);

static int
test_conf_lcores(void)
{
	static const struct {
		const char *text;
		unsigned int max;
		int ret;
		uint16_t ids[6];
	} cases[] = {
		{"1-3,5", 64, 4, {1, 2, 3, 5}},
		{"0", 64, 1, {0}},
		{"7-7", 64, 1, {7}},
		{" 4 , 2 - 3 ", 64, 3, {4, 2, 3}},
		{"127", 64, 1, {127}},
		{"126-127,0", 3, 3, {126, 127, 0}},
		{"128", 64, -EINVAL, {0}},
		{"120-128", 64, -EINVAL, {0}},
		{"99999999999999999999999", 64, -EINVAL, {0}},
		{"", 64, -EINVAL, {0}},
		{" ", 64, -EINVAL, {0}},
		{"1-", 64, -EINVAL, {0}},
		{"-1", 64, -EINVAL, {0}},
		{"3-1", 64, -EINVAL, {0}},
		{"1,1", 64, -EINVAL, {0}},
		{"1-3,2", 64, -EINVAL, {0}},
		{"1,,2", 64, -EINVAL, {0}},
		{"1,", 64, -EINVAL, {0}},
		{"1;2", 64, -EINVAL, {0}},
		{"1x", 64, -EINVAL, {0}},
		{"0x1", 64, -EINVAL, {0}},
		{"1-2-3", 64, -EINVAL, {0}},
		{"1,2,3", 2, -EINVAL, {0}},
		{"1", 0, -EINVAL, {0}},
	};
	uint16_t out[RTE_MAX_LCORE];
	unsigned int i;
	int j, ret;

	for (i = 0; i < RTE_DIM(cases); i++) {
		ret = mr_conf_parse_lcores(cases[i].text, out, cases[i].max);
		MR_TEST_ASSERT(ret == cases[i].ret, "'%s': %d, want %d",
			       cases[i].text, ret, cases[i].ret);
		for (j = 0; j < ret; j++)
			MR_TEST_ASSERT(out[j] == cases[i].ids[j], "'%s' [%d]: %u",
				       cases[i].text, j, out[j]);
	}
	/* the whole range, exactly at the limit */
	ret = mr_conf_parse_lcores("0-127", out, RTE_MAX_LCORE);
	MR_TEST_EQ(ret, RTE_MAX_LCORE);
	for (j = 0; j < ret; j++)
		MR_TEST_EQ(out[j], j);
	MR_TEST_EQ(mr_conf_parse_lcores("0-127", out, RTE_MAX_LCORE - 1), -EINVAL);
	MR_TEST_EQ(mr_conf_parse_lcores(NULL, out, 4), -EINVAL);
	return 0;
}
MR_REGISTER_TEST(conf, lcores, test_conf_lcores);

/*
 * app/mrelay/default.conf, found from this file's path (run from the
 * build directory, as meson test does); skipped when not reachable.
 */
static int
test_conf_default_file(void)
{
	/* the source tree's absolute path (tests/unit/meson.build): any cwd works */
	const char *path = MR_SOURCE_ROOT "/app/mrelay/default.conf";
	char err[ERRLEN];
	struct mr_conf c;
	struct mr_endpoint e;
	int ret;

	ret = mr_conf_load(path, &c, err, sizeof(err));
	MR_TEST_ASSERT(ret == 0, "%s", err);
	MR_TEST_ASSERT(c.ports[0].present && c.ports[0].has_ipv4 &&
		       c.ports[0].has_ipv6, "port 0");
	ep4(&e, "10.0.0.1", 0);
	MR_TEST_ASSERT(ep_is(&c.ports[0].ipv4, &e), "ipv4");
	ep6(&e, "fd00::1", 0);
	MR_TEST_ASSERT(ep_is(&c.ports[0].ipv6, &e), "ipv6");
	MR_TEST_EQ(c.ports[0].nexthop_mac.addr_bytes[5], 2);
	MR_TEST_EQ(c.n_legs, 0);
	MR_TEST_EQ(c.n_pairs, 1);
	MR_TEST_ASSERT(strcmp(c.pairs[0].name, "default") == 0, "%s", c.pairs[0].name);
	MR_TEST_EQ(c.pairs[0].count, 200);
	ep4(&e, "10.0.0.1", 30000);
	MR_TEST_ASSERT(ep_is(&c.pairs[0].a_local, &e), "a_local");
	ep4(&e, "10.1.0.1", 20000);
	MR_TEST_ASSERT(ep_is(&c.pairs[0].a_remote, &e), "a_remote");
	ep4(&e, "10.0.0.1", 32000);
	MR_TEST_ASSERT(ep_is(&c.pairs[0].b_local, &e), "b_local");
	ep4(&e, "10.2.0.1", 20000);
	MR_TEST_ASSERT(ep_is(&c.pairs[0].b_remote, &e), "b_remote");
	MR_TEST_ASSERT(!c.pairs[0].a_latch && !c.pairs[0].b_latch, "latch");
	mr_conf_free(&c);
	return 0;
}
MR_REGISTER_TEST(conf, default_file, test_conf_default_file);
