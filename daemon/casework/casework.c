/*
 * casework.c — the casework context: one store connection, the
 * configuration, and the rules loaded with the reply-token key.
 *
 * Object: RdCasework, one per thread that changes cases (a command, the
 * ingest writer, each of the daemon's watchers, its sweep thread). It
 * borrows the store and the configuration and owns the rules. Every
 * change to a case goes through a call that takes it: opening a stage
 * (stages.c), a case action (actions.c), the sweep (sweep.c); intake
 * (inbound/) holds one for the cases it opens.
 */
#include <string.h>
#include "casework/casework.h"

struct _RdCasework {
	RdStore *store;          /* borrowed */
	const RdConfig *cfg;     /* borrowed */
	RdRules *rules;          /* owned */
	guint8 key[RD_TOKEN_KEY_LEN];
	gboolean no_letters;     /* importing: record, but write to nobody */
};

RdRules *
rd_rules_open(RdStore *store, const RdConfig *cfg, GError **error)
{
	guint8 key[RD_TOKEN_KEY_LEN];
	if (!rd_token_key_load(store, key, error))
		return NULL;
	RdRules *r = rd_rules_new(cfg, key, error);
	memset(key, 0, sizeof key);
	return r;
}

RdCasework *
rd_casework_new(RdStore *store, const RdConfig *cfg, GError **error)
{
	g_return_val_if_fail(store != NULL && cfg != NULL, NULL);
	/* Everything that holds one writes: a database SQLite could only
	 * open for reading is refused here, once, rather than message by
	 * message (tests/faults/readonly.sh). */
	if (!rd_store_check_writable(store, error))
		return NULL;
	RdCasework *cw = g_new0(RdCasework, 1);
	cw->store = store;
	cw->cfg = cfg;
	if (!rd_token_key_load(store, cw->key, error)) {
		rd_casework_free(cw);
		return NULL;
	}
	cw->rules = rd_rules_new(cfg, cw->key, error);
	if (cw->rules == NULL) {
		rd_casework_free(cw);
		return NULL;
	}
	return cw;
}

void
rd_casework_free(RdCasework *cw)
{
	if (cw == NULL)
		return;
	memset(cw->key, 0, sizeof cw->key);
	rd_rules_free(cw->rules);
	g_free(cw);
}

RdStore *
rd_casework_store(const RdCasework *cw)
{
	return cw->store;
}

const RdConfig *
rd_casework_config(const RdCasework *cw)
{
	return cw->cfg;
}

RdRules *
rd_casework_rules(const RdCasework *cw)
{
	return cw->rules;
}

const guint8 *
rd_casework_token_key(const RdCasework *cw)
{
	return cw->key;
}

void
rd_casework_set_letters(RdCasework *cw, gboolean on)
{
	cw->no_letters = !on;
}

gboolean
rd_casework_letters_on(const RdCasework *cw)
{
	return !cw->no_letters;
}
