/*
 * message.c — rd_message_parse(): the raw bytes of one email → RdMessage.
 *
 * Steps, each one tolerant of what real mailboxes contain:
 *  1. identity: SHA-256 of the exact bytes, and the content hash (the same
 *     bytes without the trace fields a delivery prepends, line ends as LF);
 *  2. preparation: skip a leading mbox "From " line and blank or
 *     space-only lines, turn CRLF and bare CR into LF, cut header fields
 *     longer than max_header_len, and keep only the header block of a
 *     message over max_size — all in the single copy handed to GMime;
 *  3. GMime builds the tree; we read the headers (address lists through
 *     address.c) and the body and attachments (body.c);
 *  4. quote stripping, case references, a forwarded message and
 *     classification, which live in quotes.c, refs.c, forward.c and
 *     classify.c.
 *
 * Invariants: never NULL, never a crash on any input, every string valid
 * UTF-8, and every GMime object created here is released before return —
 * the RdMessage keeps no GMime references (one owner per message).
 */
#include <string.h>

#include "parsers-private.h"

gboolean
rd_parse_problem_is_fatal(RdParseProblem p)
{
	return p == RD_PROBLEM_EMPTY || p == RD_PROBLEM_TOO_LARGE ||
	       p == RD_PROBLEM_NO_HEADERS || p == RD_PROBLEM_CRASHED_PARSER;
}

const char *
rd_parse_problem_to_string(RdParseProblem p)
{
	switch (p) {
	case RD_PROBLEM_NONE:            return "none";
	case RD_PROBLEM_EMPTY:           return "empty";
	case RD_PROBLEM_TOO_LARGE:       return "too-large";
	case RD_PROBLEM_NO_HEADERS:      return "no-headers";
	case RD_PROBLEM_CRASHED_PARSER:  return "crashed-parser";
	case RD_PROBLEM_TOO_DEEP:        return "too-deep";
	case RD_PROBLEM_TOO_MANY_PARTS:  return "too-many-parts";
	case RD_PROBLEM_HEADER_TOO_LONG: return "header-too-long";
	}
	return "unknown";
}

const char *
rd_auto_kind_to_string(RdAutoKind k)
{
	switch (k) {
	case RD_AUTO_NONE:      return "human";
	case RD_AUTO_REPLY:     return "auto-reply";
	case RD_AUTO_GENERATED: return "auto-generated";
	case RD_AUTO_BULK:      return "bulk";
	case RD_AUTO_BOUNCE:    return "bounce";
	}
	return "unknown";
}

void
rd_message_free(RdMessage *msg)
{
	if (msg == NULL)
		return;
	g_free(msg->raw_sha256);
	g_free(msg->content_hash);
	g_free(msg->message_id);
	g_free(msg->in_reply_to);
	g_clear_pointer(&msg->references, g_ptr_array_unref);
	g_free(msg->subject);
	g_clear_pointer(&msg->from, _rd_address_free);
	g_clear_pointer(&msg->reply_to, _rd_address_free);
	g_clear_pointer(&msg->to, g_ptr_array_unref);
	g_clear_pointer(&msg->cc, g_ptr_array_unref);
	g_clear_pointer(&msg->recipients, g_ptr_array_unref);
	g_free(msg->return_path);
	g_free(msg->content_language);
	g_clear_pointer(&msg->auth_results, g_ptr_array_unref);
	g_clear_pointer(&msg->exchange_authas, g_ptr_array_unref);
	g_free(msg->selftest);
	g_free(msg->text);
	g_free(msg->new_text);
	g_clear_pointer(&msg->attachments, g_ptr_array_unref);
	g_free(msg->auto_reason);
	g_free(msg->bounced_message_id);
	g_free(msg->bounced_recipient);
	g_free(msg->bounce_status);
	g_free(msg->bounce_diagnostic);
	g_clear_pointer(&msg->case_refs, g_ptr_array_unref);
	g_clear_pointer(&msg->forwarded, _rd_forwarded_free);
	g_free(msg->problem_detail);
	g_free(msg);
}

/* ---- raw byte handling ---------------------------------------------- */

/* End of the line starting at @p (the first CR or LF, or @end) and,
 * through @next_r, the start of the following line. */
static const char *
line_end(const char *p, const char *end, const char **next_r)
{
	const char *e = p;
	while (e < end && *e != '\n' && *e != '\r')
		e++;
	const char *n = e;
	if (n < end && *n == '\r')
		n++;
	else if (n < end)
		n++;  /* LF */
	if (n < end && *e == '\r' && *n == '\n')
		n++;  /* CRLF */
	*next_r = n;
	return e;
}

static gboolean
is_blank(const char *p, const char *e)
{
	for (; p < e; p++)
		if (*p != ' ' && *p != '\t')
			return FALSE;
	return TRUE;
}

/* Offset of the first header line: past blank or space-only lines and one
 * mbox "From " separator line. */
static gsize
skip_preamble(const char *data, gsize len)
{
	const char *p = data;
	const char *end = data + len;
	gboolean seen_from = FALSE;

	while (p < end) {
		const char *next;
		const char *e = line_end(p, end, &next);
		if (is_blank(p, e) && next > p) {
			p = next;
			continue;
		}
		if (!seen_from && e - p >= 5 && memcmp(p, "From ", 5) == 0) {
			seen_from = TRUE;
			p = next;
			continue;
		}
		break;
	}
	return (gsize) (p - data);
}

/* TRUE if the line at @p is "name:" or "name :" with a printable-ASCII
 * field name — the least a header block must start with. */
static gboolean
looks_like_header(const char *p, const char *end)
{
	const char *q = p;
	while (q < end && (guchar) *q > 0x20 && (guchar) *q < 0x7F && *q != ':')
		q++;
	if (q == p)
		return FALSE;
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	return q < end && *q == ':';
}

/* Fields a receiving MTA or MDA prepends; a redelivery changes them and
 * nothing else, so the content hash ignores them while they lead. */
static gboolean
is_trace_field(const char *p, const char *e)
{
	static const char *const names[] = {
		"received", "x-received", "return-path", "delivered-to",
		"x-original-to", "envelope-to", "x-envelope-to", "x-delivered-to",
		"authentication-results", "received-spf", "x-virus-scanned",
		"x-original-authentication-results", "x-envelope-from",
	};
	static const char *const prefixes[] = { "arc-", "x-spam-", "x-spam" };

	const char *colon = memchr(p, ':', e - p);
	if (colon == NULL)
		return FALSE;
	const char *ne = colon;
	while (ne > p && (ne[-1] == ' ' || ne[-1] == '\t'))
		ne--;
	gsize n = (gsize) (ne - p);
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
		if (strlen(names[i]) == n && g_ascii_strncasecmp(p, names[i], n) == 0)
			return TRUE;
	for (gsize i = 0; i < G_N_ELEMENTS(prefixes); i++) {
		gsize pl = strlen(prefixes[i]);
		if (n >= pl && g_ascii_strncasecmp(p, prefixes[i], pl) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Feed @p..@end to @ck with CRLF and bare CR as LF. */
static void
checksum_normalised(RdSha256 *ck, const char *p, const char *end)
{
	while (p < end) {
		const char *cr = memchr(p, '\r', end - p);
		if (cr == NULL) {
			_rd_sha256_update(ck, p, end - p);
			return;
		}
		_rd_sha256_update(ck, p, cr - p);
		if (cr + 1 < end && cr[1] == '\n') {
			p = cr + 1;  /* the LF is hashed with the next span */
		} else {
			_rd_sha256_update(ck, "\n", 1);
			p = cr + 1;
		}
	}
}

static char *
compute_content_hash(const char *data, gsize len)
{
	const char *p = data + skip_preamble(data, len);
	const char *end = data + len;
	gboolean skipping = FALSE;

	while (p < end) {
		const char *next;
		const char *e = line_end(p, end, &next);
		if (e > p && (*p == ' ' || *p == '\t')) {
			if (!skipping)
				break;
		} else if (is_trace_field(p, e)) {
			skipping = TRUE;
		} else {
			break;
		}
		p = next;
	}

	RdSha256 ck;
	char hex[65];
	_rd_sha256_init(&ck);
	checksum_normalised(&ck, p, end);
	_rd_sha256_hex(&ck, hex);
	return g_strdup(hex);
}

/* The copy GMime parses: line ends as LF, over-long header fields cut at
 * @max_field bytes, and only the header block when @headers_only. */
static GByteArray *
prepare(const char *data, gsize len, gboolean headers_only, gsize max_field,
        char **cut_field_r)
{
	const char *p = data;
	const char *end = data + len;
	GByteArray *out = g_byte_array_sized_new(headers_only ? 8192 : len + 2);
	gsize field_len = 0;
	gboolean dropping = FALSE;
	const char *field = p;  /* start of the current field, for the note */

	while (p < end) {
		const char *next;
		const char *e = line_end(p, end, &next);
		if (e == p) {
			/* the blank line that ends the header block */
			g_byte_array_append(out, (const guint8 *) "\n", 1);
			p = next;
			break;
		}
		gboolean cont = *p == ' ' || *p == '\t';
		if (!cont) {
			dropping = FALSE;
			field_len = 0;
			field = p;
		}
		if (!dropping) {
			gsize n = (gsize) (e - p);
			if (field_len + n > max_field) {
				n = max_field > field_len ? max_field - field_len : 0;
				dropping = TRUE;
				if (*cut_field_r == NULL) {
					const char *colon = memchr(field, ':', end - field);
					gsize nl = colon != NULL ? (gsize) (colon - field) : 0;
					*cut_field_r = nl > 0 && nl <= 64
						? rd_to_utf8(field, nl, NULL)
						: g_strdup("(unnamed)");
				}
			}
			field_len += (gsize) (e - p);
			if (n > 0 || !cont) {
				g_byte_array_append(out, (const guint8 *) p, n);
				g_byte_array_append(out, (const guint8 *) "\n", 1);
			}
		}
		p = next;
		/* an oversized message without a blank line: enough is enough */
		if (headers_only && out->len > 4 * 1024 * 1024)
			break;
	}
	if (headers_only) {
		g_byte_array_append(out, (const guint8 *) "\n", 1);
		return out;
	}

	/* the body: copy spans between CRs in one go */
	while (p < end) {
		const char *cr = memchr(p, '\r', end - p);
		if (cr == NULL) {
			g_byte_array_append(out, (const guint8 *) p, end - p);
			break;
		}
		g_byte_array_append(out, (const guint8 *) p, cr - p);
		g_byte_array_append(out, (const guint8 *) "\n", 1);
		p = cr + 1;
		if (p < end && *p == '\n')
			p++;
	}
	return out;
}

/* TRUE when prepare() would hand back exactly @data: no CR anywhere, no
 * header field over @max_field, and the header block ends in a LF. Then
 * GMime can read the caller's bytes in place, which saves copying every
 * message once more (most mail stored as files has LF line ends). */
static gboolean
parse_in_place_ok(const char *data, gsize len, gsize max_field)
{
	if (memchr(data, '\r', len) != NULL)
		return FALSE;
	const char *p = data;
	const char *end = data + len;
	gsize field_len = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *e = nl != NULL ? nl : end;
		if (e == p)
			return TRUE;   /* the blank line: the body is copied as it is */
		if (*p != ' ' && *p != '\t')
			field_len = 0;
		field_len += (gsize) (e - p);
		if (field_len > max_field || nl == NULL)
			return FALSE;  /* prepare() would cut it, or add a LF */
		p = nl + 1;
	}
	return TRUE;
}

/* Give the caller's bytes back from an in-place byte array (see
 * rd_message_parse) and drop the array. */
static void
release_in_place(gboolean in_place, GByteArray *buf)
{
	if (!in_place)
		return;
	(void) g_byte_array_steal(buf, NULL);
	g_byte_array_unref(buf);
}

/* ---- header helpers ------------------------------------------------- */

/* Unfolded @raw with every run of white space as one space, trimmed;
 * valid UTF-8; NULL if empty. For structured values people read. */
static char *
unfold_collapse(const char *raw)
{
	g_autofree char *v = _rd_clean_dup(raw);
	if (v == NULL)
		return NULL;
	GString *s = g_string_sized_new(strlen(v));
	gboolean space = FALSE;
	for (const char *p = v; *p != '\0'; p++) {
		if (g_ascii_isspace(*p)) {
			space = TRUE;
			continue;
		}
		if (space && s->len > 0)
			g_string_append_c(s, ' ');
		space = FALSE;
		g_string_append_c(s, *p);
	}
	return g_string_free(s, FALSE);
}

/* GMime keeps the blanks of a folded or broken id ("<a\n b@c>"), and the
 * store joins References with spaces: so no blank or bracket is kept. */
char *
_rd_msgid_dup(const char *s)
{
	char *v = _rd_clean_dup(s);
	if (v == NULL)
		return NULL;
	char *w = v;
	for (const char *r = v; *r != '\0'; r++)
		if (!g_ascii_isspace(*r) && *r != '<' && *r != '>')
			*w++ = *r;
	*w = '\0';
	if (*v == '\0')
		g_clear_pointer(&v, g_free);
	return v;
}

/* A msg-id from a value GMime could not parse: "<a@b>" or a bare a@b. */
static char *
loose_msgid(const char *value)
{
	g_autofree char *v = _rd_clean_dup(value);
	if (v == NULL)
		return NULL;
	char *s = v;
	char *lt = strchr(s, '<');
	if (lt != NULL) {
		s = lt + 1;
		char *gt = strchr(s, '>');
		if (gt != NULL)
			*gt = '\0';
	} else {
		/* A bare id is one token; a '>' whose '<' is missing
		 * ("id@host>") is not part of it. */
		char *sp = strpbrk(s, " \t>");
		if (sp != NULL)
			*sp = '\0';
	}
	return _rd_msgid_dup(s);
}

static void
add_msgids(const char *raw, GPtrArray *out)
{
	if (raw == NULL)
		return;
	GMimeReferences *refs = g_mime_references_parse(_rd_parser_options(), raw);
	int n = refs != NULL ? g_mime_references_length(refs) : 0;
	for (int i = 0; i < n; i++) {
		char *id = _rd_msgid_dup(g_mime_references_get_message_id(refs, i));
		if (id != NULL)
			g_ptr_array_add(out, id);
	}
	if (refs != NULL)
		g_mime_references_free(refs);
	if (n == 0) {
		char *id = loose_msgid(raw);
		if (id != NULL)
			g_ptr_array_add(out, id);
	}
}

static gboolean
str_in(GPtrArray *arr, const char *s)
{
	for (guint i = 0; i < arr->len; i++)
		if (g_strcmp0(arr->pdata[i], s) == 0)
			return TRUE;
	return FALSE;
}

static void
add_recipients(GPtrArray *addrs, guint from, GPtrArray *recipients, GHashTable *seen)
{
	for (guint i = from; i < addrs->len; i++) {
		const char *email = ((RdAddress *) addrs->pdata[i])->email;
		if (g_hash_table_contains(seen, email))
			continue;
		char *copy = g_strdup(email);
		g_hash_table_add(seen, copy);
		g_ptr_array_add(recipients, g_strdup(email));
	}
}

static gboolean
name_is(const char *name, const char *const *list)
{
	for (gsize i = 0; list[i] != NULL; i++)
		if (g_ascii_strcasecmp(name, list[i]) == 0)
			return TRUE;
	return FALSE;
}

static void
read_headers(GMimeMessage *mime, RdMessage *msg, gint64 received_at)
{
	static const char *const recipient_fields[] = {
		"Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc", "Delivered-To",
		"X-Original-To", "Envelope-To", "X-Envelope-To", "X-Delivered-To",
		NULL,
	};
	GMimeObject *obj = GMIME_OBJECT(mime);
	GMimeHeaderList *headers = g_mime_object_get_header_list(obj);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) scratch = g_ptr_array_new_with_free_func((GDestroyNotify) _rd_address_free);
	const char *in_reply_to_raw = NULL;
	const char *references_raw = NULL;
	gboolean have_from = FALSE, have_reply_to = FALSE, have_return_path = FALSE;

	msg->message_id = _rd_msgid_dup(g_mime_message_get_message_id(mime));
	if (msg->message_id == NULL)
		msg->message_id = loose_msgid(g_mime_object_get_header(obj, "Message-ID"));
	msg->subject = _rd_clean_dup(g_mime_message_get_subject(mime));

	int count = g_mime_header_list_get_count(headers);
	for (int i = 0; i < count; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(headers, i);
		const char *name = g_mime_header_get_name(h);
		const char *raw = g_mime_header_get_raw_value(h);
		if (name == NULL || raw == NULL)
			continue;

		if (g_ascii_strcasecmp(name, "From") == 0 ||
		    g_ascii_strcasecmp(name, "Reply-To") == 0) {
			gboolean is_from = g_ascii_tolower(name[0]) == 'f';
			if (is_from ? have_from : have_reply_to)
				continue;
			g_ptr_array_set_size(scratch, 0);
			_rd_address_list_parse(raw, scratch);
			if (scratch->len == 0)
				continue;
			RdAddress *first = g_ptr_array_steal_index(scratch, 0);
			if (is_from) {
				msg->from = first;
				have_from = TRUE;
			} else {
				msg->reply_to = first;
				have_reply_to = TRUE;
			}
		} else if (g_ascii_strcasecmp(name, "To") == 0 ||
		           g_ascii_strcasecmp(name, "Cc") == 0) {
			GPtrArray *list = g_ascii_tolower(name[0]) == 't' ? msg->to : msg->cc;
			guint before = list->len;
			_rd_address_list_parse(raw, list);
			add_recipients(list, before, msg->recipients, seen);
		} else if (name_is(name, recipient_fields)) {
			g_ptr_array_set_size(scratch, 0);
			_rd_address_list_parse(raw, scratch);
			add_recipients(scratch, 0, msg->recipients, seen);
		} else if (g_ascii_strcasecmp(name, "Return-Path") == 0) {
			if (have_return_path)
				continue;
			have_return_path = TRUE;
			g_autofree char *v = g_mime_utils_header_unfold(raw);
			g_strstrip(v);
			g_ptr_array_set_size(scratch, 0);
			if (strchr(v, '@') != NULL)
				_rd_address_list_parse(v, scratch);
			if (scratch->len > 0)
				msg->return_path = g_strdup(((RdAddress *) scratch->pdata[0])->email);
			else
				msg->return_path = _rd_address_normalise(v);
			if (msg->return_path == NULL)
				msg->return_path = g_strdup("");
		} else if (g_ascii_strcasecmp(name, "In-Reply-To") == 0) {
			if (in_reply_to_raw == NULL)
				in_reply_to_raw = raw;
		} else if (g_ascii_strcasecmp(name, "References") == 0) {
			if (references_raw == NULL)
				references_raw = raw;
		} else if (g_ascii_strcasecmp(name, "Authentication-Results") == 0) {
			char *c = unfold_collapse(raw);
			if (c != NULL)
				g_ptr_array_add(msg->auth_results, c);
		} else if (g_ascii_strcasecmp(name, "X-MS-Exchange-Organization-AuthAs") == 0) {
			char *c = unfold_collapse(raw);
			if (c != NULL)
				g_ptr_array_add(msg->exchange_authas, c);
		} else if (g_ascii_strcasecmp(name, "X-Redress-Selftest") == 0) {
			if (msg->selftest == NULL)
				msg->selftest = unfold_collapse(raw);
		} else if (g_ascii_strcasecmp(name, "Content-Language") == 0) {
			if (msg->content_language == NULL) {
				g_autofree char *c = unfold_collapse(raw);
				if (c != NULL)
					msg->content_language = g_ascii_strdown(c, -1);
			}
		}
	}

	if (in_reply_to_raw != NULL) {
		g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
		add_msgids(in_reply_to_raw, ids);
		if (ids->len > 0)
			msg->in_reply_to = g_strdup(ids->pdata[0]);
	}
	if (references_raw != NULL) {
		g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
		add_msgids(references_raw, ids);
		for (guint i = 0; i < ids->len; i++)
			if (!str_in(msg->references, ids->pdata[i]))
				g_ptr_array_add(msg->references, g_strdup(ids->pdata[i]));
	}
	if (msg->in_reply_to != NULL && !str_in(msg->references, msg->in_reply_to))
		g_ptr_array_add(msg->references, g_strdup(msg->in_reply_to));

	/* GMime files Content-* fields under the top MIME part, not the
	 * message, so look there too */
	GMimeObject *top = g_mime_message_get_mime_part(mime);
	if (msg->content_language == NULL && top != NULL) {
		const char *cl = g_mime_object_get_header(top, "Content-Language");
		g_autofree char *c = _rd_clean_dup(cl);
		if (c != NULL)
			msg->content_language = g_ascii_strdown(c, -1);
	}

	GDateTime *dt = g_mime_message_get_date(mime);  /* owned by mime */
	if (dt != NULL) {
		msg->date = g_date_time_to_unix(dt);
		msg->date_from_header = TRUE;
	} else {
		msg->date = received_at;
		msg->date_from_header = FALSE;
	}
}

/* ---- the whole -------------------------------------------------------- */

static void
set_problem(RdMessage *msg, RdParseProblem p, char *detail)
{
	if (msg->problem == RD_PROBLEM_NONE) {
		msg->problem = p;
		msg->problem_detail = detail;
	} else {
		g_free(detail);
	}
}

static gboolean
all_space(const char *data, gsize len)
{
	for (gsize i = 0; i < len; i++)
		if (!g_ascii_isspace(data[i]))
			return FALSE;
	return TRUE;
}

/* Text and the facts derived from it (new text, case references). */
static void
finish_text(RdMessage *msg, const RdParseOptions *opts)
{
	if (msg->text == NULL)
		msg->text = g_strdup("");
	msg->new_text = rd_text_strip_quotes(msg->text);
	if (msg->new_text == NULL)
		msg->new_text = g_strdup("");
	const char *prefix = opts->ref_prefix != NULL ? opts->ref_prefix : "CMP";
	if (msg->subject != NULL)
		rd_refs_find(prefix, msg->subject, msg->case_refs);
	rd_refs_find(prefix, msg->new_text, msg->case_refs);
	rd_refs_find(prefix, msg->text, msg->case_refs);
}

static RdMessage *
message_new(const char *data, gsize len, gint64 received_at)
{
	RdMessage *msg = g_new0(RdMessage, 1);
	msg->size = len;
	msg->raw_sha256 = _rd_sha256_hex_data(data != NULL ? data : "", data != NULL ? len : 0);
	msg->references = g_ptr_array_new_with_free_func(g_free);
	msg->to = g_ptr_array_new_with_free_func((GDestroyNotify) _rd_address_free);
	msg->cc = g_ptr_array_new_with_free_func((GDestroyNotify) _rd_address_free);
	msg->recipients = g_ptr_array_new_with_free_func(g_free);
	msg->auth_results = g_ptr_array_new_with_free_func(g_free);
	msg->exchange_authas = g_ptr_array_new_with_free_func(g_free);
	msg->attachments = g_ptr_array_new_with_free_func((GDestroyNotify) _rd_attachment_free);
	msg->case_refs = g_ptr_array_new_with_free_func(g_free);
	msg->date = received_at;
	return msg;
}

/* No header block: the bytes are kept as text so nothing is lost. */
static void
as_plain_text(RdMessage *msg, const char *data, gsize len, const RdParseOptions *opts)
{
	g_free(msg->text);
	g_autofree char *copy = g_memdup2(data, len);
	_rd_nuls_to_spaces(copy, len, NULL);
	msg->text = rd_to_utf8(copy, len, NULL);
	/* CRLF and bare CR → LF */
	char *w = msg->text;
	for (const char *r = msg->text; *r != '\0'; r++) {
		if (*r == '\r') {
			*w++ = '\n';
			if (r[1] == '\n')
				r++;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	finish_text(msg, opts);
}

char *
rd_message_content_hash(const char *data, gsize len)
{
	if (data == NULL || len == 0 || all_space(data, len))
		return _rd_sha256_hex_data(data != NULL ? data : "", data != NULL ? len : 0);
	return compute_content_hash(data, len);
}

static RdMessage *parse(const char *data, gsize len, gint64 received_at,
                        const RdParseOptions *opts);

RdMessage *
rd_message_parse(const char *data, gsize len, gint64 received_at,
                 const RdParseOptions *opts)
{
	RdMessage *msg = parse(data, len, received_at, opts);
	/* The content hash is a second pass over every byte (a third of
	 * the hashing ingest does); only a message without a Message-ID is
	 * looked up by it. For the rest the store compares content hashes
	 * only when another message with the same Message-ID is already
	 * there, and works them out then (rd_message_content_hash). */
	if (msg->message_id == NULL && msg->content_hash == NULL)
		msg->content_hash = rd_message_content_hash(data, data != NULL ? len : 0);
	return msg;
}

RdMessage *
rd_message_unparsed(const char *data, gsize len, gint64 received_at, const char *detail)
{
	/* message_new() only hashes the bytes: no header or MIME code runs. */
	RdMessage *msg = message_new(data, data != NULL ? len : 0, received_at);
	set_problem(msg, RD_PROBLEM_CRASHED_PARSER, g_strdup(detail));
	msg->text = g_strdup("");
	msg->new_text = g_strdup("");
	return msg;
}

static RdMessage *
parse(const char *data, gsize len, gint64 received_at, const RdParseOptions *opts)
{
	RdParseOptions defaults;
	if (opts == NULL) {
		rd_parse_options_init(&defaults);
		opts = &defaults;
	}
	rd_parsers_init();

	if (data == NULL)
		len = 0;
	RdMessage *msg = message_new(data, len, received_at);

	if (len == 0 || all_space(data, len)) {
		set_problem(msg, RD_PROBLEM_EMPTY,
		            g_strdup(len == 0 ? "zero bytes" : "only white space"));
		msg->text = g_strdup("");
		msg->new_text = g_strdup("");
		return msg;
	}

	gsize off = skip_preamble(data, len);
	if (!looks_like_header(data + off, data + len)) {
		set_problem(msg, RD_PROBLEM_NO_HEADERS,
		            g_strdup("the first line is not a header field"));
		as_plain_text(msg, data, len, opts);
		return msg;
	}

	gboolean too_large = len > opts->max_size;
	if (too_large)
		set_problem(msg, RD_PROBLEM_TOO_LARGE,
		            g_strdup_printf("%" G_GSIZE_FORMAT " bytes, over the limit of %"
		                            G_GSIZE_FORMAT "; only the headers were read",
		                            len, opts->max_size));

	g_autofree char *cut_field = NULL;
	gsize max_field = opts->max_header_len > 0 ? opts->max_header_len : 1;
	/* In place: a byte array wrapping the caller's bytes, which the
	 * stream must not free (owner FALSE) and which is emptied again
	 * before it is unreferenced; GMime only ever reads it. The parts
	 * GMime makes refer to the stream, and all of them are gone when
	 * @mime is, before this function returns. */
	gboolean in_place = !too_large && len - off <= G_MAXUINT &&
	                    parse_in_place_ok(data + off, len - off, max_field);
	GByteArray *buf = in_place ? g_byte_array_new_take((guint8 *) (data + off), len - off)
	                           : prepare(data + off, len - off, too_large, max_field, &cut_field);
	if (cut_field != NULL)
		set_problem(msg, RD_PROBLEM_HEADER_TOO_LONG,
		            g_strdup_printf("header field %s cut at %" G_GSIZE_FORMAT " bytes",
		                            cut_field, max_field));

	/* the stream owns a prepared buf from here on */
	GMimeStream *stream = g_mime_stream_mem_new_with_byte_array(buf);
	if (in_place)
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	GMimeMessage *mime = g_mime_parser_construct_message(parser, _rd_parser_options());
	g_object_unref(parser);

	if (mime == NULL) {
		g_object_unref(stream);
		release_in_place(in_place, buf);
		if (!too_large) {
			set_problem(msg, RD_PROBLEM_NO_HEADERS,
			            g_strdup("GMime found no message in the bytes"));
			as_plain_text(msg, data, len, opts);
		} else {
			finish_text(msg, opts);
		}
		return msg;
	}

	read_headers(mime, msg, received_at);
	RdBodyInner inner = { 0 };
	if (!too_large)
		_rd_body_extract(mime, msg, opts, &inner);
	finish_text(msg, opts);
	_rd_classify(mime, msg);
	/* Before @mime goes: an attached forward is read from its tree. A
	 * bounce, an auto-reply or a report carries the mail it answers,
	 * which is not a forward; a list (bulk) may pass a person's forward
	 * on. */
	if (msg->auto_kind == RD_AUTO_NONE || msg->auto_kind == RD_AUTO_BULK)
		_rd_forward_find(msg, &inner, opts);

	g_object_unref(mime);
	g_object_unref(stream);
	release_in_place(in_place, buf);
	return msg;
}
