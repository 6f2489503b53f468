/*
 * collect.c — the case histories the reports count, read from the store
 * in one pass (store/report.c hands over each case's report_case row,
 * schema 11, unpacked: days as GDate day numbers, words as ids) and kept
 * compactly: one RdReportCase per case, each date copied from a table of
 * GDates made once (both the day number and day-month-year set, as GDate
 * has them once it has worked both out), its reference copied once into
 * a string chunk, and the words (service, channel, profile, cause,
 * outcomes) shared, one copy of each.
 *
 * rd_report_data_load() reads every case; rd_report_data_load_for() only
 * those that can count in a report for a period — the period and the
 * four of the same length before it, which the trend shows — found
 * through the store's report_case_hi. Counting either gives the same
 * figures for that period (tests/test-report-recount.c): every figure
 * counts a case only for a day of it inside a period, and the cases left
 * out have none there.
 *
 * Each history is filled as the reports define it (the triggers that keep
 * report_case work these out): a stage's responded is the day its
 * response letter left (response_sent) when redress sent it, else the
 * day recorded; extended is whether extended_to is set; the case's remedy
 * counts when not empty; elected_member from its flags; a text that is
 * not a day (rd_date_parse_iso) is no date.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "report/report.h"

/* Days from 1 January 1970 to 1 January 2170, GDates made once; a day
 * outside is worked out on its own. */
#define DAYS_FIRST 719163u   /* 1970-01-01 as GDate counts (1 is 0001-01-01) */
#define DAYS_N 73049u

struct _RdReportData {
	RdReportCase *cases;     /* the histories, by case id (see grow()) */
	gsize n, cap;
	GStringChunk *strings;   /* every string the histories point to */
	const char **words;      /* report_word ids → one shared copy */
	guint n_words;
	GDate *days;             /* DAYS_N GDates from DAYS_FIRST */
};

void
rd_report_data_free(RdReportData *d)
{
	if (d == NULL)
		return;
	free(d->cases);
	g_clear_pointer(&d->strings, g_string_chunk_free);
	g_free(d->words);
	g_free(d->days);
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

/* The civil date of GDate day @jd (1 is 1 January of year 1), as GDate
 * has it once it has worked out both: julian and dmy set. */
static void
date_civil(guint32 jd, GDate *out)
{
	g_date_clear(out, 1);
	/* Days from 1 March of year 0 (proleptic Gregorian). */
	gint64 z = (gint64)jd + 305;
	gint64 era = z / 146097;
	gint64 doe = z - era * 146097;
	gint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	gint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	gint64 mp = (5 * doy + 2) / 153;
	guint day = (guint)(doy - (153 * mp + 2) / 5 + 1);
	guint m = (guint)(mp < 10 ? mp + 3 : mp - 9);
	gint64 y = yoe + era * 400 + (m <= 2);
	out->julian_days = jd;
	out->julian = 1;
	out->year = (guint)y;
	out->month = m;
	out->day = day;
	out->dmy = 1;
}

/* Day @jd (0: none) as the histories keep it. */
static inline void
date_of(const RdReportData *d, guint32 jd, GDate *out)
{
	if (jd - DAYS_FIRST < DAYS_N)
		*out = d->days[jd - DAYS_FIRST];
	else if (jd == 0 || jd > 3652059u) /* after 9999-12-31: never a day */
		g_date_clear(out, 1);
	else
		date_civil(jd, out);
}

static inline const char *
word_of(const RdReportData *d, guint32 id)
{
	return id < d->n_words ? d->words[id] : NULL;
}

/* @out as rd_report_stage_init() leaves it (every byte zero: an invalid
 * GDate is all zero), then filled. */
static void
stage_of(const RdReportData *d, const RdReportStageRow *row, RdReportStage *out)
{
	if (!row->present)
		return;
	out->present = TRUE;
	date_of(d, row->received, &out->received);
	/* The day the response letter left, when redress sent it (the
	 * store's response_sent, else responded): a response recorded on
	 * Friday and stuck in the outbox until Monday reached the
	 * complainant on Monday. */
	date_of(d, row->responded, &out->responded);
	date_of(d, row->ack_due, &out->ack_due);
	date_of(d, row->ack_sent, &out->ack_sent);
	date_of(d, row->response_due, &out->response_due);
	date_of(d, row->extended_to, &out->extended_to);
	date_of(d, row->closed, &out->closed);
	out->outcome = word_of(d, row->outcome);
	out->extended = row->extended;
}

static gboolean
take_row(const RdReportRow *row, gpointer user_data)
{
	RdReportData *d = user_data;
	if (d->words == NULL) {
		/* The first case: the words of this pass, one copy each. */
		d->n_words = row->n_words;
		d->words = g_new0(const char *, MAX(row->n_words, 1));
		for (guint i = 0; i < row->n_words; i++)
			d->words[i] = row->words[i] != NULL ? g_string_chunk_insert_const(d->strings, row->words[i]) : NULL;
		/* Room for them all at once when the store says how many. */
		if (row->cases_hint > 0)
			grow(d, row->cases_hint + 16);
	}
	if (d->n == d->cap)
		grow(d, d->n + 1);
	RdReportCase *h = &d->cases[d->n++];
	/* What rd_report_case_init() makes of it, in one go: every byte
	 * zero (both stages absent, every date cleared). */
	memset(h, 0, sizeof *h);
	if (row->has_case) {
		h->reference = row->reference != NULL ? g_string_chunk_insert(d->strings, row->reference) : NULL;
		h->service = word_of(d, row->service);
		h->channel = word_of(d, row->channel);
		h->elected_member = row->elected_member;
		h->profile = word_of(d, row->profile);
		h->cause = word_of(d, row->cause);
		h->remedy = row->remedy;
		date_of(d, row->ombudsman_referred, &h->ombudsman_referred);
		date_of(d, row->ombudsman_decided, &h->ombudsman_decided);
		h->ombudsman_outcome = word_of(d, row->ombudsman_outcome);
	}
	stage_of(d, &row->stage[0], &h->stage1);
	stage_of(d, &row->stage[1], &h->stage2);
	return TRUE;
}

static RdReportData *
data_new(void)
{
	RdReportData *d = g_new0(RdReportData, 1);
	d->strings = g_string_chunk_new(1 << 16);
	d->days = g_new(GDate, DAYS_N);
	for (guint i = 0; i < DAYS_N; i++)
		date_civil(DAYS_FIRST + i, &d->days[i]);
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
	g_autoptr(RdReportData) d = data_new();
	if (!rd_store_report_rows_between(store, g_date_get_julian(&first), g_date_get_julian(to), take_row, d,
	                                  error))
		return NULL;
	return g_steal_pointer(&d);
}

const RdReportCase *
rd_report_data_cases(const RdReportData *d, gsize *n_r)
{
	*n_r = d->n;
	return d->n ? d->cases : NULL;
}
