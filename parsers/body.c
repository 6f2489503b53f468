/*
 * body.c — the MIME tree of a parsed message → body text and attachments.
 *
 * One recursive walk over the tree, bounded by max_depth and max_parts
 * (parts past a limit are not looked at, and the first limit hit is noted in
 * msg->problem). On the way it remembers the first inline text/plain and
 * the first inline text/html part, and records every other leaf as an
 * attachment. Only afterwards is one of the two text parts decoded: plain
 * if there is one, so HTML is converted only for HTML-only mail.
 *
 * Attachments are hashed by streaming their decoded content through a
 * checksum filter into a null stream: no copy of a large file is made.
 * message/rfc822 parts are attachments too (named by their subject); their
 * text is theirs, not the outer message's. The walk remembers the first
 * one for forward.c, which reads its text with _rd_body_text(): the same
 * walk without attachments, within the limits the outer walk left.
 */
#include <string.h>

#include "parsers-private.h"

typedef struct {
	const RdParseOptions *opts;
	RdMessage *msg;     /* NULL: text only, no attachments or problems */
	guint parts;
	GMimePart *plain;   /* borrowed from the tree */
	GMimePart *html;
	RdBodyInner inner;  /* the first message/rfc822 part outside reports */
	guint in_report;    /* open multipart/report parts */
} BodyWalk;

static void
note_problem(RdMessage *msg, RdParseProblem p, char *detail)
{
	if (msg == NULL) {
		g_free(detail);
		return;
	}
	if (msg->problem == RD_PROBLEM_NONE) {
		msg->problem = p;
		msg->problem_detail = detail;
	} else {
		g_free(detail);
	}
}

void
_rd_attachment_free(RdAttachment *a)
{
	if (a == NULL)
		return;
	g_free(a->filename);
	g_free(a->content_type);
	g_free(a->sha256);
	if (a->data != NULL)
		g_bytes_unref(a->data);
	g_free(a);
}

/* "type/subtype" in lower case; "application/octet-stream" if unknown. */
static char *
mime_type_of(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	if (ct == NULL)
		return g_strdup("application/octet-stream");
	g_autofree char *t = g_mime_content_type_get_mime_type(ct);
	g_autofree char *valid = rd_to_utf8(t, t != NULL ? strlen(t) : 0, NULL);
	return g_ascii_strdown(valid, -1);
}

/* Hash the decoded content of @wrapper (or the serialised @obj) as GMime
 * writes it: no copy of the content is made. */
static void
hash_into(RdAttachment *att, GMimeDataWrapper *wrapper, GMimeObject *obj)
{
	GMimeStream *hs = _rd_hash_stream_new();
	if (wrapper != NULL)
		g_mime_data_wrapper_write_to_stream(wrapper, hs);
	else if (obj != NULL)
		g_mime_object_write_to_stream(obj, NULL, hs);
	att->sha256 = _rd_hash_stream_finish(hs, &att->size);
	g_object_unref(hs);
}

static GByteArray *decoded_bytes(GMimePart *part);

static void
add_leaf_attachment(BodyWalk *w, GMimePart *part, const char *filename)
{
	RdAttachment *att = g_new0(RdAttachment, 1);
	att->filename = _rd_clean_dup(filename);
	att->content_type = mime_type_of(GMIME_OBJECT(part));
	att->is_tnef = g_strcmp0(att->content_type, "application/ms-tnef") == 0 ||
	               g_strcmp0(att->content_type, "application/vnd.ms-tnef") == 0 ||
	               (att->filename != NULL &&
	                g_ascii_strcasecmp(att->filename, "winmail.dat") == 0);
	hash_into(att, g_mime_part_get_content(part), NULL);
	if (w->opts->attachment_data)
		att->data = g_byte_array_free_to_bytes(decoded_bytes(part));
	g_ptr_array_add(w->msg->attachments, att);
}

static void
add_message_attachment(BodyWalk *w, GMimeMessagePart *mp)
{
	GMimeObject *obj = GMIME_OBJECT(mp);
	GMimeMessage *inner = g_mime_message_part_get_message(mp);
	RdAttachment *att = g_new0(RdAttachment, 1);

	const char *fn = g_mime_object_get_content_disposition_parameter(obj, "filename");
	if (fn == NULL)
		fn = g_mime_object_get_content_type_parameter(obj, "name");
	if (fn == NULL && inner != NULL)
		fn = g_mime_message_get_subject(inner);
	att->filename = _rd_clean_dup(fn);
	att->content_type = mime_type_of(obj);
	hash_into(att, NULL, inner != NULL ? GMIME_OBJECT(inner) : NULL);
	if (inner == NULL)
		att->size = 0;
	if (w->opts->attachment_data && inner != NULL) {
		GByteArray *ba = g_byte_array_new();
		GMimeStream *mem = g_mime_stream_mem_new_with_byte_array(ba);
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
		g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, mem);
		g_object_unref(mem);
		att->data = g_byte_array_free_to_bytes(ba);
	}
	g_ptr_array_add(w->msg->attachments, att);
}

static void
visit_leaf(BodyWalk *w, GMimePart *part)
{
	GMimeObject *obj = GMIME_OBJECT(part);
	const char *filename = g_mime_part_get_filename(part);
	const char *disp = g_mime_object_get_disposition(obj);
	gboolean attached = filename != NULL ||
	                    (disp != NULL && g_ascii_strcasecmp(disp, "attachment") == 0);

	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	gboolean is_plain = ct == NULL || g_mime_content_type_is_type(ct, "text", "plain");
	gboolean is_html = ct != NULL && g_mime_content_type_is_type(ct, "text", "html");

	if (!attached && is_plain) {
		if (w->plain == NULL)
			w->plain = part;
		return;
	}
	if (!attached && is_html) {
		if (w->html == NULL)
			w->html = part;
		return;
	}
	if (w->msg != NULL)
		add_leaf_attachment(w, part, filename);
}

static void
walk(BodyWalk *w, GMimeObject *obj, guint depth)
{
	if (obj == NULL)
		return;
	if (w->parts >= w->opts->max_parts) {
		note_problem(w->msg, RD_PROBLEM_TOO_MANY_PARTS,
		             g_strdup_printf("more than %u MIME parts; the rest were not read",
		                             w->opts->max_parts));
		return;
	}
	if (depth > w->opts->max_depth) {
		note_problem(w->msg, RD_PROBLEM_TOO_DEEP,
		             g_strdup_printf("MIME parts nested deeper than %u were not read",
		                             w->opts->max_depth));
		return;
	}
	w->parts++;

	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		GMimeContentType *ct = g_mime_object_get_content_type(obj);
		/* a report's returned message is not a forward */
		gboolean report = ct != NULL && g_mime_content_type_is_type(ct, "multipart", "report");
		w->in_report += report;
		int n = g_mime_multipart_get_count(mp);
		for (int i = 0; i < n; i++)
			walk(w, g_mime_multipart_get_part(mp, i), depth + 1);
		w->in_report -= report;
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		if (w->msg == NULL)
			return;  /* a forward inside a forward is its text's business */
		if (w->inner.part == NULL && w->in_report == 0) {
			w->inner.part = GMIME_MESSAGE_PART(obj);
			w->inner.depth = depth;
		}
		add_message_attachment(w, GMIME_MESSAGE_PART(obj));
	} else if (GMIME_IS_PART(obj)) {
		visit_leaf(w, GMIME_PART(obj));
	}
}

/* Decoded (transfer encoding undone) content of @part. */
static GByteArray *
decoded_bytes(GMimePart *part)
{
	GByteArray *ba = g_byte_array_new();
	GMimeDataWrapper *wrapper = g_mime_part_get_content(part);
	if (wrapper == NULL)
		return ba;
	GMimeStream *mem = g_mime_stream_mem_new_with_byte_array(ba);
	/* the stream must not free the array we return */
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_mime_data_wrapper_write_to_stream(wrapper, mem);
	g_object_unref(mem);
	return ba;
}

/* CRLF and lone CR → LF, in place. */
static void
normalise_eol(char *s)
{
	char *r = strchr(s, '\r');
	if (r == NULL)
		return;
	char *w = r;
	while (*r != '\0') {
		if (*r == '\r') {
			*w++ = '\n';
			r++;
			if (*r == '\n')
				r++;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* Charsets whose text is mostly NUL bytes. */
static gboolean
is_wide_charset(const char *cs)
{
	static const char *const prefixes[] = {
		"utf-16", "utf16", "utf-32", "utf32", "ucs-2", "ucs2", "ucs-4",
		"ucs4", "unicode",
	};
	if (cs == NULL)
		return FALSE;
	while (*cs == ' ' || *cs == '"' || *cs == '\'')
		cs++;
	for (gsize i = 0; i < G_N_ELEMENTS(prefixes); i++)
		if (g_ascii_strncasecmp(cs, prefixes[i], strlen(prefixes[i])) == 0)
			return g_ascii_strncasecmp(cs, "unicode-1-1-utf-7", 17) != 0;
	return FALSE;
}

void
_rd_nuls_to_spaces(char *data, gsize len, const char *charset)
{
	if (data == NULL || len == 0 || is_wide_charset(charset))
		return;
	/* A byte-order mark means UTF-16 or UTF-32 whatever the label says. */
	if (len >= 2 && (((guchar) data[0] == 0xFF && (guchar) data[1] == 0xFE) ||
	                 ((guchar) data[0] == 0xFE && (guchar) data[1] == 0xFF)))
		return;
	if (len >= 4 && memcmp(data, "\0\0\xFE\xFF", 4) == 0)
		return;
	char *p = data;
	char *end = data + len;
	while ((p = memchr(p, '\0', end - p)) != NULL)
		*p++ = ' ';
}

static char *
part_text(GMimePart *part, gboolean html)
{
	g_autoptr(GByteArray) ba = decoded_bytes(part);
	const char *cs = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
	/* A stray "=00" in quoted-printable decodes to NUL; as a space the
	 * words either side stay apart and the charset checks still see
	 * the text as what it is. */
	_rd_nuls_to_spaces((char *) ba->data, ba->len, cs);
	g_autofree char *sniffed = NULL;
	if (html && cs == NULL)
		sniffed = _rd_html_sniff_charset((const char *) ba->data, ba->len);
	char *text = rd_to_utf8((const char *) ba->data, ba->len, cs != NULL ? cs : sniffed);
	if (html) {
		char *plain = _rd_html_to_text_utf8(text, strlen(text));
		g_free(text);
		return plain;
	}
	normalise_eol(text);
	return text;
}

void
_rd_body_extract(GMimeMessage *mime, RdMessage *msg, const RdParseOptions *opts,
                 RdBodyInner *inner_r)
{
	BodyWalk w = { .opts = opts, .msg = msg };
	walk(&w, g_mime_message_get_mime_part(mime), 0);
	if (inner_r != NULL) {
		*inner_r = w.inner;
		inner_r->parts_seen = w.parts;
	}

	g_free(msg->text);
	if (w.plain != NULL) {
		msg->text = part_text(w.plain, FALSE);
	} else if (w.html != NULL) {
		msg->text = part_text(w.html, TRUE);
		msg->text_from_html = TRUE;
	} else {
		msg->text = g_strdup("");
	}
}

char *
_rd_body_text(GMimeMessage *mime, guint max_depth, guint max_parts)
{
	RdParseOptions limits = { .max_depth = max_depth, .max_parts = max_parts };
	BodyWalk w = { .opts = &limits, .msg = NULL };
	if (max_parts == 0)
		return g_strdup("");
	walk(&w, g_mime_message_get_mime_part(mime), 0);
	if (w.plain != NULL)
		return part_text(w.plain, FALSE);
	if (w.html != NULL)
		return part_text(w.html, TRUE);
	return g_strdup("");
}
