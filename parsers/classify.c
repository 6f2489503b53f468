/*
 * classify.c — is this mail automatic, and if it is a bounce, what failed?
 *
 * redress must never send a letter to a machine (RFC 3834 §2) and must
 * notice when one of its own letters did not arrive: a complaint whose
 * acknowledgement bounced has not been acknowledged. This file looks at the
 * parsed GMime tree and the facts message.c already extracted, and sets
 * msg->auto_kind with a human-readable auto_reason. For bounces it also
 * digs out which message failed, for whom and with what status, so the
 * procedure can find the letter in the outbox.
 *
 * The rules run in a fixed order; the first that matches wins:
 *   1. ARF feedback reports (RFC 5965)            → RD_AUTO_GENERATED
 *   2. bounces: DSN (RFC 3464), X-Failed-Recipients, or a daemon-looking
 *      sender with bounce wording                  → RD_AUTO_BOUNCE
 *   3. Auto-Submitted other than "no" (RFC 3834)  → RD_AUTO_REPLY/GENERATED
 *   4. auto-responder headers and out-of-office subjects → RD_AUTO_REPLY
 *   5. daemon, list-robot and no-reply senders    → RD_AUTO_GENERATED
 *   6. null return path                            → RD_AUTO_GENERATED
 *   7. Precedence bulk/junk/list, List-Id, List-Unsubscribe + List-Post
 *                                                  → RD_AUTO_BULK
 * Bounces come before Auto-Submitted because Exim marks its bounces
 * "auto-replied", and before the null-path rule because every DSN has one.
 *
 * The markers are tables so that new senders are a one-line change. All
 * matching is on lower-cased text; tables hold lower-case needles.
 * Nothing here allocates state beyond the call; it is thread-safe.
 *
 * Cost: the text is only read for a bounce candidate (a delivery report,
 * X-Failed-Recipients, a daemon or null-path sender, or a bounce subject
 * over a returned message); for every other mail the rules need only the
 * headers and the shape of the MIME tree, so a first walk notes the shape
 * without decoding anything, and the text parts are decoded (at most
 * RD_CLASSIFY_SCAN_LIMIT of them) only when a bounce is possible.
 */
#include <string.h>

#include "parsers-private.h"

/* How deep to look for report parts; DSNs nest them one or two levels
 * down (e.g. inside multipart/mixed from some gateways). */
#define RD_CLASSIFY_MAX_DEPTH 6
/* Bounce wording appears near the top; do not scan megabytes of a
 * returned attachment for it. The collected text is cut here. */
#define RD_CLASSIFY_SCAN_LIMIT (64 * 1024)

/* ---- marker tables -------------------------------------------------- */

/* Local parts (before '@') of addresses that send delivery notices. */
static const char *const daemon_locals[] = {
	"mailer-daemon", "mailer_daemon", "mailerdaemon", "postmaster",
	"mail-daemon", "maildaemon", "mail.delivery.system", "mdaemon",
	"mail-delivery", "maildelivery", "mailadmin", "bounce", "bounces",
	"nobody", "root", "sysadmin", "mmsc", NULL,
};

/* Display names of the same (some gateways send from an ordinary-looking
 * address, or none). */
static const char *const daemon_names[] = {
	"mail delivery", "mailer-daemon", "mailer daemon", "postmaster",
	"mail deliver system", "delivery subsystem", "interscan",
	"webshield", "ndr administrator", "system administrator", NULL,
};

/* Subject wording of delivery notices (anywhere in the subject). */
static const char *const bounce_subjects[] = {
	"undelivered mail", "undeliverable", "undelivered message",
	"delivery status notification", "delivery status",
	"delivery failure", "delivery failed", "failed delivery",
	"delivery has failed", "mail delivery failed", "failure notice",
	"returned mail", "returned to sender", "could not be delivered",
	"could not send", "not delivered", "non-delivery", "nondeliverable",
	"non delivery", "mail failure", "mail failed", "delivery problem",
	"delayed mail", "delivery notification", "mail system error",
	"error sending", "error during delivery", "delivery report",
	"returned message", "bounced mail", "bounce notification",
	"delivery delayed", "delivery is delayed", "message delayed",
	"could not send mail", "nicht zustellbar", "unzustellbar",
	"non remis", "non recapitabile", "no se puede entregar",
	"onbestelbaar", "не доставлено", "配信できません", "エラー通知",
	"配信エラー", "送信できません", NULL,
};

/* Body wording of delivery notices, checked only together with another
 * signal (daemon sender or bounce subject), so a complaint about an
 * "undelivered parcel" is not a bounce. */
static const char *const bounce_phrases[] = {
	"could not be delivered", "couldn't be delivered",
	"could not deliver", "wasn't able to deliver", "was not delivered",
	"has not been delivered", "not yet been delivered",
	"unable to deliver", "delivery has failed", "delivery failed",
	"delivery to the following recipient", "permanent error",
	"permanent fatal error", "fatal error", "the following address",
	"following recipient", "user unknown", "unknown user",
	"no such user", "mailbox unavailable", "mailbox full",
	"mailbox is full", "quota exceeded", "over quota",
	"recipient address rejected", "host unknown", "undeliverable",
	"returned to sender", "returning message to sender",
	"this is the mail system at host", "message delivery failed",
	"message could not be sent", "delivery is delayed",
	"delayed more than", "will keep trying", "still being retried",
	"could not be sent", "not reachable", "unrouteable",
	"reject reason", "was rejected", "sent could not be",
	"delivery status notification", "original message",
	"配信できません", "届きませんでした", "送信できません",
	"エラー", "не доставлено", NULL,
};

/* Header fields whose presence alone means an auto-responder wrote the
 * mail. X-Auto-Response-Suppress is deliberately absent: it is a request
 * to us, sent by Exchange on ordinary mail too (docs/procedure.md §4.2). */
static const char *const autoreply_headers[] = {
	"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-AutoReply-From",
	"X-Mail-Autoreply", "X-Autogenerated", "X-Auto-Reply", "X-Vacation",
	NULL,
};

/* Subjects of out-of-office mail. A phrase must open the subject and be
 * followed by the end, punctuation or one of autoreply_tails, so that
 * "Out of office hours noise" or "Absence of bin collections" stay human. */
static const char *const autoreply_subjects[] = {
	"out of office", "out of the office", "automatic reply",
	"automatic response", "auto reply", "auto-reply", "autoreply",
	"auto response", "auto-response", "autoresponse", "auto",
	"absence", "on leave", "vacation", "away from the office",
	"away from my desk", "i am out of the office", "abwesenheitsnotiz",
	"automatische antwort", "abwesend", "réponse automatique",
	"respuesta automática", "automatisch antwoord", "afwezig",
	"risposta automatica", "resposta automática", "fuera de la oficina",
	"absent du bureau", "ateb awtomatig", "allan o'r swyddfa", NULL,
};
static const char *const autoreply_tails[] = {
	"reply", "autoreply", "auto reply", "auto-reply", "response",
	"notice", "notification", "message", "is out of", "will be out",
	NULL,
};

/* Precedence values meaning bulk mail (RFC 3834 §2, [J2]). */
static const char *const bulk_precedence[] = { "bulk", "junk", "list", NULL };

/* ---- small helpers -------------------------------------------------- */

static const char *
header(GMimeObject *obj, const char *name)
{
	return g_mime_object_get_header(obj, name);
}

static gboolean
contains_any(const char *lower, const char *const *needles, const char **hit_r)
{
	if (lower == NULL)
		return FALSE;
	for (guint i = 0; needles[i] != NULL; i++) {
		if (strstr(lower, needles[i]) != NULL) {
			if (hit_r != NULL)
				*hit_r = needles[i];
			return TRUE;
		}
	}
	return FALSE;
}

static gboolean
in_list(const char *s, const char *const *list)
{
	for (guint i = 0; list[i] != NULL; i++)
		if (g_ascii_strcasecmp(s, list[i]) == 0)
			return TRUE;
	return FALSE;
}

/* First token of a structured header value, lower case, without the
 * comments and parameters RFC 3834 allows ("auto-replied (vacation);
 * owner-email=…" → "auto-replied"). */
static char *
header_keyword(const char *value)
{
	GString *out = g_string_new(NULL);
	int comment = 0;
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '(') {
			comment++;
		} else if (*p == ')' && comment > 0) {
			comment--;
		} else if (comment == 0) {
			if (*p == ';')
				break;
			if (!g_ascii_isspace(*p))
				g_string_append_c(out, g_ascii_tolower(*p));
			else if (out->len > 0)
				break;
		}
	}
	return g_string_free(out, FALSE);
}

/* Strip angle brackets, spaces and an RFC 3464 address type
 * ("rfc822; a@b") from an address; lower case. NULL if nothing left. */
static char *
clean_address(const char *s)
{
	const char *semi = strchr(s, ';');
	if (semi != NULL)
		s = semi + 1;
	/* The address is the word with the '@': other words are a display
	 * name or, for a pipe or file recipient, the command around it
	 * ("|/usr/bin/prog user@host /path"). Any ASCII white space ends a
	 * word, form feeds included. */
	g_auto(GStrv) words = g_strsplit_set(s, " \t\r\n\f\v<>", -1);
	for (guint i = 0; words[i] != NULL; i++)
		if (strchr(words[i], '@') != NULL)
			return g_ascii_strdown(words[i], -1);
	return NULL;
}

static char *
clean_msgid(const char *s)
{
	const char *lt = strchr(s, '<');
	if (lt != NULL) {
		const char *gt = strchr(lt + 1, '>');
		if (gt != NULL && gt > lt + 1) {
			g_autofree char *id = g_strndup(lt + 1, gt - lt - 1);
			return _rd_msgid_dup(id);
		}
	}
	g_autofree char *t = g_strstrip(g_strdup(s));
	/* An unbracketed id is one token; some senders omit the "@" part,
	 * and the id is still what the failed message carried. */
	char *sp = t;
	while (*sp != '\0' && !g_ascii_isspace(*sp))
		sp++;
	*sp = '\0';
	return _rd_msgid_dup(t);
}

/* Decoded content of a leaf part as valid UTF-8 (declared charset, else
 * UTF-8, else windows-1252). NUL bytes (a stray "=00" in quoted-printable
 * is common in NDRs) become spaces so the text is not cut short. */
static char *
part_content(GMimeObject *obj)
{
	GMimeStream *mem = g_mime_stream_mem_new();
	if (GMIME_IS_PART(obj)) {
		GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(obj));
		if (w != NULL)
			g_mime_data_wrapper_write_to_stream(w, mem);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (m != NULL)
			g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, mem);
	}
	GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	for (guint i = 0; i < bytes->len; i++)
		if (bytes->data[i] == '\0')
			bytes->data[i] = ' ';
	const char *charset = g_mime_object_get_content_type_parameter(obj, "charset");
	char *s = rd_to_utf8((const char *)bytes->data, bytes->len, charset);
	g_object_unref(mem);
	return s;
}

/* Value of "Name:" in a block of header-like lines (folded lines
 * joined), searching case-insensitively from @from. Newly allocated or
 * NULL. *next_r, if given, is set past the line found. */
static char *
field_in_text(const char *text, const char *name, const char **next_r)
{
	gsize nlen = strlen(name);
	const char *line = text;
	while (line != NULL && *line != '\0') {
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		const char *eol = strchr(p, '\n');
		if (g_ascii_strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			GString *v = g_string_new_len(p + nlen + 1,
			                              eol ? eol - (p + nlen + 1) : (gssize)strlen(p + nlen + 1));
			/* Folded continuation lines (only where the field
			 * itself starts at the margin). */
			while (p == line && eol != NULL && (eol[1] == ' ' || eol[1] == '\t')) {
				const char *next = strchr(eol + 1, '\n');
				g_string_append_len(v, eol + 1,
				                    next ? next - (eol + 1) : (gssize)strlen(eol + 1));
				eol = next;
			}
			if (next_r != NULL)
				*next_r = eol ? eol + 1 : NULL;
			g_strdelimit(v->str, "\r\t", ' ');
			return g_strstrip(g_string_free(v, FALSE));
		}
		line = eol ? eol + 1 : NULL;
	}
	if (next_r != NULL)
		*next_r = NULL;
	return NULL;
}

/* ---- what the MIME tree holds --------------------------------------- */

typedef struct {
	gboolean arf;           /* feedback-report seen */
	gboolean dsn;           /* delivery-status seen */
	char *dsn_text;         /* content of the first message/delivery-status */
	char *returned_id;      /* Message-ID of an attached original */
	gboolean has_returned;  /* message/rfc822 or rfc822-headers attached */
	GString *body;          /* text of the text parts, lower case later;
	                           NULL: note the tree's shape only (the flags
	                           above and returned_id), decode nothing */
} Scan;

static gboolean
is_report_type(GMimeObject *obj, const char *want)
{
	const char *rt = g_mime_object_get_content_type_parameter(obj, "report-type");
	return rt != NULL && g_ascii_strcasecmp(rt, want) == 0;
}

static void
scan_tree(GMimeObject *obj, Scan *s, guint depth)
{
	if (obj == NULL || depth > RD_CLASSIFY_MAX_DEPTH)
		return;
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	if (GMIME_IS_MULTIPART(obj)) {
		if (is_report_type(obj, "feedback-report"))
			s->arf = TRUE;
		if (is_report_type(obj, "delivery-status") ||
		    is_report_type(obj, "global-delivery-status"))
			s->dsn = TRUE;
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		/* A report whose boundaries are missing or wrong has all its
		 * text in the prologue (PMDF does this). */
		const char *pro = g_mime_multipart_get_prologue(mp);
		if (pro != NULL && s->body != NULL && s->body->len < RD_CLASSIFY_SCAN_LIMIT) {
			/* The prologue is raw bytes, not a decoded part: make it
			 * UTF-8 like the parts' text, or the DSN fields read
			 * from it would not be. */
			g_autofree char *text = rd_to_utf8(pro, strlen(pro), NULL);
			g_string_append(s->body, text);
			g_string_append_c(s->body, '\n');
		}
		int n = g_mime_multipart_get_count(mp);
		for (int i = 0; i < n; i++)
			scan_tree(g_mime_multipart_get_part(mp, i), s, depth + 1);
		return;
	}
	/* A returned message pasted in without its own MIME headers: GMime
	 * reads its header block as the part's. */
	if (s->returned_id == NULL && depth > 0) {
		const char *id = header(obj, "Message-ID");
		if (id != NULL && *id != '\0') {
			s->returned_id = g_strdup(id);
			s->has_returned = TRUE;
		}
	}
	if (g_mime_content_type_is_type(ct, "message", "feedback-report")) {
		s->arf = TRUE;
		return;
	}
	if (g_mime_content_type_is_type(ct, "message", "delivery-status") ||
	    g_mime_content_type_is_type(ct, "message", "global-delivery-status")) {
		s->dsn = TRUE;
		if (s->dsn_text == NULL && s->body != NULL)
			s->dsn_text = part_content(obj);
		return;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		/* The returned original (or a forwarded mail): take its
		 * Message-ID but do not read its body as ours. */
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		s->has_returned = TRUE;
		if (m != NULL && s->returned_id == NULL) {
			const char *id = g_mime_message_get_message_id(m);
			if (id != NULL && *id != '\0')
				s->returned_id = g_strdup(id);
		}
		return;
	}
	if (g_mime_content_type_is_type(ct, "text", "rfc822-headers") ||
	    g_mime_content_type_is_type(ct, "message", "*") ||
	    g_mime_content_type_is_type(ct, "text", "global-headers") ||
	    g_mime_content_type_is_type(ct, "message", "global-headers")) {
		/* Returned headers, or a returned message GMime keeps as a
		 * leaf (message/partial, message/global). */
		s->has_returned = TRUE;
		if (s->returned_id != NULL || s->body == NULL)
			return;
		g_autofree char *h = part_content(obj);
		if (h != NULL) {
			g_autofree char *v = field_in_text(h, "Message-ID", NULL);
			if (v != NULL)
				s->returned_id = clean_msgid(v);
		}
		return;
	}
	if (g_mime_content_type_is_type(ct, "text", "*") && s->body != NULL &&
	    s->body->len < RD_CLASSIFY_SCAN_LIMIT) {
		g_autofree char *t = part_content(obj);
		if (t != NULL) {
			g_string_append(s->body, t);
			g_string_append_c(s->body, '\n');
		}
	}
}

/* ---- bounce details ------------------------------------------------- */

static void cap_utf8(char *s, gsize max);

/* A Diagnostic-Code value as a person reads it: without its type
 * ("smtp; 550 5.1.1 …" → "550 5.1.1 …"), white space collapsed, valid
 * UTF-8, at most 500 bytes. NULL when nothing is left. */
static char *
diagnostic_text(const char *v)
{
	const char *semi = strchr(v, ';');
	const char *p = semi != NULL && semi - v < 16 ? semi + 1 : v;
	g_autofree char *valid = g_utf8_make_valid(p, -1);
	GString *out = g_string_new(NULL);
	gboolean space = FALSE;
	for (const char *c = valid; *c != '\0'; c++) {
		if (g_ascii_isspace(*c)) {
			space = out->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(out, ' ');
		space = FALSE;
		g_string_append_c(out, *c);
	}
	if (out->len == 0) {
		g_string_free(out, TRUE);
		return NULL;
	}
	char *s = g_string_free(out, FALSE);
	cap_utf8(s, 500);
	return s;
}

/* RFC 3464 per-recipient fields: prefer a block whose Action is
 * "failed", else the first block with a recipient. */
static void
parse_dsn(const char *dsn, RdMessage *msg)
{
	g_autofree char *norm = g_strdup(dsn);
	g_strdelimit(norm, "\r", '\n');
	/* Blocks are separated by blank lines. */
	g_auto(GStrv) blocks = g_strsplit(norm, "\n\n", -1);
	for (int pass = 0; pass < 2 && msg->bounced_recipient == NULL; pass++) {
		for (guint i = 0; blocks[i] != NULL; i++) {
			g_autofree char *rcpt = field_in_text(blocks[i], "Final-Recipient", NULL);
			if (rcpt == NULL)
				rcpt = field_in_text(blocks[i], "Original-Recipient", NULL);
			if (rcpt == NULL)
				continue;
			g_autofree char *action = field_in_text(blocks[i], "Action", NULL);
			g_autofree char *act = action ? header_keyword(action) : NULL;
			if (pass == 0 && g_strcmp0(act, "failed") != 0)
				continue;
			msg->bounced_recipient = clean_address(rcpt);
			g_autofree char *status = field_in_text(blocks[i], "Status", NULL);
			if (status != NULL) {
				g_autofree char *kw = header_keyword(status);
				/* A second pass, or a second call on the text when
				 * the DSN part named no usable recipient, may get
				 * here again: the later block's status wins. */
				if (*kw != '\0') {
					g_free(msg->bounce_status);
					msg->bounce_status = g_steal_pointer(&kw);
				}
			}
			g_autofree char *diag = field_in_text(blocks[i], "Diagnostic-Code", NULL);
			if (diag != NULL) {
				g_free(msg->bounce_diagnostic);
				msg->bounce_diagnostic = diagnostic_text(diag);
			}
			break;
		}
	}
}

/* A DSN status code "C.S.D" (class 2, 4 or 5) in free text, the first
 * 5.x.x preferred over 4.x.x. */
static char *
find_status(const char *text)
{
	static GRegex *re;
	if (g_once_init_enter(&re)) {
		GRegex *r = g_regex_new("(?<![0-9.])([245])\\.([0-9]{1,3})\\.([0-9]{1,3})(?![0-9]|\\.[0-9])",
		                        G_REGEX_OPTIMIZE, 0, NULL);
		g_once_init_leave(&re, r);
	}
	g_autoptr(GMatchInfo) mi = NULL;
	char *best = NULL;
	g_regex_match(re, text, 0, &mi);
	while (g_match_info_matches(mi)) {
		char *m = g_match_info_fetch(mi, 0);
		if (m[0] == '5') {
			g_free(best);
			return m;
		}
		if (best == NULL)
			best = m;
		else
			g_free(m);
		g_match_info_next(mi, NULL);
	}
	return best;
}

static gboolean
is_daemon_address(const char *addr)
{
	if (addr == NULL)
		return FALSE;
	const char *at = strchr(addr, '@');
	g_autofree char *local = at ? g_strndup(addr, at - addr) : g_strdup(addr);
	return in_list(local, daemon_locals);
}

/* Local-part shapes of robots that are not delivery daemons. */
static const char *const robot_prefixes[] = { "owner-", NULL };
static const char *const robot_suffixes[] = { "-request", "-admin", "-owner", "-bounces", NULL };
static const char *const robot_locals[] = {
	"no-reply", "noreply", "do-not-reply", "donotreply", "do_not_reply",
	"no_reply", NULL,
};

static gboolean
sender_is_robot(const char *addr)
{
	if (addr == NULL)
		return FALSE;
	if (is_daemon_address(addr))
		return TRUE;
	const char *at = strchr(addr, '@');
	g_autofree char *local = at ? g_strndup(addr, at - addr) : g_strdup(addr);
	if (in_list(local, robot_locals))
		return TRUE;
	for (guint i = 0; robot_prefixes[i] != NULL; i++)
		if (g_str_has_prefix(local, robot_prefixes[i]))
			return TRUE;
	for (guint i = 0; robot_suffixes[i] != NULL; i++)
		if (g_str_has_suffix(local, robot_suffixes[i]))
			return TRUE;
	return FALSE;
}

/* Lines that start the returned copy of the message in a non-standard
 * bounce; the failed recipient is named above them. */
static gboolean
is_returned_header_line(const char *line)
{
	static const char *const starts[] = {
		"received:", "return-path:", "message-id:", "mime-version:",
		"dkim-signature:", NULL,
	};
	while (*line == ' ' || *line == '\t')
		line++;
	for (guint i = 0; starts[i] != NULL; i++)
		if (g_ascii_strncasecmp(line, starts[i], strlen(starts[i])) == 0)
			return TRUE;
	return FALSE;
}

/* First address in the explanatory part of a non-standard bounce that is
 * not a daemon's, nor the bounce's own recipient. The bounce's recipient
 * is taken only when it opens a line of the failed list and nothing else
 * was found: the failed message may have been sent to that very address
 * (a reply to oneself, a forwarding loop). */
static char *
find_failed_address(const char *body, const char *to_addr)
{
	static GRegex *re;
	if (g_once_init_enter(&re)) {
		GRegex *r = g_regex_new("[A-Za-z0-9._%+=/'-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+",
		                        G_REGEX_OPTIMIZE, 0, NULL);
		g_once_init_leave(&re, r);
	}
	g_auto(GStrv) lines = g_strsplit(body, "\n", -1);
	g_autofree char *own = NULL;
	/* Pass 0: an address opening its line ("<a@b>:", "  a@b", "a@b
	 * [User unknown]"), the usual layout of the failed list; pass 1: any. */
	for (int pass = 0; pass < 2; pass++)
	for (guint i = 0; lines[i] != NULL; i++) {
		if (is_returned_header_line(lines[i]))
			break;
		if (strchr(lines[i], '@') == NULL)
			continue;
		g_autoptr(GMatchInfo) mi = NULL;
		g_regex_match(re, lines[i], 0, &mi);
		while (g_match_info_matches(mi)) {
			gint start = 0;
			g_match_info_fetch_pos(mi, 0, &start, NULL);
			const char *lead = lines[i];
			while (lead < lines[i] + start && strchr(" \t<\"'", *lead) != NULL)
				lead++;
			if (pass == 0 && lead != lines[i] + start) {
				g_match_info_next(mi, NULL);
				continue;
			}
			g_autofree char *m = g_match_info_fetch(mi, 0);
			char *addr = g_ascii_strdown(m, -1);
			g_strstrip(addr);
			while (*addr != '\0' && strchr(".-'", addr[strlen(addr) - 1]) != NULL)
				addr[strlen(addr) - 1] = '\0';
			if (!is_daemon_address(addr) && g_strcmp0(addr, to_addr) != 0)
				return addr;
			if (pass == 0 && own == NULL && g_strcmp0(addr, to_addr) == 0)
				own = g_steal_pointer(&addr);
			g_free(addr);
			g_match_info_next(mi, NULL);
		}
	}
	return g_steal_pointer(&own);
}

static void
bounce_details(GMimeMessage *mime, RdMessage *msg, Scan *s, const char *body)
{
	if (s->dsn_text != NULL)
		parse_dsn(s->dsn_text, msg);

	if (s->returned_id != NULL) {
		msg->bounced_message_id = clean_msgid(s->returned_id);
	} else if (body != NULL) {
		/* Returned headers quoted in the body text. */
		g_autofree char *v = field_in_text(body, "Message-ID", NULL);
		if (v != NULL)
			msg->bounced_message_id = clean_msgid(v);
	}

	/* DSN fields written inline in the text (broken multipart). */
	if (msg->bounced_recipient == NULL && body != NULL)
		parse_dsn(body, msg);
	if (msg->bounced_recipient == NULL) {
		const char *xf = header(GMIME_OBJECT(mime), "X-Failed-Recipients");
		if (xf != NULL) {
			/* An empty header splits into no items at all. */
			g_auto(GStrv) parts = g_strsplit(xf, ",", 2);
			if (parts[0] != NULL)
				msg->bounced_recipient = clean_address(parts[0]);
		}
	}
	if (msg->bounced_recipient == NULL && body != NULL) {
		const char *to_addr = NULL;
		if (msg->to != NULL && msg->to->len > 0)
			to_addr = ((RdAddress *)msg->to->pdata[0])->email;
		msg->bounced_recipient = find_failed_address(body, to_addr);
	}
	if (msg->bounce_status == NULL) {
		if (s->dsn_text != NULL)
			msg->bounce_status = find_status(s->dsn_text);
		if (msg->bounce_status == NULL && body != NULL)
			msg->bounce_status = find_status(body);
	}
}

/* ---- the rules ------------------------------------------------------ */

/* Cut valid UTF-8 @s to at most @max bytes, at a character boundary. */
static void
cap_utf8(char *s, gsize max)
{
	if (strnlen(s, max + 1) <= max)
		return;
	char *end = s + max;
	while (end > s && ((guchar) *end & 0xC0) == 0x80)
		end--;
	*end = '\0';
}

static void
set_kind(RdMessage *msg, RdAutoKind kind, char *reason)
{
	msg->auto_kind = kind;
	g_free(msg->auto_reason);
	msg->auto_reason = reason;
}

/* Does @subject open with an out-of-office phrase? */
static const char *
autoreply_subject(const char *subject)
{
	for (guint i = 0; autoreply_subjects[i] != NULL; i++) {
		const char *w = autoreply_subjects[i];
		gsize n = strlen(w);
		if (strncmp(subject, w, n) != 0)
			continue;
		const char *rest = subject + n;
		while (*rest == ' ')
			rest++;
		if (*rest == '\0' || strchr(":-([/|,!", *rest) != NULL)
			return w;
		for (guint j = 0; autoreply_tails[j] != NULL; j++)
			if (strncmp(rest, autoreply_tails[j], strlen(autoreply_tails[j])) == 0)
				return w;
	}
	return NULL;
}

/* Sender's address, from message.c's facts or, when it found no address
 * (e.g. "MAILER-DAEMON <>", an empty addr-spec), from the GMime tree and
 * then the raw From field, whose display name still names the daemon. */
static char *
sender_address(GMimeMessage *mime, RdMessage *msg, char **name_r)
{
	*name_r = NULL;
	if (msg->from != NULL) {
		*name_r = msg->from->name ? g_utf8_strdown(msg->from->name, -1) : NULL;
		return g_strdup(msg->from->email);
	}
	InternetAddressList *l = g_mime_message_get_from(mime);
	if (l == NULL || internet_address_list_length(l) == 0) {
		/* Unparseable, e.g. "MAILER-DAEMON <>" from DragonFly: the raw
		 * field still names the daemon. */
		const char *raw = header(GMIME_OBJECT(mime), "From");
		*name_r = raw ? g_utf8_strdown(raw, -1) : NULL;
		return NULL;
	}
	InternetAddress *a = internet_address_list_get_address(l, 0);
	const char *name = internet_address_get_name(a);
	*name_r = name ? g_utf8_strdown(name, -1) : NULL;
	if (INTERNET_ADDRESS_IS_MAILBOX(a))
		return g_ascii_strdown(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)), -1);
	return NULL;
}

static gboolean
null_return_path(GMimeMessage *mime, RdMessage *msg)
{
	if (msg->return_path != NULL)
		return msg->return_path[0] == '\0';
	const char *rp = header(GMIME_OBJECT(mime), "Return-Path");
	if (rp == NULL)
		return FALSE;
	g_autofree char *t = g_strstrip(g_strdup(rp));
	return strcmp(t, "<>") == 0 || strcmp(t, "< >") == 0;
}

/* Rule 2, bounces: TRUE when it is one (its kind, reason and details
 * set). When one is possible, @s is scanned again with the text. */
static gboolean
classify_bounce(GMimeMessage *mime, RdMessage *msg, Scan *s, const char *subject, const char *from,
                const char *from_name, gboolean null_path)
{
	GMimeObject *top = GMIME_OBJECT(mime);
	gboolean daemon = is_daemon_address(from) ||
	                  (from_name != NULL && contains_any(from_name, daemon_names, NULL));
	const char *subj_hit = NULL;
	const char *body_hit = NULL;
	gboolean subj_bounce = contains_any(subject, bounce_subjects, &subj_hit);
	gboolean has_xfr = header(top, "X-Failed-Recipients") != NULL;

	/* Without one of these no rule below can call it a bounce, whatever
	 * the text says. */
	if (!s->dsn && !has_xfr && !daemon && !null_path &&
	    !(subj_bounce && s->has_returned && !g_str_has_prefix(subject, "fw")))
		return FALSE;

	g_free(s->dsn_text);
	g_free(s->returned_id);
	*s = (Scan) { .body = g_string_new(NULL) };
	scan_tree(g_mime_message_get_mime_part(mime), s, 0);
	if (s->body->len == 0 && msg->text != NULL)
		g_string_append(s->body, msg->text);
	g_autofree char *body = g_string_free(g_steal_pointer(&s->body), FALSE);
	cap_utf8(body, RD_CLASSIFY_SCAN_LIMIT);
	g_autofree char *body_lc = g_utf8_strdown(body, -1);
	gboolean body_bounce = contains_any(body_lc, bounce_phrases, &body_hit);

	char *reason = NULL;
	if (s->dsn)
		reason = g_strdup("delivery status notification (RFC 3464)");
	else if (has_xfr)
		reason = g_strdup("X-Failed-Recipients");
	else if ((daemon || null_path) && subj_bounce)
		reason = g_strdup_printf("%s sender, subject \"%s\"", daemon ? "daemon" : "null-path", subj_hit);
	else if ((daemon || null_path) && body_bounce)
		reason = g_strdup_printf("%s sender, text \"%s\"", daemon ? "daemon" : "null-path", body_hit);
	else if (subj_bounce && body_bounce && s->has_returned && !g_str_has_prefix(subject, "fw"))
		reason = g_strdup_printf("subject \"%s\" with returned message", subj_hit);
	if (reason == NULL)
		return FALSE;
	set_kind(msg, RD_AUTO_BOUNCE, reason);
	bounce_details(mime, msg, s, body);
	return TRUE;
}

/* Rules 3 to 7: what the headers, the subject and the sender say. TRUE
 * when they made it automatic (its kind and reason set). */
static gboolean
classify_automatic(GMimeObject *top, RdMessage *msg, const char *subject, const char *from,
                   gboolean null_path)
{
	/* 3. RFC 3834 Auto-Submitted: anything but "no" is automatic. */
	const char *as = header(top, "Auto-Submitted");
	if (as != NULL) {
		g_autofree char *kw = header_keyword(as);
		if (*kw != '\0' && strcmp(kw, "no") != 0) {
			RdAutoKind k = strcmp(kw, "auto-replied") == 0 ? RD_AUTO_REPLY : RD_AUTO_GENERATED;
			set_kind(msg, k, g_strdup_printf("Auto-Submitted: %s", kw));
			return TRUE;
		}
	}

	/* 4. Auto-responder headers and out-of-office subjects. */
	for (guint i = 0; autoreply_headers[i] != NULL; i++) {
		const char *v = header(top, autoreply_headers[i]);
		if (v == NULL)
			continue;
		g_autofree char *kw = header_keyword(v);
		if (strcmp(kw, "no") == 0 || strcmp(kw, "false") == 0 || strcmp(kw, "0") == 0)
			continue;
		set_kind(msg, RD_AUTO_REPLY, g_strdup_printf("%s header", autoreply_headers[i]));
		return TRUE;
	}
	const char *prec = header(top, "Precedence");
	g_autofree char *kw = prec ? header_keyword(prec) : NULL;
	if (kw != NULL && (strcmp(kw, "auto_reply") == 0 || strcmp(kw, "auto-reply") == 0)) {
		set_kind(msg, RD_AUTO_REPLY, g_strdup_printf("Precedence: %s", kw));
		return TRUE;
	}
	const char *hit = autoreply_subject(subject);
	if (hit != NULL) {
		set_kind(msg, RD_AUTO_REPLY, g_strdup_printf("subject starts \"%s\"", hit));
		return TRUE;
	}

	/* 5. Daemons, list robots and no-reply senders (RFC 3834 §2:
	 * owner-*, *-request, MAILER-DAEMON). */
	if (sender_is_robot(from)) {
		set_kind(msg, RD_AUTO_GENERATED, g_strdup_printf("robot sender %s", from));
		return TRUE;
	}

	/* 6. Null return path: some machine sent it. */
	if (null_path) {
		set_kind(msg, RD_AUTO_GENERATED, g_strdup("null return path"));
		return TRUE;
	}

	/* 7. Bulk and list mail. */
	if (kw != NULL && in_list(kw, bulk_precedence)) {
		set_kind(msg, RD_AUTO_BULK, g_strdup_printf("Precedence: %s", kw));
		return TRUE;
	}
	if (header(top, "List-Id") != NULL) {
		set_kind(msg, RD_AUTO_BULK, g_strdup("List-Id"));
		return TRUE;
	}
	if (header(top, "List-Unsubscribe") != NULL && header(top, "List-Post") != NULL) {
		set_kind(msg, RD_AUTO_BULK, g_strdup("List-Unsubscribe and List-Post"));
		return TRUE;
	}
	return FALSE;
}

void
_rd_classify(GMimeMessage *mime, RdMessage *msg)
{
	g_return_if_fail(msg != NULL);
	if (mime == NULL)
		return;

	/* The shape of the tree only; the text is read below if needed. */
	Scan s = { .body = NULL };
	scan_tree(g_mime_message_get_mime_part(mime), &s, 0);

	const char *subj_raw = msg->subject ? msg->subject : g_mime_message_get_subject(mime);
	g_autofree char *subject = g_utf8_strdown(subj_raw ? subj_raw : "", -1);
	g_strstrip(subject);

	g_autofree char *from_name = NULL;
	g_autofree char *from = sender_address(mime, msg, &from_name);
	gboolean null_path = null_return_path(mime, msg);

	/* 1. ARF: a report about our mail, not a failure of it. Then 2, the
	 * bounces, and 3 to 7, the rest of automatic mail, first rule first. */
	if (s.arf)
		set_kind(msg, RD_AUTO_GENERATED, g_strdup("feedback report (ARF)"));
	else if (!classify_bounce(mime, msg, &s, subject, from, from_name, null_path))
		classify_automatic(GMIME_OBJECT(mime), msg, subject, from, null_path);
	g_free(s.dsn_text);
	g_free(s.returned_id);
}
