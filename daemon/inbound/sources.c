/*
 * sources.c — messages from local files: a single message file, a folder of
 * them, a Maildir, or an mbox.
 *
 * This is the offline source: tests, the demo and one-off imports use it,
 * and the IMAP source delivers the same (source, bytes) pairs. Files are
 * visited in sorted order so that a run is reproducible, and replies that
 * come after their originals in name order thread as they would live.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include "inbound/inbound.h"

static gboolean is_separator(const char *p, const char *end);

gboolean
rd_source_is_mbox(const char *data, gsize len)
{
	/* A file with bare CR line ends has no "\n" at all: that is one
	 * message with odd line ends, not an mbox. */
	return memchr(data, '\n', len) != NULL && is_separator(data, data + len);
}

/* Is the line at @p (up to @end) an mbox separator: "From " then a sender
 * and a date with a time ("From jane@x Fri Nov 20 09:00:00 2026")? A bare
 * "From " test would split a body line such as "From the start, …" that
 * an unescaping writer left alone. */
static gboolean
is_separator(const char *p, const char *end)
{
	if (end - p < 5 || memcmp(p, "From ", 5) != 0)
		return FALSE;
	const char *nl = memchr(p, '\n', (gsize)(end - p));
	const char *stop = nl ? nl : end;
	for (const char *q = p + 5; q + 5 <= stop; q++) {
		if (g_ascii_isdigit(q[0]) && g_ascii_isdigit(q[1]) && q[2] == ':' &&
		    g_ascii_isdigit(q[3]) && g_ascii_isdigit(q[4]))
			return TRUE;
	}
	return FALSE;
}

/* A separator line at the start of the buffer, or after an empty line,
 * starts the next message. Lines quoted as ">From " are body text and
 * stay. The separator line itself is not part of the message. */
gboolean
rd_source_mbox_split(const char *mbox_path, const char *data, gsize len,
                     RdSourceFunc func, gpointer user_data)
{
	const char *end_all = data + len;
	gsize pos = 0;
	guint n = 0;
	while (pos < len) {
		/* pos is at a "From " line: skip it. */
		const char *nl = memchr(data + pos, '\n', len - pos);
		gsize start = nl ? (gsize)(nl - data) + 1 : len;
		gsize end = start;
		gboolean prev_blank = FALSE;
		for (;;) {
			const char *p = end < len ? memchr(data + end, '\n', len - end) : NULL;
			if (p == NULL) {
				end = len;
				break;
			}
			gsize line_len = (gsize)(p - (data + end));
			prev_blank = line_len == 0 || (line_len == 1 && data[end] == '\r');
			gsize next = (gsize)(p - data) + 1;
			if (prev_blank && is_separator(data + next, end_all)) {
				end = next;
				break;
			}
			end = next;
		}
		n++;
		g_autofree char *source = g_strdup_printf("%s#%u", mbox_path, n);
		/* Even an empty slice is handed on: it is stored (as empty, in
		 * triage) rather than silently skipped. */
		if (!func(source, data + start, end - start, user_data))
			return FALSE;
		pos = end;
	}
	return TRUE;
}

/* What a folder entry is: DT_REG or DT_DIR from readdir when the file
 * system says (no stat: a 20,000-message Maildir took 40,000 of them),
 * else from stat, which follows symbolic links. */
static gboolean
entry_kind(const char *full, unsigned char type, gboolean *is_dir_r, gboolean *is_reg_r)
{
	*is_dir_r = *is_reg_r = FALSE;
	if (type == DT_DIR || type == DT_REG) {
		*is_dir_r = type == DT_DIR;
		*is_reg_r = type == DT_REG;
		return TRUE;
	}
	GStatBuf sb;
	if (g_stat(full, &sb) != 0)
		return FALSE;
	*is_dir_r = S_ISDIR(sb.st_mode);
	*is_reg_r = S_ISREG(sb.st_mode);
	return TRUE;
}

typedef struct {
	char *name;
	unsigned char type;  /* d_type as read: DT_UNKNOWN when not known */
} Entry;

static gint
cmp_entry(gconstpointer a, gconstpointer b)
{
	return strcmp((*(Entry *const *)a)->name, (*(Entry *const *)b)->name);
}

static void
entry_free(Entry *e)
{
	g_free(e->name);
	g_free(e);
}

static void
list_dir(const char *dir, GPtrArray *out, guint *unreadable, guint depth)
{
	if (depth > 16)  /* a symlink loop or an absurd tree */
		return;
	DIR *d = opendir(dir);
	if (d == NULL) {
		/* Say so, and count it: a folder skipped in silence is mail
		 * nobody looked at. */
		rd_log_error("%s: cannot read this folder (%s); its messages were not ingested", dir,
		             g_strerror(errno));
		(*unreadable)++;
		return;
	}
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func((GDestroyNotify)entry_free);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		Entry *en = g_new0(Entry, 1);
		en->name = g_strdup(e->d_name);
		en->type = e->d_type;
		g_ptr_array_add(names, en);
	}
	closedir(d);
	g_ptr_array_sort(names, cmp_entry);
	/* In a Maildir, tmp/ holds half-delivered mail: never read it. */
	gboolean maildir;
	{
		g_autofree char *cur = g_build_filename(dir, "cur", NULL);
		g_autofree char *new_ = g_build_filename(dir, "new", NULL);
		maildir = g_file_test(cur, G_FILE_TEST_IS_DIR) && g_file_test(new_, G_FILE_TEST_IS_DIR);
	}
	for (guint i = 0; i < names->len; i++) {
		const Entry *en = names->pdata[i];
		if (maildir && strcmp(en->name, "tmp") == 0)
			continue;
		g_autofree char *full = g_build_filename(dir, en->name, NULL);
		gboolean is_dir, is_reg;
		if (!entry_kind(full, en->type, &is_dir, &is_reg))
			continue;  /* gone meanwhile, or a dangling link: nothing to read */
		if (is_dir)
			list_dir(full, out, unreadable, depth + 1);
		else if (is_reg)
			g_ptr_array_add(out, g_steal_pointer(&full));
	}
}

GPtrArray *
rd_source_list(const char *path, guint *unreadable_r, GError **error)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	guint unreadable = 0;
	if (unreadable_r != NULL)
		*unreadable_r = 0;
	if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
		list_dir(path, out, &unreadable, 0);
		if (unreadable_r != NULL)
			*unreadable_r = unreadable;
	} else if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
		g_ptr_array_add(out, g_strdup(path));
	} else {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
		            "%s: no such file or folder (give an .eml file, a folder of messages, a Maildir or an mbox)",
		            path);
		g_ptr_array_unref(out);
		return NULL;
	}
	return out;
}

gboolean
rd_source_walk(const char *path, RdSourceFunc func, RdSourceErrorFunc on_error,
               gpointer user_data, GError **error)
{
	guint unreadable = 0;
	g_autoptr(GPtrArray) files = rd_source_list(path, &unreadable, error);
	if (files == NULL)
		return FALSE;
	if (unreadable > 0 && on_error != NULL)
		on_error(path, "a folder in it cannot be read (named in the log)", user_data);
	for (guint i = 0; i < files->len; i++) {
		const char *f = files->pdata[i];
		g_autoptr(GError) err = NULL;
		g_autoptr(GMappedFile) mf = g_mapped_file_new(f, FALSE, &err);
		if (mf == NULL) {
			if (on_error)
				on_error(f, err->message, user_data);
			continue;
		}
		const char *data = g_mapped_file_get_contents(mf);
		gsize len = g_mapped_file_get_length(mf);
		if (data == NULL)  /* an empty file maps to NULL */
			data = "";
		gboolean go_on;
		if (rd_source_is_mbox(data, len))
			go_on = rd_source_mbox_split(f, data, len, func, user_data);
		else
			go_on = func(f, data, len, user_data);
		if (!go_on)
			break;
	}
	return TRUE;
}
