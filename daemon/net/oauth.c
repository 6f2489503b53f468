/*
 * oauth.c — bearer tokens for XOAUTH2 (Microsoft 365, Google Workspace):
 * the OAuth 2.0 token endpoint over HTTPS with libcurl.
 *
 * Two grants, as the administrator chooses per mailbox (or for [smtp]):
 *
 *   client_credentials  the council's own application, registered in Entra
 *                       ID with the IMAP.AccessAsApp / SMTP.SendAsApp
 *                       permission and granted the mailbox; client_id and
 *                       a client secret; no person involved, nothing to
 *                       expire but the secret. What Microsoft recommends
 *                       for a service.
 *   refresh_token       a person signed in once (device code or browser)
 *                       and gave redress the refresh token; each refresh
 *                       may return a new one (Entra ID rotates them), which
 *                       is written back to oauth_refresh_token_file at once
 *                       and atomically (secret.c), or the next restart
 *                       would present a token the provider has retired.
 *
 * Tokens are cached in the process, keyed by everything that identifies
 * the grant (so mailboxes of one application share one token, as an
 * application token is not tied to a mailbox), and refreshed before they
 * expire: a fifth of their lifetime early, at most five minutes. Each key
 * has its own lock, held while its endpoint is asked, so a slow provider
 * holds up only the mailboxes that use it. If that early refresh fails for
 * a passing reason, the token in hand is used while it still has a minute
 * to run; a failure is remembered for FAIL_HOLD_S, so the sender does not
 * ask again for every letter. A server that refuses a token makes the
 * caller rd_oauth_forget() that token, so the next attempt asks for a
 * fresh one. The refresh-token grant also takes an flock on FILE.lock, so
 * a `redress fetch` beside the daemon cannot spend the same rotating token
 * twice; a rotated token that cannot be saved is kept in memory and used
 * (and saving retried) until it can.
 *
 * Errors say which mailbox, which endpoint and what the provider said
 * (error and error_description — never a token or a secret), and whether
 * a person must act: RD_OAUTH_ERROR_REFUSED (invalid_grant, invalid_client:
 * sign in again, or renew the secret) or RD_OAUTH_ERROR_TEMPORARY (the
 * endpoint unreachable or failing: retried with the mailbox's backoff).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <curl/curl.h>
#include <json-glib/json-glib.h>
#include "net/net.h"


#define TOKEN_TIMEOUT_S   30
#define LOCK_TIMEOUT_S    30
#define MAX_RESPONSE      (256 * 1024)
#define EARLY_MAX_S       300
#define FAIL_HOLD_S       60
#define GRACE_S           60   /* a cached token this close to expiry is not used */

/* One grant's state. Entries live as long as the process. */
typedef struct {
	GMutex lock;             /* held while the endpoint is asked */
	char *access_token;      /* NULL until fetched, or after forget */
	gint64 expires_at;       /* real time, seconds */
	gint64 refresh_at;       /* when to ask again */
	gint64 failed_until;     /* ask again no sooner than this */
	GError *failure;         /* the last failure, repeated until then */
	char *unsaved_refresh;   /* a rotated refresh token the file lacks */
} Grant;

static GMutex table_lock;
static GHashTable *grants;   /* key → Grant*, under table_lock */

static char *
cache_key(const RdOAuthConfig *c)
{
	return g_strjoin("\x1f", c->grant ? c->grant : "", c->token_url ? c->token_url : "",
	                 c->client_id ? c->client_id : "", c->scope ? c->scope : "",
	                 c->refresh_token_file ? c->refresh_token_file : "", NULL);
}

/* The entry for @c, created on first use. */
static Grant *
grant_for(const RdOAuthConfig *c)
{
	g_autofree char *key = cache_key(c);
	g_mutex_lock(&table_lock);
	if (grants == NULL)
		grants = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	Grant *gr = g_hash_table_lookup(grants, key);
	if (gr == NULL) {
		gr = g_new0(Grant, 1);
		g_mutex_init(&gr->lock);
		g_hash_table_insert(grants, g_steal_pointer(&key), gr);
	}
	g_mutex_unlock(&table_lock);
	return gr;
}

static size_t
collect(char *data, size_t size, size_t nmemb, void *userp)
{
	GString *s = userp;
	size_t n = size * nmemb;
	if (s->len + n > MAX_RESPONSE)
		return 0;   /* a token response is small; anything else is wrong */
	g_string_append_len(s, data, (gssize)n);
	return n;
}

/* "name=value&" with the value percent-encoded. */
static void
add_field(GString *body, CURL *curl, const char *name, const char *value)
{
	if (value == NULL)
		return;
	char *v = curl_easy_escape(curl, value, 0);
	if (body->len > 0)
		g_string_append_c(body, '&');
	g_string_append_printf(body, "%s=%s", name, v);
	explicit_bzero(v, strlen(v));
	curl_free(v);
}

static const char *
member_string(JsonObject *o, const char *name)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;
	if (n == NULL || JSON_NODE_TYPE(n) != JSON_NODE_VALUE || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

/* expires_in: a number, or a string holding one (some providers). */
static gint64
member_seconds(JsonObject *o, const char *name)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;
	if (n == NULL || JSON_NODE_TYPE(n) != JSON_NODE_VALUE)
		return -1;
	if (json_node_get_value_type(n) == G_TYPE_INT64)
		return json_node_get_int(n);
	if (json_node_get_value_type(n) == G_TYPE_DOUBLE)
		return (gint64)json_node_get_double(n);
	if (json_node_get_value_type(n) == G_TYPE_STRING)
		return g_ascii_strtoll(json_node_get_string(n), NULL, 10);
	return -1;
}

/* Only printable ASCII of a provider's words reaches our logs. */
static char *
printable(const char *s, gsize max)
{
	GString *out = g_string_new(NULL);
	for (const char *p = s; p && *p && out->len < max; p++)
		g_string_append_c(out, (*p >= 0x20 && *p < 0x7f) ? *p : ' ');
	return g_string_free(out, FALSE);
}

/* One request to the token endpoint. On success fills @token_r,
 * @lifetime_r and, if the provider sent one, @new_refresh_r. */
static gboolean
request_token(const RdOAuthConfig *c, const char *who, const char *secret, const char *refresh,
              char **token_r, gint64 *lifetime_r, char **new_refresh_r, GError **error)
{
	CURL *curl = curl_easy_init();   /* curl_global_init() is main()'s */
	if (curl == NULL) {
		g_set_error(error, RD_OAUTH_ERROR, RD_OAUTH_ERROR_TEMPORARY, "%s: libcurl could not start", who);
		return FALSE;
	}
	GString *body = g_string_new(NULL);
	add_field(body, curl, "grant_type", c->grant);
	add_field(body, curl, "client_id", c->client_id);
	add_field(body, curl, "client_secret", secret);
	add_field(body, curl, "refresh_token", refresh);
	add_field(body, curl, "scope", c->scope);
	GString *resp = g_string_new(NULL);
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(curl, CURLOPT_URL, c->token_url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->str);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)body->len);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)TOKEN_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "redress");
	struct curl_slist *hdr = curl_slist_append(NULL, "Accept: application/json");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);
	CURLcode rc = curl_easy_perform(curl);
	long status = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(curl);
	explicit_bzero(body->str, body->len);
	g_string_free(body, TRUE);

	gboolean ok = FALSE;
	JsonParser *parser = NULL;
	if (rc != CURLE_OK) {
		gboolean tls = rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
		               rc == CURLE_SSL_CONNECT_ERROR;
		g_set_error(error, RD_OAUTH_ERROR, RD_OAUTH_ERROR_TEMPORARY,
		            "%s: cannot reach the token endpoint %s: %s%s", who, c->token_url,
		            errbuf[0] ? errbuf : curl_easy_strerror(rc),
		            tls ? " (its certificate was not trusted: check oauth_ca_file)" : "");
		goto out;
	}
	parser = json_parser_new();
	JsonObject *o = NULL;
	if (json_parser_load_from_data(parser, resp->str, (gssize)resp->len, NULL) &&
	    JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
		o = json_node_get_object(json_parser_get_root(parser));
	if (status != 200) {
		const char *err = member_string(o, "error");
		g_autofree char *desc = printable(member_string(o, "error_description"), 300);
		/* A 4xx answer is the provider saying no (RFC 6749 5.2, and
		 * Entra's interaction_required, consent_required…): a person must
		 * act. Only overload (429, 5xx, temporarily_unavailable,
		 * slow_down) passes by itself. */
		gboolean refused = status >= 400 && status < 500 && status != 429 &&
			g_strcmp0(err, "temporarily_unavailable") != 0 && g_strcmp0(err, "slow_down") != 0;
		g_autofree char *err_p = printable(err ? err : "no error code", 80);
		g_set_error(error, RD_OAUTH_ERROR, refused ? RD_OAUTH_ERROR_REFUSED : RD_OAUTH_ERROR_TEMPORARY,
		            "%s: the token endpoint %s refused the %s grant (HTTP %ld, %s%s%s)%s", who, c->token_url,
		            c->grant, status, err_p, desc[0] ? ": " : "", desc,
		            !refused ? "; will try again"
		            : strcmp(c->grant, "refresh_token") == 0 && strcmp(err_p, "invalid_grant") == 0
		            ? ". The refresh token is no longer valid: sign in again and put the new refresh token "
		              "in oauth_refresh_token_file; other mailboxes are not affected"
		            : ". Check oauth_client_id, the client secret and the application's permissions");
		goto out;
	}
	const char *access = member_string(o, "access_token");
	const char *type = member_string(o, "token_type");
	if (access == NULL || access[0] == '\0' || (type != NULL && g_ascii_strcasecmp(type, "bearer") != 0)) {
		g_set_error(error, RD_OAUTH_ERROR, RD_OAUTH_ERROR_TEMPORARY,
		            "%s: the token endpoint %s answered 200 without a bearer access_token", who, c->token_url);
		goto out;
	}
	gint64 lifetime = member_seconds(o, "expires_in");
	*token_r = g_strdup(access);
	*lifetime_r = lifetime > 0 ? lifetime : 3600;   /* RFC 6749: RECOMMENDED, so may be absent */
	const char *nr = member_string(o, "refresh_token");
	*new_refresh_r = nr != NULL && nr[0] != '\0' && g_strcmp0(nr, refresh) != 0 ? g_strdup(nr) : NULL;
	ok = TRUE;
out:
	g_clear_object(&parser);
	explicit_bzero(resp->str, resp->len);
	g_string_free(resp, TRUE);
	return ok;
}

/* A secret file's error in RD_OAUTH_ERROR terms: a person must act. */
static void
config_error(GError **error, GError *cause, const char *who)
{
	g_set_error(error, RD_OAUTH_ERROR, RD_OAUTH_ERROR_CONFIG, "%s: %s", who, cause->message);
	g_error_free(cause);
}

/* flock(@fd) within LOCK_TIMEOUT_S: another redress may be refreshing. */
static gboolean
lock_within(int fd)
{
	gint64 until = g_get_monotonic_time() + LOCK_TIMEOUT_S * G_USEC_PER_SEC;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return TRUE;
		if ((errno != EWOULDBLOCK && errno != EINTR) || g_get_monotonic_time() >= until)
			return FALSE;
		g_usleep(100 * 1000);
	}
}

/* FILE.lock beside the refresh token, owned like the token itself (so a
 * run as root does not lock the service's user out of it). */
static int
open_lock(const char *token_file, const char *who, GError **error)
{
	g_autofree char *path = g_strconcat(token_file, ".lock", NULL);
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		g_set_error(error, RD_OAUTH_ERROR, RD_OAUTH_ERROR_CONFIG,
		            "%s: cannot open %s: %s (redress must be able to write beside oauth_refresh_token_file)",
		            who, path, g_strerror(e));
		return -1;
	}
	struct stat tok, lk;
	if (stat(token_file, &tok) == 0 && fstat(fd, &lk) == 0 &&
	    (lk.st_uid != tok.st_uid || lk.st_gid != tok.st_gid) && fchown(fd, tok.st_uid, tok.st_gid) != 0)
		rd_log_warn("oauth %s: cannot give %s to uid %u", who, path, (unsigned)tok.st_uid);
	if (!lock_within(fd)) {
		int e = errno;
		close(fd);
		g_set_error(error, RD_OAUTH_ERROR, RD_OAUTH_ERROR_TEMPORARY,
		            "%s: cannot lock %s: %s", who, path,
		            e == EWOULDBLOCK ? "another redress has held it for 30 s" : g_strerror(e));
		return -1;
	}
	return fd;
}

/* Save @token (a rotated refresh token); on failure keep it in @gr, so
 * this process goes on using it and tries saving again next time. */
static void
save_refresh(Grant *gr, const RdOAuthConfig *c, const char *who, const char *token)
{
	GError *e = NULL;
	if (rd_secret_write(c->refresh_token_file, token, "oauth_refresh_token_file", &e)) {
		rd_log_info("oauth %s refresh_token=rotated file=%s", who, c->refresh_token_file);
		rd_secret_free(g_steal_pointer(&gr->unsaved_refresh));
		return;
	}
	rd_log_error("oauth %s alert=refresh-token-not-saved error=\"%s\": kept in memory for now, but a "
	             "restart will present the old one; fix the file or its folder", who, e->message);
	g_error_free(e);
	if (gr->unsaved_refresh != token) {
		rd_secret_free(gr->unsaved_refresh);
		gr->unsaved_refresh = g_strdup(token);
	}
}

/* Ask the endpoint, under the refresh token's lock when there is one.
 * Called with @gr->lock held. */
static gboolean
fetch_token(Grant *gr, const RdOAuthConfig *c, const char *who, char **token_r, gint64 *lifetime_r,
            GError **error)
{
	GError *e = NULL;
	char *secret = NULL, *refresh = NULL, *new_refresh = NULL;
	int lock_fd = -1;
	gboolean ok = FALSE;
	if (c->client_secret_file != NULL &&
	    (secret = rd_secret_read(c->client_secret_file, "oauth_client_secret_file", &e)) == NULL) {
		config_error(error, e, who);
		return FALSE;
	}
	if (c->refresh_token_file != NULL) {
		if ((lock_fd = open_lock(c->refresh_token_file, who, error)) < 0)
			goto out;
		/* Read under the lock: another process may just have rotated it.
		 * A token we could not save is newer than the file. */
		if (gr->unsaved_refresh != NULL)
			refresh = g_strdup(gr->unsaved_refresh);
		else if ((refresh = rd_secret_read(c->refresh_token_file, "oauth_refresh_token_file", &e)) == NULL) {
			config_error(error, e, who);
			goto out;
		}
	}
	if (!request_token(c, who, secret, refresh, token_r, lifetime_r, &new_refresh, error))
		goto out;
	if (new_refresh != NULL && c->refresh_token_file != NULL)
		save_refresh(gr, c, who, new_refresh);
	else if (gr->unsaved_refresh != NULL)
		save_refresh(gr, c, who, gr->unsaved_refresh);
	ok = TRUE;
out:
	if (lock_fd >= 0)
		close(lock_fd);   /* releases the flock */
	rd_secret_free(secret);
	rd_secret_free(refresh);
	rd_secret_free(new_refresh);
	return ok;
}

char *
rd_oauth_access_token(const RdOAuthConfig *c, const char *who, GError **error)
{
	g_return_val_if_fail(c != NULL && who != NULL, NULL);
	if (!rd_oauth_config_check(c, who, error))
		return NULL;
	Grant *gr = grant_for(c);
	char *out = NULL;
	g_mutex_lock(&gr->lock);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gboolean usable = gr->access_token != NULL && now < gr->expires_at - GRACE_S;
	if (gr->access_token != NULL && now < gr->refresh_at) {
		out = g_strdup(gr->access_token);
		goto done;
	}
	if (now < gr->failed_until) {
		/* Failed a moment ago: the same answer, without asking again. */
		if (usable) {
			out = g_strdup(gr->access_token);
		} else {
			g_set_error(error, gr->failure->domain, gr->failure->code, "%s (%" G_GINT64_FORMAT " s ago)",
			            gr->failure->message, now - (gr->failed_until - FAIL_HOLD_S));
		}
		goto done;
	}
	char *token = NULL;
	gint64 lifetime = 0;
	GError *e = NULL;
	if (!fetch_token(gr, c, who, &token, &lifetime, &e)) {
		gr->failed_until = now + FAIL_HOLD_S;
		g_clear_error(&gr->failure);
		gr->failure = g_error_copy(e);
		if (usable && e->code == RD_OAUTH_ERROR_TEMPORARY) {
			rd_log_warn("oauth %s: %s; using the current token until it expires", who, e->message);
			g_error_free(e);
			out = g_strdup(gr->access_token);
		} else {
			g_propagate_error(error, e);
		}
		goto done;
	}
	rd_secret_free(gr->access_token);
	gr->access_token = token;
	gr->expires_at = now + lifetime;
	gr->refresh_at = gr->expires_at - MIN(lifetime / 5, EARLY_MAX_S);
	gr->failed_until = 0;
	g_clear_error(&gr->failure);
	out = g_strdup(token);
	rd_log_info("oauth %s token=new grant=%s expires_in=%" G_GINT64_FORMAT "s", who, c->grant, lifetime);
done:
	g_mutex_unlock(&gr->lock);
	return out;
}

void
rd_oauth_forget(const RdOAuthConfig *c, const char *token)
{
	g_return_if_fail(c != NULL && token != NULL);
	Grant *gr = grant_for(c);
	g_mutex_lock(&gr->lock);
	/* Only the token that was refused: another thread may already hold
	 * a newer one. */
	if (gr->access_token != NULL && strcmp(gr->access_token, token) == 0)
		rd_secret_free(g_steal_pointer(&gr->access_token));
	g_mutex_unlock(&gr->lock);
}
