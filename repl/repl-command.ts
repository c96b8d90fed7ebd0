/**
 * The shape of an operator command: one file per command in repl/commands/, each exporting a
 * `ReplCommand` as its default. moleculer-repl registers them as custom commands.
 */
import type { ServiceBroker } from "moleculer";

/** What moleculer-repl passes a custom command: parsed flags, the line as typed, and positional arguments by name. */
export interface ReplArgs {
	options: Record<string, unknown>;
	rawCommand: string;
	[argument: string]: unknown;
}

export interface ReplCommand {
	/** Commander syntax, e.g. "cluster" or "transitions [id]". */
	command: string;
	description: string;
	alias?: string[];
	options?: { option: string; description: string }[];
	action(broker: ServiceBroker, args: ReplArgs): Promise<void>;
}

export function isReplCommand(value: unknown): value is ReplCommand {
	if (typeof value !== "object" || value === null) return false;
	const v = value as Record<string, unknown>;
	return typeof v.command === "string" && typeof v.description === "string" && typeof v.action === "function";
}
