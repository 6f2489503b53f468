/*
 * config.c — `redress config check`: every check the commands make before
 * they use a part of the configuration, on every part at once, and the
 * settings in force.
 *
 * The checks are base/'s (rd_config_read, rd_config_check_files) and
 * casework's (the letter templates): the very functions `fetch`, `outbox
 * send` and `daemon` call at start, so what passes here is what they
 * accept. Nothing touches the network. Every problem is printed, each as
 * FILE:LINE: message, then the count; the exit status is then 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "cli/cli.h"

/* The letter templates, loaded as casework loads them (when their folder
 * can be read; if not, rd_config_check_files() has said so). Each
 * problem is a line naming the template's file and line. */
static RdLetters *
check_templates(const RdConfig *cfg, GString *errs)
{
	if (!rd_config_check_letters(cfg, NULL))
		return NULL;
	/* The reply-token key does not matter for checking. */
	static const guint8 no_key[RD_TOKEN_KEY_LEN];
	g_autoptr(GError) err = NULL;
	RdLetters *letters = rd_letters_new(cfg, no_key, &err);
	if (letters == NULL)
		g_string_append_printf(errs, "%s\n", err->message);
	return letters;
}

/* The database every command run like this one would open, and why that
 * one: the configuration should be where it is named (the units pass only
 * --config), so an override in this shell is pointed out. */
static void
print_database(const RdGlobalOptions *g, const RdConfig *cfg)
{
	const char *db = rd_db_path_global(g, cfg);
	const char *from = g->db_path != NULL ? "--db" : g_getenv("REDRESS_DB") != NULL ? "$REDRESS_DB" : NULL;
	if (from != NULL && cfg->database != NULL)
		printf("  database           %s (from %s; the configuration names %s)\n", db, from, cfg->database);
	else if (from != NULL)
		printf("  database           %s (from %s)\n", db, from);
	else if (cfg->database != NULL)
		printf("  database           %s\n", db);
	else
		printf("  database           %s (not set in the configuration: in the current folder)\n", db);
}

static void
print_settings(const RdGlobalOptions *g, const RdConfig *cfg, RdLetters *letters)
{
	const char *path = cfg->path;
	printf("%s: ok\n", path ? path : "(no configuration file: built-in defaults)");
	printf("  reference_prefix   %s\n", cfg->reference_prefix);
	print_database(g, cfg);
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
	printf("  templates          %s\n", rd_letters_dir(letters));
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
	/* Retention: the periods (sorted, so the line reads the same every
	 * time), the daemon's schedule and the mailbox copies. */
	g_autofree char *keep = rd_retention_period_format(&cfg->retention.keep_for);
	g_autoptr(GString) periods = g_string_new(keep);
	g_autoptr(GList) names = g_list_sort(g_hash_table_get_keys(cfg->retention.profiles), (GCompareFunc)strcmp);
	for (GList *l = names; l != NULL; l = l->next) {
		g_autofree char *p = rd_retention_period_format(g_hash_table_lookup(cfg->retention.profiles, l->data));
		g_string_append_printf(periods, ", %s %s", (const char *)l->data, p);
	}
	guint days = cfg->retention.schedule_days;
	printf("  retention          keep %s; %s; mailbox copies %s\n", periods->str,
	       days == 0 ? "purged by hand ('redress purge')" : days == 1 ? "the daemon purges daily"
	       : days == 7 ? "the daemon purges weekly" : "the daemon purges monthly",
	       cfg->retention.mailbox_copies ? "expunged" : "left on the server");
	const RdReportsConfig *r = &cfg->reports;
	if (r->recipients[0] == NULL || !(r->quarterly || r->annual)) {
		printf("  reports            (none scheduled: no [reports] recipients)\n");
		return;
	}
	g_autofree char *to = g_strjoinv(", ", r->recipients);
	printf("  reports            %s%s%s (%s), %u working days after the period, to %s\n",
	       r->quarterly ? "quarterly" : "", r->quarterly && r->annual ? " and " : "", r->annual ? "annual" : "",
	       r->sets, r->send_after_days, to);
}

int
rd_cmd_config(const RdGlobalOptions *g, int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "redress config: use 'redress config check [--config FILE]'\n");
		return RD_EXIT_USAGE;
	}
	const char *path = rd_config_path_global(g);
	g_autoptr(GString) errs = g_string_new(NULL);
	g_autoptr(RdConfig) cfg = rd_config_read(path, errs);
	g_autoptr(RdLetters) letters = NULL;
	if (cfg != NULL) {
		rd_config_check_files(cfg, errs);
		letters = check_templates(cfg, errs);
	}
	if (errs->len > 0) {
		fputs(errs->str, stderr);
		guint n = 0;
		for (const char *p = errs->str; *p; p++)
			n += *p == '\n';
		fprintf(stderr, "redress config check: %u problem%s in %s\n", n, n == 1 ? "" : "s",
		        path ? path : "the built-in defaults");
		return RD_EXIT_USAGE;
	}
	g_autoptr(GError) err = NULL;
	g_autoptr(RdCalendar) cal = rd_config_calendar(cfg, &err);
	if (cal != NULL)
		rd_calendar_log_sources(cal, cfg->bank_holidays);
	if (!g->quiet)
		print_settings(g, cfg, letters);
	return RD_EXIT_OK;
}
