/*
 * status.c — `redress status [--json]`: what the daemon is doing, read
 * from the store by another process, and whether anything needs a person.
 *
 * The daemon's threads record their state as they go (store/status.c):
 * each watcher its mailbox's row, the main thread a heartbeat every few
 * seconds. A daemon is "running" while it holds the database's daemon
 * lock (DATABASE.lock, whose pid is the one shown); where that file cannot
 * be read, while its heartbeat is fresher than three of its intervals and
 * it did not record a clean stop. Otherwise the rows are what it last
 * saw, and no mailbox is shown as connected. The outbox
 * counts, the last deadline sweep, the last self-test of the reply
 * addresses (the daemon's at start, or `redress selftest`) and the
 * messages that crashed the parser come from the case file itself, so
 * they are right whether or not a daemon runs.
 *
 * Problems — the daemon not running, a mailbox failing for longer than
 * [daemon] alert_after, letters not going out, letters that failed for
 * good in the last day, a sweep that failed or stopped running, a failed
 * self-test, a message that crashed the parser — are listed, and the exit status is then 3, so
 * that monitoring can run this command and look only at its status.
 */
#include <stdio.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

#define STALE_AFTER 3    /* heartbeats missed before a daemon counts as gone */
#define DAY (24 * 3600)

typedef struct {
	const char *what;        /* what is wrong, in a few words */
	gint64 since;            /* since when, or 0 */
	char *detail;            /* the error, and what to do */
} Problem;

static void
problem_free(Problem *p)
{
	g_free(p->detail);
	g_free(p);
}

static void
add(GPtrArray *problems, const char *what, gint64 since, char *detail)
{
	Problem *p = g_new0(Problem, 1);
	p->what = what;
	p->since = since;
	p->detail = detail;
	g_ptr_array_add(problems, p);
}

/* Everything status shows, read once. */
typedef struct {
	gint64 now;
	RdDaemonStatus ds;
	gboolean ever, running;
	gboolean fresh;          /* the heartbeat is recent and no clean stop was recorded */
	gboolean starting;       /* it holds the lock but has not written its first heartbeat */
	GPtrArray *rows;         /* RdMailboxStatus*: the configured IMAP mailboxes */
	RdOutboxCounts outbox;
	gint64 last_sweep;
	char *sweep_error;       /* "TIME MESSAGE", or NULL */
	guint crashed;           /* messages kept unparsed because they crashed the parser */
	gint64 selftest_at;      /* the last self-test, or 0 */
	char *selftest_outcome, *selftest_summary;
} State;

static void
state_clear(State *s)
{
	g_clear_pointer(&s->rows, g_ptr_array_unref);
	g_clear_pointer(&s->sweep_error, g_free);
	g_clear_pointer(&s->selftest_outcome, g_free);
	g_clear_pointer(&s->selftest_summary, g_free);
}

static gboolean
read_state(RdStore *store, const RdConfig *cfg, const char *db_path, State *s, GError **error)
{
	s->now = g_get_real_time() / G_USEC_PER_SEC;
	g_autofree char *sweep = NULL;
	g_autoptr(GPtrArray) quarantine = NULL;
	if (!rd_store_daemon_status_get(store, &s->ds, &s->ever, error) ||
	    !rd_selftest_last(store, &s->selftest_at, &s->selftest_outcome, &s->selftest_summary, error) ||
	    (s->rows = rd_store_mailbox_status_list(store, error)) == NULL ||
	    !rd_store_setting_get(store, RD_SWEEP_LAST_RUN_SETTING, &sweep, error) ||
	    !rd_store_setting_get(store, RD_SWEEP_LAST_ERROR_SETTING, &s->sweep_error, error) ||
	    !rd_store_outbox_counts(store, &s->outbox, error) ||
	    (quarantine = rd_store_quarantine_list(store, error)) == NULL)
		return FALSE;
	s->last_sweep = sweep != NULL ? g_ascii_strtoll(sweep, NULL, 10) : 0;
	/* The daemon's lock says for certain whether one runs (a daemon
	 * killed a second ago holds it no more); the heartbeat is the answer
	 * only where the lock file cannot be read. */
	gint64 lock_pid = 0;
	int locked = rd_store_daemon_running(db_path, &lock_pid, NULL);
	s->fresh = s->ever && s->ds.stopped_at == 0 &&
	           s->now - s->ds.heartbeat_at <= STALE_AFTER * MAX(s->ds.interval, 1);
	s->running = locked == 1 || (locked < 0 && s->fresh);
	/* A daemon that has taken its lock but not yet written its first
	 * heartbeat: the row, if any, is an earlier daemon's. */
	s->starting = locked == 1 &&
	              (!s->ever || s->ds.stopped_at != 0 || (lock_pid > 0 && s->ds.pid != lock_pid));
	if (s->starting) {
		memset(&s->ds, 0, sizeof s->ds);
		s->ever = lock_pid > 0;
	}
	if (locked == 1 && lock_pid > 0)
		s->ds.pid = lock_pid;
	for (guint i = 0; i < quarantine->len; i++) {
		const RdQuarantine *q = quarantine->pdata[i];
		if (q->msg_id != 0 && (q->crashed || q->attempts >= RD_JOURNAL_ATTEMPTS))
			s->crashed++;
	}
	/* Configured IMAP mailboxes the daemon has not reported on yet. */
	for (int i = 0; i < RD_MAILBOX_N; i++) {
		const char *role = rd_mailbox_to_string((RdMailbox)i);
		if (cfg->mailboxes[i].imap_url == NULL)
			continue;
		gboolean known = FALSE;
		for (guint k = 0; k < s->rows->len && !known; k++)
			known = strcmp(((RdMailboxStatus *)s->rows->pdata[k])->mailbox, role) == 0;
		if (!known) {
			RdMailboxStatus *m = g_new0(RdMailboxStatus, 1);
			m->mailbox = g_strdup(role);
			m->waiting = -1;
			g_ptr_array_add(s->rows, m);
		}
	}
	return TRUE;
}

static void
find_problems(const State *s, const RdConfig *cfg, GPtrArray *problems)
{
	if (s->running && !s->starting && !s->fresh)
		add(problems, "the daemon has stopped answering", s->ds.heartbeat_at,
		    g_strdup("it holds the database's lock but has stopped writing its heartbeat: see its log "
		             "(journalctl -u redress), then restart it"));
	else if (s->running)
		;
	else if (!s->ever)
		add(problems, "no daemon is running", 0,
		    g_strdup("no daemon has run on this database: start it (systemctl start redress)"));
	else
		add(problems, "the daemon is not running", s->ds.stopped_at ? s->ds.stopped_at : s->ds.heartbeat_at,
		    g_strdup(s->ds.stopped_at ? "it stopped: start it again (systemctl start redress)"
		                              : "it stopped answering: see its log (journalctl -u redress)"));
	for (guint i = 0; s->running && !s->starting && i < s->rows->len; i++) {
		const RdMailboxStatus *m = s->rows->pdata[i];
		if (m->connected || m->last_error == NULL || m->last_error_at < m->last_fetch)
			continue;
		gint64 since = MAX(m->last_fetch, s->ds.started_at);
		if (s->now - since < (gint64)cfg->daemon.alert_after)
			continue;
		add(problems, "a mailbox cannot be fetched", since,
		    g_strdup_printf("mailbox %s: %s", m->mailbox, m->last_error));
	}
	if (cfg->smtp.url != NULL && s->outbox.queued > 0 &&
	    s->now - s->outbox.oldest_queued >= (gint64)cfg->daemon.alert_after)
		add(problems, "letters are not going out", s->outbox.oldest_queued,
		    g_strdup_printf("%" G_GINT64_FORMAT " letter%s queued, the oldest since then: see "
		                    "'redress outbox' for the server's last answer", s->outbox.queued,
		                    s->outbox.queued == 1 ? "" : "s"));
	if (s->outbox.failed > 0 && s->now - s->outbox.last_failed < DAY)
		add(problems, "letters failed for good", s->outbox.last_failed,
		    g_strdup("the last day saw letters the server refused for good: 'redress outbox' lists them, "
		             "and each case's journey says so"));
	if (s->sweep_error != NULL) {
		char *end = NULL;
		gint64 at = g_ascii_strtoll(s->sweep_error, &end, 10);
		add(problems, "the deadline sweep failed", at, g_strdup(end && *end == ' ' ? end + 1 : s->sweep_error));
	} else if (s->running && s->now - s->last_sweep > 2 * (gint64)cfg->daemon.sweep_interval + 600) {
		add(problems, "the deadline sweep has not run", s->last_sweep,
		    g_strdup("reminders and holding replies are not being sent: see the daemon's log"));
	}
	if (s->selftest_at > 0 && g_strcmp0(s->selftest_outcome, "ok") != 0)
		add(problems, "the last self-test failed", s->selftest_at,
		    g_strdup_printf("%s: run 'redress selftest' for what to configure",
		                    s->selftest_summary ? s->selftest_summary : s->selftest_outcome));
	if (s->crashed > 0)
		add(problems, "mail crashed the parser", 0,
		    g_strdup_printf("%u message%s kept unparsed in triage ('redress triage'); after an upgrade, "
		                    "'redress triage reparse MSG'", s->crashed, s->crashed == 1 ? "" : "s"));
}

/* @db_path is shown first: a shell that reads another configuration, or
 * has $REDRESS_DB set, would otherwise look like a daemon that is down. */
static void
describe(RdOut *o, const char *db_path, const State *s, GPtrArray *problems)
{
	rd_out_begin(o, NULL, NULL);
	rd_out_str(o, "database", NULL, db_path);
	rd_out_line(o, "database: %s", db_path);
	rd_out_begin(o, "daemon", NULL);
	rd_out_bool(o, "running", NULL, s->running);
	rd_out_id(o, "pid", NULL, s->ever ? s->ds.pid : 0);
	rd_out_time(o, "started", NULL, s->ever ? s->ds.started_at : 0);
	rd_out_time(o, "heartbeat", NULL, s->ever ? s->ds.heartbeat_at : 0);
	rd_out_time(o, "stopped", NULL, s->ever ? s->ds.stopped_at : 0);
	rd_out_end(o);
	if (s->starting && s->ds.pid > 0) {
		rd_out_line(o, "daemon: running (pid %" G_GINT64_FORMAT ", starting)", s->ds.pid);
	} else if (s->starting) {
		rd_out_line(o, "daemon: running (starting)");
	} else if (s->running) {
		g_autofree char *since = rd_time_format_local(s->ds.started_at);
		rd_out_line(o, "daemon: running (pid %" G_GINT64_FORMAT ", since %s, heartbeat %" G_GINT64_FORMAT " s ago%s)",
		            s->ds.pid, since, MAX(s->now - s->ds.heartbeat_at, 0),
		            s->fresh ? "" : "; it holds the database's lock but has stopped writing its heartbeat");
	} else if (s->ever) {
		gint64 t = s->ds.stopped_at ? s->ds.stopped_at : s->ds.heartbeat_at;
		g_autofree char *seen = t > 0 ? rd_time_format_local(t) : g_strdup("never");
		rd_out_line(o, "daemon: not running (%s %s)", s->ds.stopped_at ? "stopped" : "last heard from", seen);
	} else {
		rd_out_line(o, "daemon: not running (it has never run on this database)");
	}

	rd_out_begin_list(o, "mailboxes", NULL);
	if (s->rows->len == 0)
		rd_out_line(o, "mailboxes: none has an imap_url");
	for (guint i = 0; i < s->rows->len; i++) {
		const RdMailboxStatus *m = s->rows->pdata[i];
		rd_out_begin(o, NULL, NULL);
		rd_out_str(o, "mailbox", NULL, m->mailbox);
		rd_out_bool(o, "connected", NULL, s->running && m->connected);
		rd_out_time(o, "last_fetch", NULL, m->last_fetch);
		rd_out_str(o, "last_error", NULL, m->last_error);
		rd_out_time(o, "last_error_at", NULL, m->last_error_at);
		if (rd_out_is_json(o) && m->waiting < 0)
			rd_out_str(o, "waiting", NULL, NULL);
		else
			rd_out_int(o, "waiting", NULL, m->waiting);
		rd_out_end(o);
		g_autofree char *fetch = m->last_fetch > 0 ? rd_time_format_local(m->last_fetch) : g_strdup("never");
		g_autofree char *waiting = m->waiting >= 0 ? g_strdup_printf(", %" G_GINT64_FORMAT " waiting", m->waiting)
		                                           : g_strdup("");
		rd_out_line(o, "%-19s %-13s last fetch %s%s", m->mailbox,
		            s->running && m->connected ? "connected" : "not connected", fetch, waiting);
		if (m->last_error != NULL) {
			g_autofree char *at = m->last_error_at > 0 ? rd_time_format_local(m->last_error_at) : g_strdup("never");
			rd_out_line(o, "%-19s last error %s: %s", "", at, m->last_error);
		}
	}
	rd_out_end(o);

	rd_out_begin(o, "outbox", NULL);
	rd_out_int(o, "queued", NULL, s->outbox.queued);
	rd_out_int(o, "failed", NULL, s->outbox.failed);
	rd_out_int(o, "suppressed", NULL, s->outbox.suppressed);
	rd_out_int(o, "sent", NULL, s->outbox.sent);
	rd_out_time(o, "oldest_queued", NULL, s->outbox.oldest_queued);
	rd_out_end(o);
	rd_out_line(o, "outbox: %" G_GINT64_FORMAT " queued, %" G_GINT64_FORMAT " failed, %" G_GINT64_FORMAT
	            " suppressed, %" G_GINT64_FORMAT " sent", s->outbox.queued, s->outbox.failed,
	            s->outbox.suppressed, s->outbox.sent);
	rd_out_time(o, "last_sweep", NULL, s->last_sweep);
	g_autofree char *sw = s->last_sweep > 0 ? rd_time_format_local(s->last_sweep) : g_strdup("never");
	rd_out_line(o, "last deadline sweep: %s", sw);

	if (s->selftest_at > 0) {
		gboolean ok = g_strcmp0(s->selftest_outcome, "ok") == 0;
		rd_out_begin(o, "selftest", NULL);
		rd_out_time(o, "at", NULL, s->selftest_at);
		rd_out_bool(o, "ok", NULL, ok);
		rd_out_str(o, "outcome", NULL, s->selftest_outcome);
		rd_out_str(o, "summary", NULL, s->selftest_summary);
		rd_out_end(o);
		g_autofree char *st = rd_time_format_local(s->selftest_at);
		rd_out_line(o, "last self-test: %s, %s: %s%s", st, ok ? "OK" : "FAILED", s->selftest_summary,
		            ok ? "" : " (run redress selftest for what to configure)");
	} else {
		rd_out_str(o, "selftest", NULL, NULL);
		rd_out_line(o, "last self-test: never (run redress selftest)");
	}

	rd_out_bool(o, "ok", NULL, problems->len == 0);
	rd_out_begin_list(o, "problems", NULL);
	if (problems->len > 0)
		rd_out_line(o, "needs attention:");
	for (guint i = 0; i < problems->len; i++) {
		const Problem *p = problems->pdata[i];
		rd_out_begin(o, NULL, NULL);
		rd_out_str(o, "what", NULL, p->what);
		rd_out_time(o, "since", NULL, p->since);
		rd_out_str(o, "detail", NULL, p->detail);
		rd_out_end(o);
		g_autofree char *since = p->since > 0 ? rd_time_format_local(p->since) : NULL;
		rd_out_line(o, "  %s%s%s%s: %s", p->what, since ? " (since " : "", since ? since : "", since ? ")" : "",
		            p->detail);
	}
	rd_out_end(o);
	rd_out_end(o);
}

int
rd_cmd_status(const RdGlobalOptions *g, int argc, char **argv)
{
	GOptionEntry entries[] = { { NULL } };
	g_autoptr(GOptionContext) oc = g_option_context_new("— what the daemon is doing");
	g_option_context_set_summary(oc,
		"Per mailbox: connected, last fetch, last error, messages waiting on the server; the outbox "
		"(queued, failed, suppressed, sent); the last deadline sweep; whether a daemon is running; "
		"and what needs attention. Exit status 3 when something does.");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err) || argc != 1) {
		fprintf(stderr, "redress status: %s (see redress status --help)\n",
		        err ? err->message : "unexpected argument");
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	g_autofree char *db_path = NULL;
	int rc = rd_open_config_and_store_readonly(g, &cfg, &store, &db_path);
	if (rc != RD_EXIT_OK)
		return rc;
	State s = { 0 };
	if (!read_state(store, cfg, db_path, &s, &err)) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		state_clear(&s);
		return RD_EXIT_INTERNAL;
	}
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func((GDestroyNotify)problem_free);
	find_problems(&s, cfg, problems);
	g_autoptr(RdOut) o = rd_out_new(g->json);
	describe(o, db_path, &s, problems);
	rd_out_print(o);
	state_clear(&s);
	return problems->len > 0 ? RD_EXIT_ATTENTION : RD_EXIT_OK;
}
