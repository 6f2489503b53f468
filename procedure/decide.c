/*
 * decide.c — which case does a message belong to, and what kind is it?
 *
 * rd_decide() is the whole threading and classification policy of
 * docs/procedure.md §4.1 as one function over plain data. The caller has already done
 * every lookup (token, Message-IDs, references, the sender's cases); this
 * file only chooses, in a fixed order where the first rule that holds
 * wins:
 *
 *   1. a message we could not parse well enough to trust -> triage;
 *   2. a bounce -> on the case its token or headers name, else triage;
 *   3. automatic mail -> likewise; it never opens or escalates a case;
 *   -  a human message without a sender address -> triage;
 *   4. a valid token address -> that case;
 *   5. In-Reply-To / References -> that case;
 *   6. a quoted case reference, but only if the sender is a party to it;
 *      a reference quoted by anyone else goes to triage as a suggestion,
 *      so a stranger cannot add mail to someone's complaint;
 *   7. nothing matched: a new complaint, or in the Stage 2 mailbox the
 *      sender's one case whose Stage 1 is closed; otherwise triage.
 *
 * A message on a case whose Stage 1 is closed is a Stage 2 request when it
 * came to the Stage 2 mailbox or asks for escalation in its new text.
 *
 * Every decision carries a reason written for a case officer, because the
 * officer must be able to see why mail went where it did and correct it.
 */
#include <string.h>

#include "procedure.h"

/* Printable name of a case for reasons. */
static const char *
case_name(const RdCaseView *c)
{
	return c->reference != NULL ? c->reference : "(a case without a reference)";
}

/* Set the decision; takes ownership of @reason. */
static void
set_decision(RdDecision *out, RdKind kind, RdVia via, const RdCaseView *match,
             gboolean to_triage, char *reason)
{
	out->kind = kind;
	out->via = via;
	out->match = match;
	out->to_triage = to_triage;
	g_free(out->reason);
	out->reason = reason;
}

static void
set_suggestion(RdDecision *out, const RdCaseView *c)
{
	g_clear_pointer(&out->suggestion, g_free);
	if (c != NULL && c->reference != NULL)
		out->suggestion = g_strdup(c->reference);
}

/* The first quoted case whose sender is a party, or NULL. */
static const RdCaseView *
first_party_ref(const RdThreadInput *in)
{
	for (guint i = 0; i < in->n_ref_cases; i++) {
		const RdCaseView *c = in->ref_cases[i];
		if (c != NULL && c->sender_is_party)
			return c;
	}
	return NULL;
}

static const RdCaseView *
first_ref(const RdThreadInput *in)
{
	for (guint i = 0; i < in->n_ref_cases; i++) {
		if (in->ref_cases[i] != NULL)
			return in->ref_cases[i];
	}
	return NULL;
}

/* The best case to suggest to a person when no rule may attach the message
 * itself: the strongest evidence first. */
static const RdCaseView *
best_guess(const RdThreadInput *in)
{
	if (in->token_case != NULL)
		return in->token_case;
	if (in->header_case != NULL)
		return in->header_case;
	if (first_party_ref(in) != NULL)
		return first_party_ref(in);
	return first_ref(in);
}

/* " It quotes CMP-…, which matches no case." or "" — owned. */
static char *
unknown_refs_note(const RdThreadInput *in)
{
	GString *s = g_string_new(NULL);
	guint n = 0;

	for (guint i = 0; i < in->n_unknown_refs; i++) {
		const char *r = in->unknown_refs[i];
		if (r == NULL)
			continue;
		g_string_append(s, n == 0 ? " It quotes " : ", ");
		g_string_append(s, r);
		n++;
	}
	if (n == 1)
		g_string_append(s, ", which matches no case.");
	else if (n > 1)
		g_string_append(s, ", which match no case.");
	return g_string_free(s, FALSE);
}

/* How the case was found, as the start of a sentence. */
static char *
how_found(RdVia via, const RdCaseView *c)
{
	switch (via) {
	case RD_VIA_TOKEN:
		return g_strdup_printf("Sent to the reply address of %s (valid token)",
		                       case_name(c));
	case RD_VIA_HEADERS:
		return g_strdup_printf("In-Reply-To/References name a message on %s",
		                       case_name(c));
	case RD_VIA_REFERENCE:
		return g_strdup_printf("Quotes case reference %s and the sender is "
		                       "a party to that case", case_name(c));
	case RD_VIA_SENDER:
		return g_strdup_printf("Sent to the Stage 2 mailbox; %s is the "
		                       "sender's only case whose Stage 1 is closed",
		                       case_name(c));
	case RD_VIA_NONE:
	case RD_VIA_NEW:
	default:
		break;
	}
	g_return_val_if_reached(g_strdup("Matched"));
}

static void
decide_fatal(const RdThreadInput *in, RdDecision *out)
{
	const RdCaseView *guess = best_guess(in);

	set_decision(out, RD_KIND_TRIAGE, RD_VIA_NONE, NULL, TRUE,
	             g_strdup_printf("The message could not be read reliably (%s); "
	                             "a person must check it before it is put "
	                             "on any case.", in->fatal_problem));
	set_suggestion(out, guess);
}

/* Bounces and automatic mail: attached only on strong evidence (token or
 * headers). A quoted reference is not enough, because an out-of-office or
 * a bounce quotes whatever it was sent, and neither may ever open a case
 * or ask for Stage 2. */
static void
decide_machine(const RdThreadInput *in, RdDecision *out, RdKind kind)
{
	const gboolean bounce = kind == RD_KIND_BOUNCE;
	g_autofree char *what = NULL;
	const RdCaseView *c = NULL;
	RdVia via = RD_VIA_NONE;

	if (bounce)
		what = g_strdup("Delivery failure report");
	else if (in->auto_reason != NULL)
		what = g_strdup_printf("Automatic mail (%s)", in->auto_reason);
	else
		what = g_strdup("Automatic mail");

	if (in->token_case != NULL) {
		c = in->token_case;
		via = RD_VIA_TOKEN;
	} else if (in->header_case != NULL) {
		c = in->header_case;
		via = RD_VIA_HEADERS;
	}

	if (c != NULL) {
		const char *effect = bounce
			? "recorded on the case; the handler must check which "
			  "letter was not delivered"
			: "recorded on the case, not answered, and no clock moves";
		g_autofree char *how = how_found(via, c);
		set_decision(out, kind, via, c, FALSE,
		             g_strdup_printf("%s. %s: %s.", how, what, effect));
		return;
	}

	const RdCaseView *guess = best_guess(in);
	g_autofree char *quoted = guess != NULL
		? g_strdup_printf(" It quotes %s.", case_name(guess))
		: g_strdup("");
	if (bounce) {
		set_decision(out, kind, RD_VIA_NONE, NULL, TRUE,
		             g_strdup_printf("A delivery failure that names none "
		                             "of our messages; a person must find "
		                             "the letter that failed.%s", quoted));
	} else {
		set_decision(out, kind, RD_VIA_NONE, NULL, TRUE,
		             g_strdup_printf("%s that names none of our cases; not "
		                             "answered, listed for a person to "
		                             "check.%s", what, quoted));
	}
	set_suggestion(out, guess);
}

/* A human message found a case @c by @via: correspondence, or a Stage 2
 * request if Stage 1 is closed and the message asks for it. */
static void
decide_on_case(const RdThreadInput *in, RdDecision *out,
               const RdCaseView *c, RdVia via)
{
	g_autofree char *how = how_found(via, c);
	const gboolean to_stage2 = in->mailbox == RD_MAILBOX_STAGE2;

	switch (c->state) {
	case RD_CASE_STAGE1_CLOSED:
		if (to_stage2) {
			set_decision(out, RD_KIND_STAGE2_REQUEST, via, c, FALSE,
			             g_strdup_printf("%s. Sent to the Stage 2 mailbox "
			                             "and Stage 1 is closed: a request "
			                             "for Stage 2.", how));
			return;
		}
		if (rd_text_asks_stage2(in->subject, in->new_text,
		                        in->stage2_phrases)) {
			set_decision(out, RD_KIND_STAGE2_REQUEST, via, c, FALSE,
			             g_strdup_printf("%s. Stage 1 is closed and the "
			                             "message asks to take the "
			                             "complaint further: a request for "
			                             "Stage 2.", how));
			return;
		}
		set_decision(out, RD_KIND_CORRESPONDENCE, via, c, FALSE,
		             g_strdup_printf("%s. Correspondence on a case whose "
		                             "Stage 1 is closed; it does not ask "
		                             "for Stage 2.", how));
		return;
	case RD_CASE_STAGE1:
		set_decision(out, RD_KIND_CORRESPONDENCE, via, c, FALSE,
		             g_strdup_printf("%s. Correspondence on a case open at "
		                             "Stage 1.%s", how, to_stage2
		                             ? " It was sent to the Stage 2 mailbox, "
		                               "but Stage 1 is still open."
		                             : ""));
		return;
	case RD_CASE_STAGE2:
		set_decision(out, RD_KIND_CORRESPONDENCE, via, c, FALSE,
		             g_strdup_printf("%s. Correspondence on a case open at "
		                             "Stage 2.", how));
		return;
	case RD_CASE_CLOSED:
	default:
		set_decision(out, RD_KIND_CORRESPONDENCE, via, c, FALSE,
		             g_strdup_printf("%s. Correspondence on a closed case.",
		                             how));
		return;
	}
}

/* Rule 6 when no quoted case has the sender as a party. */
static void
decide_not_party(RdDecision *out, const RdCaseView *c)
{
	set_decision(out, RD_KIND_TRIAGE, RD_VIA_NONE, NULL, TRUE,
	             g_strdup_printf("Quotes case reference %s, but the sender is "
	                             "not a party to that case, so it was not "
	                             "added to it.", case_name(c)));
	set_suggestion(out, c);
}

/* Rule 7, Stage 2 mailbox: the sender's one case whose Stage 1 is closed. */
static void
decide_stage2_sender(const RdThreadInput *in, RdDecision *out)
{
	g_autofree char *unknown = unknown_refs_note(in);
	const RdCaseView *first = NULL;
	guint n = 0;

	for (guint i = 0; i < in->n_sender_closed_cases; i++) {
		const RdCaseView *c = in->sender_closed_cases[i];
		if (c == NULL)
			continue;
		if (first == NULL)
			first = c;
		n++;
	}

	if (n == 1 && first->state == RD_CASE_STAGE1_CLOSED) {
		g_autofree char *how = how_found(RD_VIA_SENDER, first);
		set_decision(out, RD_KIND_STAGE2_REQUEST, RD_VIA_SENDER, first,
		             FALSE, g_strdup_printf("%s: a request for Stage 2.%s",
		                                    how, unknown));
		return;
	}
	if (n == 1) {
		/* The caller's list should hold only Stage-1-closed cases; one
		 * already at Stage 2 or finished is not ours to escalate. */
		set_decision(out, RD_KIND_TRIAGE, RD_VIA_NONE, NULL, TRUE,
		             g_strdup_printf("Sent to the Stage 2 mailbox and names "
		                             "no case; the sender's case %s is %s, "
		                             "not awaiting Stage 2.%s",
		                             case_name(first),
		                             rd_case_state_to_string(first->state),
		                             unknown));
		set_suggestion(out, first);
		return;
	}
	if (n == 0) {
		set_decision(out, RD_KIND_TRIAGE, RD_VIA_NONE, NULL, TRUE,
		             g_strdup_printf("Sent to the Stage 2 mailbox, but it "
		                             "names no case and the sender has no "
		                             "case whose Stage 1 is closed.%s",
		                             unknown));
		return;
	}
	set_decision(out, RD_KIND_TRIAGE, RD_VIA_NONE, NULL, TRUE,
	             g_strdup_printf("Sent to the Stage 2 mailbox and names no "
	                             "case; the sender has %u cases whose Stage 1 "
	                             "is closed, the most recent %s.%s",
	                             n, case_name(first), unknown));
	set_suggestion(out, first);
}

/* Before rule 7: mail that would open a case but looks like a machine
 * talking to our letters goes to a person instead, with the reason. A
 * person who really complains twice is answered from triage in a minute;
 * a loop left alone opens a case (clock, notices, holding replies,
 * overdue alerts) on every turn. */
static gboolean
looks_like_loop(const RdThreadInput *in, RdDecision *out)
{
	const char *who = in->sender ? in->sender : "the sender";
	if (in->sender_recent.window_hours > 0 && in->sender_recent.same_text_msg != 0) {
		set_decision(out, RD_KIND_TRIAGE, RD_VIA_NONE, NULL, TRUE,
		             g_strdup_printf("Possible automatic loop: the same subject and text came from %s within the last %u "
		                             "hours (message #%" G_GINT64_FORMAT "), so no new case was opened. If it "
		                             "is a new complaint, open one from triage.", who,
		                             in->sender_recent.window_hours, in->sender_recent.same_text_msg));
		return TRUE;
	}
	if (in->sender_recent.quick_max > 0 && in->sender_recent.quick_answers > in->sender_recent.quick_max) {
		set_decision(out, RD_KIND_TRIAGE, RD_VIA_NONE, NULL, TRUE,
		             g_strdup_printf("Possible automatic loop: %s has answered our letters within %u seconds "
		                             "%u times in 24 hours, so no new case was opened. If it is a new "
		                             "complaint, open one from triage.", who, in->sender_recent.quick_seconds,
		                             in->sender_recent.quick_answers));
		return TRUE;
	}
	if (in->sender_recent.case_cap > 0 && in->sender_recent.cases_opened >= in->sender_recent.case_cap) {
		set_decision(out, RD_KIND_TRIAGE, RD_VIA_NONE, NULL, TRUE,
		             g_strdup_printf("%u %s opened for %s in the last 24 hours, the daily cap, so no "
		                             "more is opened automatically. If it is a new complaint, open one from "
		                             "triage.", in->sender_recent.cases_opened,
		                             in->sender_recent.cases_opened == 1 ? "case was" : "cases were", who));
		return TRUE;
	}
	return FALSE;
}

/* Rule 7, a complaints mailbox: a new complaint at Stage 1. */
static void
decide_new(const RdThreadInput *in, RdDecision *out)
{
	g_autofree char *unknown = unknown_refs_note(in);
	const char *where;

	switch (in->mailbox) {
	case RD_MAILBOX_CHIEF_EXECUTIVE:
		where = "to the Chief Executive, handled as a normal complaint";
		break;
	case RD_MAILBOX_MONITORING_OFFICER:
		where = "to the Monitoring Officer, handled as a normal complaint";
		break;
	case RD_MAILBOX_COMPLAINTS:
	default:
		where = "to the complaints mailbox";
		break;
	}
	/* Escalation wording with nothing to escalate usually means an
	 * earlier case we could not find; say so rather than guess. */
	const char *hint = rd_text_asks_stage2(in->subject, in->new_text,
	                                       in->stage2_phrases)
		? " It asks to take a complaint further; check for an earlier case."
		: "";

	if (looks_like_loop(in, out))
		return;
	set_decision(out, RD_KIND_NEW_COMPLAINT, RD_VIA_NEW, NULL, FALSE,
	             g_strdup_printf("No reply token, message header or case "
	                             "reference matched: a new complaint %s at "
	                             "Stage 1 (channel %s).%s%s", where,
	                             rd_channel_for_mailbox(in->mailbox),
	                             unknown, hint));
}

void
rd_decide(const RdThreadInput *in, RdDecision *out)
{
	g_return_if_fail(out != NULL);
	memset(out, 0, sizeof(*out));
	g_return_if_fail(in != NULL);

	if (in->fatal_problem != NULL) {
		decide_fatal(in, out);
		return;
	}
	if (in->bounce) {
		decide_machine(in, out, RD_KIND_BOUNCE);
		return;
	}
	if (in->automatic) {
		decide_machine(in, out, RD_KIND_AUTOMATIC);
		return;
	}

	/* Without a sender we can neither reply nor tell whether the writer
	 * is a party, so even a token match is left to a person. */
	if (in->sender == NULL || in->sender[0] == '\0') {
		set_decision(out, RD_KIND_TRIAGE, RD_VIA_NONE, NULL, TRUE,
		             g_strdup("The message has no sender address; a "
		                      "person must decide where it belongs."));
		set_suggestion(out, best_guess(in));
		return;
	}

	if (in->token_case != NULL) {
		decide_on_case(in, out, in->token_case, RD_VIA_TOKEN);
		return;
	}
	if (in->header_case != NULL) {
		decide_on_case(in, out, in->header_case, RD_VIA_HEADERS);
		return;
	}
	if (first_ref(in) != NULL) {
		const RdCaseView *party = first_party_ref(in);

		if (party != NULL)
			decide_on_case(in, out, party, RD_VIA_REFERENCE);
		else
			decide_not_party(out, first_ref(in));
		return;
	}

	switch (in->mailbox) {
	case RD_MAILBOX_STAGE2:
		decide_stage2_sender(in, out);
		return;
	case RD_MAILBOX_COMPLAINTS:
	case RD_MAILBOX_CHIEF_EXECUTIVE:
	case RD_MAILBOX_MONITORING_OFFICER:
		decide_new(in, out);
		return;
	case RD_MAILBOX_N:
	default:
		break;
	}
	set_decision(out, RD_KIND_TRIAGE, RD_VIA_NONE, NULL, TRUE,
	             g_strdup("Delivered to a mailbox the procedure does not "
	                      "know; a person must decide."));
}

void
rd_decision_clear(RdDecision *d)
{
	if (d == NULL)
		return;
	g_clear_pointer(&d->reason, g_free);
	g_clear_pointer(&d->suggestion, g_free);
	d->match = NULL;
}
