/*-------------------------------------------------------------------------
 *
 * xgb_api.h
 *	  The XGBoost C API functions insight uses, as a table of pointers that
 *	  the module insight_xgboost (xgboost_module.c, the only code linked with
 *	  libxgboost) hands to xgb.c.  Signatures as in XGBoost 1.7's
 *	  include/xgboost/c_api.h (Debian's libxgboost-dev 1.7.4).
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_XGB_API_H
#define INSIGHT_XGB_API_H

#include <xgboost/c_api.h>

typedef struct InsightXgbApi
{
	void		(*Version) (int *major, int *minor, int *patch);
	const char *(*GetLastError) (void);
	int			(*RegisterLogCallback) (void (*callback) (const char *));
	int			(*SetGlobalConfig) (const char *config);
	int			(*DMatrixCreateFromMat) (const float *data, bst_ulong nrow, bst_ulong ncol,
										 float missing, DMatrixHandle *out, int nthread);
	int			(*DMatrixSetFloatInfo) (DMatrixHandle handle, const char *field,
										const float *array, bst_ulong len);
	int			(*DMatrixFree) (DMatrixHandle handle);
	int			(*BoosterCreate) (const DMatrixHandle dmats[], bst_ulong len,
								  BoosterHandle *out);
	int			(*BoosterFree) (BoosterHandle handle);
	int			(*BoosterSetParam) (BoosterHandle handle, const char *name, const char *value);
	int			(*BoosterUpdateOneIter) (BoosterHandle handle, int iter, DMatrixHandle dtrain);
	int			(*BoosterEvalOneIter) (BoosterHandle handle, int iter, DMatrixHandle dmats[],
									   const char *evnames[], bst_ulong len,
									   const char **out_result);
	int			(*BoosterSlice) (BoosterHandle handle, int begin_layer, int end_layer,
								 int step, BoosterHandle *out);
	int			(*BoosterBoostedRounds) (BoosterHandle handle, int *out);
	int			(*BoosterGetNumFeature) (BoosterHandle handle, bst_ulong *out);
	int			(*BoosterPredictFromDMatrix) (BoosterHandle handle, DMatrixHandle dmat,
											  const char *config, const bst_ulong **out_shape,
											  bst_ulong *out_dim, const float **out_result);
	int			(*BoosterPredictFromDense) (BoosterHandle handle, const char *values,
											const char *config, DMatrixHandle m,
											const bst_ulong **out_shape, bst_ulong *out_dim,
											const float **out_result);
	int			(*BoosterLoadModelFromBuffer) (BoosterHandle handle, const void *buf,
											   bst_ulong len);
	int			(*BoosterSaveModelToBuffer) (BoosterHandle handle, const char *config,
											 bst_ulong *out_len, const char **out_dptr);
	int			(*BoosterSetStrFeatureInfo) (BoosterHandle handle, const char *field,
											 const char **features, bst_ulong size);
} InsightXgbApi;

/* The one entry point of the module insight_xgboost. */
typedef const InsightXgbApi *(*InsightXgbApiFunction) (void);

#endif							/* INSIGHT_XGB_API_H */
