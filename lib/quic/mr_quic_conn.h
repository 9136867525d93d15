/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_QUIC_CONN_H
#define MR_QUIC_CONN_H

/**
 * @file
 * QUIC termination with ngtcp2 and GnuTLS, driven only by explicit calls.
 *
 * An endpoint (struct mr_quic_endpoint) holds what every owner shares and
 * never writes after creation: the certificate and key, the ALPN list, the
 * CID configuration, the token secret and the limits. Each owner (one
 * lcore) has its own server (struct mr_quic_server) holding its
 * connections; a server has a single writer and no locks.
 *
 * The owner's loop drives a server with four calls and nothing else:
 *
 *  - mr_quic_server_recv(): one received UDP payload, its path (local and
 *    remote address) and the time now;
 *  - mr_quic_server_send(): the next packet to send (and where), until it
 *    returns 0;
 *  - mr_quic_server_expiry() / mr_quic_server_expire(): the earliest timer
 *    and handling the timers that are due, from the owner's TSC loop.
 *
 * No sockets, no threads, no blocking inside. Times are nanoseconds on
 * any monotonic clock the caller keeps (ngtcp2's unit).
 *
 * A connection is released (its ngtcp2 and TLS state freed, its CIDs
 * forgotten) after an idle timeout, a handshake timeout, the draining
 * period that follows the peer's CONNECTION_CLOSE or a stateless reset, or
 * the closing period after our own CONNECTION_CLOSE. on_close is called
 * just before; the connection pointer is invalid afterwards.
 *
 * Callbacks run inside mr_quic_server_recv() and mr_quic_server_expire();
 * from inside them, only mr_quic_conn_close() and the mr_quic_conn_
 * accessors may be called.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "mr_quic.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mr_quic_endpoint;
struct mr_quic_server;
struct mr_quic_conn;

/**
 * ALPN of RTP over QUIC: draft-ietf-avtcore-rtp-over-quic-14 reserves
 * "roq" for the RFC and asks draft implementations for "roq-<draft>".
 */
#define MR_QUIC_ALPN_ROQ "roq-14"
/** Most ALPN identifiers an endpoint accepts. */
#define MR_QUIC_ALPN_MAX 4
/** Buffer size that holds any packet mr_quic_server_send() writes. */
#define MR_QUIC_MAX_PKT 1500
/** Length of the endpoint's token secret. */
#define MR_QUIC_SECRET_LEN 32

/** Endpoint settings; zero fields take the defaults named. */
struct mr_quic_endpoint_conf {
	const char *cert_file;           /**< PEM certificate (chain) */
	const char *key_file;            /**< PEM private key */
	const char *alpn[MR_QUIC_ALPN_MAX]; /**< accepted ALPN ids; none: MR_QUIC_ALPN_ROQ */
	struct mr_quic_cid_conf cid;     /**< CID format, owners, hash key */
	uint8_t secret[MR_QUIC_SECRET_LEN]; /**< stateless reset and Retry tokens;
					      * all zero: random. Same on every
					      * instance behind one load balancer. */
	uint32_t idle_timeout_ms;        /**< max_idle_timeout; 30000 */
	uint32_t handshake_timeout_ms;   /**< 10000 */
	uint32_t max_datagram_frame_size; /**< RFC 9221 transport parameter; 1200 */
	uint32_t max_conns;              /**< connections per owner; 1024 */
	uint32_t retry_above;            /**< send Retry to new clients while an
					   * owner holds >= this many connections;
					   * 0: always; UINT32_MAX: never */
	/** ngtcp2's debug log (one line per call, no newline); NULL: none. */
	void (*log)(void *arg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
	void *log_arg;
};

/**
 * A ready-made mr_quic_endpoint_conf.log: each line to stderr (@p arg unused).
 */
void mr_quic_log_stderr(void *arg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * Create an endpoint: loads the certificate and key, checks the CID
 * configuration and the limits.
 *
 * @param conf
 *   Settings; copied.
 * @param[out] ep
 *   The endpoint.
 * @param err
 *   Receives a message naming the setting at fault; may be NULL.
 * @param errlen
 *   Size of @p err.
 * @return
 *   0, -EINVAL (bad setting, unreadable certificate or key) or -ENOMEM.
 */
int mr_quic_endpoint_create(const struct mr_quic_endpoint_conf *conf,
			    struct mr_quic_endpoint **ep, char *err, size_t errlen);

/** Free an endpoint. Every server created on it must be freed first. */
void mr_quic_endpoint_free(struct mr_quic_endpoint *ep);

/**
 * Change an endpoint's admission limits while its servers run (from any
 * one thread at a time): each server reads them at its next Initial.
 * Connections already held stay.
 *
 * @param max_conns
 *   A new connection is taken while its owner holds fewer than this:
 *   0 (none: draining) up to the max_conns the endpoint was created with
 *   (what the servers' tables hold). Above: quic_conn_limit.
 * @param retry_above
 *   As mr_quic_endpoint_conf.retry_above (0: always, UINT32_MAX: never).
 * @return
 *   0, or -EINVAL for max_conns above the created size (nothing changed).
 */
int mr_quic_endpoint_limits_set(struct mr_quic_endpoint *ep, uint32_t max_conns,
				uint32_t retry_above);

/** The limits in force, and the max_conns the endpoint was created with. */
void mr_quic_endpoint_limits(const struct mr_quic_endpoint *ep, uint32_t *max_conns,
			     uint32_t *retry_above, uint32_t *max_conns_cap);

/** The endpoint's CID configuration (for mr_quic_route()). */
const struct mr_quic_cid_conf *mr_quic_endpoint_cid(const struct mr_quic_endpoint *ep);

/** The two addresses of a datagram, or of a connection's path. */
struct mr_quic_path {
	struct sockaddr_storage local;
	struct sockaddr_storage remote;
	socklen_t local_len;
	socklen_t remote_len;
};

/** Why a connection was released. */
#define MR_QUIC_CLOSE_REASONS(X) \
	X(IDLE,              "idle") \
	X(PEER,              "peer_close") \
	X(STATELESS_RESET,   "stateless_reset") \
	X(LOCAL,             "local_close") \
	X(HANDSHAKE_TIMEOUT, "handshake_timeout") \
	X(ERROR,             "error") \
	X(DROPPED,           "dropped") \
	X(SHUTDOWN,          "shutdown")

/** Release reasons; see MR_QUIC_CLOSE_REASONS. */
enum mr_quic_close_reason {
#define MR_QUIC_CLOSE_ENUM_(sym, name) MR_QUIC_CLOSE_##sym,
	MR_QUIC_CLOSE_REASONS(MR_QUIC_CLOSE_ENUM_)
#undef MR_QUIC_CLOSE_ENUM_
	MR_QUIC_CLOSE__MAX
};

/** Name of a release reason, or "invalid". */
const char *mr_quic_close_name(enum mr_quic_close_reason r);

/** What a server tells its owner. Any member may be NULL. */
struct mr_quic_server_ops {
	/** The handshake completed (TLS 1.3, ALPN agreed). */
	void (*on_open)(struct mr_quic_conn *c, void *arg);
	/** A DATAGRAM frame arrived; @p data is valid during the call only. */
	void (*on_datagram)(struct mr_quic_conn *c, const uint8_t *data, size_t len, void *arg);
	/** The peer's address changed (NAT rebinding or migration). */
	void (*on_path)(struct mr_quic_conn *c, const struct sockaddr *from,
			const struct sockaddr *to, void *arg);
	/**
	 * The connection stopped carrying data, once, before on_close: it
	 * entered its closing period (our CONNECTION_CLOSE) or its draining
	 * period (the peer's CONNECTION_CLOSE or stateless reset), or it is
	 * released without either (idle or handshake timeout, dropped,
	 * shutdown). From here on no datagram is delivered and none can be
	 * written; @p why is the reason it will be released with.
	 */
	void (*on_closing)(struct mr_quic_conn *c, enum mr_quic_close_reason why, void *arg);
	/** The connection is being released; @p c is invalid after return. */
	void (*on_close)(struct mr_quic_conn *c, enum mr_quic_close_reason why, void *arg);
	/**
	 * A handshake server's question: how many connections @p owner holds
	 * now, for the endpoint's max_conns and retry_above. NULL (or another
	 * server): the server's own count.
	 */
	uint32_t (*owner_conns)(uint16_t owner, void *arg);
};

/** Counters and gauges of one server (read by its owner, or after it stops). */
struct mr_quic_server_stats {
	uint64_t conns;              /**< connections held now */
	uint64_t bytes_held;         /**< heap bytes held by connections (ours and ngtcp2's) */
	uint64_t tls_sessions;       /**< GnuTLS sessions alive */
	uint64_t accepted;           /**< connections created */
	uint64_t handshakes;         /**< handshakes completed */
	uint64_t released[MR_QUIC_CLOSE__MAX]; /**< releases by reason */
	uint64_t rx_pkts;            /**< datagrams given to recv */
	uint64_t tx_pkts;            /**< packets handed out by send and write_roq */
	uint64_t dgrams_rx;          /**< DATAGRAM frames received */
	uint64_t dgrams_tx;          /**< DATAGRAM frames written */
	uint64_t dgrams_lost;        /**< DATAGRAM frames ngtcp2 declared lost */
	uint64_t path_changes;       /**< peer address changes seen */
	uint64_t paths_validated;    /**< path validations that succeeded */
	uint64_t paths_failed;       /**< path validations that failed */
	uint64_t retries_sent;       /**< Retry packets */
	uint64_t vn_sent;            /**< Version Negotiation packets */
	uint64_t resets_sent;        /**< stateless resets */
	uint64_t handed_out;         /**< open connections detached for another server */
	uint64_t handed_in;          /**< connections attached from another server */
	uint64_t drops[MR_QUIC_DROP__MAX]; /**< datagrams not taken, by reason */
};

/**
 * mr_quic_server_create()'s owner for a server that makes connections for
 * others: a handshake server. Each new connection gets the owner that
 * mr_quic_route() gives its first packet (the owner octet of a DCID of
 * ours after Retry, else the keyed hash of the client's DCID), its CIDs
 * name that owner, and once open it is handed over to that owner's server
 * (mr_quic_server_detach(), mr_quic_server_attach()). A handshake server
 * never sends stateless resets: a CID it does not know may be a connection
 * that its owner holds now.
 */
#define MR_QUIC_OWNER_ROUTE UINT16_MAX

/**
 * Create the server of one owner. Its tables (CIDs, timers, the queue of
 * stateless replies) are allocated here, sized by conf->max_conns.
 *
 * @param ep
 *   The endpoint.
 * @param owner
 *   This owner's index (< ep's cid.n_owners): the CIDs it issues carry it;
 *   or MR_QUIC_OWNER_ROUTE for a handshake server.
 * @param ops
 *   Callbacks; copied. NULL: none.
 * @param arg
 *   Passed to the callbacks.
 * @param[out] s
 *   The server.
 * @return
 *   0, -EINVAL (owner out of range) or -ENOMEM.
 */
int mr_quic_server_create(struct mr_quic_endpoint *ep, uint16_t owner,
			  const struct mr_quic_server_ops *ops, void *arg,
			  struct mr_quic_server **s);

/** Release every connection (reason shutdown, nothing sent) and free @p s. */
void mr_quic_server_free(struct mr_quic_server *s);

/**
 * Whether @p cid (a DCID) names one of the server's connections now.
 */
bool mr_quic_server_has_cid(const struct mr_quic_server *s, const uint8_t *cid, size_t len);

/**
 * Take an open connection out of its server, to hand it to the server of
 * its owner (mr_quic_server_attach()), on another thread if need be: its
 * keys leave the CID table, its timer the heap, its bytes the server's
 * count; nothing is sent or freed, and no callback runs. Call it between
 * recv/expire and send only after send returned 0 (what it had to send is
 * sent). Its user pointer is cleared. A connection that opened and then
 * started closing (mr_quic_conn_is_open() false) may be handed over too:
 * it goes on with its closing or draining period on the new server, whose
 * on_open runs for it but not on_closing (its owner asks).
 * @return
 *   0, or -EINVAL when @p c is not @p s's, or its handshake did not complete.
 */
int mr_quic_server_detach(struct mr_quic_server *s, struct mr_quic_conn *c);

/**
 * Give a detached connection to server @p s (of the owner its CIDs name):
 * its keys, timer and bytes join @p s, it is queued for send, and @p s's
 * on_open runs for it. From here only @p s's thread touches it.
 * @return
 *   0; -EINVAL (@p c is attached, or its owner is not @p s's: nothing
 *   done); -ENOSPC (no room in @p s's tables: the connection was released,
 *   reason dropped, without a CONNECTION_CLOSE).
 */
int mr_quic_server_attach(struct mr_quic_server *s, struct mr_quic_conn *c);

/**
 * Free a detached connection that will never be attached (shutdown while it
 * was between servers). Nothing is sent. No-op for an attached one.
 */
void mr_quic_conn_discard(struct mr_quic_conn *c);

/** The owner the connection's CIDs name. */
uint16_t mr_quic_conn_owner(const struct mr_quic_conn *c);

/**
 * Take one received UDP payload: finds its connection by DCID and feeds it
 * to ngtcp2, or accepts a new connection from an Initial (after Retry when
 * the owner is loaded), or queues a stateless reply (Version Negotiation,
 * Retry, stateless reset). Does not keep @p pkt.
 *
 * @param s
 *   The server.
 * @param path
 *   Local and remote address of the datagram.
 * @param pkt
 *   The UDP payload.
 * @param len
 *   Its length.
 * @param now
 *   Time now, ns.
 * @return
 *   MR_QUIC_OK when the datagram was processed, else the drop reason
 *   (already counted in the stats).
 */
enum mr_quic_drop mr_quic_server_recv(struct mr_quic_server *s, const struct mr_quic_path *path,
				      const uint8_t *pkt, size_t len, uint64_t now);

/**
 * As mr_quic_server_recv(), for a datagram only a connection the server
 * holds may take (by its DCID, or by a peer's stateless reset token): one
 * table lookup, where a caller that would look first and then call recv
 * makes two. When none holds it, nothing is done or counted, @p held is
 * false and the caller hands the datagram elsewhere (to the handshake
 * server, say).
 * @return
 *   As mr_quic_server_recv(); MR_QUIC_OK when not held.
 */
enum mr_quic_drop mr_quic_server_recv_held(struct mr_quic_server *s,
					   const struct mr_quic_path *path, const uint8_t *pkt,
					   size_t len, uint64_t now, bool *held);

/**
 * The next packet to send: stateless replies first, then the packets of
 * connections with something to send (handshake, ACKs, probes, path
 * challenges, CONNECTION_CLOSE). Call until it returns 0 after each recv
 * and expire.
 *
 * @param s
 *   The server.
 * @param now
 *   Time now, ns.
 * @param buf
 *   Receives the packet.
 * @param cap
 *   Size of @p buf, at least MR_QUIC_MAX_PKT.
 * @param[out] path
 *   Where to send it from and to.
 * @return
 *   Packet length, or 0 when nothing is left to send.
 */
size_t mr_quic_server_send(struct mr_quic_server *s, uint64_t now, uint8_t *buf, size_t cap,
			   struct mr_quic_path *path);

/** The earliest timer of any connection (ns), UINT64_MAX when none. */
uint64_t mr_quic_server_expiry(const struct mr_quic_server *s);

/**
 * Handle every timer due at @p now: loss detection, ACK delay, path
 * validation, idle and handshake timeouts (which release), the end of
 * closing and draining periods (which release). Call mr_quic_server_send()
 * afterwards.
 *
 * @return
 *   Connections whose timer was handled.
 */
unsigned int mr_quic_server_expire(struct mr_quic_server *s, uint64_t now);

/** Copy the server's counters and gauges. */
void mr_quic_server_stats(const struct mr_quic_server *s, struct mr_quic_server_stats *st);

/**
 * Write one packet carrying a RoQ datagram (flow identifier + @p payload)
 * and whatever else the connection has to send.
 *
 * A return > 0 with *accepted false means the packet carries other frames
 * only: send it and call again. 0 with *accepted false means the
 * connection cannot send now (congestion window, or anti-amplification
 * limit on a path not yet validated): the caller keeps or drops the
 * payload.
 *
 * @param c
 *   An open connection (handshake completed).
 * @param now
 *   Time now, ns.
 * @param flow
 *   RoQ flow identifier.
 * @param payload
 *   RTP or RTCP packet.
 * @param len
 *   Its length (> 0).
 * @param buf
 *   Receives the packet.
 * @param cap
 *   Size of @p buf, at least MR_QUIC_MAX_PKT.
 * @param[out] path
 *   Where to send it.
 * @param[out] accepted
 *   Whether the datagram is in the packet.
 * @return
 *   Packet length (>= 0), or -ENOTCONN (handshake not completed, or
 *   closing), -EOPNOTSUPP (the peer takes no DATAGRAM frames), -EMSGSIZE
 *   (larger than the peer's max_datagram_frame_size), -EINVAL (bad flow or
 *   empty payload), -EPIPE (the connection failed: it is closing).
 */
ssize_t mr_quic_conn_write_roq(struct mr_quic_conn *c, uint64_t now, uint64_t flow,
			       const uint8_t *payload, size_t len, uint8_t *buf, size_t cap,
			       struct mr_quic_path *path, bool *accepted);

/**
 * Close a connection with an application error code: its CONNECTION_CLOSE
 * goes out through mr_quic_server_send(), and it is released when the
 * closing period (three PTOs) ends. May be called from callbacks.
 */
void mr_quic_conn_close(struct mr_quic_conn *c, uint64_t app_error);

/** Whether the handshake has completed and the connection is not closing. */
bool mr_quic_conn_is_open(const struct mr_quic_conn *c);

/** The connection's current path (the peer's address may change). */
const struct mr_quic_path *mr_quic_conn_path(const struct mr_quic_conn *c);

/** A number that names the connection in logs (unique per server). */
uint64_t mr_quic_conn_serial(const struct mr_quic_conn *c);

/** The owner's pointer for this connection (NULL until set). */
void *mr_quic_conn_user(const struct mr_quic_conn *c);

/** Set the owner's pointer for this connection. */
void mr_quic_conn_set_user(struct mr_quic_conn *c, void *user);

#ifdef __cplusplus
}
#endif

#endif /* MR_QUIC_CONN_H */
