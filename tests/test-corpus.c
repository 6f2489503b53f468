/*
 * test-corpus.c — detection and quote-stripping rates on the shared
 * development corpus of real mail (its own SOURCES.md says where each
 * message came from; the corpus is never copied into the project).
 *
 * The corpus is not part of the project; when it is absent (RD_CORPUS
 * unset and RD_SRCDIR/../shared/corpus missing) every test is skipped.
 * Categories come from MANIFEST.tsv (path, sha256, bytes, category, tags).
 * Messages go through the real rd_message_parse(), so the rates are what
 * the product does. Each test prints its rate as a plain TAP comment line
 * "# <name>: N/M (P%)" for the release notes and asserts a floor:
 *   bounce     sisimai + flanker bounces recognised as RD_AUTO_BOUNCE ≥ 95%
 *   auto-reply every auto-reply file automatic (not RD_AUTO_NONE)
 *   talon      new text equals talon's expected reply text ≥ 80%
 *   not-bounce no false bounces (documented exceptions aside)
 */
#include <stdio.h>
#include <string.h>

#include "parsers.h"

typedef struct {
	char *path;      /* relative to the corpus root */
	char *category;
} Entry;

static char *corpus_dir;
static GPtrArray *entries;  /* Entry* */

static void
entry_free(gpointer p)
{
	Entry *e = p;
	g_free(e->path);
	g_free(e->category);
	g_free(e);
}

static gboolean
load_manifest(void)
{
	const char *env = g_getenv("RD_CORPUS");
	corpus_dir = env ? g_strdup(env) : g_build_filename(RD_SRCDIR, "..", "shared", "corpus", NULL);
	g_autofree char *manifest = g_build_filename(corpus_dir, "MANIFEST.tsv", NULL);
	g_autofree char *data = NULL;
	if (!g_file_get_contents(manifest, &data, NULL, NULL))
		return FALSE;
	entries = g_ptr_array_new_with_free_func(entry_free);
	g_auto(GStrv) lines = g_strsplit(data, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], "\t", -1);
		if (g_strv_length(f) < 4 || strcmp(f[0], "path") == 0)
			continue;
		Entry *e = g_new0(Entry, 1);
		e->path = g_strdup(f[0]);
		e->category = g_strdup(f[3]);
		g_ptr_array_add(entries, e);
	}
	return TRUE;
}

static gboolean
skip_without_corpus(void)
{
	if (entries != NULL)
		return FALSE;
	g_test_skip("corpus not found (set RD_CORPUS or put it at ../shared/corpus)");
	return TRUE;
}

static char *
read_corpus_file(const char *rel, gsize *len_r)
{
	g_autofree char *path = g_build_filename(corpus_dir, rel, NULL);
	char *data = NULL;
	if (!g_file_get_contents(path, &data, len_r, NULL))
		return NULL;
	return data;
}

static RdMessage *
parse_corpus_file(const char *rel)
{
	gsize len = 0;
	g_autofree char *data = read_corpus_file(rel, &len);
	if (data == NULL)
		return NULL;
	return rd_message_parse(data, len, 0, NULL);
}

static void
print_rate(const char *name, guint n, guint m)
{
	double pct = m ? 100.0 * n / m : 0.0;
	/* Printed directly, so the line reads the same whatever GLib's
	 * output mode (--verbose, --quiet, TAP). */
	printf("# %s: %u/%u (%.1f%%)\n", name, n, m, pct);
	fflush(stdout);
}

/* (a) Bounces from the two bounce collections. */
static void
test_bounce_rate(void)
{
	if (skip_without_corpus())
		return;
	guint total = 0, found = 0, with_id = 0, with_rcpt = 0, with_status = 0;
	for (guint i = 0; i < entries->len; i++) {
		Entry *e = entries->pdata[i];
		if (strcmp(e->category, "bounce") != 0)
			continue;
		if (!g_str_has_prefix(e->path, "sisimai-set-of-emails/") &&
		    !g_str_has_prefix(e->path, "mailgun-flanker/"))
			continue;
		/* mbox files hold several messages; not one mail. */
		if (strstr(e->path, "/mailbox/") != NULL)
			continue;
		g_autoptr(RdMessage) m = parse_corpus_file(e->path);
		if (m == NULL)
			continue;
		total++;
		if (m->auto_kind == RD_AUTO_BOUNCE) {
			found++;
			with_id += m->bounced_message_id != NULL;
			if (m->bounced_message_id == NULL && g_getenv("RD_CORPUS_VERBOSE"))
				g_test_message("no bounced id: %s", e->path);
			with_rcpt += m->bounced_recipient != NULL;
			with_status += m->bounce_status != NULL;
		} else {
			g_test_message("missed bounce: %s (%s: %s)", e->path,
			               rd_auto_kind_to_string(m->auto_kind),
			               m->auto_reason ? m->auto_reason : "-");
		}
	}
	print_rate("bounce recognised", found, total);
	print_rate("bounced Message-ID extracted", with_id, found);
	print_rate("bounced recipient extracted", with_rcpt, found);
	print_rate("bounce status extracted", with_status, found);
	g_assert_cmpuint(total, >, 0);
	g_assert_cmpfloat(100.0 * found / total, >=, 95.0);
}

/* (b) Auto-replies must be automatic. A bounce counts: the alaveteli
 * "autoresponse-header" sample is an Exim bounce filed as an auto-reply
 * upstream, and either kind stops our letters. */
static void
test_auto_reply_rate(void)
{
	if (skip_without_corpus())
		return;
	guint total = 0, automatic = 0;
	for (guint i = 0; i < entries->len; i++) {
		Entry *e = entries->pdata[i];
		if (strcmp(e->category, "auto-reply") != 0)
			continue;
		g_autoptr(RdMessage) m = parse_corpus_file(e->path);
		if (m == NULL)
			continue;
		total++;
		g_test_message("%s: %s (%s)", e->path, rd_auto_kind_to_string(m->auto_kind),
		               m->auto_reason ? m->auto_reason : "-");
		if (m->auto_kind != RD_AUTO_NONE)
			automatic++;
	}
	print_rate("auto-reply automatic", automatic, total);
	g_assert_cmpuint(total, >, 0);
	g_assert_cmpuint(automatic, ==, total);
}

/* Collapse runs of white space to one space and trim. */
static char *
normalise_ws(const char *s)
{
	GString *out = g_string_new(NULL);
	gboolean space = FALSE;
	for (const char *p = s; *p != '\0'; p++) {
		if (g_ascii_isspace(*p)) {
			space = TRUE;
			continue;
		}
		if (space && out->len > 0)
			g_string_append_c(out, ' ');
		space = FALSE;
		g_string_append_c(out, *p);
	}
	return g_string_free(out, FALSE);
}

/* (c) talon's standard replies with an expected `<name>_reply_text`.
 * talon keeps signatures in its expected text and we remove them, so the
 * expected text goes through the same signature rules before comparing:
 * what is compared is where the quoted history starts. */
static void
test_talon_rate(void)
{
	if (skip_without_corpus())
		return;
	guint total = 0, same = 0;
	for (guint i = 0; i < entries->len; i++) {
		Entry *e = entries->pdata[i];
		if (!g_str_has_prefix(e->path, "mailgun-talon/tests/fixtures/standard_replies/") ||
		    !g_str_has_suffix(e->path, ".eml"))
			continue;
		g_autofree char *stem = g_strndup(e->path, strlen(e->path) - 4);
		g_autofree char *exp_path = g_strconcat(stem, "_reply_text", NULL);
		g_autofree char *expected = read_corpus_file(exp_path, NULL);
		if (expected == NULL)
			continue;
		g_autoptr(RdMessage) m = parse_corpus_file(e->path);
		if (m == NULL)
			continue;
		total++;
		g_autofree char *exp_stripped = rd_text_strip_quotes(expected);
		g_autofree char *want = normalise_ws(exp_stripped);
		g_autofree char *got = normalise_ws(m->new_text);
		if (strcmp(want, got) == 0)
			same++;
		else
			g_test_message("talon mismatch %s: got '%s' want '%s'", e->path, got, want);
	}
	print_rate("talon reply-text match", same, total);

	/* alaveteli's folding examples: the .expected text is the display
	 * with quoted sections *and* disclaimers folded into a
	 * FOLDED_QUOTED_SECTION marker, so only the text before the first
	 * marker is comparable, and disclaimers are not ours to fold.
	 * Informational only. */
	guint ftotal = 0, fsame = 0;
	for (guint i = 0; i < entries->len; i++) {
		Entry *e = entries->pdata[i];
		if (strcmp(e->category, "quote-folding-fragment") != 0)
			continue;
		g_autofree char *exp_path = g_strconcat(e->path, ".expected", NULL);
		g_autofree char *expected = read_corpus_file(exp_path, NULL);
		g_autofree char *input = read_corpus_file(e->path, NULL);
		if (expected == NULL || input == NULL)
			continue;
		char *marker = strstr(expected, "FOLDED_QUOTED_SECTION");
		if (marker != NULL)
			*marker = '\0';
		ftotal++;
		g_autofree char *ours = rd_text_strip_quotes(input);
		g_autofree char *got = normalise_ws(ours);
		g_autofree char *want = normalise_ws(expected);
		if (strcmp(want, got) == 0)
			fsame++;
		else
			g_test_message("alaveteli folding differs %s", e->path);
	}
	print_rate("alaveteli folding (informational)", fsame, ftotal);

	g_assert_cmpuint(total, >, 0);
	g_assert_cmpfloat(100.0 * same / total, >=, 80.0);
}

/* Files in not-bounce that are, on reading, genuine delivery failures:
 * listed with the reason rather than bent rules. */
static const char *const not_bounce_exceptions[][2] = {
	{ "sisimai-set-of-emails/maildir/not/rb-issue-368-bug.eml",
	  "postmaster notice \"reject reason: Mailbox full\" for a message sent by "
	  "the recipient: a real mailbox-full bounce (sisimai files it under not/ "
	  "because it cannot decode the format)" },
};

static const char *
not_bounce_exception(const char *path)
{
	for (guint i = 0; i < G_N_ELEMENTS(not_bounce_exceptions); i++)
		if (strcmp(path, not_bounce_exceptions[i][0]) == 0)
			return not_bounce_exceptions[i][1];
	return NULL;
}

/* (d) Human mail must not look like bounces. */
static void
test_false_bounces(void)
{
	if (skip_without_corpus())
		return;
	guint nb_total = 0, nb_false = 0, hum_total = 0, hum_false = 0;
	guint kinds[RD_AUTO_BOUNCE + 1] = { 0 };
	for (guint i = 0; i < entries->len; i++) {
		Entry *e = entries->pdata[i];
		gboolean not_bounce = strcmp(e->category, "not-bounce") == 0;
		gboolean human = strcmp(e->category, "reply") == 0 ||
		                 strcmp(e->category, "mua-sample") == 0;
		if (!not_bounce && !human)
			continue;
		g_autoptr(RdMessage) m = parse_corpus_file(e->path);
		if (m == NULL)
			continue;
		if (human) {
			hum_total++;
			kinds[m->auto_kind]++;
			if (m->auto_kind != RD_AUTO_NONE && m->auto_kind != RD_AUTO_BULK)
				g_test_message("reply/mua-sample %s: %s (%s)", e->path,
				               rd_auto_kind_to_string(m->auto_kind), m->auto_reason);
			hum_false += m->auto_kind == RD_AUTO_BOUNCE;
			continue;
		}
		nb_total++;
		if (m->auto_kind != RD_AUTO_BOUNCE)
			continue;
		const char *why = not_bounce_exception(e->path);
		if (why != NULL) {
			g_test_message("not-bounce exception %s: %s", e->path, why);
			continue;
		}
		g_test_message("false bounce %s (%s)", e->path, m->auto_reason);
		nb_false++;
	}
	g_test_message("not-bounce false bounces: %u of %u", nb_false, nb_total);
	g_test_message("reply/mua-sample false bounces: %u of %u (human %u, bulk %u, other automatic %u)",
	       hum_false, hum_total, kinds[RD_AUTO_NONE], kinds[RD_AUTO_BULK],
	       kinds[RD_AUTO_REPLY] + kinds[RD_AUTO_GENERATED]);
	g_assert_cmpuint(nb_false, ==, 0);
	g_assert_cmpuint(hum_false, ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	load_manifest();
	g_test_add_func("/corpus/bounce-rate", test_bounce_rate);
	g_test_add_func("/corpus/auto-reply-rate", test_auto_reply_rate);
	g_test_add_func("/corpus/talon-rate", test_talon_rate);
	g_test_add_func("/corpus/false-bounces", test_false_bounces);
	int rc = g_test_run();
	g_clear_pointer(&entries, g_ptr_array_unref);
	g_free(corpus_dir);
	return rc;
}
