/*
 * ingest.c — `redress ingest`: files, folders, Maildirs and mboxes into
 * the case file.
 *
 * A two-stage pipeline keeps both cores busy without giving up durability:
 *
 *   worker threads:  parse (GMime) — the expensive, independent part
 *   main thread:     in input order, dedupe + decide + write, in batches
 *
 * Messages are decided strictly in input order, so a reply later in the
 * same run finds the case its original opened. A batch is one SQLite
 * transaction; nothing about a message is printed until its batch has
 * committed and the log holding it is on disk, so no message is reported
 * done before it is durable. The disk sync runs behind the writer, on the
 * checkpointer's thread (checkpointer.c), while the next batch is stored;
 * committed messages wait in a queue, without their bytes, until it has
 * reached their commit. If a message fails to store, the batch is rolled
 * back and replayed one message per transaction, so one bad message costs
 * only itself. Memory stays bounded: at most a window of parsed messages is in
 * flight and a batch is cut at a byte budget.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

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
	/* options */
	RdMailbox mailbox;
	gboolean have_received_at;
	gint64 received_at;
	gboolean received_from_header; /* --received-at header */
	gboolean json, verbose, quiet;
	const RdConfig *cfg;
	RdStore *store;
	RdCasework *cw;
	RdIngest *ing;

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
	guint64 last_commit;
	GError *sync_error;    /* the log could not be synced: the run stops */
	guint unconfirmed;     /* settled but not confirmed on disk */

	/* where the main thread's time goes (log_level = debug) */
	double t_wait, t_store, t_commit;

	/* counters */
	guint seen, stored, new_cases, on_cases, triage, duplicates, new_routes;
	guint read_errors, store_errors;
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
		m = rd_message_parse(j->data, j->len, j->received_at, &c->cfg->limits);
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
	j->received_at = c->have_received_at ? c->received_at : now_seconds();
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
	c->read_errors++;
	fprintf(stderr, "redress: error: %s: %s; the file was skipped, fix it and run ingest again\n",
	        path, what);
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
			Job *j = job_new(c, "stdin", bytes, data ? data : "", len);
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
		g_autofree char *src = g_strconcat("file:", path, NULL);
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
			rd_source_mbox_split(j->path, j->data, j->len, on_mbox_message, &s);
			for (GList *l = c->front.head; l != NULL; l = l->next)
				g_thread_pool_push(c->pool, l->data, NULL);
			job_free(j);
			continue;
		}
		return j;
	}
}

static const char *
status_name(RdIngestStatus s)
{
	switch (s) {
	case RD_INGEST_STORED: return "stored";
	case RD_INGEST_DUPLICATE: return "duplicate";
	case RD_INGEST_NEW_ROUTE: return "new-route";
	}
	return "?";
}

static void
print_json(Ctx *c, const Job *j)
{
	const RdIngestResult *r = &j->result;
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "source");
	json_builder_add_string_value(b, j->source);
	json_builder_set_member_name(b, "status");
	json_builder_add_string_value(b, j->error ? "error" : status_name(r->status));
	if (j->error) {
		json_builder_set_member_name(b, "error");
		json_builder_add_string_value(b, j->error->message);
	}
#define STR_OR_NULL(name, v) do { json_builder_set_member_name(b, name); \
	if (v) json_builder_add_string_value(b, v); else json_builder_add_null_value(b); } while (0)
	STR_OR_NULL("message_id", j->error ? (j->msg ? j->msg->message_id : NULL) : r->message_id);
	STR_OR_NULL("case", r->case_ref);
	STR_OR_NULL("kind", r->kind);
	STR_OR_NULL("via", r->via);
	STR_OR_NULL("reason", r->reason);
	STR_OR_NULL("problem", r->problem);
#undef STR_OR_NULL
	json_builder_set_member_name(b, "triage");
	json_builder_add_boolean_value(b, r->triage);
	json_builder_set_member_name(b, "new_case");
	json_builder_add_boolean_value(b, r->new_case);
	json_builder_end_object(b);
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	g_autofree char *s = json_to_string(root, FALSE);
	printf("%s\n", s);
}

static void
print_line(Ctx *c, const Job *j)
{
	const RdIngestResult *r = &j->result;
	if (j->error) {
		printf("%-6s %s: %s\n", "ERROR", j->source, j->error->message);
		return;
	}
	const char *what;
	if (r->status == RD_INGEST_DUPLICATE)
		what = "already ingested, nothing changed";
	else if (r->status == RD_INGEST_NEW_ROUTE)
		what = "already ingested; route through this mailbox recorded";
	else if (r->new_case)
		what = "new case";
	else if (r->triage)
		what = "triage";
	else
		what = r->kind;
	printf("%-16s %-15s %s\n    %s\n    %s\n", r->case_ref ? r->case_ref : "-", what, j->source,
	       r->reason ? r->reason : "", r->message_id ? r->message_id : "(no Message-ID)");
}

static void
report(Ctx *c, Job *j)
{
	c->seen++;
	if (j->error) {
		c->store_errors++;
		fprintf(stderr, "redress: error: %s: could not be stored: %s\n", j->source, j->error->message);
	} else {
		const RdIngestResult *r = &j->result;
		switch (r->status) {
		case RD_INGEST_STORED:
			c->stored++;
			if (r->new_case)
				c->new_cases++;
			else if (r->case_ref)
				c->on_cases++;
			if (r->triage)
				c->triage++;
			break;
		case RD_INGEST_DUPLICATE:
			c->duplicates++;
			break;
		case RD_INGEST_NEW_ROUTE:
			c->new_routes++;
			break;
		}
	}
	if (c->json)
		print_json(c, j);
	else if (c->verbose)
		print_line(c, j);
}

static gboolean
store_one(Ctx *c, Job *j, GError **error)
{
	/* Importing an archive: the Date header is the best record of when
	 * the council received it; a message without one keeps "now". */
	if (c->received_from_header && j->msg->date_from_header)
		j->received_at = j->msg->date;
	gint64 t0 = g_get_monotonic_time();
	gboolean ok = rd_ingest_message(c->ing, j->data, j->len, j->msg, c->mailbox, j->received_at,
	                                j->source, &j->result, error);
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
			c->unconfirmed++;
		job_free(j);
	}
	if (c->sync_error == NULL)
		c->sync_error = why;
	else
		g_error_free(why);
}

/* Report, in input order, the settled messages whose commit is on disk;
 * with @wait, all of them, waiting for the disk. FALSE once the log could
 * not be synced (c->sync_error): see give_up_unreported. */
static gboolean
report_durable(Ctx *c, gboolean wait)
{
	guint64 durable = 0;
	GError *err = NULL;
	if (c->sync_error != NULL)
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
 * or the log could not be synced (c->sync_error, @error not set). */
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

static int
run(Ctx *c)
{
	g_autoptr(GError) err = NULL;
	guint threads = c->cfg->parse_threads ? c->cfg->parse_threads : g_get_num_processors();
	c->max_inflight = MAX(8, threads * 16);
	c->pool = g_thread_pool_new(parse_worker, c, (gint)threads, FALSE, &err);
	if (c->pool == NULL) {
		fprintf(stderr, "redress: error: cannot start parser threads: %s\n", err->message);
		return RD_EXIT_INTERNAL;
	}
	g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func((GDestroyNotify)job_free);
	gsize batch_bytes = 0;
	g_autoptr(GTimer) timer = g_timer_new();
	gboolean failed = FALSE;
	int rc = RD_EXIT_OK;
	Job *j;

	while ((j = next_parsed(c)) != NULL) {
		if (batch->len == 0) {
			rd_checkpointer_before_begin(c->ckpt);
			if (!rd_store_begin(c->store, &err)) {
				fprintf(stderr, "redress: error: the database is not usable: %s\n", err->message);
				job_free(j);
				rc = RD_EXIT_INTERNAL;
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
				if (err != NULL)
					fprintf(stderr, "redress: error: the database is not usable: %s\n", err->message);
				rc = RD_EXIT_INTERNAL;
				break;
			}
		}
	}
	if (rc == RD_EXIT_OK && batch->len > 0 && !flush_batch(c, batch, failed, &err)) {
		if (err != NULL)
			fprintf(stderr, "redress: error: the database is not usable: %s\n", err->message);
		rc = RD_EXIT_INTERNAL;
	}
	if (rc != RD_EXIT_OK) {
		rd_store_rollback(c->store);
		g_ptr_array_set_size(batch, 0);
	}
	/* What was committed is reported once it is on disk, even after a
	 * fatal error later on. */
	if (!report_durable(c, TRUE)) {
		fprintf(stderr, "redress: error: %s; %u message%s could not be confirmed on disk, so %s "
		        "not reported as stored and may not survive a power cut: check the disk (and the "
		        "system log), then run ingest again (what is already stored is skipped)\n",
		        c->sync_error->message, c->unconfirmed, c->unconfirmed == 1 ? "" : "s",
		        c->unconfirmed == 1 ? "it is" : "they are");
		rc = RD_EXIT_INTERNAL;
	}

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
	return rc;
}

static void
print_summary(Ctx *c)
{
	if (c->quiet)
		return;
	FILE *out = c->json ? stderr : stdout;
	fprintf(out, "ingested %u message%s: %u stored (%u new case%s, %u on existing cases, %u in triage)",
	        c->seen, c->seen == 1 ? "" : "s", c->stored, c->new_cases, c->new_cases == 1 ? "" : "s",
	        c->on_cases, c->triage);
	if (c->duplicates)
		fprintf(out, ", %u already ingested (nothing changed)", c->duplicates);
	if (c->new_routes)
		fprintf(out, ", %u already ingested through another mailbox (route recorded)", c->new_routes);
	guint errors = c->read_errors + c->store_errors + c->unconfirmed;
	if (errors)
		fprintf(out, ", %u error%s", errors, errors == 1 ? "" : "s");
	fprintf(out, "\n");
	if (c->triage && !c->json)
		fprintf(out, "see them with: redress triage\n");
}

int
rd_cmd_ingest(const RdGlobalOptions *g, int argc, char **argv)
{
	g_autofree char *mailbox = NULL;
	g_autofree char *received = NULL;
	gboolean verbose = FALSE;
	gboolean no_letters = FALSE;
	GOptionEntry entries[] = {
		{ "mailbox", 'm', 0, G_OPTION_ARG_STRING, &mailbox,
		  "Mailbox the mail was delivered to: complaints (default), stage2, chief-executive, monitoring-officer", "ROLE" },
		{ "received-at", 0, 0, G_OPTION_ARG_STRING, &received,
		  "When the council received it: ISO 8601, or 'header' for each message's Date (default: now)", "TIME" },
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Print a line for every message", NULL },
		{ "no-letters", 0, 0, G_OPTION_ARG_NONE, &no_letters,
		  "Import: record cases and deadlines but queue no letters (for old mail)", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("PATH... — store messages and file them on cases");
	g_option_context_set_summary(oc,
		"PATH is an .eml file, a folder of message files, a Maildir, an mbox, or - for one message on standard input.");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err)) {
		fprintf(stderr, "redress ingest: %s (see redress ingest --help)\n", err->message);
		return RD_EXIT_USAGE;
	}
	if (argc < 2) {
		fprintf(stderr, "redress ingest: give at least one PATH (an .eml file, a folder, a Maildir or an mbox)\n");
		return RD_EXIT_USAGE;
	}

	Ctx c = { 0 };
	c.mailbox = RD_MAILBOX_COMPLAINTS;
	if (mailbox && !rd_mailbox_from_string(mailbox, &c.mailbox)) {
		fprintf(stderr, "redress ingest: unknown mailbox '%s'; use complaints, stage2, chief-executive or monitoring-officer\n",
		        mailbox);
		return RD_EXIT_USAGE;
	}
	if (received && strcmp(received, "header") == 0) {
		c.received_from_header = TRUE;
	} else if (received) {
		if (!rd_time_parse(received, &c.received_at)) {
			fprintf(stderr, "redress ingest: --received-at '%s' is not a time; use ISO 8601, e.g. 2026-11-20T16:30:00Z\n",
			        received);
			return RD_EXIT_USAGE;
		}
		c.have_received_at = TRUE;
	}
	c.json = g->json;
	c.verbose = verbose;
	c.quiet = g->quiet;

	/* Check every path before storing anything: a typo should not leave
	 * half a run behind. */
	c.files = g_ptr_array_new_with_free_func(g_free);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			g_ptr_array_add(c.files, g_strdup("-"));
			continue;
		}
		g_autoptr(GError) lerr = NULL;
		guint unreadable = 0;
		g_autoptr(GPtrArray) list = rd_source_list(argv[i], &unreadable, &lerr);
		if (list == NULL) {
			fprintf(stderr, "redress ingest: %s\n", lerr->message);
			g_ptr_array_unref(c.files);
			return RD_EXIT_USAGE;
		}
		for (guint k = 0; k < list->len; k++)
			g_ptr_array_add(c.files, g_strdup(list->pdata[k]));
		/* Named on stderr already; counted so the run says it and
		 * exits 1. */
		c.read_errors += unreadable;
	}

	RdConfig *cfg = NULL;
	RdStore *store = NULL;
	int rc = rd_open_config_and_store(g, &cfg, &store, &c.db_path);
	if (rc != RD_EXIT_OK) {
		g_ptr_array_unref(c.files);
		return rc;
	}
	c.cfg = cfg;
	c.store = store;
	c.cw = rd_casework_new(store, cfg, &err);
	if (c.cw == NULL) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		/* Configuration (templates, profiles) is the user's to fix;
		 * anything else (database, damaged key) is ours. */
		rc = err->domain == RD_CONFIG_ERROR || err->domain == RD_TEMPLATE_ERROR ||
		     err->domain == RD_PROFILE_ERROR || err->domain == G_FILE_ERROR
		     ? RD_EXIT_USAGE : RD_EXIT_INTERNAL;
	} else {
		rd_casework_set_letters(c.cw, !no_letters);
		c.ing = rd_ingest_new(c.cw);
		g_mutex_init(&c.lock);
		g_cond_init(&c.cond);
		c.ckpt = rd_checkpointer_start(store, c.db_path, TRUE);
		rc = run(&c);
		rd_checkpointer_stop(c.ckpt);
		g_mutex_clear(&c.lock);
		g_cond_clear(&c.cond);
		print_summary(&c);
		if (rc == RD_EXIT_OK && c.store_errors)
			rc = RD_EXIT_INTERNAL;
		else if (rc == RD_EXIT_OK && c.read_errors)
			rc = RD_EXIT_USAGE;
	}
	fflush(stdout);
	g_clear_error(&c.sync_error);
	rd_ingest_free(c.ing);
	rd_casework_free(c.cw);
	g_ptr_array_unref(c.files);
	g_free(c.db_path);
	rd_store_close(store);
	rd_config_free(cfg);
	return rc;
}
