/*
 * libFuzzer harness over insight's model reader (src/core/model_core.c).
 *
 * Each input is checked twice: as given (almost every mutation must be
 * rejected by the header or checksum checks) and with its checksum repaired,
 * so that mutations of valid models reach the length checks and the payload
 * cursor.  Accepted models are then read value by value to the end.
 * Models of algorithm "gbdt" also go through their payload reader
 * (src/models/trees/gbdt_format.c), the insight-side checks that guard what
 * XGBoost is given; an accepted one must describe a booster inside the payload.
 * Inputs that start with '{' are also read as XGBoost JSON models by the
 * GBDT tree reader (src/models/trees/gbdt_trees.c: what insight reads from
 * the booster a model's bytes load, seeded with insight_gbdt_export JSON);
 * an accepted one must be a forest whose walks end, and its margin and
 * TreeSHAP values are computed for a row of zeros, a row of missing values
 * and a row taken from the input bytes.
 * Sanitizers (address, undefined) turn any out-of-bounds read into a crash.
 */
#include "postgres_fe.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/model_core.h"
#include "models/trees/gbdt_format.h"
#include "models/trees/gbdt_trees.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
read_payload(const uint8 *data, size_t size, const InsightModelHeader *h)
{
	InsightCursor cur;
	const uint8 *bytes;
	volatile double sink = 0;

	insight_cursor_init(&cur, data + INSIGHT_HEADER_SIZE, size - INSIGHT_HEADER_SIZE);
	/* walk the payload with every kind of read, as the loaders do */
	while (!cur.failed && !insight_cursor_done(&cur))
	{
		switch (cur.pos % 4)
		{
			case 0:
				sink += insight_cursor_float8(&cur);
				break;
			case 1:
				sink += insight_cursor_float4(&cur);
				break;
			case 2:
				sink += insight_cursor_uint32(&cur);
				break;
			default:
				if (insight_cursor_bytes(&cur, h->counts[0] % 64, &bytes) && h->counts[0] % 64)
					sink += bytes[0];
				else
					sink += insight_cursor_uint64(&cur);
				break;
		}
	}
	(void) sink;

	if (h->algorithm == INSIGHT_ALG_GBDT)
	{
		GbdtView	view;
		char		errbuf[INSIGHT_ERRBUF_SIZE];
		const uint8 *payload = data + INSIGHT_HEADER_SIZE;
		size_t		len = size - INSIGHT_HEADER_SIZE;

		errbuf[0] = '\0';
		if (gbdt_view_read(h, payload, len, &view, errbuf, sizeof(errbuf)))
		{
			/* the booster lies inside the payload, a '{' ... '}' object */
			if (view.booster < payload || view.booster_len > len ||
				view.booster + view.booster_len != payload + len ||
				view.booster[0] != '{' || view.features == 0)
				abort();
		}
		else if (errbuf[0] == '\0')
			abort();
	}
}

/* An XGBoost JSON model through the tree reader, the walker and TreeSHAP. */
static void
read_trees(const uint8 *data, size_t size)
{
	GbdtTrees	t;
	char		errbuf[INSIGHT_ERRBUF_SIZE];
	float	   *x;
	double	   *phi;
	GbdtPathElement *path;
	volatile double sink = 0;

	errbuf[0] = '\0';
	if (!gbdt_trees_read((const char *) data, size, &t, errbuf, sizeof(errbuf)))
	{
		if (errbuf[0] == '\0')
			abort();			/* a rejection must always say why */
		return;
	}
	if (t.features == 0 || t.features > GBDT_MAX_FEATURES || t.ntrees == 0 ||
		t.max_depth > GBDT_TREES_MAX_DEPTH)
		abort();
	for (uint32 j = 0; j < t.nnodes; j++)
		if (t.nodes[j].left >= 0 &&
			((uint32) t.nodes[j].left <= j || (uint32) t.nodes[j].right <= j ||
			 (uint32) t.nodes[j].left >= t.nnodes || (uint32) t.nodes[j].right >= t.nnodes ||
			 t.nodes[j].feature >= t.features))
			abort();

	x = calloc(t.features, sizeof(float));
	phi = malloc(sizeof(double) * (t.features + 1));
	path = malloc(sizeof(GbdtPathElement) * gbdt_trees_path_size(&t));
	for (int row = 0; row < 3; row++)
	{
		for (uint32 i = 0; i < t.features; i++)
			x[i] = row == 0 ? 0.0f : row == 1 ? NAN : (float) (int8) data[i % size] / 4.0f;
		sink += gbdt_trees_margin(&t, x);
		gbdt_trees_shap(&t, x, phi, path);
		sink += phi[t.features];
	}
	(void) sink;
	free(x);
	free(phi);
	free(path);
	gbdt_trees_free(&t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	InsightModelHeader h;
	char		errbuf[INSIGHT_ERRBUF_SIZE];
	uint8	   *copy;

	if (insight_model_check(data, size, &h, errbuf, sizeof(errbuf)))
		read_payload(data, size, &h);
	else if (errbuf[0] == '\0')
		abort();				/* a rejection must always say why */

	if (size > 0 && data[0] == '{')
		read_trees(data, size);
	if (size < INSIGHT_HEADER_SIZE)
		return 0;
	copy = malloc(size);
	memcpy(copy, data, size);
	insight_put_uint32(copy + 44, insight_model_crc(copy, copy + INSIGHT_HEADER_SIZE,
													size - INSIGHT_HEADER_SIZE));
	errbuf[0] = '\0';
	if (insight_model_check(copy, size, &h, errbuf, sizeof(errbuf)))
		read_payload(copy, size, &h);
	else if (errbuf[0] == '\0')
		abort();
	free(copy);
	return 0;
}
