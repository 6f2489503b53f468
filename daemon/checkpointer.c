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
 * disk — the promise is the same, only who waits changes. Checkpoints
 * only move pages from the log into the database, and SQLite syncs the
 * log before and the database after each one, so the database never
 * holds a page the log did not have on disk.
 *
 * Invariant: the writer never waits for a checkpointer that has stopped
 * or failed (dead), and never longer than WAIT_LIMIT: a reader (the CLI)
 * in a long read transaction can keep frames from being copied, and then
 * the log simply grows until the next try.
 */
#include <string.h>
#include "daemon.h"

#define RESTART_BYTES   (128u << 20)      /* log size that earns a restart */
#define WAIT_LIMIT      G_TIME_SPAN_SECOND  /* a reader may hold the copy back */
#define IDLE_RECHECK    (200 * G_TIME_SPAN_MILLISECOND)

struct _RdCheckpointer {
	RdStore *writer;          /* borrowed: the writer's connection */
	char *db_path;
	GThread *thread;
	GMutex lock;
	GCond cond;               /* commits, copies and stop, under @lock */
	gboolean stop;
	gboolean dead;            /* the thread has given up */
	gboolean sync_behind;     /* the writer commits without syncing */
	gboolean sync_failed;     /* the thread could not sync: the writer does */
	guint64 commits;          /* writer: transactions committed */
	guint64 synced;           /* commits on disk (sync_behind only) */
	guint64 copied;           /* checkpointer: commits wholly in the database */
	gsize since_restart;      /* writer: bytes committed since the log restarted */
	double waited;            /* writer: seconds spent in before_begin */
	double waited_durable;    /* writer: seconds spent in wait_durable */
};

/* Sync the log through @st. Test hook: REDRESS_TEST_SYNC=fail-behind makes
 * the thread's syncs (@behind) fail, so the writer must sync for itself;
 * REDRESS_TEST_SYNC=fail makes every sync here fail, as a dying disk
 * would. */
static gboolean
sync_log(RdStore *st, gboolean behind, GError **error)
{
	const char *t = g_getenv("REDRESS_TEST_SYNC");
	if (t != NULL && (strcmp(t, "fail") == 0 || (behind && strcmp(t, "fail-behind") == 0))) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_FAILED,
		            "syncing the write-ahead log to disk: input/output error (REDRESS_TEST_SYNC)");
		return FALSE;
	}
	return rd_store_sync_log(st, error);
}

static gpointer
run(gpointer data)
{
	RdCheckpointer *ck = data;
	g_autoptr(GError) err = NULL;
	g_autoptr(RdStore) st = rd_store_open(ck->db_path, &err);

	g_mutex_lock(&ck->lock);
	if (st == NULL) {
		rd_log_warn("background checkpoints are off: %s", err->message);
		ck->dead = TRUE;
		g_cond_broadcast(&ck->cond);
		g_mutex_unlock(&ck->lock);
		return NULL;
	}
	guint64 tried = 0;        /* ck->commits at the last checkpoint */
	while (!ck->stop) {
		gboolean to_sync = ck->sync_behind && !ck->sync_failed && ck->synced < ck->commits;
		/* Nothing new since the last try: sleep until the writer
		 * commits, or a moment has passed (a reader that held the
		 * last checkpoint back may have gone). */
		if (tried == ck->commits && !to_sync) {
			gint64 until = g_get_monotonic_time() + IDLE_RECHECK;
			g_cond_wait_until(&ck->cond, &ck->lock, until);
			continue;
		}
		guint64 upto = ck->commits;
		/* First the sync the writer waits on, then the copy. */
		if (to_sync) {
			g_mutex_unlock(&ck->lock);
			gboolean synced = sync_log(st, TRUE, &err);
			g_mutex_lock(&ck->lock);
			if (synced) {
				if (upto > ck->synced)
					ck->synced = upto;
			} else {
				/* The writer syncs for itself from now on. */
				rd_log_warn("syncing the log behind the writer failed: %s", err->message);
				g_clear_error(&err);
				ck->sync_failed = TRUE;
			}
			g_cond_broadcast(&ck->cond);
		}
		tried = upto;
		g_mutex_unlock(&ck->lock);
		gboolean caught_up = FALSE;
		if (!rd_store_checkpoint(st, FALSE, &caught_up, &err)) {
			rd_log_warn("checkpoint failed (will retry): %s", err->message);
			g_clear_error(&err);
			g_usleep(IDLE_RECHECK);
		}
		g_mutex_lock(&ck->lock);
		if (caught_up && upto > ck->copied) {
			ck->copied = upto;
			g_cond_broadcast(&ck->cond);
		}
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

guint64
rd_checkpointer_committed(RdCheckpointer *ck, gsize bytes)
{
	if (ck == NULL)
		return 0;
	g_mutex_lock(&ck->lock);
	guint64 n = ++ck->commits;
	ck->since_restart += bytes;
	g_cond_broadcast(&ck->cond);
	g_mutex_unlock(&ck->lock);
	return n;
}

guint64
rd_checkpointer_durable(RdCheckpointer *ck)
{
	if (ck == NULL)
		return G_MAXUINT64;
	g_mutex_lock(&ck->lock);
	guint64 n = ck->sync_behind ? ck->synced : ck->commits;
	g_mutex_unlock(&ck->lock);
	return n;
}

gboolean
rd_checkpointer_wait_durable(RdCheckpointer *ck, guint64 commit, GError **error)
{
	if (ck == NULL)
		return TRUE;
	gint64 t0 = g_get_monotonic_time();
	g_mutex_lock(&ck->lock);
	while (ck->sync_behind && ck->synced < commit && !ck->dead && !ck->sync_failed)
		g_cond_wait(&ck->cond, &ck->lock);
	gboolean done = !ck->sync_behind || ck->synced >= commit;
	guint64 upto = ck->commits;
	g_mutex_unlock(&ck->lock);
	gboolean ok = TRUE;
	/* The thread cannot sync (it never opened its connection, or a sync
	 * failed): the writer's own handle on the log does the same. */
	if (!done) {
		ok = sync_log(ck->writer, FALSE, error);
		if (ok) {
			g_mutex_lock(&ck->lock);
			if (upto > ck->synced)
				ck->synced = upto;
			g_mutex_unlock(&ck->lock);
		}
	}
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
	 * one that stops on an error may not have. */
	if (!rd_checkpointer_wait_durable(ck, ck->commits, &err)) {
		rd_log_warn("making the last commits durable: %s", err->message);
		g_clear_error(&err);
	}
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
	g_free(ck->db_path);
	g_free(ck);
}
