/*-------------------------------------------------------------------------
 *
 * model_format.h
 *	  Backend interface to insight's binary model format: a writer that
 *	  produces a checksummed bytea, and a reader that validates a bytea
 *	  (whatever its storage: short header, compressed, out of line) and turns
 *	  every defect into "corrupt or unsupported model format" (SQLSTATE
 *	  XX001, data_corrupted).  The layout is documented in model_core.h.
 *
 * Writing:
 *	  InsightModelWriter w;
 *	  insight_writer_init(&w, INSIGHT_ALG_SCALER);
 *	  w.header.counts[0] = n;
 *	  insight_write_float8_array(&w, means, n);
 *	  bytea *value = insight_writer_finish(&w);
 *
 * Reading:
 *	  InsightModel m;
 *	  insight_model_open(&m, PG_GETARG_BYTEA_PP(0), INSIGHT_ALG_SCALER);
 *	  insight_model_expect_payload(&m, n * 16);		(before any allocation)
 *	  insight_read_float8_array(&m, means, n);
 *	  insight_model_close(&m);						(rejects trailing bytes)
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_MODEL_FORMAT_H
#define INSIGHT_MODEL_FORMAT_H

#include "lib/stringinfo.h"

#include "core/model_core.h"

typedef struct InsightModelWriter
{
	InsightModelHeader header;	/* caller sets counts and flags */
	StringInfoData payload;
} InsightModelWriter;

typedef struct InsightModel
{
	InsightModelHeader header;
	InsightCursor cur;			/* over the payload */
} InsightModel;

extern void insight_writer_init(InsightModelWriter *w, InsightAlgorithm algorithm);
extern void insight_write_uint32(InsightModelWriter *w, uint32 v);
extern void insight_write_uint64(InsightModelWriter *w, uint64 v);
extern void insight_write_float8(InsightModelWriter *w, double v);
extern void insight_write_float8_array(InsightModelWriter *w, const double *v, Size n);
extern void insight_write_float4_array(InsightModelWriter *w, const float *v, Size n);
extern void insight_write_text(InsightModelWriter *w, const char *s, Size len);
extern bytea *insight_writer_finish(InsightModelWriter *w);

/*
 * Validate 'value' (detoasted here) and position a cursor on its payload.
 * expected = 0 accepts any algorithm; otherwise a model of another algorithm
 * is an error naming both.
 */
extern void insight_model_open(InsightModel *m, bytea *value, int expected);

/*
 * Error (22023) unless a validated header is of algorithm 'expected': the
 * check of insight_model_open, for callers that read the header elsewhere.
 */
extern void insight_model_expect_algorithm(const InsightModelHeader *header,
										   uint16 expected);

/* Error unless the payload is exactly 'bytes' long (overflow-checked sizes). */
extern void insight_model_expect_payload(InsightModel *m, Size bytes);

extern uint32 insight_read_uint32(InsightModel *m);
extern uint64 insight_read_uint64(InsightModel *m);
extern double insight_read_float8(InsightModel *m);
extern void insight_read_float8_array(InsightModel *m, double *out, Size n);
extern void insight_read_float4_array(InsightModel *m, float *out, Size n);
/* A text written by insight_write_text, returned palloc'd and terminated. */
extern char *insight_read_text(InsightModel *m);

/* Error unless every payload byte was read and no read overran. */
extern void insight_model_close(InsightModel *m);

/* Raise "corrupt or unsupported model format" with the given detail. */
extern void insight_model_corrupt(const char *detail) pg_attribute_noreturn();

#endif							/* INSIGHT_MODEL_FORMAT_H */
