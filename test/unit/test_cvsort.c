/*
 * test_cvsort.c
 *	  Unit tests for the interruptible sort and the interrupt hook.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>

#include "cvalloc.h"
#include "cvsort.h"
#include "tap.h"

typedef struct pair
{
	double		key;
	int64_t		count;
} pair;

static int
cmp_pair(const void *a, const void *b)
{
	const pair *x = a,
			   *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->count > y->count) - (x->count < y->count);
}

/* A reproducible pseudo-random sequence (xorshift64*). */
static uint64_t rng = 88172645463325252ULL;

static uint64_t
next_random(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

/* cv_sort gives qsort's order for sizes around the run length. */
static void
test_sorts_like_qsort(void)
{
	size_t		sizes[] = {0, 1, 2, CV_SORT_RUN - 1, CV_SORT_RUN, CV_SORT_RUN + 1,
	3 * CV_SORT_RUN + 7, 8 * CV_SORT_RUN, 200003};

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
	{
		size_t		n = sizes[s];
		double	   *a = malloc((n + 1) * sizeof(double));
		double	   *b = malloc((n + 1) * sizeof(double));
		pair	   *p = malloc((n + 1) * sizeof(pair));
		pair	   *q = malloc((n + 1) * sizeof(pair));
		char		name[96];

		for (size_t i = 0; i < n; i++)
		{
			/* few distinct keys in the pairs: ties broken by count */
			a[i] = b[i] = (double) (next_random() % 1000003) - 500000.5;
			p[i].key = q[i].key = (double) (next_random() % 97);
			p[i].count = q[i].count = (int64_t) (next_random() % 1000000);
		}
		cv_sort(a, n, sizeof(double), cv_cmp_double);
		qsort(b, n, sizeof(double), cv_cmp_double);
		cv_sort(p, n, sizeof(pair), cmp_pair);
		qsort(q, n, sizeof(pair), cmp_pair);
		snprintf(name, sizeof(name), "cv_sort: %zu doubles in qsort's order", n);
		tap_ok(n == 0 || memcmp(a, b, n * sizeof(double)) == 0, name);
		snprintf(name, sizeof(name), "cv_sort: %zu 16-byte records in qsort's order", n);
		tap_ok(n == 0 || memcmp(p, q, n * sizeof(pair)) == 0, name);
		free(a);
		free(b);
		free(p);
		free(q);
	}
}

static int	checks;
static jmp_buf cancel;
static int	cancel_after;

static void
count_check(void)
{
	checks++;
	if (cancel_after > 0 && checks >= cancel_after)
		longjmp(cancel, 1);
}

/*
 * A long sort polls the hook between runs and while merging, and the hook
 * may leave the sort by longjmp (as the server's cancel error does).
 */
static void
test_interrupts(void)
{
	size_t		n = 40 * CV_SORT_RUN;
	double	   *a = malloc(n * sizeof(double));

	for (size_t i = 0; i < n; i++)
		a[i] = (double) (next_random() % 1000);
	cv_interrupt_check = count_check;
	checks = 0;
	cancel_after = 0;
	cv_sort(a, n, sizeof(double), cv_cmp_double);
	/* 40 runs, then 6 merge passes over (most of) the n elements */
	if (!tap_ok(checks >= 40 + 4 * (int) (n / CV_INTERRUPT_STRIDE),
		   "cv_sort: polls the hook between runs and every stride while merging"))
		printf("# %d checks\n", checks);
	for (size_t i = 0; i < n; i++)
		a[i] = (double) (next_random() % 1000);
	checks = 0;
	cancel_after = 45;
	if (setjmp(cancel) == 0)
	{
		cv_sort(a, n, sizeof(double), cv_cmp_double);
		tap_ok(0, "cv_sort: a hook that does not return stops the sort");
	}
	else
		tap_ok(checks == 45, "cv_sort: a hook that does not return stops the sort");
	cv_interrupt_check = NULL;
	checks = 0;
	cv_interrupt_poll(0);
	tap_ok(checks == 0, "cv_interrupt_poll: no hook, no call");
	cv_interrupt_check = count_check;
	cancel_after = 0;
	for (size_t i = 0; i < 3 * CV_INTERRUPT_STRIDE; i++)
		cv_interrupt_poll(i);
	tap_ok(checks == 3, "cv_interrupt_poll: one call per stride");
	cv_interrupt_check = NULL;
	free(a);
}

/*
 * cv_permute applies a permutation in place (a random one, and one that is
 * a single cycle through the whole array), and polls the hook inside a
 * cycle: a single cycle of n elements moves n of them, which the loop over
 * cycle starts alone would poll for only n / stride times.
 */
static void
test_permute(void)
{
	size_t		n = 100000;
	size_t	   *from = malloc(n * sizeof(size_t));
	int64_t    *a = malloc(n * sizeof(int64_t));
	int			ok = 1;

	for (size_t i = 0; i < n; i++)
		from[i] = i;
	for (size_t i = n - 1; i > 0; i--)
	{
		size_t		k = next_random() % (i + 1),
					t = from[i];

		from[i] = from[k];
		from[k] = t;
	}
	for (size_t i = 0; i < n; i++)
		a[i] = (int64_t) i * 3;
	cv_permute(a, n, sizeof(int64_t), from);
	for (size_t i = 0; i < n; i++)
		ok &= a[i] == (int64_t) from[i] * 3;
	tap_ok(ok, "cv_permute: element j becomes the old element from[j]");
	for (size_t i = 0; i < n; i++)
	{
		from[i] = (i + 1) % n;
		a[i] = (int64_t) i;
	}
	cv_interrupt_check = count_check;
	checks = 0;
	cancel_after = 0;
	cv_permute(a, n, sizeof(int64_t), from);
	cv_interrupt_check = NULL;
	ok = 1;
	for (size_t i = 0; i < n; i++)
		ok &= a[i] == (int64_t) ((i + 1) % n);
	tap_ok(ok, "cv_permute: a single cycle through the array");
	if (!tap_ok(checks >= (int) (2 * n / CV_INTERRUPT_STRIDE) - 1,
				"cv_permute: polls the hook inside a cycle"))
		printf("# %d checks\n", checks);
	free(from);
	free(a);
}

int
main(void)
{
	test_sorts_like_qsort();
	test_interrupts();
	test_permute();
	return tap_done();
}
