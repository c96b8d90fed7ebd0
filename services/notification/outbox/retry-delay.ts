/**
 * When a failed delivery is tried again: exponential backoff with full jitter (AWS Architecture
 * Blog, "Exponential Backoff and Jitter"), so receivers that came back are not hit by every
 * node's retries in the same instant.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
	const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
	// Never zero: at least half the step, so a flapping receiver still gets a pause.
	return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
