/*
 * variables.c — the names the shipped letters may use.
 *
 * One table, in rd_template_check() form: "x" is a string, "x[]" a list
 * and "x[].f" a field of a list item. templates/README.md explains each
 * name; keep the two in step. Dates are given already formatted in the
 * letter's language ("3 March 2026", "3 Mawrth 2026"); the renderer does
 * no formatting of its own.
 */
#include "templates-private.h"

static const char *const letter_variables[] = {
	/* the council (config) */
	"council.name",            /* "Example County Council" */
	"council.email",           /* the complaints address */
	"council.phone",
	"council.website",

	/* the case */
	"case.reference",          /* "CMP-2026-000123" */
	"case.received",           /* date the complaint counts as received */
	"case.received_on",        /* the same with its preposition: "on Friday
	                              4 December 2026", "ar ddydd Gwener 4 Rhagfyr
	                              2026" (Welsh mutates after "ar") */
	"case.reply_by",           /* date the (current stage) response is due */
	"case.new_date",           /* the extended date of a holding reply */
	"case.escalate_by",        /* last date to ask for Stage 2 */
	"case.department_notice_by", /* Stage 2: date the department must be told
	                              (staff letters only) */
	"case.stage",              /* "1" or "2" */
	"case.subject",            /* subject line of the complaint */
	"case.excerpt",            /* first lines of the complaint, as written */
	"case.summary",            /* a person's summary of the complaint */
	"case.service",            /* service or department concerned */
	"case.channel",            /* how it came in: email, chief-executive, ... */
	"case.outcome",            /* upheld, partly upheld, not upheld, ... */
	"case.reply_address",      /* the case token address (Reply-To) */
	"case.url",                /* link to the case for staff, may be empty */

	/* people */
	"complainant.name",
	"complainant.email",
	"handler.name",            /* officer (their name from the staff
	                              directory, else their address) or team */
	"handler.email",
	"handler.phone",
	"office.name",             /* office that received the mail: Chief
	                              Executive, Monitoring Officer */
	"staff.name",              /* the member of staff a staff notice is
	                              about: who sent the commands, forwarded
	                              the complaint, or whose address was used */
	"staff.email",

	"recipient.name",          /* staff notices: the name of the member of
	                              staff it goes to (staff directory), or
	                              empty: "Hello," */

	/* the Ombudsman of the procedure profile */
	"ombudsman.name",
	"ombudsman.website",
	"ombudsman.phone",

	/* free text */
	"reason",                  /* reason for delay, or for a Stage 2
	                              decision */
	"message.text",            /* staff-reply: the member of staff's words
	                              to relay; command-result: what was and
	                              was not done */
	"attachments.left_out",    /* staff-new-case, staff-correspondence: the
	                              complainant's files too large to send on
	                              with the notice, named with their sizes */

	/* oversight-report: the period and its headline figures, counted as
	   the SPSO figures are (report/mail.c); counts only */
	"report.period",           /* in words: "1 July to 30 September 2026",
	                              "1 Gorffennaf i 30 Medi 2026" */
	"report.attachment",       /* the attached file's name:
	                              "complaints-report-2026Q3.html" */
	"report.received",         /* complaints received in the period */
	"report.closed",           /* complaints closed in the period */
	"report.stage1_closed",    /* closed at Stage 1 */
	"report.stage1_within",    /* … of them within 5 working days */
	"report.stage1_within_percent", /* "80.0"; empty when none closed */
	"report.stage1_average_days",   /* "3.4" working days; empty when none closed */
	"report.stage2_closed",    /* closed at Stage 2 (directly or after
	                              escalation) */
	"report.stage2_within",    /* … of them within 20 working days */
	"report.stage2_within_percent",
	"report.stage2_average_days",

	/* learning actions (action-reminder, action-overdue, action-escalated) */
	"action.id",               /* its number: "12" */
	"action.text",             /* what will change */
	"action.due",              /* its target date, in words */
	"action.status",           /* proposed, agreed */
	"action.owner",            /* its owner's name (staff directory), else address */
	"action.owner_email",
	"action.service",          /* the service it belongs to; may be empty */
	"action.cases",            /* the references of its cases, "A, B"; may be empty */
	"action.reply_address",    /* the recipient's reply address for the
	                              action (also Reply-To), for #done,
	                              #verified, #extend */

	/* satisfaction surveys (survey, staff-survey) */
	"survey.questions",        /* the numbered questions, each with its
	                              1-to-5 scale, the comments last
	                              (procedure/survey.c), in the letter's
	                              language */
	"survey.answer_by",        /* the last day a reply counts, in words */
	/* flags: set with rd_tpl_values_set_flag() */
	"flag.ombudsman_details",  /* holding reply: give Ombudsman details */
	"flag.referred_back",      /* stage2-declined: referred back to the
	                              service rather than declined */
	"flag.final_stage",        /* closing letter: Stage 2 was the last stage,
	                              so the next step is the Ombudsman */
	"flag.assigned",           /* staff notices: the case has a handler */
	"flag.final_response",     /* staff-reply: the reply is the stage's
	                              response, so the rights that follow are
	                              given as in a closing letter */
	"flag.language_unsure",    /* Stage 1 acknowledgement: the complaint's
	                              words did not say Welsh or English, so
	                              the letter asks in both */

	/* lists */
	"points[]",                /* issues, one string each: {{.}} */
	NULL
};

const char *const *
rd_letter_variable_names(void)
{
	return letter_variables;
}
