/*
 * test-store-open.c — opening the case file from many places at once,
 * read-only opens, and the daemon's lock (store/store.c, store/lock.c).
 *
 * The race these tests pin down: SQLite answers SQLITE_BUSY at once,
 * without its busy handler, when two connections switch a new file to WAL
 * together, so without the set-up lock a daemon and a `redress status`
 * started together on a new file could kill the daemon. Here processes
 * (fork) and threads open the same new file at the same instant, many
 * times, and every one of them must succeed.
 *
 * Each test works in its own temporary folder, removed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "store.h"
#include "store-private.h"

typedef struct {
	char *dir;
	char *path;              /* dir/redress.db, not created */
} Fixture;

static void
fx_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	f->dir = g_dir_make_tmp("test-store-open-XXXXXX", &error);
	g_assert_no_error(error);
	f->path = g_build_filename(f->dir, "redress.db", NULL);
}

static void
fx_teardown(Fixture *f, gconstpointer data)
{
	g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
	const char *name;
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *p = g_build_filename(f->dir, name, NULL);
		g_unlink(p);
	}
	g_assert_cmpint(g_rmdir(f->dir), ==, 0);
	g_free(f->dir);
	g_free(f->path);
}

static gboolean
exists(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) == 0;
}

static char *
side_query(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *out = NULL;

	g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &st, NULL), ==, SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		out = g_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

static void
side_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	g_assert_cmpint(sqlite3_exec(db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
	sqlite3_close(db);
}

/* ---- many openers at once ----------------------------------------------- */

#define ROUNDS 10
#define PROCS 12

/* PROCS children wait on a pipe and open @path the moment it closes: as
 * near to the same instant as the kernel allows. Half of them open it
 * read-only, as `redress status` does; those may find no database yet
 * (or the old schema), but never fail for any other reason. Returns the
 * failures. */
static int
open_together(const char *path, GString *why)
{
	int p[2];
	int out[2];
	g_assert_cmpint(pipe(p), ==, 0);
	g_assert_cmpint(pipe(out), ==, 0);
	for (int i = 0; i < PROCS; i++) {
		pid_t pid = fork();
		g_assert_cmpint(pid, >=, 0);
		if (pid == 0) {
			char c;
			close(p[1]);
			close(out[0]);
			if (read(p[0], &c, 1) < 0)
				_exit(3);
			GError *e = NULL;
			gboolean ro = i % 2 == 1;
			RdStore *s = ro ? rd_store_open_readonly(path, &e) : rd_store_open(path, &e);
			/* A reader may come before any writer: no database yet,
			 * or the old schema still. Anything else is a failure. */
			if (s == NULL && !(ro && (e->code == RD_STORE_ERROR_MISSING ||
			                          e->code == RD_STORE_ERROR_OUTDATED))) {
				g_autofree char *line = g_strdup_printf("%s: %s\n", ro ? "read-only" : "read-write",
				                                        e->message);
				if (write(out[1], line, strlen(line)) < 0)
					_exit(4);
				_exit(1);
			}
			rd_store_close(s);
			_exit(0);
		}
	}
	close(p[0]);
	close(out[1]);
	g_usleep(50000);
	close(p[1]);
	int failed = 0, status;
	while (wait(&status) > 0) {
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	char buf[4096];
	ssize_t n;
	while ((n = read(out[0], buf, sizeof buf)) > 0)
		g_string_append_len(why, buf, n);
	close(out[0]);
	return failed;
}

static void
test_processes_at_once(Fixture *f, gconstpointer data)
{
	g_autoptr(GString) why = g_string_new(NULL);
	int failed = 0;
	for (int round = 0; round < ROUNDS; round++) {
		g_autofree char *path = g_strdup_printf("%s/r%d.db", f->dir, round);
		failed += open_together(path, why);
		g_autofree char *version = side_query(path, "PRAGMA user_version");
		g_assert_cmpstr(version, ==, G_STRINGIFY(RD_STORE_SCHEMA_VERSION));
		g_autofree char *mode = side_query(path, "PRAGMA journal_mode");
		g_assert_cmpstr(mode, ==, "wal");
	}
	g_test_message("%d rounds of %d processes, %d failed", ROUNDS, PROCS, failed);
	if (failed > 0)
		g_error("%d of %d opens failed:\n%s", failed, ROUNDS * PROCS, why->str);
}

typedef struct {
	const char *path;
	GMutex lock;
	GCond cond;
	gboolean go;
	gint failed;
} Start;

static gpointer
thread_open(gpointer data)
{
	Start *s = data;
	g_mutex_lock(&s->lock);
	while (!s->go)
		g_cond_wait(&s->cond, &s->lock);
	g_mutex_unlock(&s->lock);
	g_autoptr(GError) e = NULL;
	g_autoptr(RdStore) store = rd_store_open(s->path, &e);
	if (store == NULL) {
		g_printerr("# thread: %s\n", e->message);
		g_atomic_int_inc(&s->failed);
	}
	return NULL;
}

/* The daemon opens one connection per thread, all at start: the set-up
 * lock must exclude threads of one process from each other too. */
static void
test_threads_at_once(Fixture *f, gconstpointer data)
{
	for (int round = 0; round < ROUNDS; round++) {
		g_autofree char *path = g_strdup_printf("%s/t%d.db", f->dir, round);
		Start s = { .path = path };
		g_mutex_init(&s.lock);
		g_cond_init(&s.cond);
		GThread *t[8];
		for (guint i = 0; i < G_N_ELEMENTS(t); i++)
			t[i] = g_thread_new("open", thread_open, &s);
		g_mutex_lock(&s.lock);
		s.go = TRUE;
		g_cond_broadcast(&s.cond);
		g_mutex_unlock(&s.lock);
		for (guint i = 0; i < G_N_ELEMENTS(t); i++)
			g_thread_join(t[i]);
		g_assert_cmpint(s.failed, ==, 0);
		g_mutex_clear(&s.lock);
		g_cond_clear(&s.cond);
	}
}

/* A migration is run once, by whoever holds the lock; the others find
 * it done. Several processes open a version-1 file at once. */
static void
test_migrate_at_once(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdStore) s = rd_store_open(f->path, &error);
	g_assert_no_error(error);
	g_clear_pointer(&s, rd_store_close);
	side_exec(f->path, "ALTER TABLE outbox DROP COLUMN bounced_at; ALTER TABLE outbox DROP COLUMN bounce_status;"
	                   " ALTER TABLE outbox DROP COLUMN bounce_detail; ALTER TABLE outbox DROP COLUMN bounce_msg_id;"
	                   " DROP TABLE quarantine; DROP INDEX messages_content_hash_no_id; DROP INDEX messages_raw_key;"
	                   " CREATE INDEX messages_content_hash ON messages(content_hash);"
	                   " CREATE INDEX messages_raw ON messages(raw_sha256);"
	                   " DROP INDEX outbox_copy_due; ALTER TABLE outbox DROP COLUMN sent_copy;"
	                   " ALTER TABLE outbox DROP COLUMN copy_error;"
	                   " DROP TABLE mailbox_status; DROP TABLE daemon_status;"
	                   " PRAGMA user_version = 1");
	g_autoptr(GString) why = g_string_new(NULL);
	int failed = open_together(f->path, why);
	if (failed > 0)
		g_error("%d opens failed:\n%s", failed, why->str);
	g_autofree char *version = side_query(f->path, "PRAGMA user_version");
	g_assert_cmpstr(version, ==, G_STRINGIFY(RD_STORE_SCHEMA_VERSION));
	g_autofree char *tables = side_query(f->path, "SELECT count(*) FROM sqlite_schema WHERE name = 'daemon_status'");
	g_assert_cmpstr(tables, ==, "1");
}

/* ---- the set-up lock ------------------------------------------------------ */

typedef struct {
	const char *path;
	gboolean readonly;
	gint64 took_us;
	GError *error;
} Opener;

static gpointer
open_timed(gpointer data)
{
	Opener *o = data;
	gint64 t0 = g_get_monotonic_time();
	RdStore *s = o->readonly ? rd_store_open_readonly(o->path, &o->error)
	                         : rd_store_open(o->path, &o->error);
	o->took_us = g_get_monotonic_time() - t0;
	rd_store_close(s);
	return NULL;
}

/* While someone holds the set-up lock, a new file is not opened (the
 * opener waits), but a file already set up is opened at once: the lock
 * costs nothing after the first open. */
static void
test_setup_lock_waits(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	int fd = rd_store_lockfile_open(f->path, TRUE, &error);
	g_assert_no_error(error);
	g_assert_true(rd_store_setup_lock(fd, f->path, TRUE, &error));

	Opener o = { .path = f->path };
	GThread *t = g_thread_new("open", open_timed, &o);
	g_usleep(300000);
	g_assert_false(exists(f->path));  /* still waiting: nothing created */
	rd_store_setup_unlock(fd);
	g_thread_join(t);
	g_assert_no_error(o.error);
	g_assert_cmpint(o.took_us, >=, 300000);

	/* Set up now: the lock held again stops nobody. */
	g_assert_true(rd_store_setup_lock(fd, f->path, TRUE, &error));
	Opener again = { .path = f->path };
	open_timed(&again);
	g_assert_no_error(again.error);
	/* Not the set-up wait (a minute): at most what a loaded machine
	 * takes to open a file. */
	g_assert_cmpint(again.took_us, <, 10 * G_USEC_PER_SEC);
	Opener ro = { .path = f->path, .readonly = TRUE };
	open_timed(&ro);
	g_assert_no_error(ro.error);
	close(fd);
}

/* A read-only opener that finds a file being set up waits for the
 * set-up to finish rather than report it empty. */
static void
test_readonly_waits_for_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	int fd = rd_store_lockfile_open(f->path, TRUE, &error);
	g_assert_no_error(error);
	g_assert_true(rd_store_setup_lock(fd, f->path, TRUE, &error));
	/* As a writer does under the lock: the file exists, empty. */
	int dbfd = open(f->path, O_RDWR | O_CREAT | O_EXCL, 0600);
	g_assert_cmpint(dbfd, >=, 0);
	close(dbfd);

	Opener ro = { .path = f->path, .readonly = TRUE };
	GThread *t = g_thread_new("open", open_timed, &ro);
	g_usleep(300000);
	/* Finish the set-up as the writer would, then let go. */
	g_autoptr(RdStore) w = rd_store_open_locked(f->path, &error);
	g_assert_no_error(error);
	rd_store_setup_unlock(fd);
	g_thread_join(t);
	g_assert_no_error(ro.error);
	g_assert_cmpint(ro.took_us, >=, 300000);
	close(fd);
}

/* ---- read-only opens -------------------------------------------------------- */

static void
test_readonly_missing(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdStore) s = rd_store_open_readonly(f->path, &error);
	g_assert_null(s);
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_MISSING);
	g_assert_nonnull(strstr(error->message, f->path));
	g_assert_nonnull(strstr(error->message, "created by redress ingest"));
	/* Nothing made: no database, no lock file, no -wal. */
	g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
	g_assert_null(g_dir_read_name(d));
}

static void
test_readonly_empty(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_assert_true(g_file_set_contents(f->path, "", 0, NULL));
	g_autoptr(RdStore) s = rd_store_open_readonly(f->path, &error);
	g_assert_null(s);
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_MISSING);
	g_assert_nonnull(strstr(error->message, "not been set up"));
	struct stat sb;
	g_assert_cmpint(stat(f->path, &sb), ==, 0);
	g_assert_cmpint(sb.st_size, ==, 0);
}

static void
test_readonly_outdated(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdStore) w = rd_store_open(f->path, &error);
	g_assert_no_error(error);
	g_clear_pointer(&w, rd_store_close);
	side_exec(f->path, "ALTER TABLE outbox DROP COLUMN bounced_at; ALTER TABLE outbox DROP COLUMN bounce_status;"
	                   " ALTER TABLE outbox DROP COLUMN bounce_detail; ALTER TABLE outbox DROP COLUMN bounce_msg_id;"
	                   " DROP TABLE quarantine; PRAGMA user_version = 4");

	g_autoptr(RdStore) s = rd_store_open_readonly(f->path, &error);
	g_assert_null(s);
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OUTDATED);
	g_assert_nonnull(strstr(error->message, "has schema 4"));
	g_assert_nonnull(strstr(error->message, "to upgrade it"));
	g_autofree char *version = side_query(f->path, "PRAGMA user_version");
	g_assert_cmpstr(version, ==, "4");
	g_clear_error(&error);

	side_exec(f->path, "PRAGMA user_version = 99");
	s = rd_store_open_readonly(f->path, &error);
	g_assert_null(s);
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_SCHEMA);
}

/* A rollback-mode file is not switched to WAL by a reader either. */
static void
test_readonly_no_wal_switch(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdStore) w = rd_store_open(f->path, &error);
	g_assert_no_error(error);
	g_clear_pointer(&w, rd_store_close);
	side_exec(f->path, "PRAGMA journal_mode = DELETE");

	g_autoptr(RdStore) s = rd_store_open_readonly(f->path, &error);
	g_assert_no_error(error);
	RdStoreCounts c;
	g_assert_true(rd_store_counts(s, &c, &error));
	g_clear_pointer(&s, rd_store_close);
	g_autofree char *mode = side_query(f->path, "PRAGMA journal_mode");
	g_assert_cmpstr(mode, ==, "delete");
}

static void
test_readonly_reads_not_writes(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdStore) w = rd_store_open(f->path, &error);
	g_assert_no_error(error);
	g_assert_true(rd_store_setting_set(w, "k", "v", &error));

	/* Beside the writer, as `redress status` beside the daemon. */
	g_autoptr(RdStore) s = rd_store_open_readonly(f->path, &error);
	g_assert_no_error(error);
	g_autofree char *v = NULL;
	g_assert_true(rd_store_setting_get(s, "k", &v, &error));
	g_assert_cmpstr(v, ==, "v");
	g_assert_false(rd_store_setting_set(s, "k", "changed", &error));
	g_assert_nonnull(error);
	g_clear_error(&error);
	g_assert_cmpint(rd_store_schema_version_at_open(s), ==, RD_STORE_SCHEMA_VERSION);
	g_autofree char *again = NULL;
	g_assert_true(rd_store_setting_get(w, "k", &again, &error));
	g_assert_cmpstr(again, ==, "v");
}

/* ---- the daemon's lock ---------------------------------------------------- */

static void
test_daemon_lock(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gint64 pid = -1;
	g_assert_cmpint(rd_store_daemon_running(f->path, &pid, &error), ==, 0);
	g_assert_cmpint(pid, ==, 0);

	g_autoptr(RdStoreLock) lock = rd_store_lock_daemon(f->path, &error);
	g_assert_no_error(error);
	g_assert_nonnull(lock);
	g_assert_cmpint(rd_store_daemon_running(f->path, &pid, &error), ==, 1);
	g_assert_cmpint(pid, ==, getpid());

	/* A second daemon, even in the same process, is refused by pid. */
	g_autoptr(RdStoreLock) second = rd_store_lock_daemon(f->path, &error);
	g_assert_null(second);
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_DAEMON_RUNNING);
	g_autofree char *want = g_strdup_printf("(pid %d)", (int)getpid());
	g_assert_nonnull(strstr(error->message, want));
	g_clear_error(&error);

	/* It stands in nobody else's way: writers and readers open, set up
	 * and migrate as usual. */
	g_autoptr(RdStore) w = rd_store_open(f->path, &error);
	g_assert_no_error(error);
	g_autoptr(RdStore) r = rd_store_open_readonly(f->path, &error);
	g_assert_no_error(error);

	g_clear_pointer(&lock, rd_store_lock_free);
	g_assert_cmpint(rd_store_daemon_running(f->path, &pid, &error), ==, 0);
	lock = rd_store_lock_daemon(f->path, &error);
	g_assert_no_error(error);
}

/* Another process's daemon lock: seen by pid, and gone with the process
 * however it ends (here SIGKILL). */
static void
test_daemon_lock_other_process(Fixture *f, gconstpointer data)
{
	int p[2];
	g_assert_cmpint(pipe(p), ==, 0);
	pid_t child = fork();
	g_assert_cmpint(child, >=, 0);
	if (child == 0) {
		close(p[0]);
		RdStoreLock *lock = rd_store_lock_daemon(f->path, NULL);
		char c = lock != NULL ? 'y' : 'n';
		if (write(p[1], &c, 1) < 0)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	char c = 0;
	g_assert_cmpint(read(p[0], &c, 1), ==, 1);
	close(p[0]);
	g_assert_cmpint(c, ==, 'y');

	g_autoptr(GError) error = NULL;
	gint64 pid = 0;
	g_assert_cmpint(rd_store_daemon_running(f->path, &pid, &error), ==, 1);
	g_assert_cmpint(pid, ==, child);
	g_autoptr(RdStoreLock) mine = rd_store_lock_daemon(f->path, &error);
	g_assert_null(mine);
	g_autofree char *want = g_strdup_printf("(pid %d)", (int)child);
	g_assert_nonnull(strstr(error->message, want));
	g_clear_error(&error);

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	g_assert_cmpint(rd_store_daemon_running(f->path, &pid, &error), ==, 0);
	mine = rd_store_lock_daemon(f->path, &error);
	g_assert_no_error(error);
	g_assert_nonnull(mine);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add("/store-open/" name, Fixture, NULL, fx_setup, fn, fx_teardown)
	ADD("processes-at-once", test_processes_at_once);
	ADD("threads-at-once", test_threads_at_once);
	ADD("migrate-at-once", test_migrate_at_once);
	ADD("setup-lock-waits", test_setup_lock_waits);
	ADD("readonly-waits-for-setup", test_readonly_waits_for_setup);
	ADD("readonly-missing", test_readonly_missing);
	ADD("readonly-empty", test_readonly_empty);
	ADD("readonly-outdated", test_readonly_outdated);
	ADD("readonly-no-wal-switch", test_readonly_no_wal_switch);
	ADD("readonly-reads-not-writes", test_readonly_reads_not_writes);
	ADD("daemon-lock", test_daemon_lock);
	ADD("daemon-lock-other-process", test_daemon_lock_other_process);
#undef ADD
	return g_test_run();
}
