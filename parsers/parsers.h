/*
 * parsers.h — raw RFC 5322 bytes → message facts (RdMessage).
 *
 * This is the only public header of parsers/. It turns the bytes of one
 * email into the plain facts the rest of redress needs: headers with
 * addresses normalised, the body as UTF-8 text with quoted history
 * separated, attachments, whether the mail is automatic or a bounce, and any
 * case references it names.
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
} RdAttachment;

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
	GPtrArray *auth_results; /* char*: each Authentication-Results value */
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
 * defaults. Never returns NULL; free with rd_message_free(). */
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
