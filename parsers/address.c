/*
 * address.c — address header values → normalised RdAddress lists.
 *
 * GMime's address parser (in its loose mode) does the real work: quoted
 * and encoded display names, groups, comments, obsolete routes. On top of
 * it we:
 *  - flatten groups ("undisclosed-recipients:;" simply yields nothing);
 *  - lower-case the addr-spec and drop stray angle brackets and spaces;
 *  - make every string valid UTF-8 (raw 8-bit names in any charset);
 *  - fall back to picking out anything that looks like local@domain when
 *    GMime finds no usable address in a value that plainly holds some
 *    ("a@x.org; b@y.org", "John Smith john@x.org"), because a recipient we
 *    miss may be the per-case token address.
 */
#include <string.h>

#include "parsers-private.h"

RdAddress *
_rd_address_new(const char *email, const char *name)
{
	RdAddress *a = g_new0(RdAddress, 1);
	a->email = g_strdup(email);
	a->name = g_strdup(name);
	return a;
}

void
_rd_address_free(RdAddress *a)
{
	if (a == NULL)
		return;
	g_free(a->email);
	g_free(a->name);
	g_free(a);
}

/* Lower-cased addr-spec without brackets, quotes round it or white space;
 * NULL when nothing is left. */
char *
_rd_address_normalise(const char *addr)
{
	if (addr == NULL)
		return NULL;
	g_autofree char *valid = rd_to_utf8(addr, strlen(addr), NULL);
	GString *s = g_string_sized_new(strlen(valid));
	for (const char *p = valid; *p != '\0'; p++) {
		if (*p == '<' || *p == '>' || g_ascii_isspace(*p))
			continue;
		g_string_append_c(s, *p);
	}
	/* a trailing dot or comma is punctuation, not part of the domain */
	while (s->len > 0 && (s->str[s->len - 1] == '.' || s->str[s->len - 1] == ','))
		g_string_truncate(s, s->len - 1);
	if (s->len == 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	g_autofree char *raw = g_string_free(s, FALSE);
	return g_utf8_strdown(raw, -1);
}

static char *
normalise_name(const char *name)
{
	if (name == NULL)
		return NULL;
	char *n = rd_to_utf8(name, strlen(name), NULL);
	g_strstrip(n);
	/* names that arrive still quoted, e.g. after double encoding */
	gsize l = strlen(n);
	if (l >= 2 && ((n[0] == '"' && n[l - 1] == '"') || (n[0] == '\'' && n[l - 1] == '\''))) {
		memmove(n, n + 1, l - 2);
		n[l - 2] = '\0';
		g_strstrip(n);
	}
	if (n[0] == '\0') {
		g_free(n);
		return NULL;
	}
	return n;
}

static void
flatten(InternetAddressList *list, GPtrArray *out, gboolean *bad_r)
{
	int n = internet_address_list_length(list);
	for (int i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			InternetAddressList *members =
				internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia));
			if (members != NULL)
				flatten(members, out, bad_r);
			continue;
		}
		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			continue;
		const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
		g_autofree char *email = _rd_address_normalise(addr);
		if (email == NULL || strchr(email, '@') == NULL) {
			/* local-only names such as MAILER-DAEMON are real; words
			 * from a broken list are not */
			if (addr != NULL && strpbrk(addr, " \t") != NULL)
				*bad_r = TRUE;
			if (email == NULL)
				continue;
		}
		g_autofree char *name = normalise_name(internet_address_get_name(ia));
		g_ptr_array_add(out, _rd_address_new(email, name));
	}
}

static gboolean
is_addr_char(char c)
{
	return c != '\0' && !g_ascii_isspace(c) && strchr("<>,;:\"()[]\\'", c) == NULL;
}

/* Every local@domain token in @value outside quoted strings and
 * comments, which GMime may have dropped (it stops at a ";" and gives up
 * on "Name addr@domain"). */
static void
scan_addresses(const char *value, GPtrArray *out)
{
	g_autofree char *masked = g_strdup(value);
	int comment = 0;
	gboolean quoted = FALSE;
	for (char *p = masked; *p != '\0'; p++) {
		char c = *p;
		if (c == '\\' && (quoted || comment > 0) && p[1] != '\0') {
			p[0] = p[1] = ' ';
			p++;
			continue;
		}
		if (quoted) {
			if (c == '"')
				quoted = FALSE;
			*p = ' ';
		} else if (comment > 0) {
			if (c == '(')
				comment++;
			else if (c == ')')
				comment--;
			*p = ' ';
		} else if (c == '"') {
			quoted = TRUE;
			*p = ' ';
		} else if (c == '(') {
			comment = 1;
			*p = ' ';
		}
	}

	for (const char *at = strchr(masked, '@'); at != NULL; at = strchr(at + 1, '@')) {
		const char *s = at;
		while (s > masked && is_addr_char(s[-1]))
			s--;
		const char *e = at + 1;
		while (is_addr_char(*e))
			e++;
		if (s == at || e == at + 1)
			continue;
		g_autofree char *tok = g_strndup(s, e - s);
		g_autofree char *email = _rd_address_normalise(tok);
		if (email == NULL || strchr(email, '.') == NULL)
			continue;
		gboolean seen = FALSE;
		for (guint i = 0; i < out->len && !seen; i++)
			seen = g_strcmp0(((RdAddress *) out->pdata[i])->email, email) == 0;
		if (!seen)
			g_ptr_array_add(out, _rd_address_new(email, NULL));
	}
}

void
_rd_address_list_parse(const char *raw_value, GPtrArray *out)
{
	if (raw_value == NULL)
		return;
	g_autofree char *value = g_mime_utils_header_unfold(raw_value);
	g_strstrip(value);
	if (value[0] == '\0')
		return;

	guint before = out->len;
	gboolean bad = FALSE;
	InternetAddressList *list = internet_address_list_parse(_rd_parser_options(), value);
	if (list != NULL) {
		flatten(list, out, &bad);
		g_object_unref(list);
	}
	if (strchr(value, '@') == NULL)
		return;
	/* words GMime took for addresses in a broken list are dropped; any
	 * address it missed is added after the ones it found */
	if (bad) {
		for (guint i = out->len; i > before; i--)
			if (strchr(((RdAddress *) out->pdata[i - 1])->email, '@') == NULL)
				g_ptr_array_remove_index(out, i - 1);
	}
	g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func((GDestroyNotify) _rd_address_free);
	for (guint i = before; i < out->len; i++) {
		RdAddress *a = out->pdata[i];
		g_ptr_array_add(found, _rd_address_new(a->email, a->name));
	}
	guint nfound = found->len;
	scan_addresses(value, found);
	for (guint i = nfound; i < found->len; i++) {
		RdAddress *a = found->pdata[i];
		g_ptr_array_add(out, _rd_address_new(a->email, a->name));
	}
}
