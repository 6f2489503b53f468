/*
 * fetch.c — the fetch pass: new mail from one IMAP mailbox into the case
 * file (`redress fetch` runs it once per mailbox, the daemon's watchers
 * after each wait).
 *
 * For one mailbox, in order:
 *
 *   1. take the session the caller opened (rd_imap_open: TLS verified,
 *      LOGIN, SELECT); the pass never opens or closes one;
 *   2. read the cursor (UIDVALIDITY, last UID) from the store; a different
 *      UIDVALIDITY means the server renumbered the folder, so start again
 *      from UID 1 and let dedupe absorb what is already stored;
 *   3. finish what a crash left behind: a message at or below the cursor
 *      that is still in the folder (or, with keep_in_place, still lacks
 *      the keyword) was committed but not moved — move or flag it now;
 *   4. fetch the UIDs above the cursor in batches of FETCH_BATCH; the
 *      batches fetched so far (up to TXN_MESSAGES) are ONE transaction
 *      with the messages, their cases and letters, and the cursor; only
 *      after the commit are they moved (or flagged), and redress's own
 *      self-test mail, which intake only notes (selftest.c), removed —
 *      or, on a server without UIDPLUS, moved like the rest. The next batches
 *      are fetched and parsed on a second thread while these are stored
 *      (see "the fetch thread" below).
 *
 * So a crash anywhere leads to a re-fetch at worst, never to a loss or a
 * duplicate. rd_fetch_pass() is one such pass over an open session; the
 * command runs it once per mailbox, the daemon's watchers after each wait. One mailbox failing (wrong password, server down) is reported
 * and the others still run; the exit status reflects the failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "inbound/inbound.h"

#define FETCH_BATCH 64      /* messages per UID FETCH */
#define TXN_MESSAGES 256    /* at most this many, and */
#define TXN_BYTES (16u << 20) /* about this many bytes, per transaction */

typedef struct {
	const RdConfig *cfg;
	RdStore *store;
	RdIngest *ing;
	RdCheckpointer *ckpt;         /* background checkpoints, or NULL */
	RdJournal *journal;           /* notes what the fetch thread parses, or NULL */
	GHashTable *quarantined;      /* sources not to parse (read-only in the pass) */
	gboolean crash_after_commit;  /* REDRESS_TEST_CRASH=after-commit */
	RdFetchCommitFunc on_commit;  /* told after each commit that stored mail, or NULL */
	gpointer on_commit_data;
	RdFetchCounts *n;
} Ctx;

/* One UID FETCH's worth of messages on its way from the network to the
 * store: fetched and parsed by the fetch thread, stored by the caller's
 * thread in one transaction with the cursor at @last_uid. */
typedef struct {
	GPtrArray *msgs;         /* RdImapMessage*, in UID order (owned) */
	RdMessage **parsed;      /* one per message (owned) */
	gint64 *received;        /* one per message: INTERNALDATE or fetch time */
	guint32 last_uid;        /* the batch's highest UID asked for */
} Batch;

static void
batch_free(Batch *b)
{
	if (b == NULL)
		return;
	for (guint i = 0; b->parsed != NULL && i < b->msgs->len; i++)
		rd_message_free(b->parsed[i]);
	g_free(b->parsed);
	g_free(b->received);
	g_ptr_array_unref(b->msgs);
	g_free(b);
}

/* Store the batches of @group (Batch*) and move the cursor to the last
 * one's last UID, in one transaction. The UIDs of self-test mail go into
 * @selftest_uids, to be removed rather than moved. FALSE: nothing of the
 * group was written. */
static gboolean
store_group(Ctx *c, const char *role, RdMailbox mailbox, guint32 uidvalidity, GPtrArray *group,
            GArray *selftest_uids, GError **error)
{
	guint total = 0;
	for (guint k = 0; k < group->len; k++)
		total += ((Batch *)group->pdata[k])->msgs->len;
	g_autofree RdIngestResult *results = g_new0(RdIngestResult, total ? total : 1);
	gsize bytes = 0;
	rd_checkpointer_before_begin(c->ckpt);
	gboolean ok = rd_store_begin(c->store, error);
	guint done = 0;
	for (guint k = 0; ok && k < group->len; k++) {
		Batch *b = group->pdata[k];
		for (guint i = 0; ok && i < b->msgs->len; i++, done++) {
			RdImapMessage *m = b->msgs->pdata[i];
			gsize len = 0;
			const char *data = g_bytes_get_data(m->data, &len);
			bytes += len;
			g_autofree char *source = g_strdup_printf("imap:%s:%u:%u", role, uidvalidity, m->uid);
			ok = rd_ingest_message(c->ing, data, len, b->parsed[i], mailbox, b->received[i], source,
			                       &results[done], error) &&
			     rd_journal_parsed(c->quarantined, c->store, source, error);
			if (!ok)
				g_prefix_error(error, "mailbox %s: storing uid %u: ", role, m->uid);
		}
	}
	Batch *last = group->pdata[group->len - 1];
	if (ok)
		ok = rd_store_cursor_set(c->store, role, uidvalidity, last->last_uid, error) &&
		     rd_store_commit(c->store, error);
	if (!ok)
		rd_store_rollback(c->store);
	if (ok) {
		rd_checkpointer_committed(c->ckpt, bytes);
		guint at = 0;
		for (guint k = 0; k < group->len; k++) {
			Batch *b = group->pdata[k];
			for (guint i = 0; i < b->msgs->len; i++, at++) {
				RdImapMessage *m = b->msgs->pdata[i];
				RdIngestResult *r = &results[at];
				c->n->fetched++;
				if (r->status == RD_INGEST_SELFTEST) {
					rd_log_info("selftest mail=seen mailbox=%s uid=%u (redress's own test "
					            "mail: noted, filed nowhere, removed)", role, m->uid);
					g_array_append_val(selftest_uids, m->uid);
					c->n->selftests++;
					continue;
				}
				const char *status = r->status == RD_INGEST_STORED ? "stored" :
				                     r->status == RD_INGEST_DUPLICATE ? "duplicate" : "new-route";
				rd_log_info("ingested mailbox=%s uid=%u case=%s kind=%s status=%s", role, m->uid,
				            r->case_ref ? r->case_ref : "-", r->kind ? r->kind : "-", status);
				if (r->status == RD_INGEST_STORED)
					c->n->stored++;
				else if (r->status == RD_INGEST_DUPLICATE)
					c->n->duplicates++;
				else
					c->n->new_routes++;
			}
		}
	}
	for (guint i = 0; i < done; i++)
		rd_ingest_result_clear(&results[i]);
	return ok;
}

/* After a commit: the caller hears of new mail (its letters are committed
 * with it) before the moves, which can wait. */
static void
told_committed(Ctx *c, guint stored_before)
{
	if (c->on_commit != NULL && c->n->stored > stored_before)
		c->on_commit(c->n, c->on_commit_data);
}

/* ---- the fetch thread ------------------------------------------------------
 *
 * The network and the parser run on a thread of their own while the
 * caller's thread stores: while batch k is being written and committed,
 * batch k+1 is fetched and parsed. The session is used by that thread
 * alone for the whole pass, so the moves (or flags) are made there too:
 * the writer hands over the UIDs of each batch only after its commit, and
 * the fetch thread finishes them between fetches. A move therefore still
 * never comes before the commit of its message and the cursor; a crash in
 * between leaves committed mail in place, which the next pass finishes
 * (step 3 above). */

#define AHEAD 4              /* batches fetched but not yet stored */

typedef struct {
	Ctx *c;
	RdImap *s;
	const char *role;
	const RdMailboxConfig *mc;
	guint32 uidvalidity;
	const guint32 *uids;
	guint n_uids;
	const gint *stop;

	GMutex lock;
	GCond cond;
	GQueue ready;            /* Batch*, fetched and parsed, in UID order */
	GArray *to_finish;       /* UIDs committed, not yet moved or flagged */
	GArray *to_remove;       /* self-test mail committed, not yet removed */
	gboolean fetch_done;     /* the fetch thread will add no more batches */
	gboolean writer_done;    /* the writer will commit no more */
	GError *fetch_error;     /* why fetching or finishing stopped */
} Pipe;

/* Committed UIDs wait to be moved, flagged or removed. Under the lock. */
static gboolean
committed_waiting(const Pipe *p)
{
	return p->to_finish->len > 0 || p->to_remove->len > 0;
}

/* Move or flag what the writer has committed so far, and remove the
 * self-test mail. Called by the fetch thread without the lock held. FALSE
 * (and pipe->fetch_error) on error. */
static gboolean
finish_committed(Pipe *p)
{
	g_mutex_lock(&p->lock);
	GArray *uids = p->to_finish;
	GArray *ours = p->to_remove;
	p->to_finish = g_array_new(FALSE, FALSE, sizeof(guint32));
	p->to_remove = g_array_new(FALSE, FALSE, sizeof(guint32));
	g_mutex_unlock(&p->lock);
	GError *err = NULL;
	gboolean ok = rd_imap_finish(p->s, (guint32 *)(void *)uids->data, uids->len, &err) &&
	              rd_imap_remove(p->s, (guint32 *)(void *)ours->data, ours->len, &err);
	g_array_unref(uids);
	g_array_unref(ours);
	if (!ok) {
		g_mutex_lock(&p->lock);
		p->fetch_error = err;
		g_mutex_unlock(&p->lock);
	}
	return ok;
}

/* Fetch and parse one batch (@n UIDs from @chunk) and queue it for the
 * writer. FALSE (and pipe->fetch_error) when the fetch failed. */
static gboolean
fetch_one(Pipe *p, const guint32 *chunk, guint n)
{
	GError *err = NULL;
	GPtrArray *msgs = rd_imap_fetch(p->s, chunk, n, &err);
	if (msgs == NULL) {
		g_mutex_lock(&p->lock);
		p->fetch_error = err;
		g_mutex_unlock(&p->lock);
		return FALSE;
	}
	if (msgs->len < n)
		rd_log_warn("imap mailbox=%s missing=%u (removed from the server while fetching)", p->role,
		            n - msgs->len);
	Batch *b = g_new0(Batch, 1);
	b->msgs = msgs;
	b->last_uid = chunk[n - 1];
	b->parsed = g_new0(RdMessage *, msgs->len ? msgs->len : 1);
	b->received = g_new0(gint64, msgs->len ? msgs->len : 1);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	for (guint i = 0; i < msgs->len; i++) {
		RdImapMessage *m = msgs->pdata[i];
		gsize len = 0;
		const char *bytes = g_bytes_get_data(m->data, &len);
		b->received[i] = m->internal_date > 0 ? m->internal_date : now;
		/* The same source string the message is stored under. */
		g_autofree char *source = g_strdup_printf("imap:%s:%u:%u", p->role, p->uidvalidity, m->uid);
		b->parsed[i] = rd_journal_parse(p->c->journal, p->c->quarantined, source, bytes, len,
		                                b->received[i], &p->c->cfg->limits);
	}
	g_mutex_lock(&p->lock);
	g_queue_push_tail(&p->ready, b);
	g_cond_broadcast(&p->cond);
	g_mutex_unlock(&p->lock);
	return TRUE;
}

static gpointer
fetch_thread(gpointer data)
{
	Pipe *p = data;
	guint off = 0;
	while (off < p->n_uids) {
		/* Wait for room ahead of the writer, or for something to move. */
		g_mutex_lock(&p->lock);
		while (g_queue_get_length(&p->ready) >= AHEAD && !p->writer_done && !committed_waiting(p))
			g_cond_wait(&p->cond, &p->lock);
		gboolean writer_done = p->writer_done;
		gboolean room = g_queue_get_length(&p->ready) < AHEAD;
		g_mutex_unlock(&p->lock);
		if (!finish_committed(p) || writer_done)
			break;
		/* Stopping: what is fetched is committed and moved; the rest
		 * waits on the server for the next run. */
		if (p->stop != NULL && g_atomic_int_get(p->stop))
			break;
		if (!room)
			continue;
		guint n = MIN(FETCH_BATCH, p->n_uids - off);
		if (!fetch_one(p, p->uids + off, n))
			break;
		off += n;
	}

	/* No more batches: keep finishing what the writer commits until it is
	 * done. Once the session has failed, what is committed stays in place
	 * for the next pass to finish. */
	g_mutex_lock(&p->lock);
	p->fetch_done = TRUE;
	g_cond_broadcast(&p->cond);
	for (;;) {
		while (!p->writer_done && !committed_waiting(p))
			g_cond_wait(&p->cond, &p->lock);
		gboolean last = p->writer_done;
		if (p->fetch_error != NULL) {
			g_array_set_size(p->to_finish, 0);
			g_array_set_size(p->to_remove, 0);
		}
		gboolean any = committed_waiting(p);
		g_mutex_unlock(&p->lock);
		if (any)
			finish_committed(p);
		g_mutex_lock(&p->lock);
		if (last && (!committed_waiting(p) || p->fetch_error != NULL))
			break;
	}
	g_mutex_unlock(&p->lock);
	return NULL;
}

static gboolean fetch_pass(Ctx *c, RdImap *s, RdMailbox mailbox, const gint *stop,
                           gboolean *store_broken_r, GError **error);

gboolean
rd_fetch_pass(RdStore *store, RdIngest *ing, const RdConfig *cfg, RdImap *s, RdMailbox mailbox,
              RdCheckpointer *ckpt, RdJournal *journal, const gint *stop, RdFetchCounts *counts_r,
              gboolean *store_broken_r, GError **error)
{
	return rd_fetch_pass_notify(store, ing, cfg, s, mailbox, ckpt, journal, stop, NULL, NULL, counts_r,
	                            store_broken_r, error);
}

gboolean
rd_fetch_pass_notify(RdStore *store, RdIngest *ing, const RdConfig *cfg, RdImap *s, RdMailbox mailbox,
                     RdCheckpointer *ckpt, RdJournal *journal, const gint *stop,
                     RdFetchCommitFunc on_commit, gpointer user_data, RdFetchCounts *counts_r,
                     gboolean *store_broken_r, GError **error)
{
	g_return_val_if_fail(store != NULL && ing != NULL && s != NULL && counts_r != NULL, FALSE);
	Ctx c = { 0 };
	c.cfg = cfg;
	c.on_commit = on_commit;
	c.on_commit_data = user_data;
	c.store = store;
	c.ing = ing;
	c.ckpt = ckpt;
	c.journal = journal;
	const char *crash = g_getenv("REDRESS_TEST_CRASH");
	c.crash_after_commit = crash != NULL && strcmp(crash, "after-commit") == 0;
	c.n = counts_r;
	memset(counts_r, 0, sizeof *counts_r);
	*store_broken_r = FALSE;
	/* Messages that crashed an earlier run are not parsed again. */
	g_autoptr(GHashTable) quarantined = rd_journal_quarantined(store, error);
	if (quarantined == NULL) {
		*store_broken_r = TRUE;
		return FALSE;
	}
	c.quarantined = quarantined;
	return fetch_pass(&c, s, mailbox, stop, store_broken_r, error);
}

/* Steps 2 and 3: the cursor (reset on a new UIDVALIDITY) into *@last_r,
 * then the moves (or flags) a crash left undone. */
static gboolean
resume(Ctx *c, RdImap *s, const char *role, const RdMailboxConfig *mc, guint32 uidvalidity,
       guint32 *last_r, gboolean *store_broken_r, GError **error)
{
	guint32 known_validity = 0, last = 0;
	gboolean found = FALSE;
	if (!rd_store_cursor_get(c->store, role, &found, &known_validity, &last, error)) {
		*store_broken_r = TRUE;
		return FALSE;
	}
	if (!found || known_validity != uidvalidity) {
		if (found)
			rd_log_warn("imap mailbox=%s uidvalidity=%u was=%u resync=yes (already stored mail is "
			            "recognised, not duplicated)", role, uidvalidity, known_validity);
		last = 0;
		if (!rd_store_cursor_set(c->store, role, uidvalidity, 0, error)) {
			*store_broken_r = TRUE;
			return FALSE;
		}
	}
	*last_r = last;
	if (last == 0)
		return TRUE;
	/* Committed before a crash, but still waiting for its move or flag. */
	g_autoptr(GArray) pending = rd_imap_search(s, 1, last, mc->keep_in_place, error);
	if (pending == NULL)
		return FALSE;
	if (pending->len > 0) {
		rd_log_info("imap mailbox=%s finishing=%u (committed earlier, not yet %s)", role,
		            pending->len, mc->keep_in_place ? "flagged" : "moved");
		if (!rd_imap_finish(s, (guint32 *)(void *)pending->data, pending->len, error))
			return FALSE;
	}
	return TRUE;
}

/* The next group for the writer: the batches that are ready, up to
 * TXN_MESSAGES / TXN_BYTES, waiting only when none is. Fewer, larger
 * commits than one per UID FETCH, without holding mail back. Empty once
 * the fetch thread is done. */
static void
take_ready(Pipe *p, GPtrArray *group)
{
	guint n = 0;
	gsize bytes = 0;
	g_mutex_lock(&p->lock);
	while (g_queue_is_empty(&p->ready) && !p->fetch_done)
		g_cond_wait(&p->cond, &p->lock);
	Batch *b;
	while (n < TXN_MESSAGES && bytes < TXN_BYTES && (b = g_queue_pop_head(&p->ready)) != NULL) {
		g_ptr_array_add(group, b);
		n += b->msgs->len;
		for (guint i = 0; i < b->msgs->len; i++)
			bytes += g_bytes_get_size(((RdImapMessage *)b->msgs->pdata[i])->data);
	}
	g_cond_broadcast(&p->cond);   /* room for the next batches */
	g_mutex_unlock(&p->lock);
}

/* After its commit: the group's UIDs go to the fetch thread to be moved,
 * or for redress's own self-test mail (@ours) removed. */
static void
hand_over(Pipe *p, GPtrArray *group, GArray *ours)
{
	g_mutex_lock(&p->lock);
	for (guint k = 0; k < group->len; k++) {
		Batch *gb = group->pdata[k];
		for (guint i = 0; i < gb->msgs->len; i++) {
			guint32 uid = ((RdImapMessage *)gb->msgs->pdata[i])->uid;
			gboolean selftest = FALSE;
			for (guint j = 0; j < ours->len && !selftest; j++)
				selftest = g_array_index(ours, guint32, j) == uid;
			g_array_append_val(selftest ? p->to_remove : p->to_finish, uid);
		}
	}
	g_cond_broadcast(&p->cond);
	g_mutex_unlock(&p->lock);
	g_ptr_array_set_size(group, 0);
}

/* The writer's side of the pass: store each group in one transaction
 * with the cursor, then hand it over. FALSE with @error (and
 * *@store_broken_r) when the store failed. */
static gboolean
write_groups(Ctx *c, Pipe *p, RdMailbox mailbox, gboolean *store_broken_r, GError **error)
{
	double t_wait = 0, t_store = 0;   /* where the writer's time goes (debug) */
	g_autoptr(GPtrArray) group = g_ptr_array_new_with_free_func((GDestroyNotify)batch_free);
	g_autoptr(GArray) ours = g_array_new(FALSE, FALSE, sizeof(guint32));
	gboolean ok = TRUE;
	for (;;) {
		gint64 t0 = g_get_monotonic_time();
		take_ready(p, group);
		gint64 t1 = g_get_monotonic_time();
		t_wait += (double)(t1 - t0) / G_USEC_PER_SEC;
		if (group->len == 0)
			break;
		g_array_set_size(ours, 0);
		guint stored_before = c->n->stored;
		gboolean stored = store_group(c, p->role, mailbox, p->uidvalidity, group, ours, error);
		t_store += (double)(g_get_monotonic_time() - t1) / G_USEC_PER_SEC;
		if (!stored) {
			*store_broken_r = TRUE;
			ok = FALSE;
			break;
		}
		if (c->crash_after_commit) {
			/* Fault injection for the tests: die between the commit
			 * and the move, as a power cut would. */
			fflush(NULL);
			_exit(3);
		}
		told_committed(c, stored_before);
		hand_over(p, group, ours);
	}
	rd_log_debug("fetch timing mailbox=%s: waited %.2f s for the network and parser, stored and "
	             "committed %.2f s", p->role, t_wait, t_store);
	return ok;
}

static gboolean
fetch_pass(Ctx *c, RdImap *s, RdMailbox mailbox, const gint *stop, gboolean *store_broken_r,
           GError **error)
{
	const char *role = rd_mailbox_to_string(mailbox);
	const RdMailboxConfig *mc = &c->cfg->mailboxes[mailbox];
	guint32 uidvalidity = rd_imap_uidvalidity(s);
	guint32 last = 0;
	if (!resume(c, s, role, mc, uidvalidity, &last, store_broken_r, error))
		return FALSE;

	g_autoptr(GArray) uids = rd_imap_search(s, last + 1, 0, FALSE, error);
	if (uids == NULL)
		return FALSE;
	c->n->found = uids->len;
	if (uids->len == 0)
		return TRUE;

	Pipe p = { 0 };
	p.c = c;
	p.s = s;
	p.role = role;
	p.mc = mc;
	p.uidvalidity = uidvalidity;
	p.uids = &g_array_index(uids, guint32, 0);
	p.n_uids = uids->len;
	p.stop = stop;
	p.to_finish = g_array_new(FALSE, FALSE, sizeof(guint32));
	p.to_remove = g_array_new(FALSE, FALSE, sizeof(guint32));
	g_mutex_init(&p.lock);
	g_cond_init(&p.cond);
	GThread *t = g_thread_new("fetch", fetch_thread, &p);

	GError *werr = NULL;
	write_groups(c, &p, mailbox, store_broken_r, &werr);
	g_mutex_lock(&p.lock);
	p.writer_done = TRUE;
	g_cond_broadcast(&p.cond);
	g_mutex_unlock(&p.lock);
	g_thread_join(t);

	/* Fetched after a failure, never stored: they stay on the server. */
	Batch *b;
	while ((b = g_queue_pop_head(&p.ready)) != NULL)
		batch_free(b);
	g_array_unref(p.to_finish);
	g_array_unref(p.to_remove);
	g_mutex_clear(&p.lock);
	g_cond_clear(&p.cond);
	if (werr != NULL) {
		g_clear_error(&p.fetch_error);
		g_propagate_error(error, werr);
		return FALSE;
	}
	if (p.fetch_error != NULL) {
		g_propagate_error(error, p.fetch_error);
		return FALSE;
	}
	return TRUE;
}
