/**
 * The health contract every service follows (README.md "Architecture").
 *
 * CONTRACT (other modules depend on these exports; keep the signatures):
 * - `HealthMixin()`: every service lists it in `mixins`; it adds the `healthCheck` action (visibility
 *   "public": callable from other nodes, not published to the gateway) that runs the service's checks.
 * - `addHealthCheck(service, name, check)`: any mixin or service registers a check of one of its
 *   dependencies (e.g. the db mixin registers "database"), from its `created` hook, in any order.
 * - `runNodeHealthChecks(broker)`: runs the checks of every service on this node, plus the
 *   transporter connection; the gateway's /readyz answers from it.
 */
import type { Service, ServiceBroker, ServiceSchema } from "moleculer";
import { NoParams } from "../runtime/validation/zod-params.ts";
import { watchTransporter } from "./transporter-monitor.ts";

/** Resolves (optionally with a detail) when healthy; rejects with the reason when not. */
export type HealthCheck = () => Promise<string | undefined>;

export interface CheckResult {
	name: string;
	ok: boolean;
	detail?: string;
	ms: number;
}

export interface ServiceHealth {
	service: string;
	ok: boolean;
	checks: CheckResult[];
}

export interface NodeHealth {
	ok: boolean;
	/** One line per failing check, e.g. "web: database: connection refused". */
	reasons: string[];
	services: ServiceHealth[];
}

export const DEFAULT_CHECK_TIMEOUT_MS = 2_000;

const checksByService = new WeakMap<Service, Map<string, HealthCheck>>();

export function addHealthCheck(service: Service, name: string, check: HealthCheck): void {
	let checks = checksByService.get(service);
	if (!checks) {
		checks = new Map();
		checksByService.set(service, checks);
	}
	checks.set(name, check);
}

async function runOne(name: string, check: HealthCheck, timeoutMs: number): Promise<CheckResult> {
	const started = performance.now();
	let timer: NodeJS.Timeout | undefined;
	try {
		const detail = await Promise.race([
			check(),
			new Promise<never>((_, reject) => {
				timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
			})
		]);
		return { name, ok: true, ...(detail ? { detail } : {}), ms: Math.round(performance.now() - started) };
	} catch (err) {
		return { name, ok: false, detail: err instanceof Error ? err.message : String(err), ms: Math.round(performance.now() - started) };
	} finally {
		clearTimeout(timer);
	}
}

export async function runServiceHealthChecks(service: Service, timeoutMs = DEFAULT_CHECK_TIMEOUT_MS): Promise<ServiceHealth> {
	const checks = [...(checksByService.get(service) ?? new Map<string, HealthCheck>())];
	const results = await Promise.all(checks.map(([name, check]) => runOne(name, check, timeoutMs)));
	return { service: service.fullName, ok: results.every((r) => r.ok), checks: results };
}

export async function runNodeHealthChecks(broker: ServiceBroker, timeoutMs = DEFAULT_CHECK_TIMEOUT_MS): Promise<NodeHealth> {
	const services = await Promise.all(broker.services.map((s) => runServiceHealthChecks(s, timeoutMs)));
	const reasons = services.flatMap((s) => s.checks.filter((c) => !c.ok).map((c) => `${s.service}: ${c.name}: ${c.detail ?? "failed"}`));
	// `transit.connected` stays true through a NATS outage (measured on the project's machines); the monitor follows the client itself.
	if (broker.transit) {
		const transporter = watchTransporter(broker).status();
		if (transporter.state !== "connected" || !broker.transit.connected) {
			reasons.unshift(`transporter: not connected to NATS${transporter.detail ? ` (${transporter.detail})` : ""}`);
		}
	}
	return { ok: reasons.length === 0, reasons, services };
}

export function HealthMixin(): Partial<ServiceSchema> {
	return {
		started(this: Service): void {
			// Start following the NATS connection now, so the first readiness answer already knows it.
			watchTransporter(this.broker);
		},
		actions: {
			healthCheck: {
				visibility: "public",
				params: NoParams,
				handler(this: Service): Promise<ServiceHealth> {
					return runServiceHealthChecks(this);
				}
			}
		}
	};
}
