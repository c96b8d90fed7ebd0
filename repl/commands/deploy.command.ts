/**
 * `deploy status` (the wanted topology and the latest rollouts), `deploy drift` (what differs from
 * it now), `deploy rollout <service> --reason TEXT [--nodes a,b] [--within SECONDS]` (starts a
 * rolling replacement and follows it step by step until it ends). The console's calls carry no
 * principal: it is the platform's own tool, and the record names it `console@<node>`.
 */
import type { ServiceBroker } from "moleculer";
import type { DriftReport, Rollout, RolloutStep, Topology } from "../../services/deployment/deployment.contract.ts";
import type { ReplCommand } from "../repl-command.ts";
import { clockTime, textTable } from "../text-table.ts";

const TIMEOUT_MS = 5_000;
const FOLLOW_POLL_MS = 500;

async function call<T>(broker: ServiceBroker, action: string, params: Record<string, unknown>): Promise<T> {
	await broker.waitForServices("deployment", TIMEOUT_MS, 100);
	return broker.call<T, Record<string, unknown>>(action, params, { timeout: TIMEOUT_MS });
}

export function renderTopology(t: Topology): string {
	const head = t.version === 0 ? "No topology stored yet (every service: one replica)." : `Topology version ${t.version} by ${t.changedBy} at ${t.changedAt ?? "?"}: ${t.reason}`;
	const rows = Object.entries(t.services).map(([name, s]) => [name, String(s.replicas), s.version ?? "any"]);
	return rows.length ? `${head}\n${textTable(["SERVICE", "REPLICAS", "VERSION"], rows)}` : head;
}

export function renderDrift(d: DriftReport): string {
	if (d.inSync) return `In sync with topology version ${d.topologyVersion}.`;
	return textTable(
		["SERVICE", "DRIFT", "WANTED", "LIVE", "NODES", "SUMMARY"],
		d.items.map((i) => [i.service, i.kind + (i.expected ? " (rollout)" : ""), String(i.wanted), String(i.live), i.nodes.join(",") || "-", i.summary])
	);
}

export function renderStep(s: RolloutStep): string {
	return `${clockTime(s.at)}  ${s.phase.toUpperCase().padEnd(8)} ${s.node ?? "-"}  ${s.detail}`;
}

function renderRollouts(rollouts: readonly Rollout[]): string {
	if (rollouts.length === 0) return "No rollouts yet.";
	return textTable(
		["ID", "SERVICE", "STATE", "STARTED", "BY", "REPORT"],
		rollouts.map((r) => [r.id.slice(0, 8), r.service, r.state.toUpperCase(), clockTime(r.startedAt), r.startedBy, r.report ?? "-"])
	);
}

export interface DeployArgs {
	action?: string;
	service?: string;
	reason?: string;
	nodes?: string[];
	withinSeconds?: number;
	/** Where each step is printed while a rollout is followed. */
	print?: (line: string) => void;
	/** Gives up following (the rollout goes on) after this long. */
	followMs?: number;
}

export async function deployReport(broker: ServiceBroker, args: DeployArgs): Promise<string> {
	try {
		switch (args.action ?? "status") {
			case "status": {
				const [topology, rollouts] = await Promise.all([call<Topology>(broker, "deployment.topology", {}), call<{ objects: Rollout[] }>(broker, "deployment.rollouts", { limit: 5 })]);
				return `${renderTopology(topology)}\n\n${renderRollouts(rollouts.objects)}`;
			}
			case "drift":
				return renderDrift(await call<DriftReport>(broker, "deployment.drift", {}));
			case "rollout": {
				if (!args.service || !args.reason) return "usage: deploy rollout <service> --reason TEXT [--nodes a,b] [--within SECONDS]";
				const started = await call<Rollout>(broker, "deployment.rollout", {
					service: args.service,
					reason: args.reason,
					...(args.nodes ? { nodes: args.nodes } : {}),
					...(args.withinSeconds ? { healthyWithinMs: args.withinSeconds * 1000 } : {})
				});
				const print = args.print ?? ((line: string) => console.log(line));
				print(`Rollout ${started.id} of ${started.service}: ${started.nodes.join(", ")}`);
				let shown = 0;
				const deadline = Date.now() + (args.followMs ?? 30 * 60_000);
				for (;;) {
					const r = await call<Rollout>(broker, "deployment.rolloutStatus", { id: started.id });
					for (const step of r.steps.slice(shown)) print(renderStep(step));
					shown = r.steps.length;
					if (r.state !== "running") return `${r.state.toUpperCase()}: ${r.report ?? ""}`;
					if (Date.now() > deadline) return `Still running; follow it with \`deploy status\` (rollout ${r.id})`;
					await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
				}
			}
			default:
				return "usage: deploy [status | drift | rollout <service> --reason TEXT [--nodes a,b] [--within SECONDS]]";
		}
	} catch (err) {
		const e = err as { message?: string; data?: unknown };
		return `deployment: ${e.message ?? String(err)}${e.data ? ` ${JSON.stringify(e.data)}` : ""}`;
	}
}

const deployCommand: ReplCommand = {
	command: "deploy [action] [service]",
	description: "The wanted topology and rollouts (`deploy status`), drift (`deploy drift`), a rolling replacement (`deploy rollout <service> --reason TEXT`)",
	options: [
		{ option: "-r, --reason <text>", description: "why (required for a rollout)" },
		{ option: "-n, --nodes <ids>", description: "the nodes to replace, comma-separated, in order (default: every node of the service)" },
		{ option: "-w, --within <seconds>", description: "how long each replacement has to become healthy (default 120)" }
	],
	async action(broker, args) {
		const within = Number(args.options.within);
		console.log(
			await deployReport(broker, {
				...(typeof args.action === "string" ? { action: args.action } : {}),
				...(typeof args.service === "string" ? { service: args.service } : {}),
				...(typeof args.options.reason === "string" ? { reason: args.options.reason } : {}),
				...(typeof args.options.nodes === "string" ? { nodes: args.options.nodes.split(",").map((n) => n.trim()).filter((n) => n.length > 0) } : {}),
				...(Number.isInteger(within) && within > 0 ? { withinSeconds: within } : {})
			})
		);
	}
};

export default deployCommand;
