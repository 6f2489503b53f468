/*
 * phrases.c — does a message ask for Stage 2?
 *
 * A reply on a case whose Stage 1 is closed becomes a Stage 2 request when
 * it uses one of a configurable list of phrases ("not satisfied",
 * "escalate", …). The search is deliberately plain: case-folded (Unicode,
 * not just ASCII), with any run of white space — spaces, tabs, line
 * breaks, no-break spaces — treated as one space, since mail clients wrap
 * and reflow text freely.
 *
 * Two boundary rules keep obvious false hits out without needing a word
 * list: a phrase must start at the beginning of a word ("dissatisfied"
 * does not hide inside "undissatisfied"; "escalate" still matches
 * "de-escalate", which we accept), and a phrase that ends in a digit must
 * end a word ("stage 2" is not "stage 21"). A phrase ending in a letter
 * may run on, so "escalate" also finds "escalated".
 *
 * Quoted history must not count (our own letter says "if you are not
 * satisfied…"); the caller passes only the new text.
 */
#include <string.h>

#include "procedure.h"

static const char *const default_phrases[] = {
	"stage 2",
	"stage two",
	"escalate",
	"escalation",
	"not satisfied",
	"dissatisfied",
	"unhappy with your response",
	"unhappy with the response",
	"review my complaint",
	"take this further",
	"next stage",
	NULL,
};

const char *const *
rd_default_stage2_phrases(void)
{
	return default_phrases;
}

/* Case-fold @s and squeeze each run of white space to one ' ', trimming
 * both ends. Invalid UTF-8 is repaired first so folding cannot fail.
 *
 * This runs over the text of every incoming message, so ASCII — nearly
 * all of it — takes a byte loop; only other characters go through GLib's
 * Unicode case folding, one character at a time, which gives the same
 * result as folding the whole string. */
static char *
normalise(const char *s)
{
	g_autofree char *repaired = NULL;
	if (!g_utf8_validate(s, -1, NULL)) {
		repaired = g_utf8_make_valid(s, -1);
		s = repaired;
	}
	GString *out = g_string_sized_new(strlen(s));
	gboolean pending_space = FALSE;

	for (const char *p = s; *p != '\0';) {
		guchar b = (guchar)*p;
		if (b < 0x80) {
			p++;
			if (g_ascii_isspace(b) || b == '\v') {
				pending_space = TRUE;
				continue;
			}
			if (pending_space && out->len > 0)
				g_string_append_c(out, ' ');
			pending_space = FALSE;
			g_string_append_c(out, g_ascii_tolower(b));
			continue;
		}
		const char *next = g_utf8_next_char(p);
		gunichar c = g_utf8_get_char(p);
		if (g_unichar_isspace(c)) {
			pending_space = TRUE;
			p = next;
			continue;
		}
		if (pending_space && out->len > 0)
			g_string_append_c(out, ' ');
		pending_space = FALSE;
		g_autofree char *folded = g_utf8_casefold(p, next - p);
		g_string_append(out, folded);
		p = next;
	}
	return g_string_free(out, FALSE);
}

/* TRUE if the normalised @phrase occurs in the normalised @hay with the
 * boundaries described at the top of this file. */
static gboolean
contains_phrase(const char *hay, const char *phrase)
{
	gsize plen = strlen(phrase);
	const char *last = g_utf8_find_prev_char(phrase, phrase + plen);
	gboolean ends_in_digit = last != NULL &&
	                         g_unichar_isdigit(g_utf8_get_char(last));

	for (const char *hit = strstr(hay, phrase); hit != NULL;
	     hit = strstr(hit + 1, phrase)) {
		if (hit > hay) {
			const char *prev = g_utf8_find_prev_char(hay, hit);
			if (g_unichar_isalnum(g_utf8_get_char(prev)))
				continue;
		}
		if (ends_in_digit && hit[plen] != '\0' &&
		    g_unichar_isalnum(g_utf8_get_char(hit + plen)))
			continue;
		return TRUE;
	}
	return FALSE;
}

gboolean
rd_text_asks_stage2(const char *subject, const char *text,
                    const char *const *phrases)
{
	if (phrases == NULL)
		phrases = default_phrases;

	/* Subject and text are searched separately so that a phrase cannot
	 * be made of the end of one and the start of the other. */
	g_autofree char *subj = normalise(subject != NULL ? subject : "");
	g_autofree char *body = normalise(text != NULL ? text : "");

	for (guint i = 0; phrases[i] != NULL; i++) {
		g_autofree char *phrase = normalise(phrases[i]);

		if (phrase[0] == '\0')
			continue;
		if (contains_phrase(subj, phrase) || contains_phrase(body, phrase))
			return TRUE;
	}
	return FALSE;
}
