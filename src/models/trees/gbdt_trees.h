/*-------------------------------------------------------------------------
 *
 * gbdt_trees.h
 *	  The trees of a GBDT model in double precision: a reader of XGBoost's
 *	  JSON model (XGBoosterSaveModelToBuffer, format "json") into flat
 *	  arrays, a tree walker giving the margin, and path-dependent TreeSHAP.
 *	  Plain C with no backend calls (errors through a message buffer), so
 *	  that the libFuzzer harness (test/fuzz) runs the reader, the walker and
 *	  TreeSHAP on mutated documents.
 *
 * Why: XGBoost predicts and explains in float32; its margin differs from the
 * exact sum of its own leaf values by a few 1e-6 and its SHAP values add up
 * to its margin within about 3e-6 (issue 17).  XGBoost still trains and
 * exports the model; prediction and explanation walk its trees here, every
 * sum in double, so that bias + sum of SHAP = margin to about 1e-15.
 *
 * Conventions, as XGBoost 1.7.4 (dmlc/xgboost, tag v1.7.4):
 *	- a split sends a row left when its feature value, as float32, is less
 *	  than the split condition (float32), right otherwise; a missing value
 *	  (NaN) goes to the node's default child (src/predictor/predict_fn.h,
 *	  GetNextNode);
 *	- a leaf's value is its split_conditions entry in the JSON model (a
 *	  float32, the leaf weight times eta); a node's cover is its sum_hessian;
 *	- the base margin is the learner's base_score turned into a margin by
 *	  the objective, in float32 as XGBoost does it (src/learner.cc,
 *	  ProbToMargin of src/objective/regression_loss.h): -logf(1/b - 1) for
 *	  binary:logistic, b itself for reg:squarederror;
 *	- the margin is the base margin plus the leaf value of every tree;
 *	- a tree's expected value is the cover-weighted mean of its leaves,
 *	  computed node by node as (mean(l) cover(l) + mean(r) cover(r)) /
 *	  cover(node) (src/predictor/cpu_predictor.cc, FillNodeMeanValues), and
 *	  the bias of the SHAP values is the base margin plus the sum of the
 *	  trees' expected values;
 *	- SHAP values are path-dependent TreeSHAP (Lundberg, Erion & Lee,
 *	  "Consistent Individualized Feature Attribution for Tree Ensembles",
 *	  2018, Algorithm 2; Lundberg et al., "From local explanations to global
 *	  understanding with explainable AI for trees", Nature Machine
 *	  Intelligence 2, 2020), with the covers as the fractions of training
 *	  rows that go down each branch (XGBoost's RegTree::TreeShap).
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_GBDT_TREES_H
#define INSIGHT_GBDT_TREES_H

/* The deepest tree accepted: the largest max_depth insight trains with. */
#define GBDT_TREES_MAX_DEPTH 20
/* Nodes of all trees of one model, at most (40 bytes each: 640 MB). */
#define GBDT_TREES_MAX_NODES (1 << 24)

typedef struct GbdtNode
{
	int32		left;			/* index of the left child in nodes[]; -1: a leaf */
	int32		right;			/* index of the right child; -1: a leaf */
	uint32		feature;		/* split feature, 0-based (internal nodes) */
	float		cond;			/* split condition (internal nodes) */
	bool		default_left;	/* where a missing value goes */
	double		value;			/* leaf value (leaves), as float32 in the model */
	double		cover;			/* sum of the training rows' hessians */
} GbdtNode;

typedef struct GbdtTrees
{
	uint32		features;		/* learner_model_param.num_feature */
	uint32		objective;		/* GbdtObjective */
	uint32		ntrees;
	uint32		max_depth;		/* the deepest leaf, in edges from its root */
	uint32		nnodes;
	float		base_score;		/* as stored, before ProbToMargin */
	double		base_margin;
	double		bias;			/* base_margin + sum of expected[] */
	uint32	   *roots;			/* ntrees: index of each tree's root in nodes */
	double	   *expected;		/* ntrees: each tree's expected value */
	GbdtNode   *nodes;
} GbdtTrees;

/*
 * Read XGBoost's JSON model of len bytes into *trees (palloc'd, in
 * CurrentMemoryContext in a backend; the caller frees with
 * gbdt_trees_free).  Validates the document and every value: a gbtree of one
 * output with objective binary:logistic or reg:squarederror, 1 ..
 * GBDT_MAX_FEATURES features, numeric splits only, in each tree every
 * child index greater than its parent's and within the tree, each node
 * reached from one parent only, split features below the number of
 * features, finite values, positive covers where a node splits, depth at
 * most GBDT_TREES_MAX_DEPTH.  Returns false with the reason in errbuf
 * (nothing allocated is kept).  Never recurses on the document's depth
 * beyond PostgreSQL's JSON parser.
 */
extern bool gbdt_trees_read(const char *json, size_t len, GbdtTrees *trees,
							char *errbuf, size_t errbuflen);

extern void gbdt_trees_free(GbdtTrees *trees);

/*
 * The margin of one row of trees->features float32 values (NaN: missing):
 * the base margin plus each tree's leaf value, summed in double.
 */
extern double gbdt_trees_margin(const GbdtTrees *trees, const float *x);

/*
 * SHAP values of one row: phi[0 .. features - 1] the contribution of each
 * feature, phi[features] the bias; they add up to gbdt_trees_margin(x).
 * 'path' is scratch space of gbdt_trees_path_size(trees) elements.
 */
typedef struct GbdtPathElement
{
	int32		feature;
	double		zero_fraction;
	double		one_fraction;
	double		weight;
} GbdtPathElement;

extern size_t gbdt_trees_path_size(const GbdtTrees *trees);
extern void gbdt_trees_shap(const GbdtTrees *trees, const float *x, double *phi,
							GbdtPathElement *path);

#endif							/* INSIGHT_GBDT_TREES_H */
