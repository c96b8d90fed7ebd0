/** HTTP load with autocannon, and the bounded wait for a URL to start answering. */
import autocannon from "autocannon";
import type { Log, Sample } from "./scenario.ts";
import { processCpuMicros } from "./process-cpu.ts";

export interface LoadOptions {
	seconds: number;
	connections: number;
	/** Processes whose CPU time per request is reported (the server side, not autocannon). */
	pids: readonly (number | undefined)[];
	log: Log;
}

/**
 * Requests per connection before autocannon opens a new one. The gateway asks a client to
 * reconnect after 1,000 requests on one connection (edge-server.ts, `Connection: close`), as
 * browsers do; autocannon ignores that and keeps sending, and node:http answers each further
 * request on the socket with a cheap 503, which flattered a variant by up to 80 % of its "req/s".
 */
const RECONNECT_EVERY = 900;

function cpuOf(pids: readonly (number | undefined)[]): number {
	return pids.reduce((sum: number, pid) => sum + processCpuMicros(pid), 0);
}

/** Requests/s, latency and server CPU per request; throws when over 1 % of the answers failed. */
export async function loadUrl(url: string, options: LoadOptions): Promise<Sample> {
	const cpuBefore = cpuOf(options.pids);
	const result = await autocannon({ url, connections: options.connections, duration: options.seconds, reconnectRate: RECONNECT_EVERY });
	const cpu = cpuOf(options.pids) - cpuBefore;
	const failed = result.errors + result.timeouts + result.non2xx;
	// A variant that answers errors is measuring its error path, not the request path: its figures are worthless.
	if (failed > result.requests.total / 100) {
		throw new Error(`${failed} of ${result.requests.total} requests failed on ${url} (errors ${result.errors}, timeouts ${result.timeouts}, status ${JSON.stringify(result.statusCodeStats)})`);
	}
	if (failed > 0) options.log(`  warning: ${failed} failed requests on ${url} (errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx})`);
	return { perSecond: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99, cpuUsPerOp: cpu / Math.max(1, result.requests.total) };
}

/** Polls until `url` answers 200 (discovery and auto-aliases take a moment), for at most `timeoutMs`. */
export async function waitUntilServing(url: string, timeoutMs = 30_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	let last = "";
	while (Date.now() < deadline) {
		try {
			const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
			await res.arrayBuffer();
			if (res.status === 200) return;
			last = `HTTP ${res.status}`;
		} catch (err) {
			last = String(err);
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s (last: ${last})`);
}
