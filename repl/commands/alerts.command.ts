/**
 * `alerts`: the alerts firing or pending now (`alerts all` for recent history), `alerts ack <id>`,
 * `alerts silence <rule> [subject] --minutes N --reason TEXT`, and `alerts status` (which node
 * evaluates the rules). The console's calls carry no principal: it is the platform's own tool.
 */
import type { ServiceBroker } from "moleculer";
import type { Alert } from "../../services/monitoring/monitoring.contract.ts";
import type { ReplCommand } from "../repl-command.ts";
import { clockTime, textTable } from "../text-table.ts";

const TIMEOUT_MS = 5_000;

export function renderAlerts(alerts: readonly Alert[]): string {
	if (alerts.length === 0) return "No alerts.";
	return textTable(
		["ID", "STATE", "RULE", "SUBJECT", "SEVERITY", "SINCE", "ACK", "SUMMARY"],
		alerts.map((a) => [
			a.id,
			a.state.toUpperCase() + (a.silenced ? " (silenced)" : ""),
			a.rule,
			a.subject,
			a.severity,
			clockTime(a.firedAt ?? a.startedAt),
			a.acknowledgedBy ?? "-",
			a.summary
		])
	);
}

async function call<T>(broker: ServiceBroker, action: string, params: Record<string, unknown>): Promise<T> {
	await broker.waitForServices("monitoring", TIMEOUT_MS, 100);
	return broker.call<T, Record<string, unknown>>(action, params, { timeout: TIMEOUT_MS });
}

export async function alertsReport(broker: ServiceBroker, args: { action?: string; id?: string; subject?: string; minutes?: number; reason?: string }): Promise<string> {
	try {
		switch (args.action ?? "active") {
			case "active":
			case "all": {
				const { objects } = await call<{ objects: Alert[] }>(broker, "monitoring.alerts", args.action === "all" ? { limit: 50 } : { state: "active", limit: 200 });
				return renderAlerts(objects);
			}
			case "ack": {
				if (!args.id) return "usage: alerts ack <id>";
				const alert = await call<Alert>(broker, "monitoring.acknowledge", { id: args.id });
				return `Acknowledged ${alert.rule} ${alert.subject} (${alert.id}) as ${alert.acknowledgedBy ?? "?"}`;
			}
			case "silence": {
				if (!args.id || !args.reason) return "usage: alerts silence <rule> [subject] --minutes N --reason TEXT";
				const silence = await call<{ id: string; expiresAt: string }>(broker, "monitoring.silence", {
					rule: args.id,
					...(args.subject ? { subject: args.subject } : {}),
					minutes: args.minutes ?? 60,
					reason: args.reason
				});
				return `Silence ${silence.id} until ${silence.expiresAt}`;
			}
			case "status": {
				const status = await call<{ evaluator: string | null }>(broker, "monitoring.status", {});
				return `Evaluator: ${status.evaluator ?? "none (no monitoring node holds the lease)"}`;
			}
			default:
				return "usage: alerts [all | ack <id> | silence <rule> [subject] --minutes N --reason TEXT | status]";
		}
	} catch (err) {
		const e = err as { message?: string; data?: unknown };
		return `monitoring: ${e.message ?? String(err)}${e.data ? ` ${JSON.stringify(e.data)}` : ""}`;
	}
}

const alertsCommand: ReplCommand = {
	command: "alerts [action] [id] [subject]",
	description: "Alerts firing or pending; `alerts all`, `alerts ack <id>`, `alerts silence <rule> [subject]`, `alerts status`",
	options: [
		{ option: "-m, --minutes <n>", description: "how long a silence lasts (default 60)" },
		{ option: "-r, --reason <text>", description: "why (required for a silence)" }
	],
	async action(broker, args) {
		const minutes = Number(args.options.minutes ?? 60);
		console.log(
			await alertsReport(broker, {
				...(typeof args.action === "string" ? { action: args.action } : {}),
				...(typeof args.id === "string" ? { id: args.id } : {}),
				...(typeof args.subject === "string" ? { subject: args.subject } : {}),
				...(Number.isInteger(minutes) && minutes > 0 ? { minutes } : {}),
				...(typeof args.options.reason === "string" ? { reason: args.options.reason } : {})
			})
		);
	}
};

export default alertsCommand;
