/*
 * custvalue.c
 *	  Module entry point: the magic block and the settings (GUCs).
 */
#include "postgres.h"

#include "fmgr.h"
#include "cvalloc.h"
#include "miscadmin.h"
#include "rows.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#if PG_VERSION_NUM >= 180000
PG_MODULE_MAGIC_EXT(.name = "custvalue",.version = "0.1.0");
#else
PG_MODULE_MAGIC;
#endif

/*
 * custvalue.max_fit_memory: cap, in kB, on the transition state of one fit
 * aggregate group.  The hard limit is PostgreSQL's 1 GB per value.
 */
int			cv_max_fit_memory_kb = 1024 * 1024 - 1;

/*
 * custvalue.model_cache_memory: memory, in kB, that one scoring call site
 * may keep decoded models in (see cv_model_cached in model.c).
 */
int			cv_model_cache_memory_kb = 256 * 1024;

void		_PG_init(void);

#ifndef CV_SANITIZE
/*
 * Kernel allocations go to the current memory context, so that an error
 * raised while a kernel's memory is live reclaims it.  Huge allocations are
 * allowed: the fit states' own cap (custvalue.max_fit_memory) is checked by
 * the glue before it grows them.
 */
static void *
pg_kernel_malloc(size_t size)
{
	return MemoryContextAllocExtended(CurrentMemoryContext, size ? size : 1,
									  MCXT_ALLOC_HUGE);
}

static void *
pg_kernel_realloc(void *ptr, size_t size)
{
	if (ptr == NULL)
		return pg_kernel_malloc(size);
	return repalloc_huge(ptr, size ? size : 1);
}

static void
pg_kernel_free(void *ptr)
{
	if (ptr != NULL)
		pfree(ptr);
}
#endif

#ifdef CV_SANITIZE
#include <dlfcn.h>
/*
 * The AddressSanitizer build (make SANITIZE=1): kernel memory comes from
 * the sanitizer's malloc, so that an overrun of a kernel buffer is caught
 * at its first byte (palloc carves chunks out of larger blocks, where ASan
 * sees no boundary).  The server is not instrumented and cannot have the
 * runtime preloaded (with Debian 12's glibc a preloaded runtime deadlocks
 * in the locale locks at startup), so the runtime arrives as this
 * library's dependency and its allocator is looked up by name.  Memory an
 * error abandons is leaked, which a test build accepts; allocation failure
 * is the error palloc raises.
 */
/*
 * The sanitizers' options.  They cannot come from the environment: the
 * runtimes read /proc/self/environ, which the server overwrites with its
 * process titles.  Reports go to asan.<pid> and ubsan.<pid> in the data
 * directory, where scripts/cluster.sh collects them.
 */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *
__asan_default_options(void)
{
	return "verify_asan_link_order=0:detect_leaks=0:halt_on_error=1:abort_on_error=1:"
		"allocator_may_return_null=1:detect_stack_use_after_return=0:log_path=asan";
}

const char *
__ubsan_default_options(void)
{
	return "print_stacktrace=1:halt_on_error=1:log_path=ubsan";
}

static void *(*san_real_malloc) (size_t);
static void *(*san_real_realloc) (void *, size_t);
static void (*san_real_free) (void *);

static void
san_init(void)
{
	void	   *h = dlopen("libasan.so.8", RTLD_NOW | RTLD_NOLOAD);

	if (h == NULL)
		elog(FATAL, "custvalue built with SANITIZE=1 but libasan.so.8 is not loaded");
	san_real_malloc = dlsym(h, "malloc");
	san_real_realloc = dlsym(h, "realloc");
	san_real_free = dlsym(h, "free");
	if (!san_real_malloc || !san_real_realloc || !san_real_free)
		elog(FATAL, "custvalue built with SANITIZE=1 cannot find the sanitizer's allocator");
}

static void
san_free(void *p)
{
	san_real_free(p);
}

static void *
san_check(void *p, size_t size)
{
	if (p == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Failed on request of size %zu.", size)));
	return p;
}

static void *
san_malloc(size_t size)
{
	return san_check(san_real_malloc(size ? size : 1), size);
}

static void *
san_realloc(void *ptr, size_t size)
{
	return san_check(san_real_realloc(ptr, size ? size : 1), size);
}
#endif

/* The kernels' interrupt hook: long loops call it every few thousand steps. */
static void
pg_kernel_interrupt(void)
{
	CHECK_FOR_INTERRUPTS();
}

void
_PG_init(void)
{
	DefineCustomIntVariable("custvalue.max_fit_memory",
							"Largest transition state of one fit aggregate group.",
							"A fit whose state would grow past this fails with SQLSTATE 54000. "
							"Between 64kB and 1GB (the largest PostgreSQL value).",
							&cv_max_fit_memory_kb,
							1024 * 1024 - 1, 64, 1024 * 1024 - 1,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("custvalue.model_cache_memory",
							"Memory one scoring call site may keep decoded models in.",
							"Past it the least recently used model is dropped and decoded again when "
							"it comes back; the models of the current and the previous call are always kept.",
							&cv_model_cache_memory_kb,
							256 * 1024, 0, 1024 * 1024 - 1,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("custvalue");

#ifdef CV_SANITIZE
	san_init();
	cv_malloc = san_malloc;
	cv_realloc = san_realloc;
	cv_free = san_free;
#else
	cv_malloc = pg_kernel_malloc;
	cv_realloc = pg_kernel_realloc;
	cv_free = pg_kernel_free;
#endif
	cv_interrupt_check = pg_kernel_interrupt;
}
