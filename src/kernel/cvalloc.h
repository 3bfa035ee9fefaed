/*
 * cvalloc.h
 *	  Memory allocation for the plain-C kernels.
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

#endif							/* CVALLOC_H */
