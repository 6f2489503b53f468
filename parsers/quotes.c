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

typedef struct {
	GRegex **cut;
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
		p.cut = compile_all(cut_patterns);
		p.attribution = compile_all(attribution_patterns);
		g_once_init_leave(&done, 1);
	}
	return &p;
}

static gboolean
match_any(GRegex **res, const char *s)
{
	for (guint i = 0; res[i] != NULL; i++)
		if (g_regex_match(res[i], s, 0, NULL))
			return TRUE;
	return FALSE;
}

/* Line without surrounding white space, newly allocated. */
static char *
trimmed(const char *line)
{
	return g_strstrip(g_strdup(line));
}

static gboolean
is_quoted(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	return *line == '>';
}

static gboolean
is_blank(const char *line)
{
	for (; *line != '\0'; line++)
		if (!g_ascii_isspace(*line))
			return FALSE;
	return TRUE;
}

/* Does @line (trimmed) start with one of @names followed by ":" (with
 * optional spaces before the colon, French style, and Markdown-ish
 * asterisks from HTML conversion)? */
static gboolean
starts_field(const char *line, const char *const *names)
{
	const char *p = line;
	while (*p == '*')
		p++;
	for (guint i = 0; names[i] != NULL; i++) {
		gsize n = strlen(names[i]);
		if (g_ascii_strncasecmp(p, names[i], n) != 0)
			continue;
		const char *q = p + n;
		while (*q == ' ' || *q == '*' || *q == '\xc2' || *q == '\xa0')
			q++;
		if (*q == ':')
			return TRUE;
	}
	return FALSE;
}

/* Outlook header block: "From:" with "Sent:"/"Date:" within a few lines. */
static gboolean
is_outlook_block(char **lines, guint i)
{
	g_autofree char *t = trimmed(lines[i]);
	if (!starts_field(t, outlook_from))
		return FALSE;
	for (guint j = i + 1; j <= i + OUTLOOK_SPAN && lines[j] != NULL; j++) {
		g_autofree char *u = trimmed(lines[j]);
		if (starts_field(u, outlook_sent))
			return TRUE;
	}
	return FALSE;
}

/* A rule of underscores (Outlook's separator) followed by a From: block. */
static gboolean
is_underscore_rule(char **lines, guint i)
{
	g_autofree char *t = trimmed(lines[i]);
	if (strlen(t) < 10 || strspn(t, "_") != strlen(t))
		return FALSE;
	for (guint j = i + 1; j <= i + 3 && lines[j] != NULL; j++) {
		g_autofree char *u = trimmed(lines[j]);
		if (starts_field(u, outlook_from))
			return TRUE;
	}
	return FALSE;
}

static gboolean
is_signature(const char *line)
{
	if (strcmp(line, "-- ") == 0 || strcmp(line, "--") == 0)
		return TRUE;
	g_autofree char *t = trimmed(line);
	if (strlen(t) > SIG_LINE_MAX)
		return FALSE;
	for (guint i = 0; mobile_signatures[i] != NULL; i++)
		if (g_ascii_strncasecmp(t, mobile_signatures[i], strlen(mobile_signatures[i])) == 0)
			return TRUE;
	/* Non-ASCII entries: compare lower-cased UTF-8. */
	g_autofree char *lc = g_utf8_strdown(t, -1);
	for (guint i = 0; mobile_signatures[i] != NULL; i++)
		if (g_str_has_prefix(lc, mobile_signatures[i]))
			return TRUE;
	return FALSE;
}

/* Is line @i an attribution? Sets *span_r to 1 or 2 (lines used). */
static gboolean
is_attribution(const Patterns *p, char **lines, guint i, guint *span_r)
{
	g_autofree char *t = trimmed(lines[i]);
	if (*t == '\0' || strlen(t) > 400)
		return FALSE;
	if (match_any(p->attribution, t)) {
		*span_r = 1;
		return TRUE;
	}
	if (lines[i + 1] == NULL || is_blank(lines[i + 1]))
		return FALSE;
	g_autofree char *u = trimmed(lines[i + 1]);
	g_autofree char *both = g_strconcat(t, " ", u, NULL);
	if (strlen(both) <= 400 && match_any(p->attribution, both)) {
		*span_r = 2;
		return TRUE;
	}
	return FALSE;
}

/* Is the next non-blank line at or after @i quoted with ">"? */
static gboolean
quote_follows(char **lines, guint i)
{
	for (; lines[i] != NULL; i++) {
		if (is_blank(lines[i]))
			continue;
		return is_quoted(lines[i]);
	}
	return FALSE;
}

/* "Name <addr> wrote:" with no leading "On": only an attribution when
 * ">" quoting follows, since the phrase is common in prose. */
static gboolean
is_bare_wrote(const char *line)
{
	g_autofree char *t = trimmed(line);
	gsize n = strlen(t);
	return n < 200 && n > 6 && g_ascii_strcasecmp(t + n - 6, "wrote:") == 0;
}

char *
rd_text_strip_quotes(const char *text)
{
	if (text == NULL)
		return g_strdup("");
	const Patterns *p = patterns();
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		gsize n = strlen(lines[i]);
		if (n > 0 && lines[i][n - 1] == '\r')
			lines[i][n - 1] = '\0';
	}

	GString *out = g_string_new(NULL);
	for (guint i = 0; lines[i] != NULL; i++) {
		const char *line = lines[i];
		if (is_quoted(line))
			continue;

		guint span = 0;
		gboolean attribution = is_attribution(p, lines, i, &span);
		if (!attribution && is_bare_wrote(line) && quote_follows(lines, i + 1)) {
			attribution = TRUE;
			span = 1;
		}
		if (attribution) {
			if (quote_follows(lines, i + span)) {
				i += span - 1;
				continue;
			}
			break;
		}
		g_autofree char *t = trimmed(line);
		if (match_any(p->cut, t) || is_outlook_block(lines, i) ||
		    is_underscore_rule(lines, i) || is_signature(line))
			break;
		g_string_append(out, line);
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
