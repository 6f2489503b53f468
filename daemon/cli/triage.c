/*
 * triage.c — `redress triage`: messages a person must place, and placing
 * them (`triage assign MSG REF`, `triage new MSG`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

/* MSG is the number shown by `redress triage` or a Message-ID. */
static RdMessageRow *
find_message(RdStore *store, const char *arg, GError **error)
{
	const char *p = arg;
	if (*p == '#')
		p++;
	char *end = NULL;
	gint64 id = g_ascii_strtoll(p, &end, 10);
	if (end != p && *end == '\0' && id > 0)
		return rd_store_message_get(store, id, error);
	g_autofree char *mid = g_strdup(arg);
	g_strstrip(mid);
	if (mid[0] == '<' && mid[strlen(mid) - 1] == '>') {
		mid[strlen(mid) - 1] = '\0';
		memmove(mid, mid + 1, strlen(mid));
	}
	return rd_store_message_get_by_message_id(store, mid, error);
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
		if (t->suggestion)
			printf("        suggestion: redress triage assign %" G_GINT64_FORMAT " %s\n", t->msg_id, t->suggestion);
	}
	if (!g->quiet)
		printf("%u message%s in triage; place one with 'redress triage assign MSG REF' or "
		       "'redress triage new MSG'\n", items->len, items->len == 1 ? "" : "s");
	return RD_EXIT_OK;
}

static int
triage_place(const RdGlobalOptions *g, RdStore *store, const RdConfig *cfg,
             const char *msg_arg, const char *ref_arg)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdMessageRow) m = find_message(store, msg_arg, &err);
	if (m == NULL) {
		if (err) {
			fprintf(stderr, "redress: error: %s\n", err->message);
			return RD_EXIT_INTERNAL;
		}
		fprintf(stderr, "redress triage: no message %s (use the number shown by 'redress triage')\n", msg_arg);
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdCase) target = NULL;
	if (ref_arg != NULL) {
		target = rd_cli_find_case(store, cfg, ref_arg, &err);
		if (target == NULL) {
			fprintf(stderr, "redress triage: no case %s (list them with: redress cases)\n", ref_arg);
			return err ? RD_EXIT_INTERNAL : RD_EXIT_USAGE;
		}
	} else if (m->from_email == NULL) {
		fprintf(stderr, "redress triage: message #%" G_GINT64_FORMAT " has no sender address, so it cannot open a case;"
		        " assign it to a case with 'redress triage assign %" G_GINT64_FORMAT " REF'\n", m->id, m->id);
		return RD_EXIT_USAGE;
	}

	g_autofree char *actor = rd_cli_actor();
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	if (!rd_store_begin(store, &err)) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	g_autofree char *resolution = NULL;
	gboolean ok;
	if (target != NULL) {
		/* Keep what the message is (automatic, bounce); only mail that
		 * could not be classified becomes correspondence. */
		const char *kind = strcmp(m->kind, "triage") == 0 ? "correspondence" : m->kind;
		g_autofree char *reason = g_strdup_printf("placed on %s from triage by %s", target->reference, actor);
		resolution = g_strdup_printf("assigned to %s", target->reference);
		ok = rd_store_message_set_case(store, m->id, target->id, kind, "triage", reason, &err) &&
		     rd_store_triage_resolve(store, m->id, resolution, now, &err) &&
		     rd_store_event_add(store, target->id, now, actor, "triage-assigned", reason, m->id, &err) != 0;
	} else {
		g_autofree char *channel = NULL;
		RdMailbox mb = RD_MAILBOX_COMPLAINTS;
		if (m->routes && m->routes->len > 0)
			rd_mailbox_from_string(m->routes->pdata[0], &mb);
		RdCaseNew n = { 0 };
		n.prefix = cfg->reference_prefix;
		n.year = rd_time_year_local(m->received_at);
		n.channel = rd_channel_for_mailbox(mb);
		n.complainant_email = m->from_email;
		n.complainant_name = m->from_name;
		n.language = "en";
		n.summary = m->subject;
		n.opened_at = m->received_at;
		target = rd_store_case_create(store, &n, &err);
		ok = target != NULL;
		if (ok) {
			g_autofree char *reason = g_strdup_printf("case opened from triage by %s", actor);
			resolution = g_strdup_printf("new case %s", target->reference);
			ok = rd_store_message_set_case(store, m->id, target->id, "new-complaint", "triage", reason, &err) &&
			     rd_store_triage_resolve(store, m->id, resolution, now, &err) &&
			     rd_store_event_add(store, target->id, now, actor, "new-complaint", reason, m->id, &err) != 0;
		}
	}
	if (!ok || !rd_store_commit(store, &err)) {
		rd_store_rollback(store);
		if (err && err->domain == RD_STORE_ERROR && err->code == RD_STORE_ERROR_NOT_FOUND) {
			fprintf(stderr, "redress triage: message #%" G_GINT64_FORMAT " is not waiting in triage; nothing changed\n", m->id);
			return RD_EXIT_USAGE;
		}
		fprintf(stderr, "redress: error: nothing changed: %s\n", err ? err->message : "unknown error");
		return RD_EXIT_INTERNAL;
	}
	if (g->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		rd_json_int(b, "message", m->id);
		rd_json_str(b, "case", target->reference);
		rd_json_str(b, "resolution", resolution);
		json_builder_end_object(b);
		rd_json_print(b);
	} else if (!g->quiet) {
		printf("message #%" G_GINT64_FORMAT ": %s\n", m->id, resolution);
	}
	return RD_EXIT_OK;
}

int
rd_cmd_triage(const RdGlobalOptions *g, int argc, char **argv)
{
	g_autoptr(GOptionContext) oc = g_option_context_new(
		"[assign MSG REF | new MSG] — messages a person must place");
	g_option_context_set_description(oc,
		"With no arguments, lists the messages waiting in triage.\n"
		"  assign MSG REF   put message MSG (its number or Message-ID) on case REF\n"
		"  new MSG          open a new case from message MSG\n");
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err)) {
		fprintf(stderr, "redress triage: %s\n", err->message);
		return RD_EXIT_USAGE;
	}
	gboolean list = argc == 1;
	gboolean assign = argc == 4 && strcmp(argv[1], "assign") == 0;
	gboolean new_ = argc == 3 && strcmp(argv[1], "new") == 0;
	if (!list && !assign && !new_) {
		fprintf(stderr, "redress triage: use 'redress triage', 'redress triage assign MSG REF' or 'redress triage new MSG'\n");
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	int rc = list ? rd_open_config_and_store_readonly(g, &cfg, &store, NULL)
	             : rd_open_config_and_store(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	if (list)
		return triage_list(g, store);
	return triage_place(g, store, cfg, argv[2], assign ? argv[3] : NULL);
}

