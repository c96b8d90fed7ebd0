/**
 * Account lockout as a pure function of recent failure times: the caller stores the failures (the
 * auth service in auth.login_failures, cleared on success) and asks before checking a password. After 5 failures within 15 minutes
 * each further attempt waits longer (1, 2, 4, 8 minutes, capped at 15), so guessing one account costs
 * hours while its owner, after a few typos, waits a minute.
 */

export interface LockoutPolicy {
	windowMs: number;
	freeFailures: number;
	baseDelayMs: number;
	maxDelayMs: number;
}

export const DEFAULT_LOCKOUT_POLICY: Readonly<LockoutPolicy> = Object.freeze({
	windowMs: 15 * 60_000,
	freeFailures: 5,
	baseDelayMs: 60_000,
	maxDelayMs: 15 * 60_000
});

export type LockoutState =
	| { locked: false; recentFailures: number }
	| { locked: true; recentFailures: number; retryAfterMs: number; lockedUntil: number };

function recent(failures: readonly number[], now: number, policy: LockoutPolicy): number[] {
	return failures.filter((at) => at > now - policy.windowMs && at <= now).sort((a, b) => a - b);
}

/** The delay imposed after the failure that brought the count to `count`. */
export function delayAfterFailures(count: number, policy: LockoutPolicy = DEFAULT_LOCKOUT_POLICY): number {
	if (count < policy.freeFailures) return 0;
	const doublings = Math.min(count - policy.freeFailures, 30);
	return Math.min(policy.baseDelayMs * 2 ** doublings, policy.maxDelayMs);
}

export function lockoutState(failures: readonly number[], now: number, policy: LockoutPolicy = DEFAULT_LOCKOUT_POLICY): LockoutState {
	const window = recent(failures, now, policy);
	const last = window.at(-1);
	const delay = delayAfterFailures(window.length, policy);
	if (last === undefined || delay === 0 || now >= last + delay) return { locked: false, recentFailures: window.length };
	return { locked: true, recentFailures: window.length, retryAfterMs: last + delay - now, lockedUntil: last + delay };
}
