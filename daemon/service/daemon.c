/*
 * daemon.c — the long-running service behind `redress daemon`.
 *
 * The work is the same as the one-shot commands do; this file only runs it
 * on timers, in threads that each hold their own database connection
 * (SQLite connections are never shared between threads):
 *
 *   watcher (one per [mailbox:ROLE] with an imap_url)
 *       its own IMAP session: rd_fetch_pass(), then wait for new mail with
 *       IDLE (re-issued before the 29-minute limit) or, where the server
 *       has no IDLE or [daemon] idle = false, a poll every poll_interval
 *       seconds; on any failure the session is dropped and opened again
 *       after a backoff of 5 s doubling to 5 min, with jitter. One broken
 *       mailbox never stops another.
 *   sender
 *       rd_outbox_send() every send_interval seconds, and at once when a
 *       watcher or the sweep has queued letters (a GAsyncQueue wakes it).
 *   sweep
 *       rd_sweep_run() at start and every sweep_interval seconds, then
 *       the oversight reports that are due (rd_reports_run, reports.c).
 *   selftest (once per generation, with [smtp] url and a complaints
 *       imap_url, once the watchers have made their first attempt)
 *       rd_selftest_run() (selftest.c): does mail to a case's reply address
 *       reach the complaints mailbox? One log line with the answer, kept
 *       for `redress status`. A thread of its own, so a slow server holds
 *       up nothing else; its own test mail, if the complaints watcher
 *       fetches it first, is filed nowhere (inbound/selftest.c).
 *
 * The main thread runs a GMainLoop: signals (SIGTERM/SIGINT stop, SIGHUP
 * reloads), the heartbeat that `redress status` reads, and sd_notify
 * (READY once every watcher has made its first attempt, STATUS after each
 * cycle, WATCHDOG at half of WatchdogSec). Without systemd sd_notify does
 * nothing.
 *
 * A "generation" is one configuration's set of threads. Stopping one sets
 * its stop flag, makes its eventfd readable (which ends any IMAP wait or
 * backoff at once) and pushes a stop token to the sender and sweep queues;
 * each thread finishes the batch or letter in hand — whose transaction
 * commits or rolls back whole — closes its session and returns. SIGHUP
 * loads and checks the new configuration first, and only if it is good
 * stops the running generation and starts another with it.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <curl/curl.h>
#include <glib-unix.h>
#include <systemd/sd-daemon.h>
#include "service/service.h"

#define BACKOFF_MIN_S   5
#define BACKOFF_MAX_S   300
#define IDLE_WAIT_S     (25 * 60)   /* rd_imap_wait re-issues IDLE within this */
#define HEARTBEAT_S     10          /* `redress status` calls a daemon gone after 3 */
#define SELFTEST_S      60          /* as long as `redress selftest` waits by default */

typedef struct _Daemon Daemon;
typedef struct _Generation Generation;

typedef struct {
	Generation *gen;
	RdMailbox mailbox;
	const char *role;
	GThread *thread;
	gboolean tried;          /* made its first connection attempt */
	RdMailboxStatus st;      /* written by the watcher, read by main under gen->lock */
} Watcher;

struct _Generation {
	Daemon *d;
	RdConfig *cfg;           /* owned; immutable while the threads run */
	gint stop;               /* atomic: stop taking new work */
	int wake_fd;             /* eventfd, readable once stopping */
	Watcher watchers[RD_MAILBOX_N];
	guint n_watchers;
	gint first_attempts;     /* atomic: watchers past their first connection attempt */
	GThread *sender, *sweeper, *selftest;
	GAsyncQueue *send_q, *sweep_q;  /* WAKE or STOP tokens */
	GMutex lock;             /* the watchers' st, for the summary line */
	gint64 last_sweep;       /* under lock */
	RdSendCounts sent;       /* under lock: totals since this generation started */
};

struct _Daemon {
	const char *config_path; /* reloaded on SIGHUP; NULL = the defaults */
	const char *db_path;
	RdStore *store;          /* the main thread's connection */
	RdJournal *journal;      /* what each watcher is parsing (journal.c) */
	RdAlerts *alerts;        /* failing and working again, told by mail (alerts.c) */
	GMainLoop *loop;
	Generation *gen;
	gint64 started_at;
	gboolean ready;          /* READY=1 sent for the running generation */
	gint64 last_fetch[RD_MAILBOX_N]; /* carried over a reload, for `redress status` */
};

#define TOKEN_WAKE GINT_TO_POINTER(1)
#define TOKEN_STOP GINT_TO_POINTER(2)

static gboolean
stopping(Generation *gen)
{
	return g_atomic_int_get(&gen->stop) != 0;
}

/* Signals belong to the main thread's GMainLoop. */
static void
block_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* Sleep @seconds unless the generation stops first; FALSE if it did. */
static gboolean
pause_for(Generation *gen, guint seconds)
{
	gint64 until = g_get_monotonic_time() + (gint64)seconds * G_USEC_PER_SEC;
	while (!stopping(gen)) {
		gint64 left = until - g_get_monotonic_time();
		if (left <= 0)
			return TRUE;
		struct pollfd pfd = { .fd = gen->wake_fd, .events = POLLIN };
		poll(&pfd, 1, (int)MIN(left / 1000 + 1, G_MAXINT));
	}
	return FALSE;
}

static void notify_main(Daemon *d);

/* ---- watchers --------------------------------------------------------------- */



static void
watcher_save(Watcher *w, RdStore *store)
{
	Generation *gen = w->gen;
	g_mutex_lock(&gen->lock);
	w->st.updated_at = g_get_real_time() / G_USEC_PER_SEC;
	RdMailboxStatus copy = w->st;
	copy.last_error = g_strdup(w->st.last_error);
	g_mutex_unlock(&gen->lock);
	g_autoptr(GError) err = NULL;
	if (store != NULL && !rd_store_mailbox_status_set(store, &copy, &err))
		rd_log_warn("daemon mailbox=%s: cannot record its status: %s", w->role, err->message);
	g_free(copy.last_error);
	notify_main(gen->d);
}

/* The mailbox's condition for the alerts: "mailbox complaints". */
static void
watcher_alert(Watcher *w, gboolean ok, const char *what)
{
	g_autofree char *key = g_strconcat("mailbox ", w->role, NULL);
	if (ok)
		rd_alerts_ok(w->gen->d->alerts, key);
	else
		rd_alerts_failing(w->gen->d->alerts, key, what);
}

static void
watcher_failed(Watcher *w, RdStore *store, const char *what)
{
	g_mutex_lock(&w->gen->lock);
	w->st.connected = FALSE;
	g_free(w->st.last_error);
	w->st.last_error = g_strdup(what);
	w->st.last_error_at = g_get_real_time() / G_USEC_PER_SEC;
	g_mutex_unlock(&w->gen->lock);
	watcher_save(w, store);
}

/* Counted once per watcher, for READY=1. */
static void
mark_tried(Watcher *w)
{
	if (w->tried)
		return;
	w->tried = TRUE;
	g_atomic_int_inc(&w->gen->first_attempts);
	notify_main(w->gen->d);
}

/* The wait before reconnecting: @delay ± 20 %, so that mailboxes failing
 * together (the server restarted) do not all come back at once. */
static guint
jittered(guint delay)
{
	return (guint)(delay * g_random_double_range(0.8, 1.2) + 0.5);
}

/* A commit of the pass stored new mail, and the letters it queued with
 * it: the sender goes at once, while the pass moves that mail and goes on
 * with the rest. */
static void
wake_sender(const RdFetchCounts *counts, gpointer data)
{
	Generation *gen = data;
	g_async_queue_push(gen->send_q, TOKEN_WAKE);
}

/* One session: open, then fetch and wait until it fails or we stop.
 * TRUE if the session was opened and the database took the mail (the
 * backoff starts again, and a lost connection is opened again at once). */
static gboolean
watch_session(Watcher *w, RdStore *store, RdIngest *ing)
{
	Generation *gen = w->gen;
	const RdConfig *cfg = gen->cfg;
	g_autoptr(GError) err = NULL;
	g_autoptr(RdImap) s = rd_imap_open(&cfg->mailboxes[w->mailbox], w->role, &err);
	if (s == NULL) {
		rd_log_error("daemon mailbox=%s connected=no error=\"%s\"", w->role, err->message);
		watcher_failed(w, store, err->message);
		watcher_alert(w, FALSE, err->message);
		mark_tried(w);
		return FALSE;
	}
	rd_imap_set_wait(s, cfg->daemon.idle, gen->wake_fd);
	gboolean idle = cfg->daemon.idle && rd_imap_has_idle(s);
	rd_log_info("daemon mailbox=%s connected=yes wait=%s", w->role, idle ? "idle" : "poll");
	g_mutex_lock(&gen->lock);
	w->st.connected = TRUE;
	g_mutex_unlock(&gen->lock);
	watcher_save(w, store);
	mark_tried(w);

	while (!stopping(gen)) {
		RdFetchCounts n = { 0 };
		gboolean store_broken = FALSE;
		gboolean ok = rd_fetch_pass_notify(store, ing, cfg, s, w->mailbox, NULL, gen->d->journal, &gen->stop,
		                                   wake_sender, gen, &n, &store_broken, &err);
		if (!ok) {
			rd_log_error("daemon mailbox=%s fetch failed%s: %s", w->role,
			             store_broken ? " (the database)" : "", err->message);
			g_mutex_lock(&gen->lock);
			w->st.waiting = (gint64)n.found - (gint64)n.fetched;
			g_mutex_unlock(&gen->lock);
			watcher_failed(w, store, err->message);
			if (store_broken)
				rd_alerts_failing(gen->d->alerts, "database", err->message);
			else
				watcher_alert(w, FALSE, err->message);
			/* Connecting again does not cure a database that cannot
			 * take the mail (a full disk): wait with the backoff, or
			 * the watcher logs in, fetches and fails a dozen times a
			 * second (found by tests/faults/diskfull.sh). */
			return !store_broken;
		}
		watcher_alert(w, TRUE, NULL);
		rd_alerts_ok(gen->d->alerts, "database");
		g_mutex_lock(&gen->lock);
		w->st.last_fetch = g_get_real_time() / G_USEC_PER_SEC;
		w->st.waiting = (gint64)n.found - (gint64)n.fetched;
		g_mutex_unlock(&gen->lock);
		watcher_save(w, store);
		if (stopping(gen))
			break;
		/* Mail that came while the pass fetched and moved was told of
		 * in the answers to those commands (EXISTS), which libetpan
		 * takes in: the server has nothing new to say when IDLE starts,
		 * and that mail would wait for the next to arrive. So only a
		 * pass that found nothing leads to a wait; after any other, a
		 * new pass looks again. */
		if (n.fetched > 0)
			continue;
		gboolean new_mail = FALSE;
		if (!rd_imap_wait(s, idle ? IDLE_WAIT_S : cfg->daemon.poll_interval, &new_mail, &err)) {
			rd_log_error("daemon mailbox=%s wait failed: %s", w->role, err->message);
			watcher_failed(w, store, err->message);
			watcher_alert(w, FALSE, err->message);
			return TRUE;
		}
		rd_log_debug("daemon mailbox=%s woke new_mail=%d", w->role, new_mail);
	}
	g_mutex_lock(&gen->lock);
	w->st.connected = FALSE;
	g_mutex_unlock(&gen->lock);
	watcher_save(w, store);
	return TRUE;
}

static gpointer
watcher_main(gpointer data)
{
	Watcher *w = data;
	Generation *gen = w->gen;
	block_signals();
	guint backoff = BACKOFF_MIN_S;
	g_autoptr(RdStore) store = NULL;
	g_autoptr(RdCasework) cw = NULL;
	g_autoptr(RdIngest) ing = NULL;
	while (!stopping(gen)) {
		g_autoptr(GError) err = NULL;
		if (ing == NULL) {
			g_clear_pointer(&cw, rd_casework_free);
			g_clear_pointer(&store, rd_store_close);
			store = rd_store_open(gen->d->db_path, &err);
			cw = store != NULL ? rd_casework_new(store, gen->cfg, &err) : NULL;
			ing = cw != NULL ? rd_ingest_new(cw) : NULL;
			if (ing == NULL) {
				rd_log_error("daemon mailbox=%s: %s", w->role, err->message);
				watcher_failed(w, store, err->message);
				/* Rules or templates that fail to load are the
				 * mailbox's to report: its mail is what waits. */
				if (store == NULL)
					rd_alerts_failing(gen->d->alerts, "database", err->message);
				else
					watcher_alert(w, FALSE, err->message);
				mark_tried(w);
			}
		}
		if (ing != NULL && watch_session(w, store, ing)) {
			backoff = BACKOFF_MIN_S;
			continue;
		}
		guint wait = jittered(backoff);
		rd_log_info("daemon mailbox=%s reconnect_in=%us", w->role, wait);
		if (!pause_for(gen, wait))
			break;
		backoff = MIN(backoff * 2, BACKOFF_MAX_S);
	}
	return NULL;
}

/* ---- sender and sweep ---------------------------------------------------- */

/* Wait up to @seconds for a token on @q; FALSE on STOP. Extra wake-ups
 * that piled up meanwhile are taken too: one run serves them all. */
static gboolean
wait_token(Generation *gen, GAsyncQueue *q, guint seconds)
{
	gpointer t = g_async_queue_timeout_pop(q, (guint64)seconds * G_USEC_PER_SEC);
	while (t != TOKEN_STOP) {
		gpointer more = g_async_queue_try_pop(q);
		if (more == NULL)
			break;
		t = more;
	}
	return t != TOKEN_STOP && !stopping(gen);
}

typedef struct {
	RdLetters *letters;   /* NULL: no alerts (the rules did not load) */
	RdStore *store;
	gint64 now;
	char *last_failure;   /* what the server said to the last letter that failed */
} SenderAlert;

/* A letter that failed for good gets the handler's alert, queued at once
 * and sent in the same run. */
static void
on_sent(const RdOutboxRow *o, RdSinkStatus st, const char *detail, gpointer user_data)
{
	SenderAlert *a = user_data;
	if (st != RD_SINK_SENT) {
		g_free(a->last_failure);
		a->last_failure = g_strdup(detail);
	}
	if (st != RD_SINK_FAILED || a->letters == NULL)
		return;
	g_autoptr(GError) err = NULL;
	if (!rd_letters_alert_failure(a->letters, a->store, o, detail, a->now, &err))
		rd_log_error("daemon sender: alerting the handler: %s", err->message);
}

static gpointer
sender_main(gpointer data)
{
	Generation *gen = data;
	const RdConfig *cfg = gen->cfg;
	block_signals();
	g_autoptr(GError) err = NULL;
	g_autoptr(RdSink) sink = rd_sink_smtp_new(&cfg->smtp, &err);
	g_autoptr(RdStore) store = sink != NULL ? rd_store_open(gen->d->db_path, &err) : NULL;
	if (store == NULL) {
		rd_log_error("daemon sender: %s; letters wait in the outbox (fix it and reload)", err->message);
		rd_alerts_failing(gen->d->alerts, sink == NULL ? "smtp" : "database", err->message);
		while (wait_token(gen, gen->send_q, G_MAXUINT / G_USEC_PER_SEC))
			;
		return NULL;
	}
	/* The rules, for the handler's alert when a letter fails for good. */
	g_autoptr(RdRules) rules = rd_rules_open(store, cfg, &err);
	if (rules == NULL) {
		rd_log_warn("daemon sender: %s; failed letters will be recorded on their cases but no alert "
		            "mail will go to the handler", err->message);
		g_clear_error(&err);
	}
	SenderAlert alert = { rules ? rd_rules_letters(rules) : NULL, store, 0, NULL };
	gint64 copy_retry_at = 0, copy_backoff = 60;
	do {
		RdSendCounts n = { 0 };
		gint64 now = g_get_real_time() / G_USEC_PER_SEC;
		alert.now = now;
		if (!rd_outbox_send(store, sink, now, cfg->smtp.retry_for, &gen->stop, on_sent, &alert, &n, &err)) {
			rd_log_error("daemon sender: %s", err->message);
			rd_alerts_failing(gen->d->alerts, "database", err->message);
			g_clear_error(&err);
		} else if (n.sent > 0) {
			rd_alerts_ok(gen->d->alerts, "smtp");
		} else if (n.retry + n.failed > 0) {
			/* Nothing went in this run although letters were due: the
			 * server refuses or cannot be reached. */
			rd_alerts_failing(gen->d->alerts, "smtp", alert.last_failure ? alert.last_failure
			                                                             : "every letter was refused");
		}
		g_clear_pointer(&alert.last_failure, g_free);
		/* The Sent-folder copies; after a failure they wait 1 min,
		 * 2, 4, … at most an hour, so a dead IMAP server does not cost
		 * every sending run a connection timeout. */
		guint copies = 0;
		if (now >= copy_retry_at) {
			if (rd_sent_copies_run(store, cfg, now, &gen->stop, &copies, &err)) {
				copy_backoff = 60;
			} else {
				copy_retry_at = now + copy_backoff;
				rd_log_warn("daemon sender: %s; the copies wait %" G_GINT64_FORMAT " s", err->message,
				            copy_backoff);
				copy_backoff = MIN(copy_backoff * 2, 3600);
				g_clear_error(&err);
			}
		}
		if (n.sent + n.retry + n.failed > 0) {
			g_mutex_lock(&gen->lock);
			gen->sent.sent += n.sent;
			gen->sent.retry += n.retry;
			gen->sent.failed += n.failed;
			g_mutex_unlock(&gen->lock);
			notify_main(gen->d);
		}
	} while (wait_token(gen, gen->send_q, cfg->daemon.send_interval));
	return NULL;
}

/* The oversight reports due by now ([reports], reports.c): checked with
 * each sweep, so a report goes within sweep_interval of its day. The
 * number of letters queued. */
static guint
scheduled_reports(Generation *gen, RdStore *store, RdRules *rules, gint64 now)
{
	guint n = 0;
	g_autoptr(GError) err = NULL;
	if (!rd_reports_run(store, gen->cfg, rules, now, &n, &err)) {
		rd_log_error("daemon reports: %s", err->message);
		rd_alerts_failing(gen->d->alerts, "reports", err->message);
		return 0;
	}
	rd_alerts_ok(gen->d->alerts, "reports");
	return n;
}

/* [retention] schedule: after a sweep, a purge when the last one (by
 * anyone, recorded in the database, so a restart does not repeat it) is
 * a schedule's length ago; then the mailbox copies it noted. Runs in the
 * sweep thread: a purge rebuilds the file, which the other threads only
 * wait on (busy_timeout), as they wait on any long write. */
static void
scheduled_purge(Generation *gen, RdStore *store, gint64 now)
{
	const RdConfig *cfg = gen->cfg;
	if (cfg->retention.schedule_days == 0)
		return;
	g_autoptr(GError) err = NULL;
	g_autoptr(RdCasework) cw = rd_casework_new(store, cfg, &err);
	RdPurgeResult r = { 0 };
	gboolean ran = FALSE;
	if (cw == NULL || !rd_casework_purge_scheduled(cw, now, &ran, &r, &err)) {
		rd_log_error("daemon purge: %s", err->message);
		rd_alerts_failing(gen->d->alerts, "purge", err->message);
		rd_purge_result_clear(&r);
		return;
	}
	rd_alerts_ok(gen->d->alerts, "purge");
	if (ran && cfg->retention.mailbox_copies) {
		RdPurgeCopiesCounts copies;
		rd_purge_copies_expunge(store, cfg, &copies);
	}
	rd_purge_result_clear(&r);
}

static gpointer
sweeper_main(gpointer data)
{
	Generation *gen = data;
	const RdConfig *cfg = gen->cfg;
	block_signals();
	g_autoptr(GError) err = NULL;
	g_autoptr(RdStore) store = rd_store_open(gen->d->db_path, &err);
	g_autoptr(RdRules) rules = store != NULL ? rd_rules_open(store, cfg, &err) : NULL;
	if (rules == NULL) {
		rd_log_error("daemon sweep: %s; no deadline sweep until this is fixed", err->message);
		rd_alerts_failing(gen->d->alerts, "sweep", err->message);
		while (wait_token(gen, gen->sweep_q, G_MAXUINT / G_USEC_PER_SEC))
			;
		return NULL;
	}
	do {
		RdSweepCounts n = { 0 };
		gint64 now = g_get_real_time() / G_USEC_PER_SEC;
		gboolean ok = rd_sweep_run(store, cfg, rules, now, FALSE, NULL, NULL, &n, &err);
		if (!ok) {
			rd_log_error("daemon sweep: %s", err->message);
			rd_alerts_failing(gen->d->alerts, "sweep", err->message);
			g_clear_error(&err);
		} else if (n.failures > 0) {
			g_autofree char *why = g_strdup_printf("%u stage%s could not be swept (the log and each "
			                                       "case's journey say why); tried again tomorrow",
			                                       n.failures, n.failures == 1 ? "" : "s");
			rd_alerts_failing(gen->d->alerts, "sweep", why);
		} else {
			rd_alerts_ok(gen->d->alerts, "sweep");
		}
		guint acted = n.reminders + n.holding + n.overdue + n.ack_overdue;
		rd_log(acted || n.failures ? RD_LOG_INFO : RD_LOG_DEBUG,
		       "sweep stages=%u reminders=%u holding=%u overdue=%u ack_overdue=%u failed=%u",
		       n.stages, n.reminders, n.holding, n.overdue, n.ack_overdue, n.failures);
		guint reports = scheduled_reports(gen, store, rules, now);
		scheduled_purge(gen, store, now);
		if (acted + reports > 0)
			g_async_queue_push(gen->send_q, TOKEN_WAKE);
		if (ok) {
			g_mutex_lock(&gen->lock);
			gen->last_sweep = now;
			g_mutex_unlock(&gen->lock);
			notify_main(gen->d);
		}
	} while (wait_token(gen, gen->sweep_q, cfg->daemon.sweep_interval));
	return NULL;
}

/* ---- the self-test ------------------------------------------------------------ */

static gpointer
selftest_main(gpointer data)
{
	Generation *gen = data;
	block_signals();
	/* After the watchers' first connection attempts (30 s at most): the
	 * check's own TLS handshakes must not slow intake's start. */
	for (int waited = 0; g_atomic_int_get(&gen->first_attempts) < (gint)gen->n_watchers && waited < 30;
	     waited++)
		if (!pause_for(gen, 1))
			return NULL;
	g_autoptr(GError) err = NULL;
	g_autoptr(RdStore) store = rd_store_open(gen->d->db_path, &err);
	RdSelftestResult r = { 0 };
	if (store == NULL ||
	    !rd_selftest_run(store, gen->cfg, SELFTEST_S, &gen->stop, gen->wake_fd, &r, &err)) {
		rd_log_error("selftest error=\"%s\"", err->message);
		rd_selftest_result_clear(&r);
		return NULL;
	}
	if (r.outcome == RD_SELFTEST_OK) {
		rd_log_info("selftest ok ms=%" G_GINT64_FORMAT " address=%s found_by=%s",
		            (gint64)(r.seconds * 1000 + 0.5), r.address, r.seen_by_intake ? "intake" : "imap");
	} else if (r.outcome == RD_SELFTEST_STOPPED) {
		rd_log_info("selftest stopped (the daemon is stopping or reloading)");
	} else {
		/* One line, advice included: the journal is where it is read. */
		GString *line = g_string_new(r.summary);
		for (guint i = 0; i < r.advice->len; i++)
			g_string_append_printf(line, i == 0 ? ". %s" : " %s", (const char *)r.advice->pdata[i]);
		rd_log_error("selftest failed outcome=%s: %s", rd_selftest_outcome_to_string(r.outcome), line->str);
		g_string_free(line, TRUE);
	}
	if (r.outcome != RD_SELFTEST_STOPPED && !rd_selftest_record(store, &r, &err))
		rd_log_warn("selftest: the result cannot be kept for redress status: %s", err->message);
	rd_selftest_result_clear(&r);
	return NULL;
}

/* ---- generations ------------------------------------------------------------ */

static Generation *
generation_start(Daemon *d, RdConfig *cfg, GError **error)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "eventfd: %s", g_strerror(errno));
		return NULL;
	}
	Generation *gen = g_new0(Generation, 1);
	gen->d = d;
	gen->cfg = cfg;
	rd_alerts_set_config(d->alerts, cfg);
	gen->wake_fd = fd;
	g_mutex_init(&gen->lock);
	gen->send_q = g_async_queue_new();
	gen->sweep_q = g_async_queue_new();
	for (int i = 0; i < RD_MAILBOX_N; i++) {
		if (cfg->mailboxes[i].imap_url == NULL)
			continue;
		Watcher *w = &gen->watchers[gen->n_watchers++];
		w->gen = gen;
		w->mailbox = (RdMailbox)i;
		w->role = rd_mailbox_to_string((RdMailbox)i);
		w->st.mailbox = (char *)w->role;
		w->st.waiting = -1;
		w->st.last_fetch = d->last_fetch[i];
	}
	if (gen->n_watchers == 0)
		rd_log_warn("daemon: no [mailbox:ROLE] has an imap_url, so no mail is fetched; "
		            "the outbox and the deadline sweep still run");
	/* Each mailbox's row at once, before its thread can write it: after a
	 * reload `redress status` goes on showing its last fetch. */
	for (guint i = 0; i < gen->n_watchers; i++) {
		g_autoptr(GError) err = NULL;
		Watcher *w = &gen->watchers[i];
		w->st.updated_at = g_get_real_time() / G_USEC_PER_SEC;
		if (!rd_store_mailbox_status_set(d->store, &w->st, &err))
			rd_log_warn("daemon mailbox=%s: cannot record its status: %s", w->role, err->message);
	}
	for (guint i = 0; i < gen->n_watchers; i++) {
		Watcher *w = &gen->watchers[i];
		g_autofree char *name = g_strdup_printf("watch-%s", w->role);
		w->thread = g_thread_new(name, watcher_main, w);
	}
	if (cfg->smtp.url != NULL)
		gen->sender = g_thread_new("sender", sender_main, gen);
	else
		rd_log_warn("daemon: no [smtp] url, so letters wait in the outbox "
		            "(deliver them with 'redress outbox flush --to DIR')");
	gen->sweeper = g_thread_new("sweep", sweeper_main, gen);
	if (cfg->smtp.url != NULL && cfg->mailboxes[RD_MAILBOX_COMPLAINTS].imap_url != NULL)
		gen->selftest = g_thread_new("selftest", selftest_main, gen);
	else
		rd_log_warn("daemon: no self-test of the reply addresses: it needs [smtp] url and "
		            "[mailbox:complaints] imap_url");
	return gen;
}

/* Stop taking new work, let each thread finish what it holds, join them. */
static void
generation_stop(Generation *gen)
{
	if (gen == NULL)
		return;
	g_atomic_int_set(&gen->stop, 1);
	guint64 one = 1;
	if (write(gen->wake_fd, &one, sizeof one) < 0)
		rd_log_warn("daemon: waking the threads: %s", g_strerror(errno));
	g_async_queue_push(gen->send_q, TOKEN_STOP);
	g_async_queue_push(gen->sweep_q, TOKEN_STOP);
	for (guint i = 0; i < gen->n_watchers; i++)
		g_clear_pointer(&gen->watchers[i].thread, g_thread_join);
	g_clear_pointer(&gen->sender, g_thread_join);
	g_clear_pointer(&gen->sweeper, g_thread_join);
	g_clear_pointer(&gen->selftest, g_thread_join);
}

static void
generation_free(Generation *gen)
{
	if (gen == NULL)
		return;
	for (guint i = 0; i < gen->n_watchers; i++)
		g_free(gen->watchers[i].st.last_error);
	g_async_queue_unref(gen->send_q);
	g_async_queue_unref(gen->sweep_q);
	close(gen->wake_fd);
	g_mutex_clear(&gen->lock);
	rd_config_free(gen->cfg);
	g_free(gen);
}

/* ---- the main thread ------------------------------------------------------- */

/* One line for systemd's STATUS= and the log. */
static char *
summary_line(Daemon *d)
{
	Generation *gen = d->gen;
	GString *s = g_string_new(NULL);
	guint up = 0;
	g_mutex_lock(&gen->lock);
	for (guint i = 0; i < gen->n_watchers; i++)
		up += gen->watchers[i].st.connected ? 1 : 0;
	RdSendCounts sent = gen->sent;
	gint64 last_sweep = gen->last_sweep;
	g_mutex_unlock(&gen->lock);
	g_string_append_printf(s, "%u/%u mailboxes connected", up, gen->n_watchers);
	RdOutboxCounts oc;
	g_autoptr(GError) err = NULL;
	if (rd_store_outbox_counts(d->store, &oc, &err))
		g_string_append_printf(s, "; outbox %" G_GINT64_FORMAT " queued, %" G_GINT64_FORMAT " failed",
		                       oc.queued, oc.failed);
	g_string_append_printf(s, "; %u sent", sent.sent);
	if (last_sweep > 0) {
		g_autofree char *when = rd_time_format_local(last_sweep);
		g_string_append_printf(s, "; swept %s", when);
	}
	return g_string_free(s, FALSE);
}

static void
heartbeat(Daemon *d, gint64 stopped_at)
{
	RdDaemonStatus st = { 0 };
	st.pid = getpid();
	st.started_at = d->started_at;
	st.heartbeat_at = g_get_real_time() / G_USEC_PER_SEC;
	st.interval = HEARTBEAT_S;
	st.stopped_at = stopped_at;
	g_autoptr(GError) err = NULL;
	if (!rd_store_daemon_status_set(d->store, &st, &err))
		rd_log_warn("daemon: cannot record the heartbeat: %s", err->message);
}

/* In the main thread: READY once every watcher has tried, STATUS always. */
static gboolean
on_notify(gpointer data)
{
	Daemon *d = data;
	Generation *gen = d->gen;
	if (gen == NULL)
		return G_SOURCE_REMOVE;
	g_autofree char *line = summary_line(d);
	if (!d->ready && g_atomic_int_get(&gen->first_attempts) >= (gint)gen->n_watchers) {
		d->ready = TRUE;
		rd_log_info("daemon ready: %s", line);
		sd_notifyf(0, "READY=1\nSTATUS=%s", line);
	} else {
		sd_notifyf(0, "STATUS=%s", line);
	}
	return G_SOURCE_REMOVE;
}

static void
notify_main(Daemon *d)
{
	g_main_context_invoke(NULL, on_notify, d);
}

static gboolean
on_heartbeat(gpointer data)
{
	Daemon *d = data;
	heartbeat(d, 0);
	rd_alerts_check(d->alerts, g_get_real_time() / G_USEC_PER_SEC);
	on_notify(d);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_watchdog(gpointer data)
{
	sd_notify(0, "WATCHDOG=1");
	return G_SOURCE_CONTINUE;
}

static gboolean
on_stop(gpointer data)
{
	Daemon *d = data;
	rd_log_info("daemon: stopping (finishing the work in hand)");
	sd_notify(0, "STOPPING=1");
	g_main_loop_quit(d->loop);
	return G_SOURCE_CONTINUE;
}

/* What `redress config check` checks, the same functions: the files the
 * configuration names (secrets, CA files, bank holidays) and the rules
 * with the letter templates. So the daemon starts, and reloads, only on a
 * configuration the check passes. Problems are added to @errs, a line
 * each; *@store_failed_r says when the database, not the configuration,
 * was the trouble. */
static gboolean
config_usable(Daemon *d, const RdConfig *cfg, GString *errs, gboolean *store_failed_r)
{
	*store_failed_r = FALSE;
	if (!rd_config_check_files(cfg, errs))
		return FALSE;
	g_autoptr(GError) err = NULL;
	g_autoptr(RdRules) rules = rd_rules_open(d->store, cfg, &err);
	if (rules == NULL) {
		g_string_append_printf(errs, "%s\n", err->message);
		*store_failed_r = err->domain == RD_STORE_ERROR;
		return FALSE;
	}
	return TRUE;
}

/* Load and check the configuration, as at start; NULL (logged) if bad. */
static RdConfig *
load_config(Daemon *d)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GString) errs = g_string_new(NULL);
	gboolean store_failed = FALSE;
	g_autoptr(RdConfig) cfg = rd_config_load(d->config_path, &err);
	if (cfg == NULL)
		g_string_append(errs, err->message);
	else if (config_usable(d, cfg, errs, &store_failed))
		return g_steal_pointer(&cfg);
	g_auto(GStrv) lines = g_strsplit(errs->str, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++)
		if (*lines[i] != '\0')
			rd_log_error("config: %s", lines[i]);
	return NULL;
}

static gboolean
on_reload(gpointer data)
{
	Daemon *d = data;
	rd_log_info("daemon: SIGHUP, reloading the configuration");
	RdConfig *cfg = load_config(d);
	if (cfg == NULL) {
		rd_log_error("daemon: the new configuration has errors; still running with the old one");
		return G_SOURCE_CONTINUE;
	}
	sd_notify(0, "RELOADING=1");
	generation_stop(d->gen);
	/* A mailbox that had fetched keeps saying when, across the reload. */
	for (guint i = 0; i < d->gen->n_watchers; i++)
		d->last_fetch[d->gen->watchers[i].mailbox] = d->gen->watchers[i].st.last_fetch;
	g_clear_pointer(&d->gen, generation_free);
	g_autoptr(GError) err = NULL;
	if (!rd_store_mailbox_status_clear(d->store, &err))
		rd_log_warn("daemon: %s", err->message);
	d->ready = FALSE;
	d->gen = generation_start(d, cfg, &err);
	if (d->gen == NULL) {
		rd_log_error("daemon: %s", err->message);
		rd_config_free(cfg);
		g_main_loop_quit(d->loop);
		return G_SOURCE_CONTINUE;
	}
	rd_log_info("daemon: configuration reloaded");
	notify_main(d);
	return G_SOURCE_CONTINUE;
}

int
rd_service_run(RdConfig *cfg, RdStore *store, const char *db_path, const char *config_path)
{
	g_autoptr(GError) err = NULL;
	int rc = RD_EXIT_OK;
	Daemon d = { 0 };
	d.config_path = config_path;
	d.store = store;
	d.db_path = db_path;
	/* A database it may not write would fail every thread, over and over
	 * (tests/faults/readonly.sh): refused once, here. */
	if (!rd_store_check_writable(d.store, &err)) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		rd_config_free(cfg);
		rd_store_close(d.store);
		return RD_EXIT_INTERNAL;
	}
	{
		/* Check what the configuration names, the rules and templates,
		 * and make the reply-token key, before any thread needs them. */
		g_autoptr(GString) errs = g_string_new(NULL);
		gboolean store_failed = FALSE;
		if (!config_usable(&d, cfg, errs, &store_failed)) {
			fputs(errs->str, stderr);
			if (!store_failed)
				fprintf(stderr, "redress: fix the configuration (check it with: redress config check)\n");
			rd_config_free(cfg);
			rd_store_close(d.store);
			return store_failed ? RD_EXIT_INTERNAL : RD_EXIT_USAGE;
		}
	}
	/* Before any watcher parses: a message that crashed the daemon's last
	 * run is recorded now, and stored unparsed when it is fetched again. */
	d.journal = rd_journal_open(d.store, d.db_path, &err);
	if (d.journal == NULL) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		rd_config_free(cfg);
		rd_store_close(d.store);
		return RD_EXIT_INTERNAL;
	}
	d.alerts = rd_alerts_new(d.db_path);
	/* libcurl's global state, before any thread may use it. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	d.started_at = g_get_real_time() / G_USEC_PER_SEC;
	if (!rd_store_mailbox_status_clear(d.store, &err)) {
		rd_log_warn("daemon: %s", err->message);
		g_clear_error(&err);
	}
	heartbeat(&d, 0);
	rd_log_info("daemon started pid=%d db=%s config=%s", (int)getpid(), d.db_path,
	            cfg->path ? cfg->path : (config_path ? config_path : "(defaults)"));

	d.loop = g_main_loop_new(NULL, FALSE);
	guint sig_term = g_unix_signal_add(SIGTERM, on_stop, &d);
	guint sig_int = g_unix_signal_add(SIGINT, on_stop, &d);
	guint sig_hup = g_unix_signal_add(SIGHUP, on_reload, &d);
	/* `redress daemon` held these signals blocked from its first line
	 * (a SIGTERM while it took the lock and opened the database would
	 * otherwise kill it before it could stop cleanly); one that came
	 * meanwhile is delivered now, to the handlers above. */
	{
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGHUP);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	}
	guint beat = g_timeout_add_seconds(HEARTBEAT_S, on_heartbeat, &d);
	guint dog = 0;
	guint64 wd_usec = 0;
	if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0)
		dog = g_timeout_add((guint)MAX(wd_usec / 2000, 1), on_watchdog, &d);

	d.gen = generation_start(&d, cfg, &err);
	if (d.gen == NULL) {
		rd_log_error("daemon: %s", err->message);
		rd_config_free(cfg);
		rc = RD_EXIT_INTERNAL;
	} else {
		notify_main(&d);
		g_main_loop_run(d.loop);
		generation_stop(d.gen);
		g_clear_pointer(&d.gen, generation_free);
	}

	g_source_remove(sig_term);
	g_source_remove(sig_int);
	g_source_remove(sig_hup);
	g_source_remove(beat);
	if (dog != 0)
		g_source_remove(dog);
	/* Drop notifications a thread queued on its way out. */
	while (g_main_context_iteration(NULL, FALSE))
		;
	/* The mailboxes' last state stays for `redress status` to show. */
	heartbeat(&d, g_get_real_time() / G_USEC_PER_SEC);
	rd_log_info("daemon stopped");
	g_main_loop_unref(d.loop);
	rd_alerts_free(d.alerts);
	rd_journal_close(d.journal);
	rd_store_close(d.store);
	curl_global_cleanup();
	return rc;
}
