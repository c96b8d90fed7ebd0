/**
 * The worker side of connectors/extract-in-worker.ts: runs one run's `extractTransform` and posts
 * each step, issue and progress report to the loading thread, in order, waiting for credit when it
 * is `windowItems` source items ahead.
 */
import { parentPort, workerData } from "node:worker_threads";
import { packBallots } from "../records/ballot-columns.ts";
import { extractTransform } from "./extract-transform.ts";
import type { ParentMessage, PostedStep, WorkerInput, WorkerMessage } from "./extract-in-worker.ts";
import { createConnector } from "./registry.ts";

const port = parentPort;
if (!port) throw new Error("extract-worker.ts runs as a worker thread (connectors/extract-in-worker.ts)");
const input = workerData as WorkerInput;
const controller = new AbortController();
let credit = input.windowItems;
let wake: (() => void) | undefined;

port.on("message", (message: ParentMessage) => {
	if (message.type === "credit") credit += message.items;
	else controller.abort(new Error(message.reason));
	const w = wake;
	wake = undefined;
	w?.();
});

const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

async function run(): Promise<void> {
	const connector = createConnector(input.source, input.config);
	const steps = extractTransform(connector, {
		...input.options,
		signal: controller.signal,
		onIssue: (issue) => post({ type: "issue", issue }),
		onProgress: (progress) => post({ type: "progress", progress })
	});
	for await (const step of steps) {
		while (credit <= 0 && !controller.signal.aborted) {
			await new Promise<void>((resolve) => {
				wake = resolve;
			});
		}
		controller.signal.throwIfAborted();
		credit -= step.items;
		const { ballots, document, ...rest } = step;
		// A page kept as text goes as text: its parsed body would be serialised item by item.
		const posted: PostedStep = { ...rest, document: document.text === undefined ? document : { ...document, body: undefined } };
		if (ballots && ballots.length > 0) {
			const { packed, transfer } = packBallots(ballots);
			post({ type: "step", step: { ...posted, ballots: packed } }, transfer);
		} else post({ type: "step", step: posted });
	}
	post({ type: "done" });
}

run().catch((error: unknown) => {
	post({ type: "error", name: error instanceof Error ? error.name : "Error", message: error instanceof Error ? error.message : String(error) });
});
