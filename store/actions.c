/*
 * actions.c — learning actions: what a service will change because of
 * complaints, and their history (schema 11, schema.c).
 *
 * An action row holds its current state; every change to it is also an
 * action_events row (who, when, what), which is never updated. Its links
 * to cases are action_cases rows, read back as references. The rules of
 * which change may follow which are procedure/'s (learning.c), not ours:
 * this file stores what it is given.
 */
#include "store-private.h"

void
rd_learning_action_free(RdLearningAction *a)
{
	if (a == NULL)
		return;
	g_free(a->text);
	g_free(a->owner);
	g_free(a->authorised_by);
	g_free(a->due);
	g_free(a->status);
	g_free(a->evidence);
	g_free(a->done_on);
	g_free(a->service);
	g_free(a->created_by);
	g_free(a->reminded_for);
	g_free(a->overdue_for);
	if (a->cases != NULL)
		g_ptr_array_unref(a->cases);
	g_free(a);
}

/* One row of ACTION_COLS (stmts.c). */
static RdLearningAction *
read_action(sqlite3_stmt *st)
{
	RdLearningAction *a = g_new0(RdLearningAction, 1);
	a->id = sqlite3_column_int64(st, 0);
	a->text = rd_col_text(st, 1);
	a->owner = rd_col_text(st, 2);
	a->authorised_by = rd_col_text(st, 3);
	a->due = rd_col_text(st, 4);
	a->status = rd_col_text(st, 5);
	a->evidence = rd_col_text(st, 6);
	a->done_on = rd_col_text(st, 7);
	a->publishable = sqlite3_column_int(st, 8) != 0;
	a->service = rd_col_text(st, 9);
	a->created_by = rd_col_text(st, 10);
	a->created_at = sqlite3_column_int64(st, 11);
	a->updated_at = sqlite3_column_int64(st, 12);
	a->reminded_for = rd_col_text(st, 13);
	a->overdue_for = rd_col_text(st, 14);
	a->escalated_at = sqlite3_column_int64(st, 15);
	return a;
}

static gboolean
read_cases(RdStore *store, RdLearningAction *a, GError **error)
{
	int rc;
	a->cases = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_ACTION_CASES);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, a->id);
	if (!rd_bind_end(store, &b, "reading an action's cases", error))
		return FALSE;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		g_ptr_array_add(a->cases, rd_col_text(st, 0));
	if (rc != SQLITE_DONE)
		return rd_store_fail(store, rc, "reading an action's cases", error);
	return TRUE;
}

gint64
rd_store_action_insert(RdStore *store, const RdLearningAction *a, GError **error)
{
	g_return_val_if_fail(store != NULL && a != NULL, 0);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_ACTION_INSERT);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, a->text);
	rd_bind_text(&b, a->owner);
	rd_bind_text(&b, a->authorised_by);
	rd_bind_text(&b, a->due);
	rd_bind_text(&b, a->status != NULL ? a->status : "proposed");
	rd_bind_int64(&b, a->publishable ? 1 : 0);
	rd_bind_text(&b, a->service);
	rd_bind_text(&b, a->created_by);
	rd_bind_int64(&b, a->created_at);
	if (!rd_bind_end(store, &b, "adding an action", error) ||
	    !rd_stmt_run(store, st, "adding an action", error))
		return 0;
	return sqlite3_last_insert_rowid(store->db);
}

gboolean
rd_store_action_link_case(RdStore *store, gint64 action_id, gint64 case_id, GError **error)
{
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_ACTION_LINK_CASE);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, action_id);
	rd_bind_int64(&b, case_id);
	return rd_bind_end(store, &b, "linking an action to a case", error) &&
	       rd_stmt_run(store, st, "linking an action to a case", error);
}

gboolean
rd_store_action_get(RdStore *store, gint64 id, RdLearningAction **a_r, GError **error)
{
	gboolean found = FALSE;
	*a_r = NULL;
	g_autoptr(RdLearningAction) a = NULL;
	{
		g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_ACTION_GET);
		RdBind b = rd_bind_begin(st);
		rd_bind_int64(&b, id);
		if (!rd_bind_end(store, &b, "reading an action", error) ||
		    !rd_stmt_row(store, st, &found, "reading an action", error))
			return FALSE;
		if (!found)
			return TRUE;
		a = read_action(st);
	}
	if (!read_cases(store, a, error))
		return FALSE;
	*a_r = g_steal_pointer(&a);
	return TRUE;
}

static GPtrArray *
list_actions(RdStore *store, RdStmtId id, gint64 case_id, GError **error)
{
	int rc;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)rd_learning_action_free);
	{
		g_autoptr(RdStmt) st = rd_stmt(store, id);
		if (id == RD_STMT_ACTIONS_FOR_CASE) {
			RdBind b = rd_bind_begin(st);
			rd_bind_int64(&b, case_id);
			if (!rd_bind_end(store, &b, "listing actions", error))
				return NULL;
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			g_ptr_array_add(out, read_action(st));
		if (rc != SQLITE_DONE) {
			rd_store_fail(store, rc, "listing actions", error);
			return NULL;
		}
	}
	for (guint i = 0; i < out->len; i++)
		if (!read_cases(store, out->pdata[i], error))
			return NULL;
	return g_steal_pointer(&out);
}

GPtrArray *
rd_store_actions_list(RdStore *store, gboolean open_only, GError **error)
{
	return list_actions(store, open_only ? RD_STMT_ACTIONS_OPEN : RD_STMT_ACTIONS_ALL, 0, error);
}

GPtrArray *
rd_store_actions_for_case(RdStore *store, gint64 case_id, GError **error)
{
	return list_actions(store, RD_STMT_ACTIONS_FOR_CASE, case_id, error);
}

gboolean
rd_store_action_update(RdStore *store, const RdLearningAction *a, GError **error)
{
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_ACTION_UPDATE);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, a->id);
	rd_bind_text(&b, a->owner);
	rd_bind_text(&b, a->authorised_by);
	rd_bind_text(&b, a->due);
	rd_bind_text(&b, a->status);
	rd_bind_text(&b, a->evidence);
	rd_bind_text(&b, a->done_on);
	rd_bind_int64(&b, a->publishable ? 1 : 0);
	rd_bind_text(&b, a->service);
	rd_bind_int64(&b, a->updated_at);
	rd_bind_text(&b, a->reminded_for);
	rd_bind_text(&b, a->overdue_for);
	rd_bind_id(&b, a->escalated_at);
	if (!rd_bind_end(store, &b, "updating an action", error) ||
	    !rd_stmt_run(store, st, "updating an action", error))
		return FALSE;
	if (sqlite3_changes(store->db) == 0) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND,
		            "updating an action: there is no action %" G_GINT64_FORMAT, a->id);
		return FALSE;
	}
	return TRUE;
}

gint64
rd_store_action_event_add(RdStore *store, gint64 action_id, gint64 at, const char *actor, const char *type,
                          const char *detail, gint64 msg_id, GError **error)
{
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_ACTION_EVENT_ADD);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, action_id);
	rd_bind_int64(&b, at);
	rd_bind_text(&b, actor);
	rd_bind_text(&b, type);
	rd_bind_text(&b, detail);
	rd_bind_id(&b, msg_id);
	if (!rd_bind_end(store, &b, "recording an action's event", error) ||
	    !rd_stmt_run(store, st, "recording an action's event", error))
		return 0;
	return sqlite3_last_insert_rowid(store->db);
}

GPtrArray *
rd_store_action_events(RdStore *store, gint64 action_id, GError **error)
{
	int rc;
	g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func((GDestroyNotify)rd_event_free);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_ACTION_EVENTS);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, action_id);
	if (!rd_bind_end(store, &b, "listing an action's events", error))
		return NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
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
		rd_store_fail(store, rc, "listing an action's events", error);
		return NULL;
	}
	return g_steal_pointer(&events);
}
