/**
 * Values for the route fuzzer, from the JSON Schemas of the OpenAPI document: ones the schema
 * allows (so requests reach the handlers, not only the validator) and hostile ones of the classes
 * issue 9 found (huge numbers, control characters and NUL, deep nesting, unicode edge cases).
 * Hand-written rather than a JSON-Schema-to-arbitrary package: the schemas here use a small part
 * of JSON Schema (zod's output), and the hostile side is what matters, which no such package makes.
 */
import fc from "fast-check";

export type Schema = Record<string, unknown>;

/** Nested `depth` levels, as text: built without recursion so the fuzzer itself cannot overflow. */
export function deepJsonText(depth: number, kind: "array" | "object"): string {
	return kind === "array" ? `${"[".repeat(depth)}1${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

function deepValue(depth: number): unknown {
	let value: unknown = "leaf";
	for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { d: value };
	return value;
}

const HOSTILE_STRINGS = [
	"",
	" ",
	"\u0000",
	"a\u0000b",
	"bell\u0007",
	"esc\u001b[31m",
	"c1\u0085",
	"\u202etxt.exe",
	"\ud800",
	"\udfff\ud800",
	"\ufeff",
	"😀".repeat(300),
	"İıßﬁ",
	"e\u0301\u0301\u0301",
	"x".repeat(70_000),
	"' OR '1'='1' --",
	"'); DROP TABLE auth.users; --",
	"%00",
	"%ZZ",
	"../../../../etc/passwd",
	"${jndi:ldap://x}",
	"<script>alert(1)</script>",
	"__proto__",
	"constructor",
	"1e300",
	"-1e300",
	"NaN",
	"Infinity",
	"-0",
	"0x1F",
	"9007199254740993",
	"true",
	"null"
];

const HOSTILE_NUMBERS = [1e300, -1e300, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 1, -(2 ** 63), 0.5, -1, -0, 4294967296];

/** Anything a client could send in a JSON field. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
	fc.constantFrom(...HOSTILE_STRINGS),
	fc.constantFrom(...HOSTILE_NUMBERS),
	fc.constantFrom<unknown>(null, true, false, [], {}, [null], { __proto__: { polluted: true } }, { constructor: { prototype: { polluted: true } } }),
	// Deeper nesting goes out as text (deep-json in fuzz-requests.ts): JSON.stringify itself would overflow.
	fc.constantFrom(70, 200, 1_000).map(deepValue),
	fc.string({ unit: "binary", maxLength: 40 }),
	fc.string({ unit: "grapheme", maxLength: 40 }),
	fc.jsonValue({ maxDepth: 3 })
);

/** A value as query-string text; never throws (an object without a prototype has no toString). */
export function textOf(value: unknown): string {
	if (typeof value === "string") return value;
	try {
		return JSON.stringify(value) ?? "undefined";
	} catch {
		return "[unprintable]";
	}
}

function typesOf(schema: Schema): string[] {
	return Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === "string" ? [schema.type] : [];
}

function num(value: unknown, fallback: number): number {
	return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

/** A value the schema accepts (as far as a generator can tell: formats and patterns are approximated). */
export function validValue(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
	if (!schema || depth > 6) return fc.constant("x");
	if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...(schema.enum as unknown[]));
	if ("const" in schema) return fc.constant(schema.const);
	for (const key of ["anyOf", "oneOf"]) {
		const list = schema[key];
		if (Array.isArray(list) && list.length > 0) return fc.oneof(...(list as Schema[]).map((s) => validValue(s, depth + 1)));
	}
	const types = typesOf(schema);
	const type = types.find((t) => t !== "null") ?? types[0];
	switch (type) {
		case "string": {
			const min = num(schema.minLength, 0);
			const max = Math.min(num(schema.maxLength, 40), Math.max(min, 60));
			if (schema.format === "uuid") return fc.uuid({ version: 4 });
			if (schema.format === "email") return fc.emailAddress().filter((e) => e.length <= max && /^[A-Za-z0-9_'+.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/.test(e));
			if (schema.format === "uri") return fc.webUrl({ validSchemes: ["https"] }).filter((u) => u.length <= max);
			if (schema.format === "date-time") return fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString());
			return fc.oneof(fc.string({ minLength: min, maxLength: max }), fc.string({ unit: "grapheme", minLength: min, maxLength: max }));
		}
		case "integer": {
			const min = Math.max(num(schema.minimum, -1e6), Number.MIN_SAFE_INTEGER);
			const max = Math.min(num(schema.maximum, 1e6), Number.MAX_SAFE_INTEGER);
			return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
		}
		case "number":
			return fc.double({ min: num(schema.minimum, -1e6), max: num(schema.maximum, 1e6), noNaN: true, noDefaultInfinity: true });
		case "boolean":
			return fc.boolean();
		case "null":
			return fc.constant(null);
		case "array": {
			const items = typeof schema.items === "object" && schema.items !== null ? (schema.items as Schema) : undefined;
			return fc.array(validValue(items, depth + 1), { minLength: num(schema.minItems, 0), maxLength: Math.min(num(schema.maxItems, 4), 4) });
		}
		case "object":
			return validObject(schema, depth + 1);
		default:
			return fc.jsonValue({ maxDepth: 2 });
	}
}

export function propertiesOf(schema: Schema | undefined): Record<string, Schema> {
	const p = schema?.properties;
	return typeof p === "object" && p !== null ? (p as Record<string, Schema>) : {};
}

export function requiredOf(schema: Schema | undefined): string[] {
	return Array.isArray(schema?.required) ? (schema.required as string[]) : [];
}

export function validObject(schema: Schema | undefined, depth = 0): fc.Arbitrary<Record<string, unknown>> {
	const properties = propertiesOf(schema);
	const record = Object.fromEntries(Object.entries(properties).map(([name, s]) => [name, validValue(s, depth)]));
	return fc.record(record, { requiredKeys: requiredOf(schema).filter((name) => name in properties) }) as fc.Arbitrary<Record<string, unknown>>;
}

/**
 * A valid object, then one of: a field replaced by a hostile value, a required field dropped, an
 * unknown field added (hostile names included), or nothing changed.
 */
export function mutatedObject(schema: Schema | undefined): fc.Arbitrary<Record<string, unknown>> {
	const names = Object.keys(propertiesOf(schema));
	const required = requiredOf(schema);
	const unknownName = fc.oneof(fc.constantFrom("colour", "__proto__", "constructor", "$where", "a\u0000b", "limit ", "LIMIT", "x".repeat(300)), fc.string({ maxLength: 12 }));
	return fc
		.tuple(validObject(schema), fc.nat(), hostileValue, unknownName, fc.integer({ min: 0, max: 4 }))
		.map(([object, pick, hostile, extra, how]) => {
			const dropped = how === 1 && required.length > 0 ? required[pick % required.length] : undefined;
			const copy: Record<string, unknown> = Object.fromEntries(Object.entries(object).filter(([name]) => name !== dropped));
			if (how === 0 && names.length > 0) copy[names[pick % names.length] as string] = hostile;
			else if (how === 2) Object.defineProperty(copy, extra, { value: hostile, enumerable: true, configurable: true, writable: true });
			else if (how === 3 && names.length > 0) copy[names[pick % names.length] as string] = textOf(hostile);
			return copy;
		});
}
