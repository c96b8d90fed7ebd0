/**
 * Executes one run that `startRun` admitted: extract → validate → transform → load in batches,
 * a checkpoint committed with every batch, the lease renewed while it works, progress reported,
 * domain events handed out after each commit. A run resumed from an interrupted one starts where
 * that one's last checkpoint says: for openparliament over HTTP at the page it was on (following
 * next_url from there), otherwise by skipping the documents already loaded.
 */
import type { Database } from "../../../runtime/storage/database.ts";
import type { DocumentStore } from "../../../runtime/storage/document-store.ts";
import type { ExtractOptions } from "../connectors/connector.ts";
import { extractTransformInWorker } from "../connectors/extract-in-worker.ts";
import type { OpenparliamentConfig, OpenparliamentResource } from "../connectors/openparliament.ts";
import type { FetchProgress } from "../http/fetcher.ts";
import { type DomainEvent, Loader } from "./loader.ts";
import type { ConnectorConfig } from "../connectors/registry.ts";
import { readMemberDirectory } from "./member-directory.ts";
import {
	type Checkpoint,
	type CheckpointPosition,
	type Run,
	type RunCounts,
	type RunProgress,
	ZERO_COUNTS,
	cancelRequested,
	finishRun,
	markRunning,
	expireLease,
	releaseLease,
	renewLease,
	saveCheckpoint
} from "./runs.ts";

export interface RunnerOptions {
	db: Database;
	documents?: DocumentStore;
	leaseTtlMs: number;
	/** Documents per batch (one transaction and one checkpoint each). */
	batchDocuments: number;
	/** Records per batch, whichever comes first. */
	batchRecords: number;
	openparliament?: OpenparliamentConfig;
	http?: ExtractOptions["http"];
	onProgress(run: Run): void;
	onEvents(events: DomainEvent[]): void;
	log(level: "info" | "warn", message: string): void;
}

export interface ActiveRun {
	run: Run;
	controller: AbortController;
	done: Promise<Run>;
}

const OPENPARLIAMENT_ORDER: OpenparliamentResource[] = ["politicians", "bills", "votes", "ballots"];

class LeaseLost extends Error {}
/** Abort reason of a run an operator cancelled. */
export class RunCancelled extends Error {
	override name = "RunCancelled";
}
/**
 * Abort reason when the node stops gracefully (a rolling deploy): the run is left `running` with
 * its lease expired at once, so the next run of the source resumes from the checkpoint right away.
 */
export class NodeStopping extends Error {
	override name = "NodeStopping";
}

function add(counts: RunCounts, more: Partial<RunCounts>): RunCounts {
	return {
		fetched: counts.fetched + (more.fetched ?? 0),
		inserted: counts.inserted + (more.inserted ?? 0),
		updated: counts.updated + (more.updated ?? 0),
		unchanged: counts.unchanged + (more.unchanged ?? 0),
		invalid: counts.invalid + (more.invalid ?? 0)
	};
}

/** The openparliament connector set to continue at the checkpoint's page, or undefined when it cannot. */
function resumeConfig(base: OpenparliamentConfig | undefined, position: CheckpointPosition): OpenparliamentConfig | undefined {
	if (!position.resource || !position.pageUrl) return undefined;
	const resources = base?.resources ?? OPENPARLIAMENT_ORDER;
	const at = resources.indexOf(position.resource as OpenparliamentResource);
	if (at < 0) return undefined;
	return { ...base, resources: resources.slice(at), paths: { ...base?.paths, [position.resource]: position.pageUrl } };
}

export function executeRun(run: Run, resumeFrom: Checkpoint | undefined, options: RunnerOptions): ActiveRun {
	const controller = new AbortController();
	const active: ActiveRun = { run, controller, done: Promise.resolve(run) };
	active.done = execute(active, resumeFrom, options);
	return active;
}

async function execute(active: ActiveRun, resumeFrom: Checkpoint | undefined, options: RunnerOptions): Promise<Run> {
	const { db } = options;
	const run = active.run;
	const signal = active.controller.signal;
	const startedAt = performance.now();
	let counts: RunCounts = resumeFrom ? { ...resumeFrom.counts } : { ...ZERO_COUNTS };
	const position: CheckpointPosition = { documents: resumeFrom?.position.documents ?? 0 };
	const progress: RunProgress = { documents: position.documents };

	// Where extraction starts: at the checkpoint's page for openparliament over HTTP, else from the top, skipping.
	let skip = 0;
	let openparliament = options.openparliament;
	if (resumeFrom) {
		const fromPage = run.source === "openparliament" && !run.params.file ? resumeConfig(options.openparliament, resumeFrom.position) : undefined;
		if (fromPage) {
			openparliament = fromPage;
			skip = resumeFrom.position.skipInPage ?? 0;
			Object.assign(position, { resource: resumeFrom.position.resource, pageUrl: resumeFrom.position.pageUrl, skipInPage: skip });
		} else skip = resumeFrom.position.documents;
	}

	const loader = new Loader({ db, runId: run.id, ...(options.documents ? { documents: options.documents } : {}) });
	let leaseLost = false;
	const renewEvery = Math.max(100, Math.floor(options.leaseTtlMs / 3));
	const renewal = setInterval(() => {
		void (async () => {
			try {
				if (!(await renewLease(db, run.source, run.id, options.leaseTtlMs))) {
					leaseLost = true;
					active.controller.abort(new LeaseLost("the lease was lost (expired and taken over)"));
				} else if (await cancelRequested(db, run.id)) {
					active.controller.abort(new RunCancelled("cancelled by an operator"));
				}
			} catch (err) {
				options.log("warn", `run ${run.id}: lease renewal failed: ${err instanceof Error ? err.message : String(err)}`);
			}
		})();
	}, renewEvery);
	renewal.unref();

	let lastReport = 0;
	const report = (force: boolean): void => {
		const now = performance.now();
		if (!force && now - lastReport < 250) return;
		lastReport = now;
		active.run = { ...active.run, ...counts, progress: { ...progress } };
		options.onProgress(active.run);
	};

	// The page each document came from: the fetcher reports a list page before yielding its first item.
	let currentPage: string | undefined;
	let pageStart = 0;
	let seen = 0;
	let lastPages = 0;
	const onFetch = (p: FetchProgress): void => {
		progress.requests = p.requests;
		progress.pages = p.pages;
		progress.url = p.url;
		if (p.pages !== lastPages) {
			lastPages = p.pages;
			currentPage = p.url;
			pageStart = seen;
		}
	};

	const flush = async (): Promise<void> => {
		// Taken before the first await: the loader swaps its buffers synchronously, and extraction
		// goes on (counting fetched documents) while this batch is written.
		const snapshot: CheckpointPosition = { ...position };
		const fetched = counts.fetched;
		const progressAt = { ...progress };
		const result = await loader.flush(async (tx, r) => {
			const next = { ...add(counts, { ...r.counts, invalid: r.issues }), fetched };
			await saveCheckpoint(tx, run, snapshot, next, progressAt);
		});
		counts = add(counts, { ...result.counts, invalid: result.issues });
		if (result.events.length > 0) options.onEvents(result.events);
		report(true);
	};
	// One batch is written while the next is extracted and transformed; batches commit in order.
	let writing: Promise<void> = Promise.resolve();
	const flushBehind = async (): Promise<void> => {
		await writing;
		writing = flush();
		// Surfaces a failed write at the next batch boundary at the latest (and never unhandled).
		writing.catch(() => undefined);
	};

	try {
		await markRunning(db, run.id, counts);
		active.run = { ...active.run, status: "running", startedAt: new Date().toISOString() };
		report(true);
		let connectorConfig: ConnectorConfig = openparliament ? { openparliament } : {};
		if (run.source === "ourcommons") {
			// It matches members to the politicians loaded so far, and skips a resumed run's loaded documents unfetched.
			connectorConfig = { ourcommons: { directory: await readMemberDirectory(db), ...(skip > 0 ? { skipItems: skip } : {}) } };
			skip = 0;
		}
		const steps = extractTransformInWorker(run.source, connectorConfig, {
			...(run.params.url ? { url: run.params.url } : {}),
			...(run.params.file ? { file: run.params.file } : {}),
			...(options.http ? { http: options.http } : {}),
			signal,
			onIssue: (issue) => loader.addIssue(issue),
			onProgress: onFetch
		});
		for await (const step of steps) {
			// Counted in source items (a page of ballots is one step of many items), as checkpoints are.
			const before = seen;
			seen += step.items;
			if (seen <= skip) continue;
			signal.throwIfAborted();
			loader.add(step);
			const fresh = seen - Math.max(before, skip);
			counts = add(counts, { fetched: fresh });
			position.documents += fresh;
			progress.documents = position.documents;
			if (currentPage !== undefined) {
				position.resource = step.document.resource;
				position.pageUrl = currentPage;
				// On a resumed run the first page's earlier items were skipped but still count as done.
				position.skipInPage = seen - pageStart;
			}
			if (loader.pendingDocuments >= options.batchDocuments || loader.pendingRecords >= options.batchRecords) await flushBehind();
			else report(false);
		}
		// Always, even when empty: the final checkpoint and counts are committed with the last batch.
		await flushBehind();
		await writing;
		const finished = await finishRun(db, run.id, "succeeded", counts, { ...progress }, null);
		options.log("info", `run ${run.id} (${run.source}) succeeded in ${Math.round(performance.now() - startedAt)} ms: ${JSON.stringify(counts)}`);
		active.run = finished ?? { ...active.run, status: "succeeded" };
	} catch (err) {
		await writing.catch(() => undefined);
		const reason: unknown = signal.aborted ? signal.reason : err;
		if (reason instanceof NodeStopping) {
			options.log("warn", `run ${run.id} (${run.source}) interrupted: the node is stopping; the next run resumes it`);
			clearInterval(renewal);
			await expireLease(db, run.source, run.id).catch(() => undefined);
			leaseLost = true;
			return active.run;
		}
		const cancelled = reason instanceof RunCancelled;
		const message = reason instanceof Error ? reason.message : String(reason);
		options.log("warn", `run ${run.id} (${run.source}) ${cancelled ? "cancelled" : `failed: ${message}`}`);
		// A lost lease means another run owns the source now; this one only records why it stopped.
		const finished = await finishRun(db, run.id, cancelled ? "cancelled" : "failed", counts, { ...progress }, cancelled ? null : message).catch(() => undefined);
		active.run = finished ?? { ...active.run, status: cancelled ? "cancelled" : "failed", error: message };
	} finally {
		clearInterval(renewal);
		if (!leaseLost) await releaseLease(db, run.source, run.id).catch(() => undefined);
		await Loader.dropStaging(db, run.id).catch(() => undefined);
	}
	report(true);
	return active.run;
}
