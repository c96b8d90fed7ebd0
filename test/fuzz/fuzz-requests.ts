/**
 * Requests for every route of the OpenAPI document: valid ones and each class of hostile one
 * (issue 9 and 10): hostile field values, unknown and missing fields, hostile path parameters,
 * case-varied and malformed paths, bodies that are no object, deep JSON, broken Content-Encoding,
 * wrong content types, oversized bodies, repeated and nested query keys, other methods.
 */
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { type Schema, deepJsonText, textOf, hostileValue, mutatedObject, propertiesOf, requiredOf, validObject, validValue } from "./schema-values.ts";

export interface FuzzRoute {
	method: string;
	/** OpenAPI form: `/api/v1/auth/users/{id}/role`. */
	path: string;
	action: string | undefined;
	pathParams: { name: string; schema: Schema }[];
	query: Schema | undefined;
	body: Schema | undefined;
}

export interface FuzzRequest {
	route: FuzzRoute;
	kind: string;
	method: string;
	/** Already encoded, sent as is. */
	path: string;
	headers: Record<string, string>;
	body?: Buffer;
}

interface Parameter {
	name: string;
	in: string;
	required?: boolean;
	schema?: Schema;
}

type Operation = { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: Schema }> }; "x-moleculer-action"?: string };

export function routesOf(document: { paths?: Record<string, Record<string, Operation>> }): FuzzRoute[] {
	const routes: FuzzRoute[] = [];
	for (const [path, methods] of Object.entries(document.paths ?? {})) {
		for (const [method, op] of Object.entries(methods)) {
			const parameters = op.parameters ?? [];
			const queryParams = parameters.filter((p) => p.in === "query");
			routes.push({
				method: method.toUpperCase(),
				path,
				action: op["x-moleculer-action"],
				pathParams: parameters.filter((p) => p.in === "path").map((p) => ({ name: p.name, schema: p.schema ?? { type: "string" } })),
				query: queryParams.length
					? { type: "object", properties: Object.fromEntries(queryParams.map((p) => [p.name, p.schema ?? {}])), required: queryParams.filter((p) => p.required).map((p) => p.name) }
					: undefined,
				body: op.requestBody?.content?.["application/json"]?.schema
			});
		}
	}
	return routes;
}

/** encodeURIComponent, except a lone surrogate (which it refuses) goes out as invalid UTF-8 bytes. */
function encode(value: string): string {
	try {
		return encodeURIComponent(value);
	} catch {
		return "%ED%A0%80";
	}
}

const asText = textOf;

function queryString(values: Record<string, unknown>): string {
	const parts: string[] = [];
	for (const [key, value] of Object.entries(values)) {
		if (Array.isArray(value) && value.length < 10) for (const item of value) parts.push(`${encode(key)}=${encode(asText(item))}`);
		else parts.push(`${encode(key)}=${encode(asText(value))}`);
	}
	return parts.length ? `?${parts.join("&")}` : "";
}

function fillPath(route: FuzzRoute, values: string[]): string {
	let i = 0;
	return route.path.replace(/\{[^}]+\}/g, () => values[i++] ?? "x");
}

const pathValues = (route: FuzzRoute): fc.Arbitrary<string[]> => fc.tuple(...route.pathParams.map((p) => validValue(p.schema).map((v) => encode(asText(v)))));

const HOSTILE_SEGMENTS = ["%ZZ", "%00", "%", "..", "%2e%2e", "%2F", "%C0%AE", "%ED%A0%80", "x".repeat(5_000), "%F0%9F%98%80", "%E2%80%AE", "-1", "1e300", "0", "null"];

/** 20 MB of JSON in 20 kB of gzip, and 2 MB plain: both over the gateway's 1 MB body limit. */
const GZIP_BOMB = gzipSync(Buffer.from(`{"a":"${"0".repeat(20_000_000)}"}`));
const HUGE_BODY = Buffer.from(`{"a":"${"x".repeat(2 * 1024 * 1024)}"}`);

function jsonBody(value: unknown): Buffer {
	try {
		return Buffer.from(JSON.stringify(value) ?? "null");
	} catch {
		// Too deep for this process's stack under fast-check's own frames: send a deep text instead.
		return Buffer.from(deepJsonText(1_000, "object"));
	}
}

function randomCase(path: string, flips: number[]): string {
	const chars = [...path];
	for (const f of flips) {
		const i = f % chars.length;
		const c = chars[i] ?? "";
		chars[i] = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
	}
	return chars.join("");
}

const hasBody = (route: FuzzRoute): boolean => route.method === "POST" || route.method === "PUT" || route.method === "PATCH";

/** The request as the route expects it, with `fields` as its query or body. */
function shaped(route: FuzzRoute, kind: string, path: string, fields: Record<string, unknown>): FuzzRequest {
	if (hasBody(route)) return { route, kind, method: route.method, path, headers: { "content-type": "application/json" }, body: jsonBody(fields) };
	return { route, kind, method: route.method, path: `${path}${queryString(fields)}`, headers: {} };
}

export function requestArbitrary(route: FuzzRoute): fc.Arbitrary<FuzzRequest> {
	const fieldsSchema = hasBody(route) ? route.body : route.query;
	const valid = fc.tuple(pathValues(route), validObject(fieldsSchema)).map(([values, fields]) => shaped(route, "valid", fillPath(route, values), fields));
	const mutated = fc.tuple(pathValues(route), mutatedObject(fieldsSchema)).map(([values, fields]) => shaped(route, "hostile-fields", fillPath(route, values), fields));
	const hostilePath = fc
		.tuple(fc.array(fc.constantFrom(...HOSTILE_SEGMENTS), { minLength: route.pathParams.length, maxLength: route.pathParams.length }), validObject(fieldsSchema))
		.map(([values, fields]) => shaped(route, "hostile-path-param", fillPath(route, values), fields));
	const caseVaried = fc
		.tuple(pathValues(route), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), fc.constantFrom("", "/", "//", "/./", "?"), validObject(fieldsSchema))
		.map(([values, flips, suffix, fields]) => shaped(route, "case-varied-path", `${randomCase(fillPath(route, values), flips)}${suffix}`, fields));
	const otherMethod = fc
		.tuple(pathValues(route), fc.constantFrom("HEAD", "OPTIONS", "DELETE", "PATCH", "PUT", "POST", "GET"))
		.map(([values, method]): FuzzRequest => {
			const sendsBody = method === "POST" || method === "PUT";
			return { route, kind: "other-method", method, path: fillPath(route, values), headers: sendsBody ? { "content-type": "application/json" } : {}, ...(sendsBody ? { body: Buffer.from("{}") } : {}) };
		});
	const withBody = (kind: string, headers: Record<string, string>, body: Buffer) => (values: string[]): FuzzRequest => ({
		route,
		kind,
		method: hasBody(route) ? route.method : "POST",
		path: fillPath(route, values),
		headers,
		body
	});
	const rawBodies = fc.oneof(
		fc.constantFrom("[]", "null", "123", '"text"', "{", '{"a":1}garbage', "\u0000", '{"__proto__":{"polluted":true}}', "1e999", '{"a":1e999}', "\ufeff{}", '{"a":"\\ud800"}').map((text) =>
			withBody("body-not-object", { "content-type": "application/json" }, Buffer.from(text))
		),
		fc.constantFrom(100, 5_000, 200_000).chain((depth) => fc.constantFrom<"array" | "object">("array", "object").map((kind) => withBody("deep-json", { "content-type": "application/json" }, Buffer.from(deepJsonText(depth, kind))))),
		fc.tuple(fc.constantFrom("gzip", "deflate", "br", "x-unknown", "gzip, gzip", "identity, gzip"), fc.uint8Array({ maxLength: 64 })).map(([encoding, bytes]) =>
			withBody("broken-content-encoding", { "content-type": "application/json", "content-encoding": encoding }, Buffer.from(bytes))
		),
		validObject(fieldsSchema).map((fields) => {
			const zipped = gzipSync(jsonBody(fields));
			return withBody("truncated-gzip", { "content-type": "application/json", "content-encoding": "gzip" }, zipped.subarray(0, Math.max(1, zipped.length - 5)));
		}),
		fc.constant(withBody("gzip-bomb", { "content-type": "application/json", "content-encoding": "gzip" }, GZIP_BOMB)),
		fc.tuple(fc.constantFrom("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "application/json; charset=latin1", "application/xml", ""), validObject(fieldsSchema)).map(
			([type, fields]) => withBody("content-type", type ? { "content-type": type } : {}, jsonBody(fields))
		),
		fc.constant(withBody("huge-body", { "content-type": "application/json" }, HUGE_BODY))
	);
	const body = fc.tuple(pathValues(route), rawBodies).map(([values, make]) => make(values));
	const queryKeys = Object.keys(propertiesOf(route.query));
	const oddQuery = fc
		.tuple(pathValues(route), fc.constantFrom(...(queryKeys.length ? queryKeys : ["q"])), hostileValue, fc.constantFrom("repeat", "nested", "proto", "empty", "raw"))
		.map(([values, key, value, how]): FuzzRequest => {
			const text = encode(asText(value));
			const query =
				how === "repeat" ? `?${key}=1&${key}=2&${key}=${text}` : how === "nested" ? `?${key}[a][b]=${text}&${key}[]=1` : how === "proto" ? `?__proto__[x]=1&constructor[prototype][y]=2&${key}=${text}` : how === "empty" ? `?${key}=&=&&` : `?${key}=%ZZ%00%`;
			const request: FuzzRequest = { route, kind: "odd-query", method: route.method, path: `${fillPath(route, values)}${query}`, headers: {} };
			if (hasBody(route)) return { ...request, headers: { "content-type": "application/json" }, body: Buffer.from("{}") };
			return request;
		});
	// A route without required fields gets more valid requests: they are the ones that reach its handler.
	const required = requiredOf(fieldsSchema);
	const arbitraries: fc.Arbitrary<FuzzRequest>[] = [valid, valid, mutated, mutated, hostilePath, caseVaried, otherMethod, body, oddQuery];
	if (route.pathParams.length === 0) arbitraries.splice(arbitraries.indexOf(hostilePath), 1);
	if (required.length === 0) arbitraries.push(valid);
	return fc.oneof(...arbitraries);
}
