import { describe, expect, it } from "vitest";
import { delayAfterFailures, lockoutState } from "./lockout.ts";

const T0 = Date.UTC(2025, 10, 3, 14, 0, 0);
const MIN = 60_000;

// The stored history is just the failure times (the auth service keeps them in a table).
function failAt(times: number[]): number[] {
	return [...times];
}

describe("account lockout", () => {
	it("allows four failures freely and locks on the fifth within 15 minutes", () => {
		const four = failAt([T0, T0 + 1000, T0 + 2000, T0 + 3000]);
		expect(lockoutState(four, T0 + 3001)).toEqual({ locked: false, recentFailures: 4 });
		const five = [...four, T0 + 4000];
		expect(lockoutState(five, T0 + 4001)).toEqual({ locked: true, recentFailures: 5, retryAfterMs: MIN - 1, lockedUntil: T0 + 4000 + MIN });
		expect(lockoutState(five, T0 + 4000 + MIN).locked).toBe(false);
	});

	it("doubles the delay with every further failure, up to 15 minutes", () => {
		expect([4, 5, 6, 7, 8, 9, 10, 40].map((n) => delayAfterFailures(n) / MIN)).toEqual([0, 1, 2, 4, 8, 15, 15, 15]);
		let history = failAt([T0, T0 + 1, T0 + 2, T0 + 3, T0 + 4]);
		history = [...history, T0 + MIN + 4];
		expect(lockoutState(history, T0 + MIN + 5)).toMatchObject({ locked: true, recentFailures: 6, lockedUntil: T0 + 3 * MIN + 4 });
	});

	it("forgets failures older than 15 minutes", () => {
		const spread = failAt([T0, T0 + 4 * MIN, T0 + 8 * MIN, T0 + 12 * MIN, T0 + 16 * MIN]);
		expect(lockoutState(spread, T0 + 16 * MIN + 1)).toEqual({ locked: false, recentFailures: 4 });
	});

	it("is reset by a successful sign-in", () => {
		const locked = failAt([T0, T0 + 1, T0 + 2, T0 + 3, T0 + 4]);
		expect(lockoutState(locked, T0 + 5).locked).toBe(true);
		// Success clears the stored failures.
		const afterSuccess: number[] = [];
		expect(lockoutState(afterSuccess, T0 + 5)).toEqual({ locked: false, recentFailures: 0 });
		expect(lockoutState([...afterSuccess, T0 + 6], T0 + 7)).toEqual({ locked: false, recentFailures: 1 });
	});
});
