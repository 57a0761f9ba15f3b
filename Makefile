# insight: PGXS build.
#
#   make                      build the extension (and assemble insight--VERSION.sql)
#   make install              install into the server found by PG_CONFIG
#   make installcheck         pg_regress against a running server (see ./run test)
#   make fuzz                 build the libFuzzer harness over the model reader
#
# The install script of the current version is assembled from the SQL parts
# listed in SQL_PARTS (src/sql/, folders mirroring src/), in that order.  The
# install scripts of released versions are frozen in src/sql/releases/, and
# each upgrade script insight--A--B.sql is assembled from the parts in
# src/sql/updates/A--B/ in file-name order.  Any change to the SQL goes into
# SQL_PARTS and into the upgrade script to the current version.

EXTENSION    = insight
EXTVERSION   = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" insight.control)

MODULE_big   = insight
# C sources by layer (see src/README.md); src/math/blas/ and
# src/models/trees/xgboost_module.c are modules of their own
XGB_SOURCE   = src/models/trees/xgboost_module.c
C_SOURCES    = $(filter-out $(XGB_SOURCE), \
               $(sort $(wildcard src/core/*.c src/math/*.c src/features/*.c src/eval/*.c \
                                 src/nn/*.c src/models/*.c src/models/*/*.c)))
OBJS         = $(C_SOURCES:.c=.o)
HEADERS      = $(wildcard src/*/*.h src/models/*/*.h)

# The order matters: an object is created after what it refers to.
SQL_PARTS    = src/sql/core/header.sql \
               src/sql/core/registry.sql \
               src/sql/core/generated_sql.sql \
               src/sql/core/row_pack.sql \
               src/sql/features/scaler.sql \
               src/sql/nn/nn.sql \
               src/sql/features/history.sql \
               src/sql/features/sales_source.sql \
               src/sql/features/sales_window.sql \
               src/sql/features/review_source.sql \
               src/sql/features/text.sql \
               src/sql/models/linear/logreg.sql \
               src/sql/models/algorithms.sql \
               src/sql/models/trees/gbdt.sql \
               src/sql/models/deep/mlp.sql \
               src/sql/models/deep/mlp_params.sql \
               src/sql/models/deep/sasrec.sql \
               src/sql/models/text/sentiment.sql \
               src/sql/eval/metrics.sql \
               src/sql/tasks/train.sql \
               src/sql/tasks/churn.sql \
               src/sql/tasks/report.sql \
               src/sql/models/clv/summary.sql \
               src/sql/models/clv/models.sql \
               src/sql/tasks/clv.sql \
               src/sql/tasks/value.sql \
               src/sql/features/rfm.sql \
               src/sql/models/cluster/kmeans.sql \
               src/sql/tasks/segments.sql \
               src/sql/tasks/segment_summary.sql \
               src/sql/models/recsys/recommend.sql \
               src/sql/features/interactions.sql \
               src/sql/tasks/recommender.sql \
               src/sql/tasks/targeting.sql \
               src/sql/tasks/propensity.sql \
               src/sql/tasks/sentiment.sql \
               src/sql/tasks/customer_views.sql \
               src/sql/tasks/report_html_parts.sql \
               src/sql/tasks/report_html.sql \
               src/sql/ops/training_runs.sql \
               src/sql/ops/retrain.sql \
               src/sql/ops/privileges.sql \
               src/sql/ops/trainers.sql

UPDATE_DIRS  = $(sort $(wildcard src/sql/updates/*--*))
UPDATES      = $(patsubst src/sql/updates/%,insight--%.sql,$(UPDATE_DIRS))
DATA         = $(wildcard src/sql/releases/insight--*.sql)
DATA_built   = insight--$(EXTVERSION).sql $(UPDATES)

# pg_regress runs the schedule test/schedule (00_setup, then the others, some
# in parallel groups); REGRESS="00_setup 50_churn" on the command line runs
# those files only.
REGRESS      = --schedule=test/schedule
REGRESS_OPTS = --inputdir=. --use-existing

PG_CONFIG   ?= pg_config
PG_CPPFLAGS  = -I$(srcdir)/src -isystem $(shell $(PG_CONFIG) --includedir-server) -Wextra
SHLIB_LINK   = -lm

# BLAS and LAPACK are linked only into the module insight_blas (src/math/blas/),
# which src/math/linalg.c loads on first use (see there).
BLAS_MODULE  = insight_blas$(DLSUFFIX)
BLAS_LINK    = -llapacke -lopenblas

# XGBoost (with OpenMP and libstdc++) is linked only into the module
# insight_xgboost, which src/models/trees/xgb.c loads on first use (see there).
XGB_MODULE   = insight_xgboost$(DLSUFFIX)
XGB_LINK     = -lxgboost

EXTRA_CLEAN  = test/fuzz/fuzz_model $(BLAS_MODULE) src/math/blas/blas.o \
               $(XGB_MODULE) $(XGB_SOURCE:.c=.o)

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PostgreSQL 15 or later (insight.control); MAJORVERSION comes from PGXS.
ifneq ($(shell test '0$(MAJORVERSION)' -ge 15 2>/dev/null && echo ok),ok)
$(error insight needs PostgreSQL 15 or later, and $(PG_CONFIG) is PostgreSQL $(MAJORVERSION))
endif

# The install and upgrade scripts are ASCII: PostgreSQL reads an extension
# script in the database's encoding, so a byte above 0x7f would stop
# CREATE EXTENSION in some server encodings (EUC_CN, LATIN1, ...).  Texts in
# other scripts are written as escapes and decoded at run time
# (insight_unicode_text); check_ascii fails the build on any other byte.
check_ascii = if LC_ALL=C grep -n '[^[:print:][:space:]]' $(1); then \
	echo "$(2): the lines above are not ASCII; write such text as a \\uXXXX escape decoded by insight_unicode_text()" >&2; exit 1; fi

insight--$(EXTVERSION).sql: $(SQL_PARTS) insight.control
	cat $(SQL_PARTS) > $@.tmp
	@$(call check_ascii,$@.tmp,$@)
	mv $@.tmp $@

.SECONDEXPANSION:
$(UPDATES): insight--%.sql: $$(sort $$(wildcard src/sql/updates/%/*.sql)) \
                             src/sql/updates/assemble.awk $(SQL_PARTS)
	awk -f src/sql/updates/assemble.awk $(sort $(wildcard src/sql/updates/$*/*.sql)) > $@.tmp
	@$(call check_ascii,$@.tmp,$@)
	mv $@.tmp $@

$(OBJS) src/math/blas/blas.o $(XGB_SOURCE:.c=.o): $(HEADERS)

# The loops of an IRLS pass over the rows it buffers (copy, scale), as
# PostgreSQL builds its page checksums (src/backend/storage/page/Makefile).
src/models/linear/logreg.o: CFLAGS += $(CFLAGS_VECTORIZE)
# The NN core's element-wise loops over a batch (bias, ReLU and their
# gradients: as much time as sgemm on small layers), vectorised whatever
# their length; nothing in them reassociates a sum, so results are unchanged.
src/nn/nn_float.o src/nn/nn_double.o: CFLAGS += $(CFLAGS_VECTORIZE) -fvect-cost-model=dynamic
# ALS's loops over a block of rows; its per-row CG arithmetic (als_cg.c) has
# variants for AVX2 and AVX-512 (target attributes, chosen from the CPU).
src/models/recsys/als.o src/models/recsys/als_cg.o: CFLAGS += $(CFLAGS_VECTORIZE) -fvect-cost-model=dynamic

all: $(BLAS_MODULE)
$(BLAS_MODULE): src/math/blas/blas.o
	$(CC) $(CFLAGS) $^ $(LDFLAGS) $(LDFLAGS_SL) -shared -o $@ $(BLAS_LINK)

install: install-blas
install-blas: $(BLAS_MODULE) installdirs
	$(INSTALL_SHLIB) $(BLAS_MODULE) '$(DESTDIR)$(pkglibdir)/'

uninstall: uninstall-blas
uninstall-blas:
	rm -f '$(DESTDIR)$(pkglibdir)/$(BLAS_MODULE)'

all: $(XGB_MODULE)
$(XGB_MODULE): $(XGB_SOURCE:.c=.o)
	$(CC) $(CFLAGS) $^ $(LDFLAGS) $(LDFLAGS_SL) -shared -o $@ $(XGB_LINK)

install: install-xgb
install-xgb: $(XGB_MODULE) installdirs
	$(INSTALL_SHLIB) $(XGB_MODULE) '$(DESTDIR)$(pkglibdir)/'

uninstall: uninstall-xgb
uninstall-xgb:
	rm -f '$(DESTDIR)$(pkglibdir)/$(XGB_MODULE)'

.PHONY: install-blas uninstall-blas install-xgb uninstall-xgb

# libFuzzer harness: the model reader core and the GBDT tree reader are plain C
# (no backend calls), built here as frontend code against libpgport for
# CRC-32C and libpgcommon for the JSON parser.
FUZZ_CC ?= clang
fuzz: test/fuzz/fuzz_model
FUZZ_SOURCES = src/core/model_core.c src/models/trees/gbdt_format.c src/models/trees/gbdt_trees.c
test/fuzz/fuzz_model: test/fuzz/fuzz_model.c $(FUZZ_SOURCES) src/core/model_core.h src/models/trees/gbdt_format.h \
                      src/models/trees/gbdt_trees.h
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined -DFRONTEND -Wall -Wno-ignored-attributes \
	    -I$(srcdir)/src -isystem $(shell $(PG_CONFIG) --includedir-server) \
	    test/fuzz/fuzz_model.c $(FUZZ_SOURCES) \
	    -L$(shell $(PG_CONFIG) --pkglibdir) -L$(shell $(PG_CONFIG) --libdir) -lpgport -lpgcommon -o $@

.PHONY: fuzz
