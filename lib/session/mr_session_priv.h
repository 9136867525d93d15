/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

#ifndef MR_SESSION_PRIV_H
#define MR_SESSION_PRIV_H

/* Internal to lib/session. */

#include <stdint.h>

/*
 * A number in min..max as the keys write it: decimal without sign,
 * blanks or leading zero, or 0x and 1..8 hex digits. 0 or -EINVAL.
 */
int mr_spec_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

#endif /* MR_SESSION_PRIV_H */
