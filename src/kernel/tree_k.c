/*
 * tree_k.c
 *	  Decision trees: growing, scoring, rules, importances, binary and JSON
 *	  forms; see tree_k.h.
 *
 * Binary layout: u8 classification, u8 has_params, [u8 criterion,
 * u32 max_depth, i64 min_samples_split, i64 min_samples_leaf,
 * f64 min_impurity_decrease, i64 max_rows when has_params], i64 rows_seen,
 * i64 rows_used, i64 rows_skipped, the features (cvfeatures.c), u32 nnodes,
 * then per node i32 feature, f64 threshold, i32 left, i32 right, i64 rows,
 * f64 impurity, f64 value.
 */
#include "tree_k.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cvalloc.h"
#include "cvjson.h"

/* scikit-learn's EPSILON: np.finfo('double').eps */
#define CVT_EPSILON DBL_EPSILON

/* Check for a cancelled query now (between nodes, between sort passes). */
static void
interrupt(void)
{
	cv_interrupt_poll(0);
}

/* ------------------------------------------------------------ sorting */

/* A double's bits as an unsigned key in the same order (-0.0 as 0.0). */
static uint64_t
sort_key(double d)
{
	uint64_t	u;

	if (d == 0.0)
		d = 0.0;
	memcpy(&u, &d, sizeof(u));
	return (u & UINT64_C(0x8000000000000000)) ? ~u : u | UINT64_C(0x8000000000000000);
}

#define RADIX_BITS 11
#define RADIX_SIZE (1 << RADIX_BITS)

/*
 * Sort row indexes 0..n-1 by the values col[i] (ties by index): an LSD
 * radix sort on the keys, stable, skipping digits all keys share.  key,
 * key2 and idx2 are scratch of n entries.
 */
static void
sort_column(const double *col, size_t n, int32_t *out, uint64_t *key,
			uint64_t *key2, int32_t *idx2)
{
	size_t		count[RADIX_SIZE];
	int32_t    *idx = out;

	for (size_t i = 0; i < n; i++)
	{
		cv_interrupt_poll(i);
		key[i] = sort_key(col[i]);
		idx[i] = (int32_t) i;
	}
	for (int shift = 0; shift < 64; shift += RADIX_BITS)
	{
		size_t		sum = 0;
		uint64_t	d0 = n ? (key[0] >> shift) & (RADIX_SIZE - 1) : 0;
		int			same = 1;
		uint64_t   *tk;
		int32_t    *ti;

		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < n; i++)
		{
			uint64_t	d = (key[i] >> shift) & (RADIX_SIZE - 1);

			cv_interrupt_poll(i);
			count[d]++;
			same &= (d == d0);
		}
		if (same)
			continue;
		for (int d = 0; d < RADIX_SIZE; d++)
		{
			size_t		c = count[d];

			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
		{
			size_t		at = count[(key[i] >> shift) & (RADIX_SIZE - 1)]++;

			cv_interrupt_poll(i);
			key2[at] = key[i];
			idx2[at] = idx[i];
		}
		tk = key;
		key = key2;
		key2 = tk;
		ti = idx;
		idx = idx2;
		idx2 = ti;
		interrupt();
	}
	/* after an odd number of passes the result sits in the scratch */
	if (idx != out)
		memcpy(out, idx, n * sizeof(int32_t));
}

/* ------------------------------------------------------------ growing */

/* Class counts or sums of a set of rows. */
typedef struct stats
{
	double		w;				/* rows */
	double		s;				/* label-1 count, or sum of targets */
	double		sq;				/* sum of squared targets (regression) */
} stats;

/* A node waiting to be grown. */
typedef struct pending
{
	size_t		start,
				end;
	int32_t		depth,
				parent;
	int			is_left;
	double		impurity;
	int			has_impurity;	/* root: compute it */
} pending;

/*
 * Every column keeps its rows in its own sorted order as three parallel
 * streams: the row number, the value and the target.  A node is the same
 * segment [start, end) of every column's streams, so scanning a node reads
 * memory in order; a split partitions each column's segment stably.
 */
typedef struct grower
{
	size_t		n;
	int			ncols;
	int			cls;
	const cvt_params *p;
	int32_t    *idx;			/* ncols * n row numbers */
	double	   *val;			/* ncols * n values */
	double	   *tgt;			/* ncols * n targets */
	int32_t    *tmp_idx;		/* n: partition scratch */
	double	   *tmp_val;
	double	   *tmp_tgt;
	unsigned char *left;		/* n flags, by row number */
	cvt_node   *nodes;
	int32_t		nnodes,
				cap;
} grower;

/* Impurity of a set of rows, as scikit-learn's criteria compute it. */
static double
impurity(const grower *g, const stats *st)
{
	if (g->p->criterion == CVT_SQUARED_ERROR)
	{
		double		m = st->s / st->w;

		return st->sq / st->w - m * m;
	}
	else
	{
		double		c0 = st->w - st->s,
					c1 = st->s;

		if (g->p->criterion == CVT_GINI)
			return 1.0 - (c0 * c0 + c1 * c1) / (st->w * st->w);
		else
		{
			double		e = 0.0;

			if (c0 > 0.0)
				e -= (c0 / st->w) * (log(c0 / st->w) / log(2.0));
			if (c1 > 0.0)
				e -= (c1 / st->w) * (log(c1 / st->w) / log(2.0));
			return e;
		}
	}
}

/*
 * scikit-learn's proxy of the impurity decrease of a split into l and r:
 * the same order as the decrease, cheaper.
 */
static double
proxy(const grower *g, const stats *l, const stats *r)
{
	if (g->p->criterion == CVT_SQUARED_ERROR)
		return l->s * l->s / l->w + r->s * r->s / r->w;
	return -r->w * impurity(g, r) - l->w * impurity(g, l);
}

/* Sums of the targets y[0..m-1]. */
static stats
sum_rows(const grower *g, const double *y, size_t m)
{
	stats		st = {(double) m, 0.0, 0.0};

	for (size_t k = 0; k < m; k++)
	{
		double		v = y[k];

		st.s += v;
		if (!g->cls)
			st.sq += v * v;
	}
	return st;
}

/* The threshold between consecutive distinct values a < b. */
static double
midpoint(double a, double b)
{
	double		t = a / 2.0 + b / 2.0;

	if (t == b || isinf(t))
		t = a;
	return t;
}

/* The best split of a node. */
typedef struct split
{
	int			col;			/* -1: none */
	size_t		pos;			/* rows going left */
	double		threshold;
	double		proxy;
} split;

/*
 * Best split of the node's rows [start, end) on column j, into best when it
 * beats it: every boundary between distinct values that leaves
 * min_samples_leaf rows on each side.
 */
static void
scan_column(const grower *g, int j, size_t start, size_t end, const stats *tot,
			split *best)
{
	const double *xj = g->val + (size_t) j * g->n + start;
	const double *yj = g->tgt + (size_t) j * g->n + start;
	size_t		m = end - start;
	size_t		msl = (size_t) g->p->min_samples_leaf;
	stats		l = {0.0, 0.0, 0.0},
				r;
	size_t		p = 0;

	if (xj[0] == xj[m - 1])
		return;					/* constant in this node */
	while (p < m)
	{
		double		v = xj[p];
		double		pr;

		do
		{
			l.s += yj[p];
			p++;
		} while (p < m && xj[p] == v);
		if (p >= m)
			break;
		if (p < msl || m - p < msl)
			continue;
		l.w = (double) p;
		r.w = (double) (m - p);
		r.s = tot->s - l.s;
		pr = proxy(g, &l, &r);
		if (pr > best->proxy)
		{
			best->proxy = pr;
			best->col = j;
			best->pos = p;
			best->threshold = midpoint(v, xj[p]);
		}
	}
}

/*
 * Stable partition of the node's rows [start, end) in every column's list
 * but the split column's (already in order): rows flagged left first.
 */
static void
partition(grower *g, const split *sp, size_t start, size_t end)
{
	const int32_t *ls = g->idx + (size_t) sp->col * g->n + start;

	for (size_t k = 0; k < sp->pos; k++)
		g->left[ls[k]] = 1;
	for (int j = 0; j < g->ncols; j++)
	{
		size_t		off = (size_t) j * g->n + start;
		int32_t    *s = g->idx + off;
		double	   *v = g->val + off;
		double	   *y = g->tgt + off;
		size_t		nl = 0,
					nr = 0;

		if (j == sp->col)
			continue;
		for (size_t k = 0; k < end - start; k++)
		{
			cv_interrupt_poll(k);
			if (g->left[s[k]])
			{
				s[nl] = s[k];
				v[nl] = v[k];
				y[nl++] = y[k];
			}
			else
			{
				g->tmp_idx[nr] = s[k];
				g->tmp_val[nr] = v[k];
				g->tmp_tgt[nr++] = y[k];
			}
		}
		memcpy(s + nl, g->tmp_idx, nr * sizeof(int32_t));
		memcpy(v + nl, g->tmp_val, nr * sizeof(double));
		memcpy(y + nl, g->tmp_tgt, nr * sizeof(double));
	}
	for (size_t k = 0; k < sp->pos; k++)
		g->left[ls[k]] = 0;
}

/* Append a node; returns its number. */
static int32_t
add_node(grower *g, const pending *pd, double imp, double value)
{
	cvt_node   *nd;

	if (g->nnodes == g->cap)
	{
		g->cap = g->cap ? 2 * g->cap : 64;
		g->nodes = cv_realloc(g->nodes, sizeof(cvt_node) * g->cap);
	}
	nd = &g->nodes[g->nnodes];
	nd->feature = -1;
	nd->threshold = 0.0;
	nd->left = nd->right = -1;
	nd->parent = pd->parent;
	nd->depth = pd->depth;
	nd->rows = (int64_t) (pd->end - pd->start);
	nd->impurity = imp;
	nd->value = value;
	if (pd->parent >= 0)
	{
		if (pd->is_left)
			g->nodes[pd->parent].left = g->nnodes;
		else
			g->nodes[pd->parent].right = g->nnodes;
	}
	return g->nnodes++;
}

/*
 * Grow one node: decide leaf or split (scikit-learn's DepthFirstTreeBuilder
 * rules), record it, and push its children (right first, so the left
 * subtree is numbered first).  Returns the number of entries pushed.
 */
static int
grow_node(grower *g, const pending *pd, pending *push)
{
	size_t		m = pd->end - pd->start;
	stats		tot = sum_rows(g, g->tgt + pd->start, m);
	double		imp = pd->has_impurity ? pd->impurity : impurity(g, &tot);
	const cvt_params *p = g->p;
	int			leaf;
	split		best = {-1, 0, 0.0, -INFINITY};
	double		il = 0.0,
				ir = 0.0;
	int32_t		id;

	leaf = pd->depth >= p->max_depth || (int64_t) m < p->min_samples_split ||
		(int64_t) m < 2 * p->min_samples_leaf || imp <= CVT_EPSILON;
	if (!leaf)
	{
		for (int j = 0; j < g->ncols; j++)
		{
			interrupt();
			scan_column(g, j, pd->start, pd->end, &tot, &best);
		}
		leaf = best.col < 0;
	}
	if (!leaf)
	{
		stats		l = sum_rows(g, g->tgt + (size_t) best.col * g->n + pd->start, best.pos),
					r;
		double		wn = (double) m;
		double		improvement;

		r.w = wn - l.w;
		r.s = tot.s - l.s;
		r.sq = tot.sq - l.sq;
		il = impurity(g, &l);
		ir = impurity(g, &r);
		improvement = (wn / (double) g->n) * (imp - r.w / wn * ir - l.w / wn * il);
		leaf = improvement + CVT_EPSILON < p->min_impurity_decrease;
	}
	id = add_node(g, pd, imp, tot.s / tot.w);
	if (leaf)
		return 0;
	g->nodes[id].feature = best.col;
	g->nodes[id].threshold = best.threshold;
	partition(g, &best, pd->start, pd->end);
	push[0] = (pending) {pd->start + best.pos, pd->end, pd->depth + 1, id, 0, ir, 1};
	push[1] = (pending) {pd->start, pd->start + best.pos, pd->depth + 1, id, 1, il, 1};
	return 2;
}

cvt_node *
cvt_grow(const double *x, const double *y, size_t n, int ncols,
		 int classification, const cvt_params *p, int32_t *nnodes)
{
	grower		g;
	pending    *stack;
	int			top = 0;
	/* node targets are read from column 0's list: keep one even without columns */
	size_t		cells = (size_t) (ncols > 0 ? ncols : 1) * n + 1;
	uint64_t   *key = cv_malloc(sizeof(uint64_t) * (n + 1));
	uint64_t   *key2 = cv_malloc(sizeof(uint64_t) * (n + 1));

	memset(&g, 0, sizeof(g));
	g.n = n;
	g.ncols = ncols;
	g.cls = classification;
	g.p = p;
	g.idx = cv_malloc(sizeof(int32_t) * cells);
	g.val = cv_malloc(sizeof(double) * cells);
	g.tgt = cv_malloc(sizeof(double) * cells);
	g.tmp_idx = cv_malloc(sizeof(int32_t) * (n + 1));
	g.tmp_val = cv_malloc(sizeof(double) * (n + 1));
	g.tmp_tgt = cv_malloc(sizeof(double) * (n + 1));
	g.left = cv_calloc(n + 1, 1);
	for (int j = 0; j < ncols; j++)
	{
		size_t		off = (size_t) j * n;

		sort_column(x + off, n, g.idx + off, key, key2, g.tmp_idx);
		for (size_t k = 0; k < n; k++)
		{
			cv_interrupt_poll(k);
			g.val[off + k] = x[off + g.idx[off + k]];
			g.tgt[off + k] = y[g.idx[off + k]];
		}
	}
	if (ncols == 0)
		memcpy(g.tgt, y, sizeof(double) * n);
	cv_free(key);
	cv_free(key2);

	stack = cv_malloc(sizeof(pending) * (2 * (CVT_MAX_DEPTH + 2)));
	stack[top++] = (pending) {0, n, 0, -1, 0, 0.0, 0};
	while (top > 0)
	{
		pending		pd = stack[--top];

		interrupt();
		top += grow_node(&g, &pd, stack + top);
	}
	cv_free(stack);
	cv_free(g.idx);
	cv_free(g.val);
	cv_free(g.tgt);
	cv_free(g.tmp_idx);
	cv_free(g.tmp_val);
	cv_free(g.tmp_tgt);
	cv_free(g.left);
	*nnodes = g.nnodes;
	return g.nodes;
}

cvt_tree *
cvt_fit_rows(const cv_rows *rows, cv_features *f, int classification,
			 const cvt_params *p)
{
	size_t		n = cv_rows_count(rows);
	int			ncols = f->ncols;
	double	   *x = cv_malloc(sizeof(double) * ((size_t) ncols * n + 1));
	double	   *y = cv_malloc(sizeof(double) * (n + 1));
	double	   *design = cv_malloc(sizeof(double) * (ncols + 1));
	int32_t    *level = cv_malloc(sizeof(int32_t) * (f->ncat + 1));
	cvt_tree   *t = cv_calloc(1, sizeof(cvt_tree));

	for (size_t i = 0; i < n; i++)
	{
		cv_interrupt_poll(i);
		cv_features_row_levels(f, rows, i, level);
		cv_features_design(f, cv_rows_x(rows, i), level, design);
		for (int j = 0; j < ncols; j++)
			x[(size_t) j * n + i] = design[j];
		y[i] = cv_rows_y(rows, i);
	}
	cv_free(design);
	cv_free(level);
	t->classification = classification;
	t->has_params = 1;
	t->params = *p;
	t->max_rows = cv_rows_max_rows(rows);
	t->rows_seen = cv_rows_seen(rows);
	t->rows_used = (int64_t) n;
	t->rows_skipped = cv_rows_skipped(rows);
	t->features = f;
	t->nodes = cvt_grow(x, y, n, ncols, classification, p, &t->nnodes);
	cv_free(x);
	cv_free(y);
	return t;
}

void
cvt_free(cvt_tree *t)
{
	if (t == NULL)
		return;
	cv_features_free(t->features);
	cv_free(t->nodes);
	cv_free(t);
}

void
cvt_link(cvt_tree *t)
{
	/* children always come after their parent (checked by the readers) */
	t->nodes[0].parent = -1;
	t->nodes[0].depth = 0;
	for (int32_t i = 0; i < t->nnodes; i++)
	{
		cvt_node   *nd = &t->nodes[i];

		if (nd->feature < 0)
			continue;
		t->nodes[nd->left].parent = t->nodes[nd->right].parent = i;
		t->nodes[nd->left].depth = t->nodes[nd->right].depth = nd->depth + 1;
	}
}

int32_t
cvt_leaf(const cvt_tree *t, const double *design)
{
	const cvt_node *nd = t->nodes;
	int32_t		i = 0;

	/* written so that the compiler picks the child without a branch */
	while (nd[i].feature >= 0)
	{
		int32_t		l = nd[i].left,
					r = nd[i].right;

		i = design[nd[i].feature] > nd[i].threshold ? r : l;
	}
	return i;
}

int
cvt_importance(const cvt_tree *t, double *imp)
{
	int			ncols = t->features->ncols;
	double		total = 0.0;

	for (int j = 0; j < ncols; j++)
		imp[j] = 0.0;
	for (int32_t i = 0; i < t->nnodes; i++)
	{
		const cvt_node *nd = &t->nodes[i],
				   *l,
				   *r;

		if (nd->feature < 0)
			continue;
		l = &t->nodes[nd->left];
		r = &t->nodes[nd->right];
		if (nd->rows < 0 || l->rows < 0 || r->rows < 0 ||
			isnan(nd->impurity) || isnan(l->impurity) || isnan(r->impurity))
			return -1;
		imp[nd->feature] += (double) nd->rows * nd->impurity -
			(double) l->rows * l->impurity - (double) r->rows * r->impurity;
	}
	if (t->nodes[0].rows <= 0)
		return t->nnodes > 1 ? -1 : 0;
	for (int j = 0; j < ncols; j++)
	{
		imp[j] /= (double) t->nodes[0].rows;
		total += imp[j];
	}
	if (total > 0.0)
		for (int j = 0; j < ncols; j++)
			imp[j] /= total;
	return 0;
}

/* ------------------------------------------------------------ rules */

/* A growing string. */
typedef struct sbuf
{
	char	   *s;
	size_t		len,
				cap;
} sbuf;

static void
sb_put(sbuf *b, const char *s)
{
	size_t		n = strlen(s);

	if (b->len + n + 1 > b->cap)
	{
		b->cap = 2 * (b->len + n + 1) + 32;
		b->s = cv_realloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

/*
 * A threshold for a reader: rounded to 15 significant digits, so that a
 * midpoint such as 1.0019999999999998 reads 1.002 (tree_nodes keeps the
 * exact value).
 */
static void
sb_number(sbuf *b, double d)
{
	char		buf[64];

	snprintf(buf, sizeof(buf), "%.15g", d);
	cvj_format_number(strtod(buf, NULL), buf, sizeof(buf));
	sb_put(b, buf);
}

/* A level as an SQL string literal. */
static void
sb_literal(sbuf *b, const char *s)
{
	sb_put(b, "'");
	for (const char *q = s; *q; q++)
	{
		char		c[2] = {*q, 0};

		sb_put(b, *q == '\'' ? "''" : c);
	}
	sb_put(b, "'");
}

/*
 * What the path says about one thing it tests: a numeric design column's
 * bounds (lo < x <= hi), or a categorical feature's level (eq) or the
 * levels it is not (a flag per level).
 */
typedef struct cond
{
	int			col;			/* numeric column, or -1 */
	int			feat;			/* categorical feature, or -1 */
	double		lo,
				hi;
	int			eq;				/* level, or -1 */
	unsigned char *not;			/* nlevels flags */
} cond;

/* True when design column col is a dummy split like a 0/1 flag. */
static int
is_dummy_split(const cvt_tree *t, int col, double threshold)
{
	return col >= t->features->nnum && threshold >= 0.0 && threshold < 1.0;
}

/* The condition entry for the thing node nd tests (added when new). */
static cond *
cond_for(const cvt_tree *t, cond *cs, int *nc, const cvt_node *nd)
{
	int			col = nd->feature;
	int			feat = is_dummy_split(t, col, nd->threshold) ?
		cv_features_column_feature(t->features, col) : -1;

	for (int k = 0; k < *nc; k++)
		if (feat >= 0 ? cs[k].feat == feat : cs[k].col == col)
			return &cs[k];
	cs[*nc].col = feat >= 0 ? -1 : col;
	cs[*nc].feat = feat;
	cs[*nc].lo = -INFINITY;
	cs[*nc].hi = INFINITY;
	cs[*nc].eq = -1;
	cs[*nc].not = feat >= 0 ?
		cv_calloc(t->features->nlevels[feat - t->features->nnum] + 1, 1) : NULL;
	return &cs[(*nc)++];
}

/* Render one condition into b. */
static void
cond_text(const cvt_tree *t, const cond *c, sbuf *b)
{
	const cv_features *f = t->features;

	if (c->feat >= 0)
	{
		int			p = c->feat - f->nnum;
		int			nnot = 0;

		sb_put(b, f->names[c->feat]);
		if (c->eq >= 0)
		{
			sb_put(b, " = ");
			sb_literal(b, f->levels[p][c->eq]);
			return;
		}
		for (int l = 0; l < f->nlevels[p]; l++)
			nnot += c->not[l];
		sb_put(b, nnot == 1 ? " <> " : " NOT IN (");
		for (int l = 0, k = 0; l < f->nlevels[p]; l++)
			if (c->not[l])
			{
				if (k++)
					sb_put(b, ", ");
				sb_literal(b, f->levels[p][l]);
			}
		if (nnot > 1)
			sb_put(b, ")");
		return;
	}
	{
		char	   *name = cv_features_column_name(f, c->col);

		if (c->lo > -INFINITY)
		{
			sb_put(b, name);
			sb_put(b, " > ");
			sb_number(b, c->lo);
		}
		if (c->hi < INFINITY)
		{
			if (c->lo > -INFINITY)
				sb_put(b, " AND ");
			sb_put(b, name);
			sb_put(b, " <= ");
			sb_number(b, c->hi);
		}
		cv_free(name);
	}
}

char *
cvt_rule(const cvt_tree *t, int32_t node)
{
	int32_t		depth = t->nodes[node].depth;
	int32_t    *path = cv_malloc(sizeof(int32_t) * (depth + 1));
	cond	   *cs = cv_calloc(depth + 1, sizeof(cond));
	int			nc = 0;
	sbuf		b = {NULL, 0, 0};

	for (int32_t i = node, k = depth; k >= 0; i = t->nodes[i].parent, k--)
		path[k] = i;
	for (int32_t k = 0; k < depth; k++)
	{
		const cvt_node *nd = &t->nodes[path[k]];
		int			left = nd->left == path[k + 1];
		cond	   *c = cond_for(t, cs, &nc, nd);

		if (c->feat >= 0)
		{
			int			level = cv_features_column_level(t->features, nd->feature);

			if (left)
				c->not[level] = 1;
			else
				c->eq = level;
		}
		else if (left)
			c->hi = fmin(c->hi, nd->threshold);
		else
			c->lo = fmax(c->lo, nd->threshold);
	}
	sb_put(&b, nc ? "" : "TRUE");
	for (int k = 0; k < nc; k++)
	{
		if (k)
			sb_put(&b, " AND ");
		cond_text(t, &cs[k], &b);
		if (cs[k].not)
			cv_free(cs[k].not);
	}
	cv_free(cs);
	cv_free(path);
	return b.s;
}

/* ------------------------------------------------------------ names */

static const char *const criterion_names[] = {"gini", "entropy", "squared_error"};

const char *
cvt_criterion_name(cvt_criterion c)
{
	return criterion_names[c];
}

int
cvt_criterion_parse(const char *s)
{
	for (int c = 0; c < 3; c++)
		if (strcmp(s, criterion_names[c]) == 0)
			return c;
	return -1;
}

/* ------------------------------------------------------------ checks */

/*
 * The checks every reader applies: the options in range, the counters
 * consistent, and the nodes a tree: every split node names a column, has a
 * finite threshold and two children numbered after it, every node but the
 * root is the child of exactly one node, every leaf has a finite value (a
 * share between 0 and 1 for classification), rows >= 0 or unknown,
 * impurity finite and >= 0 or unknown.  Sets parent and depth.
 */
static int
tree_check(cvt_tree *t, char *err, size_t errlen)
{
	const cvt_params *p = &t->params;
	int32_t    *refs;

	if (t->has_params &&
		(p->max_depth < 1 || p->max_depth > CVT_MAX_DEPTH || p->min_samples_split < 2 ||
		 p->min_samples_leaf < 1 || !isfinite(p->min_impurity_decrease) ||
		 p->min_impurity_decrease < 0 || t->max_rows < 0 ||
		 (t->classification != (p->criterion != CVT_SQUARED_ERROR))))
		return (cv_errorf(err, errlen, "tree options are out of range or do not match the task"), -1);
	if (t->rows_seen < 0 || t->rows_used < 0 || t->rows_skipped < 0 || t->rows_used > t->rows_seen)
		return (cv_errorf(err, errlen, "row counts must be >= 0 with rows used <= rows seen"), -1);
	if (t->nnodes < 1)
		return (cv_errorf(err, errlen, "a tree needs at least one node"), -1);
	refs = cv_calloc(t->nnodes + 1, sizeof(int32_t));
	for (int32_t i = 0; i < t->nnodes; i++)
	{
		cvt_node   *nd = &t->nodes[i];
		const char *bad = NULL;

		if (nd->feature >= 0)
		{
			if (nd->feature >= t->features->ncols)
				bad = "splits on a column the features do not have";
			else if (!isfinite(nd->threshold))
				bad = "has a threshold that is not finite";
			else if (nd->left <= i || nd->right <= i || nd->left >= t->nnodes ||
					 nd->right >= t->nnodes || nd->left == nd->right)
				bad = "must have two different children numbered after it";
			else
			{
				refs[nd->left]++;
				refs[nd->right]++;
			}
			if (!bad && !isnan(nd->value) && !isfinite(nd->value))
				bad = "has a value that is not finite";
		}
		else if (nd->feature != -1 || nd->left != -1 || nd->right != -1)
			bad = "is neither a split nor a leaf";
		else if (!isfinite(nd->value))
			bad = "is a leaf without a finite value";
		if (!bad && t->classification && isfinite(nd->value) && (nd->value < 0 || nd->value > 1))
			bad = "has a value outside 0..1 (a classification tree's value is the share of true)";
		if (!bad && nd->rows < -1)
			bad = "has a negative row count";
		/* squared error as scikit-learn computes it may round below 0 */
		if (!bad && !isnan(nd->impurity) && !isfinite(nd->impurity))
			bad = "has an impurity that is not a finite number";
		if (bad)
		{
			cv_free(refs);
			return (cv_errorf(err, errlen, "node %d %s", (int) i, bad), -1);
		}
	}
	for (int32_t i = 1; i < t->nnodes; i++)
		if (refs[i] != 1)
		{
			cv_errorf(err, errlen, "node %d must be the child of exactly one node, not %d",
				 (int) i, (int) refs[i]);
			cv_free(refs);
			return -1;
		}
	cv_free(refs);
	cvt_link(t);
	return 0;
}

/* ------------------------------------------------------------ binary */

void
cvt_write(const cvt_tree *t, cv_wbuf *b)
{
	cvb_u8(b, (uint8_t) t->classification);
	cvb_u8(b, (uint8_t) t->has_params);
	if (t->has_params)
	{
		cvb_u8(b, (uint8_t) t->params.criterion);
		cvb_u32(b, (uint32_t) t->params.max_depth);
		cvb_i64(b, t->params.min_samples_split);
		cvb_i64(b, t->params.min_samples_leaf);
		cvb_f64(b, t->params.min_impurity_decrease);
		cvb_i64(b, t->max_rows);
	}
	cvb_i64(b, t->rows_seen);
	cvb_i64(b, t->rows_used);
	cvb_i64(b, t->rows_skipped);
	cv_features_write(t->features, b);
	cvb_u32(b, (uint32_t) t->nnodes);
	for (int32_t i = 0; i < t->nnodes; i++)
	{
		const cvt_node *nd = &t->nodes[i];

		cvb_u32(b, (uint32_t) nd->feature);
		cvb_f64(b, nd->threshold);
		cvb_u32(b, (uint32_t) nd->left);
		cvb_u32(b, (uint32_t) nd->right);
		cvb_i64(b, nd->rows);
		cvb_f64(b, nd->impurity);
		cvb_f64(b, nd->value);
	}
}

/* Bytes of one node in the binary form. */
#define NODE_BYTES (4 + 8 + 4 + 4 + 8 + 8 + 8)

cvt_tree *
cvt_read(const unsigned char *p, size_t len, char *err, size_t errlen)
{
	cv_rbuf		r;
	cvt_tree   *t = cv_calloc(1, sizeof(cvt_tree));
	uint32_t	nnodes;
	uint8_t		crit;

	cvr_init(&r, p, len);
	t->classification = cvr_u8(&r);
	t->has_params = cvr_u8(&r);
	if (t->classification > 1 || t->has_params > 1)
	{
		cv_free(t);
		return cv_errorf(err, errlen, "tree header is out of range");
	}
	if (t->has_params)
	{
		crit = cvr_u8(&r);
		t->params.criterion = crit <= CVT_SQUARED_ERROR ? (cvt_criterion) crit : CVT_GINI;
		t->params.max_depth = (int) cvr_u32(&r);
		t->params.min_samples_split = cvr_i64(&r);
		t->params.min_samples_leaf = cvr_i64(&r);
		t->params.min_impurity_decrease = cvr_f64(&r);
		t->max_rows = cvr_i64(&r);
		if (crit > CVT_SQUARED_ERROR)
			t->params.max_depth = -1;	/* fails the check below */
	}
	t->rows_seen = cvr_i64(&r);
	t->rows_used = cvr_i64(&r);
	t->rows_skipped = cvr_i64(&r);
	if (r.err || (t->features = cv_features_read(&r, err, errlen)) == NULL)
	{
		if (r.err)
			cv_errorf(err, errlen, "tree is truncated");
		cv_free(t);
		return NULL;
	}
	nnodes = cvr_u32(&r);
	if (r.err || nnodes > (r.len - r.pos) / NODE_BYTES)
	{
		cvt_free(t);
		return cv_errorf(err, errlen, "tree node count is out of range");
	}
	t->nnodes = (int32_t) nnodes;
	t->nodes = cv_calloc(nnodes + 1, sizeof(cvt_node));
	for (uint32_t i = 0; i < nnodes; i++)
	{
		cvt_node   *nd = &t->nodes[i];

		nd->feature = (int32_t) cvr_u32(&r);
		nd->threshold = cvr_f64(&r);
		nd->left = (int32_t) cvr_u32(&r);
		nd->right = (int32_t) cvr_u32(&r);
		nd->rows = cvr_i64(&r);
		nd->impurity = cvr_f64(&r);
		nd->value = cvr_f64(&r);
	}
	if (!cvr_done(&r))
	{
		cvt_free(t);
		return cv_errorf(err, errlen, "tree has trailing or missing bytes");
	}
	if (tree_check(t, err, errlen) < 0)
	{
		cvt_free(t);
		return NULL;
	}
	return t;
}

/* ------------------------------------------------------------ JSON */

char *
cvt_to_json(const cvt_tree *t)
{
	cvj_writer	w;

	cvjw_init(&w);
	cvjw_begin_object(&w);
	cvjw_key(&w, "kind");
	cvjw_string(&w, "tree");
	cvjw_key(&w, "version");
	cvjw_int(&w, 1);
	cvjw_key(&w, "task");
	cvjw_string(&w, t->classification ? "classification" : "regression");
	if (t->has_params)
	{
		cvjw_key(&w, "options");
		cvjw_begin_object(&w);
		cvjw_key(&w, "criterion");
		cvjw_string(&w, cvt_criterion_name(t->params.criterion));
		cvjw_key(&w, "max_depth");
		cvjw_int(&w, t->params.max_depth);
		cvjw_key(&w, "min_samples_split");
		cvjw_int(&w, (long long) t->params.min_samples_split);
		cvjw_key(&w, "min_samples_leaf");
		cvjw_int(&w, (long long) t->params.min_samples_leaf);
		cvjw_key(&w, "min_impurity_decrease");
		cvjw_number(&w, t->params.min_impurity_decrease);
		cvjw_key(&w, "max_rows");
		cvjw_int(&w, (long long) t->max_rows);
		cvjw_end_object(&w);
	}
	cvjw_key(&w, "rows");
	cvjw_begin_object(&w);
	cvjw_key(&w, "seen");
	cvjw_int(&w, (long long) t->rows_seen);
	cvjw_key(&w, "used");
	cvjw_int(&w, (long long) t->rows_used);
	cvjw_key(&w, "skipped");
	cvjw_int(&w, (long long) t->rows_skipped);
	cvjw_end_object(&w);
	cvjw_key(&w, "features");
	cv_features_to_json(t->features, &w);
	cvjw_key(&w, "nodes");
	cvjw_begin_array(&w);
	for (int32_t i = 0; i < t->nnodes; i++)
	{
		const cvt_node *nd = &t->nodes[i];

		cvjw_begin_object(&w);
		if (nd->feature >= 0)
		{
			char	   *name = cv_features_column_name(t->features, nd->feature);

			cvjw_key(&w, "feature");
			cvjw_string(&w, name);
			cv_free(name);
			cvjw_key(&w, "threshold");
			cvjw_number(&w, nd->threshold);
			cvjw_key(&w, "left");
			cvjw_int(&w, nd->left);
			cvjw_key(&w, "right");
			cvjw_int(&w, nd->right);
		}
		if (nd->rows >= 0)
		{
			cvjw_key(&w, "rows");
			cvjw_int(&w, (long long) nd->rows);
		}
		if (!isnan(nd->impurity))
		{
			cvjw_key(&w, "impurity");
			cvjw_number(&w, nd->impurity);
		}
		if (!isnan(nd->value))
		{
			cvjw_key(&w, "value");
			cvjw_number(&w, nd->value);
		}
		cvjw_end_object(&w);
	}
	cvjw_end_array(&w);
	cvjw_end_object(&w);
	return cvjw_finish(&w, NULL);
}

/* A JSON whole number in [lo, hi] into *out; 0 when it is not one. */
static int
json_whole(const cvj_value *v, double lo, double hi, int64_t *out)
{
	if (v == NULL || v->type != CVJ_NUMBER || v->number != floor(v->number) ||
		v->number < lo || v->number > hi)
		return 0;
	*out = (int64_t) v->number;
	return 1;
}

/* "options": every key required. */
static int
json_options(cvt_tree *t, const cvj_value *o, char *err, size_t errlen)
{
	static const char *const keys[] = {"criterion", "max_depth", "min_samples_split",
	"min_samples_leaf", "min_impurity_decrease", "max_rows", NULL};
	const cvj_value *c = cvj_get(o, "criterion");
	const cvj_value *mid = cvj_get(o, "min_impurity_decrease");
	int64_t		depth;
	const char *bad;

	if (o->type != CVJ_OBJECT || (bad = cvj_unknown_key(o, keys)) != NULL)
		return (cv_errorf(err, errlen, "\"options\" must be an object with the keys criterion, max_depth, min_samples_split, min_samples_leaf, min_impurity_decrease, max_rows"), -1);
	if (c == NULL || c->type != CVJ_STRING || cvt_criterion_parse(c->string) < 0)
		return (cv_errorf(err, errlen, "\"criterion\" must be \"gini\", \"entropy\" or \"squared_error\""), -1);
	t->params.criterion = (cvt_criterion) cvt_criterion_parse(c->string);
	if (!json_whole(cvj_get(o, "max_depth"), 1, CVT_MAX_DEPTH, &depth) ||
		!json_whole(cvj_get(o, "min_samples_split"), 2, 9e15, &t->params.min_samples_split) ||
		!json_whole(cvj_get(o, "min_samples_leaf"), 1, 9e15, &t->params.min_samples_leaf) ||
		!json_whole(cvj_get(o, "max_rows"), 0, 9e15, &t->max_rows) ||
		mid == NULL || mid->type != CVJ_NUMBER || mid->number < 0)
		return (cv_errorf(err, errlen, "\"options\" must hold max_depth 1..%d, min_samples_split >= 2, min_samples_leaf >= 1, min_impurity_decrease >= 0 and max_rows >= 0",
					 CVT_MAX_DEPTH), -1);
	t->params.max_depth = (int) depth;
	t->params.min_impurity_decrease = mid->number;
	t->has_params = 1;
	return 0;
}

/* "rows": {"seen", "used", "skipped"}, every key required. */
static int
json_rows(cvt_tree *t, const cvj_value *o, char *err, size_t errlen)
{
	static const char *const keys[] = {"seen", "used", "skipped", NULL};

	if (o->type != CVJ_OBJECT || cvj_unknown_key(o, keys) != NULL ||
		!json_whole(cvj_get(o, "seen"), 0, 9e15, &t->rows_seen) ||
		!json_whole(cvj_get(o, "used"), 0, 9e15, &t->rows_used) ||
		!json_whole(cvj_get(o, "skipped"), 0, 9e15, &t->rows_skipped))
		return (cv_errorf(err, errlen, "\"rows\" must be an object of whole numbers >= 0: seen, used, skipped"), -1);
	return 0;
}

/* The design column called name, or -1. */
static int
column_by_name(const cv_features *f, const char *name)
{
	for (int c = 0; c < f->ncols; c++)
	{
		char	   *cn = cv_features_column_name(f, c);
		int			same = strcmp(cn, name) == 0;

		cv_free(cn);
		if (same)
			return c;
	}
	return -1;
}

/* One element of "nodes". */
static int
json_node(cvt_tree *t, int32_t i, const cvj_value *o, char *err, size_t errlen)
{
	static const char *const keys[] = {"feature", "threshold", "left", "right",
	"rows", "impurity", "value", NULL};
	cvt_node   *nd = &t->nodes[i];
	const cvj_value *feature = cvj_get(o, "feature");
	const cvj_value *v;
	const char *bad;
	int64_t		k;

	nd->feature = nd->left = nd->right = -1;
	nd->rows = -1;
	nd->impurity = nd->value = NAN;
	if (o->type != CVJ_OBJECT)
		return (cv_errorf(err, errlen, "node %d must be an object", (int) i), -1);
	if ((bad = cvj_unknown_key(o, keys)) != NULL)
		return (cv_errorf(err, errlen, "unknown key \"%s\" in node %d", bad, (int) i), -1);
	if (feature != NULL)
	{
		if (feature->type != CVJ_STRING || (nd->feature = column_by_name(t->features, feature->string)) < 0)
			return (cv_errorf(err, errlen, "node %d: \"feature\" must name a feature (or \"name=level\" of a categorical one)", (int) i), -1);
		v = cvj_get(o, "threshold");
		if (v == NULL || v->type != CVJ_NUMBER)
			return (cv_errorf(err, errlen, "node %d: a split needs a number \"threshold\"", (int) i), -1);
		nd->threshold = v->number;
		if (!json_whole(cvj_get(o, "left"), 1, t->nnodes - 1, &k))
			return (cv_errorf(err, errlen, "node %d: \"left\" must be a node number", (int) i), -1);
		nd->left = (int32_t) k;
		if (!json_whole(cvj_get(o, "right"), 1, t->nnodes - 1, &k))
			return (cv_errorf(err, errlen, "node %d: \"right\" must be a node number", (int) i), -1);
		nd->right = (int32_t) k;
	}
	else if (cvj_get(o, "threshold") || cvj_get(o, "left") || cvj_get(o, "right"))
		return (cv_errorf(err, errlen, "node %d: \"threshold\", \"left\" and \"right\" need a \"feature\"", (int) i), -1);
	if ((v = cvj_get(o, "rows")) != NULL)
	{
		if (!json_whole(v, 0, 9e15, &nd->rows))
			return (cv_errorf(err, errlen, "node %d: \"rows\" must be a whole number >= 0", (int) i), -1);
	}
	if ((v = cvj_get(o, "impurity")) != NULL)
	{
		if (v->type != CVJ_NUMBER)
			return (cv_errorf(err, errlen, "node %d: \"impurity\" must be a number", (int) i), -1);
		nd->impurity = v->number;
	}
	if ((v = cvj_get(o, "value")) != NULL)
	{
		if (v->type != CVJ_NUMBER)
			return (cv_errorf(err, errlen, "node %d: \"value\" must be a number", (int) i), -1);
		nd->value = v->number;
	}
	return 0;
}

/* The body of cvt_from_json, on a parsed document. */
static int
tree_from_doc(cvt_tree *t, const cvj_value *root, char *err, size_t errlen)
{
	static const char *const keys[] = {"kind", "version", "task", "options", "rows",
	"features", "nodes", NULL};
	const cvj_value *kind = cvj_get(root, "kind");
	const cvj_value *version = cvj_get(root, "version");
	const cvj_value *task = cvj_get(root, "task");
	const cvj_value *nodes = cvj_get(root, "nodes");
	const char *bad;

	if (root->type != CVJ_OBJECT)
		return (cv_errorf(err, errlen, "a tree must be a JSON object"), -1);
	if ((bad = cvj_unknown_key(root, keys)) != NULL)
		return (cv_errorf(err, errlen, "unknown key \"%s\"", bad), -1);
	if (kind == NULL || kind->type != CVJ_STRING || strcmp(kind->string, "tree") != 0)
		return (cv_errorf(err, errlen, "\"kind\" must be \"tree\""), -1);
	if (version == NULL || version->type != CVJ_NUMBER || version->number != 1)
		return (cv_errorf(err, errlen, "\"version\" must be 1"), -1);
	if (task == NULL || task->type != CVJ_STRING ||
		(strcmp(task->string, "classification") != 0 && strcmp(task->string, "regression") != 0))
		return (cv_errorf(err, errlen, "\"task\" must be \"classification\" or \"regression\""), -1);
	t->classification = strcmp(task->string, "classification") == 0;
	if (cvj_get(root, "options") && json_options(t, cvj_get(root, "options"), err, errlen) < 0)
		return -1;
	if (cvj_get(root, "rows") && json_rows(t, cvj_get(root, "rows"), err, errlen) < 0)
		return -1;
	if ((t->features = cv_features_from_json(cvj_get(root, "features"), err, errlen)) == NULL)
		return -1;
	if (nodes == NULL || nodes->type != CVJ_ARRAY || nodes->n < 1)
		return (cv_errorf(err, errlen, "\"nodes\" must be a non-empty array"), -1);
	t->nnodes = nodes->n;
	t->nodes = cv_calloc(nodes->n + 1, sizeof(cvt_node));
	for (int32_t i = 0; i < t->nnodes; i++)
		if (json_node(t, i, &nodes->items[i], err, errlen) < 0)
			return -1;
	return tree_check(t, err, errlen);
}

cvt_tree *
cvt_from_json(const char *text, size_t len, char *err, size_t errlen)
{
	char		perr[200];
	cvj_value  *root = cvj_parse(text, len, perr, sizeof(perr));
	cvt_tree   *t;

	if (root == NULL)
		return cv_errorf(err, errlen, "%s", perr);
	t = cv_calloc(1, sizeof(cvt_tree));
	if (tree_from_doc(t, root, err, errlen) < 0)
	{
		cvj_free(root);
		cvt_free(t);
		return NULL;
	}
	cvj_free(root);
	return t;
}
