/*
 * dates.c — a date as a mail client writes it in the header lines of a
 * forwarded message → Unix seconds.
 *
 * RFC 5322 dates are GMime's job; inside a forwarded body every client
 * writes its own form, in the sender's language:
 *
 *   Thu, 3 Dec 2026 09:12:00 +0000          (Thunderbird, RFC 5322)
 *   Thursday, December 3, 2026 9:12 AM      (Outlook, US English)
 *   Thursday, 3 December 2026 09:12         (Outlook, UK English)
 *   Thu, 3 Dec 2026 at 09:12                (Gmail, UK English)
 *   3 December 2026 at 09:12:00 GMT         (Apple Mail)
 *   03/12/2026 09:12 (GMT+00:00)            (Samsung)
 *   Dydd Iau, 3 Rhagfyr 2026 09:12          (Welsh)
 *
 * The string is cut into tokens (words, numbers, a time, a numeric date,
 * a zone) and each must be understood: an unknown word, a second year, a
 * day that the month does not have or a weekday that does not fall on the
 * date gives 0, since a wrong date is worse than none. A date needs a day,
 * a month, a year and a time. Numeric dates are read day first (a UK
 * council's officers, and the form UK clients write) unless the second
 * number cannot be a month, or a weekday given agrees only with the other
 * order (a US client's "Thu 12/3/2026"). Without a zone the
 * time is Europe/London's, worked out from the UK rule (summer time from
 * 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
 * October, the rule since 1996) rather than from the system's tzdata,
 * which would make the parser read files.
 *
 * In Welsh "Mawrth" is both Tuesday and March, and "Maw" abbreviates both:
 * such a word is the weekday when "dydd" comes before it or a comma after
 * it, else the month. Welsh "am" is "at" except right after a time, where
 * it is the English a.m.
 */
#include <string.h>

#include "parsers-private.h"

#define DATE_TEXT_MAX 200

typedef enum {
	TOK_WORD,
	TOK_NUM,
	TOK_TIME,     /* h:mm or h:mm:ss */
	TOK_NUMDATE,  /* a/b/c, a.b.c or a-b-c */
	TOK_ZONE,     /* +hhmm, -hh:mm */
} TokKind;

typedef struct {
	TokKind kind;
	char word[24];      /* TOK_WORD, lower case, cut if longer */
	gboolean comma;     /* a comma follows */
	int v[3];           /* numbers: TOK_NUM v[0]; TIME h, m, s;
	                       NUMDATE a, b, c; ZONE minutes east in v[0] */
	int digits[3];      /* digits of each number */
} Tok;

#define MAX_TOKS 24

/* Weekdays as GDateWeekday numbers (Monday 1 … Sunday 7). */
static const struct {
	const char *name;
	int day;
} weekdays[] = {
	{ "monday", 1 }, { "tuesday", 2 }, { "wednesday", 3 }, { "thursday", 4 },
	{ "friday", 5 }, { "saturday", 6 }, { "sunday", 7 },
	{ "mon", 1 }, { "tue", 2 }, { "tues", 2 }, { "wed", 3 }, { "thu", 4 },
	{ "thur", 4 }, { "thurs", 4 }, { "fri", 5 }, { "sat", 6 }, { "sun", 7 },
	/* Welsh, full and short (Mawrth and Maw: see the top) */
	{ "llun", 1 }, { "mawrth", 2 }, { "maw", 2 }, { "mercher", 3 }, { "mer", 3 },
	{ "iau", 4 }, { "gwener", 5 }, { "gwen", 5 }, { "sadwrn", 6 }, { "sad", 6 },
	{ "sul", 7 },
};

static const struct {
	const char *name;
	int month;
} months[] = {
	{ "january", 1 }, { "february", 2 }, { "march", 3 }, { "april", 4 },
	{ "may", 5 }, { "june", 6 }, { "july", 7 }, { "august", 8 },
	{ "september", 9 }, { "october", 10 }, { "november", 11 }, { "december", 12 },
	{ "jan", 1 }, { "feb", 2 }, { "mar", 3 }, { "apr", 4 }, { "jun", 6 },
	{ "jul", 7 }, { "aug", 8 }, { "sep", 9 }, { "sept", 9 }, { "oct", 10 },
	{ "nov", 11 }, { "dec", 12 },
	{ "ionawr", 1 }, { "chwefror", 2 }, { "mawrth", 3 }, { "ebrill", 4 },
	{ "mai", 5 }, { "mehefin", 6 }, { "gorffennaf", 7 }, { "awst", 8 },
	{ "medi", 9 }, { "hydref", 10 }, { "tachwedd", 11 }, { "rhagfyr", 12 },
	{ "ion", 1 }, { "chwef", 2 }, { "maw", 3 }, { "ebr", 4 }, { "meh", 6 },
	{ "gorff", 7 }, { "hyd", 10 }, { "tach", 11 }, { "rhag", 12 },
};

/* Zone names and their offsets in minutes east of UTC: the RFC 5322 ones
 * and those UK mail shows. */
static const struct {
	const char *name;
	int minutes;
} zones[] = {
	{ "gmt", 0 }, { "utc", 0 }, { "ut", 0 }, { "z", 0 }, { "bst", 60 },
	{ "cet", 60 }, { "cest", 120 },
	{ "est", -300 }, { "edt", -240 }, { "cst", -360 }, { "cdt", -300 },
	{ "mst", -420 }, { "mdt", -360 }, { "pst", -480 }, { "pdt", -420 },
};

/* Words that carry no part of the date: "at", Welsh "am" (at) and
 * "dydd" (day, also mutated "ddydd"), ordinal endings after a number. */
static const char *const fillers[] = {
	"at", "am", "dydd", "ddydd", "st", "nd", "rd", "th", "of", NULL,
};

static int
weekday_of(const char *w)
{
	for (gsize i = 0; i < G_N_ELEMENTS(weekdays); i++)
		if (strcmp(w, weekdays[i].name) == 0)
			return weekdays[i].day;
	return 0;
}

static gboolean
in_list(const char *w, const char *const *list)
{
	for (guint i = 0; list[i] != NULL; i++)
		if (strcmp(w, list[i]) == 0)
			return TRUE;
	return FALSE;
}

static int
month_of(const char *w)
{
	for (gsize i = 0; i < G_N_ELEMENTS(months); i++)
		if (strcmp(w, months[i].name) == 0)
			return months[i].month;
	return 0;
}

static gboolean
zone_of(const char *w, int *minutes_r)
{
	for (gsize i = 0; i < G_N_ELEMENTS(zones); i++)
		if (strcmp(w, zones[i].name) == 0) {
			*minutes_r = zones[i].minutes;
			return TRUE;
		}
	return FALSE;
}

/* Up to @max digits at *@p as a number; advances *@p. -1 if none. */
static int
read_number(const char **p, int max, int *digits_r)
{
	int v = 0, n = 0;
	while (g_ascii_isdigit(**p) && n < max) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	*digits_r = n;
	return n > 0 ? v : -1;
}

/* "+hhmm", "+hh:mm", "+h": minutes east, or FALSE. */
static gboolean
read_offset(const char **pp, int *minutes_r)
{
	const char *p = *pp;
	int sign = *p == '-' ? -1 : 1;
	if (*p != '+' && *p != '-')
		return FALSE;
	p++;
	int d = 0;
	int v = read_number(&p, 4, &d);
	if (v < 0)
		return FALSE;
	int h, m = 0;
	if (d <= 2) {
		h = v;
		if (*p == ':') {
			p++;
			int d2 = 0;
			m = read_number(&p, 2, &d2);
			if (d2 != 2)
				return FALSE;
		}
	} else if (d == 4) {
		h = v / 100;
		m = v % 100;
	} else {
		return FALSE;
	}
	if (h > 14 || m > 59 || g_ascii_isdigit(*p))
		return FALSE;
	*minutes_r = sign * (h * 60 + m);
	*pp = p;
	return TRUE;
}

/* Cut @s (lower case, valid UTF-8) into tokens; FALSE on anything not
 * understood as a token or too many of them. */
static gboolean
tokenize(const char *s, Tok *toks, guint *n_r)
{
	guint n = 0;
	const char *p = s;
	while (*p != '\0') {
		gunichar c = g_utf8_get_char(p);
		if (c == ',' && n > 0) {
			toks[n - 1].comma = TRUE;
			p++;
			continue;
		}
		if (g_unichar_isspace(c) || c == ',' || c == '(' || c == ')' || c == '.' ||
		    c == 0xA0) {
			p = g_utf8_next_char(p);
			continue;
		}
		if (n == MAX_TOKS)
			return FALSE;
		Tok *t = &toks[n];
		memset(t, 0, sizeof *t);

		if ((c == '+' || c == '-') && n > 0) {
			int minutes;
			if (!read_offset(&p, &minutes))
				return FALSE;
			t->kind = TOK_ZONE;
			t->v[0] = minutes;
			n++;
			continue;
		}
		if (g_ascii_isdigit(*p)) {
			int d0 = 0;
			int a = read_number(&p, 4, &d0);
			if (g_ascii_isdigit(*p))
				return FALSE;  /* five digits or more */
			if (*p == ':') {
				t->kind = TOK_TIME;
				t->v[0] = a;
				t->digits[0] = d0;
				p++;
				t->v[1] = read_number(&p, 2, &t->digits[1]);
				if (t->digits[1] != 2)
					return FALSE;
				if (*p == ':') {
					p++;
					t->v[2] = read_number(&p, 2, &t->digits[2]);
					if (t->digits[2] != 2)
						return FALSE;
				}
			} else if ((*p == '/' || *p == '.' || *p == '-') && g_ascii_isdigit(p[1])) {
				char sep = *p;
				t->kind = TOK_NUMDATE;
				t->v[0] = a;
				t->digits[0] = d0;
				p++;
				t->v[1] = read_number(&p, 2, &t->digits[1]);
				if (*p != sep || !g_ascii_isdigit(p[1]))
					return FALSE;
				p++;
				t->v[2] = read_number(&p, 4, &t->digits[2]);
				if (g_ascii_isdigit(*p))
					return FALSE;
			} else {
				t->kind = TOK_NUM;
				t->v[0] = a;
				t->digits[0] = d0;
			}
			n++;
			continue;
		}
		if (g_unichar_isalpha(c)) {
			const char *w = p;
			while (*p != '\0') {
				gunichar d = g_utf8_get_char(p);
				if (!g_unichar_isalpha(d) && d != '\'' && d != 0x2019)
					break;
				p = g_utf8_next_char(p);
			}
			gsize wl = (gsize) (p - w);
			if (wl >= sizeof t->word)
				return FALSE;  /* no word we know is that long */
			memcpy(t->word, w, wl);
			t->word[wl] = '\0';
			t->kind = TOK_WORD;
			/* "a.m." and "p.m.": one word */
			if ((strcmp(t->word, "a") == 0 || strcmp(t->word, "p") == 0) &&
			    p[0] == '.' && p[1] == 'm') {
				t->word[1] = 'm';
				t->word[2] = '\0';
				p += 2;
				if (*p == '.')
					p++;
			}
			n++;
			continue;
		}
		return FALSE;
	}
	*n_r = n;
	return TRUE;
}

/* GDateWeekday of a valid date. */
static int
weekday_at(int year, int month, int day)
{
	if (!g_date_valid_dmy((GDateDay) day, (GDateMonth) month, (GDateYear) year))
		return 0;
	GDate d;
	g_date_clear(&d, 1);
	g_date_set_dmy(&d, (GDateDay) day, (GDateMonth) month, (GDateYear) year);
	return (int) g_date_get_weekday(&d);
}

/* Seconds of 00:00 UTC on the last Sunday of @month in @year. */
static gint64
last_sunday(int year, int month)
{
	guint8 days = g_date_get_days_in_month((GDateMonth) month, (GDateYear) year);
	GDate d;
	g_date_clear(&d, 1);
	g_date_set_dmy(&d, days, (GDateMonth) month, (GDateYear) year);
	int back = g_date_get_weekday(&d) % 7;  /* Sunday is 7 */
	g_autoptr(GDateTime) dt = g_date_time_new_utc(year, month, days - back, 0, 0, 0);
	return g_date_time_to_unix(dt);
}

/* @wall (a London wall-clock time counted as if it were UTC) → UTC. */
static gint64
london_to_utc(int year, gint64 wall)
{
	gint64 start = last_sunday(year, 3) + 3600;
	gint64 end = last_sunday(year, 10) + 3600;
	gint64 summer = wall - 3600;
	return summer >= start && summer < end ? summer : wall;
}

gint64
_rd_written_date_parse(const char *text)
{
	if (text == NULL || strlen(text) > DATE_TEXT_MAX || !g_utf8_validate(text, -1, NULL))
		return 0;
	g_autofree char *s = g_utf8_strdown(text, -1);
	Tok toks[MAX_TOKS];
	guint n = 0;
	if (!tokenize(s, toks, &n))
		return 0;

	int year = -1, month = -1, day = -1, hour = -1, minute = -1, second = 0;
	int zone = 0;
	gboolean have_zone = FALSE;
	int time_at = -1;
	int weekday = 0;
	gboolean numeric_either_way = FALSE;  /* a numeric date both ways valid */

	for (guint i = 0; i < n; i++) {
		Tok *t = &toks[i];
		switch (t->kind) {
		case TOK_WORD: {
			int m = month_of(t->word);
			int z;
			gboolean after_time = time_at >= 0 && (guint) time_at + 1 == i;
			gboolean ambiguous = strcmp(t->word, "mawrth") == 0 || strcmp(t->word, "maw") == 0;
			int wd = weekday_of(t->word);
			if (ambiguous && !(t->comma || (i > 0 && toks[i - 1].kind == TOK_WORD &&
			                                (strcmp(toks[i - 1].word, "dydd") == 0 ||
			                                 strcmp(toks[i - 1].word, "ddydd") == 0))))
				wd = 0;  /* the month */
			else if (ambiguous)
				m = 0;   /* the weekday */
			if (after_time && (strcmp(t->word, "am") == 0 || strcmp(t->word, "yb") == 0 ||
			                   strcmp(t->word, "pm") == 0 || strcmp(t->word, "yh") == 0)) {
				gboolean pm = t->word[0] == 'p' || strcmp(t->word, "yh") == 0;
				if (hour < 1 || hour > 12)
					return 0;
				hour = hour % 12 + (pm ? 12 : 0);
			} else if (m > 0) {
				if (month >= 0)
					return 0;
				month = m;
			} else if (wd > 0) {
				if (weekday > 0)
					return 0;
				weekday = wd;
			} else if (zone_of(t->word, &z)) {
				/* "+0000 (UTC)": the name repeats the offset */
				if (!have_zone)
					zone = z;
				have_zone = TRUE;
			} else if (!in_list(t->word, fillers)) {
				return 0;
			}
			break;
		}
		case TOK_NUM:
			if (t->digits[0] == 4) {
				if (year >= 0)
					return 0;
				year = t->v[0];
			} else if (t->digits[0] <= 2) {
				if (day >= 0)
					return 0;
				day = t->v[0];
			} else {
				return 0;
			}
			break;
		case TOK_TIME:
			if (hour >= 0)
				return 0;
			hour = t->v[0];
			minute = t->v[1];
			second = t->digits[2] > 0 ? t->v[2] : 0;
			time_at = (int) i;
			break;
		case TOK_NUMDATE: {
			if (year >= 0 || month >= 0 || day >= 0)
				return 0;
			int a = t->v[0], b = t->v[1], c = t->v[2];
			if (t->digits[0] == 4) {          /* 2026-12-03 */
				year = a;
				month = b;
				day = c;
			} else if (t->digits[0] <= 2 && (t->digits[2] == 4 || t->digits[2] == 2)) {
				year = t->digits[2] == 4 ? c : (c < 70 ? 2000 + c : 1900 + c);
				if (b > 12 && a <= 12) {  /* month first, unmistakably */
					month = a;
					day = b;
				} else {
					day = a;
					month = b;
					numeric_either_way = a <= 12 && a != b;
				}
			} else {
				return 0;
			}
			break;
		}
		case TOK_ZONE: {
			/* "GMT+01:00": the offset qualifies the name before it */
			gboolean after_name = i > 0 && toks[i - 1].kind == TOK_WORD &&
			                      (strcmp(toks[i - 1].word, "gmt") == 0 ||
			                       strcmp(toks[i - 1].word, "utc") == 0);
			if (hour < 0 || (have_zone && !after_name))
				return 0;
			zone = t->v[0];
			have_zone = TRUE;
			break;
		}
		}
	}

	if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second > 60)
		return 0;
	if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 ||
	    !g_date_valid_dmy((GDateDay) day, (GDateMonth) month, (GDateYear) year))
		return 0;
	/* A weekday must agree with the date. For "03/12/2026" it also
	 * settles the order when a US client wrote month first. */
	if (weekday > 0 && weekday_at(year, month, day) != weekday) {
		if (!numeric_either_way || weekday_at(year, day, month) != weekday)
			return 0;
		int swap = day;
		day = month;
		month = swap;
	}
	if (second == 60)
		second = 59;  /* a leap second: GDateTime has none */
	g_autoptr(GDateTime) dt = g_date_time_new_utc(year, month, day, hour, minute, second);
	if (dt == NULL)
		return 0;
	gint64 wall = g_date_time_to_unix(dt);
	gint64 utc = have_zone ? wall - (gint64) zone * 60 : london_to_utc(year, wall);
	return utc > 0 ? utc : 0;
}
