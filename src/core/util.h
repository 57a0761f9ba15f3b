/*-------------------------------------------------------------------------
 *
 * util.h
 *	  Small helpers shared by every algorithm: feature-array validation,
 *	  bytea aggregate states, and JSON output for model info.
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_UTIL_H
#define INSIGHT_UTIL_H

#include "catalog/pg_type_d.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/execnodes.h"
#include "utils/array.h"
#include "utils/expandeddatum.h"

/*
 * Transition functions call some of these helpers for every row, where a
 * call into the server costs about as much as the row's own arithmetic (in
 * insight_logreg_irls_step, about a quarter of a pass's cost over a plain
 * scan), so their common cases are inline here and only their error and
 * copy paths are out of line, in util.c.
 */

/*
 * Read a float8[] of features.  Errors: 42804 when it is not a float8[];
 * 2202E when it is not one-dimensional, is empty or has a length other than
 * 'expected' (pass -1 when any length is fine); 22000 when it holds NaN or
 * Infinity.
 * Returns false, with *values untouched, when an element is NULL so the
 * caller can skip the row; otherwise sets *values (pointing into the array
 * or a palloc'd copy) and *n.
 */
extern bool insight_read_features(ArrayType *array, int expected,
								  const double **values, int *n);

/* The error of insight_read_feature_array for an array of the wrong shape. */
extern void insight_feature_array_error(ArrayType *array, int expected)
			pg_attribute_noreturn();

/*
 * insight_read_features without the check for NaN and Infinity, for a
 * caller that checks its rows a block at a time with insight_check_finite.
 */
static inline bool
insight_read_feature_array(ArrayType *array, int expected, const double **values, int *n)
{
	if (unlikely(ARR_ELEMTYPE(array) != FLOAT8OID || ARR_NDIM(array) != 1 ||
				 ARR_DIMS(array)[0] < 1 ||
				 (expected >= 0 && ARR_DIMS(array)[0] != expected)))
		insight_feature_array_error(array, expected);
	if (ARR_HASNULL(array))
		return false;
	*values = (double *) ARR_DATA_PTR(array);
	*n = ARR_DIMS(array)[0];
	return true;
}

/* The 22000 error of insight_read_features when values[0..n) is not all finite. */
extern void insight_check_finite(const double *values, int n);

/*
 * Room for an array stored with a 1-byte header (a short varlena: on disk,
 * every float8[] of up to 13 values), unpacked to the 4-byte form.
 */
typedef union InsightArrayBuf
{
	ArrayType	array;
	double		align;
	char		bytes[VARHDRSZ + VARATT_SHORT_MAX];
} InsightArrayBuf;

/* insight_array_arg for a value that is not a plain 4-byte varlena. */
extern ArrayType *insight_array_arg_unpack(FunctionCallInfo fcinfo, int argno,
										   InsightArrayBuf *buf);

/*
 * The array argument 'argno' (not NULL), as PG_GETARG_ARRAYTYPE_P but
 * without a palloc'd copy per row for a short array: that one is unpacked
 * into *buf, so the result lives as long as *buf.  An array stored with a
 * 4-byte header, neither compressed nor external, is used where it lies.
 */
static inline ArrayType *
insight_array_arg(FunctionCallInfo fcinfo, int argno, InsightArrayBuf *buf)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));

	if (!VARATT_IS_EXTENDED(v))
		return (ArrayType *) v;
	return insight_array_arg_unpack(fcinfo, argno, buf);
}

/* A one-dimensional float8[] holding n values. */
extern ArrayType *insight_float8_array(const double *values, int n);

/*
 * Aggregate states are bytea values (see docs/design.md, Scale: Citus pushes down
 * only non-internal states).  A state is a fixed struct that starts with the
 * varlena header; these helpers give a writable, MAXALIGNed pointer to it.
 */

/*
 * insight_state_get for any value but the aggregate's own transition value:
 * a copy, in the per-call context, of the detoasted value; too small a value
 * is an error.
 */
extern void *insight_state_get_copy(FunctionCallInfo fcinfo, int argno, Size minsize);

/*
 * The state argument 'argno' as a writable state of at least 'minsize'
 * bytes.  Argument 0 of a transition or combine function called as an
 * aggregate is the aggregate's own transition value, in its context, and is
 * updated in place.  Anything else is copied first, into the per-call
 * context: direct calls, values that are not aligned or are toasted, and
 * argument 1 of a combine function, which belongs to someone else (a
 * worker's partial state, or, in a user's aggregate whose transition
 * function is a combine function, a value in a table's buffer page).
 * Returns NULL for a NULL argument.  A state of the wrong size is an error
 * (not a crash).  "Called as an aggregate" is AggCheckCallContext's test,
 * inlined: the context is an AggState or a WindowAggState.
 */
static inline void *
insight_state_get(FunctionCallInfo fcinfo, int argno, Size minsize)
{
	struct varlena *raw;

	if (PG_ARGISNULL(argno))
		return NULL;
	raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));
	if (argno == 0 && !VARATT_IS_EXTENDED(raw) && VARSIZE(raw) >= minsize &&
		(uintptr_t) raw % MAXIMUM_ALIGNOF == 0 && fcinfo->context != NULL &&
		(IsA(fcinfo->context, AggState) || IsA(fcinfo->context, WindowAggState)))
		return raw;				/* the aggregate's own value: update in place */
	return insight_state_get_copy(fcinfo, argno, minsize);
}

/*
 * A zeroed state of 'size' bytes in the current (per-call) context.  When a
 * transition or combine function returns a pointer other than its input
 * state, nodeAgg copies it into the aggregate context and frees the old
 * state, so new and grown states are allocated here, never in the aggregate
 * context (that would leak one copy per group).
 */
extern void *insight_state_new(FunctionCallInfo fcinfo, Size size);

/*
 * Aggregate states that grow row by row (insight_customer_history,
 * insight_rows_pack) are expanded objects (utils/expandeddatum.h) while the
 * aggregate runs: the executor keeps a read-write expanded transition value
 * in place instead of copying it after every row, and flattens it into the
 * bytea only when it leaves the aggregate (a partial state, the final
 * function).  'methods' identifies the kind of state.
 */

/*
 * The expanded state that datum d is, or NULL when d is anything else (a
 * flat value, another kind of object); with rw, only a read-write one (the
 * aggregate's own transition value, to update in place).
 */
extern ExpandedObjectHeader *insight_expanded_state(Datum d, const ExpandedObjectMethods *methods, bool rw);

/*
 * A new expanded state of 'size' bytes (zeroed, the header first) living in
 * 'cxt', a child of the aggregate's context.
 */
extern ExpandedObjectHeader *insight_expanded_state_new(MemoryContext cxt, Size size,
													 const ExpandedObjectMethods *methods);

/*
 * JSON output for model info.  Each call appends ', "key": value' so that a
 * document is built as '{' + first field + these + '}'.  Non-finite doubles
 * are written as null.
 */
extern void insight_json_float8(StringInfo buf, const char *key, double v);
extern void insight_json_int64(StringInfo buf, const char *key, int64 v);
extern void insight_json_text(StringInfo buf, const char *key, const char *v);
extern void insight_json_float8_array(StringInfo buf, const char *key,
									  const double *v, int n);

#endif							/* INSIGHT_UTIL_H */
