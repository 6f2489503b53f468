/*
 * sha256.c — SHA-256 for message and attachment identities.
 *
 * Every message and attachment is hashed (raw bytes, content hash,
 * decoded attachments), so hashing speed bounds ingest speed. GLib's
 * GChecksum runs at about 200 MB/s here; Nettle (GnuTLS's crypto library,
 * a Debian package) uses the CPU's SHA instructions where present and runs
 * at about 900 MB/s. We only wrap it: no cryptography is written here.
 *
 * Also here: RdHashStream, a write-only GMimeStream that hashes and counts
 * what GMime decodes into it, so attachments are hashed as they stream
 * instead of being copied into memory first.
 */
#include <string.h>
#include "parsers-private.h"

void
_rd_sha256_init(RdSha256 *s)
{
	sha256_init(&s->ctx);
}

void
_rd_sha256_update(RdSha256 *s, const void *data, gsize len)
{
	sha256_update(&s->ctx, len, data);
}

void
_rd_sha256_hex(RdSha256 *s, char out[65])
{
	static const char digits[] = "0123456789abcdef";
	guint8 d[SHA256_DIGEST_SIZE];
	sha256_digest(&s->ctx, sizeof d, d);
	for (gsize i = 0; i < sizeof d; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[64] = '\0';
}

char *
_rd_sha256_hex_data(const void *data, gsize len)
{
	RdSha256 s;
	char *out = g_malloc(65);
	_rd_sha256_init(&s);
	_rd_sha256_update(&s, data, len);
	_rd_sha256_hex(&s, out);
	return out;
}

/* ---- RdHashStream ------------------------------------------------------ */

struct _RdHashStream {
	GMimeStream parent;
	RdSha256 sha;
	gsize written;
};

G_DEFINE_TYPE(RdHashStream, rd_hash_stream, GMIME_TYPE_STREAM)

static ssize_t
hs_read(GMimeStream *stream, char *buf, size_t len)
{
	return -1;
}

static ssize_t
hs_write(GMimeStream *stream, const char *buf, size_t len)
{
	RdHashStream *hs = (RdHashStream *) stream;
	_rd_sha256_update(&hs->sha, buf, len);
	hs->written += len;
	return (ssize_t) len;
}

static int
hs_flush(GMimeStream *stream)
{
	return 0;
}

static int
hs_close(GMimeStream *stream)
{
	return 0;
}

static gboolean
hs_eos(GMimeStream *stream)
{
	return TRUE;
}

static int
hs_reset(GMimeStream *stream)
{
	return -1;
}

static gint64
hs_seek(GMimeStream *stream, gint64 offset, GMimeSeekWhence whence)
{
	return -1;
}

static gint64
hs_tell(GMimeStream *stream)
{
	return (gint64) ((RdHashStream *) stream)->written;
}

static gint64
hs_length(GMimeStream *stream)
{
	return (gint64) ((RdHashStream *) stream)->written;
}

static GMimeStream *
hs_substream(GMimeStream *stream, gint64 start, gint64 end)
{
	return NULL;
}

static void
rd_hash_stream_class_init(RdHashStreamClass *klass)
{
	GMimeStreamClass *sc = GMIME_STREAM_CLASS(klass);
	sc->read = hs_read;
	sc->write = hs_write;
	sc->flush = hs_flush;
	sc->close = hs_close;
	sc->eos = hs_eos;
	sc->reset = hs_reset;
	sc->seek = hs_seek;
	sc->tell = hs_tell;
	sc->length = hs_length;
	sc->substream = hs_substream;
}

static void
rd_hash_stream_init(RdHashStream *hs)
{
	_rd_sha256_init(&hs->sha);
	hs->written = 0;
}

GMimeStream *
_rd_hash_stream_new(void)
{
	GMimeStream *s = g_object_new(RD_TYPE_HASH_STREAM, NULL);
	g_mime_stream_construct(s, 0, -1);
	return s;
}

char *
_rd_hash_stream_finish(GMimeStream *stream, gsize *size_r)
{
	RdHashStream *hs = (RdHashStream *) stream;
	char hex[65];
	RdSha256 copy = hs->sha;
	_rd_sha256_hex(&copy, hex);
	*size_r = hs->written;
	return g_strdup(hex);
}
