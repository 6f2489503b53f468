/*
 * parsers.h — raw RFC 5322 bytes → message facts (RdMessage).
 *
 * This is the only public header of parsers/. It turns the bytes of one
 * email into the plain facts the rest of redress needs: headers with
 * addresses normalised, the body as UTF-8 text with quoted history
 * separated, attachments, whether the mail is automatic or a bounce, any
 * case references it names, and the message it forwards. For mail from
 * staff, rd_relay_text() gives what may be sent on to the complainant.
 *
 * Invariants:
 *  - rd_message_parse() never fails and never returns NULL: garbage in gives
 *    an RdMessage whose `problem` says what was wrong. Nothing is dropped.
 *  - Every string in an RdMessage is valid UTF-8 (or NULL).
 *  - Email addresses are lower-cased addr-specs without angle brackets.
 *  - Message-IDs are stored without angle brackets and surrounding space.
 *  - The module is pure: no files, no network, no database, no config.
 *
 * Depends on GLib, GMime 3 and libxml2 (HTML → text) only.
 */
#ifndef RD_PARSERS_H
#define RD_PARSERS_H

#include <glib.h>

G_BEGIN_DECLS

/* Call once before any other function here (idempotent, thread-safe). */
void rd_parsers_init(void);

/* ---- options -------------------------------------------------------- */

typedef struct {
	gsize max_size;        /* whole message, bytes (default 50 MiB) */
	guint max_depth;       /* MIME nesting depth (default 20) */
	guint max_parts;       /* MIME parts in total (default 1000) */
	gsize max_header_len;  /* one unfolded header field, bytes (default 64 KiB) */
	const char *ref_prefix; /* case reference prefix, e.g. "CMP" (default) */
	gboolean attachment_data; /* keep each attachment's decoded bytes in
	                           RdAttachment.data (default FALSE: intake
	                           only lists and hashes them; a staff reply
	                           relayed with its attachments needs them) */
} RdParseOptions;

/* Fill @opts with the defaults above. */
void rd_parse_options_init(RdParseOptions *opts);

/* ---- results -------------------------------------------------------- */

typedef struct {
	char *email;  /* lower-cased addr-spec, never NULL in a list */
	char *name;   /* decoded display name, or NULL */
} RdAddress;

typedef enum {
	RD_AUTO_NONE = 0,   /* written by a person */
	RD_AUTO_REPLY,      /* out-of-office, vacation, Auto-Submitted: auto-replied */
	RD_AUTO_GENERATED,  /* Auto-Submitted: auto-generated, null return path,
	                       ARF feedback reports, MAILER-DAEMON notices that
	                       are not bounces */
	RD_AUTO_BULK,       /* Precedence: bulk|junk|list, List-Id */
	RD_AUTO_BOUNCE,     /* delivery failure (DSN or non-standard) */
} RdAutoKind;

typedef enum {
	RD_PROBLEM_NONE = 0,
	/* Fatal: the message cannot be trusted for threading; it is stored
	 * raw and goes to triage with this reason. */
	RD_PROBLEM_EMPTY,           /* zero bytes or only white space */
	RD_PROBLEM_TOO_LARGE,       /* over max_size; headers only were read */
	RD_PROBLEM_NO_HEADERS,      /* no header block could be found */
	RD_PROBLEM_CRASHED_PARSER,  /* parsing it crashed redress before: kept
	                               unparsed (rd_message_unparsed) */
	/* Not fatal: the message is processed; the note is recorded. */
	RD_PROBLEM_TOO_DEEP,        /* parts below max_depth were not read */
	RD_PROBLEM_TOO_MANY_PARTS,  /* parts beyond max_parts were not read */
	RD_PROBLEM_HEADER_TOO_LONG, /* a header field was cut at max_header_len */
} RdParseProblem;

typedef struct {
	char *filename;      /* decoded (RFC 2047/2231), UTF-8; NULL if none.
	                        Never use as a path. */
	char *content_type;  /* "type/subtype", lower case */
	gsize size;          /* decoded size in bytes */
	char *sha256;        /* hex digest of the decoded content */
	gboolean is_tnef;    /* application/ms-tnef or winmail.dat */
	GBytes *data;        /* the decoded bytes (an attached message: as
	                        written), only with attachment_data; else NULL */
} RdAttachment;

/* A message forwarded inside another: what rd_message_parse() found of
 * the original when a member of staff forwarded someone's mail to
 * redress. Only the outermost forward counts; forwards inside it are part
 * of its text. Every string is valid UTF-8. */
typedef struct {
	RdAddress *from;     /* the original sender (lower-cased addr-spec,
	                        no brackets, with an '@'); NULL if none found */
	gint64 date;         /* when the original was sent (Unix seconds,
	                        UTC); 0 if unknown or not read with certainty */
	char *subject;       /* the original subject, or NULL */
	char *message_id;    /* attached message/rfc822 only: its Message-ID
	                        without <> or blanks, or NULL */
	char *text;          /* the original's body text, trimmed ("" if none) */
	char *note;          /* what the forwarder wrote above the forwarded
	                        part, trimmed, "#command" lines kept ("" if
	                        nothing) */
	gboolean attached;   /* TRUE: from an attached message/rfc822 part;
	                        FALSE: inline in the body text */
} RdForwarded;

typedef struct {
	/* Identity */
	char *raw_sha256;       /* hex SHA-256 of the exact bytes given */
	char *content_hash;     /* rd_message_content_hash() of the bytes, set
	                           only when the message has no Message-ID
	                           (NULL otherwise: it costs a pass over every
	                           byte and is needed only when a message with
	                           the same Message-ID is already stored) */
	gsize size;             /* bytes given */

	/* Headers */
	char *message_id;       /* NULL if absent */
	char *in_reply_to;      /* first msg-id of In-Reply-To, or NULL */
	GPtrArray *references;  /* char*: msg-ids of References, oldest first,
	                           followed by in_reply_to if not already in it */
	char *subject;          /* decoded; NULL if absent */
	RdAddress *from;        /* first From address; NULL if none parses */
	RdAddress *reply_to;    /* NULL if absent */
	GPtrArray *to;          /* RdAddress* */
	GPtrArray *cc;          /* RdAddress* */
	GPtrArray *recipients;  /* char* emails from To, Cc, Bcc, Resent-To,
	                           Delivered-To, X-Original-To, Envelope-To,
	                           X-Envelope-To: every place a per-case token
	                           address may show; deduplicated */
	char *return_path;      /* addr-spec, "" for the null path <>, NULL if
	                           no Return-Path field */
	gint64 date;            /* seconds since the epoch, UTC */
	gboolean date_from_header; /* FALSE: Date missing or unparseable and
	                              `date` is the received_at given */
	char *content_language; /* Content-Language, lower case, or NULL */
	GPtrArray *auth_results; /* char*: each Authentication-Results value,
	                           topmost (latest added) first */
	GPtrArray *exchange_authas; /* char*: each X-MS-Exchange-Organization-
	                           AuthAs value ("Internal", "Anonymous"), topmost
	                           first: Exchange's own mark of mail that
	                           authenticated inside the organisation */
	char *selftest;         /* X-Redress-Selftest (the first), white space
	                           collapsed: the token of redress's own
	                           self-test mail, or NULL. Only a token that
	                           verifies makes the message one (intake) */

	/* Body */
	char *text;             /* whole body text, UTF-8 ("" if none) */
	gboolean text_from_html; /* text was converted from text/html */
	char *new_text;         /* text without quoted history and signature
	                           ("" if the message is all quote) */
	GPtrArray *attachments; /* RdAttachment* */

	/* Classification hints (the procedure makes the decisions) */
	RdAutoKind auto_kind;
	char *auto_reason;      /* why, e.g. "Auto-Submitted: auto-replied";
	                           NULL for RD_AUTO_NONE */
	char *bounced_message_id; /* bounces: Message-ID of the failed message
	                             (from the returned headers), or NULL */
	char *bounced_recipient;  /* bounces: the failed address, or NULL */
	char *bounce_status;      /* bounces: DSN status such as "5.1.1", or NULL */
	char *bounce_diagnostic;  /* bounces: the DSN's Diagnostic-Code without
	                             its type ("550 5.1.1 <x@y>: no such user"),
	                             at most 500 bytes, or NULL */

	GPtrArray *case_refs;   /* char*: canonical case references found in
	                           the subject, then the new text, then the
	                           quoted text; deduplicated, in that order */

	RdForwarded *forwarded; /* the message forwarded in this one, or NULL
	                           when it forwards nothing (see
	                           rd_message_parse) */

	/* Problems */
	RdParseProblem problem;
	char *problem_detail;   /* human-readable: what and where; NULL if none */
} RdMessage;

/* Hex SHA-256 of a message with the trace fields a delivery prepends
 * (Received, Return-Path, Delivered-To, X-Original-To, …) removed and line
 * ends normalised: the same mail delivered to two mailboxes has the same
 * content hash. A message of nothing but white space hashes as its bytes.
 * Newly allocated. */
char *rd_message_content_hash(const char *data, gsize len);
/* Parse @len bytes at @data. @received_at (seconds since the epoch) is used
 * when the Date header is missing or invalid. @opts may be NULL for the
 * defaults. Never returns NULL; free with rd_message_free().
 *
 * Forwards: msg->forwarded is set when the message forwards another one,
 * found in this order:
 *  1. inline in the body text, below a forward banner: Gmail's
 *     "---------- Forwarded message ---------" (Welsh "Neges wedi'i hanfon
 *     ymlaen"), Thunderbird's "-------- Forwarded Message --------", Apple
 *     Mail's and iOS's "Begin forwarded message:" (also when the whole
 *     forward is ">"-quoted, as Apple's clients send it);
 *  2. inline, an Outlook header block ("From: … Sent: …", Welsh "Oddi
 *     wrth: … Anfonwyd: …", with or without "-----Original Message-----"
 *     or a "____" rule above it), but only when the Subject starts with a
 *     forward prefix (FW:, Fwd:, Welsh YML:, see forward.c): the same block
 *     opens the history of every Outlook reply;
 *  3. the first message/rfc822 part, attached or inline, when what the
 *     forwarder wrote is short (a long letter with an email attached is
 *     not a forward); its own headers and body are read within the depth
 *     and part limits left, and forwards inside it are not looked for.
 * An inline forward must come before anything that opens a reply's
 * history (an attribution, a reply's Outlook block, redress's reply
 * marker): a reply quoting an old forward is a reply. A message/rfc822
 * inside a multipart/report is a returned message, not a forward, and
 * forwards are not looked for in automatic mail (auto_kind other than
 * RD_AUTO_NONE and RD_AUTO_BULK) or when the problem is fatal. Dates
 * written without a zone are taken as Europe/London time; a date not
 * understood in full is 0, never a guess. */
RdMessage *rd_message_parse(const char *data, gsize len, gint64 received_at,
                            const RdParseOptions *opts);
/* The message of @len bytes at @data WITHOUT parsing it: only its raw
 * hash, size and @received_at are set, with RD_PROBLEM_CRASHED_PARSER and
 * @detail (copied) as the problem. For bytes that crashed the parser
 * before: they are stored as they are and shown to a person, never parsed
 * again automatically. Free with rd_message_free(). */
RdMessage *rd_message_unparsed(const char *data, gsize len, gint64 received_at, const char *detail);
void rd_message_free(RdMessage *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RdMessage, rd_message_free)

/* TRUE when @p means the facts cannot be trusted (see RdParseProblem). */
gboolean rd_parse_problem_is_fatal(RdParseProblem p);
/* Static strings: "none", "empty", "too-large", "no-headers", "too-deep",
 * "too-many-parts", "header-too-long". */
const char *rd_parse_problem_to_string(RdParseProblem p);
/* Static strings: "human", "auto-reply", "auto-generated", "bulk", "bounce". */
const char *rd_auto_kind_to_string(RdAutoKind k);

/* ---- building blocks, public for tests and for reuse ---------------- */

/* Convert @len bytes of HTML (any declared charset; @len -1 = NUL
 * terminated) to readable UTF-8 text: block elements become line breaks,
 * lists get "- ", links keep their text, scripts and styles are dropped,
 * <blockquote> lines are prefixed with "> ". Newly allocated. */
char *rd_html_to_text(const char *html, gssize len);

/* Split @text (UTF-8) into what the author wrote now and the quoted history
 * below it, for the common clients: ">" quoting, "On … wrote:" (and other
 * languages' forms), Outlook's "From: … Sent: …" block and
 * "-----Original Message-----", Gmail, Apple Mail, forwarded-message
 * markers, "Sent from my iPhone" style mobile signatures and "-- "
 * signatures. Returns the new text, trimmed; newly allocated. */
char *rd_text_strip_quotes(const char *text);

/* The marker line at the top of every notification redress sends staff,
 * in English and Welsh. rd_relay_text() cuts at any line holding "##-"
 * and, later, "-##", so a reworded or other-language marker cuts too. */
#define RD_REPLY_MARKER_EN "##- Please type your reply above this line -##"
#define RD_REPLY_MARKER_CY "##- Teipiwch eich ateb uwchben y llinell hon -##"

/* What a member of staff newly wrote in @text (the UTF-8 body text of
 * their mail, RdMessage.text), to be sent on to the complainant.
 * Removed:
 *  - quoted history wherever it is: ">" lines (unquoted answers between
 *    or below them are kept), attributions ("On … wrote:", "Ar …
 *    ysgrifennodd:", wrapped or not) and everything below those that the
 *    history follows unquoted, Outlook's header block (English and Welsh,
 *    also after a "____" rule), "-----Original Message-----" (and
 *    "-----Neges Wreiddiol-----"), forwarded-message banners, and
 *    everything below each of these;
 *  - everything from a line holding redress's reply marker (RD_REPLY_
 *    MARKER_EN, _CY, or any "##- … -##") down, quoted or not, so an answer
 *    written below a quoted notification is cut too;
 *  - "#command" lines at the very top: leading lines whose first
 *    non-blank character is '#' followed by a letter, with blank lines
 *    between them; a '#' further down stays;
 *  - mobile clients' footer lines ("Sent from my iPhone", "Get Outlook for
 *    Android", "Anfonwyd o fy iPhone"); the rest after them is still read.
 * Kept: the text as written, including a "-- " signature and what it
 * holds. Runs of blank lines become one.
 *
 * The result is trimmed (no leading blank lines, no trailing white space;
 * the first line keeps its indentation), valid UTF-8 (bytes of @text that
 * are not are dropped), never longer than @text, and each of its lines is
 * a line of @text (the last perhaps without its trailing white space):
 * lines are left out, never reworded. No line of it is ">"-quoted or
 * holds the marker. "" when nothing is new, and for NULL. Pure; newly
 * allocated. */
char *rd_relay_text(const char *text);

/* Find case references for @prefix (e.g. "CMP") in @text, tolerant of case,
 * of spaces, hyphens, slashes, dots or nothing between the parts, of l/I
 * for 1 and o/O for 0 in the digits, and of dropped leading zeros in the
 * number. Canonical form: PREFIX-YYYY-NNNNNN (prefix upper case, six-digit
 * zero-padded number). Appends new ones (not already in @refs) to @refs
 * (char*, g_free). */
void rd_refs_find(const char *prefix, const char *text, GPtrArray *refs);

/* Decode raw header or body bytes of charset @charset (may be NULL or
 * wrong) to valid UTF-8: the declared charset first, then UTF-8, then
 * windows-1252. Never fails; newly allocated. */
char *rd_to_utf8(const char *data, gsize len, const char *charset);

G_END_DECLS

#endif /* RD_PARSERS_H */
