/*
 * surveys.c — `redress surveys`: satisfaction surveys from the command
 * line (README "Satisfaction surveys").
 *
 *   redress surveys list [--case REF] [--json]
 *   redress surveys record ID A1 [A2 A3 A4] [--comment TEXT] [--at TIME]
 *
 * list shows who was surveyed and what became of it, never the answers
 * (those are for the reports, in totals). record enters what a person
 * read in a reply redress could not (it waits in triage), through
 * casework/surveys.c. Exit statuses as `redress case`: 0 done, 1 refused
 * or bad usage (nothing changed), 2 the database failed.
 */
#include <stdio.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

static int
cmd_list(const RdGlobalOptions *g, int argc, char **argv)
{
	g_autofree char *ref = NULL;
	GOptionEntry entries[] = {
		{ "case", 0, 0, G_OPTION_ARG_STRING, &ref, "Only the surveys of this case", "REF" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("— surveys sent, answered, expired or not sent");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc > 1) {
		fprintf(stderr, "redress surveys list: %s (see redress surveys list --help)\n",
		        err ? err->message : "unexpected argument");
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	int rc = rd_open_config_and_store_readonly(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	gint64 case_id = 0;
	if (ref != NULL) {
		g_autoptr(RdCase) c = NULL;
		if (!rd_cli_find_case(store, cfg, ref, &c, &err)) {
			fprintf(stderr, "redress surveys list: %s\n", err->message);
			return RD_EXIT_USAGE;
		}
		case_id = c->id;
	}
	g_autoptr(GPtrArray) all = rd_store_surveys_list(store, case_id, &err);
	if (all == NULL) {
		fprintf(stderr, "redress: error: cannot list surveys: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	if (g->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_array(b);
		for (guint i = 0; i < all->len; i++) {
			const RdSurvey *v = all->pdata[i];
			json_builder_begin_object(b);
			rd_json_int(b, "id", v->id);
			rd_json_str(b, "case", v->reference);
			rd_json_str(b, "kind", v->kind);
			rd_json_str(b, "recipient", v->recipient);
			rd_json_str(b, "language", v->language);
			rd_json_str(b, "status", v->status);
			rd_json_str(b, "reason", v->reason);
			rd_json_str(b, "due", v->due);
			rd_json_str(b, "sent", v->sent_day);
			rd_json_str(b, "expires", v->expires);
			rd_json_str(b, "answered", v->answered_day);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		rd_json_print(b);
		return RD_EXIT_OK;
	}
	if (all->len == 0) {
		if (!g->quiet)
			printf("no surveys\n");
		return RD_EXIT_OK;
	}
	printf("%-5s %-16s %-11s %-10s %-10s %-10s %s\n", "ID", "CASE", "KIND", "STATUS", "SENT", "UNTIL", "TO");
	for (guint i = 0; i < all->len; i++) {
		const RdSurvey *v = all->pdata[i];
		g_autofree char *to = rd_cli_one_line(v->recipient ? v->recipient : "-", 40);
		printf("%-5" G_GINT64_FORMAT " %-16s %-11s %-10s %-10s %-10s %s%s%s\n", v->id, v->reference, v->kind,
		       v->status, v->sent_day ? v->sent_day : "-", v->expires ? v->expires : "-", to,
		       v->reason ? " — " : "", v->reason ? v->reason : "");
	}
	return RD_EXIT_OK;
}

static int
cmd_record(const RdGlobalOptions *g, int argc, char **argv)
{
	g_autofree char *comment = NULL, *when = NULL;
	GOptionEntry entries[] = {
		{ "comment", 0, 0, G_OPTION_ARG_STRING, &comment, "Their comment (anonymised before it is kept)", "TEXT" },
		{ "at", 0, 0, G_OPTION_ARG_STRING, &when, "When the reply came (ISO 8601; default now)", "TIME" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("ID A1 [A2 A3 A4] — answers read by a person (1 to 5, 0 "
	                                                    "for none)");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc < 3 || argc > 2 + RD_SURVEY_QUESTIONS) {
		fprintf(stderr, "redress surveys record: usage: redress surveys record ID A1 [A2 A3 A4] [--comment TEXT]\n");
		return RD_EXIT_USAGE;
	}
	gint64 id = 0;
	int answers[RD_SURVEY_QUESTIONS] = { 0 };
	if (!g_ascii_string_to_signed(argv[1], 10, 1, G_MAXINT64, &id, NULL)) {
		fprintf(stderr, "redress surveys record: '%s' is not a survey number (see redress surveys list)\n", argv[1]);
		return RD_EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		gint64 v = 0;
		if (!g_ascii_string_to_signed(argv[i], 10, 0, 5, &v, NULL)) {
			fprintf(stderr, "redress surveys record: '%s' is not an answer: 1 to 5, or 0 for none\n", argv[i]);
			return RD_EXIT_USAGE;
		}
		answers[i - 2] = (int)v;
	}
	gint64 at = g_get_real_time() / G_USEC_PER_SEC;
	if (when != NULL && !rd_time_parse(when, &at)) {
		fprintf(stderr, "redress surveys record: '%s' is not a time (ISO 8601, e.g. 2026-12-01T10:00:00Z)\n", when);
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	int rc = rd_open_config_and_store(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	g_autoptr(RdCasework) cw = NULL;
	rc = rd_cli_open_casework(store, cfg, &cw);
	if (rc != RD_EXIT_OK)
		return rc;
	g_autofree char *actor = rd_cli_actor();
	if (!rd_casework_survey_record(cw, id, answers, comment, actor, at, &err))
		return rd_cli_casework_failed("surveys record", err);
	if (!g->quiet)
		printf("survey %" G_GINT64_FORMAT ": answers recorded\n", id);
	return RD_EXIT_OK;
}

int
rd_cmd_surveys(const RdGlobalOptions *g, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "list";
	int sargc = argc >= 2 ? argc - 1 : 1;
	char **sargv = argc >= 2 ? argv + 1 : argv;
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		printf("Usage:\n  redress surveys list [--case REF] [--json]\n"
		       "  redress surveys record ID A1 [A2 A3 A4] [--comment TEXT] [--at TIME]\n"
		       "(each with --help for its options)\n");
		return RD_EXIT_OK;
	}
	if (strcmp(sub, "list") == 0)
		return cmd_list(g, sargc, sargv);
	if (strcmp(sub, "record") == 0)
		return cmd_record(g, sargc, sargv);
	fprintf(stderr, "redress surveys: unknown subcommand '%s'; use list or record\n", sub);
	return RD_EXIT_USAGE;
}
