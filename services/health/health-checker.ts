/**
 * Runs each live replica's own `healthCheck` action (added by HealthMixin) and turns the answer
 * into a `CheckOutcome`. A replica that does not answer within the timeout has failed its check:
 * a hung node must not look healthy just because it never says otherwise.
 */
import type { ServiceBroker } from "moleculer";
import type { ServiceHealth } from "../../mixins/health.mixin.ts";
import type { CheckOutcome } from "./cluster-model.ts";

export interface CheckTarget {
	service: string;
	nodeID: string;
}

export interface TargetOutcome extends CheckTarget {
	outcome: CheckOutcome;
}

function isServiceHealth(value: unknown): value is ServiceHealth {
	return typeof value === "object" && value !== null && "ok" in value && "checks" in value && Array.isArray(value.checks);
}

async function checkOne(broker: ServiceBroker, target: CheckTarget, timeoutMs: number): Promise<TargetOutcome> {
	try {
		// Untracked: a check that timed out stays pending in Moleculer's context tracker until its late
		// answer, and a node stopping would wait its whole shutdownTimeout for it (seen: 10 s).
		const answer: unknown = await broker.call(`${target.service}.healthCheck`, {}, { nodeID: target.nodeID, timeout: timeoutMs, retries: 0, tracking: false });
		const at = new Date().toISOString();
		if (!isServiceHealth(answer)) return { ...target, outcome: { ok: false, at, reasons: ["healthCheck answered something that is not a health report"] } };
		const reasons = answer.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail ?? "failed"}`);
		return { ...target, outcome: { ok: answer.ok && reasons.length === 0, at, reasons: answer.ok || reasons.length > 0 ? reasons : ["failed"] } };
	} catch (err) {
		const message = err instanceof Error ? err.message : String(err);
		return { ...target, outcome: { ok: false, at: new Date().toISOString(), reasons: [`no answer: ${message}`] } };
	}
}

export function runHealthChecks(broker: ServiceBroker, targets: readonly CheckTarget[], timeoutMs: number): Promise<TargetOutcome[]> {
	return Promise.all(targets.map((t) => checkOne(broker, t, timeoutMs)));
}
