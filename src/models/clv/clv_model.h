/*-------------------------------------------------------------------------
 *
 * clv_model.h
 *	  What the CLV models (BG/NBD, Pareto/NBD, Gamma-Gamma) share: the model
 *	  value, the aggregate state that collects the training rows, and the
 *	  validation of a customer's summary (frequency, recency, T).
 *
 * Model (algorithms "bgnbd", "pnbd", "gammagamma", "mbgnbd", "bgbb"): counts[0] =
 * number of parameters k (4, 4, 3, 4, 4); payload, little-endian:
 *	  float8 params[k]			 (r, alpha, a, b | r, alpha, s, beta | p, q, gamma
 *								  | r, alpha, a, b | alpha, beta, gamma, delta)
 *	  float8 log_likelihood		 (NaN for a model built from given parameters)
 *	  float8 customers			 (rows fitted, sum of weights)
 *	  uint64 distinct_rows		 (after collapsing identical rows)
 *	  float8 rows_skipped
 *	  uint32 iterations			 (BFGS iterations, plus Nelder-Mead's when it
 *								  took over)
 *	  uint32 status				 (ClvStatus)
 *	  float8 extra				 (Gamma-Gamma: correlation of frequency and
 *								  spend; NaN otherwise)
 *	  float8 se[k]				 (only with flag 0x1, CLV_FLAG_SE: standard
 *								  errors of the parameters, NaN where not
 *								  available; models written before 0.2.0
 *								  have no flag and no standard errors)
 *
 * Aggregate state (a bytea, updated in place, see docs/design.md, Scale): rows of
 * 'width' values plus a weight; identical rows are merged (sorted and
 * collapsed) whenever the state is full, so customers with the same summary
 * cost one row (Fader, Hardie & Lee 2005 fit on the collapsed (x, t_x, T)
 * counts the same way).
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_CLV_MODEL_H
#define INSIGHT_CLV_MODEL_H

#include "fmgr.h"
#include "lib/stringinfo.h"

#include "math/special.h"
#include "core/model_format.h"
#include "core/model_cache.h"

#define CLV_FLAG_SE 0x1

typedef enum ClvStatus
{
	CLV_GIVEN = 0,				/* built from given parameters */
	CLV_CONVERGED = 1,			/* maximum-likelihood fit, converged */
	CLV_NOT_CONVERGED = 2		/* fit stopped at the iteration limit */
} ClvStatus;

typedef struct ClvRows ClvRows;	/* the aggregate state, below */

typedef struct ClvModel
{
	uint16		algorithm;
	int			nparams;
	double		params[CLV_MAX_PARAMS];
	double		log_likelihood;
	double		customers;
	uint64		distinct_rows;
	double		skipped;
	uint32		iterations;
	uint32		status;
	double		extra;
	bool		has_se;			/* flag CLV_FLAG_SE: standard errors follow */
	double		se[CLV_MAX_PARAMS];	/* NaN where the Hessian is not positive definite */
} ClvModel;

/* Number of parameters and their names for a CLV algorithm. */
extern int	clv_param_count(uint16 algorithm);
extern const char *const *clv_param_names(uint16 algorithm);

/* A model value from a ClvModel. */
extern bytea *clv_model_write(const ClvModel *model);

/*
 * The CLV model of bytea argument argno, read and validated once per
 * backend (core/model_cache.h).  'expected' is an algorithm id, or 0 for
 * "a transaction model" (bgnbd or pnbd).
 */
extern const ClvModel *clv_model_arg(FunctionCallInfo fcinfo, int argno, int expected);

/* The model cache's lookup of any CLV model (BG/NBD, Pareto/NBD, Gamma-Gamma). */
extern InsightModelReader clv_any_reader(const InsightModelHeader *header, int expected);

/* A model from parameters given in SQL (each must be positive and finite). */
extern Datum clv_model_from_args(FunctionCallInfo fcinfo, uint16 algorithm);

/* The algorithm table's entry of the three algorithms: reader and info. */
extern void *clv_model_decode(InsightModel *m);
extern void insight_clv_model_info(const void *model, StringInfo buf);

/*
 * Validate a customer's summary (frequency, recency, T): finite, 0 <=
 * recency <= T, frequency a whole number of at most CLV_MAX_FREQUENCY (2^53,
 * the last whole number every float8 below holds; the Pareto/NBD terms
 * (r+x) ln(alpha+T) stay finite up to there).
 */
#define CLV_MAX_FREQUENCY 9007199254740992.0
extern void clv_check_summary(double x, double t_x, double T);

/*
 * Validate a BG/BB summary (frequency, recency, periods): whole numbers,
 * 0 <= x <= t_x <= n <= CLV_BGBB_MAX_PERIODS, t_x = 0 exactly when x = 0.
 */
#define CLV_BGBB_MAX_PERIODS 100000
extern void clv_bgbb_check_summary(double x, double t_x, double n);

/* Length of a period in days (errors for zero, negative or infinite). */
extern double clv_period_days(Datum interval);

/*
 * Fit a model by maximum likelihood on the rows of a state: minimise the
 * negative log-likelihood f over log-parameters, starting from all
 * parameters = 1 (as lifetimes does).  'extra' is stored as is.
 */
extern bytea *clv_fit(ClvRows *s, uint16 algorithm, ClvObjective f, ClvObjectiveGrad fg,
					 double extra);

/*
 * Transaction models (params in the order of clv_param_names).  A new
 * customer is x = t_x = T = 0.
 *	  _p_alive: P(alive | x, t_x, T)
 *	  _expected: E[purchases in (T, T + t] | x, t_x, T]
 *	  _pmf: P(X(t) = n) for a new customer
 */
extern double clv_bgnbd_p_alive(const double *p, double x, double t_x, double T);
extern double clv_bgnbd_expected(const double *p, double t, double x, double t_x, double T);
extern double clv_bgnbd_pmf(const double *p, double n, double t);
extern double clv_mbgnbd_p_alive(const double *p, double x, double t_x, double T);
extern double clv_mbgnbd_expected(const double *p, double t, double x, double t_x, double T);
extern double clv_mbgnbd_pmf(const double *p, double n, double t);
extern double clv_pnbd_p_alive(const double *p, double x, double t_x, double T);
extern double clv_pnbd_expected(const double *p, double t, double x, double t_x, double T);
extern double clv_pnbd_pmf(const double *p, double n, double t);

/*
 * The negative log-likelihoods of the fits over log-parameters on a state's
 * rows (arg: the ClvRows), alone and with their analytic gradients.
 */
extern double clv_bgnbd_negll(const double *theta, void *arg);
extern double clv_bgnbd_negll_grad(const double *theta, double *grad, void *arg);
extern double clv_bgbb_negll(const double *theta, void *arg);
extern double clv_bgbb_negll_grad(const double *theta, double *grad, void *arg);
extern double clv_mbgnbd_negll(const double *theta, void *arg);
extern double clv_mbgnbd_negll_grad(const double *theta, double *grad, void *arg);
extern double clv_pnbd_negll(const double *theta, void *arg);
extern double clv_pnbd_negll_grad(const double *theta, double *grad, void *arg);
extern double clv_gammagamma_negll(const double *theta, void *arg);
extern double clv_gammagamma_negll_grad(const double *theta, double *grad, void *arg);

/* Gamma-Gamma E[spend per transaction | x, m] (m ignored when x = 0). */
extern double clv_gammagamma_expected_spend(const ClvModel *model, double x, double m);

/* ---- aggregate state ---- */
struct ClvRows
{
	int32		vl_len_;
	int32		width;			/* values per row, without the weight */
	int64		nrows;
	int64		capacity;
	double		skipped;		/* rows skipped, counted */
	double		rows[FLEXIBLE_ARRAY_MEMBER];	/* capacity * (width + 1) */
};

/* The state argument argno (NULL when NULL), validated for 'width'. */
extern ClvRows *clv_rows_arg(FunctionCallInfo fcinfo, int argno, int width);
/* Add one row (a new state when s is NULL or full: use the result). */
extern ClvRows *clv_rows_add(ClvRows *s, int width,
							 const double *values, double weight);
/*
 * The transition function of a fit on (frequency, recency, T or periods):
 * arguments 1-3 checked by 'check' and added, a row with a NULL skipped and
 * counted.
 */
extern Datum clv_summary_accum(FunctionCallInfo fcinfo, void (*check) (double, double, double));
/* Count a skipped row. */
extern ClvRows *clv_rows_skip(ClvRows *s, int width);
/* Sort the rows and merge identical ones. */
extern void clv_rows_compact(ClvRows *s);
/* A transaction-model state ready to fit (see clv_rows.c). */
extern ClvRows *clv_transaction_rows(FunctionCallInfo fcinfo, uint16 algorithm);
/* Sum of the weights. */
extern double clv_rows_weight(const ClvRows *s);

#endif							/* INSIGHT_CLV_MODEL_H */
