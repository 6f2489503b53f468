/*
 * fuzz-staffcmd.c — libFuzzer target for the #commands at the top of staff
 * mail (procedure/commands.c, rd_commands_parse).
 *
 * The first byte picks the reference prefix ("CMP", none, or "co", whose o
 * must not be read as a digit); the rest is the message text.
 *
 * Invariants beyond the sanitizers:
 *  - every string in the result is valid UTF-8, and each text is trimmed;
 *  - the command-looking lines of the block, recomputed here from the
 *    definition in procedure.h, are each exactly one command or one
 *    error, and no other line is either; line numbers increase;
 *  - the body is empty or starts with a line that is neither blank nor
 *    command-looking, and has no blanks at either end;
 *  - #assign, #notify-dept and #new addresses are ASCII lower case with
 *    one '@' and no <, > or blanks;
 *  - values are canonical (outcome, close, stage2, language, channel);
 *    #holding has a valid date (2000–2099) or 1–365 working days, not both,
 *    and a reason; only #holding is forced; #close, #cause and #new have
 *    what they need; a #link reference that parses is canonical;
 *  - the command names round-trip.
 */
#include <string.h>

#include "procedure.h"
#include "fuzz.h"

static gboolean
is_blank(gunichar c)
{
	return g_unichar_isspace(c) || c == 0x200B || c == 0xFEFF;
}

static gboolean
blank_line(const char *p, const char *end)
{
	for (; p < end; p = g_utf8_next_char(p))
		if (!is_blank(g_utf8_get_char(p)))
			return FALSE;
	return TRUE;
}

/* The definition in procedure.h, independently: first non-blank '#', then
 * a letter or digit, or blanks and a command name. */
static gboolean
command_looking(const char *p, const char *end)
{
	while (p < end && is_blank(g_utf8_get_char(p)))
		p = g_utf8_next_char(p);
	if (p >= end || *p != '#')
		return FALSE;
	p++;
	if (p < end && g_unichar_isalnum(g_utf8_get_char(p)))
		return TRUE;
	if (p >= end || !is_blank(g_utf8_get_char(p)))
		return FALSE;
	while (p < end && is_blank(g_utf8_get_char(p)))
		p = g_utf8_next_char(p);
	const char *n = p;
	while (p < end) {
		gunichar c = g_utf8_get_char(p);
		if (!g_unichar_isalnum(c) && c != '-' && c != '_')
			break;
		p = g_utf8_next_char(p);
	}
	g_autofree char *name = g_strndup(n, (gsize)(p - n));
	return rd_command_kind_from_string(name, NULL);
}

static void
check_trimmed(const char *s, const char *what)
{
	rd_fuzz_check(s != NULL && g_utf8_validate(s, -1, NULL), "%s not UTF-8", what);
	if (*s == '\0')
		return;
	rd_fuzz_check(!is_blank(g_utf8_get_char(s)), "%s '%s' starts with a blank", what, s);
	const char *last = g_utf8_prev_char(s + strlen(s));
	rd_fuzz_check(!is_blank(g_utf8_get_char(last)), "%s '%s' ends with a blank", what, s);
}

static void
check_address(const char *a)
{
	rd_fuzz_check(a != NULL, "address missing");
	const char *at = strchr(a, '@');
	rd_fuzz_check(at != NULL && at != a && strchr(at + 1, '@') == NULL, "address '%s'", a);
	for (const char *p = a; *p != '\0'; p++)
		rd_fuzz_check((guchar)*p > 0x20 && (guchar)*p < 0x7f && *p != '<' && *p != '>' &&
		              !g_ascii_isupper(*p), "address '%s' has '%c'", a, *p);
}

static gboolean
one_of(const char *v, const char *const *set)
{
	for (guint i = 0; set[i] != NULL; i++)
		if (g_strcmp0(v, set[i]) == 0)
			return TRUE;
	return FALSE;
}

static void
check_command(const RdCommand *c, const char *prefix)
{
	static const char *const outcomes[] = { "upheld", "partly-upheld", "not-upheld", "resolved", NULL };
	static const char *const closes[] = { "withdrawn", "excluded", NULL };
	static const char *const stage2[] = { "investigate", "refer-back", "decline", NULL };
	static const char *const languages[] = { "en", "cy", NULL };
	static const char *const channels[] = { "phone", "letter", "in-person", "email", NULL };

	check_trimmed(c->text, "text");
	rd_fuzz_check(c->text[0] == '#', "command text '%s'", c->text);
	if (c->arg != NULL)
		check_trimmed(c->arg, "arg");
	if (c->name != NULL)
		check_trimmed(c->name, "name");
	if (c->rest != NULL) {
		check_trimmed(c->rest, "rest");
		rd_fuzz_check(*c->rest != '\0', "empty rest instead of NULL");
	}
	rd_fuzz_check(!c->force || c->kind == RD_CMD_HOLDING, "force on #%s",
	              rd_command_kind_to_string(c->kind));
	rd_fuzz_check(c->plus_days == 0 || c->kind == RD_CMD_HOLDING, "plus_days on #%s",
	              rd_command_kind_to_string(c->kind));
	rd_fuzz_check(c->name == NULL || c->kind == RD_CMD_NEW, "name on #%s",
	              rd_command_kind_to_string(c->kind));
	rd_fuzz_check(c->value == NULL || c->kind == RD_CMD_OMBUDSMAN, "value on #%s",
	              rd_command_kind_to_string(c->kind));
	rd_fuzz_check(c->date == NULL || c->kind == RD_CMD_OMBUDSMAN || c->kind == RD_CMD_ACTION, "date on #%s",
	              rd_command_kind_to_string(c->kind));

	switch (c->kind) {
	case RD_CMD_ASSIGN:
	case RD_CMD_NOTIFY_DEPT:
		check_address(c->arg);
		break;
	case RD_CMD_NEW:
		if (c->arg != NULL)
			check_address(c->arg);
		rd_fuzz_check(c->name != NULL && *c->name != '\0' && strchr(c->name, '@') == NULL,
		              "#new name '%s'", rd_fuzz_str(c->name));
		break;
	case RD_CMD_OUTCOME:
		rd_fuzz_check(one_of(c->arg, outcomes), "outcome '%s'", rd_fuzz_str(c->arg));
		break;
	case RD_CMD_CLOSE:
		rd_fuzz_check(one_of(c->arg, closes) && c->rest != NULL, "close '%s'", rd_fuzz_str(c->arg));
		break;
	case RD_CMD_STAGE2:
		rd_fuzz_check(one_of(c->arg, stage2), "stage2 '%s'", rd_fuzz_str(c->arg));
		rd_fuzz_check(c->rest != NULL || strcmp(c->arg, "investigate") == 0, "stage2 without reason");
		break;
	case RD_CMD_LANGUAGE:
		rd_fuzz_check(one_of(c->arg, languages), "language '%s'", rd_fuzz_str(c->arg));
		break;
	case RD_CMD_CHANNEL:
		rd_fuzz_check(one_of(c->arg, channels), "channel '%s'", rd_fuzz_str(c->arg));
		break;
	case RD_CMD_HOLDING:
		rd_fuzz_check(c->rest != NULL, "holding without reason");
		if (c->arg != NULL) {
			GDate d;
			rd_fuzz_check(c->plus_days == 0, "holding with a date and +%d", c->plus_days);
			rd_fuzz_check(rd_date_parse_iso(c->arg, &d) && g_date_get_year(&d) >= 2000 &&
			              g_date_get_year(&d) <= 2099, "holding date '%s'", c->arg);
		} else {
			rd_fuzz_check(c->plus_days >= 1 && c->plus_days <= 365, "holding +%d", c->plus_days);
		}
		break;
	case RD_CMD_SERVICE:
		rd_fuzz_check(c->arg != NULL && *c->arg != '\0', "service without name");
		break;
	case RD_CMD_LINK:
		rd_fuzz_check(c->arg != NULL && *c->arg != '\0', "link without reference");
		int y;
		gint64 s;
		/* A reference the tolerant reader takes (number not zero) is
		 * canonical; anything else is kept as written. */
		if (prefix != NULL && rd_reference_parse(prefix, c->arg, &y, &s) && s > 0) {
			g_autofree char *canon = rd_reference_format(prefix, y, s);
			rd_fuzz_check(g_strcmp0(canon, c->arg) == 0, "link '%s' is not canonical", c->arg);
		}
		break;
	case RD_CMD_CAUSE:
		rd_fuzz_check(c->rest != NULL && c->arg == NULL, "cause");
		break;
	case RD_CMD_FINAL:
	case RD_CMD_NOTE:
	case RD_CMD_VERIFIED:
	case RD_CMD_NOCONTACT:
		rd_fuzz_check(c->arg == NULL, "arg on #%s", rd_command_kind_to_string(c->kind));
		break;
	case RD_CMD_REMEDY:
	case RD_CMD_DONE:
		rd_fuzz_check(c->arg == NULL && c->rest != NULL, "#%s without its text",
		              rd_command_kind_to_string(c->kind));
		break;
	case RD_CMD_OMBUDSMAN: {
		GDate d;
		rd_fuzz_check(g_strcmp0(c->arg, "referred") == 0 || g_strcmp0(c->arg, "decided") == 0,
		              "ombudsman '%s'", rd_fuzz_str(c->arg));
		rd_fuzz_check((c->value != NULL) == (g_strcmp0(c->arg, "decided") == 0), "ombudsman finding");
		rd_fuzz_check(c->date == NULL || rd_date_parse_iso(c->date, &d), "ombudsman date '%s'",
		              rd_fuzz_str(c->date));
		break;
	}
	case RD_CMD_ACTION: {
		GDate d;
		rd_fuzz_check(c->arg != NULL && strchr(c->arg, '@') != NULL, "action owner '%s'", rd_fuzz_str(c->arg));
		rd_fuzz_check(c->date != NULL && rd_date_parse_iso(c->date, &d), "action date '%s'",
		              rd_fuzz_str(c->date));
		rd_fuzz_check(c->rest != NULL, "action without text");
		break;
	}
	case RD_CMD_EXTEND: {
		GDate d;
		rd_fuzz_check(c->arg != NULL && rd_date_parse_iso(c->arg, &d), "extend date '%s'", rd_fuzz_str(c->arg));
		rd_fuzz_check(c->rest != NULL, "extend without reason");
		break;
	}
	default:
		rd_fuzz_check(FALSE, "kind %d", (int)c->kind);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const prefixes[] = { "CMP", NULL, "co" };
	static gboolean ready;
	if (!ready) {
		rd_fuzz_init();
		for (int k = RD_CMD_ASSIGN; k <= RD_CMD_NOCONTACT; k++) {
			RdCommandKind back;
			rd_fuzz_check(rd_command_kind_from_string(rd_command_kind_to_string(k), &back) &&
			              (int)back == k, "kind %d", k);
		}
		ready = TRUE;
	}
	if (size == 0)
		return 0;
	const char *prefix = prefixes[data[0] % G_N_ELEMENTS(prefixes)];
	g_autofree char *raw = g_strndup((const char *)data + 1, size - 1);
	g_autoptr(RdCommandBlock) b = rd_commands_parse(raw, prefix);

	rd_fuzz_check(b != NULL && b->commands != NULL && b->errors != NULL, "no block");
	check_trimmed(b->body, "body");

	/* The lines as the parser sees them. */
	g_autofree char *text = g_utf8_validate(raw, -1, NULL) ? g_strdup(raw) : g_utf8_make_valid(raw, -1);
	g_autoptr(GArray) expected = g_array_new(FALSE, FALSE, sizeof(guint));
	const char *p = text;
	const char *body_at = NULL;
	for (guint no = 1;; no++) {
		const char *e = p;
		while (*e != '\0' && *e != '\n' && *e != '\r')
			e++;
		if (!blank_line(p, e)) {
			if (!command_looking(p, e)) {
				body_at = p;
				break;
			}
			g_array_append_val(expected, no);
		}
		if (*e == '\0')
			break;
		p = e + 1;
		if (e[0] == '\r' && e[1] == '\n')
			p++;
	}

	/* Commands and errors, merged by line, are exactly those lines. */
	guint ci = 0, ei = 0, last = 0;
	for (guint i = 0; i < expected->len; i++) {
		guint no = g_array_index(expected, guint, i);
		const RdCommand *c = ci < b->commands->len ? b->commands->pdata[ci] : NULL;
		const RdCommandError *er = ei < b->errors->len ? b->errors->pdata[ei] : NULL;
		if (c != NULL && c->line == no) {
			rd_fuzz_check(er == NULL || er->line != no, "line %u is a command and an error", no);
			check_command(c, prefix);
			ci++;
		} else if (er != NULL && er->line == no) {
			check_trimmed(er->text, "error text");
			rd_fuzz_check(er->text[0] == '#', "error text '%s'", er->text);
			rd_fuzz_check(er->message != NULL && *er->message != '\0' &&
			              g_utf8_validate(er->message, -1, NULL), "error message on line %u", no);
			ei++;
		} else {
			rd_fuzz_check(FALSE, "command-looking line %u is neither a command nor an error", no);
		}
		rd_fuzz_check(no > last, "line %u after %u", no, last);
		last = no;
	}
	rd_fuzz_check(ci == b->commands->len && ei == b->errors->len,
	              "%u commands and %u errors for %u command lines", b->commands->len, b->errors->len,
	              expected->len);

	/* The body is what follows the block. */
	if (body_at == NULL) {
		rd_fuzz_check(*b->body == '\0', "body '%s' after an all-command text", b->body);
	} else {
		rd_fuzz_check(*b->body != '\0', "empty body for a text line");
		rd_fuzz_check(strstr(body_at, b->body) != NULL, "body is not from the text after the block");
		const char *e = b->body;
		while (*e != '\0' && *e != '\n' && *e != '\r')
			e++;
		rd_fuzz_check(!command_looking(b->body, e), "body starts with a command line");
	}
	return 0;
}
