/*
 * learning.c — the rules of learning actions (README "Learning actions"):
 * which status may follow which, who may move an action, and on which
 * days its owner and the complaints manager hear of it. Pure: GLib and
 * the calendar, no store, no clock of its own.
 *
 *     proposed ──agree──▶ agreed ──done──▶ done ──verify──▶ verified
 *        └──────────done──────────────────▲
 *     drop: from proposed, agreed or done ──▶ dropped
 *
 * An action is open while proposed or agreed: it has a target day, and
 * its owner is reminded RD_LEARNING_REMIND_DAYS working days before it, told
 * on the first working day after it that it has passed, and the complaints
 * manager is told once, RD_LEARNING_ESCALATE_DAYS working days after it, if
 * it is still open then. A new target day (#extend) earns a new reminder
 * and overdue letter, never a second escalation. Done (evidence given) and
 * then verified by a manager closes it; dropped ends it unfinished.
 *
 * Who: the owner may mark it done and move its date; agreeing, verifying
 * and dropping are a manager's (a complaints manager, or the manager who
 * authorised it). The command line is a manager.
 */
#include <string.h>

#include "procedure.h"

static const char *const status_names[] = {
	"proposed", "agreed", "done", "verified", "dropped",
};
G_STATIC_ASSERT(G_N_ELEMENTS(status_names) == RD_LEARNING_N_STATUS);

static const char *const move_names[] = {
	"agree", "done", "verify", "drop", "extend",
};
G_STATIC_ASSERT(G_N_ELEMENTS(move_names) == RD_LEARNING_N_MOVES);

const char *
rd_learning_status_to_string(RdLearningStatus s)
{
	return (guint)s < RD_LEARNING_N_STATUS ? status_names[s] : "unknown";
}

gboolean
rd_learning_status_from_string(const char *s, RdLearningStatus *s_r)
{
	for (guint i = 0; s != NULL && i < RD_LEARNING_N_STATUS; i++) {
		if (g_ascii_strcasecmp(s, status_names[i]) == 0) {
			if (s_r != NULL)
				*s_r = (RdLearningStatus)i;
			return TRUE;
		}
	}
	return FALSE;
}

const char *
rd_learning_move_to_string(RdLearningMove m)
{
	return (guint)m < RD_LEARNING_N_MOVES ? move_names[m] : "unknown";
}

gboolean
rd_learning_status_open(RdLearningStatus s)
{
	return s == RD_LEARNING_PROPOSED || s == RD_LEARNING_AGREED;
}

gboolean
rd_learning_move(RdLearningStatus from, RdLearningMove m, RdLearningStatus *to_r, const char **why_r)
{
	const char *why = NULL;
	RdLearningStatus to = from;
	switch (m) {
	case RD_LEARNING_MOVE_AGREE:
		if (from == RD_LEARNING_PROPOSED)
			to = RD_LEARNING_AGREED;
		else
			why = from == RD_LEARNING_AGREED ? "it is agreed already" : "only a proposed action can be agreed";
		break;
	case RD_LEARNING_MOVE_DONE:
		if (rd_learning_status_open(from))
			to = RD_LEARNING_DONE;
		else
			why = from == RD_LEARNING_DONE || from == RD_LEARNING_VERIFIED ? "it is done already"
			                                                             : "it was dropped";
		break;
	case RD_LEARNING_MOVE_VERIFY:
		if (from == RD_LEARNING_DONE)
			to = RD_LEARNING_VERIFIED;
		else
			why = from == RD_LEARNING_VERIFIED ? "it is verified already"
			      : from == RD_LEARNING_DROPPED ? "it was dropped"
			                                  : "only an action marked done can be verified: its owner "
			                                    "marks it done with the evidence first";
		break;
	case RD_LEARNING_MOVE_DROP:
		if (rd_learning_status_open(from) || from == RD_LEARNING_DONE)
			to = RD_LEARNING_DROPPED;
		else
			why = from == RD_LEARNING_DROPPED ? "it was dropped already" : "a verified action stays verified";
		break;
	case RD_LEARNING_MOVE_EXTEND:
		if (!rd_learning_status_open(from))
			why = "only an open (proposed or agreed) action has a target date to move";
		break;
	default:
		why = "no such change";
		break;
	}
	if (why != NULL) {
		if (why_r != NULL)
			*why_r = why;
		return FALSE;
	}
	if (to_r != NULL)
		*to_r = to;
	return TRUE;
}

gboolean
rd_learning_may(RdLearningMove m, const RdLearningActor *who, const char **why_r)
{
	gboolean manager = who->manager || who->authoriser;
	switch (m) {
	case RD_LEARNING_MOVE_DONE:
	case RD_LEARNING_MOVE_EXTEND:
		if (who->owner || manager)
			return TRUE;
		*why_r = "only the action's owner or a complaints manager may do this";
		return FALSE;
	case RD_LEARNING_MOVE_AGREE:
	case RD_LEARNING_MOVE_VERIFY:
	case RD_LEARNING_MOVE_DROP:
	default:
		if (manager)
			return TRUE;
		*why_r = "only a complaints manager or the manager who authorised the action may do this";
		return FALSE;
	}
}

/* The day @n working days before @due (counting back, @due not counted). */
static void
working_days_before(const RdCalendar *cal, const GDate *due, guint n, GDate *out)
{
	*out = *due;
	guint counted = 0;
	/* Bounded: a year of closures could not hide n working days. */
	for (guint i = 0; counted < n && i < 400; i++) {
		if (g_date_get_julian(out) <= 1)
			break;
		g_date_subtract_days(out, 1);
		if (rd_calendar_is_working_day(cal, out))
			counted++;
	}
}

void
rd_learning_days(const RdCalendar *cal, const GDate *due, RdLearningDays *out)
{
	working_days_before(cal, due, RD_LEARNING_REMIND_DAYS, &out->remind);
	if (!rd_calendar_add_working_days(cal, due, 1, &out->overdue))
		out->overdue = *due;
	if (!rd_calendar_add_working_days(cal, due, RD_LEARNING_ESCALATE_DAYS, &out->escalate))
		out->escalate = out->overdue;
}

void
rd_learning_sweep(const RdCalendar *cal, const RdLearningState *a, const GDate *today, RdLearningDue *out)
{
	memset(out, 0, sizeof(*out));
	GDate due;
	if (!rd_learning_status_open(a->status) || a->due == NULL || !rd_date_parse_iso(a->due, &due))
		return;
	RdLearningDays d;
	rd_learning_days(cal, &due, &d);
	gboolean reminded = g_strcmp0(a->reminded_for, a->due) == 0;
	gboolean told_overdue = g_strcmp0(a->overdue_for, a->due) == 0;
	if (g_date_compare(today, &d.overdue) >= 0) {
		out->overdue = !told_overdue;
		out->escalate = !a->escalated && g_date_compare(today, &d.escalate) >= 0;
	} else if (g_date_compare(today, &d.remind) >= 0) {
		out->remind = !reminded;
	}
}
