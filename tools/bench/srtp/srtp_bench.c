/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * srtp-bench [-n packets] [-s payload bytes] [-r rounds] [-k new SSRCs] [-S suite]
 *            [-B both|libsrtp|openssl] [-A]
 *
 * Per suite, in the same run and on the same packets (RTP, 12-byte header
 * and a payload, one SSRC, consecutive sequence numbers across wraps):
 *  raw  libsrtp2 called directly: srtp_protect() then srtp_unprotect() on
 *       sessions made with srtp_create();
 *  lib  lib/srtp: mr_srtp_protect_rtp() then mr_srtp_unprotect_rtp().
 * Both run first on libsrtp's own crypto backend (NSS on Debian), then,
 * after mr_srtp_crypto_use_openssl(), on mrelay's OpenSSL types: libsrtp's
 * crypto kernel is one per process, so raw and lib always share one.
 * Rounds alternate raw and lib; each path's figure is its median round,
 * in this thread's CPU time (not wall time). Prints ns per packet (protect
 * + unprotect, a copy of the plaintext included in both), the lib/raw
 * ratio (goal <= 1.1), heap allocations per packet (malloc, calloc,
 * realloc and memalign here are counting wrappers around glibc's, so
 * libsrtp's, NSS's and OpenSSL's are counted), and per unprotect that
 * fails authentication; then lib/srtp on OpenSSL against raw libsrtp2 on
 * NSS; then what making a context and the first packet of a new SSRC cost.
 * No EAL: needs no hugepages.
 *
 * Exit status: 0; 1 when a packet failed to round-trip (a bug) or, with
 * -A, when lib/srtp on OpenSSL allocated in a packet call.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <srtp2/srtp.h>
#include <srtp2/cipher.h>

#include <rte_common.h>

#include "mr_srtp.h"

/* libsrtp's kernel look-up (exported, no installed header): the type's
 * description names the backend in use */
const srtp_cipher_type_t *srtp_crypto_kernel_get_cipher_type(srtp_cipher_type_id_t id);

/*
 * Allocation counting: these take the place of glibc's for every library
 * in the process (the executable's symbols come first) and forward to its
 * __libc_ entry points. free() stays glibc's, which these pair with.
 */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);

static uint64_t n_allocs;

void *
malloc(size_t size)
{
	n_allocs++;
	return __libc_malloc(size);
}

void *
calloc(size_t n, size_t size)
{
	n_allocs++;
	return __libc_calloc(n, size);
}

void *
realloc(void *p, size_t size)
{
	n_allocs++;
	return __libc_realloc(p, size);
}

void *
memalign(size_t align, size_t size)
{
	n_allocs++;
	return __libc_memalign(align, size);
}

void *
aligned_alloc(size_t align, size_t size)
{
	n_allocs++;
	return __libc_memalign(align, size);
}

int
posix_memalign(void **p, size_t align, size_t size)
{
	void *m;

	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	n_allocs++;
	m = __libc_memalign(align, size);
	if (m == NULL)
		return ENOMEM;
	*p = m;
	return 0;
}

#define MAX_ROUNDS 99
#define SSRC 0x5eed0001u
#define MAX_SSRCS 1000

static uint8_t plain[2048], work[2048 + 64];
static uint32_t plain_len;

/*
 * This thread's CPU time: on a machine whose CPUs other processes share,
 * time spent preempted is not counted against either path.
 */
static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The plaintext with sequence number @seq in work[]. */
static inline void
next_packet(uint32_t seq)
{
	memcpy(work, plain, plain_len);
	work[2] = (uint8_t)(seq >> 8);
	work[3] = (uint8_t)seq;
}

static void
make_policy(srtp_policy_t *p, enum mr_srtp_suite suite, uint8_t *key, int inbound)
{
	memset(p, 0, sizeof(*p));
	switch (suite) {
	case MR_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		break;
	case MR_SRTP_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		break;
	case MR_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		break;
	default:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
		break;
	}
	p->rtcp = p->rtp;
	if (suite == MR_SRTP_AES_CM_128_HMAC_SHA1_32)
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
	p->ssrc.type = inbound ? ssrc_any_inbound : ssrc_specific;
	p->ssrc.value = SSRC;
	p->key = key;
}

/* raw libsrtp: ns per packet over @n packets from sequence number @seq0 */
static double
run_raw(srtp_t tx, srtp_t rx, uint32_t seq0, uint32_t n, int *bad)
{
	double t0 = now_ns();
	uint32_t i;

	for (i = 0; i < n; i++) {
		int len = (int)plain_len;

		next_packet(seq0 + i);
		if (srtp_protect(tx, work, &len) != srtp_err_status_ok ||
		    srtp_unprotect(rx, work, &len) != srtp_err_status_ok ||
		    (uint32_t)len != plain_len)
			(*bad)++;
	}
	return (now_ns() - t0) / n;
}

static double
run_lib(struct mr_srtp_ctx *tx, struct mr_srtp_ctx *rx, uint32_t seq0, uint32_t n, int *bad)
{
	double t0 = now_ns();
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint32_t len = plain_len;

		next_packet(seq0 + i);
		if (mr_srtp_protect_rtp(tx, work, &len, sizeof(work)) != MR_SRTP_OK ||
		    mr_srtp_unprotect_rtp(rx, work, &len) != MR_SRTP_OK || len != plain_len)
			(*bad)++;
	}
	return (now_ns() - t0) / n;
}

/*
 * Context creation (inbound + outbound, freed), and unprotecting the
 * first packet of each of @k new SSRCs in one inbound context against
 * their second packets, timed over the whole batch; in us per item.
 */
static int
setup_costs(const struct mr_srtp_key *key, uint32_t k, double *ctx_us, double *first_us,
	    double *next_us)
{
	static uint8_t pkts[2][MAX_SSRCS][2048 + 64];
	static uint32_t lens[2][MAX_SSRCS];
	struct mr_srtp_ctx *in, *out;
	uint32_t i, j, len;
	double t0;

	t0 = now_ns();
	for (i = 0; i < k; i++) {
		if (mr_srtp_inbound_create(key, 0, &in) < 0 ||
		    mr_srtp_outbound_create(key, i, &out) < 0)
			return -1;
		mr_srtp_ctx_free(in);
		mr_srtp_ctx_free(out);
	}
	*ctx_us = (now_ns() - t0) / k / 2 / 1e3;

	for (i = 0; i < k; i++) {
		uint32_t ssrc = 0x1000 + i;

		if (mr_srtp_outbound_create(key, ssrc, &out) < 0)
			return -1;
		for (j = 0; j < 2; j++) {
			next_packet(j);
			work[8] = (uint8_t)(ssrc >> 24);
			work[9] = (uint8_t)(ssrc >> 16);
			work[10] = (uint8_t)(ssrc >> 8);
			work[11] = (uint8_t)ssrc;
			lens[j][i] = plain_len;
			if (mr_srtp_protect_rtp(out, work, &lens[j][i], sizeof(work)) != MR_SRTP_OK)
				return -1;
			memcpy(pkts[j][i], work, lens[j][i]);
		}
		mr_srtp_ctx_free(out);
	}
	if (mr_srtp_inbound_create(key, 0, &in) < 0)
		return -1;
	for (j = 0; j < 2; j++) {
		t0 = now_ns();
		for (i = 0; i < k; i++) {
			len = lens[j][i];
			if (mr_srtp_unprotect_rtp(in, pkts[j][i], &len) != MR_SRTP_OK)
				return -1;
		}
		*(j == 0 ? first_us : next_us) = (now_ns() - t0) / k / 1e3;
	}
	mr_srtp_ctx_free(in);
	return 0;
}

/*
 * Allocations per packet over @n packets from @seq0 (@lib: lib/srtp,
 * else raw libsrtp), and per unprotect of a packet whose tag is wrong.
 */
static void
count_allocs(int lib, srtp_t rtx, srtp_t rrx, struct mr_srtp_ctx *ltx, struct mr_srtp_ctx *lrx,
	     uint32_t seq0, uint32_t n, int *bad, double *per_pkt, double *per_fail)
{
	uint64_t a0;
	uint32_t i;

	a0 = n_allocs;
	if (lib)
		run_lib(ltx, lrx, seq0, n, bad);
	else
		run_raw(rtx, rrx, seq0, n, bad);
	*per_pkt = (double)(n_allocs - a0) / n;

	a0 = 0;
	for (i = 0; i < n; i++) {
		uint32_t len = plain_len;
		int ilen = (int)plain_len;
		uint64_t a1;

		next_packet(seq0 + n + i);
		if (lib) {
			if (mr_srtp_protect_rtp(ltx, work, &len, sizeof(work)) != MR_SRTP_OK)
				(*bad)++;
			work[len - 1] ^= 1;
			a1 = n_allocs;
			if (mr_srtp_unprotect_rtp(lrx, work, &len) != MR_SRTP_AUTH)
				(*bad)++;
		} else {
			if (srtp_protect(rtx, work, &ilen) != srtp_err_status_ok)
				(*bad)++;
			work[ilen - 1] ^= 1;
			a1 = n_allocs;
			if (srtp_unprotect(rrx, work, &ilen) != srtp_err_status_auth_fail)
				(*bad)++;
		}
		a0 += n_allocs - a1;
	}
	*per_fail = (double)a0 / n;
}

struct result {
	double raw_ns, lib_ns, raw_allocs, lib_allocs, raw_fail_allocs, lib_fail_allocs;
};

/* One suite on the backend now in libsrtp's kernel. */
static int
bench_suite(enum mr_srtp_suite suite, uint32_t i, uint32_t n, uint32_t rounds, int *bad,
	    struct result *res)
{
	uint8_t material[MR_SRTP_MATERIAL_MAX];
	double raw[MAX_ROUNDS], lib[MAX_ROUNDS], f;
	struct mr_srtp_ctx *ltx, *lrx;
	struct mr_srtp_key key;
	uint32_t m = mr_srtp_suite_key_len(suite) + mr_srtp_suite_salt_len(suite);
	uint32_t seq = 0, r, na = RTE_MIN(n, 20000u);
	srtp_policy_t pol;
	srtp_t rtx, rrx;

	for (r = 0; r < m; r++)
		material[r] = (uint8_t)(r * 7 + i);
	mr_srtp_key_set(&key, suite, material, m);
	make_policy(&pol, suite, material, 0);
	if (srtp_create(&rtx, &pol) != srtp_err_status_ok)
		return -1;
	make_policy(&pol, suite, material, 1);
	if (srtp_create(&rrx, &pol) != srtp_err_status_ok ||
	    mr_srtp_outbound_create(&key, SSRC, &ltx) < 0 ||
	    mr_srtp_inbound_create(&key, 0, &lrx) < 0)
		return -1;
	/* warm up both, then alternate */
	run_raw(rtx, rrx, seq, n / 10 + 1, bad);
	run_lib(ltx, lrx, seq, n / 10 + 1, bad);
	seq += n / 10 + 1;
	for (r = 0; r < rounds; r++) {
		raw[r] = run_raw(rtx, rrx, seq, n, bad);
		lib[r] = run_lib(ltx, lrx, seq, n, bad);
		seq += n;
	}
	qsort(raw, rounds, sizeof(raw[0]), cmp_double);
	qsort(lib, rounds, sizeof(lib[0]), cmp_double);
	res->raw_ns = raw[rounds / 2];
	res->lib_ns = lib[rounds / 2];
	count_allocs(0, rtx, rrx, NULL, NULL, seq, na, bad, &res->raw_allocs, &f);
	res->raw_fail_allocs = f;
	count_allocs(1, NULL, NULL, ltx, lrx, seq, na, bad, &res->lib_allocs, &f);
	res->lib_fail_allocs = f;
	srtp_dealloc(rtx);
	srtp_dealloc(rrx);
	mr_srtp_ctx_free(ltx);
	mr_srtp_ctx_free(lrx);
	mr_srtp_key_wipe(&key);
	return 0;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-n packets] [-s payload] [-r rounds] [-k ssrcs] [-S suite] [-B backends]"
		" [-A]\n"
		"  -n  packets per round and path (default 200000)\n"
		"  -s  RTP payload bytes after the 12-byte header (default 160: G.711 20 ms)\n"
		"  -r  rounds, raw and lib alternating; the median is shown (default 7, odd)\n"
		"  -k  contexts made, and new SSRCs sent, to time setup (default 200, at most 1000)\n"
		"  -S  only this suite, e.g. AEAD_AES_128_GCM (default all four)\n"
		"  -B  both (default: libsrtp's own backend, then OpenSSL), libsrtp or openssl\n"
		"  -A  exit 1 when lib/srtp on OpenSSL allocates in a packet call\n",
		prog);
}

int
main(int argc, char **argv)
{
	static const enum mr_srtp_suite suites[MR_SRTP_SUITES] = {
		MR_SRTP_AES_CM_128_HMAC_SHA1_80, MR_SRTP_AES_CM_128_HMAC_SHA1_32,
		MR_SRTP_AEAD_AES_128_GCM, MR_SRTP_AEAD_AES_256_GCM,
	};
	uint32_t n = 200000, payload = 160, rounds = 7, k = 200, i;
	enum mr_srtp_suite only = MR_SRTP_SUITE_NONE;
	double load0[3] = { 0 }, load1[3] = { 0 };
	struct result res[2][MR_SRTP_SUITES];
	int have[2] = { 1, 1 }, strict = 0, b;
	char model[128] = "unknown";
	int opt, bad = 0, alloc_bad = 0;
	FILE *f;

	memset(res, 0, sizeof(res));
	while ((opt = getopt(argc, argv, "n:s:r:k:S:B:Ah")) != -1) {
		switch (opt) {
		case 'n': n = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 's': payload = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'r': rounds = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'k': k = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'A': strict = 1; break;
		case 'B':
			if (strcmp(optarg, "libsrtp") == 0) {
				have[1] = 0;
			} else if (strcmp(optarg, "openssl") == 0) {
				have[0] = 0;
			} else if (strcmp(optarg, "both") != 0) {
				fprintf(stderr, "srtp-bench: -B %s: both, libsrtp or openssl\n",
					optarg);
				return 2;
			}
			break;
		case 'S':
			only = mr_srtp_suite_parse(optarg);
			if (only == MR_SRTP_SUITE_NONE) {
				fprintf(stderr, "srtp-bench: suite %s unknown\n", optarg);
				return 2;
			}
			break;
		default: usage(argv[0]); return opt == 'h' ? 0 : 2;
		}
	}
	if (n == 0 || k == 0 || k > MAX_SSRCS || payload > 1400 || rounds == 0 || rounds > MAX_ROUNDS) {
		usage(argv[0]);
		return 2;
	}
	/* libsrtp's own backend first: switching to OpenSSL is one-way */
	setenv("MR_SRTP_CRYPTO", have[0] ? "libsrtp" : "openssl", 1);
	if (mr_srtp_init() < 0) {
		fprintf(stderr, "srtp-bench: mr_srtp_init failed\n");
		return 1;
	}
	f = fopen("/proc/cpuinfo", "r");
	if (f != NULL) {
		char line[256];

		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "model name", 10) == 0 && strchr(line, ':') != NULL) {
				snprintf(model, sizeof(model), "%s", strchr(line, ':') + 2);
				model[strcspn(model, "\n")] = '\0';
				break;
			}
		fclose(f);
	}
	getloadavg(load0, 3);
	printf("srtp-bench  %s\n", srtp_get_version_string());
	printf("CPU: %s, %ld online; load average %.2f %.2f %.2f\n", model,
	       sysconf(_SC_NPROCESSORS_ONLN), load0[0], load0[1], load0[2]);
	if (load0[0] > 0.5)
		printf("note: load %.1f, other processes share the CPUs: caches and turbo too\n",
		       load0[0]);
	printf("RTP 12 + %u bytes, %u packets per round, %u rounds (median), "
	       "protect + unprotect per packet, thread CPU time;\n"
	       "allocs: heap allocations per packet (protect + unprotect), and per "
	       "unprotect failing authentication\n", payload, n, rounds);

	memset(plain, 0, sizeof(plain));
	plain[0] = 0x80;
	plain[1] = 0;
	plain[8] = SSRC >> 24;
	plain[9] = (SSRC >> 16) & 0xff;
	plain[10] = (SSRC >> 8) & 0xff;
	plain[11] = SSRC & 0xff;
	for (i = 0; i < payload; i++)
		plain[12 + i] = (uint8_t)(i * 13 + 5);
	plain_len = 12 + payload;

	for (b = 0; b < 2; b++) {
		const srtp_cipher_type_t *ct;

		if (!have[b])
			continue;
		if (b == 1) {
			int rc = mr_srtp_crypto_use_openssl();

			if (rc == -ENOTSUP && have[0]) {
				printf("\nOpenSSL backend: not built in (-Dsrtp_crypto=libsrtp)\n");
				have[1] = 0;
				break;
			} else if (rc < 0) {
				printf("\nOpenSSL backend: %s\n", rc == -ENOTSUP ?
				       "not built in" : "failed its self tests");
				have[1] = 0;
				bad++;
				break;
			}
		}
		ct = srtp_crypto_kernel_get_cipher_type(SRTP_AES_ICM_128);
		printf("\nbackend %s (AES-ICM: %s)\n", mr_srtp_crypto_name(),
		       ct != NULL ? ct->description : "?");
		printf("%-24s %8s %8s %7s %9s %6s %6s %6s %6s\n", "suite", "raw ns", "lib ns",
		       "lib/raw", "kpps/core", "raw al", "lib al", "raw af", "lib af");
		for (i = 0; i < MR_SRTP_SUITES; i++) {
			struct result *x = &res[b][i];

			if (only != MR_SRTP_SUITE_NONE && suites[i] != only)
				continue;
			if (bench_suite(suites[i], i, n, rounds, &bad, x) < 0) {
				printf("%-24s context refused\n", mr_srtp_suite_name(suites[i]));
				bad++;
				continue;
			}
			printf("%-24s %8.0f %8.0f %7.3f %9.0f %6.2f %6.2f %6.2f %6.2f\n",
			       mr_srtp_suite_name(suites[i]), x->raw_ns, x->lib_ns,
			       x->lib_ns / x->raw_ns, 1e6 / x->lib_ns, x->raw_allocs,
			       x->lib_allocs, x->raw_fail_allocs, x->lib_fail_allocs);
			if (b == 1 && (x->lib_allocs > 0 || x->lib_fail_allocs > 0))
				alloc_bad++;
		}
		printf("\n%-24s %12s %14s %14s\n", "setup, us", "make context", "new SSRC 1st",
		       "its 2nd");
		for (i = 0; i < MR_SRTP_SUITES; i++) {
			uint8_t material[MR_SRTP_MATERIAL_MAX] = { 1 };
			double c = 0, fu = 0, nu = 0;
			struct mr_srtp_key key;

			if (only != MR_SRTP_SUITE_NONE && suites[i] != only)
				continue;
			mr_srtp_key_set(&key, suites[i], material,
					mr_srtp_suite_key_len(suites[i]) +
					mr_srtp_suite_salt_len(suites[i]));
			if (setup_costs(&key, k, &c, &fu, &nu) < 0)
				bad++;
			printf("%-24s %12.1f %14.1f %14.2f\n", mr_srtp_suite_name(suites[i]), c, fu,
			       nu);
		}
	}
	if (have[0] && have[1]) {
		printf("\nlib/srtp on openssl against raw libsrtp2 on libsrtp's backend\n");
		printf("%-24s %10s %10s %8s\n", "suite", "raw nss ns", "lib ossl ns", "speedup");
		for (i = 0; i < MR_SRTP_SUITES; i++)
			if (only == MR_SRTP_SUITE_NONE || suites[i] == only)
				printf("%-24s %10.0f %11.0f %7.1fx\n", mr_srtp_suite_name(suites[i]),
				       res[0][i].raw_ns, res[1][i].lib_ns,
				       res[0][i].raw_ns / res[1][i].lib_ns);
	}
	getloadavg(load1, 3);
	printf("\nload average at end %.2f %.2f %.2f\n", load1[0], load1[1], load1[2]);
	if (bad != 0) {
		printf("FAILED: %d packets or contexts did not round-trip\n", bad);
		return 1;
	}
	if (strict && have[1] && alloc_bad != 0) {
		printf("FAILED: lib/srtp on openssl allocated per packet in %d suites\n", alloc_bad);
		return 1;
	}
	return 0;
}
