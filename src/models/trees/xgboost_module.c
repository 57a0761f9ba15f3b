/*-------------------------------------------------------------------------
 *
 * xgboost_module.c
 *	  The module insight_xgboost: the only code linked with XGBoost
 *	  (libxgboost, with OpenMP and libstdc++).  xgb.c loads it on the first
 *	  call of a GBDT function and is its only caller.
 *
 *	  Why a module of its own (as insight_blas, src/math/blas/): loading
 *	  libxgboost and what it needs takes about 28 ms (measured with dlopen on
 *	  the development machine), which every backend and parallel worker that
 *	  loads insight would pay otherwise; and XGBoost must never be loaded in
 *	  the postmaster: OpenMP's state does not survive fork(), and backends
 *	  forked from a postmaster that ran OpenMP code hang.  So this module
 *	  refuses to be preloaded (shared_preload_libraries), and insight.so,
 *	  which may be preloaded, neither links XGBoost nor loads this module in
 *	  its _PG_init: only SQL functions do (xgb.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <omp.h>

#include "fmgr.h"
#include "miscadmin.h"

#include "models/trees/xgb_api.h"

PG_MODULE_MAGIC;

void		_PG_init(void);
extern PGDLLEXPORT const InsightXgbApi *insight_xgb_api(void);

void
_PG_init(void)
{
	if (process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("insight_xgboost must not be preloaded"),
				 errdetail("XGBoost uses OpenMP, whose threads do not survive the fork of a backend from the postmaster."),
				 errhint("Remove insight_xgboost from shared_preload_libraries: insight loads it on first use.")));

	/*
	 * One OpenMP thread: parallelism comes from PostgreSQL's workers.  xgb.c
	 * loads this module with OMP_NUM_THREADS=1 as well, which covers the
	 * runtime's initial settings; this covers a libgomp loaded before.
	 */
	omp_set_num_threads(1);
}

const InsightXgbApi *
insight_xgb_api(void)
{
	static const InsightXgbApi api = {
		.Version = XGBoostVersion,
		.GetLastError = XGBGetLastError,
		.RegisterLogCallback = XGBRegisterLogCallback,
		.SetGlobalConfig = XGBSetGlobalConfig,
		.DMatrixCreateFromMat = XGDMatrixCreateFromMat_omp,
		.DMatrixSetFloatInfo = XGDMatrixSetFloatInfo,
		.DMatrixFree = XGDMatrixFree,
		.BoosterCreate = XGBoosterCreate,
		.BoosterFree = XGBoosterFree,
		.BoosterSetParam = XGBoosterSetParam,
		.BoosterUpdateOneIter = XGBoosterUpdateOneIter,
		.BoosterEvalOneIter = XGBoosterEvalOneIter,
		.BoosterSlice = XGBoosterSlice,
		.BoosterBoostedRounds = XGBoosterBoostedRounds,
		.BoosterGetNumFeature = XGBoosterGetNumFeature,
		.BoosterPredictFromDMatrix = XGBoosterPredictFromDMatrix,
		.BoosterPredictFromDense = XGBoosterPredictFromDense,
		.BoosterLoadModelFromBuffer = XGBoosterLoadModelFromBuffer,
		.BoosterSaveModelToBuffer = XGBoosterSaveModelToBuffer,
		.BoosterSetStrFeatureInfo = XGBoosterSetStrFeatureInfo,
	};

	return &api;
}
