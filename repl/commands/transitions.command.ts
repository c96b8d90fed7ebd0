/**
 * `transitions [id]`: the latest changes of state (node up/down, service status, transporter,
 * circuits), newest first, from the health service's history.
 */
import type { ServiceBroker } from "moleculer";
import type { Transition } from "../../services/health/health.contract.ts";
import { askHealth } from "../ask-health.ts";
import type { ReplCommand } from "../repl-command.ts";
import { textTable } from "../text-table.ts";

export function renderTransitions(transitions: readonly Transition[]): string {
	if (transitions.length === 0) return "No transitions recorded yet.";
	return textTable(
		["AT", "KIND", "ID", "FROM", "TO", "REASON"],
		transitions.map((t) => [t.at, t.kind, t.id, t.from, t.to, t.reason ?? "-"])
	);
}

export async function transitionsReport(broker: ServiceBroker, params: { limit: number; id?: string }, timeoutMs: number): Promise<string> {
	const answer = await askHealth<{ transitions: Transition[] }>(broker, "transitions", params, timeoutMs);
	return answer.ok ? renderTransitions(answer.value.transitions) : answer.message;
}

const transitionsCommand: ReplCommand = {
	command: "transitions [id]",
	description: "Latest changes of state in the cluster, newest first (optionally of one node, service or circuit)",
	options: [{ option: "-n, --limit <count>", description: "how many (default 20, at most 1000)" }],
	async action(broker, args) {
		const limit = Math.min(1_000, Math.max(1, Math.trunc(Number(args.options.limit ?? 20)) || 20));
		const id = typeof args.id === "string" ? args.id : undefined;
		console.log(await transitionsReport(broker, { limit, ...(id ? { id } : {}) }, 3_000));
	}
};

export default transitionsCommand;
