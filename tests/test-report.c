/*
 * test-report.c — the SPSO counting rules of procedure/report.c on
 * hand-built case histories, one rule per row: the path a complaint
 * closes on, the period it is counted in (boundaries included), working
 * days across weekends and bank holidays (England and Wales, computed
 * holidays), the 5 and 20 working-day timescales, extensions, outcomes,
 * withdrawn and still-open complaints; and the periods people type.
 */
#include <string.h>

#include "procedure.h"

static GDate
date(const char *iso)
{
	GDate d;
	g_date_clear(&d, 1);
	if (iso != NULL)
		g_assert_true(rd_date_parse_iso(iso, &d));
	return d;
}

/* One history: Stage 1 received/responded/outcome/extended, and Stage 2
 * (NULL received: none). */
typedef struct {
	const char *what;
	const char *r1, *d1, *o1;
	gboolean x1;
	const char *r2, *d2, *o2;
	gboolean x2;
	/* expected, for the period 2026-04-01..2027-03-31 */
	int received;             /* 0 or 1 */
	int path;                 /* -1: not closed in the period */
	guint wd;                 /* working days taken (closed ones) */
	gboolean within, extended;
} Row;

#define P1 RD_REPORT_STAGE1
#define P2 RD_REPORT_STAGE2_DIRECT
#define PE RD_REPORT_ESCALATED

static const Row rows[] = {
	{ "stage 1, answered in 3 WD (Mon to Thu)", "2026-06-01", "2026-06-04", "upheld", FALSE,
	  NULL, NULL, NULL, FALSE, 1, P1, 3, TRUE, FALSE },
	{ "a same-day response is 0 WD", "2026-06-01", "2026-06-01", "resolved", FALSE,
	  NULL, NULL, NULL, FALSE, 1, P1, 0, TRUE, FALSE },
	{ "exactly 5 WD is within (Fri to Fri)", "2026-06-05", "2026-06-12", "not-upheld", FALSE,
	  NULL, NULL, NULL, FALSE, 1, P1, 5, TRUE, FALSE },
	{ "6 WD is not", "2026-06-05", "2026-06-15", "not-upheld", FALSE,
	  NULL, NULL, NULL, FALSE, 1, P1, 6, FALSE, FALSE },
	{ "the spring bank holiday is not a working day (22 May to 29 May 2026)", "2026-05-22", "2026-05-29",
	  "partly-upheld", FALSE, NULL, NULL, NULL, FALSE, 1, P1, 4, TRUE, FALSE },
	{ "Christmas, Boxing Day (on Monday 28th) and New Year are not (23 Dec 2026 to 4 Jan 2027)", "2026-12-23",
	  "2027-01-04", "upheld", TRUE, NULL, NULL, NULL, FALSE, 1, P1, 5, TRUE, TRUE },
	{ "extended at Stage 1", "2026-06-01", "2026-06-19", "upheld", TRUE,
	  NULL, NULL, NULL, FALSE, 1, P1, 14, FALSE, TRUE },
	{ "escalated: counted on Stage 2, from its own day zero", "2026-06-01", "2026-06-05", "not-upheld", FALSE,
	  "2026-06-10", "2026-07-08", "upheld", FALSE, 1, PE, 20, TRUE, FALSE },
	{ "escalated, 21 WD at Stage 2 is late", "2026-06-01", "2026-06-05", "not-upheld", FALSE,
	  "2026-06-10", "2026-07-09", "partly-upheld", TRUE, 1, PE, 21, FALSE, TRUE },
	{ "Stage 2 directly: no Stage 1 response", "2026-06-01", NULL, NULL, FALSE,
	  "2026-06-01", "2026-06-12", "not-upheld", FALSE, 1, P2, 9, TRUE, FALSE },
	{ "Stage 2 still open: not closed, though Stage 1 was answered", "2026-06-01", "2026-06-05", "not-upheld", FALSE,
	  "2026-06-10", NULL, NULL, FALSE, 1, -1, 0, FALSE, FALSE },
	{ "Stage 2 request declined: closed at Stage 1, with its response", "2026-06-01", "2026-06-05", "not-upheld",
	  FALSE, "2026-06-10", NULL, "declined", FALSE, 1, P1, 4, TRUE, FALSE },
	{ "Stage 2 request referred back and answered again at Stage 1", "2026-06-01", "2026-06-12", "upheld", FALSE,
	  "2026-06-08", NULL, "referred-back", FALSE, 1, P1, 9, FALSE, FALSE },
	{ "withdrawn: received, never closed", "2026-06-01", NULL, "withdrawn", FALSE,
	  NULL, NULL, NULL, FALSE, 1, -1, 0, FALSE, FALSE },
	{ "still open at Stage 1", "2026-06-01", NULL, NULL, FALSE,
	  NULL, NULL, NULL, FALSE, 1, -1, 0, FALSE, FALSE },
	{ "received before the period, closed on its first day", "2026-03-30", "2026-04-01", "upheld", FALSE,
	  NULL, NULL, NULL, FALSE, 0, P1, 2, TRUE, FALSE },
	{ "received on the period's last day, closed after it", "2027-03-31", "2027-04-01", "upheld", FALSE,
	  NULL, NULL, NULL, FALSE, 1, -1, 0, FALSE, FALSE },
	{ "Stage 1 closed in the period, Stage 2 after it: not closed in it", "2027-03-01", "2027-03-05", "upheld",
	  FALSE, "2027-03-08", "2027-04-02", "upheld", FALSE, 1, -1, 0, FALSE, FALSE },
	{ "received and closed before the period: not counted at all", "2026-03-02", "2026-03-05", "upheld", FALSE,
	  NULL, NULL, NULL, FALSE, 0, -1, 0, FALSE, FALSE },
};

static RdReportCase
history(const Row *r)
{
	RdReportCase c;
	memset(&c, 0, sizeof c);
	c.stage1.present = TRUE;
	c.stage1.received = date(r->r1);
	c.stage1.responded = date(r->d1);
	c.stage1.outcome = r->o1;
	c.stage1.extended = r->x1;
	c.stage2.received = date(r->r2);
	c.stage2.responded = date(r->d2);
	c.stage2.present = r->r2 != NULL;
	c.stage2.outcome = r->o2;
	c.stage2.extended = r->x2;
	return c;
}

/* Each row alone: received, closed on its path, the working days, the
 * timescale, the extension and the outcome. */
static void
test_row(gconstpointer data)
{
	const Row *r = data;
	g_autoptr(RdCalendar) cal = rd_calendar_new(RD_NATION_ENGLAND_WALES);
	GDate from = date("2026-04-01"), to = date("2027-03-31");
	RdReportCase c = history(r);
	RdSpsoFigures f;
	rd_report_spso(&c, 1, &from, &to, cal, &f);
	g_assert_cmpuint(f.received, ==, (guint)r->received);
	g_assert_cmpuint(f.closed, ==, r->path < 0 ? 0 : 1);
	for (guint p = 0; p < RD_REPORT_PATHS; p++) {
		gboolean here = r->path == (int)p;
		g_assert_cmpuint(f.closed_by_path[p], ==, here ? 1 : 0);
		if (!here)
			continue;
		g_assert_cmpfloat(f.average_working_days[p], ==, (double)r->wd);
		g_assert_cmpuint(f.within_timescale[p], ==, r->within ? 1 : 0);
		g_assert_cmpuint(f.extended[p], ==, r->extended ? 1 : 0);
		const char *outcome = p == RD_REPORT_STAGE1 ? r->o1 : r->o2;
		for (guint k = 0; k < RD_REPORT_OUTCOMES; k++)
			g_assert_cmpuint(f.outcomes[p][k], ==, g_strcmp0(outcome, rd_report_outcome_name(k)) == 0);
	}
}

/* All rows together: the figures add up, each complaint on one path. */
static void
test_together(void)
{
	g_autoptr(RdCalendar) cal = rd_calendar_new(RD_NATION_ENGLAND_WALES);
	GDate from = date("2026-04-01"), to = date("2027-03-31");
	RdReportCase cs[G_N_ELEMENTS(rows)];
	guint received = 0, closed = 0, by[RD_REPORT_PATHS] = { 0 };
	double days[RD_REPORT_PATHS] = { 0 };
	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		cs[i] = history(&rows[i]);
		received += (guint)rows[i].received;
		if (rows[i].path >= 0) {
			closed++;
			by[rows[i].path]++;
			days[rows[i].path] += rows[i].wd;
		}
	}
	RdSpsoFigures f;
	rd_report_spso(cs, G_N_ELEMENTS(cs), &from, &to, cal, &f);
	g_assert_cmpuint(f.received, ==, received);
	g_assert_cmpuint(f.closed, ==, closed);
	guint sum = 0;
	for (guint p = 0; p < RD_REPORT_PATHS; p++) {
		g_assert_cmpuint(f.closed_by_path[p], ==, by[p]);
		g_assert_cmpfloat_with_epsilon(f.average_working_days[p], by[p] ? days[p] / by[p] : 0.0, 1e-9);
		sum += f.closed_by_path[p];
	}
	g_assert_cmpuint(sum, ==, f.closed);
}

/* ---- LGSCO / Housing Ombudsman ---------------------------------------------------- */

/* A Stage 1 with its procedure dates: received, ack due, ack sent,
 * response due, extended to, responded, closed, outcome. */
static RdReportStage
s1(const char *recv, const char *ack_due, const char *ack_sent, const char *due, const char *ext,
   const char *resp, const char *closed, const char *outcome)
{
	RdReportStage s;
	rd_report_stage_init(&s);
	s.present = TRUE;
	s.received = date(recv);
	s.ack_due = date(ack_due);
	s.ack_sent = date(ack_sent);
	s.response_due = date(due);
	s.extended_to = date(ext);
	s.extended = ext != NULL;
	s.responded = date(resp);
	s.closed = date(closed ? closed : resp);
	s.outcome = outcome;
	return s;
}

static void
test_lgsco(void)
{
	GDate from = date("2026-04-01"), to = date("2027-03-31"), asof = date("2026-12-07");
	RdReportCase cs[7];
	memset(cs, 0, sizeof cs);
	for (guint i = 0; i < G_N_ELEMENTS(cs); i++) {
		rd_report_stage_init(&cs[i].stage1);
		rd_report_stage_init(&cs[i].stage2);
	}
	/* 0: on time throughout, Parks, by email. */
	cs[0].reference = "A-0";
	cs[0].service = "Parks";
	cs[0].channel = "email";
	cs[0].stage1 = s1("2026-06-01", "2026-06-03", "2026-06-01", "2026-06-15", NULL, "2026-06-12", NULL, "upheld");
	/* 1: acknowledged late, answered late, by phone, no service. */
	cs[1].reference = "A-1";
	cs[1].channel = "phone";
	cs[1].stage1 = s1("2026-06-01", "2026-06-03", "2026-06-05", "2026-06-15", NULL, "2026-06-20", NULL,
	                  "not-upheld");
	/* 2: extended, answered by the extended date: on time, extended. */
	cs[2].reference = "A-2";
	cs[2].channel = "chief-executive";
	cs[2].elected_member = TRUE;
	cs[2].stage1 = s1("2026-06-01", "2026-06-03", "2026-06-02", "2026-06-15", "2026-06-29", "2026-06-26", NULL,
	                  "resolved");
	/* 3: escalated; Stage 2 answered on time. */
	cs[3].reference = "A-3";
	cs[3].service = "Parks";
	cs[3].channel = "email";
	cs[3].stage1 = s1("2026-06-01", "2026-06-03", "2026-06-01", "2026-06-15", NULL, "2026-06-05", NULL,
	                  "not-upheld");
	cs[3].stage2 = s1("2026-06-08", "2026-06-10", "2026-06-08", "2026-07-06", NULL, "2026-07-01", NULL,
	                  "partly-upheld");
	/* 4: withdrawn before any deadline: not late, counted withdrawn. */
	cs[4].reference = "A-4";
	cs[4].channel = "email";
	cs[4].stage1 = s1("2026-06-01", "2026-06-03", NULL, "2026-06-15", NULL, NULL, "2026-06-02", "withdrawn");
	/* 5: open, response due 1 Dec and not answered by 7 Dec: late. */
	cs[5].reference = "A-5";
	cs[5].channel = "email";
	cs[5].stage1 = s1("2026-11-17", "2026-11-19", "2026-11-17", "2026-12-01", NULL, NULL, NULL, NULL);
	/* 6: open, response due 18 Dec, after "today": not late yet. */
	cs[6].reference = "A-6";
	cs[6].channel = "email";
	cs[6].stage1 = s1("2026-12-04", "2026-12-08", "2026-12-04", "2026-12-18", NULL, NULL, NULL, NULL);
	RdLgscoFigures f;
	rd_report_lgsco(cs, G_N_ELEMENTS(cs), &from, &to, &asof, &f);
	g_assert_cmpuint(f.received, ==, 7);
	g_assert_cmpuint(f.stage2_received, ==, 1);
	g_assert_cmpuint(f.ack_due[0], ==, 7);
	g_assert_cmpuint(f.ack_on_time[0], ==, 5);  /* 1 late, 4 never sent */
	g_assert_cmpuint(f.ack_on_time[1], ==, 1);
	g_assert_cmpuint(f.responded[0], ==, 4);
	g_assert_cmpuint(f.responded_in_time[0], ==, 3);  /* 1 late; 2 by its extension */
	g_assert_cmpuint(f.responded[1], ==, 1);
	g_assert_cmpuint(f.responded_in_time[1], ==, 1);
	g_assert_cmpuint(f.extended[0], ==, 1);
	g_assert_cmpuint(f.outcomes[0][0], ==, 1);  /* upheld */
	g_assert_cmpuint(f.outcomes[0][2], ==, 2);  /* not-upheld */
	g_assert_cmpuint(f.outcomes[0][3], ==, 1);  /* resolved */
	g_assert_cmpuint(f.outcomes[1][1], ==, 1);  /* partly-upheld at Stage 2 */
	g_assert_cmpuint(f.withdrawn, ==, 1);
	g_assert_cmpuint(f.excluded, ==, 0);
	g_assert_cmpuint(f.elected_members, ==, 1);
	g_assert_cmpuint(GPOINTER_TO_UINT(g_hash_table_lookup(f.by_service, "Parks")), ==, 2);
	g_assert_cmpuint(GPOINTER_TO_UINT(g_hash_table_lookup(f.by_service, "not recorded")), ==, 5);
	g_assert_cmpuint(GPOINTER_TO_UINT(g_hash_table_lookup(f.by_channel, "email")), ==, 5);
	g_assert_cmpuint(GPOINTER_TO_UINT(g_hash_table_lookup(f.by_channel, "phone")), ==, 1);
	/* Outside the timescales, by due date: A-1's acknowledgement and
	 * response, A-5's response (not done); not A-4 (withdrawn first) nor
	 * A-6 (not due yet). */
	g_assert_cmpuint(f.late->len, ==, 3);
	const RdReportLate *l = &g_array_index(f.late, RdReportLate, 0);
	g_assert_cmpstr(l->reference, ==, "A-1");
	g_assert_cmpstr(l->what, ==, "acknowledgement");
	l = &g_array_index(f.late, RdReportLate, 1);
	g_assert_cmpstr(l->reference, ==, "A-1");
	g_assert_cmpstr(l->what, ==, "response");
	l = &g_array_index(f.late, RdReportLate, 2);
	g_assert_cmpstr(l->reference, ==, "A-5");
	g_assert_false(g_date_valid(&l->done));
	rd_lgsco_figures_clear(&f);
}

static const struct {
	const char *in, *from, *to;
} periods[] = {
	{ "2026Q1", "2026-01-01", "2026-03-31" },
	{ "2026Q3", "2026-07-01", "2026-09-30" },
	{ "2024Q1", "2024-01-01", "2024-03-31" },
	{ "2026-27", "2026-04-01", "2027-03-31" },
	{ "1999-00", "1999-04-01", "2000-03-31" },
	{ "2026", "2026-01-01", "2026-12-31" },
	{ "2026-04-01..2026-09-30", "2026-04-01", "2026-09-30" },
	{ "2026Q5", NULL, NULL },
	{ "2026-28", NULL, NULL },
	{ "2026-09-30..2026-04-01", NULL, NULL },
	{ "26", NULL, NULL },
	{ "", NULL, NULL },
	{ "2026Q3x", NULL, NULL },
};

static void
test_periods(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(periods); i++) {
		GDate a, z;
		gboolean ok = rd_report_period_parse(periods[i].in, &a, &z);
		g_assert_cmpint(ok, ==, periods[i].from != NULL);
		if (!ok)
			continue;
		g_autofree char *fa = rd_date_format_iso(&a);
		g_autofree char *fz = rd_date_format_iso(&z);
		g_assert_cmpstr(fa, ==, periods[i].from);
		g_assert_cmpstr(fz, ==, periods[i].to);
	}
	GDate a, z;
	g_assert_false(rd_report_period_parse(NULL, &a, &z));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree char *path = g_strdup_printf("/report/spso/row-%02zu", i);
		g_test_add_data_func(path, &rows[i], test_row);
	}
	g_test_add_func("/report/spso/together", test_together);
	g_test_add_func("/report/periods", test_periods);
	g_test_add_func("/report/lgsco", test_lgsco);
	return g_test_run();
}
