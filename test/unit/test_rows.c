/*
 * test_rows.c
 *	  Unit tests of the row buffer (rows.c) and the shared feature layer
 *	  (cvfeatures.c): the bottom-k sample is independent of row order and of
 *	  how rows are split between merged states, the canonical order is the
 *	  same whatever the arrival order, the byte form round-trips and rejects
 *	  lies, and standardisation and one-hot encoding give the textbook values.
 */
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cvalloc.h"
#include "cvfeatures.h"
#include "rows.h"
#include "tap.h"

static uint64_t rng = 88172645463325252ULL;
static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

#define N 5000
static double X[N][3];
static const char *C[N][2];
static double Y[N];
static const char *const LEVELS[] = {"CA", "NY", "TX", "AK", "WV"};

static void
make_data(void)
{
	for (int i = 0; i < N; i++)
	{
		X[i][0] = (double) (next() % 100);	/* many duplicates */
		X[i][1] = (double) (next() % 1000) / 7.0;
		X[i][2] = (i % 10 == 0) ? -0.0 : (double) (next() % 3);
		C[i][0] = LEVELS[next() % 5];
		C[i][1] = (i % 3) ? "yes" : "no";
		Y[i] = (double) (next() % 2);
	}
}

static void
add(cv_rows *r, int i)
{
	size_t		len[2] = {strlen(C[i][0]), strlen(C[i][1])};

	cv_rows_add(r, X[i], C[i], len, Y[i]);
}

/* 1 when two finished buffers hold the same rows in the same order. */
static int
same_rows(const cv_rows *a, const cv_rows *b)
{
	if (cv_rows_count(a) != cv_rows_count(b) || cv_rows_seen(a) != cv_rows_seen(b))
		return 0;
	for (size_t i = 0; i < cv_rows_count(a); i++)
	{
		if (memcmp(cv_rows_x(a, i), cv_rows_x(b, i), 3 * sizeof(double)) != 0 ||
			cv_rows_y(a, i) != cv_rows_y(b, i))
			return 0;
		for (int p = 0; p < 2; p++)
			if (strcmp(cv_rows_level(a, p, cv_rows_cat(a, i)[p], NULL),
					   cv_rows_level(b, p, cv_rows_cat(b, i)[p], NULL)) != 0)
				return 0;
	}
	return 1;
}

static cv_rows *
fresh(int64_t max_rows)
{
	cv_rows    *r = cv_rows_new(-1, -1, 1, max_rows, 42);

	cv_rows_shape(r, 3, 2);
	return r;
}

/* Bytes of a buffer, read back. */
static cv_rows *
round_trip(cv_rows *r, char *err)
{
	cv_wbuf		b;
	cv_rbuf		rb;
	cv_rows    *back;

	cvb_init(&b);
	cv_rows_write(r, &b);
	cvr_init(&rb, b.data, b.len);
	back = cv_rows_read(&rb, err, 256);
	if (back && !cvr_done(&rb))
		back = NULL;
	cv_free(b.data);
	return back;
}

static void
test_sample(int64_t max_rows)
{
	cv_rows    *fwd = fresh(max_rows),
			   *rev = fresh(max_rows),
			   *p1 = fresh(max_rows),
			   *p2 = fresh(max_rows),
			   *p3 = fresh(max_rows);
	char		err[256],
				name[128];
	cv_rows    *back;

	for (int i = 0; i < N; i++)
		add(fwd, i);
	for (int i = N - 1; i >= 0; i--)
		add(rev, i);
	for (int i = 0; i < N; i++)
		add(i % 3 == 0 ? p1 : (i % 3 == 1 ? p2 : p3), (i * 7919) % N);
	tap_ok(cv_rows_merge(p2, p3, err, sizeof(err)) == 0, "merge p3 into p2");
	tap_ok(cv_rows_merge(p1, p2, err, sizeof(err)) == 0, "merge p2 into p1");
	cv_rows_finish(fwd);
	cv_rows_finish(rev);
	cv_rows_finish(p1);
	snprintf(name, sizeof(name), "max_rows %lld: %s", (long long) max_rows, "keeps min(max_rows, n) rows");
	tap_ok(cv_rows_count(fwd) == (size_t) (max_rows && max_rows < N ? max_rows : N), name);
	snprintf(name, sizeof(name), "max_rows %lld: reversed order gives the same canonical rows", (long long) max_rows);
	tap_ok(same_rows(fwd, rev), name);
	snprintf(name, sizeof(name), "max_rows %lld: three merged partial states give the same rows", (long long) max_rows);
	tap_ok(same_rows(fwd, p1), name);
	tap_ok(cv_rows_seen(fwd) == N, "every row counted as seen");
	back = round_trip(fwd, err);
	snprintf(name, sizeof(name), "max_rows %lld: byte form round-trips", (long long) max_rows);
	tap_ok(back != NULL, name);
	if (back)
	{
		cv_rows_finish(back);
		tap_ok(same_rows(fwd, back), "read-back rows are the same");
		cv_rows_free(back);
	}
	cv_rows_free(fwd);
	cv_rows_free(rev);
	cv_rows_free(p1);
	cv_rows_free(p2);
	cv_rows_free(p3);
}

/*
 * Merging partial states from their bytes (a parallel leader), and
 * copying one, give the rows a merge of the buffers gives.
 */
/*
 * A buffer with a budget samples down to max_rows when it reaches the
 * budget (not only at twice max_rows), never holds more rows than the
 * budget allows once it is past max_rows, counting the fit's working
 * memory for the rows it keeps, reports a size within the budget, and
 * keeps the same rows as a buffer without a budget.  A budget
 * that shrinks gives reserved room back.
 */
static void
test_budget(void)
{
	cv_rows    *free_ = fresh(1000),
			   *tight = fresh(1000);
	size_t		budget = 200000,	/* 100,000 of work for 1,000 kept rows, and
									 * about 1,500 rows of 64 bytes */
				most = 0;
	int			within = 1;

	cv_rows_set_work(tight, 100, 0);
	cv_rows_set_budget(tight, budget);
	for (int i = 0; i < N; i++)
	{
		add(free_, i);
		add(tight, i);
		if (cv_rows_count(tight) > most)
			most = cv_rows_count(tight);
		if (cv_rows_count(tight) > 1000 && cv_rows_bytes(tight) > budget)
			within = 0;
	}
	tap_ok(within, "a budgeted buffer past max_rows stays within its budget");
	tap_ok(most < 2000, "it samples down before twice max_rows");
	cv_rows_finish(free_);
	cv_rows_finish(tight);
	tap_ok(same_rows(free_, tight), "and keeps the rows of the unbudgeted sample, in the same order");
	cv_rows_free(free_);
	free_ = fresh(0);
	for (int i = 0; i < 100; i++)
		add(free_, i);
	cv_rows_set_budget(free_, 1 << 30);
	cv_rows_set_budget(free_, 20000);
	tap_ok(cv_rows_bytes(free_) <= 20000, "a shrinking budget gives reserved room back");
	cv_rows_free(free_);
	cv_rows_free(tight);
}

static void
test_merge_bytes(int64_t max_rows)
{
	cv_rows    *whole = fresh(max_rows),
			   *part[3] = {fresh(max_rows), fresh(max_rows), fresh(max_rows)};
	cv_rows    *dst,
			   *copy;
	char		err[256],
				name[128];
	int			ok = 1;

	for (int i = 0; i < N; i++)
	{
		add(whole, i);
		/* partial states see different levels first, so codes must be remapped */
		add(part[(i * 7) % 3 == 0 ? 0 : (i % 2 ? 1 : 2)], N - 1 - i);
	}
	copy = cv_rows_copy(part[0]);
	dst = cv_rows_copy(copy);
	for (int k = 1; k < 3; k++)
	{
		cv_wbuf		b;
		cv_rbuf		rb;

		cvb_init(&b);
		cv_rows_write(part[k], &b);
		tap_ok(b.len == cv_rows_flat_size(part[k]), "flat size is the bytes written");
		cvr_init(&rb, b.data, b.len);
		ok &= cv_rows_merge_bytes(dst, &rb, err, sizeof(err)) == 0 && cvr_done(&rb);
		cv_free(b.data);
	}
	cv_rows_finish(whole);
	cv_rows_finish(dst);
	snprintf(name, sizeof(name), "max_rows %lld: a copy merged with two states' bytes gives the same rows",
			 (long long) max_rows);
	tap_ok(ok && same_rows(whole, dst) && cv_rows_skipped(dst) == 0, name);
	cv_rows_free(whole);
	cv_rows_free(dst);
	cv_rows_free(copy);
	for (int k = 0; k < 3; k++)
		cv_rows_free(part[k]);
}

/*
 * The reader keeps the stored hashes, and the canonical order follows
 * them even when they are crafted: all in one bucket of the sort, some
 * equal (then by content).
 */
static void
test_stored_hashes(void)
{
	enum
	{
		M = 300
	};
	cv_wbuf		w;
	cv_rbuf		rb;
	cv_rows    *r;
	char		err[256];
	int			ordered = 1;
	cv_rows    *one = cv_rows_new(1, 0, 0, 0, 7);
	cv_rows    *crafted;
	cv_wbuf		b;

	cvb_init(&w);
	cvb_u8(&w, 2);
	cvb_u32(&w, 1);
	cvb_u32(&w, 0);
	cvb_u8(&w, 0);
	cvb_i64(&w, 0);
	cvb_i64(&w, 7);
	cvb_i64(&w, M);
	cvb_i64(&w, 0);
	cvb_i64(&w, M);
	/* row i has hash ...(M - i) / 2 with the same top bits: pairs tie */
	for (int i = 0; i < M; i++)
		cvb_i64(&w, (int64_t) ((UINT64_C(0xABCD) << 48) | (uint64_t) ((M - i) / 2)));
	for (int i = 0; i < M; i++)
		cvb_f64(&w, (double) i);
	cvr_init(&rb, w.data, w.len);
	r = cv_rows_read(&rb, err, sizeof(err));
	tap_ok(r != NULL && cvr_done(&rb), "a state with crafted hashes is read");
	if (r)
	{
		/* the expected order: rows by (hash, value), by insertion sort */
		int			want[M];

		for (int i = 0; i < M; i++)
		{
			int			j = i;

			for (; j > 0 && ((M - want[j - 1]) / 2 > (M - i) / 2); j--)
				want[j] = want[j - 1];
			want[j] = i;
		}
		cv_rows_finish(r);
		for (int i = 0; i < M; i++)
			ordered &= cv_rows_x(r, i)[0] == want[i];
		tap_ok(ordered && want[0] == M - 1 && want[1] == M - 3 && want[2] == M - 2,
			   "canonical order: by stored hash, then by content");
		cv_rows_free(r);
	}
	/* a state written after adding a row carries the hash the row was given */
	cv_rows_add(one, (const double[]) {-0.0}, NULL, NULL, 0);
	cvb_init(&b);
	cv_rows_write(one, &b);
	cvr_init(&rb, b.data, b.len);
	crafted = cv_rows_read(&rb, err, sizeof(err));
	tap_ok(crafted && b.len == 50 + 16 && memcmp(b.data + 58, "\0\0\0\0\0\0\0\0", 8) == 0 &&
		   cv_rows_x(crafted, 0)[0] == 0.0 && !signbit(cv_rows_x(crafted, 0)[0]),
		   "-0.0 is stored as 0.0, after its hash");
	cv_rows_free(crafted);
	cv_rows_free(one);
	cv_free(b.data);
	cv_free(w.data);
}

/* The sample is the rows with the smallest hashes: a bigger cap keeps a superset. */
static void
test_nested(void)
{
	cv_rows    *small = fresh(100),
			   *big = fresh(1000);
	size_t		found = 0;

	for (int i = 0; i < N; i++)
	{
		add(small, i);
		add(big, i);
	}
	cv_rows_finish(small);
	cv_rows_finish(big);
	/* canonical order is by hash: the first 100 of big are small's rows */
	for (size_t i = 0; i < 100; i++)
		if (memcmp(cv_rows_x(small, i), cv_rows_x(big, i), 3 * sizeof(double)) == 0)
			found++;
	tap_ok(found == 100, "the 100-row sample is the head of the 1000-row sample");
	cv_rows_free(small);
	cv_rows_free(big);
}

static void
test_reject(void)
{
	cv_rows    *r = fresh(0);
	cv_wbuf		b;
	cv_rbuf		rb;
	char		err[256];
	cv_rows    *back;
	unsigned char *p;

	for (int i = 0; i < 10; i++)
		add(r, i);
	cvb_init(&b);
	cv_rows_write(r, &b);
	/* truncated */
	cvr_init(&rb, b.data, b.len - 3);
	back = cv_rows_read(&rb, err, sizeof(err));
	tap_ok(back == NULL || !cvr_done(&rb), "truncated row state is rejected");
	/* a row count that lies: bytes 1+4+4+1+8+8+8+8 = offset 42 holds n */
	p = malloc(b.len);
	memcpy(p, b.data, b.len);
	p[42] = 0xFF;
	p[43] = 0xFF;
	cvr_init(&rb, p, b.len);
	back = cv_rows_read(&rb, err, sizeof(err));
	tap_ok(back == NULL, "a header claiming more rows than seen is rejected");
	tap_str(err, "row state holds 65535 rows, inconsistent with 10 rows seen and max_rows 0", "message names the counts");
	/* a huge dimension count */
	memcpy(p, b.data, b.len);
	p[1] = 0xFF;
	p[2] = 0xFF;
	p[3] = 0xFF;
	p[4] = 0x7F;
	cvr_init(&rb, p, b.len);
	tap_ok(cv_rows_read(&rb, err, sizeof(err)) == NULL, "a dimension count out of range is rejected");
	free(p);
	cv_free(b.data);
	cv_rows_free(r);
}

/* A row state header: format 2, shape, counters, n rows. */
static void
header(cv_wbuf *w, int32_t nnum, int32_t ncat, int has_y, int64_t seen, int64_t n)
{
	w->len = 0;
	cvb_u8(w, 2);
	cvb_u32(w, (uint32_t) nnum);
	cvb_u32(w, (uint32_t) ncat);
	cvb_u8(w, (uint8_t) has_y);
	cvb_i64(w, 0);				/* max_rows */
	cvb_i64(w, 7);				/* seed */
	cvb_i64(w, seen);
	cvb_i64(w, 0);				/* skipped */
	cvb_i64(w, n);
}

/* The reader's message for bytes w, or "" when it accepts them. */
static const char *
read_error(cv_wbuf *w, char *err)
{
	cv_rbuf		rb;
	cv_rows    *r;

	err[0] = '\0';
	cvr_init(&rb, w->data, w->len);
	r = cv_rows_read(&rb, err, 256);
	if (r)
	{
		if (!cvr_done(&rb))
			strcpy(err, "trailing");
		cv_rows_free(r);
	}
	return err;
}

/* Crafted row states: every lie is refused with a message, none crashes. */
static void
test_crafted_rows(void)
{
	cv_wbuf		w;
	char		err[256];

	cvb_init(&w);
	header(&w, 2, -1, 0, 0, 0);
	tap_ok(strstr(read_error(&w, err), "out of range") != NULL, "numeric shape fixed without the categorical one");
	header(&w, 1, 10000, 0, 0, 0);
	tap_ok(strstr(read_error(&w, err), "more than the data holds") != NULL, "10000 categorical positions without their data");
	header(&w, 1, 0, 0, INT64_MAX, 0);
	tap_ok(strstr(read_error(&w, err), "out of range") != NULL, "a seen count past the limit");
	/* one categorical position listing "a" twice */
	header(&w, 0, 1, 0, 1, 0);
	cvb_u32(&w, 2);
	cvb_str(&w, "a");
	cvb_str(&w, "a");
	tap_ok(strstr(read_error(&w, err), "lists a level twice") != NULL, "a level listed twice");
	/* a level with a NUL byte */
	header(&w, 0, 1, 0, 1, 0);
	cvb_u32(&w, 1);
	cvb_u32(&w, 3);
	cvb_bytes(&w, "a\0b", 3);
	tap_ok(strstr(read_error(&w, err), "NUL") != NULL, "a level with a NUL byte");
	/* a row whose code is past its dictionary */
	header(&w, 1, 1, 0, 1, 1);
	cvb_u32(&w, 1);
	cvb_str(&w, "a");
	cvb_i64(&w, 99);			/* hash */
	cvb_f64(&w, 1.5);
	cvb_u32(&w, 1);
	tap_ok(strstr(read_error(&w, err), "category code 1") != NULL, "a category code past the levels");
	/* a NaN feature */
	header(&w, 1, 0, 0, 1, 1);
	cvb_i64(&w, 99);
	cvb_f64(&w, NAN);
	tap_ok(strstr(read_error(&w, err), "not finite") != NULL, "a non-finite feature");
	/* rows without a shape */
	header(&w, -1, -1, 0, 1, 1);
	tap_ok(strstr(read_error(&w, err), "inconsistent") != NULL, "rows in a state without a shape");
	cv_free(w.data);
}

/*
 * A partial state that saw only incomplete rows has no shape and no
 * dictionaries; merging it into a state with categories keeps the rows
 * and adds the counts.
 */
static void
test_merge_unshaped(void)
{
	cv_rows    *a = fresh(0);
	cv_rows    *b = cv_rows_new(-1, -1, 1, 0, 42);
	cv_rows    *huge = cv_rows_new(-1, -1, 1, 0, 42);
	char		err[256];

	for (int i = 0; i < 20; i++)
		add(a, i);
	cv_rows_skip(b, 3);
	tap_ok(cv_rows_merge(a, b, err, sizeof(err)) == 0 && cv_rows_count(a) == 20 &&
		   cv_rows_skipped(a) == 3, "an unshaped state merges into one with categories");
	tap_ok(cv_rows_merge(b, a, err, sizeof(err)) == 0 && cv_rows_count(b) == 20,
		   "a state with categories merges into an unshaped one");
	cv_rows_skip(huge, CV_ROWS_MAX_SEEN);
	tap_ok(cv_rows_merge(a, huge, err, sizeof(err)) < 0, "merged counts past the limit are refused");
	cv_rows_free(a);
	cv_rows_free(b);
	cv_rows_free(huge);
}

static void
test_features(void)
{
	cv_rows    *r = cv_rows_new(2, 1, 0, 0, 0);
	double		x[4][2] = {{1, 10}, {2, 10}, {3, 10}, {6, 10}};
	const char *c[4] = {"b", "a", "b", "c"};
	cv_features *f;
	double		out[8];
	int32_t		lv[1];
	char	   *name;

	for (int i = 0; i < 4; i++)
	{
		size_t		len = 1;

		cv_rows_add(r, x[i], &c[i], &len, 0);
	}
	cv_rows_finish(r);
	f = cv_features_fit(r, NULL, 1);
	tap_near(f->mean[0], 3.0, 1e-15, "mean of 1,2,3,6 is 3");
	tap_near(f->sd[0], sqrt(3.5), 1e-15, "population sd of 1,2,3,6 is sqrt(3.5)");
	tap_near(f->sd[1], 0.0, 0, "a constant feature has sd 0");
	tap_ok(f->nlevels[0] == 3 && strcmp(f->levels[0][0], "a") == 0, "levels in byte order");
	tap_ok(f->ref[0] == 1, "reference is the most frequent level (b)");
	tap_ok(f->ncols == 4, "design: 2 numeric + 2 dummies");
	lv[0] = cv_features_level(f, 0, "c", 1);
	cv_features_design(f, x[3], lv, out);
	tap_near(out[0], 3.0 / sqrt(3.5), 1e-15, "z-score of 6");
	tap_ok(out[2] == 0.0 && out[3] == 1.0, "level c sets its dummy");
	lv[0] = cv_features_level(f, 0, "zz", 2);
	tap_ok(lv[0] == -1, "unseen level is -1");
	cv_features_design(f, x[3], lv, out);
	tap_ok(out[2] == 0.0 && out[3] == 0.0, "unseen level encodes as the reference");
	name = cv_features_column_name(f, 3);
	tap_str(name, "c1=c", "dummy column name");
	cv_free(name);
	tap_ok(cv_features_column_level(f, 2) == 0 && cv_features_column_level(f, 3) == 2,
		   "dummy columns skip the reference level (a, then c)");
	tap_ok(cv_features_column_level(f, 1) == -1, "a numeric column has no level");
	{
		cvj_writer	w;
		char	   *json;
		cvj_value  *v;
		char		err[256];
		cv_features *g;
		cv_wbuf		b;
		cv_rbuf		rb;

		cvjw_init(&w);
		cv_features_to_json(f, &w);
		json = cvjw_finish(&w, NULL);
		tap_str(json, "{\"numeric\": [\"x1\", \"x2\"], \"standardize\": true, \"mean\": [3, 10], \"sd\": [1.8708286933869707, 0], \"categorical\": [{\"name\": \"c1\", \"levels\": [\"a\", \"b\", \"c\"], \"reference\": \"b\"}]}",
				"features as JSON");
		v = cvj_parse(json, strlen(json), err, sizeof(err));
		g = cv_features_from_json(v, err, sizeof(err));
		tap_ok(g && g->ref[0] == 1 && g->sd[0] == f->sd[0] && g->ncols == 4, "JSON reads back");
		cv_features_free(g);
		cvj_free(v);
		cv_free(json);
		cvb_init(&b);
		cv_features_write(f, &b);
		cvr_init(&rb, b.data, b.len);
		g = cv_features_read(&rb, err, sizeof(err));
		tap_ok(g && cvr_done(&rb) && g->mean[0] == 3.0 && strcmp(g->levels[0][2], "c") == 0, "binary reads back");
		cv_features_free(g);
		cv_free(b.data);
		json = "{\"numeric\": [\"a\", \"a\"]}";
		v = cvj_parse(json, strlen(json), err, sizeof(err));
		tap_ok(cv_features_from_json(v, err, sizeof(err)) == NULL, "duplicate names rejected");
		tap_str(err, "feature name \"a\" appears twice", "message names the duplicate");
		cvj_free(v);
	}
	cv_features_free(f);
	cv_rows_free(r);
}

int
main(void)
{
	make_data();
	test_sample(0);
	test_sample(700);
	test_sample(2600);
	test_budget();
	test_merge_bytes(0);
	test_merge_bytes(700);
	test_merge_bytes(2600);
	test_stored_hashes();
	test_nested();
	test_reject();
	test_crafted_rows();
	test_merge_unshaped();
	test_features();
	return tap_done();
}
