/*
 * language.c — the language of a case: chosen when the complaint
 * arrives, and the acknowledgement sent again when a person corrects it.
 *
 * Welsh Language Standards: correspondence in Welsh gets its reply in
 * Welsh, and our letters say so. Few mail programs label a Welsh message
 * (and many label every message "en-GB"), so the complaint's own words
 * decide (procedure/language.c); when they cannot, the acknowledgement
 * asks in both languages rather than guess. A handler who learns better
 * sets the language (`redress case REF language cy`, `#language cy`),
 * and the acknowledgement that went in the wrong language goes again in
 * the right one.
 */
#include <string.h>
#include "casework/casework.h"

void
rd_language_choice_clear(RdLanguageChoice *c)
{
	g_clear_pointer(&c->why, g_free);
}

static const char *
language_name(const char *lang)
{
	return g_strcmp0(lang, "cy") == 0 ? "Welsh" : "English";
}

void
rd_casework_choose_language(const RdConfig *cfg, RdMailbox mailbox, const char *content_language,
                            const char *subject, const char *text, RdLanguageChoice *out)
{
	memset(out, 0, sizeof *out);
	const char *fallback = cfg->mailboxes[mailbox].language ? cfg->mailboxes[mailbox].language
	                       : cfg->default_language ? cfg->default_language : "en";
	if (content_language != NULL && g_str_has_prefix(content_language, "cy")) {
		out->language = "cy";
		out->why = g_strdup_printf("Letters in Welsh: the message's Content-Language is %s.", content_language);
		return;
	}
	g_autofree char *words = g_strconcat(subject ? subject : "", "\n", text ? text : "", NULL);
	RdLanguageScore s;
	RdLanguageGuess g = rd_language_detect(words, &s);
	g_autofree char *header = content_language != NULL
	                          ? g_strdup_printf("; its Content-Language said %s", content_language)
	                          : g_strdup("");
	if (g != RD_LANGUAGE_UNSURE) {
		out->language = g == RD_LANGUAGE_CY ? "cy" : "en";
		out->why = g_strdup_printf("Letters in %s: the complaint is written in %s (detected from its words: "
		                           "Welsh %d, English %d%s).", language_name(out->language),
		                           language_name(out->language), s.welsh + s.welsh_spelling,
		                           s.english + s.english_spelling, header);
		return;
	}
	if (content_language != NULL && g_str_has_prefix(content_language, "en")) {
		out->language = "en";
		out->why = g_strdup_printf("Letters in English: the message's Content-Language is %s (its words alone "
		                           "did not say).", content_language);
		return;
	}
	out->language = fallback;
	out->unsure = TRUE;
	out->why = g_strdup_printf("Language unsure: the complaint's words do not say whether it is Welsh or English "
	                           "(Welsh %d, English %d%s). Letters in %s, and the acknowledgement asks in both "
	                           "languages which the complainant wants; if they want Welsh, set it with "
	                           "#language cy (or redress case REF language cy).",
	                           s.welsh + s.welsh_spelling, s.english + s.english_spelling, header,
	                           language_name(fallback));
}

/* ---- sending the acknowledgement again --------------------------------------- */

/* The stage an acknowledgement letter is about, or 0 for other letters. */
static int
ack_stage(const char *kind)
{
	if (g_strcmp0(kind, "stage1-acknowledgement") == 0 || g_strcmp0(kind, "chief-executive-referral") == 0)
		return 1;
	if (g_strcmp0(kind, "stage2-acknowledgement") == 0)
		return 2;
	return 0;
}

/* The message that opened @stage: its Message-ID (the letter threads
 * under it) and its words (the letter quotes them). */
static gboolean
opening_message(RdStore *st, gint64 case_id, int stage, RdMessageRow **row_r, GError **error)
{
	*row_r = NULL;
	g_autoptr(GPtrArray) msgs = rd_store_messages_for_case(st, case_id, error);
	if (msgs == NULL)
		return FALSE;
	const char *kind = stage == 1 ? "new-complaint" : "stage2-request";
	gint64 id = 0;
	for (guint i = 0; i < msgs->len; i++) {
		const RdMessageRow *m = msgs->pdata[i];
		/* Stage 1: the first; Stage 2: the latest (it may have been
		 * asked for again after a referral back). */
		if (g_strcmp0(m->kind, kind) == 0 && (id == 0 || stage == 2))
			id = m->id;
	}
	return id == 0 || rd_store_message_get(st, id, row_r, error);
}

gboolean
rd_casework_resend_acknowledgement(RdCasework *cw, const RdCase *c, gint64 at, GString *done,
                                   GPtrArray *letters, GError **error)
{
	RdStore *st = rd_casework_store(cw);
	const RdConfig *cfg = rd_casework_config(cw);
	RdRules *rules = rd_casework_rules(cw);
	g_autoptr(GPtrArray) out = rd_store_outbox_for_case(st, c->id, error);
	if (out == NULL)
		return FALSE;
	/* The latest acknowledgement that went or is going. */
	const RdOutboxRow *ack = NULL;
	for (guint i = 0; i < out->len; i++) {
		const RdOutboxRow *o = out->pdata[i];
		if (ack_stage(o->kind) != 0 &&
		    (g_strcmp0(o->status, "queued") == 0 || g_strcmp0(o->status, "sent") == 0))
			ack = o;
	}
	if (ack == NULL || g_strcmp0(ack->language, c->language) == 0)
		return TRUE;
	int n = ack_stage(ack->kind);
	g_autoptr(GPtrArray) stages = rd_store_stages_for_case(st, c->id, error);
	if (stages == NULL)
		return FALSE;
	const RdStage *s = NULL;
	for (guint i = 0; i < stages->len; i++)
		if (((RdStage *)stages->pdata[i])->stage == n)
			s = stages->pdata[i];
	if (s == NULL || s->closed != NULL || s->responded != NULL) {
		g_string_append_printf(done, "The acknowledgement in %s is not sent again: Stage %d is no longer open.\n",
		                       language_name(ack->language), n);
		return TRUE;
	}
	if (!rd_casework_letters_on(cw))
		return TRUE;

	gboolean waiting = g_strcmp0(ack->status, "queued") == 0;
	if (waiting) {
		g_autofree char *why = g_strdup_printf("replaced by the letter in %s", language_name(c->language));
		gboolean withdrawn = FALSE;
		if (!rd_store_outbox_withdraw(st, ack->id, at, why, &withdrawn, error))
			return FALSE;
		/* Not withdrawn: the sender took it first, so it went, and this
		 * one follows. */
		waiting = withdrawn;
	}

	g_autoptr(RdMessageRow) m = NULL;
	if (!opening_message(st, c->id, n, &m, error))
		return FALSE;
	const RdProfile *p = rd_rules_profile(rules, c->profile);
	RdMailbox office = RD_MAILBOX_COMPLAINTS;
	gboolean referral = strcmp(ack->kind, "chief-executive-referral") == 0 &&
	                    rd_mailbox_from_string(c->channel, &office);
	/* A key of its own, so the outbox does not take it for the letter
	 * already sent; named after that letter, so a second change back
	 * gets a third key. */
	g_autofree char *key = g_strdup_printf("%s/%s", ack->idem_key, c->language);
	RdLetterRequest r = { 0 };
	r.name = ack->kind;
	r.idem_key = key;
	r.c = c;
	r.stage = s;
	r.mailbox = n == 2 ? RD_MAILBOX_STAGE2 : RD_MAILBOX_COMPLAINTS;
	r.to_addr = c->complainant_email;
	r.to_name = c->complainant_name;
	r.to_complainant = TRUE;
	r.in_reply_to = m ? m->message_id : NULL;
	r.excerpt = m ? m->new_text : NULL;
	r.office_name = referral ? cfg->mailboxes[office].office_name : NULL;
	r.office_name_cy = referral ? cfg->mailboxes[office].office_name_cy : NULL;
	r.ombudsman = rd_ombudsman_to_string(p->ombudsman);
	gboolean queued = FALSE;
	if (!rd_letters_queue(rd_rules_letters(rules), st, &r, at, &queued, error))
		return FALSE;
	if (queued)
		g_ptr_array_add(letters, g_strdup(r.name));
	g_autofree char *sent_day = ack->sent_at ? rd_time_format_local(ack->sent_at) : NULL;
	g_autofree char *what = waiting
		? g_strdup_printf("The %s in %s, not sent yet, is replaced by one in %s.", ack->kind,
		                  language_name(ack->language), language_name(c->language))
		: g_strdup_printf("The %s went in %s%s%.10s; it is sent again in %s.", ack->kind,
		                  language_name(ack->language), sent_day ? " on " : "", sent_day ? sent_day : "",
		                  language_name(c->language));
	g_string_append_printf(done, "%s\n", what);
	return rd_store_event_add(st, c->id, at, "redress", "acknowledgement-resent", what, 0, error) != 0;
}
