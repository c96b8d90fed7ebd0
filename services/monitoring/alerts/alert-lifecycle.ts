/**
 * pending → firing → resolved, as a pure plan: the active alerts and this evaluation's conditions
 * in, the changes to store and the events to send out. One active alert per rule and subject (the
 * database's partial unique index enforces the same), so a condition seen again is the same alert.
 *
 * - A new condition is pending, or firing at once when its rule's pending time is 0.
 * - Pending becomes firing once the condition has held for the pending time.
 * - An alert whose condition is gone is resolved; a pending one resolves without ever having fired.
 * - `alert.fired` goes out when a firing alert is not silenced and has not been announced; a silence
 *   ending while it still fires announces it then. `alert.resolved` follows only an announced alert.
 */
import type { AlertRule, AlertState } from "../monitoring.contract.ts";
import type { Thresholds } from "../thresholds.ts";
import { type Condition, PENDING_KEY } from "./alert-rules.ts";

export interface ActiveAlert {
	id: string;
	rule: AlertRule;
	subject: string;
	state: Exclude<AlertState, "resolved">;
	startedAt: Date;
	notified: boolean;
}

export interface SilenceMatcher {
	rule: string | null;
	subject: string | null;
	expiresAt: Date;
}

export type AlertChange =
	| { kind: "open"; condition: Condition; state: "pending" | "firing"; notify: boolean }
	| { kind: "fire"; id: string; condition: Condition; notify: boolean }
	| { kind: "update"; id: string; condition: Condition; notify: boolean }
	| { kind: "resolve"; id: string; wasFiring: boolean; notify: boolean };

export function keyOf(rule: string, subject: string): string {
	return `${rule}\u0000${subject}`;
}

export function isSilenced(silences: readonly SilenceMatcher[], rule: string, subject: string, now: Date): boolean {
	return silences.some((s) => s.expiresAt > now && (s.rule === null || s.rule === rule) && (s.subject === null || s.subject === subject));
}

export function planChanges(input: {
	active: readonly ActiveAlert[];
	conditions: readonly Condition[];
	evaluated: ReadonlySet<AlertRule>;
	silences: readonly SilenceMatcher[];
	thresholds: Thresholds;
	now: Date;
}): AlertChange[] {
	const { now, thresholds } = input;
	const active = new Map(input.active.map((a) => [keyOf(a.rule, a.subject), a]));
	const seen = new Set<string>();
	const changes: AlertChange[] = [];
	for (const condition of input.conditions) {
		const key = keyOf(condition.rule, condition.subject);
		// Two conditions for one subject in one evaluation are one alert.
		if (seen.has(key)) continue;
		seen.add(key);
		const pendingMs = thresholds.pendingMs[PENDING_KEY[condition.rule]];
		const announce = !isSilenced(input.silences, condition.rule, condition.subject, now);
		const alert = active.get(key);
		if (!alert) {
			const firing = pendingMs === 0;
			changes.push({ kind: "open", condition, state: firing ? "firing" : "pending", notify: firing && announce });
		} else if (alert.state === "pending") {
			if (now.getTime() - alert.startedAt.getTime() >= pendingMs) changes.push({ kind: "fire", id: alert.id, condition, notify: announce });
			else changes.push({ kind: "update", id: alert.id, condition, notify: false });
		} else {
			changes.push({ kind: "update", id: alert.id, condition, notify: !alert.notified && announce });
		}
	}
	for (const [key, alert] of active) {
		if (seen.has(key) || !input.evaluated.has(alert.rule)) continue;
		changes.push({ kind: "resolve", id: alert.id, wasFiring: alert.state === "firing", notify: alert.notified });
	}
	return changes;
}
