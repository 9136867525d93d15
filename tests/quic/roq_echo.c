/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * roq_echo: lib/quic's server over an ordinary kernel UDP socket, echoing
 * every RoQ datagram back on its flow. A test harness, not the relay: it
 * is how tests/quic/run_roq.py puts an independent QUIC client (quic-go)
 * against lib/quic before the workers carry QUIC.
 *
 * Each datagram is routed to one of --owners servers by mr_quic_route()
 * from its DCID alone, as a worker will do, so a connection whose packets
 * reached the wrong owner would not work at all.
 *
 * Prints "listening <addr> <port>" once bound; a JSON line of counters on
 * SIGUSR1; the same line, then exits 0, on SIGINT or SIGTERM.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>

#include "mr_quic_conn.h"

#define MAX_OWNERS 16
#define ECHO_SLOTS 128
#define ECHO_MAX_LEN 1200

struct echo_slot {
	uint64_t flow;
	uint16_t len;
	uint8_t b[ECHO_MAX_LEN];
};

/* Datagrams waiting to go back on one connection (it may be cwnd-limited). */
struct echo_q {
	struct mr_quic_conn *c;
	TAILQ_ENTRY(echo_q) link; /* on its owner's pending list while count > 0 */
	unsigned int head;
	unsigned int count;
	struct echo_slot slot[ECHO_SLOTS];
};

struct owner {
	struct mr_quic_server *srv;
	unsigned int idx;
	TAILQ_HEAD(, echo_q) pending;
};

static volatile sig_atomic_t want_stats;
static volatile sig_atomic_t want_stop;
static int fd = -1;
static unsigned int n_owners = 2;
static struct owner owners[MAX_OWNERS];
static struct mr_quic_endpoint *ep;
static uint64_t route_drops[MR_QUIC_DROP__MAX];
static uint64_t echo_drops;   /* queue full or too long */
static uint64_t echo_sent;
static uint64_t tx_errors;    /* sendto failures */
static uint64_t open_events;
static uint64_t path_events;
static int verbose;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_stats = 1;
	else
		want_stop = 1;
}

static const char *
addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		port = ntohs(a->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		port = ntohs(a->sin6_port);
	}
	snprintf(buf, len, "%s:%u", ip, port);
	return buf;
}

static void
on_open(struct mr_quic_conn *c, void *arg)
{
	struct owner *o = arg;

	open_events++;
	if (verbose)
		fprintf(stderr, "roq_echo: owner %u conn %" PRIu64 " open\n", o->idx,
			mr_quic_conn_serial(c));
}

static void
on_datagram(struct mr_quic_conn *c, const uint8_t *data, size_t len, void *arg)
{
	struct echo_q *q = mr_quic_conn_user(c);
	struct owner *o = arg;
	struct echo_slot *e;
	const uint8_t *p;
	uint64_t flow;
	size_t plen;

	if (mr_roq_decode(data, len, &flow, &p, &plen) != MR_QUIC_OK || plen > ECHO_MAX_LEN) {
		echo_drops++;
		return;
	}
	if (q == NULL) {
		q = calloc(1, sizeof(*q));
		if (q == NULL) {
			echo_drops++;
			return;
		}
		q->c = c;
		mr_quic_conn_set_user(c, q);
	}
	if (q->count == ECHO_SLOTS) {
		echo_drops++;
		return;
	}
	e = &q->slot[(q->head + q->count) % ECHO_SLOTS];
	e->flow = flow;
	e->len = (uint16_t)plen;
	memcpy(e->b, p, plen);
	if (q->count++ == 0)
		TAILQ_INSERT_TAIL(&o->pending, q, link);
}

static void
on_path(struct mr_quic_conn *c, const struct sockaddr *from, const struct sockaddr *to,
	void *arg)
{
	struct owner *o = arg;
	char a[64], b[64];

	path_events++;
	fprintf(stderr, "roq_echo: owner %u conn %" PRIu64 ": peer moved %s -> %s\n", o->idx,
		mr_quic_conn_serial(c), addr_str(from, a, sizeof(a)), addr_str(to, b, sizeof(b)));
}

static void
on_close(struct mr_quic_conn *c, enum mr_quic_close_reason why, void *arg)
{
	struct owner *o = arg;
	struct echo_q *q = mr_quic_conn_user(c);

	if (q != NULL) {
		echo_drops += q->count;
		if (q->count > 0)
			TAILQ_REMOVE(&o->pending, q, link);
		free(q);
	}
	if (verbose)
		fprintf(stderr, "roq_echo: owner %u conn %" PRIu64 " released: %s\n", o->idx,
			mr_quic_conn_serial(c), mr_quic_close_name(why));
}

static const struct mr_quic_server_ops ops = {
	.on_open = on_open,
	.on_datagram = on_datagram,
	.on_path = on_path,
	.on_close = on_close,
};

static void
send_pkt(const uint8_t *buf, size_t len, const struct mr_quic_path *p)
{
	if (sendto(fd, buf, len, 0, (const struct sockaddr *)&p->remote, p->remote_len) < 0)
		tx_errors++;
}

/* Write a connection's queued echoes while it can take them. */
static void
flush_echoes(struct echo_q *q, uint64_t now)
{
	uint8_t buf[MR_QUIC_MAX_PKT];
	struct mr_quic_path p;
	struct echo_slot *e;
	bool acc;
	ssize_t n;

	while (q->count > 0 && mr_quic_conn_is_open(q->c)) {
		e = &q->slot[q->head];
		n = mr_quic_conn_write_roq(q->c, now, e->flow, e->b, e->len, buf, sizeof(buf), &p,
					   &acc);
		if (n > 0)
			send_pkt(buf, (size_t)n, &p);
		if (acc)
			echo_sent++;
		else if (n < 0)
			echo_drops++; /* this one can never go: drop it */
		else if (n == 0)
			break;        /* congestion or amplification limit: later */
		else
			continue;     /* a packet of other frames went first */
		q->head = (q->head + 1) % ECHO_SLOTS;
		q->count--;
	}
}

/* Echoes first, then whatever else the owner's connections have to send. */
static void
flush(struct owner *o, uint64_t now)
{
	uint8_t buf[MR_QUIC_MAX_PKT];
	struct echo_q *q, *next;
	struct mr_quic_path p;
	size_t k;

	for (q = TAILQ_FIRST(&o->pending); q != NULL; q = next) {
		next = TAILQ_NEXT(q, link);
		flush_echoes(q, now);
		if (q->count == 0)
			TAILQ_REMOVE(&o->pending, q, link);
	}
	while ((k = mr_quic_server_send(o->srv, now, buf, sizeof(buf), &p)) > 0)
		send_pkt(buf, k, &p);
}

static void
print_stats(FILE *f)
{
	struct mr_quic_server_stats st, sum;
	uint64_t drops[MR_QUIC_DROP__MAX];
	struct mallinfo2 mi = mallinfo2();
	unsigned int i, r;
	const char *sep = "";

	memset(&sum, 0, sizeof(sum));
	memcpy(drops, route_drops, sizeof(drops));
	fprintf(f, "{\"owners\": [");
	for (i = 0; i < n_owners; i++) {
		mr_quic_server_stats(owners[i].srv, &st);
		fprintf(f, "%s{\"owner\": %u, \"accepted\": %" PRIu64 ", \"conns\": %" PRIu64
			", \"rx_pkts\": %" PRIu64 "}", i ? ", " : "", i, st.accepted, st.conns,
			st.rx_pkts);
		sum.conns += st.conns;
		sum.bytes_held += st.bytes_held;
		sum.tls_sessions += st.tls_sessions;
		sum.accepted += st.accepted;
		sum.handshakes += st.handshakes;
		for (r = 0; r < MR_QUIC_CLOSE__MAX; r++)
			sum.released[r] += st.released[r];
		sum.rx_pkts += st.rx_pkts;
		sum.tx_pkts += st.tx_pkts;
		sum.dgrams_rx += st.dgrams_rx;
		sum.dgrams_tx += st.dgrams_tx;
		sum.dgrams_lost += st.dgrams_lost;
		sum.path_changes += st.path_changes;
		sum.paths_validated += st.paths_validated;
		sum.paths_failed += st.paths_failed;
		sum.retries_sent += st.retries_sent;
		sum.vn_sent += st.vn_sent;
		sum.resets_sent += st.resets_sent;
		for (r = 0; r < MR_QUIC_DROP__MAX; r++)
			drops[r] += st.drops[r];
	}
	fprintf(f, "], \"conns\": %" PRIu64 ", \"bytes_held\": %" PRIu64
		", \"tls_sessions\": %" PRIu64 ", \"accepted\": %" PRIu64
		", \"handshakes\": %" PRIu64 ", \"opened\": %" PRIu64 ", \"rx_pkts\": %" PRIu64
		", \"tx_pkts\": %" PRIu64 ", \"dgrams_rx\": %" PRIu64 ", \"dgrams_tx\": %" PRIu64
		", \"dgrams_lost\": %" PRIu64 ", \"echo_sent\": %" PRIu64
		", \"echo_drops\": %" PRIu64 ", \"tx_errors\": %" PRIu64
		", \"path_changes\": %" PRIu64 ", \"path_events\": %" PRIu64
		", \"paths_validated\": %" PRIu64 ", \"paths_failed\": %" PRIu64
		", \"retries_sent\": %" PRIu64 ", \"vn_sent\": %" PRIu64
		", \"resets_sent\": %" PRIu64 ", \"heap_in_use\": %zu, \"released\": {",
		sum.conns, sum.bytes_held, sum.tls_sessions, sum.accepted, sum.handshakes,
		open_events, sum.rx_pkts, sum.tx_pkts, sum.dgrams_rx, sum.dgrams_tx,
		sum.dgrams_lost, echo_sent, echo_drops, tx_errors, sum.path_changes, path_events,
		sum.paths_validated, sum.paths_failed, sum.retries_sent, sum.vn_sent,
		sum.resets_sent, mi.uordblks);
	for (r = 0; r < MR_QUIC_CLOSE__MAX; r++) {
		fprintf(f, "%s\"%s\": %" PRIu64, sep, mr_quic_close_name((enum mr_quic_close_reason)r),
			sum.released[r]);
		sep = ", ";
	}
	fprintf(f, "}, \"drops\": {");
	sep = "";
	for (r = 1; r < MR_QUIC_DROP__MAX; r++) {
		if (drops[r] == 0)
			continue;
		fprintf(f, "%s\"%s\": %" PRIu64, sep, mr_quic_drop_name((enum mr_quic_drop)r),
			drops[r]);
		sep = ", ";
	}
	fprintf(f, "}}\n");
	fflush(f);
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: roq_echo --cert FILE --key FILE [options]\n"
		"  --listen ADDR:PORT   UDP address to bind (127.0.0.1:0: a free port)\n"
		"  --owners N           servers the datagrams are routed to (1..%d, 2)\n"
		"  --idle-ms N          QUIC idle timeout (30000)\n"
		"  --max-conns N        connections per owner (1024)\n"
		"  --retry-above N      Retry while an owner holds >= N connections\n"
		"                       (0: always; default never)\n"
		"  --alpn ID            ALPN to accept (repeat; default roq-14)\n"
		"  --verbose            a line per connection opened and released\n"
		"  --log                ngtcp2's debug log on stderr\n", MAX_OWNERS);
}

static int
parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	char *end;
	long port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 0 || port > 65535)
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return 0;
	}
	return -1;
}

static void
loop_once(struct mr_quic_path *rx_path)
{
	uint8_t buf[2048];
	const struct mr_quic_cid_conf *cc = mr_quic_endpoint_cid(ep);
	struct mr_quic_hdr h;
	enum mr_quic_drop d;
	uint64_t now, next = UINT64_MAX, e;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint16_t owner;
	ssize_t n;
	unsigned int i, batch;
	int timeout_ms;

	now = now_ns();
	for (i = 0; i < n_owners; i++) {
		e = mr_quic_server_expiry(owners[i].srv);
		if (e < next)
			next = e;
	}
	if (next <= now)
		timeout_ms = 0;
	else if (next - now > 20 * 1000000ull)
		timeout_ms = 20;
	else
		timeout_ms = (int)((next - now + 999999) / 1000000);
	if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR)
		return;

	for (batch = 0; batch < 256; batch++) {
		rx_path->remote_len = sizeof(rx_path->remote);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&rx_path->remote, &rx_path->remote_len);
		if (n < 0)
			break;
		now = now_ns();
		/* the worker's job: the owner from the DCID alone */
		d = mr_quic_hdr_parse(buf, (size_t)n, mr_quic_cid_len(cc), &h);
		if (d == MR_QUIC_OK)
			d = mr_quic_route(cc, &h, (size_t)n, &owner, NULL);
		if (d != MR_QUIC_OK) {
			route_drops[d]++;
			continue;
		}
		mr_quic_server_recv(owners[owner].srv, rx_path, buf, (size_t)n, now);
	}

	now = now_ns();
	for (i = 0; i < n_owners; i++) {
		mr_quic_server_expire(owners[i].srv, now);
		flush(&owners[i], now);
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "owners", required_argument, NULL, 'o' },
		{ "idle-ms", required_argument, NULL, 'i' },
		{ "max-conns", required_argument, NULL, 'm' },
		{ "retry-above", required_argument, NULL, 'r' },
		{ "alpn", required_argument, NULL, 'a' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "log", no_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mr_quic_endpoint_conf conf;
	struct sockaddr_storage ss;
	struct mr_quic_path rx_path;
	socklen_t sslen;
	const char *listen_arg = "127.0.0.1:0";
	unsigned int n_alpn = 0, i;
	char err[256], a[64];
	struct sigaction sa;
	int opt;

	memset(&conf, 0, sizeof(conf));
	conf.retry_above = UINT32_MAX;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'l': listen_arg = optarg; break;
		case 'c': conf.cert_file = optarg; break;
		case 'k': conf.key_file = optarg; break;
		case 'o': n_owners = (unsigned int)atoi(optarg); break;
		case 'i': conf.idle_timeout_ms = (uint32_t)atoi(optarg); break;
		case 'm': conf.max_conns = (uint32_t)atoi(optarg); break;
		case 'r': conf.retry_above = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'a':
			if (n_alpn == MR_QUIC_ALPN_MAX) {
				fprintf(stderr, "roq_echo: at most %d --alpn\n", MR_QUIC_ALPN_MAX);
				return 2;
			}
			conf.alpn[n_alpn++] = optarg;
			break;
		case 'v': verbose = 1; break;
		case 'g': conf.log = mr_quic_log_stderr; break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
	}
	if (conf.cert_file == NULL || conf.key_file == NULL || n_owners < 1 ||
	    n_owners > MAX_OWNERS || optind != argc) {
		usage();
		return 2;
	}
	if (parse_listen(listen_arg, &ss, &sslen) != 0) {
		fprintf(stderr, "roq_echo: --listen %s: want ADDR:PORT\n", listen_arg);
		return 2;
	}

	/* a CID format like a node's: server id 2 octets, owner, 8-octet nonce */
	conf.cid.config_id = 0;
	conf.cid.server_id_len = 2;
	conf.cid.server_id[0] = 0x4d;
	conf.cid.server_id[1] = 0x52;
	conf.cid.nonce_len = 8;
	conf.cid.n_owners = (uint16_t)n_owners;
	if (gnutls_rnd(GNUTLS_RND_KEY, conf.cid.hash_key, sizeof(conf.cid.hash_key)) != 0)
		return 1;
	if (mr_quic_endpoint_create(&conf, &ep, err, sizeof(err)) != 0) {
		fprintf(stderr, "roq_echo: %s\n", err);
		return 1;
	}
	for (i = 0; i < n_owners; i++) {
		owners[i].idx = i;
		TAILQ_INIT(&owners[i].pending);
		if (mr_quic_server_create(ep, (uint16_t)i, &ops, &owners[i], &owners[i].srv) != 0) {
			fprintf(stderr, "roq_echo: cannot create owner %u\n", i);
			return 1;
		}
	}

	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sslen) != 0) {
		fprintf(stderr, "roq_echo: bind %s: %s\n", listen_arg, strerror(errno));
		return 1;
	}
	memset(&rx_path, 0, sizeof(rx_path));
	rx_path.local_len = sizeof(rx_path.local);
	getsockname(fd, (struct sockaddr *)&rx_path.local, &rx_path.local_len);
	addr_str((struct sockaddr *)&rx_path.local, a, sizeof(a));
	printf("listening %s %s\n", a, strrchr(a, ':') + 1);
	fflush(stdout);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	while (!want_stop) {
		loop_once(&rx_path);
		if (want_stats) {
			want_stats = 0;
			print_stats(stdout);
		}
	}
	print_stats(stdout);
	for (i = 0; i < n_owners; i++)
		mr_quic_server_free(owners[i].srv);
	mr_quic_endpoint_free(ep);
	close(fd);
	return 0;
}
