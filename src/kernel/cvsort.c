/*
 * cvsort.c
 *	  An interruptible sort for the kernels; see cvsort.h.
 */
#include "cvsort.h"

#include <stdlib.h>
#include <string.h>

#include "cvalloc.h"

/*
 * Merge the sorted runs a[0..na) and b[0..nb) (adjacent in memory) into
 * out, polling the interrupt hook every CV_INTERRUPT_STRIDE elements.  Ties
 * take the element of the first run first.
 */
static void
merge_runs(const char *a, size_t na, const char *b, size_t nb, char *out,
		   size_t size, int (*cmp) (const void *, const void *))
{
	size_t		i = 0,
				j = 0,
				k = 0;

	while (i < na && j < nb)
	{
		cv_interrupt_poll(++k);
		if (cmp(b + j * size, a + i * size) < 0)
		{
			memcpy(out, b + j * size, size);
			j++;
		}
		else
		{
			memcpy(out, a + i * size, size);
			i++;
		}
		out += size;
	}
	memcpy(out, a + i * size, (na - i) * size);
	out += (na - i) * size;
	memcpy(out, b + j * size, (nb - j) * size);
}

int
cv_cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

void
cv_sort(void *base, size_t n, size_t size, int (*cmp) (const void *, const void *))
{
	char	   *src = base;
	char	   *buf;

	if (n <= CV_SORT_RUN)
	{
		qsort(base, n, size, cmp);
		return;
	}
	for (size_t lo = 0; lo < n; lo += CV_SORT_RUN)
	{
		if (cv_interrupt_check)
			cv_interrupt_check();
		qsort(src + lo * size, n - lo < CV_SORT_RUN ? n - lo : CV_SORT_RUN, size, cmp);
	}
	/* bottom-up merge passes, alternating between base and buf */
	buf = cv_malloc(n * size);
	for (size_t width = CV_SORT_RUN; width < n; width *= 2)
	{
		char	   *dst = (src == base) ? buf : base;

		for (size_t lo = 0; lo < n; lo += 2 * width)
		{
			size_t		mid = lo + width < n ? lo + width : n;
			size_t		hi = lo + 2 * width < n ? lo + 2 * width : n;

			merge_runs(src + lo * size, mid - lo, src + mid * size, hi - mid,
					   dst + lo * size, size, cmp);
		}
		src = dst;
	}
	if (src != base)
		memcpy(base, src, n * size);
	cv_free(buf);
}

/* See cvsort.h.  Placed elements are marked in a bitmap of n bits. */
void
cv_permute(void *base, size_t n, size_t size, const size_t *from)
{
	unsigned char *done,
			   *hand;
	char	   *a = base;
	size_t		moved = 0;

	if (size == 0)
		return;
	done = cv_calloc(n / 8 + 1, 1);
	hand = cv_malloc(size);

	for (size_t i = 0; i < n; i++)
	{
		size_t		j = i;

		cv_interrupt_poll(++moved);
		if ((done[i / 8] >> (i % 8)) & 1 || from[i] == i)
			continue;
		memcpy(hand, a + i * size, size);
		for (;;)
		{
			size_t		k = from[j];

			done[j / 8] |= (unsigned char) (1 << (j % 8));
			if (k == i)
			{
				memcpy(a + j * size, hand, size);
				break;
			}
			memcpy(a + j * size, a + k * size, size);
			j = k;
			cv_interrupt_poll(++moved);
		}
	}
	cv_free(hand);
	cv_free(done);
}
