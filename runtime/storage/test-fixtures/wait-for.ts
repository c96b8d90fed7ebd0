/** Polls a condition until it holds or a deadline passes: tests wait for states, never for fixed times. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, deadlineMs = 20_000, everyMs = 100): Promise<T> {
	const until = Date.now() + deadlineMs;
	let lastError: unknown;
	for (;;) {
		try {
			const value = await probe();
			if (value !== undefined && value !== false) return value;
		} catch (err) {
			lastError = err;
		}
		if (Date.now() > until) {
			throw new Error(`Timed out after ${deadlineMs} ms waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ""}`);
		}
		await new Promise((resolve) => setTimeout(resolve, everyMs));
	}
}
