/*
 * rd-test-parse.h — a minimal stand-in for rd_message_parse() for the
 * classify, quote and corpus tests.
 *
 * It builds only the RdMessage fields classify.c and quotes.c read
 * (subject, text, new_text) straight from GMime and runs _rd_classify(),
 * so these tests exercise the classification rules on their own, without
 * depending on the whole of message.c. Header-only; static functions.
 */
#ifndef RD_TEST_PARSE_H
#define RD_TEST_PARSE_H

#include <string.h>

#include "parsers-private.h"

typedef RdMessage RdTestMessage;

static void
rd_test_message_free(RdTestMessage *m)
{
	if (m == NULL)
		return;
	g_free(m->subject);
	g_free(m->text);
	g_free(m->new_text);
	g_free(m->auto_reason);
	g_free(m->bounced_message_id);
	g_free(m->bounced_recipient);
	g_free(m->bounce_status);
	g_free(m);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdTestMessage, rd_test_message_free)

/* First text/plain part outside attached messages, else text/html
 * converted; NULL if neither. */
static char *
rd_test_body_text(GMimeObject *obj, guint depth)
{
	if (obj == NULL || depth > 10)
		return NULL;
	if (GMIME_IS_MULTIPART(obj)) {
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		char *html = NULL;
		for (int i = 0; i < n; i++) {
			GMimeObject *p = g_mime_multipart_get_part(GMIME_MULTIPART(obj), i);
			GMimeContentType *ct = g_mime_object_get_content_type(p);
			if (g_mime_content_type_is_type(ct, "text", "html")) {
				if (html == NULL)
					html = rd_test_body_text(p, depth + 1);
				continue;
			}
			char *t = rd_test_body_text(p, depth + 1);
			if (t != NULL) {
				g_free(html);
				return t;
			}
		}
		return html;
	}
	if (!GMIME_IS_TEXT_PART(obj))
		return NULL;
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	char *t = g_mime_text_part_get_text(GMIME_TEXT_PART(obj));
	if (t != NULL && g_mime_content_type_is_type(ct, "text", "html")) {
		char *plain = rd_html_to_text(t, -1);
		g_free(t);
		return plain;
	}
	if (t != NULL && g_mime_content_type_is_type(ct, "text", "plain"))
		return t;
	g_free(t);
	return NULL;
}

static RdTestMessage *
rd_test_parse(const char *data, gsize len)
{
	static gsize inited;
	if (g_once_init_enter(&inited)) {
		g_mime_init();
		g_once_init_leave(&inited, 1);
	}
	RdTestMessage *m = g_new0(RdTestMessage, 1);

	/* Old Mac files end lines with CR alone, which GMime does not read
	 * as line ends. */
	g_autofree char *copy = NULL;
	if (memchr(data, '\n', len) == NULL && memchr(data, '\r', len) != NULL) {
		copy = g_strndup(data, len);
		g_strdelimit(copy, "\r", '\n');
		data = copy;
	}
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *mime = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (mime == NULL) {
		m->text = g_strdup("");
		m->new_text = g_strdup("");
		return m;
	}
	const char *subj = g_mime_message_get_subject(mime);
	m->subject = subj ? g_strdup(subj) : NULL;
	m->text = rd_test_body_text(g_mime_message_get_mime_part(mime), 0);
	if (m->text == NULL)
		m->text = g_strdup("");
	m->new_text = rd_text_strip_quotes(m->text);
	_rd_classify(mime, m);
	g_object_unref(mime);
	return m;
}

/* Local names, so the tests do not need message.c's table. */
static const char *
rd_test_kind_name(RdAutoKind k)
{
	static const char *const names[] = { "human", "auto-reply", "auto-generated",
	                                     "bulk", "bounce" };
	return (guint)k < G_N_ELEMENTS(names) ? names[k] : "?";
}

#endif
