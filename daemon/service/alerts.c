/*
 * alerts.c — telling a person when the daemon cannot do its job, and when
 * it can again.
 *
 * A broken mailbox (an expired password, a revoked OAuth grant), an SMTP
 * server that refuses every letter, a sweep that fails, a database that
 * fails: each is logged where it happens, but nobody reads the journal
 * until someone asks why no complaint has come in for a week. So the
 * daemon's threads report each condition here as failing or working
 * (rd_alerts_failing / rd_alerts_ok), and the main loop's heartbeat calls
 * rd_alerts_check(), which sends ONE mail when a condition has been
 * failing longer than its threshold ([daemon] alert_after for a mailbox
 * or the SMTP server, at once for the sweep and the database) and ONE
 * when it works again, to [council] it_contact, else the complaints
 * manager, with the error and what to do.
 *
 * An alert does not go through the outbox: the outbox lives in the
 * database, which may be what failed. It is handed straight to the SMTP
 * server on a thread of its own, so the main loop never waits on the
 * network. When the SMTP server itself is what fails, the alert about it
 * may not get through either; it is then logged, and `redress status`
 * (which exits non-zero) is the way monitoring learns of it.
 *
 * State is kept in memory: a daemon restarted while something is still
 * broken sends the alert again, which is the right thing after a restart.
 */
#include <string.h>
#include <unistd.h>
#include "service/service.h"

typedef struct {
	char *key;               /* "mailbox complaints", "smtp", "sweep", "reports", "purge", "database" */
	gint64 since;            /* failing since (0: working) */
	char *error;             /* the last error */
	gboolean alerted;        /* the failure mail was handed to the server */
	gboolean recovered;      /* working again after an alert: mail due */
} Condition;

struct _RdAlerts {
	GMutex lock;
	GHashTable *conditions;  /* key → Condition* */
	RdConfig *cfg;           /* a reference: rd_alerts_set_config */
	char *db_path;
	GPtrArray *threads;      /* GThread* sending, joined at free */
};

/* One alert on its way: everything it needs is its own, so a reload
 * that frees the configuration cannot pull anything from under it. */
typedef struct {
	RdSink *sink;            /* made from [smtp] when it was queued, or NULL */
	char *sink_error;        /* why there is no sink */
	char *from, *to, *subject, *body;
} Mail;

static void
condition_free(Condition *c)
{
	g_free(c->key);
	g_free(c->error);
	g_free(c);
}

RdAlerts *
rd_alerts_new(const char *db_path)
{
	RdAlerts *a = g_new0(RdAlerts, 1);
	g_mutex_init(&a->lock);
	a->conditions = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)condition_free);
	a->db_path = g_strdup(db_path);
	a->threads = g_ptr_array_new();
	return a;
}

void
rd_alerts_set_config(RdAlerts *a, const RdConfig *cfg)
{
	g_mutex_lock(&a->lock);
	a->cfg = (RdConfig *)cfg;
	g_mutex_unlock(&a->lock);
}

static Condition *
condition(RdAlerts *a, const char *key)
{
	Condition *c = g_hash_table_lookup(a->conditions, key);
	if (c == NULL) {
		c = g_new0(Condition, 1);
		c->key = g_strdup(key);
		g_hash_table_insert(a->conditions, c->key, c);
	}
	return c;
}

void
rd_alerts_failing(RdAlerts *a, const char *key, const char *error)
{
	if (a == NULL)
		return;
	g_mutex_lock(&a->lock);
	Condition *c = condition(a, key);
	if (c->since == 0)
		c->since = g_get_real_time() / G_USEC_PER_SEC;
	c->recovered = FALSE;
	g_free(c->error);
	c->error = g_strdup(error ? error : "unknown error");
	g_mutex_unlock(&a->lock);
}

void
rd_alerts_ok(RdAlerts *a, const char *key)
{
	if (a == NULL)
		return;
	g_mutex_lock(&a->lock);
	Condition *c = g_hash_table_lookup(a->conditions, key);
	if (c != NULL && c->since != 0) {
		c->since = 0;
		/* Only a failure someone was told of needs a "works again". */
		if (c->alerted) {
			c->alerted = FALSE;
			c->recovered = TRUE;
		}
	}
	g_mutex_unlock(&a->lock);
}

/* How long @key may fail before a person is told. */
static gint64
threshold(const RdConfig *cfg, const char *key)
{
	if (g_str_has_prefix(key, "mailbox ") || strcmp(key, "smtp") == 0)
		return cfg->daemon.alert_after;
	return 0;
}

/* What a person should do about @key failing with @error. */
static const char *
advice(const char *key, const char *error)
{
	if (g_str_has_prefix(key, "mailbox ")) {
		if (error != NULL && (strstr(error, "login") || strstr(error, "LOGIN") || strstr(error, "AUTHENTICATE") ||
		                      strstr(error, "refused by the provider") || strstr(error, "oauth")))
			return "The server refused the login: the password (imap_password_file) or the OAuth grant "
			       "has probably expired or been revoked. Renew it, then run 'systemctl reload redress'.";
		return "Check that the mail server is up and reachable from this machine, and the mailbox's "
		       "settings (imap_url, imap_ca_file). Complaints are waiting on the server meanwhile: none "
		       "is lost, but none is acknowledged.";
	}
	if (strcmp(key, "smtp") == 0)
		return "Letters are kept in the outbox and retried, so none is lost, but none is reaching "
		       "complainants. Check the SMTP server and the [smtp] settings; 'redress outbox' lists "
		       "what is waiting.";
	if (strcmp(key, "reports") == 0)
		return "The scheduled oversight report could not be queued; it is tried again at every sweep. "
		       "'redress report send --period PERIOD' queues it by hand and shows the same error.";
	if (strcmp(key, "purge") == 0)
		return "The scheduled retention purge failed and nothing was purged; it is tried again after "
		       "every sweep. 'redress purge --dry-run' shows what it would do, 'redress purge' runs it "
		       "by hand and shows the same error.";
	if (strcmp(key, "sweep") == 0)
		return "Reminders, holding replies and overdue alerts are not being sent. The error above says "
		       "why; 'redress sweep' runs it by hand and shows the same error.";
	return "The case file cannot be written: check the disk (space, permissions, errors in the system "
	       "log). Mail stays on the server until it can be stored.";
}

static char *
local_time(gint64 t)
{
	return t ? rd_time_format_local(t) : g_strdup("-");
}

static gpointer
send_thread(gpointer data)
{
	Mail *m = data;
	const char *from = m->from;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(now);
	g_autofree char *date = g_date_time_format(dt, "%a, %d %b %Y %H:%M:%S %z");
	g_autofree char *host = g_strdup(g_get_host_name());
	g_autofree char *id = g_strdup_printf("alert.%" G_GINT64_FORMAT ".%u@%s", now, g_random_int(),
	                                      strchr(from, '@') ? strchr(from, '@') + 1 : host);
	/* Plain text, 8bit UTF-8: nothing in an alert needs MIME structure,
	 * and the subject is ASCII by construction. */
	g_autoptr(GString) raw = g_string_new(NULL);
	g_string_append_printf(raw, "From: redress <%s>\r\nTo: <%s>\r\nSubject: %s\r\nDate: %s\r\n"
	                       "Message-ID: <%s>\r\nAuto-Submitted: auto-generated\r\n"
	                       "X-Auto-Response-Suppress: All\r\nMIME-Version: 1.0\r\n"
	                       "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
	                       from, m->to, m->subject, date, id);
	for (const char *p = m->body; *p; p++) {
		if (*p == '\n')
			g_string_append(raw, "\r\n");
		else
			g_string_append_c(raw, *p);
	}
	if (m->sink == NULL) {
		rd_log_error("alert not sent to %s (%s): %s", m->to, m->subject, m->sink_error);
	} else {
		RdOutboxRow row = { 0 };
		row.kind = (char *)"alert";
		row.to_addr = m->to;
		row.from_addr = (char *)from;
		row.subject = m->subject;
		row.raw = g_bytes_new(raw->str, raw->len);
		g_autofree char *detail = NULL;
		RdSinkStatus st = rd_sink_send(m->sink, &row, &detail);
		g_bytes_unref(row.raw);
		if (st == RD_SINK_SENT)
			rd_log_info("alert sent to=%s subject=\"%s\"", m->to, m->subject);
		else
			rd_log_error("alert not sent to=%s subject=\"%s\": %s", m->to, m->subject, detail);
	}
	rd_sink_free(m->sink);
	g_free(m->sink_error);
	g_free(m->from);
	g_free(m->to);
	g_free(m->subject);
	g_free(m->body);
	g_free(m);
	return NULL;
}

/* Called with the lock held. */
static void
queue_mail(RdAlerts *a, const Condition *c, gboolean failing, gint64 now)
{
	const RdConfig *cfg = a->cfg;
	const char *to = cfg->it_contact ? cfg->it_contact : cfg->complaints_manager;
	g_autofree char *since = local_time(c->since);
	g_autofree char *at = local_time(now);
	char *subject = failing ? g_strdup_printf("redress: %s is failing", c->key)
	                        : g_strdup_printf("redress: %s works again", c->key);
	char *body = failing
		? g_strdup_printf("redress on %s cannot do part of its work.\n\n"
		                  "What:   %s\nSince:  %s\nError:  %s\n\n%s\n\n"
		                  "'redress status' shows the state of every mailbox, the outbox and the sweep. "
		                  "Another mail follows when it works again.\n\nDatabase: %s\n",
		                  g_get_host_name(), c->key, since, c->error ? c->error : "-",
		                  advice(c->key, c->error), a->db_path)
		: g_strdup_printf("redress on %s: %s works again (%s).\n\nNothing more is needed. Mail and "
		                  "letters that waited meanwhile are being handled now.\n\nDatabase: %s\n",
		                  g_get_host_name(), c->key, at, a->db_path);
	if (to == NULL) {
		rd_log_error("%s: no [council] it_contact or complaints_manager to tell", subject);
		g_free(subject);
		g_free(body);
		return;
	}
	rd_log(failing ? RD_LOG_ERROR : RD_LOG_INFO, "%s; telling %s", subject, to);
	Mail *m = g_new0(Mail, 1);
	g_autoptr(GError) err = NULL;
	m->sink = cfg->smtp.url ? rd_sink_smtp_new(&cfg->smtp, &err) : NULL;
	m->sink_error = g_strdup(err ? err->message : "no [smtp] url is set");
	m->from = g_strdup(cfg->mailboxes[RD_MAILBOX_COMPLAINTS].address);
	m->to = g_strdup(to);
	m->subject = subject;
	m->body = body;
	g_ptr_array_add(a->threads, g_thread_new("alert", send_thread, m));
}

void
rd_alerts_check(RdAlerts *a, gint64 now)
{
	if (a == NULL)
		return;
	g_mutex_lock(&a->lock);
	if (a->cfg != NULL) {
		GHashTableIter it;
		gpointer v;
		g_hash_table_iter_init(&it, a->conditions);
		while (g_hash_table_iter_next(&it, NULL, &v)) {
			Condition *c = v;
			if (c->since != 0 && !c->alerted && now - c->since >= threshold(a->cfg, c->key)) {
				c->alerted = TRUE;
				queue_mail(a, c, TRUE, now);
			} else if (c->recovered) {
				c->recovered = FALSE;
				queue_mail(a, c, FALSE, now);
			}
		}
	}
	g_mutex_unlock(&a->lock);
}

void
rd_alerts_free(RdAlerts *a)
{
	if (a == NULL)
		return;
	/* A mail being handed to the server is finished (within [smtp]
	 * timeout) rather than cut off. */
	for (guint i = 0; i < a->threads->len; i++)
		g_thread_join(a->threads->pdata[i]);
	g_ptr_array_unref(a->threads);
	g_hash_table_unref(a->conditions);
	g_mutex_clear(&a->lock);
	g_free(a->db_path);
	g_free(a);
}
