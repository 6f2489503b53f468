/*
 * cli.c — the reading and triage subcommands: cases, show, triage, config.
 *
 * Human output is laid out for a case officer at a terminal; --json gives
 * the same facts for scripts (one JSON document on stdout). Dates shown to
 * people are Europe/London; JSON instants are ISO 8601 UTC.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "daemon.h"

/* ---- small output helpers ------------------------------------------------- */

static void
jstr(JsonBuilder *b, const char *name, const char *v)
{
	json_builder_set_member_name(b, name);
	if (v)
		json_builder_add_string_value(b, v);
	else
		json_builder_add_null_value(b);
}

static void
jint(JsonBuilder *b, const char *name, gint64 v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, v);
}

static void
jtime(JsonBuilder *b, const char *name, gint64 t)
{
	json_builder_set_member_name(b, name);
	if (t == 0) {
		json_builder_add_null_value(b);
		return;
	}
	g_autofree char *s = rd_time_format_iso(t);
	json_builder_add_string_value(b, s);
}

static void
print_json(JsonBuilder *b)
{
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_root(gen, root);
	g_autofree char *s = json_generator_to_data(gen, NULL);
	printf("%s\n", s);
}

/* Who is acting at the terminal, for the case journey. */
static char *
cli_actor(void)
{
	const char *u = g_getenv("SUDO_USER");
	if (u == NULL)
		u = g_get_user_name();
	return g_strdup_printf("cli:%s", u ? u : "unknown");
}

/* Shorten @s to one line of at most @max characters (UTF-8 safe). */
static char *
one_line(const char *s, glong max)
{
	if (s == NULL)
		return g_strdup("");
	g_autofree char *flat = g_strdup(s);
	for (char *p = flat; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	g_strstrip(flat);
	if (g_utf8_strlen(flat, -1) <= max)
		return g_steal_pointer(&flat);
	g_autofree char *cut = g_utf8_substring(flat, 0, max - 1);
	return g_strconcat(cut, "…", NULL);
}

static void
case_to_json(JsonBuilder *b, const RdCase *c)
{
	json_builder_begin_object(b);
	jstr(b, "reference", c->reference);
	jstr(b, "state", c->state);
	jstr(b, "channel", c->channel);
	jstr(b, "service", c->service);
	jstr(b, "complainant", c->complainant_email);
	jstr(b, "complainant_name", c->complainant_name);
	jstr(b, "representative", c->representative_email);
	jstr(b, "handler", c->handler);
	jstr(b, "language", c->language);
	jstr(b, "profile", c->profile);
	json_builder_set_member_name(b, "flags");
	json_builder_begin_array(b);
	if (c->flags) {
		g_auto(GStrv) fl = g_strsplit(c->flags, ",", -1);
		for (guint i = 0; fl[i]; i++)
			if (*fl[i])
				json_builder_add_string_value(b, fl[i]);
	}
	json_builder_end_array(b);
	jstr(b, "summary", c->summary);
	json_builder_set_member_name(b, "group");
	if (c->group_id)
		json_builder_add_int_value(b, c->group_id);
	else
		json_builder_add_null_value(b);
	jtime(b, "opened", c->opened_at);
	jtime(b, "updated", c->updated_at);
	json_builder_end_object(b);
}

/* ---- cases ------------------------------------------------------------------ */

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
	int rc = rd_open_config_and_store(g, &cfg, &store, NULL);
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
			g_autoptr(RdCalendar) cal = rd_calendar_load(cfg->nation, cfg->bank_holidays, cfg->closures, &err);
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
			case_to_json(b, cases->pdata[i]);
		json_builder_end_array(b);
		print_json(b);
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
		g_autofree char *who = one_line(c->complainant_email, 30);
		g_autofree char *sum = one_line(c->summary, 50);
		printf("%-16s %-13s %-18s %-16s %-30s %s\n", c->reference, c->state, c->channel, opened, who, sum);
	}
	if (!g->quiet)
		printf("%u case%s\n", cases->len, cases->len == 1 ? "" : "s");
	return RD_EXIT_OK;
}

/* ---- show ------------------------------------------------------------------- */

/* Accept a reference as people type it ("cmp 2026 12"), not only the
 * canonical form. */
static RdCase *
find_case(RdStore *store, const RdConfig *cfg, const char *arg, GError **error)
{
	g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func(g_free);
	rd_refs_find(cfg->reference_prefix, arg, refs);
	const char *ref = refs->len > 0 ? refs->pdata[0] : arg;
	return rd_store_case_get_by_ref(store, ref, error);
}

static const char *
or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void
show_json(RdStore *store, const RdCase *c, GPtrArray *stages, GPtrArray *msgs, GPtrArray *events,
          GPtrArray *group, GPtrArray *letters)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "case");
	case_to_json(b, c);
	json_builder_set_member_name(b, "stages");
	json_builder_begin_array(b);
	for (guint i = 0; i < stages->len; i++) {
		const RdStage *s = stages->pdata[i];
		json_builder_begin_object(b);
		jint(b, "stage", s->stage);
		jstr(b, "received", s->received);
		jstr(b, "ack_due", s->ack_due);
		jstr(b, "ack_sent", s->ack_sent);
		jstr(b, "response_due", s->response_due);
		jstr(b, "dept_notice_due", s->dept_notice_due);
		jstr(b, "extended_to", s->extended_to);
		jstr(b, "extension_reason", s->extension_reason);
		jstr(b, "responded", s->responded);
		jstr(b, "outcome", s->outcome);
		jstr(b, "closed", s->closed);
		jstr(b, "handler", s->handler);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "messages");
	json_builder_begin_array(b);
	for (guint i = 0; i < msgs->len; i++) {
		const RdMessageRow *m = msgs->pdata[i];
		json_builder_begin_object(b);
		jint(b, "id", m->id);
		jstr(b, "message_id", m->message_id);
		jstr(b, "direction", m->direction);
		jstr(b, "kind", m->kind);
		jstr(b, "via", m->via);
		jstr(b, "reason", m->reason);
		jstr(b, "from", m->from_email);
		jstr(b, "from_name", m->from_name);
		jstr(b, "to", m->to_addrs);
		jstr(b, "subject", m->subject);
		jtime(b, "date", m->date);
		jtime(b, "received_at", m->received_at);
		jstr(b, "auto_reason", m->auto_reason);
		jstr(b, "problem", m->problem);
		jstr(b, "new_text", m->new_text);
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
			jstr(b, "filename", a->filename);
			jstr(b, "content_type", a->content_type);
			jint(b, "size", (gint64)a->size);
			jstr(b, "sha256", a->sha256);
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
		jtime(b, "at", e->at);
		jstr(b, "actor", e->actor);
		jstr(b, "type", e->type);
		jstr(b, "detail", e->detail);
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
		jstr(b, "kind", o->kind);
		jstr(b, "status", o->status);
		jstr(b, "language", o->language);
		jstr(b, "to", o->to_addr);
		jtime(b, "created", o->created_at);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	print_json(b);
}

static void
show_text(RdStore *store, const RdCase *c, GPtrArray *stages, GPtrArray *msgs, GPtrArray *events,
          GPtrArray *group, GPtrArray *letters)
{
	g_autofree char *opened = rd_time_format_local(c->opened_at);
	printf("%s  %s  (channel %s, language %s)\n", c->reference, c->state, c->channel, or_dash(c->language));
	if (c->complainant_name)
		printf("Complainant:  %s <%s>\n", c->complainant_name, c->complainant_email);
	else
		printf("Complainant:  %s\n", or_dash(c->complainant_email));
	printf("Opened:       %s\n", opened);
	printf("Summary:      %s\n", or_dash(c->summary));
	printf("Service:      %s   Handler: %s", or_dash(c->service), or_dash(c->handler));
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
		       s->stage, or_dash(s->received), or_dash(s->ack_due), or_dash(s->ack_sent),
		       or_dash(s->response_due));
		if (s->extended_to)
			printf(", extended to %s (%s)", s->extended_to, or_dash(s->extension_reason));
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
		g_autofree char *subj = one_line(m->subject, 70);
		printf("  #%" G_GINT64_FORMAT " %s %s %s from %s: %s\n", m->id, when,
		       strcmp(m->direction, "in") == 0 ? "received" : "sent", m->kind,
		       or_dash(m->from_email), subj[0] ? subj : "(no subject)");
		GString *routes = g_string_new(NULL);
		for (guint k = 0; m->routes && k < m->routes->len; k++)
			g_string_append_printf(routes, "%s%s", k ? ", " : "", (const char *)m->routes->pdata[k]);
		printf("      via %s; mailbox %s; %s\n", m->via, routes->len ? routes->str : "-", or_dash(m->reason));
		g_string_free(routes, TRUE);
		if (m->problem)
			printf("      problem: %s\n", or_dash(m->problem_detail));
		/* The first lines of what they wrote now, not the quoted history. */
		g_auto(GStrv) lines = g_strsplit(m->new_text ? m->new_text : "", "\n", -1);
		guint shown = 0;
		for (guint k = 0; lines[k] && shown < 4; k++) {
			g_autofree char *l = one_line(lines[k], 90);
			if (*l == '\0')
				continue;
			printf("      | %s\n", l);
			shown++;
		}
		g_autoptr(GPtrArray) atts = rd_store_attachments_for_message(store, m->id, NULL);
		for (guint k = 0; atts && k < atts->len; k++) {
			const RdAttachmentRow *a = atts->pdata[k];
			printf("      attachment: %s (%s, %" G_GSIZE_FORMAT " bytes)\n", or_dash(a->filename),
			       or_dash(a->content_type), a->size);
		}
	}
	printf("\nLetters\n");
	for (guint i = 0; i < letters->len; i++) {
		const RdOutboxRow *o = letters->pdata[i];
		g_autofree char *when = rd_time_format_local(o->created_at);
		printf("  %s  %-24s %-10s %s to %s\n", when, o->kind, o->status, or_dash(o->language), or_dash(o->to_addr));
	}
	printf("\nEvents\n");
	for (guint i = 0; i < events->len; i++) {
		const RdEvent *e = events->pdata[i];
		g_autofree char *when = rd_time_format_local(e->at);
		printf("  %s  %-22s %s: %s\n", when, e->type, or_dash(e->actor), or_dash(e->detail));
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
	int rc = rd_open_config_and_store(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	g_autoptr(RdCase) c = find_case(store, cfg, argv[1], &err);
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

/* ---- triage ------------------------------------------------------------------ */

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
			jint(b, "message", t->msg_id);
			jstr(b, "message_id", t->message_id);
			jstr(b, "from", t->from_email);
			jstr(b, "subject", t->subject);
			jstr(b, "kind", t->kind);
			jstr(b, "reason", t->reason);
			jstr(b, "suggestion", t->suggestion);
			jtime(b, "received_at", t->received_at);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		print_json(b);
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
		g_autofree char *subj = one_line(t->subject, 70);
		printf("#%-6" G_GINT64_FORMAT " %s  %-14s from %s: %s\n", t->msg_id, when, t->kind,
		       or_dash(t->from_email), subj[0] ? subj : "(no subject)");
		printf("        %s\n", or_dash(t->reason));
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
		target = find_case(store, cfg, ref_arg, &err);
		if (target == NULL) {
			fprintf(stderr, "redress triage: no case %s (list them with: redress cases)\n", ref_arg);
			return err ? RD_EXIT_INTERNAL : RD_EXIT_USAGE;
		}
	} else if (m->from_email == NULL) {
		fprintf(stderr, "redress triage: message #%" G_GINT64_FORMAT " has no sender address, so it cannot open a case;"
		        " assign it to a case with 'redress triage assign %" G_GINT64_FORMAT " REF'\n", m->id, m->id);
		return RD_EXIT_USAGE;
	}

	g_autofree char *actor = cli_actor();
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
		jint(b, "message", m->id);
		jstr(b, "case", target->reference);
		jstr(b, "resolution", resolution);
		json_builder_end_object(b);
		print_json(b);
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
	int rc = rd_open_config_and_store(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	if (list)
		return triage_list(g, store);
	return triage_place(g, store, cfg, argv[2], assign ? argv[3] : NULL);
}

/* ---- config -------------------------------------------------------------------- */

int
rd_cmd_config(const RdGlobalOptions *g, int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "redress config: use 'redress config check [--config FILE]'\n");
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = rd_config_load_global(g);
	if (cfg == NULL)
		return RD_EXIT_USAGE;
	const char *path = cfg->path;
	/* The bank-holidays file is part of the configuration: check it now,
	 * not when the first deadline is computed. */
	g_autoptr(GError) err = NULL;
	g_autoptr(RdCalendar) cal = rd_calendar_load(cfg->nation, cfg->bank_holidays, cfg->closures, &err);
	if (cal == NULL) {
		fprintf(stderr, "%s\n", err->message);
		return RD_EXIT_USAGE;
	}
	/* Profiles, services and every letter template, as the daemon will
	 * load them (the token key does not matter for checking). */
	static const guint8 no_key[RD_TOKEN_KEY_LEN];
	g_autoptr(RdRules) rules = rd_rules_new(cfg, no_key, &err);
	if (rules == NULL) {
		fprintf(stderr, "%s\n", err->message);
		return RD_EXIT_USAGE;
	}
	rd_calendar_log_sources(cal, cfg->bank_holidays);
	if (cfg->smtp.url != NULL) {
		/* The password file's owner and mode, the CA file: checked now
		 * rather than when the first letter is due. No connection. */
		g_autoptr(RdSink) sink = rd_sink_smtp_new(&cfg->smtp, &err);
		if (sink == NULL) {
			fprintf(stderr, "%s: %s\n", path ? path : "(defaults)", err->message);
			return RD_EXIT_USAGE;
		}
	}
	/* XOAUTH2 keys that do not fit together, and unsafe secret files, are
	 * found now too (no connection: the token endpoint is not asked). */
	for (int i = 0; i < RD_MAILBOX_N; i++) {
		const RdMailboxConfig *m = &cfg->mailboxes[i];
		if (!m->imap_xoauth2)
			continue;
		g_autofree char *who = g_strdup_printf("[mailbox:%s]", rd_mailbox_to_string((RdMailbox)i));
		if (!rd_oauth_config_check(&m->oauth, who, &err) || !rd_oauth_files_check(&m->oauth, &err)) {
			fprintf(stderr, "%s: %s%s%s\n", path ? path : "(defaults)",
			        g_str_has_prefix(err->message, who) ? "" : who,
			        g_str_has_prefix(err->message, who) ? "" : " ", err->message);
			return RD_EXIT_USAGE;
		}
	}
	if (g->quiet)
		return RD_EXIT_OK;
	printf("%s: ok\n", path ? path : "(no configuration file: built-in defaults)");
	printf("  reference_prefix   %s\n", cfg->reference_prefix);
	printf("  database           %s\n", cfg->database ? cfg->database : "(not set: --db, $REDRESS_DB or ./redress.db)");
	printf("  max_message_size   %" G_GSIZE_FORMAT "\n", cfg->limits.max_size);
	printf("  max_mime_depth     %u\n", cfg->limits.max_depth);
	printf("  max_mime_parts     %u\n", cfg->limits.max_parts);
	printf("  max_header_length  %" G_GSIZE_FORMAT "\n", cfg->limits.max_header_len);
	g_autofree char *phrases = g_strjoinv("; ", cfg->stage2_phrases);
	printf("  stage2_phrases     %s\n", phrases);
	printf("  batch_messages     %u\n", cfg->batch_messages);
	printf("  parse_threads      %u%s\n", cfg->parse_threads, cfg->parse_threads ? "" : " (one per core)");
	printf("  nation             %s\n", rd_nation_to_string(cfg->nation));
	printf("  bank_holidays      %s\n", cfg->bank_holidays ? cfg->bank_holidays : "(not set: computed rules)");
	g_autofree char *closures = cfg->closures ? g_strjoinv("; ", cfg->closures) : g_strdup("(none)");
	printf("  closures           %s\n", closures);
	if (cfg->cutoff_hour >= 0)
		printf("  cutoff             %02d:%02d\n", cfg->cutoff_hour, cfg->cutoff_minute);
	else
		printf("  cutoff             (none)\n");
	printf("  default_profile    %s\n", cfg->default_profile);
	printf("  templates          %s\n", rd_letters_dir(rd_rules_letters(rules)));
	printf("  council            %s <%s>\n", cfg->council_name, cfg->mailboxes[RD_MAILBOX_COMPLAINTS].address);
	printf("  daily_cap          %u letters per address\n", cfg->daily_cap);
	if (cfg->smtp.url != NULL) {
		printf("  smtp               %s%s, %s, %s; retry for %" G_GINT64_FORMAT " h\n", cfg->smtp.url,
		       g_str_has_prefix(cfg->smtp.url, "smtps:") ? "" :
		       cfg->smtp.allow_plaintext ? " (plain text allowed)" : " (STARTTLS required)",
		       cfg->smtp.ca_file ? cfg->smtp.ca_file : "system CAs",
		       !cfg->smtp.user ? "no AUTH" : cfg->smtp.xoauth2 ? "AUTH XOAUTH2" : "AUTH",
		       cfg->smtp.retry_for / 3600);
		if (cfg->smtp.sent_mailbox != NULL)
			printf("  sent copies        to %s in mailbox %s\n",
			       cfg->smtp.sent_folder ? cfg->smtp.sent_folder : "the folder marked \\Sent (else Sent)",
			       cfg->smtp.sent_mailbox);
	} else
		printf("  smtp               (not set: 'outbox send' has no server; 'outbox flush --to DIR' writes letters to a folder)\n");
	for (int i = 0; i < RD_MAILBOX_N; i++) {
		const RdMailboxConfig *m = &cfg->mailboxes[i];
		g_autofree char *how = !m->imap_url ? g_strdup(", not fetched (no imap_url)")
		                     : m->imap_xoauth2 ? g_strdup_printf(", IMAP %s (XOAUTH2, %s)", m->imap_url, m->oauth.grant)
		                     : g_strdup_printf(", IMAP %s (password)", m->imap_url);
		printf("  mailbox %-18s %s%s\n", rd_mailbox_to_string((RdMailbox)i), m->address, how);
	}
	printf("  daemon             %s, poll every %u s, send every %u s, sweep every %u s\n",
	       cfg->daemon.idle ? "IDLE where the server has it" : "polling only",
	       cfg->daemon.poll_interval, cfg->daemon.send_interval, cfg->daemon.sweep_interval);
	return RD_EXIT_OK;
}
