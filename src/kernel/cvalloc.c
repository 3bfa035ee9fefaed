/*
 * cvalloc.c
 *	  Default (malloc-based) allocation hooks for the kernels; see cvalloc.h.
 */
#include "cvalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* malloc that never returns NULL: a kernel outside the server just stops. */
static void *
default_malloc(size_t size)
{
	void	   *p = malloc(size ? size : 1);

	if (p == NULL)
	{
		fprintf(stderr, "custvalue kernel: out of memory (%zu bytes)\n", size);
		abort();
	}
	return p;
}

/* realloc that never returns NULL. */
static void *
default_realloc(void *ptr, size_t size)
{
	void	   *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
	{
		fprintf(stderr, "custvalue kernel: out of memory (%zu bytes)\n", size);
		abort();
	}
	return p;
}

void	   *(*cv_malloc) (size_t size) = default_malloc;
void	   *(*cv_realloc) (void *ptr, size_t size) = default_realloc;
void		(*cv_free) (void *ptr) = free;
void		(*cv_interrupt_check) (void) = NULL;

void *
cv_calloc(size_t n, size_t size)
{
	void	   *p = cv_malloc(n * size);

	memset(p, 0, n * size);
	return p;
}
