/*-------------------------------------------------------------------------
 *
 * rfm.c
 *	  insight_log_rfm: the inputs of the segments model before
 *	  standardisation, ARRAY[ln(1 + recency_days), ln(1 + frequency),
 *	  ln(1 + round(monetary, 6))], negative values counted as 0.
 *
 * The rounding is numeric's round(monetary::numeric, 6), as the SQL
 * function of version 0.1.0 computed it, so models trained by either give
 * the same bytes; NaN and infinite inputs, which that version passed
 * through as NaN or Infinity, are refused.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

#include "core/util.h"

static double
log_one_plus(double v, const char *name)
{
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be finite, not %g", name, v),
				 errdetail("The segments model takes the logarithm of recency, frequency and monetary value."),
				 errhint("Compute them with insight_rfm or insight_customer_features().")));
	return log(1.0 + Max(v, 0.0));	/* as SQL's ln(1 + v), to the bit */
}

PG_FUNCTION_INFO_V1(insight_log_rfm);
Datum
insight_log_rfm(PG_FUNCTION_ARGS)
{
	double		monetary = PG_GETARG_FLOAT8(2);
	double		out[3];

	out[0] = log_one_plus(PG_GETARG_FLOAT8(0), "recency_days");
	out[1] = log_one_plus(PG_GETARG_FLOAT8(1), "frequency");
	if (isfinite(monetary))
		monetary = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
													  DirectFunctionCall2(numeric_round,
																		  DirectFunctionCall1(float8_numeric, Float8GetDatum(monetary)),
																		  Int32GetDatum(6))));
	out[2] = log_one_plus(monetary, "monetary");
	PG_RETURN_ARRAYTYPE_P(insight_float8_array(out, 3));
}
