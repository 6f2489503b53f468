/*
 * quotes.c — what did the author write now?
 *
 * A reply carries the whole history below (or around) the new words. The
 * case file shows the full text, but the procedure reads commands and case
 * references from the new text first, and letters quote only what the
 * complainant actually added. The file has two halves:
 *
 * The line classifier, _rd_line_kind(), with the marker tables. It says
 * what one line of a text is:
 *
 *  - a "> " quoted line;
 *  - an attribution line ("On … wrote:", "Le … a écrit :", "Am …
 *    schrieb:", "Ar … ysgrifennodd:", possibly wrapped over two lines);
 *  - a separator that opens unquoted history: Outlook's
 *    "-----Original Message-----" (and its translations), the "From: …
 *    Sent: …" header block (also in Welsh, "Oddi wrth: … Anfonwyd: …"),
 *    the "____" rule above such a block, forwarded-message banners;
 *  - a "-- " signature delimiter or a mobile client's footer ("Sent from
 *    my iPhone", "Get Outlook for iOS", …).
 *
 * The walker, _rd_quotes_walk(), which reads the lines once and keeps
 * what the author wrote: quoted lines are dropped but unquoted lines
 * between them are kept (answers written between quoted questions
 * survive); an attribution is dropped when ">" quoting follows and cuts
 * everything below when the history follows unquoted; separators cut
 * everything below. What a signature does depends on the caller:
 * rd_text_strip_quotes() cuts there (the case file's new text is for
 * reading commands and references), rd_relay_text() in relay.c keeps a
 * "-- " signature and drops only the mobile footer line, and also cuts at
 * redress's own reply marker. forward.c reads the same classification to
 * find forwarded messages. So the tables below are the one place to add
 * clients and languages. Regexes are compiled once and shared; GRegex
 * matching is thread-safe.
 *
 * Cost: the text is cut into lines by a pointer walk (no copies), and a
 * line meets a regex only when it passes a cheap test the regex implies:
 * an attribution ends with ":" and opens with one of attribution_openers,
 * a banner opens with "-" or "b". Most lines are looked at for a few bytes
 * only, and the walk ends at the first separator, which is where the new
 * text ends.
 */
#include <string.h>

#include "parsers-private.h"

/* Lines that open unquoted history of a reply (Outlook's and other
 * clients' "original message" line); matched case-insensitively against
 * the whole trimmed line. Also used above forwarded messages, so forward.c
 * decides by the subject what they mean there. */
static const char *const original_patterns[] = {
	"^-{2,}\\s*(original message|urspr(ü|ue)ngliche nachricht|message d'origine"
	"|mensaje original|oorspronkelijk bericht|messaggio originale"
	"|mensagem original|neges wreiddiol)\\s*-{2,}$",
	NULL,
};

/* Banners above a forwarded message. Gmail writes "---------- Forwarded
 * message ---------" (in Welsh, we are told, "Neges wedi'i hanfon
 * ymlaen", taken with a straight or a curly apostrophe; not yet seen in
 * real mail), Thunderbird "-------- Forwarded Message --------", Apple
 * Mail and iOS "Begin forwarded message:". */
static const char *const forward_patterns[] = {
	"^-{3,}\\s*forwarded message\\s*-{3,}$",
	"^-{3,}\\s*neges wedi('|\u2019)?i hanfon ymlaen\\s*-{3,}$",
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
/* First characters of original_patterns and forward_patterns (matched
 * case-insensitively). */
#define BANNER_FIRST_CHARS "-bB"

/* Mobile and webmail footer lines: the line must start with one of these
 * (case-insensitively) and be short. */
static const char *const mobile_signatures[] = {
	"sent from my ", "sent from mail for windows", "sent from yahoo mail",
	"sent from outlook", "sent from samsung", "sent from the ",
	"sent via ", "sent with sparrow", "get outlook for ",
	"sent from proton", "von meinem iphone gesendet",
	"envoyé de mon ", "enviado desde mi ", "verstuurd vanaf mijn ",
	"anfonwyd o'm ", "anfonwyd o\u2019m ", "anfonwyd o fy ", NULL,
};

/* Header names of a quoted Outlook header block, per language:
 * {from, sent}. Welsh Outlook writes "Oddi wrth:" and "Anfonwyd:". */
static const char *const outlook_from[] = {
	"from", "von", "de", "van", "da", "od", "oddi wrth", NULL,
};
static const char *const outlook_sent[] = {
	"sent", "date", "gesendet", "datum", "envoyé", "enviado", "fecha",
	"verzonden", "inviato", "data", "wysłano", "anfonwyd", "dyddiad", NULL,
};

#define SIG_LINE_MAX 80
/* How many lines below "From:" the rest of an Outlook block may lie. */
#define OUTLOOK_SPAN 6
/* Longest attribution (one line or two joined), bytes. */
#define ATTRIBUTION_MAX 400

typedef struct {
	GRegex **original;
	GRegex **forward;
	GRegex **attribution;
} Patterns;

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
		p.original = compile_all(original_patterns);
		p.forward = compile_all(forward_patterns);
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

/* ---- lines ------------------------------------------------------------ */

gsize
_rd_lines_split(const char *text, RdLine **lines_r)
{
	gsize len = strlen(text);
	const char *end = text + len;
	gsize n = 1;
	for (const char *p = text; (p = memchr(p, '\n', end - p)) != NULL; p++)
		n++;
	RdLine *lines = g_new(RdLine, n);
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

RdLine
_rd_line_trimmed(RdLine l)
{
	while (l.len > 0 && g_ascii_isspace(l.s[0])) {
		l.s++;
		l.len--;
	}
	while (l.len > 0 && g_ascii_isspace(l.s[l.len - 1]))
		l.len--;
	return l;
}

gboolean
_rd_line_is_quoted(RdLine l)
{
	gsize i = 0;
	while (i < l.len && (l.s[i] == ' ' || l.s[i] == '\t'))
		i++;
	return i < l.len && l.s[i] == '>';
}

RdLine
_rd_line_unquoted(RdLine l)
{
	if (!_rd_line_is_quoted(l))
		return l;
	const char *gt = memchr(l.s, '>', l.len);
	gsize skip = (gsize) (gt - l.s) + 1;
	if (skip < l.len && l.s[skip] == ' ')
		skip++;
	l.s += skip;
	l.len -= skip;
	return l;
}

gboolean
_rd_line_is_blank(RdLine l)
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

gsize
_rd_line_field(RdLine l, const char *const *names)
{
	RdLine t = _rd_line_trimmed(l);
	const char *p = t.s;
	const char *end = t.s + t.len;
	while (p < end && *p == '*')
		p++;
	for (guint i = 0; names[i] != NULL; i++) {
		if (!has_prefix_nocase(p, (gsize) (end - p), names[i]))
			continue;
		const char *q = p + strlen(names[i]);
		/* spaces before the colon (French style), asterisks round a
		 * label made bold by an HTML conversion, no-break spaces */
		while (q < end) {
			if (*q == ' ' || *q == '*' || *q == '\t')
				q++;
			else if (end - q >= 2 && (guchar) q[0] == 0xC2 && (guchar) q[1] == 0xA0)
				q += 2;
			else
				break;
		}
		if (q < end && *q == ':')
			return (gsize) (q + 1 - l.s);
	}
	return 0;
}

/* Outlook header block: "From:" with "Sent:"/"Date:" within a few lines. */
static gboolean
is_outlook_block(const RdLine *lines, gsize n, gsize i)
{
	if (_rd_line_field(lines[i], outlook_from) == 0)
		return FALSE;
	for (gsize j = i + 1; j <= i + OUTLOOK_SPAN && j < n; j++)
		if (_rd_line_field(lines[j], outlook_sent) > 0)
			return TRUE;
	return FALSE;
}

/* A rule of underscores (Outlook's separator) followed by a From: block. */
static gboolean
is_underscore_rule(const RdLine *lines, gsize n, gsize i)
{
	RdLine t = _rd_line_trimmed(lines[i]);
	if (t.len < 10 || t.s[0] != '_')
		return FALSE;
	for (gsize k = 0; k < t.len; k++)
		if (t.s[k] != '_')
			return FALSE;
	for (gsize j = i + 1; j <= i + 3 && j < n; j++)
		if (_rd_line_field(lines[j], outlook_from) > 0)
			return TRUE;
	return FALSE;
}

static gboolean
is_sig_delimiter(RdLine line)
{
	return (line.len == 3 && memcmp(line.s, "-- ", 3) == 0) ||
	       (line.len == 2 && memcmp(line.s, "--", 2) == 0);
}

static gboolean
is_mobile_footer(RdLine line)
{
	RdLine t = _rd_line_trimmed(line);
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
is_attribution(const Patterns *p, const RdLine *lines, gsize n, gsize i, guint *span_r)
{
	RdLine t = _rd_line_trimmed(lines[i]);
	if (t.len == 0 || t.len > ATTRIBUTION_MAX)
		return FALSE;
	if (maybe_attribution(t.s, t.len) && match_any(p->attribution, t.s, t.len)) {
		*span_r = 1;
		return TRUE;
	}
	if (i + 1 >= n || _rd_line_is_blank(lines[i + 1]))
		return FALSE;
	RdLine u = _rd_line_trimmed(lines[i + 1]);
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

gboolean
_rd_quote_follows(const RdLine *lines, gsize n, gsize i)
{
	for (; i < n; i++) {
		if (_rd_line_is_blank(lines[i]))
			continue;
		return _rd_line_is_quoted(lines[i]);
	}
	return FALSE;
}

/* "Name <addr> wrote:" with no leading "On": only an attribution when
 * ">" quoting follows, since the phrase is common in prose. */
static gboolean
is_bare_wrote(RdLine line)
{
	RdLine t = _rd_line_trimmed(line);
	return t.len < 200 && t.len > 6 &&
	       g_ascii_strncasecmp(t.s + t.len - 6, "wrote:", 6) == 0;
}

static gboolean
matches_banner(GRegex **res, RdLine line)
{
	RdLine t = _rd_line_trimmed(line);
	return t.len > 0 && strchr(BANNER_FIRST_CHARS, t.s[0]) != NULL &&
	       match_any(res, t.s, t.len);
}

gboolean
_rd_line_is_forward_banner(RdLine line)
{
	return matches_banner(patterns()->forward, line);
}

gboolean
_rd_line_is_marker(RdLine line)
{
	/* "##-" … "-##": the reply marker in any language, as redress's
	 * notifications write it (RD_REPLY_MARKER_EN, _CY). */
	const char *open = line.len >= 6 ? g_strstr_len(line.s, (gssize) line.len, "##-") : NULL;
	if (open == NULL)
		return FALSE;
	const char *rest = open + 3;
	gsize left = line.len - (gsize) (rest - line.s);
	return left >= 3 && g_strstr_len(rest, (gssize) left, "-##") != NULL;
}

RdLineKind
_rd_line_kind(const RdLine *lines, gsize n, gsize i, guint *span_r)
{
	const Patterns *p = patterns();
	RdLine line = lines[i];
	*span_r = 1;
	if (_rd_line_is_quoted(line))
		return RD_LINE_QUOTED;
	if (is_attribution(p, lines, n, i, span_r))
		return RD_LINE_ATTRIBUTION;
	if (is_bare_wrote(line) && _rd_quote_follows(lines, n, i + 1))
		return RD_LINE_ATTRIBUTION;
	if (matches_banner(p->original, line))
		return RD_LINE_ORIGINAL;
	if (matches_banner(p->forward, line))
		return RD_LINE_FORWARD;
	if (is_outlook_block(lines, n, i))
		return RD_LINE_OUTLOOK;
	if (is_underscore_rule(lines, n, i))
		return RD_LINE_RULE;
	if (is_sig_delimiter(line))
		return RD_LINE_SIGNATURE;
	if (is_mobile_footer(line))
		return RD_LINE_MOBILE;
	return RD_LINE_TEXT;
}

/* ---- the walk --------------------------------------------------------- */

char *
_rd_quotes_walk(const char *text, RdWalkFlags flags)
{
	if (text == NULL)
		return g_strdup("");
	g_autofree RdLine *lines = NULL;
	gsize n = _rd_lines_split(text, &lines);
	gboolean relay = (flags & RD_WALK_RELAY) != 0;

	GString *out = g_string_sized_new(MIN(strlen(text), 64 * 1024) + 1);
	for (gsize i = 0; i < n; i++) {
		RdLine line = lines[i];
		guint span = 1;
		RdLineKind kind = _rd_line_kind(lines, n, i, &span);
		/* The marker unquoted cuts everything below: a client that
		 * quoted the notice without ">" (Outlook) left it below. Quoted,
		 * it is part of a ">" quote, dropped like the rest of it, and an
		 * answer written under the quote (bottom-posting) stays. */
		if (relay && _rd_line_is_marker(line)) {
			if (kind == RD_LINE_QUOTED)
				continue;
			break;
		}
		gboolean cut = FALSE;
		switch (kind) {
		case RD_LINE_QUOTED:
			continue;
		case RD_LINE_ATTRIBUTION:
			if (_rd_quote_follows(lines, n, i + span)) {
				i += span - 1;
				continue;
			}
			cut = TRUE;
			break;
		case RD_LINE_ORIGINAL:
		case RD_LINE_FORWARD:
		case RD_LINE_OUTLOOK:
		case RD_LINE_RULE:
			cut = TRUE;
			break;
		case RD_LINE_SIGNATURE:
			cut = !relay;
			break;
		case RD_LINE_MOBILE:
			/* Relayed: the footer says nothing to the complainant,
			 * but an answer written below a quote may follow. */
			if (relay)
				continue;
			cut = TRUE;
			break;
		case RD_LINE_TEXT:
			break;
		}
		if (cut)
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

char *
rd_text_strip_quotes(const char *text)
{
	return _rd_quotes_walk(text, RD_WALK_STRIP);
}
