/*
 * test_fuzz.c
 *	  Every kernel reader of bytes a user can supply, fed mutations of valid
 *	  input: fit states (distr, rows), model payloads and JSON (scorecard,
 *	  rfmn_model), segment maps.  A reader must either refuse the input with
 *	  a message or accept a value that survives its own writer and reader
 *	  again; it must never read outside its buffer (run this program under
 *	  AddressSanitizer to check that part: see the comment at the end).
 */
#include <stdint.h>
#include <stdlib.h>

#include "cvalloc.h"
#include "distr.h"
#include "rfm_k.h"
#include "rows.h"
#include "scorecard_k.h"
#include "tap.h"
#include "testbits.h"

static uint64_t seed = 20261130;

/* A mutation of src (len bytes) into a fresh buffer; its length in *outlen. */
static unsigned char *
mutate(const unsigned char *src, size_t len, size_t *outlen)
{
	unsigned char *p = malloc(len + 16);
	uint64_t	r = splitmix(&seed);
	size_t		n = len;

	memcpy(p, src, len);
	switch (r % 6)
	{
		case 0:				/* flip one bit */
			if (n)
				p[(r >> 8) % n] ^= (unsigned char) (1 << ((r >> 40) % 8));
			break;
		case 1:				/* truncate */
			n = n ? (r >> 8) % n : 0;
			break;
		case 2:				/* a random byte */
			if (n)
				p[(r >> 8) % n] = (unsigned char) (r >> 48);
			break;
		case 3:				/* a byte of 0xFF or 0x7F (large counts) */
			if (n)
				p[(r >> 8) % n] = (r >> 32) & 1 ? 0xFF : 0x7F;
			break;
		case 4:				/* extra bytes */
			for (int i = 0; i < 8; i++)
				p[n++] = (unsigned char) splitmix(&seed);
			break;
		default:			/* several bit flips */
			for (int i = 0; i < 4 && n; i++)
				p[splitmix(&seed) % n] ^= (unsigned char) (1 << (splitmix(&seed) % 8));
			break;
	}
	*outlen = n;
	return p;
}

/* Fuzz the distr reader: accepted states must write back what they read. */
static void
fuzz_distr(int rounds)
{
	cv_distr   *d = cv_distr_new(3);
	cv_wbuf		w;
	int			accepted = 0,
				consistent = 1;

	for (int i = 0; i < 200; i++)
	{
		double		x[3] = {i % 5, i * 0.25, -i};
		unsigned char nul[3] = {0, i % 7 == 0, 0};

		cv_distr_add(d, x, nul);
	}
	cv_distr_compact(d);
	cvb_init(&w);
	cv_distr_write(d, &w);
	for (int k = 0; k < rounds; k++)
	{
		size_t		len;
		unsigned char *p = mutate(w.data, w.len, &len);
		cv_rbuf		r;
		char		err[256];
		cv_distr   *back;

		cvr_init(&r, p, len);
		back = cv_distr_read(&r, err, sizeof(err));
		if (back)
		{
			cv_wbuf		w2;

			accepted++;
			cvb_init(&w2);
			cv_distr_write(back, &w2);
			if (w2.len > len || memcmp(w2.data, p, w2.len) != 0)
				consistent = 0;
			cv_free(w2.data);
			cv_distr_free(back);
		}
		free(p);
	}
	printf("# distr: %d of %d mutations accepted\n", accepted, rounds);
	tap_ok(consistent, "accepted distribution states write back the bytes they were read from");
	cv_free(w.data);
	cv_distr_free(d);
}

/* Fuzz the rows reader. */
static void
fuzz_rows(int rounds)
{
	cv_rows    *rows = cv_rows_new(2, 1, 1, 50, 3);
	cv_wbuf		w;
	int			accepted = 0,
				consistent = 1;
	const char *lev[] = {"north", "south", "east"};

	for (int i = 0; i < 80; i++)
	{
		double		x[2] = {i, i % 3};
		const char *c[1] = {lev[i % 3]};
		size_t		cl[1] = {strlen(lev[i % 3])};

		cv_rows_add(rows, x, c, cl, i % 2);
	}
	cvb_init(&w);
	cv_rows_write(rows, &w);
	for (int k = 0; k < rounds; k++)
	{
		size_t		len;
		unsigned char *p = mutate(w.data, w.len, &len);
		cv_rbuf		r;
		char		err[256];
		cv_rows    *back;

		cvr_init(&r, p, len);
		back = cv_rows_read(&r, err, sizeof(err));
		if (back)
		{
			accepted++;
			cv_rows_finish(back);
			for (size_t i = 0; i < cv_rows_count(back); i++)
				for (int q = 0; q < cv_rows_ncat(back); q++)
					if (cv_rows_cat(back, i)[q] < 0 || cv_rows_cat(back, i)[q] >= cv_rows_nlevels(back, q))
						consistent = 0;
			cv_rows_free(back);
		}
		free(p);
	}
	printf("# rows: %d of %d mutations accepted\n", accepted, rounds);
	tap_ok(consistent, "accepted row states hold category codes within their levels");
	cv_free(w.data);
	cv_rows_free(rows);
}

/*
 * Fuzz a binary model reader and its JSON reader with one valid model:
 * accepted models must survive their writer and reader again.
 */
typedef struct model_ops
{
	const char *name;
	void	   *(*read) (const unsigned char *p, size_t len, char *err, size_t errlen);
	void		(*write) (const void *m, cv_wbuf *b);
	void	   *(*from_json) (const char *text, size_t len, char *err, size_t errlen);
	char	   *(*to_json) (const void *m);
	void		(*free) (void *m);
} model_ops;

static void
fuzz_model(const model_ops *ops, const char *json, int rounds)
{
	char		err[512];
	void	   *m = ops->from_json(json, strlen(json), err, sizeof(err));
	cv_wbuf		w;
	int			accepted = 0,
				jaccepted = 0,
				consistent = 1;

	if (m == NULL)
	{
		printf("# %s: %s\n", ops->name, err);
		tap_ok(0, "the seed model parses");
		return;
	}
	cvb_init(&w);
	ops->write(m, &w);
	for (int k = 0; k < rounds; k++)
	{
		size_t		len;
		unsigned char *p = mutate(w.data, w.len, &len);
		void	   *back = ops->read(p, len, err, sizeof(err));

		if (back)
		{
			cv_wbuf		w2;
			void	   *again;

			accepted++;
			cvb_init(&w2);
			ops->write(back, &w2);
			again = ops->read(w2.data, w2.len, err, sizeof(err));
			if (again == NULL)
				consistent = 0;
			else
				ops->free(again);
			cv_free(w2.data);
			ops->free(back);
		}
		free(p);
	}
	for (int k = 0; k < rounds; k++)
	{
		size_t		len;
		unsigned char *p = mutate((const unsigned char *) json, strlen(json), &len);
		void	   *back = ops->from_json((const char *) p, len, err, sizeof(err));

		if (back)
		{
			char	   *text = ops->to_json(back);
			void	   *again = ops->from_json(text, strlen(text), err, sizeof(err));

			jaccepted++;
			if (again == NULL)
			{
				printf("# %s: %s re-reading %s\n", ops->name, err, text);
				consistent = 0;
			}
			else
				ops->free(again);
			cv_free(text);
			ops->free(back);
		}
		free(p);
	}
	printf("# %s: %d binary and %d JSON mutations of %d accepted\n", ops->name, accepted, jaccepted, rounds);
	tap_ok(consistent, "accepted models are read back by their own reader");
	cv_free(w.data);
	ops->free(m);
}

/* The kernels' model functions, typed for model_ops. */
static void
card_write(const void *m, cv_wbuf *b)
{
	cvs_write(m, b);
}

static void *
card_from_json(const char *t, size_t n, char *e, size_t el)
{
	return cvs_from_json(t, n, e, el);
}

static char *
card_to_json(const void *m)
{
	return cvs_to_json(m);
}

static void
card_free(void *m)
{
	cvs_free(m);
}

static void *
rfm_read(const unsigned char *p, size_t n, char *e, size_t el)
{
	return rfm_model_read(p, n, e, el);
}

static void
rfm_write(const void *m, cv_wbuf *b)
{
	rfm_model_write(m, b);
}

static void *
rfm_from_json(const char *t, size_t n, char *e, size_t el)
{
	return rfm_model_from_json(t, n, e, el);
}

static char *
rfm_to_json(const void *m)
{
	return rfm_model_to_json(m);
}

static void
rfm_free(void *m)
{
	rfm_model_free(m);
}

/* Fuzz the user segment map parser. */
static void
fuzz_map(int rounds)
{
	const char *json = "[{\"segment\": \"Champions\", \"r\": [4, 5], \"f\": [4, 5]},"
		" {\"segment\": \"Loyal\", \"f\": [3, 5], \"m\": [2, 100]}, {\"segment\": \"All\"}]";
	int			accepted = 0,
				valid = 1;

	for (int k = 0; k < rounds; k++)
	{
		size_t		len;
		unsigned char *p = mutate((const unsigned char *) json, strlen(json), &len);
		char		err[256];
		rfm_map    *map = rfm_map_parse((const char *) p, len, err, sizeof(err));

		if (map)
		{
			accepted++;
			for (int i = 0; i < map->nrules; i++)
				for (int d = 0; d < 3; d++)
					if (map->rules[i].lo[d] < 0 || map->rules[i].hi[d] > RFM_MAP_MAX_SCORE ||
						map->rules[i].lo[d] > map->rules[i].hi[d] ||
						map->rules[i].segment == NULL || map->rules[i].segment[0] == '\0')
						valid = 0;
			(void) rfm_map_segment(map, 5, 5, 5);
			rfm_map_free(map);
		}
		free(p);
	}
	printf("# segment map: %d of %d mutations accepted\n", accepted, rounds);
	tap_ok(valid, "accepted segment maps hold only rules within 1..100");
}

int
main(int argc, char **argv)
{
	int			rounds = argc > 1 ? atoi(argv[1]) : 3000;
	static const model_ops card_ops = {"scorecard", cvs_read, card_write, card_from_json, card_to_json, card_free};
	static const model_ops rfm_ops = {"rfmn_model", rfm_read, rfm_write, rfm_from_json, rfm_to_json, rfm_free};

	fuzz_distr(rounds);
	fuzz_rows(rounds);
	fuzz_model(&card_ops,
			   "{\"kind\": \"scorecard\", \"version\": 1, \"measures\": ["
			   "{\"name\": \"usage\", \"weight\": 2, \"method\": \"percentile\", \"values\": [1, 2, 5, 9], \"counts\": [3, 1, 4, 1], \"between\": [0, 2, 0]},"
			   "{\"name\": \"tickets\", \"weight\": 1, \"method\": \"bands\", \"edges\": [1, 5], \"points\": [100, 50, 0]},"
			   "{\"name\": \"seen\", \"weight\": 1, \"method\": \"recency\", \"half_life\": 30},"
			   "{\"name\": \"spend\", \"weight\": 1, \"method\": \"log\", \"poor\": 0, \"good\": 1000}]}",
			   rounds);
	fuzz_model(&rfm_ops,
			   "{\"kind\": \"rfmn_model\", \"version\": 1, \"bins\": 5, \"weights\": [1, 1, 1, 1], \"edges\": [4, 3, 2],"
			   " \"recency\": {\"n\": 3, \"scores\": [{\"score\": 1, \"min_value\": 30, \"max_value\": 30, \"customers\": 1},"
			   " {\"score\": 2, \"min_value\": 5, \"max_value\": 5, \"customers\": 1}, {\"score\": 4, \"min_value\": 1, \"max_value\": 1, \"customers\": 1}]},"
			   " \"frequency\": {\"n\": 3, \"scores\": [{\"score\": 1, \"min_value\": 1, \"max_value\": 1, \"customers\": 1},"
			   " {\"score\": 2, \"min_value\": 2, \"max_value\": 2, \"customers\": 1}, {\"score\": 4, \"min_value\": 4, \"max_value\": 4, \"customers\": 1}]},"
			   " \"monetary\": {\"n\": 3, \"scores\": [{\"score\": 1, \"min_value\": 1, \"max_value\": 1, \"customers\": 1},"
			   " {\"score\": 2, \"min_value\": 3, \"max_value\": 3, \"customers\": 1}, {\"score\": 4, \"min_value\": 10, \"max_value\": 10, \"customers\": 1}]},"
			   " \"nps\": {\"n\": 2, \"scores\": [{\"score\": 1, \"min_value\": 7, \"max_value\": 7, \"customers\": 1},"
			   " {\"score\": 3, \"min_value\": 9, \"max_value\": 9, \"customers\": 1}]}}",
			   rounds);
	fuzz_map(rounds);
	return tap_done();
}

/*
 * Under AddressSanitizer:
 *	cc -std=c99 -g -fsanitize=address,undefined -Isrc/kernel -o /tmp/fuzz \
 *	   test/unit/test_fuzz.c src/kernel/[a-z]*.c -lm && /tmp/fuzz 200000
 */
