/*
 * outbox.c — letters waiting to be sent.
 *
 * A letter becomes a row here in the same transaction as the change that
 * caused it (a case opened, a deadline passed), so it can never be lost
 * between deciding and sending, and its idempotency key makes it
 * impossible to queue twice. A separate sender drains due rows and marks
 * each one sent, retried later, or failed; only a queued row can change,
 * so two senders racing cannot both send a letter.
 */
#include "store-private.h"

gint64
rd_store_outbox_enqueue(RdStore *store, const RdOutboxNew *o, gboolean *queued_r,
                        GError **error)
{
	g_return_val_if_fail(store != NULL && o != NULL && o->idem_key != NULL, 0);
	g_return_val_if_fail(o->to_addr != NULL && o->kind != NULL, 0);

	if (queued_r != NULL)
		*queued_r = FALSE;
	g_autofree char *to = rd_store_email_fold(o->to_addr);
	{
		g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_OUTBOX_INSERT);
		RdBind b = rd_bind_begin(st);
		rd_bind_id(&b, o->case_id);
		rd_bind_text(&b, o->idem_key);
		rd_bind_text(&b, o->kind);
		rd_bind_text(&b, o->language);
		rd_bind_text(&b, o->from_addr);
		rd_bind_text(&b, to);
		rd_bind_text(&b, o->subject);
		rd_bind_text(&b, o->message_id);
		rd_bind_blob(&b, o->raw, o->raw_len);
		rd_bind_text(&b, o->status != NULL ? o->status : "queued");
		rd_bind_int64(&b, o->next_try);
		rd_bind_int64(&b, o->created_at);
		rd_bind_text(&b, o->detail);
		rd_bind_int64(&b, o->responds_stage);
		if (!rd_bind_end(store, &b, "queueing a letter", error) ||
		    !rd_stmt_run(store, st, "queueing a letter", error))
			return 0;
		if (sqlite3_changes(store->db) > 0 && queued_r != NULL)
			*queued_r = TRUE;
	}
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_OUTBOX_GET_BY_KEY);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, o->idem_key);
	gboolean found = FALSE;
	if (!rd_bind_end(store, &b, "reading a queued letter", error) ||
	    !rd_stmt_row(store, st, &found, "reading a queued letter", error))
		return 0;
	if (!found) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_FAILED,
		            "queueing a letter: the row for %s vanished", o->idem_key);
		return 0;
	}
	return sqlite3_column_int64(st, 0);
}

void
rd_outbox_row_free(RdOutboxRow *o)
{
	if (o == NULL)
		return;
	g_free(o->idem_key);
	g_free(o->kind);
	g_free(o->language);
	g_free(o->from_addr);
	g_free(o->to_addr);
	g_free(o->subject);
	g_free(o->message_id);
	g_free(o->status);
	g_free(o->last_error);
	g_free(o->bounce_status);
	g_free(o->bounce_detail);
	g_free(o->detail);
	g_clear_pointer(&o->raw, g_bytes_unref);
	g_free(o);
}

/* Columns as listed in the OUTBOX_DUE / OUTBOX_FOR_CASE statements. */
static RdOutboxRow *
row_from(sqlite3_stmt *st)
{
	RdOutboxRow *o = g_new0(RdOutboxRow, 1);
	o->id = sqlite3_column_int64(st, 0);
	o->case_id = sqlite3_column_int64(st, 1);
	o->idem_key = rd_col_text(st, 2);
	o->kind = rd_col_text(st, 3);
	o->language = rd_col_text(st, 4);
	o->from_addr = rd_col_text(st, 5);
	o->to_addr = rd_col_text(st, 6);
	o->subject = rd_col_text(st, 7);
	o->message_id = rd_col_text(st, 8);
	o->status = rd_col_text(st, 9);
	o->attempts = sqlite3_column_int64(st, 10);
	o->next_try = sqlite3_column_int64(st, 11);
	o->created_at = sqlite3_column_int64(st, 12);
	o->sent_at = sqlite3_column_int64(st, 13);
	o->last_error = rd_col_text(st, 14);
	o->detail = rd_col_text(st, 15);
	if (sqlite3_column_type(st, 16) == SQLITE_BLOB)
		o->raw = g_bytes_new(sqlite3_column_blob(st, 16), (gsize)sqlite3_column_bytes(st, 16));
	o->bounced_at = sqlite3_column_int64(st, 17);
	o->bounce_status = rd_col_text(st, 18);
	o->bounce_detail = rd_col_text(st, 19);
	o->responds_stage = sqlite3_column_int(st, 20);
	return o;
}

static GPtrArray *
list_rows(RdStore *store, sqlite3_stmt *st, const char *doing, GError **error)
{
	int rc;
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)rd_outbox_row_free);
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		g_ptr_array_add(rows, row_from(st));
	}
	if (rc != SQLITE_DONE) {
		rd_store_fail(store, rc, doing, error);
		return NULL;
	}
	return g_steal_pointer(&rows);
}

GPtrArray *
rd_store_outbox_due(RdStore *store, gint64 now, guint limit, GError **error)
{
	g_return_val_if_fail(store != NULL, NULL);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_OUTBOX_DUE);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, now);
	rd_bind_int64(&b, limit);
	if (!rd_bind_end(store, &b, "listing due letters", error))
		return NULL;
	return list_rows(store, st, "listing due letters", error);
}

GPtrArray *
rd_store_outbox_for_case(RdStore *store, gint64 case_id, GError **error)
{
	g_return_val_if_fail(store != NULL, NULL);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_OUTBOX_FOR_CASE);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, case_id);
	if (!rd_bind_end(store, &b, "listing a case's letters", error))
		return NULL;
	return list_rows(store, st, "listing a case's letters", error);
}

GPtrArray *
rd_store_outbox_unfiled_to(RdStore *store, const char *to_addr, GError **error)
{
	g_return_val_if_fail(store != NULL && to_addr != NULL, NULL);
	g_autofree char *folded = rd_store_email_fold(to_addr);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_OUTBOX_UNFILED_TO);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, folded);
	if (!rd_bind_end(store, &b, "listing letters on no case", error))
		return NULL;
	return list_rows(store, st, "listing letters on no case", error);
}

gboolean
rd_store_outbox_raw(RdStore *store, gint64 id, GBytes **raw_r, GError **error)
{
	gboolean found;

	g_return_val_if_fail(store != NULL && raw_r != NULL, FALSE);
	*raw_r = NULL;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_OUTBOX_RAW);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, id);
	if (!rd_bind_end(store, &b, "reading a letter", error) ||
	    !rd_stmt_row(store, st, &found, "reading a letter", error))
		return FALSE;
	if (!found || sqlite3_column_type(st, 0) == SQLITE_NULL)
		return TRUE;
	const void *data = sqlite3_column_blob(st, 0);
	int len = sqlite3_column_bytes(st, 0);
	if (data == NULL && len > 0)   /* out of memory inside SQLite */
		return rd_store_fail(store, SQLITE_NOMEM, "reading a letter", error);
	*raw_r = g_bytes_new(data, (gsize)len);
	return TRUE;
}

gboolean
rd_store_outbox_find_by_message_id(RdStore *store, const char *message_id, RdOutboxRow **row_r,
                                   GError **error)
{
	g_return_val_if_fail(store != NULL && row_r != NULL, FALSE);
	*row_r = NULL;
	if (message_id == NULL || *message_id == '\0')
		return TRUE;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_OUTBOX_BY_MESSAGE_ID);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, message_id);
	if (!rd_bind_end(store, &b, "finding a letter by Message-ID", error))
		return FALSE;
	g_autoptr(GPtrArray) rows = list_rows(store, st, "finding a letter by Message-ID", error);
	if (rows == NULL)
		return FALSE;
	if (rows->len > 0)
		*row_r = g_ptr_array_steal_index(rows, 0);
	return TRUE;
}

gboolean
rd_store_outbox_mark_bounced(RdStore *store, gint64 id, gint64 at, const char *status, const char *detail,
                             gint64 msg_id, gboolean *marked_r, GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);
	const char *doing = "marking a letter bounced";
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_OUTBOX_MARK_BOUNCED);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, id);
	rd_bind_int64(&b, at);
	rd_bind_text(&b, status);
	rd_bind_text(&b, detail);
	rd_bind_int64(&b, msg_id);
	if (!rd_bind_end(store, &b, doing, error) || !rd_stmt_run(store, st, doing, error))
		return FALSE;
	if (marked_r != NULL)
		*marked_r = sqlite3_changes(store->db) > 0;
	return TRUE;
}

/* Run one of the state changes; NOT_FOUND when the row was not
 * queued, so the caller knows it lost a race or named the wrong letter. */
static gboolean
mark(RdStore *store, RdStmtId id_stmt, gint64 id, gint64 t, const char *text,
     const char *doing, GError **error)
{
	g_autoptr(RdStmt) st = rd_stmt(store, id_stmt);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, id);
	rd_bind_int64(&b, t);
	rd_bind_text(&b, text);
	if (!rd_bind_end(store, &b, doing, error) || !rd_stmt_run(store, st, doing, error))
		return FALSE;
	if (sqlite3_changes(store->db) == 0) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND,
		            "%s: letter %" G_GINT64_FORMAT " is not waiting to be sent", doing, id);
		return FALSE;
	}
	return TRUE;
}

gboolean
rd_store_outbox_mark_sent(RdStore *store, gint64 id, gint64 at, const char *detail,
                          GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);
	return mark(store, RD_STMT_OUTBOX_MARK_SENT, id, at, detail, "marking a letter sent", error);
}

gboolean
rd_store_outbox_mark_retry(RdStore *store, gint64 id, gint64 next_try, const char *reason,
                           GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);
	return mark(store, RD_STMT_OUTBOX_MARK_RETRY, id, next_try, reason,
	            "rescheduling a letter", error);
}

gboolean
rd_store_outbox_mark_failed(RdStore *store, gint64 id, gint64 at, const char *reason,
                            GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);
	return mark(store, RD_STMT_OUTBOX_MARK_FAILED, id, at, reason, "marking a letter failed", error);
}

gboolean
rd_store_outbox_withdraw(RdStore *store, gint64 id, gint64 at, const char *why, gboolean *withdrawn_r,
                         GError **error)
{
	g_return_val_if_fail(store != NULL && withdrawn_r != NULL, FALSE);
	g_autoptr(GError) err = NULL;
	*withdrawn_r = mark(store, RD_STMT_OUTBOX_WITHDRAW, id, at, why, "withdrawing a letter", &err);
	if (*withdrawn_r || g_error_matches(err, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND))
		return TRUE;
	g_propagate_error(error, g_steal_pointer(&err));
	return FALSE;
}

gint64
rd_store_outbox_count_to(RdStore *store, const char *to_addr, gint64 since, GError **error)
{
	g_return_val_if_fail(store != NULL && to_addr != NULL, -1);
	g_autofree char *to = rd_store_email_fold(to_addr);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_OUTBOX_COUNT_TO);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, to);
	rd_bind_int64(&b, since);
	gboolean found = FALSE;
	if (!rd_bind_end(store, &b, "counting letters", error) ||
	    !rd_stmt_row(store, st, &found, "counting letters", error))
		return -1;
	return found ? sqlite3_column_int64(st, 0) : 0;
}

gboolean
rd_store_outbox_copy_wanted(RdStore *store, gint64 id, GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_OUTBOX_COPY_WANTED);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, id);
	const char *doing = "asking for a copy of a sent letter";
	return rd_bind_end(store, &b, doing, error) && rd_stmt_run(store, st, doing, error);
}

GPtrArray *
rd_store_outbox_copies_due(RdStore *store, gint64 after_id, guint limit, GError **error)
{
	g_return_val_if_fail(store != NULL, NULL);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_OUTBOX_COPY_DUE);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, after_id);
	rd_bind_int64(&b, limit);
	if (!rd_bind_end(store, &b, "listing copies for the Sent folder", error))
		return NULL;
	return list_rows(store, st, "listing copies for the Sent folder", error);
}

gboolean
rd_store_outbox_copy_set(RdStore *store, gint64 id, const char *state, const char *reason,
                         GError **error)
{
	g_return_val_if_fail(store != NULL && state != NULL, FALSE);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_OUTBOX_COPY_SET);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, id);
	rd_bind_text(&b, state);
	rd_bind_text(&b, reason);
	const char *doing = "recording a copy in the Sent folder";
	return rd_bind_end(store, &b, doing, error) && rd_stmt_run(store, st, doing, error);
}
