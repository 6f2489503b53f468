/* gen.c — write a synthetic Maildir of council complaint mail for the
 * ingest benchmark.
 *
 *   gen OUTDIR COUNT SEED
 *
 * Creates OUTDIR/cur, OUTDIR/new and OUTDIR/tmp and writes COUNT messages
 * into OUTDIR/new, each first to tmp/ and then renamed. The output depends
 * only on COUNT and SEED: every random choice comes from one GRand seeded
 * with SEED (bulk attachment bytes from a xorshift generator that GRand
 * seeds), and dates advance from a fixed start.
 *
 * The mix, tuned so that 20,000 messages come to about 850 MB:
 *   - text/plain bodies of 1–5 KB in UTF-8 (7bit, 8bit, quoted-printable
 *     or base64) or ISO-8859-1, about half also as multipart/alternative
 *     with an HTML part;
 *   - 10% multipart/mixed with one to three 50–500 KB base64 attachments
 *     (PDF, JPEG and DOCX names and magic numbers, random bytes after);
 *   - about 20% RFC 2047 subjects (UTF-8 B and Q, ISO-8859-1 Q);
 *   - about 40% replies to earlier messages, with In-Reply-To, References,
 *     a "Re:" subject and the parent quoted under an "On … wrote:" line;
 *   - case references such as CMP-2026-000123 in some reply subjects.
 *
 * Prints one line to stdout: messages, total bytes, largest message and the
 * time taken.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

/* ---- tunables ---------------------------------------------------------- */

#define P_REPLY          0.40   /* replies to an earlier message */
#define P_ATTACH         0.10   /* messages with attachments */
#define P_ALTERNATIVE    0.50   /* text + HTML */
#define P_ENCODE_ASCII   0.03   /* RFC 2047 on an all-ASCII subject */
#define P_CASE_REF       0.25   /* a reply that adds the case reference */
#define ATT_MIN          (50 * 1024)
#define ATT_SPAN         (450 * 1024)  /* size = MIN + SPAN * u^2 */
#define QUOTE_KEEP       2500   /* bytes of a message kept for quoting */
#define RECENT_WINDOW    600    /* replies mostly answer recent mail */

/* ---- word lists -------------------------------------------------------- */

static const char *const first_names[] = {
	"Olivia", "Amelia", "Isla", "Ava", "Mia", "Grace", "Sophie", "Emily",
	"Jack", "Harry", "George", "Noah", "Oliver", "Thomas", "James", "William",
	"Margaret", "Susan", "Patricia", "Linda", "David", "John", "Peter", "Paul",
	"Mohammed", "Aisha", "Priya", "Raj", "Fatima", "Omar", "Wei", "Mei",
	"Zoë", "Seán", "Siân", "Renée", "Chloé", "Aoife", "Niamh", "Łukasz",
	"Agnieszka", "Jürgen", "Dorothy", "Barbara", "Keith", "Graham", "Derek",
	"Bronwen", "Rhys", "Eilidh",
};

static const char *const last_names[] = {
	"Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans",
	"Wilson", "Thomas", "Johnson", "Roberts", "Robinson", "Thompson",
	"Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
	"Patel", "Khan", "Ahmed", "Begum", "Singh", "Nowak", "Kowalski",
	"O'Brien", "McDonald", "Murphy", "Chen", "Okafor", "Mensah", "Müller",
	"Fernández", "Clarke", "Baker", "Harris", "Lewis", "Morgan",
};

static const char *const streets[] = {
	"High Street", "Station Road", "Church Lane", "Mill Lane", "Victoria Road",
	"Park Avenue", "Queen's Road", "Orchard Close", "Manor Way", "Kings Drive",
	"Chapel Street", "School Lane", "Green Lane", "The Crescent", "Elm Grove",
	"Willow Walk", "Brook Street", "Albert Terrace", "Castle Hill",
	"Meadow View", "Springfield Road", "Windsor Gardens", "Oak Tree Court",
	"Riverside", "Bridge Street", "North Parade", "Holly Bank",
	"Beechwood Avenue", "Cedar Rise", "Market Place",
};

static const char *const towns[] = {
	"Ashbury", "Bramford", "Castlemere", "Dunholm", "Eastwick", "Fernleigh",
	"Glenbrook", "Hartwell", "Ivybridge Vale", "Kingsmead", "Longford",
	"Marsh End",
};

static const char *const providers[] = {
	"mailbox.example", "webmail.example.net", "post.example.org",
	"btmail.example", "outlook.example.com", "fastmail.example",
};

static const char *const user_agents[] = {
	"X-Mailer: Microsoft Outlook 16.0",
	"User-Agent: Mozilla Thunderbird",
	"X-Mailer: iPhone Mail (21D61)",
	"User-Agent: Roundcube Webmail/1.6.5",
	"X-Mailer: Apple Mail (2.3774.400.31)",
	NULL,
	NULL,
};

static const char *const day_names[] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
};

static const char *const month_names[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static const char *const weekdays_long[] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
};

/* One complaint topic: subject templates, sentences for the body and the
 * team that answers. Templates use {street}, {town}, {num}, {day}, {weeks}
 * (an ordinal), {nweeks}, {amount}, {month}; lists end with NULL. */
typedef struct {
	const char *team;                /* display name of the answering team */
	const char *team_addr;           /* local part at council.example */
	const char *subjects[8];
	const char *sentences[14];
} Topic;

static const Topic topics[] = {
	{ "Waste Services", "waste", {
		"Bins not collected on {street}",
		"Missed bin collection - {street}, {town}",
		"Recycling bin missed again",
		"Green waste collection missed – {day}",
		"Bin collection complaint",
		NULL }, {
		"Our bins were not collected on {day} even though they were out by 7am.",
		"This is the {weeks} week in a row that the recycling has been missed on {street}.",
		"The crew seem to skip the houses at the far end of the road because of parked cars.",
		"The food waste caddy was left open and foxes have spread rubbish all over the pavement.",
		"I reported the missed collection online but the form said the round was completed.",
		"My neighbour at number {num} has had the same problem with the green bin.",
		"The bins are now overflowing and there is a smell coming from them.",
		"I am paying £{amount} a year for the garden waste service and it is not being provided.",
		"Can you please arrange for the bins to be collected as soon as possible?",
		"The lid of the grey bin was broken by the lorry and has not been replaced.",
		NULL } },
	{ "Highways", "highways", {
		"Pothole on {street}",
		"Dangerous pothole outside {num} {street}",
		"Road surface on {street}, {town}",
		"Damage to my car from a pothole – claim",
		"Pavement trip hazard on {street}",
		NULL }, {
		"There is a large pothole outside number {num} which is now about a foot across.",
		"Cyclists are having to swerve into the traffic to avoid it.",
		"I hit the pothole on {day} evening and it has damaged my tyre and wheel rim.",
		"The repair costs came to £{amount} and I would like to claim this back from the council.",
		"It was reported over {nweeks} weeks ago and has only been marked with paint.",
		"The street light next to it is also out, so it cannot be seen after dark.",
		"An elderly neighbour tripped on the raised paving slab near the bus stop.",
		"Water collects in the hole when it rains so you cannot tell how deep it is.",
		"I have attached photographs showing the size of the hole.",
		"Please let me know when it will be repaired properly rather than patched again.",
		NULL } },
	{ "Council Tax", "counciltax", {
		"Council tax bill error",
		"Council tax reduction refused",
		"Wrong council tax band for {num} {street}",
		"Council tax direct debit taken twice",
		"Council tax – charged £{amount} too much",
		"Single person discount removed",
		NULL }, {
		"My council tax bill for this year shows an amount of £{amount} which is wrong.",
		"I have lived on my own since {month} and the single person discount has been removed.",
		"The direct debit was taken twice this month and I have been left overdrawn.",
		"I have sent the tenancy agreement three times but the account still shows the old tenant.",
		"I received a reminder notice even though I have paid every instalment on time.",
		"The property has been empty since {month} while building work is done.",
		"Nobody has replied to my letter about the council tax reduction application.",
		"The phone line says to email, and the email says to phone.",
		"Please refund the overpayment of £{amount} to my bank account.",
		"My account number is on the attached bill.",
		NULL } },
	{ "Housing Repairs", "housing.repairs", {
		"Damp and mould in my flat",
		"Repair not done - boiler at {num} {street}",
		"Leaking roof at {num} {street}",
		"Housing repair complaint",
		"Broken window not fixed after {nweeks} weeks",
		"No heating or hot water",
		NULL }, {
		"There is black mould on the bedroom walls and my children have been coughing for weeks.",
		"The boiler broke down on {day} and we have had no heating or hot water since.",
		"A repairs operative came out but said he did not have the right part and would come back.",
		"Nobody came back and the repair job now shows as completed on the portal.",
		"Water is coming through the ceiling in the bathroom whenever it rains.",
		"I have taken {nweeks} days off work waiting in for appointments that did not happen.",
		"The window in the living room does not shut and the flat is freezing.",
		"I am a council tenant at {num} {street} and have been for eleven years.",
		"My daughter has asthma and the damp is making it worse.",
		"I want to know when the work will actually be done.",
		NULL } },
	{ "Environmental Health", "envhealth", {
		"Noise complaint - {num} {street}",
		"Fly-tipping on {street}",
		"Rats near the flats on {street}",
		"Bonfire smoke from neighbour",
		"Dog fouling outside the school on {street}",
		NULL }, {
		"The people at number {num} play loud music until three or four in the morning.",
		"Someone has dumped a mattress, a fridge and bags of rubble at the end of {street}.",
		"The fly-tipping has been there since {day} and is now attracting rats.",
		"I have kept a noise diary as your officer asked and I have attached it.",
		"Children walking to school have to step around the dog mess every morning.",
		"We have seen rats running between the bin store and the play area.",
		"The smoke comes straight into our garden and we cannot open the windows.",
		"I reported this {nweeks} weeks ago and was given a reference number but nothing happened.",
		"Could an officer please visit in the evening when the problem happens?",
		NULL } },
	{ "Parking Services", "parking", {
		"Parking fine appeal",
		"Penalty charge notice issued in error",
		"Resident parking permit not received",
		"Parking on the pavement on {street}",
		NULL }, {
		"I was given a penalty charge notice of £{amount} while parked in my own permit zone.",
		"My permit was clearly displayed on the dashboard and I have a photograph of it.",
		"I paid for the permit online in {month} but it has still not arrived.",
		"Cars park on the pavement outside number {num} and wheelchair users cannot get past.",
		"The signs at the entrance to {street} are faded and cannot be read.",
		"I would like the penalty to be cancelled.",
		"The parking machine was out of order and there was no other way to pay.",
		NULL } },
	{ "Planning", "planning", {
		"Planning application objection – {num} {street}",
		"Building work without permission on {street}",
		"Complaint about planning enforcement",
		NULL }, {
		"The extension at number {num} is much larger than the plans that were approved.",
		"Building work starts at half past six in the morning, including on Saturdays.",
		"We were not notified about the planning application even though we live next door.",
		"The new fence blocks the view for drivers coming out of {street}.",
		"I asked for an enforcement officer to visit {nweeks} weeks ago.",
		"The builders have also blocked the shared driveway with a skip.",
		NULL } },
	{ "Street Lighting", "streetlighting", {
		"Street light out on {street}",
		"Street lights not working – {town}",
		NULL }, {
		"Three street lights on {street} have not worked since {month}.",
		"The road is completely dark and people do not feel safe walking home.",
		"The light outside number {num} flickers on and off all night.",
		"I reported it using the online form and the fault reference has now disappeared.",
		"There was an attempted break-in on the street last week.",
		NULL } },
};

static const char *const greetings[] = {
	"Dear Sir or Madam,", "Hello,", "To whom it may concern,",
	"Dear Complaints Team,", "Hi,", "Good morning,", "Dear Council,",
};

static const char *const generic_sentences[] = {
	"I have already called the contact centre twice and was told someone would ring me back.",
	"This is the third time I have had to write about this.",
	"I would like this treated as a formal stage 1 complaint.",
	"I am disappointed with how this has been handled.",
	"Your website says you will respond within ten working days.",
	"I am happy for an officer to contact me on the number below.",
	"I have copied in my local councillor.",
	"I work shifts so email is the best way to reach me.",
	"I have lived in {town} for over twenty years and have never had to complain before.",
	"It should not take this many emails to get something so simple sorted.",
	"I look forward to hearing from you.",
	"Please acknowledge receipt of this email.",
	"I was told on {day} that the matter had been passed to the relevant team.",
	"Other residents on {street} feel the same way.",
};

static const char *const followup_sentences[] = {
	"I still have not heard back about this.",
	"Thank you for your reply, however the problem has not been fixed.",
	"It is now {nweeks} weeks since I first reported this.",
	"Can you please tell me who is dealing with my complaint?",
	"Nothing has changed since my last email.",
	"I am not satisfied with the response and would like to escalate to stage 2.",
	"The officer who visited on {day} said it would be sorted within a week.",
	"Please see my earlier email below.",
	"I have had no acknowledgement at all.",
	"If I do not hear back I will be taking this to the Ombudsman.",
	"Thank you for sorting this out so quickly.",
	"The problem came back again on {day}.",
};

static const char *const officer_sentences[] = {
	"Thank you for your email, which has been passed to me to respond to.",
	"I have asked the team to look into this and will update you by {day}.",
	"An inspector visited the site on {day} and has raised a works order.",
	"I am sorry for the delay in getting back to you.",
	"I have checked our records and can see your previous reports.",
	"The crew have been reminded of the need to return to missed properties.",
	"I have arranged for the account to be corrected and a revised bill will follow.",
	"Please quote the case reference in any further correspondence.",
	"If you remain dissatisfied you can ask for your complaint to be escalated.",
};

static const char *const closings[] = {
	"Yours faithfully,", "Kind regards,", "Regards,", "Many thanks,",
	"Thanks,", "Yours sincerely,", "Best wishes,",
};

/* ---- random helpers ---------------------------------------------------- */

static GRand *rng;

static guint
rnd(guint n)
{
	return (guint)g_rand_int_range(rng, 0, (gint32)n);
}

static gboolean
chance(double p)
{
	return g_rand_double(rng) < p;
}

#define PICK(arr) ((arr)[rnd(G_N_ELEMENTS(arr))])

static guint
count_list(const char *const *list)
{
	guint n = 0;
	while (list[n] != NULL)
		n++;
	return n;
}

static const char *
pick_list(const char *const *list)
{
	return list[rnd(count_list(list))];
}

/* Bulk bytes for attachments: xorshift64*, seeded from GRand. */
static guint64 xs_state;

static guint64
xs_next(void)
{
	xs_state ^= xs_state >> 12;
	xs_state ^= xs_state << 25;
	xs_state ^= xs_state >> 27;
	return xs_state * G_GUINT64_CONSTANT(2685821657736338717);
}

static void
fill_random(guint8 *buf, gsize len)
{
	xs_state = ((guint64)g_rand_int(rng) << 32) | g_rand_int(rng) | 1;
	gsize i = 0;
	for (; i + 8 <= len; i += 8) {
		guint64 v = xs_next();
		memcpy(buf + i, &v, 8);
	}
	if (i < len) {
		guint64 v = xs_next();
		memcpy(buf + i, &v, len - i);
	}
}

/* ---- encoders ---------------------------------------------------------- */

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of @len bytes; with @wrap, 76-column lines each ending in LF. */
static void
append_base64(GString *out, const guint8 *in, gsize len, gboolean wrap)
{
	gsize need = (len + 2) / 3 * 4;
	gsize start = out->len;
	g_string_set_size(out, start + need + need / 76 + 2);
	char *p = out->str + start;
	guint col = 0;
	gsize i = 0;
	for (; i + 3 <= len; i += 3) {
		guint32 v = ((guint32)in[i] << 16) | ((guint32)in[i + 1] << 8) | in[i + 2];
		*p++ = b64chars[(v >> 18) & 63];
		*p++ = b64chars[(v >> 12) & 63];
		*p++ = b64chars[(v >> 6) & 63];
		*p++ = b64chars[v & 63];
		col += 4;
		if (wrap && col == 76) {
			*p++ = '\n';
			col = 0;
		}
	}
	if (i < len) {
		guint32 v = (guint32)in[i] << 16;
		if (i + 1 < len)
			v |= (guint32)in[i + 1] << 8;
		*p++ = b64chars[(v >> 18) & 63];
		*p++ = b64chars[(v >> 12) & 63];
		*p++ = i + 1 < len ? b64chars[(v >> 6) & 63] : '=';
		*p++ = '=';
		col += 4;
	}
	if (wrap && col > 0)
		*p++ = '\n';
	g_string_set_size(out, (gsize)(p - out->str));
}

/* Quoted-printable body: hard line breaks stay LF, soft breaks at 76. */
static void
append_qp(GString *out, const char *in, gsize len)
{
	static const char hex[] = "0123456789ABCDEF";
	guint col = 0;
	for (gsize i = 0; i < len; i++) {
		guchar c = (guchar)in[i];
		if (c == '\n') {
			g_string_append_c(out, '\n');
			col = 0;
			continue;
		}
		gboolean at_eol = i + 1 == len || in[i + 1] == '\n';
		gboolean literal = (c >= 33 && c <= 126 && c != '=') ||
		                   ((c == ' ' || c == '\t') && !at_eol);
		guint w = literal ? 1 : 3;
		if (col + w > 75) {
			g_string_append(out, "=\n");
			col = 0;
		}
		if (literal) {
			g_string_append_c(out, (char)c);
		} else {
			g_string_append_c(out, '=');
			g_string_append_c(out, hex[c >> 4]);
			g_string_append_c(out, hex[c & 15]);
		}
		col += w;
	}
}

static gboolean
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((guchar)*s >= 0x80)
			return FALSE;
	return TRUE;
}

/* One RFC 2047 "Q" encoded word's text; @s is in the target charset. */
static void
append_q_chunk(GString *out, const char *s, gsize len)
{
	static const char hex[] = "0123456789ABCDEF";
	for (gsize i = 0; i < len; i++) {
		guchar c = (guchar)s[i];
		if (c == ' ')
			g_string_append_c(out, '_');
		else if (g_ascii_isalnum(c) || c == '-' || c == '!' || c == '*' ||
		         c == '+' || c == '/')
			g_string_append_c(out, (char)c);
		else {
			g_string_append_c(out, '=');
			g_string_append_c(out, hex[c >> 4]);
			g_string_append_c(out, hex[c & 15]);
		}
	}
}

static gsize
q_width(guchar c)
{
	if (c == ' ' || g_ascii_isalnum(c) || c == '-' || c == '!' || c == '*' ||
	    c == '+' || c == '/')
		return 1;
	return 3;
}

/* Append @utf8 as RFC 2047 encoded words, folded with LF + space.
 * @mode: 0 = UTF-8 B, 1 = UTF-8 Q, 2 = ISO-8859-1 Q (falls back to UTF-8 Q
 * when the text has characters outside Latin-1). */
static void
append_encoded_words(GString *out, const char *utf8, guint mode)
{
	g_autofree char *latin1 = NULL;
	const char *charset = "UTF-8";
	const char *text = utf8;
	if (mode == 2) {
		latin1 = g_convert(utf8, -1, "ISO-8859-1", "UTF-8", NULL, NULL, NULL);
		if (latin1 != NULL) {
			charset = "ISO-8859-1";
			text = latin1;
		} else {
			mode = 1;
		}
	}
	gboolean utf = mode != 2;
	gsize len = strlen(text);
	gsize i = 0;
	gboolean first = TRUE;
	while (i < len) {
		/* Take bytes up to the budget, never splitting a UTF-8 sequence. */
		gsize j = i, width = 0;
		gsize budget = mode == 0 ? 45 : 60;
		while (j < len) {
			gsize k = j + 1;
			if (utf)
				while (k < len && ((guchar)text[k] & 0xC0) == 0x80)
					k++;
			gsize w = 0;
			for (gsize m = j; m < k; m++)
				w += mode == 0 ? 1 : q_width((guchar)text[m]);
			if (width + w > budget && j > i)
				break;
			width += w;
			j = k;
		}
		if (!first)
			g_string_append(out, "\n ");
		first = FALSE;
		g_string_append_printf(out, "=?%s?%c?", charset, mode == 0 ? 'B' : 'Q');
		if (mode == 0)
			append_base64(out, (const guint8 *)text + i, j - i, FALSE);
		else
			append_q_chunk(out, text + i, j - i);
		g_string_append(out, "?=");
		i = j;
	}
}

/* ---- dates ------------------------------------------------------------- */

static gint64 bst_start, bst_end;   /* 2026 British Summer Time, UTC */

static void
append_date(GString *out, gint64 t)
{
	int off = t >= bst_start && t < bst_end ? 3600 : 0;
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t + off);
	g_string_append_printf(out, "%s, %02d %s %d %02d:%02d:%02d %s",
	                       day_names[g_date_time_get_day_of_week(dt) - 1],
	                       g_date_time_get_day_of_month(dt),
	                       month_names[g_date_time_get_month(dt) - 1],
	                       g_date_time_get_year(dt), g_date_time_get_hour(dt),
	                       g_date_time_get_minute(dt), g_date_time_get_second(dt),
	                       off != 0 ? "+0100" : "+0000");
}

/* ---- people and messages ---------------------------------------------- */

typedef struct {
	char *name;        /* UTF-8 display name */
	char *addr;        /* ASCII address */
	guint house;
	const char *street;
	const char *town;
	char *postcode;
	char *phone;
	gboolean officer;
} Person;

/* What a later reply needs from a message. */
typedef struct {
	char *message_id;  /* with angle brackets */
	char *references;  /* the References value it carried, or NULL */
	char *subject;     /* decoded, without any "Re: " */
	char *date;        /* as in its Date header */
	char *text;        /* start of its plain text, for quoting */
	Person *author;
	Person *citizen;   /* the member of the public in the thread */
	guint topic;
	guint case_no;     /* 0 = no reference yet */
	guint thread_no;   /* root's sequence number, 1-based */
} Sent;

static Person *
person_new_citizen(void)
{
	Person *p = g_new0(Person, 1);
	const char *first = PICK(first_names);
	const char *last = PICK(last_names);
	p->name = g_strconcat(first, " ", last, NULL);
	g_autofree char *af = g_str_to_ascii(first, "C");
	g_autofree char *al = g_str_to_ascii(last, "C");
	GString *local = g_string_new(NULL);
	guint style = rnd(4);
	for (const char *s = af; *s != '\0'; s++)
		if (g_ascii_isalnum(*s))
			g_string_append_c(local, g_ascii_tolower(*s));
	if (style == 0)
		g_string_truncate(local, 1);
	if (style != 3)
		g_string_append_c(local, style == 1 ? '.' : '_');
	for (const char *s = al; *s != '\0'; s++)
		if (g_ascii_isalnum(*s))
			g_string_append_c(local, g_ascii_tolower(*s));
	if (chance(0.4))
		g_string_append_printf(local, "%u", 1940 + rnd(70));
	p->addr = g_strdup_printf("%s@%s", local->str, PICK(providers));
	g_string_free(local, TRUE);
	p->house = 1 + rnd(180);
	p->street = PICK(streets);
	p->town = PICK(towns);
	p->postcode = g_strdup_printf("AB%u %u%c%c", 1 + rnd(29), rnd(10),
	                              'A' + rnd(26), 'A' + rnd(26));
	p->phone = g_strdup_printf("07700 900%03u", rnd(1000));
	return p;
}

static Person *
person_new_officer(const Topic *topic)
{
	Person *p = g_new0(Person, 1);
	const char *first = PICK(first_names);
	const char *last = PICK(last_names);
	g_autofree char *al = g_str_to_ascii(last, "C");
	GString *local = g_string_new(NULL);
	g_autofree char *af = g_str_to_ascii(first, "C");
	for (const char *s = af; *s != '\0'; s++)
		if (g_ascii_isalnum(*s))
			g_string_append_c(local, g_ascii_tolower(*s));
	g_string_append_c(local, '.');
	for (const char *s = al; *s != '\0'; s++)
		if (g_ascii_isalnum(*s))
			g_string_append_c(local, g_ascii_tolower(*s));
	p->name = g_strdup_printf("%s %s (%s)", first, last, topic->team);
	p->addr = g_strdup_printf("%s@council.example", local->str);
	g_string_free(local, TRUE);
	p->officer = TRUE;
	p->phone = g_strdup_printf("01632 960%03u", rnd(1000));
	return p;
}

/* Expand {placeholders} in @tmpl for @who. */
static void
expand(GString *out, const char *tmpl, const Person *who)
{
	static const char *const ordinals[] = {
		"second", "third", "fourth", "fifth", "sixth",
	};
	static const char *const months[] = {
		"October", "November", "December", "January", "February", "March",
	};
	const char *street = who->street != NULL ? who->street : PICK(streets);
	const char *town = who->town != NULL ? who->town : PICK(towns);
	const char *p = tmpl;
	while (*p != '\0') {
		const char *open = strchr(p, '{');
		if (open == NULL) {
			g_string_append(out, p);
			return;
		}
		g_string_append_len(out, p, open - p);
		const char *close = strchr(open, '}');
		g_assert(close != NULL);
		gsize n = (gsize)(close - open - 1);
		const char *key = open + 1;
		if (n == 6 && strncmp(key, "street", n) == 0)
			g_string_append(out, street);
		else if (n == 4 && strncmp(key, "town", n) == 0)
			g_string_append(out, town);
		else if (n == 3 && strncmp(key, "num", n) == 0)
			g_string_append_printf(out, "%u", who->house != 0 ? who->house : 1 + rnd(120));
		else if (n == 3 && strncmp(key, "day", n) == 0)
			g_string_append(out, PICK(weekdays_long));
		else if (n == 5 && strncmp(key, "weeks", n) == 0)
			g_string_append(out, PICK(ordinals));
		else if (n == 6 && strncmp(key, "nweeks", n) == 0)
			g_string_append_printf(out, "%u", 2 + rnd(11));
		else if (n == 6 && strncmp(key, "amount", n) == 0)
			g_string_append_printf(out, "%u.%02u", 20 + rnd(1900), rnd(100));
		else if (n == 5 && strncmp(key, "month", n) == 0)
			g_string_append(out, PICK(months));
		else
			g_assert_not_reached();
		p = close + 1;
	}
}

/* A paragraph of @n sentences, mostly from @main, some from @extra. */
static void
append_paragraph(GString *out, const char *const *main, const char *const *extra,
                 guint n_extra, guint n, const Person *who)
{
	const char *last = NULL;
	for (guint i = 0; i < n; i++) {
		const char *t;
		do {
			if (extra != NULL && chance(0.3))
				t = extra[rnd(n_extra)];
			else
				t = pick_list(main);
		} while (t == last);
		last = t;
		if (i > 0)
			g_string_append_c(out, ' ');
		expand(out, t, who);
	}
}

static void
append_signature(GString *out, const Person *who)
{
	g_string_append_printf(out, "%s\n%s", PICK(closings), who->name);
	if (who->officer) {
		g_string_append_printf(out, "\n%s\nTel: %s\n\nThis email and any attachments are "
		                       "confidential and intended only for the addressee.",
		                       "Customer Services, Council Offices", who->phone);
		return;
	}
	if (chance(0.7))
		g_string_append_printf(out, "\n%u %s\n%s\n%s", who->house, who->street,
		                       who->town, who->postcode);
	if (chance(0.6))
		g_string_append_printf(out, "\nTel: %s", who->phone);
	if (chance(0.2))
		g_string_append(out, "\n\nSent from my iPhone");
}

/* Wrap paragraphs at 72 columns; quoted lines ('>') are left alone. */
static void
append_wrapped(GString *out, const char *text)
{
	const char *line = text;
	while (*line != '\0') {
		const char *nl = strchr(line, '\n');
		gsize len = nl != NULL ? (gsize)(nl - line) : strlen(line);
		if (len <= 76 || line[0] == '>') {
			g_string_append_len(out, line, len);
		} else {
			gsize pos = 0;
			while (len - pos > 72) {
				gsize cut = pos + 72;
				while (cut > pos && line[cut] != ' ')
					cut--;
				if (cut == pos)
					cut = pos + 72;
				g_string_append_len(out, line + pos, cut - pos);
				g_string_append_c(out, '\n');
				pos = cut;
				while (pos < len && line[pos] == ' ')
					pos++;
			}
			g_string_append_len(out, line + pos, len - pos);
		}
		if (nl == NULL)
			break;
		g_string_append_c(out, '\n');
		line = nl + 1;
	}
}

/* Each line of @text prefixed for quoting. */
static void
append_quoted(GString *out, const char *text)
{
	const char *line = text;
	while (*line != '\0') {
		const char *nl = strchr(line, '\n');
		gsize len = nl != NULL ? (gsize)(nl - line) : strlen(line);
		if (len == 0)
			g_string_append(out, ">");
		else if (line[0] == '>')
			g_string_append_c(out, '>');
		else
			g_string_append(out, "> ");
		g_string_append_len(out, line, len);
		g_string_append_c(out, '\n');
		if (nl == NULL)
			break;
		line = nl + 1;
	}
}

static void
append_html_text(GString *out, const char *text)
{
	g_autofree char *esc = g_markup_escape_text(text, -1);
	for (const char *p = esc; *p != '\0'; p++) {
		if (*p == '\n')
			g_string_append(out, "<br>\n");
		else
			g_string_append_c(out, *p);
	}
}

/* Message body as plain text (UTF-8) and, optionally, HTML. */
typedef struct {
	GString *fresh;    /* the new text: paragraphs split by blank lines */
	char *attribution; /* "On … wrote:" or NULL */
	const char *quote; /* the parent's text, or NULL */
} Body;

static char *
render_plain(const Body *b)
{
	GString *out = g_string_sized_new(b->fresh->len + 2048);
	append_wrapped(out, b->fresh->str);
	g_string_append_c(out, '\n');
	if (b->attribution != NULL) {
		g_string_append_c(out, '\n');
		g_string_append(out, b->attribution);
		g_string_append_c(out, '\n');
		append_quoted(out, b->quote);
	}
	return g_string_free(out, FALSE);
}

static char *
render_html(const Body *b)
{
	GString *out = g_string_sized_new(b->fresh->len * 2 + 4096);
	g_string_append(out, "<html><head>\n<meta http-equiv=\"Content-Type\" "
	                "content=\"text/html; charset=utf-8\">\n</head>\n"
	                "<body style=\"font-family: Calibri, Arial, sans-serif; "
	                "font-size: 11pt\">\n<div dir=\"ltr\">\n");
	char **paras = g_strsplit(b->fresh->str, "\n\n", -1);
	for (guint i = 0; paras[i] != NULL; i++) {
		g_string_append(out, "<p>");
		append_html_text(out, paras[i]);
		g_string_append(out, "</p>\n");
	}
	g_strfreev(paras);
	if (b->attribution != NULL) {
		g_string_append(out, "<div class=\"gmail_quote\"><div dir=\"ltr\" "
		                "class=\"gmail_attr\">");
		append_html_text(out, b->attribution);
		g_string_append(out, "<br></div>\n<blockquote class=\"gmail_quote\" "
		                "style=\"margin:0px 0px 0px 0.8ex;border-left:1px solid "
		                "rgb(204,204,204);padding-left:1ex\">\n");
		append_html_text(out, b->quote);
		g_string_append(out, "</blockquote></div>\n");
	}
	g_string_append(out, "</div>\n</body></html>\n");
	return g_string_free(out, FALSE);
}

/* A text part's headers and encoded content, chosen at random. */
static void
append_text_part(GString *out, const char *subtype, const char *utf8)
{
	guint r = rnd(100);
	gboolean ascii = is_ascii(utf8);
	g_autofree char *latin1 = NULL;
	if (r >= 85 && r < 95)
		latin1 = g_convert(utf8, -1, "ISO-8859-1", "UTF-8", NULL, NULL, NULL);
	if (latin1 != NULL) {
		g_string_append_printf(out, "Content-Type: text/%s; charset=\"iso-8859-1\"\n"
		                       "Content-Transfer-Encoding: quoted-printable\n\n",
		                       subtype);
		append_qp(out, latin1, strlen(latin1));
	} else if (r < 55) {
		g_string_append_printf(out, "Content-Type: text/%s; charset=\"%s\"\n"
		                       "Content-Transfer-Encoding: %s\n\n", subtype,
		                       ascii ? "us-ascii" : "utf-8", ascii ? "7bit" : "8bit");
		g_string_append(out, utf8);
	} else if (r < 95) {
		g_string_append_printf(out, "Content-Type: text/%s; charset=\"UTF-8\"\n"
		                       "Content-Transfer-Encoding: quoted-printable\n\n",
		                       subtype);
		append_qp(out, utf8, strlen(utf8));
	} else {
		g_string_append_printf(out, "Content-Type: text/%s; charset=utf-8\n"
		                       "Content-Transfer-Encoding: base64\n\n", subtype);
		append_base64(out, (const guint8 *)utf8, strlen(utf8), TRUE);
	}
	if (out->len > 0 && out->str[out->len - 1] != '\n')
		g_string_append_c(out, '\n');
}

static void
new_boundary(char *buf, gsize size)
{
	g_snprintf(buf, size, "----=_Part_%u_%08x.%08x", rnd(100000), g_rand_int(rng),
	           g_rand_int(rng));
}

/* Text, or text + HTML as multipart/alternative. */
static void
append_body_entity(GString *out, const Body *b, const char *plain,
                   gboolean alternative)
{
	if (!alternative) {
		append_text_part(out, "plain", plain);
		return;
	}
	g_autofree char *html = render_html(b);
	char bnd[64];
	new_boundary(bnd, sizeof bnd);
	g_string_append_printf(out, "Content-Type: multipart/alternative;\n"
	                       " boundary=\"%s\"\n\n--%s\n", bnd, bnd);
	append_text_part(out, "plain", plain);
	g_string_append_printf(out, "\n--%s\n", bnd);
	append_text_part(out, "html", html);
	g_string_append_printf(out, "\n--%s--\n", bnd);
}


/* RFC 2231 extended value: charset''percent-encoded. */
static void
append_rfc2231(GString *out, const char *utf8)
{
	static const char hex[] = "0123456789ABCDEF";
	g_string_append(out, "utf-8''");
	for (const guchar *p = (const guchar *)utf8; *p != '\0'; p++) {
		if (g_ascii_isalnum(*p) || strchr("!#$&+-.^_`|~", *p) != NULL) {
			g_string_append_c(out, (char)*p);
		} else {
			g_string_append_c(out, '%');
			g_string_append_c(out, hex[*p >> 4]);
			g_string_append_c(out, hex[*p & 15]);
		}
	}
}

/* One base64 attachment of 50–500 KB under boundary @bnd. @buf holds at
 * least ATT_MIN + ATT_SPAN bytes. Returns the raw size. */
static gsize
append_attachment(GString *out, const char *bnd, guint8 *buf, const Person *who)
{
	static const char *const pdf_names[] = {
		"letter.pdf", "council_tax_bill.pdf", "Scan_0001.pdf", "evidence.pdf",
		"repair_invoice.pdf", "noise_diary.pdf", "PCN.pdf",
	};
	static const char *const doc_names[] = {
		"complaint_letter.docx", "repair_request.docx", "Statement.docx",
		"timeline of events.docx",
	};
	static const guint8 jpeg_magic[] = {
		0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01,
	};
	static const guint8 zip_magic[] = {
		'P', 'K', 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00,
	};
	double u = g_rand_double(rng);
	gsize size = ATT_MIN + (gsize)(ATT_SPAN * u * u);
	const char *ctype;
	const char *disposition = "attachment";
	char name[64];
	fill_random(buf, size);
	guint kind = rnd(100);
	if (kind < 45) {
		static const char head[] = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
		static const char tail[] = "\n%%EOF\n";
		memcpy(buf, head, sizeof head - 1);
		memcpy(buf + size - (sizeof tail - 1), tail, sizeof tail - 1);
		ctype = "application/pdf";
		g_strlcpy(name, PICK(pdf_names), sizeof name);
	} else if (kind < 80) {
		memcpy(buf, jpeg_magic, sizeof jpeg_magic);
		buf[size - 2] = 0xFF;
		buf[size - 1] = 0xD9;
		ctype = "image/jpeg";
		if (chance(0.5))
			g_snprintf(name, sizeof name, "IMG_%04u.JPG", rnd(10000));
		else
			g_snprintf(name, sizeof name, "photo %u.jpg", 1 + rnd(12));
		if (chance(0.3))
			disposition = "inline";
	} else {
		memcpy(buf, zip_magic, sizeof zip_magic);
		ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
		g_strlcpy(name, PICK(doc_names), sizeof name);
	}
	g_string_append_printf(out, "\n--%s\n", bnd);
	if (chance(0.1)) {
		/* Outlook style: an encoded word in name=, RFC 2231 in filename*=. */
		g_autofree char *full = g_strdup_printf("%s - %s", who->name, name);
		g_string_append_printf(out, "Content-Type: %s;\n\tname=\"", ctype);
		append_encoded_words(out, full, 0);
		g_string_append_printf(out, "\"\nContent-Disposition: %s;\n\tfilename*=", disposition);
		append_rfc2231(out, full);
		g_string_append_printf(out, "; size=%" G_GSIZE_FORMAT "\n", size);
	} else {
		g_string_append_printf(out, "Content-Type: %s; name=\"%s\"\n"
		                       "Content-Disposition: %s; filename=\"%s\";\n"
		                       "\tsize=%" G_GSIZE_FORMAT "\n",
		                       ctype, name, disposition, name, size);
	}
	g_string_append(out, "Content-Transfer-Encoding: base64\n\n");
	append_base64(out, buf, size, TRUE);
	return size;
}

/* ---- headers ------------------------------------------------------------ */

/* "Name <addr>", with the name quoted or RFC 2047-encoded as needed. */
static void
append_mailbox(GString *out, const Person *p)
{
	if (!is_ascii(p->name))
		append_encoded_words(out, p->name, 1);
	else if (strpbrk(p->name, "()<>@,;:\\\".[]") != NULL)
		g_string_append_printf(out, "\"%s\"", p->name);
	else
		g_string_append(out, p->name);
	g_string_append_printf(out, " <%s>", p->addr);
}

static void
append_random_b64(GString *out, gsize nbytes)
{
	guint8 buf[256];
	g_assert(nbytes <= sizeof buf);
	for (gsize i = 0; i < nbytes; i++)
		buf[i] = (guint8)rnd(256);
	append_base64(out, buf, nbytes, FALSE);
}

static void
append_trace(GString *out, const Person *author, gint64 t)
{
	const char *domain = strchr(author->addr, '@') + 1;
	guint relay = 1 + rnd(9);
	g_string_append_printf(out, "Return-Path: <%s>\n", author->addr);
	g_string_append_printf(out, "Received: from mail-out%u.%s (mail-out%u.%s [192.0.2.%u])\n"
	                       "\tby mx1.council.example (Postfix) with ESMTPS id %08X%02X\n"
	                       "\tfor <complaints@council.example>; ",
	                       relay, domain, relay, domain, 1 + rnd(254),
	                       g_rand_int(rng), rnd(256));
	append_date(out, t + 1 + rnd(20));
	g_string_append_printf(out, "\nReceived: from [10.%u.%u.%u] (unknown [198.51.100.%u])\n"
	                       "\tby mail-out%u.%s with ESMTPSA id %08x%08x;\n\t",
	                       rnd(256), rnd(256), rnd(256), 1 + rnd(254), relay, domain,
	                       g_rand_int(rng), g_rand_int(rng));
	append_date(out, t);
	g_string_append_c(out, '\n');
	if (author->officer || !chance(0.7))
		return;
	g_string_append_printf(out, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s;\n"
	                       "\ts=s%u; t=%" G_GINT64_FORMAT ";\n"
	                       "\th=from:to:subject:date:message-id:mime-version;\n\tbh=",
	                       domain, 2020 + rnd(6), t);
	append_random_b64(out, 32);
	g_string_append(out, ";\n\tb=");
	GString *sig = g_string_new(NULL);
	append_random_b64(sig, 256);
	for (gsize k = 0; k < sig->len; k += 72) {
		if (k > 0)
			g_string_append(out, "\n\t ");
		g_string_append_len(out, sig->str + k, MIN(72, sig->len - k));
	}
	g_string_free(sig, TRUE);
	g_string_append_printf(out, "\nAuthentication-Results: mx1.council.example;\n"
	                       "\tdkim=pass header.d=%s header.s=s1;\n"
	                       "\tspf=pass smtp.mailfrom=%s\n", domain, author->addr);
}

/* ---- one message -------------------------------------------------------- */

typedef struct {
	GPtrArray *sent;       /* Sent*, in generation order */
	GPtrArray *people;     /* Person*, owned */
	guint threads;
	gint64 now;
	guint8 *attbuf;
	/* statistics */
	guint replies, with_attachments, encoded_subjects, case_subjects;
} Gen;

static char *
make_references(const Sent *parent)
{
	if (parent->references == NULL)
		return g_strdup(parent->message_id);
	char **ids = g_strsplit(parent->references, " ", -1);
	guint n = g_strv_length(ids);
	GString *out = g_string_new(ids[0]);
	/* Keep the root and the last nine, as mail clients do. */
	for (guint i = n > 10 ? n - 9 : 1; i < n; i++) {
		g_string_append_c(out, ' ');
		g_string_append(out, ids[i]);
	}
	g_string_append_c(out, ' ');
	g_string_append(out, parent->message_id);
	g_strfreev(ids);
	return g_string_free(out, FALSE);
}

static void
append_subject(Gen *g, GString *out, const char *prefix, const char *base)
{
	g_string_append(out, "Subject: ");
	g_string_append(out, prefix);
	gboolean encode = is_ascii(base) ? chance(P_ENCODE_ASCII) : chance(0.97);
	if (encode) {
		guint r = rnd(100);
		append_encoded_words(out, base, r < 40 ? 0 : r < 75 ? 1 : 2);
		g->encoded_subjects++;
	} else {
		g_string_append(out, base);
	}
	g_string_append_c(out, '\n');
}

/* Build message number @i (0-based) into @m and record it. */
static void
generate(Gen *g, guint i, GString *m)
{
	Sent *s = g_new0(Sent, 1);
	Sent *parent = NULL;
	if (i > 0 && chance(P_REPLY)) {
		guint lo = i > RECENT_WINDOW && chance(0.85) ? i - RECENT_WINDOW : 0;
		parent = g_ptr_array_index(g->sent, lo + rnd(i - lo));
		g->replies++;
	}
	const Topic *topic;
	if (parent != NULL) {
		s->topic = parent->topic;
		topic = &topics[s->topic];
		s->citizen = parent->citizen;
		s->thread_no = parent->thread_no;
		s->case_no = parent->case_no;
		if (chance(0.2)) {
			s->author = person_new_officer(topic);
			g_ptr_array_add(g->people, s->author);
		} else {
			s->author = s->citizen;
		}
		if (s->case_no == 0 && chance(P_CASE_REF)) {
			s->case_no = s->thread_no;
			if (chance(0.5))
				s->subject = g_strdup_printf("[CMP-2026-%06u] %s", s->case_no,
				                             parent->subject);
			else
				s->subject = g_strdup_printf("Your complaint CMP-2026-%06u: %s",
				                             s->case_no, parent->subject);
		} else {
			s->subject = g_strdup(parent->subject);
		}
		s->references = make_references(parent);
	} else {
		s->topic = rnd(G_N_ELEMENTS(topics));
		topic = &topics[s->topic];
		s->citizen = person_new_citizen();
		g_ptr_array_add(g->people, s->citizen);
		s->author = s->citizen;
		s->thread_no = ++g->threads;
		GString *subj = g_string_new(NULL);
		expand(subj, pick_list(topic->subjects), s->citizen);
		s->subject = g_string_free(subj, FALSE);
	}
	if (s->case_no != 0 && strstr(s->subject, "CMP-") != NULL)
		g->case_subjects++;

	g->now += 30 + rnd(750);
	GString *date = g_string_new(NULL);
	append_date(date, g->now);
	s->date = g_string_free(date, FALSE);
	const char *domain = strchr(s->author->addr, '@') + 1;
	if (s->author->officer)
		s->message_id = g_strdup_printf("<%08X%08X.%u@exch01.council.example>",
		                                g_rand_int(rng), g_rand_int(rng), i);
	else if (strcmp(domain, "outlook.example.com") == 0)
		s->message_id = g_strdup_printf("<AM%uPR%02uMB%04u%08X%u@%s>", rnd(10),
		                                rnd(100), rnd(10000), g_rand_int(rng), i,
		                                domain);
	else
		s->message_id = g_strdup_printf("<%08x%08x.%u@%s>", g_rand_int(rng),
		                                g_rand_int(rng), i, domain);

	/* The text. */
	Body body = { g_string_sized_new(6000), NULL, NULL };
	const Person *who = s->citizen;
	if (s->author->officer) {
		g_autofree char *first = g_strndup(who->name, strcspn(who->name, " "));
		g_string_append_printf(body.fresh, "Dear %s,\n\n", first);
	} else {
		g_string_append_printf(body.fresh, "%s\n\n", PICK(greetings));
	}
	gsize target = parent != NULL ? 300 + rnd(1700) : 1000 + rnd(4000);
	gboolean first_para = TRUE;
	while (body.fresh->len < target) {
		if (!first_para)
			g_string_append(body.fresh, "\n\n");
		first_para = FALSE;
		guint n = 2 + rnd(4);
		if (s->author->officer)
			append_paragraph(body.fresh, officer_sentences, NULL, 0, n, who);
		else if (parent != NULL)
			append_paragraph(body.fresh, followup_sentences, topic->sentences,
			                 count_list(topic->sentences), n, who);
		else
			append_paragraph(body.fresh, topic->sentences, generic_sentences,
			                 G_N_ELEMENTS(generic_sentences), n, who);
	}
	if (s->case_no != 0 && chance(0.4))
		g_string_append_printf(body.fresh, "\n\n%s CMP-2026-%06u.",
		                       s->author->officer ? "Case reference:" :
		                       "My complaint reference is", s->case_no);
	g_string_append(body.fresh, "\n\n");
	append_signature(body.fresh, s->author);
	if (parent != NULL) {
		body.attribution = g_strdup_printf("On %s, %s <%s> wrote:", parent->date,
		                                   parent->author->name, parent->author->addr);
		body.quote = parent->text;
	}
	char *plain = render_plain(&body);

	/* Headers. */
	append_trace(m, s->author, g->now);
	g_string_append_printf(m, "Date: %s\nFrom: ", s->date);
	append_mailbox(m, s->author);
	g_string_append(m, "\nTo: Complaints <complaints@council.example>\n");
	if (s->author->officer) {
		g_string_append(m, "Cc: ");
		append_mailbox(m, s->citizen);
		g_string_append_c(m, '\n');
	}
	append_subject(g, m, parent == NULL ? "" : chance(0.8) ? "Re: " : "RE: ", s->subject);
	g_string_append_printf(m, "Message-ID: %s\n", s->message_id);
	if (parent != NULL) {
		g_string_append_printf(m, "In-Reply-To: %s\nReferences: ", parent->message_id);
		for (const char *p = s->references; *p != '\0'; p++) {
			if (*p == ' ')
				g_string_append(m, "\n ");
			else
				g_string_append_c(m, *p);
		}
		g_string_append_c(m, '\n');
	}
	const char *ua = PICK(user_agents);
	if (ua != NULL)
		g_string_append_printf(m, "%s\n", ua);
	g_string_append(m, "MIME-Version: 1.0\n");

	/* Body. */
	gboolean alternative = chance(P_ALTERNATIVE);
	if (chance(P_ATTACH)) {
		char bnd[64];
		new_boundary(bnd, sizeof bnd);
		g->with_attachments++;
		g_string_append_printf(m, "Content-Type: multipart/mixed;\n boundary=\"%s\"\n\n"
		                       "This is a multi-part message in MIME format.\n\n--%s\n",
		                       bnd, bnd);
		append_body_entity(m, &body, plain, alternative);
		guint r = rnd(100);
		guint n = r < 76 ? 1 : r < 96 ? 2 : 3;
		for (guint k = 0; k < n; k++)
			append_attachment(m, bnd, g->attbuf, s->author);
		g_string_append_printf(m, "\n--%s--\n", bnd);
	} else {
		append_body_entity(m, &body, plain, alternative);
	}

	/* Keep the start of the text for whoever replies. */
	gsize keep = strlen(plain);
	if (keep > QUOTE_KEEP) {
		keep = QUOTE_KEEP;
		while (keep > 0 && plain[keep - 1] != '\n')
			keep--;
	}
	s->text = g_strndup(plain, keep);
	g_free(plain);
	g_free(body.attribution);
	g_string_free(body.fresh, TRUE);
	g_ptr_array_add(g->sent, s);
}

static void
sent_free(gpointer p)
{
	Sent *s = p;
	g_free(s->message_id);
	g_free(s->references);
	g_free(s->subject);
	g_free(s->date);
	g_free(s->text);
	g_free(s);
}

static void
person_free(gpointer p)
{
	Person *who = p;
	g_free(who->name);
	g_free(who->addr);
	g_free(who->postcode);
	g_free(who->phone);
	g_free(who);
}

/* ---- output ------------------------------------------------------------- */

static gboolean
write_all(int fd, const char *data, gsize len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return FALSE;
		data += n;
		len -= (gsize)n;
	}
	return TRUE;
}

/* Write @m as OUTDIR/tmp/@name, then rename it into OUTDIR/new. */
static gboolean
deliver(const char *outdir, const char *name, const GString *m)
{
	g_autofree char *tmp = g_build_filename(outdir, "tmp", name, NULL);
	g_autofree char *dst = g_build_filename(outdir, "new", name, NULL);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "gen: %s: %s\n", tmp, g_strerror(errno));
		return FALSE;
	}
	if (!write_all(fd, m->str, m->len)) {
		fprintf(stderr, "gen: %s: %s\n", tmp, g_strerror(errno));
		close(fd);
		return FALSE;
	}
	if (close(fd) != 0 || rename(tmp, dst) != 0) {
		fprintf(stderr, "gen: %s: %s\n", dst, g_strerror(errno));
		return FALSE;
	}
	return TRUE;
}

static gboolean
parse_uint(const char *s, guint64 max, guint64 *v_r)
{
	char *end = NULL;
	if (s == NULL || !g_ascii_isdigit(*s))
		return FALSE;
	errno = 0;
	guint64 v = g_ascii_strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return FALSE;
	*v_r = v;
	return TRUE;
}

int
main(int argc, char **argv)
{
	guint64 count, seed;
	if (argc != 4 || !parse_uint(argv[2], 10000000, &count) ||
	    !parse_uint(argv[3], G_MAXUINT32, &seed)) {
		fprintf(stderr, "usage: gen OUTDIR COUNT SEED\n");
		return 2;
	}
	const char *outdir = argv[1];
	static const char *const subdirs[] = { "cur", "new", "tmp" };
	for (guint k = 0; k < G_N_ELEMENTS(subdirs); k++) {
		g_autofree char *d = g_build_filename(outdir, subdirs[k], NULL);
		if (g_mkdir_with_parents(d, 0755) != 0) {
			fprintf(stderr, "gen: %s: %s\n", d, g_strerror(errno));
			return 1;
		}
	}

	gint64 started = g_get_monotonic_time();
	rng = g_rand_new_with_seed((guint32)seed);
	g_autoptr(GDateTime) bst_a = g_date_time_new_utc(2026, 3, 29, 1, 0, 0);
	g_autoptr(GDateTime) bst_b = g_date_time_new_utc(2026, 10, 25, 1, 0, 0);
	g_autoptr(GDateTime) epoch = g_date_time_new_utc(2026, 1, 5, 8, 0, 0);
	bst_start = g_date_time_to_unix(bst_a);
	bst_end = g_date_time_to_unix(bst_b);

	Gen g = { 0 };
	g.now = g_date_time_to_unix(epoch);
	g.sent = g_ptr_array_new_with_free_func(sent_free);
	g.people = g_ptr_array_new_with_free_func(person_free);
	g.attbuf = g_malloc(ATT_MIN + ATT_SPAN + 16);
	GString *m = g_string_sized_new(1 << 20);
	guint64 total = 0, largest = 0;
	int rc = 0;
	for (guint i = 0; i < count; i++) {
		g_string_truncate(m, 0);
		generate(&g, i, m);
		char name[96];
		g_snprintf(name, sizeof name, "%" G_GINT64_FORMAT ".M%uS%u.redress-bench",
		           g.now, i, (guint)seed);
		if (!deliver(outdir, name, m)) {
			rc = 1;
			break;
		}
		total += m->len;
		largest = MAX(largest, (guint64)m->len);
	}
	double secs = (double)(g_get_monotonic_time() - started) / 1e6;
	if (rc == 0)
		printf("gen: messages=%" G_GUINT64_FORMAT " bytes=%" G_GUINT64_FORMAT
		       " largest=%" G_GUINT64_FORMAT " replies=%u attachments=%u"
		       " encoded_subjects=%u case_subjects=%u seconds=%.1f\n",
		       count, total, largest, g.replies, g.with_attachments,
		       g.encoded_subjects, g.case_subjects, secs);
	g_string_free(m, TRUE);
	g_ptr_array_unref(g.sent);
	g_ptr_array_unref(g.people);
	g_free(g.attbuf);
	g_rand_free(rng);
	return rc;
}
