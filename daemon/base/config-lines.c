/*
 * config-lines.c — the configuration file as lines: their syntax, and
 * where each group and key is, for messages that say FILE:LINE.
 *
 * GKeyFile stops at the first line it cannot parse, and keeps no line
 * numbers. So the text is scanned here first, line by line, by GKeyFile's
 * own rules (comments start with '#'; a header is "[name]" alone on its
 * line; a key line is "key = value" under a header), and GKeyFile is
 * given a copy in which:
 *  - every malformed line is blanked, after being reported with its
 *    number, so that one mistake does not hide the lines after it;
 *  - a group header that lacks its ']' (or has text after it) is
 *    completed when what it names is a valid group name, so the keys
 *    under it are still checked; when it names nothing usable, the key
 *    lines up to the next header are left out (they belong to no group we
 *    can name) and the message says so;
 *  - a line that is not UTF-8, or holds a control character, is
 *    malformed, so no message ever echoes bytes that are not text;
 *  - a key named "Encoding" is malformed: GKeyFile reads one in the
 *    first group as the file's character set and refuses the whole file
 *    unless it says UTF-8 (a message with no line number), and redress
 *    has no key of that name in any group.
 * What this cannot do: should GKeyFile refuse a line that passed the scan
 * (a rule of GKeyFile's not mirrored here), its message has no line
 * number and stops the reading (config.c says so). A key written twice in one group is not an error:
 * GKeyFile keeps the last value, and messages point at that line.
 */
#include <stdarg.h>
#include <string.h>
#include "base/base-private.h"

RdConfigFile *
rd_config_file_new(const char *path)
{
	RdConfigFile *f = g_new0(RdConfigFile, 1);
	f->path = g_strdup(path);
	f->lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	f->reported = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return f;
}

void
rd_config_file_free(RdConfigFile *f)
{
	if (f == NULL)
		return;
	g_free(f->path);
	g_clear_pointer(&f->lines, g_hash_table_unref);
	g_clear_pointer(&f->reported, g_hash_table_unref);
	g_free(f);
}

/* "group" for a header, "group\nkey" for a key: no group or key name
 * holds a newline. */
static char *
slot(const char *group, const char *key)
{
	return key != NULL ? g_strconcat(group, "\n", key, NULL) : g_strdup(group);
}

guint
rd_config_file_line(const RdConfigFile *f, const char *group, const char *key)
{
	if (f == NULL || group == NULL)
		return 0;
	g_autofree char *s = slot(group, key);
	return GPOINTER_TO_UINT(g_hash_table_lookup(f->lines, s));
}

void
rd_config_file_mark(RdConfigFile *f, const char *group, const char *key)
{
	if (f != NULL && group != NULL && key != NULL)
		g_hash_table_add(f->reported, slot(group, key));
}

gboolean
rd_config_file_marked(const RdConfigFile *f, const char *group, const char *key)
{
	if (f == NULL || group == NULL || key == NULL)
		return FALSE;
	g_autofree char *s = slot(group, key);
	return g_hash_table_contains(f->reported, s);
}

char *
rd_config_where(const RdConfig *cfg, const char *group, const char *key)
{
	if (cfg->file == NULL)
		return g_strdup("(built-in defaults)");
	guint line = key != NULL ? rd_config_file_line(cfg->file, group, key) : 0;
	if (line == 0)
		line = rd_config_file_line(cfg->file, group, NULL);
	if (line == 0)
		return g_strdup(cfg->file->path);
	return g_strdup_printf("%s:%u", cfg->file->path, line);
}

/* ---- the scan --------------------------------------------------------------- */

typedef struct {
	RdConfigFile *f;
	GString *errs;
	GString *out;            /* the copy for GKeyFile */
	guint n;                 /* the line's number */
	char *group;             /* the group the lines belong to; NULL: none yet */
	gboolean skipping;       /* under a header naming no usable group */
} Scan;

static void
malformed(Scan *sc, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
malformed(Scan *sc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_string_append_printf(sc->errs, "%s:%u: ", sc->f->path, sc->n);
	g_string_append_vprintf(sc->errs, fmt, ap);
	g_string_append_c(sc->errs, '\n');
	va_end(ap);
}

/* GKeyFile's rule: not empty, no brackets, no control characters. */
static gboolean
group_name_ok(const char *name)
{
	if (*name == '\0')
		return FALSE;
	for (const char *p = name; *p; p++)
		if (*p == '[' || *p == ']' || g_ascii_iscntrl(*p))
			return FALSE;
	return TRUE;
}

static void
enter_group(Scan *sc, const char *name)
{
	g_free(sc->group);
	sc->group = g_strdup(name);
	sc->skipping = FALSE;
	if (!g_hash_table_contains(sc->f->lines, name))
		g_hash_table_insert(sc->f->lines, g_strdup(name), GUINT_TO_POINTER(sc->n));
	g_string_append_printf(sc->out, "[%s]", name);
}

/* A line starting with '['. */
static void
scan_header(Scan *sc, const char *q)
{
	const char *close = strchr(q, ']');
	const char *after = close != NULL ? close + 1 : NULL;
	while (after != NULL && (*after == ' ' || *after == '\t'))
		after++;
	g_autofree char *name = close != NULL ? g_strndup(q + 1, (gsize)(close - q - 1)) : g_strchomp(g_strdup(q + 1));
	if (close != NULL && *after == '\0' && group_name_ok(name)) {
		enter_group(sc, name);
		return;
	}
	const char *what = close == NULL ? "group header is missing its closing ']'"
	                 : *after != '\0' ? "a group header must be alone on its line"
	                 : "a group name cannot be empty or hold '[' or ']'";
	if (group_name_ok(name)) {
		/* Read as the group it names, so its keys are still checked. */
		malformed(sc, "%s; read as [%s]", what, name);
		enter_group(sc, name);
		return;
	}
	malformed(sc, "%s; the keys below it are not checked until the next [group]", what);
	g_clear_pointer(&sc->group, g_free);
	sc->skipping = TRUE;
}

/* A line that is not blank, a comment or a header. */
static void
scan_key(Scan *sc, const char *line, const char *q)
{
	if (*q == ';') {
		malformed(sc, "a comment starts with '#', not ';'");
		return;
	}
	const char *eq = strchr(q, '=');
	if (eq == NULL || eq == q) {
		malformed(sc, "expected 'key = value', a '[group]' or a '#' comment");
		return;
	}
	g_autofree char *key = g_strchomp(g_strndup(q, (gsize)(eq - q)));
	if (strpbrk(key, "[]") != NULL) {
		malformed(sc, "'%s' is not a key name: no '[' or ']' in one", key);
		return;
	}
	if (strcmp(key, "Encoding") == 0) {
		malformed(sc, "'Encoding' is not a redress setting: the file is always read as UTF-8; remove this line");
		return;
	}
	if (sc->skipping)
		return;   /* under a header we could not read: said with it */
	if (sc->group == NULL) {
		malformed(sc, "'%s = …' comes before any [group]", key);
		return;
	}
	g_hash_table_insert(sc->f->lines, slot(sc->group, key), GUINT_TO_POINTER(sc->n));
	if (strcmp(sc->group, "services") == 0) {
		/* Service names are kept, and looked up, in lower case. */
		g_autofree char *low = g_utf8_strdown(key, -1);
		g_hash_table_insert(sc->f->lines, slot(sc->group, low), GUINT_TO_POINTER(sc->n));
	}
	g_string_append(sc->out, line);
}

/* Line @sc->n, @len bytes at @s (without its '\n'). */
static void
scan_line(Scan *sc, const char *s, gsize len)
{
	if (len > 0 && s[len - 1] == '\r')   /* GKeyFile drops it too */
		len--;
	if (!g_utf8_validate(s, (gssize)len, NULL)) {
		malformed(sc, "this line is not UTF-8 text (save the file as UTF-8)");
		return;
	}
	/* Nor is a control character (an escape sequence would reach the
	 * log and the terminal through the messages that quote keys). */
	for (gsize i = 0; i < len; i++) {
		guchar c = (guchar)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			malformed(sc, "this line holds a control character (is this the configuration file?)");
			return;
		}
	}
	g_autofree char *line = g_strndup(s, len);
	const char *q = line;
	while (g_ascii_isspace(*q))
		q++;
	if (*q == '\0' || *q == '#')
		g_string_append(sc->out, line);
	else if (*q == '[')
		scan_header(sc, q);
	else
		scan_key(sc, line, q);
}

char *
rd_config_file_scan(RdConfigFile *f, const char *text, gsize len, GString *errs)
{
	Scan sc = { f, errs, g_string_sized_new(len + 1), 0, NULL, FALSE };
	const char *p = text, *end = text + len;
	for (;;) {
		const char *nl = memchr(p, '\n', (gsize)(end - p));
		sc.n++;
		scan_line(&sc, p, nl != NULL ? (gsize)(nl - p) : (gsize)(end - p));
		g_string_append_c(sc.out, '\n');
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	g_free(sc.group);
	return g_string_free(sc.out, FALSE);
}
