/*
 * token.c — per-case reply tokens.
 *
 * Our letters on a case carry a Reply-To such as
 *
 *     complaints+cmp-2026-000123-k3j9m2qa@council.gov.uk
 *
 * The extension is the reference in lower case, a hyphen, and a MAC: the
 * first 40 bits of HMAC-SHA256(key, canonical reference) written as eight
 * characters of the alphabet below. A reply to that address is threaded to
 * the case with the highest confidence, because only we can make a valid
 * MAC; a reference alone, which anyone can quote, needs the sender to be a
 * party to the case (see decide.c).
 *
 * Forty bits is plenty here: a forger gets no feedback from a wrong guess
 * (the message simply goes to triage), and the MAC only chooses a case, it
 * grants no authority.
 *
 * People retype addresses from printed letters, so the alphabet leaves out
 * i, l, o and u, and verification reads the letters people write for them:
 *   i, l -> 1     (the alphabet has no i or l, so these can only be a one)
 *   o    -> 0     (likewise a zero)
 *   u    -> v     (handwritten v is read as u; u is otherwise unused)
 * Case is ignored everywhere: mail systems change it freely. The same
 * i/l -> 1 and o -> 0 rule applies to the digits of the reference part.
 *
 * Staff reply addresses (rd_staff_token_address) add a purpose letter and
 * bind the MAC to the member of staff:
 *
 *     complaints+cmp-2026-000123-r-xxxxxxxx@council.gov.uk
 *     MAC = HMAC-SHA256(key, "staff" NUL ref NUL purpose NUL lower(member))
 *
 * The "staff" label and the NULs keep the two kinds of MAC apart: the
 * complainant's MAC is over the reference alone, and a reference has no
 * NUL, so no input of one is an input of the other. The shapes differ too
 * (the extra "-r"), so each verifier refuses the other's addresses before
 * computing anything. Here the MAC does grant something — staff commands
 * — but only together with the staff directory and the authentication
 * policy (staffauth.c); alone it proves that whoever wrote had the
 * notification sent to that member.
 */
#include <string.h>

#include "procedure.h"

#define MAC_CHARS 8

static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";

/* Write the MAC of the @len bytes at @data (the canonical reference, or
 * the staff input) into @mac_r (MAC_CHARS characters and a NUL). */
static void
compute_mac(const guint8 *key, gsize key_len, const void *data, gsize len,
            char mac_r[MAC_CHARS + 1])
{
	guint8 digest[32];
	gsize digest_len = sizeof(digest);
	GHmac *hmac = g_hmac_new(G_CHECKSUM_SHA256, key, key_len);

	g_hmac_update(hmac, data, (gssize)len);
	g_hmac_get_digest(hmac, digest, &digest_len);
	g_hmac_unref(hmac);

	/* Take the digest's leading bits five at a time, most significant
	 * first, so the token is a prefix of the full MAC's bit string. */
	guint64 bits = 0;
	for (guint i = 0; i < 5; i++)
		bits = (bits << 8) | digest[i];
	for (guint i = 0; i < MAC_CHARS; i++) {
		guint shift = 5 * (MAC_CHARS - 1 - i);
		mac_r[i] = alphabet[(bits >> shift) & 0x1f];
	}
	mac_r[MAC_CHARS] = '\0';
}

/* The canonical (upper-case) form of any valid reference @ref, whatever its
 * prefix, or NULL. */
static char *
canonical_any(const char *ref)
{
	const char *dash;
	int year;
	gint64 seq;

	if (ref == NULL)
		return NULL;
	dash = strchr(ref, '-');
	if (dash == NULL)
		return NULL;
	g_autofree char *prefix = g_strndup(ref, (gsize)(dash - ref));
	if (!rd_reference_parse(prefix, ref, &year, &seq))
		return NULL;
	return rd_reference_format(prefix, year, seq);
}

char *
rd_token_make(const guint8 *key, gsize key_len, const char *ref)
{
	char mac[MAC_CHARS + 1];

	g_return_val_if_fail(key != NULL && key_len > 0, NULL);
	g_autofree char *canon = canonical_any(ref);
	g_return_val_if_fail(canon != NULL, NULL);

	compute_mac(key, key_len, canon, strlen(canon), mac);
	g_autofree char *lower = g_ascii_strdown(canon, -1);
	return g_strconcat(lower, "-", mac, NULL);
}

char *
rd_token_address(const guint8 *key, gsize key_len, const char *base,
                 const char *ref)
{
	g_return_val_if_fail(base != NULL, NULL);
	const char *at = strrchr(base, '@');
	g_return_val_if_fail(at != NULL && at != base, NULL);

	g_autofree char *token = rd_token_make(key, key_len, ref);
	if (token == NULL)
		return NULL;

	/* An existing +extension on the mailbox address is replaced, not
	 * extended: verification takes everything after the first '+'. */
	const char *plus = memchr(base, '+', (gsize)(at - base));
	const char *local_end = plus != NULL ? plus : at;
	g_autofree char *local = g_strndup(base, (gsize)(local_end - base));
	return g_strconcat(local, "+", token, at, NULL);
}

/* Map one retyped MAC character to the alphabet, or return '\0' if it is
 * not one. */
static char
normalise_mac_char(char c)
{
	c = g_ascii_tolower(c);
	switch (c) {
	case 'i':
	case 'l':
		return '1';
	case 'o':
		return '0';
	case 'u':
		return 'v';
	default:
		break;
	}
	if (c == '\0' || strchr(alphabet, c) == NULL)
		return '\0';
	return c;
}

/* Compare without an early exit, so the time taken does not tell a prober
 * how many leading characters were right. */
static gboolean
equal_constant_time(const char *a, const char *b, gsize n)
{
	guint8 diff = 0;

	for (gsize i = 0; i < n; i++)
		diff |= (guint8)(a[i] ^ b[i]);
	return diff == 0;
}

/* The "+extension" of @address without its trailing "-MAC", the MAC
 * (normalised as people retype it) into @given; NULL when @address has no
 * extension ending in a MAC. The angle brackets and spaces of an address
 * copied from a header are tolerated; anything else around it makes it
 * malformed. Both token forms (the complainant's, staff reply addresses)
 * end this way. Newly allocated. */
static char *
token_extension(const char *address, char given[MAC_CHARS + 1])
{
	g_autofree char *addr = g_strstrip(g_strdup(address));
	gsize alen = strlen(addr);
	if (alen >= 2 && addr[0] == '<' && addr[alen - 1] == '>') {
		addr[alen - 1] = '\0';
		memmove(addr, addr + 1, alen - 1);
	}
	const char *at = strrchr(addr, '@');
	if (at == NULL)
		return NULL;
	const char *plus = memchr(addr, '+', (gsize)(at - addr));
	if (plus == NULL)
		return NULL;
	char *ext = g_strndup(plus + 1, (gsize)(at - plus - 1));
	/* The reference has hyphens of its own; the MAC follows the last. */
	char *dash = strrchr(ext, '-');
	if (dash == NULL || strlen(dash + 1) != MAC_CHARS) {
		g_free(ext);
		return NULL;
	}
	*dash = '\0';
	for (guint i = 0; i < MAC_CHARS; i++) {
		given[i] = normalise_mac_char(dash[1 + i]);
		if (given[i] == '\0') {
			g_free(ext);
			return NULL;
		}
	}
	given[MAC_CHARS] = '\0';
	return ext;
}

char *
rd_token_verify(const guint8 *key, gsize key_len, const char *prefix,
                const char *address)
{
	char expected[MAC_CHARS + 1];
	char given[MAC_CHARS + 1];
	int year;
	gint64 seq;

	if (key == NULL || key_len == 0 || prefix == NULL || address == NULL)
		return NULL;

	g_autofree char *ext = token_extension(address, given);
	if (ext == NULL)
		return NULL;

	/* Reference part: the prefix is letters and may well contain an o or
	 * an l, so only the characters after it get the digit repairs. */
	gsize plen = strlen(prefix);
	if (strlen(ext) <= plen)
		return NULL;
	for (char *p = ext + plen; *p != '\0'; p++) {
		char c = g_ascii_tolower(*p);
		if (c == 'o')
			*p = '0';
		else if (c == 'i' || c == 'l')
			*p = '1';
	}
	if (!rd_reference_parse(prefix, ext, &year, &seq))
		return NULL;
	g_autofree char *canon = rd_reference_format(prefix, year, seq);
	if (canon == NULL)
		return NULL;

	compute_mac(key, key_len, canon, strlen(canon), expected);
	if (!equal_constant_time(expected, given, MAC_CHARS))
		return NULL;
	return g_steal_pointer(&canon);
}

/* ---- staff reply addresses ------------------------------------------ */

/* @member as the MAC takes it: blanks and <> around it off, ASCII lower
 * case. */
static char *
member_key(const char *member)
{
	g_autofree char *m = g_strstrip(g_strdup(member));
	gsize n = strlen(m);
	if (n >= 2 && m[0] == '<' && m[n - 1] == '>') {
		m[n - 1] = '\0';
		memmove(m, m + 1, n - 1);
	}
	return g_ascii_strdown(m, -1);
}

static void
staff_mac(const guint8 *key, gsize key_len, const char *canon,
          RdStaffTokenPurpose purpose, const char *member,
          char mac_r[MAC_CHARS + 1])
{
	g_autofree char *m = member_key(member);
	GByteArray *in = g_byte_array_new();
	static const char label[] = "staff";
	const guint8 nul = 0;
	const guint8 p = (guint8)purpose;

	g_byte_array_append(in, (const guint8 *)label, sizeof(label) - 1);
	g_byte_array_append(in, &nul, 1);
	g_byte_array_append(in, (const guint8 *)canon, (guint)strlen(canon));
	g_byte_array_append(in, &nul, 1);
	g_byte_array_append(in, &p, 1);
	g_byte_array_append(in, &nul, 1);
	g_byte_array_append(in, (const guint8 *)m, (guint)strlen(m));
	compute_mac(key, key_len, in->data, in->len, mac_r);
	g_byte_array_unref(in);
}

static gboolean
purpose_is_valid(int c)
{
	return c == RD_STAFF_TOKEN_REPLY || c == RD_STAFF_TOKEN_NOTE;
}

char *
rd_staff_token_address(const guint8 *key, gsize key_len, const char *base,
                       const char *ref, const char *member,
                       RdStaffTokenPurpose purpose)
{
	char mac[MAC_CHARS + 1];

	g_return_val_if_fail(key != NULL && key_len > 0, NULL);
	g_return_val_if_fail(base != NULL && member != NULL, NULL);
	g_return_val_if_fail(purpose_is_valid(purpose), NULL);
	const char *at = strrchr(base, '@');
	g_return_val_if_fail(at != NULL && at != base, NULL);
	g_autofree char *canon = canonical_any(ref);
	g_return_val_if_fail(canon != NULL, NULL);

	staff_mac(key, key_len, canon, purpose, member, mac);
	g_autofree char *lower = g_ascii_strdown(canon, -1);
	const char *plus = memchr(base, '+', (gsize)(at - base));
	const char *local_end = plus != NULL ? plus : at;
	g_autofree char *local = g_strndup(base, (gsize)(local_end - base));
	char purpose_s[2] = { (char)purpose, '\0' };
	return g_strconcat(local, "+", lower, "-", purpose_s, "-", mac, at, NULL);
}

gboolean
rd_staff_token_parse(const guint8 *key, gsize key_len, const char *prefix,
                     const char *address, const char *member, char **ref_r,
                     RdStaffTokenPurpose *purpose_r, gboolean *valid_r)
{
	char given[MAC_CHARS + 1];
	char expected[MAC_CHARS + 1];
	int year;
	gint64 seq;

	if (ref_r != NULL)
		*ref_r = NULL;
	if (valid_r != NULL)
		*valid_r = FALSE;
	if (prefix == NULL || address == NULL)
		return FALSE;

	/* From the end: the MAC, then "-P", then the reference. */
	g_autofree char *ext = token_extension(address, given);
	if (ext == NULL)
		return FALSE;
	gsize elen = strlen(ext);
	if (elen < 2 || ext[elen - 2] != '-')
		return FALSE;
	int purpose = g_ascii_tolower(ext[elen - 1]);
	if (!purpose_is_valid(purpose))
		return FALSE;
	ext[elen - 2] = '\0';

	gsize plen = strlen(prefix);
	if (strlen(ext) <= plen)
		return FALSE;
	for (char *p = ext + plen; *p != '\0'; p++) {
		char c = g_ascii_tolower(*p);
		if (c == 'o')
			*p = '0';
		else if (c == 'i' || c == 'l')
			*p = '1';
	}
	if (!rd_reference_parse(prefix, ext, &year, &seq))
		return FALSE;
	g_autofree char *canon = rd_reference_format(prefix, year, seq);
	if (canon == NULL)
		return FALSE;

	gboolean valid = FALSE;
	if (key != NULL && key_len > 0 && member != NULL) {
		staff_mac(key, key_len, canon, (RdStaffTokenPurpose)purpose, member, expected);
		valid = equal_constant_time(expected, given, MAC_CHARS);
	}
	if (purpose_r != NULL)
		*purpose_r = (RdStaffTokenPurpose)purpose;
	if (valid_r != NULL)
		*valid_r = valid;
	if (ref_r != NULL)
		*ref_r = g_steal_pointer(&canon);
	return TRUE;
}

/* ---- numbered reply addresses: learning actions and surveys ----------------- */

/* The letters about a learning action (reminder, overdue) go to its
 * owner with a Reply-To naming the action and bound to them:
 *
 *     complaints+act-12-xxxxxxxx@council.gov.uk
 *     MAC = HMAC-SHA256(key, "action" NUL "12" NUL lower(member))
 *
 * A survey letter's Reply-To names the survey the same way, with the label
 * "survey", the tag "svy" and an empty member: a complainant may well
 * answer from another of their addresses, and the survey's id alone is
 * what the answer is about (README "Satisfaction surveys").
 *
 *     complaints+svy-7-xxxxxxxx@council.gov.uk
 *     MAC = HMAC-SHA256(key, "survey" NUL "7" NUL "")
 *
 * The labels keep each apart from the other forms, and the shape too:
 * "act-12" and "svy-7" are no reference, and their last part is no
 * purpose letter. */
static void
numbered_mac(const guint8 *key, gsize key_len, const char *label, gint64 id, const char *member,
             char mac_r[MAC_CHARS + 1])
{
	g_autofree char *m = member_key(member);
	g_autofree char *ids = g_strdup_printf("%" G_GINT64_FORMAT, id);
	GByteArray *in = g_byte_array_new();
	const guint8 nul = 0;

	g_byte_array_append(in, (const guint8 *)label, (guint)strlen(label));
	g_byte_array_append(in, &nul, 1);
	g_byte_array_append(in, (const guint8 *)ids, (guint)strlen(ids));
	g_byte_array_append(in, &nul, 1);
	g_byte_array_append(in, (const guint8 *)m, (guint)strlen(m));
	compute_mac(key, key_len, in->data, in->len, mac_r);
	g_byte_array_unref(in);
}

static char *
numbered_address(const guint8 *key, gsize key_len, const char *label, const char *tag, const char *base,
                 gint64 id, const char *member)
{
	char mac[MAC_CHARS + 1];

	g_return_val_if_fail(key != NULL && key_len > 0, NULL);
	g_return_val_if_fail(base != NULL && member != NULL && id > 0, NULL);
	const char *at = strrchr(base, '@');
	g_return_val_if_fail(at != NULL && at != base, NULL);

	numbered_mac(key, key_len, label, id, member, mac);
	const char *plus = memchr(base, '+', (gsize)(at - base));
	const char *local_end = plus != NULL ? plus : at;
	g_autofree char *local = g_strndup(base, (gsize)(local_end - base));
	g_autofree char *ext = g_strdup_printf("%s-%" G_GINT64_FORMAT "-%s", tag, id, mac);
	return g_strconcat(local, "+", ext, at, NULL);
}

static gboolean
numbered_parse(const guint8 *key, gsize key_len, const char *label, const char *tag, const char *address,
               const char *member, gint64 *id_r, gboolean *valid_r)
{
	char given[MAC_CHARS + 1];
	char expected[MAC_CHARS + 1];

	if (id_r != NULL)
		*id_r = 0;
	if (valid_r != NULL)
		*valid_r = FALSE;
	if (address == NULL)
		return FALSE;
	g_autofree char *ext = token_extension(address, given);
	gsize tlen = strlen(tag);
	if (ext == NULL || g_ascii_strncasecmp(ext, tag, tlen) != 0 || ext[tlen] != '-')
		return FALSE;
	/* The number, with the digit repairs of retyping. */
	const char *p = ext + tlen + 1;
	if (*p == '\0' || strlen(p) > 15)
		return FALSE;
	gint64 id = 0;
	for (; *p != '\0'; p++) {
		char c = g_ascii_tolower(*p);
		if (c == 'o')
			c = '0';
		else if (c == 'i' || c == 'l')
			c = '1';
		if (!g_ascii_isdigit(c))
			return FALSE;
		id = id * 10 + (c - '0');
	}
	if (id <= 0)
		return FALSE;
	gboolean valid = FALSE;
	if (key != NULL && key_len > 0 && member != NULL) {
		numbered_mac(key, key_len, label, id, member, expected);
		valid = equal_constant_time(expected, given, MAC_CHARS);
	}
	if (id_r != NULL)
		*id_r = id;
	if (valid_r != NULL)
		*valid_r = valid;
	return TRUE;
}

char *
rd_action_token_address(const guint8 *key, gsize key_len, const char *base, gint64 id, const char *member)
{
	return numbered_address(key, key_len, "action", "act", base, id, member);
}

gboolean
rd_action_token_parse(const guint8 *key, gsize key_len, const char *address, const char *member, gint64 *id_r,
                      gboolean *valid_r)
{
	return numbered_parse(key, key_len, "action", "act", address, member, id_r, valid_r);
}

char *
rd_survey_token_address(const guint8 *key, gsize key_len, const char *base, gint64 id)
{
	return numbered_address(key, key_len, "survey", "svy", base, id, "");
}

gboolean
rd_survey_token_parse(const guint8 *key, gsize key_len, const char *address, gint64 *id_r, gboolean *valid_r)
{
	return numbered_parse(key, key_len, "survey", "svy", address, "", id_r, valid_r);
}
