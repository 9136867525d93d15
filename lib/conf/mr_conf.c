/* SPDX-License-Identifier: BSD-3-Clause */
/* placeholder: being written */
typedef int mr_placeholder_t_;
