/*
 * quotes.c — what did the author write now?
 *
 * A reply carries the whole history below (or around) the new words. The
 * case file shows the full text, but the procedure reads commands and case
 * references from the new text first, and letters quote only what the
 * complainant actually added. rd_text_strip_quotes() walks the lines once:
 *
 *  - "> " lines are dropped, but unquoted lines between them are kept, so
 *    answers written between quoted questions survive;
 *  - an attribution line ("On … wrote:", "Le … a écrit :", "Am … schrieb:",
 *    possibly wrapped over two lines) is dropped when ">" quoting follows,
 *    and cuts everything below when the history follows unquoted;
 *  - separators that start unquoted history cut everything below: Outlook's
 *    "-----Original Message-----" and "From: … Sent: …" header block
 *    (also after a "____" rule), forwarded-message banners;
 *  - signatures cut everything below: "-- " and the mobile client lines
 *    ("Sent from my iPhone", "Get Outlook for iOS", …).
 *
 * The marker tables below are the place to add clients and languages.
 * Regexes are compiled once and shared; GRegex matching is thread-safe.
 *
 * Cost: the text is cut into lines by a pointer walk (no copies), and a
 * line meets a regex only when it passes a cheap test the regex implies:
 * an attribution ends with ":" and opens with one of attribution_openers,
 * a cut line opens with "-" or "b". Most lines are looked at for a few
 * bytes only, and the walk ends at the first marker, which is where the
 * new text ends.
 */
#include <string.h>

#include "parsers.h"

/* Lines that open unquoted history; matched case-insensitively against the
 * whole trimmed line. */
static const char *const cut_patterns[] = {
	"^-{2,}\\s*(original message|urspr(ü|ue)ngliche nachricht|message d'origine"
	"|mensaje original|oorspronkelijk bericht|messaggio originale"
	"|mensagem original|neges wreiddiol)\\s*-{2,}$",
	"^-{3,}\\s*forwarded message\\s*-{3,}$",
	"^-{3,}\\s*(weitergeleitete nachricht|message transf(é|e)r(é|e)|mensaje reenviado)\\s*-{3,}$",
	"^begin forwarded message:?$",
	"^-{5,}\\s*forwarded by .*$",
	NULL,
};

/* Attribution lines ("someone wrote:"), matched against one line or two
 * joined lines. */
static const char *const attribution_patterns[] = {
	"^on\\b.{0,300}\\bwrote:$",
	"^on\\b.{0,300}\\bwrites:$",
	"^le\\b.{0,300}\\ba (é|e)crit\\s?:$",
	"^am\\b.{0,300}\\bschrieb\\b.{0,300}:$",
	"^el\\b.{0,300}\\bescribi(ó|o)\\s?:$",
	"^op\\b.{0,300}\\bschreef\\b.{0,300}:$",
	"^il\\b.{0,300}\\bha scritto\\s?:$",
	"^em\\b.{0,300}\\bescreveu\\s?:$",
	"^w dniu\\b.{0,300}\\bpisze\\s?:$",
	"^den\\b.{0,300}\\bskrev\\b.{0,300}:$",
	"^ar\\b.{0,300}\\bysgrifennodd\\b.{0,300}:$",
	NULL,
};
/* The word each attribution pattern opens with, for the prefilter: keep
 * in step with attribution_patterns. */
static const char *const attribution_openers[] = {
	"on", "le", "am", "el", "op", "il", "em", "w dniu", "den", "ar", NULL,
};
/* First characters of cut_patterns (matched case-insensitively). */
#define CUT_FIRST_CHARS "-bB"

/* Mobile and webmail signature lines: the line must start with one of
 * these (case-insensitively) and be short. */
static const char *const mobile_signatures[] = {
	"sent from my ", "sent from mail for windows", "sent from yahoo mail",
	"sent from outlook", "sent from samsung", "sent from the ",
	"sent via ", "sent with sparrow", "get outlook for ",
	"sent from proton", "von meinem iphone gesendet",
	"envoyé de mon ", "enviado desde mi ", "verstuurd vanaf mijn ",
	"anfonwyd o'm ", NULL,
};

/* Header names of a quoted Outlook header block, per language:
 * {from, sent}. */
static const char *const outlook_from[] = {
	"from", "von", "de", "van", "da", "od", "oddi wrth", NULL,
};
static const char *const outlook_sent[] = {
	"sent", "date", "gesendet", "datum", "envoyé", "enviado", "fecha",
	"verzonden", "inviato", "data", "wysłano", "anfonwyd", NULL,
};

#define SIG_LINE_MAX 80
/* How many lines below "From:" the rest of an Outlook block may lie. */
#define OUTLOOK_SPAN 6
/* Longest attribution (one line or two joined), bytes. */
#define ATTRIBUTION_MAX 400

typedef struct {
	GRegex **cut;
	GRegex **attribution;
} Patterns;

/* One line of the text: not NUL-terminated; without its "\n" and one
 * trailing "\r". */
typedef struct {
	const char *s;
	gsize len;
} Line;

static GRegex **
compile_all(const char *const *src)
{
	guint n = g_strv_length((char **)src);
	GRegex **out = g_new0(GRegex *, n + 1);
	for (guint i = 0; i < n; i++) {
		GError *err = NULL;
		out[i] = g_regex_new(src[i], G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, &err);
		/* The patterns are constants: failing to compile is a bug. */
		g_assert_no_error(err);
	}
	return out;
}

static const Patterns *
patterns(void)
{
	static Patterns p;
	static gsize done;
	if (g_once_init_enter(&done)) {
		p.cut = compile_all(cut_patterns);
		p.attribution = compile_all(attribution_patterns);
		g_once_init_leave(&done, 1);
	}
	return &p;
}

static gboolean
match_any(GRegex **res, const char *s, gsize len)
{
	for (guint i = 0; res[i] != NULL; i++)
		if (g_regex_match_full(res[i], s, (gssize) len, 0, 0, NULL, NULL))
			return TRUE;
	return FALSE;
}

/* @text cut at "\n"; the piece after a final "\n" is an (empty) line too.
 * Returns the number of lines; *lines_r is newly allocated. */
static gsize
split_lines(const char *text, Line **lines_r)
{
	gsize len = strlen(text);
	const char *end = text + len;
	gsize n = 1;
	for (const char *p = text; (p = memchr(p, '\n', end - p)) != NULL; p++)
		n++;
	Line *lines = g_new(Line, n);
	const char *p = text;
	for (gsize i = 0; i < n; i++) {
		const char *nl = memchr(p, '\n', end - p);
		const char *e = nl != NULL ? nl : end;
		lines[i].s = p;
		lines[i].len = (gsize) (e - p);
		if (lines[i].len > 0 && e[-1] == '\r')
			lines[i].len--;
		p = e + 1;
	}
	*lines_r = lines;
	return n;
}

/* @l without surrounding white space. */
static Line
trimmed(Line l)
{
	while (l.len > 0 && g_ascii_isspace(l.s[0])) {
		l.s++;
		l.len--;
	}
	while (l.len > 0 && g_ascii_isspace(l.s[l.len - 1]))
		l.len--;
	return l;
}

static gboolean
is_quoted(Line l)
{
	gsize i = 0;
	while (i < l.len && (l.s[i] == ' ' || l.s[i] == '\t'))
		i++;
	return i < l.len && l.s[i] == '>';
}

static gboolean
is_blank(Line l)
{
	for (gsize i = 0; i < l.len; i++)
		if (!g_ascii_isspace(l.s[i]))
			return FALSE;
	return TRUE;
}

static gboolean
has_prefix_nocase(const char *s, gsize len, const char *prefix)
{
	gsize n = strlen(prefix);
	return len >= n && g_ascii_strncasecmp(s, prefix, n) == 0;
}

/* Does @t (trimmed) start with one of @names followed by ":" (with
 * optional spaces before the colon, French style, and Markdown-ish
 * asterisks from HTML conversion)? */
static gboolean
starts_field(Line t, const char *const *names)
{
	const char *p = t.s;
	const char *end = t.s + t.len;
	while (p < end && *p == '*')
		p++;
	for (guint i = 0; names[i] != NULL; i++) {
		if (!has_prefix_nocase(p, (gsize) (end - p), names[i]))
			continue;
		const char *q = p + strlen(names[i]);
		while (q < end && (*q == ' ' || *q == '*' || *q == '\xc2' || *q == '\xa0'))
			q++;
		if (q < end && *q == ':')
			return TRUE;
	}
	return FALSE;
}

/* Outlook header block: "From:" with "Sent:"/"Date:" within a few lines. */
static gboolean
is_outlook_block(const Line *lines, gsize n, gsize i)
{
	if (!starts_field(trimmed(lines[i]), outlook_from))
		return FALSE;
	for (gsize j = i + 1; j <= i + OUTLOOK_SPAN && j < n; j++)
		if (starts_field(trimmed(lines[j]), outlook_sent))
			return TRUE;
	return FALSE;
}

/* A rule of underscores (Outlook's separator) followed by a From: block. */
static gboolean
is_underscore_rule(const Line *lines, gsize n, gsize i)
{
	Line t = trimmed(lines[i]);
	if (t.len < 10 || t.s[0] != '_')
		return FALSE;
	for (gsize k = 0; k < t.len; k++)
		if (t.s[k] != '_')
			return FALSE;
	for (gsize j = i + 1; j <= i + 3 && j < n; j++)
		if (starts_field(trimmed(lines[j]), outlook_from))
			return TRUE;
	return FALSE;
}

static gboolean
is_signature(Line line)
{
	if ((line.len == 3 && memcmp(line.s, "-- ", 3) == 0) ||
	    (line.len == 2 && memcmp(line.s, "--", 2) == 0))
		return TRUE;
	Line t = trimmed(line);
	if (t.len == 0 || t.len > SIG_LINE_MAX)
		return FALSE;
	/* Every entry starts with an ASCII letter, and no other character
	 * lower-cases to one of those letters. */
	gboolean maybe = FALSE;
	gboolean ascii = TRUE;
	for (guint i = 0; mobile_signatures[i] != NULL; i++)
		if (g_ascii_tolower(t.s[0]) == mobile_signatures[i][0])
			maybe = TRUE;
	if (!maybe)
		return FALSE;
	for (guint i = 0; mobile_signatures[i] != NULL; i++)
		if (has_prefix_nocase(t.s, t.len, mobile_signatures[i]))
			return TRUE;
	for (gsize k = 0; k < t.len && ascii; k++)
		ascii = (guchar) t.s[k] < 0x80;
	if (ascii)
		return FALSE;  /* the comparison above was already exact */
	/* Non-ASCII entries: compare lower-cased UTF-8. */
	g_autofree char *lc = g_utf8_strdown(t.s, (gssize) t.len);
	for (guint i = 0; mobile_signatures[i] != NULL; i++)
		if (g_str_has_prefix(lc, mobile_signatures[i]))
			return TRUE;
	return FALSE;
}

/* Could @s be an attribution? Every pattern opens with a word of
 * attribution_openers and ends with ":". */
static gboolean
maybe_attribution(const char *s, gsize len)
{
	if (len == 0 || s[len - 1] != ':')
		return FALSE;
	for (guint i = 0; attribution_openers[i] != NULL; i++) {
		gsize n = strlen(attribution_openers[i]);
		/* "\b" after the word: an ASCII word character rules it out */
		if (has_prefix_nocase(s, len, attribution_openers[i]) &&
		    (n == len || !(g_ascii_isalnum(s[n]) || s[n] == '_')))
			return TRUE;
	}
	return FALSE;
}

/* Is line @i an attribution? Sets *span_r to 1 or 2 (lines used). */
static gboolean
is_attribution(const Patterns *p, const Line *lines, gsize n, gsize i, guint *span_r)
{
	Line t = trimmed(lines[i]);
	if (t.len == 0 || t.len > ATTRIBUTION_MAX)
		return FALSE;
	if (maybe_attribution(t.s, t.len) && match_any(p->attribution, t.s, t.len)) {
		*span_r = 1;
		return TRUE;
	}
	if (i + 1 >= n || is_blank(lines[i + 1]))
		return FALSE;
	Line u = trimmed(lines[i + 1]);
	gsize both_len = t.len + 1 + u.len;
	if (both_len > ATTRIBUTION_MAX || u.s[u.len - 1] != ':')
		return FALSE;
	char both[ATTRIBUTION_MAX + 1];
	memcpy(both, t.s, t.len);
	both[t.len] = ' ';
	memcpy(both + t.len + 1, u.s, u.len);
	both[both_len] = '\0';
	if (maybe_attribution(both, both_len) && match_any(p->attribution, both, both_len)) {
		*span_r = 2;
		return TRUE;
	}
	return FALSE;
}

/* Is the next non-blank line at or after @i quoted with ">"? */
static gboolean
quote_follows(const Line *lines, gsize n, gsize i)
{
	for (; i < n; i++) {
		if (is_blank(lines[i]))
			continue;
		return is_quoted(lines[i]);
	}
	return FALSE;
}

/* "Name <addr> wrote:" with no leading "On": only an attribution when
 * ">" quoting follows, since the phrase is common in prose. */
static gboolean
is_bare_wrote(Line line)
{
	Line t = trimmed(line);
	return t.len < 200 && t.len > 6 &&
	       g_ascii_strncasecmp(t.s + t.len - 6, "wrote:", 6) == 0;
}

/* Opens unquoted history: a cut_patterns line. */
static gboolean
is_cut(const Patterns *p, Line line)
{
	Line t = trimmed(line);
	return t.len > 0 && strchr(CUT_FIRST_CHARS, t.s[0]) != NULL &&
	       match_any(p->cut, t.s, t.len);
}

char *
rd_text_strip_quotes(const char *text)
{
	if (text == NULL)
		return g_strdup("");
	const Patterns *p = patterns();
	g_autofree Line *lines = NULL;
	gsize n = split_lines(text, &lines);

	GString *out = g_string_sized_new(MIN(strlen(text), 64 * 1024) + 1);
	for (gsize i = 0; i < n; i++) {
		Line line = lines[i];
		if (is_quoted(line))
			continue;

		guint span = 0;
		gboolean attribution = is_attribution(p, lines, n, i, &span);
		if (!attribution && is_bare_wrote(line) && quote_follows(lines, n, i + 1)) {
			attribution = TRUE;
			span = 1;
		}
		if (attribution) {
			if (quote_follows(lines, n, i + span)) {
				i += span - 1;
				continue;
			}
			break;
		}
		if (is_cut(p, line) || is_outlook_block(lines, n, i) ||
		    is_underscore_rule(lines, n, i) || is_signature(line))
			break;
		g_string_append_len(out, line.s, (gssize) line.len);
		g_string_append_c(out, '\n');
	}

	/* Trailing white space and leading blank lines go; the first line's
	 * indentation stays. */
	g_strchomp(out->str);
	out->len = strlen(out->str);
	gsize start = 0;
	for (gsize k = 0; k < out->len; k++) {
		if (out->str[k] == '\n')
			start = k + 1;
		else if (!g_ascii_isspace(out->str[k]))
			break;
	}
	g_string_erase(out, 0, start);
	return g_string_free(out, FALSE);
}
