/*
 * key.c — the reply-token key: the secret behind every case's reply
 * address (complaints+cmp-2026-000123-k3j9@…), kept in the database.
 *
 * It is made once, from the kernel's random bytes, the first time
 * anything needs it, and never again: tokens in letters already sent
 * depend on it. The database file is mode 0600, so the key is as private
 * as the case file itself.
 */
#include <string.h>
#include <sys/random.h>
#include "casework/casework.h"

#define TOKEN_KEY_SETTING "token_key"

static gboolean
make_key(RdStore *store, char **hex_r, GError **error)
{
	guint8 raw[RD_TOKEN_KEY_LEN];
	gsize got = 0;
	while (got < sizeof raw) {
		ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
		if (n <= 0) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
			            "cannot read random bytes for the token key");
			return FALSE;
		}
		got += (gsize)n;
	}
	GString *s = g_string_new(NULL);
	for (gsize i = 0; i < sizeof raw; i++)
		g_string_append_printf(s, "%02x", raw[i]);
	memset(raw, 0, sizeof raw);
	*hex_r = g_string_free(s, FALSE);
	return rd_store_setting_set(store, TOKEN_KEY_SETTING, *hex_r, error);
}

gboolean
rd_token_key_load(RdStore *store, guint8 *key_r, GError **error)
{
	g_autofree char *hex = NULL;
	if (!rd_store_setting_get(store, TOKEN_KEY_SETTING, &hex, error))
		return FALSE;
	if (hex == NULL && !make_key(store, &hex, error))
		return FALSE;
	if (strlen(hex) != RD_TOKEN_KEY_LEN * 2) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		            "the token key stored in the database is damaged (setting %s)",
		            TOKEN_KEY_SETTING);
		return FALSE;
	}
	for (gsize i = 0; i < RD_TOKEN_KEY_LEN; i++)
		key_r[i] = (guint8)((g_ascii_xdigit_value(hex[2 * i]) << 4) |
		                    g_ascii_xdigit_value(hex[2 * i + 1]));
	return TRUE;
}
