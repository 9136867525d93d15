/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * Why mrelay defines munmap().
 *
 * net_memif of DPDK 22.11 handles a peer that goes away (control socket
 * EOF or a disconnect message) on EAL's interrupt thread, in
 * memif_disconnect(): it marks the link down and clears the port's
 * CONNECTED flag, closes the control channel and the queue eventfds, and
 * then memif_free_regions() munmap()s the shared region that holds the
 * rings and packet buffers. Nothing waits for a datapath lcore that is
 * already inside eth_memif_rx()/eth_memif_tx() past its CONNECTED check;
 * such an lcore then faults on the unmapped ring (SIGSEGV, SEGV_MAPERR).
 * The PMD raises no ethdev event (LSC, RMV) at all, so the relay cannot
 * learn of the loss before the unmap; and the server role unmaps the same
 * way, so swapping roles does not help.
 *
 * The ordering inside memif_disconnect() makes a grace period enough:
 * when the munmap() comes, the flag is already cleared, so a burst that
 * starts from now on returns at the flag check (or finds no region) and
 * never touches the ring. What remains are bursts already running; every
 * worker and transcoder reports an RCU QSBR quiescent state once per
 * poll-loop pass, outside any burst, so one grace period on that QS
 * variable waits exactly for them.
 *
 * The executable exports this symbol (see meson.build), so the dlopen()ed
 * PMD binds its munmap() calls here. Only calls made on the interrupt
 * thread while the guard is armed wait; every call then goes on to the
 * next munmap() in lookup order (glibc's, or a sanitizer's interceptor).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* RTLD_NEXT */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_interrupts.h>
#include <rte_log.h>
#include <rte_rcu_qsbr.h>
#include <rte_telemetry.h>

#include "unmap_guard.h"

RTE_LOG_REGISTER(mr_guard_logtype, mrelay.guard, NOTICE);
#define GUARD_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, mr_guard_logtype, "mrelay.guard: " fmt, ## __VA_ARGS__)

static struct rte_rcu_qsbr *guard_qsbr;	/* NULL while disarmed */
static uint32_t guard_inside;		/* munmap() calls between the arm check and their wait's end */
/* what /mrelay/unmap_guard reports (written by the interrupt thread) */
static uint64_t guard_waits;
static uint64_t guard_wait_ns_last;
static uint64_t guard_wait_ns_max;

static int (*next_munmap)(void *addr, size_t len);	/* glibc's, or an interceptor */

static int
real_munmap(void *addr, size_t len)
{
	int (*f)(void *addr, size_t len) = __atomic_load_n(&next_munmap, __ATOMIC_RELAXED);

	if (f == NULL) {
		/* every thread that races here stores the same pointer */
		f = (int (*)(void *, size_t))(uintptr_t)dlsym(RTLD_NEXT, "munmap");
		if (f == NULL)
			return (int)syscall(SYS_munmap, addr, len);
		__atomic_store_n(&next_munmap, f, __ATOMIC_RELAXED);
	}
	return f(addr, len);
}

void
mr_unmap_guard_arm(struct rte_rcu_qsbr *v)
{
	__atomic_store_n(&guard_qsbr, v, __ATOMIC_SEQ_CST);
}

void
mr_unmap_guard_disarm(void)
{
	__atomic_store_n(&guard_qsbr, NULL, __ATOMIC_SEQ_CST);
	/* a grace period already begun ends: the lcores have gone offline */
	while (__atomic_load_n(&guard_inside, __ATOMIC_SEQ_CST) != 0)
		rte_pause();
}

int
munmap(void *addr, size_t len)
{
	struct rte_rcu_qsbr *v;
	uint64_t t0;

	if (rte_thread_is_intr()) {
		/* counted in first: disarm() then either sees us or we see NULL */
		__atomic_add_fetch(&guard_inside, 1, __ATOMIC_SEQ_CST);
		v = __atomic_load_n(&guard_qsbr, __ATOMIC_SEQ_CST);
		if (v != NULL) {
			uint64_t ns;

			t0 = rte_rdtsc();
			rte_rcu_qsbr_synchronize(v, RTE_QSBR_THRID_INVALID);
			ns = (rte_rdtsc() - t0) * NS_PER_S / rte_get_tsc_hz();
			__atomic_store_n(&guard_wait_ns_last, ns, __ATOMIC_RELAXED);
			if (ns > guard_wait_ns_max)
				__atomic_store_n(&guard_wait_ns_max, ns, __ATOMIC_RELAXED);
			__atomic_store_n(&guard_waits, guard_waits + 1, __ATOMIC_RELEASE);
			GUARD_LOG(NOTICE, "unmap of %zu bytes on the interrupt thread (a PMD tearing down shared memory, e.g. a memif peer gone) waited %.1f us for the datapath lcores\n",
				  len, (double)ns / 1e3);
		}
		__atomic_sub_fetch(&guard_inside, 1, __ATOMIC_SEQ_CST);
	}
	return real_munmap(addr, len);
}

/* /mrelay/unmap_guard: whether it is armed, and how often and long it waited. */
static int
guard_telemetry(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	if (params != NULL && params[0] != '\0') {
		/* a negative return would make DPDK answer a bare null */
		rte_tel_data_add_dict_string(d, "status", "error");
		rte_tel_data_add_dict_string(d, "error", "unmap_guard takes no parameters");
		return 0;
	}
	rte_tel_data_add_dict_int(d, "armed", __atomic_load_n(&guard_qsbr, __ATOMIC_RELAXED) != NULL);
	rte_tel_data_add_dict_u64(d, "waits", __atomic_load_n(&guard_waits, __ATOMIC_ACQUIRE));
	rte_tel_data_add_dict_u64(d, "wait_ns_last",
				  __atomic_load_n(&guard_wait_ns_last, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "wait_ns_max",
				  __atomic_load_n(&guard_wait_ns_max, __ATOMIC_RELAXED));
	return 0;
}

int
mr_unmap_guard_telemetry_register(void)
{
	return rte_telemetry_register_cmd("/mrelay/unmap_guard", guard_telemetry,
		"PMD unmaps that waited for the lcores (memif peer gone). No parameters");
}
