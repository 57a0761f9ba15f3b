/*-------------------------------------------------------------------------
 *
 * util.c
 *	  Feature arrays, bytea aggregate states, JSON output (see util.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/lsyscache.h"

#include "util.h"

bool
insight_read_features(ArrayType *array, int expected, const double **values, int *n)
{
	if (!insight_read_feature_array(array, expected, values, n))
		return false;
	insight_check_finite(*values, *n);
	return true;
}

void
insight_feature_array_error(ArrayType *array, int expected)
{
	int			len;

	if (ARR_ELEMTYPE(array) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("features must be a float8[] array")));
	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("features must be a one-dimensional array, not %d-dimensional",
						ARR_NDIM(array))));
	len = ARR_NDIM(array) == 0 ? 0 : ARR_DIMS(array)[0];
	if (expected >= 0 && len != expected)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("expected %d features, not %d", expected, len),
				 errdetail("Every feature array of a model must have the length it was trained with.")));
	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("features must not be an empty array")));
	elog(ERROR, "insight_feature_array_error called for a valid array");
}

void
insight_check_finite(const double *values, int n)
{
	for (int i = 0; i < n; i++)
		if (!isfinite(values[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("features must be finite"),
					 errdetail("Element %d is %s.", i + 1,
							   isnan(values[i]) ? "NaN" : "infinite"),
					 errhint("Replace NaN and Infinity before training or scoring, for example with NULL to skip the row.")));
}

ArrayType *
insight_array_arg_unpack(FunctionCallInfo fcinfo, int argno, InsightArrayBuf *buf)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));

	if (VARATT_IS_SHORT(v) && !VARATT_IS_EXTERNAL(v))
	{
		Size		len = VARSIZE_SHORT(v) - VARHDRSZ_SHORT;

		SET_VARSIZE(&buf->array, VARHDRSZ + len);
		memcpy(VARDATA(&buf->array), VARDATA_SHORT(v), len);
		return &buf->array;
	}
	return PG_GETARG_ARRAYTYPE_P(argno);
}

ArrayType *
insight_float8_array(const double *values, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		d[i] = Float8GetDatum(values[i]);
	return construct_array(d, n, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

void *
insight_state_new(FunctionCallInfo fcinfo, Size size)
{
	void	   *state = palloc0(size);

	(void) fcinfo;				/* kept so that callers read alike */
	SET_VARSIZE(state, size);
	return state;
}

ExpandedObjectHeader *
insight_expanded_state(Datum d, const ExpandedObjectMethods *methods, bool rw)
{
	if (!(rw ? VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d))
		  : VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d))))
		return NULL;
	return DatumGetEOHP(d)->eoh_methods == methods ? DatumGetEOHP(d) : NULL;
}

ExpandedObjectHeader *
insight_expanded_state_new(MemoryContext cxt, Size size, const ExpandedObjectMethods *methods)
{
	ExpandedObjectHeader *eoh;

	Assert(size >= sizeof(ExpandedObjectHeader));
	eoh = MemoryContextAllocZero(cxt, size);
	EOH_init_header(eoh, methods, cxt);
	return eoh;
}

void *
insight_state_get_copy(FunctionCallInfo fcinfo, int argno, Size minsize)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));
	struct varlena *value = pg_detoast_datum(raw);
	void	   *copy;

	if (VARSIZE(value) < minsize)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid aggregate state"),
				 errdetail("The state has %zu bytes, fewer than the %zu a state needs.",
						   (Size) VARSIZE(value), minsize)));
	/* a copy in the per-call context; the aggregate copies what we return */
	copy = palloc(VARSIZE(value));
	memcpy(copy, value, VARSIZE(value));
	return copy;
}

/* Append ', "key": ' */
static void
json_key(StringInfo buf, const char *key)
{
	appendStringInfoString(buf, ", ");
	escape_json(buf, key);
	appendStringInfoString(buf, ": ");
}

static void
json_number(StringInfo buf, double v)
{
	if (isfinite(v))
		appendStringInfoString(buf, float8out_internal(v));
	else
		appendStringInfoString(buf, "null");
}

void
insight_json_float8(StringInfo buf, const char *key, double v)
{
	json_key(buf, key);
	json_number(buf, v);
}

void
insight_json_int64(StringInfo buf, const char *key, int64 v)
{
	json_key(buf, key);
	appendStringInfo(buf, INT64_FORMAT, v);
}

void
insight_json_text(StringInfo buf, const char *key, const char *v)
{
	json_key(buf, key);
	escape_json(buf, v);
}

void
insight_json_float8_array(StringInfo buf, const char *key, const double *v, int n)
{
	json_key(buf, key);
	appendStringInfoChar(buf, '[');
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, ", ");
		json_number(buf, v[i]);
	}
	appendStringInfoChar(buf, ']');
}
