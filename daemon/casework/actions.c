/*
 * actions.c — what a case handler does to a case: assign, extend,
 * respond, close, escalate, link, service, language, note, cause,
 * notify-dept, complainant and reopen.
 *
 * The one way to change a case by hand: `redress case` calls it today,
 * staff commands by email next. Each action takes a plain request
 * (RdCaseAction) and runs in a single store transaction together with an
 * event naming who did it and the letters it causes, so a refusal or a
 * failure leaves the case exactly as it was. A refusal (a case in the
 * wrong state, a date past the profile's cap, an unknown outcome) is an
 * RD_CASEWORK_ERROR_REFUSED error whose message says what to do instead;
 * any other error is the database failing.
 */
#include <string.h>
#include "casework/casework.h"

G_DEFINE_QUARK(rd-casework-error-quark, rd_casework_error)

typedef struct {
	RdCasework *cw;
	const RdConfig *cfg;
	RdStore *store;
	RdRules *rules;
	RdCase *c;                 /* the case as it was before the action */
	GPtrArray *stages;         /* its RdStage rows, stage 1 first */
	gint64 at;                 /* when the action happens */
	char today[11];            /* its London date, YYYY-MM-DD */
	const char *actor;
	/* the request's details (RdCaseAction) */
	int stage;                 /* 0 = the current open stage */
	const char *to, *reason, *outcome, *date, *decline, *refer_back;
	const char *language, *text, *ombudsman;
	const char *email, *name;
	gboolean force, no_letter;
	/* what was done, for the result */
	GString *done;             /* one line per change */
	GPtrArray *letters;        /* char*: names of the letters queued */
	char *escalate_by;         /* respond: the last day to ask for Stage 2 */
	int responded;             /* respond: the stage answered */
} Ctx;

/* The case @arg names into *@case_r (NULL if none), accepting a reference
 * as people type it ("cmp 2026 12"), not only the canonical form. FALSE
 * only when the store failed. */
static gboolean
find_case(RdStore *store, const RdConfig *cfg, const char *arg, RdCase **case_r, GError **error)
{
	g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func(g_free);
	rd_refs_find(cfg->reference_prefix, arg, refs);
	const char *ref = refs->len > 0 ? refs->pdata[0] : arg;
	return rd_store_case_get_by_ref(store, ref, case_r, error);
}


static RdStage *
stage_row(Ctx *x, int n)
{
	for (guint i = 0; i < x->stages->len; i++)
		if (((RdStage *)x->stages->pdata[i])->stage == n)
			return x->stages->pdata[i];
	return NULL;
}

static gboolean
stage_is_open(const RdStage *s)
{
	return s->closed == NULL && s->responded == NULL;
}

/* The stage an action is about: --stage N, else the latest open one. */
static RdStage *
current_stage(Ctx *x, GError **error)
{
	if (x->stage != 0) {
		RdStage *s = stage_row(x, x->stage);
		if (s == NULL)
			rd_casework_refused(error, "%s has no Stage %d (see redress show %s)", x->c->reference, x->stage,
			       x->c->reference);
		return s;
	}
	for (guint i = x->stages->len; i > 0; i--) {
		RdStage *s = x->stages->pdata[i - 1];
		if (stage_is_open(s))
			return s;
	}
	rd_casework_refused(error, "%s has no open stage (state %s); name one with --stage N", x->c->reference,
	       x->c->state);
	return NULL;
}

/* An open stage, for actions that need one (extend, respond). */
static RdStage *
open_stage(Ctx *x, const char *action, GError **error)
{
	RdStage *s = NULL;
	if (x->stage == 0 && x->stages->len > 0) {
		/* None open: say what became of the latest one. */
		s = x->stages->pdata[x->stages->len - 1];
		for (guint i = 0; i < x->stages->len; i++)
			if (stage_is_open(x->stages->pdata[i]))
				s = x->stages->pdata[i];
	} else {
		s = current_stage(x, error);
	}
	if (s == NULL)
		return NULL;
	if (!stage_is_open(s)) {
		rd_casework_refused(error, "Stage %d of %s was %s on %s: there is nothing to %s (see redress show %s)",
		       s->stage, x->c->reference, s->closed ? "closed" : "answered",
		       s->closed ? s->closed : s->responded, action, x->c->reference);
		return NULL;
	}
	return s;
}

static const RdProfile *
case_profile(Ctx *x)
{
	return rd_rules_profile(x->rules, x->c->profile ? x->c->profile
	                                               : rd_rules_profile_for_service(x->rules, x->c->service));
}

static gboolean
event(Ctx *x, const char *type, const char *detail, GError **error)
{
	return rd_store_event_add(x->store, x->c->id, x->at, x->actor, type, detail, 0, error) != 0;
}

static gboolean
set_stage(Ctx *x, int stage, const char *col, const char *value, GError **error)
{
	return rd_store_stage_set_field(x->store, x->c->id, stage, col, value, error);
}

/* The complainant's latest message on the case, so letters thread under
 * it. NULL if there is none. Newly allocated. */
static char *
last_message_id(Ctx *x, GError **error)
{
	g_autoptr(GPtrArray) msgs = rd_store_messages_for_case(x->store, x->c->id, error);
	if (msgs == NULL)
		return NULL;
	for (guint i = msgs->len; i > 0; i--) {
		const RdMessageRow *m = msgs->pdata[i - 1];
		if (strcmp(m->direction, "in") == 0 && m->message_id != NULL &&
		    g_strcmp0(m->from_email, x->c->complainant_email) == 0)
			return g_strdup(m->message_id);
	}
	return NULL;
}

/* A letter to the complainant about @s (may be NULL), queued in the
 * transaction. */
static gboolean
queue_letter(Ctx *x, RdLetterRequest *r, const RdStage *s, GError **error)
{
	GError *lerr = NULL;
	g_autofree char *in_reply_to = last_message_id(x, &lerr);
	if (lerr != NULL) {
		g_propagate_error(error, lerr);
		return FALSE;
	}
	r->c = x->c;
	r->stage = s;
	r->mailbox = s != NULL && s->stage == 2 ? RD_MAILBOX_STAGE2 : RD_MAILBOX_COMPLAINTS;
	r->to_addr = x->c->complainant_email;
	r->to_name = x->c->complainant_name;
	r->to_complainant = TRUE;
	r->in_reply_to = in_reply_to;
	gboolean queued = FALSE;
	if (!rd_letters_queue(rd_rules_letters(x->rules), x->store, r, x->at, &queued, error))
		return FALSE;
	if (queued)
		g_ptr_array_add(x->letters, g_strdup(r->name));
	return TRUE;
}

/* An idempotency key not used yet on this case: @base, or @base-@day if a
 * letter went under @base before (a stage closed a second time after it
 * was referred back). */
static char *
fresh_key(Ctx *x, const char *base, GError **error)
{
	g_autoptr(GPtrArray) rows = rd_store_outbox_for_case(x->store, x->c->id, error);
	if (rows == NULL)
		return NULL;
	for (guint i = 0; i < rows->len; i++)
		if (g_strcmp0(((RdOutboxRow *)rows->pdata[i])->idem_key, base) == 0)
			return g_strdup_printf("%s-%s", base, x->today);
	return g_strdup(base);
}

static gboolean
parse_date(const char *opt, const char *s, GDate *d, GError **error)
{
	if (s == NULL || !rd_date_parse_iso(s, d))
		return rd_casework_refused(error, "%s '%s' is not a date: write it as YYYY-MM-DD", opt, s ? s : "");
	return TRUE;
}

/* ---- assign EMAIL ------------------------------------------------------------- */

static gboolean
do_assign(Ctx *x, const char *email_arg, GError **error)
{
	g_autofree char *email = g_ascii_strdown(email_arg, -1);
	g_strstrip(email);
	const char *at = strchr(email, '@');
	if (at == NULL || at == email || at[1] == '\0' || strpbrk(email, " \t\r\n,;<>\"") != NULL)
		return rd_casework_refused(error, "'%s' is not an email address: give the handler's address, "
		              "e.g. a.officer@council.example", email_arg);
	/* The handler of the stage in hand too, if there is one open (or
	 * named with --stage): Stage 2 has its own handler. */
	RdStage *s = NULL;
	if (x->stage != 0) {
		s = current_stage(x, error);
		if (s == NULL)
			return FALSE;
	} else {
		GError *ignore = NULL;
		s = current_stage(x, &ignore);
		g_clear_error(&ignore);
	}
	/* Stage 2 is a fresh look: its handler must not be the person who
	 * handled Stage 1 (docs/procedure.md §3.2). */
	if (s != NULL && s->stage == 2) {
		const RdStage *s1 = stage_row(x, 1);
		const char *h1 = s1 && s1->handler ? s1->handler : NULL;
		if (h1 != NULL && g_ascii_strcasecmp(h1, email) == 0)
			return rd_casework_refused(error, "%s handled Stage 1 of %s; Stage 2 needs someone else", email,
			              x->c->reference);
	}
	if (!rd_store_case_set_field(x->store, x->c->id, "handler", email, x->at, error))
		return FALSE;
	if (s != NULL && !set_stage(x, s->stage, "handler", email, error))
		return FALSE;
	g_autofree char *what = s != NULL
		? g_strdup_printf("Handler %s (was %s), also for Stage %d.", email,
		                  x->c->handler ? x->c->handler : "the team", s->stage)
		: g_strdup_printf("Handler %s (was %s).", email, x->c->handler ? x->c->handler : "the team");
	g_string_append_printf(x->done, "%s\n", what);
	return event(x, "handler-assigned", what, error);
}

/* ---- extend ----------------------------------------------------------------- */

static gboolean
do_extend(Ctx *x, GError **error)
{
	if (x->reason == NULL || *x->reason == '\0')
		return rd_casework_refused(error, "give the reason for the delay with --reason TEXT; the complainant is told it");
	RdStage *s = open_stage(x, "extend", error);
	if (s == NULL)
		return FALSE;
	const RdProfile *p = case_profile(x);
	RdStageDates d;
	rd_rules_dates_from_stage(s, &d);
	if (!g_date_valid(&d.response_due))
		return rd_casework_refused(error, "Stage %d of %s has no response date to extend", s->stage, x->c->reference);
	GDate req, nd;
	if (x->to != NULL && !parse_date("--to", x->to, &req, error))
		return FALSE;
	g_autoptr(GError) perr = NULL;
	gboolean past_cap = FALSE;
	if (!rd_stage_extend(p, rd_rules_calendar(x->rules), &d, x->to ? &req : NULL, &nd, &perr)) {
		/* The profile's refusal (beyond the cap, no extension) is the
		 * handler's to act on: agree a date within it, or respond. A
		 * complaints manager may decide otherwise for a named date after
		 * the one owed now (recorded as such). */
		gboolean over = g_error_matches(perr, RD_PROFILE_ERROR, RD_PROFILE_ERROR_CAP);
		const GDate *owed = g_date_valid(&d.extended_to) ? &d.extended_to : &d.response_due;
		if (!(x->force && over && x->to != NULL && g_date_compare(&req, owed) > 0))
			return rd_casework_refused(error, "cannot extend Stage %d of %s: %s", s->stage, x->c->reference,
			              perr->message);
		nd = req;
		past_cap = TRUE;
	}
	g_autofree char *new_date = rd_date_format_iso(&nd);
	if (g_strcmp0(s->extended_to, new_date) == 0) {
		g_string_append_printf(x->done, "Stage %d is already extended to %s; nothing changed.\n",
		                       s->stage, new_date);
		return TRUE;
	}
	if (s->extended_to != NULL && strcmp(new_date, s->extended_to) < 0)
		return rd_casework_refused(error, "Stage %d of %s is already extended to %s; the complainant has been told that "
		              "date, so a holding reply cannot bring it forward to %s. Respond early instead.",
		              s->stage, x->c->reference, s->extended_to, new_date);

	/* The letter first: it is about the stage as the complainant knows it
	 * ("we told you … by <the old date>"). */
	g_autofree char *key = g_strdup_printf("%s/s%d/holding-%s", x->c->reference, s->stage, new_date);
	RdLetterRequest r = { 0 };
	r.name = "holding-reply";
	r.idem_key = key;
	r.reason = x->reason;
	r.new_date = new_date;
	r.ombudsman = rd_ombudsman_to_string(p->ombudsman);
	r.ombudsman_details = p->holding_ombudsman_details;
	if (!queue_letter(x, &r, s, error))
		return FALSE;

	const char *was = s->extended_to ? s->extended_to : s->response_due;
	g_autofree char *what = g_strdup_printf("Stage %d response date extended from %s to %s%s: %s",
	                                        s->stage, was, new_date,
	                                        past_cap ? " (past the procedure's limit, by a complaints "
	                                                   "manager's decision)" : "",
	                                        x->reason);
	g_string_append_printf(x->done, "%s\n", what);
	/* The sweep looks again today: reminders now run to the new date. */
	return set_stage(x, s->stage, "extended_to", new_date, error) &&
	       set_stage(x, s->stage, "extension_reason", x->reason, error) &&
	       set_stage(x, s->stage, "next_check", x->today, error) &&
	       event(x, "extended", what, error);
}

/* ---- respond ------------------------------------------------------------------ */

static const char *const response_outcomes[] = { "upheld", "partly-upheld", "not-upheld", "resolved", NULL };

static gboolean
in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (g_strcmp0(s, *list) == 0)
			return TRUE;
	return FALSE;
}

/* The last day to ask for Stage 2 after a Stage 1 response on @responded.
 *
 * SPSO: the model procedure allows the request within 6 months of the
 * event or 2 months of the Stage 1 reply, whichever is later
 * (docs/procedure.md §2.13); 2 months after the reply is the date we can
 * compute without knowing when the event was, and it is never shorter
 * than the rule allows.
 *
 * Elsewhere we found no verified time limit for escalating (the LGSCO and
 * Housing Ombudsman Codes set none that docs/procedure.md §2.13 records), so we
 * give a sensible window rather than none: 20 working days on the
 * council's calendar, the length of a Stage 2 investigation, long enough
 * (four weeks or more around holidays) to take advice and write, short
 * enough that the facts are fresh. It is guidance in the letter, not a
 * bar: a later request still reaches the Stage 2 mailbox. */
static gboolean
escalate_by(Ctx *x, const RdProfile *p, const GDate *responded, GDate *out, GError **error)
{
	if (p->ombudsman == RD_OMBUDSMAN_SPSO) {
		*out = *responded;
		g_date_add_months(out, 2);
		return TRUE;
	}
	if (!rd_calendar_add_working_days(rd_rules_calendar(x->rules), responded, 20, out)) {
		g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_RANGE, "date out of range");
		return FALSE;
	}
	return TRUE;
}

static gboolean
reload_stages(Ctx *x, GError **error)
{
	GPtrArray *st = rd_store_stages_for_case(x->store, x->c->id, error);
	if (st == NULL)
		return FALSE;
	g_ptr_array_unref(x->stages);
	x->stages = st;
	return TRUE;
}

static gboolean
do_respond(Ctx *x, GError **error)
{
	if (!in_list(x->outcome, response_outcomes))
		return rd_casework_refused(error, "--outcome must be upheld, partly-upheld, not-upheld or resolved"
		              " (to withdraw or exclude a case use 'redress case REF close')");
	RdStage *s = open_stage(x, "respond to", error);
	if (s == NULL)
		return FALSE;
	const char *want = s->stage == 1 ? "stage1" : "stage2";
	if (strcmp(x->c->state, want) != 0)
		return rd_casework_refused(error, "%s is %s, not open at Stage %d: nothing to respond to", x->c->reference,
		              x->c->state, s->stage);
	GDate day;
	const char *date = x->date ? x->date : x->today;
	if (!parse_date("--date", date, &day, error))
		return FALSE;
	/* Compare with the day the mail arrived, not the working day it
	 * counts from: a complaint sent on Saturday can be answered on
	 * Sunday, though its clock starts on Monday. */
	g_autofree char *arrived = NULL;
	if (s->opened_at != 0) {
		g_autofree char *local = rd_time_format_local(s->opened_at);
		arrived = g_strndup(local, 10);
	}
	const char *floor = arrived ? arrived : s->received;
	if (floor != NULL && strcmp(date, floor) < 0)
		return rd_casework_refused(error, "--date %s is before Stage %d arrived (%s)", date, s->stage, floor);
	if (strcmp(date, x->today) > 0)
		return rd_casework_refused(error, "--date %s is in the future; record the response once it has been sent", date);

	const RdProfile *p = case_profile(x);
	gboolean final = s->stage == 2 || !p->has_stage2;
	const char *state = final ? rd_case_state_to_string(RD_CASE_CLOSED)
	                          : rd_case_state_to_string(RD_CASE_STAGE1_CLOSED);
	int n = s->stage;
	if (!set_stage(x, n, "responded", date, error) ||
	    !set_stage(x, n, "outcome", x->outcome, error) ||
	    !set_stage(x, n, "closed", date, error) ||
	    !set_stage(x, n, "next_check", NULL, error) ||
	    !rd_store_case_set_state(x->store, x->c->id, state, x->at, error))
		return FALSE;
	/* The closing letter gives the rights that follow: Stage 2 and the
	 * date to ask by, or the Ombudsman after the last stage
	 * (docs/procedure.md §2.14). A caller that sends the response itself
	 * gives the same rights in it, so the date is in the result too (a
	 * staff reply marked #final left it out before: the relayed reply
	 * said "reply to this email" with no date where the closing letter
	 * gives one). */
	if (!final) {
		GDate e;
		if (!escalate_by(x, p, &day, &e, error))
			return FALSE;
		g_free(x->escalate_by);
		x->escalate_by = rd_date_format_iso(&e);
	}
	/* The event keeps the escalate-by date the letter promises: it is
	 * stored nowhere else, and a later look at the case must be able to
	 * say what the complainant was told. */
	g_autofree char *what = g_strdup_printf("Stage %d response sent on %s, outcome %s; Stage %d closed, case %s.",
	                                        n, date, x->outcome, n, state);
	g_string_append_printf(x->done, "%s\n", what);
	g_autofree char *logged = x->escalate_by
		? g_strdup_printf("%s Stage 2 may be asked for by %s.", what, x->escalate_by) : g_strdup(what);
	if (!event(x, "responded", logged, error) || !reload_stages(x, error))
		return FALSE;
	x->responded = n;
	if (x->no_letter)
		return TRUE;
	g_autofree char *base = g_strdup_printf("%s/s%d/closing", x->c->reference, n);
	g_autofree char *key = fresh_key(x, base, error);
	if (key == NULL)
		return FALSE;
	RdLetterRequest r = { 0 };
	r.name = "closing-letter";
	r.idem_key = key;
	r.responds_stage = n;
	r.escalate_by = x->escalate_by;
	r.final_stage = final;
	r.ombudsman = rd_ombudsman_to_string(p->ombudsman);
	r.ombudsman_details = final;
	return queue_letter(x, &r, stage_row(x, n), error);
}

/* ---- close --------------------------------------------------------------------- */

static gboolean
do_close(Ctx *x, GError **error)
{
	if (g_strcmp0(x->outcome, "withdrawn") != 0 && g_strcmp0(x->outcome, "excluded") != 0)
		return rd_casework_refused(error, "--outcome must be withdrawn or excluded (a response is recorded with "
		              "'redress case REF respond --outcome …')");
	if (x->reason == NULL || *x->reason == '\0')
		return rd_casework_refused(error, "give the reason with --reason TEXT%s",
		              strcmp(x->outcome, "excluded") == 0 ? "; the complainant is told it" : "");
	if (strcmp(x->c->state, "closed") == 0)
		return rd_casework_refused(error, "%s is already closed", x->c->reference);
	GError *none = NULL;
	RdStage *s = current_stage(x, &none);
	if (s == NULL && x->stage != 0) {
		g_propagate_error(error, none);
		return FALSE;
	}
	g_clear_error(&none);
	if (s != NULL && !stage_is_open(s))
		s = NULL;   /* Stage 1 answered, no Stage 2: only the case closes */
	const RdProfile *p = case_profile(x);
	if (s != NULL &&
	    (!set_stage(x, s->stage, "outcome", x->outcome, error) ||
	     !set_stage(x, s->stage, "closed", x->today, error) ||
	     !set_stage(x, s->stage, "next_check", NULL, error)))
		return FALSE;
	if (!rd_store_case_set_state(x->store, x->c->id, rd_case_state_to_string(RD_CASE_CLOSED), x->at, error))
		return FALSE;
	g_autofree char *what = s != NULL
		? g_strdup_printf("Case closed at Stage %d as %s: %s", s->stage, x->outcome, x->reason)
		: g_strdup_printf("Case closed as %s: %s", x->outcome, x->reason);
	g_string_append_printf(x->done, "%s\n", what);
	int n = s != NULL ? s->stage : 0;
	if (!event(x, "closed", what, error) || !reload_stages(x, error))
		return FALSE;
	if (strcmp(x->outcome, "withdrawn") == 0)
		return TRUE;   /* they asked to stop: no letter */

	/* Exclusions are explained, with the right to go to the Ombudsman
	 * (docs/procedure.md §2.14, §2.15). */
	g_autofree char *base = g_strdup_printf("%s/s%d/closing", x->c->reference, n ? n : 1);
	g_autofree char *key = fresh_key(x, base, error);
	if (key == NULL)
		return FALSE;
	RdLetterRequest r = { 0 };
	r.name = "closing-letter";
	r.idem_key = key;
	r.reason = x->reason;
	r.final_stage = TRUE;
	r.ombudsman = rd_ombudsman_to_string(p->ombudsman);
	r.ombudsman_details = TRUE;
	return queue_letter(x, &r, n ? stage_row(x, n) : NULL, error);
}

/* ---- escalate ------------------------------------------------------------------ */

static gboolean
stage2_open(Ctx *x, const RdProfile *p, GError **error)
{
	if (!p->has_stage2)
		return rd_casework_refused(error, "the %s procedure of %s has a single stage: tell the complainant about the "
		              "Ombudsman instead", p->name, x->c->reference);
	GError *lerr = NULL;
	g_autofree char *in_reply_to = last_message_id(x, &lerr);
	if (lerr != NULL) {
		g_propagate_error(error, lerr);
		return FALSE;
	}
	RdStageOpening o = { 0 };
	o.stage = 2;
	o.mailbox = RD_MAILBOX_STAGE2;
	o.at = x->at;
	o.actor = x->actor;
	o.why = "Stage 2 opened by a case handler.";
	o.in_reply_to = in_reply_to;
	if (!rd_casework_open_stage(x->cw, x->c, &o, error) || !reload_stages(x, error))
		return FALSE;
	const RdStage *s2 = stage_row(x, 2);
	g_string_append_printf(x->done, "Stage 2 opened: received %s, acknowledgement due %s, response due %s.\n",
	                       s2->received, s2->ack_due ? s2->ack_due : "-", s2->response_due);
	g_ptr_array_add(x->letters, g_strdup("stage2-acknowledgement"));
	return TRUE;
}

/* Open @stage again from now: a new response date counted by the
 * profile as if the complaint had arrived (and been acknowledged) now,
 * the stage's answer and extension cleared, the case at that stage. The
 * new response date (YYYY-MM-DD, newly allocated), or NULL when the store
 * failed. */
static char *
restart_clock(Ctx *x, const RdProfile *p, int stage, GError **error)
{
	g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc(x->at);
	RdStageDates d;
	if (!rd_stage_receive(p, rd_rules_calendar(x->rules), (guint)stage, when, x->cfg->cutoff_hour,
	                      x->cfg->cutoff_minute, &d, error))
		return NULL;
	if (g_date_valid(&d.ack_due)) {
		d.ack_sent = d.received;
		if (!rd_stage_compute(p, rd_rules_calendar(x->rules), &d, error))
			return NULL;
	}
	char *due = rd_date_format_iso(&d.response_due);
	/* The clock restarts: store its new base (received, and the letter
	 * saying so as the acknowledgement) so that the sweep, which
	 * recomputes from these, arrives at the same dates. */
	g_autofree char *recv = rd_date_format_iso(&d.received);
	g_autofree char *acked = g_date_valid(&d.ack_sent) ? rd_date_format_iso(&d.ack_sent) : NULL;
	g_autofree char *ack_due = g_date_valid(&d.ack_due) ? rd_date_format_iso(&d.ack_due) : NULL;
	g_autofree char *dept = g_date_valid(&d.dept_notice_due) ? rd_date_format_iso(&d.dept_notice_due) : NULL;
	if (!set_stage(x, stage, "received", recv, error) ||
	    !set_stage(x, stage, "ack_due", ack_due, error) ||
	    !set_stage(x, stage, "ack_sent", acked, error) ||
	    !set_stage(x, stage, "responded", NULL, error) ||
	    !set_stage(x, stage, "outcome", NULL, error) ||
	    !set_stage(x, stage, "closed", NULL, error) ||
	    !set_stage(x, stage, "extended_to", NULL, error) ||
	    !set_stage(x, stage, "extension_reason", NULL, error) ||
	    !set_stage(x, stage, "response_due", due, error) ||
	    (stage == 2 && !set_stage(x, stage, "dept_notice_due", dept, error)) ||
	    !set_stage(x, stage, "next_check", x->today, error) ||
	    !rd_store_case_set_state(x->store, x->c->id,
	                             rd_case_state_to_string(stage == 2 ? RD_CASE_STAGE2 : RD_CASE_STAGE1), x->at,
	                             error)) {
		g_free(due);
		return NULL;
	}
	return due;
}

/* ---- reopen --------------------------------------------------------------------- */

/* The complainant wrote again after the case was closed and a person
 * decided it is the same complaint, not yet put right: the last stage
 * that ran opens again with a fresh clock from now. No letter is sent by
 * itself: the handler tells the complainant (their reply is relayed). */
static gboolean
do_reopen(Ctx *x, GError **error)
{
	RdCaseState state;
	if (!rd_case_state_from_string(x->c->state, &state))
		state = RD_CASE_STAGE1;
	if (state == RD_CASE_STAGE1 || state == RD_CASE_STAGE2)
		return rd_casework_refused(error, "%s is open at Stage %d: there is nothing to reopen", x->c->reference,
		                           state == RD_CASE_STAGE2 ? 2 : 1);
	RdStage *last = NULL;
	for (guint i = 0; i < x->stages->len; i++) {
		RdStage *s = x->stages->pdata[i];
		if (last == NULL || s->stage > last->stage)
			last = s;
	}
	if (last == NULL)
		return rd_casework_refused(error, "%s has no stage to reopen", x->c->reference);
	const RdProfile *p = case_profile(x);
	g_autofree char *was = g_strdup_printf("%s on %s%s%s", last->closed ? "closed" : "answered",
	                                       last->closed ? last->closed : last->responded ? last->responded : "-",
	                                       last->outcome ? ", outcome " : "", last->outcome ? last->outcome : "");
	int n = last->stage;
	g_autofree char *due = restart_clock(x, p, n, error);
	if (due == NULL)
		return FALSE;
	g_autofree char *what = g_strdup_printf("Stage %d reopened (it was %s)%s%s; response now due %s. No letter "
	                                        "was sent: tell the complainant.", n, was, x->reason ? ": " : "",
	                                        x->reason ? x->reason : "", due);
	g_string_append_printf(x->done, "%s\n", what);
	return event(x, "reopened", what, error) && reload_stages(x, error);
}

/* Not investigated at Stage 2: declined (case closed) or referred back
 * for a full Stage 1 response (Stage 1 reopened with a new date). */
static gboolean
stage2_refuse(Ctx *x, const RdProfile *p, gboolean back, GError **error)
{
	const char *reason = back ? x->refer_back : x->decline;
	if (*reason == '\0')
		return rd_casework_refused(error, "give the reason: the complainant is told it");
	RdStage *s2 = stage_row(x, 2);
	if (s2 != NULL && !stage_is_open(s2))
		return rd_casework_refused(error, "Stage 2 of %s was already %s on %s", x->c->reference,
		              s2->closed ? "closed" : "answered", s2->closed ? s2->closed : s2->responded);
	/* A request that came by mail opened Stage 2 already: close that
	 * stage with the decision. One made another way gets a Stage 2 row
	 * now, closed with it, so the refusal is on the record the reports
	 * count (the Codes ask for a summary of complaints refused). */
	gboolean made_row = s2 == NULL && !back;
	if (made_row) {
		if (rd_store_stage_open(x->store, x->c->id, 2, x->at, x->today, error) == 0 || !reload_stages(x, error))
			return FALSE;
		s2 = stage_row(x, 2);
	}
	if (s2 != NULL &&
	    (!set_stage(x, 2, "outcome", back ? "referred-back" : "declined", error) ||
	     !set_stage(x, 2, "closed", x->today, error) ||
	     !set_stage(x, 2, "next_check", NULL, error)))
		return FALSE;

	g_autofree char *what = NULL;
	g_autofree char *due = NULL;   /* referred back: Stage 1's new response date */
	if (back) {
		const RdStage *s1 = stage_row(x, 1);
		g_autofree char *was_closed = g_strdup(s1 && s1->closed ? s1->closed : "-");
		due = restart_clock(x, p, 1, error);
		if (due == NULL)
			return FALSE;
		what = g_strdup_printf("Stage 2 request referred back to Stage 1: %s. Stage 1 reopened "
		                       "(it was closed on %s); response now due %s.", reason, was_closed, due);
	} else {
		what = g_strdup_printf("Stage 2 request declined: %s. Case closed.", reason);
		if (!rd_store_case_set_state(x->store, x->c->id, rd_case_state_to_string(RD_CASE_CLOSED),
		                             x->at, error))
			return FALSE;
	}
	g_string_append_printf(x->done, "%s\n", what);
	if (!event(x, back ? "stage2-referred-back" : "stage2-declined", what, error) || !reload_stages(x, error))
		return FALSE;

	g_autofree char *key = g_strdup_printf("%s/s2/%s-%s", x->c->reference,
	                                       back ? "referred-back" : "declined", x->today);
	RdLetterRequest r = { 0 };
	r.name = "stage2-declined";
	r.idem_key = key;
	r.reason = reason;
	r.referred_back = back;
	/* The complainant is told when the new Stage 1 response is due, as
	 * an acknowledgement would (the letter gave no date before). */
	r.new_date = due;
	r.ombudsman = rd_ombudsman_to_string(p->ombudsman);
	r.ombudsman_details = TRUE;
	/* The Stage 2 row (if the request opened one) dates the request;
	 * without one — the row made just now for the record dates only the
	 * decision — the letter does not give a date. */
	const RdStage *about = made_row ? NULL : stage_row(x, 2);
	if (!queue_letter(x, &r, about, error))
		return FALSE;
	return TRUE;
}

static gboolean
do_escalate(Ctx *x, GError **error)
{
	if (x->decline != NULL && x->refer_back != NULL)
		return rd_casework_refused(error, "give --decline or --refer-back, not both");
	const RdProfile *p = case_profile(x);
	RdCaseState state;
	if (!rd_case_state_from_string(x->c->state, &state))
		state = RD_CASE_STAGE1;
	gboolean deciding = x->decline != NULL || x->refer_back != NULL;
	if (state == RD_CASE_STAGE1)
		return rd_casework_refused(error, "Stage 1 of %s is still open: record its response first with "
		              "'redress case %s respond --outcome …'", x->c->reference, x->c->reference);
	if (state == RD_CASE_CLOSED)
		return rd_casework_refused(error, "%s is closed", x->c->reference);
	if (state == RD_CASE_STAGE2 && !deciding)
		return rd_casework_refused(error, "%s is already at Stage 2", x->c->reference);
	if (!deciding)
		return stage2_open(x, p, error);
	return stage2_refuse(x, p, x->refer_back != NULL, error);
}

/* ---- link OTHER ---------------------------------------------------------------- */


/* TRUE if @a was opened before @b. */
static gboolean
older(const RdCase *a, const RdCase *b)
{
	return a->opened_at < b->opened_at || (a->opened_at == b->opened_at && a->id < b->id);
}

static gboolean
do_link(Ctx *x, const char *other_arg, GError **error)
{
	g_autoptr(RdCase) o = NULL;
	if (!find_case(x->store, x->cfg, other_arg, &o, error))
		return FALSE;
	if (o == NULL)
		return rd_casework_refused(error, "no case %s (list them with: redress cases)", other_arg);
	if (o->id == x->c->id)
		return rd_casework_refused(error, "a case cannot be linked with itself");
	if (x->c->group_id != 0 && x->c->group_id == o->group_id) {
		g_string_append_printf(x->done, "%s and %s are already linked; nothing changed.\n",
		                       x->c->reference, o->reference);
		return TRUE;
	}
	/* The group keeps the id of its oldest case. A case already in a group
	 * brings the other into it; two groups become one, under the older. */
	gint64 target;
	if (x->c->group_id != 0 && o->group_id != 0)
		target = MIN(x->c->group_id, o->group_id);
	else if (x->c->group_id != 0)
		target = x->c->group_id;
	else if (o->group_id != 0)
		target = o->group_id;
	else
		target = older(x->c, o) ? x->c->id : o->id;

	g_autoptr(GPtrArray) moving = g_ptr_array_new_with_free_func((GDestroyNotify)rd_case_free);
	const RdCase *pair[2] = { x->c, o };
	for (int i = 0; i < 2; i++) {
		if (pair[i]->group_id == target)
			continue;
		if (pair[i]->group_id == 0) {
			RdCase *one = NULL;
			if (!rd_store_case_get(x->store, pair[i]->id, &one, error))
				return FALSE;
			if (one == NULL)
				return rd_casework_refused(error, "%s no longer exists", pair[i]->reference);
			g_ptr_array_add(moving, one);
		} else {
			g_autoptr(GPtrArray) members = rd_store_cases_in_group(x->store, pair[i]->group_id, error);
			if (members == NULL)
				return FALSE;
			g_ptr_array_set_free_func(members, NULL);
			for (guint k = 0; k < members->len; k++)
				g_ptr_array_add(moving, members->pdata[k]);
		}
	}
	g_autoptr(RdCase) head = NULL;
	if (!rd_store_case_get(x->store, target, &head, error))
		return FALSE;
	if (head == NULL)
		return rd_casework_refused(error, "the group of %s names a case that no longer exists", x->c->reference);
	/* The founder itself may be ungrouped still. */
	if (head->group_id != target && !rd_store_case_set_group(x->store, head->id, target, x->at, error))
		return FALSE;
	for (guint i = 0; i < moving->len; i++) {
		const RdCase *m = moving->pdata[i];
		if (!rd_store_case_set_group(x->store, m->id, target, x->at, error))
			return FALSE;
	}
	g_autofree char *what = g_strdup_printf("Linked %s with %s (group of %s).", x->c->reference,
	                                        o->reference, head->reference);
	g_string_append_printf(x->done, "%s\n", what);
	return event(x, "linked", what, error) &&
	       rd_store_event_add(x->store, o->id, x->at, x->actor, "linked", what, 0, error) != 0;
}

/* ---- service NAME -------------------------------------------------------------- */

static gboolean tell_new_date(Ctx *x, const RdStage *s1, const char *service, const char *new_due,
                              GError **error);

static gboolean
do_service(Ctx *x, const char *name_arg, GError **error)
{
	g_autofree char *name = g_strstrip(g_strdup(name_arg));
	if (*name == '\0')
		return rd_casework_refused(error, "give the service's name, e.g. \"Children's services\"");
	if (!rd_store_case_set_field(x->store, x->c->id, "service", name, x->at, error))
		return FALSE;
	g_autofree char *what = g_strdup_printf("Service %s (was %s).", name,
	                                        x->c->service ? x->c->service : "not set");
	g_string_append_printf(x->done, "%s\n", what);
	if (!event(x, "service-set", what, error))
		return FALSE;

	/* A statutory procedure applies by service (docs/procedure.md §2.8): while
	 * Stage 1 is open its clock follows the new profile. */
	const RdProfile *oldp = case_profile(x);
	const RdProfile *newp = rd_rules_profile(x->rules, rd_rules_profile_for_service(x->rules, name));
	if (strcmp(oldp->name, newp->name) == 0)
		return TRUE;
	RdStage *s1 = stage_row(x, 1);
	if (strcmp(x->c->state, "stage1") != 0 || s1 == NULL || !stage_is_open(s1)) {
		g_autofree char *kept = g_strdup_printf(
			"The %s service maps to the %s procedure, but Stage 1 is no longer open: the case keeps the %s "
			"procedure.", name, newp->name, oldp->name);
		g_string_append_printf(x->done, "%s\n", kept);
		return event(x, "profile-kept", kept, error);
	}
	RdStageDates d, old;
	rd_rules_dates_from_stage(s1, &old);
	d = old;
	if (!rd_stage_compute(newp, rd_rules_calendar(x->rules), &d, error))
		return FALSE;
	/* A clock from the acknowledgement keeps the date already given
	 * (before the acknowledgement goes, the rule alone would count from
	 * the last day it may go). */
	rd_stage_keep_promise(newp, rd_rules_calendar(x->rules), &d, &old.response_due);
	g_autofree char *oa = g_date_valid(&old.ack_due) ? rd_date_format_iso(&old.ack_due) : g_strdup("none");
	g_autofree char *orr = g_date_valid(&old.response_due) ? rd_date_format_iso(&old.response_due) : g_strdup("none");
	g_autofree char *na = g_date_valid(&d.ack_due) ? rd_date_format_iso(&d.ack_due) : g_strdup("none");
	g_autofree char *nr = rd_date_format_iso(&d.response_due);
	g_autofree char *moved = g_strdup_printf(
		"Procedure changed from %s to %s for the %s service: Stage 1 acknowledgement due %s (was %s), "
		"response due %s (was %s).", oldp->name, newp->name, name, na, oa, nr, orr);
	g_string_append_printf(x->done, "%s\n", moved);
	if (!rd_store_case_set_field(x->store, x->c->id, "profile", newp->name, x->at, error) ||
	    !rd_rules_save_dates(x->store, x->c->id, &d, error) ||
	    !set_stage(x, 1, "next_check", x->today, error) ||
	    !event(x, "profile-changed", moved, error))
		return FALSE;
	return tell_new_date(x, s1, name, nr, error);
}

/* The complainant was told a reply date (the acknowledgement went, or
 * waits to go) and the service's own procedure gives another: they are
 * told the new one (procedure-changed, with the date they had), so that
 * no date moves behind their back. An extension already given stands,
 * and then nothing changes for them. @s1 is Stage 1 as it was. */
static gboolean
tell_new_date(Ctx *x, const RdStage *s1, const char *service, const char *new_due, GError **error)
{
	if (s1->extended_to != NULL || g_strcmp0(s1->response_due, new_due) == 0)
		return TRUE;
	g_autoptr(GPtrArray) rows = rd_store_outbox_for_case(x->store, x->c->id, error);
	if (rows == NULL)
		return FALSE;
	gboolean told = FALSE;
	for (guint i = 0; i < rows->len && !told; i++) {
		const RdOutboxRow *o = rows->pdata[i];
		told = (strcmp(o->kind, "stage1-acknowledgement") == 0 || strcmp(o->kind, "chief-executive-referral") == 0) &&
		       (strcmp(o->status, "queued") == 0 || strcmp(o->status, "sent") == 0);
	}
	if (!told)
		return TRUE;
	g_free(x->c->service);
	x->c->service = g_strdup(service);
	g_autofree char *key = g_strdup_printf("%s/s1/procedure-%s", x->c->reference, new_due);
	RdLetterRequest r = { 0 };
	r.name = "procedure-changed";
	r.idem_key = key;
	r.new_date = new_due;
	/* Stage 1 as it was: its reply-by date is the one they were given. */
	return queue_letter(x, &r, s1, error);
}

/* ---- language, note, cause, notify-dept ------------------------------------------ */

static gboolean
do_language(Ctx *x, GError **error)
{
	if (g_strcmp0(x->language, "en") != 0 && g_strcmp0(x->language, "cy") != 0)
		return rd_casework_refused(error, "the language is en (English) or cy (Welsh)");
	if (g_strcmp0(x->c->language, x->language) == 0) {
		g_string_append_printf(x->done, "Letters are already in %s; nothing changed.\n",
		                       strcmp(x->language, "cy") == 0 ? "Welsh" : "English");
		return TRUE;
	}
	if (!rd_store_case_set_field(x->store, x->c->id, "language", x->language, x->at, error))
		return FALSE;
	g_autofree char *what = g_strdup_printf("Letters from now on in %s (was %s).",
	                                        strcmp(x->language, "cy") == 0 ? "Welsh" : "English",
	                                        g_strcmp0(x->c->language, "cy") == 0 ? "Welsh" : "English");
	g_string_append_printf(x->done, "%s\n", what);
	if (!event(x, "language-set", what, error))
		return FALSE;
	/* The case as it is now, for the letter; the caller's copy follows. */
	g_free(x->c->language);
	x->c->language = g_strdup(x->language);
	/* An acknowledgement that went in the other language goes again in
	 * this one (or, not sent yet, is replaced). */
	return rd_casework_resend_acknowledgement(x->cw, x->c, x->at, x->done, x->letters, error);
}

/* A note: words on the case journey, changing nothing else. */
static gboolean
do_words(Ctx *x, const char *type, const char *label, GError **error)
{
	g_autofree char *text = g_strstrip(g_strdup(x->text ? x->text : ""));
	if (*text == '\0')
		return rd_casework_refused(error, "give the text of the %s", label);
	g_string_append(x->done, "Note recorded.\n");
	return event(x, type, text, error);
}

/* ---- the facts the oversight reports count --------------------------------------- */

/* The root cause: one of the council's categories, so the reports can
 * group by it; the words after it stay on the case journey. A later
 * #cause replaces the category (the event keeps the earlier one). */
static gboolean
do_cause(Ctx *x, GError **error)
{
	const char *const *cats = (const char *const *)x->cfg->causes;
	const char *cat = NULL;
	g_autofree char *detail = NULL;
	if (!rd_cause_match(cats, x->text, &cat, &detail)) {
		g_autofree char *list = g_strjoinv(", ", x->cfg->causes);
		return rd_casework_refused(error, "start the root cause with one of the council's categories: %s "
		              "(then any detail, e.g. \"%s: …\"; the list is [procedure] causes)", list,
		              x->cfg->causes[0]);
	}
	if (!rd_store_case_set_field(x->store, x->c->id, "cause", cat, x->at, error))
		return FALSE;
	g_autofree char *what = detail ? g_strdup_printf("Root cause: %s — %s", cat, detail)
	                               : g_strdup_printf("Root cause: %s", cat);
	g_string_append_printf(x->done, "%s.\n", what);
	return event(x, "cause", what, error);
}

/* The remedy or apology given: the reports count complaints with one. */
static gboolean
do_remedy(Ctx *x, GError **error)
{
	g_autofree char *text = g_strstrip(g_strdup(x->text ? x->text : ""));
	if (*text == '\0')
		return rd_casework_refused(error, "say what was given, e.g. \"apology and £50 for time and trouble\"");
	if (!rd_store_case_set_field(x->store, x->c->id, "remedy", text, x->at, error))
		return FALSE;
	g_autofree char *what = g_strdup_printf("Remedy: %s", text);
	g_string_append_printf(x->done, "%s.\n", what);
	return event(x, "remedy", what, error);
}

/* The complainant asked not to be contacted beyond their complaint: the
 * flag is the person's, so it holds for every case of theirs, and every
 * survey letter to them still in the outbox is held back. Letters the complaint
 * itself needs (responses, extensions) still go. */
static gboolean
do_no_contact(Ctx *x, GError **error)
{
	g_autofree char *reason = g_strstrip(g_strdup(x->reason ? x->reason : ""));
	const char *why = *reason != '\0' ? reason : "asked not to be contacted";
	gboolean already = FALSE;
	if (!rd_store_person_no_contact(x->store, x->c->complainant_email, &already, NULL, error))
		return FALSE;
	if (!rd_store_person_set_no_contact(x->store, x->c->complainant_email, x->at, why, error))
		return FALSE;
	guint withdrawn = 0;
	g_autofree char *held = g_strdup_printf("not sent: the complainant asked not to be contacted (%s)", why);
	if (!rd_casework_surveys_withdraw(x->store, x->c->complainant_email, 0, held, &withdrawn, error))
		return FALSE;
	g_autofree char *what = g_strdup_printf("%s: no satisfaction survey will be sent to %s (%s)%s",
	                                        already ? "Already recorded as not to be contacted"
	                                                : "The complainant asked not to be contacted",
	                                        x->c->complainant_email, why,
	                                        withdrawn == 1 ? "; the survey waiting to go was held back"
	                                        : withdrawn > 1 ? "; the surveys waiting to go were held back" : "");
	g_string_append_printf(x->done, "%s.\n", what);
	return event(x, "no-contact", what, error);
}

/* The Ombudsman's part: the day the council learned the complainant had
 * gone to the Ombudsman, and the day it decided, with its finding. A
 * decision without a recorded referral records the referral on the same
 * day (a council may first hear of both in the decision letter). */
static gboolean
do_ombudsman(Ctx *x, GError **error)
{
	const char *what = x->ombudsman;
	if (g_strcmp0(what, "referred") != 0 && g_strcmp0(what, "decided") != 0)
		return rd_casework_refused(error, "say referred or decided");
	const char *date = x->date ? x->date : x->today;
	GDate day;
	if (!parse_date("--date", date, &day, error))
		return FALSE;
	if (strcmp(date, x->today) > 0)
		return rd_casework_refused(error, "--date %s is in the future", date);
	g_autofree char *opened = rd_time_format_local(x->c->opened_at);
	opened[10] = '\0';
	if (strcmp(date, opened) < 0)
		return rd_casework_refused(error, "--date %s is before the complaint arrived (%s)", date, opened);
	if (strcmp(what, "referred") == 0) {
		if (x->outcome != NULL)
			return rd_casework_refused(error, "a finding goes with 'decided', not 'referred'");
		if (!rd_store_case_set_field(x->store, x->c->id, "ombudsman_referred", date, x->at, error))
			return FALSE;
		g_autofree char *line = g_strdup_printf("Referred to the Ombudsman: the council learned of it on %s.", date);
		g_string_append_printf(x->done, "%s\n", line);
		return event(x, "ombudsman-referred", line, error);
	}
	if (!rd_ombudsman_finding_valid(x->outcome))
		return rd_casework_refused(error, "give the Ombudsman's finding: --outcome upheld, partly-upheld, not-upheld, "
		              "not-investigated, settled or discontinued");
	const char *referred = x->c->ombudsman_referred;
	if (referred != NULL && strcmp(date, referred) < 0)
		return rd_casework_refused(error, "--date %s is before the referral (%s)", date, referred);
	if (referred == NULL &&
	    (!rd_store_case_set_field(x->store, x->c->id, "ombudsman_referred", date, x->at, error) ||
	     !event(x, "ombudsman-referred", "Referred to the Ombudsman (recorded with its decision).", error)))
		return FALSE;
	if (!rd_store_case_set_field(x->store, x->c->id, "ombudsman_decided", date, x->at, error) ||
	    !rd_store_case_set_field(x->store, x->c->id, "ombudsman_outcome", x->outcome, x->at, error))
		return FALSE;
	g_autofree char *line = g_strdup_printf("The Ombudsman decided on %s: %s.", date, x->outcome);
	g_string_append_printf(x->done, "%s\n", line);
	return event(x, "ombudsman-decided", line, error);
}

/* The department a complaint is about is told of it, with the date its
 * comments are needed by (the profile's department notice date). */
static gboolean
do_notify_dept(Ctx *x, const char *address, GError **error)
{
	g_autofree char *email = g_ascii_strdown(address ? address : "", -1);
	g_strstrip(email);
	const char *at = strchr(email, '@');
	if (at == NULL || at == email || at[1] == '\0' || strpbrk(email, " \t\r\n,;<>\"") != NULL)
		return rd_casework_refused(error, "'%s' is not an email address: give the department's address",
		              address ? address : "");
	RdStage *s = open_stage(x, "notify the department about", error);
	if (s == NULL)
		return FALSE;
	g_autofree char *key = g_strdup_printf("%s/s%d/dept-%s", x->c->reference, s->stage, email);
	RdLetterRequest r = { 0 };
	r.name = "staff-dept-notice";
	r.idem_key = key;
	r.c = x->c;
	r.stage = s;
	r.mailbox = RD_MAILBOX_COMPLAINTS;
	r.to_addr = email;
	r.to_complainant = FALSE;
	gboolean queued = FALSE;
	if (!rd_letters_queue(rd_rules_letters(x->rules), x->store, &r, x->at, &queued, error))
		return FALSE;
	if (queued)
		g_ptr_array_add(x->letters, g_strdup(r.name));
	g_autofree char *what = g_strdup_printf("Department %s told of the complaint%s%s.", email,
	                                        s->dept_notice_due ? "; its comments are due by " : "",
	                                        s->dept_notice_due ? s->dept_notice_due : "");
	g_string_append_printf(x->done, "%s\n", what);
	return event(x, "department-notified", what, error);
}

/* ---- complainant NAME <ADDR> ------------------------------------------------------ */

static gboolean
do_complainant(Ctx *x, GError **error)
{
	g_autofree char *email = g_strstrip(g_ascii_strdown(x->email ? x->email : "", -1));
	g_autofree char *name = x->name ? g_strstrip(g_strdup(x->name)) : NULL;
	if (name != NULL && *name == '\0')
		g_clear_pointer(&name, g_free);
	const char *at = strchr(email, '@');
	if (at == NULL || at == email || at[1] == '\0' || strchr(at + 1, '@') != NULL || strchr(at + 1, '.') == NULL ||
	    strpbrk(email, " \t\r\n,;<>\"()[]\\") != NULL)
		return rd_casework_refused(error, "'%s' is not an email address: give the complainant's, e.g. "
		              "redress case %s complainant 'Jane Citizen' jane@example.org", x->email ? x->email : "",
		              x->c->reference);
	if (rd_letters_is_postal(email))
		return rd_casework_refused(error, "%s is the placeholder of a complainant without email; give a real address",
		              email);
	if (rd_casework_is_council_address(x->cfg, email))
		return rd_casework_refused(error, "%s is the council's own (a member of staff, a council domain or a redress "
		              "mailbox); the complainant is the person who complained", email);
	const char *old = x->c->complainant_email;
	gboolean same_addr = g_strcmp0(old, email) == 0;
	if (same_addr && (name == NULL || g_strcmp0(name, x->c->complainant_name) == 0)) {
		g_string_append_printf(x->done, "The complainant is already %s; nothing changed.\n", email);
		return TRUE;
	}
	/* The acknowledgement went to someone who is not the complainant: a
	 * member of staff (or the council) it was forwarded by, or nobody (a
	 * complaint logged without an address). The complainant has not had
	 * one, so they get it now at their own address. */
	gboolean unacknowledged = !same_addr && (rd_letters_is_postal(old) || rd_casework_is_council_address(x->cfg, old));
	/* An address alone keeps the name known, unless that address's
	 * person already has one of their own. */
	if (name == NULL && x->c->complainant_name != NULL &&
	    rd_store_person_ensure(x->store, email, x->c->complainant_name, error) == 0)
		return FALSE;
	if (!rd_store_case_set_complainant(x->store, x->c->id, email, name, x->at, error))
		return FALSE;
	g_autofree char *was = g_strdup_printf("%s%s%s%s", x->c->complainant_name ? x->c->complainant_name : "",
	                                       x->c->complainant_name ? " <" : "",
	                                       rd_letters_is_postal(old) ? "no email address" : old,
	                                       x->c->complainant_name ? ">" : "");
	g_autofree char *what = g_strdup_printf("Complainant %s%s%s%s (was %s).", name ? name : "", name ? " <" : "",
	                                        email, name ? ">" : "", was);
	g_string_append_printf(x->done, "%s\n", what);
	if (!event(x, "complainant-corrected", what, error))
		return FALSE;
	if (unacknowledged) {
		/* Letters to the wrong person that have not gone yet do not go. */
		g_autoptr(GPtrArray) rows = rd_store_outbox_for_case(x->store, x->c->id, error);
		if (rows == NULL)
			return FALSE;
		for (guint i = 0; i < rows->len; i++) {
			const RdOutboxRow *o = rows->pdata[i];
			if (strcmp(o->status, "queued") != 0 || g_ascii_strcasecmp(o->to_addr, old) != 0)
				continue;
			gboolean gone = FALSE;
			g_autofree char *why = g_strdup_printf("Not sent: the complainant was corrected to %s before it "
			                                       "went.", email);
			if (!rd_store_outbox_withdraw(x->store, o->id, x->at, why, &gone, error))
				return FALSE;
			if (gone) {
				g_autofree char *w = g_strdup_printf("Letter %s to %s withdrawn before it went.", o->kind, old);
				g_string_append_printf(x->done, "%s\n", w);
				if (!event(x, "letter-withdrawn", w, error))
					return FALSE;
			}
		}
	}
	/* The case as the letters will read it: the name may be the one the
	 * new address's person already had. */
	g_autoptr(RdCase) now = NULL;
	if (!rd_store_case_get(x->store, x->c->id, &now, error))
		return FALSE;
	if (now != NULL) {
		g_free(x->c->complainant_email);
		x->c->complainant_email = g_strdup(now->complainant_email);
		g_free(x->c->complainant_name);
		x->c->complainant_name = g_strdup(now->complainant_name);
	}
	if (!unacknowledged)
		return TRUE;
	RdStage *s = NULL;
	for (guint i = x->stages->len; i > 0 && s == NULL; i--)
		if (stage_is_open(x->stages->pdata[i - 1]))
			s = x->stages->pdata[i - 1];
	if (s == NULL) {
		g_string_append(x->done, "No acknowledgement sent: no stage is open; write to them about the outcome.\n");
		return TRUE;
	}
	RdLetterRequest r = { 0 };
	g_autofree char *key = g_strdup_printf("%s/s%d/ack-to-%s", x->c->reference, s->stage, email);
	r.name = s->stage == 2 ? "stage2-acknowledgement" : "stage1-acknowledgement";
	r.idem_key = key;
	r.ombudsman = rd_ombudsman_to_string(rd_rules_profile(x->rules, x->c->profile)->ombudsman);
	return queue_letter(x, &r, s, error);
}

/* ---- the API ------------------------------------------------------------------ */

static const char *const action_names[] = {
	[RD_CASE_ACTION_ASSIGN] = "assign",     [RD_CASE_ACTION_EXTEND] = "extend",
	[RD_CASE_ACTION_RESPOND] = "respond",   [RD_CASE_ACTION_CLOSE] = "close",
	[RD_CASE_ACTION_ESCALATE] = "escalate", [RD_CASE_ACTION_LINK] = "link",
	[RD_CASE_ACTION_SERVICE] = "service",   [RD_CASE_ACTION_LANGUAGE] = "language",
	[RD_CASE_ACTION_NOTE] = "note",         [RD_CASE_ACTION_CAUSE] = "cause",
	[RD_CASE_ACTION_NOTIFY_DEPT] = "notify-dept", [RD_CASE_ACTION_COMPLAINANT] = "complainant",
	[RD_CASE_ACTION_REOPEN] = "reopen",     [RD_CASE_ACTION_REMEDY] = "remedy",
	[RD_CASE_ACTION_OMBUDSMAN] = "ombudsman", [RD_CASE_ACTION_NO_CONTACT] = "no-contact",
};

const char *
rd_case_action_kind_to_string(RdCaseActionKind k)
{
	return (guint)k < G_N_ELEMENTS(action_names) ? action_names[k] : NULL;
}

gboolean
rd_case_action_kind_from_string(const char *s, RdCaseActionKind *k_r)
{
	for (gsize i = 0; i < G_N_ELEMENTS(action_names); i++) {
		if (g_strcmp0(s, action_names[i]) == 0) {
			*k_r = (RdCaseActionKind)i;
			return TRUE;
		}
	}
	return FALSE;
}

void
rd_case_action_result_clear(RdCaseActionResult *r)
{
	g_clear_pointer(&r->reference, g_free);
	g_clear_pointer(&r->state, g_free);
	g_clear_pointer(&r->done, g_ptr_array_unref);
	g_clear_pointer(&r->letters, g_ptr_array_unref);
	g_clear_pointer(&r->escalate_by, g_free);
}

static gboolean
dispatch(Ctx *x, const RdCaseAction *a, GError **error)
{
	switch (a->kind) {
	case RD_CASE_ACTION_ASSIGN:
		return do_assign(x, a->handler ? a->handler : "", error);
	case RD_CASE_ACTION_EXTEND:
		return do_extend(x, error);
	case RD_CASE_ACTION_RESPOND:
		return do_respond(x, error);
	case RD_CASE_ACTION_CLOSE:
		return do_close(x, error);
	case RD_CASE_ACTION_ESCALATE:
		return do_escalate(x, error);
	case RD_CASE_ACTION_LINK:
		return do_link(x, a->other ? a->other : "", error);
	case RD_CASE_ACTION_SERVICE:
		return do_service(x, a->service ? a->service : "", error);
	case RD_CASE_ACTION_LANGUAGE:
		return do_language(x, error);
	case RD_CASE_ACTION_NOTE:
		return do_words(x, "note", "note", error);
	case RD_CASE_ACTION_CAUSE:
		return do_cause(x, error);
	case RD_CASE_ACTION_REMEDY:
		return do_remedy(x, error);
	case RD_CASE_ACTION_OMBUDSMAN:
		return do_ombudsman(x, error);
	case RD_CASE_ACTION_NOTIFY_DEPT:
		return do_notify_dept(x, a->handler, error);
	case RD_CASE_ACTION_COMPLAINANT:
		return do_complainant(x, error);
	case RD_CASE_ACTION_REOPEN:
		return do_reopen(x, error);
	case RD_CASE_ACTION_NO_CONTACT:
		return do_no_contact(x, error);
	}
	return rd_casework_refused(error, "unknown action");
}

gboolean
rd_casework_act_in(RdCasework *cw, RdCase *c, const RdCaseAction *a, RdCaseActionResult *r, GError **error)
{
	g_return_val_if_fail(cw != NULL && c != NULL && a != NULL && r != NULL, FALSE);
	memset(r, 0, sizeof *r);
	if (a->stage != 0 && a->stage != 1 && a->stage != 2)
		return rd_casework_refused(error, "the stage is 1 or 2");
	Ctx x = { 0 };
	x.cw = cw;
	x.cfg = rd_casework_config(cw);
	x.store = rd_casework_store(cw);
	x.rules = rd_casework_rules(cw);
	x.c = c;
	x.at = a->at;
	{
		g_autofree char *local = rd_time_format_local(x.at);
		g_strlcpy(x.today, local, sizeof x.today);
	}
	x.actor = a->actor ? a->actor : "redress";
	x.stage = a->stage;
	x.to = a->to;
	x.reason = a->reason;
	x.outcome = a->outcome;
	x.date = a->date;
	x.decline = a->decline;
	x.refer_back = a->refer_back;
	x.language = a->language;
	x.text = a->text;
	x.ombudsman = a->ombudsman;
	x.email = a->email;
	x.name = a->name;
	x.force = a->force;
	x.no_letter = a->no_letter;
	x.done = g_string_new(NULL);
	x.letters = g_ptr_array_new_with_free_func(g_free);
	x.stages = rd_store_stages_for_case(x.store, c->id, error);
	gboolean ok = x.stages != NULL && dispatch(&x, a, error);
	if (ok) {
		r->reference = g_strdup(c->reference);
		r->done = g_ptr_array_new_with_free_func(g_free);
		g_auto(GStrv) lines = g_strsplit(x.done->str, "\n", -1);
		for (guint i = 0; lines[i]; i++)
			if (*lines[i])
				g_ptr_array_add(r->done, g_strdup(lines[i]));
		r->letters = g_steal_pointer(&x.letters);
		r->escalate_by = g_steal_pointer(&x.escalate_by);
		r->responded_stage = x.responded;
	}
	g_clear_pointer(&x.escalate_by, g_free);
	g_clear_pointer(&x.stages, g_ptr_array_unref);
	g_clear_pointer(&x.letters, g_ptr_array_unref);
	g_string_free(x.done, TRUE);
	return ok;
}

gboolean
rd_casework_act(RdCasework *cw, const char *ref, const RdCaseAction *a, RdCaseActionResult *r, GError **error)
{
	RdStore *store = rd_casework_store(cw);
	memset(r, 0, sizeof *r);
	if (!rd_store_begin(store, error))
		return FALSE;
	/* Read the case inside the transaction, so nothing changes it between
	 * the checks and the writes. */
	g_autoptr(RdCase) c = NULL;
	if (!find_case(store, rd_casework_config(cw), ref, &c, error)) {
		rd_store_rollback(store);
		return FALSE;
	}
	if (c == NULL) {
		rd_store_rollback(store);
		g_set_error(error, RD_CASEWORK_ERROR, RD_CASEWORK_ERROR_NO_CASE,
		            "no case %s (list them with: redress cases)", ref);
		return FALSE;
	}
	if (!rd_casework_act_in(cw, c, a, r, error) || !rd_store_commit(store, error)) {
		rd_store_rollback(store);
		rd_case_action_result_clear(r);
		return FALSE;
	}
	/* The change is committed; a failure to read it back only leaves the
	 * state as it was read before. */
	g_autoptr(GError) rerr = NULL;
	g_autoptr(RdCase) after = NULL;
	rd_store_case_get(store, c->id, &after, &rerr);
	r->state = g_strdup(after ? after->state : c->state);
	return TRUE;
}
