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

	cv_malloc = pg_kernel_malloc;
	cv_realloc = pg_kernel_realloc;
	cv_free = pg_kernel_free;
	cv_interrupt_check = pg_kernel_interrupt;
}
