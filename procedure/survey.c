/*
 * survey.c — satisfaction surveys (README "Satisfaction surveys"): the
 * questions, reading a reply, taking personal data out of its comments,
 * and the day a survey falls due. Pure: GLib and the calendar, no store,
 * no clock of its own.
 *
 * A reply is read line by line. Quoted text ("> …", and everything after
 * "On … wrote:" or a "-- " signature line) is left out. Each other line
 * is one of:
 *
 *   a rating alone ("4", "4/5", "4 out of 5", "very good", "da iawn"):
 *     the answer to the next question not yet answered;
 *   as many ratings as there are questions ("4 5 3 4", "4,5,3,4");
 *   a numbered answer ("1. 4", "Q2: 3/5", "Cwestiwn 3 - da"), with any
 *     words after the rating taken as a comment; the number after the
 *     last question is the comments ("5. Staff were kind");
 *   "stop", "unsubscribe", "dim diolch", …: no more mail;
 *   anything else: comment.
 *
 * Whatever could mean two things is not guessed: a rating outside 1 to 5,
 * "8/10", two different answers to one question, more answers than
 * questions, or a numbered line whose words are no rating make the reply
 * unreadable, and the caller files it for a person (triage). So does a
 * reply with no answer at all (unless it only says stop).
 */
#include <string.h>

#include "procedure.h"

/* ---- the questions ----------------------------------------------------------- */

static const char *const kind_names[] = { "complainant", "staff" };
G_STATIC_ASSERT(G_N_ELEMENTS(kind_names) == RD_SURVEY_N_KINDS);

const char *
rd_survey_kind_to_string(RdSurveyKind k)
{
	return (guint)k < RD_SURVEY_N_KINDS ? kind_names[k] : "unknown";
}

gboolean
rd_survey_kind_from_string(const char *s, RdSurveyKind *k_r)
{
	for (guint i = 0; s != NULL && i < RD_SURVEY_N_KINDS; i++) {
		if (strcmp(s, kind_names[i]) == 0) {
			*k_r = (RdSurveyKind)i;
			return TRUE;
		}
	}
	return FALSE;
}

/* [kind][question][0 English, 1 Welsh]. "cwyn" is feminine: "y gŵyn hon";
 * one is "bodlon ar" something, not "â". */
static const char *const questions[RD_SURVEY_N_KINDS][RD_SURVEY_QUESTIONS][2] = {
	{
		{ "How easy was it to make your complaint?",
		  "Pa mor hawdd oedd gwneud eich cwyn?" },
		{ "How well did we keep you informed while we looked into your complaint?",
		  "Pa mor dda y gwnaethom roi'r wybodaeth ddiweddaraf i chi wrth i ni ymchwilio i'ch cwyn?" },
		{ "How clearly did our response explain our decision?",
		  "Pa mor glir yr oedd ein hymateb yn egluro ein penderfyniad?" },
		{ "Whatever the outcome, how satisfied are you with the way we handled your complaint?",
		  "Beth bynnag oedd y canlyniad, pa mor fodlon ydych chi ar y ffordd y gwnaethom ymdrin â'ch cwyn?" },
	},
	{
		{ "How clear was the complaints procedure to follow on this case?",
		  "Pa mor glir oedd y weithdrefn gwynion i'w dilyn yn yr achos hwn?" },
		{ "How well did the reminders and notices help you keep to the time limits?",
		  "Pa mor dda y gwnaeth y nodiadau atgoffa a'r hysbysiadau eich helpu i gadw at y terfynau amser?" },
		{ "How well supported did you feel in handling this complaint?",
		  "Pa mor dda y cawsoch eich cefnogi wrth ymdrin â'r gŵyn hon?" },
		{ "How useful was what your service learned from this complaint?",
		  "Pa mor ddefnyddiol oedd yr hyn a ddysgodd eich gwasanaeth o'r gŵyn hon?" },
	},
};

const char *
rd_survey_question(RdSurveyKind k, guint n, const char *lang)
{
	if ((guint)k >= RD_SURVEY_N_KINDS || n < 1 || n > RD_SURVEY_QUESTIONS)
		return NULL;
	return questions[k][n - 1][g_strcmp0(lang, "cy") == 0 ? 1 : 0];
}

char *
rd_survey_questions_text(RdSurveyKind k, const char *lang)
{
	gboolean cy = g_strcmp0(lang, "cy") == 0;
	GString *out = g_string_new(NULL);
	for (guint n = 1; n <= RD_SURVEY_QUESTIONS; n++)
		g_string_append_printf(out, "%u. %s\n   %s\n\n", n, rd_survey_question(k, n, lang),
		                       cy ? "Atebwch 1 (gwael iawn) i 5 (da iawn)." : "Reply 1 (very poor) to 5 (very good).");
	g_string_append_printf(out, "%u. %s", RD_SURVEY_QUESTIONS + 1,
	                       cy ? "Unrhyw sylwadau? Ysgrifennwch nhw yn eich geiriau eich hun."
	                          : "Any comments? Write them in your own words.");
	return g_string_free(out, FALSE);
}

/* ---- reading a reply --------------------------------------------------------- */

void
rd_survey_reply_clear(RdSurveyReply *r)
{
	if (r == NULL)
		return;
	g_clear_pointer(&r->comment, g_free);
	g_clear_pointer(&r->problem, g_free);
	memset(r, 0, sizeof *r);
}

/* The rating words, longest first so that "very good" is not read as
 * "good". Compared with the line lower-cased and trimmed of punctuation. */
static const struct {
	const char *word;
	int value;
} rating_words[] = {
	{ "very good", 5 }, { "very poor", 1 }, { "very bad", 1 }, { "excellent", 5 },
	{ "da iawn", 5 }, { "gwael iawn", 1 }, { "ardderchog", 5 },
	{ "good", 4 }, { "average", 3 }, { "okay", 3 }, { "ok", 3 }, { "fair", 3 },
	{ "poor", 2 }, { "bad", 2 },
	{ "gweddol", 3 }, { "iawn", 3 }, { "gwael", 2 }, { "da", 4 },
};

/* Lines that ask for no more mail, lower-cased and trimmed. */
static const char *const stop_lines[] = {
	"stop", "unsubscribe", "please stop", "stop sending", "stop sending me these",
	"no more surveys", "do not contact me", "don't contact me", "do not contact me again",
	"don't contact me again", "remove me", "opt out", "no thanks", "no thank you",
	"dim diolch", "stopiwch", "dad-danysgrifio", "dad-danysgrifiwch", "peidiwch â chysylltu â mi",
	"peidiwch a chysylltu a mi", "dim rhagor",
};

/* Comments that say there is none. */
static const char *const no_comment[] = {
	"none", "no", "n/a", "na", "nil", "no comment", "no comments", "nothing", "dim",
	"dim sylwadau", "dim sylw", "dim byd",
};

static gboolean
in_list(const char *s, const char *const *list, gsize n)
{
	for (gsize i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return TRUE;
	return FALSE;
}

/* @s lower-cased, trimmed, trailing ".!," and brackets gone. */
static char *
folded(const char *s)
{
	char *f = g_utf8_strdown(s, -1);
	g_strstrip(f);
	gsize n = strlen(f);
	while (n > 0 && strchr(".!,;:)(", f[n - 1]) != NULL)
		f[--n] = '\0';
	char *start = f;
	while (*start != '\0' && strchr("(", *start) != NULL)
		start++;
	memmove(f, start, strlen(start) + 1);
	return g_strstrip(f);
}

static int
rating_word(const char *s)
{
	g_autofree char *f = folded(s);
	for (gsize i = 0; i < G_N_ELEMENTS(rating_words); i++)
		if (strcmp(f, rating_words[i].word) == 0)
			return rating_words[i].value;
	return 0;
}

typedef enum {
	RATING_NONE,    /* not a rating at all */
	RATING_OK,      /* *value_r 1 … 5; *rest_r the words after it, if any */
	RATING_BAD,     /* rating-shaped but unreadable: *why_r */
} RatingRead;

/* Read a rating at the start of @s: a digit with "/5", "out of 5", "o 5",
 * "allan o 5" after it, or one of the rating words (the whole of @s).
 * With @whole, words after a number that are not its own rating word make
 * it RATING_NONE (a sentence that starts with a number); without, they are
 * handed back in *@rest_r. */
static RatingRead
read_rating(const char *s, gboolean whole, int *value_r, char **rest_r, char **why_r)
{
	*rest_r = NULL;
	while (g_ascii_isspace(*s))
		s++;
	int w = rating_word(s);
	if (w != 0) {
		*value_r = w;
		return RATING_OK;
	}
	if (!g_ascii_isdigit(*s))
		return RATING_NONE;
	const char *p = s;
	guint64 n = 0;
	while (g_ascii_isdigit(*p) && p - s < 6)
		n = n * 10 + (guint64)(*p++ - '0');
	if (g_ascii_isdigit(*p))
		return RATING_NONE;
	/* A decimal ("3.5") cannot be recorded as an answer. */
	if ((*p == '.' || *p == ',') && g_ascii_isdigit(p[1])) {
		*why_r = g_strdup_printf("\"%.*s\" is not a whole number from 1 to 5", (int)strcspn(s, " \t"), s);
		return RATING_BAD;
	}
	/* "/5", "out of 5", "o 5", "allan o 5". */
	const char *q = p;
	while (g_ascii_isspace(*q))
		q++;
	const char *after_of = NULL;
	if (*q == '/')
		after_of = q + 1;
	else if (g_ascii_strncasecmp(q, "out of", 6) == 0)
		after_of = q + 6;
	else if (g_ascii_strncasecmp(q, "allan o", 7) == 0)
		after_of = q + 7;
	else if (g_ascii_strncasecmp(q, "o ", 2) == 0 && g_ascii_isdigit(q[2]))
		after_of = q + 1;
	if (after_of != NULL) {
		while (g_ascii_isspace(*after_of))
			after_of++;
		if (g_ascii_isdigit(*after_of)) {
			guint64 of = 0;
			const char *e = after_of;
			while (g_ascii_isdigit(*e) && e - after_of < 6)
				of = of * 10 + (guint64)(*e++ - '0');
			if (of != 5) {
				*why_r = g_strdup_printf("\"%.*s\" is not on the scale of 1 to 5", (int)(e - s), s);
				return RATING_BAD;
			}
			p = e;
		}
	}
	g_autofree char *rest = g_strstrip(g_strdup(p));
	/* "4 - good", "4 (good)": the word must agree with the number. */
	const char *r = rest;
	while (*r == '-' || *r == ':' || *r == '=' || *r == '(' || *r == ',' || g_ascii_isspace(*r))
		r++;
	int rw = *r != '\0' ? rating_word(r) : 0;
	gboolean only_punct = *r == '\0' || strspn(r, ".!)") == strlen(r);
	if (whole && !only_punct && rw == 0)
		return RATING_NONE;
	if (n < 1 || n > 5) {
		*why_r = g_strdup_printf("%" G_GUINT64_FORMAT " is not from 1 to 5", n);
		return RATING_BAD;
	}
	if (rw != 0 && rw != (int)n) {
		*why_r = g_strdup_printf("\"%s\" gives %" G_GUINT64_FORMAT " but says %s", s, n, r);
		return RATING_BAD;
	}
	*value_r = (int)n;
	if (!only_punct && rw == 0)
		*rest_r = g_strdup(r);
	return RATING_OK;
}

/* "4 5 3 4", "4, 5, 3, 4": exactly RD_SURVEY_QUESTIONS single digits. */
static gboolean
read_list(const char *s, int values[RD_SURVEY_QUESTIONS])
{
	guint n = 0;
	for (const char *p = s; *p != '\0'; p++) {
		if (g_ascii_isspace(*p) || *p == ',' || *p == ';' || *p == '.')
			continue;
		if (!g_ascii_isdigit(*p) || g_ascii_isdigit(p[1]) || n == RD_SURVEY_QUESTIONS)
			return FALSE;
		values[n++] = *p - '0';
	}
	return n == RD_SURVEY_QUESTIONS;
}

/* "1. 4", "1) 4", "Q1: 4", "Question 1 - 4", "C1 4", "Cwestiwn 1: da".
 * TRUE with the question number and what follows it. */
static gboolean
read_numbered(const char *s, guint *q_r, const char **value_r)
{
	static const char *const labels[] = { "question", "cwestiwn", "q", "c" };
	const char *p = s;
	gboolean labelled = FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(labels); i++) {
		gsize n = strlen(labels[i]);
		if (g_ascii_strncasecmp(p, labels[i], n) == 0 && (g_ascii_isdigit(p[n]) || p[n] == ' ')) {
			p += n;
			labelled = TRUE;
			break;
		}
	}
	while (*p == ' ')
		p++;
	if (!g_ascii_isdigit(*p))
		return FALSE;
	guint q = 0;
	while (g_ascii_isdigit(*p) && q < 100)
		q = q * 10 + (guint)(*p++ - '0');
	if (g_ascii_isdigit(*p))
		return FALSE;
	/* A separator, perhaps after spaces ("Question 1 - 3"), or a space:
	 * "1 4" reads as question 1, answer 4; "4/5" never gets here. */
	const char *sep = p;
	while (*sep == ' ' || *sep == '\t')
		sep++;
	if (*sep == '.' || *sep == ')' || *sep == ':' || *sep == '-' || *sep == '=')
		p = sep + 1;
	else if (*p != ' ' && *p != '\t')
		return FALSE;
	else if (!labelled) {
		const char *v = p;
		while (*v == ' ' || *v == '\t')
			v++;
		/* Without a label or separator, only "N R" (two numbers). */
		if (!g_ascii_isdigit(*v))
			return FALSE;
	}
	*q_r = q;
	*value_r = p;
	return TRUE;
}

static void
add_comment(GString *comment, const char *words)
{
	g_autofree char *w = g_strstrip(g_strdup(words));
	static const char *const labels[] = { "comments:", "comment:", "sylwadau:", "sylw:" };
	const char *p = w;
	for (gsize i = 0; i < G_N_ELEMENTS(labels); i++) {
		if (g_ascii_strncasecmp(p, labels[i], strlen(labels[i])) == 0) {
			p += strlen(labels[i]);
			break;
		}
	}
	while (g_ascii_isspace(*p))
		p++;
	if (*p == '\0')
		return;
	g_autofree char *f = folded(p);
	if (in_list(f, no_comment, G_N_ELEMENTS(no_comment)))
		return;
	if (comment->len > 0)
		g_string_append_c(comment, '\n');
	g_string_append(comment, p);
}

/* Where the reply's own words end: a quote header or a signature. */
static gboolean
ends_reply(const char *line)
{
	if (strcmp(line, "--") == 0 || strcmp(line, "-- ") == 0 || g_str_has_prefix(line, "-----Original Message") ||
	    g_str_has_prefix(line, "##-"))
		return TRUE;
	gsize n = strlen(line);
	return (g_str_has_prefix(line, "On ") && n > 6 && g_str_has_suffix(line, "wrote:")) ||
	       (g_str_has_prefix(line, "Ar ") && g_str_has_suffix(line, "ysgrifennodd:"));
}

static gboolean
fail(RdSurveyReply *r, GString *comment, char *why)
{
	memset(r->answers, 0, sizeof r->answers);
	r->n_answers = 0;
	r->stop = FALSE;
	g_string_free(comment, TRUE);
	r->problem = why;
	return FALSE;
}

static gboolean
set_answer(RdSurveyReply *r, guint q, int v, char **why_r)
{
	/* read_rating() checks its own, but a list ("4 5 6 4") is digits. */
	if (v < 1 || v > 5) {
		*why_r = g_strdup_printf("question %u: %d is not from 1 to 5", q, v);
		return FALSE;
	}
	if (r->answers[q - 1] != 0 && r->answers[q - 1] != v) {
		*why_r = g_strdup_printf("question %u is answered twice (%d and %d)", q, r->answers[q - 1], v);
		return FALSE;
	}
	if (r->answers[q - 1] == 0)
		r->n_answers++;
	r->answers[q - 1] = v;
	return TRUE;
}

gboolean
rd_survey_parse(const char *text, RdSurveyReply *r)
{
	memset(r, 0, sizeof *r);
	GString *comment = g_string_new(NULL);
	g_auto(GStrv) lines = g_strsplit(text != NULL ? text : "", "\n", -1);
	guint next = 1;   /* the question a rating alone answers */
	for (guint i = 0; lines[i] != NULL; i++) {
		char *raw = lines[i];
		gsize rl = strlen(raw);
		if (rl > 0 && raw[rl - 1] == '\r')
			raw[rl - 1] = '\0';
		if (ends_reply(raw))
			break;
		g_autofree char *line = g_strstrip(g_strdup(raw));
		if (line[0] == '>')
			continue;
		const char *l = line;
		/* Bullets. */
		if ((*l == '-' || *l == '*') && l[1] == ' ')
			l += 2;
		else if (g_str_has_prefix(l, "\xe2\x80\xa2"))
			l += 3;
		while (g_ascii_isspace(*l))
			l++;
		if (*l == '\0')
			continue;
		g_autofree char *f = folded(l);
		if (in_list(f, stop_lines, G_N_ELEMENTS(stop_lines))) {
			r->stop = TRUE;
			continue;
		}
		int v = 0;
		char *why = NULL;
		g_autofree char *rest = NULL;
		int list[RD_SURVEY_QUESTIONS];
		if (read_list(l, list)) {
			for (guint q = 1; q <= RD_SURVEY_QUESTIONS; q++)
				if (!set_answer(r, q, list[q - 1], &why))
					return fail(r, comment, why);
			next = RD_SURVEY_QUESTIONS + 1;
			continue;
		}
		RatingRead rr = read_rating(l, TRUE, &v, &rest, &why);
		if (rr == RATING_BAD) {
			g_autofree char *bad = why;
			return fail(r, comment, g_strdup_printf("\"%s\": %s", l, bad));
		}
		if (rr == RATING_OK) {
			while (next <= RD_SURVEY_QUESTIONS && r->answers[next - 1] != 0)
				next++;
			if (next > RD_SURVEY_QUESTIONS)
				return fail(r, comment, g_strdup_printf("\"%s\" is one answer more than there are "
				                                        "questions (%d)", l, RD_SURVEY_QUESTIONS));
			if (!set_answer(r, next, v, &why))
				return fail(r, comment, why);
			continue;
		}
		guint q = 0;
		const char *value = NULL;
		if (read_numbered(l, &q, &value)) {
			if (q == RD_SURVEY_QUESTIONS + 1) {
				add_comment(comment, value);
				continue;
			}
			if (q < 1 || q > RD_SURVEY_QUESTIONS)
				return fail(r, comment, g_strdup_printf("\"%s\": there is no question %u", l, q));
			g_clear_pointer(&rest, g_free);
			rr = read_rating(value, FALSE, &v, &rest, &why);
			if (rr == RATING_BAD) {
				g_autofree char *bad = why;
				return fail(r, comment, g_strdup_printf("\"%s\": %s", l, bad));
			}
			if (rr == RATING_NONE) {
				g_autofree char *vs = g_strstrip(g_strdup(value));
				if (*vs == '\0')
					continue;   /* the question left unanswered */
				return fail(r, comment, g_strdup_printf("question %u: \"%s\" is not a rating from 1 to 5",
				                                        q, vs));
			}
			if (!set_answer(r, q, v, &why))
				return fail(r, comment, why);
			if (rest != NULL)
				add_comment(comment, rest);
			continue;
		}
		add_comment(comment, l);
	}
	if (r->n_answers == 0 && !r->stop)
		return fail(r, comment, g_strdup("no answer to any question could be read"));
	r->comment = comment->len > 0 ? g_string_free(comment, FALSE) : (g_string_free(comment, TRUE), NULL);
	return TRUE;
}

/* ---- taking personal data out ------------------------------------------------- */

/* Every match of @re in *@s replaced: by @with (a g_regex_replace()
 * template: "\\1" is the first group) or, with @cb, by what it appends.
 * The patterns are our own constants; one that did not compile would be
 * a bug, and leaves the text as it was. */
static void
rewrite(char **s, const char *re, GRegexCompileFlags flags, const char *with, GRegexEvalCallback cb)
{
	g_autoptr(GRegex) rx = g_regex_new(re, flags | G_REGEX_OPTIMIZE, 0, NULL);
	g_return_if_fail(rx != NULL);
	char *n = cb != NULL ? g_regex_replace_eval(rx, *s, -1, 0, 0, cb, NULL, NULL)
	                     : g_regex_replace(rx, *s, -1, 0, with, 0, NULL);
	if (n != NULL) {
		g_free(*s);
		*s = n;
	}
}

static void
apply(char **s, const char *re, GRegexCompileFlags flags, const char *with)
{
	rewrite(s, re, flags, with, NULL);
}

/* Phone numbers: +44 or 0, then digits with spaces, dots, dashes or
 * brackets; 10 or 11 digits in all (+44 and nine or ten more). Counted by
 * hand, which a regular expression cannot do. */
static gboolean
phone_cb(const GMatchInfo *info, GString *res, gpointer data)
{
	g_autofree char *m = g_match_info_fetch(info, 0);
	guint digits = 0;
	for (const char *p = m; *p != '\0'; p++)
		digits += g_ascii_isdigit(*p) ? 1 : 0;
	gboolean intl = m[0] == '+' || g_str_has_prefix(m, "(+") || g_str_has_prefix(m, "0044");
	gboolean phone = intl ? digits >= 11 && digits <= 14 : digits >= 10 && digits <= 11;
	g_string_append(res, phone ? "[phone]" : m);
	return FALSE;
}

/* An escaped, whole-word pattern for @name with its spaces loose. */
static char *
name_pattern(const char *name)
{
	g_auto(GStrv) parts = g_strsplit_set(name, " \t", -1);
	GString *p = g_string_new("(?<![\\w\\]])");
	gboolean first = TRUE;
	for (guint i = 0; parts[i] != NULL; i++) {
		if (parts[i][0] == '\0')
			continue;
		g_autofree char *e = g_regex_escape_string(parts[i], -1);
		g_string_append_printf(p, "%s%s", first ? "" : "\\s+", e);
		first = FALSE;
	}
	g_string_append(p, "(?!\\w)");
	return g_string_free(p, FALSE);
}

static void
remove_names(char **s, const char *const *names)
{
	/* Full names first, then their parts, so "Jane Smith" is one [name]. */
	for (guint pass = 0; pass < 2; pass++) {
		for (guint i = 0; names != NULL && names[i] != NULL; i++) {
			g_autofree char *n = g_strstrip(g_strdup(names[i]));
			/* An address given as a name says nothing to remove here. */
			if (*n == '\0' || strchr(n, '@') != NULL)
				continue;
			if (pass == 0) {
				g_autofree char *re = name_pattern(n);
				apply(s, re, G_REGEX_CASELESS, "[name]");
				continue;
			}
			g_auto(GStrv) parts = g_strsplit_set(n, " \t", -1);
			for (guint k = 0; parts[k] != NULL; k++) {
				/* "Jo", "Li": two letters are a name too. */
				if (g_utf8_strlen(parts[k], -1) < 2)
					continue;
				/* "Mr." and the like are not names. */
				g_autofree char *low = g_utf8_strdown(parts[k], -1);
				g_strdelimit(low, ".", ' ');
				g_strstrip(low);
				static const char *const titles[] = { "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "cllr" };
				gboolean title = FALSE;
				for (gsize t = 0; t < G_N_ELEMENTS(titles); t++)
					title |= strcmp(low, titles[t]) == 0;
				if (title)
					continue;
				/* Only where written with a capital: "Rose" the
				 * person, not "rose" the verb. */
				g_autofree char *re = name_pattern(parts[k]);
				g_autofree char *cap = g_strdup_printf("(?=\\p{Lu})%s", re);
				apply(s, cap, 0, "[name]");
			}
		}
	}
}

/* The line after a sign-off, when it is one to three capitalised words. */
static void
remove_signature(char **s)
{
	apply(s, "((?:^|\\n)\\s*(?i:kind regards|best regards|regards|best wishes|many thanks|thanks|thank you|"
	         "yours sincerely|yours faithfully|yours|cheers|cofion(?: cynnes| gorau)?|diolch(?: yn fawr)?|"
	         "yn gywir)\\s*,?[ \\t]*\\n\\s*)(?:\\[name\\]|\\p{Lu}[\\w'’-]*)(?:[ \\t]+(?:\\[name\\]|\\p{Lu}[\\w'’.-]*)){0,2}"
	         "[ \\t]*(?=\\n|$)", 0, "\\1[name]");
}

/* A digit-bearing word: a reference unless it is an ordinal ("2nd"), a
 * time or quantity ("10am", "3pm", "24h", "5x"), a day ("7/12/2026"), or
 * a plain number of five digits or fewer ("2026", "12"). */
static gboolean
reference_cb(const GMatchInfo *info, GString *res, gpointer data)
{
	g_autofree char *m = g_match_info_fetch(info, 0);
	guint digits = 0, letters = 0, seps = 0;
	for (const char *p = m; *p != '\0'; p++) {
		if (g_ascii_isdigit(*p))
			digits++;
		else if (g_ascii_isalpha(*p))
			letters++;
		else
			seps++;
	}
	gboolean keep;
	if (letters == 0 && seps == 0)
		keep = digits < 6;
	else if (letters == 0)
		keep = g_regex_match_simple("^\\d{1,2}[/-]\\d{1,2}(?:[/-]\\d{2,4})?$", m, 0, 0) ||
		       g_regex_match_simple("^\\d{4}-\\d{2}-\\d{2}$", m, 0, 0) || digits < 6;
	else
		keep = g_regex_match_simple("^\\d+(?:st|nd|rd|th|am|pm|h|hrs|x|k|m|km|mph|kg|mins?|yrs?|fed|ain|ydd|af|il)$",
		                            m, G_REGEX_CASELESS, 0);
	g_string_append(res, keep ? m : "[reference]");
	return FALSE;
}

char *
rd_survey_anonymise(const char *text, const char *const *names)
{
	g_return_val_if_fail(text != NULL, NULL);
	char *s = g_strdup(text);
	/* Email addresses before anything reads their parts as names. */
	apply(&s, "[\\w.+'-]+@[\\w-]+(?:\\.[\\w-]+)+", 0, "[email]");
	/* Names the case knows, before "12 Smith Road" could hide one. */
	remove_names(&s, names);
	/* Phone numbers before long digit runs are taken for references. */
	rewrite(&s, "(?<![\\w])(?:\\(?\\+\\s?44\\s?\\)?|\\(?0)[\\d\\s().-]{8,16}\\d(?!\\w)", 0, NULL, phone_cb);
	/* UK postcodes: "CF10 1AA", "sw1a2aa". */
	apply(&s, "(?<![\\w])[A-Z]{1,2}[0-9][A-Z0-9]?\\s*[0-9][A-Z]{2}(?!\\w)", G_REGEX_CASELESS, "[address]");
	/* "12 High Street", "Flat 3, 40a Mill Lane", "12 Heol y Bont". */
	apply(&s, "(?:(?i:flat|fflat|apartment|unit)\\s+\\d+[a-zA-Z]?,?\\s+)?(?<![\\w])\\d+[a-zA-Z]?,?\\s+"
	          "(?:\\p{Lu}[\\w'’-]*\\s+){1,3}(?i:street|st|road|rd|avenue|ave|lane|close|drive|way|crescent|court|"
	          "place|terrace|gardens|grove|hill|park|square|row|walk|mews|view|rise)\\b\\.?", 0, "[address]");
	apply(&s, "(?<![\\w])\\d+[a-zA-Z]?,?\\s+(?i:heol|stryd|ffordd|lôn|rhodfa|cilgant|teras|maes|stad|ystad)"
	          "(?:\\s+(?:y|yr|'r|\\p{Lu}[\\w'’-]*)){1,3}", 0, "[address]");
	/* References: a case reference or any code mixing letters and
	 * digits ("CMP-2026-0042", "HB123456", "AB12/345"), or six digits
	 * or more; reference_cb keeps ordinals, times and dates. */
	rewrite(&s, "(?<![\\w\\[/-])(?=[A-Za-z0-9/-]*\\d)[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)*(?![\\w\\]])", 0, NULL,
	        reference_cb);
	/* Letters-first codes: "ref CMP-2026-0042" is caught above since it
	 * has digits; "Mrs Jones", "Cllr Evans": an honorific and up to two
	 * capitalised words after it. */
	apply(&s, "(?<![\\w])(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Cllr|Councillor|Sir|Dame|Lady|Lord|"
	          "Y Cynghorydd|Cynghorydd)\\.?\\s+(?:\\[name\\]|\\p{Lu}[\\w'’-]*(?:\\s+(?:\\[name\\]|\\p{Lu}[\\w'’-]*))?)",
	      0, "[name]");
	/* "my name is Jane Smith", "I am Jane", "fy enw i yw Siân". */
	apply(&s, "((?i:my name is|my name's|i am called|i'm called|fy enw i yw|fy enw yw|fy enw i ydy|fy enw ydy)\\s+)"
	          "\\p{Lu}[\\w'’-]*(?:\\s+\\p{Lu}[\\w'’-]*)?", 0, "\\1[name]");
	remove_signature(&s);
	/* "[name] [name]" (a first name and a surname taken apart) is one. */
	apply(&s, "\\[name\\](?:[ \\t]+\\[name\\])+", 0, "[name]");
	return s;
}

/* ---- when ------------------------------------------------------------------- */

gboolean
rd_survey_due(const RdCalendar *cal, const RdSurveyCase *c, guint delay, const GDate *today, GDate *due_r)
{
	g_date_clear(due_r, 1);
	/* Closed for now: Stage 1 answered (the complainant may yet escalate,
	 * and then the case is not closed until Stage 2 is answered), or
	 * the whole case. A case open at either stage waits. */
	if (c->state == NULL || (strcmp(c->state, "stage1-closed") != 0 && strcmp(c->state, "closed") != 0))
		return FALSE;
	/* A withdrawn or excluded complaint, or a Stage 2 closed without an
	 * answer, had no final response to ask about. */
	if (!c->last_stage_answered || c->last_response == NULL)
		return FALSE;
	if (g_strcmp0(c->last_outcome, "withdrawn") == 0 || g_strcmp0(c->last_outcome, "excluded") == 0)
		return FALSE;
	GDate answered;
	if (!rd_date_parse_iso(c->last_response, &answered) ||
	    !rd_calendar_add_working_days(cal, &answered, delay, due_r))
		return FALSE;
	return g_date_compare(due_r, today) <= 0;
}
