/*
 * report.c — `redress report`: the oversight figures for a period, as
 * text, JSON, CSV or HTML (report/ counts and renders them); it only
 * reads. `redress report send` queues the same report by mail, as the
 * daemon's scheduled reports do (service/reports.c).
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

/* ---- redress report send ------------------------------------------------------------ */

/* One line per recipient: queued now, or what became of the earlier one. */
static void
print_queued(const RdReportQueued *q, const char *period)
{
	if (q->queued) {
		printf("queued the %s report for %s (outbox #%" G_GINT64_FORMAT ")\n", period, q->to, q->outbox_id);
		return;
	}
	g_autofree char *when = q->sent_at ? rd_time_format_local(q->sent_at) : NULL;
	if (when != NULL)
		printf("%s: the %s report was already sent on %s (outbox #%" G_GINT64_FORMAT "); --again sends it again\n",
		       q->to, period, when, q->outbox_id);
	else if (q->status == NULL || strcmp(q->status, "queued") == 0)
		printf("%s: the %s report was already queued (outbox #%" G_GINT64_FORMAT "), not sent yet; --again "
		       "queues another copy\n", q->to, period, q->outbox_id);
	else
		printf("%s: the %s report was queued before and is %s (outbox #%" G_GINT64_FORMAT "); --again queues "
		       "another copy\n", q->to, period, q->status, q->outbox_id);
}

/* How the queued letters will leave: the daemon sends them, else
 * `redress outbox send`. */
static void
print_how_sent(const char *db_path)
{
	int running = rd_store_daemon_running(db_path, NULL, NULL);
	if (running == 1)
		printf("The daemon is running and sends queued letters within [daemon] send_interval.\n");
	else
		printf("No daemon is running on this database: 'redress outbox send' sends the queued letters now "
		       "(or start the daemon).\n");
}

/* The recipients: --to, else [reports] recipients. NULL when neither
 * names any. */
static const char *const *
send_recipients(const RdConfig *cfg, char **to)
{
	if (to != NULL && to[0] != NULL) {
		for (guint i = 0; to[i] != NULL; i++) {
			char *low = g_ascii_strdown(g_strstrip(to[i]), -1);
			g_free(to[i]);
			to[i] = low;
		}
		return (const char *const *)to;
	}
	if (cfg->reports.recipients != NULL && cfg->reports.recipients[0] != NULL)
		return (const char *const *)cfg->reports.recipients;
	return NULL;
}

static int
report_send(const RdGlobalOptions *g, int argc, char **argv)
{
	g_autofree char *period = NULL, *set = NULL;
	g_auto(GStrv) to = NULL;
	gboolean again = FALSE;
	GOptionEntry entries[] = {
		{ "period", 0, 0, G_OPTION_ARG_STRING, &period, "2026Q3, 2026-27, 2026 or FROM..TO (required)", "PERIOD" },
		{ "set", 0, 0, G_OPTION_ARG_STRING, &set, "Which figures (default: [reports] sets, else all)", "SET" },
		{ "to", 0, 0, G_OPTION_ARG_STRING_ARRAY, &to, "Send to this address instead of [reports] recipients "
		  "(may be repeated)", "ADDRESS" },
		{ "again", 0, 0, G_OPTION_ARG_NONE, &again, "Queue a new copy even if this period's report was "
		  "queued or sent to them before", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("— mail the oversight report for a period");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc != 1 || period == NULL) {
		fprintf(stderr, "redress report send: %s (see redress report send --help)\n",
		        err ? err->message : argc != 1 ? "unexpected arguments" : "give the period with --period");
		return RD_EXIT_USAGE;
	}
	GDate from, last;
	if (!rd_report_period_parse(period, &from, &last)) {
		fprintf(stderr, "redress report send: --period '%s' is not a period: write 2026Q3, 2026-27, 2026 or "
		        "2026-04-01..2026-09-30\n", period);
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	g_autofree char *db_path = NULL;
	int rc = rd_open_config_and_store(g, &cfg, &store, &db_path);
	if (rc != RD_EXIT_OK)
		return rc;
	guint sets = 0;
	if (!rd_report_sets_parse(set != NULL ? set : cfg->reports.sets, &sets)) {
		fprintf(stderr, "redress report send: --set is spso, lgsco, hos, reg18 or all (or several joined by ',')\n");
		return RD_EXIT_USAGE;
	}
	const char *const *recipients = send_recipients(cfg, to);
	if (recipients == NULL) {
		fprintf(stderr, "redress report send: nobody to send it to: give --to ADDRESS, or set recipients in "
		        "[reports] (see README, \"Scheduled reports\")\n");
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdRules) rules = rd_rules_open(store, cfg, &err);
	if (rules == NULL) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return RD_EXIT_USAGE;
	}
	g_autoptr(GPtrArray) results = NULL;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	if (!rd_reports_queue(store, cfg, rules, &from, &last, sets, recipients, again, now, &results, &err)) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return err->domain == RD_STORE_ERROR ? RD_EXIT_INTERNAL : RD_EXIT_USAGE;
	}
	if (g->quiet)
		return RD_EXIT_OK;
	g_autofree char *name = rd_report_period_name(&from, &last);
	guint queued = 0;
	for (guint i = 0; i < results->len; i++) {
		const RdReportQueued *q = results->pdata[i];
		print_queued(q, name);
		queued += q->queued;
	}
	if (queued > 0)
		print_how_sent(db_path);
	return RD_EXIT_OK;
}

int
rd_cmd_report(const RdGlobalOptions *g, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "send") == 0)
		return report_send(g, argc - 1, argv + 1);
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
	q.store = store;
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
