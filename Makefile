# custvalue: PGXS build, plus the project's own targets (test, demo, bench).
#
# `make test` and `make demo` must work on a machine that has no PostgreSQL
# server headers yet, so PGXS is included only when they exist; the
# bootstrap script installs them and the scripts then call make again.

EXTENSION  = custvalue
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)
PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)

# Plain-C numeric kernels (no PostgreSQL headers); unit-tested on their own.
KERNEL_SRCS = \
	src/kernel/btyd_k.c \
	src/kernel/cvalloc.c \
	src/kernel/cvcodec.c \
	src/kernel/cvfeatures.c \
	src/kernel/cvjson.c \
	src/kernel/cvsort.c \
	src/kernel/distr.c \
	src/kernel/health_k.c \
	src/kernel/kmeans_k.c \
	src/kernel/logit_k.c \
	src/kernel/metrics_k.c \
	src/kernel/rfm_k.c \
	src/kernel/rows.c \
	src/kernel/scaler_k.c \
	src/kernel/scorecard_k.c \
	src/kernel/tree_k.c \
	src/kernel/tuples.c
# PostgreSQL glue: one file per SQL feature.
GLUE_SRCS = \
	src/custvalue.c \
	src/churn.c \
	src/cvutils.c \
	src/fitstate.c \
	src/model.c \
	src/health.c \
	src/kmeans.c \
	src/rfm.c \
	src/rowfit.c \
	src/scorecard.c \
	src/metrics.c \
	src/scaler.c \
	src/tree.c \
	src/btyd.c

MODULE_big = $(EXTENSION)
OBJS       = $(GLUE_SRCS:.c=.o) $(KERNEL_SRCS:.c=.o)

# The install script is assembled from one SQL section per capability,
# each kept beside its glue file.
SQL_PARTS = \
	src/custvalue.sql \
	src/churn.sql \
	src/health.sql \
	src/kmeans.sql \
	src/rfm.sql \
	src/scorecard.sql \
	src/metrics.sql \
	src/scaler.sql \
	src/tree.sql \
	src/btyd.sql
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql

# Regression inputs sit in sql/ beside the install script (pg_regress in
# PostgreSQL 15 has no --expecteddir, and expected/ is top level).
REGRESS      = $(sort $(filter-out $(EXTENSION)--%,$(basename $(notdir $(wildcard sql/*.sql)))))
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)
PG_CPPFLAGS  = -I$(srcdir)/src -I$(srcdir)/src/kernel
EXTRA_CLEAN  = test/unit/*.bin build src/*.gcno src/*.gcda src/kernel/*.gcno src/kernel/*.gcda .build-flavour

# make ... SANITIZE=1: the extension and the unit tests built with
# AddressSanitizer and UndefinedBehaviorSanitizer.  The server is not
# instrumented: scripts/cluster.sh preloads the ASan runtime into the
# postmaster when CUSTVALUE_SANITIZE=1 (make test SANITIZE=1 does both).
# make ... COVERAGE=1: built with gcov instrumentation (make coverage).
# Inside the server the stack is not instrumented: an error unwinds with
# siglongjmp from the uninstrumented server, which leaves the poisoned
# redzones of the abandoned frames behind (false reports later).  Heap
# (kernel memory comes from the sanitizer's malloc), globals and UBSan
# stay checked; the unit tests check stacks as well.
SANITIZE_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
ifeq ($(SANITIZE),1)
PG_CFLAGS  += $(SANITIZE_FLAGS) --param=asan-stack=0 -fno-sanitize-address-use-after-scope -O1 -g -DCV_SANITIZE
SHLIB_LINK += $(SANITIZE_FLAGS)
UNIT_CFLAGS += $(SANITIZE_FLAGS)
endif
UNIT_LINK = $(KERNEL_SRCS)
ifeq ($(COVERAGE),1)
PG_CFLAGS  += --coverage -O0
SHLIB_LINK += --coverage
# the unit tests link the extension's own kernel objects, so their counts
# add to the server's
UNIT_LINK  = $(KERNEL_SRCS:.c=.o) --coverage
endif

# Debian ships pgxs.mk with the client package, so the test for a usable
# PGXS is the server headers, which come with postgresql-server-dev-15.
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
SERVER_HEADERS := $(shell $(PG_CONFIG) --includedir-server 2>/dev/null)/postgres.h
ifneq ($(and $(wildcard $(PGXS)),$(wildcard $(SERVER_HEADERS))),)
include $(PGXS)
else
all install installcheck:
	@echo "custvalue: PostgreSQL server headers not found (package postgresql-server-dev-15)." >&2
	@echo "Run 'make test' or 'make demo' (they install what is missing), or: apt-get install postgresql-server-dev-15" >&2
	@exit 1
endif

# The Newton passes of churn_fit spend their time in a rank-1 update that
# GCC vectorises at -O3 (at -O2 it keeps the scalar loop).
src/kernel/logit_k.o: CFLAGS += -O3

# Objects depend on every project header (PGXS tracks none of them).
$(OBJS): $(wildcard src/*.h src/kernel/*.h)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS) $(EXTENSION).control
	{ echo "/* custvalue/sql/$(EXTENSION)--$(EXTVERSION).sql (assembled from $(SQL_PARTS)) */"; \
	  printf '%s\n' '\echo Use "CREATE EXTENSION $(EXTENSION)" to load this file. \quit'; \
	  for f in $(SQL_PARTS); do echo; echo "-- ==== $$f ===="; cat $$f; done; } > $@

# Kernel unit tests: plain C programs linked with the kernels only.
UNIT_TESTS = $(patsubst %.c,%.bin,$(wildcard test/unit/test_*.c))
test/unit/%.bin: test/unit/%.c $(KERNEL_SRCS) $(wildcard test/unit/*.h)
	$(CC) -std=c99 -O1 -g -Wall -Wextra $(UNIT_CFLAGS) -Isrc/kernel -o $@ $< $(UNIT_LINK) -lm

# Leak reports are off: a test that interrupts a kernel leaves its memory
# to the caller, as the server does to a memory context.
unit: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do ASAN_OPTIONS=detect_leaks=0 ./$$t || exit 1; done

# make test SANITIZE=1: the whole suite against an ASan + UBSan build.
test:
	@$(if $(filter 1,$(SANITIZE)),CUSTVALUE_SANITIZE=1 )scripts/test.sh
# make demo SCALE=100000: number of companies in the demo data (default 10000).
demo:
	@$(if $(SCALE),CUSTVALUE_DEMO_SCALE='$(SCALE)' )scripts/demo.sh
demo-stop:
	@scripts/cluster.sh stop demo
bench:
	@scripts/bench.sh
# make coverage: gcov line coverage of src/ by the whole of make test.
coverage:
	@scripts/coverage.sh
# make valgrind: the kernel unit tests under valgrind's memcheck.
valgrind:
	@KERNEL_SRCS='$(KERNEL_SRCS)' scripts/valgrind.sh
# make sqlsmith SQLSMITH_QUERIES=20000: random SQL against the demo data.
sqlsmith:
	@scripts/sqlsmith.sh
# make stress: the bounded long checks, sqlsmith's 20,000 queries among them
# (see scripts/stress.sh for knobs).
stress:
	@KERNEL_SRCS='$(KERNEL_SRCS)' scripts/stress.sh
# make fuzz FUZZ_SECONDS=60: libFuzzer over every kernel reader (test/fuzz/).
fuzz:
	@KERNEL_SRCS='$(KERNEL_SRCS)' scripts/fuzz.sh

.PHONY: test demo demo-stop bench unit fuzz coverage valgrind sqlsmith stress
