/*
 * stmts.c — every SQL statement the store runs, in one table.
 *
 * rd_store_open() prepares each entry once; the functions in store/ look
 * them up by RdStmtId. Values always travel as bound parameters (?1, ?2,
 * …, in the order the calling function binds them). The only text ever
 * pasted into SQL is the compile-time column lists below, so there is no
 * path by which a message, an address or a command can become SQL.
 *
 * A statement added here needs an RdStmtId in store-private.h; open fails
 * loudly if an entry is missing.
 */
#include "store-private.h"

/* Column lists shared by the statements that build one result type; the
 * readers in cases.c and messages.c depend on this order. */
#define CASE_COLS \
	"c.id, c.reference, c.state, c.channel, c.service, p.email, p.name," \
	" c.representative_email, c.handler, c.language, c.profile, c.flags," \
	" c.summary, c.group_id, c.opened_at, c.updated_at, c.cause, c.remedy," \
	" c.ombudsman_referred, c.ombudsman_decided, c.ombudsman_outcome" \
	" FROM cases c JOIN people p ON p.id = c.complainant_id "

#define STAGE_COLS \
	"id, case_id, stage, opened_at, received, ack_due, ack_sent," \
	" response_due, dept_notice_due, extended_to, extension_reason," \
	" responded, outcome, closed, handler, next_check, response_sent "

#define MESSAGE_COLS \
	"id, case_id, direction, raw_sha256, content_hash, size, message_id," \
	" in_reply_to, refs, subject, from_email, from_name, to_addrs, cc_addrs," \
	" date, received_at, kind, via, reason, auto_reason, bounced_message_id," \
	" problem, problem_detail, body_text, new_text "

#define SURVEY_COLS \
	"v.id, v.case_id, v.kind, v.recipient, v.language, v.status, v.reason, v.due, v.sent_at, v.sent_day," \
	" v.expires, v.answered_at, v.answered_day, v.reply_msg_id, v.created_at, c.reference" \
	" FROM surveys v JOIN cases c ON c.id = v.case_id "

#define ACTION_COLS \
	"id, text, owner, authorised_by, due, status, evidence, done_on, publishable, service," \
	" created_by, created_at, updated_at, reminded_for, overdue_for, escalated_at"

/* ?1 case id, ?2 value, ?3 time */
#define CASE_SET(col) \
	"UPDATE cases SET " col " = ?2, updated_at = ?3 WHERE id = ?1"

/* ?1 case id, ?2 stage number, ?3 value */
#define STAGE_SET(col) \
	"UPDATE stages SET " col " = ?3 WHERE case_id = ?1 AND stage = ?2"

const char *const rd_stmt_sql[RD_STMT_COUNT] = {
	[RD_STMT_BEGIN]    = "BEGIN IMMEDIATE",
	[RD_STMT_COMMIT]   = "COMMIT",
	[RD_STMT_ROLLBACK] = "ROLLBACK",
	[RD_STMT_SAVEPOINT] = "SAVEPOINT rd_part",
	[RD_STMT_RELEASE]   = "RELEASE rd_part",
	[RD_STMT_ROLLBACK_TO] = "ROLLBACK TO rd_part",

	[RD_STMT_SETTING_GET] =
		"SELECT value FROM settings WHERE key = ?1",
	[RD_STMT_SETTING_SET] =
		"INSERT INTO settings (key, value) VALUES (?1, ?2)"
		" ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[RD_STMT_SETTING_DELETE] =
		"DELETE FROM settings WHERE key = ?1",

	/* Content-addressed: the same bytes arriving twice are kept once. */
	[RD_STMT_RAW_PUT] =
		"INSERT INTO raw_messages (sha256, size, data) VALUES (?1, ?2, ?3)"
		" ON CONFLICT (sha256) DO NOTHING",
	[RD_STMT_RAW_GET] =
		"SELECT data FROM raw_messages WHERE sha256 = ?1",

	/* The no-op update makes RETURNING yield the id of an existing row,
	 * and fills in a name only where none was known. */
	[RD_STMT_PERSON_ENSURE] =
		"INSERT INTO people (email, name) VALUES (?1, ?2)"
		" ON CONFLICT (email) DO UPDATE"
		" SET name = coalesce(people.name, excluded.name)"
		" RETURNING id",

	/* `next` is the number the next case will get. Yields the number
	 * given out now. Runs in the caller's transaction, so a rollback
	 * takes the number back with the case. */
	[RD_STMT_COUNTER_NEXT] =
		"INSERT INTO reference_counters (prefix, year, next)"
		" VALUES (?1, ?2, 2)"
		" ON CONFLICT (prefix, year) DO UPDATE SET next = next + 1"
		" RETURNING next - 1",
	[RD_STMT_CASE_INSERT] =
		"INSERT INTO cases (reference, year, seq, channel, complainant_id,"
		" state, language, summary, opened_at, updated_at, profile)"
		" VALUES (?1, ?2, ?3, ?4, ?5, 'stage1', ?6, ?7, ?8, ?8, ?9)",
	[RD_STMT_CASE_GET] =
		"SELECT " CASE_COLS "WHERE c.id = ?1",
	[RD_STMT_CASE_GET_BY_REF] =
		"SELECT " CASE_COLS "WHERE c.reference = ?1",
	/* Received messages first, then our own letters; earliest first. */
	[RD_STMT_CASE_GET_BY_MESSAGE_ID] =
		"SELECT " CASE_COLS "WHERE c.id = ("
		"  SELECT case_id FROM ("
		"    SELECT case_id, 0 AS o, id FROM messages"
		"     WHERE message_id = ?1 AND case_id IS NOT NULL"
		"    UNION ALL"
		"    SELECT case_id, 1 AS o, id FROM outbox"
		"     WHERE message_id = ?1 AND case_id IS NOT NULL)"
		"  ORDER BY o, id LIMIT 1)",
	/* ?2 is lower case; people.email is stored lower case, the other
	 * columns come from config and commands and may not be. */
	[RD_STMT_CASE_HAS_PARTY] =
		"SELECT EXISTS ("
		"  SELECT 1 FROM cases c JOIN people p ON p.id = c.complainant_id"
		"   WHERE c.id = ?1 AND (p.email = ?2"
		"     OR lower(c.representative_email) = ?2"
		"     OR lower(c.handler) = ?2))"
		" OR EXISTS ("
		"  SELECT 1 FROM messages m"
		"   WHERE m.case_id = ?1 AND m.kind = 'staff'"
		"     AND lower(m.from_email) = ?2)",
	[RD_STMT_CASES_CLOSED_STAGE1_FOR] =
		"SELECT " CASE_COLS
		"WHERE p.email = ?1 AND c.state = 'stage1-closed'"
		" ORDER BY c.updated_at DESC, c.id DESC",
	/* Subject access: every case the person is a party to, as
	 * complainant or representative, oldest first. */
	[RD_STMT_CASES_FOR_PERSON] =
		"SELECT " CASE_COLS
		"WHERE p.email = ?1 OR lower(c.representative_email) = ?1"
		" ORDER BY c.opened_at, c.id",
	[RD_STMT_CASES_LIST_ALL] =
		"SELECT " CASE_COLS "ORDER BY c.opened_at DESC, c.id DESC",
	[RD_STMT_CASES_LIST_OPEN] =
		"SELECT " CASE_COLS "WHERE c.state IN ('stage1', 'stage2')"
		" ORDER BY c.opened_at DESC, c.id DESC",
	[RD_STMT_CASE_SET_STATE]          = CASE_SET("state"),
	[RD_STMT_CASE_SET_COMPLAINANT] =
		"UPDATE cases SET complainant_id = ?2, updated_at = ?3 WHERE id = ?1",
	[RD_STMT_PERSON_SET_NAME] =
		"UPDATE people SET name = ?2 WHERE id = ?1",
	[RD_STMT_CASE_SET_SERVICE]        = CASE_SET("service"),
	[RD_STMT_CASE_SET_HANDLER]        = CASE_SET("handler"),
	[RD_STMT_CASE_SET_LANGUAGE]       = CASE_SET("language"),
	[RD_STMT_CASE_SET_PROFILE]        = CASE_SET("profile"),
	[RD_STMT_CASE_SET_FLAGS]          = CASE_SET("flags"),
	[RD_STMT_CASE_SET_GROUP]          =
		"UPDATE cases SET group_id = ?2, updated_at = ?3 WHERE id = ?1",
	[RD_STMT_CASE_SET_REPRESENTATIVE] = CASE_SET("representative_email"),
	[RD_STMT_CASE_SET_CAUSE]          = CASE_SET("cause"),
	[RD_STMT_CASE_SET_REMEDY]         = CASE_SET("remedy"),
	[RD_STMT_CASE_SET_OMB_REFERRED]   = CASE_SET("ombudsman_referred"),
	[RD_STMT_CASE_SET_OMB_DECIDED]    = CASE_SET("ombudsman_decided"),
	[RD_STMT_CASE_SET_OMB_OUTCOME]    = CASE_SET("ombudsman_outcome"),

	[RD_STMT_STAGE_INSERT] =
		"INSERT INTO stages (case_id, stage, opened_at, received)"
		" VALUES (?1, ?2, ?3, ?4)",
	[RD_STMT_STAGES_FOR_CASE] =
		"SELECT " STAGE_COLS "FROM stages WHERE case_id = ?1 ORDER BY stage",
	[RD_STMT_STAGES_ALL] =
		"SELECT " STAGE_COLS "FROM stages ORDER BY case_id, stage",
	/* A read transaction (no write lock), so that the statements of one
	 * report see one state of the file. */
	[RD_STMT_REPORT_BEGIN] = "BEGIN DEFERRED",
	[RD_STMT_REPORT_END] = "COMMIT",
	/* ?1 first day, ?2 last day (GDate day numbers): the cases with a
	 * day in the period (schema.c, version 12). */
	[RD_STMT_REPORT_SPANS] =
		"SELECT case_id FROM report_case WHERE hi >= ?1 AND lo <= ?2",
	/* About how many cases there are, in one probe. */
	[RD_STMT_REPORT_CASES_MAX] = "SELECT coalesce(max(case_id), 0) FROM report_case",
	[RD_STMT_REPORT_WORDS] = "SELECT id, word FROM report_word",
	/* ?1, ?2: the case ids from and to; ?3, ?4 the days as for
	 * RD_STMT_REPORT_SPANS. The order of the columns is report.c's. */
	[RD_STMT_REPORT_ROWS] =
		"SELECT case_id, reference, om, w1, w2, w3, s1_a, s1_b, s1_c, s1_d, s2_a, s2_b, s2_c, s2_d"
		" FROM report_case WHERE case_id BETWEEN ?1 AND ?2 AND +hi >= ?3 AND +lo <= ?4"
		" AND (s1_d IS NOT NULL OR s2_d IS NOT NULL) ORDER BY case_id",
	[RD_STMT_STAGE_SET_RECEIVED]         = STAGE_SET("received"),
	[RD_STMT_STAGE_SET_NEXT_CHECK]       = STAGE_SET("next_check"),
	[RD_STMT_STAGES_DUE] =
		"SELECT case_id, stage FROM stages"
		" WHERE next_check IS NOT NULL AND next_check <= ?1"
		" ORDER BY next_check, case_id LIMIT ?2",
	[RD_STMT_STAGES_OPEN] =
		"SELECT s.case_id, s.stage FROM stages s JOIN cases c ON c.id = s.case_id"
		" WHERE s.responded IS NULL AND s.closed IS NULL"
		" AND c.state IN ('stage1', 'stage2') ORDER BY s.case_id, s.stage",
	[RD_STMT_CASES_DUE_BY] =
		"SELECT " CASE_COLS "WHERE c.id IN (SELECT case_id FROM stages"
		" WHERE responded IS NULL AND closed IS NULL"
		" AND coalesce(extended_to, response_due) <= ?1)"
		" AND c.state IN ('stage1', 'stage2')"
		" ORDER BY c.opened_at, c.id",
	[RD_STMT_CASES_BY_CHANNEL] =
		"SELECT " CASE_COLS "WHERE c.channel = ?1 AND c.opened_at > ?2 AND c.opened_at <= ?3"
		" ORDER BY c.opened_at, c.id",
	[RD_STMT_CASES_IN_GROUP] =
		"SELECT " CASE_COLS "WHERE c.group_id = ?1 ORDER BY c.opened_at, c.id",
	[RD_STMT_STAGE_SET_ACK_DUE]          = STAGE_SET("ack_due"),
	[RD_STMT_STAGE_SET_ACK_SENT]         = STAGE_SET("ack_sent"),
	[RD_STMT_STAGE_SET_RESPONSE_DUE]     = STAGE_SET("response_due"),
	[RD_STMT_STAGE_SET_DEPT_NOTICE_DUE]  = STAGE_SET("dept_notice_due"),
	[RD_STMT_STAGE_SET_EXTENDED_TO]      = STAGE_SET("extended_to"),
	[RD_STMT_STAGE_SET_EXTENSION_REASON] = STAGE_SET("extension_reason"),
	[RD_STMT_STAGE_SET_RESPONDED]        = STAGE_SET("responded"),
	[RD_STMT_STAGE_SET_OUTCOME]          = STAGE_SET("outcome"),
	[RD_STMT_STAGE_SET_CLOSED]           = STAGE_SET("closed"),
	[RD_STMT_STAGE_SET_HANDLER]          = STAGE_SET("handler"),
	[RD_STMT_STAGE_SET_RESPONSE_SENT]    = STAGE_SET("response_sent"),
	[RD_STMT_STAGE_SET_CLOCK] =
		"UPDATE stages SET received = ?3, ack_due = ?4, response_due = ?5,"
		" dept_notice_due = ?6, next_check = ?7"
		" WHERE case_id = ?1 AND stage = ?2",

	[RD_STMT_MESSAGE_INSERT] =
		"INSERT INTO messages (case_id, direction, raw_sha256, content_hash,"
		" size, message_id, in_reply_to, refs, subject, from_email,"
		" from_name, to_addrs, cc_addrs, date, received_at, kind, via,"
		" reason, auto_reason, bounced_message_id, problem,"
		" problem_detail, body_text, new_text)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
		" ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)",
	[RD_STMT_MESSAGE_FIND] =
		"SELECT id FROM messages"
		" WHERE message_id = ?1 AND content_hash = ?2 ORDER BY id LIMIT 1",
	[RD_STMT_MESSAGE_FIND_NO_ID] =
		"SELECT id FROM messages"
		" WHERE content_hash = ?1 AND message_id IS NULL"
		" ORDER BY id LIMIT 1",
	/* The key finds the candidates through messages_raw_key, the full
	 * hash decides. The unary + is needed: given "raw_sha256 = ?1",
	 * SQLite puts ?1 in place of raw_sha256 in the other terms (constant
	 * propagation), and the key term then no longer matches the index
	 * expression, so the query scanned the table. */
	[RD_STMT_MESSAGE_FIND_RAW] =
		"SELECT id FROM messages"
		" WHERE " RD_SQL_HASH_KEY("raw_sha256") " = " RD_SQL_HASH_KEY("?1")
		" AND +raw_sha256 = ?1 ORDER BY id LIMIT 1",
	[RD_STMT_MESSAGE_HASHES_BY_MESSAGE_ID] =
		"SELECT id, raw_sha256, content_hash FROM messages WHERE message_id = ?1"
		" ORDER BY id",
	[RD_STMT_MESSAGE_SET_CONTENT_HASH] =
		"UPDATE messages SET content_hash = ?2 WHERE id = ?1",
	[RD_STMT_MESSAGE_SET_CASE] =
		"UPDATE messages SET case_id = ?2, kind = ?3, via = ?4, reason = ?5"
		" WHERE id = ?1",
	[RD_STMT_MESSAGE_GET] =
		"SELECT " MESSAGE_COLS "FROM messages WHERE id = ?1",
	[RD_STMT_MESSAGE_GET_BY_MESSAGE_ID] =
		"SELECT " MESSAGE_COLS "FROM messages WHERE message_id = ?1"
		" ORDER BY id LIMIT 1",
	[RD_STMT_MESSAGES_FOR_CASE] =
		"SELECT " MESSAGE_COLS "FROM messages WHERE case_id = ?1"
		" ORDER BY received_at, id",
	/* Subject access: messages on no case (triage, unmatched) from the
	 * person or addressed to them; to_addrs and cc_addrs are lists
	 * joined with ", ". */
	[RD_STMT_MESSAGES_UNFILED_FOR] =
		"SELECT " MESSAGE_COLS "FROM messages WHERE case_id IS NULL"
		" AND (lower(from_email) = ?1"
		"  OR instr(', ' || lower(coalesce(to_addrs, '')) || ',', ', ' || ?1 || ',') > 0"
		"  OR instr(', ' || lower(coalesce(cc_addrs, '')) || ',', ', ' || ?1 || ',') > 0)"
		" ORDER BY received_at, id",
	[RD_STMT_ROUTE_ADD] =
		"INSERT INTO message_routes (msg_id, mailbox, received_at, source)"
		" VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT (msg_id, mailbox) DO NOTHING",
	[RD_STMT_ROUTES_FOR_MESSAGE] =
		"SELECT mailbox FROM message_routes WHERE msg_id = ?1 ORDER BY id",

	[RD_STMT_SENDER_SAME_TEXT] =
		"SELECT id, received_at FROM messages"
		" WHERE from_email = ?1 AND received_at >= ?2 AND direction = 'in' AND new_text = ?3"
		"   AND subject IS ?4"
		" ORDER BY received_at DESC, id DESC LIMIT 1",
	[RD_STMT_SENDER_QUICK_ANSWERS] =
		"SELECT count(*) FROM messages m"
		" WHERE m.from_email = ?1 AND m.received_at >= ?2 AND m.direction = 'in'"
		"   AND m.kind IN ('new-complaint', 'triage')"
		"   AND EXISTS (SELECT 1 FROM outbox o WHERE o.to_addr = ?1 AND o.sent_at IS NOT NULL"
		"               AND o.sent_at <= m.received_at AND o.sent_at >= m.received_at - ?3)",
	[RD_STMT_SENDER_QUICK_NOW] =
		"SELECT EXISTS (SELECT 1 FROM outbox WHERE to_addr = ?1 AND sent_at IS NOT NULL"
		"               AND sent_at <= ?2 AND sent_at >= ?2 - ?3)",
	[RD_STMT_SENDER_CASES_OPENED] =
		"SELECT count(*) FROM cases c JOIN people p ON p.id = c.complainant_id"
		" WHERE p.email = ?1 AND c.opened_at >= ?2",
	[RD_STMT_ATTACHMENT_ADD] =
		"INSERT INTO attachments (msg_id, filename, content_type, size,"
		" sha256, is_tnef) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[RD_STMT_ATTACHMENTS_FOR_MESSAGE] =
		"SELECT filename, content_type, sha256, size, is_tnef, id, msg_id"
		" FROM attachments WHERE msg_id = ?1 ORDER BY id",
	[RD_STMT_ATTACHMENT_GET] =
		"SELECT filename, content_type, sha256, size, is_tnef, id, msg_id"
		" FROM attachments WHERE id = ?1",

	[RD_STMT_EVENT_ADD] =
		"INSERT INTO events (case_id, at, actor, type, detail, msg_id)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[RD_STMT_EVENTS_FOR_CASE] =
		"SELECT id, case_id, at, msg_id, actor, type, detail"
		" FROM events WHERE case_id = ?1 ORDER BY at, id",

	[RD_STMT_TRIAGE_ADD] =
		"INSERT INTO triage (msg_id, reason, suggestion, created_at)"
		" VALUES (?1, ?2, ?3, ?4)",
	[RD_STMT_TRIAGE_LIST] =
		"SELECT t.id, t.msg_id, t.created_at, t.reason, t.suggestion,"
		" m.message_id, m.from_email, m.subject, m.kind, m.received_at, m.problem"
		" FROM triage t JOIN messages m ON m.id = t.msg_id"
		" WHERE t.resolved_at IS NULL ORDER BY t.created_at, t.id",
	[RD_STMT_TRIAGE_RESOLVE] =
		"UPDATE triage SET resolution = ?2, resolved_at = ?3"
		" WHERE msg_id = ?1 AND resolved_at IS NULL",

	[RD_STMT_CURSOR_GET] =
		"SELECT uidvalidity, last_uid FROM mailbox_cursors WHERE mailbox = ?1",
	[RD_STMT_CURSOR_SET] =
		"INSERT INTO mailbox_cursors (mailbox, uidvalidity, last_uid,"
		" updated_at) VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT (mailbox) DO UPDATE SET"
		" uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid,"
		" updated_at = excluded.updated_at",

	/* Letters: INSERT OR IGNORE on the idempotency key is what makes a
	 * letter impossible to queue twice (re-ingest, restart, repeated
	 * sweep); the caller reads the existing row back to tell. */
	[RD_STMT_OUTBOX_INSERT] =
		"INSERT INTO outbox (case_id, idem_key, kind, language, from_addr,"
		" to_addr, subject, message_id, raw, status, next_try, created_at,"
		" detail, responds_stage)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
		" ON CONFLICT (idem_key) DO NOTHING",
	[RD_STMT_OUTBOX_GET_BY_KEY] =
		"SELECT id FROM outbox WHERE idem_key = ?1",
	[RD_STMT_OUTBOX_DUE] =
		"SELECT id, case_id, idem_key, kind, language, from_addr, to_addr, subject, message_id, status, attempts, next_try, created_at, sent_at, last_error, detail, raw, bounced_at, bounce_status, bounce_detail, responds_stage FROM outbox"
		" WHERE status = 'queued' AND next_try <= ?1"
		" ORDER BY next_try, id LIMIT ?2",
	[RD_STMT_OUTBOX_FOR_CASE] =
		"SELECT id, case_id, idem_key, kind, language, from_addr, to_addr, subject, message_id, status, attempts, next_try, created_at, sent_at, last_error, detail, NULL, bounced_at, bounce_status, bounce_detail, responds_stage FROM outbox"
		" WHERE case_id = ?1 ORDER BY created_at, id",
	/* Subject access: letters on no case to the person. */
	[RD_STMT_OUTBOX_UNFILED_TO] =
		"SELECT id, case_id, idem_key, kind, language, from_addr, to_addr, subject, message_id, status, attempts, next_try, created_at, sent_at, last_error, detail, NULL, bounced_at, bounce_status, bounce_detail, responds_stage FROM outbox"
		" WHERE case_id IS NULL AND lower(to_addr) = ?1 ORDER BY created_at, id",
	[RD_STMT_OUTBOX_RAW] =
		"SELECT raw FROM outbox WHERE id = ?1",
	/* The letter a delivery failure report names (outbox_message_id). */
	[RD_STMT_OUTBOX_BY_MESSAGE_ID] =
		"SELECT id, case_id, idem_key, kind, language, from_addr, to_addr, subject, message_id, status, attempts, next_try, created_at, sent_at, last_error, detail, NULL, bounced_at, bounce_status, bounce_detail, responds_stage FROM outbox"
		" WHERE message_id = ?1 ORDER BY id DESC LIMIT 1",
	/* Only a letter that went can bounce; the first report is kept. */
	[RD_STMT_OUTBOX_MARK_BOUNCED] =
		"UPDATE outbox SET bounced_at = ?2, bounce_status = ?3, bounce_detail = ?4,"
		" bounce_msg_id = ?5 WHERE id = ?1 AND status = 'sent' AND bounced_at IS NULL",
	[RD_STMT_OUTBOX_MARK_SENT] =
		"UPDATE outbox SET status = 'sent', sent_at = ?2, detail = ?3,"
		" attempts = attempts + 1, last_error = NULL"
		" WHERE id = ?1 AND status = 'queued'",
	[RD_STMT_OUTBOX_MARK_RETRY] =
		"UPDATE outbox SET next_try = ?2, last_error = ?3,"
		" attempts = attempts + 1 WHERE id = ?1 AND status = 'queued'",
	[RD_STMT_OUTBOX_MARK_FAILED] =
		"UPDATE outbox SET status = 'failed', sent_at = NULL, last_error = ?3,"
		" attempts = attempts + 1, next_try = ?2"
		" WHERE id = ?1 AND status = 'queued'",
	/* Not sent, and not a failure either: recorded as suppressed, with
	 * why in detail; ?2 (when) is kept in next_try, as a failure does. */
	[RD_STMT_OUTBOX_WITHDRAW] =
		"UPDATE outbox SET status = 'suppressed', detail = ?3, next_try = ?2"
		" WHERE id = ?1 AND status = 'queued'",
	[RD_STMT_OUTBOX_COUNT_TO] =
		"SELECT count(*) FROM outbox WHERE to_addr = ?1 AND created_at >= ?2"
		" AND status IN ('queued', 'sent')",
	[RD_STMT_OUTBOX_COUNTS] =
		"SELECT status, count(*), min(created_at), max(next_try) FROM outbox GROUP BY status",
	/* Copies for the Sent folder, after the letter went. */
	[RD_STMT_OUTBOX_COPY_WANTED] =
		"UPDATE outbox SET sent_copy = 'pending' WHERE id = ?1 AND status = 'sent'",
	[RD_STMT_OUTBOX_COPY_DUE] =
		"SELECT id, case_id, idem_key, kind, language, from_addr, to_addr, subject, message_id, status, attempts, next_try, created_at, sent_at, last_error, detail, raw, bounced_at, bounce_status, bounce_detail, responds_stage FROM outbox"
		" WHERE sent_copy = 'pending' AND id > ?1 ORDER BY id LIMIT ?2",
	[RD_STMT_OUTBOX_COPY_SET] =
		"UPDATE outbox SET sent_copy = ?2, copy_error = ?3 WHERE id = ?1 AND sent_copy = 'pending'",

	/* The daemon's state: whole rows, written by the thread that owns
	 * them (a watcher its mailbox's row, the main thread the heartbeat). */
	[RD_STMT_MAILBOX_STATUS_SET] =
		"INSERT INTO mailbox_status (mailbox, connected, last_fetch,"
		" last_error, last_error_at, waiting, updated_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
		" ON CONFLICT (mailbox) DO UPDATE SET"
		" connected = excluded.connected, last_fetch = excluded.last_fetch,"
		" last_error = excluded.last_error,"
		" last_error_at = excluded.last_error_at,"
		" waiting = excluded.waiting, updated_at = excluded.updated_at",
	[RD_STMT_MAILBOX_STATUS_LIST] =
		"SELECT mailbox, connected, last_fetch, last_error, last_error_at,"
		" waiting, updated_at FROM mailbox_status ORDER BY mailbox",
	[RD_STMT_MAILBOX_STATUS_CLEAR] =
		"DELETE FROM mailbox_status",
	[RD_STMT_DAEMON_STATUS_SET] =
		"INSERT INTO daemon_status (id, pid, started_at, heartbeat_at,"
		" interval, stopped_at) VALUES (1, ?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT (id) DO UPDATE SET pid = excluded.pid,"
		" started_at = excluded.started_at,"
		" heartbeat_at = excluded.heartbeat_at,"
		" interval = excluded.interval, stopped_at = excluded.stopped_at",
	[RD_STMT_DAEMON_STATUS_GET] =
		"SELECT pid, started_at, heartbeat_at, interval, stopped_at"
		" FROM daemon_status WHERE id = 1",

	[RD_STMT_COUNTS] =
		"SELECT (SELECT count(*) FROM cases),"
		" (SELECT count(*) FROM cases WHERE state IN ('stage1', 'stage2')),"
		" (SELECT count(*) FROM messages),"
		" (SELECT count(*) FROM raw_messages),"
		" (SELECT count(*) FROM triage WHERE resolved_at IS NULL),"
		" (SELECT count(*) FROM events),"
		" (SELECT count(*) FROM outbox)",

	[RD_STMT_QUARANTINE_NOTE] =
		"INSERT INTO quarantine (source, attempts, crashed, signal, version, first_at, last_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"
		" ON CONFLICT (source) DO UPDATE SET attempts = attempts + excluded.attempts,"
		" crashed = max(crashed, excluded.crashed),"
		" signal = coalesce(excluded.signal, signal), version = excluded.version,"
		" last_at = excluded.last_at",
	[RD_STMT_QUARANTINE_LIST] =
		"SELECT source, attempts, crashed, signal, version, first_at, last_at, msg_id"
		" FROM quarantine ORDER BY first_at, source",
	[RD_STMT_QUARANTINE_SET_MESSAGE] =
		"UPDATE quarantine SET msg_id = ?2 WHERE source = ?1",
	[RD_STMT_QUARANTINE_FORGET] =
		"DELETE FROM quarantine WHERE source = ?1",
	/* Only a message kept unparsed and on no case can be taken back. */
	[RD_STMT_UNPARSED_CHECK] =
		"SELECT 1 FROM messages WHERE id = ?1 AND problem = 'crashed-parser'"
		" AND case_id IS NULL",
	[RD_STMT_UNPARSED_DROP_TRIAGE] =
		"DELETE FROM triage WHERE msg_id = ?1",
	[RD_STMT_UNPARSED_DROP_ROUTES] =
		"DELETE FROM message_routes WHERE msg_id = ?1",
	[RD_STMT_UNPARSED_UNLINK] =
		"UPDATE quarantine SET msg_id = NULL WHERE msg_id = ?1",
	[RD_STMT_UNPARSED_DROP] =
		"DELETE FROM messages WHERE id = ?1",

	/* learning actions (actions.c) */
	[RD_STMT_ACTION_INSERT] =
		"INSERT INTO actions (text, owner, authorised_by, due, status, publishable, service,"
		" created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
	[RD_STMT_ACTION_LINK_CASE] =
		"INSERT OR IGNORE INTO action_cases (action_id, case_id) VALUES (?1, ?2)",
	[RD_STMT_ACTION_GET] =
		"SELECT " ACTION_COLS " FROM actions WHERE id = ?1",
	[RD_STMT_ACTION_CASES] =
		"SELECT c.reference FROM action_cases ac JOIN cases c ON c.id = ac.case_id"
		" WHERE ac.action_id = ?1 ORDER BY c.reference",
	[RD_STMT_ACTIONS_ALL] =
		"SELECT " ACTION_COLS " FROM actions ORDER BY id",
	[RD_STMT_ACTIONS_OPEN] =
		"SELECT " ACTION_COLS " FROM actions WHERE status IN ('proposed', 'agreed') ORDER BY due, id",
	[RD_STMT_ACTIONS_FOR_CASE] =
		"SELECT " ACTION_COLS " FROM actions WHERE id IN"
		" (SELECT action_id FROM action_cases WHERE case_id = ?1) ORDER BY id",
	[RD_STMT_ACTION_UPDATE] =
		"UPDATE actions SET owner = ?2, authorised_by = ?3, due = ?4, status = ?5, evidence = ?6,"
		" done_on = ?7, publishable = ?8, service = ?9, updated_at = ?10, reminded_for = ?11,"
		" overdue_for = ?12, escalated_at = ?13 WHERE id = ?1",
	[RD_STMT_ACTION_EVENT_ADD] =
		"INSERT INTO action_events (action_id, at, actor, type, detail, msg_id)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[RD_STMT_ACTION_EVENTS] =
		"SELECT id, action_id, at, msg_id, actor, type, detail"
		" FROM action_events WHERE action_id = ?1 ORDER BY at, id",

	/* satisfaction surveys (surveys.c) */
	/* ?1 first response day counted, ?2 kind: closed cases answered on
	 * or after ?1 with no survey of that kind; their latest stage's
	 * response day and outcome. */
	[RD_STMT_SURVEY_CANDIDATES] =
		"SELECT c.id, c.state,"
		" (SELECT coalesce(s.response_sent, s.responded) FROM stages s WHERE s.case_id = c.id"
		"  ORDER BY s.stage DESC LIMIT 1),"
		" (SELECT s.outcome FROM stages s WHERE s.case_id = c.id ORDER BY s.stage DESC LIMIT 1)"
		" FROM cases c WHERE c.id IN (SELECT s.case_id FROM stages s"
		"  WHERE coalesce(s.response_sent, s.responded) >= ?1)"
		" AND c.state IN ('stage1-closed', 'closed')"
		" AND NOT EXISTS (SELECT 1 FROM surveys v WHERE v.case_id = c.id AND v.kind = ?2)"
		" ORDER BY c.id",
	[RD_STMT_SURVEY_INSERT] =
		"INSERT OR IGNORE INTO surveys (case_id, kind, recipient, language, status, reason, due, sent_at,"
		" sent_day, expires, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[RD_STMT_SURVEY_GET] =
		"SELECT " SURVEY_COLS "WHERE v.id = ?1",
	[RD_STMT_SURVEYS_FOR_CASE] =
		"SELECT " SURVEY_COLS "WHERE v.case_id = ?1 ORDER BY v.id",
	[RD_STMT_SURVEYS_ALL] =
		"SELECT " SURVEY_COLS "ORDER BY v.id",
	[RD_STMT_SURVEYS_EXPIRING] =
		"SELECT " SURVEY_COLS "WHERE v.status = 'sent' AND v.expires < ?1 ORDER BY v.id",
	/* ?1 an address, folded: the complainant surveys made for it, on
	 * any of the person's cases, whose letter may still wait (a letter
	 * held up past the survey's last day is expired, still queued). */
	[RD_STMT_SURVEYS_SENT_TO] =
		"SELECT " SURVEY_COLS "WHERE v.kind = 'complainant' AND v.status IN ('sent', 'expired')"
		" AND lower(v.recipient) = ?1 ORDER BY v.id",
	/* ?1 a survey's id, ?2 its case for a complainant survey (0 for a
	 * staff one): when its first reply came. A complainant's reply is
	 * kept on the case (its address may have been only in Delivered-To);
	 * a handler's on none, so its To or Cc names the survey's address
	 * (only a reply whose address held is kept as a survey-reply). */
	[RD_STMT_SURVEY_FIRST_REPLY] =
		"SELECT min(received_at) FROM messages WHERE kind = 'survey-reply'"
		" AND ((?2 > 0 AND case_id = ?2) OR instr(lower(coalesce(to_addrs, '')), '+svy-' || ?1 || '-') > 0"
		"  OR instr(lower(coalesce(cc_addrs, '')), '+svy-' || ?1 || '-') > 0)",
	/* ?1 a queued survey letter's idempotency key, ?2 why: its survey
	 * (the case's complainant one, to the letter's address) suppressed. */
	[RD_STMT_SURVEY_WITHHELD] =
		"UPDATE surveys SET status = 'suppressed', reason = ?2 WHERE kind = 'complainant'"
		" AND status IN ('sent', 'expired') AND EXISTS (SELECT 1 FROM outbox o WHERE o.idem_key = ?1"
		"  AND o.case_id = surveys.case_id AND lower(o.to_addr) = lower(surveys.recipient))",
	[RD_STMT_SURVEY_SET_STATUS] =
		"UPDATE surveys SET status = ?2, reason = coalesce(?3, reason) WHERE id = ?1",
	[RD_STMT_SURVEY_SET_ANSWERED] =
		"UPDATE surveys SET status = 'answered', answered_at = ?2, answered_day = ?3, reply_msg_id = ?4"
		" WHERE id = ?1",
	[RD_STMT_SURVEY_ANSWER_ADD] =
		"INSERT OR REPLACE INTO survey_answers (survey_id, question, value) VALUES (?1, ?2, ?3)",
	[RD_STMT_SURVEY_COMMENT_ADD] =
		"INSERT OR REPLACE INTO survey_comments (survey_id, text) VALUES (?1, ?2)",
	[RD_STMT_SURVEY_ANSWERS] =
		"SELECT question, value FROM survey_answers WHERE survey_id = ?1 ORDER BY question",
	/* ?1 kind, ?2 ?3 the period's first and last day. */
	[RD_STMT_SURVEY_COUNTS] =
		"SELECT (SELECT count(*) FROM surveys WHERE kind = ?1 AND sent_day BETWEEN ?2 AND ?3),"
		" (SELECT count(*) FROM surveys WHERE kind = ?1 AND answered_day BETWEEN ?2 AND ?3),"
		" (SELECT count(*) FROM surveys WHERE kind = ?1 AND status = 'expired' AND expires BETWEEN ?2 AND ?3),"
		" (SELECT count(*) FROM surveys WHERE kind = ?1 AND status = 'suppressed'"
		"  AND due BETWEEN ?2 AND ?3),"
		" (SELECT count(*) FROM surveys WHERE kind = ?1 AND sent_day BETWEEN ?2 AND ?3"
		"  AND status = 'answered')",
	[RD_STMT_SURVEY_FIGURES] =
		"SELECT a.question, a.value, count(*) FROM survey_answers a JOIN surveys v ON v.id = a.survey_id"
		" WHERE v.kind = ?1 AND v.answered_day BETWEEN ?2 AND ?3 GROUP BY a.question, a.value",
	/* In the order of their text, so that nothing in the order says
	 * which case or person a comment came from. */
	[RD_STMT_SURVEY_COMMENTS] =
		"SELECT m.text FROM survey_comments m JOIN surveys v ON v.id = m.survey_id"
		" WHERE v.kind = ?1 AND v.answered_day BETWEEN ?2 AND ?3 ORDER BY m.text",
	[RD_STMT_PERSON_SET_NO_CONTACT] =
		"INSERT INTO people (email, no_contact_at, no_contact_reason) VALUES (?1, ?2, ?3)"
		" ON CONFLICT (email) DO UPDATE SET no_contact_at = coalesce(people.no_contact_at, excluded.no_contact_at),"
		" no_contact_reason = coalesce(people.no_contact_reason, excluded.no_contact_reason)",
	[RD_STMT_PERSON_NO_CONTACT] =
		"SELECT no_contact_at, no_contact_reason FROM people WHERE email = ?1 AND no_contact_at IS NOT NULL",
	/* A letter to ?1 came back, or failed for good. */
	[RD_STMT_ADDRESS_BOUNCED] =
		"SELECT 1 FROM outbox WHERE to_addr = ?1 AND (bounced_at IS NOT NULL OR status = 'failed') LIMIT 1",
	[RD_STMT_OUTBOX_SUPPRESS_QUEUED] =
		"UPDATE outbox SET status = 'suppressed', detail = ?2 WHERE idem_key = ?1 AND status = 'queued'",
	/* retention (purge.c) */
	[RD_STMT_HOLD_GET] =
		"SELECT reason, held_by, held_at FROM case_holds WHERE case_id = ?1",
	[RD_STMT_HOLD_SET] =
		"INSERT OR REPLACE INTO case_holds (case_id, reason, held_by, held_at) VALUES (?1, ?2, ?3, ?4)",
	[RD_STMT_HOLD_CLEAR] =
		"DELETE FROM case_holds WHERE case_id = ?1",
	/* Closed cases not yet purged, and every held case (so a listing can
	 * say why it stays); each with the days its period may count from. */
	[RD_STMT_RETENTION_ROWS] =
		"SELECT c.id, c.reference, c.state, c.profile, c.ombudsman_referred, c.ombudsman_decided,"
		"  h.case_id IS NOT NULL,"
		"  (SELECT group_concat(d, ' ') FROM (SELECT closed AS d FROM stages WHERE case_id = c.id"
		"     UNION ALL SELECT responded FROM stages WHERE case_id = c.id"
		"     UNION ALL SELECT response_sent FROM stages WHERE case_id = c.id) WHERE d IS NOT NULL),"
		"  CASE WHEN p.case_id IS NULL"
		"   THEN (SELECT max(received_at) FROM messages WHERE case_id = c.id AND direction = 'in')"
		"   ELSE max(coalesce((SELECT max(received_at) FROM messages WHERE case_id = c.id), 0),"
		"            coalesce((SELECT max(created_at) FROM outbox WHERE case_id = c.id), 0),"
		"            coalesce((SELECT max(at) FROM events WHERE case_id = c.id AND type <> 'purged'), 0)) END,"
		"  p.case_id IS NOT NULL"
		" FROM cases c LEFT JOIN case_holds h ON h.case_id = c.id LEFT JOIN purged_cases p ON p.case_id = c.id"
		" WHERE (c.state IN ('closed', 'stage1-closed') OR h.case_id IS NOT NULL)"
		"   AND (p.case_id IS NULL OR EXISTS (SELECT 1 FROM messages WHERE case_id = c.id)"
		"     OR EXISTS (SELECT 1 FROM outbox WHERE case_id = c.id)"
		"     OR EXISTS (SELECT 1 FROM events WHERE case_id = c.id AND type <> 'purged'))"
		" ORDER BY c.id",
	[RD_STMT_PURGED_AT] =
		"SELECT purged_at FROM purged_cases WHERE case_id = ?1",
	[RD_STMT_PURGE_LAST] =
		"SELECT coalesce(max(at), 0) FROM purges",
	[RD_STMT_PURGE_UNCOMPACTED] =
		"SELECT count(*) FROM purges WHERE compacted = 0 AND cases > 0",
	[RD_STMT_PURGE_COMPACTED] =
		"UPDATE purges SET compacted = 1 WHERE compacted = 0",
	[RD_STMT_PURGE_RECORD] =
		"INSERT INTO purges (at, actor, periods, cases, messages, raw, attachments, letters, events, people,"
		" copies) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[RD_STMT_PURGED_CASE_ADD] =
		"INSERT OR REPLACE INTO purged_cases (case_id, purge_id, purged_at) VALUES (?1, ?2, ?3)",
	[RD_STMT_PURGE_COPIES] =
		"SELECT id, role, copy, message_id, attempts FROM purge_copies ORDER BY role, copy, id",
	[RD_STMT_PURGE_COPY_GONE] =
		"DELETE FROM purge_copies WHERE id = ?1",
	[RD_STMT_PURGE_COPY_FAILED] =
		"UPDATE purge_copies SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
};
