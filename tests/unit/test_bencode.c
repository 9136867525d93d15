/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "mr_bencode.h"
#include "mr_test.h"

#define NODES 64

static int
decode(const char *s, struct mr_bencode_node *nodes, struct mr_bencode_error *err)
{
	return mr_bencode_decode(s, strlen(s), nodes, NODES, 0, err);
}

static int
test_bencode_scalars(void)
{
	struct mr_bencode_node n[NODES];
	struct mr_bencode_error err;
	const char *p;
	size_t len;
	int64_t v;

	MR_TEST_EQ(decode("i42e", n, &err), 1);
	MR_TEST_EQ(n[0].type, MR_BENCODE_INT);
	MR_TEST_EQ(mr_bencode_get_int(&n[0], &v), 0);
	MR_TEST_EQ(v, 42);
	MR_TEST_EQ(decode("i-17e", n, &err), 1);
	MR_TEST_EQ(n[0].u.i, -17);
	MR_TEST_EQ(decode("i0e", n, &err), 1);
	MR_TEST_EQ(n[0].u.i, 0);
	MR_TEST_EQ(decode("i9223372036854775807e", n, &err), 1);
	MR_TEST_ASSERT(n[0].u.i == INT64_MAX, "INT64_MAX");
	MR_TEST_EQ(decode("i-9223372036854775808e", n, &err), 1);
	MR_TEST_ASSERT(n[0].u.i == INT64_MIN, "INT64_MIN");
	MR_TEST_EQ(decode("4:spam", n, &err), 1);
	MR_TEST_EQ(mr_bencode_get_str(&n[0], &p, &len), 0);
	MR_TEST_EQ(len, 4);
	MR_TEST_ASSERT(memcmp(p, "spam", 4) == 0, "string bytes");
	MR_TEST_EQ(decode("0:", n, &err), 1);
	MR_TEST_EQ(n[0].u.s.len, 0);
	/* strings are binary: a NUL inside is data */
	MR_TEST_EQ(mr_bencode_decode("3:a\0b", 5, n, NODES, 0, &err), 1);
	MR_TEST_EQ(n[0].u.s.len, 3);
	MR_TEST_EQ(mr_bencode_get_int(&n[0], &v), -EINVAL);
	return 0;
}

static int
test_bencode_containers(void)
{
	struct mr_bencode_node n[NODES];
	struct mr_bencode_error err;
	const struct mr_bencode_node *d, *l, *c;
	const char *msg = "d7:command5:offer5:flagsl13:trust-address9:symmetrice"
		"4:nestd1:ai1ee1:zi-3ee";
	unsigned int count = 0;
	int used;

	used = decode(msg, n, &err);
	MR_TEST_EQ(used, 13);
	d = &n[0];
	MR_TEST_EQ(d->type, MR_BENCODE_DICT);
	MR_TEST_EQ(d->u.count, 4);
	MR_TEST_EQ(d->skip, 13);
	MR_TEST_ASSERT(mr_bencode_str_eq(mr_bencode_dict_get(d, "command"), "offer"), "command");
	l = mr_bencode_dict_get(d, "flags");
	MR_TEST_ASSERT(l != NULL && l->type == MR_BENCODE_LIST, "flags list");
	MR_TEST_EQ(l->u.count, 2);
	for (c = mr_bencode_first(l); c != NULL; c = mr_bencode_next(l, c))
		count++;
	MR_TEST_EQ(count, 2);
	MR_TEST_ASSERT(mr_bencode_str_eq(mr_bencode_first(l), "trust-address"), "first flag");
	/* lookups skip over the nested dictionary to the key after it */
	MR_TEST_EQ(mr_bencode_dict_get(d, "z")->u.i, -3);
	MR_TEST_EQ(mr_bencode_dict_get(mr_bencode_dict_get(d, "nest"), "a")->u.i, 1);
	MR_TEST_ASSERT(mr_bencode_dict_get(d, "a") == NULL, "nested key not seen at top");
	MR_TEST_ASSERT(mr_bencode_dict_get(d, "missing") == NULL, "absent key");
	MR_TEST_ASSERT(mr_bencode_dict_get(l, "x") == NULL, "dict_get on a list");
	/* empty containers */
	MR_TEST_EQ(decode("de", n, &err), 1);
	MR_TEST_ASSERT(mr_bencode_first(&n[0]) == NULL, "empty dict has no child");
	MR_TEST_EQ(decode("lle0:e", n, &err), 3);
	MR_TEST_EQ(n[0].u.count, 2);
	/* unsorted keys are accepted: Kamailio does not sort them */
	MR_TEST_EQ(decode("d1:bi1e1:ai2ee", n, &err), 5);
	MR_TEST_EQ(mr_bencode_dict_get(&n[0], "a")->u.i, 2);
	return 0;
}

static int
expect_err(const char *s, size_t len, unsigned int max_nodes, unsigned int depth,
	   enum mr_bencode_err code, size_t offset)
{
	struct mr_bencode_node n[NODES];
	struct mr_bencode_error err;
	int rc = mr_bencode_decode(s, len, n, max_nodes, depth, &err);

	MR_TEST_EQ(rc, -EINVAL);
	MR_TEST_EQ(err.code, code);
	MR_TEST_EQ(err.offset, offset);
	return 0;
}

#define EXPECT_ERR(s, code, off) do { \
	if (expect_err(s, strlen(s), NODES, 0, code, off) != 0) \
		return -1; \
} while (0)

static int
test_bencode_strict(void)
{
	EXPECT_ERR("", MR_BENCODE_ERR_EMPTY, 0);
	EXPECT_ERR("i03e", MR_BENCODE_ERR_INT, 2);
	EXPECT_ERR("i-0e", MR_BENCODE_ERR_INT, 3);
	EXPECT_ERR("i-03e", MR_BENCODE_ERR_INT, 3);
	EXPECT_ERR("i+1e", MR_BENCODE_ERR_INT, 1);
	EXPECT_ERR("ie", MR_BENCODE_ERR_INT, 1);
	EXPECT_ERR("i-e", MR_BENCODE_ERR_INT, 2);
	EXPECT_ERR("i 1e", MR_BENCODE_ERR_INT, 1);
	EXPECT_ERR("i12", MR_BENCODE_ERR_TRUNCATED, 3);
	EXPECT_ERR("i9223372036854775808e", MR_BENCODE_ERR_RANGE, 19);
	EXPECT_ERR("i-9223372036854775809e", MR_BENCODE_ERR_RANGE, 20);
	EXPECT_ERR("01:a", MR_BENCODE_ERR_SYNTAX, 1);
	EXPECT_ERR("5:abc", MR_BENCODE_ERR_TRUNCATED, 2);
	EXPECT_ERR("4294967296:x", MR_BENCODE_ERR_RANGE, 9);
	EXPECT_ERR("3", MR_BENCODE_ERR_TRUNCATED, 1);
	EXPECT_ERR("d", MR_BENCODE_ERR_TRUNCATED, 1);
	EXPECT_ERR("l", MR_BENCODE_ERR_TRUNCATED, 1);
	EXPECT_ERR("di1ei2ee", MR_BENCODE_ERR_KEY, 1);
	EXPECT_ERR("d1:ae", MR_BENCODE_ERR_SYNTAX, 4);
	EXPECT_ERR("d1:ai1e1:ai2ee", MR_BENCODE_ERR_DUP_KEY, 7);
	EXPECT_ERR("x", MR_BENCODE_ERR_SYNTAX, 0);
	EXPECT_ERR("i1ei2e", MR_BENCODE_ERR_TRAILING, 3);
	EXPECT_ERR("de\n", MR_BENCODE_ERR_TRAILING, 2);
	EXPECT_ERR("le ", MR_BENCODE_ERR_TRAILING, 2);
	return 0;
}

static int
test_bencode_limits(void)
{
	char deep[200];
	unsigned int i;

	/* nesting: depth 0 is the top value, so a limit of 16 takes 16 lists, not 17 */
	for (i = 0; i < 17; i++) {
		deep[i] = 'l';
		deep[17 + i] = 'e';
	}
	if (expect_err(deep, 34, NODES, 16, MR_BENCODE_ERR_DEPTH, 16) != 0)
		return -1;
	{
		struct mr_bencode_node n[NODES];

		MR_TEST_EQ(mr_bencode_decode(deep + 1, 32, n, NODES, 16, NULL), 16);
	}
	/* the node array bounds the number of values */
	if (expect_err("li1ei2ei3ee", 11, 3, 0, MR_BENCODE_ERR_NODES, 7) != 0)
		return -1;
	/* the hard depth cap applies whatever the caller asks */
	memset(deep, 'l', 100);
	memset(deep + 100, 'e', 100);
	if (expect_err(deep, 200, NODES, 1000, MR_BENCODE_ERR_DEPTH, MR_BENCODE_DEPTH_MAX) != 0)
		return -1;
	MR_TEST_ASSERT(strcmp(mr_bencode_strerror(MR_BENCODE_ERR_DUP_KEY),
			      "duplicate dictionary key") == 0, "strerror");
	MR_TEST_ASSERT(strcmp(mr_bencode_strerror(MR_BENCODE_ERR_MAX), "unknown error") == 0,
		       "strerror out of range");
	return 0;
}

static int
test_bencode_encode(void)
{
	struct mr_bencode_node n[NODES];
	struct mr_bencode_enc e;
	char buf[128];
	const char *want = "5323_1 d6:result2:ok4:listl1:ai-5ee3:numi1234567890123ee";

	mr_bencode_enc_init(&e, buf, sizeof(buf));
	mr_bencode_enc_raw(&e, "5323_1 ", 7);
	mr_bencode_enc_dict(&e);
	mr_bencode_enc_kv_cstr(&e, "result", "ok");
	mr_bencode_enc_cstr(&e, "list");
	mr_bencode_enc_list(&e);
	mr_bencode_enc_str(&e, "a", 1);
	mr_bencode_enc_int(&e, -5);
	mr_bencode_enc_end(&e);
	mr_bencode_enc_kv_int(&e, "num", 1234567890123LL);
	mr_bencode_enc_end(&e);
	MR_TEST_EQ(mr_bencode_enc_finish(&e), (long long)strlen(want));
	MR_TEST_ASSERT(memcmp(buf, want, strlen(want)) == 0, "encoded bytes: %.*s",
		       (int)e.len, buf);
	/* what we encode decodes back */
	MR_TEST_EQ(mr_bencode_decode(buf + 7, e.len - 7, n, NODES, 0, NULL), 9);
	MR_TEST_EQ(mr_bencode_dict_get(&n[0], "num")->u.i, 1234567890123LL);

	/* too small: the error sticks, nothing is written past the end */
	memset(buf, 'X', sizeof(buf));
	mr_bencode_enc_init(&e, buf, 10);
	mr_bencode_enc_dict(&e);
	mr_bencode_enc_kv_cstr(&e, "result", "ok");
	mr_bencode_enc_end(&e);
	MR_TEST_EQ(mr_bencode_enc_finish(&e), -ENOSPC);
	MR_TEST_ASSERT(buf[10] == 'X', "wrote past the capacity");
	/* unbalanced containers */
	mr_bencode_enc_init(&e, buf, sizeof(buf));
	mr_bencode_enc_list(&e);
	MR_TEST_EQ(mr_bencode_enc_finish(&e), -EINVAL);
	mr_bencode_enc_end(&e);
	mr_bencode_enc_end(&e);
	MR_TEST_EQ(mr_bencode_enc_finish(&e), -EINVAL);
	return 0;
}

MR_REGISTER_TEST(bencode, scalars, test_bencode_scalars);
MR_REGISTER_TEST(bencode, containers, test_bencode_containers);
MR_REGISTER_TEST(bencode, strict, test_bencode_strict);
MR_REGISTER_TEST(bencode, limits, test_bencode_limits);
MR_REGISTER_TEST(bencode, encode, test_bencode_encode);
