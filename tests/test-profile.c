/*
 * test-profile.c — procedure profiles, stage clocks and the deadline sweep
 * (procedure/profile.c, clock.c, sweep.c).
 *
 * Expected dates are worked out by hand from the England and Wales bank
 * holidays of 2026 (Good Friday 3 April, Easter Monday 6 April, Christmas
 * Friday 25 December, Boxing Day substitute Monday 28 December, New Year
 * Friday 1 January 2027), not by the code under test. The calendar is
 * rd_calendar_new() with no file, so those days come from the computed
 * rules. Each table row is its own g_test case.
 */
#include <string.h>

#include "procedure.h"

static GDate
date(const char *s)
{
	GDate d;
	g_assert_true(rd_date_parse_iso(s, &d));
	return d;
}

/* A date as "YYYY-MM-DD", or "-" if cleared; newly allocated. */
static char *
fmt(const GDate *d)
{
	return g_date_valid(d) ? rd_date_format_iso(d) : g_strdup("-");
}

static void
assert_date(const GDate *d, const char *want)
{
	g_autofree char *got = fmt(d);
	g_assert_cmpstr(got, ==, want);
}

/* England and Wales, computed holidays, plus the closures in @closures
 * ("YYYY-MM-DD …", may be NULL). */
static RdCalendar *
calendar(const char *closures)
{
	RdCalendar *cal = rd_calendar_new(RD_NATION_ENGLAND_WALES);
	g_auto(GStrv) days = g_strsplit(closures != NULL ? closures : "", " ", -1);
	for (guint i = 0; days[i] != NULL; i++) {
		if (days[i][0] == '\0')
			continue;
		GDate d = date(days[i]);
		rd_calendar_add_holiday(cal, &d, "Office closed", RD_HOLIDAY_CLOSURE);
	}
	return cal;
}

/* ---- built-in profiles ------------------------------------------------------ */

typedef struct {
	const char *name;
	guint ack1, resp1, months1, ext1;
	RdClockBase base1;
	gboolean agree1;
	gboolean has2;
	guint ack2, resp2, ext2, dept2;
	RdClockBase base2;
	gboolean agree2;
	guint reminder;
	gboolean ombudsman_details;
	const char *ombudsman;
} BuiltinRow;

#define R RD_CLOCK_RECEIPT
#define A RD_CLOCK_ACK

static const BuiltinRow builtin_rows[] = {
	/* name                  ack resp mon ext base agree  s2  ack resp ext dept base agree rem omb   */
	{ "council",               2, 10, 0, 10, R, FALSE, TRUE, 2, 20, 20, 5, R, FALSE, 2, TRUE, "lgsco" },
	{ "lgsco-2024",            5, 10, 0, 10, A, FALSE, TRUE, 5, 20, 20, 0, A, FALSE, 2, TRUE, "lgsco" },
	{ "housing-ombudsman-2024",5, 10, 0, 10, A, FALSE, TRUE, 5, 20, 20, 0, A, FALSE, 2, TRUE,
	  "housing-ombudsman" },
	{ "spso",                  0,  5, 0,  5, R, FALSE, TRUE, 3, 20,  0, 0, R, TRUE,  2, FALSE, "spso" },
	{ "childrens-statutory",   3, 10, 0, 10, R, FALSE, TRUE, 0, 25, 40, 0, R, FALSE, 2, FALSE, "lgsco" },
	{ "adult-social-care",     3,  0, 6,  0, R, TRUE, FALSE, 0,  0,  0, 0, R, FALSE, 10, FALSE, "lgsco" },
};

static void
test_builtin(gconstpointer data)
{
	const BuiltinRow *row = data;
	const RdProfile *p = rd_profile_builtin(row->name);
	g_assert_nonnull(p);
	g_assert_cmpstr(p->name, ==, row->name);
	g_assert_nonnull(p->description);

	const RdStageRules *s1 = &p->stage[0], *s2 = &p->stage[1];
	g_assert_cmpuint(s1->ack_days, ==, row->ack1);
	g_assert_cmpuint(s1->response_days, ==, row->resp1);
	g_assert_cmpuint(s1->response_months, ==, row->months1);
	g_assert_cmpuint(s1->extension_days, ==, row->ext1);
	g_assert_cmpint(s1->base, ==, row->base1);
	g_assert_cmpint(s1->extension_by_agreement, ==, row->agree1);
	g_assert_cmpuint(s1->dept_notice_days, ==, 0);
	g_assert_cmpint(p->has_stage2, ==, row->has2);
	if (row->has2) {
		g_assert_cmpuint(s2->ack_days, ==, row->ack2);
		g_assert_cmpuint(s2->response_days, ==, row->resp2);
		g_assert_cmpuint(s2->response_months, ==, 0);
		g_assert_cmpuint(s2->extension_days, ==, row->ext2);
		g_assert_cmpuint(s2->dept_notice_days, ==, row->dept2);
		g_assert_cmpint(s2->base, ==, row->base2);
		g_assert_cmpint(s2->extension_by_agreement, ==, row->agree2);
	}
	g_assert_cmpuint(p->reminder_days, ==, row->reminder);
	g_assert_cmpint(p->holding_ombudsman_details, ==, row->ombudsman_details);
	g_assert_cmpstr(rd_ombudsman_to_string(p->ombudsman), ==, row->ombudsman);

	g_autoptr(GError) error = NULL;
	g_assert_true(rd_profile_check(p, &error));
	g_assert_no_error(error);
}

static void
test_builtin_names(void)
{
	const char *const *names = rd_profile_builtin_names();
	guint n = 0;
	for (; names[n] != NULL; n++) {
		g_assert_nonnull(rd_profile_builtin(names[n]));
		g_assert_cmpstr(names[n], ==, builtin_rows[n].name);
	}
	g_assert_cmpuint(n, ==, G_N_ELEMENTS(builtin_rows));
	g_assert_null(rd_profile_builtin("Council"));
	g_assert_null(rd_profile_builtin(""));
	g_assert_null(rd_profile_builtin(NULL));

	static const char *const ombudsmen[] = { "lgsco", "housing-ombudsman", "spso", "psow" };
	for (guint i = 0; i < G_N_ELEMENTS(ombudsmen); i++) {
		RdOmbudsman o = RD_OMBUDSMAN_N;
		g_assert_true(rd_ombudsman_from_string(ombudsmen[i], &o));
		g_assert_cmpstr(rd_ombudsman_to_string(o), ==, ombudsmen[i]);
	}
	RdClockBase b = RD_CLOCK_RECEIPT;
	g_assert_true(rd_clock_base_from_string("acknowledgement", &b));
	g_assert_cmpint(b, ==, RD_CLOCK_ACK);
	g_assert_cmpstr(rd_clock_base_to_string(RD_CLOCK_RECEIPT), ==, "receipt");
	g_assert_false(rd_clock_base_from_string("ack", &b));
}

/* ---- custom profiles from key=value ------------------------------------------ */

typedef struct {
	const char *id;
	const char *name;
	const char *pairs;   /* "key=value;key=value" */
	const char *error;   /* expected message, or NULL for success */
	/* on success: */
	guint ack1, resp1, ext1;
	RdClockBase base1;
	gboolean has2;
	const char *ombudsman;
} KeysRow;

#define BAD(id, name, pairs, msg) { id, name, pairs, msg, 0, 0, 0, R, FALSE, NULL }

static const KeysRow keys_rows[] = {
	{ "override-builtin", "council", "ack_days=3", NULL, 3, 10, 10, R, TRUE, "lgsco" },
	{ "base-anywhere", "housing",
	  "ombudsman=housing-ombudsman;description=Our housing;base=lgsco-2024",
	  NULL, 5, 10, 10, A, TRUE, "housing-ombudsman" },
	{ "base-then-override", "strict", "base=council;response_days=8;extension_days=5;stage2=false",
	  NULL, 2, 8, 5, R, FALSE, "lgsco" },
	{ "from-nothing", "wales", "ack_days=5;response_days=10;ombudsman=psow;stage2=true;"
	  "stage2_ack_days=5;stage2_response_days=20", NULL, 5, 10, 0, R, TRUE, "psow" },
	{ "clock-ack", "acked", "base=council;clock=acknowledgement", NULL, 2, 10, 10, A, TRUE, "lgsco" },
	BAD("ack-too-big", "council", "ack_days=61", "ack_days must be a whole number from 0 to 60"),
	BAD("ack-negative", "council", "ack_days=-1", "ack_days must be a whole number from 0 to 60"),
	BAD("ack-space", "council", "ack_days= 2", "ack_days must be a whole number from 0 to 60"),
	BAD("ack-plus", "council", "ack_days=+2", "ack_days must be a whole number from 0 to 60"),
	BAD("ack-empty", "council", "ack_days=", "ack_days must be a whole number from 0 to 60"),
	BAD("ack-text", "council", "ack_days=two", "ack_days must be a whole number from 0 to 60"),
	BAD("response-big", "council", "response_days=261",
	    "response_days must be a whole number from 0 to 260"),
	BAD("reminder-big", "council", "reminder_days=100",
	    "reminder_days must be a whole number from 0 to 60"),
	BAD("stage2-clock", "council", "stage2_clock=tomorrow",
	    "stage2_clock must be receipt or acknowledgement"),
	BAD("bool", "council", "stage2=yes", "stage2 must be true or false"),
	BAD("ombudsman", "council", "ombudsman=ico",
	    "ombudsman must be one of lgsco, housing-ombudsman, spso, psow"),
	BAD("unknown-key", "council", "frobnicate=1", "unknown profile key \"frobnicate\""),
	BAD("unknown-base", "mine", "base=scotland", "base must be a built-in profile"),
	BAD("no-response", "mine", "ack_days=2", "response_days (or response_months) must be set"),
	BAD("both-response", "council", "response_months=6",
	    "response_days and response_months cannot both be set"),
	BAD("stage2-no-response", "council", "stage2_response_days=0",
	    "stage2_response_days (or stage2_response_months) must be set"),
	BAD("months-from-ack", "mine", "base=lgsco-2024;response_days=0;response_months=6",
	    "clock must be receipt when response_months is set"),
	BAD("ack-clock-needs-ack", "mine", "base=lgsco-2024;ack_days=0",
	    "clock acknowledgement needs ack_days above 0"),
	BAD("bad-name", "Council", "ack_days=2", "profile name \"Council\" must be"),
	BAD("bad-name-space", "my profile", "ack_days=2", "profile name \"my profile\" must be"),
};

static void
test_keys(gconstpointer data)
{
	const KeysRow *row = data;
	g_auto(GStrv) pairs = g_strsplit(row->pairs, ";", -1);
	guint n = g_strv_length(pairs);
	g_autofree const char **keys = g_new0(const char *, n + 1);
	g_autofree const char **values = g_new0(const char *, n + 1);
	for (guint i = 0; i < n; i++) {
		char *eq = strchr(pairs[i], '=');
		g_assert_nonnull(eq);
		*eq = '\0';
		keys[i] = pairs[i];
		values[i] = eq + 1;
	}

	g_autoptr(GError) error = NULL;
	g_autoptr(RdProfile) p = rd_profile_new_from_keys(row->name, keys, values, &error);
	if (row->error != NULL) {
		g_assert_null(p);
		g_assert_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_INVALID);
		if (!g_str_has_prefix(error->message, row->error))
			g_error("message \"%s\" does not start \"%s\"", error->message, row->error);
		return;
	}
	g_assert_no_error(error);
	g_assert_nonnull(p);
	g_assert_cmpstr(p->name, ==, row->name);
	g_assert_nonnull(p->description);
	g_assert_cmpuint(p->stage[0].ack_days, ==, row->ack1);
	g_assert_cmpuint(p->stage[0].response_days, ==, row->resp1);
	g_assert_cmpuint(p->stage[0].extension_days, ==, row->ext1);
	g_assert_cmpint(p->stage[0].base, ==, row->base1);
	g_assert_cmpint(p->has_stage2, ==, row->has2);
	g_assert_cmpstr(rd_ombudsman_to_string(p->ombudsman), ==, row->ombudsman);
}

static void
test_keys_misc(void)
{
	/* Overriding a built-in leaves the built-in alone. */
	const char *keys[] = { "ack_days", "description", NULL };
	const char *values[] = { "4", "Our own", NULL };
	g_autoptr(GError) error = NULL;
	g_autoptr(RdProfile) p = rd_profile_new_from_keys("council", keys, values, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(p->stage[0].ack_days, ==, 4);
	g_assert_cmpstr(p->description, ==, "Our own");
	g_assert_cmpuint(rd_profile_builtin("council")->stage[0].ack_days, ==, 2);

	/* A failed set leaves the profile unchanged. */
	g_assert_false(rd_profile_set(p, "ack_days", "99", &error));
	g_assert_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_cmpuint(p->stage[0].ack_days, ==, 4);

	/* Copies are independent and renamed. */
	g_autoptr(RdProfile) c = rd_profile_copy(rd_profile_builtin("spso"), "spso-local");
	g_assert_cmpstr(c->name, ==, "spso-local");
	g_assert_cmpstr(c->description, ==, rd_profile_builtin("spso")->description);
	g_assert_true(rd_profile_set(c, "extension_days", "0", &error));
	g_assert_cmpuint(rd_profile_builtin("spso")->stage[0].extension_days, ==, 5);

	/* Every listed key is accepted by rd_profile_set. */
	const char *const *known = rd_profile_keys();
	guint n = 0;
	for (; known[n] != NULL; n++) {
		g_autoptr(RdProfile) q = rd_profile_new("probe");
		const char *v = strstr(known[n], "clock") ? "receipt"
		              : strcmp(known[n], "ombudsman") == 0 ? "spso"
		              : strcmp(known[n], "base") == 0 ? "council"
		              : strcmp(known[n], "description") == 0 ? "x"
		              : (strstr(known[n], "agreement") || strcmp(known[n], "stage2") == 0 ||
		                 strstr(known[n], "details")) ? "true" : "1";
		g_assert_true(rd_profile_set(q, known[n], v, &error));
		g_assert_no_error(error);
	}
	g_assert_cmpuint(n, ==, 20);

	g_assert_null(rd_profile_new(""));
	g_assert_null(rd_profile_new("UPPER"));
	rd_profile_free(NULL);
}

/* ---- clocks ------------------------------------------------------------------- */

typedef struct {
	const char *id;
	const char *profile;
	guint stage;
	const char *closures;   /* extra closure days, or NULL */
	const char *received;   /* ISO 8601 instant */
	const char *ack_sent;   /* or NULL */
	/* expected; "-" = none */
	const char *day, *ack_due, *response_due;
	gboolean provisional;
	const char *dept_due, *cap;
} ClockRow;

static const ClockRow clock_rows[] = {
	{ "council-s1", "council", 1, NULL, "2026-03-02T10:00:00Z", NULL,
	  "2026-03-02", "2026-03-04", "2026-03-16", FALSE, "-", "2026-03-30" },
	/* The ack date does not move a clock counted from receipt. */
	{ "council-s1-acked", "council", 1, NULL, "2026-03-02T10:00:00Z", "2026-03-05",
	  "2026-03-02", "2026-03-04", "2026-03-16", FALSE, "-", "2026-03-30" },
	{ "council-s2", "council", 2, NULL, "2026-03-02T10:00:00Z", NULL,
	  "2026-03-02", "2026-03-04", "2026-03-30", FALSE, "2026-03-09", "2026-04-29" },
	/* LGSCO: before the ack, counted from ack_due (9 March), provisional. */
	{ "lgsco-provisional", "lgsco-2024", 1, NULL, "2026-03-02T10:00:00Z", NULL,
	  "2026-03-02", "2026-03-09", "2026-03-23", TRUE, "-", "2026-04-08" },
	/* Ack on the third working day: reply due 10 WD after 5 March. */
	{ "lgsco-acked-day3", "lgsco-2024", 1, NULL, "2026-03-02T10:00:00Z", "2026-03-05",
	  "2026-03-02", "2026-03-09", "2026-03-19", FALSE, "-", "2026-04-02" },
	/* Acked on Saturday 7 March: counts from Monday 9. */
	{ "lgsco-acked-saturday", "lgsco-2024", 1, NULL, "2026-03-02T10:00:00Z", "2026-03-07",
	  "2026-03-02", "2026-03-09", "2026-03-23", FALSE, "-", "2026-04-08" },
	/* An ack dated before the receipt day counts from the receipt day. */
	{ "lgsco-acked-early", "lgsco-2024", 1, NULL, "2026-03-07T10:00:00Z", "2026-03-07",
	  "2026-03-09", "2026-03-16", "2026-03-23", FALSE, "-", "2026-04-08" },
	{ "lgsco-s2-acked", "lgsco-2024", 2, NULL, "2026-03-02T10:00:00Z", "2026-03-09",
	  "2026-03-02", "2026-03-09", "2026-04-08", FALSE, "-", "2026-05-07" },
	/* Received on a Saturday: Monday 9 March. */
	{ "saturday", "council", 1, NULL, "2026-03-07T11:00:00Z", NULL,
	  "2026-03-09", "2026-03-11", "2026-03-23", FALSE, "-", "2026-04-08" },
	/* Friday 17:30 GMT, after the 16:00 cut-off: Monday. */
	{ "friday-late", "council", 1, NULL, "2026-03-06T17:30:00Z", NULL,
	  "2026-03-09", "2026-03-11", "2026-03-23", FALSE, "-", "2026-04-08" },
	{ "friday-early", "council", 1, NULL, "2026-03-06T15:59:00Z", NULL,
	  "2026-03-06", "2026-03-10", "2026-03-20", FALSE, "-", "2026-04-07" },
	/* 15:30 UTC is 16:30 in British Summer Time: late. */
	{ "friday-late-bst", "council", 1, NULL, "2026-06-05T15:30:00Z", NULL,
	  "2026-06-08", "2026-06-10", "2026-06-22", FALSE, "-", "2026-07-06" },
	/* Christmas: 25 Dec (Fri), 28 Dec (Boxing Day substitute), 1 Jan. */
	{ "christmas", "council", 1, NULL, "2026-12-22T10:00:00Z", NULL,
	  "2026-12-22", "2026-12-24", "2027-01-08", FALSE, "-", "2027-01-22" },
	{ "christmas-closed", "council", 1, "2026-12-29 2026-12-30 2026-12-31",
	  "2026-12-22T10:00:00Z", NULL,
	  "2026-12-22", "2026-12-24", "2027-01-13", FALSE, "-", "2027-01-27" },
	/* Easter: Good Friday 3 April, Easter Monday 6 April. */
	{ "easter-ack", "lgsco-2024", 1, NULL, "2026-03-31T09:00:00+01:00", NULL,
	  "2026-03-31", "2026-04-09", "2026-04-23", TRUE, "-", "2026-05-08" },
	{ "easter-acked", "lgsco-2024", 1, NULL, "2026-03-31T09:00:00+01:00", "2026-04-01",
	  "2026-03-31", "2026-04-09", "2026-04-17", FALSE, "-", "2026-05-01" },
	{ "easter-council", "council", 1, NULL, "2026-03-31T09:00:00+01:00", NULL,
	  "2026-03-31", "2026-04-02", "2026-04-16", FALSE, "-", "2026-04-30" },
	{ "spso-frontline", "spso", 1, NULL, "2026-03-02T10:00:00Z", NULL,
	  "2026-03-02", "-", "2026-03-09", FALSE, "-", "2026-03-16" },
	{ "spso-s2", "spso", 2, NULL, "2026-03-02T10:00:00Z", NULL,
	  "2026-03-02", "2026-03-05", "2026-03-30", FALSE, "-", "-" },
	{ "children-s1", "childrens-statutory", 1, NULL, "2026-03-02T10:00:00Z", NULL,
	  "2026-03-02", "2026-03-05", "2026-03-16", FALSE, "-", "2026-03-30" },
	{ "children-s2", "childrens-statutory", 2, NULL, "2026-03-02T10:00:00Z", NULL,
	  "2026-03-02", "-", "2026-04-08", FALSE, "-", "2026-06-05" },
	/* Six months beginning on 2 March end on 1 September (a Tuesday). */
	{ "adult-6-months", "adult-social-care", 1, NULL, "2026-03-02T10:00:00Z", NULL,
	  "2026-03-02", "2026-03-05", "2026-09-01", FALSE, "-", "-" },
	/* From Friday 6 March: 5 September is a Saturday, so Friday 4th. */
	{ "adult-6-months-weekend", "adult-social-care", 1, NULL, "2026-03-06T10:00:00Z", NULL,
	  "2026-03-06", "2026-03-11", "2026-09-04", FALSE, "-", "-" },
	/* Saturday 29 August 2026, and Monday 31st is a bank holiday: received
	 * 1 September; six months end 28 February 2027, a Sunday: Friday 26th. */
	{ "adult-month-end", "adult-social-care", 1, NULL, "2026-08-29T10:00:00+01:00", NULL,
	  "2026-09-01", "2026-09-04", "2027-02-26", FALSE, "-", "-" },
};

static void
test_clock(gconstpointer data)
{
	const ClockRow *row = data;
	const RdProfile *p = rd_profile_builtin(row->profile);
	g_autoptr(RdCalendar) cal = calendar(row->closures);
	g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(row->received, NULL);
	g_assert_nonnull(t);

	g_autoptr(GError) error = NULL;
	RdStageDates d;
	g_assert_true(rd_stage_receive(p, cal, row->stage, t, 16, 0, &d, &error));
	g_assert_no_error(error);
	if (row->ack_sent != NULL) {
		d.ack_sent = date(row->ack_sent);
		g_assert_true(rd_stage_compute(p, cal, &d, &error));
		g_assert_no_error(error);
	}
	g_assert_cmpuint(d.stage, ==, row->stage);
	assert_date(&d.received, row->day);
	assert_date(&d.ack_due, row->ack_due);
	assert_date(&d.response_due, row->response_due);
	g_assert_cmpint(d.provisional, ==, row->provisional);
	assert_date(&d.dept_notice_due, row->dept_due);
	assert_date(&d.extension_cap, row->cap);
	assert_date(&d.extended_to, "-");
	assert_date(&d.responded, "-");
}

static void
test_clock_errors(void)
{
	g_autoptr(RdCalendar) cal = calendar(NULL);
	g_autoptr(GDateTime) t = g_date_time_new_from_iso8601("2026-03-02T10:00:00Z", NULL);
	g_autoptr(GError) error = NULL;
	RdStageDates d;

	g_assert_false(rd_stage_receive(rd_profile_builtin("adult-social-care"), cal, 2, t,
	                                16, 0, &d, &error));
	g_assert_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_NO_STAGE);
	g_assert_cmpstr(error->message, ==, "the adult-social-care profile has no Stage 2");
	g_clear_error(&error);

	g_assert_false(rd_stage_receive(rd_profile_builtin("council"), cal, 3, t, 16, 0, &d, &error));
	g_assert_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_NO_STAGE);
	g_clear_error(&error);

	/* Near the end of the calendar. */
	rd_stage_dates_init(&d, 1);
	d.received = date("9999-12-30");
	g_assert_false(rd_stage_compute(rd_profile_builtin("council"), cal, &d, &error));
	g_assert_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_RANGE);
	assert_date(&d.response_due, "-");

	/* London date of an instant. */
	GDate day;
	g_autoptr(GDateTime) late = g_date_time_new_from_iso8601("2026-06-30T23:30:00Z", NULL);
	g_assert_true(rd_date_london(late, &day));
	assert_date(&day, "2026-07-01");
}

/* ---- extensions ----------------------------------------------------------------- */

typedef struct {
	const char *id;
	const char *profile;
	guint stage;
	const char *received;   /* receipt day */
	const char *requested;  /* or NULL: the full extension */
	const char *want;       /* new date, or NULL for an error */
	int code;               /* expected RdProfileError */
	const char *message;    /* expected message, or NULL */
} ExtendRow;

static const ExtendRow extend_rows[] = {
	/* council Stage 1: due 16 March, cap 30 March. */
	{ "within-cap", "council", 1, "2026-03-02", "2026-03-27", "2026-03-27", 0, NULL },
	{ "at-cap", "council", 1, "2026-03-02", "2026-03-30", "2026-03-30", 0, NULL },
	{ "default-is-cap", "council", 1, "2026-03-02", NULL, "2026-03-30", 0, NULL },
	{ "beyond-cap", "council", 1, "2026-03-02", "2026-03-31", NULL, RD_PROFILE_ERROR_CAP,
	  "2026-03-31 exceeds the extension cap: the latest date allowed is 2026-03-30 "
	  "(10 working days after 2026-03-16)" },
	{ "not-later", "council", 1, "2026-03-02", "2026-03-16", NULL, RD_PROFILE_ERROR_INVALID,
	  "the new date 2026-03-16 must be after the response due date 2026-03-16" },
	/* Over Easter: due 16 April, cap 10 WD later = 30 April. */
	{ "easter-default", "council", 1, "2026-03-31", NULL, "2026-04-30", 0, NULL },
	/* council Stage 2: due 30 March, cap 20 WD later = 29 April. */
	{ "s2-default", "council", 2, "2026-03-02", NULL, "2026-04-29", 0, NULL },
	{ "s2-beyond", "council", 2, "2026-03-02", "2026-04-30", NULL, RD_PROFILE_ERROR_CAP,
	  "2026-04-30 exceeds the extension cap: the latest date allowed is 2026-04-29 "
	  "(20 working days after 2026-03-30)" },
	/* Children's Stage 2: 25 WD (8 April), up to 65 in all (5 June). */
	{ "children-65", "childrens-statutory", 2, "2026-03-02", "2026-06-05", "2026-06-05", 0, NULL },
	{ "children-66", "childrens-statutory", 2, "2026-03-02", "2026-06-08", NULL,
	  RD_PROFILE_ERROR_CAP, NULL },
	/* SPSO frontline: 5 WD, to 10 in total. */
	{ "spso-10-total", "spso", 1, "2026-03-02", NULL, "2026-03-16", 0, NULL },
	/* Agreed with the complainant: no cap, no default. */
	{ "spso-s2-agreed", "spso", 2, "2026-03-02", "2026-06-30", "2026-06-30", 0, NULL },
	{ "spso-s2-default", "spso", 2, "2026-03-02", NULL, NULL, RD_PROFILE_ERROR_NO_EXTENSION, NULL },
	{ "adult-agreed", "adult-social-care", 1, "2026-03-02", "2027-03-01", "2027-03-01", 0, NULL },
	{ "adult-default", "adult-social-care", 1, "2026-03-02", NULL, NULL,
	  RD_PROFILE_ERROR_NO_EXTENSION,
	  "the adult-social-care profile has no standard extension at Stage 1: "
	  "give the date agreed with the complainant" },
};

/* An acknowledgement that went out late does not move the reply date it
 * promised: LGSCO 2024 counts from the acknowledgement. */
static void
test_keep_promise(void)
{
	const RdProfile *p = rd_profile_builtin("lgsco-2024");
	g_autoptr(RdCalendar) cal = calendar(NULL);
	g_autoptr(GError) error = NULL;
	RdStageDates d;
	rd_stage_dates_init(&d, 1);
	d.received = date("2026-11-20");
	/* Queued and promised on the day it arrived: 10 WD from Fri 20 Nov. */
	d.ack_sent = date("2026-11-20");
	g_assert_true(rd_stage_compute(p, cal, &d, &error));
	assert_date(&d.response_due, "2026-12-04");
	GDate promised = d.response_due;
	/* It actually went on Tuesday 24th: the rule alone gives the 8th. */
	d.ack_sent = date("2026-11-24");
	g_assert_true(rd_stage_compute(p, cal, &d, &error));
	assert_date(&d.response_due, "2026-12-08");
	g_assert_true(rd_stage_keep_promise(p, cal, &d, &promised));
	assert_date(&d.response_due, "2026-12-04");
	/* The cap counts from the kept date: 10 WD after Fri 4 Dec. */
	assert_date(&d.extension_cap, "2026-12-18");
	/* A promise later than the rule's date is not a reason to wait. */
	GDate later = date("2026-12-10");
	d.ack_sent = date("2026-11-24");
	g_assert_true(rd_stage_compute(p, cal, &d, &error));
	g_assert_false(rd_stage_keep_promise(p, cal, &d, &later));
	assert_date(&d.response_due, "2026-12-08");
	/* An extended stage keeps its own dates. */
	d.extended_to = date("2026-12-20");
	g_assert_false(rd_stage_keep_promise(p, cal, &d, &promised));
	/* A clock from receipt (the council profile) is not touched. */
	RdStageDates c;
	rd_stage_dates_init(&c, 1);
	c.received = date("2026-11-20");
	g_assert_true(rd_stage_compute(rd_profile_builtin("council"), cal, &c, &error));
	GDate early = date("2026-12-01");
	g_assert_false(rd_stage_keep_promise(rd_profile_builtin("council"), cal, &c, &early));
	/* No promise: nothing to keep. */
	GDate none;
	g_date_clear(&none, 1);
	g_assert_false(rd_stage_keep_promise(p, cal, &d, &none));
}

static void
test_extend(gconstpointer data)
{
	const ExtendRow *row = data;
	const RdProfile *p = rd_profile_builtin(row->profile);
	g_autoptr(RdCalendar) cal = calendar(NULL);
	g_autoptr(GError) error = NULL;

	RdStageDates d;
	rd_stage_dates_init(&d, row->stage);
	d.received = date(row->received);
	g_assert_true(rd_stage_compute(p, cal, &d, &error));

	GDate req, got;
	g_date_clear(&got, 1);
	if (row->requested != NULL)
		req = date(row->requested);
	gboolean ok = rd_stage_extend(p, cal, &d, row->requested ? &req : NULL, &got, &error);
	if (row->want != NULL) {
		g_assert_no_error(error);
		g_assert_true(ok);
		assert_date(&got, row->want);
		/* The default extension is the cap itself. */
		if (row->requested == NULL && g_date_valid(&d.extension_cap))
			g_assert_cmpint(g_date_compare(&got, &d.extension_cap), ==, 0);
	} else {
		g_assert_false(ok);
		g_assert_error(error, RD_PROFILE_ERROR, row->code);
		if (row->message != NULL)
			g_assert_cmpstr(error->message, ==, row->message);
		assert_date(&got, "-");
	}
}

static void
test_extend_none(void)
{
	g_autoptr(RdCalendar) cal = calendar(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(RdProfile) p = rd_profile_copy(rd_profile_builtin("council"), "no-ext");
	g_assert_true(rd_profile_set(p, "extension_days", "0", &error));

	RdStageDates d;
	rd_stage_dates_init(&d, 1);
	d.received = date("2026-03-02");
	g_assert_true(rd_stage_compute(p, cal, &d, &error));
	assert_date(&d.extension_cap, "2026-03-16");   /* no room beyond the due date */

	GDate req = date("2026-03-17"), got;
	g_assert_false(rd_stage_extend(p, cal, &d, &req, &got, &error));
	g_assert_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_NO_EXTENSION);
	g_assert_cmpstr(error->message, ==, "the no-ext profile allows no extension at Stage 1");
}

/* ---- sweep ----------------------------------------------------------------------- */

/* The actions of one sweep as "key key …" (empty if none), and the
 * holding reply's new date in @new_due_r if there is one. */
static char *
sweep_keys(GPtrArray *acts, GDate *new_due_r)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < acts->len; i++) {
		const RdAction *a = g_ptr_array_index(acts, i);
		g_assert_nonnull(rd_action_kind_to_string(a->kind));
		g_assert_true(g_date_valid(&a->due));
		g_string_append_printf(s, "%s%s", i ? " " : "", a->key);
		if (a->kind == RD_ACTION_HOLDING_REPLY) {
			g_assert_true(g_date_valid(&a->new_due));
			if (new_due_r != NULL)
				*new_due_r = a->new_due;
		} else {
			g_assert_false(g_date_valid(&a->new_due));
		}
	}
	return g_string_free(s, FALSE);
}

typedef struct {
	const char *today;
	const char *fires;   /* keys fired that day, in order */
} DayRow;

typedef struct {
	const char *id;
	const char *profile;
	guint stage;
	const char *received;
	const char *ack_sent;        /* recorded on that day, or NULL: never */
	const char *staff_extension; /* "YYYY-MM-DD>YYYY-MM-DD": on the first
	                                date staff record an extension to the
	                                second; or NULL */
	const char *responded;       /* or NULL */
	const char *first, *last;    /* days swept */
	DayRow days[8];              /* the days anything fires; others: none */
} SweepRun;

static const SweepRun sweep_runs[] = {
	/* council Stage 1 from Monday 2 March; never acknowledged. Due 16
	 * March; reminder 2 WD before (12th); automatic holding reply on the
	 * 16th extends to 30 March; reminder again on the 26th; overdue on
	 * the 31st. */
	{ "council-automatic", "council", 1, "2026-03-02", NULL, NULL, NULL,
	  "2026-03-02", "2026-04-10", {
		{ "2026-03-05", "s1/ack-overdue" },
		{ "2026-03-12", "s1/reminder/2026-03-16" },
		{ "2026-03-16", "s1/holding/2026-03-16" },
		{ "2026-03-26", "s1/reminder/2026-03-30" },
		{ "2026-03-31", "s1/overdue/2026-03-30" },
	} },
	/* The same, acknowledged on time and answered on 20 March. */
	{ "council-answered", "council", 1, "2026-03-02", "2026-03-03", NULL, "2026-03-20",
	  "2026-03-02", "2026-04-10", {
		{ "2026-03-12", "s1/reminder/2026-03-16" },
		{ "2026-03-16", "s1/holding/2026-03-16" },
	} },
	/* Staff send their own holding reply on the 13th, to 20 March: no
	 * automatic one; the reminder and overdue follow the 20th. */
	{ "staff-holding", "council", 1, "2026-03-02", "2026-03-02", "2026-03-13>2026-03-20", NULL,
	  "2026-03-02", "2026-04-10", {
		{ "2026-03-12", "s1/reminder/2026-03-16" },
		{ "2026-03-18", "s1/reminder/2026-03-20" },
		{ "2026-03-21", "s1/overdue/2026-03-20" },
	} },
	/* SPSO Stage 2 has no automatic extension: overdue right after the
	 * due date (30 March); ack due 5 March. */
	{ "spso-s2", "spso", 2, "2026-03-02", "2026-03-09", NULL, NULL,
	  "2026-03-02", "2026-04-10", {
		{ "2026-03-06", "s2/ack-overdue" },
		{ "2026-03-26", "s2/reminder/2026-03-30" },
		{ "2026-03-31", "s2/overdue/2026-03-30" },
	} },
	/* LGSCO over Easter, acked 1 April: due 17 April (was provisionally
	 * 23 April); reminder 2 WD before = 15 April; automatic extension to
	 * 1 May; reminder 29 April; overdue 2 May. */
	{ "lgsco-easter", "lgsco-2024", 1, "2026-03-31", "2026-04-01", NULL, NULL,
	  "2026-03-31", "2026-05-10", {
		{ "2026-04-15", "s1/reminder/2026-04-17" },
		{ "2026-04-17", "s1/holding/2026-04-17" },
		{ "2026-04-29", "s1/reminder/2026-05-01" },
		{ "2026-05-02", "s1/overdue/2026-05-01" },
	} },
};

static gboolean
parse_staff(const char *spec, GDate *on_r, GDate *to_r)
{
	if (spec == NULL)
		return FALSE;
	g_auto(GStrv) parts = g_strsplit(spec, ">", 2);
	*on_r = date(parts[0]);
	*to_r = date(parts[1]);
	return TRUE;
}

/* Sweep every day from first to last as the daemon would: record each
 * fired key, and the extension a holding reply grants; check what fires
 * each day, and that a second sweep the same day adds nothing. */
static void
test_sweep_run(gconstpointer data)
{
	const SweepRun *run = data;
	const RdProfile *p = rd_profile_builtin(run->profile);
	g_autoptr(RdCalendar) cal = calendar(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) fired = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(fired, NULL);

	RdStageDates d;
	rd_stage_dates_init(&d, run->stage);
	d.received = date(run->received);
	g_assert_true(rd_stage_compute(p, cal, &d, &error));

	GDate staff_on, staff_to;
	gboolean staff = parse_staff(run->staff_extension, &staff_on, &staff_to);
	GDate today = date(run->first), last = date(run->last);
	guint next_row = 0;

	for (; g_date_compare(&today, &last) <= 0; g_date_add_days(&today, 1)) {
		/* Events of the day happen before the sweep. */
		if (run->ack_sent != NULL) {
			GDate a = date(run->ack_sent);
			if (g_date_compare(&today, &a) == 0) {
				d.ack_sent = a;
				g_assert_true(rd_stage_compute(p, cal, &d, &error));
			}
		}
		if (staff && g_date_compare(&today, &staff_on) == 0) {
			GDate got;
			g_assert_true(rd_stage_extend(p, cal, &d, &staff_to, &got, &error));
			d.extended_to = got;
		}
		if (run->responded != NULL) {
			GDate r = date(run->responded);
			if (g_date_compare(&today, &r) == 0)
				d.responded = r;
		}

		g_autofree char *day = rd_date_format_iso(&today);
		const char *want = "";
		if (next_row < G_N_ELEMENTS(run->days) && run->days[next_row].today != NULL &&
		    strcmp(run->days[next_row].today, day) == 0)
			want = run->days[next_row++].fires;

		GDate new_due;
		g_date_clear(&new_due, 1);
		g_autoptr(GPtrArray) acts = rd_stage_sweep(p, cal, &d, &today,
		                                           (const char *const *)fired->pdata);
		g_autofree char *got = sweep_keys(acts, &new_due);
		if (strcmp(got, want) != 0)
			g_error("%s on %s: fired \"%s\", expected \"%s\"", run->id, day, got, want);

		/* Record, as the caller does in its transaction. */
		for (guint i = 0; i < acts->len; i++) {
			const RdAction *a = g_ptr_array_index(acts, i);
			g_ptr_array_insert(fired, (gint)fired->len - 1, g_strdup(a->key));
			if (a->kind == RD_ACTION_HOLDING_REPLY)
				d.extended_to = a->new_due;
		}

		g_autoptr(GPtrArray) again = rd_stage_sweep(p, cal, &d, &today,
		                                            (const char *const *)fired->pdata);
		g_assert_cmpuint(again->len, ==, 0);
	}
	g_assert_true(next_row == G_N_ELEMENTS(run->days) || run->days[next_row].today == NULL);
}

/* One sweep of a fixed stage on a given day, nothing recorded. */
typedef struct {
	const char *id;
	const char *profile;
	const char *ack_sent, *extended_to, *responded;
	const char *fired;   /* "key key", or NULL */
	const char *today;
	const char *want;
	const char *new_due; /* holding reply's date, or NULL */
} SweepRow;

/* council Stage 1, received 2 March: ack due 4 March, due 16 March, cap
 * 30 March. */
static const SweepRow sweep_rows[] = {
	{ "before", "council", "2026-03-03", NULL, NULL, NULL, "2026-03-11", "", NULL },
	{ "reminder-weekend", "council", "2026-03-03", NULL, NULL, NULL, "2026-03-14",
	  "s1/reminder/2026-03-16", NULL },
	{ "due-day", "council", "2026-03-03", NULL, NULL, NULL, "2026-03-16", "s1/holding/2026-03-16",
	  "2026-03-30" },
	/* The daemon was down: the reminder is past; the holding reply still
	 * goes while its date lies ahead. */
	{ "late-holding", "council", "2026-03-03", NULL, NULL, NULL, "2026-03-25", "s1/holding/2026-03-16",
	  "2026-03-30" },
	{ "last-holding", "council", "2026-03-03", NULL, NULL, NULL, "2026-03-30", "s1/holding/2026-03-16",
	  "2026-03-30" },
	/* Down past the whole extension: straight to overdue. */
	{ "past-all", "council", NULL, NULL, NULL, NULL, "2026-04-01",
	  "s1/ack-overdue s1/overdue/2026-03-30", NULL },
	{ "ack-due-day", "council", NULL, NULL, NULL, NULL, "2026-03-04", "", NULL },
	{ "ack-late", "council", NULL, NULL, NULL, NULL, "2026-03-05", "s1/ack-overdue", NULL },
	{ "fired-filtered", "council", NULL, NULL, NULL, "s1/ack-overdue s1/holding/2026-03-16", "2026-03-17",
	  "", NULL },
	{ "staff-preempts", "council", "2026-03-03", "2026-03-27", NULL, NULL, "2026-03-16", "",
	  NULL },
	{ "staff-late", "council", "2026-03-03", "2026-03-27", NULL, NULL, "2026-03-30",
	  "s1/overdue/2026-03-27", NULL },
	{ "answered", "council", NULL, NULL, "2026-03-20", NULL, "2026-04-20", "", NULL },
	/* Adult social care: no automatic extension; overdue after 1 Sept. */
	{ "adult-reminder", "adult-social-care", "2026-03-04", NULL, NULL, NULL, "2026-08-18",
	  "s1/reminder/2026-09-01", NULL },
	{ "adult-due", "adult-social-care", "2026-03-04", NULL, NULL, NULL, "2026-09-01", "", NULL },
	{ "adult-overdue", "adult-social-care", "2026-03-04", NULL, NULL, NULL, "2026-09-02",
	  "s1/overdue/2026-09-01", NULL },
};

static void
test_sweep_row(gconstpointer data)
{
	const SweepRow *row = data;
	const RdProfile *p = rd_profile_builtin(row->profile);
	g_autoptr(RdCalendar) cal = calendar(NULL);
	g_autoptr(GError) error = NULL;

	RdStageDates d;
	rd_stage_dates_init(&d, 1);
	d.received = date("2026-03-02");
	if (row->ack_sent != NULL)
		d.ack_sent = date(row->ack_sent);
	g_assert_true(rd_stage_compute(p, cal, &d, &error));
	if (row->extended_to != NULL)
		d.extended_to = date(row->extended_to);
	if (row->responded != NULL)
		d.responded = date(row->responded);

	g_auto(GStrv) fired = g_strsplit(row->fired != NULL ? row->fired : "", " ", -1);
	GDate today = date(row->today), new_due;
	g_date_clear(&new_due, 1);
	g_autoptr(GPtrArray) acts = rd_stage_sweep(p, cal, &d, &today,
	                                           (const char *const *)fired);
	g_autofree char *got = sweep_keys(acts, &new_due);
	g_assert_cmpstr(got, ==, row->want);
	assert_date(&new_due, row->new_due != NULL ? row->new_due : "-");
}

/* ---- recompute after a calendar change ---------------------------------------------- */

static void
test_recompute(void)
{
	const RdProfile *p = rd_profile_builtin("council");
	g_autoptr(RdCalendar) before = calendar(NULL);
	g_autoptr(RdCalendar) after = calendar("2026-03-10");
	g_autoptr(GError) error = NULL;

	RdStageDates d;
	rd_stage_dates_init(&d, 1);
	d.received = date("2026-03-02");
	g_assert_true(rd_stage_compute(p, before, &d, &error));
	assert_date(&d.response_due, "2026-03-16");

	/* A closure on 10 March moves the response by one working day. */
	RdStageDates n;
	gboolean moved = FALSE;
	g_assert_true(rd_stage_recompute(p, after, &d, &n, &moved, &error));
	g_assert_no_error(error);
	g_assert_true(moved);
	assert_date(&n.received, "2026-03-02");
	assert_date(&n.ack_due, "2026-03-04");
	assert_date(&n.response_due, "2026-03-17");
	assert_date(&n.extension_cap, "2026-03-31");

	/* Again with the same calendar: nothing moves. */
	RdStageDates again;
	g_assert_true(rd_stage_recompute(p, after, &n, &again, &moved, &error));
	g_assert_false(moved);
	assert_date(&again.response_due, "2026-03-17");

	/* A promised extension stays; answered stages keep their dates. */
	RdStageDates ext = d;
	ext.extended_to = date("2026-03-27");
	g_assert_true(rd_stage_recompute(p, after, &ext, &n, &moved, &error));
	g_assert_true(moved);
	assert_date(&n.extended_to, "2026-03-27");
	RdStageDates done = d;
	done.responded = date("2026-03-12");
	done.ack_sent = date("2026-03-03");
	g_assert_true(rd_stage_recompute(p, after, &done, &n, &moved, &error));
	g_assert_false(moved);
	assert_date(&n.response_due, "2026-03-16");

	/* A closure before the ack is sent moves ack_due; after, it stays. */
	g_autoptr(RdCalendar) closed3 = calendar("2026-03-03");
	g_assert_true(rd_stage_recompute(p, closed3, &d, &n, &moved, &error));
	g_assert_true(moved);
	assert_date(&n.ack_due, "2026-03-05");
	assert_date(&n.response_due, "2026-03-17");
	RdStageDates acked = d;
	acked.ack_sent = date("2026-03-02");
	g_assert_true(rd_stage_recompute(p, closed3, &acked, &n, &moved, &error));
	assert_date(&n.ack_due, "2026-03-04");

	/* A closure on the receipt day itself: received the next working day. */
	g_autoptr(RdCalendar) closed2 = calendar("2026-03-02");
	g_assert_true(rd_stage_recompute(p, closed2, &d, &n, &moved, &error));
	g_assert_true(moved);
	assert_date(&n.received, "2026-03-03");
	assert_date(&n.response_due, "2026-03-17");

	/* LGSCO counted from the ack: the sweep sees the moved date. */
	const RdProfile *l = rd_profile_builtin("lgsco-2024");
	RdStageDates ls;
	rd_stage_dates_init(&ls, 1);
	ls.received = date("2026-03-02");
	ls.ack_sent = date("2026-03-05");
	g_assert_true(rd_stage_compute(l, before, &ls, &error));
	assert_date(&ls.response_due, "2026-03-19");
	g_autoptr(RdCalendar) closed16 = calendar("2026-03-16");
	g_assert_true(rd_stage_recompute(l, closed16, &ls, &n, &moved, &error));
	g_assert_true(moved);
	assert_date(&n.response_due, "2026-03-20");
	GDate today = date("2026-03-19");
	g_autoptr(GPtrArray) acts = rd_stage_sweep(l, closed16, &n, &today, NULL);
	g_autofree char *got = sweep_keys(acts, NULL);
	g_assert_cmpstr(got, ==, "s1/reminder/2026-03-20");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	for (guint i = 0; i < G_N_ELEMENTS(builtin_rows); i++) {
		g_autofree char *path = g_strdup_printf("/profile/builtin/%s", builtin_rows[i].name);
		g_test_add_data_func(path, &builtin_rows[i], test_builtin);
	}
	g_test_add_func("/profile/builtin-names", test_builtin_names);
	for (guint i = 0; i < G_N_ELEMENTS(keys_rows); i++) {
		g_autofree char *path = g_strdup_printf("/profile/keys/%s", keys_rows[i].id);
		g_test_add_data_func(path, &keys_rows[i], test_keys);
	}
	g_test_add_func("/profile/keys-misc", test_keys_misc);
	for (guint i = 0; i < G_N_ELEMENTS(clock_rows); i++) {
		g_autofree char *path = g_strdup_printf("/clock/%s", clock_rows[i].id);
		g_test_add_data_func(path, &clock_rows[i], test_clock);
	}
	g_test_add_func("/clock/errors", test_clock_errors);
	for (guint i = 0; i < G_N_ELEMENTS(extend_rows); i++) {
		g_autofree char *path = g_strdup_printf("/extend/%s", extend_rows[i].id);
		g_test_add_data_func(path, &extend_rows[i], test_extend);
	}
	g_test_add_func("/extend/none", test_extend_none);
	for (guint i = 0; i < G_N_ELEMENTS(sweep_runs); i++) {
		g_autofree char *path = g_strdup_printf("/sweep/run/%s", sweep_runs[i].id);
		g_test_add_data_func(path, &sweep_runs[i], test_sweep_run);
	}
	for (guint i = 0; i < G_N_ELEMENTS(sweep_rows); i++) {
		g_autofree char *path = g_strdup_printf("/sweep/day/%s", sweep_rows[i].id);
		g_test_add_data_func(path, &sweep_rows[i], test_sweep_row);
	}
	g_test_add_func("/clock/recompute", test_recompute);
	g_test_add_func("/clock/keep-promise", test_keep_promise);
	return g_test_run();
}
