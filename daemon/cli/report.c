/*
 * report.c — `redress report`: the oversight figures for a period, as
 * text, JSON or CSV (report/ counts and renders them). It only reads.
 */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"

/* The financial year so far (1 April to today, London): what a senior
 * officer asking "how are we doing" means. */
static void
year_to_date(GDate *from, GDate *to)
{
	g_autofree char *today = rd_time_format_local(g_get_real_time() / G_USEC_PER_SEC);
	today[10] = '\0';
	rd_date_parse_iso(today, to);
	int y = g_date_get_year(to);
	if (g_date_get_month(to) < G_DATE_APRIL)
		y--;
	g_date_set_dmy(from, 1, G_DATE_APRIL, (GDateYear)y);
}

#define MAX_MONTHS 60
#define TREND 5

/* The last day of the month @d is in. */
static gboolean
month_end(const GDate *d)
{
	return g_date_get_day(d) == g_date_get_days_in_month(g_date_get_month(d), g_date_get_year(d));
}

/* A period as people name it: 2016-17 (a financial year), 2016, 2016Q3,
 * 2016-07, else its first and last months. */
static char *
period_label(const GDate *a, const GDate *z, guint len)
{
	int y = g_date_get_year(a), m = g_date_get_month(a);
	if (len == 12 && m == 4)
		return g_strdup_printf("%d-%02d", y, (y + 1) % 100);
	if (len == 12 && m == 1)
		return g_strdup_printf("%d", y);
	if (len == 3 && (m - 1) % 3 == 0)
		return g_strdup_printf("%dQ%d", y, (m - 1) / 3 + 1);
	if (len == 1)
		return g_strdup_printf("%d-%02d", y, m);
	return g_strdup_printf("%02d/%02d-%02d/%02d", m, y % 100, g_date_get_month(z), g_date_get_year(z) % 100);
}

/* The HTML report: the figures, month by month, and for a period of
 * whole months the same figures for the four periods of that length
 * before it. */
static char *
html(const RdConfig *cfg, const RdCalendar *cal, const RdReportCase *cases, gsize n, const GDate *from,
     const GDate *to, const RdSpsoFigures *f, const RdLgscoFigures *lf)
{
	guint received[MAX_MONTHS], closed[MAX_MONTHS];
	RdReportHtmlData d = { 0 };
	d.spso = f;
	d.lgsco = lf;
	d.months = rd_report_monthly(cases, n, from, to, received, closed, MAX_MONTHS);
	d.received_by_month = received;
	d.closed_by_month = closed;
	RdSpsoFigures trend[TREND];
	char *labels[TREND] = { NULL };
	guint len = (guint)((g_date_get_year(to) - g_date_get_year(from)) * 12 + g_date_get_month(to) -
	                    g_date_get_month(from) + 1);
	if (g_date_get_day(from) == 1 && month_end(to) && len <= 24) {
		for (guint k = 0; k < TREND; k++) {
			GDate a = *from, z = *from;
			g_date_subtract_months(&a, len * (TREND - 1 - k));
			z = a;
			g_date_add_months(&z, len);
			g_date_subtract_days(&z, 1);
			rd_report_spso(cases, n, &a, &z, cal, &trend[k]);
			labels[k] = period_label(&a, &z, len);
		}
		d.n_trend = TREND;
		d.trend_labels = (const char *const *)labels;
		d.trend = trend;
	}
	char *doc = rd_report_html(cfg, from, to, &d);
	for (guint k = 0; k < TREND; k++)
		g_free(labels[k]);
	return doc;
}

int
rd_cmd_report(const RdGlobalOptions *g, int argc, char **argv)
{
	g_autofree char *period = NULL, *set = NULL, *format = NULL, *out = NULL;
	GOptionEntry entries[] = {
		{ "period", 0, 0, G_OPTION_ARG_STRING, &period, "2026Q3, 2026-27 (1 April to 31 March), 2026, or "
		  "FROM..TO (default: this financial year so far)", "PERIOD" },
		{ "set", 0, 0, G_OPTION_ARG_STRING, &set, "Which figures: spso, lgsco (or hos: the same), all "
		  "(default spso)", "SET" },
		{ "format", 0, 0, G_OPTION_ARG_STRING, &format, "text, json, csv or html (default text; --json: json)",
		  "FORMAT" },
		{ "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Write to FILE instead of standard output", "FILE" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("— complaints-handling figures for a period");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err)) {
		fprintf(stderr, "redress report: %s (see redress report --help)\n", err->message);
		return RD_EXIT_USAGE;
	}
	if (argc != 1) {
		fprintf(stderr, "redress report: unexpected '%s' (see redress report --help)\n", argv[1]);
		return RD_EXIT_USAGE;
	}
	GDate from, to;
	if (period == NULL) {
		year_to_date(&from, &to);
	} else if (!rd_report_period_parse(period, &from, &to)) {
		fprintf(stderr, "redress report: --period '%s' is not a period: write 2026Q3 (a calendar quarter), "
		        "2026-27 (a financial year), 2026 (a calendar year) or 2026-04-01..2026-09-30\n", period);
		return RD_EXIT_USAGE;
	}
	gboolean spso = set == NULL || strcmp(set, "spso") == 0 || strcmp(set, "all") == 0;
	gboolean lgsco = set != NULL && (strcmp(set, "lgsco") == 0 || strcmp(set, "hos") == 0 || strcmp(set, "all") == 0);
	if (!spso && !lgsco) {
		fprintf(stderr, "redress report: --set is spso, lgsco, hos or all (the social-care reg 18 figures are "
		        "not built yet)\n");
		return RD_EXIT_USAGE;
	}
	RdReportFormat fmt = g->json ? RD_REPORT_FORMAT_JSON : RD_REPORT_FORMAT_TEXT;
	if (format != NULL && !rd_report_format_from_string(format, &fmt)) {
		fprintf(stderr, "redress report: --format is text, json, csv or html\n");
		return RD_EXIT_USAGE;
	}
	if (fmt == RD_REPORT_FORMAT_CSV && spso && lgsco) {
		fprintf(stderr, "redress report: CSV holds one set: give --set spso or --set lgsco\n");
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	int rc = rd_open_config_and_store_readonly(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	g_autoptr(RdCalendar) cal = rd_config_calendar(cfg, &err);
	if (cal == NULL) {
		fprintf(stderr, "redress report: %s\n", err->message);
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdReportData) data = rd_report_data_load(store, &err);
	if (data == NULL) {
		fprintf(stderr, "redress: error: counting: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	gsize n = 0;
	const RdReportCase *cases = rd_report_data_cases(data, &n);
	RdSpsoFigures f;
	rd_report_spso(cases, n, &from, &to, cal, &f);
	/* What has not been done yet is late only once its day has passed. */
	GDate today, ignore, asof = to;
	year_to_date(&ignore, &today);
	if (g_date_compare(&today, &asof) < 0)
		asof = today;
	RdLgscoFigures lf;
	rd_report_lgsco(cases, n, &from, &to, &asof, &lf);
	g_autofree char *doc = NULL;
	if (fmt == RD_REPORT_FORMAT_HTML)
		doc = html(cfg, cal, cases, n, &from, &to, &f, lgsco ? &lf : NULL);
	else if (spso && lgsco && fmt == RD_REPORT_FORMAT_JSON)
		doc = rd_report_all_json(cfg, &from, &to, &f, &lf);
	else if (spso && lgsco) {
		g_autofree char *one = rd_report_spso_render(cfg, &from, &to, &f, fmt);
		g_autofree char *two = rd_report_lgsco_render(cfg, &from, &to, &lf, fmt);
		doc = g_strconcat(one, "\n", two, NULL);
	}
	else
		doc = spso ? rd_report_spso_render(cfg, &from, &to, &f, fmt) : rd_report_lgsco_render(cfg, &from, &to, &lf, fmt);
	rd_lgsco_figures_clear(&lf);
	if (out == NULL) {
		fputs(doc, stdout);
		return RD_EXIT_OK;
	}
	if (!g_file_set_contents(out, doc, -1, &err)) {
		fprintf(stderr, "redress report: error: %s\n", err->message);
		return RD_EXIT_USAGE;
	}
	return RD_EXIT_OK;
}
