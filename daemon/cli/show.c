/*
 * show.c — `redress show REF`: one case, its stages, messages, letters and
 * events in time order; --json gives the same facts for scripts, from the
 * same description (RdOut, output.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

/* The case's own facts: JSON as `redress cases` gives them, text as a
 * header for a person. */
static void
describe_case(RdOut *o, const RdCase *c, GPtrArray *group)
{
	rd_out_begin(o, "case", NULL);
	rd_out_str(o, "reference", NULL, c->reference);
	rd_out_str(o, "state", NULL, c->state);
	rd_out_str(o, "channel", NULL, c->channel);
	rd_out_str(o, "service", NULL, c->service);
	rd_out_str(o, "complainant", NULL, c->complainant_email);
	rd_out_str(o, "complainant_name", NULL, c->complainant_name);
	rd_out_str(o, "representative", NULL, c->representative_email);
	rd_out_str(o, "handler", NULL, c->handler);
	rd_out_str(o, "language", NULL, c->language);
	rd_out_str(o, "profile", NULL, c->profile);
	rd_out_begin_list(o, "flags", NULL);
	g_auto(GStrv) fl = g_strsplit(c->flags ? c->flags : "", ",", -1);
	for (guint i = 0; fl[i]; i++)
		if (*fl[i])
			rd_out_str(o, NULL, NULL, fl[i]);
	rd_out_end(o);
	rd_out_str(o, "summary", NULL, c->summary);
	rd_out_id(o, "group", NULL, c->group_id);
	rd_out_time(o, "opened", NULL, c->opened_at);
	rd_out_time(o, "updated", NULL, c->updated_at);
	rd_out_end(o);

	g_autofree char *opened = rd_time_format_local(c->opened_at);
	rd_out_line(o, "%s  %s  (channel %s, language %s)", c->reference, c->state, c->channel,
	            rd_cli_or_dash(c->language));
	if (c->complainant_name)
		rd_out_line(o, "Complainant:  %s <%s>", c->complainant_name, c->complainant_email);
	else
		rd_out_line(o, "Complainant:  %s", rd_cli_or_dash(c->complainant_email));
	rd_out_line(o, "Opened:       %s", opened);
	rd_out_line(o, "Summary:      %s", rd_cli_or_dash(c->summary));
	rd_out_line(o, "Service:      %s   Handler: %s%s%s", rd_cli_or_dash(c->service), rd_cli_or_dash(c->handler),
	            c->flags && *c->flags ? "   Flags: " : "", c->flags && *c->flags ? c->flags : "");
	/* The other cases of its group, by reference. */
	g_autoptr(GString) others = g_string_new(NULL);
	rd_out_begin_list(o, "group", NULL);
	for (guint i = 0; i < group->len; i++) {
		const RdCase *other = group->pdata[i];
		if (other->id == c->id)
			continue;
		rd_out_str(o, NULL, NULL, other->reference);
		g_string_append_printf(others, "%s%s", others->len ? ", " : "", other->reference);
	}
	rd_out_end(o);
	if (others->len > 0)
		rd_out_line(o, "Group:        %s", others->str);
}

static void
describe_stage(RdOut *o, const RdStage *s)
{
	rd_out_begin(o, NULL, NULL);
	rd_out_int(o, "stage", NULL, s->stage);
	rd_out_str(o, "received", NULL, s->received);
	rd_out_str(o, "ack_due", NULL, s->ack_due);
	rd_out_str(o, "ack_sent", NULL, s->ack_sent);
	rd_out_str(o, "response_due", NULL, s->response_due);
	rd_out_str(o, "dept_notice_due", NULL, s->dept_notice_due);
	rd_out_str(o, "extended_to", NULL, s->extended_to);
	rd_out_str(o, "extension_reason", NULL, s->extension_reason);
	rd_out_str(o, "responded", NULL, s->responded);
	rd_out_str(o, "outcome", NULL, s->outcome);
	rd_out_str(o, "closed", NULL, s->closed);
	rd_out_str(o, "handler", NULL, s->handler);
	rd_out_end(o);

	g_autoptr(GString) l = g_string_new(NULL);
	g_string_append_printf(l, "  Stage %d: received %s, acknowledgement due %s (sent %s), response due %s",
	                       s->stage, rd_cli_or_dash(s->received), rd_cli_or_dash(s->ack_due),
	                       rd_cli_or_dash(s->ack_sent), rd_cli_or_dash(s->response_due));
	if (s->extended_to)
		g_string_append_printf(l, ", extended to %s (%s)", s->extended_to, rd_cli_or_dash(s->extension_reason));
	if (s->responded)
		g_string_append_printf(l, ", responded %s", s->responded);
	if (s->outcome)
		g_string_append_printf(l, ", outcome %s", s->outcome);
	if (s->closed)
		g_string_append_printf(l, ", closed %s", s->closed);
	rd_out_line(o, "%s", l->str);
}

static void
describe_message(RdOut *o, RdStore *store, const RdMessageRow *m)
{
	rd_out_begin(o, NULL, NULL);
	rd_out_int(o, "id", NULL, m->id);
	rd_out_str(o, "message_id", NULL, m->message_id);
	rd_out_str(o, "direction", NULL, m->direction);
	rd_out_str(o, "kind", NULL, m->kind);
	rd_out_str(o, "via", NULL, m->via);
	rd_out_str(o, "reason", NULL, m->reason);
	rd_out_str(o, "from", NULL, m->from_email);
	rd_out_str(o, "from_name", NULL, m->from_name);
	rd_out_str(o, "to", NULL, m->to_addrs);
	rd_out_str(o, "subject", NULL, m->subject);
	rd_out_time(o, "date", NULL, m->date);
	rd_out_time(o, "received_at", NULL, m->received_at);
	rd_out_str(o, "auto_reason", NULL, m->auto_reason);
	rd_out_str(o, "problem", NULL, m->problem);
	rd_out_str(o, "new_text", NULL, m->new_text);
	g_autoptr(GString) routes = g_string_new(NULL);
	rd_out_begin_list(o, "routes", NULL);
	for (guint k = 0; m->routes && k < m->routes->len; k++) {
		rd_out_str(o, NULL, NULL, m->routes->pdata[k]);
		g_string_append_printf(routes, "%s%s", k ? ", " : "", (const char *)m->routes->pdata[k]);
	}
	rd_out_end(o);

	g_autofree char *when = rd_time_format_local(m->received_at);
	g_autofree char *subj = rd_cli_one_line(m->subject, 70);
	rd_out_line(o, "  #%" G_GINT64_FORMAT " %s %s %s from %s: %s", m->id, when,
	            strcmp(m->direction, "in") == 0 ? "received" : "sent", m->kind,
	            rd_cli_or_dash(m->from_email), subj[0] ? subj : "(no subject)");
	rd_out_line(o, "      via %s; mailbox %s; %s", m->via, routes->len ? routes->str : "-",
	            rd_cli_or_dash(m->reason));
	if (m->problem)
		rd_out_line(o, "      problem: %s", rd_cli_or_dash(m->problem_detail));
	/* The first lines of what they wrote now, not the quoted history. */
	g_auto(GStrv) lines = g_strsplit(m->new_text ? m->new_text : "", "\n", -1);
	guint shown = 0;
	for (guint k = 0; lines[k] && shown < 4; k++) {
		g_autofree char *l = rd_cli_one_line(lines[k], 90);
		if (*l == '\0')
			continue;
		rd_out_line(o, "      | %s", l);
		shown++;
	}
	rd_out_begin_list(o, "attachments", NULL);
	g_autoptr(GPtrArray) atts = rd_store_attachments_for_message(store, m->id, NULL);
	for (guint k = 0; atts && k < atts->len; k++) {
		const RdAttachmentRow *a = atts->pdata[k];
		rd_out_begin(o, NULL, NULL);
		rd_out_int(o, "id", NULL, a->id);
		rd_out_str(o, "filename", NULL, a->filename);
		rd_out_str(o, "content_type", NULL, a->content_type);
		rd_out_int(o, "size", NULL, (gint64)a->size);
		rd_out_str(o, "sha256", NULL, a->sha256);
		rd_out_end(o);
		rd_out_line(o, "      attachment %" G_GINT64_FORMAT ": %s (%s, %" G_GSIZE_FORMAT " bytes)", a->id,
		            rd_cli_or_dash(a->filename), rd_cli_or_dash(a->content_type), a->size);
	}
	rd_out_end(o);
	rd_out_end(o);
}

/* What became of a letter, as a person asks it: "queued" (not tried
 * yet), "deferred" (queued again after a temporary failure), "sent" (the
 * server took it: its reply), "failed" (refused for good), "bounced"
 * (taken, then a delivery failure report came back) or "suppressed" (the
 * daily cap). A bounce is kept beside 'sent' in the store (schema v7). */
static const char *
letter_state(const RdOutboxRow *l)
{
	if (strcmp(l->status, "sent") == 0 && l->bounced_at != 0)
		return "bounced";
	if (strcmp(l->status, "queued") == 0 && l->last_error != NULL)
		return "deferred";
	return l->status;
}

static void
describe_letter(RdOut *o, const RdOutboxRow *l)
{
	const char *state = letter_state(l);
	gboolean sent = strcmp(l->status, "sent") == 0;
	rd_out_begin(o, NULL, NULL);
	rd_out_str(o, "kind", NULL, l->kind);
	rd_out_str(o, "status", NULL, state);
	rd_out_str(o, "language", NULL, l->language);
	rd_out_str(o, "to", NULL, l->to_addr);
	rd_out_str(o, "message_id", NULL, l->message_id);
	rd_out_time(o, "created", NULL, l->created_at);
	rd_out_time(o, "sent", NULL, sent ? l->sent_at : 0);
	rd_out_int(o, "attempts", NULL, l->attempts);
	/* The server's reply when it went; why it did not go, otherwise. */
	rd_out_str(o, "server_reply", NULL, sent ? l->detail : NULL);
	rd_out_str(o, "error", NULL, sent ? NULL : l->last_error != NULL ? l->last_error : l->detail);
	if (l->bounced_at != 0) {
		rd_out_begin(o, "bounce", NULL);
		rd_out_time(o, "at", NULL, l->bounced_at);
		rd_out_str(o, "status", NULL, l->bounce_status);
		rd_out_str(o, "diagnostic", NULL, l->bounce_detail);
		rd_out_end(o);
	}
	rd_out_end(o);
	g_autofree char *when = rd_time_format_local(l->created_at);
	rd_out_line(o, "  %s  %-24s %-10s %s to %s", when, l->kind, state, rd_cli_or_dash(l->language),
	            rd_cli_or_dash(l->to_addr));
	if (l->bounced_at != 0)
		rd_out_line(o, "        bounced: %s %s", rd_cli_or_dash(l->bounce_status), rd_cli_or_dash(l->bounce_detail));
	else if (!sent && l->last_error != NULL)
		rd_out_line(o, "        %s: %s", state, l->last_error);
}

/* A legal hold and a purge (README "Retention"): in JSON always (null
 * when none), in text only when there is one. */
static void
describe_retention(RdOut *o, RdStore *store, const RdCase *c)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdCaseHold) h = NULL;
	gint64 purged = 0;
	if (!rd_store_case_hold_get(store, c->id, &h, &err) || !rd_store_case_purged_at(store, c->id, &purged, &err))
		rd_out_line(o, "Retention:    unknown (%s)", err->message);
	rd_out_begin(o, "retention", NULL);
	rd_out_str(o, "hold_reason", NULL, h != NULL ? h->reason : NULL);
	rd_out_str(o, "hold_by", NULL, h != NULL ? h->held_by : NULL);
	rd_out_time(o, "hold_since", NULL, h != NULL ? h->held_at : 0);
	rd_out_time(o, "purged", NULL, purged);
	rd_out_end(o);
	if (h != NULL) {
		g_autofree char *since = rd_time_format_local(h->held_at);
		rd_out_line(o, "Legal hold:   %s (by %s, since %s): never purged until released", h->reason,
		            rd_cli_or_dash(h->held_by), since);
	}
	if (purged != 0) {
		g_autofree char *when = rd_time_format_local(purged);
		rd_out_line(o, "Purged:       %s (personal data removed; the statistics kept)", when);
	}
}

/* The whole case, once: `redress show` and `redress show --json`. */
static void
describe(RdOut *o, RdStore *store, const RdCase *c, GPtrArray *stages, GPtrArray *msgs, GPtrArray *events,
         GPtrArray *group, GPtrArray *letters)
{
	rd_out_begin(o, NULL, NULL);
	describe_case(o, c, group);
	describe_retention(o, store, c);
	rd_out_line(o, "%s", "");
	rd_out_line(o, "Stages");
	rd_out_begin_list(o, "stages", NULL);
	for (guint i = 0; i < stages->len; i++)
		describe_stage(o, stages->pdata[i]);
	rd_out_end(o);
	rd_out_line(o, "%s", "");
	rd_out_line(o, "Messages");
	rd_out_begin_list(o, "messages", NULL);
	for (guint i = 0; i < msgs->len; i++)
		describe_message(o, store, msgs->pdata[i]);
	rd_out_end(o);
	rd_out_line(o, "%s", "");
	rd_out_line(o, "Letters");
	rd_out_begin_list(o, "letters", NULL);
	for (guint i = 0; i < letters->len; i++)
		describe_letter(o, letters->pdata[i]);
	rd_out_end(o);
	rd_out_line(o, "%s", "");
	rd_out_line(o, "Events");
	rd_out_begin_list(o, "events", NULL);
	for (guint i = 0; i < events->len; i++) {
		const RdEvent *e = events->pdata[i];
		rd_out_begin(o, NULL, NULL);
		rd_out_time(o, "at", NULL, e->at);
		rd_out_str(o, "actor", NULL, e->actor);
		rd_out_str(o, "type", NULL, e->type);
		rd_out_str(o, "detail", NULL, e->detail);
		rd_out_id(o, "message", NULL, e->msg_id);
		rd_out_end(o);
		g_autofree char *when = rd_time_format_local(e->at);
		rd_out_line(o, "  %s  %-22s %s: %s", when, e->type, rd_cli_or_dash(e->actor), rd_cli_or_dash(e->detail));
	}
	rd_out_end(o);
	rd_out_end(o);
}

/* `redress show REF --attachments`: every file the case's messages
 * carried, with the ids `redress attachment ID --out FILE` takes. */
static void
describe_attachments(RdOut *o, RdStore *store, const RdCase *c, GPtrArray *msgs)
{
	rd_out_begin(o, NULL, NULL);
	rd_out_str(o, "case", NULL, c->reference);
	rd_out_begin_list(o, "attachments", NULL);
	guint n = 0;
	for (guint i = 0; i < msgs->len; i++) {
		const RdMessageRow *m = msgs->pdata[i];
		g_autoptr(GPtrArray) atts = rd_store_attachments_for_message(store, m->id, NULL);
		for (guint k = 0; atts && k < atts->len; k++) {
			const RdAttachmentRow *a = atts->pdata[k];
			rd_out_begin(o, NULL, NULL);
			rd_out_int(o, "id", NULL, a->id);
			rd_out_int(o, "message", NULL, m->id);
			rd_out_str(o, "from", NULL, m->from_email);
			rd_out_time(o, "received_at", NULL, m->received_at);
			rd_out_str(o, "filename", NULL, a->filename);
			rd_out_str(o, "content_type", NULL, a->content_type);
			rd_out_int(o, "size", NULL, (gint64)a->size);
			rd_out_str(o, "sha256", NULL, a->sha256);
			rd_out_end(o);
			if (n++ == 0)
				rd_out_line(o, "%6s %8s  %-16s  %-30s %-24s %10s", "ID", "MESSAGE", "RECEIVED", "FILE",
				            "TYPE", "BYTES");
			g_autofree char *when = rd_time_format_local(m->received_at);
			g_autofree char *name = rd_cli_one_line(rd_cli_or_dash(a->filename), 30);
			g_autofree char *msg = g_strdup_printf("#%" G_GINT64_FORMAT, m->id);
			rd_out_line(o, "%6" G_GINT64_FORMAT " %8s  %-16s  %-30s %-24s %10" G_GSIZE_FORMAT, a->id, msg, when, name,
			            rd_cli_or_dash(a->content_type), a->size);
		}
	}
	rd_out_end(o);
	rd_out_end(o);
	if (n == 0)
		rd_out_line(o, "%s: no attachments", c->reference);
	else
		rd_out_line(o, "Save one with: redress attachment ID --out FILE");
}

int
rd_cmd_show(const RdGlobalOptions *g, int argc, char **argv)
{
	gboolean attachments = FALSE;
	GOptionEntry entries[] = {
		{ "attachments", 0, 0, G_OPTION_ARG_NONE, &attachments,
		  "Only the case's attachments, with the ids 'redress attachment' takes", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("REF — one case: stages, messages and events in time order");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err)) {
		fprintf(stderr, "redress show: %s\n", err->message);
		return RD_EXIT_USAGE;
	}
	if (argc != 2) {
		fprintf(stderr, "redress show: give one case reference, e.g. redress show CMP-2026-000001\n");
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	int rc = rd_open_config_and_store_readonly(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	g_autoptr(RdCase) c = NULL;
	if (!rd_cli_find_case(store, cfg, argv[1], &c, &err)) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	if (c == NULL) {
		fprintf(stderr, "redress show: no case %s (list them with: redress cases)\n", argv[1]);
		return RD_EXIT_USAGE;
	}
	if (attachments) {
		g_autoptr(GPtrArray) msgs = rd_store_messages_for_case(store, c->id, &err);
		if (msgs == NULL) {
			fprintf(stderr, "redress: error: reading case %s: %s\n", c->reference, err->message);
			return RD_EXIT_INTERNAL;
		}
		g_autoptr(RdOut) o = rd_out_new(g->json);
		describe_attachments(o, store, c, msgs);
		rd_out_print(o);
		return RD_EXIT_OK;
	}
	g_autoptr(GPtrArray) stages = rd_store_stages_for_case(store, c->id, &err);
	g_autoptr(GPtrArray) msgs = stages ? rd_store_messages_for_case(store, c->id, &err) : NULL;
	g_autoptr(GPtrArray) events = msgs ? rd_store_events_for_case(store, c->id, &err) : NULL;
	g_autoptr(GPtrArray) letters = events ? rd_store_outbox_for_case(store, c->id, &err) : NULL;
	g_autoptr(GPtrArray) group = NULL;
	if (letters != NULL)
		group = c->group_id ? rd_store_cases_in_group(store, c->group_id, &err)
		                    : g_ptr_array_new();
	if (group == NULL) {
		fprintf(stderr, "redress: error: reading case %s: %s\n", c->reference, err->message);
		return RD_EXIT_INTERNAL;
	}
	g_autoptr(RdOut) o = rd_out_new(g->json);
	describe(o, store, c, stages, msgs, events, group, letters);
	rd_out_print(o);
	return RD_EXIT_OK;
}

