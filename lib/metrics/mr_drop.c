/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The mrelay authors
 */

/*
 * The drop reason registry: the libraries' names and descriptions, checked
 * as they register, and published as data (/mrelay/drop_reasons, and
 * mr_drop_reasons_json() for mrelay --drop-reasons).
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_telemetry.h>

#include "mr_metrics.h"

/* The JSON of /mrelay/drop_reasons must fit DPDK 22.11's 16 KiB reply. */
#define MR_DROP_REPLY_MAX 15000

struct mr_drop_registry mr_drop_registry;

MR_DROP_REGISTER(metrics, MR_METRICS_DROPS)

static bool
word_ok(const char *s, size_t max)
{
	size_t n;

	if (s == NULL || s[0] == '\0')
		return false;
	n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_");
	return s[n] == '\0' && n <= max;
}

/* Printable ASCII without the characters JSON would need escaped. */
static bool
desc_ok(const char *s)
{
	size_t n;

	if (s == NULL || s[0] == '\0')
		return false;
	for (n = 0; s[n] != '\0'; n++)
		if (s[n] < 0x20 || s[n] > 0x7e || s[n] == '"' || s[n] == '\\' ||
		    n == MR_DROP_DESC_MAX)
			return false;
	return true;
}

static int
refuse(struct mr_drop_registry *reg, int rc, const char *fmt, ...)
{
	va_list ap;

	if (reg->refused++ == 0) {
		va_start(ap, fmt);
		vsnprintf(reg->error, sizeof(reg->error), fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Printable for a message: a registrant's string may be anything. */
static const char *
shown(const char *s)
{
	return s == NULL ? "(null)" : word_ok(s, MR_DROP_NAME_MAX) ? s : "(malformed)";
}

int
mr_drop_registry_add(struct mr_drop_registry *reg, const char *lib,
		     const struct mr_drop_desc *d, unsigned int n)
{
	unsigned int i, j;

	if (reg == NULL)
		return -EINVAL;
	if (!word_ok(lib, MR_DROP_NAME_MAX) || d == NULL || n == 0)
		return refuse(reg, -EINVAL, "library %s: no reasons or a malformed library name",
			      shown(lib));
	/* check everything first: a library registers whole or not at all */
	for (i = 0; i < n; i++) {
		if (d[i].id == MR_DROP_NONE || !word_ok(d[i].name, MR_DROP_NAME_MAX) ||
		    !desc_ok(d[i].desc))
			return refuse(reg, -EINVAL,
				      "library %s: reason %u (%s): id 0, or a malformed name or description",
				      lib, d[i].id, shown(d[i].name));
		if (d[i].id >= MR_DROP_CAPACITY)
			return refuse(reg, -ERANGE, "library %s: reason %s: id %u beyond %u",
				      lib, d[i].name, d[i].id, MR_DROP_CAPACITY - 1);
		if (reg->reason[d[i].id].name != NULL)
			return refuse(reg, -EEXIST, "library %s: reason %s: id %u is %s's %s",
				      lib, d[i].name, d[i].id, reg->reason[d[i].id].lib,
				      reg->reason[d[i].id].name);
		for (j = 1; j < reg->end; j++)
			if (reg->reason[j].name != NULL && strcmp(reg->reason[j].name, d[i].name) == 0)
				return refuse(reg, -EEXIST, "library %s: reason %s: name taken by %s",
					      lib, d[i].name, reg->reason[j].lib);
		for (j = 0; j < i; j++)
			if (d[j].id == d[i].id || strcmp(d[j].name, d[i].name) == 0)
				return refuse(reg, -EEXIST, "library %s: reason %s (id %u) listed twice",
					      lib, d[i].name, d[i].id);
	}
	for (i = 0; i < n; i++) {
		reg->reason[d[i].id] = (struct mr_drop_info){
			.name = d[i].name, .lib = lib, .desc = d[i].desc,
		};
		if (d[i].id >= reg->end)
			reg->end = d[i].id + 1;
	}
	return 0;
}

int
mr_drop_registry_check(const struct mr_drop_registry *reg, mr_drop_reason_t end,
		       char *err, size_t err_len)
{
	mr_drop_reason_t r;

	if (reg->refused != 0) {
		snprintf(err, err_len, "%u registration(s) refused; the first: %s",
			 reg->refused, reg->error);
		return -EEXIST;
	}
	for (r = MR_DROP_NONE + 1; r < end && r < MR_DROP_CAPACITY; r++) {
		if (reg->reason[r].name == NULL) {
			snprintf(err, err_len, "drop reason id %u has no name (a library's list was not registered)",
				 r);
			return -ENOENT;
		}
	}
	if (end > MR_DROP_CAPACITY) {
		snprintf(err, err_len, "ids up to %u expected, room for %u", end - 1,
			 MR_DROP_CAPACITY - 1);
		return -ENOENT;
	}
	return 0;
}

const struct mr_drop_info *
mr_drop_reason_info(mr_drop_reason_t reason)
{
	if (reason >= MR_DROP_CAPACITY || mr_drop_registry.reason[reason].name == NULL)
		return NULL;
	return &mr_drop_registry.reason[reason];
}

const char *
mr_drop_reason_name(mr_drop_reason_t reason)
{
	const struct mr_drop_info *i = mr_drop_reason_info(reason);

	if (reason == MR_DROP_NONE)
		return "none";
	return i != NULL ? i->name : "invalid";
}

mr_drop_reason_t
mr_drop_reason_end(void)
{
	return mr_drop_registry.end;
}

int
mr_drop_reasons_json(FILE *f)
{
	static const char *const col[] = {"id", "name", "library", "description"};
	mr_drop_reason_t r, end = mr_drop_reason_end();
	const struct mr_drop_info *i;
	unsigned int c;
	const char *sep;

	/* the strings were checked at registration: nothing to escape */
	fputc('{', f);
	for (c = 0; c < RTE_DIM(col); c++) {
		fprintf(f, "%s\"%s\":[", c == 0 ? "" : ",", col[c]);
		sep = "";
		for (r = MR_DROP_NONE + 1; r < end; r++) {
			i = mr_drop_reason_info(r);
			if (i == NULL)
				continue;
			if (c == 0)
				fprintf(f, "%s%u", sep, r);
			else
				fprintf(f, "%s\"%s\"", sep,
					c == 1 ? i->name : c == 2 ? i->lib : i->desc);
			sep = ",";
		}
		fputc(']', f);
	}
	fputs("}\n", f);
	return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}

static int
tel_error(struct rte_tel_data *d, const char *msg)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "status", "error");
	rte_tel_data_add_dict_string(d, "error", msg);
	return 0;
}

/* /mrelay/drop_reasons: the columns of mr_drop_reasons_json(). */
static int
drop_reasons_tel(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *col[4] = {NULL, NULL, NULL, NULL};
	static const char *const name[] = {"id", "name", "library", "description"};
	mr_drop_reason_t r, end = mr_drop_reason_end();
	const struct mr_drop_info *i;
	size_t bytes = 64;
	unsigned int c;
	int rc = 0;

	/* (parameters are not echoed: DPDK 22.11 would not escape their bytes) */
	if (params != NULL && params[0] != '\0')
		return tel_error(d, "drop_reasons takes no parameters");
	for (r = MR_DROP_NONE + 1; r < end; r++) {
		i = mr_drop_reason_info(r);
		if (i != NULL)
			bytes += 4 + strlen(i->name) + strlen(i->lib) + strlen(i->desc) + 12;
	}
	if (bytes > MR_DROP_REPLY_MAX)
		return tel_error(d, "the list is larger than a telemetry reply: use mrelay --drop-reasons");
	for (c = 0; c < RTE_DIM(col); c++) {
		col[c] = rte_tel_data_alloc();
		if (col[c] == NULL) {
			rc = -ENOMEM;
			break;
		}
		rte_tel_data_start_array(col[c], c == 0 ? RTE_TEL_INT_VAL : RTE_TEL_STRING_VAL);
	}
	for (r = MR_DROP_NONE + 1; rc == 0 && r < end; r++) {
		i = mr_drop_reason_info(r);
		if (i == NULL)
			continue;
		rc = rte_tel_data_add_array_int(col[0], (int)r);
		rc |= rte_tel_data_add_array_string(col[1], i->name);
		rc |= rte_tel_data_add_array_string(col[2], i->lib);
		rc |= rte_tel_data_add_array_string(col[3], i->desc);
	}
	if (rc != 0) {
		for (c = 0; c < RTE_DIM(col); c++)
			rte_tel_data_free(col[c]);
		return tel_error(d, "internal: cannot build the reply");
	}
	rte_tel_data_start_dict(d);
	for (c = 0; c < RTE_DIM(col); c++)
		if (rte_tel_data_add_dict_container(d, name[c], col[c], 0) != 0)
			rte_tel_data_free(col[c]);
	return 0;
}

RTE_INIT(mr_drop_telemetry_init)
{
	/* no error path here: a missing command shows as an unknown one */
	rte_telemetry_register_cmd("/mrelay/drop_reasons", drop_reasons_tel,
				   "Every drop reason: columns id, name, library, description. No parameters");
}
