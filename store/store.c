/*
 * store.c — opening and closing the case file, transactions, errors, and
 * the small key/value tables (settings, raw bytes, counts).
 *
 * rd_store_open() does, in order:
 *   1. create the file with mode 0600 if it does not exist (it holds
 *      personal data; SQLite would otherwise create it 0644 minus umask,
 *      and its -wal/-shm files copy the main file's mode);
 *   2. open it and set the connection up: busy timeout 5 s, WAL journal,
 *      foreign keys on, synchronous=FULL, a 16 MiB page cache;
 *   3. refuse a file with a newer schema, migrate an older one (schema.c);
 *   4. prepare every statement of stmts.c.
 * After that no SQL is ever compiled again; each call binds, steps and
 * resets a prepared statement, which keeps ingest's per-message cost to a
 * few B-tree operations.
 *
 * Error mapping, shared by all of store/: SQLITE_BUSY and SQLITE_LOCKED
 * become RD_STORE_ERROR_BUSY (retry later), SQLITE_CONSTRAINT becomes
 * RD_STORE_ERROR_CONSTRAINT, anything else RD_STORE_ERROR_FAILED. The
 * message says what was being done and what SQLite said; for SQLITE_FULL,
 * that the disk holding the database is full and what to do.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "store-private.h"

G_DEFINE_QUARK(rd-store-error-quark, rd_store_error)

#define RD_STORE_BUSY_TIMEOUT_MS 5000

/* ---- errors and stepping ---------------------------------------------- */

/* SQLite's words for a full disk vary: SQLITE_FULL from a write, but
 * "disk I/O error" when the shared-memory file cannot grow, where the
 * errno of the failing call tells (SQLite records it only for I/O
 * errors, and keeps it until the next). No page limit is ever set, so
 * SQLITE_FULL is always the disk. */
static gboolean
disk_full(RdStore *store, int rc)
{
	return (rc & 0xff) == SQLITE_FULL ||
	       ((rc & 0xff) == SQLITE_IOERR && sqlite3_system_errno(store->db) == ENOSPC);
}

/* What a person needs to read instead of "database or disk is full":
 * which disk, and what to do. */
static char *
disk_full_message(RdStore *store)
{
	const char *file = sqlite3_db_filename(store->db, "main");
	return g_strdup_printf("disk full: no space left on the disk holding the database %s; "
	                       "free some space there (or give that file system more), then run "
	                       "again (what was committed is kept, and nothing is stored twice)",
	                       file != NULL && *file != '\0' ? file : "(in memory)");
}

gboolean
rd_store_fail(RdStore *store, int rc, const char *doing, GError **error)
{
	int code;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = RD_STORE_ERROR_BUSY;
		break;
	case SQLITE_CONSTRAINT:
		code = RD_STORE_ERROR_CONSTRAINT;
		break;
	default:
		code = RD_STORE_ERROR_FAILED;
		break;
	}
	/* SQLite says "database or disk is full", which leaves the reader to
	 * guess which, where, and what to do. */
	if (disk_full(store, rc)) {
		g_autofree char *why = disk_full_message(store);
		g_set_error(error, RD_STORE_ERROR, code, "%s: %s", doing, why);
		return FALSE;
	}
	/* sqlite3_errmsg() describes the most recent failure on the
	 * connection, which is the one we are reporting: callers come here
	 * straight from the failing call. */
	g_set_error(error, RD_STORE_ERROR, code, "%s: %s", doing,
	            sqlite3_errmsg(store->db));
	return FALSE;
}

gboolean
rd_bind_end(RdStore *store, RdBind *b, const char *doing, GError **error)
{
	if (b->rc != SQLITE_OK)
		return rd_store_fail(store, b->rc, doing, error);
	if (b->idx != sqlite3_bind_parameter_count(b->st)) {
		/* A bug in store/: the C code and the SQL disagree. */
		g_critical("%s: bound %d parameters, statement has %d", doing,
		           b->idx, sqlite3_bind_parameter_count(b->st));
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_FAILED,
		            "%s: internal parameter mismatch", doing);
		return FALSE;
	}
	return TRUE;
}

gboolean
rd_stmt_run(RdStore *store, sqlite3_stmt *st, const char *doing,
            GError **error)
{
	int rc;

	do
		rc = sqlite3_step(st);
	while (rc == SQLITE_ROW);
	if (rc != SQLITE_DONE)
		return rd_store_fail(store, rc, doing, error);
	return TRUE;
}

gboolean
rd_stmt_row(RdStore *store, sqlite3_stmt *st, gboolean *found_r,
            const char *doing, GError **error)
{
	int rc = sqlite3_step(st);

	*found_r = FALSE;
	if (rc == SQLITE_ROW) {
		*found_r = TRUE;
		return TRUE;
	}
	if (rc != SQLITE_DONE)
		return rd_store_fail(store, rc, doing, error);
	return TRUE;
}

/* ---- open / close ------------------------------------------------------ */

static gboolean
is_memory_path(const char *path)
{
	return strcmp(path, ":memory:") == 0 || path[0] == '\0';
}

/* Make sure the file exists with mode 0600 before SQLite sees it. An
 * existing file keeps its mode: the administrator may have chosen it.
 *
 * An existing file is never opened here: closing any descriptor of a file
 * drops every POSIX lock this process holds on it, including those of the
 * other threads' open connections, and SQLite would then let another
 * process delete the WAL under them ("disk I/O error"). O_EXCL only ever
 * creates a new file, which nobody can have locked. */
static gboolean
create_private_file(const char *path, GError **error)
{
	struct stat sb;

	if (lstat(path, &sb) == 0 && !S_ISLNK(sb.st_mode))
		return TRUE;
	if (lstat(path, &sb) == 0) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OPEN,
		            "cannot create or open database %s: %s", path,
		            g_strerror(ELOOP));
		return FALSE;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0 && errno == EEXIST)
		return TRUE;
	if (fd < 0) {
		int saved = errno;
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OPEN,
		            "cannot create or open database %s: %s", path,
		            g_strerror(saved));
		return FALSE;
	}
	close(fd);
	return TRUE;
}

static int
first_column_cb(void *data, int ncols, char **values, char **names)
{
	char **out = data;

	if (ncols > 0 && *out == NULL)
		*out = g_strdup(values[0]);
	return 0;
}

static gboolean
setup_connection(RdStore *store, gboolean in_memory, GError **error)
{
	g_autofree char *mode = NULL;
	char *msg = NULL;
	int rc;

	sqlite3_extended_result_codes(store->db, 1);
	sqlite3_busy_timeout(store->db, RD_STORE_BUSY_TIMEOUT_MS);

	rc = sqlite3_exec(store->db, "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL",
	                  first_column_cb, &mode, &msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(store->db,
		                  "PRAGMA foreign_keys = ON;"
		                  "PRAGMA synchronous = FULL;"
		                  "PRAGMA cache_size = -16384;",
		                  NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		g_autofree char *full = disk_full(store, rc) ? disk_full_message(store) : NULL;
		g_set_error(error, RD_STORE_ERROR,
		            (rc & 0xff) == SQLITE_BUSY ? RD_STORE_ERROR_BUSY
		                                       : RD_STORE_ERROR_OPEN,
		            "setting up database connection: %s",
		            full != NULL ? full : msg != NULL ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return FALSE;
	}
	/* WAL lets readers (the CLI) run beside the daemon's writer; a file
	 * system that cannot do it (no shared memory) is refused rather than
	 * silently run in rollback mode. */
	if (!in_memory && g_ascii_strcasecmp(mode != NULL ? mode : "", "wal") != 0) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OPEN,
		            "cannot switch database to WAL mode (got %s); is it "
		            "on a network file system?", mode != NULL ? mode : "?");
		return FALSE;
	}
	return TRUE;
}

static gboolean
prepare_all(RdStore *store, GError **error)
{
	for (int i = 0; i < RD_STMT_COUNT; i++) {
		int rc;

		if (rd_stmt_sql[i] == NULL) {
			g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_FAILED,
			            "statement %d has no SQL (bug in store/stmts.c)", i);
			return FALSE;
		}
		rc = sqlite3_prepare_v3(store->db, rd_stmt_sql[i], -1,
		                        SQLITE_PREPARE_PERSISTENT, &store->stmts[i],
		                        NULL);
		if (rc != SQLITE_OK) {
			g_autofree char *doing =
				g_strdup_printf("preparing statement %d", i);
			return rd_store_fail(store, rc, doing, error);
		}
	}
	return TRUE;
}

RdStore *
rd_store_open(const char *path, GError **error)
{
	g_autoptr(RdStore) store = NULL;
	gboolean in_memory;
	int rc;

	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	in_memory = is_memory_path(path);
	if (!in_memory && !create_private_file(path, error))
		return NULL;

	store = g_new0(RdStore, 1);
	store->london = g_time_zone_new_identifier("Europe/London");
	if (store->london == NULL) {
		/* Dates on cases are legal deadlines; a silent UTC fallback
		 * would shift them by a day around midnight in summer. */
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OPEN,
		            "time zone Europe/London is not available; install "
		            "the tzdata package");
		return NULL;
	}

	rc = sqlite3_open_v2(path, &store->db,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OPEN,
		            "cannot open database %s: %s", path,
		            store->db != NULL ? sqlite3_errmsg(store->db)
		                              : sqlite3_errstr(rc));
		return NULL;
	}
	if (!setup_connection(store, in_memory, error))
		return NULL;
	if (!rd_store_migrate(store->db, &store->version_at_open, error))
		return NULL;
	if (!prepare_all(store, error))
		return NULL;
	return g_steal_pointer(&store);
}

void
rd_store_close(RdStore *store)
{
	if (store == NULL)
		return;
	for (int i = 0; i < RD_STMT_COUNT; i++)
		sqlite3_finalize(store->stmts[i]);
	if (store->db != NULL && sqlite3_close(store->db) != SQLITE_OK)
		g_critical("closing database: %s", sqlite3_errmsg(store->db));
	g_clear_pointer(&store->london, g_time_zone_unref);
	g_free(store);
}

int
rd_store_schema_version_at_open(RdStore *store)
{
	g_return_val_if_fail(store != NULL, -1);
	return store->version_at_open;
}

gboolean
rd_store_check_writable(RdStore *store, GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);
	if (sqlite3_db_readonly(store->db, "main") != 1)
		return TRUE;
	const char *file = sqlite3_db_filename(store->db, "main");
	g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OPEN,
	            "the database %s is read-only for this user (uid %u), so nothing was written: "
	            "make it writable by the user redress runs as (check the mode and owner of the "
	            "file and of its folder), then run again",
	            file != NULL ? file : "(in memory)", (unsigned)getuid());
	return FALSE;
}

/* ---- transactions ------------------------------------------------------ */

gboolean
rd_store_begin(RdStore *store, GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);
	/* Nested begin is a bug, not a runtime condition. */
	g_return_val_if_fail(sqlite3_get_autocommit(store->db), FALSE);

	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_BEGIN);
	return rd_stmt_run(store, st, "starting transaction", error);
}

gboolean
rd_store_commit(RdStore *store, GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(!sqlite3_get_autocommit(store->db), FALSE);

	/* On failure the transaction stays open; the caller rolls back. */
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_COMMIT);
	return rd_stmt_run(store, st, "committing transaction", error);
}

void
rd_store_rollback(RdStore *store)
{
	g_return_if_fail(store != NULL);

	/* SQLite may already have rolled back by itself (on some I/O or
	 * out-of-memory errors); then there is nothing left to do. */
	if (sqlite3_get_autocommit(store->db))
		return;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_ROLLBACK);
	sqlite3_step(st);
}

/* ---- settings ---------------------------------------------------------- */

gboolean
rd_store_setting_get(RdStore *store, const char *key, char **value_r, GError **error)
{
	gboolean found;

	g_return_val_if_fail(store != NULL && key != NULL && value_r != NULL, FALSE);

	*value_r = NULL;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SETTING_GET);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, key);
	if (!rd_bind_end(store, &b, "reading setting", error) ||
	    !rd_stmt_row(store, st, &found, "reading setting", error))
		return FALSE;
	if (found)
		*value_r = rd_col_text(st, 0);
	return TRUE;
}

/* A NULL @value removes the key, so that rd_store_setting_get() finds
 * nothing again. */
gboolean
rd_store_setting_set(RdStore *store, const char *key, const char *value,
                     GError **error)
{
	g_return_val_if_fail(store != NULL && key != NULL, FALSE);

	g_autoptr(RdStmt) st = rd_stmt(store, value != NULL
	                                      ? RD_STMT_SETTING_SET
	                                      : RD_STMT_SETTING_DELETE);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, key);
	if (value != NULL)
		rd_bind_text(&b, value);
	return rd_bind_end(store, &b, "writing setting", error) &&
	       rd_stmt_run(store, st, "writing setting", error);
}

/* ---- raw bytes --------------------------------------------------------- */

gboolean
rd_store_raw_put(RdStore *store, const char *sha256, const void *data,
                 gsize len, GError **error)
{
	g_return_val_if_fail(store != NULL && sha256 != NULL, FALSE);
	g_return_val_if_fail(data != NULL || len == 0, FALSE);
	g_return_val_if_fail(len <= (guint64)G_MAXINT64, FALSE);

	/* The blob is bound SQLITE_STATIC: no copy of a 50 MB message is
	 * made here; the caller's buffer lives for the duration of the call
	 * and the binding is cleared before we return. */
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_RAW_PUT);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, sha256);
	rd_bind_int64(&b, (gint64)len);
	rd_bind_blob(&b, data, len);
	return rd_bind_end(store, &b, "storing raw message", error) &&
	       rd_stmt_run(store, st, "storing raw message", error);
}

gboolean
rd_store_raw_get(RdStore *store, const char *sha256, GBytes **bytes_r, GError **error)
{
	gboolean found;

	g_return_val_if_fail(store != NULL && sha256 != NULL && bytes_r != NULL, FALSE);

	*bytes_r = NULL;
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_RAW_GET);
	RdBind b = rd_bind_begin(st);
	rd_bind_text(&b, sha256);
	if (!rd_bind_end(store, &b, "reading raw message", error) ||
	    !rd_stmt_row(store, st, &found, "reading raw message", error))
		return FALSE;
	if (!found)
		return TRUE;

	const void *data = sqlite3_column_blob(st, 0);
	int len = sqlite3_column_bytes(st, 0);
	if (data == NULL && len > 0)   /* out of memory inside SQLite */
		return rd_store_fail(store, SQLITE_NOMEM, "reading raw message", error);
	*bytes_r = g_bytes_new(data, (gsize)len);
	return TRUE;
}

/* ---- counts ------------------------------------------------------------ */

gboolean
rd_store_counts(RdStore *store, RdStoreCounts *c_r, GError **error)
{
	gboolean found;

	g_return_val_if_fail(store != NULL && c_r != NULL, FALSE);

	memset(c_r, 0, sizeof *c_r);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_COUNTS);
	if (!rd_stmt_row(store, st, &found, "counting rows", error))
		return FALSE;
	if (found) {
		c_r->cases = sqlite3_column_int64(st, 0);
		c_r->open_cases = sqlite3_column_int64(st, 1);
		c_r->messages = sqlite3_column_int64(st, 2);
		c_r->raw = sqlite3_column_int64(st, 3);
		c_r->triage_open = sqlite3_column_int64(st, 4);
		c_r->events = sqlite3_column_int64(st, 5);
		c_r->outbox = sqlite3_column_int64(st, 6);
	}
	return TRUE;
}

gboolean
rd_store_set_autocheckpoint(RdStore *store, int pages, GError **error)
{
	g_return_val_if_fail(store != NULL && pages >= 0, FALSE);
	int rc = sqlite3_wal_autocheckpoint(store->db, pages);
	if (rc != SQLITE_OK)
		return rd_store_fail(store, rc, "setting the checkpoint size", error);
	return TRUE;
}

gboolean
rd_store_set_synced_commits(RdStore *store, gboolean synced, GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);
	/* NORMAL in WAL mode keeps the file consistent after a crash (SQLite
	 * still syncs around checkpoints); it gives up only the sync at
	 * COMMIT, which rd_store_sync_log() then supplies. */
	int rc = sqlite3_exec(store->db, synced ? "PRAGMA synchronous = FULL"
	                                        : "PRAGMA synchronous = NORMAL",
	                      NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return rd_store_fail(store, rc, "setting commit durability", error);
	return TRUE;
}

gboolean
rd_store_sync_log(RdStore *store, GError **error)
{
	sqlite3_file *log = NULL;

	g_return_val_if_fail(store != NULL, FALSE);
	/* SQLite's own handle on the log, not a file descriptor of ours: it
	 * is the one SQLite keeps open (closing a second descriptor would drop
	 * the process's POSIX locks on the file) and its first sync also
	 * syncs the folder, so a log created in this run survives a power
	 * cut. A connection opens the log at its first read; one that has
	 * not yet read is made to. */
	for (int attempt = 0; attempt < 2; attempt++) {
		int rc = sqlite3_file_control(store->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &log);
		if (rc != SQLITE_OK)
			return rd_store_fail(store, rc, "finding the write-ahead log", error);
		if (log != NULL && log->pMethods != NULL)
			break;
		log = NULL;
		rc = sqlite3_exec(store->db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return rd_store_fail(store, rc, "opening the write-ahead log", error);
	}
	if (log == NULL) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_FAILED,
		            "syncing the write-ahead log: the database is not in WAL mode");
		return FALSE;
	}
	int rc = log->pMethods->xSync(log, SQLITE_SYNC_NORMAL);
	if (rc != SQLITE_OK) {
		/* Called on the file, not through the connection: the
		 * connection's last error says nothing about it. */
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_FAILED,
		            "syncing the write-ahead log to disk: %s", sqlite3_errstr(rc));
		return FALSE;
	}
	return TRUE;
}

gboolean
rd_store_synced_commits(RdStore *store)
{
	g_return_val_if_fail(store != NULL, TRUE);
	sqlite3_stmt *st = NULL;
	gboolean full = TRUE;
	if (sqlite3_prepare_v2(store->db, "PRAGMA synchronous", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		full = sqlite3_column_int(st, 0) >= 2;
	sqlite3_finalize(st);
	return full;
}

gboolean
rd_store_checkpoint(RdStore *store, gboolean truncate, gboolean *caught_up_r,
                    GError **error)
{
	int in_log = -1, copied = -1;

	g_return_val_if_fail(store != NULL, FALSE);
	if (caught_up_r != NULL)
		*caught_up_r = FALSE;
	int rc = sqlite3_wal_checkpoint_v2(store->db, NULL,
	                                   truncate ? SQLITE_CHECKPOINT_TRUNCATE
	                                            : SQLITE_CHECKPOINT_PASSIVE,
	                                   &in_log, &copied);
	/* BUSY only means another connection was in the way this time; the
	 * next checkpoint catches up. */
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		return rd_store_fail(store, rc, "checkpointing the log", error);
	if (caught_up_r != NULL)
		*caught_up_r = rc == SQLITE_OK && in_log >= 0 && copied == in_log;
	return TRUE;
}
