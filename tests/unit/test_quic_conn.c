/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * lib/quic's server against a real QUIC client in memory: an ngtcp2
 * client connection with its own GnuTLS session that verifies our
 * certificate, packets handed across by the test on a fake clock. No
 * sockets, so NAT rebinding, migration, a restarted server and a client
 * that lost its state can be played exactly.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include "mr_quic_conn.h"
#include "mr_test.h"

#define MS (1000 * 1000ULL)
#define CLIENT_CID_LEN 8
#define ECHO_MAX 256

struct client_cid {
	ngtcp2_cid cid;
	uint8_t token[NGTCP2_STATELESS_RESET_TOKENLEN];
};

struct echo {
	uint64_t flow;
	size_t len;
	uint8_t b[256];
};

struct t {
	char dir[64];
	char cert[96];
	char key[96];
	struct mr_quic_endpoint_conf conf;
	struct mr_quic_endpoint *ep;
	struct mr_quic_server *srv;
	uint64_t now;
	struct sockaddr_in srv_addr;
	struct sockaddr_in cli_local; /* where the client thinks it sends from */
	struct sockaddr_in cli_seen;  /* what the server sees (after NAT) */
	/* the ngtcp2 client */
	ngtcp2_conn *cl;
	gnutls_session_t ctls;
	gnutls_certificate_credentials_t ccred;
	ngtcp2_crypto_conn_ref cref;
	const char *client_alpn;
	struct client_cid ccids[16];
	unsigned int n_ccids;
	unsigned int cl_dgrams;
	uint64_t cl_last_flow;
	uint8_t cl_last[256];
	size_t cl_last_len;
	int cl_confirmed;      /* the client's handshake is confirmed */
	int cl_reset;          /* the client saw a stateless reset */
	int cl_draining;       /* the client's read returned DRAINING */
	int cl_error;          /* other read error */
	uint8_t srv_dcid[CLIENT_CID_LEN]; /* DCID of the server's last short packet */
	/* the server side, from the callbacks */
	struct mr_quic_conn *sc;
	unsigned int opened;
	unsigned int path_events;
	unsigned int closes[MR_QUIC_CLOSE__MAX];
	unsigned int closings[MR_QUIC_CLOSE__MAX]; /* on_closing, by reason */
	unsigned int closing_late;  /* on_close without on_closing before it */
	unsigned int dgrams_closing; /* datagrams delivered after on_closing */
	struct mr_quic_conn *closing_conn; /* the last on_closing's */
	struct echo echo[ECHO_MAX];
	unsigned int n_echo;
	unsigned int to_seen;  /* server packets sent to cli_seen */
	unsigned int to_other; /* server packets sent elsewhere */
	unsigned int vn_rx;    /* Version Negotiation packets the test looked at */
	bool recv_held;        /* to_server() through mr_quic_server_recv_held() */
	unsigned int not_held; /* ... which held none of these */
};

/* ---- a self-signed certificate for "localhost", made with GnuTLS ---- */

static int
write_file(const char *path, const gnutls_datum_t *d)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (f == NULL)
		return -1;
	ok = fwrite(d->data, 1, d->size, f) == d->size;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static int
make_cert(struct t *t)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_privkey_t pk = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t d = { NULL, 0 };
	unsigned char serial[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	time_t now = time(NULL);
	int rc = -1;

	snprintf(t->dir, sizeof(t->dir), "/tmp/mr_quic_test.XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	snprintf(t->cert, sizeof(t->cert), "%s/cert.pem", t->dir);
	snprintf(t->key, sizeof(t->key), "%s/key.pem", t->dir);
	if (gnutls_x509_privkey_init(&key) != 0 ||
	    gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
					 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) != 0 ||
	    gnutls_x509_crt_init(&crt) != 0 ||
	    gnutls_x509_crt_set_version(crt, 3) != 0 ||
	    gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) != 0 ||
	    gnutls_x509_crt_set_activation_time(crt, now - 3600) != 0 ||
	    gnutls_x509_crt_set_expiration_time(crt, now + 86400) != 0 ||
	    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "localhost",
					  9) != 0 ||
	    gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
						 GNUTLS_FSAN_SET) != 0 ||
	    gnutls_x509_crt_set_key(crt, key) != 0 ||
	    gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE) != 0 ||
	    gnutls_privkey_init(&pk) != 0 ||
	    gnutls_privkey_import_x509(pk, key, 0) != 0 ||
	    gnutls_x509_crt_privkey_sign(crt, crt, pk, GNUTLS_DIG_SHA256, 0) != 0)
		goto out;
	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d) != 0 ||
	    write_file(t->cert, &d) != 0)
		goto out;
	gnutls_free(d.data);
	d.data = NULL;
	if (gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d) != 0 ||
	    write_file(t->key, &d) != 0)
		goto out;
	rc = 0;
out:
	gnutls_free(d.data);
	gnutls_privkey_deinit(pk);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return rc;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* ---- server callbacks ---- */

static void
on_open(struct mr_quic_conn *c, void *arg)
{
	struct t *t = arg;

	t->sc = c;
	t->opened++;
}

static void
on_datagram(struct mr_quic_conn *c, const uint8_t *data, size_t len, void *arg)
{
	struct t *t = arg;
	const uint8_t *p;
	uint64_t flow;
	size_t plen;

	if (c == t->closing_conn)
		t->dgrams_closing++;
	/* echo it on its flow, once the callback has returned */
	if (mr_roq_decode(data, len, &flow, &p, &plen) != MR_QUIC_OK || t->n_echo == ECHO_MAX ||
	    plen > sizeof(t->echo[0].b))
		return;
	t->echo[t->n_echo].flow = flow;
	t->echo[t->n_echo].len = plen;
	memcpy(t->echo[t->n_echo].b, p, plen);
	t->n_echo++;
}

static void
on_path(struct mr_quic_conn *c, const struct sockaddr *from, const struct sockaddr *to, void *arg)
{
	struct t *t = arg;

	(void)c;
	(void)from;
	(void)to;
	t->path_events++;
}

static void
on_closing(struct mr_quic_conn *c, enum mr_quic_close_reason why, void *arg)
{
	struct t *t = arg;

	t->closings[why]++;
	t->closing_conn = c;
}

static void
on_close(struct mr_quic_conn *c, enum mr_quic_close_reason why, void *arg)
{
	struct t *t = arg;

	t->closes[why]++;
	if (t->closings[why] < t->closes[why])
		t->closing_late++;
	if (t->closing_conn == c)
		t->closing_conn = NULL;
	if (c == t->sc)
		t->sc = NULL;
}

static const struct mr_quic_server_ops ops = {
	.on_open = on_open,
	.on_datagram = on_datagram,
	.on_path = on_path,
	.on_closing = on_closing,
	.on_close = on_close,
};

/* ---- the ngtcp2 client ---- */

static ngtcp2_conn *
cl_get_conn(ngtcp2_crypto_conn_ref *ref)
{
	struct t *t = ref->user_data;

	return t->cl;
}

static void
cl_rand(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *ctx)
{
	(void)ctx;
	gnutls_rnd(GNUTLS_RND_NONCE, dest, len);
}

static int
cl_new_cid(ngtcp2_conn *ng, ngtcp2_cid *cid, uint8_t *token, size_t cidlen, void *user)
{
	struct t *t = user;
	uint8_t b[NGTCP2_MAX_CIDLEN];

	(void)ng;
	if (t->n_ccids == 16)
		return NGTCP2_ERR_CALLBACK_FAILURE;
	gnutls_rnd(GNUTLS_RND_NONCE, b, cidlen);
	ngtcp2_cid_init(cid, b, cidlen);
	gnutls_rnd(GNUTLS_RND_NONCE, token, NGTCP2_STATELESS_RESET_TOKENLEN);
	t->ccids[t->n_ccids].cid = *cid;
	memcpy(t->ccids[t->n_ccids].token, token, NGTCP2_STATELESS_RESET_TOKENLEN);
	t->n_ccids++;
	return 0;
}

static int
cl_recv_datagram(ngtcp2_conn *ng, uint32_t flags, const uint8_t *data, size_t len, void *user)
{
	struct t *t = user;
	const uint8_t *p;
	size_t plen;

	(void)ng;
	(void)flags;
	if (mr_roq_decode(data, len, &t->cl_last_flow, &p, &plen) == MR_QUIC_OK &&
	    plen <= sizeof(t->cl_last)) {
		memcpy(t->cl_last, p, plen);
		t->cl_last_len = plen;
		t->cl_dgrams++;
	}
	return 0;
}

static int
cl_confirmed(ngtcp2_conn *ng, void *user)
{
	struct t *t = user;

	(void)ng;
	t->cl_confirmed = 1;
	return 0;
}

static int
cl_recv_reset(ngtcp2_conn *ng, const ngtcp2_pkt_stateless_reset *sr, void *user)
{
	struct t *t = user;

	(void)ng;
	(void)sr;
	t->cl_reset = 1;
	return 0;
}

static void
cl_path(struct t *t, ngtcp2_path *p)
{
	p->local.addr = (ngtcp2_sockaddr *)&t->cli_local;
	p->local.addrlen = sizeof(t->cli_local);
	p->remote.addr = (ngtcp2_sockaddr *)&t->srv_addr;
	p->remote.addrlen = sizeof(t->srv_addr);
	p->user_data = NULL;
}

static int
client_new(struct t *t)
{
	ngtcp2_callbacks cb;
	ngtcp2_settings st;
	ngtcp2_transport_params params;
	ngtcp2_cid dcid, scid;
	gnutls_datum_t alpn;
	ngtcp2_path p;
	uint8_t b[18];

	memset(&cb, 0, sizeof(cb));
	cb.client_initial = ngtcp2_crypto_client_initial_cb;
	cb.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
	cb.encrypt = ngtcp2_crypto_encrypt_cb;
	cb.decrypt = ngtcp2_crypto_decrypt_cb;
	cb.hp_mask = ngtcp2_crypto_hp_mask_cb;
	cb.recv_retry = ngtcp2_crypto_recv_retry_cb;
	cb.rand = cl_rand;
	cb.get_new_connection_id = cl_new_cid;
	cb.update_key = ngtcp2_crypto_update_key_cb;
	cb.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
	cb.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
	cb.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
	cb.version_negotiation = ngtcp2_crypto_version_negotiation_cb;
	cb.recv_datagram = cl_recv_datagram;
	cb.recv_stateless_reset = cl_recv_reset;
	cb.handshake_confirmed = cl_confirmed;

	ngtcp2_settings_default(&st);
	st.initial_ts = t->now;
	ngtcp2_transport_params_default(&params);
	params.max_datagram_frame_size = 1200;
	params.max_idle_timeout = 60 * NGTCP2_SECONDS;
	params.active_connection_id_limit = 8;

	gnutls_rnd(GNUTLS_RND_NONCE, b, sizeof(b));
	ngtcp2_cid_init(&dcid, b, 18);
	gnutls_rnd(GNUTLS_RND_NONCE, b, CLIENT_CID_LEN);
	ngtcp2_cid_init(&scid, b, CLIENT_CID_LEN);
	cl_path(t, &p);
	if (ngtcp2_conn_client_new(&t->cl, &dcid, &scid, &p, NGTCP2_PROTO_VER_V1, &cb, &st,
				   &params, NULL, t) != 0)
		return -1;

	if (gnutls_certificate_allocate_credentials(&t->ccred) != 0 ||
	    gnutls_certificate_set_x509_trust_file(t->ccred, t->cert, GNUTLS_X509_FMT_PEM) != 1 ||
	    gnutls_init(&t->ctls, GNUTLS_CLIENT) != 0 ||
	    gnutls_priority_set_direct(t->ctls,
				       "NORMAL:-VERS-ALL:+VERS-TLS1.3:%DISABLE_TLS13_COMPAT_MODE",
				       NULL) != 0 ||
	    ngtcp2_crypto_gnutls_configure_client_session(t->ctls) != 0 ||
	    gnutls_credentials_set(t->ctls, GNUTLS_CRD_CERTIFICATE, t->ccred) != 0 ||
	    gnutls_server_name_set(t->ctls, GNUTLS_NAME_DNS, "localhost", 9) != 0)
		return -1;
	/* the client checks our certificate against the one it trusts */
	gnutls_session_set_verify_cert(t->ctls, "localhost", 0);
	alpn.data = (unsigned char *)(uintptr_t)t->client_alpn;
	alpn.size = (unsigned int)strlen(t->client_alpn);
	if (gnutls_alpn_set_protocols(t->ctls, &alpn, 1, 0) != 0)
		return -1;
	t->cref.get_conn = cl_get_conn;
	t->cref.user_data = t;
	gnutls_session_set_ptr(t->ctls, &t->cref);
	ngtcp2_conn_set_tls_native_handle(t->cl, t->ctls);
	return 0;
}

static void
client_free(struct t *t)
{
	if (t->cl != NULL)
		ngtcp2_conn_del(t->cl);
	t->cl = NULL;
	if (t->ctls != NULL)
		gnutls_deinit(t->ctls);
	t->ctls = NULL;
	if (t->ccred != NULL)
		gnutls_certificate_free_credentials(t->ccred);
	t->ccred = NULL;
}

/* ---- moving packets ---- */

static void
set_addr(struct sockaddr_in *a, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static enum mr_quic_drop
to_server(struct t *t, const uint8_t *pkt, size_t len)
{
	struct mr_quic_path p;

	memset(&p, 0, sizeof(p));
	memcpy(&p.local, &t->srv_addr, sizeof(t->srv_addr));
	p.local_len = sizeof(t->srv_addr);
	memcpy(&p.remote, &t->cli_seen, sizeof(t->cli_seen));
	p.remote_len = sizeof(t->cli_seen);
	if (t->recv_held) {
		enum mr_quic_drop d;
		bool held;

		d = mr_quic_server_recv_held(t->srv, &p, pkt, len, t->now, &held);
		if (!held)
			t->not_held++;
		return d;
	}
	return mr_quic_server_recv(t->srv, &p, pkt, len, t->now);
}

static void
to_client(struct t *t, const uint8_t *pkt, size_t len, const struct mr_quic_path *p)
{
	ngtcp2_path np;
	int rv;

	if (p->remote_len == sizeof(t->cli_seen) &&
	    memcmp(&p->remote, &t->cli_seen, sizeof(t->cli_seen)) == 0)
		t->to_seen++;
	else
		t->to_other++;
	if ((pkt[0] & 0x80) == 0 && len > CLIENT_CID_LEN)
		memcpy(t->srv_dcid, pkt + 1, CLIENT_CID_LEN);
	if (t->cl == NULL || t->cl_draining)
		return;
	cl_path(t, &np);
	rv = ngtcp2_conn_read_pkt(t->cl, &np, NULL, pkt, len, t->now);
	if (rv == NGTCP2_ERR_DRAINING)
		t->cl_draining = 1;
	else if (rv != 0)
		t->cl_error = rv;
}

static void
server_flush(struct t *t)
{
	uint8_t buf[MR_QUIC_MAX_PKT];
	struct mr_quic_path p;
	bool acc;
	ssize_t n;
	size_t k;

	while (t->n_echo > 0 && t->sc != NULL && mr_quic_conn_is_open(t->sc)) {
		n = mr_quic_conn_write_roq(t->sc, t->now, t->echo[0].flow, t->echo[0].b,
					   t->echo[0].len, buf, sizeof(buf), &p, &acc);
		if (n > 0)
			to_client(t, buf, (size_t)n, &p);
		if (acc) {
			memmove(&t->echo[0], &t->echo[1], (t->n_echo - 1) * sizeof(t->echo[0]));
			t->n_echo--;
		} else if (n <= 0) {
			break;
		}
	}
	while ((k = mr_quic_server_send(t->srv, t->now, buf, sizeof(buf), &p)) > 0)
		to_client(t, buf, k, &p);
}

static void
client_flush(struct t *t)
{
	uint8_t buf[MR_QUIC_MAX_PKT];
	ngtcp2_path_storage ps;
	ngtcp2_ssize n;

	if (t->cl == NULL || t->cl_draining)
		return;
	for (;;) {
		ngtcp2_path_storage_zero(&ps);
		n = ngtcp2_conn_write_pkt(t->cl, &ps.path, NULL, buf, sizeof(buf), t->now);
		if (n <= 0)
			break;
		to_server(t, buf, (size_t)n);
	}
}

/* Exchange packets and run both sides' timers for @p ms milliseconds. */
static void
pump(struct t *t, unsigned int ms)
{
	unsigned int i;

	for (i = 0; i < ms; i++) {
		client_flush(t);
		mr_quic_server_expire(t->srv, t->now);
		server_flush(t);
		if (t->cl != NULL && !t->cl_draining &&
		    ngtcp2_conn_get_expiry(t->cl) <= t->now &&
		    ngtcp2_conn_handle_expiry(t->cl, t->now) != 0)
			t->cl_draining = 1; /* idle or fatal: the client is done */
		t->now += MS;
	}
}

/* Send one RoQ datagram from the client (and whatever else it has). */
static int
client_datagram(struct t *t, uint64_t flow, const uint8_t *payload, size_t len)
{
	uint8_t buf[MR_QUIC_MAX_PKT], hdr[8];
	ngtcp2_path_storage ps;
	ngtcp2_vec v[2];
	ngtcp2_ssize n;
	int acc = 0, tries;

	v[0].base = hdr;
	v[0].len = mr_quic_varint_encode(flow, hdr, sizeof(hdr));
	v[1].base = (uint8_t *)(uintptr_t)payload;
	v[1].len = len;
	for (tries = 0; tries < 4 && !acc; tries++) {
		ngtcp2_path_storage_zero(&ps);
		n = ngtcp2_conn_writev_datagram(t->cl, &ps.path, NULL, buf, sizeof(buf), &acc,
						NGTCP2_WRITE_DATAGRAM_FLAG_NONE, 0, v, 2, t->now);
		if (n < 0)
			return (int)n;
		if (n > 0)
			to_server(t, buf, (size_t)n);
		else if (!acc)
			pump(t, 1); /* congestion: let ACKs come back */
	}
	return acc ? 0 : -EAGAIN;
}

static int
setup(struct t *t, uint32_t retry_above, const char *client_alpn)
{
	char err[256];

	memset(t, 0, sizeof(*t));
	t->now = 1000 * MS;
	set_addr(&t->srv_addr, 4433);
	set_addr(&t->cli_local, 50000);
	t->cli_seen = t->cli_local;
	t->client_alpn = client_alpn;
	if (make_cert(t) != 0)
		return -1;
	t->conf.cert_file = t->cert;
	t->conf.key_file = t->key;
	t->conf.cid.config_id = 1;
	t->conf.cid.server_id_len = 2;
	t->conf.cid.server_id[0] = 0x51;
	t->conf.cid.server_id[1] = 0x52;
	t->conf.cid.nonce_len = 8;
	t->conf.cid.n_owners = 2;
	t->conf.idle_timeout_ms = 2000;
	t->conf.handshake_timeout_ms = 3000;
	t->conf.max_conns = 8;
	t->conf.retry_above = retry_above;
	if (getenv("MR_QUIC_TEST_LOG") != NULL)
		t->conf.log = mr_quic_log_stderr;
	if (mr_quic_endpoint_create(&t->conf, &t->ep, err, sizeof(err)) != 0) {
		fprintf(stderr, "  endpoint: %s\n", err);
		return -1;
	}
	/* owner 1 of 2: the CIDs it issues must say so */
	if (mr_quic_server_create(t->ep, 1, &ops, t, &t->srv) != 0)
		return -1;
	return client_new(t);
}

static void
teardown(struct t *t)
{
	client_free(t);
	mr_quic_server_free(t->srv);
	mr_quic_endpoint_free(t->ep);
	if (t->dir[0] != '\0')
		nftw(t->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Everything a released connection held has come back. */
static int
check_released(struct t *t)
{
	struct mr_quic_server_stats st;

	mr_quic_server_stats(t->srv, &st);
	MR_TEST_EQ(st.conns, 0);
	MR_TEST_EQ(st.bytes_held, 0);
	MR_TEST_EQ(st.tls_sessions, 0);
	/* every release was announced by on_closing, and nothing came after it */
	MR_TEST_EQ(t->closing_late, 0);
	MR_TEST_EQ(t->dgrams_closing, 0);
	return 0;
}

static void
print_drops(struct t *t)
{
	struct mr_quic_server_stats st;
	unsigned int i;

	mr_quic_server_stats(t->srv, &st);
	for (i = 1; i < MR_QUIC_DROP__MAX; i++)
		if (st.drops[i] != 0)
			fprintf(stderr, "  drop %s: %" PRIu64 "\n",
				mr_quic_drop_name((enum mr_quic_drop)i), st.drops[i]);
	fprintf(stderr, "  accepted %" PRIu64 " released error %" PRIu64 " dropped %" PRIu64
		", client error %d draining %d\n", st.accepted, st.released[MR_QUIC_CLOSE_ERROR],
		st.released[MR_QUIC_CLOSE_DROPPED], t->cl_error, t->cl_draining);
}

static int
handshake(struct t *t)
{
	unsigned int i;

	for (i = 0; i < 200 && !(t->sc != NULL && t->cl_confirmed); i++)
		pump(t, 1);
	if (t->sc == NULL)
		print_drops(t);
	MR_TEST_ASSERT(t->sc != NULL, "no server connection opened");
	MR_TEST_ASSERT(ngtcp2_conn_get_handshake_completed(t->cl), "client handshake");
	return 0;
}

static int
echo_some(struct t *t, uint64_t flow, unsigned int n)
{
	uint8_t rtp[160];
	unsigned int i, before = t->cl_dgrams;

	for (i = 0; i < n; i++) {
		memset(rtp, (int)i, sizeof(rtp));
		rtp[0] = 0x80;
		rtp[3] = (uint8_t)i;
		MR_TEST_EQ(client_datagram(t, flow, rtp, sizeof(rtp)), 0);
		pump(t, 1);
	}
	pump(t, 20);
	MR_TEST_EQ(t->cl_dgrams - before, n);
	MR_TEST_EQ(t->cl_last_flow, flow);
	MR_TEST_EQ(t->cl_last_len, sizeof(rtp));
	MR_TEST_EQ(t->cl_last[3], (uint8_t)(n - 1));
	return 0;
}

static int
test_quic_conn_echo_close(void)
{
	struct mr_quic_server_stats st;
	ngtcp2_connection_close_error ccerr;
	uint8_t buf[MR_QUIC_MAX_PKT];
	ngtcp2_path_storage ps;
	gnutls_datum_t alpn;
	ngtcp2_ssize n;
	struct t t;
	int rc = -1;

	if (setup(&t, UINT32_MAX, MR_QUIC_ALPN_ROQ) != 0) {
		fprintf(stderr, "  setup failed\n");
		goto out;
	}
	if (handshake(&t) != 0)
		goto out;
	if (gnutls_alpn_get_selected_protocol(t.ctls, &alpn) != 0 ||
	    alpn.size != strlen(MR_QUIC_ALPN_ROQ) ||
	    memcmp(alpn.data, MR_QUIC_ALPN_ROQ, alpn.size) != 0) {
		fprintf(stderr, "  ALPN not %s\n", MR_QUIC_ALPN_ROQ);
		goto out;
	}
	if (echo_some(&t, 5, 100) != 0 || echo_some(&t, 1u << 20, 3) != 0)
		goto out;
	mr_quic_server_stats(t.srv, &st);
	if (st.handshakes != 1 || st.accepted != 1 || st.dgrams_rx != 103 || st.dgrams_tx != 103 ||
	    st.conns != 1 || st.bytes_held == 0 || st.tls_sessions != 1 || st.retries_sent != 0) {
		fprintf(stderr, "  stats: handshakes %" PRIu64 " accepted %" PRIu64 " rx %" PRIu64 " tx %" PRIu64 " conns %" PRIu64 "\n",
			st.handshakes, st.accepted, st.dgrams_rx, st.dgrams_tx, st.conns);
		goto out;
	}

	/* the client closes: the server drains for 3 PTO, then forgets it */
	ngtcp2_connection_close_error_set_application_error(&ccerr, 0, NULL, 0);
	ngtcp2_path_storage_zero(&ps);
	n = ngtcp2_conn_write_connection_close(t.cl, &ps.path, NULL, buf, sizeof(buf), &ccerr,
					       t.now);
	if (n <= 0)
		goto out;
	to_server(&t, buf, (size_t)n);
	client_free(&t);
	mr_quic_server_stats(t.srv, &st);
	if (st.conns != 1) {
		fprintf(stderr, "  released before its draining period\n");
		goto out;
	}
	/* ... but it said at once that the connection carries nothing more */
	if (t.closings[MR_QUIC_CLOSE_PEER] != 1 || t.closes[MR_QUIC_CLOSE_PEER] != 0) {
		fprintf(stderr, "  draining not announced by on_closing\n");
		goto out;
	}
	pump(&t, 2000);
	if (t.closes[MR_QUIC_CLOSE_PEER] != 1 || t.sc != NULL)
		goto out;
	rc = check_released(&t);
out:
	teardown(&t);
	return rc;
}
MR_REGISTER_TEST(quic, conn_echo_peer_close, test_quic_conn_echo_close);

static int
test_quic_conn_alpn(void)
{
	struct mr_quic_server_stats st;
	struct t t;
	int rc = -1;

	if (setup(&t, UINT32_MAX, "h3") != 0)
		goto out;
	pump(&t, 50);
	mr_quic_server_stats(t.srv, &st);
	/* no handshake without our ALPN; the client is told so */
	if (t.opened != 0 || ngtcp2_conn_get_handshake_completed(t.cl) || st.handshakes != 0) {
		fprintf(stderr, "  handshake completed with ALPN h3\n");
		goto out;
	}
	if (!t.cl_draining && t.cl_error == 0) {
		fprintf(stderr, "  the client got no CONNECTION_CLOSE\n");
		goto out;
	}
	pump(&t, 3000);
	if (t.closes[MR_QUIC_CLOSE_ERROR] != 1) {
		fprintf(stderr, "  released as error: %u\n", t.closes[MR_QUIC_CLOSE_ERROR]);
		goto out;
	}
	rc = check_released(&t);
out:
	teardown(&t);
	return rc;
}
MR_REGISTER_TEST(quic, conn_alpn_mismatch, test_quic_conn_alpn);

static int
test_quic_conn_rebinding(void)
{
	struct mr_quic_server_stats st;
	struct t t;
	int rc = -1;

	if (setup(&t, UINT32_MAX, MR_QUIC_ALPN_ROQ) != 0 || handshake(&t) != 0 ||
	    echo_some(&t, 9, 20) != 0)
		goto out;
	/* the NAT gives the client a new port; the client does not know */
	t.cli_seen.sin_port = htons(50999);
	t.to_seen = t.to_other = 0;
	if (echo_some(&t, 9, 50) != 0)
		goto out;
	mr_quic_server_stats(t.srv, &st);
	if (t.path_events != 1 || st.path_changes != 1 || st.paths_validated < 1 ||
	    ntohs(((const struct sockaddr_in *)&mr_quic_conn_path(t.sc)->remote)->sin_port) !=
	    50999) {
		fprintf(stderr, "  path events %u changes %" PRIu64 " validated %" PRIu64 "\n", t.path_events,
			st.path_changes, st.paths_validated);
		goto out;
	}
	/* after the first packets the server answers the new address only */
	if (t.to_seen < 50 || t.to_other > 2) {
		fprintf(stderr, "  to new address %u, elsewhere %u\n", t.to_seen, t.to_other);
		goto out;
	}
	/* the server closes: CONNECTION_CLOSE to the client, released after 3 PTO */
	mr_quic_conn_close(t.sc, 0x10);
	pump(&t, 5);
	if (!t.cl_draining) {
		fprintf(stderr, "  the client did not get our CONNECTION_CLOSE\n");
		goto out;
	}
	if (t.closings[MR_QUIC_CLOSE_LOCAL] != 1 || t.closes[MR_QUIC_CLOSE_LOCAL] != 0) {
		fprintf(stderr, "  closing period not announced by on_closing\n");
		goto out;
	}
	pump(&t, 2000);
	if (t.closes[MR_QUIC_CLOSE_LOCAL] != 1)
		goto out;
	rc = check_released(&t);
out:
	teardown(&t);
	return rc;
}
MR_REGISTER_TEST(quic, conn_nat_rebinding_local_close, test_quic_conn_rebinding);

static int
test_quic_conn_migration_reset(void)
{
	uint8_t pkt[60];
	ngtcp2_path np;
	struct t t;
	unsigned int i;
	int rc = -1;

	if (setup(&t, UINT32_MAX, MR_QUIC_ALPN_ROQ) != 0 || handshake(&t) != 0 ||
	    echo_some(&t, 1, 10) != 0)
		goto out;
	/* active migration: new local port, new DCID, path validation */
	set_addr(&t.cli_local, 51000);
	t.cli_seen = t.cli_local;
	cl_path(&t, &np);
	if (ngtcp2_conn_initiate_immediate_migration(t.cl, &np, t.now) != 0) {
		fprintf(stderr, "  client cannot migrate\n");
		goto out;
	}
	if (echo_some(&t, 1, 30) != 0 || t.path_events != 1)
		goto out;

	/* the client loses its state and answers with a stateless reset: the
	 * server uses one of the client's CIDs now, whose token it knows */
	for (i = 0; i < t.n_ccids; i++)
		if (memcmp(t.ccids[i].cid.data, t.srv_dcid, CLIENT_CID_LEN) == 0)
			break;
	if (i == t.n_ccids) {
		fprintf(stderr, "  the server does not send to a CID with a token\n");
		goto out;
	}
	gnutls_rnd(GNUTLS_RND_NONCE, pkt, sizeof(pkt));
	pkt[0] = (uint8_t)((pkt[0] & 0x3f) | 0x40);
	memcpy(pkt + sizeof(pkt) - 16, t.ccids[i].token, 16);
	client_free(&t);
	if (to_server(&t, pkt, sizeof(pkt)) != MR_QUIC_OK) {
		fprintf(stderr, "  stateless reset not taken\n");
		goto out;
	}
	if (t.closings[MR_QUIC_CLOSE_STATELESS_RESET] != 1) {
		fprintf(stderr, "  stateless reset not announced by on_closing\n");
		goto out;
	}
	pump(&t, 10);
	if (t.closes[MR_QUIC_CLOSE_STATELESS_RESET] != 1)
		goto out;
	rc = check_released(&t);
out:
	teardown(&t);
	return rc;
}
MR_REGISTER_TEST(quic, conn_migration_stateless_reset_rx, test_quic_conn_migration_reset);

static int
test_quic_conn_restart_reset(void)
{
	struct mr_quic_server_stats st;
	uint8_t rtp[40] = { 0x80 };
	struct t t;
	int rc = -1;

	if (setup(&t, UINT32_MAX, MR_QUIC_ALPN_ROQ) != 0 || handshake(&t) != 0 ||
	    echo_some(&t, 2, 5) != 0)
		goto out;
	/* the server restarts with the same endpoint (same secret) */
	mr_quic_server_free(t.srv);
	t.srv = NULL;
	t.sc = NULL;
	if (mr_quic_server_create(t.ep, 1, &ops, &t, &t.srv) != 0)
		goto out;
	if (t.closes[MR_QUIC_CLOSE_SHUTDOWN] != 1)
		goto out;
	/* the client's next packet gets a stateless reset it accepts */
	if (client_datagram(&t, 2, rtp, sizeof(rtp)) != 0)
		goto out;
	mr_quic_server_stats(t.srv, &st);
	if (st.resets_sent != 1 || st.drops[MR_QUIC_UNKNOWN_CID] != 1)
		goto out;
	server_flush(&t);
	if (!t.cl_reset || !t.cl_draining) {
		fprintf(stderr, "  the client did not take our stateless reset\n");
		goto out;
	}
	rc = check_released(&t);
out:
	teardown(&t);
	return rc;
}
MR_REGISTER_TEST(quic, conn_restart_stateless_reset_tx, test_quic_conn_restart_reset);

static int
test_quic_conn_retry_idle(void)
{
	struct mr_quic_server_stats st;
	struct t t;
	int rc = -1;

	/* Retry for everyone: the handshake needs a token round trip */
	if (setup(&t, 0, MR_QUIC_ALPN_ROQ) != 0 || handshake(&t) != 0 ||
	    echo_some(&t, 3, 10) != 0)
		goto out;
	mr_quic_server_stats(t.srv, &st);
	if (st.retries_sent != 1 || st.accepted != 1 || st.drops[MR_QUIC_RETRY_TOKEN] != 0)
		goto out;
	/* silence: both sides time out after 2 s; the server releases it */
	client_free(&t);
	pump(&t, 2100);
	if (t.closes[MR_QUIC_CLOSE_IDLE] != 1 || t.closings[MR_QUIC_CLOSE_IDLE] != 1) {
		fprintf(stderr, "  idle releases %u\n", t.closes[MR_QUIC_CLOSE_IDLE]);
		goto out;
	}
	rc = check_released(&t);
out:
	teardown(&t);
	return rc;
}
MR_REGISTER_TEST(quic, conn_retry_idle_timeout, test_quic_conn_retry_idle);

static int
test_quic_conn_stateless_input(void)
{
	struct mr_quic_server_stats st;
	uint8_t b[1500], out[MR_QUIC_MAX_PKT];
	struct mr_quic_path p;
	struct t t;
	unsigned int i;
	size_t n, len;
	int rc = -1;

	if (setup(&t, UINT32_MAX, MR_QUIC_ALPN_ROQ) != 0)
		goto out;
	/* an unknown version, full-sized: a Version Negotiation offering v1 */
	memset(b, 0, sizeof(b));
	b[0] = 0xc0;
	b[1] = 0x1a; b[2] = 0x2a; b[3] = 0x3a; b[4] = 0x4a;
	b[5] = 4;
	memcpy(b + 6, "DCID", 4);
	b[10] = 3;
	memcpy(b + 11, "SCI", 3);
	if (to_server(&t, b, 1200) != MR_QUIC_OK)
		goto out;
	n = mr_quic_server_send(t.srv, t.now, out, sizeof(out), &p);
	if (n != 1 + 4 + 1 + 3 + 1 + 4 + 4 || (out[0] & 0x80) == 0 ||
	    memcmp(out + 1, "\0\0\0\0", 4) != 0 || out[5] != 3 || memcmp(out + 6, "SCI", 3) != 0 ||
	    out[9] != 4 || memcmp(out + 10, "DCID", 4) != 0 ||
	    memcmp(out + 14, "\0\0\0\1", 4) != 0) {
		fprintf(stderr, "  bad Version Negotiation (%zu octets)\n", n);
		goto out;
	}
	/* ... but not to a small datagram */
	if (to_server(&t, b, 1199) != MR_QUIC_UNKNOWN_VERSION_SMALL)
		goto out;
	/* v1 Initial below 1200 octets */
	b[1] = 0; b[2] = 0; b[3] = 0; b[4] = 1;
	if (to_server(&t, b, 1000) != MR_QUIC_INITIAL_TOO_SMALL)
		goto out;
	/* garbage of every length and shape: counted, never a connection */
	for (i = 0; i < 20000; i++) {
		len = (size_t)(i * 7919u) % sizeof(b);
		gnutls_rnd(GNUTLS_RND_NONCE, b, len < 64 ? len : 64);
		if (len > 5 && (i & 1)) {
			b[1] = 0; b[2] = 0; b[3] = 0; b[4] = 1; /* claim v1 */
		}
		to_server(&t, b, len);
	}
	while (mr_quic_server_send(t.srv, t.now, out, sizeof(out), &p) > 0)
		;
	mr_quic_server_stats(t.srv, &st);
	/* a random Initial that ngtcp2_accept() takes is rare but legal: it
	 * never completes a handshake and goes at the handshake timeout */
	if (st.accepted > 3 || st.handshakes != 0 || st.rx_pkts != 20003) {
		fprintf(stderr, "  garbage: %" PRIu64 " connections, %" PRIu64 " datagrams\n",
			st.accepted, st.rx_pkts);
		goto out;
	}
	pump(&t, 3100);
	rc = check_released(&t);
out:
	teardown(&t);
	return rc;
}
MR_REGISTER_TEST(quic, conn_stateless_input, test_quic_conn_stateless_input);

/*
 * A handshake server (MR_QUIC_OWNER_ROUTE) makes the connection, and once
 * it is open hands it to the server of the owner its CIDs name: the
 * client goes on, through a NAT rebinding, to its close, and each server's
 * tables and bytes follow the connection.
 */
/* setup(), with a handshake server in place of t's, and a handshake on it. */
static int
hs_handshake(struct t *t, uint32_t retry_above, struct mr_quic_server **hs)
{
	if (setup(t, retry_above, MR_QUIC_ALPN_ROQ) != 0)
		return -1;
	mr_quic_server_free(t->srv);
	t->srv = NULL;
	if (mr_quic_server_create(t->ep, MR_QUIC_OWNER_ROUTE, &ops, t, hs) != 0)
		return -1;
	t->srv = *hs;
	return handshake(t);
}

static int
handoff(uint32_t retry_above)
{
	struct mr_quic_server *hs = NULL, *other = NULL, *owner_srv;
	struct mr_quic_server_stats st;
	const ngtcp2_cid *dcid;
	uint64_t before_rx;
	struct mr_quic_conn *c;
	uint16_t owner, decoded;
	struct t t;
	int rc = -1;

	if (hs_handshake(&t, retry_above, &hs) != 0)
		goto out;
	c = t.sc;
	owner = mr_quic_conn_owner(c);
	/* the CID the client sends to names the owner, not the handshake server */
	dcid = ngtcp2_conn_get_dcid(t.cl);
	MR_TEST_EQ(mr_quic_cid_decode(&t.conf.cid, dcid->data, dcid->datalen, &decoded),
		   MR_QUIC_OK);
	MR_TEST_EQ(decoded, owner);
	MR_TEST_ASSERT(mr_quic_server_has_cid(hs, dcid->data, dcid->datalen), "hs knows it");

	MR_TEST_EQ(mr_quic_server_detach(hs, c), 0);
	MR_TEST_EQ(mr_quic_server_detach(hs, c), -EINVAL);
	mr_quic_server_stats(hs, &st);
	MR_TEST_EQ(st.conns, 0);
	MR_TEST_EQ(st.bytes_held, 0);
	MR_TEST_EQ(st.tls_sessions, 0);
	MR_TEST_EQ(st.handed_out, 1);
	MR_TEST_ASSERT(!mr_quic_server_has_cid(hs, dcid->data, dcid->datalen), "hs forgot it");

	/* another owner's server refuses it; the owner's takes it */
	if (mr_quic_server_create(t.ep, (uint16_t)(1 - owner), &ops, &t, &other) != 0 ||
	    mr_quic_server_create(t.ep, owner, &ops, &t, &t.srv) != 0)
		goto out;
	MR_TEST_EQ(mr_quic_server_attach(other, c), -EINVAL);
	owner_srv = t.srv;
	t.sc = NULL;
	MR_TEST_EQ(mr_quic_server_attach(t.srv, c), 0);
	MR_TEST_ASSERT(t.sc == c && t.opened == 2, "on_open on the owner's server");
	MR_TEST_ASSERT(mr_quic_server_has_cid(t.srv, dcid->data, dcid->datalen), "owner knows it");
	/* the owner's server holds it: recv_held takes every packet */
	t.recv_held = true;
	if (echo_some(&t, 7, 50) != 0)
		goto out;
	MR_TEST_EQ(t.not_held, 0);
	/* the handshake server holds it no more: recv_held leaves them, uncounted */
	t.srv = hs;
	mr_quic_server_stats(hs, &st);
	before_rx = st.rx_pkts;
	MR_TEST_EQ(client_datagram(&t, 7, (const uint8_t *)"\x80\0\0\1", 4), 0);
	MR_TEST_ASSERT(t.not_held >= 1, "not held by the handshake server");
	mr_quic_server_stats(hs, &st);
	MR_TEST_EQ(st.rx_pkts, before_rx);
	t.srv = owner_srv;
	t.recv_held = false;
	t.cli_seen.sin_port = htons(50001);
	if (echo_some(&t, 7, 20) != 0)
		goto out;
	mr_quic_server_stats(t.srv, &st);
	MR_TEST_EQ(st.conns, 1);
	MR_TEST_EQ(st.handed_in, 1);
	MR_TEST_EQ(st.dgrams_rx, 70);
	MR_TEST_ASSERT(st.path_changes >= 1, "rebinding seen by the owner");
	MR_TEST_ASSERT(st.bytes_held > 0 && st.tls_sessions == 1, "bytes came along");
	/* silence: the owner's server releases it at the idle timeout */
	client_free(&t);
	pump(&t, 2100);
	MR_TEST_EQ(t.closes[MR_QUIC_CLOSE_IDLE], 1);
	rc = check_released(&t);
	mr_quic_server_stats(hs, &st);
	MR_TEST_EQ(st.conns + st.bytes_held + st.tls_sessions, 0);
out:
	mr_quic_server_free(other);
	if (hs != t.srv)
		mr_quic_server_free(hs);
	teardown(&t);
	return rc;
}

static int
test_quic_conn_handoff(void)
{
	return handoff(UINT32_MAX);
}

/*
 * The client closes before the hand-over (its CONNECTION_CLOSE reached the
 * handshake server): the draining connection still moves, and the owner's
 * server ends its draining period and releases everything.
 */
static int
test_quic_conn_handoff_draining(void)
{
	struct mr_quic_server *hs = NULL;
	ngtcp2_connection_close_error ccerr;
	struct mr_quic_server_stats st;
	uint8_t buf[MR_QUIC_MAX_PKT];
	ngtcp2_path_storage ps;
	struct mr_quic_conn *c;
	ngtcp2_ssize n;
	struct t t;
	int rc = -1;

	if (hs_handshake(&t, UINT32_MAX, &hs) != 0)
		goto out;
	c = t.sc;
	ngtcp2_connection_close_error_set_application_error(&ccerr, 0, NULL, 0);
	ngtcp2_path_storage_zero(&ps);
	n = ngtcp2_conn_write_connection_close(t.cl, &ps.path, NULL, buf, sizeof(buf), &ccerr,
					       t.now);
	MR_TEST_ASSERT(n > 0, "client CONNECTION_CLOSE");
	to_server(&t, buf, (size_t)n);
	client_free(&t);
	MR_TEST_ASSERT(!mr_quic_conn_is_open(c), "draining on the handshake server");
	MR_TEST_EQ(t.closings[MR_QUIC_CLOSE_PEER], 1);
	MR_TEST_EQ(mr_quic_server_detach(hs, c), 0);
	if (mr_quic_server_create(t.ep, mr_quic_conn_owner(c), &ops, &t, &t.srv) != 0)
		goto out;
	MR_TEST_EQ(mr_quic_server_attach(t.srv, c), 0);
	MR_TEST_EQ(t.opened, 2);
	pump(&t, 2000);
	MR_TEST_EQ(t.closes[MR_QUIC_CLOSE_PEER], 1);
	rc = check_released(&t);
	mr_quic_server_stats(hs, &st);
	MR_TEST_EQ(st.conns + st.bytes_held + st.tls_sessions, 0);
out:
	if (hs != t.srv)
		mr_quic_server_free(hs);
	teardown(&t);
	return rc;
}
MR_REGISTER_TEST(quic, conn_handoff_draining, test_quic_conn_handoff_draining);
MR_REGISTER_TEST(quic, conn_handoff, test_quic_conn_handoff);

static int
test_quic_conn_handoff_retry(void)
{
	return handoff(0);
}
MR_REGISTER_TEST(quic, conn_handoff_after_retry, test_quic_conn_handoff_retry);
