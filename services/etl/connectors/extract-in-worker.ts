/**
 * `extractTransform` on a worker thread: reading, parsing, hashing and validating documents
 * (connectors/extract-worker.ts) run beside the thread that loads the previous batch into the
 * database, instead of taking turns with it. On the ETL benchmark they were two thirds of the
 * loading thread's time: JSON.parse, sha256, zod, the URL readers and their garbage.
 *
 * What the worker sends comes back in the order it was sent, progress and issues included (the
 * runner ties a document to the list page reported before it). The worker runs ahead by at most
 * `windowItems` source items, so a slow database holds back reading instead of filling memory.
 * An abort (cancel, lost lease, node stopping) or a failure ends the worker; a failure inside it
 * surfaces here as an Error with its message.
 */
import { Worker } from "node:worker_threads";
import type { FetchProgress } from "../http/fetcher.ts";
import { type PackedBallots, unpackBallots } from "../records/ballot-columns.ts";
import type { DataQualityIssue } from "../records/data-quality.ts";
import type { SourceName } from "../records/raw-document.ts";
import type { ExtractTransformOptions, TransformStep } from "./extract-transform.ts";
import type { ConnectorConfig } from "./registry.ts";

/** What a worker is started with: all of it plain data (the callbacks stay on this side). */
export interface WorkerInput {
	source: SourceName;
	config: ConnectorConfig;
	options: Omit<ExtractTransformOptions, "signal" | "onIssue" | "onProgress" | "http"> & { http?: Omit<NonNullable<ExtractTransformOptions["http"]>, "onRetry"> };
	windowItems: number;
}

/** A step as posted: ballots packed, and a page kept as text without its parsed body. */
export type PostedStep = Omit<TransformStep, "ballots"> & { ballots?: PackedBallots };

export type WorkerMessage =
	| { type: "step"; step: PostedStep }
	| { type: "issue"; issue: DataQualityIssue }
	| { type: "progress"; progress: FetchProgress }
	| { type: "error"; name: string; message: string }
	| { type: "done" };

export type ParentMessage = { type: "credit"; items: number } | { type: "abort"; reason: string };

export interface WorkerExtractOptions extends Omit<ExtractTransformOptions, "http"> {
	http?: WorkerInput["options"]["http"];
	/** Source items the worker may read ahead of the consumer (default 50,000: a few pages of ballots). */
	windowItems?: number;
}

const WORKER_URL = new URL("./extract-worker.ts", import.meta.url);

export async function* extractTransformInWorker(source: SourceName, config: WorkerInput["config"], options: WorkerExtractOptions = {}): AsyncGenerator<TransformStep> {
	const { signal, onIssue, onProgress, windowItems = 50_000, ...plain } = options;
	signal?.throwIfAborted();
	const input: WorkerInput = { source, config, options: plain, windowItems };
	const worker = new Worker(WORKER_URL, { workerData: input, name: `etl-extract-${source}` });
	const queue: WorkerMessage[] = [];
	let head = 0;
	let failure: Error | undefined;
	let exited = false;
	let wake: (() => void) | undefined;
	const notify = (): void => {
		const w = wake;
		wake = undefined;
		w?.();
	};
	worker.on("message", (message: WorkerMessage) => {
		queue.push(message);
		notify();
	});
	worker.on("error", (error) => {
		failure = error;
		notify();
	});
	worker.on("exit", () => {
		exited = true;
		notify();
	});
	const onAbort = (): void => {
		worker.postMessage({ type: "abort", reason: String(signal?.reason) } satisfies ParentMessage);
		notify();
	};
	signal?.addEventListener("abort", onAbort, { once: true });
	// One instance per distinct string for the whole run, as the worker's validation gives its side.
	const strings = new Map<string, string>();
	const intern = (value: string): string => {
		const known = strings.get(value);
		if (known !== undefined) return known;
		strings.set(value, value);
		return value;
	};
	try {
		for (;;) {
			signal?.throwIfAborted();
			const message = queue[head];
			if (message === undefined) {
				if (failure) throw failure;
				if (exited) throw new Error("the extraction worker stopped before it finished");
				await new Promise<void>((resolve) => {
					wake = resolve;
				});
				continue;
			}
			queue[head++] = undefined as unknown as WorkerMessage;
			if (head > 1_024) {
				queue.splice(0, head);
				head = 0;
			}
			switch (message.type) {
				case "issue":
					onIssue?.(message.issue);
					break;
				case "progress":
					onProgress?.(message.progress);
					break;
				case "step": {
					worker.postMessage({ type: "credit", items: message.step.items } satisfies ParentMessage);
					const { ballots, ...step } = message.step;
					yield { ...step, ballots: ballots ? unpackBallots(ballots, intern) : undefined };
					break;
				}
				case "error": {
					const error = new Error(message.message);
					error.name = message.name;
					throw error;
				}
				case "done":
					return;
			}
		}
	} finally {
		signal?.removeEventListener("abort", onAbort);
		await worker.terminate();
	}
}
