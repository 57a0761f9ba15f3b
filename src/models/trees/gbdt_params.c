/*-------------------------------------------------------------------------
 *
 * gbdt_params.c
 *	  The params jsonb of insight_gbdt_fit, validated in C before XGBoost
 *	  sees a value: unknown keys, values of the wrong JSON type and values
 *	  out of range (gbdt_format.c) are errors (22023) naming the valid range.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "models/trees/gbdt.h"

/* The value as JSON text, for a message. */
static char *
value_text(JsonbValue *v)
{
	StringInfoData buf;

	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvBool:
			return v->val.boolean ? "true" : "false";
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
		case jbvString:
			initStringInfo(&buf);
			escape_json(&buf, pnstrdup(v->val.string.val, v->val.string.len));
			return buf.data;
		case jbvBinary:
			return JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);
		default:
			return "?";
	}
}

static void pg_attribute_noreturn()
bad_value(const char *key, JsonbValue *v, const char *range)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for parameter \"%s\": %s", key, value_text(v)),
			 errhint("The value of \"%s\" must be %s.", key, range)));
}

/* A number parameter: a JSON number in range. */
static void
parse_number(GbdtParamId id, JsonbValue *v, GbdtParams *p)
{
	const GbdtParamSpec *s = &gbdt_params[id];
	double		d;

	if (v->type != jbvNumeric)
		bad_value(s->name, v, s->range);
	d = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
										   NumericGetDatum(v->val.numeric)));
	if (!gbdt_param_in_range(id, d))
		bad_value(s->name, v, s->range);
	p->v[id] = d;
}

static void
parse_tree_method(JsonbValue *v, GbdtParams *p)
{
	static const char *range = "one of \"hist\", \"approx\" or \"exact\"";

	if (v->type != jbvString)
		bad_value("tree_method", v, range);
	for (int m = 1; m <= GBDT_NUM_TREE_METHODS; m++)
		if (strlen(gbdt_tree_methods[m]) == (size_t) v->val.string.len &&
			memcmp(gbdt_tree_methods[m], v->val.string.val, v->val.string.len) == 0)
		{
			p->tree_method = m;
			return;
		}
	bad_value("tree_method", v, range);
}

/* feature_names: an array of distinct names, [A-Za-z_][A-Za-z0-9_]* */
static void
parse_names(JsonbValue *v, char ***names, int *nnames)
{
	static const char *range = "an array of distinct names of letters, digits and underscores, not starting with a digit, at most 63 characters each";
	JsonbIterator *it;
	JsonbValue	e;
	JsonbIteratorToken tok;
	int			n = 0;
	int			cap = 16;
	char	  **out;

	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		bad_value("feature_names", v, range);
	out = palloc(sizeof(char *) * cap);
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (e.type != jbvString ||
			!gbdt_name_valid((const uint8 *) e.val.string.val, e.val.string.len))
			bad_value("feature_names", v, range);
		if (n == GBDT_MAX_FEATURES)
			bad_value("feature_names", v, "an array of at most 10000 names");
		if (n == cap)
			out = repalloc(out, sizeof(char *) * (cap *= 2));
		out[n] = pnstrdup(e.val.string.val, e.val.string.len);
		for (int i = 0; i < n; i++)
			if (strcmp(out[i], out[n]) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for parameter \"feature_names\": \"%s\" appears twice",
								out[n]),
						 errhint("The value of \"feature_names\" must be %s.", range)));
		n++;
	}
	if (n == 0)
		bad_value("feature_names", v, range);
	*names = out;
	*nnames = n;
}

void
insight_gbdt_parse_params(Jsonb *params, GbdtParams *p, char ***names, int *nnames)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;
	bool		fraction_given = false;

	for (int i = 0; i < GBDT_NUM_PARAMS; i++)
		p->v[i] = gbdt_params[i].dflt;
	p->tree_method = GBDT_HIST;
	*names = NULL;
	*nnames = 0;

	if (!JB_ROOT_IS_OBJECT(params))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("params must be a JSON object"),
				 errhint("Pass for example '{\"rounds\": 200, \"max_depth\": 4}'.")));

	it = JsonbIteratorInit(&params->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		int			id;

		if (tok == WJB_KEY)
		{
			key = pnstrdup(v.val.string.val, v.val.string.len);
			continue;
		}
		if (tok != WJB_VALUE)
			continue;
		for (id = 0; id < GBDT_NUM_PARAMS; id++)
			if (strcmp(key, gbdt_params[id].name) == 0)
				break;
		if (id < GBDT_NUM_PARAMS)
		{
			parse_number(id, &v, p);
			fraction_given |= id == GBDT_VALIDATION_FRACTION;
		}
		else if (strcmp(key, "tree_method") == 0)
			parse_tree_method(&v, p);
		else if (strcmp(key, "feature_names") == 0)
			parse_names(&v, names, nnames);
		else
		{
			StringInfoData keys;

			initStringInfo(&keys);
			for (int i = 0; i < GBDT_NUM_PARAMS; i++)
				appendStringInfo(&keys, "%s, ", gbdt_params[i].name);
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unrecognized parameter \"%s\"", key),
					 errhint("Valid parameters are %stree_method and feature_names.", keys.data)));
		}
	}

	/* early stopping needs validation rows: 20% unless given */
	if (p->v[GBDT_EARLY_STOPPING_ROUNDS] > 0)
	{
		if (!fraction_given)
			p->v[GBDT_VALIDATION_FRACTION] = 0.2;
		else if (p->v[GBDT_VALIDATION_FRACTION] == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("early stopping needs validation rows"),
					 errdetail("early_stopping_rounds is %g but validation_fraction is 0.",
							   p->v[GBDT_EARLY_STOPPING_ROUNDS]),
					 errhint("Set validation_fraction above 0 (the default with early stopping is 0.2), or leave out early_stopping_rounds.")));
		if (p->v[GBDT_EARLY_STOPPING_ROUNDS] > p->v[GBDT_ROUNDS])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("early_stopping_rounds (%g) must not exceed rounds (%g)",
							p->v[GBDT_EARLY_STOPPING_ROUNDS], p->v[GBDT_ROUNDS]),
					 errhint("Raise rounds or lower early_stopping_rounds.")));
	}
}
