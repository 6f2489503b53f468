/*
 * store.c — opening and closing the case file, transactions, errors, and
 * the small key/value tables (settings, raw bytes, counts).
 *
 * rd_store_open() does, in order:
 *   1. if the file exists, is in WAL mode and has the current schema
 *      (every open but the first), open it: nothing to set up;
 *   2. otherwise take the set-up lock on DATABASE.lock (lock.c), so that
 *      one opener at a time does 3-5, each finding out again what is
 *      left to do (another may have done it while it waited);
 *   3. create the file with mode 0600 if it does not exist (it holds
 *      personal data; SQLite would otherwise create it 0644 minus umask,
 *      and its -wal/-shm files copy the main file's mode);
 *   4. switch it to WAL; 5. refuse a file with a newer schema, migrate an
 *      older one (schema.c) — steps 4 and 5 retried on SQLITE_BUSY, which
 *      SQLite returns without waiting where waiting could deadlock;
 *   6. set the connection up: busy timeout 5 s, foreign keys on,
 *      synchronous=FULL, a 16 MiB page cache;
 *   7. prepare every statement of stmts.c.
 * rd_store_open_readonly() does only 1, 6 and 7 (on a read-only
 * connection, with query_only on): a file that is missing, not set up or
 * of an older schema is reported, never created or converted, after
 * waiting for a set-up in progress under a shared hold of the same lock.
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
 * SQLITE_FULL is always the disk. What a person needs to read instead of
 * "database or disk is full" is which disk, and what to do. */
char *
rd_store_disk_full(sqlite3 *db, int rc)
{
	if (db == NULL || ((rc & 0xff) != SQLITE_FULL &&
	                   ((rc & 0xff) != SQLITE_IOERR || sqlite3_system_errno(db) != ENOSPC)))
		return NULL;
	const char *file = sqlite3_db_filename(db, "main");
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
	g_autofree char *why = rd_store_disk_full(store->db, rc);
	if (why != NULL) {
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

static GError *
symlink_error(const char *path)
{
	return g_error_new(RD_STORE_ERROR, RD_STORE_ERROR_OPEN,
	                   "cannot create or open database %s: %s", path,
	                   g_strerror(ELOOP));
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

	/* One lstat(): with two, a file another process created between
	 * them looked like a symbolic link. */
	if (lstat(path, &sb) == 0) {
		if (S_ISLNK(sb.st_mode)) {
			g_propagate_error(error, symlink_error(path));
			return FALSE;
		}
		return TRUE;
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

/* sqlite3_exec() of @sql, keeping the first column of the first row in
 * *@first_r (may be NULL). */
static gboolean
exec_first(RdStore *store, const char *sql, char **first_r, const char *doing,
           GError **error)
{
	char *msg = NULL;
	int rc = sqlite3_exec(store->db, sql, first_r ? first_column_cb : NULL,
	                      first_r, &msg);

	if (rc != SQLITE_OK) {
		g_autofree char *full = rd_store_disk_full(store->db, rc);
		g_set_error(error, RD_STORE_ERROR,
		            (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED
		            ? RD_STORE_ERROR_BUSY : RD_STORE_ERROR_OPEN,
		            "%s: %s", doing, full != NULL ? full : msg != NULL ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return FALSE;
	}
	return TRUE;
}

/* ---- retrying SQLITE_BUSY during set-up ---------------------------------
 *
 * The busy handler (5 s) covers most waits, but not all: SQLite returns
 * SQLITE_BUSY at once, without calling it, where waiting could deadlock
 * (two connections holding read locks that both want to write, as in the
 * switch to WAL) and while another connection recovers the log. Set-up
 * steps are idempotent, so they are simply run again, for up to
 * RD_STORE_SETUP_WAIT_S. */

typedef struct {
	gint64 deadline;        /* monotonic time after which we give up */
	gulong pause_us;        /* the next pause, doubling to 100 ms */
} Retry;

static Retry
retry_start(void)
{
	Retry r = { g_get_monotonic_time() + RD_STORE_SETUP_WAIT_S * G_USEC_PER_SEC, 1000 };
	return r;
}

/* TRUE, with *@error cleared after a pause, if the failure in *@error is
 * worth another try. */
static gboolean
retry_again(Retry *r, GError **error)
{
	if (!g_error_matches(*error, RD_STORE_ERROR, RD_STORE_ERROR_BUSY) ||
	    g_get_monotonic_time() >= r->deadline)
		return FALSE;
	g_clear_error(error);
	g_usleep(r->pause_us + (gulong)g_random_int_range(0, (gint32)r->pause_us));
	r->pause_us = MIN(r->pause_us * 2, 100000);
	return TRUE;
}

/* ---- the steps of opening ---------------------------------------------- */

static RdStore *
store_new(GError **error)
{
	g_autoptr(RdStore) store = g_new0(RdStore, 1);

	store->london = g_time_zone_new_identifier("Europe/London");
	if (store->london == NULL) {
		/* Dates on cases are legal deadlines; a silent UTC fallback
		 * would shift them by a day around midnight in summer. */
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OPEN,
		            "time zone Europe/London is not available; install "
		            "the tzdata package");
		return NULL;
	}
	return g_steal_pointer(&store);
}

static gboolean
open_connection(RdStore *store, const char *path, gboolean readonly, GError **error)
{
	int flags = SQLITE_OPEN_NOMUTEX |
	            (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	int rc = sqlite3_open_v2(path, &store->db, flags, NULL);

	if (rc != SQLITE_OK) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OPEN,
		            "cannot open database %s: %s", path,
		            store->db != NULL ? sqlite3_errmsg(store->db)
		                              : sqlite3_errstr(rc));
		return FALSE;
	}
	sqlite3_extended_result_codes(store->db, 1);
	sqlite3_busy_timeout(store->db, RD_STORE_BUSY_TIMEOUT_MS);
	return TRUE;
}

static void
close_connection(RdStore *store)
{
	if (store->db != NULL && sqlite3_close(store->db) != SQLITE_OK)
		g_critical("closing database: %s", sqlite3_errmsg(store->db));
	store->db = NULL;
}

/* What set-up has left to do: the file's schema version, and whether it
 * is in WAL mode (known once the version read has read the header). */
static gboolean
read_state(RdStore *store, int *version_r, gboolean *wal_r, GError **error)
{
	g_autofree char *mode = NULL;

	if (!rd_store_schema_version(store->db, version_r, error) ||
	    !exec_first(store, "PRAGMA journal_mode", &mode, "reading the journal mode", error))
		return FALSE;
	*wal_r = g_ascii_strcasecmp(mode != NULL ? mode : "", "wal") == 0;
	return TRUE;
}

static gboolean
read_state_retrying(RdStore *store, int *version_r, gboolean *wal_r, GError **error)
{
	Retry r = retry_start();
	GError *e = NULL;

	while (!read_state(store, version_r, wal_r, &e)) {
		if (!retry_again(&r, &e)) {
			g_propagate_error(error, e);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
switch_to_wal(RdStore *store, gboolean in_memory, GError **error)
{
	g_autofree char *mode = NULL;

	/* The page size only takes on a file not yet written. */
	if (!exec_first(store, "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL",
	                &mode, "setting up database connection", error))
		return FALSE;
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

/* First-time set-up and upgrades, under the set-up lock: create the file,
 * switch it to WAL, create or migrate the schema. Each step finds out for
 * itself whether it is still needed, so a process that waited for the
 * lock while another did the work does nothing. */
static gboolean
set_up(RdStore *store, const char *path, gboolean in_memory, GError **error)
{
	Retry r = retry_start();
	GError *e = NULL;

	if (!in_memory && !create_private_file(path, error))
		return FALSE;
	if (store->db == NULL && !open_connection(store, path, FALSE, error))
		return FALSE;
	while (!switch_to_wal(store, in_memory, &e) ||
	       !rd_store_migrate(store->db, &store->version_at_open, &e)) {
		if (!retry_again(&r, &e)) {
			g_propagate_error(error, e);
			return FALSE;
		}
	}
	return TRUE;
}

/* This connection's own settings; they touch no file. */
static gboolean
set_pragmas(RdStore *store, gboolean readonly, GError **error)
{
	return exec_first(store,
	                  readonly ? "PRAGMA query_only = ON;"
	                             "PRAGMA cache_size = -16384;"
	                           : "PRAGMA foreign_keys = ON;"
	                             "PRAGMA synchronous = FULL;"
	                             "PRAGMA cache_size = -16384;",
	                  NULL, "setting up database connection", error);
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

/* Open for writing. Unless @lock_held, a file that is already set up is
 * opened straight away, and anything else waits for the set-up lock. */
static RdStore *
open_readwrite(const char *path, gboolean lock_held, GError **error)
{
	g_autoptr(RdStore) store = NULL;
	gboolean in_memory = is_memory_path(path);
	gboolean ready = FALSE;
	struct stat sb;

	store = store_new(error);
	if (store == NULL)
		return NULL;
	if (!in_memory && !lock_held && lstat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
		int version = 0;
		gboolean wal = FALSE;

		if (!open_connection(store, path, FALSE, error) ||
		    !read_state_retrying(store, &version, &wal, error))
			return NULL;
		ready = wal && version == RD_STORE_SCHEMA_VERSION;
		if (ready)
			store->version_at_open = version;
	}
	if (!ready) {
		int fd = -1;
		gboolean ok;

		if (!in_memory && !lock_held) {
			fd = rd_store_lockfile_open(path, TRUE, error);
			if (fd < 0)
				return NULL;
			if (!rd_store_setup_lock(fd, path, TRUE, error)) {
				close(fd);
				return NULL;
			}
		}
		ok = set_up(store, path, in_memory, error);
		if (fd >= 0)
			close(fd);  /* releases the set-up lock */
		if (!ok)
			return NULL;
	}
	if (!set_pragmas(store, FALSE, error) || !prepare_all(store, error))
		return NULL;
	return g_steal_pointer(&store);
}

RdStore *
rd_store_open(const char *path, GError **error)
{
	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	return open_readwrite(path, FALSE, error);
}

RdStore *
rd_store_open_locked(const char *path, GError **error)
{
	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	return open_readwrite(path, TRUE, error);
}

/* Why a read-only open found nothing it can read: no file, an empty file,
 * an older schema, a newer one. */
static gboolean
readonly_usable(const char *path, int version, GError **error)
{
	if (version == 0) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_MISSING,
		            "the database at %s has not been set up yet (it is created by "
		            "redress ingest, fetch or daemon)", path);
		return FALSE;
	}
	if (version < RD_STORE_SCHEMA_VERSION) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OUTDATED,
		            "the database at %s has schema %d (this redress uses %d); run the "
		            "daemon or `redress ingest` once to upgrade it", path, version,
		            RD_STORE_SCHEMA_VERSION);
		return FALSE;
	}
	if (version > RD_STORE_SCHEMA_VERSION) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_SCHEMA,
		            "the database has schema version %d but this redress "
		            "only knows up to version %d; upgrade redress to use "
		            "this file", version, RD_STORE_SCHEMA_VERSION);
		return FALSE;
	}
	return TRUE;
}

static gboolean
readonly_state(RdStore *store, const char *path, int *version_r, GError **error)
{
	gboolean wal = FALSE;
	GError *e = NULL;

	if (!open_connection(store, path, TRUE, error))
		return FALSE;
	if (read_state_retrying(store, version_r, &wal, &e))
		return TRUE;
	int rc = sqlite3_errcode(store->db) & 0xff;
	if (e->code == RD_STORE_ERROR_BUSY) {
		g_propagate_error(error, e);
	} else if (rc == SQLITE_CANTOPEN || rc == SQLITE_READONLY) {
		/* A WAL file whose -shm this user may neither open nor
		 * create. */
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OPEN,
		            "%s; reading a database in WAL mode needs its -wal and -shm files: they "
		            "must exist and be readable by this user, or its folder writable", e->message);
		g_error_free(e);
	} else if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_DAMAGED,
		            "%s (it is damaged, or not a redress database; a backup can be put back "
		            "with redress restore)", e->message);
		g_error_free(e);
	} else {
		g_propagate_error(error, e);
	}
	return FALSE;
}

RdStore *
rd_store_open_readonly(const char *path, GError **error)
{
	g_autoptr(RdStore) store = NULL;
	struct stat sb;
	int version = 0;

	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	if (is_memory_path(path)) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OPEN,
		            "an in-memory database cannot be opened read-only");
		return NULL;
	}
	if (lstat(path, &sb) != 0) {
		int e = errno;
		if (e == ENOENT)
			g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_MISSING,
			            "no database at %s (it is created by redress ingest, fetch "
			            "or daemon)", path);
		else
			g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OPEN,
			            "cannot open database %s: %s", path, g_strerror(e));
		return NULL;
	}
	if (S_ISLNK(sb.st_mode)) {
		g_propagate_error(error, symlink_error(path));
		return NULL;
	}
	store = store_new(error);
	if (store == NULL || !readonly_state(store, path, &version, error))
		return NULL;
	if (version < RD_STORE_SCHEMA_VERSION) {
		/* Perhaps a writer is setting the file up right now: wait for
		 * it (a shared hold on the set-up lock), then look again with
		 * a new connection. Without a lock file nobody is. */
		int fd = rd_store_lockfile_open(path, FALSE, NULL);
		if (fd >= 0) {
			gboolean ok = rd_store_setup_lock(fd, path, FALSE, error);
			close(fd);
			if (!ok)
				return NULL;
			close_connection(store);
			if (!readonly_state(store, path, &version, error))
				return NULL;
		}
	}
	if (!readonly_usable(path, version, error))
		return NULL;
	store->version_at_open = version;
	if (!set_pragmas(store, TRUE, error) || !prepare_all(store, error))
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
	close_connection(store);
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

gboolean
rd_store_read_begin(RdStore *store, GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(sqlite3_get_autocommit(store->db) != 0, FALSE);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_REPORT_BEGIN);
	if (!rd_stmt_run(store, st, "starting to read", error))
		return FALSE;
	/* BEGIN DEFERRED takes its snapshot at the first read: take it now. */
	g_autoptr(RdStmt) q = rd_stmt(store, RD_STMT_SETTING_GET);
	RdBind b = rd_bind_begin(q);
	rd_bind_text(&b, "schema");
	gboolean found;
	if (!rd_bind_end(store, &b, "starting to read", error) ||
	    !rd_stmt_row(store, q, &found, "starting to read", error)) {
		rd_store_read_end(store);
		return FALSE;
	}
	return TRUE;
}

void
rd_store_read_end(RdStore *store)
{
	g_return_if_fail(store != NULL);
	if (sqlite3_get_autocommit(store->db))
		return;
	/* Nothing was written: ending a read cannot lose anything. */
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_REPORT_END);
	sqlite3_step(st);
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

gboolean
rd_store_part_begin(RdStore *store, GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);
	g_return_val_if_fail(!sqlite3_get_autocommit(store->db), FALSE);
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_SAVEPOINT);
	return rd_stmt_run(store, st, "starting part of a transaction", error);
}

gboolean
rd_store_part_end(RdStore *store, gboolean keep, GError **error)
{
	g_return_val_if_fail(store != NULL, FALSE);
	if (!keep) {
		g_autoptr(RdStmt) back = rd_stmt(store, RD_STMT_ROLLBACK_TO);
		if (!rd_stmt_run(store, back, "undoing part of a transaction", error))
			return FALSE;
	}
	/* ROLLBACK TO leaves the savepoint open: RELEASE ends it either way. */
	g_autoptr(RdStmt) st = rd_stmt(store, RD_STMT_RELEASE);
	return rd_stmt_run(store, st, "ending part of a transaction", error);
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
