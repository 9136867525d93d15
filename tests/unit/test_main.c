/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * Unit test runner: mr_unit_tests [--eal "EAL args"] [suite ...]
 * Runs every registered test of the named suites (all when none named),
 * prints one line per test and a closing "N passed, N failed, N skipped".
 * EAL is initialised once, only when a selected test needs it, with
 * --no-huge so the unit tests never depend on hugepages.
 */

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>

#include "mr_test.h"

static struct mr_test *tests;
static int eal_state; /* 0 not tried, 1 up, -1 failed */

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
	char prefix[64];
	char *eal_argv[] = {
		"mr_unit_tests", "--no-huge", "-m", "512", "--no-pci",
		"--no-telemetry", "-l", "0-1", "--log-level", "*:warning",
		"--file-prefix", prefix, NULL,
	};

	if (eal_state != 0)
		return eal_state > 0 ? 0 : -1;
	snprintf(prefix, sizeof(prefix), "mr_unit_%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0) {
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
	for (t = tests; t != NULL; t = t->next) {
		int rc;

		if (!selected(t, argc, argv))
			continue;
		if (t->needs_eal && eal_init_once() < 0) {
			printf("SKIP %s/%s (no EAL)\n", t->suite, t->name);
			skipped++;
			continue;
		}
		rc = t->fn();
		if (rc == 0) {
			printf("ok   %s/%s\n", t->suite, t->name);
			passed++;
		} else if (rc == MR_TEST_SKIPPED) {
			printf("SKIP %s/%s\n", t->suite, t->name);
			skipped++;
		} else {
			printf("FAIL %s/%s\n", t->suite, t->name);
			failed++;
		}
		fflush(stdout);
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
