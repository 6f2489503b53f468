/*
 * report.c — the SPSO complaints-handling indicators from case histories
 * (pure: dates in, figures out; the README's "Reports" section gives
 * every rule with a worked example).
 *
 * The rules, as the SPSO's local-authority indicators count them:
 *
 *  - received: complaints whose Stage 1 counts as received in the period;
 *  - closed: a complaint is counted once, in the period in which its last
 *    stage was responded to (a Stage 2 request declined or referred back
 *    is not a stage), on the path it took: Stage 1 only (no Stage
 *    2), Stage 2 directly (a Stage 2 without a Stage 1 response), or
 *    escalated (Stage 2 after a Stage 1 response). A complaint whose
 *    Stage 2 is still open is not yet closed, even if Stage 1 was
 *    answered in the period; one withdrawn or excluded (closed without a
 *    response) was received but is never closed;
 *  - working days taken: the working days after the stage's day zero
 *    (its received date, as the clock set it) up to and including the
 *    day the response was sent; a same-day response is 0;
 *  - within timescale: 5 working days at Stage 1, 20 at Stage 2 (direct
 *    or after escalation), counted as above;
 *  - extended: the closing stage had an extension (extended_to set);
 *  - outcomes: the closing stage's outcome.
 */
#include <stdio.h>
#include <string.h>
#include "procedure-private.h"

/* g_date_valid() and g_date_compare() as GLib has them, without the call
 * when the day numbers are in place (the histories collect.c fills have
 * them): the counting below does little else. */
static inline gboolean
date_valid(const GDate *d)
{
	return d->julian || d->dmy;
}

static inline int
date_cmp(const GDate *a, const GDate *b)
{
	if (a->julian && b->julian)
		return (a->julian_days > b->julian_days) - (a->julian_days < b->julian_days);
	return g_date_compare(a, b);
}

static const char *const outcome_names[RD_REPORT_OUTCOMES] = {
	"upheld", "partly-upheld", "not-upheld", "resolved",
};

const char *
rd_report_outcome_name(guint i)
{
	return i < RD_REPORT_OUTCOMES ? outcome_names[i] : NULL;
}

const char *
rd_report_path_name(RdReportPath p)
{
	static const char *const names[RD_REPORT_PATHS] = { "stage1", "stage2_direct", "escalated" };
	return (guint)p < RD_REPORT_PATHS ? names[p] : NULL;
}

/* Working days after @from up to and including @to (0 when @to is not
 * after @from). */
guint
rd_report_working_days(const RdCalendar *cal, const GDate *from, const GDate *to)
{
	if (!date_valid(from) || !date_valid(to) || date_cmp(to, from) <= 0)
		return 0;
	guint n = 0;
	GDate d = *from;
	while (date_cmp(&d, to) < 0) {
		g_date_add_days(&d, 1);
		if (rd_calendar_is_working_day(cal, &d))
			n++;
	}
	return n;
}

/* Working days counted once per report rather than day by day per case:
 * cum[i] is the number of working days in (base, base + i], so the
 * working days after A up to and including B are cum[B - base] -
 * cum[A - base]. A million closed cases each walking their own days
 * through the calendar was most of a year's report. */
typedef struct {
	const RdCalendar *cal;
	guint32 base;            /* Julian day of cum[0] */
	guint n;
	guint *cum;
} WdTable;

/* Five years before the period: a case answered in the period was
 * almost always received within them; older ones take the slow path. */
#define WD_TABLE_BACK 1830

static void
wd_table_init(WdTable *t, const RdCalendar *cal, const GDate *from, const GDate *to)
{
	t->cal = cal;
	guint32 a = g_date_get_julian(from), z = g_date_get_julian(to);
	t->base = a > WD_TABLE_BACK ? a - WD_TABLE_BACK : 1;
	t->n = z - t->base + 1;
	t->cum = g_new(guint, t->n);
	t->cum[0] = 0;
	GDate d;
	g_date_clear(&d, 1);
	g_date_set_julian(&d, t->base);
	for (guint i = 1; i < t->n; i++) {
		g_date_add_days(&d, 1);
		t->cum[i] = t->cum[i - 1] + (rd_calendar_is_working_day(cal, &d) ? 1 : 0);
	}
}

static guint
wd_table_count(const WdTable *t, const GDate *from, const GDate *to)
{
	if (!date_valid(from) || !date_valid(to) || date_cmp(to, from) <= 0)
		return 0;
	guint32 a = g_date_get_julian(from), z = g_date_get_julian(to);
	if (a < t->base || z >= t->base + t->n)
		return rd_report_working_days(t->cal, from, to);
	return t->cum[z - t->base] - t->cum[a - t->base];
}

static inline gboolean
in_period(const GDate *d, const GDate *from, const GDate *to)
{
	return date_valid(d) && date_cmp(d, from) >= 0 && date_cmp(d, to) <= 0;
}

/* The path a complaint closed on, and its closing stage; FALSE while it
 * is not closed (no response to its last stage). */
static gboolean
closing(const RdReportCase *c, RdReportPath *path_r, const RdReportStage **stage_r)
{
	/* A Stage 2 request declined or referred back was never a Stage 2:
	 * the complaint closes with its Stage 1 response. */
	gboolean stage2 = c->stage2.present && g_strcmp0(c->stage2.outcome, "declined") != 0 &&
	                  g_strcmp0(c->stage2.outcome, "referred-back") != 0;
	if (stage2) {
		if (!date_valid(&c->stage2.responded))
			return FALSE;
		*path_r = date_valid(&c->stage1.responded) ? RD_REPORT_ESCALATED : RD_REPORT_STAGE2_DIRECT;
		*stage_r = &c->stage2;
		return TRUE;
	}
	if (!date_valid(&c->stage1.responded))
		return FALSE;
	*path_r = RD_REPORT_STAGE1;
	*stage_r = &c->stage1;
	return TRUE;
}

void
rd_report_spso(const RdReportCase *cases, gsize n, const GDate *from, const GDate *to, const RdCalendar *cal,
               RdSpsoFigures *out)
{
	memset(out, 0, sizeof *out);
	double days[RD_REPORT_PATHS] = { 0 };
	WdTable wd;
	wd_table_init(&wd, cal, from, to);
	for (gsize i = 0; i < n; i++) {
		const RdReportCase *c = &cases[i];
		if (in_period(&c->stage1.received, from, to))
			out->received++;
		RdReportPath path;
		const RdReportStage *s;
		if (!closing(c, &path, &s) || !in_period(&s->responded, from, to))
			continue;
		out->closed++;
		out->closed_by_path[path]++;
		for (guint k = 0; k < RD_REPORT_OUTCOMES; k++)
			if (g_strcmp0(s->outcome, outcome_names[k]) == 0)
				out->outcomes[path][k]++;
		guint n_wd = wd_table_count(&wd, &s->received, &s->responded);
		days[path] += n_wd;
		if (n_wd <= (path == RD_REPORT_STAGE1 ? 5u : 20u))
			out->within_timescale[path]++;
		if (s->extended)
			out->extended[path]++;
	}
	g_free(wd.cum);
	for (guint p = 0; p < RD_REPORT_PATHS; p++)
		out->average_working_days[p] = out->closed_by_path[p] ? days[p] / out->closed_by_path[p] : 0.0;
}

/* ---- periods ---------------------------------------------------------------- */

static gboolean
set_range(GDate *from, GDate *to, int y1, int m1, int d1, int y2, int m2, int d2)
{
	if (!g_date_valid_dmy((GDateDay)d1, (GDateMonth)m1, (GDateYear)y1) ||
	    !g_date_valid_dmy((GDateDay)d2, (GDateMonth)m2, (GDateYear)y2))
		return FALSE;
	g_date_set_dmy(from, (GDateDay)d1, (GDateMonth)m1, (GDateYear)y1);
	g_date_set_dmy(to, (GDateDay)d2, (GDateMonth)m2, (GDateYear)y2);
	return date_cmp(from, to) <= 0;
}

gboolean
rd_report_period_parse(const char *s, GDate *from, GDate *to)
{
	g_date_clear(from, 1);
	g_date_clear(to, 1);
	if (s == NULL)
		return FALSE;
	int y = 0, q = 0, y2 = 0;
	char tail = 0;
	/* FROM..TO */
	const char *dots = strstr(s, "..");
	if (dots != NULL) {
		g_autofree char *a = g_strndup(s, (gsize)(dots - s));
		return rd_date_parse_iso(a, from) && rd_date_parse_iso(dots + 2, to) && date_cmp(from, to) <= 0;
	}
	/* 2026Q3: a calendar quarter (Q1 is January to March). */
	if (sscanf(s, "%4dQ%1d%c", &y, &q, &tail) == 2 && strlen(s) == 6 && q >= 1 && q <= 4) {
		int m1 = (q - 1) * 3 + 1, m2 = m1 + 2;
		return set_range(from, to, y, m1, 1, y, m2, g_date_get_days_in_month((GDateMonth)m2, (GDateYear)y));
	}
	/* 2026-27: a financial year, 1 April to 31 March. */
	if (sscanf(s, "%4d-%2d%c", &y, &y2, &tail) == 2 && strlen(s) == 7 && (y + 1) % 100 == y2)
		return set_range(from, to, y, 4, 1, y + 1, 3, 31);
	/* 2026: a calendar year. */
	if (sscanf(s, "%4d%c", &y, &tail) == 1 && strlen(s) == 4)
		return set_range(from, to, y, 1, 1, y, 12, 31);
	return FALSE;
}

/* ---- the LGSCO / Housing Ombudsman annual figures ------------------------------- */

void
rd_report_stage_init(RdReportStage *s)
{
	memset(s, 0, sizeof *s);
	g_date_clear(&s->received, 1);
	g_date_clear(&s->responded, 1);
	g_date_clear(&s->ack_due, 1);
	g_date_clear(&s->ack_sent, 1);
	g_date_clear(&s->response_due, 1);
	g_date_clear(&s->extended_to, 1);
	g_date_clear(&s->closed, 1);
}

void
rd_report_case_init(RdReportCase *c)
{
	memset(c, 0, sizeof *c);
	rd_report_stage_init(&c->stage1);
	rd_report_stage_init(&c->stage2);
	g_date_clear(&c->ombudsman_referred, 1);
	g_date_clear(&c->ombudsman_decided, 1);
}

void
rd_lgsco_figures_clear(RdLgscoFigures *f)
{
	g_clear_pointer(&f->by_service, g_hash_table_unref);
	g_clear_pointer(&f->by_channel, g_hash_table_unref);
	g_clear_pointer(&f->late, g_array_unref);
	g_clear_pointer(&f->refused, g_array_unref);
	g_clear_pointer(&f->service_figures, g_hash_table_unref);
	g_clear_pointer(&f->channel_figures, g_hash_table_unref);
}

static gboolean well_founded(const char *outcome);

static RdReportGroup *
group(GHashTable *t, const char *key)
{
	RdReportGroup *g = g_hash_table_lookup(t, key);
	if (g == NULL) {
		g = g_new0(RdReportGroup, 1);
		g_hash_table_insert(t, g_strdup(key), g);
	}
	return g;
}

static void
refused(RdLgscoFigures *f, const RdReportCase *c, guint stage, const char *what, const GDate *date)
{
	RdReportRefused r = { 0 };
	r.reference = c->reference;
	r.service = c->service;
	r.stage = stage;
	r.what = what;
	r.date = *date;
	g_array_append_val(f->refused, r);
}

static gint
by_date(gconstpointer a, gconstpointer b)
{
	const RdReportRefused *x = a, *y = b;
	int c = date_cmp(&x->date, &y->date);
	return c != 0 ? c : g_strcmp0(x->reference, y->reference);
}

static void
tally(GHashTable *t, const char *key)
{
	gpointer v = g_hash_table_lookup(t, key);
	g_hash_table_replace(t, g_strdup(key), GUINT_TO_POINTER(GPOINTER_TO_UINT(v) + 1));
}

static void
late(RdLgscoFigures *f, const RdReportCase *c, guint stage, const char *what, const GDate *due, const GDate *done)
{
	RdReportLate l = { 0 };
	l.reference = c->reference;
	l.stage = stage;
	l.what = what;
	l.due = *due;
	if (done != NULL && date_valid(done))
		l.done = *done;
	else
		g_date_clear(&l.done, 1);
	g_array_append_val(f->late, l);
}

static gint
by_due(gconstpointer a, gconstpointer b)
{
	const RdReportLate *x = a, *y = b;
	int c = date_cmp(&x->due, &y->due);
	return c != 0 ? c : g_strcmp0(x->reference, y->reference);
}

static void
count_stage(RdLgscoFigures *f, const RdReportCase *c, const RdReportStage *s, guint i, const GDate *from,
            const GDate *to, const GDate *asof, RdReportGroup *const groups[2])
{
	if (!s->present)
		return;
	/* The acknowledgement: due in the period, sent by then? */
	if (in_period(&s->ack_due, from, to)) {
		f->ack_due[i]++;
		if (date_valid(&s->ack_sent) && date_cmp(&s->ack_sent, &s->ack_due) <= 0)
			f->ack_on_time[i]++;
		else if (date_valid(&s->ack_sent) ||
		         ((!date_valid(&s->closed) || date_cmp(&s->closed, &s->ack_due) > 0) &&
		          date_cmp(&s->ack_due, asof) < 0))
			late(f, c, i + 1, "acknowledgement", &s->ack_due, &s->ack_sent);
	}
	const GDate *due = date_valid(&s->extended_to) ? &s->extended_to : &s->response_due;
	if (in_period(&s->responded, from, to)) {
		f->responded[i]++;
		gboolean in_time = date_valid(due) && date_cmp(&s->responded, due) <= 0;
		if (in_time)
			f->responded_in_time[i]++;
		for (guint g = 0; g < 2; g++) {
			groups[g]->responded++;
			groups[g]->on_time += in_time;
			groups[g]->well_founded += well_founded(s->outcome);
		}
		for (guint k = 0; k < RD_REPORT_OUTCOMES; k++)
			if (g_strcmp0(s->outcome, outcome_names[k]) == 0)
				f->outcomes[i][k]++;
		if (s->extended)
			f->extended[i]++;
		if (!in_time && date_valid(due))
			late(f, c, i + 1, "response", due, &s->responded);
	} else if (!date_valid(&s->responded) && in_period(&s->closed, from, to)) {
		guint *n = g_strcmp0(s->outcome, "withdrawn") == 0 ? &f->withdrawn
		         : g_strcmp0(s->outcome, "excluded") == 0 ? &f->excluded
		         : g_strcmp0(s->outcome, "declined") == 0 ? &f->declined : NULL;
		if (n != NULL) {
			(*n)++;
			refused(f, c, i + 1, s->outcome, &s->closed);
		}
	}
	/* Due in the period and not answered by its end, nor closed before
	 * the date came: late too. */
	if (date_valid(due) && in_period(due, from, to) && date_cmp(due, asof) < 0 &&
	    (!date_valid(&s->responded) || date_cmp(&s->responded, asof) > 0) &&
	    (!date_valid(&s->closed) || date_valid(&s->responded) || date_cmp(&s->closed, due) > 0))
		late(f, c, i + 1, "response", due, NULL);
}

void
rd_report_lgsco(const RdReportCase *cases, gsize n, const GDate *from, const GDate *to, const GDate *asof,
                RdLgscoFigures *out)
{
	memset(out, 0, sizeof *out);
	out->by_service = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	out->by_channel = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	out->late = g_array_new(FALSE, TRUE, sizeof(RdReportLate));
	out->refused = g_array_new(FALSE, TRUE, sizeof(RdReportRefused));
	out->service_figures = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	out->channel_figures = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (gsize i = 0; i < n; i++) {
		const RdReportCase *c = &cases[i];
		const char *service = c->service != NULL && *c->service ? c->service : "not recorded";
		const char *channel = c->channel != NULL ? c->channel : "email";
		/* Only cases with something in the period get a row. */
		gboolean any = in_period(&c->stage1.received, from, to) || in_period(&c->stage1.responded, from, to) ||
		               in_period(&c->stage2.responded, from, to);
		RdReportGroup none[2] = { { 0 } };
		RdReportGroup *groups[2] = { &none[0], &none[1] };
		if (any) {
			groups[0] = group(out->service_figures, service);
			groups[1] = group(out->channel_figures, channel);
		}
		if (in_period(&c->stage1.received, from, to)) {
			out->received++;
			tally(out->by_service, service);
			tally(out->by_channel, channel);
			groups[0]->received++;
			groups[1]->received++;
			if (c->elected_member)
				out->elected_members++;
		}
		if (c->stage2.present && in_period(&c->stage2.received, from, to))
			out->stage2_received++;
		count_stage(out, c, &c->stage1, 0, from, to, asof, groups);
		count_stage(out, c, &c->stage2, 1, from, to, asof, groups);
	}
	g_array_sort(out->late, by_due);
	g_array_sort(out->refused, by_date);
}

/* ---- statutory adult social care (reg 18) ------------------------------------------ */

static gboolean
well_founded(const char *outcome)
{
	return g_strcmp0(outcome, "upheld") == 0 || g_strcmp0(outcome, "partly-upheld") == 0;
}

void
rd_reg18_figures_clear(RdReg18Figures *f)
{
	g_clear_pointer(&f->by_cause, g_hash_table_unref);
}

void
rd_report_reg18(const RdReportCase *cases, gsize n, const GDate *from, const GDate *to, const char *const *profiles,
                RdReg18Figures *out)
{
	memset(out, 0, sizeof *out);
	out->by_cause = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (gsize i = 0; i < n; i++) {
		const RdReportCase *c = &cases[i];
		if (c->profile == NULL || profiles == NULL || !g_strv_contains(profiles, c->profile))
			continue;
		if (in_period(&c->stage1.received, from, to))
			out->received++;
		RdReportPath path;
		const RdReportStage *s;
		if (closing(c, &path, &s) && in_period(&s->responded, from, to)) {
			out->decided++;
			if (well_founded(s->outcome))
				out->well_founded++;
			tally(out->by_cause, c->cause != NULL && *c->cause ? c->cause : "not recorded");
		}
		if (in_period(&c->ombudsman_referred, from, to))
			out->referred++;
		if (in_period(&c->ombudsman_decided, from, to)) {
			out->ombudsman_decided++;
			if (well_founded(c->ombudsman_outcome))
				out->ombudsman_upheld++;
		}
	}
}

/* ---- month by month ------------------------------------------------------------ */

static int
month_index(const GDate *first, const GDate *d)
{
	return (int)(g_date_get_year(d) - g_date_get_year(first)) * 12 +
	       (int)g_date_get_month(d) - (int)g_date_get_month(first);
}

guint
rd_report_monthly(const RdReportCase *cases, gsize n, const GDate *from, const GDate *to, guint *received,
                  guint *closed, guint max)
{
	int months = month_index(from, to) + 1;
	if (months < 0)
		months = 0;
	if ((guint)months > max)
		months = (int)max;
	memset(received, 0, sizeof *received * (gsize)months);
	memset(closed, 0, sizeof *closed * (gsize)months);
	for (gsize i = 0; i < n; i++) {
		const RdReportCase *c = &cases[i];
		if (in_period(&c->stage1.received, from, to)) {
			int m = month_index(from, &c->stage1.received);
			if (m >= 0 && m < months)
				received[m]++;
		}
		RdReportPath path;
		const RdReportStage *s;
		if (closing(c, &path, &s) && in_period(&s->responded, from, to)) {
			int m = month_index(from, &s->responded);
			if (m >= 0 && m < months)
				closed[m]++;
		}
	}
	return (guint)months;
}
