/*
 * schema.c — the database schema and its migrations.
 *
 * The schema version is PRAGMA user_version. migrations[N] is a function
 * taking a file from version N to N+1; rd_store_migrate() runs every step
 * from the file's version up to RD_STORE_SCHEMA_VERSION, with the
 * user_version bumps, inside one BEGIN IMMEDIATE transaction. user_version
 * lives in the file header and is covered by the transaction, so a crash or
 * a failed step leaves the file exactly as it was before the upgrade.
 *
 * Migrating is idempotent: rd_store_open() runs it under the set-up lock
 * (lock.c), and it reads user_version again once it holds SQLite's write
 * lock, so a process that waited while another upgraded the file finds
 * nothing left to do.
 *
 * A file newer than this binary is refused rather than used: an older
 * redress could misread columns or drop rules it does not know about.
 *
 * Version 2 adds what the daemon reports about itself for `redress
 * status`: one mailbox_status row per watched mailbox and one daemon_status
 * row (pid and heartbeat). Both are written outside the ingest
 * transactions and hold nothing a case depends on.
 *
 * Invariants of the schema (v1):
 *  - every enumerated text column the store itself relies on carries a
 *    CHECK (message direction, case state, outbox status, language);
 *  - a "no such row" id is NULL, never 0, so foreign keys hold;
 *  - every lookup the store runs per message during ingest is served by an
 *    index (Message-ID, content hash, raw hash, case, route, outbox
 *    Message-ID).
 */
#include "store-private.h"

/* Version 0 (empty file) → 1: the first schema. */
static const char schema_v1[] =
	"CREATE TABLE settings ("
	"  key   TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	");"

	"CREATE TABLE people ("
	"  id       INTEGER PRIMARY KEY,"
	"  email    TEXT NOT NULL UNIQUE,"
	"  name     TEXT,"
	"  language TEXT CHECK (language IN ('en', 'cy'))"
	");"

	"CREATE TABLE reference_counters ("
	"  prefix TEXT NOT NULL,"
	"  year   INTEGER NOT NULL,"
	"  next   INTEGER NOT NULL CHECK (next >= 1),"
	"  PRIMARY KEY (prefix, year)"
	");"

	"CREATE TABLE cases ("
	"  id                   INTEGER PRIMARY KEY,"
	"  reference            TEXT NOT NULL UNIQUE,"
	"  year                 INTEGER NOT NULL,"
	"  seq                  INTEGER NOT NULL CHECK (seq >= 1),"
	"  channel              TEXT NOT NULL,"
	"  service              TEXT,"
	"  complainant_id       INTEGER NOT NULL REFERENCES people(id),"
	"  representative_email TEXT,"
	"  handler              TEXT,"
	"  state                TEXT NOT NULL CHECK (state IN"
	"                         ('stage1', 'stage1-closed', 'stage2', 'closed')),"
	"  language             TEXT NOT NULL DEFAULT 'en'"
	"                         CHECK (language IN ('en', 'cy')),"
	"  profile              TEXT,"
	"  flags                TEXT,"
	"  summary              TEXT,"
	"  group_id             INTEGER,"
	"  opened_at            INTEGER NOT NULL,"
	"  updated_at           INTEGER NOT NULL"
	");"
	"CREATE INDEX cases_complainant ON cases(complainant_id);"
	"CREATE INDEX cases_opened ON cases(opened_at);"
	"CREATE INDEX cases_group ON cases(group_id) WHERE group_id IS NOT NULL;"

	"CREATE TABLE stages ("
	"  id               INTEGER PRIMARY KEY,"
	"  case_id          INTEGER NOT NULL REFERENCES cases(id),"
	"  stage            INTEGER NOT NULL CHECK (stage IN (1, 2)),"
	"  opened_at        INTEGER NOT NULL,"
	"  received         TEXT NOT NULL,"
	"  ack_due          TEXT,"
	"  ack_sent         TEXT,"
	"  response_due     TEXT,"
	"  dept_notice_due  TEXT,"
	"  extended_to      TEXT,"
	"  extension_reason TEXT,"
	"  responded        TEXT,"
	"  outcome          TEXT,"
	"  closed           TEXT,"
	"  handler          TEXT,"
	"  next_check       TEXT,"
	"  UNIQUE (case_id, stage)"
	");"
	/* The deadline sweep reads only the stages whose next check has
	 * come: with a million open cases and nothing due, that is an index
	 * probe, not a scan. */
	/* The daily digest: cases that came in through one office's mailbox. */
	"CREATE INDEX cases_channel_opened ON cases(channel, opened_at);"
	"CREATE INDEX stages_next_check ON stages(next_check)"
	"  WHERE next_check IS NOT NULL;"
	/* "What is due by Friday?" for open stages. */
	"CREATE INDEX stages_open_due ON stages(coalesce(extended_to, response_due))"
	"  WHERE responded IS NULL AND closed IS NULL;"

	/* Rowid table on purpose: WITHOUT ROWID suits small rows, and these
	 * rows carry whole messages (up to the parser's size limit). */
	"CREATE TABLE raw_messages ("
	"  sha256 TEXT PRIMARY KEY,"
	"  size   INTEGER NOT NULL,"
	"  data   BLOB NOT NULL"
	");"

	"CREATE TABLE messages ("
	"  id                 INTEGER PRIMARY KEY,"
	"  case_id            INTEGER REFERENCES cases(id),"
	"  direction          TEXT NOT NULL CHECK (direction IN ('in', 'out')),"
	"  raw_sha256         TEXT REFERENCES raw_messages(sha256),"
	"  content_hash       TEXT,"
	"  size               INTEGER NOT NULL DEFAULT 0,"
	"  message_id         TEXT,"
	"  in_reply_to        TEXT,"
	"  refs               TEXT,"
	"  subject            TEXT,"
	"  from_email         TEXT,"
	"  from_name          TEXT,"
	"  to_addrs           TEXT,"
	"  cc_addrs           TEXT,"
	"  date               INTEGER,"
	"  received_at        INTEGER NOT NULL,"
	"  kind               TEXT,"
	"  via                TEXT,"
	"  reason             TEXT,"
	"  auto_reason        TEXT,"
	"  bounced_message_id TEXT,"
	"  problem            TEXT,"
	"  problem_detail     TEXT,"
	"  body_text          TEXT,"
	"  new_text           TEXT"
	");"
	"CREATE INDEX messages_message_id ON messages(message_id);"
	"CREATE INDEX messages_content_hash ON messages(content_hash);"
	"CREATE INDEX messages_case ON messages(case_id, received_at);"
	"CREATE INDEX messages_raw ON messages(raw_sha256);"
	/* rd_store_case_has_party() asks "has this address written on this
	 * case as staff?" for every incoming message; a long case must not
	 * make that a scan. Only staff rows pay for this index. */
	"CREATE INDEX messages_staff ON messages(case_id, lower(from_email))"
	"  WHERE kind = 'staff';"

	"CREATE TABLE message_routes ("
	"  id          INTEGER PRIMARY KEY,"
	"  msg_id      INTEGER NOT NULL REFERENCES messages(id),"
	"  mailbox     TEXT NOT NULL,"
	"  received_at INTEGER NOT NULL,"
	"  source      TEXT,"
	"  UNIQUE (msg_id, mailbox)"
	");"

	"CREATE TABLE attachments ("
	"  id           INTEGER PRIMARY KEY,"
	"  msg_id       INTEGER NOT NULL REFERENCES messages(id),"
	"  filename     TEXT,"
	"  content_type TEXT,"
	"  size         INTEGER NOT NULL DEFAULT 0,"
	"  sha256       TEXT,"
	"  is_tnef      INTEGER NOT NULL DEFAULT 0 CHECK (is_tnef IN (0, 1))"
	");"
	"CREATE INDEX attachments_msg ON attachments(msg_id);"

	"CREATE TABLE events ("
	"  id      INTEGER PRIMARY KEY,"
	"  case_id INTEGER REFERENCES cases(id),"
	"  at      INTEGER NOT NULL,"
	"  actor   TEXT,"
	"  type    TEXT NOT NULL,"
	"  detail  TEXT,"
	"  msg_id  INTEGER REFERENCES messages(id)"
	");"
	"CREATE INDEX events_case ON events(case_id, at);"

	"CREATE TABLE triage ("
	"  id          INTEGER PRIMARY KEY,"
	"  msg_id      INTEGER NOT NULL UNIQUE REFERENCES messages(id),"
	"  reason      TEXT,"
	"  suggestion  TEXT,"
	"  created_at  INTEGER NOT NULL,"
	"  resolved_at INTEGER,"
	"  resolution  TEXT"
	");"
	"CREATE INDEX triage_open ON triage(created_at) WHERE resolved_at IS NULL;"

	"CREATE TABLE outbox ("
	"  id         INTEGER PRIMARY KEY,"
	"  case_id    INTEGER REFERENCES cases(id),"
	"  idem_key   TEXT NOT NULL UNIQUE,"
	"  kind       TEXT NOT NULL,"
	"  language   TEXT CHECK (language IN ('en', 'cy')),"
	"  from_addr  TEXT,"
	"  to_addr    TEXT NOT NULL,"
	"  subject    TEXT,"
	"  message_id TEXT,"
	"  raw        BLOB,"
	"  status     TEXT NOT NULL DEFAULT 'queued' CHECK (status IN"
	"               ('queued', 'sent', 'failed', 'suppressed')),"
	"  attempts   INTEGER NOT NULL DEFAULT 0,"
	"  next_try   INTEGER,"
	"  created_at INTEGER NOT NULL,"
	"  sent_at    INTEGER,"
	"  last_error TEXT,"
	"  detail     TEXT"
	");"
	"CREATE INDEX outbox_to ON outbox(to_addr, created_at);"
	"CREATE INDEX outbox_message_id ON outbox(message_id);"
	"CREATE INDEX outbox_case ON outbox(case_id);"
	"CREATE INDEX outbox_due ON outbox(next_try) WHERE status = 'queued';"

	"CREATE TABLE mailbox_cursors ("
	"  mailbox     TEXT PRIMARY KEY,"
	"  uidvalidity INTEGER NOT NULL,"
	"  last_uid    INTEGER NOT NULL,"
	"  updated_at  INTEGER NOT NULL"
	");";

/* Version 1 → 2: the daemon's state, for `redress status`. */
static const char schema_v2[] =
	"CREATE TABLE mailbox_status ("
	"  mailbox       TEXT PRIMARY KEY,"
	"  connected     INTEGER NOT NULL DEFAULT 0 CHECK (connected IN (0, 1)),"
	"  last_fetch    INTEGER,"
	"  last_error    TEXT,"
	"  last_error_at INTEGER,"
	"  waiting       INTEGER,"
	"  updated_at    INTEGER NOT NULL"
	");"

	"CREATE TABLE daemon_status ("
	"  id           INTEGER PRIMARY KEY CHECK (id = 1),"
	"  pid          INTEGER NOT NULL,"
	"  started_at   INTEGER NOT NULL,"
	"  heartbeat_at INTEGER NOT NULL,"
	"  interval     INTEGER NOT NULL,"
	"  stopped_at   INTEGER"
	");";

/* Version 3: a copy of each sent letter for the council's Sent folder
 * ([smtp] sent_mailbox): 'pending' once sent, 'done' when the IMAP APPEND
 * succeeded, 'failed' when it never did within retry_for; NULL when no
 * copy was wanted. */
static const char schema_v3[] =
	"ALTER TABLE outbox ADD COLUMN sent_copy TEXT"
	"  CHECK (sent_copy IN ('pending', 'done', 'failed'));"
	"ALTER TABLE outbox ADD COLUMN copy_error TEXT;"
	"CREATE INDEX outbox_copy_due ON outbox(id) WHERE sent_copy = 'pending';";

/* Version 4: smaller indexes for ingest. Hash keys are random, so a
 * batch of inserts touches nearly every leaf page of an index on one, and
 * each commit writes all of those pages again (to the log, then to the
 * file). Only DDL: no table is rebuilt, so upgrading a large file costs
 * building one index over the messages table, not a copy of the stored
 * mail.
 *  - The content hash is looked up only for messages without a Message-ID
 *    (a message with one is found through messages_message_id and its
 *    content hash compared on the row), so only those rows are indexed.
 *  - The raw hash is indexed by a 48-bit integer key made from it
 *    (RD_SQL_HASH_KEY), the query comparing the full hash as well.
 * raw_messages keeps its sha256 primary key: it is the parent key of the
 * foreign key messages.raw_sha256 and what makes the bytes stored once,
 * and replacing it would mean copying every stored message into a new
 * table, for about 3% fewer bytes written by the ingest benchmark. */
static const char schema_v4[] =
	"DROP INDEX messages_content_hash;"
	"CREATE INDEX messages_content_hash_no_id ON messages(content_hash)"
	"  WHERE message_id IS NULL;"
	"DROP INDEX messages_raw;"
	"CREATE INDEX messages_raw_key ON messages(" RD_SQL_HASH_KEY("raw_sha256") ");";

/* Version 5 changes no table, only what a row may hold: a message with a
 * Message-ID is stored without its content hash (NULL), which is worked
 * out and recorded only when another message with the same Message-ID
 * arrives (rd_store_message_hashes_by_message_id). A program that knows
 * only version 4 would look such a message up by content hash and not
 * find it; with the version raised it refuses the file instead of
 * missing duplicates. Rows written before keep their content hashes. */
static const char schema_v5[] = "";

/* Version 6: messages that crashed the parser. Before a message is
 * parsed, the process notes it in its parse journal (a small file beside
 * the database); a process that finds the note of one that died records
 * the message here, and from then on it is stored without being parsed
 * and put in triage (daemon/inbound/journal.c). @source is where it came
 * from ("file:/abs/path", "file:/abs/mbox#3", "imap:ROLE:UIDVALIDITY:UID",
 * "stdin:SHA256", "reparse:MSGID"); @attempts counts runs that died while
 * parsing it alone without saying why (kill -9, the OOM killer), and a row
 * with none is a suspect; @crashed is set when a crash signal named it;
 * @msg_id is the message once stored. */
static const char schema_v6[] =
	"CREATE TABLE quarantine ("
	"  source   TEXT PRIMARY KEY,"
	"  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),"
	"  crashed  INTEGER NOT NULL DEFAULT 0 CHECK (crashed IN (0, 1)),"
	"  signal   TEXT,"
	"  version  TEXT NOT NULL,"
	"  first_at INTEGER NOT NULL,"
	"  last_at  INTEGER NOT NULL,"
	"  msg_id   INTEGER REFERENCES messages(id)"
	");";

/* Version 7: what became of a letter after it was sent. A delivery
 * failure report (DSN or a non-standard bounce) that names a letter's
 * Message-ID marks it bounced: when, the DSN status ("5.1.1"), the
 * diagnostic, and the stored report. The status column keeps 'sent' (the
 * server did accept it): "bounced" is what a person reads, worked out
 * from bounced_at, so no table with stored letters is rebuilt to widen
 * a CHECK constraint. */
static const char schema_v7[] =
	"ALTER TABLE outbox ADD COLUMN bounced_at INTEGER;"
	"ALTER TABLE outbox ADD COLUMN bounce_status TEXT;"
	"ALTER TABLE outbox ADD COLUMN bounce_detail TEXT;"
	/* The report's messages.id; no REFERENCES clause, so that the column
	 * can be dropped again (SQLite refuses to drop a column a foreign
	 * key names), as tests/test-readonly.sh does to make an old file. */
	"ALTER TABLE outbox ADD COLUMN bounce_msg_id INTEGER;";

/* Version 8: a sender's recent mail, found without reading every
 * message: intake asks it of every mail that would open a case, to tell
 * an automatic loop from a complaint (rd_store_sender_history). IF NOT
 * EXISTS: tests make older files by lowering user_version alone. */
static const char schema_v8[] =
	"CREATE INDEX IF NOT EXISTS messages_from ON messages(from_email, received_at);";

/* Version 9: the facts the oversight reports count (README "Reports").
 * On a case: its root-cause category, the remedy given, and the
 * Ombudsman's involvement (the day it was referred, the day it decided,
 * and its finding). On a stage: the day its response letter actually
 * left (timeliness is measured from that, not from when someone recorded
 * the response). On a letter: the stage whose response it is, so that the
 * sender can set that day when it goes. Added column by column, each only
 * when missing: tests make older files by lowering user_version alone. */
static const char *const schema_v9[][3] = {
	{ "cases", "cause", "TEXT" },
	{ "cases", "remedy", "TEXT" },
	{ "cases", "ombudsman_referred", "TEXT" },
	{ "cases", "ombudsman_decided", "TEXT" },
	{ "cases", "ombudsman_outcome", "TEXT" },
	{ "stages", "response_sent", "TEXT" },
	{ "outbox", "responds_stage", "INTEGER NOT NULL DEFAULT 0" },
};

/* Version 10: where each case's history lies in time, for the reports
 * (store/report.c). report_span holds, per case, the first and the last
 * of the days the reports count from (a stage's received, ack_due,
 * ack_sent, response_due, extended_to, responded, response_sent and
 * closed; the case's Ombudsman referral and decision), as YYYY-MM-DD
 * text, which sorts as the days do. A report for a period then reads
 * only the cases whose span meets it (report_span_last), however many
 * years the file holds.
 *
 * Triggers keep it, in the same transaction as the change: after a
 * stage row is inserted or one of those columns updated, after a case's
 * Ombudsman dates change, the case's span is worked out again from its
 * rows; a deleted case takes its span with it. No writer in store/ has
 * to remember it, and nothing else writes those columns. A text that is
 * not a day (never written by redress) sorts somewhere and can only
 * widen a span, which reads a case more than needed, never fewer.
 *
 * IF NOT EXISTS throughout, and the backfill is INSERT OR REPLACE: tests
 * make older files by lowering user_version alone. */
#define RD_SPAN_LO(col) "coalesce(" col ", '9999-99-99')"
#define RD_SPAN_HI(col) "coalesce(" col ", '')"
#define RD_SPAN_STAGE_COLS(F) \
	F("received") ", " F("ack_due") ", " F("ack_sent") ", " F("response_due") ", " F("extended_to") ", " \
	F("responded") ", " F("response_sent") ", " F("closed")
/* The span of case ID (an expression) from its rows: a SELECT of
 * (case_id, first, last), no row when the case has neither stages nor
 * Ombudsman dates. */
#define RD_SPAN_OF(ID) \
	"SELECT id, first, last FROM (SELECT " ID " AS id, min(lo) AS first, max(hi) AS last FROM (" \
	"  SELECT min(" RD_SPAN_STAGE_COLS(RD_SPAN_LO) ") AS lo, max(" RD_SPAN_STAGE_COLS(RD_SPAN_HI) ") AS hi" \
	"    FROM stages WHERE case_id = " ID \
	"  UNION ALL" \
	"  SELECT min(" RD_SPAN_LO("ombudsman_referred") ", " RD_SPAN_LO("ombudsman_decided") ")," \
	"         max(" RD_SPAN_HI("ombudsman_referred") ", " RD_SPAN_HI("ombudsman_decided") ")" \
	"    FROM cases WHERE id = " ID \
	")) WHERE first IS NOT NULL"
static const char schema_v10[] =
	"CREATE TABLE IF NOT EXISTS report_span ("
	"  case_id INTEGER PRIMARY KEY,"
	"  first   TEXT NOT NULL,"
	"  last    TEXT NOT NULL"
	");"
	"CREATE INDEX IF NOT EXISTS report_span_last ON report_span(last, first);"
	"CREATE TRIGGER IF NOT EXISTS report_span_stage_insert AFTER INSERT ON stages BEGIN"
	"  INSERT OR REPLACE INTO report_span (case_id, first, last) " RD_SPAN_OF("NEW.case_id") ";"
	" END;"
	"CREATE TRIGGER IF NOT EXISTS report_span_stage_update AFTER UPDATE OF"
	"  case_id, received, ack_due, ack_sent, response_due, extended_to, responded, response_sent, closed"
	"  ON stages BEGIN"
	"  INSERT OR REPLACE INTO report_span (case_id, first, last) " RD_SPAN_OF("NEW.case_id") ";"
	" END;"
	"CREATE TRIGGER IF NOT EXISTS report_span_case_update AFTER UPDATE OF"
	"  ombudsman_referred, ombudsman_decided ON cases BEGIN"
	"  INSERT OR REPLACE INTO report_span (case_id, first, last) " RD_SPAN_OF("NEW.id") ";"
	" END;"
	"CREATE TRIGGER IF NOT EXISTS report_span_case_delete AFTER DELETE ON cases BEGIN"
	"  DELETE FROM report_span WHERE case_id = OLD.id;"
	" END;"
	/* Every case already in the file. */
	"INSERT OR REPLACE INTO report_span (case_id, first, last)"
	"  SELECT c.id, min(lo), max(hi) FROM cases c JOIN ("
	"    SELECT case_id AS id, " "min(" RD_SPAN_STAGE_COLS(RD_SPAN_LO) ") AS lo,"
	"           max(" RD_SPAN_STAGE_COLS(RD_SPAN_HI) ") AS hi FROM stages"
	"    UNION ALL"
	"    SELECT id, min(" RD_SPAN_LO("ombudsman_referred") ", " RD_SPAN_LO("ombudsman_decided") "),"
	"           max(" RD_SPAN_HI("ombudsman_referred") ", " RD_SPAN_HI("ombudsman_decided") ") FROM cases"
	"  ) s ON s.id = c.id GROUP BY c.id;";

/* Version 11: learning actions (README "Learning actions", issue 14).
 * An action is what a service will change because of one or more
 * complaints: its text, its owner (who does it), the manager who
 * authorised it, its target day, its status (proposed, agreed, done,
 * verified, dropped), the evidence that it was done and the day it was,
 * whether it may be published, and the service it belongs to. It may
 * name cases (action_cases) or none (an action on a service alone).
 *
 * Its history is action_events, not events: the events table is the
 * journey of one case, and an action may have no case or several. Each
 * case it names also gets one "learning-action" event when the action is
 * made, so the case's journey says an action came of it.
 *
 * Reminder bookkeeping: reminded_for and overdue_for hold the target day
 * for which the owner's reminder and overdue letters went (a new target
 * day, after #extend, earns new ones); escalated_at is when the
 * complaints manager was told, once in the action's life. The letters'
 * idempotency keys say the same, so a crash between the two cannot send
 * one twice.
 *
 * IF NOT EXISTS throughout: tests make older files by lowering
 * user_version alone. */
static const char schema_v11[] =
	"CREATE TABLE IF NOT EXISTS actions ("
	"  id            INTEGER PRIMARY KEY,"
	"  text          TEXT NOT NULL,"
	"  owner         TEXT NOT NULL,"
	"  authorised_by TEXT,"
	"  due           TEXT NOT NULL,"
	"  status        TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN"
	"                  ('proposed', 'agreed', 'done', 'verified', 'dropped')),"
	"  evidence      TEXT,"
	"  done_on       TEXT,"
	"  publishable   INTEGER NOT NULL DEFAULT 0 CHECK (publishable IN (0, 1)),"
	"  service       TEXT,"
	"  created_by    TEXT,"
	"  created_at    INTEGER NOT NULL,"
	"  updated_at    INTEGER NOT NULL,"
	"  reminded_for  TEXT,"
	"  overdue_for   TEXT,"
	"  escalated_at  INTEGER"
	");"
	"CREATE INDEX IF NOT EXISTS actions_open ON actions(due)"
	"  WHERE status IN ('proposed', 'agreed');"
	"CREATE TABLE IF NOT EXISTS action_cases ("
	"  action_id INTEGER NOT NULL REFERENCES actions(id),"
	"  case_id   INTEGER NOT NULL REFERENCES cases(id),"
	"  PRIMARY KEY (action_id, case_id)"
	");"
	"CREATE INDEX IF NOT EXISTS action_cases_case ON action_cases(case_id);"
	"CREATE TABLE IF NOT EXISTS action_events ("
	"  id        INTEGER PRIMARY KEY,"
	"  action_id INTEGER NOT NULL REFERENCES actions(id),"
	"  at        INTEGER NOT NULL,"
	"  actor     TEXT,"
	"  type      TEXT NOT NULL,"
	"  detail    TEXT,"
	"  msg_id    INTEGER REFERENCES messages(id)"
	");"
	"CREATE INDEX IF NOT EXISTS action_events_action ON action_events(action_id, at);";

/* Version 12: what the reports count, one row per case in a few
 * integers (store/report.c), kept by triggers in the same transaction as
 * the change, in place of version 10's report_span (dropped: this table
 * finds a period's cases as that did, and a write keeps one table, not
 * two).
 *
 * A day is GDate's day number (1 is 1 January of year 1; 9999-12-31 is
 * 3652059, under 2^22), 0 when the text is NULL or not a day as
 * rd_date_parse_iso() has it (exactly YYYY-MM-DD, a real date, year 1 or
 * later), which is also what the reports make of such text. (SQLite's
 * date() takes 2025-02-29 as it is, julianday() as 1 March: a day is a
 * text that comes back from its own day number, which only the 29th to
 * the 31st need showing; julianday() has no number for months or days
 * out of range.) The texts that take few values are ids into report_word
 * (one row per distinct text, never deleted; 0 for NULL). Packed, so a
 * report reads 13 columns a case rather than 30 (SQLite's cost is per
 * column), low bits first:
 *
 *   reference  the case's reference (text)
 *   om         Ombudsman referral day | decision day << 22
 *   w1         service | channel << 31
 *   w2         profile | cause << 31
 *   w3         Ombudsman outcome | 1 << 31 (a cases row: has_case)
 *              | elected_member << 32 (flags holds "elected-member")
 *              | remedy << 33 (set and not empty)
 *   sN_a       Stage N received | responded << 22 (response_sent when
 *              set, else responded)
 *   sN_b       ack_due | ack_sent << 22
 *   sN_c       response_due | extended_to << 22
 *   sN_d       closed | 1 << 22 | extended << 23 (extended_to set, a
 *              day or not) | outcome << 24; NULL when the stage has no row
 *
 * lo and hi are the first and last of all those days (lo 99999999 and hi
 * 0 when none); report_case_hi finds the cases with a day in a period.
 * w3 is NULL for a row made by a stage whose case has no cases row
 * (foreign keys make that impossible, but the reports would count it,
 * with the case's fields empty). A row with neither stage nor case goes.
 *
 * IF NOT EXISTS throughout, and the backfill is INSERT OR REPLACE: tests
 * make older files by lowering user_version alone. */
#define RD_DAY(x) \
	"coalesce((CASE WHEN " x " GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND " x " >= '0001'" \
	" AND (substr(" x ", 9) <= '28' OR date(julianday(" x ")) = " x ")" \
	" THEN CAST(julianday(" x ") - 1721424.5 AS INTEGER) END), 0)"
#define RD_DAY_PAIR(a, b) "(" RD_DAY(a) " + (" RD_DAY(b) " << 22))"
#define RD_WORD_ID(x) "coalesce((SELECT id FROM report_word WHERE word = " x "), 0)"
#define RD_WORD_ADD(x) "  INSERT OR IGNORE INTO report_word (word) SELECT " x " WHERE " x " IS NOT NULL;"
#define RD_STAGE_COLS(N) "s" N "_a, s" N "_b, s" N "_c, s" N "_d"
#define RD_STAGE_VALUES(R) \
	RD_DAY_PAIR(R ".received", "coalesce(" R ".response_sent, " R ".responded)") ", " \
	RD_DAY_PAIR(R ".ack_due", R ".ack_sent") ", " RD_DAY_PAIR(R ".response_due", R ".extended_to") ", " \
	"CASE WHEN " R ".stage IS NOT NULL THEN " RD_DAY(R ".closed") " + ((1 + 2 * (" R ".extended_to IS NOT NULL))" \
	" << 22) + (" RD_WORD_ID(R ".outcome") " << 24) END"
#define RD_STAGE_SET(N) \
	"s" N "_a = excluded.s" N "_a, s" N "_b = excluded.s" N "_b, s" N "_c = excluded.s" N "_c," \
	" s" N "_d = excluded.s" N "_d"
#define RD_STAGE_CLEAR(N) "s" N "_a = NULL, s" N "_b = NULL, s" N "_c = NULL, s" N "_d = NULL"
/* The stage row NEW into its case's row: for stage N. */
#define RD_STAGE_UPSERT(N) \
	RD_WORD_ADD("NEW.outcome") \
	"  INSERT INTO report_case (case_id, " RD_STAGE_COLS(N) ")" \
	"  VALUES (NEW.case_id, " RD_STAGE_VALUES("NEW") ")" \
	"  ON CONFLICT (case_id) DO UPDATE SET " RD_STAGE_SET(N) ";"
/* Stage N of case ID gone from it. */
#define RD_STAGE_GONE(N, ID) \
	"  UPDATE report_case SET " RD_STAGE_CLEAR(N) " WHERE case_id = " ID ";"
#define RD_CASE_COLS "reference, om, w1, w2, w3"
#define RD_CASE_VALUES(R) \
	R ".reference, " RD_DAY_PAIR(R ".ombudsman_referred", R ".ombudsman_decided") ", " \
	RD_WORD_ID(R ".service") " + (" RD_WORD_ID(R ".channel") " << 31), " \
	RD_WORD_ID(R ".profile") " + (" RD_WORD_ID(R ".cause") " << 31), " \
	RD_WORD_ID(R ".ombudsman_outcome") " + ((1 + 2 * coalesce(instr(" R ".flags, 'elected-member') > 0, 0)" \
	" + 4 * coalesce(" R ".remedy <> '', 0)) << 31)"
#define RD_CASE_UPSERT \
	RD_WORD_ADD("NEW.service") RD_WORD_ADD("NEW.channel") RD_WORD_ADD("NEW.profile") \
	RD_WORD_ADD("NEW.cause") RD_WORD_ADD("NEW.ombudsman_outcome") \
	"  INSERT INTO report_case (case_id, " RD_CASE_COLS ") VALUES (NEW.id, " RD_CASE_VALUES("NEW") ")" \
	"  ON CONFLICT (case_id) DO UPDATE SET reference = excluded.reference, om = excluded.om," \
	"  w1 = excluded.w1, w2 = excluded.w2, w3 = excluded.w3;"
/* Every day in the row, for lo and hi. */
#define RD_LOW(c) "(" c " & 4194303)"
#define RD_HIGH(c) "((" c " >> 22) & 4194303)"
#define RD_DAYS(F) \
	F(RD_LOW("om")) ", " F(RD_HIGH("om")) ", " \
	F(RD_LOW("s1_a")) ", " F(RD_HIGH("s1_a")) ", " F(RD_LOW("s1_b")) ", " F(RD_HIGH("s1_b")) ", " \
	F(RD_LOW("s1_c")) ", " F(RD_HIGH("s1_c")) ", " F(RD_LOW("s1_d")) ", " \
	F(RD_LOW("s2_a")) ", " F(RD_HIGH("s2_a")) ", " F(RD_LOW("s2_b")) ", " F(RD_HIGH("s2_b")) ", " \
	F(RD_LOW("s2_c")) ", " F(RD_HIGH("s2_c")) ", " F(RD_LOW("s2_d"))
#define RD_ORPHANS(N) \
	"INSERT INTO report_case (case_id, " RD_STAGE_COLS(N) ")" \
	"  SELECT s.case_id, " RD_STAGE_VALUES("s") " FROM stages s" \
	"  WHERE s.stage = " N " AND NOT EXISTS (SELECT 1 FROM cases WHERE id = s.case_id)" \
	"  ON CONFLICT (case_id) DO UPDATE SET " RD_STAGE_SET(N) ";"
#define RD_LO(v) "(CASE WHEN " v " > 0 THEN " v " ELSE 99999999 END)"
#define RD_HI(v) "coalesce(" v ", 0)"
static const char schema_v12[] =
	"DROP TRIGGER IF EXISTS report_span_stage_insert;"
	"DROP TRIGGER IF EXISTS report_span_stage_update;"
	"DROP TRIGGER IF EXISTS report_span_case_update;"
	"DROP TRIGGER IF EXISTS report_span_case_delete;"
	"DROP TABLE IF EXISTS report_span;"
	"CREATE TABLE IF NOT EXISTS report_word ("
	"  id   INTEGER PRIMARY KEY,"
	"  word TEXT NOT NULL UNIQUE"
	");"
	"CREATE TABLE IF NOT EXISTS report_case ("
	"  case_id   INTEGER PRIMARY KEY,"
	"  reference TEXT,"
	"  om INTEGER, w1 INTEGER, w2 INTEGER, w3 INTEGER,"
	"  s1_a INTEGER, s1_b INTEGER, s1_c INTEGER, s1_d INTEGER,"
	"  s2_a INTEGER, s2_b INTEGER, s2_c INTEGER, s2_d INTEGER,"
	"  lo INTEGER GENERATED ALWAYS AS (min(" RD_DAYS(RD_LO) ")) STORED,"
	"  hi INTEGER GENERATED ALWAYS AS (max(" RD_DAYS(RD_HI) ")) STORED"
	");"
	"CREATE INDEX IF NOT EXISTS report_case_hi ON report_case(hi, lo);"
	"CREATE TRIGGER IF NOT EXISTS report_case_insert AFTER INSERT ON cases BEGIN " RD_CASE_UPSERT " END;"
	"CREATE TRIGGER IF NOT EXISTS report_case_update AFTER UPDATE OF"
	"  reference, service, channel, profile, flags, cause, remedy, ombudsman_referred, ombudsman_decided,"
	"  ombudsman_outcome ON cases BEGIN " RD_CASE_UPSERT " END;"
	"CREATE TRIGGER IF NOT EXISTS report_case_delete AFTER DELETE ON cases BEGIN"
	"  UPDATE report_case SET reference = NULL, om = NULL, w1 = NULL, w2 = NULL, w3 = NULL"
	"    WHERE case_id = OLD.id;"
	"  DELETE FROM report_case WHERE case_id = OLD.id AND s1_d IS NULL AND s2_d IS NULL;"
	" END;"
	"CREATE TRIGGER IF NOT EXISTS report_stage1_insert AFTER INSERT ON stages WHEN NEW.stage = 1 BEGIN"
	RD_STAGE_UPSERT("1") " END;"
	"CREATE TRIGGER IF NOT EXISTS report_stage2_insert AFTER INSERT ON stages WHEN NEW.stage = 2 BEGIN"
	RD_STAGE_UPSERT("2") " END;"
	"CREATE TRIGGER IF NOT EXISTS report_stage1_update AFTER UPDATE OF"
	"  case_id, stage, received, ack_due, ack_sent, response_due, extended_to, responded, response_sent, closed,"
	"  outcome ON stages WHEN NEW.stage = 1 BEGIN" RD_STAGE_UPSERT("1") " END;"
	"CREATE TRIGGER IF NOT EXISTS report_stage2_update AFTER UPDATE OF"
	"  case_id, stage, received, ack_due, ack_sent, response_due, extended_to, responded, response_sent, closed,"
	"  outcome ON stages WHEN NEW.stage = 2 BEGIN" RD_STAGE_UPSERT("2") " END;"
	/* A stage row moved to another case or stage number (nothing in
	 * redress does), or deleted: its old place emptied. */
	"CREATE TRIGGER IF NOT EXISTS report_stage_move AFTER UPDATE OF case_id, stage ON stages"
	"  WHEN OLD.case_id IS NOT NEW.case_id OR OLD.stage IS NOT NEW.stage BEGIN"
	RD_STAGE_GONE("1", "OLD.case_id AND OLD.stage = 1")
	RD_STAGE_GONE("2", "OLD.case_id AND OLD.stage = 2")
	"  DELETE FROM report_case WHERE case_id = OLD.case_id AND w3 IS NULL AND s1_d IS NULL AND s2_d IS NULL;"
	" END;"
	"CREATE TRIGGER IF NOT EXISTS report_stage_delete AFTER DELETE ON stages BEGIN"
	RD_STAGE_GONE("1", "OLD.case_id AND OLD.stage = 1")
	RD_STAGE_GONE("2", "OLD.case_id AND OLD.stage = 2")
	"  DELETE FROM report_case WHERE case_id = OLD.case_id AND w3 IS NULL AND s1_d IS NULL AND s2_d IS NULL;"
	" END;"
	/* Every case and stage already in the file. */
	"INSERT OR IGNORE INTO report_word (word)"
	"  SELECT service FROM cases WHERE service IS NOT NULL"
	"  UNION SELECT channel FROM cases WHERE channel IS NOT NULL"
	"  UNION SELECT profile FROM cases WHERE profile IS NOT NULL"
	"  UNION SELECT cause FROM cases WHERE cause IS NOT NULL"
	"  UNION SELECT ombudsman_outcome FROM cases WHERE ombudsman_outcome IS NOT NULL"
	"  UNION SELECT outcome FROM stages WHERE outcome IS NOT NULL;"
	"INSERT OR REPLACE INTO report_case (case_id, " RD_CASE_COLS ", " RD_STAGE_COLS("1") ", " RD_STAGE_COLS("2") ")"
	"  SELECT c.id, " RD_CASE_VALUES("c") ", "
	"    " RD_STAGE_VALUES("a") ", " RD_STAGE_VALUES("b") " FROM cases c"
	"  LEFT JOIN stages a ON a.case_id = c.id AND a.stage = 1"
	"  LEFT JOIN stages b ON b.case_id = c.id AND b.stage = 2;"
	/* Stages without a cases row, which foreign keys forbid. */
	RD_ORPHANS("1") RD_ORPHANS("2");

/* Version 13: satisfaction surveys (README "Satisfaction surveys", issue
 * 14) and the person-level "do not contact" flag.
 *
 * surveys: one row per survey made (sent, or suppressed with the reason),
 * at most one per case, kind and recipient, so that the sweep can never
 * send a second. recipient and reply_msg_id are the only personal data;
 * a retention purge clears them and keeps the row. survey_answers holds
 * the numbers alone (no text, no address), which a purge keeps so that
 * past reports give the same figures. survey_comments holds the comment
 * already anonymised (procedure/survey.c); the reply itself is a message
 * on the case like any other.
 *
 * people.no_contact_at / no_contact_reason: the person asked not to be
 * contacted beyond their complaint (no surveys); added only when missing,
 * and every table IF NOT EXISTS: tests make older files by lowering
 * user_version alone. */
static const char schema_v13[] =
	"CREATE TABLE IF NOT EXISTS surveys ("
	"  id           INTEGER PRIMARY KEY,"
	"  case_id      INTEGER NOT NULL REFERENCES cases(id),"
	"  kind         TEXT NOT NULL CHECK (kind IN ('complainant', 'staff')),"
	"  recipient    TEXT,"
	"  language     TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'cy')),"
	"  status       TEXT NOT NULL CHECK (status IN ('sent', 'answered', 'expired', 'suppressed')),"
	"  reason       TEXT,"
	"  due          TEXT NOT NULL,"
	"  sent_at      INTEGER,"
	"  sent_day     TEXT,"
	"  expires      TEXT,"
	"  answered_at  INTEGER,"
	"  answered_day TEXT,"
	"  reply_msg_id INTEGER,"
	"  created_at   INTEGER NOT NULL,"
	"  UNIQUE (case_id, kind, recipient)"
	");"
	"CREATE INDEX IF NOT EXISTS surveys_open ON surveys(expires) WHERE status = 'sent';"
	/* The sweep reads only the stages answered lately (the
	 * candidates statement repeats this expression to reach it). */
	"CREATE INDEX IF NOT EXISTS stages_answered ON stages(coalesce(response_sent, responded));"
	"CREATE INDEX IF NOT EXISTS surveys_sent_day ON surveys(sent_day);"
	"CREATE INDEX IF NOT EXISTS surveys_answered_day ON surveys(answered_day);"
	"CREATE TABLE IF NOT EXISTS survey_answers ("
	"  survey_id INTEGER NOT NULL REFERENCES surveys(id),"
	"  question  INTEGER NOT NULL CHECK (question BETWEEN 1 AND 9),"
	"  value     INTEGER NOT NULL CHECK (value BETWEEN 1 AND 5),"
	"  PRIMARY KEY (survey_id, question)"
	");"
	"CREATE TABLE IF NOT EXISTS survey_comments ("
	"  survey_id INTEGER PRIMARY KEY REFERENCES surveys(id),"
	"  text      TEXT NOT NULL"
	");";
static const char *const schema_v13_columns[][3] = {
	{ "people", "no_contact_at", "INTEGER" },
	{ "people", "no_contact_reason", "TEXT" },
};
/* Version 14: retention (README "Retention", store/purge.c).
 *  - case_holds: a legal hold on a case (why, who, when); a held case is
 *    never purged. Releasing it deletes the row (the case's journey keeps
 *    both events).
 *  - purges: one row per purge run: when, who, the periods, and how many
 *    rows of each kind went. Counts only, never what they held. compacted
 *    says the file was rebuilt after it (no deleted bytes left); a run
 *    that could not rebuild it leaves 0, and the next run does it.
 *  - purged_cases: the cases whose personal data is gone, with the run
 *    that took it; such a case is not looked at again.
 *  - purge_copies: the copies of purged mail still to be expunged from an
 *    IMAP folder (purge_mailbox_copies): the mailbox role, which copy
 *    ('processed' for mail redress filed, 'sent' for a letter's Sent
 *    copy) and its Message-ID, deleted once expunged. A Message-ID says
 *    nothing of its own about a person in the mail redress writes; some
 *    mail clients put a sender's address in theirs, so the rows live only
 *    until the expunge succeeds.
 * IF NOT EXISTS throughout, in one string: tests make older files by
 * lowering user_version alone. */
static const char schema_v14[] =
	"CREATE TABLE IF NOT EXISTS case_holds ("
	"  case_id INTEGER PRIMARY KEY REFERENCES cases(id),"
	"  reason  TEXT NOT NULL,"
	"  held_by TEXT,"
	"  held_at INTEGER NOT NULL"
	");"
	"CREATE TABLE IF NOT EXISTS purges ("
	"  id          INTEGER PRIMARY KEY,"
	"  at          INTEGER NOT NULL,"
	"  actor       TEXT,"
	"  periods     TEXT,"
	"  cases       INTEGER NOT NULL DEFAULT 0,"
	"  messages    INTEGER NOT NULL DEFAULT 0,"
	"  raw         INTEGER NOT NULL DEFAULT 0,"
	"  attachments INTEGER NOT NULL DEFAULT 0,"
	"  letters     INTEGER NOT NULL DEFAULT 0,"
	"  events      INTEGER NOT NULL DEFAULT 0,"
	"  people      INTEGER NOT NULL DEFAULT 0,"
	"  copies      INTEGER NOT NULL DEFAULT 0,"
	"  compacted   INTEGER NOT NULL DEFAULT 0 CHECK (compacted IN (0, 1))"
	");"
	"CREATE TABLE IF NOT EXISTS purged_cases ("
	"  case_id   INTEGER PRIMARY KEY REFERENCES cases(id),"
	"  purge_id  INTEGER NOT NULL REFERENCES purges(id),"
	"  purged_at INTEGER NOT NULL"
	");"
	"CREATE TABLE IF NOT EXISTS purge_copies ("
	"  id         INTEGER PRIMARY KEY,"
	"  role       TEXT NOT NULL,"
	"  copy       TEXT NOT NULL CHECK (copy IN ('processed', 'sent')),"
	"  message_id TEXT NOT NULL,"
	"  attempts   INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  UNIQUE (role, copy, message_id)"
	");"
	/* The purge sets events.msg_id and action_events.msg_id to NULL for the
	 * messages it deletes, and (foreign keys on) deleting a message looks
	 * for rows still pointing at it: without these, a table scan of the
	 * events per message. */
	"CREATE INDEX IF NOT EXISTS events_msg ON events(msg_id) WHERE msg_id IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS action_events_msg ON action_events(msg_id) WHERE msg_id IS NOT NULL;";

static gboolean exec_sql(sqlite3 *db, const char *sql, const char *doing,
                         GError **error);

/* A migration step: runs inside the migration transaction and must not
 * commit. It may run any code it needs (copying data, not just DDL). */
typedef gboolean (*RdMigrateFunc)(sqlite3 *db, GError **error);

static gboolean
migrate_0_to_1(sqlite3 *db, GError **error)
{
	return exec_sql(db, schema_v1, "creating schema version 1", error);
}

static gboolean
migrate_1_to_2(sqlite3 *db, GError **error)
{
	return exec_sql(db, schema_v2, "creating schema version 2", error);
}

static gboolean
migrate_2_to_3(sqlite3 *db, GError **error)
{
	return exec_sql(db, schema_v3, "creating schema version 3", error);
}

static gboolean
migrate_3_to_4(sqlite3 *db, GError **error)
{
	return exec_sql(db, schema_v4, "creating schema version 4", error);
}

static gboolean
migrate_4_to_5(sqlite3 *db, GError **error)
{
	return exec_sql(db, schema_v5, "creating schema version 5", error);
}

static gboolean
migrate_5_to_6(sqlite3 *db, GError **error)
{
	return exec_sql(db, schema_v6, "creating schema version 6", error);
}

static gboolean
migrate_6_to_7(sqlite3 *db, GError **error)
{
	return exec_sql(db, schema_v7, "creating schema version 7", error);
}

static gboolean
migrate_7_to_8(sqlite3 *db, GError **error)
{
	return exec_sql(db, schema_v8, "creating schema version 8", error);
}

static gboolean
has_column(sqlite3 *db, const char *table, const char *column)
{
	g_autofree char *sql = g_strdup_printf("SELECT 1 FROM pragma_table_info('%s') WHERE name = ?1", table);
	sqlite3_stmt *st = NULL;
	gboolean found = FALSE;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, column, -1, SQLITE_STATIC);
		found = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return found;
}

/* Each column of @cols ({ table, column, type }) added unless the table
 * has it: tests make older files by lowering user_version alone. */
static gboolean
add_columns(sqlite3 *db, const char *const (*cols)[3], gsize n, const char *doing, GError **error)
{
	for (gsize i = 0; i < n; i++) {
		if (has_column(db, cols[i][0], cols[i][1]))
			continue;
		/* Names from the tables above, never from input. */
		g_autofree char *sql = g_strdup_printf("ALTER TABLE %s ADD COLUMN %s %s", cols[i][0], cols[i][1],
		                                       cols[i][2]);
		if (!exec_sql(db, sql, doing, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
migrate_8_to_9(sqlite3 *db, GError **error)
{
	return add_columns(db, schema_v9, G_N_ELEMENTS(schema_v9), "creating schema version 9", error);
}

static gboolean
migrate_9_to_10(sqlite3 *db, GError **error)
{
	return exec_sql(db, schema_v10, "creating schema version 10", error);
}

static gboolean
migrate_10_to_11(sqlite3 *db, GError **error)
{
	return exec_sql(db, schema_v11, "creating schema version 11", error);
}

static gboolean
migrate_11_to_12(sqlite3 *db, GError **error)
{
	return exec_sql(db, schema_v12, "creating schema version 12", error);
}

static gboolean
migrate_12_to_13(sqlite3 *db, GError **error)
{
	return add_columns(db, schema_v13_columns, G_N_ELEMENTS(schema_v13_columns), "creating schema version 13",
	                   error) &&
	       exec_sql(db, schema_v13, "creating schema version 13", error);
}

static gboolean
migrate_13_to_14(sqlite3 *db, GError **error)
{
	return exec_sql(db, schema_v14, "creating schema version 14", error);
}

/* migrations[N] takes the file from version N to N+1. */
static const RdMigrateFunc migrations[] = {
	migrate_0_to_1,
	migrate_1_to_2,
	migrate_2_to_3,
	migrate_3_to_4,
	migrate_4_to_5,
	migrate_5_to_6,
	migrate_6_to_7,
	migrate_7_to_8,
	migrate_8_to_9,
	migrate_9_to_10,
	migrate_10_to_11,
	migrate_11_to_12,
	migrate_12_to_13,
	migrate_13_to_14,
};

G_STATIC_ASSERT(G_N_ELEMENTS(migrations) == RD_STORE_SCHEMA_VERSION);

static gboolean
exec_sql(sqlite3 *db, const char *sql, const char *doing, GError **error)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		int code = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED
		           ? RD_STORE_ERROR_BUSY : RD_STORE_ERROR_SCHEMA;
		g_autofree char *full = rd_store_disk_full(db, rc);
		g_set_error(error, RD_STORE_ERROR, code, "%s: %s", doing,
		            full != NULL ? full : msg != NULL ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return FALSE;
	}
	return TRUE;
}

gboolean
rd_store_schema_version(sqlite3 *db, int *version_r, GError **error)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*version_r = sqlite3_column_int(st, 0);
			rc = SQLITE_OK;
		}
	}
	if (rc != SQLITE_OK) {
		g_autofree char *full = rd_store_disk_full(db, rc);
		g_set_error(error, RD_STORE_ERROR,
		            (rc & 0xff) == SQLITE_BUSY ? RD_STORE_ERROR_BUSY
		                                       : RD_STORE_ERROR_OPEN,
		            "reading schema version: %s", full != NULL ? full : sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK;
}

static gboolean
check_not_newer(int version, GError **error)
{
	if (version > RD_STORE_SCHEMA_VERSION) {
		g_set_error(error, RD_STORE_ERROR, RD_STORE_ERROR_SCHEMA,
		            "the database has schema version %d but this redress "
		            "only knows up to version %d; upgrade redress to use "
		            "this file", version, RD_STORE_SCHEMA_VERSION);
		return FALSE;
	}
	return TRUE;
}

/* One step N → N+1, inside the caller's transaction. */
static gboolean
migrate_one(sqlite3 *db, int from, GError **error)
{
	/* PRAGMA takes no bound parameters; the number is our own loop
	 * counter, never outside input. */
	g_autofree char *bump = g_strdup_printf("PRAGMA user_version = %d",
	                                        from + 1);

	if (!migrations[from](db, error))
		return FALSE;
	return exec_sql(db, bump, "setting schema version", error);
}

gboolean
rd_store_migrate(sqlite3 *db, int *version_r, GError **error)
{
	int version = 0;

	if (!rd_store_schema_version(db, &version, error))
		return FALSE;
	*version_r = version;
	if (!check_not_newer(version, error))
		return FALSE;
	if (version == RD_STORE_SCHEMA_VERSION)
		return TRUE;

	/* Take the write lock first, then look again: another process may
	 * have migrated the file while we waited. */
	if (!exec_sql(db, "BEGIN IMMEDIATE", "starting schema migration", error))
		return FALSE;
	if (!rd_store_schema_version(db, &version, error) ||
	    !check_not_newer(version, error))
		goto fail;
	for (int v = version; v < RD_STORE_SCHEMA_VERSION; v++) {
		if (!migrate_one(db, v, error))
			goto fail;
	}
	if (!exec_sql(db, "COMMIT", "committing schema migration", error))
		goto fail;
	return TRUE;

fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return FALSE;
}
