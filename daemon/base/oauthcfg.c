/*
 * oauthcfg.c — the oauth_* settings of a mailbox or of [smtp]: copying,
 * clearing, and checking that they fit together and that their secret
 * files are safe, without any network (net/oauth.c asks for the tokens).
 */
#include <string.h>
#include <unistd.h>
#include "base/base.h"

G_DEFINE_QUARK(rd-oauth-error-quark, rd_oauth_error)

void
rd_oauth_config_copy(RdOAuthConfig *dst, const RdOAuthConfig *src)
{
	*dst = (RdOAuthConfig){
		g_strdup(src->grant), g_strdup(src->token_url), g_strdup(src->client_id),
		g_strdup(src->client_secret_file), g_strdup(src->refresh_token_file),
		g_strdup(src->scope), g_strdup(src->ca_file),
	};
}

void
rd_oauth_config_clear(RdOAuthConfig *c)
{
	g_free(c->grant);
	g_free(c->token_url);
	g_free(c->client_id);
	g_free(c->client_secret_file);
	g_free(c->refresh_token_file);
	g_free(c->scope);
	g_free(c->ca_file);
	*c = (RdOAuthConfig){ 0 };
}

gboolean
rd_oauth_config_is_set(const RdOAuthConfig *c)
{
	return c->grant || c->token_url || c->client_id || c->client_secret_file || c->refresh_token_file ||
	       c->scope || c->ca_file;
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

gboolean
rd_oauth_files_check(const RdOAuthConfig *c, GError **error)
{
	const char *files[] = { c->client_secret_file, c->refresh_token_file };
	const char *what[] = { "oauth_client_secret_file", "oauth_refresh_token_file" };
	for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
		if (files[i] == NULL)
			continue;
		char *secret = rd_secret_read(files[i], what[i], error);
		if (secret == NULL)
			return FALSE;
		rd_secret_free(secret);
	}
	if (c->refresh_token_file != NULL) {
		g_autofree char *dir = g_path_get_dirname(c->refresh_token_file);
		if (access(dir, W_OK) != 0) {
			g_set_error(error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID,
			            "oauth_refresh_token_file %s: redress cannot write in %s, so a rotated token could "
			            "not be saved (put it in the service's StateDirectory)", c->refresh_token_file, dir);
			return FALSE;
		}
	}
	return TRUE;
}
