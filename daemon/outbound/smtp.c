/*
 * smtp.c — the SMTP sink: one letter, one recipient, over libcurl.
 *
 * Settings come from [smtp] (RdSmtpConfig). The rules, in the order they
 * are applied:
 *
 *  - TLS always: smtps:// is TLS from the first byte; on smtp:// STARTTLS
 *    is required (CURLUSESSL_ALL), so a server or a man in the middle that
 *    drops it gets nothing. Only allow_plaintext (loopback tests) lets an
 *    smtp:// server without STARTTLS through, and even then a TLS session
 *    that is offered must verify.
 *  - The certificate is always verified, chain and host name, against
 *    ca_file when set, else the system's store. There is no switch to
 *    turn that off.
 *  - AUTH, when a user is set, with the password read once at start from
 *    password_file, which must be a regular file owned by us (or root) that
 *    others cannot read; anything else is refused before any connection,
 *    by the same checks `redress config check` makes (base/, in its words).
 *    With auth = xoauth2, AUTH XOAUTH2 with a bearer token from oauth.c
 *    (Microsoft 365's SMTP AUTH with SMTP.SendAsApp); a token the server
 *    refuses is forgotten, and a token endpoint that fails leaves the
 *    letter queued (temporary), with an alert in the log.
 *  - MAIL FROM is envelope_from (the bounce address, so DSNs come back to
 *    a mailbox redress reads), else the letter's own From mailbox.
 *
 * The easy handle is kept between letters, so a run over many letters
 * uses one connection and one TLS handshake. What a failure means is
 * decided here, not by the caller: a 5xx reply to the letter (RCPT, DATA)
 * is permanent; 4xx, no connection, TLS or AUTH trouble are temporary —
 * a wrong password or CA is the council's to fix, not a reason to give up
 * on a complainant's letter.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <curl/curl.h>
#include "outbound/outbound.h"

typedef struct {
	RdSink base;
	CURL *curl;
	char *url;
	char *envelope_from;
	char *user;
	char *password;          /* wiped before it is freed */
	gboolean xoauth2;        /* AUTH XOAUTH2 with a token from oauth */
	RdOAuthConfig oauth;     /* a copy: the sink may outlive a reload */
	char *ca_file;
	gboolean plaintext_ok;
	long timeout;
	char errbuf[CURL_ERROR_SIZE];
	GString *last_reply;     /* the last server reply line of this transfer */
	GString *refusal;        /* its first 4xx/5xx reply line (curl sends
	                            QUIT after it, so it is not the last) */
	GString *partial;        /* a reply line not finished yet */
} SmtpSink;

/* The upload: the letter with every line ending CRLF, as SMTP wants. */
typedef struct {
	GString *data;
	gsize pos;
} Upload;

static size_t
read_cb(char *buf, size_t size, size_t nmemb, void *userp)
{
	Upload *u = userp;
	size_t n = MIN(size * nmemb, u->data->len - u->pos);
	memcpy(buf, u->data->str + u->pos, n);
	u->pos += n;
	return n;
}

/* libcurl hands SMTP server replies to the header callback, a line at a
 * time; the last complete one is what the server said to our letter. */
static size_t
reply_cb(char *buf, size_t size, size_t nitems, void *userp)
{
	SmtpSink *s = userp;
	size_t n = size * nitems;
	g_string_append_len(s->partial, buf, (gssize)n);
	char *nl;
	while ((nl = memchr(s->partial->str, '\n', s->partial->len)) != NULL) {
		gsize len = (gsize)(nl - s->partial->str);
		if (len > 0 && s->partial->str[len - 1] == '\r')
			len--;
		if (len > 0) {
			g_string_truncate(s->last_reply, 0);
			g_string_append_len(s->last_reply, s->partial->str, (gssize)len);
			char c = s->partial->str[0];
			if (s->refusal->len == 0 && (c == '4' || c == '5'))
				g_string_append_len(s->refusal, s->partial->str, (gssize)len);
		}
		g_string_erase(s->partial, 0, (gssize)(nl - s->partial->str) + 1);
	}
	return n;
}

static GString *
crlf_copy(GBytes *raw)
{
	gsize len = 0;
	const char *p = raw ? g_bytes_get_data(raw, &len) : NULL;
	GString *s = g_string_sized_new(len + len / 50 + 2);
	for (gsize i = 0; i < len; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			g_string_append_c(s, '\r');
		g_string_append_c(s, p[i]);
	}
	if (s->len < 2 || s->str[s->len - 1] != '\n')
		g_string_append(s, "\r\n");
	return s;
}

/* Failures that say nothing about this letter or its recipient: keep
 * trying (until retry_for) whatever reply code came with them. */
static gboolean
is_setup_problem(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_LOGIN_DENIED:
	case CURLE_USE_SSL_FAILED:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_GOT_NOTHING:
		return TRUE;
	default:
		return FALSE;
	}
}

static RdSinkStatus
smtp_send(RdSink *sink, const RdOutboxRow *row, char **detail_r)
{
	SmtpSink *s = (SmtpSink *)sink;
	const char *from = s->envelope_from ? s->envelope_from : (row->from_addr ? row->from_addr : "");
	Upload up = { crlf_copy(row->raw), 0 };
	struct curl_slist *rcpt = curl_slist_append(NULL, row->to_addr);
	g_string_truncate(s->last_reply, 0);
	g_string_truncate(s->refusal, 0);
	g_string_truncate(s->partial, 0);
	s->errbuf[0] = '\0';

	/* A token per letter is cheap: oauth.c hands out its cached one. */
	char *token = NULL;
	if (s->xoauth2) {
		g_autoptr(GError) err = NULL;
		token = rd_oauth_access_token(&s->oauth, "[smtp]", &err);
		if (token == NULL) {
			g_string_free(up.data, TRUE);
			curl_slist_free_all(rcpt);
			rd_log_error("smtp alert=oauth error=\"%s\"", err->message);
			*detail_r = g_strdup(err->message);
			return RD_SINK_RETRY;   /* the council's to fix; the letter waits */
		}
		curl_easy_setopt(s->curl, CURLOPT_XOAUTH2_BEARER, token);
	}
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(s->curl, CURLOPT_READDATA, &up);
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up.data->len);
	CURLcode rc = curl_easy_perform(s->curl);
	long code = 0;
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpt);
	g_string_free(up.data, TRUE);
	if (token != NULL) {
		curl_easy_setopt(s->curl, CURLOPT_XOAUTH2_BEARER, NULL);
		/* 535: the server refused this token (revoked early): a new one
		 * next time. Not for other login trouble, such as no XOAUTH2. */
		if (rc == CURLE_LOGIN_DENIED && code == 535)
			rd_oauth_forget(&s->oauth, token);
		rd_secret_free(token);
	}

	if (rc == CURLE_OK) {
		const char *reply = s->last_reply->str;
		*detail_r = g_strdup(*reply ? reply : "250 (no reply text)");
		return RD_SINK_SENT;
	}
	const char *why = s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc);
	/* The server's own words first when it refused something. */
	if (code >= 400 && s->refusal->len > 0)
		*detail_r = g_strdup_printf("%s (%s)", s->refusal->str, why);
	else
		*detail_r = g_strdup_printf("%s (curl error %d)", why, (int)rc);
	if (code >= 500 && code <= 599 && !is_setup_problem(rc))
		return RD_SINK_FAILED;
	return RD_SINK_RETRY;
}

static void
smtp_free(RdSink *sink)
{
	SmtpSink *s = (SmtpSink *)sink;
	if (s->curl != NULL)
		curl_easy_cleanup(s->curl);
	curl_global_cleanup();
	rd_secret_free(s->password);
	rd_oauth_config_clear(&s->oauth);
	g_free(s->url);
	g_free(s->envelope_from);
	g_free(s->user);
	g_free(s->ca_file);
	g_string_free(s->last_reply, TRUE);
	g_string_free(s->refusal, TRUE);
	g_string_free(s->partial, TRUE);
	g_free(s);
}

static const RdSinkOps smtp_ops = {
	.name = "smtp",
	.log_level = RD_LOG_INFO,
	.send = smtp_send,
	.free = smtp_free,
};

RdSink *
rd_sink_smtp_new(const RdSmtpConfig *cfg, GError **error)
{
	g_return_val_if_fail(cfg != NULL, NULL);
	/* The checks `redress config check` makes of [smtp] (base/): keys
	 * that go together, the password file, the CA file; the same words. */
	if (!rd_smtp_config_check(cfg, error))
		return NULL;
	g_autofree char *password = NULL;
	if (cfg->password_file != NULL && !cfg->xoauth2) {
		password = rd_secret_read(cfg->password_file, "[smtp] password_file", error);
		if (password == NULL)
			return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_IO, "libcurl could not start");
		return NULL;
	}
	SmtpSink *s = g_new0(SmtpSink, 1);
	s->base.ops = &smtp_ops;
	s->url = g_strdup(cfg->url);
	s->envelope_from = g_strdup(cfg->envelope_from);
	s->user = g_strdup(cfg->user);
	s->password = g_steal_pointer(&password);
	s->xoauth2 = cfg->xoauth2;
	s->base.keep_copy = cfg->sent_mailbox != NULL;
	rd_oauth_config_copy(&s->oauth, &cfg->oauth);
	s->ca_file = g_strdup(cfg->ca_file);
	s->plaintext_ok = cfg->allow_plaintext;
	s->timeout = cfg->timeout ? (long)cfg->timeout : 60;
	s->last_reply = g_string_new(NULL);
	s->refusal = g_string_new(NULL);
	s->partial = g_string_new(NULL);
	s->curl = curl_easy_init();
	if (s->curl == NULL) {
		g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_IO, "libcurl could not start");
		smtp_free(&s->base);
		return NULL;
	}
	CURL *c = s->curl;
	curl_easy_setopt(c, CURLOPT_URL, s->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	/* Required STARTTLS; "try" only when plain text is allowed. */
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)(s->plaintext_ok ? CURLUSESSL_TRY : CURLUSESSL_ALL));
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (s->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
	if (s->user != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, s->user);
		if (s->password != NULL)
			curl_easy_setopt(c, CURLOPT_PASSWORD, s->password);
		if (s->xoauth2)
			curl_easy_setopt(c, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
	}
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, reply_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, MIN(s->timeout, 30L));
	curl_easy_setopt(c, CURLOPT_TIMEOUT, s->timeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	return &s->base;
}
