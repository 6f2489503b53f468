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

/* body.c: walk the MIME tree of @mime within @opts' depth and part limits;
 * set msg->text (and text_from_html) and append msg->attachments; notes a
 * limit hit in msg->problem if it is still RD_PROBLEM_NONE. */
void _rd_body_extract(GMimeMessage *mime, RdMessage *msg, const RdParseOptions *opts);
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
