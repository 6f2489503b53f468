/*
 * names.c — the string names of procedure/'s enums.
 *
 * These strings are stored in the database, written in the event log and
 * read back from configuration, so they are part of the on-disk format:
 * change one only with a migration. Each enum has one table indexed by its
 * value; to_string and from_string both read that table, so the two
 * directions cannot drift apart.
 *
 * Parsing is exact (case-sensitive): the strings come from our own store or
 * from configuration checked at startup, and one spelling per value keeps
 * the stored data comparable with plain SQL.
 */
#include <string.h>

#include "procedure.h"

static const char *const mailbox_names[RD_MAILBOX_N] = {
	[RD_MAILBOX_COMPLAINTS] = "complaints",
	[RD_MAILBOX_STAGE2] = "stage2",
	[RD_MAILBOX_CHIEF_EXECUTIVE] = "chief-executive",
	[RD_MAILBOX_MONITORING_OFFICER] = "monitoring-officer",
};

/* The channel names are shared with cases opened by other routes (an
 * elected member's referral, staff forwarding), which is why mail to the
 * complaints mailbox is plain "email" rather than "complaints". */
static const char *const channel_names[RD_MAILBOX_N] = {
	[RD_MAILBOX_COMPLAINTS] = "email",
	[RD_MAILBOX_STAGE2] = "stage2-mailbox",
	[RD_MAILBOX_CHIEF_EXECUTIVE] = "chief-executive",
	[RD_MAILBOX_MONITORING_OFFICER] = "monitoring-officer",
};

static const char *const state_names[] = {
	[RD_CASE_STAGE1] = "stage1",
	[RD_CASE_STAGE1_CLOSED] = "stage1-closed",
	[RD_CASE_STAGE2] = "stage2",
	[RD_CASE_CLOSED] = "closed",
};

static const char *const kind_names[] = {
	[RD_KIND_NEW_COMPLAINT] = "new-complaint",
	[RD_KIND_CORRESPONDENCE] = "correspondence",
	[RD_KIND_STAGE2_REQUEST] = "stage2-request",
	[RD_KIND_AUTOMATIC] = "automatic",
	[RD_KIND_BOUNCE] = "bounce",
	[RD_KIND_TRIAGE] = "triage",
};

static const char *const via_names[] = {
	[RD_VIA_NONE] = "none",
	[RD_VIA_TOKEN] = "token",
	[RD_VIA_HEADERS] = "headers",
	[RD_VIA_REFERENCE] = "reference",
	[RD_VIA_SENDER] = "sender",
	[RD_VIA_NEW] = "new",
};

/* Index of @s in @names[0..n), or -1. */
static int
lookup(const char *const *names, guint n, const char *s)
{
	if (s == NULL)
		return -1;
	for (guint i = 0; i < n; i++) {
		if (strcmp(names[i], s) == 0)
			return (int)i;
	}
	return -1;
}

const char *
rd_mailbox_to_string(RdMailbox m)
{
	g_return_val_if_fail((guint)m < RD_MAILBOX_N, NULL);
	return mailbox_names[m];
}

gboolean
rd_mailbox_from_string(const char *s, RdMailbox *m_r)
{
	int i = lookup(mailbox_names, RD_MAILBOX_N, s);

	if (i < 0)
		return FALSE;
	if (m_r != NULL)
		*m_r = (RdMailbox)i;
	return TRUE;
}

const char *
rd_channel_for_mailbox(RdMailbox m)
{
	g_return_val_if_fail((guint)m < RD_MAILBOX_N, NULL);
	return channel_names[m];
}

const char *
rd_case_state_to_string(RdCaseState s)
{
	g_return_val_if_fail((guint)s < G_N_ELEMENTS(state_names), NULL);
	return state_names[s];
}

gboolean
rd_case_state_from_string(const char *s, RdCaseState *s_r)
{
	int i = lookup(state_names, G_N_ELEMENTS(state_names), s);

	if (i < 0)
		return FALSE;
	if (s_r != NULL)
		*s_r = (RdCaseState)i;
	return TRUE;
}

gboolean
rd_case_state_is_open(RdCaseState s)
{
	/* A case whose Stage 1 is closed owes nothing until the complainant
	 * asks for Stage 2, so it is not open. */
	return s == RD_CASE_STAGE1 || s == RD_CASE_STAGE2;
}

const char *
rd_kind_to_string(RdKind k)
{
	g_return_val_if_fail((guint)k < G_N_ELEMENTS(kind_names), NULL);
	return kind_names[k];
}

gboolean
rd_kind_from_string(const char *s, RdKind *k_r)
{
	int i = lookup(kind_names, G_N_ELEMENTS(kind_names), s);

	if (i < 0)
		return FALSE;
	if (k_r != NULL)
		*k_r = (RdKind)i;
	return TRUE;
}

const char *
rd_via_to_string(RdVia v)
{
	g_return_val_if_fail((guint)v < G_N_ELEMENTS(via_names), NULL);
	return via_names[v];
}

gboolean
rd_via_from_string(const char *s, RdVia *v_r)
{
	int i = lookup(via_names, G_N_ELEMENTS(via_names), s);

	if (i < 0)
		return FALSE;
	if (v_r != NULL)
		*v_r = (RdVia)i;
	return TRUE;
}
