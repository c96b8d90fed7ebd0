/**
 * The route fuzzer (issue 10): reads the node's own OpenAPI document, then for a time budget sends
 * generated requests (fuzz-requests.ts) over real HTTP as anonymous, a citizen and an operator,
 * and holds on every answer that
 * - nothing answers 5xx, and every request gets an answer;
 * - every error has the JSON error shape with `code` equal to the status;
 * - no body carries a stack trace, SQL or a server file path;
 * - a 2xx body matches the action's declared answer (zodResponse), when one is declared;
 * and, at the end, that the node still answers /healthz and /readyz.
 * Values come from fast-check with a seed, so a run can be repeated (`--seed`).
 */
import http from "node:http";
import fc from "fast-check";
import type { z } from "zod";
import { type FuzzRequest, type FuzzRoute, requestArbitrary, routesOf } from "./fuzz-requests.ts";

export interface Caller {
	name: string;
	/** Fresh headers for each request (a token minted per request never expires mid-run). */
	headers: () => Record<string, string>;
}

export interface Finding {
	problem: string;
	caller: string;
	kind: string;
	route: string;
	request: string;
	status: number;
	body: string;
}

export interface FuzzReport {
	seed: number;
	seconds: number;
	requests: number;
	routes: number;
	byStatus: Record<string, number>;
	byKind: Record<string, number>;
	findings: Finding[];
	/** Findings grouped by problem and route, with a count: what a report lists. */
	summary: string[];
	healthyAtEnd: boolean;
}

export interface FuzzOptions {
	baseUrl: string;
	callers: readonly Caller[];
	seconds: number;
	seed?: number;
	concurrency?: number;
	/** The declared answer of an action, to parse 2xx bodies with. */
	responseOf?: (action: string) => z.ZodType | undefined;
	timeoutMs?: number;
	/** Request kinds not to send (e.g. to look past a known finding while it is being fixed). */
	skipKinds?: readonly string[];
}

interface Answer {
	status: number;
	contentType: string;
	text: string;
}

/** node:http rather than fetch: fetch normalises paths, refuses bodies on GET and odd encodings. */
function send(baseUrl: string, request: FuzzRequest, headers: Record<string, string>, timeoutMs: number): Promise<Answer> {
	const url = new URL(baseUrl);
	return new Promise<Answer>((resolveAnswer, rejectAnswer) => {
		// A whole-request deadline, not only an idle one: a stream that sends keep-alives is never idle.
		const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
		const resolve = (answer: Answer): void => {
			clearTimeout(deadline);
			resolveAnswer(answer);
		};
		const reject = (err: Error): void => {
			clearTimeout(deadline);
			rejectAnswer(err);
		};
		const req = http.request(
			{
				host: url.hostname,
				port: url.port,
				method: request.method,
				path: request.path,
				headers: { ...headers, ...request.headers, ...(request.body ? { "content-length": String(request.body.length) } : {}) },
				timeout: timeoutMs
			},
			(res) => {
				// An event stream (the dashboards', a user's inbox) stays open by design: its status and
				// type are the answer; reading on would only measure the deadline.
				if (String(res.headers["content-type"] ?? "").startsWith("text/event-stream")) {
					resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"]), text: "" });
					req.destroy();
					return;
				}
				const chunks: Buffer[] = [];
				let size = 0;
				res.on("data", (chunk: Buffer) => {
					// Keep the head of a large answer: the checks need what an error says, not a whole export.
					if (size < 256 * 1024) chunks.push(chunk);
					size += chunk.length;
				});
				res.on("end", () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), text: Buffer.concat(chunks).toString("utf8") }));
				res.on("error", reject);
			}
		);
		req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
		req.on("error", reject);
		req.end(request.body);
	});
}

const STACK = /\n\s+at [^\n]+[:(]\d+:\d+\)?|\bat (?:async )?[\w$.<>[\]]+ \([^)]*:\d+:\d+\)/;
const FILE_PATH = /(?:\/(?:work|home|root|usr|opt|srv|var\/lib)\/[\w.-]+\/|node_modules[\\/]|file:\/\/\/|\b[\w-]+\.(?:ts|js|mjs|cjs):\d+)/;
const SQL = /\b(?:SELECT\s[\s\S]{1,200}?\sFROM\s|INSERT\s+INTO\s|UPDATE\s+\w+(?:\.\w+)?\s+SET\s|DELETE\s+FROM\s|syntax error at or near|relation "[^"]+" does not exist|violates (?:unique|foreign key|not-null|check) constraint|duplicate key value|invalid input syntax for type|column "[^"]+" does not exist|pg_advisory)/i;

function leak(text: string): string | undefined {
	if (STACK.test(text)) return "a stack trace";
	if (SQL.test(text)) return "SQL";
	if (FILE_PATH.test(text)) return "a file path";
	return undefined;
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

function hasErrorShape(body: unknown, status: number): boolean {
	const error = (body as { error?: { type?: unknown; message?: unknown; code?: unknown } } | undefined)?.error;
	return typeof error?.type === "string" && typeof error.message === "string" && error.code === status;
}

/** What is wrong with one answer, or undefined. */
export function problemWith(request: FuzzRequest, answer: Answer, responseOf: FuzzOptions["responseOf"]): string | undefined {
	if (answer.status >= 500) return `answered ${answer.status}`;
	const leaked = leak(answer.text);
	if (leaked) return `the body carries ${leaked}`;
	// A HEAD answer has no body; a 304 neither.
	if (request.method === "HEAD" || answer.status === 304 || answer.status === 204) return undefined;
	const json = answer.contentType.includes("json") ? parseJson(answer.text) : undefined;
	if (answer.status >= 400) return hasErrorShape(json, answer.status) ? undefined : "an error without the JSON error shape";
	if (answer.status >= 200 && answer.status < 300 && request.kind === "valid" && request.method === request.route.method && request.route.action) {
		const schema = responseOf?.(request.route.action);
		if (schema && json !== undefined) {
			const parsed = schema.safeParse(json);
			if (!parsed.success) return `a 2xx body that does not match the declared answer (${parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).slice(0, 3).join("; ")})`;
		}
	}
	return undefined;
}

function describeRequest(request: FuzzRequest): string {
	const headers = Object.entries(request.headers).map(([k, v]) => `${k}: ${v}`).join(", ");
	const body = request.body ? ` body(${request.body.length} B)=${JSON.stringify(request.body.subarray(0, 160).toString("latin1"))}` : "";
	return `${request.method} ${request.path.length > 300 ? `${request.path.slice(0, 300)}…` : request.path}${headers ? ` [${headers}]` : ""}${body}`;
}

async function fetchDocument(baseUrl: string): Promise<unknown> {
	const res = await fetch(`${baseUrl}/api/v1/openapi.json`, { signal: AbortSignal.timeout(15_000) });
	if (res.status !== 200) throw new Error(`GET /api/v1/openapi.json answered ${res.status}`);
	return res.json();
}

async function healthy(baseUrl: string): Promise<boolean> {
	try {
		const [live, ready] = await Promise.all(["/healthz", "/readyz"].map((p) => fetch(`${baseUrl}${p}`, { signal: AbortSignal.timeout(10_000) })));
		return live?.status === 200 && ready?.status === 200;
	} catch {
		return false;
	}
}

export async function fuzzRoutes(options: FuzzOptions): Promise<FuzzReport> {
	const seed = options.seed ?? Date.now() % 2 ** 31;
	const timeoutMs = options.timeoutMs ?? 20_000;
	const routes: FuzzRoute[] = routesOf((await fetchDocument(options.baseUrl)) as Parameters<typeof routesOf>[0]);
	if (routes.length === 0) throw new Error("The OpenAPI document lists no routes");
	// The event stream stays open by design: fuzzing it would only measure the timeout.
	const fuzzed = routes.filter((r) => !r.path.endsWith("/events"));
	const arbitrary = fc.tuple(fc.oneof(...fuzzed.map(requestArbitrary)), fc.constantFrom(...options.callers));
	const report: FuzzReport = { seed, seconds: options.seconds, requests: 0, routes: fuzzed.length, byStatus: {}, byKind: {}, findings: [], summary: [], healthyAtEnd: false };
	const deadline = performance.now() + options.seconds * 1000;
	let batch = 0;
	// A refused connection means the node is gone: stop, so the findings before it stay readable.
	let nodeGone = false;
	const worker = async (): Promise<void> => {
		while (performance.now() < deadline && !nodeGone) {
			const samples = fc.sample(arbitrary, { seed: seed + batch++, numRuns: 20 });
			for (const [request, caller] of samples) {
				if (performance.now() >= deadline || nodeGone) return;
				if (options.skipKinds?.includes(request.kind)) continue;
				let answer: Answer;
				try {
					answer = await send(options.baseUrl, request, caller.headers(), timeoutMs);
				} catch (err) {
					answer = { status: 0, contentType: "", text: err instanceof Error ? err.message : String(err) };
				}
				if (answer.status === 0 && answer.text.includes("ECONNREFUSED")) {
					nodeGone = true;
					report.findings.push({ problem: "the node stopped answering (connection refused)", caller: caller.name, kind: request.kind, route: `${request.route.method} ${request.route.path}`, request: describeRequest(request), status: 0, body: "" });
					return;
				}
				report.requests++;
				report.byStatus[answer.status] = (report.byStatus[answer.status] ?? 0) + 1;
				report.byKind[request.kind] = (report.byKind[request.kind] ?? 0) + 1;
				const problem = answer.status === 0 ? `no answer (${answer.text})` : problemWith(request, answer, options.responseOf);
				if (problem && report.findings.length < 500) {
					report.findings.push({
						problem,
						caller: caller.name,
						kind: request.kind,
						route: `${request.route.method} ${request.route.path}`,
						request: describeRequest(request),
						status: answer.status,
						body: answer.text.slice(0, 400)
					});
				}
			}
		}
	};
	await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
	report.healthyAtEnd = await healthy(options.baseUrl);
	const groups = new Map<string, { count: number; routes: Set<string>; example: Finding }>();
	for (const f of report.findings) {
		const key = `${f.problem.replace(/\(.*\)$/, "").trim()} | ${f.kind}`;
		const group = groups.get(key) ?? { count: 0, routes: new Set<string>(), example: f };
		group.count++;
		group.routes.add(f.route);
		groups.set(key, group);
	}
	report.summary = [...groups.entries()].map(
		([key, g]) => `${key} ×${g.count} on ${g.routes.size} route(s); e.g. ${g.example.problem} as ${g.example.caller}: ${g.example.request} -> ${g.example.status} ${g.example.body.slice(0, 200)}`
	);
	return report;
}
