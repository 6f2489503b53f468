/*
 * fuzz-message.c — libFuzzer target for rd_message_parse(), the whole
 * parse of one email: headers, address lists, MIME tree, charsets,
 * HTML → text, quote stripping, attachments, automatic-mail and bounce
 * classification, Message-IDs and case references.
 *
 * Each input is parsed twice: with the default limits, and with small
 * ones (a few hundred bytes per header, two levels, four parts, another
 * reference prefix) so the cut-off paths run as often as the normal ones.
 *
 * Beyond what ASan and UBSan catch, every result must keep the promises of
 * parsers.h:
 *  - every string is valid UTF-8; text and new_text are never NULL;
 *  - Message-IDs (message_id, in_reply_to, references, bounced_message_id)
 *    are non-empty and hold no '<', '>' or white space; in_reply_to is
 *    among the references; content_hash is set exactly when there is no
 *    Message-ID;
 *  - addresses are non-empty, lower case, without angle brackets or white
 *    space; a bounced recipient has an '@'; recipients and case
 *    references are deduplicated;
 *  - each case reference is canonical: the finder, run on it, finds just
 *    it again;
 *  - auto_reason is set exactly when the mail is automatic, the bounce
 *    fields only on bounces, problem_detail exactly when there is a
 *    problem; a message over max_size has a fatal problem;
 *  - hex digests are 64 lower-case hex digits.
 */
#include <string.h>

#include "parsers.h"
#include "fuzz.h"

static void
check_utf8(const char *s, const char *what)
{
	if (s != NULL)
		rd_fuzz_check(g_utf8_validate(s, -1, NULL), "%s is not valid UTF-8", what);
}

static void
check_hex(const char *s, const char *what)
{
	rd_fuzz_check(s != NULL && strlen(s) == 64, "%s: %s", what, rd_fuzz_str(s));
	for (const char *p = s; *p != '\0'; p++)
		rd_fuzz_check(g_ascii_isxdigit(*p) && !g_ascii_isupper(*p), "%s: %s", what, s);
}

static void
check_msgid(const char *id, const char *what)
{
	if (id == NULL)
		return;
	check_utf8(id, what);
	rd_fuzz_check(*id != '\0', "%s is empty", what);
	for (const char *p = id; *p != '\0'; p++)
		rd_fuzz_check(*p != '<' && *p != '>' && !g_ascii_isspace(*p),
		              "%s '%s' has a bracket or white space", what, id);
}

static void
check_email(const char *email, const char *what)
{
	rd_fuzz_check(email != NULL, "%s email is NULL", what);
	check_utf8(email, what);
	rd_fuzz_check(*email != '\0', "%s email is empty", what);
	for (const char *p = email; *p != '\0'; p++)
		rd_fuzz_check(*p != '<' && *p != '>' && !g_ascii_isspace(*p) && !g_ascii_isupper(*p),
		              "%s '%s' is not a lower-case addr-spec", what, email);
}

static void
check_address(const RdAddress *a, const char *what)
{
	if (a == NULL)
		return;
	check_email(a->email, what);
	check_utf8(a->name, what);
}

static void
check_unique(GPtrArray *strs, const char *what)
{
	for (guint i = 0; i < strs->len; i++)
		for (guint k = i + 1; k < strs->len; k++)
			rd_fuzz_check(strcmp(strs->pdata[i], strs->pdata[k]) != 0,
			              "%s: '%s' twice", what, (char *)strs->pdata[i]);
}

static void
check_message(const RdMessage *m, gsize len, const RdParseOptions *opts)
{
	rd_fuzz_check(m != NULL, "rd_message_parse returned NULL");
	rd_fuzz_check(m->size == len, "size %zu for %zu bytes", m->size, len);
	check_hex(m->raw_sha256, "raw_sha256");
	rd_fuzz_check((m->content_hash == NULL) == (m->message_id != NULL),
	              "content_hash set with a Message-ID, or missing without one");
	if (m->content_hash != NULL)
		check_hex(m->content_hash, "content_hash");

	check_msgid(m->message_id, "message_id");
	check_msgid(m->in_reply_to, "in_reply_to");
	gboolean irt_found = m->in_reply_to == NULL;
	for (guint i = 0; i < m->references->len; i++) {
		check_msgid(m->references->pdata[i], "references");
		if (m->in_reply_to != NULL && strcmp(m->references->pdata[i], m->in_reply_to) == 0)
			irt_found = TRUE;
	}
	rd_fuzz_check(irt_found, "in_reply_to '%s' not in references", m->in_reply_to);
	check_unique(m->references, "references");

	check_utf8(m->subject, "subject");
	check_address(m->from, "from");
	check_address(m->reply_to, "reply_to");
	for (guint i = 0; i < m->to->len; i++)
		check_address(m->to->pdata[i], "to");
	for (guint i = 0; i < m->cc->len; i++)
		check_address(m->cc->pdata[i], "cc");
	for (guint i = 0; i < m->recipients->len; i++)
		check_email(m->recipients->pdata[i], "recipients");
	check_unique(m->recipients, "recipients");
	if (m->return_path != NULL && *m->return_path != '\0')
		check_email(m->return_path, "return_path");
	check_utf8(m->content_language, "content_language");
	/* Language tags are ASCII: lower case means no ASCII capitals. */
	for (const char *p = m->content_language; p != NULL && *p != '\0'; p++)
		rd_fuzz_check(!g_ascii_isupper(*p), "content_language '%s' not lower case", m->content_language);
	for (guint i = 0; i < m->auth_results->len; i++)
		check_utf8(m->auth_results->pdata[i], "auth_results");

	rd_fuzz_check(m->text != NULL && m->new_text != NULL, "text or new_text is NULL");
	check_utf8(m->text, "text");
	check_utf8(m->new_text, "new_text");
	for (guint i = 0; i < m->attachments->len; i++) {
		const RdAttachment *a = m->attachments->pdata[i];
		check_utf8(a->filename, "attachment filename");
		check_utf8(a->content_type, "attachment content_type");
		rd_fuzz_check(a->content_type != NULL && strchr(a->content_type, '/') != NULL,
		              "attachment content_type '%s'", rd_fuzz_str(a->content_type));
		check_hex(a->sha256, "attachment sha256");
	}

	rd_fuzz_check(m->auto_kind <= RD_AUTO_BOUNCE, "auto_kind %d", (int)m->auto_kind);
	rd_fuzz_check((m->auto_reason == NULL) == (m->auto_kind == RD_AUTO_NONE),
	              "auto_reason '%s' for kind %s", rd_fuzz_str(m->auto_reason),
	              rd_auto_kind_to_string(m->auto_kind));
	check_utf8(m->auto_reason, "auto_reason");
	if (m->auto_kind != RD_AUTO_BOUNCE)
		rd_fuzz_check(m->bounced_message_id == NULL && m->bounced_recipient == NULL &&
		              m->bounce_status == NULL && m->bounce_diagnostic == NULL, "bounce fields set on a %s mail",
		              rd_auto_kind_to_string(m->auto_kind));
	check_msgid(m->bounced_message_id, "bounced_message_id");
	if (m->bounced_recipient != NULL) {
		check_email(m->bounced_recipient, "bounced_recipient");
		rd_fuzz_check(strchr(m->bounced_recipient, '@') != NULL, "bounced_recipient '%s' has no '@'",
		              m->bounced_recipient);
	}
	check_utf8(m->bounce_status, "bounce_status");
	check_utf8(m->bounce_diagnostic, "bounce_diagnostic");
	rd_fuzz_check(m->bounce_diagnostic == NULL || strlen(m->bounce_diagnostic) <= 500,
	              "bounce_diagnostic of %zu bytes", m->bounce_diagnostic ? strlen(m->bounce_diagnostic) : 0);

	const char *prefix = opts->ref_prefix != NULL ? opts->ref_prefix : "CMP";
	check_unique(m->case_refs, "case_refs");
	for (guint i = 0; i < m->case_refs->len; i++) {
		const char *ref = m->case_refs->pdata[i];
		check_utf8(ref, "case_refs");
		g_autoptr(GPtrArray) again = g_ptr_array_new_with_free_func(g_free);
		rd_refs_find(prefix, ref, again);
		rd_fuzz_check(again->len == 1 && strcmp(again->pdata[0], ref) == 0,
		              "case reference '%s' is not canonical", ref);
	}

	rd_fuzz_check(m->problem <= RD_PROBLEM_HEADER_TOO_LONG, "problem %d", (int)m->problem);
	rd_fuzz_check((m->problem_detail == NULL) == (m->problem == RD_PROBLEM_NONE),
	              "problem_detail '%s' for problem %s", rd_fuzz_str(m->problem_detail),
	              rd_parse_problem_to_string(m->problem));
	check_utf8(m->problem_detail, "problem_detail");
	if (len > opts->max_size)
		rd_fuzz_check(rd_parse_problem_is_fatal(m->problem), "%zu bytes over max_size %zu, problem %s",
		              len, opts->max_size, rd_parse_problem_to_string(m->problem));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static gboolean ready;
	if (!ready) {
		rd_fuzz_init();
		rd_parsers_init();
		ready = TRUE;
	}

	RdParseOptions opts;
	rd_parse_options_init(&opts);
	g_autoptr(RdMessage) m = rd_message_parse((const char *)data, size, 1700000000, &opts);
	check_message(m, size, &opts);

	RdParseOptions small = {
		.max_size = 4096,
		.max_depth = 2,
		.max_parts = 4,
		.max_header_len = 200,
		.ref_prefix = "ref",
	};
	g_autoptr(RdMessage) s = rd_message_parse((const char *)data, size, 0, &small);
	check_message(s, size, &small);
	return 0;
}
