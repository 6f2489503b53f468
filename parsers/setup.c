/*
 * setup.c — what every parser file shares: the one-time set-up of GMime
 * and libxml2, the GMime parser options they all use, the default input
 * limits, and a cleaned copy of a header value.
 *
 * It calls no other parser file, and message.c, address.c and body.c all
 * call it, so the files of parsers/ form no circle: setup.c and charset.c
 * at the bottom, address.c, body.c, html.c, quotes.c, refs.c, dates.c and
 * classify.c above them, relay.c (over quotes.c) and forward.c (over
 * quotes.c, address.c, body.c and dates.c) above those, message.c on
 * top.
 */
#include <string.h>
#include <libxml/parser.h>

#include "parsers-private.h"

static GMimeParserOptions *parser_options;

static gpointer
init_once(gpointer unused)
{
	/* Raw 8-bit header text is tried as UTF-8, then windows-1252, the two
	 * charsets unlabelled mail is really written in; the results are
	 * checked again for valid UTF-8 anyway. */
	static const char *fallback[] = { "UTF-8", "windows-1252", NULL };

	g_mime_init();
	xmlInitParser();
	parser_options = g_mime_parser_options_new();
	g_mime_parser_options_set_fallback_charsets(parser_options, fallback);
	g_mime_parser_options_set_address_compliance_mode(parser_options, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(parser_options, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_rfc2047_compliance_mode(parser_options, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_allow_addresses_without_domain(parser_options, TRUE);
	return NULL;
}

void
rd_parsers_init(void)
{
	static GOnce once = G_ONCE_INIT;
	g_once(&once, init_once, NULL);
}

GMimeParserOptions *
_rd_parser_options(void)
{
	return parser_options;
}

void
rd_parse_options_init(RdParseOptions *opts)
{
	g_return_if_fail(opts != NULL);
	opts->max_size = 50 * 1024 * 1024;
	opts->max_depth = 20;
	opts->max_parts = 1000;
	opts->max_header_len = 64 * 1024;
	opts->ref_prefix = "CMP";
	opts->attachment_data = FALSE;
}

/* Valid UTF-8 copy with surrounding white space removed; NULL for NULL
 * or empty. */
char *
_rd_clean_dup(const char *s)
{
	if (s == NULL)
		return NULL;
	char *v = rd_to_utf8(s, strlen(s), NULL);
	g_strstrip(v);
	if (v[0] == '\0') {
		g_free(v);
		return NULL;
	}
	return v;
}
