/*-------------------------------------------------------------------------
 *
 * kmeans_model.c
 *	  The kmeans model value (layout in kmeans.h): writing, reading and
 *	  validating it, its info, and insight_kmeans_assign and
 *	  insight_kmeans_centroids.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/tuplestore.h"

#include "core/model_cache.h"
#include "core/util.h"
#include "models/cluster/kmeans.h"

bytea *
kmeans_model_write(const KMeansModel *mo)
{
	InsightModelWriter w;

	insight_writer_init(&w, INSIGHT_ALG_KMEANS);
	w.header.counts[0] = (uint32) mo->dim;
	w.header.counts[1] = (uint32) mo->k;
	w.header.counts[2] = (uint32) mo->ncurve;
	insight_write_uint64(&w, mo->rows);
	insight_write_uint64(&w, mo->skipped);
	insight_write_uint64(&w, mo->seed);
	insight_write_uint32(&w, mo->requested_k);
	insight_write_uint32(&w, mo->iterations);
	insight_write_uint32(&w, mo->n_init);
	insight_write_uint32(&w, mo->max_iterations);
	insight_write_float8(&w, mo->tolerance);
	insight_write_float8(&w, mo->inertia);
	insight_write_float8(&w, mo->silhouette);
	insight_write_uint64(&w, mo->silhouette_rows);
	insight_write_float8_array(&w, mo->centroids, (Size) mo->k * mo->dim);
	for (int i = 0; i < mo->k; i++)
		insight_write_uint64(&w, mo->sizes[i]);
	insight_write_float8_array(&w, mo->curve, (Size) mo->ncurve * 3);
	return insight_writer_finish(&w);
}

void *
insight_kmeans_decode(InsightModel *m)
{
	KMeansModel *mo = palloc(sizeof(KMeansModel));
	Size		dim = m->header.counts[0];
	Size		k = m->header.counts[1];
	Size		ncurve = m->header.counts[2];
	uint64		total = 0;

	if (dim == 0 || k == 0 || dim > 100000 || k > 100000 || ncurve > KSEARCH_MAX ||
		m->header.counts[3] != 0)
		insight_model_corrupt(psprintf("A k-means model cannot have %zu features, %zu clusters and %zu curve points.",
									   dim, k, ncurve));
	insight_model_expect_payload(m, 8 * 3 + 4 * 4 + 8 * 4 + 8 * k * dim + 8 * k + 24 * ncurve);
	mo->dim = (int) dim;
	mo->k = (int) k;
	mo->ncurve = (int) ncurve;
	mo->rows = insight_read_uint64(m);
	mo->skipped = insight_read_uint64(m);
	mo->seed = insight_read_uint64(m);
	mo->requested_k = insight_read_uint32(m);
	mo->iterations = insight_read_uint32(m);
	mo->n_init = insight_read_uint32(m);
	mo->max_iterations = insight_read_uint32(m);
	mo->tolerance = insight_read_float8(m);
	mo->inertia = insight_read_float8(m);
	mo->silhouette = insight_read_float8(m);
	mo->silhouette_rows = insight_read_uint64(m);
	mo->centroids = palloc(sizeof(double) * k * dim);
	insight_read_float8_array(m, mo->centroids, k * dim);
	mo->sizes = palloc(sizeof(uint64) * k);
	for (Size i = 0; i < k; i++)
		mo->sizes[i] = insight_read_uint64(m);
	mo->curve = palloc(sizeof(double) * Max(ncurve, 1) * 3);
	insight_read_float8_array(m, mo->curve, ncurve * 3);
	insight_model_close(m);
	for (Size i = 0; i < k * dim; i++)
		if (!isfinite(mo->centroids[i]))
			insight_model_corrupt(psprintf("Centroid value %zu is not finite.", i + 1));
	for (Size i = 0; i < k; i++)
	{
		if (mo->sizes[i] == 0 || mo->sizes[i] > mo->rows)
			insight_model_corrupt(psprintf("Cluster %zu has size %llu of %llu rows.", i + 1,
										   (unsigned long long) mo->sizes[i],
										   (unsigned long long) mo->rows));
		total += mo->sizes[i];
	}
	if (total != mo->rows)
		insight_model_corrupt("The cluster sizes do not add up to the rows.");
	return mo;
}

void
insight_kmeans_info(const void *model, StringInfo buf)
{
	const KMeansModel *mo = model;

	insight_json_int64(buf, "features", mo->dim);
	insight_json_int64(buf, "k", mo->k);
	if (mo->requested_k > 0)
		insight_json_int64(buf, "requested_k", mo->requested_k);
	else
		insight_json_text(buf, "k_chosen_by", "silhouette");
	insight_json_int64(buf, "rows", (int64) mo->rows);
	insight_json_int64(buf, "rows_skipped", (int64) mo->skipped);
	insight_json_int64(buf, "seed", (int64) mo->seed);
	insight_json_int64(buf, "n_init", mo->n_init);
	insight_json_int64(buf, "max_iterations", mo->max_iterations);
	insight_json_float8(buf, "tolerance", mo->tolerance);
	insight_json_int64(buf, "iterations", mo->iterations);
	insight_json_float8(buf, "inertia", mo->inertia);
	insight_json_float8(buf, "silhouette", mo->silhouette);
	insight_json_int64(buf, "silhouette_rows", (int64) mo->silhouette_rows);
	appendStringInfoString(buf, ", \"sizes\": [");
	for (int i = 0; i < mo->k; i++)
		appendStringInfo(buf, "%s" UINT64_FORMAT, i ? ", " : "", mo->sizes[i]);
	appendStringInfoString(buf, "], \"centroids\": [");
	for (int i = 0; i < mo->k; i++)
	{
		StringInfoData one;

		initStringInfo(&one);
		insight_json_float8_array(&one, "c", mo->centroids + (Size) i * mo->dim, mo->dim);
		/* one.data is ', "c": [...]': keep the array */
		appendStringInfo(buf, "%s%s", i ? ", " : "", strchr(one.data, '['));
	}
	appendStringInfoChar(buf, ']');
	if (mo->ncurve > 0)
	{
		appendStringInfoString(buf, ", \"k_curve\": [");
		for (int i = 0; i < mo->ncurve; i++)
		{
			appendStringInfo(buf, "%s{\"k\": %d", i ? ", " : "", (int) mo->curve[3 * i]);
			insight_json_float8(buf, "silhouette", mo->curve[3 * i + 1]);
			insight_json_float8(buf, "inertia", mo->curve[3 * i + 2]);
			appendStringInfoChar(buf, '}');
		}
		appendStringInfoChar(buf, ']');
	}
}

static InsightModelReader
kmeans_lookup(const InsightModelHeader *header, int expected)
{
	insight_model_expect_algorithm(header, expected);
	return insight_kmeans_decode;
}

static const KMeansModel *
kmeans_model_arg(FunctionCallInfo fcinfo)
{
	return insight_model_cache_get(fcinfo, 0, kmeans_lookup, INSIGHT_ALG_KMEANS, NULL);
}

PG_FUNCTION_INFO_V1(insight_kmeans_assign);
Datum
insight_kmeans_assign(PG_FUNCTION_ARGS)
{
	const KMeansModel *mo = kmeans_model_arg(fcinfo);
	const double *x;
	int			n;

	if (!insight_read_features(PG_GETARG_ARRAYTYPE_P(1), mo->dim, &x, &n))
		PG_RETURN_NULL();
	PG_RETURN_INT32(kmeans_nearest(mo->centroids, mo->k, mo->dim, x) + 1);
}

PG_FUNCTION_INFO_V1(insight_kmeans_centroids);
Datum
insight_kmeans_centroids(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const KMeansModel *mo;

	InitMaterializedSRF(fcinfo, 0);
	mo = kmeans_model_arg(fcinfo);
	for (int i = 0; i < mo->k; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = Int32GetDatum(i + 1);
		values[1] = PointerGetDatum(insight_float8_array(mo->centroids + (Size) i * mo->dim, mo->dim));
		values[2] = Int64GetDatum((int64) mo->sizes[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
