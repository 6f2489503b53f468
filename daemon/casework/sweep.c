/*
 * sweep.c — the deadline sweep (`redress sweep`, and the daemon's sweep
 * thread).
 *
 * procedure/ decides what is due for a stage on a given day
 * (rd_stage_sweep); this file finds the stages to ask about and carries
 * the answers out. Each stage carries next_check, the first day anything
 * can be due, so the sweep reads only those stages through an index: with
 * a million open cases and nothing due, it is one index probe.
 *
 * Each action is recorded as an event whose detail starts with its
 * idempotency key in brackets ("[s1/holding] …"); the keys already on a
 * case are what rd_stage_sweep() is told has fired, so running the sweep
 * twice — or after a crash halfway — does everything exactly once. Each
 * stage is one transaction: its actions, letters, extension and new
 * next_check commit together. rd_sweep_run() is the whole run; the
 * command and the daemon's sweep thread both call it.
 */
#include <stdio.h>
#include <string.h>
#include "casework/casework.h"

typedef struct {
	RdStore *store;
	const RdConfig *cfg;
	RdRules *rules;
	GDate today;
	gint64 now;
	guint stages, reminders, holding, overdue, ack_overdue, failures;
	RdSweepFunc func;      /* told of each action once it is committed; may be NULL */
	gpointer user_data;
	GPtrArray *pending;    /* RdSweepAction*: done in the open transaction */
} Sweep;

static void
action_free(RdSweepAction *a)
{
	g_free((char *)a->case_ref);
	g_free((char *)a->action);
	g_free((char *)a->key);
	g_free((char *)a->detail);
	g_free(a);
}

/* Note an action of the open transaction; it is told only once the
 * transaction commits (tell_pending), never if it rolls back. */
static void
note(Sweep *s, const char *case_ref, const char *action, const char *key, const char *detail)
{
	RdSweepAction *a = g_new0(RdSweepAction, 1);
	a->case_ref = g_strdup(case_ref);
	a->action = g_strdup(action);
	a->key = g_strdup(key);
	a->detail = g_strdup(detail);
	g_ptr_array_add(s->pending, a);
}

/* After a commit (@committed) or a rollback. */
static void
tell_pending(Sweep *s, gboolean committed)
{
	for (guint i = 0; committed && s->func != NULL && i < s->pending->len; i++)
		s->func(s->pending->pdata[i], s->user_data);
	g_ptr_array_set_size(s->pending, 0);
}

/* The action keys already recorded on a case (from "[key] …" events). */
static GPtrArray *
fired_keys(RdStore *store, gint64 case_id, GError **error)
{
	g_autoptr(GPtrArray) events = rd_store_events_for_case(store, case_id, error);
	if (events == NULL)
		return NULL;
	GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < events->len; i++) {
		const RdEvent *e = events->pdata[i];
		if (!g_str_has_prefix(e->type, "deadline-") || e->detail == NULL || e->detail[0] != '[')
			continue;
		const char *end = strchr(e->detail, ']');
		if (end != NULL)
			g_ptr_array_add(keys, g_strndup(e->detail + 1, (gsize)(end - e->detail - 1)));
	}
	g_ptr_array_add(keys, NULL);
	return keys;
}

/* Staff notices go to the handler, or the complaints manager when nobody
 * is assigned; the manager also gets every overdue alert. */
static gboolean
notify_staff(Sweep *s, const RdCase *c, const RdStage *st, const char *letter,
             const char *key, gboolean also_manager, const char *due, GError **error)
{
	const char *handler = c->handler ? c->handler : s->cfg->complaints_manager;
	const char *targets[2] = { handler, also_manager ? s->cfg->complaints_manager : NULL };
	for (int i = 0; i < 2; i++) {
		if (targets[i] == NULL || (i == 1 && g_strcmp0(targets[1], targets[0]) == 0))
			continue;
		g_autofree char *idem = g_strdup_printf("%s/%s#%s", c->reference, key, i == 0 ? "handler" : "manager");
		RdLetterRequest r = { 0 };
		r.name = letter;
		r.idem_key = idem;
		r.c = c;
		r.stage = st;
		r.mailbox = RD_MAILBOX_COMPLAINTS;
		r.to_addr = targets[i];
		r.to_complainant = FALSE;
		r.new_date = due;
		if (!rd_letters_queue(rd_rules_letters(s->rules), s->store, &r, s->now, NULL, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
record(Sweep *s, const RdCase *c, const char *type, const char *key, const char *what, GError **error)
{
	g_autofree char *detail = g_strdup_printf("[%s] %s", key, what);
	note(s, c->reference, type + strlen("deadline-"), key, what);
	return rd_store_event_add(s->store, c->id, s->now, "redress", type, detail, 0, error) != 0;
}

/* The automatic holding reply for a response that fell due unanswered:
 * the stage extended as the profile allows, the letter, the handler told,
 * the event. */
static gboolean
holding_reply(Sweep *s, RdCase *c, RdStage *st, const RdProfile *p, RdStageDates *d,
              const RdAction *a, const char *due, GError **error)
{
	RdStore *store = s->store;
	int stage_no = st->stage;
	g_autofree char *new_due = rd_date_format_iso(&a->new_due);
	/* The letter first, from the stage as the complainant knows it: "we
	 * told you we would respond by <the date they were given>", then the
	 * new date. Queued after the extension was recorded, it promised the
	 * new date twice. No reason line: the automatic reply has none to
	 * give beyond the delay the letter already states. */
	g_autofree char *idem = g_strdup_printf("%s/%s", c->reference, a->key);
	RdLetterRequest r = { 0 };
	r.name = "holding-reply";
	r.idem_key = idem;
	r.c = c;
	r.stage = st;
	r.mailbox = stage_no == 2 ? RD_MAILBOX_STAGE2 : RD_MAILBOX_COMPLAINTS;
	r.to_addr = c->complainant_email;
	r.to_name = c->complainant_name;
	r.to_complainant = TRUE;
	r.new_date = new_due;
	r.ombudsman = rd_ombudsman_to_string(p->ombudsman);
	r.ombudsman_details = p->holding_ombudsman_details;
	if (!rd_letters_queue(rd_rules_letters(s->rules), store, &r, s->now, NULL, error))
		return FALSE;
	if (!rd_store_stage_set_field(store, c->id, stage_no, "extended_to", new_due, error) ||
	    !rd_store_stage_set_field(store, c->id, stage_no, "extension_reason",
	                              "automatic holding reply: no response by the due date", error))
		return FALSE;
	g_free(st->extended_to);
	st->extended_to = g_strdup(new_due);
	d->extended_to = a->new_due;
	g_autofree char *what = g_strdup_printf(
		"Stage %d response was due %s and none is recorded: automatic holding reply sent, "
		"extended to %s.", stage_no, due, new_due);
	if (!notify_staff(s, c, st, "staff-overdue", a->key, FALSE, new_due, error) ||
	    !record(s, c, "deadline-holding-reply", a->key, what, error))
		return FALSE;
	s->holding++;
	return TRUE;
}

/* One action procedure/ found due on the stage. */
static gboolean
carry_out(Sweep *s, RdCase *c, RdStage *st, const RdProfile *p, RdStageDates *d, const RdAction *a,
          GError **error)
{
	int stage_no = st->stage;
	g_autofree char *due = rd_date_format_iso(&a->due);
	g_autofree char *what = NULL;
	switch (a->kind) {
	case RD_ACTION_REMINDER:
		what = g_strdup_printf("Stage %d response due %s: handler reminded.", stage_no, due);
		if (!notify_staff(s, c, st, "staff-reminder", a->key, FALSE, due, error) ||
		    !record(s, c, "deadline-reminder", a->key, what, error))
			return FALSE;
		s->reminders++;
		return TRUE;
	case RD_ACTION_HOLDING_REPLY:
		return holding_reply(s, c, st, p, d, a, due, error);
	case RD_ACTION_OVERDUE:
		what = g_strdup_printf("Stage %d response is overdue (final date %s): handler and complaints "
		                       "manager alerted.", stage_no, due);
		if (!notify_staff(s, c, st, "staff-overdue", a->key, TRUE, due, error) ||
		    !record(s, c, "deadline-overdue", a->key, what, error))
			return FALSE;
		s->overdue++;
		return TRUE;
	case RD_ACTION_ACK_OVERDUE:
		what = g_strdup_printf("Stage %d acknowledgement was due %s and has not gone out: handler and "
		                       "complaints manager alerted.", stage_no, due);
		if (!notify_staff(s, c, st, "staff-overdue", a->key, TRUE, due, error) ||
		    !record(s, c, "deadline-ack-overdue", a->key, what, error))
			return FALSE;
		s->ack_overdue++;
		return TRUE;
	}
	return TRUE;
}

/* Under a clock that counts from the acknowledgement, the date is only
 * final once the acknowledgement has gone out: keep what is stored (and
 * shown, and used for caps) in step with @d. */
static gboolean
keep_due_in_step(Sweep *s, gint64 case_id, RdStage *st, const RdStageDates *d, GError **error)
{
	g_autofree char *due_now = g_date_valid(&d->response_due) ? rd_date_format_iso(&d->response_due) : NULL;
	if (g_strcmp0(due_now, st->response_due) == 0)
		return TRUE;
	g_autofree char *what = g_strdup_printf(
		"Stage %d response due %s (was %s), counted from the acknowledgement sent on %s.",
		st->stage, due_now ? due_now : "-", st->response_due ? st->response_due : "-",
		st->ack_sent ? st->ack_sent : "-");
	if (!rd_rules_save_dates(s->store, case_id, d, error) ||
	    rd_store_event_add(s->store, case_id, s->now, "redress", "deadlines-moved", what, 0, error) == 0)
		return FALSE;
	g_free(st->response_due);
	st->response_due = g_strdup(due_now);
	return TRUE;
}

static gboolean
sweep_stage(Sweep *s, gint64 case_id, int stage_no, GError **error)
{
	RdStore *store = s->store;
	const RdCalendar *cal = rd_rules_calendar(s->rules);
	g_autoptr(RdCase) c = NULL;
	if (!rd_store_case_get(store, case_id, &c, error))
		return FALSE;
	if (c == NULL) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND,
		            "case %" G_GINT64_FORMAT " has a stage but no case row", case_id);
		return FALSE;
	}
	g_autoptr(GPtrArray) stages = rd_store_stages_for_case(store, case_id, error);
	if (stages == NULL)
		return FALSE;
	RdStage *st = NULL;
	for (guint i = 0; i < stages->len; i++)
		if (((RdStage *)stages->pdata[i])->stage == stage_no)
			st = stages->pdata[i];
	if (st == NULL)
		return TRUE;
	s->stages++;
	RdCaseState state = RD_CASE_STAGE1;
	rd_case_state_from_string(c->state, &state);
	if (st->responded != NULL || st->closed != NULL || !rd_case_state_is_open(state))
		return rd_store_stage_set_field(store, case_id, stage_no, "next_check", NULL, error);

	const RdProfile *p = rd_rules_profile(s->rules, c->profile);
	RdStageDates d;
	rd_rules_dates_from_stage(st, &d);
	if (!rd_stage_compute(p, cal, &d, error))
		return FALSE;
	/* The acknowledgement promised the stored date; one that went out
	 * late does not move it later (procedure/clock.c). */
	GDate promised;
	g_date_clear(&promised, 1);
	if (st->response_due != NULL)
		rd_date_parse_iso(st->response_due, &promised);
	rd_stage_keep_promise(p, cal, &d, &promised);
	if (!keep_due_in_step(s, case_id, st, &d, error))
		return FALSE;
	g_autoptr(GPtrArray) fired = fired_keys(store, case_id, error);
	if (fired == NULL)
		return FALSE;
	g_autoptr(GPtrArray) actions = rd_stage_sweep(p, cal, &d, &s->today, (const char *const *)fired->pdata);
	for (guint i = 0; i < actions->len; i++) {
		const RdAction *a = actions->pdata[i];
		if (!carry_out(s, c, st, p, &d, a, error))
			return FALSE;
		g_ptr_array_insert(fired, (gint)fired->len - 1, g_strdup(a->key));
	}
	g_autofree char *next = rd_rules_next_check(p, cal, &d, &s->today, (const char *const *)fired->pdata);
	return rd_store_stage_set_field(store, case_id, stage_no, "next_check", next, error);
}

/* A digest of the non-working days around @today (last year to two years
 * ahead): when it changes, a holiday or closure was added or removed and
 * the open deadlines must be recomputed. */
static char *
calendar_fingerprint(const RdCalendar *cal, const GDate *today)
{
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
	const char *nation = rd_nation_to_string(rd_calendar_get_nation(cal));
	g_checksum_update(ck, (const guchar *)nation, -1);
	int y0 = g_date_get_year(today);
	for (int y = y0 - 1; y <= y0 + 2; y++) {
		g_autoptr(GArray) days = rd_calendar_holidays(cal, y);
		for (guint i = 0; days && i < days->len; i++) {
			g_autofree char *iso = rd_date_format_iso(&g_array_index(days, RdHoliday, i).date);
			g_checksum_update(ck, (const guchar *)iso, -1);
		}
	}
	char *out = g_strdup(g_checksum_get_string(ck));
	g_checksum_free(ck);
	return out;
}

#define FINGERPRINT_SETTING "calendar_fingerprint"

/* Recompute every open stage's deadlines on the current calendar, with an
 * event on each case whose dates moved. One transaction per stage. */
/* "The calendar changed …: Stage 1 response due moved from 2026-12-21 to
 * 2026-12-22." naming each date of @a that differs in @b, or NULL when
 * none does. Newly allocated. */
static char *
moved_dates(int stage, const RdStageDates *a, const RdStageDates *b)
{
	static const struct {
		const char *what;
		gsize offset;
	} dates[] = {
		{ "acknowledgement due", G_STRUCT_OFFSET(RdStageDates, ack_due) },
		{ "response due", G_STRUCT_OFFSET(RdStageDates, response_due) },
		{ "department notice due", G_STRUCT_OFFSET(RdStageDates, dept_notice_due) },
		{ "latest extension", G_STRUCT_OFFSET(RdStageDates, extension_cap) },
	};
	GString *out = NULL;
	for (gsize i = 0; i < G_N_ELEMENTS(dates); i++) {
		const GDate *x = G_STRUCT_MEMBER_P(a, dates[i].offset);
		const GDate *y = G_STRUCT_MEMBER_P(b, dates[i].offset);
		gboolean xv = g_date_valid(x), yv = g_date_valid(y);
		if (xv == yv && (!xv || g_date_compare(x, y) == 0))
			continue;
		g_autofree char *from = xv ? rd_date_format_iso(x) : g_strdup("none");
		g_autofree char *to = yv ? rd_date_format_iso(y) : g_strdup("none");
		if (out == NULL)
			out = g_string_new("The calendar changed (a holiday or closure): Stage ");
		else
			g_string_append(out, ";");
		if (out->str[out->len - 1] == ' ')
			g_string_append_printf(out, "%d %s moved from %s to %s", stage, dates[i].what, from, to);
		else
			g_string_append_printf(out, " %s moved from %s to %s", dates[i].what, from, to);
	}
	if (out == NULL)
		return NULL;
	g_string_append_c(out, '.');
	return g_string_free(out, FALSE);
}

static gboolean
recompute_open(Sweep *s, guint *moved_r, GError **error)
{
	const RdCalendar *cal = rd_rules_calendar(s->rules);
	g_autoptr(GArray) open = rd_store_stages_open(s->store, error);
	if (open == NULL)
		return FALSE;
	*moved_r = 0;
	for (guint i = 0; i < open->len; i++) {
		const RdStageRef *ref = &g_array_index(open, RdStageRef, i);
		if (!rd_store_begin(s->store, error))
			return FALSE;
		g_autoptr(RdCase) c = NULL;
		if (!rd_store_case_get(s->store, ref->case_id, &c, error)) {
			rd_store_rollback(s->store);
			return FALSE;
		}
		if (c == NULL) {
			rd_store_rollback(s->store);
			g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND,
			            "case %" G_GINT64_FORMAT " vanished while recomputing", ref->case_id);
			return FALSE;
		}
		g_autoptr(GPtrArray) stages = rd_store_stages_for_case(s->store, c->id, error);
		if (stages == NULL) {
			rd_store_rollback(s->store);
			return FALSE;
		}
		for (guint k = 0; k < stages->len; k++) {
			const RdStage *st = stages->pdata[k];
			if (st->stage != ref->stage)
				continue;
			const RdProfile *p = rd_rules_profile(s->rules, c->profile);
			RdStageDates old, now_d;
			rd_rules_dates_from_stage(st, &old);
			gboolean moved = FALSE;
			if (!rd_stage_recompute(p, cal, &old, &now_d, &moved, error)) {
				rd_store_rollback(s->store);
				return FALSE;
			}
			if (!moved)
				continue;
			/* The event says which dates moved, from what to what; a
			 * change no date shows (only whether the response date is
			 * still provisional) is saved without one, so a new year's
			 * recomputation does not write "moved from X to X" on every
			 * open case. */
			g_autofree char *what = moved_dates(st->stage, &old, &now_d);
			/* Look again from the new dates. */
			g_autofree char *next = rd_rules_next_check(p, cal, &now_d, &s->today, NULL);
			if (!rd_rules_save_dates(s->store, c->id, &now_d, error) ||
			    !rd_store_stage_set_field(s->store, c->id, st->stage, "next_check", next, error) ||
			    (what != NULL &&
			     rd_store_event_add(s->store, c->id, s->now, "redress", "deadlines-moved", what, 0, error) == 0)) {
				rd_store_rollback(s->store);
				tell_pending(s, FALSE);
				return FALSE;
			}
			if (what == NULL)
				continue;
			note(s, c->reference, "recomputed", NULL, what);
			(*moved_r)++;
		}
		if (!rd_store_commit(s->store, error)) {
			tell_pending(s, FALSE);
			return FALSE;
		}
		tell_pending(s, TRUE);
	}
	return TRUE;
}

/* The daily digest for the Chief Executive's and Monitoring Officer's
 * offices (copy = digest): the cases that came in through that mailbox
 * since the last digest, in one letter, once a day. */
static gboolean
send_digests(Sweep *s, GError **error)
{
	static const RdMailbox offices[] = { RD_MAILBOX_CHIEF_EXECUTIVE, RD_MAILBOX_MONITORING_OFFICER };
	g_autofree char *today = rd_date_format_iso(&s->today);
	for (gsize i = 0; i < G_N_ELEMENTS(offices); i++) {
		const RdMailboxConfig *m = &s->cfg->mailboxes[offices[i]];
		if (m->copy_to == NULL || g_strcmp0(m->copy, "digest") != 0)
			continue;
		const char *channel = rd_channel_for_mailbox(offices[i]);
		g_autofree char *setting = g_strdup_printf("digest_last_%s", channel);
		g_autofree char *day_setting = g_strdup_printf("digest_day_%s", channel);
		g_autofree char *last = NULL, *last_day = NULL;
		if (!rd_store_setting_get(s->store, setting, &last, error) ||
		    !rd_store_setting_get(s->store, day_setting, &last_day, error))
			return FALSE;
		/* One digest a day: a later run the same day leaves what came in
		 * since for tomorrow's, rather than marking it reported. */
		if (g_strcmp0(last_day, today) == 0)
			continue;
		gint64 since = last ? g_ascii_strtoll(last, NULL, 10) : 0;
		g_autoptr(GPtrArray) cases = rd_store_cases_by_channel(s->store, channel, since, s->now, error);
		if (cases == NULL)
			return FALSE;
		g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_free);
		for (guint k = 0; k < cases->len; k++) {
			const RdCase *c = cases->pdata[k];
			g_ptr_array_add(items, g_strdup_printf("%s: %s (from %s)", c->reference,
			                                       c->summary ? c->summary : "(no subject)",
			                                       c->complainant_name ? c->complainant_name
			                                                           : c->complainant_email));
		}
		if (items->len == 0)
			continue;
		g_autofree char *key = g_strdup_printf("digest/%s/%s", channel, today);
		g_autofree char *stamp = g_strdup_printf("%" G_GINT64_FORMAT, s->now);
		if (!rd_store_begin(s->store, error))
			return FALSE;
		if (!rd_letters_queue_digest(rd_rules_letters(s->rules), s->store, offices[i], m->copy_to, today,
		                             items, key, s->now, error) ||
		    !rd_store_setting_set(s->store, setting, stamp, error) ||
		    !rd_store_setting_set(s->store, day_setting, today, error) ||
		    !rd_store_commit(s->store, error)) {
			rd_store_rollback(s->store);
			return FALSE;
		}
		g_autofree char *what = g_strdup_printf("to %s: %u complaint%s sent to %s", m->copy_to, items->len,
		                                        items->len == 1 ? "" : "s", m->office_name);
		note(s, NULL, "digest", key, what);
		tell_pending(s, TRUE);
	}
	return TRUE;
}

/* What the last run came to, for `redress status` from another process:
 * "TIME MESSAGE" when it failed or left stages unswept, nothing when it
 * did all it had to. Best effort: a store that failed may refuse this too. */
static void
note_outcome(Sweep *s, gboolean ok, GError **error)
{
	g_autofree char *what = NULL;
	if (!ok)
		what = g_strdup_printf("%" G_GINT64_FORMAT " %s", s->now,
		                       error && *error ? (*error)->message : "the sweep failed");
	else if (s->failures > 0)
		what = g_strdup_printf("%" G_GINT64_FORMAT " %u stage%s could not be swept (see each case's "
		                       "journey); tried again tomorrow", s->now, s->failures,
		                       s->failures == 1 ? "" : "s");
	g_autoptr(GError) err = NULL;
	if (!rd_store_setting_set(s->store, RD_SWEEP_LAST_ERROR_SETTING, what, &err))
		rd_log_warn("sweep: cannot record its outcome: %s", err->message);
}

gboolean
rd_sweep_run(RdStore *store, const RdConfig *cfg, RdRules *rules, gint64 now, gboolean recompute,
             RdSweepFunc func, gpointer user_data, RdSweepCounts *counts_r, GError **error)
{
	g_return_val_if_fail(store != NULL && cfg != NULL && rules != NULL, FALSE);
	Sweep s = { 0 };
	s.store = store;
	s.cfg = cfg;
	s.rules = rules;
	s.now = now;
	s.func = func;
	s.user_data = user_data;
	g_autoptr(GPtrArray) pending = g_ptr_array_new_with_free_func((GDestroyNotify)action_free);
	s.pending = pending;
	g_autoptr(GDateTime) now_dt = g_date_time_new_from_unix_utc(s.now);
	rd_date_london(now_dt, &s.today);
	g_autofree char *today = rd_date_format_iso(&s.today);
	/* Everything the jumps to "out" pass over is declared here. */
	g_autofree char *stamp = NULL;
	guint moved = 0;
	gint64 t0 = g_get_monotonic_time();
	gboolean ok = FALSE;

	/* A holiday or closure added or removed since the last sweep moves
	 * the open deadlines before anything is judged due. */
	g_autofree char *fp = calendar_fingerprint(rd_rules_calendar(s.rules), &s.today);
	g_autofree char *old_fp = NULL;
	if (!rd_store_setting_get(store, FINGERPRINT_SETTING, &old_fp, error))
		goto out;
	if (recompute || (old_fp != NULL && strcmp(old_fp, fp) != 0)) {
		if (!recompute_open(&s, &moved, error)) {
			g_prefix_error(error, "recomputing deadlines: ");
			goto out;
		}
		rd_log_info("calendar changed or --recompute: %u open stage%s had deadlines moved",
		            moved, moved == 1 ? "" : "s");
	}
	if (g_strcmp0(old_fp, fp) != 0 && !rd_store_setting_set(store, FINGERPRINT_SETTING, fp, error))
		goto out;

	for (;;) {
		g_autoptr(GArray) due = rd_store_stages_due(store, today, 500, error);
		if (due == NULL)
			goto out;
		if (due->len == 0)
			break;
		for (guint i = 0; i < due->len; i++) {
			const RdStageRef *ref = &g_array_index(due, RdStageRef, i);
			GError *err = NULL;
			if (!rd_store_begin(store, error))
				goto fatal;
			if (sweep_stage(&s, ref->case_id, ref->stage, &err) && rd_store_commit(store, &err)) {
				tell_pending(&s, TRUE);
				continue;
			}
			tell_pending(&s, FALSE);
			/* One case that cannot be swept must not hold up every
			 * later deadline: it is put off to tomorrow, said on its
			 * journey and in the log, and the run ends with status 2. */
			rd_store_rollback(store);
			g_autofree char *why = g_strdup(err ? err->message : "unknown error");
			g_clear_error(&err);
			rd_log_error("sweep: case %" G_GINT64_FORMAT " stage %d failed: %s", ref->case_id, ref->stage, why);
			s.failures++;
			GDate tomorrow = s.today;
			g_date_add_days(&tomorrow, 1);
			g_autofree char *next = rd_date_format_iso(&tomorrow);
			g_autofree char *what = g_strdup_printf("The deadline sweep failed on this case (%s); "
			                                        "it will try again on %s.", why, next);
			if (!rd_store_begin(store, error) ||
			    !rd_store_stage_set_field(store, ref->case_id, ref->stage, "next_check", next, error) ||
			    rd_store_event_add(store, ref->case_id, s.now, "redress", "sweep-failed", what, 0, error) == 0 ||
			    !rd_store_commit(store, error))
				goto fatal;
		}
	}
	if (!send_digests(&s, error)) {
		g_prefix_error(error, "daily digest: ");
		goto out;
	}
	if (!rd_learning_sweep_run(store, cfg, rules, s.now, func, user_data, NULL, error)) {
		g_prefix_error(error, "learning actions: ");
		goto out;
	}
	if (!rd_survey_sweep_run(store, cfg, rules, s.now, func, user_data, NULL, error)) {
		g_prefix_error(error, "satisfaction surveys: ");
		goto out;
	}
	stamp = g_strdup_printf("%" G_GINT64_FORMAT, g_get_real_time() / G_USEC_PER_SEC);
	if (!rd_store_setting_set(store, RD_SWEEP_LAST_RUN_SETTING, stamp, error))
		goto out;
	rd_log_debug("sweep: %u stages looked at in %.1f ms", s.stages,
	             (double)(g_get_monotonic_time() - t0) / 1000.0);
	ok = TRUE;
	goto out;

fatal:
	rd_store_rollback(store);
	g_prefix_error(error, "the database is not usable: ");
out:
	if (counts_r != NULL) {
		RdSweepCounts c = { s.stages, s.reminders, s.holding, s.overdue, s.ack_overdue, s.failures, moved };
		*counts_r = c;
	}
	note_outcome(&s, ok, error);
	return ok;
}
