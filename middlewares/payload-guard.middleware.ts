/**
 * No message size may crash a node.
 *
 * NATS refuses a message over the server's `max_payload` (1 MB by default) by throwing
 * `MAX_PAYLOAD_EXCEEDED` synchronously from `publish`. Moleculer does not expect that: an
 * oversize response leaves its caller waiting for the timeout, an oversize event (such as a
 * tracing span batch) throws out of `emit`, and docs/decisions/0004-retries-and-payload-guard.md saw it take down a node. This hook sits
 * where the serialized size is known and turns each case into a clear, bounded outcome:
 * - a response is replaced by an error response, so the caller fails at once with the reason;
 * - a request fails its own pending promise at once;
 * - an event or any other packet is dropped with an error log and a `$transit.error` event.
 */
import type { Middleware, ServiceBroker } from "moleculer";
import { Errors } from "moleculer";

/** The parts of Moleculer's Packet this hook reads (the class itself is not exported). */
interface Packet {
	type: string;
	target?: string | null;
	payload: Record<string, unknown>;
}

/** Headroom for NATS headers and protocol framing below the server's limit. */
const FRAMING_ALLOWANCE = 8 * 1024;
const NATS_DEFAULT_MAX_PAYLOAD = 1024 * 1024;

export class PayloadTooLargeError extends Errors.MoleculerError {
	constructor(what: string, bytes: number, limit: number) {
		super(
			`${what} is ${formatBytes(bytes)}, over the ${formatBytes(limit)} a message between nodes may carry; ` +
				"page the result or stream it",
			502,
			"PAYLOAD_TOO_LARGE",
			{ bytes, limit }
		);
		this.name = "PayloadTooLargeError";
	}
}

function formatBytes(n: number): string {
	return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} kB`;
}

type Send = (topic: string, data: Buffer, meta: { packet?: Packet }) => Promise<void>;

interface NatsLikeTransporter {
	client?: { info?: { max_payload?: number } };
}

export function PayloadGuardMiddleware(): Middleware {
	let broker: ServiceBroker;

	function limit(): number {
		const tx = broker.transit?.tx as NatsLikeTransporter | undefined;
		return (tx?.client?.info?.max_payload ?? NATS_DEFAULT_MAX_PAYLOAD) - FRAMING_ALLOWANCE;
	}

	return {
		name: "PayloadGuard",
		created(b: ServiceBroker) {
			broker = b;
		},
		transporterSend(next: Send): Send {
			return (topic, data, meta) => {
				const max = limit();
				if (data.length <= max) return next(topic, data, meta);
				const packet = meta.packet;
				const transit = broker.transit;
				const payload = packet?.payload ?? {};
				if (!transit || !packet) return Promise.resolve();

				if (packet.type === "RES") {
					const err = new PayloadTooLargeError("The response", data.length, max);
					broker.logger.error(`Refused to send a response to '${packet.target}': ${err.message}`);
					const replacement: Record<string, unknown> = { id: payload.id, meta: {}, headers: {}, success: false, data: null };
					replacement.error = transit._createPayloadErrorField(err, replacement);
					const errorPacket: Packet = { type: "RES", target: packet.target, payload: replacement };
					// The transporter's serialize only reads type and payload, so a plain object will do.
					return next(topic, transit.tx.serialize(errorPacket as Parameters<typeof transit.tx.serialize>[0]), { packet: errorPacket });
				}

				if (packet.type === "REQ") {
					const err = new PayloadTooLargeError(`The request to '${String(payload.action)}'`, data.length, max);
					const pending = transit.pendingRequests.get(String(payload.id));
					transit.pendingRequests.delete(String(payload.id));
					pending?.reject(err);
					return Promise.resolve();
				}

				const err = new PayloadTooLargeError(`A '${packet.type}' packet (${String(payload.event ?? topic)})`, data.length, max);
				broker.logger.error(`Dropped an outgoing message: ${err.message}`);
				broker.broadcastLocal("$transit.error", { error: err, module: "transit", type: "payloadTooLarge" }).catch(() => undefined);
				return Promise.resolve();
			};
		}
	} as unknown as Middleware; // moleculer 0.15 types transporterSend as returning a Promise, not the wrapped send
}
