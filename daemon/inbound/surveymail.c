/*
 * surveymail.c — replies to a satisfaction survey (README "Satisfaction
 * surveys"): mail to a survey's reply address, complaints+svy-ID-MAC@.
 *
 * Checked before staff mail, since a handler answers the staff survey
 * from the council's own address. Only an address whose MAC holds is a
 * survey's; a forged or mistyped one is no survey reply, and the mail
 * goes on through intake as anyone's would.
 *
 * The reply is always kept: as a message on the case (a complainant's),
 * or on no case (a handler's, so that the case's journey never shows
 * what one handler thought). Then, in the same transaction:
 *
 *   read (procedure/survey.c) → the numbers recorded apart from anything
 *     personal, the comment anonymised, the survey answered; "stop" also
 *     marks the person not to be contacted;
 *   not read → triage, with what could not be read, nothing counted;
 *   after the survey's last day, or a second reply → kept, noted on the
 *     case, not counted; in triage too if it has any words, since
 *     nothing records them ("not satisfied, please escalate" a day late
 *     must still reach a person);
 *   "stop" with words but no answers → not to be contacted, and the
 *     words in triage (nothing counted records them);
 *   read, but its comment has words that ask for Stage 2 → counted, and
 *     in triage too, so that a person sees it.
 * A triage reason says why, and whether the words may ask for Stage 2.
 */
#include <string.h>

#include "ingest-private.h"

typedef struct {
	RdIngest *ing;
	RdStore *st;
	const RdMessage *msg;
	const char *data;
	gsize len;
	const char *content_hash;
	RdMailbox mailbox;
	gint64 at;
	const char *source;
	RdIngestResult *r;
	RdSurvey *v;
	RdCase *c;
	gboolean staff;
} Reply;

/* The message row, on the case for a complainant's reply. */
static gint64
keep(Reply *y, const char *reason, GError **error)
{
	if (!rd_store_raw_put(y->st, y->msg->raw_sha256, y->data, y->len, error))
		return 0;
	gint64 case_id = y->staff ? 0 : y->c->id;
	gint64 id = rd_ingest_insert_message(y->ing, y->len, y->msg, y->content_hash, case_id, "survey-reply",
	                                     rd_via_to_string(case_id ? RD_VIA_TOKEN : RD_VIA_NONE), reason, y->mailbox,
	                                     y->at, y->source, error);
	if (id == 0)
		return 0;
	RdIngestResult *r = y->r;
	r->status = RD_INGEST_STORED;
	r->msg_id = id;
	r->message_id = g_strdup(y->msg->message_id);
	r->kind = g_strdup("survey-reply");
	r->via = g_strdup(rd_via_to_string(case_id ? RD_VIA_TOKEN : RD_VIA_NONE));
	r->reason = g_strdup(reason);
	r->case_ref = case_id ? g_strdup(y->c->reference) : NULL;
	return id;
}

static gboolean
event(Reply *y, const char *type, const char *detail, gint64 msg_id, GError **error)
{
	return rd_store_event_add(y->st, y->c->id, y->at, "redress", type, detail, y->staff ? 0 : msg_id, error) != 0;
}

static gboolean
no_contact(Reply *y, gint64 msg_id, GError **error)
{
	const char *who = y->v->recipient != NULL ? y->v->recipient : y->msg->from ? y->msg->from->email : NULL;
	if (who == NULL)
		return TRUE;
	if (!rd_store_person_set_no_contact(y->st, who, y->at, "said stop in reply to a survey", error))
		return FALSE;
	/* A survey of another case of theirs may still wait in the outbox. */
	guint withdrawn = 0;
	if (!rd_casework_surveys_withdraw(y->st, who, y->v->id,
	                                  "not sent: the complainant said stop in reply to a survey", &withdrawn, error))
		return FALSE;
	g_autofree char *what = g_strdup_printf("%s asked, in reply to a survey, not to be contacted again: "
	                                        "no more surveys will be sent%s.", who,
	                                        withdrawn > 0 ? "; one still waiting to go was held back" : "");
	return event(y, "no-contact", what, msg_id, error);
}

/* A reply a person must read, in triage: @why says why; @stage2 adds
 * that its words may ask for Stage 2. */
static gboolean
to_triage(Reply *y, gint64 msg_id, const char *why, gboolean stage2, GError **error)
{
	g_autofree char *reason = g_strdup_printf("%s%s Read it%s, then redress triage assign.", why,
	                                          stage2 ? " Its words may ask for Stage 2 or more." : "",
	                                          stage2 ? " and act on the case if so" : "");
	y->r->triage = TRUE;
	return rd_store_triage_add(y->st, msg_id, reason, y->c->reference, y->at, error);
}

static gboolean
answered(Reply *y, const RdSurveyReply *a, gint64 msg_id, GError **error)
{
	g_autofree char *comment = NULL;
	if (a->comment != NULL) {
		g_autoptr(GPtrArray) names = rd_casework_survey_names(y->ing->cfg, y->c,
		                                                      y->msg->from ? y->msg->from->name : NULL);
		comment = rd_survey_anonymise(a->comment, (const char *const *)names->pdata);
	}
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(y->at);
	GDate d;
	rd_date_london(dt, &d);
	g_autofree char *day = rd_date_format_iso(&d);
	if (!rd_store_survey_answer(y->st, y->v->id, y->at, day, msg_id, a->answers, RD_SURVEY_QUESTIONS, comment,
	                            error))
		return FALSE;
	g_autoptr(GString) what = g_string_new(NULL);
	if (y->staff) {
		/* Which handler said what stays out of the case's journey. */
		g_string_append(what, "A staff survey reply was recorded (reported only in totals).");
	} else {
		g_string_append(what, "Satisfaction survey answered:");
		for (guint q = 0; q < RD_SURVEY_QUESTIONS; q++)
			if (a->answers[q] != 0)
				g_string_append_printf(what, " %u=%d", q + 1, a->answers[q]);
		g_string_append(what, comment != NULL ? "; a comment was recorded, anonymised." : ".");
	}
	if (!event(y, "survey-answered", what->str, msg_id, error))
		return FALSE;
	/* Words that ask for Stage 2 ("not satisfied", "escalate") are more
	 * than a comment: a person reads them. */
	if (y->staff || a->comment == NULL ||
	    !rd_text_asks_stage2(NULL, a->comment, (const char *const *)y->ing->cfg->stage2_phrases))
		return TRUE;
	g_autofree char *why = g_strdup_printf("A reply to the satisfaction survey of %s was counted.", y->c->reference);
	return to_triage(y, msg_id, why, TRUE, error);
}

static gboolean
handle(Reply *y, GError **error)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(y->at);
	GDate d;
	rd_date_london(dt, &d);
	g_autofree char *today = rd_date_format_iso(&d);
	const char *label = y->staff ? "the staff survey" : "the satisfaction survey";
	const char *text = y->msg->new_text != NULL ? y->msg->new_text : y->msg->text;
	RdSurveyReply a;
	gboolean read = rd_survey_parse(text, &a);
	gboolean late = strcmp(y->v->status, "expired") == 0 ||
	                (strcmp(y->v->status, "sent") == 0 && y->v->expires != NULL && strcmp(today, y->v->expires) > 0);
	gboolean counted = strcmp(y->v->status, "sent") == 0 && !late;
	const char *not_counted = late ? "it came after the survey's last day"
	                          : strcmp(y->v->status, "answered") == 0 ? "a second reply: the survey was already answered"
	                                                                  : "the survey was not sent";
	g_autofree char *reason = counted && read ? g_strdup_printf("a reply to %s, read", label)
	                          : counted ? g_strdup_printf("a reply to %s that could not be read: %s", label,
	                                                      a.problem)
	                          : g_strdup_printf("a reply to %s, not counted (%s)", label, not_counted);
	/* The words a person may need to see: the comment of a reply read,
	 * the whole of one that was not (its comment is not kept then). */
	g_autofree char *words = g_strstrip(g_strdup(read ? (a.comment != NULL ? a.comment : "")
	                                                  : (text != NULL ? text : "")));
	gboolean has_words = *words != '\0';
	/* A handler's own survey asks for no Stage 2. */
	gboolean stage2 = !y->staff && has_words &&
	                  rd_text_asks_stage2(NULL, words, (const char *const *)y->ing->cfg->stage2_phrases);
	gint64 msg_id = keep(y, reason, error);
	gboolean ok = msg_id != 0;
	if (ok && read && a.stop)
		ok = no_contact(y, msg_id, error);
	if (ok && !counted) {
		if (late && strcmp(y->v->status, "sent") == 0)
			ok = rd_store_survey_set_status(y->st, y->v->id, "expired", NULL, error);
		g_autofree char *what = late ? g_strdup_printf("A reply to %s came after its last day (%s); it is kept, "
		                                               "not counted.", label, y->v->expires)
		                             : g_strdup_printf("A reply to %s is kept, not counted: %s.", label,
		                                               not_counted);
		ok = ok && event(y, "survey-reply-not-counted", what, msg_id, error);
		if (ok && has_words) {
			g_autofree char *why = g_strdup_printf("A reply to %s of %s was kept but not counted (%s); nothing "
			                                       "records its words.", label, y->c->reference, not_counted);
			ok = to_triage(y, msg_id, why, stage2, error);
		}
	} else if (ok && read && a.n_answers > 0) {
		ok = answered(y, &a, msg_id, error);
	} else if (ok && read) {
		/* Only "stop": the person is not contacted again, and the
		 * words beside it, which no answer carries, go to a person. */
		if (has_words) {
			g_autofree char *why = g_strdup_printf("A reply to %s of %s said stop (no more surveys will be "
			                                       "sent) with words that are not recorded.", label,
			                                       y->c->reference);
			ok = to_triage(y, msg_id, why, stage2, error);
		}
	} else if (ok) {
		g_autofree char *why = g_strdup_printf("A reply to %s of %s that redress could not read (%s); "
		                                       "record its answers with redress surveys record %" G_GINT64_FORMAT
		                                       " ANSWERS.", label, y->c->reference, a.problem, y->v->id);
		ok = to_triage(y, msg_id, why, stage2, error);
	}
	rd_survey_reply_clear(&a);
	return ok;
}

gboolean
rd_ingest_survey(RdIngest *ing, const char *data, gsize len, const RdMessage *msg, const char *content_hash,
                 RdMailbox mailbox, gint64 received_at, const char *source, gboolean *handled_r, RdIngestResult *r,
                 GError **error)
{
	*handled_r = FALSE;
	gint64 id = 0;
	for (guint i = 0; msg->recipients != NULL && i < msg->recipients->len && id == 0; i++) {
		gint64 seen = 0;
		gboolean valid = FALSE;
		if (rd_survey_token_parse(ing->key, RD_TOKEN_KEY_LEN, msg->recipients->pdata[i], &seen, &valid) && valid)
			id = seen;
	}
	if (id == 0)
		return TRUE;
	g_autoptr(RdSurvey) v = NULL;
	g_autoptr(RdCase) c = NULL;
	if (!rd_store_survey_get(ing->store, id, &v, error))
		return FALSE;
	if (v == NULL)
		return TRUE;
	if (!rd_store_case_get(ing->store, v->case_id, &c, error))
		return FALSE;
	if (c == NULL)
		return TRUE;
	Reply y = { ing, ing->store, msg, data, len, content_hash, mailbox, received_at, source, r, v, c,
	            strcmp(v->kind, "staff") == 0 };
	if (!handle(&y, error))
		return FALSE;
	*handled_r = TRUE;
	return TRUE;
}
