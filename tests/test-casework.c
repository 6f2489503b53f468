/*
 * test-casework.c — the casework API (daemon/casework/) called directly,
 * without the command line: opening a stage, and case actions taking a
 * plain RdCaseAction and returning what they did or why they refused.
 *
 * Each test gets a new SQLite file and the built-in configuration (the
 * council procedure, England and Wales, computed bank holidays), so the
 * dates asserted here are the procedure's: 2 working days to
 * acknowledge, 10 to respond, 20 more at Stage 2.
 */
#include <string.h>
#include <glib/gstdio.h>
#include "casework/casework.h"

typedef struct {
	char *dir;
	char *path;
	RdStore *store;
	RdConfig *cfg;
	RdCasework *cw;
} Fixture;

/* Wednesday 2 December 2026, 10:00 UTC (10:00 in London). */
#define T0 1796205600

static void
fx_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	f->dir = g_dir_make_tmp("rd-casework-XXXXXX", &err);
	g_assert_no_error(err);
	f->path = g_build_filename(f->dir, "t.db", NULL);
	f->store = rd_store_open(f->path, &err);
	g_assert_no_error(err);
	f->cfg = rd_config_load(NULL, &err);
	g_assert_no_error(err);
	g_free(f->cfg->templates_dir);
	f->cfg->templates_dir = g_strdup(RD_SRCDIR "/templates/letters");
	g_free(f->cfg->complaints_manager);
	f->cfg->complaints_manager = g_strdup("manager@council.test");
	f->cw = rd_casework_new(f->store, f->cfg, &err);
	g_assert_no_error(err);
}

static void
fx_teardown(Fixture *f, gconstpointer data)
{
	rd_casework_free(f->cw);
	rd_config_free(f->cfg);
	rd_store_close(f->store);
	g_autofree char *wal = g_strconcat(f->path, "-wal", NULL);
	g_autofree char *shm = g_strconcat(f->path, "-shm", NULL);
	g_autofree char *lock = g_strconcat(f->path, ".lock", NULL);
	g_unlink(wal);
	g_unlink(shm);
	g_unlink(lock);
	g_unlink(f->path);
	g_rmdir(f->dir);
	g_free(f->path);
	g_free(f->dir);
}

/* A new case from jo@public.test at T0, its Stage 1 opened through the
 * casework API as intake opens it. Returns its reference. */
static char *
new_case(Fixture *f)
{
	g_autoptr(GError) err = NULL;
	g_assert_true(rd_store_begin(f->store, &err));
	RdCaseNew n = { 0 };
	n.prefix = "CMP";
	n.year = 2026;
	n.channel = "email";
	n.complainant_email = "jo@public.test";
	n.complainant_name = "Jo Public";
	n.summary = "Bins not collected";
	n.opened_at = T0;
	g_autoptr(RdCase) c = rd_store_case_create(f->store, &n, &err);
	g_assert_no_error(err);
	RdStageOpening o = { 0 };
	o.stage = 1;
	o.mailbox = RD_MAILBOX_COMPLAINTS;
	o.at = T0;
	g_assert_true(rd_casework_open_stage(f->cw, c, &o, &err));
	g_assert_no_error(err);
	g_assert_true(rd_store_commit(f->store, &err));
	return g_strdup(c->reference);
}

static RdCase *
case_by_ref(Fixture *f, const char *ref)
{
	g_autoptr(GError) err = NULL;
	RdCase *c = NULL;
	g_assert_true(rd_store_case_get_by_ref(f->store, ref, &c, &err));
	g_assert_no_error(err);
	return c;
}

static RdStage *
stage_of(Fixture *f, const char *ref, int n)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdCase) c = case_by_ref(f, ref);
	g_assert_nonnull(c);
	g_autoptr(GPtrArray) st = rd_store_stages_for_case(f->store, c->id, &err);
	g_assert_no_error(err);
	for (guint i = 0; i < st->len; i++) {
		RdStage *s = st->pdata[i];
		if (s->stage == n) {
			st->pdata[i] = NULL;
			g_ptr_array_set_free_func(st, (GDestroyNotify)rd_stage_free);
			return s;
		}
	}
	return NULL;
}

/* How many letters of @kind to @to are in the outbox of @ref. */
static guint
letters(Fixture *f, const char *ref, const char *kind, const char *to)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdCase) c = case_by_ref(f, ref);
	g_autoptr(GPtrArray) rows = rd_store_outbox_for_case(f->store, c->id, &err);
	g_assert_no_error(err);
	guint n = 0;
	for (guint i = 0; i < rows->len; i++) {
		const RdOutboxRow *o = rows->pdata[i];
		if (strcmp(o->kind, kind) == 0 && (to == NULL || strcmp(o->to_addr, to) == 0))
			n++;
	}
	return n;
}

static guint
events(Fixture *f, const char *ref, const char *type, const char *actor)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdCase) c = case_by_ref(f, ref);
	g_autoptr(GPtrArray) ev = rd_store_events_for_case(f->store, c->id, &err);
	g_assert_no_error(err);
	guint n = 0;
	for (guint i = 0; i < ev->len; i++) {
		const RdEvent *e = ev->pdata[i];
		if (strcmp(e->type, type) == 0 && (actor == NULL || g_strcmp0(e->actor, actor) == 0))
			n++;
	}
	return n;
}

/* Opening Stage 1: the clock on working days, the acknowledgement to the
 * complainant and the notice to the complaints manager. */
static void
test_open_stage1(Fixture *f, gconstpointer data)
{
	g_autofree char *ref = new_case(f);
	g_autoptr(RdStage) s1 = stage_of(f, ref, 1);
	g_assert_cmpstr(s1->received, ==, "2026-12-02");
	/* Wed 2 Dec + 2 working days = Fri 4 Dec; + 10 = Wed 16 Dec. */
	g_assert_cmpstr(s1->ack_due, ==, "2026-12-04");
	g_assert_cmpstr(s1->response_due, ==, "2026-12-16");
	g_assert_cmpuint(letters(f, ref, "stage1-acknowledgement", "jo@public.test"), ==, 1);
	g_assert_cmpuint(letters(f, ref, "staff-new-case", "manager@council.test"), ==, 1);
	g_assert_cmpuint(events(f, ref, "clock-started", NULL), ==, 1);
}

/* One action used directly: assign, then extend, with the results the
 * CLI prints and the events it records. */
static void
test_assign_and_extend(Fixture *f, gconstpointer data)
{
	g_autofree char *ref = new_case(f);
	g_autoptr(GError) err = NULL;
	RdCaseAction a = { 0 };
	a.kind = RD_CASE_ACTION_ASSIGN;
	a.actor = "test:officer";
	a.at = T0 + 3600;
	a.handler = "  A.Officer@Council.TEST ";
	RdCaseActionResult r = { 0 };
	g_assert_true(rd_casework_act(f->cw, ref, &a, &r, &err));
	g_assert_no_error(err);
	g_assert_cmpstr(r.reference, ==, ref);
	g_assert_cmpstr(r.state, ==, "stage1");
	g_assert_cmpuint(r.done->len, ==, 1);
	g_assert_cmpstr(r.done->pdata[0], ==, "Handler a.officer@council.test (was the team), also for Stage 1.");
	g_assert_cmpuint(r.letters->len, ==, 0);
	rd_case_action_result_clear(&r);
	g_assert_cmpuint(events(f, ref, "handler-assigned", "test:officer"), ==, 1);
	g_autoptr(RdStage) s1 = stage_of(f, ref, 1);
	g_assert_cmpstr(s1->handler, ==, "a.officer@council.test");

	/* A holding reply to a date the handler chose. */
	RdCaseAction e = { 0 };
	e.kind = RD_CASE_ACTION_EXTEND;
	e.actor = "test:officer";
	e.at = T0 + 7200;
	e.to = "2026-12-23";
	e.reason = "waiting for the contractor's report";
	g_assert_true(rd_casework_act(f->cw, "cmp 2026 1", &e, &r, &err));
	g_assert_no_error(err);
	g_assert_cmpuint(r.letters->len, ==, 1);
	g_assert_cmpstr(r.letters->pdata[0], ==, "holding-reply");
	rd_case_action_result_clear(&r);
	g_autoptr(RdStage) after = stage_of(f, ref, 1);
	g_assert_cmpstr(after->extended_to, ==, "2026-12-23");
	g_assert_cmpstr(after->extension_reason, ==, "waiting for the contractor's report");
	g_assert_cmpuint(letters(f, ref, "holding-reply", "jo@public.test"), ==, 1);
}

/* A refusal changes nothing and says why, with the casework error. */
static void
test_refusals(Fixture *f, gconstpointer data)
{
	g_autofree char *ref = new_case(f);
	RdCaseActionResult r = { 0 };

	RdCaseAction a = { 0 };
	a.kind = RD_CASE_ACTION_ESCALATE;
	a.at = T0 + 60;
	g_autoptr(GError) err = NULL;
	g_assert_false(rd_casework_act(f->cw, ref, &a, &r, &err));
	g_assert_error(err, RD_CASEWORK_ERROR, RD_CASEWORK_ERROR_REFUSED);
	g_assert_nonnull(strstr(err->message, "Stage 1 of " "CMP-2026-000001" " is still open"));
	g_assert_null(r.done);
	g_clear_error(&err);

	RdCaseAction b = { 0 };
	b.kind = RD_CASE_ACTION_RESPOND;
	b.at = T0 + 60;
	b.outcome = "excellent";
	g_assert_false(rd_casework_act(f->cw, ref, &b, &r, &err));
	g_assert_error(err, RD_CASEWORK_ERROR, RD_CASEWORK_ERROR_REFUSED);
	g_clear_error(&err);

	RdCaseAction c = { 0 };
	c.kind = RD_CASE_ACTION_ASSIGN;
	c.at = T0 + 60;
	c.handler = "not an address";
	g_assert_false(rd_casework_act(f->cw, ref, &c, &r, &err));
	g_assert_error(err, RD_CASEWORK_ERROR, RD_CASEWORK_ERROR_REFUSED);
	g_clear_error(&err);

	g_assert_false(rd_casework_act(f->cw, "CMP-2026-000999", &c, &r, &err));
	g_assert_error(err, RD_CASEWORK_ERROR, RD_CASEWORK_ERROR_NO_CASE);
	g_clear_error(&err);

	/* Nothing of the refused actions reached the case. */
	g_assert_cmpuint(events(f, ref, "handler-assigned", NULL), ==, 0);
	g_assert_cmpuint(events(f, ref, "stage2-opened", NULL), ==, 0);
	g_autoptr(RdStage) s1 = stage_of(f, ref, 1);
	g_assert_null(s1->responded);
	g_assert_null(s1->handler);
}

/* Respond, then escalate: Stage 2 opens through the same call intake
 * uses, with its own clock and acknowledgement, and a Stage 1 handler
 * cannot take Stage 2. */
static void
test_respond_then_escalate(Fixture *f, gconstpointer data)
{
	g_autofree char *ref = new_case(f);
	g_autoptr(GError) err = NULL;
	RdCaseActionResult r = { 0 };

	RdCaseAction as = { 0 };
	as.kind = RD_CASE_ACTION_ASSIGN;
	as.at = T0 + 60;
	as.handler = "first@council.test";
	g_assert_true(rd_casework_act(f->cw, ref, &as, &r, &err));
	rd_case_action_result_clear(&r);

	RdCaseAction re = { 0 };
	re.kind = RD_CASE_ACTION_RESPOND;
	re.at = T0 + 5 * 86400;   /* Monday 7 December */
	re.outcome = "not-upheld";
	g_assert_true(rd_casework_act(f->cw, ref, &re, &r, &err));
	g_assert_no_error(err);
	g_assert_cmpstr(r.state, ==, "stage1-closed");
	g_assert_cmpuint(r.letters->len, ==, 1);
	g_assert_cmpstr(r.letters->pdata[0], ==, "closing-letter");
	rd_case_action_result_clear(&r);

	RdCaseAction es = { 0 };
	es.kind = RD_CASE_ACTION_ESCALATE;
	es.actor = "test:manager";
	es.at = T0 + 6 * 86400;   /* Tuesday 8 December */
	g_assert_true(rd_casework_act(f->cw, ref, &es, &r, &err));
	g_assert_no_error(err);
	g_assert_cmpstr(r.state, ==, "stage2");
	rd_case_action_result_clear(&r);
	g_autoptr(RdStage) s2 = stage_of(f, ref, 2);
	g_assert_nonnull(s2);
	g_assert_cmpstr(s2->received, ==, "2026-12-08");
	g_assert_cmpstr(s2->ack_due, ==, "2026-12-10");
	g_assert_cmpuint(letters(f, ref, "stage2-acknowledgement", "jo@public.test"), ==, 1);
	g_assert_cmpuint(events(f, ref, "stage2-opened", "test:manager"), ==, 1);

	RdCaseAction again = as;
	again.at = T0 + 6 * 86400 + 60;
	g_assert_false(rd_casework_act(f->cw, ref, &again, &r, &err));
	g_assert_error(err, RD_CASEWORK_ERROR, RD_CASEWORK_ERROR_REFUSED);
	g_assert_nonnull(strstr(err->message, "Stage 2 needs someone else"));
}

/* Inside the caller's transaction: a rollback undoes the action too. */
static void
test_act_in_rolls_back(Fixture *f, gconstpointer data)
{
	g_autofree char *ref = new_case(f);
	g_autoptr(GError) err = NULL;
	g_assert_true(rd_store_begin(f->store, &err));
	g_autoptr(RdCase) c = case_by_ref(f, ref);
	RdCaseAction a = { 0 };
	a.kind = RD_CASE_ACTION_SERVICE;
	a.at = T0 + 60;
	a.service = "Waste";
	RdCaseActionResult r = { 0 };
	g_assert_true(rd_casework_act_in(f->cw, c, &a, &r, &err));
	g_assert_no_error(err);
	g_assert_cmpstr(r.done->pdata[0], ==, "Service Waste (was not set).");
	g_assert_null(r.state);
	rd_case_action_result_clear(&r);
	rd_store_rollback(f->store);
	g_autoptr(RdCase) after = case_by_ref(f, ref);
	g_assert_null(after->service);
	g_assert_cmpuint(events(f, ref, "service-set", NULL), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_setenv("TZ", "Europe/London", TRUE);
#define ADD(name, fn) g_test_add("/casework/" name, Fixture, NULL, fx_setup, fn, fx_teardown)
	ADD("open-stage1", test_open_stage1);
	ADD("assign-and-extend", test_assign_and_extend);
	ADD("refusals", test_refusals);
	ADD("respond-then-escalate", test_respond_then_escalate);
	ADD("act-in-rolls-back", test_act_in_rolls_back);
	return g_test_run();
}
