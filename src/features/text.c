/*-------------------------------------------------------------------------
 *
 * text.c
 *	  The tokeniser of reviews, their hashed n-grams, and the SQL functions
 *	  insight_text_tokens (for debugging: every token of a text) and
 *	  insight_text_hash (the distinct buckets of a text).
 *
 * Text in any language, without a dictionary (docs/reference/reviews.md):
 * the text is read in the server encoding, converted to UTF-8 by
 * PostgreSQL's own conversion (pg_server_to_any) and decoded into Unicode
 * code points (pg_utf_mblen, utf8_to_unicode).  Fullwidth ASCII is folded
 * to ASCII, letters are lower-cased (ASCII, Latin-1, Latin Extended-A,
 * Greek, Cyrillic: a fixed table, so the tokens never depend on the
 * server's locale), then
 *	  - a run of letters and digits (any alphabetic script; an apostrophe
 *		between two of them belongs to the word: "don't") is a word; each word
 *		gives itself, the pair it makes with the previous word when only
 *		spaces separate them, and the character 3- and 4-grams of "<word>"
 *		(the subword units of fastText: Bojanowski et al. 2017);
 *	  - CJK characters (Han, kana, Hangul) give each character and each pair
 *		of consecutive characters (character 1- and 2-grams, since those
 *		scripts do not separate words);
 *	  - each emoji or pictograph is a token;
 *	  - everything else (spaces, punctuation, symbols) separates tokens.
 * A token's bucket is FNV-1a (32 bits) over its kind and UTF-8 bytes,
 * finished by MurmurHash3's fmix32 so that its low bits mix, modulo the
 * number of buckets: the hashing trick (Weinberger et al. 2009), so no
 * vocabulary is stored and unseen n-grams cost nothing.
 *
 * Bounded work: only the first INSIGHT_TEXT_MAX_BYTES of a text are read
 * (the SQL functions fetch only that slice), and each code point gives at
 * most four tokens, so a text costs time and memory linear in at most 1 MiB.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "features/text.h"

typedef enum CharClass
{
	CC_SPACE,					/* separates, keeps the previous word */
	CC_PUNCT,					/* separates, ends a word pair */
	CC_WORD,
	CC_APOSTROPHE,				/* part of a word between two word characters */
	CC_CJK,
	CC_EMOJI
} CharClass;

/* Fullwidth ASCII to ASCII, then lower case (a fixed table, see above). */
static pg_wchar
fold_char(pg_wchar c)
{
	if (c >= 0xFF01 && c <= 0xFF5E)
		c -= 0xFEE0;
	else if (c == 0x3000)		/* ideographic space */
		return ' ';
	if (c < 0x80)
		return (c >= 'A' && c <= 'Z') ? c + 32 : c;
	if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) ||	/* Latin-1 */
		(c >= 0x391 && c <= 0x3AB && c != 0x3A2) || /* Greek */
		(c >= 0x410 && c <= 0x42F)) /* Cyrillic */
		return c + 32;
	if (c >= 0x400 && c <= 0x40F)
		return c + 80;
	if (c == 0x386)
		return 0x3AC;
	if (c >= 0x388 && c <= 0x38A)
		return c + 37;
	/* Latin Extended-A: pairs upper, lower */
	if ((c >= 0x100 && c <= 0x137 && c % 2 == 0) ||
		(c >= 0x139 && c <= 0x148 && c % 2 == 1) ||
		(c >= 0x14A && c <= 0x177 && c % 2 == 0) ||
		(c >= 0x179 && c <= 0x17E && c % 2 == 1))
		return c + 1;
	if (c == 0x178)
		return 0xFF;
	return c;
}

static CharClass
classify_char(pg_wchar c)
{
	if (c < 0x80)
	{
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			return CC_WORD;
		if (c == '\'')
			return CC_APOSTROPHE;
		if (c <= ' ' || c == 0x7F)
			return CC_SPACE;
		return CC_PUNCT;
	}
	if (c == 0x2019)			/* right single quotation mark */
		return CC_APOSTROPHE;
	if (c == 0xA0 || c == 0x200D || (c >= 0x2000 && c <= 0x200B) ||
		(c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF || c == 0x85)
		return CC_SPACE;		/* spaces, joiners, variation selectors, BOM */
	if ((c >= 0x1100 && c <= 0x11FF) || (c >= 0x2E80 && c <= 0x2FDF) ||
		(c >= 0x3040 && c <= 0x31FF) || (c >= 0x3400 && c <= 0x4DBF) ||
		(c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA960 && c <= 0xA97F) ||
		(c >= 0xAC00 && c <= 0xD7AF) || (c >= 0xF900 && c <= 0xFAFF) ||
		(c >= 0xFF66 && c <= 0xFF9F) || (c >= 0x20000 && c <= 0x3134F))
		return CC_CJK;
	if ((c >= 0x2600 && c <= 0x27BF) || c == 0x2B50 || c == 0x2B55 ||
		(c >= 0x1F000 && c <= 0x1FAFF))
		return CC_EMOJI;
	if ((c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) ||
		c == 0xAA || c == 0xB5 || c == 0xBA ||
		(c >= 0x250 && c <= 0x1FFF))	/* IPA, combining marks, Greek to
										 * Greek Extended: alphabetic scripts */
		return CC_WORD;
	return CC_PUNCT;
}

/*
 * FNV-1a, 32 bits (Fowler, Noll, Vo; draft-eastlake-fnv), over the kind and
 * the token's bytes, finished by fmix32 (Appleby, MurmurHash3).
 */
static inline uint32
fnv1a(uint32 h, const char *s, int len)
{
	for (int i = 0; i < len; i++)
	{
		h ^= (unsigned char) s[i];
		h *= 16777619u;
	}
	return h;
}

int32
insight_token_bucket(char kind, const char *a, int alen, const char *b, int blen,
					 int32 buckets)
{
	uint32		h = 2166136261u;

	h = fnv1a(h, &kind, 1);
	h = fnv1a(h, a, alen);
	if (b != NULL)
	{
		h = fnv1a(h, " ", 1);
		h = fnv1a(h, b, blen);
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return (int32) (h % (uint32) buckets);
}

void
insight_check_buckets(int64 buckets)
{
	if (buckets < 1 || buckets > INSIGHT_TEXT_MAX_BUCKETS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("buckets must be between 1 and %d, not " INT64_FORMAT,
						INSIGHT_TEXT_MAX_BUCKETS, buckets)));
}

/*
 * The text as UTF-8 (its first INSIGHT_TEXT_MAX_BYTES in the server
 * encoding, cut at a character boundary), *len its length in bytes.
 */
static const char *
text_as_utf8(text *t, int *len)
{
	const char *s = VARDATA_ANY(t);
	int			n = VARSIZE_ANY_EXHDR(t);
	int			encoding = GetDatabaseEncoding();

	if (n > INSIGHT_TEXT_MAX_BYTES)
		n = pg_mbcliplen(s, n, INSIGHT_TEXT_MAX_BYTES);
	if (encoding == PG_SQL_ASCII)
	{
		/* bytes above 127 have no known meaning in SQL_ASCII */
		for (int i = 0; i < n; i++)
			if ((unsigned char) s[i] >= 0x80)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot tokenise non-ASCII text in a SQL_ASCII database"),
						 errdetail("The byte 0x%02x at offset %d has no defined character in the SQL_ASCII encoding.",
								   (unsigned char) s[i], i),
						 errhint("Use a database with a real encoding, such as UTF8.")));
	}
	else if (encoding != PG_UTF8)
		s = pg_server_to_any(s, n, PG_UTF8);	/* a new string when converted */
	if (s != VARDATA_ANY(t))
		n = strlen(s);
	*len = n;
	return s;
}

typedef struct Tokenizer
{
	InsightTokenFn fn;
	void	   *arg;
	StringInfoData word;		/* "<" word ">" in UTF-8 */
	int		   *offsets;		/* byte offset of each code point of word */
	int			noffsets;
	int			maxoffsets;
	bool		in_word;
	StringInfoData prev;		/* the previous word, when have_prev */
	bool		have_prev;
	char		prev_cjk[8];	/* the previous CJK character (UTF-8) */
	int			prev_cjk_len;	/* 0: none */
} Tokenizer;

static void
word_add(Tokenizer *tk, const char *bytes, int len)
{
	if (tk->noffsets + 2 > tk->maxoffsets)
	{
		tk->maxoffsets *= 2;
		tk->offsets = repalloc(tk->offsets, tk->maxoffsets * sizeof(int));
	}
	tk->offsets[tk->noffsets++] = tk->word.len;
	appendBinaryStringInfo(&tk->word, bytes, len);
}

/* The word ends: emit it, its pair with the previous word, its n-grams. */
static void
word_end(Tokenizer *tk)
{
	const char *w = tk->word.data + 1;
	int			wlen = tk->word.len - 1;

	tk->in_word = false;
	tk->fn(INSIGHT_TOKEN_WORD, w, wlen, NULL, 0, tk->arg);
	if (tk->have_prev)
		tk->fn(INSIGHT_TOKEN_BIGRAM, tk->prev.data, tk->prev.len, w, wlen, tk->arg);

	word_add(tk, ">", 1);
	tk->offsets[tk->noffsets] = tk->word.len;	/* the end (room reserved) */
	for (int n = 3; n <= 4; n++)
		for (int s = 0; s + n <= tk->noffsets; s++)
			tk->fn(INSIGHT_TOKEN_CHARGRAM, tk->word.data + tk->offsets[s],
				   tk->offsets[s + n] - tk->offsets[s], NULL, 0, tk->arg);

	resetStringInfo(&tk->prev);
	appendBinaryStringInfo(&tk->prev, w, wlen);
	tk->have_prev = true;
}

void
insight_text_tokenize(text *t, InsightTokenFn fn, void *arg)
{
	int			len;
	const unsigned char *s = (const unsigned char *) text_as_utf8(t, &len);
	Tokenizer	tk;
	int			count = 0;

	memset(&tk, 0, sizeof(tk));
	tk.fn = fn;
	tk.arg = arg;
	initStringInfo(&tk.word);
	initStringInfo(&tk.prev);
	tk.maxoffsets = 64;
	tk.offsets = palloc(tk.maxoffsets * sizeof(int));

	for (int i = 0; i < len;)
	{
		int			clen = pg_utf_mblen(s + i);
		pg_wchar	c;
		CharClass	cls;
		unsigned char utf8[8];
		int			ulen;

		if (clen > len - i)
			break;				/* cut short: cannot happen in a valid text */
		if ((++count & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		c = fold_char(utf8_to_unicode(s + i));
		i += clen;
		cls = classify_char(c);
		if (cls == CC_APOSTROPHE)
		{
			/* inside a word when a word character follows */
			if (tk.in_word && i < len &&
				classify_char(fold_char(utf8_to_unicode(s + i))) == CC_WORD)
			{
				word_add(&tk, "'", 1);
				continue;
			}
			cls = CC_PUNCT;
		}
		if (cls == CC_WORD)
		{
			if (!tk.in_word)
			{
				resetStringInfo(&tk.word);
				tk.noffsets = 0;
				word_add(&tk, "<", 1);
				tk.in_word = true;
			}
			unicode_to_utf8(c, utf8);
			word_add(&tk, (const char *) utf8, pg_utf_mblen(utf8));
			tk.prev_cjk_len = 0;
			continue;
		}
		if (tk.in_word)
			word_end(&tk);
		if (cls == CC_SPACE)
		{
			tk.prev_cjk_len = 0;
			continue;
		}
		tk.have_prev = false;
		if (cls == CC_PUNCT)
		{
			tk.prev_cjk_len = 0;
			continue;
		}
		unicode_to_utf8(c, utf8);
		ulen = pg_utf_mblen(utf8);
		if (cls == CC_EMOJI)
		{
			fn(INSIGHT_TOKEN_EMOJI, (const char *) utf8, ulen, NULL, 0, arg);
			tk.prev_cjk_len = 0;
			continue;
		}
		/* CJK: the character, and the pair with the one before */
		fn(INSIGHT_TOKEN_CJK, (const char *) utf8, ulen, NULL, 0, arg);
		if (tk.prev_cjk_len > 0)
		{
			char		pair[16];

			memcpy(pair, tk.prev_cjk, tk.prev_cjk_len);
			memcpy(pair + tk.prev_cjk_len, utf8, ulen);
			fn(INSIGHT_TOKEN_CJK, pair, tk.prev_cjk_len + ulen, NULL, 0, arg);
		}
		memcpy(tk.prev_cjk, utf8, ulen);
		tk.prev_cjk_len = ulen;
	}
	if (tk.in_word)
		word_end(&tk);

	pfree(tk.word.data);
	pfree(tk.prev.data);
	pfree(tk.offsets);
	if ((const char *) s != VARDATA_ANY(t))
		pfree((void *) s);
}

/* insight_text_buckets: collect every bucket, then sort and keep one each */
typedef struct BucketList
{
	int32	   *values;
	int			n;
	int			max;
	int32		buckets;
} BucketList;

static void
collect_bucket(char kind, const char *a, int alen, const char *b, int blen, void *arg)
{
	BucketList *list = (BucketList *) arg;

	if (list->n == list->max)
	{
		list->max *= 2;
		list->values = repalloc_huge(list->values, list->max * sizeof(int32));
	}
	list->values[list->n++] = insight_token_bucket(kind, a, alen, b, blen, list->buckets);
}

static int
compare_int32(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	return (x > y) - (x < y);
}

int
insight_text_buckets(text *t, int32 buckets, int32 **out)
{
	BucketList	list;
	int			n = 0;

	list.max = 64;
	list.n = 0;
	list.buckets = buckets;
	list.values = palloc(list.max * sizeof(int32));
	insight_text_tokenize(t, collect_bucket, &list);
	if (list.n > 0)
	{
		qsort(list.values, list.n, sizeof(int32), compare_int32);
		for (int i = 0; i < list.n; i++)
			if (n == 0 || list.values[i] != list.values[n - 1])
				list.values[n++] = list.values[i];
	}
	if (n == 0)
	{
		pfree(list.values);
		*out = NULL;
		return 0;
	}
	*out = list.values;
	return n;
}

text *
insight_text_slice(Datum value)
{
	return DatumGetTextPSlice(value, 0, INSIGHT_TEXT_MAX_BYTES + MAX_MULTIBYTE_CHAR_LEN);
}

/* insight_text_tokens: one row (kind, token, bucket) per token */
typedef struct TokenRows
{
	Tuplestorestate *store;
	TupleDesc	desc;
	int32		buckets;
	StringInfoData buf;
} TokenRows;

static const char *
token_kind_name(char kind)
{
	switch (kind)
	{
		case INSIGHT_TOKEN_WORD:
			return "word";
		case INSIGHT_TOKEN_BIGRAM:
			return "word pair";
		case INSIGHT_TOKEN_CHARGRAM:
			return "char n-gram";
		case INSIGHT_TOKEN_CJK:
			return "cjk n-gram";
		default:
			return "emoji";
	}
}

static void
add_token_row(char kind, const char *a, int alen, const char *b, int blen, void *arg)
{
	TokenRows  *rows = (TokenRows *) arg;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	char	   *server;

	resetStringInfo(&rows->buf);
	appendBinaryStringInfo(&rows->buf, a, alen);
	if (b != NULL)
	{
		appendStringInfoChar(&rows->buf, ' ');
		appendBinaryStringInfo(&rows->buf, b, blen);
	}
	server = pg_any_to_server(rows->buf.data, rows->buf.len, PG_UTF8);
	values[0] = CStringGetTextDatum(token_kind_name(kind));
	values[1] = CStringGetTextDatum(server);
	values[2] = Int32GetDatum(insight_token_bucket(kind, a, alen, b, blen, rows->buckets));
	tuplestore_putvalues(rows->store, rows->desc, values, nulls);
}

PG_FUNCTION_INFO_V1(insight_text_tokens);

Datum
insight_text_tokens(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TokenRows	rows;
	int64		buckets = PG_GETARG_INT32(1);

	insight_check_buckets(buckets);
	InitMaterializedSRF(fcinfo, 0);
	rows.store = rsinfo->setResult;
	rows.desc = rsinfo->setDesc;
	rows.buckets = (int32) buckets;
	initStringInfo(&rows.buf);
	insight_text_tokenize(insight_text_slice(PG_GETARG_DATUM(0)), add_token_row, &rows);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(insight_text_hash);

Datum
insight_text_hash(PG_FUNCTION_ARGS)
{
	int64		buckets = PG_GETARG_INT32(1);
	int32	   *values;
	int			n;
	Datum	   *elems;
	ArrayType  *result;

	insight_check_buckets(buckets);
	n = insight_text_buckets(insight_text_slice(PG_GETARG_DATUM(0)), (int32) buckets, &values);
	elems = palloc(Max(n, 1) * sizeof(Datum));
	for (int i = 0; i < n; i++)
		elems[i] = Int32GetDatum(values[i]);
	result = construct_array(elems, n, INT4OID, sizeof(int32), true, TYPALIGN_INT);
	PG_RETURN_ARRAYTYPE_P(result);
}
