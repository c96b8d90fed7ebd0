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
 * Every response gets an X-Request-Id, `nosniff` and `API-Version: v1` (DESIGN.md) here, whichever
 * handler writes it.
 */
import http from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger, ServiceBroker } from "moleculer";
import { writeErrorOf, writeJson } from "./errors.ts";
import { assignRequestId, requestIdOf } from "./request-id.ts";

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export type EdgePhase = "starting" | "serving" | "stopping";

/** The public API's version, on every response (DESIGN.md "Public routes"). */
export const API_VERSION = "v1";

/** How long connections may finish their response when the server closes, before they are cut. */
const CLOSE_GRACE_MS = 2_000;

export class EdgeServer {
	readonly server: http.Server;
	private handler: RequestHandler | undefined;
	private phase: EdgePhase = "starting";
	private startingReason: () => string = () => "starting";
	private logger: Pick<Logger, "error"> | undefined;

	constructor() {
		this.server = http.createServer((req, res) => this.onRequest(req, res));
		this.server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
			// Malformed HTTP never reaches a handler; answer it in the same JSON shape when the socket still can.
			if (err.code === "ECONNRESET" || !socket.writable) {
				socket.destroy();
				return;
			}
			const body = JSON.stringify({ error: { type: "BAD_REQUEST", message: "Malformed HTTP request", code: 400 } });
			socket.end(
				`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`
			);
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
export async function openEdgeServer(broker: ServiceBroker, port: number, host?: string): Promise<EdgeServer> {
	const edge = new EdgeServer();
	bindEdgeServer(broker, edge);
	await edge.listen(port, host);
	broker.localBus.once("$broker.stopped", () => void edge.close());
	return edge;
}
