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
	guint sets = RD_REPORT_SPSO;
	if (set != NULL && !rd_report_sets_parse(set, &sets)) {
		fprintf(stderr, "redress report: --set is spso, lgsco, hos, reg18 or all (or several joined by ',')\n");
		return RD_EXIT_USAGE;
	}
	RdReportFormat fmt = g->json ? RD_REPORT_FORMAT_JSON : RD_REPORT_FORMAT_TEXT;
	if (format != NULL && !rd_report_format_from_string(format, &fmt)) {
		fprintf(stderr, "redress report: --format is text, json, csv or html\n");
		return RD_EXIT_USAGE;
	}
	if (fmt == RD_REPORT_FORMAT_CSV && (sets & (sets - 1)) != 0) {
		fprintf(stderr, "redress report: a CSV file holds one set: run it once for each of --set spso, "
		        "--set lgsco and --set reg18\n");
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
	/* Only the cases with a day in the period or the four before it (the
	 * trend): a quarter's report does not read ten years of cases. */
	g_autoptr(RdReportData) data = rd_report_data_load_for(store, &from, &to, &err);
	if (data == NULL) {
		fprintf(stderr, "redress: error: counting: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	RdReportRequest q = { 0 };
	q.from = from;
	q.to = to;
	GDate ignore;
	year_to_date(&ignore, &q.today);
	q.sets = sets;
	q.format = fmt;
	g_autofree char *doc = rd_report_document(cfg, cal, data, &q);
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
