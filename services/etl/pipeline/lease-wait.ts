/**
 * What a refused run says about the lease in its way, and `--wait`: trying again until the lease
 * is free, showing the countdown to its expiry, never longer than that expiry (plus a little grace
 * for the clocks' rounding). A holder that keeps renewing past it is alive and at work: waiting on
 * would be open-ended, so the wait ends there with the refusal.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { LeaseInfo } from "./runs.ts";

/** "an openparliament run", "an ocd run", "a legisinfo run": by the first letter, as the names are read. */
export function withArticle(source: string): string {
	return `${/^[aeiou]/i.test(source) ? "an" : "a"} ${source}`;
}

function seconds(ms: number): string {
	return `${Math.max(0, Math.ceil(ms / 1000))} s`;
}

function holderText(lease: Pick<LeaseInfo, "nodeID" | "pid" | "hostname">): string {
	return lease.pid !== null && lease.hostname !== null ? `${lease.nodeID} (pid ${lease.pid} on ${lease.hostname})` : lease.nodeID;
}

export function busyMessage(source: string, lease: LeaseInfo): string {
	const sentence = withArticle(source);
	return (
		`${sentence.charAt(0).toUpperCase()}${sentence.slice(1)} run is already running: run ${lease.runId} on ${holderText(lease)}, ` +
		`last renewed ${seconds(lease.renewedAgoMs)} ago (${lease.renewedAt}); its lease expires at ${lease.expiresAt}, in ${seconds(lease.expiresInMs)}, unless renewed`
	);
}

export interface BusySource {
	source: string;
	lease: LeaseInfo;
	message: string;
}

/** The lease a refusal (409 ETL_RUN_IN_PROGRESS) names, or undefined for any other error. */
export function busySourceOf(err: unknown): BusySource | undefined {
	if (err === null || typeof err !== "object") return undefined;
	const e = err as { code?: unknown; type?: unknown; message?: unknown; data?: unknown };
	if (e.code !== 409 || e.type !== "ETL_RUN_IN_PROGRESS" || e.data === null || typeof e.data !== "object") return undefined;
	const data = e.data as Partial<LeaseInfo> & { source?: unknown };
	if (typeof data.expiresInMs !== "number" || typeof data.runId !== "string" || typeof data.source !== "string") return undefined;
	return { source: data.source, lease: data as LeaseInfo, message: typeof e.message === "string" ? e.message : "source busy" };
}

export class LeaseStillHeld extends Error {
	override name = "LeaseStillHeld";
	readonly busy: BusySource;
	constructor(busy: BusySource, waitedMs: number) {
		super(
			`${busy.message}. Waited ${seconds(waitedMs)}: ${holderText(busy.lease)} kept renewing the lease, so it is alive; ` +
				`cancel run ${busy.lease.runId} (etl.cancel) or try again when it has finished`
		);
		this.busy = busy;
	}
}

export interface WaitOptions {
	/** Called when the source is busy and on every tick of the wait, with the time left. */
	onWait(busy: BusySource, remainingMs: number): void;
	/** How often to try again (the holder may finish, or be seen gone, before the expiry). */
	pollMs?: number;
	/** Added to the first expiry seen: the takeover is decided by the database's clock. */
	graceMs?: number;
	signal?: AbortSignal;
}

/** `attempt` until it is not refused for a busy source, bounded by the first refusal's lease expiry. */
export async function retryWhileBusy<T>(attempt: () => Promise<T>, options: WaitOptions): Promise<T> {
	const pollMs = options.pollMs ?? 1_000;
	const startedAt = performance.now();
	let deadline: number | undefined;
	for (;;) {
		let busy: BusySource | undefined;
		try {
			return await attempt();
		} catch (err) {
			busy = busySourceOf(err);
			if (!busy) throw err;
		}
		deadline ??= startedAt + busy.lease.expiresInMs + (options.graceMs ?? 1_500);
		const remaining = deadline - performance.now();
		if (remaining <= 0) throw new LeaseStillHeld(busy, performance.now() - startedAt);
		options.onWait(busy, remaining);
		await sleep(Math.min(pollMs, remaining), undefined, options.signal ? { signal: options.signal } : undefined);
	}
}
