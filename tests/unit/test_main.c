/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * Unit test runner: mr_unit_tests [--eal ARG]... [suite ...]
 * Runs every registered test of the named suites (all when none named),
 * prints one line per test ("ok   suite/name", "SKIP suite/name: reason",
 * "FAIL suite/name[: reason]") and a closing "N passed, N failed,
 * N skipped"; tools/test collects these lines. EAL is initialised once,
 * only when a selected test needs it, with --no-huge so the unit tests
 * never depend on hugepages; each --eal ARG is appended to its arguments.
 * When EAL cannot start, every test that needs it FAILS: a run that tested
 * nothing must not look green.
 */

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "mr_test.h"

#define EAL_EXTRA_MAX 16

static struct mr_test *tests;
static int eal_state; /* 0 not tried, 1 up, -1 failed */
static char eal_error[128];
static char *eal_extra[EAL_EXTRA_MAX];
static unsigned int n_eal_extra;
static char skip_reason[160];
static char fail_reason[256];

void
mr_test_fail_at(const char *file, int line, const char *what, const char *fmt, ...)
{
	const char *base = strrchr(file, '/');
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "  FAIL %s:%d: %s: %s\n", file, line, what, msg);
	/* the first failed check is the one the FAIL line names */
	if (fail_reason[0] == '\0')
		snprintf(fail_reason, sizeof(fail_reason), "%.40s:%d: %.60s: %.120s",
			 base != NULL ? base + 1 : file, line, what, msg);
}

void
mr_test_skip_reason(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
	va_end(ap);
}

void
mr_test_register(struct mr_test *t)
{
	struct mr_test **p = &tests;

	/* keep registration order stable: append */
	while (*p != NULL)
		p = &(*p)->next;
	t->next = NULL;
	*p = t;
}

static int
selected(const struct mr_test *t, int argc, char **argv)
{
	int i;

	if (argc == 0)
		return 1;
	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], t->suite) == 0)
			return 1;
	return 0;
}

static int
eal_init_once(void)
{
	static char prefix[64];
	static char *eal_argv[16 + EAL_EXTRA_MAX] = {
		"mr_unit_tests", "--no-huge", "-m", "512", "--no-pci",
		"--no-telemetry", "-l", "0-1", "--log-level", "*:warning",
		"--file-prefix", prefix,
	};
	int n = 12;
	unsigned int i;

	if (eal_state != 0)
		return eal_state > 0 ? 0 : -1;
	snprintf(prefix, sizeof(prefix), "mr_unit_%d", (int)getpid());
	for (i = 0; i < n_eal_extra; i++)
		eal_argv[n++] = eal_extra[i];
	eal_argv[n] = NULL;
	if (rte_eal_init(n, eal_argv) < 0) {
		snprintf(eal_error, sizeof(eal_error), "EAL did not start: %s",
			 rte_strerror(rte_errno));
		eal_state = -1;
		return -1;
	}
	eal_state = 1;
	return 0;
}

static int
remove_entry(const char *path, const struct stat *sb __rte_unused, int flag __rte_unused,
	     struct FTW *ftw __rte_unused)
{
	return remove(path);
}

int
main(int argc, char **argv)
{
	unsigned int passed = 0, failed = 0, skipped = 0;
	struct mr_test *t;

	argc--;
	argv++;
	while (argc >= 2 && strcmp(argv[0], "--eal") == 0) {
		if (n_eal_extra == EAL_EXTRA_MAX) {
			fprintf(stderr, "mr_unit_tests: at most %d --eal arguments\n",
				EAL_EXTRA_MAX);
			return 2;
		}
		eal_extra[n_eal_extra++] = argv[1];
		argc -= 2;
		argv += 2;
	}
	for (t = tests; t != NULL; t = t->next) {
		int rc;

		if (!selected(t, argc, argv))
			continue;
		/* stdout (the result lines) and stderr (the details) interleave */
		fflush(stdout);
		if (t->needs_eal && eal_init_once() < 0) {
			printf("FAIL %s/%s: %s\n", t->suite, t->name, eal_error);
			failed++;
			continue;
		}
		skip_reason[0] = '\0';
		fail_reason[0] = '\0';
		rc = t->fn();
		fflush(stderr);
		if (rc == 0) {
			printf("ok   %s/%s\n", t->suite, t->name);
			passed++;
		} else if (rc == MR_TEST_SKIPPED) {
			printf("SKIP %s/%s: %s\n", t->suite, t->name,
			       skip_reason[0] != '\0' ? skip_reason : "(the test gave no reason)");
			skipped++;
		} else {
			printf("FAIL %s/%s: %s\n", t->suite, t->name,
			       fail_reason[0] != '\0' ? fail_reason :
			       "(returned an error; see its messages on stderr)");
			failed++;
		}
		fflush(stdout);
	}
	if (passed + failed + skipped == 0) {
		printf("FAIL no test selected: no suite of that name\n");
		failed++;
	}
	printf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
	if (eal_state > 0) {
		char dir[PATH_MAX];

		/* EAL leaves its runtime directory behind: ours goes */
		snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
		if (rte_eal_cleanup() < 0)
			return 1;
		if (nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS) != 0)
			printf("warning: cannot remove %s: %s\n", dir, strerror(errno));
	}
	return failed ? 1 : 0;
}
