/**
 * What happens to an exception no caller is waiting for (docs/decisions/0010-edge-threat-model.md,
 * "Faults off the request path").
 *
 * - Contained at the source: the platform's own background work (the span exporter's flush timer,
 *   the gateway's stream timers, every service's event handlers) runs through `containFault`: a
 *   failure is logged with its stack, counted in `platform_faults_contained_total{source,component}`,
 *   and the node keeps serving. Such work holds no request and no half-updated state worth dying
 *   for; a node that exits instead drops every in-flight request with it, and issue 9 saw one
 *   client's request end a node that way.
 * - Unhandled promise rejections: a promise nobody awaited failed. Logged and counted the same
 *   way (source "process"), and the node keeps serving: no stack was unwound half-way by it.
 * - An uncaught exception from anywhere else is a programming error that did unwind a stack at an
 *   unknown point: it is logged and counted, then the broker stops (bounded) and the process exits
 *   with code 1, so the orchestrator starts a clean one rather than leaving a possibly corrupted
 *   process serving. Moleculer's own SIGINT/SIGTERM handlers stay as they are (measured on the project's machines).
 */
import type { Context, Middleware, ServiceBroker } from "moleculer";

export const FAULTS_METRIC = "platform.faults.contained.total";

export type FaultSource = "timer" | "event" | "exporter" | "process";

/** How long an uncaught exception may let the broker stop before the process exits anyway. */
const STOP_ON_FATAL_MS = 5_000;

function ensureMetric(broker: ServiceBroker): boolean {
	const metrics = broker.metrics;
	if (!broker.isMetricsEnabled()) return false;
	if (!metrics.hasMetric(FAULTS_METRIC)) {
		metrics.register({
			type: "counter",
			name: FAULTS_METRIC,
			labelNames: ["source", "component"],
			description: "Exceptions from background work that were logged and contained instead of ending the process"
		});
	}
	return true;
}

function describe(err: unknown): string {
	try {
		return err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
	} catch {
		return "[an exception that cannot be described]";
	}
}

/** Logs and counts a contained fault; never throws itself. */
export function containFault(broker: ServiceBroker, source: FaultSource, component: string, err: unknown): void {
	try {
		broker.logger.error(`Contained a failure in ${source} '${component}'; the node keeps serving: ${describe(err)}`);
		if (ensureMetric(broker)) broker.metrics.increment(FAULTS_METRIC, { source, component });
	} catch {
		// The logger or the registry itself failed: there is nothing left to report to.
	}
}

/** `fn`, with whatever it throws or rejects with contained. */
export function contained<A extends unknown[]>(broker: ServiceBroker, source: FaultSource, component: string, fn: (...args: A) => unknown): (...args: A) => void {
	return (...args: A): void => {
		try {
			const result = fn(...args);
			if (result instanceof Promise) result.catch((err: unknown) => containFault(broker, source, component, err));
		} catch (err) {
			containFault(broker, source, component, err);
		}
	};
}

type EventHandler = (ctx: Context) => Promise<unknown>;

/**
 * Every event handler's failure, synchronous or not, is contained: an event has no caller to
 * answer, and Moleculer would only log it (or, thrown synchronously, fail whoever emitted it).
 */
export function FaultContainmentMiddleware(broker: ServiceBroker): Middleware {
	const middleware = {
		name: "FaultContainment",
		localEvent(next: EventHandler, event: { name?: string; service?: { fullName?: string } }): EventHandler {
			const component = `${event.service?.fullName ?? "?"}:${event.name ?? "?"}`;
			return function containEventFailure(ctx: Context): Promise<unknown> {
				try {
					return next(ctx).catch((err: unknown) => containFault(broker, "event", component, err));
				} catch (err) {
					containFault(broker, "event", component, err);
					return Promise.resolve();
				}
			};
		}
	};
	// Moleculer 0.15 types the hook with its own handler types; these are the same at run time.
	return middleware as unknown as Middleware;
}

let installed = false;
let exiting = false;

/** The process-level half of the policy above; once per process, for the node's one broker. */
export function installProcessFaultPolicy(broker: ServiceBroker): void {
	if (installed) return;
	installed = true;
	process.on("unhandledRejection", (reason) => containFault(broker, "process", "unhandledRejection", reason));
	process.on("uncaughtException", (err, origin) => {
		containFault(broker, "process", origin, err);
		if (exiting) return;
		exiting = true;
		try {
			broker.logger.fatal("An uncaught exception left this process in an unknown state: stopping the node and exiting with code 1");
		} catch {
			// Exiting matters more than the line.
		}
		const exit = (): never => process.exit(1);
		setTimeout(exit, STOP_ON_FATAL_MS).unref();
		broker.stop().then(exit, exit);
	});
}
