/*-------------------------------------------------------------------------
 *
 * gbdt_trees.c
 *	  XGBoost's JSON model read into flat arrays, the double-precision tree
 *	  walker and path-dependent TreeSHAP (conventions and sources in
 *	  gbdt_trees.h).  No backend calls: the libFuzzer harness (test/fuzz)
 *	  runs this file as frontend code.
 *
 * The reader parses the document twice with PostgreSQL's JSON parser
 * (common/jsonapi.h): once without semantic actions, to reject a malformed
 * document before any value is kept, then with actions that pick out the
 * fields below, by their path from the root, and check their types.  The
 * actions never raise an error (they cannot in frontend code): the first
 * failure is recorded and the rest of the document is only parsed.
 *
 *	learner.learner_model_param.{base_score, num_feature, num_class, num_target}
 *	learner.objective.name
 *	learner.gradient_booster.name
 *	learner.gradient_booster.model.gbtree_model_param.{num_trees, num_parallel_tree}
 *	learner.gradient_booster.model.tree_info[]
 *	learner.gradient_booster.model.trees[].{left_children, right_children,
 *		split_indices, split_conditions, default_left, sum_hessian,
 *		split_type, tree_param.num_nodes}
 *
 * XGBoost writes object keys in sorted order, so a tree's arrays come
 * before its tree_param and the trees before learner_model_param: each tree
 * is checked on its own when its object ends, the split features against
 * the number of features at the end.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <errno.h>
#include <math.h>

#include "common/jsonapi.h"
#include "mb/pg_wchar.h"

#include "models/trees/gbdt_format.h"
#include "models/trees/gbdt_trees.h"

/* Nodes of one tree, at most: more than a tree of GBDT_TREES_MAX_DEPTH holds. */
#define TREE_MAX_NODES (1 << 22)
#define MAX_FRAMES 32

/* What a value of the document is, from its path. */
typedef enum Kind
{
	K_OTHER = 0,				/* not read */
	/* objects */
	K_ROOT, K_LEARNER, K_LMP, K_OBJECTIVE, K_BOOSTER, K_MODEL, K_GBTREE_PARAM,
	K_TREE, K_TREE_PARAM,
	/* arrays of objects */
	K_TREES,
	/* arrays of scalars (the element has the array's kind) */
	K_TREE_INFO, K_LEFT, K_RIGHT, K_SPLIT_INDEX, K_SPLIT_COND, K_DEFAULT_LEFT,
	K_HESSIAN, K_SPLIT_TYPE,
	/* scalars */
	K_BASE_SCORE, K_NUM_FEATURE, K_NUM_CLASS, K_NUM_TARGET, K_OBJECTIVE_NAME,
	K_BOOSTER_NAME, K_NUM_TREES, K_NUM_PARALLEL_TREE, K_NUM_NODES,
	K_NKINDS
} Kind;

#define FIRST_OBJECT K_ROOT
#define LAST_OBJECT K_TREE_PARAM
#define FIRST_ARRAY K_TREE_INFO
#define LAST_ARRAY K_SPLIT_TYPE
#define IS_OBJECT(k) ((k) >= FIRST_OBJECT && (k) <= LAST_OBJECT)
#define IS_SCALAR_ARRAY(k) ((k) >= FIRST_ARRAY && (k) <= LAST_ARRAY)
#define IS_SCALAR(k) ((k) > LAST_ARRAY)

static const struct
{
	Kind		parent;
	const char *name;
	Kind		kind;
}			fields[] = {
	{K_ROOT, "learner", K_LEARNER},
	{K_LEARNER, "learner_model_param", K_LMP},
	{K_LEARNER, "objective", K_OBJECTIVE},
	{K_LEARNER, "gradient_booster", K_BOOSTER},
	{K_LMP, "base_score", K_BASE_SCORE},
	{K_LMP, "num_feature", K_NUM_FEATURE},
	{K_LMP, "num_class", K_NUM_CLASS},
	{K_LMP, "num_target", K_NUM_TARGET},
	{K_OBJECTIVE, "name", K_OBJECTIVE_NAME},
	{K_BOOSTER, "name", K_BOOSTER_NAME},
	{K_BOOSTER, "model", K_MODEL},
	{K_MODEL, "gbtree_model_param", K_GBTREE_PARAM},
	{K_MODEL, "trees", K_TREES},
	{K_MODEL, "tree_info", K_TREE_INFO},
	{K_GBTREE_PARAM, "num_trees", K_NUM_TREES},
	{K_GBTREE_PARAM, "num_parallel_tree", K_NUM_PARALLEL_TREE},
	{K_TREE, "left_children", K_LEFT},
	{K_TREE, "right_children", K_RIGHT},
	{K_TREE, "split_indices", K_SPLIT_INDEX},
	{K_TREE, "split_conditions", K_SPLIT_COND},
	{K_TREE, "default_left", K_DEFAULT_LEFT},
	{K_TREE, "sum_hessian", K_HESSIAN},
	{K_TREE, "split_type", K_SPLIT_TYPE},
	{K_TREE, "tree_param", K_TREE_PARAM},
	{K_TREE_PARAM, "num_nodes", K_NUM_NODES},
};

/* A growable array, palloc'd. */
typedef struct Vec
{
	void	   *data;
	size_t		n;
	size_t		cap;
} Vec;

/* One tree as the document gives it, before it is checked. */
enum
{
	T_LEFT, T_RIGHT, T_SPLIT_INDEX, T_DEFAULT_LEFT, T_SPLIT_TYPE,	/* int64 */
	T_SPLIT_COND, T_HESSIAN,	/* float */
	T_NARRAYS
};

typedef struct ReadState
{
	bool		failed;
	char	   *errbuf;
	size_t		errbuflen;

	int			depth;			/* of the frame stack */
	Kind		frames[MAX_FRAMES];
	Kind		next;			/* kind of the value about to start */
	bool		next_element;	/* ... as an element of an array of scalars */

	bool		seen[K_NKINDS]; /* scalars and arrays, per document or per tree */

	/* the learner's scalars */
	float		base_score;
	int64		num_feature;
	int64		num_class;
	int64		num_target;
	int64		num_trees;
	int64		num_parallel_tree;
	int			objective;		/* GbdtObjective, 0: not known */
	bool		gbtree;
	Vec			tree_info;		/* int64 */

	/* the tree being read */
	Vec			arrays[T_NARRAYS];
	int64		num_nodes;

	/* the trees read so far */
	Vec			nodes;			/* GbdtNode */
	Vec			roots;			/* uint32 */
	Vec			expected;		/* double */
	uint32		max_depth;
} ReadState;

static void
fail(ReadState *st, const char *fmt,...) pg_attribute_printf(2, 3);

static void
fail(ReadState *st, const char *fmt,...)
{
	va_list		ap;

	if (st->failed)
		return;
	st->failed = true;
	va_start(ap, fmt);
	vsnprintf(st->errbuf, st->errbuflen, fmt, ap);
	va_end(ap);
}

static const char *
kind_name(Kind k)
{
	for (size_t i = 0; i < lengthof(fields); i++)
		if (fields[i].kind == k)
			return fields[i].name;
	return "the document";
}

/* Append one element of 'size' bytes; false (and failed) beyond 'limit'. */
static bool
vec_push(ReadState *st, Vec *v, size_t size, const void *elem, size_t limit)
{
	if (v->n >= limit)
	{
		fail(st, "XGBoost's JSON model has more than %zu values in one array.", limit);
		return false;
	}
	if (v->n == v->cap)
	{
		size_t		cap = v->cap == 0 ? 16 : Min(v->cap * 2, limit);

		v->data = v->data == NULL ? palloc(cap * size) : repalloc(v->data, cap * size);
		v->cap = cap;
	}
	memcpy((char *) v->data + v->n * size, elem, size);
	v->n++;
	return true;
}

static void
vec_free(Vec *v)
{
	if (v->data != NULL)
		pfree(v->data);
	memset(v, 0, sizeof(*v));
}

/* ---------------------------------------------------------------------------
 * Scalars
 * ---------------------------------------------------------------------------
 */

/* An integer in plain decimal form (a JSON number, or a string of one). */
static bool
parse_int(const char *s, int64 *out)
{
	char	   *end;
	long long	v;

	if (*s == '\0' || strspn(s, "-0123456789") != strlen(s))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = (int64) v;
	return true;
}

/* A finite float32 (XGBoost writes the shortest decimal that round-trips). */
static bool
parse_float(const char *s, float *out)
{
	char	   *end;
	float		v;

	if (*s == '\0')
		return false;
	v = strtof(s, &end);
	if (*end != '\0' || !isfinite(v))
		return false;
	*out = v;
	return true;
}

static int
tree_array(Kind k)
{
	switch (k)
	{
		case K_LEFT:
			return T_LEFT;
		case K_RIGHT:
			return T_RIGHT;
		case K_SPLIT_INDEX:
			return T_SPLIT_INDEX;
		case K_DEFAULT_LEFT:
			return T_DEFAULT_LEFT;
		case K_SPLIT_TYPE:
			return T_SPLIT_TYPE;
		case K_SPLIT_COND:
			return T_SPLIT_COND;
		case K_HESSIAN:
			return T_HESSIAN;
		default:
			return -1;
	}
}

/* An element of an array of scalars. */
static void
array_element(ReadState *st, Kind k, const char *token, JsonTokenType type)
{
	int			a = tree_array(k);
	int64		i;
	float		f;

	if (k == K_DEFAULT_LEFT && (type == JSON_TOKEN_TRUE || type == JSON_TOKEN_FALSE))
	{
		i = type == JSON_TOKEN_TRUE;
		vec_push(st, &st->arrays[a], sizeof(int64), &i, TREE_MAX_NODES);
		return;
	}
	if (type != JSON_TOKEN_NUMBER)
	{
		fail(st, "XGBoost's JSON model has a value of %s that is not a number.", kind_name(k));
		return;
	}
	if (k == K_SPLIT_COND || k == K_HESSIAN)
	{
		if (!parse_float(token, &f))
			fail(st, "XGBoost's JSON model has a value of %s that is not a finite float4: %.40s.",
				 kind_name(k), token);
		else
			vec_push(st, &st->arrays[a], sizeof(float), &f, TREE_MAX_NODES);
		return;
	}
	if (!parse_int(token, &i))
	{
		fail(st, "XGBoost's JSON model has a value of %s that is not an integer: %.40s.",
			 kind_name(k), token);
		return;
	}
	if (k == K_TREE_INFO)
		vec_push(st, &st->tree_info, sizeof(int64), &i, GBDT_TREES_MAX_NODES);
	else
		vec_push(st, &st->arrays[a], sizeof(int64), &i, TREE_MAX_NODES);
}

/* A scalar field; XGBoost writes the learner's parameters as strings. */
static void
scalar_field(ReadState *st, Kind k, const char *token, JsonTokenType type)
{
	int64		i = 0;
	bool		is_int;

	if (st->seen[k])
	{
		fail(st, "XGBoost's JSON model has two values of %s.", kind_name(k));
		return;
	}
	st->seen[k] = true;
	if (type != JSON_TOKEN_STRING && type != JSON_TOKEN_NUMBER)
	{
		fail(st, "XGBoost's JSON model has a value of %s that is neither a string nor a number.",
			 kind_name(k));
		return;
	}
	if (k == K_OBJECTIVE_NAME)
	{
		if (strcmp(token, "binary:logistic") == 0)
			st->objective = GBDT_BINARY;
		else if (strcmp(token, "reg:squarederror") == 0)
			st->objective = GBDT_REGRESSION;
		else
			fail(st, "XGBoost's JSON model has objective \"%.40s\"; insight reads binary:logistic and reg:squarederror.",
				 token);
		return;
	}
	if (k == K_BOOSTER_NAME)
	{
		st->gbtree = strcmp(token, "gbtree") == 0;
		if (!st->gbtree)
			fail(st, "XGBoost's JSON model has booster \"%.40s\"; insight reads gbtree.", token);
		return;
	}
	if (k == K_BASE_SCORE)
	{
		if (!parse_float(token, &st->base_score))
			fail(st, "XGBoost's JSON model has a base_score that is not a finite float4: %.40s.", token);
		return;
	}
	is_int = parse_int(token, &i);
	if (!is_int || i < 0)
	{
		fail(st, "XGBoost's JSON model has a value of %s that is not an integer >= 0: %.40s.",
			 kind_name(k), token);
		return;
	}
	switch (k)
	{
		case K_NUM_FEATURE:
			st->num_feature = i;
			break;
		case K_NUM_CLASS:
			st->num_class = i;
			break;
		case K_NUM_TARGET:
			st->num_target = i;
			break;
		case K_NUM_TREES:
			st->num_trees = i;
			break;
		case K_NUM_PARALLEL_TREE:
			st->num_parallel_tree = i;
			break;
		case K_NUM_NODES:
			st->num_nodes = i;
			break;
		default:
			break;
	}
}

/* ---------------------------------------------------------------------------
 * One tree: checked, compacted to its reachable nodes, its expected value
 * ---------------------------------------------------------------------------
 */

static void
tree_reset(ReadState *st)
{
	for (int a = 0; a < T_NARRAYS; a++)
		st->arrays[a].n = 0;
	st->num_nodes = -1;
	for (int k = K_TREE_INFO + 1; k <= K_SPLIT_TYPE; k++)
		st->seen[k] = false;
	st->seen[K_NUM_NODES] = false;
}

static void
tree_end(ReadState *st)
{
	uint32		t = (uint32) st->roots.n;
	int64		n = st->num_nodes;
	const int64 *left = st->arrays[T_LEFT].data;
	const int64 *right = st->arrays[T_RIGHT].data;
	const int64 *split = st->arrays[T_SPLIT_INDEX].data;
	const int64 *dleft = st->arrays[T_DEFAULT_LEFT].data;
	const int64 *stype = st->arrays[T_SPLIT_TYPE].data;
	const float *cond = st->arrays[T_SPLIT_COND].data;
	const float *hess = st->arrays[T_HESSIAN].data;
	int32	   *index;			/* node -> index in st->nodes, -1: unreachable */
	uint8	   *depth;
	double	   *mean;
	uint32		base = (uint32) st->nodes.n;
	uint32		root = base;

	if (st->failed)
		return;
	if (n < 1 || n > TREE_MAX_NODES)
	{
		fail(st, "Tree %u of XGBoost's JSON model has no valid num_nodes.", t);
		return;
	}
	for (int a = 0; a < T_NARRAYS; a++)
		if (st->arrays[a].n != (size_t) n && !(a == T_SPLIT_TYPE && st->arrays[a].n == 0))
		{
			fail(st, "Tree %u of XGBoost's JSON model has %lld nodes but %zu values in one of its arrays.",
				 t, (long long) n, st->arrays[a].n);
			return;
		}

	index = palloc(sizeof(int32) * n);
	depth = palloc(sizeof(uint8) * n);
	for (int64 i = 0; i < n; i++)
		index[i] = -1;
	index[0] = 0;
	depth[0] = 0;
	/* children after their parent: one pass in index order sees every parent first */
	for (int64 i = 0; i < n && !st->failed; i++)
	{
		GbdtNode	node;

		if (index[i] < 0)
			continue;			/* not reached from the root (a deleted node) */
		memset(&node, 0, sizeof(node));
		node.left = node.right = -1;
		node.cover = hess[i];
		if (!(hess[i] >= 0))
			fail(st, "Node %lld of tree %u of XGBoost's JSON model has a negative cover.", (long long) i, t);
		else if (st->arrays[T_SPLIT_TYPE].n > 0 && stype[i] != 0)
			fail(st, "Node %lld of tree %u of XGBoost's JSON model splits on a category; insight reads numeric splits only.",
				 (long long) i, t);
		else if (left[i] == -1 && right[i] == -1)
			node.value = cond[i];	/* a leaf: its value */
		else if (left[i] <= i || left[i] >= n || right[i] <= i || right[i] >= n ||
				 left[i] == right[i])
			fail(st, "Node %lld of tree %u of XGBoost's JSON model has children %lld and %lld, not two nodes after it in a tree of %lld.",
				 (long long) i, t, (long long) left[i], (long long) right[i], (long long) n);
		else if (index[left[i]] >= 0 || index[right[i]] >= 0)
			fail(st, "A node of tree %u of XGBoost's JSON model has two parents.", t);
		else if (depth[i] >= GBDT_TREES_MAX_DEPTH)
			fail(st, "Tree %u of XGBoost's JSON model is deeper than %d.", t, GBDT_TREES_MAX_DEPTH);
		else if (split[i] < 0 || split[i] >= GBDT_MAX_FEATURES)
			fail(st, "Node %lld of tree %u of XGBoost's JSON model splits on feature %lld.",
				 (long long) i, t, (long long) split[i]);
		else if (dleft[i] != 0 && dleft[i] != 1)
			fail(st, "Node %lld of tree %u of XGBoost's JSON model has default_left %lld.",
				 (long long) i, t, (long long) dleft[i]);
		else if (!(hess[i] > 0))
			fail(st, "Node %lld of tree %u of XGBoost's JSON model splits with a cover of 0.",
				 (long long) i, t);
		else
		{
			/* indices within st->nodes, assigned in index order */
			index[left[i]] = 1;
			index[right[i]] = 1;
			depth[left[i]] = depth[right[i]] = depth[i] + 1;
			node.feature = (uint32) split[i];
			node.cond = cond[i];
			node.default_left = dleft[i] == 1;
			node.left = (int32) left[i];	/* tree-local for now */
			node.right = (int32) right[i];
		}
		if (st->failed)
			break;
		st->max_depth = Max(st->max_depth, depth[i]);
		index[i] = (int32) st->nodes.n;
		if (!vec_push(st, &st->nodes, sizeof(GbdtNode), &node, GBDT_TREES_MAX_NODES))
			break;
	}

	if (!st->failed)
	{
		GbdtNode   *nodes = (GbdtNode *) st->nodes.data;
		uint32		end = (uint32) st->nodes.n;

		/* children to indices within st->nodes: still after their parent */
		for (uint32 j = base; j < end; j++)
			if (nodes[j].left >= 0)
			{
				nodes[j].left = index[nodes[j].left];
				nodes[j].right = index[nodes[j].right];
			}
		/* the expected value: cover-weighted means, children first */
		mean = palloc(sizeof(double) * (end - base));
		for (uint32 j = end; j-- > base;)
		{
			const GbdtNode *nd = &nodes[j];

			if (nd->left < 0)
				mean[j - base] = nd->value;
			else
				mean[j - base] = (mean[nd->left - base] * nodes[nd->left].cover +
								  mean[nd->right - base] * nodes[nd->right].cover) / nd->cover;
		}
		vec_push(st, &st->roots, sizeof(uint32), &root, GBDT_TREES_MAX_NODES);
		vec_push(st, &st->expected, sizeof(double), &mean[0], GBDT_TREES_MAX_NODES);
		pfree(mean);
	}
	pfree(index);
	pfree(depth);
}

/* ---------------------------------------------------------------------------
 * Semantic actions
 * ---------------------------------------------------------------------------
 */

static Kind
top(ReadState *st)
{
	return st->depth > 0 && st->depth <= MAX_FRAMES ? st->frames[st->depth - 1] : K_OTHER;
}

static void
push(ReadState *st, Kind k)
{
	if (st->depth < MAX_FRAMES)
		st->frames[st->depth] = k;
	st->depth++;
}

/* The value about to start is not a scalar: check that its kind allows it. */
static Kind
container_start(ReadState *st, bool array)
{
	Kind		k = st->next;

	st->next = K_OTHER;
	if (k == K_OTHER)
		return K_OTHER;
	if (st->next_element)
		fail(st, "XGBoost's JSON model has an array or object inside %s.", kind_name(k));
	else if (array ? !(IS_SCALAR_ARRAY(k) || k == K_TREES) : !IS_OBJECT(k))
		fail(st, "XGBoost's JSON model has %s where %s is expected.",
			 array ? "an array" : "an object",
			 IS_OBJECT(k) ? "an object" : IS_SCALAR(k) ? "a scalar" : "an array");
	else if (!IS_OBJECT(k) && k != K_TREES)
	{
		if (st->seen[k])
			fail(st, "XGBoost's JSON model has two values of %s.", kind_name(k));
		st->seen[k] = true;
	}
	return k;
}

static void
on_object_start(void *arg)
{
	ReadState  *st = arg;
	Kind		k = st->depth == 0 ? K_ROOT : container_start(st, false);

	if (k == K_TREE)
		tree_reset(st);
	push(st, st->failed ? K_OTHER : k);
}

static void
on_object_end(void *arg)
{
	ReadState  *st = arg;

	if (top(st) == K_TREE)
		tree_end(st);
	st->depth--;
}

static void
on_array_start(void *arg)
{
	ReadState  *st = arg;
	Kind		k = st->depth == 0 ? K_OTHER : container_start(st, true);

	push(st, st->failed ? K_OTHER : k);
}

static void
on_array_end(void *arg)
{
	((ReadState *) arg)->depth--;
}

static void
on_field_start(void *arg, char *fname, bool isnull)
{
	ReadState  *st = arg;
	Kind		parent = top(st);

	(void) isnull;
	st->next = K_OTHER;
	st->next_element = false;
	for (size_t i = 0; i < lengthof(fields) && IS_OBJECT(parent); i++)
		if (fields[i].parent == parent && strcmp(fields[i].name, fname) == 0)
		{
			st->next = fields[i].kind;
			break;
		}
	pfree(fname);
}

static void
on_element_start(void *arg, bool isnull)
{
	ReadState  *st = arg;
	Kind		k = top(st);

	(void) isnull;
	st->next_element = IS_SCALAR_ARRAY(k);
	st->next = k == K_TREES ? K_TREE : IS_SCALAR_ARRAY(k) ? k : K_OTHER;
}

static void
on_scalar(void *arg, char *token, JsonTokenType type)
{
	ReadState  *st = arg;
	Kind		k = st->next;

	st->next = K_OTHER;
	if (k != K_OTHER && !st->failed)
	{
		if (st->next_element)
			array_element(st, k, token, type);
		else if (IS_SCALAR(k))
			scalar_field(st, k, token, type);
		else
			fail(st, "XGBoost's JSON model has a scalar where %s is expected.",
				 IS_OBJECT(k) ? "an object" : "an array");
	}
	if (token != NULL)
		pfree(token);
}

/* ---------------------------------------------------------------------------
 * The reader
 * ---------------------------------------------------------------------------
 */

static void
state_free(ReadState *st)
{
	for (int a = 0; a < T_NARRAYS; a++)
		vec_free(&st->arrays[a]);
	vec_free(&st->tree_info);
	vec_free(&st->nodes);
	vec_free(&st->roots);
	vec_free(&st->expected);
}

static JsonParseErrorType
parse(const char *json, size_t len, JsonSemAction *sem)
{
	JsonLexContext *lex = makeJsonLexContextCstringLen(unconstify(char *, json), (int) len,
													   PG_UTF8, true);
	JsonParseErrorType rc = pg_parse_json(lex, sem);

	pfree(lex->strval->data);
	pfree(lex->strval);
	pfree(lex);
	return rc;
}

/* Document-wide checks once everything is read. */
static void
check_model(ReadState *st)
{
	const GbdtNode *nodes = st->nodes.data;
	const int64 *info = st->tree_info.data;

	if (st->failed)
		return;
	if (!st->gbtree || st->objective == 0 || !st->seen[K_BASE_SCORE] ||
		!st->seen[K_NUM_FEATURE] || !st->seen[K_NUM_TREES])
	{
		fail(st, "XGBoost's JSON model lacks its booster, objective, base_score, num_feature or num_trees.");
		return;
	}
	if (st->num_feature < 1 || st->num_feature > GBDT_MAX_FEATURES)
		fail(st, "XGBoost's JSON model has %lld features.", (long long) st->num_feature);
	else if (st->num_class != 0 || (st->seen[K_NUM_TARGET] && st->num_target != 1) ||
			 (st->seen[K_NUM_PARALLEL_TREE] && st->num_parallel_tree != 1))
		fail(st, "XGBoost's JSON model has more than one output or tree per round.");
	else if (st->roots.n == 0 || st->num_trees != (int64) st->roots.n ||
			 st->tree_info.n != st->roots.n)
		fail(st, "XGBoost's JSON model has %zu trees, num_trees %lld and %zu tree_info values.",
			 st->roots.n, (long long) st->num_trees, st->tree_info.n);
	else if (st->objective == GBDT_BINARY && !(st->base_score > 0 && st->base_score < 1))
		fail(st, "XGBoost's JSON model has base_score %g, not a probability strictly between 0 and 1.",
			 st->base_score);
	if (st->failed)
		return;
	for (size_t t = 0; t < st->tree_info.n; t++)
		if (info[t] != 0)
		{
			fail(st, "XGBoost's JSON model has a tree of output group %lld.", (long long) info[t]);
			return;
		}
	for (size_t j = 0; j < st->nodes.n; j++)
		if (nodes[j].left >= 0 && nodes[j].feature >= (uint32) st->num_feature)
		{
			fail(st, "XGBoost's JSON model splits on feature %u of %lld.",
				 nodes[j].feature, (long long) st->num_feature);
			return;
		}
}

bool
gbdt_trees_read(const char *json, size_t len, GbdtTrees *trees, char *errbuf, size_t errbuflen)
{
	ReadState	st;
	JsonSemAction sem;
	JsonParseErrorType rc;
	double		bias;

	memset(trees, 0, sizeof(*trees));
	if (len == 0 || len > (size_t) PG_INT32_MAX)
	{
		snprintf(errbuf, errbuflen, "XGBoost's JSON model has %zu bytes.", len);
		return false;
	}
	/* a malformed document is rejected before any action runs */
	rc = parse(json, len, &nullSemAction);
	if (rc != JSON_SUCCESS)
	{
		snprintf(errbuf, errbuflen, "XGBoost's JSON model is not valid JSON (parse error %d).",
				 (int) rc);
		return false;
	}

	memset(&st, 0, sizeof(st));
	st.errbuf = errbuf;
	st.errbuflen = errbuflen;
	st.next = K_OTHER;
	st.num_nodes = -1;
	memset(&sem, 0, sizeof(sem));
	sem.semstate = &st;
	sem.object_start = on_object_start;
	sem.object_end = on_object_end;
	sem.array_start = on_array_start;
	sem.array_end = on_array_end;
	sem.object_field_start = on_field_start;
	sem.array_element_start = on_element_start;
	sem.scalar = on_scalar;
	rc = parse(json, len, &sem);
	if (rc != JSON_SUCCESS)
		fail(&st, "XGBoost's JSON model is not valid JSON (parse error %d).", (int) rc);
	check_model(&st);
	if (st.failed)
	{
		state_free(&st);
		return false;
	}

	trees->features = (uint32) st.num_feature;
	trees->objective = (uint32) st.objective;
	trees->ntrees = (uint32) st.roots.n;
	trees->nnodes = (uint32) st.nodes.n;
	trees->max_depth = st.max_depth;
	trees->base_score = st.base_score;
	/* XGBoost's ProbToMargin, in float32 as XGBoost computes it */
	if (st.objective == GBDT_BINARY)
		trees->base_margin = (double) (-logf(1.0f / st.base_score - 1.0f));
	else
		trees->base_margin = (double) st.base_score;
	trees->nodes = st.nodes.data;
	trees->roots = st.roots.data;
	trees->expected = st.expected.data;
	bias = trees->base_margin;
	for (uint32 t = 0; t < trees->ntrees; t++)
		bias += trees->expected[t];
	trees->bias = bias;
	st.nodes.data = st.roots.data = st.expected.data = NULL;
	state_free(&st);
	if (!isfinite(trees->base_margin) || !isfinite(trees->bias))
	{
		snprintf(errbuf, errbuflen, "XGBoost's JSON model has a base margin or expected value that is not finite.");
		gbdt_trees_free(trees);
		return false;
	}
	return true;
}

void
gbdt_trees_free(GbdtTrees *trees)
{
	if (trees->nodes)
		pfree(trees->nodes);
	if (trees->roots)
		pfree(trees->roots);
	if (trees->expected)
		pfree(trees->expected);
	memset(trees, 0, sizeof(*trees));
}

/* ---------------------------------------------------------------------------
 * The walker
 * ---------------------------------------------------------------------------
 */

/* The child a row goes to: XGBoost's GetNextNode for numeric splits. */
static inline int32
next_node(const GbdtNode *node, float v)
{
	if (isnan(v))
		return node->default_left ? node->left : node->right;
	return v < node->cond ? node->left : node->right;
}

double
gbdt_trees_margin(const GbdtTrees *trees, const float *x)
{
	const GbdtNode *nodes = trees->nodes;
	double		margin = trees->base_margin;

	for (uint32 t = 0; t < trees->ntrees; t++)
	{
		int32		j = (int32) trees->roots[t];

		while (nodes[j].left >= 0)
			j = next_node(&nodes[j], x[nodes[j].feature]);
		margin += nodes[j].value;
	}
	return margin;
}

/* ---------------------------------------------------------------------------
 * TreeSHAP (Lundberg, Erion & Lee 2018, Algorithm 2), in double
 *
 * The path m[0 .. l] holds, for each feature split on between the root and
 * the current node (m[0] stands for no feature), the fraction of training
 * rows (by cover) that the path lets through when the feature is not known
 * (zero_fraction) and whether x itself follows it (one_fraction, 1 or 0),
 * and, in weight, the proportion of feature subsets of each size,
 * weighted by the Shapley kernel, that reach the node.
 * ---------------------------------------------------------------------------
 */

/* EXTEND: add element l to the path m[0 .. l-1]. */
static void
path_extend(GbdtPathElement *m, int l, double zero, double one, int32 feature)
{
	m[l].feature = feature;
	m[l].zero_fraction = zero;
	m[l].one_fraction = one;
	m[l].weight = l == 0 ? 1.0 : 0.0;
	for (int i = l - 1; i >= 0; i--)
	{
		m[i + 1].weight += one * m[i].weight * (double) (i + 1) / (double) (l + 1);
		m[i].weight = zero * m[i].weight * (double) (l - i) / (double) (l + 1);
	}
}

/* UNWIND: remove element k from the path m[0 .. l], inverting EXTEND. */
static void
path_unwind(GbdtPathElement *m, int l, int k)
{
	double		one = m[k].one_fraction;
	double		zero = m[k].zero_fraction;
	double		carry = m[l].weight;

	for (int i = l - 1; i >= 0; i--)
	{
		if (one != 0)
		{
			double		w = m[i].weight;

			m[i].weight = carry * (double) (l + 1) / ((double) (i + 1) * one);
			carry = w - m[i].weight * zero * (double) (l - i) / (double) (l + 1);
		}
		else
			m[i].weight = m[i].weight * (double) (l + 1) / (zero * (double) (l - i));
	}
	for (int i = k; i < l; i++)
	{
		m[i].feature = m[i + 1].feature;
		m[i].zero_fraction = m[i + 1].zero_fraction;
		m[i].one_fraction = m[i + 1].one_fraction;
	}
}

/* The sum of the weights UNWIND(m, k) would leave, m unchanged. */
static double
path_unwound_sum(const GbdtPathElement *m, int l, int k)
{
	double		one = m[k].one_fraction;
	double		zero = m[k].zero_fraction;
	double		carry = m[l].weight;
	double		total = 0;

	for (int i = l - 1; i >= 0; i--)
	{
		if (one != 0)
		{
			double		w = carry * (double) (l + 1) / ((double) (i + 1) * one);

			total += w;
			carry = m[i].weight - w * zero * (double) (l - i) / (double) (l + 1);
		}
		else if (zero != 0)
			total += m[i].weight * (double) (l + 1) / (zero * (double) (l - i));
	}
	return total;
}

/*
 * RECURSE: node j reached with the parent's path parent[0 .. l-1], through
 * a split on 'feature' that lets 'zero' of the rows and 'one' of x through.
 * A branch that lets nothing through (a child of cover 0 that x does not
 * follow) adds nothing and is skipped: every element on a path then has a
 * non-zero fraction, so UNWIND never divides by zero.
 */
static void
shap_recurse(const GbdtTrees *trees, const float *x, double *phi, int32 j,
			 GbdtPathElement *parent, int l, double zero, double one, int32 feature)
{
	const GbdtNode *node = &trees->nodes[j];
	GbdtPathElement *m = parent + l;
	double		in_zero = 1;
	double		in_one = 1;
	int32		hot;
	int32		cold;
	int			k;

	memcpy(m, parent, sizeof(GbdtPathElement) * l);
	path_extend(m, l, zero, one, feature);

	if (node->left < 0)
	{
		for (int i = 1; i <= l; i++)
			phi[m[i].feature] += path_unwound_sum(m, l, i) *
				(m[i].one_fraction - m[i].zero_fraction) * node->value;
		return;
	}

	hot = next_node(node, x[node->feature]);
	cold = hot == node->left ? node->right : node->left;
	/* a feature split on again: undo its earlier element, redo it here */
	for (k = 1; k <= l; k++)
		if (m[k].feature == (int32) node->feature)
			break;
	if (k <= l)
	{
		in_zero = m[k].zero_fraction;
		in_one = m[k].one_fraction;
		path_unwind(m, l, k);
		l--;
	}
	zero = in_zero * trees->nodes[hot].cover / node->cover;
	if (zero != 0 || in_one != 0)
		shap_recurse(trees, x, phi, hot, m, l + 1, zero, in_one, (int32) node->feature);
	zero = in_zero * trees->nodes[cold].cover / node->cover;
	if (zero != 0)
		shap_recurse(trees, x, phi, cold, m, l + 1, zero, 0, (int32) node->feature);
}

size_t
gbdt_trees_path_size(const GbdtTrees *trees)
{
	size_t		d = (size_t) trees->max_depth + 2;

	return d * (d + 1) / 2;
}

void
gbdt_trees_shap(const GbdtTrees *trees, const float *x, double *phi, GbdtPathElement *path)
{
	memset(phi, 0, sizeof(double) * (trees->features + 1));
	for (uint32 t = 0; t < trees->ntrees; t++)
		shap_recurse(trees, x, phi, (int32) trees->roots[t], path, 0, 1, 1, -1);
	phi[trees->features] = trees->bias;
}
