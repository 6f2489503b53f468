/*
 * pipeline.c — files, folders, Maildirs and mboxes into the case file
 * (`redress ingest`).
 *
 * A two-stage pipeline keeps both cores busy without giving up durability:
 *
 *   worker threads:  read and parse (GMime) — the expensive, independent part
 *   calling thread:  in input order, dedupe + decide + write, in batches
 *
 * Messages are decided strictly in input order, so a reply later in the
 * same run finds the case its original opened. A batch is one SQLite
 * transaction; nothing about a message is reported until its batch has
 * committed and the log holding it is on disk, so no message is reported
 * done before it is durable. The disk sync runs behind the writer, on the
 * checkpointer's thread (checkpointer.c), while the next batch is stored;
 * committed messages wait in a queue, without their bytes, until it has
 * reached their commit. If a message fails to store, the batch is rolled
 * back and replayed one message per transaction, so one bad message costs
 * only itself. Memory stays bounded: at most a window of parsed messages
 * is in flight and a batch is cut at a byte budget.
 *
 * Nothing here prints: each settled message (and each file that could not
 * be read) goes to the caller's RdPipelineFunc, in input order.
 */
#include <string.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "inbound/inbound.h"

#define INFLIGHT_BYTES (16u << 20)  /* parsed-but-not-stored budget */
#define BATCH_BYTES    (16u << 20)  /* raw bytes per transaction */
#define BATCH_SECONDS  1.0          /* don't hold the write lock longer */

typedef struct {
	char *source;          /* "file:/path" or "file:/path#3" */
	char *path;            /* a file the worker is to read, or NULL */
	gsize budget;          /* bytes counted against the in-flight budget */
	GError *read_error;    /* the worker could not read @path */
	gboolean is_mbox;      /* the worker found an mbox: split, not parsed */
	GBytes *bytes;         /* holds the data (shared by mbox slices) */
	const char *data;
	gsize len;
	gint64 received_at;
	RdMessage *msg;        /* set by the worker */
	gboolean done;
	RdIngestResult result;
	GError *error;         /* storing failed */
	guint64 commit;        /* the commit that stored it (or came before it) */
} Job;

static void
job_free(Job *j)
{
	if (j == NULL)
		return;
	g_free(j->source);
	g_free(j->path);
	g_clear_error(&j->read_error);
	g_clear_pointer(&j->bytes, g_bytes_unref);
	g_clear_pointer(&j->msg, rd_message_free);
	rd_ingest_result_clear(&j->result);
	g_clear_error(&j->error);
	g_free(j);
}

typedef struct {
	const RdPipelineOptions *o;
	const RdConfig *cfg;
	RdStore *store;
	RdIngest *ing;
	RdPipelineFunc func;   /* told of each message once it is settled */
	RdJournal *journal;    /* notes what each parse thread is parsing */
	GHashTable *quarantined; /* sources not to parse (read-only while running) */
	gpointer user_data;
	RdPipelineCounts *n;

	/* pipeline */
	GThreadPool *pool;
	GMutex lock;
	GCond cond;
	GQueue pending;        /* Job*: read, not yet handed to a worker */
	GQueue inflight;       /* Job*: handed to a worker, in input order */
	GQueue front;          /* Job*: an mbox's messages, handed to a worker,
	                          to be stored before everything in inflight */
	gsize inflight_bytes;
	GPtrArray *files;
	guint next_file;
	guint max_inflight;

	/* background checkpoints and syncs (a second connection on its own
	 * thread) */
	char *db_path;
	RdCheckpointer *ckpt;
	GQueue unreported;     /* Job*: committed, in input order, not yet on disk */
	guint64 last_commit;   /* the log could not be synced: n->unsynced, and the run stops */

	/* where the main thread's time goes (log_level = debug) */
	double t_wait, t_store, t_commit;
} Ctx;

static void
parse_worker(gpointer data, gpointer user_data)
{
	Job *j = data;
	Ctx *c = user_data;
	RdMessage *m = NULL;
	/* Reading here, not in the main thread, keeps the one thread that
	 * writes the database free of everything else. Read, not mmap: the
	 * pages would otherwise need a TLB flush on every core when unmapped. */
	if (j->path != NULL) {
		char *contents = NULL;
		gsize len = 0;
		if (g_file_get_contents(j->path, &contents, &len, &j->read_error)) {
			j->bytes = g_bytes_new_take(contents, len);
			j->data = contents;
			j->len = len;
			j->is_mbox = rd_source_is_mbox(contents, len);
		}
	}
	if (j->read_error == NULL && !j->is_mbox)
		m = rd_journal_parse(c->journal, c->quarantined, j->source, j->data, j->len, j->received_at,
		                     &c->cfg->limits);
	g_mutex_lock(&c->lock);
	j->msg = m;
	j->done = TRUE;
	g_cond_broadcast(&c->cond);
	g_mutex_unlock(&c->lock);
}

static gint64
now_seconds(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

static Job *
job_new(Ctx *c, const char *source, GBytes *bytes, const char *data, gsize len)
{
	Job *j = g_new0(Job, 1);
	j->source = g_strdup(source);
	j->bytes = bytes ? g_bytes_ref(bytes) : NULL;
	j->data = data;
	j->len = len;
	j->received_at = c->o->have_received_at ? c->o->received_at : now_seconds();
	return j;
}

typedef struct {
	Ctx *c;
	GBytes *bytes;
	GQueue *into;
} SplitCtx;

static gboolean
on_mbox_message(const char *source, const char *data, gsize len, gpointer user_data)
{
	SplitCtx *s = user_data;
	g_autofree char *src = g_strconcat("file:", source, NULL);
	g_queue_push_tail(s->into, job_new(s->c, src, s->bytes, data, len));
	return TRUE;
}

static void
report_read_error(Ctx *c, const char *path, const char *what)
{
	c->n->read_errors++;
	RdPipelineReport r = { RD_PIPELINE_UNREADABLE, path, NULL, NULL, what };
	c->func(&r, c->user_data);
}

/* Count @j and tell the caller what became of it. */
static void
report(Ctx *c, Job *j)
{
	RdPipelineCounts *n = c->n;
	n->seen++;
	if (j->error) {
		n->store_errors++;
		RdPipelineReport r = { RD_PIPELINE_NOT_STORED, j->source, NULL,
		                       j->msg ? j->msg->message_id : NULL, j->error->message };
		c->func(&r, c->user_data);
		return;
	}
	const RdIngestResult *res = &j->result;
	switch (res->status) {
	case RD_INGEST_STORED:
		n->stored++;
		if (res->new_case)
			n->new_cases++;
		else if (res->case_ref)
			n->on_cases++;
		if (res->triage)
			n->triage++;
		break;
	case RD_INGEST_DUPLICATE:
		n->duplicates++;
		break;
	case RD_INGEST_NEW_ROUTE:
		n->new_routes++;
		break;
	case RD_INGEST_SELFTEST:
		n->selftests++;
		break;
	}
	RdPipelineReport r = { RD_PIPELINE_DONE, j->source, res, NULL, NULL };
	c->func(&r, c->user_data);
}

/* Read the next file into c->pending (one job, or one per mbox message). */
static gboolean
load_next_file(Ctx *c)
{
	while (c->next_file < c->files->len) {
		const char *path = c->files->pdata[c->next_file++];
		if (strcmp(path, "-") == 0) {
			/* One message on standard input, as an MTA pipe would give. */
			GByteArray *buf = g_byte_array_new();
			guint8 chunk[65536];
			size_t n;
			while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
				g_byte_array_append(buf, chunk, (guint)n);
			if (ferror(stdin)) {
				/* Half a message must not be stored as if it were whole. */
				g_byte_array_unref(buf);
				report_read_error(c, "standard input", g_strerror(errno));
				continue;
			}
			g_autoptr(GBytes) bytes = g_byte_array_free_to_bytes(buf);
			gsize len = 0;
			const char *data = g_bytes_get_data(bytes, &len);
			/* Standard input has no name to come back by: the bytes
			 * are its identity, for the parse journal. */
			g_autofree char *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
			                                                   (const guchar *)(data ? data : ""), len);
			g_autofree char *src = g_strconcat("stdin:", sha, NULL);
			Job *j = job_new(c, src, bytes, data ? data : "", len);
			g_queue_push_tail(&c->pending, j);
			return TRUE;
		}
		/* The worker reads the file; here only its size, for the
		 * in-flight budget. */
		GStatBuf sb;
		if (g_stat(path, &sb) != 0) {
			report_read_error(c, path, g_strerror(errno));
			continue;
		}
		/* An absolute path: the parse journal knows the file again
		 * whatever folder the next run starts in. */
		g_autofree char *abs = g_canonicalize_filename(path, NULL);
		g_autofree char *src = g_strconcat("file:", abs, NULL);
		Job *j = job_new(c, src, NULL, NULL, 0);
		j->path = g_strdup(path);
		j->budget = (gsize)sb.st_size;
		g_queue_push_tail(&c->pending, j);
		if (!g_queue_is_empty(&c->pending))
			return TRUE;
	}
	return FALSE;
}

/* Hand jobs to the workers until the window is full. */
static void
refill(Ctx *c)
{
	while (g_queue_get_length(&c->inflight) < c->max_inflight &&
	       (c->inflight_bytes < INFLIGHT_BYTES || g_queue_is_empty(&c->inflight))) {
		if (g_queue_is_empty(&c->pending) && !load_next_file(c))
			return;
		Job *j = g_queue_pop_head(&c->pending);
		if (j->budget == 0)
			j->budget = j->len;
		c->inflight_bytes += j->budget;
		g_queue_push_tail(&c->inflight, j);
		g_thread_pool_push(c->pool, j, NULL);
	}
}

static Job *
wait_done(Ctx *c, Job *j)
{
	gint64 t0 = g_get_monotonic_time();
	g_mutex_lock(&c->lock);
	while (!j->done)
		g_cond_wait(&c->cond, &c->lock);
	g_mutex_unlock(&c->lock);
	c->t_wait += (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
	return j;
}

/* The next message in input order, parsed. Files the workers could not
 * read are reported here; an mbox is split and its messages go ahead of
 * everything already in flight. */
static Job *
next_parsed(Ctx *c)
{
	for (;;) {
		Job *j = g_queue_pop_head(&c->front);
		if (j != NULL)
			return wait_done(c, j);
		refill(c);
		j = g_queue_pop_head(&c->inflight);
		if (j == NULL)
			return NULL;
		wait_done(c, j);
		c->inflight_bytes -= j->budget;
		if (j->read_error != NULL) {
			report_read_error(c, j->path, j->read_error->message);
			job_free(j);
			continue;
		}
		if (j->is_mbox) {
			SplitCtx s = { c, j->bytes, &c->front };
			g_autofree char *abs = g_canonicalize_filename(j->path, NULL);
			rd_source_mbox_split(abs, j->data, j->len, on_mbox_message, &s);
			for (GList *l = c->front.head; l != NULL; l = l->next)
				g_thread_pool_push(c->pool, l->data, NULL);
			job_free(j);
			continue;
		}
		return j;
	}
}

static gboolean
store_one(Ctx *c, Job *j, GError **error)
{
	/* Importing an archive: the Date header is the best record of when
	 * the council received it; a message without one keeps "now". */
	if (c->o->received_from_header && j->msg->date_from_header)
		j->received_at = j->msg->date;
	gint64 t0 = g_get_monotonic_time();
	gboolean ok = rd_ingest_message(c->ing, j->data, j->len, j->msg, c->o->mailbox, j->received_at,
	                                j->source, &j->result, error) &&
	              rd_journal_parsed(c->quarantined, c->store, j->source, error);
	/* A failure must never be counted as stored, even from a path that
	 * set no error. */
	if (!ok && error != NULL && *error == NULL)
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_FAILED, "the message could not be stored");
	c->t_store += (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
	return ok;
}

/* The log could not be synced (@why): nothing still waiting can be called
 * stored. Messages that failed on their own are reported as the errors
 * they are; the rest are counted as unconfirmed and told once, at the end. */
static void
give_up_unreported(Ctx *c, GError *why)
{
	Job *j;
	while ((j = g_queue_pop_head(&c->unreported)) != NULL) {
		if (j->error != NULL)
			report(c, j);
		else
			c->n->unconfirmed++;
		job_free(j);
	}
	if (c->n->unsynced == NULL)
		c->n->unsynced = why;
	else
		g_error_free(why);
}

/* Report, in input order, the settled messages whose commit is on disk;
 * with @wait, all of them, waiting for the disk. FALSE once the log could
 * not be synced (c->n->unsynced): see give_up_unreported. */
static gboolean
report_durable(Ctx *c, gboolean wait)
{
	guint64 durable = 0;
	GError *err = NULL;
	if (c->n->unsynced != NULL)
		return FALSE;
	if (!rd_checkpointer_durable(c->ckpt, &durable, &err) ||
	    (wait && !rd_checkpointer_wait_durable(c->ckpt, c->last_commit, &err)) ||
	    (wait && !rd_checkpointer_durable(c->ckpt, &durable, &err))) {
		give_up_unreported(c, err);
		return FALSE;
	}
	Job *j;
	while ((j = g_queue_peek_head(&c->unreported)) != NULL && j->commit <= durable) {
		g_queue_pop_head(&c->unreported);
		report(c, j);
		job_free(j);
	}
	return TRUE;
}

/* @j is settled (stored, or failed and rolled back): it is reported once
 * the last commit so far is on disk, keeping input order. A stored
 * message's bytes and parse are no longer needed (a batch is replayed
 * only before its commit), so they are freed now: the queue costs memory
 * only for the results. */
static void
settled(Ctx *c, Job *j)
{
	j->commit = c->last_commit;
	if (j->error == NULL) {
		g_clear_pointer(&j->msg, rd_message_free);
		g_clear_pointer(&j->bytes, g_bytes_unref);
		j->data = NULL;
	}
	g_queue_push_tail(&c->unreported, j);
}

/* Commit @batch; on a failed message, replay one per transaction. Returns
 * FALSE if the database itself is unusable (begin/commit fail: @error)
 * or the log could not be synced (c->n->unsynced, @error not set). */
static gboolean
flush_batch(Ctx *c, GPtrArray *batch, gboolean failed, GError **error)
{
	if (!failed) {
		gint64 t0 = g_get_monotonic_time();
		gboolean committed = rd_store_commit(c->store, error);
		c->t_commit += (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
		if (committed) {
			gsize bytes = 0;
			for (guint i = 0; i < batch->len; i++)
				bytes += ((Job *)batch->pdata[i])->len;
			c->last_commit = rd_checkpointer_committed(c->ckpt, bytes);
			for (guint i = 0; i < batch->len; i++) {
				settled(c, batch->pdata[i]);
				batch->pdata[i] = NULL;
			}
			g_ptr_array_set_size(batch, 0);
			return report_durable(c, FALSE);
		}
		g_clear_error(error);
	}
	rd_store_rollback(c->store);
	for (guint i = 0; i < batch->len; i++) {
		Job *j = batch->pdata[i];
		rd_ingest_result_clear(&j->result);
		g_clear_error(&j->error);
		rd_checkpointer_before_begin(c->ckpt);
		if (!rd_store_begin(c->store, error))
			return FALSE;
		if (store_one(c, j, &j->error)) {
			if (!rd_store_commit(c->store, error))
				return FALSE;
			c->last_commit = rd_checkpointer_committed(c->ckpt, j->len);
		} else {
			rd_store_rollback(c->store);
		}
		settled(c, j);
		batch->pdata[i] = NULL;
	}
	g_ptr_array_set_size(batch, 0);
	return report_durable(c, FALSE);
}

/* The main thread's loop: the next parsed message in input order into
 * the current batch, a commit when the batch is full. FALSE with @error
 * when the database became unusable (what was committed before is still
 * reported) or with c->n->unsynced when the disk could not confirm. */
static gboolean
run(Ctx *c, GError **error)
{
	guint threads = c->cfg->parse_threads ? c->cfg->parse_threads : g_get_num_processors();
	c->max_inflight = MAX(8, threads * 16);
	c->pool = g_thread_pool_new(parse_worker, c, (gint)threads, FALSE, error);
	if (c->pool == NULL) {
		g_prefix_error(error, "cannot start parser threads: ");
		return FALSE;
	}
	g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func((GDestroyNotify)job_free);
	gsize batch_bytes = 0;
	g_autoptr(GTimer) timer = g_timer_new();
	gboolean failed = FALSE;
	gboolean ok = TRUE;
	GError *err = NULL;
	Job *j;

	while ((j = next_parsed(c)) != NULL) {
		if (batch->len == 0) {
			rd_checkpointer_before_begin(c->ckpt);
			if (!rd_store_begin(c->store, &err)) {
				job_free(j);
				ok = FALSE;
				break;
			}
			g_timer_start(timer);
			batch_bytes = 0;
			failed = FALSE;
		}
		g_ptr_array_add(batch, j);
		batch_bytes += j->len;
		/* After a failure the rest of the batch only waits for the
		 * one-by-one replay; storing it now would be thrown away. */
		if (!failed && !store_one(c, j, &j->error))
			failed = TRUE;
		if (batch->len >= c->cfg->batch_messages || batch_bytes >= BATCH_BYTES ||
		    g_timer_elapsed(timer, NULL) >= BATCH_SECONDS || failed) {
			if (!flush_batch(c, batch, failed, &err)) {
				ok = FALSE;
				break;
			}
		}
	}
	if (ok && batch->len > 0 && !flush_batch(c, batch, failed, &err))
		ok = FALSE;
	if (!ok) {
		rd_store_rollback(c->store);
		g_ptr_array_set_size(batch, 0);
		if (err != NULL)
			g_prefix_error(&err, "the database is not usable: ");
	}
	/* What was committed is reported once it is on disk, even after a
	 * fatal error later on. */
	if (!report_durable(c, TRUE))
		ok = FALSE;

	/* Drain: let the workers finish what they hold, then drop it unstored
	 * (only on a fatal error; nothing was reported for it). */
	rd_log_debug("ingest timing: waited %.2f s for the parsers, stored %.2f s, committed %.2f s, "
	             "waited %.2f s for checkpoints and %.2f s for the disk", c->t_wait, c->t_store,
	             c->t_commit, rd_checkpointer_waited(c->ckpt), rd_checkpointer_waited_durable(c->ckpt));
	g_thread_pool_free(c->pool, FALSE, TRUE);
	while ((j = g_queue_pop_head(&c->inflight)) != NULL)
		job_free(j);
	while ((j = g_queue_pop_head(&c->front)) != NULL)
		job_free(j);
	while ((j = g_queue_pop_head(&c->pending)) != NULL)
		job_free(j);
	if (err != NULL)
		g_propagate_error(error, err);
	return ok;
}

void
rd_pipeline_counts_clear(RdPipelineCounts *n)
{
	g_clear_error(&n->unsynced);
	memset(n, 0, sizeof *n);
}

gboolean
rd_pipeline_run(RdIngest *ing, RdStore *store, const RdConfig *cfg, const char *db_path,
                GPtrArray *files, const RdPipelineOptions *o, RdPipelineFunc func,
                gpointer user_data, RdPipelineCounts *counts_r, GError **error)
{
	g_return_val_if_fail(ing != NULL && store != NULL && files != NULL && func != NULL, FALSE);
	Ctx c = { 0 };
	c.o = o;
	c.cfg = cfg;
	c.store = store;
	c.ing = ing;
	c.func = func;
	c.user_data = user_data;
	c.n = counts_r;
	c.files = files;
	c.db_path = g_strdup(db_path);
	/* Before the first parse: messages that crashed an earlier run are
	 * found here and not parsed again. */
	c.journal = rd_journal_open(store, db_path, error);
	if (c.journal == NULL) {
		g_free(c.db_path);
		return FALSE;
	}
	c.quarantined = rd_journal_quarantined(store, error);
	if (c.quarantined == NULL) {
		rd_journal_close(c.journal);
		g_free(c.db_path);
		return FALSE;
	}
	g_mutex_init(&c.lock);
	g_cond_init(&c.cond);
	c.ckpt = rd_checkpointer_start(store, c.db_path, TRUE);
	gboolean ok = run(&c, error);
	rd_checkpointer_stop(c.ckpt);
	g_mutex_clear(&c.lock);
	g_cond_clear(&c.cond);
	g_hash_table_unref(c.quarantined);
	rd_journal_close(c.journal);
	g_free(c.db_path);
	return ok;
}
