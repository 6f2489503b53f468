/*
 * relay.c — rd_relay_text(): what a member of staff wrote, for the
 * complainant.
 *
 * Staff answer redress's notifications from their own mail client, and
 * redress sends the complainant only what the officer newly wrote. That is
 * rd_text_strip_quotes() with three differences, all in the same walk
 * (quotes.c, RD_WALK_RELAY) except the first:
 *
 *  - "#command" lines at the very top are for redress, not the
 *    complainant, and go (the caller reads them from the message text);
 *  - a line carrying redress's reply marker ("##- … -##") unquoted cuts
 *    everything below it: below the marker is the notification, which
 *    some clients (Outlook) quote without ">", and none of it may reach
 *    the complainant. Quoted with ">", the marker is part of the quote and
 *    goes with it, and an answer written below the quoted notification
 *    (bottom-posting, inline answers) stays. An empty result tells the
 *    caller to ask the officer again rather than send nothing;
 *  - a "-- " signature stays (name, post and phone number belong in a
 *    letter), and a mobile client's footer line ("Sent from my iPhone")
 *    is dropped without cutting what follows.
 *
 * Invariants: the result is valid UTF-8, never longer than the input, and
 * each of its lines is a line of the input (or of the input with invalid
 * UTF-8 bytes dropped; the last line perhaps without trailing white
 * space): nothing is reworded, only lines are left out. No line of the
 * result is a ">" quote or carries the marker. tests/fuzz/fuzz-relay.c
 * checks all of these.
 */
#include <string.h>

#include "parsers-private.h"

/* @text without the bytes that are not valid UTF-8: never longer, unlike
 * g_utf8_make_valid()'s U+FFFD. Newly allocated. */
static char *
drop_invalid_utf8(const char *text)
{
	gsize len = strlen(text);
	GString *out = g_string_sized_new(len + 1);
	const char *p = text;
	const char *end = text + len;
	while (p < end) {
		const char *bad = NULL;
		if (g_utf8_validate_len(p, (gsize) (end - p), &bad)) {
			g_string_append_len(out, p, end - p);
			break;
		}
		g_string_append_len(out, p, bad - p);
		p = bad + 1;
	}
	return g_string_free(out, FALSE);
}

/* "#outcome upheld", "#Note …": '#' then a letter, after optional blanks. */
static gboolean
is_command(RdLine l)
{
	RdLine t = _rd_line_trimmed(l);
	if (t.len < 2 || t.s[0] != '#')
		return FALSE;
	gunichar c = g_utf8_get_char_validated(t.s + 1, (gssize) t.len - 1);
	return c != (gunichar) -1 && c != (gunichar) -2 && g_unichar_isalpha(c);
}

/* Where the text starts once the leading command and blank lines are
 * skipped. */
static const char *
skip_commands(const char *text)
{
	g_autofree RdLine *lines = NULL;
	gsize n = _rd_lines_split(text, &lines);
	for (gsize i = 0; i < n; i++)
		if (!_rd_line_is_blank(lines[i]) && !is_command(lines[i]))
			return lines[i].s;
	return text + strlen(text);
}

/* Runs of blank lines (left where quotes and footers were dropped) as one
 * blank line. @text is the walk's output, whose lines end in "\n" alone:
 * it is cut at "\n" only, since _rd_lines_split() would take a second "\r"
 * off a line that ended in several (found by fuzz-relay). Newly
 * allocated. */
static char *
collapse_blank_runs(const char *text)
{
	GString *out = g_string_sized_new(strlen(text) + 1);
	gboolean blank_before = FALSE;
	const char *p = text;
	for (;;) {
		const char *nl = strchr(p, '\n');
		RdLine line = { p, nl != NULL ? (gsize) (nl - p) : strlen(p) };
		gboolean blank = _rd_line_is_blank(line);
		if (!(blank && blank_before)) {
			if (p != text)
				g_string_append_c(out, '\n');
			g_string_append_len(out, line.s, (gssize) line.len);
		}
		blank_before = blank;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return g_string_free(out, FALSE);
}

char *
rd_relay_text(const char *text)
{
	if (text == NULL)
		return g_strdup("");
	g_autofree char *valid = NULL;
	if (!g_utf8_validate(text, -1, NULL)) {
		valid = drop_invalid_utf8(text);
		text = valid;
	}
	g_autofree char *walked = _rd_quotes_walk(skip_commands(text), RD_WALK_RELAY);
	return collapse_blank_runs(walked);
}
