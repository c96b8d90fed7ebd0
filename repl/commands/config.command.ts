/**
 * `config get [key]`, `config set <key> <value> --reason "..."`, `config history <key>`: the
 * central configuration from the operator console. A value is read as JSON when it parses
 * (`600`, `["https://a.example"]`, `null` for the default), as text otherwise. The console is a
 * cluster member, so its calls carry no principal; the change is recorded as made by `repl:<user>@<host>`.
 */
import os from "node:os";
import type { ServiceBroker } from "moleculer";
import type { ConfigEntry, HistoryItem, Page, SetAnswer } from "../../services/config/config.contract.ts";
import type { ReplCommand } from "../repl-command.ts";
import { textTable } from "../text-table.ts";

const TIMEOUT_MS = 5_000;

function show(value: unknown): string {
	const text = JSON.stringify(value) ?? "null";
	return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function failureOf(err: unknown): string {
	const e = err as { code?: number; message?: string; data?: unknown };
	if (e.code === 422 && Array.isArray(e.data)) {
		return `Refused: ${(e.data as { field?: string; message?: string }[]).map((d) => `${d.field ?? "?"} ${d.message ?? ""}`).join("; ")}`;
	}
	if (e.code === undefined && /not found|not available/i.test(e.message ?? "")) return "The config service is not reachable.";
	return `Refused (${e.code ?? "?"}): ${e.message ?? String(err)}`;
}

/** A value as typed at the prompt. */
export function parseValue(raw: string): unknown {
	try {
		return JSON.parse(raw) as unknown;
	} catch {
		return raw;
	}
}

export async function configGet(broker: ServiceBroker, key?: string): Promise<string> {
	try {
		if (key) {
			const e = await broker.call<ConfigEntry, { key: string }>("config.get", { key }, { timeout: TIMEOUT_MS });
			return [
				`${e.key} = ${JSON.stringify(e.value)}${e.isDefault ? " (default)" : ""}`,
				`  version ${e.version}${e.changedBy ? `, by ${e.changedBy} at ${e.changedAt ?? "?"}: ${e.reason ?? ""}` : ""}`,
				`  ${e.description ?? "no running service declares it"}`,
				`  changeable by ${e.changeableBy ?? "-"}${e.restartRequired ? "; takes effect after a restart of " + e.owner : ", live"}`
			].join("\n");
		}
		const page = await broker.call<Page<ConfigEntry>, { limit: number }>("config.list", { limit: 500 }, { timeout: TIMEOUT_MS });
		if (page.objects.length === 0) return "No configuration keys are declared by running services.";
		return textTable(
			["KEY", "VALUE", "VERSION", "BY", "APPLIES"],
			page.objects.map((e) => [e.key, `${show(e.value)}${e.isDefault ? " (default)" : ""}`, String(e.version), e.changeableBy ?? "-", e.restartRequired ? "restart" : "live"])
		);
	} catch (err) {
		return failureOf(err);
	}
}

export async function configSet(broker: ServiceBroker, key: string, raw: string, reason: string): Promise<string> {
	try {
		const answer = await broker.call<SetAnswer, Record<string, unknown>>(
			"config.set",
			{ key, value: parseValue(raw), reason },
			{ timeout: TIMEOUT_MS, meta: { actor: `repl:${os.userInfo().username}@${os.hostname()}` } }
		);
		return `${answer.key} = ${JSON.stringify(answer.value)}${answer.isDefault ? " (default)" : ""}. ${answer.message}`;
	} catch (err) {
		return failureOf(err);
	}
}

export async function configHistory(broker: ServiceBroker, key: string, limit = 20): Promise<string> {
	try {
		const page = await broker.call<Page<HistoryItem>, { key: string; limit: number }>("config.history", { key, limit }, { timeout: TIMEOUT_MS });
		if (page.objects.length === 0) return `${key} was never changed.`;
		return textTable(
			["VERSION", "AT", "KIND", "VALUE", "BY", "REASON"],
			page.objects.map((h) => [String(h.version), h.changedAt, h.rollbackOf ? `rollback to ${h.rollbackOf}` : h.kind, h.isDefault ? "(default)" : show(h.value), h.changedBy, h.reason])
		);
	} catch (err) {
		return failureOf(err);
	}
}

const USAGE = 'usage: config get [key] | config set <key> <value> --reason "why" | config history <key>';

const configCommand: ReplCommand = {
	command: "config <action> [key] [value]",
	description: "Central configuration: `config get [key]`, `config set <key> <value> --reason TEXT`, `config history <key>`",
	options: [
		{ option: "-r, --reason <text>", description: "why, for `config set` (recorded with the change)" },
		{ option: "-n, --limit <count>", description: "versions to list for `config history` (default 20)" }
	],
	async action(broker, args) {
		const action = String(args.action ?? "");
		const key = typeof args.key === "string" ? args.key : undefined;
		if (action === "get") console.log(await configGet(broker, key));
		else if (action === "set" && key && args.value !== undefined) {
			const reason = typeof args.options.reason === "string" ? args.options.reason : "";
			console.log(reason.length < 3 ? 'Say why with --reason "..." (at least 3 characters): it is recorded with the change.' : await configSet(broker, key, String(args.value), reason));
		} else if (action === "history" && key) {
			const limit = Math.min(500, Math.max(1, Math.trunc(Number(args.options.limit ?? 20)) || 20));
			console.log(await configHistory(broker, key, limit));
		} else console.log(USAGE);
	}
};

export default configCommand;
