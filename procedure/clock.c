/*
 * clock.c — the due dates of one stage of a complaint.
 *
 * Given a profile, a calendar and what has happened so far (when the stage
 * was received, whether and when it was acknowledged), work out when the
 * acknowledgement, the department notice and the response are due, and
 * how far the response may be extended. Every date is a London calendar
 * date (GDate); working days come from the RdCalendar.
 *
 * The rules, as docs/procedure.md §1.8, §2.9 and §2.10 state them:
 *
 *  - "ack N WD after receipt" is the N-th working day after the receipt
 *    day, which rd_calendar_receipt_day() has already moved past weekends,
 *    holidays and the cut-off time;
 *  - a reply counted "from the date of acknowledgement" (LGSCO/HOS 2024)
 *    is the N-th working day after the acknowledgement was sent; until it
 *    is sent, the latest date it may be sent (ack_due) stands in, and the
 *    result is marked provisional;
 *  - adult social care's six months begin on the day of receipt, so they
 *    end the day before the same date six months on; a deadline on a
 *    non-working day is brought back to the working day before it;
 *  - an extension is counted in working days from the response due date
 *    before any extension.
 *
 * Nothing here stores anything; recompute after a calendar change is the
 * same computation run again, keeping what has already been met.
 */
#include "procedure-private.h"

/* ---- shared helpers ------------------------------------------------------- */

const RdStageRules *
rd_profile_stage_rules(const RdProfile *p, guint stage, GError **error)
{
	if (stage == 1)
		return &p->stage[0];
	if (stage == 2 && p->has_stage2)
		return &p->stage[1];
	g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_NO_STAGE,
	            "the %s profile has no Stage %u", p->name, stage);
	return NULL;
}

gboolean
rd_working_days_after(const RdCalendar *cal, const GDate *from, guint n,
                      GDate *out, GError **error)
{
	if (rd_calendar_add_working_days(cal, from, n, out))
		return TRUE;
	g_autofree char *s = rd_date_format_iso(from);
	g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_RANGE,
	            "%u working days after %s lies beyond the year 9999", n, s);
	return FALSE;
}

gboolean
rd_working_days_before(const RdCalendar *cal, const GDate *from, guint n,
                       GDate *out)
{
	GDate d = *from;
	guint counted = 0;

	if (n == 0) {
		while (!rd_calendar_is_working_day(cal, &d)) {
			if (g_date_get_julian(&d) <= 1)
				return FALSE;
			g_date_subtract_days(&d, 1);
		}
		*out = d;
		return TRUE;
	}
	while (counted < n) {
		if (g_date_get_julian(&d) <= 1)
			return FALSE;
		g_date_subtract_days(&d, 1);
		if (rd_calendar_is_working_day(cal, &d))
			counted++;
	}
	*out = d;
	return TRUE;
}

gboolean
rd_date_same(const GDate *a, const GDate *b)
{
	gboolean va = g_date_valid(a), vb = g_date_valid(b);
	if (!va || !vb)
		return va == vb;
	return g_date_compare(a, b) == 0;
}

static char *
iso(const GDate *d)
{
	return rd_date_format_iso(d);
}

/* ---- dates -------------------------------------------------------------------- */

void
rd_stage_dates_init(RdStageDates *d, guint stage)
{
	g_return_if_fail(d != NULL);

	d->stage = stage;
	d->provisional = FALSE;
	g_date_clear(&d->received, 1);
	g_date_clear(&d->ack_due, 1);
	g_date_clear(&d->ack_sent, 1);
	g_date_clear(&d->response_due, 1);
	g_date_clear(&d->dept_notice_due, 1);
	g_date_clear(&d->extension_cap, 1);
	g_date_clear(&d->extended_to, 1);
	g_date_clear(&d->responded, 1);
}

gboolean
rd_date_london(GDateTime *t, GDate *out)
{
	g_return_val_if_fail(t != NULL && out != NULL, FALSE);

	g_autoptr(GTimeZone) tz = g_time_zone_new_identifier("Europe/London");
	if (tz == NULL)
		tz = g_time_zone_new_utc();
	g_autoptr(GDateTime) local = g_date_time_to_timezone(t, tz);
	if (local == NULL)
		return FALSE;
	g_date_clear(out, 1);
	g_date_set_dmy(out, (GDateDay)g_date_time_get_day_of_month(local),
	               (GDateMonth)g_date_time_get_month(local),
	               (GDateYear)g_date_time_get_year(local));
	return TRUE;
}

/* The last working day of @months months beginning on @received. */
static gboolean
months_due(const RdCalendar *cal, const GDate *received, guint months,
           GDate *out, GError **error)
{
	if (g_date_get_year(received) + months / 12 + 1 > 9999) {
		g_autofree char *s = iso(received);
		g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_RANGE,
		            "%u months after %s lies beyond the year 9999", months, s);
		return FALSE;
	}
	GDate end = *received;
	g_date_add_months(&end, months);   /* 31 Aug + 6: 28 (29) Feb */
	g_date_subtract_days(&end, 1);
	if (!rd_working_days_before(cal, &end, 0, out)) {
		g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_RANGE,
		            "no working day before the end of the period");
		return FALSE;
	}
	return TRUE;
}

/* The day an acknowledgement sent on @sent starts the reply clock: the
 * working day it stands for, and never before the receipt day. */
static gboolean
ack_base(const RdCalendar *cal, const GDate *received, const GDate *sent,
         GDate *out, GError **error)
{
	GDate b;
	if (!rd_working_days_after(cal, sent, 0, &b, error))
		return FALSE;
	*out = g_date_compare(&b, received) < 0 ? *received : b;
	return TRUE;
}

gboolean
rd_stage_compute(const RdProfile *p, const RdCalendar *cal, RdStageDates *d,
                 GError **error)
{
	g_return_val_if_fail(p != NULL && cal != NULL && d != NULL, FALSE);
	g_return_val_if_fail(g_date_valid(&d->received), FALSE);

	const RdStageRules *r = rd_profile_stage_rules(p, d->stage, error);
	if (r == NULL)
		return FALSE;

	RdStageDates t = *d;
	t.provisional = FALSE;
	g_date_clear(&t.ack_due, 1);
	g_date_clear(&t.dept_notice_due, 1);
	g_date_clear(&t.extension_cap, 1);

	if (r->ack_days > 0 &&
	    !rd_working_days_after(cal, &t.received, r->ack_days, &t.ack_due, error))
		return FALSE;

	if (r->response_months > 0) {
		if (!months_due(cal, &t.received, r->response_months, &t.response_due, error))
			return FALSE;
	} else {
		GDate base = t.received;
		if (r->base == RD_CLOCK_ACK && g_date_valid(&t.ack_sent)) {
			if (!ack_base(cal, &t.received, &t.ack_sent, &base, error))
				return FALSE;
		} else if (r->base == RD_CLOCK_ACK && g_date_valid(&t.ack_due)) {
			base = t.ack_due;
			t.provisional = TRUE;
		}
		if (!rd_working_days_after(cal, &base, r->response_days, &t.response_due, error))
			return FALSE;
	}

	if (r->dept_notice_days > 0 &&
	    !rd_working_days_after(cal, &t.received, r->dept_notice_days,
	                           &t.dept_notice_due, error))
		return FALSE;

	if (!r->extension_by_agreement &&
	    !rd_working_days_after(cal, &t.response_due, r->extension_days,
	                           &t.extension_cap, error))
		return FALSE;

	*d = t;
	return TRUE;
}

gboolean
rd_stage_keep_promise(const RdProfile *p, const RdCalendar *cal, RdStageDates *d, const GDate *promised)
{
	g_return_val_if_fail(p != NULL && cal != NULL && d != NULL, FALSE);
	if (promised == NULL || !g_date_valid(promised) || !g_date_valid(&d->response_due) ||
	    g_date_valid(&d->extended_to))
		return FALSE;
	const RdStageRules *r = rd_profile_stage_rules(p, d->stage, NULL);
	if (r == NULL || r->base != RD_CLOCK_ACK || r->response_months > 0 ||
	    g_date_compare(&d->response_due, promised) <= 0)
		return FALSE;
	d->response_due = *promised;
	g_date_clear(&d->extension_cap, 1);
	/* A calendar that cannot count from it leaves no cap, as a profile
	 * extended by agreement has none. */
	if (!r->extension_by_agreement &&
	    !rd_working_days_after(cal, &d->response_due, r->extension_days, &d->extension_cap, NULL))
		g_date_clear(&d->extension_cap, 1);
	return TRUE;
}

gboolean
rd_stage_receive(const RdProfile *p, const RdCalendar *cal, guint stage,
                 GDateTime *received, int cutoff_hour, int cutoff_minute,
                 RdStageDates *out, GError **error)
{
	g_return_val_if_fail(p != NULL && cal != NULL, FALSE);
	g_return_val_if_fail(received != NULL && out != NULL, FALSE);

	RdStageDates t;
	rd_stage_dates_init(&t, stage);
	if (!rd_calendar_receipt_day(cal, received, cutoff_hour, cutoff_minute,
	                             &t.received)) {
		g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_RANGE,
		            "the time of receipt is out of range");
		return FALSE;
	}
	if (!rd_stage_compute(p, cal, &t, error))
		return FALSE;
	*out = t;
	return TRUE;
}

/* ---- extensions ------------------------------------------------------------- */

gboolean
rd_stage_extend(const RdProfile *p, const RdCalendar *cal,
                const RdStageDates *d, const GDate *requested, GDate *new_r,
                GError **error)
{
	g_return_val_if_fail(p != NULL && cal != NULL && d != NULL, FALSE);
	g_return_val_if_fail(g_date_valid(&d->response_due), FALSE);
	g_return_val_if_fail(requested == NULL || g_date_valid(requested), FALSE);
	g_return_val_if_fail(new_r != NULL, FALSE);

	const RdStageRules *r = rd_profile_stage_rules(p, d->stage, error);
	if (r == NULL)
		return FALSE;
	g_autofree char *due_s = iso(&d->response_due);

	if (r->extension_days == 0 && !r->extension_by_agreement) {
		g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_NO_EXTENSION,
		            "the %s profile allows no extension at Stage %u",
		            p->name, d->stage);
		return FALSE;
	}

	GDate cap;
	g_date_clear(&cap, 1);
	if (r->extension_days > 0 &&
	    !rd_working_days_after(cal, &d->response_due, r->extension_days, &cap, error))
		return FALSE;

	if (requested == NULL) {
		if (r->extension_days == 0) {
			g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_NO_EXTENSION,
			            "the %s profile has no standard extension at Stage %u: "
			            "give the date agreed with the complainant",
			            p->name, d->stage);
			return FALSE;
		}
		*new_r = cap;
		return TRUE;
	}

	g_autofree char *req_s = iso(requested);
	if (g_date_compare(requested, &d->response_due) <= 0) {
		g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_INVALID,
		            "the new date %s must be after the response due date %s",
		            req_s, due_s);
		return FALSE;
	}
	if (!r->extension_by_agreement && g_date_compare(requested, &cap) > 0) {
		g_autofree char *cap_s = iso(&cap);
		g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_CAP,
		            "%s exceeds the extension cap: the latest date allowed is %s "
		            "(%u working days after %s)",
		            req_s, cap_s, r->extension_days, due_s);
		return FALSE;
	}
	*new_r = *requested;
	return TRUE;
}

/* ---- recompute -------------------------------------------------------------- */

gboolean
rd_stage_recompute(const RdProfile *p, const RdCalendar *cal,
                   const RdStageDates *old, RdStageDates *new_r,
                   gboolean *moved_r, GError **error)
{
	g_return_val_if_fail(p != NULL && cal != NULL && old != NULL, FALSE);
	g_return_val_if_fail(g_date_valid(&old->received) && new_r != NULL, FALSE);

	RdStageDates fresh = *old;
	if (!rd_working_days_after(cal, &old->received, 0, &fresh.received, error))
		return FALSE;
	if (!rd_stage_compute(p, cal, &fresh, error))
		return FALSE;

	/* Keep what has been met: the acknowledgement's deadline once it is
	 * sent, the rest once there is a response. */
	RdStageDates t = *old;
	t.received = fresh.received;
	if (!g_date_valid(&old->ack_sent))
		t.ack_due = fresh.ack_due;
	if (!g_date_valid(&old->responded)) {
		t.response_due = fresh.response_due;
		t.provisional = fresh.provisional;
		t.dept_notice_due = fresh.dept_notice_due;
		t.extension_cap = fresh.extension_cap;
	}

	if (moved_r != NULL) {
		*moved_r = !rd_date_same(&t.received, &old->received) ||
		           !rd_date_same(&t.ack_due, &old->ack_due) ||
		           !rd_date_same(&t.response_due, &old->response_due) ||
		           !rd_date_same(&t.dept_notice_due, &old->dept_notice_due) ||
		           !rd_date_same(&t.extension_cap, &old->extension_cap);
	}
	*new_r = t;
	return TRUE;
}
