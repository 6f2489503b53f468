/*
 * test-store.c — unit tests for store/ (the SQLite case file).
 *
 * Most tests run twice, on a temporary file and on ":memory:", through the
 * Fixture below (the test path ends in /file or /memory). Tests about the
 * file itself (mode, WAL, reopening, schema refusal) and tests that need a
 * second connection to reach tables with no API yet (outbox, counters) run
 * on a file only.
 *
 * Output is TAP (GLib's default under g_test_init).
 */
#include <sys/stat.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "store.h"
/* For the query-plan test: the statements' SQL and the connection. */
#include "store-private.h"

/* 2026-03-02 10:00:00 UTC, a Monday in GMT. */
#define T0 G_GINT64_CONSTANT(1772445600)

/* ---- fixture ------------------------------------------------------------ */

/* The lookups below return FALSE only when the database failed, and put
 * what they found (or NULL / 0 / not found) in an out parameter. These
 * wrappers check that promise on every call — the return value agrees
 * with whether an error was set — and hand back what was found, so the
 * tests read as plain lookups. */
#define CHECKED(call, e) do { gboolean ok_ = (call); \
		g_assert_true(ok_ == ((e) == NULL || *(e) == NULL)); } while (0)

static RdCase *
t_case_get(RdStore *s, gint64 id, GError **e)
{
	RdCase *c = NULL;
	CHECKED(rd_store_case_get(s, id, &c, e), e);
	return c;
}

static RdCase *
t_case_by_ref(RdStore *s, const char *ref, GError **e)
{
	RdCase *c = NULL;
	CHECKED(rd_store_case_get_by_ref(s, ref, &c, e), e);
	return c;
}

static RdCase *
t_case_by_mid(RdStore *s, const char *mid, GError **e)
{
	RdCase *c = NULL;
	CHECKED(rd_store_case_get_by_message_id(s, mid, &c, e), e);
	return c;
}

static gboolean
t_has_party(RdStore *s, gint64 case_id, const char *email, GError **e)
{
	gboolean is = TRUE;
	CHECKED(rd_store_case_has_party(s, case_id, email, &is, e), e);
	return is;
}

static GBytes *
t_raw_get(RdStore *s, const char *sha, GError **e)
{
	GBytes *b = NULL;
	CHECKED(rd_store_raw_get(s, sha, &b, e), e);
	return b;
}

static RdMessageRow *
t_msg_get(RdStore *s, gint64 id, GError **e)
{
	RdMessageRow *m = NULL;
	CHECKED(rd_store_message_get(s, id, &m, e), e);
	return m;
}

static RdMessageRow *
t_msg_by_mid(RdStore *s, const char *mid, GError **e)
{
	RdMessageRow *m = NULL;
	CHECKED(rd_store_message_get_by_message_id(s, mid, &m, e), e);
	return m;
}

static gint64
t_find(RdStore *s, const char *mid, const char *hash, GError **e)
{
	gint64 id = -1;
	CHECKED(rd_store_message_find(s, mid, hash, &id, e), e);
	return id;
}

static gint64
t_find_raw(RdStore *s, const char *sha, GError **e)
{
	gint64 id = -1;
	CHECKED(rd_store_message_find_raw(s, sha, &id, e), e);
	return id;
}

static char *
t_setting_get(RdStore *s, const char *key, GError **e)
{
	char *v = NULL;
	CHECKED(rd_store_setting_get(s, key, &v, e), e);
	return v;
}

static gboolean
t_cursor_get(RdStore *s, const char *mailbox, guint32 *v, guint32 *u, GError **e)
{
	gboolean found = TRUE;
	CHECKED(rd_store_cursor_get(s, mailbox, &found, v, u, e), e);
	return found;
}

static gboolean
t_daemon_status_get(RdStore *s, RdDaemonStatus *ds, GError **e)
{
	gboolean found = TRUE;
	CHECKED(rd_store_daemon_status_get(s, ds, &found, e), e);
	return found;
}

typedef struct {
	char *dir;      /* temporary directory, or NULL for :memory: */
	char *path;     /* database path, or ":memory:" */
	RdStore *store;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	if (g_strcmp0(data, "memory") == 0) {
		f->path = g_strdup(":memory:");
	} else {
		f->dir = g_dir_make_tmp("test-store-XXXXXX", &error);
		g_assert_no_error(error);
		f->path = g_build_filename(f->dir, "redress.db", NULL);
	}
	f->store = rd_store_open(f->path, &error);
	g_assert_no_error(error);
	g_assert_nonnull(f->store);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_clear_pointer(&f->store, rd_store_close);
	if (f->dir != NULL) {
		static const char *const suffixes[] = { "", "-wal", "-shm", ".lock" };
		for (gsize i = 0; i < G_N_ELEMENTS(suffixes); i++) {
			g_autofree char *p = g_strconcat(f->path, suffixes[i], NULL);
			g_remove(p);
		}
		g_assert_cmpint(g_rmdir(f->dir), ==, 0);
	}
	g_free(f->dir);
	g_free(f->path);
}

/* Run SQL on the fixture's file through a second connection (for setup
 * the API does not offer, and for checking what is on disk). */
static void
side_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		g_error("side_exec %s: %s", sql, msg);
	sqlite3_close(db);
}

/* First column of the first row of @sql, as text, via a second connection. */
static char *
side_query(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *out = NULL;

	g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &st, NULL), ==, SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		out = g_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

/* Turns a current file back into a version 6 one (UNDO_V7), a version 5
 * one (UNDO_V6), or a
 * version 3 one, indexes and all (UNDO_V4), so that the migration tests
 * start from what an older redress left. */
#define UNDO_V7 "ALTER TABLE outbox DROP COLUMN bounced_at; ALTER TABLE outbox DROP COLUMN bounce_status;" \
	" ALTER TABLE outbox DROP COLUMN bounce_detail; ALTER TABLE outbox DROP COLUMN bounce_msg_id;"
#define UNDO_V6 UNDO_V7 " DROP TABLE quarantine;"
#define UNDO_V4 \
	UNDO_V6 " DROP INDEX messages_content_hash_no_id; DROP INDEX messages_raw_key;" \
	" CREATE INDEX messages_content_hash ON messages(content_hash);" \
	" CREATE INDEX messages_raw ON messages(raw_sha256);"

/* ---- helpers ------------------------------------------------------------ */

static RdCase *
make_case_full(RdStore *store, const char *prefix, int year,
               const char *email, gint64 opened_at)
{
	g_autoptr(GError) error = NULL;
	RdCaseNew n = {
		.prefix = prefix,
		.year = year,
		.channel = "email",
		.complainant_email = email,
		.complainant_name = "A Person",
		.summary = "Bins not collected",
		.opened_at = opened_at,
	};

	g_assert_true(rd_store_begin(store, &error));
	g_assert_no_error(error);
	RdCase *c = rd_store_case_create(store, &n, &error);
	g_assert_no_error(error);
	g_assert_nonnull(c);
	g_assert_true(rd_store_commit(store, &error));
	g_assert_no_error(error);
	return c;
}

static RdCase *
make_case(RdStore *store, const char *email)
{
	return make_case_full(store, "CMP", 2026, email, T0);
}

/* Store raw bytes and insert a message using them. */
static gint64
add_message(RdStore *store, gint64 case_id, const char *direction,
            const char *message_id, const char *hash, const char *from,
            const char *kind, gint64 received_at)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *raw = g_strdup_printf("raw of %s/%s", message_id, hash);
	g_autofree char *sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256,
	                                                     raw, -1);
	RdMessageNew m = {
		.case_id = case_id,
		.direction = direction,
		.raw_sha256 = sha,
		.content_hash = hash,
		.size = strlen(raw),
		.message_id = message_id,
		.subject = "Subject",
		.from_email = from,
		.to_addrs = "complaints@council.example",
		.date = received_at,
		.received_at = received_at,
		.kind = kind,
		.via = "new",
		.reason = "test",
	};

	g_assert_true(rd_store_raw_put(store, sha, raw, strlen(raw), &error));
	g_assert_no_error(error);
	gint64 id = rd_store_message_insert(store, &m, &error);
	g_assert_no_error(error);
	g_assert_cmpint(id, >, 0);
	return id;
}

/* ---- open, schema, file ------------------------------------------------- */

static void
test_open_creates_schema(Fixture *f, gconstpointer data)
{
	struct stat sb;

	g_assert_cmpint(rd_store_schema_version_at_open(f->store), ==, 0);
	g_assert_cmpint(g_stat(f->path, &sb), ==, 0);
	g_assert_cmpint(sb.st_mode & 0777, ==, 0600);

	g_autofree char *version = side_query(f->path, "PRAGMA user_version");
	g_assert_cmpstr(version, ==, G_STRINGIFY(RD_STORE_SCHEMA_VERSION));

	static const char *const tables[] = {
		"settings", "people", "cases", "stages", "reference_counters",
		"raw_messages", "messages", "message_routes", "attachments",
		"events", "triage", "outbox", "mailbox_cursors",
		"mailbox_status", "daemon_status",
	};
	for (gsize i = 0; i < G_N_ELEMENTS(tables); i++) {
		g_autofree char *sql = g_strdup_printf(
			"SELECT count(*) FROM sqlite_schema"
			" WHERE type = 'table' AND name = '%s'", tables[i]);
		g_autofree char *n = side_query(f->path, sql);
		g_assert_cmpstr(n, ==, "1");
	}
}

static void
test_open_wal(Fixture *f, gconstpointer data)
{
	/* journal_mode=WAL is persistent in the file, so a second connection
	 * sees it. */
	g_autofree char *mode = side_query(f->path, "PRAGMA journal_mode");
	g_assert_cmpstr(mode, ==, "wal");
}

static void
test_open_reopen(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdCase) c = make_case(f->store, "a@example.org");

	g_clear_pointer(&f->store, rd_store_close);
	f->store = rd_store_open(f->path, &error);
	g_assert_no_error(error);
	g_assert_cmpint(rd_store_schema_version_at_open(f->store), ==, RD_STORE_SCHEMA_VERSION);

	g_autoptr(RdCase) again = t_case_by_ref(f->store, c->reference,
	                                                   &error);
	g_assert_no_error(error);
	g_assert_nonnull(again);
	g_assert_cmpint(again->id, ==, c->id);
}

static void
test_open_newer_schema_refused(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	g_clear_pointer(&f->store, rd_store_close);
	side_exec(f->path, "PRAGMA user_version = 99");
	f->store = rd_store_open(f->path, &error);
	g_assert_null(f->store);
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_SCHEMA);
	g_assert_nonnull(strstr(error->message, "upgrade redress"));
	g_assert_nonnull(strstr(error->message, "99"));

	/* The file was not touched. */
	g_autofree char *version = side_query(f->path, "PRAGMA user_version");
	g_assert_cmpstr(version, ==, "99");
}

/* A version 1 file (as redress before the daemon wrote one) is brought
 * to version 2 at open, keeping its data, and the new tables work. */
static void
test_open_migrate_v1(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdCase) c = make_case(f->store, "a@example.org");

	g_clear_pointer(&f->store, rd_store_close);
	side_exec(f->path, UNDO_V4
	                   " DROP INDEX outbox_copy_due; ALTER TABLE outbox DROP COLUMN sent_copy;"
	                   " ALTER TABLE outbox DROP COLUMN copy_error;"
	                   " DROP TABLE mailbox_status; DROP TABLE daemon_status;"
	                   " PRAGMA user_version = 1");
	f->store = rd_store_open(f->path, &error);
	g_assert_no_error(error);
	g_assert_cmpint(rd_store_schema_version_at_open(f->store), ==, 1);
	g_autofree char *version = side_query(f->path, "PRAGMA user_version");
	g_assert_cmpstr(version, ==, G_STRINGIFY(RD_STORE_SCHEMA_VERSION));

	g_autoptr(RdCase) again = t_case_by_ref(f->store, c->reference, &error);
	g_assert_no_error(error);
	g_assert_nonnull(again);

	RdMailboxStatus ms = { 0 };
	ms.mailbox = (char *)"complaints";
	ms.connected = TRUE;
	ms.last_fetch = T0;
	ms.waiting = -1;
	ms.updated_at = T0;
	g_assert_true(rd_store_mailbox_status_set(f->store, &ms, &error));
	ms.connected = FALSE;
	ms.last_error = (char *)"LOGIN failed";
	ms.last_error_at = T0 + 5;
	ms.waiting = 3;
	g_assert_true(rd_store_mailbox_status_set(f->store, &ms, &error));
	g_assert_no_error(error);
	g_autoptr(GPtrArray) list = rd_store_mailbox_status_list(f->store, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(list->len, ==, 1);
	const RdMailboxStatus *got = list->pdata[0];
	g_assert_cmpstr(got->mailbox, ==, "complaints");
	g_assert_false(got->connected);
	g_assert_cmpint(got->last_fetch, ==, T0);
	g_assert_cmpstr(got->last_error, ==, "LOGIN failed");
	g_assert_cmpint(got->last_error_at, ==, T0 + 5);
	g_assert_cmpint(got->waiting, ==, 3);

	RdDaemonStatus ds = { 0 };
	g_assert_false(t_daemon_status_get(f->store, &ds, &error));
	g_assert_no_error(error);
	RdDaemonStatus set = { .pid = 42, .started_at = T0, .heartbeat_at = T0 + 10, .interval = 10 };
	g_assert_true(rd_store_daemon_status_set(f->store, &set, &error));
	g_assert_true(t_daemon_status_get(f->store, &ds, &error));
	g_assert_no_error(error);
	g_assert_cmpint(ds.pid, ==, 42);
	g_assert_cmpint(ds.heartbeat_at, ==, T0 + 10);
	g_assert_cmpint(ds.stopped_at, ==, 0);

	g_assert_true(rd_store_mailbox_status_clear(f->store, &error));
	g_autoptr(GPtrArray) none = rd_store_mailbox_status_list(f->store, &error);
	g_assert_cmpuint(none->len, ==, 0);
}

static void
test_open_bad_path(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdStore) store =
		rd_store_open("/nonexistent-dir-for-redress/x.db", &error);

	g_assert_null(store);
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_OPEN);
}

static void
test_open_memory(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdStore) store = rd_store_open(":memory:", &error);

	g_assert_no_error(error);
	g_assert_nonnull(store);
	g_assert_cmpint(rd_store_schema_version_at_open(store), ==, 0);
}

static void
test_close_null(void)
{
	rd_store_close(NULL);
	rd_case_free(NULL);
	rd_stage_free(NULL);
	rd_message_row_free(NULL);
	rd_attachment_row_free(NULL);
	rd_event_free(NULL);
	rd_triage_item_free(NULL);
}

/* ---- references --------------------------------------------------------- */

static void
test_reference_numbering(Fixture *f, gconstpointer data)
{
	static const struct {
		const char *prefix;
		int year;
		const char *want;
	} steps[] = {
		{ "CMP", 2026, "CMP-2026-000001" },
		{ "CMP", 2026, "CMP-2026-000002" },
		{ "CMP", 2027, "CMP-2027-000001" },   /* a new year restarts */
		{ "ST",  2026, "ST-2026-000001" },    /* prefixes count apart */
		{ "CMP", 2026, "CMP-2026-000003" },
		{ "CMP", 2027, "CMP-2027-000002" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(steps); i++) {
		g_autoptr(RdCase) c = make_case_full(f->store, steps[i].prefix,
		                                     steps[i].year, "a@example.org",
		                                     T0);
		g_assert_cmpstr(c->reference, ==, steps[i].want);
	}
}

static void
test_reference_rollback(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	RdCaseNew n = {
		.prefix = "CMP", .year = 2026, .channel = "email",
		.complainant_email = "a@example.org", .opened_at = T0,
	};

	g_autoptr(RdCase) first = make_case(f->store, "a@example.org");
	g_assert_cmpstr(first->reference, ==, "CMP-2026-000001");

	g_assert_true(rd_store_begin(f->store, &error));
	g_autoptr(RdCase) lost = rd_store_case_create(f->store, &n, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(lost->reference, ==, "CMP-2026-000002");
	rd_store_rollback(f->store);

	g_autoptr(RdCase) gone = t_case_get(f->store, lost->id, &error);
	g_assert_no_error(error);
	g_assert_null(gone);

	/* The counter row rolled back with the case. */
	g_autoptr(RdCase) next = make_case(f->store, "b@example.org");
	g_assert_cmpstr(next->reference, ==, "CMP-2026-000002");

	RdStoreCounts counts;
	g_assert_true(rd_store_counts(f->store, &counts, &error));
	g_assert_cmpint(counts.cases, ==, 2);
}

static void
test_reference_wide(Fixture *f, gconstpointer data)
{
	g_autoptr(RdCase) first = make_case(f->store, "a@example.org");

	side_exec(f->path, "UPDATE reference_counters SET next = 1000000");
	g_autoptr(RdCase) big = make_case(f->store, "a@example.org");
	g_assert_cmpstr(big->reference, ==, "CMP-2026-1000000");
}

/* ---- cases -------------------------------------------------------------- */

static void
test_case_create_get(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdCase) c = make_case(f->store, "Jane.Doe@Example.ORG");

	g_assert_cmpint(c->id, >, 0);
	g_assert_cmpstr(c->state, ==, "stage1");
	g_assert_cmpstr(c->channel, ==, "email");
	g_assert_cmpstr(c->complainant_email, ==, "jane.doe@example.org");
	g_assert_cmpstr(c->complainant_name, ==, "A Person");
	g_assert_cmpstr(c->language, ==, "en");
	g_assert_cmpstr(c->summary, ==, "Bins not collected");
	g_assert_null(c->service);
	g_assert_null(c->handler);
	g_assert_null(c->representative_email);
	g_assert_cmpint(c->group_id, ==, 0);
	g_assert_cmpint(c->opened_at, ==, T0);
	g_assert_cmpint(c->updated_at, ==, T0);

	g_autoptr(RdCase) by_id = t_case_get(f->store, c->id, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(by_id->reference, ==, c->reference);

	g_autoptr(RdCase) by_ref = t_case_by_ref(f->store,
	                                                    c->reference, &error);
	g_assert_no_error(error);
	g_assert_cmpint(by_ref->id, ==, c->id);

	/* Not found is not an error. */
	g_autoptr(RdCase) none = t_case_get(f->store, 9999, &error);
	g_assert_no_error(error);
	g_assert_null(none);
	g_autoptr(RdCase) none2 = t_case_by_ref(f->store,
	                                                   "cmp-2026-000001",
	                                                   &error);
	g_assert_no_error(error);
	g_assert_null(none2);

	/* The complainant is one person however often they complain. */
	g_autoptr(RdCase) c2 = make_case(f->store, "jane.doe@example.org");
	gint64 p = rd_store_person_ensure(f->store, "JANE.DOE@example.org", NULL,
	                                  &error);
	g_assert_no_error(error);
	gint64 p2 = rd_store_person_ensure(f->store, "jane.doe@example.org",
	                                   "Other Name", &error);
	g_assert_no_error(error);
	g_assert_cmpint(p, ==, p2);
	g_autoptr(RdCase) c3 = t_case_get(f->store, c2->id, &error);
	g_assert_cmpstr(c3->complainant_name, ==, "A Person");
}

static void
test_person_name_filled_later(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gint64 a = rd_store_person_ensure(f->store, "x@example.org", NULL, &error);
	g_assert_no_error(error);
	gint64 b = rd_store_person_ensure(f->store, "x@example.org", "Xavier",
	                                  &error);
	g_assert_no_error(error);
	g_assert_cmpint(a, ==, b);

	g_autoptr(RdCase) c = make_case(f->store, "x@example.org");
	/* make_case passes "A Person", but a name was already known. */
	g_assert_cmpstr(c->complainant_name, ==, "Xavier");
}

static void
test_case_received_london(Fixture *f, gconstpointer data)
{
	static const struct {
		gint64 opened_at;
		const char *received;
	} cases[] = {
		{ G_GINT64_CONSTANT(1768519800), "2026-01-15" }, /* 23:30 GMT */
		{ G_GINT64_CONSTANT(1782862200), "2026-07-01" }, /* 30 Jun 23:30 UTC = 00:30 BST */
		{ G_GINT64_CONSTANT(1782858600), "2026-06-30" }, /* 30 Jun 22:30 UTC = 23:30 BST */
	};
	g_autoptr(GError) error = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(RdCase) c = make_case_full(f->store, "CMP", 2026,
		                                     "a@example.org",
		                                     cases[i].opened_at);
		g_autoptr(GPtrArray) stages = rd_store_stages_for_case(f->store,
		                                                       c->id, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(stages->len, ==, 1);
		RdStage *s = stages->pdata[0];
		g_assert_cmpint(s->stage, ==, 1);
		g_assert_cmpint(s->case_id, ==, c->id);
		g_assert_cmpint(s->opened_at, ==, cases[i].opened_at);
		g_assert_cmpstr(s->received, ==, cases[i].received);
		g_assert_null(s->ack_due);
		g_assert_null(s->closed);
	}
}

static void
test_case_by_message_id(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdCase) a = make_case(f->store, "a@example.org");
	g_autoptr(RdCase) b = make_case(f->store, "b@example.org");

	add_message(f->store, a->id, "in", "in-1@example.org", "h1",
	            "a@example.org", "complainant", T0);
	add_message(f->store, b->id, "out", "out-1@council.example", "h2",
	            "complaints@council.example", "letter", T0);
	/* A message without a case does not hide anything. */
	add_message(f->store, 0, "in", "nocase@example.org", "h3",
	            "z@example.org", "unknown", T0);

	g_autoptr(RdCase) got_a = t_case_by_mid(
		f->store, "in-1@example.org", &error);
	g_assert_no_error(error);
	g_assert_nonnull(got_a);
	g_assert_cmpint(got_a->id, ==, a->id);

	g_autoptr(RdCase) got_b = t_case_by_mid(
		f->store, "out-1@council.example", &error);
	g_assert_no_error(error);
	g_assert_cmpint(got_b->id, ==, b->id);

	g_autoptr(RdCase) none = t_case_by_mid(
		f->store, "nocase@example.org", &error);
	g_assert_no_error(error);
	g_assert_null(none);

	g_autoptr(RdCase) unknown = t_case_by_mid(
		f->store, "never@example.org", &error);
	g_assert_no_error(error);
	g_assert_null(unknown);
}

static void
test_case_by_message_id_outbox(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdCase) a = make_case(f->store, "a@example.org");

	/* No outbox API yet: write the row as the sender will. */
	g_autofree char *sql = g_strdup_printf(
		"INSERT INTO outbox (case_id, idem_key, kind, to_addr, message_id,"
		" created_at) VALUES (%" G_GINT64_FORMAT ", 'ack:1', 'ack',"
		" 'a@example.org', 'ack-1@council.example', 0)", a->id);
	side_exec(f->path, sql);

	g_autoptr(RdCase) got = t_case_by_mid(
		f->store, "ack-1@council.example", &error);
	g_assert_no_error(error);
	g_assert_nonnull(got);
	g_assert_cmpint(got->id, ==, a->id);

	RdStoreCounts counts;
	g_assert_true(rd_store_counts(f->store, &counts, &error));
	g_assert_cmpint(counts.outbox, ==, 1);
}

static void
test_case_has_party(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdCase) c = make_case(f->store, "comp@example.org");
	g_autoptr(RdCase) other = make_case(f->store, "other@example.org");

	g_assert_true(rd_store_case_set_field(f->store, c->id,
	                                      "representative_email",
	                                      "Rep@Advocacy.example", T0, &error));
	g_assert_true(rd_store_case_set_field(f->store, c->id, "handler",
	                                      "j.smith@council.example", T0,
	                                      &error));
	g_assert_no_error(error);
	add_message(f->store, c->id, "in", "s1@council.example", "hs",
	            "staff.member@council.example", "staff", T0);
	add_message(f->store, c->id, "in", "n1@example.org", "hn",
	            "neighbour@example.org", "complainant", T0);
	add_message(f->store, other->id, "in", "s2@council.example", "ho",
	            "other.staff@council.example", "staff", T0);

	static const struct {
		const char *email;
		gboolean want;
	} rows[] = {
		{ "comp@example.org", TRUE },              /* complainant */
		{ "COMP@Example.org", TRUE },              /* any case */
		{ "rep@advocacy.example", TRUE },          /* representative */
		{ "j.smith@council.example", TRUE },       /* handler */
		{ "staff.member@council.example", TRUE },  /* sent as staff */
		{ "neighbour@example.org", FALSE },        /* sent, not staff */
		{ "other@example.org", FALSE },            /* another case's */
		{ "other.staff@council.example", FALSE },  /* staff elsewhere */
		{ "stranger@example.org", FALSE },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		gboolean got = t_has_party(f->store, c->id,
		                                       rows[i].email, &error);
		g_assert_no_error(error);
		if (got != rows[i].want)
			g_error("has_party(%s) = %d", rows[i].email, got);
	}
}

static void
test_cases_closed_stage1(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdCase) old = make_case(f->store, "a@example.org");
	g_autoptr(RdCase) recent = make_case(f->store, "a@example.org");
	g_autoptr(RdCase) open = make_case(f->store, "a@example.org");
	g_autoptr(RdCase) others = make_case(f->store, "b@example.org");

	g_assert_true(rd_store_case_set_state(f->store, old->id, "stage1-closed",
	                                      T0 + 100, &error));
	g_assert_true(rd_store_case_set_state(f->store, recent->id,
	                                      "stage1-closed", T0 + 200, &error));
	g_assert_true(rd_store_case_set_state(f->store, others->id,
	                                      "stage1-closed", T0 + 300, &error));
	g_assert_no_error(error);

	g_autoptr(GPtrArray) list = rd_store_cases_closed_stage1_for(
		f->store, "A@example.org", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(list->len, ==, 2);
	g_assert_cmpint(((RdCase *)list->pdata[0])->id, ==, recent->id);
	g_assert_cmpint(((RdCase *)list->pdata[1])->id, ==, old->id);

	g_autoptr(GPtrArray) none = rd_store_cases_closed_stage1_for(
		f->store, "nobody@example.org", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(none->len, ==, 0);
}

static void
test_cases_list(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdCase) a = make_case_full(f->store, "CMP", 2026,
	                                     "a@example.org", T0);
	g_autoptr(RdCase) b = make_case_full(f->store, "CMP", 2026,
	                                     "b@example.org", T0 + 10);
	g_autoptr(RdCase) c = make_case_full(f->store, "CMP", 2026,
	                                     "c@example.org", T0 + 20);

	g_assert_true(rd_store_case_set_state(f->store, b->id, "closed",
	                                      T0 + 30, &error));
	g_assert_true(rd_store_case_set_state(f->store, c->id, "stage2",
	                                      T0 + 30, &error));

	g_autoptr(GPtrArray) all = rd_store_cases_list(f->store, RD_CASES_ALL,
	                                               &error);
	g_assert_no_error(error);
	g_assert_cmpuint(all->len, ==, 3);
	g_assert_cmpint(((RdCase *)all->pdata[0])->id, ==, c->id);
	g_assert_cmpint(((RdCase *)all->pdata[1])->id, ==, b->id);
	g_assert_cmpint(((RdCase *)all->pdata[2])->id, ==, a->id);

	g_autoptr(GPtrArray) open = rd_store_cases_list(f->store, RD_CASES_OPEN,
	                                                &error);
	g_assert_no_error(error);
	g_assert_cmpuint(open->len, ==, 2);
	g_assert_cmpint(((RdCase *)open->pdata[0])->id, ==, c->id);
	g_assert_cmpint(((RdCase *)open->pdata[1])->id, ==, a->id);

	RdStoreCounts counts;
	g_assert_true(rd_store_counts(f->store, &counts, &error));
	g_assert_cmpint(counts.cases, ==, 3);
	g_assert_cmpint(counts.open_cases, ==, 2);
}

static void
test_case_set_state(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdCase) c = make_case(f->store, "a@example.org");

	g_assert_true(rd_store_case_set_state(f->store, c->id, "stage2",
	                                      T0 + 50, &error));
	g_assert_no_error(error);
	g_autoptr(RdCase) got = t_case_get(f->store, c->id, &error);
	g_assert_cmpstr(got->state, ==, "stage2");
	g_assert_cmpint(got->updated_at, ==, T0 + 50);

	g_assert_false(rd_store_case_set_state(f->store, 9999, "stage2", T0,
	                                       &error));
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);

	g_assert_false(rd_store_case_set_state(f->store, c->id, "reopened", T0,
	                                       &error));
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_CONSTRAINT);
	g_assert_nonnull(strstr(error->message, "setting case state"));
}

static void
test_case_set_field(Fixture *f, gconstpointer data)
{
	static const char *const columns[] = {
		"service", "handler", "language", "profile", "flags",
		"representative_email",
	};
	static const char *const values[] = {
		"Waste", "j.smith@council.example", "cy", "lgsco-2024",
		"elected-member", "rep@example.org",
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(RdCase) c = make_case(f->store, "a@example.org");

	for (gsize i = 0; i < G_N_ELEMENTS(columns); i++) {
		g_assert_true(rd_store_case_set_field(f->store, c->id, columns[i],
		                                      values[i], T0 + 1 + (gint64)i,
		                                      &error));
		g_assert_no_error(error);
	}
	g_autoptr(RdCase) got = t_case_get(f->store, c->id, &error);
	g_assert_cmpstr(got->service, ==, "Waste");
	g_assert_cmpstr(got->handler, ==, "j.smith@council.example");
	g_assert_cmpstr(got->language, ==, "cy");
	g_assert_cmpstr(got->profile, ==, "lgsco-2024");
	g_assert_cmpstr(got->flags, ==, "elected-member");
	g_assert_cmpstr(got->representative_email, ==, "rep@example.org");
	g_assert_cmpint(got->updated_at, ==, T0 + 6);

	/* NULL clears. */
	g_assert_true(rd_store_case_set_field(f->store, c->id, "handler", NULL,
	                                      T0 + 7, &error));
	g_autoptr(RdCase) cleared = t_case_get(f->store, c->id, &error);
	g_assert_null(cleared->handler);

	g_assert_false(rd_store_case_set_field(f->store, c->id, "language", "fr",
	                                       T0, &error));
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_CONSTRAINT);
	g_clear_error(&error);

	g_assert_false(rd_store_case_set_field(f->store, 9999, "service", "X",
	                                       T0, &error));
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND);
}

/* ---- stages ------------------------------------------------------------- */

static void
test_stages(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdCase) c = make_case(f->store, "a@example.org");

	gint64 id = rd_store_stage_open(f->store, c->id, 2, T0 + 1000,
	                                "2026-03-20", &error);
	g_assert_no_error(error);
	g_assert_cmpint(id, >, 0);

	g_assert_true(rd_store_stage_set_field(f->store, c->id, 2, "ack_due",
	                                       "2026-03-24", &error));
	g_assert_true(rd_store_stage_set_field(f->store, c->id, 1, "outcome",
	                                       "upheld", &error));
	g_assert_true(rd_store_stage_set_field(f->store, c->id, 2, "handler",
	                                       "cfm@council.example", &error));
	g_assert_no_error(error);

	g_autoptr(GPtrArray) stages = rd_store_stages_for_case(f->store, c->id,
	                                                       &error);
	g_assert_no_error(error);
	g_assert_cmpuint(stages->len, ==, 2);
	RdStage *s1 = stages->pdata[0], *s2 = stages->pdata[1];
	g_assert_cmpint(s1->stage, ==, 1);
	g_assert_cmpstr(s1->outcome, ==, "upheld");
	g_assert_cmpint(s2->stage, ==, 2);
	g_assert_cmpint(s2->id, ==, id);
	g_assert_cmpstr(s2->received, ==, "2026-03-20");
	g_assert_cmpstr(s2->ack_due, ==, "2026-03-24");
	g_assert_cmpstr(s2->handler, ==, "cfm@council.example");
	g_assert_cmpint(s2->opened_at, ==, T0 + 1000);

	/* One row per stage. */
	g_assert_cmpint(rd_store_stage_open(f->store, c->id, 2, T0, "2026-03-21",
	                                    &error), ==, 0);
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_CONSTRAINT);
	g_clear_error(&error);

	/* Unknown case: the foreign key refuses it. */
	g_assert_cmpint(rd_store_stage_open(f->store, 9999, 1, T0, "2026-03-21",
	                                    &error), ==, 0);
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_CONSTRAINT);
	g_clear_error(&error);

	g_assert_false(rd_store_stage_set_field(f->store, 9999, 1, "closed",
	                                        "2026-04-01", &error));
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND);
}

/* ---- raw bytes ---------------------------------------------------------- */

static void
test_raw(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	static const char bytes[] = "From: a@example.org\r\n\r\nhello\0binary";
	const char *sha = "0123abcd";

	g_assert_true(rd_store_raw_put(f->store, sha, bytes, sizeof bytes,
	                               &error));
	g_assert_no_error(error);
	/* Stored once: a second put of the same hash is fine. */
	g_assert_true(rd_store_raw_put(f->store, sha, bytes, sizeof bytes,
	                               &error));
	g_assert_no_error(error);

	g_autoptr(GBytes) got = t_raw_get(f->store, sha, &error);
	g_assert_no_error(error);
	g_assert_nonnull(got);
	gsize len;
	const void *p = g_bytes_get_data(got, &len);
	g_assert_cmpmem(p, len, bytes, sizeof bytes);

	g_autoptr(GBytes) none = t_raw_get(f->store, "nope", &error);
	g_assert_no_error(error);
	g_assert_null(none);

	/* Empty message bodies happen (a truncated fetch). */
	g_assert_true(rd_store_raw_put(f->store, "empty", NULL, 0, &error));
	g_autoptr(GBytes) empty = t_raw_get(f->store, "empty", &error);
	g_assert_no_error(error);
	g_assert_nonnull(empty);
	g_assert_cmpuint(g_bytes_get_size(empty), ==, 0);

	RdStoreCounts counts;
	g_assert_true(rd_store_counts(f->store, &counts, &error));
	g_assert_cmpint(counts.raw, ==, 2);
}

static void
test_raw_large(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	const gsize len = 50 * 1024 * 1024;
	g_autofree guchar *buf = g_malloc(len);

	for (gsize i = 0; i < len; i++)
		buf[i] = (guchar)(i * 31 + (i >> 13));
	g_autofree char *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
	                                                   buf, len);

	g_assert_true(rd_store_begin(f->store, &error));
	g_assert_true(rd_store_raw_put(f->store, sha, buf, len, &error));
	g_assert_no_error(error);
	g_assert_true(rd_store_commit(f->store, &error));

	g_autoptr(GBytes) got = t_raw_get(f->store, sha, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(got), ==, len);
	g_assert_true(memcmp(g_bytes_get_data(got, NULL), buf, len) == 0);
}

/* ---- messages ----------------------------------------------------------- */

static void
test_message_roundtrip(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdCase) c = make_case(f->store, "a@example.org");
	const char *raw = "raw bytes";

	g_assert_true(rd_store_raw_put(f->store, "rawsha", raw, strlen(raw),
	                               &error));
	RdMessageNew m = {
		.case_id = c->id,
		.direction = "in",
		.raw_sha256 = "rawsha",
		.content_hash = "chash",
		.size = 1234,
		.message_id = "m1@example.org",
		.in_reply_to = "ack@council.example",
		.references = "a@x b@y",
		.subject = "Re: CMP-2026-000001",
		.from_email = "a@example.org",
		.from_name = "Ann",
		.to_addrs = "complaints@council.example",
		.cc_addrs = "ceo@council.example,x@example.org",
		.date = T0 - 60,
		.received_at = T0,
		.kind = "complainant",
		.via = "in-reply-to",
		.reason = "In-Reply-To names our letter",
		.auto_reason = NULL,
		.bounced_message_id = "b@council.example",
		.problem = "bad-charset",
		.problem_detail = "windows-1252 assumed",
		.body_text = "Dear council,\n\nStill no bins. Ŵ ŷ\n",
		.new_text = "Still no bins.",
	};
	gint64 id = rd_store_message_insert(f->store, &m, &error);
	g_assert_no_error(error);

	gboolean added = FALSE;
	g_assert_true(rd_store_route_add(f->store, id, "complaints", T0,
	                                 "imap:42:7", &added, &error));
	g_assert_true(added);
	g_assert_true(rd_store_route_add(f->store, id, "chief-executive", T0 + 5,
	                                 NULL, &added, &error));
	g_assert_true(added);
	g_assert_true(rd_store_route_add(f->store, id, "complaints", T0 + 9,
	                                 "/tmp/x.eml", &added, &error));
	g_assert_no_error(error);
	g_assert_false(added);

	g_autoptr(RdMessageRow) r = t_msg_get(f->store, id, &error);
	g_assert_no_error(error);
	g_assert_nonnull(r);
	g_assert_cmpint(r->id, ==, id);
	g_assert_cmpint(r->case_id, ==, c->id);
	g_assert_cmpstr(r->direction, ==, "in");
	g_assert_cmpstr(r->raw_sha256, ==, "rawsha");
	g_assert_cmpstr(r->content_hash, ==, "chash");
	g_assert_cmpuint(r->size, ==, 1234);
	g_assert_cmpstr(r->message_id, ==, m.message_id);
	g_assert_cmpstr(r->in_reply_to, ==, m.in_reply_to);
	g_assert_cmpstr(r->references, ==, m.references);
	g_assert_cmpstr(r->subject, ==, m.subject);
	g_assert_cmpstr(r->from_email, ==, m.from_email);
	g_assert_cmpstr(r->from_name, ==, m.from_name);
	g_assert_cmpstr(r->to_addrs, ==, m.to_addrs);
	g_assert_cmpstr(r->cc_addrs, ==, m.cc_addrs);
	g_assert_cmpint(r->date, ==, m.date);
	g_assert_cmpint(r->received_at, ==, m.received_at);
	g_assert_cmpstr(r->kind, ==, m.kind);
	g_assert_cmpstr(r->via, ==, m.via);
	g_assert_cmpstr(r->reason, ==, m.reason);
	g_assert_null(r->auto_reason);
	g_assert_cmpstr(r->bounced_message_id, ==, m.bounced_message_id);
	g_assert_cmpstr(r->problem, ==, m.problem);
	g_assert_cmpstr(r->problem_detail, ==, m.problem_detail);
	g_assert_cmpstr(r->body_text, ==, m.body_text);
	g_assert_cmpstr(r->new_text, ==, m.new_text);
	g_assert_cmpuint(r->routes->len, ==, 2);
	g_assert_cmpstr(r->routes->pdata[0], ==, "complaints");
	g_assert_cmpstr(r->routes->pdata[1], ==, "chief-executive");

	g_autoptr(RdMessageRow) by_mid = t_msg_by_mid(
		f->store, "m1@example.org", &error);
	g_assert_no_error(error);
	g_assert_cmpint(by_mid->id, ==, id);
	g_assert_cmpuint(by_mid->routes->len, ==, 2);

	g_assert_cmpint(t_find_raw(f->store, "rawsha", &error),
	                ==, id);
	g_assert_cmpint(t_find_raw(f->store, "other", &error),
	                ==, 0);
	g_assert_no_error(error);

	g_autoptr(RdMessageRow) none = t_msg_get(f->store, 9999,
	                                                    &error);
	g_assert_no_error(error);
	g_assert_null(none);
	g_autoptr(RdMessageRow) none2 = t_msg_by_mid(
		f->store, "nope@x", &error);
	g_assert_no_error(error);
	g_assert_null(none2);
}

static void
test_message_find(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gint64 with_id = add_message(f->store, 0, "in", "dup@example.org", "H1",
	                             "a@example.org", "complainant", T0);
	gint64 no_id = add_message(f->store, 0, "in", NULL, "H2",
	                           "a@example.org", "complainant", T0);

	static const struct {
		const char *message_id;
		const char *hash;
		int want;   /* 0 none, 1 with_id, 2 no_id */
	} rows[] = {
		{ "dup@example.org", "H1", 1 },    /* both match */
		{ "dup@example.org", "H9", 0 },    /* same ID, other content */
		{ "other@example.org", "H1", 0 },  /* same content, other ID */
		{ NULL, "H1", 0 },                 /* content of a message with an ID */
		{ NULL, "H2", 2 },                 /* no ID: by hash only */
		{ "x@example.org", "H2", 0 },      /* an ID never matches a no-ID row */
		{ NULL, "H9", 0 },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
		gint64 want = rows[i].want == 1 ? with_id
		            : rows[i].want == 2 ? no_id : 0;
		gint64 got = t_find(f->store, rows[i].message_id,
		                                   rows[i].hash, &error);
		g_assert_no_error(error);
		if (got != want)
			g_error("find(%s, %s) = %" G_GINT64_FORMAT ", want %"
			        G_GINT64_FORMAT, rows[i].message_id, rows[i].hash,
			        got, want);
	}

	/* get_by_message_id returns the first of several with that ID. */
	gint64 later = add_message(f->store, 0, "in", "dup@example.org", "H3",
	                           "b@example.org", "complainant", T0 + 1);
	g_assert_cmpint(later, >, with_id);
	g_autoptr(RdMessageRow) first = t_msg_by_mid(
		f->store, "dup@example.org", &error);
	g_assert_cmpint(first->id, ==, with_id);
}

static void
test_message_needs_raw(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	RdMessageNew m = {
		.direction = "in", .raw_sha256 = "not-stored",
		.content_hash = "h", .received_at = T0,
	};

	g_assert_cmpint(rd_store_message_insert(f->store, &m, &error), ==, 0);
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_CONSTRAINT);
	g_assert_true(g_str_has_prefix(error->message, "inserting message: "));
	g_clear_error(&error);

	m.raw_sha256 = NULL;
	m.direction = "sideways";
	g_assert_cmpint(rd_store_message_insert(f->store, &m, &error), ==, 0);
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_CONSTRAINT);
}

static void
test_messages_for_case(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdCase) c = make_case(f->store, "a@example.org");
	g_autoptr(RdCase) other = make_case(f->store, "b@example.org");

	gint64 m3 = add_message(f->store, c->id, "in", "c@x", "h3",
	                        "a@example.org", "complainant", T0 + 30);
	gint64 m1 = add_message(f->store, c->id, "in", "a@x", "h1",
	                        "a@example.org", "complainant", T0 + 10);
	gint64 m2a = add_message(f->store, c->id, "out", "b@x", "h2",
	                         "complaints@council.example", "letter", T0 + 20);
	gint64 m2b = add_message(f->store, c->id, "in", "b2@x", "h2b",
	                         "a@example.org", "complainant", T0 + 20);
	add_message(f->store, other->id, "in", "o@x", "ho", "b@example.org",
	            "complainant", T0);
	gboolean added;
	g_assert_true(rd_store_route_add(f->store, m1, "complaints", T0, NULL,
	                                 &added, &error));

	g_autoptr(GPtrArray) msgs = rd_store_messages_for_case(f->store, c->id,
	                                                       &error);
	g_assert_no_error(error);
	g_assert_cmpuint(msgs->len, ==, 4);
	const gint64 want[] = { m1, m2a, m2b, m3 };
	for (guint i = 0; i < msgs->len; i++) {
		RdMessageRow *r = msgs->pdata[i];
		g_assert_cmpint(r->id, ==, want[i]);
		g_assert_nonnull(r->routes);
		g_assert_cmpuint(r->routes->len, ==, r->id == m1 ? 1 : 0);
	}

	/* Triage assignment moves a message between cases. */
	gint64 loose = add_message(f->store, 0, "in", "l@x", "hl",
	                           "a@example.org", "unknown", T0 + 40);
	g_assert_true(rd_store_message_set_case(f->store, loose, c->id,
	                                        "complainant", "triage",
	                                        "assigned by officer", &error));
	g_assert_no_error(error);
	g_autoptr(RdMessageRow) moved = t_msg_get(f->store, loose,
	                                                     &error);
	g_assert_cmpint(moved->case_id, ==, c->id);
	g_assert_cmpstr(moved->kind, ==, "complainant");
	g_assert_cmpstr(moved->via, ==, "triage");
	g_assert_cmpstr(moved->reason, ==, "assigned by officer");

	g_assert_false(rd_store_message_set_case(f->store, 9999, c->id, "x",
	                                         "y", "z", &error));
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);

	RdStoreCounts counts;
	g_assert_true(rd_store_counts(f->store, &counts, &error));
	g_assert_cmpint(counts.messages, ==, 6);
}

/* ---- attachments -------------------------------------------------------- */

static void
test_attachments(Fixture *f, gconstpointer data)
{
	static const struct {
		const char *filename, *content_type, *sha256;
		gsize size;
		gboolean is_tnef;
	} atts[] = {
		{ "photo.jpg", "image/jpeg", "s1", 204800, FALSE },
		{ "winmail.dat", "application/ms-tnef", "s2", 5000, TRUE },
		{ NULL, "application/octet-stream", "s3", 0, FALSE },
		{ "../../etc/passwd", "text/plain", "s4", 12, FALSE },
	};
	g_autoptr(GError) error = NULL;
	gint64 msg = add_message(f->store, 0, "in", "a@x", "h", "a@example.org",
	                         "complainant", T0);

	for (gsize i = 0; i < G_N_ELEMENTS(atts); i++) {
		g_assert_true(rd_store_attachment_add(f->store, msg,
		                                      atts[i].filename,
		                                      atts[i].content_type,
		                                      atts[i].size, atts[i].sha256,
		                                      atts[i].is_tnef, &error));
		g_assert_no_error(error);
	}
	g_autoptr(GPtrArray) got = rd_store_attachments_for_message(f->store, msg,
	                                                            &error);
	g_assert_no_error(error);
	g_assert_cmpuint(got->len, ==, G_N_ELEMENTS(atts));
	for (guint i = 0; i < got->len; i++) {
		RdAttachmentRow *a = got->pdata[i];
		g_assert_cmpstr(a->filename, ==, atts[i].filename);
		g_assert_cmpstr(a->content_type, ==, atts[i].content_type);
		g_assert_cmpstr(a->sha256, ==, atts[i].sha256);
		g_assert_cmpuint(a->size, ==, atts[i].size);
		g_assert_cmpint(a->is_tnef, ==, atts[i].is_tnef);
	}

	g_autoptr(GPtrArray) none = rd_store_attachments_for_message(f->store,
	                                                             9999, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(none->len, ==, 0);

	g_assert_false(rd_store_attachment_add(f->store, 9999, "x", "y", 1, "z",
	                                       FALSE, &error));
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_CONSTRAINT);
}

/* ---- events ------------------------------------------------------------- */

static void
test_events(Fixture *f, gconstpointer data)
{
	static const struct {
		gint64 at;
		const char *type;
	} adds[] = {
		{ T0 + 300, "letter-sent" },
		{ T0 + 100, "opened" },
		{ T0 + 200, "assigned" },
		{ T0 + 100, "acknowledged" },   /* same time: insertion order */
	};
	static const char *const want[] = {
		"opened", "acknowledged", "assigned", "letter-sent",
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(RdCase) c = make_case(f->store, "a@example.org");
	g_autoptr(RdCase) other = make_case(f->store, "b@example.org");
	gint64 msg = add_message(f->store, c->id, "in", "a@x", "h",
	                         "a@example.org", "complainant", T0);

	for (gsize i = 0; i < G_N_ELEMENTS(adds); i++) {
		gint64 id = rd_store_event_add(f->store, c->id, adds[i].at,
		                               "redress", adds[i].type,
		                               i == 0 ? "to a@example.org" : NULL,
		                               i == 1 ? msg : 0, &error);
		g_assert_no_error(error);
		g_assert_cmpint(id, >, 0);
	}
	rd_store_event_add(f->store, other->id, T0, "redress", "opened", NULL, 0,
	                   &error);
	g_assert_no_error(error);

	g_autoptr(GPtrArray) events = rd_store_events_for_case(f->store, c->id,
	                                                       &error);
	g_assert_no_error(error);
	g_assert_cmpuint(events->len, ==, G_N_ELEMENTS(want));
	for (guint i = 0; i < events->len; i++) {
		RdEvent *e = events->pdata[i];
		g_assert_cmpstr(e->type, ==, want[i]);
		g_assert_cmpstr(e->actor, ==, "redress");
		g_assert_cmpint(e->case_id, ==, c->id);
	}
	RdEvent *opened = events->pdata[0], *sent = events->pdata[3];
	g_assert_cmpint(opened->msg_id, ==, msg);
	g_assert_cmpint(opened->at, ==, T0 + 100);
	g_assert_null(opened->detail);
	g_assert_cmpint(sent->msg_id, ==, 0);
	g_assert_cmpstr(sent->detail, ==, "to a@example.org");

	RdStoreCounts counts;
	g_assert_true(rd_store_counts(f->store, &counts, &error));
	g_assert_cmpint(counts.events, ==, 5);
}

/* ---- triage ------------------------------------------------------------- */

static void
test_triage(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gint64 m1 = add_message(f->store, 0, "in", "t1@x", "h1", "s1@example.org",
	                        "unknown", T0 + 5);
	gint64 m2 = add_message(f->store, 0, "in", "t2@x", "h2", "s2@example.org",
	                        "unknown", T0 + 6);

	g_assert_true(rd_store_triage_add(f->store, m2, "reference from stranger",
	                                  "CMP-2026-000001", T0 + 20, &error));
	g_assert_true(rd_store_triage_add(f->store, m1, "no match", NULL, T0 + 10,
	                                  &error));
	g_assert_no_error(error);

	/* One item per message. */
	g_assert_false(rd_store_triage_add(f->store, m1, "again", NULL, T0 + 30,
	                                   &error));
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_CONSTRAINT);
	g_clear_error(&error);

	g_autoptr(GPtrArray) items = rd_store_triage_list(f->store, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(items->len, ==, 2);
	RdTriageItem *t1 = items->pdata[0], *t2 = items->pdata[1];
	g_assert_cmpint(t1->msg_id, ==, m1);
	g_assert_cmpstr(t1->reason, ==, "no match");
	g_assert_null(t1->suggestion);
	g_assert_cmpint(t1->created_at, ==, T0 + 10);
	g_assert_cmpstr(t1->message_id, ==, "t1@x");
	g_assert_cmpstr(t1->from_email, ==, "s1@example.org");
	g_assert_cmpstr(t1->subject, ==, "Subject");
	g_assert_cmpstr(t1->kind, ==, "unknown");
	g_assert_cmpint(t1->received_at, ==, T0 + 5);
	g_assert_cmpint(t2->msg_id, ==, m2);
	g_assert_cmpstr(t2->suggestion, ==, "CMP-2026-000001");

	RdStoreCounts counts;
	g_assert_true(rd_store_counts(f->store, &counts, &error));
	g_assert_cmpint(counts.triage_open, ==, 2);

	g_assert_true(rd_store_triage_resolve(f->store, m1, "new case CMP-2026-000009",
	                                      T0 + 40, &error));
	g_assert_no_error(error);
	g_autoptr(GPtrArray) left = rd_store_triage_list(f->store, &error);
	g_assert_cmpuint(left->len, ==, 1);
	g_assert_cmpint(((RdTriageItem *)left->pdata[0])->msg_id, ==, m2);

	/* Already resolved, and never triaged: both NOT_FOUND. */
	g_assert_false(rd_store_triage_resolve(f->store, m1, "again", T0 + 50,
	                                       &error));
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(rd_store_triage_resolve(f->store, 9999, "x", T0 + 50,
	                                       &error));
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);

	g_assert_true(rd_store_counts(f->store, &counts, &error));
	g_assert_cmpint(counts.triage_open, ==, 1);
}

/* ---- cursors, settings -------------------------------------------------- */

static void
test_cursors(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	guint32 v = 77, u = 77;

	g_assert_false(t_cursor_get(f->store, "complaints", &v, &u,
	                                   &error));
	g_assert_no_error(error);
	g_assert_cmpuint(v, ==, 0);
	g_assert_cmpuint(u, ==, 0);

	static const struct {
		const char *mailbox;
		guint32 uidvalidity, last_uid;
	} sets[] = {
		{ "complaints", 1700000000u, 5 },
		{ "stage2", 42, 1 },
		{ "complaints", 1700000000u, 9 },
		{ "chief-executive", G_MAXUINT32, G_MAXUINT32 },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(sets); i++) {
		g_assert_true(rd_store_cursor_set(f->store, sets[i].mailbox,
		                                  sets[i].uidvalidity,
		                                  sets[i].last_uid, &error));
		g_assert_no_error(error);
		g_assert_true(t_cursor_get(f->store, sets[i].mailbox, &v, &u,
		                                  &error));
		g_assert_cmpuint(v, ==, sets[i].uidvalidity);
		g_assert_cmpuint(u, ==, sets[i].last_uid);
	}
	g_assert_true(t_cursor_get(f->store, "stage2", &v, &u, &error));
	g_assert_cmpuint(v, ==, 42);
	g_assert_cmpuint(u, ==, 1);
}

static void
test_settings(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	g_autofree char *unset = t_setting_get(f->store, "token-key",
	                                              &error);
	g_assert_no_error(error);
	g_assert_null(unset);

	g_assert_true(rd_store_setting_set(f->store, "token-key", "abc", &error));
	g_assert_true(rd_store_setting_set(f->store, "other", "1", &error));
	g_assert_true(rd_store_setting_set(f->store, "token-key", "def", &error));
	g_assert_no_error(error);
	g_autofree char *v = t_setting_get(f->store, "token-key", &error);
	g_assert_cmpstr(v, ==, "def");

	g_assert_true(rd_store_setting_set(f->store, "token-key", NULL, &error));
	g_autofree char *gone = t_setting_get(f->store, "token-key",
	                                             &error);
	g_assert_no_error(error);
	g_assert_null(gone);
	g_autofree char *other = t_setting_get(f->store, "other", &error);
	g_assert_cmpstr(other, ==, "1");
}

/* ---- transactions, injection -------------------------------------------- */

static void
test_transaction(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	RdStoreCounts counts;

	g_assert_true(rd_store_begin(f->store, &error));
	add_message(f->store, 0, "in", "r@x", "h", "a@example.org", "x", T0);
	g_assert_true(rd_store_cursor_set(f->store, "complaints", 1, 1, &error));
	rd_store_rollback(f->store);
	/* A second rollback is harmless. */
	rd_store_rollback(f->store);

	g_assert_true(rd_store_counts(f->store, &counts, &error));
	g_assert_cmpint(counts.messages, ==, 0);
	g_assert_cmpint(counts.raw, ==, 0);
	guint32 v, u;
	g_assert_false(t_cursor_get(f->store, "complaints", &v, &u,
	                                   &error));

	g_assert_true(rd_store_begin(f->store, &error));
	add_message(f->store, 0, "in", "r@x", "h", "a@example.org", "x", T0);
	g_assert_true(rd_store_cursor_set(f->store, "complaints", 1, 1, &error));
	g_assert_true(rd_store_commit(f->store, &error));
	g_assert_no_error(error);
	g_assert_true(rd_store_counts(f->store, &counts, &error));
	g_assert_cmpint(counts.messages, ==, 1);
	g_assert_true(t_cursor_get(f->store, "complaints", &v, &u,
	                                  &error));
}

static void
test_injection_verbatim(Fixture *f, gconstpointer data)
{
	static const char *const evil[] = {
		"'); DROP TABLE cases;--",
		"\"; DELETE FROM messages; --",
		"Robert'); DROP TABLE people;-- <bobby@example.org>",
		"100% \\ %s %n ?1 :name @x $y",
	};
	g_autoptr(GError) error = NULL;

	for (gsize i = 0; i < G_N_ELEMENTS(evil); i++) {
		RdCaseNew n = {
			.prefix = "CMP", .year = 2026, .channel = "email",
			.complainant_email = "a@example.org",
			.complainant_name = evil[i], .summary = evil[i],
			.opened_at = T0,
		};
		g_assert_true(rd_store_begin(f->store, &error));
		g_autoptr(RdCase) c = rd_store_case_create(f->store, &n, &error);
		g_assert_no_error(error);
		g_assert_true(rd_store_commit(f->store, &error));
		g_assert_cmpstr(c->summary, ==, evil[i]);

		g_assert_true(rd_store_case_set_field(f->store, c->id, "service",
		                                      evil[i], T0, &error));
		g_assert_true(rd_store_setting_set(f->store, evil[i], evil[i],
		                                   &error));
		g_assert_no_error(error);
		g_autofree char *s = t_setting_get(f->store, evil[i], &error);
		g_assert_cmpstr(s, ==, evil[i]);

		gint64 msg = add_message(f->store, c->id, "in", evil[i], evil[i],
		                         "a@example.org", "complainant", T0);
		RdMessageNew m = {
			.case_id = c->id, .direction = "in", .subject = evil[i],
			.body_text = evil[i], .received_at = T0,
		};
		gint64 msg2 = rd_store_message_insert(f->store, &m, &error);
		g_assert_no_error(error);
		g_autoptr(RdMessageRow) r = t_msg_get(f->store, msg2,
		                                                 &error);
		g_assert_cmpstr(r->subject, ==, evil[i]);
		g_assert_cmpstr(r->body_text, ==, evil[i]);
		g_assert_cmpint(t_find(f->store, evil[i], evil[i],
		                                      &error), ==, msg);

		g_autoptr(RdCase) got = t_case_get(f->store, c->id, &error);
		g_assert_cmpstr(got->service, ==, evil[i]);
		g_assert_cmpstr(got->complainant_name, ==, "'); DROP TABLE cases;--");
	}
	RdStoreCounts counts;
	g_assert_true(rd_store_counts(f->store, &counts, &error));
	g_assert_no_error(error);
	g_assert_cmpint(counts.cases, ==, G_N_ELEMENTS(evil));
	g_assert_cmpint(counts.messages, ==, 2 * G_N_ELEMENTS(evil));
}

/* ---- main --------------------------------------------------------------- */

typedef void (*FixtureFunc)(Fixture *, gconstpointer);

static void
add_both(const char *name, FixtureFunc fn)
{
	g_autofree char *file = g_strdup_printf("/store/%s/file", name);
	g_autofree char *mem = g_strdup_printf("/store/%s/memory", name);

	g_test_add(file, Fixture, "file", fixture_setup, fn, fixture_teardown);
	g_test_add(mem, Fixture, "memory", fixture_setup, fn, fixture_teardown);
}

static void
add_file(const char *name, FixtureFunc fn)
{
	g_autofree char *file = g_strdup_printf("/store/%s/file", name);

	g_test_add(file, Fixture, "file", fixture_setup, fn, fixture_teardown);
}

/* ---- outbox ---------------------------------------------------------------- */

static void
test_outbox(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdCase) c = make_case(f->store, "a@example.org");

	RdOutboxNew o = { 0 };
	o.case_id = c->id;
	o.idem_key = "CMP-2026-000001/s1/ack";
	o.kind = "stage1-acknowledgement";
	o.language = "en";
	o.from_addr = "complaints@council.test";
	o.to_addr = "A@Example.org";
	o.subject = "Your complaint CMP-2026-000001";
	o.message_id = "cmp-2026-000001.ack.x@council.test";
	o.raw = "Subject: x\n\nbody\n";
	o.raw_len = 16;
	o.next_try = T0;
	o.created_at = T0;

	/* Queued once; the same key again is not queued a second time. */
	gboolean queued = FALSE;
	gint64 id = rd_store_outbox_enqueue(f->store, &o, &queued, &error);
	g_assert_no_error(error);
	g_assert_cmpint(id, >, 0);
	g_assert_true(queued);
	gint64 again = rd_store_outbox_enqueue(f->store, &o, &queued, &error);
	g_assert_no_error(error);
	g_assert_cmpint(again, ==, id);
	g_assert_false(queued);

	/* The case is found through the letter's Message-ID (bounces, replies). */
	g_autoptr(RdCase) byid = t_case_by_mid(f->store, o.message_id, &error);
	g_assert_nonnull(byid);
	g_assert_cmpint(byid->id, ==, c->id);

	/* Not due before next_try; due at it, with the raw bytes. */
	g_autoptr(GPtrArray) none = rd_store_outbox_due(f->store, T0 - 1, 10, &error);
	g_assert_cmpuint(none->len, ==, 0);
	g_autoptr(GPtrArray) due = rd_store_outbox_due(f->store, T0, 10, &error);
	g_assert_cmpuint(due->len, ==, 1);
	RdOutboxRow *row = due->pdata[0];
	g_assert_cmpstr(row->to_addr, ==, "a@example.org");
	g_assert_cmpstr(row->status, ==, "queued");
	g_assert_cmpuint(g_bytes_get_size(row->raw), ==, 16);
	g_assert_cmpint(rd_store_outbox_count_to(f->store, "a@example.org", T0 - 3600, &error), ==, 1);
	g_assert_cmpint(rd_store_outbox_count_to(f->store, "a@example.org", T0 + 1, &error), ==, 0);

	/* Retry moves next_try; sent is final; a second "sent" is refused. */
	g_assert_true(rd_store_outbox_mark_retry(f->store, id, T0 + 600, "421 try later", &error));
	g_autoptr(GPtrArray) later = rd_store_outbox_due(f->store, T0 + 599, 10, &error);
	g_assert_cmpuint(later->len, ==, 0);
	g_assert_true(rd_store_outbox_mark_sent(f->store, id, T0 + 700, "250 ok", &error));
	g_assert_false(rd_store_outbox_mark_sent(f->store, id, T0 + 800, "250 ok", &error));
	g_assert_error(error, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(rd_store_outbox_mark_failed(f->store, id, T0 + 800, "550", &error));
	g_clear_error(&error);

	g_autoptr(GPtrArray) all = rd_store_outbox_for_case(f->store, c->id, &error);
	g_assert_cmpuint(all->len, ==, 1);
	row = all->pdata[0];
	g_assert_cmpstr(row->status, ==, "sent");
	g_assert_cmpint(row->attempts, ==, 2);
	g_assert_cmpstr(row->detail, ==, "250 ok");
	g_assert_null(row->raw);

	/* A suppressed letter is recorded but never due. */
	o.idem_key = "CMP-2026-000001/s1/holding";
	o.status = "suppressed";
	o.detail = "daily cap of letters to this address reached";
	g_assert_cmpint(rd_store_outbox_enqueue(f->store, &o, &queued, &error), >, 0);
	g_autoptr(GPtrArray) due2 = rd_store_outbox_due(f->store, T0 + 10000, 10, &error);
	g_assert_cmpuint(due2->len, ==, 0);
	/* Suppressed letters do not count towards the cap. */
	g_assert_cmpint(rd_store_outbox_count_to(f->store, "a@example.org", T0 - 3600, &error), ==, 1);

	RdOutboxCounts n;
	g_assert_true(rd_store_outbox_counts(f->store, &n, &error));
	g_assert_no_error(error);
	g_assert_cmpint(n.queued, ==, 0);
	g_assert_cmpint(n.sent, ==, 1);
	g_assert_cmpint(n.failed, ==, 0);
	g_assert_cmpint(n.suppressed, ==, 1);

	/* A copy for the Sent folder: only of a sent letter, pending until
	 * recorded done, then never due again. */
	g_autoptr(GPtrArray) nocopy = rd_store_outbox_copies_due(f->store, 0, 10, &error);
	g_assert_cmpuint(nocopy->len, ==, 0);
	gint64 suppressed_id = rd_store_outbox_enqueue(f->store, &o, &queued, &error);
	g_assert_true(rd_store_outbox_copy_wanted(f->store, suppressed_id, &error));
	g_assert_true(rd_store_outbox_copy_wanted(f->store, id, &error));
	g_autoptr(GPtrArray) copies = rd_store_outbox_copies_due(f->store, 0, 10, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(copies->len, ==, 1);
	row = copies->pdata[0];
	g_assert_cmpint(row->id, ==, id);
	g_assert_cmpuint(g_bytes_get_size(row->raw), ==, 16);
	g_assert_true(rd_store_outbox_copy_set(f->store, id, "pending", "NO [TRYCREATE]", &error));
	g_autoptr(GPtrArray) still = rd_store_outbox_copies_due(f->store, 0, 10, &error);
	g_assert_cmpuint(still->len, ==, 1);
	g_autoptr(GPtrArray) after = rd_store_outbox_copies_due(f->store, id, 10, &error);
	g_assert_cmpuint(after->len, ==, 0);
	g_assert_true(rd_store_outbox_copy_set(f->store, id, "done", NULL, &error));
	g_autoptr(GPtrArray) gone = rd_store_outbox_copies_due(f->store, 0, 10, &error);
	g_assert_cmpuint(gone->len, ==, 0);
	/* "done" is final: a late "pending" does not bring it back. */
	g_assert_true(rd_store_outbox_copy_set(f->store, id, "pending", "late", &error));
	g_autoptr(GPtrArray) final = rd_store_outbox_copies_due(f->store, 0, 10, &error);
	g_assert_cmpuint(final->len, ==, 0);
}

/* A version-2 file (before Sent-folder copies) with a sent letter is
 * brought to version 3 at open, the letter kept, and copies work. */
static void
test_open_migrate_v2(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdCase) c = make_case(f->store, "a@example.org");
	RdOutboxNew o = { 0 };
	o.case_id = c->id;
	o.idem_key = "CMP-2026-000001/s1/ack";
	o.kind = "stage1-acknowledgement";
	o.to_addr = "a@example.org";
	o.raw = "Subject: x\r\n\r\nx\r\n";
	o.raw_len = 17;
	o.next_try = T0;
	o.created_at = T0;
	gboolean queued = FALSE;
	gint64 id = rd_store_outbox_enqueue(f->store, &o, &queued, &error);
	g_assert_no_error(error);
	g_assert_true(rd_store_outbox_mark_sent(f->store, id, T0 + 1, "250 ok", &error));

	g_clear_pointer(&f->store, rd_store_close);
	side_exec(f->path, UNDO_V4
	                   " DROP INDEX outbox_copy_due; ALTER TABLE outbox DROP COLUMN sent_copy;"
	                   " ALTER TABLE outbox DROP COLUMN copy_error; PRAGMA user_version = 2");
	f->store = rd_store_open(f->path, &error);
	g_assert_no_error(error);
	g_assert_cmpint(rd_store_schema_version_at_open(f->store), ==, 2);
	g_autofree char *version = side_query(f->path, "PRAGMA user_version");
	g_assert_cmpstr(version, ==, G_STRINGIFY(RD_STORE_SCHEMA_VERSION));
	g_autofree char *status = side_query(f->path, "SELECT status || ' ' || ifnull(sent_copy, 'none') FROM outbox");
	g_assert_cmpstr(status, ==, "sent none");
	g_assert_true(rd_store_outbox_copy_wanted(f->store, id, &error));
	g_autoptr(GPtrArray) copies = rd_store_outbox_copies_due(f->store, 0, 10, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(copies->len, ==, 1);
}

/* A version-4 file is brought to version 5 at open; its rows keep their
 * content hashes, which the Message-ID lookup of version 5 returns. */
static void
test_open_migrate_v4(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdCase) c = make_case(f->store, "a@example.org");
	gint64 with_id = add_message(f->store, c->id, "in", "old@example.org", "H1",
	                             "a@example.org", "complainant", T0);
	g_clear_pointer(&f->store, rd_store_close);
	side_exec(f->path, UNDO_V6 " PRAGMA user_version = 4");
	f->store = rd_store_open(f->path, &error);
	g_assert_no_error(error);
	g_assert_cmpint(rd_store_schema_version_at_open(f->store), ==, 4);
	g_autofree char *version = side_query(f->path, "PRAGMA user_version");
	g_assert_cmpstr(version, ==, G_STRINGIFY(RD_STORE_SCHEMA_VERSION));
	g_autoptr(GPtrArray) same = rd_store_message_hashes_by_message_id(f->store, "old@example.org", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(same->len, ==, 1);
	RdMessageHashes *h = same->pdata[0];
	g_assert_cmpint(h->id, ==, with_id);
	g_assert_cmpstr(h->content_hash, ==, "H1");
	g_assert_nonnull(h->raw_sha256);
	/* A row stored now without its content hash gets it recorded later. */
	gint64 later = add_message(f->store, c->id, "in", "old@example.org", NULL,
	                           "a@example.org", "complainant", T0 + 1);
	g_assert_true(rd_store_message_set_content_hash(f->store, later, "H9", &error));
	g_clear_pointer(&same, g_ptr_array_unref);
	same = rd_store_message_hashes_by_message_id(f->store, "old@example.org", &error);
	g_assert_cmpuint(same->len, ==, 2);
	g_assert_cmpstr(((RdMessageHashes *)same->pdata[1])->content_hash, ==, "H9");
	g_assert_cmpint(t_find(f->store, "old@example.org", "H9", &error), ==, later);
}

/* A version-3 file with messages (one without a Message-ID) is brought to
 * version 4 at open: the old hash indexes give way to the smaller ones,
 * the rows are untouched, and dedupe finds what was stored before. */
static void
test_open_migrate_v3(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(RdCase) c = make_case(f->store, "a@example.org");
	gint64 with_id = add_message(f->store, c->id, "in", "old@example.org", "H1",
	                             "a@example.org", "complainant", T0);
	gint64 no_id = add_message(f->store, c->id, "in", NULL, "H2",
	                           "a@example.org", "complainant", T0 + 1);
	g_autoptr(RdMessageRow) before = t_msg_get(f->store, with_id, &error);
	g_assert_no_error(error);

	g_clear_pointer(&f->store, rd_store_close);
	side_exec(f->path, UNDO_V4 " PRAGMA user_version = 3");
	f->store = rd_store_open(f->path, &error);
	g_assert_no_error(error);
	g_assert_cmpint(rd_store_schema_version_at_open(f->store), ==, 3);
	g_autofree char *version = side_query(f->path, "PRAGMA user_version");
	g_assert_cmpstr(version, ==, G_STRINGIFY(RD_STORE_SCHEMA_VERSION));
	g_autofree char *indexes = side_query(f->path,
		"SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema"
		" WHERE type = 'index' AND tbl_name = 'messages' AND name LIKE 'messages_%'"
		" ORDER BY name)");
	g_assert_cmpstr(indexes, ==, "messages_case messages_content_hash_no_id"
	                " messages_from messages_message_id messages_raw_key messages_staff");

	/* The rows and the bytes are as they were. */
	g_autoptr(RdMessageRow) after = t_msg_get(f->store, with_id, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(after->raw_sha256, ==, before->raw_sha256);
	g_assert_cmpstr(after->content_hash, ==, "H1");
	g_assert_cmpint(after->case_id, ==, c->id);
	g_autoptr(GBytes) raw = t_raw_get(f->store, before->raw_sha256, &error);
	g_assert_no_error(error);
	g_assert_nonnull(raw);
	g_assert_cmpmem(g_bytes_get_data(raw, NULL), g_bytes_get_size(raw),
	                "raw of old@example.org/H1", strlen("raw of old@example.org/H1"));

	/* Dedupe through the new indexes: same bytes, same Message-ID and
	 * content, same content without a Message-ID. */
	g_assert_cmpint(t_find_raw(f->store, before->raw_sha256, &error), ==, with_id);
	g_assert_cmpint(t_find(f->store, "old@example.org", "H1", &error), ==, with_id);
	g_assert_cmpint(t_find(f->store, NULL, "H2", &error), ==, no_id);
	g_assert_cmpint(t_find(f->store, NULL, "H1", &error), ==, 0);
	g_assert_no_error(error);
	g_assert_true(rd_store_raw_put(f->store, before->raw_sha256, "x", 1, &error));
	g_autofree char *n_raw = side_query(f->path, "SELECT count(*) FROM raw_messages");
	g_assert_cmpstr(n_raw, ==, "2");

	/* And messages stored after the upgrade are found the same way. */
	gint64 later = add_message(f->store, c->id, "in", "new@example.org", "H3",
	                           "a@example.org", "complainant", T0 + 2);
	g_assert_cmpint(t_find(f->store, "new@example.org", "H3", &error), ==, later);
	g_autofree char *check = side_query(f->path, "PRAGMA integrity_check");
	g_assert_cmpstr(check, ==, "ok");
}

/* Raw hashes that share the 12 digits of the index key are still told
 * apart: the key only narrows the search. */
static void
test_message_find_raw_shared_key(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	static const char *const shas[] = {
		"0123456789ab0000000000000000000000000000000000000000000000000001",
		"0123456789ab0000000000000000000000000000000000000000000000000002",
		"0123456789ab",
	};
	gint64 ids[G_N_ELEMENTS(shas)];

	for (gsize i = 0; i < G_N_ELEMENTS(shas); i++) {
		g_assert_true(rd_store_raw_put(f->store, shas[i], shas[i], 3, &error));
		g_assert_no_error(error);
		RdMessageNew m = {
			.direction = "in", .raw_sha256 = shas[i], .content_hash = shas[i],
			.received_at = T0,
		};
		ids[i] = rd_store_message_insert(f->store, &m, &error);
		g_assert_no_error(error);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(shas); i++)
		g_assert_cmpint(t_find_raw(f->store, shas[i], &error), ==, ids[i]);
	g_assert_cmpint(t_find_raw(f->store,
		"0123456789ab0000000000000000000000000000000000000000000000000003", &error), ==, 0);
	g_assert_cmpint(t_find_raw(f->store, "0123456789a", &error), ==, 0);
	g_assert_no_error(error);
}

/* Every statement ingest runs per message, and the threading lookups,
 * must search an index, never scan a table: on an empty test file a scan
 * costs nothing, on a council's file it costs a read of every message. An
 * index expression that a query no longer repeats exactly, or a rewrite
 * of SQLite's that hides it (see RD_STMT_MESSAGE_FIND_RAW), shows here. */
static void
test_query_plans(Fixture *f, gconstpointer data)
{
	static const RdStmtId per_message[] = {
		RD_STMT_RAW_PUT,
		RD_STMT_RAW_GET,
		RD_STMT_PERSON_ENSURE,
		RD_STMT_CASE_GET,
		RD_STMT_CASE_GET_BY_REF,
		RD_STMT_CASE_GET_BY_MESSAGE_ID,
		RD_STMT_CASE_HAS_PARTY,
		RD_STMT_CASES_CLOSED_STAGE1_FOR,
		RD_STMT_MESSAGE_FIND,
		RD_STMT_MESSAGE_FIND_NO_ID,
		RD_STMT_MESSAGE_FIND_RAW,
		RD_STMT_MESSAGE_HASHES_BY_MESSAGE_ID,
		RD_STMT_MESSAGE_SET_CONTENT_HASH,
		RD_STMT_MESSAGE_GET,
		RD_STMT_MESSAGE_GET_BY_MESSAGE_ID,
		RD_STMT_ROUTE_ADD,
		RD_STMT_STAGES_FOR_CASE,
		RD_STMT_STAGE_SET_CLOCK,
		RD_STMT_OUTBOX_GET_BY_KEY,
		RD_STMT_OUTBOX_COUNT_TO,
	};

	for (gsize i = 0; i < G_N_ELEMENTS(per_message); i++) {
		g_autofree char *sql = g_strconcat("EXPLAIN QUERY PLAN ",
		                                   rd_stmt_sql[per_message[i]], NULL);
		sqlite3_stmt *st = NULL;
		g_assert_cmpint(sqlite3_prepare_v2(f->store->db, sql, -1, &st, NULL), ==, SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *detail = (const char *)sqlite3_column_text(st, 3);
			g_test_message("statement %d: %s", (int)per_message[i], detail);
			/* "SCAN CONSTANT ROW" and the like are not tables. */
			if (g_str_has_prefix(detail, "SCAN ") &&
			    !g_str_has_prefix(detail, "SCAN CONSTANT") &&
			    !g_str_has_prefix(detail, "SCAN (")) {
				g_error("statement %d scans: %s\n%s", (int)per_message[i],
				        detail, rd_stmt_sql[per_message[i]]);
			}
		}
		sqlite3_finalize(st);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	add_file("open/creates-schema", test_open_creates_schema);
	add_file("open/wal", test_open_wal);
	add_file("open/reopen", test_open_reopen);
	add_file("open/newer-schema-refused", test_open_newer_schema_refused);
	add_file("open/migrate-v1", test_open_migrate_v1);
	add_file("open/migrate-v2", test_open_migrate_v2);
	add_file("open/migrate-v3", test_open_migrate_v3);
	add_file("open/migrate-v4", test_open_migrate_v4);
	g_test_add_func("/store/open/bad-path", test_open_bad_path);
	g_test_add_func("/store/open/memory", test_open_memory);
	g_test_add_func("/store/free-null", test_close_null);

	add_both("reference/numbering", test_reference_numbering);
	add_both("outbox", test_outbox);
	add_both("reference/rollback", test_reference_rollback);
	add_file("reference/wide", test_reference_wide);

	add_both("case/create-get", test_case_create_get);
	add_both("case/person-name", test_person_name_filled_later);
	add_both("case/received-london", test_case_received_london);
	add_both("case/by-message-id", test_case_by_message_id);
	add_file("case/by-message-id-outbox", test_case_by_message_id_outbox);
	add_both("case/has-party", test_case_has_party);
	add_both("case/closed-stage1", test_cases_closed_stage1);
	add_both("case/list", test_cases_list);
	add_both("case/set-state", test_case_set_state);
	add_both("case/set-field", test_case_set_field);
	add_both("stages", test_stages);

	add_both("raw", test_raw);
	add_file("raw/50mb", test_raw_large);

	add_both("message/roundtrip", test_message_roundtrip);
	add_both("message/find", test_message_find);
	add_both("message/find-raw-shared-key", test_message_find_raw_shared_key);
	add_both("query-plans", test_query_plans);
	add_both("message/needs-raw", test_message_needs_raw);
	add_both("message/for-case", test_messages_for_case);
	add_both("attachments", test_attachments);
	add_both("events", test_events);
	add_both("triage", test_triage);
	add_both("cursors", test_cursors);
	add_both("settings", test_settings);
	add_both("transaction", test_transaction);
	add_both("injection", test_injection_verbatim);

	return g_test_run();
}
