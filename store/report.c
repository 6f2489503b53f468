/*
 * report.c — what the oversight reports count, read in one pass without
 * building RdCase and RdStage objects: one row of report_case (schema.c,
 * version 12) per case, a few packed integers but for the reference,
 * unpacked here and handed to a callback (daemon/report/collect.c keeps what it needs). The triggers
 * that keep report_case run in the writers' transactions, so it always
 * says what the cases and stages say.
 *
 * For a period, the cases are found through report_case_hi: the ids of
 * the cases with a day in the period, sorted, then read a run of
 * neighbouring ids at a time. Case ids follow the order cases were
 * opened, so the cases of a period are mostly one run; a case from long
 * ago still open, or decided by the Ombudsman this year, adds a short
 * run of its own. Runs closer than RUN_GAP ids are read as one; the
 * cases between them without a day in the period are skipped by the
 * same test in the reading statement.
 *
 * Everything is read in one read transaction (unless the caller holds
 * one), so a report sees one state of the file even while the daemon
 * writes.
 */
#include <string.h>
#include "store-private.h"

/* Ids further apart than this start a new run. */
#define RUN_GAP 64

/* The packing of report_case (schema.c, version 12). */
#define DAY_MASK 4194303          /* 22 bits */
#define WORD_MASK G_GINT64_CONSTANT(2147483647)  /* 31 bits */

static inline guint32
low_day(gint64 v)
{
	return (guint32)(v & DAY_MASK);
}

static inline guint32
high_day(gint64 v)
{
	return (guint32)((v >> 22) & DAY_MASK);
}

/* Stage from the columns from @i (sN_a, _b, _c, _d). */
static inline void
stage_cols(sqlite3_stmt *st, int i, RdReportStageRow *s)
{
	gint64 d = sqlite3_column_int64(st, i + 3);
	if (d == 0) {
		memset(s, 0, sizeof *s);
		return;
	}
	gint64 a = sqlite3_column_int64(st, i), b = sqlite3_column_int64(st, i + 1),
	       c = sqlite3_column_int64(st, i + 2);
	s->present = TRUE;
	s->extended = ((d >> 23) & 1) != 0;
	s->received = low_day(a);
	s->responded = high_day(a);
	s->ack_due = low_day(b);
	s->ack_sent = high_day(b);
	s->response_due = low_day(c);
	s->extended_to = high_day(c);
	s->closed = low_day(d);
	s->outcome = (guint32)MIN(d >> 24, (gint64)G_MAXUINT32);
}

/* Pass every row @st yields; FALSE on error. *@stopped_r set when @func
 * stopped. @r carries the words and the hint. */
static gboolean
pass_rows(RdStore *store, sqlite3_stmt *st, RdReportRow *r, RdReportRowFunc func, gpointer user_data,
          gboolean *stopped_r, GError **error)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* Order of RD_STMT_REPORT_ROWS in stmts.c. */
		r->case_id = sqlite3_column_int64(st, 0);
		r->reference = (const char *)sqlite3_column_text(st, 1);
		gint64 om = sqlite3_column_int64(st, 2), w1 = sqlite3_column_int64(st, 3),
		       w2 = sqlite3_column_int64(st, 4), w3 = sqlite3_column_int64(st, 5);
		r->has_case = ((w3 >> 31) & 1) != 0;
		r->elected_member = ((w3 >> 32) & 1) != 0;
		r->remedy = ((w3 >> 33) & 1) != 0;
		r->ombudsman_outcome = (guint32)(w3 & WORD_MASK);
		r->service = (guint32)(w1 & WORD_MASK);
		r->channel = (guint32)((w1 >> 31) & WORD_MASK);
		r->profile = (guint32)(w2 & WORD_MASK);
		r->cause = (guint32)((w2 >> 31) & WORD_MASK);
		r->ombudsman_referred = low_day(om);
		r->ombudsman_decided = high_day(om);
		stage_cols(st, 6, &r->stage[0]);
		stage_cols(st, 10, &r->stage[1]);
		if (!func(r, user_data)) {
			*stopped_r = TRUE;
			return TRUE;
		}
	}
	if (rc != SQLITE_DONE)
		return rd_store_fail(store, rc, "reading the case record for a report", error);
	return TRUE;
}

static gboolean
rows_in_range(RdStore *store, gint64 lo, gint64 hi, gint64 first, gint64 last, RdReportRow *r,
              RdReportRowFunc func, gpointer user_data, gboolean *stopped_r, GError **error)
{
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_REPORT_ROWS);
	RdBind b = rd_bind_begin(st);
	rd_bind_int64(&b, lo);
	rd_bind_int64(&b, hi);
	rd_bind_int64(&b, first);
	rd_bind_int64(&b, last);
	if (!rd_bind_end(store, &b, "reading the case record for a report", error))
		return FALSE;
	return pass_rows(store, st, r, func, user_data, stopped_r, error);
}

/* The words of report_word, by id, into @words (NULL where no word;
 * index 0 always NULL); their text is @words' own. */
static gboolean
read_words(RdStore *store, GPtrArray *words, GError **error)
{
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_REPORT_WORDS);
	g_ptr_array_set_size(words, 1);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		gint64 id = sqlite3_column_int64(st, 0);
		const char *w = (const char *)sqlite3_column_text(st, 1);
		/* Ids are given 1, 2, 3, … and never freed; anything else
		 * (a hand-edited file) is not worth a hole of that size. */
		if (id < 1 || id > G_MAXINT32 || w == NULL || id > (gint64)words->len + 1000000)
			continue;
		if ((guint)id >= words->len)
			g_ptr_array_set_size(words, (guint)id + 1);
		g_free(words->pdata[id]);
		words->pdata[id] = g_strdup(w);
	}
	if (rc != SQLITE_DONE)
		return rd_store_fail(store, rc, "reading the words of the case record", error);
	return TRUE;
}

static gboolean
words_begin(RdStore *store, GPtrArray **words_r, RdReportRow *r, GError **error)
{
	memset(r, 0, sizeof *r);
	*words_r = g_ptr_array_new_with_free_func(g_free);
	if (!read_words(store, *words_r, error))
		return FALSE;
	r->words = (const char *const *)(*words_r)->pdata;
	r->n_words = (*words_r)->len;
	return TRUE;
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
	RdReportRow r;
	g_autoptr(GPtrArray) words = NULL;
	gboolean ok = words_begin(store, &words, &r, error);
	/* The highest id is about the number of cases, and costs one probe. */
	if (ok) {
		gboolean found = FALSE;
		g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_REPORT_CASES_MAX);
		ok = rd_stmt_row(store, st, &found, "counting the cases", error);
		if (ok && found)
			r.cases_hint = (gsize)MAX(sqlite3_column_int64(st, 0), 0);
	}
	if (ok)
		ok = rows_in_range(store, G_MININT64, G_MAXINT64, G_MININT64, G_MAXINT64, &r, func, user_data,
		                   &stopped, error);
	return end_read(store, own, ok, error);
}

static gint
cmp_id(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
	return x < y ? -1 : x > y;
}

/* Sort @ids (distinct), through a bitmap when they are dense, as case
 * ids are: a million of them in a few milliseconds, not a sort's 50. */
static void
sort_ids(GArray *ids)
{
	gint64 *v = (gint64 *)(void *)ids->data;
	if (ids->len < 2)
		return;
	gint64 lo = v[0], hi = v[0];
	for (guint i = 1; i < ids->len; i++) {
		lo = MIN(lo, v[i]);
		hi = MAX(hi, v[i]);
	}
	guint64 span = (guint64)(hi - lo) + 1;
	if (span / 64 > ids->len) {
		g_array_sort(ids, cmp_id);
		return;
	}
	guint64 *bits = g_new0(guint64, span / 64 + 1);
	for (guint i = 0; i < ids->len; i++) {
		guint64 k = (guint64)(v[i] - lo);
		bits[k / 64] |= G_GUINT64_CONSTANT(1) << (k % 64);
	}
	guint n = 0;
	for (guint64 w = 0; w <= span / 64; w++) {
		for (guint64 b = bits[w]; b != 0; b &= b - 1)
			v[n++] = lo + (gint64)(w * 64 + (guint64)__builtin_ctzll(b));
	}
	g_free(bits);
	g_array_set_size(ids, n);
}

gboolean
rd_store_report_rows_between(RdStore *store, guint32 first, guint32 last, RdReportRowFunc func,
                             gpointer user_data, GError **error)
{
	g_return_val_if_fail(store != NULL && func != NULL, FALSE);
	gboolean own, stopped = FALSE;
	if (!begin_read(store, &own, error))
		return FALSE;
	RdReportRow r;
	g_autoptr(GPtrArray) words = NULL;
	g_autoptr(GArray) ids = g_array_sized_new(FALSE, FALSE, sizeof(gint64), 4096);
	gboolean ok = words_begin(store, &words, &r, error);
	if (ok) {
		g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_REPORT_SPANS);
		RdBind b = rd_bind_begin(st);
		rd_bind_int64(&b, first);
		rd_bind_int64(&b, last);
		ok = rd_bind_end(store, &b, "finding the cases of a period", error);
		int rc = SQLITE_DONE;
		while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			gint64 id = sqlite3_column_int64(st, 0);
			g_array_append_val(ids, id);
		}
		if (ok && rc != SQLITE_DONE)
			ok = rd_store_fail(store, rc, "finding the cases of a period", error);
	}
	sort_ids(ids);
	r.cases_hint = ids->len;
	const gint64 *v = (const gint64 *)(void *)ids->data;
	for (guint i = 0; ok && !stopped && i < ids->len;) {
		guint j = i;
		while (j + 1 < ids->len && v[j + 1] - v[j] <= RUN_GAP)
			j++;
		ok = rows_in_range(store, v[i], v[j], first, last, &r, func, user_data, &stopped, error);
		i = j + 1;
	}
	return end_read(store, own, ok, error);
}
