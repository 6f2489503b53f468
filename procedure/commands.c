/*
 * commands.c — the #commands at the top of a staff message.
 *
 * Staff write from Outlook, Gmail or a phone, so the parser expects what
 * those do to a line: a capital first letter ("#Outcome Upheld."), a full
 * stop at the end, no-break spaces, an address turned into
 * "jo@council.example<mailto:jo@council.example>" by the HTML-to-text
 * conversion, "partly upheld" for "partly-upheld". It tolerates those and
 * nothing that changes meaning: anything else is an error that says what
 * to write instead, because a command misread is worse than a command
 * refused (the officer gets the error back and tries again).
 *
 * Invariants (checked by tests/fuzz/fuzz-staffcmd.c):
 *  - every command-looking line of the block is exactly one command or one
 *    error, and no line after the block is either;
 *  - every string out is valid UTF-8 (the input is made valid first);
 *  - an address argument is ASCII lower case with one '@' and no <>.
 *
 * The commands and the rules are in docs/procedure.md §7.1. Pure: GLib
 * only, no state outside the call.
 */
#include <string.h>

#include "procedure.h"

#define N_KINDS (RD_CMD_NOCONTACT + 1)
/* How much of what was typed an error message quotes. */
#define QUOTE_MAX 40
#define PLUS_DAYS_MAX 365

static const char *const kind_names[] = {
	"assign", "service", "outcome", "final", "close", "holding", "stage2",
	"notify-dept", "link", "language", "cause", "note", "new", "channel",
	"remedy", "ombudsman", "action", "done", "verified", "extend", "nocontact",
};
G_STATIC_ASSERT(G_N_ELEMENTS(kind_names) == N_KINDS);

/* Commands that may be given more than once in a message: several
 * departments, several linked cases, several notes. */
static gboolean
kind_repeats(RdCommandKind k)
{
	return k == RD_CMD_NOTIFY_DEPT || k == RD_CMD_LINK || k == RD_CMD_NOTE || k == RD_CMD_ACTION;
}

/* Pairs that contradict each other in one message: a case being closed
 * gets no outcome, response, extension or Stage 2 decision, and a response
 * sent now needs no extension. */
static const struct {
	RdCommandKind a, b;
	const char *why;
} conflicts[] = {
	{ RD_CMD_CLOSE, RD_CMD_OUTCOME, "a closed case gets no outcome" },
	{ RD_CMD_CLOSE, RD_CMD_FINAL, "a closed case gets no response" },
	{ RD_CMD_CLOSE, RD_CMD_HOLDING, "a closed case gets no extension" },
	{ RD_CMD_CLOSE, RD_CMD_STAGE2, "a closed case gets no Stage 2 decision" },
	{ RD_CMD_FINAL, RD_CMD_HOLDING, "a response sent now needs no extension" },
};

const char *
rd_command_kind_to_string(RdCommandKind k)
{
	if ((guint)k >= N_KINDS)
		return "unknown";
	return kind_names[k];
}

gboolean
rd_command_kind_from_string(const char *s, RdCommandKind *k_r)
{
	if (s == NULL)
		return FALSE;
	for (guint i = 0; i < N_KINDS; i++) {
		if (g_ascii_strcasecmp(s, kind_names[i]) == 0) {
			if (k_r != NULL)
				*k_r = (RdCommandKind)i;
			return TRUE;
		}
	}
	return FALSE;
}

/* ---- characters and words --------------------------------------------- */

/* White space, no-break spaces included, and the zero-width characters
 * (U+200B, U+FEFF) that Word and Outlook leave at the start of lines. */
static gboolean
is_blank(gunichar c)
{
	return g_unichar_isspace(c) || c == 0x200B || c == 0xFEFF;
}

static const char *
skip_blanks(const char *p, const char *end)
{
	while (p < end) {
		gunichar c = g_utf8_get_char(p);
		if (!is_blank(c))
			break;
		p = g_utf8_next_char(p);
	}
	return p;
}

/* The end of the word at @p: the first blank at or after it. */
static const char *
word_end(const char *p, const char *end)
{
	while (p < end) {
		gunichar c = g_utf8_get_char(p);
		if (is_blank(c))
			break;
		p = g_utf8_next_char(p);
	}
	return p;
}

/* A copy of [@p, @end) without leading and trailing blanks. */
static char *
strip_dup(const char *p, const char *end)
{
	p = skip_blanks(p, end);
	const char *e = end;
	while (e > p) {
		const char *prev = g_utf8_prev_char(e);
		if (!is_blank(g_utf8_get_char(prev)))
			break;
		e = prev;
	}
	return g_strndup(p, (gsize)(e - p));
}

/* The text after the first @n words of @s, trimmed; NULL if nothing is
 * left. */
static char *
rest_after_words(const char *s, guint n)
{
	const char *end = s + strlen(s);
	const char *p = skip_blanks(s, end);
	for (guint i = 0; i < n && p < end; i++)
		p = skip_blanks(word_end(p, end), end);
	if (p >= end)
		return NULL;
	return strip_dup(p, end);
}

/* Up to @max words of @s (copies), into @words. */
static void
split_words(const char *s, guint max, GPtrArray *words)
{
	const char *end = s + strlen(s);
	const char *p = skip_blanks(s, end);
	while (p < end && words->len < max) {
		const char *e = word_end(p, end);
		g_ptr_array_add(words, g_strndup(p, (gsize)(e - p)));
		p = skip_blanks(e, end);
	}
}

static gboolean
is_trailing_punct(gunichar c)
{
	return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?';
}

static gboolean
is_quote(gunichar c)
{
	return c == '"' || c == '\'' || c == 0x2018 || c == 0x2019 ||
	       c == 0x201C || c == 0x201D;
}

/* Remove, in place, the sentence punctuation at the end of @s and the
 * quotes around it: "'Upheld.'" is Upheld. */
static void
strip_punct(char *s)
{
	gboolean changed = TRUE;
	while (changed && *s != '\0') {
		changed = FALSE;
		char *last = g_utf8_prev_char(s + strlen(s));
		gunichar c = g_utf8_get_char(last);
		if (is_trailing_punct(c) || is_quote(c)) {
			*last = '\0';
			changed = TRUE;
		}
		if (*s != '\0' && is_quote(g_utf8_get_char(s))) {
			char *next = g_utf8_next_char(s);
			memmove(s, next, strlen(next) + 1);
			changed = TRUE;
		}
	}
}

/* Remove, in place, the punctuation and quotes of strip_punct() and
 * the blanks they leave at either end ("Jane Smith ," is Jane Smith). */
static void
tidy(char *s)
{
	gsize before;
	do {
		before = strlen(s);
		strip_punct(s);
		g_autofree char *t = strip_dup(s, s + strlen(s));
		memmove(s, t, strlen(t) + 1);
	} while (strlen(s) != before);
}

/* @s cut to QUOTE_MAX characters (with "…" when cut), for quoting what
 * was typed in a message; control characters become spaces. */
static char *
quote_typed(const char *s)
{
	GString *out = g_string_new(NULL);
	guint n = 0;
	for (const char *p = s; *p != '\0'; p = g_utf8_next_char(p)) {
		if (n++ == QUOTE_MAX) {
			g_string_append(out, "…");
			break;
		}
		gunichar c = g_utf8_get_char(p);
		if (g_unichar_iscntrl(c))
			g_string_append_c(out, ' ');
		else
			g_string_append_unichar(out, c);
	}
	return g_string_free(out, FALSE);
}

/* @s lower-cased, with en and em dashes and '_' read as '-' (word
 * processors turn "-" into dashes), for comparing values. */
static char *
fold_value(const char *s)
{
	g_autofree char *low = g_utf8_strdown(s, -1);
	GString *out = g_string_new(NULL);
	for (const char *p = low; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (c == 0x2013 || c == 0x2014 || c == '_')
			c = '-';
		g_string_append_unichar(out, c);
	}
	return g_string_free(out, FALSE);
}

/* ---- edit distance ------------------------------------------------------ */

/* Damerau–Levenshtein distance between @a and @b (optimal string
 * alignment: adjacent transpositions count one, as in "#asisgn"). */
static guint
edit_distance(const gunichar *a, guint la, const gunichar *b, guint lb)
{
	g_autofree guint *d = g_new(guint, (gsize)(la + 1) * (lb + 1));
#define D(i, j) d[(gsize)(i) * (lb + 1) + (j)]
	for (guint i = 0; i <= la; i++)
		D(i, 0) = i;
	for (guint j = 0; j <= lb; j++)
		D(0, j) = j;
	for (guint i = 1; i <= la; i++) {
		for (guint j = 1; j <= lb; j++) {
			guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
			guint v = MIN(D(i - 1, j) + 1, D(i, j - 1) + 1);
			v = MIN(v, D(i - 1, j - 1) + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				v = MIN(v, D(i - 2, j - 2) + 1);
			D(i, j) = v;
		}
	}
	guint r = D(la, lb);
#undef D
	return r;
}

/* "did you mean #assign?" for the commands nearest @name (lower case) by
 * edit distance, at most 2 away; else the list of commands. @bang: the
 * name was typed with '!', so #holding! is offered as such. */
static char *
suggestion(const char *name, gboolean bang)
{
	glong ln = g_utf8_strlen(name, -1);
	GString *out = g_string_new(NULL);
	guint best = 3;

	/* Names longer than the longest command plus two cannot be within
	 * two edits; skipping them keeps a 100 kB "name" cheap. */
	if (ln <= 13) {
		g_autofree gunichar *a = g_utf8_to_ucs4_fast(name, -1, NULL);
		guint dist[N_KINDS];
		for (guint i = 0; i < N_KINDS; i++) {
			glong lb;
			g_autofree gunichar *b = g_utf8_to_ucs4_fast(kind_names[i], -1, &lb);
			dist[i] = edit_distance(a, (guint)ln, b, (guint)lb);
			best = MIN(best, dist[i]);
		}
		if (best <= 2) {
			g_string_append(out, "did you mean ");
			gboolean first = TRUE;
			for (guint i = 0; i < N_KINDS; i++) {
				if (dist[i] != best)
					continue;
				g_string_append_printf(out, "%s#%s%s", first ? "" : " or ",
				                       kind_names[i],
				                       bang && i == RD_CMD_HOLDING ? "!" : "");
				first = FALSE;
			}
			g_string_append_c(out, '?');
		}
	}
	if (best > 2) {
		g_string_append(out, "the commands are");
		for (guint i = 0; i < N_KINDS; i++) {
			g_string_append_printf(out, "%s #%s", i == 0 ? "" : ",", kind_names[i]);
			if (i == RD_CMD_HOLDING)
				g_string_append(out, ", #holding!");
		}
	}
	return g_string_free(out, FALSE);
}

/* ---- lines --------------------------------------------------------------- */

typedef struct {
	const char *start, *end; /* without the line break */
	guint no;                /* 1-based */
} Line;

/* Split @t at LF, CRLF and lone CR. */
static GArray *
split_lines(const char *t)
{
	GArray *lines = g_array_new(FALSE, FALSE, sizeof(Line));
	const char *p = t;
	guint no = 1;
	for (;;) {
		const char *e = p;
		while (*e != '\0' && *e != '\n' && *e != '\r')
			e++;
		Line l = { p, e, no++ };
		g_array_append_val(lines, l);
		if (*e == '\0')
			break;
		p = e + 1;
		if (e[0] == '\r' && e[1] == '\n')
			p++;
	}
	return lines;
}

static gboolean
is_name_char(gunichar c)
{
	return g_unichar_isalnum(c) || c == '-' || c == '_';
}

/* Where a command-looking line's parts are. */
typedef struct {
	char *name;        /* as typed, without '#' */
	gboolean bang;     /* "!" right after the name */
	gboolean spaced;   /* "# assign": blanks between '#' and the name */
	const char *args;  /* after the name and its punctuation */
} Head;

/* If @l is command-looking (see procedure.h), fill @h and return TRUE. */
static gboolean
read_head(const Line *l, Head *h)
{
	const char *p = skip_blanks(l->start, l->end);
	if (p >= l->end || *p != '#')
		return FALSE;
	p++;
	const char *name_at = p;
	gboolean spaced = FALSE;
	if (p < l->end && is_blank(g_utf8_get_char(p))) {
		name_at = skip_blanks(p, l->end);
		spaced = TRUE;
	}
	if (name_at >= l->end || !g_unichar_isalnum(g_utf8_get_char(name_at)))
		return FALSE;
	const char *q = name_at;
	while (q < l->end && is_name_char(g_utf8_get_char(q)))
		q = g_utf8_next_char(q);
	g_autofree char *name = g_strndup(name_at, (gsize)(q - name_at));
	/* "# assign …" is a command with a stray space; "# Minutes of the
	 * meeting" is text. */
	if (spaced && !rd_command_kind_from_string(name, NULL))
		return FALSE;

	h->name = g_steal_pointer(&name);
	h->spaced = spaced;
	h->bang = FALSE;
	if (q < l->end && *q == '!') {
		h->bang = TRUE;
		q++;
	}
	/* "#outcome: upheld", "#final.", "#assign=jo@…". */
	while (q < l->end && (is_trailing_punct(g_utf8_get_char(q)) || *q == '='))
		q = g_utf8_next_char(q);
	h->args = q;
	return TRUE;
}

/* ---- arguments ------------------------------------------------------------ */

static gboolean
is_local_char(char c)
{
	return c > 0x20 && c < 0x7f && strchr("<>()[]\\,;:\"@", c) == NULL;
}

/* The addr-spec in @s (ASCII lower case) if @s is one, after taking off
 * "mailto:", quotes, brackets and trailing punctuation; else NULL. ASCII
 * only: staff and departments have ASCII addresses, and one set of rules
 * is easier to check against the directory. */
static char *
normalise_address(const char *s)
{
	g_autofree char *a = g_strdup(s);
	gboolean changed = TRUE;
	while (changed && *a != '\0') {
		changed = FALSE;
		strip_punct(a);
		gsize n = strlen(a);
		if (n >= 2 && ((a[0] == '<' && a[n - 1] == '>') || (a[0] == '(' && a[n - 1] == ')') ||
		               (a[0] == '[' && a[n - 1] == ']'))) {
			a[n - 1] = '\0';
			memmove(a, a + 1, n - 1);
			changed = TRUE;
		}
		if (g_ascii_strncasecmp(a, "mailto:", 7) == 0) {
			memmove(a, a + 7, strlen(a + 7) + 1);
			changed = TRUE;
		}
	}
	const char *at = strchr(a, '@');
	if (at == NULL || strchr(at + 1, '@') != NULL)
		return NULL;
	gsize local_len = (gsize)(at - a);
	if (local_len == 0 || local_len > 64 || strlen(a) > 254)
		return NULL;
	for (const char *p = a; p < at; p++)
		if (!is_local_char(*p))
			return NULL;
	/* The domain: two or more labels of letters, digits and inner
	 * hyphens. */
	const char *dom = at + 1;
	guint labels = 0;
	const char *lab = dom;
	for (const char *p = dom;; p++) {
		if (*p == '.' || *p == '\0') {
			gsize len = (gsize)(p - lab);
			if (len == 0 || len > 63 || lab[0] == '-' || p[-1] == '-')
				return NULL;
			labels++;
			if (*p == '\0')
				break;
			lab = p + 1;
		} else if (!g_ascii_isalnum(*p) && *p != '-') {
			return NULL;
		}
	}
	if (labels < 2)
		return NULL;
	return g_ascii_strdown(a, -1);
}

/* An address argument: "jo@x", "<jo@x>", "Jo Bloggs <jo@x>" or Outlook's
 * "jo@x<mailto:jo@x>". Fills *@addr_r (NULL if not an address; then
 * *@typed_r is what was found, for the message) and *@rest_r (what
 * follows). FALSE if @args is empty. */
static gboolean
read_address(const char *args, char **addr_r, char **typed_r, char **rest_r)
{
	const char *end = args + strlen(args);
	const char *p = skip_blanks(args, end);
	*addr_r = *typed_r = *rest_r = NULL;
	if (p >= end)
		return FALSE;

	const char *lt = strchr(p, '<');
	const char *gt = lt != NULL ? strchr(lt, '>') : NULL;
	const char *w_end = word_end(p, end);
	const char *at = strchr(p, '@');
	/* Brackets count when they are in the first word ("<jo@x>",
	 * "jo@x<mailto:jo@x>") or hold the first '@' ("Jo Bloggs <jo@x>"),
	 * not when they come in the text after an address. */
	if (lt != NULL && gt != NULL && (lt < w_end || at == NULL || at > lt)) {
		/* Bracketed: what is before it is a display name, or the same
		 * address in Outlook's "addr<mailto:addr>". */
		g_autofree char *inside = g_strndup(lt + 1, (gsize)(gt - lt - 1));
		g_autofree char *before = strip_dup(p, lt);
		*addr_r = normalise_address(inside);
		if (*addr_r != NULL && strchr(before, '@') != NULL) {
			g_autofree char *shown = normalise_address(before);
			if (shown == NULL || strcmp(shown, *addr_r) != 0) {
				/* Link text and link target differ: which was
				 * meant cannot be told. */
				g_clear_pointer(addr_r, g_free);
			}
		}
		if (*addr_r == NULL)
			*typed_r = strip_dup(p, gt + 1);
		const char *after = skip_blanks(gt + 1, end);
		*rest_r = after < end ? strip_dup(after, end) : NULL;
		return TRUE;
	}
	g_autofree char *word = g_strndup(p, (gsize)(w_end - p));
	*addr_r = normalise_address(word);
	if (*addr_r == NULL)
		*typed_r = g_steal_pointer(&word);
	*rest_r = rest_after_words(p, 1);
	return TRUE;
}

typedef struct {
	const char *typed;  /* folded spelling */
	const char *value;  /* canonical */
} Value;

static const Value outcome_values[] = {
	{ "upheld", "upheld" }, { "partly-upheld", "partly-upheld" },
	{ "partially-upheld", "partly-upheld" }, { "not-upheld", "not-upheld" },
	{ "resolved", "resolved" }, { NULL, NULL },
};
static const Value close_values[] = {
	{ "withdrawn", "withdrawn" }, { "excluded", "excluded" }, { NULL, NULL },
};
static const Value stage2_values[] = {
	{ "investigate", "investigate" }, { "refer-back", "refer-back" },
	{ "decline", "decline" }, { NULL, NULL },
};
static const Value language_values[] = {
	{ "en", "en" }, { "cy", "cy" }, { "english", "en" }, { "saesneg", "en" },
	{ "welsh", "cy" }, { "cymraeg", "cy" }, { NULL, NULL },
};
static const Value channel_values[] = {
	{ "phone", "phone" }, { "letter", "letter" }, { "in-person", "in-person" },
	{ "email", "email" }, { "telephone", "phone" }, { "e-mail", "email" },
	{ NULL, NULL },
};

static const Value ombudsman_values[] = {
	{ "referred", "referred" }, { "decided", "decided" }, { NULL, NULL },
};
static const Value finding_values[] = {
	{ "upheld", "upheld" }, { "partly-upheld", "partly-upheld" }, { "partially-upheld", "partly-upheld" },
	{ "not-upheld", "not-upheld" }, { "not-investigated", "not-investigated" }, { "settled", "settled" },
	{ "discontinued", "discontinued" }, { NULL, NULL },
};

gboolean
rd_ombudsman_finding_valid(const char *s)
{
	for (const Value *v = finding_values; v->typed != NULL; v++)
		if (g_strcmp0(s, v->value) == 0 && strcmp(v->typed, v->value) == 0)
			return TRUE;
	return FALSE;
}

/* What an error message lists for each kind of value. */
static const char *
values_list(RdCommandKind k)
{
	switch (k) {
	case RD_CMD_OUTCOME:
		return "one of upheld, partly-upheld, not-upheld, resolved";
	case RD_CMD_CLOSE:
		return "withdrawn or excluded, then the reason";
	case RD_CMD_STAGE2:
		return "one of investigate, refer-back, decline";
	case RD_CMD_LANGUAGE:
		return "en (English) or cy (Welsh)";
	case RD_CMD_CHANNEL:
		return "one of phone, letter, in-person, email";
	case RD_CMD_OMBUDSMAN:
		return "referred or decided";
	default:
		return "a value";
	}
}

/* Match the start of @args against @values, as one word or two joined
 * by '-' ("partly upheld"; not "partly, upheld"). On a match, the
 * canonical value and how many words it took. */
static const char *
match_value(const char *args, const Value *values, guint *nwords_r)
{
	g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func(g_free);
	split_words(args, 2, words);
	for (guint n = 1; n <= words->len; n++) {
		g_autofree char *joined = n == 1 ? g_strdup(words->pdata[0])
		                                 : g_strconcat(words->pdata[0], "-", words->pdata[1], NULL);
		g_autofree char *folded = fold_value(joined);
		strip_punct(folded);
		for (const Value *v = values; v->typed != NULL; v++) {
			if (strcmp(folded, v->typed) == 0) {
				*nwords_r = n;
				return v->value;
			}
		}
	}
	return NULL;
}

/* What was typed for a value, for the message: the first word, or two
 * when the first is the start of a two-word value ("not upheldd"). */
static char *
typed_value(const char *args, const Value *values)
{
	g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func(g_free);
	split_words(args, 2, words);
	if (words->len == 0)
		return g_strdup("");
	g_autofree char *first = fold_value(words->pdata[0]);
	g_autofree char *start = g_strconcat(first, "-", NULL);
	gboolean two = FALSE;
	for (const Value *v = values; v->typed != NULL && words->len == 2; v++)
		if (g_str_has_prefix(v->typed, start))
			two = TRUE;
	g_autofree char *typed = two ? g_strconcat(words->pdata[0], " ", words->pdata[1], NULL)
	                             : g_strdup(words->pdata[0]);
	strip_punct(typed);
	return quote_typed(typed);
}

/* ---- dates ----------------------------------------------------------------- */

static const char *const month_names[][4] = {
	/* English, English short, Welsh, second English short */
	{ "january", "jan", "ionawr", NULL },
	{ "february", "feb", "chwefror", NULL },
	{ "march", "mar", "mawrth", NULL },
	{ "april", "apr", "ebrill", NULL },
	{ "may", "may", "mai", NULL },
	{ "june", "jun", "mehefin", NULL },
	{ "july", "jul", "gorffennaf", NULL },
	{ "august", "aug", "awst", NULL },
	{ "september", "sep", "medi", "sept" },
	{ "october", "oct", "hydref", NULL },
	{ "november", "nov", "tachwedd", NULL },
	{ "december", "dec", "rhagfyr", NULL },
};

/* 1–12 for a month name in @w (any case, trailing punctuation allowed),
 * else 0. */
static int
month_of(const char *w)
{
	g_autofree char *f = g_utf8_strdown(w, -1);
	strip_punct(f);
	for (int m = 0; m < 12; m++)
		for (int i = 0; i < 4; i++)
			if (month_names[m][i] != NULL && strcmp(f, month_names[m][i]) == 0)
				return m + 1;
	return 0;
}

/* Read 1 to @max ASCII digits at *@p; advance. -1 if none or too many. */
static int
read_number(const char **p, int max)
{
	int v = 0, n = 0;
	while (g_ascii_isdigit(**p)) {
		if (++n > max)
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return n == 0 ? -1 : v;
}

/* A day of the month with an optional English or Welsh ordinal ending
 * ("5th", "1af", "2il", "3ydd", "5ed", "6fed"). */
static int
day_of(const char *w)
{
	static const char *const endings[] = { "", "st", "nd", "rd", "th", "af", "il", "ydd", "ed", "fed", NULL };
	const char *p = w;
	int d = read_number(&p, 2);
	if (d < 0)
		return -1;
	g_autofree char *tail = g_ascii_strdown(p, -1);
	strip_punct(tail);
	for (guint i = 0; endings[i] != NULL; i++)
		if (strcmp(tail, endings[i]) == 0)
			return d;
	return -1;
}

typedef enum { DATE_NONE, DATE_OK, DATE_INVALID, DATE_YEAR } DateStatus;

static DateStatus
check_dmy(int d, int m, int y, GDate *out)
{
	if (d < 1 || m < 1 || m > 12 || y < 1 || !g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y))
		return DATE_INVALID;
	/* The clock runs in this century; 2207 or 0207 is a typing slip,
	 * and with #holding! nothing else would catch it. */
	if (y < 2000 || y > 2099)
		return DATE_YEAR;
	g_date_clear(out, 1);
	g_date_set_dmy(out, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
	return DATE_OK;
}

/* A date at the start of @words: YYYY-MM-DD, D/M/YYYY or "5 January
 * 2027". *@nwords_r: how many words it took (or would have: for the
 * message); DATE_NONE when it does not look like any of them. */
static DateStatus
read_date(GPtrArray *words, GDate *out, guint *nwords_r)
{
	*nwords_r = 1;
	g_autofree char *w0 = g_strdup(words->pdata[0]);
	strip_punct(w0);
	const char *p = w0;
	int a = read_number(&p, 4);
	if (a >= 0 && *p == '-' && p - w0 == 4) {
		p++;
		int m = read_number(&p, 2);
		if (m >= 0 && *p == '-') {
			p++;
			int d = read_number(&p, 2);
			if (d >= 0 && *p == '\0')
				return check_dmy(d, m, a, out);
		}
		return DATE_INVALID;
	}
	if (a >= 0 && *p == '/' && p - w0 <= 2) {
		p++;
		int m = read_number(&p, 2);
		if (m >= 0 && *p == '/') {
			p++;
			const char *ys = p;
			int y = read_number(&p, 4);
			if (y >= 0 && *p == '\0' && p - ys == 4)
				return check_dmy(a, m, y, out);
		}
		return DATE_INVALID;
	}
	if (words->len >= 2 && month_of(words->pdata[1]) > 0) {
		*nwords_r = words->len >= 3 ? 3 : 2;
		int d = day_of(words->pdata[0]);
		if (words->len < 3 || d < 0)
			return DATE_INVALID;
		g_autofree char *w2 = g_strdup(words->pdata[2]);
		strip_punct(w2);
		const char *yp = w2;
		int y = read_number(&yp, 4);
		if (y < 0 || *yp != '\0' || yp - w2 != 4)
			return DATE_INVALID;
		return check_dmy(d, month_of(words->pdata[1]), y, out);
	}
	if (g_ascii_isdigit(w0[0]))
		return DATE_INVALID;
	return DATE_NONE;
}

/* ---- one command ------------------------------------------------------------ */

/* The result of parsing one line: a command or an error message. */
typedef struct {
	RdCommand *cmd;
	char *error;
} Parsed;

static void
command_free(RdCommand *c)
{
	if (c == NULL)
		return;
	g_free(c->text);
	g_free(c->arg);
	g_free(c->name);
	g_free(c->rest);
	g_free(c->value);
	g_free(c->date);
	g_free(c);
}

static void
error_free(RdCommandError *e)
{
	if (e == NULL)
		return;
	g_free(e->text);
	g_free(e->message);
	g_free(e);
}

/* Set @x's error (printf-style) and return FALSE. */
static gboolean fail(Parsed *x, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static gboolean
fail(Parsed *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	x->error = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return FALSE;
}

static gboolean
parse_address_cmd(Parsed *x, const char *args, const char *what, const char *example)
{
	RdCommand *c = x->cmd;
	const char *cmd = kind_names[c->kind];
	g_autofree char *typed = NULL;
	if (!read_address(args, &c->arg, &typed, &c->rest))
		return fail(x, "#%s needs %s, e.g. #%s %s", cmd, what, cmd, example);
	if (c->arg == NULL) {
		g_autofree char *q = quote_typed(typed);
		return fail(x, "#%s: '%s' is not an email address — write e.g. #%s %s", cmd, q, cmd,
		            example);
	}
	return TRUE;
}

static gboolean
parse_value_cmd(Parsed *x, const char *args, const Value *values)
{
	RdCommand *c = x->cmd;
	const char *cmd = kind_names[c->kind];
	guint n = 0;
	const char *v = match_value(args, values, &n);
	if (v == NULL) {
		g_autofree char *typed = typed_value(args, values);
		if (*typed == '\0')
			return fail(x, "#%s needs %s", cmd, values_list(c->kind));
		return fail(x, "#%s needs %s (got '%s')", cmd, values_list(c->kind), typed);
	}
	c->arg = g_strdup(v);
	c->rest = rest_after_words(args, n);
	return TRUE;
}

/* The reason after a value, where one is required. */
static gboolean
need_rest(Parsed *x)
{
	static const struct {
		const char *value, *example;
	} examples[] = {
		{ "withdrawn", "the complainant phoned to withdraw it" },
		{ "excluded", "the matter is before a tribunal" },
		{ "refer-back", "the service has not had the chance to answer it" },
		{ "decline", "it raises nothing Stage 1 did not answer" },
	};
	RdCommand *c = x->cmd;
	if (c->rest != NULL)
		return TRUE;
	const char *example = "the reason";
	for (guint i = 0; i < G_N_ELEMENTS(examples); i++)
		if (strcmp(c->arg, examples[i].value) == 0)
			example = examples[i].example;
	return fail(x, "#%s %s needs a reason after it, e.g. #%s %s %s", kind_names[c->kind],
	            c->arg, kind_names[c->kind], c->arg, example);
}

static gboolean
parse_holding(Parsed *x, const char *args)
{
	static const char forms[] = "write 2027-02-26, 26/02/2027 or +5 (working days)";
	RdCommand *c = x->cmd;
	const char *cmd = c->force ? "holding!" : "holding";
	g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func(g_free);
	split_words(args, 4, words);
	if (words->len == 0)
		return fail(x, "#%s needs a date or +N (working days), then the reason, e.g. #%s +5 "
		            "waiting for the contractor's report", cmd, cmd);

	guint used = 1;
	const char *w0 = words->pdata[0];
	if (w0[0] == '+') {
		const char *p = w0 + 1;
		int n = read_number(&p, 4);
		g_autofree char *unit = g_ascii_strdown(p, -1);
		strip_punct(unit);
		if (n < 0 || (*unit != '\0' && strcmp(unit, "wd") != 0)) {
			g_autofree char *q = quote_typed(w0);
			return fail(x, "#%s %s: not a date — %s", cmd, q, forms);
		}
		if (n < 1 || n > PLUS_DAYS_MAX) {
			g_autofree char *q = quote_typed(w0);
			return fail(x, "#%s %s: give from +1 to +%d working days", cmd, q, PLUS_DAYS_MAX);
		}
		/* "+5 working days" is what was meant; "+5 days" might be
		 * calendar days, so it is refused rather than guessed. */
		if (words->len > 1) {
			g_autofree char *u1 = g_utf8_strdown(words->pdata[1], -1);
			strip_punct(u1);
			g_autofree char *u2 = words->len > 2 ? g_utf8_strdown(words->pdata[2], -1) : g_strdup("");
			strip_punct(u2);
			if (strcmp(u1, "wd") == 0) {
				used = 2;
			} else if (strcmp(u1, "working") == 0 &&
			           (strcmp(u2, "days") == 0 || strcmp(u2, "day") == 0)) {
				used = 3;
			} else if (strcmp(u1, "days") == 0 || strcmp(u1, "day") == 0 ||
			           strcmp(u1, "weeks") == 0 || strcmp(u1, "week") == 0 ||
			           strcmp(u1, "calendar") == 0) {
				g_autofree char *q = quote_typed(u1);
				return fail(x, "#%s +%d %s: +N counts working days — write #%s +%d or "
				            "#%s +%d working days", cmd, n, q, cmd, n, cmd, n);
			}
		}
		c->plus_days = n;
	} else {
		GDate d;
		DateStatus st = read_date(words, &d, &used);
		if (st != DATE_OK) {
			GString *typed = g_string_new(NULL);
			for (guint i = 0; i < used && i < words->len; i++)
				g_string_append_printf(typed, "%s%s", i ? " " : "", (char *)words->pdata[i]);
			g_autofree char *t = g_string_free(typed, FALSE);
			strip_punct(t);
			g_autofree char *q = quote_typed(t);
			if (st == DATE_YEAR)
				return fail(x, "#%s %s: the year must be 2000 to 2099 — %s", cmd, q, forms);
			return fail(x, "#%s %s: not a date — %s", cmd, q, forms);
		}
		c->arg = rd_date_format_iso(&d);
	}
	c->rest = rest_after_words(args, used);
	if (c->rest == NULL) {
		const char *when = c->arg != NULL ? c->arg : "";
		g_autofree char *plus = c->arg == NULL ? g_strdup_printf("+%d", c->plus_days) : NULL;
		return fail(x, "#%s %s needs a reason after the date, e.g. #%s %s waiting for the "
		            "contractor's report", cmd, plus != NULL ? plus : when, cmd,
		            plus != NULL ? plus : when);
	}
	return TRUE;
}

static gboolean
prefix_is_letters(const char *prefix)
{
	if (prefix == NULL || *prefix == '\0')
		return FALSE;
	for (const char *p = prefix; *p != '\0'; p++)
		if (!g_ascii_isalpha(*p))
			return FALSE;
	return TRUE;
}

/* Separators people put inside a reference they type: "cmp 2026 123",
 * "CMP/2026/123", "CMP–2026–123". Length of one at @p, or 0. */
static gsize
ref_sep(const char *p)
{
	if (*p == ' ' || *p == '-' || *p == '/' || *p == '.' || *p == '_' || *p == '\t')
		return 1;
	if ((guchar)p[0] == 0xe2 && (guchar)p[1] == 0x80 && ((guchar)p[2] == 0x93 || (guchar)p[2] == 0x94))
		return 3;
	if ((guchar)p[0] == 0xc2 && (guchar)p[1] == 0xa0)
		return 2;
	return 0;
}

static const char *
skip_ref_seps(const char *p)
{
	for (int i = 0; i < 3; i++) {
		gsize n = ref_sep(p);
		if (n == 0)
			break;
		p += n;
	}
	return p;
}

/* A reference for @prefix at the start of @s, in its canonical form, and
 * where it ends; NULL if there is none. */
static char *
read_reference(const char *prefix, const char *s, const char **end_r)
{
	if (!prefix_is_letters(prefix))
		return NULL;
	gsize plen = strlen(prefix);
	if (g_ascii_strncasecmp(s, prefix, plen) != 0)
		return NULL;
	const char *p = skip_ref_seps(s + plen);
	/* Exactly four digits of year, so "CMP2026000123" reads too. */
	int year = 0;
	for (int i = 0; i < 4; i++, p++) {
		if (!g_ascii_isdigit(*p))
			return NULL;
		year = year * 10 + (*p - '0');
	}
	p = skip_ref_seps(p);
	int seq = read_number(&p, 6);
	if (seq <= 0)
		return NULL;
	if (*p != '\0' && g_unichar_isalnum(g_utf8_get_char(p)))
		return NULL;
	*end_r = p;
	return rd_reference_format(prefix, year, seq);
}

static gboolean
parse_link(Parsed *x, const char *args, const char *prefix)
{
	RdCommand *c = x->cmd;
	const char *end = args + strlen(args);
	const char *p = skip_blanks(args, end);
	if (p >= end) {
		g_autofree char *ex = prefix_is_letters(prefix) ? rd_reference_format(prefix, 2026, 123)
		                                                 : g_strdup("CMP-2026-000123");
		return fail(x, "#link needs the reference of the other case, e.g. #link %s", ex);
	}
	const char *ref_end = NULL;
	c->arg = read_reference(prefix, p, &ref_end);
	if (c->arg != NULL) {
		/* Trailing punctuation after the reference is not text. */
		while (*ref_end != '\0' && is_trailing_punct(g_utf8_get_char(ref_end)))
			ref_end = g_utf8_next_char(ref_end);
		const char *after = skip_blanks(ref_end, end);
		c->rest = after < end ? strip_dup(after, end) : NULL;
		return TRUE;
	}
	const char *w = word_end(p, end);
	c->arg = g_strndup(p, (gsize)(w - p));
	strip_punct(c->arg);
	/* "'CMP-2026-000123'" is a reference in quotes. */
	const char *quoted_end = NULL;
	char *canon = read_reference(prefix, c->arg, &quoted_end);
	if (canon != NULL && *quoted_end == '\0') {
		g_free(c->arg);
		c->arg = canon;
	} else {
		g_free(canon);
	}
	if (*c->arg == '\0') {
		g_autofree char *q = quote_typed(p);
		return fail(x, "#link: '%s' is not a case reference", q);
	}
	c->rest = rest_after_words(p, 1);
	return TRUE;
}

/* "#new Jane Smith <jane@example.com>", "#new Jane Smith jane@example.com",
 * "#new Jane Smith". */
static gboolean
parse_new(Parsed *x, const char *args)
{
	static const char usage[] = "#new needs the complainant's name, and their email address "
	                            "if they have one, e.g. #new Jane Smith <jane@example.com>";
	RdCommand *c = x->cmd;
	const char *end = args + strlen(args);
	const char *p = skip_blanks(args, end);
	g_autofree char *name = NULL;
	g_autofree char *typed = NULL;
	gboolean has_address = FALSE;

	const char *lt = strchr(p, '<');
	const char *gt = lt != NULL ? strchr(lt, '>') : NULL;
	if (lt != NULL && gt != NULL) {
		g_autofree char *inside = g_strndup(lt + 1, (gsize)(gt - lt - 1));
		has_address = TRUE;
		c->arg = normalise_address(inside);
		name = strip_dup(p, lt);
		/* Outlook: "Jane Smith jane@example.com<mailto:…>". */
		char *nend = name + strlen(name);
		char *last = nend;
		while (last > name && !is_blank(g_utf8_get_char(g_utf8_prev_char(last))))
			last = g_utf8_prev_char(last);
		if (last < nend && strchr(last, '@') != NULL) {
			g_autofree char *shown = normalise_address(last);
			if (shown == NULL || g_strcmp0(shown, c->arg) != 0)
				g_clear_pointer(&c->arg, g_free);
			*last = '\0';
		}
		if (c->arg == NULL)
			typed = strip_dup(lt, gt + 1);
		const char *after = skip_blanks(gt + 1, end);
		c->rest = after < end ? strip_dup(after, end) : NULL;
	} else {
		/* The last word is the address if it has an '@'. */
		const char *e = end;
		while (e > p && is_blank(g_utf8_get_char(g_utf8_prev_char(e))))
			e = g_utf8_prev_char(e);
		const char *w = e;
		while (w > p && !is_blank(g_utf8_get_char(g_utf8_prev_char(w))))
			w = g_utf8_prev_char(w);
		g_autofree char *last = g_strndup(w, (gsize)(e - w));
		if (strchr(last, '@') != NULL) {
			has_address = TRUE;
			c->arg = normalise_address(last);
			if (c->arg == NULL)
				typed = g_strdup(last);
			name = strip_dup(p, w);
		} else {
			name = strip_dup(p, end);
		}
	}
	if (has_address && c->arg == NULL) {
		g_autofree char *q = quote_typed(typed);
		return fail(x, "#new: '%s' is not an email address — write e.g. #new Jane Smith "
		            "<jane@example.com>, or the name alone", q);
	}
	/* The name as letters will use it: blanks collapsed, the quotes of
	 * "\"Jane Smith\" <…>" and trailing punctuation taken off. */
	g_autoptr(GString) n = g_string_new(NULL);
	gboolean space = FALSE;
	const char *nend = name + strlen(name);
	for (const char *q = name; q < nend; q = g_utf8_next_char(q)) {
		gunichar ch = g_utf8_get_char(q);
		if (is_blank(ch) || g_unichar_iscntrl(ch)) {
			space = n->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(n, ' ');
		space = FALSE;
		g_string_append_unichar(n, ch);
	}
	c->name = g_string_free(g_steal_pointer(&n), FALSE);
	tidy(c->name);
	if (*c->name == '\0' || strchr(c->name, '@') != NULL || strchr(c->name, '<') != NULL ||
	    strchr(c->name, '>') != NULL)
		return fail(x, "%s", usage);
	return TRUE;
}

/* "#service Children's services." → "Children's services". */
static gboolean
parse_service(Parsed *x, const char *args)
{
	RdCommand *c = x->cmd;
	g_autoptr(GString) n = g_string_new(NULL);
	gboolean space = FALSE;
	for (const char *q = args; *q != '\0'; q = g_utf8_next_char(q)) {
		gunichar ch = g_utf8_get_char(q);
		if (is_blank(ch) || g_unichar_iscntrl(ch)) {
			space = n->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(n, ' ');
		space = FALSE;
		g_string_append_unichar(n, ch);
	}
	c->arg = g_string_free(g_steal_pointer(&n), FALSE);
	tidy(c->arg);
	if (*c->arg == '\0')
		return fail(x, "#service needs the name of the service, e.g. #service Housing");
	return TRUE;
}

/* "#ombudsman referred [DATE]", "#ombudsman decided not upheld [DATE]":
 * what the council has learned of an Ombudsman's involvement. */
static gboolean
parse_ombudsman(Parsed *x, const char *args)
{
	static const char usage[] = "#ombudsman referred, or #ombudsman decided upheld|partly-upheld|not-upheld|"
	                            "not-investigated|settled|discontinued, then the date if not today";
	RdCommand *c = x->cmd;
	guint n = 0;
	const char *what = match_value(args, ombudsman_values, &n);
	if (what == NULL)
		return fail(x, "%s", usage);
	c->arg = g_strdup(what);
	g_autofree char *rest = rest_after_words(args, n);
	if (strcmp(what, "decided") == 0) {
		guint m = 0;
		const char *finding = rest != NULL ? match_value(rest, finding_values, &m) : NULL;
		if (finding == NULL)
			return fail(x, "#ombudsman decided needs the finding: one of upheld, partly-upheld, not-upheld, "
			            "not-investigated, settled, discontinued");
		c->value = g_strdup(finding);
		char *more = rest_after_words(rest, m);
		g_free(rest);
		rest = more;
	}
	if (rest != NULL) {
		g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func(g_free);
		split_words(rest, 3, words);
		GDate d;
		guint used = 1;
		if (words->len == 0 || read_date(words, &d, &used) != DATE_OK) {
			g_autofree char *q = quote_typed(rest);
			return fail(x, "#ombudsman %s: '%s' is not a date — write 2027-02-26 or 26/02/2027, or leave it out "
			            "for today", what, q);
		}
		g_autofree char *after = rest_after_words(rest, used);
		if (after != NULL) {
			g_autofree char *q = quote_typed(after);
			return fail(x, "#ombudsman %s: unexpected '%s' after the date", what, q);
		}
		c->date = rd_date_format_iso(&d);
	}
	return TRUE;
}

/* A date at the start of @args (YYYY-MM-DD, 26/02/2027, 26 February
 * 2027) into c->arg or c->date (@into_date), and what follows into
 * c->rest; FALSE with the error, naming @usage. */
static gboolean
leading_date(Parsed *x, const char *args, gboolean into_date, const char *usage)
{
	RdCommand *c = x->cmd;
	const char *cmd = kind_names[c->kind];
	g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func(g_free);
	split_words(args, 3, words);
	if (words->len == 0)
		return fail(x, "#%s needs %s", cmd, usage);
	GDate d;
	guint used = 1;
	DateStatus st = read_date(words, &d, &used);
	if (st != DATE_OK) {
		g_autofree char *q = quote_typed(words->pdata[0]);
		return fail(x, "#%s: '%s' is not a date — write 2027-02-26 or 26/02/2027: %s", cmd, q, usage);
	}
	char *iso = rd_date_format_iso(&d);
	if (into_date)
		c->date = iso;
	else
		c->arg = iso;
	c->rest = rest_after_words(args, used);
	return TRUE;
}

/* "#action jo@council.example 2027-03-31 Update the bin round lists". */
static gboolean
parse_action(Parsed *x, const char *args)
{
	static const char usage[] = "the owner's address, the target date and what will change, e.g. "
	                            "#action jo.bloggs@council.example 2027-03-31 crews get the new round lists";
	RdCommand *c = x->cmd;
	g_autofree char *typed = NULL, *rest = NULL;
	if (!read_address(args, &c->arg, &typed, &rest))
		return fail(x, "#action needs %s", usage);
	if (c->arg == NULL) {
		g_autofree char *q = quote_typed(typed);
		return fail(x, "#action: '%s' is not an email address — #action needs %s", q, usage);
	}
	if (rest == NULL || !leading_date(x, rest, TRUE, usage))
		return x->error != NULL ? FALSE : fail(x, "#action needs %s", usage);
	if (c->rest == NULL)
		return fail(x, "#action needs %s", usage);
	return TRUE;
}

/* Parse the arguments of @x->cmd (kind, force set) from @args. */
static gboolean
parse_args(Parsed *x, const char *args, const char *prefix)
{
	RdCommand *c = x->cmd;
	switch (c->kind) {
	case RD_CMD_ASSIGN:
		return parse_address_cmd(x, args, "the email address of the member of staff who will "
		                         "handle the case", "jo.bloggs@council.example");
	case RD_CMD_NOTIFY_DEPT:
		return parse_address_cmd(x, args, "the email address of the department",
		                         "housing@council.example");
	case RD_CMD_SERVICE:
		return parse_service(x, args);
	case RD_CMD_OUTCOME:
		return parse_value_cmd(x, args, outcome_values);
	case RD_CMD_FINAL:
		c->rest = rest_after_words(args, 0);
		return TRUE;
	case RD_CMD_CLOSE:
		return parse_value_cmd(x, args, close_values) && need_rest(x);
	case RD_CMD_HOLDING:
		return parse_holding(x, args);
	case RD_CMD_STAGE2:
		if (!parse_value_cmd(x, args, stage2_values))
			return FALSE;
		return strcmp(c->arg, "investigate") == 0 || need_rest(x);
	case RD_CMD_LINK:
		return parse_link(x, args, prefix);
	case RD_CMD_LANGUAGE:
		return parse_value_cmd(x, args, language_values);
	case RD_CMD_CAUSE:
		c->rest = rest_after_words(args, 0);
		if (c->rest == NULL)
			return fail(x, "#cause needs the underlying cause, e.g. #cause collection "
			            "missed because the round was not updated");
		return TRUE;
	case RD_CMD_NOTE:
		c->rest = rest_after_words(args, 0);
		return TRUE;
	case RD_CMD_NEW:
		return parse_new(x, args);
	case RD_CMD_CHANNEL:
		return parse_value_cmd(x, args, channel_values);
	case RD_CMD_REMEDY:
		c->rest = rest_after_words(args, 0);
		if (c->rest == NULL)
			return fail(x, "#remedy needs what was given, e.g. #remedy apology and £50 for time and trouble");
		return TRUE;
	case RD_CMD_OMBUDSMAN:
		return parse_ombudsman(x, args);
	case RD_CMD_NOCONTACT:
		c->rest = rest_after_words(args, 0);
		return TRUE;
	case RD_CMD_ACTION:
		return parse_action(x, args);
	case RD_CMD_DONE:
		c->rest = rest_after_words(args, 0);
		if (c->rest == NULL)
			return fail(x, "#done needs what shows it was done, e.g. #done new lists issued 3 March, copy on "
			            "the intranet");
		return TRUE;
	case RD_CMD_VERIFIED:
		c->rest = rest_after_words(args, 0);
		return TRUE;
	case RD_CMD_EXTEND:
		if (!leading_date(x, args, FALSE, "the new target date and the reason, e.g. #extend 2027-04-30 "
		                  "the contractor starts in April"))
			return FALSE;
		if (c->rest == NULL)
			return fail(x, "#extend %s needs a reason after the date, e.g. #extend %s the contractor starts "
			            "in April", c->arg, c->arg);
		return TRUE;
	}
	return fail(x, "internal error: command kind %d", (int)c->kind);
}

/* Parse one command-looking line into @x. */
static void
parse_line(const Line *l, const Head *h, const char *prefix, Parsed *x)
{
	RdCommandKind kind;
	g_autofree char *text = strip_dup(l->start, l->end);
	g_autofree char *low = g_utf8_strdown(h->name, -1);

	x->cmd = NULL;
	x->error = NULL;
	if (!rd_command_kind_from_string(low, &kind)) {
		g_autofree char *q = quote_typed(h->name);
		g_autofree char *s = suggestion(low, h->bang);
		x->error = g_strdup_printf("unknown command #%s%s — %s", q, h->bang ? "!" : "", s);
		return;
	}
	if (h->spaced) {
		x->error = g_strdup_printf("write #%s with no space after the #", kind_names[kind]);
		return;
	}
	RdCommand *c = g_new0(RdCommand, 1);
	c->kind = kind;
	c->line = l->no;
	c->force = kind == RD_CMD_HOLDING && h->bang;
	x->cmd = c;
	g_autofree char *args = g_strndup(h->args, (gsize)(l->end - h->args));
	if (!parse_args(x, args, prefix)) {
		g_clear_pointer(&x->cmd, command_free);
		return;
	}
	c->text = g_steal_pointer(&text);
}

/* ---- the block ---------------------------------------------------------------- */

static void
add_error(RdCommandBlock *b, const Line *l, char *message)
{
	RdCommandError *e = g_new0(RdCommandError, 1);
	e->line = l->no;
	e->text = strip_dup(l->start, l->end);
	e->message = message;
	g_ptr_array_add(b->errors, e);
}

/* Why @c may not join the commands already accepted, whose first of
 * each kind is in @first (indexed by kind), or NULL. */
static char *
clash(const RdCommand *const *first, const RdCommand *c)
{
	const char *name = kind_names[c->kind];
	if (!kind_repeats(c->kind) && first[c->kind] != NULL)
		return g_strdup_printf("#%s given twice (first on line %u): give it once", name,
		                       first[c->kind]->line);
	for (guint i = 0; i < G_N_ELEMENTS(conflicts); i++) {
		RdCommandKind other;
		if (conflicts[i].a == c->kind)
			other = conflicts[i].b;
		else if (conflicts[i].b == c->kind)
			other = conflicts[i].a;
		else
			continue;
		const RdCommand *o = first[other];
		if (o != NULL)
			return g_strdup_printf("#%s cannot go with #%s (line %u) in one message: %s",
			                       name, kind_names[other], o->line, conflicts[i].why);
	}
	return NULL;
}

RdCommandBlock *
rd_commands_parse(const char *text, const char *ref_prefix)
{
	RdCommandBlock *b = g_new0(RdCommandBlock, 1);
	b->commands = g_ptr_array_new_with_free_func((GDestroyNotify)command_free);
	b->errors = g_ptr_array_new_with_free_func((GDestroyNotify)error_free);

	if (text == NULL)
		text = "";
	g_autofree char *valid = g_utf8_validate(text, -1, NULL) ? g_strdup(text)
	                                                          : g_utf8_make_valid(text, -1);
	g_autoptr(GArray) lines = split_lines(valid);
	const RdCommand *first[N_KINDS] = { NULL };

	guint i;
	for (i = 0; i < lines->len; i++) {
		const Line *l = &g_array_index(lines, Line, i);
		if (skip_blanks(l->start, l->end) >= l->end)
			continue;
		Head h;
		if (!read_head(l, &h))
			break;
		Parsed x;
		parse_line(l, &h, ref_prefix, &x);
		g_free(h.name);
		if (x.cmd != NULL) {
			char *why = clash(first, x.cmd);
			if (why != NULL) {
				add_error(b, l, why);
				command_free(x.cmd);
			} else {
				if (first[x.cmd->kind] == NULL)
					first[x.cmd->kind] = x.cmd;
				g_ptr_array_add(b->commands, x.cmd);
			}
		} else {
			add_error(b, l, x.error);
		}
	}
	if (i < lines->len) {
		const Line *l = &g_array_index(lines, Line, i);
		b->body = strip_dup(l->start, valid + strlen(valid));
	} else {
		b->body = g_strdup("");
	}
	return b;
}

void
rd_command_block_free(RdCommandBlock *b)
{
	if (b == NULL)
		return;
	g_ptr_array_unref(b->commands);
	g_ptr_array_unref(b->errors);
	g_free(b->body);
	g_free(b);
}
