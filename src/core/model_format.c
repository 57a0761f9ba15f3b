/*-------------------------------------------------------------------------
 *
 * model_format.c
 *	  Backend writer and validating reader for insight model values.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/memutils.h"

#include "core/model_format.h"

void
insight_model_corrupt(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupt or unsupported model format"),
			 errdetail_internal("%s", detail),
			 errhint("Use a value produced by an insight fitting function or read from insight_models.weights.")));
}

void
insight_writer_init(InsightModelWriter *w, InsightAlgorithm algorithm)
{
	memset(&w->header, 0, sizeof(w->header));
	w->header.version = INSIGHT_FORMAT_VERSION;
	w->header.algorithm = (uint16) algorithm;
	initStringInfo(&w->payload);
}

void
insight_write_uint32(InsightModelWriter *w, uint32 v)
{
	uint8		b[4];

	insight_put_uint32(b, v);
	appendBinaryStringInfo(&w->payload, (char *) b, 4);
}

void
insight_write_uint64(InsightModelWriter *w, uint64 v)
{
	uint8		b[8];

	insight_put_uint64(b, v);
	appendBinaryStringInfo(&w->payload, (char *) b, 8);
}

void
insight_write_float8(InsightModelWriter *w, double v)
{
	uint64		bits;

	memcpy(&bits, &v, sizeof(bits));
	insight_write_uint64(w, bits);
}

void
insight_write_float8_array(InsightModelWriter *w, const double *v, Size n)
{
	for (Size i = 0; i < n; i++)
		insight_write_float8(w, v[i]);
}

void
insight_write_float4_array(InsightModelWriter *w, const float *v, Size n)
{
	for (Size i = 0; i < n; i++)
	{
		uint32		bits;

		memcpy(&bits, &v[i], sizeof(bits));
		insight_write_uint32(w, bits);
	}
}

void
insight_write_text(InsightModelWriter *w, const char *s, Size len)
{
	if (len > PG_UINT32_MAX)
		elog(ERROR, "text of %zu bytes is too long for a model", len);
	insight_write_uint32(w, (uint32) len);
	appendBinaryStringInfo(&w->payload, s, (int) len);
}

bytea *
insight_writer_finish(InsightModelWriter *w)
{
	Size		total = add_size(INSIGHT_HEADER_SIZE, (Size) w->payload.len);
	bytea	   *result;

	if (total > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model of %zu bytes exceeds the maximum size of a bytea value", total)));
	w->header.payload_length = (uint64) w->payload.len;
	result = (bytea *) palloc(VARHDRSZ + total);
	SET_VARSIZE(result, VARHDRSZ + total);
	insight_header_encode(&w->header, (const uint8 *) w->payload.data,
						  (uint8 *) VARDATA(result));
	memcpy(VARDATA(result) + INSIGHT_HEADER_SIZE, w->payload.data, w->payload.len);
	pfree(w->payload.data);
	return result;
}

void
insight_model_open(InsightModel *m, bytea *value, int expected)
{
	const uint8 *data;
	size_t		len;
	char		errbuf[INSIGHT_ERRBUF_SIZE];

	/* value came through PG_GETARG_BYTEA_PP: detoasted, maybe a short header */
	data = (const uint8 *) VARDATA_ANY(value);
	len = VARSIZE_ANY_EXHDR(value);

	if (!insight_model_check(data, len, &m->header, errbuf, sizeof(errbuf)))
		insight_model_corrupt(errbuf);

	if (expected != 0)
		insight_model_expect_algorithm(&m->header, (uint16) expected);

	insight_cursor_init(&m->cur, data + INSIGHT_HEADER_SIZE, len - INSIGHT_HEADER_SIZE);
}

void
insight_model_expect_algorithm(const InsightModelHeader *header, uint16 expected)
{
	if (header->algorithm != expected)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model is a \"%s\" model, not a \"%s\" model",
						insight_algorithm_name(header->algorithm),
						insight_algorithm_name(expected)),
				 errhint("Pass a model trained by the matching insight function.")));
}

void
insight_model_expect_payload(InsightModel *m, Size bytes)
{
	if ((uint64) bytes != m->header.payload_length)
		insight_model_corrupt(psprintf("A \"%s\" model with these counts has a %zu-byte payload, not %llu bytes.",
									   insight_algorithm_name(m->header.algorithm), bytes,
									   (unsigned long long) m->header.payload_length));
}

/* Error out as soon as a read overruns, so no caller uses a zero filler. */
static inline void
check_cursor(InsightModel *m)
{
	if (m->cur.failed)
		insight_model_corrupt("The payload ends before the values its header announces.");
}

uint32
insight_read_uint32(InsightModel *m)
{
	uint32		v = insight_cursor_uint32(&m->cur);

	check_cursor(m);
	return v;
}

uint64
insight_read_uint64(InsightModel *m)
{
	uint64		v = insight_cursor_uint64(&m->cur);

	check_cursor(m);
	return v;
}

double
insight_read_float8(InsightModel *m)
{
	double		v = insight_cursor_float8(&m->cur);

	check_cursor(m);
	return v;
}

void
insight_read_float8_array(InsightModel *m, double *out, Size n)
{
	if (n > (m->cur.len - m->cur.pos) / sizeof(double))
		m->cur.failed = true;
	check_cursor(m);
	for (Size i = 0; i < n; i++)
		out[i] = insight_cursor_float8(&m->cur);
}

void
insight_read_float4_array(InsightModel *m, float *out, Size n)
{
	if (n > (m->cur.len - m->cur.pos) / sizeof(float))
		m->cur.failed = true;
	check_cursor(m);
	for (Size i = 0; i < n; i++)
		out[i] = insight_cursor_float4(&m->cur);
}

char *
insight_read_text(InsightModel *m)
{
	uint32		len = insight_read_uint32(m);
	const uint8 *bytes;
	char	   *s;

	if (!insight_cursor_bytes(&m->cur, len, &bytes))
		check_cursor(m);
	s = palloc(len + 1);
	memcpy(s, bytes, len);
	s[len] = '\0';
	return s;
}

void
insight_model_close(InsightModel *m)
{
	check_cursor(m);
	if (!insight_cursor_done(&m->cur))
		insight_model_corrupt(psprintf("%zu bytes follow the last value of the payload.",
									   m->cur.len - m->cur.pos));
}
