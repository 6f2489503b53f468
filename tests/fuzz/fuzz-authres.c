/*
 * fuzz-authres.c — libFuzzer target for the staff authentication decision
 * (procedure/staffauth.c): the Authentication-Results parser and
 * rd_staff_auth_decide(), plus the policy strings.
 *
 * Input: the first byte is the policy (low four bits) and token_ok (0x10);
 * the rest is lines: From, Reply-To (empty: none), then one field value a
 * line — "X:" starts an X-MS-Exchange-Organization-AuthAs value, anything
 * else is an Authentication-Results value. The trusted authserv-id is
 * mx.council.example, the council's domain council.example.
 *
 * Invariants beyond the sanitizers:
 *  - the decision never crashes; its reason is non-empty valid UTF-8;
 *    method is set exactly when it passes, and names a policy that was
 *    asked for; from-only always passes; any other pass has a From in a
 *    council domain; reply_to_mismatch does not depend on the policy;
 *  - the topmost rule: with our own field on top saying dmarc=fail and
 *    dkim=fail, nothing below it makes authentication-results pass; an
 *    untrusted field added on top changes nothing; fields added below a
 *    passing set never turn it into a failure;
 *  - each field parses into lower-case ids, methods, results and keys,
 *    with result NULL exactly for a broken resinfo;
 *  - the From line read as a policy string either fails with a UTF-8
 *    message or round-trips through rd_staff_auth_policy_to_string().
 */
#include <string.h>

#include "procedure-private.h"
#include "fuzz.h"

static const char *const trusted[] = { "mx.council.example", NULL };
static const char *const domains[] = { "council.example", NULL };

static gboolean
no_upper(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (g_ascii_isupper(*s))
			return FALSE;
	return TRUE;
}

static void
check_parse(const char *value)
{
	g_autoptr(RdAuthres) a = _rd_authres_parse(value);
	rd_fuzz_check(a != NULL && a->results != NULL, "no parse");
	rd_fuzz_check(no_upper(a->authserv_id), "authserv-id '%s'", a->authserv_id);
	rd_fuzz_check(a->authserv_id != NULL || a->garbled, "no id yet not garbled");
	for (guint i = 0; i < a->results->len; i++) {
		const RdAuthresResult *r = a->results->pdata[i];
		rd_fuzz_check(r->method != NULL && no_upper(r->method), "method");
		rd_fuzz_check(strchr(r->method, '/') == NULL, "method '%s' keeps its version", r->method);
		rd_fuzz_check((r->result == NULL) == r->broken, "result %s, broken %d",
		              rd_fuzz_str(r->result), r->broken);
		rd_fuzz_check(no_upper(r->result), "result '%s'", r->result);
		rd_fuzz_check(r->keys->len == r->values->len, "keys and values");
		for (guint k = 0; k < r->keys->len; k++)
			rd_fuzz_check(no_upper(r->keys->pdata[k]) && r->values->pdata[k] != NULL, "key");
	}
}

static void
decide(RdStaffAuthInput *in, RdStaffAuthResult *out)
{
	rd_staff_auth_decide(in, out);
	rd_fuzz_check(out->reason != NULL && *out->reason != '\0', "no reason");
	rd_fuzz_check(g_utf8_validate(out->reason, -1, NULL), "reason not UTF-8");
	rd_fuzz_check((out->method != NULL) == out->pass, "method %s, pass %d", rd_fuzz_str(out->method),
	              out->pass);
}

static const char *const *
strv(GPtrArray *a)
{
	return (const char *const *)a->pdata;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static gboolean ready;
	if (!ready) {
		rd_fuzz_init();
		ready = TRUE;
	}
	if (size == 0)
		return 0;
	guint policy = data[0] & 0x0f;
	gboolean token_ok = (data[0] & 0x10) != 0;
	g_autofree char *text = g_strndup((const char *)data + 1, size - 1);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	const char *from = lines[0] != NULL && *lines[0] != '\0' ? lines[0] : NULL;
	const char *reply_to = lines[0] != NULL && lines[1] != NULL && *lines[1] != '\0' ? lines[1] : NULL;
	g_autoptr(GPtrArray) ar = g_ptr_array_new();
	g_autoptr(GPtrArray) authas = g_ptr_array_new();
	for (guint i = 2; lines[0] != NULL && lines[1] != NULL && lines[i] != NULL; i++) {
		if (g_str_has_prefix(lines[i], "X:"))
			g_ptr_array_add(authas, lines[i] + 2);
		else
			g_ptr_array_add(ar, lines[i]);
	}
	g_ptr_array_add(ar, NULL);
	g_ptr_array_add(authas, NULL);
	for (guint i = 0; i + 1 < ar->len; i++)
		check_parse(ar->pdata[i]);

	RdStaffAuthInput in = {
		.policy = policy,
		.trusted_ids = trusted,
		.domains = domains,
		.from = from,
		.reply_to = reply_to,
		.auth_results = strv(ar),
		.exchange_authas = strv(authas),
		.token_ok = token_ok,
	};
	RdStaffAuthResult out;
	decide(&in, &out);
	if (out.pass) {
		guint bit = 0;
		rd_fuzz_check(rd_staff_auth_policy_parse(out.method, &bit, NULL) && (bit & policy),
		              "method %s not in policy %u", out.method, policy);
		if (!(policy & RD_STAFF_AUTH_FROM_ONLY)) {
			/* The From domain as documented: blanks and <> around
			 * the address off, then what follows the last '@'. */
			g_autofree char *f = g_strstrip(g_strdup(from != NULL ? from : ""));
			gsize n = strlen(f);
			if (n >= 2 && f[0] == '<' && f[n - 1] == '>')
				f[n - 1] = ' ';
			const char *at = strrchr(f, '@');
			g_autofree char *d = at != NULL ? g_strstrip(g_ascii_strdown(at + 1, -1)) : NULL;
			if (d != NULL && d[0] != '\0' && d[strlen(d) - 1] == '>')
				d[strlen(d) - 1] = '\0';
			rd_fuzz_check(d != NULL && (strcmp(d, "council.example") == 0 ||
			                            g_str_has_suffix(d, ".council.example")),
			              "pass for From '%s'", rd_fuzz_str(from));
		}
	}
	if (policy & RD_STAFF_AUTH_FROM_ONLY)
		rd_fuzz_check(out.pass, "from-only did not pass");
	gboolean mismatch = out.reply_to_mismatch;

	/* Our fail on top: nothing below passes authentication-results. */
	{
		g_autoptr(GPtrArray) ar2 = g_ptr_array_new();
		g_ptr_array_add(ar2, (char *)"mx.council.example; dmarc=fail; dkim=fail header.d=council.example");
		for (guint i = 0; i + 1 < ar->len; i++)
			g_ptr_array_add(ar2, ar->pdata[i]);
		g_ptr_array_add(ar2, NULL);
		RdStaffAuthInput in2 = in;
		in2.policy = RD_STAFF_AUTH_AUTHRES;
		in2.auth_results = strv(ar2);
		RdStaffAuthResult out2;
		decide(&in2, &out2);
		rd_fuzz_check(!out2.pass, "a field below our fail passed: %s", out2.reason);
		rd_fuzz_check(out2.reply_to_mismatch == mismatch, "mismatch depends on the policy");
		rd_staff_auth_result_clear(&out2);
	}
	/* An untrusted field on top changes nothing. */
	{
		g_autoptr(GPtrArray) ar3 = g_ptr_array_new();
		g_ptr_array_add(ar3, (char *)"evil.example; dmarc=pass; dkim=pass header.d=council.example; \"");
		for (guint i = 0; i + 1 < ar->len; i++)
			g_ptr_array_add(ar3, ar->pdata[i]);
		g_ptr_array_add(ar3, NULL);
		RdStaffAuthInput in3 = in;
		in3.auth_results = strv(ar3);
		RdStaffAuthResult out3;
		decide(&in3, &out3);
		rd_fuzz_check(out3.pass == out.pass, "an untrusted field on top changed the decision: %s / %s",
		              out.reason, out3.reason);
		rd_staff_auth_result_clear(&out3);
	}
	/* A forged pass below a passing set keeps it passing. */
	if (out.pass) {
		g_autoptr(GPtrArray) ar4 = g_ptr_array_new();
		for (guint i = 0; i + 1 < ar->len; i++)
			g_ptr_array_add(ar4, ar->pdata[i]);
		g_ptr_array_add(ar4, (char *)"mx.council.example; dmarc=fail; dkim=fail; \"broken");
		g_ptr_array_add(ar4, NULL);
		RdStaffAuthInput in4 = in;
		in4.auth_results = strv(ar4);
		RdStaffAuthResult out4;
		decide(&in4, &out4);
		rd_fuzz_check(out4.pass, "a field below turned a pass into a failure: %s", out4.reason);
		rd_staff_auth_result_clear(&out4);
	}
	rd_staff_auth_result_clear(&out);

	/* The From line as a policy string. */
	if (from != NULL) {
		guint p = 0;
		g_autofree char *err = NULL;
		if (rd_staff_auth_policy_parse(from, &p, &err)) {
			g_autofree char *s = rd_staff_auth_policy_to_string(p);
			guint p2 = 0;
			rd_fuzz_check(rd_staff_auth_policy_parse(s, &p2, NULL) && p2 == p, "policy '%s'", s);
		} else {
			rd_fuzz_check(err != NULL && g_utf8_validate(err, -1, NULL), "policy error");
		}
	}
	return 0;
}
