/*
 * mail.c — the few figures a covering letter gives before the full
 * report attached to it: how many complaints came in and were closed,
 * and per stage how many were closed within the timescale and in how
 * many working days on average. Counted as the SPSO figures are (README
 * "Reports"), so the letter and the attachment agree. Counts only.
 */
#include "report/report.h"
#include "report/report-private.h"

/* "80.0": one decimal place, half up, whatever the locale. */
static char *
one_place(double x)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	return g_strdup(g_ascii_formatd(buf, sizeof buf, "%.1f", rd_report_round1(x)));
}

static void
add(GPtrArray *out, const char *name, char *value)
{
	g_ptr_array_add(out, g_strdup(name));
	g_ptr_array_add(out, value);
}

/* One stage's line: closed, within the timescale (number and %), and the
 * mean working days; the last two only when something was closed. */
static void
add_stage(GPtrArray *out, const char *stage, guint closed, guint within, double mean_days)
{
	g_autofree char *n_closed = g_strdup_printf("report.%s_closed", stage);
	g_autofree char *n_within = g_strdup_printf("report.%s_within", stage);
	g_autofree char *n_pct = g_strdup_printf("report.%s_within_percent", stage);
	g_autofree char *n_days = g_strdup_printf("report.%s_average_days", stage);
	add(out, n_closed, g_strdup_printf("%u", closed));
	add(out, n_within, g_strdup_printf("%u", within));
	if (closed == 0)
		return;
	add(out, n_pct, one_place(rd_report_percent(within, closed)));
	add(out, n_days, one_place(mean_days));
}

char **
rd_report_headline(const RdReportData *data, const RdCalendar *cal, const GDate *from, const GDate *to)
{
	gsize n = 0;
	const RdReportCase *cases = rd_report_data_cases(data, &n);
	RdSpsoFigures f;
	rd_report_spso(cases, n, from, to, cal, &f);
	GPtrArray *out = g_ptr_array_new();
	add(out, "report.received", g_strdup_printf("%u", f.received));
	add(out, "report.closed", g_strdup_printf("%u", f.closed));
	add_stage(out, "stage1", f.closed_by_path[RD_REPORT_STAGE1], f.within_timescale[RD_REPORT_STAGE1],
	          f.average_working_days[RD_REPORT_STAGE1]);
	/* Stage 2, however it was reached: the timescale (20 working days)
	 * and the reader's question are the same for both paths. */
	guint direct = f.closed_by_path[RD_REPORT_STAGE2_DIRECT], escalated = f.closed_by_path[RD_REPORT_ESCALATED];
	guint closed2 = direct + escalated;
	double mean2 = closed2 == 0 ? 0.0
	             : (f.average_working_days[RD_REPORT_STAGE2_DIRECT] * direct +
	                f.average_working_days[RD_REPORT_ESCALATED] * escalated) / closed2;
	add_stage(out, "stage2", closed2,
	          f.within_timescale[RD_REPORT_STAGE2_DIRECT] + f.within_timescale[RD_REPORT_ESCALATED], mean2);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}
