/*
 * sweep.c — which deadline actions are due today for one open stage.
 *
 * The daemon sweeps every open stage (at start-up, then on a timer) and
 * asks this file what is due. The answer depends only on the profile, the
 * calendar, today's London date, the stage's dates and the set of actions
 * already done, so a sweep can be repeated as often as wanted: each action
 * carries an idempotency key, the caller records the key when the action
 * is done (in the same transaction as the letter or alert it queues), and
 * a later sweep that is told the key leaves the action out.
 *
 * The life of a stage's response deadline:
 *
 *   reminder lead          response_due         auto extension      
 *   ------|------------------------|--------------------|---------------
 *         reminder (handler)       holding reply        overdue (handler
 *                                  (complainant,        and manager)
 *                                  unless staff sent
 *                                  their own)
 *
 * With no automatic extension (extension_days 0) the overdue alert follows
 * response_due directly; once an extension is recorded it follows
 * extended_to, and the reminder is given again before that date (its key
 * names the date it is about).
 */
#include <string.h>

#include "procedure-private.h"

static const char *const action_names[] = {
	[RD_ACTION_ACK_OVERDUE] = "ack-overdue",
	[RD_ACTION_REMINDER] = "reminder",
	[RD_ACTION_HOLDING_REPLY] = "holding-reply",
	[RD_ACTION_OVERDUE] = "overdue",
};

const char *
rd_action_kind_to_string(RdActionKind k)
{
	g_return_val_if_fail((guint)k < G_N_ELEMENTS(action_names), NULL);
	return action_names[k];
}

void
rd_action_free(RdAction *a)
{
	if (a == NULL)
		return;
	g_free(a->key);
	g_free(a);
}

static gboolean
fired_has(const char *const *fired, const char *key)
{
	for (guint i = 0; fired != NULL && fired[i] != NULL; i++) {
		if (strcmp(fired[i], key) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Append an action unless its key (newly allocated, taken) has fired. */
static void
add(GPtrArray *out, const char *const *fired, RdActionKind kind, char *key,
    const GDate *due, const GDate *new_due)
{
	if (fired_has(fired, key)) {
		g_free(key);
		return;
	}
	RdAction *a = g_new0(RdAction, 1);
	a->kind = kind;
	a->key = key;
	a->due = *due;
	if (new_due != NULL)
		a->new_due = *new_due;
	else
		g_date_clear(&a->new_due, 1);
	g_ptr_array_add(out, a);
}

static char *
dated_key(guint stage, const char *what, const GDate *d)
{
	g_autofree char *s = rd_date_format_iso(d);
	return g_strdup_printf("s%u/%s/%s", stage, what, s);
}

GPtrArray *
rd_stage_sweep(const RdProfile *p, const RdCalendar *cal,
               const RdStageDates *d, const GDate *today,
               const char *const *fired)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)rd_action_free);

	g_return_val_if_fail(p != NULL && cal != NULL && d != NULL, out);
	g_return_val_if_fail(today != NULL && g_date_valid(today), out);

	const RdStageRules *r = rd_profile_stage_rules(p, d->stage, NULL);
	if (r == NULL || g_date_valid(&d->responded))
		return out;

	if (g_date_valid(&d->ack_due) && !g_date_valid(&d->ack_sent) &&
	    g_date_compare(today, &d->ack_due) > 0)
		add(out, fired, RD_ACTION_ACK_OVERDUE,
		    g_strdup_printf("s%u/ack-overdue", d->stage), &d->ack_due, NULL);

	if (!g_date_valid(&d->response_due))
		return out;

	gboolean extended = g_date_valid(&d->extended_to);
	const GDate *due = extended ? &d->extended_to : &d->response_due;

	GDate remind_from;
	if (p->reminder_days > 0 && g_date_compare(today, due) < 0 &&
	    rd_working_days_before(cal, due, p->reminder_days, &remind_from) &&
	    g_date_compare(today, &remind_from) >= 0)
		add(out, fired, RD_ACTION_REMINDER,
		    dated_key(d->stage, "reminder", due), due, NULL);

	/* The automatic extension, when the profile grants one and staff have
	 * not already extended. */
	GDate auto_to;
	gboolean automatic = !extended && r->extension_days > 0 &&
	                     rd_calendar_add_working_days(cal, &d->response_due,
	                                                  r->extension_days, &auto_to);
	if (automatic && g_date_compare(today, &d->response_due) >= 0 &&
	    g_date_compare(today, &auto_to) <= 0)
		add(out, fired, RD_ACTION_HOLDING_REPLY,
		    dated_key(d->stage, "holding", &d->response_due), &d->response_due, &auto_to);

	const GDate *final = extended ? &d->extended_to
	                     : automatic ? &auto_to : &d->response_due;
	if (g_date_compare(today, final) > 0)
		add(out, fired, RD_ACTION_OVERDUE,
		    dated_key(d->stage, "overdue", final), final, NULL);

	return out;
}
