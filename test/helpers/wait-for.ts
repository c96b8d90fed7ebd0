/**
 * Waiting for a condition with a deadline, never a fixed sleep: on a busy 2-core machine a fixed
 * sleep is either too short (flaky) or too long (slow); a poll is as quick as the system allows.
 */

export interface WaitOptions {
	/** Give up after this long. */
	timeoutMs?: number;
	intervalMs?: number;
	/** What was awaited, for the failure message; a function is read only on failure (e.g. node logs). */
	message?: string | (() => string);
}

export const DEFAULT_WAIT_MS = 10_000;

/** Resolves after `ms`; for pacing a poll only, never to wait for something to happen. */
export function pause(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

function describeValue(value: unknown): string {
	try {
		const text = JSON.stringify(value);
		return text.length > 500 ? `${text.slice(0, 500)}...` : text;
	} catch {
		return String(value);
	}
}

/**
 * Polls `condition` until it returns a value other than undefined, null or false, and resolves
 * with it. A condition that throws counts as "not yet"; the last error and the last value are in
 * the failure message, so a timeout says what was seen instead.
 */
export async function waitFor<T>(
	condition: () => T | undefined | null | false | Promise<T | undefined | null | false>,
	options: WaitOptions = {}
): Promise<T> {
	const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
	const intervalMs = options.intervalMs ?? 50;
	const deadline = performance.now() + timeoutMs;
	let lastError: unknown;
	let lastValue: unknown;
	for (;;) {
		try {
			const value = await condition();
			if (value !== undefined && value !== null && value !== false) return value;
			lastValue = value;
			lastError = undefined;
		} catch (err) {
			lastError = err;
		}
		if (performance.now() >= deadline) {
			const what = typeof options.message === "function" ? options.message() : (options.message ?? "a condition");
			const seen = lastError instanceof Error ? `last error: ${lastError.message}` : `last value: ${describeValue(lastValue)}`;
			throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what} (${seen})`);
		}
		await pause(Math.min(intervalMs, Math.max(1, deadline - performance.now())));
	}
}

/** Runs `fn` and returns its result with how long it took. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
	const started = performance.now();
	const value = await fn();
	return { value, ms: performance.now() - started };
}

/**
 * Checks that `condition` stays true for `forMs` (e.g. "no second transition for 3 s"), failing
 * as soon as it turns false. A behaviour over time, so it takes that time by design.
 */
export async function holdsFor(
	condition: () => boolean | Promise<boolean>,
	options: { forMs: number; intervalMs?: number; message?: string | (() => string) }
): Promise<void> {
	const until = performance.now() + options.forMs;
	for (;;) {
		if (!(await condition())) {
			const what = typeof options.message === "function" ? options.message() : (options.message ?? "a condition");
			throw new Error(`Expected ${what} to hold for ${options.forMs} ms; it stopped holding`);
		}
		if (performance.now() >= until) return;
		await pause(Math.min(options.intervalMs ?? 100, Math.max(1, until - performance.now())));
	}
}
