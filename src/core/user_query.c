/*-------------------------------------------------------------------------
 *
 * user_query.c
 *	  Trim, prepare, check and wrap a user's query (see user_query.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/plancache.h"

#include "core/user_query.h"

/* The query without trailing white space and semicolons (possibly empty). */
static char *
trim_query(const char *query)
{
	char	   *q = pstrdup(query);
	int			len = strlen(q);

	while (len > 0 && (q[len - 1] == ';' || isspace((unsigned char) q[len - 1])))
		q[--len] = '\0';
	return q;
}

/* The rows the caller reads, e.g. "(features float8[], label boolean)". */
static char *
expected_rows(const InsightQuerySpec *spec)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '(');
	for (int i = 0; i < spec->ncolumns; i++)
	{
		const InsightQueryColumn *c = &spec->columns[i];

		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", c->name);
		if (c->type_name)
			appendStringInfo(&buf, " %s", c->type_name);
	}
	appendStringInfoString(&buf, spec->more_columns ? ", ...)" : ")");
	return buf.data;
}

/* The rows a query returns, e.g. "(f double precision[], l integer)". */
static char *
returned_rows(TupleDesc desc)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '(');
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		appendStringInfo(&buf, "%s%s %s", i > 0 ? ", " : "",
						 quote_identifier(NameStr(a->attname)), format_type_be(a->atttypid));
	}
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

static bool
is_number_type(Oid type)
{
	return type == INT2OID || type == INT4OID || type == INT8OID ||
		type == FLOAT4OID || type == FLOAT8OID || type == NUMERICOID;
}

/* Error unless the prepared query is exactly one SELECT; its result columns. */
static TupleDesc
single_select(const InsightUserQuery *uq, const char *fname, const char *rows)
{
	List	   *sources = SPI_plan_get_plan_sources(uq->plan);
	CachedPlanSource *ps = list_length(sources) == 1 ? linitial(sources) : NULL;

	if (ps == NULL || ps->commandTag != CMDTAG_SELECT || ps->resultDesc == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("query must be a single SELECT"),
				 ps == NULL ?
				 errdetail("The query holds %d statements; %s reads the rows %s of one.",
						   list_length(sources), fname, rows) :
				 errdetail("The query is a %s statement; %s reads the rows %s of a SELECT.",
						   GetCommandTagName(ps->commandTag), fname, rows),
				 errhint("Pass one SELECT, VALUES or TABLE query, without a trailing statement.")));
	return ps->resultDesc;
}

void
insight_user_query(InsightUserQuery *uq, const char *query, const char *fname,
				   const InsightQuerySpec *spec)
{
	char	   *rows = expected_rows(spec);
	TupleDesc	desc;
	StringInfoData from;

	Assert(spec->ncolumns <= INSIGHT_QUERY_MAX_COLUMNS);
	uq->text = trim_query(query);
	if (uq->text[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("query must not be empty"),
				 errhint("Pass a query returning %s.", rows)));

	uq->plan = SPI_prepare(uq->text, 0, NULL);
	if (uq->plan == NULL)
		elog(ERROR, "%s: SPI_prepare failed: %s", fname, SPI_result_code_string(SPI_result));
	desc = single_select(uq, fname, rows);

	if (desc->natts < spec->ncolumns || (desc->natts > spec->ncolumns && !spec->more_columns))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 spec->more_columns ?
				 errmsg_plural("query must return at least %d column, not %d",
							   "query must return at least %d columns, not %d",
							   spec->ncolumns, spec->ncolumns, desc->natts) :
				 errmsg_plural("query must return %d column, not %d",
							   "query must return %d columns, not %d",
							   spec->ncolumns, spec->ncolumns, desc->natts),
				 errdetail("%s reads rows %s; the query returns %s.",
						   fname, rows, returned_rows(desc)),
				 errhint("%s", spec->hint)));

	for (int i = 0; i < spec->ncolumns; i++)
	{
		const InsightQueryColumn *c = &spec->columns[i];
		Form_pg_attribute a = TupleDescAttr(desc, i);
		Oid			base = getBaseType(a->atttypid);

		if ((c->kind == INSIGHT_COLUMN_TYPE && base != c->type) ||
			(c->kind == INSIGHT_COLUMN_NUMBER && !is_number_type(base)))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column %d of query must be %s, not %s", i + 1,
							c->kind == INSIGHT_COLUMN_NUMBER ? "a number" : c->type_name,
							format_type_be(a->atttypid)),
					 errdetail("%s reads rows %s; column %d (\"%s\") holds the %s.",
							   fname, rows, i + 1, NameStr(a->attname), c->name),
					 errhint("%s", spec->hint)));
		uq->types[i] = base;
	}

	initStringInfo(&from);
	appendStringInfo(&from, "(%s\n) AS q(", uq->text);
	for (int i = 0; i < spec->ncolumns; i++)
		appendStringInfo(&from, "%s%s", i > 0 ? ", " : "", spec->columns[i].name);
	appendStringInfoChar(&from, ')');
	uq->from = from.data;
}
