/*
 * cvjson.c
 *	  JSON DOM reader and compact writer for the kernels; see cvjson.h.
 *
 * The reader is a recursive-descent parser over a byte buffer (it need not
 * be NUL-terminated).  Each failing step writes its message and returns -1;
 * parse_value then frees whatever it had built, so a failed parse leaves no
 * allocation behind even with plain malloc hooks.
 */
#include "cvjson.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cvalloc.h"
#include "cvcodec.h"

/* Objects with more members than this find duplicate keys by hashing. */
#define LINEAR_KEY_CHECK 16

typedef struct cvj_parser
{
	const unsigned char *s;
	size_t		len;
	size_t		pos;
	int			depth;
	char	   *errbuf;
	size_t		errlen;
} cvj_parser;

static int	parse_value(cvj_parser *p, cvj_value *v);

#if defined(__GNUC__)
#define CVJ_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CVJ_PRINTF(f, a)
#endif
static int	fail(cvj_parser *p, const char *fmt,...) CVJ_PRINTF(2, 3);

/*
 * The decimal point of the current LC_NUMERIC locale.  The server always
 * runs with LC_NUMERIC=C, but a kernel linked elsewhere may not, and JSON
 * text must use '.' whatever the locale.
 */
static const char *
locale_decimal_point(void)
{
	const char *dp = localeconv()->decimal_point;

	return (dp && dp[0]) ? dp : ".";
}

/* Free what v owns (not v itself) and reset it to a JSON null. */
static void
value_clear(cvj_value *v)
{
	int			i;

	if (v->type == CVJ_STRING && v->string)
		cv_free(v->string);
	if (v->type == CVJ_ARRAY || v->type == CVJ_OBJECT)
	{
		for (i = 0; i < v->n; i++)
		{
			value_clear(&v->items[i]);
			if (v->keys && v->keys[i])
				cv_free(v->keys[i]);
		}
		if (v->items)
			cv_free(v->items);
		if (v->keys)
			cv_free(v->keys);
	}
	memset(v, 0, sizeof(*v));
}

/* ---------------------------------------------------------------- errors */

/* Write a formatted message to the caller's buffer; returns -1. */
static int
fail(cvj_parser *p, const char *fmt,...)
{
	va_list		ap;

	if (p->errlen > 0)
	{
		va_start(ap, fmt);
		vsnprintf(p->errbuf, p->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * The byte at p->pos does not fit the grammar: say which byte (printable
 * ASCII as itself, anything else as \xNN) or that the input ended.
 */
static int
fail_unexpected(cvj_parser *p)
{
	unsigned char c;

	if (p->pos >= p->len)
		return fail(p, "unexpected end of input at offset %zu", p->pos);
	c = p->s[p->pos];
	if (c == '"' || c == '\\')
		return fail(p, "unexpected character \"\\%c\" at offset %zu", c, p->pos);
	if (c > 0x20 && c < 0x7f)
		return fail(p, "unexpected character \"%c\" at offset %zu", c, p->pos);
	return fail(p, "unexpected character \"\\x%02X\" at offset %zu", c, p->pos);
}

/* ---------------------------------------------------------------- lexing */

static void
skip_ws(cvj_parser *p)
{
	while (p->pos < p->len &&
		   (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
			p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

/* Consume byte c if it is next; 1 when consumed. */
static int
accept(cvj_parser *p, unsigned char c)
{
	if (p->pos < p->len && p->s[p->pos] == c)
	{
		p->pos++;
		return 1;
	}
	return 0;
}

static int
is_digit_at(const cvj_parser *p, size_t pos)
{
	return pos < p->len && p->s[pos] >= '0' && p->s[pos] <= '9';
}

/* Consume a run of digits; -1 (unexpected character) when there is none. */
static int
digits(cvj_parser *p)
{
	if (!is_digit_at(p, p->pos))
		return fail_unexpected(p);
	while (is_digit_at(p, p->pos))
		p->pos++;
	return 0;
}

/* Match the literal word (true, false, null) byte by byte. */
static int
parse_literal(cvj_parser *p, const char *word)
{
	for (; *word; word++)
	{
		if (!accept(p, (unsigned char) *word))
			return fail_unexpected(p);
	}
	return 0;
}

/*
 * Convert the n bytes of a syntactically valid JSON number with strtod
 * (correctly rounded), first swapping '.' for the locale's decimal point.
 * Subnormal results and underflow to zero are fine; -1 on overflow.
 */
static int
number_value(const unsigned char *text, size_t n, double *out)
{
	const char *dp = locale_decimal_point();
	size_t		dplen = strlen(dp);
	char		stackbuf[64];
	char	   *buf = stackbuf;
	size_t		i,
				o = 0;

	if (n * dplen + 1 > sizeof(stackbuf))
		buf = cv_malloc(n * dplen + 1);
	for (i = 0; i < n; i++)
	{
		if (text[i] == '.')
		{
			memcpy(buf + o, dp, dplen);
			o += dplen;
		}
		else
			buf[o++] = (char) text[i];
	}
	buf[o] = '\0';
	*out = strtod(buf, NULL);
	if (buf != stackbuf)
		cv_free(buf);
	return isinf(*out) ? -1 : 0;
}

/* number = [ "-" ] int [ frac ] [ exp ]; int has no leading zeros. */
static int
parse_number(cvj_parser *p, cvj_value *v)
{
	size_t		start = p->pos;

	accept(p, '-');
	if (accept(p, '0'))
	{
		if (is_digit_at(p, p->pos))
			return fail(p, "leading zero in number at offset %zu", start);
	}
	else if (digits(p) < 0)
		return -1;
	if (accept(p, '.') && digits(p) < 0)
		return -1;
	if (accept(p, 'e') || accept(p, 'E'))
	{
		if (!accept(p, '+'))
			accept(p, '-');
		if (digits(p) < 0)
			return -1;
	}
	v->type = CVJ_NUMBER;
	if (number_value(p->s + start, p->pos - start, &v->number) < 0)
		return fail(p, "number out of range at offset %zu", start);
	return 0;
}

/* ---------------------------------------------------------------- strings */

/*
 * Length of the well-formed UTF-8 sequence at s with n bytes available, or
 * 0: no overlong forms, no surrogates, nothing above U+10FFFF.
 */
static int
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80,
				hi = 0xBF;
	int			len,
				i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
	{
		len = 3;
		if (s[0] == 0xE0)
			lo = 0xA0;
		else if (s[0] == 0xED)
			hi = 0x9F;
	}
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
	{
		len = 4;
		if (s[0] == 0xF0)
			lo = 0x90;
		else if (s[0] == 0xF4)
			hi = 0x8F;
	}
	else
		return 0;
	if (n < (size_t) len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

/* Append code point cp (valid, non-surrogate) to out as UTF-8. */
static size_t
utf8_put(unsigned char *out, unsigned long cp)
{
	if (cp < 0x80)
	{
		out[0] = (unsigned char) cp;
		return 1;
	}
	if (cp < 0x800)
	{
		out[0] = (unsigned char) (0xC0 | (cp >> 6));
		out[1] = (unsigned char) (0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000)
	{
		out[0] = (unsigned char) (0xE0 | (cp >> 12));
		out[1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
		out[2] = (unsigned char) (0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (unsigned char) (0xF0 | (cp >> 18));
	out[1] = (unsigned char) (0x80 | ((cp >> 12) & 0x3F));
	out[2] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
	out[3] = (unsigned char) (0x80 | (cp & 0x3F));
	return 4;
}

/* The code unit of "\uXXXX" at pos (before end), or -1 if malformed. */
static long
hex4_at(const cvj_parser *p, size_t pos, size_t end)
{
	long		cp = 0;
	int			i;

	if (end - pos < 6 || p->s[pos] != '\\' || p->s[pos + 1] != 'u')
		return -1;
	for (i = 2; i < 6; i++)
	{
		unsigned char c = p->s[pos + i];

		cp <<= 4;
		if (c >= '0' && c <= '9')
			cp |= c - '0';
		else if (c >= 'a' && c <= 'f')
			cp |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			cp |= c - 'A' + 10;
		else
			return -1;
	}
	return cp;
}

/*
 * Decode the \u escape at p->pos (a surrogate pair takes two) into out;
 * returns the bytes written or -1.
 */
static int
decode_unicode_escape(cvj_parser *p, size_t end, unsigned char *out)
{
	size_t		at = p->pos;
	long		cp = hex4_at(p, at, end);

	if (cp < 0)
		return fail(p, "invalid \\u escape at offset %zu", at);
	if (cp == 0)
		return fail(p, "\\u0000 is not allowed at offset %zu", at);
	p->pos += 6;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return fail(p, "unpaired surrogate at offset %zu", at);
	if (cp >= 0xD800 && cp <= 0xDBFF)
	{
		long		lo = hex4_at(p, p->pos, end);

		if (lo < 0xDC00 || lo > 0xDFFF)
			return fail(p, "unpaired surrogate at offset %zu", at);
		p->pos += 6;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	return (int) utf8_put(out, (unsigned long) cp);
}

/* Decode the escape sequence at p->pos into out; bytes written or -1. */
static int
decode_escape(cvj_parser *p, size_t end, unsigned char *out)
{
	static const char from[] = "\"\\/bfnrt";
	static const char to[] = "\"\\/\b\f\n\r\t";
	const char *hit;
	unsigned char e = p->s[p->pos + 1];

	if (e == 'u')
		return decode_unicode_escape(p, end, out);
	hit = e ? strchr(from, e) : NULL;
	if (hit == NULL)
		return fail(p, "invalid escape at offset %zu", p->pos);
	*out = (unsigned char) to[hit - from];
	p->pos += 2;
	return 1;
}

/*
 * Parse the string starting at the '"' at p->pos into a cv_malloc'd
 * NUL-terminated buffer.  The closing quote is found first, so the buffer
 * (decoded text is never longer than its source) is allocated once.
 */
static int
parse_string(cvj_parser *p, char **str, size_t *len)
{
	size_t		start = p->pos,
				end = start + 1,
				o = 0;
	unsigned char *buf;

	while (end < p->len && p->s[end] != '"')
		end += (p->s[end] == '\\') ? 2 : 1;
	if (end >= p->len)
		return fail(p, "unterminated string at offset %zu", start);
	buf = cv_malloc(end - start);
	p->pos = start + 1;
	while (p->pos < end)
	{
		unsigned char c = p->s[p->pos];
		int			n;

		if (c < 0x20)
			n = fail_unexpected(p);
		else if (c == '\\')
			n = decode_escape(p, end, buf + o);
		else if ((n = utf8_len(p->s + p->pos, end - p->pos)) == 0)
			n = fail(p, "invalid UTF-8 at offset %zu", p->pos);
		else
		{
			memcpy(buf + o, p->s + p->pos, n);
			p->pos += n;
		}
		if (n < 0)
		{
			cv_free(buf);
			return -1;
		}
		o += n;
	}
	p->pos = end + 1;
	buf[o] = '\0';
	*str = (char *) buf;
	*len = o;
	return 0;
}

/* ---------------------------------------------------------------- containers */

/* Grow v's items (and keys, for objects) so that one more fits. */
static void
grow_members(cvj_value *v, int *cap)
{
	if (v->n < *cap)
		return;
	*cap = *cap ? *cap * 2 : 4;
	v->items = cv_realloc(v->items, sizeof(cvj_value) * *cap);
	if (v->type == CVJ_OBJECT)
		v->keys = cv_realloc(v->keys, sizeof(char *) * *cap);
}

/* Open-addressing set of key indexes, for duplicate checks in big objects. */
typedef struct keyset
{
	int		   *slot;			/* index + 1, 0 = empty */
	size_t		mask;
} keyset;

/*
 * Insert keys[idx] unless an equal key is already in the set; 1 when it
 * was a duplicate.  The table is kept at most half full.
 */
static int
keyset_add(keyset *ks, char **keys, int idx)
{
	size_t		h;

	if (ks->slot == NULL || (size_t) idx * 2 >= ks->mask)
	{
		size_t		mask = ks->slot ? ks->mask * 2 + 1 : 63;
		int			i;

		if (ks->slot)
			cv_free(ks->slot);
		ks->slot = cv_calloc(mask + 1, sizeof(int));
		ks->mask = mask;
		for (i = 0; i < idx; i++)
			keyset_add(ks, keys, i);
	}
	h = (size_t) cv_hash64(keys[idx], strlen(keys[idx]), 0) & ks->mask;
	for (; ks->slot[h]; h = (h + 1) & ks->mask)
		if (strcmp(keys[ks->slot[h] - 1], keys[idx]) == 0)
			return 1;
	ks->slot[h] = idx + 1;
	return 0;
}

/* 1 when keys[idx] equals one of keys[0 .. idx-1]. */
static int
duplicate_key(keyset *ks, char **keys, int idx)
{
	int			i;

	if (idx >= LINEAR_KEY_CHECK)
		return keyset_add(ks, keys, idx);
	for (i = 0; i < idx; i++)
		if (strcmp(keys[i], keys[idx]) == 0)
			return 1;
	return 0;
}

/* Enter an array or object: consume the bracket and check the depth. */
static int
enter(cvj_parser *p, cvj_value *v, cvj_type type)
{
	v->type = type;
	p->pos++;
	if (++p->depth > CVJ_MAX_DEPTH)
		return fail(p, "nesting deeper than %d levels", CVJ_MAX_DEPTH);
	skip_ws(p);
	return 0;
}

/*
 * After a member: ',' continues (returns 1), the closing bracket ends the
 * container (returns 0), anything else is an error.
 */
static int
next_member(cvj_parser *p, unsigned char close)
{
	skip_ws(p);
	if (accept(p, ','))
		return 1;
	if (accept(p, close))
	{
		p->depth--;
		return 0;
	}
	return fail_unexpected(p);
}

/* array = "[" [ value *( "," value ) ] "]" */
static int
parse_array(cvj_parser *p, cvj_value *v)
{
	int			cap = 0,
				more = 1;

	if (enter(p, v, CVJ_ARRAY) < 0)
		return -1;
	if (accept(p, ']'))
	{
		p->depth--;
		return 0;
	}
	while (more > 0)
	{
		cv_interrupt_poll(v->n);
		grow_members(v, &cap);
		memset(&v->items[v->n++], 0, sizeof(cvj_value));
		if (parse_value(p, &v->items[v->n - 1]) < 0)
			return -1;
		more = next_member(p, ']');
	}
	return more;
}

/*
 * member = string ":" value, appended to object v.  The key is counted in
 * v->n as soon as it is read, so clearing v frees it on any later error.
 */
static int
parse_member(cvj_parser *p, cvj_value *v, int *cap, keyset *ks)
{
	size_t		keypos,
				keylen;
	int			i = v->n;

	skip_ws(p);
	keypos = p->pos;
	if (p->pos >= p->len || p->s[p->pos] != '"')
		return fail_unexpected(p);
	grow_members(v, cap);
	memset(&v->items[i], 0, sizeof(cvj_value));
	if (parse_string(p, &v->keys[i], &keylen) < 0)
		return -1;
	v->n++;
	if (duplicate_key(ks, v->keys, i))
		return fail(p, "duplicate key \"%s\" at offset %zu", v->keys[i], keypos);
	skip_ws(p);
	if (!accept(p, ':'))
		return fail_unexpected(p);
	return parse_value(p, &v->items[i]);
}

/* object = "{" [ member *( "," member ) ] "}" */
static int
parse_object(cvj_parser *p, cvj_value *v)
{
	keyset		ks = {NULL, 0};
	int			cap = 0,
				more = 1;

	if (enter(p, v, CVJ_OBJECT) < 0)
		return -1;
	if (accept(p, '}'))
	{
		p->depth--;
		return 0;
	}
	while (more > 0)
	{
		cv_interrupt_poll(v->n);
		more = parse_member(p, v, &cap, &ks);
		if (more == 0)
			more = next_member(p, '}');
	}
	if (ks.slot)
		cv_free(ks.slot);
	return more;
}

/* Parse any value at p->pos (after blanks); on error v is left cleared. */
static int
parse_value(cvj_parser *p, cvj_value *v)
{
	int			rc;

	skip_ws(p);
	if (p->pos >= p->len)
		return fail_unexpected(p);
	switch (p->s[p->pos])
	{
		case '{':
			rc = parse_object(p, v);
			break;
		case '[':
			rc = parse_array(p, v);
			break;
		case '"':
			v->type = CVJ_STRING;
			rc = parse_string(p, &v->string, &v->len);
			break;
		case 't':
		case 'f':
			v->type = CVJ_BOOL;
			v->boolean = (p->s[p->pos] == 't');
			rc = parse_literal(p, v->boolean ? "true" : "false");
			break;
		case 'n':
			rc = parse_literal(p, "null");
			break;
		default:
			if (p->s[p->pos] == '-' || is_digit_at(p, p->pos))
				rc = parse_number(p, v);
			else
				rc = fail_unexpected(p);
			break;
	}
	if (rc < 0)
		value_clear(v);
	return rc;
}

cvj_value *
cvj_parse(const char *text, size_t len, char *errbuf, size_t errlen)
{
	cvj_parser	p;
	cvj_value  *root = cv_calloc(1, sizeof(cvj_value));

	p.s = (const unsigned char *) text;
	p.len = len;
	p.pos = 0;
	p.depth = 0;
	p.errbuf = errbuf;
	p.errlen = errlen;
	if (errlen > 0)
		errbuf[0] = '\0';
	if (parse_value(&p, root) == 0)
	{
		skip_ws(&p);
		if (p.pos == p.len)
			return root;
		fail(&p, "trailing characters at offset %zu", p.pos);
	}
	cvj_free(root);
	return NULL;
}

void
cvj_free(cvj_value *v)
{
	if (v == NULL)
		return;
	value_clear(v);
	cv_free(v);
}

const cvj_value *
cvj_get(const cvj_value *obj, const char *key)
{
	int			i;

	if (obj == NULL || obj->type != CVJ_OBJECT)
		return NULL;
	for (i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return &obj->items[i];
	return NULL;
}

const char *
cvj_type_name(cvj_type t)
{
	switch (t)
	{
		case CVJ_NULL:
			return "null";
		case CVJ_BOOL:
			return "boolean";
		case CVJ_NUMBER:
			return "number";
		case CVJ_STRING:
			return "string";
		case CVJ_ARRAY:
			return "array";
		case CVJ_OBJECT:
			return "object";
	}
	return "unknown";
}

const char *
cvj_unknown_key(const cvj_value *obj, const char *const *allowed)
{
	int			i;

	if (obj == NULL || obj->type != CVJ_OBJECT)
		return NULL;
	for (i = 0; i < obj->n; i++)
	{
		const char *const *a;

		for (a = allowed; *a; a++)
			if (strcmp(*a, obj->keys[i]) == 0)
				break;
		if (*a == NULL)
			return obj->keys[i];
	}
	return NULL;
}

/* ---------------------------------------------------------------- writer */

void
cvjw_init(cvj_writer *w)
{
	memset(w, 0, sizeof(*w));
}

/* Append n bytes, keeping room for the final NUL. */
static void
w_put(cvj_writer *w, const char *s, size_t n)
{
	if (w->cap - w->len < n + 1)
	{
		size_t		cap = w->cap ? w->cap : 128;

		while (cap - w->len < n + 1)
			cap *= 2;
		w->data = cv_realloc(w->data, cap);
		w->cap = cap;
	}
	memcpy(w->data + w->len, s, n);
	w->len += n;
}

static void
w_puts(cvj_writer *w, const char *s)
{
	w_put(w, s, strlen(s));
}

/*
 * Before a value or key: ", " unless it is the first in its container, and
 * nothing right after a key (whose ": " is already written).  Nesting past
 * CVJ_MAX_DEPTH (which no reader accepts anyway) shares the last level.
 */
static void
w_sep(cvj_writer *w)
{
	int		   *first;

	if (w->after_key)
	{
		w->after_key = 0;
		return;
	}
	if (w->depth == 0)
		return;
	first = &w->first[(w->depth > CVJ_MAX_DEPTH ? CVJ_MAX_DEPTH : w->depth) - 1];
	if (!*first)
		w_put(w, ", ", 2);
	*first = 0;
}

/* Open a container with bracket c. */
static void
w_open(cvj_writer *w, const char *c)
{
	w_sep(w);
	w_puts(w, c);
	if (w->depth < CVJ_MAX_DEPTH)
		w->first[w->depth] = 1;
	w->depth++;
}

/* Close a container with bracket c. */
static void
w_close(cvj_writer *w, const char *c)
{
	w_puts(w, c);
	if (w->depth > 0)
		w->depth--;
}

void
cvjw_begin_object(cvj_writer *w)
{
	w_open(w, "{");
}

void
cvjw_end_object(cvj_writer *w)
{
	w_close(w, "}");
}

void
cvjw_begin_array(cvj_writer *w)
{
	w_open(w, "[");
}

void
cvjw_end_array(cvj_writer *w)
{
	w_close(w, "]");
}

/* Write s as a quoted JSON string, copying runs that need no escape. */
static void
w_quoted(cvj_writer *w, const char *s)
{
	const char *run = s;

	w_put(w, "\"", 1);
	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;
		char		esc[8];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		w_put(w, run, s - run);
		run = s + 1;
		switch (c)
		{
			case '"':
			case '\\':
				snprintf(esc, sizeof(esc), "\\%c", c);
				break;
			case '\b':
				strcpy(esc, "\\b");
				break;
			case '\f':
				strcpy(esc, "\\f");
				break;
			case '\n':
				strcpy(esc, "\\n");
				break;
			case '\r':
				strcpy(esc, "\\r");
				break;
			case '\t':
				strcpy(esc, "\\t");
				break;
			default:
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				break;
		}
		w_puts(w, esc);
	}
	w_put(w, run, s - run);
	w_put(w, "\"", 1);
}

void
cvjw_key(cvj_writer *w, const char *key)
{
	w_sep(w);
	w_quoted(w, key);
	w_put(w, ": ", 2);
	w->after_key = 1;
}

void
cvjw_string(cvj_writer *w, const char *s)
{
	w_sep(w);
	w_quoted(w, s);
}

/*
 * Format finite d into buf (at least 32 bytes): integral values below 1e15
 * in plain digits, otherwise the shortest %g precision that reads back
 * exactly; the locale's decimal point is then replaced by '.'.
 */
void
cvj_format_number(double d, char *buf, size_t size)
{
	const char *dp = locale_decimal_point();
	char	   *at;
	int			prec;

	if (d == floor(d) && fabs(d) < 1e15)
		snprintf(buf, size, "%.0f", d);
	else
	{
		for (prec = 15; prec < 17; prec++)
		{
			snprintf(buf, size, "%.*g", prec, d);
			if (strtod(buf, NULL) == d)
				break;
		}
		if (prec == 17)
			snprintf(buf, size, "%.17g", d);
	}
	if (strcmp(dp, ".") != 0 && (at = strstr(buf, dp)) != NULL)
	{
		*at = '.';
		memmove(at + 1, at + strlen(dp), strlen(at + strlen(dp)) + 1);
	}
}

void
cvjw_number(cvj_writer *w, double d)
{
	char		buf[64];

	if (!isfinite(d))
	{
		cvjw_null(w);
		return;
	}
	cvj_format_number(d, buf, sizeof(buf));
	w_sep(w);
	w_puts(w, buf);
}

void
cvjw_int(cvj_writer *w, long long v)
{
	char		buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	w_sep(w);
	w_puts(w, buf);
}

void
cvjw_bool(cvj_writer *w, int b)
{
	w_sep(w);
	w_puts(w, b ? "true" : "false");
}

void
cvjw_null(cvj_writer *w)
{
	w_sep(w);
	w_puts(w, "null");
}

char *
cvjw_finish(cvj_writer *w, size_t *len)
{
	char	   *out;

	w_put(w, "", 0);			/* allocate for an empty document too */
	w->data[w->len] = '\0';
	out = w->data;
	if (len)
		*len = w->len;
	cvjw_init(w);
	return out;
}
