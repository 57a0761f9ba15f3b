# insight: PGXS build.
#
#   make                      build the extension (and assemble insight--VERSION.sql)
#   make install              install into the server found by PG_CONFIG
#   make installcheck         pg_regress against a running server (see ./run test)
#   make fuzz                 build the libFuzzer harness over the model reader
#
# The extension script is assembled from src/sql/*.sql in file-name order, so each
# concern keeps its SQL next to its C and numbered files fix the order.

EXTENSION    = insight
EXTVERSION   = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" insight.control)

MODULE_big   = insight
OBJS         = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

DATA_built   = insight--$(EXTVERSION).sql
SQL_PARTS    = $(sort $(wildcard src/sql/*.sql))

REGRESS      = $(basename $(notdir $(sort $(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --use-existing

PG_CONFIG   ?= pg_config
PG_CPPFLAGS  = -I$(srcdir)/src -isystem $(shell $(PG_CONFIG) --includedir-server) -Wextra
SHLIB_LINK   = -lm

# BLAS and LAPACK are linked only into the module insight_blas (src/blas/),
# which src/linalg.c loads on first use (see there).
BLAS_MODULE  = insight_blas$(DLSUFFIX)
BLAS_LINK    = -llapacke -lopenblas

EXTRA_CLEAN  = test/fuzz/fuzz_model $(BLAS_MODULE) src/blas/blas.o

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

insight--$(EXTVERSION).sql: $(SQL_PARTS) insight.control
	cat $(SQL_PARTS) > $@

$(OBJS) src/blas/blas.o: $(wildcard src/*.h)

# The loops of an IRLS pass over the rows it buffers (copy, scale), as
# PostgreSQL builds its page checksums (src/backend/storage/page/Makefile).
src/logreg.o: CFLAGS += $(CFLAGS_VECTORIZE)

all: $(BLAS_MODULE)
$(BLAS_MODULE): src/blas/blas.o
	$(CC) $(CFLAGS) $^ $(LDFLAGS) $(LDFLAGS_SL) -shared -o $@ $(BLAS_LINK)

install: install-blas
install-blas: $(BLAS_MODULE) installdirs
	$(INSTALL_SHLIB) $(BLAS_MODULE) '$(DESTDIR)$(pkglibdir)/'

uninstall: uninstall-blas
uninstall-blas:
	rm -f '$(DESTDIR)$(pkglibdir)/$(BLAS_MODULE)'

.PHONY: install-blas uninstall-blas

# libFuzzer harness: the model reader core is plain C (no backend calls), built
# here as frontend code against libpgport for CRC-32C.
FUZZ_CC ?= clang
fuzz: test/fuzz/fuzz_model
test/fuzz/fuzz_model: test/fuzz/fuzz_model.c src/model_core.c src/model_core.h
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined -DFRONTEND -Wall -Wno-ignored-attributes \
	    -I$(srcdir)/src -isystem $(shell $(PG_CONFIG) --includedir-server) \
	    test/fuzz/fuzz_model.c src/model_core.c \
	    -L$(shell $(PG_CONFIG) --pkglibdir) -L$(shell $(PG_CONFIG) --libdir) -lpgport -lpgcommon -o $@

.PHONY: fuzz
