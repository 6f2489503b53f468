/*
 * cases.c — `redress cases [--open|--overdue]`: the list of cases.
 *
 * Human output is laid out for a case officer at a terminal; --json gives
 * the same facts for scripts (one JSON document on stdout). Dates shown to
 * people are Europe/London; JSON instants are ISO 8601 UTC.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"



int
rd_cmd_cases(const RdGlobalOptions *g, int argc, char **argv)
{
	gboolean open_only = FALSE, overdue = FALSE;
	gint due_within = -1;
	g_autofree char *when = NULL;
	GOptionEntry entries[] = {
		{ "open", 0, 0, G_OPTION_ARG_NONE, &open_only, "Only cases still owed a response (Stage 1 or Stage 2 open)", NULL },
		{ "overdue", 0, 0, G_OPTION_ARG_NONE, &overdue, "Only open cases whose response date (or extended date) has passed", NULL },
		{ "due-within", 0, 0, G_OPTION_ARG_INT, &due_within, "Only open cases whose response is due within N working days", "N" },
		{ "now", 0, 0, G_OPTION_ARG_STRING, &when, "Treat this as the current time (ISO 8601)", "TIME" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("— list cases, newest first");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc > 1) {
		fprintf(stderr, "redress cases: %s (see redress cases --help)\n",
		        err ? err->message : "unexpected argument");
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	int rc = rd_open_config_and_store_readonly(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	g_autoptr(GPtrArray) cases = NULL;
	if (overdue || due_within >= 0) {
		/* Deadlines are London working days: "overdue" means the date
		 * has passed (yesterday or before); "within N" means by the Nth
		 * working day from today. */
		gint64 now = g_get_real_time() / G_USEC_PER_SEC;
		if (when != NULL && !rd_time_parse(when, &now)) {
			fprintf(stderr, "redress cases: --now '%s' is not a time (ISO 8601)\n", when);
			return RD_EXIT_USAGE;
		}
		g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(now);
		GDate day;
		rd_date_london(dt, &day);
		if (overdue) {
			g_date_subtract_days(&day, 1);
		} else {
			g_autoptr(RdCalendar) cal = rd_config_calendar(cfg, &err);
			if (cal == NULL) {
				fprintf(stderr, "%s\n", err->message);
				return RD_EXIT_USAGE;
			}
			GDate from = day;
			rd_calendar_add_working_days(cal, &from, (guint)due_within, &day);
		}
		g_autofree char *iso = rd_date_format_iso(&day);
		cases = rd_store_cases_due_by(store, iso, &err);
	} else {
		cases = rd_store_cases_list(store, open_only ? RD_CASES_OPEN : RD_CASES_ALL, &err);
	}
	if (cases == NULL) {
		fprintf(stderr, "redress: error: cannot list cases: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	if (g->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_array(b);
		for (guint i = 0; i < cases->len; i++)
			rd_json_case(b, cases->pdata[i]);
		json_builder_end_array(b);
		rd_json_print(b);
		return RD_EXIT_OK;
	}
	if (cases->len == 0) {
		if (!g->quiet)
			printf("no %scases\n", open_only ? "open " : "");
		return RD_EXIT_OK;
	}
	printf("%-16s %-13s %-18s %-16s %-30s %s\n", "REFERENCE", "STATE", "CHANNEL", "OPENED", "COMPLAINANT", "SUMMARY");
	for (guint i = 0; i < cases->len; i++) {
		const RdCase *c = cases->pdata[i];
		g_autofree char *opened = rd_time_format_local(c->opened_at);
		g_autofree char *who = rd_cli_one_line(c->complainant_email, 30);
		g_autofree char *sum = rd_cli_one_line(c->summary, 50);
		printf("%-16s %-13s %-18s %-16s %-30s %s\n", c->reference, c->state, c->channel, opened, who, sum);
	}
	if (!g->quiet)
		printf("%u case%s\n", cases->len, cases->len == 1 ? "" : "s");
	return RD_EXIT_OK;
}

