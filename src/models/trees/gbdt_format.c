/*-------------------------------------------------------------------------
 *
 * gbdt_format.c
 *	  Parameter ranges and the validating reader of GBDT model payloads
 *	  (layout in gbdt_format.h).  No backend calls: the libFuzzer harness
 *	  (test/fuzz) runs this reader on mutated models.
 *
 * The parameters are XGBoost's (XGBoost 1.7 documentation, "XGBoost
 * Parameters"); the ranges are XGBoost's where it has them (eta, subsample
 * and colsample_bytree in (0, 1]; min_child_weight, lambda and alpha >= 0),
 * narrowed where a larger value only exhausts memory or time (max_depth,
 * rounds, max_bin).  early_stopping_rounds and validation_fraction are
 * insight's: the validation rows are the last ones the query returns, and
 * training stops as xgboost.train(early_stopping_rounds = k) does.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <float.h>
#include <math.h>

#include "models/trees/gbdt_format.h"

const GbdtParamSpec gbdt_params[GBDT_NUM_PARAMS] = {
	[GBDT_ROUNDS] = {"rounds", NULL, true, 1, false, 10000, 100,
	"an integer from 1 to 10000"},
	[GBDT_MAX_DEPTH] = {"max_depth", "max_depth", true, 1, false, 20, 6,
	"an integer from 1 to 20"},
	[GBDT_ETA] = {"eta", "eta", false, 0, true, 1, 0.3,
	"a number greater than 0 and at most 1"},
	[GBDT_SUBSAMPLE] = {"subsample", "subsample", false, 0, true, 1, 1,
	"a number greater than 0 and at most 1"},
	[GBDT_COLSAMPLE_BYTREE] = {"colsample_bytree", "colsample_bytree", false, 0, true, 1, 1,
	"a number greater than 0 and at most 1"},
	[GBDT_SEED] = {"seed", "seed", true, 0, false, 2147483647, 0,
	"an integer from 0 to 2147483647"},
	[GBDT_MIN_CHILD_WEIGHT] = {"min_child_weight", "min_child_weight", false, 0, false, 1e300, 1,
	"a number from 0 to 1e300"},
	[GBDT_LAMBDA] = {"lambda", "lambda", false, 0, false, 1e300, 1,
	"a number from 0 to 1e300"},
	[GBDT_ALPHA] = {"alpha", "alpha", false, 0, false, 1e300, 0,
	"a number from 0 to 1e300"},
	[GBDT_EARLY_STOPPING_ROUNDS] = {"early_stopping_rounds", NULL, true, 0, false, 10000, 0,
	"an integer from 0 (no early stopping) to 10000"},
	[GBDT_VALIDATION_FRACTION] = {"validation_fraction", NULL, false, 0, false, 0.9, 0,
	"a number from 0 (no validation rows) to 0.9"},
	[GBDT_MAX_BIN] = {"max_bin", "max_bin", true, 2, false, 1024, 256,
	"an integer from 2 to 1024"},
};

const char *const gbdt_tree_methods[GBDT_NUM_TREE_METHODS + 1] = {
	[GBDT_HIST] = "hist",
	[GBDT_APPROX] = "approx",
	[GBDT_EXACT] = "exact",
};

bool
gbdt_param_in_range(GbdtParamId id, double v)
{
	const GbdtParamSpec *s = &gbdt_params[id];

	if (!(s->min_open ? v > s->min : v >= s->min) || !(v <= s->max))
		return false;
	return !s->integer || v == floor(v);
}

bool
gbdt_name_valid(const uint8 *s, size_t len)
{
	if (len == 0 || len > GBDT_MAX_NAME || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			  (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

#define FAIL(...) \
	do { snprintf(errbuf, errbuflen, __VA_ARGS__); return false; } while (0)

bool
gbdt_view_read(const InsightModelHeader *header, const uint8 *payload, size_t len,
			   GbdtView *view, char *errbuf, size_t errbuflen)
{
	InsightCursor cur;
	size_t		names_start;

	memset(view, 0, sizeof(*view));
	view->features = header->counts[0];
	view->objective = header->counts[1];
	view->trees = header->counts[2];
	view->nnames = header->counts[3];
	view->flags = header->flags;
	if (view->features == 0 || view->features > GBDT_MAX_FEATURES)
		FAIL("A GBDT model cannot have %u features.", (unsigned) view->features);
	if (view->objective != GBDT_BINARY && view->objective != GBDT_REGRESSION)
		FAIL("GBDT objective %u is not known.", (unsigned) view->objective);
	if (view->nnames != 0 && view->nnames != view->features)
		FAIL("A GBDT model of %u features has %u feature names.",
			 (unsigned) view->features, (unsigned) view->nnames);

	insight_cursor_init(&cur, payload, len);
	view->rows = insight_cursor_uint64(&cur);
	view->skipped = insight_cursor_uint64(&cur);
	view->validation_rows = insight_cursor_uint64(&cur);
	view->positives = insight_cursor_uint64(&cur);
	view->rounds_trained = insight_cursor_uint32(&cur);
	view->params.tree_method = (int) insight_cursor_uint32(&cur);
	for (int i = 0; i < GBDT_NUM_PARAMS; i++)
		view->params.v[i] = insight_cursor_float8(&cur);
	view->train_metric = insight_cursor_float8(&cur);
	view->valid_metric = insight_cursor_float8(&cur);
	if (cur.failed)
		FAIL("The GBDT payload ends within its fixed fields.");

	for (int i = 0; i < GBDT_NUM_PARAMS; i++)
		if (!gbdt_param_in_range(i, view->params.v[i]))
			FAIL("GBDT parameter %s is %g, outside its range.",
				 gbdt_params[i].name, view->params.v[i]);
	if (view->params.tree_method < 1 || view->params.tree_method > GBDT_NUM_TREE_METHODS)
		FAIL("GBDT tree method %d is not known.", view->params.tree_method);
	if (view->rows == 0 || view->validation_rows >= view->rows ||
		view->positives > view->rows ||
		(view->objective == GBDT_REGRESSION && view->positives != 0))
		FAIL("The GBDT row counts do not add up.");
	if (view->trees == 0 || view->trees > view->rounds_trained ||
		view->rounds_trained > (uint32) view->params.v[GBDT_ROUNDS])
		FAIL("A GBDT model of %u rounds trained %u rounds (at most %g).",
			 (unsigned) view->trees, (unsigned) view->rounds_trained,
			 view->params.v[GBDT_ROUNDS]);
	if ((view->flags & GBDT_EARLY_STOPPED) && view->params.v[GBDT_EARLY_STOPPING_ROUNDS] == 0)
		FAIL("A GBDT model trained without early stopping is flagged as stopped early.");
	if (!isfinite(view->train_metric) || view->train_metric < 0 ||
		!isfinite(view->valid_metric) || view->valid_metric < 0 ||
		(view->validation_rows == 0 && view->valid_metric != 0))
		FAIL("The GBDT metrics are not finite numbers >= 0.");

	names_start = cur.pos;
	for (uint32 i = 0; i < view->nnames; i++)
	{
		uint32		n = insight_cursor_uint32(&cur);
		const uint8 *s;

		if (!insight_cursor_bytes(&cur, n, &s))
			FAIL("The GBDT payload ends within feature name %u.", (unsigned) i + 1);
		if (!gbdt_name_valid(s, n))
			FAIL("GBDT feature name %u is not a valid name.", (unsigned) i + 1);
	}
	view->names = payload + names_start;

	view->booster_len = insight_cursor_uint64(&cur);
	if (cur.failed || view->booster_len != (uint64) (cur.len - cur.pos))
		FAIL("The GBDT booster length does not match the rest of the payload.");
	view->booster = payload + cur.pos;
	/* a UBJ document of XGBoost's is one object: '{' ... '}' */
	if (view->booster_len < 2 || view->booster[0] != '{' ||
		view->booster[view->booster_len - 1] != '}')
		FAIL("The GBDT booster is not a Universal Binary JSON object.");
	return true;
}

#undef FAIL
