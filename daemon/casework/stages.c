/*
 * stages.c — opening a stage: the one call that intake (a new complaint, a
 * Stage 2 request by mail) and case actions (`escalate`) both use.
 *
 * Opening Stage 2 writes, in the caller's transaction: a fresh stage row
 * (or the old row emptied, when a Stage 2 that was referred back is asked
 * for again), the case's state, the "stage2-opened" event, the clock
 * (received, acknowledgement and response dates under the case's
 * procedure profile, counted in working days), and the letters: the
 * acknowledgement to the complainant and the notice to the complaints
 * manager. Stage 1 of a new case has its row from the case's creation, so
 * it gets the clock and the letters (and, for mail sent to the Chief
 * Executive or the Monitoring Officer, the referral letter and the
 * office's copy).
 */
#include <string.h>
#include "casework/casework.h"

static char *
local_date(gint64 t)
{
	g_autofree char *s = rd_time_format_local(t);
	return g_strndup(s, 10);
}

/* Give @case_id a fresh row for @stage received at @at: a new row, or —
 * when the stage ran before (Stage 2 referred back to Stage 1, then asked
 * for again) — the old row emptied for a new clock. *@reopened_r says
 * which. The old dates stay on the case journey. */
static gboolean
fresh_row(RdCasework *cw, gint64 case_id, int stage, gint64 at, gboolean *reopened_r,
          GError **error)
{
	RdStore *st = rd_casework_store(cw);
	g_autofree char *day = local_date(at);
	g_autoptr(GPtrArray) stages = rd_store_stages_for_case(st, case_id, error);
	if (stages == NULL)
		return FALSE;
	const RdStage *old = NULL;
	for (guint i = 0; i < stages->len; i++)
		if (((RdStage *)stages->pdata[i])->stage == stage)
			old = stages->pdata[i];
	*reopened_r = old != NULL;
	if (old == NULL)
		return rd_store_stage_open(st, case_id, stage, at, day, error) != 0;
	static const char *const cleared[] = {
		"ack_due", "ack_sent", "response_due", "dept_notice_due", "extended_to",
		"extension_reason", "responded", "outcome", "closed", "next_check",
	};
	g_autofree char *what = g_strdup_printf(
		"Stage %d opened again (before: received %s, response due %s, %s %s).", stage,
		old->received ? old->received : "-", old->response_due ? old->response_due : "-",
		old->outcome ? old->outcome : "closed", old->closed ? old->closed : "-");
	if (!rd_store_stage_set_field(st, case_id, stage, "received", day, error))
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(cleared); i++)
		if (!rd_store_stage_set_field(st, case_id, stage, cleared[i], NULL, error))
			return FALSE;
	return rd_store_event_add(st, case_id, at, "redress", "stage-reopened", what, 0, error) != 0;
}

/* The stage's dates under profile @p, counted in working days from
 * @received_at, saved with when the sweep first needs to look, and the
 * "clock-started" event that says them. */
static gboolean
save_clock(RdCasework *cw, gint64 case_id, const RdProfile *p, int stage, gint64 received_at,
           GError **error)
{
	RdStore *st = rd_casework_store(cw);
	const RdConfig *cfg = rd_casework_config(cw);
	RdRules *rules = rd_casework_rules(cw);
	gboolean no_letters = !rd_casework_letters_on(cw);
	g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc(received_at);
	RdStageDates d;
	if (!rd_stage_receive(p, rd_rules_calendar(rules), (guint)stage, when, cfg->cutoff_hour,
	                      cfg->cutoff_minute, &d, error))
		return FALSE;
	/* Under a clock that counts from the acknowledgement (the 2024
	 * Codes), the acknowledgement is queued now and goes out today: the
	 * reply-by date it promises counts from today, not from the last day
	 * an acknowledgement would have been allowed. */
	if (!no_letters && p->stage[stage - 1].base == RD_CLOCK_ACK && g_date_valid(&d.ack_due)) {
		rd_date_london(when, &d.ack_sent);
		if (!rd_stage_compute(p, rd_rules_calendar(rules), &d, error))
			return FALSE;
		g_date_clear(&d.ack_sent, 1);
	}
	/* The dates, and when the deadline sweep first needs to look at this
	 * stage, in one statement. */
	g_autofree char *next = rd_rules_next_check(p, rd_rules_calendar(rules), &d, &d.received, NULL);
	if (!rd_rules_save_clock(st, case_id, &d, next, error))
		return FALSE;
	g_autofree char *recv = rd_date_format_iso(&d.received);
	g_autofree char *ack = g_date_valid(&d.ack_due) ? rd_date_format_iso(&d.ack_due) : g_strdup("none");
	g_autofree char *resp = rd_date_format_iso(&d.response_due);
	g_autofree char *clock = g_strdup_printf(
		"Stage %d counts as received on %s under the %s procedure: acknowledgement due %s, response due %s%s.",
		stage, recv, p->name, ack, resp, d.provisional ? " (counted from the acknowledgement)" : "");
	if (rd_store_event_add(st, case_id, received_at, "redress", "clock-started", clock, 0, error) == 0)
		return FALSE;
	return TRUE;
}

/* The letters that go with a stage that has just opened: the
 * acknowledgement (or the referral letter), the office's copy, and the
 * complaints manager's notice. */
static gboolean
queue_opening_letters(RdCasework *cw, RdCase *c, const RdProfile *p, int stage, RdMailbox mailbox,
                      gint64 received_at, const char *in_reply_to, const char *excerpt,
                      gboolean reopened, gboolean language_unsure, const RdStageOpening *o, GError **error)
{
	RdStore *st = rd_casework_store(cw);
	const RdConfig *cfg = rd_casework_config(cw);
	RdRules *rules = rd_casework_rules(cw);
	gint64 case_id = c->id;
	g_autoptr(GPtrArray) stages = rd_store_stages_for_case(st, case_id, error);
	if (stages == NULL)
		return FALSE;
	const RdStage *s = NULL;
	for (guint i = 0; i < stages->len; i++)
		if (((RdStage *)stages->pdata[i])->stage == stage)
			s = stages->pdata[i];

	gboolean referral = stage == 1 && (mailbox == RD_MAILBOX_CHIEF_EXECUTIVE ||
	                                   mailbox == RD_MAILBOX_MONITORING_OFFICER);
	RdLetterRequest r = { 0 };
	/* A stage opened again gets letters of its own. */
	const char *day = s != NULL && s->received != NULL ? s->received : "";
	g_autofree char *key = reopened ? g_strdup_printf("%s/s%d/ack-%s", c->reference, stage, day)
	                                : g_strdup_printf("%s/s%d/ack", c->reference, stage);
	r.name = stage == 2 ? "stage2-acknowledgement"
	         : referral ? "chief-executive-referral" : "stage1-acknowledgement";
	r.idem_key = key;
	r.c = c;
	r.stage = s;
	/* Letters come from the team that handles the case, whichever office
	 * the complaint was sent to. */
	r.mailbox = stage == 2 ? RD_MAILBOX_STAGE2 : RD_MAILBOX_COMPLAINTS;
	r.to_addr = c->complainant_email;
	r.to_name = c->complainant_name;
	r.to_complainant = TRUE;
	r.in_reply_to = in_reply_to;
	r.excerpt = excerpt;
	r.office_name = cfg->mailboxes[mailbox].office_name;
	r.office_name_cy = cfg->mailboxes[mailbox].office_name_cy;
	r.ombudsman = rd_ombudsman_to_string(p->ombudsman);
	r.language_unsure = stage == 1 && language_unsure;
	if (!rd_letters_queue(rd_rules_letters(rules), st, &r, received_at, NULL, error))
		return FALSE;

	RdLetterRequest n = r;
	n.language_unsure = FALSE;
	/* Staff see what the complainant sent (the photo of the fly-tip)
	 * without going to the case file. */
	n.attachments = o->attachments;
	n.n_attachments = o->n_attachments;
	n.attachments_left_out = o->attachments_left_out;
	n.name = "staff-new-case";
	n.to_complainant = FALSE;
	n.to_name = NULL;
	/* "digest": the sweep sends the office one summary a day instead. */
	if (referral && cfg->mailboxes[mailbox].copy_to != NULL &&
	    (cfg->mailboxes[mailbox].copy == NULL || strcmp(cfg->mailboxes[mailbox].copy, "each") == 0)) {
		g_autofree char *k = g_strdup_printf("%s/s1/office-copy", c->reference);
		n.idem_key = k;
		n.to_addr = cfg->mailboxes[mailbox].copy_to;
		if (!rd_letters_queue(rd_rules_letters(rules), st, &n, received_at, NULL, error))
			return FALSE;
	}
	if (cfg->complaints_manager != NULL) {
		g_autofree char *k = reopened ? g_strdup_printf("%s/s%d/staff-new-%s", c->reference, stage, day)
		                              : g_strdup_printf("%s/s%d/staff-new", c->reference, stage);
		n.idem_key = k;
		n.to_addr = cfg->complaints_manager;
		if (!rd_letters_queue(rd_rules_letters(rules), st, &n, received_at, NULL, error))
			return FALSE;
	}
	return TRUE;
}

/* Start the clock of @stage on a case that has just opened it, and queue
 * the letters that go with it: the acknowledgement (or, for mail to the
 * Chief Executive or Monitoring Officer, the referral letter saying it is
 * handled under the normal procedure), a copy to that office, and the
 * complaints manager's new-case notice. Same transaction as the case. */
static gboolean
start_clock(RdCasework *cw, RdCase *c, int stage, RdMailbox mailbox, gint64 received_at,
            const char *in_reply_to, const char *excerpt, gboolean reopened, gboolean language_unsure,
            const RdStageOpening *o, GError **error)
{
	RdStore *st = rd_casework_store(cw);
	RdRules *rules = rd_casework_rules(cw);
	gboolean no_letters = !rd_casework_letters_on(cw);
	gint64 case_id = c->id;

	const RdProfile *p = rd_rules_profile(rules, c->profile ? c->profile
	                                                        : rd_rules_profile_for_service(rules, c->service));
	if (c->profile == NULL) {
		if (!rd_store_case_set_field(st, case_id, "profile", p->name, received_at, error))
			return FALSE;
		g_free(c->profile);
		c->profile = g_strdup(p->name);
	}
	if (stage == 2 && !p->has_stage2) {
		g_autofree char *what = g_strdup_printf(
			"Stage 2 was asked for, but the %s procedure has a single stage: the complainant should be "
			"told about the Ombudsman.", p->name);
		return rd_store_event_add(st, case_id, received_at, "redress", "stage2-not-available", what, 0, error) != 0;
	}

	if (!save_clock(cw, case_id, p, stage, received_at, error))
		return FALSE;

	if (stage == 1 && rd_rules_is_elected_member(rules, c->complainant_email)) {
		if (!rd_store_case_set_field(st, case_id, "flags", "elected-member", received_at, error) ||
		    rd_store_event_add(st, case_id, received_at, "redress", "flagged",
		                       "From an elected member (on the configured list).", 0, error) == 0)
			return FALSE;
	}

	if (no_letters) {
		/* An imported archive must not write to people about complaints
		 * long answered; the case says why no letter went. */
		return rd_store_event_add(st, case_id, received_at, "redress", "letters-not-sent",
		                          "Imported with --no-letters: no acknowledgement or notice was queued.",
		                          0, error) != 0;
	}

	return queue_opening_letters(cw, c, p, stage, mailbox, received_at, in_reply_to, excerpt, reopened,
	                             language_unsure, o, error);
}

gboolean
rd_casework_open_stage(RdCasework *cw, RdCase *c, const RdStageOpening *o, GError **error)
{
	g_return_val_if_fail(o->stage == 1 || o->stage == 2, FALSE);
	RdStore *st = rd_casework_store(cw);
	gboolean reopened = FALSE;
	if (o->stage == 2) {
		/* A procedure with a single stage (adult social care) has no
		 * Stage 2 to open; callers check first, and this keeps a case
		 * from ever sitting at a Stage 2 without a clock. */
		const RdProfile *p = rd_rules_profile(rd_casework_rules(cw), c->profile);
		if (!p->has_stage2) {
			g_autofree char *what = g_strdup_printf(
				"Stage 2 was asked for, but the %s procedure has a single stage: the complainant should "
				"be told about the Ombudsman.", p->name);
			return rd_store_event_add(st, c->id, o->at, "redress", "stage2-not-available", what,
			                          o->msg_id, error) != 0;
		}
		if (!fresh_row(cw, c->id, 2, o->at, &reopened, error) ||
		    !rd_store_case_set_state(st, c->id, rd_case_state_to_string(RD_CASE_STAGE2), o->at, error) ||
		    rd_store_event_add(st, c->id, o->at, o->actor ? o->actor : "redress", "stage2-opened",
		                       o->why, o->msg_id, error) == 0)
			return FALSE;
		g_free(c->state);
		c->state = g_strdup(rd_case_state_to_string(RD_CASE_STAGE2));
	}
	return start_clock(cw, c, o->stage, o->mailbox, o->at, o->in_reply_to, o->excerpt, reopened,
	                   o->language_unsure, o, error);
}
