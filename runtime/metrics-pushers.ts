/**
 * A metric source that keeps its numbers aside (the lean metrics middleware) registers here how to
 * write them into the broker's registry; the Prometheus reporter asks for that just before a
 * scrape. The seam sits in runtime/ so the reporter needs no import of the middleware above it.
 */
import type { ServiceBroker } from "moleculer";

const pushers = new WeakMap<ServiceBroker, () => void>();

export function registerMetricsPusher(broker: ServiceBroker, push: () => void): void {
	pushers.set(broker, push);
}

/** Writes the numbers kept aside for `broker` into its metric registry now. */
export function pushLeanMetrics(broker: ServiceBroker): void {
	pushers.get(broker)?.();
}
