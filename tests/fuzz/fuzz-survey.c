/*
 * fuzz-survey.c — libFuzzer target for a satisfaction survey's reply, as
 * anyone may write it (procedure/survey.c): rd_survey_parse() reading the
 * answers and rd_survey_anonymise() taking personal data out of the
 * comment before it is kept.
 *
 * The first byte picks the names the anonymiser is given (none, a
 * complainant's, or several with Welsh letters); the rest is the reply's
 * text, as intake hands it over (valid UTF-8).
 *
 * Invariants beyond the sanitizers:
 *  - a reply read (TRUE) has no problem, answers only 0 to 5, n_answers
 *    the count of those not 0, and at least one answer unless it said
 *    stop; a reply not read (FALSE) has a problem and no answer at all
 *    ("nothing is half-read");
 *  - the comment is NULL or non-empty valid UTF-8;
 *  - the anonymised text is valid UTF-8, never NULL, and has none of the
 *    names given left in it as a word of its own;
 *  - anonymising is stable: anonymising the result again changes nothing.
 */
#include <string.h>

#include "procedure.h"
#include "fuzz.h"

/* @name in @text as a word of its own, ignoring case (what the
 * anonymiser promises for a name it was given). */
static gboolean
has_word(const char *text, const char *name)
{
	g_autofree char *t = g_utf8_casefold(text, -1);
	g_autofree char *n = g_utf8_casefold(name, -1);
	gsize len = strlen(n);
	for (const char *p = strstr(t, n); p != NULL; p = strstr(p + 1, n)) {
		gboolean start = p == t || !g_unichar_isalnum(g_utf8_get_char(g_utf8_find_prev_char(t, p)));
		gboolean end = p[len] == '\0' || !g_unichar_isalnum(g_utf8_get_char(p + len));
		if (start && end)
			return TRUE;
	}
	return FALSE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const none[] = { NULL };
	static const char *const one[] = { "Zebedee Quillfeather", NULL };
	static const char *const several[] = { "Siân Llŷr", "Jo Bloggs", "Morgan", NULL };
	static const char *const *const sets[] = { none, one, several };
	static gboolean ready;
	if (!ready) {
		rd_fuzz_init();
		ready = TRUE;
	}
	if (size == 0)
		return 0;
	const char *const *names = sets[data[0] % G_N_ELEMENTS(sets)];
	g_autofree char *raw = g_strndup((const char *)data + 1, size - 1);
	g_autofree char *text = g_utf8_validate(raw, -1, NULL) ? g_strdup(raw) : g_utf8_make_valid(raw, -1);

	RdSurveyReply r = { 0 };
	gboolean read = rd_survey_parse(text, &r);
	guint given = 0;
	for (guint q = 0; q < RD_SURVEY_QUESTIONS; q++) {
		rd_fuzz_check(r.answers[q] >= 0 && r.answers[q] <= 5, "answer %u is %d", q + 1, r.answers[q]);
		given += r.answers[q] != 0;
	}
	rd_fuzz_check(given == r.n_answers, "n_answers %u, %u given", r.n_answers, given);
	if (read) {
		rd_fuzz_check(r.problem == NULL, "read with a problem: %s", r.problem);
		rd_fuzz_check(r.n_answers > 0 || r.stop, "read with no answer and no stop");
	} else {
		rd_fuzz_check(r.problem != NULL && *r.problem != '\0', "not read, and no problem said");
		rd_fuzz_check(r.n_answers == 0, "not read, but %u answers kept", r.n_answers);
	}
	if (r.comment != NULL)
		rd_fuzz_check(*r.comment != '\0' && g_utf8_validate(r.comment, -1, NULL), "comment '%s'", r.comment);

	g_autofree char *anon = rd_survey_anonymise(r.comment != NULL ? r.comment : text, names);
	rd_fuzz_check(anon != NULL && g_utf8_validate(anon, -1, NULL), "anonymised text not UTF-8");
	for (guint i = 0; names[i] != NULL; i++)
		rd_fuzz_check(!has_word(anon, names[i]), "name '%s' left in '%s'", names[i], anon);
	g_autofree char *again = rd_survey_anonymise(anon, names);
	rd_fuzz_check(strcmp(again, anon) == 0, "anonymising again changed '%s' to '%s'", anon, again);
	rd_survey_reply_clear(&r);
	return 0;
}
