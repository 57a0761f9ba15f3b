/*-------------------------------------------------------------------------
 *
 * user_query.h
 *	  A user's query as the training functions run it: trimmed, prepared
 *	  once to check that it is one SELECT whose result columns have the
 *	  types the caller expects, and wrapped for the caller's own SQL.
 *
 * Usage, connected to SPI:
 *	  static const InsightQueryColumn columns[] = {
 *		  {"features", INSIGHT_COLUMN_TYPE, FLOAT8ARRAYOID, "float8[]"},
 *		  {"label", INSIGHT_COLUMN_TYPE, BOOLOID, "boolean"},
 *	  };
 *	  static const InsightQuerySpec spec = {columns, 2, false, "Cast the columns, ..."};
 *	  InsightUserQuery uq;
 *
 *	  insight_user_query(&uq, query, "insight_logreg_fit", &spec);
 *	  ... psprintf("SELECT ... FROM %s", uq.from) ...
 *
 * Errors (each with a detail naming the function, the rows it reads and the
 * offending column with its type, and the caller's hint):
 *	  22023 the query is empty (only white space and semicolons);
 *	  42601 it is not exactly one SELECT (VALUES, TABLE and WITH ... SELECT
 *			are SELECTs; DELETE ... RETURNING or two statements are not);
 *	  42804 it returns too few or too many columns, or a column of another
 *			type (a domain counts as its base type);
 *	  and whatever parsing the query raises (a missing table, a syntax
 *	  error), with the user's own text as the statement.
 *
 *-------------------------------------------------------------------------
 */
#ifndef INSIGHT_USER_QUERY_H
#define INSIGHT_USER_QUERY_H

#include "executor/spi.h"

#define INSIGHT_QUERY_MAX_COLUMNS 4

typedef enum InsightColumnKind
{
	INSIGHT_COLUMN_TYPE,		/* of 'type' */
	INSIGHT_COLUMN_ANY,			/* of any type (read in its text form) */
	INSIGHT_COLUMN_NUMBER		/* smallint, integer, bigint, real, double
								 * precision or numeric */
} InsightColumnKind;

/* A result column the caller expects. */
typedef struct InsightQueryColumn
{
	const char *name;			/* its role, and its name in uq.from */
	InsightColumnKind kind;
	Oid			type;			/* for INSIGHT_COLUMN_TYPE */
	const char *type_name;		/* as messages write it ("float8[]"), or NULL */
} InsightQueryColumn;

typedef struct InsightQuerySpec
{
	const InsightQueryColumn *columns;
	int			ncolumns;
	bool		more_columns;	/* columns after these are allowed, unread */
	const char *hint;			/* how to give a query of the right shape */
} InsightQuerySpec;

typedef struct InsightUserQuery
{
	char	   *text;			/* without trailing white space and ';' */
	char	   *from;			/* "(text\n) AS q(name, ...)" for a FROM clause */
	SPIPlanPtr	plan;			/* text prepared as is (freed by SPI_finish) */
	Oid			types[INSIGHT_QUERY_MAX_COLUMNS];	/* base type of each column */
} InsightUserQuery;

/*
 * Check 'query' for 'fname' against 'spec' and fill *uq.  The caller is
 * connected to SPI.  The "\n" before the closing parenthesis of uq.from ends
 * a trailing -- comment of the query.
 */
extern void insight_user_query(InsightUserQuery *uq, const char *query,
							   const char *fname, const InsightQuerySpec *spec);

#endif							/* INSIGHT_USER_QUERY_H */
