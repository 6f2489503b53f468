/*
 * show.c — `redress show REF`: one case, its stages, messages, letters and
 * events in time order; --json gives the same facts for scripts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

static void
show_json(RdStore *store, const RdCase *c, GPtrArray *stages, GPtrArray *msgs, GPtrArray *events,
          GPtrArray *group, GPtrArray *letters)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "case");
	rd_json_case(b, c);
	json_builder_set_member_name(b, "stages");
	json_builder_begin_array(b);
	for (guint i = 0; i < stages->len; i++) {
		const RdStage *s = stages->pdata[i];
		json_builder_begin_object(b);
		rd_json_int(b, "stage", s->stage);
		rd_json_str(b, "received", s->received);
		rd_json_str(b, "ack_due", s->ack_due);
		rd_json_str(b, "ack_sent", s->ack_sent);
		rd_json_str(b, "response_due", s->response_due);
		rd_json_str(b, "dept_notice_due", s->dept_notice_due);
		rd_json_str(b, "extended_to", s->extended_to);
		rd_json_str(b, "extension_reason", s->extension_reason);
		rd_json_str(b, "responded", s->responded);
		rd_json_str(b, "outcome", s->outcome);
		rd_json_str(b, "closed", s->closed);
		rd_json_str(b, "handler", s->handler);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "messages");
	json_builder_begin_array(b);
	for (guint i = 0; i < msgs->len; i++) {
		const RdMessageRow *m = msgs->pdata[i];
		json_builder_begin_object(b);
		rd_json_int(b, "id", m->id);
		rd_json_str(b, "message_id", m->message_id);
		rd_json_str(b, "direction", m->direction);
		rd_json_str(b, "kind", m->kind);
		rd_json_str(b, "via", m->via);
		rd_json_str(b, "reason", m->reason);
		rd_json_str(b, "from", m->from_email);
		rd_json_str(b, "from_name", m->from_name);
		rd_json_str(b, "to", m->to_addrs);
		rd_json_str(b, "subject", m->subject);
		rd_json_time(b, "date", m->date);
		rd_json_time(b, "received_at", m->received_at);
		rd_json_str(b, "auto_reason", m->auto_reason);
		rd_json_str(b, "problem", m->problem);
		rd_json_str(b, "new_text", m->new_text);
		json_builder_set_member_name(b, "routes");
		json_builder_begin_array(b);
		for (guint k = 0; m->routes && k < m->routes->len; k++)
			json_builder_add_string_value(b, m->routes->pdata[k]);
		json_builder_end_array(b);
		json_builder_set_member_name(b, "attachments");
		json_builder_begin_array(b);
		g_autoptr(GPtrArray) atts = rd_store_attachments_for_message(store, m->id, NULL);
		for (guint k = 0; atts && k < atts->len; k++) {
			const RdAttachmentRow *a = atts->pdata[k];
			json_builder_begin_object(b);
			rd_json_str(b, "filename", a->filename);
			rd_json_str(b, "content_type", a->content_type);
			rd_json_int(b, "size", (gint64)a->size);
			rd_json_str(b, "sha256", a->sha256);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "events");
	json_builder_begin_array(b);
	for (guint i = 0; i < events->len; i++) {
		const RdEvent *e = events->pdata[i];
		json_builder_begin_object(b);
		rd_json_time(b, "at", e->at);
		rd_json_str(b, "actor", e->actor);
		rd_json_str(b, "type", e->type);
		rd_json_str(b, "detail", e->detail);
		json_builder_set_member_name(b, "message");
		if (e->msg_id)
			json_builder_add_int_value(b, e->msg_id);
		else
			json_builder_add_null_value(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	/* The other cases of its group, by reference. */
	json_builder_set_member_name(b, "group");
	json_builder_begin_array(b);
	for (guint i = 0; i < group->len; i++) {
		const RdCase *o = group->pdata[i];
		if (o->id != c->id)
			json_builder_add_string_value(b, o->reference);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "letters");
	json_builder_begin_array(b);
	for (guint i = 0; i < letters->len; i++) {
		const RdOutboxRow *o = letters->pdata[i];
		json_builder_begin_object(b);
		rd_json_str(b, "kind", o->kind);
		rd_json_str(b, "status", o->status);
		rd_json_str(b, "language", o->language);
		rd_json_str(b, "to", o->to_addr);
		rd_json_time(b, "created", o->created_at);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	rd_json_print(b);
}

static void
show_text(RdStore *store, const RdCase *c, GPtrArray *stages, GPtrArray *msgs, GPtrArray *events,
          GPtrArray *group, GPtrArray *letters)
{
	g_autofree char *opened = rd_time_format_local(c->opened_at);
	printf("%s  %s  (channel %s, language %s)\n", c->reference, c->state, c->channel, rd_cli_or_dash(c->language));
	if (c->complainant_name)
		printf("Complainant:  %s <%s>\n", c->complainant_name, c->complainant_email);
	else
		printf("Complainant:  %s\n", rd_cli_or_dash(c->complainant_email));
	printf("Opened:       %s\n", opened);
	printf("Summary:      %s\n", rd_cli_or_dash(c->summary));
	printf("Service:      %s   Handler: %s", rd_cli_or_dash(c->service), rd_cli_or_dash(c->handler));
	if (c->flags && *c->flags)
		printf("   Flags: %s", c->flags);
	printf("\n");
	if (group->len > 1) {
		printf("Group:        ");
		gboolean first = TRUE;
		for (guint i = 0; i < group->len; i++) {
			const RdCase *o = group->pdata[i];
			if (o->id == c->id)
				continue;
			printf("%s%s", first ? "" : ", ", o->reference);
			first = FALSE;
		}
		printf("\n");
	}
	printf("\nStages\n");
	for (guint i = 0; i < stages->len; i++) {
		const RdStage *s = stages->pdata[i];
		printf("  Stage %d: received %s, acknowledgement due %s (sent %s), response due %s",
		       s->stage, rd_cli_or_dash(s->received), rd_cli_or_dash(s->ack_due), rd_cli_or_dash(s->ack_sent),
		       rd_cli_or_dash(s->response_due));
		if (s->extended_to)
			printf(", extended to %s (%s)", s->extended_to, rd_cli_or_dash(s->extension_reason));
		if (s->responded)
			printf(", responded %s", s->responded);
		if (s->outcome)
			printf(", outcome %s", s->outcome);
		if (s->closed)
			printf(", closed %s", s->closed);
		printf("\n");
	}
	printf("\nMessages\n");
	for (guint i = 0; i < msgs->len; i++) {
		const RdMessageRow *m = msgs->pdata[i];
		g_autofree char *when = rd_time_format_local(m->received_at);
		g_autofree char *subj = rd_cli_one_line(m->subject, 70);
		printf("  #%" G_GINT64_FORMAT " %s %s %s from %s: %s\n", m->id, when,
		       strcmp(m->direction, "in") == 0 ? "received" : "sent", m->kind,
		       rd_cli_or_dash(m->from_email), subj[0] ? subj : "(no subject)");
		GString *routes = g_string_new(NULL);
		for (guint k = 0; m->routes && k < m->routes->len; k++)
			g_string_append_printf(routes, "%s%s", k ? ", " : "", (const char *)m->routes->pdata[k]);
		printf("      via %s; mailbox %s; %s\n", m->via, routes->len ? routes->str : "-", rd_cli_or_dash(m->reason));
		g_string_free(routes, TRUE);
		if (m->problem)
			printf("      problem: %s\n", rd_cli_or_dash(m->problem_detail));
		/* The first lines of what they wrote now, not the quoted history. */
		g_auto(GStrv) lines = g_strsplit(m->new_text ? m->new_text : "", "\n", -1);
		guint shown = 0;
		for (guint k = 0; lines[k] && shown < 4; k++) {
			g_autofree char *l = rd_cli_one_line(lines[k], 90);
			if (*l == '\0')
				continue;
			printf("      | %s\n", l);
			shown++;
		}
		g_autoptr(GPtrArray) atts = rd_store_attachments_for_message(store, m->id, NULL);
		for (guint k = 0; atts && k < atts->len; k++) {
			const RdAttachmentRow *a = atts->pdata[k];
			printf("      attachment: %s (%s, %" G_GSIZE_FORMAT " bytes)\n", rd_cli_or_dash(a->filename),
			       rd_cli_or_dash(a->content_type), a->size);
		}
	}
	printf("\nLetters\n");
	for (guint i = 0; i < letters->len; i++) {
		const RdOutboxRow *o = letters->pdata[i];
		g_autofree char *when = rd_time_format_local(o->created_at);
		printf("  %s  %-24s %-10s %s to %s\n", when, o->kind, o->status, rd_cli_or_dash(o->language), rd_cli_or_dash(o->to_addr));
	}
	printf("\nEvents\n");
	for (guint i = 0; i < events->len; i++) {
		const RdEvent *e = events->pdata[i];
		g_autofree char *when = rd_time_format_local(e->at);
		printf("  %s  %-22s %s: %s\n", when, e->type, rd_cli_or_dash(e->actor), rd_cli_or_dash(e->detail));
	}
}

int
rd_cmd_show(const RdGlobalOptions *g, int argc, char **argv)
{
	g_autoptr(GOptionContext) oc = g_option_context_new("REF — one case: stages, messages and events in time order");
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
	g_autoptr(RdCase) c = rd_cli_find_case(store, cfg, argv[1], &err);
	if (c == NULL) {
		if (err) {
			fprintf(stderr, "redress: error: %s\n", err->message);
			return RD_EXIT_INTERNAL;
		}
		fprintf(stderr, "redress show: no case %s (list them with: redress cases)\n", argv[1]);
		return RD_EXIT_USAGE;
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
	if (g->json)
		show_json(store, c, stages, msgs, events, group, letters);
	else
		show_text(store, c, stages, msgs, events, group, letters);
	return RD_EXIT_OK;
}

