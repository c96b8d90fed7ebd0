/** The storage tests' argument order over the shared poller in test/helpers/wait-for.ts. */
import { waitFor as poll } from "../helpers/wait-for.ts";

export function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, deadlineMs = 20_000, everyMs = 100): Promise<T> {
	return poll(probe, { message: what, timeoutMs: deadlineMs, intervalMs: everyMs });
}
