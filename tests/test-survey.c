/*
 * test-survey.c — satisfaction surveys below the daemon: reading replies
 * in the shapes people write them (procedure/survey.c), taking personal
 * data out of comments (on tests/fixtures/survey/comments.txt, English
 * and Welsh), the day a survey falls due, the questions in both
 * languages, and the survey reply address (procedure/token.c).
 */
#include <string.h>

#include "procedure.h"

/* ---- replies ----------------------------------------------------------- */

static void
test_parse_shapes(void)
{
	static const struct {
		const char *text;
		int a[RD_SURVEY_QUESTIONS];
		gboolean stop;
		const char *comment;   /* NULL: none */
	} rows[] = {
		{ "1. 4\n2. 5\n3. 3\n4. 4\n", { 4, 5, 3, 4 }, FALSE, NULL },
		{ "Q1: 4\nQ2: 2\nQ3: 5\nQ4: 1\n5. The letter was clear.", { 4, 2, 5, 1 }, FALSE, "The letter was clear." },
		{ "4\n5\n3\n4\n\nThanks for sorting the bins.", { 4, 5, 3, 4 }, FALSE, "Thanks for sorting the bins." },
		{ "4/5\n3 / 5\n5 out of 5\n2 out of 5", { 4, 3, 5, 2 }, FALSE, NULL },
		{ "4 5 3 4", { 4, 5, 3, 4 }, FALSE, NULL },
		{ "4, 5, 3, 4\nComments: none", { 4, 5, 3, 4 }, FALSE, NULL },
		{ "very good\ngood\naverage\nvery poor", { 5, 4, 3, 1 }, FALSE, NULL },
		{ "Question 1 - 3\nQuestion 2 - poor\nQuestion 3 - 4 (good)\nQuestion 4: 5", { 3, 2, 4, 5 }, FALSE, NULL },
		{ "1) 2 - it took ages to find the form\n2) 3", { 2, 3, 0, 0 }, FALSE, "it took ages to find the form" },
		/* Welsh. */
		{ "da iawn\nda\ngweddol\ngwael iawn\nDiolch am eich help.", { 5, 4, 3, 1 }, FALSE,
		  "Diolch am eich help." },
		{ "Cwestiwn 1: 4\nC2: gwael\nC3 - 5 allan o 5\n4. 3\n5. Roedd y llythyr yn glir.", { 4, 2, 5, 3 }, FALSE,
		  "Roedd y llythyr yn glir." },
		/* Quoted text and signature left out. */
		{ "5\n4\n\nOn Mon, 7 Dec 2026 at 10:00, Complaints Team wrote:\n> 1. How easy was it?\n> Reply 1 to 5\n",
		  { 5, 4, 0, 0 }, FALSE, NULL },
		{ "3\n3\n3\n3\n-- \nJane Smith\n07700 900123", { 3, 3, 3, 3 }, FALSE, NULL },
		{ "> 1. 2\n1. 5", { 5, 0, 0, 0 }, FALSE, NULL },
		/* Stop, alone or with answers. */
		{ "STOP", { 0, 0, 0, 0 }, TRUE, NULL },
		{ "Dim diolch.", { 0, 0, 0, 0 }, TRUE, NULL },
		{ "unsubscribe", { 0, 0, 0, 0 }, TRUE, NULL },
		{ "4 4 4 4\nPlease stop", { 4, 4, 4, 4 }, TRUE, NULL },
		/* Stop with words and no answer: read, and the words kept for
		 * the caller, which puts them before a person. */
		{ "STOP.\nYour handling was appalling, I want to escalate to stage 2", { 0, 0, 0, 0 }, TRUE,
		  "Your handling was appalling, I want to escalate to stage 2" },
		/* The same answer twice is one answer. */
		{ "1. 4\n1. 4\n2. 1", { 4, 1, 0, 0 }, FALSE, NULL },
		/* A sentence that starts with a number is a comment. */
		{ "1. 5\n2 weeks was too long to wait", { 5, 0, 0, 0 }, FALSE, "2 weeks was too long to wait" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		RdSurveyReply r;
		g_test_message("reply %u: %s", i, rows[i].text);
		gboolean ok = rd_survey_parse(rows[i].text, &r);
		if (!ok)
			g_test_message("problem: %s", r.problem);
		g_assert_true(ok);
		g_assert_null(r.problem);
		guint n = 0;
		for (guint q = 0; q < RD_SURVEY_QUESTIONS; q++) {
			g_assert_cmpint(r.answers[q], ==, rows[i].a[q]);
			n += rows[i].a[q] != 0;
		}
		g_assert_cmpuint(r.n_answers, ==, n);
		g_assert_cmpint(r.stop, ==, rows[i].stop);
		g_assert_cmpstr(r.comment, ==, rows[i].comment);
		rd_survey_reply_clear(&r);
	}
}

static void
test_parse_unreadable(void)
{
	static const struct {
		const char *text;
		const char *says;      /* a part of the problem */
	} rows[] = {
		{ "", "no answer" },
		{ "It was fine I suppose.", "no answer" },
		{ "7", "not from 1 to 5" },
		{ "1. 0\n2. 4", "not from 1 to 5" },
		{ "8/10\n4", "scale of 1 to 5" },
		{ "3.5", "whole number" },
		{ "1. 4\n1. 2", "answered twice" },
		{ "4\n4\n4\n4\n4", "one answer more" },
		{ "1. not sure\n2. 4", "not a rating" },
		{ "7. 3", "no question 7" },
		{ "4 - very poor", "says very poor" },
		/* A list of four digits is answers only when each is 1 to 5
		 * (found by fuzz-survey: "4 5 6 4" recorded a 6). */
		{ "4 5 6 4", "6 is not from 1 to 5" },
		{ "4, 0, 3, 4", "0 is not from 1 to 5" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		RdSurveyReply r;
		g_test_message("reply %u: %s", i, rows[i].text);
		g_assert_false(rd_survey_parse(rows[i].text, &r));
		g_assert_nonnull(r.problem);
		g_test_message("problem: %s", r.problem);
		g_assert_nonnull(strstr(r.problem, rows[i].says));
		g_assert_cmpuint(r.n_answers, ==, 0);
		for (guint q = 0; q < RD_SURVEY_QUESTIONS; q++)
			g_assert_cmpint(r.answers[q], ==, 0);
		g_assert_false(r.stop);
		rd_survey_reply_clear(&r);
	}
}

/* ---- anonymising ---------------------------------------------------------- */

static void
test_anonymise_fixtures(void)
{
	g_autofree char *path = g_build_filename(RD_SRCDIR, "tests", "fixtures", "survey", "comments.txt", NULL);
	g_autofree char *all = NULL;
	g_assert_true(g_file_get_contents(path, &all, NULL, NULL));
	g_auto(GStrv) lines = g_strsplit(all, "\n", -1);
	guint cases = 0;
	g_auto(GStrv) names = NULL;
	GString *in = NULL, *out = NULL, *into = NULL;
	for (guint i = 0; lines[i] != NULL; i++) {
		const char *l = lines[i];
		if (into == NULL && (l[0] == '#' || l[0] == '\0'))
			continue;
		if (g_str_has_prefix(l, "names:")) {
			g_strfreev(names);
			g_autofree char *list = g_strstrip(g_strdup(l + 6));
			names = *list != '\0' ? g_strsplit(list, "|", -1) : g_new0(char *, 1);
			in = g_string_new(NULL);
			out = g_string_new(NULL);
			continue;
		}
		if (strcmp(l, "in:") == 0) {
			into = in;
			continue;
		}
		if (strcmp(l, "out:") == 0) {
			into = out;
			continue;
		}
		if (strcmp(l, "==") == 0) {
			g_assert_nonnull(in);
			g_autofree char *got = rd_survey_anonymise(in->str, (const char *const *)names);
			g_test_message("case %u:\n%s\n→\n%s", cases, in->str, got);
			g_assert_cmpstr(got, ==, out->str);
			/* Nothing left to take out the second time. */
			g_autofree char *again = rd_survey_anonymise(got, (const char *const *)names);
			g_assert_cmpstr(again, ==, got);
			g_string_free(in, TRUE);
			g_string_free(out, TRUE);
			in = out = into = NULL;
			cases++;
			continue;
		}
		g_assert_nonnull(into);
		if (into->len > 0)
			g_string_append_c(into, '\n');
		g_string_append(into, l);
	}
	g_assert_null(in);
	g_assert_cmpuint(cases, >=, 8);
}

/* ---- when, what, where --------------------------------------------------- */

static void
test_due(void)
{
	g_autoptr(RdCalendar) cal = rd_calendar_new(RD_NATION_ENGLAND_WALES);
	GDate d;
	g_date_set_dmy(&d, 25, 12, 2026);
	rd_calendar_add_holiday(cal, &d, "Christmas Day", RD_HOLIDAY_COMPUTED);
	g_date_set_dmy(&d, 28, 12, 2026);
	rd_calendar_add_holiday(cal, &d, "Boxing Day (substitute day)", RD_HOLIDAY_COMPUTED);
	GDate today, due;
	/* Answered Tuesday 22 December 2026: five working days on is
	 * Thursday 31 December (25 and 28 are holidays, 26–27 a weekend). */
	RdSurveyCase c = { "stage1-closed", "2026-12-22", "upheld", TRUE };
	g_date_set_dmy(&today, 30, 12, 2026);
	g_assert_false(rd_survey_due(cal, &c, 5, &today, &due));
	g_assert_true(g_date_valid(&due));
	g_assert_cmpint(g_date_get_day(&due), ==, 31);
	g_date_set_dmy(&today, 31, 12, 2026);
	g_assert_true(rd_survey_due(cal, &c, 5, &today, &due));
	/* Escalated: Stage 2 open, nothing due. */
	RdSurveyCase open = { "stage2", "2026-12-22", "upheld", TRUE };
	g_assert_false(rd_survey_due(cal, &open, 5, &today, &due));
	g_assert_false(g_date_valid(&due));
	/* Closed after Stage 2's answer. */
	RdSurveyCase closed = { "closed", "2026-12-01", "not-upheld", TRUE };
	g_assert_true(rd_survey_due(cal, &closed, 5, &today, &due));
	/* Withdrawn, excluded, or closed with Stage 2 unanswered. */
	RdSurveyCase withdrawn = { "closed", "2026-12-01", "withdrawn", TRUE };
	RdSurveyCase excluded = { "closed", "2026-12-01", "excluded", TRUE };
	RdSurveyCase unanswered = { "closed", "2026-12-01", NULL, FALSE };
	g_assert_false(rd_survey_due(cal, &withdrawn, 5, &today, &due));
	g_assert_false(rd_survey_due(cal, &excluded, 5, &today, &due));
	g_assert_false(rd_survey_due(cal, &unanswered, 5, &today, &due));
}

static void
test_questions(void)
{
	for (int k = 0; k < RD_SURVEY_N_KINDS; k++) {
		RdSurveyKind back;
		g_assert_true(rd_survey_kind_from_string(rd_survey_kind_to_string(k), &back));
		g_assert_cmpint(back, ==, k);
		for (guint n = 1; n <= RD_SURVEY_QUESTIONS; n++) {
			const char *en = rd_survey_question(k, n, "en");
			const char *cy = rd_survey_question(k, n, "cy");
			g_assert_nonnull(en);
			g_assert_nonnull(cy);
			g_assert_cmpstr(en, !=, cy);
			g_assert_true(g_str_has_suffix(en, "?") && g_str_has_suffix(cy, "?"));
		}
		g_assert_null(rd_survey_question(k, 0, "en"));
		g_assert_null(rd_survey_question(k, RD_SURVEY_QUESTIONS + 1, "en"));
		/* The letter's list, in both languages, reads back as answers
		 * numbered the same way. */
		for (int cy = 0; cy < 2; cy++) {
			g_autofree char *text = rd_survey_questions_text(k, cy ? "cy" : "en");
			g_autofree char *five = g_strdup_printf("\n%d. ", RD_SURVEY_QUESTIONS + 1);
			g_assert_nonnull(strstr(text, "1. "));
			g_assert_nonnull(strstr(text, five));
			g_assert_nonnull(strstr(text, cy ? "gwael iawn" : "very poor"));
		}
	}
	g_assert_false(rd_survey_kind_from_string("manager", NULL));
	/* One is "bodlon ar" something in Welsh, not "bodlon â". */
	const char *q4 = rd_survey_question(RD_SURVEY_COMPLAINANT, 4, "cy");
	g_assert_nonnull(strstr(q4, "pa mor fodlon ydych chi ar y ffordd"));
	g_assert_null(strstr(q4, "fodlon ydych chi â"));
}

static void
test_token(void)
{
	static const guint8 key[32] = { 7, 1, 2, 3 };
	g_autofree char *addr = rd_survey_token_address(key, sizeof key, "complaints@council.example", 17);
	g_assert_true(g_str_has_prefix(addr, "complaints+svy-17-"));
	g_assert_true(g_str_has_suffix(addr, "@council.example"));
	gint64 id = 0;
	gboolean valid = FALSE;
	g_assert_true(rd_survey_token_parse(key, sizeof key, addr, &id, &valid));
	g_assert_cmpint(id, ==, 17);
	g_assert_true(valid);
	/* Case does not matter; angle brackets neither. */
	g_autofree char *upper = g_ascii_strup(addr, -1);
	g_autofree char *angled = g_strdup_printf("<%s>", upper);
	g_assert_true(rd_survey_token_parse(key, sizeof key, angled, &id, &valid));
	g_assert_true(valid);
	/* Another survey's number with this MAC: the shape, not valid. */
	g_autofree char *forged = g_strdup(addr);
	forged[strlen("complaints+svy-1")] = '8';
	g_assert_true(rd_survey_token_parse(key, sizeof key, forged, &id, &valid));
	g_assert_cmpint(id, ==, 18);
	g_assert_false(valid);
	/* Another key. */
	static const guint8 other[32] = { 9 };
	g_assert_true(rd_survey_token_parse(other, sizeof other, addr, &id, &valid));
	g_assert_false(valid);
	/* An action's address is no survey's, and the other way round. */
	g_autofree char *act = rd_action_token_address(key, sizeof key, "complaints@council.example", 17, "a@b.example");
	g_assert_false(rd_survey_token_parse(key, sizeof key, act, &id, &valid));
	g_assert_false(rd_action_token_parse(key, sizeof key, addr, "a@b.example", &id, &valid));
	g_assert_false(rd_survey_token_parse(key, sizeof key, "complaints@council.example", &id, &valid));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/survey/parse/shapes", test_parse_shapes);
	g_test_add_func("/survey/parse/unreadable", test_parse_unreadable);
	g_test_add_func("/survey/anonymise/fixtures", test_anonymise_fixtures);
	g_test_add_func("/survey/due", test_due);
	g_test_add_func("/survey/questions", test_questions);
	g_test_add_func("/survey/token", test_token);
	return g_test_run();
}
