/*
 * learning.c — learning actions as casework: making one, moving it on,
 * and the sweep's letters about it (README "Learning actions").
 *
 * The rules (which status follows which, who may, on which days the
 * letters go) are procedure/learning.c's; the rows are store/actions.c's.
 * Every change is an action_events row naming who made it, written in the
 * same transaction as the change. `redress actions`, staff mail (#action
 * on a case, #done, #verified, #extend in a reply to an action's letter)
 * and the sweep all come through here.
 */
#include <string.h>
#include "casework/casework.h"

/* The complaints manager: [council] complaints_manager, else the first
 * member with that role; NULL when there is none. */
static const char *
complaints_manager(const RdConfig *cfg)
{
	if (cfg->complaints_manager != NULL)
		return cfg->complaints_manager;
	for (guint i = 0; cfg->staff != NULL && i < cfg->staff->len; i++) {
		const RdStaffMember *m = cfg->staff->pdata[i];
		if (m->role == RD_STAFF_COMPLAINTS_MANAGER)
			return m->email;
	}
	return NULL;
}

static gboolean
is_address(const char *s)
{
	const char *at = s != NULL ? strchr(s, '@') : NULL;
	return at != NULL && at != s && at[1] != '\0' && strchr(at + 1, '@') == NULL && strchr(s, ' ') == NULL;
}

static char *
today_of(gint64 at)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(at);
	GDate d;
	rd_date_london(dt, &d);
	return rd_date_format_iso(&d);
}

gboolean
rd_casework_action_add_in(RdCasework *cw, const RdActionRequest *q, RdLearningAction **a_r, GError **error)
{
	RdStore *store = rd_casework_store(cw);
	const RdConfig *cfg = rd_casework_config(cw);
	if (a_r != NULL)
		*a_r = NULL;
	if (q->text == NULL || *q->text == '\0')
		return rd_casework_refused(error, "say what will change");
	if (!is_address(q->owner))
		return rd_casework_refused(error, "the owner must be an email address (who will make the change)");
	if (q->authorised_by != NULL && !is_address(q->authorised_by))
		return rd_casework_refused(error, "--authorised-by must be the manager's email address");
	GDate due;
	if (q->due == NULL || !rd_date_parse_iso(q->due, &due))
		return rd_casework_refused(error, "the target date must be a day, YYYY-MM-DD");
	g_autofree char *today = today_of(q->at);
	g_autofree char *due_s = rd_date_format_iso(&due);
	if (strcmp(due_s, today) < 0)
		return rd_casework_refused(error, "the target date %s has passed already", due_s);
	gboolean any_case = q->cases != NULL && q->cases[0] != NULL;
	if (!any_case && (q->service == NULL || *q->service == '\0'))
		return rd_casework_refused(error, "an action belongs to a case (--case REF) or a service (--service NAME)");

	g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func((GDestroyNotify)rd_case_free);
	for (guint i = 0; any_case && q->cases[i] != NULL; i++) {
		g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func(g_free);
		rd_refs_find(cfg->reference_prefix, q->cases[i], refs);
		const char *ref = refs->len > 0 ? refs->pdata[0] : q->cases[i];
		RdCase *c = NULL;
		if (!rd_store_case_get_by_ref(store, ref, &c, error))
			return FALSE;
		if (c == NULL)
			return rd_casework_refuse(error, RD_CASEWORK_ERROR_NO_CASE, "no case %s (list them with: redress cases)",
			                          q->cases[i]);
		g_ptr_array_add(cases, c);
	}
	const char *service = q->service;
	for (guint i = 0; service == NULL && i < cases->len; i++)
		service = ((RdCase *)cases->pdata[i])->service;

	RdLearningAction n = { 0 };
	n.text = (char *)q->text;
	g_autofree char *owner = g_ascii_strdown(q->owner, -1);
	g_autofree char *auth = q->authorised_by ? g_ascii_strdown(q->authorised_by, -1) : NULL;
	n.owner = owner;
	n.authorised_by = auth;
	n.due = due_s;
	n.status = (char *)rd_learning_status_to_string(auth != NULL ? RD_LEARNING_AGREED : RD_LEARNING_PROPOSED);
	n.publishable = q->publishable;
	n.service = (char *)service;
	n.created_by = (char *)(q->actor ? q->actor : "redress");
	n.created_at = q->at;
	gint64 id = rd_store_action_insert(store, &n, error);
	if (id == 0)
		return FALSE;
	g_autoptr(GString) refs = g_string_new(NULL);
	for (guint i = 0; i < cases->len; i++) {
		const RdCase *c = cases->pdata[i];
		if (!rd_store_action_link_case(store, id, c->id, error))
			return FALSE;
		g_string_append_printf(refs, "%s%s", i ? ", " : "", c->reference);
		g_autofree char *what = g_strdup_printf("Learning action %" G_GINT64_FORMAT " (owner %s, by %s): %s", id,
		                                        owner, due_s, q->text);
		if (rd_store_event_add(store, c->id, q->at, n.created_by, "learning-action", what, q->msg_id, error) == 0)
			return FALSE;
	}
	g_autofree char *what = g_strdup_printf(
		"Action %" G_GINT64_FORMAT " %s: owner %s, target %s%s%s%s%s%s%s.", id, n.status, owner, due_s,
		auth ? ", authorised by " : "", auth ? auth : "", service ? ", service " : "", service ? service : "",
		refs->len ? ", cases " : "", refs->str);
	if (rd_store_action_event_add(store, id, q->at, n.created_by, "action-added", what, q->msg_id, error) == 0)
		return FALSE;
	return a_r == NULL || rd_store_action_get(store, id, a_r, error);
}

gboolean
rd_casework_action_add(RdCasework *cw, const RdActionRequest *q, RdLearningAction **a_r, GError **error)
{
	RdStore *store = rd_casework_store(cw);
	if (!rd_store_begin(store, error))
		return FALSE;
	if (!rd_casework_action_add_in(cw, q, a_r, error) || !rd_store_commit(store, error)) {
		rd_store_rollback(store);
		if (a_r != NULL)
			g_clear_pointer(a_r, rd_learning_action_free);
		return FALSE;
	}
	return TRUE;
}

gboolean
rd_casework_action_change_in(RdCasework *cw, const RdActionChange *ch, char **done_r, GError **error)
{
	RdStore *store = rd_casework_store(cw);
	const RdCalendar *cal = rd_rules_calendar(rd_casework_rules(cw));
	if (done_r != NULL)
		*done_r = NULL;
	g_autoptr(RdLearningAction) a = NULL;
	if (!rd_store_action_get(store, ch->id, &a, error))
		return FALSE;
	if (a == NULL)
		return rd_casework_refuse(error, RD_CASEWORK_ERROR_NO_CASE,
		                          "no action %" G_GINT64_FORMAT " (list them with: redress actions list)", ch->id);
	RdLearningStatus from, to;
	if (!rd_learning_status_from_string(a->status, &from))
		return rd_casework_refused(error, "action %" G_GINT64_FORMAT " has an unknown status %s", a->id,
		                           a->status);
	const char *why = NULL;
	RdLearningActor who = ch->who;
	if (ch->actor != NULL) {
		who.owner |= g_ascii_strcasecmp(ch->actor, a->owner) == 0;
		who.authoriser |= a->authorised_by != NULL && g_ascii_strcasecmp(ch->actor, a->authorised_by) == 0;
	}
	if (!rd_learning_may(ch->move, &who, &why))
		return rd_casework_refused(error, "%s", why);
	if (!rd_learning_move(from, ch->move, &to, &why))
		return rd_casework_refused(error, "action %" G_GINT64_FORMAT " is %s: %s", a->id, a->status, why);

	g_autofree char *what = NULL;
	const char *type = NULL;
	switch (ch->move) {
	case RD_LEARNING_MOVE_AGREE:
		if (a->authorised_by == NULL && ch->actor != NULL && strchr(ch->actor, '@') != NULL)
			a->authorised_by = g_ascii_strdown(ch->actor, -1);
		type = "action-agreed";
		what = g_strdup_printf("Action %" G_GINT64_FORMAT " agreed%s%s.", a->id,
		                       a->authorised_by ? ", authorised by " : "", a->authorised_by ? a->authorised_by : "");
		break;
	case RD_LEARNING_MOVE_DONE:
		if (ch->evidence == NULL || *ch->evidence == '\0')
			return rd_casework_refused(error, "say what shows it was done (the evidence)");
		g_free(a->evidence);
		a->evidence = g_strdup(ch->evidence);
		g_free(a->done_on);
		a->done_on = today_of(ch->at);
		type = "action-done";
		what = g_strdup_printf("Action %" G_GINT64_FORMAT " done: %s", a->id, ch->evidence);
		break;
	case RD_LEARNING_MOVE_VERIFY:
		type = "action-verified";
		what = g_strdup_printf("Action %" G_GINT64_FORMAT " verified%s%s.", a->id, ch->reason ? ": " : "",
		                       ch->reason ? ch->reason : "");
		break;
	case RD_LEARNING_MOVE_DROP:
		type = "action-dropped";
		what = g_strdup_printf("Action %" G_GINT64_FORMAT " dropped%s%s.", a->id, ch->reason ? ": " : "",
		                       ch->reason ? ch->reason : "");
		break;
	case RD_LEARNING_MOVE_EXTEND: {
		GDate d;
		if (ch->date == NULL || !rd_date_parse_iso(ch->date, &d))
			return rd_casework_refused(error, "the new target date must be a day, YYYY-MM-DD");
		if (ch->reason == NULL || *ch->reason == '\0')
			return rd_casework_refused(error, "say why the target date moves");
		g_autofree char *today = today_of(ch->at);
		g_autofree char *nd = rd_date_format_iso(&d);
		if (strcmp(nd, today) < 0 || strcmp(nd, a->due) <= 0)
			return rd_casework_refused(error, "the new target date must be after %s and not past",
			                           a->due);
		(void)cal;
		type = "action-extended";
		what = g_strdup_printf("Action %" G_GINT64_FORMAT " target date moved from %s to %s: %s", a->id, a->due,
		                       nd, ch->reason);
		g_free(a->due);
		a->due = g_steal_pointer(&nd);
		break;
	}
	default:
		return rd_casework_refused(error, "no such change");
	}
	g_free(a->status);
	a->status = g_strdup(rd_learning_status_to_string(to));
	a->updated_at = ch->at;
	if (!rd_store_action_update(store, a, error) ||
	    rd_store_action_event_add(store, a->id, ch->at, ch->actor ? ch->actor : "redress", type, what, ch->msg_id,
	                              error) == 0)
		return FALSE;
	if (done_r != NULL)
		*done_r = g_steal_pointer(&what);
	return TRUE;
}

gboolean
rd_casework_action_change(RdCasework *cw, const RdActionChange *ch, char **done_r, GError **error)
{
	RdStore *store = rd_casework_store(cw);
	if (!rd_store_begin(store, error))
		return FALSE;
	if (!rd_casework_action_change_in(cw, ch, done_r, error) || !rd_store_commit(store, error)) {
		rd_store_rollback(store);
		if (done_r != NULL)
			g_clear_pointer(done_r, g_free);
		return FALSE;
	}
	return TRUE;
}

static gboolean
publish_in(RdStore *store, gint64 id, gboolean on, const char *actor, gint64 at, GError **error)
{
	g_autoptr(RdLearningAction) a = NULL;
	if (!rd_store_action_get(store, id, &a, error))
		return FALSE;
	if (a == NULL)
		return rd_casework_refuse(error, RD_CASEWORK_ERROR_NO_CASE,
		                          "no action %" G_GINT64_FORMAT " (list them with: redress actions list)", id);
	a->publishable = on;
	a->updated_at = at;
	g_autofree char *what = g_strdup_printf("Action %" G_GINT64_FORMAT " %s.", id,
	                                        on ? "may be published" : "is not to be published");
	return rd_store_action_update(store, a, error) &&
	       rd_store_action_event_add(store, id, at, actor, on ? "action-publishable" : "action-unpublishable", what,
	                                 0, error) != 0;
}

gboolean
rd_casework_action_publish(RdCasework *cw, gint64 id, gboolean on, const char *actor, gint64 at, GError **error)
{
	RdStore *store = rd_casework_store(cw);
	if (!rd_store_begin(store, error))
		return FALSE;
	if (!publish_in(store, id, on, actor, at, error) || !rd_store_commit(store, error)) {
		rd_store_rollback(store);
		return FALSE;
	}
	return TRUE;
}

/* ---- the sweep's part ------------------------------------------------------ */

/* Queue one letter about @a and note it; FALSE only when the store failed
 * (a letter that cannot be written is an event on the action). */
static gboolean
sweep_letter(RdStore *store, RdRules *rules, RdLearningAction *a, const char *name, const char *key_tail,
             const char *to, gint64 now, GString *told, GError **error)
{
	g_autofree char *key = g_strdup_printf("action/%" G_GINT64_FORMAT "/%s", a->id, key_tail);
	RdActionLetter l = { name, key, a, to };
	gboolean queued = FALSE;
	g_autoptr(GError) lerr = NULL;
	if (!rd_letters_queue_action(rd_rules_letters(rules), store, &l, now, &queued, &lerr)) {
		if (lerr != NULL && lerr->domain == RD_STORE_ERROR) {
			g_propagate_error(error, g_steal_pointer(&lerr));
			return FALSE;
		}
		g_autofree char *what = g_strdup_printf("Letter %s to %s could not be written: %s", name, to,
		                                        lerr ? lerr->message : "unknown error");
		return rd_store_action_event_add(store, a->id, now, "redress", "letter-not-written", what, 0, error) != 0;
	}
	if (!queued)
		return TRUE;
	g_autofree char *what = g_strdup_printf("Letter %s queued for %s.", name, to);
	g_string_append_printf(told, "%s%s", told->len ? " " : "", what);
	return rd_store_action_event_add(store, a->id, now, "redress", "letter-queued", what, 0, error) != 0;
}

/* The letters due for action @id, in the open transaction, which it
 * commits; FALSE (the caller rolls back) when the store failed. */
static gboolean
sweep_one(RdStore *store, RdRules *rules, const char *manager, gint64 id, const RdLearningDue *due, gint64 now,
          RdSweepFunc func, gpointer user_data, GError **error)
{
	g_autoptr(RdLearningAction) a = NULL;
	if (!rd_store_action_get(store, id, &a, error))
		return FALSE;
	if (a == NULL)
		return rd_store_commit(store, error);
	g_autoptr(GString) told = g_string_new(NULL);
	const char *what_kind = NULL;
	if (due->remind) {
		g_autofree char *tail = g_strdup_printf("reminder/%s", a->due);
		if (!sweep_letter(store, rules, a, "action-reminder", tail, a->owner, now, told, error))
			return FALSE;
		g_free(a->reminded_for);
		a->reminded_for = g_strdup(a->due);
		what_kind = "action-reminder";
	}
	if (due->overdue) {
		g_autofree char *tail = g_strdup_printf("overdue/%s", a->due);
		if (!sweep_letter(store, rules, a, "action-overdue", tail, a->owner, now, told, error))
			return FALSE;
		g_free(a->overdue_for);
		a->overdue_for = g_strdup(a->due);
		what_kind = "action-overdue";
	}
	if (due->escalate) {
		if (manager != NULL &&
		    !sweep_letter(store, rules, a, "action-escalated", "escalated", manager, now, told, error))
			return FALSE;
		if (manager == NULL)
			g_string_append(told, "Overdue, but there is no complaints manager to tell "
			                      "([council] complaints_manager).");
		a->escalated_at = now;
		what_kind = "action-escalated";
	}
	a->updated_at = now;
	if (!rd_store_action_update(store, a, error) || !rd_store_commit(store, error))
		return FALSE;
	if (func != NULL) {
		g_autofree char *who = g_strdup_printf("action %" G_GINT64_FORMAT, a->id);
		g_autofree char *key = g_strdup_printf("action/%" G_GINT64_FORMAT "/%s", a->id,
		                                       what_kind + strlen("action-"));
		RdSweepAction sa = { who, what_kind, key, told->len ? told->str : "nothing to send" };
		func(&sa, user_data);
	}
	return TRUE;
}

gboolean
rd_learning_sweep_run(RdStore *store, const RdConfig *cfg, RdRules *rules, gint64 now, RdSweepFunc func,
                      gpointer user_data, guint *letters_r, GError **error)
{
	if (letters_r != NULL)
		*letters_r = 0;
	g_autoptr(GPtrArray) open = rd_store_actions_list(store, TRUE, error);
	if (open == NULL)
		return FALSE;
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(now);
	GDate today;
	rd_date_london(dt, &today);
	const RdCalendar *cal = rd_rules_calendar(rules);
	const char *manager = complaints_manager(cfg);
	for (guint i = 0; i < open->len; i++) {
		const RdLearningAction *seen = open->pdata[i];
		RdLearningStatus status;
		if (!rd_learning_status_from_string(seen->status, &status))
			continue;
		RdLearningState st = { status, seen->due, seen->reminded_for, seen->overdue_for, seen->escalated_at != 0 };
		RdLearningDue due;
		rd_learning_sweep(cal, &st, &today, &due);
		if (!due.remind && !due.overdue && !due.escalate)
			continue;
		if (!rd_store_begin(store, error))
			return FALSE;
		if (!sweep_one(store, rules, manager, seen->id, &due, now, func, user_data, error)) {
			rd_store_rollback(store);
			return FALSE;
		}
		if (letters_r != NULL)
			(*letters_r)++;
	}
	return TRUE;
}
