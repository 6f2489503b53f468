/*
 * outbox.c — `redress outbox [list]`, `redress outbox send`,
 * `redress outbox flush --to DIR` and `redress letters preview NAME REF`.
 *
 * `send` delivers the due letters through the SMTP sink ([smtp]), `flush`
 * through the folder sink (sink.c); both go through rd_outbox_send()
 * (sender.c), which records each outcome.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

static gint64
now_or(const char *when, gboolean *ok_r)
{
	*ok_r = TRUE;
	if (when == NULL)
		return g_get_real_time() / G_USEC_PER_SEC;
	gint64 t = 0;
	*ok_r = rd_time_parse(when, &t);
	return t;
}

typedef struct {
	const RdGlobalOptions *g;
	gboolean folder;
	RdLetters *letters;   /* for the handler's alert when a letter fails */
	RdStore *store;
	gint64 now;
} SendPrint;

/* One line per letter on stdout (not with --json or --quiet). */
static void
print_outcome(const RdOutboxRow *o, RdSinkStatus st, const char *detail, gpointer user_data)
{
	const SendPrint *p = user_data;
	if (st == RD_SINK_FAILED && p->letters != NULL) {
		g_autoptr(GError) err = NULL;
		if (!rd_letters_alert_failure(p->letters, p->store, o, detail, p->now, &err))
			rd_log_error("letter failed case alert: %s", err->message);
	}
	if (p->g->quiet || p->g->json)
		return;
	if (st == RD_SINK_SENT && p->folder && g_str_has_prefix(detail, "written to "))
		printf("sent %s to %s → %s\n", o->kind, o->to_addr, detail + strlen("written to "));
	else if (st == RD_SINK_SENT)
		printf("sent %s to %s: %s\n", o->kind, o->to_addr, detail);
	else
		printf("%s %s to %s: %s\n", st == RD_SINK_RETRY ? "deferred" : "FAILED", o->kind, o->to_addr, detail);
}

/* Both `outbox flush --to DIR` and `outbox send`: drain through @sink. */
static int
outbox_drain(const RdGlobalOptions *g, RdConfig *cfg, RdStore *store, RdSink *sink, gint64 now,
             RdSendCounts *counts_r)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdRules) rules = rd_rules_open(store, cfg, &err);
	if (rules == NULL) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return RD_EXIT_USAGE;
	}
	SendPrint p = { g, strcmp(rd_sink_name(sink), "folder") == 0, rd_rules_letters(rules),
	                store, now };
	if (!rd_outbox_send(store, sink, now, cfg->smtp.retry_for, NULL, print_outcome, &p, counts_r, &err)) {
		fprintf(stderr, "redress: error: sending letters: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	return RD_EXIT_OK;
}

static int
outbox_flush(const RdGlobalOptions *g, int argc, char **argv)
{
	g_autofree char *dir = NULL;
	g_autofree char *when = NULL;
	GOptionEntry entries[] = {
		{ "to", 0, 0, G_OPTION_ARG_FILENAME, &dir, "Write due letters into this folder (required)", "DIR" },
		{ "now", 0, 0, G_OPTION_ARG_STRING, &when, "Treat this as the current time (ISO 8601)", "TIME" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("— write due letters to a folder and mark them sent");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc != 1 || dir == NULL) {
		fprintf(stderr, "redress outbox flush: %s\n",
		        err ? err->message : "give the folder with --to DIR");
		return RD_EXIT_USAGE;
	}
	gboolean ok;
	gint64 now = now_or(when, &ok);
	if (!ok) {
		fprintf(stderr, "redress outbox flush: --now '%s' is not a time (ISO 8601)\n", when);
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdSink) sink = rd_sink_folder_new(dir, &err);
	if (sink == NULL) {
		fprintf(stderr, "redress outbox flush: %s\n", err->message);
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	int rc = rd_open_config_and_store(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	RdSendCounts n = { 0 };
	rc = outbox_drain(g, cfg, store, sink, now, &n);
	if (rc != RD_EXIT_OK)
		return rc;
	if (!g->quiet)
		fprintf(g->json ? stderr : stdout, "%u letter%s written to %s\n", n.sent, n.sent == 1 ? "" : "s", dir);
	return n.retry || n.failed ? RD_EXIT_INTERNAL : RD_EXIT_OK;
}

static int
outbox_send(const RdGlobalOptions *g, int argc, char **argv)
{
	g_autofree char *when = NULL;
	GOptionEntry entries[] = {
		{ "now", 0, 0, G_OPTION_ARG_STRING, &when, "Treat this as the current time (ISO 8601)", "TIME" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("— deliver due letters through the configured sink ([smtp])");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc != 1) {
		fprintf(stderr, "redress outbox send: %s\n", err ? err->message : "no arguments expected besides --now");
		return RD_EXIT_USAGE;
	}
	gboolean ok;
	gint64 now = now_or(when, &ok);
	if (!ok) {
		fprintf(stderr, "redress outbox send: --now '%s' is not a time (ISO 8601)\n", when);
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	int rc = rd_open_config_and_store(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	if (cfg->smtp.url == NULL) {
		fprintf(stderr, "redress outbox send: no sink is configured: set url in [smtp] (see README, "
		        "\"Configuration\"), or write the letters to a folder with 'redress outbox flush --to DIR'\n");
		return RD_EXIT_USAGE;
	}
	/* What `redress config check` checks of [smtp] and of the Sent
	 * copies' IMAP account, in its words, before any letter is tried. */
	g_autoptr(GString) problems = g_string_new(NULL);
	if (!rd_config_check_smtp(cfg, problems)) {
		fputs(problems->str, stderr);
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdSink) sink = rd_sink_smtp_new(&cfg->smtp, &err);
	if (sink == NULL) {
		fprintf(stderr, "redress outbox send: %s\n", err->message);
		return RD_EXIT_USAGE;
	}
	RdSendCounts n = { 0 };
	rc = outbox_drain(g, cfg, store, sink, now, &n);
	if (rc != RD_EXIT_OK)
		return rc;
	if (!g->quiet)
		fprintf(g->json ? stderr : stdout, "%u sent, %u deferred, %u failed\n", n.sent, n.retry, n.failed);
	/* Copies for the Sent folder ([smtp] sent_mailbox): the letters are
	 * out whatever happens here; a failed copy waits for the next run. */
	guint copies = 0;
	g_clear_error(&err);
	if (!rd_sent_copies_run(store, cfg, now, NULL, &copies, &err)) {
		fprintf(stderr, "redress: error: %s; the letters were sent, their copies wait for the next run\n",
		        err->message);
		return RD_EXIT_INTERNAL;
	}
	if (copies > 0 && !g->quiet)
		fprintf(g->json ? stderr : stdout, "%u %s copied to the Sent folder\n", copies,
		        copies == 1 ? "letter" : "letters");
	return RD_EXIT_OK;
}

static int
outbox_list(const RdGlobalOptions *g)
{
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	int rc = rd_open_config_and_store_readonly(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) cases = rd_store_cases_list(store, RD_CASES_ALL, &err);
	if (cases == NULL) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_array(b);
	guint n = 0;
	for (guint i = cases->len; i > 0; i--) {
		const RdCase *c = cases->pdata[i - 1];
		g_autoptr(GPtrArray) letters = rd_store_outbox_for_case(store, c->id, &err);
		for (guint k = 0; letters && k < letters->len; k++) {
			const RdOutboxRow *o = letters->pdata[k];
			n++;
			if (g->json) {
				json_builder_begin_object(b);
				json_builder_set_member_name(b, "case");
				json_builder_add_string_value(b, c->reference);
				json_builder_set_member_name(b, "kind");
				json_builder_add_string_value(b, o->kind);
				json_builder_set_member_name(b, "to");
				json_builder_add_string_value(b, o->to_addr);
				json_builder_set_member_name(b, "status");
				json_builder_add_string_value(b, o->status);
				json_builder_set_member_name(b, "language");
				json_builder_add_string_value(b, o->language ? o->language : "en");
				json_builder_end_object(b);
			} else {
				g_autofree char *when = rd_time_format_local(o->created_at);
				printf("%-16s %-26s %-10s %s  %s\n", c->reference, o->kind, o->status, when, o->to_addr);
			}
		}
	}
	json_builder_end_array(b);
	if (g->json) {
		g_autoptr(JsonNode) root = json_builder_get_root(b);
		g_autofree char *s = json_to_string(root, TRUE);
		printf("%s\n", s);
	} else if (!g->quiet) {
		printf("%u letter%s\n", n, n == 1 ? "" : "s");
	}
	return RD_EXIT_OK;
}

int
rd_cmd_outbox(const RdGlobalOptions *g, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "flush") == 0)
		return outbox_flush(g, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "send") == 0)
		return outbox_send(g, argc - 1, argv + 1);
	if (argc == 1 || (argc == 2 && strcmp(argv[1], "list") == 0))
		return outbox_list(g);
	fprintf(stderr, "redress outbox: use 'redress outbox [list]', 'redress outbox send [--now TIME]' or 'redress outbox flush --to DIR [--now TIME]'\n");
	return RD_EXIT_USAGE;
}

/* The reply address and last day of case @c's survey of @kind, or (none
 * yet) no address and the last day of one sent today. */
static gboolean
preview_survey(RdStore *store, const RdConfig *cfg, RdRules *rules, const RdCase *c, int kind, char **reply_r,
               char **answer_by_r, GError **error)
{
	g_autoptr(GPtrArray) all = rd_store_surveys_list(store, c->id, error);
	if (all == NULL)
		return FALSE;
	for (guint i = 0; i < all->len; i++) {
		const RdSurvey *v = all->pdata[i];
		if (strcmp(v->kind, rd_survey_kind_to_string(kind)) == 0 && v->expires != NULL) {
			*reply_r = rd_survey_token_address(rd_letters_token_key(rd_rules_letters(rules)), RD_TOKEN_KEY_LEN,
			                                   cfg->mailboxes[RD_MAILBOX_COMPLAINTS].address, v->id);
			*answer_by_r = g_strdup(v->expires);
			return TRUE;
		}
	}
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	GDate today, last;
	rd_date_london(now, &today);
	if (rd_calendar_add_working_days(rd_rules_calendar(rules), &today, cfg->surveys.expire_after, &last))
		*answer_by_r = rd_date_format_iso(&last);
	return TRUE;
}

int
rd_cmd_letters(const RdGlobalOptions *g, int argc, char **argv)
{
	g_autofree char *lang = NULL;
	gboolean text_only = FALSE;
	GOptionEntry entries[] = {
		{ "lang", 0, 0, G_OPTION_ARG_STRING, &lang, "Language: en or cy (default: the case's)", "LANG" },
		{ "text", 0, 0, G_OPTION_ARG_NONE, &text_only, "Print only the subject and text part", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("preview NAME REF — show a letter as it would be sent");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc != 4 || strcmp(argv[1], "preview") != 0) {
		fprintf(stderr, "redress letters: %s\n",
		        err ? err->message : "use 'redress letters preview NAME REF' (e.g. stage1-acknowledgement CMP-2026-000001)");
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	int rc = rd_open_config_and_store_readonly(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	/* The case first: the rules load the reply-token key, which the
	 * first command that wrote cases made, so a file with this case has
	 * one; a preview only reads and must not be the one to make it. */
	g_autoptr(RdCase) c = NULL;
	if (!rd_cli_find_case(store, cfg, argv[3], &c, &err)) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	if (c == NULL) {
		fprintf(stderr, "redress letters: no case %s (list them with: redress cases)\n", argv[3]);
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdRules) rules = rd_rules_open(store, cfg, &err);
	if (rules == NULL) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	RdLetters *letters = rd_rules_letters(rules);
	if (lang != NULL) {
		if (strcmp(lang, "en") != 0 && strcmp(lang, "cy") != 0) {
			fprintf(stderr, "redress letters: --lang must be en or cy\n");
			return RD_EXIT_USAGE;
		}
		g_free(c->language);
		c->language = g_strdup(lang);
	}
	g_autoptr(GPtrArray) stages = rd_store_stages_for_case(store, c->id, &err);
	g_autoptr(GPtrArray) msgs = stages ? rd_store_messages_for_case(store, c->id, &err) : NULL;
	if (msgs == NULL) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	const RdMessageRow *first = msgs->len ? msgs->pdata[0] : NULL;
	RdLetterRequest r = { 0 };
	r.name = argv[2];
	r.idem_key = "preview";
	r.c = c;
	r.stage = stages->len ? stages->pdata[stages->len - 1] : NULL;
	r.mailbox = RD_MAILBOX_COMPLAINTS;
	r.to_complainant = !rd_letters_is_staff_notice(argv[2]);
	r.to_addr = r.to_complainant ? c->complainant_email
	                             : (c->handler ? c->handler : cfg->mailboxes[RD_MAILBOX_COMPLAINTS].address);
	r.to_name = r.to_complainant ? c->complainant_name : NULL;
	r.in_reply_to = first ? first->message_id : NULL;
	r.excerpt = first ? first->new_text : NULL;
	r.office_name = cfg->mailboxes[RD_MAILBOX_CHIEF_EXECUTIVE].office_name;
	r.office_name_cy = cfg->mailboxes[RD_MAILBOX_CHIEF_EXECUTIVE].office_name_cy;
	/* As the case's procedure would write it. */
	const RdProfile *p = rd_rules_profile(rules, c->profile);
	r.ombudsman = rd_ombudsman_to_string(p->ombudsman);
	r.ombudsman_details = p->holding_ombudsman_details;
	r.final_stage = r.stage != NULL && r.stage->stage == 2;
	r.reason = "(the reason given by the case handler)";
	r.new_date = r.stage ? (r.stage->extended_to ? r.stage->extended_to : r.stage->response_due) : NULL;
	/* A survey letter with the case's survey of that kind, if it has
	 * one (its own reply address and last day), else as it would go
	 * today. */
	g_autofree char *survey_reply = NULL, *answer_by = NULL;
	r.survey = strcmp(r.name, "survey") == 0 || strcmp(r.name, "staff-survey") == 0;
	r.survey_kind = strcmp(r.name, "staff-survey") == 0 ? RD_SURVEY_STAFF : RD_SURVEY_COMPLAINANT;
	if (r.survey && !preview_survey(store, cfg, rules, c, r.survey_kind, &survey_reply, &answer_by, &err)) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	r.reply_to = survey_reply;
	r.survey_answer_by = answer_by;
	g_autofree char *subject = NULL;
	g_autoptr(GBytes) raw = rd_letters_compose(letters, &r, &subject, NULL, &err);
	if (raw == NULL) {
		fprintf(stderr, "redress letters: %s\n", err->message);
		return RD_EXIT_USAGE;
	}
	if (text_only) {
		/* The text part as the complainant's mail client shows it. */
		gsize len = 0;
		const char *d = g_bytes_get_data(raw, &len);
		GMimeStream *st = g_mime_stream_mem_new_with_buffer(d, len);
		GMimeParser *parser = g_mime_parser_new_with_stream(st);
		GMimeMessage *m = g_mime_parser_construct_message(parser, NULL);
		g_object_unref(parser);
		g_object_unref(st);
		GMimeObject *body = m ? g_mime_message_get_body(m) : NULL;
		printf("Subject: %s\n\n", subject);
		if (body && GMIME_IS_MULTIPART(body)) {
			GMimeObject *part = g_mime_multipart_get_part(GMIME_MULTIPART(body), 0);
			if (GMIME_IS_TEXT_PART(part)) {
				g_autofree char *t = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
				fputs(t, stdout);
			}
		}
		g_clear_object(&m);
		return RD_EXIT_OK;
	}
	gsize len = 0;
	const char *data = g_bytes_get_data(raw, &len);
	fwrite(data, 1, len, stdout);
	return RD_EXIT_OK;
}
