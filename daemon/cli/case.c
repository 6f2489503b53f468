/*
 * case.c — `redress case REF ACTION …`: a case action (casework/actions.c)
 * typed at the command line. This file reads the options, builds the
 * RdCaseAction, and prints what the casework API says it did.
 *
 * --at sets the time of the action (tests, and entering something done
 * yesterday). A refusal is exit 1 with a message that says what to do
 * instead; the database failing is exit 2. Either way nothing changed.
 */
#include <stdio.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

/* Which options an action takes. */
enum {
	OPT_STAGE = 1 << 0,
	OPT_TO = 1 << 1,
	OPT_REASON = 1 << 2,
	OPT_OUTCOME = 1 << 3,
	OPT_DATE = 1 << 4,
	OPT_DECLINE = 1 << 5,
	OPT_REFER = 1 << 6,
};

static const struct {
	RdCaseActionKind kind;
	int nargs;               /* positional arguments after the action */
	unsigned opts;           /* options it takes */
	const char *usage;
} actions[] = {
	{ RD_CASE_ACTION_ASSIGN,   1, OPT_STAGE, "assign EMAIL [--stage N]" },
	{ RD_CASE_ACTION_EXTEND,   0, OPT_STAGE | OPT_TO | OPT_REASON, "extend [--to DATE] --reason TEXT [--stage N]" },
	{ RD_CASE_ACTION_RESPOND,  0, OPT_STAGE | OPT_OUTCOME | OPT_DATE,
	  "respond --outcome upheld|partly-upheld|not-upheld|resolved [--date DATE] [--stage N]" },
	{ RD_CASE_ACTION_CLOSE,    0, OPT_STAGE | OPT_OUTCOME | OPT_REASON, "close --outcome withdrawn|excluded --reason TEXT" },
	{ RD_CASE_ACTION_ESCALATE, 0, OPT_DECLINE | OPT_REFER, "escalate [--decline REASON | --refer-back REASON]" },
	{ RD_CASE_ACTION_LINK,     1, 0, "link OTHER-REF" },
	{ RD_CASE_ACTION_SERVICE,  1, 0, "service NAME" },
	{ RD_CASE_ACTION_COMPLAINANT, -1, 0, "complainant [NAME] ADDR  (or 'NAME <ADDR>')" },
	{ RD_CASE_ACTION_REOPEN,   0, OPT_REASON, "reopen [--reason TEXT]" },
	{ RD_CASE_ACTION_LANGUAGE, 1, 0, "language cy|en" },
	{ RD_CASE_ACTION_NOTE,     1, 0, "note TEXT" },
	{ RD_CASE_ACTION_CAUSE,    1, 0, "cause 'CATEGORY[: DETAIL]'  (a category of [procedure] causes)" },
	{ RD_CASE_ACTION_REMEDY,   1, 0, "remedy TEXT  (the remedy or apology given)" },
	{ RD_CASE_ACTION_NO_CONTACT, 0, OPT_REASON, "no-contact [--reason TEXT]  (never send the complainant a survey)" },
	{ RD_CASE_ACTION_OMBUDSMAN, 1, OPT_OUTCOME | OPT_DATE,
	  "ombudsman referred|decided [--outcome upheld|partly-upheld|not-upheld|not-investigated|settled|discontinued] "
	  "[--date DATE]" },
};

/* complainant: "Jane Citizen <jane@example.org>" as one argument, or NAME
 * and ADDR as two, or ADDR alone (the name kept). */
static void
complainant_args(int argc, char **argv, char **name_r, char **email_r)
{
	if (argc >= 5) {
		*name_r = g_strdup(argv[3]);
		*email_r = g_strdup(argv[4]);
	} else {
		const char *lt = strchr(argv[3], '<');
		if (lt != NULL) {
			*name_r = g_strndup(argv[3], (gsize)(lt - argv[3]));
			*email_r = g_strdup(lt + 1);
		} else {
			*email_r = g_strdup(argv[3]);
		}
	}
	/* The angle brackets people type around an address. */
	g_strstrip(*email_r);
	if (**email_r == '<')
		memmove(*email_r, *email_r + 1, strlen(*email_r));
	gsize n = strlen(*email_r);
	if (n > 0 && (*email_r)[n - 1] == '>')
		(*email_r)[n - 1] = '\0';
	if (*name_r != NULL) {
		g_strstrip(*name_r);
		/* A quoted display name, as mail clients copy it. */
		gsize k = strlen(*name_r);
		if (k >= 2 && (*name_r)[0] == '"' && (*name_r)[k - 1] == '"') {
			(*name_r)[k - 1] = '\0';
			memmove(*name_r, *name_r + 1, k - 1);
		}
	}
}

void
rd_cli_print_action_result(const RdGlobalOptions *g, const RdCaseActionResult *r, const char *action)
{
	if (g->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		rd_json_str(b, "case", r->reference);
		rd_json_str(b, "action", action);
		rd_json_str(b, "state", r->state);
		json_builder_set_member_name(b, "done");
		json_builder_begin_array(b);
		for (guint i = 0; i < r->done->len; i++)
			json_builder_add_string_value(b, r->done->pdata[i]);
		json_builder_end_array(b);
		json_builder_set_member_name(b, "letters");
		json_builder_begin_array(b);
		for (guint i = 0; i < r->letters->len; i++)
			json_builder_add_string_value(b, r->letters->pdata[i]);
		json_builder_end_array(b);
		json_builder_end_object(b);
		rd_json_print(b);
		return;
	}
	if (g->quiet)
		return;
	for (guint i = 0; i < r->done->len; i++)
		printf(i == 0 ? "%s: %s\n" : "%.0s%s\n", r->reference, (const char *)r->done->pdata[i]);
	for (guint i = 0; i < r->letters->len; i++)
		printf("  letter queued: %s\n", (const char *)r->letters->pdata[i]);
}

int
rd_cli_casework_failed(const char *cmd, const GError *err)
{
	if (err->domain == RD_CASEWORK_ERROR && err->code == RD_CASEWORK_ERROR_NO_CASE) {
		fprintf(stderr, "redress %s: %s\n", cmd, err->message);
		return RD_EXIT_USAGE;
	}
	if (err->domain == RD_CASEWORK_ERROR) {
		fprintf(stderr, "redress %s: %s; nothing changed\n", cmd, err->message);
		return RD_EXIT_USAGE;
	}
	fprintf(stderr, "redress: error: nothing changed: %s\n", err->message);
	return RD_EXIT_INTERNAL;
}

/* `case REF hold --reason TEXT` and `case REF release`: a legal hold,
 * which keeps the case from any retention purge (casework/purge.c). Not
 * a case action of casework/actions.c: it changes nothing of the
 * procedure, only what retention may do. */
static int
hold_or_release(const RdGlobalOptions *g, RdCasework *cw, const char *ref, const char *action, const char *reason,
                gint64 at)
{
	g_autofree char *actor = rd_cli_actor();
	g_autoptr(GError) err = NULL;
	gboolean hold = strcmp(action, "hold") == 0;
	if (!(hold ? rd_casework_hold(cw, ref, reason, actor, at, &err) : rd_casework_release(cw, ref, actor, at, &err)))
		return rd_cli_casework_failed("case", err);
	if (g->json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		json_builder_begin_object(b);
		rd_json_str(b, "case", ref);
		rd_json_str(b, "action", action);
		rd_json_str(b, "reason", reason);
		json_builder_end_object(b);
		rd_json_print(b);
	} else if (!g->quiet) {
		printf(hold ? "%s: legal hold placed (never purged until released)\n" : "%s: legal hold released\n", ref);
	}
	return RD_EXIT_OK;
}

int
rd_cmd_case(const RdGlobalOptions *g, int argc, char **argv)
{
	g_autofree char *when = NULL, *to = NULL, *reason = NULL, *outcome = NULL, *date = NULL,
	                *decline = NULL, *refer_back = NULL;
	int stage = 0;
	/* `case new` opens a case rather than acting on one. */
	if (argc >= 2 && strcmp(argv[1], "new") == 0)
		return rd_cmd_case_new(g, argc - 1, argv + 1);
	GOptionEntry entries[] = {
		{ "at", 0, 0, G_OPTION_ARG_STRING, &when, "When it happened (ISO 8601; default now)", "TIME" },
		{ "stage", 0, 0, G_OPTION_ARG_INT, &stage, "The stage concerned (default: the open one)", "N" },
		{ "to", 0, 0, G_OPTION_ARG_STRING, &to, "extend: the new response date", "DATE" },
		{ "reason", 0, 0, G_OPTION_ARG_STRING, &reason, "extend, close: the reason, told to the complainant; "
		  "no-contact: why, kept on the case; hold: why the case is held", "TEXT" },
		{ "outcome", 0, 0, G_OPTION_ARG_STRING, &outcome, "respond, close: the outcome; ombudsman decided: the "
		  "finding", "OUTCOME" },
		{ "date", 0, 0, G_OPTION_ARG_STRING, &date, "respond: the day the response was sent; ombudsman: the day "
		  "(default today)", "DATE" },
		{ "decline", 0, 0, G_OPTION_ARG_STRING, &decline, "escalate: do not investigate at Stage 2, because…", "REASON" },
		{ "refer-back", 0, 0, G_OPTION_ARG_STRING, &refer_back, "escalate: send back for a Stage 1 response, because…", "REASON" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("REF ACTION … — record what a case handler did");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GString) desc = g_string_new("Actions:\n");
	g_string_append(desc, "  (redress case new --name NAME --channel HOW --summary TEXT …: log a complaint; "
	                "see redress case new --help)\n");
	g_string_append(desc, "  hold --reason TEXT  (a legal hold: never purged by retention)\n"
	                "  release  (lift the legal hold)\n");
	for (gsize i = 0; i < G_N_ELEMENTS(actions); i++)
		g_string_append_printf(desc, "  %s\n", actions[i].usage);
	g_option_context_set_description(oc, desc->str);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err)) {
		fprintf(stderr, "redress case: %s (see redress case --help)\n", err->message);
		return RD_EXIT_USAGE;
	}
	if (argc < 3) {
		fprintf(stderr, "redress case: give a case and an action, e.g. redress case CMP-2026-000001 "
		        "assign a.officer@council.example (see redress case --help)\n");
		return RD_EXIT_USAGE;
	}
	RdCaseAction a = { 0 };
	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	g_autoptr(RdCasework) cw = NULL;
	/* hold and release are not case actions of casework/actions.c. */
	if (strcmp(argv[2], "hold") == 0 || strcmp(argv[2], "release") == 0) {
		gboolean hold = strcmp(argv[2], "hold") == 0;
		if (argc != 3 || stage || to || outcome || date || decline || refer_back || (reason != NULL) != hold) {
			fprintf(stderr, "redress case: usage: redress case REF %s\n", hold ? "hold --reason TEXT" : "release");
			return RD_EXIT_USAGE;
		}
		a.at = g_get_real_time() / G_USEC_PER_SEC;
		if (when != NULL && !rd_time_parse(when, &a.at)) {
			fprintf(stderr, "redress case: --at '%s' is not a time (ISO 8601, e.g. 2026-12-01T10:00:00Z)\n", when);
			return RD_EXIT_USAGE;
		}
		int rc = rd_cli_open_for_change(g, &cfg, &store, &cw);
		return rc != RD_EXIT_OK ? rc : hold_or_release(g, cw, argv[1], argv[2], reason, a.at);
	}
	gsize ai = G_N_ELEMENTS(actions);
	if (rd_case_action_kind_from_string(argv[2], &a.kind))
		for (gsize i = 0; i < G_N_ELEMENTS(actions); i++)
			if (actions[i].kind == a.kind)
				ai = i;
	if (ai == G_N_ELEMENTS(actions)) {
		fprintf(stderr, "redress case: unknown action '%s'; use assign, extend, respond, close, escalate, "
		        "link, service, language, complainant, reopen, note, cause, remedy, ombudsman, no-contact, hold or "
		        "release, or 'redress case new' "
		        "(see redress case --help)\n", argv[2]);
		return RD_EXIT_USAGE;
	}
	const char *action = argv[2];
	if (actions[ai].nargs < 0 ? argc != 4 && argc != 5 : argc != 3 + actions[ai].nargs) {
		fprintf(stderr, "redress case: usage: redress case REF %s\n", actions[ai].usage);
		return RD_EXIT_USAGE;
	}
	unsigned given = (stage ? OPT_STAGE : 0) | (to ? OPT_TO : 0) | (reason ? OPT_REASON : 0) |
	                 (outcome ? OPT_OUTCOME : 0) | (date ? OPT_DATE : 0) |
	                 (decline ? OPT_DECLINE : 0) | (refer_back ? OPT_REFER : 0);
	if ((given & ~actions[ai].opts) != 0) {
		fprintf(stderr, "redress case: an option given does not apply to '%s'; usage: redress case REF %s\n",
		        action, actions[ai].usage);
		return RD_EXIT_USAGE;
	}
	if (stage != 0 && stage != 1 && stage != 2) {
		fprintf(stderr, "redress case: --stage is 1 or 2\n");
		return RD_EXIT_USAGE;
	}
	if (when != NULL) {
		if (!rd_time_parse(when, &a.at)) {
			fprintf(stderr, "redress case: --at '%s' is not a time (ISO 8601, e.g. 2026-12-01T10:00:00Z)\n", when);
			return RD_EXIT_USAGE;
		}
	} else {
		a.at = g_get_real_time() / G_USEC_PER_SEC;
	}
	g_autofree char *actor = rd_cli_actor();
	a.actor = actor;
	a.stage = stage;
	a.handler = a.kind == RD_CASE_ACTION_ASSIGN ? argv[3] : NULL;
	a.other = a.kind == RD_CASE_ACTION_LINK ? argv[3] : NULL;
	a.service = a.kind == RD_CASE_ACTION_SERVICE ? argv[3] : NULL;
	a.text = a.kind == RD_CASE_ACTION_NOTE || a.kind == RD_CASE_ACTION_CAUSE || a.kind == RD_CASE_ACTION_REMEDY
	         ? argv[3] : NULL;
	g_autofree char *omb = a.kind == RD_CASE_ACTION_OMBUDSMAN ? g_ascii_strdown(argv[3], -1) : NULL;
	a.ombudsman = omb;
	g_autofree char *cname = NULL, *cemail = NULL;
	if (a.kind == RD_CASE_ACTION_COMPLAINANT)
		complainant_args(argc, argv, &cname, &cemail);
	a.name = cname;
	a.email = cemail;
	/* "welsh"/"english" as well as the codes, as #language takes them. */
	g_autofree char *lang = a.kind == RD_CASE_ACTION_LANGUAGE ? g_ascii_strdown(argv[3], -1) : NULL;
	if (lang != NULL)
		a.language = strcmp(lang, "welsh") == 0 || strcmp(lang, "cymraeg") == 0 ? "cy"
		             : strcmp(lang, "english") == 0 || strcmp(lang, "saesneg") == 0 ? "en" : lang;
	a.to = to;
	a.reason = reason;
	a.outcome = outcome;
	a.date = date;
	a.decline = decline;
	a.refer_back = refer_back;

	int rc = rd_cli_open_for_change(g, &cfg, &store, &cw);
	if (rc != RD_EXIT_OK)
		return rc;
	RdCaseActionResult r = { 0 };
	if (!rd_casework_act(cw, argv[1], &a, &r, &err))
		return rd_cli_casework_failed("case", err);
	rd_cli_print_action_result(g, &r, action);
	rd_case_action_result_clear(&r);
	return RD_EXIT_OK;
}
