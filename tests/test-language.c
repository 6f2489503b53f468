/*
 * test-language.c — rd_language_detect() on complaint texts.
 *
 * The samples under tests/fixtures/language/cy/ and .../en/ are short
 * complaints written for this test: bins, potholes, council tax, housing
 * repairs, noise, planning; one line to a paragraph; English ones naming
 * Welsh places and streets (Llanelli, Heol y Nant, Ynys Môn) or signing
 * off in Welsh, Welsh ones borrowing English words. The test prints the
 * rates and fails if any English sample comes out Welsh, or if fewer
 * than nine Welsh samples in ten come out Welsh. A table below pins the
 * rules one by one.
 */
#include <string.h>

#include "procedure.h"

typedef struct {
	guint n, as[3];           /* indexed by RdLanguageGuess */
} Tally;

static void
run_dir(const char *lang, Tally *t)
{
	g_autofree char *dir = g_build_filename(RD_SRCDIR, "tests", "fixtures", "language", lang, NULL);
	g_autoptr(GError) err = NULL;
	g_autoptr(GDir) d = g_dir_open(dir, 0, &err);
	g_assert_no_error(err);
	const char *name;
	while ((name = g_dir_read_name(d)) != NULL) {
		if (!g_str_has_suffix(name, ".txt"))
			continue;
		g_autofree char *path = g_build_filename(dir, name, NULL);
		g_autofree char *text = NULL;
		g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
		RdLanguageScore s;
		RdLanguageGuess g = rd_language_detect(text, &s);
		t->n++;
		t->as[g]++;
		if (strcmp(rd_language_guess_to_string(g), lang) != 0)
			g_test_message("%s/%s: %s (welsh %d+%d, english %d+%d): %s", lang, name,
			               rd_language_guess_to_string(g), s.welsh, s.welsh_spelling, s.english,
			               s.english_spelling, g_strstrip(text));
	}
}

static void
test_samples(void)
{
	Tally cy = { 0 }, en = { 0 };
	run_dir("cy", &cy);
	run_dir("en", &en);
	g_test_message("Welsh samples: %u; Welsh %u, unsure %u, English %u", cy.n, cy.as[RD_LANGUAGE_CY],
	               cy.as[RD_LANGUAGE_UNSURE], cy.as[RD_LANGUAGE_EN]);
	g_test_message("English samples: %u; English %u, unsure %u, Welsh %u", en.n, en.as[RD_LANGUAGE_EN],
	               en.as[RD_LANGUAGE_UNSURE], en.as[RD_LANGUAGE_CY]);
	g_assert_cmpuint(cy.n, >=, 50);
	g_assert_cmpuint(en.n, >=, 50);
	/* The one mistake that must not happen: English taken for Welsh. */
	g_assert_cmpuint(en.as[RD_LANGUAGE_CY], ==, 0);
	g_assert_cmpuint(cy.as[RD_LANGUAGE_CY] * 10, >=, cy.n * 9);
	g_assert_cmpuint(en.as[RD_LANGUAGE_EN] * 10, >=, en.n * 9);
}

static const struct {
	const char *name, *text, *want;
} rows[] = {
	{ "empty", "", "unsure" },
	{ "one-word-en", "Litter", "unsure" },
	{ "one-word-cy", "Diolch", "unsure" },
	{ "short-cy", "Biniau heb eu casglu eto.", "cy" },
	{ "short-en", "Bins not collected again.", "en" },
	{ "apostrophes-cy", "Mae'r bin yn llawn a dw i'n flin.", "cy" },
	{ "curly-apostrophe-cy", "Mae\u2019r bin yn llawn ac mae\u2019n drewi.", "cy" },
	{ "code-switch-cy", "Mae'r bins heb eu collected ers three weeks.", "cy" },
	{ "street-name-en", "Pothole on Heol y Nant, Llanelli, is getting worse.", "en" },
	{ "hyphenated-place-en", "The bins in Pen-y-bont ar Ogwr are not collected.", "en" },
	{ "welsh-sign-off-en", "Please fix the drain on Heol Hir. Diolch yn fawr, Gareth", "en" },
	{ "welsh-greeting-en", "Bore da, the recycling was missed again.", "en" },
	{ "bilingual", "Mae'r biniau heb eu casglu. The bins have not been collected.", "unsure" },
	{ "address-ignored", "Bins missed, see www.llyn-y-dref.cymru/biniau or jones@ty-yr-ysgol.cymru", "en" },
	{ "capital-I-en", "I paid it twice.", "en" },
	{ "lower-case-i-en", "i'm not happy, the council does nothing", "en" },
	{ "dim-in-english", "The street lights are very dim and nobody has fixed them.", "en" },
	{ "i-contractions-cy", "Dw i wedi ysgrifennu i'r cyngor i'w hatgoffa.", "cy" },
	{ "invalid-utf8", "Mae'r bin yn \xff llawn ac mae'n drewi.", "cy" },
};

static void
test_row(gconstpointer p)
{
	const typeof(rows[0]) *r = p;
	RdLanguageScore s;
	RdLanguageGuess g = rd_language_detect(r->text, &s);
	if (strcmp(rd_language_guess_to_string(g), r->want) != 0)
		g_test_message("welsh %d+%d, english %d+%d", s.welsh, s.welsh_spelling, s.english,
		               s.english_spelling);
	g_assert_cmpstr(rd_language_guess_to_string(g), ==, r->want);
	g_assert_cmpint(s.guess, ==, g);
}

static void
test_null(void)
{
	g_assert_cmpint(rd_language_detect(NULL, NULL), ==, RD_LANGUAGE_UNSURE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/language/samples", test_samples);
	g_test_add_func("/language/null", test_null);
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree char *path = g_strdup_printf("/language/rule/%s", rows[i].name);
		g_test_add_data_func(path, &rows[i], test_row);
	}
	return g_test_run();
}
