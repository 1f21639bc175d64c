// SPDX-License-Identifier: GPL-2.0
/*
 * A JSON Schema validator for the subset user/man/sfb-json.schema.json
 * uses, so that the tests can hold every command's -j output to it
 * without Python's jsonschema:
 *
 *   json_schema_test SCHEMA DEF [FILE]
 *	validate FILE (standard input without it) against $defs/DEF, or
 *	against the whole schema if DEF is "-": exit 0 valid, 1 not (the
 *	first reason on stderr), 2 a bad schema or document;
 *   json_schema_test
 *	its own tests, in TAP: it accepts and rejects what it should, and
 *	refuses a keyword it does not implement rather than ignore it.
 *
 * Keywords: type, enum, minimum, maximum, minItems, properties,
 * required, additionalProperties, items, $ref (to "#/$defs/NAME" only),
 * oneOf, anyOf; annotations ($schema, $id, $defs, title, description,
 * $comment) are skipped.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

struct ctx {
	json_t *root;		/* for $ref */
	char why[512];		/* the first reason a value was refused */
	bool bad_schema;
};

static bool refuse(struct ctx *c, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->why[0])
		return false;
	n = snprintf(c->why, sizeof(c->why), "%s: ", *path ? path : "/");
	va_start(ap, fmt);
	vsnprintf(c->why + n, sizeof(c->why) - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

static bool schema_error(struct ctx *c, const char *path, const char *what)
{
	c->bad_schema = true;
	return refuse(c, path, "schema: %s", what);
}

static bool is_type(const json_t *v, const char *type)
{
	if (!strcmp(type, "integer"))
		return json_is_integer(v);
	if (!strcmp(type, "number"))
		return json_is_number(v);
	if (!strcmp(type, "string"))
		return json_is_string(v);
	if (!strcmp(type, "boolean"))
		return json_is_boolean(v);
	if (!strcmp(type, "null"))
		return json_is_null(v);
	if (!strcmp(type, "array"))
		return json_is_array(v);
	if (!strcmp(type, "object"))
		return json_is_object(v);
	return false;
}

static bool valid(struct ctx *c, const json_t *s, const json_t *v,
		  const char *path);

static bool check_type(struct ctx *c, const json_t *t, const json_t *v,
		       const char *path)
{
	size_t i;
	json_t *e;

	if (json_is_string(t))
		return is_type(v, json_string_value(t)) ||
		       refuse(c, path, "not of type %s", json_string_value(t));
	if (!json_is_array(t))
		return schema_error(c, path, "type is not a string or array");
	json_array_foreach(t, i, e)
		if (json_is_string(e) && is_type(v, json_string_value(e)))
			return true;
	return refuse(c, path, "not of any type listed");
}

static bool check_enum(struct ctx *c, const json_t *e, const json_t *v,
		       const char *path)
{
	size_t i;
	json_t *x;

	if (!json_is_array(e))
		return schema_error(c, path, "enum is not an array");
	json_array_foreach(e, i, x)
		if (json_equal(x, v))
			return true;
	return refuse(c, path, "not one of the enum's values");
}

static bool check_bound(struct ctx *c, const json_t *b, const json_t *v,
			const char *path, bool min)
{
	double x, y;

	if (!json_is_number(b))
		return schema_error(c, path, "bound is not a number");
	if (!json_is_number(v))
		return true;
	x = json_number_value(v);
	y = json_number_value(b);
	if (min ? x >= y : x <= y)
		return true;
	return refuse(c, path, "%g is %s %g", x, min ? "below" : "above", y);
}

static bool check_object(struct ctx *c, const json_t *s, const json_t *v,
			 const char *path)
{
	const json_t *props = json_object_get(s, "properties");
	const json_t *req = json_object_get(s, "required");
	const json_t *extra = json_object_get(s, "additionalProperties");
	char sub[1024];
	const char *key;
	json_t *x;
	size_t i;

	if (!json_is_object(v))
		return true;
	if (props && !json_is_object(props))
		return schema_error(c, path, "properties is not an object");
	if (req) {
		if (!json_is_array(req))
			return schema_error(c, path, "required is not an array");
		json_array_foreach(req, i, x)
			if (!json_is_string(x))
				return schema_error(c, path, "required holds a non-string");
			else if (!json_object_get(v, json_string_value(x)))
				return refuse(c, path, "lacks required member \"%s\"",
					      json_string_value(x));
	}
	json_object_foreach((json_t *)v, key, x) {
		const json_t *ps = props ? json_object_get(props, key) : NULL;

		snprintf(sub, sizeof(sub), "%s/%s", path, key);
		if (!ps && json_is_false(extra))
			return refuse(c, path, "member \"%s\" is not allowed", key);
		if (!ps && extra && !json_is_boolean(extra))
			ps = extra;
		if (ps && !valid(c, ps, x, sub))
			return false;
	}
	return true;
}

static bool check_array(struct ctx *c, const json_t *s, const json_t *v,
			const char *path)
{
	const json_t *items = json_object_get(s, "items");
	const json_t *min = json_object_get(s, "minItems");
	char sub[1024];
	json_t *x;
	size_t i;

	if (!json_is_array(v))
		return true;
	if (min && !json_is_integer(min))
		return schema_error(c, path, "minItems is not an integer");
	if (min && json_array_size(v) < (size_t)json_integer_value(min))
		return refuse(c, path, "fewer than %lld items",
			      (long long)json_integer_value(min));
	if (!items)
		return true;
	json_array_foreach(v, i, x) {
		snprintf(sub, sizeof(sub), "%s/%zu", path, i);
		if (!valid(c, items, x, sub))
			return false;
	}
	return true;
}

static bool check_ref(struct ctx *c, const json_t *r, const json_t *v,
		      const char *path)
{
	static const char prefix[] = "#/$defs/";
	const char *ref = json_string_value(r);
	const json_t *def;

	if (!ref || strncmp(ref, prefix, sizeof(prefix) - 1))
		return schema_error(c, path, "$ref is not \"#/$defs/NAME\"");
	def = json_object_get(json_object_get(c->root, "$defs"),
			      ref + sizeof(prefix) - 1);
	if (!def)
		return schema_error(c, path, "$ref to a missing definition");
	return valid(c, def, v, path);
}

/* oneOf: exactly one branch; anyOf: at least one. */
static bool check_of(struct ctx *c, const json_t *of, const json_t *v,
		     const char *path, bool one)
{
	size_t i, n = 0;
	json_t *s;

	if (!json_is_array(of) || !json_array_size(of))
		return schema_error(c, path, "oneOf/anyOf is not a non-empty array");
	json_array_foreach(of, i, s) {
		struct ctx branch = { .root = c->root };

		if (valid(&branch, s, v, path))
			n++;
		if (branch.bad_schema) {
			c->bad_schema = true;
			return refuse(c, path, "%s", branch.why);
		}
	}
	if (one ? n == 1 : n >= 1)
		return true;
	return refuse(c, path, "matches %zu of the %s branches", n,
		      one ? "oneOf" : "anyOf");
}

/* Annotations, and what check_object and check_array read. */
static bool later_or_ignored(const char *key)
{
	static const char *const keys[] = {
		"$schema", "$id", "$defs", "title", "description", "$comment",
		"properties", "required", "additionalProperties", "items",
		"minItems",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

static bool valid(struct ctx *c, const json_t *s, const json_t *v,
		  const char *path)
{
	const char *key;
	json_t *x;

	if (!json_is_object(s))
		return schema_error(c, path, "a schema that is not an object");
	json_object_foreach((json_t *)s, key, x) {
		bool ok;

		if (!strcmp(key, "type"))
			ok = check_type(c, x, v, path);
		else if (!strcmp(key, "enum"))
			ok = check_enum(c, x, v, path);
		else if (!strcmp(key, "minimum") || !strcmp(key, "maximum"))
			ok = check_bound(c, x, v, path, key[1] == 'i');
		else if (!strcmp(key, "$ref"))
			ok = check_ref(c, x, v, path);
		else if (!strcmp(key, "oneOf") || !strcmp(key, "anyOf"))
			ok = check_of(c, x, v, path, key[0] == 'o');
		else if (later_or_ignored(key))
			ok = true;
		else
			return schema_error(c, path, key);
		if (!ok)
			return false;
	}
	return check_object(c, s, v, path) && check_array(c, s, v, path);
}

/* 0 valid, 1 not, 2 the schema is broken or DEF missing. */
static int validate(json_t *root, const char *def, const json_t *doc,
		    char *why, size_t size)
{
	struct ctx c = { .root = root };
	const json_t *s = root;
	bool ok;

	if (strcmp(def, "-"))
		s = json_object_get(json_object_get(root, "$defs"), def);
	if (!s) {
		snprintf(why, size, "no definition \"%s\"", def);
		return 2;
	}
	ok = valid(&c, s, doc, "");
	snprintf(why, size, "%s", c.why);
	return c.bad_schema ? 2 : !ok;
}

static int run_cli(int argc, char *argv[])
{
	json_error_t err;
	json_t *schema, *doc;
	char why[512];
	int ret;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s [SCHEMA DEF [FILE]]\n", argv[0]);
		return 2;
	}
	schema = json_load_file(argv[1], 0, &err);
	if (!schema) {
		fprintf(stderr, "%s: %s:%d: %s\n", argv[0], argv[1], err.line, err.text);
		return 2;
	}
	/* One document, and nothing after it but white space. */
	doc = argc == 4 ? json_load_file(argv[3], 0, &err) :
			  json_loadf(stdin, 0, &err);
	if (!doc) {
		fprintf(stderr, "%s: not one JSON document: line %d: %s\n",
			argv[0], err.line, err.text);
		json_decref(schema);
		return 2;
	}
	ret = validate(schema, argv[2], doc, why, sizeof(why));
	if (ret)
		fprintf(stderr, "%s: %s\n", argv[0], why);
	json_decref(doc);
	json_decref(schema);
	return ret;
}

/* The self-tests: a schema, documents, and what each should get. */
static const char test_schema[] = {
	"{\"$defs\":{\"port\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":65535},\"range\":{\"type\":\"object\",\"properties\":{\"first\":{\"$ref\":\"#/$defs/port\"},\"last\":{\"$ref\":\"#/$defs/port\"}},\"required\":[\"first\",\"last\"],\"additionalProperties\":false},\"doc\":{\"type\":\"object\",\"properties\":{\"p\":{\"enum\":[\"tcp\",\"udp\"]},\"r\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/range\"},\"minItems\":1},\"n\":{\"oneOf\":[{\"type\":\"null\"},{\"type\":\"string\"}]},\"a\":{\"anyOf\":[{\"type\":\"integer\"},{\"minimum\":5}]}},\"required\":[\"p\"],\"additionalProperties\":false}}}"
};

static const struct {
	const char *doc;
	int want;
} cases[] = {
	{ "{\"p\":\"tcp\",\"r\":[{\"first\":1,\"last\":2}],\"n\":null,\"a\":1}", 0 },
	{ "{\"p\":\"udp\",\"n\":\"x\",\"a\":7.5}", 0 },
	{ "{\"p\":\"sctp\"}", 1 },				/* enum */
	{ "{\"r\":[{\"first\":1,\"last\":2}]}", 1 },		/* required */
	{ "{\"p\":\"tcp\",\"q\":1}", 1 },			/* additional */
	{ "{\"p\":\"tcp\",\"r\":[]}", 1 },			/* minItems */
	{ "{\"p\":\"tcp\",\"r\":[{\"first\":1}]}", 1 },		/* nested required */
	{ "{\"p\":\"tcp\",\"r\":[{\"first\":-1,\"last\":2}]}", 1 },	/* minimum */
	{ "{\"p\":\"tcp\",\"r\":[{\"first\":1,\"last\":65536}]}", 1 },	/* maximum */
	{ "{\"p\":\"tcp\",\"r\":[{\"first\":1.5,\"last\":2}]}", 1 },	/* integer */
	{ "{\"p\":\"tcp\",\"n\":1}", 1 },			/* oneOf: none */
	{ "{\"p\":\"tcp\",\"a\":2.5}", 1 },			/* anyOf: none */
	{ "[]", 1 },						/* type */
};

static int self_test(void)
{
	json_t *schema = json_loads(test_schema, 0, NULL);
	const char *both =
		"{\"$defs\":{\"x\":{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":0}]}}}";
	json_t *oneof_both = json_loads(both, 0, NULL);
	json_t *unknown = json_loads("{\"$defs\":{\"x\":{\"pattern\":\"^a\"}}}",
				     0, NULL);
	size_t n = sizeof(cases) / sizeof(*cases);
	json_t *one = json_integer(1);
	int failed = 0;
	char why[512];
	bool ok;

	printf("TAP version 13\n1..%zu\n", n + 2);
	for (size_t i = 0; i < n; i++) {
		json_t *doc = json_loads(cases[i].doc, 0, NULL);
		int got = doc ? validate(schema, "doc", doc, why, sizeof(why)) : 2;
		bool ok = got == cases[i].want;

		printf("%sok %zu %s # %d %s\n", ok ? "" : "not ", i + 1,
		       cases[i].doc, got, why);
		failed += !ok;
		json_decref(doc);
	}
	/* 1 is an integer and at least 0: two branches of a oneOf. */
	ok = validate(oneof_both, "x", one, why, sizeof(why)) == 1;
	printf("%sok %zu oneOf with two matching branches # %s\n",
	       ok ? "" : "not ", n + 1, why);
	failed += !ok;
	/* An unimplemented keyword must not pass as if checked. */
	ok = validate(unknown, "x", one, why, sizeof(why)) == 2;
	printf("%sok %zu unknown keyword refused # %s\n", ok ? "" : "not ",
	       n + 2, why);
	failed += !ok;
	json_decref(one);
	json_decref(unknown);
	json_decref(oneof_both);
	json_decref(schema);
	return failed ? 1 : 0;
}

int main(int argc, char *argv[])
{
	return argc > 1 ? run_cli(argc, argv) : self_test();
}
