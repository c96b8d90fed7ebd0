/**
 * Calls an action of the health service from the console, waiting a bounded time for one to be
 * reachable, and turns "no health service" into a sentence an operator can act on.
 */
import type { ServiceBroker } from "moleculer";

export type HealthAnswer<T> = { ok: true; value: T } | { ok: false; message: string };

export async function askHealth<T>(broker: ServiceBroker, action: string, params: Record<string, unknown>, timeoutMs: number): Promise<HealthAnswer<T>> {
	try {
		await broker.waitForServices("health", timeoutMs, 100);
		return { ok: true, value: (await broker.call(`health.${action}`, params, { timeout: timeoutMs })) as T };
	} catch (err) {
		const why = err instanceof Error ? err.message : String(err);
		const ns = broker.namespace ? `namespace "${broker.namespace}"` : "the default namespace";
		return {
			ok: false,
			message:
				`No health service is reachable (${why}).\n` +
				`Start a node whose SERVICES include "health" with the same TRANSPORTER and NAMESPACE (this console is in ${ns}).`
		};
	}
}
