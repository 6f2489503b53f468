/*
 * sink.c — where letters go: the sink interface and the folder sink.
 *
 * A sink is an ops table (RdSinkOps) behind an RdSink; the sender drains
 * the outbox through whichever one is configured and never knows which.
 * The folder sink is the offline twin of SMTP, used by the demo and the
 * tests: each letter becomes DIR/<idempotency key>.eml, written to a
 * temporary name, fsynced and renamed. A crash between writing and the
 * store marking the letter sent rewrites the same file under the same
 * name next time, so a letter appears at most once in the folder.
 */
#include <errno.h>
#include <glib/gstdio.h>
#include "outbound/outbound.h"

RdSinkStatus
rd_sink_send(RdSink *sink, const RdOutboxRow *row, char **detail_r)
{
	g_return_val_if_fail(sink != NULL && row != NULL && detail_r != NULL, RD_SINK_RETRY);
	*detail_r = NULL;
	RdSinkStatus st = sink->ops->send(sink, row, detail_r);
	if (*detail_r == NULL)
		*detail_r = g_strdup(st == RD_SINK_SENT ? "sent" : "no detail");
	return st;
}

const char *
rd_sink_name(const RdSink *sink)
{
	return sink->ops->name;
}

void
rd_sink_free(RdSink *sink)
{
	if (sink == NULL)
		return;
	g_clear_pointer(&sink->unrecorded, g_hash_table_unref);
	sink->ops->free(sink);
}

/* ---- the folder sink ------------------------------------------------------ */

typedef struct {
	RdSink base;
	char *dir;
} FolderSink;

/* A file name from an idempotency key: "CMP-2026-000001/s1/ack" →
 * "CMP-2026-000001_s1_ack.eml". Keys are ours, but a name is never
 * trusted as a path. */
static char *
file_name_for(const char *key)
{
	GString *s = g_string_new(NULL);
	for (const char *p = key; *p; p++)
		g_string_append_c(s, g_ascii_isalnum(*p) || *p == '-' || *p == '.' ? *p : '_');
	g_string_append(s, ".eml");
	return g_string_free(s, FALSE);
}

static RdSinkStatus
folder_send(RdSink *sink, const RdOutboxRow *row, char **detail_r)
{
	FolderSink *f = (FolderSink *)sink;
	g_autofree char *name = file_name_for(row->idem_key);
	g_autofree char *path = g_build_filename(f->dir, name, NULL);
	gsize len = 0;
	const char *data = row->raw ? g_bytes_get_data(row->raw, &len) : NULL;
	g_autoptr(GError) err = NULL;
	/* g_file_set_contents writes a temporary file, fsyncs it and renames
	 * it into place. A full disk is worth another try later. */
	if (!g_file_set_contents(path, data ? data : "", (gssize)len, &err)) {
		*detail_r = g_strdup_printf("cannot write %s: %s", path, err->message);
		return RD_SINK_RETRY;
	}
	*detail_r = g_strdup_printf("written to %s", path);
	return RD_SINK_SENT;
}

static void
folder_free(RdSink *sink)
{
	FolderSink *f = (FolderSink *)sink;
	g_free(f->dir);
	g_free(f);
}

static const RdSinkOps folder_ops = {
	.name = "folder",
	.log_level = RD_LOG_DEBUG,
	.send = folder_send,
	.free = folder_free,
};

RdSink *
rd_sink_folder_new(const char *dir, GError **error)
{
	g_return_val_if_fail(dir != NULL, NULL);
	if (g_mkdir_with_parents(dir, 0700) != 0) {
		int e = errno;
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_IO, "cannot create %s: %s", dir,
		            g_strerror(e));
		return NULL;
	}
	FolderSink *f = g_new0(FolderSink, 1);
	f->base.ops = &folder_ops;
	f->dir = g_strdup(dir);
	return &f->base;
}
