/*
 * quarantine.c — the message sources that crashed the parser.
 *
 * A row is written by whichever process finds the parse-journal note of a
 * run that died (daemon/inbound/journal.c) and read by the ingest pipeline
 * and the fetch pass before they parse anything: a source on this list is
 * stored as it is, unparsed, and put in triage. See schema.c, version 6.
 */
#include "store-private.h"

gboolean
rd_store_quarantine_note(RdStore *store, const char *source, gboolean crashed, gboolean alone,
                         const char *signal, const char *version, gint64 at, GError **error)
{
	g_return_val_if_fail(store != NULL && source != NULL && version != NULL, FALSE);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_QUARANTINE_NOTE);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, source);
	/* A crash named by a signal is proof; a run that only stopped while
	 * this source was parsed alone is one more attempt; any other stop
	 * only makes it a suspect (see daemon/inbound/journal.c). */
	rd_bind_int64(&b, !crashed && alone ? 1 : 0);
	rd_bind_int64(&b, crashed ? 1 : 0);
	rd_bind_text(&b, signal);
	rd_bind_text(&b, version);
	rd_bind_int64(&b, at);
	return rd_bind_end(store, &b, "recording a message that crashed the parser", error) &&
	       rd_stmt_run(store, st, "recording a message that crashed the parser", error);
}

void
rd_quarantine_free(RdQuarantine *q)
{
	if (q == NULL)
		return;
	g_free(q->source);
	g_free(q->signal);
	g_free(q->version);
	g_free(q);
}

GPtrArray *
rd_store_quarantine_list(RdStore *store, GError **error)
{
	g_return_val_if_fail(store != NULL, NULL);

	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)rd_quarantine_free);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_QUARANTINE_LIST);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		RdQuarantine *q = g_new0(RdQuarantine, 1);
		q->source = rd_col_text(st, 0);
		q->attempts = sqlite3_column_int64(st, 1);
		q->crashed = sqlite3_column_int(st, 2) != 0;
		q->signal = rd_col_text(st, 3);
		q->version = rd_col_text(st, 4);
		q->first_at = sqlite3_column_int64(st, 5);
		q->last_at = sqlite3_column_int64(st, 6);
		q->msg_id = sqlite3_column_int64(st, 7);
		g_ptr_array_add(out, q);
	}
	if (rc != SQLITE_DONE) {
		rd_store_fail(store, rc, "listing messages that crashed the parser", error);
		return NULL;
	}
	return g_steal_pointer(&out);
}

gboolean
rd_store_quarantine_set_message(RdStore *store, const char *source, gint64 msg_id, GError **error)
{
	g_return_val_if_fail(store != NULL && source != NULL, FALSE);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_QUARANTINE_SET_MESSAGE);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, source);
	rd_bind_id(&b, msg_id);
	return rd_bind_end(store, &b, "recording where a quarantined message is", error) &&
	       rd_stmt_run(store, st, "recording where a quarantined message is", error);
}

gboolean
rd_store_quarantine_forget(RdStore *store, const char *source, GError **error)
{
	g_return_val_if_fail(store != NULL && source != NULL, FALSE);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_QUARANTINE_FORGET);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, source);
	return rd_bind_end(store, &b, "taking a message out of quarantine", error) &&
	       rd_stmt_run(store, st, "taking a message out of quarantine", error);
}

static gboolean
run_with_id(RdStore *store, RdStmtId id, gint64 msg_id, const char *doing, GError **error)
{
	g_autoptr(RdStmt) st = rd_stmt(store, id);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, msg_id);
	return rd_bind_end(store, &b, doing, error) && rd_stmt_run(store, st, doing, error);
}

gboolean
rd_store_message_drop_unparsed(RdStore *store, gint64 msg_id, gboolean *dropped_r, GError **error)
{
	g_return_val_if_fail(store != NULL && dropped_r != NULL, FALSE);

	*dropped_r = FALSE;
	gboolean found = FALSE;
	{
		g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_UNPARSED_CHECK);
		RdBind b = rd_bind_begin(st);
		rd_bind_int64(&b, msg_id);
		if (!rd_bind_end(store, &b, "checking an unparsed message", error) ||
		    !rd_stmt_row(store, st, &found, "checking an unparsed message", error))
			return FALSE;
	}
	if (!found)
		return TRUE;
	if (!run_with_id(store, RD_STMT_UNPARSED_DROP_TRIAGE, msg_id, "taking back an unparsed message", error) ||
	    !run_with_id(store, RD_STMT_UNPARSED_DROP_ROUTES, msg_id, "taking back an unparsed message", error) ||
	    !run_with_id(store, RD_STMT_UNPARSED_UNLINK, msg_id, "taking back an unparsed message", error) ||
	    !run_with_id(store, RD_STMT_UNPARSED_DROP, msg_id, "taking back an unparsed message", error))
		return FALSE;
	*dropped_r = TRUE;
	return TRUE;
}
