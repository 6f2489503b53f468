/*
 * causes.c — reading a root-cause category from what a member of staff
 * typed (#cause delay: the contractor's report took three weeks). The
 * reports group complaints by category, so a category must be one of the
 * council's list ([procedure] causes); the words after it are the detail,
 * kept on the case journey. Pure: strings in, strings out.
 */
#include <string.h>
#include "procedure.h"

/* @text starts with @cat, ignoring case, and the category ends there
 * (end of text, or a character that is not a letter or digit): "policy"
 * matches "Policy: …" but not "policyholder". The length of text it took. */
static gsize
starts_with_category(const char *text, const char *cat)
{
	g_autofree char *t = g_utf8_casefold(text, -1);
	g_autofree char *c = g_utf8_casefold(cat, -1);
	gsize n = strlen(c);
	if (n == 0 || strncmp(t, c, n) != 0)
		return 0;
	const char *after = t + n;
	if (*after != '\0' && g_unichar_isalnum(g_utf8_get_char(after)))
		return 0;
	/* Map the folded length back onto @text: the same number of
	 * characters (case folding can change byte lengths, rarely). */
	glong chars = g_utf8_strlen(c, -1);
	if (g_utf8_strlen(text, -1) < chars)
		return 0;
	return (gsize)(g_utf8_offset_to_pointer(text, chars) - text);
}

gboolean
rd_cause_match(const char *const *categories, const char *text, const char **category_r, char **detail_r)
{
	*category_r = NULL;
	*detail_r = NULL;
	if (text == NULL || categories == NULL)
		return FALSE;
	g_autofree char *trimmed = g_strstrip(g_strdup(text));
	gsize best = 0;
	for (guint i = 0; categories[i] != NULL; i++) {
		gsize n = starts_with_category(trimmed, categories[i]);
		if (n > best) {
			best = n;
			*category_r = categories[i];
		}
	}
	if (*category_r == NULL)
		return FALSE;
	/* What follows the separator people type: "delay: …", "delay - …",
	 * "delay — …", "delay, …". */
	const char *p = trimmed + best;
	for (;;) {
		gunichar ch = g_utf8_get_char(p);
		if (ch == 0 || !(g_unichar_isspace(ch) || ch == ':' || ch == '-' || ch == ',' || ch == ';' ||
		                 ch == 0x2013 || ch == 0x2014 || ch == '.'))
			break;
		p = g_utf8_next_char(p);
	}
	if (*p != '\0')
		*detail_r = g_strdup(p);
	return TRUE;
}
