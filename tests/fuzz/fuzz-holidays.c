/*
 * fuzz-holidays.c — libFuzzer target for the bank-holidays loader
 * (daemon/base/holidays.c rd_calendar_load_json_data), which reads gov.uk's
 * bank-holidays.json into a calendar (procedure/calendar.c). The input is
 * the file, given with its length (not NUL-terminated), loaded once for
 * each nation.
 *
 * Invariants beyond the sanitizers:
 *  - a failed load sets an RD_HOLIDAYS_ERROR whose message is valid UTF-8
 *    and starts with the file name, and leaves the calendar unchanged (no
 *    year covered);
 *  - after a load, each covered year's holidays are sorted, one per date,
 *    in that year, with a non-empty UTF-8 title that rd_calendar_lookup()
 *    finds again, and none of them is a working day.
 */
#include <string.h>

#include "base/base.h"
#include "fuzz.h"

static void
check_year(const RdCalendar *cal, int year)
{
	g_autoptr(GArray) days = rd_calendar_holidays(cal, year);
	for (guint i = 0; i < days->len; i++) {
		const RdHoliday *h = &g_array_index(days, RdHoliday, i);
		rd_fuzz_check(g_date_valid(&h->date) && g_date_get_year(&h->date) == year,
		              "a holiday of %d is not in %d", year, year);
		if (i > 0)
			rd_fuzz_check(g_date_compare(&g_array_index(days, RdHoliday, i - 1).date, &h->date) < 0,
			              "holidays of %d not sorted or not one per date", year);
		rd_fuzz_check(h->title != NULL && *h->title != '\0' && g_utf8_validate(h->title, -1, NULL),
		              "holiday title of %d empty or not UTF-8", year);
		RdHoliday found;
		rd_fuzz_check(rd_calendar_lookup(cal, &h->date, &found), "holiday of %d not found again", year);
		rd_fuzz_check(!rd_calendar_is_working_day(cal, &h->date), "holiday of %d is a working day", year);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static gboolean ready;
	if (!ready) {
		rd_fuzz_init();
		ready = TRUE;
	}
	/* The loader wants a pointer even for no bytes. */
	const char *bytes = data != NULL ? (const char *)data : "";

	for (int n = 0; n < RD_NATION_N; n++) {
		g_autoptr(RdCalendar) cal = rd_calendar_new((RdNation)n);
		g_autoptr(GError) err = NULL;
		gboolean ok = rd_calendar_load_json_data(cal, bytes, (gssize)size, "fuzz.json", &err);
		g_autoptr(GArray) years = rd_calendar_covered_years(cal);
		if (!ok) {
			rd_fuzz_check(g_error_matches(err, RD_HOLIDAYS_ERROR, RD_HOLIDAYS_ERROR_INVALID),
			              "load failed with %s", err != NULL ? err->message : "no error");
			rd_fuzz_check(g_utf8_validate(err->message, -1, NULL), "error is not UTF-8");
			rd_fuzz_check(g_str_has_prefix(err->message, "fuzz.json: "), "error '%s' does not name the file",
			              err->message);
			rd_fuzz_check(years->len == 0, "a failed load changed the calendar");
			continue;
		}
		rd_fuzz_check(err == NULL, "load succeeded with an error set");
		for (guint i = 0; i < years->len; i++)
			check_year(cal, g_array_index(years, int, i));
	}
	return 0;
}
