/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_BENCODE_H
#define MR_BENCODE_H

/**
 * @file
 * Bencode (dictionaries, lists, integers, byte strings) for the rtpengine
 * "ng" control protocol: a zero-copy decoder and a bounded encoder.
 *
 * Decoding fills a caller-provided array of nodes in pre-order; byte
 * strings point into the caller's buffer (they are not NUL-terminated),
 * so a message costs no heap allocation. Every container node knows the
 * size of its subtree, so walking siblings is pointer arithmetic:
 *
 * @code
 *	const struct mr_bencode_node *c;
 *	for (c = mr_bencode_first(list); c != NULL; c = mr_bencode_next(list, c))
 *		...
 * @endcode
 *
 * What is accepted (rtpengine's reading, made strict where it is lax):
 * - dictionary keys in any order: rtpengine and Kamailio do not sort them;
 * - a duplicate key in one dictionary is refused (rtpengine keeps the
 *   first; two readers that could disagree on the value are worse than an
 *   error);
 * - integers: an optional '-', then digits with no leading zero; "i-0e",
 *   "i03e", "i+1e", "ie" and values outside int64 are refused (rtpengine's
 *   own validator refuses the same, its decoder is laxer);
 * - string lengths: digits without a leading zero ("0:" is the empty
 *   string), no larger than what is left of the input;
 * - exactly one value: bytes after it are an error.
 *
 * No global state; every function is reentrant.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Node types. */
enum mr_bencode_type {
	MR_BENCODE_INT = 1,
	MR_BENCODE_STR,
	MR_BENCODE_LIST,
	MR_BENCODE_DICT,
};

/**
 * One decoded value. A dictionary's children alternate key (a string)
 * and value; its count is the number of pairs.
 */
struct mr_bencode_node {
	uint8_t type;      /**< enum mr_bencode_type */
	uint8_t depth;     /**< 0 for the top-level value */
	uint16_t reserved;
	uint32_t skip;     /**< nodes in this subtree, itself included */
	union {
		int64_t i;                 /**< MR_BENCODE_INT */
		struct {
			const char *p;     /**< into the decoded buffer */
			size_t len;
		} s;                       /**< MR_BENCODE_STR */
		uint32_t count;            /**< LIST: items, DICT: pairs */
	} u;
};

/** Decoder errors (mr_bencode_strerror() names them). */
enum mr_bencode_err {
	MR_BENCODE_OK = 0,
	MR_BENCODE_ERR_EMPTY,        /**< no input */
	MR_BENCODE_ERR_TRUNCATED,    /**< the input ends inside a value */
	MR_BENCODE_ERR_SYNTAX,       /**< a byte that cannot start or continue a value */
	MR_BENCODE_ERR_INT,          /**< malformed integer (leading zero, -0, no digit) */
	MR_BENCODE_ERR_RANGE,        /**< integer or length out of range */
	MR_BENCODE_ERR_KEY,          /**< a dictionary key that is not a string */
	MR_BENCODE_ERR_DUP_KEY,      /**< the same key twice in one dictionary */
	MR_BENCODE_ERR_DEPTH,        /**< nesting deeper than the limit */
	MR_BENCODE_ERR_NODES,        /**< more values than the node array holds */
	MR_BENCODE_ERR_TRAILING,     /**< bytes after the top-level value */
	MR_BENCODE_ERR_MAX
};

/** Where and why decoding failed. */
struct mr_bencode_error {
	enum mr_bencode_err code;
	size_t offset;   /**< byte offset in the input where the error was found */
};

/** Default nesting limit; ng messages need 4 levels. */
#define MR_BENCODE_DEPTH_DEFAULT 16
/** Hard nesting limit (the decoder recurses once per level). */
#define MR_BENCODE_DEPTH_MAX 64

/**
 * Decode one bencoded value.
 *
 * @param buf, len
 *   The input; it must outlive the nodes (strings point into it).
 * @param nodes, max_nodes
 *   The caller's node array; nodes[0] is the top-level value.
 * @param max_depth
 *   Nesting limit (0 means MR_BENCODE_DEPTH_DEFAULT; capped at
 *   MR_BENCODE_DEPTH_MAX). The top-level value is depth 0.
 * @param err
 *   Filled on failure (may be NULL).
 * @return
 *   The number of nodes used (>= 1), or -EINVAL with @p err set.
 */
int mr_bencode_decode(const char *buf, size_t len, struct mr_bencode_node *nodes,
		      unsigned int max_nodes, unsigned int max_depth,
		      struct mr_bencode_error *err);

/** A short, static description of an error code. */
const char *mr_bencode_strerror(enum mr_bencode_err code);

/** First child of a list, or first key of a dictionary; NULL when empty or not a container. */
const struct mr_bencode_node *mr_bencode_first(const struct mr_bencode_node *parent);

/**
 * The sibling after @p child inside @p parent, or NULL after the last.
 * In a dictionary the sibling of a key is its value and the sibling of a
 * value is the next key.
 */
const struct mr_bencode_node *mr_bencode_next(const struct mr_bencode_node *parent,
					      const struct mr_bencode_node *child);

/**
 * The value stored under @p key (length @p key_len) in a dictionary.
 * @return the value node, or NULL when absent or @p dict is not a dictionary.
 */
const struct mr_bencode_node *mr_bencode_dict_get_len(const struct mr_bencode_node *dict,
						      const char *key, size_t key_len);

/** mr_bencode_dict_get_len() with a NUL-terminated key. */
const struct mr_bencode_node *mr_bencode_dict_get(const struct mr_bencode_node *dict,
						  const char *key);

/**
 * Read a string node.
 * @return 0, or -EINVAL when @p n is NULL or not a string.
 */
int mr_bencode_get_str(const struct mr_bencode_node *n, const char **p, size_t *len);

/**
 * Read an integer node.
 * @return 0, or -EINVAL when @p n is NULL or not an integer.
 */
int mr_bencode_get_int(const struct mr_bencode_node *n, int64_t *v);

/** True when @p n is a string equal to the NUL-terminated @p s. */
bool mr_bencode_str_eq(const struct mr_bencode_node *n, const char *s);

/**
 * A bounded encoder. Writes go to a fixed buffer; the first write that
 * does not fit (or a container mismatch) marks the encoder failed and
 * later writes do nothing, so a caller checks once, in mr_bencode_enc_finish().
 */
struct mr_bencode_enc {
	char *buf;
	size_t cap;
	size_t len;
	int error;              /**< 0, -ENOSPC or -EINVAL */
	unsigned int depth;     /**< open containers */
};

/** Start encoding into @p buf of @p cap bytes. */
void mr_bencode_enc_init(struct mr_bencode_enc *e, char *buf, size_t cap);

/** Append raw bytes (for framing such as the ng cookie; not bencode). */
void mr_bencode_enc_raw(struct mr_bencode_enc *e, const void *p, size_t len);

/** Open a dictionary. Keys and values are then written alternately. */
void mr_bencode_enc_dict(struct mr_bencode_enc *e);

/** Open a list. */
void mr_bencode_enc_list(struct mr_bencode_enc *e);

/** Close the innermost open dictionary or list. */
void mr_bencode_enc_end(struct mr_bencode_enc *e);

/** Append a byte string. */
void mr_bencode_enc_str(struct mr_bencode_enc *e, const void *p, size_t len);

/** Append a NUL-terminated string. */
void mr_bencode_enc_cstr(struct mr_bencode_enc *e, const char *s);

/** Append an integer. */
void mr_bencode_enc_int(struct mr_bencode_enc *e, int64_t v);

/** Append key (NUL-terminated) and string value. */
void mr_bencode_enc_kv_str(struct mr_bencode_enc *e, const char *key, const void *p,
			   size_t len);

/** Append key and NUL-terminated string value. */
void mr_bencode_enc_kv_cstr(struct mr_bencode_enc *e, const char *key, const char *val);

/** Append key and integer value. */
void mr_bencode_enc_kv_int(struct mr_bencode_enc *e, const char *key, int64_t v);

/**
 * Check the encoding.
 * @return the number of bytes written; -ENOSPC when the buffer was too
 *   small; -EINVAL when a container was left open or closed twice.
 */
int64_t mr_bencode_enc_finish(const struct mr_bencode_enc *e);

#ifdef __cplusplus
}
#endif

#endif /* MR_BENCODE_H */
