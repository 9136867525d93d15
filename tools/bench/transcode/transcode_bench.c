/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * transcode-bench [EAL args] -- [frames] [channels]
 *
 * Encodes `frames` 20 ms Opus frames (mono, 48 kHz, 32 kb/s, a tone and
 * sweep) once, then in the same run:
 *  1. raw: libopus decode + encode (32 -> 24 kb/s) of those frames, one
 *     decoder/encoder pair per channel, round robin over channels;
 *  2. transcoder: the same frames through mr_transcoder_enqueue() and
 *     mr_transcoder_poll() on this lcore (batches of 32), one channel each.
 * Prints frames/s for both, the ratio, channels per lcore (frames/s / 50)
 * and the time from enqueue to emit (p50/p99, a batch of 32 included).
 */

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opus/opus.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "mr_transcode.h"

#define MAX_CH 64

static uint8_t pkts[4096][400];
static int lens[4096];
static uint64_t lat[1 << 20];
static uint32_t n_lat;

static void
emit(void *ctx, uint32_t id, struct rte_mbuf *m)
{
	uint64_t now = rte_rdtsc();

	(void)ctx;
	(void)id;
	if (n_lat < RTE_DIM(lat))
		lat[n_lat++] = now - mr_tc_meta(m)->enq_tsc;
	rte_pktmbuf_free(m);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct mr_transcoder_params prm;
	struct mr_tc_profile prof;
	struct mr_transcoder *tc;
	struct rte_mempool *in_pool, *out_pool;
	OpusEncoder *src, *enc[MAX_CH];
	OpusDecoder *dec[MAX_CH];
	uint32_t ids[MAX_CH], frames = 3000, nch = 16, f, i;
	static float pcm[960];
	uint8_t out[1500];
	double hz = (double)rte_get_tsc_hz(), raw_fps, tc_fps;
	uint64_t t0, t1;
	int err, ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		return 1;
	argc -= ret;
	argv += ret;
	if (argc > 1)
		frames = (uint32_t)atoi(argv[1]);
	if (argc > 2)
		nch = (uint32_t)atoi(argv[2]);
	if (frames == 0 || frames > 4096 || nch == 0 || nch > MAX_CH) {
		fprintf(stderr, "frames 1..4096, channels 1..%d\n", MAX_CH);
		return 1;
	}
	hz = (double)rte_get_tsc_hz();
	src = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
	opus_encoder_ctl(src, OPUS_SET_BITRATE(32000));
	for (f = 0; f < frames; f++) {
		for (i = 0; i < 960; i++) {
			double t = (f * 960 + i) / 48000.0;

			pcm[i] = (float)(0.4 * sin(2 * M_PI * (300 + 50 * fmod(t, 10)) * t));
		}
		lens[f] = opus_encode_float(src, pcm, 960, pkts[f], sizeof(pkts[f]));
	}

	/* 1. raw libopus, same codec settings as the channel profile below */
	for (i = 0; i < nch; i++) {
		dec[i] = opus_decoder_create(48000, 1, &err);
		enc[i] = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
		opus_encoder_ctl(enc[i], OPUS_SET_BITRATE(24000));
		opus_encoder_ctl(enc[i], OPUS_SET_COMPLEXITY(5));
		opus_encoder_ctl(enc[i], OPUS_SET_INBAND_FEC(0));
		opus_encoder_ctl(enc[i], OPUS_SET_PACKET_LOSS_PERC(0));
	}
	t0 = rte_rdtsc();
	for (f = 0; f < frames; f++)
		for (i = 0; i < nch; i++) {
			int n = opus_decode_float(dec[i], pkts[f], lens[f], pcm, 960, 0);

			if (n > 0 && opus_encode_float(enc[i], pcm, n, out, sizeof(out)) < 0)
				return 1;
		}
	t1 = rte_rdtsc();
	raw_fps = (double)frames * nch / ((double)(t1 - t0) / hz);

	/* 2. the transcoder */
	in_pool = rte_pktmbuf_pool_create("tcb_in", 8191, 256, 0, 2048 + RTE_PKTMBUF_HEADROOM,
					  (int)rte_socket_id());
	out_pool = rte_pktmbuf_pool_create("tcb_out", 8191, 256, 0, 2048 + RTE_PKTMBUF_HEADROOM,
					   (int)rte_socket_id());
	memset(&prm, 0, sizeof(prm));
	prm.name = "bench";
	prm.socket_id = (int)rte_socket_id();
	prm.ring_size = 1024;
	prm.max_channels = nch;
	prm.out_pool = out_pool;
	prm.emit = emit;
	tc = in_pool && out_pool ? mr_transcoder_create(&prm) : NULL;
	if (tc == NULL) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	memset(&prof, 0, sizeof(prof));
	prof.in_codec = MR_TC_CODEC_OPUS;
	prof.in_pt = 111;
	prof.out_codec = MR_TC_CODEC_OPUS;
	prof.out_pt = 111;
	prof.bitrate = 24000;
	prof.complexity = 5;
	for (i = 0; i < nch; i++)
		if (mr_transcoder_channel_create(tc, &prof, &ids[i]) < 0)
			return 1;
	mr_transcoder_poll(tc, rte_rdtsc());
	t0 = rte_rdtsc();
	for (f = 0; f < frames; f++) {
		for (i = 0; i < nch; i++) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(in_pool);
			uint8_t *d;

			if (m == NULL)
				return 1;
			d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(12 + lens[f]));
			d[0] = 0x80;
			d[1] = 111;
			*(rte_be16_t *)(d + 2) = rte_cpu_to_be_16((uint16_t)f);
			*(rte_be32_t *)(d + 4) = rte_cpu_to_be_32(f * 960);
			*(rte_be32_t *)(d + 8) = rte_cpu_to_be_32(i);
			memcpy(d + 12, pkts[f], (size_t)lens[f]);
			mr_transcoder_enqueue(tc, m, ids[i], f, rte_rdtsc());
			if ((f * nch + i) % 32 == 31)
				mr_transcoder_poll(tc, rte_rdtsc());
		}
	}
	while (mr_transcoder_poll(tc, rte_rdtsc()) > 0)
		;
	t1 = rte_rdtsc();
	tc_fps = (double)frames * nch / ((double)(t1 - t0) / hz);
	qsort(lat, n_lat, sizeof(lat[0]), cmp_u64);
	printf("frames %u x channels %u, TSC %.0f MHz\n", frames, nch, hz / 1e6);
	printf("raw libopus decode+encode: %.0f frames/s = %.0f channels/lcore\n",
	       raw_fps, raw_fps / 50);
	printf("transcoder (ring+poll):    %.0f frames/s = %.0f channels/lcore\n",
	       tc_fps, tc_fps / 50);
	printf("ratio transcoder/raw:      %.3f\n", tc_fps / raw_fps);
	if (n_lat > 0)
		printf("enqueue->emit: p50 %.1f us, p99 %.1f us (%u frames, batches of 32)\n",
		       lat[n_lat / 2] / hz * 1e6, lat[(uint64_t)n_lat * 99 / 100] / hz * 1e6, n_lat);
	for (i = 0; i < nch; i++)
		mr_transcoder_channel_destroy(tc, ids[i]);
	mr_transcoder_poll(tc, rte_rdtsc());
	mr_transcoder_free(tc);
	printf("pools after teardown: in %u/8191 out %u/8191\n",
	       rte_mempool_avail_count(in_pool), rte_mempool_avail_count(out_pool));
	rte_eal_cleanup();
	return 0;
}
