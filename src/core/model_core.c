/*-------------------------------------------------------------------------
 *
 * model_core.c
 *	  Validation, checksum and bounds-checked reading of insight's binary
 *	  model format (layout in model_core.h).  No backend calls: this file is
 *	  also the libFuzzer target.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <math.h>
#include <string.h>

#include "port/pg_crc32c.h"

#include "core/model_core.h"

/* Per-algorithm facts the generic reader needs: name and the flags it knows. */
typedef struct AlgorithmEntry
{
	const char *name;
	uint32		known_flags;
} AlgorithmEntry;

static const AlgorithmEntry algorithms[INSIGHT_ALG_MAX + 1] = {
	[INSIGHT_ALG_SCALER] = {"scaler", 0},
	[INSIGHT_ALG_LOGREG] = {"logreg", 0x1},	/* 0x1: not converged (logreg.h) */
	[INSIGHT_ALG_KMEANS] = {"kmeans", 0},
	[INSIGHT_ALG_BGNBD] = {"bgnbd", 0x1},	/* 0x1: standard errors (clv_model.h) */
	[INSIGHT_ALG_PNBD] = {"pnbd", 0x1},
	[INSIGHT_ALG_GAMMAGAMMA] = {"gammagamma", 0x1},
	[INSIGHT_ALG_ALS] = {"als", 0},
	[INSIGHT_ALG_ITEMKNN] = {"itemknn", 0},
	[INSIGHT_ALG_POPULARITY] = {"popularity", 0},
	[INSIGHT_ALG_MLP] = {"mlp", 0x1},	/* 0x1: stopped early (mlp.h) */
	[INSIGHT_ALG_SEQUENCE] = {"sasrec", 0x1},	/* 0x1: customer histories (sasrec.h) */
	[INSIGHT_ALG_TEXT] = {"text", 0},
	[INSIGHT_ALG_GBDT] = {"gbdt", 0x1},	/* 0x1: stopped early (gbdt_format.h) */
	[INSIGHT_ALG_MBGNBD] = {"mbgnbd", 0x1},	/* 0x1: standard errors (clv_model.h) */
	[INSIGHT_ALG_BGBB] = {"bgbb", 0x1},	/* 0x1: standard errors (clv_model.h) */
};

const char *
insight_algorithm_name(uint16 algorithm)
{
	if (algorithm == 0 || algorithm > INSIGHT_ALG_MAX)
		return NULL;
	return algorithms[algorithm].name;
}

uint16
insight_algorithm_id(const char *name)
{
	for (uint16 i = 1; i <= INSIGHT_ALG_MAX; i++)
		if (algorithms[i].name && strcmp(algorithms[i].name, name) == 0)
			return i;
	return 0;
}

/* Little-endian helpers: assemble byte by byte, whatever the host order. */
static uint32
get_uint32(const uint8 *p)
{
	return (uint32) p[0] | ((uint32) p[1] << 8) |
		((uint32) p[2] << 16) | ((uint32) p[3] << 24);
}

static uint64
get_uint64(const uint8 *p)
{
	return (uint64) get_uint32(p) | ((uint64) get_uint32(p + 4) << 32);
}

static uint16
get_uint16(const uint8 *p)
{
	return (uint16) (p[0] | (p[1] << 8));
}

void
insight_put_uint32(uint8 *out, uint32 v)
{
	out[0] = (uint8) v;
	out[1] = (uint8) (v >> 8);
	out[2] = (uint8) (v >> 16);
	out[3] = (uint8) (v >> 24);
}

void
insight_put_uint64(uint8 *out, uint64 v)
{
	insight_put_uint32(out, (uint32) v);
	insight_put_uint32(out + 4, (uint32) (v >> 32));
}

uint32
insight_model_crc(const uint8 *header_bytes, const uint8 *payload, size_t payload_len)
{
	pg_crc32c	crc;

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, header_bytes, INSIGHT_HEADER_SIZE - 4);
	if (payload_len > 0)
		COMP_CRC32C(crc, payload, payload_len);
	FIN_CRC32C(crc);
	return (uint32) crc;
}

void
insight_header_encode(const InsightModelHeader *header, const uint8 *payload, uint8 *out)
{
	memset(out, 0, INSIGHT_HEADER_SIZE);
	out[0] = INSIGHT_MAGIC_0;
	out[1] = INSIGHT_MAGIC_1;
	out[2] = INSIGHT_MAGIC_2;
	out[3] = INSIGHT_MAGIC_3;
	out[4] = (uint8) header->version;
	out[5] = (uint8) (header->version >> 8);
	out[6] = (uint8) header->algorithm;
	out[7] = (uint8) (header->algorithm >> 8);
	insight_put_uint32(out + 8, header->flags);
	for (int i = 0; i < INSIGHT_NCOUNTS; i++)
		insight_put_uint32(out + 16 + 4 * i, header->counts[i]);
	insight_put_uint64(out + 32, header->payload_length);
	insight_put_uint32(out + INSIGHT_HEADER_CRC_OFFSET,
					   insight_model_crc(out, payload, (size_t) header->payload_length));
}

#define FAIL(...) \
	do { snprintf(errbuf, errbuflen, __VA_ARGS__); return false; } while (0)

bool
insight_model_check(const uint8 *data, size_t len, InsightModelHeader *header,
					char *errbuf, size_t errbuflen)
{
	const char *name;

	if (len < INSIGHT_HEADER_SIZE)
		FAIL("The value has %zu bytes, fewer than the %d-byte model header.",
			 len, INSIGHT_HEADER_SIZE);
	if (data[0] != INSIGHT_MAGIC_0 || data[1] != INSIGHT_MAGIC_1 ||
		data[2] != INSIGHT_MAGIC_2 || data[3] != INSIGHT_MAGIC_3)
		FAIL("The value does not start with the insight model magic \"INSM\".");

	header->version = get_uint16(data + 4);
	header->algorithm = get_uint16(data + 6);
	header->flags = get_uint32(data + 8);
	for (int i = 0; i < INSIGHT_NCOUNTS; i++)
		header->counts[i] = get_uint32(data + 16 + 4 * i);
	header->payload_length = get_uint64(data + 32);
	header->crc = get_uint32(data + INSIGHT_HEADER_CRC_OFFSET);

	if (header->version == 0 || header->version > INSIGHT_FORMAT_VERSION)
		FAIL("Format version %u is not known to this build, which reads versions 1 to %d.",
			 (unsigned) header->version, INSIGHT_FORMAT_VERSION);
	name = insight_algorithm_name(header->algorithm);
	if (name == NULL)
		FAIL("Algorithm id %u is not known to this build.", (unsigned) header->algorithm);
	if ((header->flags & ~algorithms[header->algorithm].known_flags) != 0)
		FAIL("Flags 0x%08x are not known for algorithm \"%s\".",
			 (unsigned) header->flags, name);
	if (get_uint32(data + 12) != 0 || get_uint32(data + 40) != 0)
		FAIL("Reserved header fields are not zero.");
	if (header->payload_length != (uint64) (len - INSIGHT_HEADER_SIZE))
		FAIL("The header announces a %llu-byte payload but %zu bytes follow it.",
			 (unsigned long long) header->payload_length, len - INSIGHT_HEADER_SIZE);
	if (insight_model_crc(data, data + INSIGHT_HEADER_SIZE,
						  len - INSIGHT_HEADER_SIZE) != header->crc)
		FAIL("The CRC-32C checksum does not match the contents.");
	return true;
}

#undef FAIL

void
insight_cursor_init(InsightCursor *cur, const uint8 *data, size_t len)
{
	cur->data = data;
	cur->len = len;
	cur->pos = 0;
	cur->failed = false;
}

/* Reserve n bytes; on overrun mark the cursor failed and return NULL. */
static const uint8 *
cursor_take(InsightCursor *cur, size_t n)
{
	const uint8 *p;

	if (cur->failed || n > cur->len - cur->pos)
	{
		cur->failed = true;
		return NULL;
	}
	p = cur->data + cur->pos;
	cur->pos += n;
	return p;
}

uint32
insight_cursor_uint32(InsightCursor *cur)
{
	const uint8 *p = cursor_take(cur, 4);

	return p ? get_uint32(p) : 0;
}

uint64
insight_cursor_uint64(InsightCursor *cur)
{
	const uint8 *p = cursor_take(cur, 8);

	return p ? get_uint64(p) : 0;
}

double
insight_cursor_float8(InsightCursor *cur)
{
	uint64		bits = insight_cursor_uint64(cur);
	double		v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

float
insight_cursor_float4(InsightCursor *cur)
{
	uint32		bits = insight_cursor_uint32(cur);
	float		v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

bool
insight_cursor_bytes(InsightCursor *cur, size_t n, const uint8 **out)
{
	*out = cursor_take(cur, n);
	return *out != NULL;
}

bool
insight_cursor_done(const InsightCursor *cur)
{
	return !cur->failed && cur->pos == cur->len;
}
