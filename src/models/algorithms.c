/*-------------------------------------------------------------------------
 *
 * algorithms.c
 *	  The algorithm table (see algorithms.h), the lookup every generic entry
 *	  point reads models through, and insight_model_info(bytea): the header
 *	  of any model and, through its algorithm's info, its parameters.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "core/model_cache.h"
#include "core/util.h"
#include "features/scaler.h"
#include "models/algorithms.h"
#include "models/cluster/kmeans.h"
#include "models/clv/clv_model.h"
#include "models/deep/mlp.h"
#include "models/deep/sasrec.h"
#include "models/linear/logreg.h"
#include "models/recsys/recommend.h"
#include "models/sasrec_recommender.h"
#include "models/text/sentiment.h"
#include "models/trees/gbdt.h"

/*
 * One entry per algorithm this build reads, by id.
 */
static const InsightAlgorithmDef definitions[INSIGHT_ALG_MAX + 1] = {
	[INSIGHT_ALG_SCALER] = {
		.fit = "insight_scaler_fit",
		.read = insight_scaler_decode,
		.info = insight_scaler_info,
	},
	[INSIGHT_ALG_LOGREG] = {
		.fit = "insight_logreg_fit",
		.read = insight_logreg_decode,
		.info = insight_logreg_info,
		.features = insight_logreg_features,
		.predict = insight_logreg_predict_row,
		.contributions = insight_logreg_contributions_row,
	},
	[INSIGHT_ALG_KMEANS] = {
		.fit = "insight_kmeans_fit",
		.read = insight_kmeans_decode,
		.info = insight_kmeans_info,
	},
	[INSIGHT_ALG_BGNBD] = {
		.fit = "insight_bgnbd_fit",
		.read = clv_model_decode,
		.info = insight_clv_model_info,
	},
	[INSIGHT_ALG_PNBD] = {
		.fit = "insight_pnbd_fit",
		.read = clv_model_decode,
		.info = insight_clv_model_info,
	},
	[INSIGHT_ALG_GAMMAGAMMA] = {
		.fit = "insight_gammagamma_fit",
		.read = clv_model_decode,
		.info = insight_clv_model_info,
	},
	[INSIGHT_ALG_ALS] = {
		.fit = "insight_als_fit",
		.read = als_decode,
		.info = als_info,
		.score_items = als_score_items,
		.similar_items = als_similar_items,
		.score_users = als_score_users,
	},
	[INSIGHT_ALG_ITEMKNN] = {
		.fit = "insight_itemknn_fit",
		.read = itemknn_decode,
		.info = itemknn_info,
		.score_items = itemknn_score_items,
		.similar_items = itemknn_similar_items,
		.score_users = itemknn_score_users,
	},
	[INSIGHT_ALG_POPULARITY] = {
		.fit = "insight_popularity_fit",
		.read = popularity_decode,
		.info = popularity_info,
		.score_items = popularity_score_items,
	},
	[INSIGHT_ALG_MLP] = {
		.fit = "insight_mlp_fit",
		.read = insight_mlp_decode,
		.info = insight_mlp_info,
		.features = insight_mlp_features,
		.predict = insight_mlp_predict_row,
		.contributions = insight_mlp_contributions_row,
	},
	[INSIGHT_ALG_SEQUENCE] = {
		.fit = "insight_sasrec_fit",
		.read = sasrec_recommender_decode,
		.info = sasrec_recommender_info,
		.score_items = sasrec_score_items,
		.similar_items = sasrec_similar_items,
		.score_items_flag = SASREC_FLAG_HISTORY,
		.score_items_hint = "Add the histories with insight_sasrec_with_history(model, query), or train through insight_train_recommender('sasrec').",
	},
	[INSIGHT_ALG_TEXT] = {
		.fit = "insight_text_fit",
		.read = insight_text_decode,
		.info = insight_text_info,
	},
	[INSIGHT_ALG_GBDT] = {
		.fit = "insight_gbdt_fit",
		.read = insight_gbdt_decode,
		.info = insight_gbdt_info_model,
		.features = insight_gbdt_features,
		.predict = insight_gbdt_predict_row,
		.contributions = insight_gbdt_contributions_row,
	},
	[INSIGHT_ALG_MBGNBD] = {
		.fit = "insight_mbgnbd_fit",
		.read = clv_model_decode,
		.info = insight_clv_model_info,
	},
	[INSIGHT_ALG_BGBB] = {
		.fit = "insight_bgbb_fit",
		.read = clv_model_decode,
		.info = insight_clv_model_info,
	},
};

/* Whether an entry has an operation. */
static bool
has_operation(const InsightAlgorithmDef *def, InsightOperation op)
{
	switch (op)
	{
		case INSIGHT_OP_INFO:
			return def->info != NULL;
		case INSIGHT_OP_PREDICT:
			return def->predict != NULL;
		case INSIGHT_OP_CONTRIBUTIONS:
			return def->contributions != NULL;
		case INSIGHT_OP_SCORE_ITEMS:
			return def->score_items != NULL;
		case INSIGHT_OP_SIMILAR_ITEMS:
			return def->similar_items != NULL;
		case INSIGHT_OP_SCORE_USERS:
			return def->score_users != NULL;
	}
	return false;
}

/*
 * How a missing operation is reported: the message, with the algorithm's
 * name, and what the models that have it do.
 */
typedef struct MissingOperation
{
	const char *message;
	const char *what;
} MissingOperation;

static const MissingOperation missing_operation[] = {
	[INSIGHT_OP_INFO] = {"models of algorithm \"%s\" cannot be described by this build", "are described"},
	[INSIGHT_OP_PREDICT] = {"a %s model cannot predict from features", "predict from features"},
	[INSIGHT_OP_CONTRIBUTIONS] = {"a %s model has no feature contributions", "have feature contributions"},
	[INSIGHT_OP_SCORE_ITEMS] = {"model is a \"%s\" model, not a recommender", "recommend items"},
	[INSIGHT_OP_SIMILAR_ITEMS] = {"a %s model has no item similarity", "have item similarity"},
	[INSIGHT_OP_SCORE_USERS] = {"a %s model cannot target customers", "target customers"},
};

/*
 * The algorithms that have 'op', as "a, b or c": their names, or (fits) the
 * functions that train them.
 */
static char *
algorithms_with(InsightOperation op, bool fits, const char *last)
{
	StringInfoData buf;
	int			total = 0;
	int			seen = 0;

	for (int id = 1; id <= INSIGHT_ALG_MAX; id++)
		total += definitions[id].read != NULL && has_operation(&definitions[id], op);
	initStringInfo(&buf);
	for (int id = 1; id <= INSIGHT_ALG_MAX; id++)
	{
		if (definitions[id].read == NULL || !has_operation(&definitions[id], op))
			continue;
		if (seen > 0)
			appendStringInfoString(&buf, seen == total - 1 ? last : ", ");
		appendStringInfoString(&buf, fits ? definitions[id].fit : insight_algorithm_name(id));
		seen++;
	}
	return buf.data;
}

/*
 * The entry of an algorithm that has 'op'.  Errors: 0A000 for an algorithm
 * this build cannot read, or without the operation; 22023 for a model that
 * is not a recommender given to a recommender's operation.
 */
static const InsightAlgorithmDef *
algorithm_for(uint16 algorithm, InsightOperation op)
{
	const InsightAlgorithmDef *def = &definitions[algorithm];
	const char *name = insight_algorithm_name(algorithm);

	if (def->read == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("models of algorithm \"%s\" cannot be read by this build", name),
				 errhint("Use a version of insight that has the algorithm.")));
	if (has_operation(def, op))
		return def;
	if (op >= INSIGHT_OP_SCORE_ITEMS && def->score_items == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg(missing_operation[INSIGHT_OP_SCORE_ITEMS].message, name),
				 errhint("Pass a model from %s.",
						 algorithms_with(INSIGHT_OP_SCORE_ITEMS, true, " or "))));
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg(missing_operation[op].message, name),
			 errdetail("Only %s models %s.", algorithms_with(op, false, " and "),
					   missing_operation[op].what),
			 errhint("Use a model from %s.", algorithms_with(op, true, " or "))));
	return NULL;				/* keep the compiler quiet */
}

/* The model cache's lookup for the generic entry points: any algorithm. */
static InsightModelReader
table_lookup(const InsightModelHeader *header, int expected pg_attribute_unused())
{
	return algorithm_for(header->algorithm, INSIGHT_OP_INFO)->read;
}

const InsightAlgorithmDef *
insight_model_for(FunctionCallInfo fcinfo, int argno, InsightOperation op,
				  const void **model)
{
	InsightModelHeader header;

	const InsightAlgorithmDef *def;

	*model = insight_model_cache_get(fcinfo, argno, table_lookup, 0, &header);
	def = algorithm_for(header.algorithm, op);
	if (op == INSIGHT_OP_SCORE_ITEMS && (header.flags & def->score_items_flag) != def->score_items_flag)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("this %s model has no customers to recommend for",
						insight_algorithm_name(header.algorithm)),
				 errdetail("Its header lacks flag 0x%x: it was saved without what it needs to score a customer's items.",
						   def->score_items_flag),
				 errhint("%s", def->score_items_hint)));
	return def;
}

PG_FUNCTION_INFO_V1(insight_model_info);
Datum
insight_model_info(PG_FUNCTION_ARGS)
{
	InsightModel m;
	StringInfoData buf;
	const InsightAlgorithmDef *def;
	const char *name;

	/* not cached: describing every stored model must not evict served ones */
	insight_model_open(&m, PG_GETARG_BYTEA_PP(0), 0);
	name = insight_algorithm_name(m.header.algorithm);

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"format\": \"insight model\"");
	insight_json_int64(&buf, "format_version", m.header.version);
	insight_json_text(&buf, "algorithm", name);
	insight_json_int64(&buf, "flags", m.header.flags);
	insight_json_int64(&buf, "payload_bytes", (int64) m.header.payload_length);
	insight_json_text(&buf, "checksum", psprintf("%08x", m.header.crc));
	def = algorithm_for(m.header.algorithm, INSIGHT_OP_INFO);
	def->info(def->read(&m), &buf);
	appendStringInfoChar(&buf, '}');

	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
