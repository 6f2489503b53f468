/*
 * triage.c — `redress triage`: messages a person must place, and placing
 * them (`triage assign MSG REF`, `triage new MSG`, and for mail written on
 * a closed case `triage reopen MSG` or `triage stage2 MSG`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

/* MSG is the number shown by `redress triage` or a Message-ID; *@m_r
 * NULL if there is no such message. FALSE only when the store failed. */
static gboolean
find_message(RdStore *store, const char *arg, RdMessageRow **m_r, GError **error)
{
	const char *p = arg;
	if (*p == '#')
		p++;
	char *end = NULL;
	gint64 id = g_ascii_strtoll(p, &end, 10);
	if (end != p && *end == '\0' && id > 0)
		return rd_store_message_get(store, id, m_r, error);
	g_autofree char *mid = g_strdup(arg);
	g_strstrip(mid);
	if (mid[0] == '<' && mid[strlen(mid) - 1] == '>') {
		mid[strlen(mid) - 1] = '\0';
		memmove(mid, mid + 1, strlen(mid));
	}
	return rd_store_message_get_by_message_id(store, mid, m_r, error);
}

/* find_message(), saying what went wrong: an exit status. */
static int
message_or_say(RdStore *store, const char *msg_arg, RdMessageRow **m_r)
{
	g_autoptr(GError) err = NULL;
	if (!find_message(store, msg_arg, m_r, &err)) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	if (*m_r == NULL) {
		fprintf(stderr, "redress triage: no message %s (use the number shown by 'redress triage')\n", msg_arg);
		return RD_EXIT_USAGE;
	}
	return RD_EXIT_OK;
}

static int
triage_list(const RdGlobalOptions *g, RdStore *store)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) items = rd_store_triage_list(store, &err);
	if (items == NULL) {
		fprintf(stderr, "redress: error: cannot list triage: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	if (g->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_array(b);
		for (guint i = 0; i < items->len; i++) {
			const RdTriageItem *t = items->pdata[i];
			json_builder_begin_object(b);
			rd_json_int(b, "message", t->msg_id);
			rd_json_str(b, "message_id", t->message_id);
			rd_json_str(b, "from", t->from_email);
			rd_json_str(b, "subject", t->subject);
			rd_json_str(b, "kind", t->kind);
			rd_json_str(b, "reason", t->reason);
			rd_json_str(b, "suggestion", t->suggestion);
			rd_json_time(b, "received_at", t->received_at);
			rd_json_str(b, "problem", t->problem);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		rd_json_print(b);
		return RD_EXIT_OK;
	}
	if (items->len == 0) {
		if (!g->quiet)
			printf("triage is empty\n");
		return RD_EXIT_OK;
	}
	for (guint i = 0; i < items->len; i++) {
		const RdTriageItem *t = items->pdata[i];
		g_autofree char *when = rd_time_format_local(t->received_at);
		g_autofree char *subj = rd_cli_one_line(t->subject, 70);
		printf("#%-6" G_GINT64_FORMAT " %s  %-14s from %s: %s\n", t->msg_id, when, t->kind,
		       rd_cli_or_dash(t->from_email), subj[0] ? subj : "(no subject)");
		printf("        %s\n", rd_cli_or_dash(t->reason));
		if (g_strcmp0(t->problem, "crashed-parser") == 0)
			printf("        kept unparsed; once a fixed redress is installed: redress triage reparse %"
			       G_GINT64_FORMAT "\n", t->msg_id);
		if (t->suggestion)
			printf("        suggestion: redress triage assign %" G_GINT64_FORMAT " %s\n", t->msg_id, t->suggestion);
	}
	if (!g->quiet)
		printf("%u message%s in triage; place one with 'redress triage assign MSG REF' or "
		       "'redress triage new MSG'\n", items->len, items->len == 1 ? "" : "s");
	return RD_EXIT_OK;
}

/* assign (@ref_arg), new, or with @how "reopen"/"stage2" a decision on
 * mail written on a closed case. */
static int
triage_place(const RdGlobalOptions *g, RdStore *store, const RdConfig *cfg,
             const char *msg_arg, const char *ref_arg, const char *how)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdMessageRow) m = NULL;
	int mrc = message_or_say(store, msg_arg, &m);
	if (mrc != RD_EXIT_OK)
		return mrc;
	g_autoptr(RdCasework) cw = NULL;
	int crc = rd_cli_open_casework(store, cfg, &cw);
	if (crc != RD_EXIT_OK)
		return crc;
	g_autofree char *actor = rd_cli_actor();
	RdPlacement p = { 0 };
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gboolean ok = how == NULL ? rd_casework_place(cw, m->id, ref_arg, actor, now, &p, &err)
	                          : rd_casework_place_closed(cw, m->id, strcmp(how, "stage2") == 0, actor, now, &p, &err);
	if (!ok) {
		if (err->domain == RD_CASEWORK_ERROR) {
			fprintf(stderr, "redress triage: %s; nothing changed\n", err->message);
			return RD_EXIT_USAGE;
		}
		fprintf(stderr, "redress: error: nothing changed: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	if (g->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		rd_json_int(b, "message", m->id);
		rd_json_str(b, "case", p.reference);
		rd_json_str(b, "resolution", p.resolution);
		json_builder_end_object(b);
		rd_json_print(b);
	} else if (!g->quiet) {
		printf("message #%" G_GINT64_FORMAT ": %s\n", m->id, p.resolution);
	}
	rd_placement_clear(&p);
	return RD_EXIT_OK;
}

/* `triage reparse MSG [--force]`: a message kept unparsed because it
 * crashed the parser, parsed by this redress and filed as if it had just
 * arrived (inbound/ingest.c, rd_ingest_reparse). */
static int
triage_reparse(const RdGlobalOptions *g, RdStore *store, const RdConfig *cfg, const char *db_path,
               const char *msg_arg, gboolean force)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdMessageRow) m = NULL;
	int mrc = message_or_say(store, msg_arg, &m);
	if (mrc != RD_EXIT_OK)
		return mrc;
	g_autoptr(RdCasework) cw = NULL;
	int crc = rd_cli_open_casework(store, cfg, &cw);
	if (crc != RD_EXIT_OK)
		return crc;
	g_autoptr(RdIngest) ing = rd_ingest_new(cw);
	g_autoptr(RdJournal) journal = rd_journal_open(store, db_path, &err);
	if (journal == NULL) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	RdIngestResult r = { 0 };
	if (!rd_ingest_reparse(ing, journal, m->id, force, &r, &err)) {
		if (err->domain == RD_INGEST_ERROR) {
			fprintf(stderr, "redress triage: %s; nothing changed\n", err->message);
			return RD_EXIT_USAGE;
		}
		fprintf(stderr, "redress: error: nothing changed: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	if (g->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		rd_json_int(b, "was", m->id);
		rd_json_int(b, "message", r.msg_id);
		rd_json_str(b, "message_id", r.message_id);
		rd_json_str(b, "case", r.case_ref);
		rd_json_str(b, "kind", r.kind);
		rd_json_str(b, "reason", r.reason);
		json_builder_set_member_name(b, "triage");
		json_builder_add_boolean_value(b, r.triage);
		json_builder_end_object(b);
		rd_json_print(b);
	} else if (!g->quiet) {
		printf("message #%" G_GINT64_FORMAT " parsed again and stored as #%" G_GINT64_FORMAT ": %s%s%s\n    %s\n",
		       m->id, r.msg_id, r.case_ref ? r.case_ref : (r.triage ? "in triage" : "on no case"),
		       r.kind ? " " : "", r.kind ? r.kind : "", rd_cli_or_dash(r.reason));
	}
	rd_ingest_result_clear(&r);
	return RD_EXIT_OK;
}

int
rd_cmd_triage(const RdGlobalOptions *g, int argc, char **argv)
{
	gboolean force = FALSE;
	GOptionEntry entries[] = {
		{ "force", 0, 0, G_OPTION_ARG_NONE, &force,
		  "reparse: even when the message crashed this same version of redress", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(
		"[assign MSG REF | new MSG | reopen MSG | stage2 MSG | reparse MSG] — messages a person must place");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_option_context_set_description(oc,
		"With no arguments, lists the messages waiting in triage.\n"
		"  assign MSG REF   put message MSG (its number or Message-ID) on case REF\n"
		"  new MSG          open a new case from message MSG\n"
		"  reopen MSG       mail on a closed case: reopen the case's last stage\n"
		"  stage2 MSG       mail on a case whose Stage 1 is closed: a request for Stage 2\n"
		"  reparse MSG      parse again a message kept unparsed because it crashed\n"
		"                   redress, and file it as if it had just arrived\n");
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err)) {
		fprintf(stderr, "redress triage: %s\n", err->message);
		return RD_EXIT_USAGE;
	}
	gboolean list = argc == 1;
	gboolean assign = argc == 4 && strcmp(argv[1], "assign") == 0;
	gboolean new_ = argc == 3 && strcmp(argv[1], "new") == 0;
	gboolean reparse = argc == 3 && strcmp(argv[1], "reparse") == 0;
	const char *how = argc == 3 && (strcmp(argv[1], "reopen") == 0 || strcmp(argv[1], "stage2") == 0) ? argv[1]
	                                                                                              : NULL;
	if (!list && !assign && !new_ && !reparse && how == NULL) {
		fprintf(stderr, "redress triage: use 'redress triage', 'redress triage assign MSG REF', "
		        "'redress triage new MSG', 'redress triage reopen MSG', 'redress triage stage2 MSG' or "
		        "'redress triage reparse MSG'\n");
		return RD_EXIT_USAGE;
	}
	if (force && !reparse) {
		fprintf(stderr, "redress triage: --force goes with 'reparse' only\n");
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	g_autofree char *db_path = NULL;
	int rc = list ? rd_open_config_and_store_readonly(g, &cfg, &store, &db_path)
	             : rd_open_config_and_store(g, &cfg, &store, &db_path);
	if (rc != RD_EXIT_OK)
		return rc;
	if (list)
		return triage_list(g, store);
	if (reparse)
		return triage_reparse(g, store, cfg, db_path, argv[2], force);
	return triage_place(g, store, cfg, argv[2], assign ? argv[3] : NULL, how);
}

