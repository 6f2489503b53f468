/*
 * calendar.c — working days: weekends, UK bank holidays, local closures.
 *
 * Every clock of the procedure counts working days, so this file decides,
 * for one council, whether a given date is one. Three kinds of day are not:
 *
 *  - Saturdays and Sundays;
 *  - the bank holidays of the council's nation (England and Wales,
 *    Scotland or Northern Ireland), taken from the official list where it
 *    covers the year, and computed by rule everywhere else;
 *  - local closure days (the offices shut between Christmas and New Year).
 *
 * The official list (gov.uk bank-holidays.json, loaded by daemon/) states
 * each day including substitutes, so a covered year uses its days and
 * nothing else: the list is the authority, the rules a fallback. The rules
 * are those of docs/procedure.md §1.2-§1.5: fixed dates with substitute days, Easter
 * by the Gregorian computus, first and last Mondays, and a table of the
 * one-off changes made by proclamation.
 *
 * Computed holidays are not stored: a year's dozen days are worked out
 * again on each query, which costs less than a hash lookup's worth of
 * thought and keeps the queries free of hidden state. After it is filled,
 * an RdCalendar is only read.
 *
 * Pure: GLib only, no files (Europe/London comes from the system's zone
 * data through GTimeZone).
 */
#include <string.h>

#include "procedure.h"

/* ---- names ---------------------------------------------------------------- */

static const char *const nation_names[RD_NATION_N] = {
	[RD_NATION_ENGLAND_WALES] = "england-and-wales",
	[RD_NATION_SCOTLAND] = "scotland",
	[RD_NATION_NORTHERN_IRELAND] = "northern-ireland",
};

static const char *const source_names[] = {
	[RD_HOLIDAY_FILE] = "file",
	[RD_HOLIDAY_COMPUTED] = "computed",
	[RD_HOLIDAY_CLOSURE] = "closure",
};

#define N_SOURCES G_N_ELEMENTS(source_names)

const char *
rd_nation_to_string(RdNation n)
{
	g_return_val_if_fail((guint)n < RD_NATION_N, NULL);
	return nation_names[n];
}

gboolean
rd_nation_from_string(const char *s, RdNation *n_r)
{
	if (s == NULL)
		return FALSE;
	for (guint i = 0; i < RD_NATION_N; i++) {
		if (strcmp(s, nation_names[i]) == 0) {
			*n_r = (RdNation)i;
			return TRUE;
		}
	}
	return FALSE;
}

const char *
rd_holiday_source_to_string(RdHolidaySource s)
{
	g_return_val_if_fail((guint)s < N_SOURCES, NULL);
	return source_names[s];
}

/* ---- dates ------------------------------------------------------------------- */

gboolean
rd_date_parse_iso(const char *s, GDate *d_r)
{
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return FALSE;
	for (guint i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && !g_ascii_isdigit(s[i]))
			return FALSE;
	}
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1 || m < 1 || m > 12 || d < 1 ||
	    !g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y))
		return FALSE;
	g_date_clear(d_r, 1);
	g_date_set_dmy(d_r, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
	return TRUE;
}

char *
rd_date_format_iso(const GDate *d)
{
	g_return_val_if_fail(d != NULL && g_date_valid(d), NULL);
	return g_strdup_printf("%04u-%02u-%02u", g_date_get_year(d),
	                       (guint)g_date_get_month(d), g_date_get_day(d));
}

static GDate
dmy(int year, int month, int day)
{
	GDate d;
	g_date_clear(&d, 1);
	g_date_set_dmy(&d, (GDateDay)day, (GDateMonth)month, (GDateYear)year);
	return d;
}

static gboolean
is_weekend(const GDate *d)
{
	GDateWeekday w = g_date_get_weekday(d);
	return w == G_DATE_SATURDAY || w == G_DATE_SUNDAY;
}

/* Easter Sunday by the Gregorian computus (the "anonymous" algorithm of
 * Nature 1876, as given by Meeus): the first Sunday after the ecclesiastical
 * full moon on or after 21 March. */
static GDate
easter_sunday(int y)
{
	int a = y % 19;
	int b = y / 100, c = y % 100;
	int d = b / 4, e = b % 4;
	int f = (b + 8) / 25;
	int g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	int month = (h + l - 7 * m + 114) / 31;
	int day = (h + l - 7 * m + 114) % 31 + 1;
	return dmy(y, month, day);
}

static GDate
first_monday(int y, int month)
{
	GDate d = dmy(y, month, 1);
	while (g_date_get_weekday(&d) != G_DATE_MONDAY)
		g_date_add_days(&d, 1);
	return d;
}

static GDate
last_monday(int y, int month)
{
	GDate d = dmy(y, month, g_date_get_days_in_month((GDateMonth)month, (GDateYear)y));
	while (g_date_get_weekday(&d) != G_DATE_MONDAY)
		g_date_subtract_days(&d, 1);
	return d;
}

/* ---- the rules ------------------------------------------------------------- */

typedef enum {
	R_NEW_YEAR,
	R_JAN2,
	R_ST_PATRICK,
	R_GOOD_FRIDAY,
	R_EASTER_MONDAY,
	R_EARLY_MAY,
	R_SPRING,
	R_BOYNE,
	R_SUMMER,
	R_ST_ANDREW,
	R_CHRISTMAS,
	R_BOXING,
	R_EXTRA,      /* a one-off day (table below) */
} Rule;

/* The gov.uk titles, and the same with the substitute mark. */
static const struct {
	const char *title;
	const char *substitute;
} rule_titles[] = {
	[R_NEW_YEAR] = { "New Year’s Day", "New Year’s Day (substitute day)" },
	[R_JAN2] = { "2nd January", "2nd January (substitute day)" },
	[R_ST_PATRICK] = { "St Patrick’s Day", "St Patrick’s Day (substitute day)" },
	[R_GOOD_FRIDAY] = { "Good Friday", NULL },
	[R_EASTER_MONDAY] = { "Easter Monday", NULL },
	[R_EARLY_MAY] = { "Early May bank holiday", NULL },
	[R_SPRING] = { "Spring bank holiday", NULL },
	[R_BOYNE] = { "Battle of the Boyne (Orangemen’s Day)",
	              "Battle of the Boyne (Orangemen’s Day) (substitute day)" },
	[R_SUMMER] = { "Summer bank holiday", NULL },
	[R_ST_ANDREW] = { "St Andrew’s Day", "St Andrew’s Day (substitute day)" },
	[R_CHRISTMAS] = { "Christmas Day", "Christmas Day (substitute day)" },
	[R_BOXING] = { "Boxing Day", "Boxing Day (substitute day)" },
};

/* Changes made by royal proclamation, the same in all three nations
 * (docs/procedure.md §1.5). A row with a rule moves that year's day of the
 * rule; R_EXTRA adds a day. 8 May 1995 was a Monday, 8 May 2020 a
 * Friday. The 2002 move of the spring holiday to Tuesday 4 June is in the
 * 2002 proclamation (docs/procedure.md §1.5 still marks it unverified). */
static const struct {
	int year, month, day;
	Rule rule;
	const char *title;
} one_offs[] = {
	{ 1995, 5, 8, R_EARLY_MAY, "Early May bank holiday (VE day)" },
	{ 1999, 12, 31, R_EXTRA, "Millennium celebrations" },
	{ 2002, 6, 3, R_EXTRA, "Queen’s Golden Jubilee" },
	{ 2002, 6, 4, R_SPRING, "Spring bank holiday" },
	{ 2011, 4, 29, R_EXTRA, "Royal wedding" },
	{ 2012, 6, 4, R_SPRING, "Spring bank holiday" },
	{ 2012, 6, 5, R_EXTRA, "Queen’s Diamond Jubilee" },
	{ 2020, 5, 8, R_EARLY_MAY, "Early May bank holiday (VE day)" },
	{ 2022, 6, 2, R_SPRING, "Spring bank holiday" },
	{ 2022, 6, 3, R_EXTRA, "Platinum Jubilee bank holiday" },
	{ 2022, 9, 19, R_EXTRA, "Bank Holiday for the State Funeral of Queen Elizabeth II" },
	{ 2023, 5, 8, R_EXTRA, "Bank holiday for the coronation of King Charles III" },
};

#define MAX_YEAR_DAYS 16

typedef struct {
	GDate date;
	Rule rule;
	const char *title;
} Day;

/* One nation's bank holidays of one year, in the order they were placed
 * (sorted only when handed out). */
typedef struct {
	Day days[MAX_YEAR_DAYS];
	guint n;
} YearDays;

static gboolean
year_has(const YearDays *yd, const GDate *d)
{
	for (guint i = 0; i < yd->n; i++) {
		if (g_date_compare(&yd->days[i].date, d) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Put @rule's day on @date, or if that is a weekend or already a holiday,
 * on the next weekday that is neither: the substitute-day rule of the 1971
 * Act and the proclamations. */
static void
place(YearDays *yd, GDate date, Rule rule)
{
	gboolean moved = FALSE;

	g_assert(yd->n < MAX_YEAR_DAYS);
	while (is_weekend(&date) || year_has(yd, &date)) {
		g_date_add_days(&date, 1);
		moved = TRUE;
	}
	yd->days[yd->n].date = date;
	yd->days[yd->n].rule = rule;
	yd->days[yd->n].title = moved ? rule_titles[rule].substitute : rule_titles[rule].title;
	g_assert(yd->days[yd->n].title != NULL);
	yd->n++;
}

static void
compute_year(RdNation nation, int y, YearDays *yd)
{
	gboolean scotland = nation == RD_NATION_SCOTLAND;
	gboolean ni = nation == RD_NATION_NORTHERN_IRELAND;
	GDate easter = easter_sunday(y);
	GDate d;

	yd->n = 0;
	/* New Year first, then 2 January after it: in 2022 (Sat, Sun) they
	 * fall on Monday 3 and Tuesday 4; in 2023 (Sun, Mon) New Year takes
	 * Monday 2 and 2nd January Tuesday 3. */
	place(yd, dmy(y, 1, 1), R_NEW_YEAR);
	if (scotland)
		place(yd, dmy(y, 1, 2), R_JAN2);
	if (ni)
		place(yd, dmy(y, 3, 17), R_ST_PATRICK);
	d = easter;
	g_date_subtract_days(&d, 2);
	place(yd, d, R_GOOD_FRIDAY);
	if (!scotland) {
		d = easter;
		g_date_add_days(&d, 1);
		place(yd, d, R_EASTER_MONDAY);
	}
	place(yd, first_monday(y, 5), R_EARLY_MAY);
	place(yd, last_monday(y, 5), R_SPRING);
	if (ni)
		place(yd, dmy(y, 7, 12), R_BOYNE);
	place(yd, scotland ? first_monday(y, 8) : last_monday(y, 8), R_SUMMER);
	if (scotland)
		place(yd, dmy(y, 11, 30), R_ST_ANDREW);
	/* A day that falls on a weekday keeps it, and the weekend one takes
	 * the next free weekday: Christmas on a Sunday leaves Boxing Day on
	 * Monday 26 and puts Christmas's substitute on Tuesday 27. */
	GDate xmas = dmy(y, 12, 25), boxing = dmy(y, 12, 26);
	if (is_weekend(&xmas) && !is_weekend(&boxing)) {
		place(yd, boxing, R_BOXING);
		place(yd, xmas, R_CHRISTMAS);
	} else {
		place(yd, xmas, R_CHRISTMAS);
		place(yd, boxing, R_BOXING);
	}

	for (guint i = 0; i < G_N_ELEMENTS(one_offs); i++) {
		if (one_offs[i].year != y)
			continue;
		GDate od = dmy(y, one_offs[i].month, one_offs[i].day);
		if (one_offs[i].rule == R_EXTRA) {
			g_assert(yd->n < MAX_YEAR_DAYS);
			yd->days[yd->n] = (Day){ od, R_EXTRA, one_offs[i].title };
			yd->n++;
			continue;
		}
		for (guint k = 0; k < yd->n; k++) {
			if (yd->days[k].rule == one_offs[i].rule) {
				yd->days[k].date = od;
				yd->days[k].title = one_offs[i].title;
			}
		}
	}
}

static gint
holiday_cmp(gconstpointer a, gconstpointer b)
{
	const RdHoliday *x = a, *y = b;
	return g_date_compare(&x->date, &y->date);
}

GArray *
rd_holidays_computed(RdNation nation, int year)
{
	g_return_val_if_fail((guint)nation < RD_NATION_N, NULL);
	g_return_val_if_fail(year >= 1 && year <= 9999, NULL);

	YearDays yd;
	compute_year(nation, year, &yd);
	GArray *out = g_array_sized_new(FALSE, FALSE, sizeof(RdHoliday), yd.n);
	for (guint i = 0; i < yd.n; i++) {
		RdHoliday h = { yd.days[i].date, yd.days[i].title, RD_HOLIDAY_COMPUTED };
		g_array_append_val(out, h);
	}
	g_array_sort(out, holiday_cmp);
	return out;
}

/* ---- the calendar -------------------------------------------------------------- */

/* A day added from outside: the official file, an extra, a closure. */
typedef struct {
	GDate date;
	char *title;
} Entry;

struct _RdCalendar {
	RdNation nation;
	GHashTable *days[N_SOURCES]; /* per source: Julian day number -> Entry* */
	GHashTable *covered;         /* years covered by the file (set of ints) */
};

static void
entry_free(gpointer p)
{
	Entry *e = p;
	g_free(e->title);
	g_free(e);
}

RdCalendar *
rd_calendar_new(RdNation nation)
{
	g_return_val_if_fail((guint)nation < RD_NATION_N, NULL);

	RdCalendar *cal = g_new0(RdCalendar, 1);
	cal->nation = nation;
	for (guint i = 0; i < N_SOURCES; i++)
		cal->days[i] = g_hash_table_new_full(NULL, NULL, NULL, entry_free);
	cal->covered = g_hash_table_new(NULL, NULL);
	return cal;
}

void
rd_calendar_free(RdCalendar *cal)
{
	if (cal == NULL)
		return;
	for (guint i = 0; i < N_SOURCES; i++)
		g_clear_pointer(&cal->days[i], g_hash_table_unref);
	g_clear_pointer(&cal->covered, g_hash_table_unref);
	g_free(cal);
}

RdNation
rd_calendar_get_nation(const RdCalendar *cal)
{
	g_return_val_if_fail(cal != NULL, RD_NATION_ENGLAND_WALES);
	return cal->nation;
}

static gpointer
jkey(const GDate *d)
{
	return GUINT_TO_POINTER(g_date_get_julian(d));
}

void
rd_calendar_add_holiday(RdCalendar *cal, const GDate *d, const char *title,
                        RdHolidaySource src)
{
	g_return_if_fail(cal != NULL);
	g_return_if_fail(d != NULL && g_date_valid(d));
	g_return_if_fail((guint)src < N_SOURCES);

	if (src == RD_HOLIDAY_FILE)
		rd_calendar_set_year_covered(cal, g_date_get_year(d));
	if (g_hash_table_contains(cal->days[src], jkey(d)))
		return;
	Entry *e = g_new0(Entry, 1);
	e->date = *d;
	if (title == NULL)
		title = src == RD_HOLIDAY_CLOSURE ? "Closure" : "Bank holiday";
	e->title = g_strdup(title);
	g_hash_table_insert(cal->days[src], jkey(d), e);
}

void
rd_calendar_set_year_covered(RdCalendar *cal, int year)
{
	g_return_if_fail(cal != NULL);
	g_return_if_fail(year >= 1 && year <= 9999);
	g_hash_table_add(cal->covered, GINT_TO_POINTER(year));
}

RdHolidaySource
rd_calendar_year_source(const RdCalendar *cal, int year)
{
	g_return_val_if_fail(cal != NULL, RD_HOLIDAY_COMPUTED);
	return g_hash_table_contains(cal->covered, GINT_TO_POINTER(year))
	       ? RD_HOLIDAY_FILE : RD_HOLIDAY_COMPUTED;
}

static gint
int_cmp(gconstpointer a, gconstpointer b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

GArray *
rd_calendar_covered_years(const RdCalendar *cal)
{
	g_return_val_if_fail(cal != NULL, NULL);

	GArray *out = g_array_new(FALSE, FALSE, sizeof(int));
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, cal->covered);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		int y = GPOINTER_TO_INT(key);
		g_array_append_val(out, y);
	}
	g_array_sort(out, int_cmp);
	return out;
}

/* compute_year() for a lookup, remembering the last year per thread:
 * adding ten working days asks about the same year a dozen times, for
 * every case opened. The result depends only on (nation, year), so a
 * per-thread copy needs no lock and is never stale. */
static const YearDays *
computed_year(RdNation nation, int y)
{
	static _Thread_local struct {
		gboolean valid;
		RdNation nation;
		int year;
		YearDays yd;
	} last;

	if (!last.valid || last.nation != nation || last.year != y) {
		compute_year(nation, y, &last.yd);
		last.nation = nation;
		last.year = y;
		last.valid = TRUE;
	}
	return &last.yd;
}

static gboolean
entry_lookup(const RdCalendar *cal, RdHolidaySource src, const GDate *d,
             RdHoliday *h_r)
{
	const Entry *e = g_hash_table_lookup(cal->days[src], jkey(d));
	if (e == NULL)
		return FALSE;
	if (h_r != NULL)
		*h_r = (RdHoliday){ e->date, e->title, src };
	return TRUE;
}

gboolean
rd_calendar_lookup(const RdCalendar *cal, const GDate *d, RdHoliday *h_r)
{
	g_return_val_if_fail(cal != NULL, FALSE);
	g_return_val_if_fail(d != NULL && g_date_valid(d), FALSE);

	int y = g_date_get_year(d);
	if (rd_calendar_year_source(cal, y) == RD_HOLIDAY_FILE) {
		if (entry_lookup(cal, RD_HOLIDAY_FILE, d, h_r))
			return TRUE;
	} else if (y <= 9999) {
		const YearDays *yd = computed_year(cal->nation, y);
		for (guint i = 0; i < yd->n; i++) {
			if (g_date_compare(&yd->days[i].date, d) == 0) {
				if (h_r != NULL)
					*h_r = (RdHoliday){ *d, yd->days[i].title, RD_HOLIDAY_COMPUTED };
				return TRUE;
			}
		}
		if (entry_lookup(cal, RD_HOLIDAY_COMPUTED, d, h_r))
			return TRUE;
	}
	return entry_lookup(cal, RD_HOLIDAY_CLOSURE, d, h_r);
}

gboolean
rd_calendar_is_working_day(const RdCalendar *cal, const GDate *d)
{
	g_return_val_if_fail(cal != NULL, FALSE);
	g_return_val_if_fail(d != NULL && g_date_valid(d), FALSE);

	return !is_weekend(d) && !rd_calendar_lookup(cal, d, NULL);
}

gboolean
rd_calendar_add_working_days(const RdCalendar *cal, const GDate *from,
                             guint n, GDate *out)
{
	g_return_val_if_fail(cal != NULL, FALSE);
	g_return_val_if_fail(from != NULL && g_date_valid(from), FALSE);
	g_return_val_if_fail(out != NULL, FALSE);

	/* The 31 December 9999 guard also ends the loop for a calendar whose
	 * closures leave no working day at all. */
	const GDate last = dmy(9999, 12, 31);
	GDate d = *from;
	guint counted = 0;

	if (n == 0) {
		while (!rd_calendar_is_working_day(cal, &d)) {
			if (g_date_compare(&d, &last) >= 0)
				return FALSE;
			g_date_add_days(&d, 1);
		}
		*out = d;
		return TRUE;
	}
	while (counted < n) {
		if (g_date_compare(&d, &last) >= 0)
			return FALSE;
		g_date_add_days(&d, 1);
		if (rd_calendar_is_working_day(cal, &d))
			counted++;
	}
	*out = d;
	return TRUE;
}

static GTimeZone *
london(void)
{
	static gsize tz;
	if (g_once_init_enter(&tz)) {
		GTimeZone *z = g_time_zone_new_identifier("Europe/London");
		if (z == NULL)  /* no zone data: UTC is wrong by an hour in summer only */
			z = g_time_zone_new_utc();
		g_once_init_leave(&tz, (gsize)z);
	}
	return (GTimeZone *)tz;
}

gboolean
rd_calendar_receipt_day(const RdCalendar *cal, GDateTime *received,
                        int cutoff_hour, int cutoff_minute, GDate *out)
{
	g_return_val_if_fail(cal != NULL, FALSE);
	g_return_val_if_fail(received != NULL, FALSE);
	g_return_val_if_fail(out != NULL, FALSE);

	g_autoptr(GDateTime) local = g_date_time_to_timezone(received, london());
	if (local == NULL)
		return FALSE;
	int h = g_date_time_get_hour(local), m = g_date_time_get_minute(local);
	gboolean late = cutoff_hour >= 0 &&
	                (h > cutoff_hour || (h == cutoff_hour && m >= cutoff_minute));
	GDate day = dmy(g_date_time_get_year(local), g_date_time_get_month(local),
	                g_date_time_get_day_of_month(local));
	/* Late on a working day: the next one. Any time on a closed day: the
	 * next working day, which is what n = 1 gives too. */
	return rd_calendar_add_working_days(cal, &day, late ? 1 : 0, out);
}

/* Append the @src entries of @year whose dates are not in @seen yet. */
static void
collect(const RdCalendar *cal, RdHolidaySource src, int year, GArray *out,
        GHashTable *seen)
{
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, cal->days[src]);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		const Entry *e = value;
		if (g_date_get_year(&e->date) != year || g_hash_table_contains(seen, key))
			continue;
		g_hash_table_add(seen, key);
		RdHoliday h = { e->date, e->title, src };
		g_array_append_val(out, h);
	}
}

GArray *
rd_calendar_holidays(const RdCalendar *cal, int year)
{
	g_return_val_if_fail(cal != NULL, NULL);
	g_return_val_if_fail(year >= 1 && year <= 9999, NULL);

	GArray *out = g_array_new(FALSE, FALSE, sizeof(RdHoliday));
	g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
	if (rd_calendar_year_source(cal, year) == RD_HOLIDAY_FILE) {
		collect(cal, RD_HOLIDAY_FILE, year, out, seen);
	} else {
		YearDays yd;
		compute_year(cal->nation, year, &yd);
		for (guint i = 0; i < yd.n; i++) {
			RdHoliday h = { yd.days[i].date, yd.days[i].title, RD_HOLIDAY_COMPUTED };
			g_array_append_val(out, h);
			g_hash_table_add(seen, jkey(&yd.days[i].date));
		}
		collect(cal, RD_HOLIDAY_COMPUTED, year, out, seen);
	}
	collect(cal, RD_HOLIDAY_CLOSURE, year, out, seen);
	g_array_sort(out, holiday_cmp);
	return out;
}
