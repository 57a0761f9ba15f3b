/*-------------------------------------------------------------------------
 *
 * model_core.h
 *	  The binary model format of insight: layout, algorithm ids, and a reader
 *	  and writer that never call into the backend.
 *
 * Every trained model is one bytea value:
 *
 *	 offset  size  field
 *	 0       4     magic "INSM"
 *	 4       2     format version (INSIGHT_FORMAT_VERSION)
 *	 6       2     algorithm id (InsightAlgorithm)
 *	 8       4     flags (meaning per algorithm; unknown bits are rejected)
 *	 12      4     reserved, must be zero
 *	 16      16    counts[4] (meaning per algorithm, e.g. number of features)
 *	 32      8     payload length in bytes
 *	 40      4     reserved, must be zero
 *	 44      4     CRC-32C (Castagnoli) of bytes 0..43 followed by the payload
 *	 48      ...   payload
 *
 * All integers and doubles are little-endian.  A bytea is only 4-byte
 * aligned, so values are assembled byte by byte, never read through a cast
 * pointer.  Readers validate the whole header, the exact payload length and
 * the checksum before they read a payload value, and every payload read is
 * bounds-checked again by the cursor.
 *
 * This file is compiled into the extension and, with FRONTEND defined, into
 * the libFuzzer harness (test/fuzz), so it reports errors through return
 * codes and a message buffer rather than ereport.  model_format.h wraps it
 * for backend code.
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_MODEL_CORE_H
#define INSIGHT_MODEL_CORE_H

#define INSIGHT_MAGIC_0 'I'
#define INSIGHT_MAGIC_1 'N'
#define INSIGHT_MAGIC_2 'S'
#define INSIGHT_MAGIC_3 'M'

#define INSIGHT_FORMAT_VERSION 1
#define INSIGHT_HEADER_SIZE 48
#define INSIGHT_HEADER_CRC_OFFSET 44
#define INSIGHT_NCOUNTS 4

/*
 * Algorithm ids are part of the on-disk format: never renumber, only add.
 * Ids are reserved here for every algorithm family the design names so that
 * parallel work on them does not collide.
 */
typedef enum InsightAlgorithm
{
	INSIGHT_ALG_SCALER = 1,		/* feature standardization (means, scales) */
	INSIGHT_ALG_LOGREG = 2,		/* logistic regression */
	INSIGHT_ALG_KMEANS = 3,		/* k-means */
	INSIGHT_ALG_BGNBD = 4,		/* BG/NBD */
	INSIGHT_ALG_PNBD = 5,		/* Pareto/NBD */
	INSIGHT_ALG_GAMMAGAMMA = 6, /* Gamma-Gamma spend */
	INSIGHT_ALG_ALS = 7,		/* implicit ALS */
	INSIGHT_ALG_ITEMKNN = 8,	/* item-kNN */
	INSIGHT_ALG_POPULARITY = 9, /* popularity baseline */
	INSIGHT_ALG_MLP = 10,		/* multilayer perceptron */
	INSIGHT_ALG_SEQUENCE = 11,	/* SASRec, a transformer sequence model */
	INSIGHT_ALG_TEXT = 12,		/* review sentiment model */
	INSIGHT_ALG_GBDT = 13,		/* gradient-boosted trees (XGBoost) */
	INSIGHT_ALG_MBGNBD = 14,	/* modified BG/NBD */
	INSIGHT_ALG_BGBB = 15		/* BG/BB, discrete opportunities */
} InsightAlgorithm;

#define INSIGHT_ALG_MAX 15

/* The decoded header. */
typedef struct InsightModelHeader
{
	uint16		version;
	uint16		algorithm;
	uint32		flags;
	uint32		counts[INSIGHT_NCOUNTS];
	uint64		payload_length;
	uint32		crc;
} InsightModelHeader;

/* Result of validation; the message buffer holds the reason on failure. */
#define INSIGHT_ERRBUF_SIZE 160

/*
 * A bounds-checked cursor over a payload.  After the first failed read,
 * 'failed' stays set and every further read returns zero, so a reader can
 * check once at the end (model_format.c turns a failure into an error).
 */
typedef struct InsightCursor
{
	const uint8 *data;
	size_t		len;
	size_t		pos;
	bool		failed;
} InsightCursor;

/* Algorithm name ("logreg", ...) or NULL when the id is not known. */
extern const char *insight_algorithm_name(uint16 algorithm);
/* Algorithm id for a name, or 0 when unknown. */
extern uint16 insight_algorithm_id(const char *name);

/*
 * Validate a whole model blob (header, length, checksum, and the payload of
 * the algorithms that have a payload validator).  Returns true and fills
 * *header when valid; otherwise returns false with the reason in errbuf.
 */
extern bool insight_model_check(const uint8 *data, size_t len,
								InsightModelHeader *header,
								char *errbuf, size_t errbuflen);

/* Encode a header (with the given payload, for the checksum) into out[48]. */
extern void insight_header_encode(const InsightModelHeader *header,
								  const uint8 *payload, uint8 *out);

/* CRC-32C over header bytes 0..43 and the payload. */
extern uint32 insight_model_crc(const uint8 *header_bytes,
								const uint8 *payload, size_t payload_len);

/* Cursor reads (little-endian). */
extern void insight_cursor_init(InsightCursor *cur, const uint8 *data, size_t len);
extern uint32 insight_cursor_uint32(InsightCursor *cur);
extern uint64 insight_cursor_uint64(InsightCursor *cur);
extern double insight_cursor_float8(InsightCursor *cur);
extern float insight_cursor_float4(InsightCursor *cur);
extern bool insight_cursor_bytes(InsightCursor *cur, size_t n, const uint8 **out);
/* True when the cursor consumed exactly all bytes without a failed read. */
extern bool insight_cursor_done(const InsightCursor *cur);

/* Little-endian encoders used by the writer. */
extern void insight_put_uint32(uint8 *out, uint32 v);
extern void insight_put_uint64(uint8 *out, uint64 v);

#endif							/* INSIGHT_MODEL_CORE_H */
