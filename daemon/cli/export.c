/*
 * export.c — getting what was received back out of the case file:
 * `redress attachment ID --out FILE` (one attachment, decoded) and
 * `redress message ID --raw` (the message byte-for-byte as it arrived).
 *
 * Intake keeps every message's raw bytes (content-addressed) and lists its
 * attachments with a SHA-256 of each; the bytes of an attachment are not
 * kept twice. So an attachment is got by parsing the stored message again
 * and taking the part whose digest matches the one recorded at intake:
 * the file written is the one that arrived, or the command says it could
 * not find it — never a near miss.
 *
 * Attachments are personal data: files are written 0600, and an existing
 * file is not replaced without --force. Binary bytes never go to a
 * terminal by accident: an attachment needs --out (FILE, or - for
 * standard output).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include "cli/cli.h"

/* Write @bytes to @out ("-": standard output), atomically for a file. */
static int
write_out(const char *cmd, const char *out, gboolean force, GBytes *bytes)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(bytes, &len);
	if (strcmp(out, "-") == 0) {
		if (len > 0 && fwrite(data, 1, len, stdout) != len) {
			fprintf(stderr, "redress %s: error: writing to standard output: %s\n", cmd, g_strerror(errno));
			return RD_EXIT_INTERNAL;
		}
		if (fflush(stdout) != 0) {
			fprintf(stderr, "redress %s: error: writing to standard output: %s\n", cmd, g_strerror(errno));
			return RD_EXIT_INTERNAL;
		}
		return RD_EXIT_OK;
	}
	if (!force && g_file_test(out, G_FILE_TEST_EXISTS)) {
		fprintf(stderr, "redress %s: %s already exists; give another file, or --force to replace it\n", cmd, out);
		return RD_EXIT_USAGE;
	}
	g_autoptr(GError) err = NULL;
	if (!g_file_set_contents_full(out, data, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &err)) {
		fprintf(stderr, "redress %s: error: %s\n", cmd, err->message);
		return RD_EXIT_USAGE;
	}
	return RD_EXIT_OK;
}

/* A message id as people type it: "12" or "#12". */
static gboolean
parse_id(const char *s, gint64 *id_r)
{
	if (*s == '#')
		s++;
	guint64 v = 0;
	if (!g_ascii_string_to_unsigned(s, 10, 1, G_MAXINT64, &v, NULL))
		return FALSE;
	*id_r = (gint64)v;
	return TRUE;
}

/* The stored message @id and its raw bytes. An exit code; on RD_EXIT_OK
 * both are set. */
static int
message_and_raw(const char *cmd, RdStore *store, gint64 id, RdMessageRow **m_r, GBytes **raw_r)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdMessageRow) m = NULL;
	if (!rd_store_message_get(store, id, &m, &err)) {
		fprintf(stderr, "redress: error: reading message #%" G_GINT64_FORMAT ": %s\n", id, err->message);
		return RD_EXIT_INTERNAL;
	}
	if (m == NULL) {
		fprintf(stderr, "redress %s: no message #%" G_GINT64_FORMAT " (the ids are in: redress show REF)\n",
		        cmd, id);
		return RD_EXIT_USAGE;
	}
	GBytes *raw = NULL;
	if (m->raw_sha256 == NULL || !rd_store_raw_get(store, m->raw_sha256, &raw, &err) || raw == NULL) {
		fprintf(stderr, "redress: error: the bytes of message #%" G_GINT64_FORMAT " are not in the database%s%s\n",
		        id, err ? ": " : "", err ? err->message : "");
		return RD_EXIT_INTERNAL;
	}
	*m_r = g_steal_pointer(&m);
	*raw_r = raw;
	return RD_EXIT_OK;
}

int
rd_cmd_message(const RdGlobalOptions *g, int argc, char **argv)
{
	gboolean raw = FALSE, force = FALSE;
	g_autofree char *out = NULL;
	GOptionEntry entries[] = {
		{ "raw", 0, 0, G_OPTION_ARG_NONE, &raw, "The message as it was received, byte for byte", NULL },
		{ "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Write to FILE (default: standard output)", "FILE" },
		{ "force", 0, 0, G_OPTION_ARG_NONE, &force, "Replace FILE if it exists", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("ID --raw — a stored message as it arrived");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err)) {
		fprintf(stderr, "redress message: %s (see redress message --help)\n", err->message);
		return RD_EXIT_USAGE;
	}
	gint64 id = 0;
	if (argc != 2 || !parse_id(argv[1], &id) || !raw) {
		fprintf(stderr, "redress message: usage: redress message ID --raw [--out FILE] (the ids are the "
		        "#numbers in: redress show REF)\n");
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	int rc = rd_open_config_and_store_readonly(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	g_autoptr(RdMessageRow) m = NULL;
	g_autoptr(GBytes) bytes = NULL;
	rc = message_and_raw("message", store, id, &m, &bytes);
	if (rc != RD_EXIT_OK)
		return rc;
	return write_out("message", out ? out : "-", force, bytes);
}

int
rd_cmd_attachment(const RdGlobalOptions *g, int argc, char **argv)
{
	gboolean force = FALSE;
	g_autofree char *out = NULL;
	GOptionEntry entries[] = {
		{ "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Write to FILE (- for standard output)", "FILE" },
		{ "force", 0, 0, G_OPTION_ARG_NONE, &force, "Replace FILE if it exists", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("ID --out FILE — one attachment as it was sent");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err)) {
		fprintf(stderr, "redress attachment: %s (see redress attachment --help)\n", err->message);
		return RD_EXIT_USAGE;
	}
	gint64 id = 0;
	if (argc != 2 || !parse_id(argv[1], &id) || out == NULL) {
		fprintf(stderr, "redress attachment: usage: redress attachment ID --out FILE (the ids are in: "
		        "redress show REF --attachments)\n");
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	int rc = rd_open_config_and_store_readonly(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	g_autoptr(RdAttachmentRow) a = NULL;
	if (!rd_store_attachment_get(store, id, &a, &err)) {
		fprintf(stderr, "redress: error: reading attachment %" G_GINT64_FORMAT ": %s\n", id, err->message);
		return RD_EXIT_INTERNAL;
	}
	if (a == NULL) {
		fprintf(stderr, "redress attachment: no attachment %" G_GINT64_FORMAT " (list them with: redress show "
		        "REF --attachments)\n", id);
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdMessageRow) m = NULL;
	g_autoptr(GBytes) raw = NULL;
	rc = message_and_raw("attachment", store, a->msg_id, &m, &raw);
	if (rc != RD_EXIT_OK)
		return rc;
	RdParseOptions opts = cfg->limits;
	opts.attachment_data = TRUE;
	gsize len = 0;
	const char *data = g_bytes_get_data(raw, &len);
	g_autoptr(RdMessage) msg = rd_message_parse(data, len, m->received_at, &opts);
	for (guint i = 0; msg->attachments != NULL && i < msg->attachments->len; i++) {
		const RdAttachment *p = msg->attachments->pdata[i];
		if (p->data == NULL || g_strcmp0(p->sha256, a->sha256) != 0)
			continue;
		/* The parser's digest is of these very bytes; checked again
		 * here because a file handed to someone must be the one that
		 * was received. */
		g_autofree char *sum = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, p->data);
		if (g_strcmp0(sum, a->sha256) != 0)
			continue;
		rc = write_out("attachment", out, force, p->data);
		if (rc == RD_EXIT_OK && !g->quiet && strcmp(out, "-") != 0)
			fprintf(stderr, "redress attachment: wrote %s (%s, %" G_GSIZE_FORMAT " bytes, from message #%"
			        G_GINT64_FORMAT ") to %s\n", rd_cli_or_dash(a->filename), rd_cli_or_dash(a->content_type),
			        g_bytes_get_size(p->data), a->msg_id, out);
		return rc;
	}
	fprintf(stderr, "redress: error: attachment %" G_GINT64_FORMAT " (%s, SHA-256 %s) was not found again in "
	        "message #%" G_GINT64_FORMAT "; nothing written. The message itself is intact: get it with "
	        "redress message %" G_GINT64_FORMAT " --raw\n", id, rd_cli_or_dash(a->filename), a->sha256,
	        a->msg_id, a->msg_id);
	return RD_EXIT_INTERNAL;
}
