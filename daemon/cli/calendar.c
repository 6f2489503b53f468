/*
 * calendar.c — the working-day calendar at the terminal:
 *
 *   redress holidays YEAR [--nation N] [--bank-holidays FILE] [--closure DATE]…
 *   redress workdays add DATE N [--nation N] [--bank-holidays FILE] [--closure DATE]…
 *
 * Both build the calendar exactly as the daemon does (rd_calendar_load), so
 * an officer can check a deadline by hand and get the daemon's answer.
 * --json (a global option) prints one JSON document for scripts.
 */
#include <stdio.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

/* English names whatever the locale: the output is compared by scripts. */
static const char *const weekday_names[] = {
	[G_DATE_BAD_WEEKDAY] = "?",
	[G_DATE_MONDAY] = "Mon", [G_DATE_TUESDAY] = "Tue", [G_DATE_WEDNESDAY] = "Wed",
	[G_DATE_THURSDAY] = "Thu", [G_DATE_FRIDAY] = "Fri", [G_DATE_SATURDAY] = "Sat",
	[G_DATE_SUNDAY] = "Sun",
};

static const char *
weekday(const GDate *d)
{
	return weekday_names[g_date_get_weekday(d)];
}

/* Options both commands take. */
typedef struct {
	char *nation;
	char *bank_holidays;
	char **closures;
} CalOptions;

static void
cal_options_clear(CalOptions *o)
{
	g_clear_pointer(&o->nation, g_free);
	g_clear_pointer(&o->bank_holidays, g_free);
	g_clear_pointer(&o->closures, g_strfreev);
}

static int
parse_options(const char *cmd, const char *summary, CalOptions *o, int *argc,
              char ***argv)
{
	GOptionEntry entries[] = {
		{ "nation", 'n', 0, G_OPTION_ARG_STRING, &o->nation,
		  "Whose bank holidays: england-and-wales (default), scotland or northern-ireland", "N" },
		{ "bank-holidays", 0, 0, G_OPTION_ARG_FILENAME, &o->bank_holidays,
		  "The official list (gov.uk bank-holidays.json); without it, computed rules", "FILE" },
		{ "closure", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->closures,
		  "A local closure day (repeatable)", "YYYY-MM-DD" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new(summary);
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, argc, argv, &err)) {
		fprintf(stderr, "%s: %s (see %s --help)\n", cmd, err->message, cmd);
		return RD_EXIT_USAGE;
	}
	return RD_EXIT_OK;
}

/* Build the calendar from the options, printing what to fix on failure. */
static int
open_calendar(const RdGlobalOptions *g, const char *cmd, const CalOptions *o, RdCalendar **cal_r)
{
	/* The configuration gives the defaults; options override them. */
	g_autoptr(RdConfig) cfg = rd_config_load_global(g);
	if (cfg == NULL)
		return RD_EXIT_USAGE;
	RdNation nation = cfg->nation;
	const char *bank_holidays = o->bank_holidays ? o->bank_holidays : cfg->bank_holidays;
	char **closures = o->closures ? o->closures : cfg->closures;
	if (o->nation != NULL && !rd_nation_from_string(o->nation, &nation)) {
		fprintf(stderr, "%s: unknown nation '%s'; use england-and-wales, scotland or northern-ireland\n",
		        cmd, o->nation);
		return RD_EXIT_USAGE;
	}
	g_autoptr(GError) err = NULL;
	*cal_r = rd_calendar_load(nation, bank_holidays, closures, &err);
	if (*cal_r == NULL) {
		fprintf(stderr, "%s: %s\n", cmd, err->message);
		return RD_EXIT_USAGE;
	}
	return RD_EXIT_OK;
}


static void
jdate(JsonBuilder *b, const char *name, const GDate *d)
{
	g_autofree char *s = rd_date_format_iso(d);
	rd_json_str(b, name, s);
}

static void
holiday_to_json(JsonBuilder *b, const RdHoliday *h)
{
	json_builder_begin_object(b);
	jdate(b, "date", &h->date);
	rd_json_str(b, "weekday", weekday(&h->date));
	rd_json_str(b, "title", h->title);
	rd_json_str(b, "source", rd_holiday_source_to_string(h->source));
	json_builder_end_object(b);
}


/* ---- holidays ------------------------------------------------------------------ */

int
rd_cmd_holidays(const RdGlobalOptions *g, int argc, char **argv)
{
	const char *cmd = "redress holidays";
	CalOptions o = { 0 };
	int rc = parse_options(cmd, "YEAR — list the non-working days of YEAR other than weekends",
	                       &o, &argc, &argv);
	if (rc != RD_EXIT_OK) {
		cal_options_clear(&o);
		return rc;
	}
	guint64 year = 0;
	if (argc != 2 || !g_ascii_string_to_unsigned(argv[1], 10, 1000, 9999, &year, NULL)) {
		fprintf(stderr, "%s: give one four-digit YEAR, e.g. 'redress holidays 2026' (see %s --help)\n",
		        cmd, cmd);
		cal_options_clear(&o);
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdCalendar) cal = NULL;
	rc = open_calendar(g, cmd, &o, &cal);
	cal_options_clear(&o);
	if (rc != RD_EXIT_OK)
		return rc;

	int y = (int)year;
	const char *nation = rd_nation_to_string(rd_calendar_get_nation(cal));
	RdHolidaySource src = rd_calendar_year_source(cal, y);
	g_autoptr(GArray) days = rd_calendar_holidays(cal, y);
	if (g->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		rd_json_str(b, "nation", nation);
		json_builder_set_member_name(b, "year");
		json_builder_add_int_value(b, y);
		rd_json_str(b, "source", rd_holiday_source_to_string(src));
		json_builder_set_member_name(b, "days");
		json_builder_begin_array(b);
		for (guint i = 0; i < days->len; i++)
			holiday_to_json(b, &g_array_index(days, RdHoliday, i));
		json_builder_end_array(b);
		json_builder_end_object(b);
		rd_json_print(b);
		return RD_EXIT_OK;
	}
	if (!g->quiet) {
		printf("%s %d: bank holidays %s\n", nation, y,
		       src == RD_HOLIDAY_FILE ? "from the bank-holidays file"
		                              : "computed from the rules");
		if (src == RD_HOLIDAY_COMPUTED && y < 1978)
			printf("note: the rules are today's; before 1978 they do not match history\n");
	}
	for (guint i = 0; i < days->len; i++) {
		const RdHoliday *h = &g_array_index(days, RdHoliday, i);
		g_autofree char *date = rd_date_format_iso(&h->date);
		printf("%s %s  %-8s  %s\n", date, weekday(&h->date),
		       rd_holiday_source_to_string(h->source), h->title);
	}
	if (!g->quiet)
		printf("%u day%s\n", days->len, days->len == 1 ? "" : "s");
	return RD_EXIT_OK;
}

/* ---- workdays ------------------------------------------------------------------ */

/* "YYYY-MM-DD" or "today" (in Europe/London). */
static gboolean
parse_day(const char *s, GDate *d_r)
{
	if (strcmp(s, "today") == 0) {
		g_autoptr(GTimeZone) tz = g_time_zone_new_identifier("Europe/London");
		if (tz == NULL)
			tz = g_time_zone_new_utc();
		g_autoptr(GDateTime) now = g_date_time_new_now(tz);
		g_date_clear(d_r, 1);
		g_date_set_dmy(d_r, (GDateDay)g_date_time_get_day_of_month(now),
		               (GDateMonth)g_date_time_get_month(now),
		               (GDateYear)g_date_time_get_year(now));
		return TRUE;
	}
	return rd_date_parse_iso(s, d_r);
}

int
rd_cmd_workdays(const RdGlobalOptions *g, int argc, char **argv)
{
	const char *cmd = "redress workdays";
	CalOptions o = { 0 };
	int rc = parse_options(cmd, "add DATE N — the Nth working day after DATE (DATE itself not counted)",
	                       &o, &argc, &argv);
	if (rc != RD_EXIT_OK) {
		cal_options_clear(&o);
		return rc;
	}
	GDate from;
	guint64 n = 0;
	if (argc != 4 || strcmp(argv[1], "add") != 0) {
		fprintf(stderr, "%s: use 'redress workdays add DATE N', e.g. 'redress workdays add 2026-12-23 2'\n",
		        cmd);
		cal_options_clear(&o);
		return RD_EXIT_USAGE;
	}
	if (!parse_day(argv[2], &from)) {
		fprintf(stderr, "%s: '%s' is not a date; write YYYY-MM-DD or 'today'\n", cmd, argv[2]);
		cal_options_clear(&o);
		return RD_EXIT_USAGE;
	}
	if (!g_ascii_string_to_unsigned(argv[3], 10, 0, 10000, &n, NULL)) {
		fprintf(stderr, "%s: N must be a whole number of working days from 0 to 10000, not '%s'\n",
		        cmd, argv[3]);
		cal_options_clear(&o);
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdCalendar) cal = NULL;
	rc = open_calendar(g, cmd, &o, &cal);
	cal_options_clear(&o);
	if (rc != RD_EXIT_OK)
		return rc;

	GDate due;
	if (!rd_calendar_add_working_days(cal, &from, (guint)n, &due)) {
		fprintf(stderr, "%s: the answer lies beyond the year 9999\n", cmd);
		return RD_EXIT_USAGE;
	}
	/* The bank holidays and closures passed over, so the answer can be
	 * checked by eye. */
	g_autoptr(GArray) skipped = g_array_new(FALSE, FALSE, sizeof(RdHoliday));
	GDate d = from;
	if (n > 0)
		g_date_add_days(&d, 1);
	for (; g_date_compare(&d, &due) < 0; g_date_add_days(&d, 1)) {
		RdHoliday h;
		if (rd_calendar_lookup(cal, &d, &h))
			g_array_append_val(skipped, h);
	}

	g_autofree char *from_s = rd_date_format_iso(&from);
	g_autofree char *due_s = rd_date_format_iso(&due);
	if (g->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		rd_json_str(b, "nation", rd_nation_to_string(rd_calendar_get_nation(cal)));
		rd_json_str(b, "from", from_s);
		json_builder_set_member_name(b, "working_days");
		json_builder_add_int_value(b, (gint64)n);
		rd_json_str(b, "date", due_s);
		rd_json_str(b, "weekday", weekday(&due));
		json_builder_set_member_name(b, "skipped");
		json_builder_begin_array(b);
		for (guint i = 0; i < skipped->len; i++)
			holiday_to_json(b, &g_array_index(skipped, RdHoliday, i));
		json_builder_end_array(b);
		json_builder_end_object(b);
		rd_json_print(b);
		return RD_EXIT_OK;
	}
	printf("%s %s\n", due_s, weekday(&due));
	if (g->quiet)
		return RD_EXIT_OK;
	printf("  %u working day%s after %s %s (%s)\n", (guint)n, n == 1 ? "" : "s",
	       weekday(&from), from_s, rd_nation_to_string(rd_calendar_get_nation(cal)));
	for (guint i = 0; i < skipped->len; i++) {
		const RdHoliday *h = &g_array_index(skipped, RdHoliday, i);
		g_autofree char *s = rd_date_format_iso(&h->date);
		printf("  skipped %s %s  %s (%s)\n", s, weekday(&h->date), h->title,
		       rd_holiday_source_to_string(h->source));
	}
	return RD_EXIT_OK;
}
