/*
 * casenew.c — `redress case new …`: a complaint made by phone, letter or in
 * person typed in (casework/logged.c), and what it opened printed.
 */
#include <stdio.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

int
rd_cmd_case_new(const RdGlobalOptions *g, int argc, char **argv)
{
	g_autofree char *name = NULL, *email = NULL, *phone = NULL, *address = NULL, *channel = NULL,
	                *summary = NULL, *received = NULL, *service = NULL, *language = NULL, *when = NULL;
	GOptionEntry entries[] = {
		{ "name", 0, 0, G_OPTION_ARG_STRING, &name, "The complainant's name (required)", "NAME" },
		{ "email", 0, 0, G_OPTION_ARG_STRING, &email, "Their email address; without it, letters are posted", "ADDR" },
		{ "phone", 0, 0, G_OPTION_ARG_STRING, &phone, "Their telephone number", "NUMBER" },
		{ "address", 0, 0, G_OPTION_ARG_STRING, &address, "Their postal address (required without --email)", "TEXT" },
		{ "channel", 0, 0, G_OPTION_ARG_STRING, &channel, "How it was made: phone, letter, in-person or email "
		  "(required)", "HOW" },
		{ "summary", 0, 0, G_OPTION_ARG_STRING, &summary, "What the complaint is about (required)", "TEXT" },
		{ "received-at", 0, 0, G_OPTION_ARG_STRING, &received, "When the council had it (ISO 8601; default now): "
		  "the clock starts here", "TIME" },
		{ "service", 0, 0, G_OPTION_ARG_STRING, &service, "The service concerned (and so the procedure)", "NAME" },
		{ "language", 0, 0, G_OPTION_ARG_STRING, &language, "Letters in en or cy (default: the council's)", "LANG" },
		{ "at", 0, 0, G_OPTION_ARG_STRING, &when, "When it was logged (default now)", "TIME" },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("— log a complaint made by phone, letter or in person");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err)) {
		fprintf(stderr, "redress case new: %s (see redress case new --help)\n", err->message);
		return RD_EXIT_USAGE;
	}
	if (argc != 1) {
		fprintf(stderr, "redress case new: unexpected '%s'; every detail is an option, e.g. redress case new "
		        "--name 'Jane Citizen' --phone '01234 567890' --address '1 High Street, Llanelli' --channel phone "
		        "--summary 'Bins not collected for three weeks'\n", argv[1]);
		return RD_EXIT_USAGE;
	}
	RdLoggedComplaint l = { 0 };
	l.at = g_get_real_time() / G_USEC_PER_SEC;
	if (when != NULL && !rd_time_parse(when, &l.at)) {
		fprintf(stderr, "redress case new: --at '%s' is not a time (ISO 8601, e.g. 2026-12-01T10:00:00Z)\n", when);
		return RD_EXIT_USAGE;
	}
	l.received_at = l.at;
	if (received != NULL && !rd_time_parse(received, &l.received_at)) {
		fprintf(stderr, "redress case new: --received-at '%s' is not a time (ISO 8601, e.g. "
		        "2026-12-01T10:00:00Z)\n", received);
		return RD_EXIT_USAGE;
	}
	g_autofree char *actor = rd_cli_actor();
	l.name = name;
	l.email = email;
	l.phone = phone;
	l.address = address;
	l.channel = channel;
	l.summary = summary;
	l.service = service;
	l.language = language;
	l.actor = actor;

	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	int rc = rd_open_config_and_store(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;
	g_autoptr(RdCasework) cw = NULL;
	int crc = rd_cli_open_casework(store, cfg, &cw);
	if (crc != RD_EXIT_OK)
		return crc;
	RdCaseActionResult r = { 0 };
	if (!rd_casework_log_complaint(cw, &l, &r, &err))
		return rd_cli_casework_failed("case new", err);
	rd_cli_print_action_result(g, &r, "new");
	rd_case_action_result_clear(&r);
	return RD_EXIT_OK;
}
