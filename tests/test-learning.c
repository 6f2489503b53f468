/*
 * test-learning.c — learning actions below the daemon: the status moves
 * and who may make them (procedure/learning.c), the days an action is
 * swept on, the action reply addresses (procedure/token.c), and the store
 * (store/actions.c) on an in-memory database.
 */
#include <string.h>

#include "procedure.h"
#include "store.h"

/* ---- moves ------------------------------------------------------------ */

static void
test_moves(void)
{
	static const struct {
		RdLearningStatus from;
		RdLearningMove move;
		gboolean ok;
		RdLearningStatus to;
	} rows[] = {
		{ RD_LEARNING_PROPOSED, RD_LEARNING_MOVE_AGREE, TRUE, RD_LEARNING_AGREED },
		{ RD_LEARNING_AGREED, RD_LEARNING_MOVE_AGREE, FALSE, 0 },
		{ RD_LEARNING_DONE, RD_LEARNING_MOVE_AGREE, FALSE, 0 },
		{ RD_LEARNING_PROPOSED, RD_LEARNING_MOVE_DONE, TRUE, RD_LEARNING_DONE },
		{ RD_LEARNING_AGREED, RD_LEARNING_MOVE_DONE, TRUE, RD_LEARNING_DONE },
		{ RD_LEARNING_DONE, RD_LEARNING_MOVE_DONE, FALSE, 0 },
		{ RD_LEARNING_DROPPED, RD_LEARNING_MOVE_DONE, FALSE, 0 },
		{ RD_LEARNING_DONE, RD_LEARNING_MOVE_VERIFY, TRUE, RD_LEARNING_VERIFIED },
		{ RD_LEARNING_AGREED, RD_LEARNING_MOVE_VERIFY, FALSE, 0 },
		{ RD_LEARNING_VERIFIED, RD_LEARNING_MOVE_VERIFY, FALSE, 0 },
		{ RD_LEARNING_PROPOSED, RD_LEARNING_MOVE_DROP, TRUE, RD_LEARNING_DROPPED },
		{ RD_LEARNING_AGREED, RD_LEARNING_MOVE_DROP, TRUE, RD_LEARNING_DROPPED },
		{ RD_LEARNING_DONE, RD_LEARNING_MOVE_DROP, TRUE, RD_LEARNING_DROPPED },
		{ RD_LEARNING_VERIFIED, RD_LEARNING_MOVE_DROP, FALSE, 0 },
		{ RD_LEARNING_DROPPED, RD_LEARNING_MOVE_DROP, FALSE, 0 },
		{ RD_LEARNING_AGREED, RD_LEARNING_MOVE_EXTEND, TRUE, RD_LEARNING_AGREED },
		{ RD_LEARNING_PROPOSED, RD_LEARNING_MOVE_EXTEND, TRUE, RD_LEARNING_PROPOSED },
		{ RD_LEARNING_DONE, RD_LEARNING_MOVE_EXTEND, FALSE, 0 },
	};
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		RdLearningStatus to = RD_LEARNING_N_STATUS;
		const char *why = NULL;
		gboolean ok = rd_learning_move(rows[i].from, rows[i].move, &to, &why);
		g_test_message("%s --%s-->", rd_learning_status_to_string(rows[i].from),
		               rd_learning_move_to_string(rows[i].move));
		g_assert_cmpint(ok, ==, rows[i].ok);
		if (ok)
			g_assert_cmpint(to, ==, rows[i].to);
		else
			g_assert_nonnull(why);
	}
	RdLearningStatus s;
	for (int i = 0; i < RD_LEARNING_N_STATUS; i++) {
		g_assert_true(rd_learning_status_from_string(rd_learning_status_to_string(i), &s));
		g_assert_cmpint(s, ==, i);
	}
	g_assert_false(rd_learning_status_from_string("finished", NULL));
}

static void
test_who(void)
{
	static const struct {
		RdLearningMove move;
		gboolean owner, authoriser, manager, ok;
	} rows[] = {
		{ RD_LEARNING_MOVE_DONE, TRUE, FALSE, FALSE, TRUE },
		{ RD_LEARNING_MOVE_DONE, FALSE, FALSE, FALSE, FALSE },
		{ RD_LEARNING_MOVE_DONE, FALSE, FALSE, TRUE, TRUE },
		{ RD_LEARNING_MOVE_EXTEND, TRUE, FALSE, FALSE, TRUE },
		{ RD_LEARNING_MOVE_VERIFY, TRUE, FALSE, FALSE, FALSE },
		{ RD_LEARNING_MOVE_VERIFY, FALSE, TRUE, FALSE, TRUE },
		{ RD_LEARNING_MOVE_VERIFY, FALSE, FALSE, TRUE, TRUE },
		{ RD_LEARNING_MOVE_AGREE, TRUE, FALSE, FALSE, FALSE },
		{ RD_LEARNING_MOVE_AGREE, FALSE, FALSE, TRUE, TRUE },
		{ RD_LEARNING_MOVE_DROP, TRUE, FALSE, FALSE, FALSE },
		{ RD_LEARNING_MOVE_DROP, FALSE, TRUE, FALSE, TRUE },
	};
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		RdLearningActor who = { rows[i].owner, rows[i].authoriser, rows[i].manager };
		const char *why = NULL;
		g_assert_cmpint(rd_learning_may(rows[i].move, &who, &why), ==, rows[i].ok);
		if (!rows[i].ok)
			g_assert_nonnull(why);
	}
}

/* ---- days ------------------------------------------------------------- */

static void
test_days(void)
{
	g_autoptr(RdCalendar) cal = rd_calendar_new(RD_NATION_ENGLAND_WALES);
	/* The statutory rules know Monday 25 May 2026, the Spring bank
	 * holiday. */
	static const struct {
		const char *due, *remind, *overdue, *escalate;
	} rows[] = {
		/* Friday 12 June: back to Friday 5th; Monday 15th; Friday 19th. */
		{ "2026-06-12", "2026-06-05", "2026-06-15", "2026-06-19" },
		/* Friday 29 May, the Monday before a holiday: Friday 22nd (the
		 * 25th does not count); Monday 1 June; Friday 5 June. */
		{ "2026-05-29", "2026-05-21", "2026-06-01", "2026-06-05" },
		/* Due on a Saturday: overdue on the Monday. */
		{ "2026-06-13", "2026-06-08", "2026-06-15", "2026-06-19" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		GDate due;
		g_assert_true(rd_date_parse_iso(rows[i].due, &due));
		RdLearningDays d;
		rd_learning_days(cal, &due, &d);
		g_autofree char *r = rd_date_format_iso(&d.remind);
		g_autofree char *o = rd_date_format_iso(&d.overdue);
		g_autofree char *e = rd_date_format_iso(&d.escalate);
		g_test_message("due %s", rows[i].due);
		g_assert_cmpstr(r, ==, rows[i].remind);
		g_assert_cmpstr(o, ==, rows[i].overdue);
		g_assert_cmpstr(e, ==, rows[i].escalate);
	}
}

static void
test_sweep(void)
{
	g_autoptr(RdCalendar) cal = rd_calendar_new(RD_NATION_ENGLAND_WALES);
	static const struct {
		RdLearningStatus status;
		const char *reminded, *overdue_for;
		gboolean escalated;
		const char *today;
		gboolean remind, overdue, escalate;
	} rows[] = {
		/* due Friday 2026-06-12 throughout */
		{ RD_LEARNING_AGREED, NULL, NULL, FALSE, "2026-06-04", FALSE, FALSE, FALSE },
		{ RD_LEARNING_AGREED, NULL, NULL, FALSE, "2026-06-05", TRUE, FALSE, FALSE },
		{ RD_LEARNING_AGREED, "2026-06-12", NULL, FALSE, "2026-06-08", FALSE, FALSE, FALSE },
		{ RD_LEARNING_PROPOSED, NULL, NULL, FALSE, "2026-06-12", TRUE, FALSE, FALSE },
		{ RD_LEARNING_AGREED, "2026-06-12", NULL, FALSE, "2026-06-13", FALSE, FALSE, FALSE },
		{ RD_LEARNING_AGREED, "2026-06-12", NULL, FALSE, "2026-06-15", FALSE, TRUE, FALSE },
		/* a reminder never sent is not sent late */
		{ RD_LEARNING_AGREED, NULL, NULL, FALSE, "2026-06-16", FALSE, TRUE, FALSE },
		{ RD_LEARNING_AGREED, NULL, "2026-06-12", FALSE, "2026-06-18", FALSE, FALSE, FALSE },
		{ RD_LEARNING_AGREED, NULL, "2026-06-12", FALSE, "2026-06-19", FALSE, FALSE, TRUE },
		{ RD_LEARNING_AGREED, NULL, "2026-06-12", TRUE, "2026-07-19", FALSE, FALSE, FALSE },
		/* an old target day's letters do not count for the new one */
		{ RD_LEARNING_AGREED, "2026-05-01", "2026-05-01", TRUE, "2026-06-15", FALSE, TRUE, FALSE },
		{ RD_LEARNING_DONE, NULL, NULL, FALSE, "2026-06-19", FALSE, FALSE, FALSE },
		{ RD_LEARNING_DROPPED, NULL, NULL, FALSE, "2026-06-05", FALSE, FALSE, FALSE },
	};
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		RdLearningState st = { rows[i].status, "2026-06-12", rows[i].reminded, rows[i].overdue_for,
		                       rows[i].escalated };
		GDate today;
		g_assert_true(rd_date_parse_iso(rows[i].today, &today));
		RdLearningDue due;
		rd_learning_sweep(cal, &st, &today, &due);
		g_test_message("row %u", i);
		g_assert_cmpint(due.remind, ==, rows[i].remind);
		g_assert_cmpint(due.overdue, ==, rows[i].overdue);
		g_assert_cmpint(due.escalate, ==, rows[i].escalate);
	}
}

/* ---- reply addresses ------------------------------------------------------ */

static void
test_token(void)
{
	guint8 key[32];
	memset(key, 7, sizeof key);
	g_autofree char *a = rd_action_token_address(key, sizeof key, "complaints@council.example", 12,
	                                             "Jo@Council.Example");
	g_assert_true(g_str_has_prefix(a, "complaints+act-12-"));
	g_assert_true(g_str_has_suffix(a, "@council.example"));
	gint64 id = 0;
	gboolean valid = FALSE;
	g_assert_true(rd_action_token_parse(key, sizeof key, a, "jo@council.example", &id, &valid));
	g_assert_cmpint(id, ==, 12);
	g_assert_true(valid);
	/* another member: the shape is read, the MAC does not hold */
	g_assert_true(rd_action_token_parse(key, sizeof key, a, "sam@council.example", &id, &valid));
	g_assert_false(valid);
	/* retyped: an l for the 1, upper case */
	g_autofree char *typed = g_ascii_strup(a, -1);
	typed[strlen("COMPLAINTS+ACT-")] = 'l';
	g_assert_true(rd_action_token_parse(key, sizeof key, typed, "jo@council.example", &id, &valid));
	g_assert_cmpint(id, ==, 12);
	g_assert_true(valid);
	/* other forms are not action addresses, and it is no case's */
	g_assert_false(rd_action_token_parse(key, sizeof key, "complaints+cmp-2026-000001-r-abcdefgh@x.example",
	                                     "jo@council.example", NULL, NULL));
	g_assert_false(rd_action_token_parse(key, sizeof key, "complaints@x.example", "jo@council.example", NULL,
	                                     NULL));
	g_autofree char *ref = NULL;
	g_assert_false(rd_staff_token_parse(key, sizeof key, "CMP", a, "jo@council.example", &ref, NULL, NULL));
	g_autofree char *canon = rd_token_verify(key, sizeof key, "CMP", a);
	g_assert_null(canon);
}

/* ---- the store ---------------------------------------------------------------- */

static void
test_store(void)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdStore) st = rd_store_open(":memory:", &err);
	g_assert_no_error(err);
	RdLearningAction n = { 0 };
	n.text = (char *)"Bin crews get the new round lists on the day they change";
	n.owner = (char *)"jo@council.example";
	n.due = (char *)"2026-06-12";
	n.status = (char *)"proposed";
	n.service = (char *)"Waste";
	n.created_by = (char *)"cli:test";
	n.created_at = 1000;
	gint64 id = rd_store_action_insert(st, &n, &err);
	g_assert_no_error(err);
	g_assert_cmpint(id, >, 0);
	g_assert_cmpint(rd_store_action_event_add(st, id, 1000, "cli:test", "action-added", "made", 0, &err), >, 0);

	g_autoptr(RdLearningAction) a = NULL;
	g_assert_true(rd_store_action_get(st, id, &a, &err));
	g_assert_nonnull(a);
	g_assert_cmpstr(a->status, ==, "proposed");
	g_assert_cmpuint(a->cases->len, ==, 0);
	g_free(a->status);
	a->status = g_strdup("agreed");
	a->reminded_for = g_strdup("2026-06-12");
	a->escalated_at = 2000;
	a->updated_at = 2000;
	g_assert_true(rd_store_action_update(st, a, &err));

	g_autoptr(RdLearningAction) b = NULL;
	g_assert_true(rd_store_action_get(st, id, &b, &err));
	g_assert_cmpstr(b->status, ==, "agreed");
	g_assert_cmpstr(b->reminded_for, ==, "2026-06-12");
	g_assert_cmpint(b->escalated_at, ==, 2000);

	g_autoptr(GPtrArray) open = rd_store_actions_list(st, TRUE, &err);
	g_assert_cmpuint(open->len, ==, 1);
	g_autoptr(GPtrArray) ev = rd_store_action_events(st, id, &err);
	g_assert_cmpuint(ev->len, ==, 1);

	g_autoptr(RdLearningAction) none = NULL;
	g_assert_true(rd_store_action_get(st, 99, &none, &err));
	g_assert_null(none);
	b->id = 99;
	g_assert_false(rd_store_action_update(st, b, &err));
	g_assert_error(err, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/learning/moves", test_moves);
	g_test_add_func("/learning/who", test_who);
	g_test_add_func("/learning/days", test_days);
	g_test_add_func("/learning/sweep", test_sweep);
	g_test_add_func("/learning/token", test_token);
	g_test_add_func("/learning/store", test_store);
	return g_test_run();
}
