/* imap-baseline.c — the plain IMAP fetching rate, for bench/mail.sh.
 *
 *   imap-baseline HOST PORT USER PASSWORD_FILE [FOLDER [BATCH]]
 *
 * A minimal libetpan loop with nothing of redress in it: connect over plain
 * IMAP (no TLS: the test servers allow it from loopback), LOGIN, SELECT
 * FOLDER (default INBOX), UID SEARCH ALL, then UID FETCH BODY.PEEK[] for
 * BATCH messages at a time (default 64, as `redress fetch` does), counting
 * the bytes and throwing them away. Nothing is stored, flagged or moved.
 *
 * Prints one line to stdout:
 *
 *   messages=N bytes=B seconds=S rate=R
 *
 * where S is wall-clock time from connecting to the last batch (logout not
 * counted) and R = N / S. Exit status 0, or 1 with a message on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libetpan/libetpan.h>

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int
fail(const char *what, int r)
{
	fprintf(stderr, "imap-baseline: %s failed (libetpan error %d)\n", what, r);
	return 1;
}

/* read_password PATH BUF SIZE: the first line of PATH, without its newline. */
static int
read_password(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return -1;
	}
	if (!fgets(buf, (int) size, f)) {
		fprintf(stderr, "imap-baseline: %s is empty\n", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* fetch_batch: UID FETCH BODY.PEEK[] for uids[0..n); adds to *msgs, *bytes. */
static int
fetch_batch(mailimap *imap, const uint32_t *uids, size_t n, size_t *msgs, size_t *bytes)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	for (size_t i = 0; i < n; i++)
		mailimap_set_add_single(set, uids[i]);
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft,
		mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));

	clist *result = NULL;
	int r = mailimap_uid_fetch(imap, set, ft, &result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return r;

	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);
		for (clistiter *j = clist_begin(ma->att_list); j; j = clist_next(j)) {
			struct mailimap_msg_att_item *item = clist_content(j);
			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			struct mailimap_msg_att_static *st = item->att_data.att_static;
			if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION) {
				*bytes += st->att_data.att_body_section->sec_length;
				(*msgs)++;
			}
		}
	}
	mailimap_fetch_list_free(result);
	return MAILIMAP_NO_ERROR;
}

int
main(int argc, char **argv)
{
	if (argc < 5 || argc > 7) {
		fprintf(stderr, "usage: imap-baseline HOST PORT USER PASSWORD_FILE [FOLDER [BATCH]]\n");
		return 1;
	}
	const char *host = argv[1];
	int port = atoi(argv[2]);
	const char *user = argv[3];
	const char *folder = argc > 5 ? argv[5] : "INBOX";
	long batch = argc > 6 ? strtol(argv[6], NULL, 10) : 64;
	if (port <= 0 || port > 65535 || batch <= 0) {
		fprintf(stderr, "imap-baseline: bad PORT or BATCH\n");
		return 1;
	}
	char password[256];
	if (read_password(argv[4], password, sizeof password) < 0)
		return 1;

	double t0 = now_s();
	mailimap *imap = mailimap_new(0, NULL);
	mailimap_set_timeout(imap, 60);
	int rc = 1, r;
	clist *found = NULL;
	uint32_t *uids = NULL;

	r = mailimap_socket_connect(imap, host, (uint16_t) port);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED && r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		fail("connect", r);
		goto out;
	}
	if ((r = mailimap_login(imap, user, password)) != MAILIMAP_NO_ERROR) {
		fail("LOGIN", r);
		goto out;
	}
	if ((r = mailimap_select(imap, folder)) != MAILIMAP_NO_ERROR) {
		fail("SELECT", r);
		goto out;
	}

	struct mailimap_search_key *all = mailimap_search_key_new_all();
	r = mailimap_uid_search(imap, NULL, all, &found);
	mailimap_search_key_free(all);
	if (r != MAILIMAP_NO_ERROR) {
		fail("UID SEARCH", r);
		goto out;
	}
	size_t n = (size_t) clist_count(found), k = 0;
	uids = malloc((n ? n : 1) * sizeof *uids);
	if (!uids) {
		fprintf(stderr, "imap-baseline: out of memory\n");
		goto out;
	}
	for (clistiter *it = clist_begin(found); it; it = clist_next(it))
		uids[k++] = *(uint32_t *) clist_content(it);

	size_t msgs = 0, bytes = 0;
	for (size_t off = 0; off < n; off += (size_t) batch) {
		size_t m = n - off < (size_t) batch ? n - off : (size_t) batch;
		if ((r = fetch_batch(imap, uids + off, m, &msgs, &bytes)) != MAILIMAP_NO_ERROR) {
			fail("UID FETCH", r);
			goto out;
		}
	}
	double secs = now_s() - t0;
	printf("messages=%zu bytes=%zu seconds=%.3f rate=%.1f\n", msgs, bytes, secs,
	       secs > 0 ? (double) msgs / secs : 0.0);
	rc = 0;
	mailimap_logout(imap);
out:
	if (found)
		mailimap_search_result_free(found);
	free(uids);
	mailimap_free(imap);
	return rc;
}
