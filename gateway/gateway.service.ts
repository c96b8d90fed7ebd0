/**
 * `gateway`: the HTTP edge (README.md), moleculer-web 0.11 behind the node's edge server.
 *
 * - REST under `/api/v1` and `/mobile/v1` from the `rest` of published actions (autoAliases);
 *   an action that is not "published" gets no route at all.
 * - `/healthz`, `/readyz`, `/metrics` and the SSE stream `/api/v1/events` are answered before
 *   moleculer-web: they must work when the rest of the node does not, and are no actions.
 * - One JSON error shape (errors.ts), an X-Request-Id on every response (edge-server.ts).
 * - Readiness turns 503 as soon as the broker begins to stop, while in-flight requests finish.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, Middleware, Service, ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import type { ApiRouteSchema, ApiSettingsSchema } from "moleculer-web";
import { HealthMixin } from "../mixins/health.mixin.ts";
import { PRINCIPAL_META } from "../access/principal.ts";
import { type Env, loadEnv } from "../runtime/env.ts";
import { containFault } from "../runtime/fault-containment.ts";
import { API_KEY_REVOKED_EVENT, AUTH_ACTIONS, ApiKeyRevokedPayload, type ResolvedApiKey } from "../services/auth/auth.contract.ts";
import type { ParamsOf } from "../runtime/validation/zod-params.ts";
import { type JwtKeyring, verifyAccessToken } from "../access/jwt.ts";
import { JWT_SETTINGS, keyringFromEnv } from "../access/keyring-from-env.ts";
import { type Principal, isAllowed } from "../access/roles.ts";
import { Authenticator, presentsTwoCredentials } from "./authentication.ts";
import { clientIp } from "./client-info.ts";
import { GatewayRateLimits, type LimitDecision } from "./rate-limits.ts";
import { handleCors, setSecurityHeaders } from "./security-headers.ts";
import { EdgeServer, bindEdgeServer, edgeServerOf, edgeServerOptions } from "./edge-server.ts";
import { edgePolicyOf } from "./edge-policies.ts";
import { onlyReadsAreConditional, responseETag } from "./etag.ts";
import { toHttpError, writeError, writeErrorOf, writeJson } from "./errors.ts";
import { jsonBody } from "./json-body.ts";
import { formOrJsonBody } from "./form-body.ts";
import { INBOX_CREATED_EVENT } from "../services/notification/notification.contract.ts";
import { declareZero, incrementMetric } from "../runtime/platform-metrics.ts";
import { serveClusterMetrics } from "./metrics-endpoint.ts";
import { type ScraperAllowlist, scraperAllowlist } from "./scraper-allowlist.ts";
import { GatewayConfigMixin, corsOriginsOf, followRateLimits, sseOptionsOf } from "./gateway.config.ts";
import { OPENAPI_PATH, serveOpenApi } from "./openapi/serve-openapi.ts";
import { FORWARDED_EVENTS } from "./platform-events.ts";
import { type NodePhase, type Readiness, createReadinessProbe } from "./probes.ts";
import { requestIdOf } from "./request-id.ts";
import { type AppMount, type StaticApps, staticApps } from "./static-app.ts";
import { type SseOptions, type StreamHolder, SseHub } from "./sse.ts";
import { type AliasLike, keepVanishedAliases } from "./vanished-aliases.ts";

export const API_PREFIX = "/api/v1";
export const MOBILE_PREFIX = "/mobile/v1";
export const EVENTS_PATH = `${API_PREFIX}/events`;
export const METRICS_PATH = "/metrics";
export const FEEDS_PREFIX = "/feeds";
export const UNSUBSCRIBE_PREFIX = "/unsubscribe";
/** A signed-in user's own live stream: their new inbox items, nothing of the cluster. */
export const INBOX_STREAM_PATH = `${API_PREFIX}/notifications/stream`;

/**
 * The two routes that are not actions declare their permissions here, and are checked by the same
 * `isAllowed` the middleware uses. The event stream shows the cluster's health to operators. /metrics
 * needs `monitoring:read` (operators, or an API key with that scope: Prometheus sends it with
 * `authorization: { type: ApiKey }`), because its labels map every node, service and action; the
 * scraper addresses in METRICS_ALLOW (loopback by default) need no credentials (scraper-allowlist.ts).
 */
export const NON_ACTION_PERMISSIONS: Readonly<Record<string, readonly string[]>> = {
	[EVENTS_PATH]: ["health:read"],
	[METRICS_PATH]: ["monitoring:read"],
	[INBOX_STREAM_PATH]: ["account:self"]
};

/** The routes answered before moleculer-web, with the methods they take. */
const FIXED_ROUTE_METHODS: Readonly<Record<string, readonly string[]>> = {
	"/healthz": ["GET", "HEAD"],
	"/readyz": ["GET", "HEAD"],
	[METRICS_PATH]: ["GET", "HEAD"],
	[EVENTS_PATH]: ["GET"],
	[INBOX_STREAM_PATH]: ["GET"]
};

/** Methods an alias may declare; OPTIONS answers which of them a path takes. */
const ROUTABLE_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;

export interface GatewaySettings extends ApiSettingsSchema {
	sse?: Partial<SseOptions>;
}

export interface GatewayOptions {
	/** Used only when no edge server was opened for the broker; 0 picks a free port. */
	port?: number;
	ip?: string;
	sse?: Partial<SseOptions>;
	/** Keys, CORS origins, proxies and limits; defaults to the process environment. */
	env?: Env;
	/** The clock tokens are checked against; tests share one with the auth service. */
	now?: () => number;
	/** The single-page apps and where they are built; the public web app by default. */
	apps?: readonly AppMount[];
}

type GatewayThis = Service<GatewaySettings>;

/** What the gateway keeps per service instance (beside the schema, so `this` stays Moleculer's type). */
interface GatewayState {
	sse: SseHub;
	/** Users' own streams, apart from the dashboards' so no cluster event reaches a citizen. */
	inboxSse: SseHub;
	edge: EdgeServer | undefined;
	ownsEdge: boolean;
	draining: boolean;
	/** The broker has started and the routes of its local services are built. */
	routesReady: boolean;
	readiness: () => Promise<Readiness>;
	env: Env;
	authenticator: Authenticator;
	/** Opened in `started`, closed in `stopped` (their Redis connection follows the broker). */
	limits: GatewayRateLimits | undefined;
	/** Addresses that may scrape /metrics without credentials. */
	scrapers: ScraperAllowlist;
	/** Counts a refused credential in the platform's metrics. */
	authFailed: (reason: string) => void;
	/** Who holds an event stream and until when its credentials hold (see streamHolder). */
	streamHolder: (req: IncomingMessage, principal: Principal) => StreamHolder | undefined;
	/** The built SPAs, answered for every path that is no route of the API (static-app.ts). */
	apps: StaticApps;
}

/** What the gateway attaches to a request for moleculer-web's hooks. */
type GatewayRequest = IncomingMessage & { $principal?: Principal; $clientIp?: string };

const states = new WeakMap<GatewayThis, GatewayState>();

function stateOf(service: GatewayThis): GatewayState {
	const state = states.get(service);
	if (!state) throw new Error("The gateway service was used before its created hook ran");
	return state;
}

/** The parts of moleculer-web's service instance the gateway uses (its JavaScript has no types for them). */
interface MoleculerWebInternals {
	aliases: AliasLike[];
	resolveAlias(url: string, method: string): { alias: { action?: string | null } } | false;
	routes: { opts: { autoAliases?: boolean } }[];
	regenerateAutoAliases(route: unknown): void;
	httpHandler(req: IncomingMessage, res: ServerResponse): Promise<void>;
	sendError(req: IncomingMessage, res: ServerResponse, err: unknown): void;
	optimizeAliasesOrder(): void;
}

function moleculerWeb(service: GatewayThis): MoleculerWebInternals {
	return service as unknown as MoleculerWebInternals;
}

type RegenerateAutoAliases = (this: GatewayThis, route: unknown) => void;
function moleculerWebRegenerateAutoAliases(): RegenerateAutoAliases {
	const method = ApiGateway.methods?.regenerateAutoAliases as RegenerateAutoAliases | undefined;
	if (!method) throw new Error("moleculer-web no longer has regenerateAutoAliases: revisit vanished-aliases.ts");
	return method;
}
const baseRegenerateAutoAliases = moleculerWebRegenerateAutoAliases();


/**
 * Every call from HTTP carries its principal, anonymous included, so the permissions middleware
 * checks it on whichever node runs the action (and on every call that action makes in turn).
 */
function passPrincipal(ctx: Context<unknown, Record<string, unknown>>, _route: unknown, req: GatewayRequest): void {
	ctx.meta[PRINCIPAL_META] = req.$principal ?? { kind: "anonymous" };
	ctx.meta.clientIp = req.$clientIp;
}

const routes: ApiRouteSchema[] = [
	{
		name: "api",
		path: API_PREFIX,
		autoAliases: true,
		mappingPolicy: "restrict",
		// JSON only, through the platform's parser (json-body.ts) instead of moleculer-web's.
		bodyParsers: false,
		use: [jsonBody],
		onBeforeCall: passPrincipal,
		etag: responseETag,
		// Mobile actions are served with their compact payloads under /mobile/v1 only (`**`: their names
		// are `mobile.v1.<what>`); feeds and unsubscribe links live outside /api/v1 (their URLs go into
		// feed readers and emails).
		blacklist: ["mobile.**", "notification.feed*", "notification.unsubscribe*"]
	},
	{
		name: "mobile",
		path: MOBILE_PREFIX,
		autoAliases: true,
		mappingPolicy: "restrict",
		// JSON only, through the platform's parser (json-body.ts) instead of moleculer-web's.
		bodyParsers: false,
		use: [jsonBody],
		onBeforeCall: passPrincipal,
		etag: responseETag,
		whitelist: ["mobile.**"]
	},
	{
		// Atom feeds per bill, politician and saved search (notification service), as openparliament offers RSS.
		name: "feeds",
		path: FEEDS_PREFIX,
		autoAliases: true,
		mappingPolicy: "restrict",
		bodyParsers: false,
		use: [jsonBody],
		onBeforeCall: passPrincipal,
		etag: responseETag,
		whitelist: ["notification.feed*"]
	},
	{
		// One-click unsubscribe (RFC 8058): the only route that reads a form body (form-body.ts).
		name: "unsubscribe",
		path: UNSUBSCRIBE_PREFIX,
		autoAliases: true,
		mappingPolicy: "restrict",
		bodyParsers: false,
		use: [formOrJsonBody],
		onBeforeCall: passPrincipal,
		whitelist: ["notification.unsubscribe*"]
	}
];

function decodesAsUtf8(path: string): boolean {
	try {
		decodeURIComponent(path);
		return true;
	} catch {
		return false;
	}
}

function pathOf(url: string | undefined): string {
	const path = (url ?? "/").split("?", 1)[0] ?? "/";
	return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

function allowOnlyReads(req: IncomingMessage, res: ServerResponse): boolean {
	if (req.method === "GET" || req.method === "HEAD") return true;
	res.setHeader("Allow", "GET, HEAD");
	writeErrorOf(res, 405, "METHOD_NOT_ALLOWED", `${req.method ?? "This method"} is not allowed here`);
	return false;
}

function nodePhase(service: GatewayThis, state: GatewayState): NodePhase {
	if (state.draining) return "draining";
	if (!state.routesReady) return "starting";
	// broker.stop() clears `started` at once and calls the stopping hooks only after a delay.
	return service.broker.started ? "serving" : "draining";
}

/**
 * moleculer-web rebuilds auto-aliases 500 ms after the registry last changed; doing it once the
 * broker has started means the node's own routes exist before /readyz first says "ready".
 */
function buildRoutesNow(service: GatewayThis, state: GatewayState): void {
	const web = moleculerWeb(service);
	for (const route of web.routes) if (route.opts.autoAliases) web.regenerateAutoAliases(route);
	state.routesReady = true;
}

function beginDrain(state: GatewayState): void {
	state.draining = true;
	// Open streams would hold the port open; dashboards reconnect to another node.
	state.sse.close();
	state.inboxSse.close();
}

async function answerReadiness(state: GatewayState, res: ServerResponse): Promise<void> {
	const readiness = await state.readiness();
	if (readiness.ready) writeJson(res, 200, { status: "ready" }, { "Cache-Control": "no-store" });
	else writeJson(res, 503, { status: "not-ready", reasons: readiness.reasons }, { "Cache-Control": "no-store" });
}

function refuseRate(res: ServerResponse, decision: Exclude<LimitDecision, { allowed: true }>): void {
	writeErrorOf(res, 429, "RATE_LIMITED", `Too many requests (${decision.scope} limit of ${decision.limit}); retry later`, {
		retryAfterSeconds: decision.retryAfterSeconds
	});
}

/**
 * Who holds an event stream about to open, and until when. The authenticator has just accepted the
 * bearer token; it is read again here only for its `exp`, which the principal does not carry. The
 * end is where the authenticator would start refusing the token (exp plus the clock tolerance), so a
 * client reconnecting with the same token is refused rather than let in for an instant again.
 */
function streamHolder(req: IncomingMessage, principal: Principal, keyring: JwtKeyring, now: () => number): StreamHolder | undefined {
	if (principal.kind === "api-key") return { principal: `key:${principal.keyId}` };
	if (principal.kind !== "user") return undefined;
	const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization?.trim() ?? "")?.[1];
	if (!token) return { principal: `user:${principal.userId}` };
	try {
		const { exp } = verifyAccessToken(keyring, JWT_SETTINGS, token, now);
		return { principal: `user:${principal.userId}`, expiresAt: (exp + JWT_SETTINGS.clockToleranceSeconds) * 1000 };
	} catch {
		// Expired in the instant since it was accepted: an expiry in the past makes the hub answer 401.
		return { principal: `user:${principal.userId}`, expiresAt: 0 };
	}
}

/**
 * The action a request reaches, found the way moleculer-web will route it (case-insensitive, one
 * trailing slash ignored), so policy follows the action and not the spelling of its path.
 */
function resolvedAction(service: GatewayThis, path: string, method: string): string | undefined {
	const found = moleculerWeb(service).resolveAlias(path, method);
	return found ? (found.alias.action ?? undefined) : undefined;
}

function allowedMethods(service: GatewayThis, path: string): string[] {
	const fixed = FIXED_ROUTE_METHODS[path];
	const methods = fixed ? [...fixed] : ROUTABLE_METHODS.filter((method) => resolvedAction(service, path, method) !== undefined);
	return methods.length > 0 ? [...methods, "OPTIONS"] : [];
}

/**
 * OPTIONS never reaches an action: a CORS preflight is answered by handleCors, any other OPTIONS
 * here with the methods the path takes (RFC 9110 §9.3.7), or 404 when it takes none.
 */
function answerOptions(service: GatewayThis, state: GatewayState, req: IncomingMessage, res: ServerResponse, path: string): void {
	const methods = allowedMethods(service, path);
	if (methods.length > 0) res.setHeader("Allow", methods.join(", "));
	if (handleCors(req, res, corsOriginsOf(service))) return;
	if (methods.length === 0) {
		writeErrorOf(res, 404, "NOT_FOUND", "Not found");
		return;
	}
	res.writeHead(204);
	res.end();
}

/** Authenticates and rate-limits a request; answers it and returns undefined when it goes no further. */
async function admit(state: GatewayState, req: GatewayRequest, res: ServerResponse, action: string | undefined): Promise<Principal | undefined> {
	const ip = clientIp(req, state.env.trustProxy);
	req.$clientIp = ip;
	const limits = state.limits;
	if (!limits) throw new Error("The gateway served a request before it started");
	const byIp = await limits.ip(ip);
	if (!byIp.allowed) return void refuseRate(res, byIp);
	if (edgePolicyOf(action).signIn) {
		const signIn = await limits.signIn(ip);
		if (!signIn.allowed) return void refuseRate(res, signIn);
	}
	if (presentsTwoCredentials(req)) {
		writeErrorOf(res, 400, "AMBIGUOUS_CREDENTIALS", "Send one credential: a Bearer token or an API key, not both");
		return undefined;
	}
	const auth = await state.authenticator.authenticate(req);
	if (!auth.ok) {
		state.authFailed(/^\s*bearer\s/i.test(req.headers.authorization ?? "") ? "token" : "api_key");
		res.setHeader("WWW-Authenticate", auth.challenge);
		writeErrorOf(res, 401, "UNAUTHORIZED", `Credentials refused: ${auth.message}`);
		return undefined;
	}
	const principal = auth.principal;
	const id = principal.kind === "user" ? `user:${principal.userId}` : principal.kind === "api-key" ? `key:${principal.keyId}` : undefined;
	if (id) {
		const byPrincipal = await limits.principal(id);
		if (!byPrincipal.allowed) return void refuseRate(res, byPrincipal);
	}
	req.$principal = principal;
	return principal;
}

/** The permission check of the routes that are not actions, with the middleware's answers (401 or 403). */
function allowNonAction(res: ServerResponse, principal: Principal, path: string): boolean {
	const required = NON_ACTION_PERMISSIONS[path] ?? [];
	if (isAllowed(principal, required)) return true;
	if (principal.kind === "anonymous") writeErrorOf(res, 401, "UNAUTHORIZED", "Sign in or present an API key to use this route");
	else writeErrorOf(res, 403, "FORBIDDEN", "Your role or key's scopes do not allow this", { required });
	return false;
}

async function handleRequest(service: GatewayThis, req: IncomingMessage, res: ServerResponse): Promise<void> {
	const state = stateOf(service);
	setSecurityHeaders(req, res, state.env.trustProxy);
	const path = pathOf(req.url);
	// moleculer-web decodes path params with decodeURIComponent, which throws on malformed
	// percent-encoding (a lone surrogate, `%E0%A4`): that is the client's fault, so a 400 here
	// rather than a 500 from the router (found by the route fuzzer).
	if (!decodesAsUtf8(path)) {
		writeErrorOf(res, 400, "BAD_REQUEST", "The path has malformed percent-encoding");
		return;
	}
	if (req.method === "OPTIONS") {
		answerOptions(service, state, req, res, path);
		return;
	}
	if (handleCors(req, res, corsOriginsOf(service))) return;
	const action = path in FIXED_ROUTE_METHODS ? undefined : resolvedAction(service, path, req.method ?? "GET");
	// Public files need no credentials and no limits of the API: a page load is many small assets.
	if (action === undefined && !(path in FIXED_ROUTE_METHODS)) {
		try {
			if (await state.apps.serve(req, res, path)) return;
		} catch (err) {
			replyWithError(service, req, res, err);
			return;
		}
	}
	// Before anything is written, so error answers of these actions are not stored either.
	if (edgePolicyOf(action).noStore) res.setHeader("Cache-Control", "no-store");
	// Probes stay outside authentication and limits: orchestrators poll them from inside the network.
	if (path !== "/healthz" && path !== "/readyz") {
		let principal: Principal | undefined;
		try {
			principal = await admit(state, req, res, action);
		} catch (err) {
			// e.g. auth unreachable while resolving an API key: 503, in the one error shape.
			replyWithError(service, req, res, err);
			return;
		}
		if (!principal) return;
		const allowedScraper = path === METRICS_PATH && state.scrapers.allows((req as GatewayRequest).$clientIp ?? "");
		if (path in NON_ACTION_PERMISSIONS && !allowedScraper && !allowNonAction(res, principal, path)) return;
	}
	switch (path) {
		case "/healthz":
			if (allowOnlyReads(req, res)) writeJson(res, 200, { status: "ok" }, { "Cache-Control": "no-store" });
			return;
		case "/readyz":
			if (allowOnlyReads(req, res)) await answerReadiness(state, res);
			return;
		case METRICS_PATH:
			if (allowOnlyReads(req, res)) await serveClusterMetrics(service.broker, res);
			return;
		case OPENAPI_PATH:
			if (allowOnlyReads(req, res)) serveOpenApi(service, res, NON_ACTION_PERMISSIONS);
			return;
		case EVENTS_PATH:
			if (req.method !== "GET") {
				res.setHeader("Allow", "GET");
				writeErrorOf(res, 405, "METHOD_NOT_ALLOWED", "The event stream is read with GET");
				return;
			}
			state.sse.accept(req, res, state.streamHolder(req, (req as GatewayRequest).$principal ?? { kind: "anonymous" }));
			return;
		case INBOX_STREAM_PATH: {
			if (req.method !== "GET") {
				res.setHeader("Allow", "GET");
				writeErrorOf(res, 405, "METHOD_NOT_ALLOWED", "The inbox stream is read with GET");
				return;
			}
			const holder = state.streamHolder(req, (req as GatewayRequest).$principal ?? { kind: "anonymous" });
			// account:self is held by users only, so the holder is always `user:<id>` here.
			state.inboxSse.accept(req, res, holder);
			return;
		}
		default:
			onlyReadsAreConditional(req);
			await moleculerWeb(service).httpHandler(req, res);
	}
}

function replyWithError(service: GatewayThis, req: IncomingMessage, res: ServerResponse, err: unknown): void {
	const httpError = toHttpError(err);
	// moleculer-web rewrites req.url relative to the matched route; originalUrl is what the client asked for.
	const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url;
	const line = `[${requestIdOf(req)}] ${req.method ?? "?"} ${pathOf(url)} -> ${httpError.status} ${httpError.body.type}`;
	const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
	if (httpError.status === 500) service.logger.error(`${line}: ${err instanceof Error ? (err.stack ?? detail) : detail}`);
	else if (httpError.serverFault) service.logger.warn(`${line}: ${detail}`);
	else service.logger.debug(`${line}: ${detail}`);
	writeError(res, httpError);
}

/** The gateway schema; the default export reads PORT from the environment. */
export function GatewayService(options: GatewayOptions = {}): ServiceSchema<GatewaySettings> {
	const forwardedEvents = Object.fromEntries(
		FORWARDED_EVENTS.map((name) => [
			name,
			{
				handler(this: GatewayThis, ctx: Context<unknown>): void {
					stateOf(this).sse.publish(name, ctx.params);
				}
			}
		])
	);

	const env = options.env ?? loadEnv();
	const keyring = keyringFromEnv(env);
	const now = options.now ?? Date.now;

	return {
		name: "gateway",
		mixins: [ApiGateway, HealthMixin(), GatewayConfigMixin(env, options.sse)],
		settings: {
			port: options.port ?? 8000,
			...(options.ip ? { ip: options.ip } : {}),
			// The edge server owns the socket; moleculer-web runs in middleware mode behind it.
			server: false,
			routes,
			// Default request logging cost 31 % of throughput (measured on the project's machines); errors are logged in replyWithError.
			logRequest: null,
			logResponse: null,
			logRequestParams: null,
			logRouteRegistration: "debug",
			onError(this: GatewayThis, req: IncomingMessage, res: ServerResponse, err: Error): void {
				replyWithError(this, req, res, err);
			},
			sse: options.sse ?? {}
		},

		actions: {
			// `rest` only dispatches: each call it makes has its own circuit breaker and (on the node
			// that serves it) bulkhead. Wrapping the dispatcher too cost ~8 µs a request (bench
			// BENCH_SPLIT), and a breaker here could shut every route at once. Spans for every HTTP
			// request cost 23 % even when sampled at 1 % (measured on the project's machines).
			rest: { tracing: false, bulkhead: { enabled: false }, circuitBreaker: { enabled: false } },
			// Its `rest` would otherwise publish the alias table at /api/v1/gateway/list-aliases.
			listAliases: { visibility: "public" }
		},

		events: {
			...forwardedEvents,
			// Broadcast by notification: only the streams of the item's user get it.
			[INBOX_CREATED_EVENT]: {
				handler(this: GatewayThis, ctx: Context<{ userId?: unknown; item?: unknown }>): void {
					if (typeof ctx.params.userId !== "string") return;
					stateOf(this).inboxSse.publishTo(`user:${ctx.params.userId}`, "inbox", ctx.params.item);
				}
			},
			// Broadcast by auth, so no gateway keeps honouring a revoked key from its cache.
			[API_KEY_REVOKED_EVENT]: {
				params: ApiKeyRevokedPayload,
				handler(this: GatewayThis, ctx: Context<ParamsOf<typeof ApiKeyRevokedPayload>>): void {
					stateOf(this).authenticator.forgetKey(ctx.params.keyId);
					// A stream was authorised once, when it opened: a revoked key's streams must end now.
					stateOf(this).sse.endPrincipal(`key:${ctx.params.keyId}`, "api-key-revoked");
				}
			}
		},

		methods: {
			// moleculer-web's version logs the stack without the request id, then calls sendError.
			errorHandler(this: GatewayThis, req: IncomingMessage, res: ServerResponse, err: unknown): void {
				moleculerWeb(this).sendError(req, res, err);
			},

			regenerateAutoAliases(this: GatewayThis, route: unknown): void {
				const web = moleculerWeb(this);
				const previous = [...web.aliases];
				baseRegenerateAutoAliases.call(this, route);
				if (keepVanishedAliases(previous, web.aliases, route) > 0 && this.settings.optimizeOrder) web.optimizeAliasesOrder();
			}
		},

		created(this: GatewayThis): void {
			const state: GatewayState = {
				sse: new SseHub(this.settings.sse, now, (err) => containFault(this.broker, "timer", "gateway.sse", err)),
				inboxSse: new SseHub(this.settings.sse, now, (err) => containFault(this.broker, "timer", "gateway.inbox-sse", err)),
				edge: undefined,
				ownsEdge: false,
				draining: false,
				routesReady: false,
				readiness: createReadinessProbe(this.broker, () => nodePhase(this, state)),
				env,
				authenticator: new Authenticator({
					keyring,
					settings: JWT_SETTINGS,
					...(options.now ? { now: options.now } : {}),
					resolveApiKey: async (key) => ((await this.broker.call(AUTH_ACTIONS.resolveApiKey, { key })) as ResolvedApiKey | null) ?? undefined
				}),
				limits: undefined,
				scrapers: scraperAllowlist(env.metricsAllow),
				authFailed: (reason) => incrementMetric(this.broker, "authFailures", { reason }),
				streamHolder: (req, principal) => streamHolder(req, principal, keyring, now),
				apps: staticApps(options.apps)
			};
			states.set(this, state);
			// At zero from the start, so rate() over the failures has a first sample.
			declareZero(this.broker, "authFailures", [{ reason: "token" }, { reason: "api_key" }]);
			// Services have no `stopping` hook; a middleware's runs as soon as the broker begins to stop.
			const drain: Middleware = {
				name: "GatewayDrain",
				started: async () => buildRoutesNow(this, state),
				stopping: async () => beginDrain(state)
			};
			this.broker.middlewares.add(drain);
		},

		async started(this: GatewayThis): Promise<void> {
			const state = stateOf(this);
			// A broker may be stopped and started again: begin with a fresh stream hub.
			state.draining = false;
			state.routesReady = false;
			state.sse = new SseHub(sseOptionsOf(this, this.settings.sse), now, (err) => containFault(this.broker, "timer", "gateway.sse", err));
			state.inboxSse = new SseHub(this.settings.sse, now, (err) => containFault(this.broker, "timer", "gateway.inbox-sse", err));
			state.limits = new GatewayRateLimits(
				{
					redisUrl: env.redisUrl,
					prefix: this.broker.namespace || "default",
					perIpPerMinute: env.rateLimitPerIp,
					perPrincipalPerMinute: env.rateLimitPerUser,
					signInPer10Minutes: env.rateLimitLogin
				},
				this.broker
			);
			followRateLimits(this, state.limits);
			// Before the first request, so a gateway with a working Redis shares its counts from the start.
			await state.limits.settled();
			let edge = edgeServerOf(this.broker);
			if (!edge?.listening) {
				edge = new EdgeServer(edgeServerOptions(env));
				bindEdgeServer(this.broker, edge);
				await edge.listen(Number(this.settings.port), this.settings.ip);
				state.ownsEdge = true;
			}
			state.edge = edge;
			edge.serve((req, res) => handleRequest(this, req, res));
			// Created on a broker that is already running: its `started` middleware hook has passed.
			if (this.broker.started) buildRoutesNow(this, state);
			this.logger.info(`Gateway serving on port ${edge.port}`);
		},

		async stopped(this: GatewayThis): Promise<void> {
			const state = stateOf(this);
			beginDrain(state);
			state.edge?.stopServing();
			if (state.ownsEdge) await state.edge?.close();
			await state.limits?.close();
			state.limits = undefined;
		}
	};
}

const defaultEnv = loadEnv();
export default GatewayService({ port: defaultEnv.port, env: defaultEnv });
