/*-------------------------------------------------------------------------
 *
 * algorithms.c
 *	  insight_model_info(bytea): the header of any model and, through the
 *	  algorithm's own info function, its parameters, as jsonb.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "models/clv/clv_model.h"
#include "models/cluster/kmeans.h"
#include "core/model_format.h"
#include "models/linear/logreg.h"
#include "models/recsys/recommend.h"
#include "models/trees/gbdt.h"
#include "features/scaler.h"
#include "core/util.h"

typedef void (*InsightInfoFunction) (InsightModel *m, StringInfo buf);

/* One entry per algorithm that this build can describe. */
static const InsightInfoFunction info_functions[INSIGHT_ALG_MAX + 1] = {
	[INSIGHT_ALG_SCALER] = insight_scaler_info,
	[INSIGHT_ALG_LOGREG] = insight_logreg_info,
	[INSIGHT_ALG_BGNBD] = insight_clv_model_info,
	[INSIGHT_ALG_PNBD] = insight_clv_model_info,
	[INSIGHT_ALG_GAMMAGAMMA] = insight_clv_model_info,
	[INSIGHT_ALG_KMEANS] = insight_kmeans_info,
	[INSIGHT_ALG_ALS] = insight_als_info,
	[INSIGHT_ALG_ITEMKNN] = insight_itemknn_info,
	[INSIGHT_ALG_POPULARITY] = insight_popularity_info,
	[INSIGHT_ALG_GBDT] = insight_gbdt_info,
};

PG_FUNCTION_INFO_V1(insight_model_info);
Datum
insight_model_info(PG_FUNCTION_ARGS)
{
	InsightModel m;
	StringInfoData buf;
	const char *name;

	insight_model_open(&m, PG_GETARG_BYTEA_PP(0), 0);
	name = insight_algorithm_name(m.header.algorithm);

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"format\": \"insight model\"");
	insight_json_int64(&buf, "format_version", m.header.version);
	insight_json_text(&buf, "algorithm", name);
	insight_json_int64(&buf, "flags", m.header.flags);
	insight_json_int64(&buf, "payload_bytes", (int64) m.header.payload_length);
	insight_json_text(&buf, "checksum", psprintf("%08x", m.header.crc));
	if (info_functions[m.header.algorithm] == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("models of algorithm \"%s\" cannot be described by this build", name)));
	info_functions[m.header.algorithm] (&m, &buf);
	appendStringInfoChar(&buf, '}');

	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
