/*
 * test-sink.c — the outbox sender and its sinks, without a network: the
 * backoff table, the [smtp] configuration keys and their errors, the
 * password file rules of the SMTP sink, the folder sink, and
 * rd_outbox_send() driven by a scripted sink (sent, retried, failed, given
 * up after retry_for, a letter tried once per run). Delivery over a real
 * SMTP server is tests/test-smtp.sh.
 */
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include "outbound/outbound.h"

static char *
temp_dir(void)
{
	g_autoptr(GError) err = NULL;
	char *dir = g_dir_make_tmp("rd-sink-XXXXXX", &err);
	g_assert_no_error(err);
	return dir;
}

static void
rm_rf(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree char *p = g_build_filename(dir, name, NULL);
		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			rm_rf(p);
		else
			g_unlink(p);
	}
	g_rmdir(dir);
}

static void
test_backoff(void)
{
	static const struct { gint64 attempts, delay; } rows[] = {
		{ 0, 60 }, { 1, 120 }, { 2, 240 }, { 3, 480 }, { 4, 960 }, { 5, 1920 },
		{ 6, 3600 }, { 7, 3600 }, { 40, 3600 }, { 1000, 3600 },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(rows); i++)
		g_assert_cmpint(rd_outbox_backoff(rows[i].attempts), ==, rows[i].delay);
}

static RdConfig *
load_text(const char *dir, const char *text, GError **error)
{
	g_autofree char *path = g_build_filename(dir, "redress.conf", NULL);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	return rd_config_load(path, error);
}

static void
test_config(void)
{
	g_autofree char *dir = temp_dir();
	g_autoptr(GError) err = NULL;
	{
		g_autoptr(RdConfig) cfg = rd_config_load(NULL, &err);
		g_assert_no_error(err);
		g_assert_null(cfg->smtp.url);
		g_assert_cmpint(cfg->smtp.retry_for, ==, 5 * 86400);
		g_assert_cmpuint(cfg->smtp.timeout, ==, 60);
		g_assert_false(cfg->smtp.allow_plaintext);
	}
	{
		g_autoptr(RdConfig) cfg = load_text(dir,
			"[smtp]\n"
			"url = smtps://mail.council.example:465\n"
			"ca_file = /etc/redress/ca.pem\n"
			"user = redress\n"
			"password_file = /etc/redress/smtp-password\n"
			"envelope_from = Bounces@Council.Example\n"
			"allow_plaintext = true\n"
			"retry_for = 36h\n"
			"timeout = 20\n", &err);
		g_assert_no_error(err);
		g_assert_cmpstr(cfg->smtp.url, ==, "smtps://mail.council.example:465");
		g_assert_cmpstr(cfg->smtp.ca_file, ==, "/etc/redress/ca.pem");
		g_assert_cmpstr(cfg->smtp.user, ==, "redress");
		g_assert_cmpstr(cfg->smtp.password_file, ==, "/etc/redress/smtp-password");
		g_assert_cmpstr(cfg->smtp.envelope_from, ==, "bounces@council.example");
		g_assert_true(cfg->smtp.allow_plaintext);
		g_assert_cmpint(cfg->smtp.retry_for, ==, 36 * 3600);
		g_assert_cmpuint(cfg->smtp.timeout, ==, 20);
	}
	/* Every bad value is reported, each with its line. */
	static const struct { const char *line, *expect; } bad[] = {
		{ "url = http://mail.example", ":2: url must be smtp://HOST:PORT" },
		{ "url = smtp://user@mail.example:25", ":2: url must be" },
		{ "url = smtps://", ":2: url must be" },
		{ "retry_for = 5 weeks", ":2: retry_for must be a period" },
		{ "retry_for = 10s", ":2: retry_for must be a period" },
		{ "retry_for = 200d", ":2: retry_for must be a period" },
		{ "timeout = 0", ":2: timeout must be a whole number" },
		{ "allow_plaintext = maybe", ":2: allow_plaintext must be true or false" },
		{ "envelope_from = bounces", ":2: envelope_from must be one email address" },
		{ "password = secret", ":2: unknown key 'password' in [smtp]" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *text = g_strdup_printf("[smtp]\n%s\n", bad[i].line);
		g_autoptr(GError) e = NULL;
		g_autoptr(RdConfig) cfg = load_text(dir, text, &e);
		g_assert_null(cfg);
		g_assert_error(e, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID);
		if (strstr(e->message, bad[i].expect) == NULL)
			g_error("'%s': got '%s', expected '%s'", bad[i].line, e->message, bad[i].expect);
	}
	/* A range reads in the period's own unit (poll_interval's maximum of
	 * 25 minutes once read "at most 0 days"), and a line that is not
	 * UTF-8 is named by its number, never echoed as raw bytes. */
	{
		g_autoptr(GError) e = NULL;
		g_autoptr(RdConfig) cfg = load_text(dir, "[daemon]\npoll_interval = 2h\nsend_interval = \x9a\n", &e);
		g_assert_null(cfg);
		g_assert_true(g_utf8_validate(e->message, -1, NULL));
		g_assert_nonnull(strstr(e->message, ":2: poll_interval must be a period such as 5d, 12h or 30m, "
		                                    "from 1 second to 25 minutes, not '2h'"));
		g_assert_nonnull(strstr(e->message, ":3: this line is not UTF-8 text"));
	}
	/* What GKeyFile itself would refuse is found at its line by the
	 * line check first, in the configuration's own words. */
	{
		g_autoptr(GError) e = NULL;
		g_autoptr(RdConfig) cfg = load_text(dir, "[redress]\nlog_level = info\n=1\n", &e);
		g_assert_null(cfg);
		g_assert_nonnull(strstr(e->message, "redress.conf:3: expected 'key = value', a '[group]' or a '#' comment"));
		g_clear_error(&e);
		g_autoptr(RdConfig) cfg2 = load_text(dir, "# settings\nlog_level = info\n", &e);
		g_assert_null(cfg2);
		g_assert_nonnull(strstr(e->message, "redress.conf:2: 'log_level = …' comes before any [group]"));
		/* GKeyFile reads "Encoding" in the first group as the file's
		 * character set and would refuse the whole file with no line
		 * number (found by fuzz-config); the lines after it are still
		 * checked. */
		g_clear_error(&e);
		g_autoptr(RdConfig) cfg3 = load_text(dir, "[redress]\nEncoding = latin1\n[daemon]\npoll_interval = x\n", &e);
		g_assert_null(cfg3);
		g_assert_nonnull(strstr(e->message, "redress.conf:2: 'Encoding' is not a redress setting"));
		g_assert_nonnull(strstr(e->message, "redress.conf:4: poll_interval must be a period"));
		g_assert_null(strstr(e->message, "unsupported encoding"));
		/* A control character (an escape sequence) is named by its line,
		 * never echoed; a NUL byte means the file is not text at all,
		 * said once (found by tests/faults/reload.sh). */
		g_clear_error(&e);
		g_autoptr(RdConfig) cfg4 = load_text(dir, "[redress]\n\x1b[31m = 1\nlog_level = loud\n", &e);
		g_assert_null(cfg4);
		g_assert_nonnull(strstr(e->message, "redress.conf:2: this line holds a control character"));
		g_assert_nonnull(strstr(e->message, "redress.conf:3: log_level"));
		g_assert_null(strchr(e->message, '\x1b'));
		g_clear_error(&e);
		g_autofree char *bin = g_build_filename(dir, "binary.conf", NULL);
		g_assert_true(g_file_set_contents(bin, "[redress]\n\x7f" "ELF\x02\x01\n\n\0\0\x1b[2J\n\xff\xfe\n", 22, NULL));
		g_autoptr(RdConfig) cfg5 = rd_config_load(bin, &e);
		g_assert_null(cfg5);
		g_assert_error(e, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID);
		g_assert_true(g_str_has_suffix(e->message, "binary.conf:4: a NUL byte: this is not a text file "
		                                           "(is it the configuration file?)"));
		g_assert_null(strchr(e->message, '\n'));
	}
	rm_rf(dir);
}

static void
test_password_file(void)
{
	g_autofree char *dir = temp_dir();
	g_autofree char *pw = g_build_filename(dir, "pw", NULL);
	RdSmtpConfig c = { 0 };
	c.url = "smtp://127.0.0.1:1";
	c.retry_for = 60;
	c.timeout = 5;
	g_autoptr(GError) err = NULL;

	/* No URL, or half of AUTH: refused before anything else. */
	c.url = NULL;
	g_assert_null(rd_sink_smtp_new(&c, &err));
	g_assert_nonnull(strstr(err->message, "set url in [smtp]"));
	g_clear_error(&err);
	c.url = "smtp://127.0.0.1:1";
	c.user = "complaints";
	g_assert_null(rd_sink_smtp_new(&c, &err));
	g_assert_nonnull(strstr(err->message, "password_file is not"));
	g_clear_error(&err);

	c.password_file = pw;
	g_assert_null(rd_sink_smtp_new(&c, &err));
	g_assert_nonnull(strstr(err->message, "cannot read it"));
	g_clear_error(&err);

	g_assert_true(g_file_set_contents(pw, "secret\n", -1, NULL));
	g_assert_cmpint(g_chmod(pw, 0644), ==, 0);
	g_assert_null(rd_sink_smtp_new(&c, &err));
	g_assert_nonnull(strstr(err->message, "other users can read or change it (mode 0644)"));
	g_assert_nonnull(strstr(err->message, "chmod 600"));
	g_assert_null(strstr(err->message, "secret"));
	g_clear_error(&err);
	g_assert_cmpint(g_chmod(pw, 0640), ==, 0);
	g_assert_null(rd_sink_smtp_new(&c, &err));
	g_clear_error(&err);

	g_assert_true(g_file_set_contents(pw, "\n", -1, NULL));
	g_assert_cmpint(g_chmod(pw, 0600), ==, 0);
	g_assert_null(rd_sink_smtp_new(&c, &err));
	g_assert_nonnull(strstr(err->message, "is empty"));
	g_clear_error(&err);

	/* One line: a second one is a mistake (two passwords?), not ignored. */
	g_assert_true(g_file_set_contents(pw, "secret\r\nignored\n", -1, NULL));
	g_assert_cmpint(g_chmod(pw, 0600), ==, 0);
	g_assert_null(rd_sink_smtp_new(&c, &err));
	g_assert_nonnull(strstr(err->message, "must hold the secret on one line"));
	g_clear_error(&err);

	g_assert_true(g_file_set_contents(pw, "secret\r\n", -1, NULL));
	g_assert_cmpint(g_chmod(pw, 0600), ==, 0);
	RdSink *sink = rd_sink_smtp_new(&c, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(rd_sink_name(sink), ==, "smtp");
	rd_sink_free(sink);

	c.ca_file = "/nonexistent/ca.pem";
	g_assert_null(rd_sink_smtp_new(&c, &err));
	g_assert_nonnull(strstr(err->message, "ca_file /nonexistent/ca.pem: cannot read it"));
	rm_rf(dir);
}

/* ---- the sender, with a scripted sink ---------------------------------- */

typedef struct {
	RdSink base;
	GHashTable *script;      /* to_addr → RdSinkStatus + 1 */
	guint calls;
} ScriptSink;

static RdSinkStatus
script_send(RdSink *sink, const RdOutboxRow *row, char **detail_r)
{
	ScriptSink *s = (ScriptSink *)sink;
	s->calls++;
	RdSinkStatus st = GPOINTER_TO_UINT(g_hash_table_lookup(s->script, row->to_addr)) - 1;
	*detail_r = g_strdup(st == RD_SINK_SENT ? "250 ok" : st == RD_SINK_RETRY ? "451 later" : "550 no");
	return st;
}

static void
script_free(RdSink *sink)
{
	ScriptSink *s = (ScriptSink *)sink;
	g_hash_table_unref(s->script);
	g_free(s);
}

static const RdSinkOps script_ops = { "script", RD_LOG_DEBUG, script_send, script_free };

static void
queue(RdStore *store, const char *key, const char *to, gint64 at)
{
	RdOutboxNew o = { 0 };
	o.idem_key = key;
	o.kind = "staff-notice";
	o.to_addr = to;
	o.from_addr = "complaints@council.example";
	o.raw = "Subject: x\r\n\r\nbody\r\n";
	o.raw_len = strlen(o.raw);
	o.next_try = at;
	o.created_at = at;
	g_autoptr(GError) err = NULL;
	g_assert_cmpint(rd_store_outbox_enqueue(store, &o, NULL, &err), >, 0);
	g_assert_no_error(err);
}

static RdOutboxRow *
row_of(RdStore *store, gint64 at, const char *to)
{
	/* Every row is due at the far future; find ours. */
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) due = rd_store_outbox_due(store, at, 100, &err);
	g_assert_no_error(err);
	for (guint i = 0; i < due->len; i++) {
		RdOutboxRow *o = due->pdata[i];
		if (strcmp(o->to_addr, to) == 0)
			return g_ptr_array_steal_index(due, i);
	}
	return NULL;
}

static void
test_sender(void)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(RdStore) store = rd_store_open(":memory:", &err);
	g_assert_no_error(err);
	ScriptSink *s = g_new0(ScriptSink, 1);
	s->base.ops = &script_ops;
	s->script = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_hash_table_insert(s->script, g_strdup("ok@x.test"), GUINT_TO_POINTER(RD_SINK_SENT + 1));
	g_hash_table_insert(s->script, g_strdup("later@x.test"), GUINT_TO_POINTER(RD_SINK_RETRY + 1));
	g_hash_table_insert(s->script, g_strdup("never@x.test"), GUINT_TO_POINTER(RD_SINK_FAILED + 1));
	g_autoptr(RdSink) sink = &s->base;

	const gint64 t0 = 1795000000;
	queue(store, "a", "ok@x.test", t0);
	queue(store, "b", "later@x.test", t0);
	queue(store, "c", "never@x.test", t0);

	RdSendCounts n = { 0 };
	/* Shutting down: nothing is started once the stop flag is set. */
	gint stop = 1;
	g_assert_true(rd_outbox_send(store, sink, t0, 3600, &stop, NULL, NULL, &n, &err));
	g_assert_no_error(err);
	g_assert_cmpuint(n.sent + n.retry + n.failed, ==, 0);

	g_assert_true(rd_outbox_send(store, sink, t0, 3600, NULL, NULL, NULL, &n, &err));
	g_assert_no_error(err);
	g_assert_cmpuint(n.sent, ==, 1);
	g_assert_cmpuint(n.retry, ==, 1);
	g_assert_cmpuint(n.failed, ==, 1);
	g_assert_cmpuint(s->calls, ==, 3);   /* the deferred one only once */

	/* Only the deferred one is still queued, due in a minute. */
	g_autoptr(RdOutboxRow) b = row_of(store, G_MAXINT64, "later@x.test");
	g_assert_nonnull(b);
	g_assert_cmpint(b->next_try, ==, t0 + 60);
	g_assert_cmpint(b->attempts, ==, 1);
	g_assert_cmpstr(b->last_error, ==, "451 later");
	g_assert_null(row_of(store, G_MAXINT64, "ok@x.test"));
	g_assert_null(row_of(store, G_MAXINT64, "never@x.test"));

	/* Not due yet: nothing is tried. */
	g_assert_true(rd_outbox_send(store, sink, t0 + 59, 3600, NULL, NULL, NULL, &n, &err));
	g_assert_cmpuint(s->calls, ==, 3);
	g_assert_cmpuint(n.retry, ==, 0);

	/* Second failure: two minutes. */
	g_assert_true(rd_outbox_send(store, sink, t0 + 60, 3600, NULL, NULL, NULL, &n, &err));
	g_autoptr(RdOutboxRow) b2 = row_of(store, G_MAXINT64, "later@x.test");
	g_assert_cmpint(b2->next_try, ==, t0 + 60 + 120);
	g_assert_cmpint(b2->attempts, ==, 2);

	/* Past retry_for (an hour since it was queued): given up. */
	g_assert_true(rd_outbox_send(store, sink, t0 + 3600, 3600, NULL, NULL, NULL, &n, &err));
	g_assert_cmpuint(n.failed, ==, 1);
	g_assert_null(row_of(store, G_MAXINT64, "later@x.test"));
}

static void
test_folder(void)
{
	g_autofree char *dir = temp_dir();
	g_autofree char *out = g_build_filename(dir, "a", "b", NULL);
	g_autoptr(GError) err = NULL;
	g_autoptr(RdSink) sink = rd_sink_folder_new(out, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(rd_sink_name(sink), ==, "folder");
	RdOutboxRow row = { 0 };
	row.idem_key = "CMP-2026-000001/s1/../ack";
	row.to_addr = "a@b.test";
	row.raw = g_bytes_new_static("Subject: x\r\n\r\nhi\r\n", 19);
	g_autofree char *detail = NULL;
	g_assert_cmpint(rd_sink_send(sink, &row, &detail), ==, RD_SINK_SENT);
	g_autofree char *path = g_build_filename(out, "CMP-2026-000001_s1_.._ack.eml", NULL);
	g_autofree char *want = g_strdup_printf("written to %s", path);
	g_assert_cmpstr(detail, ==, want);
	g_autofree char *text = NULL;
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_cmpstr(text, ==, "Subject: x\r\n\r\nhi\r\n");
	g_bytes_unref(row.raw);
	rm_rf(dir);
}

int
main(int argc, char *argv[])
{
	g_test_init(&argc, &argv, NULL);
	rd_log_set_level(RD_LOG_ERROR);
	g_test_add_func("/sink/backoff", test_backoff);
	g_test_add_func("/sink/config", test_config);
	g_test_add_func("/sink/smtp/password-file", test_password_file);
	g_test_add_func("/sink/folder", test_folder);
	g_test_add_func("/sink/sender", test_sender);
	return g_test_run();
}
