/**
 * `notifications`: the outbox at a glance: the backlog, deliveries by status, and the latest
 * failures with their reason (the same as GET /api/v1/notifications/deliveries?status=failed).
 */
import type { ServiceBroker } from "moleculer";
import type { ReplCommand } from "../repl-command.ts";
import { clockTime, textTable } from "../text-table.ts";

const TIMEOUT_MS = 5_000;

interface Status {
	backlog: number;
	byStatus: Record<string, number>;
	recentFailures: Array<{ id: string; channel: string; target: string; attempts: number; lastError: string | null; createdAt: string }>;
}

export async function notificationsReport(broker: ServiceBroker): Promise<string> {
	try {
		await broker.waitForServices("notification", TIMEOUT_MS, 100);
		const status = await broker.call<Status, Record<string, unknown>>("notification.status", {}, { timeout: TIMEOUT_MS });
		const counts = Object.entries(status.byStatus).map(([s, n]) => `${s} ${n}`).join(", ") || "no deliveries yet";
		const failures =
			status.recentFailures.length === 0
				? "No failed deliveries."
				: textTable(["ID", "CHANNEL", "TARGET", "TRIES", "CREATED", "ERROR"], status.recentFailures.map((f) => [f.id, f.channel, f.target, String(f.attempts), clockTime(new Date(f.createdAt).toISOString()), f.lastError ?? "-"]));
		return `Backlog: ${status.backlog} (${counts})\n${failures}`;
	} catch (err) {
		return `notification: ${err instanceof Error ? err.message : String(err)}`;
	}
}

const notificationsCommand: ReplCommand = {
	command: "notifications",
	description: "The notification outbox: backlog, deliveries by status, latest failures",
	async action(broker) {
		console.log(await notificationsReport(broker));
	}
};

export default notificationsCommand;
