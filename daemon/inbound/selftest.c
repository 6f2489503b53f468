/*
 * selftest.c — redress's own self-test mail, as intake knows it.
 *
 * `redress selftest` (and the daemon at start, service/selftest.c) sends a
 * mail through the council's SMTP server to a reply address of the form
 * every case has, complaints+<token>@…, and watches the complaints
 * mailbox for it. If the daemon is running, its watcher may well fetch
 * that mail first. It must then open no case and send no letter, yet the
 * mail must not vanish unaccounted for either, so intake recognises it
 * and writes down that it came, where the self-test can look.
 *
 * What makes a message a self-test mail: an X-Redress-Selftest header
 * whose value is a reply token (procedure/token.c) that verifies under
 * this database's key, for a reference in the year 0000. No case is ever
 * numbered in year 0000, and only a holder of the key can make the MAC,
 * so nobody outside can use the header to have a complaint filed nowhere:
 * a forged or foreign header (another installation's key) fails the check
 * and the message is intake's as usual. The self-test mail also carries
 * Auto-Submitted: auto-generated, so even then it opens no case (automatic
 * mail never does) and waits in triage for a person.
 *
 * A server that does not deliver the test mail may send it back: a
 * delivery failure report whose bounced Message-ID is the test mail's,
 * "selftest.TOKEN@…" (rd_selftest_message_id), with a TOKEN that
 * verifies, is the self-test's answer too. It is noted with its status
 * rather than left in triage as a bounce that matches no case.
 *
 * Where it is written down: the setting RD_SELFTEST_SEEN_SETTING, one
 * line per self-test mail seen, "TOKEN<TAB>WHEN<TAB>SOURCE<TAB>BOUNCE"
 * (BOUNCE empty when the mail itself arrived), newest first
 * and at most SEEN_KEEP of them. A settings row rather than a message row:
 * the mail is nobody's correspondence, must not appear in a case, in
 * triage or in the counts of messages, and the self-test only needs to
 * know that it came. The list is kept short so it never grows, however
 * often the self-test runs; it is long enough for any self-test still
 * waiting to find its own line.
 */
#include <string.h>
#include "inbound/inbound.h"

#define SEEN_KEEP 32

/* The reference of @token if it is a self-test token under @key, else
 * NULL. Newly allocated. */
static char *
selftest_reference(const guint8 *key, const char *prefix, const char *token)
{
	if (token == NULL || *token == '\0' || strpbrk(token, "@+ \t<>") != NULL)
		return NULL;
	/* rd_token_verify() reads the extension of an address; the mailbox
	 * part does not matter to it. */
	g_autofree char *address = g_strconcat("selftest+", token, "@invalid", NULL);
	g_autofree char *ref = rd_token_verify(key, RD_TOKEN_KEY_LEN, prefix, address);
	int year = -1;
	if (ref == NULL || !rd_reference_parse(prefix, ref, &year, NULL) || year != RD_SELFTEST_YEAR)
		return NULL;
	return g_steal_pointer(&ref);
}

char *
rd_selftest_reference_new(const char *prefix)
{
	g_return_val_if_fail(prefix != NULL, NULL);
	return rd_reference_format(prefix, RD_SELFTEST_YEAR, g_random_int_range(1, 1000000));
}

gboolean
rd_selftest_token_valid(const guint8 *key, const char *prefix, const char *token)
{
	g_autofree char *ref = selftest_reference(key, prefix, token);
	return ref != NULL;
}

#define MSGID_PREFIX "selftest."

char *
rd_selftest_message_id(const char *token, const char *domain)
{
	g_return_val_if_fail(token != NULL && domain != NULL, NULL);
	return g_strconcat(MSGID_PREFIX, token, "@", domain, NULL);
}

char *
rd_selftest_bounced_token(const guint8 *key, const char *prefix, const char *message_id)
{
	if (message_id == NULL || g_ascii_strncasecmp(message_id, MSGID_PREFIX, strlen(MSGID_PREFIX)) != 0)
		return NULL;
	const char *start = message_id + strlen(MSGID_PREFIX);
	const char *at = strchr(start, '@');
	if (at == NULL)
		return NULL;
	g_autofree char *token = g_ascii_strdown(start, at - start);
	if (!rd_selftest_token_valid(key, prefix, token))
		return NULL;
	return g_steal_pointer(&token);
}

/* The token at the start of @line (up to the first tab). */
static gboolean
line_is(const char *line, const char *token)
{
	gsize n = strlen(token);
	return g_ascii_strncasecmp(line, token, n) == 0 && line[n] == '\t';
}

/* @s with tabs and line ends made spaces, so the list stays a list. */
static char *
field(const char *s)
{
	char *f = g_strdup(s);
	g_strdelimit(f, "\t\r\n", ' ');
	return f;
}

gboolean
rd_selftest_note_seen(RdStore *store, const char *token, gint64 at, const char *source,
                      const char *bounce, GError **error)
{
	g_return_val_if_fail(store != NULL && token != NULL, FALSE);
	g_autofree char *old = NULL;
	if (!rd_store_setting_get(store, RD_SELFTEST_SEEN_SETTING, &old, error))
		return FALSE;
	GString *v = g_string_new(NULL);
	/* Tabs and line ends cannot be in a token (checked) or in the
	 * sources intake makes; replace them anyway, whatever a caller
	 * passes. */
	g_autofree char *src = field(source != NULL ? source : "-");
	g_autofree char *why = field(bounce != NULL ? (*bounce ? bounce : "undeliverable") : "");
	g_string_append_printf(v, "%s\t%" G_GINT64_FORMAT "\t%s\t%s\n", token, at, src, why);
	g_auto(GStrv) lines = g_strsplit(old != NULL ? old : "", "\n", -1);
	guint kept = 1;
	for (guint i = 0; lines[i] != NULL && kept < SEEN_KEEP; i++) {
		if (*lines[i] == '\0' || line_is(lines[i], token))
			continue;
		g_string_append_printf(v, "%s\n", lines[i]);
		kept++;
	}
	g_autofree char *value = g_string_free(v, FALSE);
	return rd_store_setting_set(store, RD_SELFTEST_SEEN_SETTING, value, error);
}

gboolean
rd_selftest_seen(RdStore *store, const char *token, gboolean *seen_r, gint64 *at_r, char **bounce_r,
                 GError **error)
{
	g_return_val_if_fail(store != NULL && token != NULL && seen_r != NULL, FALSE);
	*seen_r = FALSE;
	if (at_r != NULL)
		*at_r = 0;
	if (bounce_r != NULL)
		*bounce_r = NULL;
	g_autofree char *value = NULL;
	if (!rd_store_setting_get(store, RD_SELFTEST_SEEN_SETTING, &value, error))
		return FALSE;
	g_auto(GStrv) lines = g_strsplit(value != NULL ? value : "", "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (!line_is(lines[i], token))
			continue;
		*seen_r = TRUE;
		g_auto(GStrv) f = g_strsplit(lines[i], "\t", 4);
		if (at_r != NULL && f[1] != NULL)
			*at_r = g_ascii_strtoll(f[1], NULL, 10);
		if (bounce_r != NULL && f[1] != NULL && f[2] != NULL && f[3] != NULL && *f[3] != '\0')
			*bounce_r = g_strdup(f[3]);
		break;
	}
	return TRUE;
}
