/*
 * test-ingest.c — the ingest pipeline (daemon/inbound/ingest.c) on a real SQLite
 * file: per-case token addresses, the token key's persistence, the
 * atomicity of one message (a rolled-back message leaves nothing behind),
 * and the background checkpointer's syncing behind a bulk writer.
 */
#include <string.h>
#include <glib/gstdio.h>
#include "inbound/inbound.h"

typedef struct {
	char *dir;
	char *path;
	RdStore *store;
	RdConfig *cfg;
	RdCasework *cw;
	RdIngest *ing;
} Fixture;

static void
fx_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	f->dir = g_dir_make_tmp("rd-ingest-XXXXXX", &err);
	g_assert_no_error(err);
	f->path = g_build_filename(f->dir, "t.db", NULL);
	f->store = rd_store_open(f->path, &err);
	g_assert_no_error(err);
	f->cfg = rd_config_load(NULL, &err);
	g_assert_no_error(err);
	f->cfg->templates_dir = g_strdup(RD_SRCDIR "/templates/letters");
	f->cw = rd_casework_new(f->store, f->cfg, &err);
	g_assert_no_error(err);
	f->ing = rd_ingest_new(f->cw);
}

static void
fx_teardown(Fixture *f, gconstpointer data)
{
	rd_ingest_free(f->ing);
	rd_casework_free(f->cw);
	rd_config_free(f->cfg);
	rd_store_close(f->store);
	g_autofree char *wal = g_strconcat(f->path, "-wal", NULL);
	g_autofree char *shm = g_strconcat(f->path, "-shm", NULL);
	g_autofree char *lock = g_strconcat(f->path, ".lock", NULL);
	g_unlink(wal);
	g_unlink(shm);
	g_unlink(lock);
	g_unlink(f->path);
	g_rmdir(f->dir);
	g_free(f->path);
	g_free(f->dir);
}

#define T0 1795168800  /* 2026-11-20 10:00 UTC */

/* Parse @text and ingest it in its own transaction; return the result's
 * case reference (or NULL) and fill @kind_r / @via_r. */
static char *
ingest_text(Fixture *f, const char *text, RdMailbox mb, char **kind_r, char **via_r)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdMessage) m = rd_message_parse(text, strlen(text), T0, &f->cfg->limits);
	RdIngestResult r;
	g_assert_true(rd_store_begin(f->store, &err));
	g_assert_true(rd_ingest_message(f->ing, text, strlen(text), m, mb, T0, "test", &r, &err));
	g_assert_no_error(err);
	g_assert_true(rd_store_commit(f->store, &err));
	char *ref = g_strdup(r.case_ref);
	if (kind_r)
		*kind_r = g_strdup(r.kind);
	if (via_r)
		*via_r = g_strdup(r.via);
	rd_ingest_result_clear(&r);
	return ref;
}

static const char *complaint =
	"From: Ann Example <ann@public.test>\n"
	"To: complaints@council.test\n"
	"Subject: Street light out on Elm Road\n"
	"Message-ID: <t1@public.test>\n"
	"\n"
	"The street light outside number 3 has been out for a month.\n";

static void
test_token_threads(Fixture *f, gconstpointer data)
{
	g_autofree char *ref = ingest_text(f, complaint, RD_MAILBOX_COMPLAINTS, NULL, NULL);
	g_assert_cmpstr(ref, ==, "CMP-2026-000001");

	/* A reply from another address (a relative, a work account) to the
	 * case's token address, with no headers or reference to go on. */
	g_autofree char *addr = rd_token_address(rd_casework_token_key(f->cw), RD_TOKEN_KEY_LEN,
	                                         "complaints@council.test", ref);
	g_autofree char *reply = g_strdup_printf(
		"From: Bob Example <bob@other.test>\n"
		"To: %s\n"
		"Subject: light\n"
		"Message-ID: <t2@other.test>\n"
		"\n"
		"Writing for my mother about the light.\n", addr);
	g_autofree char *kind = NULL, *via = NULL;
	g_autofree char *ref2 = ingest_text(f, reply, RD_MAILBOX_COMPLAINTS, &kind, &via);
	g_assert_cmpstr(ref2, ==, ref);
	g_assert_cmpstr(via, ==, "token");
	g_assert_cmpstr(kind, ==, "correspondence");

	/* The same address with a forged MAC is no token: a new case. */
	g_autofree char *forged = g_strdup(addr);
	char *at = strchr(forged, '@');
	at[-1] = at[-1] == 'a' ? 'b' : 'a';
	g_autofree char *fake = g_strdup_printf(
		"From: Eve <eve@bad.test>\nTo: %s\nSubject: hi\nMessage-ID: <t3@bad.test>\n\nhello\n", forged);
	g_autofree char *kind3 = NULL, *via3 = NULL;
	g_autofree char *ref3 = ingest_text(f, fake, RD_MAILBOX_COMPLAINTS, &kind3, &via3);
	g_assert_cmpstr(via3, !=, "token");
	g_assert_cmpstr(ref3, !=, ref);
}

static void
test_key_persists(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	guint8 first[RD_TOKEN_KEY_LEN];
	memcpy(first, rd_casework_token_key(f->cw), sizeof first);
	RdCasework *again = rd_casework_new(f->store, f->cfg, &err);
	g_assert_no_error(err);
	g_assert_cmpmem(first, sizeof first, rd_casework_token_key(again), RD_TOKEN_KEY_LEN);
	rd_casework_free(again);

	/* And it is not all zeros: it came from the kernel's random source. */
	guint8 zero[RD_TOKEN_KEY_LEN] = { 0 };
	g_assert_true(memcmp(first, zero, sizeof zero) != 0);
}

static void
test_rollback_leaves_nothing(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdMessage) m = rd_message_parse(complaint, strlen(complaint), T0, &f->cfg->limits);
	RdIngestResult r;
	g_assert_true(rd_store_begin(f->store, &err));
	g_assert_true(rd_ingest_message(f->ing, complaint, strlen(complaint), m,
	                                RD_MAILBOX_COMPLAINTS, T0, "test", &r, &err));
	g_assert_cmpstr(r.case_ref, ==, "CMP-2026-000001");
	rd_ingest_result_clear(&r);
	/* A crash before commit is a rollback. */
	rd_store_rollback(f->store);

	RdStoreCounts c;
	g_assert_true(rd_store_counts(f->store, &c, &err));
	g_assert_cmpint(c.messages, ==, 0);
	g_assert_cmpint(c.cases, ==, 0);
	g_assert_cmpint(c.raw, ==, 0);
	g_assert_cmpint(c.events, ==, 0);

	/* Run again: the same reference is given out, once. */
	g_autofree char *ref = ingest_text(f, complaint, RD_MAILBOX_COMPLAINTS, NULL, NULL);
	g_assert_cmpstr(ref, ==, "CMP-2026-000001");
	g_assert_true(rd_store_counts(f->store, &c, &err));
	g_assert_cmpint(c.messages, ==, 1);
	g_assert_cmpint(c.cases, ==, 1);
}

static void
test_duplicate_and_route(Fixture *f, gconstpointer data)
{
	g_autofree char *ref = ingest_text(f, complaint, RD_MAILBOX_COMPLAINTS, NULL, NULL);
	g_autoptr(GError) err = NULL;
	/* The same mail as the Chief Executive's server delivered it. */
	g_autofree char *copy = g_strconcat("Received: from mx by ce.council.test; Fri, 20 Nov 2026 10:00:01 +0000\n"
	                                    "Delivered-To: chief.executive@council.test\n", complaint, NULL);
	struct { const char *text; RdMailbox mb; RdIngestStatus want; } rows[] = {
		{ complaint, RD_MAILBOX_COMPLAINTS, RD_INGEST_DUPLICATE },
		{ copy, RD_MAILBOX_CHIEF_EXECUTIVE, RD_INGEST_NEW_ROUTE },
		{ copy, RD_MAILBOX_CHIEF_EXECUTIVE, RD_INGEST_DUPLICATE },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autoptr(RdMessage) m = rd_message_parse(rows[i].text, strlen(rows[i].text), T0, NULL);
		RdIngestResult r;
		g_assert_true(rd_store_begin(f->store, &err));
		g_assert_true(rd_ingest_message(f->ing, rows[i].text, strlen(rows[i].text), m, rows[i].mb,
		                                T0, "test", &r, &err));
		g_assert_true(rd_store_commit(f->store, &err));
		g_assert_cmpint(r.status, ==, rows[i].want);
		g_assert_cmpstr(r.case_ref, ==, ref);
		rd_ingest_result_clear(&r);
	}
	RdStoreCounts c;
	g_assert_true(rd_store_counts(f->store, &c, &err));
	g_assert_cmpint(c.messages, ==, 1);
	g_assert_cmpint(c.cases, ==, 1);

	/* The first copy was stored without its content hash; comparing the
	 * second worked it out from the stored bytes and recorded it. */
	g_autoptr(RdMessageRow) row = rd_store_message_get(f->store, 1, &err);
	g_assert_nonnull(row);
	g_autofree char *want = rd_message_content_hash(complaint, strlen(complaint));
	g_assert_cmpstr(row->content_hash, ==, want);

	/* The same Message-ID with other words is another message, stored
	 * with its own content hash. */
	const char *reused = "From: Ann Example <ann@public.test>\n"
	                     "To: complaints@council.test\n"
	                     "Subject: Street light out on Elm Road\n"
	                     "Message-ID: <t1@public.test>\n"
	                     "\n"
	                     "A second, different message under the same Message-ID.\n";
	g_autoptr(RdMessage) m = rd_message_parse(reused, strlen(reused), T0, NULL);
	RdIngestResult r;
	g_assert_true(rd_store_begin(f->store, &err));
	g_assert_true(rd_ingest_message(f->ing, reused, strlen(reused), m, RD_MAILBOX_COMPLAINTS,
	                                T0, "test", &r, &err));
	g_assert_true(rd_store_commit(f->store, &err));
	g_assert_cmpint(r.status, ==, RD_INGEST_STORED);
	rd_ingest_result_clear(&r);
	g_assert_true(rd_store_counts(f->store, &c, &err));
	g_assert_cmpint(c.messages, ==, 2);
	g_autoptr(RdMessageRow) row2 = rd_store_message_get(f->store, 2, &err);
	g_autofree char *want2 = rd_message_content_hash(reused, strlen(reused));
	g_assert_cmpstr(row2->content_hash, ==, want2);
	g_assert_cmpstr(want2, !=, want);
}

/* Commit one message through @ck; return the commit's number. */
static guint64
commit_one(Fixture *f, RdCheckpointer *ck, const char *text)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdMessage) m = rd_message_parse(text, strlen(text), T0, &f->cfg->limits);
	RdIngestResult r;
	g_assert_true(rd_store_begin(f->store, &err));
	g_assert_true(rd_ingest_message(f->ing, text, strlen(text), m, RD_MAILBOX_COMPLAINTS, T0,
	                                "test", &r, &err));
	g_assert_no_error(err);
	rd_ingest_result_clear(&r);
	g_assert_true(rd_store_commit(f->store, &err));
	return rd_checkpointer_committed(ck, strlen(text));
}

static const char *second =
	"From: Bob Example <bob@public.test>\n"
	"To: complaints@council.test\n"
	"Subject: Bins not collected\n"
	"Message-ID: <t2@public.test>\n"
	"\n"
	"Our bins were missed again this week.\n";

/* The durable commit number, asserting no failure. */
static guint64
durable(RdCheckpointer *ck)
{
	g_autoptr(GError) err = NULL;
	guint64 n = 0;
	g_assert_true(rd_checkpointer_durable(ck, &n, &err));
	g_assert_no_error(err);
	return n;
}

static void
test_sync_behind(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) err = NULL;
	g_assert_true(rd_store_synced_commits(f->store));
	RdCheckpointer *ck = rd_checkpointer_start(f->store, f->path, TRUE);
	g_assert_nonnull(ck);
	/* The writer's COMMITs no longer wait for the disk... */
	g_assert_false(rd_store_synced_commits(f->store));
	guint64 n1 = commit_one(f, ck, complaint);
	g_assert_cmpuint(n1, ==, 1);
	/* ...the thread's sync does, and says when. */
	g_assert_true(rd_checkpointer_wait_durable(ck, n1, &err));
	g_assert_no_error(err);
	g_assert_cmpuint(durable(ck), >=, 1);
	guint64 n2 = commit_one(f, ck, second);
	g_assert_cmpuint(n2, ==, 2);
	g_assert_true(rd_checkpointer_wait_durable(ck, n2, &err));
	g_assert_cmpuint(durable(ck), ==, 2);
	rd_checkpointer_stop(ck);
	/* The writer is given its synced commits back. */
	g_assert_true(rd_store_synced_commits(f->store));

	/* Both stored, and the log emptied at the stop. */
	RdStoreCounts c;
	g_assert_true(rd_store_counts(f->store, &c, &err));
	g_assert_cmpint(c.messages, ==, 2);
	g_autofree char *wal = g_strconcat(f->path, "-wal", NULL);
	GStatBuf sb;
	g_assert_cmpint(g_stat(wal, &sb), ==, 0);
	g_assert_cmpint(sb.st_size, ==, 0);
}

static void
test_sync_synced_commits(Fixture *f, gconstpointer data)
{
	/* Without sync_behind COMMIT itself syncs, and keeps doing so: every
	 * commit counts as durable at once. Without a checkpointer, likewise. */
	RdCheckpointer *ck = rd_checkpointer_start(f->store, f->path, FALSE);
	g_assert_true(rd_store_synced_commits(f->store));
	guint64 n = commit_one(f, ck, complaint);
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpuint(durable(ck), ==, 1);
	n = commit_one(f, ck, second);
	g_assert_cmpuint(durable(ck), ==, 2);
	rd_checkpointer_stop(ck);
	g_assert_cmpuint(rd_checkpointer_committed(NULL, 10), ==, 0);
	g_assert_cmpuint(durable(NULL), ==, G_MAXUINT64);
	g_assert_true(rd_checkpointer_wait_durable(NULL, 7, NULL));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	rd_parsers_init();
	g_test_add("/ingest/token-threads", Fixture, NULL, fx_setup, test_token_threads, fx_teardown);
	g_test_add("/ingest/key-persists", Fixture, NULL, fx_setup, test_key_persists, fx_teardown);
	g_test_add("/ingest/rollback-leaves-nothing", Fixture, NULL, fx_setup, test_rollback_leaves_nothing, fx_teardown);
	g_test_add("/ingest/duplicate-and-route", Fixture, NULL, fx_setup, test_duplicate_and_route, fx_teardown);
	g_test_add("/ingest/sync-behind", Fixture, NULL, fx_setup, test_sync_behind, fx_teardown);
	g_test_add("/ingest/sync-synced-commits", Fixture, NULL, fx_setup, test_sync_synced_commits, fx_teardown);
	return g_test_run();
}
