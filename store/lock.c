/*
 * lock.c — the lock file beside the database, DATABASE.lock, and the two
 * locks it carries.
 *
 * Byte 1 is the set-up lock. Setting a file up (creating it, switching it
 * to WAL, creating or migrating the schema) is done by one connection at
 * a time, holding byte 1 exclusively. SQLite alone does not make this
 * safe: on a new file in rollback mode, two connections that both hold a
 * read lock and both ask for the WAL switch are a deadlock to SQLite, and
 * it answers SQLITE_BUSY at once without calling the busy handler (the
 * daemon died of exactly that beside a `redress status`). A process that
 * finds the file already set up never touches byte 1, so the lock costs
 * nothing once a database exists.
 *
 * Byte 0 is the daemon's lock: `redress daemon` holds it exclusively for
 * its whole life, with its pid written in the file, so a second daemon on
 * the same database is refused with the first one's pid, and `redress
 * restore` cannot start while a daemon runs. Nothing else takes byte 0, so
 * it never stands in the way of ingest, fetch or status.
 *
 * The locks are open file description locks (F_OFD_SETLK), not flock()
 * and not classic POSIX locks:
 *  - unlike POSIX locks, they belong to the descriptor, so two threads of
 *    one process (the daemon opens a connection per thread) exclude each
 *    other, and closing some other descriptor of the file drops nothing;
 *  - unlike flock(), one file carries two independent byte ranges, so the
 *    daemon holding byte 0 for days never blocks a set-up on byte 1.
 * The lock file is a separate file that SQLite never opens: the warning in
 * store.c about closing descriptors of the database itself (which drops
 * SQLite's own POSIX locks) does not apply to it.
 *
 * Waits are bounded (RD_STORE_SETUP_WAIT_S): a process that cannot get a
 * lock in that time reports RD_STORE_ERROR_BUSY rather than hang.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store-private.h"

#define SETUP_BYTE  1
#define DAEMON_BYTE 0

char *
rd_store_lock_path(const char *db_path)
{
	return g_strconcat(db_path, ".lock", NULL);
}

int
rd_store_lockfile_open(const char *db_path, gboolean create, GError **error)
{
	g_autofree char *path = rd_store_lock_path(db_path);
	int flags = O_CLOEXEC | O_NOFOLLOW | (create ? O_RDWR | O_CREAT : O_RDONLY);
	int fd = open(path, flags, 0600);

	if (fd < 0 && !create && errno == ENOENT)
		return -1;
	if (fd < 0) {
		int e = errno;
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OPEN,
		            "cannot open the lock file %s: %s%s", path, g_strerror(e),
		            e == EACCES ? " (it must be writable by the user redress runs as, "
		                          "like the database and its folder)" : "");
		return -1;
	}
	/* Created by root beside a database that belongs to the service's
	 * user: give it to that user, as SQLite does with the -wal and -shm
	 * files, or the service could no longer open it. */
	struct stat db, lk;
	if (create && geteuid() == 0 && stat(db_path, &db) == 0 && fstat(fd, &lk) == 0 &&
	    (lk.st_uid != db.st_uid || lk.st_gid != db.st_gid) &&
	    fchown(fd, db.st_uid, db.st_gid) != 0) {
		/* Not fatal here: root itself can go on; the error would
		 * show, clearly, in the service. */
	}
	return fd;
}

/* F_OFD_SETLK on one byte; TRUE if granted, FALSE with errno set if not. */
static gboolean
lock_byte(int fd, short type, off_t byte)
{
	struct flock fl;

	memset(&fl, 0, sizeof fl);
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = byte;
	fl.l_len = 1;
	return fcntl(fd, F_OFD_SETLK, &fl) == 0;
}

gboolean
rd_store_setup_lock(int fd, const char *db_path, gboolean exclusive, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + RD_STORE_SETUP_WAIT_S * G_USEC_PER_SEC;
	gulong pause_us = 2000;

	/* Polled rather than F_OFD_SETLKW: the wait must end, and a timer
	 * signal is not ours to use in a threaded process. Set-up takes
	 * milliseconds, so the first few tries are close together. */
	while (!lock_byte(fd, exclusive ? F_WRLCK : F_RDLCK, SETUP_BYTE)) {
		int e = errno;
		if (e != EAGAIN && e != EACCES && e != EINTR) {
			g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OPEN,
			            "cannot lock %s.lock: %s", db_path, g_strerror(e));
			return FALSE;
		}
		if (g_get_monotonic_time() >= deadline) {
			g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_BUSY,
			            "another process has been setting up or upgrading the "
			            "database %s for %d s; try again when it has finished",
			            db_path, RD_STORE_SETUP_WAIT_S);
			return FALSE;
		}
		g_usleep(pause_us + g_random_int_range(0, (gint32)pause_us));
		pause_us = MIN(pause_us * 2, 100000);
	}
	return TRUE;
}

void
rd_store_setup_unlock(int fd)
{
	if (fd >= 0)
		lock_byte(fd, F_UNLCK, SETUP_BYTE);
}

gboolean
rd_store_daemon_lock_take(int fd, const char *db_path, GError **error)
{
	if (lock_byte(fd, F_WRLCK, DAEMON_BYTE))
		return TRUE;
	int e = errno;
	if (e != EAGAIN && e != EACCES) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OPEN,
		            "cannot lock %s.lock: %s", db_path, g_strerror(e));
		return FALSE;
	}
	/* The holder writes its pid just after taking the lock: a daemon
	 * started at the same instant may look before it has. */
	gint64 pid = 0;
	for (int tries = 0; tries < 100; tries++) {
		if (rd_store_daemon_running(db_path, &pid, NULL) != 1 || pid > 0)
			break;
		g_usleep(10000);
	}
	g_autofree char *who = pid > 0 ? g_strdup_printf("(pid %" G_GINT64_FORMAT ")", pid)
	                               : g_strdup("(pid not known)");
	g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_DAEMON_RUNNING,
	            "a redress daemon %s is already running on the database %s",
	            who, db_path);
	return FALSE;
}

/* ---- the daemon's lock, public ----------------------------------------- */

struct _RdStoreLock {
	int fd;                 /* the lock file, holding byte 0 */
};

RdStoreLock *
rd_store_lock_daemon(const char *db_path, GError **error)
{
	g_return_val_if_fail(db_path != NULL, NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	int fd = rd_store_lockfile_open(db_path, TRUE, error);
	if (fd < 0)
		return NULL;
	if (!rd_store_daemon_lock_take(fd, db_path, error)) {
		close(fd);
		return NULL;
	}
	/* The pid, for the message a second daemon gives and for `redress
	 * status`. Only the lock's holder writes here. */
	char buf[32];
	int n = g_snprintf(buf, sizeof buf, "%d\n", (int)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		int e = errno;
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OPEN,
		            "cannot write the pid into %s.lock: %s", db_path, g_strerror(e));
		close(fd);
		return NULL;
	}
	RdStoreLock *lock = g_new0(RdStoreLock, 1);
	lock->fd = fd;
	return lock;
}

void
rd_store_lock_free(RdStoreLock *lock)
{
	if (lock == NULL)
		return;
	/* A pid left behind would be read as the running daemon's by
	 * nothing (the lock decides), but an empty file says it plainly. */
	if (ftruncate(lock->fd, 0) != 0) {
		/* nothing to do: the lock goes with the descriptor */
	}
	close(lock->fd);
	g_free(lock);
}

int
rd_store_daemon_running(const char *db_path, gint64 *pid_r, GError **error)
{
	g_return_val_if_fail(db_path != NULL, -1);

	if (pid_r != NULL)
		*pid_r = 0;
	g_autofree char *path = rd_store_lock_path(db_path);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT)
			return 0;  /* no writer ever opened it: no daemon either */
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OPEN,
		            "cannot read %s: %s", path, g_strerror(e));
		return -1;
	}
	struct flock fl;
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = DAEMON_BYTE;
	fl.l_len = 1;
	if (fcntl(fd, F_OFD_GETLK, &fl) != 0) {
		int e = errno;
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OPEN,
		            "cannot test the lock on %s: %s", path, g_strerror(e));
		close(fd);
		return -1;
	}
	int held = fl.l_type != F_UNLCK;
	if (held && pid_r != NULL) {
		char buf[32];
		ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			*pid_r = g_ascii_strtoll(buf, NULL, 10);
		}
	}
	close(fd);
	return held;
}
