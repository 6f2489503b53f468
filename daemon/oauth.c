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
 * expire: a fifth of their lifetime early, at most five minutes. A server
 * that refuses a token makes the caller rd_oauth_forget() it, so the next
 * attempt asks for a fresh one. The refresh-token grant also takes an
 * flock on FILE.lock, so a `redress fetch` beside the daemon cannot spend
 * the same rotating token twice.
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
#include <unistd.h>
#include <curl/curl.h>
#include <json-glib/json-glib.h>
#include "daemon.h"

G_DEFINE_QUARK(rd-oauth-error-quark, rd_oauth_error)

#define TOKEN_TIMEOUT_S   30
#define MAX_RESPONSE      (256 * 1024)
#define EARLY_MAX_S       300

typedef struct {
	char *access_token;
	gint64 expires_at;       /* real time, seconds */
	gint64 refresh_at;       /* when to ask again */
} CachedToken;

static GMutex cache_lock;
static GHashTable *cache;    /* key → CachedToken*, under cache_lock */

static void
cached_free(gpointer p)
{
	CachedToken *t = p;
	rd_secret_free(t->access_token);
	g_free(t);
}

static char *
cache_key(const RdOAuthConfig *c)
{
	return g_strjoin("\x1f", c->grant ? c->grant : "", c->token_url ? c->token_url : "",
	                 c->client_id ? c->client_id : "", c->scope ? c->scope : "",
	                 c->refresh_token_file ? c->refresh_token_file : "", NULL);
}

gboolean
rd_oauth_config_check(const RdOAuthConfig *c, const char *who, GError **error)
{
	const char *missing = c->token_url == NULL ? "oauth_token_url"
	                    : c->client_id == NULL ? "oauth_client_id"
	                    : c->grant == NULL ? "oauth_grant"
	                    : NULL;
	if (missing != NULL) {
		g_set_error(error, RD_OAUTH_ERROR, RD_OAUTH_ERROR_CONFIG,
		            "%s: XOAUTH2 needs %s (see the README, \"Microsoft 365 and Google\")", who, missing);
		return FALSE;
	}
	if (!g_str_has_prefix(c->token_url, "https://")) {
		g_set_error(error, RD_OAUTH_ERROR, RD_OAUTH_ERROR_CONFIG,
		            "%s: oauth_token_url %s must be an https:// address", who, c->token_url);
		return FALSE;
	}
	if (strcmp(c->grant, "client_credentials") == 0) {
		if (c->client_secret_file == NULL) {
			g_set_error(error, RD_OAUTH_ERROR, RD_OAUTH_ERROR_CONFIG,
			            "%s: oauth_grant = client_credentials needs oauth_client_secret_file", who);
			return FALSE;
		}
	} else if (strcmp(c->grant, "refresh_token") == 0) {
		if (c->refresh_token_file == NULL) {
			g_set_error(error, RD_OAUTH_ERROR, RD_OAUTH_ERROR_CONFIG,
			            "%s: oauth_grant = refresh_token needs oauth_refresh_token_file (a file redress "
			            "can write: the provider may send a new token at each refresh)", who);
			return FALSE;
		}
	} else {
		g_set_error(error, RD_OAUTH_ERROR, RD_OAUTH_ERROR_CONFIG,
		            "%s: oauth_grant must be client_credentials or refresh_token, not '%s'", who, c->grant);
		return FALSE;
	}
	if (c->ca_file != NULL && !g_file_test(c->ca_file, G_FILE_TEST_IS_REGULAR)) {
		g_set_error(error, RD_OAUTH_ERROR, RD_OAUTH_ERROR_CONFIG,
		            "%s: oauth_ca_file %s does not exist or is not a file", who, c->ca_file);
		return FALSE;
	}
	return TRUE;
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
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		g_set_error(error, RD_OAUTH_ERROR, RD_OAUTH_ERROR_TEMPORARY, "%s: libcurl could not start", who);
		return FALSE;
	}
	CURL *curl = curl_easy_init();
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
		/* RFC 6749 5.2: these need a person (new sign-in, new secret,
		 * consent); anything else may pass. */
		gboolean refused = err != NULL &&
			(strcmp(err, "invalid_grant") == 0 || strcmp(err, "invalid_client") == 0 ||
			 strcmp(err, "unauthorized_client") == 0 || strcmp(err, "invalid_scope") == 0 ||
			 strcmp(err, "unsupported_grant_type") == 0 || strcmp(err, "invalid_request") == 0);
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

/* Ask the endpoint, under the refresh token's lock when there is one. */
static gboolean
fetch_token(const RdOAuthConfig *c, const char *who, char **token_r, gint64 *lifetime_r, GError **error)
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
		g_autofree char *lock_path = g_strconcat(c->refresh_token_file, ".lock", NULL);
		lock_fd = open(lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (lock_fd < 0) {
			int err = errno;
			g_set_error(error, RD_OAUTH_ERROR, RD_OAUTH_ERROR_CONFIG,
			            "%s: cannot open %s: %s (redress must be able to write beside oauth_refresh_token_file)",
			            who, lock_path, g_strerror(err));
			goto out;
		}
		while (flock(lock_fd, LOCK_EX) != 0 && errno == EINTR)
			;
		/* Read under the lock: another process may just have rotated it. */
		if ((refresh = rd_secret_read(c->refresh_token_file, "oauth_refresh_token_file", &e)) == NULL) {
			config_error(error, e, who);
			goto out;
		}
	}
	if (!request_token(c, who, secret, refresh, token_r, lifetime_r, &new_refresh, error))
		goto out;
	if (new_refresh != NULL && c->refresh_token_file != NULL) {
		if (!rd_secret_write(c->refresh_token_file, new_refresh, "oauth_refresh_token_file", &e)) {
			/* The access token works now, but the provider may already
			 * have retired the old refresh token: say so loudly. */
			rd_log_error("oauth %s alert=refresh-token-not-saved error=\"%s\": the next refresh may fail; "
			             "fix the file's folder permissions", who, e->message);
			g_clear_error(&e);
		} else {
			rd_log_info("oauth %s refresh_token=rotated file=%s", who, c->refresh_token_file);
		}
	}
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
	g_autofree char *key = cache_key(c);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	/* One refresh at a time in the process: two mailboxes of one
	 * application wait for the same token instead of asking twice. */
	g_mutex_lock(&cache_lock);
	if (cache == NULL)
		cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, cached_free);
	CachedToken *t = g_hash_table_lookup(cache, key);
	if (t != NULL && now < t->refresh_at) {
		char *tok = g_strdup(t->access_token);
		g_mutex_unlock(&cache_lock);
		return tok;
	}
	char *token = NULL;
	gint64 lifetime = 0;
	if (!fetch_token(c, who, &token, &lifetime, error)) {
		g_mutex_unlock(&cache_lock);
		return NULL;
	}
	t = g_new0(CachedToken, 1);
	t->access_token = g_strdup(token);
	t->expires_at = now + lifetime;
	t->refresh_at = t->expires_at - MIN(lifetime / 5, EARLY_MAX_S);
	g_hash_table_replace(cache, g_steal_pointer(&key), t);
	g_mutex_unlock(&cache_lock);
	rd_log_info("oauth %s token=new grant=%s expires_in=%" G_GINT64_FORMAT "s", who, c->grant, lifetime);
	return token;
}

void
rd_oauth_forget(const RdOAuthConfig *c)
{
	g_autofree char *key = cache_key(c);
	g_mutex_lock(&cache_lock);
	if (cache != NULL)
		g_hash_table_remove(cache, key);
	g_mutex_unlock(&cache_lock);
}
