/*
 * forward.c — a message forwarded inside another (RdMessage.forwarded).
 *
 * Officers forward a member of the public's mail to the complaints
 * address, and the case belongs to the original sender, not to them. Mail
 * has no standard way to say "this is a forward", so we look for what the
 * common clients write (parsers.h, rd_message_parse, has the list):
 *
 *  - inline: a forward banner, then the original's header lines ("From:",
 *    "Date:"/"Sent:", "Subject:", "To:", "Cc:", in English or Welsh), a
 *    blank line, its body. The banner and the header block are found with
 *    quotes.c's line classifier, so a client added there for replies is
 *    known here too. Outlook writes no banner, only the header block,
 *    which is also how its replies quote: that block is a forward only
 *    under a forward subject prefix. Apple Mail and iOS quote the
 *    forwarded part with ">"; it is read with one level of quoting off.
 *  - attached: the first message/rfc822 part, whose own headers are read
 *    by GMime and whose text comes from body.c (_rd_body_text) within the
 *    limits the outer walk left.
 *
 * Only the first, outermost forward counts, and nothing that opens a
 * reply's history may come before it: a reply to a forward, or a reply
 * that quotes one, is not a forward.
 *
 * Invariants: every string valid UTF-8; from->email lower case, without
 * brackets or blanks, with an '@' between two non-empty parts; text and
 * note never NULL, trimmed; an inline forward's note and text are parts
 * of the body text (dequoted), so never longer than it together.
 */
#include <string.h>

#include "parsers-private.h"

/* What the forwarder may write above an attached message and still be
 * forwarding it, in characters: room for a note and a council's
 * bilingual disclaimer, not for a letter. */
#define ATTACHED_NOTE_MAX 4000
/* Blank lines allowed between a banner and the first header line (Apple
 * Mail leaves one). */
#define BANNER_GAP_MAX 2

/* Header labels of a forwarded block, lower case, per field. Welsh
 * Outlook's labels are "Oddi wrth", "Anfonwyd", "At", "Pwnc"; "Dyddiad"
 * (date) is the Welsh word a Welsh Gmail would use, not seen in real mail
 * yet. */
static const char *const label_from[] = { "from", "oddi wrth", NULL };
static const char *const label_date[] = { "sent", "date", "anfonwyd", "dyddiad", NULL };
static const char *const label_subject[] = { "subject", "pwnc", NULL };
static const char *const label_to[] = { "to", "at", "cc", "bcc", NULL };
/* Read and ignored, so that the block goes on. */
static const char *const label_other[] = {
	"reply-to", "importance", "attachments", "sender", "pwysigrwydd", "atodiadau", NULL,
};

/* Subject prefixes of a forward. FW: (Outlook), Fwd: (Gmail, Apple,
 * Thunderbird), Fw:. For Welsh Outlook we believe the prefix is "YML:"
 * (ymlaen, onward) but have not seen a Welsh Outlook forward to confirm
 * it; "YMLAEN:" and "I'w anfon ymlaen:" are accepted too on the same
 * uncertain footing. A wrong guess only means a Welsh Outlook forward with
 * no banner is not recognised. */
static const char *const forward_prefixes[] = {
	"fwd", "fw", "ymlaen", "yml", "i'w anfon ymlaen", "i\u2019w anfon ymlaen", NULL,
};

void
_rd_forwarded_free(RdForwarded *f)
{
	if (f == NULL)
		return;
	_rd_address_free(f->from);
	g_free(f->subject);
	g_free(f->message_id);
	g_free(f->text);
	g_free(f->note);
	g_free(f);
}

/* Does @subject start with a forward prefix, after "[EXTERNAL]"-style
 * tags a mail gateway may have put first? */
static gboolean
subject_is_forward(const char *subject)
{
	if (subject == NULL)
		return FALSE;
	const char *p = subject;
	for (;;) {
		while (g_ascii_isspace(*p))
			p++;
		if (*p != '[')
			break;
		const char *close = strchr(p, ']');
		if (close == NULL)
			return FALSE;
		p = close + 1;
	}
	for (guint i = 0; forward_prefixes[i] != NULL; i++) {
		gsize n = strlen(forward_prefixes[i]);
		if (g_ascii_strncasecmp(p, forward_prefixes[i], n) != 0)
			continue;
		const char *q = p + n;
		while (*q == ' ')
			q++;
		if (*q == ':')
			return TRUE;
	}
	return FALSE;
}

/* ---- the From line ---------------------------------------------------- */

static gboolean
is_addr_stop(char c)
{
	return c == '\0' || g_ascii_isspace(c) || strchr("<>[]()\"',;", c) != NULL;
}

/* The address in @v: after "mailto:", else inside <…> with an '@', else
 * the first word with an '@'. Sets *at_r where it (or its bracket) starts
 * in @v. Newly allocated, not yet normalised; NULL if none. */
static char *
find_address(const char *v, const char **at_r)
{
	for (const char *p = v; *p != '\0'; p++) {
		if (g_ascii_strncasecmp(p, "mailto:", 7) != 0)
			continue;
		const char *s = p + 7;
		const char *e = s;
		while (!is_addr_stop(*e))
			e++;
		if (e > s && memchr(s, '@', e - s) != NULL) {
			/* the bracket the link sits in, if any: "Jo [mailto:…]" */
			const char *b = p;
			while (b > v && (b[-1] == '[' || b[-1] == '<' || b[-1] == ' '))
				b--;
			*at_r = b;
			return g_strndup(s, e - s);
		}
	}
	for (const char *lt = strchr(v, '<'); lt != NULL; lt = strchr(lt + 1, '<')) {
		const char *gt = strchr(lt, '>');
		if (gt == NULL)
			break;
		if (memchr(lt, '@', gt - lt) != NULL) {
			*at_r = lt;
			return g_strndup(lt + 1, gt - lt - 1);
		}
	}
	const char *at = strchr(v, '@');
	if (at == NULL)
		return NULL;
	const char *s = at;
	while (s > v && !is_addr_stop(s[-1]))
		s--;
	const char *e = at;
	while (!is_addr_stop(*e))
		e++;
	*at_r = s;
	return g_strndup(s, e - s);
}

/* Lower-cased addr-spec with one '@' between two non-empty parts, or NULL. */
static char *
clean_address(const char *raw)
{
	char *a = _rd_address_normalise(raw);
	if (a == NULL)
		return NULL;
	const char *at = strchr(a, '@');
	gboolean ok = at != NULL && at != a && at[1] != '\0' && strchr(at + 1, '@') == NULL;
	for (const char *p = a; ok && *p != '\0'; p++)
		ok = !is_addr_stop(*p) && *p != ':';
	if (!ok)
		g_clear_pointer(&a, g_free);
	return a;
}

/* The display name: @v up to @end without quotes, asterisks (Gmail's
 * bold sender) and spaces round it; NULL if nothing or just the address. */
static char *
clean_name(const char *v, const char *end, const char *email)
{
	const char *s = v;
	while (s < end && (g_ascii_isspace(*s) || *s == '"' || *s == '\'' || *s == '*'))
		s++;
	while (end > s && (g_ascii_isspace(end[-1]) || end[-1] == '"' || end[-1] == '\'' ||
	                   end[-1] == '*' || end[-1] == ','))
		end--;
	if (end == s)
		return NULL;
	char *name = g_strndup(s, end - s);
	if (g_ascii_strcasecmp(name, email) == 0 || !g_utf8_validate(name, -1, NULL))
		g_clear_pointer(&name, g_free);
	return name;
}

static RdAddress *
parse_from(const char *value)
{
	if (value == NULL)
		return NULL;
	const char *at = NULL;
	g_autofree char *raw = find_address(value, &at);
	g_autofree char *email = clean_address(raw);
	if (email == NULL)
		return NULL;
	/* The name ends where the address part starts: the first bracket,
	 * which for "Jo <jo@x<mailto:jo@x>>" comes before the mailto. */
	const char *end = at;
	for (const char *p = value; p < end; p++)
		if (*p == '<' || *p == '[') {
			end = p;
			break;
		}
	g_autofree char *name = clean_name(value, end, email);
	return _rd_address_new(email, name);
}

/* ---- inline forwards -------------------------------------------------- */

typedef enum { F_NONE, F_FROM, F_DATE, F_SUBJECT, F_TO, F_OTHER } Field;

/* "Resent-Date:", "X-Mailer:": one word of letters, digits and hyphens
 * with a colon right after, which inside a header block is one more field
 * a client copied. Sets *value_r past the colon. */
static gboolean
is_other_field(RdLine l, gsize *value_r)
{
	RdLine t = _rd_line_trimmed(l);
	gsize k = 0;
	while (k < t.len && k <= 40 && (g_ascii_isalnum(t.s[k]) || t.s[k] == '-'))
		k++;
	if (k == 0 || k > 40 || k >= t.len || t.s[k] != ':' || !g_ascii_isalpha(t.s[0]))
		return FALSE;
	/* "https://…" is a link, not a field */
	if (k + 1 < t.len && t.s[k + 1] != ' ' && t.s[k + 1] != '\t')
		return FALSE;
	*value_r = (gsize) (t.s + k + 1 - l.s);
	return TRUE;
}

/* Which field line @l opens, and where its value starts. */
static Field
field_of(RdLine l, gsize *value_r)
{
	static const struct {
		Field f;
		const char *const *names;
	} tables[] = {
		{ F_FROM, label_from }, { F_DATE, label_date }, { F_SUBJECT, label_subject },
		{ F_TO, label_to }, { F_OTHER, label_other },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(tables); i++) {
		gsize off = _rd_line_field(l, tables[i].names);
		if (off > 0) {
			*value_r = off;
			return tables[i].f;
		}
	}
	return F_NONE;
}

/* Line @i as the forward is read: with one level of quoting off when the
 * forwarded part is quoted. */
static RdLine
view(const RdLine *lines, gsize i, gboolean quoted)
{
	return quoted ? _rd_line_unquoted(lines[i]) : lines[i];
}

/* Where the last quoted and the last unquoted non-blank lines are (n if
 * none), worked out once so that each question below is answered at once:
 * text of many quoted banner lines must not cost a walk per line. */
typedef struct {
	gsize last_quoted;
	gsize last_unquoted;
} QuoteTail;

static QuoteTail
quote_tail(const RdLine *lines, gsize n)
{
	QuoteTail q = { n, n };
	for (gsize i = 0; i < n; i++) {
		if (_rd_line_is_blank(lines[i]))
			continue;
		if (_rd_line_is_quoted(lines[i]))
			q.last_quoted = i;
		else
			q.last_unquoted = i;
	}
	return q;
}

/* Every non-blank line from @i on is quoted, and there is one. */
static gboolean
rest_quoted(const QuoteTail *q, gsize n, gsize i)
{
	return q->last_quoted < n && q->last_quoted >= i &&
	       (q->last_unquoted == n || q->last_unquoted < i);
}

/* @v without surrounding white space and the asterisks of a bold value;
 * valid UTF-8 (it is cut from valid text at ASCII bytes). */
static char *
value_dup(RdLine l, gsize off)
{
	RdLine v = { l.s + off, l.len - off };
	v = _rd_line_trimmed(v);
	return g_strndup(v.s, v.len);
}

/* Where the forward found in the text begins: @banner is its first line
 * (the note ends there); the header lines start at @headers. */
typedef struct {
	gsize banner;
	gsize headers;
} Start;

/* Find the outermost inline forward; FALSE if there is none or a reply's
 * history comes first. */
static gboolean
find_start(const RdLine *lines, gsize n, const QuoteTail *q, gboolean forward_subject, Start *st)
{
	for (gsize i = 0; i < n; i++) {
		if (_rd_line_is_marker(lines[i]))
			return FALSE;
		guint span = 1;
		switch (_rd_line_kind(lines, n, i, &span)) {
		case RD_LINE_QUOTED:
			/* Apple Mail: "> Begin forwarded message:" with all the
			 * rest quoted */
			if (_rd_line_is_forward_banner(_rd_line_unquoted(lines[i])) &&
			    rest_quoted(q, n, i)) {
				*st = (Start) { i, i + 1 };
				return TRUE;
			}
			break;
		case RD_LINE_FORWARD:
			*st = (Start) { i, i + 1 };
			return TRUE;
		case RD_LINE_ORIGINAL:
		case RD_LINE_RULE:
			if (!forward_subject)
				return FALSE;
			*st = (Start) { i, i + 1 };
			return TRUE;
		case RD_LINE_OUTLOOK:
			if (!forward_subject)
				return FALSE;
			*st = (Start) { i, i };
			return TRUE;
		case RD_LINE_ATTRIBUTION:
			return FALSE;
		case RD_LINE_TEXT:
		case RD_LINE_SIGNATURE:
		case RD_LINE_MOBILE:
			break;
		}
	}
	return FALSE;
}

/* Lines [@from, @n) joined by "\n" as @quoted says, trimmed. */
static char *
join_lines(const RdLine *lines, gsize n, gsize from, gboolean quoted)
{
	GString *s = g_string_new(NULL);
	for (gsize i = from; i < n; i++) {
		RdLine l = view(lines, i, quoted);
		g_string_append_len(s, l.s, (gssize) l.len);
		if (i + 1 < n)
			g_string_append_c(s, '\n');
	}
	char *joined = g_string_free(s, FALSE);
	g_strstrip(joined);
	return joined;
}

static RdForwarded *
find_inline(const char *text, const char *subject)
{
	g_autofree RdLine *lines = NULL;
	gsize n = _rd_lines_split(text, &lines);
	QuoteTail q = quote_tail(lines, n);
	Start st;
	if (!find_start(lines, n, &q, subject_is_forward(subject), &st))
		return NULL;

	/* Apple's clients quote the forwarded part, banner or not */
	gboolean quoted = _rd_line_is_quoted(lines[st.banner]) || rest_quoted(&q, n, st.headers);

	g_autofree char *from = NULL, *date = NULL, *subj = NULL;
	gsize h = st.headers;
	guint gap = 0;
	gboolean any = FALSE;
	Field last = F_NONE;
	while (h < n) {
		RdLine l = view(lines, h, quoted);
		if (_rd_line_is_blank(l)) {
			if (any || ++gap > BANNER_GAP_MAX)
				break;
			h++;
			continue;
		}
		gsize off = 0;
		Field f = field_of(l, &off);
		if (f == F_NONE && any && is_other_field(l, &off))
			f = F_OTHER;
		if (f != F_NONE) {
			char **slot = f == F_FROM ? &from : f == F_DATE ? &date : f == F_SUBJECT ? &subj : NULL;
			if (slot != NULL && *slot == NULL)
				*slot = value_dup(l, off);
			last = f;
			any = TRUE;
			h++;
			continue;
		}
		if (!any)
			break;
		/* A wrapped recipient list, or the address of a From line
		 * that gave only the name on its own line. */
		RdLine t = _rd_line_trimmed(l);
		gboolean has_at = memchr(t.s, '@', t.len) != NULL;
		if (last == F_TO && (g_ascii_isspace(l.s[0]) || has_at)) {
			h++;
			continue;
		}
		if (last == F_FROM && from != NULL && strchr(from, '@') == NULL && has_at) {
			g_autofree char *more = g_strndup(t.s, t.len);
			char *joined = g_strconcat(from, " ", more, NULL);
			g_free(from);
			from = joined;
			h++;
			continue;
		}
		break;
	}

	RdForwarded *fw = g_new0(RdForwarded, 1);
	fw->note = g_strndup(text, lines[st.banner].s - text);
	g_strstrip(fw->note);
	fw->from = parse_from(from);
	fw->date = _rd_written_date_parse(date);
	fw->subject = subj != NULL && *subj != '\0' ? g_steal_pointer(&subj) : NULL;
	fw->text = join_lines(lines, n, h, quoted);
	fw->attached = FALSE;
	return fw;
}

/* ---- attached forwards ------------------------------------------------ */

static RdAddress *
first_address_with_at(const char *raw)
{
	if (raw == NULL)
		return NULL;
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify) _rd_address_free);
	_rd_address_list_parse(raw, list);
	for (guint i = 0; i < list->len; i++) {
		RdAddress *a = list->pdata[i];
		g_autofree char *email = clean_address(a->email);
		if (email != NULL)
			return _rd_address_new(email, a->name);
	}
	return NULL;
}

static RdForwarded *
from_attached(const RdMessage *msg, const RdBodyInner *inner, const RdParseOptions *opts)
{
	GMimeMessage *mime = g_mime_message_part_get_message(inner->part);
	if (mime == NULL)
		return NULL;
	g_autofree char *note = g_strdup(msg->text != NULL ? msg->text : "");
	g_strstrip(note);
	if (g_utf8_strlen(note, -1) > ATTACHED_NOTE_MAX)
		return NULL;

	RdForwarded *fw = g_new0(RdForwarded, 1);
	fw->attached = TRUE;
	fw->note = g_steal_pointer(&note);
	/* The raw value, as message.c reads From: a decoded one would split
	 * "=?utf-8?q?Bloggs=2C_Jo?=" at its comma. */
	GMimeHeaderList *headers = g_mime_object_get_header_list(GMIME_OBJECT(mime));
	GMimeHeader *from = headers != NULL ? g_mime_header_list_get_header(headers, "From") : NULL;
	fw->from = first_address_with_at(from != NULL ? g_mime_header_get_raw_value(from) : NULL);
	GDateTime *dt = g_mime_message_get_date(mime);  /* owned by mime */
	if (dt != NULL && g_date_time_to_unix(dt) > 0)
		fw->date = g_date_time_to_unix(dt);
	fw->subject = _rd_clean_dup(g_mime_message_get_subject(mime));
	fw->message_id = _rd_msgid_dup(g_mime_message_get_message_id(mime));

	/* The inner message's top part sits one level below the part. */
	guint depth_used = inner->depth + 1;
	if (depth_used <= opts->max_depth && inner->parts_seen < opts->max_parts)
		fw->text = _rd_body_text(mime, opts->max_depth - depth_used,
		                         opts->max_parts - inner->parts_seen);
	else
		fw->text = g_strdup("");
	g_strstrip(fw->text);
	return fw;
}

void
_rd_forward_find(RdMessage *msg, const RdBodyInner *inner, const RdParseOptions *opts)
{
	if (msg->text != NULL)
		msg->forwarded = find_inline(msg->text, msg->subject);
	if (msg->forwarded == NULL && inner != NULL && inner->part != NULL)
		msg->forwarded = from_attached(msg, inner, opts);
}
