/**
 * Moleculer's Event trace exporter, sending finished spans as `$tracing.spans` events in batches
 * that always fit in one NATS message, and never able to end the process.
 *
 * Why not the stock exporter: it sends everything queued in its interval as one event; docs/decisions/0004-retries-and-payload-guard.md
 * saw such a batch cross NATS's 1 MB `max_payload` and crash the receiving node. Here a batch is
 * cut at BATCH_BYTES of JSON, and a single span larger than that (its params or response tags)
 * loses those tags, keeping a note of their size.
 *
 * Why every span is bounded again here, although the tracing middleware already summarises params
 * (head-sampled-tracing.middleware.ts): a service may add any tag to its span (`ctx.span.addTags`),
 * and an error's `data` often quotes what the client sent. Issue 9 saw JSON.stringify of one deep
 * span overflow the stack inside this exporter's timer, which nothing caught, and the node exited.
 * So tags and errors are copied through boundedCopy (depth, size and secrets capped, cycles and
 * BigInts made harmless) before anything is sized or sent, and whatever a flush still throws is
 * contained: logged, counted, and the spans of that flush dropped (runtime/fault-containment.ts).
 */
import { TracerExporters } from "moleculer";
import { type SummaryLimits, boundedCopy, jsonByteSize } from "./bounded-summary.ts";
import { containFault } from "./fault-containment.ts";

/** Well under NATS's 1 MB default, leaving room for the packet envelope and headers. */
const BATCH_BYTES = 256 * 1024;

/** Tags a service added itself may be a little richer than the params summary, but stay small. */
const EXPORTED_TAG_LIMITS: SummaryLimits = { maxDepth: 4, maxKeys: 48, maxItems: 16, maxString: 512, maxNodes: 1_000 };

/** Fields of an error a span keeps; `data` too, bounded and redacted like the tags. */
const ERROR_FIELDS = ["name", "message", "code", "type", "data"] as const;

type SpanData = Record<string, unknown> & { tags?: Record<string, unknown> };

function boundedError(error: unknown): unknown {
	if (typeof error !== "object" || error === null) return error ? { message: String(error) } : null;
	const picked: Record<string, unknown> = {};
	for (const field of ERROR_FIELDS) if (field in error) picked[field] = (error as Record<string, unknown>)[field];
	return boundedCopy(picked, EXPORTED_TAG_LIMITS);
}

/** The exported form of a span: the span's own fields, its tags and error bounded. */
function boundedSpan(span: object): SpanData {
	const out: SpanData = { ...(span as SpanData) };
	out.tags = boundedCopy(out.tags ?? {}, EXPORTED_TAG_LIMITS) as Record<string, unknown>;
	if (out.error) out.error = boundedError(out.error);
	if (Array.isArray(out.logs) && out.logs.length > 0) out.logs = boundedCopy(out.logs, EXPORTED_TAG_LIMITS);
	return out;
}

function shrink(span: SpanData, size: number): SpanData {
	const tags = { ...span.tags };
	for (const key of ["params", "response", "meta"]) {
		if (key in tags) tags[key] = `[dropped: the span was ${size} bytes]`;
	}
	return { ...span, tags };
}

export class BoundedSpanExporter extends TracerExporters.Event {
	override flush(): void {
		// The queue is a field of Moleculer's Event exporter that its typings leave out.
		const queue = (this as unknown as { queue: object[] }).queue;
		if (queue.length === 0) return;
		const spans = queue.splice(0);
		try {
			this.sendBounded(spans);
		} catch (err) {
			containFault(this.broker, "exporter", "BoundedSpanExporter", err);
		}
	}

	private sendBounded(spans: object[]): void {
		let batch: SpanData[] = [];
		let batchBytes = 0;
		for (const original of spans) {
			let span = boundedSpan(original);
			let size = jsonByteSize(span);
			if (size !== undefined && size > BATCH_BYTES) {
				span = shrink(span, size);
				size = jsonByteSize(span);
			}
			if (size === undefined || size > BATCH_BYTES) {
				this.logger.warn(`Dropped a trace span (${size === undefined ? "not serialisable" : `${size} bytes`}): it cannot be sent as one message`);
				continue;
			}
			if (batch.length > 0 && batchBytes + size > BATCH_BYTES) {
				this.send(batch);
				batch = [];
				batchBytes = 0;
			}
			batch.push(span);
			batchBytes += size;
		}
		if (batch.length > 0) this.send(batch);
	}

	private send(batch: SpanData[]): void {
		const { eventName = "$tracing.spans", broadcast, groups } = this.opts;
		const sent = broadcast ? this.broker.broadcast(eventName, batch, { groups }) : this.broker.emit(eventName, batch, { groups });
		// A span batch that cannot be delivered must not become an unhandled rejection.
		Promise.resolve(sent).catch((err: unknown) => this.logger.warn(`Could not send trace spans: ${String(err)}`));
	}
}
