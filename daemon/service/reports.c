/*
 * reports.c — the oversight report by mail: the document and its
 * headline figures from report/, the letter from casework/, queued in the
 * outbox for the sender like any other letter.
 *
 * "Once" rests on the outbox's idempotency key, report/PERIOD/ADDRESS,
 * written in the same transaction as the letter: a daemon restarted, or
 * killed between deciding and committing, decides again and finds the
 * key taken. Before composing anything, each recipient's letter is
 * looked for by its Message-ID (the same for a period and an address), so
 * that the hourly check costs a lookup, not a count of every case.
 */
#include <string.h>
#include "service/service.h"

void
rd_report_queued_free(RdReportQueued *q)
{
	if (q == NULL)
		return;
	g_free(q->to);
	g_free(q->status);
	g_free(q);
}

/* Today in Europe/London at @now. */
static void
london_day(gint64 now, GDate *d)
{
	g_autofree char *local = rd_time_format_local(now);
	local[10] = '\0';
	rd_date_parse_iso(local, d);
}

/* The report already queued for @to, if any: filled into a new result. */
static gboolean
find_earlier(RdStore *store, RdLetters *letters, const char *period, const char *to, RdReportQueued **q_r,
             GError **error)
{
	*q_r = NULL;
	g_autofree char *msgid = rd_letters_report_message_id(letters, period, to);
	g_autoptr(RdOutboxRow) row = NULL;
	if (!rd_store_outbox_find_by_message_id(store, msgid, &row, error))
		return FALSE;
	if (row == NULL)
		return TRUE;
	RdReportQueued *q = g_new0(RdReportQueued, 1);
	q->to = g_strdup(to);
	q->outbox_id = row->id;
	q->status = g_strdup(row->status);
	q->sent_at = row->sent_at;
	*q_r = q;
	return TRUE;
}

/* What the letters carry: the document in HTML and the headline figures. */
typedef struct {
	char *html;
	char **figures;
} Content;

static void
content_clear(Content *c)
{
	g_free(c->html);
	g_strfreev(c->figures);
}

static gboolean
content_make(RdStore *store, const RdConfig *cfg, const RdCalendar *cal, const GDate *from, const GDate *to,
             guint sets, gint64 now, Content *c, GError **error)
{
	/* The period and the four before it (the trend), not every case. */
	g_autoptr(RdReportData) data = rd_report_data_load_for(store, from, to, error);
	if (data == NULL)
		return FALSE;
	RdReportRequest q = { 0 };
	q.from = *from;
	q.to = *to;
	london_day(now, &q.today);
	q.sets = sets;
	q.format = RD_REPORT_FORMAT_HTML;
	q.store = store;
	c->html = rd_report_document(cfg, cal, data, &q);
	c->figures = rd_report_headline(data, cal, from, to);
	return TRUE;
}

/* One letter per address of @pending, in one transaction; a result each. */
static gboolean
queue_all(RdStore *store, RdLetters *letters, const RdReportLetter *base, GPtrArray *pending, gboolean again,
          gint64 now, GPtrArray *results, GError **error)
{
	if (!rd_store_begin(store, error))
		return FALSE;
	for (guint i = 0; i < pending->len; i++) {
		const char *to = pending->pdata[i];
		RdReportLetter r = *base;
		r.to = to;
		g_autofree char *key = again ? g_strdup_printf("report/%s/%s/again/%" G_GINT64_FORMAT, r.period, to, now)
		                             : g_strdup_printf("report/%s/%s", r.period, to);
		r.idem_key = key;
		RdReportQueued *q = g_new0(RdReportQueued, 1);
		q->to = g_strdup(to);
		g_ptr_array_add(results, q);
		if (!rd_letters_queue_report(letters, store, &r, now, &q->outbox_id, &q->queued, error)) {
			rd_store_rollback(store);
			return FALSE;
		}
	}
	if (!rd_store_commit(store, error)) {
		rd_store_rollback(store);
		return FALSE;
	}
	return TRUE;
}

gboolean
rd_reports_queue(RdStore *store, const RdConfig *cfg, RdRules *rules, const GDate *from, const GDate *to,
                 guint sets, const char *const *recipients, gboolean again, gint64 now, GPtrArray **results_r,
                 GError **error)
{
	RdLetters *letters = rd_rules_letters(rules);
	g_autofree char *period = rd_report_period_name(from, to);
	g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func((GDestroyNotify)rd_report_queued_free);
	g_autoptr(GPtrArray) pending = g_ptr_array_new();
	for (guint i = 0; recipients[i] != NULL; i++) {
		RdReportQueued *earlier = NULL;
		if (!again && !find_earlier(store, letters, period, recipients[i], &earlier, error))
			return FALSE;
		if (earlier != NULL)
			g_ptr_array_add(results, earlier);
		else
			g_ptr_array_add(pending, (gpointer)recipients[i]);
	}
	if (pending->len > 0) {
		Content c = { 0 };
		if (!content_make(store, cfg, rd_rules_calendar(rules), from, to, sets, now, &c, error))
			return FALSE;
		RdReportLetter base = { 0 };
		base.again = again;
		base.period = period;
		base.from = *from;
		base.to_day = *to;
		base.figures = (const char *const *)c.figures;
		base.html = c.html;
		gboolean ok = queue_all(store, letters, &base, pending, again, now, results, error);
		content_clear(&c);
		if (!ok)
			return FALSE;
	}
	if (results_r != NULL)
		*results_r = g_steal_pointer(&results);
	return TRUE;
}

/* The latest period of @kind, if it is due today: queued to every
 * recipient that has not had it. */
static gboolean
run_kind(RdStore *store, const RdConfig *cfg, RdRules *rules, RdReportPeriodKind kind, guint sets,
         const GDate *today, gint64 now, guint *queued_r, GError **error)
{
	GDate from, to;
	if (!rd_report_due(kind, rd_rules_calendar(rules), today, cfg->reports.send_after_days, &from, &to))
		return TRUE;
	g_autoptr(GPtrArray) results = NULL;
	if (!rd_reports_queue(store, cfg, rules, &from, &to, sets, (const char *const *)cfg->reports.recipients,
	                      FALSE, now, &results, error))
		return FALSE;
	g_autofree char *period = rd_report_period_name(&from, &to);
	for (guint i = 0; i < results->len; i++) {
		const RdReportQueued *q = results->pdata[i];
		if (!q->queued)
			continue;
		rd_log_info("report queued period=%s to=%s outbox=%" G_GINT64_FORMAT, period, q->to, q->outbox_id);
		(*queued_r)++;
	}
	return TRUE;
}

gboolean
rd_reports_run(RdStore *store, const RdConfig *cfg, RdRules *rules, gint64 now, guint *queued_r, GError **error)
{
	*queued_r = 0;
	const RdReportsConfig *rc = &cfg->reports;
	if (rc->recipients == NULL || rc->recipients[0] == NULL)
		return TRUE;
	guint sets = 0;
	if (!rd_report_sets_parse(rc->sets, &sets)) {
		/* The configuration's check refuses such a value first. */
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID, "[reports] sets '%s' is not a set of figures",
		            rc->sets);
		return FALSE;
	}
	GDate today;
	london_day(now, &today);
	if (rc->quarterly && !run_kind(store, cfg, rules, RD_REPORT_QUARTER, sets, &today, now, queued_r, error))
		return FALSE;
	if (rc->annual && !run_kind(store, cfg, rules, RD_REPORT_YEAR, sets, &today, now, queued_r, error))
		return FALSE;
	return TRUE;
}
