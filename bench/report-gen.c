/* report-gen.c — fill a case file with generated complaint histories for
 * the report benchmark (bench/report.sh).
 *
 *   report-gen DB COUNT SEED
 *
 * DB must be a case file redress created (so the schema is the real one)
 * and hold no cases yet. COUNT cases are written, received over five
 * financial years (1 April 2021 to mid-April 2026), each with the rows the
 * casework code would leave: a cases row (reference CMP-YEAR-NNNNNN,
 * channel, service, profile, flags, cause, remedy, Ombudsman dates), a
 * people row for its complainant, and one stages row per stage, with
 * dates as YYYY-MM-DD (received, ack_due, ack_sent, response_due,
 * dept_notice_due, extended_to + extension_reason, responded, outcome,
 * closed, response_sent, next_check while open).
 *
 * The mix, per case: about 5% withdrawn or excluded at Stage 1, 3% taken
 * to Stage 2 directly (the Chief Executive's route: Stage 1 closed
 * unanswered on the day it came), the rest answered at Stage 1, of which
 * 12% escalate to Stage 2; 10% of stages extended; 5% of
 * acknowledgements late; about 15% of responses late; cases whose next
 * step falls after the generator's "today" (15 April 2026) are still open.
 * Working days skip weekends and the fixed-date holidays only (not Easter
 * or the May and August bank holidays): the due dates are plausible, not
 * the calendar's to the day, which no report figure depends on.
 *
 * Rows go in with prepared statements in one transaction, the journal off
 * while loading (a fresh file: a failed run is simply made again), and
 * WAL restored at the end. The output depends only on COUNT and SEED.
 * Prints one line: cases, stages and the seconds taken.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include <glib.h>
#include <sqlite3.h>

/* ---- random numbers (xorshift64*: fast and the same everywhere) ---- */

static guint64 rng_state;

static guint32
rnd32(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (guint32)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static guint
rnd(guint n)
{
	return (guint)(((guint64)rnd32() * n) >> 32);
}

static gboolean
chance(double p)
{
	return rnd32() < p * 4294967296.0;
}

/* ---- days: counted from 1 January 1970 (a Thursday) ---- */

static int
days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int z, int *y_r, int *m_r, int *d_r)
{
	z += 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int y = yoe + era * 400;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	int d = doy - (153 * mp + 2) / 5 + 1;
	int m = mp + (mp < 10 ? 3 : -9);
	*y_r = y + (m <= 2);
	*m_r = m;
	*d_r = d;
}

/* 0 Monday … 6 Sunday. */
static int
weekday(int z)
{
	return (z + 3) % 7;
}

static gboolean
working(int z)
{
	if (weekday(z) >= 5)
		return FALSE;
	int y, m, d;
	civil_from_days(z, &y, &m, &d);
	return !((m == 12 && (d == 25 || d == 26)) || (m == 1 && d == 1));
}

/* @n working days after @z (0: @z itself, moved to a working day). */
static int
add_wd(int z, int n)
{
	while (!working(z))
		z++;
	for (int k = 0; k < n; k++) {
		z++;
		while (!working(z))
			z++;
	}
	return z;
}

/* Bound as text, or NULL for "none" (day < 0). */
static void
bind_day(sqlite3_stmt *st, int col, int z)
{
	if (z < 0) {
		sqlite3_bind_null(st, col);
		return;
	}
	int y, m, d;
	civil_from_days(z, &y, &m, &d);
	char buf[16];
	g_snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
	sqlite3_bind_text(st, col, buf, 10, SQLITE_TRANSIENT);
}

static void
bind_str(sqlite3_stmt *st, int col, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, col);
	else
		sqlite3_bind_text(st, col, s, -1, SQLITE_STATIC);
}

/* ---- what the cases are made of ---- */

typedef struct {
	const char *name;
	guint weight;
} Choice;

static const char *
pick(const Choice *c, guint n)
{
	guint total = 0;
	for (guint i = 0; i < n; i++)
		total += c[i].weight;
	guint r = rnd(total);
	for (guint i = 0; i < n; i++) {
		if (r < c[i].weight)
			return c[i].name;
		r -= c[i].weight;
	}
	return c[n - 1].name;
}
#define PICK(c) pick((c), G_N_ELEMENTS(c))

static const Choice channels[] = {
	{ "email", 60 }, { "phone", 12 }, { "forwarded", 8 }, { "letter", 7 }, { "in-person", 4 },
	{ "chief-executive", 6 }, { "monitoring-officer", 3 },
};
static const Choice services[] = {
	{ NULL, 6 }, { "Waste Services", 22 }, { "Highways", 14 }, { "Council Tax", 14 },
	{ "Housing Repairs", 16 }, { "Environmental Health", 6 }, { "Parking Services", 8 },
	{ "Planning", 5 }, { "Adult Social Care", 6 }, { "Children's Services", 3 },
};
static const Choice outcomes[] = {
	{ "upheld", 25 }, { "partly-upheld", 25 }, { "not-upheld", 40 }, { "resolved", 10 },
};
static const Choice causes[] = {
	{ "communication", 30 }, { "delay", 25 }, { "staff-conduct", 10 }, { "policy", 15 },
	{ "service-failure", 20 },
};
static const Choice ombudsman_outcomes[] = {
	{ "upheld", 30 }, { "partly-upheld", 15 }, { "not-upheld", 40 }, { "resolved", 15 },
};

/* The profile a service's cases follow (most the council's own). */
static const char *
profile_for(const char *service)
{
	if (service != NULL && strcmp(service, "Adult Social Care") == 0)
		return "adult-social-care";
	if (service != NULL && strcmp(service, "Children's Services") == 0)
		return "childrens-statutory";
	guint r = rnd(100);
	return r < 70 ? "council" : r < 85 ? "lgsco-2024" : r < 93 ? "spso" : "housing-ombudsman-2024";
}

/* ---- one stage's history ---- */

typedef struct {
	int received, ack_due, ack_sent, response_due, dept_due, extended_to, responded, sent, closed,
	    next_check;
	const char *outcome, *extension_reason;
	gboolean open;
} Stage;

static int today;

/* Acknowledgement, deadline, extension and answer of a stage received on
 * @received that takes about @work working days, cut at today. */
static void
run_stage(Stage *s, int stage, int received, guint ack_days, guint resp_days, guint work)
{
	memset(s, 0, sizeof *s);
	s->received = received;
	s->ack_due = add_wd(received, ack_days);
	s->ack_sent = chance(0.95) ? add_wd(received, rnd(ack_days + 1)) : add_wd(s->ack_due, 1 + rnd(3));
	if (s->ack_sent > today)
		s->ack_sent = -1;
	s->response_due = add_wd(received, resp_days);
	s->dept_due = stage == 2 ? add_wd(received, 5) : -1;
	s->extended_to = -1;
	if (chance(0.10)) {
		s->extended_to = add_wd(s->response_due, resp_days);
		s->extension_reason = "Waiting for the service's inspection report";
		work += resp_days / 2;
	}
	s->responded = add_wd(received, work);
	s->sent = -1;
	s->closed = -1;
	s->next_check = -1;
	if (s->responded > today) {
		s->responded = -1;
		s->open = TRUE;
		s->next_check = add_wd(today, 1);
		return;
	}
	s->closed = s->responded;
	s->outcome = PICK(outcomes);
	/* The letter leaves the same day, now and then the next working
	 * day; a few responses went outside redress (no letter of ours). */
	guint r = rnd(100);
	s->sent = r < 85 ? s->responded : r < 95 ? add_wd(s->responded, 1) : -1;
	if (s->sent > today)
		s->sent = -1;
}

/* Working days a stage takes: mostly within its timescale, some late. */
static guint
work_days(guint resp_days)
{
	if (chance(0.15))
		return resp_days + 1 + rnd(resp_days);
	return rnd(resp_days + 1);
}

/* ---- the writer ---- */

typedef struct {
	sqlite3 *db;
	sqlite3_stmt *person, *kase, *stage;
	guint64 stages;
} Writer;

static void
die_sql(sqlite3 *db, const char *what)
{
	fprintf(stderr, "report-gen: %s: %s\n", what, sqlite3_errmsg(db));
	exit(1);
}

static void
exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "report-gen: %s: %s\n", sql, msg);
		exit(1);
	}
}

static void
step(Writer *w, sqlite3_stmt *st, const char *what)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		die_sql(w->db, what);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static void
put_stage(Writer *w, gint64 case_id, int n, const Stage *s, gint64 opened_at)
{
	sqlite3_stmt *st = w->stage;
	sqlite3_bind_int64(st, 1, case_id);
	sqlite3_bind_int(st, 2, n);
	sqlite3_bind_int64(st, 3, opened_at);
	bind_day(st, 4, s->received);
	bind_day(st, 5, s->ack_due);
	bind_day(st, 6, s->ack_sent);
	bind_day(st, 7, s->response_due);
	bind_day(st, 8, s->dept_due);
	bind_day(st, 9, s->extended_to);
	bind_str(st, 10, s->extended_to >= 0 ? s->extension_reason : NULL);
	bind_day(st, 11, s->responded);
	bind_str(st, 12, s->outcome);
	bind_day(st, 13, s->closed);
	bind_day(st, 14, s->next_check);
	bind_day(st, 15, s->sent);
	step(w, st, "inserting a stage");
	w->stages++;
}

/* Unix time of 10:00 UTC on day @z. */
static gint64
at_ten(int z)
{
	return (gint64)z * 86400 + 36000;
}

int
main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: report-gen DB COUNT SEED\n");
		return 2;
	}
	char *end = NULL;
	errno = 0;
	guint64 count = g_ascii_strtoull(argv[2], &end, 10);
	if (errno != 0 || *end != '\0' || count == 0 || count > 100000000) {
		fprintf(stderr, "report-gen: COUNT must be a number from 1 to 100000000\n");
		return 2;
	}
	guint64 seed = g_ascii_strtoull(argv[3], &end, 10);
	if (*end != '\0') {
		fprintf(stderr, "report-gen: SEED must be a number\n");
		return 2;
	}
	rng_state = seed * 0x9E3779B97F4A7C15ULL + 0x1234567ULL;
	gint64 started = g_get_monotonic_time();

	Writer w = { 0 };
	if (sqlite3_open_v2(argv[1], &w.db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		die_sql(w.db, argv[1]);
	sqlite3_stmt *probe = NULL;
	if (sqlite3_prepare_v2(w.db, "SELECT count(*) FROM cases", -1, &probe, NULL) != SQLITE_OK ||
	    sqlite3_step(probe) != SQLITE_ROW)
		die_sql(w.db, "reading the case file (was it made by redress?)");
	if (sqlite3_column_int64(probe, 0) != 0) {
		fprintf(stderr, "report-gen: %s already holds cases\n", argv[1]);
		return 1;
	}
	sqlite3_finalize(probe);
	exec(w.db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -200000;"
	           "BEGIN");
	if (sqlite3_prepare_v2(w.db, "INSERT INTO people (id, email) VALUES (?1, ?2)", -1, &w.person, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(w.db,
	                       "INSERT INTO cases (id, reference, year, seq, channel, service, complainant_id, "
	                       "handler, state, language, profile, flags, summary, opened_at, updated_at, cause, "
	                       "remedy, ombudsman_referred, ombudsman_decided, ombudsman_outcome) VALUES "
	                       "(?1, ?2, ?3, ?4, ?5, ?6, ?1, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
	                       "?18, ?19)", -1, &w.kase, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(w.db,
	                       "INSERT INTO stages (case_id, stage, opened_at, received, ack_due, ack_sent, "
	                       "response_due, dept_notice_due, extended_to, extension_reason, responded, outcome, "
	                       "closed, next_check, response_sent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	                       "?10, ?11, ?12, ?13, ?14, ?15)", -1, &w.stage, NULL) != SQLITE_OK)
		die_sql(w.db, "preparing");

	int first = days_from_civil(2021, 4, 1);
	today = days_from_civil(2026, 4, 15);
	int span = today - first;
	int year = 0;
	guint seq = 0;
	guint stats_open = 0, stats_s2 = 0, stats_direct = 0, stats_closed_unanswered = 0;
	for (guint64 i = 1; i <= count; i++) {
		/* Received days advance evenly with the case number, so ids
		 * follow the calendar as they do in a live file. */
		int arrived = first + (int)((guint64)span * (i - 1) / count);
		int received = add_wd(arrived, 0);
		int y, m, d;
		civil_from_days(arrived, &y, &m, &d);
		if (y != year) {
			year = y;
			seq = 0;
		}
		seq++;
		const char *channel = PICK(channels);
		const char *service = PICK(services);
		const char *profile = profile_for(service);
		gboolean spso = strcmp(profile, "spso") == 0;
		guint ack1 = spso ? 0 : strcmp(profile, "council") == 0 ? 2 : 5;
		guint resp1 = spso ? 5 : 10;
		Stage s1, s2;
		gboolean has2 = FALSE;
		const char *state;
		guint r = rnd(1000);
		if (r < 30 && !spso) {
			/* Stage 2 directly: Stage 1 closed unanswered on the day. */
			memset(&s1, 0, sizeof s1);
			s1.received = received;
			s1.ack_due = s1.ack_sent = s1.response_due = s1.dept_due = s1.extended_to = -1;
			s1.responded = s1.sent = s1.next_check = -1;
			s1.closed = received;
			run_stage(&s2, 2, received, spso ? 3 : 2, 20, work_days(20));
			has2 = TRUE;
			stats_direct++;
		} else {
			run_stage(&s1, 1, received, ack1, resp1, work_days(resp1));
			if (r < 80 && !s1.open) {
				/* Withdrawn or excluded before an answer. */
				s1.closed = add_wd(received, rnd(resp1));
				if (s1.closed > today)
					s1.closed = today;
				s1.outcome = chance(0.6) ? "withdrawn" : "excluded";
				s1.responded = s1.sent = -1;
				stats_closed_unanswered++;
			} else if (!s1.open && s1.responded >= 0 && chance(0.12)) {
				int asked = add_wd(s1.responded, 1 + rnd(20));
				if (asked <= today) {
					run_stage(&s2, 2, asked, spso ? 3 : 2, 20, work_days(20));
					has2 = TRUE;
				}
			}
		}
		if (has2)
			stats_s2++;
		const Stage *last = has2 ? &s2 : &s1;
		if (last->open)
			state = has2 ? "stage2" : "stage1";
		else
			state = has2 || spso || last->outcome == NULL || strcmp(last->outcome, "withdrawn") == 0 ||
			        strcmp(last->outcome, "excluded") == 0 ? "closed" : "stage1-closed";
		if (last->open)
			stats_open++;

		/* Facts recorded at the end: cause and remedy on a third of
		 * the answered cases, a referral to the Ombudsman now and then
		 * (decided months later, when it has been). */
		int answered = last->responded;
		const char *cause = NULL, *remedy = NULL, *om_outcome = NULL;
		int referred = -1, decided = -1;
		if (answered >= 0) {
			if (chance(0.33))
				cause = PICK(causes);
			if (chance(0.15))
				remedy = chance(0.5) ? "apology" : "financial redress";
			if (chance(0.03)) {
				referred = answered + 20 + (int)rnd(120);
				decided = referred + 60 + (int)rnd(200);
				if (referred > today)
					referred = decided = -1;
				else if (decided > today)
					decided = -1;
				else
					om_outcome = PICK(ombudsman_outcomes);
			}
		}

		char email[64], ref[32];
		g_snprintf(email, sizeof email, "person%" G_GUINT64_FORMAT "@public.test", i);
		sqlite3_bind_int64(w.person, 1, (gint64)i);
		sqlite3_bind_text(w.person, 2, email, -1, SQLITE_STATIC);
		step(&w, w.person, "inserting a person");

		g_snprintf(ref, sizeof ref, "CMP-%d-%06u", year, seq);
		gint64 opened = at_ten(arrived);
		sqlite3_stmt *st = w.kase;
		sqlite3_bind_int64(st, 1, (gint64)i);
		sqlite3_bind_text(st, 2, ref, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, year);
		sqlite3_bind_int(st, 4, (int)seq);
		sqlite3_bind_text(st, 5, channel, -1, SQLITE_STATIC);
		bind_str(st, 6, service);
		bind_str(st, 7, service != NULL ? "officer@council.example" : NULL);
		sqlite3_bind_text(st, 8, state, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, chance(0.03) ? "cy" : "en", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, profile, -1, SQLITE_STATIC);
		bind_str(st, 11, chance(0.02) ? "elected-member" : NULL);
		sqlite3_bind_text(st, 12, "Generated complaint", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 13, opened);
		sqlite3_bind_int64(st, 14, at_ten(MIN(MAX(answered, received), today)));
		bind_str(st, 15, cause);
		bind_str(st, 16, remedy);
		bind_day(st, 17, referred);
		bind_day(st, 18, decided);
		bind_str(st, 19, om_outcome);
		step(&w, st, "inserting a case");

		put_stage(&w, (gint64)i, 1, &s1, opened);
		if (has2)
			put_stage(&w, (gint64)i, 2, &s2, at_ten(s2.received));
	}
	/* The reference counters casework would have left. */
	char *sql = g_strdup_printf("INSERT OR REPLACE INTO reference_counters (prefix, year, next) "
	                            "SELECT 'CMP', year, max(seq) + 1 FROM cases GROUP BY year");
	exec(w.db, sql);
	g_free(sql);
	exec(w.db, "COMMIT");
	sqlite3_finalize(w.person);
	sqlite3_finalize(w.kase);
	sqlite3_finalize(w.stage);
	exec(w.db, "PRAGMA journal_mode = WAL");
	sqlite3_close(w.db);
	printf("report-gen: cases=%" G_GUINT64_FORMAT " stages=%" G_GUINT64_FORMAT " open=%u stage2=%u "
	       "stage2_direct=%u withdrawn_or_excluded=%u seconds=%.1f\n",
	       count, w.stages, stats_open, stats_s2, stats_direct, stats_closed_unanswered,
	       (double)(g_get_monotonic_time() - started) / 1e6);
	return 0;
}
