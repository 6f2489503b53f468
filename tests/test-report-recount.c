/*
 * test-report-recount.c — the report figures after thousands of random
 * operations through the casework API equal a recount.
 *
 * A clock advances from Monday 3 March 2025 by a few hours at a time over
 * about three years (weekends, bank holidays and the Christmas closures
 * included). At each step one of: a new case (channel, service and
 * procedure profile drawn), a response with an outcome (today, or a day
 * given), an extension, an escalation to Stage 2, a close as withdrawn or
 * excluded, a reopening, a cause, a remedy, the Ombudsman's referral or
 * decision, or the outbox sent through a folder sink (so that ack_sent and
 * response_sent are set as the sender sets them). Refusals (escalating an
 * open Stage 1, say) are part of the mix.
 *
 * Then, for every calendar quarter, every financial year and a few other
 * periods:
 *  - the histories the test builds itself from the rows (cases and stages
 *    read as RdCase and RdStage, the way the reports read them before
 *    store/report.c) give the same SPSO, LGSCO and reg 18 figures as
 *    rd_report_data_load() and rd_report_data_load_for();
 *  - the whole report document (JSON and HTML, every set, the trend and
 *    the months) is the same from the full load and from the period's;
 *  - a few figures counted straight from the stage rows in SQL
 *    (received, responses per stage, withdrawn, excluded) agree;
 *  - every report_case row (kept by triggers, schema 12) equals the row
 *    worked out again from the cases and stages (words, days, lo, hi),
 *    one per case; again after texts that are not days are written
 *    straight into the file, and after the file is migrated again from
 *    version 10 (the backfill).
 *
 * The seed is fixed and printed (RECOUNT_SEED to change it, RECOUNT_OPS
 * for the number of operations).
 */
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <glib/gstdio.h>
#include "casework/casework.h"
#include "outbound/outbound.h"
#include "report/report.h"

/* Monday 3 March 2025, 09:00 UTC. */
#define T0 1740992400

typedef struct {
	char *dir, *path, *letters;
	RdStore *store;
	RdConfig *cfg;
	RdCasework *cw;
	RdCalendar *cal;
	GRand *rng;
	GPtrArray *refs;          /* char*: every case opened */
	gint64 now;
	guint done[16];           /* actions that took, by kind */
} World;

static const char *const channels[] = { "email", "phone", "letter", "in-person", "forwarded", "chief-executive",
	                                "monitoring-officer" };
static const char *const services[] = { "Waste Services", "Highways", "Council Tax", "Housing Repairs" };
static const char *const profiles[] = { "council", "lgsco-2024", "spso", "adult-social-care" };
static const char *const outcomes[] = { "upheld", "partly-upheld", "not-upheld", "resolved" };

#define PICK(w, a) ((a)[g_rand_int_range((w)->rng, 0, G_N_ELEMENTS(a))])

static void
world_open(World *w, guint32 seed)
{
	g_autoptr(GError) err = NULL;
	/* tmpfs when there is one: thousands of commits, each synced. */
	const char *base = g_file_test("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir();
	g_autofree char *tmpl = g_build_filename(base, "rd-recount-XXXXXX", NULL);
	w->dir = g_mkdtemp(g_steal_pointer(&tmpl));
	g_assert_nonnull(w->dir);
	w->path = g_build_filename(w->dir, "t.db", NULL);
	w->letters = g_build_filename(w->dir, "letters", NULL);
	w->store = rd_store_open(w->path, &err);
	g_assert_no_error(err);
	w->cfg = rd_config_load(NULL, &err);
	g_assert_no_error(err);
	g_free(w->cfg->templates_dir);
	w->cfg->templates_dir = g_strdup(RD_SRCDIR "/templates/letters");
	g_free(w->cfg->complaints_manager);
	w->cfg->complaints_manager = g_strdup("manager@council.test");
	w->cw = rd_casework_new(w->store, w->cfg, &err);
	g_assert_no_error(err);
	w->cal = rd_config_calendar(w->cfg, &err);
	g_assert_no_error(err);
	w->rng = g_rand_new_with_seed(seed);
	w->refs = g_ptr_array_new_with_free_func(g_free);
	w->now = T0;
}

static void
world_close(World *w)
{
	rd_casework_free(w->cw);
	rd_calendar_free(w->cal);
	rd_config_free(w->cfg);
	rd_store_close(w->store);
	g_rand_free(w->rng);
	g_ptr_array_unref(w->refs);
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", w->dir);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(w->dir);
	g_free(w->path);
	g_free(w->letters);
}

/* ---- the operations --------------------------------------------------------- */

static void
new_case(World *w)
{
	g_autoptr(GError) err = NULL;
	g_assert_true(rd_store_begin(w->store, &err));
	g_autofree char *email = g_strdup_printf("person%u@public.test", w->refs->len + 1);
	RdCaseNew n = { 0 };
	n.prefix = "CMP";
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(w->now);
	n.year = g_date_time_get_year(dt);
	n.channel = PICK(w, channels);
	n.complainant_email = email;
	n.summary = "Generated complaint";
	n.profile = PICK(w, profiles);
	n.opened_at = w->now;
	g_autoptr(RdCase) c = rd_store_case_create(w->store, &n, &err);
	g_assert_no_error(err);
	RdStageOpening o = { 0 };
	o.stage = 1;
	o.mailbox = RD_MAILBOX_COMPLAINTS;
	o.at = w->now;
	g_assert_true(rd_casework_open_stage(w->cw, c, &o, &err));
	g_assert_no_error(err);
	g_assert_true(rd_store_commit(w->store, &err));
	g_ptr_array_add(w->refs, g_strdup(c->reference));
}

/* Apply @a to a random case; refusals are expected. */
static void
act(World *w, RdCaseAction *a, guint kind)
{
	if (w->refs->len == 0)
		return;
	/* Mostly recent cases, as in life. */
	guint n = w->refs->len;
	guint i = g_rand_boolean(w->rng) && n > 40 ? n - 1 - (guint)g_rand_int_range(w->rng, 0, 40)
	                                          : (guint)g_rand_int_range(w->rng, 0, (gint32)n);
	a->at = w->now;
	a->actor = "cli:test";
	RdCaseActionResult r = { 0 };
	g_autoptr(GError) err = NULL;
	if (rd_casework_act(w->cw, w->refs->pdata[i], a, &r, &err))
		w->done[kind]++;
	else
		g_assert_error(err, RD_CASEWORK_ERROR, RD_CASEWORK_ERROR_REFUSED);
	rd_case_action_result_clear(&r);
}

static void
send_letters(World *w)
{
	g_autoptr(GError) err = NULL;
	RdSink *sink = rd_sink_folder_new(w->letters, &err);
	g_assert_no_error(err);
	g_assert_true(rd_outbox_send(w->store, sink, w->now, 7 * 86400, NULL, NULL, NULL, NULL, &err));
	g_assert_no_error(err);
	rd_sink_free(sink);
	w->done[15]++;
}

/* The London day @back days before now, YYYY-MM-DD. */
static char *
day_before(World *w, int back)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(w->now - (gint64)back * 86400);
	return g_date_time_format(dt, "%Y-%m-%d");
}

static void
step(World *w)
{
	/* Between an hour and fourteen hours later. */
	w->now += 3600 * g_rand_int_range(w->rng, 1, 15);
	RdCaseAction a = { 0 };
	g_autofree char *date = NULL;
	guint r = (guint)g_rand_int_range(w->rng, 0, 100);
	if (r < 30) {
		new_case(w);
		w->done[0]++;
	} else if (r < 36) {
		a.kind = RD_CASE_ACTION_SERVICE;
		a.service = PICK(w, services);
		act(w, &a, 1);
	} else if (r < 56) {
		a.kind = RD_CASE_ACTION_RESPOND;
		a.outcome = PICK(w, outcomes);
		if (g_rand_int_range(w->rng, 0, 4) == 0)
			a.date = date = day_before(w, g_rand_int_range(w->rng, 0, 3));
		a.no_letter = g_rand_int_range(w->rng, 0, 5) == 0;
		act(w, &a, 2);
	} else if (r < 62) {
		a.kind = RD_CASE_ACTION_EXTEND;
		a.reason = "Waiting for the inspection";
		act(w, &a, 3);
	} else if (r < 69) {
		a.kind = RD_CASE_ACTION_ESCALATE;
		act(w, &a, 4);
	} else if (r < 73) {
		a.kind = RD_CASE_ACTION_CLOSE;
		a.outcome = g_rand_boolean(w->rng) ? "withdrawn" : "excluded";
		a.reason = "The complainant asked us to stop";
		act(w, &a, 5);
	} else if (r < 76) {
		a.kind = RD_CASE_ACTION_REOPEN;
		a.reason = "Not put right";
		act(w, &a, 6);
	} else if (r < 79) {
		a.kind = RD_CASE_ACTION_CAUSE;
		a.text = g_rand_boolean(w->rng) ? "communication" : "delay";
		act(w, &a, 7);
	} else if (r < 81) {
		a.kind = RD_CASE_ACTION_REMEDY;
		a.text = "An apology";
		act(w, &a, 8);
	} else if (r < 84) {
		a.kind = RD_CASE_ACTION_OMBUDSMAN;
		a.ombudsman = g_rand_boolean(w->rng) ? "referred" : "decided";
		if (strcmp(a.ombudsman, "decided") == 0)
			a.outcome = g_rand_boolean(w->rng) ? "upheld" : "not-upheld";
		act(w, &a, 9);
	} else {
		send_letters(w);
	}
}

/* ---- the recount ------------------------------------------------------------- */

static void
date_of(const char *iso, GDate *d)
{
	g_date_clear(d, 1);
	if (iso != NULL)
		rd_date_parse_iso(iso, d);
}

/* The histories, built by the test from the rows as RdCase and RdStage:
 * the columns the reports define, read without store/report.c or
 * collect.c. The strings stay with @cases_r and @stages_r. */
static GArray *
recount_histories(World *w, GPtrArray **cases_r, GPtrArray **stages_r)
{
	g_autoptr(GError) err = NULL;
	GPtrArray *stages = rd_store_stages_all(w->store, &err);
	g_assert_no_error(err);
	GPtrArray *cases = rd_store_cases_list(w->store, RD_CASES_ALL, &err);
	g_assert_no_error(err);
	g_autoptr(GHashTable) by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
	for (guint i = 0; i < cases->len; i++) {
		RdCase *c = cases->pdata[i];
		g_hash_table_insert(by_id, &c->id, c);
	}
	GArray *h = g_array_new(FALSE, TRUE, sizeof(RdReportCase));
	gint64 current = 0;
	for (guint i = 0; i < stages->len; i++) {
		const RdStage *s = stages->pdata[i];
		if (h->len == 0 || s->case_id != current) {
			RdReportCase one;
			rd_report_case_init(&one);
			const RdCase *c = g_hash_table_lookup(by_id, &s->case_id);
			g_assert_nonnull(c);
			one.reference = c->reference;
			one.service = c->service;
			one.channel = c->channel;
			one.elected_member = c->flags != NULL && strstr(c->flags, "elected-member") != NULL;
			one.profile = c->profile;
			one.cause = c->cause;
			one.remedy = c->remedy != NULL && *c->remedy;
			date_of(c->ombudsman_referred, &one.ombudsman_referred);
			date_of(c->ombudsman_decided, &one.ombudsman_decided);
			one.ombudsman_outcome = c->ombudsman_outcome;
			g_array_append_val(h, one);
			current = s->case_id;
		}
		RdReportCase *one = &g_array_index(h, RdReportCase, h->len - 1);
		RdReportStage *out = s->stage == 2 ? &one->stage2 : &one->stage1;
		rd_report_stage_init(out);
		out->present = TRUE;
		date_of(s->received, &out->received);
		date_of(s->response_sent != NULL ? s->response_sent : s->responded, &out->responded);
		date_of(s->ack_due, &out->ack_due);
		date_of(s->ack_sent, &out->ack_sent);
		date_of(s->response_due, &out->response_due);
		date_of(s->extended_to, &out->extended_to);
		date_of(s->closed, &out->closed);
		out->outcome = s->outcome;
		out->extended = s->extended_to != NULL;
	}
	*cases_r = cases;
	*stages_r = stages;
	return h;
}

/* The figures as one text, to compare whole. */
static void
table_text(GString *s, const char *name, GHashTable *t)
{
	g_autoptr(GList) keys = g_list_sort(g_hash_table_get_keys(t), (GCompareFunc)strcmp);
	g_string_append_printf(s, "%s:", name);
	for (GList *k = keys; k != NULL; k = k->next)
		g_string_append_printf(s, " %s=%u", (const char *)k->data, GPOINTER_TO_UINT(g_hash_table_lookup(t, k->data)));
	g_string_append_c(s, '\n');
}

static char *
figures_text(const RdReportCase *c, gsize n, const GDate *from, const GDate *to, const RdCalendar *cal,
             const char *const *reg18_profiles, const RdSpsoFigures **spso_r, RdLgscoFigures *lf)
{
	static RdSpsoFigures f;
	GString *s = g_string_new(NULL);
	rd_report_spso(c, n, from, to, cal, &f);
	*spso_r = &f;
	g_string_append_printf(s, "spso received %u closed %u\n", f.received, f.closed);
	for (guint p = 0; p < RD_REPORT_PATHS; p++) {
		g_string_append_printf(s, " %s: %u avg %.17g within %u extended %u outcomes", rd_report_path_name(p),
		                       f.closed_by_path[p], f.average_working_days[p], f.within_timescale[p],
		                       f.extended[p]);
		for (guint k = 0; k < RD_REPORT_OUTCOMES; k++)
			g_string_append_printf(s, " %u", f.outcomes[p][k]);
		g_string_append_c(s, '\n');
	}
	rd_report_lgsco(c, n, from, to, to, lf);
	g_string_append_printf(s, "lgsco received %u s2 %u withdrawn %u excluded %u members %u\n", lf->received,
	                       lf->stage2_received, lf->withdrawn, lf->excluded, lf->elected_members);
	for (guint i = 0; i < 2; i++) {
		g_string_append_printf(s, " stage %u: ack %u/%u responded %u/%u extended %u outcomes", i + 1,
		                       lf->ack_on_time[i], lf->ack_due[i], lf->responded_in_time[i], lf->responded[i],
		                       lf->extended[i]);
		for (guint k = 0; k < RD_REPORT_OUTCOMES; k++)
			g_string_append_printf(s, " %u", lf->outcomes[i][k]);
		g_string_append_c(s, '\n');
	}
	table_text(s, "by service", lf->by_service);
	table_text(s, "by channel", lf->by_channel);
	for (guint i = 0; i < lf->late->len; i++) {
		const RdReportLate *l = &g_array_index(lf->late, RdReportLate, i);
		g_autofree char *due = rd_date_format_iso(&l->due);
		g_autofree char *done = g_date_valid(&l->done) ? rd_date_format_iso(&l->done) : g_strdup("-");
		g_string_append_printf(s, " late %s %u %s %s %s\n", l->reference, l->stage, l->what, due, done);
	}
	RdReg18Figures rf;
	rd_report_reg18(c, n, from, to, reg18_profiles, &rf);
	g_string_append_printf(s, "reg18 received %u decided %u well %u referred %u omb %u/%u\n", rf.received,
	                       rf.decided, rf.well_founded, rf.referred, rf.ombudsman_upheld, rf.ombudsman_decided);
	table_text(s, "by cause", rf.by_cause);
	rd_reg18_figures_clear(&rf);
	return g_string_free(s, FALSE);
}

/* One number from SQL on the file, straight from the rows. */
static guint
sql_count(sqlite3 *db, const char *sql, const char *a, const char *z)
{
	sqlite3_stmt *st = NULL;
	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &st, NULL), ==, SQLITE_OK);
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, z, -1, SQLITE_STATIC);
	g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
	guint n = (guint)sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static char *
document(World *w, const RdReportData *d, const GDate *from, const GDate *to, RdReportFormat format)
{
	RdReportRequest q = { 0 };
	q.from = *from;
	q.to = *to;
	g_date_clear(&q.today, 1);
	q.sets = RD_REPORT_ALL;
	q.format = format;
	return rd_report_document(w->cfg, w->cal, d, &q);
}

static guint
check_period(World *w, sqlite3 *db, const RdReportCase *mine, gsize n_mine, const RdReportData *all,
             const char *period)
{
	GDate from, to;
	g_assert_true(rd_report_period_parse(period, &from, &to));
	g_autoptr(GError) err = NULL;
	g_autoptr(RdReportData) part = rd_report_data_load_for(w->store, &from, &to, &err);
	g_assert_no_error(err);
	const char *const *reg18 = rd_report_reg18_profiles(w->cfg);

	gsize n_all = 0, n_part = 0;
	const RdReportCase *c_all = rd_report_data_cases(all, &n_all);
	const RdReportCase *c_part = rd_report_data_cases(part, &n_part);
	g_assert_cmpuint(n_all, ==, n_mine);
	g_assert_cmpuint(n_part, <=, n_all);

	const RdSpsoFigures *f;
	RdLgscoFigures l1, l2, l3;
	g_autofree char *want = figures_text(mine, n_mine, &from, &to, w->cal, reg18, &f, &l1);
	RdSpsoFigures spso = *f;
	g_autofree char *got_all = figures_text(c_all, n_all, &from, &to, w->cal, reg18, &f, &l2);
	g_autofree char *got_part = figures_text(c_part, n_part, &from, &to, w->cal, reg18, &f, &l3);
	g_assert_cmpstr(got_all, ==, want);
	g_assert_cmpstr(got_part, ==, want);

	/* Straight from the rows. */
	g_autofree char *a = rd_date_format_iso(&from);
	g_autofree char *z = rd_date_format_iso(&to);
	g_assert_cmpuint(spso.received, ==,
	                 sql_count(db, "SELECT count(*) FROM stages WHERE stage = 1 AND received BETWEEN ?1 AND ?2", a, z));
	g_assert_cmpuint(l1.received, ==, spso.received);
	g_assert_cmpuint(l1.stage2_received, ==,
	                 sql_count(db, "SELECT count(*) FROM stages WHERE stage = 2 AND received BETWEEN ?1 AND ?2", a, z));
	for (int i = 0; i < 2; i++) {
		g_autofree char *sql = g_strdup_printf("SELECT count(*) FROM stages WHERE stage = %d AND "
		                                       "coalesce(response_sent, responded) BETWEEN ?1 AND ?2", i + 1);
		g_assert_cmpuint(l1.responded[i], ==, sql_count(db, sql, a, z));
	}
	g_assert_cmpuint(l1.withdrawn, ==,
	                 sql_count(db, "SELECT count(*) FROM stages WHERE outcome = 'withdrawn' AND responded IS NULL "
	                               "AND response_sent IS NULL AND closed BETWEEN ?1 AND ?2", a, z));
	g_assert_cmpuint(l1.excluded, ==,
	                 sql_count(db, "SELECT count(*) FROM stages WHERE outcome = 'excluded' AND responded IS NULL "
	                               "AND response_sent IS NULL AND closed BETWEEN ?1 AND ?2", a, z));
	rd_lgsco_figures_clear(&l1);
	rd_lgsco_figures_clear(&l2);
	rd_lgsco_figures_clear(&l3);

	/* The whole document, trend and months included. */
	RdReportFormat formats[] = { RD_REPORT_FORMAT_JSON, RD_REPORT_FORMAT_HTML };
	for (guint k = 0; k < G_N_ELEMENTS(formats); k++) {
		g_autofree char *d_all = document(w, all, &from, &to, formats[k]);
		g_autofree char *d_part = document(w, part, &from, &to, formats[k]);
		g_assert_cmpstr(d_part, ==, d_all);
	}
	return spso.received + spso.closed;
}

/* One day for the comparison: ISO text, "-" when none. */
static void
day_text(GString *s, const char *iso, guint32 *lo, guint32 *hi)
{
	GDate d;
	date_of(iso, &d);
	if (!g_date_valid(&d)) {
		g_string_append(s, " -");
		return;
	}
	g_autofree char *t = rd_date_format_iso(&d);
	g_string_append_printf(s, " %s", t);
	*lo = MIN(*lo, g_date_get_julian(&d));
	*hi = MAX(*hi, g_date_get_julian(&d));
}

static void
row_day(GString *s, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL) {
		g_string_append(s, " -");
		return;
	}
	GDate d;
	g_date_clear(&d, 1);
	g_date_set_julian(&d, (guint32)sqlite3_column_int(st, i));
	g_autofree char *t = rd_date_format_iso(&d);
	g_string_append_printf(s, " %s", t);
}

static const char *
row_word(GHashTable *words, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return "(null)";
	gint64 id = sqlite3_column_int64(st, i);
	const char *w = g_hash_table_lookup(words, &id);
	g_assert_nonnull(w);
	return w;
}

/* Every report_case row (kept by triggers, schema 12) says what the
 * test works out again from the cases and stages rows, read as RdCase
 * and RdStage: one row per case, its words, its days, lo and hi. */
static void
check_case_rows(sqlite3 *db, GPtrArray *cases, GPtrArray *stages)
{
	g_autoptr(GHashTable) want = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	g_autoptr(GHashTable) by_case = g_hash_table_new(g_int64_hash, g_int64_equal);
	for (guint i = 0; i < stages->len; i++) {
		const RdStage *s = stages->pdata[i];
		GPtrArray *two = g_hash_table_lookup(by_case, &s->case_id);
		if (two == NULL) {
			two = g_ptr_array_new();
			g_ptr_array_set_size(two, 2);
			g_hash_table_insert(by_case, (gpointer)&s->case_id, two);
		}
		g_assert_true(s->stage == 1 || s->stage == 2);
		two->pdata[s->stage - 1] = (gpointer)s;
	}
	for (guint i = 0; i < cases->len; i++) {
		const RdCase *c = cases->pdata[i];
		GString *line = g_string_new(NULL);
		guint32 lo = 99999999, hi = 0;
		g_string_append_printf(line, "%" G_GINT64_FORMAT " 1 %s %s %s %s %s %s %d %d", c->id, c->reference,
		                       c->service ? c->service : "(null)", c->channel ? c->channel : "(null)",
		                       c->profile ? c->profile : "(null)", c->cause ? c->cause : "(null)",
		                       c->ombudsman_outcome ? c->ombudsman_outcome : "(null)",
		                       c->flags != NULL && strstr(c->flags, "elected-member") != NULL,
		                       c->remedy != NULL && *c->remedy);
		day_text(line, c->ombudsman_referred, &lo, &hi);
		day_text(line, c->ombudsman_decided, &lo, &hi);
		GPtrArray *two = g_hash_table_lookup(by_case, &c->id);
		for (guint k = 0; k < 2; k++) {
			const RdStage *s = two != NULL ? two->pdata[k] : NULL;
			if (s == NULL) {
				g_string_append(line, " | 0 - - - - - - - (null)");
				continue;
			}
			g_string_append_printf(line, " | %d", 1 + 2 * (s->extended_to != NULL));
			day_text(line, s->received, &lo, &hi);
			day_text(line, s->response_sent != NULL ? s->response_sent : s->responded, &lo, &hi);
			day_text(line, s->ack_due, &lo, &hi);
			day_text(line, s->ack_sent, &lo, &hi);
			day_text(line, s->response_due, &lo, &hi);
			day_text(line, s->extended_to, &lo, &hi);
			day_text(line, s->closed, &lo, &hi);
			g_string_append_printf(line, " %s", s->outcome ? s->outcome : "(null)");
		}
		g_string_append_printf(line, " | %u %u", lo, hi);
		g_hash_table_insert(want, g_memdup2(&c->id, sizeof c->id), g_string_free(line, FALSE));
	}
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, by_case);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_ptr_array_unref(v);

	g_autoptr(GHashTable) words = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	sqlite3_stmt *st = NULL;
	g_assert_cmpint(sqlite3_prepare_v2(db, "SELECT id, word FROM report_word", -1, &st, NULL), ==, SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		gint64 id = sqlite3_column_int64(st, 0);
		g_hash_table_insert(words, g_memdup2(&id, sizeof id), g_strdup((const char *)sqlite3_column_text(st, 1)));
	}
	sqlite3_finalize(st);
	/* The columns unpacked (schema.c, version 12), 0 as NULL. */
#define LOW(c) "nullif(" c " & 4194303, 0)"
#define HIGH(c) "nullif((" c " >> 22) & 4194303, 0)"
#define STAGE(N) \
	"(s" N "_d >> 22) & 3, " LOW("s" N "_a") ", " HIGH("s" N "_a") ", " LOW("s" N "_b") ", " HIGH("s" N "_b") ", " \
	LOW("s" N "_c") ", " HIGH("s" N "_c") ", " LOW("s" N "_d") ", nullif(s" N "_d >> 24, 0)"
	g_assert_cmpint(sqlite3_prepare_v2(db,
	                                   "SELECT case_id, (w3 >> 31) & 1, reference, nullif(w1 & 2147483647, 0),"
	                                   " nullif(w1 >> 31, 0), nullif(w2 & 2147483647, 0), nullif(w2 >> 31, 0),"
	                                   " nullif(w3 & 2147483647, 0), (w3 >> 32) & 1, (w3 >> 33) & 1,"
	                                   " " LOW("om") ", " HIGH("om") ", " STAGE("1") ", " STAGE("2") ", lo, hi"
	                                   " FROM report_case",
	                                   -1, &st, NULL), ==, SQLITE_OK);
#undef LOW
#undef HIGH
#undef STAGE
	guint rows = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		gint64 id = sqlite3_column_int64(st, 0);
		GString *line = g_string_new(NULL);
		g_string_append_printf(line, "%" G_GINT64_FORMAT " %d %s", id, sqlite3_column_int(st, 1),
		                       (const char *)sqlite3_column_text(st, 2));
		for (int i = 3; i <= 7; i++)
			g_string_append_printf(line, " %s", row_word(words, st, i));
		g_string_append_printf(line, " %d %d", sqlite3_column_int(st, 8), sqlite3_column_int(st, 9));
		row_day(line, st, 10);
		row_day(line, st, 11);
		for (int k = 0; k < 2; k++) {
			int b = 12 + 9 * k;
			g_string_append_printf(line, " | %d", sqlite3_column_int(st, b));
			for (int i = 1; i <= 7; i++)
				row_day(line, st, b + i);
			g_string_append_printf(line, " %s", row_word(words, st, b + 8));
		}
		g_string_append_printf(line, " | %d %d", sqlite3_column_int(st, 30), sqlite3_column_int(st, 31));
		g_autofree char *got = g_string_free(line, FALSE);
		g_assert_cmpstr(got, ==, g_hash_table_lookup(want, &id));
		rows++;
	}
	sqlite3_finalize(st);
	g_assert_cmpuint(rows, ==, g_hash_table_size(want));
}

static gboolean
same_day(const GDate *a, const GDate *b)
{
	if (!g_date_valid(a) || !g_date_valid(b))
		return g_date_valid(a) == g_date_valid(b);
	return g_date_compare(a, b) == 0 && g_date_get_day(a) == g_date_get_day(b) &&
	       g_date_get_month(a) == g_date_get_month(b) && g_date_get_year(a) == g_date_get_year(b);
}

/* Texts that are not days, and days that are, written straight into a
 * copy of the file (redress never writes the first kind): report_case
 * keeps a day only where rd_date_parse_iso() finds one; the loads count
 * the same as the test's histories; and the file migrated again from
 * version 10 (report_case emptied, user_version lowered) has the same
 * rows. */
static void
check_odd_days_and_backfill(World *w)
{
	sqlite3 *db = NULL;
	g_assert_cmpint(sqlite3_open(w->path, &db), ==, SQLITE_OK);
	static const char *const odd[] = { "2025-02-29", "2025-2-03", "0000-01-01", "2025-04-31", "x",
		                           "2025-04-01 ", "2024-02-29", "0001-01-01", "9999-12-31", "2025-13-01" };
	char *msg = NULL;
	for (guint k = 0; k < G_N_ELEMENTS(odd); k++) {
		g_autofree char *sql = g_strdup_printf(
			"UPDATE stages SET ack_sent = '%s' WHERE id = (SELECT min(id) + %u FROM stages);"
			"UPDATE cases SET ombudsman_decided = '%s' WHERE id = (SELECT min(id) + %u FROM cases);",
			odd[k], k, odd[k], k);
		g_assert_cmpint(sqlite3_exec(db, sql, NULL, NULL, &msg), ==, SQLITE_OK);
	}
	g_autoptr(GError) err = NULL;
	GPtrArray *cases = NULL, *stages = NULL;
	g_autoptr(GArray) mine = recount_histories(w, &cases, &stages);
	check_case_rows(db, cases, stages);
	g_autoptr(RdReportData) all = rd_report_data_load(w->store, &err);
	g_assert_no_error(err);
	gsize n = 0;
	const RdReportCase *c = rd_report_data_cases(all, &n);
	g_assert_cmpuint(n, ==, mine->len);
	for (gsize i = 0; i < n; i++) {
		const RdReportCase *m = &g_array_index(mine, RdReportCase, i);
		g_assert_true(same_day(&c[i].stage1.ack_sent, &m->stage1.ack_sent));
		g_assert_true(same_day(&c[i].ombudsman_decided, &m->ombudsman_decided));
	}

	/* The backfill. */
	g_assert_cmpint(sqlite3_exec(db, "DELETE FROM report_case; DELETE FROM report_word; PRAGMA user_version = 10",
	                             NULL, NULL, &msg), ==, SQLITE_OK);
	RdStore *again = rd_store_open(w->path, &err);
	g_assert_no_error(err);
	check_case_rows(db, cases, stages);
	rd_store_close(again);
	sqlite3_close(db);
	g_ptr_array_unref(cases);
	g_ptr_array_unref(stages);
}

static void
test_recount(void)
{
	const char *env = g_getenv("RECOUNT_SEED");
	guint32 seed = env != NULL ? (guint32)g_ascii_strtoull(env, NULL, 10) : 20261207;
	env = g_getenv("RECOUNT_OPS");
	guint ops = env != NULL ? (guint)g_ascii_strtoull(env, NULL, 10) : 4000;
	g_test_message("seed %u, %u operations (RECOUNT_SEED, RECOUNT_OPS)", seed, ops);
	g_printerr("# test-report-recount: seed %u, %u operations\n", seed, ops);

	World w = { 0 };
	world_open(&w, seed);
	for (guint i = 0; i < ops; i++)
		step(&w);
	g_autoptr(GDateTime) end = g_date_time_new_from_unix_utc(w.now);
	g_autofree char *until = g_date_time_format(end, "%Y-%m-%d");
	g_printerr("# %u cases to %s; took: service %u, respond %u, extend %u, escalate %u, close %u, reopen %u, "
	           "cause %u, remedy %u, ombudsman %u, sends %u\n", w.refs->len, until, w.done[1], w.done[2],
	           w.done[3], w.done[4], w.done[5], w.done[6], w.done[7], w.done[8], w.done[9], w.done[15]);
	/* The mix did happen. */
	for (guint k = 1; k <= 9; k++)
		g_assert_cmpuint(w.done[k], >, 0);

	GPtrArray *cases = NULL, *stages = NULL;
	g_autoptr(GArray) mine = recount_histories(&w, &cases, &stages);
	g_autoptr(GError) err = NULL;
	g_autoptr(RdReportData) all = rd_report_data_load(w.store, &err);
	g_assert_no_error(err);
	sqlite3 *db = NULL;
	g_assert_cmpint(sqlite3_open_v2(w.path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	check_case_rows(db, cases, stages);

	/* Every quarter and financial year the clock passed, and more. */
	guint periods = 0, counted = 0;
	int last_year = g_date_time_get_year(end);
	for (int y = 2025; y <= last_year; y++) {
		for (int q = 1; q <= 4; q++) {
			g_autofree char *p = g_strdup_printf("%dQ%d", y, q);
			counted += check_period(&w, db, (const RdReportCase *)(void *)mine->data, mine->len, all, p);
			periods++;
		}
		g_autofree char *fy = g_strdup_printf("%d-%02d", y - 1, y % 100);
		counted += check_period(&w, db, (const RdReportCase *)(void *)mine->data, mine->len, all, fy);
		g_autofree char *cy = g_strdup_printf("%d", y);
		counted += check_period(&w, db, (const RdReportCase *)(void *)mine->data, mine->len, all, cy);
		periods += 2;
	}
	static const char *const more[] = { "2025-06-15..2025-06-15", "2025-03-01..2026-02-28", "2025-12-20..2026-01-05" };
	for (guint k = 0; k < G_N_ELEMENTS(more); k++)
		counted += check_period(&w, db, (const RdReportCase *)(void *)mine->data, mine->len, all, more[k]);
	periods += G_N_ELEMENTS(more);
	g_printerr("# %u periods agree (%u cases received or closed in them)\n", periods, counted);
	g_assert_cmpuint(counted, >, 0);

	sqlite3_close(db);
	g_ptr_array_unref(cases);
	g_ptr_array_unref(stages);
	check_odd_days_and_backfill(&w);
	world_close(&w);
}

int
main(int argc, char **argv)
{
	g_setenv("TZ", "Europe/London", TRUE);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/report/recount", test_recount);
	return g_test_run();
}
