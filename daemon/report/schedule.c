/*
 * schedule.c — when an oversight report is due (service/reports.c sends
 * it): the latest calendar quarter or financial year that has ended, and
 * the day it may go, some working days after its last day so that
 * responses recorded a little late are counted.
 *
 * Only the latest period of each kind is ever due. A daemon that was
 * stopped across a whole period, or a council that starts in December,
 * does not back-fill the periods before: senior officers asked for the
 * latest figures, and older ones are a `redress report send` away.
 */
#include "report/report.h"

/* The first day of the quarter or financial year @d is in. */
static void
period_start(RdReportPeriodKind kind, const GDate *d, GDate *start_r)
{
	int y = g_date_get_year(d), m = g_date_get_month(d);
	if (kind == RD_REPORT_QUARTER) {
		g_date_set_dmy(start_r, 1, (GDateMonth)((m - 1) / 3 * 3 + 1), (GDateYear)y);
		return;
	}
	if (m < G_DATE_APRIL)
		y--;
	g_date_set_dmy(start_r, 1, G_DATE_APRIL, (GDateYear)y);
}

void
rd_report_latest_period(RdReportPeriodKind kind, const GDate *today, GDate *from_r, GDate *to_r)
{
	/* The period before the one today is in: it ended yesterday at the
	 * latest. */
	GDate current;
	period_start(kind, today, &current);
	*to_r = current;
	g_date_subtract_days(to_r, 1);
	*from_r = current;
	g_date_subtract_months(from_r, kind == RD_REPORT_QUARTER ? 3 : 12);
}

void
rd_report_send_day(const RdCalendar *cal, const GDate *last, guint days, GDate *day_r)
{
	*day_r = *last;
	if (days == 0 || !rd_calendar_add_working_days(cal, last, days, day_r))
		g_date_add_days(day_r, 1);
}

gboolean
rd_report_due(RdReportPeriodKind kind, const RdCalendar *cal, const GDate *today, guint days, GDate *from_r,
              GDate *to_r)
{
	rd_report_latest_period(kind, today, from_r, to_r);
	GDate send;
	rd_report_send_day(cal, to_r, days, &send);
	return g_date_compare(today, &send) >= 0;
}

/* Whether @d is the last day of its month. */
static gboolean
last_of_month(const GDate *d)
{
	return g_date_get_day(d) == g_date_get_days_in_month(g_date_get_month(d), g_date_get_year(d));
}

char *
rd_report_period_name(const GDate *from, const GDate *to)
{
	int y = g_date_get_year(from), m = g_date_get_month(from);
	int months = (g_date_get_year(to) - y) * 12 + g_date_get_month(to) - m + 1;
	gboolean whole = g_date_get_day(from) == 1 && last_of_month(to);
	if (whole && months == 3 && (m - 1) % 3 == 0)
		return g_strdup_printf("%dQ%d", y, (m - 1) / 3 + 1);
	if (whole && months == 12 && m == G_DATE_APRIL)
		return g_strdup_printf("%d-%02d", y, (y + 1) % 100);
	if (whole && months == 12 && m == G_DATE_JANUARY)
		return g_strdup_printf("%d", y);
	return g_strdup_printf("%04d%02d%02d-%04d%02d%02d", y, m, g_date_get_day(from), g_date_get_year(to),
	                       g_date_get_month(to), g_date_get_day(to));
}
