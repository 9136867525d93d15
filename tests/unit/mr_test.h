/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_TEST_H
#define MR_TEST_H

/**
 * @file
 * The unit test runner's registration and assertion macros.
 *
 * A test is a function returning 0 (pass), MR_TEST_SKIPPED, or -1 (fail),
 * registered with MR_REGISTER_TEST(suite, name, fn). Suites group tests by
 * library; the runner takes suite names on its command line. A test skips
 * with MR_TEST_SKIP("reason"), which the runner prints beside its name.
 * A test that needs EAL fails (never skips) when EAL cannot start.
 */

#include <stdio.h>

#define MR_TEST_SKIPPED 77

struct mr_test {
	const char *suite;
	const char *name;
	int (*fn)(void);
	unsigned int needs_eal; /* 1: the runner initialises EAL first */
	struct mr_test *next;
};

void mr_test_register(struct mr_test *t);

/** Record why the running test skips (printed by the runner). */
void mr_test_skip_reason(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define MR_REGISTER_TEST_(suite_, name_, fn_, eal_) \
	static struct mr_test mr_test_##fn_ = { \
		.suite = #suite_, .name = #name_, .fn = fn_, .needs_eal = eal_, \
	}; \
	static void __attribute__((constructor)) mr_test_reg_##fn_(void) \
	{ \
		mr_test_register(&mr_test_##fn_); \
	}

/** A test that needs no EAL (pure functions). */
#define MR_REGISTER_TEST(suite, name, fn) MR_REGISTER_TEST_(suite, name, fn, 0)
/** A test that needs EAL (mempools, hashes, rings, lcores). */
#define MR_REGISTER_EAL_TEST(suite, name, fn) MR_REGISTER_TEST_(suite, name, fn, 1)

/** Skip the running test, saying why (printf-style). */
#define MR_TEST_SKIP(...) do { \
	mr_test_skip_reason(__VA_ARGS__); \
	return MR_TEST_SKIPPED; \
} while (0)

/**
 * Report a failed check: prints "  FAIL file:line: what: message" on
 * stderr and keeps it for the runner's FAIL line. Used by the macros below.
 */
void mr_test_fail_at(const char *file, int line, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/** Fail the test with a message when @p cond is false. */
#define MR_TEST_ASSERT(cond, ...) do { \
	if (!(cond)) { \
		mr_test_fail_at(__FILE__, __LINE__, #cond, __VA_ARGS__); \
		return -1; \
	} \
} while (0)

/** Fail unless a == b (integers), printing both. */
#define MR_TEST_EQ(a, b) do { \
	long long mr_a_ = (long long)(a), mr_b_ = (long long)(b); \
	if (mr_a_ != mr_b_) { \
		mr_test_fail_at(__FILE__, __LINE__, #a " == " #b, "%lld != %lld", \
				mr_a_, mr_b_); \
		return -1; \
	} \
} while (0)

#endif /* MR_TEST_H */
