/*
 * staffauth.c — does a message count as coming from a member of staff?
 *
 * A From address costs nothing to forge, and staff mail carries commands
 * that close cases and write to complainants. So besides the staff
 * directory (the caller's lookup), a message must pass the council's
 * policy, one or more of:
 *
 * authentication-results — the council's border mail server checked DKIM
 *   and DMARC and wrote what it found in an Authentication-Results field
 *   (RFC 8601) under its own authserv-id. Anyone can write such a field
 *   with any authserv-id into the message before it reaches the border,
 *   so: only fields whose authserv-id is in trusted_ids count, and for
 *   each method only the topmost trusted result does. The border adds its
 *   fields above everything the sender wrote, so a forged field claiming
 *   our authserv-id is always below the real one, and is ignored — as long
 *   as the real one exists. Hence the border must write a result for every
 *   message, signed or not: OpenDKIM with `AlwaysAddARHeader yes` (without
 *   it, an unsigned message gets no field, and a forged "dkim=pass" the
 *   sender put in would be the topmost dkim result), and the DMARC checker
 *   likewise for every message. RFC 8601 §5 also asks the border to remove
 *   fields that claim its authserv-id; that is a second line, not one to
 *   rely on. Per method, not per field, because OpenDKIM and OpenDMARC
 *   each add a field of their own under the same authserv-id.
 *   A trusted field that cannot be read stops the search for any method
 *   it might have reported: what is below it may be forged, and what it
 *   said is unknown, so the answer is "no" (fail closed). A "none" field
 *   reports no method and stops nothing.
 *
 * exchange-internal — Exchange (Online and Server) marks mail submitted by
 *   an authenticated user of the organisation with
 *   X-MS-Exchange-Organization-AuthAs: Internal, and removes the
 *   X-MS-Exchange-Organization-* fields from mail arriving from outside,
 *   so a sender cannot bring their own. That holds only for mail read
 *   straight from the council's own Exchange: through any relay or
 *   forwarder that passes headers from the internet, the field is
 *   whatever the sender wrote. Only the topmost value counts, as above.
 *
 * token — the message went to the reply address redress issued to this
 *   member for this case (token.c); the caller checked its MAC against
 *   From. Whoever sends it has seen the member's notification.
 *
 * from-only — no check. For trials and tests; it cannot be combined.
 *
 * Every policy but from-only also needs From in one of the council's mail
 * domains. A Reply-To other than From is reported (reply_to_mismatch)
 * whatever the result: replies to the sender would go elsewhere, which is
 * how a forwarded or spoofed message looks, so the caller suspends the
 * commands.
 *
 * Every decision carries one sentence for the case file, in UTF-8, quoting
 * what the message said only after cleaning it (it is the sender's text).
 * docs/procedure.md §7.3 says the same for the council.
 */
#include <string.h>

#include "procedure-private.h"

/* How much of a value from the message a reason quotes. */
#define QUOTE_MAX 64

/* ---- Authentication-Results parsing (RFC 8601 §2.2) --------------------- */

typedef struct {
	const char *p;
} Scan;

static gboolean
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skip folding white space and comments (nested, with quoted pairs). An
 * unterminated comment runs to the end. */
static void
skip_cfws(Scan *s)
{
	for (;;) {
		while (is_wsp(*s->p))
			s->p++;
		if (*s->p != '(')
			return;
		guint depth = 0;
		do {
			if (*s->p == '\\' && s->p[1] != '\0')
				s->p++;
			else if (*s->p == '(')
				depth++;
			else if (*s->p == ')')
				depth--;
			s->p++;
		} while (depth > 0 && *s->p != '\0');
	}
}

/* A value: a quoted-string (unquoted) or a run of characters other than
 * white space, parentheses, ';', '"' and, unless @allow_eq, '='. NULL if
 * there is none or the quoted-string is not closed. */
static char *
read_word(Scan *s, gboolean allow_eq)
{
	if (*s->p == '"') {
		GString *out = g_string_new(NULL);
		const char *p = s->p + 1;
		while (*p != '"') {
			if (*p == '\0') {
				g_string_free(out, TRUE);
				return NULL;
			}
			if (*p == '\\' && p[1] != '\0')
				p++;
			g_string_append_c(out, *p++);
		}
		s->p = p + 1;
		return g_string_free(out, FALSE);
	}
	const char *start = s->p;
	while (*s->p != '\0' && !is_wsp(*s->p) && *s->p != '(' && *s->p != ')' &&
	       *s->p != ';' && *s->p != '"' && (allow_eq || *s->p != '='))
		s->p++;
	if (s->p == start)
		return NULL;
	return g_strndup(start, (gsize)(s->p - start));
}

/* Move to the next ';' outside quotes and comments (or the end). */
static void
skip_to_semicolon(Scan *s)
{
	while (*s->p != '\0' && *s->p != ';') {
		if (*s->p == '(') {
			skip_cfws(s);
		} else if (*s->p == '"') {
			g_autofree char *w = read_word(s, TRUE);
			if (w == NULL)
				s->p += strlen(s->p);
		} else {
			s->p++;
		}
	}
}

static void
result_free(RdAuthresResult *r)
{
	if (r == NULL)
		return;
	g_free(r->method);
	g_free(r->result);
	g_free(r->reason);
	g_ptr_array_unref(r->keys);
	g_ptr_array_unref(r->values);
	g_free(r);
}

void
_rd_authres_free(RdAuthres *a)
{
	if (a == NULL)
		return;
	g_free(a->authserv_id);
	g_ptr_array_unref(a->results);
	g_free(a);
}

const char *
_rd_authres_prop(const RdAuthresResult *r, const char *key)
{
	for (guint i = 0; i < r->keys->len; i++)
		if (strcmp(r->keys->pdata[i], key) == 0)
			return r->values->pdata[i];
	return NULL;
}

/* The properties and reason of @r, up to the next ';'. FALSE if they do
 * not parse. */
static gboolean
read_props(Scan *s, RdAuthresResult *r)
{
	for (;;) {
		skip_cfws(s);
		if (*s->p == '\0' || *s->p == ';')
			return TRUE;
		g_autofree char *k = read_word(s, FALSE);
		if (k == NULL)
			return FALSE;
		skip_cfws(s);
		/* ptype "." property, with CFWS allowed around the dot. */
		if (strchr(k, '.') == NULL && *s->p == '.') {
			s->p++;
			skip_cfws(s);
			g_autofree char *prop = read_word(s, FALSE);
			if (prop == NULL)
				return FALSE;
			char *joined = g_strconcat(k, ".", prop, NULL);
			g_free(k);
			k = joined;
			skip_cfws(s);
		}
		if (*s->p != '=')
			return FALSE;
		s->p++;
		skip_cfws(s);
		/* Property values may hold '=' (a base64 header.b). */
		char *v = read_word(s, TRUE);
		if (v == NULL)
			return FALSE;
		g_autofree char *lk = g_ascii_strdown(k, -1);
		if (strcmp(lk, "reason") == 0 && r->reason == NULL) {
			r->reason = v;
		} else {
			/* Keys without a ptype ("action=none" from Microsoft)
			 * are not in the grammar but harm nothing: kept. */
			g_ptr_array_add(r->keys, g_steal_pointer(&lk));
			g_ptr_array_add(r->values, v);
		}
	}
}

RdAuthres *
_rd_authres_parse(const char *value)
{
	RdAuthres *a = g_new0(RdAuthres, 1);
	a->version = 1;
	a->results = g_ptr_array_new_with_free_func((GDestroyNotify)result_free);
	Scan s = { value != NULL ? value : "" };

	skip_cfws(&s);
	g_autofree char *id = read_word(&s, FALSE);
	if (id == NULL) {
		a->garbled = TRUE;
		return a;
	}
	a->authserv_id = g_ascii_strdown(id, -1);
	skip_cfws(&s);
	if (*s.p != ';' && *s.p != '\0') {
		g_autofree char *v = read_word(&s, FALSE);
		gsize n = v != NULL ? strlen(v) : 0;
		if (n > 0 && n <= 9 && strspn(v, "0123456789") == n)
			a->version = (guint)g_ascii_strtoull(v, NULL, 10);
		else
			a->garbled = TRUE;
	}
	for (;;) {
		skip_cfws(&s);
		if (*s.p == '\0')
			break;
		if (*s.p != ';') {
			a->garbled = TRUE;
			skip_to_semicolon(&s);
			continue;
		}
		s.p++;
		skip_cfws(&s);
		if (*s.p == '\0')
			break;
		g_autofree char *m = read_word(&s, FALSE);
		if (m == NULL) {
			a->garbled = TRUE;
			skip_to_semicolon(&s);
			continue;
		}
		g_autofree char *lm = g_ascii_strdown(m, -1);
		skip_cfws(&s);
		if (strcmp(lm, "none") == 0 && (*s.p == ';' || *s.p == '\0')) {
			a->none = TRUE;
			continue;
		}
		/* method [ "/" version ]: the version is not needed. */
		char *slash = strchr(lm, '/');
		if (slash != NULL)
			*slash = '\0';
		RdAuthresResult *r = g_new0(RdAuthresResult, 1);
		r->method = g_strdup(lm);
		r->keys = g_ptr_array_new_with_free_func(g_free);
		r->values = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(a->results, r);
		if (*r->method == '\0' || *s.p != '=') {
			r->broken = TRUE;
			skip_to_semicolon(&s);
			continue;
		}
		s.p++;
		skip_cfws(&s);
		g_autofree char *res = read_word(&s, FALSE);
		if (res == NULL || !read_props(&s, r)) {
			r->broken = TRUE;
			skip_to_semicolon(&s);
			continue;
		}
		r->result = g_ascii_strdown(res, -1);
	}
	return a;
}

/* ---- policies ------------------------------------------------------------- */

static const struct {
	guint bit;
	const char *name;
} policies[] = {
	{ RD_STAFF_AUTH_AUTHRES, "authentication-results" },
	{ RD_STAFF_AUTH_EXCHANGE, "exchange-internal" },
	{ RD_STAFF_AUTH_TOKEN, "token" },
	{ RD_STAFF_AUTH_FROM_ONLY, "from-only" },
};

/* @s with anything not printable UTF-8 replaced and cut to QUOTE_MAX
 * characters: it came from the message. */
static char *
clean(const char *s)
{
	if (s == NULL)
		return g_strdup("");
	g_autofree char *valid = g_utf8_make_valid(s, -1);
	GString *out = g_string_new(NULL);
	guint n = 0;
	for (const char *p = valid; *p != '\0'; p = g_utf8_next_char(p)) {
		if (n++ == QUOTE_MAX) {
			g_string_append(out, "…");
			break;
		}
		gunichar c = g_utf8_get_char(p);
		if (!g_unichar_isprint(c))
			c = '?';
		g_string_append_unichar(out, c);
	}
	return g_string_free(out, FALSE);
}

gboolean
rd_staff_auth_policy_parse(const char *s, guint *policy_r, char **error_r)
{
	guint policy = 0;

	if (error_r != NULL)
		*error_r = NULL;
	g_autofree char *all = g_strstrip(g_strdup(s != NULL ? s : ""));
	if (*all == '\0') {
		if (error_r != NULL)
			*error_r = g_strdup("no staff authentication policy given: use "
			                    "authentication-results, exchange-internal, token or "
			                    "from-only, or several joined by +");
		return FALSE;
	}
	g_auto(GStrv) words = g_strsplit(all, "+", -1);
	for (guint i = 0; words[i] != NULL; i++) {
		char *w = g_strstrip(words[i]);
		guint bit = 0;
		for (guint j = 0; j < G_N_ELEMENTS(policies); j++)
			if (g_ascii_strcasecmp(w, policies[j].name) == 0)
				bit = policies[j].bit;
		if (bit == 0) {
			if (error_r != NULL) {
				g_autofree char *q = clean(w);
				*error_r = g_strdup_printf("unknown staff authentication policy '%s': use "
				                           "authentication-results, exchange-internal, "
				                           "token or from-only, or several joined by +", q);
			}
			return FALSE;
		}
		policy |= bit;
	}
	if ((policy & RD_STAFF_AUTH_FROM_ONLY) && policy != RD_STAFF_AUTH_FROM_ONLY) {
		if (error_r != NULL)
			*error_r = g_strdup("from-only cannot be combined with another staff "
			                    "authentication policy: it accepts every message by itself");
		return FALSE;
	}
	if (policy_r != NULL)
		*policy_r = policy;
	return TRUE;
}

char *
rd_staff_auth_policy_to_string(guint policy)
{
	GString *out = g_string_new(NULL);
	for (guint i = 0; i < G_N_ELEMENTS(policies); i++) {
		if (policy & policies[i].bit) {
			if (out->len > 0)
				g_string_append_c(out, '+');
			g_string_append(out, policies[i].name);
		}
	}
	return g_string_free(out, FALSE);
}

/* ---- domains ------------------------------------------------------------------ */

/* @child is @parent or a subdomain of it. */
static gboolean
is_same_or_sub(const char *child, const char *parent)
{
	gsize lc = strlen(child), lp = strlen(parent);
	if (lp == 0)
		return FALSE;
	if (lc == lp)
		return g_ascii_strcasecmp(child, parent) == 0;
	return lc > lp && child[lc - lp - 1] == '.' &&
	       g_ascii_strcasecmp(child + lc - lp, parent) == 0;
}

static gboolean
is_council_domain(const char *d, const char *const *domains)
{
	if (d == NULL || *d == '\0' || domains == NULL)
		return FALSE;
	for (guint i = 0; domains[i] != NULL; i++)
		if (is_same_or_sub(d, domains[i]))
			return TRUE;
	return FALSE;
}

/* Relaxed alignment, simplified: the same domain, or one a subdomain of
 * the other. Without the public suffix list (no files here) that is the
 * nearest safe reading of "same organisational domain"; sibling
 * subdomains do not align. */
static gboolean
aligned(const char *a, const char *b)
{
	return is_same_or_sub(a, b) || is_same_or_sub(b, a);
}

/* The domain of an address or of "@domain" (header.i), or the value
 * itself when it has no '@'; lower case. */
static char *
domain_of(const char *v)
{
	if (v == NULL)
		return NULL;
	const char *at = strrchr(v, '@');
	g_autofree char *d = g_strstrip(g_strdup(at != NULL ? at + 1 : v));
	gsize n = strlen(d);
	if (n > 0 && d[n - 1] == '>')
		d[n - 1] = '\0';
	return g_ascii_strdown(d, -1);
}

/* An addr-spec as compared: blanks and <> off, ASCII lower case. */
static char *
normal_address(const char *a)
{
	g_autofree char *s = g_strstrip(g_strdup(a));
	gsize n = strlen(s);
	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		s[n - 1] = '\0';
		memmove(s, s + 1, n - 1);
	}
	return g_ascii_strdown(g_strstrip(s), -1);
}

/* ---- authentication-results ----------------------------------------------------- */

enum { M_DMARC, M_DKIM, M_N };
static const char *const method_names[M_N] = { "dmarc", "dkim" };

typedef struct {
	const RdAuthres *field;  /* the topmost trusted field with the method */
	gboolean blocked;        /* an unreadable trusted field came first */
	guint ignored;           /* lower trusted fields with the method */
} Topmost;

static gboolean
has_method(const RdAuthres *a, const char *m)
{
	for (guint i = 0; i < a->results->len; i++) {
		const RdAuthresResult *r = a->results->pdata[i];
		if (strcmp(r->method, m) == 0)
			return TRUE;
	}
	return FALSE;
}

static gboolean
is_trusted(const char *id, const char *const *trusted)
{
	if (id == NULL || trusted == NULL)
		return FALSE;
	for (guint i = 0; trusted[i] != NULL; i++)
		if (g_ascii_strcasecmp(id, trusted[i]) == 0)
			return TRUE;
	return FALSE;
}

/* " (N lower dmarc results under a trusted authserv-id ignored)". */
static void
append_ignored(GString *why, const Topmost *t, const char *method)
{
	if (t->ignored == 1)
		g_string_append_printf(why, " (a lower %s result under a trusted authserv-id was "
		                       "ignored)", method);
	else if (t->ignored > 1)
		g_string_append_printf(why, " (%u lower %s results under a trusted authserv-id were "
		                       "ignored)", t->ignored, method);
}

/* Why there is no usable result for @method, when the search found none
 * or was blocked; NULL if there is a field to judge. */
static char *
missing(const Topmost *t, const char *method)
{
	if (t->blocked) {
		g_autofree char *id = clean(t->field->authserv_id);
		return g_strdup_printf("an unreadable Authentication-Results field from %s comes "
		                       "first, so no %s result below it is trusted", id, method);
	}
	if (t->field == NULL)
		return g_strdup_printf("no %s result from a trusted server", method);
	return NULL;
}

static gboolean
judge_dmarc(const Topmost *t, const char *from_domain, GString *why)
{
	g_autofree char *none = missing(t, "dmarc");
	if (none != NULL) {
		g_string_append(why, none);
		return FALSE;
	}
	g_autofree char *id = clean(t->field->authserv_id);
	g_autofree char *qf = clean(from_domain);
	gboolean pass = TRUE;
	gboolean said = FALSE;
	/* Every dmarc result of the field must pass: two that disagree
	 * leave the answer unknown. */
	for (guint i = 0; i < t->field->results->len; i++) {
		const RdAuthresResult *r = t->field->results->pdata[i];
		if (strcmp(r->method, "dmarc") != 0)
			continue;
		if (r->broken) {
			if (!said)
				g_string_append_printf(why, "the dmarc result from %s could not be read",
				                       id);
			said = TRUE;
			pass = FALSE;
			continue;
		}
		g_autofree char *hf = domain_of(_rd_authres_prop(r, "header.from"));
		const char *d = hf != NULL && *hf != '\0' ? hf : from_domain;
		g_autofree char *qd = clean(d);
		g_autofree char *qr = clean(r->result);
		gboolean ok = strcmp(r->result, "pass") == 0 && g_ascii_strcasecmp(d, from_domain) == 0;
		if (!ok && !said) {
			if (strcmp(r->result, "pass") != 0)
				g_string_append_printf(why, "dmarc=%s for %s reported by %s", qr, qd, id);
			else
				g_string_append_printf(why, "dmarc=pass for %s reported by %s is not for "
				                       "the From domain %s", qd, id, qf);
			said = TRUE;
		}
		pass = pass && ok;
	}
	if (pass) {
		g_string_append_printf(why, "dmarc=pass for %s reported by %s", qf, id);
	}
	append_ignored(why, t, "dmarc");
	return pass;
}

static gboolean
judge_dkim(const Topmost *t, const char *from_domain, const char *const *domains,
           GString *why)
{
	g_autofree char *none = missing(t, "dkim");
	if (none != NULL) {
		g_string_append(why, none);
		return FALSE;
	}
	g_autofree char *id = clean(t->field->authserv_id);
	g_autofree char *qf = clean(from_domain);
	g_autofree char *first = NULL;
	for (guint i = 0; i < t->field->results->len; i++) {
		const RdAuthresResult *r = t->field->results->pdata[i];
		if (strcmp(r->method, "dkim") != 0)
			continue;
		if (r->broken) {
			if (first == NULL)
				first = g_strdup_printf("a dkim result from %s could not be read", id);
			continue;
		}
		const char *hd = _rd_authres_prop(r, "header.d");
		g_autofree char *d = hd != NULL ? domain_of(hd) : domain_of(_rd_authres_prop(r, "header.i"));
		g_autofree char *qd = clean(d != NULL ? d : "no domain");
		g_autofree char *qr = clean(r->result);
		if (strcmp(r->result, "pass") != 0) {
			if (first == NULL && d != NULL)
				first = g_strdup_printf("dkim=%s for %s reported by %s", qr, qd, id);
			else if (first == NULL)
				first = g_strdup_printf("dkim=%s reported by %s", qr, id);
			continue;
		}
		if (d == NULL || !is_council_domain(d, domains)) {
			g_free(first);
			first = g_strdup_printf("dkim=pass for %s reported by %s is not a council "
			                        "domain", qd, id);
			continue;
		}
		if (!aligned(d, from_domain)) {
			g_free(first);
			first = g_strdup_printf("dkim=pass for %s reported by %s is not aligned with "
			                        "the From domain %s", qd, id, qf);
			continue;
		}
		g_string_append_printf(why, "dkim=pass for %s reported by %s", qd, id);
		append_ignored(why, t, "dkim");
		return TRUE;
	}
	g_string_append(why, first != NULL ? first : "no dkim result");
	append_ignored(why, t, "dkim");
	return FALSE;
}

static gboolean
check_authres(const RdStaffAuthInput *in, const char *from_domain, GString *why)
{
	g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func((GDestroyNotify)_rd_authres_free);
	g_autoptr(GPtrArray) untrusted = g_ptr_array_new_with_free_func(g_free);
	guint n_untrusted = 0;
	gboolean more_ids = FALSE;
	Topmost top[M_N] = { { NULL, FALSE, 0 } };
	guint n_trusted = 0;

	for (guint i = 0; in->auth_results != NULL && in->auth_results[i] != NULL; i++) {
		RdAuthres *a = _rd_authres_parse(in->auth_results[i]);
		g_ptr_array_add(fields, a);
		if (!is_trusted(a->authserv_id, in->trusted_ids)) {
			n_untrusted++;
			/* Name a few, each once. */
			g_autofree char *q = a->authserv_id != NULL ? clean(a->authserv_id)
			                                             : g_strdup("an unreadable one");
			gboolean seen = FALSE;
			for (guint j = 0; j < untrusted->len; j++)
				seen = seen || strcmp(untrusted->pdata[j], q) == 0;
			if (!seen && untrusted->len < 3)
				g_ptr_array_add(untrusted, g_steal_pointer(&q));
			else if (!seen)
				more_ids = TRUE;
			continue;
		}
		n_trusted++;
		/* A version we do not know is read as not understood. A
		 * field not understood blocks every method not found yet,
		 * even one it reports readably: its unreadable part might
		 * have said the opposite. */
		gboolean unreadable = a->garbled || a->version != 1;
		for (guint m = 0; m < M_N; m++) {
			if (top[m].field != NULL) {
				if (has_method(a, method_names[m]))
					top[m].ignored++;
				continue;
			}
			if (unreadable || has_method(a, method_names[m])) {
				top[m].field = a;
				top[m].blocked = unreadable;
			}
		}
	}

	if (n_trusted == 0) {
		if (n_untrusted == 0) {
			g_string_append(why, "no Authentication-Results field");
			return FALSE;
		}
		g_string_append(why, "no Authentication-Results from a trusted server (found ");
		if (n_untrusted == 1)
			g_string_append(why, "one from ");
		else
			g_string_append_printf(why, "%u, from ", n_untrusted);
		for (guint j = 0; j < untrusted->len; j++)
			g_string_append_printf(why, "%s%s", j > 0 ? ", " : "", (char *)untrusted->pdata[j]);
		if (more_ids)
			g_string_append(why, " and others");
		g_string_append(why, n_untrusted == 1 ? ", ignored)" : ", all ignored)");
		return FALSE;
	}

	if (top[M_DMARC].blocked && top[M_DKIM].blocked && top[M_DMARC].field == top[M_DKIM].field) {
		g_autofree char *id = clean(top[M_DMARC].field->authserv_id);
		g_string_append_printf(why, "an unreadable Authentication-Results field from %s comes "
		                       "first, so no result below it is trusted", id);
		return FALSE;
	}
	g_autoptr(GString) dmarc = g_string_new(NULL);
	if (judge_dmarc(&top[M_DMARC], from_domain, dmarc)) {
		g_string_append(why, dmarc->str);
		return TRUE;
	}
	g_autoptr(GString) dkim = g_string_new(NULL);
	if (judge_dkim(&top[M_DKIM], from_domain, in->domains, dkim)) {
		g_string_append(why, dkim->str);
		return TRUE;
	}
	g_string_append_printf(why, "%s, and %s", dmarc->str, dkim->str);
	return FALSE;
}

/* ---- the other policies ------------------------------------------------------------ */

static gboolean
check_exchange(const RdStaffAuthInput *in, GString *why)
{
	if (in->exchange_authas == NULL || in->exchange_authas[0] == NULL) {
		g_string_append(why, "no X-MS-Exchange-Organization-AuthAs field (the message was "
		                "not submitted inside the council's Exchange)");
		return FALSE;
	}
	g_autofree char *top = g_strstrip(g_strdup(in->exchange_authas[0]));
	if (g_ascii_strcasecmp(top, "Internal") == 0) {
		g_string_append(why, "X-MS-Exchange-Organization-AuthAs is Internal: sent by a "
		                "signed-in user of the council's Exchange");
		return TRUE;
	}
	g_autofree char *q = clean(top);
	g_string_append_printf(why, "the topmost X-MS-Exchange-Organization-AuthAs is '%s', not "
	                       "Internal", q);
	return FALSE;
}

static gboolean
check_token(const RdStaffAuthInput *in, const char *from, GString *why)
{
	g_autofree char *q = clean(from);
	if (in->token_ok) {
		g_string_append_printf(why, "sent to the reply address issued to %s for this case",
		                       q);
		return TRUE;
	}
	g_string_append_printf(why, "not sent to a reply address issued to %s for this case", q);
	return FALSE;
}

void
rd_staff_auth_decide(const RdStaffAuthInput *in, RdStaffAuthResult *out)
{
	g_return_if_fail(out != NULL);
	memset(out, 0, sizeof(*out));
	g_return_if_fail(in != NULL);

	g_autoptr(GString) why = g_string_new(NULL);
	g_autofree char *from = in->from != NULL ? normal_address(in->from) : NULL;
	g_autofree char *from_domain = NULL;
	if (from != NULL && strchr(from, '@') != NULL)
		from_domain = domain_of(from);
	guint policy = in->policy & (RD_STAFF_AUTH_AUTHRES | RD_STAFF_AUTH_EXCHANGE |
	                             RD_STAFF_AUTH_TOKEN | RD_STAFF_AUTH_FROM_ONLY);

	if (in->reply_to != NULL) {
		g_autofree char *rt = normal_address(in->reply_to);
		out->reply_to_mismatch = *rt != '\0' && g_strcmp0(rt, from) != 0;
	}

	if (policy & RD_STAFF_AUTH_FROM_ONLY) {
		out->pass = TRUE;
		out->method = "from-only";
		g_string_append(why, "no check: policy from-only");
	} else if (policy == 0) {
		g_string_append(why, "no staff authentication policy is set");
	} else if (from_domain == NULL || *from_domain == '\0') {
		g_string_append(why, "no From address to check");
	} else if (!is_council_domain(from_domain, in->domains)) {
		g_autofree char *q = clean(from_domain);
		if (in->domains == NULL || in->domains[0] == NULL)
			g_string_append_printf(why, "From domain %s cannot be checked: no council mail "
			                       "domains are configured", q);
		else
			g_string_append_printf(why, "From domain %s is not one of the council's mail "
			                       "domains", q);
	} else {
		g_autoptr(GString) fails = g_string_new(NULL);
		guint n_checked = 0;
		for (guint i = 0; i < G_N_ELEMENTS(policies) && !out->pass; i++) {
			if (!(policy & policies[i].bit))
				continue;
			g_autoptr(GString) one = g_string_new(NULL);
			gboolean ok = FALSE;
			switch (policies[i].bit) {
			case RD_STAFF_AUTH_AUTHRES:
				ok = check_authres(in, from_domain, one);
				break;
			case RD_STAFF_AUTH_EXCHANGE:
				ok = check_exchange(in, one);
				break;
			case RD_STAFF_AUTH_TOKEN:
				ok = check_token(in, from, one);
				break;
			default:
				break;
			}
			if (ok) {
				out->pass = TRUE;
				out->method = policies[i].name;
				g_string_assign(why, one->str);
			} else {
				g_string_append_printf(fails, "%s%s: %s", n_checked > 0 ? "; " : "",
				                       policies[i].name, one->str);
				n_checked++;
				/* One policy: its reason needs no label. */
				if (n_checked == 1)
					g_string_assign(why, one->str);
			}
		}
		if (!out->pass && n_checked > 1)
			g_string_assign(why, fails->str);
	}

	if (out->reply_to_mismatch) {
		g_autofree char *q = clean(in->reply_to);
		g_string_append_printf(why, "; Reply-To %s is not the From address", q);
	}
	out->reason = g_string_free(g_steal_pointer(&why), FALSE);
}

void
rd_staff_auth_result_clear(RdStaffAuthResult *r)
{
	if (r == NULL)
		return;
	g_clear_pointer(&r->reason, g_free);
	r->pass = FALSE;
	r->reply_to_mismatch = FALSE;
	r->method = NULL;
}
