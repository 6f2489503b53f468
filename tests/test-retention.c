/*
 * test-retention.c — retention below the daemon: reading periods, which
 * closed case may be purged on which day (procedure/retention.c), and
 * the store's legal holds and purge statements (store/purge.c) on an
 * in-memory database: what a purge deletes, what it keeps, and that the
 * report_case row the reports read is the same after it.
 */
#include <string.h>
#include <glib/gstdio.h>

#include "procedure.h"
#include "store.h"

static void
test_parse(void)
{
	static const struct {
		const char *text;
		gboolean ok;
		guint n;
		char unit;
	} rows[] = {
		{ "6y", TRUE, 6, 'y' },
		{ "72m", TRUE, 72, 'm' },
		{ "365d", TRUE, 365, 'd' },
		{ "6 years", TRUE, 6, 'y' },
		{ "1 year", TRUE, 1, 'y' },
		{ "18 Months", TRUE, 18, 'm' },
		{ "  8Y", TRUE, 8, 'y' },
		{ "400 days", TRUE, 400, 'd' },
		{ "100y", TRUE, 100, 'y' },
		{ "101y", FALSE, 0, 0 },
		{ "0y", FALSE, 0, 0 },
		{ "6", FALSE, 0, 0 },
		{ "y", FALSE, 0, 0 },
		{ "6w", FALSE, 0, 0 },
		{ "-6y", FALSE, 0, 0 },
		{ "6y2m", FALSE, 0, 0 },
		{ "six years", FALSE, 0, 0 },
		{ "", FALSE, 0, 0 },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		RdRetentionPeriod p = { 0, 0 };
		const char *why = NULL;
		gboolean ok = rd_retention_period_parse(rows[i].text, &p, &why);
		g_assert_cmpint(ok, ==, rows[i].ok);
		if (ok) {
			g_assert_cmpuint(p.n, ==, rows[i].n);
			g_assert_cmpint(p.unit, ==, rows[i].unit);
			g_assert_null(why);
		} else {
			g_assert_nonnull(why);
		}
	}
	RdRetentionPeriod p = { 72, 'm' };
	g_autofree char *s = rd_retention_period_format(&p);
	g_assert_cmpstr(s, ==, "72m");
}

static void
test_floor(void)
{
	static const struct {
		const char *text;
		gboolean ok;
	} rows[] = {
		{ "1y", TRUE }, { "12m", TRUE }, { "11m", FALSE }, { "365d", TRUE }, { "364d", FALSE }, { "6y", TRUE },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		RdRetentionPeriod p;
		const char *why;
		g_assert_true(rd_retention_period_parse(rows[i].text, &p, &why));
		g_assert_cmpint(rd_retention_period_at_least_floor(&p), ==, rows[i].ok);
	}
}

static void
test_add_compare(void)
{
	GDate d, out;
	g_assert_true(rd_date_parse_iso("2020-02-29", &d));
	RdRetentionPeriod six = { 6, 'y' }, months = { 72, 'm' }, days = { 2191, 'd' }, eight = { 8, 'y' };
	rd_retention_period_add(&six, &d, &out);
	g_autofree char *a = rd_date_format_iso(&out);
	g_assert_cmpstr(a, ==, "2026-02-28");
	g_assert_cmpint(rd_retention_period_compare(&six, &months, &d), ==, 0);
	/* 2020-02-29 + 2191 days is 2026-02-28 as well: six years with two
	 * leap days (2020, 2024) is 2192 days, less the 29th itself. */
	g_assert_cmpint(rd_retention_period_compare(&six, &days, &d), ==, 0);
	g_assert_cmpint(rd_retention_period_compare(&eight, &six, &d), ==, 1);
	g_assert_cmpint(rd_retention_period_compare(&six, &eight, &d), ==, -1);
	g_assert_true(rd_date_parse_iso("2020-01-31", &d));
	RdRetentionPeriod one = { 1, 'm' };
	rd_retention_period_add(&one, &d, &out);
	g_autofree char *b = rd_date_format_iso(&out);
	g_assert_cmpstr(b, ==, "2020-02-29");
}

static void
test_decide(void)
{
	static const char *const closed_2019[] = { "2019-03-01", "2019-02-20", NULL };
	static const char *const late_stage2[] = { "2019-03-01", "2020-07-10", "2019-02-20", NULL };
	static const char *const odd[] = { "not a day", "2019-13-01", NULL };
	static const char *const none[] = { NULL };
	static const struct {
		const char *label;
		const char *state;
		gboolean held;
		const char *referred, *decided;
		const char *const *days;
		const char *activity;
		const char *today;
		RdRetentionVerdict verdict;
		const char *closed;
	} rows[] = {
		{ "closed, six years and a day", "closed", FALSE, NULL, NULL, closed_2019, NULL, "2025-03-02",
		  RD_RETENTION_PURGE, "2019-03-01" },
		{ "closed, the period's last day", "closed", FALSE, NULL, NULL, closed_2019, NULL, "2025-03-01",
		  RD_RETENTION_KEPT, "2019-03-01" },
		{ "stage1-closed counts too", "stage1-closed", FALSE, NULL, NULL, closed_2019, NULL, "2025-03-02",
		  RD_RETENTION_PURGE, "2019-03-01" },
		{ "the latest stage day counts", "closed", FALSE, NULL, NULL, late_stage2, NULL, "2025-03-02",
		  RD_RETENTION_KEPT, "2020-07-10" },
		{ "open cases never", "stage2", FALSE, NULL, NULL, closed_2019, NULL, "2040-01-01", RD_RETENTION_OPEN,
		  "2019-03-01" },
		{ "held, however old", "closed", TRUE, NULL, NULL, closed_2019, NULL, "2040-01-01", RD_RETENTION_HELD,
		  "2019-03-01" },
		{ "with the Ombudsman", "closed", FALSE, "2019-06-01", NULL, closed_2019, NULL, "2040-01-01",
		  RD_RETENTION_OMBUDSMAN, "2019-06-01" },
		{ "the Ombudsman's decision restarts it", "closed", FALSE, "2019-06-01", "2021-01-15", closed_2019, NULL,
		  "2026-01-01", RD_RETENTION_KEPT, "2021-01-15" },
		{ "and ends", "closed", FALSE, "2019-06-01", "2021-01-15", closed_2019, NULL, "2027-01-16",
		  RD_RETENTION_PURGE, "2021-01-15" },
		{ "an old decision does not shorten it", "closed", FALSE, "2018-06-01", "2018-09-01", closed_2019, NULL,
		  "2025-03-02", RD_RETENTION_PURGE, "2019-03-01" },
		{ "referred again after a decision: under review", "closed", FALSE, "2022-05-01", "2021-01-15",
		  closed_2019, NULL, "2040-01-01", RD_RETENTION_OMBUDSMAN, "2022-05-01" },
		{ "the referral day counts when it is the latest", "closed", FALSE, "2020-02-01", "2019-06-01",
		  closed_2019, NULL, "2026-01-01", RD_RETENTION_OMBUDSMAN, "2020-02-01" },
		{ "a referral decided the same day is decided", "closed", FALSE, "2020-02-01", "2020-02-01",
		  closed_2019, NULL, "2026-02-02", RD_RETENTION_PURGE, "2020-02-01" },
		{ "mail received after closing restarts it", "closed", FALSE, NULL, NULL, closed_2019, "2024-11-03",
		  "2026-01-01", RD_RETENTION_KEPT, "2024-11-03" },
		{ "and ends too", "closed", FALSE, NULL, NULL, closed_2019, "2020-11-03",
		  "2026-11-04", RD_RETENTION_PURGE, "2020-11-03" },
		{ "older mail does not shorten it", "closed", FALSE, NULL, NULL, closed_2019, "2018-11-03",
		  "2025-03-02", RD_RETENTION_PURGE, "2019-03-01" },
		{ "no day at all", "closed", FALSE, NULL, NULL, none, NULL, "2040-01-01", RD_RETENTION_NO_DAY, NULL },
		{ "texts that are not days", "closed", FALSE, NULL, NULL, odd, NULL, "2040-01-01", RD_RETENTION_NO_DAY, NULL },
	};
	RdRetentionPeriod six = { 6, 'y' };
	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		RdRetentionCase c = {
			.state = rows[i].state, .held = rows[i].held,
			.ombudsman_referred = rows[i].referred, .ombudsman_decided = rows[i].decided,
			.stage_days = rows[i].days, .last_activity = rows[i].activity,
		};
		GDate today, closed;
		g_assert_true(rd_date_parse_iso(rows[i].today, &today));
		RdRetentionVerdict v = rd_retention_decide(&c, &six, &today, &closed);
		if (v != rows[i].verdict)
			g_error("%s: %s, not %s", rows[i].label, rd_retention_verdict_to_string(v),
			        rd_retention_verdict_to_string(rows[i].verdict));
		g_autofree char *day = g_date_valid(&closed) ? rd_date_format_iso(&closed) : NULL;
		g_assert_cmpstr(day, ==, rows[i].closed);
	}
}

/* The purge's scrub, as casework passes it. */
static char *
anonymise(const char *text, const char *const *names, gpointer data)
{
	(void)data;
	return rd_survey_anonymise(text, names);
}

/* ---- the store ------------------------------------------------------------------ */

/* Whether @needle occurs in the @len bytes at @hay, NULs and all (a
 * database file is mostly binary: string functions stop at its first
 * zero byte). */
static gboolean
has_bytes(const char *hay, gsize len, const char *needle)
{
	gsize n = strlen(needle);
	for (gsize i = 0; n <= len && i <= len - n; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
			return TRUE;
	return FALSE;
}

static void
test_store(void)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *dir = g_dir_make_tmp("test-retention-XXXXXX", &err);
	g_assert_no_error(err);
	g_autofree char *path = g_build_filename(dir, "r.db", NULL);
	g_autoptr(RdStore) store = rd_store_open(path, &err);
	g_assert_no_error(err);

	g_assert_true(rd_store_begin(store, &err));
	RdCaseNew n = {
		.prefix = "CMP", .year = 2019, .channel = "email", .complainant_email = "zed@public.test",
		.complainant_name = "Zed Quill", .summary = "Bins and a secret-phrase-4412", .opened_at = 1550000000,
	};
	g_autoptr(RdCase) a = rd_store_case_create(store, &n, &err);
	g_assert_no_error(err);
	n.complainant_email = "kept@public.test";
	n.complainant_name = "Kept Person";
	n.summary = "Potholes";
	g_autoptr(RdCase) b = rd_store_case_create(store, &n, &err);
	g_assert_no_error(err);
	g_assert_true(rd_store_case_set_field(store, a->id, "remedy", "An apology to Zed Quill", 1550000000, &err));
	g_assert_true(rd_store_event_add(store, a->id, 1550000000, "cli:x", "note", "rang Zed on 07700 900123", 0,
	                                 &err) != 0);
	/* A learning action of case a alone, whose staff named the
	 * complainant; and one of a and b, which is b's as well. */
	RdLearningAction la = { .text = "Call Zed Quill back within a week", .owner = "lead@council.test",
	                        .due = "2019-06-01", .created_at = 1550000000 };
	gint64 act = rd_store_action_insert(store, &la, &err);
	g_assert_cmpint(act, >, 0);
	g_assert_true(rd_store_action_link_case(store, act, a->id, &err));
	g_assert_true(rd_store_action_event_add(store, act, 1550000000, "cli:x", "note", "Zed Quill rang again", 0, &err)
	              != 0);
	la.text = "Bin rounds for Z. Quill and Kept Person";
	gint64 shared = rd_store_action_insert(store, &la, &err);
	g_assert_true(rd_store_action_link_case(store, shared, a->id, &err));
	g_assert_true(rd_store_action_link_case(store, shared, b->id, &err));
	g_assert_true(rd_store_commit(store, &err));

	/* Holds. */
	g_autoptr(RdCaseHold) h = NULL;
	g_assert_true(rd_store_case_hold_get(store, b->id, &h, &err));
	g_assert_null(h);
	g_assert_true(rd_store_case_hold_set(store, b->id, "litigation", "cli:x", 1600000000, &err));
	g_assert_true(rd_store_case_hold_get(store, b->id, &h, &err));
	g_assert_nonnull(h);
	g_assert_cmpstr(h->reason, ==, "litigation");

	/* Rows to look at: neither case is closed, but the held one is listed. */
	g_assert_true(rd_store_case_set_state(store, a->id, "closed", 1551000000, &err));
	g_autoptr(GPtrArray) rows = rd_store_retention_rows(store, &err);
	g_assert_no_error(err);
	g_assert_cmpuint(rows->len, ==, 2);
	const RdRetentionRow *ra = rows->pdata[0], *rb = rows->pdata[1];
	g_assert_cmpint(ra->case_id, ==, a->id);
	g_assert_false(ra->held);
	g_assert_true(rb->held);

	/* A decision made before b was held (say) is refused in the purge's
	 * transaction: b is closed, but held now. */
	RdPurgeCounts c;
	g_assert_true(rd_store_case_set_state(store, b->id, "closed", 1551000000, &err));
	g_assert_true(rd_store_begin(store, &err));
	g_assert_false(rd_store_purge_cases(store, &b->id, 1, FALSE, NULL, NULL, &c, &err));
	g_assert_error(err, RD_STORE_ERROR, RD_STORE_ERROR_CONSTRAINT);
	g_clear_error(&err);
	rd_store_rollback(store);

	/* The purge of case a. */
	g_assert_true(rd_store_set_secure_delete(store, TRUE, &err));
	g_assert_true(rd_store_begin(store, &err));
	g_assert_true(rd_store_purge_cases(store, &a->id, 1, FALSE, anonymise, NULL, &c, &err));
	g_assert_no_error(err);
	g_assert_cmpint(c.cases, ==, 1);
	g_assert_cmpint(c.events, >=, 1);
	g_assert_cmpint(c.people, ==, 1);
	g_assert_cmpint(rd_store_purge_record(store, &c, 1900000000, "test", "6y", &a->id, 1, &err), >, 0);
	g_assert_true(rd_store_commit(store, &err));
	gboolean complete = FALSE;
	g_assert_true(rd_store_purge_compact(store, &complete, &err));
	g_assert_true(complete);

	g_autoptr(RdCase) a2 = NULL, b2 = NULL;
	g_assert_true(rd_store_case_get(store, a->id, &a2, &err));
	g_assert_cmpstr(a2->reference, ==, a->reference);
	g_assert_cmpstr(a2->complainant_email, ==, "purged@retention.invalid");
	g_assert_null(a2->complainant_name);
	g_assert_null(a2->summary);
	/* Still a remedy given, for the reports, in words naming no one. */
	g_assert_nonnull(a2->remedy);
	g_assert_null(strstr(a2->remedy, "Zed"));
	g_assert_true(rd_store_case_get(store, b->id, &b2, &err));
	g_assert_cmpstr(b2->complainant_email, ==, "kept@public.test");
	gint64 at = 0;
	g_assert_true(rd_store_case_purged_at(store, a->id, &at, &err));
	g_assert_cmpint(at, ==, 1900000000);
	g_assert_true(rd_store_purge_last(store, &at, &err));
	g_assert_cmpint(at, ==, 1900000000);
	g_autoptr(GPtrArray) after = rd_store_retention_rows(store, &err);
	g_assert_cmpuint(after->len, ==, 1);
	/* Something added to a purged case brings it back to be looked at,
	 * its last activity that addition. */
	g_assert_true(rd_store_event_add(store, a->id, 1910000000, "cli:x", "note", "a later note", 0, &err) != 0);
	g_autoptr(GPtrArray) again = rd_store_retention_rows(store, &err);
	g_assert_cmpuint(again->len, ==, 2);
	const RdRetentionRow *ra2 = again->pdata[0];
	g_assert_cmpint(ra2->case_id, ==, a->id);
	g_assert_true(ra2->purged);
	g_assert_cmpint(ra2->last_activity, ==, 1910000000);

	/* Case a's own action is scrubbed; the shared one waits for b. */
	g_autoptr(RdLearningAction) la2 = NULL, sh2 = NULL;
	g_assert_true(rd_store_action_get(store, act, &la2, &err));
	g_assert_null(strstr(la2->text, "Zed"));
	g_assert_nonnull(strstr(la2->text, "back within a week"));
	g_autoptr(GPtrArray) aev = rd_store_action_events(store, act, &err);
	g_assert_no_error(err);
	for (guint i = 0; i < aev->len; i++)
		g_assert_null(strstr(((RdEvent *)aev->pdata[i])->detail, "Zed"));
	g_assert_true(rd_store_action_get(store, shared, &sh2, &err));
	g_assert_nonnull(strstr(sh2->text, "Z. Quill"));

	/* Release. */
	gboolean was = FALSE;
	g_assert_true(rd_store_case_hold_clear(store, b->id, &was, &err));
	g_assert_true(was);
	g_assert_true(rd_store_case_hold_clear(store, b->id, &was, &err));
	g_assert_false(was);
	rd_store_close(g_steal_pointer(&store));

	/* No byte of what went is left in the file. */
	gchar *bytes = NULL;
	gsize len = 0;
	g_assert_true(g_file_get_contents(path, &bytes, &len, &err));
	static const char *const gone[] = { "zed@public.test", "Zed Quill", "secret-phrase-4412", "07700 900123" };
	for (gsize i = 0; i < G_N_ELEMENTS(gone); i++)
		if (has_bytes(bytes, len, gone[i]))
			g_error("\"%s\" is still in the database file", gone[i]);
	g_assert_true(has_bytes(bytes, len, "kept@public.test"));
	g_free(bytes);
	g_autofree char *wal = g_strconcat(path, "-wal", NULL);
	g_autofree char *shm = g_strconcat(path, "-shm", NULL);
	g_autofree char *lock = g_strconcat(path, ".lock", NULL);
	g_unlink(wal);
	g_unlink(shm);
	g_unlink(lock);
	g_unlink(path);
	g_rmdir(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/retention/parse", test_parse);
	g_test_add_func("/retention/floor", test_floor);
	g_test_add_func("/retention/add-compare", test_add_compare);
	g_test_add_func("/retention/decide", test_decide);
	g_test_add_func("/retention/store", test_store);
	return g_test_run();
}
