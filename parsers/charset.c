/*
 * charset.c — bytes in whatever charset a message claims → valid UTF-8.
 *
 * Mail lies about its charset. Common cases, in the order we meet them:
 *  - no charset at all, with 8-bit bytes (old clients, raw 8-bit headers);
 *  - "iso-8859-1" or "us-ascii" on text that is really windows-1252 (curly
 *    quotes, the euro sign in 0x80–0x9F) or really UTF-8;
 *  - "utf-8" on text with a few stray windows-1252 bytes (a paste);
 *  - a real legacy charset (koi8-r, iso-2022-jp, utf-7, shift_jis …).
 *
 * rd_to_utf8() never fails and its result is always valid UTF-8 without NUL
 * bytes (a NUL would silently cut the string for every C caller). Pure
 * ASCII is copied as is; that is by far the most common case.
 */
#include <errno.h>
#include <string.h>
#include <gmime/gmime.h>

#include "parsers-private.h"

/* windows-1252 0x80–0x9F. The five bytes it leaves undefined map to the C1
 * control of the same value, as the WHATWG encoding standard does, so that
 * no byte is lost. */
static const gunichar cp1252_high[32] = {
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static void
append_cp1252_byte(GString *out, guchar c)
{
	if (c == 0)
		return;
	if (c < 0x80)
		g_string_append_c(out, (char) c);
	else if (c < 0xA0)
		g_string_append_unichar(out, cp1252_high[c - 0x80]);
	else
		g_string_append_unichar(out, c);
}

/* All bytes windows-1252. */
static char *
decode_cp1252(const char *data, gsize len)
{
	GString *out = g_string_sized_new(len + len / 8 + 1);
	for (gsize i = 0; i < len; i++)
		append_cp1252_byte(out, (guchar) data[i]);
	return g_string_free(out, FALSE);
}

/* UTF-8 where the bytes are valid UTF-8, windows-1252 byte by byte where
 * they are not: keeps a UTF-8 message with one pasted cp1252 quote
 * readable instead of turning either half into mojibake. */
static char *
decode_utf8_or_cp1252(const char *data, gsize len)
{
	GString *out = g_string_sized_new(len + 16);
	const char *p = data;
	const char *end = data + len;

	while (p < end) {
		const char *bad = NULL;
		g_utf8_validate_len(p, (gsize) (end - p), &bad);
		/* bad points at the first invalid byte (or NUL), or at end */
		g_string_append_len(out, p, bad - p);
		if (bad >= end)
			break;
		append_cp1252_byte(out, (guchar) *bad);
		p = bad + 1;
	}
	return g_string_free(out, FALSE);
}

/* TRUE if every byte is printable-range ASCII (NUL excluded, because
 * UTF-16 text is mostly NULs and ASCII). */
static gboolean
is_plain_ascii(const char *data, gsize len)
{
	const guchar *p = (const guchar *) data;
	for (gsize i = 0; i < len; i++)
		if (p[i] == 0 || p[i] >= 0x80)
			return FALSE;
	return TRUE;
}

/* Charsets that encode non-ASCII text in 7-bit bytes, so pure ASCII input
 * still has to be decoded. */
static gboolean
is_7bit_stateful(const char *cs)
{
	return g_ascii_strncasecmp(cs, "utf-7", 5) == 0 ||
	       g_ascii_strncasecmp(cs, "unicode-1-1-utf-7", 17) == 0 ||
	       g_ascii_strncasecmp(cs, "iso-2022", 8) == 0 ||
	       g_ascii_strncasecmp(cs, "hz", 2) == 0;
}

/* Labels whose text is usually really windows-1252 (or UTF-8). */
static gboolean
is_latin1_family(const char *cs)
{
	static const char *const names[] = {
		"us-ascii", "ascii", "iso-8859-1", "iso8859-1", "iso_8859-1",
		"latin1", "latin-1", "l1", "windows-1252", "cp1252",
		"x-user-defined", "ansi_x3.4-1968", "iso-ir-100", "cp819",
		"8bit", "unknown", "unknown-8bit", "x-unknown", "default",
	};
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
		if (g_ascii_strcasecmp(cs, names[i]) == 0)
			return TRUE;
	return FALSE;
}

static gboolean
is_utf8_label(const char *cs)
{
	return g_ascii_strcasecmp(cs, "utf-8") == 0 ||
	       g_ascii_strcasecmp(cs, "utf8") == 0;
}

/* Multi-byte legacy charsets and UTF-16/32: text in these is not plausibly
 * mistaken for UTF-8, and may look like valid UTF-8 by chance only when
 * short, so always trust the label. Everything else (single-byte
 * charsets) is checked for being UTF-8 in disguise first. */
static gboolean
is_multibyte_label(const char *cs)
{
	static const char *const prefixes[] = {
		"utf-16", "utf-32", "ucs", "unicode", "shift", "sjis", "x-sjis",
		"euc", "gb", "big5", "cp936", "cp949", "cp950", "ks_c", "windows-31j",
		"cp932", "x-euc", "csshift",
	};
	for (gsize i = 0; i < G_N_ELEMENTS(prefixes); i++)
		if (g_ascii_strncasecmp(cs, prefixes[i], strlen(prefixes[i])) == 0)
			return TRUE;
	return FALSE;
}

/* Convert with iconv; invalid input bytes become U+FFFD and conversion
 * goes on. Returns NULL only when iconv does not know @charset. */
static char *
decode_iconv(const char *data, gsize len, const char *charset)
{
	iconv_t cd = g_mime_iconv_open("UTF-8", charset);
	if (cd == (iconv_t) -1)
		return NULL;

	GString *out = g_string_sized_new(len * 2 + 16);
	char buf[4096];
	char *in = (char *) data;
	size_t inleft = len;

	while (inleft > 0) {
		char *o = buf;
		size_t oleft = sizeof buf;
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);
		int err = errno;
		g_string_append_len(out, buf, o - buf);
		if (r != (size_t) -1)
			break;
		if (err == E2BIG)
			continue;
		/* EILSEQ or EINVAL (truncated sequence at the end): mark the
		 * byte, reset the shift state and carry on after it. */
		g_string_append(out, "\xEF\xBF\xBD");
		in++;
		inleft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	/* flush any shift state (iso-2022-jp ends in ASCII mode) */
	{
		char *o = buf;
		size_t oleft = sizeof buf;
		iconv(cd, NULL, NULL, &o, &oleft);
		g_string_append_len(out, buf, o - buf);
	}
	g_mime_iconv_close(cd);

	/* iconv output is UTF-8, but may contain U+0000 from the input */
	if (memchr(out->str, '\0', out->len) != NULL) {
		gsize w = 0;
		for (gsize r2 = 0; r2 < out->len; r2++)
			if (out->str[r2] != '\0')
				out->str[w++] = out->str[r2];
		g_string_truncate(out, w);
	}
	return g_string_free(out, FALSE);
}

char *
rd_to_utf8(const char *data, gsize len, const char *charset)
{
	if (data == NULL || len == 0)
		return g_strdup("");

	g_autofree char *cs = NULL;
	if (charset != NULL) {
		cs = g_strstrip(g_strdup(charset));
		/* some senders quote it or add junk after a semicolon */
		g_strdelimit(cs, "\"';", ' ');
		g_strstrip(cs);
		char *sp = strchr(cs, ' ');
		if (sp != NULL)
			*sp = '\0';
	}
	if (cs != NULL && cs[0] == '\0')
		g_clear_pointer(&cs, g_free);

	if (is_plain_ascii(data, len) &&
	    (cs == NULL || !is_7bit_stateful(cs)))
		return g_strndup(data, len);

	if (cs == NULL || is_utf8_label(cs))
		return decode_utf8_or_cp1252(data, len);

	if (is_latin1_family(cs)) {
		if (g_utf8_validate_len(data, len, NULL))
			return g_strndup(data, len);
		return decode_cp1252(data, len);
	}

	if (!is_multibyte_label(cs) && !is_7bit_stateful(cs) &&
	    g_utf8_validate_len(data, len, NULL))
		return g_strndup(data, len);

	char *conv = decode_iconv(data, len, cs);
	if (conv == NULL)
		return decode_utf8_or_cp1252(data, len);
	if (!g_utf8_validate(conv, -1, NULL)) {
		char *valid = g_utf8_make_valid(conv, -1);
		g_free(conv);
		return valid;
	}
	return conv;
}
