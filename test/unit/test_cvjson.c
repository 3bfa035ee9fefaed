/*
 * test_cvjson.c
 *	  Unit tests for the JSON reader and writer kernel.
 *
 * The allocation hooks are replaced by counting ones so that every test can
 * assert that nothing leaks (on success after cvj_free, and on every error
 * path) and that cv_free is never handed NULL (pfree would crash on it).
 */
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>

#include "cvalloc.h"
#include "cvjson.h"
#include "tap.h"
#include "testbits.h"

static long live_allocs = 0;
static long null_frees = 0;

static void *
count_malloc(size_t n)
{
	live_allocs++;
	return malloc(n ? n : 1);
}

static void *
count_realloc(void *p, size_t n)
{
	if (p == NULL)
		live_allocs++;
	return realloc(p, n ? n : 1);
}

static void
count_free(void *p)
{
	if (p == NULL)
		null_frees++;
	else
		live_allocs--;
	free(p);
}

/* Parse exactly n bytes from an exactly-sized heap copy (for valgrind). */
static cvj_value *
parse_n(const char *text, size_t n, char *err, size_t errlen)
{
	char	   *copy = malloc(n ? n : 1);
	cvj_value  *v;

	memcpy(copy, text, n);
	v = cvj_parse(copy, n, err, errlen);
	free(copy);
	return v;
}

static cvj_value *
parse(const char *text, char *err)
{
	return parse_n(text, strlen(text), err, 200);
}

/* text must fail with exactly message want, leaving no allocation behind. */
static void
check_error(const char *text, size_t n, const char *want)
{
	char		err[200];
	char		name[300];
	int			i;
	long		before = live_allocs;
	cvj_value  *v = parse_n(text, n, err, sizeof(err));

	snprintf(name, sizeof(name), "reject %.40s: %s", text, want);
	for (i = 0; name[i]; i++)
		if ((unsigned char) name[i] < 0x20)
			name[i] = '?';
	if (v != NULL)
	{
		tap_ok(0, name);
		cvj_free(v);
		return;
	}
	tap_str(err, want, name);
	if (live_allocs != before)
		tap_ok(0, "no leak on the error path");
}

static void
bad(const char *text, const char *want)
{
	check_error(text, strlen(text), want);
}

/* A value of each type, nested, with lookups and key checks. */
static void
test_parse_valid(void)
{
	char		err[200];
	static const char *const allowed[] = {"kind", "n", "s", "t", "f", "z", "o", NULL};
	static const char *const fewer[] = {"kind", "n", NULL};
	cvj_value  *v = parse(" \t\r\n{\"kind\": \"scorecard\", \"n\": [1, -2.5, 3e2, 0],"
						  "\"s\":\"\", \"t\":true,\"f\" :false , \"z\":null, \"o\":{}}\n", err);
	const cvj_value *n;

	if (!tap_ok(v != NULL, "parse: object with every type"))
	{
		printf("# %s\n", err);
		return;
	}
	tap_ok(v->type == CVJ_OBJECT && v->n == 7, "parse: 7 members");
	tap_str(cvj_get(v, "kind")->string, "scorecard", "parse: string member");
	n = cvj_get(v, "n");
	tap_ok(n && n->type == CVJ_ARRAY && n->n == 4 && n->items[0].number == 1 &&
		   n->items[1].number == -2.5 && n->items[2].number == 300 &&
		   n->items[3].number == 0, "parse: array of numbers");
	tap_ok(cvj_get(v, "s")->type == CVJ_STRING && cvj_get(v, "s")->len == 0, "parse: empty string");
	tap_ok(cvj_get(v, "t")->type == CVJ_BOOL && cvj_get(v, "t")->boolean == 1 &&
		   cvj_get(v, "f")->type == CVJ_BOOL && cvj_get(v, "f")->boolean == 0, "parse: booleans");
	tap_ok(cvj_get(v, "z")->type == CVJ_NULL, "parse: null");
	tap_ok(cvj_get(v, "o")->type == CVJ_OBJECT && cvj_get(v, "o")->n == 0, "parse: empty object");
	tap_ok(cvj_get(v, "missing") == NULL && cvj_get(n, "kind") == NULL && cvj_get(NULL, "x") == NULL,
		   "cvj_get: NULL when absent or not an object");
	tap_ok(cvj_unknown_key(v, allowed) == NULL, "unknown_key: all keys allowed");
	tap_str(cvj_unknown_key(v, fewer), "s", "unknown_key: first key not allowed");
	tap_ok(cvj_unknown_key(n, fewer) == NULL, "unknown_key: NULL for a non-object");
	tap_str(cvj_type_name(CVJ_NULL), "null", "type_name null");
	tap_str(cvj_type_name(CVJ_BOOL), "boolean", "type_name boolean");
	tap_str(cvj_type_name(CVJ_NUMBER), "number", "type_name number");
	tap_str(cvj_type_name(CVJ_STRING), "string", "type_name string");
	tap_str(cvj_type_name(CVJ_ARRAY), "array", "type_name array");
	tap_str(cvj_type_name(CVJ_OBJECT), "object", "type_name object");
	cvj_free(v);

	v = parse("[[], [[]], -0, 0.5e-3, 1E+2, 123456789012345678901234567890]", err);
	tap_ok(v && v->n == 6 && v->items[0].n == 0 && v->items[1].items[0].type == CVJ_ARRAY &&
		   double_to_bits(v->items[2].number) == double_to_bits(-0.0) &&
		   v->items[3].number == 0.0005 && v->items[4].number == 100 &&
		   v->items[5].number == 1.2345678901234568e29, "parse: nested arrays and number forms");
	cvj_free(v);

	v = parse("1e-400", err);
	tap_ok(v && v->number == 0.0, "parse: underflow reads as 0");
	cvj_free(v);
	v = parse("4.9406564584124654e-324", err);
	tap_ok(v && double_to_bits(v->number) == 1, "parse: smallest subnormal");
	cvj_free(v);
	v = parse("1.7976931348623157e308", err);
	tap_ok(v && v->number == 1.7976931348623157e308, "parse: largest double");
	cvj_free(v);
	/* correct rounding: halfway between 1 and the next double rounds to even */
	v = parse("1.00000000000000011102230246251565404236316680908203125", err);
	tap_ok(v && v->number == 1.0, "parse: halfway case rounds to even");
	cvj_free(v);

	/* len bounds the input: no NUL terminator needed, bytes after len ignored */
	v = parse_n("[1]garbage", 3, err, sizeof(err));
	tap_ok(v && v->type == CVJ_ARRAY && v->n == 1, "parse: only len bytes are read");
	cvj_free(v);
	v = parse_n("\"a\0b\"", 5, err, sizeof(err));
	tap_ok(v == NULL, "parse: raw NUL inside a string rejected");
}

/* Each error kind, with its offset. */
static void
test_parse_errors(void)
{
	char		deep[200];
	char		err[8];
	cvj_value  *v;
	int			i;

	bad("[1, x]", "unexpected character \"x\" at offset 4");
	bad("\"abc", "unterminated string at offset 0");
	bad("{\"a\": \"b", "unterminated string at offset 6");
	bad("\"ab\\\"", "unterminated string at offset 0");
	bad("{\"k\": 1, \"k\": 2}", "duplicate key \"k\" at offset 9");
	bad("{\"a\": {\"k\": 1, \"j\": {}, \"k\": 2}}", "duplicate key \"k\" at offset 24");
	bad("1e999", "number out of range at offset 0");
	bad("[0, -1e400]", "number out of range at offset 4");
	bad("1 2", "trailing characters at offset 2");
	bad("{} x", "trailing characters at offset 3");
	bad("", "unexpected end of input at offset 0");
	bad("   ", "unexpected end of input at offset 3");
	bad("[1,", "unexpected end of input at offset 3");
	bad("[1", "unexpected end of input at offset 2");
	bad("{\"a\"", "unexpected end of input at offset 4");
	bad("{\"a\" 1}", "unexpected character \"1\" at offset 5");
	bad("{\"a\": 1 \"b\": 2}", "unexpected character \"\\\"\" at offset 8");
	bad("{1: 2}", "unexpected character \"1\" at offset 1");
	bad("{'a': 2}", "unexpected character \"'\" at offset 1");
	/* comments, trailing commas, NaN and Infinity */
	bad("/* c */ 1", "unexpected character \"/\" at offset 0");
	bad("[1] // c", "trailing characters at offset 4");
	bad("[1, 2,]", "unexpected character \"]\" at offset 6");
	bad("{\"a\": 1,}", "unexpected character \"}\" at offset 8");
	bad("[,]", "unexpected character \",\" at offset 1");
	bad("NaN", "unexpected character \"N\" at offset 0");
	bad("[Infinity]", "unexpected character \"I\" at offset 1");
	bad("-Infinity", "unexpected character \"I\" at offset 1");
	/* number grammar */
	bad("01", "leading zero in number at offset 0");
	bad("[-012]", "leading zero in number at offset 1");
	bad("-", "unexpected end of input at offset 1");
	bad("1.", "unexpected end of input at offset 2");
	bad("1.e5", "unexpected character \"e\" at offset 2");
	bad(".5", "unexpected character \".\" at offset 0");
	bad("+1", "unexpected character \"+\" at offset 0");
	bad("1e", "unexpected end of input at offset 2");
	bad("1e+", "unexpected end of input at offset 3");
	bad("0x10", "trailing characters at offset 1");
	/* literals */
	bad("tru", "unexpected end of input at offset 3");
	bad("trux", "unexpected character \"x\" at offset 3");
	bad("True", "unexpected character \"T\" at offset 0");
	bad("nulll", "trailing characters at offset 4");
	/* strings */
	bad("\"a\nb\"", "unexpected character \"\\x0A\" at offset 2");
	bad("\"a\tb\"", "unexpected character \"\\x09\" at offset 2");
	check_error("\"a\0b\"", 5, "unexpected character \"\\x00\" at offset 2");
	bad("\"\\q\"", "invalid escape at offset 1");
	bad("\"\\x41\"", "invalid escape at offset 1");
	bad("\"\\u12\"", "invalid \\u escape at offset 1");
	bad("\"\\u12G4\"", "invalid \\u escape at offset 1");
	bad("\"ab\\u0000\"", "\\u0000 is not allowed at offset 3");
	bad("\"\\ud800\"", "unpaired surrogate at offset 1");
	bad("\"\\ud800x\"", "unpaired surrogate at offset 1");
	bad("\"\\ud800\\u0041\"", "unpaired surrogate at offset 1");
	bad("\"\\ud800\\ud800\"", "unpaired surrogate at offset 1");
	bad("\"x\\udc00\"", "unpaired surrogate at offset 2");
	bad("\"\xC3\x28\"", "invalid UTF-8 at offset 1");
	bad("\"\xC0\xAF\"", "invalid UTF-8 at offset 1");
	bad("\"\xE0\x80\xAF\"", "invalid UTF-8 at offset 1");
	bad("\"a\xED\xA0\x80\"", "invalid UTF-8 at offset 2");
	bad("\"\xF4\x90\x80\x80\"", "invalid UTF-8 at offset 1");
	bad("\"\xE2\x82\"", "invalid UTF-8 at offset 1");
	bad("\"\xFF\"", "invalid UTF-8 at offset 1");
	bad("\xC3\xA9", "unexpected character \"\\xC3\" at offset 0");
	bad("[\"a\", \"b\\", "unterminated string at offset 6");

	/* nesting: 64 levels are fine, 65 are not */
	for (i = 0; i < 64; i++)
	{
		deep[i] = '[';
		deep[64 + i] = ']';
	}
	v = parse_n(deep, 128, err, sizeof(err));
	tap_ok(v != NULL, "parse: 64 nested arrays accepted");
	cvj_free(v);
	memmove(deep + 1, deep, 128);
	deep[129] = ']';
	check_error(deep, 130, "nesting deeper than 64 levels");
	/* the depth error comes before the (missing) closing brackets */
	for (i = 0; i < 65; i++)
		memcpy(deep + 2 * i, "[ ", 2);
	check_error(deep, 130, "nesting deeper than 64 levels");
	{
		char		objs[65 * 6 + 2];
		size_t		o = 0;

		for (i = 0; i < 65; i++)
		{
			memcpy(objs + o, "{\"a\": ", 6);
			o += 6;
		}
		objs[o++] = '1';
		check_error(objs, o, "nesting deeper than 64 levels");
	}

	/* a short errbuf is truncated safely; a zero-length one is left alone */
	v = cvj_parse("[1, x]", 6, err, sizeof(err));
	tap_ok(v == NULL && strcmp(err, "unexpec") == 0, "parse: message truncated to errlen");
	v = cvj_parse("[1, x]", 6, NULL, 0);
	tap_ok(v == NULL, "parse: NULL errbuf with errlen 0");
}

/* Escapes decode to UTF-8; raw UTF-8 passes through. */
static void
test_strings(void)
{
	char		err[200];
	cvj_value  *v = parse("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u00e9\\u20AC\", "
						  "\"\\ud83d\\ude00\", \"h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\", "
						  "\"\\u007f\\u0001\", \"\\uDBFF\\uDFFF\"]", err);

	if (!tap_ok(v != NULL && v->n == 6, "strings: parse escapes"))
	{
		printf("# %s\n", err);
		cvj_free(v);
		return;
	}
	tap_str(v->items[0].string, "a\"b\\c/d\b\f\n\r\t", "strings: simple escapes");
	tap_ok(v->items[0].len == 12, "strings: len counts decoded bytes");
	tap_str(v->items[1].string, "\xC3\xA9\xE2\x82\xAC", "strings: \\u escapes to 2- and 3-byte UTF-8");
	tap_str(v->items[2].string, "\xF0\x9F\x98\x80", "strings: surrogate pair to 4-byte UTF-8");
	tap_ok(v->items[2].len == 4, "strings: surrogate pair length");
	tap_str(v->items[3].string, "h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "strings: raw UTF-8 kept");
	tap_str(v->items[4].string, "\x7f\x01", "strings: \\u007f and \\u0001");
	tap_str(v->items[5].string, "\xF4\x8F\xBF\xBF", "strings: U+10FFFF from surrogates");
	cvj_free(v);

	v = parse("{\"k\\u00e9y\": 1}", err);
	tap_ok(v && cvj_get(v, "k\xC3\xA9y") != NULL, "strings: escaped key decoded");
	cvj_free(v);
}

/* Objects big enough for the hashed duplicate check. */
static void
test_big_objects(void)
{
	char	   *text = malloc(40000);
	char		err[200];
	size_t		o = 0;
	cvj_value  *v;
	int			i,
				ok = 1;

	o += sprintf(text + o, "{");
	for (i = 0; i < 2000; i++)
		o += sprintf(text + o, "%s\"key%d\": %d", i ? ", " : "", i, i);
	o += sprintf(text + o, "}");
	v = parse(text, err);
	tap_ok(v && v->n == 2000, "objects: 2000 distinct keys accepted");
	for (i = 0; v && i < 2000; i += 97)
	{
		char		key[16];

		snprintf(key, sizeof(key), "key%d", i);
		ok &= cvj_get(v, key) && cvj_get(v, key)->number == i;
	}
	tap_ok(ok, "objects: lookups in a big object");
	cvj_free(v);

	/* duplicate of key 3 as member 1501 */
	text[o - 1] = '\0';
	o--;
	i = (int) o;
	o += sprintf(text + o, ", \"key3\": 0}");
	{
		char		want[64];

		snprintf(want, sizeof(want), "duplicate key \"key3\" at offset %d", i + 2);
		check_error(text, o, want);
	}
	free(text);
}

/* Write v (a parsed tree) back with the writer, to compare texts. */
static void
write_tree(cvj_writer *w, const cvj_value *v)
{
	int			i;

	switch (v->type)
	{
		case CVJ_NULL:
			cvjw_null(w);
			break;
		case CVJ_BOOL:
			cvjw_bool(w, v->boolean);
			break;
		case CVJ_NUMBER:
			cvjw_number(w, v->number);
			break;
		case CVJ_STRING:
			cvjw_string(w, v->string);
			break;
		case CVJ_ARRAY:
			cvjw_begin_array(w);
			for (i = 0; i < v->n; i++)
				write_tree(w, &v->items[i]);
			cvjw_end_array(w);
			break;
		case CVJ_OBJECT:
			cvjw_begin_object(w);
			for (i = 0; i < v->n; i++)
			{
				cvjw_key(w, v->keys[i]);
				write_tree(w, &v->items[i]);
			}
			cvjw_end_object(w);
			break;
	}
}

/* Number text as the writer prints it. */
static char *
number_text(double d)
{
	cvj_writer	w;

	cvjw_init(&w);
	cvjw_number(&w, d);
	return cvjw_finish(&w, NULL);
}

static void
check_number(double d, const char *want)
{
	char	   *got = number_text(d);
	char		name[80];

	snprintf(name, sizeof(name), "writer: number %s", want);
	tap_str(got, want, name);
	cv_free(got);
}

static void
test_writer(void)
{
	cvj_writer	w;
	char	   *text;
	size_t		len;
	char		err[200];
	cvj_value  *v;

	cvjw_init(&w);
	cvjw_begin_object(&w);
	cvjw_key(&w, "kind");
	cvjw_string(&w, "scorecard");
	cvjw_key(&w, "n");
	cvjw_begin_array(&w);
	cvjw_int(&w, 1);
	cvjw_int(&w, 2);
	cvjw_end_array(&w);
	cvjw_end_object(&w);
	text = cvjw_finish(&w, &len);
	tap_str(text, "{\"kind\": \"scorecard\", \"n\": [1, 2]}", "writer: compact layout");
	tap_ok(len == strlen(text), "writer: finish reports the length");
	tap_ok(w.data == NULL && w.len == 0, "writer: finish hands over the buffer");
	cv_free(text);

	cvjw_init(&w);
	cvjw_begin_array(&w);
	cvjw_begin_object(&w);
	cvjw_end_object(&w);
	cvjw_begin_array(&w);
	cvjw_end_array(&w);
	cvjw_begin_object(&w);
	cvjw_key(&w, "a\"\\\n");
	cvjw_begin_array(&w);
	cvjw_null(&w);
	cvjw_end_array(&w);
	cvjw_key(&w, "b");
	cvjw_bool(&w, 1);
	cvjw_key(&w, "c");
	cvjw_bool(&w, 0);
	cvjw_end_object(&w);
	cvjw_string(&w, "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f\xC3\xA9");
	cvjw_int(&w, -1234567890123LL);
	cvjw_number(&w, 0.25);
	cvjw_end_array(&w);
	text = cvjw_finish(&w, NULL);
	tap_str(text, "[{}, [], {\"a\\\"\\\\\\n\": [null], \"b\": true, \"c\": false}, "
			"\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\xC3\xA9\", "
			"-1234567890123, 0.25]", "writer: nesting, empties, escapes");

	/* the writer's output parses back and writes identically */
	v = parse(text, err);
	if (tap_ok(v != NULL, "writer: output parses"))
	{
		char	   *again;

		tap_str(v->items[3].string, "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f\xC3\xA9",
				"writer: escaped string reads back");
		cvjw_init(&w);
		write_tree(&w, v);
		again = cvjw_finish(&w, NULL);
		tap_str(again, text, "writer: parse then write is the identity");
		cv_free(again);
	}
	cvj_free(v);
	cv_free(text);

	cvjw_init(&w);
	text = cvjw_finish(&w, &len);
	tap_ok(text && text[0] == '\0' && len == 0, "writer: empty document is \"\"");
	cv_free(text);

	cvjw_init(&w);
	cvjw_int(&w, -9223372036854775807LL - 1);
	text = cvjw_finish(&w, NULL);
	tap_str(text, "-9223372036854775808", "writer: int keeps all 64 bits");
	cv_free(text);

	check_number(3, "3");
	check_number(-12, "-12");
	check_number(0, "0");
	check_number(-0.0, "-0");
	check_number(0.1, "0.1");
	check_number(0.5, "0.5");
	check_number(1.0 / 3, "0.3333333333333333");
	check_number(2.0 / 3, "0.6666666666666666");
	check_number(0.1 + 0.2, "0.30000000000000004");
	check_number(123456789012345.0, "123456789012345");
	check_number(999999999999999.0, "999999999999999");
	check_number(1e15, "1e+15");
	check_number(-1e15, "-1e+15");
	check_number(1e308, "1e+308");
	check_number(1.5e-7, "1.5e-07");
	check_number(1.7976931348623157e308, "1.7976931348623157e+308");
	check_number(5e-324, "4.94065645841247e-324");
	check_number(123.456, "123.456");
	check_number(INFINITY, "null");
	check_number(NAN, "null");
}

/* parse(write(x)) == x bit for bit, over special and random doubles. */
static void
test_number_round_trip(void)
{
	double		specials[] = {0.0, -0.0, 1.0, -1.0, 0.1, 1.0 / 3, 2.0 / 3, 1e308, -1e308,
		1.7976931348623157e308, 5e-324, -5e-324, 2.2250738585072014e-308,
		2.2250738585072009e-308, 1e15, 1e15 - 1, 1e15 + 0.5, 9007199254740993.0,
		4503599627370495.5, 1e-7, 123456.789e3, 3.141592653589793, 1e23, 8.41e21,
	5e-310};
	int			nspecial = sizeof(specials) / sizeof(specials[0]);
	uint64_t	seed = 2024;
	int			i,
				tried = 0,
				ok = 1,
				valid = 1,
				shortest = 1;
	cvj_writer	w;
	char	   *text;
	char		err[200];
	cvj_value  *v;
	double		vals[60000];
	int			n = 0;

	for (i = 0; i < nspecial; i++)
		vals[n++] = specials[i];
	while (n < 60000)
	{
		uint64_t	bits = splitmix(&seed);
		double		d;

		switch (n % 4)
		{
			case 0:				/* any bit pattern */
				break;
			case 1:				/* subnormals */
				bits &= UINT64_C(0x800FFFFFFFFFFFFF);
				break;
			case 2:				/* integers */
				{
					int64_t		k = (int64_t) (bits >> 11) >> (bits & 63) % 53;

					d = (double) ((bits & 1) ? -k : k);
					memcpy(&bits, &d, sizeof(bits));
				}
				break;
			case 3:				/* moderate magnitudes, as in models */
				bits = (bits & UINT64_C(0x800FFFFFFFFFFFFF)) |
					((uint64_t) (1023 - 30 + (bits >> 52) % 60) << 52);
				break;
		}
		memcpy(&d, &bits, sizeof(d));
		if (isfinite(d))
			vals[n++] = d;
	}

	cvjw_init(&w);
	cvjw_begin_array(&w);
	for (i = 0; i < n; i++)
		cvjw_number(&w, vals[i]);
	cvjw_end_array(&w);
	text = cvjw_finish(&w, NULL);
	v = parse(text, err);
	if (!tap_ok(v != NULL && v->n == n, "numbers: 60000 written numbers parse back"))
		printf("# %s\n", err);
	for (i = 0; v && i < n; i++)
		ok &= double_to_bits(v->items[i].number) == double_to_bits(vals[i]);
	tap_ok(ok, "numbers: parse(write(x)) == x bit-exactly");
	cvj_free(v);
	cv_free(text);

	/* each text is valid JSON on its own and no shorter %g precision reads back */
	for (i = 0; i < n; i += 7)
	{
		char	   *t = number_text(vals[i]);
		char		shorter[400];
		int			digits = 0;
		const char *c;

		v = parse(t, err);
		valid &= v != NULL && v->type == CVJ_NUMBER;
		cvj_free(v);
		/* significant digits: from the first non-zero digit to the exponent */
		for (c = t; *c && (*c < '1' || *c > '9'); c++)
			;
		for (; *c && *c != 'e'; c++)
			digits += (*c >= '0' && *c <= '9');
		if (strchr(t, 'e') || strchr(t, '.'))
		{
			tried++;
			snprintf(shorter, sizeof(shorter), "%.*g", digits - 1, vals[i]);
			if (digits > 15 && strtod(shorter, NULL) == vals[i])
			{
				shortest = 0;
				printf("# %s has a shorter form %s\n", t, shorter);
			}
		}
		cv_free(t);
	}
	tap_ok(valid, "numbers: each number text is valid JSON");
	tap_ok(shortest && tried > 1000, "numbers: no shorter precision (of 15..17) reads back");
}

/* Output and input ignore a locale whose decimal point is a comma. */
static void
test_locale(void)
{
	const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", NULL};
	const char **name;
	char	   *t;
	char		err[200];
	cvj_value  *v;

	for (name = names; *name; name++)
		if (setlocale(LC_NUMERIC, *name) != NULL)
			break;
	if (*name == NULL)
	{
		tap_ok(1, "locale: no comma locale installed (skipped)");
		return;
	}
	t = number_text(0.1);
	tap_str(t, "0.1", "locale: writer uses '.' under a comma locale");
	cv_free(t);
	v = parse("[0.5, 1.25e1]", err);
	tap_ok(v && v->items[0].number == 0.5 && v->items[1].number == 12.5,
		   "locale: reader accepts '.' under a comma locale");
	cvj_free(v);
	setlocale(LC_NUMERIC, "C");
}

int
main(void)
{
	cv_malloc = count_malloc;
	cv_realloc = count_realloc;
	cv_free = count_free;

	test_parse_valid();
	test_parse_errors();
	test_strings();
	test_big_objects();
	test_writer();
	test_number_round_trip();
	test_locale();
	tap_ok(live_allocs == 0, "no kernel allocation left live");
	if (live_allocs)
		printf("# %ld allocations live\n", live_allocs);
	tap_ok(null_frees == 0, "cv_free never called with NULL");
	return tap_done();
}
