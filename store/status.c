/*
 * status.c — what the daemon says about itself, for `redress status`.
 *
 * Two small tables (schema version 2). mailbox_status has one row per
 * watched mailbox, written whole by that mailbox's watcher thread when its
 * state changes (connected, a fetch pass finished, an error); daemon_status
 * has one row, the heartbeat, written by the daemon's main thread every
 * few seconds. Another process (`redress status`) reads both through its
 * own connection; WAL lets it read while the daemon writes.
 *
 * Nothing here is part of the case file: the rows are written in their
 * own implicit transactions, never inside an ingest transaction, and
 * losing them loses nothing but the display.
 *
 * "Not known" is NULL in the tables: a time of 0, or a waiting count
 * below 0, is stored as NULL and read back as 0 / -1.
 */
#include <string.h>
#include "store-private.h"

void
rd_mailbox_status_free(RdMailboxStatus *s)
{
	if (s == NULL)
		return;
	g_free(s->mailbox);
	g_free(s->last_error);
	g_free(s);
}

static void
bind_count(RdBind *b, gint64 v)
{
	b->idx++;
	if (b->rc != SQLITE_OK)
		return;
	b->rc = v < 0 ? sqlite3_bind_null(b->st, b->idx) : sqlite3_bind_int64(b->st, b->idx, v);
}

static gint64
col_count(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, col);
}

gboolean
rd_store_mailbox_status_set(RdStore *store, const RdMailboxStatus *s, GError **error)
{
	g_return_val_if_fail(store != NULL && s != NULL && s->mailbox != NULL, FALSE);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_MAILBOX_STATUS_SET);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, s->mailbox);
	rd_bind_int64(&b, s->connected ? 1 : 0);
	rd_bind_id(&b, s->last_fetch);
	rd_bind_text(&b, s->last_error);
	rd_bind_id(&b, s->last_error_at);
	bind_count(&b, s->waiting);
	rd_bind_int64(&b, s->updated_at);
	return rd_bind_end(store, &b, "writing mailbox status", error) &&
	       rd_stmt_run(store, st, "writing mailbox status", error);
}

GPtrArray *
rd_store_mailbox_status_list(RdStore *store, GError **error)
{
	g_return_val_if_fail(store != NULL, NULL);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_MAILBOX_STATUS_LIST);
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify)rd_mailbox_status_free);
	for (;;) {
		int rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			rd_store_fail(store, rc, "reading mailbox status", error);
			return NULL;
		}
		RdMailboxStatus *s = g_new0(RdMailboxStatus, 1);
		s->mailbox = rd_col_text(st, 0);
		s->connected = sqlite3_column_int(st, 1) != 0;
		s->last_fetch = sqlite3_column_int64(st, 2);
		s->last_error = rd_col_text(st, 3);
		s->last_error_at = sqlite3_column_int64(st, 4);
		s->waiting = col_count(st, 5);
		s->updated_at = sqlite3_column_int64(st, 6);
		g_ptr_array_add(list, s);
	}
	return g_steal_pointer(&list);
}

gboolean
rd_store_mailbox_status_clear(RdStore *store, GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_MAILBOX_STATUS_CLEAR);
	return rd_stmt_run(store, st, "clearing mailbox status", error);
}

gboolean
rd_store_daemon_status_set(RdStore *store, const RdDaemonStatus *s, GError **error)
{
	g_return_val_if_fail(store != NULL && s != NULL, FALSE);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_DAEMON_STATUS_SET);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, s->pid);
	rd_bind_int64(&b, s->started_at);
	rd_bind_int64(&b, s->heartbeat_at);
	rd_bind_int64(&b, s->interval);
	rd_bind_id(&b, s->stopped_at);
	return rd_bind_end(store, &b, "writing the daemon heartbeat", error) &&
	       rd_stmt_run(store, st, "writing the daemon heartbeat", error);
}

gboolean
rd_store_daemon_status_get(RdStore *store, RdDaemonStatus *s_r, gboolean *found_r, GError **error)
{
	gboolean found = FALSE;

	g_return_val_if_fail(store != NULL && s_r != NULL && found_r != NULL, FALSE);

	memset(s_r, 0, sizeof *s_r);
	*found_r = FALSE;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_DAEMON_STATUS_GET);
	if (!rd_stmt_row(store, st, &found, "reading the daemon heartbeat", error))
		return FALSE;
	*found_r = found;
	if (!found)
		return TRUE;
	s_r->pid = sqlite3_column_int64(st, 0);
	s_r->started_at = sqlite3_column_int64(st, 1);
	s_r->heartbeat_at = sqlite3_column_int64(st, 2);
	s_r->interval = sqlite3_column_int64(st, 3);
	s_r->stopped_at = sqlite3_column_int64(st, 4);
	return TRUE;
}

gboolean
rd_store_outbox_counts(RdStore *store, RdOutboxCounts *c_r, GError **error)
{
	g_return_val_if_fail(store != NULL && c_r != NULL, FALSE);

	memset(c_r, 0, sizeof *c_r);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_OUTBOX_COUNTS);
	for (;;) {
		int rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			return TRUE;
		if (rc != SQLITE_ROW)
			return rd_store_fail(store, rc, "counting letters", error);
		const char *status = (const char *)sqlite3_column_text(st, 0);
		gint64 n = sqlite3_column_int64(st, 1);
		if (g_strcmp0(status, "queued") == 0) {
			c_r->queued = n;
			c_r->oldest_queued = sqlite3_column_int64(st, 2);
		}
		else if (g_strcmp0(status, "sent") == 0)
			c_r->sent = n;
		else if (g_strcmp0(status, "failed") == 0) {
			c_r->failed = n;
			/* A failed letter's next_try holds when it failed. */
			c_r->last_failed = sqlite3_column_int64(st, 3);
		}
		else if (g_strcmp0(status, "suppressed") == 0)
			c_r->suppressed = n;
	}
}
