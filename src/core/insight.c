/*-------------------------------------------------------------------------
 *
 * insight.c
 *	  Module initialisation: configuration parameters.  (BLAS is set up by its
 *	  own module, loaded on first use: see linalg.c.)
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "utils/guc.h"

#include "core/insight.h"

PG_MODULE_MAGIC;

int			insight_max_training_memory = 1024 * 1024; /* kB, i.e. 1 GB */
int			insight_model_cache_size = 64 * 1024;	/* kB, i.e. 64 MB */
int			insight_min_group_size = 10;	/* customers */

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomIntVariable("insight.max_training_memory",
							"Largest in-memory copy of training data a training function may hold.",
							"Valid range is 1MB to 2TB. Training that needs more stops with an error.",
							&insight_max_training_memory,
							1024 * 1024,
							1024,
							INT_MAX,
							PGC_USERSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("insight.model_cache_size",
							"Memory each session may keep for decoded models between calls.",
							"Valid range is 0 to 2TB; 0 decodes a model at every call. "
							"The least recently used models go first; a model larger "
							"than this is decoded for its call alone.",
							&insight_model_cache_size,
							64 * 1024,
							0,
							INT_MAX,
							PGC_USERSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);
	/*
	 * Superuser-set (PGC_SUSET), like a privacy rule should be: a reader of
	 * the report cannot lower it for their own session; ALTER ROLE or ALTER
	 * DATABASE ... SET by a superuser can.
	 */
	DefineCustomIntVariable("insight.min_group_size",
							"Smallest group of customers whose own figures a report or chart shows.",
							"Valid range is 1 to 1000000. Smaller groups are merged into "
							"\"other\" or suppressed, and the report says so.",
							&insight_min_group_size,
							10,
							1,
							1000000,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("insight");
}

PG_FUNCTION_INFO_V1(insight_min_group_size_value);

/*
 * The value of insight.min_group_size.  Calling it loads the library, so the
 * parameter is defined (current_setting() alone would not see it in a session
 * that has not loaded insight yet).
 */
Datum
insight_min_group_size_value(PG_FUNCTION_ARGS)
{
	(void) fcinfo;
	PG_RETURN_INT32(insight_min_group_size);
}

static void
check_training_memory(Size bytes, const char *what, bool lower_bound)
{
	if (bytes / 1024 > (Size) insight_max_training_memory)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s needs %s%zu kB, more than insight.max_training_memory (%d kB)",
						what, lower_bound ? "at least " : "", bytes / 1024,
						insight_max_training_memory),
				 errhint("Raise insight.max_training_memory, or train on fewer rows.")));
}

void
insight_check_training_memory(Size bytes, const char *what)
{
	check_training_memory(bytes, what, false);
}

void
insight_check_training_memory_at_least(Size bytes, const char *what)
{
	check_training_memory(bytes, what, true);
}
