/*
 * test-report-schedule.c — the scheduled oversight reports:
 *   - which calendar quarter and financial year is the latest ended on a
 *     given day, and when it is due, with weekends and bank holidays
 *     (England and Wales, Scotland) inside send_after_days;
 *   - period names, and the [reports] keys: defaults, values, and bad
 *     values refused with FILE:LINE; the words of `sets` the
 *     configuration accepts are those rd_report_sets_parse() reads;
 *   - the headline figures are all letter variables;
 *   - queueing: once per period and recipient however often it runs,
 *     again only when asked, nothing before the day it is due, only the
 *     latest period, the period in words in English and Welsh.
 */
#include <string.h>
#include <glib/gstdio.h>

#include "service/service.h"
#include "templates.h"

static GDate
date(const char *iso)
{
	GDate d;
	g_assert_true(rd_date_parse_iso(iso, &d));
	return d;
}

static char *
iso(const GDate *d)
{
	return rd_date_format_iso(d);
}

/* ---- the latest period ended ------------------------------------------------------- */

static const struct {
	const char *today;
	RdReportPeriodKind kind;
	const char *from, *to;
} latest[] = {
	{ "2026-12-07", RD_REPORT_QUARTER, "2026-07-01", "2026-09-30" },
	{ "2026-10-01", RD_REPORT_QUARTER, "2026-07-01", "2026-09-30" },
	{ "2026-09-30", RD_REPORT_QUARTER, "2026-04-01", "2026-06-30" },   /* Q3 not over on its last day */
	{ "2027-01-01", RD_REPORT_QUARTER, "2026-10-01", "2026-12-31" },
	{ "2026-01-15", RD_REPORT_QUARTER, "2025-10-01", "2025-12-31" },   /* across the year */
	{ "2026-04-01", RD_REPORT_QUARTER, "2026-01-01", "2026-03-31" },
	{ "2026-12-07", RD_REPORT_YEAR, "2025-04-01", "2026-03-31" },
	{ "2026-04-01", RD_REPORT_YEAR, "2025-04-01", "2026-03-31" },
	{ "2026-03-31", RD_REPORT_YEAR, "2024-04-01", "2025-03-31" },
	{ "2027-02-28", RD_REPORT_YEAR, "2025-04-01", "2026-03-31" },
	{ "2024-02-29", RD_REPORT_QUARTER, "2023-10-01", "2023-12-31" },
};

static void
test_latest(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(latest); i++) {
		GDate today = date(latest[i].today), from, to;
		rd_report_latest_period(latest[i].kind, &today, &from, &to);
		g_autofree char *a = iso(&from), *z = iso(&to);
		g_test_message("%s %s: %s..%s", latest[i].today, latest[i].kind ? "year" : "quarter", a, z);
		g_assert_cmpstr(a, ==, latest[i].from);
		g_assert_cmpstr(z, ==, latest[i].to);
	}
}

/* ---- when it is due ------------------------------------------------------------------ */

static const struct {
	RdNation nation;
	const char *last;        /* the period's last day */
	guint days;
	const char *send;        /* the first day it may go */
	const char *why;
} send_days[] = {
	{ RD_NATION_ENGLAND_WALES, "2026-09-30", 5, "2026-10-07", "Wed 30 Sep: Thu, Fri, Mon, Tue, Wed" },
	{ RD_NATION_ENGLAND_WALES, "2026-12-31", 5, "2027-01-08", "New Year's Day (Fri) and the weekend skipped" },
	{ RD_NATION_SCOTLAND, "2026-12-31", 5, "2027-01-11", "Scotland: 1 Jan and the 2 January substitute (Mon 4)" },
	{ RD_NATION_ENGLAND_WALES, "2026-03-31", 5, "2026-04-09", "Good Friday 3 and Easter Monday 6 April 2026" },
	{ RD_NATION_ENGLAND_WALES, "2028-03-31", 1, "2028-04-03", "Fri 31 Mar 2028: the next working day is Monday" },
	{ RD_NATION_ENGLAND_WALES, "2028-03-31", 0, "2028-04-01", "0: the day after, weekend or not" },
	{ RD_NATION_ENGLAND_WALES, "2026-06-30", 20, "2026-07-28", "twenty working days, no holiday" },
};

static void
test_send_day(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(send_days); i++) {
		g_autoptr(RdCalendar) cal = rd_calendar_new(send_days[i].nation);
		GDate last = date(send_days[i].last), send;
		rd_report_send_day(cal, &last, send_days[i].days, &send);
		g_autofree char *got = iso(&send);
		g_test_message("%s", send_days[i].why);
		g_assert_cmpstr(got, ==, send_days[i].send);
	}
}

static const struct {
	const char *today;
	RdReportPeriodKind kind;
	guint days;
	gboolean due;
	const char *from;        /* the period considered */
} dues[] = {
	{ "2026-10-06", RD_REPORT_QUARTER, 5, FALSE, "2026-07-01" },
	{ "2026-10-07", RD_REPORT_QUARTER, 5, TRUE, "2026-07-01" },
	{ "2026-12-07", RD_REPORT_QUARTER, 5, TRUE, "2026-07-01" },
	{ "2027-01-07", RD_REPORT_QUARTER, 5, FALSE, "2026-10-01" },   /* Q4 not yet: Q3 is not sent instead */
	{ "2027-01-08", RD_REPORT_QUARTER, 5, TRUE, "2026-10-01" },
	{ "2026-04-08", RD_REPORT_YEAR, 5, FALSE, "2025-04-01" },
	{ "2026-04-09", RD_REPORT_YEAR, 5, TRUE, "2025-04-01" },
	{ "2026-03-31", RD_REPORT_YEAR, 5, TRUE, "2024-04-01" },
	{ "2026-10-01", RD_REPORT_QUARTER, 0, TRUE, "2026-07-01" },
};

static void
test_due(void)
{
	g_autoptr(RdCalendar) cal = rd_calendar_new(RD_NATION_ENGLAND_WALES);
	for (gsize i = 0; i < G_N_ELEMENTS(dues); i++) {
		GDate today = date(dues[i].today), from, to;
		gboolean due = rd_report_due(dues[i].kind, cal, &today, dues[i].days, &from, &to);
		g_autofree char *a = iso(&from);
		g_test_message("%s: %s from %s", dues[i].today, due ? "due" : "not due", a);
		g_assert_cmpint(due, ==, dues[i].due);
		g_assert_cmpstr(a, ==, dues[i].from);
	}
}

static void
test_names(void)
{
	static const struct {
		const char *from, *to, *name;
	} rows[] = {
		{ "2026-07-01", "2026-09-30", "2026Q3" },
		{ "2026-01-01", "2026-03-31", "2026Q1" },
		{ "2025-04-01", "2026-03-31", "2025-26" },
		{ "2099-04-01", "2100-03-31", "2099-00" },
		{ "2026-01-01", "2026-12-31", "2026" },
		{ "2026-04-01", "2026-09-30", "20260401-20260930" },
		{ "2026-02-01", "2026-04-30", "20260201-20260430" },   /* three months, not a quarter */
	};
	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		GDate a = date(rows[i].from), z = date(rows[i].to);
		g_autofree char *name = rd_report_period_name(&a, &z);
		g_assert_cmpstr(name, ==, rows[i].name);
	}
}

/* ---- [reports] ------------------------------------------------------------------------ */

/* @text as a configuration file, loaded; NULL with @error on problems. */
static RdConfig *
load(const char *text, GError **error)
{
	g_autofree char *path = NULL;
	int fd = g_file_open_tmp("rd-reports-XXXXXX.conf", &path, NULL);
	g_assert_cmpint(fd, >=, 0);
	close(fd);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	RdConfig *cfg = rd_config_load(path, error);
	g_unlink(path);
	return cfg;
}

static void
test_config(void)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdConfig) def = rd_config_load(NULL, &err);
	g_assert_no_error(err);
	g_assert_null(def->reports.recipients[0]);
	g_assert_true(def->reports.quarterly && def->reports.annual);
	g_assert_cmpstr(def->reports.sets, ==, "all");
	g_assert_cmpuint(def->reports.send_after_days, ==, 5);

	g_autoptr(RdConfig) cfg = load("[reports]\nrecipients = Chief.Executive@Council.example, mo@council.example;"
	                               "cllr@council.example\nschedule = annual\nsets = spso, lgsco\n"
	                               "send_after_days = 10\n", &err);
	g_assert_no_error(err);
	g_assert_cmpuint(g_strv_length(cfg->reports.recipients), ==, 3);
	g_assert_cmpstr(cfg->reports.recipients[0], ==, "chief.executive@council.example");
	g_assert_false(cfg->reports.quarterly);
	g_assert_true(cfg->reports.annual);
	g_assert_cmpuint(cfg->reports.send_after_days, ==, 10);
	guint sets = 0;
	g_assert_true(rd_report_sets_parse(cfg->reports.sets, &sets));
	g_assert_cmpuint(sets, ==, RD_REPORT_SPSO | RD_REPORT_LGSCO);

	g_autoptr(RdConfig) bad = load("[council]\nname = X\n[reports]\nrecipients = someone\nschedule = monthly\n"
	                               "sets = all,\nsend_after_days = 61\n", &err);
	g_assert_null(bad);
	g_assert_error(err, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID);
	g_assert_nonnull(strstr(err->message, ".conf:4: recipients: 'someone' is not an email address"));
	g_assert_nonnull(strstr(err->message, ".conf:5: schedule must be quarterly or annual"));
	g_assert_nonnull(strstr(err->message, ".conf:6: sets must be spso, lgsco, hos, reg18 or all"));
	g_assert_nonnull(strstr(err->message, ".conf:7: send_after_days must be a whole number from 0 to 60"));
}

/* What the configuration accepts in sets, rd_report_sets_parse() reads:
 * base/ checks the words without calling report/. */
static void
test_sets_agree(void)
{
	static const char *const values[] = {
		"spso", "lgsco", "hos", "reg18", "all", "SPSO", "spso,lgsco", "spso, reg18", " all ",
		"bogus", "spso,bogus", "spso,,lgsco", "spso,", ",", "spso;lgsco", "spsolgsco",
	};
	for (gsize i = 0; i < G_N_ELEMENTS(values); i++) {
		g_autofree char *text = g_strdup_printf("[reports]\nsets = %s\n", values[i]);
		g_autoptr(GError) err = NULL;
		g_autoptr(RdConfig) cfg = load(text, &err);
		/* GKeyFile strips the value as the configuration reader does. */
		g_autofree char *stripped = g_strstrip(g_strdup(values[i]));
		guint sets;
		gboolean parsed = rd_report_sets_parse(stripped, &sets);
		g_test_message("sets = '%s': config %s, parse %s", values[i], cfg ? "yes" : "no", parsed ? "yes" : "no");
		g_assert_cmpint(cfg != NULL, ==, parsed);
	}
}

/* ---- the letter -------------------------------------------------------------------------- */

typedef struct {
	char *dir;
	RdConfig *cfg;
	RdStore *store;
	RdRules *rules;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer lang)
{
	g_autoptr(GError) err = NULL;
	f->dir = g_dir_make_tmp("rd-report-schedule-XXXXXX", &err);
	g_assert_no_error(err);
	g_autofree char *text = g_strdup_printf("[council]\nname = Testshire Council\n[letters]\ntemplates = %s\n"
	                                        "language = %s\n[reports]\nrecipients = ce@council.example, "
	                                        "mo@council.example\n", RD_SRCDIR "/templates/letters",
	                                        (const char *)lang);
	f->cfg = load(text, &err);
	g_assert_no_error(err);
	g_autofree char *db = g_build_filename(f->dir, "case.db", NULL);
	f->store = rd_store_open(db, &err);
	g_assert_no_error(err);
	f->rules = rd_rules_open(f->store, f->cfg, &err);
	g_assert_no_error(err);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
	rd_rules_free(f->rules);
	rd_store_close(f->store);
	rd_config_free(f->cfg);
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(f->dir);
}

static gint64
at(const char *when)
{
	gint64 t = 0;
	g_assert_true(rd_time_parse(when, &t));
	return t;
}

/* The queued letters, with their bytes. */
static GPtrArray *
queued(Fixture *f)
{
	g_autoptr(GError) err = NULL;
	GPtrArray *rows = rd_store_outbox_due(f->store, G_MAXINT64, 1000, &err);
	g_assert_no_error(err);
	return rows;
}

static gboolean
raw_has(const RdOutboxRow *o, const char *needle)
{
	gsize n = 0;
	const char *p = g_bytes_get_data(o->raw, &n);
	return g_strstr_len(p, (gssize)n, needle) != NULL;
}

static void
test_headline_names(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdReportData) d = rd_report_data_load(f->store, &err);
	g_assert_no_error(err);
	GDate a = date("2026-07-01"), z = date("2026-09-30");
	g_auto(GStrv) figures = rd_report_headline(d, rd_rules_calendar(f->rules), &a, &z);
	const char *const *names = rd_letter_variable_names();
	guint n = 0;
	for (guint i = 0; figures[i] != NULL; i += 2, n++) {
		g_assert_true(g_strv_contains(names, figures[i]));
		g_assert_nonnull(figures[i + 1]);
	}
	/* Nothing closed: counts, but no percentage or average to give. */
	g_assert_cmpuint(n, ==, 6);
	g_assert_cmpstr(figures[1], ==, "0");
}

static void
test_once(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	guint n = 99;
	/* 6 October 2026: Q3 is not due until the 7th; the year 2025-26 is. */
	g_assert_true(rd_reports_run(f->store, f->cfg, f->rules, at("2026-10-06T12:00:00Z"), &n, &err));
	g_assert_no_error(err);
	g_assert_cmpuint(n, ==, 2);
	g_assert_true(rd_reports_run(f->store, f->cfg, f->rules, at("2026-10-07T08:00:00Z"), &n, &err));
	g_assert_cmpuint(n, ==, 2);
	/* Again and again, as after every sweep and every restart: nothing. */
	for (int i = 0; i < 3; i++) {
		g_assert_true(rd_reports_run(f->store, f->cfg, f->rules, at("2026-12-07T12:00:00Z"), &n, &err));
		g_assert_cmpuint(n, ==, 0);
	}
	g_autoptr(GPtrArray) rows = queued(f);
	g_assert_cmpuint(rows->len, ==, 4);
	guint q3 = 0, year = 0;
	for (guint i = 0; i < rows->len; i++) {
		const RdOutboxRow *o = rows->pdata[i];
		g_assert_cmpstr(o->kind, ==, "oversight-report");
		g_assert_cmpint(o->case_id, ==, 0);
		q3 += g_str_has_prefix(o->idem_key, "report/2026Q3/");
		year += g_str_has_prefix(o->idem_key, "report/2025-26/");
		if (g_str_has_prefix(o->idem_key, "report/2026Q3/")) {
			g_assert_true(raw_has(o, "Subject: Testshire Council complaints report: 1 July to 30 September 2026"));
			g_assert_true(raw_has(o, "complaints-report-2026Q3.html"));
		} else {
			g_assert_true(raw_has(o, "1 April 2025 to 31 March 2026"));
		}
	}
	g_assert_cmpuint(q3, ==, 2);
	g_assert_cmpuint(year, ==, 2);

	/* By hand: already queued, unless asked again. */
	GDate a = date("2026-07-01"), z = date("2026-09-30");
	const char *const one[] = { "ce@council.example", NULL };
	g_autoptr(GPtrArray) res = NULL;
	g_assert_true(rd_reports_queue(f->store, f->cfg, f->rules, &a, &z, RD_REPORT_ALL, one, FALSE,
	                               at("2026-12-07T12:00:00Z"), &res, &err));
	g_assert_cmpuint(res->len, ==, 1);
	const RdReportQueued *q = res->pdata[0];
	g_assert_false(q->queued);
	g_assert_cmpstr(q->status, ==, "queued");
	g_clear_pointer(&res, g_ptr_array_unref);
	g_assert_true(rd_reports_queue(f->store, f->cfg, f->rules, &a, &z, RD_REPORT_ALL, one, TRUE,
	                               at("2026-12-07T12:00:00Z"), &res, &err));
	g_assert_true(((const RdReportQueued *)res->pdata[0])->queued);
	g_autoptr(GPtrArray) after = queued(f);
	g_assert_cmpuint(after->len, ==, 5);
}

/* A council starting in December gets Q3 and 2025-26, not every period
 * before them. */
static void
test_no_backfill(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	guint n = 0;
	g_assert_true(rd_reports_run(f->store, f->cfg, f->rules, at("2026-12-07T12:00:00Z"), &n, &err));
	g_assert_cmpuint(n, ==, 4);
	g_autoptr(GPtrArray) rows = queued(f);
	for (guint i = 0; i < rows->len; i++) {
		const RdOutboxRow *o = rows->pdata[i];
		g_assert_true(g_str_has_prefix(o->idem_key, "report/2026Q3/") ||
		              g_str_has_prefix(o->idem_key, "report/2025-26/"));
	}
}

static void
test_welsh(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	GDate a = date("2026-07-01"), z = date("2026-09-30");
	const char *const one[] = { "ce@council.example", NULL };
	g_autoptr(GPtrArray) res = NULL;
	g_assert_true(rd_reports_queue(f->store, f->cfg, f->rules, &a, &z, RD_REPORT_SPSO, one, FALSE,
	                               at("2026-12-07T12:00:00Z"), &res, &err));
	g_assert_no_error(err);
	g_autoptr(GPtrArray) rows = queued(f);
	g_assert_cmpuint(rows->len, ==, 1);
	const RdOutboxRow *o = rows->pdata[0];
	g_assert_cmpstr(o->language, ==, "cy");
	g_assert_nonnull(strstr(o->subject, "1 Gorffennaf i 30 Medi 2026"));
	g_assert_true(raw_has(o, "Content-Language: cy"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	rd_log_set_level(RD_LOG_ERROR);
	g_test_add_func("/report-schedule/latest", test_latest);
	g_test_add_func("/report-schedule/send-day", test_send_day);
	g_test_add_func("/report-schedule/due", test_due);
	g_test_add_func("/report-schedule/names", test_names);
	g_test_add_func("/report-schedule/config", test_config);
	g_test_add_func("/report-schedule/sets-agree", test_sets_agree);
	g_test_add("/report-schedule/headline-names", Fixture, "en", fixture_set_up, test_headline_names,
	           fixture_tear_down);
	g_test_add("/report-schedule/once", Fixture, "en", fixture_set_up, test_once, fixture_tear_down);
	g_test_add("/report-schedule/no-backfill", Fixture, "en", fixture_set_up, test_no_backfill, fixture_tear_down);
	g_test_add("/report-schedule/welsh", Fixture, "cy", fixture_set_up, test_welsh, fixture_tear_down);
	return g_test_run();
}
