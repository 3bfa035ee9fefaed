/*
 * custvalue.c
 *	  Module entry point: the magic block and the settings (GUCs).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

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

void		_PG_init(void);

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
	MarkGUCPrefixReserved("custvalue");
}
