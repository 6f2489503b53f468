/*
 * collect.c — the case histories the reports count, read from the store
 * in one pass (store/report.c hands over each stage row joined to its
 * case) and kept compactly: one RdReportCase per case with its dates
 * parsed, its reference copied once into a string chunk, and the strings
 * that take few values (service, channel, profile, cause, outcomes)
 * shared, one copy of each.
 *
 * rd_report_data_load() reads every case; rd_report_data_load_for() only
 * those that can count in a report for a period — the period and the
 * four of the same length before it, which the trend shows — found
 * through the store's report_span. Counting either gives the same
 * figures for that period (tests/test-report-recount.c): every figure
 * counts a case only for a day of it inside a period, and the cases left
 * out have none there.
 *
 * Each history is filled as the reports define it: a stage's responded
 * is the day its response letter left (response_sent) when redress sent
 * it, else the day recorded; extended is whether extended_to is set; the
 * case's remedy counts when not empty; elected_member from its flags.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "report/report.h"

/* Distinct values kept in a short list before the chunk's own table. */
#define INTERN_SHORT 32

typedef struct {
	const char *v[INTERN_SHORT];
	guint n;
} Intern;

struct _RdReportData {
	RdReportCase *cases;     /* the histories, by case id (see grow()) */
	gsize n, cap;
	GStringChunk *strings;   /* every string the histories point to */
	Intern service, channel, profile, cause, outcome, ombudsman_outcome;
	gint64 current;          /* the case id of the last history */
};

void
rd_report_data_free(RdReportData *d)
{
	if (d == NULL)
		return;
	free(d->cases);
	g_clear_pointer(&d->strings, g_string_chunk_free);
	g_free(d);
}

/* Room for @want histories. A million take about 240 MB: the block is
 * aligned and marked for huge pages, so filling it takes a few hundred
 * page faults rather than sixty thousand (a large part of the load time
 * otherwise). Nothing is cleared: each history is written whole. */
#define HUGE_PAGE (2u << 20)
static void
grow(RdReportData *d, gsize want)
{
	if (want <= d->cap)
		return;
	gsize cap = MAX(want, d->cap * 2);
	cap = MAX(cap, 1024);
	gsize bytes = cap * sizeof(RdReportCase);
	bytes = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
	void *p = NULL;
	if (posix_memalign(&p, HUGE_PAGE, bytes) != 0)
		g_error("out of memory for %" G_GSIZE_FORMAT " report cases", cap);
#ifdef MADV_HUGEPAGE
	madvise(p, bytes, MADV_HUGEPAGE);
#endif
	if (d->n > 0)
		memcpy(p, d->cases, d->n * sizeof(RdReportCase));
	free(d->cases);
	d->cases = p;
	d->cap = bytes / sizeof(RdReportCase);
}

/* @s as one shared copy (NULL stays NULL). */
static const char *
intern(RdReportData *d, Intern *in, const char *s)
{
	if (s == NULL)
		return NULL;
	for (guint i = 0; i < in->n; i++)
		if (in->v[i][0] == s[0] && strcmp(in->v[i], s) == 0)
			return in->v[i];
	const char *kept = g_string_chunk_insert_const(d->strings, s);
	if (in->n < INTERN_SHORT)
		in->v[in->n++] = kept;
	return kept;
}

/* Days from 1 January 1970 to @y-@m-@d (proleptic Gregorian). */
static gint64
days_from_civil(gint64 y, guint m, guint d)
{
	y -= m <= 2;
	gint64 era = (y >= 0 ? y : y - 399) / 400;
	gint64 yoe = y - era * 400;
	gint64 doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	gint64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static inline gboolean
digit(guchar c)
{
	return c >= '0' && c <= '9';
}

/* What rd_date_parse_iso() makes of @iso, with the day number GDate
 * would work out on first use already in place; invalid when @iso is
 * NULL or not a day. */
static void
date_of(const char *iso, GDate *out)
{
	g_date_clear(out, 1);
	if (iso == NULL)
		return;
	const guchar *s = (const guchar *)iso;
	if (digit(s[0]) && digit(s[1]) && digit(s[2]) && digit(s[3]) && s[4] == '-' && digit(s[5]) &&
	    digit(s[6]) && s[7] == '-' && digit(s[8]) && digit(s[9]) && s[10] == '\0') {
		guint y = (s[0] - '0') * 1000u + (s[1] - '0') * 100u + (s[2] - '0') * 10u + (s[3] - '0');
		guint m = (s[5] - '0') * 10u + (s[6] - '0');
		guint day = (s[8] - '0') * 10u + (s[9] - '0');
		if (y >= 1 && m >= 1 && m <= 12 && day >= 1 &&
		    day <= g_date_get_days_in_month((GDateMonth)m, (GDateYear)y)) {
			out->year = y;
			out->month = m;
			out->day = day;
			out->dmy = 1;
			/* GDate counts 1 January of year 1 as day 1. */
			out->julian_days = (guint32)(days_from_civil(y, m, day) - days_from_civil(1, 1, 1) + 1);
			out->julian = 1;
			return;
		}
		return;
	}
	/* Anything else is not a day, as rd_date_parse_iso() has it. */
	rd_date_parse_iso(iso, out);
}

static void
stage_of(RdReportData *d, const RdReportRow *row, RdReportStage *out)
{
	rd_report_stage_init(out);
	out->present = TRUE;
	date_of(row->received, &out->received);
	/* The day the response letter left, when redress sent it (the
	 * store's column is response_sent, else responded): a response
	 * recorded on Friday and stuck in the outbox until Monday reached
	 * the complainant on Monday. */
	date_of(row->responded, &out->responded);
	date_of(row->ack_due, &out->ack_due);
	date_of(row->ack_sent, &out->ack_sent);
	date_of(row->response_due, &out->response_due);
	date_of(row->extended_to, &out->extended_to);
	date_of(row->closed, &out->closed);
	out->outcome = intern(d, &d->outcome, row->outcome);
	out->extended = row->extended_to != NULL;
}

static gboolean
take_row(const RdReportRow *row, gpointer user_data)
{
	RdReportData *d = user_data;
	if (d->n == 0 || row->case_id != d->current) {
		/* Room for them all at once when the store says how many. */
		if (d->n == 0 && row->cases_hint > 0)
			grow(d, row->cases_hint + 16);
		if (d->n == d->cap)
			grow(d, d->n + 1);
		RdReportCase *h = &d->cases[d->n++];
		rd_report_case_init(h);
		if (row->has_case) {
			h->reference = row->reference != NULL ? g_string_chunk_insert(d->strings, row->reference) : NULL;
			h->service = intern(d, &d->service, row->service);
			h->channel = intern(d, &d->channel, row->channel);
			h->elected_member = row->flags != NULL && strstr(row->flags, "elected-member") != NULL;
			h->profile = intern(d, &d->profile, row->profile);
			h->cause = intern(d, &d->cause, row->cause);
			h->remedy = row->remedy != NULL && *row->remedy;
			date_of(row->ombudsman_referred, &h->ombudsman_referred);
			date_of(row->ombudsman_decided, &h->ombudsman_decided);
			h->ombudsman_outcome = intern(d, &d->ombudsman_outcome, row->ombudsman_outcome);
		}
		d->current = row->case_id;
	}
	RdReportCase *h = &d->cases[d->n - 1];
	stage_of(d, row, row->stage == 2 ? &h->stage2 : &h->stage1);
	return TRUE;
}

static RdReportData *
data_new(void)
{
	RdReportData *d = g_new0(RdReportData, 1);
	d->strings = g_string_chunk_new(1 << 16);
	return d;
}

RdReportData *
rd_report_data_load(RdStore *store, GError **error)
{
	g_autoptr(RdReportData) d = data_new();
	if (!rd_store_report_rows(store, take_row, d, error))
		return NULL;
	return g_steal_pointer(&d);
}

RdReportData *
rd_report_data_load_for(RdStore *store, const GDate *from, const GDate *to, GError **error)
{
	g_return_val_if_fail(g_date_valid(from) && g_date_valid(to), NULL);
	/* The trend (build.c) shows the period and RD_REPORT_TREND - 1 of
	 * the same length before it; reading from the first of those
	 * periods' months is enough whatever the period is. */
	guint len = (guint)MAX(0, (int)(g_date_get_year(to) - g_date_get_year(from)) * 12 +
	                              (int)g_date_get_month(to) - (int)g_date_get_month(from) + 1);
	GDate first = *from;
	g_date_set_day(&first, 1);
	guint back = len * (RD_REPORT_TREND - 1);
	if (back >= (guint)(g_date_get_year(&first) - 1) * 12)
		g_date_set_dmy(&first, 1, G_DATE_JANUARY, 1);
	else if (back > 0)
		g_date_subtract_months(&first, back);
	g_autofree char *a = rd_date_format_iso(&first);
	g_autofree char *z = rd_date_format_iso(to);
	g_autoptr(RdReportData) d = data_new();
	if (!rd_store_report_rows_between(store, a, z, take_row, d, error))
		return NULL;
	return g_steal_pointer(&d);
}

const RdReportCase *
rd_report_data_cases(const RdReportData *d, gsize *n_r)
{
	*n_r = d->n;
	return d->n ? d->cases : NULL;
}
