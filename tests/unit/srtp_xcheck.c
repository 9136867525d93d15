/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * srtp_xcheck: lib/srtp behind a line protocol on stdin/stdout, so that
 * tests/unit/test_srtp.py can check it against tools/python/mrelay/srtp.py
 * (an implementation on python3-cryptography) both ways. One reply line
 * per request line:
 *
 *   in <id> <suite> <key params> [window]  -> ok <fingerprint> | err <message>
 *   out <id> <suite> <key params> <ssrc>   -> ok <fingerprint> | err <message>
 *   protect_rtp|protect_rtcp <id> <hex> [room]
 *   unprotect_rtp|unprotect_rtcp <id> <hex>
 *                                          -> ok <hex> | <result name>
 *   roc <id> <ssrc>                        -> ok <roc> | enoent
 *   remove <id> <ssrc>                     -> ok | enoent
 *   free <id>                              -> ok
 *   backend                                -> ok openssl | ok libsrtp
 *
 * <id> is 0..63; <ssrc> decimal or 0x hex; [room] defaults to the
 * packet's length plus the suite's overhead. Needs no EAL.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_srtp.h"

#define MAX_CTX 64
#define PKT_MAX 65535
#define PKT_BUF (PKT_MAX + 64)

static struct mr_srtp_ctx *ctxs[MAX_CTX];
static uint8_t pkt[PKT_BUF];

static int
hex_decode(const char *s, uint8_t *out, uint32_t max, uint32_t *len)
{
	size_t n = strlen(s), i;

	if (n % 2 != 0 || n / 2 > max)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*len = (uint32_t)(n / 2);
	return 0;
}

static void
hex_print(const uint8_t *p, uint32_t len)
{
	uint32_t i;

	fputs("ok ", stdout);
	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
	putchar('\n');
}

static struct mr_srtp_ctx **
slot(const char *id)
{
	char *end;
	unsigned long v = strtoul(id != NULL ? id : "", &end, 10);

	if (id == NULL || *end != '\0' || v >= MAX_CTX)
		return NULL;
	return &ctxs[v];
}

static void
create(char *dir, char **arg)
{
	struct mr_srtp_ctx **s = slot(arg[0]);
	struct mr_srtp_key key;
	char err[256];
	int ret;

	if (s == NULL || arg[1] == NULL || arg[2] == NULL) {
		puts("err usage");
		return;
	}
	if (mr_srtp_key_parse(arg[1], arg[2], &key, err, sizeof(err)) < 0) {
		printf("err %s\n", err);
		return;
	}
	mr_srtp_ctx_free(*s);
	*s = NULL;
	if (strcmp(dir, "in") == 0)
		ret = mr_srtp_inbound_create(&key, arg[3] ? (uint32_t)strtoul(arg[3], NULL, 0) : 0, s);
	else
		ret = mr_srtp_outbound_create(&key, arg[3] ? (uint32_t)strtoul(arg[3], NULL, 0) : 0, s);
	mr_srtp_key_wipe(&key);
	if (ret < 0)
		printf("err %s\n", strerror(-ret));
	else
		printf("ok %s\n", mr_srtp_ctx_fingerprint(*s));
}

static void
packet(const char *op, char **arg)
{
	struct mr_srtp_ctx **s = slot(arg[0]);
	enum mr_srtp_result r;
	uint32_t len, room;
	bool rtcp = strstr(op, "rtcp") != NULL;

	if (s == NULL || *s == NULL || arg[1] == NULL ||
	    hex_decode(arg[1], pkt, PKT_MAX, &len) < 0) {
		puts("err usage");
		return;
	}
	if (strncmp(op, "protect", 7) == 0) {
		enum mr_srtp_suite suite = mr_srtp_ctx_suite(*s);

		room = len + (rtcp ? mr_srtp_rtcp_overhead(suite) : mr_srtp_rtp_overhead(suite));
		if (arg[2] != NULL)
			room = (uint32_t)strtoul(arg[2], NULL, 0);
		if (room > PKT_BUF) {
			puts("err room");
			return;
		}
		r = rtcp ? mr_srtp_protect_rtcp(*s, pkt, &len, room) :
			mr_srtp_protect_rtp(*s, pkt, &len, room);
	} else {
		r = rtcp ? mr_srtp_unprotect_rtcp(*s, pkt, &len) :
			mr_srtp_unprotect_rtp(*s, pkt, &len);
	}
	if (r == MR_SRTP_OK)
		hex_print(pkt, len);
	else
		puts(mr_srtp_result_name(r));
}

static void
ssrc_op(const char *op, char **arg)
{
	struct mr_srtp_ctx **s = slot(arg[0]);
	uint32_t ssrc, roc;

	if (s == NULL || *s == NULL || arg[1] == NULL) {
		puts("err usage");
		return;
	}
	ssrc = (uint32_t)strtoul(arg[1], NULL, 0);
	if (strcmp(op, "roc") == 0) {
		if (mr_srtp_roc(*s, ssrc, &roc) < 0)
			puts("enoent");
		else
			printf("ok %u\n", roc);
	} else {
		puts(mr_srtp_remove_ssrc(*s, ssrc) < 0 ? "enoent" : "ok");
	}
}

int
main(void)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned int i;

	if (mr_srtp_init() < 0) {
		fprintf(stderr, "srtp_xcheck: mr_srtp_init failed\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (getline(&line, &cap, stdin) > 0) {
		char *arg[6] = { NULL }, *op, *save = NULL;

		op = strtok_r(line, " \n", &save);
		if (op == NULL)
			continue;
		for (i = 0; i < RTE_DIM(arg) - 1; i++)
			arg[i] = strtok_r(NULL, " \n", &save);
		if (strcmp(op, "in") == 0 || strcmp(op, "out") == 0) {
			create(op, arg);
		} else if (strstr(op, "protect_") != NULL) {
			packet(op, arg);
		} else if (strcmp(op, "roc") == 0 || strcmp(op, "remove") == 0) {
			ssrc_op(op, arg);
		} else if (strcmp(op, "backend") == 0) {
			printf("ok %s\n", mr_srtp_crypto_name());
		} else if (strcmp(op, "free") == 0 && slot(arg[0]) != NULL) {
			mr_srtp_ctx_free(*slot(arg[0]));
			*slot(arg[0]) = NULL;
			puts("ok");
		} else {
			puts("err unknown request");
		}
	}
	free(line);
	for (i = 0; i < MAX_CTX; i++)
		mr_srtp_ctx_free(ctxs[i]);
	return 0;
}
