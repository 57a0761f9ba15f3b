/*-------------------------------------------------------------------------
 *
 * xgb.c
 *	  The gateway to XGBoost (rules in xgb.h).  Every XGBoost call of insight
 *	  goes through the table this file gets from the module insight_xgboost
 *	  (xgboost_module.c), which it loads on the first call from a GBDT SQL
 *	  function: nothing here runs in _PG_init or in the postmaster.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <string.h>

#include "fmgr.h"
#include "utils/float.h"

#include "models/trees/xgb.h"

#define XGB_MODULE "$libdir/insight_xgboost"

static const InsightXgbApi *xgb_api = NULL;
static int	live_handles = 0;

/*
 * XGBoost's log messages: the callback runs inside XGBoost, where neither
 * palloc nor elog may be called (an error would longjmp over C++ frames), so
 * it copies the message into a static buffer; xgb_flush_log reports it after
 * the call.
 */
static char log_message[256];
static volatile bool log_pending = false;

static void
xgb_log_callback(const char *message)
{
	strlcpy(log_message, message, sizeof(log_message));
	log_pending = true;
}

static inline void
xgb_flush_log(void)
{
	if (log_pending)
	{
		log_pending = false;
		elog(DEBUG1, "xgboost: %s", log_message);
	}
}

const InsightXgbApi *
insight_xgb(void)
{
	InsightXgbApiFunction get_api;
	const InsightXgbApi *api;
	int			major,
				minor,
				patch;

	if (likely(xgb_api != NULL))
		return xgb_api;
	get_api = (InsightXgbApiFunction)
		load_external_function(XGB_MODULE, "insight_xgb_api", true, NULL);
	api = get_api();
	api->Version(&major, &minor, &patch);
	if (major != 1 || minor < 7)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("XGBoost %d.%d.%d is not supported", major, minor, patch),
				 errdetail("insight's GBDT functions need XGBoost 1.7 or a later 1.x release."),
				 errhint("Install the libxgboost0 package of Debian 12 (1.7.4).")));
	xgb_api = api;
	insight_xgb_check(api->RegisterLogCallback(xgb_log_callback), "register a log callback");
	insight_xgb_check(api->SetGlobalConfig("{\"verbosity\": 1}"), "set its verbosity");
	return api;
}

void
insight_xgb_check(int rc, const char *what)
{
	const char *raw;
	char	   *msg;
	char	   *cut;
	char	   *start;
	size_t		len;

	xgb_flush_log();
	if (rc == 0)
		return;
	raw = xgb_api->GetLastError();
	msg = pstrdup(raw ? raw : "");
	/* XGBoost appends a stack trace: keep what comes before it */
	if ((cut = strstr(msg, "Stack trace:")) != NULL)
		*cut = '\0';
	/* and prefixes "[hh:mm:ss] file:line: " */
	start = msg;
	if (start[0] == '[' && (cut = strstr(start, "] ")) != NULL)
		start = cut + 2;
	if ((cut = strstr(start, ": ")) != NULL && memchr(start, ':', cut - start) != NULL)
		start = cut + 2;
	len = strlen(start);
	while (len > 0 && (start[len - 1] == '\n' || start[len - 1] == ' ' || start[len - 1] == '.'))
		start[--len] = '\0';
	ereport(ERROR,
			(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
			 errmsg("xgboost could not %s", what),
			 errdetail("XGBoost reports: %s.", start[0] ? start : "no message")));
}

/* The memory context callback: free what the slot holds, never error. */
static void
xgb_handle_reset(void *arg)
{
	XgbHandle  *handle = (XgbHandle *) arg;

	if (handle->h == NULL)
		return;
	if (handle->booster)
		(void) xgb_api->BoosterFree(handle->h);
	else
		(void) xgb_api->DMatrixFree(handle->h);
	handle->h = NULL;
	live_handles--;
}

XgbHandle *
insight_xgb_handle(MemoryContext cxt, bool booster)
{
	XgbHandle  *handle = MemoryContextAllocZero(cxt, sizeof(XgbHandle));

	handle->booster = booster;
	handle->cb.func = xgb_handle_reset;
	handle->cb.arg = handle;
	MemoryContextRegisterResetCallback(cxt, &handle->cb);
	return handle;
}

void
insight_xgb_free(XgbHandle *handle)
{
	xgb_handle_reset(handle);
}

void
insight_xgb_adopt(XgbHandle *handle, void *h)
{
	Assert(handle->h == NULL);
	handle->h = h;
	live_handles++;
}

void
insight_xgb_dmatrix(XgbHandle *handle, const float *data, uint64 nrow, uint64 ncol)
{
	const InsightXgbApi *api = insight_xgb();
	DMatrixHandle h = NULL;

	insight_xgb_check(api->DMatrixCreateFromMat(data, nrow, ncol, get_float4_nan(), &h, 1),
					  "create a data matrix");
	insight_xgb_adopt(handle, h);
}

void
insight_xgb_booster(XgbHandle *handle, DMatrixHandle *dmats, int n)
{
	const InsightXgbApi *api = insight_xgb();
	BoosterHandle h = NULL;

	insight_xgb_check(api->BoosterCreate(dmats, (bst_ulong) n, &h), "create a booster");
	insight_xgb_adopt(handle, h);
	insight_xgb_set(handle, "nthread", "1");
}

void
insight_xgb_set(XgbHandle *booster, const char *name, const char *value)
{
	insight_xgb_check(xgb_api->BoosterSetParam(booster->h, name, value),
					  psprintf("set parameter %s", name));
}

int
insight_xgb_live_handles(void)
{
	return live_handles;
}
