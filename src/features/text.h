/*-------------------------------------------------------------------------
 *
 * text.h
 *	  Text without a dictionary: the tokeniser of reviews and the hashing of
 *	  its tokens into a fixed number of buckets (docs/reference/reviews.md).
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_TEXT_H
#define INSIGHT_TEXT_H

#include "postgres.h"

/* only the first 1 MiB of a text (in the server encoding) is tokenised */
#define INSIGHT_TEXT_MAX_BYTES		(1024 * 1024)
#define INSIGHT_TEXT_MAX_BUCKETS	(1 << 24)

/* the kinds of token */
#define INSIGHT_TOKEN_WORD			'w' /* a lower-cased word or number */
#define INSIGHT_TOKEN_BIGRAM		'b' /* two consecutive words */
#define INSIGHT_TOKEN_CHARGRAM		'c' /* 3 or 4 characters of "<word>" */
#define INSIGHT_TOKEN_CJK			'h' /* 1 or 2 consecutive CJK characters */
#define INSIGHT_TOKEN_EMOJI			'e' /* one emoji or pictograph */

/*
 * Called for each token, in the order of the text: its kind and its UTF-8
 * text, a[0..alen) followed, when b is not NULL, by a space and b[0..blen).
 */
typedef void (*InsightTokenFn) (char kind, const char *a, int alen,
								const char *b, int blen, void *arg);

/*
 * The part of a text value the tokeniser reads: its first
 * INSIGHT_TEXT_MAX_BYTES and one character more, fetched (and decompressed)
 * without the rest.
 */
extern text *insight_text_slice(Datum value);

/* Tokenise a text of the server encoding (errors for what cannot be read). */
extern void insight_text_tokenize(text *t, InsightTokenFn fn, void *arg);

/* The bucket of a token, in [0, buckets). */
extern int32 insight_token_bucket(char kind, const char *a, int alen,
								  const char *b, int blen, int32 buckets);

/*
 * The distinct buckets of a text's tokens, ascending, in a palloc'd array
 * (*out; NULL when there are none); returns how many.
 */
extern int	insight_text_buckets(text *t, int32 buckets, int32 **out);

/* Check a number of buckets given by the user (22023 outside 1 .. 2^24). */
extern void insight_check_buckets(int64 buckets);

#endif							/* INSIGHT_TEXT_H */
