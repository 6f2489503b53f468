/*
 * sweep.c — `redress sweep [--now TIME] [--recompute]`: one deadline sweep
 * (casework/) at the terminal.
 */
#include <stdio.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

typedef struct {
	JsonBuilder *json;       /* --json: one object per deadline action */
	gboolean quiet;
} Out;

static void
on_action(const RdSweepAction *a, gpointer user_data)
{
	const Out *o = user_data;
	if (o->json != NULL) {
		/* Deadline actions only: a recomputed date or a digest is not
		 * an action on a case's clock. */
		if (a->case_ref == NULL || a->key == NULL)
			return;
		json_builder_begin_object(o->json);
		rd_json_str(o->json, "case", a->case_ref);
		rd_json_str(o->json, "action", a->action);
		rd_json_str(o->json, "key", a->key);
		rd_json_str(o->json, "detail", a->detail);
		json_builder_end_object(o->json);
	} else if (!o->quiet) {
		if (a->case_ref != NULL)
			printf("%s  %-14s %s\n", a->case_ref, a->action, a->detail);
		else
			printf("%s %s\n", a->action, a->detail);
	}
}

int
rd_cmd_sweep(const RdGlobalOptions *g, int argc, char **argv)
{
	g_autofree char *when = NULL;
	gboolean force_recompute = FALSE;
	GOptionEntry entries[] = {
		{ "now", 0, 0, G_OPTION_ARG_STRING, &when, "Treat this as the current time (ISO 8601)", "TIME" },
		{ "recompute", 0, 0, G_OPTION_ARG_NONE, &force_recompute,
		  "Recompute every open deadline on the current calendar first", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
		"— reminders, automatic holding replies and overdue alerts that are due");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc != 1) {
		fprintf(stderr, "redress sweep: %s\n", err ? err->message : "unexpected argument");
		return RD_EXIT_USAGE;
	}
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	if (when != NULL && !rd_time_parse(when, &now)) {
		fprintf(stderr, "redress sweep: --now '%s' is not a time (ISO 8601)\n", when);
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	int rc = rd_open_config_and_store(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	g_autoptr(RdRules) rules = rd_rules_open(store, cfg, &err);
	if (rules == NULL) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return err->domain == RD_STORE_ERROR ? RD_EXIT_INTERNAL : RD_EXIT_USAGE;
	}
	/* Which bank holidays the deadlines use, once per run. */
	rd_calendar_log_sources(rd_rules_calendar(rules), cfg->bank_holidays);
	GDate today_d;
	g_autoptr(GDateTime) now_dt = g_date_time_new_from_unix_utc(now);
	rd_date_london(now_dt, &today_d);
	g_autofree char *today = rd_date_format_iso(&today_d);
	g_autoptr(JsonBuilder) jb = g->json ? json_builder_new() : NULL;
	if (jb)
		json_builder_begin_array(jb);

	RdSweepCounts s = { 0 };
	Out out = { jb, g->quiet };
	if (!rd_sweep_run(store, cfg, rules, now, force_recompute, on_action, &out, &s, &err)) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	if (s.failures > 0)
		fprintf(stderr, "redress: error: %u stage%s could not be swept (see the log); they are "
		        "tried again tomorrow\n", s.failures, s.failures == 1 ? "" : "s");
	if (jb) {
		json_builder_end_array(jb);
		rd_json_print(jb);
	} else if (!g->quiet) {
		printf("sweep %s: %u stage%s checked: %u reminder%s, %u holding repl%s, %u overdue, "
		       "%u late acknowledgement%s\n", today, s.stages, s.stages == 1 ? "" : "s",
		       s.reminders, s.reminders == 1 ? "" : "s", s.holding, s.holding == 1 ? "y" : "ies",
		       s.overdue, s.ack_overdue, s.ack_overdue == 1 ? "" : "s");
	}
	return s.failures ? RD_EXIT_INTERNAL : RD_EXIT_OK;
}
