/*
 * language.c — is a complaint written in Welsh or in English?
 *
 * When no Content-Language header says so, the words decide. A complaint
 * is short (often one line), so statistical models trained on long texts
 * guess badly here; what does work on a line is the small words every
 * sentence needs: Welsh "mae", "yn", "wedi", "y", "yr", "ddim", "ei", "eu"
 * against English "the", "is", "has", "not", "my", "of". Welsh writers
 * borrow English nouns freely ("mae'r bins heb eu collected"), but keep
 * Welsh grammar words, and English writers name Welsh places ("Heol y
 * Nant, Llanelli") but keep English grammar words. So the grammar words
 * count for most, and spelling only tips a text with few of them.
 *
 * Names must not count: a capitalised word is a name or starts a
 * sentence, so its spelling is ignored (Llanelli, Ynys Môn, Aberystwyth),
 * hyphenated words with a capital are place names (Pen-y-bont,
 * Betws-y-Coed), and a Welsh grammar word between two capitalised words
 * is part of a name (Heol y Nant, Maes y Coed). A Welsh greeting or
 * sign-off in an English mail ("Bore da", "Diolch yn fawr") counts for
 * little against its English sentences.
 *
 * The answer is Welsh or English only when the evidence is clear;
 * otherwise "unsure", and the caller asks rather than guesses. An English
 * text must never come out Welsh (the complainant would get letters they
 * cannot read), so the bar for Welsh is a margin, not a majority. The
 * samples in tests/fixtures/language/ measure it (tests/test-language.c).
 */
#include <string.h>

#include "procedure.h"

/* Words of grammar that are Welsh and not English words too. Left out on
 * purpose: "a", "i", "am", "at", "hi", "dim" in some uses, "can", "to",
 * "man", "pan", "hen", "sir", "dan", "go", "fe" — each is common in
 * English mail, or a name. Mutated forms are listed as written ("fod",
 * "ddim", "gael"). */
static const char *const welsh_words[] = {
	"y", "yr", "ac", "ei", "eu", "yn", "yng", "ym", "mae", "maen", "wedi", "o", "ar", "gyda",
	"gydag", "nid", "ddim", "dim", "fy", "eich", "chi", "ni", "roedd", "oedd", "bod", "fod",
	"sydd", "sy", "hefyd", "ond", "neu", "gan", "heb", "ers", "ein", "eto", "iawn", "wrth",
	"dros", "drwy", "trwy", "rhwng", "tu", "allan", "ôl", "ydw", "ydy", "ydych", "ydyn", "yw",
	"dw", "dwi", "rwy", "rwyf", "rydw", "rydym", "rydyn", "dydy", "dydw", "dyw", "oes",
	"nad", "na", "pam", "pwy", "beth", "pryd", "ble", "sut", "hyn", "hynny", "hon", "hwn",
	"hwnnw", "honno", "dyma", "dyna", "cael", "gael", "chael", "gwneud", "wneud", "byth",
	"erioed", "unrhyw", "pob", "bob", "neb", "mewn", "ag", "â", "gyda'r", "fe", "mi",
	"i'r", "a'r", "o'r", "cyn", "ddoe", "heddiw", "nesaf", "gen", "arna", "arnaf",
	"gennym", "gennyf", "atoch", "ato", "iddo", "iddi", "yno", "yma", "fel", "er", "os",
	"oherwydd", "achos", "felly", "cyngor", "cwyn", "gwyno", "cwyno", "plis",
	"byddwn", "bydd", "fydd", "byddaf", "hoffwn", "allwch", "gallech", "cefais", "ges",
	"cafodd", "chafodd", "ddaeth", "aeth", "es", "rhaid", "angen", "eisiau", "isio", "eisio",
	"sef", "mhob", "nghanol", "biniau", "sbwriel",
};

/* Words of grammar that are English and not Welsh too ("a", "I", "am"
 * and "at" are both; "does" is a Welsh word as well, so in neither
 * list). "I" with or without a contraction is worked out on its own. */
static const char *const english_words[] = {
	"the", "and", "of", "to", "is", "was", "are", "were", "my", "on", "in", "it", "its", "for",
	"that", "this", "these", "those", "with", "have", "has", "had", "not", "be", "been", "we",
	"you", "they", "our", "your", "their", "from", "by", "an", "but", "or", "there", "which",
	"would", "could", "should", "please", "no", "me", "about", "because", "since", "will",
	"do", "did", "what", "when", "why", "who", "how", "if", "so", "as", "still", "after",
	"before", "again", "nobody", "anything", "nothing", "someone", "can't", "isn't", "hasn't",
	"haven't", "didn't", "don't", "doesn't", "won't", "wasn't", "it's", "he", "she", "his", "her", "him", "them", "us", "up", "out", "into", "over",
	"every", "all", "any", "some", "very", "just", "than", "then", "also", "yet", "next",
	"without", "although", "though", "even", "outside", "near", "behind", "between", "here",
	"where", "got", "get", "thanks", "hi", "dear", "madam", "sir", "yesterday", "today",
};

/* The contractions after an apostrophe: Welsh "mae'n", "i'r", "i'w",
 * "a'ch"; English "don't", "it's", "I've", "we're", "I'd", "I'll". */
static const char *const welsh_tails[] = { "n", "r", "w", "ch", "th", "u", "m", "i", "ma", NULL };
static const char *const english_tails[] = { "t", "s", "ve", "re", "d", "ll", NULL };

static gboolean
in_list(const char *const *list, gsize n, const char *w)
{
	for (gsize i = 0; i < n; i++)
		if (strcmp(list[i], w) == 0)
			return TRUE;
	return FALSE;
}

static gboolean
in_null_list(const char *const *list, const char *w)
{
	for (gsize i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], w) == 0)
			return TRUE;
	return FALSE;
}

/* Spelling that only Welsh has, in a lower-case word not in either list:
 * a circumflex (ŵ ŷ â ê î ô û), an initial ll/rh/ff/dd/ngh/mh/nh, a final
 * -ydd/-edd/-au/-iau/-wch/-aeth, or "wy"/"yw". */
static gboolean
looks_welsh(const char *w)
{
	static const char *const heads[] = { "ll", "rh", "ff", "dd", "ngh", "mh", "nh", "chw", NULL };
	static const char *const tails[] = { "ydd", "edd", "au", "wch", "aeth", "iad", "ion", "ol", NULL };
	if (strstr(w, "ŵ") || strstr(w, "ŷ") || strstr(w, "â") || strstr(w, "ê") || strstr(w, "î") ||
	    strstr(w, "ô") || strstr(w, "û"))
		return TRUE;
	for (gsize i = 0; heads[i]; i++)
		if (g_str_has_prefix(w, heads[i]))
			return TRUE;
	/* "-ion" and "-ol" are English endings too ("option", "school"):
	 * only with a Welsh-only letter pair elsewhere. */
	for (gsize i = 0; tails[i]; i++) {
		if (!g_str_has_suffix(w, tails[i]))
			continue;
		if (strcmp(tails[i], "ion") == 0 || strcmp(tails[i], "ol") == 0)
			return strstr(w, "dd") != NULL || strstr(w, "wy") != NULL || strstr(w, "yw") != NULL;
		return strlen(w) > 3;
	}
	return strstr(w, "wy") != NULL || strstr(w, "yw") != NULL;
}

/* Spelling that Welsh does not use: k, v, x, z, q, j; -ing, -tion, th-,
 * sh, wh-, ee, oo. */
static gboolean
looks_english(const char *w)
{
	if (strpbrk(w, "kvxzqj") != NULL)
		return TRUE;
	return g_str_has_suffix(w, "ing") || g_str_has_suffix(w, "tion") || g_str_has_prefix(w, "th") ||
	       g_str_has_prefix(w, "wh") || strstr(w, "sh") != NULL || strstr(w, "ee") != NULL ||
	       strstr(w, "oo") != NULL;
}

typedef struct {
	char *word;              /* lower case, apostrophe contractions split off */
	char *tail;              /* what followed an apostrophe, or NULL */
	gboolean capital;        /* written with a capital first letter */
	gboolean sentence_start; /* first word of a line or after . ! ? */
	gboolean name_part;      /* in a hyphenated name (Pen-y-bont) */
} Token;

static void
token_clear(gpointer p)
{
	Token *t = p;
	g_free(t->word);
	g_free(t->tail);
}

/* The words of one line into @out: runs of letters, with an apostrophe
 * inside a word keeping what follows as its tail ("mae'n" → "mae" +
 * "n"). A chunk between spaces holding '@', "://" or "www." (an address)
 * is skipped whole. */
static void
tokenise_line(const char *line, GArray *out)
{
	g_auto(GStrv) chunks = g_strsplit_set(line, " \t\r", -1);
	gboolean sentence_start = TRUE;
	for (gsize c = 0; chunks[c] != NULL; c++) {
		const char *chunk = chunks[c];
		if (*chunk == '\0')
			continue;
		if (strchr(chunk, '@') || strstr(chunk, "://") || strstr(chunk, "www.")) {
			sentence_start = FALSE;
			continue;
		}
		/* A hyphenated chunk with a capital anywhere is a place name
		 * ("Pen-y-bont", "Betws-y-Coed", "Llewelyn-Jones"). */
		gboolean hyphen_name = FALSE;
		if (strchr(chunk, '-') != NULL)
			for (const char *p = chunk; *p; p = g_utf8_next_char(p))
				if (g_unichar_isupper(g_utf8_get_char(p)))
					hyphen_name = TRUE;
		const char *p = chunk;
		while (*p) {
			while (*p && !g_unichar_isalpha(g_utf8_get_char(p)))
				p = g_utf8_next_char(p);
			if (!*p)
				break;
			const char *start = p;
			while (*p && g_unichar_isalpha(g_utf8_get_char(p)))
				p = g_utf8_next_char(p);
			const char *end = p;
			const char *tail_start = NULL, *tail_end = NULL;
			/* An apostrophe (' or ’) followed by letters. */
			gunichar ap = *p ? g_utf8_get_char(p) : 0;
			if (ap == '\'' || ap == 0x2019) {
				const char *q = g_utf8_next_char(p);
				if (*q && g_unichar_isalpha(g_utf8_get_char(q))) {
					tail_start = q;
					while (*q && g_unichar_isalpha(g_utf8_get_char(q)))
						q = g_utf8_next_char(q);
					tail_end = q;
					p = q;
				}
			}
			Token t = { 0 };
			t.word = g_utf8_strdown(start, end - start);
			t.tail = tail_start ? g_utf8_strdown(tail_start, tail_end - tail_start) : NULL;
			t.capital = g_unichar_isupper(g_utf8_get_char(start));
			t.sentence_start = sentence_start;
			t.name_part = hyphen_name;
			g_array_append_val(out, t);
			sentence_start = FALSE;
		}
		gsize n = strlen(chunk);
		if (n > 0 && strchr(".!?", chunk[n - 1]) != NULL)
			sentence_start = TRUE;
	}
}

static GArray *
tokenise(const char *text)
{
	GArray *out = g_array_new(FALSE, TRUE, sizeof(Token));
	g_array_set_clear_func(out, token_clear);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (gsize i = 0; lines[i] != NULL; i++)
		tokenise_line(lines[i], out);
	return out;
}

const char *
rd_language_guess_to_string(RdLanguageGuess g)
{
	switch (g) {
	case RD_LANGUAGE_CY:
		return "cy";
	case RD_LANGUAGE_EN:
		return "en";
	case RD_LANGUAGE_UNSURE:
		break;
	}
	return "unsure";
}

RdLanguageGuess
rd_language_detect(const char *text, RdLanguageScore *score_r)
{
	RdLanguageScore s = { 0 };
	/* The first 8 KiB say the language as well as the whole would, and
	 * keep a huge body from costing intake time. Intake's text is valid
	 * UTF-8; anything else (and a character cut at the end) is made so. */
	gsize len = text ? strlen(text) : 0;
	g_autofree char *valid = g_utf8_make_valid(text ? text : "", MIN(len, 8192));
	g_autoptr(GArray) toks = tokenise(valid);
	for (guint i = 0; i < toks->len; i++) {
		const Token *t = &g_array_index(toks, Token, i);
		s.words++;
		if (t->name_part)
			continue;
		/* "I", "I'm", "I've" are English; "i" is Welsh "to" (and "i'r",
		 * "i'w", "i'm" its contractions), written lower case, as some
		 * English writers write "i" too: lower case alone says nothing. */
		if (strcmp(t->word, "i") == 0) {
			if (t->capital) {
				s.english += 2;
				continue;
			}
			if (t->tail == NULL)
				continue;
		}
		g_autofree char *whole = t->tail ? g_strconcat(t->word, "'", t->tail, NULL) : NULL;
		gboolean whole_cy = whole && in_list(welsh_words, G_N_ELEMENTS(welsh_words), whole);
		gboolean whole_en = whole && in_list(english_words, G_N_ELEMENTS(english_words), whole);
		gboolean cy = whole_cy || in_list(welsh_words, G_N_ELEMENTS(welsh_words), t->word);
		gboolean en = whole_en || in_list(english_words, G_N_ELEMENTS(english_words), t->word);
		/* A capital that only starts a sentence says nothing about a
		 * name. */
		gboolean name_like = t->capital && !t->sentence_start;
		if (cy && !en) {
			/* A Welsh grammar word between two capitalised words is
			 * part of a name: Heol y Nant, Maes y Coed, Parc y Scarlets. */
			gboolean in_name = i > 0 && i + 1 < toks->len && !t->capital &&
			                   g_array_index(toks, Token, i - 1).capital &&
			                   g_array_index(toks, Token, i + 1).capital;
			/* A capitalised Welsh word inside a sentence is a name
			 * ("Cyngor Sir", "Tŷ Hafan"): one point, not two. */
			if (!in_name)
				s.welsh += name_like ? 1 : 2;
		} else if (en && !cy) {
			s.english += 2;
		} else if (!cy && !en && !t->capital) {
			/* Spelling counts only in lower-case words: names keep
			 * their spelling in any language, and a sentence may
			 * start with one. */
			if (looks_welsh(t->word))
				s.welsh_spelling++;
			else if (looks_english(t->word))
				s.english_spelling++;
		}
		if (t->tail != NULL && !whole_cy && !whole_en) {
			if (in_null_list(welsh_tails, t->tail) && !name_like)
				s.welsh++;
			else if (in_null_list(english_tails, t->tail))
				s.english++;
		}
	}

	/* A grammar word is two points (one for a capitalised Welsh word,
	 * or an apostrophe tail), spelling one. Welsh needs at least two
	 * grammar words' worth and three times English's total, plus two;
	 * English one grammar word and twice Welsh's, plus two. Between
	 * them: unsure. */
	int cy = s.welsh + s.welsh_spelling;
	int en = s.english + s.english_spelling;
	RdLanguageGuess g = RD_LANGUAGE_UNSURE;
	if (s.welsh >= 4 && cy >= 3 * en + 2)
		g = RD_LANGUAGE_CY;
	else if (s.english >= 2 && en >= 2 * cy + 2)
		g = RD_LANGUAGE_EN;
	s.guess = g;
	if (score_r)
		*score_r = s;
	return g;
}
