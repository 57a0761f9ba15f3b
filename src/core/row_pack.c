/*-------------------------------------------------------------------------
 *
 * row_pack.c
 *	  The rows of an in-memory trainer collected by an aggregate:
 *	  insight_rows_pack(key, features, label) packs (key text, features
 *	  float8[], label float8) rows into one bytea, and
 *	  insight_rows_unpack(packed) gives them back as rows, in key order;
 *	  insight_interactions_pack(customer, item, value) and
 *	  insight_interactions_unpack(packed) do the same for a recommender's
 *	  interactions (two text keys and a number).
 *
 * An in-memory trainer (GBDT, the MLPs) reads every training row once into
 * its own memory.  Over a Citus table distributed by customer, reading the
 * rows means one result row per customer from every shard; collecting them
 * with this aggregate instead runs the collection on the shards (Citus's
 * worker_partial_agg: each shard packs its rows into one state) and only the
 * states, one per shard, reach the coordinator, which concatenates them
 * (the combine function) and sorts the rows by key (the final function):
 *
 *	  SELECT u.features, u.label OPERATOR(pg_catalog.=) 1
 *	    FROM insight_rows_unpack((SELECT insight_rows_pack(t.customer_id, t.features, t.label)
 *	                                FROM training_rows t)) u
 *
 * The order of the rows a trainer sees changes its model (an MLP's
 * mini-batches, the order of sums), so the rows come out in one order
 * whatever the split: by key with the database's default collation, as
 * ORDER BY key would sort them (NULL keys last), rows of equal keys by their
 * bytes.  A trainer that reads the same rows ORDER BY key on a single node
 * therefore fits the same model, to the last bit, when the keys are unique.
 *
 * The recommenders' trainers (insight_als_fit, insight_itemknn_fit,
 * insight_popularity_fit) read (customer, item, value) interactions; they
 * number the keys in byte order and sum duplicate pairs after sorting them,
 * so the order of the rows does not matter to them, and the interactions
 * collected on the shards by insight_interactions_pack give the model of the
 * rows read on a single node, to the last bit.
 *
 * The packed value (the bytea), after a header (int32 format, int64 number
 * of records), holds one record per row, compact, unaligned and read byte
 * by byte, of one kind.  Rows of features (format "ROWC"):
 *
 *	  the key, the label (a value), varint n_features + 1 (0: a NULL
 *	  array), then each feature (a value; a NULL element: the tag alone)
 *
 * (about 8 + 9 x features bytes for a 5-character key, 2 bytes for a
 * feature that is a small integer, where the first records took a 24-byte
 * header, the key padded to 8 and 8 bytes a feature).  Interactions
 * (format "PAIR"; about 15 bytes for a 5-character customer, a 6-character
 * item and a count, where a record of features took 40):
 *
 *	  the customer (a key), the item (a key), the value (a value)
 *
 * a key: varint length + 1 (0: NULL), then its bytes; a value: a tag byte,
 * 0 NULL, 1 an integer of magnitude below 2^53 (not -0.0) as a zig-zag
 * varint, 2 any other float8 as its 8 bytes (the machine's order: NaN's
 * payload, -0.0 and the infinities kept to the bit).  Varints: 7 bits a
 * byte, low bits first, the high bit set on every byte but the last; no
 * needless trailing zero byte, and an integer never stored as 8 bytes, so
 * one value has one encoding, and so has one row: equal rows, equal bytes.
 * Both kinds share the writers and readers of keys and values.  A state of
 * interactions that leaves the aggregate (its flat form: a Citus shard's
 * partial state, a parallel worker's) takes a third form when smaller,
 * "PDIC": its items and customers once each, each customer's pairs under it
 * (see dict_decode), read back as records.  Rows of features have no such
 * form: their keys (customers) are unique, and a dictionary of their
 * values would not be smaller.  The combine and final functions serve both
 * aggregates, and each unpack function refuses the other's records.
 *
 * NULLs are kept (keys, arrays, elements, labels, values), so that what a
 * trainer skips (a NULL label, array or element) it still sees, and counts,
 * and what it refuses (NaN, Infinity, arrays of different lengths) it still
 * refuses, with its own error.  While the aggregate runs,
 * the state is an expanded object (utils/expandeddatum.h) whose buffer grows
 * by doubling in a memory context under the aggregate's, kept in place by
 * the executor; its flat form, wherever it leaves the aggregate (a Citus
 * shard's partial state, a parallel worker's, the final value), has no spare
 * room.  Packed values from outside (a user's bytea) are checked record by
 * record before use, keys included (text valid in the database's encoding):
 * a malformed one is 22P03 (wrong header) or XX001.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"
#include "utils/varlena.h"

#include "core/util.h"

#define ROW_PACK_FORMAT 0x43574F52	/* "ROWC": rows of features */
#define PAIR_PACK_FORMAT 0x52494150	/* "PAIR": interactions */

typedef struct RowPack
{
	int32		vl_len_;
	int32		format;
	int64		n_rows;
	/* records follow */
} RowPack;

#define ROW_PACK_HEADER MAXALIGN(sizeof(RowPack))

static void
pack_corrupted(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid packed rows"),
			 errdetail("%s", detail),
			 errhint("Pass the value that insight_rows_pack returned, unchanged.")));
}

/*
 * The pieces of the records of both kinds (see the header): varints, a key
 * (its length + 1 as a varint, 0 for NULL, then its bytes) and a tagged
 * value (a tag byte, then an integer as a zig-zag varint or 8 bytes).
 * Records are unaligned and read byte by byte.
 */
#define VALUE_NULL 0
#define VALUE_INT 1
#define VALUE_FLOAT8 2
#define VALUE_MAX_BYTES (1 + sizeof(float8))	/* a tag and 8 bytes */
#define LEN_BYTES 5				/* a varint of a length + 1 (< 2^31) */
#define INT_BYTES 8				/* a zig-zag varint below 2^54 - 1 */
#define INT_LIMIT 9007199254740992.0	/* 2^53 */

static inline char *
varint_write(char *out, uint64 v)
{
	while (v >= 0x80)
	{
		*out++ = (char) ((v & 0x7F) | 0x80);
		v >>= 7;
	}
	*out++ = (char) v;
	return out;
}

/*
 * A varint of at most max_bytes bytes at *pos of 'avail' bytes: false when
 * it runs past them, is longer, or ends with a needless zero byte.
 */
static inline bool
varint_read(const unsigned char *p, Size avail, Size *pos, int max_bytes, uint64 *v)
{
	uint64		r = 0;

	for (int i = 0; i < max_bytes; i++)
	{
		unsigned char b;

		if (*pos >= avail)
			return false;
		b = p[(*pos)++];
		r |= (uint64) (b & 0x7F) << (7 * i);
		if ((b & 0x80) == 0)
		{
			if (b == 0 && i > 0)
				return false;
			*v = r;
			return true;
		}
	}
	return false;
}

/*
 * The integer a value is stored as (tag 1), if it is one: an integer of
 * magnitude below 2^53, not -0.0 (so it comes back with the same bits).
 */
static inline bool
value_as_int(float8 d, int64 *v)
{
	int64		iv;

	/* (the conversion truncates: equal when d is an integer; not trunc(), a call) */
	if (!(fabs(d) < INT_LIMIT))
		return false;
	iv = (int64) d;
	if ((float8) iv != d || (iv == 0 && signbit(d)))
		return false;
	*v = iv;
	return true;
}

/* A key (NULL for NULL) at 'o'; the end. */
static inline char *
key_write(char *o, const char *key, int32 key_len)
{
	o = varint_write(o, key ? (uint64) key_len + 1 : 0);
	if (key_len > 0)
	{
		memcpy(o, key, key_len);
		o += key_len;
	}
	return o;
}

/* A tagged value at 'o' (at most VALUE_MAX_BYTES); the end. */
static inline char *
value_write(char *o, bool isnull, float8 value)
{
	int64		iv;

	if (isnull)
		*o++ = VALUE_NULL;
	else if (value_as_int(value, &iv))
	{
		*o++ = VALUE_INT;
		o = varint_write(o, ((uint64) iv << 1) ^ (uint64) (iv >> 63));
	}
	else
	{
		*o++ = VALUE_FLOAT8;
		memcpy(o, &value, sizeof(float8));
		o += sizeof(float8);
	}
	return o;
}

/* A key at *pos of 'avail' bytes: its length + 1 (0 NULL), then its bytes. */
static inline bool
key_read(const unsigned char *p, Size avail, Size *pos, const char **key, int32 *key_len)
{
	uint64		v;

	if (!varint_read(p, avail, pos, LEN_BYTES, &v))
		return false;
	if (v == 0)
	{
		*key = NULL;
		*key_len = -1;
		return true;
	}
	if (v - 1 > avail - *pos)
		return false;
	*key = (const char *) p + *pos;
	*key_len = (int32) (v - 1);
	*pos += v - 1;
	return true;
}

/*
 * A tagged value at *pos of 'avail' bytes: NULL, or what is wrong with it.
 * Each value has one encoding: an integer stored as 8 bytes is refused.
 */
static inline const char *
value_read(const unsigned char *p, Size avail, Size *pos, bool *isnull, float8 *value)
{
	uint64		v;
	int64		iv;

	if (*pos >= avail)
		return "A record runs past the end of the value.";
	switch (p[(*pos)++])
	{
		case VALUE_NULL:
			*isnull = true;
			*value = 0.0;
			return NULL;
		case VALUE_INT:
			if (!varint_read(p, avail, pos, INT_BYTES, &v) ||
				v >= ((uint64) 1 << 54) - 1)
				return "A record's integer value is not well-formed or runs past the end of the value.";
			*isnull = false;
			*value = (float8) ((int64) (v >> 1) ^ -(int64) (v & 1));
			return NULL;
		case VALUE_FLOAT8:
			if (avail - *pos < sizeof(float8))
				return "A record runs past the end of the value.";
			memcpy(value, p + *pos, sizeof(float8));
			*pos += sizeof(float8);
			*isnull = false;
			if (value_as_int(*value, &iv))
				return "A record's value is an integer stored as a float8.";
			return NULL;
		default:
			return "A record's value has an unknown tag.";
	}
}

static inline bool
key_is_text(const char *key, int32 key_len)
{
	/* keys come back as text: valid in the database's encoding, no NUL */
	return key_len <= 0 || pg_verify_mbstr(GetDatabaseEncoding(), key, key_len, true);
}

/*
 * Rows of features' records ("ROWC"): the key, the label (a tagged value),
 * the number of features + 1 as a varint (0: a NULL array), then each
 * feature a tagged value (a NULL element: the tag alone).  The largest:
 * two varints of 5 bytes, the key, 9 bytes a value.
 */
#define ROW_COUNT_BYTES 5		/* a varint of a number of features + 1 */

typedef struct RowView
{
	const char *key;
	int32		key_len;		/* -1: NULL */
	bool		label_null;
	float8		label;
	int32		n_features;		/* -1: NULL array */
	Size		size;			/* the record's bytes */
} RowView;

static inline Size
row_max_size(int32 key_len, int32 n_features)
{
	return LEN_BYTES + Max(key_len, 0) + VALUE_MAX_BYTES + ROW_COUNT_BYTES +
		(Size) Max(n_features, 0) * VALUE_MAX_BYTES;
}

/*
 * The record at 'rec', of at most 'avail' bytes, into *rv: NULL, or what is
 * wrong with it (its key's text is checked apart).  Its features, with
 * row_read_features, start at *features_pos.
 */
static const char *
row_read_head(const char *rec, Size avail, RowView *rv, Size *features_pos)
{
	const unsigned char *p = (const unsigned char *) rec;
	Size		pos = 0;
	uint64		n;
	const char *problem;

	if (!key_read(p, avail, &pos, &rv->key, &rv->key_len))
		return "A record's key length is not well-formed or runs past the end of the value.";
	if ((problem = value_read(p, avail, &pos, &rv->label_null, &rv->label)) != NULL)
		return problem;
	/* (a feature takes a byte at least; an array at most MaxArraySize) */
	if (!varint_read(p, avail, &pos, ROW_COUNT_BYTES, &n) ||
		(n > 0 && (n - 1 > avail - pos || n - 1 > MaxArraySize)))
		return "A record's number of features is not well-formed or runs past the end of the value.";
	rv->n_features = (int32) n - 1;
	*features_pos = pos;
	return NULL;
}

/*
 * The features of the record whose head row_read_head read, into 'values'
 * and 'nulls' (room for rv->n_features) when given; its size into
 * rv->size: NULL, or what is wrong with them.
 */
static const char *
row_read_features(const char *rec, Size avail, Size pos, RowView *rv, Datum *values, bool *nulls)
{
	const unsigned char *p = (const unsigned char *) rec;
	const char *problem;

	for (int32 j = 0; j < rv->n_features; j++)
	{
		bool		isnull;
		float8		v;

		if ((problem = value_read(p, avail, &pos, &isnull, &v)) != NULL)
			return problem;
		if (values != NULL)
		{
			values[j] = Float8GetDatum(v);
			nulls[j] = isnull;
		}
	}
	rv->size = pos;
	return NULL;
}

/* The whole record, its features checked but not kept (see row_read_head). */
static const char *
row_read(const char *rec, Size avail, RowView *rv)
{
	Size		pos;
	const char *problem = row_read_head(rec, avail, rv, &pos);

	return problem != NULL ? problem : row_read_features(rec, avail, pos, rv, NULL, NULL);
}

/*
 * Interactions' records ("PAIR"): the customer and the item (keys), the
 * value (a tagged value).  The largest: two lengths of 5 bytes, the keys,
 * a tag and 8 bytes.
 */
typedef struct Pair
{
	const char *key;
	int32		key_len;		/* -1: NULL */
	const char *item;
	int32		item_len;		/* -1: NULL */
	bool		value_null;
	float8		value;
	Size		value_off;		/* where the value's tag is in the record */
	Size		size;			/* the record's bytes */
} Pair;

static inline Size
pair_max_size(int32 key_len, int32 item_len)
{
	return 2 * LEN_BYTES + Max(key_len, 0) + Max(item_len, 0) + VALUE_MAX_BYTES;
}

/*
 * The record at 'rec', of at most 'avail' bytes, into *pr: NULL, or what is
 * wrong with it (the record as a whole: its keys' text is checked apart).
 */
static const char *
pair_read(const char *rec, Size avail, Pair *pr)
{
	const unsigned char *p = (const unsigned char *) rec;
	Size		pos = 0;
	const char *problem;

	if (!key_read(p, avail, &pos, &pr->key, &pr->key_len) ||
		!key_read(p, avail, &pos, &pr->item, &pr->item_len))
		return "A record's key length is not well-formed or runs past the end of the value.";
	pr->value_off = pos;
	if ((problem = value_read(p, avail, &pos, &pr->value_null, &pr->value)) != NULL)
		return problem;
	pr->size = pos;
	return NULL;
}

/*
 * The key and size of the record of either kind at 'rec', of at most
 * 'avail' bytes: NULL, or what is wrong with it; its keys' text (the item's
 * too) checked when 'text'.
 */
static const char *
any_record(const char *rec, Size avail, bool pairs, bool text,
		   const char **key, int32 *key_len, Size *size)
{
	const char *problem;

	if (pairs)
	{
		Pair		pr;

		if ((problem = pair_read(rec, avail, &pr)) != NULL)
			return problem;
		if (text && !key_is_text(pr.item, pr.item_len))
			return "A record's key is not valid text in the database's encoding.";
		*key = pr.key;
		*key_len = pr.key_len;
		*size = pr.size;
	}
	else
	{
		RowView		rv;

		if ((problem = row_read(rec, avail, &rv)) != NULL)
			return problem;
		*key = rv.key;
		*key_len = rv.key_len;
		*size = rv.size;
	}
	if (text && !key_is_text(*key, *key_len))
		return "A record's key is not valid text in the database's encoding.";
	return NULL;
}

/*
 * Check that 'bytes' of records of one kind (pairs: "PAIR", else "ROWC")
 * hold exactly 'n_rows' of them, each well-formed.
 */
static void
check_records(const char *records, Size bytes, int64 n_rows, bool pairs)
{
	Size		off = 0;

	for (int64 i = 0; i < n_rows; i++)
	{
		const char *key;
		int32		key_len;
		Size		size;
		const char *problem;

		CHECK_FOR_INTERRUPTS();
		if (off >= bytes)
			pack_corrupted("A record runs past the end of the value.");
		if ((problem = any_record(records + off, bytes - off, pairs, true, &key, &key_len, &size)) != NULL)
			pack_corrupted(problem);
		off += size;
	}
	if (off != bytes)
		pack_corrupted("The value has bytes after its last record.");
}

/*
 * The flat form of a state of interactions when it leaves the aggregate (a
 * Citus shard's partial state, a parallel worker's), "PDIC": its keys once
 * each, and its pairs by customer (see dict_encode).  After the header
 * (n_rows, the number of pairs):
 *
 *	  varint n_items, then each item: varint length, its bytes
 *	  varint n_customers, then each customer: varint length, its bytes,
 *	  varint n (at least 1), then n pairs
 *	  then the pairs of the NULL customer, n_rows pairs in all
 *
 * a pair: varint item (0: NULL, i: the i-th item), then the value as in a
 * record.  It is read back as records ("PAIR"), checked on the way.
 */
#define DICT_PACK_FORMAT 0x43494450	/* "PDIC" */
#define PAIR_COUNT_BYTES 9		/* a varint of a number of pairs (< 2^63) */
#define DICT_MAX_ROWS (4 * 1024 * 1024) /* pairs in that form, at most */

typedef struct DictKey
{
	const char *bytes;			/* NULL: a NULL key */
	int32		len;			/* -1: NULL */
} DictKey;

static inline Size
varint_size(uint64 v)
{
	Size		n = 1;

	while (v >= 0x80)
	{
		v >>= 7;
		n++;
	}
	return n;
}

/* A key of a dictionary (never NULL) at *pos: false when malformed. */
static inline bool
dict_read_key(const unsigned char *p, Size avail, Size *pos, DictKey *k)
{
	uint64		len;

	if (!varint_read(p, avail, pos, LEN_BYTES, &len) || len > avail - *pos)
		return false;
	k->bytes = (const char *) p + *pos;
	k->len = (int32) len;
	*pos += len;
	return true;
}

static inline void
dict_check_text(const DictKey *k)
{
	if (!key_is_text(k->bytes, k->len))
		pack_corrupted("A record's key is not valid text in the database's encoding.");
}

/* The size of a record of these keys and 'value_len' bytes of value. */
static inline Size
dict_record_size(const DictKey *key, const DictKey *item, Size value_len)
{
	return varint_size(key->bytes ? (uint64) key->len + 1 : 0) + Max(key->len, 0) +
		varint_size(item->bytes ? (uint64) item->len + 1 : 0) + Max(item->len, 0) + value_len;
}

/*
 * The records ("PAIR") of the body of a "PDIC" value ('bytes' bytes,
 * 'n_rows' pairs), checked: the first pass checks and sizes, the second
 * writes.
 */
static RowPack *
dict_decode(const char *body, Size bytes, int64 n_rows)
{
	const unsigned char *p = (const unsigned char *) body;
	DictKey    *items = NULL;
	Size		total = 0;
	RowPack    *pack = NULL;
	char	   *out = NULL;

	for (int pass = 0; pass < 2; pass++)
	{
		Size		pos = 0;
		uint64		n_items;
		uint64		n_customers;
		uint64		left = (uint64) n_rows;

		if (pass == 1)
		{
			pack = palloc(ROW_PACK_HEADER + total);
			memset(pack, 0, ROW_PACK_HEADER);
			SET_VARSIZE(pack, ROW_PACK_HEADER + total);
			pack->format = PAIR_PACK_FORMAT;
			pack->n_rows = n_rows;
			out = (char *) pack + ROW_PACK_HEADER;
		}
		/* (the form of at most DICT_MAX_ROWS pairs: the work arrays bounded) */
		if (n_rows > DICT_MAX_ROWS)
			pack_corrupted("The value holds more pairs than its form can.");
		if (!varint_read(p, bytes, &pos, LEN_BYTES, &n_items) ||
			n_items > bytes - pos || n_items > (uint64) n_rows)
			pack_corrupted("The value's number of items is not well-formed or too large.");
		if (pass == 0)
			items = palloc(sizeof(DictKey) * Max(n_items, 1));
		for (uint64 i = 0; i < n_items; i++)
		{
			if (!dict_read_key(p, bytes, &pos, &items[i]))
				pack_corrupted("An item's length is not well-formed or runs past the end of the value.");
			if (pass == 0)
				dict_check_text(&items[i]);
		}
		if (!varint_read(p, bytes, &pos, LEN_BYTES, &n_customers) ||
			n_customers > bytes - pos || n_customers > (uint64) n_rows)
			pack_corrupted("The value's number of customers is not well-formed or too large.");
		/* each customer's pairs, then the NULL customer's */
		for (uint64 c = 0; c <= n_customers; c++)
		{
			DictKey		customer = {NULL, -1};
			uint64		n = left;

			CHECK_FOR_INTERRUPTS();
			if (c < n_customers)
			{
				if (!dict_read_key(p, bytes, &pos, &customer))
					pack_corrupted("A customer's length is not well-formed or runs past the end of the value.");
				if (pass == 0)
					dict_check_text(&customer);
				if (!varint_read(p, bytes, &pos, PAIR_COUNT_BYTES, &n) || n == 0 || n > left)
					pack_corrupted("A customer's number of pairs is not well-formed or more than the value's.");
			}
			left -= n;
			for (uint64 k = 0; k < n; k++)
			{
				DictKey		item = {NULL, -1};
				uint64		ref;
				Size		value_pos;
				bool		isnull;
				float8		value;
				const char *problem;

				if (!varint_read(p, bytes, &pos, LEN_BYTES, &ref) || ref > n_items)
					pack_corrupted("A pair's item is not well-formed, not in the value's items, or past its end.");
				if (ref > 0)
					item = items[ref - 1];
				value_pos = pos;
				if ((problem = value_read(p, bytes, &pos, &isnull, &value)) != NULL)
					pack_corrupted(problem);
				if (pass == 0)
				{
					Size		size = dict_record_size(&customer, &item, pos - value_pos);

					if (size > MaxAllocSize - ROW_PACK_HEADER - total)
						pack_corrupted("The value's pairs take more than 1 GB as records.");
					total += size;
				}
				else
				{
					out = key_write(out, customer.bytes, customer.len);
					out = key_write(out, item.bytes, item.len);
					memcpy(out, p + value_pos, pos - value_pos);
					out += pos - value_pos;
				}
			}
		}
		if (pos != bytes)
			pack_corrupted("The value has bytes after its last record.");
	}
	Assert(out == (char *) pack + VARSIZE(pack));
	return pack;
}

/* A flat packed value from an argument, detoasted and checked. */
static RowPack *
pack_arg(FunctionCallInfo fcinfo, int argno)
{
	bytea	   *raw = PG_GETARG_BYTEA_P(argno);
	RowPack    *p = (RowPack *) raw;
	Size		size = VARSIZE(raw);

	if (size < ROW_PACK_HEADER ||
		(p->format != ROW_PACK_FORMAT && p->format != PAIR_PACK_FORMAT &&
		 p->format != DICT_PACK_FORMAT) || p->n_rows < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("not a value of insight_rows_pack"),
				 errdetail("The value has %zu bytes and does not start with the header of packed rows.",
						   (Size) VARSIZE_ANY_EXHDR(raw)),
				 errhint("Pass the value that insight_rows_pack returned, unchanged.")));
	/* a detoasted value is MAXALIGNed (palloc); one in place may not be */
	if ((uintptr_t) raw % MAXIMUM_ALIGNOF != 0)
	{
		p = palloc(size);
		memcpy(p, raw, size);
	}
	if (p->format == DICT_PACK_FORMAT)
		p = dict_decode((const char *) p + ROW_PACK_HEADER, size - ROW_PACK_HEADER, p->n_rows);
	else
		check_records((const char *) p + ROW_PACK_HEADER, size - ROW_PACK_HEADER, p->n_rows,
					  p->format == PAIR_PACK_FORMAT);
	return p;
}

/*
 * The state while the aggregate runs: the records in a buffer that doubles
 * as it fills, in the object's own context (a child of the aggregate's).
 */
typedef struct PackExpanded
{
	ExpandedObjectHeader hdr;
	char	   *records;
	Size		used;
	Size		capacity;
	int64		n_rows;
	int32		format;			/* ROW_PACK_FORMAT, PAIR_PACK_FORMAT; 0 unknown yet */
	/* PAIR_PACK_FORMAT: its "PDIC" form (dict_encode) for n_rows = flat_rows */
	char	   *flat;
	Size		flat_len;
	int64		flat_rows;
} PackExpanded;

/*
 * dict_encode: the "PDIC" form of a state of interactions (see
 * dict_decode), kept in the state for its flattening; none (flat NULL)
 * when it would not be smaller than the records, or for more than
 * DICT_MAX_ROWS pairs (its work arrays take 48 bytes a pair).  The items
 * and customers in byte order, each customer's pairs in the order they
 * came: the same records give the same bytes.
 */
typedef struct EncPair
{
	const char *key;
	const char *item;
	const char *value;
	int32		key_len;
	int32		item_len;
	uint32		value_len;
	uint32		item_id;		/* 0: NULL; i: the i-th item */
	uint32		idx;			/* its place in the state */
} EncPair;

/* Keys in byte order, NULL last. */
static inline int
key_bytes_cmp(const char *x, int32 lx, const char *y, int32 ly)
{
	int			c;

	if (lx < 0 || ly < 0)
		return (lx < 0) - (ly < 0);
	if ((c = memcmp(x, y, Min(lx, ly))) != 0)
		return c;
	return (lx > ly) - (lx < ly);
}

static int
enc_item_cmp(const void *a, const void *b)
{
	const EncPair *x = a;
	const EncPair *y = b;
	int			c = key_bytes_cmp(x->item, x->item_len, y->item, y->item_len);

	return c != 0 ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static int
enc_customer_cmp(const void *a, const void *b)
{
	const EncPair *x = a;
	const EncPair *y = b;
	int			c = key_bytes_cmp(x->key, x->key_len, y->key, y->key_len);

	return c != 0 ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

typedef struct EncOut
{
	char	   *buf;
	Size		pos;
	Size		cap;
	bool		full;			/* it would not be smaller: given up */
} EncOut;

static void
enc_bytes(EncOut *o, const void *bytes, Size n)
{
	if (o->full || n > o->cap - o->pos)
	{
		o->full = true;
		return;
	}
	if (n > 0)
		memcpy(o->buf + o->pos, bytes, n);
	o->pos += n;
}

static void
enc_varint(EncOut *o, uint64 v)
{
	char		tmp[10];

	enc_bytes(o, tmp, varint_write(tmp, v) - tmp);
}

static void
dict_encode(PackExpanded *e)
{
	int64		n = e->n_rows;
	MemoryContext work;
	MemoryContext old;
	EncPair    *ep;
	EncOut		o;
	Size		off = 0;
	uint32		n_items = 0;
	uint32		n_customers = 0;

	if (e->flat != NULL)
		pfree(e->flat);
	e->flat = NULL;
	e->flat_len = 0;
	e->flat_rows = n;
	if (n == 0 || n > DICT_MAX_ROWS)
		return;
	work = AllocSetContextCreate(CurrentMemoryContext, "insight_interactions_pack flattening",
								 ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);
	ep = palloc(sizeof(EncPair) * n);
	for (int64 i = 0; i < n; i++)
	{
		Pair		pr;

		(void) pair_read(e->records + off, e->used - off, &pr);
		ep[i].key = pr.key;
		ep[i].key_len = pr.key_len;
		ep[i].item = pr.item;
		ep[i].item_len = pr.item_len;
		ep[i].value = e->records + off + pr.value_off;
		ep[i].value_len = (uint32) (pr.size - pr.value_off);
		ep[i].idx = (uint32) i;
		off += pr.size;
	}
	o.buf = MemoryContextAlloc(e->hdr.eoh_context, e->used);
	o.pos = 0;
	o.cap = e->used;			/* (smaller than the records, or none) */
	o.full = false;

	/* the items, numbered in byte order */
	qsort(ep, n, sizeof(EncPair), enc_item_cmp);
	for (int64 i = 0; i < n; i++)
		if (ep[i].item != NULL &&
			(i == 0 || key_bytes_cmp(ep[i].item, ep[i].item_len, ep[i - 1].item, ep[i - 1].item_len) != 0))
			n_items++;
	enc_varint(&o, n_items);
	n_items = 0;
	for (int64 i = 0; i < n; i++)
	{
		if (ep[i].item == NULL)
		{
			ep[i].item_id = 0;
			continue;
		}
		if (i == 0 || key_bytes_cmp(ep[i].item, ep[i].item_len, ep[i - 1].item, ep[i - 1].item_len) != 0)
		{
			n_items++;
			enc_varint(&o, (uint64) ep[i].item_len);
			enc_bytes(&o, ep[i].item, ep[i].item_len);
		}
		ep[i].item_id = n_items;
	}

	/* the customers in byte order, each with its pairs, then the NULL one's */
	qsort(ep, n, sizeof(EncPair), enc_customer_cmp);
	for (int64 i = 0; i < n; i++)
		if (ep[i].key != NULL &&
			(i == 0 || key_bytes_cmp(ep[i].key, ep[i].key_len, ep[i - 1].key, ep[i - 1].key_len) != 0))
			n_customers++;
	enc_varint(&o, n_customers);
	for (int64 i = 0; i < n && !o.full;)
	{
		int64		end = i + 1;

		CHECK_FOR_INTERRUPTS();
		while (end < n && key_bytes_cmp(ep[end].key, ep[end].key_len, ep[i].key, ep[i].key_len) == 0)
			end++;
		if (ep[i].key != NULL)
		{
			enc_varint(&o, (uint64) ep[i].key_len);
			enc_bytes(&o, ep[i].key, ep[i].key_len);
			enc_varint(&o, (uint64) (end - i));
		}
		for (; i < end; i++)
		{
			enc_varint(&o, ep[i].item_id);
			enc_bytes(&o, ep[i].value, ep[i].value_len);
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(work);
	if (o.full || o.pos >= e->used)
	{
		pfree(o.buf);
		return;
	}
	e->flat = o.buf;
	e->flat_len = o.pos;
}


/* Whether the flat form is "PDIC", encoded now if not yet. */
static bool
pack_flat_dict(PackExpanded *e)
{
	if (e->format != PAIR_PACK_FORMAT)
		return false;
	if (e->flat_rows != e->n_rows)
		dict_encode(e);
	return e->flat != NULL;
}

static Size
pack_flat_size(ExpandedObjectHeader *eohptr)
{
	PackExpanded *e = (PackExpanded *) eohptr;

	return ROW_PACK_HEADER + (pack_flat_dict(e) ? e->flat_len : e->used);
}

static void
pack_flatten(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	PackExpanded *e = (PackExpanded *) eohptr;
	RowPack    *p = result;

	bool		dict = pack_flat_dict(e);

	Assert(allocated_size == ROW_PACK_HEADER + (dict ? e->flat_len : e->used));
	memset(p, 0, ROW_PACK_HEADER);
	SET_VARSIZE(p, allocated_size);
	/* (an empty state of unknown kind, which no aggregate gives: "ROWC") */
	p->format = dict ? DICT_PACK_FORMAT : e->format != 0 ? e->format : ROW_PACK_FORMAT;
	p->n_rows = e->n_rows;
	if (dict)
		memcpy((char *) p + ROW_PACK_HEADER, e->flat, e->flat_len);
	else
		memcpy((char *) p + ROW_PACK_HEADER, e->records, e->used);
}

static const ExpandedObjectMethods pack_methods = {
	pack_flat_size,
	pack_flatten
};

/* Room for 'more' bytes of records. */
static char *
pack_reserve(PackExpanded *e, Size more)
{
	if (more > MaxAllocSize - ROW_PACK_HEADER - e->used)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("packed rows cannot hold more than %zu bytes", (Size) MaxAllocSize),
				 errhint("Train on fewer rows or pairs, for example over a shorter window.")));
	if (e->used + more > e->capacity)
	{
		Size		capacity = Max(Max(e->capacity * 2, e->used + more), (Size) 1024);

		capacity = Min(capacity, MaxAllocSize - ROW_PACK_HEADER);
		e->records = e->records == NULL
			? MemoryContextAlloc(e->hdr.eoh_context, capacity)
			: repalloc(e->records, capacity);
		e->capacity = capacity;
	}
	return e->records + e->used;
}

/* The kind of records of a state becomes 'format'; one kind a state. */
static void
pack_set_format(PackExpanded *e, int32 format)
{
	if (e->format == 0)
		e->format = format;
	else if (format != 0 && e->format != format)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine rows of features with interactions"),
				 errdetail("A value of insight_rows_pack and one of insight_interactions_pack hold records of different kinds."),
				 errhint("Combine the states of one aggregate.")));
}

static void
pack_append_records(PackExpanded *e, const char *records, Size bytes, int64 n_rows)
{
	memcpy(pack_reserve(e, bytes), records, bytes);
	e->used += bytes;
	e->n_rows += n_rows;
}

/*
 * Argument 0 of the transition or combine function as this aggregate's
 * expanded state: the object itself, or a new one in a child context of the
 * aggregate's holding a copy of the flat state (empty for NULL); its
 * records of the kind 'format' (0: any, for the combine function).
 */
static PackExpanded *
pack_state(FunctionCallInfo fcinfo, int32 format)
{
	MemoryContext aggcontext;
	MemoryContext cxt;
	PackExpanded *e;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the state functions of insight_rows_pack and insight_interactions_pack can only be called by the aggregates")));
	if (!PG_ARGISNULL(0) &&
		(e = (PackExpanded *) insight_expanded_state(PG_GETARG_DATUM(0), &pack_methods, true)) != NULL)
	{
		pack_set_format(e, format);
		return e;
	}
	cxt = AllocSetContextCreate(aggcontext, "insight_rows_pack state", ALLOCSET_DEFAULT_SIZES);
	e = (PackExpanded *) insight_expanded_state_new(cxt, sizeof(PackExpanded), &pack_methods);
	e->flat_rows = -1;
	if (!PG_ARGISNULL(0))
	{
		RowPack    *p = pack_arg(fcinfo, 0);

		pack_set_format(e, p->format);
		pack_append_records(e, (const char *) p + ROW_PACK_HEADER, VARSIZE(p) - ROW_PACK_HEADER, p->n_rows);
	}
	pack_set_format(e, format);
	return e;
}

/*
 * The records of a state argument to read, without copying: this
 * aggregate's expanded state, or a flat value checked by pack_arg.
 */
static const char *
pack_view(FunctionCallInfo fcinfo, int argno, Size *bytes, int64 *n_rows, int32 *format)
{
	PackExpanded *e = (PackExpanded *) insight_expanded_state(PG_GETARG_DATUM(argno), &pack_methods, false);
	RowPack    *p;

	if (e != NULL)
	{
		*bytes = e->used;
		*n_rows = e->n_rows;
		*format = e->format;
		return e->records;
	}
	p = pack_arg(fcinfo, argno);
	*bytes = VARSIZE(p) - ROW_PACK_HEADER;
	*n_rows = p->n_rows;
	*format = p->format;
	return (const char *) p + ROW_PACK_HEADER;
}

PG_FUNCTION_INFO_V1(insight_rows_pack_accum);
Datum
insight_rows_pack_accum(PG_FUNCTION_ARGS)
{
	PackExpanded *e = pack_state(fcinfo, ROW_PACK_FORMAT);
	text	   *key = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	ArrayType  *features = PG_ARGISNULL(2) ? NULL : PG_GETARG_ARRAYTYPE_P(2);
	int32		key_len = key ? (int32) VARSIZE_ANY_EXHDR(key) : -1;
	int32		n_features = -1;
	char	   *out;
	char	   *o;

	if (features != NULL)
	{
		if (ARR_ELEMTYPE(features) != FLOAT8OID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("features must be a float8[]")));
		if (ARR_NDIM(features) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("features must be a one-dimensional array, not one of %d dimensions",
							ARR_NDIM(features))));
		n_features = ArrayGetNItems(ARR_NDIM(features), ARR_DIMS(features));
	}
	out = pack_reserve(e, row_max_size(key_len, n_features));
	o = key_write(out, key ? VARDATA_ANY(key) : NULL, key_len);
	o = value_write(o, PG_ARGISNULL(3), PG_ARGISNULL(3) ? 0.0 : PG_GETARG_FLOAT8(3));
	o = varint_write(o, features ? (uint64) n_features + 1 : 0);
	if (n_features > 0)
	{
		/* the elements in place: 8 bytes each, none for a NULL one */
		const bits8 *bitmap = ARR_NULLBITMAP(features);
		const char *data = ARR_DATA_PTR(features);

		for (int32 j = 0; j < n_features; j++)
		{
			float8		v;

			if (bitmap != NULL && (bitmap[j / 8] & (1 << (j % 8))) == 0)
			{
				o = value_write(o, true, 0.0);
				continue;
			}
			memcpy(&v, data, sizeof(float8));
			data += sizeof(float8);
			o = value_write(o, false, v);
		}
	}
	e->used += o - out;
	e->n_rows++;
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

/*
 * An interaction (customer, item, value), any of them NULL: the trainer
 * skips and counts such a row as when it reads it.
 */
PG_FUNCTION_INFO_V1(insight_interactions_pack_accum);
Datum
insight_interactions_pack_accum(PG_FUNCTION_ARGS)
{
	PackExpanded *e = pack_state(fcinfo, PAIR_PACK_FORMAT);
	text	   *key = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	text	   *item = PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2);
	int32		key_len = key ? (int32) VARSIZE_ANY_EXHDR(key) : -1;
	int32		item_len = item ? (int32) VARSIZE_ANY_EXHDR(item) : -1;
	char	   *out = pack_reserve(e, pair_max_size(key_len, item_len));
	char	   *o;

	o = key_write(out, key ? VARDATA_ANY(key) : NULL, key_len);
	o = key_write(o, item ? VARDATA_ANY(item) : NULL, item_len);
	o = value_write(o, PG_ARGISNULL(3), PG_ARGISNULL(3) ? 0.0 : PG_GETARG_FLOAT8(3));
	e->used += o - out;
	e->n_rows++;
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

PG_FUNCTION_INFO_V1(insight_rows_pack_combine);
Datum
insight_rows_pack_combine(PG_FUNCTION_ARGS)
{
	PackExpanded *e;
	const char *records;
	Size		bytes;
	int64		n_rows;
	int32		format;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(EOHPGetRWDatum(&pack_state(fcinfo, 0)->hdr));
	}
	e = pack_state(fcinfo, 0);
	records = pack_view(fcinfo, 1, &bytes, &n_rows, &format);
	pack_set_format(e, format);
	pack_append_records(e, records, bytes, n_rows);
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

/* A record of the sort: where it is in the records, and its bytes. */
typedef struct RecordRef
{
	uint32		off;			/* (the records are under MaxAllocSize) */
	uint32		size;
} RecordRef;

/*
 * The order of the rows (records of either kind, each starting with its
 * key): by key (default collation, NULL last), then size, then bytes.
 */
static int
record_cmp(const void *a, const void *b, void *arg)
{
	const unsigned char *records = arg;
	const RecordRef *x = a;
	const RecordRef *y = b;
	const char *kx = NULL,
			   *ky = NULL;
	int32		lx = -1,
				ly = -1;
	Size		pos;
	int			c;

	pos = x->off;
	(void) key_read(records, MaxAllocSize, &pos, &kx, &lx);
	pos = y->off;
	(void) key_read(records, MaxAllocSize, &pos, &ky, &ly);
	if (lx < 0 || ly < 0)
	{
		if (lx >= 0)
			return -1;
		if (ly >= 0)
			return 1;
	}
	else if ((c = varstr_cmp(kx, lx, ky, ly, DEFAULT_COLLATION_OID)) != 0)
		return c;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return memcmp(records + x->off, records + y->off, x->size);
}

PG_FUNCTION_INFO_V1(insight_rows_pack_final);
Datum
insight_rows_pack_final(PG_FUNCTION_ARGS)
{
	const char *records;
	Size		bytes;
	int64		n_rows;
	int32		format;
	RecordRef  *order;
	RowPack    *p;
	char	   *out;
	Size		off = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	/* (read only: a final function leaves the transition value as it is) */
	records = pack_view(fcinfo, 0, &bytes, &n_rows, &format);
	order = palloc_extended(sizeof(RecordRef) * Max(n_rows, 1), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < n_rows; i++)
	{
		const char *key;
		int32		key_len;
		Size		size;

		/* (records checked before: no problem, no text to check again) */
		(void) any_record(records + off, bytes - off, format == PAIR_PACK_FORMAT, false,
						  &key, &key_len, &size);
		order[i].off = (uint32) off;
		order[i].size = (uint32) size;
		off += size;
	}
	qsort_arg(order, n_rows, sizeof(RecordRef), record_cmp, (void *) records);
	p = palloc(ROW_PACK_HEADER + bytes);
	memset(p, 0, ROW_PACK_HEADER);
	SET_VARSIZE(p, ROW_PACK_HEADER + bytes);
	p->format = format != 0 ? format : ROW_PACK_FORMAT;
	p->n_rows = n_rows;
	out = (char *) p + ROW_PACK_HEADER;
	for (int64 i = 0; i < n_rows; i++)
	{
		CHECK_FOR_INTERRUPTS();
		memcpy(out, records + order[i].off, order[i].size);
		out += order[i].size;
	}
	PG_RETURN_BYTEA_P((bytea *) p);
}

typedef struct UnpackCursor
{
	RowPack    *pack;
	Size		off;
} UnpackCursor;

/*
 * The rows of a packed value, one per call: (key, features, label) of
 * feature rows, or (customer, item, value) of interactions (items).
 */
static Datum
unpack_rows(FunctionCallInfo fcinfo, bool items)
{
	FuncCallContext *funcctx;
	UnpackCursor *cur;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		TupleDesc	tupdesc;

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "an unpack function must return a composite type");
		funcctx->tuple_desc = BlessTupleDesc(tupdesc);
		cur = palloc0(sizeof(UnpackCursor));
		cur->pack = pack_arg(fcinfo, 0);
		funcctx->max_calls = (uint64) cur->pack->n_rows;
		funcctx->user_fctx = cur;
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	cur = funcctx->user_fctx;
	if (funcctx->call_cntr < funcctx->max_calls)
	{
		const char *rec = (const char *) cur->pack + ROW_PACK_HEADER + cur->off;
		Size		avail = VARSIZE(cur->pack) - ROW_PACK_HEADER - cur->off;
		Datum		values[3];
		bool		nulls[3];

		if ((cur->pack->format == PAIR_PACK_FORMAT) != items)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("packed row %llu is %s, not %s",
							(unsigned long long) funcctx->call_cntr + 1,
							items ? "a row of features" : "an interaction",
							items ? "an interaction" : "a row of features"),
					 errhint("insight_rows_unpack gives back the rows of insight_rows_pack, insight_interactions_unpack those of insight_interactions_pack.")));
		/* (records checked by pack_arg) */
		if (items)
		{
			Pair		pr;

			(void) pair_read(rec, avail, &pr);
			nulls[0] = pr.key_len < 0;
			values[0] = nulls[0] ? (Datum) 0
				: PointerGetDatum(cstring_to_text_with_len(pr.key, pr.key_len));
			nulls[1] = pr.item_len < 0;
			values[1] = nulls[1] ? (Datum) 0
				: PointerGetDatum(cstring_to_text_with_len(pr.item, pr.item_len));
			nulls[2] = pr.value_null;
			values[2] = Float8GetDatum(pr.value);
			cur->off += pr.size;
		}
		else
		{
			RowView		rv = {0};
			Size		pos = 0;
			Datum	   *elems = NULL;
			bool	   *elem_nulls = NULL;

			/* (one reading: the record was checked by pack_arg) */
			(void) row_read_head(rec, avail, &rv, &pos);
			if (rv.n_features > 0)
			{
				elems = palloc(sizeof(Datum) * rv.n_features);
				elem_nulls = palloc(sizeof(bool) * rv.n_features);
			}
			(void) row_read_features(rec, avail, pos, &rv, elems, elem_nulls);
			nulls[0] = rv.key_len < 0;
			values[0] = nulls[0] ? (Datum) 0
				: PointerGetDatum(cstring_to_text_with_len(rv.key, rv.key_len));
			nulls[1] = rv.n_features < 0;
			values[1] = (Datum) 0;
			if (rv.n_features == 0)
				values[1] = PointerGetDatum(construct_empty_array(FLOAT8OID));
			else if (rv.n_features > 0)
			{
				int			n = rv.n_features;
				int			lbs = 1;

				values[1] = PointerGetDatum(construct_md_array(elems, elem_nulls, 1, &n, &lbs, FLOAT8OID,
															   sizeof(float8), FLOAT8PASSBYVAL,
															   TYPALIGN_DOUBLE));
			}
			nulls[2] = rv.label_null;
			values[2] = Float8GetDatum(rv.label);
			cur->off += rv.size;
		}
		SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(heap_form_tuple(funcctx->tuple_desc, values, nulls)));
	}
	SRF_RETURN_DONE(funcctx);
}

PG_FUNCTION_INFO_V1(insight_rows_unpack);
Datum
insight_rows_unpack(PG_FUNCTION_ARGS)
{
	return unpack_rows(fcinfo, false);
}

PG_FUNCTION_INFO_V1(insight_interactions_unpack);
Datum
insight_interactions_unpack(PG_FUNCTION_ARGS)
{
	return unpack_rows(fcinfo, true);
}
