/*
 * profile.c — procedure profiles: the timescales of each procedure.
 *
 * A profile is plain data (RdProfile in procedure.h). This file holds the
 * built-in profiles, whose values come from docs/procedure.md §2.2 (each
 * cites its subsection, §2.3-§2.7), and the small language the configuration uses
 * to override or define a profile: one key=value pair at a time
 * (rd_profile_set), then a check that the values fit together
 * (rd_profile_check).
 *
 * Built-ins are static and immutable. A custom profile is an OwnedProfile:
 * the public struct first, then the strings it points at, so that
 * rd_profile_free() can release them. The key table drives both parsing
 * and the list of known keys, so the two cannot drift apart.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "procedure.h"

G_DEFINE_QUARK(rd-profile-error-quark, rd_profile_error)

/* ---- names ------------------------------------------------------------------ */

static const char *const clock_names[] = {
	[RD_CLOCK_RECEIPT] = "receipt",
	[RD_CLOCK_ACK] = "acknowledgement",
};

/* NULL-terminated, for the list in error messages. */
static const char *const ombudsman_names[RD_OMBUDSMAN_N + 1] = {
	[RD_OMBUDSMAN_LGSCO] = "lgsco",
	[RD_OMBUDSMAN_HOUSING] = "housing-ombudsman",
	[RD_OMBUDSMAN_SPSO] = "spso",
	[RD_OMBUDSMAN_PSOW] = "psow",
	[RD_OMBUDSMAN_N] = NULL,
};

const char *
rd_clock_base_to_string(RdClockBase b)
{
	g_return_val_if_fail((guint)b < G_N_ELEMENTS(clock_names), NULL);
	return clock_names[b];
}

gboolean
rd_clock_base_from_string(const char *s, RdClockBase *b_r)
{
	for (guint i = 0; s != NULL && i < G_N_ELEMENTS(clock_names); i++) {
		if (strcmp(s, clock_names[i]) == 0) {
			*b_r = (RdClockBase)i;
			return TRUE;
		}
	}
	return FALSE;
}

const char *
rd_ombudsman_to_string(RdOmbudsman o)
{
	g_return_val_if_fail((guint)o < RD_OMBUDSMAN_N, NULL);
	return ombudsman_names[o];
}

gboolean
rd_ombudsman_from_string(const char *s, RdOmbudsman *o_r)
{
	for (guint i = 0; s != NULL && i < RD_OMBUDSMAN_N; i++) {
		if (strcmp(s, ombudsman_names[i]) == 0) {
			*o_r = (RdOmbudsman)i;
			return TRUE;
		}
	}
	return FALSE;
}

/* ---- built-in profiles -------------------------------------------------------- */

static const RdProfile builtins[] = {
	{
		/* docs/procedure.md §2.3 (the council's own procedure):
		 * ack 2, reply 10, Stage 2 ack 2, department within 5, reply
		 * 20. docs/procedure.md §2.3 notes: keep the LGSCO Code's limits as
		 * the outer bound, so a holding reply may add up to 10 WD at
		 * Stage 1 and 20 at Stage 2, and, as the Code requires
		 * [A ch.7 6.5], give the Ombudsman's details. */
		.name = "council",
		.description = "Council procedure: ack 2 WD, reply 10 WD; Stage 2 ack 2 WD, "
		               "department 5 WD, reply 20 WD",
		.stage = {
			{ .ack_days = 2, .response_days = 10, .base = RD_CLOCK_RECEIPT,
			  .extension_days = 10 },
			{ .ack_days = 2, .response_days = 20, .base = RD_CLOCK_RECEIPT,
			  .extension_days = 20, .dept_notice_days = 5 },
		},
		.has_stage2 = TRUE,
		.reminder_days = 2,
		.holding_ombudsman_details = TRUE,
		.ombudsman = RD_OMBUDSMAN_LGSCO,
	},
	{
		/* docs/procedure.md §2.4, "LGSCO Complaint Handling Code, Feb
		 * 2024" [A][B]: ack 5 WD after receipt; reply 10 WD from the
		 * acknowledgement, extension no more than 10 WD; Stage 2 ack 5,
		 * reply 20 from ack, extension no more than 20; Ombudsman details
		 * with any extension. */
		.name = "lgsco-2024",
		.description = "LGSCO Complaint Handling Code 2024: ack 5 WD; reply 10 WD from ack "
		               "(+10); Stage 2 ack 5 WD, reply 20 WD from ack (+20)",
		.stage = {
			{ .ack_days = 5, .response_days = 10, .base = RD_CLOCK_ACK,
			  .extension_days = 10 },
			{ .ack_days = 5, .response_days = 20, .base = RD_CLOCK_ACK,
			  .extension_days = 20 },
		},
		.has_stage2 = TRUE,
		.reminder_days = 2,
		.holding_ombudsman_details = TRUE,
		.ombudsman = RD_OMBUDSMAN_LGSCO,
	},
	{
		/* docs/procedure.md §2.4, "Housing Ombudsman statutory Code, in
		 * force 1 Apr 2024" [B]: the same timescales as the LGSCO Code,
		 * for council housing; letters name the Housing Ombudsman. */
		.name = "housing-ombudsman-2024",
		.description = "Housing Ombudsman Complaint Handling Code 2024: ack 5 WD; reply 10 WD "
		               "from ack (+10); Stage 2 ack 5 WD, reply 20 WD from ack (+20)",
		.stage = {
			{ .ack_days = 5, .response_days = 10, .base = RD_CLOCK_ACK,
			  .extension_days = 10 },
			{ .ack_days = 5, .response_days = 20, .base = RD_CLOCK_ACK,
			  .extension_days = 20 },
		},
		.has_stage2 = TRUE,
		.reminder_days = 2,
		.holding_ombudsman_details = TRUE,
		.ombudsman = RD_OMBUDSMAN_HOUSING,
	},
	{
		/* docs/procedure.md §2.5, "SPSO Model CHP" [C]: no separate
		 * Stage 1 acknowledgement; frontline response in 5 WD, extended
		 * only exceptionally to 10 WD in total [unverified]; Stage 2 ack
		 * 3 WD, reply 20 WD, extension for a clear reason to a revised
		 * date agreed with the complainant (no fixed cap, so no
		 * automatic holding reply). Clock from receipt. */
		.name = "spso",
		.description = "SPSO model procedure: frontline 5 WD (to 10 in total); "
		               "investigation ack 3 WD, reply 20 WD",
		.stage = {
			{ .ack_days = 0, .response_days = 5, .base = RD_CLOCK_RECEIPT,
			  .extension_days = 5 },
			{ .ack_days = 3, .response_days = 20, .base = RD_CLOCK_RECEIPT,
			  .extension_days = 0, .extension_by_agreement = TRUE },
		},
		.has_stage2 = TRUE,
		.reminder_days = 2,
		.holding_ombudsman_details = FALSE,
		.ombudsman = RD_OMBUDSMAN_SPSO,
	},
	{
		/* docs/procedure.md §2.6, "Children Act 1989 representations"
		 * [D]: ack 3 WD (council guide); Stage 1 10 WD, up to 20 in all;
		 * Stage 2 25 WD, up to 65 in all. The table gives no Stage 2
		 * ack. Stage 2 is timed from when the complaint statement is
		 * agreed [D2]: the caller passes that day as Stage 2's receipt. */
		.name = "childrens-statutory",
		.description = "Children Act 1989 statutory procedure: ack 3 WD; Stage 1 10 WD "
		               "(to 20); Stage 2 25 WD (to 65)",
		.stage = {
			{ .ack_days = 3, .response_days = 10, .base = RD_CLOCK_RECEIPT,
			  .extension_days = 10 },
			{ .ack_days = 0, .response_days = 25, .base = RD_CLOCK_RECEIPT,
			  .extension_days = 40 },
		},
		.has_stage2 = TRUE,
		.reminder_days = 2,
		.holding_ombudsman_details = FALSE,
		.ombudsman = RD_OMBUDSMAN_LGSCO,
	},
	{
		/* docs/procedure.md §2.7, "Adult social care (England, SI
		 * 2009/309)" [E]: ack no later than 3 WD after the day of
		 * receipt; one stage; response within 6 months or a longer
		 * period agreed with the complainant. */
		.name = "adult-social-care",
		.description = "Adult social care (SI 2009/309): ack 3 WD after receipt; "
		               "one stage, response within 6 months or as agreed",
		.stage = {
			{ .ack_days = 3, .response_days = 0, .response_months = 6,
			  .base = RD_CLOCK_RECEIPT, .extension_days = 0,
			  .extension_by_agreement = TRUE },
			{ 0 },
		},
		.has_stage2 = FALSE,
		/* Not in the rules: two working days' notice is no use on a
		 * six-month clock, so remind a fortnight ahead. */
		.reminder_days = 10,
		.holding_ombudsman_details = FALSE,
		.ombudsman = RD_OMBUDSMAN_LGSCO,
	},
};

static const char *const builtin_names[] = {
	"council", "lgsco-2024", "housing-ombudsman-2024", "spso",
	"childrens-statutory", "adult-social-care", NULL,
};

G_STATIC_ASSERT(G_N_ELEMENTS(builtin_names) == G_N_ELEMENTS(builtins) + 1);

const RdProfile *
rd_profile_builtin(const char *name)
{
	for (guint i = 0; name != NULL && i < G_N_ELEMENTS(builtins); i++) {
		if (strcmp(name, builtins[i].name) == 0)
			return &builtins[i];
	}
	return NULL;
}

const char *const *
rd_profile_builtin_names(void)
{
	return builtin_names;
}

static gboolean
is_builtin(const RdProfile *p)
{
	uintptr_t a = (uintptr_t)p;
	return a >= (uintptr_t)&builtins[0] &&
	       a < (uintptr_t)&builtins[G_N_ELEMENTS(builtins)];
}

/* ---- owned profiles --------------------------------------------------------- */

typedef struct {
	RdProfile pub;      /* first: an RdProfile* is an OwnedProfile* */
	char *name;         /* pub.name points here */
	char *description;  /* pub.description points here, or NULL */
} OwnedProfile;

static gboolean
name_ok(const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;
	if (n == 0 || n > 64)
		return FALSE;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!(g_ascii_islower(c) || g_ascii_isdigit(c) || c == '-'))
			return FALSE;
	}
	return TRUE;
}

static void
set_description(OwnedProfile *o, const char *text)
{
	g_free(o->description);
	o->description = g_strdup(text);
	o->pub.description = o->description;
}

RdProfile *
rd_profile_new(const char *name)
{
	if (!name_ok(name))
		return NULL;
	OwnedProfile *o = g_new0(OwnedProfile, 1);
	o->name = g_strdup(name);
	o->pub.name = o->name;
	set_description(o, name);
	return &o->pub;
}

RdProfile *
rd_profile_copy(const RdProfile *p, const char *name)
{
	g_return_val_if_fail(p != NULL, NULL);

	RdProfile *q = rd_profile_new(name != NULL ? name : p->name);
	if (q == NULL)
		return NULL;
	OwnedProfile *o = (OwnedProfile *)q;
	o->pub = *p;
	o->pub.name = o->name;
	o->pub.description = NULL;
	set_description(o, p->description);
	return q;
}

void
rd_profile_free(RdProfile *p)
{
	if (p == NULL)
		return;
	g_return_if_fail(!is_builtin(p));
	OwnedProfile *o = (OwnedProfile *)p;
	g_free(o->name);
	g_free(o->description);
	g_free(o);
}

/* ---- keys ------------------------------------------------------------------- */

typedef enum { K_UINT, K_BOOL, K_CLOCK, K_OMBUDSMAN, K_TEXT, K_BASE } KeyType;

/* One configuration key. A stage key (stage 0 or 1) addresses a field of
 * RdStageRules; a profile key (stage -1) a field of RdProfile. */
typedef struct {
	const char *key;
	int stage;
	KeyType type;
	size_t offset;
	guint max;          /* K_UINT: largest value accepted */
} KeyDef;

#define SK(k, st, t, field, mx) { k, st, t, offsetof(RdStageRules, field), mx }
#define PK(k, t, field, mx) { k, -1, t, offsetof(RdProfile, field), mx }

static const KeyDef keydefs[] = {
	{ "description", -1, K_TEXT, 0, 0 },
	{ "base", -1, K_BASE, 0, 0 },
	SK("ack_days", 0, K_UINT, ack_days, 60),
	SK("response_days", 0, K_UINT, response_days, 260),
	SK("response_months", 0, K_UINT, response_months, 24),
	SK("extension_days", 0, K_UINT, extension_days, 260),
	SK("extension_by_agreement", 0, K_BOOL, extension_by_agreement, 0),
	SK("dept_notice_days", 0, K_UINT, dept_notice_days, 60),
	SK("clock", 0, K_CLOCK, base, 0),
	PK("stage2", K_BOOL, has_stage2, 0),
	SK("stage2_ack_days", 1, K_UINT, ack_days, 60),
	SK("stage2_response_days", 1, K_UINT, response_days, 260),
	SK("stage2_response_months", 1, K_UINT, response_months, 24),
	SK("stage2_extension_days", 1, K_UINT, extension_days, 260),
	SK("stage2_extension_by_agreement", 1, K_BOOL, extension_by_agreement, 0),
	SK("stage2_dept_notice_days", 1, K_UINT, dept_notice_days, 60),
	SK("stage2_clock", 1, K_CLOCK, base, 0),
	PK("reminder_days", K_UINT, reminder_days, 60),
	PK("holding_ombudsman_details", K_BOOL, holding_ombudsman_details, 0),
	PK("ombudsman", K_OMBUDSMAN, ombudsman, 0),
};

static const char *const key_names[] = {
	"description", "base", "ack_days", "response_days", "response_months",
	"extension_days", "extension_by_agreement", "dept_notice_days", "clock",
	"stage2", "stage2_ack_days", "stage2_response_days",
	"stage2_response_months", "stage2_extension_days",
	"stage2_extension_by_agreement", "stage2_dept_notice_days",
	"stage2_clock", "reminder_days", "holding_ombudsman_details",
	"ombudsman", NULL,
};

G_STATIC_ASSERT(G_N_ELEMENTS(key_names) == G_N_ELEMENTS(keydefs) + 1);

const char *const *
rd_profile_keys(void)
{
	return key_names;
}

static const KeyDef *
find_key(const char *key)
{
	for (guint i = 0; key != NULL && i < G_N_ELEMENTS(keydefs); i++) {
		if (strcmp(key, keydefs[i].key) == 0)
			return &keydefs[i];
	}
	return NULL;
}

static void *
field(RdProfile *p, const KeyDef *k)
{
	char *base = k->stage < 0 ? (char *)p : (char *)&p->stage[k->stage];
	return base + k->offset;
}

/* Copy every timescale of @from into @p; the name and description stay. */
static void
take_rules(RdProfile *p, const RdProfile *from)
{
	const char *name = p->name, *description = p->description;
	*p = *from;
	p->name = name;
	p->description = description;
}

static char *
joined(const char *const *names)
{
	return g_strjoinv(", ", (char **)names);
}

gboolean
rd_profile_set(RdProfile *p, const char *key, const char *value,
               GError **error)
{
	g_return_val_if_fail(p != NULL && !is_builtin(p), FALSE);
	g_return_val_if_fail(key != NULL && value != NULL, FALSE);

	const KeyDef *k = find_key(key);
	if (k == NULL) {
		g_autofree char *known = joined(key_names);
		g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_INVALID,
		            "unknown profile key \"%s\" (known keys: %s)", key, known);
		return FALSE;
	}

	switch (k->type) {
	case K_UINT: {
		guint64 v = 0;
		/* Digits only: no sign, no space, no hex. */
		gboolean ok = value[0] != '\0' && strspn(value, "0123456789") == strlen(value) &&
		              g_ascii_string_to_unsigned(value, 10, 0, k->max, &v, NULL);
		if (!ok) {
			g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_INVALID,
			            "%s must be a whole number from 0 to %u", key, k->max);
			return FALSE;
		}
		*(guint *)field(p, k) = (guint)v;
		return TRUE;
	}
	case K_BOOL:
		if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0) {
			g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_INVALID,
			            "%s must be true or false", key);
			return FALSE;
		}
		*(gboolean *)field(p, k) = strcmp(value, "true") == 0;
		return TRUE;
	case K_CLOCK: {
		RdClockBase b;
		if (!rd_clock_base_from_string(value, &b)) {
			g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_INVALID,
			            "%s must be receipt or acknowledgement", key);
			return FALSE;
		}
		*(RdClockBase *)field(p, k) = b;
		return TRUE;
	}
	case K_OMBUDSMAN: {
		RdOmbudsman o;
		if (!rd_ombudsman_from_string(value, &o)) {
			g_autofree char *known = joined(ombudsman_names);
			g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_INVALID,
			            "%s must be one of %s", key, known);
			return FALSE;
		}
		*(RdOmbudsman *)field(p, k) = o;
		return TRUE;
	}
	case K_TEXT:
		set_description((OwnedProfile *)p, value);
		return TRUE;
	case K_BASE: {
		const RdProfile *from = rd_profile_builtin(value);
		if (from == NULL) {
			g_autofree char *known = joined(builtin_names);
			g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_INVALID,
			            "%s must be a built-in profile: %s", key, known);
			return FALSE;
		}
		take_rules(p, from);
		return TRUE;
	}
	}
	g_assert_not_reached();
}

/* ---- check ------------------------------------------------------------------ */

static gboolean
check_stage(const RdStageRules *r, const char *prefix, GError **error)
{
	if (r->response_days > 0 && r->response_months > 0) {
		g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_INVALID,
		            "%sresponse_days and %sresponse_months cannot both be set",
		            prefix, prefix);
		return FALSE;
	}
	if (r->response_days == 0 && r->response_months == 0) {
		g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_INVALID,
		            "%sresponse_days (or %sresponse_months) must be set",
		            prefix, prefix);
		return FALSE;
	}
	if (r->response_months > 0 && r->base != RD_CLOCK_RECEIPT) {
		g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_INVALID,
		            "%sclock must be receipt when %sresponse_months is set",
		            prefix, prefix);
		return FALSE;
	}
	if (r->base == RD_CLOCK_ACK && r->ack_days == 0) {
		g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_INVALID,
		            "%sclock acknowledgement needs %sack_days above 0",
		            prefix, prefix);
		return FALSE;
	}
	return TRUE;
}

gboolean
rd_profile_check(const RdProfile *p, GError **error)
{
	g_return_val_if_fail(p != NULL, FALSE);

	if ((guint)p->ombudsman >= RD_OMBUDSMAN_N) {
		g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_INVALID,
		            "ombudsman is not set to a known Ombudsman");
		return FALSE;
	}
	if (!check_stage(&p->stage[0], "", error))
		return FALSE;
	if (p->has_stage2 && !check_stage(&p->stage[1], "stage2_", error))
		return FALSE;
	return TRUE;
}

RdProfile *
rd_profile_new_from_keys(const char *name, const char *const *keys,
                         const char *const *values, GError **error)
{
	g_return_val_if_fail(keys != NULL && values != NULL, NULL);

	g_autoptr(RdProfile) p = rd_profile_new(name);
	if (p == NULL) {
		g_set_error(error, RD_PROFILE_ERROR, RD_PROFILE_ERROR_INVALID,
		            "profile name \"%s\" must be 1 to 64 lower-case letters, digits or '-'",
		            name != NULL ? name : "");
		return NULL;
	}

	/* The base first, wherever it is written, so the other keys
	 * override it. */
	gboolean have_base = FALSE;
	for (guint i = 0; keys[i] != NULL && values[i] != NULL; i++) {
		if (strcmp(keys[i], "base") != 0)
			continue;
		if (!rd_profile_set(p, keys[i], values[i], error))
			return NULL;
		have_base = TRUE;
	}
	const RdProfile *same = rd_profile_builtin(name);
	if (!have_base && same != NULL) {
		take_rules(p, same);
		set_description((OwnedProfile *)p, same->description);
	}
	for (guint i = 0; keys[i] != NULL && values[i] != NULL; i++) {
		if (strcmp(keys[i], "base") == 0)
			continue;
		if (!rd_profile_set(p, keys[i], values[i], error))
			return NULL;
	}
	if (!rd_profile_check(p, error))
		return NULL;
	return g_steal_pointer(&p);
}
