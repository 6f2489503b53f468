/*
 * selftest.c — the self-test: do replies to case addresses reach the
 * complaints mailbox?
 *
 * Every letter asks for replies at its case's own address,
 * complaints+cmp-2026-000123-k3j9m2qa@…, so a mail server that does not
 * deliver plus addresses to the mailbox loses every reply, silently. The
 * self-test finds out by doing what a reply does, through the settings
 * redress really uses:
 *
 *   1. open the complaints mailbox ([mailbox:complaints], rd_imap_open):
 *      if it cannot be read there is nothing to watch, and no mail is sent;
 *   2. send a test mail through [smtp] with the same sink letters use
 *      (outbound/smtp.c: TLS, AUTH, envelope_from) to a reply address made
 *      with the database's own token key (rd_token_address) for a
 *      reference in the year 0000, which no case has; and at the same
 *      moment a second one to the mailbox's own address. The second is the
 *      control: when it arrives and the first does not, the cause is plus
 *      addressing and nothing else, and the advice can say so;
 *   3. watch the mailbox (IDLE where the server has it) until the first
 *      mail arrives or the time is up. Each mail is looked for by its
 *      token, which is in its subject (UID SEARCH SUBJECT: every server
 *      has it, and searching sets no \Seen), and in intake's notes
 *      (inbound/selftest.c), because a running daemon may fetch it first
 *      — or fetch the report of its failure, if the server sent it back to
 *      a mailbox redress reads;
 *   4. remove the test mail found in the mailbox (rd_imap_remove). What
 *      the daemon fetched, it removed itself; a control mail not seen
 *      within a few seconds of the first is left for intake to remove.
 *
 * The test mail is recognised by intake (X-Redress-Selftest with a token
 * that verifies) and filed nowhere, so the daemon never opens a case or
 * sends a letter for it; it also says Auto-Submitted: auto-generated, so
 * an installation that cannot verify it (another database's key) puts it
 * in triage rather than opening a case.
 *
 * Nothing here changes a case; the result is kept in the setting
 * RD_SELFTEST_LAST_SETTING for `redress status`.
 *
 * For the tests only: REDRESS_TEST_SELFTEST_IMAP_AFTER=SECONDS keeps the
 * self-test out of the mailbox for that long after sending (intake's
 * notes are still read), so that a running daemon is sure to fetch the
 * test mail first.
 */
#include <string.h>
#include "service/service.h"

#define WAIT_STEP_S   2      /* longest wait between two looks */
#define CONTROL_GRACE 5      /* seconds the control mail may lag behind */

const char *
rd_selftest_outcome_to_string(RdSelftestOutcome o)
{
	switch (o) {
	case RD_SELFTEST_OK: return "ok";
	case RD_SELFTEST_NOT_CONFIGURED: return "not-configured";
	case RD_SELFTEST_SMTP_FAILED: return "smtp-failed";
	case RD_SELFTEST_IMAP_FAILED: return "imap-failed";
	case RD_SELFTEST_NO_PLUS_ADDRESSING: return "no-plus-addressing";
	case RD_SELFTEST_NOT_DELIVERED: return "not-delivered";
	case RD_SELFTEST_STOPPED: return "stopped";
	}
	return "unknown";
}

void
rd_selftest_result_clear(RdSelftestResult *r)
{
	g_clear_pointer(&r->address, g_free);
	g_clear_pointer(&r->summary, g_free);
	g_clear_pointer(&r->detail, g_free);
	g_clear_pointer(&r->advice, g_ptr_array_unref);
}

/* ---- advice ---------------------------------------------------------------- */

static void
advise(RdSelftestResult *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
advise(RdSelftestResult *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_ptr_array_add(r->advice, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

/* What to configure when plus addresses do not arrive. Vendor facts are
 * kept to what their own documentation says, and hedged. */
static void
advise_plus(RdSelftestResult *r, const char *mailbox_address)
{
	const char *at = strrchr(mailbox_address, '@');
	g_autofree char *local = g_strndup(mailbox_address, (gsize)(at - mailbox_address));
	advise(r, "Every letter redress sends asks for replies at its case's own address, such as "
	       "%s+cmp-2026-000123-k3j9m2qa%s (its Reply-To). A mail server without plus addressing "
	       "refuses, bounces or misdelivers those replies, and nothing else tells you.", local, at);
	advise(r, "Microsoft 365 (Exchange Online): plus addressing has been on by default since 2022 "
	       "unless an administrator turned it off; Get-OrganizationConfig | Format-List "
	       "*PlusAddress* shows it, and Set-OrganizationConfig -DisablePlusAddressInRecipients "
	       "$false turns it on.");
	advise(r, "Google Workspace and Gmail deliver name+anything@ to name@; if that fails here, "
	       "look for a routing rule, alias or other server in front of the mailbox.");
	advise(r, "Postfix: recipient_delimiter = + in main.cf, then postfix reload; a delivery agent "
	       "after it must accept the + too (Dovecot: recipient_delimiter = +).");
	advise(r, "Exchange Server on premises is not known to offer plus addressing: redress's reply "
	       "addresses cannot reach the mailbox there unless something in front of it routes "
	       "%s+…%s to it, so that set-up is not supported as it is.", local, at);
}

/* ---- the test mail ------------------------------------------------------------ */

/* RFC 5322 date, in English whatever the locale. */
static char *
mail_date(gint64 t)
{
	static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	g_autoptr(GDateTime) d = g_date_time_new_from_unix_utc(t);
	return g_strdup_printf("%s, %02d %s %04d %02d:%02d:%02d +0000",
	                       days[g_date_time_get_day_of_week(d) - 1], g_date_time_get_day_of_month(d),
	                       months[g_date_time_get_month(d) - 1], g_date_time_get_year(d),
	                       g_date_time_get_hour(d), g_date_time_get_minute(d),
	                       g_date_time_get_second(d));
}

/* The test mail from @from to @to, named by @token (subject, Message-ID
 * and X-Redress-Selftest). Every part is ASCII and checked by the
 * caller: no header can be injected. */
static GBytes *
mail_new(const RdConfig *cfg, const char *from, const char *to, const char *token, gint64 now)
{
	g_autofree char *date = mail_date(now);
	g_autofree char *msgid = rd_selftest_message_id(token, cfg->council_domain ? cfg->council_domain
	                                                                           : "council.example");
	char *text = g_strdup_printf(
		"From: %s\r\n"
		"To: %s\r\n"
		"Subject: redress self-test %s (automatic, please ignore)\r\n"
		"Date: %s\r\n"
		"Message-ID: <%s>\r\n"
		"Auto-Submitted: auto-generated\r\n"
		RD_SELFTEST_HEADER ": %s\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=us-ascii\r\n"
		"Content-Transfer-Encoding: 7bit\r\n"
		"\r\n"
		"redress sent this mail to check that mail to the reply addresses of\r\n"
		"cases reaches the complaints mailbox. It opens no case and needs no\r\n"
		"action: redress removes it once it has seen it. If it stays here, the\r\n"
		"check did not finish; it is safe to delete.\r\n",
		from, to, token, date, msgid, token);
	return g_bytes_new_take(text, strlen(text));
}

/* An address we can put in a header as it is. */
static gboolean
plain_address(const char *a)
{
	if (a == NULL || *a == '\0')
		return FALSE;
	const char *at = strrchr(a, '@');
	if (at == NULL || at == a || at[1] == '\0')
		return FALSE;
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || strchr("<>(),;:\"\\[]", *p))
			return FALSE;
	return TRUE;
}

/* ---- the round trip ------------------------------------------------------------- */

/* REDRESS_TEST_SELFTEST_IMAP_AFTER in µs, or 0. */
static gint64
test_imap_after(void)
{
	const char *v = g_getenv("REDRESS_TEST_SELFTEST_IMAP_AFTER");
	return v != NULL ? g_ascii_strtoll(v, NULL, 10) * G_USEC_PER_SEC : 0;
}

/* One of the two test mails. */
typedef struct {
	const char *what;        /* "plus", "control": for the log */
	char *token;
	char *to;
	gboolean sent;
	RdSinkStatus status;     /* of the SMTP attempt */
	char *reply;             /* the server's reply or the failure */
	gint64 sent_at;          /* monotonic, µs */
	gint64 found_at;         /* monotonic, µs; 0 = not yet */
	gboolean by_intake;      /* found in intake's notes, not the mailbox */
	char *bounce;            /* intake saw a report of its failure: the
	                            status ("5.1.1", "undeliverable"), or NULL */
	guint32 uid;             /* found in the mailbox: its UID */
} Probe;

static void
probe_clear(Probe *p)
{
	g_clear_pointer(&p->token, g_free);
	g_clear_pointer(&p->to, g_free);
	g_clear_pointer(&p->reply, g_free);
	g_clear_pointer(&p->bounce, g_free);
}

/* Arrived, or reported undeliverable: nothing more to wait for. */
static gboolean
probe_done(const Probe *p)
{
	return p->found_at != 0 || p->bounce != NULL;
}

static void
probe_send(Probe *p, RdSink *sink, const RdConfig *cfg, const char *from)
{
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	g_autoptr(GBytes) raw = mail_new(cfg, from, p->to, p->token, now);
	RdOutboxRow row = { 0 };
	row.idem_key = (char *)"selftest";
	row.kind = (char *)"selftest";
	row.from_addr = (char *)from;
	row.to_addr = p->to;
	row.raw = raw;
	p->sent_at = g_get_monotonic_time();
	p->status = rd_sink_send(sink, &row, &p->reply);
	p->sent = p->status == RD_SINK_SENT;
	rd_log_debug("selftest %s to=%s smtp=\"%s\"", p->what, p->to, p->reply);
}

/* Look for @p in the mailbox, then in intake's notes. FALSE with @error
 * when IMAP (*@imap_r TRUE) or the store failed. */
static gboolean
probe_look(Probe *p, RdImap *s, RdStore *store, gboolean *imap_r, GError **error)
{
	if (!p->sent || probe_done(p))
		return TRUE;
	gboolean look = g_get_monotonic_time() - p->sent_at >= test_imap_after();
	g_autoptr(GArray) uids = look ? rd_imap_search_subject(s, p->token, error)
	                              : g_array_new(FALSE, FALSE, sizeof(guint32));
	if (uids == NULL) {
		*imap_r = TRUE;
		return FALSE;
	}
	if (uids->len > 0) {
		p->found_at = g_get_monotonic_time();
		p->uid = g_array_index(uids, guint32, 0);
		return TRUE;
	}
	gboolean seen = FALSE;
	g_autofree char *bounce = NULL;
	if (!rd_selftest_seen(store, p->token, &seen, NULL, &bounce, error))
		return FALSE;
	if (seen && bounce != NULL) {
		p->bounce = g_steal_pointer(&bounce);
	} else if (seen) {
		p->found_at = g_get_monotonic_time();
		p->by_intake = TRUE;
	}
	return TRUE;
}

static double
probe_seconds(const Probe *p)
{
	return p->found_at ? (double)(p->found_at - p->sent_at) / G_USEC_PER_SEC : -1;
}

static gboolean
stopped(const gint *stop)
{
	return stop != NULL && g_atomic_int_get(stop) != 0;
}

/* Send both mails and watch for them; fills @plus and @control. FALSE
 * (and *@imap_r for IMAP) when the mailbox or the store failed. */
static gboolean
round_trip(RdStore *store, const RdConfig *cfg, RdImap *s, RdSink *sink, guint timeout_s,
           const gint *stop, Probe *plus, Probe *control, gboolean *imap_r, GError **error)
{
	const char *from = cfg->mailboxes[RD_MAILBOX_COMPLAINTS].address;
	probe_send(plus, sink, cfg, from);
	/* The control mail goes when it can tell something: after the plus
	 * address went, or was refused for itself (5xx) rather than for a
	 * server or login problem. */
	if (plus->sent || plus->status == RD_SINK_FAILED)
		probe_send(control, sink, cfg, from);
	if (!plus->sent && !control->sent)
		return TRUE;

	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
	gint64 plus_done_at = 0;
	for (;;) {
		if (!probe_look(plus, s, store, imap_r, error) || !probe_look(control, s, store, imap_r, error))
			return FALSE;
		gint64 now = g_get_monotonic_time();
		if (plus_done_at == 0 && probe_done(plus))
			plus_done_at = now;
		/* The answer is in; the control mail gets a few seconds more,
		 * to be removed (and, after a failure, to tell why). */
		if (plus_done_at != 0 &&
		    (probe_done(control) || !control->sent ||
		     now - plus_done_at >= (gint64)CONTROL_GRACE * G_USEC_PER_SEC))
			break;
		if (!plus->sent && probe_done(control))
			break;
		if (now >= deadline || stopped(stop))
			break;
		gint64 left = (deadline - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
		gboolean new_mail = FALSE;
		if (!rd_imap_wait(s, (guint)MIN(left, WAIT_STEP_S), &new_mail, error)) {
			*imap_r = TRUE;
			return FALSE;
		}
	}

	/* Found in the mailbox: ours to remove. A failure here is only
	 * logged: the test has its answer, and intake removes what is left. */
	guint32 uids[2];
	guint n = 0;
	if (plus->found_at != 0 && !plus->by_intake)
		uids[n++] = plus->uid;
	if (control->found_at != 0 && !control->by_intake)
		uids[n++] = control->uid;
	g_autoptr(GError) rerr = NULL;
	if (!rd_imap_remove(s, uids, n, &rerr))
		rd_log_warn("selftest: the test mail stays in the mailbox (intake will remove it): %s",
		            rerr->message);
	return TRUE;
}

/* The result from what happened to the two mails. */
static void
conclude(RdSelftestResult *r, const RdConfig *cfg, const Probe *plus, const Probe *control,
         guint timeout_s, const gint *stop)
{
	const char *mailbox = cfg->mailboxes[RD_MAILBOX_COMPLAINTS].address;
	const char *smtp = cfg->smtp.url;
	if (plus->found_at != 0) {
		r->outcome = RD_SELFTEST_OK;
		r->seconds = probe_seconds(plus);
		r->seen_by_intake = plus->by_intake;
		r->summary = g_strdup_printf(
			"a test mail to %s went out through %s and reached the complaints mailbox in %.1f seconds%s",
			plus->to, smtp, r->seconds,
			plus->by_intake ? " (a running redress fetched it first, and filed it nowhere)" : "");
		return;
	}
	if (!plus->sent && plus->status == RD_SINK_FAILED && control->sent) {
		r->outcome = RD_SELFTEST_NO_PLUS_ADDRESSING;
		r->detail = g_strdup(plus->reply);
		r->summary = g_strdup_printf(
			"the SMTP server %s refused the plus address %s (%s) but accepted %s: it does not "
			"take plus addresses for the complaints mailbox", smtp, plus->to, plus->reply, mailbox);
		advise_plus(r, mailbox);
		return;
	}
	if (!plus->sent) {
		r->outcome = RD_SELFTEST_SMTP_FAILED;
		r->detail = g_strdup(plus->reply);
		r->summary = g_strdup_printf("the SMTP server %s did not take the test mail to %s: %s", smtp,
		                             plus->to, plus->reply);
		advise(r, "Check [smtp] url (host and port), user and password_file (or auth = xoauth2 and "
		       "its oauth_ keys) and ca_file. Letters use the same settings, so they are not going "
		       "out either: see redress outbox and redress status.");
		return;
	}
	if (plus->bounce != NULL) {
		r->outcome = RD_SELFTEST_NO_PLUS_ADDRESSING;
		r->detail = g_strdup(plus->bounce);
		g_autofree char *control_said = control->found_at != 0
			? g_strdup_printf(", while one to %s arrived", mailbox) : g_strdup("");
		r->summary = g_strdup_printf(
			"a test mail to %s came back undeliverable (%s)%s: the mail server does not deliver plus "
			"addresses to the mailbox", plus->to, plus->bounce, control_said);
		advise_plus(r, mailbox);
		return;
	}
	if (stopped(stop)) {
		r->outcome = RD_SELFTEST_STOPPED;
		r->summary = g_strdup("stopped before the test mail was seen");
		return;
	}
	if (control->found_at != 0) {
		r->outcome = RD_SELFTEST_NO_PLUS_ADDRESSING;
		r->summary = g_strdup_printf(
			"a test mail to %s did not reach the complaints mailbox within %u seconds, but one sent at the "
			"same time to %s arrived in %.1f seconds: the mail server does not deliver plus addresses to "
			"the mailbox", plus->to, timeout_s, mailbox, probe_seconds(control));
		advise_plus(r, mailbox);
		return;
	}
	r->outcome = RD_SELFTEST_NOT_DELIVERED;
	g_autofree char *control_said = control->bounce != NULL
		? g_strdup_printf(" (the one to %s came back undeliverable: %s)", mailbox, control->bounce)
		: g_strdup("");
	r->summary = g_strdup_printf(
		"neither a test mail to %s nor one to %s reached the complaints mailbox within %u seconds, "
		"though the SMTP server took both%s", plus->to, mailbox, timeout_s, control_said);
	advise(r, "Check that [mailbox:complaints] address (%s) is the address of the mailbox that "
	       "imap_url reads (%s), and look in that mailbox's junk folder. A slow server may need "
	       "longer: redress selftest --timeout SECONDS.", mailbox,
	       cfg->mailboxes[RD_MAILBOX_COMPLAINTS].imap_url);
	advise(r, "Once mail to %s arrives, the self-test tells whether plus addresses do too.", mailbox);
}

gboolean
rd_selftest_run(RdStore *store, const RdConfig *cfg, guint timeout_s, const gint *stop, int wake_fd,
                RdSelftestResult *r, GError **error)
{
	g_return_val_if_fail(store != NULL && cfg != NULL && r != NULL, FALSE);
	memset(r, 0, sizeof *r);
	r->at = g_get_real_time() / G_USEC_PER_SEC;
	r->seconds = -1;
	r->advice = g_ptr_array_new_with_free_func(g_free);
	const RdMailboxConfig *mc = &cfg->mailboxes[RD_MAILBOX_COMPLAINTS];

	if (cfg->smtp.url == NULL || mc->imap_url == NULL || !plain_address(mc->address)) {
		r->outcome = RD_SELFTEST_NOT_CONFIGURED;
		r->summary = g_strdup(cfg->smtp.url == NULL ? "there is no [smtp] url to send the test mail through"
		                      : mc->imap_url == NULL ? "[mailbox:complaints] has no imap_url to watch for the test mail"
		                      : "[mailbox:complaints] address is not a plain email address");
		advise(r, "Set url in [smtp] and imap_url (with imap_user and imap_password_file) in "
		       "[mailbox:complaints]: the self-test sends through the one and watches the other, as "
		       "letters and replies do. Check them with redress config check.");
		return TRUE;
	}

	guint8 key[RD_TOKEN_KEY_LEN];
	if (!rd_token_key_load(store, key, error))
		return FALSE;
	Probe plus = { .what = "plus" }, control = { .what = "control" };
	g_autofree char *ref = rd_selftest_reference_new(cfg->reference_prefix);
	g_autofree char *ref2 = NULL;
	do {
		g_free(ref2);
		ref2 = rd_selftest_reference_new(cfg->reference_prefix);
	} while (strcmp(ref, ref2) == 0);
	plus.token = rd_token_make(key, RD_TOKEN_KEY_LEN, ref);
	plus.to = rd_token_address(key, RD_TOKEN_KEY_LEN, mc->address, ref);
	control.token = rd_token_make(key, RD_TOKEN_KEY_LEN, ref2);
	control.to = g_strdup(mc->address);
	memset(key, 0, sizeof key);
	r->address = g_strdup(plus.to);

	gboolean ok = TRUE;
	g_autoptr(GError) err = NULL;
	/* The mailbox first: with nothing to watch, no mail is sent. */
	g_autoptr(RdImap) s = rd_imap_open(mc, rd_mailbox_to_string(RD_MAILBOX_COMPLAINTS), &err);
	g_autoptr(RdSink) sink = s != NULL ? rd_sink_smtp_new(&cfg->smtp, &err) : NULL;
	if (s == NULL) {
		r->outcome = RD_SELFTEST_IMAP_FAILED;
		r->detail = g_strdup(err->message);
	} else if (sink == NULL) {
		r->outcome = RD_SELFTEST_SMTP_FAILED;
		r->detail = g_strdup(err->message);
		r->summary = g_strdup_printf("the test mail cannot be sent: %s", err->message);
		advise(r, "Fix [smtp] as the message says (redress config check shows the settings).");
	} else {
		rd_imap_set_wait(s, TRUE, wake_fd);
		gboolean imap_failed = FALSE;
		ok = round_trip(store, cfg, s, sink, timeout_s, stop, &plus, &control, &imap_failed, &err);
		if (ok) {
			conclude(r, cfg, &plus, &control, timeout_s, stop);
		} else if (imap_failed) {
			ok = TRUE;
			r->outcome = RD_SELFTEST_IMAP_FAILED;
			r->detail = g_strdup(err->message);
		}
	}
	if (ok && r->outcome == RD_SELFTEST_IMAP_FAILED) {
		r->summary = g_strdup_printf("the complaints mailbox could not be read: %s", r->detail);
		advise(r, "Check imap_url, imap_user, imap_password_file (or imap_auth and its oauth_ keys) "
		       "and imap_ca_file in [mailbox:complaints]: intake reads the complaints with the same "
		       "settings.");
	}
	if (!ok)
		g_propagate_error(error, g_steal_pointer(&err));
	probe_clear(&plus);
	probe_clear(&control);
	return ok;
}

/* ---- the last result, for `redress status` ---------------------------------------- */

gboolean
rd_selftest_record(RdStore *store, const RdSelftestResult *r, GError **error)
{
	g_autofree char *summary = g_strdup(r->summary ? r->summary : "");
	g_strdelimit(summary, "\t\r\n", ' ');
	g_autofree char *value = g_strdup_printf("%" G_GINT64_FORMAT "\t%s\t%s", r->at,
	                                         rd_selftest_outcome_to_string(r->outcome), summary);
	return rd_store_setting_set(store, RD_SELFTEST_LAST_SETTING, value, error);
}

gboolean
rd_selftest_last(RdStore *store, gint64 *at_r, char **outcome_r, char **summary_r, GError **error)
{
	*at_r = 0;
	*outcome_r = NULL;
	*summary_r = NULL;
	g_autofree char *value = NULL;
	if (!rd_store_setting_get(store, RD_SELFTEST_LAST_SETTING, &value, error))
		return FALSE;
	if (value == NULL)
		return TRUE;
	g_auto(GStrv) f = g_strsplit(value, "\t", 3);
	if (g_strv_length(f) != 3)
		return TRUE;
	*at_r = g_ascii_strtoll(f[0], NULL, 10);
	*outcome_r = g_strdup(f[1]);
	*summary_r = g_strdup(f[2]);
	return TRUE;
}
