/*
 * parsers-private.h — shared between the files of parsers/ only.
 *
 * message.c builds an RdMessage from the GMime tree, then hands the tree to
 * classify.c, which decides whether the mail is automatic or a bounce.
 */
#ifndef RD_PARSERS_PRIVATE_H
#define RD_PARSERS_PRIVATE_H

#include <gmime/gmime.h>
#include <nettle/sha2.h>
#include "parsers.h"

/* classify.c: set msg->auto_kind, auto_reason and, for bounces,
 * bounced_message_id, bounced_recipient and bounce_status, from the parsed
 * @mime tree and the facts message.c already put in @msg (from, subject,
 * return_path, text). Never fails. */
void _rd_classify(GMimeMessage *mime, RdMessage *msg);

/* setup.c: the parser options every GMime call here uses (loose
 * compliance, UTF-8 then windows-1252 for raw 8-bit header text). Set up
 * by rd_parsers_init(); read-only afterwards. */
GMimeParserOptions *_rd_parser_options(void);

/* address.c: parse one raw (folded) address header value and append
 * RdAddress* to @out, whose free function must be _rd_address_free. Groups
 * are flattened; broken lists yield whatever local@domain tokens they hold. */
void _rd_address_list_parse(const char *raw_value, GPtrArray *out);
/* address.c: lower-cased addr-spec without brackets or spaces, valid
 * UTF-8; NULL if nothing is left. Newly allocated. */
char *_rd_address_normalise(const char *addr);
RdAddress *_rd_address_new(const char *email, const char *name);
void _rd_address_free(RdAddress *a);

/* body.c: the first message/rfc822 part the walk met, for forward.c. */
typedef struct {
	GMimeMessagePart *part;  /* borrowed from the tree; NULL if none */
	guint depth;             /* its depth (the top part is 0) */
	guint parts_seen;        /* parts the whole walk counted */
} RdBodyInner;

/* body.c: walk the MIME tree of @mime within @opts' depth and part limits;
 * set msg->text (and text_from_html) and append msg->attachments; notes a
 * limit hit in msg->problem if it is still RD_PROBLEM_NONE. @inner_r (may
 * be NULL) gets the first message/rfc822 part. */
void _rd_body_extract(GMimeMessage *mime, RdMessage *msg, const RdParseOptions *opts,
                      RdBodyInner *inner_r);
/* body.c: the body text of @mime, chosen and decoded as for msg->text,
 * walking at most @max_depth levels and @max_parts parts; attachments
 * are not looked at and message/rfc822 parts inside are skipped. Newly
 * allocated, valid UTF-8, "" if none. */
char *_rd_body_text(GMimeMessage *mime, guint max_depth, guint max_parts);
void _rd_attachment_free(RdAttachment *a);
/* body.c: turn the NUL bytes of @len bytes at @data into spaces, in place,
 * unless @charset (may be NULL) or a byte-order mark says the bytes are
 * UTF-16 or UTF-32, where NULs are part of the characters. NULs must never
 * reach msg->text: rd_to_utf8() would drop them and join the words round
 * them, and the store keeps C strings. */
void _rd_nuls_to_spaces(char *data, gsize len, const char *charset);

/* html.c: rd_html_to_text() for input already known to be UTF-8 (any
 * <meta charset> in it is ignored). Newly allocated. */
char *_rd_html_to_text_utf8(const char *html, gsize len);

/* html.c: the charset a <meta> tag in the first 4 KiB of @html names, or
 * NULL. Newly allocated. */
char *_rd_html_sniff_charset(const char *html, gsize len);

/* quotes.c: one line of a text: not NUL-terminated, without its "\n"
 * and one trailing "\r". Points into the text it was cut from. */
typedef struct {
	const char *s;
	gsize len;
} RdLine;

/* quotes.c: @text cut at "\n"; the piece after a final "\n" is an
 * (empty) line too. Returns the number of lines (at least 1); *lines_r is
 * newly allocated and borrows from @text. */
gsize _rd_lines_split(const char *text, RdLine **lines_r);
/* quotes.c: @l without surrounding ASCII white space. */
RdLine _rd_line_trimmed(RdLine l);
gboolean _rd_line_is_blank(RdLine l);
/* quotes.c: does @l open with ">" after optional blanks? */
gboolean _rd_line_is_quoted(RdLine l);
/* quotes.c: @l without one level of ">" quoting (and one space after
 * it); @l itself when it is not quoted. */
RdLine _rd_line_unquoted(RdLine l);
/* quotes.c: if @l (trimmed, optional "*" round the label) opens with one
 * of @names (ASCII, lower case, NULL-terminated) and a colon, the offset
 * in @l just past the colon; otherwise 0. */
gsize _rd_line_field(RdLine l, const char *const *names);
/* quotes.c: is the next non-blank line at or after @i quoted? */
gboolean _rd_quote_follows(const RdLine *lines, gsize n, gsize i);
/* quotes.c: a forwarded-message banner ("---------- Forwarded message
 * ---------", "Begin forwarded message:", Welsh, …). */
gboolean _rd_line_is_forward_banner(RdLine l);
/* quotes.c: a line with redress's reply marker, "##-" and later "-##"
 * (RD_REPLY_MARKER_EN, RD_REPLY_MARKER_CY or any other language). */
gboolean _rd_line_is_marker(RdLine l);

/* quotes.c: what one line of a text is, for the marker tables of
 * quotes.c. Line @i of the @n @lines; *span_r is the number of lines the
 * thing takes (2 for an attribution wrapped over two lines, else 1). */
typedef enum {
	RD_LINE_TEXT,
	RD_LINE_QUOTED,       /* ">" quoting */
	RD_LINE_ATTRIBUTION,  /* "On … wrote:" and its translations, or
	                         "Name wrote:" with ">" quoting below */
	RD_LINE_ORIGINAL,     /* "-----Original Message-----" and kin */
	RD_LINE_FORWARD,      /* a forwarded-message banner */
	RD_LINE_OUTLOOK,      /* "From:" opening an Outlook header block */
	RD_LINE_RULE,         /* a "____" rule above such a block */
	RD_LINE_SIGNATURE,    /* "-- " */
	RD_LINE_MOBILE,       /* "Sent from my iPhone" and other footers */
} RdLineKind;
RdLineKind _rd_line_kind(const RdLine *lines, gsize n, gsize i, guint *span_r);

/* quotes.c: what the walk does with signatures and markers. */
typedef enum {
	RD_WALK_STRIP = 0,    /* rd_text_strip_quotes(): a "-- " or a mobile
	                         footer ends the new text */
	RD_WALK_RELAY = 1,    /* rd_relay_text(): "-- " signatures stay,
	                         mobile footer lines are dropped, and a reply
	                         marker line cuts, quoted or not */
} RdWalkFlags;
/* quotes.c: @text without quoted history, trimmed (leading blank lines
 * and trailing white space; the first line keeps its indentation). Every
 * line of the result is a line of @text (the last perhaps without trailing
 * white space). Newly allocated; "" for NULL. */
char *_rd_quotes_walk(const char *text, RdWalkFlags flags);

/* forward.c: set msg->forwarded from msg->text and msg->subject (an
 * inline forward), else from @inner (may be NULL; an attached message,
 * read within @opts' limits). Leaves it NULL when the message forwards
 * nothing. */
void _rd_forward_find(RdMessage *msg, const RdBodyInner *inner, const RdParseOptions *opts);
void _rd_forwarded_free(RdForwarded *f);

/* dates.c: a date as clients write it in a forwarded message's header
 * lines ("Thursday, December 3, 2026 9:12 AM", "3 Rhagfyr 2026 09:12",
 * RFC 5322, "03/12/2026 09:12", …) → Unix seconds (UTC); Europe/London
 * when no zone is given. 0 when the text is not understood in full, or
 * NULL. */
gint64 _rd_written_date_parse(const char *text);

/* setup.c: valid UTF-8 copy of @s with surrounding white space removed;
 * NULL for NULL or empty. Newly allocated. */
char *_rd_clean_dup(const char *s);

/* message.c: a Message-ID as RdMessage keeps it: valid UTF-8 without white
 * space, '<' or '>' anywhere; NULL if nothing is left. Newly allocated. */
char *_rd_msgid_dup(const char *s);

/* sha256.c: SHA-256 (Nettle). */
typedef struct {
	struct sha256_ctx ctx;
} RdSha256;
void _rd_sha256_init(RdSha256 *s);
void _rd_sha256_update(RdSha256 *s, const void *data, gsize len);
/* Finish and write the lower-case hex digest; @s is spent afterwards. */
void _rd_sha256_hex(RdSha256 *s, char out[65]);
/* Hex digest of @len bytes at @data. Newly allocated. */
char *_rd_sha256_hex_data(const void *data, gsize len);

/* sha256.c: a write-only GMimeStream that hashes and counts its input. */
typedef struct _RdHashStream RdHashStream;
typedef struct {
	GMimeStreamClass parent_class;
} RdHashStreamClass;
GType rd_hash_stream_get_type(void);
#define RD_TYPE_HASH_STREAM (rd_hash_stream_get_type())
GMimeStream *_rd_hash_stream_new(void);
/* Hex digest of everything written so far (newly allocated) and, in
 * @size_r, its length. The stream stays usable. */
char *_rd_hash_stream_finish(GMimeStream *stream, gsize *size_r);

#endif
