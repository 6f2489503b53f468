/*
 * ingest.c — `redress ingest [--mailbox ROLE] [--received-at TIME|header]
 * [--verbose] [--no-letters] PATH…`: the options, then the file ingest
 * pipeline (inbound/pipeline.c), then one line (or JSON object) per
 * message and the summary.
 *
 * Every path is checked before anything is stored: a typo should not
 * leave half a run behind. Exit status 1 when a file could not be read,
 * 2 when a message could not be stored or the database or disk failed.
 */
#include <stdio.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

typedef struct {
	gboolean json, verbose, quiet;
	guint unreadable;        /* folders rd_source_list() could not read */
} Out;

static const char *
status_name(RdIngestStatus s)
{
	switch (s) {
	case RD_INGEST_STORED: return "stored";
	case RD_INGEST_DUPLICATE: return "duplicate";
	case RD_INGEST_NEW_ROUTE: return "new-route";
	case RD_INGEST_SELFTEST: return "selftest";
	}
	return "?";
}

static void
print_json(const RdPipelineReport *p)
{
	static const RdIngestResult none = { 0 };
	const RdIngestResult *r = p->result ? p->result : &none;
	gboolean failed = p->outcome != RD_PIPELINE_DONE;
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "source");
	json_builder_add_string_value(b, p->source);
	json_builder_set_member_name(b, "status");
	json_builder_add_string_value(b, failed ? "error" : status_name(r->status));
	if (failed) {
		json_builder_set_member_name(b, "error");
		json_builder_add_string_value(b, p->error);
	}
#define STR_OR_NULL(name, v) do { json_builder_set_member_name(b, name); \
	if (v) json_builder_add_string_value(b, v); else json_builder_add_null_value(b); } while (0)
	STR_OR_NULL("message_id", failed ? p->message_id : r->message_id);
	STR_OR_NULL("case", r->case_ref);
	STR_OR_NULL("kind", r->kind);
	STR_OR_NULL("via", r->via);
	STR_OR_NULL("reason", r->reason);
	STR_OR_NULL("problem", r->problem);
#undef STR_OR_NULL
	json_builder_set_member_name(b, "triage");
	json_builder_add_boolean_value(b, r->triage);
	json_builder_set_member_name(b, "new_case");
	json_builder_add_boolean_value(b, r->new_case);
	json_builder_end_object(b);
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	g_autofree char *s = json_to_string(root, FALSE);
	printf("%s\n", s);
}

static void
print_line(const RdPipelineReport *p)
{
	const RdIngestResult *r = p->result;
	if (p->outcome != RD_PIPELINE_DONE) {
		printf("%-6s %s: %s\n", "ERROR", p->source, p->error);
		return;
	}
	const char *what;
	if (r->status == RD_INGEST_DUPLICATE)
		what = "already ingested, nothing changed";
	else if (r->status == RD_INGEST_NEW_ROUTE)
		what = "already ingested; route through this mailbox recorded";
	else if (r->status == RD_INGEST_SELFTEST)
		what = "self-test mail";
	else if (r->new_case)
		what = "new case";
	else if (r->triage)
		what = "triage";
	else
		what = r->kind;
	printf("%-16s %-15s %s\n    %s\n    %s\n", r->case_ref ? r->case_ref : "-", what, p->source,
	       r->reason ? r->reason : "", r->message_id ? r->message_id : "(no Message-ID)");
}

static void
on_report(const RdPipelineReport *p, gpointer user_data)
{
	const Out *o = user_data;
	if (p->outcome == RD_PIPELINE_UNREADABLE)
		fprintf(stderr, "redress: error: %s: %s; the file was skipped, fix it and run ingest again\n",
		        p->source, p->error);
	else if (p->outcome == RD_PIPELINE_NOT_STORED)
		fprintf(stderr, "redress: error: %s: could not be stored: %s\n", p->source, p->error);
	if (p->outcome == RD_PIPELINE_UNREADABLE)
		return;
	if (o->json)
		print_json(p);
	else if (o->verbose)
		print_line(p);
}

static void
print_summary(const Out *c, const RdPipelineCounts *n)
{
	if (c->quiet)
		return;
	FILE *out = c->json ? stderr : stdout;
	fprintf(out, "ingested %u message%s: %u stored (%u new case%s, %u on existing cases, %u in triage)",
	        n->seen, n->seen == 1 ? "" : "s", n->stored, n->new_cases, n->new_cases == 1 ? "" : "s",
	        n->on_cases, n->triage);
	if (n->duplicates)
		fprintf(out, ", %u already ingested (nothing changed)", n->duplicates);
	if (n->new_routes)
		fprintf(out, ", %u already ingested through another mailbox (route recorded)", n->new_routes);
	if (n->selftests)
		fprintf(out, ", %u redress self-test mail%s (noted, filed nowhere)", n->selftests,
		        n->selftests == 1 ? "" : "s");
	guint errors = (n->read_errors + c->unreadable) + n->store_errors + n->unconfirmed;
	if (errors)
		fprintf(out, ", %u error%s", errors, errors == 1 ? "" : "s");
	fprintf(out, "\n");
	if (n->triage && !c->json)
		fprintf(out, "see them with: redress triage\n");
}

int
rd_cmd_ingest(const RdGlobalOptions *g, int argc, char **argv)
{
	g_autofree char *mailbox = NULL;
	g_autofree char *received = NULL;
	gboolean verbose = FALSE;
	gboolean no_letters = FALSE;
	GOptionEntry entries[] = {
		{ "mailbox", 'm', 0, G_OPTION_ARG_STRING, &mailbox,
		  "Mailbox the mail was delivered to: complaints (default), stage2, chief-executive, monitoring-officer", "ROLE" },
		{ "received-at", 0, 0, G_OPTION_ARG_STRING, &received,
		  "When the council received it: ISO 8601, or 'header' for each message's Date (default: now)", "TIME" },
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Print a line for every message", NULL },
		{ "no-letters", 0, 0, G_OPTION_ARG_NONE, &no_letters,
		  "Import: record cases and deadlines but queue no letters (for old mail)", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("PATH... — store messages and file them on cases");
	g_option_context_set_summary(oc,
		"PATH is an .eml file, a folder of message files, a Maildir, an mbox, or - for one message on standard input.");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err)) {
		fprintf(stderr, "redress ingest: %s (see redress ingest --help)\n", err->message);
		return RD_EXIT_USAGE;
	}
	if (argc < 2) {
		fprintf(stderr, "redress ingest: give at least one PATH (an .eml file, a folder, a Maildir or an mbox)\n");
		return RD_EXIT_USAGE;
	}

	RdPipelineOptions po = { 0 };
	po.mailbox = RD_MAILBOX_COMPLAINTS;
	if (mailbox && !rd_mailbox_from_string(mailbox, &po.mailbox)) {
		fprintf(stderr, "redress ingest: unknown mailbox '%s'; use complaints, stage2, chief-executive or monitoring-officer\n",
		        mailbox);
		return RD_EXIT_USAGE;
	}
	if (received && strcmp(received, "header") == 0) {
		po.received_from_header = TRUE;
	} else if (received) {
		if (!rd_time_parse(received, &po.received_at)) {
			fprintf(stderr, "redress ingest: --received-at '%s' is not a time; use ISO 8601, e.g. 2026-11-20T16:30:00Z\n",
			        received);
			return RD_EXIT_USAGE;
		}
		po.have_received_at = TRUE;
	}
	Out out = { g->json, verbose, g->quiet, 0 };

	/* Check every path before storing anything. */
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			g_ptr_array_add(files, g_strdup("-"));
			continue;
		}
		g_autoptr(GError) lerr = NULL;
		guint unreadable = 0;
		g_autoptr(GPtrArray) list = rd_source_list(argv[i], &unreadable, &lerr);
		if (list == NULL) {
			fprintf(stderr, "redress ingest: %s\n", lerr->message);
			return RD_EXIT_USAGE;
		}
		for (guint k = 0; k < list->len; k++)
			g_ptr_array_add(files, g_strdup(list->pdata[k]));
		/* Named on stderr already; counted so the run says it and
		 * exits 1. */
		out.unreadable += unreadable;
	}

	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	g_autofree char *db_path = NULL;
	int rc = rd_open_config_and_store(g, &cfg, &store, &db_path);
	if (rc != RD_EXIT_OK)
		return rc;
	g_autoptr(RdCasework) cw = NULL;
	int crc = rd_cli_open_casework(store, cfg, &cw);
	if (crc != RD_EXIT_OK)
		return crc;
	rd_casework_set_letters(cw, !no_letters);
	g_autoptr(RdIngest) ing = rd_ingest_new(cw);
	RdPipelineCounts n = { 0 };
	gboolean ok = rd_pipeline_run(ing, store, cfg, db_path, files, &po, on_report, &out, &n, &err);
	if (err != NULL)
		fprintf(stderr, "redress: error: %s\n", err->message);
	if (n.unsynced != NULL)
		fprintf(stderr, "redress: error: %s; %u message%s could not be confirmed on disk, so %s "
		        "not reported as stored and may not survive a power cut: check the disk (and the "
		        "system log), then run ingest again (what is already stored is skipped)\n",
		        n.unsynced->message, n.unconfirmed, n.unconfirmed == 1 ? "" : "s",
		        n.unconfirmed == 1 ? "it is" : "they are");
	print_summary(&out, &n);
	fflush(stdout);
	if (!ok || n.store_errors)
		rc = RD_EXIT_INTERNAL;
	else if (n.read_errors || out.unreadable)
		rc = RD_EXIT_USAGE;
	rd_pipeline_counts_clear(&n);
	return rc;
}
