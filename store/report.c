/*
 * report.c — the rows the oversight reports count, read in one pass
 * without building RdCase and RdStage objects: each stage row joined to
 * its case, only the columns the reports use, handed to a callback with
 * the strings still in SQLite's buffers (daemon/report/collect.c keeps
 * what it needs).
 *
 * For a period, the cases are found through report_span (schema.c,
 * version 10), which triggers keep in the writers' transactions: the ids
 * of the cases whose span meets the period, sorted, then read a run of
 * neighbouring ids at a time. Case ids follow the order cases were
 * opened, so the cases of a period are mostly one run; a case from long
 * ago still open, or decided by the Ombudsman this year, adds a short
 * run of its own. Runs closer than RUN_GAP ids are read as one, taking
 * in the few cases between them, which the reports then do not count.
 *
 * Everything is read in one read transaction (unless the caller holds
 * one), so a report sees one state of the file even while the daemon
 * writes.
 */
#include <string.h>
#include "store-private.h"

/* Ids further apart than this start a new run. */
#define RUN_GAP 64

static const char *
col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Pass every row @st yields; FALSE on error. *@stopped_r set when @func
 * stopped. */
static gboolean
pass_rows(RdStore *store, sqlite3_stmt *st, gsize hint, RdReportRowFunc func, gpointer user_data,
          gboolean *stopped_r, GError **error)
{
	int rc;
	RdReportRow r;
	memset(&r, 0, sizeof r);
	r.cases_hint = hint;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* Order of RD_STMT_REPORT_ROWS in stmts.c. */
		r.case_id = sqlite3_column_int64(st, 0);
		r.stage = sqlite3_column_int(st, 1);
		r.has_case = sqlite3_column_int(st, 2) != 0;
		r.reference = col(st, 3);
		r.service = col(st, 4);
		r.channel = col(st, 5);
		r.flags = col(st, 6);
		r.profile = col(st, 7);
		r.cause = col(st, 8);
		r.remedy = col(st, 9);
		r.ombudsman_referred = col(st, 10);
		r.ombudsman_decided = col(st, 11);
		r.ombudsman_outcome = col(st, 12);
		r.received = col(st, 13);
		r.responded = col(st, 14);
		r.ack_due = col(st, 15);
		r.ack_sent = col(st, 16);
		r.response_due = col(st, 17);
		r.extended_to = col(st, 18);
		r.closed = col(st, 19);
		r.outcome = col(st, 20);
		if (!func(&r, user_data)) {
			*stopped_r = TRUE;
			return TRUE;
		}
	}
	if (rc != SQLITE_DONE)
		return rd_store_fail(store, rc, "reading the case record for a report", error);
	return TRUE;
}

static gboolean
rows_in_range(RdStore *store, gint64 lo, gint64 hi, gsize hint, RdReportRowFunc func, gpointer user_data,
              gboolean *stopped_r, GError **error)
{
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_REPORT_ROWS);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, lo);
	rd_bind_int64(&b, hi);
	if (!rd_bind_end(store, &b, "reading the case record for a report", error))
		return FALSE;
	return pass_rows(store, st, hint, func, user_data, stopped_r, error);
}

/* A read transaction of our own unless the caller is in one: *@own_r. */
static gboolean
begin_read(RdStore *store, gboolean *own_r, GError **error)
{
	*own_r = sqlite3_get_autocommit(store->db) != 0;
	if (!*own_r)
		return TRUE;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_REPORT_BEGIN);
	return rd_stmt_run(store, st, "starting to read for a report", error);
}

static gboolean
end_read(RdStore *store, gboolean own, gboolean ok, GError **error)
{
	if (!own)
		return ok;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_REPORT_END);
	/* A read transaction has nothing to lose: ending it cannot fail in
	 * a way that matters once the rows are read, but report it. */
	if (!ok) {
		rd_stmt_run(store, st, "ending a read", NULL);
		return FALSE;
	}
	return rd_stmt_run(store, st, "ending a read", error);
}

gboolean
rd_store_report_rows(RdStore *store, RdReportRowFunc func, gpointer user_data, GError **error)
{
	g_return_val_if_fail(store != NULL && func != NULL, FALSE);
	gboolean own, stopped = FALSE;
	if (!begin_read(store, &own, error))
		return FALSE;
	/* The highest id is about the number of cases, and costs one probe. */
	gsize hint = 0;
	gboolean found = FALSE, ok;
	{
		g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_REPORT_CASES_MAX);
		ok = rd_stmt_row(store, st, &found, "counting the cases", error);
		if (ok && found)
			hint = (gsize)MAX(sqlite3_column_int64(st, 0), 0);
	}
	if (!ok)
		return end_read(store, own, FALSE, error);
	ok = rows_in_range(store, G_MININT64, G_MAXINT64, hint, func, user_data, &stopped, error);
	return end_read(store, own, ok, error);
}

static gint
cmp_id(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
	return x < y ? -1 : x > y;
}

gboolean
rd_store_report_rows_between(RdStore *store, const char *first, const char *last, RdReportRowFunc func,
                             gpointer user_data, GError **error)
{
	g_return_val_if_fail(store != NULL && first != NULL && last != NULL && func != NULL, FALSE);
	gboolean own, stopped = FALSE;
	if (!begin_read(store, &own, error))
		return FALSE;
	g_autoptr(GArray) ids = g_array_sized_new(FALSE, FALSE, sizeof(gint64), 4096);
	gboolean ok;
	{
		g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_REPORT_SPANS);
		RdBind b = rd_bind_begin(st);
		rd_bind_text(&b, first);
		rd_bind_text(&b, last);
		ok = rd_bind_end(store, &b, "finding the cases of a period", error);
		int rc = SQLITE_DONE;
		while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			gint64 id = sqlite3_column_int64(st, 0);
			g_array_append_val(ids, id);
		}
		if (ok && rc != SQLITE_DONE)
			ok = rd_store_fail(store, rc, "finding the cases of a period", error);
	}
	g_array_sort(ids, cmp_id);
	const gint64 *v = (const gint64 *)(void *)ids->data;
	for (guint i = 0; ok && !stopped && i < ids->len;) {
		guint j = i;
		while (j + 1 < ids->len && v[j + 1] - v[j] <= RUN_GAP)
			j++;
		ok = rows_in_range(store, v[i], v[j], ids->len, func, user_data, &stopped, error);
		i = j + 1;
	}
	return end_read(store, own, ok, error);
}
