/*-------------------------------------------------------------------------
 *
 * gbdt_format.h
 *	  Gradient-boosted trees (algorithm "gbdt", id 13): the parameters with
 *	  their valid ranges, and the model payload with a reader that never
 *	  calls into the backend (it is also built into the libFuzzer harness,
 *	  test/fuzz).
 *
 * Model: the insight header (model_core.h) with
 *	  counts[0] = number of features d (1 .. GBDT_MAX_FEATURES)
 *	  counts[1] = objective (GBDT_BINARY: binary:logistic, GBDT_REGRESSION:
 *				  reg:squarederror)
 *	  counts[2] = boosting rounds (trees) in the booster, 1 .. rounds
 *	  counts[3] = number of feature names: 0 or d
 *	  flags bit 0 (GBDT_EARLY_STOPPED): training stopped early; the booster
 *				  was cut to the best round
 * and the payload
 *	  uint64 rows used (training + validation), uint64 rows skipped,
 *	  uint64 validation rows, uint64 rows with target true (binary, else 0),
 *	  uint32 rounds trained, uint32 tree method (GbdtTreeMethod),
 *	  float8 parameters[GBDT_NUM_PARAMS] (gbdt_params order, each in range),
 *	  float8 training metric, float8 validation metric (0 without validation;
 *				  logloss for binary, rmse for regression, at the kept round),
 *	  counts[3] x (uint32 length, name bytes): feature names, each matching
 *				  [A-Za-z_][A-Za-z0-9_]* and at most GBDT_MAX_NAME bytes,
 *	  uint64 length, then XGBoost's own model in Universal Binary JSON (UBJ,
 *				  XGBoosterSaveModelToBuffer format "ubj"), the rest of the
 *				  payload.
 *
 * Every byte XGBoost reads has passed the insight header's CRC-32C and these
 * checks first: XGBoost's loaders trust their input (a corrupted binary model
 * crashed the process in about one of six fuzzed cases), so only models
 * written by insight_gbdt_fit and intact reach it.  The CRC detects
 * corruption, not forgery: a value crafted with a matching checksum reaches
 * XGBoost's UBJ parser, which rejects malformed input with an error but is
 * not hardened against every well-formed lie (see README.md).
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_GBDT_FORMAT_H
#define INSIGHT_GBDT_FORMAT_H

#include "core/model_core.h"

#define GBDT_MAX_FEATURES 10000
#define GBDT_MAX_NAME 63
#define GBDT_EARLY_STOPPED 0x1

typedef enum GbdtObjective
{
	GBDT_BINARY = 1,
	GBDT_REGRESSION = 2
} GbdtObjective;

typedef enum GbdtTreeMethod
{
	GBDT_HIST = 1,
	GBDT_APPROX = 2,
	GBDT_EXACT = 3
} GbdtTreeMethod;

#define GBDT_NUM_TREE_METHODS 3

/* The numeric parameters, in the order of gbdt_params[] and of the payload. */
typedef enum GbdtParamId
{
	GBDT_ROUNDS,
	GBDT_MAX_DEPTH,
	GBDT_ETA,
	GBDT_SUBSAMPLE,
	GBDT_COLSAMPLE_BYTREE,
	GBDT_SEED,
	GBDT_MIN_CHILD_WEIGHT,
	GBDT_LAMBDA,
	GBDT_ALPHA,
	GBDT_EARLY_STOPPING_ROUNDS,
	GBDT_VALIDATION_FRACTION,
	GBDT_MAX_BIN,
	GBDT_NUM_PARAMS
} GbdtParamId;

typedef struct GbdtParamSpec
{
	const char *name;			/* the params key, and XGBoost's name if any */
	const char *xgb_name;		/* XGBoost parameter, or NULL: insight's own */
	bool		integer;
	double		min;
	bool		min_open;		/* value > min rather than >= min */
	double		max;
	double		dflt;
	const char *range;			/* the valid range, for the error hint */
} GbdtParamSpec;

extern const GbdtParamSpec gbdt_params[GBDT_NUM_PARAMS];
extern const char *const gbdt_tree_methods[GBDT_NUM_TREE_METHODS + 1];

/* The values of every parameter, indexed by GbdtParamId. */
typedef struct GbdtParams
{
	double		v[GBDT_NUM_PARAMS];
	int			tree_method;	/* GbdtTreeMethod */
} GbdtParams;

extern bool gbdt_param_in_range(GbdtParamId id, double v);
extern bool gbdt_name_valid(const uint8 *s, size_t len);

/* A validated model, pointing into the payload it was read from. */
typedef struct GbdtView
{
	uint32		features;
	uint32		objective;
	uint32		trees;
	uint32		nnames;
	uint32		flags;
	uint64		rows;
	uint64		skipped;
	uint64		validation_rows;
	uint64		positives;
	uint32		rounds_trained;
	GbdtParams	params;
	double		train_metric;
	double		valid_metric;
	const uint8 *names;			/* nnames x (uint32 length, bytes) */
	const uint8 *booster;		/* XGBoost's UBJ model */
	uint64		booster_len;
} GbdtView;

/*
 * Check a GBDT payload ('header' already validated by insight_model_check)
 * and fill *view.  Returns false with the reason in errbuf when any value is
 * out of range or the layout does not add up.
 */
extern bool gbdt_view_read(const InsightModelHeader *header, const uint8 *payload,
						   size_t len, GbdtView *view, char *errbuf, size_t errbuflen);

#endif							/* INSIGHT_GBDT_FORMAT_H */
