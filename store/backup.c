/*
 * backup.c — consistent copies of the case file, and putting one back.
 *
 * Copying the database file with cp while redress runs is not a backup:
 * the file and its write-ahead log change under the copy, and the copy
 * may hold half of a transaction, or miss committed ones still only in
 * the -wal. Here every copy goes through SQLite.
 *
 * rd_store_backup() copies with SQLite's online backup API, page by page
 * in steps of STEP_PAGES, inside one read transaction on the source. In
 * WAL mode a reader never blocks a writer, so the daemon and ingest go on
 * committing meanwhile; the open read transaction pins the snapshot, so
 * the copy is the database exactly as it was when the backup began and
 * is never restarted by their commits (the log grows meanwhile, and is
 * checkpointed after). The copy is written to a temporary file beside
 * DEST (mode 0600: it holds personal data and the reply-token key), put
 * in rollback-journal mode so that it is one self-contained file, checked
 * (PRAGMA integrity_check, foreign_key_check, the same schema version as
 * the source), synced, renamed into place, and the folder synced. A
 * failure at any point leaves DEST as it was and removes the temporary
 * file.
 *
 * rd_store_restore() puts a copy back. It holds the daemon's lock
 * throughout (refused while a daemon runs; no daemon can start meanwhile)
 * and the set-up lock (no set-up or upgrade by another process in
 * between). The copy is checked first, as above; nothing is changed
 * unless it passes. Then, when the database exists and can be read:
 *   in place — a consistent copy of the database is kept as
 *   DATABASE.before-restore-TIMESTAMP, and the copy is written into the
 *   database through SQLite with the backup API, in one write
 *   transaction: a reader sees the old database or the restored one,
 *   never a mixture; a crash rolls it back; a process that has the file
 *   open (an ingest) sees the new contents at its next transaction, and
 *   no -wal or -shm can be left over from the old file, because it is the
 *   same file. The log is then checkpointed and truncated.
 * When there is no database, or it cannot be read (damaged, not a
 * database), or its page size differs from the copy's (which SQLite cannot
 * change in WAL mode):
 *   replaced — the files are moved aside (DATABASE → the kept name, its
 *   -wal and -journal to the kept name's, so that SQLite still finds them
 *   beside it; the -shm, which only indexes the -wal, removed) and the
 *   copy is put in place as a new file, synced and renamed. This assumes
 *   no process has the old file open; the README says to stop ingest and
 *   fetch as well as the daemon.
 * Last, the restored file is opened as rd_store_open() would (WAL mode,
 * and an older schema migrated), still under the set-up lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "store-private.h"

#define STEP_PAGES 256           /* 4 MiB at our 16 KiB pages */
#define BUSY_WAIT_US (30 * G_USEC_PER_SEC)

void
rd_restore_info_clear(RdRestoreInfo *r)
{
	if (r == NULL)
		return;
	g_clear_pointer(&r->kept, g_free);
}

/* ---- small file helpers ----------------------------------------------- */

static gboolean
fsync_path(const char *path, gboolean dir, const char *what, GError **error)
{
	/* Only on files no connection of this process has open (a copy
	 * being made, a folder): closing a descriptor of a database some
	 * connection uses would drop that connection's POSIX locks. */
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_FAILED,
		            "syncing %s %s to disk: %s", what, path, g_strerror(e));
		return FALSE;
	}
	close(fd);
	return TRUE;
}

static void
remove_with_journals(const char *path)
{
	static const char *const suffixes[] = { "", "-journal", "-wal", "-shm" };
	for (gsize i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		g_autofree char *p = g_strconcat(path, suffixes[i], NULL);
		g_unlink(p);
	}
}

static gboolean
same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Rename @from to @to; unless @replace, never over an existing @to. */
static gboolean
rename_into_place(const char *from, const char *to, gboolean replace, GError **error)
{
	int rc;
	if (replace) {
		rc = rename(from, to);
	} else {
		rc = renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
		if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
			/* A file system without RENAME_NOREPLACE: a hard link
			 * fails the same way on an existing name. */
			rc = link(from, to);
			if (rc == 0)
				g_unlink(from);
		}
	}
	if (rc != 0) {
		int e = errno;
		g_set_error(error, RD_STORE_ERROR, e == EEXIST ? RD_STORE_ERROR_DEST : RD_STORE_ERROR_FAILED,
		            "cannot rename %s to %s: %s%s", from, to, g_strerror(e),
		            e == EEXIST ? " (it exists; use --force to replace it)" : "");
		return FALSE;
	}
	return TRUE;
}

/* ---- SQLite helpers --------------------------------------------------- */

static GError *
sqlite_error(sqlite3 *db, int rc, const char *doing, const char *path)
{
	int code = RD_STORE_ERROR_FAILED;
	const char *hint = "";
	switch (rc & 0xff) {
	case SQLITE_FULL:
		hint = " (the disk is full)";
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = RD_STORE_ERROR_BUSY;
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		code = RD_STORE_ERROR_DAMAGED;
		break;
	default:
		break;
	}
	return g_error_new(RD_STORE_ERROR, code, "%s %s: %s%s", doing, path,
	                   db != NULL && sqlite3_errcode(db) == rc ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
	                   hint);
}

static sqlite3 *
open_db(const char *path, int flags, GError **error)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		g_propagate_error(error, sqlite_error(db, rc, "cannot open", path));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static gboolean
exec_on(sqlite3 *db, const char *sql, const char *doing, const char *path, GError **error)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		g_propagate_error(error, sqlite_error(db, rc, doing, path));
		return FALSE;
	}
	return TRUE;
}

/* The first column of the first row of @sql as an integer. */
static gboolean
query_int(sqlite3 *db, const char *sql, gint64 *v_r, const char *path, GError **error)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*v_r = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			*v_r = 0;
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK) {
		g_propagate_error(error, sqlite_error(db, rc, "reading", path));
		return FALSE;
	}
	return TRUE;
}

/* ---- checking a copy -------------------------------------------------- */

/* What a file holds, checked: integrity, foreign keys, a redress schema. */
static gboolean
check_db(sqlite3 *db, const char *path, RdCopyInfo *info, GError **error)
{
	sqlite3_stmt *st = NULL;
	GString *problems = g_string_new(NULL);
	int n = 0;
	int rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *line = (const char *)sqlite3_column_text(st, 0);
			if (line != NULL && strcmp(line, "ok") != 0 && n++ < 3)
				g_string_append_printf(problems, "%s%s", problems->len ? "; " : "", line);
		}
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK) {
		g_string_free(problems, TRUE);
		g_propagate_error(error, sqlite_error(db, rc, "checking", path));
		return FALSE;
	}
	if (n > 0) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_DAMAGED,
		            "%s fails its integrity check (%d problem%s): %s", path, n, n == 1 ? "" : "s",
		            problems->str);
		g_string_free(problems, TRUE);
		return FALSE;
	}
	g_string_free(problems, TRUE);

	gint64 version = 0, broken = 0, page_size = 0, pages = 0;
	if (!query_int(db, "PRAGMA user_version", &version, path, error) ||
	    !query_int(db, "PRAGMA page_size", &page_size, path, error) ||
	    !query_int(db, "PRAGMA page_count", &pages, path, error))
		return FALSE;
	if (version < 1) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_DAMAGED,
		            "%s is not a redress database (it has no schema)", path);
		return FALSE;
	}
	if (!query_int(db, "SELECT count(*) FROM pragma_foreign_key_check", &broken, path, error))
		return FALSE;
	if (broken > 0) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_DAMAGED,
		            "%s has %" G_GINT64_FORMAT " row%s whose foreign keys point nowhere", path, broken,
		            broken == 1 ? "" : "s");
		return FALSE;
	}
	info->schema = (int)version;
	info->page_size = page_size;
	info->pages = pages;
	return query_int(db, "SELECT count(*) FROM cases", &info->cases, path, error) &&
	       query_int(db, "SELECT count(*) FROM messages", &info->messages, path, error);
}

gboolean
rd_store_copy_check(const char *path, RdCopyInfo *info_r, GError **error)
{
	g_return_val_if_fail(path != NULL && info_r != NULL, FALSE);

	memset(info_r, 0, sizeof *info_r);
	struct stat sb;
	if (stat(path, &sb) != 0) {
		int e = errno;
		g_set_error(error, RD_STORE_ERROR, e == ENOENT ? RD_STORE_ERROR_MISSING : RD_STORE_ERROR_OPEN,
		            "cannot read %s: %s", path, g_strerror(e));
		return FALSE;
	}
	if (!S_ISREG(sb.st_mode)) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_DAMAGED, "%s is not a file", path);
		return FALSE;
	}
	sqlite3 *db = open_db(path, SQLITE_OPEN_READONLY, error);
	if (db == NULL)
		return FALSE;
	gboolean ok = check_db(db, path, info_r, error);
	sqlite3_close(db);
	if (!ok)
		return FALSE;
	info_r->bytes = sb.st_size;
	if (info_r->schema > RD_STORE_SCHEMA_VERSION) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_SCHEMA,
		            "%s has schema version %d but this redress only knows up to version %d; "
		            "upgrade redress to use it", path, info_r->schema, RD_STORE_SCHEMA_VERSION);
		return FALSE;
	}
	return TRUE;
}

/* ---- copying ------------------------------------------------------------ */

/* Copy @src (an open connection; a read transaction is held on it for the
 * whole copy) into the new, empty file @tmp, leave it in rollback mode,
 * check it (unless @check is FALSE: the database as it was before a
 * restore is kept as it is, damage and all) and sync it. @label names the
 * destination in errors. */
static gboolean
copy_to_file(sqlite3 *src, const char *src_path, const char *tmp, const char *label,
             gboolean check, RdCopyInfo *info, GError **error)
{
	gint64 src_version = 0, objects = 0;
	if (!exec_on(src, "BEGIN", "reading", src_path, error))
		return FALSE;
	/* The first read fixes the snapshot the whole copy is taken from. */
	if (!query_int(src, "PRAGMA user_version", &src_version, src_path, error) ||
	    !query_int(src, "SELECT count(*) FROM sqlite_schema", &objects, src_path, error)) {
		sqlite3_exec(src, "ROLLBACK", NULL, NULL, NULL);
		return FALSE;
	}
	sqlite3 *dst = open_db(tmp, SQLITE_OPEN_READWRITE, error);
	gboolean ok = dst != NULL &&
	              /* A temporary file: a crash leaves it unused, so it
	               * needs no journal, and it is synced once at the end. */
	              exec_on(dst, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF",
	                      "preparing", label, error);
	if (ok) {
		sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
		if (b == NULL) {
			g_propagate_error(error, sqlite_error(dst, sqlite3_errcode(dst), "copying into", label));
			ok = FALSE;
		} else {
			gint64 deadline = g_get_monotonic_time() + BUSY_WAIT_US;
			int rc;
			do {
				rc = sqlite3_backup_step(b, STEP_PAGES);
				if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
				    g_get_monotonic_time() < deadline)
					g_usleep(10000);
				else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
					break;
			} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
			int frc = sqlite3_backup_finish(b);
			if (rc == SQLITE_DONE)
				rc = frc;
			if (rc != SQLITE_OK) {
				/* The destination's error says "disk full"; the
				 * source's, a damaged page. */
				int drc = sqlite3_errcode(dst);
				if (drc != SQLITE_OK)
					g_propagate_error(error, sqlite_error(dst, drc, "copying into", label));
				else
					g_propagate_error(error, sqlite_error(src, rc, "copying", src_path));
				ok = FALSE;
			}
		}
	}
	sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(dst);
	if (!ok)
		return FALSE;

	/* Open the copy afresh: a self-contained file in rollback mode (the
	 * pages came with the source's WAL header), then checked. */
	dst = open_db(tmp, SQLITE_OPEN_READWRITE, error);
	ok = dst != NULL && exec_on(dst, "PRAGMA journal_mode = DELETE", "preparing", label, error) &&
	     (!check || check_db(dst, label, info, error));
	sqlite3_close(dst);
	if (!ok)
		return FALSE;
	if (check && info->schema != src_version) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_FAILED,
		            "the copy %s has schema %d, the database %" G_GINT64_FORMAT, label, info->schema,
		            src_version);
		return FALSE;
	}
	return fsync_path(tmp, FALSE, "the copy", error);
}

/* A new empty file beside @dest, mode 0600. Newly allocated path. */
static char *
make_temp_beside(const char *dest, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(dest);
	g_autofree char *base = g_path_get_basename(dest);
	g_autofree char *tmpl_name = g_strdup_printf(".%s.XXXXXX", base);
	char *tmp = g_build_filename(dir, tmpl_name, NULL);
	int fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		g_set_error(error, RD_STORE_ERROR, e == ENOSPC ? RD_STORE_ERROR_FAILED : RD_STORE_ERROR_DEST,
		            "cannot write in the folder %s: %s", dir, g_strerror(e));
		g_free(tmp);
		return NULL;
	}
	close(fd);
	return tmp;
}

/* Copy the database open on @src to @dest through a temporary file. */
static gboolean
copy_into_place(sqlite3 *src, const char *src_path, const char *dest, gboolean replace,
                gboolean check, RdCopyInfo *info, GError **error)
{
	g_autofree char *tmp = make_temp_beside(dest, error);
	if (tmp == NULL)
		return FALSE;
	if (!copy_to_file(src, src_path, tmp, dest, check, info, error)) {
		remove_with_journals(tmp);
		return FALSE;
	}
	if (replace) {
		/* Whatever -wal or -shm lay beside the old @dest belongs to it,
		 * not to the copy, which SQLite would otherwise read with it. */
		g_autofree char *wal = g_strconcat(dest, "-wal", NULL);
		g_autofree char *shm = g_strconcat(dest, "-shm", NULL);
		g_unlink(wal);
		g_unlink(shm);
	}
	if (!rename_into_place(tmp, dest, replace, error)) {
		remove_with_journals(tmp);
		return FALSE;
	}
	g_autofree char *dir = g_path_get_dirname(dest);
	struct stat sb;
	if (stat(dest, &sb) == 0)
		info->bytes = sb.st_size;
	return fsync_path(dir, TRUE, "the folder", error);
}

gboolean
rd_store_backup(const char *db_path, const char *dest, gboolean replace, RdCopyInfo *info_r,
                GError **error)
{
	g_return_val_if_fail(db_path != NULL && dest != NULL && info_r != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	memset(info_r, 0, sizeof *info_r);
	struct stat sb;
	if (lstat(db_path, &sb) != 0 && errno == ENOENT) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_MISSING,
		            "no database at %s (it is created by redress ingest, fetch or daemon)", db_path);
		return FALSE;
	}
	if (lstat(dest, &sb) == 0) {
		if (S_ISDIR(sb.st_mode) || !replace || same_file(dest, db_path)) {
			g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_DEST, "%s exists%s", dest,
			            S_ISDIR(sb.st_mode) ? " and is a folder"
			            : same_file(dest, db_path) ? ": it is the database itself"
			            : "; choose another name, or use --force to replace it");
			return FALSE;
		}
	}
	/* Read-only: a backup never creates, converts or upgrades. An older
	 * schema is copied as it is (a backup before an upgrade is the one
	 * most worth having). */
	sqlite3 *src = open_db(db_path, SQLITE_OPEN_READONLY, error);
	if (src == NULL)
		return FALSE;
	gint64 version = 0;
	gboolean ok = query_int(src, "PRAGMA user_version", &version, db_path, error);
	if (ok && version < 1) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_MISSING,
		            "the database at %s has not been set up yet (it is created by redress "
		            "ingest, fetch or daemon)", db_path);
		ok = FALSE;
	}
	ok = ok && copy_into_place(src, db_path, dest, replace, TRUE, info_r, error);
	sqlite3_close(src);
	return ok;
}

/* ---- backups in a folder ---------------------------------------------- */

#define NAME_PREFIX "redress-"
#define NAME_SUFFIX ".db"

char *
rd_store_backup_name(const char *dir, gint64 now)
{
	g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(now);
	g_autofree char *stamp = g_date_time_format(t, "%Y%m%d-%H%M%S");
	g_autofree char *name = g_strconcat(NAME_PREFIX, stamp, NAME_SUFFIX, NULL);
	return g_build_filename(dir, name, NULL);
}

/* "redress-YYYYMMDD-HHMMSS.db": the names rd_store_backup_name() makes,
 * and no others (a file an administrator put there is not ours to
 * remove). */
static gboolean
is_backup_name(const char *name)
{
	gsize n = strlen(name);
	if (n != strlen(NAME_PREFIX) + 15 + strlen(NAME_SUFFIX) ||
	    !g_str_has_prefix(name, NAME_PREFIX) || !g_str_has_suffix(name, NAME_SUFFIX))
		return FALSE;
	const char *p = name + strlen(NAME_PREFIX);
	for (int i = 0; i < 15; i++) {
		if (i == 8 ? p[i] != '-' : !g_ascii_isdigit(p[i]))
			return FALSE;
	}
	return TRUE;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

gboolean
rd_store_backup_prune(const char *dir, guint keep, GPtrArray **removed_r, GError **error)
{
	g_return_val_if_fail(dir != NULL && keep >= 1, FALSE);

	g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func(g_free);
	GError *e = NULL;
	g_autoptr(GDir) d = g_dir_open(dir, 0, &e);
	if (d == NULL) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_DEST, "cannot list %s: %s", dir, e->message);
		g_error_free(e);
		return FALSE;
	}
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while ((name = g_dir_read_name(d)) != NULL) {
		if (is_backup_name(name))
			g_ptr_array_add(names, g_strdup(name));
	}
	/* The time stamp sorts as text: oldest first. */
	g_ptr_array_sort(names, compare_names);
	for (guint i = 0; i + keep < names->len; i++) {
		g_autofree char *p = g_build_filename(dir, names->pdata[i], NULL);
		if (g_unlink(p) != 0) {
			int err = errno;
			g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_DEST, "cannot remove the old backup %s: %s",
			            p, g_strerror(err));
			return FALSE;
		}
		g_ptr_array_add(removed, g_steal_pointer(&p));
	}
	if (removed->len > 0 && !fsync_path(dir, TRUE, "the folder", error))
		return FALSE;
	if (removed_r != NULL)
		*removed_r = g_steal_pointer(&removed);
	return TRUE;
}

/* ---- restore ------------------------------------------------------------ */

/* "DATABASE.before-restore-YYYYMMDD-HHMMSS", with -2, -3… if taken
 * (including by its -wal). Newly allocated. */
static char *
kept_name(const char *db_path)
{
	g_autoptr(GDateTime) t = g_date_time_new_now_local();
	g_autofree char *stamp = g_date_time_format(t, "%Y%m%d-%H%M%S");
	for (int n = 1;; n++) {
		char *p = n == 1 ? g_strdup_printf("%s.before-restore-%s", db_path, stamp)
		                 : g_strdup_printf("%s.before-restore-%s-%d", db_path, stamp, n);
		g_autofree char *wal = g_strconcat(p, "-wal", NULL);
		struct stat sb;
		if (lstat(p, &sb) != 0 && lstat(wal, &sb) != 0)
			return p;
		g_free(p);
	}
}

/* Move @db_path and the files SQLite keeps beside it to @kept. */
static gboolean
move_aside(const char *db_path, const char *kept, GError **error)
{
	static const char *const suffixes[] = { "", "-wal", "-journal" };
	for (gsize i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		g_autofree char *from = g_strconcat(db_path, suffixes[i], NULL);
		g_autofree char *to = g_strconcat(kept, suffixes[i], NULL);
		struct stat sb;
		if (lstat(from, &sb) != 0)
			continue;
		if (!rename_into_place(from, to, FALSE, error))
			return FALSE;
	}
	/* The -shm is an index of the -wal that SQLite rebuilds; one left
	 * beside the new file would describe a log that is not there. */
	g_autofree char *shm = g_strconcat(db_path, "-shm", NULL);
	if (g_unlink(shm) != 0 && errno != ENOENT) {
		int e = errno;
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_FAILED, "cannot remove %s: %s", shm, g_strerror(e));
		return FALSE;
	}
	return TRUE;
}

/* Undo move_aside() after a failure, so that the database is where it
 * was. */
static void
move_back(const char *kept, const char *db_path)
{
	static const char *const suffixes[] = { "", "-wal", "-journal" };
	for (gsize i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		g_autofree char *from = g_strconcat(kept, suffixes[i], NULL);
		g_autofree char *to = g_strconcat(db_path, suffixes[i], NULL);
		struct stat sb;
		if (lstat(from, &sb) == 0)
			rename_into_place(from, to, FALSE, NULL);
	}
}

/* Files root makes here go to whoever owns the database (else its
 * folder): restored as root, it must still open for the service's user. */
static void
give_to_owner(const char *path, uid_t uid, gid_t gid)
{
	if (geteuid() == 0 && chown(path, uid, gid) != 0) {
		/* Left to root; the service's error will name the file. */
	}
}

/* Can the copy be written into the live file through SQLite? It must be
 * readable, in WAL mode, and of the same page size. */
static sqlite3 *
open_for_in_place(const char *db_path, gint64 page_size)
{
	GError *e = NULL;
	sqlite3 *live = open_db(db_path, SQLITE_OPEN_READWRITE, &e);
	gint64 ps = 0, version = 0;
	gboolean ok = live != NULL &&
	              query_int(live, "PRAGMA user_version", &version, db_path, &e) &&
	              query_int(live, "PRAGMA page_size", &ps, db_path, &e);
	if (ok) {
		sqlite3_stmt *st = NULL;
		ok = sqlite3_prepare_v2(live, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
		     sqlite3_step(st) == SQLITE_ROW &&
		     g_ascii_strcasecmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
		sqlite3_finalize(st);
	}
	g_clear_error(&e);
	if (!ok || ps != page_size) {
		sqlite3_close(live);
		return NULL;
	}
	return live;
}

static gboolean
write_in_place(sqlite3 *live, const char *db_path, sqlite3 *src, const char *src_path, GError **error)
{
	sqlite3_backup *b = sqlite3_backup_init(live, "main", src, "main");
	if (b == NULL) {
		g_propagate_error(error, sqlite_error(live, sqlite3_errcode(live), "restoring into", db_path));
		return FALSE;
	}
	gint64 deadline = g_get_monotonic_time() + BUSY_WAIT_US;
	int rc;
	/* All pages in one step: one write transaction on the database,
	 * which other connections see whole or not at all. */
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		if (g_get_monotonic_time() >= deadline)
			break;
		g_usleep(20000);
	}
	int frc = sqlite3_backup_finish(b);
	if (rc == SQLITE_DONE)
		rc = frc;
	if (rc != SQLITE_OK) {
		g_propagate_error(error, sqlite_error(live, rc, "restoring into", db_path));
		return FALSE;
	}
	/* The restored pages are in the log; copy them into the file and
	 * empty the log. BUSY (a reader in the way) only leaves that to the
	 * next checkpoint. */
	sqlite3_wal_checkpoint_v2(live, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	return TRUE;
}

static gboolean
restore_locked(int lock_fd, const char *db_path, const char *src_path, RdRestoreInfo *info,
               GError **error)
{
	if (!rd_store_copy_check(src_path, &info->restored, error))
		return FALSE;
	if (same_file(src_path, db_path)) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_DEST, "%s is the database itself", src_path);
		return FALSE;
	}
	if (!rd_store_setup_lock(lock_fd, db_path, TRUE, error))
		return FALSE;
	sqlite3 *src = open_db(src_path, SQLITE_OPEN_READONLY, error);
	if (src == NULL)
		return FALSE;
	struct stat sb;
	RdCopyInfo unused = { 0 };
	gboolean ok = TRUE;
	gboolean done = FALSE;
	g_autofree char *dir = g_path_get_dirname(db_path);
	if (stat(db_path, &sb) != 0 && stat(dir, &sb) != 0)
		memset(&sb, 0, sizeof sb);
	uid_t uid = sb.st_uid;
	gid_t gid = sb.st_gid;
	if (lstat(db_path, &sb) == 0) {
		info->kept = kept_name(db_path);
		sqlite3 *live = open_for_in_place(db_path, info->restored.page_size);
		if (live != NULL) {
			GError *e = NULL;
			if (copy_into_place(live, db_path, info->kept, FALSE, FALSE, &unused, &e)) {
				info->in_place = TRUE;
				ok = write_in_place(live, db_path, src, src_path, error);
				done = TRUE;
			} else if (e->code == RD_STORE_ERROR_DAMAGED) {
				/* Too damaged to be read through: moved aside
				 * as it is, below. */
				g_error_free(e);
			} else {
				g_propagate_error(error, e);
				ok = FALSE;
				done = TRUE;
			}
			sqlite3_close(live);
		}
		if (!done && !move_aside(db_path, info->kept, error)) {
			move_back(info->kept, db_path);
			ok = FALSE;
		}
	}
	if (!done && ok) {
		ok = copy_into_place(src, src_path, db_path, FALSE, TRUE, &unused, error);
		if (!ok && info->kept != NULL)
			move_back(info->kept, db_path);
	}
	sqlite3_close(src);
	if (!ok)
		return FALSE;
	give_to_owner(db_path, uid, gid);
	if (info->kept != NULL)
		give_to_owner(info->kept, uid, gid);
	if (geteuid() == 0 && fchown(lock_fd, uid, gid) != 0) {
		/* As above. */
	}
	/* WAL mode, and an older copy brought up to date, as any writer's
	 * open would; we hold the set-up lock already. */
	RdStore *store = rd_store_open_locked(db_path, error);
	if (store == NULL)
		return FALSE;
	info->schema_after = RD_STORE_SCHEMA_VERSION;
	rd_store_close(store);
	return TRUE;
}

gboolean
rd_store_restore(const char *db_path, const char *src_path, RdRestoreInfo *info_r, GError **error)
{
	g_return_val_if_fail(db_path != NULL && src_path != NULL && info_r != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

	memset(info_r, 0, sizeof *info_r);
	int fd = rd_store_lockfile_open(db_path, TRUE, error);
	if (fd < 0)
		return FALSE;
	/* Held to the end: no daemon starts on a half-restored file. */
	gboolean ok = rd_store_daemon_lock_take(fd, db_path, error) &&
	              restore_locked(fd, db_path, src_path, info_r, error);
	close(fd);
	return ok;
}
