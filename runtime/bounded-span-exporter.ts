/**
 * Moleculer's Event trace exporter, sending finished spans as `$tracing.spans` events in batches
 * that always fit in one NATS message.
 *
 * Why not the stock exporter: it sends everything queued in its interval as one event; FACTS.md
 * saw such a batch cross NATS's 1 MB `max_payload` and crash the receiving node. Here a batch is
 * cut at BATCH_BYTES of JSON, and a single span larger than that (its params or response tags)
 * loses those tags, keeping a note of their size. Sizing costs a JSON.stringify per exported
 * span, which sampling keeps rare in production.
 */
import { TracerExporters } from "moleculer";

/** Well under NATS's 1 MB default, leaving room for the packet envelope and headers. */
const BATCH_BYTES = 256 * 1024;

type SpanData = Record<string, unknown> & { tags?: Record<string, unknown> };

function byteSize(value: unknown): number {
	return Buffer.byteLength(JSON.stringify(value) ?? "");
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
		const queue = (this as unknown as { queue: unknown[] }).queue;
		if (queue.length === 0) return;
		const spans = this.generateTracingData() as SpanData[];
		queue.length = 0;
		let batch: SpanData[] = [];
		let batchBytes = 0;
		for (const original of spans) {
			let span = original;
			let size = byteSize(span);
			if (size > BATCH_BYTES) {
				span = shrink(span, size);
				size = byteSize(span);
				if (size > BATCH_BYTES) {
					this.logger.warn(`Dropped a trace span of ${size} bytes: too large for one message`);
					continue;
				}
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
