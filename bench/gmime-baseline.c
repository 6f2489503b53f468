/* gmime-baseline.c — the raw GMime parse rate that redress ingest is
 * measured against.
 *
 *   gmime-baseline DIR...
 *
 * Each DIR is a Maildir (its cur/ and new/ are read) or a plain folder of
 * message files (read without recursing); dot-files are skipped. For every
 * file, in one thread, it does the least work a mail indexer must do:
 * read the file, parse it with g_mime_parser_construct_message(), read
 * From, To, Subject (decoded), Date, Message-ID, In-Reply-To and
 * References, convert the first non-attachment text part to UTF-8, and
 * decode every other leaf part (attachments, including any inside attached
 * messages) through its content object into a null stream.
 *
 * Prints "files=N seconds=S rate=R" (R in messages per second, over the
 * whole run including directory listing and file reads) on stdout, and the
 * number of text and attachment bytes produced on stderr. Exit status 1 if
 * any file could not be read or parsed; the others are still counted.
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <gmime/gmime.h>

typedef struct {
	GMimeStream *null;     /* sink for decoded attachments */
	gboolean have_text;    /* first text part of this message done */
	guint64 decoded;       /* attachment bytes decoded */
	guint64 text_bytes;    /* UTF-8 text bytes produced */
} Walk;

static void
walk_part(GMimeObject *obj, Walk *w)
{
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);
		for (int i = 0; i < n; i++)
			walk_part(g_mime_multipart_get_part(mp, i), w);
		return;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (inner != NULL && inner->mime_part != NULL)
			walk_part(inner->mime_part, w);
		return;
	}
	if (!GMIME_IS_PART(obj))
		return;
	GMimePart *part = GMIME_PART(obj);
	if (!w->have_text && GMIME_IS_TEXT_PART(obj) && !g_mime_part_is_attachment(part)) {
		char *text = g_mime_text_part_get_text(GMIME_TEXT_PART(obj));
		if (text != NULL)
			w->text_bytes += strlen(text);
		g_free(text);
		w->have_text = TRUE;
		return;
	}
	if (GMIME_IS_TEXT_PART(obj) && !g_mime_part_is_attachment(part))
		return;   /* an alternative rendering (HTML), not an attachment */
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	if (content != NULL) {
		gint64 n = g_mime_data_wrapper_write_to_stream(content, w->null);
		if (n > 0)
			w->decoded += (guint64)n;
	}
}

static void
addresses(GMimeMessage *msg, GMimeAddressType type, Walk *w)
{
	InternetAddressList *list = g_mime_message_get_addresses(msg, type);
	if (list == NULL)
		return;
	g_free(internet_address_list_to_string(list, NULL, FALSE));
}

static void
references(GMimeMessage *msg, const char *name, Walk *w)
{
	const char *value = g_mime_object_get_header(GMIME_OBJECT(msg), name);
	if (value == NULL)
		return;
	GMimeReferences *refs = g_mime_references_parse(NULL, value);
	if (refs == NULL)
		return;
	g_mime_references_free(refs);
}

/* Parse one message held in @data. FALSE if GMime could not parse it. */
static gboolean
parse_one(GByteArray *data, Walk *w)
{
	GMimeStream *stream = g_mime_stream_mem_new_with_byte_array(data);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (msg == NULL)
		return FALSE;

	addresses(msg, GMIME_ADDRESS_TYPE_FROM, w);
	addresses(msg, GMIME_ADDRESS_TYPE_TO, w);
	(void)g_mime_message_get_subject(msg);
	(void)g_mime_message_get_date(msg);
	(void)g_mime_message_get_message_id(msg);
	references(msg, "In-Reply-To", w);
	references(msg, "References", w);

	w->have_text = FALSE;
	if (msg->mime_part != NULL)
		walk_part(msg->mime_part, w);
	g_object_unref(msg);
	return TRUE;
}

/* Append the regular, non-dot files directly in @dir to @files. */
static gboolean
list_dir(const char *dir, GPtrArray *files)
{
	GError *error = NULL;
	GDir *d = g_dir_open(dir, 0, &error);
	if (d == NULL) {
		fprintf(stderr, "gmime-baseline: %s\n", error->message);
		g_error_free(error);
		return FALSE;
	}
	const char *name;
	while ((name = g_dir_read_name(d)) != NULL) {
		if (name[0] == '.')
			continue;
		char *path = g_build_filename(dir, name, NULL);
		if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
			g_ptr_array_add(files, path);
		else
			g_free(path);
	}
	g_dir_close(d);
	return TRUE;
}

static gboolean
list_maildir(const char *dir, GPtrArray *files)
{
	char *cur = g_build_filename(dir, "cur", NULL);
	char *new = g_build_filename(dir, "new", NULL);
	gboolean ok = TRUE;
	gboolean is_maildir = g_file_test(cur, G_FILE_TEST_IS_DIR) ||
	                      g_file_test(new, G_FILE_TEST_IS_DIR);
	if (!is_maildir) {
		ok = list_dir(dir, files);
	} else {
		if (g_file_test(cur, G_FILE_TEST_IS_DIR))
			ok = list_dir(cur, files) && ok;
		if (g_file_test(new, G_FILE_TEST_IS_DIR))
			ok = list_dir(new, files) && ok;
	}
	g_free(cur);
	g_free(new);
	return ok;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: gmime-baseline DIR...\n");
		return 2;
	}
	g_mime_init();
	gint64 started = g_get_monotonic_time();

	int rc = 0;
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
	for (int i = 1; i < argc; i++)
		if (!list_maildir(argv[i], files))
			rc = 1;

	Walk w = { g_mime_stream_null_new(), FALSE, 0, 0 };
	guint parsed = 0;
	for (guint i = 0; i < files->len; i++) {
		const char *path = g_ptr_array_index(files, i);
		char *contents = NULL;
		gsize len = 0;
		GError *error = NULL;
		if (!g_file_get_contents(path, &contents, &len, &error)) {
			fprintf(stderr, "gmime-baseline: %s\n", error->message);
			g_error_free(error);
			rc = 1;
			continue;
		}
		GByteArray *data = g_byte_array_new_take((guint8 *)contents, len);
		if (parse_one(data, &w))
			parsed++;
		else {
			fprintf(stderr, "gmime-baseline: %s: not a message\n", path);
			rc = 1;
		}
		g_byte_array_unref(data);
	}

	double secs = (double)(g_get_monotonic_time() - started) / 1e6;
	printf("files=%u seconds=%.3f rate=%.1f\n", parsed, secs,
	       secs > 0 ? parsed / secs : 0.0);
	fprintf(stderr, "gmime-baseline: text=%" G_GUINT64_FORMAT " bytes, attachments=%"
	        G_GUINT64_FORMAT " bytes decoded\n", w.text_bytes, w.decoded);
	g_object_unref(w.null);
	g_ptr_array_unref(files);
	g_mime_shutdown();
	return rc;
}
