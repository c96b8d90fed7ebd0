/**
 * The one HTTP listener of a gateway node.
 *
 * Why it exists apart from moleculer-web's own server: `broker.start()` waits for the
 * transporter before it starts any service, so with NATS unreachable moleculer-web would not
 * listen at all and an orchestrator could not tell "starting" from "dead". The entrypoint opens
 * this server before `broker.start()`; until the gateway service hands it a handler it answers
 * `/healthz` 200, `/readyz` 503 with the reason, and everything else 503. Handing over is
 * swapping one function on the same listening socket, so there is no second port and no moment
 * when the port is closed. A gateway created without one (tests, REPL) opens its own.
 *
 * Every response gets an X-Request-Id, `nosniff` and `API-Version: v1` (README.md) here, whichever
 * handler writes it.
 *
 * Slow and hoarding clients (issue 9 saw 200 slow sockets stay open for a minute): a client has
 * HTTP_HEADERS_TIMEOUT seconds to send its headers and HTTP_REQUEST_TIMEOUT for the whole request
 * (408 after that), an idle keep-alive connection closes after HTTP_KEEP_ALIVE_TIMEOUT, and one
 * address may hold HTTP_MAX_CONNECTIONS_PER_IP connections (503 past it). node:http checks the two
 * request deadlines only every `connectionsCheckingInterval` (30 s by default), so it checks every
 * second here. Behind trusted proxies (TRUST_PROXY) every connection comes from a proxy, so the cap
 * by address is the proxies' job and is off here.
 */
import http from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";
import type { Logger, ServiceBroker } from "moleculer";
import { type Env, type HttpLimits, loadEnv } from "../runtime/env.ts";
import { writeErrorOf, writeJson } from "./errors.ts";
import { assignRequestId, requestIdOf } from "./request-id.ts";

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export type EdgePhase = "starting" | "serving" | "stopping";

/** The public API's version, on every response (README.md "Public data"). */
export const API_VERSION = "v1";

/** How long connections may finish their response when the server closes, before they are cut. */
const CLOSE_GRACE_MS = 2_000;

/** How often node:http enforces the headers and request deadlines. */
const DEADLINE_CHECK_MS = 1_000;

/** Requests one keep-alive connection may carry before the server asks the client to reconnect. */
const MAX_REQUESTS_PER_SOCKET = 1_000;

export interface EdgeServerOptions {
	http: HttpLimits;
	trustProxy: number;
}

export function edgeServerOptions(env: Pick<Env, "http" | "trustProxy">): EdgeServerOptions {
	return { http: env.http, trustProxy: env.trustProxy };
}

function rawJsonResponse(status: number, reason: string, type: string, message: string): string {
	const body = JSON.stringify({ error: { type, message, code: status } });
	return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`;
}

export class EdgeServer {
	readonly server: http.Server;
	private handler: RequestHandler | undefined;
	private phase: EdgePhase = "starting";
	private startingReason: () => string = () => "starting";
	private logger: Pick<Logger, "error"> | undefined;

	readonly #connectionsByAddress = new Map<string, number>();

	constructor(options: EdgeServerOptions = edgeServerOptions(loadEnv({}))) {
		const limits = options.http;
		this.server = http.createServer(
			{
				headersTimeout: limits.headersTimeoutSeconds * 1000,
				requestTimeout: limits.requestTimeoutSeconds * 1000,
				connectionsCheckingInterval: DEADLINE_CHECK_MS
			},
			(req, res) => this.onRequest(req, res)
		);
		this.server.keepAliveTimeout = limits.keepAliveTimeoutSeconds * 1000;
		this.server.maxRequestsPerSocket = MAX_REQUESTS_PER_SOCKET;
		const cap = options.trustProxy > 0 ? 0 : limits.maxConnectionsPerIp;
		if (cap > 0) this.server.on("connection", (socket: Socket) => this.admitConnection(socket, cap));
		this.server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
			// Malformed HTTP never reaches a handler; answer it in the same JSON shape when the socket still can.
			if (err.code === "ECONNRESET" || !socket.writable) {
				socket.destroy();
				return;
			}
			if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") {
				socket.end(rawJsonResponse(408, "Request Timeout", "REQUEST_TIMEOUT", "The request was not received in time"));
				return;
			}
			socket.end(rawJsonResponse(400, "Bad Request", "BAD_REQUEST", "Malformed HTTP request"));
		});
	}

	/** Counts a new connection against its address, refusing it past the cap. */
	private admitConnection(socket: Socket, cap: number): void {
		const address = socket.remoteAddress ?? "unknown";
		const open = this.#connectionsByAddress.get(address) ?? 0;
		if (open >= cap) {
			socket.end(rawJsonResponse(503, "Service Unavailable", "TOO_MANY_CONNECTIONS", `At most ${cap} connections per client address`));
			socket.destroySoon();
			return;
		}
		this.#connectionsByAddress.set(address, open + 1);
		socket.once("close", () => {
			const left = (this.#connectionsByAddress.get(address) ?? 1) - 1;
			if (left <= 0) this.#connectionsByAddress.delete(address);
			else this.#connectionsByAddress.set(address, left);
		});
	}

	listen(port: number, host?: string): Promise<number> {
		return new Promise((resolve, reject) => {
			const onError = (err: Error): void => reject(err);
			this.server.once("error", onError);
			this.server.listen(port, host, () => {
				this.server.off("error", onError);
				resolve(this.port);
			});
		});
	}

	get port(): number {
		const address = this.server.address() as AddressInfo | null;
		return address?.port ?? 0;
	}

	get listening(): boolean {
		return this.server.listening;
	}

	get state(): EdgePhase {
		return this.phase;
	}

	useLogger(logger: Pick<Logger, "error">): void {
		this.logger = logger;
	}

	/** What /readyz says until a handler takes over, e.g. "starting: connecting to the transporter". */
	describeStarting(reason: () => string): void {
		this.startingReason = reason;
	}

	serve(handler: RequestHandler): void {
		this.handler = handler;
		this.phase = "serving";
	}

	/** From now on every request but /healthz gets 503, while the socket stays open. */
	stopServing(): void {
		this.handler = undefined;
		this.phase = "stopping";
	}

	/** Stops accepting connections and resolves once they are gone, cutting stragglers after a grace period. */
	close(graceMs = CLOSE_GRACE_MS): Promise<void> {
		this.stopServing();
		if (!this.server.listening) return Promise.resolve();
		return new Promise((resolve) => {
			const cut = setTimeout(() => this.server.closeAllConnections(), graceMs);
			cut.unref();
			this.server.close(() => {
				clearTimeout(cut);
				resolve();
			});
			this.server.closeIdleConnections();
		});
	}

	private onRequest(req: IncomingMessage, res: ServerResponse): void {
		res.setHeader("X-Request-Id", assignRequestId(req));
		res.setHeader("X-Content-Type-Options", "nosniff");
		res.setHeader("API-Version", API_VERSION);
		const handler = this.handler;
		if (!handler) {
			this.answerUnavailable(req, res);
			return;
		}
		try {
			const pending = handler(req, res);
			if (pending) pending.catch((err: unknown) => this.answerFailure(res, err));
		} catch (err) {
			this.answerFailure(res, err);
		}
	}

	private answerUnavailable(req: IncomingMessage, res: ServerResponse): void {
		const path = (req.url ?? "/").split("?")[0];
		const reason = this.phase === "stopping" ? "stopping: the node is shutting down" : this.startingReason();
		if (path === "/healthz") {
			writeJson(res, 200, { status: "ok" }, { "Cache-Control": "no-store" });
		} else if (path === "/readyz") {
			writeJson(res, 503, { status: "not-ready", reasons: [reason] }, { "Cache-Control": "no-store" });
		} else if (this.phase === "stopping") {
			writeErrorOf(res, 503, "SHUTTING_DOWN", "This node is shutting down; try again shortly");
		} else {
			writeErrorOf(res, 503, "STARTING", `This node is not ready yet (${reason}); try again shortly`);
		}
	}

	private answerFailure(res: ServerResponse, err: unknown): void {
		const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
		if (this.logger) this.logger.error(`[${requestIdOf(res.req)}] The gateway's request handler failed: ${detail}`);
		else process.emitWarning(`The gateway's request handler failed: ${detail}`);
		writeErrorOf(res, 500, "INTERNAL_ERROR", "Internal server error");
	}
}

const edgeServers = new WeakMap<ServiceBroker, EdgeServer>();

/** The edge server bound to this broker, if the entrypoint (or the gateway itself) made one. */
export function edgeServerOf(broker: ServiceBroker): EdgeServer | undefined {
	return edgeServers.get(broker);
}

export function bindEdgeServer(broker: ServiceBroker, edge: EdgeServer): void {
	edgeServers.set(broker, edge);
	edge.useLogger(broker.getLogger("edge-server"));
	edge.describeStarting(() =>
		broker.transit && !broker.transit.connected ? "starting: connecting to the transporter" : "starting: services are starting"
	);
}

/**
 * Opens the port for a broker that is about to start; the gateway service takes it over in its
 * `started` hook. Closed when the broker stops.
 */
export async function openEdgeServer(broker: ServiceBroker, port: number, host?: string, options?: EdgeServerOptions): Promise<EdgeServer> {
	const edge = new EdgeServer(options);
	bindEdgeServer(broker, edge);
	await edge.listen(port, host);
	broker.localBus.once("$broker.stopped", () => void edge.close());
	return edge;
}
