/*
 * sar.c — `redress export --person ADDRESS | --case REF --to DIR|FILE.zip`:
 * a subject access export, everything the case file holds about one
 * person or one case.
 *
 * What is written (a folder, or the same four files in a .zip):
 *
 *   messages.mbox  mboxrd: every stored message of the cases (and, for a
 *                  person, every message on no case from or to them) as
 *                  its raw bytes, and every letter of the outbox as the
 *                  bytes queued, in time order (a message by when redress
 *                  received it, a letter by when it was sent, else
 *                  queued). The only change to the bytes is mboxrd's:
 *                  a line matching ^>*From  gets one more '>' (undone by
 *                  any mboxrd reader); a message not ending in a newline
 *                  gets one. Attachments are inside the messages.
 *   record.json    the case record: cases, stages, messages (their place
 *                  in the mbox), letters, events, and the review list;
 *                  keys documented in the README ("Subject access").
 *   summary.html   the same for people: one self-contained page, every
 *                  value escaped, no script, no external resource.
 *   review.txt     what may hold other people's personal data and needs
 *                  a person's review before disclosure: staff notes and
 *                  other free text written by staff, mail written by
 *                  someone other than the person (staff mail, forwarded
 *                  and logged complaints), letters to staff. Listed, never
 *                  dropped: each item is in the export too.
 *
 * Everything is read in one read transaction (one consistent state of
 * the case file). The store is only read, except for one "export" event on each case
 * exported (who, where to, and the counts — never the contents), written
 * after the files are complete and before they are put in place: an
 * export that is not logged does not appear, and a failed one is not
 * logged. A log line says the same.
 *
 * Files are 0600 and folders 0700; an existing target is not replaced
 * without --force (and a folder replaced with --force must be private).
 * The files are written in a temporary folder beside the target and
 * renamed into place (or packed into the .zip with libarchive).
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <archive.h>
#include <archive_entry.h>
#include "cli/cli.h"

#define EXPORT_FORMAT "redress-subject-access-1"

static const char *const export_files[] = { "messages.mbox", "record.json", "summary.html", "review.txt" };

/* Event types whose text a member of staff wrote, or which quote mail
 * from someone else. */
static const char *const review_event_types[] = {
	"note", "cause", "staff-note", "staff-reply", "staff-command", "forwarded-complaint",
	"logged-complaint", "spoofing-attempt", "staff-refused", NULL
};

typedef struct {
	RdCase *c;
	GPtrArray *stages, *msgs, *events, *letters;
	gboolean as_representative;   /* the person is the representative */
} CaseData;

static void
case_data_free(CaseData *d)
{
	if (d == NULL)
		return;
	g_clear_pointer(&d->c, rd_case_free);
	g_clear_pointer(&d->stages, g_ptr_array_unref);
	g_clear_pointer(&d->msgs, g_ptr_array_unref);
	g_clear_pointer(&d->events, g_ptr_array_unref);
	g_clear_pointer(&d->letters, g_ptr_array_unref);
	g_free(d);
}

/* One message or letter of the mbox, before its bytes are read. */
typedef struct {
	gint64 at;
	gboolean letter;
	gint64 id;
	const char *sender;    /* for the From_ line; borrowed */
	const char *sha256;    /* a message's raw bytes; borrowed */
} MboxItem;

typedef struct {
	const char *ref;       /* the case, or NULL (on no case) */
	gint64 at;
	char *author;
	char *what;            /* what it is, on one line */
	char *why;             /* why it needs review */
	char *excerpt;         /* the first words, or NULL */
} ReviewItem;

static void
review_item_free(ReviewItem *r)
{
	g_free(r->author);
	g_free(r->what);
	g_free(r->why);
	g_free(r->excerpt);
	g_free(r);
}

typedef struct {
	const char *person;    /* folded address, or NULL */
	char *actor;
	gint64 now;
	GPtrArray *cases;      /* CaseData* */
	GPtrArray *unfiled_msgs, *unfiled_letters;
	GArray *items;         /* MboxItem, in mbox order once sorted */
	GHashTable *msg_index, *letter_index;  /* id → 1-based mbox position */
	GPtrArray *review;     /* ReviewItem* */
	guint n_msgs, n_letters;
} Export;

static void
export_clear(Export *x)
{
	g_free(x->actor);
	g_clear_pointer(&x->cases, g_ptr_array_unref);
	g_clear_pointer(&x->unfiled_msgs, g_ptr_array_unref);
	g_clear_pointer(&x->unfiled_letters, g_ptr_array_unref);
	g_clear_pointer(&x->items, g_array_unref);
	g_clear_pointer(&x->msg_index, g_hash_table_unref);
	g_clear_pointer(&x->letter_index, g_hash_table_unref);
	g_clear_pointer(&x->review, g_ptr_array_unref);
}

/* ---- what is held ------------------------------------------------------------ */

static gboolean
is_party(const RdCase *c, const char *email)
{
	return email != NULL && ((c->complainant_email && g_ascii_strcasecmp(c->complainant_email, email) == 0) ||
	                         (c->representative_email &&
	                          g_ascii_strcasecmp(c->representative_email, email) == 0));
}

static gboolean
strv_has(const char *const *v, const char *s)
{
	for (guint i = 0; s != NULL && v[i] != NULL; i++)
		if (strcmp(v[i], s) == 0)
			return TRUE;
	return FALSE;
}

static void
review_add(Export *x, const char *ref, gint64 at, const char *author, char *what, const char *why,
           const char *text)
{
	ReviewItem *r = g_new0(ReviewItem, 1);
	r->ref = ref;
	r->at = at;
	r->author = g_strdup(author ? author : "-");
	r->what = what;
	r->why = g_strdup(why);
	if (text != NULL && *text != '\0')
		r->excerpt = rd_cli_one_line(text, 160);
	g_ptr_array_add(x->review, r);
}

/* A message needs review when someone other than the person (or, for a
 * case, its parties) wrote it, or it is staff mail of any kind. */
static void
review_message(Export *x, const RdCase *c, const RdMessageRow *m)
{
	gboolean staff_kind = g_str_has_prefix(m->kind, "staff-") || strcmp(m->kind, "forwarded-complaint") == 0 ||
	                      strcmp(m->kind, "logged-complaint") == 0;
	gboolean own = c != NULL ? is_party(c, m->from_email)
	                         : (x->person && m->from_email && g_ascii_strcasecmp(m->from_email, x->person) == 0);
	if (!staff_kind && own)
		return;
	guint pos = GPOINTER_TO_UINT(g_hash_table_lookup(x->msg_index, &m->id));
	char *what = g_strdup_printf("message #%" G_GINT64_FORMAT " (mbox message %u), %s, subject \"%s\"", m->id,
	                             pos, m->kind, m->subject ? m->subject : "");
	review_add(x, c ? c->reference : NULL, m->received_at, m->from_email, what,
	           staff_kind ? "mail from staff (notes, forwarded or logged complaints may quote other people)"
	                      : "written by someone other than the person",
	           m->new_text ? m->new_text : m->body_text);
}

static void
review_letter(Export *x, const RdCase *c, const RdOutboxRow *l)
{
	if (c != NULL ? is_party(c, l->to_addr) : TRUE)
		return;
	guint pos = GPOINTER_TO_UINT(g_hash_table_lookup(x->letter_index, &l->id));
	char *what = g_strdup_printf("letter %s (mbox message %u) to %s", l->kind, pos, rd_cli_or_dash(l->to_addr));
	review_add(x, c->reference, l->sent_at ? l->sent_at : l->created_at, "redress", what,
	           "an internal notice to staff, not a letter to the person", NULL);
}

static void
review_event(Export *x, const RdCase *c, const RdEvent *e)
{
	if (!strv_has(review_event_types, e->type))
		return;
	char *what = g_strdup_printf("event %s", e->type);
	review_add(x, c->reference, e->at, e->actor, what,
	           strcmp(e->type, "note") == 0 ? "a staff note" : "free text written by staff or quoting other mail",
	           e->detail);
}

static void
add_item(Export *x, gint64 at, gboolean letter, gint64 id, const char *sender, const char *sha256)
{
	MboxItem it = { at, letter, id, sender, sha256 };
	g_array_append_val(x->items, it);
}

static gint
item_cmp(gconstpointer a, gconstpointer b)
{
	const MboxItem *p = a, *q = b;
	if (p->at != q->at)
		return p->at < q->at ? -1 : 1;
	if (p->letter != q->letter)
		return p->letter ? 1 : -1;
	return p->id < q->id ? -1 : p->id > q->id;
}

static gint64
letter_time(const RdOutboxRow *l)
{
	return l->sent_at ? l->sent_at : l->created_at;
}

/* Read everything the export holds, and work out the mbox order and the
 * review list. An exit code. */
static int
gather(Export *x, RdStore *store, const RdConfig *cfg, const char *case_arg)
{
	g_autoptr(GError) err = NULL;
	x->cases = g_ptr_array_new_with_free_func((GDestroyNotify)case_data_free);
	x->items = g_array_new(FALSE, FALSE, sizeof(MboxItem));
	x->msg_index = g_hash_table_new(g_int64_hash, g_int64_equal);
	x->letter_index = g_hash_table_new(g_int64_hash, g_int64_equal);
	x->review = g_ptr_array_new_with_free_func((GDestroyNotify)review_item_free);

	g_autoptr(GPtrArray) found = NULL;
	if (case_arg != NULL) {
		RdCase *c = NULL;
		if (!rd_cli_find_case(store, cfg, case_arg, &c, &err)) {
			fprintf(stderr, "redress: error: %s\n", err->message);
			return RD_EXIT_INTERNAL;
		}
		if (c == NULL) {
			fprintf(stderr, "redress export: no case %s (list them with: redress cases)\n", case_arg);
			return RD_EXIT_USAGE;
		}
		found = g_ptr_array_new_with_free_func((GDestroyNotify)rd_case_free);
		g_ptr_array_add(found, c);
		x->unfiled_msgs = g_ptr_array_new();
		x->unfiled_letters = g_ptr_array_new();
	} else {
		found = rd_store_cases_for_person(store, x->person, &err);
		x->unfiled_msgs = found ? rd_store_messages_unfiled_for(store, x->person, &err) : NULL;
		x->unfiled_letters = x->unfiled_msgs ? rd_store_outbox_unfiled_to(store, x->person, &err) : NULL;
		if (x->unfiled_letters == NULL) {
			fprintf(stderr, "redress: error: reading what is held about %s: %s\n", x->person, err->message);
			return RD_EXIT_INTERNAL;
		}
		if (found->len == 0 && x->unfiled_msgs->len == 0 && x->unfiled_letters->len == 0) {
			fprintf(stderr, "redress export: nothing is held about %s: no case names them and no stored "
			        "message is from or to them; nothing written\n", x->person);
			return RD_EXIT_USAGE;
		}
	}
	for (guint i = 0; i < found->len; i++) {
		CaseData *d = g_new0(CaseData, 1);
		d->c = found->pdata[i];
		found->pdata[i] = NULL;
		g_ptr_array_add(x->cases, d);
		d->stages = rd_store_stages_for_case(store, d->c->id, &err);
		d->msgs = d->stages ? rd_store_messages_for_case(store, d->c->id, &err) : NULL;
		d->events = d->msgs ? rd_store_events_for_case(store, d->c->id, &err) : NULL;
		d->letters = d->events ? rd_store_outbox_for_case(store, d->c->id, &err) : NULL;
		if (d->letters == NULL) {
			fprintf(stderr, "redress: error: reading case %s: %s\n", d->c->reference, err->message);
			return RD_EXIT_INTERNAL;
		}
		d->as_representative = x->person != NULL && !(d->c->complainant_email &&
		                       g_ascii_strcasecmp(d->c->complainant_email, x->person) == 0);
		for (guint k = 0; k < d->msgs->len; k++) {
			const RdMessageRow *m = d->msgs->pdata[k];
			add_item(x, m->received_at, FALSE, m->id, m->from_email, m->raw_sha256);
		}
		for (guint k = 0; k < d->letters->len; k++) {
			const RdOutboxRow *l = d->letters->pdata[k];
			add_item(x, letter_time(l), TRUE, l->id, l->from_addr, NULL);
		}
	}
	for (guint k = 0; k < x->unfiled_msgs->len; k++) {
		const RdMessageRow *m = x->unfiled_msgs->pdata[k];
		add_item(x, m->received_at, FALSE, m->id, m->from_email, m->raw_sha256);
	}
	for (guint k = 0; k < x->unfiled_letters->len; k++) {
		const RdOutboxRow *l = x->unfiled_letters->pdata[k];
		add_item(x, letter_time(l), TRUE, l->id, l->from_addr, NULL);
	}
	g_array_sort(x->items, item_cmp);
	for (guint i = 0; i < x->items->len; i++) {
		MboxItem *it = &g_array_index(x->items, MboxItem, i);
		g_hash_table_insert(it->letter ? x->letter_index : x->msg_index, &it->id, GUINT_TO_POINTER(i + 1));
		if (it->letter)
			x->n_letters++;
		else
			x->n_msgs++;
	}

	/* The review list, case by case in the order of the record. */
	for (guint i = 0; i < x->cases->len; i++) {
		CaseData *d = x->cases->pdata[i];
		if (d->as_representative)
			review_add(x, d->c->reference, d->c->opened_at, "-",
			           g_strdup_printf("the whole case: %s is its representative, the complainant is %s",
			                           x->person, rd_cli_or_dash(d->c->complainant_email)),
			           "the complainant's own data is someone else's", NULL);
		for (guint k = 0; k < d->msgs->len; k++)
			review_message(x, d->c, d->msgs->pdata[k]);
		for (guint k = 0; k < d->letters->len; k++)
			review_letter(x, d->c, d->letters->pdata[k]);
		for (guint k = 0; k < d->events->len; k++)
			review_event(x, d->c, d->events->pdata[k]);
	}
	for (guint k = 0; k < x->unfiled_msgs->len; k++)
		review_message(x, NULL, x->unfiled_msgs->pdata[k]);
	return RD_EXIT_OK;
}

/* ---- files ------------------------------------------------------------------------ */

/* A new file @name in @dir, 0600, for writing. */
static FILE *
create_private(const char *dir, const char *name, GError **error)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", path, g_strerror(e));
	}
	return f;
}

static gboolean
close_file(FILE *f, const char *dir, const char *name, GError **error)
{
	gboolean ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	int e = errno;
	ok = (fclose(f) == 0) && ok;
	if (!ok) {
		g_autofree char *path = g_build_filename(dir, name, NULL);
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "writing %s: %s", path, g_strerror(e));
	}
	return ok;
}

static gboolean
write_private(const char *dir, const char *name, const char *text, GError **error)
{
	FILE *f = create_private(dir, name, error);
	if (f == NULL)
		return FALSE;
	fputs(text, f);
	return close_file(f, dir, name, error);
}

/* One mbox record: the From_ line, @raw with mboxrd quoting, a newline
 * at the end if it had none, and the blank line that ends a record. */
static void
mbox_write(FILE *f, const char *sender, gint64 at, GBytes *raw)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(at);
	g_autofree char *when = dt ? g_date_time_format(dt, "%a %b %e %H:%M:%S %Y") : g_strdup("Thu Jan  1 00:00:00 1970");
	/* The envelope sender is one word: an address with a space (or none)
	 * would make the line unreadable. */
	const char *who = sender != NULL && *sender != '\0' && strpbrk(sender, " \t\r\n") == NULL ? sender : "MAILER-DAEMON";
	fprintf(f, "From %s %s\n", who, when);
	gsize len = 0;
	const char *p = g_bytes_get_data(raw, &len);
	const char *end = p + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (gsize)(end - p));
		const char *stop = nl ? nl + 1 : end;
		const char *q = p;
		while (q < stop && *q == '>')
			q++;
		if (stop - q >= 5 && memcmp(q, "From ", 5) == 0)
			fputc('>', f);
		fwrite(p, 1, (gsize)(stop - p), f);
		p = stop;
	}
	if (len > 0 && ((const char *)g_bytes_get_data(raw, NULL))[len - 1] != '\n')
		fputc('\n', f);
	fputc('\n', f);
}

static gboolean
write_mbox(Export *x, RdStore *store, const char *dir, GError **error)
{
	FILE *f = create_private(dir, "messages.mbox", error);
	if (f == NULL)
		return FALSE;
	for (guint i = 0; i < x->items->len; i++) {
		const MboxItem *it = &g_array_index(x->items, MboxItem, i);
		g_autoptr(GBytes) raw = NULL;
		gboolean ok = it->letter ? rd_store_outbox_raw(store, it->id, &raw, error)
		                         : (it->sha256 != NULL ? rd_store_raw_get(store, it->sha256, &raw, error) : TRUE);
		if (ok && raw == NULL)
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "the bytes of %s%" G_GINT64_FORMAT
			            " are not in the database", it->letter ? "letter " : "message #", it->id);
		if (!ok || raw == NULL) {
			fclose(f);
			return FALSE;
		}
		mbox_write(f, it->sender, it->at, raw);
	}
	return close_file(f, dir, "messages.mbox", error);
}

/* ---- record.json --------------------------------------------------------------- */

static void
json_message(Export *x, JsonBuilder *b, RdStore *store, const RdMessageRow *m)
{
	json_builder_begin_object(b);
	rd_json_int(b, "id", m->id);
	rd_json_int(b, "mbox", GPOINTER_TO_UINT(g_hash_table_lookup(x->msg_index, &m->id)));
	rd_json_str(b, "direction", m->direction);
	rd_json_str(b, "kind", m->kind);
	rd_json_str(b, "message_id", m->message_id);
	rd_json_str(b, "from", m->from_email);
	rd_json_str(b, "from_name", m->from_name);
	rd_json_str(b, "to", m->to_addrs);
	rd_json_str(b, "cc", m->cc_addrs);
	rd_json_str(b, "subject", m->subject);
	rd_json_time(b, "date", m->date);
	rd_json_time(b, "received_at", m->received_at);
	json_builder_set_member_name(b, "attachments");
	json_builder_begin_array(b);
	g_autoptr(GPtrArray) atts = rd_store_attachments_for_message(store, m->id, NULL);
	for (guint k = 0; atts && k < atts->len; k++) {
		const RdAttachmentRow *a = atts->pdata[k];
		json_builder_begin_object(b);
		rd_json_str(b, "filename", a->filename);
		rd_json_str(b, "content_type", a->content_type);
		rd_json_int(b, "size", (gint64)a->size);
		rd_json_str(b, "sha256", a->sha256);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
}

static void
json_letter(Export *x, JsonBuilder *b, const RdOutboxRow *l)
{
	json_builder_begin_object(b);
	rd_json_int(b, "id", l->id);
	rd_json_int(b, "mbox", GPOINTER_TO_UINT(g_hash_table_lookup(x->letter_index, &l->id)));
	rd_json_str(b, "kind", l->kind);
	rd_json_str(b, "status", l->bounced_at ? "bounced" : l->status);
	rd_json_str(b, "language", l->language);
	rd_json_str(b, "to", l->to_addr);
	rd_json_str(b, "subject", l->subject);
	rd_json_str(b, "message_id", l->message_id);
	rd_json_time(b, "created", l->created_at);
	rd_json_time(b, "sent", strcmp(l->status, "sent") == 0 ? l->sent_at : 0);
	json_builder_end_object(b);
}

/* The complainant's satisfaction surveys of case @c and their answers
 * (a handler's staff survey is not the complainant's data). A store that
 * cannot be read gives null, as an unreadable attachment list does. */
static void
json_surveys(JsonBuilder *b, RdStore *store, const RdCase *c)
{
	json_builder_set_member_name(b, "surveys");
	g_autoptr(GPtrArray) all = rd_store_surveys_list(store, c->id, NULL);
	if (all == NULL) {
		json_builder_add_null_value(b);
		return;
	}
	json_builder_begin_array(b);
	for (guint i = 0; i < all->len; i++) {
		const RdSurvey *v = all->pdata[i];
		if (strcmp(v->kind, "complainant") != 0)
			continue;
		json_builder_begin_object(b);
		rd_json_str(b, "status", v->status);
		rd_json_str(b, "reason", v->reason);
		rd_json_str(b, "sent", v->sent_day);
		rd_json_str(b, "expires", v->expires);
		rd_json_str(b, "answered", v->answered_day);
		int answers[RD_SURVEY_QUESTIONS];
		json_builder_set_member_name(b, "answers");
		if (rd_store_survey_answers(store, v->id, answers, RD_SURVEY_QUESTIONS, NULL)) {
			json_builder_begin_array(b);
			for (guint q = 0; q < RD_SURVEY_QUESTIONS; q++)
				if (answers[q] != 0)
					json_builder_add_int_value(b, answers[q]);
				else
					json_builder_add_null_value(b);
			json_builder_end_array(b);
		} else {
			json_builder_add_null_value(b);
		}
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static char *
record_json(Export *x, RdStore *store, const char *case_arg)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	json_builder_begin_object(b);
	rd_json_str(b, "format", EXPORT_FORMAT);
	rd_json_time(b, "exported_at", x->now);
	rd_json_str(b, "exported_by", x->actor);
	json_builder_set_member_name(b, "subject");
	json_builder_begin_object(b);
	rd_json_str(b, "person", x->person);
	rd_json_str(b, "case", case_arg != NULL && x->cases->len > 0
	                       ? ((CaseData *)x->cases->pdata[0])->c->reference : NULL);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "counts");
	json_builder_begin_object(b);
	rd_json_int(b, "cases", x->cases->len);
	rd_json_int(b, "messages", x->n_msgs);
	rd_json_int(b, "letters", x->n_letters);
	rd_json_int(b, "review", x->review->len);
	json_builder_end_object(b);

	json_builder_set_member_name(b, "cases");
	json_builder_begin_array(b);
	for (guint i = 0; i < x->cases->len; i++) {
		const CaseData *d = x->cases->pdata[i];
		const RdCase *c = d->c;
		json_builder_begin_object(b);
		rd_json_str(b, "reference", c->reference);
		rd_json_str(b, "state", c->state);
		rd_json_str(b, "channel", c->channel);
		rd_json_str(b, "service", c->service);
		rd_json_str(b, "complainant", c->complainant_email);
		rd_json_str(b, "complainant_name", c->complainant_name);
		rd_json_str(b, "representative", c->representative_email);
		rd_json_str(b, "handler", c->handler);
		rd_json_str(b, "language", c->language);
		rd_json_str(b, "profile", c->profile);
		rd_json_str(b, "summary", c->summary);
		rd_json_time(b, "opened", c->opened_at);
		rd_json_time(b, "updated", c->updated_at);
		rd_json_str(b, "cause", c->cause);
		rd_json_str(b, "remedy", c->remedy);
		rd_json_str(b, "ombudsman_referred", c->ombudsman_referred);
		rd_json_str(b, "ombudsman_decided", c->ombudsman_decided);
		rd_json_str(b, "ombudsman_outcome", c->ombudsman_outcome);
		json_builder_set_member_name(b, "stages");
		json_builder_begin_array(b);
		for (guint k = 0; k < d->stages->len; k++) {
			const RdStage *s = d->stages->pdata[k];
			json_builder_begin_object(b);
			rd_json_int(b, "stage", s->stage);
			rd_json_str(b, "received", s->received);
			rd_json_str(b, "ack_due", s->ack_due);
			rd_json_str(b, "ack_sent", s->ack_sent);
			rd_json_str(b, "response_due", s->response_due);
			rd_json_str(b, "extended_to", s->extended_to);
			rd_json_str(b, "extension_reason", s->extension_reason);
			rd_json_str(b, "responded", s->responded);
			rd_json_str(b, "outcome", s->outcome);
			rd_json_str(b, "closed", s->closed);
			rd_json_str(b, "handler", s->handler);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		json_surveys(b, store, c);
		json_builder_set_member_name(b, "messages");
		json_builder_begin_array(b);
		for (guint k = 0; k < d->msgs->len; k++)
			json_message(x, b, store, d->msgs->pdata[k]);
		json_builder_end_array(b);
		json_builder_set_member_name(b, "letters");
		json_builder_begin_array(b);
		for (guint k = 0; k < d->letters->len; k++)
			json_letter(x, b, d->letters->pdata[k]);
		json_builder_end_array(b);
		json_builder_set_member_name(b, "events");
		json_builder_begin_array(b);
		for (guint k = 0; k < d->events->len; k++) {
			const RdEvent *e = d->events->pdata[k];
			json_builder_begin_object(b);
			rd_json_time(b, "at", e->at);
			rd_json_str(b, "actor", e->actor);
			rd_json_str(b, "type", e->type);
			rd_json_str(b, "detail", e->detail);
			if (e->msg_id != 0)
				rd_json_int(b, "message", e->msg_id);
			else
				rd_json_str(b, "message", NULL);
			json_builder_end_object(b);
		}
		json_builder_end_array(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);

	json_builder_set_member_name(b, "unfiled_messages");
	json_builder_begin_array(b);
	for (guint k = 0; k < x->unfiled_msgs->len; k++)
		json_message(x, b, store, x->unfiled_msgs->pdata[k]);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "unfiled_letters");
	json_builder_begin_array(b);
	for (guint k = 0; k < x->unfiled_letters->len; k++)
		json_letter(x, b, x->unfiled_letters->pdata[k]);
	json_builder_end_array(b);

	json_builder_set_member_name(b, "review");
	json_builder_begin_array(b);
	for (guint k = 0; k < x->review->len; k++) {
		const ReviewItem *r = x->review->pdata[k];
		json_builder_begin_object(b);
		rd_json_str(b, "case", r->ref);
		rd_json_time(b, "at", r->at);
		rd_json_str(b, "author", r->author);
		rd_json_str(b, "what", r->what);
		rd_json_str(b, "why", r->why);
		rd_json_str(b, "excerpt", r->excerpt);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);

	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	char *s = json_generator_to_data(gen, NULL);
	char *out = g_strconcat(s, "\n", NULL);
	g_free(s);
	return out;
}

/* ---- review.txt ------------------------------------------------------------------ */

static char *
when_local(gint64 t)
{
	return t ? rd_time_format_local(t) : g_strdup("-");
}

static const char *
subject_line(Export *x, const char *case_arg)
{
	return x->person ? x->person
	                 : (case_arg && x->cases->len ? ((CaseData *)x->cases->pdata[0])->c->reference : "-");
}

static char *
review_text(Export *x, const char *case_arg)
{
	GString *s = g_string_new(NULL);
	g_autofree char *now = when_local(x->now);
	g_string_append_printf(s, "Subject access export: items that need a person's review before disclosure\n"
	                       "%s %s, exported %s by %s\n\n", x->person ? "Person" : "Case",
	                       subject_line(x, case_arg), now, x->actor);
	if (x->review->len == 0) {
		g_string_append(s, "Nothing was found that needs review: no staff notes, no mail written by\n"
		                "someone else, no internal notices. Read the export before disclosure all the same.\n");
		return g_string_free(s, FALSE);
	}
	g_string_append_printf(s,
	        "%u item%s below may hold other people's personal data (staff notes, mail\n"
	        "written by someone other than the person, notices to staff). Each is\n"
	        "INCLUDED in messages.mbox, record.json and summary.html as it is: nothing has\n"
	        "been removed or redacted. A person must review each before disclosure and\n"
	        "withhold or redact what is about someone else.\n\n",
	        x->review->len, x->review->len == 1 ? "" : "s");
	for (guint i = 0; i < x->review->len; i++) {
		const ReviewItem *r = x->review->pdata[i];
		g_autofree char *when = when_local(r->at);
		g_string_append_printf(s, "%u. %s  %s  by %s\n   %s\n   needs review: %s\n", i + 1,
		                       r->ref ? r->ref : "(on no case)", when, r->author, r->what, r->why);
		if (r->excerpt)
			g_string_append_printf(s, "   begins: %s\n", r->excerpt);
		g_string_append_c(s, '\n');
	}
	return g_string_free(s, FALSE);
}

/* ---- summary.html ----------------------------------------------------------------- */

static void
h_text(GString *s, const char *v)
{
	g_autofree char *e = g_markup_escape_text(v && *v ? v : "-", -1);
	g_string_append(s, e);
}

static void
h_cell(GString *s, const char *v)
{
	g_string_append(s, "<td>");
	h_text(s, v);
	g_string_append(s, "</td>");
}

static void
h_time(GString *s, gint64 t)
{
	g_autofree char *w = when_local(t);
	h_cell(s, w);
}

static void
h_row(GString *s, const char *label, const char *v)
{
	g_string_append(s, "<tr><th scope=\"row\">");
	h_text(s, label);
	g_string_append(s, "</th>");
	h_cell(s, v);
	g_string_append(s, "</tr>\n");
}

static void
h_messages(Export *x, GString *s, GPtrArray *msgs)
{
	if (msgs->len == 0) {
		g_string_append(s, "<p>None.</p>\n");
		return;
	}
	g_string_append(s, "<table><thead><tr><th>mbox</th><th>Received</th><th>Kind</th><th>From</th><th>To</th>"
	                "<th>Subject</th></tr></thead><tbody>\n");
	for (guint k = 0; k < msgs->len; k++) {
		const RdMessageRow *m = msgs->pdata[k];
		g_string_append_printf(s, "<tr><td>%u</td>", GPOINTER_TO_UINT(g_hash_table_lookup(x->msg_index, &m->id)));
		h_time(s, m->received_at);
		h_cell(s, m->kind);
		h_cell(s, m->from_email);
		h_cell(s, m->to_addrs);
		h_cell(s, m->subject);
		g_string_append(s, "</tr>\n");
	}
	g_string_append(s, "</tbody></table>\n");
}

static void
h_letters(Export *x, GString *s, GPtrArray *letters)
{
	if (letters->len == 0) {
		g_string_append(s, "<p>None.</p>\n");
		return;
	}
	g_string_append(s, "<table><thead><tr><th>mbox</th><th>Queued</th><th>Letter</th><th>Status</th><th>To</th>"
	                "<th>Subject</th></tr></thead><tbody>\n");
	for (guint k = 0; k < letters->len; k++) {
		const RdOutboxRow *l = letters->pdata[k];
		g_string_append_printf(s, "<tr><td>%u</td>",
		                       GPOINTER_TO_UINT(g_hash_table_lookup(x->letter_index, &l->id)));
		h_time(s, l->created_at);
		h_cell(s, l->kind);
		h_cell(s, l->bounced_at ? "bounced" : l->status);
		h_cell(s, l->to_addr);
		h_cell(s, l->subject);
		g_string_append(s, "</tr>\n");
	}
	g_string_append(s, "</tbody></table>\n");
}

static char *
summary_html(Export *x, const char *case_arg)
{
	GString *s = g_string_new(NULL);
	g_autofree char *now = when_local(x->now);
	g_string_append(s, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	                "style-src 'unsafe-inline'\">\n<title>Subject access export: ");
	h_text(s, subject_line(x, case_arg));
	g_string_append(s, "</title>\n<style>\nbody{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em}\n"
	                "table{border-collapse:collapse;margin:.5em 0 1em}\n"
	                "th,td{border:1px solid #999;padding:.2em .4em;text-align:left;vertical-align:top}\n"
	                ".review{background:#fff3cd;border:2px solid #b58100;padding:.5em 1em}\n</style>\n"
	                "</head>\n<body>\n<h1>Subject access export</h1>\n<table>\n");
	h_row(s, x->person ? "Person" : "Case", subject_line(x, case_arg));
	h_row(s, "Exported", now);
	h_row(s, "Exported by", x->actor);
	g_autofree char *counts = g_strdup_printf("%u case%s, %u message%s, %u letter%s (messages.mbox holds them all)",
	                                          x->cases->len, x->cases->len == 1 ? "" : "s", x->n_msgs,
	                                          x->n_msgs == 1 ? "" : "s", x->n_letters, x->n_letters == 1 ? "" : "s");
	h_row(s, "Held", counts);
	g_string_append(s, "</table>\n");

	g_string_append(s, "<section class=\"review\">\n<h2>Needs review before disclosure</h2>\n");
	if (x->review->len == 0) {
		g_string_append(s, "<p>Nothing was found that needs review.</p>\n");
	} else {
		g_string_append(s, "<p>These items may hold other people's personal data. They are included in this "
		                "export as they are; a person must review each before disclosure.</p>\n<ol>\n");
		for (guint i = 0; i < x->review->len; i++) {
			const ReviewItem *r = x->review->pdata[i];
			g_autofree char *when = when_local(r->at);
			g_string_append(s, "<li>");
			h_text(s, r->ref ? r->ref : "(on no case)");
			g_string_append(s, ", ");
			h_text(s, when);
			g_string_append(s, ", by ");
			h_text(s, r->author);
			g_string_append(s, ": ");
			h_text(s, r->what);
			g_string_append(s, " — <em>");
			h_text(s, r->why);
			g_string_append(s, "</em>");
			if (r->excerpt) {
				g_string_append(s, "<br>");
				h_text(s, r->excerpt);
			}
			g_string_append(s, "</li>\n");
		}
		g_string_append(s, "</ol>\n");
	}
	g_string_append(s, "</section>\n");

	for (guint i = 0; i < x->cases->len; i++) {
		const CaseData *d = x->cases->pdata[i];
		const RdCase *c = d->c;
		g_string_append(s, "<section>\n<h2>Case ");
		h_text(s, c->reference);
		g_string_append(s, "</h2>\n<table>\n");
		h_row(s, "State", c->state);
		h_row(s, "Summary", c->summary);
		h_row(s, "Complainant", c->complainant_email);
		h_row(s, "Complainant's name", c->complainant_name);
		h_row(s, "Representative", c->representative_email);
		h_row(s, "Channel", c->channel);
		h_row(s, "Service", c->service);
		h_row(s, "Handler", c->handler);
		h_row(s, "Language", c->language);
		g_autofree char *opened = when_local(c->opened_at);
		h_row(s, "Opened", opened);
		h_row(s, "Root cause", c->cause);
		h_row(s, "Remedy", c->remedy);
		g_string_append(s, "</table>\n<h3>Stages</h3>\n");
		if (d->stages->len == 0)
			g_string_append(s, "<p>None.</p>\n");
		else
			g_string_append(s, "<table><thead><tr><th>Stage</th><th>Received</th><th>Acknowledged</th>"
			                "<th>Response due</th><th>Extended to</th><th>Responded</th><th>Outcome</th>"
			                "<th>Closed</th></tr></thead><tbody>\n");
		for (guint k = 0; k < d->stages->len; k++) {
			const RdStage *st = d->stages->pdata[k];
			g_string_append_printf(s, "<tr><td>%d</td>", st->stage);
			h_cell(s, st->received);
			h_cell(s, st->ack_sent);
			h_cell(s, st->response_due);
			h_cell(s, st->extended_to);
			h_cell(s, st->responded);
			h_cell(s, st->outcome);
			h_cell(s, st->closed);
			g_string_append(s, "</tr>\n");
		}
		if (d->stages->len > 0)
			g_string_append(s, "</tbody></table>\n");
		g_string_append(s, "<h3>Messages</h3>\n");
		h_messages(x, s, d->msgs);
		g_string_append(s, "<h3>Letters</h3>\n");
		h_letters(x, s, d->letters);
		g_string_append(s, "<h3>Events</h3>\n");
		if (d->events->len == 0) {
			g_string_append(s, "<p>None.</p>\n");
		} else {
			g_string_append(s, "<table><thead><tr><th>When</th><th>Who</th><th>What</th><th>Detail</th></tr>"
			                "</thead><tbody>\n");
			for (guint k = 0; k < d->events->len; k++) {
				const RdEvent *e = d->events->pdata[k];
				g_string_append(s, "<tr>");
				h_time(s, e->at);
				h_cell(s, e->actor);
				h_cell(s, e->type);
				h_cell(s, e->detail);
				g_string_append(s, "</tr>\n");
			}
			g_string_append(s, "</tbody></table>\n");
		}
		g_string_append(s, "</section>\n");
	}
	if (x->unfiled_msgs->len > 0 || x->unfiled_letters->len > 0) {
		g_string_append(s, "<section>\n<h2>On no case</h2>\n<h3>Messages</h3>\n");
		h_messages(x, s, x->unfiled_msgs);
		g_string_append(s, "<h3>Letters</h3>\n");
		h_letters(x, s, x->unfiled_letters);
		g_string_append(s, "</section>\n");
	}
	g_string_append(s, "</body>\n</html>\n");
	return g_string_free(s, FALSE);
}

/* ---- the target --------------------------------------------------------------------- */

static gboolean
is_zip(const char *to)
{
	gsize n = strlen(to);
	return n > 4 && g_ascii_strcasecmp(to + n - 4, ".zip") == 0;
}

/* Remove the files this command writes in @dir, then @dir. */
static void
remove_tmpdir(const char *dir)
{
	for (guint i = 0; i < G_N_ELEMENTS(export_files); i++) {
		g_autofree char *p = g_build_filename(dir, export_files[i], NULL);
		g_unlink(p);
	}
	g_rmdir(dir);
}

/* Pack the files of @dir into a new zip file @path (0600). */
static gboolean
pack_zip(const char *dir, const char *path, gint64 now, GError **error)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", path, g_strerror(e));
		return FALSE;
	}
	struct archive *a = archive_write_new();
	gboolean ok = archive_write_set_format_zip(a) == ARCHIVE_OK && archive_write_open_fd(a, fd) == ARCHIVE_OK;
	for (guint i = 0; ok && i < G_N_ELEMENTS(export_files); i++) {
		g_autofree char *p = g_build_filename(dir, export_files[i], NULL);
		g_autofree char *data = NULL;
		gsize len = 0;
		if (!g_file_get_contents(p, &data, &len, error)) {
			archive_write_free(a);
			close(fd);
			return FALSE;
		}
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, export_files[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0600);
		archive_entry_set_size(e, (la_int64_t)len);
		archive_entry_set_mtime(e, (time_t)now, 0);
		ok = archive_write_header(a, e) == ARCHIVE_OK &&
		     (len == 0 || archive_write_data(a, data, len) == (la_ssize_t)len);
		archive_entry_free(e);
	}
	if (ok)
		ok = archive_write_close(a) == ARCHIVE_OK;
	g_autofree char *why = g_strdup(archive_error_string(a) ? archive_error_string(a) : "unknown error");
	archive_write_free(a);
	if (ok && fsync(fd) != 0) {
		ok = FALSE;
		g_free(why);
		why = g_strdup(g_strerror(errno));
	}
	if (close(fd) != 0 && ok) {
		ok = FALSE;
		g_free(why);
		why = g_strdup(g_strerror(errno));
	}
	if (!ok)
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_IO, "writing %s: %s", path, why);
	return ok;
}

/* Can the export go to @to? An exit code, with the reason printed. */
static int
check_target(const char *to, gboolean force)
{
	struct stat sb;
	if (stat(to, &sb) != 0) {
		if (errno != ENOENT) {
			fprintf(stderr, "redress export: %s: %s\n", to, g_strerror(errno));
			return RD_EXIT_USAGE;
		}
		g_autofree char *parent = g_path_get_dirname(to);
		if (!g_file_test(parent, G_FILE_TEST_IS_DIR)) {
			fprintf(stderr, "redress export: %s: no such folder to write in\n", parent);
			return RD_EXIT_USAGE;
		}
		return RD_EXIT_OK;
	}
	if (!force) {
		fprintf(stderr, "redress export: %s already exists; give another %s, or --force to replace it\n", to,
		        is_zip(to) ? "file" : "folder");
		return RD_EXIT_USAGE;
	}
	if (is_zip(to) && !S_ISREG(sb.st_mode)) {
		fprintf(stderr, "redress export: %s exists and is not a file; not replaced\n", to);
		return RD_EXIT_USAGE;
	}
	if (!is_zip(to)) {
		if (!S_ISDIR(sb.st_mode)) {
			fprintf(stderr, "redress export: %s exists and is not a folder; not replaced\n", to);
			return RD_EXIT_USAGE;
		}
		if ((sb.st_mode & 077) != 0) {
			fprintf(stderr, "redress export: %s can be read by others (mode %03o): personal data goes only "
			        "in a private folder; chmod 700 it, or give a new one\n", to, (unsigned)(sb.st_mode & 0777));
			return RD_EXIT_USAGE;
		}
	}
	return RD_EXIT_OK;
}

/* Put the files of @tmp in place at @to: renamed as a new folder, into an
 * existing one (--force, one file at a time), or packed into a zip. */
static gboolean
put_in_place(const char *tmp, const char *to, gint64 now, GError **error)
{
	if (is_zip(to)) {
		g_autofree char *ztmp = g_strconcat(tmp, ".zip", NULL);
		if (!pack_zip(tmp, ztmp, now, error)) {
			g_unlink(ztmp);
			return FALSE;
		}
		remove_tmpdir(tmp);
		if (g_rename(ztmp, to) != 0) {
			int e = errno;
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", to, g_strerror(e));
			g_unlink(ztmp);
			return FALSE;
		}
		return TRUE;
	}
	if (!g_file_test(to, G_FILE_TEST_EXISTS)) {
		if (g_rename(tmp, to) != 0) {
			int e = errno;
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", to, g_strerror(e));
			return FALSE;
		}
		return TRUE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(export_files); i++) {
		g_autofree char *from = g_build_filename(tmp, export_files[i], NULL);
		g_autofree char *dest = g_build_filename(to, export_files[i], NULL);
		if (g_rename(from, dest) != 0) {
			int e = errno;
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", dest, g_strerror(e));
			return FALSE;
		}
	}
	remove_tmpdir(tmp);
	return TRUE;
}

/* The "export" event on every case exported, in one transaction. */
static gboolean
log_events(Export *x, RdStore *store, const char *what, const char *to, GError **error)
{
	if (x->cases->len == 0)
		return TRUE;
	if (!rd_store_begin(store, error))
		return FALSE;
	for (guint i = 0; i < x->cases->len; i++) {
		const CaseData *d = x->cases->pdata[i];
		g_autofree char *detail = g_strdup_printf(
			"Subject access export (%s) to %s: %u case%s, %u message%s, %u letter%s, %u item%s listed for review "
			"before disclosure.", what, to, x->cases->len, x->cases->len == 1 ? "" : "s", x->n_msgs,
			x->n_msgs == 1 ? "" : "s", x->n_letters, x->n_letters == 1 ? "" : "s", x->review->len,
			x->review->len == 1 ? "" : "s");
		if (rd_store_event_add(store, d->c->id, x->now, x->actor, "export", detail, 0, error) == 0) {
			rd_store_rollback(store);
			return FALSE;
		}
	}
	return rd_store_commit(store, error);
}

int
rd_cmd_export(const RdGlobalOptions *g, int argc, char **argv)
{
	gboolean force = FALSE;
	g_autofree char *person = NULL, *case_arg = NULL, *to = NULL;
	GOptionEntry entries[] = {
		{ "person", 0, 0, G_OPTION_ARG_STRING, &person,
		  "Everything held about this address: its cases and its mail on no case", "ADDRESS" },
		{ "case", 0, 0, G_OPTION_ARG_STRING, &case_arg, "Everything held on this case", "REF" },
		{ "to", 0, 0, G_OPTION_ARG_FILENAME, &to, "Write to a new folder DIR, or to FILE.zip", "DIR|FILE.zip" },
		{ "force", 0, 0, G_OPTION_ARG_NONE, &force, "Replace an existing export", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("--person ADDRESS | --case REF --to DIR|FILE.zip — a "
	                                                    "subject access export");
	g_option_context_add_main_entries(oc, entries, NULL);
	g_autoptr(GError) err = NULL;
	if (!g_option_context_parse(oc, &argc, &argv, &err)) {
		fprintf(stderr, "redress export: %s (see redress export --help)\n", err->message);
		return RD_EXIT_USAGE;
	}
	if (argc != 1 || (person == NULL) == (case_arg == NULL) || to == NULL || *to == '\0') {
		fprintf(stderr, "redress export: usage: redress export --person ADDRESS | --case REF --to DIR|FILE.zip "
		        "[--force]\n");
		return RD_EXIT_USAGE;
	}
	g_autofree char *folded = NULL;
	if (person != NULL) {
		folded = g_ascii_strdown(g_strstrip(person), -1);
		if (strchr(folded, '@') == NULL) {
			fprintf(stderr, "redress export: --person takes an email address, e.g. jane@example.org\n");
			return RD_EXIT_USAGE;
		}
	}
	/* A trailing slash would name the temporary folder inside the target. */
	size_t tl = strlen(to);
	while (tl > 1 && to[tl - 1] == '/')
		to[--tl] = '\0';
	int rc = check_target(to, force);
	if (rc != RD_EXIT_OK)
		return rc;

	g_autoptr(RdConfig) cfg = NULL;
	g_autoptr(RdStore) store = NULL;
	rc = rd_open_config_and_store(g, &cfg, &store, NULL);
	if (rc != RD_EXIT_OK)
		return rc;

	Export x = { 0 };
	x.person = folded;
	x.actor = rd_cli_actor();
	x.now = g_get_real_time() / G_USEC_PER_SEC;
	/* One snapshot for everything read, so the files and the counts
	 * logged agree while the daemon goes on filing mail. */
	if (!rd_store_read_begin(store, &err)) {
		fprintf(stderr, "redress: error: %s\n", err->message);
		export_clear(&x);
		return RD_EXIT_INTERNAL;
	}
	rc = gather(&x, store, cfg, case_arg);
	if (rc != RD_EXIT_OK) {
		rd_store_read_end(store);
		export_clear(&x);
		return rc;
	}

	g_autofree char *parent = g_path_get_dirname(to);
	g_autofree char *base = g_path_get_basename(to);
	g_autofree char *tmpl = g_strdup_printf("%s/.%s.tmp-XXXXXX", parent, base);
	char *tmp = g_mkdtemp_full(tmpl, 0700);
	if (tmp == NULL) {
		fprintf(stderr, "redress export: cannot make a folder beside %s: %s\n", to, g_strerror(errno));
		rd_store_read_end(store);
		export_clear(&x);
		return RD_EXIT_USAGE;
	}
	g_autofree char *json = record_json(&x, store, case_arg);
	g_autofree char *html = summary_html(&x, case_arg);
	g_autofree char *review = review_text(&x, case_arg);
	gboolean ok = write_mbox(&x, store, tmp, &err) && write_private(tmp, "record.json", json, &err) &&
	              write_private(tmp, "summary.html", html, &err) && write_private(tmp, "review.txt", review, &err);
	rd_store_read_end(store);
	g_autofree char *what = person ? g_strdup_printf("person %s", folded)
	                               : g_strdup_printf("case %s", ((CaseData *)x.cases->pdata[0])->c->reference);
	gboolean logged = FALSE;
	if (ok)
		logged = ok = log_events(&x, store, what, to, &err);
	if (ok)
		ok = put_in_place(tmp, to, x.now, &err);
	if (!ok) {
		fprintf(stderr, "redress export: error: %s; nothing written%s\n", err ? err->message : "unknown error",
		        logged ? " (the export events on the cases stand: the files were complete when they were "
		                 "logged, and could not be put in place)" : "");
		remove_tmpdir(tmp);
		export_clear(&x);
		return RD_EXIT_INTERNAL;
	}
	rd_log_info("export subject=\"%s\" to=%s by=%s cases=%u messages=%u letters=%u review=%u", what, to,
	            x.actor, x.cases->len, x.n_msgs, x.n_letters, x.review->len);
	if (!g->quiet)
		printf("Exported %s to %s: %u case%s, %u message%s, %u letter%s in messages.mbox; %u item%s to review "
		       "before disclosure (review.txt)\n", what, to, x.cases->len, x.cases->len == 1 ? "" : "s", x.n_msgs,
		       x.n_msgs == 1 ? "" : "s", x.n_letters, x.n_letters == 1 ? "" : "s", x.review->len,
		       x.review->len == 1 ? "" : "s");
	export_clear(&x);
	return RD_EXIT_OK;
}
