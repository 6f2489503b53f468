/*
 * main.c — the `redress` command: global options and subcommand dispatch.
 *
 * Global options may stand before or after the subcommand name
 * (`redress --db x.db cases` and `redress cases --db x.db` are the same),
 * because people type both. They are taken out of argv here, and what is
 * left goes to the subcommand's own GOptionContext.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "cli/cli.h"


static const struct {
	const char *name;
	int (*run)(const RdGlobalOptions *, int, char **);
	const char *help;
} commands[] = {
	{ "ingest", rd_cmd_ingest, "store messages from files, folders, Maildirs or mboxes and file them on cases" },
	{ "fetch",  rd_cmd_fetch,  "fetch new mail from the IMAP mailboxes once and file it on cases" },
	{ "daemon", rd_cmd_daemon, "run the mailbox watchers, the outbox sender and the deadline sweep until stopped" },
	{ "status", rd_cmd_status, "what the daemon is doing: mailboxes, outbox, last sweep" },
	{ "selftest", rd_cmd_selftest, "send a test mail to a case reply address and check it reaches the complaints mailbox" },
	{ "cases",  rd_cmd_cases,  "list cases (--open for those still owed a response)" },
	{ "show",   rd_cmd_show,   "show one case: stages, messages and events in time order" },
	{ "message", rd_cmd_message, "'message ID --raw': a stored message byte for byte, as it arrived" },
	{ "attachment", rd_cmd_attachment, "'attachment ID --out FILE': one attachment, as it was sent" },
	{ "export", rd_cmd_export, "'export --person ADDRESS | --case REF --to DIR|FILE.zip': a subject access export" },
	{ "triage", rd_cmd_triage, "list messages a person must place; 'triage assign MSG REF', 'triage new MSG', 'triage reopen|stage2 MSG'" },
	{ "holidays", rd_cmd_holidays, "list a year's non-working days and where each came from" },
	{ "workdays", rd_cmd_workdays, "'workdays add DATE N': the Nth working day after DATE" },
	{ "sweep",  rd_cmd_sweep,  "reminders, automatic holding replies and overdue alerts that are due" },
	{ "outbox", rd_cmd_outbox, "list letters; 'outbox send' delivers due letters by SMTP, 'outbox flush --to DIR' to a folder" },
	{ "letters", rd_cmd_letters, "'letters preview NAME REF': show a letter as it would be sent" },
	{ "case", rd_cmd_case, "'case REF ACTION': assign, extend, respond, close, escalate, link, service, language, complainant, reopen; 'case new': a phone complaint" },
	{ "surveys", rd_cmd_surveys, "satisfaction surveys: 'surveys list [--case REF]', 'surveys record ID A1 [A2 A3 A4]'" },
	{ "actions", rd_cmd_actions, "learning actions: 'actions list [--overdue]', 'actions add', 'actions done|verify|drop|agree|extend ID', 'actions digest'" },
	{ "report", rd_cmd_report, "complaints-handling figures for a period, as text, JSON, CSV or HTML; 'report send' mails them" },
	{ "staff", rd_cmd_staff, "'staff list': who may act on cases by email, and how their mail is believed" },
	{ "config", rd_cmd_config, "'config check': validate the configuration file" },
	{ "purge", rd_cmd_purge, "remove the personal data of cases closed longer ago than their retention period (--dry-run lists)" },
	{ "backup", rd_cmd_backup, "'backup DEST': a consistent copy of the database, safe while the daemon runs" },
	{ "restore", rd_cmd_restore, "'restore SRC': put a backup back (the daemon stopped); the old database is kept" },
};

static void
usage(FILE *out)
{
	fprintf(out,
	        "usage: redress [--config FILE] [--db FILE] [--json] [--quiet] COMMAND [ARGS]\n"
	        "\n"
	        "redress keeps a council's complaints case file from ordinary email.\n"
	        "\n"
	        "commands:\n");
	for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(out,
	        "\n"
	        "global options (before or after the command):\n"
	        "  --config FILE  configuration file (default: $REDRESS_CONFIG, else %s if it exists,\n"
	        "                 else built-in defaults)\n"
	        "  --db FILE      database (default: $REDRESS_DB, else [redress] database, else ./%s)\n"
	        "  --json         machine-readable output\n"
	        "  --quiet        no summary lines\n"
	        "\n"
	        "'redress COMMAND --help' shows a command's own options; 'redress --version' the version.\n"
	        "exit status: 0 ok, 1 bad usage or input, 2 internal error.\n",
	        RD_DEFAULT_CONFIG, RD_DEFAULT_DB);
}

/* Take a global option (--name VALUE or --name=VALUE) out of argv. */
static gboolean
take_value(int *argc, char **argv, int i, const char *name, const char **value_r, int *consumed_r)
{
	gsize n = strlen(name);
	if (strncmp(argv[i], name, n) != 0)
		return FALSE;
	if (argv[i][n] == '=') {
		*value_r = argv[i] + n + 1;
		*consumed_r = 1;
		return TRUE;
	}
	if (argv[i][n] != '\0')
		return FALSE;
	if (i + 1 >= *argc) {
		fprintf(stderr, "redress: %s needs a value\n", name);
		exit(RD_EXIT_USAGE);
	}
	*value_r = argv[i + 1];
	*consumed_r = 2;
	return TRUE;
}

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	rd_parsers_init();
	/* Once, before any thread: the token requests (oauth.c) may come from
	 * several at a time. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "redress: libcurl could not start\n");
		return RD_EXIT_INTERNAL;
	}

	RdGlobalOptions g = { 0 };
	/* Pull the global options out, wherever they are (up to "--"). */
	for (int i = 1; i < argc;) {
		int used = 0;
		if (strcmp(argv[i], "--") == 0)
			break;
		if (take_value(&argc, argv, i, "--config", &g.config_path, &used) ||
		    take_value(&argc, argv, i, "--db", &g.db_path, &used)) {
			/* value taken */
		} else if (strcmp(argv[i], "--json") == 0) {
			g.json = TRUE;
			used = 1;
		} else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
			g.quiet = TRUE;
			used = 1;
		}
		if (used == 0) {
			i++;
			continue;
		}
		memmove(&argv[i], &argv[i + used], (gsize)(argc - i - used + 1) * sizeof *argv);
		argc -= used;
	}

	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("redress %s\n", rd_version());
		return RD_EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? RD_EXIT_USAGE : RD_EXIT_OK;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
		if (strcmp(argv[1], commands[i].name) == 0) {
			/* The subcommand sees "redress-NAME ARGS…" like a program. */
			g_autofree char *prog = g_strconcat("redress ", commands[i].name, NULL);
			argv[1] = prog;
			return commands[i].run(&g, argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "redress: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return RD_EXIT_USAGE;
}
