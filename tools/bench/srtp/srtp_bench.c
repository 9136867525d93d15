/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * srtp-bench [-n packets] [-s payload bytes] [-r rounds] [-k new SSRCs] [-S suite]
 *
 * Per suite, in the same run and on the same packets (RTP, 12-byte header
 * and a payload, one SSRC, consecutive sequence numbers across wraps):
 *  raw  libsrtp2 called directly: srtp_protect() then srtp_unprotect() on
 *       sessions made with srtp_create();
 *  lib  lib/srtp: mr_srtp_protect_rtp() then mr_srtp_unprotect_rtp().
 * Rounds alternate raw and lib; each path's figure is its median round,
 * in this thread's CPU time (not wall time). Prints ns per packet (protect + unprotect, a copy of the plaintext
 * included in both), the lib/raw ratio (goal <= 1.1), packets per second
 * on this core and payload MB/s; then what making a context and the first
 * packet of a new SSRC (libsrtp clones its template) cost, and the crypto
 * backend libsrtp was built with. No EAL: needs no hugepages.
 *
 * Exit status: 0, or 1 when a packet failed to round-trip (a bug).
 */

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

/* libsrtp exports its AES-ICM cipher type (its description names the
 * backend) without a header that declares it */
extern const srtp_cipher_type_t srtp_aes_icm_128;

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

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-n packets] [-s payload] [-r rounds] [-k ssrcs] [-S suite]\n"
		"  -n  packets per round and path (default 200000)\n"
		"  -s  RTP payload bytes after the 12-byte header (default 160: G.711 20 ms)\n"
		"  -r  rounds, raw and lib alternating; the median is shown (default 7, odd)\n"
		"  -k  contexts made, and new SSRCs sent, to time setup (default 200, at most 1000)\n"
		"  -S  only this suite, e.g. AEAD_AES_128_GCM (default all four)\n",
		prog);
}

int
main(int argc, char **argv)
{
	static const enum mr_srtp_suite suites[MR_SRTP_SUITES] = {
		MR_SRTP_AES_CM_128_HMAC_SHA1_80, MR_SRTP_AES_CM_128_HMAC_SHA1_32,
		MR_SRTP_AEAD_AES_128_GCM, MR_SRTP_AEAD_AES_256_GCM,
	};
	uint32_t n = 200000, payload = 160, rounds = 7, k = 200, i, r;
	enum mr_srtp_suite only = MR_SRTP_SUITE_NONE;
	double load0[3] = { 0 }, load1[3] = { 0 };
	char model[128] = "unknown";
	int opt, bad = 0;
	FILE *f;

	while ((opt = getopt(argc, argv, "n:s:r:k:S:h")) != -1) {
		switch (opt) {
		case 'n': n = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 's': payload = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'r': rounds = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'k': k = (uint32_t)strtoul(optarg, NULL, 0); break;
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
	printf("srtp-bench  %s, AES-ICM: %s\n", srtp_get_version_string(),
	       srtp_aes_icm_128.description);
	printf("CPU: %s, %ld online; load average %.2f %.2f %.2f\n", model,
	       sysconf(_SC_NPROCESSORS_ONLN), load0[0], load0[1], load0[2]);
	if (load0[0] > 0.5)
		printf("note: load %.1f, other processes share the CPUs: caches and turbo too\n",
		       load0[0]);
	printf("RTP 12 + %u bytes, %u packets per round, %u rounds (median), "
	       "protect + unprotect per packet, thread CPU time\n\n", payload, n, rounds);
	printf("%-24s %9s %9s %7s %10s %9s\n", "suite", "raw ns", "lib ns", "lib/raw",
	       "kpps/core", "MB/s");

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

	for (i = 0; i < MR_SRTP_SUITES; i++) {
		uint8_t material[MR_SRTP_MATERIAL_MAX];
		double raw[MAX_ROUNDS], lib[MAX_ROUNDS], mr, ml;
		struct mr_srtp_ctx *ltx, *lrx;
		struct mr_srtp_key key;
		srtp_policy_t pol;
		srtp_t rtx, rrx;
		uint32_t m = mr_srtp_suite_key_len(suites[i]) + mr_srtp_suite_salt_len(suites[i]);
		uint32_t seq = 0;

		if (only != MR_SRTP_SUITE_NONE && suites[i] != only)
			continue;
		for (r = 0; r < m; r++)
			material[r] = (uint8_t)(r * 7 + i);
		mr_srtp_key_set(&key, suites[i], material, m);
		make_policy(&pol, suites[i], material, 0);
		if (srtp_create(&rtx, &pol) != srtp_err_status_ok)
			return 1;
		make_policy(&pol, suites[i], material, 1);
		if (srtp_create(&rrx, &pol) != srtp_err_status_ok ||
		    mr_srtp_outbound_create(&key, SSRC, &ltx) < 0 ||
		    mr_srtp_inbound_create(&key, 0, &lrx) < 0)
			return 1;
		/* warm up both, then alternate */
		run_raw(rtx, rrx, seq, n / 10 + 1, &bad);
		run_lib(ltx, lrx, seq, n / 10 + 1, &bad);
		seq += n / 10 + 1;
		for (r = 0; r < rounds; r++) {
			raw[r] = run_raw(rtx, rrx, seq, n, &bad);
			lib[r] = run_lib(ltx, lrx, seq, n, &bad);
			seq += n;
		}
		qsort(raw, rounds, sizeof(raw[0]), cmp_double);
		qsort(lib, rounds, sizeof(lib[0]), cmp_double);
		mr = raw[rounds / 2];
		ml = lib[rounds / 2];
		printf("%-24s %9.0f %9.0f %7.3f %10.0f %9.1f\n", mr_srtp_suite_name(suites[i]),
		       mr, ml, ml / mr, 1e6 / ml, payload / ml * 1e3);
		srtp_dealloc(rtx);
		srtp_dealloc(rrx);
		mr_srtp_ctx_free(ltx);
		mr_srtp_ctx_free(lrx);
		mr_srtp_key_wipe(&key);
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
				mr_srtp_suite_key_len(suites[i]) + mr_srtp_suite_salt_len(suites[i]));
		if (setup_costs(&key, k, &c, &fu, &nu) < 0)
			bad++;
		printf("%-24s %12.1f %14.1f %14.2f\n", mr_srtp_suite_name(suites[i]), c, fu, nu);
	}
	getloadavg(load1, 3);
	printf("\nload average at end %.2f %.2f %.2f\n", load1[0], load1[1], load1[2]);
	if (bad != 0) {
		printf("FAILED: %d packets or contexts did not round-trip\n", bad);
		return 1;
	}
	return 0;
}
