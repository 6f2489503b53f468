/*
 * fuzz-relay.c — libFuzzer target for what staff mail gives the
 * complainant and the case: rd_relay_text() (parsers/relay.c), the walk
 * it shares with rd_text_strip_quotes() (parsers/quotes.c), and
 * RdMessage.forwarded (parsers/forward.c, dates.c).
 *
 * The input is used twice: its bytes up to the first NUL as a body text
 * (not necessarily UTF-8) for rd_relay_text() and rd_text_strip_quotes(),
 * and the whole input as a message for rd_message_parse(), whose
 * forwarded part is checked and whose text goes through rd_relay_text()
 * as redress does with a staff reply.
 *
 * Invariants beyond the sanitizers:
 *  - rd_relay_text(): never NULL, valid UTF-8, never longer than its
 *    input, no leading blank line or trailing white space; when the input
 *    is valid UTF-8, each line of the result is a line of the input (the
 *    last one perhaps without its trailing white space), never ">"-quoted
 *    and never holding the reply marker ("##-" … "-##");
 *  - rd_text_strip_quotes(): the same line invariants;
 *  - forwarded: text and note set and valid UTF-8; from->email non-empty,
 *    without ASCII capitals, brackets or white space, with one '@'
 *    between two non-empty parts; name, subject, message_id valid UTF-8;
 *    a message_id only on an attached forward, non-empty, without brackets
 *    or blanks; date not negative; an inline forward's note and text
 *    together no longer than the message text they were cut from.
 */
#include <string.h>

#include "parsers-private.h"
#include "fuzz.h"

static void
check_utf8(const char *s, const char *what)
{
	if (s != NULL)
		rd_fuzz_check(g_utf8_validate(s, -1, NULL), "%s is not valid UTF-8", what);
}

/* The lines of @text, without one trailing CR each. */
static GHashTable *
line_set(const char *text)
{
	GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		gsize l = strlen(lines[i]);
		if (l > 0 && lines[i][l - 1] == '\r')
			lines[i][l - 1] = '\0';
		g_hash_table_add(set, g_strdup(lines[i]));
	}
	return set;
}

/* Is @line, or @line with trailing white space added, in @set? For the
 * last line only the prefix test applies. */
static gboolean
has_line(GHashTable *set, const char *line, gboolean last)
{
	if (g_hash_table_contains(set, line))
		return TRUE;
	if (!last)
		return FALSE;
	GHashTableIter it;
	gpointer key;
	gsize n = strlen(line);
	g_hash_table_iter_init(&it, set);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		const char *k = key;
		if (strncmp(k, line, n) != 0)
			continue;
		gboolean rest_space = TRUE;
		for (const char *p = k + n; *p != '\0' && rest_space; p++)
			rest_space = g_ascii_isspace(*p);
		if (rest_space)
			return TRUE;
	}
	return FALSE;
}

static void
check_walk_result(const char *in, const char *out, const char *what, gboolean relay)
{
	rd_fuzz_check(out != NULL, "%s returned NULL", what);
	check_utf8(out, what);
	rd_fuzz_check(strlen(out) <= strlen(in), "%s: %zu bytes out of %zu", what, strlen(out), strlen(in));
	gsize n = strlen(out);
	if (n == 0)
		return;
	rd_fuzz_check(!g_ascii_isspace(out[n - 1]), "%s ends in white space", what);
	rd_fuzz_check(out[0] != '\n', "%s starts with a blank line", what);
	if (!g_utf8_validate(in, -1, NULL))
		return;  /* invalid bytes were dropped: lines may differ */

	g_autoptr(GHashTable) set = line_set(in);
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		RdLine l = { lines[i], strlen(lines[i]) };
		gboolean last = lines[i + 1] == NULL;
		rd_fuzz_check(has_line(set, lines[i], last), "%s line '%s' is not a line of the input",
		              what, lines[i]);
		rd_fuzz_check(!_rd_line_is_quoted(l), "%s kept the quoted line '%s'", what, lines[i]);
		if (relay)
			rd_fuzz_check(!_rd_line_is_marker(l), "%s kept the marker line '%s'", what, lines[i]);
	}
}

static void
check_email(const char *email)
{
	rd_fuzz_check(email != NULL && *email != '\0', "forwarded from has no email");
	check_utf8(email, "forwarded from email");
	const char *at = strchr(email, '@');
	rd_fuzz_check(at != NULL && at != email && at[1] != '\0' && strchr(at + 1, '@') == NULL,
	              "forwarded from '%s' is not local@domain", email);
	for (const char *p = email; *p != '\0'; p++)
		rd_fuzz_check(*p != '<' && *p != '>' && !g_ascii_isspace(*p) && !g_ascii_isupper(*p),
		              "forwarded from '%s' is not a lower-case addr-spec", email);
}

static void
check_forwarded(const RdMessage *m)
{
	const RdForwarded *f = m->forwarded;
	if (f == NULL)
		return;
	rd_fuzz_check(f->text != NULL && f->note != NULL, "forwarded text or note is NULL");
	check_utf8(f->text, "forwarded text");
	check_utf8(f->note, "forwarded note");
	check_utf8(f->subject, "forwarded subject");
	if (f->from != NULL) {
		check_email(f->from->email);
		check_utf8(f->from->name, "forwarded from name");
	}
	rd_fuzz_check(f->date >= 0, "forwarded date %" G_GINT64_FORMAT, f->date);
	if (f->message_id != NULL) {
		rd_fuzz_check(f->attached, "message_id '%s' on an inline forward", f->message_id);
		check_utf8(f->message_id, "forwarded message_id");
		rd_fuzz_check(*f->message_id != '\0', "forwarded message_id is empty");
		for (const char *p = f->message_id; *p != '\0'; p++)
			rd_fuzz_check(*p != '<' && *p != '>' && !g_ascii_isspace(*p),
			              "forwarded message_id '%s' has a bracket or blank", f->message_id);
	}
	if (!f->attached)
		rd_fuzz_check(strlen(f->note) + strlen(f->text) <= strlen(m->text),
		              "inline forward: note %zu + text %zu bytes from %zu", strlen(f->note),
		              strlen(f->text), strlen(m->text));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static gboolean ready;
	if (!ready) {
		rd_fuzz_init();
		rd_parsers_init();
		ready = TRUE;
	}

	/* The body text: a C string, so up to the first NUL. */
	g_autofree char *text = data != NULL ? g_strndup((const char *) data, size) : g_strdup("");
	g_autofree char *relayed = rd_relay_text(text);
	check_walk_result(text, relayed, "rd_relay_text", TRUE);
	if (g_utf8_validate(text, -1, NULL)) {
		g_autofree char *stripped = rd_text_strip_quotes(text);
		check_walk_result(text, stripped, "rd_text_strip_quotes", FALSE);
	}

	/* The whole input as a message. */
	g_autoptr(RdMessage) m = rd_message_parse((const char *) data, size, 1700000000, NULL);
	check_forwarded(m);
	g_autofree char *from_msg = rd_relay_text(m->text);
	check_walk_result(m->text, from_msg, "rd_relay_text of the message", TRUE);
	return 0;
}
