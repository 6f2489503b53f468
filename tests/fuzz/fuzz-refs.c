/*
 * fuzz-refs.c — libFuzzer target for case references and reply tokens:
 * the tolerant finder (parsers/refs.c rd_refs_find), the canonical form
 * (procedure/reference.c) and the per-case tokens (procedure/token.c).
 *
 * The first byte picks the reference prefix ("CMP", or "co" and "Lo",
 * whose o and l must not be taken for digits); the rest is the text.
 *
 * Invariants beyond the sanitizers:
 *  - every reference found is canonical ASCII PREFIX-YYYY-NNNNNN with a
 *    year 2000–2099 and a number 1–999999: rd_reference_parse() accepts it,
 *    rd_reference_format() gives it back, and the finder run on it finds
 *    just it;
 *  - the text itself, when rd_reference_parse() accepts it, formats back
 *    to itself up to case;
 *  - the token address made for each reference verifies back to it, and
 *    still does after the retyping people do (any case, l or I for 1, o
 *    for 0, u for v), with the retyping chosen by the input's bytes;
 *  - the text taken as an address either fails to verify or verifies to a
 *    canonical reference.
 */
#include <string.h>

#include "parsers.h"
#include "procedure.h"
#include "fuzz.h"

static const guint8 key[RD_TOKEN_KEY_LEN] = "fuzz-key-0123456789abcdefghijklm";

static void
check_canonical(const char *prefix, const char *ref)
{
	int year = 0;
	gint64 seq = 0;
	for (const char *p = ref; *p != '\0'; p++)
		rd_fuzz_check(g_ascii_isprint(*p), "reference '%s' is not printable ASCII", ref);
	rd_fuzz_check(rd_reference_parse(prefix, ref, &year, &seq), "found '%s' does not parse", ref);
	rd_fuzz_check(year >= 2000 && year <= 2099 && seq >= 1 && seq <= 999999,
	              "'%s' gives year %d, number %" G_GINT64_FORMAT, ref, year, seq);
	g_autofree char *again = rd_reference_format(prefix, year, seq);
	rd_fuzz_check(g_strcmp0(again, ref) == 0, "'%s' formats as '%s'", ref, rd_fuzz_str(again));
	g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func(g_free);
	rd_refs_find(prefix, ref, found);
	rd_fuzz_check(found->len == 1 && strcmp(found->pdata[0], ref) == 0,
	              "the finder on '%s' finds %u references", ref, found->len);
}

/* @addr retyped as a person might, choosing by the bytes of @noise: the
 * reference digits and the MAC get their look-alike letters, any letter
 * may change case. The prefix's own letters keep their identity. */
static char *
retype(const char *addr, gsize prefix_end, const guint8 *noise, gsize n_noise)
{
	char *out = g_strdup(addr);
	const char *at = strrchr(out, '@');
	for (gsize i = 0; out + i < at && n_noise > 0; i++) {
		guint8 r = noise[i % n_noise];
		char c = out[i];
		if (i >= prefix_end && c == '1')
			c = "1lLiI"[r % 5];
		else if (i >= prefix_end && c == '0')
			c = "0oO"[r % 3];
		else if (i >= prefix_end && c == 'v')
			c = "vuVU"[r % 4];
		else if (r & 1)
			c = g_ascii_toupper(c);
		out[i] = c;
	}
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const prefixes[] = { "CMP", "co", "Lo" };
	static gboolean ready;
	if (!ready) {
		rd_fuzz_init();
		ready = TRUE;
	}
	if (size == 0)
		return 0;
	const char *prefix = prefixes[data[0] % G_N_ELEMENTS(prefixes)];
	g_autofree char *text = g_strndup((const char *)data + 1, size - 1);

	g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func(g_free);
	rd_refs_find(prefix, text, refs);
	for (guint i = 0; i < refs->len; i++) {
		const char *ref = refs->pdata[i];
		check_canonical(prefix, ref);

		static const char base[] = "complaints@council.example";
		g_autofree char *addr = rd_token_address(key, sizeof(key), base, ref);
		rd_fuzz_check(addr != NULL, "no token address for '%s'", ref);
		g_autofree char *back = rd_token_verify(key, sizeof(key), prefix, addr);
		rd_fuzz_check(g_strcmp0(back, ref) == 0, "'%s' verifies to '%s', not '%s'", addr,
		              rd_fuzz_str(back), ref);
		/* "complaints+" and the prefix keep their letters. */
		gsize prefix_end = strlen("complaints+") + strlen(prefix);
		g_autofree char *typed = retype(addr, prefix_end, data, size);
		g_autofree char *typed_back = rd_token_verify(key, sizeof(key), prefix, typed);
		rd_fuzz_check(g_strcmp0(typed_back, ref) == 0, "retyped '%s' verifies to '%s', not '%s'",
		              typed, rd_fuzz_str(typed_back), ref);
	}

	int year = 0;
	gint64 seq = 0;
	if (rd_reference_parse(prefix, text, &year, &seq)) {
		g_autofree char *canon = rd_reference_format(prefix, year, seq);
		rd_fuzz_check(canon != NULL && g_ascii_strcasecmp(canon, text) == 0,
		              "'%s' parses but formats as '%s'", text, rd_fuzz_str(canon));
	}

	g_autofree char *verified = rd_token_verify(key, sizeof(key), prefix, text);
	if (verified != NULL)
		rd_fuzz_check(rd_reference_parse(prefix, verified, NULL, NULL),
		              "'%s' verifies to a non-canonical '%s'", text, verified);
	return 0;
}
