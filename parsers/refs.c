/*
 * refs.c — find case references such as CMP-2026-000123 in free text.
 *
 * People copy references by hand: "cmp 2026 123", "CMP/2026/000123",
 * "CMP2026000123", "CMP-2O26-OOO123" (letter O for zero), "CMP-2026-l23".
 * The finder accepts all of these and returns the canonical
 * PREFIX-YYYY-NNNNNN. It rejects what is only similar: a prefix inside a
 * longer word ("XCMP-2026-1"), a number that runs on into more digits or
 * letters (a phone number after the prefix), a year outside 2000–2099.
 *
 * The grammar is small, so this is a hand-written scanner rather than a
 * GRegex: no per-prefix compile or cache, nothing shared between threads,
 * and one pass over the text that only does work where the prefix occurs.
 *
 *   ref    = PREFIX sep{0,3} year sep{0,3} number
 *   sep    = " " | "-" | "/" | "." | "_" | en dash | em dash
 *   year   = 4 digit-like, "20xx" once mapped, at least 2 real digits
 *   number = 1–6 digit-like, not all zero, at least 1 real digit,
 *            followed by neither a digit-like character nor a letter
 *   digit-like = 0–9 | o O (→ 0) | l I (→ 1)
 * The character before PREFIX must not be a letter or digit.
 */
#include <string.h>

#include "parsers.h"

#define SEP_MAX 3
#define NUMBER_DIGITS 6

/* Value of a digit-like character, or -1. *real_r is set when it is a
 * true digit. */
static int
digit_value(char c, gboolean *real_r)
{
	*real_r = FALSE;
	if (c >= '0' && c <= '9') {
		*real_r = TRUE;
		return c - '0';
	}
	if (c == 'o' || c == 'O')
		return 0;
	if (c == 'l' || c == 'I')
		return 1;
	return -1;
}

/* Length of a separator at @p, or 0. */
static gsize
sep_len(const char *p)
{
	if (*p == ' ' || *p == '-' || *p == '/' || *p == '.' || *p == '_' || *p == '\t')
		return 1;
	/* U+2013 EN DASH, U+2014 EM DASH: word processors turn "-" into them. */
	if ((guchar)p[0] == 0xe2 && (guchar)p[1] == 0x80 &&
	    ((guchar)p[2] == 0x93 || (guchar)p[2] == 0x94))
		return 3;
	return 0;
}

static const char *
skip_seps(const char *p)
{
	for (int n = 0; n < SEP_MAX; n++) {
		gsize l = sep_len(p);
		if (l == 0)
			break;
		p += l;
	}
	return p;
}

/* Try to read a reference whose prefix ends at @p. Returns TRUE and fills
 * *year_r and *num_r on success. */
static gboolean
parse_after_prefix(const char *p, int *year_r, int *num_r)
{
	gboolean real;
	int year = 0, real_year = 0;

	p = skip_seps(p);
	for (int k = 0; k < 4; k++, p++) {
		int d = digit_value(*p, &real);
		if (d < 0)
			return FALSE;
		year = year * 10 + d;
		real_year += real;
	}
	if (year < 2000 || year > 2099 || real_year < 2)
		return FALSE;

	p = skip_seps(p);
	int num = 0, ndigits = 0, real_num = 0;
	while (ndigits <= NUMBER_DIGITS) {
		int d = digit_value(*p, &real);
		if (d < 0)
			break;
		num = num * 10 + d;
		real_num += real;
		ndigits++;
		p++;
	}
	if (ndigits == 0 || ndigits > NUMBER_DIGITS || real_num == 0 || num == 0)
		return FALSE;
	/* The number must end here: no letters or digits glued on. */
	if (g_ascii_isalnum(*p))
		return FALSE;
	*year_r = year;
	*num_r = num;
	return TRUE;
}

static void
add_unique(GPtrArray *refs, char *ref)
{
	for (guint i = 0; i < refs->len; i++) {
		if (strcmp(refs->pdata[i], ref) == 0) {
			g_free(ref);
			return;
		}
	}
	g_ptr_array_add(refs, ref);
}

void
rd_refs_find(const char *prefix, const char *text, GPtrArray *refs)
{
	g_return_if_fail(refs != NULL);
	if (text == NULL || prefix == NULL || *prefix == '\0')
		return;
	gsize plen = strlen(prefix);
	g_autofree char *canon_prefix = g_ascii_strup(prefix, -1);
	/* Most positions fail on the first letter: test it inline before
	 * paying for a call (this runs over every message's whole text). */
	char up = g_ascii_toupper(prefix[0]), low = g_ascii_tolower(prefix[0]);

	for (const char *p = text; *p != '\0'; p++) {
		if ((*p != up && *p != low) || g_ascii_strncasecmp(p, prefix, plen) != 0)
			continue;
		if (p > text && g_ascii_isalnum(p[-1]))
			continue;
		int year, num;
		if (!parse_after_prefix(p + plen, &year, &num))
			continue;
		add_unique(refs, g_strdup_printf("%s-%04d-%0*d", canon_prefix, year,
		                                 NUMBER_DIGITS, num));
	}
}
