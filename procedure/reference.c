/*
 * reference.c — case references: "CMP-2026-000123".
 *
 * A reference is a prefix of ASCII letters (configurable, "CMP" by
 * default), a four-digit year and a six-digit number, joined by hyphens.
 * This file knows only the canonical form. Finding references that people
 * typed with spaces, lower case or l/1 and o/0 mix-ups is the job of
 * parsers/refs.c, which hands its candidates to rd_reference_parse().
 *
 * Invariant: for every valid (prefix, year, seq),
 * rd_reference_parse(prefix, rd_reference_format(prefix, year, seq))
 * gives back year and seq, and the formatted string is the only spelling
 * the store ever holds (upper-case prefix).
 */
#include <string.h>

#include "procedure.h"

#define YEAR_DIGITS 4
#define SEQ_DIGITS 6
#define SEQ_MAX G_GINT64_CONSTANT(999999)

/* TRUE if @prefix is one or more ASCII letters. Digits or hyphens in the
 * prefix would make "X1-2026-000001" ambiguous to split. */
static gboolean
prefix_is_valid(const char *prefix)
{
	if (prefix == NULL || prefix[0] == '\0')
		return FALSE;
	for (const char *p = prefix; *p != '\0'; p++) {
		if (!g_ascii_isalpha(*p))
			return FALSE;
	}
	return TRUE;
}

/* Read exactly @n ASCII digits at @s into @value_r. */
static gboolean
read_digits(const char *s, guint n, gint64 *value_r)
{
	gint64 v = 0;

	for (guint i = 0; i < n; i++) {
		if (!g_ascii_isdigit(s[i]))
			return FALSE;
		v = v * 10 + (s[i] - '0');
	}
	*value_r = v;
	return TRUE;
}

char *
rd_reference_format(const char *prefix, int year, gint64 seq)
{
	g_return_val_if_fail(prefix_is_valid(prefix), NULL);
	/* Six digits is part of the format that letters, templates and the
	 * tolerant matcher rely on; a seventh digit would be a new format,
	 * not a wider number. */
	g_return_val_if_fail(year >= 0 && year <= 9999, NULL);
	g_return_val_if_fail(seq >= 0 && seq <= SEQ_MAX, NULL);

	g_autofree char *up = g_ascii_strup(prefix, -1);
	return g_strdup_printf("%s-%04d-%06" G_GINT64_FORMAT, up, year, seq);
}

gboolean
rd_reference_parse(const char *prefix, const char *ref,
                   int *year_r, gint64 *seq_r)
{
	gint64 year, seq;

	if (!prefix_is_valid(prefix) || ref == NULL)
		return FALSE;

	gsize plen = strlen(prefix);
	if (strlen(ref) != plen + 1 + YEAR_DIGITS + 1 + SEQ_DIGITS)
		return FALSE;
	if (g_ascii_strncasecmp(ref, prefix, plen) != 0)
		return FALSE;

	const char *p = ref + plen;
	if (p[0] != '-' || !read_digits(p + 1, YEAR_DIGITS, &year))
		return FALSE;
	p += 1 + YEAR_DIGITS;
	if (p[0] != '-' || !read_digits(p + 1, SEQ_DIGITS, &seq))
		return FALSE;

	if (year_r != NULL)
		*year_r = (int)year;
	if (seq_r != NULL)
		*seq_r = seq;
	return TRUE;
}
