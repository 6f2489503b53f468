/*
 * letter.c — a rendered letter made into one MIME message (GMime 3).
 *
 * The message is multipart/alternative with a text/plain and a text/html
 * part, both UTF-8 in quoted-printable, and carries the headers every
 * letter of the procedure needs (docs/procedure.md §5.2): From, To, Reply-To
 * (the case token address), Subject with the case reference, Date,
 * Message-ID naming the case, In-Reply-To and References to the
 * complainant's message, Auto-Submitted (RFC 3834), X-Auto-Response-
 * Suppress, Content-Language and MIME-Version.
 *
 * Header safety: every string that goes into a header first passes
 * header_text(), which turns CR, LF and other control characters (NUL
 * cannot occur in a C string) into spaces and repairs invalid UTF-8, so no
 * value can end a header line and start another. Addresses and
 * Message-IDs are then checked against a strict ASCII form and refused
 * (ours) or dropped (the complainant's) when they do not fit. Display
 * names and the subject are encoded by GMime (RFC 2047) as needed.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "templates-private.h"

static gpointer
init_once(gpointer unused)
{
	g_mime_init();
	return NULL;
}

void
rd_templates_init(void)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, init_once, NULL);
}

/* A copy of @s safe for one header line: control characters other than
 * tab become spaces; invalid UTF-8 becomes U+FFFD. */
static char *
header_text(const char *s)
{
	char *out = g_utf8_make_valid(s != NULL ? s : "", -1);

	for (char *p = out; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return out;
}

/* Printable ASCII without space or any of @forbid. */
static gboolean
is_plain_ascii(const char *s, const char *forbid)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    strchr(forbid, *s) != NULL)
			return FALSE;
	return TRUE;
}

/* local@domain, ASCII, no specials, at most 254 bytes. */
static gboolean
addr_spec_is_valid(const char *s)
{
	const char *at = strrchr(s, '@');

	return at != NULL && at != s && at[1] != '\0' && strlen(s) <= 254 &&
	       strchr(s, '@') == at && is_plain_ascii(s, "<>()[],;:\"\\") &&
	       at[1] != '.' && s[strlen(s) - 1] != '.';
}

/* id-left@id-right without angle brackets, ASCII, at most 250 bytes. */
static gboolean
msgid_is_valid(const char *s)
{
	const char *at = strchr(s, '@');

	return at != NULL && at != s && at[1] != '\0' && strlen(s) <= 250 &&
	       is_plain_ascii(s, "<>()[],;:\"\\");
}

static gboolean
lang_tag_is_valid(const char *s)
{
	gsize n = strlen(s);

	if (n == 0 || n > 35)
		return FALSE;
	for (; *s != '\0'; s++)
		if (!g_ascii_isalnum(*s) && *s != '-')
			return FALSE;
	return TRUE;
}

/* A Message-ID given by the caller, trimmed of blanks and one pair of
 * angle brackets; NULL if it is not a valid msg-id. */
static char *
clean_msgid(const char *s)
{
	g_autofree char *t = NULL;
	gsize n;

	if (s == NULL)
		return NULL;
	t = g_strstrip(header_text(s));
	n = strlen(t);
	if (n >= 2 && t[0] == '<' && t[n - 1] == '>') {
		memmove(t, t + 1, n - 2);
		t[n - 2] = '\0';
	}
	if (!msgid_is_valid(t))
		return NULL;
	return g_steal_pointer(&t);
}

static gboolean
add_mailbox(InternetAddressList *list, const char *what, const char *name,
            const char *address, GError **error)
{
	g_autofree char *addr = g_strstrip(header_text(address));
	g_autofree char *display = NULL;
	InternetAddress *mb;

	if (!addr_spec_is_valid(addr)) {
		g_set_error(error, RD_TEMPLATE_ERROR, RD_TEMPLATE_ERROR_INVALID,
		            "%s address '%s' is not a plain local@domain address",
		            what, addr);
		return FALSE;
	}
	if (name != NULL)
		display = g_strstrip(header_text(name));
	mb = internet_address_mailbox_new(display != NULL && *display != '\0' ?
	                                  display : NULL, addr);
	internet_address_set_charset(mb, "utf-8");
	internet_address_list_add(list, mb);
	g_object_unref(mb);
	return TRUE;
}

/* @text with CR LF and lone CR turned into LF: GMime writes the line ends
 * the output format asks for. */
static GMimeObject *
text_part(const char *subtype, const char *text)
{
	g_autofree char *valid = g_utf8_make_valid(text, -1);
	GString *s = g_string_sized_new(strlen(valid));
	GMimePart *part = g_mime_part_new_with_type("text", subtype);
	GMimeStream *stream;
	GMimeDataWrapper *content;

	for (const char *p = valid; *p != '\0'; p++) {
		if (*p == '\r') {
			g_string_append_c(s, '\n');
			if (p[1] == '\n')
				p++;
		} else {
			g_string_append_c(s, *p);
		}
	}
	stream = g_mime_stream_mem_new_with_buffer(s->str, s->len);
	g_string_free(s, TRUE);
	content = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
	g_object_unref(stream);
	g_mime_part_set_content(part, content);
	g_object_unref(content);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	return GMIME_OBJECT(part);
}

/* The subject, one line, with @ref appended when it is not already there
 * (compared without regard to case). */
static char *
subject_with_ref(const char *subject, const char *ref)
{
	g_autofree char *subj = g_strstrip(header_text(subject));
	g_autofree char *r = NULL;
	g_autofree char *subj_down = NULL;
	g_autofree char *ref_down = NULL;

	if (ref == NULL)
		return g_steal_pointer(&subj);
	r = g_strstrip(header_text(ref));
	if (*r == '\0')
		return g_steal_pointer(&subj);
	subj_down = g_utf8_strdown(subj, -1);
	ref_down = g_utf8_strdown(r, -1);
	if (strstr(subj_down, ref_down) != NULL)
		return g_steal_pointer(&subj);
	return g_strdup_printf("%s%s[%s]", subj, *subj != '\0' ? " " : "", r);
}

static gboolean
require(const char *value, const char *what, GError **error)
{
	if (value != NULL)
		return TRUE;
	g_set_error(error, RD_TEMPLATE_ERROR, RD_TEMPLATE_ERROR_INVALID,
	            "letter has no %s", what);
	return FALSE;
}

/* One attached file: base64 (any bytes survive any server), named with
 * the filename encoded as RFC 2231 asks; an attached message stays a
 * message/rfc822 part, parsed again so that GMime writes it as one. */
static GMimeObject *
attachment_part(const RdLetterAttachment *a, GError **error)
{
	const char *type = a->content_type != NULL ? a->content_type : "application/octet-stream";
	if (g_ascii_strcasecmp(type, "message/rfc822") == 0) {
		GMimeStream *st = g_mime_stream_mem_new_with_buffer(a->data, a->len);
		GMimeParser *p = g_mime_parser_new_with_stream(st);
		GMimeMessage *inner = g_mime_parser_construct_message(p, NULL);
		g_object_unref(p);
		g_object_unref(st);
		if (inner != NULL) {
			GMimeMessagePart *mp = g_mime_message_part_new_with_message("rfc822", inner);
			g_object_unref(inner);
			if (a->filename != NULL)
				g_mime_object_set_content_disposition_parameter(GMIME_OBJECT(mp), "filename", a->filename);
			g_mime_object_set_disposition(GMIME_OBJECT(mp), "attachment");
			return GMIME_OBJECT(mp);
		}
		type = "application/octet-stream";   /* not a message after all: the bytes as they are */
	}
	GMimeContentType *ct = g_mime_content_type_parse(NULL, type);
	if (ct == NULL || g_mime_content_type_get_media_type(ct) == NULL) {
		g_clear_object(&ct);
		g_set_error(error, RD_TEMPLATE_ERROR, RD_TEMPLATE_ERROR_INVALID,
		            "attachment type '%s' is not type/subtype", type);
		return NULL;
	}
	GMimePart *part = g_mime_part_new_with_type(g_mime_content_type_get_media_type(ct),
	                                            g_mime_content_type_get_media_subtype(ct));
	g_object_unref(ct);
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(a->data, a->len);
	GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(st, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, w);
	g_object_unref(w);
	g_object_unref(st);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	g_mime_object_set_disposition(GMIME_OBJECT(part), "attachment");
	if (a->filename != NULL) {
		g_autofree char *name = header_text(a->filename);
		g_mime_part_set_filename(part, name);
	}
	return GMIME_OBJECT(part);
}

/* multipart/mixed: the letter (@alt) first, then its attachments. */
static GMimeMultipart *
with_attachments(GMimeMultipart *alt, const RdLetter *letter, GError **error)
{
	GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
	g_autofree char *h = g_compute_checksum_for_string(G_CHECKSUM_SHA1, letter->message_id, -1);
	g_autofree char *boundary = g_strdup_printf("=-redress-mixed-%s", h);
	g_mime_multipart_set_boundary(mixed, boundary);
	g_mime_multipart_add(mixed, GMIME_OBJECT(alt));
	for (gsize i = 0; i < letter->n_attachments; i++) {
		GMimeObject *part = attachment_part(&letter->attachments[i], error);
		if (part == NULL) {
			g_object_unref(mixed);
			return NULL;
		}
		g_mime_multipart_add(mixed, part);
		g_object_unref(part);
	}
	return mixed;
}

GBytes *
rd_letter_build(const RdLetter *letter, GError **error)
{
	g_autoptr(GDateTime) now = NULL;
	g_autoptr(GString) refs = NULL;
	g_autofree char *msgid = NULL;
	g_autofree char *irt = NULL;
	g_autofree char *subject = NULL;
	g_autofree char *lang = NULL;
	GMimeMessage *msg = NULL;
	GMimeMultipart *alt = NULL;
	GMimeMultipart *mixed = NULL;
	GMimeObject *plain = NULL;
	GMimeObject *html = NULL;
	GMimeStream *out = NULL;
	GMimeFormatOptions *fmt = NULL;
	GMimeObject *obj;
	GByteArray *bytes;
	GBytes *result = NULL;

	g_return_val_if_fail(letter != NULL, NULL);
	rd_templates_init();

	if (!require(letter->from_address, "From address", error) ||
	    !require(letter->to_address, "To address", error) ||
	    !require(letter->subject, "subject", error) ||
	    !require(letter->text_body, "text body", error) ||
	    !require(letter->html_body, "HTML body", error) ||
	    !require(letter->message_id, "Message-ID", error))
		return NULL;
	msgid = clean_msgid(letter->message_id);
	if (msgid == NULL) {
		g_set_error(error, RD_TEMPLATE_ERROR, RD_TEMPLATE_ERROR_INVALID,
		            "Message-ID is not of the form left@right");
		return NULL;
	}
	lang = g_strstrip(header_text(letter->language != NULL ? letter->language : "en"));
	if (!lang_tag_is_valid(lang)) {
		g_set_error(error, RD_TEMPLATE_ERROR, RD_TEMPLATE_ERROR_INVALID,
		            "language '%s' is not a language tag", lang);
		return NULL;
	}

	msg = g_mime_message_new(TRUE);
	obj = GMIME_OBJECT(msg);
	if (!add_mailbox(g_mime_message_get_from(msg), "From", letter->from_name,
	                 letter->from_address, error) ||
	    !add_mailbox(g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO), "To",
	                 letter->to_name, letter->to_address, error))
		goto out;
	if (letter->reply_to != NULL &&
	    !add_mailbox(g_mime_message_get_reply_to(msg), "Reply-To", NULL,
	                 letter->reply_to, error))
		goto out;

	subject = subject_with_ref(letter->subject, letter->reference);
	g_mime_message_set_subject(msg, subject, "utf-8");
	if (letter->date == NULL)
		now = g_date_time_new_now_local();
	g_mime_message_set_date(msg, letter->date != NULL ? letter->date : now);
	g_mime_message_set_message_id(msg, msgid);

	/* Threading: In-Reply-To is the complainant's message; References is
	 * the caller's chain, which normally ends with it. */
	irt = clean_msgid(letter->in_reply_to);
	refs = g_string_new(NULL);
	for (const char *const *r = letter->references; r != NULL && *r != NULL; r++) {
		g_autofree char *id = clean_msgid(*r);

		if (id != NULL)
			g_string_append_printf(refs, "%s<%s>", refs->len > 0 ? " " : "", id);
	}
	if (refs->len == 0 && irt != NULL)
		g_string_append_printf(refs, "<%s>", irt);
	if (irt != NULL) {
		g_autofree char *v = g_strdup_printf("<%s>", irt);

		g_mime_object_set_header(obj, "In-Reply-To", v, NULL);
	}
	if (refs->len > 0)
		g_mime_object_set_header(obj, "References", refs->str, NULL);

	g_mime_object_set_header(obj, "Auto-Submitted",
	                         letter->auto_generated ? "auto-generated" : "auto-replied",
	                         NULL);
	g_mime_object_set_header(obj, "X-Auto-Response-Suppress", "All", NULL);
	g_mime_object_set_header(obj, "Content-Language", lang, NULL);
	g_mime_object_set_header(obj, "MIME-Version", "1.0", NULL);

	alt = g_mime_multipart_new_with_subtype("alternative");
	/* Left to itself GMime opens /dev/urandom for every boundary; the
	 * Message-ID already carries randomness and is unique per letter, so
	 * the boundary is made from it (a hash, so no address shows). */
	{
		g_autofree char *h = g_compute_checksum_for_string(G_CHECKSUM_SHA1, letter->message_id, -1);
		g_autofree char *boundary = g_strdup_printf("=-redress-%s", h);
		g_mime_multipart_set_boundary(alt, boundary);
	}
	plain = text_part("plain", letter->text_body);
	html = text_part("html", letter->html_body);
	g_mime_multipart_add(alt, plain);
	g_mime_multipart_add(alt, html);
	if (letter->n_attachments == 0) {
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(alt));
	} else {
		mixed = with_attachments(alt, letter, error);
		if (mixed == NULL)
			goto out;
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(mixed));
	}

	fmt = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fmt, GMIME_NEWLINE_FORMAT_DOS);
	out = g_mime_stream_mem_new();
	if (g_mime_object_write_to_stream(obj, fmt, out) < 0) {
		g_set_error(error, RD_TEMPLATE_ERROR, RD_TEMPLATE_ERROR_INVALID,
		            "cannot serialize the letter");
		goto out;
	}
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	result = g_bytes_new(bytes->data, bytes->len);
out:
	if (fmt != NULL)
		g_mime_format_options_free(fmt);
	g_clear_object(&out);
	g_clear_object(&plain);
	g_clear_object(&html);
	g_clear_object(&alt);
	g_clear_object(&mixed);
	g_clear_object(&msg);
	return result;
}

/* @s lower-cased with anything outside [a-z0-9-] turned into '-'. */
static char *
id_word(const char *s, const char *fallback)
{
	char *out = g_ascii_strdown(s != NULL && *s != '\0' ? s : fallback, -1);

	for (char *p = out; *p != '\0'; p++)
		if (!g_ascii_isalnum(*p) && *p != '-')
			*p = '-';
	return out;
}

char *
rd_letter_message_id(const char *ref, const char *kind, const char *domain)
{
	g_autofree char *r = id_word(ref, "none");
	g_autofree char *k = id_word(kind, "letter");
	g_autofree char *d = NULL;
	char rnd[17];

	g_return_val_if_fail(domain != NULL, NULL);
	/* The domain is config; anything that cannot be in one is dropped. */
	d = g_ascii_strdown(domain, -1);
	{
		char *w = d;

		for (const char *p = d; *p != '\0'; p++)
			if (g_ascii_isalnum(*p) || *p == '-' || *p == '.')
				*w++ = *p;
		*w = '\0';
	}
	for (int i = 0; i < 16; i += 8)
		g_snprintf(rnd + i, 9, "%08" G_GINT32_MODIFIER "x", g_random_int());
	return g_strdup_printf("%s.%s.%s@%s", r, k, rnd, *d != '\0' ? d : "localhost");
}
