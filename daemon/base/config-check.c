/*
 * config-check.c — what a command checks before it uses a part of the
 * configuration, and what `redress config check` checks of every part:
 * the keys that only work together, and the files the configuration
 * names (secret files, CA certificates, the bank-holidays list, the
 * templates folder).
 *
 * One source of truth: `redress config check`, the start of `fetch` (each
 * mailbox), of `outbox send` ([smtp]) and of `daemon` (everything, again
 * at each reload) call these functions, and the IMAP source and the SMTP
 * sink call them once more for their own defence; so what the check
 * passes the commands accept, and what a command refuses the check has
 * reported, in the same words. No network is used: a wrong password or a
 * server that is down is found only by trying.
 *
 * Each problem names [group] and key and says what to do. With a
 * configuration read from a file it is located at the key's line (its
 * group's when the key is missing), and a key the reader already refused
 * (config.c) is not reported a second time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include "base/base-private.h"

void
rd_check_problem(RdCheck *c, const char *group, const char *key, const char *fmt, ...)
{
	c->n++;
	if (c->cfg != NULL && rd_config_file_marked(c->cfg->file, group, key))
		return;   /* said once already, by the reader */
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_autofree char *who = c->who != NULL ? g_strdup(c->who) : g_strdup_printf("[%s]", group);
	if (c->errs != NULL && c->cfg != NULL) {
		g_autofree char *where = rd_config_where(c->cfg, group, key);
		g_string_append_printf(c->errs, "%s: %s %s\n", where, who, msg);
	} else if (c->errs != NULL) {
		g_string_append_printf(c->errs, "%s %s\n", who, msg);
	} else if (c->error != NULL && *c->error == NULL) {
		g_set_error(c->error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID, "%s %s", who, msg);
	}
}

/* ---- files ------------------------------------------------------------------ */

void
rd_check_secret(RdCheck *c, const char *group, const char *key, const char *path)
{
	GError *e = NULL;
	char *secret = rd_secret_read(path, key, &e);
	if (secret == NULL) {
		rd_check_problem(c, group, key, "%s", e->message);
		g_error_free(e);
		return;
	}
	rd_secret_free(secret);
}

/* The whole of @path; NULL with *@why_r set (newly allocated) if it cannot
 * be read. */
static char *
read_all(const char *path, gsize *len_r, char **why_r)
{
	/* open() first: its errno says why in plain words. */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*why_r = g_strdup(g_strerror(errno));
		return NULL;
	}
	struct stat st;
	gboolean regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	close(fd);
	if (!regular) {
		*why_r = g_strdup("it is not a regular file");
		return NULL;
	}
	char *data = NULL;
	g_autoptr(GError) e = NULL;
	if (!g_file_get_contents(path, &data, len_r, &e)) {
		*why_r = g_strdup(e->message);
		return NULL;
	}
	return data;
}

void
rd_check_ca_file(RdCheck *c, const char *group, const char *key, const char *path)
{
	gsize len = 0;
	g_autofree char *why = NULL;
	g_autofree char *data = read_all(path, &len, &why);
	if (data == NULL) {
		rd_check_problem(c, group, key, "%s %s: cannot read it: %s", key, path, why);
		return;
	}
	/* As GnuTLS will read it for the connection (libcurl's and ours). */
	gnutls_datum_t d = { (unsigned char *)data, (unsigned)MIN(len, G_MAXUINT) };
	gnutls_x509_crt_t *crts = NULL;
	unsigned n = 0;
	int r = gnutls_x509_crt_list_import2(&crts, &n, &d, GNUTLS_X509_FMT_PEM, 0);
	for (unsigned i = 0; r >= 0 && i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	if (r < 0 || n == 0)
		rd_check_problem(c, group, key, "%s %s: holds no certificate that can be read (%s); it must hold the "
		                 "CA certificates in PEM, each between -----BEGIN CERTIFICATE----- and "
		                 "-----END CERTIFICATE-----", key, path, r < 0 ? gnutls_strerror(r) : "none found");
}

/* ---- the parts ----------------------------------------------------------------- */

static char *
mailbox_group(RdMailbox role)
{
	return g_strdup_printf("mailbox:%s", rd_mailbox_to_string(role));
}

/* [mailbox:@role]'s IMAP account. */
static void
check_mailbox(RdCheck *c, const RdMailboxConfig *m, RdMailbox role)
{
	g_autofree char *group = mailbox_group(role);
	if (m->imap_url == NULL) {
		rd_check_problem(c, group, NULL, "has no imap_url, so it has no IMAP account: set imap_url, "
		                 "imap_user and imap_password_file (or imap_auth = xoauth2 and the oauth_ keys)");
		return;
	}
	g_autoptr(GError) e = NULL;
	if (!rd_imap_url_parse(m->imap_url, NULL, &e))
		rd_check_problem(c, group, "imap_url", "%s", e->message);
	if (m->imap_user == NULL)
		rd_check_problem(c, group, NULL, "imap_user is not set: imap_url needs the IMAP login");
	if (m->imap_xoauth2)
		rd_oauth_check(c, &m->oauth, group, "imap_auth", TRUE);
	else if (m->imap_password_file == NULL)
		rd_check_problem(c, group, NULL, "imap_password_file is not set: put the IMAP password in a file only "
		                 "redress can read (chmod 600) and name it there, or use imap_auth = xoauth2");
	else
		rd_check_secret(c, group, "imap_password_file", m->imap_password_file);
	if (m->imap_ca_file != NULL)
		rd_check_ca_file(c, group, "imap_ca_file", m->imap_ca_file);
}

/* [smtp]: the server and how redress logs in to it. */
static void
check_smtp_server(RdCheck *c, const RdSmtpConfig *s)
{
	if (s->url == NULL) {
		rd_check_problem(c, "smtp", NULL, "no SMTP server is configured: set url in [smtp]");
		return;
	}
	g_autofree char *why = rd_smtp_url_problem(s->url);
	if (why != NULL)
		rd_check_problem(c, "smtp", "url", "%s", why);
	if (s->xoauth2) {
		if (s->user == NULL)
			rd_check_problem(c, "smtp", "auth", "auth = xoauth2 needs user (the mailbox letters are sent as)");
		rd_oauth_check(c, &s->oauth, "smtp", "auth", TRUE);
	} else {
		if (s->password_file != NULL && s->user == NULL)
			rd_check_problem(c, "smtp", "password_file", "password_file is set but user is not: set both, "
			                 "or neither");
		if (s->user != NULL && s->password_file == NULL)
			rd_check_problem(c, "smtp", "user", "user is set but password_file is not: put the password in a "
			                 "file only redress can read (chmod 600) and name it in password_file");
		if (s->password_file != NULL)
			rd_check_secret(c, "smtp", "password_file", s->password_file);
	}
	if (s->ca_file != NULL)
		rd_check_ca_file(c, "smtp", "ca_file", s->ca_file);
}

/* [smtp] sent_mailbox: the mailbox whose IMAP account gets the copies;
 * with @account its settings too. */
static void
check_sent_mailbox(RdCheck *c, const RdConfig *cfg, gboolean account)
{
	RdMailbox role;
	const char *name = cfg->smtp.sent_mailbox;
	if (name == NULL || !rd_mailbox_from_string(name, &role))
		return;
	if (cfg->mailboxes[role].imap_url == NULL)
		rd_check_problem(c, "smtp", "sent_mailbox", "sent_mailbox = %s, but [mailbox:%s] has no imap_url to "
		                 "append the copies over", name, name);
	else if (account)
		check_mailbox(c, &cfg->mailboxes[role], role);
}

/* [calendar]: the calendar it describes, or NULL. */
static RdCalendar *
calendar(RdCheck *c, const RdConfig *cfg)
{
	g_autoptr(RdCalendar) cal = rd_calendar_new(cfg->nation);
	gboolean ok = TRUE;
	GError *e = NULL;
	if (cfg->bank_holidays != NULL && *cfg->bank_holidays != '\0' &&
	    !rd_calendar_load_json(cal, cfg->bank_holidays, &e)) {
		rd_check_problem(c, "calendar", "bank_holidays", "bank_holidays %s", e->message);
		g_clear_error(&e);
		ok = FALSE;
	}
	if (!rd_calendar_add_closures(cal, cfg->closures, &e)) {
		rd_check_problem(c, "calendar", "closures", "closures: %s", e->message);
		g_clear_error(&e);
		ok = FALSE;
	}
	return ok ? g_steal_pointer(&cal) : NULL;
}

/* [letters] templates: a folder redress can read. */
static void
check_letters(RdCheck *c, const RdConfig *cfg)
{
	const char *dir = cfg->templates_dir;
	struct stat st;
	if (dir == NULL)
		return;
	if (stat(dir, &st) != 0 || access(dir, R_OK | X_OK) != 0)
		rd_check_problem(c, "letters", "templates", "templates %s: cannot read it: %s", dir, g_strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		rd_check_problem(c, "letters", "templates", "templates %s: not a folder (it holds a folder per "
		                 "language: en, cy)", dir);
}

/* [reports] self_assessment, ombudsman_letter: text files the report
 * includes; one that cannot be read is found now, not when the annual
 * report is due. */
static void
check_report_files(RdCheck *c, const RdConfig *cfg)
{
	const char *keys[] = { "self_assessment", "ombudsman_letter" };
	const char *paths[] = { cfg->reports.self_assessment, cfg->reports.ombudsman_letter };
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		if (paths[i] == NULL)
			continue;
		g_autofree char *text = NULL;
		gsize len = 0;
		g_autoptr(GError) e = NULL;
		if (!g_file_get_contents(paths[i], &text, &len, &e))
			rd_check_problem(c, "reports", keys[i], "%s %s: cannot read it: %s", keys[i], paths[i], e->message);
		else if (!g_utf8_validate(text, (gssize)len, NULL))
			rd_check_problem(c, "reports", keys[i], "%s %s: not UTF-8 text (save it as plain text, UTF-8)",
			                 keys[i], paths[i]);
	}
}

/* ---- for the commands and `config check` ---------------------------------------- */

gboolean
rd_config_check_mailbox(const RdConfig *cfg, RdMailbox role, GString *errs)
{
	RdCheck c = { cfg, errs, NULL, NULL, 0 };
	check_mailbox(&c, &cfg->mailboxes[role], role);
	return c.n == 0;
}

gboolean
rd_config_check_smtp(const RdConfig *cfg, GString *errs)
{
	RdCheck c = { cfg, errs, NULL, NULL, 0 };
	check_smtp_server(&c, &cfg->smtp);
	check_sent_mailbox(&c, cfg, TRUE);
	return c.n == 0;
}

gboolean
rd_config_check_calendar(const RdConfig *cfg, GString *errs)
{
	RdCheck c = { cfg, errs, NULL, NULL, 0 };
	g_autoptr(RdCalendar) cal = calendar(&c, cfg);
	return c.n == 0;
}

gboolean
rd_config_check_letters(const RdConfig *cfg, GString *errs)
{
	RdCheck c = { cfg, errs, NULL, NULL, 0 };
	check_letters(&c, cfg);
	return c.n == 0;
}

gboolean
rd_config_check_files(const RdConfig *cfg, GString *errs)
{
	RdCheck c = { cfg, errs, NULL, NULL, 0 };
	g_autoptr(RdCalendar) cal = calendar(&c, cfg);
	check_letters(&c, cfg);
	check_report_files(&c, cfg);
	for (int i = 0; i < RD_MAILBOX_N; i++)
		if (cfg->mailboxes[i].imap_url != NULL)
			check_mailbox(&c, &cfg->mailboxes[i], (RdMailbox)i);
	if (cfg->smtp.url != NULL)
		check_smtp_server(&c, &cfg->smtp);
	/* Its account, if it has one, was checked with the mailboxes. */
	check_sent_mailbox(&c, cfg, FALSE);
	return c.n == 0;
}

RdCalendar *
rd_config_calendar(const RdConfig *cfg, GError **error)
{
	g_autoptr(GString) errs = g_string_new(NULL);
	RdCheck c = { cfg, errs, NULL, NULL, 0 };
	RdCalendar *cal = calendar(&c, cfg);
	if (cal == NULL) {
		if (errs->len > 0)
			g_string_truncate(errs, errs->len - 1);
		g_set_error_literal(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID,
		                    errs->len > 0 ? errs->str : "[calendar] cannot be used (see redress config check)");
	}
	return cal;
}

gboolean
rd_mailbox_config_check(const RdMailboxConfig *m, RdMailbox role, GError **error)
{
	RdCheck c = { NULL, NULL, error, NULL, 0 };
	check_mailbox(&c, m, role);
	return c.n == 0;
}

gboolean
rd_smtp_config_check(const RdSmtpConfig *s, GError **error)
{
	RdCheck c = { NULL, NULL, error, NULL, 0 };
	check_smtp_server(&c, s);
	return c.n == 0;
}
