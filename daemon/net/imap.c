/*
 * imap.c — the IMAP source: one session on one mailbox's folder, over
 * libetpan, with the server certificate verified here (GnuTLS).
 *
 * Object: RdImap, a logged-in session with its folder selected.
 * Operations: open (connect, TLS, verify, LOGIN, SELECT), search UIDs (by
 * range, or by subject for the self-test), fetch messages, finish them
 * (move or flag), remove the self-test mail and wait for new mail.
 *
 * Invariants:
 *  - libetpan accepts any certificate, so the peer's chain is checked
 *    against the configured CA file (or the system store) and the host name
 *    before LOGIN, for IMAPS and STARTTLS alike. Plain text only when the
 *    configuration says imap_allow_plaintext.
 *  - Messages are read with BODY.PEEK[]: fetching never sets \Seen, so a
 *    person reading the mailbox never changes what redress sees. Nothing
 *    here decides what is new: the caller keeps the cursor in its store.
 *  - The only calls that change the server are rd_imap_finish() (move or
 *    keyword), which the caller makes after its commit, rd_imap_remove()
 *    (only ever for redress's own self-test mail), APPEND of Sent copies,
 *    and creating the processed folder when it is missing.
 *  - libetpan's success codes are 0, 1 and 2; every call goes through
 *    etpan_ok(), a function, so nothing is evaluated twice.
 *  - The password is read from a file we own that nobody else can read,
 *    kept only for LOGIN and wiped; it is never logged. Before anything
 *    else the mailbox's settings go through the checks `redress config
 *    check` makes (base/), so a refusal here says what the check says.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libetpan/libetpan.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include "net/net.h"

G_DEFINE_QUARK(rd-imap-error-quark, rd_imap_error)

#define IMAP_TIMEOUT_S    60             /* network timeout of every command */
#define IDLE_MAX_S        (25 * 60)      /* re-issue IDLE before the 29-minute limit */
#define MAX_CHAIN         16

struct _RdImap {
	mailimap *imap;
	char *role;
	char *host;
	char *folder;
	char *processed;
	gboolean keep_in_place;
	gboolean has_move, has_uidplus, has_idle;
	gboolean use_idle;       /* rd_imap_set_wait(); default TRUE */
	int wake_fd;             /* ends a wait early when readable; -1 = none */
	guint32 uidvalidity;
	char *append_folder;     /* rd_imap_append(): known to exist */
	gboolean announced;      /* the server told of new mail (EXISTS) in its answer
	                            to the last open-ended UID SEARCH, which may not
	                            list it: rd_imap_wait() must not wait for it */
};

static gboolean
etpan_ok(int r)
{
	return r == MAILIMAP_NO_ERROR || r == MAILIMAP_NO_ERROR_AUTHENTICATED ||
	       r == MAILIMAP_NO_ERROR_NON_AUTHENTICATED;
}

static const char *
etpan_error_name(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM: return "connection lost";
	case MAILIMAP_ERROR_CONNECTION_REFUSED: return "connection refused";
	case MAILIMAP_ERROR_PARSE: return "unreadable server response";
	case MAILIMAP_ERROR_MEMORY: return "out of memory";
	case MAILIMAP_ERROR_LOGIN: return "login refused";
	case MAILIMAP_ERROR_SSL: return "TLS handshake failed";
	case MAILIMAP_ERROR_STARTTLS: return "STARTTLS refused";
	case MAILIMAP_ERROR_EXTENSION: return "command refused";
	default: return "command failed";
	}
}

/* Set @error for a failed libetpan call @what, with the server's own text
 * when there is one. A lost connection is always TEMP (CONNECT). */
static void
set_etpan_error(RdImap *s, GError **error, RdImapError code, int r, const char *what)
{
	const char *resp = s->imap != NULL ? s->imap->imap_response : NULL;
	g_autofree char *clean = resp != NULL ? g_strdup(resp) : NULL;
	if (clean != NULL)
		for (char *p = clean; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
	if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_CONNECTION_REFUSED)
		code = RD_IMAP_ERROR_CONNECT;
	g_set_error(error, RD_IMAP_ERROR, code, "mailbox %s: %s on %s failed: %s%s%s", s->role, what,
	            s->host, etpan_error_name(r), clean != NULL && *clean ? ": " : "",
	            clean != NULL ? clean : "");
}

void
rd_imap_message_free(RdImapMessage *m)
{
	if (m == NULL)
		return;
	g_clear_pointer(&m->data, g_bytes_unref);
	g_free(m);
}

void
rd_imap_close(RdImap *s)
{
	if (s == NULL)
		return;
	if (s->imap != NULL) {
		if (s->imap->imap_stream != NULL)
			mailimap_logout(s->imap);
		mailimap_free(s->imap);
	}
	g_free(s->role);
	g_free(s->host);
	g_free(s->folder);
	g_free(s->processed);
	g_free(s->append_folder);
	g_free(s);
}

guint32
rd_imap_uidvalidity(const RdImap *s)
{
	return s->uidvalidity;
}

/* The secret to log in with: the password from imap_password_file, or
 * with imap_auth = xoauth2 a bearer token (oauth.c). Errors keep their
 * meaning: a bad file or key is CONFIG (exit 1, nothing to retry), a
 * provider's refusal AUTH, an unreachable endpoint CONNECT (retried). */
static char *
login_secret(const RdMailboxConfig *m, const char *role, GError **error)
{
	g_autofree char *who = g_strdup_printf("mailbox %s", role);
	GError *e = NULL;
	char *secret;
	if (m->imap_xoauth2) {
		secret = rd_oauth_access_token(&m->oauth, who, &e);
		if (secret == NULL) {
			int code = e->domain == RD_OAUTH_ERROR && e->code == RD_OAUTH_ERROR_REFUSED ? RD_IMAP_ERROR_AUTH
			         : e->domain == RD_OAUTH_ERROR && e->code == RD_OAUTH_ERROR_TEMPORARY ? RD_IMAP_ERROR_CONNECT
			         : RD_IMAP_ERROR_CONFIG;
			g_set_error_literal(error, RD_IMAP_ERROR, code, e->message);
			g_error_free(e);
		}
		return secret;
	}
	/* Named as config-check.c names it, so the message is the same. */
	g_autofree char *what = g_strdup_printf("[mailbox:%s] imap_password_file", role);
	secret = rd_secret_read(m->imap_password_file, what, &e);
	if (secret == NULL) {
		g_set_error_literal(error, RD_IMAP_ERROR, RD_IMAP_ERROR_CONFIG, e->message);
		g_error_free(e);
	}
	return secret;
}

/* SNI, so that a server with several names presents the right one. */
static void
tls_setup(struct mailstream_ssl_context *ctx, void *data)
{
	mailstream_ssl_set_server_name(ctx, data);
}

/* Verify the peer's certificate chain against @ca_file (NULL: the system
 * trust store) and the host name we connected to. */
static gboolean
verify_peer(RdImap *s, const char *ca_file, GError **error)
{
	mailstream_low *low = s->imap->imap_stream ? mailstream_get_low(s->imap->imap_stream) : NULL;
	carray *chain = low != NULL ? mailstream_low_get_certificate_chain(low) : NULL;
	gnutls_x509_crt_t crts[MAX_CHAIN];
	unsigned n = 0;
	gboolean ok = FALSE;
	gnutls_x509_trust_list_t tl = NULL;
	g_autofree char *why = NULL;

	if (chain == NULL || carray_count(chain) == 0) {
		why = g_strdup("the server sent no certificate");
		goto out;
	}
	for (unsigned i = 0; i < carray_count(chain) && n < MAX_CHAIN; i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d = { (unsigned char *)der->str, (unsigned)der->len };
		if (gnutls_x509_crt_init(&crts[n]) < 0) {
			why = g_strdup("out of memory");
			goto out;
		}
		if (gnutls_x509_crt_import(crts[n], &d, GNUTLS_X509_FMT_DER) < 0) {
			gnutls_x509_crt_deinit(crts[n]);
			why = g_strdup("the server's certificate cannot be read");
			goto out;
		}
		n++;
	}
	if (gnutls_x509_trust_list_init(&tl, 0) < 0) {
		why = g_strdup("out of memory");
		goto out;
	}
	if (ca_file != NULL) {
		int r = gnutls_x509_trust_list_add_trust_file(tl, ca_file, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
		if (r <= 0) {
			why = g_strdup_printf("imap_ca_file %s holds no usable certificate%s%s", ca_file,
			                      r < 0 ? ": " : "", r < 0 ? gnutls_strerror(r) : "");
			goto out;
		}
	} else if (gnutls_x509_trust_list_add_system_trust(tl, 0, 0) <= 0) {
		why = g_strdup("the system trust store is empty; set imap_ca_file");
		goto out;
	}
	gnutls_typed_vdata_st vd = { GNUTLS_DT_DNS_HOSTNAME, (unsigned char *)s->host, 0 };
	unsigned status = 0;
	int r = gnutls_x509_trust_list_verify_crt2(tl, crts, n, &vd, 1, 0, &status, NULL);
	if (r < 0) {
		why = g_strdup(gnutls_strerror(r));
		goto out;
	}
	if (status != 0) {
		gnutls_datum_t text = { NULL, 0 };
		if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) == 0) {
			why = g_strdup((const char *)text.data);
			gnutls_free(text.data);
		} else {
			why = g_strdup("the certificate is not trusted");
		}
		goto out;
	}
	ok = TRUE;
out:
	if (tl != NULL)
		gnutls_x509_trust_list_deinit(tl, 1);
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	if (chain != NULL) {
		for (unsigned i = 0; i < carray_count(chain); i++)
			mmap_string_free(carray_get(chain, i));
		carray_free(chain);
	}
	if (!ok)
		g_set_error(error, RD_IMAP_ERROR, RD_IMAP_ERROR_TLS,
		            "mailbox %s: refusing the server %s: its certificate does not verify%s: %s", s->role,
		            s->host, ca_file != NULL ? " against imap_ca_file" : " against the system trust store",
		            why);
	return ok;
}

/* Split imap_url into host, port, folder and whether TLS is implicit
 * (the one reading of it, base/'s). */
static gboolean
parse_url(RdImap *s, const char *url, guint16 *port_r, gboolean *imaps_r, GError **error)
{
	RdImapUrl u = { 0 };
	g_autoptr(GError) e = NULL;
	if (!rd_imap_url_parse(url, &u, &e)) {
		g_set_error(error, RD_IMAP_ERROR, RD_IMAP_ERROR_CONFIG, "[mailbox:%s] %s", s->role, e->message);
		return FALSE;
	}
	s->host = g_steal_pointer(&u.host);
	s->folder = g_steal_pointer(&u.folder);
	*port_r = u.port;
	*imaps_r = u.imaps;
	return TRUE;
}

/* Whether folder @name exists (a LIST of it). */
static gboolean
folder_listed(RdImap *s, const char *name, gboolean *found_r, GError **error)
{
	clist *list = NULL;
	int r = mailimap_list(s->imap, "", name, &list);
	if (!etpan_ok(r)) {
		g_autofree char *what = g_strdup_printf("LIST of folder %s", name);
		set_etpan_error(s, error, RD_IMAP_ERROR_PROTOCOL, r, what);
		return FALSE;
	}
	*found_r = list != NULL && clist_count(list) > 0;
	if (list != NULL)
		mailimap_list_result_free(list);
	return TRUE;
}

/* Folder @name (Processed, Sent) exists, or is created. */
static gboolean
ensure_folder(RdImap *s, const char *name, GError **error)
{
	gboolean found = FALSE;
	if (!folder_listed(s, name, &found, error))
		return FALSE;
	if (found)
		return TRUE;
	int r = mailimap_create(s->imap, name);
	if (!etpan_ok(r)) {
		g_autofree char *what = g_strdup_printf("CREATE of folder %s", name);
		set_etpan_error(s, error, RD_IMAP_ERROR_PROTOCOL, r, what);
		return FALSE;
	}
	rd_log_info("imap mailbox=%s created folder=%s", s->role, name);
	return TRUE;
}

/* Connect, verify, log in; with @select also the Processed folder and
 * SELECT of the watched folder. */
static RdImap *
open_session(const RdMailboxConfig *m, const char *role, gboolean select, GError **error)
{
	g_return_val_if_fail(m != NULL && role != NULL, NULL);
	g_autoptr(RdImap) s = g_new0(RdImap, 1);
	s->use_idle = TRUE;
	s->wake_fd = -1;
	s->role = g_strdup(role);
	s->processed = g_strdup(m->processed_folder ? m->processed_folder : "Processed");
	s->keep_in_place = m->keep_in_place;

	/* The checks `redress config check` makes of this mailbox (base/):
	 * keys, URL, password or OAuth files, CA file; the same words. */
	RdMailbox mb = RD_MAILBOX_COMPLAINTS;
	GError *e = NULL;
	if (!rd_mailbox_from_string(role, &mb) || !rd_mailbox_config_check(m, mb, &e)) {
		g_set_error_literal(error, RD_IMAP_ERROR, RD_IMAP_ERROR_CONFIG,
		                    e != NULL ? e->message : "not a mailbox role");
		g_clear_error(&e);
		return NULL;
	}
	guint16 port = 0;
	gboolean imaps = FALSE;
	if (!parse_url(s, m->imap_url, &port, &imaps, error))
		return NULL;
	/* The password or token first: a configuration mistake is reported
	 * before anything touches the mail server. */
	char *password = login_secret(m, role, error);
	if (password == NULL)
		return NULL;

	s->imap = mailimap_new(0, NULL);
	mailimap_set_timeout(s->imap, IMAP_TIMEOUT_S);
	int r;
	if (imaps)
		r = mailimap_ssl_connect_with_callback(s->imap, s->host, port, tls_setup, s->host);
	else
		r = mailimap_socket_connect(s->imap, s->host, port);
	if (!etpan_ok(r)) {
		set_etpan_error(s, error, RD_IMAP_ERROR_CONNECT, r, imaps ? "TLS connect" : "connect");
		rd_secret_free(password);
		return NULL;
	}
	gboolean tls = imaps;
	if (!imaps && !m->imap_allow_plaintext) {
		r = mailimap_socket_starttls_with_callback(s->imap, tls_setup, s->host);
		if (!etpan_ok(r)) {
			set_etpan_error(s, error, RD_IMAP_ERROR_TLS, r, "STARTTLS");
			rd_secret_free(password);
			return NULL;
		}
		tls = TRUE;
	}
	if (tls && !verify_peer(s, m->imap_ca_file, error)) {
		rd_secret_free(password);
		return NULL;
	}
	if (!tls)
		rd_log_warn("imap mailbox=%s host=%s plaintext=yes (imap_allow_plaintext: for loopback tests only)",
		            role, s->host);

	if (m->imap_xoauth2)
		r = mailimap_oauth2_authenticate(s->imap, m->imap_user, password);
	else
		r = mailimap_login(s->imap, m->imap_user, password);
	/* A token the server refused (not a dropped connection) may have been
	 * revoked early: ask for a new one next time rather than present it
	 * again. */
	if (!etpan_ok(r) && m->imap_xoauth2 && r != MAILIMAP_ERROR_STREAM)
		rd_oauth_forget(&m->oauth, password);
	rd_secret_free(password);
	if (!etpan_ok(r)) {
		set_etpan_error(s, error, RD_IMAP_ERROR_AUTH, r, m->imap_xoauth2 ? "AUTHENTICATE XOAUTH2" : "LOGIN");
		return NULL;
	}
	struct mailimap_capability_data *caps = NULL;
	r = mailimap_capability(s->imap, &caps);
	if (caps != NULL)
		mailimap_capability_data_free(caps);
	if (!etpan_ok(r)) {
		set_etpan_error(s, error, RD_IMAP_ERROR_PROTOCOL, r, "CAPABILITY");
		return NULL;
	}
	s->has_move = mailimap_has_extension(s->imap, "MOVE");
	s->has_uidplus = mailimap_has_uidplus(s->imap);
	s->has_idle = mailimap_has_idle(s->imap);

	if (!select)
		return g_steal_pointer(&s);
	if (!s->keep_in_place && !ensure_folder(s, s->processed, error))
		return NULL;
	r = mailimap_select(s->imap, s->folder);
	if (!etpan_ok(r) || s->imap->imap_selection_info == NULL) {
		set_etpan_error(s, error, RD_IMAP_ERROR_PROTOCOL, r, "SELECT");
		return NULL;
	}
	s->uidvalidity = s->imap->imap_selection_info->sel_uidvalidity;
	rd_log_debug("imap mailbox=%s host=%s folder=%s uidvalidity=%u move=%d uidplus=%d idle=%d", role,
	             s->host, s->folder, s->uidvalidity, s->has_move, s->has_uidplus, s->has_idle);
	return g_steal_pointer(&s);
}

RdImap *
rd_imap_open(const RdMailboxConfig *m, const char *role, GError **error)
{
	return open_session(m, role, TRUE, error);
}

RdImap *
rd_imap_open_account(const RdMailboxConfig *m, const char *role, GError **error)
{
	return open_session(m, role, FALSE, error);
}

static int
cmp_u32(gconstpointer a, gconstpointer b)
{
	guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;
	return x < y ? -1 : x > y;
}

/* The UIDs of one UID SEARCH with @key (taken), ascending. */
static GArray *
search_uids(RdImap *s, struct mailimap_search_key *key, GError **error)
{
	clist *result = NULL;
	int r = mailimap_uid_search(s->imap, NULL, key, &result);
	mailimap_search_key_free(key);
	if (!etpan_ok(r)) {
		set_etpan_error(s, error, RD_IMAP_ERROR_PROTOCOL, r, "UID SEARCH");
		return NULL;
	}
	GArray *uids = g_array_new(FALSE, FALSE, sizeof(guint32));
	for (clistiter *it = result ? clist_begin(result) : NULL; it != NULL; it = clist_next(it))
		g_array_append_val(uids, *(uint32_t *)clist_content(it));
	if (result != NULL)
		mailimap_search_result_free(result);
	g_array_sort(uids, cmp_u32);
	return uids;
}

GArray *
rd_imap_search(RdImap *s, guint32 first, guint32 last, gboolean not_flagged, GError **error)
{
	g_return_val_if_fail(s != NULL && first > 0, NULL);
	struct mailimap_search_key *key =
		mailimap_search_key_new_uid(mailimap_set_new_interval(first, last));
	if (not_flagged) {
		struct mailimap_search_key *all = mailimap_search_key_new_multiple_empty();
		mailimap_search_key_multiple_add(all, key);
		mailimap_search_key_multiple_add(all, mailimap_search_key_new_not(
			mailimap_search_key_new_keyword(strdup(RD_IMAP_KEYWORD))));
		key = all;
	}
	guint32 before = s->imap->imap_selection_info ? s->imap->imap_selection_info->sel_exists : 0;
	GArray *uids = search_uids(s, key, error);
	if (uids == NULL)
		return NULL;
	/* An EXISTS in the answer is taken in by libetpan, so an IDLE after
	 * it would hear nothing of that mail until the next one arrives
	 * (found by bench/latency.sh: one acknowledgement waited 49 s). */
	if (last == 0)
		s->announced = s->imap->imap_selection_info != NULL &&
		               s->imap->imap_selection_info->sel_exists > before;
	/* "first:*" also matches the highest UID when it is below first. */
	guint kept = 0;
	for (guint i = 0; i < uids->len; i++) {
		guint32 uid = g_array_index(uids, guint32, i);
		if (uid >= first && (last == 0 || uid <= last))
			g_array_index(uids, guint32, kept++) = uid;
	}
	g_array_set_size(uids, kept);
	return uids;
}

GArray *
rd_imap_search_subject(RdImap *s, const char *text, GError **error)
{
	g_return_val_if_fail(s != NULL && text != NULL, NULL);
	return search_uids(s, mailimap_search_key_new_subject(strdup(text)), error);
}

/* INTERNALDATE as Unix seconds. libetpan keeps the zone as ±hhmm. */
static gint64
internal_date(const struct mailimap_date_time *dt)
{
	g_autoptr(GDateTime) utc = g_date_time_new_utc(dt->dt_year, dt->dt_month, dt->dt_day, dt->dt_hour,
	                                               dt->dt_min, dt->dt_sec);
	if (utc == NULL)
		return 0;
	int z = dt->dt_zone < 0 ? -dt->dt_zone : dt->dt_zone;
	gint64 offset = (gint64)(z / 100) * 3600 + (z % 100) * 60;
	return g_date_time_to_unix(utc) - (dt->dt_zone < 0 ? -offset : offset);
}

static int
cmp_message(gconstpointer a, gconstpointer b)
{
	const RdImapMessage *x = *(RdImapMessage *const *)a, *y = *(RdImapMessage *const *)b;
	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

static struct mailimap_set *
uid_set(const guint32 *uids, guint n)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	for (guint i = 0; i < n; i++)
		mailimap_set_add_single(set, uids[i]);
	return set;
}

GPtrArray *
rd_imap_fetch(RdImap *s, const guint32 *uids, guint n, GError **error)
{
	g_return_val_if_fail(s != NULL, NULL);
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)rd_imap_message_free);
	if (n == 0)
		return out;
	g_autoptr(GHashTable) wanted = g_hash_table_new(NULL, NULL);
	for (guint i = 0; i < n; i++)
		g_hash_table_add(wanted, GUINT_TO_POINTER(uids[i]));

	struct mailimap_set *set = uid_set(uids, n);
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_internaldate());
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_body_peek_section(
		mailimap_section_new(NULL)));
	clist *result = NULL;
	int r = mailimap_uid_fetch(s->imap, set, ft, &result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (!etpan_ok(r)) {
		set_etpan_error(s, error, RD_IMAP_ERROR_PROTOCOL, r, "UID FETCH");
		g_ptr_array_unref(out);
		return NULL;
	}
	for (clistiter *it = result ? clist_begin(result) : NULL; it != NULL; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);
		guint32 uid = 0;
		gint64 date = 0;
		const char *body = NULL;
		gsize len = 0;
		for (clistiter *j = clist_begin(ma->att_list); j != NULL; j = clist_next(j)) {
			struct mailimap_msg_att_item *item = clist_content(j);
			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			struct mailimap_msg_att_static *st = item->att_data.att_static;
			if (st->att_type == MAILIMAP_MSG_ATT_UID)
				uid = st->att_data.att_uid;
			else if (st->att_type == MAILIMAP_MSG_ATT_INTERNALDATE && st->att_data.att_internal_date)
				date = internal_date(st->att_data.att_internal_date);
			else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION && st->att_data.att_body_section &&
			         st->att_data.att_body_section->sec_body_part != NULL) {
				body = st->att_data.att_body_section->sec_body_part;
				len = st->att_data.att_body_section->sec_length;
			}
		}
		/* Unsolicited FETCH responses (flag changes) carry no body. */
		if (body == NULL || !g_hash_table_remove(wanted, GUINT_TO_POINTER(uid)))
			continue;
		RdImapMessage *m = g_new0(RdImapMessage, 1);
		m->uid = uid;
		m->internal_date = date;
		m->data = g_bytes_new(body, len);
		g_ptr_array_add(out, m);
	}
	if (result != NULL)
		mailimap_fetch_list_free(result);
	g_ptr_array_sort(out, cmp_message);
	return out;
}

/* +FLAGS.SILENT (@flag) on @set. Takes @flag. */
static int
add_flag(RdImap *s, struct mailimap_set *set, struct mailimap_flag *flag)
{
	struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
	mailimap_flag_list_add(fl, flag);
	struct mailimap_store_att_flags *att = mailimap_store_att_flags_new_add_flags_silent(fl);
	int r = mailimap_uid_store(s->imap, set, att);
	mailimap_store_att_flags_free(att);
	return r;
}

gboolean
rd_imap_finish(RdImap *s, const guint32 *uids, guint n, GError **error)
{
	g_return_val_if_fail(s != NULL, FALSE);
	if (n == 0)
		return TRUE;
	struct mailimap_set *set = uid_set(uids, n);
	int r;
	const char *what;
	if (s->keep_in_place) {
		what = "UID STORE +FLAGS (" RD_IMAP_KEYWORD ")";
		r = add_flag(s, set, mailimap_flag_new_flag_keyword(strdup(RD_IMAP_KEYWORD)));
	} else if (s->has_move) {
		what = "UID MOVE";
		r = mailimap_uid_move(s->imap, set, s->processed);
	} else {
		what = "UID COPY";
		r = mailimap_uid_copy(s->imap, set, s->processed);
		if (etpan_ok(r)) {
			what = "UID STORE +FLAGS (\\Deleted)";
			r = add_flag(s, set, mailimap_flag_new_deleted());
		}
		if (etpan_ok(r)) {
			/* Without UIDPLUS, EXPUNGE also removes what a person
			 * marked deleted; that is their intent anyway. */
			what = "EXPUNGE";
			r = s->has_uidplus ? mailimap_uid_expunge(s->imap, set) : mailimap_expunge(s->imap);
		}
	}
	mailimap_set_free(set);
	if (!etpan_ok(r)) {
		set_etpan_error(s, error, RD_IMAP_ERROR_PROTOCOL, r, what);
		return FALSE;
	}
	return TRUE;
}

/* \Deleted on @uids, then UID EXPUNGE of just those (UIDPLUS), else a
 * plain EXPUNGE of the folder. */
static gboolean
delete_uids(RdImap *s, const guint32 *uids, guint n, GError **error)
{
	struct mailimap_set *set = uid_set(uids, n);
	const char *what = "UID STORE +FLAGS (\\Deleted)";
	int r = add_flag(s, set, mailimap_flag_new_deleted());
	if (etpan_ok(r)) {
		what = s->has_uidplus ? "UID EXPUNGE" : "EXPUNGE";
		r = s->has_uidplus ? mailimap_uid_expunge(s->imap, set) : mailimap_expunge(s->imap);
	}
	mailimap_set_free(set);
	if (!etpan_ok(r)) {
		set_etpan_error(s, error, RD_IMAP_ERROR_PROTOCOL, r, what);
		return FALSE;
	}
	return TRUE;
}

gboolean
rd_imap_remove(RdImap *s, const guint32 *uids, guint n, GError **error)
{
	g_return_val_if_fail(s != NULL, FALSE);
	if (n == 0)
		return TRUE;
	if (!s->has_uidplus)
		return rd_imap_finish(s, uids, n, error);
	return delete_uids(s, uids, n, error);
}

gboolean
rd_imap_select_purge_folder(RdImap *s, const char *folder, gboolean *exists_r, GError **error)
{
	g_return_val_if_fail(s != NULL, FALSE);
	*exists_r = FALSE;
	const char *name = folder != NULL ? folder : s->keep_in_place ? s->folder : s->processed;
	gboolean found = FALSE;
	if (!folder_listed(s, name, &found, error))
		return FALSE;
	if (!found)
		return TRUE;
	int r = mailimap_select(s->imap, name);
	if (!etpan_ok(r) || s->imap->imap_selection_info == NULL) {
		g_autofree char *what = g_strdup_printf("SELECT of folder %s", name);
		set_etpan_error(s, error, RD_IMAP_ERROR_PROTOCOL, r, what);
		return FALSE;
	}
	*exists_r = TRUE;
	return TRUE;
}

gboolean
rd_imap_expunge_message_id(RdImap *s, const char *message_id, guint *n_r, GError **error)
{
	g_return_val_if_fail(s != NULL && message_id != NULL, FALSE);
	*n_r = 0;
	/* SEARCH HEADER matches a substring: the brackets make a Message-ID
	 * that merely contains this one (a longer local part) not match. */
	g_autofree char *wanted = message_id[0] == '<' ? g_strdup(message_id) : g_strdup_printf("<%s>", message_id);
	GArray *uids = search_uids(s, mailimap_search_key_new_header(strdup("Message-ID"), strdup(wanted)), error);
	if (uids == NULL)
		return FALSE;
	g_autoptr(GArray) found = uids;
	if (found->len == 0)
		return TRUE;
	/* Without UIDPLUS, EXPUNGE also removes what a person marked deleted
	 * in this folder, which they meant to go anyway. */
	if (!delete_uids(s, (const guint32 *)(gpointer)found->data, found->len, error))
		return FALSE;
	*n_r = found->len;
	return TRUE;
}

void
rd_imap_set_wait(RdImap *s, gboolean use_idle, int wake_fd)
{
	g_return_if_fail(s != NULL);
	s->use_idle = use_idle;
	s->wake_fd = wake_fd;
}

gboolean
rd_imap_has_idle(const RdImap *s)
{
	return s->has_idle;
}

/* Wait up to @timeout_s for @fd (or -1) to be readable, or the wake fd.
 * 1: @fd is readable; 0: timeout (or a signal); -1: woken. */
static int
wait_fds(RdImap *s, int fd, guint timeout_s)
{
	struct pollfd pfd[2];
	nfds_t n = 0;
	int fd_at = -1, wake_at = -1;
	if (fd >= 0) {
		pfd[n] = (struct pollfd){ .fd = fd, .events = POLLIN };
		fd_at = (int)n++;
	}
	if (s->wake_fd >= 0) {
		pfd[n] = (struct pollfd){ .fd = s->wake_fd, .events = POLLIN };
		wake_at = (int)n++;
	}
	if (n == 0) {
		g_usleep((gulong)timeout_s * G_USEC_PER_SEC);
		return 0;
	}
	/* EINTR (a signal) ends the wait early: the caller looks. */
	if (poll(pfd, n, (int)timeout_s * 1000) <= 0)
		return 0;
	if (wake_at >= 0 && (pfd[wake_at].revents & POLLIN))
		return -1;
	return fd_at >= 0 && pfd[fd_at].revents != 0 ? 1 : 0;
}

gboolean
rd_imap_wait(RdImap *s, guint timeout_s, gboolean *new_mail_r, GError **error)
{
	g_return_val_if_fail(s != NULL, FALSE);
	*new_mail_r = FALSE;
	if (s->announced) {
		s->announced = FALSE;
		*new_mail_r = TRUE;
		return TRUE;
	}
	guint32 before = s->imap->imap_selection_info ? s->imap->imap_selection_info->sel_exists : 0;
	if (timeout_s > IDLE_MAX_S)
		timeout_s = IDLE_MAX_S;
	if (!s->has_idle || !s->use_idle) {
		if (wait_fds(s, -1, timeout_s) < 0)
			return TRUE;
		int r = mailimap_noop(s->imap);
		if (!etpan_ok(r)) {
			set_etpan_error(s, error, RD_IMAP_ERROR_PROTOCOL, r, "NOOP");
			return FALSE;
		}
	} else {
		int r = mailimap_idle(s->imap);
		if (!etpan_ok(r)) {
			set_etpan_error(s, error, RD_IMAP_ERROR_PROTOCOL, r, "IDLE");
			return FALSE;
		}
		/* A response may already sit in libetpan's buffer. */
		gboolean ready = s->imap->imap_stream->read_buffer_len > 0;
		if (!ready)
			ready = wait_fds(s, mailimap_idle_get_fd(s->imap), timeout_s) > 0;
		r = mailimap_idle_done(s->imap);
		if (!etpan_ok(r)) {
			set_etpan_error(s, error, RD_IMAP_ERROR_PROTOCOL, r, "IDLE DONE");
			return FALSE;
		}
		*new_mail_r = ready;
	}
	guint32 after = s->imap->imap_selection_info ? s->imap->imap_selection_info->sel_exists : 0;
	if (after != before)
		*new_mail_r = TRUE;
	return TRUE;
}

gboolean
rd_imap_append(RdImap *s, const char *folder, GBytes *raw, gint64 date, GError **error)
{
	g_return_val_if_fail(s != NULL && folder != NULL && raw != NULL, FALSE);
	/* Created once per session: a council may not have made the folder. */
	if (g_strcmp0(s->append_folder, folder) != 0) {
		if (!ensure_folder(s, folder, error))
			return FALSE;
		g_free(s->append_folder);
		s->append_folder = g_strdup(folder);
	}
	struct mailimap_flag_list *flags = mailimap_flag_list_new_empty();
	mailimap_flag_list_add(flags, mailimap_flag_new_seen());
	struct mailimap_date_time *dt = NULL;
	if (date > 0) {
		g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(date);
		if (t != NULL)
			dt = mailimap_date_time_new(g_date_time_get_day_of_month(t), g_date_time_get_month(t),
			                            g_date_time_get_year(t), g_date_time_get_hour(t),
			                            g_date_time_get_minute(t), g_date_time_get_second(t), 0);
	}
	gsize len = 0;
	const char *data = g_bytes_get_data(raw, &len);
	int r = mailimap_append(s->imap, folder, flags, dt, data, len);
	mailimap_flag_list_free(flags);
	if (dt != NULL)
		mailimap_date_time_free(dt);
	if (!etpan_ok(r)) {
		g_autofree char *what = g_strdup_printf("APPEND to %s", folder);
		set_etpan_error(s, error, r == MAILIMAP_ERROR_STREAM ? RD_IMAP_ERROR_CONNECT : RD_IMAP_ERROR_PROTOCOL,
		                r, what);
		return FALSE;
	}
	return TRUE;
}

char *
rd_imap_special_folder(RdImap *s, const char *use, GError **error)
{
	g_return_val_if_fail(s != NULL && use != NULL, NULL);
	clist *list = NULL;
	int r = mailimap_list(s->imap, "", "*", &list);
	if (!etpan_ok(r)) {
		set_etpan_error(s, error, r == MAILIMAP_ERROR_STREAM ? RD_IMAP_ERROR_CONNECT : RD_IMAP_ERROR_PROTOCOL,
		                r, "LIST");
		return NULL;
	}
	char *found = NULL;
	for (clistiter *it = list ? clist_begin(list) : NULL; it != NULL && found == NULL; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);
		if (mb->mb_flag == NULL || mb->mb_flag->mbf_oflags == NULL)
			continue;
		for (clistiter *f = clist_begin(mb->mb_flag->mbf_oflags); f != NULL; f = clist_next(f)) {
			struct mailimap_mbx_list_oflag *of = clist_content(f);
			if (of->of_type == MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT && of->of_flag_ext != NULL &&
			    g_ascii_strcasecmp(of->of_flag_ext, use) == 0) {
				found = g_strdup(mb->mb_name);
				break;
			}
		}
	}
	if (list != NULL)
		mailimap_list_result_free(list);
	if (found == NULL)
		g_set_error(error, RD_IMAP_ERROR, RD_IMAP_ERROR_NOT_FOUND, "no folder is marked \\%s", use);
	return found;
}
