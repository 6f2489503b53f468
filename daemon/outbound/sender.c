/*
 * sender.c — drain the outbox through a sink.
 *
 * Letters are committed to the outbox by whatever decided to write them
 * (ingest, the sweep, a case action); this is the other end. For each due
 * row, oldest first, the sink is asked to deliver it *outside* any
 * transaction (a slow SMTP server must not hold the database's write
 * lock), then the outcome is recorded in one transaction of its own:
 *
 *   sent       row marked sent with the delivery record (the server's
 *              reply, the file written) and the time; an acknowledgement
 *              also sets its stage's ack_sent, which starts the response
 *              clock under the 2024 Codes; a "letter-sent" event.
 *   temporary  next_try moved on by rd_outbox_backoff(attempts) — 1 min,
 *              2, 4, … up to an hour — and the error kept on the row;
 *              after retry_for since the letter was queued it becomes a
 *              permanent failure.
 *   permanent  row marked failed; a "letter-failed" event on the case
 *              that says plainly what it means for the complainant.
 *
 * A crash after the server said 250 and before the commit sends that
 * letter again on the next run: delivery is at least once, never lost.
 * An outcome the store cannot record (a full disk) is kept with the sink
 * and recorded by the next run instead of a second delivery.
 * Only a queued row changes state, so two senders cannot both record one.
 * A survey letter to someone flagged not to be contacted is held back
 * (suppressed, with its survey) instead of being sent.
 */
#include <string.h>
#include "outbound/outbound.h"

gint64
rd_outbox_backoff(gint64 attempts)
{
	gint64 delay = 60;
	for (gint64 i = 0; i < attempts && delay < 3600; i++)
		delay *= 2;
	return MIN(delay, 3600);
}

/* Acknowledgements set the stage's ack_sent date when they go out. */
static int
ack_stage_of(const char *kind)
{
	if (strcmp(kind, "stage1-acknowledgement") == 0 || strcmp(kind, "chief-executive-referral") == 0)
		return 1;
	if (strcmp(kind, "stage2-acknowledgement") == 0)
		return 2;
	return 0;
}

static gboolean
record_sent(RdStore *store, RdSink *sink, const RdOutboxRow *o, gint64 now, const char *detail,
            GError **error)
{
	if (!rd_store_outbox_mark_sent(store, o->id, now, detail, error))
		return FALSE;
	/* The Sent-folder copy is owed from the same commit (sentcopy.c). */
	if (sink->keep_copy && !rd_store_outbox_copy_wanted(store, o->id, error))
		return FALSE;
	if (o->case_id == 0)
		return TRUE;
	/* The day an acknowledgement or a response left is the day the
	 * Codes and the SPSO count it done (the reports measure timeliness
	 * from it, not from when the response was recorded). Only the first
	 * sending counts: a response sent again is not a later response. */
	int ack = ack_stage_of(o->kind), resp = o->responds_stage;
	if (ack != 0 || resp != 0) {
		g_autofree char *local = rd_time_format_local(now);
		g_autofree char *day = g_strndup(local, 10);
		g_autoptr(GPtrArray) stages = rd_store_stages_for_case(store, o->case_id, error);
		if (stages == NULL)
			return FALSE;
		for (guint k = 0; k < stages->len; k++) {
			const RdStage *s = stages->pdata[k];
			if (s->stage == ack && s->ack_sent == NULL &&
			    !rd_store_stage_set_field(store, o->case_id, ack, "ack_sent", day, error))
				return FALSE;
			if (s->stage == resp && s->response_sent == NULL &&
			    !rd_store_stage_set_field(store, o->case_id, resp, "response_sent", day, error))
				return FALSE;
		}
	}
	g_autofree char *what = g_strdup_printf("Letter %s sent to %s.", o->kind, o->to_addr);
	return rd_store_event_add(store, o->case_id, now, "redress", "letter-sent", what, 0, error) != 0;
}

static gboolean
record_failed(RdStore *store, const RdOutboxRow *o, gint64 now, const char *why, GError **error)
{
	if (!rd_store_outbox_mark_failed(store, o->id, now, why, error))
		return FALSE;
	if (o->case_id == 0)
		return TRUE;
	const char *meaning = ack_stage_of(o->kind) != 0
		? " The complaint has NOT been acknowledged: contact the complainant another way"
		  " and record it on the case."
		: " The recipient has not received it: send it another way or correct the address.";
	g_autofree char *what = g_strdup_printf("Letter %s to %s could not be delivered: %s.%s",
	                                        o->kind, o->to_addr, why, meaning);
	return rd_store_event_add(store, o->case_id, now, "redress", "letter-failed", what, 0, error) != 0;
}

/* A survey letter to someone who asked, after it was queued, not to be
 * contacted is not sent. Casework withdraws such letters when the flag
 * is set; this is the last look, at the moment of sending, so that no
 * path that sets the flag can leave one to go. TRUE with *@held_r when
 * it was held back. */
static gboolean
hold_survey(RdStore *store, const RdOutboxRow *o, gboolean *held_r, GError **error)
{
	*held_r = FALSE;
	if (strcmp(o->kind, "survey") != 0 || o->idem_key == NULL)
		return TRUE;
	gboolean no = FALSE;
	g_autofree char *reason = NULL;
	if (!rd_store_person_no_contact(store, o->to_addr, &no, &reason, error))
		return FALSE;
	if (!no)
		return TRUE;
	g_autofree char *why = g_strdup_printf("not sent: the complainant asked not to be contacted (%s)",
	                                       reason != NULL ? reason : "no reason given");
	if (!rd_store_begin(store, error))
		return FALSE;
	if (!rd_store_survey_letter_withhold(store, o->idem_key, why, held_r, error) || !rd_store_commit(store, error)) {
		rd_store_rollback(store);
		return FALSE;
	}
	if (*held_r)
		rd_log_info("letter withheld kind=%s to=%s: the complainant asked not to be contacted", o->kind,
		            o->to_addr);
	return TRUE;
}

/* The case reference for the log line ("-" when none). */
static char *
case_ref(RdStore *store, gint64 case_id)
{
	if (case_id == 0)
		return g_strdup("-");
	/* For a log line only: a failed read shows as "?". */
	g_autoptr(GError) err = NULL;
	g_autoptr(RdCase) c = NULL;
	rd_store_case_get(store, case_id, &c, &err);
	return g_strdup(c != NULL ? c->reference : "?");
}

/* A value for a key="…" log field: quotes and control characters out. */
static char *
log_value(const char *s)
{
	GString *v = g_string_new(NULL);
	for (const char *p = s; *p; p++)
		g_string_append_c(v, (*p == '"' || *p == '\\' || (guchar)*p < 0x20) ? ' ' : *p);
	return g_string_free(v, FALSE);
}

/* An outcome the sink gave that the store could not record (a full
 * disk), kept in sink->unrecorded under the row's id until a run records
 * it. Without it the daemon's sender delivered the same letter again at
 * every run, every send_interval, until the disk had room (found by
 * tests/faults/diskfull.sh). A new process (or a reload's new sink)
 * forgets it: delivery stays at least once, as after a crash. */
typedef struct {
	RdSinkStatus st;
	char *detail;
} Unrecorded;

static void
unrecorded_free(gpointer data)
{
	Unrecorded *u = data;
	g_free(u->detail);
	g_free(u);
}

static void
keep_unrecorded(RdSink *sink, gint64 id, RdSinkStatus st, const char *detail)
{
	if (sink->unrecorded == NULL)
		sink->unrecorded = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, unrecorded_free);
	Unrecorded *u = g_new0(Unrecorded, 1);
	u->st = st;
	u->detail = g_strdup(detail);
	g_hash_table_insert(sink->unrecorded, g_memdup2(&id, sizeof id), u);
}

gboolean
rd_outbox_send(RdStore *store, RdSink *sink, gint64 now, gint64 retry_for, const gint *stop,
               RdSendFunc func, gpointer user_data, RdSendCounts *counts_r, GError **error)
{
	g_return_val_if_fail(store != NULL && sink != NULL, FALSE);
	RdSendCounts counts = { 0 };
	/* Rows already handled in this run: a store that refuses to record an
	 * outcome must not make us send the same letter in a loop. */
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	gboolean more = TRUE;
	while (more) {
		g_autoptr(GPtrArray) due = rd_store_outbox_due(store, now, 100, error);
		if (due == NULL)
			return FALSE;
		more = FALSE;
		for (guint i = 0; i < due->len; i++) {
			const RdOutboxRow *o = due->pdata[i];
			/* Shutting down: what is left waits for the next start. */
			if (stop != NULL && g_atomic_int_get(stop) != 0) {
				more = FALSE;
				break;
			}
			if (g_hash_table_contains(seen, &o->id))
				continue;
			g_hash_table_add(seen, g_memdup2(&o->id, sizeof o->id));
			more = TRUE;

			const Unrecorded *kept = sink->unrecorded != NULL
			                         ? g_hash_table_lookup(sink->unrecorded, &o->id) : NULL;
			gboolean held = FALSE;
			if (kept == NULL && !hold_survey(store, o, &held, error))
				return FALSE;
			if (held)
				continue;
			gint64 t0 = g_get_monotonic_time();
			g_autofree char *detail = NULL;
			RdSinkStatus st;
			if (kept != NULL) {
				/* Delivered (or refused) by an earlier run: record
				 * that, do not deliver again. */
				st = kept->st;
				detail = g_strdup(kept->detail);
			} else {
				st = rd_sink_send(sink, o, &detail);
			}
			gint64 ms = (g_get_monotonic_time() - t0) / 1000;
			g_autofree char *ref = case_ref(store, o->case_id);
			g_autofree char *shown = log_value(detail);

			if (kept == NULL && st == RD_SINK_RETRY && retry_for > 0 && now - o->created_at >= retry_for) {
				g_autofree char *why = g_strdup_printf(
					"still undelivered after %" G_GINT64_FORMAT " attempts over %" G_GINT64_FORMAT
					" hours (last error: %s)", o->attempts + 1, (now - o->created_at) / 3600, detail);
				g_free(detail);
				detail = g_steal_pointer(&why);
				st = RD_SINK_FAILED;
			}
			gint64 next = now + rd_outbox_backoff(o->attempts);
			gboolean ok = rd_store_begin(store, error);
			if (ok) {
				switch (st) {
				case RD_SINK_SENT:
					ok = record_sent(store, sink, o, now, detail, error);
					break;
				case RD_SINK_RETRY:
					ok = rd_store_outbox_mark_retry(store, o->id, next, detail, error);
					break;
				case RD_SINK_FAILED:
					ok = record_failed(store, o, now, detail, error);
					break;
				}
				ok = ok && rd_store_commit(store, error);
				if (!ok)
					rd_store_rollback(store);
			}
			if (!ok) {
				if (g_error_matches(*error, RD_STORE_ERROR, RD_STORE_ERROR_NOT_FOUND)) {
					/* Another sender recorded it first. */
					g_clear_error(error);
					if (kept != NULL)
						g_hash_table_remove(sink->unrecorded, &o->id);
					continue;
				}
				if (kept == NULL)
					keep_unrecorded(sink, o->id, st, detail);
				return FALSE;
			}
			if (kept != NULL)
				g_hash_table_remove(sink->unrecorded, &o->id);   /* frees kept */
			switch (st) {
			case RD_SINK_SENT:
				counts.sent++;
				rd_log(sink->ops->log_level, "letter sent case=%s kind=%s to=%s %s=\"%s\" ms=%" G_GINT64_FORMAT,
				       ref, o->kind, o->to_addr, sink->ops->name, shown, ms);
				break;
			case RD_SINK_RETRY: {
				counts.retry++;
				g_autofree char *when = rd_time_format_iso(next);
				rd_log_warn("letter deferred case=%s kind=%s to=%s attempt=%" G_GINT64_FORMAT
				            " next=%s %s=\"%s\" ms=%" G_GINT64_FORMAT,
				            ref, o->kind, o->to_addr, o->attempts + 1, when, sink->ops->name, shown, ms);
				break;
			}
			case RD_SINK_FAILED: {
				counts.failed++;
				g_autofree char *why = log_value(detail);
				rd_log_error("letter failed case=%s kind=%s to=%s %s=\"%s\" ms=%" G_GINT64_FORMAT,
				             ref, o->kind, o->to_addr, sink->ops->name, why, ms);
				break;
			}
			}
			if (func != NULL)
				func(o, st, detail, user_data);
		}
	}
	if (counts_r != NULL)
		*counts_r = counts;
	return TRUE;
}
