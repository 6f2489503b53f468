/*
 * config.c — `redress config check`: load and check the configuration as
 * the daemon will, and print what it says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

int
rd_cmd_config(const RdGlobalOptions *g, int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "redress config: use 'redress config check [--config FILE]'\n");
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = rd_config_load_global(g);
	if (cfg == NULL)
		return RD_EXIT_USAGE;
	const char *path = cfg->path;
	/* The bank-holidays file is part of the configuration: check it now,
	 * not when the first deadline is computed. */
	g_autoptr(GError) err = NULL;
	g_autoptr(RdCalendar) cal = rd_calendar_load(cfg->nation, cfg->bank_holidays, cfg->closures, &err);
	if (cal == NULL) {
		fprintf(stderr, "%s\n", err->message);
		return RD_EXIT_USAGE;
	}
	/* Profiles, services and every letter template, as the daemon will
	 * load them (the token key does not matter for checking). */
	static const guint8 no_key[RD_TOKEN_KEY_LEN];
	g_autoptr(RdRules) rules = rd_rules_new(cfg, no_key, &err);
	if (rules == NULL) {
		fprintf(stderr, "%s\n", err->message);
		return RD_EXIT_USAGE;
	}
	rd_calendar_log_sources(cal, cfg->bank_holidays);
	if (cfg->smtp.url != NULL) {
		/* The password file's owner and mode, the CA file: checked now
		 * rather than when the first letter is due. No connection. */
		g_autoptr(RdSink) sink = rd_sink_smtp_new(&cfg->smtp, &err);
		if (sink == NULL) {
			fprintf(stderr, "%s: %s\n", path ? path : "(defaults)", err->message);
			return RD_EXIT_USAGE;
		}
	}
	/* XOAUTH2 keys that do not fit together, and unsafe secret files, are
	 * found now too (no connection: the token endpoint is not asked). */
	for (int i = 0; i < RD_MAILBOX_N; i++) {
		const RdMailboxConfig *m = &cfg->mailboxes[i];
		if (!m->imap_xoauth2)
			continue;
		g_autofree char *who = g_strdup_printf("[mailbox:%s]", rd_mailbox_to_string((RdMailbox)i));
		if (!rd_oauth_config_check(&m->oauth, who, &err) || !rd_oauth_files_check(&m->oauth, &err)) {
			fprintf(stderr, "%s: %s%s%s\n", path ? path : "(defaults)",
			        g_str_has_prefix(err->message, who) ? "" : who,
			        g_str_has_prefix(err->message, who) ? "" : " ", err->message);
			return RD_EXIT_USAGE;
		}
	}
	if (g->quiet)
		return RD_EXIT_OK;
	printf("%s: ok\n", path ? path : "(no configuration file: built-in defaults)");
	printf("  reference_prefix   %s\n", cfg->reference_prefix);
	printf("  database           %s\n", cfg->database ? cfg->database : "(not set: --db, $REDRESS_DB or ./redress.db)");
	printf("  max_message_size   %" G_GSIZE_FORMAT "\n", cfg->limits.max_size);
	printf("  max_mime_depth     %u\n", cfg->limits.max_depth);
	printf("  max_mime_parts     %u\n", cfg->limits.max_parts);
	printf("  max_header_length  %" G_GSIZE_FORMAT "\n", cfg->limits.max_header_len);
	g_autofree char *phrases = g_strjoinv("; ", cfg->stage2_phrases);
	printf("  stage2_phrases     %s\n", phrases);
	printf("  batch_messages     %u\n", cfg->batch_messages);
	printf("  parse_threads      %u%s\n", cfg->parse_threads, cfg->parse_threads ? "" : " (one per core)");
	printf("  nation             %s\n", rd_nation_to_string(cfg->nation));
	printf("  bank_holidays      %s\n", cfg->bank_holidays ? cfg->bank_holidays : "(not set: computed rules)");
	g_autofree char *closures = cfg->closures ? g_strjoinv("; ", cfg->closures) : g_strdup("(none)");
	printf("  closures           %s\n", closures);
	if (cfg->cutoff_hour >= 0)
		printf("  cutoff             %02d:%02d\n", cfg->cutoff_hour, cfg->cutoff_minute);
	else
		printf("  cutoff             (none)\n");
	printf("  default_profile    %s\n", cfg->default_profile);
	printf("  templates          %s\n", rd_letters_dir(rd_rules_letters(rules)));
	printf("  council            %s <%s>\n", cfg->council_name, cfg->mailboxes[RD_MAILBOX_COMPLAINTS].address);
	printf("  daily_cap          %u letters per address\n", cfg->daily_cap);
	if (cfg->smtp.url != NULL) {
		printf("  smtp               %s%s, %s, %s; retry for %" G_GINT64_FORMAT " h\n", cfg->smtp.url,
		       g_str_has_prefix(cfg->smtp.url, "smtps:") ? "" :
		       cfg->smtp.allow_plaintext ? " (plain text allowed)" : " (STARTTLS required)",
		       cfg->smtp.ca_file ? cfg->smtp.ca_file : "system CAs",
		       !cfg->smtp.user ? "no AUTH" : cfg->smtp.xoauth2 ? "AUTH XOAUTH2" : "AUTH",
		       cfg->smtp.retry_for / 3600);
		if (cfg->smtp.sent_mailbox != NULL)
			printf("  sent copies        to %s in mailbox %s\n",
			       cfg->smtp.sent_folder ? cfg->smtp.sent_folder : "the folder marked \\Sent (else Sent)",
			       cfg->smtp.sent_mailbox);
	} else
		printf("  smtp               (not set: 'outbox send' has no server; 'outbox flush --to DIR' writes letters to a folder)\n");
	for (int i = 0; i < RD_MAILBOX_N; i++) {
		const RdMailboxConfig *m = &cfg->mailboxes[i];
		g_autofree char *how = !m->imap_url ? g_strdup(", not fetched (no imap_url)")
		                     : m->imap_xoauth2 ? g_strdup_printf(", IMAP %s (XOAUTH2, %s)", m->imap_url, m->oauth.grant)
		                     : g_strdup_printf(", IMAP %s (password)", m->imap_url);
		printf("  mailbox %-18s %s%s\n", rd_mailbox_to_string((RdMailbox)i), m->address, how);
	}
	printf("  daemon             %s, poll every %u s, send every %u s, sweep every %u s\n",
	       cfg->daemon.idle ? "IDLE where the server has it" : "polling only",
	       cfg->daemon.poll_interval, cfg->daemon.send_interval, cfg->daemon.sweep_interval);
	return RD_EXIT_OK;
}

