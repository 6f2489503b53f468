/*
 * oauthcfg.c — the oauth_* settings of a mailbox or of [smtp]: copying,
 * clearing, and checking that they fit together and that their secret
 * files are safe, without any network (net/oauth.c asks for the tokens).
 * The check reports every problem, for `redress config check` and the
 * commands' start (config-check.c); net/oauth.c keeps a first-problem
 * form of it for its own defence.
 */
#include <string.h>
#include <unistd.h>
#include "base/base-private.h"

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

void
rd_oauth_check(RdCheck *c, const RdOAuthConfig *o, const char *group, const char *auth_key, gboolean files)
{
	const char *keys[] = { "oauth_token_url", "oauth_client_id", "oauth_grant" };
	const char *values[] = { o->token_url, o->client_id, o->grant };
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++)
		if (values[i] == NULL)
			rd_check_problem(c, group, auth_key, "XOAUTH2 needs %s (see the README, \"Microsoft 365 and "
			                 "Google\")", keys[i]);
	if (o->token_url != NULL && !g_str_has_prefix(o->token_url, "https://"))
		rd_check_problem(c, group, "oauth_token_url", "oauth_token_url %s must be an https:// address",
		                 o->token_url);
	if (o->grant == NULL)
		;
	else if (strcmp(o->grant, "client_credentials") == 0 && o->client_secret_file == NULL)
		rd_check_problem(c, group, "oauth_grant", "oauth_grant = client_credentials needs "
		                 "oauth_client_secret_file");
	else if (strcmp(o->grant, "refresh_token") == 0 && o->refresh_token_file == NULL)
		rd_check_problem(c, group, "oauth_grant", "oauth_grant = refresh_token needs oauth_refresh_token_file "
		                 "(a file redress can write: the provider may send a new token at each refresh)");
	else if (strcmp(o->grant, "client_credentials") != 0 && strcmp(o->grant, "refresh_token") != 0)
		rd_check_problem(c, group, "oauth_grant", "oauth_grant must be client_credentials or refresh_token, "
		                 "not '%s'", o->grant);
	if (o->ca_file != NULL)
		rd_check_ca_file(c, group, "oauth_ca_file", o->ca_file);
	if (!files)
		return;
	if (o->client_secret_file != NULL)
		rd_check_secret(c, group, "oauth_client_secret_file", o->client_secret_file);
	if (o->refresh_token_file != NULL) {
		rd_check_secret(c, group, "oauth_refresh_token_file", o->refresh_token_file);
		g_autofree char *dir = g_path_get_dirname(o->refresh_token_file);
		if (access(dir, W_OK) != 0)
			rd_check_problem(c, group, "oauth_refresh_token_file", "oauth_refresh_token_file %s: redress "
			                 "cannot write in %s, so a rotated token could not be saved (put it in the "
			                 "service's StateDirectory)", o->refresh_token_file, dir);
	}
}

gboolean
rd_oauth_config_check(const RdOAuthConfig *o, const char *who, GError **error)
{
	g_autofree char *prefix = g_strconcat(who, ":", NULL);
	RdCheck c = { NULL, NULL, error, prefix, 0 };
	rd_oauth_check(&c, o, "", "auth", FALSE);
	if (c.n > 0 && error != NULL && *error != NULL) {
		/* An RdOAuthError, as oauth.c's callers sort errors by it. */
		(*error)->domain = RD_OAUTH_ERROR;
		(*error)->code = RD_OAUTH_ERROR_CONFIG;
	}
	return c.n == 0;
}
