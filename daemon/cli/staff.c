/*
 * staff.c — `redress staff list`: the staff directory as redress reads it
 * ([staff:ADDRESS] groups and [staff_auth]), so that whoever edits the
 * configuration can see who may act on cases by email, and how their mail
 * is believed. Reads only the configuration: no database.
 */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"

static char *
joined(char **items, const char *none)
{
	return items != NULL && items[0] != NULL ? g_strjoinv(", ", items) : g_strdup(none);
}

static void
describe(RdOut *o, const RdConfig *cfg)
{
	const RdStaffAuthConfig *a = &cfg->staff_auth;
	rd_out_begin(o, NULL, NULL);
	rd_out_begin(o, "auth", "Staff authentication");
	rd_out_str(o, "policy", "Policy", a->policy_text);
	g_autofree char *ids = joined(a->trusted_ids, "-");
	g_autofree char *domains = joined(a->domains, "-");
	rd_out_str(o, "trusted_authserv_ids", "Trusted servers",
	           a->trusted_ids != NULL && a->trusted_ids[0] != NULL ? ids : NULL);
	rd_out_str(o, "domains", "Domains", a->domains != NULL && a->domains[0] != NULL ? domains : NULL);
	rd_out_bool(o, "restrict_to_services", "Handlers only on their services", a->by_service);
	rd_out_end(o);
	rd_out_line(o, "%s", "");
	rd_out_begin_list(o, "staff", NULL);
	for (guint i = 0; i < cfg->staff->len; i++) {
		const RdStaffMember *m = cfg->staff->pdata[i];
		g_autofree char *services = joined(m->services, "every service");
		g_autofree char *also = joined(m->also, "-");
		rd_out_begin(o, NULL, NULL);
		rd_out_str(o, "email", NULL, m->email);
		rd_out_str(o, "name", NULL, m->name);
		rd_out_str(o, "role", NULL, rd_staff_role_to_string(m->role));
		/* In JSON, null for "every service" and for no other address. */
		rd_out_str(o, "services", NULL, m->services[0] != NULL ? services : NULL);
		rd_out_str(o, "also", NULL, m->also[0] != NULL ? also : NULL);
		rd_out_end(o);
		rd_out_line(o, "%-36s %-20s %-18s %s", m->email, rd_cli_or_dash(m->name), rd_staff_role_to_string(m->role),
		            services);
		if (m->also[0] != NULL)
			rd_out_line(o, "    also: %s", also);
	}
	rd_out_end(o);
	if (cfg->staff->len == 0)
		rd_out_line(o, "No [staff:ADDRESS] groups: nobody can act on cases by email yet.");
	rd_out_end(o);
}

int
rd_cmd_staff(const RdGlobalOptions *g, int argc, char **argv)
{
	g_autoptr(GOptionContext) oc = g_option_context_new("list — the staff directory and how staff mail is believed");
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err)) {
		fprintf(stderr, "redress staff: %s\n", err->message);
		return RD_EXIT_USAGE;
	}
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "list") != 0)) {
		fprintf(stderr, "redress staff: the only action is 'list' (redress staff list [--json])\n");
		return RD_EXIT_USAGE;
	}
	g_autoptr(RdConfig) cfg = rd_config_load_global(g);
	if (cfg == NULL)
		return RD_EXIT_USAGE;
	g_autoptr(RdOut) o = rd_out_new(g->json);
	describe(o, cfg);
	rd_out_print(o);
	return RD_EXIT_OK;
}
