/*
 * cvalloc.h
 *	  Memory allocation and the interrupt hook of the plain-C kernels.
 *
 * Kernels never call malloc directly: inside the server an error raised
 * after an allocation unwinds with longjmp, and only memory that belongs to
 * a PostgreSQL memory context is then reclaimed.  The glue points these
 * hooks at palloc-based functions when the module loads; unit tests and
 * fuzzers keep the malloc defaults.  The hooks never return NULL: the
 * server's raise an error, the defaults abort.
 */
#ifndef CVALLOC_H
#define CVALLOC_H

#include <stddef.h>

extern void *(*cv_malloc) (size_t size);
extern void *(*cv_realloc) (void *ptr, size_t size);
extern void (*cv_free) (void *ptr);

/* cv_malloc followed by zero fill. */
extern void *cv_calloc(size_t n, size_t size);

/*
 * Interrupt hook.  A kernel loop that can run long (sorting, merging,
 * reading or writing millions of entries) calls cv_interrupt_poll(i) with
 * its step count; every CV_INTERRUPT_STRIDE steps that calls
 * cv_interrupt_check, which the glue points at CHECK_FOR_INTERRUPTS, so a
 * cancelled query stops within a few milliseconds.  The check may not
 * return (the server raises the cancel error with longjmp), so a kernel
 * polls only where its data is consistent or about to be thrown away, and
 * never inside a callback of a library function such as qsort (use
 * cv_sort, cvsort.h).  NULL (unit tests, fuzzers): polling does nothing.
 */
extern void (*cv_interrupt_check) (void);

#define CV_INTERRUPT_STRIDE 4096

static inline void
cv_interrupt_poll(size_t i)
{
	if ((i & (CV_INTERRUPT_STRIDE - 1)) == 0 && cv_interrupt_check)
		cv_interrupt_check();
}

#endif							/* CVALLOC_H */
