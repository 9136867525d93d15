/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * libFuzzer harness for lib/bencode and the ng message layer.
 *
 * The input is decoded as bencode; a value that decodes must have a
 * consistent tree and encode back to the same bytes (the decoder accepts
 * only the canonical spelling of integers and lengths). The same bytes
 * then go through mr_ng_process() as a datagram, once as they are and once
 * behind a cookie, so the request parser and the reply cache see them.
 * Build: clang -fsanitize=fuzzer,address. Invariants are checked with
 * abort() so that they hold whatever NDEBUG says.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mr_bencode.h"
#include "mr_ng.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)
#define NODES 512

static struct mr_bencode_node nodes[NODES];
static char enc_buf[70000];
static char msg[70000];
static char out[MR_NG_MSG_MAX];
static struct mr_ng *ng;

/* Re-encode the subtree at @p n; returns the node after it. */
static const struct mr_bencode_node *
reencode(struct mr_bencode_enc *e, const struct mr_bencode_node *n, unsigned int depth)
{
	const struct mr_bencode_node *c, *end = n + n->skip;
	uint32_t count = 0;

	CHECK(n->depth == depth && n->skip >= 1);
	switch (n->type) {
	case MR_BENCODE_INT:
		CHECK(n->skip == 1);
		mr_bencode_enc_int(e, n->u.i);
		return end;
	case MR_BENCODE_STR:
		CHECK(n->skip == 1);
		mr_bencode_enc_str(e, n->u.s.p, n->u.s.len);
		return end;
	case MR_BENCODE_LIST:
	case MR_BENCODE_DICT:
		if (n->type == MR_BENCODE_LIST)
			mr_bencode_enc_list(e);
		else
			mr_bencode_enc_dict(e);
		for (c = mr_bencode_first(n); c != NULL; c = mr_bencode_next(n, c)) {
			CHECK(c > n && c < end);
			if (n->type == MR_BENCODE_DICT && count % 2 == 0) {
				CHECK(c->type == MR_BENCODE_STR);
				/* lookup by key finds this very pair (keys are unique) */
				CHECK(mr_bencode_dict_get_len(n, c->u.s.p, c->u.s.len) == c + 1);
			}
			CHECK(reencode(e, c, depth + 1) == c + c->skip);
			count++;
		}
		CHECK(count == (n->type == MR_BENCODE_DICT ? 2 * n->u.count : n->u.count));
		mr_bencode_enc_end(e);
		return end;
	default:
		abort();
	}
}

static void
fuzz_bencode(const uint8_t *data, size_t size)
{
	struct mr_bencode_error err;
	struct mr_bencode_enc e;
	int n;

	n = mr_bencode_decode((const char *)data, size, nodes, NODES, 0, &err);
	if (n < 0) {
		CHECK(n == -EINVAL && err.code > MR_BENCODE_OK && err.code < MR_BENCODE_ERR_MAX);
		CHECK(err.offset <= size);
		return;
	}
	CHECK(n >= 1 && n <= NODES && nodes[0].skip == (uint32_t)n);
	mr_bencode_enc_init(&e, enc_buf, sizeof(enc_buf));
	reencode(&e, &nodes[0], 0);
	CHECK(mr_bencode_enc_finish(&e) == (int64_t)size);
	CHECK(memcmp(enc_buf, data, size) == 0);
}

static void
fuzz_ng(const uint8_t *data, size_t size)
{
	static uint64_t now;
	struct mr_ng_peer peer = { .ip = { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 }, .port = 1 };
	int n;

	if (ng == NULL) {
		struct mr_ng_conf conf = { .cache_entries = 64, .cache_bytes = 1 << 16,
					   .max_nodes = NODES };

		ng = mr_ng_create(&conf, NULL, 0);
		CHECK(ng != NULL);
	}
	now += 7;
	n = mr_ng_process(ng, &peer, (const char *)data, size, out, sizeof(out), now);
	CHECK(n >= 0 && (size_t)n <= sizeof(out));
	if (size + 4 > sizeof(msg))
		return;
	/* behind a cookie, twice: the second is a retransmission answered from the cache */
	memcpy(msg, "fz1 ", 4);
	memcpy(msg + 4, data, size);
	n = mr_ng_process(ng, &peer, msg, size + 4, out, sizeof(out), now);
	CHECK(n > 4 && memcmp(out, "fz1 d", 5) == 0);
	{
		static char first[MR_NG_MSG_MAX];
		int n2;

		memcpy(first, out, (size_t)n);
		n2 = mr_ng_process(ng, &peer, msg, size + 4, out, sizeof(out), now);
		CHECK(n2 == n && memcmp(first, out, (size_t)n) == 0);
	}
	/* every reply is itself a bencoded dictionary with a result */
	CHECK(mr_bencode_decode(out + 4, (size_t)n - 4, nodes, NODES, 0, NULL) > 0);
	CHECK(mr_bencode_dict_get(&nodes[0], "result") != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_bencode(data, size);
	fuzz_ng(data, size);
	return 0;
}
