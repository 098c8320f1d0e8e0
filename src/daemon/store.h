/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A write-ahead log of text records, one per line, each guarded by a
 * CRC-32 so that a torn or corrupt line is recognised at load. Records are
 * buffered and written by store_commit() with one fdatasync() for the
 * whole batch (group commit). store_compact() rewrites the log as the
 * records that recreate the current state, atomically. */

#include <stdbool.h>
#include <stddef.h>

typedef struct Store Store;

/* Called for every intact record at open; fields are split at spaces.
 * A negative return is logged with the record's line and the record skipped. */
typedef int (*store_record_fn)(char **fields, size_t n_fields, void *userdata);
/* Called by store_compact() to emit the current state with store_append(). */
typedef int (*store_dump_fn)(Store *s, void *userdata);

int store_open(const char *dir, const char *name, store_record_fn fn, void *userdata, Store **ret);
Store *store_free(Store *s);

void store_append(Store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool store_has_pending(const Store *s);
/* What is buffered now, and cutting the buffer back to it: a call that
 * fails takes its own records out of the batch. */
size_t store_mark(const Store *s);
void store_rollback(Store *s, size_t mark);
/* On failure the batch stays buffered, for the next attempt; -ENOMEM
 * (records were dropped) and -ENOTRECOVERABLE (the log could not be cut
 * back to its durable end, or records were dropped before) mean it is
 * gone, and every later commit fails too. */
int store_commit(Store *s);
/* -ENOSPC (or another error) if `more` bytes past what is buffered may not
 * find room on disk at the next commit. */
int store_reserve(Store *s, size_t more);
bool store_wants_compaction(const Store *s);
int store_compact(Store *s, store_dump_fn fn, void *userdata);
const char *store_path(const Store *s);

/* Text that may hold anything travels hex-encoded. */
char *hex_encode(const char *s);
char *hex_decode(const char *s);
