/**
 * `cluster`: nodes and services with their status, as the health service sees them.
 */
import type { ServiceBroker } from "moleculer";
import type { ClusterSummary } from "../../services/health/health.contract.ts";
import type { ReplCommand } from "../repl-command.ts";
import { clockTime, humanDuration, textTable } from "../text-table.ts";
import { askHealth } from "../ask-health.ts";

export function renderCluster(summary: ClusterSummary): string {
	const c = summary.counts;
	const transporter = summary.transporter.state === "none" ? "no transporter" : `transporter ${summary.transporter.state}`;
	const head = [
		`Cluster ${summary.status.toUpperCase()} (seen by ${summary.observer} at ${clockTime(summary.at)}, ${transporter})`,
		`Nodes: ${c.nodes.up} up, ${c.nodes.down} down. Services: ${c.services.up} up, ${c.services.degraded} degraded, ${c.services.down} down.`
	];
	const nodes = textTable(
		["NODE", "STATE", "HOST", "NODE.JS", "MOLECULER", "UPTIME", "LAST SEEN", "SERVICES"],
		summary.nodes.map((n) => [
			n.id + (n.local ? " (*)" : ""),
			n.state.toUpperCase(),
			n.hostname ?? "-",
			n.versions.node ?? "-",
			n.versions.moleculer ?? "-",
			humanDuration(n.uptimeSec),
			clockTime(n.lastSeen),
			(n.services.join(", ") || "-") + (n.state === "down" && n.reason ? ` [${n.reason}]` : "")
		])
	);
	const services = textTable(
		["SERVICE", "STATUS", "LIVE/WANTED", "NODES", "REASONS"],
		summary.services.map((s) => [s.name, s.status.toUpperCase(), `${s.live}/${s.wanted}`, s.nodes.join(", ") || "-", s.reasons.join("; ") || "-"])
	);
	return [...head, "", nodes, "", services].join("\n");
}

export async function clusterReport(broker: ServiceBroker, timeoutMs: number): Promise<string> {
	const answer = await askHealth<ClusterSummary>(broker, "cluster", {}, timeoutMs);
	return answer.ok ? renderCluster(answer.value) : answer.message;
}

const clusterCommand: ReplCommand = {
	command: "cluster",
	description: "Nodes and services with their status (up, degraded, down), from the health service",
	options: [{ option: "-t, --timeout <ms>", description: "how long to wait for the health service (default 3000)" }],
	async action(broker, args) {
		const timeout = Number(args.options.timeout ?? 3_000);
		console.log(await clusterReport(broker, Number.isFinite(timeout) && timeout > 0 ? timeout : 3_000));
	}
};

export default clusterCommand;
