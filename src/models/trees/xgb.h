/*-------------------------------------------------------------------------
 *
 * xgb.h
 *	  The gateway to XGBoost inside a backend: loads the module
 *	  insight_xgboost on first use (never in the postmaster, never in
 *	  _PG_init), silences and routes XGBoost's logging, turns every failed
 *	  call into an ereport, and ties every XGBoost handle to a memory context
 *	  so that an error or a cancel frees it.
 *
 * Rules (issue 17, measured by hand on Debian 12's XGBoost 1.7.4):
 *	- one thread: nthread = 1 on every booster, set again after every load,
 *	  and OpenMP's default set to one thread by the module;
 *	- every call's return code checked; XGBoost's message, cut before its
 *	  stack trace, becomes the detail of an error (SQLSTATE 38000);
 *	- XGBoost's log messages (verbosity 1: warnings) go to a callback that
 *	  only copies them into a static buffer (no palloc, no elog inside it);
 *	  the gateway reports the last one as DEBUG1 after the call returns;
 *	- handles are created into an XgbHandle allocated in a memory context
 *	  with a reset callback (MemoryContextRegisterResetCallback) that frees
 *	  the handle when the context goes, on success, error or cancel alike.
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_XGB_H
#define INSIGHT_XGB_H

#include "utils/palloc.h"

#include "models/trees/xgb_api.h"

/* A booster or DMatrix handle owned by a memory context. */
typedef struct XgbHandle
{
	void	   *h;				/* NULL: none (freed, or never created) */
	bool		booster;		/* BoosterHandle, else DMatrixHandle */
	MemoryContextCallback cb;
} XgbHandle;

/* The XGBoost API, the module loaded and XGBoost configured on first call. */
extern const InsightXgbApi *insight_xgb(void);

/* Error (38000) with XGBoost's last message unless rc == 0. */
extern void insight_xgb_check(int rc, const char *what);

/* A handle slot in 'cxt', freed with it. */
extern XgbHandle *insight_xgb_handle(MemoryContext cxt, bool booster);

/* Take ownership of a handle XGBoost just created (its rc checked). */
extern void insight_xgb_adopt(XgbHandle *handle, void *h);

/* Free the handle now (no-op when it holds none). */
extern void insight_xgb_free(XgbHandle *handle);

/* Create a DMatrix of nrow x ncol floats (NaN: missing) into 'handle'. */
extern void insight_xgb_dmatrix(XgbHandle *handle, const float *data, uint64 nrow,
								uint64 ncol);

/* Create a booster over 'n' matrices into 'handle', with nthread = 1. */
extern void insight_xgb_booster(XgbHandle *handle, DMatrixHandle *dmats, int n);

/* Set one booster parameter. */
extern void insight_xgb_set(XgbHandle *booster, const char *name, const char *value);

/* Number of XGBoost handles this backend holds (diagnostics, tests). */
extern int	insight_xgb_live_handles(void);

#endif							/* INSIGHT_XGB_H */
