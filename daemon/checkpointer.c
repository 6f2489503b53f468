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
 * log; it is timed for the debug log.
 *
 * Durability is unchanged: a commit is durable in the log
 * (synchronous=FULL) before the writer reports it; checkpoints only move
 * pages from the log into the database, and SQLite syncs both.
 *
 * Invariant: the writer never waits for a checkpointer that has stopped
 * or failed (dead), and never longer than WAIT_LIMIT: a reader (the CLI)
 * in a long read transaction can keep frames from being copied, and then
 * the log simply grows until the next try.
 */
#include "daemon.h"

#define RESTART_BYTES   (64u << 20)       /* log size that earns a restart */
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
	guint64 commits;          /* writer: transactions committed */
	guint64 copied;           /* checkpointer: commits wholly in the database */
	gsize since_restart;      /* writer: bytes committed since the log restarted */
	double waited;            /* writer: seconds spent in before_begin */
};

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
		/* Nothing new since the last try: sleep until the writer
		 * commits, or a moment has passed (a reader that held the
		 * last checkpoint back may have gone). */
		if (tried == ck->commits) {
			gint64 until = g_get_monotonic_time() + IDLE_RECHECK;
			g_cond_wait_until(&ck->cond, &ck->lock, until);
			if (ck->stop)
				break;
		}
		guint64 upto = ck->commits;
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
rd_checkpointer_start(RdStore *writer, const char *db_path)
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
	RdCheckpointer *ck = g_new0(RdCheckpointer, 1);
	ck->writer = writer;
	ck->db_path = g_strdup(db_path);
	g_mutex_init(&ck->lock);
	g_cond_init(&ck->cond);
	ck->thread = g_thread_new("checkpoint", run, ck);
	return ck;
}

void
rd_checkpointer_committed(RdCheckpointer *ck, gsize bytes)
{
	if (ck == NULL)
		return;
	g_mutex_lock(&ck->lock);
	ck->commits++;
	ck->since_restart += bytes;
	g_cond_broadcast(&ck->cond);
	g_mutex_unlock(&ck->lock);
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

void
rd_checkpointer_stop(RdCheckpointer *ck)
{
	if (ck == NULL)
		return;
	g_mutex_lock(&ck->lock);
	ck->stop = TRUE;
	g_cond_broadcast(&ck->cond);
	g_mutex_unlock(&ck->lock);
	g_thread_join(ck->thread);
	g_mutex_clear(&ck->lock);
	g_cond_clear(&ck->cond);
	/* Leave a short log behind, as an ordinary run would. */
	g_autoptr(GError) err = NULL;
	if (!rd_store_set_autocheckpoint(ck->writer, 1000, &err) ||
	    !rd_store_checkpoint(ck->writer, TRUE, NULL, &err))
		rd_log_warn("final checkpoint: %s", err->message);
	g_free(ck->db_path);
	g_free(ck);
}
