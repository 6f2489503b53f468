/*
 * journal.c — which message each thread is parsing, kept where a crash
 * cannot take it away, so that one bad mail never stops intake.
 *
 * The parser is fuzzed and sanitised, but a council cannot let the next
 * unknown crash turn one mail into a daemon that dies on it at every
 * restart. So before a thread parses a message it writes where the
 * message came from (its source: "file:/abs/path", "file:/abs/mbox#3",
 * "imap:ROLE:UIDVALIDITY:UID", "stdin:SHA256", "reparse:MSGID") into its
 * slot of this process's journal, and clears the slot afterwards.
 *
 * The journal is a small file, DATABASE.parsing/PID, mapped shared into
 * memory: a note is a memcpy and an atomic store, no system call, so it
 * costs nothing measurable per message. It does not need fsync: what it
 * guards against is the process dying, and the kernel keeps the pages of
 * a dead process's shared mapping. (A power cut while parsing is not a
 * parser crash; the note is then lost or stale, which only costs one more
 * attempt.) The process holds an exclusive flock on its file for its
 * whole life; a file whose lock can be taken belongs to a process that is
 * gone.
 *
 * A fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) marks the
 * faulting thread's slot "crashed" before the previous handler (the
 * default, or the sanitizer's report) runs: that is proof. A run that died
 * without such a signal (kill -9, the OOM killer, a stack overflow with no
 * stack left for the handler) leaves its slots at "parsing", and that is
 * not proof: several threads parse at once, and kill -9 at any moment
 * finds some innocent message being parsed. Such a message becomes a
 * suspect, and a suspect is parsed alone — every other parse in the
 * process waits (a process-wide reader/writer lock) — so that if the
 * process dies again while it is being parsed, nothing else was. Only
 * RD_JOURNAL_ATTEMPTS such deaths while it was parsed alone make proof.
 *
 * Every process that writes to the database opens the journal at start
 * (rd_journal_open): it first takes over the files of dead processes,
 * records their notes in the store's quarantine table (store/quarantine.c)
 * and deletes them, then creates its own. A source that crashed the parser
 * once, or stopped it RD_JOURNAL_ATTEMPTS times, is quarantined: the
 * ingest pipeline and the fetch pass get it back from rd_journal_parse()
 * unparsed (rd_message_unparsed), so it is stored as it is, put in triage
 * with the reason, and moved on the server like any stored message. A
 * later redress parses it again only when a person asks (`redress triage
 * reparse MSG`).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include "inbound/inbound.h"

#define MAGIC      "redress parse journal 1"
#define N_SLOTS    64
#define SOURCE_MAX 1000

enum { SLOT_FREE = 0, SLOT_OWNED, SLOT_PARSING, SLOT_CRASHED };

typedef struct {
	gint state;               /* SLOT_*, written atomically */
	gint signo;               /* SLOT_CRASHED: the signal */
	gint alone;               /* no other parse ran meanwhile */
	char source[SOURCE_MAX + 1];
	char pad[1024 - 3 * sizeof(gint) - SOURCE_MAX - 1];
} Slot;

typedef struct {
	char magic[32];
	gint64 pid;
	char version[64];
	char pad[1024 - 32 - sizeof(gint64) - 64];
} Header;

typedef struct {
	Header h;
	Slot slots[N_SLOTS];
} Map;

G_STATIC_ASSERT(sizeof(Slot) == 1024);
G_STATIC_ASSERT(sizeof(Header) == 1024);

struct _RdJournal {
	char *db_path;
	char *dir;
	char *path;
	int fd;                   /* holds the flock for the process's life */
	Map *map;
	gint refs;
	guint gen;                /* which opening in this process */
};

/* One journal per process: the signal handler must find it without
 * anything but async-signal-safe reads. */
static G_LOCK_DEFINE(journal);
static RdJournal *the_journal;
static guint journal_gen;     /* bumped at each opening, under the lock */
/* Parses take it shared; a suspect's parse takes it alone. */
static GRWLock parse_lock;
/* The calling thread's slot, for the signal handler (plain TLS: set
 * before the slot says "parsing", read in the handler). */
static __thread Slot *my_slot;
static struct sigaction previous[NSIG];
static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

static void
on_fatal_signal(int signo, siginfo_t *info, void *context)
{
	Slot *s = my_slot;
	if (s != NULL && g_atomic_int_get(&s->state) == SLOT_PARSING) {
		s->signo = signo;
		g_atomic_int_set(&s->state, SLOT_CRASHED);
	}
	/* Then whatever would have happened without us: the sanitizer's
	 * report, or the default action (a core dump and death). */
	const struct sigaction *old = &previous[signo];
	if ((old->sa_flags & SA_SIGINFO) != 0 && old->sa_sigaction != NULL) {
		old->sa_sigaction(signo, info, context);
		return;
	}
	if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN && old->sa_handler != NULL) {
		old->sa_handler(signo);
		return;
	}
	signal(signo, SIG_DFL);
	raise(signo);
}

static void
install_handlers(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(fatal_signals); i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = on_fatal_signal;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		sigaction(fatal_signals[i], &sa, &previous[fatal_signals[i]]);
	}
}

static const char *
signal_name(int signo)
{
	switch (signo) {
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS:  return "SIGBUS";
	case SIGFPE:  return "SIGFPE";
	case SIGILL:  return "SIGILL";
	case SIGABRT: return "SIGABRT";
	}
	return NULL;
}

/* A thread's claim on a slot of the journal opened @gen-th. Threads may
 * outlive a journal (GLib keeps pool threads for reuse), so a claim from
 * an earlier opening is never used again and never written through. */
typedef struct {
	guint gen;
	Slot *slot;
} Claim;

/* A thread gives its slot back when it ends. */
static void
release_claim(gpointer data)
{
	Claim *c = data;
	G_LOCK(journal);
	if (the_journal != NULL && c->gen == the_journal->gen &&
	    g_atomic_int_get(&c->slot->state) == SLOT_OWNED)
		g_atomic_int_set(&c->slot->state, SLOT_FREE);
	G_UNLOCK(journal);
	g_free(c);
}

static GPrivate claim_key = G_PRIVATE_INIT(release_claim);

/* The calling thread's slot, claimed on first use; NULL when all are
 * taken (the message is then parsed without a note, which is logged). */
static Slot *
thread_slot(RdJournal *j)
{
	Claim *c = g_private_get(&claim_key);
	if (c != NULL && c->gen == j->gen)
		return c->slot;
	for (guint i = 0; i < N_SLOTS; i++) {
		if (g_atomic_int_compare_and_exchange(&j->map->slots[i].state, SLOT_FREE, SLOT_OWNED)) {
			if (c == NULL) {
				c = g_new0(Claim, 1);
				g_private_set(&claim_key, c);
			}
			c->gen = j->gen;
			c->slot = &j->map->slots[i];
			return c->slot;
		}
	}
	rd_log_warn("parse journal: all %d slots are taken; parsing without a note", N_SLOTS);
	return NULL;
}

/* ---- taking over the journals of dead processes ---------------------------- */

typedef struct {
	char *source;
	gboolean crashed;
	gboolean alone;
	const char *signal;
} Note;

static void
note_free(Note *n)
{
	g_free(n->source);
	g_free(n);
}

/* The notes of the dead process whose journal is open at @fd. */
static GPtrArray *
read_notes(int fd, char **version_r)
{
	GPtrArray *notes = g_ptr_array_new_with_free_func((GDestroyNotify)note_free);
	Map *m = g_new0(Map, 1);
	ssize_t got = pread(fd, m, sizeof *m, 0);
	if (got == (ssize_t)sizeof *m && strncmp(m->h.magic, MAGIC, sizeof m->h.magic) == 0) {
		*version_r = g_strndup(m->h.version, sizeof m->h.version);
		for (guint i = 0; i < N_SLOTS; i++) {
			const Slot *s = &m->slots[i];
			if (s->state != SLOT_PARSING && s->state != SLOT_CRASHED)
				continue;
			Note *n = g_new0(Note, 1);
			n->source = g_strndup(s->source, SOURCE_MAX);
			n->crashed = s->state == SLOT_CRASHED;
			n->alone = s->alone != 0;
			n->signal = n->crashed ? signal_name(s->signo) : NULL;
			g_ptr_array_add(notes, n);
		}
	}
	g_free(m);
	return notes;
}

static gboolean
take_over(RdStore *store, const char *path, GError **error)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return TRUE;   /* gone already (another process took it) */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return TRUE;   /* its process is alive */
	}
	g_autofree char *version = NULL;
	g_autoptr(GPtrArray) notes = read_notes(fd, &version);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gboolean ok = TRUE;
	if (notes->len > 0) {
		ok = rd_store_begin(store, error);
		for (guint i = 0; ok && i < notes->len; i++) {
			const Note *n = notes->pdata[i];
			ok = rd_store_quarantine_note(store, n->source, n->crashed, n->alone, n->signal,
			                              version ? version : "unknown", now, error);
			if (ok)
				rd_log_warn("parse journal: a redress process (%s) died while parsing %s%s%s; %s",
				            version ? version : "unknown version", n->source,
				            n->crashed ? " with " : "", n->crashed ? n->signal : "",
				            n->crashed ? "it will be stored unparsed and put in triage"
				            : n->alone ? "it was being parsed alone: one attempt counted"
				                       : "it will be parsed alone next time, to see whether it is to blame");
		}
		if (ok)
			ok = rd_store_commit(store, error);
		else
			rd_store_rollback(store);
	}
	/* Only once its notes are committed: a crash before this leaves the
	 * file for the next process, which records the notes again (one
	 * attempt too many at worst, never one lost). */
	if (ok)
		g_unlink(path);
	close(fd);
	return ok;
}

static gboolean
recover(RdStore *store, const char *dir, GError **error)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	if (d == NULL)
		return TRUE;
	const char *name;
	while ((name = g_dir_read_name(d)) != NULL) {
		g_autofree char *path = g_build_filename(dir, name, NULL);
		/* A journal being made (".PID.new") whose maker died before
		 * naming it holds no note. One younger than a minute may be
		 * another process's between its open and its lock, so only an
		 * old one, whose lock is free, is removed. */
		if (name[0] == '.' && g_str_has_suffix(name, ".new")) {
			GStatBuf sb;
			if (g_lstat(path, &sb) != 0 || time(NULL) - sb.st_mtime < 60)
				continue;
			int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
			if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
				g_unlink(path);
			if (fd >= 0)
				close(fd);
			continue;
		}
		/* Our own pid's name too: it can only be a dead process's that
		 * had the same pid, since ours is made after this. */
		if (strspn(name, "0123456789") != strlen(name))
			continue;
		if (!take_over(store, path, error))
			return FALSE;
	}
	return TRUE;
}

/* ---- opening ------------------------------------------------------------- */

static gboolean
create_own(RdJournal *j, GError **error)
{
	if (g_mkdir(j->dir, 0700) != 0 && errno != EEXIST) {
		int e = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
		            "cannot create the parse journal folder %s: %s", j->dir, g_strerror(e));
		return FALSE;
	}
	/* Made under a name that recovery passes over, locked and sized, and
	 * only then given its PID name: a process taking over dead journals
	 * must never find this one under that name and unlocked. */
	g_autofree char *tmp = g_strdup_printf("%s/.%d.new", j->dir, (int)getpid());
	j->path = g_strdup_printf("%s/%d", j->dir, (int)getpid());
	g_unlink(tmp);
	j->fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	/* The blocks are allocated now, not left as a hole: on a full disk
	 * the first store into a hole of the mapping would raise SIGBUS
	 * (found by tests/faults/diskfull.sh), where this reports ENOSPC. */
	int rc = 0;
	if (j->fd < 0 || flock(j->fd, LOCK_EX | LOCK_NB) != 0)
		rc = errno;
	else if ((rc = posix_fallocate(j->fd, 0, sizeof(Map))) == 0 && rename(tmp, j->path) != 0)
		rc = errno;
	if (rc != 0) {
		g_unlink(tmp);
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(rc),
		            "cannot create the parse journal %s: %s%s", j->path, g_strerror(rc),
		            rc == ENOSPC ? " (disk full: free some space there, then run again)" : "");
		return FALSE;
	}
	void *m = mmap(NULL, sizeof(Map), PROT_READ | PROT_WRITE, MAP_SHARED, j->fd, 0);
	if (m == MAP_FAILED) {
		int e = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
		            "cannot map the parse journal %s: %s", j->path, g_strerror(e));
		return FALSE;
	}
	j->map = m;
	g_strlcpy(j->map->h.magic, MAGIC, sizeof j->map->h.magic);
	j->map->h.pid = getpid();
	g_strlcpy(j->map->h.version, rd_version(), sizeof j->map->h.version);
	return TRUE;
}

static void
journal_destroy(RdJournal *j)
{
	if (j->map != NULL)
		munmap(j->map, sizeof(Map));
	if (j->path != NULL && j->fd >= 0)
		g_unlink(j->path);
	if (j->fd >= 0)
		close(j->fd);
	g_free(j->db_path);
	g_free(j->dir);
	g_free(j->path);
	g_free(j);
}

RdJournal *
rd_journal_open(RdStore *store, const char *db_path, GError **error)
{
	g_return_val_if_fail(store != NULL && db_path != NULL, NULL);
	G_LOCK(journal);
	if (the_journal != NULL) {
		RdJournal *j = NULL;
		if (strcmp(the_journal->db_path, db_path) == 0) {
			j = the_journal;
			j->refs++;
		} else {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
			            "a parse journal for %s is already open in this process",
			            the_journal->db_path);
		}
		G_UNLOCK(journal);
		return j;
	}
	RdJournal *j = g_new0(RdJournal, 1);
	j->fd = -1;
	j->refs = 1;
	j->db_path = g_strdup(db_path);
	j->dir = g_strconcat(db_path, ".parsing", NULL);
	if (!recover(store, j->dir, error) || !create_own(j, error)) {
		journal_destroy(j);
		G_UNLOCK(journal);
		return NULL;
	}
	install_handlers();
	j->gen = ++journal_gen;
	the_journal = j;
	G_UNLOCK(journal);
	return j;
}

void
rd_journal_close(RdJournal *j)
{
	if (j == NULL)
		return;
	G_LOCK(journal);
	if (--j->refs == 0) {
		/* Slots of threads still alive would point into the mapping:
		 * the journal is closed only when intake has stopped. */
		the_journal = NULL;
		journal_destroy(j);
	}
	G_UNLOCK(journal);
}

/* ---- parsing with a note ------------------------------------------------- */

GHashTable *
rd_journal_quarantined(RdStore *store, GError **error)
{
	g_autoptr(GPtrArray) rows = rd_store_quarantine_list(store, error);
	if (rows == NULL)
		return NULL;
	GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (guint i = 0; i < rows->len; i++) {
		const RdQuarantine *q = rows->pdata[i];
		if (!q->crashed && q->attempts < RD_JOURNAL_ATTEMPTS) {
			/* A suspect: parsed, but alone. */
			g_hash_table_replace(h, g_strdup(q->source), g_strdup(""));
			continue;
		}
		char *why = q->crashed
			? g_strdup_printf("crashed the parser (redress %s, %s)", q->version,
			                  q->signal ? q->signal : "a crash signal")
			: g_strdup_printf("stopped the parser %" G_GINT64_FORMAT " times (redress %s)",
			                  q->attempts, q->version);
		g_hash_table_replace(h, g_strdup(q->source), why);
	}
	return h;
}

/* The test suite's way to make the parser crash on a message (the real
 * crashes found so far are fixed): REDRESS_TEST_PARSE_CRASH names a
 * string that a message must contain; REDRESS_TEST_PARSE_CRASH_SIGNAL=KILL
 * kills the process instead, as the OOM killer would, with no handler to
 * run. */
static void
test_crash(const char *data, gsize len)
{
	static const char *needle;
	static int signo;
	static gsize needle_len;
	if (g_once_init_enter(&needle_len)) {
		needle = g_getenv("REDRESS_TEST_PARSE_CRASH");
		signo = g_strcmp0(g_getenv("REDRESS_TEST_PARSE_CRASH_SIGNAL"), "KILL") == 0 ? SIGKILL : SIGSEGV;
		g_once_init_leave(&needle_len, needle && *needle ? strlen(needle) : (gsize)-1);
	}
	if (needle_len != (gsize)-1 && data != NULL && memmem(data, len, needle, needle_len) != NULL)
		raise(signo);
}

RdMessage *
rd_journal_parse(RdJournal *j, GHashTable *quarantined, const char *source, const char *data,
                 gsize len, gint64 received_at, const RdParseOptions *opts)
{
	const char *why = quarantined && source ? g_hash_table_lookup(quarantined, source) : NULL;
	if (why != NULL && *why != '\0')
		return rd_message_unparsed(data, len, received_at, why);
	gboolean alone = why != NULL;
	Slot *s = j != NULL && source != NULL ? thread_slot(j) : NULL;
	if (s == NULL) {
		test_crash(data, len);
		return rd_message_parse(data, len, received_at, opts);
	}
	if (alone)
		g_rw_lock_writer_lock(&parse_lock);
	else
		g_rw_lock_reader_lock(&parse_lock);
	g_strlcpy(s->source, source, sizeof s->source);
	s->alone = alone;
	my_slot = s;
	/* The source is written before the state says so. */
	g_atomic_int_set(&s->state, SLOT_PARSING);
	test_crash(data, len);
	RdMessage *m = rd_message_parse(data, len, received_at, opts);
	g_atomic_int_set(&s->state, SLOT_OWNED);
	my_slot = NULL;
	if (alone)
		g_rw_lock_writer_unlock(&parse_lock);
	else
		g_rw_lock_reader_unlock(&parse_lock);
	return m;
}

gboolean
rd_journal_parsed(GHashTable *quarantined, RdStore *store, const char *source, GError **error)
{
	const char *why = quarantined && source ? g_hash_table_lookup(quarantined, source) : NULL;
	/* A suspect that was parsed without dying is cleared. */
	if (why == NULL || *why != '\0')
		return TRUE;
	return rd_store_quarantine_forget(store, source, error);
}
