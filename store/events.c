/*
 * events.c — the case journey (events) and the triage queue.
 *
 * Events are append-only: one row per thing that happened to a case (who,
 * when, what, optionally which message). They are read back by time, ties
 * broken by insertion order, which is the order things were decided in.
 *
 * Triage holds messages a person must look at (unmatched, ambiguous,
 * reference from a stranger). Each message has at most one triage row
 * (UNIQUE msg_id); resolving stamps it rather than deleting it, so the
 * decision and its time stay on record. Open items are those with no
 * resolved_at; a partial index keeps listing them cheap however long the
 * history grows.
 */
#include "store-private.h"

/* ---- events ------------------------------------------------------------- */

gint64
rd_store_event_add(RdStore *store, gint64 case_id, gint64 at,
                   const char *actor, const char *type, const char *detail,
                   gint64 msg_id, GError **error)
{
	g_return_val_if_fail(store != NULL && type != NULL, 0);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_EVENT_ADD);
	RdBind b = rd_bind_begin(st);
	rd_bind_id(&b, case_id);
	rd_bind_int64(&b, at);
	rd_bind_text(&b, actor);
	rd_bind_text(&b, type);
	rd_bind_text(&b, detail);
	rd_bind_id(&b, msg_id);
	if (!rd_bind_end(store, &b, "recording event", error) ||
	    !rd_stmt_run(store, st, "recording event", error))
		return 0;
	return sqlite3_last_insert_rowid(store->db);
}

void
rd_event_free(RdEvent *e)
{
	if (e == NULL)
		return;
	g_free(e->actor);
	g_free(e->type);
	g_free(e->detail);
	g_free(e);
}

GPtrArray *
rd_store_events_for_case(RdStore *store, gint64 case_id, GError **error)
{
	int rc;

	g_return_val_if_fail(store != NULL, NULL);

	g_autoptr(GPtrArray) events =
		g_ptr_array_new_with_free_func((GDestroyNotify)rd_event_free);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_EVENTS_FOR_CASE);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, case_id);
	if (!rd_bind_end(store, &b, "listing events", error))
		return NULL;
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		RdEvent *e = g_new0(RdEvent, 1);
		e->id = sqlite3_column_int64(st, 0);
		e->case_id = sqlite3_column_int64(st, 1);
		e->at = sqlite3_column_int64(st, 2);
		e->msg_id = sqlite3_column_int64(st, 3);
		e->actor = rd_col_text(st, 4);
		e->type = rd_col_text(st, 5);
		e->detail = rd_col_text(st, 6);
		g_ptr_array_add(events, e);
	}
	if (rc != SQLITE_DONE) {
		rd_store_fail(store, rc, "listing events", error);
		return NULL;
	}
	return g_steal_pointer(&events);
}

/* ---- triage ------------------------------------------------------------- */

gboolean
rd_store_triage_add(RdStore *store, gint64 msg_id, const char *reason,
                    const char *suggestion, gint64 at, GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_TRIAGE_ADD);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, msg_id);
	rd_bind_text(&b, reason);
	rd_bind_text(&b, suggestion);
	rd_bind_int64(&b, at);
	return rd_bind_end(store, &b, "adding triage item", error) &&
	       rd_stmt_run(store, st, "adding triage item", error);
}

void
rd_triage_item_free(RdTriageItem *t)
{
	if (t == NULL)
		return;
	g_free(t->reason);
	g_free(t->suggestion);
	g_free(t->message_id);
	g_free(t->from_email);
	g_free(t->subject);
	g_free(t->kind);
	g_free(t->problem);
	g_free(t);
}

GPtrArray *
rd_store_triage_list(RdStore *store, GError **error)
{
	int rc;

	g_return_val_if_fail(store != NULL, NULL);

	g_autoptr(GPtrArray) items =
		g_ptr_array_new_with_free_func((GDestroyNotify)rd_triage_item_free);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_TRIAGE_LIST);
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		RdTriageItem *t = g_new0(RdTriageItem, 1);
		t->id = sqlite3_column_int64(st, 0);
		t->msg_id = sqlite3_column_int64(st, 1);
		t->created_at = sqlite3_column_int64(st, 2);
		t->reason = rd_col_text(st, 3);
		t->suggestion = rd_col_text(st, 4);
		t->message_id = rd_col_text(st, 5);
		t->from_email = rd_col_text(st, 6);
		t->subject = rd_col_text(st, 7);
		t->kind = rd_col_text(st, 8);
		t->received_at = sqlite3_column_int64(st, 9);
		t->problem = rd_col_text(st, 10);
		g_ptr_array_add(items, t);
	}
	if (rc != SQLITE_DONE) {
		rd_store_fail(store, rc, "listing triage", error);
		return NULL;
	}
	return g_steal_pointer(&items);
}

gboolean
rd_store_triage_resolve(RdStore *store, gint64 msg_id, const char *resolution,
                        gint64 at, GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_TRIAGE_RESOLVE);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, msg_id);
	rd_bind_text(&b, resolution);
	rd_bind_int64(&b, at);
	if (!rd_bind_end(store, &b, "resolving triage item", error) ||
	    !rd_stmt_run(store, st, "resolving triage item", error))
		return FALSE;
	if (sqlite3_changes(store->db) == 0) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND,
		            "resolving triage item: message %" G_GINT64_FORMAT
		            " has no open triage item", msg_id);
		return FALSE;
	}
	return TRUE;
}
