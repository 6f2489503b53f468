/*
 * test-staffcmd.c — the #commands of staff mail (procedure/commands.c).
 *
 * One table row per line a member of staff might write: every command
 * with good and bad arguments, what Outlook and phones do to a line, each
 * date form, and what must stay text. Each row is its own test path
 * (/staffcmd/row/NAME), so a failure names the case. Then the rules that
 * span lines: the block ends at the first text line, line numbers,
 * duplicates, contradictions, the body.
 */
#include <string.h>

#include "procedure.h"

/* Row.cmd holds a kind plus one, so 0 (the default) means "no command". */
#define K(k) ((k) + 1)

typedef struct {
	const char *name;
	const char *text;
	int cmd;             /* K(kind) of the one command expected, or 0 */
	const char *arg;     /* expected exactly (NULL: NULL) */
	const char *who;     /* #new's name */
	const char *rest;
	int plus_days;
	gboolean force;
	const char *value;   /* #ombudsman's finding */
	const char *date;    /* #ombudsman's date */
	const char *error;   /* part of the one error expected, or NULL */
	const char *body;    /* expected body, or NULL: not checked */
	gboolean no_prefix;  /* parse with a NULL reference prefix */
} Row;

static const Row rows[] = {
	/* #assign */
	{ .name = "assign", .text = "#assign jo.bloggs@council.example", .cmd = K(RD_CMD_ASSIGN), .arg = "jo.bloggs@council.example" },
	{ .name = "assign-outlook-caps", .text = "#Assign Jo.Bloggs@Council.Example.", .cmd = K(RD_CMD_ASSIGN), .arg = "jo.bloggs@council.example" },
	{ .name = "assign-brackets", .text = "#assign <jo@council.example>", .cmd = K(RD_CMD_ASSIGN), .arg = "jo@council.example" },
	{ .name = "assign-display-name", .text = "#assign Jo Bloggs <jo@council.example>", .cmd = K(RD_CMD_ASSIGN), .arg = "jo@council.example" },
	{ .name = "assign-outlook-mailto", .text = "#assign jo@council.example<mailto:jo@council.example>", .cmd = K(RD_CMD_ASSIGN), .arg = "jo@council.example" },
	{ .name = "assign-mailto", .text = "#assign mailto:Jo@council.example", .cmd = K(RD_CMD_ASSIGN), .arg = "jo@council.example" },
	{ .name = "assign-colon", .text = "#assign: jo@council.example", .cmd = K(RD_CMD_ASSIGN), .arg = "jo@council.example" },
	{ .name = "assign-rest", .text = "#assign jo@council.example please call her first", .cmd = K(RD_CMD_ASSIGN), .arg = "jo@council.example", .rest = "please call her first" },
	{ .name = "assign-nbsp", .text = "#assign\xc2\xa0jo@council.example", .cmd = K(RD_CMD_ASSIGN), .arg = "jo@council.example" },
	{ .name = "assign-missing", .text = "#assign", .error = "#assign needs the email address" },
	{ .name = "assign-missing-dot", .text = "#assign.", .error = "#assign needs the email address" },
	{ .name = "assign-not-address", .text = "#assign jo.bloggs", .error = "#assign: 'jo.bloggs' is not an email address" },
	{ .name = "assign-name-only", .text = "#assign Jo Bloggs", .error = "'Jo' is not an email address" },
	{ .name = "assign-no-dot-domain", .text = "#assign jo@localhost", .error = "is not an email address" },
	{ .name = "assign-two-ats", .text = "#assign jo@@council.example", .error = "is not an email address" },
	{ .name = "assign-link-mismatch", .text = "#assign jo@council.example<mailto:eve@evil.example>", .error = "is not an email address" },
	{ .name = "assign-not-ascii", .text = "#assign j\xc3\xb6@council.example", .error = "is not an email address" },
	{ .name = "assign-bad-label", .text = "#assign jo@-council.example", .error = "is not an email address" },

	/* #service */
	{ .name = "service", .text = "#service Housing", .cmd = K(RD_CMD_SERVICE), .arg = "Housing" },
	{ .name = "service-words", .text = "#service   Children's  services.", .cmd = K(RD_CMD_SERVICE), .arg = "Children's services" },
	{ .name = "service-blank-before-stop", .text = "#service Housing .", .cmd = K(RD_CMD_SERVICE), .arg = "Housing" },
	{ .name = "service-missing", .text = "#service", .error = "#service needs the name of the service" },

	/* #outcome */
	{ .name = "outcome-upheld", .text = "#outcome upheld", .cmd = K(RD_CMD_OUTCOME), .arg = "upheld" },
	{ .name = "outcome-outlook", .text = "#Outcome Upheld.", .cmd = K(RD_CMD_OUTCOME), .arg = "upheld" },
	{ .name = "outcome-shouting", .text = "#OUTCOME PARTLY-UPHELD", .cmd = K(RD_CMD_OUTCOME), .arg = "partly-upheld" },
	{ .name = "outcome-partly-spaced", .text = "#outcome Partly upheld.", .cmd = K(RD_CMD_OUTCOME), .arg = "partly-upheld" },
	{ .name = "outcome-partially", .text = "#outcome partially upheld", .cmd = K(RD_CMD_OUTCOME), .arg = "partly-upheld" },
	{ .name = "outcome-en-dash", .text = "#outcome partly\xe2\x80\x93upheld", .cmd = K(RD_CMD_OUTCOME), .arg = "partly-upheld" },
	{ .name = "outcome-not-upheld", .text = "#outcome not upheld", .cmd = K(RD_CMD_OUTCOME), .arg = "not-upheld" },
	{ .name = "outcome-not-upheld-rest", .text = "#outcome not-upheld, see the letter", .cmd = K(RD_CMD_OUTCOME), .arg = "not-upheld", .rest = "see the letter" },
	{ .name = "outcome-resolved", .text = "#outcome: resolved", .cmd = K(RD_CMD_OUTCOME), .arg = "resolved" },
	{ .name = "outcome-quoted", .text = "#outcome 'upheld'", .cmd = K(RD_CMD_OUTCOME), .arg = "upheld" },
	{ .name = "outcome-bad", .text = "#outcome uphold", .error = "#outcome needs one of upheld, partly-upheld, not-upheld, resolved (got 'uphold')" },
	{ .name = "outcome-bad-two-words", .text = "#outcome not upheldd", .error = "(got 'not upheldd')" },
	{ .name = "outcome-missing", .text = "#outcome", .error = "#outcome needs one of upheld, partly-upheld, not-upheld, resolved" },
	{ .name = "outcome-comma-split", .text = "#outcome partly, upheld", .error = "(got 'partly')" },

	/* #final */
	{ .name = "final", .text = "#final", .cmd = K(RD_CMD_FINAL) },
	{ .name = "final-outlook", .text = "#Final.", .cmd = K(RD_CMD_FINAL) },
	{ .name = "final-rest", .text = "#final the letter is below", .cmd = K(RD_CMD_FINAL), .rest = "the letter is below" },

	/* #close */
	{ .name = "close-withdrawn", .text = "#close withdrawn complainant phoned to withdraw", .cmd = K(RD_CMD_CLOSE), .arg = "withdrawn", .rest = "complainant phoned to withdraw" },
	{ .name = "close-excluded", .text = "#Close Excluded: legal proceedings started.", .cmd = K(RD_CMD_CLOSE), .arg = "excluded", .rest = "legal proceedings started." },
	{ .name = "close-no-reason", .text = "#close withdrawn", .error = "#close withdrawn needs a reason after it" },
	{ .name = "close-bad", .text = "#close resolved it is sorted", .error = "#close needs withdrawn or excluded, then the reason (got 'resolved')" },
	{ .name = "close-missing", .text = "#close", .error = "#close needs withdrawn or excluded" },

	/* #holding: dates */
	{ .name = "holding-iso", .text = "#holding 2027-02-26 waiting for the contractor's report", .cmd = K(RD_CMD_HOLDING), .arg = "2027-02-26", .rest = "waiting for the contractor's report" },
	{ .name = "holding-uk", .text = "#holding 26/02/2027 waiting", .cmd = K(RD_CMD_HOLDING), .arg = "2027-02-26", .rest = "waiting" },
	{ .name = "holding-uk-short", .text = "#holding 6/2/2027 waiting", .cmd = K(RD_CMD_HOLDING), .arg = "2027-02-06", .rest = "waiting" },
	{ .name = "holding-uk-punct", .text = "#holding 06/02/2027, waiting", .cmd = K(RD_CMD_HOLDING), .arg = "2027-02-06", .rest = "waiting" },
	{ .name = "holding-words", .text = "#holding 5 January 2027 waiting", .cmd = K(RD_CMD_HOLDING), .arg = "2027-01-05", .rest = "waiting" },
	{ .name = "holding-words-ordinal", .text = "#holding 5th January, 2027 waiting", .cmd = K(RD_CMD_HOLDING), .arg = "2027-01-05", .rest = "waiting" },
	{ .name = "holding-words-short", .text = "#holding 1 Sept 2027 waiting", .cmd = K(RD_CMD_HOLDING), .arg = "2027-09-01", .rest = "waiting" },
	{ .name = "holding-welsh", .text = "#holding 5 Ionawr 2027 aros am yr adroddiad", .cmd = K(RD_CMD_HOLDING), .arg = "2027-01-05", .rest = "aros am yr adroddiad" },
	{ .name = "holding-welsh-leap", .text = "#holding 29 Chwefror 2028 aros", .cmd = K(RD_CMD_HOLDING), .arg = "2028-02-29", .rest = "aros" },
	{ .name = "holding-welsh-july", .text = "#holding 3ydd Gorffennaf 2027 aros", .cmd = K(RD_CMD_HOLDING), .arg = "2027-07-03", .rest = "aros" },
	{ .name = "holding-welsh-december", .text = "#holding 1af RHAGFYR 2027 aros", .cmd = K(RD_CMD_HOLDING), .arg = "2027-12-01", .rest = "aros" },
	{ .name = "holding-welsh-may", .text = "#holding 31 Mai 2027 aros", .cmd = K(RD_CMD_HOLDING), .arg = "2027-05-31", .rest = "aros" },
	{ .name = "holding-impossible", .text = "#holding 31/02/2027 waiting", .error = "#holding 31/02/2027: not a date — write 2027-02-26, 26/02/2027 or +5 (working days)" },
	{ .name = "holding-not-leap", .text = "#holding 29/02/2027 waiting", .error = "#holding 29/02/2027: not a date" },
	{ .name = "holding-month-13", .text = "#holding 2027-13-01 waiting", .error = "#holding 2027-13-01: not a date" },
	{ .name = "holding-us-order", .text = "#holding 02/26/2027 waiting", .error = "#holding 02/26/2027: not a date" },
	{ .name = "holding-june-31", .text = "#holding 31 June 2027 waiting", .error = "#holding 31 June 2027: not a date" },
	{ .name = "holding-welsh-impossible", .text = "#holding 31 Mehefin 2027 aros", .error = "#holding 31 Mehefin 2027: not a date" },
	{ .name = "holding-two-digit-year", .text = "#holding 26/02/27 waiting", .error = "#holding 26/02/27: not a date" },
	{ .name = "holding-year-range", .text = "#holding 1/1/2207 waiting", .error = "the year must be 2000 to 2099" },
	{ .name = "holding-dashes-dmy", .text = "#holding 26-02-2027 waiting", .error = "not a date" },
	{ .name = "holding-words-no-year", .text = "#holding 5 January waiting", .error = "#holding 5 January waiting: not a date" },
	{ .name = "holding-not-date", .text = "#holding next week", .error = "#holding next: not a date" },
	{ .name = "holding-missing", .text = "#holding", .error = "#holding needs a date or +N" },
	{ .name = "holding-no-reason", .text = "#holding 2027-02-26", .error = "#holding 2027-02-26 needs a reason after the date" },
	/* #holding: working days */
	{ .name = "holding-plus", .text = "#holding +5 waiting for the report", .cmd = K(RD_CMD_HOLDING), .rest = "waiting for the report", .plus_days = 5 },
	{ .name = "holding-plus-wd", .text = "#holding +5wd waiting", .cmd = K(RD_CMD_HOLDING), .rest = "waiting", .plus_days = 5 },
	{ .name = "holding-plus-working-days", .text = "#holding +10 working days, waiting", .cmd = K(RD_CMD_HOLDING), .rest = "waiting", .plus_days = 10 },
	{ .name = "holding-plus-days", .text = "#holding +5 days waiting", .error = "+N counts working days" },
	{ .name = "holding-plus-zero", .text = "#holding +0 waiting", .error = "give from +1 to +365 working days" },
	{ .name = "holding-plus-big", .text = "#holding +400 waiting", .error = "give from +1 to +365 working days" },
	{ .name = "holding-plus-junk", .text = "#holding +5x waiting", .error = "#holding +5x: not a date" },
	{ .name = "holding-plus-no-reason", .text = "#holding +5", .error = "#holding +5 needs a reason after the date" },
	/* #holding! */
	{ .name = "holding-force", .text = "#holding! 2027-03-01 manager agreed", .cmd = K(RD_CMD_HOLDING), .arg = "2027-03-01", .rest = "manager agreed", .force = TRUE },
	{ .name = "holding-force-outlook", .text = "#Holding! +30 agreed with the complainant", .cmd = K(RD_CMD_HOLDING), .rest = "agreed with the complainant", .plus_days = 30, .force = TRUE },
	{ .name = "holding-force-error", .text = "#holding! someday", .error = "#holding! someday: not a date" },

	/* #stage2 */
	{ .name = "stage2-investigate", .text = "#stage2 investigate", .cmd = K(RD_CMD_STAGE2), .arg = "investigate" },
	{ .name = "stage2-refer-back", .text = "#stage2 refer back the service has not answered", .cmd = K(RD_CMD_STAGE2), .arg = "refer-back", .rest = "the service has not answered" },
	{ .name = "stage2-decline", .text = "#Stage2 Decline nothing new raised", .cmd = K(RD_CMD_STAGE2), .arg = "decline", .rest = "nothing new raised" },
	{ .name = "stage2-decline-no-reason", .text = "#stage2 decline", .error = "#stage2 decline needs a reason after it" },
	{ .name = "stage2-bad", .text = "#stage2 escalate", .error = "#stage2 needs one of investigate, refer-back, decline (got 'escalate')" },

	/* #notify-dept */
	{ .name = "notify-dept", .text = "#notify-dept housing@council.example", .cmd = K(RD_CMD_NOTIFY_DEPT), .arg = "housing@council.example" },
	{ .name = "notify-dept-caps", .text = "#Notify-Dept Housing@Council.Example", .cmd = K(RD_CMD_NOTIFY_DEPT), .arg = "housing@council.example" },
	{ .name = "notify-dept-bad", .text = "#notify-dept housing", .error = "#notify-dept: 'housing' is not an email address" },
	{ .name = "notify-dept-missing", .text = "#notify-dept", .error = "#notify-dept needs the email address of the department" },

	/* #link */
	{ .name = "link", .text = "#link CMP-2026-000123", .cmd = K(RD_CMD_LINK), .arg = "CMP-2026-000123" },
	{ .name = "link-spaced", .text = "#link cmp 2026 123", .cmd = K(RD_CMD_LINK), .arg = "CMP-2026-000123" },
	{ .name = "link-slashes-rest", .text = "#link CMP/2026/123 same road", .cmd = K(RD_CMD_LINK), .arg = "CMP-2026-000123", .rest = "same road" },
	{ .name = "link-compact", .text = "#link cmp2026000123.", .cmd = K(RD_CMD_LINK), .arg = "CMP-2026-000123" },
	{ .name = "link-other-system", .text = "#link HO-12345", .cmd = K(RD_CMD_LINK), .arg = "HO-12345" },
	{ .name = "link-quoted", .text = "#link 'cmp-2026-000123'.", .cmd = K(RD_CMD_LINK), .arg = "CMP-2026-000123" },
	{ .name = "link-too-long", .text = "#link CMP-2026-0001234", .cmd = K(RD_CMD_LINK), .arg = "CMP-2026-0001234" },
	{ .name = "link-no-prefix", .text = "#link cmp-2026-000123", .cmd = K(RD_CMD_LINK), .arg = "cmp-2026-000123", .no_prefix = TRUE },
	{ .name = "link-missing", .text = "#link", .error = "#link needs the reference of the other case, e.g. #link CMP-2026-000123" },

	/* #language */
	{ .name = "language-cy", .text = "#language cy", .cmd = K(RD_CMD_LANGUAGE), .arg = "cy" },
	{ .name = "language-en-caps", .text = "#Language EN.", .cmd = K(RD_CMD_LANGUAGE), .arg = "en" },
	{ .name = "language-welsh", .text = "#language Welsh", .cmd = K(RD_CMD_LANGUAGE), .arg = "cy" },
	{ .name = "language-cymraeg", .text = "#language Cymraeg", .cmd = K(RD_CMD_LANGUAGE), .arg = "cy" },
	{ .name = "language-bad", .text = "#language fr", .error = "#language needs en (English) or cy (Welsh) (got 'fr')" },

	/* #cause */
	{ .name = "cause", .text = "#cause the round was not updated", .cmd = K(RD_CMD_CAUSE), .rest = "the round was not updated" },
	{ .name = "cause-missing", .text = "#cause", .error = "#cause needs the underlying cause" },

	/* #remedy */
	{ .name = "remedy", .text = "#remedy Apology and £50", .cmd = K(RD_CMD_REMEDY), .rest = "Apology and £50" },
	{ .name = "remedy-missing", .text = "#remedy", .error = "#remedy needs what was given" },

	/* #ombudsman */
	{ .name = "ombudsman-referred", .text = "#ombudsman referred", .cmd = K(RD_CMD_OMBUDSMAN), .arg = "referred" },
	{ .name = "ombudsman-referred-date", .text = "#Ombudsman Referred 3/11/2026", .cmd = K(RD_CMD_OMBUDSMAN), .arg = "referred",
	  .date = "2026-11-03" },
	{ .name = "ombudsman-decided", .text = "#ombudsman decided not upheld", .cmd = K(RD_CMD_OMBUDSMAN), .arg = "decided",
	  .value = "not-upheld" },
	{ .name = "ombudsman-decided-date", .text = "#ombudsman decided partially upheld 5 January 2027", .cmd = K(RD_CMD_OMBUDSMAN),
	  .arg = "decided", .value = "partly-upheld", .date = "2027-01-05" },
	{ .name = "ombudsman-not-investigated", .text = "#ombudsman decided not investigated.", .cmd = K(RD_CMD_OMBUDSMAN),
	  .arg = "decided", .value = "not-investigated" },
	{ .name = "ombudsman-no-finding", .text = "#ombudsman decided", .error = "#ombudsman decided needs the finding" },
	{ .name = "ombudsman-bad-finding", .text = "#ombudsman decided maybe", .error = "#ombudsman decided needs the finding" },
	{ .name = "ombudsman-bad-date", .text = "#ombudsman referred yesterday", .error = "'yesterday' is not a date" },
	{ .name = "ombudsman-after-date", .text = "#ombudsman referred 2026-11-03 by phone", .error = "unexpected 'by phone' after the date" },
	{ .name = "ombudsman-missing", .text = "#ombudsman", .error = "#ombudsman referred, or #ombudsman decided" },

	/* #action, and #done, #verified, #extend (replies to an action's letter) */
	{ .name = "action", .text = "#action Jo.Bloggs@Council.Example 2027-03-31 Crews get the new round lists", .cmd = K(RD_CMD_ACTION),
	  .arg = "jo.bloggs@council.example", .date = "2027-03-31", .rest = "Crews get the new round lists" },
	{ .name = "action-uk-date", .text = "#Action <jo@council.example> 31/03/2027 Train the call centre.", .cmd = K(RD_CMD_ACTION),
	  .arg = "jo@council.example", .date = "2027-03-31", .rest = "Train the call centre." },
	{ .name = "action-words-date", .text = "#action jo@council.example 31 March 2027 new letters", .cmd = K(RD_CMD_ACTION),
	  .arg = "jo@council.example", .date = "2027-03-31", .rest = "new letters" },
	{ .name = "action-no-text", .text = "#action jo@council.example 2027-03-31", .error = "#action needs the owner's address, the target date and what will change" },
	{ .name = "action-no-date", .text = "#action jo@council.example soon", .error = "#action: 'soon' is not a date" },
	{ .name = "action-bad-owner", .text = "#action jo 2027-03-31 x", .error = "#action: 'jo' is not an email address" },
	{ .name = "action-missing", .text = "#action", .error = "#action needs the owner's address" },
	{ .name = "done", .text = "#done Lists issued 3 March; copy on the intranet.", .cmd = K(RD_CMD_DONE), .rest = "Lists issued 3 March; copy on the intranet." },
	{ .name = "done-missing", .text = "#done", .error = "#done needs what shows it was done" },
	{ .name = "verified", .text = "#Verified.", .cmd = K(RD_CMD_VERIFIED) },
	{ .name = "verified-note", .text = "#verified checked with the crews", .cmd = K(RD_CMD_VERIFIED), .rest = "checked with the crews" },
	{ .name = "extend", .text = "#extend 30/04/2027 the contractor starts in April", .cmd = K(RD_CMD_EXTEND), .arg = "2027-04-30",
	  .rest = "the contractor starts in April" },
	{ .name = "extend-no-reason", .text = "#extend 2027-04-30", .error = "#extend 2027-04-30 needs a reason after the date" },
	{ .name = "extend-bad-date", .text = "#extend later because", .error = "#extend: 'later' is not a date" },

	/* #note */
	{ .name = "note-text", .text = "#note called the complainant", .cmd = K(RD_CMD_NOTE), .rest = "called the complainant" },
	{ .name = "note-alone", .text = "#note\n\nSpoke to the contractor.\nThey will visit.", .cmd = K(RD_CMD_NOTE), .body = "Spoke to the contractor.\nThey will visit." },

	/* #new */
	{ .name = "new-address", .text = "#new Jane Smith <jane@example.com>", .cmd = K(RD_CMD_NEW), .arg = "jane@example.com", .who = "Jane Smith" },
	{ .name = "new-bare-address", .text = "#new Jane Smith Jane@Example.com", .cmd = K(RD_CMD_NEW), .arg = "jane@example.com", .who = "Jane Smith" },
	{ .name = "new-no-address", .text = "#new Jane Smith", .cmd = K(RD_CMD_NEW), .who = "Jane Smith" },
	{ .name = "new-quoted", .text = "#new \"Smith, Jane\" <Jane@Example.com>", .cmd = K(RD_CMD_NEW), .arg = "jane@example.com", .who = "Smith, Jane" },
	{ .name = "new-outlook", .text = "#new Jane Smith jane@example.com<mailto:jane@example.com>", .cmd = K(RD_CMD_NEW), .arg = "jane@example.com", .who = "Jane Smith" },
	{ .name = "new-welsh-name", .text = "#new Siân Llŷr <sian@example.com>", .cmd = K(RD_CMD_NEW), .arg = "sian@example.com", .who = "Siân Llŷr" },
	{ .name = "new-blank-before-comma", .text = "#new Jane Smith , <jane@example.com>", .cmd = K(RD_CMD_NEW), .arg = "jane@example.com", .who = "Jane Smith" },
	{ .name = "new-bad-address", .text = "#new Jane Smith <jane>", .error = "#new: '<jane>' is not an email address" },
	{ .name = "new-no-name", .text = "#new <jane@example.com>", .error = "#new needs the complainant's name" },
	{ .name = "new-missing", .text = "#new", .error = "#new needs the complainant's name" },

	/* #channel */
	{ .name = "channel-phone", .text = "#channel phone", .cmd = K(RD_CMD_CHANNEL), .arg = "phone" },
	{ .name = "channel-telephone", .text = "#Channel Telephone.", .cmd = K(RD_CMD_CHANNEL), .arg = "phone" },
	{ .name = "channel-in-person", .text = "#channel in person", .cmd = K(RD_CMD_CHANNEL), .arg = "in-person" },
	{ .name = "channel-letter", .text = "#channel LETTER", .cmd = K(RD_CMD_CHANNEL), .arg = "letter" },
	{ .name = "channel-email", .text = "#channel e-mail", .cmd = K(RD_CMD_CHANNEL), .arg = "email" },
	{ .name = "channel-bad", .text = "#channel fax", .error = "#channel needs one of phone, letter, in-person, email (got 'fax')" },

	/* unknown commands and what is not a command */
	{ .name = "unknown-suggest", .text = "#asign jo@council.example", .error = "unknown command #asign — did you mean #assign?" },
	{ .name = "unknown-transposed", .text = "#otucome upheld", .error = "did you mean #outcome?" },
	{ .name = "unknown-two-edits", .text = "#notifydpt a@council.example", .error = "did you mean #notify-dept?" },
	{ .name = "unknown-bang", .text = "#hodling! +5 agreed", .error = "unknown command #hodling! — did you mean #holding!?" },
	{ .name = "unknown-keeps-case", .text = "#Asign x", .error = "unknown command #Asign — did you mean #assign?" },
	{ .name = "unknown-list", .text = "#frobnicate now", .error = "unknown command #frobnicate — the commands are #assign, #service, #outcome, #final, #close, "
	           "#holding, #holding!, #stage2, #notify-dept, #link, #language, #cause, #note, #new, #channel, #remedy, "
	           "#ombudsman, #action, #done, #verified, #extend" },
	{ .name = "unknown-digit", .text = "#1 priority", .error = "unknown command #1 — the commands are" },
	{ .name = "unknown-welsh-letter", .text = "#ŵyn", .error = "unknown command #ŵyn" },
	{ .name = "space-after-hash", .text = "# assign jo@council.example", .error = "write #assign with no space after the #" },
	{ .name = "heading-is-text", .text = "# Minutes of the meeting\n#final", .body = "# Minutes of the meeting\n#final" },
	{ .name = "hash-alone-is-text", .text = "#\n#final", .body = "#\n#final" },
	{ .name = "hash-punct-is-text", .text = "#!final", .body = "#!final" },
	{ .name = "quoted-is-text", .text = "> #assign jo@council.example", .body = "> #assign jo@council.example" },
	{ .name = "after-text", .text = "Thanks, see below.\n#assign jo@council.example\n#final", .body = "Thanks, see below.\n#assign jo@council.example\n#final" },
	{ .name = "indented", .text = "   #final   \n\nDear Mrs Smith", .cmd = K(RD_CMD_FINAL), .body = "Dear Mrs Smith" },
	{ .name = "bom", .text = "\xef\xbb\xbf#final\nDear Mrs Smith", .cmd = K(RD_CMD_FINAL), .body = "Dear Mrs Smith" },
	{ .name = "crlf", .text = "\r\n#final\r\n\r\nDear Mrs Smith\r\nYours\r\n", .cmd = K(RD_CMD_FINAL), .body = "Dear Mrs Smith\r\nYours" },
	{ .name = "lone-cr", .text = "#final\rDear Mrs Smith", .cmd = K(RD_CMD_FINAL), .body = "Dear Mrs Smith" },
	{ .name = "empty", .text = "", .body = "" },
	{ .name = "only-blank", .text = " \n\t\n", .body = "" },
};

static gboolean
all_valid(const RdCommandBlock *b)
{
	if (!g_utf8_validate(b->body, -1, NULL))
		return FALSE;
	for (guint i = 0; i < b->commands->len; i++) {
		const RdCommand *c = b->commands->pdata[i];
		const char *s[] = { c->text, c->arg, c->name, c->rest };
		for (guint j = 0; j < G_N_ELEMENTS(s); j++)
			if (s[j] != NULL && !g_utf8_validate(s[j], -1, NULL))
				return FALSE;
	}
	for (guint i = 0; i < b->errors->len; i++) {
		const RdCommandError *e = b->errors->pdata[i];
		if (!g_utf8_validate(e->text, -1, NULL) || !g_utf8_validate(e->message, -1, NULL))
			return FALSE;
	}
	return TRUE;
}

static void
test_row(gconstpointer data)
{
	const Row *r = data;
	g_autoptr(RdCommandBlock) b = rd_commands_parse(r->text, r->no_prefix ? NULL : "CMP");

	g_assert_true(all_valid(b));
	for (guint i = 0; i < b->errors->len; i++) {
		const RdCommandError *e = b->errors->pdata[i];
		g_test_message("error line %u: %s", e->line, e->message);
	}
	g_assert_cmpuint(b->commands->len, ==, r->cmd != 0 ? 1 : 0);
	g_assert_cmpuint(b->errors->len, ==, r->error != NULL ? 1 : 0);
	if (r->cmd != 0) {
		const RdCommand *c = b->commands->pdata[0];
		g_assert_cmpint(c->kind, ==, r->cmd - 1);
		g_assert_cmpstr(c->arg, ==, r->arg);
		g_assert_cmpstr(c->name, ==, r->who);
		g_assert_cmpstr(c->rest, ==, r->rest);
		g_assert_cmpstr(c->value, ==, r->value);
		g_assert_cmpstr(c->date, ==, r->date);
		g_assert_cmpint(c->plus_days, ==, r->plus_days);
		g_assert_cmpint(c->force, ==, r->force);
		g_assert_nonnull(c->text);
		g_assert_true(c->text[0] == '#');
	}
	if (r->error != NULL) {
		const RdCommandError *e = b->errors->pdata[0];
		if (strstr(e->message, r->error) == NULL)
			g_error("%s: error \"%s\" lacks \"%s\"", r->name, e->message, r->error);
		g_assert_cmpuint(e->line, >=, 1);
		g_assert_nonnull(e->text);
	}
	if (r->body != NULL)
		g_assert_cmpstr(b->body, ==, r->body);
	else if (strchr(r->text, '\n') == NULL)
		g_assert_cmpstr(b->body, ==, "");
}

/* ---- rules that span lines ------------------------------------------- */

static void
test_block(void)
{
	const char *text =
		"\n"
		"#Assign jo@council.example\n"
		"   \n"
		"#outcome partly upheld.\n"
		"#frobnicate\n"
		"#final\n"
		"\n"
		"Dear Mrs Smith,\n"
		"#note this line is text\n"
		"\n"
		"Yours sincerely\n\n";
	g_autoptr(RdCommandBlock) b = rd_commands_parse(text, "CMP");

	g_assert_cmpuint(b->commands->len, ==, 3);
	const RdCommand *c0 = b->commands->pdata[0], *c1 = b->commands->pdata[1], *c2 = b->commands->pdata[2];
	g_assert_cmpint(c0->kind, ==, RD_CMD_ASSIGN);
	g_assert_cmpuint(c0->line, ==, 2);
	g_assert_cmpstr(c0->text, ==, "#Assign jo@council.example");
	g_assert_cmpint(c1->kind, ==, RD_CMD_OUTCOME);
	g_assert_cmpuint(c1->line, ==, 4);
	g_assert_cmpint(c2->kind, ==, RD_CMD_FINAL);
	g_assert_cmpuint(c2->line, ==, 6);
	g_assert_cmpuint(b->errors->len, ==, 1);
	const RdCommandError *e = b->errors->pdata[0];
	g_assert_cmpuint(e->line, ==, 5);
	g_assert_cmpstr(e->text, ==, "#frobnicate");
	g_assert_cmpstr(b->body, ==, "Dear Mrs Smith,\n#note this line is text\n\nYours sincerely");
}

static void
test_duplicates(void)
{
	g_autoptr(RdCommandBlock) b = rd_commands_parse("#outcome upheld\n#outcome not upheld\n", "CMP");
	g_assert_cmpuint(b->commands->len, ==, 1);
	g_assert_cmpstr(((RdCommand *)b->commands->pdata[0])->arg, ==, "upheld");
	g_assert_cmpuint(b->errors->len, ==, 1);
	const RdCommandError *e = b->errors->pdata[0];
	g_assert_cmpuint(e->line, ==, 2);
	g_assert_cmpstr(e->message, ==, "#outcome given twice (first on line 1): give it once");

	/* #holding and #holding! are one command. */
	g_autoptr(RdCommandBlock) h = rd_commands_parse("#holding +5 waiting\n#holding! +20 agreed", "CMP");
	g_assert_cmpuint(h->commands->len, ==, 1);
	g_assert_cmpuint(h->errors->len, ==, 1);
	g_assert_nonnull(strstr(((RdCommandError *)h->errors->pdata[0])->message, "#holding given twice"));

	/* A first line with an error does not count as given. */
	g_autoptr(RdCommandBlock) f = rd_commands_parse("#outcome uphold\n#outcome upheld", "CMP");
	g_assert_cmpuint(f->commands->len, ==, 1);
	g_assert_cmpuint(f->errors->len, ==, 1);
	g_assert_cmpuint(((RdCommandError *)f->errors->pdata[0])->line, ==, 1);

	/* Those that may repeat. */
	g_autoptr(RdCommandBlock) m = rd_commands_parse(
		"#note one\n#note two\n#link CMP-2026-000001\n#link cmp 2026 2\n"
		"#notify-dept a@council.example\n#notify-dept b@council.example", "CMP");
	g_assert_cmpuint(m->commands->len, ==, 6);
	g_assert_cmpuint(m->errors->len, ==, 0);
	g_assert_cmpstr(((RdCommand *)m->commands->pdata[3])->arg, ==, "CMP-2026-000002");

	/* Every other kind once. */
	static const char *const once[] = {
		"#assign a@council.example", "#service Housing", "#outcome upheld", "#final",
		"#close withdrawn phoned", "#holding +5 waiting", "#stage2 investigate",
		"#language cy", "#cause a cause", "#new Jane Smith", "#channel phone",
	};
	for (guint i = 0; i < G_N_ELEMENTS(once); i++) {
		g_autofree char *twice = g_strdup_printf("%s\n%s", once[i], once[i]);
		g_autoptr(RdCommandBlock) t = rd_commands_parse(twice, "CMP");
		/* #close with #outcome etc. is a conflict, not a duplicate:
		 * each line here is the same command, so it is a duplicate. */
		g_assert_cmpuint(t->commands->len, ==, 1);
		g_assert_cmpuint(t->errors->len, ==, 1);
		g_assert_nonnull(strstr(((RdCommandError *)t->errors->pdata[0])->message, "given twice"));
	}
}

static void
test_conflicts(void)
{
	static const struct {
		const char *text, *message;
	} pairs[] = {
		{ "#outcome upheld\n#close withdrawn phoned",
		  "#close cannot go with #outcome (line 1) in one message: a closed case gets no outcome" },
		{ "#close excluded tribunal\n#outcome upheld",
		  "#outcome cannot go with #close (line 1) in one message" },
		{ "#close withdrawn phoned\n#final", "#final cannot go with #close (line 1)" },
		{ "#close withdrawn phoned\n#holding +5 x", "#holding cannot go with #close (line 1)" },
		{ "#close withdrawn phoned\n#stage2 investigate", "#stage2 cannot go with #close (line 1)" },
		{ "#final\n#holding! +5 x", "#holding cannot go with #final (line 1)" },
	};
	for (guint i = 0; i < G_N_ELEMENTS(pairs); i++) {
		g_autoptr(RdCommandBlock) b = rd_commands_parse(pairs[i].text, "CMP");
		g_assert_cmpuint(b->commands->len, ==, 1);
		g_assert_cmpuint(b->errors->len, ==, 1);
		const RdCommandError *e = b->errors->pdata[0];
		g_assert_cmpuint(e->line, ==, 2);
		if (strstr(e->message, pairs[i].message) == NULL)
			g_error("conflict %u: \"%s\" lacks \"%s\"", i, e->message, pairs[i].message);
	}
	/* What may go together. */
	g_autoptr(RdCommandBlock) ok = rd_commands_parse(
		"#new Jane Smith\n#channel phone\n#service Housing\n#assign jo@council.example\n"
		"#outcome resolved\n#final\n#language cy\n#cause x\n#note y", "CMP");
	g_assert_cmpuint(ok->commands->len, ==, 9);
	g_assert_cmpuint(ok->errors->len, ==, 0);
}

static void
test_not_utf8(void)
{
	g_autoptr(RdCommandBlock) b = rd_commands_parse("#note caf\xe9 \xff\n#asign\xfe\n\xc3(text", "CMP");
	g_assert_true(all_valid(b));
	g_assert_cmpuint(b->commands->len, ==, 1);
	g_assert_cmpuint(b->errors->len, ==, 1);
	g_assert_cmpstr(b->body, !=, "");

	g_autoptr(RdCommandBlock) n = rd_commands_parse(NULL, NULL);
	g_assert_cmpuint(n->commands->len, ==, 0);
	g_assert_cmpuint(n->errors->len, ==, 0);
	g_assert_cmpstr(n->body, ==, "");
	rd_command_block_free(NULL);
}

static void
test_long_line(void)
{
	/* A long unknown name is quoted short and costs no distance table. */
	GString *s = g_string_new("#");
	for (guint i = 0; i < 100000; i++)
		g_string_append_c(s, 'a');
	g_autoptr(RdCommandBlock) b = rd_commands_parse(s->str, "CMP");
	g_string_free(s, TRUE);
	g_assert_cmpuint(b->errors->len, ==, 1);
	g_assert_cmpuint(strlen(((RdCommandError *)b->errors->pdata[0])->message), <, 600);
}

static void
test_kind_names(void)
{
	static const char *const names[] = {
		"assign", "service", "outcome", "final", "close", "holding", "stage2",
		"notify-dept", "link", "language", "cause", "note", "new", "channel",
	};
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		RdCommandKind k = (RdCommandKind)99;
		g_assert_cmpstr(rd_command_kind_to_string((RdCommandKind)i), ==, names[i]);
		g_assert_true(rd_command_kind_from_string(names[i], &k));
		g_assert_cmpint(k, ==, i);
		g_autofree char *up = g_ascii_strup(names[i], -1);
		g_assert_true(rd_command_kind_from_string(up, &k));
	}
	g_assert_cmpint(RD_CMD_CHANNEL + 1, ==, G_N_ELEMENTS(names));
	g_assert_cmpstr(rd_command_kind_to_string((RdCommandKind)99), ==, "unknown");
	g_assert_false(rd_command_kind_from_string("holding!", NULL));
	g_assert_false(rd_command_kind_from_string("", NULL));
	g_assert_false(rd_command_kind_from_string(NULL, NULL));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree char *path = g_strdup_printf("/staffcmd/row/%s", rows[i].name);
		g_test_add_data_func(path, &rows[i], test_row);
	}
	g_test_add_func("/staffcmd/block", test_block);
	g_test_add_func("/staffcmd/duplicates", test_duplicates);
	g_test_add_func("/staffcmd/conflicts", test_conflicts);
	g_test_add_func("/staffcmd/not-utf8", test_not_utf8);
	g_test_add_func("/staffcmd/long-line", test_long_line);
	g_test_add_func("/staffcmd/kind-names", test_kind_names);
	return g_test_run();
}
