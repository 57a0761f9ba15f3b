/*-------------------------------------------------------------------------
 *
 * sasrec_recommender.h
 *	  SASRec (models/deep/sasrec.h) served as a recommender: the algorithm
 *	  table's entry for algorithm "sasrec" reads a model into a RecModel
 *	  (models/recsys/recommend.h) whose users are the customers of the
 *	  model's histories, so the generic entry points of serving.c
 *	  (insight_recommend_from, insight_similar_items_from) and the
 *	  recommender task's metrics treat it as any recommender.
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_SASREC_RECOMMENDER_H
#define INSIGHT_SASREC_RECOMMENDER_H

#include "lib/stringinfo.h"

#include "core/model_format.h"

extern void *sasrec_recommender_decode(InsightModel *m);
extern void sasrec_recommender_info(const void *model, StringInfo buf);
extern void sasrec_score_items(const void *model, int32 user, double *scores);
extern void sasrec_similar_items(const void *model, int32 item, double *scores);

#endif							/* INSIGHT_SASREC_RECOMMENDER_H */
