/*
 * selftest.c — `redress selftest [--timeout SECONDS] [--json]`: does mail to
 * a case's reply address reach the complaints mailbox? One call into the
 * service room (service/selftest.c), then the report: OK with the round
 * trip, or what failed and what to configure.
 *
 * Exit status: 0 the test mail arrived; 1 it did not, or the servers or
 * the configuration stood in the way (the report says what to fix); 2 the
 * database or the system failed.
 */
#include <stdio.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

#define DEFAULT_TIMEOUT_S 60
#define MAX_TIMEOUT_S     3600

/* @text wrapped at 76 columns, each line starting with @indent (the first
 * with @first). */
static void
print_wrapped(const char *first, const char *indent, const char *text)
{
	g_auto(GStrv) words = g_strsplit(text, " ", -1);
	GString *line = g_string_new(first);
	gsize start = strlen(first);
	for (guint i = 0; words[i] != NULL; i++) {
		if (*words[i] == '\0')
			continue;
		if (line->len > start && line->len + 1 + strlen(words[i]) > 76) {
			printf("%s\n", line->str);
			g_string_assign(line, indent);
			start = line->len;
		}
		if (line->len > start)
			g_string_append_c(line, ' ');
		g_string_append(line, words[i]);
	}
	if (line->len > start)
		printf("%s\n", line->str);
	g_string_free(line, TRUE);
}

static void
print_json(const RdSelftestResult *r)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "ok");
	json_builder_add_boolean_value(b, r->outcome == RD_SELFTEST_OK);
	rd_json_str(b, "outcome", rd_selftest_outcome_to_string(r->outcome));
	rd_json_time(b, "at", r->at);
	rd_json_str(b, "address", r->address);
	json_builder_set_member_name(b, "ms");
	if (r->seconds >= 0)
		json_builder_add_int_value(b, (gint64)(r->seconds * 1000 + 0.5));
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "seen_by_intake");
	json_builder_add_boolean_value(b, r->seen_by_intake);
	rd_json_str(b, "summary", r->summary);
	rd_json_str(b, "detail", r->detail);
	json_builder_set_member_name(b, "advice");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->advice->len; i++)
		json_builder_add_string_value(b, r->advice->pdata[i]);
	json_builder_end_array(b);
	json_builder_end_object(b);
	rd_json_print(b);
}

static void
print_text(const RdSelftestResult *r)
{
	if (r->outcome == RD_SELFTEST_OK) {
		g_autofree char *line = g_strdup_printf("%s.", r->summary);
		print_wrapped("OK: ", "    ", line);
		return;
	}
	g_autofree char *head = g_strdup_printf("FAILED (%s): ", rd_selftest_outcome_to_string(r->outcome));
	g_autofree char *line = g_strdup_printf("%s.", r->summary);
	print_wrapped(head, "    ", line);
	if (r->advice->len == 0)
		return;
	printf("\nWhat to do:\n");
	for (guint i = 0; i < r->advice->len; i++)
		print_wrapped("  - ", "    ", r->advice->pdata[i]);
}

int
rd_cmd_selftest(const RdGlobalOptions *g, int argc, char **argv)
{
	gint timeout_s = DEFAULT_TIMEOUT_S;
	GOptionEntry entries[] = {
		{ "timeout", 't', 0, G_OPTION_ARG_INT, &timeout_s,
		  "Wait up to SECONDS for the test mail to arrive (default 60)", "SECONDS" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc =
		g_option_context_new("— check that mail to a case's reply address reaches the complaints mailbox");
	g_option_context_set_summary(oc,
		"Sends a test mail through [smtp] to a reply address like the ones letters give "
		"(complaints+TOKEN@…), and one to the complaints address itself, then watches "
		"[mailbox:complaints] for them and removes them. Reports OK with the round trip, or what "
		"failed and what to configure. The daemon runs the same check when it starts.");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc != 1) {
		fprintf(stderr, "redress selftest: %s (see redress selftest --help)\n",
		        err ? err->message : "unexpected argument");
		return RD_EXIT_USAGE;
	}
	if (timeout_s < 1 || timeout_s > MAX_TIMEOUT_S) {
		fprintf(stderr, "redress selftest: --timeout takes 1 to %d seconds\n", MAX_TIMEOUT_S);
		return RD_EXIT_USAGE;
	}

	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	int rc = rd_open_config_and_store(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	if (!g->json && !g->quiet && cfg->smtp.url != NULL &&
	    cfg->mailboxes[RD_MAILBOX_COMPLAINTS].imap_url != NULL)
		fprintf(stderr, "redress selftest: sending test mail through %s, watching the complaints "
		        "mailbox for up to %d s\n", cfg->smtp.url, timeout_s);

	RdSelftestResult r = { 0 };
	if (!rd_selftest_run(store, cfg, (guint)timeout_s, NULL, -1, &r, &err)) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		rd_selftest_result_clear(&r);
		return RD_EXIT_INTERNAL;
	}
	g_autoptr(GError) rerr = NULL;
	if (!rd_selftest_record(store, &r, &rerr))
		fprintf(stderr, "redress: warning: the result could not be kept for redress status: %s\n",
		        rerr->message);
	if (g->json)
		print_json(&r);
	else
		print_text(&r);
	rc = r.outcome == RD_SELFTEST_OK ? RD_EXIT_OK
	   : r.outcome == RD_SELFTEST_STOPPED ? RD_EXIT_INTERNAL : RD_EXIT_USAGE;
	rd_selftest_result_clear(&r);
	return rc;
}
