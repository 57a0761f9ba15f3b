/*-------------------------------------------------------------------------
 *
 * insight.h
 *	  Module-wide declarations: configuration parameters (GUCs) defined in
 *	  insight.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_H
#define INSIGHT_H

/*
 * insight.max_training_memory (kB): the most memory a training function may
 * hold for an in-memory copy of its data; exceeding it is an error with a
 * hint, never an out-of-memory crash.
 */
extern int	insight_max_training_memory;
extern int	insight_min_group_size;

/*
 * insight.model_cache_size (kB): the most memory the model cache
 * (model_cache.c) keeps for decoded models between calls.
 */
extern int	insight_model_cache_size;

/* Error out (program_limit_exceeded) if 'bytes' exceeds the limit. */
extern void insight_check_training_memory(Size bytes, const char *what);

/*
 * The same for a lower bound of what the training will need (the rows read
 * so far, say): the message says "at least".
 */
extern void insight_check_training_memory_at_least(Size bytes, const char *what);

#endif							/* INSIGHT_H */
