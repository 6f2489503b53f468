/*
 * checkpointer.c — copying the write-ahead log into the database from a
 * second connection, on its own thread, while a bulk writer keeps
 * committing.
 *
 * Object: RdCheckpointer, one per bulk writer (ingest, fetch). The writer
 * turns SQLite's automatic checkpoints off, tells the checkpointer after
 * every commit (rd_checkpointer_committed), and asks it before every
 * BEGIN (rd_checkpointer_before_begin).
 *
 * Why the second half exists: SQLite starts the log again from its first
 * frame only when a writer begins a transaction at a moment when every
 * frame already sits in the database. A checkpointer running beside a
 * writer that never pauses never gets there, so the log grows for the
 * whole run (1.3 GB for the 850 MB benchmark) and every commit appends to
 * a longer file: new blocks for the file system to allocate and zero, and
 * twice the page cache. So once the writer has committed about
 * RESTART_BYTES since the log last started again, before its next BEGIN
 * it waits for the checkpointer to finish copying what is already
 * committed (about one batch, as it copies after every commit), and that
 * transaction starts the log again. The wait is the price of a bounded
 * log; it is timed for the debug log. At 64 MB the waits cost the 850 MB
 * benchmark about 0.5 s, at 128 MB about 0.3 s; beyond that the page
 * cache the log takes grows for little gain.
 *
 * Syncing behind the writer (sync_behind, for `redress ingest`): a
 * synced COMMIT makes the writer wait for the disk to take the whole
 * batch (16 MB of messages: a third of an 850 MB ingest's time was spent
 * there). With sync_behind the writer's connection commits without
 * syncing (synchronous=NORMAL, which SQLite keeps crash-consistent) and
 * this thread syncs the log after each commit, through its own
 * connection's handle on the same file, while the writer stores the next
 * batch. The writer reports a batch only once rd_checkpointer_durable()
 * has reached its commit, so nothing is reported done before it is on
 * disk — the promise is the same, only who waits changes. A thread that
 * never opened its connection leaves the syncing to the writer, after
 * each commit; a sync or copy that fails ends the run (set_failure says
 * why it cannot simply be tried again). Checkpoints only move pages from
 * the log into the database, and SQLite syncs the log before and the
 * database after each one, so the database never holds a page the log
 * did not have on disk.
 *
 * Invariant: the writer never waits for a checkpointer that has stopped
 * or failed (dead), and never longer than WAIT_LIMIT: a reader (the CLI)
 * in a long read transaction can keep frames from being copied, and then
 * the log simply grows until the next try.
 */
#include <string.h>
#include "inbound/inbound.h"

#define RESTART_BYTES   (128u << 20)      /* log size that earns a restart */
#define WAIT_LIMIT      G_TIME_SPAN_SECOND  /* a reader may hold the copy back */
#define IDLE_RECHECK    (200 * G_TIME_SPAN_MILLISECOND)

struct _RdCheckpointer {
	RdStore *writer;          /* borrowed: the writer's connection */
	char *db_path;
	GThread *thread;
	GMutex lock;
	GCond cond;               /* commits, syncs, copies and stop, under @lock */
	gboolean stop;
	gboolean dead;            /* the thread never opened its connection */
	gboolean sync_behind;     /* the writer commits without syncing */
	GError *failure;          /* sync_behind: the log could not be synced */
	guint64 commits;          /* writer: transactions committed */
	guint64 synced;           /* commits on disk (sync_behind only) */
	guint64 copied;           /* checkpointer: commits wholly in the database */
	gsize since_restart;      /* writer: bytes committed since the log restarted */
	double waited;            /* writer: seconds spent in before_begin */
	double waited_durable;    /* writer: seconds spent in wait_durable */
};

/* Test hooks, REDRESS_TEST_SYNC=
 *   no-thread         the thread cannot open its connection (the writer
 *                     must sync for itself);
 *   fail              every sync of the log fails, as a dying disk's would;
 *   fail-checkpoint   the thread's checkpoints fail (they sync the log too). */
static gboolean
test_hook(const char *what)
{
	const char *t = g_getenv("REDRESS_TEST_SYNC");
	return t != NULL && strcmp(t, what) == 0;
}

static gboolean
sync_log(RdStore *st, GError **error)
{
	if (test_hook("fail")) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_FAILED,
		            "syncing the write-ahead log to disk: disk I/O error (REDRESS_TEST_SYNC)");
		return FALSE;
	}
	return rd_store_sync_log(st, error);
}

/* Under @ck->lock. Why failures are final: Linux reports a failed
 * write-back once per open file, so after a failed sync (or a failed
 * checkpoint, which syncs the log through the same handle) a second sync
 * can succeed although pages of the log were lost. Nothing committed since
 * the last good sync can be called durable any more, so the writer is
 * told and stops. */
static void
set_failure(RdCheckpointer *ck, GError *err, const char *doing)
{
	if (ck->failure == NULL) {
		g_prefix_error(&err, "%s: ", doing);
		rd_log_error("%s", err->message);
		ck->failure = err;
	} else {
		g_error_free(err);
	}
	g_cond_broadcast(&ck->cond);
}

static gboolean
needs_sync(const RdCheckpointer *ck)
{
	return ck->sync_behind && ck->failure == NULL && ck->synced < ck->commits;
}

static gpointer
run(gpointer data)
{
	RdCheckpointer *ck = data;
	GError *err = NULL;
	g_autoptr(RdStore) st = test_hook("no-thread") ? NULL : rd_store_open(ck->db_path, &err);

	g_mutex_lock(&ck->lock);
	if (st == NULL) {
		rd_log_warn("background checkpoints are off: %s",
		            err != NULL ? err->message : "REDRESS_TEST_SYNC=no-thread");
		g_clear_error(&err);
		ck->dead = TRUE;
		g_cond_broadcast(&ck->cond);
		g_mutex_unlock(&ck->lock);
		return NULL;
	}
	guint64 tried = 0;        /* ck->commits at the last checkpoint */
	while (!ck->stop) {
		/* Nothing new since the last try: sleep until the writer
		 * commits, or a moment has passed, then try the copy again (a
		 * reader that held the last one back may have gone). */
		if (tried == ck->commits && !needs_sync(ck)) {
			gint64 until = g_get_monotonic_time() + IDLE_RECHECK;
			g_cond_wait_until(&ck->cond, &ck->lock, until);
			if (ck->stop)
				break;
		}
		guint64 upto = ck->commits;
		/* First the sync the writer waits on, then the copy. */
		if (needs_sync(ck)) {
			g_mutex_unlock(&ck->lock);
			gboolean synced = sync_log(st, &err);
			g_mutex_lock(&ck->lock);
			if (synced && upto > ck->synced)
				ck->synced = upto;
			else if (!synced)
				set_failure(ck, g_steal_pointer(&err), "syncing the log behind the writer");
			g_cond_broadcast(&ck->cond);
		}
		tried = upto;
		g_mutex_unlock(&ck->lock);
		gboolean caught_up = FALSE;
		gboolean copied_ok;
		if (test_hook("fail-checkpoint")) {
			g_set_error(&err, RD_STORE_ERROR, RD_STORE_ERROR_FAILED,
			            "checkpointing the log: disk I/O error (REDRESS_TEST_SYNC)");
			copied_ok = FALSE;
		} else {
			copied_ok = rd_store_checkpoint(st, FALSE, &caught_up, &err);
		}
		g_mutex_lock(&ck->lock);
		if (!copied_ok && ck->sync_behind) {
			set_failure(ck, g_steal_pointer(&err), "copying the log into the database");
		} else if (!copied_ok) {
			/* The writer's own COMMIT syncs its own handle on the log,
			 * so it hears of a failed write-back itself. */
			rd_log_warn("checkpoint failed (will retry): %s", err->message);
			g_clear_error(&err);
			g_mutex_unlock(&ck->lock);
			g_usleep(IDLE_RECHECK);
			g_mutex_lock(&ck->lock);
		}
		if (caught_up && upto > ck->copied) {
			ck->copied = upto;
			g_cond_broadcast(&ck->cond);
		}
		if (ck->failure != NULL)
			break;  /* the run is over for this writer */
	}
	g_mutex_unlock(&ck->lock);
	return NULL;
}

RdCheckpointer *
rd_checkpointer_start(RdStore *writer, const char *db_path, gboolean sync_behind)
{
	g_return_val_if_fail(writer != NULL, NULL);
	/* :memory: and the like have no second connection to give. */
	if (db_path == NULL || !g_file_test(db_path, G_FILE_TEST_IS_REGULAR))
		return NULL;
	g_autoptr(GError) err = NULL;
	if (!rd_store_set_autocheckpoint(writer, 0, &err)) {
		rd_log_warn("%s", err->message);
		return NULL;
	}
	/* If this fails the writer simply keeps syncing its own commits. */
	if (sync_behind && !rd_store_set_synced_commits(writer, FALSE, &err)) {
		rd_log_warn("%s", err->message);
		g_clear_error(&err);
		sync_behind = FALSE;
	}
	RdCheckpointer *ck = g_new0(RdCheckpointer, 1);
	ck->writer = writer;
	ck->db_path = g_strdup(db_path);
	ck->sync_behind = sync_behind;
	g_mutex_init(&ck->lock);
	g_cond_init(&ck->cond);
	ck->thread = g_thread_new("checkpoint", run, ck);
	return ck;
}

/* Under @ck->lock, on the writer's thread: with no thread to sync behind
 * it, the writer syncs its own handle on the log, which has seen no
 * failure the thread could have taken. */
static void
writer_sync(RdCheckpointer *ck)
{
	guint64 upto = ck->commits;
	GError *err = NULL;
	g_mutex_unlock(&ck->lock);
	gboolean ok = sync_log(ck->writer, &err);
	g_mutex_lock(&ck->lock);
	if (!ok)
		set_failure(ck, err, "syncing the log");
	else if (upto > ck->synced)
		ck->synced = upto;
}

guint64
rd_checkpointer_committed(RdCheckpointer *ck, gsize bytes)
{
	if (ck == NULL)
		return 0;
	g_mutex_lock(&ck->lock);
	guint64 n = ++ck->commits;
	ck->since_restart += bytes;
	if (needs_sync(ck) && ck->dead)
		writer_sync(ck);
	g_cond_broadcast(&ck->cond);
	g_mutex_unlock(&ck->lock);
	return n;
}

gboolean
rd_checkpointer_durable(RdCheckpointer *ck, guint64 *durable_r, GError **error)
{
	if (ck == NULL) {
		*durable_r = G_MAXUINT64;
		return TRUE;
	}
	g_mutex_lock(&ck->lock);
	*durable_r = ck->sync_behind ? ck->synced : ck->commits;
	gboolean ok = ck->failure == NULL;
	if (!ok)
		g_propagate_error(error, g_error_copy(ck->failure));
	g_mutex_unlock(&ck->lock);
	return ok;
}

gboolean
rd_checkpointer_wait_durable(RdCheckpointer *ck, guint64 commit, GError **error)
{
	if (ck == NULL)
		return TRUE;
	gint64 t0 = g_get_monotonic_time();
	g_mutex_lock(&ck->lock);
	while (ck->sync_behind && ck->synced < commit && !ck->dead && ck->failure == NULL)
		g_cond_wait(&ck->cond, &ck->lock);
	/* The thread died before it could sync what came first. */
	if (needs_sync(ck) && ck->synced < commit && ck->dead)
		writer_sync(ck);
	gboolean ok = ck->failure == NULL;
	if (!ok)
		g_propagate_error(error, g_error_copy(ck->failure));
	g_mutex_unlock(&ck->lock);
	ck->waited_durable += (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
	return ok;
}

void
rd_checkpointer_before_begin(RdCheckpointer *ck)
{
	if (ck == NULL)
		return;
	g_mutex_lock(&ck->lock);
	if (ck->since_restart >= RESTART_BYTES) {
		gint64 t0 = g_get_monotonic_time();
		gint64 until = t0 + WAIT_LIMIT;
		while (!ck->dead && ck->copied < ck->commits &&
		       g_cond_wait_until(&ck->cond, &ck->lock, until))
			;
		ck->since_restart = 0;
		ck->waited += (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
	}
	g_mutex_unlock(&ck->lock);
}

double
rd_checkpointer_waited(const RdCheckpointer *ck)
{
	return ck != NULL ? ck->waited : 0.0;
}

double
rd_checkpointer_waited_durable(const RdCheckpointer *ck)
{
	return ck != NULL ? ck->waited_durable : 0.0;
}

void
rd_checkpointer_stop(RdCheckpointer *ck)
{
	if (ck == NULL)
		return;
	g_autoptr(GError) err = NULL;
	/* A writer that reported everything has waited for this already;
	 * one that stops on an error may not have (a failure has been logged
	 * where it happened). */
	if (!rd_checkpointer_wait_durable(ck, ck->commits, &err))
		g_clear_error(&err);
	g_mutex_lock(&ck->lock);
	ck->stop = TRUE;
	g_cond_broadcast(&ck->cond);
	g_mutex_unlock(&ck->lock);
	g_thread_join(ck->thread);
	g_mutex_clear(&ck->lock);
	g_cond_clear(&ck->cond);
	/* Leave a short log behind, as an ordinary run would. */
	if ((ck->sync_behind && !rd_store_set_synced_commits(ck->writer, TRUE, &err)) ||
	    !rd_store_set_autocheckpoint(ck->writer, 1000, &err) ||
	    !rd_store_checkpoint(ck->writer, TRUE, NULL, &err))
		rd_log_warn("final checkpoint: %s", err->message);
	g_clear_error(&ck->failure);
	g_free(ck->db_path);
	g_free(ck);
}
