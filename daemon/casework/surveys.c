/*
 * surveys.c — satisfaction surveys from the deadline sweep, and the
 * "do not contact" flag's effect on them (README "Satisfaction surveys").
 *
 * When: procedure/survey.c's rd_survey_due(): [surveys] delay working
 * days after the final response. A Stage 1 response is final while the
 * case stays stage1-closed; a case escalated before its survey went is
 * not closed, so nothing is sent until Stage 2 is answered, and then
 * from that answer. A case is surveyed once for each kind: the surveys
 * row (unique per case, kind and recipient) and its letter (idempotency
 * key survey/REF/complainant) are written in one transaction, so neither
 * a second sweep, a restart nor a crash between the two sends another.
 *
 * Which cases: only those answered on or after the day surveys were first
 * switched on (the setting surveys_since), so turning them on does not
 * mail every past complainant, and within RD_SURVEY_LOOKBACK_DAYS of
 * today, so the sweep reads recent cases only. A profile not in
 * [surveys] profiles is passed over.
 *
 * Never to a complainant who asked not to be contacted, whose address a
 * letter bounced from, or who has no email (a postal placeholder): the
 * survey is recorded as suppressed with the reason, and counted so.
 */
#include "casework/casework.h"

#define SINCE_SETTING "surveys_since"

static char *
day_of(gint64 at, GDate *d_r)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(at);
	rd_date_london(dt, d_r);
	return rd_date_format_iso(d_r);
}

/* The first response day the sweep looks at: the day surveys were first
 * on, or RD_SURVEY_LOOKBACK_DAYS ago if later. */
static char *
first_day(RdStore *store, const GDate *today, GError **error)
{
	g_autofree char *since = NULL;
	if (!rd_store_setting_get(store, SINCE_SETTING, &since, error))
		return NULL;
	g_autofree char *iso = rd_date_format_iso(today);
	if (since == NULL) {
		if (!rd_store_setting_set(store, SINCE_SETTING, iso, error))
			return NULL;
		since = g_strdup(iso);
	}
	GDate back = *today;
	g_date_subtract_days(&back, RD_SURVEY_LOOKBACK_DAYS);
	g_autofree char *floor = rd_date_format_iso(&back);
	return g_strdup(strcmp(since, floor) > 0 ? since : floor);
}

static gboolean
profile_surveyed(const RdConfig *cfg, const RdCase *c)
{
	char **only = cfg->surveys.profiles;
	if (only == NULL || only[0] == NULL)
		return TRUE;
	const char *p = c->profile != NULL ? c->profile : cfg->default_profile;
	for (guint i = 0; p != NULL && only[i] != NULL; i++)
		if (g_ascii_strcasecmp(only[i], p) == 0)
			return TRUE;
	return FALSE;
}

/* Why @email is not to get a survey, or NULL. Newly allocated. */
static gboolean
why_not(RdStore *store, const char *email, char **why_r, GError **error)
{
	*why_r = NULL;
	if (email == NULL || rd_letters_is_postal(email)) {
		*why_r = g_strdup("no email address (a complaint made by phone, letter or in person)");
		return TRUE;
	}
	gboolean no = FALSE, bounced = FALSE;
	g_autofree char *reason = NULL;
	if (!rd_store_person_no_contact(store, email, &no, &reason, error))
		return FALSE;
	if (no) {
		*why_r = reason != NULL ? g_strdup_printf("asked not to be contacted (%s)", reason)
		                        : g_strdup("asked not to be contacted");
		return TRUE;
	}
	if (!rd_store_address_bounced(store, email, &bounced, error))
		return FALSE;
	if (bounced)
		*why_r = g_strdup("an earlier letter to this address came back or could not be delivered");
	return TRUE;
}

typedef struct {
	RdStore *store;
	const RdConfig *cfg;
	RdRules *rules;
	gint64 now;
	GDate today;
	char *today_iso;
	char *expires;            /* the last day a survey sent today counts */
	RdSweepFunc func;
	gpointer user_data;
	guint sent;
} Run;

/* One survey of @kind to @to on case @c, in the open transaction; its
 * outcome in @told. */
static gboolean
survey_one(Run *r, RdCase *c, RdSurveyKind kind, const char *to, const char *due, GString *told, GError **error)
{
	gboolean staff = kind == RD_SURVEY_STAFF;
	g_autofree char *why = NULL;
	if (!why_not(r->store, to, &why, error))
		return FALSE;
	RdSurvey v = { 0 };
	v.case_id = c->id;
	v.kind = (char *)rd_survey_kind_to_string(kind);
	v.recipient = (char *)to;
	v.language = c->language;
	v.status = why != NULL ? "suppressed" : "sent";
	v.reason = why;
	v.due = (char *)due;
	v.sent_at = why != NULL ? 0 : r->now;
	v.sent_day = why != NULL ? NULL : r->today_iso;
	v.expires = why != NULL ? NULL : r->expires;
	v.created_at = r->now;
	gboolean added = FALSE;
	gint64 id = rd_store_survey_insert(r->store, &v, &added, error);
	if (id == 0)
		return FALSE;
	if (!added)
		return TRUE;
	const char *label = staff ? "Staff survey" : "Satisfaction survey";
	if (why != NULL) {
		g_autofree char *what = g_strdup_printf("%s not sent to %s: %s.", label, to, why);
		g_string_append_printf(told, "%s%s", told->len ? " " : "", what);
		return rd_store_event_add(r->store, c->id, r->now, "redress", "survey-suppressed", what, 0, error) != 0;
	}
	const char *base = r->cfg->mailboxes[RD_MAILBOX_COMPLAINTS].address;
	RdLetters *letters = rd_rules_letters(r->rules);
	g_autofree char *reply = rd_survey_token_address(rd_letters_token_key(letters), RD_TOKEN_KEY_LEN, base, id);
	g_autofree char *key = staff ? g_strdup_printf("survey/%s/staff/%s", c->reference, to)
	                             : g_strdup_printf("survey/%s/complainant", c->reference);
	RdLetterRequest q = { 0 };
	q.name = staff ? "staff-survey" : "survey";
	q.idem_key = key;
	q.c = c;
	q.mailbox = RD_MAILBOX_COMPLAINTS;
	q.to_addr = to;
	q.to_name = staff ? NULL : c->complainant_name;
	q.to_complainant = !staff;
	q.reply_to = reply;
	q.survey = TRUE;
	q.survey_kind = kind;
	q.survey_answer_by = r->expires;
	gboolean queued = FALSE;
	if (!rd_letters_queue(letters, r->store, &q, r->now, &queued, error))
		return FALSE;
	if (!queued)
		/* Capped or not writable: the letter's own event says which. */
		return rd_store_survey_set_status(r->store, id, "suppressed", "the letter was not sent (see the case's "
		                                  "journey)", error);
	r->sent++;
	g_string_append_printf(told, "%s%s sent to %s.", told->len ? " " : "", label, to);
	return TRUE;
}

/* Every handler the case had: its own, and each stage's. */
static GPtrArray *
handlers_of(RdStore *store, const RdCase *c, GError **error)
{
	g_autoptr(GPtrArray) stages = rd_store_stages_for_case(store, c->id, error);
	if (stages == NULL)
		return NULL;
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i <= stages->len; i++) {
		const char *h = i < stages->len ? ((const RdStage *)stages->pdata[i])->handler : c->handler;
		if (h == NULL)
			continue;
		gboolean seen = FALSE;
		for (guint k = 0; k < out->len && !seen; k++)
			seen = g_ascii_strcasecmp(out->pdata[k], h) == 0;
		if (!seen)
			g_ptr_array_add(out, g_ascii_strdown(h, -1));
	}
	return out;
}

/* Case @cand's survey of @kind, in a transaction of its own. */
static gboolean
survey_case(Run *r, const RdSurveyCandidate *cand, RdSurveyKind kind, const char *due, GError **error)
{
	if (!rd_store_begin(r->store, error))
		return FALSE;
	g_autoptr(RdCase) c = NULL;
	g_autoptr(GString) told = g_string_new(NULL);
	if (!rd_store_case_get(r->store, cand->case_id, &c, error))
		goto fail;
	if (c == NULL || !profile_surveyed(r->cfg, c))
		return rd_store_commit(r->store, error);
	if (kind == RD_SURVEY_COMPLAINANT) {
		if (!survey_one(r, c, kind, c->complainant_email, due, told, error))
			goto fail;
	} else {
		g_autoptr(GPtrArray) hs = handlers_of(r->store, c, error);
		if (hs == NULL)
			goto fail;
		for (guint i = 0; i < hs->len; i++)
			if (!survey_one(r, c, kind, hs->pdata[i], due, told, error))
				goto fail;
	}
	if (!rd_store_commit(r->store, error))
		goto fail;
	if (r->func != NULL && told->len > 0) {
		g_autofree char *key = g_strdup_printf("survey/%s", rd_survey_kind_to_string(kind));
		RdSweepAction sa = { c->reference, "survey", key, told->str };
		r->func(&sa, r->user_data);
	}
	return TRUE;
fail:
	rd_store_rollback(r->store);
	return FALSE;
}

/* Sent surveys past their last day: expired, each in its own transaction. */
static gboolean
expire(Run *r, GError **error)
{
	g_autoptr(GPtrArray) old = rd_store_surveys_expiring(r->store, r->today_iso, error);
	if (old == NULL)
		return FALSE;
	for (guint i = 0; i < old->len; i++) {
		const RdSurvey *v = old->pdata[i];
		g_autofree char *what = g_strdup_printf("%s survey expired unanswered (replies counted until %s).",
		                                        strcmp(v->kind, "staff") == 0 ? "A staff" : "The satisfaction",
		                                        v->expires);
		if (!rd_store_begin(r->store, error))
			return FALSE;
		if (!rd_store_survey_set_status(r->store, v->id, "expired", NULL, error) ||
		    rd_store_event_add(r->store, v->case_id, r->now, "redress", "survey-expired", what, 0, error) == 0 ||
		    !rd_store_commit(r->store, error)) {
			rd_store_rollback(r->store);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean
rd_survey_sweep_run(RdStore *store, const RdConfig *cfg, RdRules *rules, gint64 now, RdSweepFunc func,
                    gpointer user_data, guint *sent_r, GError **error)
{
	if (sent_r != NULL)
		*sent_r = 0;
	Run r = { 0 };
	r.store = store;
	r.cfg = cfg;
	r.rules = rules;
	r.now = now;
	r.func = func;
	r.user_data = user_data;
	g_autofree char *today_iso = day_of(now, &r.today);
	r.today_iso = today_iso;
	/* Expiry runs even when surveys have been switched off since. */
	if (!expire(&r, error))
		return FALSE;
	if (!cfg->surveys.enabled)
		return TRUE;
	const RdCalendar *cal = rd_rules_calendar(rules);
	GDate last;
	if (!rd_calendar_add_working_days(cal, &r.today, cfg->surveys.expire_after, &last)) {
		g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_RANGE, "date out of range");
		return FALSE;
	}
	g_autofree char *expires = rd_date_format_iso(&last);
	r.expires = expires;
	g_autofree char *first = first_day(store, &r.today, error);
	if (first == NULL)
		return FALSE;
	for (int k = 0; k < RD_SURVEY_N_KINDS; k++) {
		if (k == RD_SURVEY_STAFF && !cfg->surveys.staff)
			continue;
		g_autoptr(GPtrArray) cands = rd_store_survey_candidates(store, rd_survey_kind_to_string(k), first, error);
		if (cands == NULL)
			return FALSE;
		for (guint i = 0; i < cands->len; i++) {
			const RdSurveyCandidate *cand = cands->pdata[i];
			RdSurveyCase sc = { cand->state, cand->last_response, cand->last_outcome,
			                    cand->last_response != NULL };
			GDate due;
			if (!rd_survey_due(cal, &sc, cfg->surveys.delay, &r.today, &due))
				continue;
			g_autofree char *due_iso = rd_date_format_iso(&due);
			if (!survey_case(&r, cand, (RdSurveyKind)k, due_iso, error))
				return FALSE;
		}
	}
	if (sent_r != NULL)
		*sent_r = r.sent;
	return TRUE;
}

gboolean
rd_casework_surveys_withdraw(RdStore *store, const char *email, gint64 but, const char *why, guint *withdrawn_r,
                             GError **error)
{
	*withdrawn_r = 0;
	if (email == NULL)
		return TRUE;
	/* The flag is the person's: every case of theirs, not only the one
	 * it was set on (two cases answered together are surveyed in one
	 * sweep, and both letters may still wait). */
	g_autoptr(GPtrArray) all = rd_store_surveys_sent_to(store, email, error);
	if (all == NULL)
		return FALSE;
	for (guint i = 0; i < all->len; i++) {
		const RdSurvey *v = all->pdata[i];
		if (v->id == but)
			continue;
		g_autofree char *key = g_strdup_printf("survey/%s/complainant", v->reference);
		gboolean changed = FALSE;
		if (!rd_store_outbox_suppress_queued(store, key, why, &changed, error))
			return FALSE;
		if (!changed)
			continue;  /* it has gone: nothing to take back */
		if (!rd_store_survey_set_status(store, v->id, "suppressed", why, error))
			return FALSE;
		(*withdrawn_r)++;
	}
	return TRUE;
}

GPtrArray *
rd_casework_survey_names(const RdConfig *cfg, const RdCase *c, const char *also)
{
	GPtrArray *names = g_ptr_array_new();
	if (c->complainant_name != NULL)
		g_ptr_array_add(names, c->complainant_name);
	if (also != NULL)
		g_ptr_array_add(names, (gpointer)also);
	for (guint i = 0; cfg->staff != NULL && i < cfg->staff->len; i++) {
		const RdStaffMember *m = cfg->staff->pdata[i];
		if (m->name != NULL)
			g_ptr_array_add(names, m->name);
	}
	g_ptr_array_add(names, NULL);
	return names;
}

/* rd_casework_survey_record() inside its transaction. */
static gboolean
record_in(RdCasework *cw, gint64 id, const int *answers, const char *comment, const char *actor, gint64 at,
          GError **error)
{
	RdStore *store = rd_casework_store(cw);
	g_autoptr(RdSurvey) v = NULL;
	g_autoptr(RdCase) c = NULL;
	if (!rd_store_survey_get(store, id, &v, error))
		return FALSE;
	if (v == NULL)
		return rd_casework_refuse(error, RD_CASEWORK_ERROR_NO_CASE, "no survey %" G_GINT64_FORMAT
		                          " (see redress surveys list)", id);
	if (strcmp(v->status, "expired") == 0) {
		/* The sweep expires a survey whose reply came in time but could
		 * not be read and waits in triage: what a person reads in it
		 * still counts. A reply after the last day does not. */
		gint64 first = 0;
		if (!rd_store_survey_first_reply(store, v, &first, error))
			return FALSE;
		GDate rd;
		g_autofree char *came = first != 0 ? day_of(first, &rd) : NULL;
		if (came == NULL || v->expires == NULL || strcmp(came, v->expires) > 0)
			return rd_casework_refused(error, "survey %" G_GINT64_FORMAT " expired: replies count only when "
			                           "they came by its last day, %s, and %s", id,
			                           v->expires != NULL ? v->expires : "(none)",
			                           came != NULL ? "its first reply came later" : "no reply to it came");
	} else if (strcmp(v->status, "sent") != 0) {
		return rd_casework_refused(error, "survey %" G_GINT64_FORMAT " is %s: only a sent survey, or an "
		                           "expired one whose reply came in time, takes answers", id, v->status);
	}
	if (!rd_store_case_get(store, v->case_id, &c, error))
		return FALSE;
	if (c == NULL)
		return rd_casework_refuse(error, RD_CASEWORK_ERROR_NO_CASE, "survey %" G_GINT64_FORMAT " has no case", id);
	g_autofree char *clean = NULL;
	if (comment != NULL && *comment != '\0') {
		g_autoptr(GPtrArray) names = rd_casework_survey_names(rd_casework_config(cw), c, NULL);
		clean = rd_survey_anonymise(comment, (const char *const *)names->pdata);
	}
	GDate d;
	g_autofree char *day = day_of(at, &d);
	if (!rd_store_survey_answer(store, id, at, day, 0, answers, RD_SURVEY_QUESTIONS, clean, error))
		return FALSE;
	g_autofree char *what = strcmp(v->kind, "staff") == 0
		? g_strdup("A staff survey reply was recorded by hand (reported only in totals).")
		: g_strdup_printf("Satisfaction survey answers recorded by hand: %d %d %d %d.", answers[0], answers[1],
		                  answers[2], answers[3]);
	return rd_store_event_add(store, c->id, at, actor, "survey-answered", what, 0, error) != 0;
}

gboolean
rd_casework_survey_record(RdCasework *cw, gint64 id, const int *answers, const char *comment, const char *actor,
                          gint64 at, GError **error)
{
	RdStore *store = rd_casework_store(cw);
	guint n = 0;
	for (guint q = 0; q < RD_SURVEY_QUESTIONS; q++) {
		if (answers[q] < 0 || answers[q] > 5)
			return rd_casework_refused(error, "answer %u is %d: answers are 1 to 5 (0 for none)", q + 1,
			                           answers[q]);
		n += answers[q] != 0;
	}
	if (n == 0)
		return rd_casework_refused(error, "give at least one answer from 1 to 5");
	if (!rd_store_begin(store, error))
		return FALSE;
	if (record_in(cw, id, answers, comment, actor, at, error) && rd_store_commit(store, error))
		return TRUE;
	rd_store_rollback(store);
	return FALSE;
}
